//! The process title (surface.md §2.9 step 7): `boothd <config> <site|arbitrator> for
//! [<addr>]:<port>`, written over the process's argument strings the way C's
//! (cluster-glue) `set_proc_title` does, so `ps` and `/proc/<pid>/cmdline` show it and
//! the OCF agent's `ps -o pid,cmd | grep -w "[b]oothd.*<config>"` finds the daemon.
//!
//! The argument and environment strings sit back to back at the top of the initial stack;
//! the kernel publishes where (proc(5) `stat` fields 48-51). Like C, the environment
//! strings are first copied to the heap (and `environ` pointed at the copies), then the
//! whole area is cleared and the title written from its start. `/proc/<pid>/environ` then
//! reads as zeros, as C's does. `comm` (the `Name:` of `status`) stays the executable's
//! name: C does not call `prctl(PR_SET_NAME)` either.

use std::ffi::CStr;
use std::fmt;

/// The title text, as C formats it (`DAEMON_NAME` is always `boothd`).
pub fn text(config: &str, kind: &str, addr: &str, port: u16) -> String {
    format!("boothd {config} {kind} for [{addr}]:{port}")
}

/// Addresses of the argument and environment strings (proc(5) `stat` fields 48-51).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub arg_start: usize,
    pub arg_end: usize,
    pub env_start: usize,
    pub env_end: usize,
}

impl Areas {
    /// Fields 48-51 of a `/proc/<pid>/stat` line; `None` if absent (kernel < 3.5) or
    /// inconsistent.
    pub fn from_stat(stat: &str) -> Option<Areas> {
        // `comm` (field 2) may hold spaces and parentheses: count from the last ')'.
        let rest = stat.get(stat.rfind(')')? + 1..)?;
        let mut f = rest.split_whitespace().skip(48 - 3);
        let mut next = || f.next()?.parse::<usize>().ok();
        let a = Areas {
            arg_start: next()?,
            arg_end: next()?,
            env_start: next()?,
            env_end: next()?,
        };
        (a.arg_start != 0 && a.arg_start < a.arg_end).then_some(a)
    }

    /// The end of the area a title may use: through the environment strings when they
    /// follow the arguments directly (the normal layout), else the arguments only.
    pub fn end(&self) -> usize {
        if self.env_start == self.arg_end && self.env_end > self.env_start {
            self.env_end
        } else {
            self.arg_end
        }
    }
}

/// Why the title was left as it was.
#[derive(Debug)]
pub enum TitleError {
    Stat(std::io::Error),
    NoAreas,
}

impl fmt::Display for TitleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TitleError::Stat(e) => write!(f, "cannot read /proc/self/stat: {e}"),
            TitleError::NoAreas => write!(
                f,
                "/proc/self/stat does not say where the arguments are (kernel older than 3.5?)"
            ),
        }
    }
}

/// Sets the process title to `title`, truncated to the room the arguments and
/// environment had. Returns the number of title bytes written.
///
/// Call it while the process is single-threaded (it rewrites `environ`), and after the
/// arguments were read: `std::env::args` reads the original strings, which are gone then.
pub fn set(title: &str) -> Result<usize, TitleError> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(TitleError::Stat)?;
    let areas = Areas::from_stat(&stat).ok_or(TitleError::NoAreas)?;
    let end = areas.end();
    if end > areas.arg_end {
        relocate_environment(areas.env_start, end);
    }
    let len = end - areas.arg_start;
    // SAFETY: [arg_start, end) is the argument (and environment) strings the kernel
    // copied to the top of our initial stack, mapped writable for the life of the
    // process. No Rust reference points into it: std keeps only the raw `argv` pointers
    // (read by `env::args`, documented above), and every `environ` entry pointing into
    // the environment part was moved to the heap just above.
    let area = unsafe { std::slice::from_raw_parts_mut(areas.arg_start as *mut u8, len) };
    area.fill(0);
    // keep at least one NUL at the end
    let n = title.len().min(len.saturating_sub(1));
    area[..n].copy_from_slice(&title.as_bytes()[..n]);
    Ok(n)
}

/// Points every `environ` entry that lies in [start, end) at a heap copy of its string
/// (leaked: `environ` keeps pointing at it for the rest of the process).
fn relocate_environment(start: usize, end: usize) {
    // SAFETY: reading the `environ` pointer; the process is single-threaded (see `set`),
    // so nothing changes it meanwhile.
    let mut entry = unsafe { libc::environ };
    if entry.is_null() {
        return;
    }
    loop {
        // SAFETY: `entry` walks the NULL-terminated `environ` array and stops at its
        // terminator, so it always points at one of its elements.
        let s = unsafe { *entry };
        if s.is_null() {
            break;
        }
        let at = s as usize;
        if (start..end).contains(&at) {
            // SAFETY: `s` is an environment string: NUL-terminated, valid while the
            // original area is untouched (it is cleared only after this loop).
            let copy = unsafe { CStr::from_ptr(s) }.to_owned();
            // SAFETY: `entry` points at an element of the `environ` array (above), which
            // libc lets the process rewrite (as putenv does); the new string is leaked.
            unsafe { *entry = copy.into_raw() };
        }
        // SAFETY: not past the terminator, which was checked above.
        entry = unsafe { entry.add(1) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cs_format() {
        // surface.md §2.9 step 7, observed of the Debian C daemon.
        assert_eq!(
            text("/tmp/bt/ns/booth.conf", "site", "127.0.0.61", 29929),
            "boothd /tmp/bt/ns/booth.conf site for [127.0.0.61]:29929"
        );
        assert_eq!(
            text("/etc/booth/booth.conf", "arbitrator", "fd00::1", 9929),
            "boothd /etc/booth/booth.conf arbitrator for [fd00::1]:9929"
        );
    }

    #[test]
    fn areas_come_from_fields_48_to_51() {
        // A stat line of the C daemon, with a comm that holds ") (" to mislead a parser.
        let stat = "6506 (bo) (thd) S 6468 6332 28567 0 -1 4194560 470 5277 3 3 0 1 8 2 -100 \
                    0 1 0 144018 45346816 1441 18446744073709551615 94284091592704 \
                    94284091695737 140720793293824 0 0 0 0 4096 82434 1 0 0 17 1 99 2 0 0 0 \
                    94284091737872 94284091740664 94284959784960 140720793300737 \
                    140720793300850 140720793300850 140720793300967 0\n";
        let a = Areas::from_stat(stat).expect("areas");
        assert_eq!(
            a,
            Areas {
                arg_start: 140_720_793_300_737,
                arg_end: 140_720_793_300_850,
                env_start: 140_720_793_300_850,
                env_end: 140_720_793_300_967,
            }
        );
        assert_eq!(a.end(), 140_720_793_300_967);
        let apart = Areas {
            env_start: a.arg_end + 8,
            ..a
        };
        assert_eq!(
            apart.end(),
            a.arg_end,
            "environment elsewhere: arguments only"
        );
        assert_eq!(Areas::from_stat("1 (x) S 0 0"), None, "old kernel");
        assert_eq!(Areas::from_stat(""), None);
    }

    #[test]
    fn own_stat_has_areas() {
        let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
        let a = Areas::from_stat(&stat).expect("areas");
        assert!(a.end() > a.arg_start);
    }
}
