//! `boothd status` / `booth status` (surface.md §2.8): is a daemon running for this
//! configuration here? Exit 0 running, 7 not running, 1 error, as pcs and the LSB
//! arbitrator script read it.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use super::lockfile::{self, Query};

/// Exit codes of the status mode.
pub const RUNNING: i32 = 0;
pub const NOT_RUNNING: i32 = 7;
pub const ERROR: i32 = 1;

/// What status found: what to print on stdout, the reason (stderr with `-S`, debug log
/// with `-D`) and the exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub stdout: String,
    pub reason: String,
    pub code: i32,
}

impl Report {
    fn not_running(stdout: String, why: &str, code: i32) -> Report {
        Report {
            stdout,
            reason: format!("not running: {why}"),
            code,
        }
    }
}

/// The report when the configuration could not be read (first row of §2.8's table).
pub fn config_error() -> Report {
    Report::not_running(String::new(), "Error reading configuration.", ERROR)
}

/// Checks the lock file and the local member's TCP port. `local` is the member found by
/// exact address match (`None`: "No Service IP active here.").
pub fn check(lock_path: &Path, local: Option<SocketAddr>) -> Report {
    let Some(local) = local else {
        return Report::not_running(String::new(), "No Service IP active here.", NOT_RUNNING);
    };
    lockfile::ensure_run_dir(lock_path);
    let (pid, line) = match lockfile::query(lock_path) {
        Query::NoFile => return Report::not_running(String::new(), "No PID file.", NOT_RUNNING),
        Query::NotLocked => {
            return Report::not_running(String::new(), "PID file not locked.", NOT_RUNNING)
        }
        Query::Locked { pid, line } => (pid, line),
    };
    let prefix = format!("booth_lockpid={pid} ");
    let Some(line) = line else {
        return Report::not_running(prefix, "Cannot read lockfile data.", ERROR);
    };
    // A port we can still bind is a port nobody serves.
    if TcpListener::bind(local).is_ok() {
        return Report::not_running(prefix, "TCP port not in use.", NOT_RUNNING);
    }
    Report {
        stdout: format!("{prefix}booth_lockfile='{}' {line}\n", lock_path.display()),
        reason: format!(
            "Booth at {} port {} seems to be running.",
            local.ip(),
            local.port()
        ),
        code: RUNNING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_local_member_and_no_pid_file_are_not_running() {
        // surface.md §2.8 table, rows 2 and 3.
        let r = check(Path::new("/nonexistent/x.pid"), None);
        assert_eq!(
            (r.code, r.reason.as_str()),
            (7, "not running: No Service IP active here.")
        );
        let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let r = check(Path::new("/nonexistent/x.pid"), Some(addr));
        assert_eq!(
            (r.code, r.reason.as_str()),
            (7, "not running: No PID file.")
        );
        assert_eq!(r.stdout, "");
    }

    #[test]
    fn unlocked_pid_file_is_not_running() {
        let dir = std::env::temp_dir().join(format!("booth-rs-status-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("booth.pid");
        std::fs::write(&path, "booth_pid=1 booth_state=started\n").expect("write");
        let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let r = check(&path, Some(addr));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            (r.code, r.reason.as_str()),
            (7, "not running: PID file not locked.")
        );
        assert_eq!(config_error().code, 1);
    }
}
