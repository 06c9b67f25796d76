//! Startup of each ticket from what Pacemaker holds, and the inputs that report on
//! Pacemaker commands and the handler (consensus.md §12, §8.10).

use super::ticket::{Handler, Ticket, Who};
use super::types::{code, CibTicket, Msg, Now};
use super::{Core, LogEvent};

impl Core {
    /// The answer to [`super::Action::CibLoad`]: the ticket as Pacemaker holds it, or
    /// `None` if `crm_ticket` failed or the ticket is absent (§12.1 step 2).
    pub fn handle_cib_loaded(&mut self, now: Now, ticket: usize, loaded: Option<CibTicket>) {
        self.expire_overdue(now);
        if self.tickets.get(ticket).is_some_and(|t| !t.running) {
            self.start_ticket(now, ticket, loaded);
            // an inherited grant whose lease already ended is revoked at once
            self.expire_overdue(now);
        }
    }

    /// A CIB write finished; C only logs the exit status (§8.9 step 5).
    pub fn handle_cib_written(&mut self, _now: Now, ticket: usize, ok: bool) {
        if !ok && ticket < self.tickets.len() {
            self.log(ticket, LogEvent::CibWriteFailed);
        }
    }

    /// The before-acquire-handler exited with `status`; the ticket's cron runs now
    /// (C: at the next loop iteration, §3.1).
    pub fn handle_handler_exit(&mut self, now: Now, ticket: usize, status: i32) {
        self.expire_overdue(now);
        let Some(t) = self.tickets.get_mut(ticket) else {
            return;
        };
        match t.handler {
            Handler::Running => t.handler = Handler::Exited(status),
            Handler::Ignore => {
                t.handler = Handler::Idle;
                return;
            }
            Handler::Idle | Handler::Exited(_) => return,
        }
        if t.running {
            let before = t.next_cron;
            self.cron(now, ticket);
            if self.tickets[ticket].next_cron == before {
                self.set_wakeup(now, ticket);
            }
        }
    }

    /// §12.1 for one ticket.
    pub(super) fn start_ticket(&mut self, now: Now, ti: usize, loaded: Option<CibTicket>) {
        let p = self.tickets[ti].p;
        self.tickets[ti] = Ticket::new(p);
        self.reset_ticket(now, ti);
        let me = self.me();
        let t = &mut self.tickets[ti];
        t.running = true;
        t.started_at = now.mono;
        t.quarantine_until = now.mono + p.expire + Ticket::drift_margin(p.expire);
        t.status_heard = 1 << self.local;
        if self.members[self.local].kind == super::Kind::Site {
            if let Some(c) = loaded {
                let owner = if c.owner == Msg::NO_ONE {
                    Some(Who::NoOne)
                } else {
                    self.members
                        .iter()
                        .position(|m| m.id == c.owner && m.kind == super::Kind::Site)
                        .and_then(|i| u8::try_from(i).ok())
                        .map(Who::Member)
                };
                let exp_ms = c.expires.saturating_mul(1000);
                let delta = exp_ms.saturating_sub(now.wall_ms);
                let mono = if delta >= 0 {
                    now.mono.saturating_add(u64::try_from(delta).unwrap_or(0))
                } else {
                    now.mono.saturating_sub(delta.unsigned_abs())
                };
                let t = &mut self.tickets[ti];
                // booth-rs: no lease is longer than `expire`; a wall-clock step while we
                // were down must not turn the CIB's `expires` into hours (§9.3).
                t.term_expires = Some(mono.min(now.mono + p.expire));
                // booth-rs: a revoked or lost ticket has no lease, whatever `expires`
                // says (a stale revoke would otherwise refuse votes as if valid).
                if !c.granted && !matches!(owner, Some(Who::Member(_))) {
                    t.term_expires = Some(now.mono);
                }
                t.cur = c.term;
                t.is_granted = c.granted;
                if let Some(o) = owner {
                    t.set_leader(o);
                }
                if c.granted && !t.owned() {
                    t.set_leader(Who::Member(me));
                }
                t.cib_leader = match t.leader {
                    Who::Member(m) => Some(m),
                    _ => None,
                };
                // booth-rs: a grant inherited from our previous process is ours to revoke
                // when its lease (as the CIB tells it) ends, as if we had written it: C
                // leaves it until an election settles, and a site elected meanwhile was
                // granted while the CIB here still said so (sim seed 1,124,431).
                if c.granted && t.leader == Who::Member(me) && !t.manual() {
                    t.cib_granted = true;
                    t.inherited_until = t.term_expires;
                }
                if owner.is_some() {
                    self.reconcile(now, ti, None);
                }
            }
            self.tickets[ti].update_cib = true;
        }
        self.tickets[ti].start_postpone = true;
        self.broadcast(now, ti, code::STATUS, code::MY_INDEX, 0, 0);
    }
}
