//! The all-C formation: proves the harness against the oracle (2 sites + 1 arbitrator of
//! the Debian `boothd`, driven by the Debian client).

mod harness;

use harness::{Formation, Impl, Spec};

/// surface.md §2.6 and §8.5: `booth list` before and after `booth grant tA` at site1; all
/// members agree on the leader; the grant reaches site1's CIB through crm_ticket (§3.4).
#[test]
fn c_grant_reaches_every_member_and_the_cib() {
    skip_unless_ready!();
    let c = Impl::c();
    let f = Formation::new(Spec::new(2, 1));
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

    // site1 wrote the grant with the real crm_ticket into its own CIB.
    let log = f.crm_log("site1");
    assert!(
        log.lines()
            .any(|l| l.contains(" end rc=0") && l.contains("'-g' '--force'")),
        "crm_ticket log of site1:\n{log}"
    );
    let granted = f.cib_attr("site1", "tA", "granted");
    assert_eq!(granted.stdout.trim(), "true", "{granted}");
    // site2 follows: its CIB says not granted (revoked with -r).
    let granted2 = f.cib_attr("site2", "tA", "granted");
    assert_eq!(granted2.stdout.trim(), "false", "{granted2}");
}
