//! Interpretation of booth.conf lines (surface.md §1.4–§1.7), in the same order and
//! with the same integer arithmetic as the C parser, so that the same files are
//! accepted with the same values.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use super::cnum::{atoi, c_int, c_u16, is_c_space, read_time, strtol};
use super::error::{ConfigError, ErrorKind, TimeKey};
use super::lexer::{chunks, tokenize, Token};
use super::path::name_from_path;
use super::resolve::{c_ntop, parse_literal, ResolveError, Resolver};
use super::types::{
    AttrOp, AttrPrereq, Config, GrantType, Handler, Member, MemberKind, RunAs, Ticket, TicketMode,
    Transport, Warning, DEFAULTS_TICKET, DEFAULT_EXPIRE_MS, DEFAULT_MAX_TIME_SKEW, DEFAULT_PORT,
    DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, MAX_MEMBERS, MAX_POLL_TIMEOUT_MS,
};
use crate::site_id::site_id;

/// Ticket names must be shorter than this (`BOOTH_NAME_LEN`).
const TICKET_NAME_LEN: usize = 64;
/// Member address texts must be shorter than this.
const ADDR_TEXT_LEN: usize = 64;
/// `name`, `site-user`, … must be shorter than this (C `safe_copy` into 64 bytes).
const SAFE_COPY_MAX: usize = 63;
/// argv slots of the handler, the terminating NULL included (C `MAX_ARGS`).
const MAX_ARGS: usize = 16;

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn to_u32(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// A ticket (or the `__defaults__` template) while parsing, in C's `int` units.
#[derive(Debug, Clone)]
struct Draft {
    name: String,
    line: usize,
    expire: i32,
    timeout: i32,
    retries: i32,
    /// 0 = not set
    renewal: i32,
    renewal_set: bool,
    acquire_after: i32,
    handler: Option<Handler>,
    prereqs: Vec<AttrPrereq>,
    mode: TicketMode,
    weights: [i32; MAX_MEMBERS],
}

impl Draft {
    fn template() -> Draft {
        Draft {
            name: String::new(),
            line: 0,
            expire: i32::try_from(DEFAULT_EXPIRE_MS).unwrap_or(i32::MAX),
            timeout: i32::try_from(DEFAULT_TIMEOUT_MS).unwrap_or(i32::MAX),
            retries: i32::try_from(DEFAULT_RETRIES).unwrap_or(i32::MAX),
            renewal: 0,
            renewal_set: false,
            acquire_after: 0,
            handler: None,
            prereqs: Vec::new(),
            mode: TicketMode::Automatic,
            weights: [0; MAX_MEMBERS],
        }
    }

    /// New ticket: only expire, timeout, retries, weights and mode come from the
    /// template (surface.md §1.5, Q14).
    fn from_template(t: &Draft, name: String, line: usize) -> Draft {
        Draft {
            name,
            line,
            expire: t.expire,
            timeout: t.timeout,
            retries: t.retries,
            weights: t.weights,
            mode: t.mode,
            ..Draft::template()
        }
    }

    /// End-of-stanza check: default renewal-freq, then `timeout*(retries+1) <
    /// renewal-freq` in C `int` arithmetic (overflow wraps, as in C).
    fn finish(&mut self) -> Result<(), ErrorKind> {
        if self.renewal == 0 {
            self.renewal = self.expire / 2;
        }
        if self.timeout.wrapping_mul(self.retries.wrapping_add(1)) >= self.renewal {
            return Err(ErrorKind::RetryExceedsRenewal {
                ticket: self.name.clone(),
                timeout: self.timeout,
                retries: self.retries,
                renewal: self.renewal,
            });
        }
        Ok(())
    }

    fn into_ticket(self) -> Ticket {
        Ticket {
            name: self.name,
            line: self.line,
            expire_ms: to_u32(self.expire),
            timeout_ms: to_u32(self.timeout),
            retries: to_u32(self.retries),
            renewal_freq_ms: to_u32(self.renewal),
            renewal_freq_set: self.renewal_set,
            acquire_after_ms: to_u32(self.acquire_after),
            handler: self.handler,
            attr_prereqs: self.prereqs,
            mode: self.mode,
            weights: self.weights,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Current {
    Nothing,
    Defaults,
    Ticket(usize),
}

struct Parser<'r> {
    resolver: &'r dyn Resolver,
    transport: Option<Transport>,
    port: u16,
    name: Option<String>,
    authfile: Option<PathBuf>,
    maxtimeskew: i32,
    debug: i32,
    run_as: RunAs,
    members: Vec<Member>,
    defaults: Draft,
    tickets: Vec<Draft>,
    current: Current,
    time_multiplier: u32,
    min_timeout: i32,
    warnings: Vec<Warning>,
}

/// Parses a whole file. See [`super::parse_bytes`].
pub(crate) fn parse_bytes(
    text: &[u8],
    path: &str,
    resolver: &dyn Resolver,
) -> Result<Config, ConfigError> {
    let mut p = Parser {
        resolver,
        transport: None,
        port: DEFAULT_PORT,
        name: None,
        authfile: None,
        maxtimeskew: DEFAULT_MAX_TIME_SKEW,
        debug: 0,
        run_as: RunAs::default(),
        members: Vec::new(),
        defaults: Draft::template(),
        tickets: Vec::new(),
        current: Current::Nothing,
        time_multiplier: 1,
        min_timeout: 0,
        warnings: Vec::new(),
    };
    let err = |line: usize, kind: ErrorKind| ConfigError {
        file: path.to_owned(),
        line,
        kind,
    };
    let mut lineno = 0;
    for chunk in chunks(text) {
        lineno += 1;
        match tokenize(chunk).map_err(|k| err(lineno, k))? {
            Token::Skip => {}
            Token::Entry { key, value } => {
                p.entry(key, value, lineno).map_err(|k| err(lineno, k))?
            }
        }
    }
    p.finish(path).map_err(|k| err(lineno, k))
}

impl Parser<'_> {
    fn entry(&mut self, key: &[u8], v: &[u8], line: usize) -> Result<(), ErrorKind> {
        match key {
            b"transport" => {
                if self.transport.is_some() {
                    return Err(ErrorKind::MultipleTransport);
                }
                self.transport = Some(if v.eq_ignore_ascii_case(b"UDP") {
                    Transport::Udp
                } else if v.eq_ignore_ascii_case(b"SCTP") {
                    Transport::Sctp
                } else {
                    return Err(ErrorKind::InvalidTransport(lossy(v)));
                });
            }
            b"port" => self.port(v, line),
            b"name" => self.name = Some(safe_copy("name", v)?),
            b"authfile" => {
                self.authfile =
                    (!v.is_empty()).then(|| PathBuf::from(OsString::from_vec(v.to_vec())));
            }
            b"maxtimeskew" => self.maxtimeskew = atoi(v),
            // RHEL's boothd and `pcs booth setup` write it; Debian's 1.0 rejects it. We
            // accept it and always use a configured authfile (deliberate divergence).
            b"enable-authfile" => {
                if !v.eq_ignore_ascii_case(b"yes") {
                    self.warnings.push(Warning::EnableAuthfileNotYes {
                        line,
                        value: lossy(v),
                    });
                }
            }
            b"site" => self.member(MemberKind::Site, v, line)?,
            b"arbitrator" => self.member(MemberKind::Arbitrator, v, line)?,
            b"site-user" => self.run_as.site_user = safe_copy("site-user", v)?,
            b"site-group" => self.run_as.site_group = safe_copy("site-group", v)?,
            b"arbitrator-user" => self.run_as.arbitrator_user = safe_copy("arbitrator-user", v)?,
            b"arbitrator-group" => {
                self.run_as.arbitrator_group = safe_copy("arbitrator-group", v)?;
            }
            b"debug" => self.debug = self.debug.max(atoi(v)),
            b"ticket" => self.ticket(v, line)?,
            _ => return self.ticket_key(key, v),
        }
        Ok(())
    }

    fn port(&mut self, v: &[u8], line: usize) {
        let n = atoi(v);
        self.port = c_u16(n);
        let plain =
            strtol(v, false).is_some_and(|(x, used)| used == v.len() && (1..=65535).contains(&x));
        if !plain {
            self.warnings.push(Warning::PortNotValid {
                line,
                value: lossy(v),
                used: self.port,
            });
        }
        if !self.members.is_empty() {
            self.warnings.push(Warning::PortAfterMembers { line });
        }
    }

    fn member(&mut self, kind: MemberKind, v: &[u8], line: usize) -> Result<(), ErrorKind> {
        if self.members.len() == MAX_MEMBERS {
            return Err(ErrorKind::TooManyNodes);
        }
        if v.len() >= ADDR_TEXT_LEN {
            return Err(ErrorKind::AddressTooLong(lossy(v)));
        }
        let (addr_text, addr) = match std::str::from_utf8(v).ok() {
            Some(text) => match parse_literal(text) {
                Some(addr) => (text.to_owned(), addr),
                None => match self.resolver.resolve(text) {
                    Ok(addr) => (c_ntop(&addr), addr),
                    Err(ResolveError::NotFound) => {
                        return Err(ErrorKind::HostNotFound(text.to_owned()))
                    }
                    Err(ResolveError::NoAddress) => {
                        return Err(ErrorKind::NoAddressForHost(text.to_owned()))
                    }
                },
            },
            None => return Err(ErrorKind::HostNotFound(lossy(v))),
        };
        let id = site_id(&addr);
        if let Some(first) = self.members.iter().find(|m| m.site_id == id) {
            return Err(ErrorKind::SiteIdCollision {
                first: first.addr_text.clone(),
                second: addr_text,
                id,
            });
        }
        self.members.push(Member {
            index: self.members.len(),
            kind,
            addr_text,
            addr,
            site_id: id,
            port: self.port,
            line,
        });
        Ok(())
    }

    fn current_draft(&mut self) -> Option<&mut Draft> {
        match self.current {
            Current::Nothing => None,
            Current::Defaults => Some(&mut self.defaults),
            Current::Ticket(i) => self.tickets.get_mut(i),
        }
    }

    fn ticket(&mut self, v: &[u8], line: usize) -> Result<(), ErrorKind> {
        if let Some(d) = self.current_draft() {
            d.finish()?;
        }
        if v == DEFAULTS_TICKET.as_bytes() {
            self.current = Current::Defaults;
            return Ok(());
        }
        if v.len() >= TICKET_NAME_LEN {
            return Err(ErrorKind::TicketNameTooLong(lossy(v)));
        }
        // C reserves the new (empty-named) slot before looking for duplicates, so an
        // empty name is "used again" too.
        if v.is_empty() || self.tickets.iter().any(|t| t.name.as_bytes() == v) {
            return Err(ErrorKind::TicketNameUsedAgain(lossy(v)));
        }
        if !v
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/')
        {
            return Err(ErrorKind::TicketNameInvalid(lossy(v)));
        }
        let draft = Draft::from_template(&self.defaults, lossy(v), line);
        self.current = Current::Ticket(self.tickets.len());
        self.tickets.push(draft);
        Ok(())
    }

    /// Reads a time value, switching the wire multiplier on for sub-second values
    /// (even invalid or template-only ones, as C does).
    fn time(&mut self, v: &[u8]) -> i32 {
        let t = read_time(v);
        if t % 1000 != 0 {
            self.time_multiplier = 1000;
        }
        c_int(t)
    }

    fn ticket_key(&mut self, key: &[u8], v: &[u8]) -> Result<(), ErrorKind> {
        if self.current == Current::Nothing {
            return Err(ErrorKind::UnexpectedKeyword(lossy(key)));
        }
        let known = matches!(
            key,
            b"expire"
                | b"timeout"
                | b"retries"
                | b"renewal-freq"
                | b"acquire-after"
                | b"before-acquire-handler"
                | b"attr-prereq"
                | b"mode"
                | b"weights"
        );
        if !known {
            return Err(ErrorKind::UnknownKeyword(lossy(key)));
        }
        let time = match key {
            b"expire" | b"timeout" | b"renewal-freq" | b"acquire-after" => self.time(v),
            _ => 0,
        };
        if key == b"timeout" && time > 0 {
            self.min_timeout = if self.min_timeout == 0 {
                time
            } else {
                self.min_timeout.min(time)
            };
        }
        let Some(d) = self.current_draft() else {
            return Err(ErrorKind::UnexpectedKeyword(lossy(key)));
        };
        match key {
            b"expire" if time > 0 => d.expire = time,
            b"expire" => return Err(ErrorKind::ExpectedTime(TimeKey::Expire)),
            b"timeout" if time > 0 => d.timeout = time,
            b"timeout" => return Err(ErrorKind::ExpectedTime(TimeKey::Timeout)),
            b"renewal-freq" if time > 0 => {
                d.renewal = time;
                d.renewal_set = true;
            }
            b"renewal-freq" => return Err(ErrorKind::ExpectedTime(TimeKey::RenewalFreq)),
            b"acquire-after" if time >= 0 => d.acquire_after = time,
            b"acquire-after" => return Err(ErrorKind::ExpectedTime(TimeKey::AcquireAfter)),
            b"retries" => d.retries = retries(v)?,
            b"before-acquire-handler" => d.handler = Some(handler(v)?),
            b"attr-prereq" => d.prereqs.push(attr_prereq(v)?),
            b"mode" => {
                d.mode = if v.eq_ignore_ascii_case(b"manual") {
                    TicketMode::Manual
                } else {
                    TicketMode::Automatic
                };
            }
            _ => d.weights = weights(v)?,
        }
        Ok(())
    }

    fn finish(mut self, path: &str) -> Result<Config, ErrorKind> {
        if self.members.len() % 2 == 0 {
            self.warnings
                .push(Warning::EvenMemberCount(self.members.len()));
        }
        let name = match self.name.take().filter(|n| !n.is_empty()) {
            Some(n) => n,
            None => name_from_path(path).ok_or(ErrorKind::FileNameTooLong)?,
        };
        if let Some(d) = self.current_draft() {
            d.finish()?;
        }
        let poll = match self.min_timeout / 10 {
            p if p <= 0 => MAX_POLL_TIMEOUT_MS,
            p => MAX_POLL_TIMEOUT_MS.min(to_u32(p)),
        };
        let tickets: Vec<Ticket> = self.tickets.into_iter().map(Draft::into_ticket).collect();
        for t in &tickets {
            if t.renewal_freq_ms >= t.expire_ms {
                self.warnings.push(Warning::RenewalNotBeforeExpiry {
                    ticket: t.name.clone(),
                });
            }
        }
        Ok(Config {
            path: path.to_owned(),
            name,
            transport: self.transport.unwrap_or(Transport::Udp),
            port: self.port,
            authfile: self.authfile,
            maxtimeskew: self.maxtimeskew,
            debug: self.debug,
            run_as: self.run_as,
            members: self.members,
            tickets,
            time_multiplier: self.time_multiplier,
            min_timeout_ms: (self.min_timeout > 0).then(|| to_u32(self.min_timeout)),
            poll_timeout_ms: poll,
            warnings: self.warnings,
        })
    }
}

/// C `safe_copy` into a 64-byte buffer: 63 bytes or more is fatal.
fn safe_copy(what: &'static str, v: &[u8]) -> Result<String, ErrorKind> {
    if v.len() >= SAFE_COPY_MAX {
        return Err(ErrorKind::ValueTooLong {
            what,
            value: lossy(v),
        });
    }
    Ok(lossy(v))
}

/// `retries`: `strtol` base 0 over the whole value, as `int`, in [3, 100].
fn retries(v: &[u8]) -> Result<i32, ErrorKind> {
    match strtol(v, true) {
        Some((n, used)) if used == v.len() => {
            let n = c_int(n);
            if (3..=100).contains(&n) {
                Ok(n)
            } else {
                Err(ErrorKind::RetriesRange)
            }
        }
        _ => Err(ErrorKind::RetriesRange),
    }
}

/// `strtok(value, " \t")` tokens.
fn tokens(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|&b| b == b' ' || b == b'\t')
        .filter(|t| !t.is_empty())
}

fn handler(v: &[u8]) -> Result<Handler, ErrorKind> {
    let argv: Vec<&[u8]> = tokens(v).collect();
    if argv.len() >= MAX_ARGS {
        return Err(ErrorKind::TooManyHandlerArgs);
    }
    // C keeps the whole strdup'ed value as the path; strtok cuts it after the first
    // token (leading blanks stay).
    let path_end = match argv.first() {
        Some(first) => {
            let start = v.len() - v.trim_ascii_start_blanks().len();
            start + first.len()
        }
        None => v.len(),
    };
    Ok(Handler {
        path: PathBuf::from(OsString::from_vec(v[..path_end].to_vec())),
        argv: argv
            .into_iter()
            .map(|a| OsString::from_vec(a.to_vec()))
            .collect(),
    })
}

trait TrimBlanks {
    fn trim_ascii_start_blanks(&self) -> &Self;
}

impl TrimBlanks for [u8] {
    fn trim_ascii_start_blanks(&self) -> &[u8] {
        let n = self
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        &self[n..]
    }
}

fn attr_prereq(v: &[u8]) -> Result<AttrPrereq, ErrorKind> {
    let mut t = tokens(v);
    let grant_type = match t.next().ok_or(ErrorKind::AttrPrereqArgs)? {
        b"auto" => GrantType::Auto,
        b"manual" => GrantType::Manual,
        other => return Err(ErrorKind::NotGrantType(lossy(other))),
    };
    let name = lossy(t.next().ok_or(ErrorKind::AttrPrereqArgs)?);
    let op = match t.next().ok_or(ErrorKind::AttrPrereqArgs)? {
        b"eq" => AttrOp::Eq,
        b"ne" => AttrOp::Ne,
        other => return Err(ErrorKind::NotAttrOp(lossy(other))),
    };
    let value = lossy(t.next().ok_or(ErrorKind::AttrPrereqArgs)?);
    Ok(AttrPrereq {
        grant_type,
        name,
        op,
        value,
    })
}

/// `weights` (surface.md §1.5): up to 16 `strtol` base-0 numbers separated by runs of
/// white space and `, ; : - +`; the rest after 16 numbers is not looked at.
fn weights(v: &[u8]) -> Result<[i32; MAX_MEMBERS], ErrorKind> {
    let mut w = [0; MAX_MEMBERS];
    let mut input = v;
    for slot in &mut w {
        if input.is_empty() {
            break;
        }
        let (n, used) =
            strtol(input, true).ok_or_else(|| ErrorKind::NoIntegerWeight(lossy(input)))?;
        *slot = c_int(n);
        let mut cp = used;
        while let Some(&c) = input.get(cp) {
            if is_c_space(c) || b",;:-+".contains(&c) {
                cp += 1;
            } else if c.is_ascii_digit() {
                break;
            } else {
                return Err(ErrorKind::InvalidWeightChar(lossy(&input[cp..])));
            }
        }
        input = &input[cp..];
    }
    Ok(w)
}
