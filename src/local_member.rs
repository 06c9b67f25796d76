//! Which configured member this host is (surface.md §2.5, wire.md §5.2): the host's
//! interface addresses matched against the members. The daemon and `status` accept only
//! an exact address; clients also a member in one of the host's subnets.
//!
//! The C daemon reads addresses over rtnetlink and hangs on Linux ≥ 6.9 whenever an IPv6
//! address exists (booth#139); `getifaddrs` has no such trap.

use std::net::IpAddr;

/// One address of a local interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix_len: u8,
    pub ifname: String,
}

/// Exact only (daemon, status) or also by subnet (clients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    Exact,
    Subnet,
}

/// The chosen member and why, for the one log line that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Index into the members as given (config order).
    pub index: usize,
    pub iface: IfAddr,
    pub exact: bool,
}

impl std::fmt::Display for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.exact {
            write!(
                f,
                "address {} of interface {} is configured",
                self.iface.addr, self.iface.ifname
            )
        } else {
            write!(
                f,
                "member is in the subnet {}/{} of interface {}",
                self.iface.addr, self.iface.prefix_len, self.iface.ifname
            )
        }
    }
}

/// Picks the member this host is. An exact address match always wins; with
/// [`Matching::Subnet`] otherwise the member sharing the longest prefix with an interface
/// address, the last such member in config order on a tie (as C does, surface.md §2.5).
/// IPv6 interfaces are tried first, IPv4 only if IPv6 gave nothing.
pub fn choose(members: &[IpAddr], ifaces: &[IfAddr], matching: Matching) -> Option<Choice> {
    let v6: Vec<&IfAddr> = ifaces.iter().filter(|i| i.addr.is_ipv6()).collect();
    let v4: Vec<&IfAddr> = ifaces.iter().filter(|i| i.addr.is_ipv4()).collect();
    choose_in(members, &v6, matching).or_else(|| choose_in(members, &v4, matching))
}

fn choose_in(members: &[IpAddr], ifaces: &[&IfAddr], matching: Matching) -> Option<Choice> {
    for iface in ifaces {
        if let Some(index) = members.iter().position(|m| same_addr(*m, iface.addr)) {
            return Some(Choice {
                index,
                iface: (*iface).clone(),
                exact: true,
            });
        }
    }
    if matching == Matching::Exact {
        return None;
    }
    let mut best: Option<(u8, Choice)> = None;
    for iface in ifaces {
        for (index, m) in members.iter().enumerate() {
            if !in_subnet(*m, iface.addr, iface.prefix_len) {
                continue;
            }
            // `>=`: among equally long prefixes the later member wins.
            if best.as_ref().map_or(true, |(p, _)| iface.prefix_len >= *p) {
                best = Some((
                    iface.prefix_len,
                    Choice {
                        index,
                        iface: (*iface).clone(),
                        exact: false,
                    },
                ));
            }
        }
    }
    best.map(|(_, c)| c)
}

fn same_addr(a: IpAddr, b: IpAddr) -> bool {
    a == b
}

/// Whether `a` and `b` share their first `prefix` bits (same family only).
fn in_subnet(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            prefix_eq(&a.octets(), &b.octets(), usize::from(prefix.min(32)))
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            prefix_eq(&a.octets(), &b.octets(), usize::from(prefix.min(128)))
        }
        _ => false,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: usize) -> bool {
    let whole = bits / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xFFu8 << (8 - rest);
    (a[whole] & mask) == (b[whole] & mask)
}

/// The host's interface addresses (`getifaddrs`), with their prefix lengths.
pub fn interfaces() -> std::io::Result<Vec<IfAddr>> {
    let mut out = Vec::new();
    for ifa in nix::ifaddrs::getifaddrs()? {
        let Some(addr) = ifa.address.as_ref() else {
            continue;
        };
        let (ip, prefix) = if let Some(v4) = addr.as_sockaddr_in() {
            let mask = ifa
                .netmask
                .as_ref()
                .and_then(|m| m.as_sockaddr_in())
                .map_or(32, |m| u32::from(m.ip()).count_ones());
            (IpAddr::V4(v4.ip()), mask)
        } else if let Some(v6) = addr.as_sockaddr_in6() {
            let mask = ifa
                .netmask
                .as_ref()
                .and_then(|m| m.as_sockaddr_in6())
                .map_or(128, |m| u128::from(m.ip()).count_ones());
            (IpAddr::V6(v6.ip()), mask)
        } else {
            continue;
        };
        out.push(IfAddr {
            addr: ip,
            prefix_len: u8::try_from(prefix).unwrap_or(128),
            ifname: ifa.interface_name.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn iface(s: &str, p: u8) -> IfAddr {
        IfAddr {
            addr: ip(s),
            prefix_len: p,
            ifname: "eth0".into(),
        }
    }

    #[test]
    fn daemon_takes_only_an_exact_address() {
        // surface.md §2.5: daemon and status accept exact matches only.
        let members = [
            ip("192.168.77.11"),
            ip("192.168.77.12"),
            ip("192.168.77.101"),
        ];
        let ifs = [iface("127.0.0.1", 8), iface("192.168.77.12", 24)];
        let c = choose(&members, &ifs, Matching::Exact).expect("found");
        assert_eq!(c.index, 1);
        assert!(c.exact);
        let none = [iface("192.168.77.50", 24)];
        assert_eq!(choose(&members, &none, Matching::Exact), None);
    }

    #[test]
    fn client_subnet_match_prefers_the_last_member_on_a_tie() {
        // surface.md §2.5: lo 127.0.0.1/8 and members .61/.62/.63 -> the arbitrator .63.
        let members = [ip("127.0.0.61"), ip("127.0.0.62"), ip("127.0.0.63")];
        let ifs = [iface("127.0.0.1", 8)];
        let c = choose(&members, &ifs, Matching::Subnet).expect("found");
        assert_eq!(c.index, 2);
        assert!(!c.exact);
    }

    #[test]
    fn exact_beats_subnet_and_longer_prefix_beats_shorter() {
        let members = [ip("10.1.2.3"), ip("10.1.9.9"), ip("10.2.0.1")];
        let ifs = [iface("10.1.0.1", 16), iface("10.0.0.1", 8)];
        let c = choose(&members, &ifs, Matching::Subnet).expect("found");
        assert_eq!(c.index, 1, "/16 beats /8; the later of the /16 members");
        let ifs = [iface("10.0.0.1", 8), iface("10.2.0.1", 32)];
        let c = choose(&members, &ifs, Matching::Subnet).expect("found");
        assert_eq!((c.index, c.exact), (2, true));
    }

    #[test]
    fn ipv6_is_tried_first_and_families_never_mix() {
        let members = [ip("192.168.1.1"), ip("fd00::10")];
        let ifs = [iface("192.168.1.1", 24), iface("fd00::10", 64)];
        assert_eq!(
            choose(&members, &ifs, Matching::Exact).map(|c| c.index),
            Some(1)
        );
        let members = [ip("::ffff:192.168.1.1")];
        let ifs = [iface("192.168.1.1", 24)];
        assert_eq!(choose(&members, &ifs, Matching::Subnet), None);
    }

    #[test]
    fn odd_prefixes() {
        assert!(in_subnet(ip("10.0.0.129"), ip("10.0.0.130"), 25));
        assert!(!in_subnet(ip("10.0.0.1"), ip("10.0.0.130"), 25));
        assert!(in_subnet(ip("1.2.3.4"), ip("9.9.9.9"), 0));
    }

    #[test]
    fn this_host_has_a_loopback_interface() {
        let all = interfaces().expect("getifaddrs");
        assert!(all.iter().any(|i| i.addr.is_loopback()), "{all:?}");
    }
}
