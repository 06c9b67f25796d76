//! Site ids against every vector of wire.md §9.1 and the captures README.

use booth::site_id::{site_id, site_id_signed};
use std::net::IpAddr;

/// (address, crc32 before masking, site id, site id in decimal) — wire.md §9.1.
const WIRE_9_1: &[(&str, u32, u32, i64)] = &[
    ("192.168.1.1", 0xEE7E3C15, 0x6E7E3C15, 1853766677),
    ("192.168.1.2", 0x77776DAF, 0x77776DAF, 2004315567),
    ("255.255.255.255", 0xFFFFFFFF, 0x7FFFFFFF, 2147483647),
    ("127.0.0.1", 0x651F5F40, 0x651F5F40, 1696554816),
    ("127.0.0.2", 0xFC160EFA, 0x7C160EFA, 2081820410),
    ("127.0.0.3", 0x8B113E6C, 0x0B113E6C, 185679468),
    ("127.45.0.1", 0x558A8AF3, 0x558A8AF3, 1435142899),
    ("127.45.0.2", 0xCC83DB49, 0x4C83DB49, 1283709769),
    ("127.45.0.3", 0xBB84EBDF, 0x3B84EBDF, 998566879),
    ("192.168.201.100", 0xD085F484, 0x5085F484, 1350956164),
    ("192.168.202.100", 0xFBA8A747, 0x7BA8A747, 2074650439),
    ("192.168.203.100", 0xE2B39606, 0x62B39606, 1655936518),
    ("10.0.0.1", 0x39FE0FEE, 0x39FE0FEE, 972951534),
    ("10.121.8.183", 0x8805C080, 0x0805C080, 134594688),
    ("192.0.2.2", 0x8B3132B4, 0x0B3132B4, 187773620),
    ("0.0.0.0", 0x2144DF1C, 0x2144DF1C, 558161692),
    ("::1", 0x9BBC7BC3, 0x1BBC7BC3, 465337283),
    ("fd00::2", 0x886436CD, 0x086436CD, 140785357),
    ("2001:db8::1", 0x7F92B058, 0x7F92B058, 2140319832),
    ("fd00::10", 0x7BDD4785, 0x7BDD4785, 2078099333),
    ("fd00::11", 0x0CDA7713, 0x0CDA7713, 215643923),
    ("::ffff:192.168.202.100", 0x18F75F4E, 0x18F75F4E, 418864974),
];

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test vector is a literal")
}

#[test]
fn every_wire_9_1_vector() {
    for &(addr, crc, id, dec) in WIRE_9_1 {
        let a = ip(addr);
        let raw = match a {
            IpAddr::V4(v) => crc32fast::hash(&v.octets()),
            IpAddr::V6(v) => crc32fast::hash(&v.octets()),
        };
        assert_eq!(raw, crc, "crc32 of {addr}");
        assert_eq!(site_id(&a), id, "site id of {addr}");
        assert_eq!(
            i64::from(site_id_signed(site_id(&a))),
            dec,
            "decimal id of {addr}"
        );
    }
}

/// wire.md §9.1: the IPv4-mapped text is an IPv6 member, with a different id.
#[test]
fn mapped_ipv6_is_not_the_ipv4_member() {
    assert_ne!(
        site_id(&ip("::ffff:192.168.202.100")),
        site_id(&ip("192.168.202.100"))
    );
}

/// wire.md §3.1 step 5: two IPv4 addresses collide only through the cleared top bit,
/// partner = address XOR d3.8f.35.5b.
#[test]
fn ipv4_collision_partner() {
    assert_eq!(site_id(&ip("192.168.1.1")), site_id(&ip("19.39.52.90")));
    assert_eq!(site_id(&ip("19.39.52.90")), 0x6E7E3C15);
}

/// tests/vectors/captures/README.md, "Nodes".
#[test]
fn captures_nodes() {
    assert_eq!(site_id(&ip("192.168.77.11")), 0x5267d502);
    assert_eq!(site_id(&ip("192.168.77.12")), 0x4c0340a1);
    assert_eq!(site_id(&ip("192.168.77.101")), 0x786d995d);
    assert_eq!(site_id_signed(0x786d995d), 2020448605);
}
