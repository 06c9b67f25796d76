//! The texts of `booth list`, `booth peers` and `geostore list` read back into records:
//! libbooth's side of wire.md §7. These texts are the protocol (there is no binary list),
//! so this is the inverse of [`crate::output`], and the tests check that it is.
#![forbid(unsafe_code)]

use std::fmt;

/// Who holds a ticket, as `booth list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leader {
    /// `NONE`: no leader recorded at all.
    Unknown,
    /// `none`: explicitly revoked or released.
    NoOne,
    /// A member's address text.
    Member(String),
}

/// One ticket of `booth list` (wire.md §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedTicket {
    pub name: String,
    pub leader: Leader,
    /// The expiry text (`YYYY-MM-DD HH:MM:SS` in the daemon's zone, or `INF`); only with
    /// a member as leader.
    pub expires: Option<String>,
    /// End of the CIB commit delay, shown on the leader while it runs.
    pub commit_pending_until: Option<String>,
    pub manual: bool,
    /// The sites of a `WARNING: The ticket ... is granted to multiple sites` line.
    pub granted_to: Vec<String>,
}

/// One member of `booth peers` (wire.md §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedPeer {
    pub arbitrator: bool,
    pub addr: String,
    /// `YYYY-MM-DD HH:MM:SS`; the epoch in the daemon's zone when never.
    pub last_recv: String,
    pub sent: u32,
    pub sent_errors: u32,
    pub resends: u32,
    pub received: u32,
    pub recv_errors: u32,
    pub authfail: u32,
    pub invalid: u32,
}

/// One attribute of `geostore list` (wire.md §7.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedAttr {
    pub name: String,
    pub value: String,
    /// Time of the last set; `None` for attributes loaded from the CIB.
    pub set_at: Option<String>,
}

/// A line the reader does not understand (1-based line number and the line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub text: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected reply text in line {}: {:?}",
            self.line, self.text
        )
    }
}

impl std::error::Error for ParseError {}

/// Length of `%F %T`.
const TIME_LEN: usize = 19;

fn err(line: usize, text: &str) -> ParseError {
    ParseError {
        line: line + 1,
        text: text.to_string(),
    }
}

/// `YYYY-MM-DD HH:MM:SS` → [year, month, day, hour, minute, second].
pub fn parse_time(s: &str) -> Option<[i32; 6]> {
    let b = s.as_bytes();
    if b.len() != TIME_LEN {
        return None;
    }
    let seps = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    Some([
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    ])
}

fn is_time(s: &str) -> bool {
    parse_time(s).is_some()
}

/// Reads a `booth list` text.
///
/// # Errors
/// The first line that is not as wire.md §7.1 describes.
pub fn parse_list(text: &str) -> Result<Vec<ListedTicket>, ParseError> {
    let mut out: Vec<ListedTicket> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(w) = line.strip_prefix("WARNING: The ticket ") {
            let (name, sites) = w
                .strip_suffix(". Revoke the ticket from the faulty sites.")
                .and_then(|w| w.split_once(" is granted to multiple sites: "))
                .ok_or_else(|| err(i, line))?;
            let t = out
                .iter_mut()
                .find(|t| t.name == name)
                .ok_or_else(|| err(i, line))?;
            t.granted_to = sites.split(", ").map(str::to_string).collect();
            continue;
        }
        out.push(parse_ticket_line(line).ok_or_else(|| err(i, line))?);
    }
    Ok(out)
}

fn parse_ticket_line(line: &str) -> Option<ListedTicket> {
    let rest = line.strip_prefix("ticket: ")?;
    let (name, mut rest) = rest.split_once(", leader: ")?;
    let manual = match rest.strip_suffix(" [manual mode]") {
        Some(r) => {
            rest = r;
            true
        }
        None => false,
    };
    let (leader_text, tail) = match rest.split_once(", expires: ") {
        Some((l, t)) => (l, Some(t)),
        None => (rest, None),
    };
    let leader = match leader_text {
        "NONE" => Leader::Unknown,
        "none" => Leader::NoOne,
        a if !a.is_empty() && !a.contains([' ', ',']) => Leader::Member(a.to_string()),
        _ => return None,
    };
    let (mut expires, mut pending) = (None, None);
    if let Some(tail) = tail {
        if !matches!(leader, Leader::Member(_)) {
            return None;
        }
        let (e, p) = match tail.split_once(" (commit pending until ") {
            Some((e, p)) => (e, Some(p.strip_suffix(')')?)),
            None => (tail, None),
        };
        if e != "INF" && !is_time(e) {
            return None;
        }
        if p.is_some_and(|p| !is_time(p)) {
            return None;
        }
        expires = Some(e.to_string());
        pending = p.map(str::to_string);
    }
    if name.is_empty() || name.contains([' ', ',']) {
        return None;
    }
    Some(ListedTicket {
        name: name.to_string(),
        leader,
        expires,
        commit_pending_until: pending,
        manual,
        granted_to: Vec::new(),
    })
}

/// Reads a `booth peers` text.
///
/// # Errors
/// The first line that is not as wire.md §7.2 describes.
pub fn parse_peers(text: &str) -> Result<Vec<ListedPeer>, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let (kind, rest) = lines[i].split_once(' ').ok_or_else(|| err(i, lines[i]))?;
        let arbitrator = match kind {
            "site" => false,
            "arbitrator" => true,
            _ => return Err(err(i, lines[i])),
        };
        let (addr, last_recv) = rest
            .trim_start_matches(' ')
            .split_once(", last recv: ")
            .filter(|(a, t)| !a.is_empty() && is_time(t))
            .ok_or_else(|| err(i, lines[i]))?;
        let sent_line = lines.get(i + 1).copied().unwrap_or("");
        let sent = counters(sent_line, "\tSent pkts:", &["error:", "resends:"])
            .ok_or_else(|| err(i + 1, sent_line))?;
        let recv_line = lines.get(i + 2).copied().unwrap_or("");
        let recv = counters(
            recv_line,
            "\tRecv pkts:",
            &["error:", "authfail:", "invalid:"],
        )
        .ok_or_else(|| err(i + 2, recv_line))?;
        out.push(ListedPeer {
            arbitrator,
            addr: addr.to_string(),
            last_recv: last_recv.to_string(),
            sent: sent[0],
            sent_errors: sent[1],
            resends: sent[2],
            received: recv[0],
            recv_errors: recv[1],
            authfail: recv[2],
            invalid: recv[3],
        });
        i += 3;
    }
    Ok(out)
}

/// `<first>N label:N label:N ...` → the numbers.
fn counters(line: &str, first: &str, labels: &[&str]) -> Option<Vec<u32>> {
    let mut words = line.strip_prefix(first)?.split(' ');
    let mut out = vec![words.next()?.parse().ok()?];
    for l in labels {
        out.push(words.next()?.strip_prefix(l)?.parse().ok()?);
    }
    words.next().is_none().then_some(out)
}

/// Reads a `geostore list` text. A name is everything before the first space, so a
/// name that contains a space is read wrongly (the text cannot tell).
///
/// # Errors
/// The first line that is not as wire.md §7.3 describes.
pub fn parse_attrs(text: &str) -> Result<Vec<ListedAttr>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (rest, set_at) = if let Some(r) = line.strip_suffix(' ') {
            (r, None)
        } else {
            let cut = line
                .len()
                .checked_sub(TIME_LEN + 1)
                .ok_or_else(|| err(i, line))?;
            let (r, t) = (line.get(..cut), line.get(cut..));
            match (r, t.and_then(|t| t.strip_prefix(' '))) {
                (Some(r), Some(t)) if is_time(t) => (r, Some(t.to_string())),
                _ => return Err(err(i, line)),
            }
        };
        let (name, value) = rest.split_once(' ').ok_or_else(|| err(i, line))?;
        out.push(ListedAttr {
            name: name.to_string(),
            value: value.to_string(),
            set_at,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::localtime::Tm;
    use crate::output::{self, AttrView, LeaderView, PeerStats, PeerView, TicketView};

    fn utc(e: i64) -> Tm {
        Tm::utc(e)
    }

    #[test]
    fn list_examples_of_wire_md_7_1() {
        let text = "ticket: ticketA, leader: NONE\nticket: ticketB, leader: 127.45.0.2, \
                    expires: 2026-11-25 01:06:45 (commit pending until 2026-11-25 01:06:43)\n";
        let l = parse_list(text).expect("parses");
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].leader, Leader::Unknown);
        assert_eq!(l[0].expires, None);
        assert_eq!(l[1].leader, Leader::Member("127.45.0.2".into()));
        assert_eq!(l[1].expires.as_deref(), Some("2026-11-25 01:06:45"));
        assert_eq!(
            l[1].commit_pending_until.as_deref(),
            Some("2026-11-25 01:06:43")
        );
        let l = parse_list("ticket: ticketA, leader: none\n").expect("parses");
        assert_eq!(l[0].leader, Leader::NoOne);
    }

    /// Whatever `output::list` writes, `parse_list` reads back.
    #[test]
    fn list_round_trip() {
        let claimed = ["10.0.0.1", "10.0.0.2"];
        let views = [
            TicketView {
                name: "a",
                leader: LeaderView::Unknown,
                expires: None,
                commit_pending_until: None,
                manual: false,
                claimed_by: &[],
            },
            TicketView {
                name: "b/x-1",
                leader: LeaderView::Member("10.0.0.1"),
                expires: None,
                commit_pending_until: None,
                manual: true,
                claimed_by: &claimed,
            },
            TicketView {
                name: "c",
                leader: LeaderView::Member("fd00::1"),
                expires: Some(1_800_000_000),
                commit_pending_until: Some(1_799_999_990),
                manual: false,
                claimed_by: &[],
            },
            TicketView {
                name: "d",
                leader: LeaderView::NoOne,
                expires: None,
                commit_pending_until: None,
                manual: true,
                claimed_by: &[],
            },
        ];
        let l = parse_list(&output::list(&views, &utc)).expect("parses");
        assert_eq!(l.len(), 4);
        assert_eq!(l[1].expires.as_deref(), Some("INF"));
        assert!(l[1].manual);
        assert_eq!(l[1].granted_to, ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(l[2].expires.as_deref(), Some("2027-01-15 08:00:00"));
        assert_eq!(
            l[2].commit_pending_until.as_deref(),
            Some("2027-01-15 07:59:50")
        );
        assert_eq!(l[3].leader, Leader::NoOne);
        assert!(l[3].manual && l[3].expires.is_none());
    }

    #[test]
    fn peers_round_trip() {
        let views = [
            PeerView {
                arbitrator: true,
                addr: "127.45.0.1",
                last_recv: Some(1_800_000_000),
                stats: PeerStats {
                    sent: 4,
                    sent_errors: 1,
                    resends: 2,
                    received: 3,
                    recv_errors: 5,
                    authfail: 6,
                    invalid: 4_000_000_000,
                },
            },
            PeerView {
                arbitrator: false,
                addr: "127.45.0.3",
                last_recv: None,
                stats: PeerStats::default(),
            },
        ];
        let p = parse_peers(&output::peers(&views, &utc)).expect("parses");
        assert_eq!(p.len(), 2);
        assert!(p[0].arbitrator);
        assert_eq!(p[0].addr, "127.45.0.1");
        assert_eq!(p[0].last_recv, "2027-01-15 08:00:00");
        assert_eq!((p[0].sent, p[0].sent_errors, p[0].resends), (4, 1, 2));
        assert_eq!(
            (p[0].received, p[0].recv_errors, p[0].authfail, p[0].invalid),
            (3, 5, 6, 4_000_000_000)
        );
        assert!(!p[1].arbitrator);
        assert_eq!(p[1].last_recv, "1970-01-01 00:00:00");
    }

    #[test]
    fn attrs_round_trip_and_cib_loaded_trailing_space() {
        let views = [
            AttrView {
                name: "zed",
                value: "value with space",
                set_at: Some(1_800_000_000),
            },
            AttrView {
                name: "foo",
                value: "bar1",
                set_at: None,
            },
        ];
        let a = parse_attrs(&output::attr_list(&views, &utc)).expect("parses");
        assert_eq!(a[0].name, "zed");
        assert_eq!(a[0].value, "value with space");
        assert_eq!(a[0].set_at.as_deref(), Some("2027-01-15 08:00:00"));
        assert_eq!((a[1].name.as_str(), a[1].value.as_str()), ("foo", "bar1"));
        assert_eq!(a[1].set_at, None);
        assert_eq!(parse_attrs("").expect("empty"), []);
    }

    #[test]
    fn garbage_is_an_error_with_its_line() {
        let e = parse_list("ticket: a, leader: NONE\nhello\n").expect_err("garbage");
        assert_eq!(e.line, 2);
        assert!(parse_list("ticket: a, leader: 1.2.3.4, expires: soon\n").is_err());
        assert!(parse_peers("site 1.2.3.4, last recv: x\n").is_err());
        assert!(parse_peers(
            "site         1.2.3.4, last recv: 1970-01-01 00:00:00\n\tSent pkts:1\n"
        )
        .is_err());
        assert!(parse_attrs("novalue\n").is_err());
        assert_eq!(
            parse_time("2026-11-25 01:06:45"),
            Some([2026, 11, 25, 1, 6, 45])
        );
        assert_eq!(parse_time("2026-11-25T01:06:45"), None);
    }
}
