//! `booth status` / `boothd status` (surface.md §2.8, wire.md §6.7): is the daemon of
//! this host running? Lock file, its record lock, and whether the TCP port is taken.
//! Exit 0 running, 7 not running, 1 error (pcs and the LSB script rely on these).

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::ffi::OsStringExt;

use super::args::Invocation;
use super::conf::{self, Role};
use crate::daemon::lockfile::{self, Query};
use crate::log::Logger;

/// OCF/LSB codes.
const RUNNING: i32 = 0;
const NOT_RUNNING: i32 = 7;
const ERROR: i32 = 1;

pub fn run(inv: &Invocation, log: &Logger) -> i32 {
    let mut out = Vec::new();
    let (code, reason) = status(inv, log, &mut out);
    let mut stdout = std::io::stdout();
    if inv.json {
        let text = String::from_utf8_lossy(&out);
        let _ = stdout.write_all(crate::json::status(&text, code).as_bytes());
    } else {
        let _ = stdout.write_all(&out);
    }
    let _ = stdout.flush();
    if let Some(reason) = reason {
        log.debug(&format!("not running: {reason}"));
        if inv.foreground {
            eprintln!("not running: {reason}");
        }
    }
    code
}

/// Decides the status; what C prints on stdout goes into `out` (written by the caller,
/// as text or, with `--json`, as JSON).
fn status(inv: &Invocation, log: &Logger, out: &mut Vec<u8>) -> (i32, Option<&'static str>) {
    let loaded = match conf::load(inv, log, Role::Status) {
        Ok(l) => l,
        Err(_) => return (ERROR, Some("Error reading configuration.")),
    };
    let Some(local) = loaded.local else {
        return (NOT_RUNNING, Some("No Service IP active here."));
    };
    let me = &loaded.conf.config.members[local];
    let lockfile: Vec<u8> = if inv.lockfile.is_empty() {
        lockfile::default_path(&loaded.conf.config.name)
            .into_os_string()
            .into_vec()
    } else {
        inv.lockfile.clone()
    };
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&lockfile));
    // C creates the default directory even in status mode.
    lockfile::ensure_run_dir(path);
    let (pid, data) = match lockfile::query(path) {
        Query::NoFile => return (NOT_RUNNING, Some("No PID file.")),
        Query::NotLocked => return (NOT_RUNNING, Some("PID file not locked.")),
        Query::Locked { pid, line } => (pid, line),
    };
    let _ = write!(out, "booth_lockpid={pid} ");
    let Some(data) = data else {
        return (ERROR, Some("Cannot read lockfile data."));
    };
    let data = data.into_bytes();
    if TcpListener::bind(SocketAddr::new(me.addr, me.port)).is_ok() {
        return (NOT_RUNNING, Some("TCP port not in use."));
    }
    let mut line = b"booth_lockfile='".to_vec();
    line.extend_from_slice(&lockfile);
    line.extend_from_slice(b"' ");
    line.extend_from_slice(&data);
    line.push(b'\n');
    out.extend_from_slice(&line);
    if inv.foreground {
        eprintln!(
            "Booth at {} port {} seems to be running.",
            me.addr_text, loaded.conf.config.port
        );
    }
    (RUNNING, None)
}
