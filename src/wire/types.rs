//! Typed booth messages. Codes stay open: an unknown value is carried, not lost.

use super::consts::*;

/// Declares a four-character-code enum whose unknown values are kept in `Other(u32)`.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $code:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// A value this implementation does not know, kept as received.
            Other(u32),
        }

        impl $name {
            pub const fn from_u32(v: u32) -> Self {
                $(if v == fourcc($code) { return Self::$var; })*
                Self::Other(v)
            }
            pub const fn to_u32(self) -> u32 {
                match self {
                    $(Self::$var => fourcc($code),)*
                    Self::Other(v) => v,
                }
            }
        }

        impl From<u32> for $name {
            fn from(v: u32) -> Self { Self::from_u32(v) }
        }
        impl From<$name> for u32 {
            fn from(c: $name) -> u32 { c.to_u32() }
        }
    };
}

code_enum! {
    /// `cmd` and `request` values (wire.md §2.1).
    Cmd {
        List = b"CLst", Grant = b"CGnt", Revoke = b"CRvk", Peers = b"Peer",
        ClResult = b"Rslt", ClList = b"RLst", ClGrant = b"RGnt", ClRevoke = b"RRvk",
        AttrSet = b"ASet", AttrGet = b"AGet", AttrDel = b"ADel", AttrList = b"ALst",
        Status = b"Stat", MyIndex = b"MIdx", ReqVote = b"RVot", VoteFor = b"VtFr",
        Heartbeat = b"HrtB", Ack = b"Ack.", Update = b"UpdE", Revoke2 = b"Revk",
        Rejected = b"RJC!",
    }
}

code_enum! {
    /// `result` values other than success (wire.md §2.2); 0 is `Result::Success`.
    ResultCode {
        Async = b"Asyn", More = b"More", SyncSucc = b"Sccs", SyncFail = b"Fail",
        InvalidArg = b"IArg", NoSuchAttr = b"NAtr", CibPending = b"Pend",
        ExtFailed = b"XPrg", AttrPrereq = b"APrq", TicketIdle = b"Tidl",
        Overgrant = b"Over", ProbablySuccess = b"Suc?", Busy = b"Busy", Auth = b"Auth",
        TermOutdated = b"TOdt", TermStillValid = b"TVld", YouOutdated = b"Outd",
        Redirect = b"Redr",
    }
}

code_enum! {
    /// `reason` values other than OR_JUST_SO = 0 (wire.md §2.3).
    Reason {
        Again = b"Aaaa", TicketLost = b"TLst", Reacquire = b"Racq", Admin = b"Admn",
        LocalFail = b"LocF", StepDown = b"Spdn", Split = b"Splt",
    }
}

/// The 48-byte common header (wire.md §1.2), every field as on the wire.
/// `cmd`/`request`/`reason`/`result` are raw u32 here; use the typed accessors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub opts: u32,
    pub secs: u32,
    pub usecs: u32,
    pub magic: u32,
    pub version: u32,
    pub from: u32,
    pub length: u32,
    pub cmd: u32,
    pub request: u32,
    pub options: u32,
    pub reason: u32,
    pub result: u32,
}

/// A fixed-size NUL-terminated C string field of `N` bytes, kept byte for byte so that
/// re-encoding reproduces the input exactly (a receiver must not assume a zero tail).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CStrField<const N: usize>(pub [u8; N]);

/// Ticket name field (64 bytes).
pub type TicketName = CStrField<TICKET_NAME_LEN>;
/// Attribute name field (64 bytes).
pub type AttrName = CStrField<ATTR_NAME_LEN>;
/// Attribute value field (128 bytes).
pub type AttrValue = CStrField<ATTR_VALUE_LEN>;

/// The 76-byte ticket body (wire.md §1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketBody {
    pub name: TicketName,
    /// Site id, `NO_ONE`, or 0 in client requests (wire.md §3.3).
    pub leader: u32,
    pub term: u32,
    /// Seconds or milliseconds by the process-wide multiplier (wire.md §1.3.1).
    pub term_valid_for: u32,
}

/// The 256-byte attribute body (wire.md §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttrBody {
    pub ticket: TicketName,
    pub name: AttrName,
    pub value: AttrValue,
}

/// The 28-byte HMAC trailer (wire.md §1.5) as received: `hid` and the 24-byte `hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub hid: u32,
    pub hash: [u8; 24],
}
