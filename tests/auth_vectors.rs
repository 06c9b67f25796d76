//! The authenticated vectors of wire.md §9.2 and §9.3, rebuilt from their fields, signed
//! with the given key and compared byte for byte; key parsing (§4.2, §12.7), the mode
//! check, trailer verification (§4.5 steps 1–3) and the timestamp window (§4.5 step 4).

mod common;

use std::time::Duration;

use booth::auth::{
    check_age, check_key_mode, encode_signed, sign, verify, verify_message, AuthError, AuthKey,
    Freshness, PeerClock, SendClock, Timestamp,
};
use booth::wire::consts::NO_ONE;
use booth::wire::{
    decode, encode, AttrBody, Body, CStrField, Cmd, Expect, Header, Message, ResultCode,
    TicketBody, TicketName,
};
use common::spec_dump;

fn key(text: &[u8]) -> AuthKey {
    AuthKey::parse(text).expect("valid key").expect("auth on")
}

fn ticket(name: &str, leader: u32, term: u32, valid: u32) -> Body<'static> {
    Body::Ticket(TicketBody {
        name: TicketName::new(name).expect("name"),
        leader,
        term,
        term_valid_for: valid,
    })
}

/// Encodes `msg` and, if it has a trailer, signs it, both ways: `encode` + `sign` and
/// `encode_signed`.
fn build(msg: &Message<'_>, key: Option<&AuthKey>) -> Vec<u8> {
    let mut buf = [0u8; 1024];
    let n = encode(msg, &mut buf).expect("encode");
    if let Some(k) = key {
        sign(k, &mut buf[..n], msg.signed_len()).expect("sign");
        let mut again = [0u8; 1024];
        assert_eq!(encode_signed(k, msg, &mut again), Ok(n));
        assert_eq!(again[..n], buf[..n], "encode_signed");
    }
    buf[..n].to_vec()
}

fn header(cmd: Cmd, from: u32) -> Header {
    Header::new(cmd, from)
}

const SPEC_KEY_FILE: &[u8] = b"  secret-key-1234\n\n"; // §9.2(b): key file content

#[test]
fn spec_9_2_a_stat_without_auth() {
    let want = spec_dump(
        124,
        "0000: 00 00 00 00 00 00 00 00 00 00 00 00 5f 1b a0 8c
         0010: 00 01 00 03 55 8a 8a f3 00 00 00 7c 53 74 61 74
         0030: 74 69 63 6b 65 74 41 00 00 00 00 00 00 00 00 00
         0070: ff ff ff ff 00 00 00 00 00 00 00 00",
    );
    let msg = Message::new(
        header(Cmd::Status, 0x558A_8AF3),
        ticket("ticketA", NO_ONE, 0, 0),
    );
    assert_eq!(build(&msg, None), want);
}

#[test]
fn spec_9_2_b_authenticated_stat() {
    let k = key(SPEC_KEY_FILE);
    assert_eq!(k.as_bytes(), b"secret-key-1234", "§4.2 trimming");
    let want = spec_dump(
        152,
        "0000: 00 00 00 01 6b 06 34 8c 00 05 5b 24 5f 1b a0 8c
         0010: 00 01 00 03 55 8a 8a f3 00 00 00 98 53 74 61 74
         0030: 74 69 63 6b 65 74 41 00 00 00 00 00 00 00 00 00
         0070: ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 02
         0080: 7f 98 55 ea 15 77 8d e6 b1 43 aa dd 87 a2 98 e4
         0090: 52 3c 8f c4 00 00 00 00",
    );
    let msg = Message::new(
        header(Cmd::Status, 0x558A_8AF3),
        ticket("ticketA", NO_ONE, 0, 0),
    )
    .with_auth(0x6B06_348C, 0x0005_5B24);
    assert_eq!(build(&msg, Some(&k)), want);
    let m = decode(&want, Expect::datagram(true)).expect("decode");
    verify_message(&k, &want, &m).expect("verifies");
}

#[test]
fn spec_9_2_c_list_request_with_auth() {
    let k = key(SPEC_KEY_FILE);
    let want = spec_dump(
        152,
        "0000: 00 00 00 01 6b 06 34 8e 00 05 33 25 5f 1b a0 8c
         0010: 00 01 00 03 3b 84 eb df 00 00 00 98 43 4c 73 74
         0070: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02
         0080: c8 66 7a 28 cc 7c eb f7 ec 64 19 87 eb c3 7b 8f
         0090: 6e 37 fc 29 00 00 00 00",
    );
    let msg = Message::new(
        header(Cmd::List, 0x3B84_EBDF),
        Body::Ticket(TicketBody::default()),
    )
    .with_auth(0x6B06_348E, 0x0005_3325);
    assert_eq!(build(&msg, Some(&k)), want);
}

#[test]
fn spec_9_2_d_text_reply_signs_the_header_only() {
    let k = key(SPEC_KEY_FILE);
    let text = b"ticket: ticketA, leader: NONE\nticket: ticketB, leader: NONE\n";
    let mut want = spec_dump(
        76,
        "0000: 00 00 00 01 6b 06 34 8e 00 05 33 d5 5f 1b a0 8c
         0010: 00 01 00 03 4c 83 db 49 00 00 00 88 52 4c 73 74
         0030: 00 00 00 02 06 25 58 e8 71 e9 37 2a f8 47 0b 99
         0040: 95 d8 e3 9a 6b 1e 3a b8 00 00 00 00",
    );
    want.extend_from_slice(text);
    let msg = Message::new(header(Cmd::ClList, 0x4C83_DB49), Body::Text(text))
        .with_auth(0x6B06_348E, 0x0005_33D5);
    assert_eq!(msg.header.length, 0x88, "§1.7: 76 + 60");
    assert_eq!(build(&msg, Some(&k)), want);
    let m = decode(&want, Expect::reply_to(Cmd::List, true)).expect("decode");
    assert_eq!(m.text(), Some(&text[..]));
    verify_message(&k, &want, &m).expect("verifies");
}

#[test]
fn spec_9_2_e_grant_of_unknown_ticket_and_its_reply() {
    let req = spec_dump(
        124,
        "0000: 00 00 00 00 00 00 00 00 00 00 00 00 5f 1b a0 8c
         0010: 00 01 00 03 3b 84 eb df 00 00 00 7c 43 47 6e 74
         0030: 6e 6f 73 75 63 68 00 00 00 00 00 00 00 00 00 00",
    );
    let msg = Message::new(header(Cmd::Grant, 0x3B84_EBDF), ticket("nosuch", 0, 0, 0));
    assert_eq!(build(&msg, None), req);
    let reply = spec_dump(
        124,
        "0000: 00 00 00 00 00 00 00 00 00 00 00 00 5f 1b a0 8c
         0010: 00 01 00 03 4c 83 db 49 00 00 00 7c 52 73 6c 74
         0020: 00 00 00 00 00 00 00 00 00 00 00 00 49 41 72 67",
    );
    let mut h = header(Cmd::ClResult, 0x4C83_DB49);
    h.result = ResultCode::InvalidArg.to_u32();
    let msg = Message::new(h, Body::Ticket(TicketBody::default()));
    assert_eq!(build(&msg, None), reply);
    let m = decode(&reply, Expect::reply_to(Cmd::Grant, false)).expect("decode");
    assert_eq!(m.header.result(), ResultCode::InvalidArg);
}

#[test]
fn spec_9_2_f_geostore_set_with_auth() {
    let k = key(SPEC_KEY_FILE);
    let want = spec_dump(
        332,
        "0000: 00 00 00 01 6b 06 34 93 00 0d 41 61 5f 1b a0 8c
         0010: 00 01 00 03 3b 84 eb df 00 00 01 4c 41 53 65 74
         0030: 74 69 63 6b 65 74 41 00 ..                      tkt_id \"ticketA\"
         0070: 66 6f 6f 00 ..                                   name   \"foo\"
         00b0: 62 61 72 31 00 ..                                val    \"bar1\"
         0130: 00 00 00 02 25 6e 38 2f 2e 07 3d dc 39 93 86 25
         0140: 71 bb 31 3b a6 ea 7f 10 00 00 00 00",
    );
    let body = AttrBody {
        ticket: CStrField::new("ticketA").expect("name"),
        name: CStrField::new("foo").expect("name"),
        value: CStrField::new("bar1").expect("value"),
    };
    let msg = Message::new(header(Cmd::AttrSet, 0x3B84_EBDF), Body::Attr(body))
        .with_auth(0x6B06_3493, 0x000D_4161);
    assert_eq!(build(&msg, Some(&k)), want);
    let m = decode(&want, Expect::request(true)).expect("decode");
    verify_message(&k, &want, &m).expect("verifies");
}

const KEY_9_3: &[u8] = b"0123456789abcdef";

#[test]
fn spec_9_3_synthetic_heartbeat() {
    let k = key(KEY_9_3);
    let want = spec_dump(
        152,
        "0000: 00 00 00 01 65 53 f1 00 00 01 e2 40 5f 1b a0 8c
         0010: 00 01 00 03 50 85 f4 84 00 00 00 98 48 72 74 42
         0030: 74 69 63 6b 65 74 2d 64 62 38 00 00 00 00 00 00
         0070: 50 85 f4 84 00 00 00 07 00 00 02 58 00 00 00 02
         0080: ba d3 7e 6b 43 6b 19 5c 26 f3 ab b2 75 62 0d be
         0090: 0a ec d0 dc 00 00 00 00",
    );
    let msg = Message::new(
        header(Cmd::Heartbeat, 0x5085_F484),
        ticket("ticket-db8", 0x5085_F484, 7, 600),
    )
    .with_auth(1_700_000_000, 123_456);
    assert_eq!(build(&msg, Some(&k)), want);
}

#[test]
fn spec_9_3_synthetic_text_reply_header() {
    let k = key(KEY_9_3);
    let want = spec_dump(
        76,
        "0000: 00 00 00 01 65 53 f1 00 00 00 00 01 5f 1b a0 8c
         0010: 00 01 00 03 50 85 f4 84 00 00 00 88 52 4c 73 74
         0030: 00 00 00 02 c7 5c fc e3 07 dc ae 9d dd e3 21 60
         0040: 99 85 77 1f af d8 28 44 00 00 00 00",
    );
    let text = [b'x'; 60]; // any 60 bytes: the MAC does not cover them (§1.7)
    let msg = Message::new(header(Cmd::ClList, 0x5085_F484), Body::Text(&text))
        .with_auth(1_700_000_000, 1);
    assert_eq!(build(&msg, Some(&k))[..76], want[..]);
}

#[test]
fn spec_9_3_replayed_stat_and_its_unauthenticated_twin() {
    let k = key(KEY_9_3);
    let want = spec_dump(
        152,
        "0000: 00 00 00 01 65 53 f1 00 00 01 e2 40 5f 1b a0 8c
         0010: 00 01 00 03 50 85 f4 84 00 00 00 98 53 74 61 74
         0030: 74 69 63 6b 65 74 2d 64 62 38 00 00 00 00 00 00
         0070: ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 02
         0080: f6 64 90 0f 66 81 9f dc dc db ec ba 83 c0 88 0f
         0090: 85 a3 45 fc 00 00 00 00",
    );
    let plain = Message::new(
        header(Cmd::Status, 0x5085_F484),
        ticket("ticket-db8", NO_ONE, 0, 0),
    );
    let signed = plain.with_auth(1_700_000_000, 123_456);
    assert_eq!(build(&signed, Some(&k)), want);
    // §9.3: without auth only opts/secs/usecs and length differ, and there is no trailer
    let bare = build(&plain, None);
    assert_eq!(bare.len(), 124);
    assert_eq!(bare[12..24], want[12..24]);
    assert_eq!(bare[24..28], [0, 0, 0, 0x7c]);
    assert_eq!(bare[28..124], want[28..124]);
    // a receiver with auth off accepts the 152-byte datagram and ignores the trailer (§1.8)
    let m = decode(&want, Expect::datagram(false)).expect("auth-off receiver");
    assert!(m.trailer.is_none());
    assert_eq!(m.extra.len(), 28);
}

#[test]
fn key_parsing_per_4_2() {
    // §12.7: surrounding white space of an ASCII key is trimmed
    assert_eq!(
        key(b"  0123456789abcdef  \n").as_bytes(),
        b"0123456789abcdef"
    );
    assert_eq!(key(b"\t\x0b\x0c\rabcdefgh\r\n").as_bytes(), b"abcdefgh");
    // only the first 64 bytes are read
    let long = [b'k'; 70];
    assert_eq!(key(&long).as_bytes(), &long[..64]);
    // the 64-byte cut happens before trimming: trailing blanks after byte 64 do not count
    let mut cut = vec![b' '; 60];
    cut.extend_from_slice(b"abcdefghij");
    assert_eq!(AuthKey::parse(&cut), Err(AuthError::KeyTooShort { len: 4 }));
    // a byte >= 0x80 anywhere: used verbatim, white space included
    let bin = b" \x80abcdefg \n";
    assert_eq!(key(bin).as_bytes(), bin);
    // first byte NUL: C silently runs without auth (§4.1)
    assert_eq!(AuthKey::parse(b"\0abcdefghijk"), Ok(None));
    // fewer than 8 bytes after trimming
    assert_eq!(
        AuthKey::parse(b"  short  \n"),
        Err(AuthError::KeyTooShort { len: 5 })
    );
    assert_eq!(AuthKey::parse(b""), Err(AuthError::KeyTooShort { len: 0 }));
    assert_eq!(
        AuthKey::parse(b"1234567").map(|k| k.is_some()),
        Err(AuthError::KeyTooShort { len: 7 })
    );
    assert!(AuthKey::parse(b"12345678").is_ok_and(|k| k.is_some()));
}

#[test]
fn key_mode_check_per_4_2() {
    for ok in [0o600, 0o400, 0o700, 0o620, 0o602, 0o100600] {
        assert_eq!(check_key_mode(ok), Ok(()), "{ok:o}");
    }
    for bad in [0o640, 0o604, 0o644, 0o100644, 0o440] {
        let e = check_key_mode(bad).expect_err("readable");
        assert!(
            e.to_string()
                .contains("file shall not be readable for anyone but the owner"),
            "{e}"
        );
    }
}

fn signed_heartbeat() -> (AuthKey, Vec<u8>) {
    let k = key(KEY_9_3);
    let msg = Message::new(
        header(Cmd::Heartbeat, 0x5085_F484),
        ticket("ticket-db8", 0x5085_F484, 7, 600),
    )
    .with_auth(1_700_000_000, 123_456);
    let buf = build(&msg, Some(&k));
    (k, buf)
}

#[test]
fn trailer_checks_per_4_5() {
    let (k, buf) = signed_heartbeat();
    let (signed, trailer) = buf.split_at(124);
    verify(&k, signed, trailer).expect("good");
    // the 4 padding bytes of `hash` are not compared (§1.5, §4.5 recommendation)
    let mut t = trailer.to_vec();
    t[24..28].copy_from_slice(b"junk");
    verify(&k, signed, &t).expect("padding ignored");
    // only hid 2: C gcrypt builds accepted 1 (16 bytes) and 3, we do not (§11)
    for hid in [0u32, 1, 3, 99] {
        let mut t = trailer.to_vec();
        t[..4].copy_from_slice(&hid.to_be_bytes());
        assert_eq!(verify(&k, signed, &t), Err(AuthError::UnsupportedHid(hid)));
    }
    // any flipped bit of the signed bytes or the MAC
    for i in [0, 20, 47, 60, 123] {
        let mut s = signed.to_vec();
        s[i] ^= 1;
        assert_eq!(verify(&k, &s, trailer), Err(AuthError::BadMac), "byte {i}");
    }
    let mut t = trailer.to_vec();
    t[4] ^= 0x80;
    assert_eq!(verify(&k, signed, &t), Err(AuthError::BadMac));
    // a MAC of the wrong size
    assert_eq!(
        verify(&k, signed, &trailer[..27]),
        Err(AuthError::MacSize { len: 27 })
    );
    assert_eq!(
        booth::auth::verify_mac(&k, signed, 2, &trailer[4..20]),
        Err(AuthError::MacSize { len: 16 })
    );
    // another key
    assert_eq!(
        verify(&key(b"0123456789abcdeF"), signed, trailer),
        Err(AuthError::BadMac)
    );
    // no room to sign
    let mut short = [0u8; 100];
    assert_eq!(
        sign(&k, &mut short, 80),
        Err(AuthError::NoRoom {
            need: 108,
            have: 100
        })
    );
    // a message decoded by an auth-off receiver has no trailer to check
    let m = decode(&buf, Expect::datagram(false)).expect("decode");
    assert_eq!(
        verify_message(&k, &buf, &m),
        Err(AuthError::MacSize { len: 0 })
    );
}

fn at(secs: u64, usecs: u32) -> Duration {
    Duration::new(secs, usecs * 1000)
}

#[test]
fn age_check_per_4_5_and_12_9() {
    let now = at(1_800_000_000, 500_000);
    let ts = |d: i64| Timestamp {
        secs: u32::try_from(1_800_000_000 + d).expect("secs"),
        usecs: 500_000,
    };
    assert_eq!(check_age(ts(-590), now, 600), Ok(()));
    assert!(matches!(
        check_age(ts(-700), now, 600),
        Err(AuthError::Stale { .. })
    ));
    assert_eq!(check_age(ts(100_000), now, 600), Ok(()), "no upper bound");
    // strictly later than (now - maxtimeskew, now_usecs)
    assert!(check_age(ts(-600), now, 600).is_err());
    assert_eq!(
        check_age(
            Timestamp {
                secs: 1_800_000_000 - 600,
                usecs: 500_001
            },
            now,
            600
        ),
        Ok(())
    );
    // a clock before maxtimeskew after the epoch does not underflow
    assert_eq!(
        check_age(Timestamp { secs: 0, usecs: 0 }, at(10, 0), 600),
        Ok(())
    );
    let e = check_age(ts(-700), now, 600).expect_err("stale");
    assert!(e.to_string().contains("older than 600 seconds"), "{e}");
}

#[test]
fn peer_clock_per_4_5() {
    let now = at(1_800_000_000, 0);
    let t = |secs: u32, usecs: u32| Timestamp { secs, usecs };
    let mut c = PeerClock::default();
    // C starts from (0,0): the first message skips the age check, even when old
    assert_eq!(c.check(t(1_700_000_000, 5), now, 600), Ok(Freshness::Newer));
    // later ones pass on order alone
    assert_eq!(c.check(t(1_700_000_000, 6), now, 600), Ok(Freshness::Newer));
    // not later and older than the window: refused, state unchanged
    assert!(matches!(
        c.check(t(1_700_000_000, 6), now, 600),
        Err(AuthError::Stale { .. })
    ));
    assert_eq!(c.last(), t(1_700_000_000, 6));
    // a replay younger than maxtimeskew is accepted (C behaviour, §4.5), with a warning
    let fresh = t(1_799_999_990, 0);
    assert_eq!(c.check(fresh, now, 600), Ok(Freshness::Newer));
    assert_eq!(c.check(fresh, now, 600), Ok(Freshness::OlderThanPrevious));
    // an older one inside the window is accepted and becomes the last (even if smaller)
    assert_eq!(
        c.check(t(1_799_999_900, 0), now, 600),
        Ok(Freshness::OlderThanPrevious)
    );
    assert_eq!(c.last(), t(1_799_999_900, 0));
}

#[test]
fn send_clock_is_strictly_increasing() {
    let mut s = SendClock::default();
    let a = s.next(at(100, 5));
    let b = s.next(at(100, 5));
    let c = s.next(at(99, 0)); // clock stepped back
    assert!(a < b && b < c, "{a:?} {b:?} {c:?}");
    let mut s = SendClock::default();
    s.next(at(100, 999_999));
    assert_eq!(
        s.next(at(100, 999_999)),
        Timestamp {
            secs: 101,
            usecs: 0
        }
    );
}
