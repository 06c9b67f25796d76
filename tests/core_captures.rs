//! The core against real C traffic (tests/vectors/captures, consensus.md §15.4): a
//! grant, a renewal and a revoke with all three members up produce, message for
//! message, the datagrams the C daemons exchanged (cmd, request, reason, leader,
//! term, valid_for), given the same members and ticket.

mod core_setup;

use booth::core::{code, Action, ClientRequest, Core, Kind, Member, Msg, Name, Now, TicketParams};
use std::collections::VecDeque;

const NODES: [(&str, &str, u32, Kind); 3] = [
    ("site1", "192.168.77.11", 0x5267_d502, Kind::Site),
    ("site2", "192.168.77.12", 0x4c03_40a1, Kind::Site),
    ("arb1", "192.168.77.101", 0x786d_995d, Kind::Arbitrator),
];
const BASE: u64 = 10_000_000;

fn now(t: u64) -> Now {
    Now {
        mono: BASE + t,
        wall_ms: 1_764_000_000_000 + i64::try_from(t).unwrap(),
    }
}

fn name_of(id: u32) -> String {
    if id == Msg::NO_ONE {
        return "NO_ONE".into();
    }
    NODES
        .iter()
        .find(|n| n.2 == id)
        .map_or(format!("{id:#010x}"), |n| n.0.to_string())
}

fn fourcc(c: u32) -> String {
    c.to_be_bytes().iter().map(|&b| char::from(b)).collect()
}

/// One datagram in the capture's notation.
fn line(from: usize, to: usize, m: &Msg) -> String {
    let mut s = format!("{} > {} {}", NODES[from].1, NODES[to].1, fourcc(m.cmd));
    if m.request != 0 {
        s += &format!(" req={}", fourcc(m.request));
    }
    s += &format!(" from={}", NODES[from].0);
    if m.reason != 0 {
        s += &format!(" why={}", fourcc(m.reason));
    }
    if m.result != 0 {
        s += &format!(" res={}", fourcc(m.result));
    }
    s + &format!(
        " leader={} term={} valid={}",
        name_of(m.leader),
        m.term,
        m.valid_for
    )
}

/// The capture's UDP lines, in the same notation.
fn capture(file: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/vectors/captures/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| l.contains(" UDP "))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let ip = |s: &str| s.split(':').next().unwrap().to_string();
            let mut out = format!("{} > {} {}", ip(w[2]), ip(w[4]), w[5]);
            for f in &w[6..] {
                if f.starts_with("len=") || f.starts_with("tkt=") {
                    continue;
                }
                out += " ";
                out += f;
            }
            out
        })
        .collect()
}

/// Same datagrams, and the leader's own sends in the same order; replies may
/// interleave differently (the capture's order depends on each peer's latency).
fn assert_same(ours: &[String], theirs: &[String]) {
    let mut a = ours.to_vec();
    let mut b = theirs.to_vec();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same datagrams");
    let leader = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|l| l.starts_with("192.168.77.11 "))
            .cloned()
            .collect()
    };
    assert_eq!(leader(ours), leader(theirs), "the leader's sends in order");
}

struct Cluster {
    cores: Vec<Core>,
    t: u64,
    net: VecDeque<(usize, usize, Msg)>,
    log: Vec<String>,
}

impl Cluster {
    fn new() -> Cluster {
        let members: Vec<Member> = NODES
            .iter()
            .map(|n| Member { id: n.2, kind: n.3 })
            .collect();
        let mut p = TicketParams::new(Name::new("tA").unwrap());
        p.expire = 20_000;
        p.timeout = 2_000;
        p.retries = 3;
        p.renewal_freq = 10_000;
        let cores = core_setup::cores(&members, p, false, 1);
        let mut c = Cluster {
            cores,
            t: 0,
            net: VecDeque::new(),
            log: Vec::new(),
        };
        for k in 0..3 {
            c.cores[k].start(now(0));
        }
        c.run();
        c.log.clear();
        c
    }

    /// Carry out actions and deliver every datagram, first sent first delivered.
    fn run(&mut self) {
        loop {
            for k in 0..3 {
                while let Some(a) = self.cores[k].poll_action() {
                    match a {
                        Action::Send { to, msg, .. } => self.net.push_back((k, to, msg)),
                        Action::Broadcast { msg } => {
                            for j in (0..3).filter(|&j| j != k) {
                                self.net.push_back((k, j, msg));
                            }
                        }
                        Action::CibLoad { ticket } => {
                            self.cores[k].handle_cib_loaded(now(self.t), ticket, None)
                        }
                        _ => {}
                    }
                }
            }
            let Some((f, to, m)) = self.net.pop_front() else {
                return;
            };
            self.log.push(line(f, to, &m));
            self.cores[to].handle_message(now(self.t), &m);
        }
    }

    fn client(&mut self, k: usize, cmd: u32) {
        let req = ClientRequest {
            cmd,
            ticket: Name::new("tA").unwrap(),
            options: 0,
        };
        self.cores[k].handle_client(now(self.t), 1, &req);
        self.run();
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
            self.run();
        }
        self.t = to;
    }
}

/// `noauth-3-grant`: RVot(Admn) → VtFr → HrtB(19) → Ack(18) → UpdE(19) → Ack(18).
#[test]
fn grant_matches_capture() {
    let mut c = Cluster::new();
    c.advance(3_000);
    c.log.clear();
    c.client(0, code::CMD_GRANT);
    assert_same(&c.log, &capture("noauth-3-grant.txt"));
}

/// `noauth-4-renewal`: every expire/2 the leader sends HrtB (9 s left) and UpdE (19).
#[test]
fn renewal_matches_capture() {
    let mut c = Cluster::new();
    c.advance(3_000);
    c.client(0, code::CMD_GRANT);
    c.advance(3_000 + 9_999);
    c.log.clear();
    c.advance(3_000 + 10_000 + 21_000);
    assert_same(&c.log, &capture("noauth-4-renewal.txt"));
}

/// `noauth-5-revoke`: a renewal round, then Revk(Admn, NO_ONE) and Ack(req=Revk).
#[test]
fn revoke_matches_capture() {
    let mut c = Cluster::new();
    c.advance(3_000);
    c.client(0, code::CMD_GRANT);
    c.advance(3_000 + 9_999);
    c.log.clear();
    c.advance(3_000 + 10_000);
    c.client(0, code::CMD_REVOKE);
    assert_same(&c.log, &capture("noauth-5-revoke.txt"));
}
