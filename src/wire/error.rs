//! Why bytes are not a booth message, or a message cannot be written (wire.md §1.8).

use core::fmt;

use super::consts::{HEADER_LEN, MAGIC, VERSION};
use super::types::Cmd;

/// A received buffer that is not an acceptable booth message. Variants follow the C
/// receiver's check order (wire.md §1.8): the first failing check is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Fewer bytes than a 48-byte header.
    Short { received: usize },
    /// `magic` is not 0x5F1BA08C.
    BadMagic(u32),
    /// `version` is not exactly 0x00010003 (there is no negotiation).
    BadVersion(u32),
    /// `length` is below the header size.
    LengthTooSmall(u32),
    /// `length` is not the number of bytes received.
    LengthMismatch { length: u32, received: usize },
    /// A TCP request whose `length` exceeds the 1024-byte request buffer (wire.md §5.5).
    TooLong { length: u32, max: usize },
    /// `length` leaves no room for the body this `cmd` carries.
    TooShortForBody {
        cmd: u32,
        length: u32,
        needed: usize,
    },
    /// Auth is on but `length` leaves no room for the 28-byte trailer (a MAC of the wrong
    /// size, wire.md §4.5 step 1).
    MissingTrailer { length: u32, needed: usize },
    /// The ticket name has no NUL within its 64 bytes (wire.md §1.1).
    UnterminatedTicketName,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Short { received } => write!(
                f,
                "message of {received} bytes is shorter than the {HEADER_LEN}-byte header"
            ),
            Self::BadMagic(m) => write!(f, "magic error {m:#010x} (expected {MAGIC:#010x})"),
            Self::BadVersion(v) => write!(
                f,
                "version error {v:#010x} (expected {VERSION:#010x}; is the peer a booth 1.x?)"
            ),
            Self::LengthTooSmall(l) => {
                write!(f, "length {l} is smaller than the {HEADER_LEN}-byte header")
            }
            Self::LengthMismatch { length, received } => {
                write!(
                    f,
                    "length {length} does not match the {received} bytes received"
                )
            }
            Self::TooLong { length, max } => {
                write!(
                    f,
                    "length {length} exceeds the request limit of {max} bytes"
                )
            }
            Self::TooShortForBody {
                cmd,
                length,
                needed,
            } => write!(
                f,
                "{} message of length {length} is too short for its body ({needed} bytes needed)",
                CmdName(cmd)
            ),
            Self::MissingTrailer { length, needed } => write!(
                f,
                "length {length} leaves no room for the authentication trailer ({needed} bytes \
                 needed); is authentication configured on the sender?"
            ),
            Self::UnterminatedTicketName => {
                f.write_str("ticket name is not NUL-terminated within 64 bytes")
            }
        }
    }
}

impl std::error::Error for WireError {}

/// A message that cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The caller's buffer holds `have` bytes, the message needs `need`.
    BufferTooSmall { need: usize, have: usize },
    /// `header.length` disagrees with the message's size (see `Message::set_length`).
    LengthMismatch { length: u32, actual: usize },
    /// Text replies have no room for `extra` bytes (wire.md §1.7).
    ExtraWithText,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BufferTooSmall { need, have } => {
                write!(
                    f,
                    "buffer of {have} bytes is too small for a {need}-byte message"
                )
            }
            Self::LengthMismatch { length, actual } => write!(
                f,
                "header length {length} does not match the message size {actual}; \
                 call Message::set_length"
            ),
            Self::ExtraWithText => f.write_str("a text reply cannot carry extra bytes"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Shows a four-character code as its characters when printable.
struct CmdName(u32);

impl fmt::Display for CmdName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0.to_be_bytes();
        if b.iter().all(|c| c.is_ascii_graphic()) {
            b.iter().try_for_each(|&c| write!(f, "{}", char::from(c)))
        } else {
            write!(f, "{:?}", Cmd::from_u32(self.0))
        }
    }
}
