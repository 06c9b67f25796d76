//! The one binary: `boothd`, `booth` and `geostore` by `argv[0]` (surface.md §2.1).
//! The client module parses argv for every personality and hands `boothd daemon`
//! (and `start`, `site`, `arbitrator`) to the daemon.

use std::os::unix::ffi::OsStringExt;

fn main() {
    let argv: Vec<Vec<u8>> = std::env::args_os().map(OsStringExt::into_vec).collect();
    std::process::exit(booth::client::main(argv));
}
