//! The texts the daemon sends for `booth list`, `booth peers` and `geostore list`
//! (wire.md §7), byte for byte as the C daemon writes them. Pure: the caller supplies
//! views of its state and the local-time conversion.
#![forbid(unsafe_code)]

use std::fmt::Write;

use crate::localtime::Tm;

/// Who holds a ticket, as `booth list` shows it (wire.md §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaderView<'a> {
    /// No leader recorded at all (fresh start, expired, lost): `NONE`.
    Unknown,
    /// Explicitly revoked or released ("no one"): `none`.
    NoOne,
    /// A member, by its address text.
    Member(&'a str),
}

/// One ticket line of `booth list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketView<'a> {
    pub name: &'a str,
    pub leader: LeaderView<'a>,
    /// Wall-clock expiry (epoch s); `None` shows `INF` (manual tickets, no expiry).
    pub expires: Option<i64>,
    /// End of the CIB commit delay, on the leader while it runs.
    pub commit_pending_until: Option<i64>,
    pub manual: bool,
    /// Addresses of every site believed to hold this (manual) ticket, config order.
    pub claimed_by: &'a [&'a str],
}

/// How a wall-clock epoch second is rendered (`%F %T` in the daemon's zone).
pub type TimeFmt<'a> = &'a dyn Fn(i64) -> Tm;

/// The `booth list` text (wire.md §7.1).
pub fn list(tickets: &[TicketView<'_>], tz: TimeFmt<'_>) -> String {
    let mut out = String::new();
    for t in tickets {
        let leader = match t.leader {
            LeaderView::Unknown => "NONE",
            LeaderView::NoOne => "none",
            LeaderView::Member(a) => a,
        };
        let _ = write!(out, "ticket: {}, leader: {leader}", t.name);
        if let LeaderView::Member(_) = t.leader {
            match t.expires {
                Some(e) => {
                    let _ = write!(out, ", expires: {}", tz(e).iso());
                }
                None => out.push_str(", expires: INF"),
            }
            if let Some(c) = t.commit_pending_until {
                let _ = write!(out, " (commit pending until {})", tz(c).iso());
            }
        }
        if t.manual {
            out.push_str(" [manual mode]");
        }
        out.push('\n');
    }
    for t in tickets.iter().filter(|t| t.claimed_by.len() > 1) {
        let _ = write!(
            out,
            "\nWARNING: The ticket {} is granted to multiple sites: {}. Revoke the ticket from the faulty sites.\n",
            t.name,
            t.claimed_by.join(", ")
        );
    }
    out
}

/// Per-peer UDP statistics (wire.md §7.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerStats {
    pub sent: u32,
    pub sent_errors: u32,
    pub resends: u32,
    pub received: u32,
    pub recv_errors: u32,
    pub authfail: u32,
    pub invalid: u32,
}

/// One member other than the answering daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerView<'a> {
    pub arbitrator: bool,
    pub addr: &'a str,
    /// Wall-clock time of the last datagram from it; `None` = never (the epoch).
    pub last_recv: Option<i64>,
    pub stats: PeerStats,
}

/// The `booth peers` text (wire.md §7.2).
pub fn peers(peers: &[PeerView<'_>], tz: TimeFmt<'_>) -> String {
    let mut out = String::new();
    for p in peers {
        let kind = if p.arbitrator { "arbitrator" } else { "site" };
        let s = p.stats;
        let _ = write!(
            out,
            "{kind:<12} {}, last recv: {}\n\tSent pkts:{} error:{} resends:{}\n\tRecv pkts:{} error:{} authfail:{} invalid:{}\n\n",
            p.addr,
            tz(p.last_recv.unwrap_or(0)).iso(),
            s.sent,
            s.sent_errors,
            s.resends,
            s.received,
            s.recv_errors,
            s.authfail,
            s.invalid
        );
    }
    out
}

/// One geo attribute of a ticket (wire.md §7.3); `set_at` is `None` for attributes loaded
/// from the CIB, which leaves C's trailing space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrView<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub set_at: Option<i64>,
}

/// The `geostore list` text (wire.md §7.3).
pub fn attr_list(attrs: &[AttrView<'_>], tz: TimeFmt<'_>) -> String {
    let mut out = String::new();
    for a in attrs {
        let _ = write!(out, "{} {} ", a.name, a.value);
        if let Some(t) = a.set_at {
            let _ = write!(out, "{}", tz(t).iso());
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(e: i64) -> Tm {
        Tm::utc(e)
    }

    /// 2026-11-25 00:57:54 UTC.
    const T: i64 = 1_795_568_274;

    fn view<'a>(name: &'a str, leader: LeaderView<'a>) -> TicketView<'a> {
        TicketView {
            name,
            leader,
            expires: Some(T),
            commit_pending_until: None,
            manual: false,
            claimed_by: &[],
        }
    }

    #[test]
    fn list_lines_as_the_debian_daemon_writes_them() {
        // wire.md §7.1 examples and surface.md §8.5/§8.6 transcripts.
        let pending = TicketView {
            commit_pending_until: Some(T - 2),
            ..view("ticketB", LeaderView::Member("127.45.0.2"))
        };
        let manual = TicketView {
            expires: None,
            manual: true,
            claimed_by: &["127.0.0.61", "127.0.0.62"],
            ..view("tkM", LeaderView::Member("127.0.0.61"))
        };
        let idle_manual = TicketView {
            manual: true,
            ..view("tkN", LeaderView::Unknown)
        };
        let text = list(
            &[
                view("ticketA", LeaderView::Unknown),
                view("tkA", LeaderView::NoOne),
                pending,
                manual,
                idle_manual,
            ],
            &utc,
        );
        assert_eq!(
            text,
            "ticket: ticketA, leader: NONE\n\
             ticket: tkA, leader: none\n\
             ticket: ticketB, leader: 127.45.0.2, expires: 2026-11-25 00:57:54 (commit pending until 2026-11-25 00:57:52)\n\
             ticket: tkM, leader: 127.0.0.61, expires: INF [manual mode]\n\
             ticket: tkN, leader: NONE [manual mode]\n\
             \n\
             WARNING: The ticket tkM is granted to multiple sites: 127.0.0.61, 127.0.0.62. Revoke the ticket from the faulty sites.\n"
        );
        assert_eq!(list(&[], &utc), "");
    }

    #[test]
    fn peers_text_matches_wire_example() {
        // wire.md §7.2 example, never-heard peer shows the epoch.
        let text = peers(
            &[
                PeerView {
                    arbitrator: true,
                    addr: "127.45.0.1",
                    last_recv: Some(1_795_568_726),
                    stats: PeerStats {
                        sent: 4,
                        received: 4,
                        ..PeerStats::default()
                    },
                },
                PeerView {
                    arbitrator: false,
                    addr: "127.45.0.3",
                    last_recv: None,
                    stats: PeerStats {
                        sent: 2,
                        ..PeerStats::default()
                    },
                },
            ],
            &utc,
        );
        assert_eq!(
            text,
            "arbitrator   127.45.0.1, last recv: 2026-11-25 01:05:26\n\
             \tSent pkts:4 error:0 resends:0\n\
             \tRecv pkts:4 error:0 authfail:0 invalid:0\n\
             \n\
             site         127.45.0.3, last recv: 1970-01-01 00:00:00\n\
             \tSent pkts:2 error:0 resends:0\n\
             \tRecv pkts:0 error:0 authfail:0 invalid:0\n\
             \n"
        );
    }

    #[test]
    fn attribute_list_keeps_the_trailing_space_of_loaded_attributes() {
        // wire.md §7.3.
        let text = attr_list(
            &[
                AttrView {
                    name: "zed",
                    value: "value-with-space",
                    set_at: Some(T),
                },
                AttrView {
                    name: "loaded",
                    value: "x",
                    set_at: None,
                },
            ],
            &utc,
        );
        assert_eq!(
            text,
            "zed value-with-space 2026-11-25 00:57:54\nloaded x \n"
        );
    }
}
