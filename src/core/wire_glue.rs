//! Glue: the core's [`Msg`] to and from the wire's header and ticket body, so the shell
//! encodes what the core decided and hands decoded datagrams back.

use super::types::{Msg, Name};
use crate::wire::consts::{MAGIC, VERSION};
use crate::wire::{CStrField, Header, TicketBody};

impl Msg {
    /// Header (no auth fields, `length` left for `Message::new`) and ticket body.
    pub fn to_wire(&self) -> (Header, TicketBody) {
        let header = Header {
            magic: MAGIC,
            version: VERSION,
            from: self.from,
            cmd: self.cmd,
            request: self.request,
            reason: self.reason,
            result: self.result,
            ..Header::default()
        };
        let body = TicketBody {
            name: CStrField(self.ticket.0),
            leader: self.leader,
            term: self.term,
            term_valid_for: self.valid_for,
        };
        (header, body)
    }

    /// A decoded datagram's fields (the codec has checked magic, version, length).
    pub fn from_wire(h: &Header, t: &TicketBody) -> Msg {
        Msg {
            cmd: h.cmd,
            request: h.request,
            result: h.result,
            reason: h.reason,
            from: h.from,
            ticket: Name(t.name.0),
            leader: t.leader,
            term: t.term,
            valid_for: t.term_valid_for,
        }
    }
}
