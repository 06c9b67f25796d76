//! The running daemon: one thread, one `poll(2)`, sleeping until the core's next deadline.
//! It feeds the core what arrives (datagrams, client requests, child results, time) and
//! carries out the actions the core returns. It decides nothing about tickets itself.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd, RawFd};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::Signal;

use super::child::{Children, Outcome, Spec};
use super::conns::{self, ConnId, Conns};
use super::hooks::{self, Event, Hooks};
use super::peers::{ClockEvent, Dropped, Peers};
use super::setup::Loaded;
use super::signals::Signals;
use crate::attrs::{self, TicketAttrs};
use crate::auth::{self, SendClock, Timestamp};
use crate::config::{self, MemberKind};
use crate::core::{self, Action, CibTicket, CibWrite, ClientRequest, Core, Msg, Now, Who};
use crate::localtime::Tm;
use crate::log::{Level, Logger};
use crate::output::{self, LeaderView, TicketView};
use crate::pacemaker::{self, Command, ProbeOutcome, TicketRecord, UpdateMode};
use crate::site_id::site_id_signed;
use crate::wire::consts::{MAX_MSG_LEN, NO_ONE, OPTS_ATTR};
use crate::wire::{self, Body, CStrField, Cmd, Expect, Header, Message, ResultCode, TicketBody};

/// How long one `crm_ticket` may run before it is killed (C waits forever, §3.7).
const CRM_TICKET_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one event hook may run before it is killed.
const HOOK_TIMEOUT: Duration = Duration::from_secs(30);
/// At most this many tickets' `crm_ticket` commands run at once (C runs them one after
/// another; the benchmark saw over a hundred at once at start-up with 1,000 tickets).
const MAX_CIB_CHILDREN: usize = 4;
/// Pause before a failed CIB write is tried again (C never retries; a lost revoke would
/// leave Pacemaker running resources whose ticket the formation moved on).
const CIB_RETRY: Duration = Duration::from_secs(1);

/// What a child process is for.
#[derive(Debug)]
enum Job {
    Probe,
    Load(usize),
    Write(usize),
    Attr {
        cmd: Command,
        tries_left: u32,
    },
    Handler(usize),
    /// An event hook (booth-rs): only its exit status is logged.
    Hook(String),
    /// `crm_ticket -L` at start: tickets in the CIB the config no longer names.
    Stale,
}

/// The `crm_ticket` bookkeeping of one ticket: one command at a time, newest state wins.
#[derive(Default)]
struct CibQueue {
    running: bool,
    /// Commands of the write in progress still to run (non-atomic mode runs four).
    rest: VecDeque<Command>,
    /// The write to run when the current one is done (only the newest is kept).
    queued: Option<CibWrite>,
    /// The last write, kept to retry it after a failure.
    last: Option<CibWrite>,
    retry_at: Option<Instant>,
    load_wanted: bool,
}

/// The before-acquire-handler in progress: the programs still to run (directory mode).
struct HandlerRun {
    rest: VecDeque<PathBuf>,
}

/// Why the loop ended.
pub enum Exit {
    Signal(Signal),
    Fatal(String),
}

pub struct Runtime {
    loaded: Loaded,
    log: Logger,
    core: Core,
    peers: Peers,
    udp: UdpSocket,
    tcp: TcpListener,
    conns: Conns,
    children: Children<Job>,
    signals: Signals,
    attrs: Vec<TicketAttrs>,
    cib: Vec<CibQueue>,
    handlers: Vec<Option<HandlerRun>>,
    crm_mode: Option<UpdateMode>,
    probing: bool,
    /// Tickets whose startup load from the CIB has not finished.
    loads_pending: usize,
    /// Tickets with a `crm_ticket` load or write running (at most [`MAX_CIB_CHILDREN`]).
    cib_running: usize,
    origin: Instant,
    send_clock: SendClock,
    scratch: Vec<u8>,
    /// Event hooks and what they compare against (booth-rs extras).
    hooks: Hooks,
    /// Last known leader of each ticket (address or `none`).
    last_leader: Vec<String>,
    /// Whether the last successful CIB write of each ticket granted it here.
    granted_here: Vec<bool>,
    /// A peer that should talk and is silent this long is down, seconds.
    down_after_s: i64,
    next_peer_check: Option<Instant>,
    /// Clock offset that earns a warning, ms.
    clock_threshold_ms: i64,
}

/// Binds the UDP and TCP sockets to the local member's address (wire.md §5.3, §5.4).
pub fn bind(addr: SocketAddr) -> Result<(UdpSocket, TcpListener), String> {
    let udp = UdpSocket::bind(addr).map_err(|e| {
        format!(
            "failed to bind UDP socket to [{}]:{}: {e}",
            addr.ip(),
            addr.port()
        )
    })?;
    udp.set_nonblocking(true).map_err(|e| e.to_string())?;
    let _ = nix::sys::socket::setsockopt(&udp, nix::sys::socket::sockopt::RcvBuf, &160_000);
    let tcp = TcpListener::bind(addr).map_err(|e| format!("failed to bind socket {e}"))?;
    tcp.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok((udp, tcp))
}

impl Runtime {
    pub fn new(
        loaded: Loaded,
        log: Logger,
        udp: UdpSocket,
        tcp: TcpListener,
        signals: Signals,
    ) -> Result<Runtime, String> {
        let setup =
            core::Setup::from_config(&loaded.config, loaded.local).map_err(|e| e.to_string())?;
        let seed = u64::from(loaded.config.members[loaded.local].site_id)
            ^ u64::from(std::process::id()).rotate_left(32)
            ^ u64::from(wall_now().subsec_nanos());
        let core = Core::new(setup, seed).map_err(|e| e.to_string())?;
        let peers = Peers {
            members: loaded
                .config
                .members
                .iter()
                .map(|m| {
                    super::peers::Peer::new(
                        m.site_id,
                        m.kind == MemberKind::Arbitrator,
                        m.addr_text.clone(),
                        SocketAddr::new(m.addr, m.port),
                    )
                })
                .collect(),
            local: loaded.local,
            key: loaded.key.clone(),
            max_skew: u32::try_from(loaded.config.maxtimeskew).unwrap_or(0),
        };
        let n = loaded.config.tickets.len();
        let cfg = &loaded.config;
        let hooks = Hooks::from_env(
            std::env::var_os(hooks::DIR_ENV),
            vec![
                ("BOOTH_LOCAL", cfg.members[loaded.local].addr_text.clone()),
                ("BOOTH_CONF_NAME", cfg.name.clone()),
                ("BOOTH_CONF_PATH", cfg.path.clone()),
            ],
        );
        let down_after_ms = cfg
            .tickets
            .iter()
            .map(|t| {
                u64::from(t.renewal_freq_ms) + u64::from(t.timeout_ms) * (u64::from(t.retries) + 1)
            })
            .max()
            .unwrap_or(0);
        let down_after_s = i64::try_from(down_after_ms.div_ceil(1000).max(1)).unwrap_or(i64::MAX);
        let clock_threshold_ms = (i64::from(cfg.maxtimeskew) * 1000 / 4).max(1000);
        Ok(Runtime {
            hooks,
            last_leader: vec!["none".to_string(); n],
            granted_here: vec![false; n],
            down_after_s,
            next_peer_check: None,
            clock_threshold_ms,
            log,
            core,
            peers,
            udp,
            tcp,
            conns: Conns::new(conns::limit_for(super::process::nofile_limit())),
            children: Children::default(),
            signals,
            attrs: vec![TicketAttrs::default(); n],
            cib: (0..n).map(|_| CibQueue::default()).collect(),
            handlers: (0..n).map(|_| None).collect(),
            crm_mode: None,
            probing: false,
            loads_pending: 0,
            cib_running: 0,
            origin: Instant::now(),
            send_clock: SendClock::default(),
            scratch: vec![0u8; MAX_MSG_LEN],
            loaded,
        })
    }

    /// Gives the logger back for the last lines after the loop.
    pub fn into_logger(self) -> Logger {
        self.log
    }

    fn now(&self) -> Now {
        let mono = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        let wall_ms = i64::try_from(wall_now().as_millis()).unwrap_or(i64::MAX);
        Now { mono, wall_ms }
    }

    fn is_site(&self) -> bool {
        !self.loaded.is_arbitrator()
    }

    /// Starts the tickets and serves until a terminating signal.
    /// `ready` is called once every ticket is loaded from the CIB.
    pub fn run(&mut self, ready: &mut dyn FnMut(&Logger)) -> Exit {
        if self.is_site() {
            self.loads_pending = self.cib.len();
        }
        for ti in 0..self.attrs.len() {
            self.sync_auto_prereqs(ti);
        }
        let programs = self.hooks.programs();
        if let (Some(dir), false) = (&self.hooks.dir, programs.is_empty()) {
            self.log.log(
                Level::Info,
                format_args!(
                    "event hooks: {} program(s) in {}",
                    programs.len(),
                    dir.display()
                ),
            );
        }
        let now = self.now();
        self.core.start(now);
        self.drain_actions();
        let mut announced = false;
        loop {
            if !announced && self.loads_pending == 0 {
                announced = true;
                ready(&self.log);
            }
            if let Some(exit) = self.turn() {
                self.children.kill_all();
                return exit;
            }
        }
    }

    /// While tickets are still loading from the CIB, datagrams and clients wait in their
    /// socket queues, as with C, whose loop only starts after the (synchronous) load:
    /// a vote request that came in meanwhile is answered, not lost.
    fn serving(&self) -> bool {
        self.loads_pending == 0
    }

    /// One poll and everything it brings.
    fn turn(&mut self) -> Option<Exit> {
        let timeout = self.poll_timeout();
        let conn_fds: Vec<(ConnId, RawFd, bool)> = self.conns.poll_interest().collect();
        let child_fds: Vec<RawFd> = self.children.fds().collect();
        let mut revents: Vec<PollFlags> = Vec::new();
        let serve_flags = if self.serving() {
            PollFlags::POLLIN
        } else {
            PollFlags::empty()
        };
        let accept_flags = if self.conns.accepting(Instant::now()) {
            serve_flags
        } else {
            PollFlags::empty()
        };
        {
            // SAFETY: every raw fd below belongs to a socket or pipe owned by `self`
            // (connections, child stdout pipes), which lives for this whole block.
            let borrow = |fd: RawFd| unsafe { BorrowedFd::borrow_raw(fd) };
            let mut fds = vec![
                PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.udp.as_fd(), serve_flags),
                PollFd::new(self.tcp.as_fd(), accept_flags),
            ];
            for (_, fd, write) in &conn_fds {
                let mut f = PollFlags::POLLIN;
                if *write {
                    f |= PollFlags::POLLOUT;
                }
                fds.push(PollFd::new(borrow(*fd), f));
            }
            for fd in &child_fds {
                fds.push(PollFd::new(borrow(*fd), PollFlags::POLLIN));
            }
            match poll(&mut fds, timeout) {
                Ok(_) => {
                    revents = fds
                        .iter()
                        .map(|f| f.revents().unwrap_or(PollFlags::empty()))
                        .collect()
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Some(Exit::Fatal(format!("poll failed: {e}"))),
            }
        }
        let ready = |i: usize| revents.get(i).is_some_and(|r| !r.is_empty());
        if ready(0) {
            while let Some(sig) = self.signals.pending() {
                match sig {
                    Signal::SIGCHLD => {}
                    Signal::SIGUSR1 => self.dump_tickets(),
                    other => {
                        self.log
                            .log(Level::Info, format_args!("caught signal {}", other as i32));
                        return Some(Exit::Signal(other));
                    }
                }
            }
        }
        if ready(1) && self.serving() {
            self.receive_datagrams();
        }
        if ready(2) && self.serving() {
            if let Some(w) = self.conns.accept_all(&self.tcp, Instant::now()) {
                self.log.log(Level::Warn, format_args!("{w}"));
            }
        }
        for (i, (id, _, _)) in conn_fds.iter().enumerate() {
            let Some(r) = revents.get(3 + i) else { break };
            if r.contains(PollFlags::POLLOUT) {
                self.conns.flush(*id);
            }
            if r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
                self.conn_readable(*id);
            }
        }
        for (i, fd) in child_fds.iter().enumerate() {
            if ready(3 + conn_fds.len() + i) {
                self.children.read_ready(*fd);
            }
        }
        let now_i = Instant::now();
        for e in self.conns.expire(now_i) {
            self.log.log(
                Level::Debug,
                format_args!("client connection closed: {e:?}"),
            );
        }
        for f in self.children.reap(now_i) {
            self.child_done(f.tag, f.outcome, &f.stdout);
        }
        self.retry_cib_writes(now_i);
        let now = self.now();
        if self.core.next_deadline().is_some_and(|d| d <= now.mono) {
            self.core.handle_timeout(now);
        }
        self.drain_actions();
        self.watch_events();
        None
    }

    // ---- event hooks, clock offsets (booth-rs extras) ----

    /// Runs every hook program for `event` (without waiting) and logs it.
    fn fire(&mut self, event: Event) {
        self.log.log(Level::Info, format_args!("event {event}"));
        for spec in self.hooks.specs(&event, wall_secs()) {
            let job = Job::Hook(event.name().to_string());
            if let Err((job, outcome)) =
                self.children
                    .spawn(&spec, Instant::now() + HOOK_TIMEOUT, job)
            {
                self.child_done(job, outcome, &[]);
            }
        }
    }

    /// Ticket moves and silent peers, compared with what was last seen.
    fn watch_events(&mut self) {
        let mut leading = false;
        let mut leader_of = vec![false; self.peers.members.len()];
        for t in 0..self.last_leader.len() {
            let Some(v) = self.core.view(t) else { continue };
            leading |= v.state == core::State::Leader;
            let text = match v.leader {
                Who::Unknown => continue,
                Who::NoOne => "none".to_string(),
                Who::Member(m) => {
                    if let Some(l) = leader_of.get_mut(usize::from(m)) {
                        *l = true;
                    }
                    match self.loaded.config.members.get(usize::from(m)) {
                        Some(member) => member.addr_text.clone(),
                        None => continue,
                    }
                }
            };
            if self.last_leader[t] != text {
                self.last_leader[t] = text.clone();
                let ticket = self.loaded.config.tickets[t].name.clone();
                self.fire(Event::TicketMoved {
                    ticket,
                    leader: text,
                });
            }
        }
        let now = wall_secs();
        let mut watching = false;
        for (i, leads) in leader_of.into_iter().enumerate() {
            let p = &self.peers.members[i];
            if i == self.peers.local || !p.up {
                continue;
            }
            let expected = leading || leads;
            watching |= expected;
            if hooks::peer_is_down(p.last_recv, now, expected, self.down_after_s) {
                let silent_s = now - p.last_recv.unwrap_or(now);
                let event = Event::PeerDown {
                    peer: p.addr_text.clone(),
                    arbitrator: p.arbitrator,
                    silent_s,
                };
                self.peers.members[i].up = false;
                self.fire(event);
            }
        }
        self.next_peer_check = watching.then(|| Instant::now() + Duration::from_secs(1));
    }

    /// After a valid datagram from `peer`: peer-up, clock offset warnings.
    fn peer_heard(&mut self, peer: usize) {
        let threshold = self.clock_threshold_ms;
        let Some(p) = self.peers.members.get_mut(peer) else {
            return;
        };
        let addr = p.addr_text.clone();
        let arbitrator = p.arbitrator;
        let newly_up = !p.up;
        p.up = true;
        match p.clock_event(threshold) {
            Some(ClockEvent::Off(ms)) => self.log.log(
                Level::Warn,
                format_args!(
                    "clock of {addr} is off by {ms} ms (its packet timestamps against ours); keep the members' clocks in sync (NTP), packets older than maxtimeskew are refused"
                ),
            ),
            Some(ClockEvent::Back(ms)) => self.log.log(
                Level::Info,
                format_args!("clock of {addr} is back in sync ({ms} ms)"),
            ),
            None => {}
        }
        if newly_up {
            self.fire(Event::PeerUp {
                peer: addr,
                arbitrator,
            });
        }
    }

    /// Milliseconds until the earliest thing that is due; "forever" when nothing is.
    fn poll_timeout(&self) -> PollTimeout {
        let now = self.now();
        let now_i = Instant::now();
        let mut due: Option<Duration> = self
            .core
            .next_deadline()
            .map(|d| Duration::from_millis(d.saturating_sub(now.mono)));
        let others = [
            self.conns.next_deadline(),
            self.children.next_deadline(),
            self.cib.iter().filter_map(|q| q.retry_at).min(),
            self.next_peer_check,
        ];
        for d in others.into_iter().flatten() {
            let left = d.saturating_duration_since(now_i);
            due = Some(due.map_or(left, |x| x.min(left)));
        }
        match due {
            None => PollTimeout::NONE,
            Some(d) => {
                // Round up so we never wake just before a deadline and spin.
                let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 != 0);
                i32::try_from(ms).map_or(PollTimeout::MAX, |ms| {
                    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
                })
            }
        }
    }

    // ---- UDP ----

    fn receive_datagrams(&mut self) {
        let mut buf = [0u8; MAX_MSG_LEN];
        loop {
            let (n, real) = match self.udp.recv_from(&mut buf) {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let now_wall = wall_now();
            let msg = match self.peers.receive(&buf[..n], real, now_wall) {
                Ok((peer, msg)) => {
                    self.peer_heard(peer);
                    self.check_ticket_message(peer, &msg)
                }
                Err(d) => {
                    let level = match d {
                        Dropped::AuthFailed { .. } | Dropped::UnknownSender { .. } => Level::Error,
                        _ => Level::Warn,
                    };
                    self.log.log(level, format_args!("{d}"));
                    None
                }
            };
            if let Some(msg) = msg {
                let now = self.now();
                self.core.handle_message(now, &msg);
                self.drain_actions();
            }
        }
    }

    /// The receive checks past authentication (wire.md §5.3): an attribute body is
    /// ignored, an unknown ticket or leader counts as `invalid`.
    fn check_ticket_message(&mut self, peer: usize, msg: &Message<'_>) -> Option<Msg> {
        let from = &self.peers.members[peer].addr_text;
        if msg.header.opts & OPTS_ATTR != 0 {
            self.log.log(
                Level::Warn,
                format_args!("unexpected attribute message from {from}"),
            );
            return None;
        }
        let t = msg.ticket()?;
        let name = core::Name(t.name.0);
        if self.core.ticket_index(&name).is_none() {
            self.log.log(
                Level::Warn,
                format_args!("got message for unknown ticket {:?} from {from}", t.name),
            );
            self.peers.count_invalid(peer);
            return None;
        }
        if t.leader != NO_ONE && self.peers.index_of(t.leader).is_none() {
            self.log.log(
                Level::Warn,
                format_args!(
                    "message with unknown leader {:08x} received from {from}",
                    t.leader
                ),
            );
            self.peers.count_invalid(peer);
            return None;
        }
        Some(Msg::from_wire(&msg.header, t))
    }

    fn send_msg(&mut self, to: Option<usize>, msg: &Msg, resend: bool) {
        let mut header = Header::new(
            Cmd::from_u32(msg.cmd),
            self.peers.members[self.loaded.local].id,
        );
        header.request = msg.request;
        header.result = msg.result;
        header.reason = msg.reason;
        let body = TicketBody {
            name: CStrField(msg.ticket.0),
            leader: msg.leader,
            term: msg.term,
            term_valid_for: msg.valid_for,
        };
        let Some(n) = self.encode(header, Body::Ticket(body)) else {
            return;
        };
        let targets: Vec<usize> = match to {
            Some(i) => vec![i],
            None => (0..self.peers.members.len())
                .filter(|i| *i != self.loaded.local)
                .collect(),
        };
        for i in targets {
            let addr = self.peers.members[i].addr;
            let ok = matches!(self.udp.send_to(&self.scratch[..n], addr), Ok(s) if s == n);
            self.peers.count_send(i, ok, resend);
        }
    }

    /// Encodes (and signs, with auth) into the scratch buffer; returns the length.
    fn encode(&mut self, header: Header, body: Body<'_>) -> Option<usize> {
        let mut msg = Message::new(header, body);
        let wanted = msg.wire_len() + wire::consts::TRAILER_LEN;
        if self.scratch.len() < wanted {
            self.scratch.resize(wanted, 0);
        }
        let r = match &self.loaded.key {
            Some(key) => {
                let ts = self.send_clock.next(wall_now());
                msg = msg.with_auth(ts.secs, ts.usecs);
                auth::encode_signed(key, &msg, &mut self.scratch)
            }
            None => wire::encode(&msg, &mut self.scratch),
        };
        match r {
            Ok(n) => Some(n),
            Err(e) => {
                self.log
                    .log(Level::Error, format_args!("cannot encode message: {e}"));
                None
            }
        }
    }

    // ---- TCP clients ----

    fn conn_readable(&mut self, id: ConnId) {
        match self.conns.on_readable(id) {
            Some(conns::Event::Request { id, bytes }) => self.client_request(id, &bytes),
            Some(conns::Event::Malformed { id, error }) => {
                self.log
                    .log(Level::Warn, format_args!("client connection {id}: {error}"));
            }
            _ => {}
        }
    }

    fn reply(&mut self, id: ConnId, header: Header, body: Body<'_>, last: bool) {
        if let Some(n) = self.encode(header, body) {
            let bytes = self.scratch[..n].to_vec();
            self.conns.reply(id, &bytes, last);
        }
    }

    fn result_header(&self, cmd: Cmd, result: Option<ResultCode>) -> Header {
        let mut h = Header::new(cmd, self.peers.members[self.loaded.local].id);
        h.result = result.map_or(0, ResultCode::to_u32);
        h
    }

    fn client_request(&mut self, id: ConnId, bytes: &[u8]) {
        // C's order (wire.md §5.5): header checks (done by the framing), then the MAC over
        // `length` bytes and the age check, and only then the body. A request without a
        // trailer while auth is on is therefore an authentication failure, not a bad body.
        if let Some(key) = &self.loaded.key {
            let ok = wire::decode_header(bytes)
                .map_err(|_| auth::AuthError::MacSize { len: 0 })
                .and_then(|h| {
                    let split = bytes.len().checked_sub(wire::consts::TRAILER_LEN);
                    let Some(split) = split.filter(|s| *s >= wire::consts::HEADER_LEN) else {
                        return Err(auth::AuthError::MacSize { len: bytes.len() });
                    };
                    auth::verify(key, &bytes[..split], &bytes[split..])?;
                    let ts = Timestamp {
                        secs: h.secs,
                        usecs: h.usecs,
                    };
                    auth::check_age(ts, wall_now(), self.peers.max_skew)
                });
            if let Err(e) = ok {
                self.log.log(
                    Level::Error,
                    format_args!("client: failed to authenticate ({e})"),
                );
                let h = self.result_header(Cmd::ClResult, Some(ResultCode::Auth));
                self.reply(id, h, Body::None, true);
                return;
            }
        }
        let auth_on = self.loaded.key.is_some();
        let msg = match wire::decode(bytes, Expect::request(auth_on)) {
            Ok(m) => m,
            Err(e) => {
                self.log
                    .log(Level::Warn, format_args!("invalid client request: {e}"));
                let h = self.result_header(Cmd::ClResult, Some(ResultCode::InvalidArg));
                self.reply(id, h, Body::None, true);
                return;
            }
        };
        match msg.header.cmd() {
            Cmd::List => {
                let text = self.list_text();
                let h = self.result_header(Cmd::ClList, None);
                self.reply(id, h, Body::Text(text.as_bytes()), true);
            }
            Cmd::Peers => {
                let text = output::peers(&self.peers.views(), &Tm::local);
                let h = self.result_header(Cmd::ClList, None);
                self.reply(id, h, Body::Text(text.as_bytes()), true);
            }
            cmd @ (Cmd::Grant | Cmd::Revoke) => {
                let Some(t) = msg.ticket() else { return };
                if cmd == Cmd::Grant && !self.grant_prereqs_hold(id, t) {
                    return;
                }
                let req = ClientRequest {
                    cmd: cmd.to_u32(),
                    ticket: core::Name(t.name.0),
                    options: msg.header.options,
                };
                let now = self.now();
                self.core.handle_client(now, id, &req);
                self.drain_actions();
            }
            cmd @ (Cmd::AttrSet | Cmd::AttrGet | Cmd::AttrDel | Cmd::AttrList) => {
                if let Some(a) = msg.attr() {
                    self.attr_request(id, cmd, *a);
                }
            }
            other => {
                self.log.log(
                    Level::Warn,
                    format_args!("unknown client request {:08x}", other.to_u32()),
                );
                let h = self.result_header(Cmd::ClResult, Some(ResultCode::InvalidArg));
                self.reply(id, h, Body::None, true);
            }
        }
    }

    /// The `manual` attr-prereqs of a ticket, checked when an administrative grant arrives
    /// at the site that would acquire it (surface.md §4.3); a failure is answered `APrq`.
    fn grant_prereqs_hold(&mut self, id: ConnId, t: &TicketBody) -> bool {
        let Some(ti) = self.core.ticket_index(&core::Name(t.name.0)) else {
            return true; // unknown tickets are the core's to answer
        };
        let Some(name) = self.failed_prereq(ti, config::GrantType::Manual) else {
            return true;
        };
        let name = name.to_owned();
        let prefix = self.ticket_prefix(ti);
        self.log.log(
            Level::Warn,
            format_args!("{prefix}'{name}' attr-prereq failed"),
        );
        let h = self.result_header(Cmd::ClResult, Some(ResultCode::AttrPrereq));
        self.reply(id, h, Body::Ticket(*t), true);
        false
    }

    /// The name of the first `attr-prereq` of `grant_type` of ticket `ti` that fails
    /// against this site's geo attributes now.
    fn failed_prereq(&self, ti: usize, grant_type: config::GrantType) -> Option<&str> {
        let attrs = self.attrs.get(ti)?;
        self.loaded.config.tickets[ti]
            .attr_prereqs
            .iter()
            .filter(|p| p.grant_type == grant_type)
            .find(|p| !attrs.prereq_holds(&p.name, p.op == config::AttrOp::Eq, &p.value))
            .map(|p| p.name.as_str())
    }

    /// Tells the core whether ticket `ti`'s `attr-prereq auto` lines hold, after its
    /// attributes changed (failover elections wait while they fail), logging a change.
    fn sync_auto_prereqs(&mut self, ti: usize) {
        let failed = self
            .failed_prereq(ti, config::GrantType::Auto)
            .map(str::to_owned);
        let hold = failed.is_none();
        if self.core.auto_prereqs(ti) == hold {
            return;
        }
        self.core.set_auto_prereqs(ti, hold);
        let prefix = self.ticket_prefix(ti);
        match failed {
            Some(name) => self.log.log(
                Level::Warn,
                format_args!("{prefix}'{name}' attr-prereq failed: no failover to this site"),
            ),
            None => self.log.log(
                Level::Info,
                format_args!("{prefix}attr-prereqs hold: failover to this site allowed"),
            ),
        }
    }

    fn attr_request(&mut self, id: ConnId, cmd: Cmd, body: wire::AttrBody) {
        let name = body.ticket.as_str().unwrap_or_default().to_string();
        let ti = self.core.ticket_index(&core::Name(body.ticket.0));
        let site = self.is_site();
        let wall = wall_secs();
        let r = attrs::handle(
            cmd,
            &body,
            &name,
            ti.and_then(|t| self.attrs.get_mut(t)),
            wall,
            site,
            &Tm::local,
        );
        if let Some(w) = &r.warning {
            self.log.log(Level::Warn, format_args!("{w}"));
        }
        let h = self.result_header(r.cmd, r.result);
        match &r.text {
            Some(t) => self.reply(id, h, Body::Text(t.as_bytes()), true),
            None => self.reply(id, h, Body::None, true),
        }
        if let Some(c) = r.crm {
            let job = Job::Attr {
                cmd: c.clone(),
                tries_left: pacemaker::ATTR_CMD_TRIES - 1,
            };
            self.spawn_crm(c, job);
        }
        if let Some(ti) = ti {
            self.sync_auto_prereqs(ti);
        }
    }

    /// The `booth list` text from the core's view of each ticket.
    fn list_text(&self) -> String {
        let now = self.now();
        let config = &self.loaded.config;
        let addr_of = |w: Who| match w {
            Who::Member(i) => config
                .members
                .get(usize::from(i))
                .map(|m| m.addr_text.as_str()),
            _ => None,
        };
        let mut claims: Vec<Vec<&str>> = Vec::new();
        let mut core_views = Vec::with_capacity(config.tickets.len());
        for i in 0..config.tickets.len() {
            let Some(v) = self.core.view(i) else { continue };
            // C lists the claimants in member order
            claims.push(
                (0..config.members.len())
                    .filter(|&m| m < 16 && v.claimed_by & (1 << m) != 0)
                    .filter_map(|m| config.members.get(m).map(|x| x.addr_text.as_str()))
                    .collect(),
            );
            core_views.push((i, v));
        }
        let mut views = Vec::with_capacity(core_views.len());
        for ((i, v), claimed) in core_views.into_iter().zip(&claims) {
            let t = &config.tickets[i];
            let leader = match v.leader {
                Who::NoOne => LeaderView::NoOne,
                Who::Unknown => LeaderView::Unknown,
                w => addr_of(w).map_or(LeaderView::Unknown, LeaderView::Member),
            };
            let manual = t.mode == crate::config::TicketMode::Manual;
            let expires = if manual {
                None
            } else {
                v.term_expires.map(|e| mono_to_wall(now, e))
            };
            views.push(TicketView {
                name: &t.name,
                leader,
                expires,
                commit_pending_until: v
                    .commit_pending_until
                    .filter(|&d| d > now.mono)
                    .map(|d| mono_to_wall(now, d)),
                manual,
                claimed_by: claimed,
            });
        }
        output::list(&views, &Tm::local)
    }

    // ---- the core's actions ----

    fn drain_actions(&mut self) {
        while let Some(a) = self.core.poll_action() {
            match a {
                Action::Send { to, msg, resend } => self.send_msg(Some(to), &msg, resend),
                Action::Broadcast { msg } => self.send_msg(None, &msg, false),
                Action::ReplyClient { client, reply } => {
                    let mut h = self.result_header(Cmd::ClResult, None);
                    h.result = reply.result;
                    let body = TicketBody {
                        name: CStrField(reply.ticket.0),
                        leader: reply.leader,
                        term: reply.term,
                        term_valid_for: reply.valid_for,
                    };
                    self.reply(client, h, Body::Ticket(body), reply.last);
                }
                Action::CibLoad { ticket } => {
                    self.cib[ticket].load_wanted = true;
                    self.pump_cib(ticket);
                }
                Action::CibWrite { ticket, write } => {
                    self.cib[ticket].queued = Some(write);
                    self.cib[ticket].retry_at = None;
                    self.pump_cib(ticket);
                }
                Action::RunHandler { ticket } => self.start_handler(ticket),
                Action::KillHandler { ticket } => {
                    self.handlers[ticket] = None;
                    self.children
                        .terminate_where(|j| matches!(j, Job::Handler(t) if *t == ticket));
                }
                Action::Log {
                    ticket,
                    level,
                    event,
                } => {
                    let level = match level {
                        core::Level::Error => Level::Error,
                        core::Level::Warn => Level::Warn,
                        core::Level::Info => Level::Info,
                        core::Level::Debug => Level::Debug,
                    };
                    let prefix = self.ticket_prefix(ticket);
                    let members = &self.loaded.config.members;
                    let text = event.display(|m| {
                        members
                            .get(usize::from(m))
                            .map_or("?", |x| x.addr_text.as_str())
                    });
                    self.log.log(level, format_args!("{prefix}{text}"));
                }
            }
        }
    }

    /// `<ticket> (<state>/<term>/<ms left>): `, C's prefix of ticket log lines.
    fn ticket_prefix(&self, ticket: usize) -> String {
        let name = self
            .loaded
            .config
            .tickets
            .get(ticket)
            .map_or("?", |t| t.name.as_str());
        match self.core.view(ticket) {
            Some(v) => {
                let left = v
                    .term_expires
                    .map_or(0, |e| e.saturating_sub(self.now().mono));
                format!("{name} ({}/{}/{left}): ", v.state.code(), v.term)
            }
            None => format!("{name}: "),
        }
    }

    fn dump_tickets(&mut self) {
        let now = self.now();
        for i in 0..self.loaded.config.tickets.len() {
            let Some(v) = self.core.view(i) else { continue };
            let leader = match v.leader {
                Who::Member(m) => self
                    .loaded
                    .config
                    .members
                    .get(usize::from(m))
                    .map_or("?".to_string(), |m| m.addr_text.clone()),
                _ => "none".to_string(),
            };
            let expires = v.term_expires.map_or(wall_secs(), |e| mono_to_wall(now, e));
            let prefix = self.ticket_prefix(i);
            self.log.log(
                Level::Info,
                format_args!(
                    "{prefix}state '{}' term {} leader {leader} expires {}",
                    v.state.code(),
                    v.term,
                    Tm::local(expires).ctime()
                ),
            );
        }
        for (i, p) in self.peers.members.iter().enumerate() {
            if i == self.peers.local {
                continue;
            }
            let clock = p
                .clock_offset_ms
                .map_or("unknown (no authentication)".to_string(), |ms| {
                    format!("{ms} ms")
                });
            self.log.log(
                Level::Info,
                format_args!(
                    "peer {}: {}, clock offset {clock}",
                    p.addr_text,
                    if p.up { "up" } else { "not heard" }
                ),
            );
        }
        let c = self.conns.stats;
        self.log.log(
            Level::Info,
            format_args!(
                "client connections: {} open (limit {}, peak {}), {} accepted, {} closed to make room, {} refused, {} accept errors",
                self.conns.len(),
                self.conns.limit(),
                c.peak,
                c.accepted,
                c.evicted,
                c.refused,
                c.accept_errors
            ),
        );
    }

    // ---- crm_ticket ----

    fn spawn_crm(&mut self, cmd: Command, job: Job) {
        let spec = Spec {
            program: pacemaker::CRM_TICKET.into(),
            args: cmd.args.iter().map(OsString::from).collect(),
            stdin: cmd.stdin,
            capture_stdout: matches!(job, Job::Probe | Job::Load(_) | Job::Stale),
            quiet_stderr: matches!(job, Job::Probe | Job::Stale),
            ..Spec::default()
        };
        self.log.log(Level::Debug, format_args!("running {cmd}"));
        if let Err((job, outcome)) =
            self.children
                .spawn(&spec, Instant::now() + CRM_TICKET_TIMEOUT, job)
        {
            self.child_done(job, outcome, &[]);
        }
    }

    /// Starts the next `crm_ticket` of `ticket` if none runs: after the probe, a load
    /// first, then the newest queued write.
    fn pump_cib(&mut self, ticket: usize) {
        if !self.is_site() || self.cib[ticket].running {
            return;
        }
        let Some(mode) = self.crm_mode else {
            if !self.probing {
                self.probing = true;
                self.spawn_crm(pacemaker::probe(), Job::Probe);
            }
            return;
        };
        if self.cib_running >= MAX_CIB_CHILDREN {
            return; // stays queued; started when another ticket's command ends
        }
        let q = &mut self.cib[ticket];
        if q.load_wanted {
            q.load_wanted = false;
            q.running = true;
            self.cib_running += 1;
            let name = self.loaded.config.tickets[ticket].name.clone();
            self.spawn_crm(pacemaker::load(&name), Job::Load(ticket));
            return;
        }
        if q.rest.is_empty() {
            let Some(w) = q.queued.take() else { return };
            q.last = Some(w);
            let name = self.loaded.config.tickets[ticket].name.clone();
            let me = self.loaded.config.members[self.loaded.local].site_id;
            let (granted, rec) = match w {
                CibWrite::Grant { expires, term } => (
                    true,
                    TicketRecord {
                        owner: site_id_signed(me),
                        expires,
                        term,
                    },
                ),
                CibWrite::Revoke {
                    owner,
                    expires,
                    term,
                } => (
                    false,
                    TicketRecord {
                        owner: i32::from_ne_bytes(owner.to_ne_bytes()),
                        expires,
                        term,
                    },
                ),
            };
            let cfg_name = self.loaded.config.name.clone();
            q.rest = pacemaker::write(mode, &name, granted, rec, &cfg_name).into();
        }
        if let Some(cmd) = self.cib[ticket].rest.pop_front() {
            self.cib[ticket].running = true;
            self.cib_running += 1;
            self.spawn_crm(cmd, Job::Write(ticket));
        }
    }

    /// A ticket's `crm_ticket` command ended: its slot is free again.
    fn cib_release(&mut self, ticket: usize) {
        if self.cib[ticket].running {
            self.cib[ticket].running = false;
            self.cib_running = self.cib_running.saturating_sub(1);
        }
    }

    /// Starts waiting work: this ticket's next command, then the other tickets', starting
    /// after it so that every ticket gets its turn.
    fn pump_from(&mut self, ticket: usize) {
        let n = self.cib.len();
        for k in 0..n {
            if self.cib_running >= MAX_CIB_CHILDREN {
                break;
            }
            self.pump_cib((ticket + k) % n);
        }
    }

    fn retry_cib_writes(&mut self, now: Instant) {
        for t in 0..self.cib.len() {
            if self.cib[t].retry_at.is_some_and(|r| now >= r) {
                let q = &mut self.cib[t];
                q.retry_at = None;
                if q.queued.is_none() {
                    q.queued = q.last;
                }
                self.pump_cib(t);
            }
        }
    }

    fn child_done(&mut self, job: Job, outcome: Outcome, stdout: &[u8]) {
        let now = self.now();
        match job {
            Job::Probe => {
                self.probing = false;
                let p = ProbeOutcome::from_exit(outcome.code());
                let (err, line) = p.log_line();
                self.log.log(
                    if err { Level::Error } else { Level::Info },
                    format_args!("{line}"),
                );
                self.crm_mode = Some(p.mode());
                if self.is_site() {
                    self.spawn_crm(pacemaker::all_tickets(), Job::Stale);
                }
                for t in 0..self.cib.len() {
                    self.pump_cib(t);
                }
            }
            Job::Load(t) => {
                self.cib_release(t);
                self.loads_pending = self.loads_pending.saturating_sub(1);
                let name = self.loaded.config.tickets[t].name.clone();
                let cmdline = pacemaker::load(&name).to_string();
                match &outcome {
                    Outcome::Exited(0) => {}
                    Outcome::Exited(6) => self.log.log(
                        Level::Info,
                        format_args!("command \"{cmdline}\", ticket not found"),
                    ),
                    o => self.log.log(
                        Level::Error,
                        format_args!("command \"{cmdline}\" {}", describe(o)),
                    ),
                }
                let loaded = match pacemaker::parse_load_output(stdout) {
                    Ok(l) => {
                        for (k, v) in &l.attrs {
                            self.attrs[t].set(k, v, None);
                        }
                        self.sync_auto_prereqs(t);
                        Some(l)
                    }
                    Err(e) => {
                        let prefix = self.ticket_prefix(t);
                        self.log.log(Level::Error, format_args!("{prefix}{e}"));
                        None
                    }
                };
                let cib = loaded.filter(|_| outcome.success()).map(|l| CibTicket {
                    owner: l
                        .owner
                        .and_then(|o| i32::try_from(o).ok())
                        .map_or(0, |o| u32::from_ne_bytes(o.to_ne_bytes())),
                    expires: l.expires.unwrap_or(0),
                    term: l.term.unwrap_or(0),
                    granted: l.granted,
                });
                self.core.handle_cib_loaded(now, t, cib);
                self.pump_from(t);
            }
            Job::Write(t) => {
                let ok = outcome.success();
                if !ok {
                    self.log.log(
                        Level::Error,
                        format_args!(
                            "error: crm_ticket write for ticket {} failed, {}",
                            self.loaded.config.tickets[t].name,
                            describe(&outcome)
                        ),
                    );
                    self.cib[t].rest.clear();
                    if self.cib[t].queued.is_none() {
                        self.cib[t].retry_at = Some(Instant::now() + CIB_RETRY);
                    }
                }
                self.cib_release(t);
                if self.cib[t].rest.is_empty() {
                    self.core.handle_cib_written(now, t, ok);
                    if ok {
                        self.cib_written(t);
                    }
                }
                self.pump_from(t);
            }
            Job::Attr { cmd, tries_left } => {
                if !outcome.success() {
                    if tries_left > 0 {
                        let spec_cmd = cmd.clone();
                        self.spawn_crm(
                            spec_cmd,
                            Job::Attr {
                                cmd,
                                tries_left: tries_left - 1,
                            },
                        );
                    } else {
                        self.log.log(
                            Level::Error,
                            format_args!("command \"{cmd}\" {}", describe(&outcome)),
                        );
                    }
                }
            }
            Job::Handler(t) => self.handler_step(t, &outcome),
            Job::Hook(event) => {
                if !outcome.success() {
                    self.log.log(
                        Level::Warn,
                        format_args!("event hook for {event} {}", describe(&outcome)),
                    );
                }
            }
            Job::Stale => self.report_stale(&outcome, stdout),
        }
        self.drain_actions();
    }

    /// A CIB write of ticket `t` succeeded: ticket-granted / ticket-lost on a change.
    fn cib_written(&mut self, t: usize) {
        let granted = matches!(self.cib[t].last, Some(CibWrite::Grant { .. }));
        if granted != self.granted_here[t] {
            self.granted_here[t] = granted;
            let ticket = self.loaded.config.tickets[t].name.clone();
            self.fire(if granted {
                Event::TicketGranted { ticket }
            } else {
                Event::TicketLost { ticket }
            });
        }
    }

    /// booth#135: tickets this configuration once managed (their `booth-cfg-name` is
    /// ours) that it no longer names, with the command that removes one safely.
    fn report_stale(&mut self, outcome: &Outcome, stdout: &[u8]) {
        if !outcome.success() {
            self.log.log(
                Level::Debug,
                format_args!("crm_ticket -q (all tickets) {}", describe(outcome)),
            );
            return;
        }
        let cfg = &self.loaded.config;
        let names: Vec<&str> = cfg.tickets.iter().map(|t| t.name.as_str()).collect();
        for s in pacemaker::stale_tickets(stdout, &cfg.name, &names) {
            self.log.log(
                Level::Warn,
                format_args!(
                    "ticket {} is in the CIB with booth-cfg-name={} but {} no longer names it; once nothing depends on it, remove it with: {}",
                    s.name,
                    cfg.name,
                    cfg.path,
                    s.cleanup_command()
                ),
            );
        }
    }

    // ---- before-acquire-handler ----

    fn start_handler(&mut self, ticket: usize) {
        let Some(h) = self.loaded.config.tickets[ticket].handler.clone() else {
            let now = self.now();
            self.core.handle_handler_exit(now, ticket, 0);
            return;
        };
        let programs: VecDeque<PathBuf> = match std::fs::metadata(&h.path) {
            Ok(m) if m.is_dir() => {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(&h.path)
                    .map(|rd| {
                        rd.filter_map(Result::ok)
                            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                            .map(|e| e.path())
                            .collect()
                    })
                    .unwrap_or_default();
                entries.sort();
                entries.into()
            }
            Ok(_) => VecDeque::from([h.path.clone()]),
            Err(e) => {
                self.log.log(
                    Level::Error,
                    format_args!("{}: stat failed ({e})", h.path.display()),
                );
                let now = self.now();
                self.core.handle_handler_exit(now, ticket, 1);
                return;
            }
        };
        self.handlers[ticket] = Some(HandlerRun { rest: programs });
        self.handler_step(ticket, &Outcome::Exited(0));
    }

    /// Runs the next program of the handler, or reports the result to the core.
    fn handler_step(&mut self, ticket: usize, last: &Outcome) {
        let now = self.now();
        let Some(run) = self.handlers[ticket].as_mut() else {
            return; // killed: the result is ignored
        };
        let next = if last.success() {
            run.rest.pop_front()
        } else {
            None
        };
        let Some(program) = next else {
            self.handlers[ticket] = None;
            let status = match last {
                Outcome::Exited(c) => *c,
                Outcome::Signalled(s) => 128 + s,
                _ => 1,
            };
            if status != 0 {
                let prefix = self.ticket_prefix(ticket);
                self.log.log(
                    Level::Warn,
                    format_args!("{prefix}handler failed: {}", describe(last)),
                );
            }
            self.core.handle_handler_exit(now, ticket, status);
            return;
        };
        let cfg = &self.loaded.config;
        let t = &cfg.tickets[ticket];
        let Some(h) = t.handler.as_ref() else { return };
        let expires = self
            .core
            .view(ticket)
            .and_then(|v| v.term_expires)
            .map_or(wall_secs(), |e| mono_to_wall(now, e));
        let spec = Spec {
            program: program.into_os_string(),
            arg0: h.argv.first().cloned(),
            args: h.argv.iter().skip(1).cloned().collect(),
            env: vec![
                ("BOOTH_TICKET".into(), t.name.clone().into()),
                (
                    "BOOTH_LOCAL".into(),
                    cfg.members[self.loaded.local].addr_text.clone().into(),
                ),
                ("BOOTH_CONF_NAME".into(), cfg.name.clone().into()),
                ("BOOTH_CONF_PATH".into(), cfg.path.clone().into()),
                ("BOOTH_TICKET_EXPIRES".into(), expires.to_string().into()),
            ],
            ..Spec::default()
        };
        let deadline = Instant::now() + Duration::from_millis(u64::from(t.expire_ms.max(1000)));
        if let Err((job, outcome)) = self.children.spawn(&spec, deadline, Job::Handler(ticket)) {
            self.child_done(job, outcome, &[]);
        }
    }
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Exited(c) => format!("exit code {c}"),
        Outcome::Signalled(s) => format!("got signal {s}"),
        Outcome::TimedOut => "timed out and was killed".to_string(),
        Outcome::SpawnFailed(e) => format!("could not be started: {e}"),
    }
}

fn wall_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn wall_secs() -> i64 {
    i64::try_from(wall_now().as_secs()).unwrap_or(i64::MAX)
}

/// Wall-clock epoch seconds (rounded) of a monotonic instant, via the current offset.
fn mono_to_wall(now: Now, mono: core::Ms) -> i64 {
    let delta =
        i64::try_from(mono).unwrap_or(i64::MAX) - i64::try_from(now.mono).unwrap_or(i64::MAX);
    (now.wall_ms + delta + 500).div_euclid(1000)
}
