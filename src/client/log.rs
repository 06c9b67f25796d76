//! Client log lines on stderr in the C tools' format (surface.md §2.10):
//! `Dec 02 06:23:26 host booth: [pid]: info: grant succeeded!`.

use super::args::Level;
use std::io::Write;

/// The log prefix's pieces that do not change during a run.
#[derive(Clone, Debug)]
pub struct Logger {
    /// `booth` or `geostore`.
    pub entity: &'static str,
    pub host: String,
    pub pid: u32,
    /// Debug lines are printed only with `-D`.
    pub debug: bool,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats one log line (with its newline). `time` = (month 0..11, day, h, m, s).
pub fn format_line(
    time: (usize, u32, u32, u32, u32),
    host: &str,
    entity: &str,
    pid: u32,
    level: Level,
    msg: &str,
) -> String {
    let (mon, day, h, m, s) = time;
    let level = match level {
        Level::Error => "ERROR",
        Level::Warn => "WARN",
        Level::Info => "info",
        Level::Debug => "debug",
    };
    let mon = MONTHS.get(mon).copied().unwrap_or("Jan");
    format!("{mon} {day:02} {h:02}:{m:02}:{s:02} {host} {entity}: [{pid}]: {level}: {msg}\n")
}

impl Logger {
    pub fn new(entity: &'static str, debug: bool) -> Logger {
        Logger {
            entity,
            host: hostname(),
            pid: std::process::id(),
            debug,
        }
    }

    pub fn log(&self, level: Level, msg: &str) {
        self.log_bytes(level, msg.as_bytes());
    }

    /// A message with raw bytes (argv values are not necessarily UTF-8; C prints them as
    /// they are).
    pub fn log_bytes(&self, level: Level, msg: &[u8]) {
        if level == Level::Debug && !self.debug {
            return;
        }
        let line = format_line(local_time(), &self.host, self.entity, self.pid, level, "");
        let mut out = line.into_bytes();
        out.pop(); // the newline, re-added after the message
        out.extend_from_slice(msg);
        out.push(b'\n');
        let _ = std::io::stderr().write_all(&out);
    }

    pub fn error_bytes(&self, msg: &[u8]) {
        self.log_bytes(Level::Error, msg);
    }

    pub fn error(&self, msg: &str) {
        self.log(Level::Error, msg);
    }
    pub fn info(&self, msg: &str) {
        self.log(Level::Info, msg);
    }
    pub fn debug(&self, msg: &str) {
        self.log(Level::Debug, msg);
    }
}

/// The node name (uname), as the C logging library prints it.
fn hostname() -> String {
    // SAFETY: utsname is plain old data; all-zero is a valid value for uname to fill.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname writes into the struct we own; it is NUL-terminated on success.
    if unsafe { libc::uname(&mut u) } != 0 {
        return "localhost".into();
    }
    let bytes: Vec<u8> = u
        .nodename
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c.to_ne_bytes()[0])
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Local wall-clock time: (month 0..11, day, hour, minute, second).
pub fn local_time() -> (usize, u32, u32, u32, u32) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let t = libc::time_t::try_from(now).unwrap_or(0);
    // SAFETY: tm is plain old data; all-zero is valid for localtime_r to overwrite.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers refer to live locals; localtime_r is the thread-safe variant.
    let ok = !unsafe { libc::localtime_r(&t, &mut tm) }.is_null();
    if !ok {
        return (0, 1, 0, 0, 0);
    }
    let u = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
    (
        usize::try_from(tm.tm_mon).unwrap_or(0),
        u(tm.tm_mday),
        u(tm.tm_hour),
        u(tm.tm_min),
        u(tm.tm_sec),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// surface.md §2.10: `Nov 25 00:57:19 vm boothd-site: [14271]: info: ...`.
    #[test]
    fn c_log_format() {
        assert_eq!(
            format_line(
                (10, 5, 0, 57, 19),
                "vm",
                "booth",
                14271,
                Level::Info,
                "grant succeeded!"
            ),
            "Nov 05 00:57:19 vm booth: [14271]: info: grant succeeded!\n"
        );
        assert_eq!(
            format_line((0, 25, 1, 2, 3), "h", "geostore", 1, Level::Error, "x"),
            "Jan 25 01:02:03 h geostore: [1]: ERROR: x\n"
        );
    }
}
