//! Elections: starting one, counting votes, winning, and the `acquire` gate with the
//! before-acquire-handler (consensus.md §8.1–§8.3, §8.10). Vote counting is a pure
//! function over the vote table, tested table-driven.

use super::ticket::{Handler, State, Who};
use super::types::{code, Action, Now};
use super::{Core, LogEvent};

/// Result of counting a round's votes (§8.2 step 2, step 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tally {
    /// A member has more than N/2 votes.
    Winner(u8),
    /// No winner; `tie` ⇔ several members share the highest count.
    NoWinner { tie: bool },
}

/// Count `votes` (one entry per member, `Unknown` = no vote; `NoOne` is ignored) among
/// `n` members (§8.2). Pure.
pub(crate) fn tally(votes: &[Who], n: u32) -> Tally {
    let mut count = [0u32; 16];
    for v in votes {
        if let Who::Member(m) = *v {
            if let Some(c) = count.get_mut(usize::from(m)) {
                *c += 1;
            }
        }
    }
    for (m, &c) in count.iter().enumerate() {
        if 2 * c > n {
            return Tally::Winner(u8::try_from(m).unwrap_or(0));
        }
    }
    let max = count.iter().copied().max().unwrap_or(0);
    let at_max = count.iter().filter(|&&c| c == max && c > 0).count();
    Tally::NoWinner { tie: at_max > 1 }
}

/// How the before-acquire-handler step ended (§8.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HandlerStep {
    /// No handler, or it exited 0 (or was killed): go on.
    Ok,
    /// Started or still running: come back when it exits.
    Wait,
    /// Exited non-zero: failure handling has run.
    Failed,
}

impl Core {
    /// `new_election(pref, update_term, reason)` (§8.1); true ⇔ an election is already
    /// running (C returns 1).
    pub(super) fn new_election(
        &mut self,
        now: Now,
        ti: usize,
        pref: u8,
        update_term: u8,
        reason: u32,
    ) -> bool {
        if !self.is_site() {
            return false;
        }
        let t = &mut self.tickets[ti];
        if t.election_end.is_some_and(|e| now.mono < e) {
            return true;
        }
        // booth-rs: a node that restarted recently may have acked a lease its CIB does
        // not show; like its votes (recv.rs), its own candidacy waits out the
        // quarantine unless an administrator asked or its CIB says it held the ticket.
        let effective = if reason == code::AGAIN {
            t.election_reason
        } else {
            reason
        };
        if now.mono < t.quarantine_until && effective != code::ADMIN && !t.is_granted {
            return false;
        }
        // booth-rs: never campaign against a lease we hold a valid copy of (we acked it
        // to its leader), except on an administrator's request
        if effective != code::ADMIN
            && !t.manual()
            && t.owned()
            && t.leader != Who::Member(pref)
            && t.valid(now.mono)
        {
            return false;
        }
        if matches!(effective, code::TKT_LOST | code::STEPDOWN) && !self.auto_prereqs_hold[ti] {
            self.counters.prereq_blocked_elections += 1;
            self.log(ti, LogEvent::AttrPrereqNotMet);
            return false;
        }
        let bump = update_term >= 2
            || (update_term == 1 && t.last_valid.is_some_and(|s| s.term >= t.cur))
            // booth-rs: never campaign in a term in which we already voted for another
            || t.voted_in(t.cur).is_some_and(|w| w != pref);
        if bump {
            if t.state != State::Candidate {
                t.snapshot();
            }
            t.cur = t.cur.wrapping_add(1);
        }
        t.election_end = Some(now.mono + t.p.timeout);
        t.in_election = true;
        t.awaiting_winner = false;
        t.votes = [Who::Unknown; 16];
        let me = self.local;
        t.votes[me] = Who::Member(pref);
        t.voted_for = Some(pref);
        t.note_vote(pref);
        t.state = State::Candidate;
        let reason = if reason == code::AGAIN {
            t.election_reason
        } else {
            t.election_reason = reason;
            reason
        };
        let term = t.cur;
        self.log(ti, LogEvent::ElectionStarted { term });
        self.broadcast(now, ti, code::REQ_VOTE, code::VOTE_FOR, 0, reason);
        let r = self.rand_delay(ti);
        let t = &mut self.tickets[ti];
        t.next_cron = t.next_cron.map(|c| c + r);
        false
    }

    /// `elections_end()` (§8.2).
    pub(super) fn elections_end(&mut self, now: Now, ti: usize) {
        self.tickets[ti].in_election = false;
        let me = self.me();
        match tally(&self.tickets[ti].votes[..self.members.len()], self.n()) {
            Tally::Winner(w) if w == me => self.won(now, ti),
            Tally::Winner(w) if !self.tickets[ti].awaiting_winner => {
                // Q9: C spins until the winner's heartbeat; we wait one timeout for it.
                self.log(ti, LogEvent::GrantedAt { leader: w });
                self.tickets[ti].awaiting_winner = true;
                self.activate_timeout(now, ti);
            }
            Tally::Winner(_) | Tally::NoWinner { .. } => {
                // booth-rs: a "winner" that never heartbeats (its votes were repeats of
                // an old candidacy, sim seed 427) is treated as a split vote; C waits
                // forever.
                let tie = match tally(&self.tickets[ti].votes[..self.members.len()], self.n()) {
                    Tally::NoWinner { tie } => tie,
                    Tally::Winner(_) => true,
                };
                self.log(ti, LogEvent::NobodyWon);
                self.tickets[ti].outcome = code::MORE;
                self.notify_clients(now, ti);
                // booth-rs: a split vote (someone voted for another candidate) also moves
                // to the next term. C retries a split in the same term, where every
                // voter repeats its vote, so three candidates can split forever (sim
                // seeds 524, 1037). A round with no other vote still keeps the term.
                let split = self.tickets[ti].votes[..self.members.len()]
                    .iter()
                    .any(|v| matches!(v, Who::Member(m) if *m != me));
                if !self.new_election(now, ti, me, if tie || split { 2 } else { 0 }, code::AGAIN)
                    && self.tickets[ti].state != State::Candidate
                {
                    // booth-rs: C also overwrites the new round's random extra time
                    // here, so two candidates of a two-site cluster stay in lockstep
                    // and split forever (sim seed 2060); we keep it.
                    self.activate_timeout(now, ti);
                }
            }
        }
    }

    /// `won()` (§8.3).
    pub(super) fn won(&mut self, now: Now, ti: usize) {
        self.forget_stepdown(ti, code::REACQUIRE);
        let me = self.me();
        let acks = self.tickets[ti].acks_received;
        let all_sites = self.all_sites_replied(acks);
        let t = &mut self.tickets[ti];
        t.set_leader(Who::Member(me));
        t.state = State::Leader;
        t.term_expires = Some(now.mono + t.p.expire);
        t.election_end = None;
        t.voted_for = None;
        if t.delay_commit.is_some() && all_sites {
            t.delay_commit = None;
        }
        t.snapshot();
        self.log(ti, LogEvent::GrantedHere);
        self.broadcast(now, ti, code::HEARTBEAT, code::ACK, 0, 0);
        self.tickets[ti].ticket_updated = 0;
    }

    /// Record "`s` votes for `l`" (§7.4 step 6): the first vote of a member sticks.
    pub(super) fn record_vote(&mut self, ti: usize, s: u8, l: Who) {
        if let Some(v) = self.tickets[ti].votes.get_mut(usize::from(s)) {
            if *v == Who::Unknown {
                *v = l;
            }
        }
    }

    /// The handler step (§8.10); `stepdown`: failure at a leader broadcasts a step-down.
    pub(super) fn handler_step(&mut self, now: Now, ti: usize, stepdown: bool) -> HandlerStep {
        if !self.tickets[ti].p.has_handler {
            return HandlerStep::Ok;
        }
        match self.tickets[ti].handler {
            Handler::Idle => {
                self.tickets[ti].handler = Handler::Running;
                self.out.push_back(Action::RunHandler { ticket: ti });
                HandlerStep::Wait
            }
            Handler::Running => HandlerStep::Wait,
            Handler::Ignore => HandlerStep::Ok,
            Handler::Exited(0) => {
                self.tickets[ti].handler = Handler::Idle;
                HandlerStep::Ok
            }
            Handler::Exited(_) => {
                self.tickets[ti].handler = Handler::Idle;
                self.log(ti, LogEvent::HandlerFailed);
                self.ext_prog_failed(now, ti, stepdown);
                HandlerStep::Failed
            }
        }
    }

    /// `ext_prog_failed` (§8.10 failure handling).
    fn ext_prog_failed(&mut self, now: Now, ti: usize, stepdown: bool) {
        let me = self.me();
        let t = &self.tickets[ti];
        if t.leader != Who::Member(me) {
            return;
        }
        if t.manual() {
            self.tickets[ti].snapshot();
            self.reset_ticket(now, ti);
            self.commit_to_cib(now, ti);
            self.log(ti, LogEvent::ManualHandlerFailed);
            return;
        }
        if !t.valid(now.mono) {
            return;
        }
        // booth-rs: C says nothing here beyond the handler's failure
        self.log(ti, LogEvent::Releasing);
        self.tickets[ti].snapshot();
        self.reset_ticket(now, ti);
        self.commit_to_cib(now, ti);
        if stepdown {
            self.broadcast(now, ti, code::VOTE_FOR, code::REQ_VOTE, 0, code::LOCAL_FAIL);
        }
    }

    /// `acquire(reason)` (§8.10); returns 0 or a client result code.
    pub(super) fn acquire(&mut self, now: Now, ti: usize, reason: u32) -> u32 {
        match self.handler_step(now, ti, false) {
            HandlerStep::Wait => return 0,
            HandlerStep::Failed => return code::EXT_FAILED,
            HandlerStep::Ok => {}
        }
        if self.tickets[ti].manual() {
            self.manual_select(now, ti);
            return 0;
        }
        let me = self.me();
        if self.new_election(now, ti, me, 1, reason) {
            code::SYNC_FAIL
        } else {
            0
        }
    }

    /// `manual_select()` (§14).
    pub(super) fn manual_select(&mut self, now: Now, ti: usize) {
        let me = self.me();
        let t = &mut self.tickets[ti];
        t.set_leader(Who::Member(me));
        t.state = State::Leader;
        t.election_end = None;
        t.delay_commit = None;
        t.snapshot();
        self.broadcast(now, ti, code::HEARTBEAT, code::ACK, 0, 0);
        self.tickets[ti].ticket_updated = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const U: Who = Who::Unknown;
    const N1: Who = Who::NoOne;
    const fn m(i: u8) -> Who {
        Who::Member(i)
    }

    /// consensus.md §8.2: winner ⇔ 2·count > N; ties ⇔ several at the maximum.
    #[test]
    fn tally_table() {
        let rows: &[(&[Who], u32, Tally)] = &[
            (&[m(0), U, U], 3, Tally::NoWinner { tie: false }),
            (&[m(0), m(0), U], 3, Tally::Winner(0)),
            (&[m(0), m(1), U], 3, Tally::NoWinner { tie: true }),
            (&[m(0), m(1), m(1)], 3, Tally::Winner(1)),
            // even N: exactly half is not a majority (§0.3)
            (&[m(0), m(0), U, U], 4, Tally::NoWinner { tie: false }),
            (&[m(0), m(0), m(1), m(1)], 4, Tally::NoWinner { tie: true }),
            (&[m(0), m(0), m(0), U], 4, Tally::Winner(0)),
            // votes for NO_ONE are ignored
            (&[m(0), N1, N1], 3, Tally::NoWinner { tie: false }),
            (&[m(1), U], 2, Tally::NoWinner { tie: false }),
            (&[m(1), m(1)], 2, Tally::Winner(1)),
            (&[m(0), m(1), m(2), m(0), m(0)], 5, Tally::Winner(0)),
            (
                &[m(0), m(1), m(2), m(0), m(1)],
                5,
                Tally::NoWinner { tie: true },
            ),
        ];
        for (votes, n, want) in rows {
            assert_eq!(tally(votes, *n), *want, "votes {votes:?} n {n}");
        }
    }
}
