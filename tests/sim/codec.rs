//! Every simulated message goes through bytes with the real codec:
//! `booth::wire::encode` to the 124-byte datagram, `booth::wire::decode` on arrival.

use booth::core::{Msg, Name};
use booth::wire::consts::{MAGIC, TICKET_MSG_LEN, VERSION};
use booth::wire::{decode as wire_decode, encode as wire_encode, Body, Expect, Header};
use booth::wire::{CStrField, Message, TicketBody};

pub fn encode(m: &Msg) -> [u8; TICKET_MSG_LEN] {
    let header = Header {
        magic: MAGIC,
        version: VERSION,
        from: m.from,
        cmd: m.cmd,
        request: m.request,
        reason: m.reason,
        result: m.result,
        ..Header::default()
    };
    let body = Body::Ticket(TicketBody {
        name: CStrField(m.ticket.0),
        leader: m.leader,
        term: m.term,
        term_valid_for: m.valid_for,
    });
    let mut b = [0u8; TICKET_MSG_LEN];
    let n = wire_encode(&Message::new(header, body), &mut b).expect("a ticket message encodes");
    assert_eq!(n, TICKET_MSG_LEN);
    b
}

pub fn decode(b: &[u8]) -> Option<Msg> {
    let m = wire_decode(b, Expect::datagram(false)).ok()?;
    let Body::Ticket(t) = m.body else {
        return None;
    };
    let h = m.header;
    Some(Msg {
        cmd: h.cmd,
        request: h.request,
        result: h.result,
        reason: h.reason,
        from: h.from,
        ticket: Name(t.name.0),
        leader: t.leader,
        term: t.term,
        valid_for: t.term_valid_for,
    })
}
