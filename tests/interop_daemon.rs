//! Our `boothd` in formations with the C daemon and alone (issue 5's proof): grant,
//! revoke, kill -9 failover, restart, wrong keys, isolation, and `boothd status`.
//! Every scenario also checks, from the recorded `crm_ticket` calls, that no two sites
//! were granted at once (consensus.md §15.1 S1; the checker is `harness::history`).

mod harness;

use std::time::{Duration, Instant};

use harness::history::{assert_no_overlap, assert_revoked_by_expiry, first_grant_after, wall};
use harness::{poll_until, Formation, Impl, Spec};

/// The lease length of these tests, in seconds.
const EXPIRE: u32 = 10;

/// Short timings so failovers take seconds: 1 s × (3 + 1) < renewal 5 s (surface.md §1.5).
fn spec(sites: usize, arbs: usize) -> Spec {
    let mut s = Spec::new(sites, arbs);
    s.expire = EXPIRE;
    s.timeout = 1;
    s.retries = 3;
    s
}

fn with_ours(mut s: Spec, nodes: &[&str]) -> Spec {
    for n in nodes {
        s.daemon_for.insert((*n).to_string(), harness::ours());
    }
    s
}

/// `booth list` at `node` with the C client.
fn list(f: &Formation, node: &str) -> String {
    let conf = f.conf(node);
    let out = f.booth(&Impl::c(), node, &["list", "-c", &conf]);
    assert_eq!(out.code, 0, "{node}: {out}");
    harness::mask(&out.stdout)
}

/// Waits until every live member's `booth list` names `leader` (an address, or NONE).
fn wait_all_agree(f: &Formation, nodes: &[&str], leader: &str, within: Duration) -> bool {
    poll_until(within, || {
        nodes
            .iter()
            .all(|n| list(f, n).starts_with(&format!("ticket: tA, leader: {leader}")))
    })
}

fn grant(f: &Formation, client: &Impl, node: &str) -> harness::Output {
    let conf = f.conf(node);
    f.booth(client, node, &["grant", "-c", &conf, "tA"])
}

/// Grant at `holder`, kill it, wait for `other` to take over; returns the failover time
/// measured from the kill to `other`'s `-g` in its crm_ticket log.
fn failover(f: &mut Formation, holder: &str, other: &str, nodes_alive: &[&str]) -> f64 {
    let out = grant(f, &Impl::c(), holder);
    assert_eq!(out.code, 0, "{out}");
    let holder_addr = f.addr(holder);
    assert!(
        wait_all_agree(f, nodes_alive, &holder_addr, Duration::from_secs(5)),
        "not all agree on {holder_addr}"
    );
    let killed_at = wall();
    f.kill(holder);
    let survivors: Vec<&str> = nodes_alive
        .iter()
        .copied()
        .filter(|n| *n != holder)
        .collect();
    let other_addr = f.addr(other);
    assert!(
        wait_all_agree(f, &survivors, &other_addr, Duration::from_secs(25)),
        "no failover to {other}: {}",
        f.daemon_log(other)
    );
    let granted = poll_until(Duration::from_secs(5), || {
        first_grant_after(f, other, killed_at).is_some()
    });
    assert!(granted, "{other} never wrote -g: {}", f.crm_log(other));
    first_grant_after(f, other, killed_at).unwrap_or(0.0) - killed_at
}

/// issue 5: one implementation alone, 2 sites + 1 arbitrator: grant, revoke, kill -9 of
/// the holder and failover, restart of the old holder which then follows. Run with ours,
/// and with C as the oracle.
fn alone(imp: &Impl, auth: bool) {
    skip_unless_ready!();
    let mut s = spec(2, 1).auth(auth);
    s.daemon = imp.boothd.clone();
    let mut f = Formation::new(s);
    let nodes = ["site1", "site2", "arb1"];
    let ours = imp.clone();

    let out = grant(&f, &ours, "site1");
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("grant succeeded!"), "{out}");
    assert!(wait_all_agree(
        &f,
        &nodes,
        &f.addr("site1"),
        Duration::from_secs(5)
    ));
    assert_eq!(f.cib_attr("site1", "tA", "granted").stdout.trim(), "true");

    let conf = f.conf("site2");
    let out = f.booth(&ours, "site2", &["revoke", "-c", &conf, "tA"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("revoke succeeded!"), "{out}");
    assert!(wait_all_agree(&f, &nodes, "none", Duration::from_secs(5)));
    assert_eq!(f.cib_attr("site1", "tA", "granted").stdout.trim(), "false");

    let took = failover(&mut f, "site1", "site2", &nodes);
    eprintln!(
        "{} alone (auth {auth}): failover after kill -9 in {took:.2} s",
        imp.name
    );
    // Remaining lease (at most expire 10 s) + acquire-after 0 + election (≤ timeout·(R+1)).
    assert!(took < 10.0 + 4.0 + 1.0, "failover took {took:.2} s");

    f.start("site1");
    assert!(
        wait_all_agree(&f, &nodes, &f.addr("site2"), Duration::from_secs(5)),
        "restarted site1 does not follow site2"
    );
    // The restarted old holder revoked locally: its CIB says not granted.
    assert!(poll_until(Duration::from_secs(5), || f
        .cib_attr("site1", "tA", "granted")
        .stdout
        .trim()
        == "false"));
    assert_no_overlap(&f, &["site1", "site2"]);
}

#[test]
fn all_ours_grant_revoke_failover_restart() {
    alone(&Impl::ours(), false);
}

#[test]
fn all_ours_with_authfile() {
    alone(&Impl::ours(), true);
}

#[test]
fn all_c_grant_revoke_failover_restart_oracle() {
    alone(&Impl::c(), false);
}

/// issue 5: ours in turn as site1, site2 and arb1 with C daemons elsewhere. A grant through
/// the C client on a C site and one on ours (when ours is a site); `booth list` agrees on
/// every member; failover after kill -9 of the holder; restart follows.
fn mixed(ours_at: &str) {
    skip_unless_ready!();
    let nodes = ["site1", "site2", "arb1"];
    let mut f = Formation::new(with_ours(spec(2, 1), &[ours_at]));
    let c = Impl::c();
    let c_site = if ours_at == "site1" { "site2" } else { "site1" };

    let out = grant(&f, &c, c_site);
    assert_eq!(out.code, 0, "{out}");
    assert!(wait_all_agree(
        &f,
        &nodes,
        &f.addr(c_site),
        Duration::from_secs(5)
    ));
    let conf = f.conf(c_site);
    let out = f.booth(&c, c_site, &["revoke", "-c", &conf, "tA"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(wait_all_agree(&f, &nodes, "none", Duration::from_secs(5)));

    // The holder for the failover: ours when ours is a site, else site1 (C).
    let (holder, other) = match ours_at {
        "arb1" => ("site1", "site2"),
        s => (s, if s == "site1" { "site2" } else { "site1" }),
    };
    let took = failover(&mut f, holder, other, &nodes);
    eprintln!(
        "mixed, ours at {ours_at}: holder {holder} killed, {other} granted after {took:.2} s"
    );
    assert!(took < 15.0, "failover took {took:.2} s");
    f.start(holder);
    assert!(
        wait_all_agree(&f, &nodes, &f.addr(other), Duration::from_secs(5)),
        "restarted {holder} does not follow {other}"
    );
    assert_no_overlap(&f, &["site1", "site2"]);
}

#[test]
fn mixed_ours_as_site1() {
    mixed("site1");
}

#[test]
fn mixed_ours_as_site2() {
    mixed("site2");
}

#[test]
fn mixed_ours_as_arbitrator() {
    mixed("arb1");
}

/// issue 5: a wrong key on our arbitrator keeps it out and is logged; the sites still
/// grant with 2 of 3 votes, after one timeout (as the all-C lab shows).
#[test]
fn wrong_key_on_our_arbitrator_keeps_it_out() {
    skip_unless_ready!();
    let mut s = with_ours(spec(2, 1).auth(true), &["arb1"]);
    s.other_key.push("arb1".into());
    let f = Formation::new(s);
    let out = grant(&f, &Impl::c(), "site1");
    assert_eq!(out.code, 0, "{out}");
    assert!(wait_all_agree(
        &f,
        &["site1", "site2"],
        &f.addr("site1"),
        Duration::from_secs(5)
    ));
    assert!(list(&f, "arb1").starts_with("ticket: tA, leader: NONE"));
    let logged = poll_until(Duration::from_secs(5), || {
        f.daemon_log("arb1").contains("failed to authenticate")
    });
    assert!(logged, "{}", f.daemon_log("arb1"));
    let conf = f.conf("site1");
    let peers = f.booth(&Impl::c(), "site1", &["peers", "-c", &conf]);
    assert!(
        !peers.stdout.contains("authfail:0\n\narbitrator"),
        "{peers}"
    );
}

/// consensus.md §13.3, issue 5: our holder isolated from everyone revokes at its expiry,
/// before the other site is granted.
#[test]
fn isolated_holder_of_ours_revokes_before_the_c_site_is_granted() {
    skip_unless_ready!();
    let f = Formation::new(with_ours(spec(2, 1), &["site1"]));
    let out = grant(&f, &Impl::c(), "site1");
    assert_eq!(out.code, 0, "{out}");
    assert!(wait_all_agree(
        &f,
        &["site1", "site2", "arb1"],
        &f.addr("site1"),
        Duration::from_secs(5)
    ));
    let cut = wall();
    f.isolate("site1");
    let site2 = f.addr("site2");
    assert!(
        wait_all_agree(&f, &["site2", "arb1"], &site2, Duration::from_secs(25)),
        "site2 never took over"
    );
    assert!(poll_until(Duration::from_secs(5), || first_grant_after(
        &f, "site2", cut
    )
    .is_some()));
    // S3: by its own lease end (consensus.md §13.2).
    let site1_revoked = assert_revoked_by_expiry(&f, "site1", cut, cut);
    let site2_granted = first_grant_after(&f, "site2", cut).unwrap_or(0.0);
    eprintln!(
        "isolation: site1 revoked at +{:.2} s, site2 granted at +{:.2} s",
        site1_revoked - cut,
        site2_granted - cut
    );
    assert!(site1_revoked < site2_granted);
    f.heal("site1");
    assert_no_overlap(&f, &["site1", "site2"]);
}

/// surface.md §2.8: `boothd status` of our daemon reads as the C daemon's does: running
/// (0, the lock line), and after SIGTERM not running (7) with the lock file gone.
#[test]
fn status_of_our_daemon_matches_c() {
    skip_unless_ready!();
    let mut f = Formation::new(with_ours(spec(2, 1), &["site1"]));
    let check = |f: &Formation, node: &str, imp: &Impl| {
        let conf = f.conf(node);
        let lock = f.node(node).lock().display().to_string();
        f.client(imp, "boothd", node, &["status", "-c", &conf, "-l", &lock])
    };
    for imp in [Impl::c(), Impl::ours()] {
        let ours = check(&f, "site1", &imp);
        let theirs = check(&f, "site2", &imp);
        assert_eq!((ours.code, theirs.code), (0, 0), "{ours}\n{theirs}");
        let shape = |s: &str| {
            s.split_whitespace()
                .map(|w| w.split('=').next().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shape(&ours.stdout),
            shape(&theirs.stdout),
            "{ours}\n{theirs}"
        );
        assert!(
            ours.stdout.contains("booth_state=started booth_type=site"),
            "{ours}"
        );
    }
    let t0 = Instant::now();
    let st = f.signal("site1", libc::SIGTERM);
    assert_eq!(st.and_then(|s| s.code()), Some(0), "clean exit on SIGTERM");
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert!(!f.node("site1").lock().exists(), "lock file removed");
    for imp in [Impl::c(), Impl::ours()] {
        assert_eq!(check(&f, "site1", &imp).code, 7);
    }
}

/// issue 5, bad input: a `crm_ticket` that hangs (C blocks its whole loop on it, §3.7).
/// Ours keeps serving clients and the protocol: the grant completes on the wire while
/// the CIB write hangs, and `booth list` answers at once everywhere.
#[test]
fn hung_crm_ticket_does_not_stall_our_daemon() {
    skip_unless_ready!();
    let mut f = Formation::new(with_ours(spec(2, 1), &["site1"]).started(false));
    let wrapper = f.node("site1").dir.join("bin/crm_ticket");
    let real = std::fs::read_to_string(&wrapper).expect("wrapper");
    // Writes (-g/-r --force) hang; the probe and loads work.
    let hanging = real.replacen("\n", "\ncase \"$*\" in *--force*) sleep 600;; esac\n", 1);
    std::fs::write(&wrapper, hanging).expect("write wrapper");
    f.start_all();
    let out = grant(&f, &Impl::c(), "site1");
    assert_eq!(out.code, 0, "{out}");
    let t0 = Instant::now();
    assert!(list(&f, "site1").starts_with(&format!("ticket: tA, leader: {}", f.addr("site1"))));
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "list took {:?}",
        t0.elapsed()
    );
    assert!(wait_all_agree(
        &f,
        &["site1", "site2", "arb1"],
        &f.addr("site1"),
        Duration::from_secs(5)
    ));
}

/// issue 5, bad input: a before-acquire-handler that never exits. The grant does not
/// hang the daemon: `booth list` keeps answering while the handler runs.
#[test]
fn handler_that_never_exits_does_not_stall_our_daemon() {
    skip_unless_ready!();
    let mut s = with_ours(spec(2, 1), &["site1", "site2", "arb1"]);
    s.ticket_extra = "before-acquire-handler = /bin/sleep 600\n".into();
    let f = Formation::new(s);
    let conf = f.conf("site1");
    // Without -w the client gives up waiting after three "more to come" answers.
    let out = f.client_timeout(
        &Impl::c(),
        "booth",
        "site1",
        &["grant", "-c", &conf, "tA"],
        Duration::from_secs(30),
    );
    assert!(!out.timed_out, "{out}");
    let t0 = Instant::now();
    let l = list(&f, "site1");
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "list took {:?}",
        t0.elapsed()
    );
    assert!(l.starts_with("ticket: tA, leader: "), "{l}");
}

/// issue 10: `--json` for list, peers and status, against our daemon and the C daemon
/// (the JSON is read from the C-compatible text, so both serve it); the plain text
/// stays what it was.
#[test]
fn json_output_against_both_daemons() {
    skip_unless_ready!();
    let f = Formation::new(with_ours(spec(2, 1), &["site1"]));
    let out = grant(&f, &Impl::c(), "site1");
    assert_eq!(out.code, 0, "{out}");
    assert!(wait_all_agree(
        &f,
        &["site1", "site2", "arb1"],
        &f.addr("site1"),
        Duration::from_secs(5)
    ));
    let ours = Impl::ours();
    for node in ["site1", "site2"] {
        let conf = f.conf(node);
        let out = f.booth(&ours, node, &["list", "--json", "-c", &conf]);
        assert_eq!(out.code, 0, "{out}");
        let want = format!(
            "{{\"tickets\":[{{\"name\":\"tA\",\"leader\":\"{}\",\"leader_status\":\"member\",\"expires\":\"",
            f.addr("site1")
        );
        assert!(out.stdout.starts_with(&want), "{node}: {out}");
        let out = f.booth(&ours, node, &["peers", "-c", &conf, "--json"]);
        assert_eq!(out.code, 0, "{out}");
        assert!(out.stdout.starts_with("{\"peers\":[{\"type\":\""), "{out}");
        assert_eq!(out.stdout.matches("\"address\"").count(), 2, "{out}");
        let lock = f.node(node).lock().display().to_string();
        let out = f.client(
            &ours,
            "booth",
            node,
            &["status", "--json", "-c", &conf, "-l", &lock],
        );
        assert_eq!(out.code, 0, "{out}");
        assert!(
            out.stdout
                .starts_with("{\"status\":\"running\",\"exit_code\":0,\"booth_lockpid\":"),
            "{out}"
        );
    }
}

/// Start-up with many tickets (benchmark finding): every ticket is loaded and listed,
/// and at most 4 `crm_ticket` commands run at once at a site (C runs them one by one;
/// ours once forked one per ticket at the same moment).
#[test]
fn many_tickets_load_with_a_bounded_number_of_crm_ticket_children() {
    skip_unless_ready!();
    let names: Vec<String> = (0..40).map(|i| format!("t{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut f = Formation::new(
        with_ours(spec(2, 1).tickets(&refs), &["site1", "site2", "arb1"]).started(false),
    );
    // A slow Pacemaker: each load takes 0.3 s, so unbounded children would pile up.
    let wrapper = f.node("site1").dir.join("bin/crm_ticket");
    let real = std::fs::read_to_string(&wrapper).expect("wrapper");
    let slow = real.replacen("\n", "\ncase \"$*\" in *-q*) sleep 0.3;; esac\n", 1);
    std::fs::write(&wrapper, slow).expect("write wrapper");
    f.start_all();
    let listed = harness::poll_until(Duration::from_secs(30), || {
        list(&f, "site1").lines().count() == 40
    });
    assert!(listed, "{}", list(&f, "site1"));
    // The wrapper logs a start and an end line per call: the running count never tops 4.
    let mut running = 0i32;
    let mut most = 0i32;
    for line in f.crm_log("site1").lines() {
        match line.split_whitespace().nth(1) {
            Some("start") => running += 1,
            Some("end") => running -= 1,
            _ => {}
        }
        most = most.max(running);
    }
    assert!(most >= 1, "no crm_ticket calls logged");
    // The probe and the stale-ticket report run beside the per-ticket commands.
    assert!(most <= 4 + 2, "{most} crm_ticket commands at once");
}
