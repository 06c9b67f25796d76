//! Formations of real daemons driven by the C client: all C (proves the harness against
//! the oracle), and mixed C/ours (our daemon per member is a parameter).

mod harness;

use std::path::PathBuf;

use harness::{Formation, Impl, Spec};

/// surface.md §2.6 and §8.5: `booth list` before and after `booth grant tA` at site1; all
/// members agree on the leader; the grant reaches site1's CIB through crm_ticket (§3.4)
/// and site2's CIB says not granted.
fn grant_reaches_every_member_and_the_cib(spec: Spec) {
    let c = Impl::c();
    let f = Formation::new(spec);
    let conf1 = f.conf("site1");

    let out = f.booth(&c, "site1", &["list", "-c", &conf1]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "ticket: tA, leader: NONE\n", "{out}");

    let out = f.booth(&c, "site1", &["grant", "-c", &conf1, "tA"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("info: grant succeeded!"), "{out}");

    let site1 = f.addr("site1");
    let want = format!("ticket: tA, leader: {site1}, expires: <time>\n");
    for n in f.names() {
        let conf = f.conf(&n);
        let out = f.booth(&c, &n, &["list", "-c", &conf]);
        assert_eq!(out.code, 0, "{n}: {out}");
        assert_eq!(harness::mask(&out.stdout), want, "{n}: {out}");
    }

    let log = f.crm_log("site1");
    assert!(
        log.lines()
            .any(|l| l.contains(" end rc=0") && l.contains("'-g' '--force'")),
        "crm_ticket log of site1:\n{log}"
    );
    let granted = f.cib_attr("site1", "tA", "granted");
    assert_eq!(granted.stdout.trim(), "true", "{granted}");
    let granted2 = f.cib_attr("site2", "tA", "granted");
    assert_eq!(granted2.stdout.trim(), "false", "{granted2}");
}

#[test]
fn c_grant_reaches_every_member_and_the_cib() {
    skip_unless_ready!();
    grant_reaches_every_member_and_the_cib(Spec::new(2, 1));
}

/// Our daemon: `BOOTH_RS_OURS_BOOTHD`, else this build's binary.
fn our_boothd() -> PathBuf {
    std::env::var_os("BOOTH_RS_OURS_BOOTHD").map_or_else(harness::ours, PathBuf::from)
}

/// Mixed formations: ours as site2 (a follower), then as site1 (the leader that writes
/// the CIB), the others C.
#[test]
fn mixed_grant_reaches_every_member_and_the_cib() {
    skip_unless_ready!();
    for node in ["site2", "site1", "arb1"] {
        let mut spec = Spec::new(2, 1);
        spec.daemon_for.insert(node.into(), our_boothd());
        grant_reaches_every_member_and_the_cib(spec);
    }
}

/// The harness's partition helpers: an isolated site cannot be reached from the others
/// (its local client still works), and after `heal` it can again.
#[test]
fn isolate_and_heal() {
    skip_unless_ready!();
    let c = Impl::c();
    let f = Formation::new(Spec::new(2, 1));
    let conf2 = f.conf("site2");
    let site1 = f.addr("site1");
    f.isolate("site1");
    let out = f.client_timeout(
        &c,
        "booth",
        "site2",
        &["list", "-c", &conf2, "-s", &site1],
        std::time::Duration::from_secs(2),
    );
    // The connect would time out after 10 s; 2 s without an answer is proof enough.
    assert!(out.timed_out, "{out}");
    let local = f.booth(&c, "site1", &["list", "-c", &f.conf("site1")]);
    assert_eq!(local.code, 0, "{local}");
    f.heal("site1");
    assert!(harness::poll_until(
        std::time::Duration::from_secs(5),
        || {
            f.booth(&c, "site2", &["list", "-c", &conf2, "-s", &site1])
                .code
                == 0
        }
    ));
}
