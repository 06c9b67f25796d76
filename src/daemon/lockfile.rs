//! The lock/PID file (surface.md §2.8, §2.9): one `eval`-able line, a POSIX record lock
//! that tells `boothd status` who runs.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use nix::fcntl::{fcntl, FcntlArg};

/// Directory of the default lock files; created on demand (§2.9 step 4).
pub const RUN_DIR: &str = "/var/run/booth/";

/// The default lock file of a configuration: note C's double slash, visible in
/// `boothd status` output (`/var/run/booth//booth.pid`).
pub fn default_path(cfg_name: &str) -> PathBuf {
    PathBuf::from(format!("{RUN_DIR}/{cfg_name}.pid"))
}

/// Creates `/var/run/booth` (mode 0775 & ~umask) when the path lies in it, as C does even
/// for `status`.
pub fn ensure_run_dir(path: &Path) {
    if path.to_string_lossy().starts_with(RUN_DIR) {
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o775)
            .create(RUN_DIR);
    }
}

/// What the lock file line says about the daemon (§2.9 step 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockInfo<'a> {
    pub pid: u32,
    pub started: bool,
    pub arbitrator: bool,
    pub cfg_name: &'a str,
    /// Site id printed signed, as C's `%d`.
    pub site_id: u32,
    pub addr: &'a str,
    pub port: u16,
}

impl fmt::Display for LockInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "booth_pid={} booth_state={} booth_type={} booth_cfg_name='{}' booth_id={} booth_addr_string='{}' booth_port={}",
            self.pid,
            if self.started { "started" } else { "starting" },
            if self.arbitrator { "arbitrator" } else { "site" },
            self.cfg_name,
            i32::from_ne_bytes(self.site_id.to_ne_bytes()),
            self.addr,
            self.port
        )
    }
}

/// Why the daemon could not take its lock file.
#[derive(Debug)]
pub enum LockError {
    /// Opening failed; C logs `lockfile <path> open error <errno>: <strerror>`.
    Open(PathBuf, io::Error),
    /// Another process holds the lock (C ignores this, quirk Q6: we refuse to start).
    Held(PathBuf, Option<u32>),
    Write(PathBuf, io::Error),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Open(p, e) => write!(
                f,
                "lockfile {} open error {}: {}",
                p.display(),
                e.raw_os_error().unwrap_or(0),
                strerror(e)
            ),
            LockError::Held(p, Some(pid)) => write!(
                f,
                "lockfile {} is locked by process {pid}: another boothd runs with this configuration",
                p.display()
            ),
            LockError::Held(p, None) => write!(
                f,
                "lockfile {} is locked by another process: another boothd runs with this configuration",
                p.display()
            ),
            LockError::Write(p, e) => write!(f, "cannot write lockfile {}: {}", p.display(), strerror(e)),
        }
    }
}

impl std::error::Error for LockError {}

/// The OS text of an error without Rust's " (os error N)" suffix, as C's strerror prints it.
fn strerror(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}

/// The daemon's held lock file. Dropping it does not remove the file: call [`remove`].
pub struct LockFile {
    path: PathBuf,
    file: File,
}

impl LockFile {
    /// Opens (creating, mode 0664 & ~umask) and write-locks the file.
    pub fn acquire(path: &Path) -> Result<LockFile, LockError> {
        ensure_run_dir(path);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o664)
            .open(path)
            .map_err(|e| LockError::Open(path.to_path_buf(), e))?;
        let lock = whole_file_lock(libc::F_WRLCK);
        if fcntl(file.as_raw_fd(), FcntlArg::F_SETLK(&lock)).is_err() {
            let holder = lock_holder(&file);
            return Err(LockError::Held(path.to_path_buf(), holder));
        }
        Ok(LockFile {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the content by the one line of `info`.
    pub fn write_info(&mut self, info: &LockInfo<'_>) -> Result<(), LockError> {
        let line = format!("{info}\n");
        let err = |e| LockError::Write(self.path.clone(), e);
        self.file.set_len(0).map_err(err)?;
        self.file.rewind().map_err(err)?;
        self.file.write_all(line.as_bytes()).map_err(err)?;
        Ok(())
    }

    /// Hands the file to the run-as user, as C does when running as root.
    pub fn chown(&self, uid: u32, gid: u32) -> io::Result<()> {
        std::os::unix::fs::fchown(&self.file, Some(uid), Some(gid))
    }

    /// Orderly exit: truncate, then unlink (an empty file stays where the run-as user may
    /// not unlink, as with C, quirk Q8).
    pub fn remove(self) {
        let _ = self.file.set_len(0);
        let _ = std::fs::remove_file(&self.path);
    }
}

fn whole_file_lock(kind: libc::c_int) -> libc::flock {
    libc::flock {
        l_type: i16::try_from(kind).unwrap_or(0),
        l_whence: i16::try_from(libc::SEEK_SET).unwrap_or(0),
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    }
}

/// The pid holding a write lock on `file`, if any (`F_GETLK`).
fn lock_holder(file: &File) -> Option<u32> {
    let mut probe = whole_file_lock(libc::F_WRLCK);
    fcntl(file.as_raw_fd(), FcntlArg::F_GETLK(&mut probe)).ok()?;
    if i32::from(probe.l_type) == libc::F_UNLCK {
        None
    } else {
        u32::try_from(probe.l_pid).ok()
    }
}

/// What `boothd status` finds in a lock file (§2.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Cannot be opened read-write: "No PID file."
    NoFile,
    /// Nobody holds the lock: "PID file not locked."
    NotLocked,
    /// Locked by `pid`; `line` is the first line (cut at CR/LF), `None` when fewer than
    /// 4 bytes could be read ("Cannot read lockfile data.").
    Locked { pid: u32, line: Option<String> },
}

/// Reads a lock file the way `boothd status` does.
pub fn query(path: &Path) -> Query {
    let Ok(mut file) = OpenOptions::new().read(true).write(true).open(path) else {
        return Query::NoFile;
    };
    let Some(pid) = lock_holder(&file) else {
        return Query::NotLocked;
    };
    // C reads at most 1023 bytes into a C string: the line ends at CR, LF or NUL.
    let mut buf = vec![0u8; 1023];
    let line = match file.read(&mut buf) {
        Ok(n) if n >= 4 => {
            let end = buf[..n]
                .iter()
                .position(|b| matches!(b, b'\r' | b'\n' | 0))
                .unwrap_or(n);
            Some(String::from_utf8_lossy(&buf[..end]).into_owned())
        }
        _ => None,
    };
    Query::Locked { pid, line }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(pid: u32) -> LockInfo<'static> {
        LockInfo {
            pid,
            started: true,
            arbitrator: false,
            cfg_name: "booth",
            site_id: 1_248_863_175,
            addr: "127.0.0.61",
            port: 29929,
        }
    }

    #[test]
    fn line_is_byte_identical_to_c() {
        // surface.md §8.5: cat -A /run/booth/booth.pid.
        assert_eq!(
            info(14271).to_string(),
            "booth_pid=14271 booth_state=started booth_type=site booth_cfg_name='booth' booth_id=1248863175 booth_addr_string='127.0.0.61' booth_port=29929"
        );
    }

    #[test]
    fn site_id_is_printed_signed_and_state_starting() {
        // surface.md §2.9: booth_id=<signed site id>; `starting` before ready.
        let i = LockInfo {
            started: false,
            arbitrator: true,
            site_id: 0x8000_0001,
            ..info(1)
        };
        let s = i.to_string();
        assert!(s.contains("booth_state=starting booth_type=arbitrator"));
        assert!(s.contains("booth_id=-2147483647 "));
    }

    #[test]
    fn default_path_has_cs_double_slash() {
        // surface.md §2.8 example: /var/run/booth//booth.pid.
        assert_eq!(
            default_path("booth"),
            PathBuf::from("/var/run/booth//booth.pid")
        );
    }

    #[test]
    fn query_reports_each_state() {
        // surface.md §2.8 table: no file, not locked, locked with its line.
        let dir = std::env::temp_dir().join(format!("booth-rs-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("t.pid");
        assert_eq!(query(&path), Query::NoFile);
        std::fs::write(&path, "stale\n").expect("write");
        assert_eq!(query(&path), Query::NotLocked);

        let mut lock = LockFile::acquire(&path).expect("lock");
        lock.write_info(&info(42)).expect("write");
        // A record lock is per process: query from a child to see it as status does.
        let held = run_query_in_child(&path);
        assert_eq!(held, format!("{} {}", std::process::id(), info(42)));
        lock.remove();
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Queries the lock from another process (POSIX locks are invisible to their owner):
    /// re-runs this test binary on `query_from_child_process`. Returns "pid line".
    fn run_query_in_child(path: &Path) -> String {
        let exe = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "daemon::lockfile::tests::query_from_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BOOTH_RS_LOCK_QUERY", path)
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        // The harness prints "test NAME ... " on the same line before our output.
        text.lines()
            .find_map(|l| l.split_once("QUERY:").map(|(_, q)| q))
            .unwrap_or_default()
            .to_string()
    }

    /// Helper for `run_query_in_child`; does nothing in a normal run.
    #[test]
    fn query_from_child_process() {
        if let Some(path) = std::env::var_os("BOOTH_RS_LOCK_QUERY") {
            let text = match query(Path::new(&path)) {
                Query::Locked { pid, line } => format!("{pid} {}", line.unwrap_or_default()),
                other => format!("{other:?}"),
            };
            println!("QUERY:{text}");
        }
    }
}
