//! Per-ticket runtime state (consensus.md §2.1) and the pure predicates over it.

use super::types::{ClientId, Mode, Ms, TicketParams};

/// Role of this node for one ticket (consensus.md §1 "States").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Init,
    Follower,
    Candidate,
    Leader,
}

impl State {
    /// The four-letter name C's log lines give the state (wire.md §2.6).
    pub fn code(self) -> &'static str {
        match self {
            State::Init => "Init",
            State::Follower => "Fllw",
            State::Candidate => "Cndi",
            State::Leader => "Lead",
        }
    }
}

/// A ticket's leader: unknown (C: NULL), revoked (`NO_ONE`), or a member index
/// (consensus.md §0.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    Unknown,
    NoOne,
    Member(u8),
}

impl Who {
    pub fn member(self) -> Option<usize> {
        match self {
            Who::Member(m) => Some(usize::from(m)),
            _ => None,
        }
    }
}

/// The "last valid" snapshot (consensus.md §2.4): only what its four uses read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Snapshot {
    pub term: u32,
    pub leader: Who,
    pub voted_for: Option<u8>,
    pub term_expires: Option<Ms>,
}

/// before-acquire-handler child state (consensus.md §8.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handler {
    Idle,
    Running,
    Exited(i32),
    /// Killed; its exit is discarded when it comes.
    Ignore,
}

/// One ticket's state machine data. Field names follow consensus.md §2.1; the fields
/// after `granted_at` are booth-rs additions, each explained where it is used.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ticket {
    pub p: TicketParams,
    /// The CIB load result has arrived (or this is an arbitrator): the ticket runs.
    pub running: bool,
    pub state: State,
    pub next_state: Option<State>,
    pub leader: Who,
    pub voted_for: Option<u8>,
    /// Per member: whom it voted for in the current round (`Unknown` = no vote yet).
    pub votes: [Who; 16],
    pub cur: u32,
    pub term_expires: Option<Ms>,
    pub election_end: Option<Ms>,
    pub delay_commit: Option<Ms>,
    pub last_renewal: Option<Ms>,
    pub next_cron: Option<Ms>,
    pub acks_expected: u32,
    pub acks_received: u16,
    pub last_request: u32,
    pub retry_number: u32,
    pub ticket_updated: u8,
    pub outcome: u32,
    pub in_election: bool,
    pub start_postpone: bool,
    pub update_cib: bool,
    pub is_granted: bool,
    pub lost_leader: Who,
    pub election_reason: u32,
    pub expect_more_rejects: bool,
    pub last_valid: Option<Snapshot>,
    pub handler: Handler,
    /// Manual tickets: members seen claiming the ticket.
    pub granted_at: u16,
    /// When this ticket started (CIB load done): the startup postponement runs from here.
    pub started_at: Ms,
    /// Queued client requests (id, options) waiting for a final outcome (§11.3).
    pub clients: Vec<(ClientId, u32)>,

    // ---- booth-rs additions (invisible on the wire except through timing) ----
    /// Leader: the lease end a majority is known to hold (acked a HEARTBEAT/UPDATE whose
    /// lease reaches at least this far, minus a drift margin). Fixes booth#68 (H2).
    pub safe_until: Option<Ms>,
    /// Leader: the smallest lease end carried by any copy sent in the current
    /// HEARTBEAT/UPDATE round, minus the drift margin.
    pub round_promise: Option<Ms>,
    /// Leader: members whose ACK of the current round named us in our term.
    pub lease_acks: u16,
    /// This process wrote "granted" to the CIB and has not revoked since.
    pub cib_granted: bool,
    /// The last terms this process voted (or campaigned) in, and for whom: one vote per
    /// term even when `cur` goes down to follow a leader (§7.5 row 1, H3). Fixed size:
    /// the oldest entry makes room.
    pub votes_cast: [Option<(u32, u8)>; 8],
    /// Until this instant a freshly started node, which forgot the leases it acked
    /// before, votes only in ADMIN/STEPDOWN elections or for the leader it knows.
    pub quarantine_until: Ms,
    /// Members that answered our STATUS since the start (self included): when all have,
    /// the quarantine ends however late the answers came.
    pub status_heard: u16,
    /// Members we asked for their view (STATUS) on hearing theirs, at most once each.
    pub status_asked: u16,
    /// Members that sent us a STATUS since our start: they (re)started too, or are in
    /// their own quarantine, so their view may have forgotten leases; their answers do
    /// not end our quarantine.
    pub fresh_peers: u16,
    /// The site our CIB named as holder when this process loaded it (sites only).
    pub cib_leader: Option<u8>,
    /// A grant inherited from our previous process: the end of its lease as the CIB
    /// stated it, shortened by what the members answer. Never used to write a grant,
    /// only to revoke the inherited one in time.
    pub inherited_until: Option<Ms>,
    /// Our last round's tally named another winner whose heartbeat has not come yet.
    pub awaiting_winner: bool,
}

impl Ticket {
    pub fn new(p: TicketParams) -> Self {
        Ticket {
            p,
            running: false,
            state: State::Init,
            next_state: None,
            leader: Who::Unknown,
            voted_for: None,
            votes: [Who::Unknown; 16],
            cur: 0,
            term_expires: None,
            election_end: None,
            delay_commit: None,
            last_renewal: None,
            next_cron: None,
            acks_expected: 0,
            acks_received: 0,
            last_request: 0,
            retry_number: 0,
            ticket_updated: 0,
            outcome: 0,
            in_election: false,
            start_postpone: false,
            update_cib: false,
            is_granted: false,
            lost_leader: Who::Unknown,
            election_reason: 0,
            expect_more_rejects: false,
            last_valid: None,
            handler: Handler::Idle,
            granted_at: 0,
            started_at: 0,
            clients: Vec::with_capacity(4),
            safe_until: None,
            round_promise: None,
            lease_acks: 0,
            cib_granted: false,
            votes_cast: [None; 8],
            quarantine_until: 0,
            status_heard: 0,
            status_asked: 0,
            fresh_peers: 0,
            cib_leader: None,
            inherited_until: None,
            awaiting_winner: false,
        }
    }

    /// C's `set_leader`: every change of leader goes through here so that a manual
    /// ticket's claimants (`granted_at`, the `booth list` WARNING) follow it: a member
    /// that becomes our leader claims the ticket; losing track of the leader (unknown)
    /// drops that member's claim; NO_ONE keeps the claims as they are.
    pub fn set_leader(&mut self, who: Who) {
        if self.manual() {
            match (who, self.leader) {
                (Who::Unknown, Who::Member(old)) => self.granted_at &= !(1u16 << old),
                (Who::Member(new), _) => self.granted_at |= 1u16 << new,
                _ => {}
            }
        }
        self.leader = who;
    }

    /// booth-rs: during the restart quarantine, whether member `s` may be given our
    /// acknowledgement of its lease: the holder our CIB named, or a candidate we voted
    /// for since this start (an administrator's grant). Anyone else may lead in a term
    /// older than a lease we acked before the restart and forgot.
    pub fn quarantine_trusts(&self, s: u8) -> bool {
        self.cib_leader == Some(s) || self.votes_cast.iter().flatten().any(|&(_, w)| w == s)
    }

    /// Until when a grant in our CIB may stand: this process's majority-acknowledged
    /// lease or, for a grant inherited at start, the lease the CIB stated.
    pub fn grant_until(&self) -> Option<Ms> {
        match (self.safe_until, self.inherited_until) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn manual(&self) -> bool {
        self.p.mode == Mode::Manual
    }

    /// `owned` (§0.4): the leader is a member.
    pub fn owned(&self) -> bool {
        matches!(self.leader, Who::Member(_))
    }

    /// `valid_ms` (§2.1).
    pub fn valid_ms(&self, now: Ms) -> Ms {
        self.term_expires.map_or(0, |e| e.saturating_sub(now))
    }

    pub fn valid(&self, now: Ms) -> bool {
        self.valid_ms(now) > 0
    }

    /// `seems_ok` (§2.1).
    pub fn seems_ok(&self, now: Ms) -> bool {
        let v = self.valid_ms(now);
        v > 0
            && (self.state == State::Leader
                || (self.state == State::Follower && v >= self.p.expire / 3))
    }

    /// Take the "last valid" snapshot (§2.4).
    pub fn snapshot(&mut self) {
        self.last_valid = Some(Snapshot {
            term: self.cur,
            leader: self.leader,
            voted_for: self.voted_for,
            term_expires: self.term_expires,
        });
    }

    /// Drift allowance subtracted from every lease a leader counts on: 0.1 % of the
    /// lease, i.e. clocks are assumed to run at rates within ±500 ppm of each other.
    pub fn drift_margin(lease_ms: Ms) -> Ms {
        lease_ms / 1000 + 1
    }

    /// Record our vote for `whom` in the current term; a vote already recorded for
    /// this term stays (one vote per term).
    pub fn note_vote(&mut self, whom: u8) {
        let cur = self.cur;
        if self.voted_in(cur).is_some() {
            return;
        }
        let slot = self
            .votes_cast
            .iter()
            .position(Option::is_none)
            .or_else(|| {
                (0..self.votes_cast.len()).min_by_key(|&i| self.votes_cast[i].map_or(0, |v| v.0))
            })
            .unwrap_or(0);
        self.votes_cast[slot] = Some((cur, whom));
    }

    /// The highest term we voted in.
    pub fn last_vote_term(&self) -> Option<u32> {
        self.votes_cast.iter().flatten().map(|v| v.0).max()
    }

    /// Whom we already voted for in term `t`, if anyone.
    pub fn voted_in(&self, t: u32) -> Option<u8> {
        self.votes_cast
            .iter()
            .flatten()
            .find(|v| v.0 == t)
            .map(|v| v.1)
    }
}
