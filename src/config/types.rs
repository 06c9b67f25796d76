//! The typed configuration the daemon, the clients and the consensus core consume.

use std::ffi::OsString;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

/// Default `port` (both UDP and TCP).
pub const DEFAULT_PORT: u16 = 9929;
/// Default `maxtimeskew`, seconds.
pub const DEFAULT_MAX_TIME_SKEW: i32 = 600;
/// Default `expire`, ms.
pub const DEFAULT_EXPIRE_MS: u32 = 600_000;
/// Default `timeout`, ms.
pub const DEFAULT_TIMEOUT_MS: u32 = 5_000;
/// Default `retries`.
pub const DEFAULT_RETRIES: u32 = 10;
/// Most members (sites + arbitrators).
pub const MAX_MEMBERS: usize = 16;
/// Longest poll period of the daemon loop, ms (consensus.md §3.1).
pub const MAX_POLL_TIMEOUT_MS: u32 = 100;
/// Name of the hidden ticket template.
pub const DEFAULTS_TICKET: &str = "__defaults__";

/// `transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP between daemons (the only one that works in C).
    Udp,
    /// Accepted by the C parser; the C daemon then crashes (surface.md Q10).
    Sctp,
}

/// Kind of member line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// `site = …`
    Site,
    /// `arbitrator = …`
    Arbitrator,
}

impl fmt::Display for MemberKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemberKind::Site => "site",
            MemberKind::Arbitrator => "arbitrator",
        })
    }
}

/// One `site`/`arbitrator` line, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Position in the file, 0-based; the member's bit is `1 << index`.
    pub index: usize,
    /// Site or arbitrator.
    pub kind: MemberKind,
    /// Address text as C prints it (list, peers, lock file, `BOOTH_LOCAL`, what `-s`
    /// must match): a literal exactly as written, a host name replaced by the resolved
    /// address in `inet_ntop` form.
    pub addr_text: String,
    /// The address.
    pub addr: IpAddr,
    /// CRC-32 site id (wire.md §3).
    pub site_id: u32,
    /// UDP and TCP port of this member: the `port` in effect when its line was read
    /// (surface.md Q21), not necessarily [`Config::port`].
    pub port: u16,
    /// Config line of the member.
    pub line: usize,
}

impl Member {
    /// The member's bit in vote/ack bitmasks (consensus.md §0.3).
    #[must_use]
    pub fn bit(&self) -> u32 {
        u32::try_from(self.index)
            .ok()
            .and_then(|i| 1u32.checked_shl(i))
            .unwrap_or(0)
    }
}

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketMode {
    /// Elections, expiry, failover (default; also any value other than `manual`).
    #[default]
    Automatic,
    /// `mode = manual` (case-insensitive).
    Manual,
}

/// First token of `attr-prereq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    /// `auto`: checked before an automatic election.
    Auto,
    /// `manual`: checked on an administrative grant.
    Manual,
}

/// Third token of `attr-prereq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrOp {
    /// `eq`: attribute exists with exactly that value.
    Eq,
    /// `ne`: attribute missing or different.
    Ne,
}

/// One `attr-prereq` line (surface.md §4.3). Tokens after the fourth are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPrereq {
    /// When it is checked.
    pub grant_type: GrantType,
    /// Geo attribute name (bytes that are not UTF-8 are replaced, lossy).
    pub name: String,
    /// Comparison.
    pub op: AttrOp,
    /// Value compared with (lossy like `name`).
    pub value: String,
}

/// `before-acquire-handler` (surface.md §4.1), split on spaces and TABs, no quoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// What C `stat`s and runs: the value up to the end of its first token
    /// (an all-blank or empty value gives a path that cannot be run, as in C).
    pub path: PathBuf,
    /// argv: the tokens, program first (at most 15). Empty for an all-blank value.
    pub argv: Vec<OsString>,
}

/// A ticket with every key resolved (C defaults applied, times in milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Name, `[A-Za-z0-9/-]{1,63}`.
    pub name: String,
    /// Config line of its `ticket =` line.
    pub line: usize,
    /// `expire` (lease length D), ms, > 0.
    pub expire_ms: u32,
    /// `timeout` (T), ms, > 0.
    pub timeout_ms: u32,
    /// `retries` (R), 3..=100.
    pub retries: u32,
    /// `renewal-freq` (F), ms, > 0: as configured, else `expire/2` (integer division).
    pub renewal_freq_ms: u32,
    /// True when `renewal-freq` was written for this ticket.
    pub renewal_freq_set: bool,
    /// `acquire-after` (A), ms, >= 0.
    pub acquire_after_ms: u32,
    /// `before-acquire-handler`, the last line wins.
    pub handler: Option<Handler>,
    /// `attr-prereq` lines in order.
    pub attr_prereqs: Vec<AttrPrereq>,
    /// `mode`.
    pub mode: TicketMode,
    /// `weights`: parsed and validated like C, 16 slots (missing = 0). C never uses
    /// them (consensus.md §0.2): do not use them either.
    pub weights: [i32; MAX_MEMBERS],
}

/// Something C accepts silently or with a warning, that an operator may want to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// C: `Odd number of nodes is strongly recommended!` (even member count, also 0).
    EvenMemberCount(usize),
    /// A `port` line after member lines: those members keep the earlier port (Q21).
    PortAfterMembers {
        /// line of the `port` key
        line: usize,
    },
    /// `port` is not a number in 1..=65535; C uses `atoi` truncated to 16 bits (Q9).
    PortNotValid {
        /// line of the `port` key
        line: usize,
        /// the value as written
        value: String,
        /// what C (and we) use
        used: u16,
    },
    /// `renewal-freq >= expire`: the leader loses the lease before renewing
    /// (consensus.md §0.2).
    RenewalNotBeforeExpiry {
        /// the ticket
        ticket: String,
    },
    /// `enable-authfile` (written by `pcs`) with a value other than `yes`: RHEL's boothd
    /// then ignores the authfile, booth-rs uses it anyway.
    EnableAuthfileNotYes {
        /// line of the key
        line: usize,
        /// the value as written
        value: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::EvenMemberCount(_) => f.write_str("Odd number of nodes is strongly recommended!"),
            Warning::PortAfterMembers { line } => write!(
                f,
                "port set in line {line} after member lines: members declared before it keep the earlier port"
            ),
            Warning::PortNotValid { line, value, used } => write!(
                f,
                "port \"{value}\" in line {line} is not a port number in 1..65535; using {used} as boothd 1.0 does"
            ),
            Warning::RenewalNotBeforeExpiry { ticket } => write!(
                f,
                "{ticket}: renewal-freq is not shorter than expire, the lease will run out before each renewal"
            ),
            Warning::EnableAuthfileNotYes { line, value } => write!(
                f,
                "enable-authfile = {value} in line {line}: booth-rs uses the authfile whenever one is configured"
            ),
        }
    }
}

/// User or group given in the config: a name, or a number if it starts with a digit.
/// Resolution (getpwnam/getgrnam) is the shell's job (surface.md §1.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// `site-user` (default `hacluster`).
    pub site_user: String,
    /// `site-group` (default `haclient`).
    pub site_group: String,
    /// `arbitrator-user` (default `nobody`).
    pub arbitrator_user: String,
    /// `arbitrator-group` (default `nobody`).
    pub arbitrator_group: String,
}

impl Default for RunAs {
    fn default() -> Self {
        RunAs {
            site_user: "hacluster".into(),
            site_group: "haclient".into(),
            arbitrator_user: "nobody".into(),
            arbitrator_group: "nobody".into(),
        }
    }
}

/// A parsed booth.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Path as given to the parser (what `BOOTH_CONF_PATH` shows).
    pub path: String,
    /// Configuration name: `name` if given and non-empty, else the file's basename up
    /// to its last `.` (surface.md §1.1). PID file, `BOOTH_CONF_NAME`, `booth_cfg_name`.
    pub name: String,
    /// `transport`.
    pub transport: Transport,
    /// `port` as the global value at the end of the file (what Debian prints as
    /// `booth_port`); members carry the port they bind ([`Member::port`]).
    pub port: u16,
    /// `authfile`; `None` when absent or empty (no authentication).
    pub authfile: Option<PathBuf>,
    /// `maxtimeskew`, seconds (`atoi`).
    pub maxtimeskew: i32,
    /// `debug`: the largest value given, at least 0 (daemon and status modes only).
    pub debug: i32,
    /// Run-as user and group keys (documented semantics, not C's argv bug; Q2).
    pub run_as: RunAs,
    /// Members in file order.
    pub members: Vec<Member>,
    /// Tickets in file order (`__defaults__` is not one of them).
    pub tickets: Vec<Ticket>,
    /// Wire multiplier M (wire.md §1.3.1): 1, or 1000 when any time value in the file
    /// was not a whole number of seconds.
    pub time_multiplier: u32,
    /// Smallest `timeout` written anywhere (also under `__defaults__`), ms.
    pub min_timeout_ms: Option<u32>,
    /// Poll period P of the daemon loop, ms (consensus.md §3.1).
    pub poll_timeout_ms: u32,
    /// Non-fatal findings, in file order.
    pub warnings: Vec<Warning>,
}

impl Config {
    /// The member with this site id.
    #[must_use]
    pub fn member_by_id(&self, id: u32) -> Option<&Member> {
        self.members.iter().find(|m| m.site_id == id)
    }

    /// The member whose address text is exactly `text` (`-s`, `BOOTH_LOCAL`).
    #[must_use]
    pub fn member_by_text(&self, text: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.addr_text == text)
    }

    /// The ticket with this name.
    #[must_use]
    pub fn ticket(&self, name: &str) -> Option<&Ticket> {
        self.tickets.iter().find(|t| t.name == name)
    }

    /// `-s other` (surface.md §2.3): the one site that is not `local` (an index into
    /// [`Config::members`]); `None` unless exactly one such site exists.
    #[must_use]
    pub fn other_site(&self, local: Option<usize>) -> Option<&Member> {
        let mut others = self
            .members
            .iter()
            .filter(|m| m.kind == MemberKind::Site && Some(m.index) != local);
        match (others.next(), others.next()) {
            (Some(m), None) => Some(m),
            _ => None,
        }
    }

    /// Bits of all members.
    #[must_use]
    pub fn all_bits(&self) -> u32 {
        self.members.iter().fold(0, |acc, m| acc | m.bit())
    }

    /// Bits of the sites only.
    #[must_use]
    pub fn site_bits(&self) -> u32 {
        self.members
            .iter()
            .filter(|m| m.kind == MemberKind::Site)
            .fold(0, |acc, m| acc | m.bit())
    }

    /// True when a key file is configured.
    #[must_use]
    pub fn auth_enabled(&self) -> bool {
        self.authfile.is_some()
    }
}
