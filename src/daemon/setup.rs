//! From a parsed command line to what the daemon runs on (surface.md §2.4, §2.5): the
//! configuration, the key, the local member, and the core's view of them.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use crate::auth::AuthKey;
use crate::config::{self, Config, MemberKind, TicketMode};
use crate::core::{self, Kind, Member, Mode, Setup, TicketParams};
use crate::keyfile::read_key_file;
use crate::local_member::{self, Matching};
use crate::log::{Level, Logger};

/// Everything read before the daemon starts.
pub struct Loaded {
    pub config: Config,
    pub key: Option<AuthKey>,
    /// Index of this daemon's member.
    pub local: usize,
}

impl Loaded {
    pub fn local_addr(&self) -> SocketAddr {
        let m = &self.config.members[self.local];
        SocketAddr::new(m.addr, m.port)
    }

    pub fn is_arbitrator(&self) -> bool {
        self.config.members[self.local].kind == MemberKind::Arbitrator
    }
}

/// getaddrinfo for host names in member lines (Debian resolves them, surface.md §1.7).
pub fn resolve_host(host: &str) -> Option<IpAddr> {
    (host, 0u16)
        .to_socket_addrs()
        .ok()?
        .map(|a: SocketAddr| a.ip())
        .next()
}

/// Reads config and key and finds the local member: by `forced` (the debug `-s`, matched
/// against the members' address texts) or by an exact interface address. Errors are
/// logged with C's texts; `Err` carries the exit code.
pub fn load(path: &str, forced: Option<&str>, log: &Logger) -> Result<Loaded, i32> {
    log.log(Level::Debug, format_args!("reading config file {path}"));
    let bytes = std::fs::read(path).map_err(|e| {
        log.log(
            Level::Error,
            format_args!("failed to open {path}: {}", os_text(&e)),
        );
        1
    })?;
    let config = config::parse_bytes(&bytes, path, &resolve_host).map_err(|e| {
        for l in e.c_lines() {
            if e.is_bare_stderr() {
                eprintln!("{l}");
            } else {
                log.log(Level::Error, format_args!("{l}"));
            }
        }
        1
    })?;
    for w in &config.warnings {
        log.log(Level::Warn, format_args!("{w}"));
    }
    if config.transport == config::Transport::Sctp {
        // C accepts SCTP and then crashes (quirk Q10).
        log.log(
            Level::Error,
            format_args!("transport SCTP is not supported, use UDP"),
        );
        return Err(1);
    }
    let key = match &config.authfile {
        None => None,
        Some(p) => read_key_file(p).map_err(|e| {
            log.log(Level::Error, format_args!("{e}"));
            1
        })?,
    };
    let local = match forced {
        Some(text) => config
            .members
            .iter()
            .position(|m| m.addr_text == text)
            .ok_or_else(|| {
                log.log(
                    Level::Error,
                    format_args!("Cannot find \"{text}\" in the configuration."),
                );
                1
            })?,
        None => {
            let addrs: Vec<IpAddr> = config.members.iter().map(|m| m.addr).collect();
            let ifaces = local_member::interfaces().unwrap_or_default();
            match local_member::choose(&addrs, &ifaces, Matching::Exact) {
                Some(c) => {
                    log.log(
                        Level::Info,
                        format_args!("local member is {}: {c}", config.members[c.index].addr_text),
                    );
                    c.index
                }
                None => {
                    log.log(
                        Level::Error,
                        format_args!("Cannot find myself in the configuration."),
                    );
                    return Err(1);
                }
            }
        }
    };
    Ok(Loaded { config, key, local })
}

/// The lock file: `-l`, or `/var/run/booth//<name>.pid`.
pub fn lock_path(arg: &str, config: &Config) -> PathBuf {
    if arg.is_empty() {
        super::lockfile::default_path(&config.name)
    } else {
        PathBuf::from(arg)
    }
}

/// The core's view of the configuration.
pub fn core_setup(config: &Config, local: usize) -> Setup {
    Setup {
        members: config
            .members
            .iter()
            .map(|m| Member {
                id: m.site_id,
                kind: match m.kind {
                    MemberKind::Site => Kind::Site,
                    MemberKind::Arbitrator => Kind::Arbitrator,
                },
            })
            .collect(),
        local,
        ms_mode: config.time_multiplier == 1000,
        tickets: config
            .tickets
            .iter()
            .map(|t| {
                let mut p =
                    TicketParams::new(core::Name::new(&t.name).unwrap_or(core::Name([0; 64])));
                p.expire = u64::from(t.expire_ms);
                p.timeout = u64::from(t.timeout_ms);
                p.retries = t.retries;
                p.renewal_freq = u64::from(t.renewal_freq_ms);
                p.acquire_after = u64::from(t.acquire_after_ms);
                p.mode = match t.mode {
                    TicketMode::Automatic => Mode::Auto,
                    TicketMode::Manual => Mode::Manual,
                };
                p.has_handler = t.handler.is_some();
                p
            })
            .collect(),
    }
}

fn os_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}
