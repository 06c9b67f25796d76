//! One line per message in the format of `lab/pcaptool.py decode`, built from our decoded
//! `Message`, so that a capture's `.txt` can be compared line by line.

use std::collections::HashMap;

use booth::wire::consts::{NO_ONE, OPTS_AUTH};
use booth::wire::{Body, Message};

use super::captures::Captured;
use super::pcap::Proto;

/// pcaptool's `c4`: a code as its four characters, `0`, `NO_ONE` or hex.
pub fn c4(v: u32) -> String {
    if v == 0 {
        return "0".into();
    }
    if v == NO_ONE {
        return "NO_ONE".into();
    }
    let b = v.to_be_bytes();
    if b.iter().all(|&c| (32..127).contains(&c)) {
        b.iter().map(|&c| char::from(c)).collect()
    } else {
        format!("0x{v:08x}")
    }
}

/// Python's `repr()` of a `str`.
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The lab's node names (captures/README.md).
pub fn lab_names() -> HashMap<u32, &'static str> {
    HashMap::from([
        (0x5267_d502, "site1"),
        (0x4c03_40a1, "site2"),
        (0x786d_995d, "arb1"),
    ])
}

/// The text after the time column of a `.txt` line; `hmac` is what follows `hmac=`.
pub fn line(
    c: &Captured,
    m: &Message<'_>,
    names: &HashMap<u32, &str>,
    hmac: Option<&str>,
) -> String {
    let label = |id: u32| {
        names
            .get(&id)
            .map_or_else(|| format!("0x{id:08x}"), |s| (*s).to_string())
    };
    let h = &m.header;
    let mut parts = vec![c4(h.cmd)];
    if h.request != 0 {
        parts.push(format!("req={}", c4(h.request)));
    }
    parts.push(format!("from={}", label(h.from)));
    if h.options != 0 {
        parts.push(format!("opt={}", h.options));
    }
    if h.result != 0 {
        parts.push(format!("res={}", c4(h.result)));
    }
    if h.reason != 0 {
        parts.push(format!("why={}", c4(h.reason)));
    }
    parts.push(format!("len={}", h.length));
    match &m.body {
        Body::Ticket(t) => {
            let name = lossy(t.name.as_bytes());
            parts.push(format!(
                "tkt={} leader={} term={} valid={}",
                if name.is_empty() {
                    "\"\"".to_string()
                } else {
                    name
                },
                if t.leader == NO_ONE {
                    "NO_ONE".to_string()
                } else {
                    label(t.leader)
                },
                t.term,
                t.term_valid_for
            ));
        }
        Body::Attr(a) => parts.push(format!(
            "attr=({}, {}, {})",
            py_repr(&lossy(a.ticket.as_bytes())),
            py_repr(&lossy(a.name.as_bytes())),
            py_repr(&lossy(a.value.as_bytes()))
        )),
        Body::Text(t) if !t.is_empty() => {
            parts.push(format!("data={}", py_repr(&lossy(&t[..t.len().min(60)]))));
        }
        Body::Text(_) | Body::None => {}
    }
    if h.opts & OPTS_AUTH != 0 {
        parts.push(format!("auth t={}.{:06}", h.secs, h.usecs));
        if let Some(r) = hmac {
            parts.push(format!("hmac={r}"));
        }
    }
    if !c.trailing.is_empty() {
        let what = if c.trailing.iter().all(|&b| b == 0) {
            "of zeros".to_string()
        } else {
            c.trailing.iter().map(|b| format!("{b:02x}")).collect()
        };
        parts.push(format!("+{} trailing bytes {what}", c.trailing.len()));
    }
    let proto = match c.proto {
        Proto::Udp => "UDP",
        Proto::Tcp => "TCP",
    };
    format!(
        "{proto} {:<19} > {:<19} {}",
        c.src.to_string(),
        c.dst.to_string(),
        parts.join(" ")
    )
}
