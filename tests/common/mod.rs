//! Shared test helpers: pcap reading, booth message extraction, hex dumps.
#![allow(dead_code)]

pub mod captures;
pub mod describe;
pub mod hexdump;
pub mod pcap;

use std::path::PathBuf;

/// `tests/vectors/captures/<name>`.
pub fn capture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/captures")
        .join(name)
}

/// Decodes a hex string (white space ignored).
pub fn unhex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("ascii"), 16).expect("hex digit"))
        .collect()
}
