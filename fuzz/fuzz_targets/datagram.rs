//! One UDP datagram into the codec and the daemon's receive pipeline (wire.md §1.8, §5.3).
//!
//! Input: a mode byte, then the datagram. Mode bit 0: auth on; bit 1: sign the datagram
//! with the formation's key first (so that the fuzzer gets past the MAC); bits 2-3: which
//! member is local; bit 4: the rest is a stream of datagrams (`len: u16 BE` + bytes
//! each) into the same receiver, so that replays meet the per-peer clocks. Properties: nothing panics; whatever `decode` accepts, for any
//! receiver shape, `encode` gives back byte for byte; the framers agree with the header
//! checks; `Peers::receive` counts the datagram exactly where the daemon's `booth peers`
//! says it does (unknown sender: nowhere, C crashes on `from = NO_ONE`).
#![no_main]

use booth::auth;
use booth::daemon::peers::Dropped;
use booth::wire::{self, consts::HEADER_LEN, Cmd, Expect, Frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let auth_on = mode & 1 != 0;
    let local = usize::from((mode >> 2) & 3) % 3;
    let mut peers = booth_fuzz::peers(auth_on, local);
    if mode & 0x10 == 0 {
        one(&mut peers, rest, mode, booth_fuzz::wall());
        return;
    }
    // A stream of datagrams into the same receiver (per-peer clocks: replays, old
    // timestamps), each `len: u16 BE` + bytes, the wall clock 0.1 s later each time.
    let mut u = booth_fuzz::Bytes(rest);
    let mut wall = booth_fuzz::wall();
    while !u.is_empty() {
        let len = usize::from(u.u16());
        one(&mut peers, u.take(len), mode, wall);
        wall += std::time::Duration::from_millis(100);
    }
});

/// One datagram into the codec and into `peers`, received at wall-clock time `wall`.
fn one(peers: &mut booth::daemon::peers::Peers, bytes: &[u8], mode: u8, wall: std::time::Duration) {
    let auth_on = peers.key.is_some();
    let local = peers.local;
    let mut buf = bytes.to_vec();
    if auth_on && mode & 2 != 0 && buf.len() >= HEADER_LEN + wire::consts::TRAILER_LEN {
        let signed = buf.len() - wire::consts::TRAILER_LEN;
        auth::sign(&booth_fuzz::key(), &mut buf, signed).expect("room for the trailer");
    }
    let buf = &buf[..];

    codec(buf, auth_on);

    let before: Vec<_> = peers.members.iter().map(|p| p.stats).collect();
    let real = booth_fuzz::addr((local + 1) % 3);
    let r = peers.receive(buf, real, wall);
    let after: Vec<_> = peers.members.iter().map(|p| p.stats).collect();
    let from = wire::peek_from(buf);
    match &r {
        Err(Dropped::UnknownSender { .. }) | Err(Dropped::FromSelf { .. }) => {
            assert_eq!(before, after, "a stranger's datagram moved a counter");
            if let Some(id) = from {
                let idx = peers.index_of(id);
                assert!(idx.is_none() || idx == Some(local));
            }
        }
        Err(Dropped::Malformed { peer, .. }) => {
            assert_eq!(after[*peer].recv_errors, before[*peer].recv_errors + 1);
            assert_eq!(after[*peer].received, before[*peer].received + 1);
            assert!(wire::decode(buf, Expect::datagram(auth_on)).is_err());
        }
        Err(Dropped::AuthFailed { peer, .. }) => {
            assert!(auth_on);
            assert_eq!(after[*peer].authfail, before[*peer].authfail + 1);
        }
        Ok((peer, msg)) => {
            assert_ne!(*peer, local);
            assert_eq!(Some(msg.header.from), from);
            assert_eq!(peers.members[*peer].id, msg.header.from);
            assert_eq!(after[*peer].received, before[*peer].received + 1);
            assert_eq!(after[*peer].recv_errors, before[*peer].recv_errors);
            assert_eq!(msg.trailer.is_some(), auth_on);
        }
    }
    if let Err(d) = &r {
        let _ = d.to_string();
    }
}

/// Every receiver's decode of `buf`: accepted means re-encodable to the same bytes.
fn codec(buf: &[u8], auth_on: bool) {
    let header = wire::decode_header(buf);
    let shapes = [
        Expect::datagram(auth_on),
        Expect::request(auth_on),
        Expect::reply_to(Cmd::Grant, auth_on),
        Expect::reply_to(Cmd::List, auth_on),
    ];
    for expect in shapes {
        match wire::decode(buf, expect) {
            Ok(msg) => {
                assert!(header.is_ok(), "decode accepted what decode_header refuses");
                assert_eq!(msg.header.length as usize, buf.len());
                assert_eq!(msg.wire_len(), buf.len());
                let mut out = vec![0u8; buf.len()];
                let n = wire::encode(&msg, &mut out).expect("a decoded message re-encodes");
                assert_eq!(&out[..n], buf, "{expect:?}: encode(decode(b)) != b");
                if let Some(t) = msg.ticket() {
                    assert!(t.name.is_terminated());
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    // The TCP framers see the same header checks; a whole message is complete.
    match (wire::frame_reply(buf), &header) {
        (Ok(Frame::Complete(n)), Ok(_)) => assert_eq!(n, buf.len()),
        (Ok(_), Ok(_)) => panic!("frame_reply wants more of a complete message"),
        (Err(_), Ok(_)) => panic!("frame_reply refuses a good header"),
        _ => {}
    }
    if let Ok(Frame::Complete(n)) = wire::frame_request(buf) {
        assert!(n <= buf.len() && n <= wire::consts::MAX_MSG_LEN);
    }
    if buf.len() >= 24 {
        assert!(wire::peek_from(buf).is_some());
    }
}
