//! Protocol constants, named as wire.md names them (§1–2). The single home of every
//! magic number of the protocol: other modules refer here.

/// Header `magic` (wire.md §1.2).
pub const MAGIC: u32 = 0x5F1B_A08C;
/// Header `version`; exact match required, no negotiation (wire.md §1.8).
pub const VERSION: u32 = 0x0001_0003;

/// Size of the common header (wire.md §1.2).
pub const HEADER_LEN: usize = 48;
/// Size of the ticket body (wire.md §1.3).
pub const TICKET_BODY_LEN: usize = 76;
/// Size of the attribute body (wire.md §1.4).
pub const ATTR_BODY_LEN: usize = 256;
/// Size of the HMAC trailer: `hid` + 24 bytes (wire.md §1.5).
pub const TRAILER_LEN: usize = 28;
/// HMAC-SHA1 output inside the trailer's 24-byte `hash` field.
pub const MAC_LEN: usize = 20;
/// `hid` of HMAC-SHA1, the only algorithm any C version sends (wire.md §4.3).
pub const HID_SHA1: u32 = 2;

/// Ticket message without / with trailer (wire.md §1.6).
pub const TICKET_MSG_LEN: usize = HEADER_LEN + TICKET_BODY_LEN;
pub const TICKET_MSG_AUTH_LEN: usize = TICKET_MSG_LEN + TRAILER_LEN;
/// Attribute message without / with trailer (wire.md §1.6).
pub const ATTR_MSG_LEN: usize = HEADER_LEN + ATTR_BODY_LEN;
pub const ATTR_MSG_AUTH_LEN: usize = ATTR_MSG_LEN + TRAILER_LEN;

/// Field sizes of the bodies (wire.md §1.3–1.4), NUL included.
pub const TICKET_NAME_LEN: usize = 64;
pub const ATTR_NAME_LEN: usize = 64;
pub const ATTR_VALUE_LEN: usize = 128;

/// Header field offsets (wire.md §1.2).
pub mod off {
    pub const OPTS: usize = 0;
    pub const SECS: usize = 4;
    pub const USECS: usize = 8;
    pub const MAGIC: usize = 12;
    pub const VERSION: usize = 16;
    pub const FROM: usize = 20;
    pub const LENGTH: usize = 24;
    pub const CMD: usize = 28;
    pub const REQUEST: usize = 32;
    pub const OPTIONS: usize = 36;
    pub const REASON: usize = 40;
    pub const RESULT: usize = 44;
    /// Ticket body fields, offsets in the whole message (wire.md §1.3).
    pub const TICKET_ID: usize = 48;
    pub const TICKET_LEADER: usize = 112;
    pub const TICKET_TERM: usize = 116;
    pub const TICKET_VALID_FOR: usize = 120;
    /// Attribute body fields, offsets in the whole message (wire.md §1.4).
    pub const ATTR_TICKET: usize = 48;
    pub const ATTR_NAME: usize = 112;
    pub const ATTR_VALUE: usize = 176;
}

/// `opts` bits (wire.md §2.4).
pub const OPTS_AUTH: u32 = 0x1;
pub const OPTS_ATTR: u32 = 0x4;

/// Client command `options` bits (wire.md §2.5).
pub const OPT_IMMEDIATE: u32 = 0x1;
pub const OPT_WAIT: u32 = 0x2;
pub const OPT_WAIT_COMMIT: u32 = 0x4;

/// `leader` meaning "nobody" (wire.md §3.3).
pub const NO_ONE: u32 = 0xFFFF_FFFF;

/// Builds a four-character code as C does: the characters in reading order on the wire.
pub const fn fourcc(s: &[u8; 4]) -> u32 {
    u32::from_be_bytes(*s)
}

/// Size of the C daemon's UDP and TCP request buffers (MAX_MSG_LEN, wire.md §5.3, §5.7):
/// a TCP request claiming more is never accepted.
pub const MAX_MSG_LEN: usize = 1024;
