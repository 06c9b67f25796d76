//! booth-rs: the Booth cluster ticket manager, wire-compatible with the C `boothd`.
//!
//! The crate's map. Pure modules (no I/O, no `unsafe`) first, the shell after them.

// Pure: bytes, text and decisions only.
pub mod attrs; // geo attributes of one site and the answers to geostore requests
pub mod auth; // HMAC-SHA1 trailer and timestamp window; the clock is a parameter
pub mod config; // booth.conf -> typed Config, errors with file:line
pub mod core; // the ticket state machine: events in, actions out, next_deadline()
pub mod json; // list, peers and status text -> JSON, for a future --json (reads the C text)
pub mod listing; // those texts read back into records (libbooth parses the protocol's text)
pub mod output; // the text of list, peers and geostore list, byte-identical to C
pub mod pacemaker; // crm_ticket argv and the reading of its answers
pub mod site_id; // CRC-32 ids of member addresses
pub mod timing; // failover time and unsafe timer combinations of a config (the start-up report)
pub mod wire; // bytes <-> typed messages (header, ticket, attr, HMAC trailer)

// The shell: I/O at the edges.
pub mod client; // booth and geostore: argv, TCP request/reply, exit codes
pub mod daemon; // poll loop, sockets, lock file, signals, child processes
pub mod ffi; // libbooth: the C ABI (include/booth.h), the only extern "C"
pub mod keyfile; // the key file: mode check, one read of at most 64 bytes
pub mod local_member; // which configured member this host is (getifaddrs)
pub mod localtime; // local wall-clock formatting as the C tools print it
pub mod log; // cluster-glue log lines on stderr, files and syslog
