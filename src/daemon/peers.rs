//! The other members as the daemon's UDP side sees them (wire.md §5.3): who sent a
//! datagram, whether it passes the header and authentication checks, and the per-peer
//! counters and clocks that `booth peers` shows.

use std::net::SocketAddr;
use std::time::Duration;

use crate::auth::{self, AuthError, AuthKey, PeerClock, Timestamp};
use crate::output::{PeerStats, PeerView};
use crate::wire::{self, Expect, Message, WireError};

/// One configured member.
pub struct Peer {
    pub id: u32,
    pub arbitrator: bool,
    /// The address text as configured (what `booth peers` prints).
    pub addr_text: String,
    /// Where datagrams to it go (its configured address and port, never the source of
    /// what it sent, wire.md §3.2).
    pub addr: SocketAddr,
    pub stats: PeerStats,
    /// Wall-clock epoch seconds of the last datagram from it.
    pub last_recv: Option<i64>,
    /// Its clock minus ours, ms, from the timestamp of its last authenticated datagram
    /// (one-way network delay included). `None` without authentication.
    pub clock_offset_ms: Option<i64>,
    /// True while a clock-offset warning about it stands.
    clock_warned: bool,
    /// Heard from since start or since it was reported down (event hooks).
    pub up: bool,
    clock: PeerClock,
}

impl Peer {
    pub fn new(id: u32, arbitrator: bool, addr_text: String, addr: SocketAddr) -> Peer {
        Peer {
            id,
            arbitrator,
            addr_text,
            addr,
            stats: PeerStats::default(),
            last_recv: None,
            clock_offset_ms: None,
            clock_warned: false,
            up: false,
            clock: PeerClock::default(),
        }
    }

    /// Whether its clock offset crossed `threshold_ms` (warn) or came back under half of
    /// it (all clear) since the last call; `None` when nothing changed.
    pub fn clock_event(&mut self, threshold_ms: i64) -> Option<ClockEvent> {
        let off = self.clock_offset_ms?;
        if !self.clock_warned && off.abs() > threshold_ms {
            self.clock_warned = true;
            Some(ClockEvent::Off(off))
        } else if self.clock_warned && off.abs() <= threshold_ms / 2 {
            self.clock_warned = false;
            Some(ClockEvent::Back(off))
        } else {
            None
        }
    }
}

/// A change in a peer's clock offset worth a log line.
#[derive(Debug, PartialEq, Eq)]
pub enum ClockEvent {
    /// Beyond the threshold (ms).
    Off(i64),
    /// Back within half of it (ms).
    Back(i64),
}

/// The sender's clock minus ours, ms: the packet's timestamp (seconds modulo 2^32, as on
/// the wire) against our wall clock `now` when it arrived.
pub fn clock_offset_ms(t: Timestamp, now: Duration) -> i64 {
    let ours = Timestamp::from_unix(now);
    let dsecs = i32::from_ne_bytes(t.secs.wrapping_sub(ours.secs).to_ne_bytes());
    let dusecs = i64::from(t.usecs) - i64::from(ours.usecs);
    (i64::from(dsecs) * 1_000_000 + dusecs).div_euclid(1000)
}

/// Why a datagram was dropped before the protocol saw it; each is logged and counted.
#[derive(Debug, PartialEq, Eq)]
pub enum Dropped {
    /// `from` is no configured member (0 and NO_ONE included: C crashes on NO_ONE).
    UnknownSender { from: Option<u32>, real: SocketAddr },
    /// `from` is our own id: a looped-back or forged datagram.
    FromSelf { real: SocketAddr },
    /// Header checks failed (counted as the peer's `error`).
    Malformed { peer: usize, error: WireError },
    /// Authentication failed (counted as the peer's `authfail`).
    AuthFailed { peer: usize, error: AuthError },
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dropped::UnknownSender {
                from: Some(id),
                real,
            } => write!(f, "unknown sender: {id:08x} (real: {})", real.ip()),
            Dropped::UnknownSender { from: None, real } => {
                write!(
                    f,
                    "datagram too short to name its sender (real: {})",
                    real.ip()
                )
            }
            Dropped::FromSelf { real } => {
                write!(
                    f,
                    "datagram claims to come from ourselves (real: {})",
                    real.ip()
                )
            }
            Dropped::Malformed { error, .. } => write!(f, "invalid datagram: {error}"),
            Dropped::AuthFailed { error, .. } => write!(f, "failed to authenticate: {error}"),
        }
    }
}

/// All members, with the local one at `local`.
pub struct Peers {
    pub members: Vec<Peer>,
    pub local: usize,
    pub key: Option<AuthKey>,
    pub max_skew: u32,
}

impl Peers {
    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.members.iter().position(|p| p.id == id)
    }

    /// Runs the checks of wire.md §5.3 on a datagram from `real`, in C's order, updating
    /// the sender's counters. `now` is the wall clock since the epoch.
    pub fn receive<'a>(
        &mut self,
        buf: &'a [u8],
        real: SocketAddr,
        now: Duration,
    ) -> Result<(usize, Message<'a>), Dropped> {
        let from = wire::peek_from(buf);
        let Some(peer) = from.and_then(|id| self.index_of(id)) else {
            return Err(Dropped::UnknownSender { from, real });
        };
        if peer == self.local {
            return Err(Dropped::FromSelf { real });
        }
        let p = &mut self.members[peer];
        p.last_recv = i64::try_from(now.as_secs()).ok();
        p.stats.received = p.stats.received.wrapping_add(1);
        let msg = match wire::decode(buf, Expect::datagram(self.key.is_some())) {
            Ok(m) => m,
            Err(error) => {
                p.stats.recv_errors = p.stats.recv_errors.wrapping_add(1);
                return Err(Dropped::Malformed { peer, error });
            }
        };
        if let Some(key) = &self.key {
            let checked = auth::verify_message(key, buf, &msg).and_then(|()| {
                let ts = Timestamp {
                    secs: msg.header.secs,
                    usecs: msg.header.usecs,
                };
                p.clock.check(ts, now, self.max_skew).map(|_| ())
            });
            if let Err(error) = checked {
                p.stats.authfail = p.stats.authfail.wrapping_add(1);
                return Err(Dropped::AuthFailed { peer, error });
            }
            let ts = Timestamp {
                secs: msg.header.secs,
                usecs: msg.header.usecs,
            };
            p.clock_offset_ms = Some(clock_offset_ms(ts, now));
        }
        Ok((peer, msg))
    }

    /// Counts a message refused by the protocol layer (unknown ticket or leader).
    pub fn count_invalid(&mut self, peer: usize) {
        if let Some(p) = self.members.get_mut(peer) {
            p.stats.invalid = p.stats.invalid.wrapping_add(1);
        }
    }

    /// Counts a send to `peer` as C does: every attempt is a sent packet, a failed one
    /// also an error; `resend` for a retransmission to a member that has not answered
    /// (core `Action::Send { resend: true }`), whether or not it went out.
    pub fn count_send(&mut self, peer: usize, ok: bool, resend: bool) {
        if let Some(p) = self.members.get_mut(peer) {
            p.stats.sent = p.stats.sent.wrapping_add(1);
            if !ok {
                p.stats.sent_errors = p.stats.sent_errors.wrapping_add(1);
            }
            if resend {
                p.stats.resends = p.stats.resends.wrapping_add(1);
            }
        }
    }

    /// Views of every member but the local one, for `booth peers`.
    pub fn views(&self) -> Vec<PeerView<'_>> {
        self.members
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.local)
            .map(|(_, p)| PeerView {
                arbitrator: p.arbitrator,
                addr: &p.addr_text,
                last_recv: p.last_recv,
                stats: p.stats,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::consts::{NO_ONE, TICKET_MSG_LEN};
    use crate::wire::{Body, Cmd, Header, TicketBody, TicketName};

    const SITE1: u32 = 0x5267_d502;
    const SITE2: u32 = 0x4c03_40a1;
    const ARB1: u32 = 0x786d_995d;

    fn peers(key: Option<AuthKey>) -> Peers {
        let addr = |s: &str| format!("{s}:9929").parse().expect("addr");
        Peers {
            members: vec![
                Peer::new(SITE1, false, "192.168.77.11".into(), addr("192.168.77.11")),
                Peer::new(SITE2, false, "192.168.77.12".into(), addr("192.168.77.12")),
                Peer::new(ARB1, true, "192.168.77.101".into(), addr("192.168.77.101")),
            ],
            local: 0,
            key,
            max_skew: 600,
        }
    }

    fn stat_from(from: u32, buf: &mut [u8], key: Option<&AuthKey>, now: Duration) -> usize {
        let body = TicketBody {
            name: TicketName::new("tA").expect("name"),
            leader: NO_ONE,
            term: 0,
            term_valid_for: 0,
        };
        let mut msg = Message::new(Header::new(Cmd::Status, from), Body::Ticket(body));
        match key {
            Some(k) => {
                let ts = Timestamp::from_unix(now);
                msg = msg.with_auth(ts.secs, ts.usecs);
                auth::encode_signed(k, &msg, buf).expect("encode")
            }
            None => wire::encode(&msg, buf).expect("encode"),
        }
    }

    fn real() -> SocketAddr {
        "192.168.77.12:9929".parse().expect("addr")
    }

    const NOW: Duration = Duration::from_secs(1_795_568_274);

    #[test]
    fn known_sender_is_counted_and_passed_on() {
        // wire.md §5.3: last recv and Recv pkts updated, then the message goes on.
        let mut p = peers(None);
        let mut buf = [0u8; 256];
        let n = stat_from(SITE2, &mut buf, None, NOW);
        let (peer, msg) = p.receive(&buf[..n], real(), NOW).expect("accepted");
        assert_eq!(peer, 1);
        assert_eq!(msg.header.cmd(), Cmd::Status);
        assert_eq!(p.members[1].stats.received, 1);
        assert_eq!(p.members[1].last_recv, Some(1_795_568_274));
        let v = p.views();
        assert_eq!(v.len(), 2, "the local member is not listed");
        assert_eq!(v[0].addr, "192.168.77.12");
    }

    #[test]
    fn from_no_one_zero_unknown_and_self_are_dropped_not_crashed() {
        // wire.md §3.2: from = 0xFFFFFFFF crashes every C version; we drop and log.
        let mut p = peers(None);
        let mut buf = [0u8; 256];
        for from in [NO_ONE, 0, 0x1234_5678] {
            let n = stat_from(from, &mut buf, None, NOW);
            let e = p.receive(&buf[..n], real(), NOW).expect_err("dropped");
            assert!(matches!(e, Dropped::UnknownSender { .. }), "{e:?}");
        }
        let n = stat_from(SITE1, &mut buf, None, NOW);
        assert!(matches!(
            p.receive(&buf[..n], real(), NOW),
            Err(Dropped::FromSelf { .. })
        ));
        assert!(matches!(
            p.receive(&buf[..3], real(), NOW),
            Err(Dropped::UnknownSender { from: None, .. })
        ));
        assert_eq!(
            Dropped::UnknownSender {
                from: Some(NO_ONE),
                real: real()
            }
            .to_string(),
            "unknown sender: ffffffff (real: 192.168.77.12)"
        );
    }

    #[test]
    fn malformed_and_unauthenticated_datagrams_count_against_their_sender() {
        // wire.md §5.3: header failure -> error, auth failure -> authfail.
        let key = AuthKey::parse(b"0123456789abcdef")
            .expect("key")
            .expect("on");
        let other = AuthKey::parse(b"fedcba9876543210")
            .expect("key")
            .expect("on");
        let mut p = peers(Some(key.clone()));
        let mut buf = [0u8; 256];
        let n = stat_from(SITE2, &mut buf, Some(&other), NOW);
        assert!(matches!(
            p.receive(&buf[..n], real(), NOW),
            Err(Dropped::AuthFailed { peer: 1, .. })
        ));
        let n = stat_from(SITE2, &mut buf, None, NOW);
        assert_eq!(n, TICKET_MSG_LEN);
        assert!(matches!(
            p.receive(&buf[..n], real(), NOW),
            Err(Dropped::Malformed { peer: 1, .. })
        ));
        let n = stat_from(SITE2, &mut buf, Some(&key), NOW);
        assert!(p.receive(&buf[..n], real(), NOW).is_ok());
        // Ten minutes and one second later the same datagram is too old.
        let late = NOW + Duration::from_secs(601);
        assert!(matches!(
            p.receive(&buf[..n], real(), late),
            Err(Dropped::AuthFailed { .. })
        ));
        let s = p.members[1].stats;
        assert_eq!((s.received, s.recv_errors, s.authfail), (4, 1, 2));
    }

    #[test]
    fn resends_are_counted_for_retransmissions_only() {
        // C: `sent_cnt` counts every sendto, `sent_err_cnt` the failed ones, and
        // `resend_cnt` only the unicast retransmissions of `resend_msg`.
        let mut p = peers(None);
        p.count_send(1, true, false);
        p.count_send(2, true, false);
        let s = p.members[1].stats;
        assert_eq!((s.sent, s.sent_errors, s.resends), (1, 0, 0));
        p.count_send(1, true, true);
        p.count_send(1, false, true);
        p.count_send(1, false, false);
        let s = p.members[1].stats;
        assert_eq!((s.sent, s.sent_errors, s.resends), (4, 2, 2));
        let s = p.members[2].stats;
        assert_eq!(
            (s.sent, s.sent_errors, s.resends),
            (1, 0, 0),
            "others untouched"
        );
        p.count_send(7, true, true); // no such member: ignored
        let text = crate::output::peers(&p.views()[..1], &crate::localtime::Tm::utc);
        assert!(text.contains("Sent pkts:4 error:2 resends:2"), "{text}");
    }

    #[test]
    fn clock_offset_comes_from_the_packet_timestamp() {
        // A peer whose clock runs 3.25 s ahead signs its datagrams with its own time.
        let key = AuthKey::parse(b"0123456789abcdef")
            .expect("key")
            .expect("on");
        let mut p = peers(Some(key.clone()));
        let mut buf = [0u8; 256];
        let theirs = NOW + Duration::from_millis(3250);
        let n = stat_from(SITE2, &mut buf, Some(&key), theirs);
        p.receive(&buf[..n], real(), NOW).expect("accepted");
        assert_eq!(p.members[1].clock_offset_ms, Some(3250));
        assert_eq!(p.members[1].clock_event(1000), Some(ClockEvent::Off(3250)));
        assert_eq!(p.members[1].clock_event(1000), None, "warned once");
        let n = stat_from(SITE2, &mut buf, Some(&key), NOW + Duration::from_secs(1));
        p.receive(&buf[..n], real(), NOW + Duration::from_millis(1100))
            .expect("accepted");
        assert_eq!(p.members[1].clock_offset_ms, Some(-100));
        assert_eq!(p.members[1].clock_event(1000), Some(ClockEvent::Back(-100)));
        // Behind, and across the wrap of the 32-bit seconds field.
        let wrap = Duration::from_secs(1 << 32) + Duration::from_millis(500);
        let t = Timestamp::from_unix(wrap - Duration::from_secs(2));
        assert_eq!(clock_offset_ms(t, wrap), -2000);
        // Without a key there is no timestamp to compare.
        let mut plain = peers(None);
        let n = stat_from(SITE2, &mut buf, None, NOW);
        plain.receive(&buf[..n], real(), NOW).expect("accepted");
        assert_eq!(plain.members[1].clock_offset_ms, None);
    }
}
