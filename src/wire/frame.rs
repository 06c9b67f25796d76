//! Splitting a TCP byte stream into booth messages (wire.md §5.5, §5.6, §6.1).

use super::codec::check_prefix;
use super::consts::{HEADER_LEN, MAX_MSG_LEN, TRAILER_LEN};
use super::error::WireError;
use super::types::Cmd;

/// How far the buffered bytes get towards one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Keep reading until at least this many bytes are buffered.
    NeedMore(usize),
    /// `buf[..n]` is one message (give it to `decode`); bytes after it belong to the
    /// next message (replies) or are ignored (requests).
    Complete(usize),
}

fn frame(buf: &[u8], max: usize) -> Result<Frame, WireError> {
    if buf.len() < HEADER_LEN {
        return Ok(Frame::NeedMore(HEADER_LEN));
    }
    let h = check_prefix(buf)?;
    let length = h.length as usize;
    if length > max {
        return Err(WireError::TooLong {
            length: h.length,
            max,
        });
    }
    Ok(if buf.len() < length {
        Frame::NeedMore(length)
    } else {
        Frame::Complete(length)
    })
}

/// Daemon side: the single request of a connection (wire.md §5.5). Once 48 bytes are in,
/// magic, version and `48 <= length <= 1024` are checked (an error means: close without
/// reply); then `length` bytes make the request and any surplus (C clients pad
/// `CLst`/`Peer`/`AGet`/`ALst` with 28 zero bytes, see [`c_client_padding`]) is ignored.
/// Stricter than C, which waits for 1024 bytes before refusing a longer `length`.
pub fn frame_request(buf: &[u8]) -> Result<Frame, WireError> {
    frame(buf, MAX_MSG_LEN)
}

/// Client side: the next reply on the connection (grant/revoke push several), split by
/// `length` after checking magic and version, which C clients do not (wire.md §11).
pub fn frame_reply(buf: &[u8]) -> Result<Frame, WireError> {
    frame(buf, u32::MAX as usize)
}

/// Zero bytes a C client writes after a request of `cmd` beyond its `length` (wire.md
/// §6.1): it always writes the whole struct, trailer included, so without auth
/// `CLst`/`Peer`/`AGet`/`ALst` are followed by 28 zero bytes.
pub const fn c_client_padding(cmd: Cmd, auth: bool) -> usize {
    match cmd {
        Cmd::List | Cmd::Peers | Cmd::AttrGet | Cmd::AttrList if !auth => TRAILER_LEN,
        _ => 0,
    }
}
