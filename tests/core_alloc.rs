//! Issue 4 item 3: steady state allocates nothing. A leader and two followers run
//! 10,000 renewals (HEARTBEAT, ACKs, UPDATE, ACKs, CIB writes) through the real core
//! under a counting global allocator; after warm-up the count must not move.
//! Only the test's own thread is counted: the test harness's threads (output capture,
//! the timeout watchdog) allocate when they like, which made the count flaky under load.

use booth::core::{
    code, Action, ClientRequest, Core, Kind, Member, Msg, Name, Now, Setup, TicketParams,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Set on the thread under measurement (const-initialised: no allocation to reach it).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.with(Cell::get) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BASE: u64 = 5_000_000;

fn now(t: u64) -> Now {
    Now {
        mono: BASE + t,
        wall_ms: 1_700_000_000_000 + i64::try_from(t).unwrap(),
    }
}

/// Run every core's actions: messages go into `net` (capacity reserved up front).
fn pump(cores: &mut [Core], net: &mut Vec<(usize, Msg)>, t: u64, updates: &mut u64) {
    loop {
        for k in 0..cores.len() {
            while let Some(a) = cores[k].poll_action() {
                match a {
                    Action::Send { to, msg, .. } => net.push((to, msg)),
                    Action::Broadcast { msg } => {
                        if k == 0 && msg.cmd == code::UPDATE {
                            *updates += 1;
                        }
                        for j in (0..cores.len()).filter(|&j| j != k) {
                            net.push((j, msg));
                        }
                    }
                    Action::CibLoad { ticket } => cores[k].handle_cib_loaded(now(t), ticket, None),
                    _ => {}
                }
            }
        }
        if net.is_empty() {
            return;
        }
        // deliver in order; handling may queue more
        let mut i = 0;
        while i < net.len() {
            let (to, msg) = net[i];
            cores[to].handle_message(now(t), &msg);
            i += 1;
        }
        net.clear();
    }
}

#[test]
fn ten_thousand_renewals_allocate_nothing() {
    let members = vec![
        Member {
            id: 0x1111,
            kind: Kind::Site,
        },
        Member {
            id: 0x2222,
            kind: Kind::Site,
        },
        Member {
            id: 0x3333,
            kind: Kind::Arbitrator,
        },
    ];
    let mut p = TicketParams::new(Name::new("tkt").unwrap());
    p.expire = 10_000;
    p.timeout = 1_000;
    p.retries = 3;
    p.renewal_freq = 5_000;
    let mut cores: Vec<Core> = (0..3)
        .map(|k| {
            let setup = Setup {
                members: members.clone(),
                local: k,
                ms_mode: false,
                tickets: vec![p],
            };
            Core::new(setup, 7 + k as u64).unwrap()
        })
        .collect();
    let mut net: Vec<(usize, Msg)> = Vec::with_capacity(256);
    let mut updates = 0;
    let mut t = 0;
    for c in cores.iter_mut() {
        c.start(now(t));
    }
    pump(&mut cores, &mut net, t, &mut updates);
    t += 1_500;
    for c in cores.iter_mut() {
        c.handle_timeout(now(t));
    }
    pump(&mut cores, &mut net, t, &mut updates);
    let grant = ClientRequest {
        cmd: code::CMD_GRANT,
        ticket: Name::new("tkt").unwrap(),
        options: code::OPT_IMMEDIATE,
    };
    cores[0].handle_client(now(t), 1, &grant);
    pump(&mut cores, &mut net, t, &mut updates);

    COUNTED.with(|c| c.set(true));
    // The counter must see this thread: one deliberate allocation.
    let before = ALLOCS.load(Ordering::Relaxed);
    drop(std::hint::black_box(Box::new(0u64)));
    assert!(
        ALLOCS.load(Ordering::Relaxed) > before,
        "the counter sees this thread's allocations"
    );
    let mut warm = None;
    while updates < 10_010 {
        if updates == 10 && warm.is_none() {
            warm = Some(ALLOCS.load(Ordering::Relaxed));
        }
        // wake whoever is due next, exactly at its deadline
        let next = cores
            .iter()
            .filter_map(|c| c.next_deadline())
            .min()
            .unwrap();
        t = next - BASE;
        for c in cores.iter_mut() {
            if c.next_deadline().is_some_and(|d| d <= next) {
                c.handle_timeout(now(t));
            }
        }
        pump(&mut cores, &mut net, t, &mut updates);
        assert!(t < 100_000_000, "renewals stalled at {updates}");
    }
    let after = ALLOCS.load(Ordering::Relaxed);
    COUNTED.with(|c| c.set(false));
    println!(
        "{updates} renewals over {} s of simulated time, {} allocations after warm-up",
        t / 1000,
        after - warm.unwrap()
    );
    let leader = cores[0].view(0).unwrap();
    assert_eq!(
        leader.state,
        booth::core::State::Leader,
        "site 0 kept the ticket"
    );
    assert!(
        warm.unwrap() > 0,
        "the counter sees this thread's warm-up allocations"
    );
    assert_eq!(
        after - warm.unwrap(),
        0,
        "allocations during 10,000 renewals"
    );
}
