//! Receiving server-to-server messages: the pipeline of consensus.md §6 and the
//! handlers of §7.1–§7.9, one function per opcode, rows in the spec's order.

use super::ticket::{State, Who};
use super::types::{code, Ms, Msg, Now};
use super::{Core, LogEvent};

impl Core {
    /// A message from member `msg.from`, already authenticated and decoded.
    pub fn handle_message(&mut self, now: Now, msg: &Msg) {
        self.expire_overdue(now);
        let Some(s) = self.member_by_id(msg.from) else {
            self.counters.unknown_sender += 1;
            return;
        };
        if usize::from(s) == self.local {
            self.counters.from_self += 1;
            return;
        }
        let Some(ti) = self.ticket_index(&msg.ticket) else {
            self.counters.unknown_ticket += 1;
            return;
        };
        if !self.tickets[ti].running {
            self.counters.not_loaded += 1;
            return;
        }
        // §2.3: NO_ONE or a configured site; anything else (0, strangers, arbitrators,
        // which never hold tickets) drops the message.
        let l = if msg.leader == Msg::NO_ONE {
            Who::NoOne
        } else {
            match self.member_by_id(msg.leader) {
                Some(m) if self.member_is_site(m) => Who::Member(m),
                _ => {
                    self.counters.invalid_leader += 1;
                    return;
                }
            }
        };
        // Only sites campaign, lead, revoke: such messages from an arbitrator are bogus.
        if !self.member_is_site(s)
            && matches!(
                msg.cmd,
                code::REQ_VOTE | code::HEARTBEAT | code::UPDATE | code::REVOKE
            )
        {
            self.counters.unexpected += 1;
            return;
        }

        // §6 step 7: ack accounting, before everything else.
        let t = &mut self.tickets[ti];
        if t.acks_expected != 0 && msg.request == t.last_request && msg.cmd == t.acks_expected {
            t.acks_received |= 1 << s;
            let bits = t.acks_received;
            if msg.cmd == code::ACK {
                self.credit_ack(ti, s, msg);
            }
            if self.all_replied(bits) {
                // (the answers to our STATUS end the quarantine in note_status_answer)
                let t = &mut self.tickets[ti];
                t.acks_expected = 0;
                t.retry_number = 0;
                t.start_postpone = false;
                self.set_wakeup(now, ti);
            }
        }

        // booth-rs: an answer to our STATUS ends the restart quarantine once every member
        // has given one, whatever its term: counted before the stale-term filter, which
        // would drop the answer of a member restarted in an older term, so that we would
        // keep asking it (and it us: a STATUS ping-pong, sim seed 1,112,654).
        if msg.cmd == code::MY_INDEX && msg.request == code::STATUS {
            self.note_status_answer(ti, s);
        }

        // §6 step 8: stale-term filter.
        let t = &self.tickets[ti];
        if msg.cmd != code::STATUS && t.last_valid.is_some_and(|lv| msg.term < lv.term) {
            self.counters.stale_term += 1;
            // booth-rs: a candidate below our committed term is told so (§7.3 row 4's
            // answer). C stays silent, and a candidate nobody answers retries in the
            // same term forever (sim seed 201513).
            if msg.cmd == code::REQ_VOTE {
                self.reject(now, ti, s, code::REQ_VOTE, code::TERM_OUTDATED);
            }
            return;
        }

        match msg.cmd {
            code::STATUS => self.on_status(now, ti, s),
            code::MY_INDEX => self.on_my_index(now, ti, s, l, msg),
            code::REQ_VOTE => self.on_req_vote(now, ti, s, l, msg),
            code::VOTE_FOR => self.on_vote_for(now, ti, s, l, msg),
            code::HEARTBEAT => self.on_heartbeat(now, ti, s, l, msg),
            code::UPDATE => self.on_update(now, ti, s, l, msg),
            code::ACK => self.on_ack(now, ti, s, l, msg),
            code::REVOKE => self.on_revoke(now, ti, s),
            code::REJECTED => self.on_rejected(now, ti, s, l, msg),
            _ => self.counters.unexpected += 1,
        }
    }

    /// §7.1
    fn on_status(&mut self, now: Now, ti: usize, s: u8) {
        self.tickets[ti].fresh_peers |= 1 << s;
        if !self.tickets[ti].in_election {
            self.reply(now, ti, s, code::MY_INDEX, code::STATUS);
        }
        // booth-rs: a member that started after our own STATUS round never answered it,
        // which would keep us in quarantine for a whole lease (refusing the votes C
        // gives at once). Ask it for its view now; its MY_INDEX ends the quarantine
        // once every member has told us (a C peer answers a STATUS at any time).
        let t = &mut self.tickets[ti];
        if now.mono < t.quarantine_until
            && t.status_heard & (1 << s) == 0
            && t.status_asked & (1 << s) == 0
        {
            // once per member: two members in quarantine would otherwise ask each
            // other back for ever
            t.status_asked |= 1 << s;
            let m = self.build(now, ti, code::STATUS, 0, false);
            self.out.push_back(super::Action::Send {
                to: usize::from(s),
                msg: m,
                resend: false,
            });
        }
    }

    /// A member answered our STATUS: when every member has, the quarantine ends (each
    /// MY_INDEX is adopted as usual, so the leases we acked before a restart are known).
    fn note_status_answer(&mut self, ti: usize, s: u8) {
        // booth-rs: the view of a member that started about when we did is no better
        // than ours: two amnesic members agreeing that nobody holds the ticket ended
        // the quarantine while the lease of a holder whose CIB write was lost in its
        // crash still ran (sim seed 1,199,640).
        if self.tickets[ti].fresh_peers & (1 << s) != 0 {
            return;
        }
        let heard = self.tickets[ti].status_heard | (1 << s);
        let all = self.all_replied(heard);
        let t = &mut self.tickets[ti];
        t.status_heard = heard;
        if all {
            t.quarantine_until = 0;
        }
    }

    /// §7.2
    fn on_my_index(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        let me = self.me();
        let v = self.decode_valid(msg.valid_for);
        // booth-rs: a member telling us how long it still holds our (inherited) lease,
        // or that another site holds the ticket, bounds how long the grant we inherited
        // from our previous process may stand: the CIB's `expires` can be far off after
        // a wall-clock step while we were down (sim seed 1,299,080).
        let t = &mut self.tickets[ti];
        if let Some(until) = t.inherited_until {
            let bound = match l {
                Who::Member(m) if m == me => Some(now.mono + v),
                Who::Member(_) if v > 0 => Some(now.mono),
                _ => None,
            };
            if let Some(b) = bound {
                t.inherited_until = Some(until.min(b));
            }
        }
        let expired = v == 0;
        let t = &self.tickets[ti];
        let my_term = match (&t.last_valid, t.state) {
            (Some(lv), State::Candidate) => lv.term,
            _ => t.cur,
        };
        let d = i64::from(my_term) - i64::from(msg.term);
        let leader = t.state == State::Leader;
        if d > 0 {
            self.reply(now, ti, s, code::MY_INDEX, code::MY_INDEX);
            if leader {
                let m = self.build(now, ti, code::UPDATE, code::MY_INDEX, false);
                self.out.push_back(super::Action::Send {
                    to: usize::from(s),
                    msg: m,
                    resend: false,
                });
                return;
            }
        }
        if d >= 0 && expired {
            return;
        }
        if leader && expired {
            return;
        }
        if leader && d < 0 {
            // booth-rs: C also raises our term to theirs here and keeps heartbeating
            // in it until the re-election, which members following the real leader of
            // that term accept (same term): two leaders (sim seed 11250). We keep our
            // term; the re-election still follows at the next cron.
            let t = &mut self.tickets[ti];
            t.next_state = Some(State::Leader);
            self.log(ti, LogEvent::NewerTicketAt { from: s, leader: l });
            return;
        }
        if leader {
            return;
        }
        let t = &mut self.tickets[ti];
        if t.state == State::Candidate && l == Who::Member(me) {
            return;
        }
        let holds_valid = t.owned() && t.valid(now.mono);
        // booth-rs: an expired view never replaces a valid lease we hold for another
        // site, and never makes us the leader: for a member without a leader the
        // field carries its *vote* (§2.3), so C could take "you are the leader" from a
        // stale vote and reclaim a ticket another site holds (sim seed 3192).
        // Likewise an expired NO_ONE: it may come from a peer that merely knows no
        // leader (the wire cannot say "unknown"), and taking it for "revoked" blocks
        // every later failover with YOU_OUTDATED (sim seeds 141, 1930, 201274). A revoke
        // we missed still reaches us as YOU_OUTDATED when our lease runs out (§10.1).
        if expired && (l == Who::Member(me) || holds_valid || l == Who::NoOne) {
            return;
        }
        // booth-rs: nor does an unexpired view replace the valid lease we hold for
        // another leader when it is of an older term, or when it names us (its field
        // may be its vote for us, from an old election it answers late). C adopts any
        // unexpired view (row 7): an arbitrator holding the term-2 lease it had acked
        // took a term-1 leader's answer and voted that site in while the lease still
        // ran (sim seed 1,125,611); a follower took "you lead" from an arbitrator back
        // from a long pause and reclaimed the ticket whose holder it had acked (sim
        // seed 1,874,688).
        if holds_valid && t.leader != l && (d > 0 || l == Who::Member(me)) {
            return;
        }
        // booth-rs: adopting a peer's view never shortens a lease copy we hold: we may
        // have acknowledged it to its leader, who counts on us refusing votes until then.
        let adopted = now.mono + v.min(t.p.expire);
        t.term_expires = match t.term_expires {
            Some(e) if e > adopted => Some(e),
            _ => Some(adopted),
        };
        t.cur = if t.state == State::Candidate {
            msg.term
        } else {
            t.cur.max(msg.term)
        };
        t.set_leader(l);
        if l.member().is_some() {
            self.forget_stepdown(ti, code::TKT_LOST);
        }
        self.reconcile(now, ti, Some(s));
        // booth-rs: an expired view is not committed: its term (often a vote from a
        // failed election, not a leader) would make the stale-term filter drop a later
        // answer of an older term that carries a lease still running (sim seed
        // 2,035,339: a restarted site then campaigned against that lease and won).
        if !expired {
            self.tickets[ti].snapshot();
        }
        self.set_wakeup(now, ti);
    }

    /// `reconcile(sender)` (§8.8).
    pub(super) fn reconcile(&mut self, now: Now, ti: usize, sender: Option<u8>) {
        let me = self.me();
        let t = &mut self.tickets[ti];
        if t.state == State::Candidate {
            t.expect_more_rejects = true;
            if let Some(from) = sender {
                self.log(ti, LogEvent::StoppingElections { from });
            }
        }
        let t = &mut self.tickets[ti];
        if t.leader == Who::Member(me) || t.is_granted {
            let live_at = sender.filter(|&s| t.leader == Who::Member(s) && t.valid(now.mono));
            if let Some(at) = live_at {
                let granted_here = t.is_granted;
                self.log(ti, LogEvent::LiveAt { at, granted_here });
                self.disown(now, ti);
                self.commit_to_cib(now, ti);
                let t = &mut self.tickets[ti];
                t.state = State::Follower;
                t.next_state = Some(State::Follower);
            } else {
                let t = &mut self.tickets[ti];
                if t.state == State::Candidate {
                    t.state = State::Follower;
                }
                t.next_state = Some(State::Leader);
            }
        } else if let Who::Member(leader) = t.leader {
            t.state = State::Follower;
            t.next_state = Some(State::Follower);
            self.log(
                ti,
                LogEvent::GrantedTo {
                    leader,
                    from: sender,
                },
            );
        } else {
            t.state = State::Init;
            self.log(ti, LogEvent::NotGranted { from: sender });
        }
    }

    /// §7.3
    fn on_req_vote(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        let me = self.me();
        let t = &self.tickets[ti];
        let reason = msg.reason;
        let from_leader = t.leader == Who::Member(s);
        if reason == code::TKT_LOST && t.state == State::Init && t.leader == Who::NoOne {
            self.log(ti, LogEvent::LostClaimRevoked { from: s });
            return self.reject(now, ti, s, code::REQ_VOTE, code::YOU_OUTDATED);
        }
        if reason == code::TKT_LOST && t.seems_ok(now.mono) {
            self.log(ti, LogEvent::LostClaimRejected { from: s });
            return self.reject(now, ti, s, code::REQ_VOTE, code::TERM_STILL_VALID);
        }
        // booth-rs: no STEPDOWN exception. C lets a STEPDOWN election through a valid
        // lease (the voter may have missed the step-down), but by then another site may
        // lead already: a second STEPDOWN candidate then wins too (sim seed 1388).
        if !from_leader && t.valid(now.mono) {
            let event = LogEvent::ElectionRejected {
                from: s,
                reason,
                leader: t.leader,
                valid_ms: t.valid_ms(now.mono),
            };
            self.log(ti, event);
            return self.reject(now, ti, s, code::REQ_VOTE, code::TERM_STILL_VALID);
        }
        if msg.term < t.cur {
            return self.reject(now, ti, s, code::REQ_VOTE, code::TERM_OUTDATED);
        }
        // booth-rs: the holder of a manual ticket refuses to vote it away. C clears its
        // leader here (a manual lease never counts as valid) and stays LEADER with no
        // leader: the CIB keeps the grant and `booth revoke` answers TICKET_IDLE, so the
        // ticket can no longer be revoked through booth (fuzz finding). Only a
        // misconfigured peer (the ticket automatic there) campaigns for a manual ticket.
        if t.manual() && t.state == State::Leader && t.leader == Who::Member(me) {
            return self.reject(now, ti, s, code::REQ_VOTE, code::TERM_STILL_VALID);
        }
        // booth-rs: a node that restarted recently forgot which leases it acked; until
        // one lease length has passed (or every member answered its STATUS) it stays
        // silent (the candidate retries) instead of voting those leases away.
        // An administrator's grant (reason ADMIN) is voted for as C does: the quarantine
        // guards automatic failovers; refusing an explicit grant would leave a formation
        // whose arbitrator restarted while a site is down unable to grant for a lease.
        // The leader we trust here is the one our CIB named (or one we voted for since
        // the start), not one a peer told us about: a stale leader of an older term
        // answering our STATUS would otherwise collect our vote (sim seed 143,051).
        if now.mono < t.quarantine_until && !t.quarantine_trusts(s) && reason != code::ADMIN {
            self.counters.quarantined_votes += 1;
            return;
        }
        let t = &mut self.tickets[ti];
        t.in_election = true;
        if !t.valid(now.mono) {
            t.set_leader(Who::Unknown);
        }
        if l != Who::Member(me) && msg.term > t.cur {
            t.state = State::Follower;
            t.cur = msg.term;
            t.votes = [Who::Unknown; 16];
            // booth-rs: one vote per term even if our term went down meanwhile
            let v = t.voted_in(msg.term).unwrap_or(s);
            t.voted_for = Some(v);
            t.note_vote(v);
            self.record_vote(ti, s, l);
        } else if t.voted_for.is_none() {
            let v = t.voted_in(t.cur).unwrap_or(s);
            t.voted_for = Some(v);
            t.note_vote(v);
            self.record_vote(ti, s, l);
        } else if let Some(w) = t.voted_in(t.cur) {
            // booth-rs: repeat the vote of *this* term; C repeats `voted_for`, which
            // may be from another term (H3), so a node could vote twice in one term.
            t.voted_for = Some(w);
        } else {
            // C: the kept `voted_for` becomes our vote in this term
            let v = t.voted_for.unwrap_or(s);
            t.note_vote(v);
        }
        if self.tickets[ti].voted_for != Some(me) {
            self.forget_stepdown(ti, code::TKT_LOST);
        }
        // booth-rs: a voter checks back within a timeout whether its candidate won
        // (§4.2 FOLLOWER: restart elections if it vanished); C keeps whatever cron it
        // had, up to an hour away (sim seed 213817).
        let t = &mut self.tickets[ti];
        if t.state == State::Follower && t.leader == Who::Unknown {
            let soon = now.mono + t.p.timeout;
            t.next_cron = Some(t.next_cron.map_or(soon, |c| c.min(soon)));
        }
        let t = &self.tickets[ti];
        let mut m = self.build(now, ti, code::VOTE_FOR, code::REQ_VOTE, false);
        m.leader = t
            .voted_for
            .and_then(|v| self.members.get(usize::from(v)))
            .map_or(Msg::NO_ONE, |x| x.id);
        self.out.push_back(super::Action::Send {
            to: usize::from(s),
            msg: m,
            resend: false,
        });
    }

    /// §7.4
    fn on_vote_for(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        let me = self.me();
        let t = &self.tickets[ti];
        if l == Who::NoOne {
            if t.leader == Who::Member(s) && matches!(t.state, State::Follower | State::Candidate) {
                self.log(ti, LogEvent::Release { leader: s });
                self.tickets[ti].snapshot();
                self.reset_ticket(now, ti);
                self.tickets[ti].state = State::Follower;
                if self.is_site() {
                    self.commit_to_cib(now, ti);
                    self.schedule_election(now, ti, code::STEPDOWN);
                }
            } else if t.leader == Who::Unknown
                && t.state == State::Init
                && !t.manual()
                && msg.term > t.cur
                && self.is_site()
            {
                // booth-rs: a step-down from a leader we never heard of (we were cut off
                // while it was elected) still means nobody holds the ticket now. C
                // ignores it here, and when the stepping-down leader was the only other
                // site the ticket stays ungranted for good (sim seed 1,029,987: both
                // sites' handlers failed in turn). We campaign as its followers do.
                let term = msg.term;
                self.log(ti, LogEvent::ReleaseUnknown { from: s, term });
                let t = &mut self.tickets[ti];
                t.cur = msg.term;
                t.state = State::Follower;
                self.schedule_election(now, ti, code::STEPDOWN);
            }
            return;
        }
        if t.state != State::Candidate {
            return;
        }
        if msg.term < t.cur {
            return self.reject(now, ti, s, code::VOTE_FOR, code::TERM_OUTDATED);
        }
        if l != Who::Member(me) && msg.term > t.cur {
            self.follow_higher_term(ti, s, l, msg.term);
            self.tickets[ti].votes = [Who::Unknown; 16];
        } else if msg.term > t.cur {
            // booth-rs: a vote for us given in a later term (a stopped voter answering
            // an old request) does not count for this term; C counts it (sim seed 29916).
            return;
        }
        self.record_vote(ti, s, l);
        let t = &self.tickets[ti];
        // booth-rs: only a candidate ends its election (C would also run it after the
        // vote above made us a follower).
        if t.acks_expected == 0 && t.state == State::Candidate {
            self.elections_end(now, ti);
        }
    }

    /// booth-rs: a node that restarted recently may have acked another leader's lease
    /// before and forgotten it; acking this one now could give two sites a lease (sim
    /// seed 1,298,545: a restarted arbitrator acked a stale leader of an older term while
    /// the real holder's lease, acked by that arbitrator before its crash, still ran).
    /// Until every member told it its view or one lease has passed, it acks only the
    /// holder its CIB named or a candidate it voted for since the start.
    fn quarantined_ack(&mut self, now: Now, ti: usize, s: u8) -> bool {
        let t = &self.tickets[ti];
        if t.manual() || now.mono >= t.quarantine_until || t.quarantine_trusts(s) {
            return false;
        }
        self.counters.quarantined_acks += 1;
        true
    }

    /// §7.5
    fn on_heartbeat(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        if self.quarantined_ack(now, ti, s) {
            return;
        }
        let me = self.me();
        let t = &mut self.tickets[ti];
        let gate = (t.leader != Who::Member(me) || !t.valid(now.mono))
            && matches!(t.state, State::Init | State::Follower | State::Candidate);
        if !gate {
            if t.manual() {
                t.granted_at |= 1 << s;
            }
            if t.seems_ok(now.mono) {
                self.reject(now, ti, s, code::HEARTBEAT, code::TERM_STILL_VALID);
            }
            return;
        }
        // booth-rs: also refuse a leader of a term older than one we voted in. C takes
        // it (our term drops to follow it) and then acks both it and the leader we
        // voted for: two leaders with a majority each (sim seed 7164).
        let voted_later = t.last_vote_term().is_some_and(|vt| vt > msg.term);
        if t.leader != Who::Member(s) && ((msg.term < t.cur && t.owned()) || voted_later) {
            return self.reject(now, ti, s, code::HEARTBEAT, code::TERM_OUTDATED);
        }
        // booth-rs: a second leader in the term of the lease we hold is refused while
        // that lease runs (C switches to it and acks both).
        if t.leader != Who::Member(s) && t.owned() && t.valid(now.mono) && msg.term == t.cur {
            return self.reject(now, ti, s, code::HEARTBEAT, code::TERM_STILL_VALID);
        }
        // Q11: C aborts here when the leader field is not the sender; we drop it.
        if l != Who::Member(s) {
            self.counters.invalid_leader += 1;
            return;
        }
        t.expect_more_rejects = false;
        if msg.term > t.cur {
            self.follow_higher_term(ti, s, l, msg.term);
        }
        self.become_follower(now, ti, msg);
        let t = &mut self.tickets[ti];
        t.set_leader(l);
        if let (false, Some(e)) = (t.manual(), t.term_expires) {
            // booth-rs: C does not re-arm the cron here (§7.5 note), so a follower
            // whose UPDATE was lost may notice the lease's end an hour late (sim
            // seed 301814); we make sure it wakes when the lease (+A) ends.
            let end = e + t.p.acquire_after;
            t.next_cron = Some(t.next_cron.map_or(end, |c| c.min(end)));
        }
        self.reply(now, ti, s, code::ACK, code::HEARTBEAT);
    }

    /// §7.6
    fn on_update(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        if self.quarantined_ack(now, ti, s) {
            return;
        }
        let me = self.me();
        let t = &mut self.tickets[ti];
        let gate = ((t.leader != Who::Member(me) && t.leader == l) || !t.owned())
            && matches!(t.state, State::Init | State::Follower | State::Candidate);
        if !gate {
            if t.seems_ok(now.mono) {
                self.reject(now, ti, s, code::UPDATE, code::TERM_STILL_VALID);
            }
            return;
        }
        let voted_later = t.last_vote_term().is_some_and(|vt| vt > msg.term);
        if t.leader != Who::Member(s) && (t.owned() || voted_later) {
            if t.manual() {
                t.granted_at |= 1 << s;
            }
            return self.reject(now, ti, s, code::UPDATE, code::TERM_OUTDATED);
        }
        // booth-rs: an UPDATE naming someone else than its sender is dropped (C peers
        // never send one; following it would hand the lease to a site that never asked).
        if l != Who::Member(s) {
            self.counters.invalid_leader += 1;
            return;
        }
        self.become_follower(now, ti, msg);
        self.tickets[ti].set_leader(l);
        self.commit_to_cib(now, ti);
        self.set_wakeup(now, ti);
        self.reply(now, ti, s, code::ACK, code::UPDATE);
    }

    /// §7.7
    fn on_ack(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        let me = self.me();
        let t = &mut self.tickets[ti];
        if !(t.leader == Who::Member(me) && t.state == State::Leader) {
            return;
        }
        if l != Who::Member(me) && msg.term > t.cur {
            return self.follow_higher_term(ti, s, l, msg.term);
        }
        if msg.term < t.cur || t.next_state == Some(State::Init) {
            return;
        }
        let bits = t.acks_received;
        let t = &self.tickets[ti];
        let maj = self.majority(bits);
        if (msg.request == code::HEARTBEAT || msg.request == code::UPDATE)
            && msg.term == t.cur
            && l == t.leader
            && maj
        {
            self.leader_update(now, ti);
        }
    }

    /// booth-rs: a rejecter's copy of our leader's lease (an arbitrator's may be
    /// expired: v = 0) never shortens the copy we hold of that same leader's lease: we
    /// may have acked it, and the leader counts on us refusing votes until it ends. C
    /// takes the rejecter's; a candidate then saw the lease it had acked as lost and
    /// won a TKT_LOST election against it (sim seed 1,058,906).
    fn keep_acked_lease(&mut self, now: Now, ti: usize, held: (Who, Option<Ms>)) {
        let t = &mut self.tickets[ti];
        if let (Who::Member(_), Some(until)) = held {
            if t.leader == held.0 && until > now.mono && t.term_expires.is_some_and(|e| e < until) {
                t.term_expires = Some(until);
            }
        }
    }

    /// §7.8
    fn on_revoke(&mut self, now: Now, ti: usize, s: u8) {
        let t = &mut self.tickets[ti];
        if t.state == State::Init && t.leader == Who::NoOne {
            return self.reply(now, ti, s, code::ACK, code::REVOKE);
        }
        if t.leader != Who::Member(s) {
            if !t.manual() {
                self.log(ti, LogEvent::RevokeNotGranted { from: s });
                return;
            }
            t.granted_at &= !(1 << s);
            let leading = t.state == State::Leader;
            self.reply(now, ti, s, code::ACK, code::REVOKE);
            if leading {
                self.broadcast(now, ti, code::HEARTBEAT, code::ACK, 0, 0);
            }
            return;
        }
        if t.state != State::Follower {
            let state = t.state;
            self.log(ti, LogEvent::RevokeUnexpected { from: s, state });
            return;
        }
        self.log(ti, LogEvent::Revoked { leader: s });
        let t = &mut self.tickets[ti];
        t.snapshot();
        self.reset_ticket(now, ti);
        self.tickets[ti].set_leader(Who::NoOne);
        self.commit_to_cib(now, ti);
        self.reply(now, ti, s, code::ACK, code::REVOKE);
    }

    /// §7.9
    fn on_rejected(&mut self, now: Now, ti: usize, s: u8, l: Who, msg: &Msg) {
        let me = self.me();
        let t = &mut self.tickets[ti];
        if t.state != State::Candidate {
            return;
        }
        if l == Who::Member(me) {
            t.expect_more_rejects = true;
            return self.log(ti, LogEvent::RejectGrantedToUs);
        }
        // the lease copy we hold, and for whom, before the rejecter's view replaces it
        let held = (t.leader, t.term_expires);
        match msg.result {
            code::TERM_OUTDATED | code::TERM_STILL_VALID => {
                let event = if msg.result == code::TERM_OUTDATED {
                    LogEvent::RejectOutdated {
                        term: msg.term,
                        leader: l,
                    }
                } else {
                    LogEvent::RejectStillValid {
                        from: s,
                        leader: l,
                        lost: t.lost_leader == l,
                        tkt_lost: t.election_reason == code::TKT_LOST,
                    }
                };
                self.log(ti, event);
                let t = &mut self.tickets[ti];
                // booth-rs: a rejecter that names nobody leaves us with an unknown
                // leader, not a revoked one: C stores NO_ONE here and never campaigns
                // again (a follower of NO_ONE has no lease to lose; sim seed 1208).
                t.set_leader(if l == Who::NoOne { Who::Unknown } else { l });
                t.expect_more_rejects = true;
                self.become_follower(now, ti, msg);
                self.keep_acked_lease(now, ti, held);
            }
            code::YOU_OUTDATED => {
                self.log(ti, LogEvent::RejectYouOutdated { leader: l });
                let t = &mut self.tickets[ti];
                t.set_leader(l);
                t.expect_more_rejects = true;
                if l.member().is_some() {
                    self.become_follower(now, ti, msg);
                    self.keep_acked_lease(now, ti, held);
                } else {
                    let v = self.decode_valid(msg.valid_for);
                    let t = &mut self.tickets[ti];
                    t.term_expires = Some(now.mono + v.min(t.p.expire));
                    t.cur = msg.term;
                    t.state = State::Init;
                }
            }
            _ => {}
        }
    }

    /// `newer_term` outside an election (C): a message of a higher `term` from `s`
    /// makes us a follower of `l` in that term.
    fn follow_higher_term(&mut self, ti: usize, s: u8, l: Who, term: u32) {
        let t = &mut self.tickets[ti];
        let was = t.cur;
        t.state = State::Follower;
        t.set_leader(l);
        t.cur = term;
        let event = LogEvent::HigherTerm {
            from: s,
            term,
            was,
            leader: l,
        };
        self.log(ti, event);
    }
}
