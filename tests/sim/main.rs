//! Deterministic simulation of whole booth clusters running the real core and
//! every message through bytes (issue 4). One seed drives everything.
//!
//! * `cargo test --test sim` runs 2,000 seeds and the exhaustive search.
//! * `SIM_SEEDS=100000 cargo test --release --test sim soak -- --nocapture` soaks.
//! * `SIM_SEED=<n> cargo test --test sim replay -- --nocapture` replays one seed with
//!   a trace.

mod codec;
mod exhaustive;
mod monitor;
mod rng;
mod world;

use booth::core::{code, Mode, TicketParams};
use rng::Rng;
use world::{ticket_name, Ev, Fault, Knobs, World};

/// Everything random about a run, derived from its seed.
fn knobs(rng: &mut Rng) -> Knobs {
    let topo = [(2, 1), (3, 0), (2, 1), (3, 2), (2, 0), (4, 1), (3, 1)];
    let (sites, arbs) = topo[rng.pick(topo.len())];
    let mut p = TicketParams::new(ticket_name());
    p.timeout = 1_000;
    p.retries = 3;
    p.expire = [10_000, 12_000, 16_000][rng.pick(3)];
    p.renewal_freq = p.expire / 2;
    p.acquire_after = [0, 0, 1_000, 3_000][rng.pick(4)];
    p.has_handler = rng.chance(200);
    p.mode = if rng.chance(50) {
        Mode::Manual
    } else {
        Mode::Auto
    };
    Knobs {
        sites,
        arbs,
        params: p,
        ms_mode: rng.chance(500),
        delay: if rng.chance(500) { (1, 30) } else { (5, 150) },
        handler_fail: [0, 50, 300][rng.pick(3)],
        handler_hang: if rng.chance(100) { 100 } else { 0 },
        cib_slow: [0, 20, 200][rng.pick(3)],
        cib_load_fail: [0, 0, 100][rng.pick(3)],
    }
}

/// A random fault schedule: faults during [5 s, heal), then everything heals.
fn schedule_faults(w: &mut World, heal: u64) {
    let n = w.n();
    let sites = w.knobs.sites;
    let d = w.knobs.params.expire;
    let first = w.rng.range(2_000, 4_000);
    let grantee = w.rng.pick(sites);
    let opts = [0, code::OPT_IMMEDIATE, code::OPT_WAIT][w.rng.pick(3)];
    w.schedule(
        first,
        Ev::Fault(Fault::Grant {
            node: grantee,
            options: opts,
        }),
    );
    let faults = w.rng.range(3, 16);
    for _ in 0..faults {
        let at = w.rng.range(5_000, heal);
        let dur = w.rng.range(500, 3 * d);
        let until = (at + dur).min(heal);
        let k = w.rng.pick(n);
        match w.rng.range(0, 11) {
            0 | 1 => {
                // isolate k, one or both directions
                let dir = w.rng.range(0, 2);
                for j in (0..n).filter(|&j| j != k) {
                    for (from, to) in [(k, j), (j, k)] {
                        if (dir == 0 && from == k) || (dir == 1 && to == k) || dir == 2 {
                            w.schedule(at, Ev::Fault(Fault::Cut { from, to, on: true }));
                            w.schedule(
                                until,
                                Ev::Fault(Fault::Cut {
                                    from,
                                    to,
                                    on: false,
                                }),
                            );
                        }
                    }
                }
            }
            2 => {
                let j = w.rng.pick(n);
                if j != k {
                    w.schedule(
                        at,
                        Ev::Fault(Fault::Cut {
                            from: k,
                            to: j,
                            on: true,
                        }),
                    );
                    w.schedule(
                        until,
                        Ev::Fault(Fault::Cut {
                            from: k,
                            to: j,
                            on: false,
                        }),
                    );
                }
            }
            3 => {
                w.schedule(at, Ev::Fault(Fault::Crash { node: k }));
                w.schedule(until, Ev::Fault(Fault::Restart { node: k }));
            }
            4 => {
                w.schedule(at, Ev::Fault(Fault::Pause { node: k }));
                w.schedule(until, Ev::Fault(Fault::Resume { node: k }));
            }
            5 => {
                let loss = [100, 300, 700][w.rng.pick(3)];
                let dup = [0, 100, 300][w.rng.pick(3)];
                w.schedule(
                    at,
                    Ev::Fault(Fault::Loss {
                        per_mille: loss,
                        dup,
                    }),
                );
                w.schedule(
                    until,
                    Ev::Fault(Fault::Loss {
                        per_mille: 0,
                        dup: 0,
                    }),
                );
            }
            6 => {
                let delta = i64::try_from(w.rng.range(0, 7_200_000)).unwrap() - 3_600_000;
                w.schedule(at, Ev::Fault(Fault::WallStep { node: k, delta }));
            }
            7 => {
                let node = w.rng.pick(sites);
                let options = [0, code::OPT_IMMEDIATE, code::OPT_WAIT_COMMIT][w.rng.pick(3)];
                w.schedule(at, Ev::Fault(Fault::Grant { node, options }));
            }
            8 => {
                // revokes in a fifth of the runs only, so L1 is checked in the others
                if w.rng.chance(200) {
                    let node = w.rng.pick(sites);
                    w.schedule(at, Ev::Fault(Fault::Revoke { node }));
                }
            }
            _ => {
                for i in 0..4 {
                    let kind = u8::try_from(w.rng.range(0, 5)).unwrap();
                    w.schedule(at + i * 37, Ev::Fault(Fault::Inject { to: k, kind }));
                }
            }
        }
    }
    w.schedule(heal, Ev::Fault(Fault::HealAll));
}

pub struct Outcome {
    pub steps: u64,
    pub grants: u64,
    pub failovers: u64,
    pub term_decreases: u64,
    pub elections_won: u64,
    pub l1_miss: bool,
}

/// Run one seed; `Err` carries the first invariant failure.
pub fn run_seed(seed: u64, trace: bool, l1_soft: bool) -> Result<Outcome, (String, Vec<String>)> {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let k = knobs(&mut rng);
    let p = k.params;
    let mut w = World::new(seed, k, trace);
    w.mon.l1_soft = l1_soft;
    let heal = w.rng.range(40_000, 90_000);
    schedule_faults(&mut w, heal);
    w.boot_all();
    // L1 bound (issue 4): expire + acquire-after + (retries+1)·timeout after healing,
    // plus the quarantine of nodes restarted by the heal (booth-rs, one expire) and
    // the election back-off and round trips (2 s).
    let l1 = 2 * p.expire + p.acquire_after + p.timeout * (u64::from(p.retries) + 1) + 2_000;
    let end = heal + l1;
    let mut t = 0;
    while t < end {
        t = (t + 1_000).min(end);
        w.run_until(t);
        if w.mon.failure.is_some() {
            break;
        }
    }
    if w.mon.failure.is_none() {
        let nodes = std::mem::take(&mut w.nodes);
        w.mon.check_end(w.t, &nodes);
        w.nodes = nodes;
    }
    match w.mon.failure.take() {
        Some(f) => Err((
            format!("{f}\n  knobs: {:?}", w.knobs),
            w.trace.take().unwrap_or_default(),
        )),
        None => Ok(Outcome {
            steps: w.steps,
            grants: w.mon.grants_written,
            failovers: w.mon.failovers,
            term_decreases: w.mon.term_decreases,
            l1_miss: w.mon.l1_miss.is_some(),
            elections_won: w.mon.elections_won,
        }),
    }
}

fn run_range(from: u64, count: u64, l1_soft: bool) -> (u64, u64, u64, u64) {
    let (mut steps, mut grants, mut fo, mut dec) = (0, 0, 0, 0);
    let mut l1_misses = 0;
    for seed in from..from + count {
        match run_seed(seed, false, l1_soft) {
            Ok(o) => {
                steps += o.steps;
                grants += o.grants;
                fo += o.failovers;
                dec += o.term_decreases;
                if o.l1_miss {
                    l1_misses += 1;
                    println!("L1 miss: seed {seed}");
                }
            }
            Err((f, _)) => panic!(
                "seed {seed} failed: {f}\n  replay: SIM_SEED={seed} cargo test --test sim replay -- --nocapture"
            ),
        }
    }
    println!("seeds {from}..{}: {steps} steps, {grants} CIB grants, {fo} failovers, {dec} term decreases (C semantics), {l1_misses} L1 misses", from + count);
    (steps, grants, fo, dec)
}

// 2,000 seeds in four parts so that the test harness spreads them over the cores.
#[test]
fn seeds_0000_0499() {
    run_range(0, 500, false);
}
#[test]
fn seeds_0500_0999() {
    run_range(500, 500, false);
}
#[test]
fn seeds_1000_1499() {
    run_range(1_000, 500, false);
}
#[test]
fn seeds_1500_1999() {
    run_range(1_500, 500, false);
}

/// The checkers can fail: a vote nobody sent (forged onto the wire to a site cut off
/// from everyone) makes that site leader, and S2 must say it leads without a majority.
#[test]
fn checkers_flag_a_leader_elected_by_a_forged_vote() {
    let mut p = TicketParams::new(ticket_name());
    p.timeout = 1_000;
    p.retries = 3;
    p.expire = 10_000;
    p.renewal_freq = 5_000;
    let knobs = Knobs {
        sites: 2,
        arbs: 1,
        params: p,
        ms_mode: false,
        delay: (5, 150),
        handler_fail: 0,
        handler_hang: 0,
        cib_slow: 0,
        cib_load_fail: 0,
    };
    let mut w = World::new(1, knobs, false);
    w.boot_all();
    w.run_until(20_000);
    assert!(w.mon.failure.is_none(), "{:?}", w.mon.failure);
    for j in 1..3 {
        w.fault(Fault::Cut {
            from: 0,
            to: j,
            on: true,
        });
        w.fault(Fault::Cut {
            from: j,
            to: 0,
            on: true,
        });
    }
    w.fault(Fault::Grant {
        node: 0,
        options: 0,
    });
    w.run_until(20_100);
    let v = w.nodes[0]
        .core
        .as_ref()
        .and_then(|c| c.view(0))
        .expect("n0 runs");
    assert_eq!(v.state, booth::core::State::Candidate, "{v:?}");
    let vote = booth::core::Msg {
        cmd: code::VOTE_FOR,
        request: code::REQ_VOTE,
        result: 0,
        reason: 0,
        from: w.nodes[2].member.id,
        ticket: ticket_name(),
        leader: w.nodes[0].member.id,
        term: v.term,
        valid_for: 0,
    };
    w.fault(Fault::Forge { to: 0, msg: vote });
    w.run_until(25_000);
    let failure = w.mon.failure.clone().unwrap_or_default();
    assert!(
        failure.contains("S2: n0 leads term") && failure.contains("with 1 votes"),
        "the checker missed it: {failure:?}"
    );
}

/// Soak seeds that once failed, replayed on every run: 1,000,940 and 1,096,793 (S2, a
/// paused leader past its lease still says LEADER while an amnesic arbitrator re-votes
/// its term), 1,029,987 (L1, a step-down by a leader the last site never heard of) and
/// 1,105,200 (S1, a restarted site acked a lease with valid_for 0 and voted it away),
/// 1,112,654 (runaway: two members in quarantine asked each other for STATUS for ever,
/// the answers dropped as stale), 1,298,545 and 1,168,877 (S1: a restarted arbitrator
/// acked a stale leader; a stale ADMIN reason passed the quarantine), 1,124,431 (S1: a
/// restarted holder left its inherited CIB grant past the lease it stated), 1,299,080
/// (S1: that lease, stretched by a wall-clock step, is bounded by the members' answers),
/// 1,199,640 (S1: two amnesic members' answers ended a quarantine), 1,125,611 (S1: an
/// older term's view replaced a valid lease copy), 1,646,485, 1,874,688 and 1,977,396
/// (S1: a peer's late view told a follower it led; it reclaimed against the lease it
/// had acked), 143,051 and 1,355,650 (S2/S1: a voter in quarantine trusted a leader
/// that only that leader's own answer had named), 2,035,339 (S1: an expired view's term
/// made a restarted site drop, as stale, the answer that carried a running lease),
/// 1,830,556 (a grant lost with its crashing process was counted as held: S1 now counts
/// a grant from the moment Pacemaker holds it, see `World`), 1,058,906 (S1: a reject
/// carrying an expired copy shortened the lease copy a candidate had acked).
#[test]
fn soak_regressions() {
    for seed in [
        1_000_940, 1_029_987, 1_096_793, 1_105_200, 1_112_654, 1_124_431, 1_125_611, 1_168_877,
        1_199_640, 1_298_545, 1_299_080, 1_646_485, 1_874_688, 1_977_396, 143_051, 1_355_650,
        2_035_339, 1_830_556, 1_058_906,
    ] {
        if let Err((f, _)) = run_seed(seed, false, false) {
            panic!("seed {seed} failed: {f}\n  replay: SIM_SEED={seed} cargo test --test sim replay -- --nocapture");
        }
    }
}

/// `SIM_SEEDS=N [SIM_SEED_START=s]`: a soak over N more seeds.
#[test]
fn soak() {
    let Some(n) = std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()) else {
        return;
    };
    let start = std::env::var("SIM_SEED_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // Soaks fail on every invariant, L1 included (0 misses in seeds 0..100,000);
    // SIM_L1_SOFT=1 counts L1 misses instead, to look for more after a change.
    run_range(start, n, std::env::var_os("SIM_L1_SOFT").is_some());
}

/// `SIM_SEED=n`: replay one seed and print its trace.
#[test]
fn replay() {
    let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) else {
        return;
    };
    match run_seed(seed, true, false) {
        Ok(o) => println!("seed {seed} ok: {} steps, {} grants", o.steps, o.grants),
        Err((f, trace)) => {
            for l in &trace {
                println!("{l}");
            }
            panic!("seed {seed}: {f}");
        }
    }
}
