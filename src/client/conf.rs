//! Loading booth.conf, the key and the local member for the client and status modes
//! (surface.md §2.4): file I/O, `config::parse_bytes`, `keyfile`, interface addresses,
//! and the run-as user check, with the C tools' messages.

use std::ffi::CString;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::args::Invocation;
use super::ClientConf;
use crate::auth::{AuthError, AuthKey};
use crate::config::{self, Config, Warning};
use crate::keyfile::{read_key_file, KeyFileError};
use crate::local_member::{find_local_traced, interface_addresses};
use crate::log::Logger;

/// Which mode loads: clients accept a subnet match for the local member, status does not
/// and treats an unknown run-as user as fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Client,
    Status,
}

/// A loaded configuration.
pub struct Loaded {
    pub conf: ClientConf,
    /// Index of the local member, always set for `Role::Client`.
    pub local: Option<usize>,
}

/// Why loading failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Config or key unusable: clients add `cannot read config`; status says
    /// `Error reading configuration.`
    Config,
    /// Already reported, exit 1 without further text (e.g. a bare-stderr config error).
    Reported,
    /// Client on a host that is no member (C aborts, Q5).
    NotAMember,
}

/// getaddrinfo-based resolver for host names in member lines (Debian resolves them).
pub fn resolve_host(host: &str) -> Option<IpAddr> {
    (host, 0u16)
        .to_socket_addrs()
        .ok()?
        .map(|a: SocketAddr| a.ip())
        .next()
}

/// Which part of reading the configuration failed (libbooth tells them apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFailure {
    /// The file cannot be read.
    File,
    /// The text is not a valid configuration; `bare`: printed without log prefix.
    Syntax { bare: bool },
    /// The `authfile` is unusable.
    Key,
}

impl From<ReadFailure> for LoadError {
    fn from(f: ReadFailure) -> LoadError {
        match f {
            ReadFailure::Syntax { bare: true } => LoadError::Reported,
            _ => LoadError::Config,
        }
    }
}

/// Reads and parses the configuration at `path` and its key file, logging failures
/// with C's texts (daemon, clients and status alike).
pub fn read(path_bytes: &[u8], log: &Logger) -> Result<(Config, Option<AuthKey>), LoadError> {
    read_detailed(path_bytes, log).map_err(LoadError::from)
}

/// [`read`], saying which part failed.
pub fn read_detailed(
    path_bytes: &[u8],
    log: &Logger,
) -> Result<(Config, Option<AuthKey>), ReadFailure> {
    let path = String::from_utf8_lossy(path_bytes).into_owned();
    log.debug(&format!("reading config file {path}"));
    let bytes = match std::fs::read(std::ffi::OsStr::from_bytes(path_bytes)) {
        Ok(b) => b,
        Err(e) => {
            let mut msg = b"failed to open ".to_vec();
            msg.extend_from_slice(path_bytes);
            msg.extend_from_slice(format!(": {}", super::net::io_text(&e)).as_bytes());
            log.error_bytes(&msg);
            return Err(ReadFailure::File);
        }
    };
    let config = match config::parse_bytes(&bytes, &path, &resolve_host) {
        Ok(c) => c,
        Err(e) => {
            if e.is_bare_stderr() && log.is_memory() {
                for l in e.c_lines() {
                    log.error(&l);
                }
                return Err(ReadFailure::Syntax { bare: true });
            }
            if e.is_bare_stderr() {
                for l in e.c_lines() {
                    eprintln!("{l}");
                }
                return Err(ReadFailure::Syntax { bare: true });
            }
            for l in e.c_lines() {
                log.error(&l);
            }
            return Err(ReadFailure::Syntax { bare: false });
        }
    };
    for w in &config.warnings {
        // Only the warning C prints; the others are ours and would change the output.
        if let Warning::EvenMemberCount(_) = w {
            log.log(super::args::Level::Warn, w);
        }
    }
    let key = match &config.authfile {
        None => None,
        Some(p) => match read_key_file(p) {
            Ok(k) => {
                if let Some(k) = &k {
                    log.debug(&format!(
                        "read key of size {} in authfile {}",
                        k.as_bytes().len(),
                        p.display()
                    ));
                }
                k
            }
            Err(e) => {
                log.error(&key_error_text(p, &e));
                return Err(ReadFailure::Key);
            }
        },
    };
    Ok((config, key))
}

pub fn load(inv: &Invocation, log: &Logger, role: Role) -> Result<Loaded, LoadError> {
    let (config, key) = read(&inv.config, log)?;
    finish_load(config, key, log, role)
}

/// The local member and the run-as check of a configuration already read.
pub fn finish_load(
    config: Config,
    key: Option<AuthKey>,
    log: &Logger,
    role: Role,
) -> Result<Loaded, LoadError> {
    let addrs: Vec<IpAddr> = config.members.iter().map(|m| m.addr).collect();
    let conf = ClientConf { config, key };
    let (local, trace) = find_local_traced(&addrs, &interface_addresses(), role == Role::Client);
    for (i, bits) in trace {
        let at = &conf.config.members[i].addr_text;
        match bits {
            Some(b) => log.debug(&format!("found myself at {at} ({b} bits matched)")),
            None => log.debug(&format!("found myself at {at} (exact match)")),
        }
    }
    let users_ok = check_run_as(&conf.config, log);
    match role {
        Role::Client if local.is_none() => {
            log.error("Cannot find myself in the configuration.");
            return Err(LoadError::NotAMember);
        }
        Role::Status if !users_ok => return Err(LoadError::Config),
        _ => {}
    }
    Ok(Loaded { conf, local })
}

/// The C texts for key file failures (surface.md §1.9).
fn key_error_text(path: &Path, e: &KeyFileError) -> String {
    match e {
        KeyFileError::Key {
            err: AuthError::KeyReadable { .. },
            ..
        } => format!(
            "{}: file shall not be readable for anyone but the owner",
            path.display()
        ),
        // keyfile's Display appends Rust's " (os error N)"; C prints strerror only.
        KeyFileError::Open { err, .. } => {
            format!(
                "cannot open {}: {}",
                path.display(),
                super::net::io_text(err)
            )
        }
        KeyFileError::Stat { err, .. } => format!(
            "cannot stat authentication file {}: {}",
            path.display(),
            super::net::io_text(err)
        ),
        KeyFileError::Read { err, .. } => format!(
            "cannot read authentication file {}: {}",
            path.display(),
            super::net::io_text(err)
        ),
        other => other.to_string(),
    }
}

/// The run-as user and group must resolve (surface.md §1.10); C logs and carries on,
/// except in status mode. Names starting with a digit are numeric ids.
fn check_run_as(config: &Config, log: &Logger) -> bool {
    let user = &config.run_as.site_user;
    let group = &config.run_as.site_group;
    let mut ok = true;
    if !user.starts_with(|c: char| c.is_ascii_digit()) && !user_exists(user) {
        log.error(&format!("User \"{user}\" cannot be resolved into a UID."));
        ok = false;
    }
    if ok && !group.starts_with(|c: char| c.is_ascii_digit()) && !group_exists(group) {
        log.error(&format!("Group \"{group}\" cannot be resolved into a UID."));
        ok = false;
    }
    ok
}

fn user_exists(name: &str) -> bool {
    let Ok(c) = CString::new(name) else {
        return false;
    };
    // SAFETY: getpwnam with a valid NUL-terminated name; we only test the pointer.
    !unsafe { libc::getpwnam(c.as_ptr()) }.is_null()
}

fn group_exists(name: &str) -> bool {
    let Ok(c) = CString::new(name) else {
        return false;
    };
    // SAFETY: getgrnam with a valid NUL-terminated name; we only test the pointer.
    !unsafe { libc::getgrnam(c.as_ptr()) }.is_null()
}
