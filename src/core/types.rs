//! The core's input and output vocabulary: members, ticket parameters, messages, actions.
//!
//! Messages are typed (header fields + ticket body fields), never bytes: the shell encodes.

use crate::wire::consts::{NO_ONE, TICKET_NAME_LEN};

/// Milliseconds on the node's monotonic clock (consensus.md §9.1).
pub type Ms = u64;

/// The two clocks the core is given with every input (consensus.md §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time in ms; only differences matter.
    pub mono: Ms,
    /// Wall-clock Unix time in ms; only used for the CIB `expires` value.
    pub wall_ms: i64,
}

/// Kind of a configured member (consensus.md §0.3, §12.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Site,
    Arbitrator,
}

/// One `site=`/`arbitrator=` line, in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The 32-bit id (crc32 of the address, top bit cleared).
    pub id: u32,
    pub kind: Kind,
}

/// Ticket mode (consensus.md §14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Auto,
    Manual,
}

/// One ticket's parameters, times in ms (consensus.md §0.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketParams {
    pub name: Name,
    /// `D`, lease length.
    pub expire: Ms,
    /// `T`, resend interval and election length.
    pub timeout: Ms,
    /// `R`, resends per round.
    pub retries: u32,
    /// `F`, renewal period (default `D/2`).
    pub renewal_freq: Ms,
    /// `A`, extra wait after a lost lease.
    pub acquire_after: Ms,
    pub mode: Mode,
    /// A `before-acquire-handler` is configured.
    pub has_handler: bool,
}

// Hashes the numbers only: equal parameters still hash equal, and state fingerprints
// (the exhaustive search) do not pay for the 64-byte name every time.
impl std::hash::Hash for TicketParams {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.expire, self.timeout, self.retries, self.renewal_freq).hash(h);
        (self.acquire_after, self.mode, self.has_handler).hash(h);
    }
}

impl TicketParams {
    /// The C defaults for a ticket called `name` (consensus.md §0.2).
    pub fn new(name: Name) -> Self {
        TicketParams {
            name,
            expire: 600_000,
            timeout: 5_000,
            retries: 10,
            renewal_freq: 300_000,
            acquire_after: 0,
            mode: Mode::Auto,
            has_handler: false,
        }
    }
}

/// Everything the core needs to know about the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Members in config order (index = position), at most 16.
    pub members: Vec<Member>,
    /// Index of the local member in `members`.
    pub local: usize,
    /// The wire multiplier `M` of wire.md §1.3.1: true ⇔ `term_valid_for` is in ms.
    pub ms_mode: bool,
    pub tickets: Vec<TicketParams>,
}

/// Why a [`Setup`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupError {
    NoMembers,
    TooManyMembers,
    LocalOutOfRange,
    DuplicateId(u32),
    /// A member id of 0 or `NO_ONE` cannot be sent (consensus.md §2.3).
    BadId(u32),
    /// Ticket index and which rule of consensus.md §0.2 it breaks.
    BadTimes(usize, &'static str),
    /// Ticket index and a configured feature the core does not implement yet.
    Unsupported(usize, &'static str),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::NoMembers => write!(f, "no site or arbitrator configured"),
            SetupError::TooManyMembers => write!(f, "more than 16 members configured"),
            SetupError::LocalOutOfRange => write!(f, "the local member is not in the member list"),
            SetupError::DuplicateId(id) => write!(f, "two members share the id {id:#010x}"),
            SetupError::BadId(id) => write!(f, "member id {id:#010x} cannot be used on the wire"),
            SetupError::BadTimes(t, why) => write!(f, "ticket #{t}: {why}"),
            SetupError::Unsupported(t, what) => write!(f, "ticket #{t}: {what}"),
        }
    }
}

/// A ticket name exactly as the 64-byte wire field.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name(pub [u8; TICKET_NAME_LEN]);

impl Name {
    /// A name from text; `None` if it does not fit with its NUL.
    pub fn new(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() >= TICKET_NAME_LEN || b.contains(&0) {
            return None;
        }
        let mut a = [0u8; TICKET_NAME_LEN];
        a[..b.len()].copy_from_slice(b);
        Some(Name(a))
    }
    /// The bytes before the first NUL; `None` if there is none (an invalid field).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        self.0.iter().position(|&c| c == 0).map(|n| &self.0[..n])
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.as_bytes() {
            Some(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            None => write!(f, "<unterminated>"),
        }
    }
}

/// Opcodes and codes the state machine uses (consensus.md §1), as wire values: the
/// core works on raw `u32` fields, so these are the wire enums' values, named once there.
pub mod code {
    use crate::wire::{Cmd, Reason, ResultCode};
    pub const STATUS: u32 = Cmd::Status.to_u32();
    pub const MY_INDEX: u32 = Cmd::MyIndex.to_u32();
    pub const REQ_VOTE: u32 = Cmd::ReqVote.to_u32();
    pub const VOTE_FOR: u32 = Cmd::VoteFor.to_u32();
    pub const HEARTBEAT: u32 = Cmd::Heartbeat.to_u32();
    pub const ACK: u32 = Cmd::Ack.to_u32();
    pub const UPDATE: u32 = Cmd::Update.to_u32();
    pub const REVOKE: u32 = Cmd::Revoke2.to_u32();
    pub const REJECTED: u32 = Cmd::Rejected.to_u32();
    pub const CMD_GRANT: u32 = Cmd::Grant.to_u32();
    pub const CMD_REVOKE: u32 = Cmd::Revoke.to_u32();
    pub const CL_RESULT: u32 = Cmd::ClResult.to_u32();

    pub const SUCCESS: u32 = 0;
    pub const MORE: u32 = ResultCode::More.to_u32();
    pub const SYNC_FAIL: u32 = ResultCode::SyncFail.to_u32();
    pub const INVALID_ARG: u32 = ResultCode::InvalidArg.to_u32();
    pub const CIB_PENDING: u32 = ResultCode::CibPending.to_u32();
    pub const EXT_FAILED: u32 = ResultCode::ExtFailed.to_u32();
    pub const ATTR_PREREQ: u32 = ResultCode::AttrPrereq.to_u32();
    pub const TICKET_IDLE: u32 = ResultCode::TicketIdle.to_u32();
    pub const OVERGRANT: u32 = ResultCode::Overgrant.to_u32();
    pub const REDIRECT: u32 = ResultCode::Redirect.to_u32();
    pub const TERM_OUTDATED: u32 = ResultCode::TermOutdated.to_u32();
    pub const TERM_STILL_VALID: u32 = ResultCode::TermStillValid.to_u32();
    pub const YOU_OUTDATED: u32 = ResultCode::YouOutdated.to_u32();

    pub const R_NONE: u32 = 0;
    pub const TKT_LOST: u32 = Reason::TicketLost.to_u32();
    pub const REACQUIRE: u32 = Reason::Reacquire.to_u32();
    pub const ADMIN: u32 = Reason::Admin.to_u32();
    pub const LOCAL_FAIL: u32 = Reason::LocalFail.to_u32();
    pub const STEPDOWN: u32 = Reason::StepDown.to_u32();
    pub const AGAIN: u32 = Reason::Again.to_u32();

    /// Client option bits (consensus.md §1).
    pub const OPT_IMMEDIATE: u32 = 1;
    pub const OPT_WAIT: u32 = 2;
    pub const OPT_WAIT_COMMIT: u32 = 4;
}

/// A server-to-server ticket message, in or out (consensus.md §2.2). Ticket body fields
/// are as on the wire: `leader` is an id or `NO_ONE`, `valid_for` in wire units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg {
    pub cmd: u32,
    pub request: u32,
    pub result: u32,
    pub reason: u32,
    /// Sender id (`header.from`).
    pub from: u32,
    pub ticket: Name,
    pub leader: u32,
    pub term: u32,
    pub valid_for: u32,
}

impl Msg {
    /// `leader` value meaning "nobody" (wire.md §3.3).
    pub const NO_ONE: u32 = NO_ONE;
}

/// Opaque handle of a client connection, chosen by the shell.
pub type ClientId = u64;

/// A client `CMD_GRANT`/`CMD_REVOKE` (consensus.md §7.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientRequest {
    /// `code::CMD_GRANT` or `code::CMD_REVOKE`; anything else is answered INVALID_ARG.
    pub cmd: u32,
    pub ticket: Name,
    /// `OPT_*` bits.
    pub options: u32,
}

/// A reply to a client (`CL_RESULT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientReply {
    pub result: u32,
    /// Ticket body as the daemon sees it (REDIRECT: the leader to go to).
    pub ticket: Name,
    pub leader: u32,
    pub term: u32,
    pub valid_for: u32,
    /// The daemon closes the connection after this reply.
    pub last: bool,
}

/// A ticket as loaded from Pacemaker (consensus.md §12.1 step 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CibTicket {
    /// `owner` attribute: member id, `NO_ONE` (-1), 0 or unknown (load counts as failed).
    pub owner: u32,
    /// `expires` in Unix seconds.
    pub expires: i64,
    pub term: u32,
    pub granted: bool,
}

/// A CIB write (consensus.md §8.9; command lines: surface.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CibWrite {
    /// Grant here: owner = self.
    Grant { expires: i64, term: u32 },
    /// Revoke here: owner = leader id, `NO_ONE` or 0.
    Revoke { owner: u32, expires: i64, term: u32 },
}

/// Log severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

/// What the shell must do; drained with [`super::Core::poll_action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send to one member (by index). `resend`: a retransmission of the current round's
    /// request to a member that has not answered it (§5.3, the unicast path), which the
    /// shell counts as that member's `resends` in `booth peers` as C does.
    Send { to: usize, msg: Msg, resend: bool },
    /// Send to every member except self, in config order. A rebroadcast from the resend
    /// engine (only self acked) is a Broadcast like any other: C does not count it as a
    /// resend either.
    Broadcast { msg: Msg },
    /// Answer a client; close the connection if `reply.last`.
    ReplyClient {
        client: ClientId,
        reply: ClientReply,
    },
    /// Read the ticket from the CIB; answer with `handle_cib_loaded`.
    CibLoad { ticket: usize },
    /// Write the ticket to the CIB; report with `handle_cib_written` (logged only).
    CibWrite { ticket: usize, write: CibWrite },
    /// Start the before-acquire-handler; report with `handle_handler_exit`.
    RunHandler { ticket: usize },
    /// Stop the running handler (SIGTERM); its exit is then ignored.
    KillHandler { ticket: usize },
    /// A log line about a ticket; the shell formats `event` with member addresses.
    Log {
        ticket: usize,
        level: Level,
        event: super::LogEvent,
    },
}

/// Counters of inputs that were refused (consensus.md §6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub unknown_sender: u64,
    pub from_self: u64,
    pub unknown_ticket: u64,
    pub invalid_leader: u64,
    pub stale_term: u64,
    pub unexpected: u64,
    pub not_loaded: u64,
    pub quarantined_votes: u64,
    /// Heartbeats and updates left unacknowledged during the restart quarantine.
    pub quarantined_acks: u64,
    /// Failover elections not started because an `attr-prereq auto` failed.
    pub prereq_blocked_elections: u64,
}
