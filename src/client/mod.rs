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
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
        Mode::Client(_) | Mode::Geostore(_) => {
            match conf::load(&inv, &logger, conf::Role::Client) {
                Ok(loaded) => match loaded.local {
                    Some(local) => run_client(&inv, &loaded.conf, local, &logger),
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
fn resolve_ipv4(name: &[u8]) -> Option<String> {
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

fn run_client(inv: &args::Invocation, conf: &ClientConf, local: usize, log: &Logger) -> i32 {
    let mut c = Client {
        inv,
        ticket: inv.ticket.clone(),
        conf,
        local,
        log,
        send_clock: SendClock::default(),
    };
    let rv = match inv.mode {
        Mode::Client(op @ (ClientOp::List | ClientOp::Peers)) => c.query(Query::Booth(op)),
        Mode::Client(op) => c.grant_revoke(op),
        Mode::Geostore(op) => c.geostore(op),
        _ => -1,
    };
    exit_code(rv)
}

#[derive(Clone, Copy)]
enum Query {
    Booth(ClientOp),
    Attr(AttrOp),
}

struct Client<'a> {
    inv: &'a args::Invocation,
    /// The ticket actually asked about: `-t`/positional, or the only configured one.
    ticket: Vec<u8>,
    conf: &'a ClientConf,
    local: usize,
    log: &'a Logger,
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

impl Client<'_> {
    fn member(&self, i: usize) -> &Member {
        &self.conf.config.members[i]
    }

    fn local_id(&self) -> u32 {
        self.member(self.local).site_id
    }

    /// Encodes `msg` (signed when a key is configured) plus `pad` zero bytes.
    fn encode_request(&mut self, msg: Message<'_>, pad: usize) -> Option<Vec<u8>> {
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
        match encoded {
            Ok(buf) => Some(buf),
            Err(e) => {
                self.log
                    .error(&format!("internal error: cannot encode the request: {e}"));
                None
            }
        }
    }

    fn connect(&self, target: usize) -> Option<Conn> {
        let m = self.member(target);
        match Conn::connect(SocketAddr::new(m.addr, m.port)) {
            Ok(c) => Some(c),
            Err(e) => {
                self.log.error(&e.c_message(&m.addr_text));
                None
            }
        }
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

    /// list, peers, geostore list/get: one text reply (C's `query_get_string_answer`).
    fn query(&mut self, q: Query) -> i32 {
        let target = if self.inv.site.is_empty() {
            self.local
        } else {
            match self.conf.find_site(&self.inv.site, self.local) {
                Some(t) => t,
                None => {
                    self.log
                        .error_bytes(&cat(&[b"cannot find site \"", &self.inv.site, b"\""]));
                    return libc::ENOENT;
                }
            }
        };
        let from = self.local_id();
        let (cmd, body) = match q {
            Query::Booth(ClientOp::Peers) => (Cmd::Peers, Body::Ticket(TicketBody::default())),
            Query::Booth(_) => (Cmd::List, Body::Ticket(TicketBody::default())),
            Query::Attr(op) => {
                let Some(body) = self.attr_body() else {
                    return -1;
                };
                let cmd = if op == AttrOp::Get {
                    Cmd::AttrGet
                } else {
                    Cmd::AttrList
                };
                (cmd, Body::Attr(body))
            }
        };
        let mut header = Header::new(cmd, from);
        header.options = self.inv.options;
        let pad = c_client_padding(cmd, self.conf.key.is_some());
        let Some(req) = self.encode_request(Message::new(header, body), pad) else {
            return -1;
        };
        let Some(mut conn) = self.connect(target) else {
            return -1;
        };
        if let Err(e) = conn.send(&req) {
            self.log.error(&e);
            return -1;
        }
        let head_len = HEADER_LEN
            + if self.conf.key.is_some() {
                TRAILER_LEN
            } else {
                0
            };
        let mut head = vec![0u8; head_len];
        if let Err(e) = conn.read_full(&mut head, QUERY_TIMEOUT) {
            self.log.error(&e.c_message());
            return -1;
        }
        if let Some(key) = &self.conf.key {
            let mut clock = PeerClock::default();
            let (signed, trailer) = head.split_at(HEADER_LEN);
            if !self.check_auth(key, target, signed, trailer, &mut clock) {
                return -1;
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
            return -1;
        }
        let text_len = length - head_len;
        if text_len > 0 {
            let mut text = vec![0u8; text_len];
            if let Err(e) = conn.read_full(&mut text, QUERY_TIMEOUT) {
                self.log.error(&e.c_message());
                return -1;
            }
            // C prints the text as a C string: up to the first NUL.
            let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = out.write_all(&text[..end]);
            let _ = out.flush();
        }
        match q {
            Query::Booth(op) => self.test_reply(h.result(), op),
            Query::Attr(op) => self.test_attr_reply(h.result(), op),
        }
    }

    fn attr_body(&self) -> Option<AttrBody> {
        // Lengths were checked at argv parsing; a NUL inside cannot come from argv.
        let ticket = TicketName::from_bytes(&self.ticket).ok();
        let name = AttrName::from_bytes(&self.inv.attr_name).ok();
        let value = AttrValue::from_bytes(&self.inv.attr_value).ok();
        match (ticket, name, value) {
            (Some(ticket), Some(name), Some(value)) => Some(AttrBody {
                ticket,
                name,
                value,
            }),
            _ => {
                self.log.error("internal error: name too long");
                None
            }
        }
    }

    /// C's `test_reply` (wire.md §6.5). Returns C's rv: 0, -1, 1 redirect, 2 more,
    /// 3 pending with -C.
    fn test_reply(&self, code: ResultCode, op: ClientOp) -> i32 {
        let op_str = op.name();
        let ticket = &self.ticket;
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
                if self.inv.options & OPT_WAIT_COMMIT != 0 {
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

    /// C's `test_attr_reply` (wire.md §6.6).
    fn test_attr_reply(&self, code: ResultCode, op: AttrOp) -> i32 {
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
                    .error_bytes(&cat(&[b"ticket \"", &self.ticket, b"\" does not exist"]));
                1
            }
            ResultCode::NoSuchAttr => {
                self.log
                    .error_bytes(&cat(&[b"attribute \"", &self.inv.attr_name, b"\" not set"]));
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
    fn reply_timeout(&self) -> Duration {
        let t = self
            .conf
            .config
            .tickets
            .iter()
            .find(|t| t.name.as_bytes() == self.ticket.as_slice());
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
        if self.inv.options & (OPT_WAIT | OPT_WAIT_COMMIT) != 0 {
            ms += u64::from(expire) + u64::from(after);
        }
        Duration::from_millis(ms)
    }

    /// grant / revoke (C's `do_command`, wire.md §6.3–6.4).
    fn grant_revoke(&mut self, op: ClientOp) -> i32 {
        let mut target = if self.inv.site.is_empty() {
            self.local
        } else {
            match self.conf.find_site(&self.inv.site, self.local) {
                Some(t) => t,
                None => {
                    self.log.error_bytes(&cat(&[
                        b"Site \"",
                        &self.inv.site,
                        b"\" not configured.",
                    ]));
                    return -1; // Debian: 0; 1.2: 1 (Q3)
                }
            }
        };
        if self.member(target).kind == MemberKind::Arbitrator {
            if target == self.local {
                self.log
                    .error("We're just an arbitrator, cannot grant/revoke tickets here.");
            } else {
                self.log.error_bytes(&cat(&[
                    &self.inv.site,
                    b" is just an arbitrator, cannot grant/revoke tickets there.",
                ]));
            }
            return -1; // Q3
        }
        if self.ticket.is_empty() {
            if let [only] = self.conf.config.tickets.as_slice() {
                self.ticket = only.name.as_bytes().to_vec();
            } else {
                self.log.error("No ticket given.");
                return -1; // Q3
            }
        }
        let Ok(name) = TicketName::from_bytes(&self.ticket) else {
            self.log.error("internal error: ticket name too long");
            return -1;
        };
        let cmd = if op == ClientOp::Grant {
            Cmd::Grant
        } else {
            Cmd::Revoke
        };
        let op_str = op.name();
        let timeout = self.reply_timeout();
        let auth = self.conf.key.is_some();
        let reply_len =
            HEADER_LEN + crate::wire::consts::TICKET_BODY_LEN + if auth { TRAILER_LEN } else { 0 };
        let mut redirects = 0;
        'redirect: loop {
            let mut header = Header::new(cmd, self.local_id());
            header.options = self.inv.options;
            let body = TicketBody {
                name,
                ..TicketBody::default()
            };
            let Some(req) = self.encode_request(Message::new(header, Body::Ticket(body)), 0) else {
                return -1;
            };
            let Some(mut conn) = self.connect(target) else {
                return -1;
            };
            if let Err(e) = conn.send(&req) {
                self.log.error(&e);
                return -1;
            }
            let mut clock = PeerClock::default();
            let mut reply_cnt = 0;
            let mut msg_logged = 0;
            loop {
                let mut reply = vec![0u8; reply_len];
                if let Err(e) = conn.read_full(&mut reply, timeout) {
                    self.log.error(&e.c_message());
                    // C interprets whatever header arrived; a header that did not
                    // arrive is not interpreted here (C prints stale memory).
                    if e.got() >= HEADER_LEN && !matches!(e, ReadError::Timeout { .. }) {
                        let _ = self.test_reply(read_header(&reply).result(), op);
                    }
                    return -1;
                }
                if let Some(key) = &self.conf.key {
                    let (signed, trailer) = reply.split_at(reply_len - TRAILER_LEN);
                    if !self.check_auth(key, target, signed, trailer, &mut clock) {
                        // C still interprets the unauthenticated result, then fails.
                        let _ = self.test_reply(read_header(&reply).result(), op);
                        return -1;
                    }
                }
                let h = read_header(&reply);
                let rv = self.test_reply(h.result(), op);
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
                                return -1;
                            }
                            None => {
                                self.log.error(&format!(
                                    "Message with unknown redirect site {leader:x} received"
                                ));
                                return -1;
                            }
                        }
                    }
                    2 | 3 => {
                        if reply_cnt > 1 && self.inv.options & OPT_WAIT == 0 {
                            self.log.info(
                                "Giving up on waiting for the definite result. \
                                 Please use \"booth list\" later to see the outcome.",
                            );
                            return 0;
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
                    rv => return rv,
                }
            }
        }
    }

    /// geostore list/get/set/delete (C's `do_attr`).
    fn geostore(&mut self, op: AttrOp) -> i32 {
        if self.ticket.is_empty() {
            if let [only] = self.conf.config.tickets.as_slice() {
                self.ticket = only.name.as_bytes().to_vec();
            } else {
                self.log.error("No ticket given.");
                return 1;
            }
        }
        self.geostore_with_ticket(op)
    }

    fn geostore_with_ticket(&mut self, op: AttrOp) -> i32 {
        match op {
            AttrOp::List | AttrOp::Get => self.query(Query::Attr(op)),
            AttrOp::Set | AttrOp::Delete => self.attr_command(op),
        }
    }

    /// geostore set/delete (C's `do_attr_command`): a header-only reply, fully checked.
    fn attr_command(&mut self, op: AttrOp) -> i32 {
        let target = if self.inv.site.is_empty() {
            self.local
        } else {
            match self.conf.find_site(&self.inv.site, self.local) {
                Some(t) => t,
                None => {
                    self.log.error_bytes(&cat(&[
                        b"Site \"",
                        &self.inv.site,
                        b"\" not configured.",
                    ]));
                    return -1;
                }
            }
        };
        if self.member(target).kind == MemberKind::Arbitrator {
            if target == self.local {
                self.log
                    .error("We're just an arbitrator, no attributes here.");
            } else {
                self.log.error_bytes(&cat(&[
                    &self.inv.site,
                    b" is just an arbitrator, no attributes there.",
                ]));
            }
            return -1;
        }
        let Some(body) = self.attr_body() else {
            return -1;
        };
        let cmd = if op == AttrOp::Set {
            Cmd::AttrSet
        } else {
            Cmd::AttrDel
        };
        let mut header = Header::new(cmd, self.local_id());
        header.options = self.inv.options;
        let Some(req) = self.encode_request(Message::new(header, Body::Attr(body)), 0) else {
            return -1;
        };
        let Some(mut conn) = self.connect(target) else {
            return -1;
        };
        if let Err(e) = conn.send(&req) {
            self.log.error(&e);
            return -1;
        }
        let mut head = vec![0u8; HEADER_LEN];
        if let Err(e) = conn.read_full(&mut head, QUERY_TIMEOUT) {
            self.log.error(&e.c_message());
            return -1;
        }
        let h = read_header(&head);
        let name = self.member(target).addr_text.clone();
        let length = usize::try_from(h.length).unwrap_or(usize::MAX);
        if (HEADER_LEN..=crate::wire::consts::MAX_MSG_LEN).contains(&length) {
            let mut rest = vec![0u8; length - HEADER_LEN];
            if let Err(e) = conn.read_full(&mut rest, QUERY_TIMEOUT) {
                self.log.error(&e.c_message());
                if !matches!(e, ReadError::Timeout { .. }) {
                    let _ = self.test_attr_reply(h.result(), op);
                }
                return -1;
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
            return -1;
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
                return -1;
            }
        }
        self.test_attr_reply(h.result(), op)
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
