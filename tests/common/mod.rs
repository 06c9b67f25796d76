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

/// Bytes of a hex dump written as in wire.md §9: lines `OOOO: xx xx ..` (hex tokens up
/// to the first other token, the rest of the line is commentary) and `OOOO..PPPP: zero`;
/// unlisted bytes are zero.
pub fn spec_dump(len: usize, text: &str) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for line in text.lines() {
        let Some((off, rest)) = line.trim().split_once(':') else {
            continue;
        };
        if off.contains("..") {
            assert_eq!(rest.trim(), "zero", "range line {line:?}");
            continue;
        }
        let start = usize::from_str_radix(off, 16).expect("offset");
        let bytes = rest
            .split_whitespace()
            .take_while(|t| t.len() == 2 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|t| u8::from_str_radix(t, 16).expect("hex"));
        for (slot, b) in out[start..].iter_mut().zip(bytes) {
            *slot = b;
        }
    }
    out
}
