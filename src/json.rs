//! Machine-readable forms of `booth list`, `booth peers` and `booth status` (for a future
//! `--json` flag): the C-compatible text, which every daemon (C or ours) sends and the
//! status mode prints, parsed and rendered as JSON. The default text output stays
//! untouched; this module only reads it. Pure, no dependencies.
#![forbid(unsafe_code)]

use std::fmt::Write as _;

use crate::listing::{self, Leader};

/// A JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), string)
}

/// `booth list` as JSON: `{"tickets":[…],"warnings":[…]}`.
pub fn list(text: &str) -> Result<String, String> {
    let tickets = listing::parse_list(text).map_err(|e| e.to_string())?;
    let mut out = String::from("{\"tickets\":[");
    for (i, t) in tickets.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (leader, status) = match &t.leader {
            Leader::Member(a) => (Some(a.as_str()), "member"),
            Leader::Unknown => (None, "unknown"),
            Leader::NoOne => (None, "none"),
        };
        let _ = write!(
            out,
            "{{\"name\":{},\"leader\":{},\"leader_status\":{},\"expires\":{},\"commit_pending_until\":{},\"manual\":{}}}",
            string(&t.name),
            opt(leader),
            string(status),
            opt(t.expires.as_deref()),
            opt(t.commit_pending_until.as_deref()),
            t.manual
        );
    }
    out.push_str("],\"warnings\":[");
    let w: Vec<String> = tickets
        .iter()
        .filter(|t| t.granted_to.len() > 1)
        .map(|t| {
            string(&format!(
                "The ticket {} is granted to multiple sites: {}. Revoke the ticket from the faulty sites.",
                t.name,
                t.granted_to.join(", ")
            ))
        })
        .collect();
    out.push_str(&w.join(","));
    out.push_str("]}\n");
    Ok(out)
}

/// `booth peers` as JSON: `{"peers":[{type, address, last_recv, counters…}]}`.
/// `last_recv` is `null` for a peer never heard from (C prints the epoch).
pub fn peers(text: &str) -> Result<String, String> {
    let peers = listing::parse_peers(text).map_err(|e| e.to_string())?;
    let mut out = String::from("{\"peers\":[");
    for (i, p) in peers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Never heard: the epoch in the daemon's zone, i.e. 1969-12-31 or 1970-01-01.
        let last = (!p.last_recv.starts_with("1970-01-01")
            && !p.last_recv.starts_with("1969-12-31"))
        .then_some(p.last_recv.as_str());
        let _ = write!(
            out,
            "{{\"type\":{},\"address\":{},\"last_recv\":{},\"sent\":{},\"sent_errors\":{},\"resends\":{},\"received\":{},\"recv_errors\":{},\"authfail\":{},\"invalid\":{}}}",
            string(if p.arbitrator { "arbitrator" } else { "site" }),
            string(&p.addr),
            opt(last),
            p.sent,
            p.sent_errors,
            p.resends,
            p.received,
            p.recv_errors,
            p.authfail,
            p.invalid
        );
    }
    out.push_str("]}\n");
    Ok(out)
}

/// `booth status` as JSON: the exit code's meaning plus every `key=value` of the output
/// line (`key='value'` unquoted), numbers as numbers.
pub fn status(stdout: &str, exit_code: i32) -> String {
    let state = match exit_code {
        0 => "running",
        7 => "not running",
        _ => "error",
    };
    let mut out = format!("{{\"status\":{},\"exit_code\":{exit_code}", string(state));
    for token in split_assignments(stdout.trim_end()) {
        let Some((k, v)) = token.split_once('=') else {
            continue;
        };
        let value = if let Some(q) = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
            string(q)
        } else if !v.is_empty() && v.parse::<i64>().is_ok() {
            v.to_string()
        } else {
            string(v)
        };
        let _ = write!(out, ",{}:{value}", string(k));
    }
    out.push_str("}\n");
    out
}

/// Splits at spaces outside single quotes.
fn split_assignments(s: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                cur.push(c);
            }
            ' ' if !quoted => {
                if !cur.is_empty() {
                    v.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        v.push(cur);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_lines_of_every_shape() {
        // surface.md §2.6: leader, NONE, none, expiry, commit pending, manual, warning.
        let text = "ticket: tA, leader: 10.0.0.1, expires: 2026-11-25 00:57:27\n\
ticket: tB, leader: NONE\n\
ticket: tC, leader: none\n\
ticket: tD, leader: 10.0.0.2, expires: 2026-11-25 01:00:00 (commit pending until 2026-11-25 00:58:00)\n\
ticket: tM, leader: 10.0.0.1, expires: INF [manual mode]\n\
\n\
WARNING: The ticket tM is granted to multiple sites: 10.0.0.1, 10.0.0.2. Revoke the ticket from the faulty sites.\n";
        assert_eq!(
            list(text).expect("parses"),
            "{\"tickets\":[\
{\"name\":\"tA\",\"leader\":\"10.0.0.1\",\"leader_status\":\"member\",\"expires\":\"2026-11-25 00:57:27\",\"commit_pending_until\":null,\"manual\":false},\
{\"name\":\"tB\",\"leader\":null,\"leader_status\":\"unknown\",\"expires\":null,\"commit_pending_until\":null,\"manual\":false},\
{\"name\":\"tC\",\"leader\":null,\"leader_status\":\"none\",\"expires\":null,\"commit_pending_until\":null,\"manual\":false},\
{\"name\":\"tD\",\"leader\":\"10.0.0.2\",\"leader_status\":\"member\",\"expires\":\"2026-11-25 01:00:00\",\"commit_pending_until\":\"2026-11-25 00:58:00\",\"manual\":false},\
{\"name\":\"tM\",\"leader\":\"10.0.0.1\",\"leader_status\":\"member\",\"expires\":\"INF\",\"commit_pending_until\":null,\"manual\":true}],\
\"warnings\":[\"The ticket tM is granted to multiple sites: 10.0.0.1, 10.0.0.2. Revoke the ticket from the faulty sites.\"]}\n"
        );
        assert_eq!(
            list("").expect("empty"),
            "{\"tickets\":[],\"warnings\":[]}\n"
        );
        assert!(list("garbage\n").is_err());
    }

    #[test]
    fn peers_from_the_text_of_output_peers() {
        // wire.md §7.2 layout, as crate::output::peers writes it.
        let views = [
            crate::output::PeerView {
                arbitrator: false,
                addr: "10.0.0.2",
                last_recv: Some(1_795_568_274),
                stats: crate::output::PeerStats {
                    sent: 5,
                    sent_errors: 1,
                    resends: 2,
                    received: 7,
                    recv_errors: 0,
                    authfail: 3,
                    invalid: 4,
                },
            },
            crate::output::PeerView {
                arbitrator: true,
                addr: "10.0.0.3",
                last_recv: None,
                stats: crate::output::PeerStats::default(),
            },
        ];
        let text = crate::output::peers(&views, &crate::localtime::Tm::utc);
        assert_eq!(
            peers(&text).expect("parses"),
            "{\"peers\":[\
{\"type\":\"site\",\"address\":\"10.0.0.2\",\"last_recv\":\"2026-11-25 00:57:54\",\"sent\":5,\"sent_errors\":1,\"resends\":2,\"received\":7,\"recv_errors\":0,\"authfail\":3,\"invalid\":4},\
{\"type\":\"arbitrator\",\"address\":\"10.0.0.3\",\"last_recv\":null,\"sent\":0,\"sent_errors\":0,\"resends\":0,\"received\":0,\"recv_errors\":0,\"authfail\":0,\"invalid\":0}]}\n"
        );
        assert!(peers("site 10.0.0.2, last recv: x\n").is_err());
    }

    #[test]
    fn status_line_and_exit_codes() {
        // surface.md §2.8 observed example.
        let line = "booth_lockpid=14271 booth_lockfile='/var/run/booth//booth.pid' booth_pid=14271 booth_state=started booth_type=site booth_cfg_name='booth' booth_id=1248863175 booth_addr_string='127.0.0.61' booth_port=29929\n";
        assert_eq!(
            status(line, 0),
            "{\"status\":\"running\",\"exit_code\":0,\"booth_lockpid\":14271,\"booth_lockfile\":\"/var/run/booth//booth.pid\",\"booth_pid\":14271,\"booth_state\":\"started\",\"booth_type\":\"site\",\"booth_cfg_name\":\"booth\",\"booth_id\":1248863175,\"booth_addr_string\":\"127.0.0.61\",\"booth_port\":29929}\n"
        );
        assert_eq!(
            status("", 7),
            "{\"status\":\"not running\",\"exit_code\":7}\n"
        );
        assert_eq!(
            status("booth_lockpid=9 ", 1),
            "{\"status\":\"error\",\"exit_code\":1,\"booth_lockpid\":9}\n"
        );
        assert_eq!(string("a\"b\\\u{1}"), "\"a\\\"b\\\\\\u0001\"");
    }
}
