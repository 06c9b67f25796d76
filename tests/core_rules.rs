//! Decision rules of the core, each test naming the consensus.md section or the booth
//! bug it guards: client answers (§7.10), vote rejects (§7.3), bad input (§6, issue 4),
//! and the lease fixes (booth#68 / H2, booth#17 / S3).

mod core_setup;

use booth::core::{
    code, Action, CibWrite, ClientRequest, Core, Counters, Kind, Member, Msg, Name, Now, State,
    TicketParams, Who,
};

const BASE: u64 = 1_000_000;
const IDS: [u32; 3] = [0x0000_1111, 0x0000_2222, 0x0000_3333];

fn now(t: u64) -> Now {
    Now {
        mono: BASE + t,
        wall_ms: 1_700_000_000_000 + i64::try_from(t).unwrap(),
    }
}

fn tkt() -> Name {
    Name::new("tkt").unwrap()
}

/// Three members (site, site, arbitrator), D = 10 s, T = 1 s, R = 3, F = 5 s.
struct Net {
    cores: Vec<Core>,
    t: u64,
    /// Datagrams in flight (from, to, msg); `drop` decides which are lost.
    flight: Vec<(usize, usize, Msg)>,
    cib: Vec<Vec<(u64, CibWrite)>>,
    replies: Vec<(u64, u32, u32)>,
    drop: fn(usize, usize, &Msg) -> bool,
    /// Sends marked as retransmissions (t, from, to, cmd).
    resends: Vec<(u64, usize, usize, u32)>,
    /// Broadcasts (t, from, cmd).
    broadcasts: Vec<(u64, usize, u32)>,
}

impl Net {
    fn new() -> Net {
        let members: Vec<Member> = IDS
            .iter()
            .enumerate()
            .map(|(i, &id)| Member {
                id,
                kind: if i < 2 { Kind::Site } else { Kind::Arbitrator },
            })
            .collect();
        let mut p = TicketParams::new(tkt());
        p.expire = 10_000;
        p.timeout = 1_000;
        p.retries = 3;
        p.renewal_freq = 5_000;
        let cores = core_setup::cores(&members, p, true, 3);
        let mut n = Net {
            cores,
            t: 0,
            flight: Vec::new(),
            cib: vec![Vec::new(); 3],
            replies: Vec::new(),
            drop: |_, _, _| false,
            resends: Vec::new(),
            broadcasts: Vec::new(),
        };
        for k in 0..3 {
            n.cores[k].start(now(0));
        }
        n.pump();
        n.advance(1_500);
        n
    }

    fn pump(&mut self) {
        loop {
            for k in 0..3 {
                while let Some(a) = self.cores[k].poll_action() {
                    match a {
                        Action::Send { to, msg, resend } => {
                            if resend {
                                self.resends.push((self.t, k, to, msg.cmd));
                            }
                            self.flight.push((k, to, msg))
                        }
                        Action::Broadcast { msg } => {
                            self.broadcasts.push((self.t, k, msg.cmd));
                            for j in (0..3).filter(|&j| j != k) {
                                self.flight.push((k, j, msg));
                            }
                        }
                        Action::CibLoad { ticket } => {
                            self.cores[k].handle_cib_loaded(now(self.t), ticket, None)
                        }
                        Action::CibWrite { write, .. } => self.cib[k].push((self.t, write)),
                        Action::ReplyClient { client, reply } => {
                            self.replies.push((client, reply.result, reply.leader))
                        }
                        _ => {}
                    }
                }
            }
            if self.flight.is_empty() {
                return;
            }
            let (f, to, m) = self.flight.remove(0);
            if !(self.drop)(f, to, &m) {
                self.cores[to].handle_message(now(self.t), &m);
            }
        }
    }

    fn advance(&mut self, to: u64) {
        while let Some(d) = self.cores.iter().filter_map(|c| c.next_deadline()).min() {
            if d - BASE > to {
                break;
            }
            self.t = d - BASE;
            for c in self.cores.iter_mut() {
                if c.next_deadline().is_some_and(|x| x <= d) {
                    c.handle_timeout(now(self.t));
                }
            }
            self.pump();
        }
        self.t = to;
    }

    fn client(&mut self, k: usize, cmd: u32, options: u32) -> (u32, u32) {
        let req = ClientRequest {
            cmd,
            ticket: tkt(),
            options,
        };
        self.replies.clear();
        self.cores[k].handle_client(now(self.t), 9, &req);
        self.pump();
        let (_, r, l) = self.replies[0];
        (r, l)
    }

    fn granted(&self, k: usize) -> bool {
        matches!(self.cib[k].last(), Some((_, CibWrite::Grant { .. })))
    }

    fn first_revoke_at(&self, k: usize) -> Option<u64> {
        self.cib[k]
            .iter()
            .find(|(_, w)| matches!(w, CibWrite::Revoke { .. }))
            .map(|(t, _)| *t)
    }
}

fn msg(from: u32, cmd: u32, leader: u32, term: u32) -> Msg {
    Msg {
        cmd,
        request: 0,
        result: 0,
        reason: 0,
        from,
        ticket: tkt(),
        leader,
        term,
        valid_for: 5_000,
    }
}

/// consensus.md §7.10: the answers of grant and revoke at each kind of member.
#[test]
fn client_table() {
    let mut n = Net::new();
    let unknown = ClientRequest {
        cmd: code::CMD_GRANT,
        ticket: Name::new("nosuch").unwrap(),
        options: 0,
    };
    n.cores[0].handle_client(now(n.t), 1, &unknown);
    n.pump();
    assert_eq!(n.replies[0].1, code::INVALID_ARG, "row 1: unknown ticket");
    assert_eq!(
        n.client(1, code::CMD_REVOKE, 0).0,
        code::TICKET_IDLE,
        "row 3: not owned"
    );
    assert_eq!(
        n.client(0, code::CMD_GRANT, 0).0,
        code::MORE,
        "row 7: election started"
    );
    assert!(n.granted(0), "all members answered: granted at once");
    assert_eq!(
        n.client(0, code::CMD_GRANT, 0).0,
        code::OVERGRANT,
        "Q1: grant at the holder"
    );
    assert_eq!(
        n.client(1, code::CMD_GRANT, 0).0,
        code::OVERGRANT,
        "row 2: held elsewhere"
    );
    assert_eq!(
        n.client(1, code::CMD_REVOKE, 0),
        (code::REDIRECT, IDS[0]),
        "row 4: redirect names the leader"
    );
    assert_eq!(
        n.client(2, code::CMD_GRANT, 0).0,
        code::INVALID_ARG,
        "Q12: arbitrator fails fast"
    );
    assert_eq!(
        n.client(0, code::CMD_REVOKE, 0).0,
        code::SUCCESS,
        "row 6: revoke at the leader"
    );
    assert!(!n.granted(0));
    let v = n.cores[1].view(0).unwrap();
    assert_eq!((v.state, v.leader), (State::Init, Who::NoOne), "§7.8 row 5");
}

/// consensus.md §7.3 rows 2-3: a member holding a valid lease refuses other candidates;
/// row 1: a revoked member answers a TKT_LOST election with YOU_OUTDATED.
#[test]
fn vote_rejects() {
    let mut n = Net::new();
    n.client(0, code::CMD_GRANT, 0);
    let mut rv = msg(IDS[1], code::REQ_VOTE, IDS[1], 5);
    rv.reason = code::TKT_LOST;
    n.cores[2].handle_message(now(n.t), &rv);
    let a = next_non_log(&mut n.cores[2]);
    let Action::Send { to: 1, msg: r, .. } = a else {
        panic!("{a:?}")
    };
    assert_eq!((r.cmd, r.result), (code::REJECTED, code::TERM_STILL_VALID));
    n.client(0, code::CMD_REVOKE, 0);
    n.cores[2].handle_message(now(n.t), &rv);
    let a = next_non_log(&mut n.cores[2]);
    let Action::Send { msg: r, .. } = a else {
        panic!("{a:?}")
    };
    assert_eq!((r.cmd, r.result), (code::REJECTED, code::YOU_OUTDATED));
}

/// The next action that is not a log line (the reject is logged before it is sent).
fn next_non_log(c: &mut Core) -> Action {
    std::iter::from_fn(|| c.poll_action())
        .find(|a| !matches!(a, Action::Log { .. }))
        .expect("an action")
}

fn quiet(c: &mut Core) -> bool {
    std::iter::from_fn(|| c.poll_action())
        .filter(|a| !matches!(a, Action::Log { .. }))
        .inspect(|a| eprintln!("unexpected action: {a:?}"))
        .count()
        == 0
}

/// Issue 4 bad input: each is ignored (no message, no state change) and counted.
#[test]
fn bad_input_is_counted_and_ignored() {
    let mut n = Net::new();
    n.client(0, code::CMD_GRANT, 0);
    n.advance(n.t + 100);
    let c = &mut n.cores[1];
    let before = c.view(0).unwrap();
    let t = now(n.t);
    let cur = before.term;
    let mut m = msg(IDS[0], code::HEARTBEAT, IDS[0], cur);
    m.ticket = Name::new("nosuch").unwrap();
    c.handle_message(t, &m); // unknown ticket
    c.handle_message(t, &msg(0xDEAD, code::HEARTBEAT, 0xDEAD, cur)); // unknown sender
    c.handle_message(t, &msg(IDS[1], code::HEARTBEAT, IDS[1], cur)); // our own id
    c.handle_message(t, &msg(Msg::NO_ONE, code::REVOKE, Msg::NO_ONE, cur)); // C crashes
    c.handle_message(t, &msg(IDS[2], code::VOTE_FOR, IDS[2], cur)); // arbitrator for itself
    c.handle_message(t, &msg(IDS[0], code::HEARTBEAT, 0, cur)); // leader 0
    c.handle_message(t, &msg(IDS[2], code::HEARTBEAT, IDS[0], cur)); // arbitrator heartbeats
    let mut ack = msg(IDS[0], code::ACK, IDS[0], cur);
    ack.request = code::REVOKE; // a reply to a request we never made
    c.handle_message(t, &ack);
    // Q11: C aborts on a heartbeat whose leader is not its sender
    c.handle_message(t, &msg(IDS[0], code::HEARTBEAT, IDS[1], cur));
    assert!(quiet(c), "no answer to any of them");
    assert_eq!(c.view(0).unwrap(), before, "no state change");
    let k: Counters = c.counters();
    assert_eq!(k.unknown_ticket, 1);
    assert_eq!(k.unknown_sender, 2);
    assert_eq!(k.from_self, 1);
    assert_eq!(k.invalid_leader, 3);
    assert_eq!(k.unexpected, 1);
    // a request from an older term: answered as C does (a reject), nothing changes
    n.client(0, code::CMD_REVOKE, 0);
    n.client(0, code::CMD_GRANT, code::OPT_IMMEDIATE);
    let c = &mut n.cores[2];
    let before = c.view(0).unwrap();
    assert!(before.term > 0);
    c.handle_message(now(n.t), &msg(IDS[1], code::REQ_VOTE, IDS[1], 0));
    let replies: Vec<_> = std::iter::from_fn(|| c.poll_action())
        .filter_map(|a| match a {
            Action::Send { msg, .. } => Some((msg.cmd, msg.result)),
            _ => None,
        })
        .collect();
    assert!(
        replies.iter().all(|&(cmd, _)| cmd == code::REJECTED),
        "{replies:?}"
    );
    assert_eq!(c.view(0).unwrap(), before);
}

/// booth#68 (consensus.md §13.3 H2): the leader extends its lease on a majority of
/// HEARTBEAT acks, before anyone got the UPDATE. If every UPDATE is lost, the members
/// still hold the old lease end; C keeps the ticket until t_u + D and can overlap
/// a successor by up to F. We revoke at the lease end a majority acknowledged.
#[test]
fn lost_updates_do_not_extend_the_lease_booth68() {
    let mut n = Net::new();
    n.client(0, code::CMD_GRANT, 0);
    let granted_at = n.t;
    n.drop = |f, _, m| f == 0 && m.cmd == code::UPDATE;
    n.advance(granted_at + 30_000);
    let revoke = n.first_revoke_at(0).expect("the leader revoked locally");
    // The grant's UPDATE arrived (lease to g+D). The renewal at g+F extends the
    // leader's own lease to g+F+D but its UPDATE is lost: the members still hold g+D,
    // and the next renewal at g+2F = g+D comes too late. We revoke at g+D (minus the
    // drift margin); C would keep the ticket until g+F+D, F too long.
    assert!(
        revoke <= granted_at + 10_000,
        "revoked {} ms after the grant, after the members' lease ended",
        revoke - granted_at
    );
}

/// booth#17 / S3: a leader cut off from everyone revokes at its lease end, exactly,
/// without waiting for a resend round to wake it (C: up to T + P later).
#[test]
fn isolated_leader_revokes_at_lease_end_booth17() {
    let mut n = Net::new();
    n.client(0, code::CMD_GRANT, 0);
    let g = n.t;
    n.drop = |f, t, _| f == 0 || t == 0;
    n.advance(g + 60_000);
    let revoke = n.first_revoke_at(0).expect("revoked");
    assert!(
        revoke <= g + 10_000 + 1,
        "revoke {} ms after grant",
        revoke - g
    );
    let v = n.cores[0].view(0).unwrap();
    assert_ne!(v.state, State::Leader);
    // and the other site took over only after that
    let took = n.cib[1]
        .iter()
        .find(|(_, w)| matches!(w, CibWrite::Grant { .. }))
        .map(|(t, _)| *t)
        .expect("failover");
    assert!(
        took > revoke,
        "failover at {took}, old leader revoked at {revoke}"
    );
}

/// consensus.md §5.3 step 4, C `resend_msg`: only the unicast of `last_request` to the
/// members missing from `acks_received` is a resend (the shell counts it in `booth
/// peers`). Answered rounds, replies and the rebroadcast when nobody answered are not.
#[test]
fn only_unicast_retransmissions_are_marked_as_resends() {
    let mut n = Net::new();
    n.client(0, code::CMD_GRANT, 0);
    let g = n.t;
    n.advance(g + 12_000);
    assert!(n.resends.is_empty(), "all answered: {:?}", n.resends);
    // Site 1 goes silent (both ways); the arbitrator still answers: the leader has its
    // majority and retransmits to site 1 alone, at most R = 3 times per round.
    n.drop = |f, t, _| (f == 0 && t == 1) || (f == 1 && t == 0);
    let cut = n.t;
    n.advance(cut + 9_000);
    let from_leader: Vec<_> = n.resends.iter().filter(|r| r.1 == 0).collect();
    assert!(!from_leader.is_empty(), "no resend to the silent site");
    for &&(t, _, to, cmd) in &from_leader {
        assert_eq!(to, 1, "resent to a member that answered at {t}");
        assert!(
            cmd == code::HEARTBEAT || cmd == code::UPDATE,
            "resent {cmd:08x} at {t}"
        );
    }
    let rounds = n
        .broadcasts
        .iter()
        .filter(|b| b.1 == 0 && b.0 > cut)
        .count();
    assert!(
        from_leader.len() <= 3 * rounds,
        "{} resends for {rounds} rounds",
        from_leader.len()
    );
    // Nobody answers: the resend engine rebroadcasts (only self acked), which C does
    // not count as a resend either.
    let mut n = Net::new();
    n.client(0, code::CMD_GRANT, 0);
    let g = n.t;
    n.drop = |f, _, _| f == 0;
    let before = n.broadcasts.iter().filter(|b| b.1 == 0).count();
    // renewal at g+F = 5 s, unanswered: rebroadcast at 6 s and 7 s
    n.advance(g + 7_500);
    let after = n.broadcasts.iter().filter(|b| b.1 == 0).count();
    assert!(
        after >= before + 3,
        "the leader rebroadcast: {:?}",
        n.broadcasts
    );
    assert!(
        n.resends.iter().all(|r| r.1 != 0),
        "rebroadcasts marked as resends: {:?}",
        n.resends
    );
}

/// No input panics the core (issue 4: "no panic on any input"): 30,000 random
/// datagrams, client requests and Pacemaker/handler reports, fields drawn from the
/// values that matter (member ids, NO_ONE, 0, extremes, every opcode and code).
#[test]
fn random_input_never_panics() {
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let pick = |r: u64, v: &[u32]| v[usize::try_from(r % v.len() as u64).unwrap()];
    let ops = [
        code::STATUS,
        code::MY_INDEX,
        code::REQ_VOTE,
        code::VOTE_FOR,
        code::HEARTBEAT,
        code::ACK,
        code::UPDATE,
        code::REVOKE,
        code::REJECTED,
        0,
        0xFFFF_FFFF,
    ];
    let ids = [IDS[0], IDS[1], IDS[2], 0, Msg::NO_ONE, 0x7777];
    let codes = [
        0,
        code::TERM_OUTDATED,
        code::TERM_STILL_VALID,
        code::YOU_OUTDATED,
        code::TKT_LOST,
        code::STEPDOWN,
        code::ADMIN,
        code::REACQUIRE,
        0xFFFF_FFFF,
    ];
    let terms = [0, 1, 2, 3, 1000, u32::MAX - 1, u32::MAX];
    let valids = [0, 1, 5, 999, 10_000, 2_147_484, u32::MAX];
    for round in 0..3 {
        let mut n = Net::new();
        if round > 0 {
            n.client(0, code::CMD_GRANT, 0);
        }
        for _ in 0..10_000 {
            let k = usize::try_from(rnd() % 3).unwrap();
            n.t += rnd() % 700;
            let t = now(n.t);
            let c = &mut n.cores[k];
            match rnd() % 10 {
                0 => {
                    let req = ClientRequest {
                        cmd: pick(rnd(), &[code::CMD_GRANT, code::CMD_REVOKE, 7]),
                        ticket: if rnd() % 4 == 0 {
                            Name([0xFF; 64])
                        } else {
                            tkt()
                        },
                        options: u32::try_from(rnd() % 8).unwrap(),
                    };
                    c.handle_client(t, rnd(), &req);
                }
                1 => c.handle_handler_exit(t, usize::try_from(rnd() % 3).unwrap(), 1),
                2 => c.handle_cib_written(t, usize::try_from(rnd() % 3).unwrap(), false),
                3 => c.handle_timeout(t),
                _ => {
                    let m = Msg {
                        cmd: pick(rnd(), &ops),
                        request: pick(rnd(), &ops),
                        result: pick(rnd(), &codes),
                        reason: pick(rnd(), &codes),
                        from: pick(rnd(), &ids),
                        ticket: if rnd() % 8 == 0 {
                            Name([b'x'; 64])
                        } else {
                            tkt()
                        },
                        leader: pick(rnd(), &ids),
                        term: pick(rnd(), &terms),
                        valid_for: pick(rnd(), &valids),
                    };
                    c.handle_message(t, &m);
                }
            }
            n.pump();
            for c in &n.cores {
                let _ = c.next_deadline();
            }
        }
    }
}
