//! Building and sending ticket messages: broadcasts, replies, rejects and the resend
//! engine (consensus.md §2.2, §2.3, §5, §9.2).

use super::ticket::Who;
use super::types::{code, Action, Ms, Msg, Now};
use super::Core;

impl Core {
    /// `term_valid_for` on the wire for `valid_ms` (§9.2, wire.md §1.3.1). In ms mode C
    /// computes `valid_ms * 1000` in signed 32 bits and divides by 1000; reproduced.
    pub(super) fn encode_valid(&self, valid_ms: Ms) -> u32 {
        // C measures the remaining time in microseconds, a little after the lease was
        // set, so a lease of exactly D ms goes out as D-1 ms / D/1000-1 s (captures:
        // HrtB valid=19 right after winning with expire = 20). Our clock has ms only:
        // count a remaining time of `valid_ms` as "just under" it.
        let valid_ms = valid_ms.saturating_sub(1);
        if self.ms_mode {
            // the C `int` wraps: keep the low 32 bits as two's complement
            let low = u32::try_from(valid_ms & 0xFFFF_FFFF).unwrap_or(0);
            let v = i32::from_ne_bytes(low.to_ne_bytes());
            let wrapped = v.wrapping_mul(1000) / 1000;
            u32::from_ne_bytes(wrapped.to_ne_bytes())
        } else {
            u32::try_from(valid_ms / 1000).unwrap_or(u32::MAX)
        }
    }

    /// Milliseconds meant by a received `term_valid_for` (§9.2: the C receiver formula).
    pub(super) fn decode_valid(&self, v: u32) -> Ms {
        if self.ms_mode {
            u64::from(v.wrapping_mul(1000) / 1000)
        } else {
            u64::from(v) * 1000
        }
    }

    fn id_of(&self, who: Who) -> Option<u32> {
        who.member().and_then(|m| self.members.get(m)).map(|m| m.id)
    }

    /// The `leader` field for ticket `ti` (§2.3), from the live ticket or its snapshot.
    fn leader_field(&self, leader: Who, voted_for: Option<u8>) -> u32 {
        if let Some(id) = self.id_of(leader) {
            return id;
        }
        if let Some(id) = voted_for.and_then(|v| self.id_of(Who::Member(v))) {
            return id;
        }
        Msg::NO_ONE
    }

    /// A message describing ticket `ti` now (§2.2); `snapshot`: describe `last_valid`
    /// instead when CANDIDATE (MY_INDEX, §2.4 item 4).
    pub(super) fn build(&self, now: Now, ti: usize, cmd: u32, request: u32, snapshot: bool) -> Msg {
        let t = &self.tickets[ti];
        let (leader, voted_for, term, expires) = match (&t.last_valid, snapshot) {
            (Some(s), true) if t.state == super::State::Candidate => {
                (s.leader, s.voted_for, s.term, s.term_expires)
            }
            _ => (t.leader, t.voted_for, t.cur, t.term_expires),
        };
        let valid_ms = expires.map_or(0, |e| e.saturating_sub(now.mono));
        Msg {
            cmd,
            request,
            result: 0,
            reason: 0,
            from: self.members[self.local].id,
            ticket: t.p.name,
            leader: self.leader_field(leader, voted_for),
            term,
            valid_for: self.encode_valid(valid_ms),
        }
    }

    /// `activate_timeout` (§3.3).
    pub(super) fn activate_timeout(&mut self, now: Now, ti: usize) {
        let t = &mut self.tickets[ti];
        t.next_cron = Some(now.mono + t.p.timeout);
    }

    /// The lease end (minus drift margin) that a HEARTBEAT/UPDATE copy `msg` sent now
    /// gives a member that processes it.
    fn promise_of(&self, now: Now, msg: &Msg) -> Ms {
        let v = self.decode_valid(msg.valid_for);
        (now.mono + v).saturating_sub(super::ticket::Ticket::drift_margin(v))
    }

    /// `broadcast(cmd, expect, result, reason)` (§5.1).
    pub(super) fn broadcast(
        &mut self,
        now: Now,
        ti: usize,
        cmd: u32,
        expect: u32,
        result: u32,
        reason: u32,
    ) {
        let mut msg = self.build(now, ti, cmd, 0, false);
        msg.result = result;
        msg.reason = reason;
        let promise = self.promise_of(now, &msg);
        let self_bit = self.self_bit();
        let t = &mut self.tickets[ti];
        t.last_request = cmd;
        if expect != 0 {
            t.retry_number = 0;
            t.acks_expected = expect;
            t.acks_received = self_bit;
            t.lease_acks = self_bit;
            t.round_promise = Some(promise);
        } else if cmd == code::HEARTBEAT || cmd == code::UPDATE {
            t.round_promise = t.round_promise.map(|p| p.min(promise));
        }
        self.activate_timeout(now, ti);
        self.out.push_back(Action::Broadcast { msg });
    }

    /// A reply to member `to` (§5.2).
    pub(super) fn reply(&mut self, now: Now, ti: usize, to: u8, cmd: u32, request: u32) {
        let msg = self.build(now, ti, cmd, request, cmd == code::MY_INDEX);
        self.out.push_back(Action::Send {
            to: usize::from(to),
            msg,
            resend: false,
        });
    }

    /// OP_REJECTED with `result` to member `to` (§5.2).
    pub(super) fn reject(&mut self, now: Now, ti: usize, to: u8, request: u32, result: u32) {
        let mut msg = self.build(now, ti, code::REJECTED, request, false);
        msg.result = result;
        self.out.push_back(Action::Send {
            to: usize::from(to),
            msg,
            resend: false,
        });
    }

    /// `handle_resends` (§5.3).
    pub(super) fn handle_resends(&mut self, now: Now, ti: usize) {
        let t = &mut self.tickets[ti];
        t.retry_number += 1;
        if t.retry_number > t.p.retries {
            t.acks_expected = 0;
            t.retry_number = 0;
            self.log(ti, super::LogEvent::GaveUpRetries);
            self.set_wakeup(now, ti);
            return;
        }
        let last = t.last_request;
        let received = t.acks_received;
        if received == self.self_bit() {
            self.broadcast(now, ti, last, 0, 0, 0);
            return;
        }
        let msg = self.build(now, ti, last, 0, false);
        if last == code::HEARTBEAT || last == code::UPDATE {
            let p = self.promise_of(now, &msg);
            let t = &mut self.tickets[ti];
            t.round_promise = t.round_promise.map(|q| q.min(p));
        }
        for m in 0..self.members.len() {
            if m != self.local && received & (1 << m) == 0 {
                self.out.push_back(Action::Send {
                    to: m,
                    msg,
                    resend: true,
                });
            }
        }
        self.activate_timeout(now, ti);
    }
}
