//! Bytes <-> typed booth messages (wire.md §1–2). No I/O.
#![forbid(unsafe_code)]

pub mod consts;
