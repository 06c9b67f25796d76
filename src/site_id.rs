//! Site ids: CRC-32 of a member's raw address bytes, top bit cleared (wire.md §3).
//!
//! Every member (site or arbitrator) is known on the wire by this 31-bit id: the zlib
//! CRC-32 (IEEE, reflected, initial value 0 in zlib terms) of the address in network
//! byte order, 4 bytes for IPv4 and 16 bytes for IPv6, with bit 31 cleared so that an id
//! is never `0xFFFFFFFF` (NO_ONE) and never negative as a signed integer. No port, no
//! text, no seed. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is an IPv6 member and
//! hashes its 16 bytes (wire.md §9.1).
#![forbid(unsafe_code)]

use std::net::IpAddr;

/// The bit cleared in every site id (wire.md §3.1 step 4).
pub const SITE_ID_TOP_BIT: u32 = 0x8000_0000;

/// Site id of a member address (wire.md §3.1).
#[must_use]
pub fn site_id(addr: &IpAddr) -> u32 {
    let crc = match addr {
        IpAddr::V4(a) => crc32fast::hash(&a.octets()),
        IpAddr::V6(a) => crc32fast::hash(&a.octets()),
    };
    crc & !SITE_ID_TOP_BIT
}

/// The id as the C daemon prints it in the lock file (`booth_id=%d`) and writes to the
/// CIB `owner` attribute: signed decimal. Ids never have the top bit set, so this is
/// the same number as the unsigned value.
#[must_use]
pub fn site_id_signed(id: u32) -> i32 {
    i32::from_be_bytes(id.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_based_ids_clear_the_top_bit() {
        let a: IpAddr = "255.255.255.255".parse().unwrap();
        assert_eq!(site_id(&a), 0x7FFF_FFFF);
        assert_eq!(site_id_signed(0x7FFF_FFFF), i32::MAX);
    }
}
