//! The one binary: `boothd`, `booth` and `geostore` by `argv[0]` (surface.md §2.1).
//! The client module parses argv for every personality; `boothd daemon` is not
//! implemented yet and says so.

use std::os::unix::ffi::OsStringExt;

fn main() {
    let argv: Vec<Vec<u8>> = std::env::args_os().map(OsStringExt::into_vec).collect();
    std::process::exit(booth::client::main(argv));
}
