//! The invariants of issue 4, checked after every step (consensus.md §15):
//! S1 no overlapping grants, S2 terms and leaders, S3 timely local revoke,
//! L1 one holder after healing, L2 every client request answered.

use super::world::{Node, Status};
use booth::core::{code, CibWrite, Kind, Member, Mode, Msg, State, TicketParams};
use std::collections::{HashMap, HashSet};

pub struct Monitor {
    members: Vec<Member>,
    p: TicketParams,
    /// S1: per node, the true-time interval during which it holds the ticket:
    /// from its CIB grant to its own lease end or its revoke.
    pub iv: Vec<Option<(u64, u64)>>,
    /// This process wrote "granted" and has not revoked since.
    granted_proc: Vec<bool>,
    /// S2: VOTE_FOR replies sent: (term, candidate id, voter index).
    votes: HashSet<(u32, u32, usize)>,
    /// Per node (this process): term -> the candidate it voted for.
    vote_of: Vec<HashMap<u32, u32>>,
    was_leader: Vec<bool>,
    last_term: Vec<Option<u32>>,
    pub term_decreases: u64,
    pub elections_won: u64,
    pub grants_written: u64,
    pub grants_issued: u64,
    pub failovers: u64,
    last_holder: Option<usize>,
    pub heal_at: Option<u64>,
    pub last_boot: u64,
    pub admin_revoke: bool,
    pub l1_applies: bool,
    pub l1_miss: Option<String>,
    /// Soak runs count L1 misses instead of failing (see `soak`).
    pub l1_soft: bool,
    /// L2: client id -> (request time, first reply time, final reply seen).
    clients: HashMap<u64, (u64, Option<u64>, bool)>,
    pub failure: Option<String>,
}

impl Monitor {
    pub fn new(members: &[Member], p: TicketParams) -> Self {
        let n = members.len();
        Monitor {
            members: members.to_vec(),
            p,
            iv: vec![None; n],
            granted_proc: vec![false; n],
            votes: HashSet::new(),
            vote_of: vec![HashMap::new(); n],
            was_leader: vec![false; n],
            last_term: vec![None; n],
            term_decreases: 0,
            elections_won: 0,
            grants_written: 0,
            grants_issued: 0,
            failovers: 0,
            last_holder: None,
            heal_at: None,
            last_boot: 0,
            admin_revoke: false,
            l1_applies: false,
            l1_miss: None,
            l1_soft: false,
            clients: HashMap::new(),
            failure: None,
        }
    }

    /// Records the first failure (also the world's own bounds, see `run_until`).
    pub fn fail(&mut self, t: u64, what: String) {
        if self.failure.is_none() {
            self.failure = Some(format!("t={t}: {what}"));
        }
    }

    fn auto(&self) -> bool {
        self.p.mode == Mode::Auto
    }

    pub fn on_boot(&mut self, k: usize) {
        self.vote_of[k].clear();
        self.granted_proc[k] = false;
        self.was_leader[k] = false;
        self.last_term[k] = None;
    }

    pub fn on_crash(&mut self, k: usize) {
        self.on_boot(k);
    }

    pub fn on_heal(&mut self, t: u64) {
        self.heal_at = Some(t);
        self.last_boot = t;
    }

    pub fn on_send(&mut self, k: usize, msg: &Msg, _members: &[Member]) {
        if msg.cmd == code::VOTE_FOR && msg.request == code::REQ_VOTE {
            self.votes.insert((msg.term, msg.leader, k));
            // S2 / consensus.md §15.1 I2: one vote per term per process
            let prev = *self.vote_of[k].entry(msg.term).or_insert(msg.leader);
            if prev != msg.leader && self.failure.is_none() {
                self.failure = Some(format!(
                    "S2: n{k} voted for {prev:#x} and {:#x} in term {}",
                    msg.leader, msg.term
                ));
            }
        }
    }

    pub fn on_client_request(&mut self, t: u64, id: u64, cmd: u32) {
        if cmd == code::CMD_REVOKE {
            self.admin_revoke = true;
        }
        self.clients.insert(id, (t, None, false));
    }

    pub fn on_client_reply(&mut self, t: u64, id: u64, last: bool) {
        if let Some(c) = self.clients.get_mut(&id) {
            if c.1.is_none() {
                c.1 = Some(t);
            }
            c.2 |= last;
        }
    }

    fn lease_end_true(node: &Node) -> Option<u64> {
        let g = node.core.as_ref()?.view(0)?.granted_until?;
        Some(node.clock.true_at(g.saturating_add(1)))
    }

    pub fn on_cib_write(&mut self, t: u64, k: usize, w: &CibWrite, nodes: &[Node]) {
        match w {
            CibWrite::Grant { .. } => {
                // applied after its process already asked for the revoke (the writes of
                // one process apply in order): the revoke undoes it, nothing to count
                if Self::lease_end_true(&nodes[k]).is_none() {
                    return;
                }
                self.grants_written += 1;
                self.granted_proc[k] = true;
                let end = Self::lease_end_true(&nodes[k]).unwrap_or(t);
                match self.iv[k] {
                    Some((s, e)) if t < e => self.iv[k] = Some((s, e.max(end))),
                    _ => self.iv[k] = Some((t, end)),
                }
                if self.last_holder.is_some_and(|h| h != k) {
                    self.failovers += 1;
                }
                self.last_holder = Some(k);
            }
            CibWrite::Revoke { .. } => {
                self.granted_proc[k] = false;
                if let Some((s, e)) = self.iv[k] {
                    self.iv[k] = Some((s, e.min(t)));
                }
            }
        }
    }

    /// Sites whose interval covers true time `t`.
    pub fn holders(&self, t: u64) -> Vec<usize> {
        (0..self.iv.len())
            .filter(|&j| self.iv[j].is_some_and(|(s, e)| s <= t && t < e))
            .collect()
    }

    /// After node `k` stepped at true time `t`.
    pub fn observe(&mut self, t: u64, k: usize, nodes: &[Node]) {
        let node = &nodes[k];
        let Some(core) = node.core.as_ref() else {
            return;
        };
        let Some(v) = core.view(0) else { return };
        let now = node.clock.mono(t);

        if self.auto() {
            // S1: extend k's interval to its current lease end, then no two holders.
            if self.granted_proc[k] {
                if let (Some(end), Some((s, e))) = (Self::lease_end_true(node), self.iv[k]) {
                    if t < e {
                        self.iv[k] = Some((s, e.max(end)));
                    }
                }
            }
            let h = self.holders(t);
            if h.len() > 1 {
                let ivs: Vec<_> = h.iter().map(|&j| (j, self.iv[j])).collect();
                self.fail(t, format!("S1: ticket granted at {h:?} at once: {ivs:?}"));
            }
            // S3: a lease that ran out is revoked within one timeout, even isolated.
            if node.status == Status::Up {
                if let Some(g) = v.granted_until {
                    if now > g + self.p.timeout {
                        self.fail(
                            t,
                            format!("S3: n{k} still granted {}ms after its lease", now - g),
                        );
                    }
                } else if self.granted_proc[k] {
                    self.fail(t, format!("S3: n{k} granted in its CIB without a lease"));
                }
            }
            // S2: a leader only in a term in which a majority voted for it.
            let is_leader = v.state == State::Leader;
            if is_leader && !self.was_leader[k] {
                self.elections_won += 1;
                let id = self.members[k].id;
                let voters = (0..self.members.len())
                    .filter(|&j| j == k || self.votes.contains(&(v.term, id, j)))
                    .count();
                if 2 * voters <= self.members.len() {
                    self.fail(
                        t,
                        format!("S2: n{k} leads term {} with {voters} votes", v.term),
                    );
                }
                // one leader per term at any time (terms are not persisted by C: an
                // arbitrator or a site whose CIB says "lost" restarts in an old term,
                // so the same term can be led again later, after the first lease ended).
                // A leader whose lease ended in true time while it was paused still says
                // LEADER until it runs again (S3 then gives it one timeout to step down),
                // so it no longer counts once its own idea of its lease (`term_expires`,
                // never shorter than the majority-acknowledged one) has ended: seeds
                // 1,000,940 and 1,096,793 have an arbitrator that voted in term 1,
                // crashed, sat out its one-lease quarantine and voted in term 1 again
                // after the paused first leader's lease had run out.
                for (j, n) in nodes.iter().enumerate() {
                    let other = n.core.as_ref().and_then(|c| c.view(0));
                    let live = |o: &booth::core::TicketView| {
                        o.term_expires.map_or(true, |e| n.clock.true_at(e) > t)
                    };
                    if j != k
                        && other.is_some_and(|o| {
                            o.state == State::Leader && o.term == v.term && live(&o)
                        })
                    {
                        self.fail(t, format!("S2: n{k} and n{j} both lead term {}", v.term));
                    }
                }
                if self.members[k].kind == Kind::Arbitrator {
                    self.fail(t, format!("S2: arbitrator n{k} leads"));
                }
            }
            self.was_leader[k] = is_leader;
        }
        if let Some(last) = self.last_term[k] {
            if v.term < last {
                self.term_decreases += 1;
            }
        }
        self.last_term[k] = Some(v.term);
    }

    /// L1 and L2 at the end of a run at true time `t`.
    /// booth asked for a grant (L1 looks at booth's decisions: how fast the simulated
    /// crm_ticket queue applies them is Pacemaker's part).
    pub fn on_grant_issued(&mut self) {
        self.grants_issued += 1;
    }

    /// Sites whose booth holds a granted lease at true time `t`.
    fn booth_holders(t: u64, nodes: &[Node]) -> Vec<usize> {
        (0..nodes.len())
            .filter(|&j| Self::lease_end_true(&nodes[j]).is_some_and(|e| e > t))
            .collect()
    }

    pub fn check_end(&mut self, t: u64, nodes: &[Node]) {
        if self.auto() && self.grants_issued > 0 && !self.admin_revoke && self.l1_applies {
            let h = Self::booth_holders(t, nodes);
            if h.len() != 1 {
                let views: Vec<_> = nodes
                    .iter()
                    .map(|n| n.core.as_ref().and_then(|c| c.view(0)))
                    .collect();
                let what = format!(
                    "L1: {} holders after healing: {h:?}; intervals {:?}; {views:?}",
                    h.len(),
                    self.iv
                );
                if self.l1_soft {
                    self.l1_miss = Some(what);
                } else {
                    self.fail(t, what);
                }
            }
        }
        let bound = self.p.timeout * (u64::from(self.p.retries) + 1);
        let late: Vec<_> = self
            .clients
            .iter()
            .filter(|(_, (at, first, _))| first.map_or(t >= at + bound, |f| f > at + bound))
            .map(|(id, _)| *id)
            .collect();
        if !late.is_empty() {
            self.fail(
                t,
                format!("L2: client requests {late:?} not answered in time"),
            );
        }
    }
}
