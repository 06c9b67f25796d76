//! The per-ticket cron and wake-up scheduling (consensus.md §3.3, §4).

use super::elect::HandlerStep;
use super::ticket::{Handler, State, Who};
use super::types::{code, Ms, Now};
use super::{Core, LogEvent};

/// `set_wakeup` fallbacks (§3.3).
const MANUAL_PERIOD: Ms = 60_000;
const IDLE_PERIOD: Ms = 3_600_000;
const SOON: Ms = 10;

impl Core {
    /// One cron run for ticket `ti` (§4.1).
    pub(super) fn cron(&mut self, now: Now, ti: usize) {
        let t = &mut self.tickets[ti];
        if t.start_postpone && now.mono < t.started_at + t.p.timeout {
            self.activate_timeout(now, ti);
            return;
        }
        if t.acks_expected == code::MY_INDEX {
            t.acks_expected = 0;
            t.retry_number = 0;
        }
        if let Some(ns) = t.next_state {
            self.next_state_action(now, ti, ns);
        } else if !t.manual() && t.owned() && t.term_expires.is_some_and(|e| now.mono > e) {
            self.lose_ticket(now, ti);
        } else {
            self.state_action(now, ti);
        }
        let t = &mut self.tickets[ti];
        t.next_state = None;
        if !t.in_election && t.update_cib {
            self.commit_to_cib(now, ti);
        }
    }

    /// Deferred transitions (§4.3).
    fn next_state_action(&mut self, now: Now, ti: usize, ns: State) {
        match ns {
            State::Leader => {
                if matches!(self.tickets[ti].handler, Handler::Exited(_)) {
                    if self.tickets[ti].state != State::Leader {
                        // booth-rs: still the reclaim started below, not an
                        // administrator's grant (C asks with ADMIN here, which the
                        // restart quarantine of the voters lets through)
                        self.acquire_and_report(now, ti, code::REACQUIRE);
                    }
                } else {
                    self.log(ti, LogEvent::Reacquire);
                    self.acquire(now, ti, code::REACQUIRE);
                }
                self.tickets[ti].start_postpone = false;
            }
            State::Init => {
                let t = &mut self.tickets[ti];
                t.acks_expected = 0;
                t.retry_number = 0;
                self.start_revoke(now, ti);
                self.tickets[ti].outcome = code::SUCCESS;
                self.notify_clients(now, ti);
                self.tickets[ti].start_postpone = false;
            }
            State::Follower | State::Candidate => {}
        }
    }

    /// `acquire(reason)` as the second phase after the handler; errors go to clients.
    fn acquire_and_report(&mut self, now: Now, ti: usize, reason: u32) {
        let r = self.acquire(now, ti, reason);
        if r != 0 {
            self.tickets[ti].outcome = r;
            self.notify_clients(now, ti);
        }
    }

    /// Per-state action (§4.2).
    fn state_action(&mut self, now: Now, ti: usize) {
        let exited = matches!(self.tickets[ti].handler, Handler::Exited(_));
        let t = &self.tickets[ti];
        match t.state {
            State::Init => {
                if exited {
                    self.acquire_and_report(now, ti, code::ADMIN);
                } else if t.acks_expected != 0 {
                    self.handle_resends(now, ti);
                }
            }
            State::Follower if t.manual() => {
                if exited {
                    self.acquire_and_report(now, ti, code::ADMIN);
                } else if t.acks_expected != 0 {
                    self.handle_resends(now, ti);
                }
            }
            State::Follower => {
                if exited {
                    // Q17: C never consumes this status here and spins; we go on with
                    // the acquire as the INIT action would.
                    self.acquire_and_report(now, ti, code::ADMIN);
                    return;
                }
                if t.leader != Who::Unknown {
                    return;
                }
                if t.voted_for.is_none() || !t.in_election {
                    self.disown(now, ti);
                    let me = self.me();
                    if !self.new_election(now, ti, me, 1, code::AGAIN) {
                        self.activate_timeout(now, ti);
                    }
                } else {
                    self.tickets[ti].in_election = false;
                    self.activate_timeout(now, ti);
                }
            }
            State::Candidate => {
                if let Handler::Exited(st) = t.handler {
                    // Q17: consume the status instead of spinning.
                    self.tickets[ti].handler = Handler::Idle;
                    if st != 0 {
                        self.tickets[ti].outcome = code::EXT_FAILED;
                        self.notify_clients(now, ti);
                    }
                }
                self.elections_end(now, ti);
            }
            State::Leader => {
                if t.acks_expected != 0 {
                    self.handle_resends(now, ti);
                    let t = &self.tickets[ti];
                    if t.state == State::Leader && self.majority(t.acks_received) {
                        self.leader_update(now, ti);
                    }
                } else {
                    match self.handler_step(now, ti, true) {
                        HandlerStep::Ok => {
                            self.broadcast(now, ti, code::HEARTBEAT, code::ACK, 0, 0);
                            self.tickets[ti].ticket_updated = 0;
                        }
                        HandlerStep::Wait => self.activate_timeout(now, ti),
                        HandlerStep::Failed => {}
                    }
                }
            }
        }
    }

    /// `set_wakeup` (§3.3). booth-rs: a target already past becomes now + 10 ms in every
    /// state (C spins at its poll interval there).
    pub(super) fn set_wakeup(&mut self, now: Now, ti: usize) {
        let t = &mut self.tickets[ti];
        if t.manual() {
            t.next_cron = Some(now.mono + MANUAL_PERIOD);
            return;
        }
        let mut target = now.mono + IDLE_PERIOD;
        match t.state {
            State::Leader => {
                let mut x = t.last_renewal.map(|r| r + t.p.renewal_freq);
                if let (Some(xv), Some(d)) = (x, t.delay_commit) {
                    if d < xv {
                        x = Some(d);
                    }
                }
                target = match x {
                    Some(x) if x > now.mono => x,
                    _ => now.mono + SOON,
                };
            }
            State::Candidate => {
                if let Some(e) = t.election_end {
                    // booth-rs: keep the round's random extra time (§3.2) when the
                    // cron is already set later; C resets it to the bare election end
                    // here, so duelling candidates keep a fixed phase and can split
                    // forever (sim seed 3242).
                    target = match t.next_cron {
                        Some(c) if c > e => c,
                        _ => e,
                    };
                }
            }
            State::Init | State::Follower => {
                if t.owned() {
                    if let Some(e) = t.term_expires {
                        target = e + t.p.acquire_after;
                    }
                } else if t.state == State::Follower && t.leader == Who::Unknown {
                    // booth-rs: a follower that knows no leader campaigns at its next
                    // cron (§4.2); C lets that cron be an hour away (§7.9 note), we
                    // keep it one timeout away so a lost ticket is picked up (L1).
                    let soon = now.mono + t.p.timeout;
                    target = t
                        .next_cron
                        .filter(|&c| c > now.mono)
                        .map_or(soon, |c| c.min(soon));
                }
            }
        }
        if t.next_state.is_some() {
            target = if t.acks_expected == 0 {
                now.mono + SOON
            } else {
                now.mono + t.p.timeout
            };
        }
        if target <= now.mono {
            target = now.mono + SOON;
        }
        t.next_cron = Some(target);
    }
}
