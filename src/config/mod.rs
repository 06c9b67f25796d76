//! booth.conf -> typed `Config` (surface.md §1). No I/O beyond what the caller hands in.
//!
//! Accepts and rejects exactly the files Debian's boothd 1.0 accepts and rejects, with
//! the same values (C `strtol`/`atoi`/`int` arithmetic included), and the same error
//! texts ([`ConfigError::c_lines`]). Deliberate differences, all outside what is
//! accepted: `site-user` & co. hold the config values (C stores an argv string, Q2);
//! host names go through an injected [`Resolver`] (the default, [`LiteralsOnly`],
//! knows none); and the non-fatal findings C is silent about are reported as
//! [`Warning`]s.
//!
//! ```
//! let cfg = booth::config::parse("site = 10.0.0.1\nticket = A\n", "/etc/booth/booth.conf").unwrap();
//! assert_eq!(cfg.name, "booth");
//! assert_eq!(cfg.tickets[0].expire_ms, 600_000);
//! ```
#![forbid(unsafe_code)]

mod cnum;
mod error;
mod lexer;
mod parser;
mod path;
mod resolve;
mod types;

pub use error::{ConfigError, ErrorKind, TimeKey};
pub use path::{
    config_path, name_from_path, ConfigArgTooLong, CONFIG_DIR, CONFIG_EXT, DEFAULT_CONFIG_PATH,
    MAX_CONFIG_NAME_LEN, MAX_CONFIG_PATH_LEN, MAX_NAME_LEN,
};
pub use resolve::{LiteralsOnly, ResolveError, Resolver};
pub use types::{
    AttrOp, AttrPrereq, Config, GrantType, Handler, Member, MemberKind, RunAs, Ticket, TicketMode,
    Transport, Warning, DEFAULTS_TICKET, DEFAULT_EXPIRE_MS, DEFAULT_MAX_TIME_SKEW, DEFAULT_PORT,
    DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, MAX_MEMBERS, MAX_POLL_TIMEOUT_MS,
};

/// Parses booth.conf text. `file_name` is the path the text was read from: it names the
/// file in errors and gives the configuration name when there is no `name` key.
/// Host names in member lines are rejected (no DNS here): use [`parse_with`].
///
/// # Errors
/// The first fatal error, as C would report it.
pub fn parse(text: &str, file_name: &str) -> Result<Config, ConfigError> {
    parse_bytes(text.as_bytes(), file_name, &LiteralsOnly)
}

/// [`parse`] with a resolver for host names in `site`/`arbitrator` lines.
///
/// # Errors
/// As [`parse`].
pub fn parse_with(
    text: &str,
    file_name: &str,
    resolver: &dyn Resolver,
) -> Result<Config, ConfigError> {
    parse_bytes(text.as_bytes(), file_name, resolver)
}

/// [`parse_with`] on raw file bytes: C reads bytes, so a Latin-1 comment or a non-UTF-8
/// handler path is fine (paths keep their bytes; names, users and attr-prereq values
/// are converted lossily).
///
/// # Errors
/// As [`parse`].
pub fn parse_bytes(
    bytes: &[u8],
    file_name: &str,
    resolver: &dyn Resolver,
) -> Result<Config, ConfigError> {
    parser::parse_bytes(bytes, file_name, resolver)
}
