//! The C daemon's authenticated captures verify with the lab key (wire.md §4.3, §4.5);
//! with arb1 on another key each side's messages verify only with its own key; the
//! timestamp window accepts the live traffic, rejects it once older than maxtimeskew and
//! accepts a replay younger than that (§4.5, C behaviour).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use booth::auth::{check_age, verify_message, AuthError, AuthKey, Freshness, PeerClock, Timestamp};
use booth::wire::{decode, Message};
use common::capture_path;
use common::captures::{booth_messages, Captured, Role};

const ARB1: u32 = 0x786d_995d;

fn key(file: &str) -> AuthKey {
    let hex = std::fs::read_to_string(capture_path(file)).expect("key file");
    AuthKey::parse(&common::unhex(&hex))
        .expect("valid key")
        .expect("auth on")
}

fn messages(name: &str) -> Vec<Captured> {
    booth_messages(&capture_path(&format!("{name}.pcap")), 9929)
}

fn decoded(c: &Captured) -> Message<'_> {
    decode(&c.bytes, c.role.expect(true)).expect("decodes with auth on")
}

fn capture_time(c: &Captured) -> Duration {
    Duration::new(u64::from(c.ts.0), c.ts.1 * 1000)
}

#[test]
fn every_authenticated_capture_verifies_with_authkey() {
    let k = key("authkey.hex");
    let mut n = 0;
    for name in [
        "auth-1-startup",
        "auth-2-list-peers",
        "auth-3-grant",
        "auth-4-renewal",
        "auth-5-revoke",
    ] {
        for c in &messages(name) {
            let m = decoded(c);
            verify_message(&k, &c.bytes, &m).unwrap_or_else(|e| panic!("{name}: {e}: {m:?}"));
            n += 1;
        }
    }
    assert_eq!(n, 10 + 6 + 17 + 24 + 6);
}

#[test]
fn mismatched_arb1_verifies_only_with_its_own_key() {
    let (k1, k2) = (key("authkey.hex"), key("authkey-arb1-mismatch.hex"));
    let msgs = messages("auth-mismatch-arb1-grant");
    assert_eq!(msgs.len(), 24);
    let mut from_arb1 = 0;
    for c in &msgs {
        let m = decoded(c);
        let (own, other) = if m.header.from == ARB1 {
            (&k2, &k1)
        } else {
            (&k1, &k2)
        };
        from_arb1 += usize::from(m.header.from == ARB1);
        verify_message(own, &c.bytes, &m).expect("own key");
        assert_eq!(verify_message(other, &c.bytes, &m), Err(AuthError::BadMac));
    }
    assert!(
        from_arb1 >= 2,
        "arb1's Stat broadcast and its list request/reply"
    );
}

#[test]
fn live_timestamps_pass_the_window_at_capture_time() {
    for name in [
        "auth-1-startup",
        "auth-3-grant",
        "auth-4-renewal",
        "auth-mismatch-arb1-grant",
    ] {
        // one clock per receiver and sender (UDP) or per connection (client reading replies)
        let mut clocks: HashMap<String, PeerClock> = HashMap::new();
        for c in &messages(name) {
            let m = decoded(c);
            let t = Timestamp {
                secs: m.header.secs,
                usecs: m.header.usecs,
            };
            let now = capture_time(c);
            match c.role {
                Role::Request => check_age(t, now, 600).expect("fresh request"),
                Role::Datagram | Role::Reply(_) => {
                    let who = match c.role {
                        Role::Datagram => format!("{} from {:08x}", c.dst.ip(), m.header.from),
                        _ => format!("{} <- {}", c.dst, c.src),
                    };
                    let v = clocks.entry(who).or_default().check(t, now, 600);
                    assert_eq!(v, Ok(Freshness::Newer), "{name}: {m:?}");
                }
            }
        }
    }
}

#[test]
fn stale_rejected_and_young_replay_accepted() {
    let msgs = messages("auth-1-startup");
    let c = &msgs[0];
    let m = decoded(c);
    let t = Timestamp {
        secs: m.header.secs,
        usecs: m.header.usecs,
    };
    let later = |s: u64| Duration::new(u64::from(t.secs) + s, t.usecs * 1000);
    // the same datagram replayed 599 s later: accepted again, with a warning (§4.5)
    let mut clock = PeerClock::default();
    assert_eq!(clock.check(t, capture_time(c), 600), Ok(Freshness::Newer));
    assert_eq!(
        clock.check(t, later(599), 600),
        Ok(Freshness::OlderThanPrevious)
    );
    // 601 s later: older than maxtimeskew
    assert!(matches!(
        clock.check(t, later(601), 600),
        Err(AuthError::Stale { .. })
    ));
    assert!(matches!(
        check_age(t, later(601), 600),
        Err(AuthError::Stale { .. })
    ));
    // a larger maxtimeskew lets it through
    assert_eq!(check_age(t, later(601), 700), Ok(()));
}
