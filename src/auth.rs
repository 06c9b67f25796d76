//! HMAC-SHA1 authentication of booth messages (wire.md §4). No I/O: the clock is a parameter.
#![forbid(unsafe_code)]
