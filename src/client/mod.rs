//! `booth` and `geostore`: argv, the TCP request/reply exchange, texts and exit codes of
//! the C client (surface.md §2, §5, §8; wire.md §5.6–7).
//!
//! Version policy: Debian 1.0 on the wire and in outputs, except where upstream 1.2 fixed
//! a bug: `Site "…" not configured.`, the arbitrator refusals and `No ticket given.`
//! exit 1 (Q3). Deliberate differences from C, all on paths where C misbehaves:
//! * a host that is no member gets `Cannot find myself in the configuration.`, exit 1
//!   (C aborts or crashes, Q5);
//! * every read has a deadline (C waits forever): 10 s for list, peers and geostore;
//!   per grant/revoke reply `timeout × (retries + 1) + 10 s`, plus
//!   `expire + acquire-after` with `-w`/`-C`; then `read failed (110): Connection timed
//!   out (no answer within N s)`, exit 1;
//! * a grant/revoke reply cut before its 48 header bytes is not interpreted (C prints a
//!   result from uninitialised memory, often `grant succeeded!`); text replies whose
//!   `length` is below the header or above 16 MiB are refused with a message;
//! * a redirect to no member, or more than 8 redirects, ends with a message, exit 1;
//! * the run-as user checked is the config's `site-user`/`site-group` (C checks the last
//!   argv value, Q2), with C's message.
pub mod args;
pub mod conf;
pub mod net;
pub mod status;

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::auth::{self, AuthKey, PeerClock, SendClock, Timestamp};
use crate::config::{Config, Member, MemberKind};
use crate::log::Logger;
use crate::wire::consts::{HEADER_LEN, NO_ONE, OPT_WAIT, OPT_WAIT_COMMIT, TRAILER_LEN};
use crate::wire::{
    c_client_padding, decode_header, encode, AttrBody, AttrName, AttrValue, Body, Cmd, Header,
    Message, ResultCode, TicketBody, TicketName,
};
use args::{AttrOp, ClientOp, Level, Mode, Parsed, Say};
use net::{Conn, ReadError};

/// What the client needs from booth.conf: the parsed config and the key read from its
/// `authfile` (`None`: no authentication).
#[derive(Clone, Debug)]
pub struct ClientConf {
    pub config: Config,
    pub key: Option<AuthKey>,
}

impl ClientConf {
    /// C's `find_site_by_name(…, any_type = 1)`: `other` is the only other site.
    fn find_site(&self, name: &[u8], local: usize) -> Option<usize> {
        if name == args::OTHER_SITE {
            return self.config.other_site(Some(local)).map(|m| m.index);
        }
        let name = std::str::from_utf8(name).ok()?;
        self.config.member_by_text(name).map(|m| m.index)
    }

    fn maxtimeskew(&self) -> u32 {
        u32::try_from(self.config.maxtimeskew).unwrap_or(0)
    }
}

/// Entry point of the `booth`/`geostore` personalities; returns the exit code.
pub fn main(argv: Vec<Vec<u8>>) -> i32 {
    let parsed = args::parse(&argv, &resolve_ipv4);
    let geostore = argv.first().is_some_and(|a| args::is_geostore(a));
    let entity = if geostore { "geostore" } else { "booth" };
    let inv = match parsed {
        Parsed::Run(inv) => inv,
        Parsed::Exit(lines, code) => {
            let logger = Logger::new(entity, true);
            say(&logger, &lines);
            return code;
        }
    };
    let logger = Logger::new(entity, inv.debug > 0);
    match inv.mode {
        Mode::Daemon => crate::daemon::run(&inv),
        Mode::Status => status::run(&inv, &logger),
        Mode::CheckConfig => check_config(&inv, &logger),
        Mode::Client(_) | Mode::Geostore(_) => {
            match conf::load(&inv, &logger, conf::Role::Client) {
                Ok(loaded) => match loaded.local {
                    Some(local) => run_client(&inv, Session::new(loaded.conf, local, logger)),
                    None => 1,
                },
                Err(conf::LoadError::Config) => {
                    logger.error("cannot read config");
                    1
                }
                Err(_) => 1,
            }
        }
    }
}

/// `boothd check-config [-c FILE]` (booth-rs): the configuration parsed as the daemon
/// reads it, then its timing report and warnings on stdout (issue #10); exit 0 when
/// the daemon would accept it, 1 (with C's messages) when not.
fn check_config(inv: &args::Invocation, logger: &Logger) -> i32 {
    match conf::read(&inv.config, logger) {
        Ok((config, key)) => {
            let report = crate::timing::report(&config, key.is_some());
            let mut text = format!("{}\n", report.auth_line());
            for l in report.ticket_lines() {
                text.push_str(&l);
                text.push('\n');
            }
            for w in &report.warnings {
                text.push_str(&format!("WARNING: {w}\n"));
            }
            print_text(text.as_bytes());
            0
        }
        Err(conf::LoadError::Config) => {
            logger.error("cannot read config");
            1
        }
        Err(_) => 1,
    }
}

/// Prints the lines of an early exit.
fn say(logger: &Logger, lines: &[Say]) {
    use std::io::Write;
    for l in lines {
        match l {
            Say::Stdout(b) => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b);
                let _ = out.flush();
            }
            Say::Stderr(b) => {
                let _ = std::io::stderr().write_all(b);
            }
            Say::Log(level, msg) => logger.log(*level, msg),
        }
    }
}

/// C's `host_convert`: a host name to an IPv4 literal, if it resolves.
pub(crate) fn resolve_ipv4(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    if name.is_empty() || name.contains('\0') {
        return None;
    }
    let addrs = (name, 0u16).to_socket_addrs().ok()?;
    addrs
        .filter_map(|a| match a {
            SocketAddr::V4(v4) => Some(v4.ip().to_string()),
            SocketAddr::V6(_) => None,
        })
        .next()
}

/// Exit code from C's internal result: negative or >= 0x70 becomes 1.
fn exit_code(rv: i32) -> i32 {
    if (0..0x70).contains(&rv) {
        rv
    } else {
        1
    }
}

/// Runs one CLI operation and turns its outcome into C's internal return value.
fn run_client(inv: &args::Invocation, mut s: Session) -> i32 {
    let req = Request::from_invocation(inv);
    let rv = match inv.mode {
        Mode::Client(op @ (ClientOp::List | ClientOp::Peers)) => {
            match s.query(&req, Query::Booth(op)) {
                Ok(reply) if inv.json => {
                    let text = String::from_utf8_lossy(&reply.text);
                    let json = match op {
                        ClientOp::List => crate::json::list(&text),
                        _ => crate::json::peers(&text),
                    };
                    match json {
                        Ok(j) => print_text(j.as_bytes()),
                        Err(e) => {
                            s.log.error(&format!(
                                "cannot read the daemon's reply as {}: {e}",
                                op.name()
                            ));
                            return 1;
                        }
                    }
                    s.test_reply(reply.result, op, &req.ticket, req.options)
                }
                Ok(reply) => {
                    print_text(&reply.text);
                    s.test_reply(reply.result, op, &req.ticket, req.options)
                }
                Err(f) => f.query_rv(),
            }
        }
        Mode::Client(op) => s.grant_revoke(&req, op).map_or(-1, |_| 0),
        Mode::Geostore(op @ (AttrOp::List | AttrOp::Get)) => match s.attr_query(&req, op) {
            Ok((ticket, reply)) => {
                print_text(&reply.text);
                s.test_attr_reply(reply.result, op, &ticket, &req.attr_name)
            }
            Err(Failure::NoTicket) => 1,
            Err(f) => f.query_rv(),
        },
        Mode::Geostore(op) => match s.attr_command(&req, op) {
            Ok(_) => 0,
            Err(Failure::NoTicket | Failure::Refused(ResultCode::InvalidArg)) => 1,
            Err(Failure::Refused(ResultCode::NoSuchAttr)) => 1,
            Err(_) => -1,
        },
        _ => -1,
    };
    exit_code(rv)
}

/// C prints a text reply as a C string: up to the first NUL.
fn print_text(text: &[u8]) {
    use std::io::Write;
    if !text.is_empty() {
        let mut out = std::io::stdout();
        let _ = out.write_all(text);
        let _ = out.flush();
    }
}

/// A list/peers or geostore query: which request to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    Booth(ClientOp),
    Attr(AttrOp),
}

/// The arguments of one operation besides the operation itself: the CLI fills them from
/// argv, libbooth from its parameters. Empty byte strings mean "not given", as in C.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `-s`: a member address, `other`, or empty for the local member.
    pub site: Vec<u8>,
    /// The ticket; empty means the only configured one (grant, revoke, geostore).
    pub ticket: Vec<u8>,
    /// `options` bits of the request header (wire.md §2.5).
    pub options: u32,
    pub attr_name: Vec<u8>,
    pub attr_value: Vec<u8>,
    /// Give up when no final answer arrived by then (libbooth's timeout); `None`: the
    /// per-reply defaults described in the module doc.
    pub deadline: Option<Instant>,
}

impl Request {
    pub fn from_invocation(inv: &args::Invocation) -> Request {
        Request {
            site: inv.site.clone(),
            ticket: inv.ticket.clone(),
            options: inv.options,
            attr_name: inv.attr_name.clone(),
            attr_value: inv.attr_value.clone(),
            deadline: None,
        }
    }
}

/// Why an operation did not succeed. Each cause was logged with the C client's text
/// when it happened; the CLI turns it into C's exit status, libbooth into a result code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `-s` names no member (`cannot find site "X"` / `Site "X" not configured.`).
    UnknownSite,
    /// grant/revoke/set/delete aimed at an arbitrator.
    Arbitrator,
    /// No ticket named and not exactly one configured (`No ticket given.`).
    NoTicket,
    /// A name that does not fit its wire field, or an encoding error.
    Internal,
    /// `connect to X got a timeout` / `... got an error: ...`.
    Connect,
    /// `send failed: ...`.
    Send,
    /// The reply did not arrive in full (`read failed (...)`); `timeout`: no answer in time.
    Read { timeout: bool },
    /// A reply with an impossible length, magic or version, or a redirect to no member
    /// or one time too many.
    BadReply,
    /// The reply failed authentication (`X: failed to authenticate`): wrong key or clock.
    AuthFailed,
    /// The daemon's answer was a refusal: `Over`, `Fail`, `IArg`, `Auth`, `XPrg`, `APrq`,
    /// `NAtr`, or an unexpected code (`got an error code: 0`).
    Refused(ResultCode),
}

impl Failure {
    /// C's internal return value for list, peers and geostore list/get.
    fn query_rv(self) -> i32 {
        if self == Failure::UnknownSite {
            libc::ENOENT
        } else {
            -1
        }
    }
}

/// How a grant, revoke, geostore set or delete ended without failure (CLI exit 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// `<op> succeeded!`
    Success,
    /// `<op> command sent, result will be returned asynchronously. ...`
    Async,
    /// `<op> succeeded (CIB commit pending)`: granted, written to the CIB later.
    CommitPending,
    /// Revoke of a ticket nobody holds: `ticket is not owned`.
    NotOwned,
    /// Still running after two progress replies without `-w`: `Giving up on waiting ...`.
    GaveUp,
}

/// A text reply (list, peers, geostore list/get): the daemon's result and its text up to
/// the first NUL, as C prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextReply {
    pub result: ResultCode,
    pub text: Vec<u8>,
}

/// A loaded client: configuration, key, local member, where messages go, and the clock
/// that keeps request time stamps increasing across requests.
pub struct Session {
    pub conf: ClientConf,
    /// Index of the local member in `conf.config.members`.
    pub local: usize,
    pub log: Logger,
    send_clock: SendClock,
}

/// How long one text reply (list, peers, geostore) may take: the daemon answers these
/// from memory at once.
const QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Text replies larger than this are refused (C would allocate whatever `length` says).
const MAX_TEXT: usize = 16 << 20;
/// Redirects followed for one revoke (C follows them without limit).
const MAX_REDIRECTS: usize = 8;

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

impl Session {
    pub fn new(conf: ClientConf, local: usize, log: Logger) -> Session {
        Session {
            conf,
            local,
            log,
            send_clock: SendClock::default(),
        }
    }

    fn member(&self, i: usize) -> &Member {
        &self.conf.config.members[i]
    }

    fn local_id(&self) -> u32 {
        self.member(self.local).site_id
    }

    /// Encodes `msg` (signed when a key is configured) plus `pad` zero bytes.
    fn encode_request(&mut self, msg: Message<'_>, pad: usize) -> Result<Vec<u8>, Failure> {
        let encoded = match &self.conf.key {
            Some(key) => {
                let t = self.send_clock.next(now());
                let msg = msg.with_auth(t.secs, t.usecs);
                let mut buf = vec![0u8; msg.wire_len() + pad];
                auth::encode_signed(key, &msg, &mut buf).map(|_| buf)
            }
            None => {
                let mut buf = vec![0u8; msg.wire_len() + pad];
                encode(&msg, &mut buf).map(|_| buf)
            }
        };
        encoded.map_err(|e| {
            self.log
                .error(&format!("internal error: cannot encode the request: {e}"));
            Failure::Internal
        })
    }

    /// Checks a reply's MAC over `signed` and its timestamp (C's `check_auth` with the
    /// target as the peer). Logs like C on failure.
    fn check_auth(
        &self,
        key: &AuthKey,
        target: usize,
        signed: &[u8],
        trailer: &[u8],
        clock: &mut PeerClock,
    ) -> bool {
        let name = &self.member(target).addr_text;
        let ok = auth::verify(key, signed, trailer).is_ok() && {
            let h = signed.get(..HEADER_LEN).map(read_ts).unwrap_or_default();
            match clock.check(h, now(), self.conf.maxtimeskew()) {
                Ok(auth::Freshness::Newer) => true,
                Ok(auth::Freshness::OlderThanPrevious) => {
                    self.log.log(
                        Level::Warn,
                        format!("{name}: packet timestamp older than previous one"),
                    );
                    true
                }
                Err(_) => {
                    self.log.error(&format!(
                        "{name}: packet timestamp older than {} seconds",
                        self.conf.maxtimeskew()
                    ));
                    false
                }
            }
        };
        if !ok {
            self.log.error(&format!("{name}: failed to authenticate"));
        }
        ok
    }

    /// The member `-s` names (or the local one); logs `msg_prefix"X"msg_suffix` if none.
    fn target(&self, req: &Request, before: &[u8], after: &[u8]) -> Result<usize, Failure> {
        if req.site.is_empty() {
            return Ok(self.local);
        }
        self.conf.find_site(&req.site, self.local).ok_or_else(|| {
            self.log.error_bytes(&cat(&[before, &req.site, after]));
            Failure::UnknownSite
        })
    }

    /// The ticket asked about: the given one, or the only configured one.
    fn resolve_ticket(&self, req: &Request) -> Result<Vec<u8>, Failure> {
        if !req.ticket.is_empty() {
            return Ok(req.ticket.clone());
        }
        if let [only] = self.conf.config.tickets.as_slice() {
            Ok(only.name.as_bytes().to_vec())
        } else {
            self.log.error("No ticket given.");
            Err(Failure::NoTicket)
        }
    }

    /// Connects to `target` and writes `req`.
    fn open(&self, target: usize, req: &[u8]) -> Result<Conn, Failure> {
        let m = self.member(target);
        let mut conn = Conn::connect(SocketAddr::new(m.addr, m.port)).map_err(|e| {
            self.log.error(&e.c_message(&m.addr_text));
            Failure::Connect
        })?;
        conn.send(req).map_err(|e| {
            self.log.error(&e);
            Failure::Send
        })?;
        Ok(conn)
    }

    /// Reads `buf` in full within `timeout` (cut short by the request's deadline).
    fn read(
        &self,
        conn: &mut Conn,
        buf: &mut [u8],
        timeout: Duration,
        deadline: Option<Instant>,
    ) -> Result<(), ReadError> {
        let timeout = match deadline {
            Some(d) => timeout.min(d.saturating_duration_since(Instant::now())),
            None => timeout,
        };
        let r = conn.read_full(buf, timeout);
        if let Err(e) = &r {
            self.log.error(&e.c_message());
        }
        r
    }

    /// list and peers: the daemon's text (C's `query_get_string_answer`). The CLI prints
    /// the text, then judges `result` with [`Session::test_reply`].
    pub fn query(&mut self, req: &Request, q: Query) -> Result<TextReply, Failure> {
        let body = match q {
            Query::Booth(_) => Body::Ticket(TicketBody::default()),
            Query::Attr(_) => Body::Attr(self.attr_body(&req.ticket, req)?),
        };
        self.query_body(req, q, body)
    }

    /// geostore list/get: the ticket asked about and the daemon's text.
    pub fn attr_query(
        &mut self,
        req: &Request,
        op: AttrOp,
    ) -> Result<(Vec<u8>, TextReply), Failure> {
        let ticket = self.resolve_ticket(req)?;
        let body = Body::Attr(self.attr_body(&ticket, req)?);
        let reply = self.query_body(req, Query::Attr(op), body)?;
        Ok((ticket, reply))
    }

    fn query_body(
        &mut self,
        req: &Request,
        q: Query,
        body: Body<'static>,
    ) -> Result<TextReply, Failure> {
        let target = self.target(req, b"cannot find site \"", b"\"")?;
        let cmd = match q {
            Query::Booth(ClientOp::Peers) => Cmd::Peers,
            Query::Booth(_) => Cmd::List,
            Query::Attr(AttrOp::Get) => Cmd::AttrGet,
            Query::Attr(_) => Cmd::AttrList,
        };
        let mut header = Header::new(cmd, self.local_id());
        header.options = req.options;
        let pad = c_client_padding(cmd, self.conf.key.is_some());
        let msg = self.encode_request(Message::new(header, body), pad)?;
        let mut conn = self.open(target, &msg)?;
        let head_len = HEADER_LEN
            + if self.conf.key.is_some() {
                TRAILER_LEN
            } else {
                0
            };
        let mut head = vec![0u8; head_len];
        self.read(&mut conn, &mut head, QUERY_TIMEOUT, req.deadline)
            .map_err(|e| read_failure(&e))?;
        if let Some(key) = &self.conf.key {
            let mut clock = PeerClock::default();
            let (signed, trailer) = head.split_at(HEADER_LEN);
            if !self.check_auth(key, target, signed, trailer, &mut clock) {
                return Err(Failure::AuthFailed);
            }
        }
        let h = read_header(&head);
        let length = usize::try_from(h.length).unwrap_or(usize::MAX);
        if length < head_len || length - head_len > MAX_TEXT {
            self.log.error(&format!(
                "{}: reply length {} out of range",
                self.member(target).addr_text,
                h.length
            ));
            return Err(Failure::BadReply);
        }
        let mut text = vec![0u8; length - head_len];
        if !text.is_empty() {
            self.read(&mut conn, &mut text, QUERY_TIMEOUT, req.deadline)
                .map_err(|e| read_failure(&e))?;
            let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
            text.truncate(end);
        }
        Ok(TextReply {
            result: h.result(),
            text,
        })
    }

    fn attr_body(&self, ticket: &[u8], req: &Request) -> Result<AttrBody, Failure> {
        // The CLI checked the lengths at argv parsing; libbooth passes names through.
        let t = TicketName::from_bytes(ticket).ok();
        let name = AttrName::from_bytes(&req.attr_name).ok();
        let value = AttrValue::from_bytes(&req.attr_value).ok();
        match (t, name, value) {
            (Some(ticket), Some(name), Some(value)) => Ok(AttrBody {
                ticket,
                name,
                value,
            }),
            _ => {
                self.log.error("internal error: name too long");
                Err(Failure::Internal)
            }
        }
    }

    /// C's `test_reply` (wire.md §6.5): logs the result's message and returns C's rv:
    /// 0, -1, 1 redirect, 2 more, 3 pending with -C. `ticket` is quoted in messages.
    pub fn test_reply(&self, code: ResultCode, op: ClientOp, ticket: &[u8], options: u32) -> i32 {
        let op_str = op.name();
        match code {
            ResultCode::Overgrant => {
                self.log.info(
                    "You're granting a granted ticket. If you wanted to migrate a ticket, \
                     use revoke first, then use grant.",
                );
                -1
            }
            ResultCode::TicketIdle => {
                self.log.info("ticket is not owned");
                0
            }
            ResultCode::Async => {
                self.log.info(&format!(
                    "{op_str} command sent, result will be returned asynchronously. \
                     Please use \"booth list\" to see the outcome."
                ));
                0
            }
            ResultCode::CibPending => {
                self.log
                    .info(&format!("{op_str} succeeded (CIB commit pending)"));
                if options & OPT_WAIT_COMMIT != 0 {
                    3
                } else {
                    0
                }
            }
            ResultCode::More => 2,
            ResultCode::SyncSucc | ResultCode::Other(0) => {
                if !matches!(op, ClientOp::List | ClientOp::Peers) {
                    self.log.info(&format!("{op_str} succeeded!"));
                }
                0
            }
            ResultCode::SyncFail => {
                self.log.info(&format!("{op_str} failed!"));
                -1
            }
            ResultCode::InvalidArg => {
                self.log
                    .error_bytes(&cat(&[b"ticket \"", ticket, b"\" does not exist"]));
                -1
            }
            ResultCode::Auth => {
                self.log.error("authentication error");
                -1
            }
            ResultCode::ExtFailed => {
                self.log.error_bytes(&cat(&[
                    b"before-acquire-handler for ticket \"",
                    ticket,
                    b"\" failed, grant denied",
                ]));
                -1
            }
            ResultCode::AttrPrereq => {
                self.log.error_bytes(&cat(&[
                    b"attr-prereq for ticket \"",
                    ticket,
                    b"\" failed, grant denied",
                ]));
                -1
            }
            ResultCode::Redirect => 1,
            // C prints a local variable (always 0) instead of the code (Q12): keep the
            // text scripts may match.
            _ => {
                self.log.error("got an error code: 0");
                -1
            }
        }
    }

    /// C's `test_attr_reply` (wire.md §6.6): logs the result's message, returns C's rv.
    pub fn test_attr_reply(
        &self,
        code: ResultCode,
        op: AttrOp,
        ticket: &[u8],
        attr_name: &[u8],
    ) -> i32 {
        let op_str = op.name();
        match code {
            ResultCode::Async => {
                self.log.info(&format!(
                    "{op_str} command sent, result will be returned asynchronously."
                ));
                0
            }
            ResultCode::SyncSucc | ResultCode::Other(0) => {
                if op == AttrOp::Set {
                    self.log.info(&format!("{op_str} succeeded!"));
                }
                0
            }
            ResultCode::SyncFail => {
                self.log.info(&format!("{op_str} failed!"));
                -1
            }
            ResultCode::InvalidArg => {
                self.log
                    .error_bytes(&cat(&[b"ticket \"", ticket, b"\" does not exist"]));
                1
            }
            ResultCode::NoSuchAttr => {
                self.log
                    .error_bytes(&cat(&[b"attribute \"", attr_name, b"\" not set"]));
                1
            }
            ResultCode::Auth => {
                self.log.error("authentication error");
                -1
            }
            _ => {
                self.log.error("got an error code: 0");
                -1
            }
        }
    }

    /// How long to wait for each grant/revoke reply: the daemon pushes one per election
    /// round (`timeout`), or after the CIB commit delay (`expire + acquire-after`) when
    /// waiting for the outcome; plus the 10 s C allows for connecting.
    fn reply_timeout(&self, ticket: &[u8], options: u32) -> Duration {
        let t = self
            .conf
            .config
            .tickets
            .iter()
            .find(|t| t.name.as_bytes() == ticket);
        let (timeout, retries, expire, after) = t.map_or(
            (
                crate::config::DEFAULT_TIMEOUT_MS,
                crate::config::DEFAULT_RETRIES,
                crate::config::DEFAULT_EXPIRE_MS,
                0,
            ),
            |t| (t.timeout_ms, t.retries, t.expire_ms, t.acquire_after_ms),
        );
        let mut ms = u64::from(timeout) * (u64::from(retries) + 1) + 10_000;
        if options & (OPT_WAIT | OPT_WAIT_COMMIT) != 0 {
            ms += u64::from(expire) + u64::from(after);
        }
        Duration::from_millis(ms)
    }

    /// The refusals of grant/revoke before anything is sent (wire.md §6.3): unknown
    /// site or an arbitrator as the target. Returns the target.
    fn command_target(&self, req: &Request, what: &str) -> Result<usize, Failure> {
        let target = self.target(req, b"Site \"", b"\" not configured.")?;
        if self.member(target).kind == MemberKind::Arbitrator {
            if target == self.local {
                self.log
                    .error(&format!("We're just an arbitrator, {what} here."));
            } else {
                self.log.error_bytes(&cat(&[
                    &req.site,
                    format!(" is just an arbitrator, {what} there.").as_bytes(),
                ]));
            }
            return Err(Failure::Arbitrator); // Q3
        }
        Ok(target)
    }

    /// grant / revoke (C's `do_command`, wire.md §6.3–6.4). Every reply's message is
    /// logged as C does; `Ok` is how it ended well, `Err` why not.
    pub fn grant_revoke(&mut self, req: &Request, op: ClientOp) -> Result<Done, Failure> {
        let mut target = self.command_target(req, "cannot grant/revoke tickets")?;
        let ticket = self.resolve_ticket(req)?;
        let Ok(name) = TicketName::from_bytes(&ticket) else {
            self.log.error("internal error: ticket name too long");
            return Err(Failure::Internal);
        };
        let cmd = if op == ClientOp::Grant {
            Cmd::Grant
        } else {
            Cmd::Revoke
        };
        let op_str = op.name();
        let timeout = self.reply_timeout(&ticket, req.options);
        let auth = self.conf.key.is_some();
        let reply_len =
            HEADER_LEN + crate::wire::consts::TICKET_BODY_LEN + if auth { TRAILER_LEN } else { 0 };
        let mut redirects = 0;
        'redirect: loop {
            let mut header = Header::new(cmd, self.local_id());
            header.options = req.options;
            let body = TicketBody {
                name,
                ..TicketBody::default()
            };
            let msg = self.encode_request(Message::new(header, Body::Ticket(body)), 0)?;
            let mut conn = self.open(target, &msg)?;
            let mut clock = PeerClock::default();
            let mut reply_cnt = 0;
            let mut msg_logged = 0;
            loop {
                let mut reply = vec![0u8; reply_len];
                if let Err(e) = self.read(&mut conn, &mut reply, timeout, req.deadline) {
                    // C interprets whatever header arrived; a header that did not
                    // arrive is not interpreted here (C prints stale memory).
                    if e.got() >= HEADER_LEN && !matches!(e, ReadError::Timeout { .. }) {
                        let _ =
                            self.test_reply(read_header(&reply).result(), op, &ticket, req.options);
                    }
                    return Err(read_failure(&e));
                }
                if let Some(key) = &self.conf.key {
                    let (signed, trailer) = reply.split_at(reply_len - TRAILER_LEN);
                    if !self.check_auth(key, target, signed, trailer, &mut clock) {
                        // C still interprets the unauthenticated result, then fails.
                        let _ =
                            self.test_reply(read_header(&reply).result(), op, &ticket, req.options);
                        return Err(Failure::AuthFailed);
                    }
                }
                let result = read_header(&reply).result();
                let rv = self.test_reply(result, op, &ticket, req.options);
                match rv {
                    1 => {
                        let leader = read_u32(&reply, crate::wire::consts::off::TICKET_LEADER);
                        let next = self
                            .conf
                            .config
                            .members
                            .iter()
                            .position(|m| m.site_id == leader && leader != NO_ONE);
                        redirects += 1;
                        match next {
                            Some(n) if redirects <= MAX_REDIRECTS => {
                                target = n;
                                continue 'redirect;
                            }
                            Some(_) => {
                                self.log.error("too many redirects, giving up");
                                return Err(Failure::BadReply);
                            }
                            None => {
                                self.log.error(&format!(
                                    "Message with unknown redirect site {leader:x} received"
                                ));
                                return Err(Failure::BadReply);
                            }
                        }
                    }
                    2 | 3 => {
                        if reply_cnt > 1 && req.options & OPT_WAIT == 0 {
                            self.log.info(
                                "Giving up on waiting for the definite result. \
                                 Please use \"booth list\" later to see the outcome.",
                            );
                            return Ok(Done::GaveUp);
                        }
                        if reply_cnt == 0 {
                            self.log.info(&format!(
                                "{op_str} request sent, waiting for the result ..."
                            ));
                            msg_logged += 1;
                        } else if rv == 3 && msg_logged < 2 {
                            self.log.info("waiting for the CIB commit ...");
                            msg_logged += 1;
                        }
                        reply_cnt += 1;
                    }
                    0 => return Ok(done_of(result)),
                    _ => return Err(Failure::Refused(result)),
                }
            }
        }
    }

    /// geostore set/delete (C's `do_attr_command`): a header-only reply, fully checked.
    pub fn attr_command(&mut self, req: &Request, op: AttrOp) -> Result<Done, Failure> {
        let ticket = self.resolve_ticket(req)?;
        let target = self.command_target(req, "no attributes")?;
        let body = self.attr_body(&ticket, req)?;
        let cmd = if op == AttrOp::Set {
            Cmd::AttrSet
        } else {
            Cmd::AttrDel
        };
        let mut header = Header::new(cmd, self.local_id());
        header.options = req.options;
        let msg = self.encode_request(Message::new(header, Body::Attr(body)), 0)?;
        let mut conn = self.open(target, &msg)?;
        let mut head = vec![0u8; HEADER_LEN];
        self.read(&mut conn, &mut head, QUERY_TIMEOUT, req.deadline)
            .map_err(|e| read_failure(&e))?;
        let h = read_header(&head);
        let name = self.member(target).addr_text.clone();
        let length = usize::try_from(h.length).unwrap_or(usize::MAX);
        if (HEADER_LEN..=crate::wire::consts::MAX_MSG_LEN).contains(&length) {
            let mut rest = vec![0u8; length - HEADER_LEN];
            if let Err(e) = self.read(&mut conn, &mut rest, QUERY_TIMEOUT, req.deadline) {
                if !matches!(e, ReadError::Timeout { .. }) {
                    let _ = self.test_attr_reply(h.result(), op, &ticket, &req.attr_name);
                }
                return Err(read_failure(&e));
            }
            head.extend_from_slice(&rest);
        }
        // C's check_boothc_header.
        if let Err(e) = decode_header(&head) {
            let what = match e {
                crate::wire::WireError::BadMagic(m) => format!("magic error {m:x}"),
                crate::wire::WireError::BadVersion(v) => format!("version error {v:x}"),
                _ => format!("length {} out of range", h.length),
            };
            self.log.error(&what);
            self.log
                .error(&format!("message from {name} receive error"));
            return Err(Failure::BadReply);
        }
        if let Some(key) = &self.conf.key {
            let mut clock = PeerClock::default();
            let ok = head.len() >= HEADER_LEN + TRAILER_LEN && {
                let (signed, trailer) = head.split_at(head.len() - TRAILER_LEN);
                self.check_auth(key, target, signed, trailer, &mut clock)
            };
            if !ok {
                if head.len() < HEADER_LEN + TRAILER_LEN {
                    self.log.error(&format!("{name}: failed to authenticate"));
                }
                self.log.error(&format!("{name} failed to authenticate"));
                return Err(Failure::AuthFailed);
            }
        }
        match self.test_attr_reply(h.result(), op, &ticket, &req.attr_name) {
            0 => Ok(done_of(h.result())),
            _ => Err(Failure::Refused(h.result())),
        }
    }
}

/// The good endings of grant/revoke/set/delete by the final reply's result.
fn done_of(result: ResultCode) -> Done {
    match result {
        ResultCode::Async => Done::Async,
        ResultCode::CibPending => Done::CommitPending,
        ResultCode::TicketIdle => Done::NotOwned,
        _ => Done::Success,
    }
}

fn read_failure(e: &ReadError) -> Failure {
    Failure::Read {
        timeout: matches!(e, ReadError::Timeout { .. }),
    }
}

/// Concatenates byte strings (messages that quote argv bytes as C prints them).
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn read_u32(buf: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = buf.get(off..off + 4) {
        w.copy_from_slice(s);
    }
    u32::from_be_bytes(w)
}

/// The 48 header fields without any check (C clients check nothing on most replies).
fn read_header(buf: &[u8]) -> Header {
    let f = |i: usize| read_u32(buf, i * 4);
    Header {
        opts: f(0),
        secs: f(1),
        usecs: f(2),
        magic: f(3),
        version: f(4),
        from: f(5),
        length: f(6),
        cmd: f(7),
        request: f(8),
        options: f(9),
        reason: f(10),
        result: f(11),
    }
}

fn read_ts(head: &[u8]) -> Timestamp {
    Timestamp {
        secs: read_u32(head, 4),
        usecs: read_u32(head, 8),
    }
}
