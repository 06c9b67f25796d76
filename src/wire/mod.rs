//! Bytes <-> typed booth messages (wire.md §1–2, §5.5). No I/O.
//!
//! Receive: `frame_request`/`frame_reply` (TCP) find a message's end, then
//! `decode(bytes, Expect::…)`; send: build a [`Message`], `encode` it into a buffer and,
//! with auth, let `auth::sign` fill in the trailer (or call `auth::encode_signed`).
//!
//! Where we differ from the C receivers, on purpose: a ticket name without NUL is a
//! decode error (C fails the ticket lookup later; `decode_header` still yields the header
//! to answer `IArg`); a TCP request with `length > 1024` is refused as soon as its header
//! is in (C waits for 1024 bytes); a client accepts a header-only reply to grant/revoke
//! (C hits EOF). Like C, bytes counted in `length` beyond the body are accepted (kept in
//! `Message::extra`, signed over), and `opts` never decides the layout.
#![forbid(unsafe_code)]

mod codec;
pub mod consts;
mod error;
mod frame;
pub mod types;

pub use codec::{decode, decode_header, encode, encode_header, peek_from, Expect, Shape};
pub use error::{EncodeError, WireError};
pub use frame::{c_client_padding, frame_reply, frame_request, Frame};
pub use types::*;
