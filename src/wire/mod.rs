//! Bytes <-> typed booth messages (wire.md §1–2, §5.5). No I/O.
//!
//! Receive: `frame_request`/`frame_reply` (TCP) find a message's end, then
//! `decode(bytes, Expect::…)`; send: build a [`Message`], `encode` it into a buffer and,
//! with auth, let `auth::sign` fill in the trailer.
#![forbid(unsafe_code)]

mod codec;
pub mod consts;
mod error;
mod frame;
pub mod types;

pub use codec::{decode, decode_header, encode, encode_header, Expect, Shape};
pub use error::{EncodeError, WireError};
pub use frame::{c_client_padding, frame_reply, frame_request, Frame};
pub use types::*;
