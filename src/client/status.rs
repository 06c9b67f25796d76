//! `booth status` / `boothd status` (surface.md §2.8, wire.md §6.7): is the daemon of
//! this host running? Lock file, its record lock, and whether the TCP port is taken.
//! Exit 0 running, 7 not running, 1 error (pcs and the LSB script rely on these).

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;

use super::args::Invocation;
use super::conf::{self, Role};
use super::log::Logger;

/// OCF/LSB codes.
const RUNNING: i32 = 0;
const NOT_RUNNING: i32 = 7;
const ERROR: i32 = 1;

/// Default lock directory; C builds `<dir>/<name>.pid` with a doubled slash.
const LOCK_DIR: &str = "/var/run/booth/";

pub fn run(inv: &Invocation, log: &Logger) -> i32 {
    let (code, reason) = status(inv, log);
    if let Some(reason) = reason {
        log.debug(&format!("not running: {reason}"));
        if inv.foreground {
            eprintln!("not running: {reason}");
        }
    }
    code
}

fn status(inv: &Invocation, log: &Logger) -> (i32, Option<&'static str>) {
    let loaded = match conf::load(inv, log, Role::Status) {
        Ok(l) => l,
        Err(_) => return (ERROR, Some("Error reading configuration.")),
    };
    let Some(local) = loaded.local else {
        return (NOT_RUNNING, Some("No Service IP active here."));
    };
    let me = &loaded.conf.config.members[local];
    let lockfile: Vec<u8> = if inv.lockfile.is_empty() {
        format!("{LOCK_DIR}/{}.pid", loaded.conf.config.name).into_bytes()
    } else {
        inv.lockfile.clone()
    };
    if lockfile.starts_with(LOCK_DIR.as_bytes()) {
        // C creates the default directory even in status mode.
        let _ = std::fs::create_dir_all(LOCK_DIR);
    }
    let path = std::ffi::OsStr::from_bytes(&lockfile);
    let Ok(mut file) = OpenOptions::new().read(true).write(true).open(path) else {
        return (NOT_RUNNING, Some("No PID file."));
    };
    let Some(pid) = lock_holder(&file) else {
        return (NOT_RUNNING, Some("PID file not locked."));
    };
    let mut out = std::io::stdout();
    let _ = write!(out, "booth_lockpid={pid} ");
    let _ = out.flush();
    let mut data = vec![0u8; 1023];
    let n = file.read(&mut data).unwrap_or(0);
    if n < 4 {
        return (ERROR, Some("Cannot read lockfile data."));
    }
    data.truncate(n);
    if let Some(p) = data.iter().position(|&b| b == b'\r') {
        data.truncate(p);
    }
    if let Some(p) = data.iter().position(|&b| b == b'\n') {
        data.truncate(p);
    }
    // C stops at a NUL too (it is a C string).
    if let Some(p) = data.iter().position(|&b| b == 0) {
        data.truncate(p);
    }
    if TcpListener::bind(SocketAddr::new(me.addr, me.port)).is_ok() {
        return (NOT_RUNNING, Some("TCP port not in use."));
    }
    let mut line = b"booth_lockfile='".to_vec();
    line.extend_from_slice(&lockfile);
    line.extend_from_slice(b"' ");
    line.extend_from_slice(&data);
    line.push(b'\n');
    let _ = out.write_all(&line);
    let _ = out.flush();
    if inv.foreground {
        eprintln!(
            "Booth at {} port {} seems to be running.",
            me.addr_text, loaded.conf.config.port
        );
    }
    (RUNNING, None)
}

/// The pid holding a write lock on the whole file (fcntl F_GETLK), if any.
fn lock_holder(file: &std::fs::File) -> Option<i32> {
    // SAFETY: flock is plain old data; all-zero is a valid starting value.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = i16::try_from(libc::F_WRLCK).unwrap_or(1);
    fl.l_whence = i16::try_from(libc::SEEK_SET).unwrap_or(0);
    fl.l_start = 0;
    fl.l_len = 0;
    // SAFETY: F_GETLK on an open fd we own, with a pointer to a live flock.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut fl) };
    if rc != 0 || i32::from(fl.l_type) == libc::F_UNLCK {
        return None;
    }
    Some(fl.l_pid)
}
