//! Typed booth messages. Codes stay open: an unknown value is carried, not lost.

use core::fmt;

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

/// Why a text cannot be put into a fixed C string field (wire.md §1.1, §5.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    /// The text needs `len` bytes but the field holds at most `max` characters plus the NUL.
    TooLong { len: usize, max: usize },
    /// The text contains a NUL byte, which would end the C string early.
    InteriorNul,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len, max } => {
                write!(
                    f,
                    "name of {len} bytes is too long (at most {max} bytes fit)"
                )
            }
            Self::InteriorNul => f.write_str("name contains a NUL byte"),
        }
    }
}

impl std::error::Error for NameError {}

impl<const N: usize> CStrField<N> {
    /// The all-zero field (empty string).
    pub const EMPTY: Self = Self([0; N]);

    /// Builds a zero-filled field holding `text` and its NUL: rejects texts of `N` bytes
    /// or more and texts containing NUL.
    pub fn new(text: &str) -> Result<Self, NameError> {
        Self::from_bytes(text.as_bytes())
    }

    /// As [`CStrField::new`], for raw bytes.
    pub fn from_bytes(text: &[u8]) -> Result<Self, NameError> {
        if text.len() >= N {
            return Err(NameError::TooLong {
                len: text.len(),
                max: N - 1,
            });
        }
        if text.contains(&0) {
            return Err(NameError::InteriorNul);
        }
        let mut field = [0u8; N];
        field[..text.len()].copy_from_slice(text);
        Ok(Self(field))
    }

    /// The bytes before the first NUL (all `N` bytes if there is none).
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        &self.0[..end]
    }

    /// The text before the first NUL, if it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// Whether the field holds a NUL, as a receiver must require (wire.md §1.1).
    pub fn is_terminated(&self) -> bool {
        self.0.contains(&0)
    }
}

impl<const N: usize> Default for CStrField<N> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<const N: usize> fmt::Debug for CStrField<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))?;
        if !self.is_terminated() {
            f.write_str(" (no NUL)")?;
        } else if self.0[self.as_bytes().len()..].iter().any(|&b| b != 0) {
            f.write_str(" (non-zero tail)")?;
        }
        Ok(())
    }
}

/// Ticket name field (64 bytes).
pub type TicketName = CStrField<TICKET_NAME_LEN>;
/// Attribute name field (64 bytes).
pub type AttrName = CStrField<ATTR_NAME_LEN>;
/// Attribute value field (128 bytes).
pub type AttrValue = CStrField<ATTR_VALUE_LEN>;

/// The 76-byte ticket body (wire.md §1.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TicketBody {
    pub name: TicketName,
    /// Site id, `NO_ONE`, or 0 in client requests (wire.md §3.3).
    pub leader: u32,
    pub term: u32,
    /// Seconds or milliseconds by the process-wide multiplier (wire.md §1.3.1).
    pub term_valid_for: u32,
}

/// The 256-byte attribute body (wire.md §1.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

impl Trailer {
    /// A trailer to be filled in by `auth::sign`: `hid` 2 and a zero hash.
    pub const UNSIGNED: Self = Self {
        hid: HID_SHA1,
        hash: [0; 24],
    };

    /// The 20 HMAC-SHA1 bytes of `hash` (the last 4 are padding, ignored by receivers).
    pub fn mac(&self) -> &[u8] {
        &self.hash[..MAC_LEN]
    }
}

impl Header {
    /// A header with magic and version set, everything else zero; the usual start.
    pub const fn new(cmd: Cmd, from: u32) -> Self {
        Self {
            opts: 0,
            secs: 0,
            usecs: 0,
            magic: MAGIC,
            version: VERSION,
            from,
            length: 0,
            cmd: cmd.to_u32(),
            request: 0,
            options: 0,
            reason: 0,
            result: 0,
        }
    }

    /// `cmd`, typed.
    pub const fn cmd(&self) -> Cmd {
        Cmd::from_u32(self.cmd)
    }

    /// `request`, typed (0 = not a reply, kept as `Other(0)`).
    pub const fn request(&self) -> Cmd {
        Cmd::from_u32(self.request)
    }

    /// `reason`, typed (0 = OR_JUST_SO, kept as `Other(0)`).
    pub const fn reason(&self) -> Reason {
        Reason::from_u32(self.reason)
    }

    /// `result`, typed (0 = success, kept as `Other(0)`).
    pub const fn result(&self) -> ResultCode {
        ResultCode::from_u32(self.result)
    }

    /// The sender's timestamp (meaningful only with auth, wire.md §4.4).
    pub const fn timestamp(&self) -> (u32, u32) {
        (self.secs, self.usecs)
    }

    /// Whether `from` can name a member at all: 0 and 0xFFFFFFFF never can (wire.md §3.2;
    /// the C daemons crash on 0xFFFFFFFF). The caller still looks the id up among members.
    pub const fn from_is_plausible(&self) -> bool {
        self.from != 0 && self.from != NO_ONE
    }
}

/// What follows the header (wire.md §1.3, §1.4, §1.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body<'a> {
    /// Header-only message (e.g. a `Rslt` error reply, or an unknown request `cmd`).
    None,
    /// Ticket body: all UDP traffic, `booth` requests and grant/revoke replies.
    Ticket(TicketBody),
    /// Attribute body: `geostore` requests.
    Attr(AttrBody),
    /// Text of an `RLst`/`AGet`/`ALst` reply; it follows the trailer and is not signed.
    Text(&'a [u8]),
}

impl Body<'_> {
    /// Bytes of the fixed body between header and trailer (text counts 0: it follows
    /// the trailer).
    pub const fn fixed_len(&self) -> usize {
        match self {
            Self::None | Self::Text(_) => 0,
            Self::Ticket(_) => TICKET_BODY_LEN,
            Self::Attr(_) => ATTR_BODY_LEN,
        }
    }
}

/// One booth message. Layout on the wire (wire.md §1.6, §1.7, §4.5):
/// `header | fixed body | extra | trailer?` or, for text, `header | trailer? | text`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    pub header: Header,
    pub body: Body<'a>,
    /// Bytes counted in `length` between the fixed body and the trailer that no C sender
    /// produces but every C receiver tolerates (and signs over). Kept so that re-encoding
    /// reproduces the input; empty in everything we build. Always empty for text.
    pub extra: &'a [u8],
    /// The HMAC trailer, present iff the *receiver* has auth on (wire.md §1.6).
    pub trailer: Option<Trailer>,
}

impl<'a> Message<'a> {
    /// A message without trailer, `length` computed.
    pub fn new(header: Header, body: Body<'a>) -> Self {
        let mut m = Self {
            header,
            body,
            extra: &[],
            trailer: None,
        };
        m.set_length();
        m
    }

    /// Adds an unsigned trailer and sets `opts` AUTH and the timestamp; `length` updated.
    /// `auth::sign` then fills in the MAC.
    pub fn with_auth(mut self, secs: u32, usecs: u32) -> Self {
        self.header.opts |= OPTS_AUTH;
        self.header.secs = secs;
        self.header.usecs = usecs;
        self.trailer = Some(Trailer::UNSIGNED);
        self.set_length();
        self
    }

    /// Total size on the wire, as `length` must say.
    pub fn wire_len(&self) -> usize {
        let text = match self.body {
            Body::Text(t) => t.len(),
            _ => 0,
        };
        HEADER_LEN
            + self.body.fixed_len()
            + self.extra.len()
            + if self.trailer.is_some() {
                TRAILER_LEN
            } else {
                0
            }
            + text
    }

    /// Sets `header.length` to [`Message::wire_len`] (saturating at `u32::MAX`).
    pub fn set_length(&mut self) {
        self.header.length = u32::try_from(self.wire_len()).unwrap_or(u32::MAX);
    }

    /// Number of leading bytes the HMAC covers, which is also the trailer's offset
    /// (wire.md §4.3): everything before the trailer, or the 48 header bytes for text.
    pub fn signed_len(&self) -> usize {
        HEADER_LEN + self.body.fixed_len() + self.extra.len()
    }

    /// The ticket body, if any.
    pub fn ticket(&self) -> Option<&TicketBody> {
        match &self.body {
            Body::Ticket(t) => Some(t),
            _ => None,
        }
    }

    /// The attribute body, if any.
    pub fn attr(&self) -> Option<&AttrBody> {
        match &self.body {
            Body::Attr(a) => Some(a),
            _ => None,
        }
    }

    /// The reply text, if any.
    pub fn text(&self) -> Option<&'a [u8]> {
        match self.body {
            Body::Text(t) => Some(t),
            _ => None,
        }
    }
}
