//! Leases: renewal (`leader_update`), loss, following a leader, resets and CIB writes
//! (consensus.md §8.5–§8.9, §8.11, §13), plus the booth-rs lease fix for booth#68.

use super::ticket::{Handler, State, Who};
use super::types::{code, Action, CibWrite, Ms, Msg, Now};
use super::{Core, LogEvent};

/// Outcome of `commit_to_cib`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Commit {
    Written,
    Delayed,
}

impl Core {
    /// Wall-clock Unix seconds of monotonic instant `at` (§9.3: rounded to nearest).
    pub(super) fn wall_secs(now: Now, at: Ms) -> i64 {
        let delta = i64::try_from(at).unwrap_or(i64::MAX) - i64::try_from(now.mono).unwrap_or(0);
        let ms = now.wall_ms.saturating_add(delta);
        ms.saturating_add(500).div_euclid(1000)
    }

    /// disown (§8.11).
    pub(super) fn disown(&mut self, now: Now, ti: usize) {
        let t = &mut self.tickets[ti];
        t.set_leader(Who::Unknown);
        t.is_granted = false;
        t.term_expires = Some(now.mono);
    }

    /// `reset_ticket` (§8.11).
    pub(super) fn reset_ticket(&mut self, now: Now, ti: usize) {
        match self.tickets[ti].handler {
            Handler::Running => {
                self.tickets[ti].handler = Handler::Ignore;
                self.out.push_back(Action::KillHandler { ticket: ti });
            }
            Handler::Exited(_) => self.tickets[ti].handler = Handler::Idle,
            Handler::Idle | Handler::Ignore => {}
        }
        self.disown(now, ti);
        let t = &mut self.tickets[ti];
        t.acks_expected = 0;
        t.retry_number = 0;
        t.state = State::Init;
        t.next_state = None;
        t.voted_for = None;
    }

    /// `commit_to_cib` (§8.9). booth-rs: the commit delay only holds back grants (a revoke
    /// is never delayed), and a grant is written only while a majority is known to hold
    /// the lease (`safe_until` in the future); the `expires` written is that lease end.
    pub(super) fn commit_to_cib(&mut self, now: Now, ti: usize) -> Commit {
        if !self.is_site() {
            return Commit::Delayed;
        }
        let me = self.me();
        let acks = self.tickets[ti].acks_received;
        let all_sites = self.all_sites_replied(acks);
        let t = &mut self.tickets[ti];
        let write = if t.leader == Who::Member(me) {
            if let Some(d) = t.delay_commit {
                if now.mono > d || all_sites {
                    t.delay_commit = None;
                } else {
                    return Commit::Delayed;
                }
            }
            if t.state != State::Leader {
                return Commit::Delayed;
            }
            let until = if t.p.mode == super::Mode::Manual {
                Some(t.term_expires.unwrap_or(now.mono))
            } else {
                t.safe_until.filter(|&s| s > now.mono)
            };
            let Some(until) = until else {
                return Commit::Delayed;
            };
            if t.p.mode == super::Mode::Manual {
                t.safe_until = Some(Ms::MAX);
            }
            t.cib_granted = true;
            CibWrite::Grant {
                expires: Self::wall_secs(now, until),
                term: t.cur,
            }
        } else {
            let owner = match t.leader {
                Who::Unknown => 0,
                Who::NoOne => Msg::NO_ONE,
                Who::Member(m) => self.members[usize::from(m)].id,
            };
            t.cib_granted = false;
            t.safe_until = None;
            t.inherited_until = None;
            CibWrite::Revoke {
                owner,
                expires: Self::wall_secs(now, t.term_expires.unwrap_or(now.mono)),
                term: t.cur,
            }
        };
        t.update_cib = false;
        self.out.push_back(Action::CibWrite { ticket: ti, write });
        Commit::Written
    }

    /// `leader_update` (§8.5).
    pub(super) fn leader_update(&mut self, now: Now, ti: usize) {
        let t = &mut self.tickets[ti];
        if t.ticket_updated >= 2 {
            return;
        }
        if !t.manual() && t.ticket_updated == 0 {
            t.ticket_updated = 1;
            t.last_renewal = Some(now.mono);
            t.term_expires = Some(now.mono + t.p.expire);
            self.broadcast(now, ti, code::UPDATE, code::ACK, 0, 0);
        }
        if self.tickets[ti].ticket_updated < 2 {
            match self.commit_to_cib(now, ti) {
                Commit::Written => {
                    self.tickets[ti].ticket_updated = 2;
                    self.tickets[ti].outcome = code::SUCCESS;
                    self.notify_clients(now, ti);
                }
                Commit::Delayed => {
                    if self.tickets[ti].outcome != code::CIB_PENDING {
                        self.tickets[ti].outcome = code::CIB_PENDING;
                        self.notify_clients(now, ti);
                    }
                }
            }
        }
    }

    /// `lose_ticket` (§8.6).
    pub(super) fn lose_ticket(&mut self, now: Now, ti: usize) {
        let me = self.me();
        let t = &self.tickets[ti];
        let (reason, event) = if t.leader != Who::Member(me) {
            (code::TKT_LOST, LogEvent::LostAt { leader: t.leader })
        } else if t.handler == Handler::Running {
            (code::LOCAL_FAIL, LogEvent::HandlerTimedOut)
        } else if t.election_reason != 0 && t.election_reason != code::ADMIN {
            // booth-rs: not a stale ADMIN. C re-campaigns with the reason of the grant
            // that made us leader long ago; a voter in its restart quarantine lets ADMIN
            // elections through, so that stale reason won a second lease in the term of
            // a lease still held elsewhere (sim seed 1,298,545). C voters treat ADMIN and
            // REACQUIRE alike.
            (t.election_reason, LogEvent::LostMajority)
        } else {
            (code::REACQUIRE, LogEvent::LostMajority)
        };
        self.log(ti, event);
        let t = &mut self.tickets[ti];
        t.lost_leader = t.leader;
        t.snapshot();
        if t.manual() {
            t.granted_at = 0;
        }
        self.reset_ticket(now, ti);
        self.tickets[ti].state = State::Follower;
        if self.is_site() {
            self.commit_to_cib(now, ti);
            self.schedule_election(now, ti, reason);
        }
    }

    /// booth-rs: a STEPDOWN election reason is only good until a leader is known again
    /// or we voted for another candidate. C keeps it in `election_reason`, so a later
    /// "again" election (vanished candidate, lost lease) still says STEPDOWN and voters
    /// holding a valid lease for the new leader vote anyway: two leaders.
    pub(super) fn forget_stepdown(&mut self, ti: usize, instead: u32) {
        let t = &mut self.tickets[ti];
        if t.election_reason == code::STEPDOWN {
            t.election_reason = instead;
        }
    }

    /// `become_follower(msg)` (§8.7); the caller then sets the leader.
    pub(super) fn become_follower(&mut self, now: Now, ti: usize, msg: &Msg) {
        self.forget_stepdown(ti, code::TKT_LOST);
        let v = self.decode_valid(msg.valid_for);
        let from = self.member_by_id(msg.from);
        let t = &mut self.tickets[ti];
        let new = now.mono + v;
        // booth-rs: an older copy of the same leader's lease (a HEARTBEAT overtaken by
        // the UPDATE that followed it, a duplicate) must not shorten the lease we
        // acknowledged: the leader counts on it (sim seed 41).
        let same_leader = from.is_some_and(|f| t.leader == Who::Member(f));
        t.term_expires = match t.term_expires {
            Some(e) if same_leader && e > new => Some(e),
            _ => Some(new),
        };
        t.cur = msg.term;
        t.state = State::Follower;
        t.delay_commit = None;
        t.in_election = false;
        if t.is_granted {
            let lease = t.term_expires;
            self.disown(now, ti);
            // booth-rs: keep the copy of the lease we are about to acknowledge. C's
            // disown leaves `term_expires = now` here (§8.7 quirk), so it acks with
            // valid_for 0 a lease it does not hold and then votes it away: a leader
            // counting that ack and a new one overlapped (sim seed 1,105,200).
            self.tickets[ti].term_expires = lease;
            self.commit_to_cib(now, ti);
        }
    }

    /// `schedule_election(reason)` (§3.2, sites only).
    pub(super) fn schedule_election(&mut self, now: Now, ti: usize, reason: u32) {
        if !self.is_site() {
            return;
        }
        let d = self.rand_delay(ti);
        let t = &mut self.tickets[ti];
        t.election_reason = reason;
        t.next_cron = Some(now.mono + d);
    }

    /// Leader: credit an ACK of the current HEARTBEAT/UPDATE round that names us in our
    /// term; a majority of such acks makes the round's lease our `safe_until`.
    pub(super) fn credit_ack(&mut self, ti: usize, from: u8, msg: &Msg) {
        let me = self.me();
        let my_id = self.members[self.local].id;
        let t = &self.tickets[ti];
        if t.state != State::Leader
            || t.leader != Who::Member(me)
            || msg.term != t.cur
            || msg.leader != my_id
            || !(t.last_request == code::HEARTBEAT || t.last_request == code::UPDATE)
        {
            return;
        }
        // booth-rs: an ACK that carries no lease (valid_for 0: a C follower that took
        // our heartbeat right after a restart with "granted" in its CIB disowns the
        // lease it acks, §8.7 quirk) does not hold our lease and must not count for it.
        if msg.valid_for == 0 {
            return;
        }
        let bits = t.lease_acks | (1 << from);
        let maj = self.majority(bits);
        let t = &mut self.tickets[ti];
        t.lease_acks = bits;
        if maj {
            if let Some(p) = t.round_promise {
                t.safe_until = Some(t.safe_until.map_or(p, |s| s.max(p)));
            }
        }
    }

    /// When this ticket's own lease needs checking (booth-rs): the end of a lease this
    /// process granted in the CIB, so that it revokes on time even when nothing else
    /// wakes it (S3), and the end of a leader's lease.
    pub(super) fn expiry_deadline(&self, t: &super::ticket::Ticket) -> Option<Ms> {
        if t.manual() {
            return None;
        }
        if t.cib_granted {
            return Some(t.grant_until().map_or(0, |s| s + 1));
        }
        if t.state == State::Leader {
            return t.term_expires.map(|e| e + 1);
        }
        None
    }

    /// booth-rs lease rule, run before any input is processed: a node whose granted lease
    /// ran out revokes now (LEADER: `lose_ticket`; any other state: a CIB revoke), so
    /// that no message handled afterwards can extend a lease that already ended (C
    /// processes queued acks first after a long stop, booth#17/booth#68).
    pub(super) fn expire_overdue(&mut self, now: Now) {
        for ti in 0..self.tickets.len() {
            let t = &self.tickets[ti];
            if !t.running || t.manual() {
                continue;
            }
            let me = self.me();
            let granted_over = t.cib_granted && t.grant_until().is_none_or_past(now.mono);
            let leader_over = t.state == State::Leader
                && t.leader == Who::Member(me)
                && t.term_expires.is_some_and(|e| now.mono >= e);
            if t.state == State::Leader && (granted_over || leader_over) {
                self.lose_ticket(now, ti);
            } else if granted_over {
                // booth-rs: a lease we wrote as granted ends while we do not lead
                self.log(ti, LogEvent::GrantExpired);
                let t = &mut self.tickets[ti];
                let owner = match t.leader {
                    Who::Member(m) if m != me => self.members[usize::from(m)].id,
                    Who::NoOne => Msg::NO_ONE,
                    _ => 0,
                };
                t.cib_granted = false;
                t.safe_until = None;
                t.inherited_until = None;
                let write = CibWrite::Revoke {
                    owner,
                    expires: Self::wall_secs(now, t.term_expires.unwrap_or(now.mono)),
                    term: t.cur,
                };
                self.out.push_back(Action::CibWrite { ticket: ti, write });
            }
        }
    }
}

trait PastExt {
    fn is_none_or_past(&self, now: Ms) -> bool;
}

impl PastExt for Option<Ms> {
    fn is_none_or_past(&self, now: Ms) -> bool {
        match self {
            None => true,
            Some(s) => now > *s,
        }
    }
}
