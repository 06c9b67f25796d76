//! Site ids: CRC-32 of a member's raw address bytes, top bit cleared (wire.md §3).
#![forbid(unsafe_code)]
