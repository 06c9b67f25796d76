//! The daemon shell: everything with a file descriptor, a clock read or a child process.
//! It carries out what the core decides and decides nothing itself.

pub mod child;
pub mod conns;
pub mod lockfile;
pub mod notify;
pub mod peers;
pub mod process;
pub mod signals;
pub mod status;
