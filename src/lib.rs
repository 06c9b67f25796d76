//! booth-rs: the Booth cluster ticket manager, wire-compatible with the C `boothd`.
//!
//! The crate's map. Pure modules (no I/O, no `unsafe`) first, the shell after them.

// Pure: bytes, text and decisions only.
pub mod auth; // HMAC-SHA1 trailer and timestamp window; the clock is a parameter
pub mod config; // booth.conf -> typed Config, errors with file:line
pub mod core; // the ticket state machine: events in, actions out, next_deadline()
pub mod keyfile; // the key file: mode check, one read of at most 64 bytes (the only auth I/O)
pub mod site_id; // CRC-32 ids of member addresses
pub mod wire; // bytes <-> typed messages (header, ticket, attr, HMAC trailer)
