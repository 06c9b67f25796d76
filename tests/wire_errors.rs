//! Bad input gives a typed error in the C check order (wire.md §1.8), never a panic;
//! odd but legal input (unknown codes, surplus bytes, `from` = NO_ONE) is carried.

mod common;

use booth::wire::consts::{NO_ONE, OPTS_ATTR};
use booth::wire::{
    decode, decode_header, encode, frame_reply, frame_request, peek_from, AttrBody, AttrName, Body,
    Cmd, EncodeError, Expect, Frame, Header, Message, NameError, Shape, TicketBody, TicketName,
    WireError,
};

fn stat() -> Vec<u8> {
    let body = TicketBody {
        name: TicketName::new("tA").expect("name"),
        leader: NO_ONE,
        term: 0,
        term_valid_for: 0,
    };
    let m = Message::new(Header::new(Cmd::Status, 0x5267_d502), Body::Ticket(body));
    let mut buf = vec![0u8; 124];
    encode(&m, &mut buf).expect("encode");
    buf
}

fn set_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

const DGRAM: Expect = Expect::datagram(false);

#[test]
fn truncated_datagrams() {
    let full = stat();
    for n in 0..full.len() {
        let e = decode(&full[..n], DGRAM).expect_err("truncated");
        let want = if n < 48 {
            WireError::Short { received: n }
        } else {
            WireError::LengthMismatch {
                length: 124,
                received: n,
            }
        };
        assert_eq!(e, want, "{n} bytes");
    }
}

#[test]
fn padded_and_oversized_datagrams() {
    let mut padded = stat();
    padded.extend_from_slice(&[0; 28]);
    assert_eq!(
        decode(&padded, DGRAM),
        Err(WireError::LengthMismatch {
            length: 124,
            received: 152
        }),
        "§1.8 check 4: length must equal the datagram size"
    );
    let big = vec![0u8; 2000];
    assert_eq!(decode(&big, DGRAM), Err(WireError::BadMagic(0)));
}

#[test]
fn header_checks_in_c_order() {
    let mut b = stat();
    set_u32(&mut b, 12, 0xDEAD_BEEF);
    set_u32(&mut b, 16, 0x0001_0002);
    set_u32(&mut b, 24, 10);
    assert_eq!(
        decode(&b, DGRAM),
        Err(WireError::BadMagic(0xDEAD_BEEF)),
        "magic first"
    );
    set_u32(&mut b, 12, 0x5F1B_A08C);
    assert_eq!(
        decode(&b, DGRAM),
        Err(WireError::BadVersion(0x0001_0002)),
        "then version"
    );
    set_u32(&mut b, 16, 0x0001_0003);
    assert_eq!(
        decode(&b, DGRAM),
        Err(WireError::LengthTooSmall(10)),
        "then length >= 48"
    );
    set_u32(&mut b, 24, 100);
    assert_eq!(
        decode(&b, DGRAM),
        Err(WireError::LengthMismatch {
            length: 100,
            received: 124
        }),
        "then length = size"
    );
    // §1.8.1: the 0.1.x version word is refused like any other
    let mut old = stat();
    set_u32(&mut old, 16, 0x0001_0002);
    assert_eq!(decode_header(&old), Err(WireError::BadVersion(0x0001_0002)));
}

#[test]
fn too_short_for_body_or_trailer() {
    // a header-only Stat datagram
    let mut h = stat();
    h.truncate(48);
    set_u32(&mut h, 24, 48);
    assert_eq!(
        decode(&h, DGRAM),
        Err(WireError::TooShortForBody {
            cmd: Cmd::Status.to_u32(),
            length: 48,
            needed: 124
        })
    );
    // auth on, but the sender had none: no room for the 28-byte MAC trailer
    let full = stat();
    assert_eq!(
        decode(&full, Expect::datagram(true)),
        Err(WireError::MissingTrailer {
            length: 124,
            needed: 152
        })
    );
    // a 48-byte CGnt request (C would read garbage for the body, §1.8)
    set_u32(&mut h, 28, Cmd::Grant.to_u32());
    assert!(matches!(
        decode(&h, Expect::request(false)),
        Err(WireError::TooShortForBody { .. })
    ));
    // an attribute request needs 304 bytes
    let mut a = stat();
    set_u32(&mut a, 28, Cmd::AttrSet.to_u32());
    assert!(matches!(
        decode(&a, Expect::request(false)),
        Err(WireError::TooShortForBody { needed: 304, .. })
    ));
    // a client with a key reading a 48-byte reply of a daemon without (§4.6)
    set_u32(&mut h, 28, Cmd::ClResult.to_u32());
    assert_eq!(
        decode(&h, Expect::reply_to(Cmd::List, true)),
        Err(WireError::MissingTrailer {
            length: 48,
            needed: 76
        })
    );
    assert!(
        matches!(decode(&h, Expect::reply_to(Cmd::List, false)), Ok(m) if m.text() == Some(&[][..]))
    );
    // a header-only Rslt answering a grant (e.g. result Auth) is not an error
    let m = decode(&h, Expect::reply_to(Cmd::Grant, false)).expect("header-only reply");
    assert_eq!(m.body, Body::None);
}

#[test]
fn unterminated_ticket_name() {
    let mut b = stat();
    b[48..112].fill(b'x');
    assert_eq!(decode(&b, DGRAM), Err(WireError::UnterminatedTicketName));
    // the header is still readable, e.g. to answer a TCP request with IArg (§6.3)
    assert_eq!(decode_header(&b).map(|h| h.cmd()), Ok(Cmd::Status));
    // unterminated attribute name/value: carried, the daemon skips them (§6.6)
    let attr = AttrBody {
        ticket: TicketName::new("tA").expect("name"),
        name: AttrName::from_bytes(b"n").expect("name"),
        value: Default::default(),
    };
    let mut m = Message::new(Header::new(Cmd::AttrSet, 1), Body::Attr(attr));
    if let Body::Attr(a) = &mut m.body {
        a.name.0.fill(b'n');
        a.value.0.fill(b'v');
    }
    let mut buf = [0u8; 304];
    encode(&m, &mut buf).expect("encode");
    let d = decode(&buf, Expect::request(false)).expect("decodes");
    let a = d.attr().expect("attr");
    assert!(!a.name.is_terminated() && a.name.as_bytes().len() == 64);
}

#[test]
fn unknown_codes_are_carried() {
    let mut b = stat();
    set_u32(&mut b, 28, u32::from_be_bytes(*b"XXXX"));
    set_u32(&mut b, 40, 0x1234_5678);
    set_u32(&mut b, 44, 0x8765_4321);
    let m = decode(&b, DGRAM).expect("unknown cmd decodes");
    assert_eq!(m.header.cmd(), Cmd::Other(u32::from_be_bytes(*b"XXXX")));
    assert_eq!(m.header.reason().to_u32(), 0x1234_5678);
    assert_eq!(m.header.result().to_u32(), 0x8765_4321);
    // over TCP an unknown request is header-only (answered Rslt/IArg, §5.4); the body
    // bytes stay as `extra` so the MAC range and re-encoding are exact
    let m = decode(&b, Expect::request(false)).expect("unknown request decodes");
    assert_eq!(m.body, Body::None);
    assert_eq!(m.extra.len(), 76);
    let mut out = [0u8; 124];
    assert_eq!(encode(&m, &mut out), Ok(124));
    assert_eq!(&out[..], &b[..]);
}

#[test]
fn from_no_one_and_zero_decode_but_are_implausible() {
    // §3.2: C daemons crash on from = 0xFFFFFFFF; we decode and let the caller drop it
    for (from, plausible) in [(NO_ONE, false), (0, false), (0x5267_d502, true)] {
        let mut b = stat();
        set_u32(&mut b, 20, from);
        let m = decode(&b, DGRAM).expect("decodes");
        assert_eq!(m.header.from_is_plausible(), plausible, "{from:#x}");
    }
    // §5.3: the sender is looked up before any header check, even with a bad magic
    let mut b = stat();
    set_u32(&mut b, 12, 0);
    assert_eq!(peek_from(&b), Some(0x5267_d502));
    assert_eq!(peek_from(&b[..23]), None);
}

#[test]
fn attr_bit_datagram_has_an_attribute_body() {
    // §1.8 UDP dispatch: opts & 4 means an attribute body (ignored by C receivers)
    let mut b = stat();
    set_u32(&mut b, 0, OPTS_ATTR);
    assert!(matches!(
        decode(&b, DGRAM),
        Err(WireError::TooShortForBody { needed: 304, .. })
    ));
    let mut m = Message::new(Header::new(Cmd::Status, 1), Body::Attr(AttrBody::default()));
    m.header.opts = OPTS_ATTR;
    let mut buf = [0u8; 304];
    encode(&m, &mut buf).expect("encode");
    assert!(decode(&buf, DGRAM).expect("decodes").attr().is_some());
}

#[test]
fn surplus_inside_length_is_kept_and_signed_over() {
    // C receivers tolerate length > struct size; the trailer is at length - 28 (§4.5)
    let mut b = stat();
    b.extend_from_slice(&[7; 8]);
    b.extend_from_slice(&[0; 28]);
    set_u32(&mut b, 24, 160);
    let m = decode(&b, Expect::datagram(true)).expect("decodes");
    assert_eq!(m.extra, &[7; 8]);
    assert_eq!(m.signed_len(), 132);
    let mut out = [0u8; 160];
    assert_eq!(encode(&m, &mut out), Ok(160));
    assert_eq!(&out[..], &b[..]);
}

#[test]
fn request_framing_per_5_5() {
    let mut b = stat();
    set_u32(&mut b, 28, Cmd::List.to_u32());
    b.extend_from_slice(&[0; 28]); // C client padding (§6.1)
                                   // §12.12: a request split 20 + 40 + rest
    assert_eq!(frame_request(&b[..20]), Ok(Frame::NeedMore(48)));
    assert_eq!(frame_request(&b[..60]), Ok(Frame::NeedMore(124)));
    assert_eq!(
        frame_request(&b),
        Ok(Frame::Complete(124)),
        "surplus ignored"
    );
    let m = decode(&b[..124], Expect::request(false)).expect("decodes");
    assert_eq!(m.header.cmd(), Cmd::List);
    // length 2000 or 40, wrong version: closed without reply
    let mut l = b.clone();
    set_u32(&mut l, 24, 2000);
    assert_eq!(
        frame_request(&l),
        Err(WireError::TooLong {
            length: 2000,
            max: 1024
        })
    );
    set_u32(&mut l, 24, 40);
    assert_eq!(frame_request(&l), Err(WireError::LengthTooSmall(40)));
    set_u32(&mut l, 16, 7);
    assert_eq!(frame_request(&l), Err(WireError::BadVersion(7)));
    // exactly 1024 is allowed
    set_u32(&mut l, 16, 0x0001_0003);
    set_u32(&mut l, 24, 1024);
    assert_eq!(frame_request(&l), Ok(Frame::NeedMore(1024)));
}

#[test]
fn reply_framing_splits_pushed_replies() {
    // grant: More then the final Rslt on one connection (§6.3)
    let mut r = stat();
    set_u32(&mut r, 28, Cmd::ClResult.to_u32());
    let mut stream = r.clone();
    stream.extend_from_slice(&r);
    stream.extend_from_slice(&r[..10]);
    assert_eq!(frame_reply(&stream), Ok(Frame::Complete(124)));
    assert_eq!(frame_reply(&stream[124..]), Ok(Frame::Complete(124)));
    assert_eq!(frame_reply(&stream[248..]), Ok(Frame::NeedMore(48)));
    // text replies may exceed 1024 bytes (§5.7)
    set_u32(&mut r, 24, 5000);
    assert_eq!(frame_reply(&r), Ok(Frame::NeedMore(5000)));
}

#[test]
fn encode_errors() {
    let m = Message::new(
        Header::new(Cmd::Status, 1),
        Body::Ticket(TicketBody::default()),
    );
    let mut small = [0u8; 100];
    assert_eq!(
        encode(&m, &mut small),
        Err(EncodeError::BufferTooSmall {
            need: 124,
            have: 100
        })
    );
    let mut wrong = m;
    wrong.header.length = 152;
    assert_eq!(
        encode(&wrong, &mut [0u8; 200]),
        Err(EncodeError::LengthMismatch {
            length: 152,
            actual: 124
        })
    );
    let mut text = Message::new(Header::new(Cmd::ClList, 1), Body::Text(b"x\n"));
    text.extra = b"?";
    text.set_length();
    assert_eq!(
        encode(&text, &mut [0u8; 200]),
        Err(EncodeError::ExtraWithText)
    );
}

#[test]
fn name_fields() {
    let max = "a".repeat(63);
    assert_eq!(TicketName::new(&max).map(|n| n.as_bytes().len()), Ok(63));
    assert_eq!(
        TicketName::new(&"a".repeat(64)),
        Err(NameError::TooLong { len: 64, max: 63 })
    );
    assert_eq!(TicketName::new("a\0b"), Err(NameError::InteriorNul));
    let n = TicketName::new("ticket-db8").expect("name");
    assert_eq!(n.as_str(), Some("ticket-db8"));
    assert_eq!(n.0[10..], [0; 54]);
    assert_eq!(format!("{n:?}"), "\"ticket-db8\"");
    assert_eq!(TicketName::EMPTY.as_bytes(), b"");
    let mut odd = n;
    odd.0[20] = 1;
    assert_eq!(odd.as_str(), Some("ticket-db8"), "stops at the first NUL");
    assert!(format!("{odd:?}").contains("non-zero tail"));
}

#[test]
fn shapes_of_replies() {
    assert_eq!(Shape::reply_to(Cmd::Grant), Shape::TicketReply);
    assert_eq!(Shape::reply_to(Cmd::Revoke), Shape::TicketReply);
    for c in [
        Cmd::List,
        Cmd::Peers,
        Cmd::AttrGet,
        Cmd::AttrList,
        Cmd::AttrSet,
        Cmd::AttrDel,
    ] {
        assert_eq!(Shape::reply_to(c), Shape::TextReply, "{c:?}");
    }
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        WireError::Short { received: 3 },
        WireError::BadMagic(1),
        WireError::BadVersion(0x0001_0002),
        WireError::LengthTooSmall(4),
        WireError::LengthMismatch {
            length: 124,
            received: 152,
        },
        WireError::TooLong {
            length: 2000,
            max: 1024,
        },
        WireError::TooShortForBody {
            cmd: Cmd::Status.to_u32(),
            length: 48,
            needed: 124,
        },
        WireError::MissingTrailer {
            length: 124,
            needed: 152,
        },
        WireError::UnterminatedTicketName,
    ];
    for e in errors {
        assert!(e.to_string().len() > 10, "{e:?}");
    }
    assert!(errors[6].to_string().starts_with("Stat message"));
}
