//! Any sequence of datagrams, clock steps and CIB/handler reports into the core of one
//! member of a three-member formation (site1, site2, arb1; consensus.md).
//!
//! Datagrams come two ways: structured (`from`, opcode, ticket, leader and term drawn
//! from the values that matter, plus arbitrary ones) and raw (bytes through
//! `wire::decode` and the daemon's checks of `Runtime::check_ticket_message`).
//!
//! Input (read by `booth_fuzz::Bytes`, zeros past the end): `local % 3`, flags (bit 0
//! quiet, bit 1 ms mode, bit 2 ticket tB manual), seed `u32`, start instant `u16` ms, per
//! ticket the CIB at startup (`present`, then owner choice, `granted`, expiry, term),
//! then up to 400 steps of `op % 16`: 0-6 a structured datagram, 7 a raw one (`len: u8`
//! and the bytes), 8-9 a clock step (`u16` ms), 10 a jump to the next deadline, 11 a
//! client grant/revoke, 12 a handler exit, 13 a CIB write report, 14-15 a timer call.
//!
//! Properties, checked after every input:
//! - nothing panics; the core only sends to other members, as itself, about its own
//!   tickets, naming as leader a site or no one;
//! - an arbitrator never campaigns, leads or writes the CIB;
//! - LEADER means "the leader is me";
//! - a CIB grant of an automatic ticket comes only after a peer acknowledged a lease of
//!   ours, and never reaches past `expire` from now (consensus.md §8.9, the booth-rs
//!   lease rule);
//! - "no grant out of nothing": in a *quiet* run, where no client asks for a grant, the
//!   CIB holds no grant and no peer ever campaigns (`RVot`) or names a site as leader,
//!   this node never campaigns, leads or writes a grant. The property does not hold for
//!   any input: a peer may legitimately tell a follower who leads (and later that lease
//!   expires, so the follower campaigns for the ticket, the automatic failover), or tell
//!   a restarted leader that it leads (`MIdx` naming us: it re-acquires, §7.2), or start
//!   an election that this node then may win. So quiet runs leave exactly those out.
#![no_main]

use booth::core::{
    code, Action, CibTicket, CibWrite, ClientRequest, Core, Mode, Msg, Name, Now, State, Who,
};
use booth::wire::{self, Expect};
use booth_fuzz::Bytes;
use libfuzzer_sys::fuzz_target;

const OPCODES: [u32; 12] = [
    code::STATUS,
    code::MY_INDEX,
    code::REQ_VOTE,
    code::VOTE_FOR,
    code::HEARTBEAT,
    code::ACK,
    code::UPDATE,
    code::REVOKE,
    code::REJECTED,
    code::CMD_GRANT,
    code::CL_RESULT,
    0,
];
const RESULTS: [u32; 8] = [
    0,
    code::TERM_OUTDATED,
    code::TERM_STILL_VALID,
    code::YOU_OUTDATED,
    code::REDIRECT,
    code::MORE,
    code::OVERGRANT,
    code::INVALID_ARG,
];
const REASONS: [u32; 7] = [
    code::R_NONE,
    code::TKT_LOST,
    code::REACQUIRE,
    code::ADMIN,
    code::LOCAL_FAIL,
    code::STEPDOWN,
    code::AGAIN,
];

struct Run {
    core: Core,
    now: Now,
    local: usize,
    ids: [u32; 3],
    quiet: bool,
    /// Per ticket: a peer's ACK naming us as leader reached the core.
    acked_me: [bool; 2],
    next_client: u64,
}

impl Run {
    fn my_id(&self) -> u32 {
        self.ids[self.local]
    }

    fn is_site_id(&self, id: u32) -> bool {
        id == self.ids[0] || id == self.ids[1]
    }

    fn pick_id(&self, u: &mut Bytes<'_>) -> u32 {
        match u.below(6) {
            0..=2 => self.ids[u.below(3)],
            3 => Msg::NO_ONE,
            4 => 0,
            _ => u.u32(),
        }
    }

    fn pick_name(u: &mut Bytes<'_>) -> Name {
        match u.below(10) {
            0..=4 => name(booth_fuzz::TICKETS[0]),
            5..=7 => name(booth_fuzz::TICKETS[1]),
            8 => name("tC"),
            _ => Name([b'x'; 64]),
        }
    }

    fn structured(&mut self, u: &mut Bytes<'_>) -> Option<Msg> {
        let ticket = Self::pick_name(u);
        let ti = self.core.ticket_index(&ticket).unwrap_or(0);
        let cur = self.core.view(ti).map_or(0, |v| v.term);
        let term = match u.below(5) {
            0 => cur,
            1 => cur.wrapping_add(1 + u32::from(u.u8() % 3)),
            2 => cur.wrapping_sub(1 + u32::from(u.u8() % 3)),
            3 => u32::from(u.u8() % 11),
            _ => u.u32(),
        };
        let msg = Msg {
            cmd: u.pick(&OPCODES),
            request: u.pick(&OPCODES),
            result: u.pick(&RESULTS),
            reason: u.pick(&REASONS),
            from: self.pick_id(u),
            ticket,
            leader: self.pick_id(u),
            term,
            valid_for: match u.below(4) {
                0 => 0,
                1 => 1 + u32::from(u.u8() % 10),
                2 => 1 + u32::from(u.u16() % 10_000),
                _ => u.u32(),
            },
        };
        Some(msg)
    }

    /// Raw bytes as the daemon receives them (no auth: the MAC is `datagram`'s target).
    fn raw(&mut self, u: &mut Bytes<'_>) -> Option<Msg> {
        let len = usize::from(u.u8());
        let bytes = u.take(len);
        let m = wire::decode(bytes, Expect::datagram(false)).ok()?;
        if m.header.opts & wire::consts::OPTS_ATTR != 0 {
            return None;
        }
        let t = m.ticket()?;
        let name = Name(t.name.0);
        if self.core.ticket_index(&name).is_none()
            || (t.leader != Msg::NO_ONE && !self.ids.contains(&t.leader))
            || !self.ids.contains(&m.header.from)
        {
            return None;
        }
        Some(Msg::from_wire(&m.header, t))
    }

    fn deliver(&mut self, msg: Msg) {
        // A step-down notice (VOTE_FOR naming no one) says a site held the ticket until
        // now: like naming a leader, it starts the failover election.
        let step_down = msg.cmd == code::VOTE_FOR && msg.leader == Msg::NO_ONE;
        if self.quiet && (msg.cmd == code::REQ_VOTE || step_down || self.is_site_id(msg.leader)) {
            return;
        }
        trace(|| format!("{} msg {}", self.now.mono, show(&msg)));
        let from_peer = self.ids.contains(&msg.from) && msg.from != self.my_id();
        if let Some(ti) = self.core.ticket_index(&msg.ticket) {
            if from_peer && msg.cmd == code::ACK && msg.leader == self.my_id() {
                self.acked_me[ti] = true;
            }
        }
        self.core.handle_message(self.now, &msg);
    }

    fn advance(&mut self, ms: u64) {
        self.now.mono += ms;
        self.now.wall_ms += i64::try_from(ms).unwrap_or(0);
    }

    /// Runs every cron that is due (at most a bounded number of rounds).
    fn fire_due(&mut self) {
        for _ in 0..8 {
            match self.core.next_deadline() {
                Some(d) if d <= self.now.mono => self.core.handle_timeout(self.now),
                _ => return,
            }
            self.drain();
        }
    }

    fn step(&mut self, u: &mut Bytes<'_>) -> () {
        match u.below(16) {
            0..=6 => {
                if let Some(m) = self.structured(u) {
                    self.deliver(m);
                }
            }
            7 => {
                if let Some(m) = self.raw(u) {
                    self.deliver(m);
                }
            }
            8 | 9 => {
                let ms = u64::from(u.u16() % 15_001);
                trace(|| format!("{} +{ms} ms", self.now.mono));
                self.advance(ms);
                self.fire_due();
            }
            10 => {
                if let Some(d) = self.core.next_deadline() {
                    let ms = d.saturating_sub(self.now.mono).min(4_000_000);
                    self.advance(ms);
                }
                self.core.handle_timeout(self.now);
            }
            11 => {
                let grant = u.bool();
                if grant && self.quiet {
                    return;
                }
                self.next_client += 1;
                let req = ClientRequest {
                    cmd: if grant {
                        code::CMD_GRANT
                    } else {
                        code::CMD_REVOKE
                    },
                    ticket: Self::pick_name(u),
                    options: u32::from(u.u8() % 8),
                };
                trace(|| format!("{} client {req:?}", self.now.mono));
                self.core.handle_client(self.now, self.next_client, &req);
            }
            12 => {
                let ti = u.below(3);
                let status = u.pick(&[0, 1, -1, 255]);
                self.core.handle_handler_exit(self.now, ti, status);
            }
            13 => {
                let ti = u.below(3);
                self.core.handle_cib_written(self.now, ti, u.bool());
            }
            _ => {
                // A clock the shell reads twice in a row: same instant, nothing due.
                self.core.handle_timeout(self.now);
            }
        }
        self.drain();
        self.check_views();
    }

    fn drain(&mut self) {
        while let Some(a) = self.core.poll_action() {
            self.check_action(&a);
        }
    }

    fn check_action(&mut self, a: &Action) {
        trace(|| format!("  -> {a:?}"));
        let site = self.local != 2;
        match a {
            Action::Send { to, msg, .. } => {
                assert!(*to < 3 && *to != self.local, "send to {to}");
                self.check_sent(msg);
            }
            Action::Broadcast { msg } => self.check_sent(msg),
            Action::CibWrite { ticket, write } => {
                assert!(site, "an arbitrator writes the CIB: {a:?}");
                assert!(*ticket < 2);
                if let CibWrite::Grant { expires, .. } = write {
                    assert!(!self.quiet, "grant out of nothing: {a:?}");
                    let p = self.core.ticket_params(*ticket).expect("ticket");
                    if p.mode == Mode::Auto {
                        assert!(self.acked_me[*ticket], "grant without any ack: {a:?}");
                        let limit = self.now.wall_ms + i64::try_from(p.expire).unwrap_or(0);
                        assert!(
                            expires * 1000 <= limit + 500,
                            "grant to {expires} beyond now + expire ({limit} ms)"
                        );
                    }
                }
            }
            Action::CibLoad { ticket } => {
                assert!(site && *ticket < 2);
            }
            Action::RunHandler { .. } | Action::KillHandler { .. } => {
                panic!("no ticket has a handler: {a:?}");
            }
            Action::ReplyClient { client, .. } => {
                assert!(*client >= 1 && *client <= self.next_client);
            }
            Action::Log { ticket, event, .. } => {
                assert!(*ticket < 2);
                // every event the core can reach formats (members named by index)
                let text = event.display(|_| "site").to_string();
                assert!(!text.is_empty(), "{event:?}");
            }
        }
    }

    fn check_sent(&self, msg: &Msg) {
        assert_eq!(msg.from, self.my_id(), "sent as someone else: {msg:?}");
        assert!(self.core.ticket_index(&msg.ticket).is_some(), "{msg:?}");
        assert!(
            msg.leader == Msg::NO_ONE || self.is_site_id(msg.leader),
            "sent leader {:#x} is neither a site nor no one",
            msg.leader
        );
        if self.local == 2 || self.quiet {
            assert!(
                !matches!(msg.cmd, code::REQ_VOTE | code::HEARTBEAT | code::UPDATE),
                "campaigns or leads: {msg:?} (quiet {})",
                self.quiet
            );
        }
    }

    fn check_views(&self) {
        for ti in 0..2 {
            let v = self.core.view(ti).expect("two tickets");
            trace(|| format!("  [{ti}] {v:?}"));
            if v.state == State::Leader {
                assert_eq!(v.leader, Who::Member(u8::try_from(self.local).unwrap_or(9)));
            }
            if self.local == 2 || self.quiet {
                assert!(
                    !matches!(v.state, State::Leader | State::Candidate),
                    "ticket {ti} {:?} (quiet {})",
                    v.state,
                    self.quiet
                );
                assert!(v.granted_until.is_none());
            }
        }
    }
}

/// With `BOOTH_FUZZ_TRACE` set (`cargo fuzz run core_datagrams <crash>`), every input,
/// action and view is printed.
fn trace(line: impl FnOnce() -> String) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("BOOTH_FUZZ_TRACE").is_some()) {
        eprintln!("{}", line());
    }
}

fn show(m: &Msg) -> String {
    let cc = |v: u32| {
        let b = v.to_be_bytes();
        if b.iter().all(|c| c.is_ascii_graphic()) {
            String::from_utf8_lossy(&b).into_owned()
        } else {
            format!("{v:#x}")
        }
    };
    format!(
        "{} req {} res {} why {} from {:#x} {:?} leader {:#x} term {} valid {}",
        cc(m.cmd),
        cc(m.request),
        cc(m.result),
        cc(m.reason),
        m.from,
        m.ticket,
        m.leader,
        m.term,
        m.valid_for
    )
}

fn name(s: &str) -> Name {
    Name::new(s).unwrap_or(Name([0; 64]))
}

fn run(u: &mut Bytes<'_>) -> () {
    let local = u.below(3);
    let flags = u.u8();
    let (quiet, ms_mode, manual_tb) = (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
    let seed = u64::from(u.u32());
    let core = Core::new(booth_fuzz::setup(local, ms_mode, manual_tb), seed).expect("valid setup");
    let now = Now {
        mono: u64::from(u.u16()),
        wall_ms: i64::try_from(booth_fuzz::WALL_SECS).unwrap_or(0) * 1000,
    };
    let mut r = Run {
        core,
        now,
        local,
        ids: booth_fuzz::ids(),
        quiet,
        acked_me: [false; 2],
        next_client: 0,
    };
    r.core.start(now);
    r.drain();
    // The CIB as Pacemaker holds it at startup (sites ask for it; arbitrators ignore).
    for ti in 0..2 {
        let loaded = if u.bool() {
            let owner = r.pick_id(u);
            let granted = u.bool();
            let c = CibTicket {
                owner,
                expires: i64::try_from(booth_fuzz::WALL_SECS).unwrap_or(0) + i64::from(u.u8() % 61)
                    - 30,
                term: u32::from(u.u8() % 6),
                granted,
            };
            if quiet && (granted || r.is_site_id(owner)) {
                None
            } else {
                Some(c)
            }
        } else {
            None
        };
        r.core.handle_cib_loaded(r.now, ti, loaded);
        r.drain();
    }
    r.check_views();
    for _ in 0..400 {
        if u.is_empty() {
            break;
        }
        r.step(u);
    }
}

fuzz_target!(|data: &[u8]| run(&mut Bytes(data)));
