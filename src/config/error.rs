//! Configuration errors: what went wrong, where, and the exact lines the C daemon logs
//! for it (surface.md §1.3, §8.2).

use std::fmt;

/// A fatal configuration error: the file, the 1-based line (chunk, surface.md §1.2.1)
/// the C parser was at, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The path as given to [`super::parse`].
    pub file: String,
    /// Line number as C counts it (1023-byte chunks); for end-of-file checks, the
    /// number of the last line.
    pub line: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// The time-valued ticket keys (surface.md §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKey {
    /// `expire` (> 0)
    Expire,
    /// `timeout` (> 0)
    Timeout,
    /// `renewal-freq` (> 0)
    RenewalFreq,
    /// `acquire-after` (>= 0)
    AcquireAfter,
}

/// Every way booth.conf can be rejected. Texts in `Display` are C's (surface.md §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Line does not start with `[A-Za-z0-9_-]`.
    NoKey,
    /// Key not followed by `=`.
    ExpectedEquals,
    /// Quoted value without its closing quote on the same line.
    UnterminatedQuote,
    /// Something other than a `#` comment after a closing quote.
    SurplusData,
    /// Nothing after `=`.
    NoValue,
    /// Key or value longer than 64 bytes.
    KeyValueTooLong,
    /// `transport` other than UDP/SCTP.
    InvalidTransport(String),
    /// Second `transport` line.
    MultipleTransport,
    /// `name`, `site-user`, … value of 63 bytes or more (C: plain stderr line, exit 1
    /// at once). `what` is C's description (`name`, `site-user`, …).
    ValueTooLong {
        /// the key
        what: &'static str,
        /// the value
        value: String,
    },
    /// A 17th member.
    TooManyNodes,
    /// Member address text of 64 bytes or more.
    AddressTooLong(String),
    /// Not a literal and the resolver knows no such host.
    HostNotFound(String),
    /// The resolver found the host but no IPv4/IPv6 address for it.
    NoAddressForHost(String),
    /// Two members with the same site id (wire.md §3.1 step 5).
    SiteIdCollision {
        /// address text of the earlier member
        first: String,
        /// address text of the member that collides with it
        second: String,
        /// the shared id
        id: u32,
    },
    /// Unknown key before the first `ticket` line (or a ticket key there).
    UnexpectedKeyword(String),
    /// Unknown key after a `ticket` line.
    UnknownKeyword(String),
    /// Ticket name of 64 bytes.
    TicketNameTooLong(String),
    /// Ticket defined twice (also `""`).
    TicketNameUsedAgain(String),
    /// Ticket name with characters outside `[A-Za-z0-9/-]`.
    TicketNameInvalid(String),
    /// Bad time value for the key.
    ExpectedTime(TimeKey),
    /// `retries` not a whole integer in [3, 100].
    RetriesRange,
    /// `before-acquire-handler` with more than 14 arguments.
    TooManyHandlerArgs,
    /// `attr-prereq` first token not `auto`/`manual`.
    NotGrantType(String),
    /// `attr-prereq` third token not `eq`/`ne`.
    NotAttrOp(String),
    /// `attr-prereq` with fewer than 4 tokens.
    AttrPrereqArgs,
    /// `weights` without a number where one must start.
    NoIntegerWeight(String),
    /// `weights` with a character that is neither separator nor digit.
    InvalidWeightChar(String),
    /// End-of-stanza check `timeout*(retries+1) < renewal-freq` failed (values in ms,
    /// as C's `int` arithmetic computed them). `ticket` is empty for `__defaults__`.
    RetryExceedsRenewal {
        /// ticket name ("" for the `__defaults__` template)
        ticket: String,
        /// timeout, ms
        timeout: i32,
        /// retries
        retries: i32,
        /// renewal-freq, ms
        renewal: i32,
    },
    /// The config name derived from the file name is 64 bytes or longer.
    FileNameTooLong,
}

/// How C reports an error kind.
enum Report {
    /// `<msg> in config file line N`
    Inline(String),
    /// a sub-parser's own line(s), then ` in config file line N`
    Separate(Vec<String>),
    /// one stderr line, no line number (safe_copy, collision)
    Alone(String),
}

impl ErrorKind {
    fn report(&self) -> Report {
        use ErrorKind as K;
        let inline = |s: &str| Report::Inline(s.to_owned());
        let sep = |s: String| Report::Separate(vec![s]);
        match self {
            K::NoKey => inline("No key"),
            K::ExpectedEquals => inline("Expected '=' after key"),
            K::UnterminatedQuote => inline("Unterminated quoted string"),
            K::SurplusData => inline("Surplus data after value"),
            K::NoValue => inline("No value"),
            K::KeyValueTooLong => inline("key/value too long"),
            K::InvalidTransport(v) => Report::Inline(format!("invalid transport protocol \"{v}\"")),
            K::MultipleTransport => inline("config file has multiple transport lines"),
            K::ValueTooLong { what, value } => {
                Report::Alone(format!("'{value}' exceeds maximum {what} length of 63"))
            }
            K::TooManyNodes => sep("too many nodes".to_owned()),
            K::AddressTooLong(a) => sep(format!("site address \"{a}\" too long")),
            K::HostNotFound(h) => Report::Separate(vec![
                format!("can't find IP for the host \"{h}\""),
                format!("Address string \"{h}\" is bad"),
            ]),
            K::NoAddressForHost(h) => Report::Separate(vec![
                format!("no IP addresses found for the host \"{h}\""),
                format!("Address string \"{h}\" is bad"),
            ]),
            K::SiteIdCollision { .. } => Report::Alone(
                "Got a site-ID collision. Please file a bug on https://github.com/ClusterLabs/booth/issues/new, attaching the configuration file.".to_owned(),
            ),
            K::UnexpectedKeyword(k) => Report::Inline(format!("Unexpected keyword \"{k}\"")),
            K::UnknownKeyword(k) => Report::Inline(format!("Unknown keyword \"{k}\"")),
            K::TicketNameTooLong(n) => sep(format!("ticket name \"{n}\" too long.")),
            K::TicketNameUsedAgain(n) => sep(format!("ticket name \"{n}\" used again.")),
            K::TicketNameInvalid(n) => {
                sep(format!("ticket name \"{n}\" invalid; only alphanumeric names."))
            }
            K::ExpectedTime(key) => Report::Inline(
                match key {
                    TimeKey::Expire => "Expected time >0 for expire",
                    TimeKey::Timeout => "Expected time >0 for timeout",
                    TimeKey::RenewalFreq => "Expected time >0 for renewal-freq",
                    TimeKey::AcquireAfter => "Expected time >=0 for acquire-after",
                }
                .to_owned(),
            ),
            K::RetriesRange => {
                inline("Expected plain integer value in the range [3, 100] for retries")
            }
            K::TooManyHandlerArgs => sep("too many arguments for the acquire-handler".to_owned()),
            K::NotGrantType(t) => sep(format!("{t} is not a grant type")),
            K::NotAttrOp(t) => sep(format!("{t} is not an attribute operation")),
            K::AttrPrereqArgs => sep("not enough arguments to attr-prereq".to_owned()),
            K::NoIntegerWeight(r) => sep(format!("No integer weight value at \"{r}\"")),
            K::InvalidWeightChar(r) => sep(format!("Invalid character at \"{r}\"")),
            K::RetryExceedsRenewal { ticket, timeout, retries, renewal } => sep(format!(
                "{ticket}: total amount of time to retry sending packets cannot exceed renewal frequency ({timeout}*({retries}+1) >= {renewal})"
            )),
            K::FileNameTooLong => sep("booth config file name too long".to_owned()),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.report() {
            Report::Inline(s) | Report::Alone(s) => f.write_str(&s),
            Report::Separate(lines) => f.write_str(&lines.join(": ")),
        }
    }
}

impl ConfigError {
    /// The lines the C daemon logs for this error, in order, without the log prefix
    /// (`<ts> <host> booth: [<pid>]: ERROR: `), for byte-compatible output. Errors that
    /// C prints as a bare stderr line (`name` too long, site-id collision) give one line;
    /// [`ConfigError::is_bare_stderr`] says which.
    #[must_use]
    pub fn c_lines(&self) -> Vec<String> {
        let tail = format!(" in config file line {}", self.line);
        match self.kind.report() {
            Report::Inline(s) => vec![format!("{s}{tail}")],
            Report::Separate(mut lines) => {
                lines.push(tail);
                lines
            }
            Report::Alone(s) => vec![s],
        }
    }

    /// True when C prints the error on stderr without the log prefix and exits at
    /// once (`'<v>' exceeds maximum name length of 63`).
    #[must_use]
    pub fn is_bare_stderr(&self) -> bool {
        matches!(self.kind, ErrorKind::ValueTooLong { .. })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in config file {} line {}",
            self.kind, self.file, self.line
        )?;
        if let ErrorKind::SiteIdCollision { first, second, id } = &self.kind {
            write!(
                f,
                " ({first} and {second} both have site id {id:#010x}; use another address for one of them)"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
