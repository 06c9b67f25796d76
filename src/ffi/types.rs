//! The C-visible types of libbooth: the result enum, the records of the lists, flags.
//! Their layout is checked against the committed header by tests/ffi_layout.rs.

use std::ffi::{c_char, CStr};

/// Size of name fields (ticket and attribute names: at most 63 bytes and a NUL).
pub const BOOTH_NAME_LEN: usize = 64;
/// Size of member address fields.
pub const BOOTH_ADDR_LEN: usize = 64;
/// Size of attribute value fields (at most 127 bytes and a NUL).
pub const BOOTH_VALUE_LEN: usize = 128;
/// Size of time text fields (`YYYY-MM-DD HH:MM:SS` or `INF`, and a NUL).
pub const BOOTH_TIME_LEN: usize = 24;

/// `booth_ticket.flags`: the leader is this host's member (granted here).
pub const BOOTH_TICKET_GRANTED_HERE: u32 = 1;
/// `booth_ticket.flags`: `mode = manual` (`[manual mode]`).
pub const BOOTH_TICKET_MANUAL: u32 = 2;
/// `booth_ticket.flags`: the lease does not expire (`expires: INF`).
pub const BOOTH_TICKET_EXPIRES_NEVER: u32 = 4;
/// `booth_ticket.flags`: granted, the CIB commit is still delayed (on the leader).
pub const BOOTH_TICKET_COMMIT_PENDING: u32 = 8;
/// `booth_ticket.flags`: several sites claim the ticket (the `WARNING:` of `booth list`).
pub const BOOTH_TICKET_MULTI_GRANTED: u32 = 16;

/// `booth_grant` flag: `-F`, grant a manual ticket at once, without the commit delay.
pub const BOOTH_GRANT_FORCE: u32 = 1;
/// `booth_grant`/`booth_revoke` flag: `-w`, wait for the final result.
pub const BOOTH_GRANT_WAIT: u32 = 2;
/// `booth_grant` flag: `-C`, wait until the ticket is committed to the CIB.
pub const BOOTH_GRANT_WAIT_COMMIT: u32 = 4;

/// What every fallible libbooth call returns. The codes are stable; new ones are only
/// added. Each names the cause behind one of the `booth`/`geostore` exit statuses; the
/// handle's `booth_last_message` has the programs' text for it.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum booth_result {
    /// Success (exit status 0).
    Ok = 0,
    /// A required pointer argument was NULL (also a handle after `booth_close`).
    NullArgument = 1,
    /// A string is not UTF-8 or too long, or flags not allowed for the operation.
    InvalidArgument = 2,
    /// The output buffer is too small; `*out_len` holds the size needed.
    BufferTooSmall = 3,
    /// An index past the end of a list.
    OutOfRange = 4,
    /// Not a live handle (closed, or not from `booth_open`); detected where cheap.
    BadHandle = 5,
    /// An internal error (a caught panic); the handle stays usable.
    Panic = 6,
    /// The configuration cannot be read or parsed (`cannot read config`).
    Config = 10,
    /// The configuration's `authfile` is unusable (mode, size, unreadable).
    AuthFile = 11,
    /// This host is no member of the configuration (`Cannot find myself ...`).
    NotAMember = 12,
    /// The site is not configured (`cannot find site` / `Site "X" not configured.`).
    UnknownSite = 13,
    /// grant/revoke/set/delete aimed at an arbitrator (`... is just an arbitrator`).
    Arbitrator = 14,
    /// No ticket named and not exactly one configured (`No ticket given.`).
    NoTicket = 15,
    /// The daemon cannot be reached (`connect to X got ...`).
    Connect = 20,
    /// Sending or receiving failed (`send failed` / `read failed`).
    Io = 21,
    /// No (final) answer in time.
    Timeout = 22,
    /// The reply is malformed (length, magic, text, redirect).
    BadReply = 23,
    /// The reply failed authentication (`X: failed to authenticate`): key or clock.
    AuthFailed = 24,
    /// The daemon rejected our request's authentication (`authentication error`).
    Rejected = 30,
    /// The ticket does not exist on that daemon (`ticket "T" does not exist`).
    NoSuchTicket = 31,
    /// The ticket is already granted (`You're granting a granted ticket. ...`).
    AlreadyGranted = 32,
    /// The daemon says the operation failed (`grant failed!`).
    Failed = 33,
    /// `before-acquire-handler for ticket "T" failed, grant denied`.
    HandlerFailed = 34,
    /// `attr-prereq for ticket "T" failed, grant denied`.
    AttrPrereq = 35,
    /// `attribute "A" not set`.
    NoSuchAttr = 36,
    /// Any other answer of the daemon (`got an error code: 0`).
    UnexpectedResult = 37,
}

impl booth_result {
    const ALL: [booth_result; 26] = [
        Self::Ok,
        Self::NullArgument,
        Self::InvalidArgument,
        Self::BufferTooSmall,
        Self::OutOfRange,
        Self::BadHandle,
        Self::Panic,
        Self::Config,
        Self::AuthFile,
        Self::NotAMember,
        Self::UnknownSite,
        Self::Arbitrator,
        Self::NoTicket,
        Self::Connect,
        Self::Io,
        Self::Timeout,
        Self::BadReply,
        Self::AuthFailed,
        Self::Rejected,
        Self::NoSuchTicket,
        Self::AlreadyGranted,
        Self::Failed,
        Self::HandlerFailed,
        Self::AttrPrereq,
        Self::NoSuchAttr,
        Self::UnexpectedResult,
    ];

    /// The code from its number, if it is one.
    pub fn from_u32(v: u32) -> Option<booth_result> {
        Self::ALL.into_iter().find(|r| *r as u32 == v)
    }

    /// Every code, for tests and bindings.
    pub fn all() -> &'static [booth_result] {
        &Self::ALL
    }

    /// `booth_strerror`'s text.
    pub fn text(self) -> &'static CStr {
        match self {
            Self::Ok => c"success",
            Self::NullArgument => c"a required argument is NULL",
            Self::InvalidArgument => {
                c"invalid argument (not UTF-8, too long, or a flag not allowed here)"
            }
            Self::BufferTooSmall => c"buffer too small",
            Self::OutOfRange => c"index out of range",
            Self::BadHandle => c"not an open booth handle",
            Self::Panic => c"internal error in libbooth",
            Self::Config => c"cannot read config",
            Self::AuthFile => c"cannot use the authentication file",
            Self::NotAMember => c"cannot find myself in the configuration",
            Self::UnknownSite => c"site not configured",
            Self::Arbitrator => c"the target is an arbitrator",
            Self::NoTicket => c"no ticket given",
            Self::Connect => c"cannot connect to the booth daemon",
            Self::Io => c"send or receive failed",
            Self::Timeout => c"no answer in time",
            Self::BadReply => c"malformed reply",
            Self::AuthFailed => c"reply failed to authenticate",
            Self::Rejected => c"authentication error",
            Self::NoSuchTicket => c"ticket does not exist",
            Self::AlreadyGranted => c"ticket already granted",
            Self::Failed => c"operation failed",
            Self::HandlerFailed => c"before-acquire-handler failed, grant denied",
            Self::AttrPrereq => c"attr-prereq failed, grant denied",
            Self::NoSuchAttr => c"attribute not set",
            Self::UnexpectedResult => c"unexpected result code",
        }
    }
}

/// `booth_ticket.leader_kind`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum booth_leader {
    /// `leader: NONE`: no leader recorded (fresh start, expired, lost).
    Unknown = 0,
    /// `leader: none`: revoked or released.
    NoOne = 1,
    /// A member: `booth_ticket.leader` is its address.
    Member = 2,
}

/// `booth_member.kind`, `booth_peer.kind`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum booth_member_kind {
    Site = 0,
    Arbitrator = 1,
}

/// How a successful grant or revoke ended (`*outcome`); the `booth` program exits 0
/// for all of them.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum booth_outcome {
    /// `grant succeeded!` / `revoke succeeded!`
    Done = 0,
    /// The daemon will answer asynchronously; see `booth_list`.
    Async = 1,
    /// Granted; the CIB commit is delayed (`grant succeeded (CIB commit pending)`).
    CommitPending = 2,
    /// Revoke of a ticket nobody holds (`ticket is not owned`).
    NotOwned = 3,
    /// Still in progress when the call stopped waiting (no `BOOTH_GRANT_WAIT`).
    InProgress = 4,
}

/// A configured member.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct booth_member {
    /// Address as in booth.conf (NUL-terminated).
    pub addr: [c_char; BOOTH_ADDR_LEN],
    /// Site id (CRC-32 of the address), as in `booth status`.
    pub site_id: u32,
    /// `booth_member_kind`.
    pub kind: u32,
    /// Booth port of this member.
    pub port: u32,
}

/// One ticket of `booth list`. Strings are NUL-terminated; times are the daemon's local
/// time as printed, and as seconds since the epoch read in this process's time zone.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct booth_ticket {
    pub name: [c_char; BOOTH_NAME_LEN],
    /// The leader's address; empty unless `leader_kind` is `BOOTH_LEADER_MEMBER`.
    pub leader: [c_char; BOOTH_ADDR_LEN],
    /// `YYYY-MM-DD HH:MM:SS`, `INF`, or empty without a leader.
    pub expires_text: [c_char; BOOTH_TIME_LEN],
    /// End of the CIB commit delay, or empty.
    pub commit_pending_text: [c_char; BOOTH_TIME_LEN],
    /// Expiry in epoch seconds; -1 when none or `INF`.
    pub expires: i64,
    /// End of the commit delay in epoch seconds; -1 when none.
    pub commit_pending_until: i64,
    /// `booth_leader`.
    pub leader_kind: u32,
    /// `BOOTH_TICKET_*` bits.
    pub flags: u32,
}

/// One member of `booth peers`, with the answering daemon's counters for it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct booth_peer {
    pub addr: [c_char; BOOTH_ADDR_LEN],
    /// Last datagram received from it (`1970-01-01 ...` in the daemon's zone: never).
    pub last_recv_text: [c_char; BOOTH_TIME_LEN],
    /// The same in epoch seconds (-1 if unreadable).
    pub last_recv: i64,
    /// `booth_member_kind`.
    pub kind: u32,
    pub sent: u32,
    pub sent_errors: u32,
    pub resends: u32,
    pub received: u32,
    pub recv_errors: u32,
    pub authfail: u32,
    pub invalid: u32,
}

/// One geo attribute of `geostore list`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct booth_attr {
    pub name: [c_char; BOOTH_NAME_LEN],
    pub value: [c_char; BOOTH_VALUE_LEN],
    /// Time of the last set, or empty for attributes loaded from the CIB.
    pub set_at_text: [c_char; BOOTH_TIME_LEN],
    /// The same in epoch seconds; -1 when unknown.
    pub set_at: i64,
}

/// `YYYY-MM-DD HH:MM:SS` in this process's local zone → epoch seconds, -1 if invalid.
pub(super) fn local_epoch(text: &str) -> i64 {
    let Some([y, mo, d, h, mi, s]) = crate::listing::parse_time(text) else {
        return -1;
    };
    // SAFETY: libc::tm is plain data; all-zero is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    // SAFETY: `tm` is a valid, exclusively borrowed struct; mktime (MT-safe in glibc)
    // only reads and normalises it.
    unsafe { libc::mktime(&mut tm) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_texts() {
        for r in booth_result::all() {
            assert_eq!(booth_result::from_u32(*r as u32), Some(*r));
            assert!(!r.text().to_bytes().is_empty());
        }
        assert_eq!(booth_result::from_u32(9999), None);
    }
}
