//! From a parsed command line to what the daemon runs on (surface.md §2.4, §2.5): the
//! configuration, the key, the local member, and the core's view of them.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::auth::AuthKey;
use crate::client::conf;
use crate::config::{self, Config, MemberKind};
use crate::local_member;
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

/// Reads config and key and finds the local member: by `forced` (the debug `-s`, matched
/// against the members' address texts) or by an exact interface address. Errors are
/// logged with C's texts; `Err` carries the exit code.
pub fn load(path: &[u8], forced: Option<&str>, log: &Logger) -> Result<Loaded, i32> {
    let (config, key) = conf::read(path, log).map_err(|e| {
        if e == conf::LoadError::Config {
            log.error("cannot read config");
        }
        1
    })?;
    // The warnings C does not print (port after members, ...) are worth a daemon log line.
    for w in &config.warnings {
        // renewal-freq >= expire is part of the timing report (crate::timing).
        if !matches!(
            w,
            config::Warning::EvenMemberCount(_) | config::Warning::RenewalNotBeforeExpiry { .. }
        ) {
            log.log(Level::Warn, format_args!("{w}"));
        }
    }
    if config.transport == config::Transport::Sctp {
        // C accepts SCTP and then crashes (quirk Q10).
        log.log(
            Level::Error,
            format_args!("transport SCTP is not supported, use UDP"),
        );
        return Err(1);
    }
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
            match local_member::find_local(&addrs, &local_member::interface_addresses(), false) {
                Some(i) => {
                    let m = &config.members[i];
                    log.log(
                        Level::Info,
                        format_args!(
                            "local member is {} (site id {:08x}): exact match of a local interface address",
                            m.addr_text, m.site_id
                        ),
                    );
                    i
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
