//! Exhaustive search (issue 4): 3 members, 1 ticket, every interleaving of up to
//! `DEPTH` events (message deliveries, drops, crash+restart, timer firings) from two
//! starting points, with S1 (no two sites hold the ticket at once) and S2 (one leader
//! per term, only with a majority of votes) checked in every state reached.
//!
//! Time is global and moves to the earliest pending deadline when a timer fires;
//! messages may be delivered (or dropped, at most once per path) at any point in between,
//! i.e. with any delay. One crash per path (of one chosen node) restarts it at once
//! from its CIB (memory lost).

use super::codec;
use booth::core::{
    code, Action, CibTicket, CibWrite, ClientRequest, Core, Kind, Member, Msg, Now, Setup, State,
    TicketParams,
};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

const BASE: u64 = 1_000_000;

/// A fast non-cryptographic hasher (FxHash's multiply-rotate) for state fingerprints;
/// SipHash dominated the search time in debug builds.
#[derive(Default)]
struct Fx(u64);
impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}
const WALL: i64 = 1_700_000_000_000;
/// Timers further away than this are idle wake-ups, not events worth exploring.
const HORIZON: u64 = 30_000;

#[derive(Clone)]
struct Node {
    core: Core,
    cib: Option<CibTicket>,
    /// S1 interval in global time: CIB grant written .. own lease end or revoke.
    iv: Option<(u64, u64)>,
    granted_proc: bool,
    was_leader: bool,
}

#[derive(Clone)]
struct Sys {
    t: u64,
    nodes: Vec<Node>,
    /// In flight, in send order: (sender, destination, encoded datagram). Links are
    /// FIFO here (reordering is the random simulator's job), which keeps the search
    /// to the interleavings that matter: across links, timers and crashes.
    net: Vec<(u8, u8, [u8; 124])>,
    /// The same messages as compact keys, for the fingerprint.
    keys: Vec<[u32; 8]>,
    /// VOTE_FOR replies sent: (term, candidate id, voter).
    votes: Vec<(u32, u32, u8)>,
    crashes_left: u8,
    /// The one node that may crash (and restart) in this search.
    crashable: usize,
    drops_left: u8,
    members: Vec<Member>,
}

fn now(t: u64) -> Now {
    Now {
        mono: BASE + t,
        wall_ms: WALL + i64::try_from(t).unwrap(),
    }
}

impl Sys {
    fn new(sites: usize, arbs: usize, p: TicketParams) -> Sys {
        let members: Vec<Member> = (0..sites + arbs)
            .map(|i| Member {
                id: 0x2000_0000 + u32::try_from(i).unwrap(),
                kind: if i < sites {
                    Kind::Site
                } else {
                    Kind::Arbitrator
                },
            })
            .collect();
        let mut s = Sys {
            t: 0,
            nodes: Vec::new(),
            net: Vec::new(),
            keys: Vec::new(),
            votes: Vec::new(),
            crashes_left: 1,
            crashable: 0,
            drops_left: 1,
            members: members.clone(),
        };
        for k in 0..members.len() {
            let setup = Setup {
                members: members.clone(),
                local: k,
                ms_mode: false,
                tickets: vec![p],
            };
            let core = Core::new(setup, 1 + u64::try_from(k).unwrap()).unwrap();
            s.nodes.push(Node {
                core,
                cib: None,
                iv: None,
                granted_proc: false,
                was_leader: false,
            });
        }
        for k in 0..members.len() {
            s.nodes[k].core.start(now(0));
            s.drain(k).unwrap();
        }
        s
    }

    fn majority(&self, n: usize) -> bool {
        2 * n > self.members.len()
    }

    /// Carry out node `k`'s actions; then check the invariants.
    fn drain(&mut self, k: usize) -> Result<(), String> {
        while let Some(a) = self.nodes[k].core.poll_action() {
            match a {
                Action::Send { to, msg, .. } => self.send(k, to, &msg),
                Action::Broadcast { msg } => {
                    for j in 0..self.members.len() {
                        if j != k {
                            self.send(k, j, &msg);
                        }
                    }
                }
                Action::CibLoad { ticket } => {
                    let cib = self.nodes[k].cib;
                    self.nodes[k]
                        .core
                        .handle_cib_loaded(now(self.t), ticket, cib);
                }
                Action::CibWrite { write, .. } => self.cib_write(k, write),
                Action::RunHandler { ticket } => {
                    self.nodes[k]
                        .core
                        .handle_handler_exit(now(self.t), ticket, 0)
                }
                Action::ReplyClient { .. } | Action::KillHandler { .. } | Action::Log { .. } => {}
            }
        }
        self.check(k)
    }

    fn send(&mut self, from: usize, to: usize, msg: &Msg) {
        if msg.cmd == code::VOTE_FOR && msg.request == code::REQ_VOTE {
            let v = (msg.term, msg.leader, u8::try_from(from).unwrap());
            if let Err(i) = self.votes.binary_search(&v) {
                self.votes.insert(i, v);
            }
        }
        let e = (
            u8::try_from(from).unwrap(),
            u8::try_from(to).unwrap(),
            codec::encode(msg),
        );
        self.net.push(e);
        self.keys.push([
            u32::from(e.0) << 8 | u32::from(e.1),
            msg.cmd,
            msg.request,
            msg.result,
            msg.reason,
            msg.leader,
            msg.term,
            msg.valid_for,
        ]);
    }

    fn lease_end(&self, k: usize) -> Option<u64> {
        let g = self.nodes[k].core.view(0)?.granted_until?;
        Some((g + 1).saturating_sub(BASE))
    }

    fn cib_write(&mut self, k: usize, w: CibWrite) {
        let id = self.members[k].id;
        let t = self.t;
        match w {
            CibWrite::Grant { expires, term } => {
                self.nodes[k].cib = Some(CibTicket {
                    owner: id,
                    expires,
                    term,
                    granted: true,
                });
                self.nodes[k].granted_proc = true;
                let end = self.lease_end(k).unwrap_or(t);
                self.nodes[k].iv = match self.nodes[k].iv {
                    Some((s, e)) if t < e => Some((s, e.max(end))),
                    _ => Some((t, end)),
                };
            }
            CibWrite::Revoke {
                owner,
                expires,
                term,
            } => {
                self.nodes[k].cib = Some(CibTicket {
                    owner,
                    expires,
                    term,
                    granted: false,
                });
                self.nodes[k].granted_proc = false;
                if let Some((s, e)) = self.nodes[k].iv {
                    self.nodes[k].iv = Some((s, e.min(t)));
                }
            }
        }
    }

    fn check(&mut self, k: usize) -> Result<(), String> {
        let t = self.t;
        if self.nodes[k].granted_proc {
            if let (Some(end), Some((s, e))) = (self.lease_end(k), self.nodes[k].iv) {
                if t < e {
                    self.nodes[k].iv = Some((s, e.max(end)));
                }
            }
        }
        let holders: Vec<usize> = (0..self.nodes.len())
            .filter(|&j| self.nodes[j].iv.is_some_and(|(s, e)| s <= t && t < e))
            .collect();
        if holders.len() > 1 {
            return Err(format!("S1: {holders:?} hold the ticket at t={t}"));
        }
        let v = self.nodes[k].core.view(0).unwrap();
        let leader = v.state == State::Leader;
        if leader && !self.nodes[k].was_leader {
            let id = self.members[k].id;
            let n = (0..self.members.len())
                .filter(|&j| {
                    j == k
                        || self
                            .votes
                            .binary_search(&(v.term, id, u8::try_from(j).unwrap()))
                            .is_ok()
                })
                .count();
            if !self.majority(n) {
                return Err(format!("S2: n{k} leads term {} with {n} votes", v.term));
            }
            for j in (0..self.nodes.len()).filter(|&j| j != k) {
                let o = self.nodes[j].core.view(0).unwrap();
                if o.state == State::Leader && o.term == v.term {
                    return Err(format!("S2: n{k} and n{j} both lead term {}", v.term));
                }
            }
        }
        self.nodes[k].was_leader = leader;
        Ok(())
    }

    fn fingerprint(&self) -> u64 {
        let mut h = Fx::default();
        self.t.hash(&mut h);
        for n in &self.nodes {
            n.core.fingerprint(&mut h);
            n.cib
                .map(|c| (c.owner, c.expires, c.term, c.granted))
                .hash(&mut h);
            n.iv.hash(&mut h);
            n.granted_proc.hash(&mut h);
        }
        self.keys.hash(&mut h);
        self.votes.hash(&mut h);
        self.crashes_left.hash(&mut h);
        self.drops_left.hash(&mut h);
        h.finish()
    }

    fn deliver(&mut self, i: usize) -> Result<(), String> {
        let (_, to, bytes) = self.net.remove(i);
        self.keys.remove(i);
        let to = usize::from(to);
        let msg = codec::decode(&bytes).ok_or("undecodable datagram")?;
        self.nodes[to].core.handle_message(now(self.t), &msg);
        self.drain(to)
    }

    fn fire(&mut self, k: usize) -> Result<bool, String> {
        let Some(d) = self.nodes[k].core.next_deadline() else {
            return Ok(false);
        };
        // idle wake-ups (an hour away) change nothing but the clock
        if d.saturating_sub(BASE) > self.t + HORIZON {
            return Ok(false);
        }
        self.t = self.t.max(d.saturating_sub(BASE));
        self.nodes[k].core.handle_timeout(now(self.t));
        self.drain(k)?;
        Ok(true)
    }

    fn crash_restart(&mut self, k: usize) -> Result<(), String> {
        self.crashes_left -= 1;
        let setup = Setup {
            members: self.members.clone(),
            local: k,
            ms_mode: false,
            tickets: vec![*self.nodes[0].core.ticket_params(0).unwrap()],
        };
        self.nodes[k].core = Core::new(setup, 99).unwrap();
        self.nodes[k].granted_proc = false;
        self.nodes[k].was_leader = false;
        self.nodes[k].core.start(now(self.t));
        self.drain(k)
    }

    fn grant(&mut self, k: usize) -> Result<(), String> {
        let req = ClientRequest {
            cmd: code::CMD_GRANT,
            ticket: super::world::ticket_name(),
            options: 0,
        };
        self.nodes[k].core.handle_client(now(self.t), 1, &req);
        self.drain(k)
    }

    /// Deliver everything and fire every timer due before `until`, in a fixed order.
    fn settle(&mut self, until: u64) {
        loop {
            if !self.net.is_empty() {
                self.deliver(0).unwrap();
                continue;
            }
            let next = (0..self.nodes.len())
                .filter_map(|k| self.nodes[k].core.next_deadline().map(|d| (d, k)))
                .min();
            match next {
                Some((d, k)) if d.saturating_sub(BASE) <= until => {
                    self.fire(k).unwrap();
                }
                _ => break,
            }
        }
        self.t = self.t.max(until);
    }

    /// Every successor of this state.
    fn successors(&self, out: &mut Vec<Result<Sys, String>>) {
        for i in 0..self.net.len() {
            let (f, t, _) = self.net[i];
            if self.net[..i].iter().any(|&(f2, t2, _)| (f2, t2) == (f, t)) {
                continue; // not the head of its link
            }
            let mut s = self.clone();
            out.push(s.deliver(i).map(|()| s));
            if self.drops_left > 0 {
                let mut s = self.clone();
                s.net.remove(i);
                s.keys.remove(i);
                s.drops_left -= 1;
                out.push(Ok(s));
            }
        }
        // Timers fire in deadline order (time only moves forward to the earliest
        // deadline); late processes are the random simulator's business (pauses).
        let earliest = (0..self.nodes.len())
            .filter_map(|k| self.nodes[k].core.next_deadline())
            .min();
        for k in 0..self.nodes.len() {
            if self.nodes[k].core.next_deadline() == earliest {
                let mut s = self.clone();
                match s.fire(k) {
                    Ok(true) => out.push(Ok(s)),
                    Ok(false) => {}
                    Err(e) => out.push(Err(e)),
                }
            }
            if self.crashes_left > 0 && k == self.crashable {
                let mut s = self.clone();
                out.push(s.crash_restart(k).map(|()| s));
            }
        }
    }
}

/// Breadth-first over all event sequences up to `depth`, deduplicating states.
fn explore(root: Sys, depth: usize, cap: usize) -> Result<(usize, usize), String> {
    let mut seen = HashSet::new();
    seen.insert(root.fingerprint());
    let mut frontier = vec![root];
    let mut reached = 1;
    let mut done = 0;
    let mut succ = Vec::new();
    for d in 0..depth {
        let mut next = Vec::new();
        for s in &frontier {
            succ.clear();
            s.successors(&mut succ);
            for r in succ.drain(..) {
                let n = r.map_err(|e| format!("depth {}: {e}", d + 1))?;
                if seen.insert(n.fingerprint()) {
                    reached += 1;
                    // the last level is checked (above) but never expanded: not kept
                    if d + 1 < depth {
                        next.push(n);
                    }
                }
            }
        }
        done = d + 1;
        if std::env::var_os("EXH_VERBOSE").is_some() {
            println!("  depth {done}: {reached} states so far");
        }
        frontier = next;
        if (frontier.is_empty() && done < depth) || reached > cap {
            break;
        }
    }
    Ok((reached, done))
}

fn params() -> TicketParams {
    let mut p = TicketParams::new(super::world::ticket_name());
    p.expire = 10_000;
    p.timeout = 1_000;
    p.retries = 3;
    p.renewal_freq = 5_000;
    p
}

fn run(name: &str, root: Sys, depth: usize) {
    let cap = 3_000_000;
    match explore(root, depth, cap) {
        Ok((states, done)) => {
            println!(
                "exhaustive {name}: {states} distinct states, all event sequences to depth {done}"
            );
            assert!(
                done >= depth,
                "{name}: stopped at depth {done} (cap {cap} states)"
            );
        }
        Err(e) => panic!("exhaustive {name}: {e}"),
    }
}

/// Two sites and an arbitrator; an admin grant at site 0 has just sent its REQ_VOTE.
#[test]
fn exhaustive_grant_election() {
    let mut s = Sys::new(2, 1, params());
    s.settle(1_500);
    s.grant(0).unwrap();
    s.crashable = 2; // the arbitrator forgets its vote and the leases it acked
    run(
        "grant election (2 sites + arbitrator, arbitrator may crash)",
        s,
        10,
    );
}

/// Three sites; site 0 holds the ticket; from its first renewal on, anything goes:
/// lost heartbeats/updates, lease expiry, failover races, a crash.
#[test]
fn exhaustive_renewal_and_failover() {
    let mut s = Sys::new(3, 0, params());
    s.settle(1_500);
    s.grant(0).unwrap();
    s.settle(3_000);
    assert!(
        s.nodes[0].cib.is_some_and(|c| c.granted),
        "site 0 holds the ticket"
    );
    s.crashable = 0; // the leader restarts from its CIB and reclaims
    run("renewal/failover (3 sites, leader may crash)", s, 10);
}
