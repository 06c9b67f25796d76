//! Log lines as the C tools write them (surface.md §2.10): cluster-glue's format on stderr
//! and in `HA_logfile`/`HA_debugfile`, and syslog datagrams with facility `daemon`.
//!
//! `Mon DD HH:MM:SS host entity: [pid]: PRIO: message`

use std::cell::RefCell;
use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use crate::localtime::Tm;

/// Severity, with the words and syslog levels C uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Notice,
    Info,
    Debug,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    /// syslog severity (LOG_ERR .. LOG_DEBUG).
    fn severity(self) -> u8 {
        match self {
            Level::Error => 3,
            Level::Warn => 4,
            Level::Notice => 5,
            Level::Info => 6,
            Level::Debug => 7,
        }
    }
}

/// syslog facility `daemon` (3), C's default.
const FACILITY_DAEMON: u8 = 3;

/// Where log lines go, and with which name.
pub struct Logger {
    /// `booth` / `geostore` until the daemon has its lock file, then `boothd-site` or
    /// `boothd-arbitrator`.
    entity: String,
    hostname: String,
    pid: u32,
    /// 0 = no debug lines.
    pub debug_level: u32,
    pub to_stderr: bool,
    syslog: Option<(UnixDatagram, u8)>,
    logfile: Option<PathBuf>,
    debugfile: Option<PathBuf>,
    /// Messages kept in memory (level, text without prefix) instead of printed: the
    /// library's channel, so a program linking libbooth gets no stderr lines.
    memory: Option<RefCell<Vec<Kept>>>,
}

/// A message kept by a memory logger: its level and text.
type Kept = (Level, Vec<u8>);

/// Messages a memory logger keeps; older ones are dropped.
const MEMORY_LINES: usize = 32;

impl Logger {
    /// A client's logger (`booth`, `geostore`): stderr only, as C's clients (§2.10);
    /// debug lines only with `-D`.
    pub fn new(entity: &str, debug: bool) -> Logger {
        Logger::client(entity, u32::from(debug))
    }

    /// A logger on stderr only with the given debug level.
    pub fn client(entity: &str, debug_level: u32) -> Logger {
        Logger {
            entity: entity.to_string(),
            hostname: hostname(),
            pid: std::process::id(),
            debug_level,
            to_stderr: true,
            syslog: None,
            logfile: None,
            debugfile: None,
            memory: None,
        }
    }

    /// A logger that writes nowhere and keeps the last messages (without the log
    /// prefix) for [`Logger::last`]; debug lines are not kept.
    pub fn memory(entity: &str) -> Logger {
        let mut l = Logger::client(entity, 0);
        l.to_stderr = false;
        l.memory = Some(RefCell::new(Vec::new()));
        l
    }

    /// The newest kept message of `level` or more severe (memory loggers only).
    pub fn last(&self, level: Level) -> Option<Vec<u8>> {
        let mem = self.memory.as_ref()?.borrow();
        mem.iter()
            .rev()
            .find(|(l, _)| *l <= level)
            .map(|(_, m)| m.clone())
    }

    /// Does this logger keep messages instead of writing them?
    pub fn is_memory(&self) -> bool {
        self.memory.is_some()
    }

    /// Forgets the kept messages (memory loggers only).
    pub fn clear(&self) {
        if let Some(m) = &self.memory {
            m.borrow_mut().clear();
        }
    }

    pub fn set_entity(&mut self, entity: &str) {
        self.entity = entity.to_string();
    }

    /// After daemonizing the pid changes.
    pub fn refresh_pid(&mut self) {
        self.pid = std::process::id();
    }

    /// The daemon's channels: syslog (facility from `HA_logfacility`, `none` disables it)
    /// and the `HA_logfile`/`HA_debugfile`/`HA_debug` environment of cluster-glue.
    pub fn open_daemon_channels(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        let facility = match env("HA_logfacility") {
            None => Some(FACILITY_DAEMON),
            Some(name) => facility_code(&name),
        };
        self.syslog = facility.and_then(|f| {
            let sock = UnixDatagram::unbound().ok()?;
            sock.connect("/dev/log").ok()?;
            Some((sock, f))
        });
        self.logfile = env("HA_logfile").map(PathBuf::from);
        self.debugfile = env("HA_debugfile").map(PathBuf::from);
        if let Some(d) = env("HA_debug").and_then(|v| v.trim().parse::<u32>().ok()) {
            self.debug_level = self.debug_level.max(d);
        }
    }

    pub fn enabled(&self, level: Level) -> bool {
        level != Level::Debug || self.debug_level > 0
    }

    /// Writes one line to every channel that takes `level`; `msg` is text or
    /// `format_args!`.
    pub fn log(&self, level: Level, msg: impl fmt::Display) {
        self.log_bytes(level, msg.to_string().as_bytes());
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

    /// An error with raw bytes (argv values need not be UTF-8; C prints them as given).
    pub fn error_bytes(&self, msg: &[u8]) {
        self.log_bytes(Level::Error, msg);
    }

    /// One line with a message of raw bytes.
    pub fn log_bytes(&self, level: Level, msg: &[u8]) {
        if let Some(mem) = &self.memory {
            if level != Level::Debug {
                let mut mem = mem.borrow_mut();
                if mem.len() == MEMORY_LINES {
                    mem.remove(0);
                }
                mem.push((level, msg.to_vec()));
            }
            return;
        }
        let debug_on = self.debug_level > 0;
        let to_debugfile = self.debugfile.is_some();
        if level == Level::Debug && !debug_on && !to_debugfile {
            return;
        }
        let stamp = Tm::local(now_epoch()).log_stamp().to_string();
        let mut body = format!("{}: [{}]: {}: ", self.entity, self.pid, level.word()).into_bytes();
        body.extend_from_slice(msg);
        let mut line = format!("{stamp} {} ", self.hostname).into_bytes();
        line.extend_from_slice(&body);
        line.push(b'\n');
        if level != Level::Debug || debug_on {
            if self.to_stderr {
                let _ = std::io::stderr().write_all(&line);
            }
            if let Some((sock, facility)) = &self.syslog {
                let pri = facility * 8 + level.severity();
                let mut dgram = format!("<{pri}>{stamp} ").into_bytes();
                dgram.extend_from_slice(&body);
                dgram.push(0);
                let _ = sock.send(&dgram);
            }
            if level != Level::Debug {
                if let Some(p) = &self.logfile {
                    append(p, &line);
                }
            }
        }
        if let Some(p) = &self.debugfile {
            append(p, &line);
        }
    }
}

fn append(path: &PathBuf, line: &[u8]) {
    if let Ok(mut f) = OpenOptions::new().append(true).create(true).open(path) {
        let _ = f.write_all(line);
    }
}

fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The node name (uname), as the C logging library prints it.
fn hostname() -> String {
    nix::sys::utsname::uname().map_or_else(
        |_| "localhost".to_string(),
        |u| u.nodename().to_string_lossy().into_owned(),
    )
}

/// syslog facility by name, as cluster-glue accepts it; `None` disables syslog.
fn facility_code(name: &str) -> Option<u8> {
    let code = match name.to_ascii_lowercase().as_str() {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "lpr" => 6,
        "news" => 7,
        "uucp" => 8,
        "cron" => 9,
        "authpriv" => 10,
        "ftp" => 11,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => return None,
    };
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_syslog_priorities_match_c() {
        // surface.md §2.10 and §8.9: <30> info, <27> ERROR, <31> debug, facility daemon.
        assert_eq!(FACILITY_DAEMON * 8 + Level::Info.severity(), 30);
        assert_eq!(FACILITY_DAEMON * 8 + Level::Error.severity(), 27);
        assert_eq!(FACILITY_DAEMON * 8 + Level::Warn.severity(), 28);
        assert_eq!(FACILITY_DAEMON * 8 + Level::Debug.severity(), 31);
        assert_eq!(Level::Error.word(), "ERROR");
        assert_eq!(Level::Warn.word(), "WARN");
        assert_eq!(Level::Info.word(), "info");
    }

    #[test]
    fn facility_names() {
        assert_eq!(facility_code("daemon"), Some(3));
        assert_eq!(facility_code("LOCAL7"), Some(23));
        assert_eq!(facility_code("none"), None);
    }

    #[test]
    fn logfile_gets_info_and_debugfile_everything() {
        let dir = std::env::temp_dir().join(format!("booth-rs-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (lf, df) = (dir.join("log"), dir.join("debug"));
        let mut l = Logger::client("boothd-site", 0);
        l.to_stderr = false;
        let (lfs, dfs) = (lf.display().to_string(), df.display().to_string());
        l.open_daemon_channels(&|k| match k {
            "HA_logfile" => Some(lfs.clone()),
            "HA_debugfile" => Some(dfs.clone()),
            "HA_logfacility" => Some("none".into()),
            _ => None,
        });
        l.log(
            Level::Info,
            format_args!("BOOTH site {} daemon is starting", "1.0"),
        );
        l.debug("hidden");
        let log = std::fs::read_to_string(&lf).expect("logfile");
        let dbg = std::fs::read_to_string(&df).expect("debugfile");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(log.lines().count(), 1);
        let suffix = format!(
            " boothd-site: [{}]: info: BOOTH site 1.0 daemon is starting",
            std::process::id()
        );
        assert!(log.trim_end().ends_with(&suffix), "{log}");
        // "Nov 25 00:57:19 host ..." : month, two-digit day, time.
        assert_eq!(log.as_bytes()[3], b' ');
        assert_eq!(log.as_bytes()[6], b' ');
        assert_eq!(dbg.lines().count(), 2);
        assert!(dbg.contains("debug: hidden"));
    }
}
