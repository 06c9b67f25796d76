//! The daemon shell: everything with a file descriptor, a clock read or a child process.
//! It carries out what the core decides and decides nothing itself.

pub mod child;
pub mod conns;
pub mod hooks;
pub mod lockfile;
pub mod notify;
pub mod peers;
pub mod process;
pub mod runtime;
pub mod setup;
pub mod signals;
pub mod title;

use crate::client::args::{Invocation, VERSION};
use crate::log::{Level, Logger};
use lockfile::{LockFile, LockInfo};
use runtime::{Exit, Runtime};

/// `boothd daemon|start|site|arbitrator`: the startup of surface.md §2.9, then the loop.
/// Returns the exit code.
pub fn run(inv: &Invocation) -> i32 {
    let mut log = Logger::client("booth", inv.debug);
    let config_path = String::from_utf8_lossy(&inv.config).into_owned();
    let forced = (inv.debug > 0 && !inv.site.is_empty())
        .then(|| String::from_utf8_lossy(&inv.site).into_owned());
    let loaded = match setup::load(&inv.config, forced.as_deref(), &log) {
        Ok(l) => l,
        Err(code) => return code,
    };
    log.debug_level = log
        .debug_level
        .max(u32::try_from(loaded.config.debug).unwrap_or(0));
    let arbitrator = loaded.is_arbitrator();
    let kind = if arbitrator { "arbitrator" } else { "site" };
    let local_addr = loaded.local_addr();
    let member = &loaded.config.members[loaded.local];
    let (site_id, addr_text) = (member.site_id, member.addr_text.clone());
    let lock_path = setup::lock_path(&String::from_utf8_lossy(&inv.lockfile), &loaded.config);

    if !inv.foreground {
        if let Err(e) = process::daemonize() {
            log.log(Level::Error, format_args!("daemonizing failed: {e}"));
            return 1;
        }
        log.to_stderr = false;
        log.refresh_pid();
    }
    let signals = match signals::Signals::install() {
        Ok(s) => s,
        Err(e) => {
            log.log(Level::Error, format_args!("cannot set up signals: {e}"));
            return 1;
        }
    };
    let mut lock = match LockFile::acquire(&lock_path) {
        Ok(l) => l,
        Err(e) => {
            log.log(Level::Error, format_args!("{e}"));
            log.log(Level::Info, format_args!("exiting"));
            return 1;
        }
    };
    log.set_entity(&format!("boothd-{kind}"));
    log.open_daemon_channels(&|k| std::env::var(k).ok());
    log.log(
        Level::Info,
        format_args!("BOOTH {kind} {VERSION} daemon is starting"),
    );
    log_timing_report(&log, &loaded);
    let cfg_name = loaded.config.name.clone();
    let info = |started| LockInfo {
        pid: std::process::id(),
        started,
        arbitrator,
        cfg_name: &cfg_name,
        site_id,
        addr: &addr_text,
        port: local_addr.port(),
    };
    let fail = |log: &Logger, lock: LockFile, msg: String| {
        log.log(Level::Error, format_args!("{msg}"));
        log.log(Level::Info, format_args!("exiting"));
        lock.remove();
        1
    };
    if let Err(e) = lock.write_info(&info(false)) {
        return fail(&log, lock, e.to_string());
    }
    for e in process::realtime_setup() {
        log.log(Level::Error, format_args!("{e}"));
    }
    let nofile = process::raise_nofile(conns::WANTED_NOFILE);
    if conns::limit_for(nofile) < conns::MAX_CONNS {
        log.log(
            Level::Warn,
            format_args!(
                "only {nofile} file descriptors allowed (RLIMIT_NOFILE): at most {} client connections at once",
                conns::limit_for(nofile)
            ),
        );
    }
    // still single-threaded, argv read long ago (bin/boothd.rs): title::set may run
    let title = title::text(&config_path, kind, &addr_text, local_addr.port());
    if let Err(e) = title::set(&title) {
        log.log(
            Level::Warn,
            format_args!("cannot set the process title: {e}"),
        );
    }
    let run_as = run_as_identity(&loaded.config.run_as, arbitrator, &log);
    if let Some(id) = run_as {
        let _ = lock.chown(id.uid, id.gid);
        if let Err(e) = process::drop_privileges(id) {
            return fail(&log, lock, e.to_string());
        }
    }
    if let Err(e) = process::enter_work_dir() {
        log.log(Level::Error, format_args!("{e}"));
    }
    let (udp, tcp) = match runtime::bind(local_addr) {
        Ok(s) => s,
        Err(e) => return fail(&log, lock, format!("{e}\nfailed to init booth_transport")),
    };
    let mut rt = match Runtime::new(loaded, log, udp, tcp, signals) {
        Ok(r) => r,
        Err(e) => {
            let log = Logger::client(&format!("boothd-{kind}"), 0);
            return fail(&log, lock, e);
        }
    };
    let notify_socket = std::env::var("NOTIFY_SOCKET").ok();
    let exit = rt.run(&mut |log: &Logger| {
        if let Err(e) = lock.write_info(&info(true)) {
            log.log(Level::Error, format_args!("{e}"));
        }
        log.log(
            Level::Info,
            format_args!("BOOTH {kind} daemon started, node id is 0x{site_id:08X} ({site_id})."),
        );
        let status = format!(
            "READY=1\nSTATUS=Running: {config_path} {kind} for [{}]:{}",
            local_addr.ip(),
            local_addr.port()
        );
        let _ = notify::notify(notify_socket.as_deref(), &status);
    });
    let log = rt.into_logger();
    let code = match exit {
        Exit::Signal(_) => 0,
        Exit::Fatal(msg) => {
            log.log(Level::Error, format_args!("{msg}"));
            1
        }
    };
    log.log(Level::Info, format_args!("exiting"));
    lock.remove();
    code
}

/// The start-up report of booth-rs (not in C): whether authentication is active
/// (booth#114), each ticket's worst-case failover and the unsafe timer combinations.
fn log_timing_report(log: &Logger, loaded: &setup::Loaded) {
    let r = crate::timing::report(&loaded.config, loaded.key.is_some());
    log.log(Level::Info, format_args!("{}", r.auth_line()));
    for line in r.ticket_lines() {
        log.log(Level::Info, format_args!("{line}"));
    }
    for w in &r.warnings {
        log.log(Level::Warn, format_args!("{w}"));
    }
}

/// The run-as user and group (surface.md §1.10): the configured values for this member's
/// role (C always used the site's), falling back to the site's for an arbitrator whose
/// own do not resolve (Debian has no group `nobody`). `None` when nothing resolves: the
/// error is logged and the daemon keeps its identity, as C carries on.
fn run_as_identity(
    r: &crate::config::RunAs,
    arbitrator: bool,
    log: &Logger,
) -> Option<process::RunAs> {
    let site = || process::resolve(&r.site_user, &r.site_group);
    let found = if arbitrator {
        process::resolve(&r.arbitrator_user, &r.arbitrator_group).or_else(|_| site())
    } else {
        site()
    };
    match found {
        Ok(id) => Some(id),
        Err(e) => {
            log.log(Level::Error, format_args!("{e}"));
            None
        }
    }
}
