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

/// The host's interface addresses (IPv4 and IPv6), in the kernel's order.
pub fn interface_addresses() -> Vec<IfAddr> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return out;
    }
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        // SAFETY: ifa_addr/ifa_netmask are null or point to sockaddrs of the family
        // in their sa_family field, valid until freeifaddrs.
        let (addr, mask) = unsafe { (sockaddr_ip(ifa.ifa_addr), sockaddr_ip(ifa.ifa_netmask)) };
        let Some(addr) = addr else { continue };
        let prefix = match mask {
            Some(IpAddr::V4(m)) => u32::from(m).count_ones(),
            Some(IpAddr::V6(m)) => u128::from(m).count_ones(),
            None => {
                if addr.is_ipv4() {
                    32
                } else {
                    128
                }
            }
        };
        out.push(IfAddr { addr, prefix });
    }
    // SAFETY: `head` came from a successful getifaddrs and is freed exactly once.
    unsafe { libc::freeifaddrs(head) };
    out
}

/// # Safety
/// `sa` must be null or point to a valid sockaddr whose `sa_family` tells its real type.
unsafe fn sockaddr_ip(sa: *const libc::sockaddr) -> Option<IpAddr> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: non-null and valid per the caller.
    let family = i32::from(unsafe { (*sa).sa_family });
    match family {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let sin = unsafe { &*sa.cast::<libc::sockaddr_in>() };
            Some(IpAddr::from(
                u32::from_be(sin.sin_addr.s_addr).to_be_bytes(),
            ))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let sin6 = unsafe { &*sa.cast::<libc::sockaddr_in6>() };
            Some(IpAddr::from(sin6.sin6_addr.s6_addr))
        }
        _ => None,
    }
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
}
