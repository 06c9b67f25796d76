//! The ticket state machine: events in, actions out, `next_deadline()` (consensus.md).
//!
//! Sans-IO: every `handle_*` call is given [`Now`] (monotonic ms and wall-clock ms); the
//! core pushes [`Action`]s into an internal queue that the shell drains with
//! [`Core::poll_action`], then sleeps until [`Core::next_deadline`]. The queue and every
//! per-ticket buffer are allocated up front, so steady state (renewals, heartbeats,
//! acknowledgements) does not allocate.
//!
//! Inputs: [`Core::start`], [`Core::handle_cib_loaded`], [`Core::handle_message`],
//! [`Core::handle_client`], [`Core::handle_handler_exit`], [`Core::handle_cib_written`],
//! [`Core::handle_timeout`]. Outputs: [`Action`]s and [`Core::next_deadline`].
//!
//! Behaviour follows consensus.md message for message, with these deliberate
//! differences (each marked `booth-rs:` where it is coded; the seed numbers are the
//! simulator runs, `tests/sim`, that showed two sites granted or a stuck ticket):
//!
//! * Leases (booth#68, H2): a leader counts only on the lease a majority acknowledged
//!   (its HEARTBEAT/UPDATE copies, less 0.1 % for clock rates), writes "granted" to the
//!   CIB only within it, with that end as `expires`, and revokes when it ends.
//! * It revokes exactly then, even when nothing else wakes it, and before handling any
//!   input (booth#17, S3); a revoke is never held back by a commit delay.
//! * One vote per term per process (remembered for the last eight terms), even when
//!   `current_term` goes down to follow a leader (H3, seed 470); a node never
//!   campaigns in a term it voted in for another.
//! * A restarted node forgets which leases it acknowledged: for one lease length (or
//!   until every member that did not start with it answered its STATUS) it votes and
//!   acks only for the holder its CIB named or a candidate it voted for since the start
//!   (an admin grant), and campaigns only for an admin grant or a CIB that says
//!   granted here (soak seeds 1,298,545, 143,051, 1,199,640, 1,112,654).
//! * A grant inherited from the previous process is revoked when the lease its CIB
//!   stated ends, shortened by the members' answers (seeds 1,124,431, 1,299,080); the
//!   reclaim asks with REACQUIRE, and a leader that lost its majority never reuses a
//!   stale ADMIN reason (both pass a quarantine in C).
//! * An ACK carrying no lease does not count for one; a follower keeps the lease copy
//!   it acks even when it disowns a grant from its CIB (C acks with valid_for 0,
//!   seed 1,105,200); a reject never shortens the copy of the same leader's lease
//!   (seed 1,058,906).
//! * A follower holding a valid lease neither adopts an older term's view, nor takes
//!   "you lead" from a peer, nor campaigns (admin grants aside); an expired view is
//!   not committed (seeds 1,125,611, 1,874,688, 2,035,339).
//! * A step-down from a leader we never heard of (newer term) starts a failover
//!   election at a site in INIT (C ignores it; seed 1,029,987). The holder of a
//!   manual ticket rejects vote requests (C clears its leader: fuzz finding).
//! * No STEPDOWN exception to "a valid lease refuses votes", and the reason does not
//!   outlive the step-down (seed 1388).
//! * A lease copy is never shortened by an older copy or by a peer's view (seed 41);
//!   an expired view never replaces a valid lease, never names us leader, never turns
//!   "unknown" into "revoked" (seeds 3192, 141, 1930).
//! * No acks for a leader older than a term we voted in, nor for a second leader in
//!   the term of the lease we hold (seeds 7164, 11250); a leader that hears of a newer
//!   term keeps its own until it re-elects; a vote from a later term does not count.
//! * Liveness: split votes move to the next term, re-election rounds keep their random
//!   part, a tallied winner that never heartbeats counts as a split, a follower with no
//!   leader campaigns within one timeout, a voter checks back within one, an accepted
//!   HEARTBEAT arms the cron for the lease's end, a candidate below our committed term
//!   is told so (C: silence), a reject naming nobody leaves the leader unknown, a lease
//!   loaded from the CIB is at most `expire` long and a revoked CIB gives none (seeds
//!   524, 1037, 2060, 3242, 427, 834, 1208, 201513, 213817, 226712, 301814).
//! * Input C aborts on or hangs with: a heartbeat/update whose leader is not its sender
//!   (Q11), `from` = NO_ONE, a grant at an arbitrator (Q12, answered INVALID_ARG), a
//!   handler status outside the states that consume it (Q17): dropped or handled.
//! * No poll: timers fire at their deadline; a past target becomes now + 10 ms.
#![forbid(unsafe_code)]

mod client;
mod cron;
mod elect;
mod from_config;
mod lease;
mod log_event;
mod recv;
mod send;
mod startup;
mod ticket;
mod types;
mod wire_glue;

pub use log_event::{LogEvent, Shown};
pub use ticket::{State, Who};
pub use types::*;

use std::collections::VecDeque;
use ticket::Ticket;

/// One booth instance (site or arbitrator) with all its tickets.
#[derive(Clone, Debug)]
pub struct Core {
    members: Vec<Member>,
    local: usize,
    ms_mode: bool,
    tickets: Vec<Ticket>,
    /// Per ticket: its `attr-prereq auto` lines hold, as the shell last said. Kept
    /// apart from the ticket state, which start-up recreates, as it is the shell's input.
    auto_prereqs_hold: Vec<bool>,
    out: VecDeque<Action>,
    rng: u64,
    counters: Counters,
}

/// A read-only view of one ticket, for `booth list`, logs and the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketView {
    pub state: State,
    pub leader: Who,
    pub term: u32,
    pub term_expires: Option<Ms>,
    /// Lease end this node relies on while it has "granted" in its CIB (booth-rs).
    pub granted_until: Option<Ms>,
    pub in_election: bool,
    pub running: bool,
    /// Manual tickets: the members believed to hold it (bit per member index, C's
    /// `sites_where_granted`); two or more make `booth list` print its WARNING.
    pub claimed_by: u16,
    /// At the leader while its CIB grant is held back (`delay_commit`, §8.9): until
    /// when; `booth list` shows it as "commit pending until".
    pub commit_pending_until: Option<Ms>,
}

impl Core {
    /// A core for `setup`; `seed` drives the election back-off randomness (§3.2).
    pub fn new(setup: Setup, seed: u64) -> Result<Core, SetupError> {
        let n = setup.members.len();
        if n == 0 {
            return Err(SetupError::NoMembers);
        }
        if n > 16 {
            return Err(SetupError::TooManyMembers);
        }
        if setup.local >= n {
            return Err(SetupError::LocalOutOfRange);
        }
        for (i, m) in setup.members.iter().enumerate() {
            if m.id == 0 || m.id == Msg::NO_ONE {
                return Err(SetupError::BadId(m.id));
            }
            if setup.members[..i].iter().any(|o| o.id == m.id) {
                return Err(SetupError::DuplicateId(m.id));
            }
        }
        for (i, t) in setup.tickets.iter().enumerate() {
            let bad = |why| Err(SetupError::BadTimes(i, why));
            if t.expire == 0 || t.timeout == 0 || t.renewal_freq == 0 {
                return bad("expire, timeout and renewal-freq must be positive");
            }
            if !(3..=100).contains(&t.retries) {
                return bad("retries must be in 3..=100");
            }
            if t.timeout.saturating_mul(u64::from(t.retries) + 1) >= t.renewal_freq {
                return bad("timeout * (retries + 1) must be less than renewal-freq");
            }
        }
        let tickets: Vec<Ticket> = setup.tickets.iter().map(|p| Ticket::new(*p)).collect();
        Ok(Core {
            members: setup.members,
            local: setup.local,
            ms_mode: setup.ms_mode,
            auto_prereqs_hold: vec![true; tickets.len()],
            tickets,
            out: VecDeque::with_capacity(256),
            rng: seed | 1,
            counters: Counters::default(),
        })
    }

    /// Start every ticket (§12.1): sites ask for the CIB first, arbitrators start at once.
    pub fn start(&mut self, now: Now) {
        for ti in 0..self.tickets.len() {
            if self.is_site() {
                self.out.push_back(Action::CibLoad { ticket: ti });
            } else {
                self.start_ticket(now, ti, None);
            }
        }
    }

    /// Next action for the shell, in order; `None` when the queue is empty.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.out.pop_front()
    }

    /// The earliest instant at which [`Core::handle_timeout`] must be called.
    pub fn next_deadline(&self) -> Option<Ms> {
        let mut d: Option<Ms> = None;
        for t in self.tickets.iter().filter(|t| t.running) {
            let mut c = t.next_cron;
            if let Some(h) = self.expiry_deadline(t) {
                c = Some(c.map_or(h, |c| c.min(h)));
            }
            if let Some(c) = c {
                d = Some(d.map_or(c, |d| d.min(c)));
            }
        }
        d
    }

    /// "Time has come": run every ticket whose cron is due (§3.1 step 2).
    pub fn handle_timeout(&mut self, now: Now) {
        self.expire_overdue(now);
        for ti in 0..self.tickets.len() {
            let t = &self.tickets[ti];
            if !t.running {
                continue;
            }
            let due = match t.next_cron {
                None => true,
                Some(c) => now.mono >= c,
            } || matches!(t.handler, ticket::Handler::Exited(_));
            if due {
                let before = self.tickets[ti].next_cron;
                self.cron(now, ti);
                if self.tickets[ti].next_cron == before {
                    self.set_wakeup(now, ti);
                }
            }
        }
    }

    /// Ticket index by wire name.
    pub fn ticket_index(&self, name: &Name) -> Option<usize> {
        let want = name.as_bytes()?;
        self.tickets
            .iter()
            .position(|t| t.p.name.as_bytes() == Some(want))
    }

    /// Read-only view of ticket `ti`.
    pub fn view(&self, ti: usize) -> Option<TicketView> {
        let t = self.tickets.get(ti)?;
        let me = Who::Member(u8::try_from(self.local).unwrap_or(0));
        Some(TicketView {
            claimed_by: if t.manual() { t.granted_at } else { 0 },
            commit_pending_until: t.delay_commit.filter(|_| t.leader == me),
            state: t.state,
            leader: t.leader,
            term: t.cur,
            term_expires: t.term_expires,
            granted_until: if t.cib_granted { t.grant_until() } else { None },
            in_election: t.in_election,
            running: t.running,
        })
    }

    /// Whether ticket `ti`'s `attr-prereq auto` lines hold at this site now (surface.md
    /// §4.3): the shell owns the geo attributes and calls this at start and after every
    /// change. While they fail, no failover (TKT_LOST/STEPDOWN) election starts here;
    /// the follower's periodic retry picks it up once they hold (consensus.md §8.1).
    pub fn set_auto_prereqs(&mut self, ti: usize, hold: bool) {
        if let Some(h) = self.auto_prereqs_hold.get_mut(ti) {
            *h = hold;
        }
    }

    /// What [`Core::set_auto_prereqs`] last said for ticket `ti` (true before any call).
    pub fn auto_prereqs(&self, ti: usize) -> bool {
        self.auto_prereqs_hold.get(ti).copied().unwrap_or(true)
    }

    pub fn ticket_params(&self, ti: usize) -> Option<&TicketParams> {
        self.tickets.get(ti).map(|t| &t.p)
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn local(&self) -> usize {
        self.local
    }

    /// Hash of the consensus state (tickets and RNG), without counters or queued actions:
    /// two cores with equal fingerprints behave alike from here on.
    pub fn fingerprint<H: std::hash::Hasher>(&self, h: &mut H) {
        use std::hash::Hash;
        self.tickets.hash(h);
        self.auto_prereqs_hold.hash(h);
        self.rng.hash(h);
    }

    // ---- small helpers shared by the submodules ----

    fn n(&self) -> u32 {
        // at most 16 members, checked in new()
        u32::try_from(self.members.len()).unwrap_or(16)
    }

    fn is_site(&self) -> bool {
        self.members[self.local].kind == Kind::Site
    }

    fn me(&self) -> u8 {
        u8::try_from(self.local).unwrap_or(0)
    }

    fn self_bit(&self) -> u16 {
        1u16 << self.local
    }

    fn majority(&self, bits: u16) -> bool {
        2 * bits.count_ones() > self.n()
    }

    fn all_replied(&self, bits: u16) -> bool {
        let all = if self.members.len() >= 16 {
            u16::MAX
        } else {
            (1u16 << self.members.len()) - 1
        };
        bits & all == all
    }

    fn all_sites_replied(&self, bits: u16) -> bool {
        self.members
            .iter()
            .enumerate()
            .all(|(i, m)| m.kind != Kind::Site || bits & (1 << i) != 0)
    }

    fn member_by_id(&self, id: u32) -> Option<u8> {
        self.members
            .iter()
            .position(|m| m.id == id)
            .and_then(|i| u8::try_from(i).ok())
    }

    fn member_is_site(&self, m: u8) -> bool {
        self.members
            .get(usize::from(m))
            .is_some_and(|x| x.kind == Kind::Site)
    }

    /// `rand_delay()` (§3.2): uniform in [0, min(1000, T)] ms.
    fn rand_delay(&mut self, ti: usize) -> Ms {
        let bound = self.tickets[ti].p.timeout.min(1000);
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D) % (bound + 1)
    }

    fn log(&mut self, ti: usize, event: LogEvent) {
        self.out.push_back(Action::Log {
            ticket: ti,
            level: event.level(),
            event,
        });
    }
}
