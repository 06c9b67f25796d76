//! Which configured member this host is (surface.md §2.5, wire.md §5.2): the host's
//! interface addresses against the members, exact match or (clients) longest prefix, the
//! last equally good member winning, IPv6 pass first, IPv4 only if it found nothing.

use std::net::IpAddr;

/// One interface address as the kernel lists it: the local address and its prefix length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix: u32,
}

fn octets(a: &IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

/// Index of the local member among `members` (their addresses, in config order), or
/// `None`. `fuzzy`: clients accept a subnet match; daemon and status do not.
pub fn find_local(members: &[IpAddr], ifaddrs: &[IfAddr], fuzzy: bool) -> Option<usize> {
    find_local_traced(members, ifaddrs, fuzzy).0
}

/// What C logs at debug level while searching: after each examined interface address
/// while a member is chosen, `found myself at <m> (<bits> bits matched)` (`Some(bits)`)
/// or `found myself at <m> (exact match)` (`None`, exact-only pass).
pub type Trace = Vec<(usize, Option<u32>)>;

/// [`find_local`] plus C's debug trace.
pub fn find_local_traced(
    members: &[IpAddr],
    ifaddrs: &[IfAddr],
    fuzzy: bool,
) -> (Option<usize>, Trace) {
    let mut trace = Vec::new();
    let v6 = find_in_family(members, ifaddrs, fuzzy, true, &mut trace);
    if v6.is_some() {
        return (v6, trace);
    }
    (
        find_in_family(members, ifaddrs, fuzzy, false, &mut trace),
        trace,
    )
}

fn find_in_family(
    members: &[IpAddr],
    ifaddrs: &[IfAddr],
    fuzzy: bool,
    v6: bool,
    trace: &mut Trace,
) -> Option<usize> {
    let mut me = None;
    let mut best: u32 = 0;
    for ifa in ifaddrs.iter().filter(|i| i.addr.is_ipv6() == v6) {
        if ifa.prefix > best {
            match_entry(members, ifa, fuzzy, &mut me, &mut best);
            if let Some(m) = me {
                trace.push((m, Some(best)));
            }
        } else if ifa.prefix == best {
            match_entry(members, ifa, false, &mut me, &mut best);
            if let Some(m) = me {
                trace.push((m, None));
            }
        }
    }
    me
}

/// One interface address against all members (C's `find_address`).
fn match_entry(
    members: &[IpAddr],
    ifa: &IfAddr,
    fuzzy: bool,
    me: &mut Option<usize>,
    best: &mut u32,
) {
    let ip = octets(&ifa.addr);
    let whole = usize::try_from(ifa.prefix / 8).unwrap_or(usize::MAX);
    let bits_left = ifa.prefix % 8;
    // Top `bits_left` bits of the next byte.
    let mask: u8 = if bits_left == 0 {
        0
    } else {
        0xFFu8 << (8 - bits_left)
    };
    for (i, m) in members.iter().enumerate() {
        if m.is_ipv6() != ifa.addr.is_ipv6() {
            continue;
        }
        let n = octets(m);
        let matched = ip.iter().zip(&n).take_while(|(a, b)| a == b).count();
        if matched == n.len() {
            *best = u32::try_from(matched * 8).unwrap_or(u32::MAX);
            *me = Some(i);
            return;
        }
        if !fuzzy || matched < whole {
            continue;
        }
        if u32::try_from(matched * 8).unwrap_or(u32::MAX) < *best {
            continue;
        }
        let (Some(nb), Some(ib)) = (n.get(whole), ip.get(whole)) else {
            continue;
        };
        if (nb ^ ib) & mask == 0 {
            // At least `prefix` bits match; a later member overwrites (last one wins).
            *best = ifa.prefix;
            *me = Some(i);
        }
    }
}

/// The host's interface addresses (IPv4 and IPv6), in the kernel's order (`getifaddrs`,
/// which cannot hang the way the Debian daemon's netlink loop does on Linux >= 6.9 with
/// IPv6, booth#139).
pub fn interface_addresses() -> Vec<IfAddr> {
    let Ok(list) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ifa in list {
        let Some(addr) = ifa.address.as_ref() else {
            continue;
        };
        let mask = ifa.netmask.as_ref();
        let (addr, prefix) = if let Some(v4) = addr.as_sockaddr_in() {
            let bits = mask
                .and_then(|m| m.as_sockaddr_in())
                .map_or(32, |m| u32::from(m.ip()).count_ones());
            (IpAddr::V4(v4.ip()), bits)
        } else if let Some(v6) = addr.as_sockaddr_in6() {
            let bits = mask
                .and_then(|m| m.as_sockaddr_in6())
                .map_or(128, |m| u128::from(m.ip()).count_ones());
            (IpAddr::V6(v6.ip()), bits)
        } else {
            continue;
        };
        out.push(IfAddr { addr, prefix });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }
    fn ifa(s: &str, prefix: u32) -> IfAddr {
        IfAddr {
            addr: ip(s),
            prefix,
        }
    }

    /// surface.md §2.5: lo 127.0.0.1/8, members .61/.62/.63: the last one wins.
    #[test]
    fn last_equal_subnet_match_wins() {
        let m = [ip("127.0.0.61"), ip("127.0.0.62"), ip("127.0.0.63")];
        assert_eq!(find_local(&m, &[ifa("127.0.0.1", 8)], true), Some(2));
        assert_eq!(find_local(&m, &[ifa("127.0.0.1", 8)], false), None);
    }

    #[test]
    fn exact_match_beats_subnet() {
        let m = [ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")];
        let ifs = [ifa("127.0.0.1", 8), ifa("10.0.0.2", 24)];
        assert_eq!(find_local(&m, &ifs, true), Some(1));
        assert_eq!(find_local(&m, &ifs, false), Some(1));
        // Fuzzy: 127.0.0.1/8 against 127.0.0.5, .6 and 10.99.0.3 (surface.md §8.12).
        let m = [ip("127.0.0.5"), ip("127.0.0.6"), ip("10.99.0.3")];
        assert_eq!(find_local(&m, &[ifa("127.0.0.1", 8)], true), Some(1));
    }

    #[test]
    fn longer_prefix_wins_and_partial_bits() {
        let m = [ip("10.1.0.9"), ip("10.1.2.9")];
        let ifs = [ifa("10.1.2.1", 16), ifa("10.1.2.1", 24)];
        assert_eq!(find_local(&m, &ifs, true), Some(1));
        // /20: 10.1.16.0/20 contains 10.1.17.x but not 10.1.32.x.
        let m = [ip("10.1.17.5"), ip("10.1.32.5")];
        assert_eq!(find_local(&m, &[ifa("10.1.16.1", 20)], true), Some(0));
        assert_eq!(find_local(&m, &[ifa("10.2.0.1", 16)], true), None);
    }

    #[test]
    fn ipv6_pass_first() {
        let m = [ip("10.0.0.1"), ip("fd00::1")];
        let ifs = [ifa("10.0.0.1", 24), ifa("fd00::1", 64)];
        assert_eq!(find_local(&m, &ifs, false), Some(1));
    }

    #[test]
    fn this_host_has_a_loopback_interface() {
        let all = interface_addresses();
        assert!(all.iter().any(|i| i.addr.is_loopback()), "{all:?}");
    }
}
