//! Decoding and encoding of whole messages (wire.md §1, §1.8). Never panics, never allocates.

use super::consts::*;
use super::error::{EncodeError, WireError};
use super::types::*;

/// Which side reads the message, which decides its layout (wire.md §1.6, §5.6): the
/// receiver, never `opts`, says whether a trailer is present and what body follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Daemon-to-daemon UDP datagram: a ticket body (an attribute body if `opts` has
    /// the ATTR bit, which C receivers ignore, wire.md §1.8).
    Datagram,
    /// TCP request read by the daemon: attribute body for `ASet`/`AGet`/`ADel`/`ALst`,
    /// ticket body for `CLst`/`CGnt`/`CRvk`/`Peer`, header only for anything else (which
    /// the daemon answers with `Rslt`/`IArg`, wire.md §5.4).
    Request,
    /// Reply to `CGnt`/`CRvk`: a ticket message, or header only (an error `Rslt`).
    TicketReply,
    /// Reply to `CLst`/`Peer`/`AGet`/`ALst`/`ASet`/`ADel`: header, trailer, then text
    /// (wire.md §1.7); a header-only `Rslt` is a text reply with no text.
    TextReply,
}

impl Shape {
    /// The shape of the replies to a client request `cmd` (wire.md §5.6).
    pub const fn reply_to(request: Cmd) -> Self {
        match request {
            Cmd::Grant | Cmd::Revoke => Self::TicketReply,
            _ => Self::TextReply,
        }
    }
}

/// What the receiver expects: its own auth setting and the message's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expect {
    /// Auth configured at the receiver: a 28-byte trailer is expected.
    pub auth: bool,
    pub shape: Shape,
}

impl Expect {
    /// A UDP datagram from a peer daemon.
    pub const fn datagram(auth: bool) -> Self {
        Self {
            auth,
            shape: Shape::Datagram,
        }
    }
    /// A client request read by the daemon (after `frame_request`).
    pub const fn request(auth: bool) -> Self {
        Self {
            auth,
            shape: Shape::Request,
        }
    }
    /// A daemon's reply to the client request `cmd` (after `frame_reply`).
    pub const fn reply_to(request: Cmd, auth: bool) -> Self {
        Self {
            auth,
            shape: Shape::reply_to(request),
        }
    }
}

fn be32(buf: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = buf.get(off..off + 4) {
        w.copy_from_slice(s);
    }
    u32::from_be_bytes(w)
}

fn array<const N: usize>(buf: &[u8], off: usize) -> [u8; N] {
    let mut a = [0u8; N];
    if let Some(s) = buf.get(off..off + N) {
        a.copy_from_slice(s);
    }
    a
}

/// Reads the 48 header bytes without any check (the caller has at least 48 bytes).
fn read_header(buf: &[u8]) -> Header {
    Header {
        opts: be32(buf, off::OPTS),
        secs: be32(buf, off::SECS),
        usecs: be32(buf, off::USECS),
        magic: be32(buf, off::MAGIC),
        version: be32(buf, off::VERSION),
        from: be32(buf, off::FROM),
        length: be32(buf, off::LENGTH),
        cmd: be32(buf, off::CMD),
        request: be32(buf, off::REQUEST),
        options: be32(buf, off::OPTIONS),
        reason: be32(buf, off::REASON),
        result: be32(buf, off::RESULT),
    }
}

/// The `from` field of a datagram before any check: C daemons look the sender up first
/// and count even a malformed datagram against it (wire.md §5.3). `None` below 24 bytes.
pub fn peek_from(buf: &[u8]) -> Option<u32> {
    buf.get(off::FROM..off::FROM + 4)
        .map(|_| be32(buf, off::FROM))
}

/// Checks 1–3 of wire.md §1.8 on the first 48 bytes: magic, version, `length >= 48`.
pub(crate) fn check_prefix(buf: &[u8]) -> Result<Header, WireError> {
    if buf.len() < HEADER_LEN {
        return Err(WireError::Short {
            received: buf.len(),
        });
    }
    let h = read_header(buf);
    if h.magic != MAGIC {
        return Err(WireError::BadMagic(h.magic));
    }
    if h.version != VERSION {
        return Err(WireError::BadVersion(h.version));
    }
    if (h.length as usize) < HEADER_LEN {
        return Err(WireError::LengthTooSmall(h.length));
    }
    Ok(h)
}

/// The header checks of wire.md §1.8 (magic, version, `length >= 48`, `length` = bytes
/// received), nothing else. For a reply that `decode` refuses but that must still be
/// answered or reported by its header.
pub fn decode_header(buf: &[u8]) -> Result<Header, WireError> {
    let h = check_prefix(buf)?;
    if h.length as usize != buf.len() {
        return Err(WireError::LengthMismatch {
            length: h.length,
            received: buf.len(),
        });
    }
    Ok(h)
}

fn read_ticket(buf: &[u8], at: usize) -> TicketBody {
    TicketBody {
        name: CStrField(array(buf, at)),
        leader: be32(buf, at + TICKET_NAME_LEN),
        term: be32(buf, at + TICKET_NAME_LEN + 4),
        term_valid_for: be32(buf, at + TICKET_NAME_LEN + 8),
    }
}

fn read_attr(buf: &[u8], at: usize) -> AttrBody {
    AttrBody {
        ticket: CStrField(array(buf, at)),
        name: CStrField(array(buf, at + TICKET_NAME_LEN)),
        value: CStrField(array(buf, at + TICKET_NAME_LEN + ATTR_NAME_LEN)),
    }
}

fn read_trailer(buf: &[u8], at: usize) -> Trailer {
    Trailer {
        hid: be32(buf, at),
        hash: array(buf, at + 4),
    }
}

/// Body kinds of the fixed layouts.
#[derive(Clone, Copy)]
enum Fixed {
    None,
    Ticket,
    Attr,
}

impl Fixed {
    const fn len(self) -> usize {
        match self {
            Self::None => 0,
            Self::Ticket => TICKET_BODY_LEN,
            Self::Attr => ATTR_BODY_LEN,
        }
    }
}

const fn is_attr_cmd(cmd: Cmd) -> bool {
    matches!(
        cmd,
        Cmd::AttrSet | Cmd::AttrGet | Cmd::AttrDel | Cmd::AttrList
    )
}

/// Decodes one complete message of exactly `buf.len()` bytes as the receiver described
/// by `expect` sees it. Checks in the C order (wire.md §1.8): magic, version,
/// `length >= 48`, `length == buf.len()`, room for the body, room for the trailer
/// (auth on), NUL in the ticket name. The MAC, the timestamp and `from` are the caller's
/// (see `auth` and [`Header::from_is_plausible`]). Bodies are kept byte for byte, so
/// `encode` reproduces `buf`.
pub fn decode(buf: &[u8], expect: Expect) -> Result<Message<'_>, WireError> {
    let header = decode_header(buf)?;
    let length = header.length;
    let trailer_len = if expect.auth { TRAILER_LEN } else { 0 };
    let cmd = header.cmd();
    let fixed = match expect.shape {
        Shape::TextReply => {
            let needed = HEADER_LEN + trailer_len;
            if buf.len() < needed {
                return Err(WireError::MissingTrailer { length, needed });
            }
            return Ok(Message {
                header,
                body: Body::Text(buf.get(needed..).unwrap_or_default()),
                extra: &[],
                trailer: expect.auth.then(|| read_trailer(buf, HEADER_LEN)),
            });
        }
        Shape::Datagram if header.opts & OPTS_ATTR != 0 => Fixed::Attr,
        Shape::Datagram => Fixed::Ticket,
        Shape::Request if is_attr_cmd(cmd) => Fixed::Attr,
        Shape::Request => match cmd {
            Cmd::List | Cmd::Grant | Cmd::Revoke | Cmd::Peers => Fixed::Ticket,
            _ => Fixed::None,
        },
        Shape::TicketReply if buf.len() == HEADER_LEN + trailer_len => Fixed::None,
        Shape::TicketReply => Fixed::Ticket,
    };
    let body_end = HEADER_LEN + fixed.len();
    if buf.len() < body_end {
        return Err(WireError::TooShortForBody {
            cmd: header.cmd,
            length,
            needed: body_end,
        });
    }
    if buf.len() < body_end + trailer_len {
        return Err(WireError::MissingTrailer {
            length,
            needed: body_end + trailer_len,
        });
    }
    let body = match fixed {
        Fixed::None => Body::None,
        Fixed::Ticket => {
            let t = read_ticket(buf, HEADER_LEN);
            if !t.name.is_terminated() {
                return Err(WireError::UnterminatedTicketName);
            }
            Body::Ticket(t)
        }
        Fixed::Attr => {
            let a = read_attr(buf, HEADER_LEN);
            if !a.ticket.is_terminated() {
                return Err(WireError::UnterminatedTicketName);
            }
            Body::Attr(a)
        }
    };
    let trailer_at = buf.len() - trailer_len;
    Ok(Message {
        header,
        body,
        extra: buf.get(body_end..trailer_at).unwrap_or_default(),
        trailer: expect.auth.then(|| read_trailer(buf, trailer_at)),
    })
}

/// Sequential writer over the caller's buffer; bounds were checked beforehand.
struct Out<'b> {
    buf: &'b mut [u8],
    at: usize,
}

impl Out<'_> {
    fn bytes(&mut self, b: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + b.len()) {
            dst.copy_from_slice(b);
        }
        self.at += b.len();
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
}

/// Writes the 48 header bytes into `buf[..48]` as they are (no check of `length`).
pub fn encode_header(h: &Header, buf: &mut [u8; HEADER_LEN]) {
    let mut o = Out { buf, at: 0 };
    for v in [
        h.opts, h.secs, h.usecs, h.magic, h.version, h.from, h.length, h.cmd, h.request, h.options,
        h.reason, h.result,
    ] {
        o.u32(v);
    }
}

/// Writes `msg` into the start of `buf` and returns its length. `header.length` must
/// equal [`Message::wire_len`] (constructors and `set_length` ensure it). The trailer is
/// written as it is: `auth::sign` fills in the MAC afterwards.
pub fn encode(msg: &Message<'_>, buf: &mut [u8]) -> Result<usize, EncodeError> {
    let n = msg.wire_len();
    if matches!(msg.body, Body::Text(_)) && !msg.extra.is_empty() {
        return Err(EncodeError::ExtraWithText);
    }
    if msg.header.length as usize != n {
        return Err(EncodeError::LengthMismatch {
            length: msg.header.length,
            actual: n,
        });
    }
    let Some(buf) = buf.get_mut(..n) else {
        return Err(EncodeError::BufferTooSmall {
            need: n,
            have: buf.len(),
        });
    };
    let mut head = [0u8; HEADER_LEN];
    encode_header(&msg.header, &mut head);
    let mut o = Out { buf, at: 0 };
    o.bytes(&head);
    match &msg.body {
        Body::None | Body::Text(_) => {}
        Body::Ticket(t) => {
            o.bytes(&t.name.0);
            o.u32(t.leader);
            o.u32(t.term);
            o.u32(t.term_valid_for);
        }
        Body::Attr(a) => {
            o.bytes(&a.ticket.0);
            o.bytes(&a.name.0);
            o.bytes(&a.value.0);
        }
    }
    o.bytes(msg.extra);
    if let Some(t) = &msg.trailer {
        o.u32(t.hid);
        o.bytes(&t.hash);
    }
    if let Body::Text(text) = msg.body {
        o.bytes(text);
    }
    Ok(n)
}
