//! Client requests (`booth grant` / `booth revoke`), their replies and the queue of
//! waiting clients (consensus.md §7.10, §10.1, §11.3).

use super::ticket::{State, Who};
use super::types::{code, Action, ClientId, ClientReply, ClientRequest, Now};
use super::{Core, LogEvent};

impl Core {
    /// A client request on connection `client` (§7.10).
    pub fn handle_client(&mut self, now: Now, client: ClientId, req: &ClientRequest) {
        self.expire_overdue(now);
        let Some(ti) = self.ticket_index(&req.ticket) else {
            return self.answer_raw(now, client, req, code::INVALID_ARG);
        };
        if !self.tickets[ti].running || !self.is_site() {
            // Q12: C answers MORE forever at an arbitrator; we fail fast.
            return self.answer(now, ti, client, code::INVALID_ARG, true);
        }
        let me = self.me();
        let t = &self.tickets[ti];
        match req.cmd {
            code::CMD_GRANT => {
                if !t.manual() && t.owned() {
                    return self.answer(now, ti, client, code::OVERGRANT, true);
                }
                self.grant(now, ti, client, req.options);
            }
            code::CMD_REVOKE => {
                if !t.owned() {
                    return self.answer(now, ti, client, code::TICKET_IDLE, true);
                }
                if t.leader != Who::Member(me) {
                    return self.answer(now, ti, client, code::REDIRECT, true);
                }
                if t.acks_expected != 0 {
                    self.tickets[ti].next_state = Some(State::Init);
                    self.tickets[ti].clients.push((client, req.options));
                    return self.answer(now, ti, client, code::MORE, false);
                }
                self.answer(now, ti, client, code::SUCCESS, true);
                self.start_revoke(now, ti);
            }
            _ => self.answer(now, ti, client, code::INVALID_ARG, true),
        }
    }

    /// `grant(options)` (§7.10).
    fn grant(&mut self, now: Now, ti: usize, client: ClientId, options: u32) {
        self.log(ti, LogEvent::Granting);
        let me = self.me();
        let t = &mut self.tickets[ti];
        if t.leader == Who::Member(me) {
            return self.answer(now, ti, client, code::SUCCESS, true);
        }
        if t.owned() {
            if t.manual() && options & code::OPT_IMMEDIATE != 0 {
                self.log(ti, LogEvent::ManualForced);
            } else {
                return self.answer(now, ti, client, code::OVERGRANT, true);
            }
        }
        let t = &mut self.tickets[ti];
        t.delay_commit = if options & code::OPT_IMMEDIATE != 0 {
            None
        } else {
            Some(now.mono + t.p.expire + t.p.acquire_after)
        };
        let r = self.acquire(now, ti, code::ADMIN);
        if r != 0 {
            self.tickets[ti].delay_commit = None;
            return self.answer(now, ti, client, r, true);
        }
        self.tickets[ti].clients.push((client, options));
        self.answer(now, ti, client, code::MORE, false);
    }

    /// `start_revoke()` (§10.1), at the leader.
    pub(super) fn start_revoke(&mut self, now: Now, ti: usize) {
        self.log(ti, LogEvent::Revoking);
        let t = &mut self.tickets[ti];
        t.snapshot();
        // a manual ticket's own claim goes with the reset (set_leader); other
        // claimants stay listed, as in C
        self.reset_ticket(now, ti);
        self.tickets[ti].set_leader(Who::NoOne);
        self.commit_to_cib(now, ti);
        self.broadcast(now, ti, code::REVOKE, code::ACK, 0, code::ADMIN);
    }

    /// Tell every queued client the current `outcome` (§11.3); keep those still waiting.
    pub(super) fn notify_clients(&mut self, now: Now, ti: usize) {
        let outcome = self.tickets[ti].outcome;
        let mut i = 0;
        while i < self.tickets[ti].clients.len() {
            let (c, opts) = self.tickets[ti].clients[i];
            let keep = outcome == code::MORE
                || (outcome == code::CIB_PENDING && opts & code::OPT_WAIT_COMMIT != 0);
            self.answer(now, ti, c, outcome, !keep);
            if keep {
                i += 1;
            } else {
                self.tickets[ti].clients.swap_remove(i);
            }
        }
    }

    fn answer(&mut self, now: Now, ti: usize, client: ClientId, result: u32, last: bool) {
        let m = self.build(now, ti, code::CL_RESULT, 0, false);
        let t = &self.tickets[ti];
        // REDIRECT and every other reply carry the leader as the daemon knows it.
        let leader = match t.leader {
            Who::Member(x) => self.members[usize::from(x)].id,
            _ => m.leader,
        };
        self.out.push_back(Action::ReplyClient {
            client,
            reply: ClientReply {
                result,
                ticket: t.p.name,
                leader,
                term: m.term,
                valid_for: m.valid_for,
                last,
            },
        });
    }

    fn answer_raw(&mut self, _now: Now, client: ClientId, req: &ClientRequest, result: u32) {
        self.out.push_back(Action::ReplyClient {
            client,
            reply: ClientReply {
                result,
                ticket: req.ticket,
                leader: super::Msg::NO_ONE,
                term: 0,
                valid_for: 0,
                last: true,
            },
        });
    }
}
