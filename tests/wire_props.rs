//! Property tests with a seeded xorshift PRNG (no dependency): decoding never panics on
//! random or mutated bytes, and whatever decodes re-encodes to the same bytes; random
//! valid messages round-trip encode -> decode -> encode (wire.md §1, §1.8).

mod common;
mod xorshift;

use booth::auth::{sign, verify_message, AuthKey};
use booth::wire::consts::{MAGIC, OPTS_ATTR, VERSION};
use booth::wire::{
    decode, encode, frame_reply, frame_request, AttrBody, Body, CStrField, Cmd, Expect, Header,
    Message, Shape, TicketBody, Trailer,
};
use common::capture_path;
use common::captures::booth_messages;
use xorshift::Rng;

const SHAPES: [Shape; 4] = [
    Shape::Datagram,
    Shape::Request,
    Shape::TicketReply,
    Shape::TextReply,
];

fn any_expect(r: &mut Rng) -> Expect {
    Expect {
        auth: r.chance(2),
        shape: SHAPES[r.below(4)],
    }
}

fn seeds() -> Vec<Vec<u8>> {
    ["noauth-6-geostore", "auth-3-grant", "noauth-2-list-peers"]
        .iter()
        .flat_map(|n| booth_messages(&capture_path(&format!("{n}.pcap")), 9929))
        .map(|c| c.bytes)
        .collect()
}

/// Random bytes, or a captured message mutated: bytes flipped, cut, extended, with the
/// `length` field often patched to match so that the deeper checks are reached.
fn fuzz_input(r: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = if r.chance(4) {
        let n = r.below(400);
        let mut b: Vec<u8> = (0..n).map(|_| r.byte()).collect();
        if b.len() >= 20 && r.chance(2) {
            b[12..16].copy_from_slice(&MAGIC.to_be_bytes());
            b[16..20].copy_from_slice(&VERSION.to_be_bytes());
        }
        b
    } else {
        seeds[r.below(seeds.len())].clone()
    };
    for _ in 0..r.below(4) {
        match r.below(4) {
            0 if !b.is_empty() => {
                let i = r.below(b.len());
                b[i] = r.byte();
            }
            1 => b.truncate(r.below(b.len() + 1)),
            2 => b.extend((0..r.below(64)).map(|_| r.byte())),
            _ if b.len() >= 48 => {
                // a four-character code or opts at random
                let at = [0, 28, 32, 40, 44][r.below(5)];
                b[at..at + 4].copy_from_slice(&r.u32().to_be_bytes());
            }
            _ => {}
        }
    }
    if b.len() >= 28 && r.chance(2) {
        let len = u32::try_from(b.len()).expect("small");
        b[24..28].copy_from_slice(&len.to_be_bytes());
    }
    b
}

#[test]
fn random_and_mutated_buffers_never_panic_and_reencode_exactly() {
    let seeds = seeds();
    let key = AuthKey::parse(b"0123456789abcdef")
        .expect("key")
        .expect("on");
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut decoded = 0;
    let mut out = vec![0u8; 2048];
    for i in 0..100_000 {
        let b = fuzz_input(&mut r, &seeds);
        let _ = frame_request(&b);
        let _ = frame_reply(&b);
        let expect = any_expect(&mut r);
        if let Ok(m) = decode(&b, expect) {
            decoded += 1;
            let n = encode(&m, &mut out).unwrap_or_else(|e| panic!("#{i}: {e} for {m:?}"));
            assert_eq!(&out[..n], &b[..], "#{i}: re-encoding of {expect:?}");
            if i % 64 == 0 {
                let _ = verify_message(&key, &b, &m);
            }
        }
    }
    // the mutations must reach past the header checks often enough to mean something
    assert!(decoded > 20_000, "only {decoded} inputs decoded");
}

fn random_field<const N: usize>(r: &mut Rng, terminated: bool) -> CStrField<N> {
    let mut f = [0u8; N];
    for b in &mut f {
        *b = if r.chance(3) { 0 } else { r.byte() };
    }
    if terminated && !f.contains(&0) {
        f[r.below(N)] = 0;
    }
    CStrField(f)
}

fn random_header(r: &mut Rng) -> Header {
    let mut h = Header::new(Cmd::from_u32(r.u32()), r.u32());
    h.request = r.u32();
    h.options = r.u32();
    h.reason = r.u32();
    h.result = r.u32();
    h.opts = r.u32() & !OPTS_ATTR;
    h
}

/// A random message and the expectation under which it must decode back.
fn random_message<'a>(r: &mut Rng, text: &'a [u8], extra: &'a [u8]) -> (Message<'a>, Expect) {
    let auth = r.chance(2);
    let mut h = random_header(r);
    let (body, shape, extra): (Body<'a>, Shape, &[u8]) = match r.below(4) {
        0 => {
            let t = TicketBody {
                name: random_field(r, true),
                leader: r.u32(),
                term: r.u32(),
                term_valid_for: r.u32(),
            };
            (Body::Ticket(t), Shape::Datagram, extra)
        }
        1 => {
            let (name_nul, value_nul) = (r.chance(2), r.chance(2));
            let a = AttrBody {
                ticket: random_field(r, true),
                name: random_field(r, name_nul),
                value: random_field(r, value_nul),
            };
            h.cmd = [Cmd::AttrSet, Cmd::AttrGet, Cmd::AttrDel, Cmd::AttrList][r.below(4)].to_u32();
            (Body::Attr(a), Shape::Request, extra)
        }
        2 => (Body::Text(text), Shape::TextReply, &[][..]),
        _ => {
            h.cmd = u32::from_be_bytes(*b"Zzz?");
            (Body::None, Shape::Request, extra)
        }
    };
    let mut m = Message {
        header: h,
        body,
        extra,
        trailer: None,
    };
    if auth {
        m.trailer = Some(Trailer {
            hid: r.u32(),
            hash: [r.byte(); 24],
        });
    }
    m.set_length();
    (m, Expect { auth, shape })
}

#[test]
fn random_valid_messages_round_trip() {
    let mut r = Rng(42);
    let key = AuthKey::parse(b"round-trip-key").expect("key").expect("on");
    let mut buf = vec![0u8; 2048];
    let mut again = vec![0u8; 2048];
    for i in 0..20_000 {
        let text: Vec<u8> = (0..r.below(300)).map(|_| r.byte()).collect();
        let extra: Vec<u8> = (0..if r.chance(8) { r.below(40) } else { 0 })
            .map(|_| r.byte())
            .collect();
        let (m, expect) = random_message(&mut r, &text, &extra);
        let n = encode(&m, &mut buf).unwrap_or_else(|e| panic!("#{i}: {e}"));
        assert_eq!(n, m.wire_len());
        let d = decode(&buf[..n], expect).unwrap_or_else(|e| panic!("#{i}: {e} for {m:?}"));
        assert_eq!(d, m, "#{i}");
        let n2 = encode(&d, &mut again).expect("re-encode");
        assert_eq!(&again[..n2], &buf[..n], "#{i}");
        if expect.auth && i % 16 == 0 {
            sign(&key, &mut buf[..n], m.signed_len()).expect("sign");
            let d = decode(&buf[..n], expect).expect("signed decodes");
            verify_message(&key, &buf[..n], &d).expect("own signature verifies");
        }
    }
}
