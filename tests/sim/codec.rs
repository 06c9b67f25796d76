//! Every simulated message goes through bytes: the 124-byte ticket message of wire.md
//! §1.2–1.3 (no auth). Stand-in until the `wire` codec lands; then this routes through
//! `booth::wire::{encode, decode}`.

use booth::core::{Msg, Name};
use booth::wire::consts::{off, MAGIC, TICKET_MSG_LEN, VERSION};

fn put(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn get(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(w)
}

pub fn encode(m: &Msg) -> [u8; TICKET_MSG_LEN] {
    let mut b = [0u8; TICKET_MSG_LEN];
    put(&mut b, off::MAGIC, MAGIC);
    put(&mut b, off::VERSION, VERSION);
    put(&mut b, off::FROM, m.from);
    put(&mut b, off::LENGTH, u32::try_from(TICKET_MSG_LEN).unwrap());
    put(&mut b, off::CMD, m.cmd);
    put(&mut b, off::REQUEST, m.request);
    put(&mut b, off::REASON, m.reason);
    put(&mut b, off::RESULT, m.result);
    b[off::TICKET_ID..off::TICKET_ID + 64].copy_from_slice(&m.ticket.0);
    put(&mut b, off::TICKET_LEADER, m.leader);
    put(&mut b, off::TICKET_TERM, m.term);
    put(&mut b, off::TICKET_VALID_FOR, m.valid_for);
    b
}

pub fn decode(b: &[u8]) -> Option<Msg> {
    if b.len() != TICKET_MSG_LEN
        || get(b, off::MAGIC) != MAGIC
        || get(b, off::VERSION) != VERSION
        || usize::try_from(get(b, off::LENGTH)).ok()? != b.len()
    {
        return None;
    }
    let mut name = [0u8; 64];
    name.copy_from_slice(&b[off::TICKET_ID..off::TICKET_ID + 64]);
    Some(Msg {
        cmd: get(b, off::CMD),
        request: get(b, off::REQUEST),
        result: get(b, off::RESULT),
        reason: get(b, off::REASON),
        from: get(b, off::FROM),
        ticket: Name(name),
        leader: get(b, off::TICKET_LEADER),
        term: get(b, off::TICKET_TERM),
        valid_for: get(b, off::TICKET_VALID_FOR),
    })
}
