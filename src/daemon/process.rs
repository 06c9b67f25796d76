//! Process life as the C daemon lives it (surface.md §2.9): daemonizing, real-time
//! scheduling and memory locking, OOM protection, dropping to the run-as user, the
//! working directory.

use std::fmt;

use nix::unistd::{Gid, Group, Uid, User};

/// Classic daemonization: fork (the parent exits 0), setsid, chdir /, stdio to /dev/null.
pub fn daemonize() -> nix::Result<()> {
    nix::unistd::daemon(false, false)
}

/// Step 6 of §2.9: memory locked, SCHED_RR at the top priority, OOM killer told to spare
/// us. All failures are reported and survivable; the messages are C's.
pub fn realtime_setup() -> Vec<String> {
    let mut errors = Vec::new();
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit reads the struct we pass by reference; no memory is retained.
    let unlimited_lock = unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } == 0;
    if !unlimited_lock {
        errors.push("setrlimit failed".to_string());
    }
    // With the lock limit still in force, MCL_FUTURE would cap the whole heap at it (the
    // benchmark saw the daemon abort at start-up with thousands of tickets): then lock
    // only what is mapped now.
    let flags = if unlimited_lock {
        libc::MCL_CURRENT | libc::MCL_FUTURE
    } else {
        libc::MCL_CURRENT
    };
    // SAFETY: mlockall takes flags only and affects no Rust-visible memory state.
    if unsafe { libc::mlockall(flags) } != 0 {
        errors.push("mlockall failed".to_string());
    }
    // SAFETY: plain syscalls with integer arguments and a by-reference param struct.
    let prio = unsafe { libc::sched_get_priority_max(libc::SCHED_RR) };
    if prio >= 0 {
        let param = libc::sched_param {
            sched_priority: prio,
        };
        // SAFETY: as above; 0 = this process.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_RR, &param) } != 0 {
            let e = std::io::Error::last_os_error();
            errors.push(format!(
                "could not set SCHED_RR priority {prio}: {} ({})",
                nix::errno::Errno::last().desc(),
                e.raw_os_error().unwrap_or(0)
            ));
        }
    }
    if std::fs::write("/proc/self/oom_score_adj", "-999").is_err() {
        let _ = std::fs::write("/proc/self/oom_adj", "-16");
    }
    errors
}

/// The soft and hard RLIMIT_NOFILE.
fn nofile() -> Option<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct we pass by reference, nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } == 0;
    ok.then_some((r.rlim_cur, r.rlim_max))
}

/// The soft RLIMIT_NOFILE, or 1024 (the usual default) if it cannot be read.
pub fn nofile_limit() -> u64 {
    nofile().map_or(1024, |(soft, _)| soft)
}

/// Raises the soft RLIMIT_NOFILE to `want` (at most the hard limit) when it is lower, so
/// the daemon can hold its client connections (C does not, and runs out of descriptors
/// at about 1000 clients under the usual 1024). Returns the soft limit now in force.
pub fn raise_nofile(want: u64) -> u64 {
    let Some((soft, hard)) = nofile() else {
        return 1024;
    };
    let target = want.min(hard);
    if soft >= target {
        return soft;
    }
    let r = libc::rlimit {
        rlim_cur: target,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we pass by reference; no memory is retained.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) } == 0 {
        target
    } else {
        soft
    }
}

/// The user and group the daemon runs as (`hacluster`/`haclient` by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunAs {
    pub uid: u32,
    pub gid: u32,
}

/// Why the run-as identity could not be found or taken.
#[derive(Debug, PartialEq, Eq)]
pub enum IdError {
    UnknownUser(String),
    UnknownGroup(String),
    SetGid(nix::errno::Errno),
    SetUid(nix::errno::Errno),
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::UnknownUser(u) => write!(f, "User \"{u}\" cannot be resolved into a UID."),
            // "UID" for a group too: C's text (surface.md §1.10).
            IdError::UnknownGroup(g) => {
                write!(f, "Group \"{g}\" cannot be resolved into a UID.")
            }
            IdError::SetGid(e) => write!(f, "setregid() didn't work: {}", e.desc()),
            IdError::SetUid(e) => write!(f, "setreuid() didn't work: {}", e.desc()),
        }
    }
}

impl std::error::Error for IdError {}

/// Resolves user and group (surface.md §1.10): a value starting with a digit is a
/// numeric id (C's `strtol` base 0: `0x..` hex, leading `0` octal), else a name.
pub fn resolve(user: &str, group: &str) -> Result<RunAs, IdError> {
    let uid = numeric_id(user)
        .or_else(|| Some(User::from_name(user).ok()??.uid.as_raw()))
        .ok_or_else(|| IdError::UnknownUser(user.to_string()))?;
    let gid = numeric_id(group)
        .or_else(|| Some(Group::from_name(group).ok()??.gid.as_raw()))
        .ok_or_else(|| IdError::UnknownGroup(group.to_string()))?;
    Ok(RunAs { uid, gid })
}

fn numeric_id(v: &str) -> Option<u32> {
    if !v.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Some(hex) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else if v.len() > 1 && v.starts_with('0') {
        u32::from_str_radix(&v[1..], 8).ok()
    } else {
        v.parse().ok()
    }
}

/// Step 8 of §2.9: when root, take the run-as group, then the user (C does not reset
/// supplementary groups either). Not root: nothing to do.
pub fn drop_privileges(to: RunAs) -> Result<(), IdError> {
    if !Uid::effective().is_root() {
        return Ok(());
    }
    let gid = Gid::from_raw(to.gid);
    let uid = Uid::from_raw(to.uid);
    nix::unistd::setresgid(gid, gid, gid).map_err(IdError::SetGid)?;
    nix::unistd::setresuid(uid, uid, uid).map_err(IdError::SetUid)?;
    Ok(())
}

/// Step 9 of §2.9: the handlers' working directory. Upstream's `/var/lib/booth/cores`,
/// else stay in `/` (and say so).
pub const CORES_DIR: &str = "/var/lib/booth/cores";

pub fn enter_work_dir() -> Result<(), String> {
    std::env::set_current_dir(CORES_DIR).map_err(|e| {
        let _ = std::env::set_current_dir("/");
        format!(
            "Cannot chdir to [{CORES_DIR}]: {}",
            nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)).desc()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_resolves_and_unknown_user_has_cs_message() {
        assert_eq!(resolve("root", "root"), Ok(RunAs { uid: 0, gid: 0 }));
        assert_eq!(resolve("189", "0x10"), Ok(RunAs { uid: 189, gid: 16 }));
        assert_eq!(
            resolve("root", "no-such-group-booth")
                .expect_err("unknown")
                .to_string(),
            "Group \"no-such-group-booth\" cannot be resolved into a UID."
        );
        let e = resolve("no-such-user-booth", "root").expect_err("unknown");
        // surface.md §1.10 / lab README: the C message.
        assert_eq!(
            e.to_string(),
            "User \"no-such-user-booth\" cannot be resolved into a UID."
        );
    }
}
