//! Every simulated message goes through bytes with the real codec:
//! `booth::wire::encode` to the 124-byte datagram, `booth::wire::decode` on arrival.

use booth::core::Msg;
use booth::wire::consts::TICKET_MSG_LEN;
use booth::wire::{decode as wire_decode, encode as wire_encode, Body, Expect, Message};

pub fn encode(m: &Msg) -> [u8; TICKET_MSG_LEN] {
    let (header, body) = m.to_wire();
    let mut b = [0u8; TICKET_MSG_LEN];
    let msg = Message::new(header, Body::Ticket(body));
    let n = wire_encode(&msg, &mut b).expect("a ticket message encodes");
    assert_eq!(n, TICKET_MSG_LEN);
    b
}

pub fn decode(b: &[u8]) -> Option<Msg> {
    let m = wire_decode(b, Expect::datagram(false)).ok()?;
    match m.body {
        Body::Ticket(t) => Some(Msg::from_wire(&m.header, &t)),
        _ => None,
    }
}
