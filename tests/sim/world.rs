//! The simulated world: nodes running the real core, a lossy network carrying encoded
//! messages, per-node clocks, Pacemaker and the handler; all driven by one seed.

use super::codec;
use super::monitor::Monitor;
use super::rng::Rng;
use booth::core::{
    code, Action, CibTicket, CibWrite, ClientRequest, Core, Kind, Member, Msg, Name, Now, Setup,
    TicketParams,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

pub type Bytes = [u8; 124];

/// Bounds of one run (see `run_until`).
const MAX_STEPS: u64 = 2_000_000;
const MAX_QUEUED: usize = 200_000;

/// A node's clocks: monotonic `base + t·(1 + ppm/10⁶)`, wall = true time + offset.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub base: u64,
    pub ppm: i64,
    pub wall_off: i64,
}

impl Clock {
    pub fn mono(&self, t: u64) -> u64 {
        let ti = i128::from(t);
        let v = i128::from(self.base) + ti + (ti * i128::from(self.ppm)).div_euclid(1_000_000);
        u64::try_from(v).unwrap()
    }
    /// The first true instant at which the monotonic clock reads at least `local`.
    pub fn true_at(&self, local: u64) -> u64 {
        if local <= self.base {
            return 0;
        }
        if local - self.base > 1 << 60 {
            return u64::MAX >> 2; // "never" (manual tickets have no lease end)
        }
        let d = i128::from(local - self.base);
        let est = d * 1_000_000 / (1_000_000 + i128::from(self.ppm));
        let mut t = u64::try_from(est.max(0)).unwrap().saturating_sub(2);
        while self.mono(t) < local {
            t += 1;
        }
        t
    }
    pub fn now(&self, t: u64) -> Now {
        let t_i = i64::try_from(t).unwrap();
        Now {
            mono: self.mono(t),
            wall_ms: 1_700_000_000_000 + t_i + self.wall_off,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Up,
    Paused,
    Down,
}

pub struct Node {
    pub member: Member,
    pub core: Option<Core>,
    pub clock: Clock,
    pub status: Status,
    /// Messages that reached a paused process, handled when it resumes.
    pub inbox: VecDeque<Bytes>,
    /// The node's CIB (sites): survives crashes.
    pub cib: Option<CibTicket>,
    /// True time the last queued crm_ticket call finishes.
    pub cib_busy_until: u64,
    /// Process incarnation: events of a dead process are dropped.
    pub inc: u32,
    pub timer_gen: u64,
    pub handler_tok: u64,
    pub handler_done: u64,
}

#[derive(Clone, Debug)]
pub enum Ev {
    Deliver {
        to: usize,
        bytes: Bytes,
    },
    Timer {
        node: usize,
        gen: u64,
    },
    CibLoaded {
        node: usize,
        inc: u32,
        val: Option<CibTicket>,
    },
    CibApplied {
        node: usize,
        inc: u32,
        write: CibWrite,
    },
    HandlerExit {
        node: usize,
        inc: u32,
        tok: u64,
        status: i32,
    },
    Fault(Fault),
}

#[derive(Clone, Debug)]
pub enum Fault {
    Cut {
        from: usize,
        to: usize,
        on: bool,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
    Pause {
        node: usize,
    },
    Resume {
        node: usize,
    },
    Loss {
        per_mille: u64,
        dup: u64,
    },
    WallStep {
        node: usize,
        delta: i64,
    },
    Grant {
        node: usize,
        options: u32,
    },
    Revoke {
        node: usize,
    },
    Inject {
        to: usize,
        kind: u8,
    },
    /// Deliver `msg` to `to` as if from the network (the checkers' own tests: a message
    /// no member sent, e.g. a vote, must make an invariant fail).
    Forge {
        to: usize,
        msg: Msg,
    },
    HealAll,
}

struct Item {
    t: u64,
    seq: u64,
    ev: Ev,
}
impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        (self.t, self.seq) == (o.t, o.seq)
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.t, self.seq).cmp(&(o.t, o.seq))
    }
}

/// Knobs of one run, all derived from the seed.
#[derive(Clone, Debug)]
pub struct Knobs {
    pub sites: usize,
    pub arbs: usize,
    pub params: TicketParams,
    pub ms_mode: bool,
    pub delay: (u64, u64),
    pub handler_fail: u64,
    pub handler_hang: u64,
    pub cib_slow: u64,
    pub cib_load_fail: u64,
}

pub struct World {
    pub t: u64,
    seq: u64,
    q: BinaryHeap<Reverse<Item>>,
    pub nodes: Vec<Node>,
    /// cut[from][to]: number of active cuts of that direction.
    cut: Vec<Vec<u32>>,
    loss: u64,
    dup: u64,
    pub rng: Rng,
    pub knobs: Knobs,
    setup: Setup,
    pub mon: Monitor,
    next_client: u64,
    /// Messages sent so far (for replays of stale ones), bounded.
    history: VecDeque<Bytes>,
    pub trace: Option<Vec<String>>,
    pub steps: u64,
}

pub fn ticket_name() -> Name {
    Name::new("tkt").unwrap()
}

impl World {
    pub fn new(seed: u64, knobs: Knobs, trace: bool) -> World {
        let mut rng = Rng::new(seed);
        let n = knobs.sites + knobs.arbs;
        let mut members = Vec::new();
        for i in 0..n {
            members.push(Member {
                id: 0x1000_0000 + u32::try_from(i).unwrap() * 0x111,
                kind: if i < knobs.sites {
                    Kind::Site
                } else {
                    Kind::Arbitrator
                },
            });
        }
        let setup = Setup {
            members: members.clone(),
            local: 0,
            ms_mode: knobs.ms_mode,
            tickets: vec![knobs.params],
        };
        let mut nodes = Vec::new();
        for m in members.iter() {
            let clock = Clock {
                base: rng.range(1_000, 1_000_000_000),
                ppm: i64::try_from(rng.range(0, 200)).unwrap() - 100,
                wall_off: i64::try_from(rng.range(0, 4000)).unwrap() - 2000,
            };
            nodes.push(Node {
                member: *m,
                core: None,
                clock,
                status: Status::Down,
                inbox: VecDeque::new(),
                cib: None,
                cib_busy_until: 0,
                inc: 0,
                timer_gen: 0,
                handler_tok: 0,
                handler_done: 0,
            });
        }
        let mon = Monitor::new(&members, knobs.params);
        World {
            t: 0,
            seq: 0,
            q: BinaryHeap::new(),
            nodes,
            cut: vec![vec![0; n]; n],
            loss: 0,
            dup: 0,
            rng,
            knobs,
            setup,
            mon,
            next_client: 1,
            history: VecDeque::new(),
            trace: if trace { Some(Vec::new()) } else { None },
            steps: 0,
        }
    }

    pub fn n(&self) -> usize {
        self.nodes.len()
    }

    pub fn schedule(&mut self, t: u64, ev: Ev) {
        self.seq += 1;
        self.q.push(Reverse(Item {
            t,
            seq: self.seq,
            ev,
        }));
    }

    fn note(&mut self, f: impl FnOnce() -> String) {
        if let Some(tr) = self.trace.as_mut() {
            tr.push(format!("{:>8} {}", self.t, f()));
        }
    }

    /// Start every node's process.
    pub fn boot_all(&mut self) {
        for k in 0..self.n() {
            self.boot(k);
        }
    }

    fn boot(&mut self, k: usize) {
        let mut setup = self.setup.clone();
        setup.local = k;
        let seed = self.rng.next();
        let node = &mut self.nodes[k];
        node.core = Some(Core::new(setup, seed).expect("valid setup"));
        node.status = Status::Up;
        node.inc += 1;
        node.inbox.clear();
        self.mon.on_boot(k);
        let now = self.nodes[k].clock.now(self.t);
        self.nodes[k].core.as_mut().unwrap().start(now);
        self.after(k);
    }

    /// Drain node `k`'s actions, carry them out, re-arm its timer, check invariants.
    fn after(&mut self, k: usize) {
        while let Some(a) = self.nodes[k].core.as_mut().and_then(|c| c.poll_action()) {
            self.carry_out(k, a);
        }
        if let Some(d) = self.nodes[k].core.as_ref().and_then(|c| c.next_deadline()) {
            let at = self.nodes[k].clock.true_at(d).max(self.t);
            self.nodes[k].timer_gen += 1;
            let gen = self.nodes[k].timer_gen;
            self.schedule(at, Ev::Timer { node: k, gen });
        }
        self.mon.observe(self.t, k, &self.nodes);
    }

    fn carry_out(&mut self, k: usize, a: Action) {
        match a {
            Action::Send { to, msg, .. } => {
                self.mon.on_send(k, &msg, &self.setup.members);
                self.send(k, to, &msg);
            }
            Action::Broadcast { msg } => {
                self.mon.on_send(k, &msg, &self.setup.members);
                for j in 0..self.n() {
                    if j != k {
                        self.send(k, j, &msg);
                    }
                }
            }
            Action::ReplyClient { client, reply } => {
                self.note(|| {
                    format!(
                        "n{k} client {client} <- {:#x} last={}",
                        reply.result, reply.last
                    )
                });
                self.mon.on_client_reply(self.t, client, reply.last);
            }
            Action::CibLoad { ticket: _ } => {
                let inc = self.nodes[k].inc;
                let val = if self.rng.chance(self.knobs.cib_load_fail) {
                    None
                } else {
                    self.nodes[k].cib
                };
                let lat = self.rng.range(0, 300);
                self.schedule(self.t + lat, Ev::CibLoaded { node: k, inc, val });
            }
            Action::CibWrite { ticket: _, write } => {
                self.note(|| format!("n{k} CIB {write:?}"));
                // S1 counts a revoke from the moment booth asks for it (a slow
                // crm_ticket is Pacemaker's delay, not booth's) and a grant from the
                // moment Pacemaker holds it: a grant still in flight when its process
                // crashes is lost with it here, and Pacemaker never held it.
                match write {
                    CibWrite::Revoke { .. } => {
                        self.mon.on_cib_write(self.t, k, &write, &self.nodes)
                    }
                    CibWrite::Grant { .. } => self.mon.on_grant_issued(),
                }
                let lat = if self.rng.chance(self.knobs.cib_slow) {
                    self.rng.range(1_000, 20_000)
                } else {
                    self.rng.range(1, 200)
                };
                let done = self.nodes[k].cib_busy_until.max(self.t) + lat;
                self.nodes[k].cib_busy_until = done;
                let inc = self.nodes[k].inc;
                self.schedule(
                    done,
                    Ev::CibApplied {
                        node: k,
                        inc,
                        write,
                    },
                );
            }
            Action::RunHandler { ticket: _ } => {
                self.note(|| format!("n{k} handler runs"));
                self.nodes[k].handler_tok += 1;
                let tok = self.nodes[k].handler_tok;
                let inc = self.nodes[k].inc;
                if !self.rng.chance(self.knobs.handler_hang) {
                    // -1: decided when it exits (after healing, handlers succeed)
                    let status = -1;
                    let lat = self.rng.range(0, 2_000);
                    self.schedule(
                        self.t + lat,
                        Ev::HandlerExit {
                            node: k,
                            inc,
                            tok,
                            status,
                        },
                    );
                }
            }
            Action::KillHandler { ticket: _ } => {
                self.note(|| format!("n{k} handler killed"));
                let tok = self.nodes[k].handler_tok;
                let inc = self.nodes[k].inc;
                self.schedule(
                    self.t + 5,
                    Ev::HandlerExit {
                        node: k,
                        inc,
                        tok,
                        status: 143,
                    },
                );
            }
            Action::Log { level, event, .. } => {
                // members by index: the trace names nodes n0, n1, ...
                const NAMES: [&str; 16] = [
                    "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10", "n11",
                    "n12", "n13", "n14", "n15",
                ];
                let name = |m: u8| NAMES.get(usize::from(m)).copied().unwrap_or("n?");
                self.note(|| format!("n{k} log {level:?}: {}", event.display(name)));
            }
        }
    }

    fn send(&mut self, from: usize, to: usize, msg: &Msg) {
        let bytes = codec::encode(msg);
        if self.history.len() >= 256 {
            self.history.pop_front();
        }
        self.history.push_back(bytes);
        if self.cut[from][to] > 0 || self.rng.chance(self.loss) {
            return;
        }
        let copies = if self.rng.chance(self.dup) { 2 } else { 1 };
        for _ in 0..copies {
            let d = self.rng.range(self.knobs.delay.0, self.knobs.delay.1);
            self.schedule(self.t + d, Ev::Deliver { to, bytes });
        }
    }

    /// Run until true time `until` (or the queue empties); check invariants each step.
    pub fn run_until(&mut self, until: u64) {
        while let Some(Reverse(top)) = self.q.peek() {
            if top.t > until {
                break;
            }
            let Reverse(Item { t, ev, .. }) = self.q.pop().unwrap();
            self.t = t;
            self.steps += 1;
            self.step(ev);
            // A run averages ~500 steps; a message storm (one input answered by ever
            // more messages) is a bug of its own and would exhaust the memory.
            if self.steps > MAX_STEPS || self.q.len() > MAX_QUEUED {
                let (steps, queued) = (self.steps, self.q.len());
                self.mon
                    .fail(t, format!("runaway: {steps} steps, {queued} events queued"));
                return;
            }
        }
        self.t = self.t.max(until);
    }

    fn up(&self, k: usize) -> bool {
        self.nodes[k].status == Status::Up
    }

    fn step(&mut self, ev: Ev) {
        match ev {
            Ev::Deliver { to, bytes } => match self.nodes[to].status {
                Status::Down => {}
                Status::Paused => self.nodes[to].inbox.push_back(bytes),
                Status::Up => self.deliver(to, &bytes),
            },
            Ev::Timer { node, gen } => {
                if self.up(node) && self.nodes[node].timer_gen == gen {
                    let now = self.nodes[node].clock.now(self.t);
                    self.nodes[node].core.as_mut().unwrap().handle_timeout(now);
                    self.after(node);
                }
            }
            Ev::CibLoaded { node, inc, val } => {
                if self.nodes[node].status == Status::Paused && self.nodes[node].inc == inc {
                    // a stopped process reads the answer when it resumes
                    self.schedule(self.t + 100, Ev::CibLoaded { node, inc, val });
                } else if self.up(node) && self.nodes[node].inc == inc {
                    self.note(|| format!("n{node} CIB loaded {val:?}"));
                    let now = self.nodes[node].clock.now(self.t);
                    self.nodes[node]
                        .core
                        .as_mut()
                        .unwrap()
                        .handle_cib_loaded(now, 0, val);
                    self.after(node);
                }
            }
            Ev::CibApplied { node, inc, write } => {
                if self.nodes[node].inc == inc && self.nodes[node].status != Status::Down {
                    if matches!(write, CibWrite::Grant { .. }) {
                        self.note(|| format!("n{node} CIB applied {write:?}"));
                        self.mon.on_cib_write(self.t, node, &write, &self.nodes);
                    }
                    let id = self.nodes[node].member.id;
                    self.nodes[node].cib = Some(match write {
                        CibWrite::Grant { expires, term } => CibTicket {
                            owner: id,
                            expires,
                            term,
                            granted: true,
                        },
                        CibWrite::Revoke {
                            owner,
                            expires,
                            term,
                        } => CibTicket {
                            owner,
                            expires,
                            term,
                            granted: false,
                        },
                    });
                }
            }
            Ev::HandlerExit {
                node,
                inc,
                tok,
                status,
            } => {
                let n = &self.nodes[node];
                if n.inc == inc && n.handler_tok == tok && n.handler_done != tok {
                    let status = if status < 0 {
                        i32::from(self.rng.chance(self.knobs.handler_fail))
                    } else {
                        status
                    };
                    let n = &self.nodes[node];
                    if n.status == Status::Up {
                        self.nodes[node].handler_done = tok;
                        self.note(|| format!("n{node} handler exits {status}"));
                        let now = self.nodes[node].clock.now(self.t);
                        self.nodes[node]
                            .core
                            .as_mut()
                            .unwrap()
                            .handle_handler_exit(now, 0, status);
                        self.after(node);
                    } else if n.status == Status::Paused {
                        // a stopped process reaps its child when it resumes
                        self.schedule(
                            self.t + 100,
                            Ev::HandlerExit {
                                node,
                                inc,
                                tok,
                                status,
                            },
                        );
                    }
                }
            }
            Ev::Fault(f) => self.fault(f),
        }
    }

    fn deliver(&mut self, to: usize, bytes: &Bytes) {
        let Some(msg) = codec::decode(bytes) else {
            return;
        };
        self.note(|| {
            format!(
                "n{to} <- {} req={} r={:#x} rs={:#x} from={:#x} L={:#x} t={} v={}",
                fourcc(msg.cmd),
                fourcc(msg.request),
                msg.reason,
                msg.result,
                msg.from,
                msg.leader,
                msg.term,
                msg.valid_for
            )
        });
        let now = self.nodes[to].clock.now(self.t);
        self.nodes[to]
            .core
            .as_mut()
            .unwrap()
            .handle_message(now, &msg);
        if std::env::var_os("SIM_VIEWS").is_some() {
            let v = self.nodes[to].core.as_ref().and_then(|c| c.view(0));
            self.note(|| format!("    n{to}: {v:?}"));
        }
        self.after(to);
    }

    pub fn fault(&mut self, f: Fault) {
        self.note(|| format!("FAULT {f:?}"));
        match f {
            Fault::Cut { from, to, on } => {
                if on {
                    self.cut[from][to] += 1;
                } else {
                    self.cut[from][to] = self.cut[from][to].saturating_sub(1);
                }
            }
            Fault::Crash { node } => {
                if self.nodes[node].status != Status::Down {
                    self.nodes[node].status = Status::Down;
                    self.nodes[node].core = None;
                    self.nodes[node].inc += 1;
                    self.mon.on_crash(node);
                }
            }
            Fault::Restart { node } => {
                if self.nodes[node].status == Status::Down {
                    self.boot(node);
                }
            }
            Fault::Pause { node } => {
                if self.nodes[node].status == Status::Up {
                    self.nodes[node].status = Status::Paused;
                }
            }
            Fault::Resume { node } => {
                if self.nodes[node].status == Status::Paused {
                    self.nodes[node].status = Status::Up;
                    while let Some(b) = self.nodes[node].inbox.pop_front() {
                        self.deliver(node, &b);
                    }
                    let now = self.nodes[node].clock.now(self.t);
                    self.nodes[node].core.as_mut().unwrap().handle_timeout(now);
                    self.after(node);
                }
            }
            Fault::Loss { per_mille, dup } => {
                self.loss = per_mille;
                self.dup = dup;
            }
            Fault::WallStep { node, delta } => self.nodes[node].clock.wall_off += delta,
            Fault::Grant { node, options } => self.client(node, code::CMD_GRANT, options),
            Fault::Revoke { node } => self.client(node, code::CMD_REVOKE, 0),
            Fault::Inject { to, kind } => self.inject(to, kind),
            Fault::Forge { to, msg } => {
                if self.nodes[to].status == Status::Up {
                    self.deliver(to, &codec::encode(&msg));
                }
            }
            Fault::HealAll => {
                if self.trace.is_some() {
                    for k in 0..self.n() {
                        let c = self.nodes[k].core.as_ref();
                        let v = c.and_then(|c| c.view(0));
                        let d = c.and_then(|c| c.next_deadline());
                        let now = self.nodes[k].clock.mono(self.t);
                        self.note(|| format!("  n{k} at heal: now {now} deadline {d:?} {v:?}"));
                    }
                }
                let interest = self.ticket_sought();
                self.mon.l1_applies = interest;
                for row in self.cut.iter_mut() {
                    for c in row.iter_mut() {
                        *c = 0;
                    }
                }
                self.loss = 0;
                self.dup = 0;
                // Pacemaker and the handler behave again too
                self.knobs.handler_fail = 0;
                self.knobs.handler_hang = 0;
                self.knobs.cib_slow = 0;
                self.knobs.cib_load_fail = 0;
                for k in 0..self.n() {
                    match self.nodes[k].status {
                        Status::Down => self.fault(Fault::Restart { node: k }),
                        Status::Paused => self.fault(Fault::Resume { node: k }),
                        Status::Up => {}
                    }
                }
                self.mon.on_heal(self.t);
            }
        }
    }

    /// L1 precondition at healing: somebody still holds, follows, or seeks the ticket
    /// (a live node knows an owner or campaigns or will campaign; or a site's CIB names
    /// an owner or says granted). When every process that knew the ticket crashed and
    /// the CIBs say "lost", booth (like C) leaves it unowned.
    fn ticket_sought(&self) -> bool {
        // A member that believes the ticket revoked (NO_ONE, e.g. adopted from a peer
        // whose "unknown" leader went out as NO_ONE, §2.3) answers TKT_LOST elections
        // with YOU_OUTDATED: booth then treats the ticket as revoked (C semantics).
        let revoked = self.nodes.iter().any(|n| {
            n.core
                .as_ref()
                .and_then(|c| c.view(0))
                .is_some_and(|v| v.leader == booth::core::Who::NoOne)
        });
        // An arbitrator's knowledge only matters to a site that asks (STATUS) when it
        // restarts at the heal; arbitrators never campaign themselves.
        let site_restarts = self
            .nodes
            .iter()
            .any(|n| n.member.kind == Kind::Site && n.status == Status::Down);
        !revoked
            && self.nodes.iter().any(|n| {
                let site = n.member.kind == Kind::Site;
                let live = n.core.as_ref().and_then(|c| c.view(0)).is_some_and(|v| {
                    (matches!(v.leader, booth::core::Who::Member(_)) && (site || site_restarts))
                        || (site && v.state != booth::core::State::Init)
                });
                let cib = n.status == Status::Down
                    && n.cib.is_some_and(|c| {
                        c.granted || self.nodes.iter().any(|m| m.member.id == c.owner)
                    });
                live || cib
            })
    }

    fn client(&mut self, k: usize, cmd: u32, options: u32) {
        if self.nodes[k].status != Status::Up {
            return;
        }
        let id = self.next_client;
        self.next_client += 1;
        self.mon.on_client_request(self.t, id, cmd);
        let now = self.nodes[k].clock.now(self.t);
        let req = ClientRequest {
            cmd,
            ticket: ticket_name(),
            options,
        };
        self.note(|| format!("n{k} client {id} -> {} opts={options}", fourcc(cmd)));
        self.nodes[k]
            .core
            .as_mut()
            .unwrap()
            .handle_client(now, id, &req);
        self.after(k);
    }

    /// Bad input (issue 4): unknown ticket, unknown or own sender, stale replays, replies
    /// to requests never made, an arbitrator voting for itself.
    fn inject(&mut self, to: usize, kind: u8) {
        if self.nodes[to].status != Status::Up {
            return;
        }
        let me = self.nodes[to].member.id;
        let other = self.nodes[(to + 1) % self.n()].member.id;
        let base = Msg {
            cmd: code::HEARTBEAT,
            request: 0,
            result: 0,
            reason: 0,
            from: other,
            ticket: ticket_name(),
            leader: other,
            term: 0,
            valid_for: 5,
        };
        let msg = match kind % 6 {
            0 => Msg {
                ticket: Name::new("nosuch").unwrap(),
                ..base
            },
            1 => Msg {
                from: 0xDEAD_BEEF,
                leader: 0xDEAD_BEEF,
                ..base
            },
            2 => Msg {
                from: me,
                leader: me,
                ..base
            },
            3 => {
                // a stale replay: an old message whose term is below the receiver's
                let cur = self.nodes[to].core.as_ref().unwrap().view(0).unwrap().term;
                let pick = self
                    .history
                    .iter()
                    .filter_map(|b| codec::decode(b))
                    .find(|m| m.term < cur && m.from != me);
                match pick {
                    Some(m) => m,
                    None => return,
                }
            }
            4 => Msg {
                cmd: code::ACK,
                request: code::REVOKE,
                term: 0,
                ..base
            },
            _ => {
                let arb = self
                    .nodes
                    .iter()
                    .find(|n| n.member.kind == Kind::Arbitrator)
                    .map(|n| n.member.id);
                match arb {
                    Some(a) if a != me => Msg {
                        cmd: code::VOTE_FOR,
                        request: code::REQ_VOTE,
                        from: a,
                        leader: a,
                        term: 1,
                        ..base
                    },
                    _ => return,
                }
            }
        };
        self.note(|| format!("INJECT to n{to}: {}", fourcc(msg.cmd)));
        let bytes = codec::encode(&msg);
        self.deliver(to, &bytes);
    }
}

pub fn fourcc(c: u32) -> String {
    if c == 0 {
        return "0".into();
    }
    c.to_be_bytes().iter().map(|&b| b as char).collect()
}
