//! Member addresses: literals as C's `inet_pton` reads them, host names through an
//! injected resolver, and the `inet_ntop` text C substitutes for a resolved name.
//!
//! The parser does no DNS itself. [`LiteralsOnly`] (the default of [`super::parse`])
//! rejects every host name, so `site = localhost` fails there while Debian's boothd
//! accepts it; the daemon and the clients pass a resolver built on `getaddrinfo`
//! (`std::net::ToSocketAddrs` with `(host, 0)` uses the same hints as C: any family,
//! stream sockets; take the first IPv4 or IPv6 result).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a host name gave no address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveError {
    /// The lookup failed (C: `can't find IP for the host "<h>"`).
    NotFound,
    /// The lookup succeeded without IPv4/IPv6 results (C: `no IP addresses found …`).
    NoAddress,
}

/// Turns a host name into the first IPv4 or IPv6 address, in resolver order.
pub trait Resolver {
    /// Resolves `host`.
    ///
    /// # Errors
    /// [`ResolveError`] when there is no usable address.
    fn resolve(&self, host: &str) -> Result<IpAddr, ResolveError>;
}

/// Accepts address literals only: every host name is "not found".
#[derive(Debug, Clone, Copy, Default)]
pub struct LiteralsOnly;

impl Resolver for LiteralsOnly {
    fn resolve(&self, _host: &str) -> Result<IpAddr, ResolveError> {
        Err(ResolveError::NotFound)
    }
}

/// Any `Fn(&str) -> Option<IpAddr>` is a resolver (`None` = not found).
impl<F: Fn(&str) -> Option<IpAddr>> Resolver for F {
    fn resolve(&self, host: &str) -> Result<IpAddr, ResolveError> {
        self(host).ok_or(ResolveError::NotFound)
    }
}

/// `inet_pton(AF_INET)`, then `inet_pton(AF_INET6)`: strict literals only (no
/// shorthand like `127.1`, no leading zeros in IPv4 parts, no zone ids).
pub(crate) fn parse_literal(text: &str) -> Option<IpAddr> {
    if let Ok(v4) = text.parse::<Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    text.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// glibc `inet_ntop` text: IPv4 dotted quad; IPv6 lower-case hex, the longest run
/// (first on ties) of two or more zero groups as `::`, and `::a.b.c.d` /
/// `::ffff:a.b.c.d` for IPv4-compatible and -mapped addresses.
pub(crate) fn c_ntop(addr: &IpAddr) -> String {
    let v6 = match addr {
        IpAddr::V4(v4) => return v4.to_string(),
        IpAddr::V6(v6) => v6,
    };
    let words = v6.segments();
    let (mut best_base, mut best_len) = (None::<usize>, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            let len = i - start;
            if len >= 2 && len > best_len {
                best_base = Some(start);
                best_len = len;
            }
        } else {
            i += 1;
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if best_base == Some(i) {
            out.push(':');
            i += best_len;
            if i == 8 {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        let embedded_v4 = i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff));
        if embedded_v4 {
            let o = v6.octets();
            let _ = write!(out, "{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
            break;
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ntop(s: &str) -> String {
        c_ntop(&s.parse().unwrap())
    }

    #[test]
    fn ntop_like_glibc() {
        assert_eq!(ntop("::"), "::");
        assert_eq!(ntop("::1"), "::1");
        assert_eq!(ntop("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(ntop("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(ntop("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(ntop("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
        assert_eq!(ntop("fe80::"), "fe80::");
        assert_eq!(ntop("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn literals_like_inet_pton() {
        assert!(parse_literal("127.0.0.1").is_some());
        assert!(parse_literal("::FFFF:1.2.3.4").is_some());
        assert!(parse_literal("127.1").is_none());
        assert!(parse_literal("01.2.3.4").is_none());
        assert!(parse_literal("999.1.1.1").is_none());
        assert!(parse_literal("fe80::1%lo").is_none());
        assert!(parse_literal("localhost").is_none());
    }

    /// Literal or not, as Debian's boothd decided (C runs; `0x7f.0.0.1` and `127.1`
    /// are accepted by C through getaddrinfo, i.e. by the resolver, not as literals).
    #[test]
    fn literal_table_from_c_runs() {
        let accepted = [
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "1::2:3:4:5:6:7",
            "0000:0000::1",
            "1:2:3:4:5:6:1.2.3.4",
            "FE80::1",
        ];
        let rejected = [
            "::00001",
            "::1.2.3.04",
            "::ffff:1.2.3",
            "1:2:3:4:5:6:7:8:9",
            ":1::2",
            "1.2.3.4.",
            " 1.2.3.4",
            "1.2.3.256",
        ];
        for a in accepted {
            assert!(parse_literal(a).is_some(), "{a}");
        }
        for r in rejected {
            assert!(parse_literal(r).is_none(), "{r}");
        }
    }
}
