//! booth.conf -> typed `Config` (surface.md §1). No I/O beyond what the caller hands in.
#![forbid(unsafe_code)]
