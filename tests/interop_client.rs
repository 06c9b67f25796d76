//! The client interop matrix (issue 6): {our client, C client} × {C daemon, our daemon},
//! with and without `authfile`. For every case both clients run against the same
//! formation in the same state; stdout and stderr must be equal after masking time
//! stamps and pids (`harness::mask`), exit codes equal unmasked, except the documented
//! 1.2 fixes (surface.md Q3: exit 1 where Debian exits 0).

mod harness;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use harness::{Formation, Impl, Output, Spec};

/// One command line, run once per client.
struct Case {
    name: &'static str,
    /// `booth` or `geostore`.
    prog: &'static str,
    node: &'static str,
    /// Arguments after the program; `@CONF@` = the node's config, `@LOCK@` its lock file,
    /// `@site1@`… member addresses, `@BADKEY@`/`@NOKEY@`/`@KEY@` config variants.
    args: &'static [&'static str],
    /// Run with the C client before each run (output ignored): brings the formation into
    /// the state the case needs.
    setup: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// Exit codes (C, ours) when they differ on purpose.
    exit_diff: Option<(i32, i32)>,
    /// Only with auth on / off (None: both).
    auth: Option<bool>,
}

const fn case(
    name: &'static str,
    prog: &'static str,
    node: &'static str,
    args: &'static [&'static str],
) -> Case {
    Case {
        name,
        prog,
        node,
        args,
        setup: &[],
        exit_diff: None,
        auth: None,
    }
}

impl Case {
    const fn setup(
        mut self,
        s: &'static [(&'static str, &'static str, &'static [&'static str])],
    ) -> Case {
        self.setup = s;
        self
    }
    /// surface.md Q3: Debian exits 0, 1.2 (and we) exit 1.
    const fn q3(mut self) -> Case {
        self.exit_diff = Some((0, 1));
        self
    }
    const fn auth_only(mut self, on: bool) -> Case {
        self.auth = Some(on);
        self
    }
}

const REVOKE: (&str, &str, &[&str]) = ("booth", "site1", &["revoke", "-c", "@CONF@", "tA"]);
const GRANT1: (&str, &str, &[&str]) = ("booth", "site1", &["grant", "-c", "@CONF@", "tA"]);
const SET_A: (&str, &str, &[&str]) = (
    "geostore",
    "site1",
    &["set", "-c", "@CONF@", "-t", "tA", "a1", "value with space"],
);

fn cases() -> Vec<Case> {
    vec![
        // surface.md §2.6 list / peers, any member answers.
        case("list", "booth", "site1", &["list", "-c", "@CONF@"]),
        case(
            "list at arbitrator",
            "booth",
            "arb1",
            &["list", "-c", "@CONF@"],
        ),
        case(
            "list -s site2",
            "booth",
            "site1",
            &["list", "-c", "@CONF@", "-s", "@site2@"],
        ),
        case(
            "list -s other",
            "booth",
            "site1",
            &["list", "-c", "@CONF@", "-s", "other"],
        ),
        case(
            "list positional ignored",
            "booth",
            "site1",
            &["list", "-c", "@CONF@", "tA"],
        ),
        case(
            "list -s unknown (rc 2)",
            "booth",
            "site1",
            &["list", "-c", "@CONF@", "-s", "10.99.99.99"],
        ),
        case("peers", "booth", "site1", &["peers", "-c", "@CONF@"]),
        case(
            "list -s localhost (resolved, rc 2)",
            "booth",
            "site1",
            &["list", "-c", "@CONF@", "-s", "localhost"],
        ),
        case(
            "grant -s localhost (resolved)",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "-s", "localhost", "tA"],
        )
        .q3(),
        case(
            "list -D (debug lines)",
            "booth",
            "site1",
            &["list", "-D", "-c", "@CONF@"],
        ),
        case(
            "list -D -D at arbitrator",
            "booth",
            "arb1",
            &["list", "-D", "-D", "-c", "@CONF@"],
        ),
        case(
            "status -D",
            "booth",
            "site1",
            &["status", "-D", "-c", "@CONF@", "-l", "@LOCK@"],
        ),
        case(
            "boothd status -S",
            "boothd",
            "site1",
            &["status", "-S", "-c", "@CONF@", "-l", "@LOCK@"],
        ),
        case(
            "peers at arbitrator",
            "booth",
            "arb1",
            &["peers", "-c", "@CONF@"],
        ),
        case(
            "peers -s site2",
            "booth",
            "site1",
            &["peers", "-c", "@CONF@", "-s", "@site2@"],
        ),
        case(
            "status",
            "booth",
            "site1",
            &["status", "-c", "@CONF@", "-l", "@LOCK@"],
        ),
        case(
            "status -S",
            "booth",
            "site1",
            &["status", "-S", "-c", "@CONF@", "-l", "@LOCK@"],
        ),
        case(
            "status -S no pid file",
            "booth",
            "site1",
            &["status", "-S", "-c", "@CONF@", "-l", "/nonexistent/x.pid"],
        ),
        // grant (surface.md §2.6, wire.md §6.3)
        case("grant", "booth", "site1", &["grant", "-c", "@CONF@", "tA"]).setup(&[REVOKE]),
        case(
            "grant -w",
            "booth",
            "site1",
            &["grant", "-w", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE]),
        case(
            "grant -F",
            "booth",
            "site1",
            &["grant", "-F", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE]),
        case(
            "grant -C",
            "booth",
            "site1",
            &["grant", "-C", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE]),
        case(
            "grant -s site2",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "-s", "@site2@", "tA"],
        )
        .setup(&[REVOKE]),
        case(
            "grant -s other",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "-s", "other", "tA"],
        )
        .setup(&[REVOKE]),
        case(
            "Hawk: client grant -t -s",
            "booth",
            "site2",
            &[
                "client", "grant", "-t", "tA", "-s", "@site1@", "-c", "@CONF@",
            ],
        )
        .setup(&[REVOKE]),
        case(
            "grant granted elsewhere",
            "booth",
            "site2",
            &["grant", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE, GRANT1]),
        case(
            "grant granted here",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE, GRANT1]),
        case(
            "grant unknown ticket",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tZ"],
        ),
        case(
            "grant -s unknown site",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "-s", "10.99.99.99", "tA"],
        )
        .q3(),
        case(
            "grant at arbitrator",
            "booth",
            "arb1",
            &["grant", "-c", "@CONF@", "tA"],
        )
        .q3(),
        case(
            "grant -s arbitrator",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "-s", "@arb1@", "tA"],
        )
        .q3(),
        case(
            "grant without ticket",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@"],
        )
        .q3(),
        case(
            "grant ticket lost before -c",
            "booth",
            "site1",
            &["grant", "tA", "-c", "@CONF@"],
        )
        .q3(),
        // revoke (wire.md §6.4)
        case(
            "revoke at leader",
            "booth",
            "site1",
            &["revoke", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE, GRANT1]),
        case(
            "revoke redirected",
            "booth",
            "site2",
            &["revoke", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE, GRANT1]),
        case(
            "revoke -w",
            "booth",
            "site1",
            &["revoke", "-w", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE, GRANT1]),
        case(
            "revoke -s site1",
            "booth",
            "site2",
            &["revoke", "-c", "@CONF@", "-s", "@site1@", "tA"],
        )
        .setup(&[REVOKE, GRANT1]),
        case(
            "revoke not owned",
            "booth",
            "site1",
            &["revoke", "-c", "@CONF@", "tA"],
        )
        .setup(&[REVOKE]),
        case(
            "revoke unknown ticket",
            "booth",
            "site1",
            &["revoke", "-c", "@CONF@", "tZ"],
        ),
        case(
            "revoke at arbitrator",
            "booth",
            "arb1",
            &["revoke", "-c", "@CONF@", "tA"],
        )
        .q3(),
        // geostore (surface.md §5)
        case(
            "geostore set",
            "geostore",
            "site1",
            &["set", "-c", "@CONF@", "-t", "tA", "a1", "v1"],
        ),
        case(
            "geostore get",
            "geostore",
            "site1",
            &["get", "-c", "@CONF@", "-t", "tA", "a1"],
        )
        .setup(&[SET_A]),
        case(
            "geostore list",
            "geostore",
            "site1",
            &["list", "-c", "@CONF@", "-t", "tA"],
        )
        .setup(&[SET_A]),
        case(
            "geostore list other ticket",
            "geostore",
            "site1",
            &["list", "-c", "@CONF@", "-t", "tB"],
        ),
        case(
            "geostore delete",
            "geostore",
            "site1",
            &["delete", "-c", "@CONF@", "-t", "tA", "a1"],
        )
        .setup(&[SET_A]),
        case(
            "geostore delete missing",
            "geostore",
            "site1",
            &["delete", "-c", "@CONF@", "-t", "tA", "nope"],
        ),
        case(
            "geostore get missing",
            "geostore",
            "site1",
            &["get", "-c", "@CONF@", "-t", "tA", "nope"],
        ),
        case(
            "geostore unknown ticket",
            "geostore",
            "site1",
            &["list", "-c", "@CONF@", "-t", "tZ"],
        ),
        case(
            "geostore no ticket",
            "geostore",
            "site1",
            &["get", "-c", "@CONF@", "a1"],
        ),
        case(
            "geostore set at arbitrator",
            "geostore",
            "site1",
            &["set", "-c", "@CONF@", "-s", "@arb1@", "-t", "tA", "a", "b"],
        ),
        case(
            "geostore list at arbitrator",
            "geostore",
            "site1",
            &["list", "-c", "@CONF@", "-s", "@arb1@", "-t", "tA"],
        ),
        case(
            "geostore set -s unknown",
            "geostore",
            "site1",
            &[
                "set",
                "-c",
                "@CONF@",
                "-s",
                "10.99.99.99",
                "-t",
                "tA",
                "a",
                "b",
            ],
        ),
        case(
            "geostore get -s unknown (rc 2)",
            "geostore",
            "site1",
            &["get", "-c", "@CONF@", "-s", "10.99.99.99", "-t", "tA", "a"],
        ),
        case(
            "geostore set -s other",
            "geostore",
            "site1",
            &["set", "-c", "@CONF@", "-s", "other", "-t", "tA", "a", "b"],
        ),
        case(
            "geostore not enough arguments",
            "geostore",
            "site1",
            &["set", "-c", "@CONF@", "-t", "tA", "a"],
        ),
        // Wrong or missing key (surface.md §8, lab README).
        case(
            "list wrong key",
            "booth",
            "site1",
            &["list", "-c", "@BADKEY@"],
        )
        .auth_only(true),
        case(
            "peers wrong key",
            "booth",
            "site1",
            &["peers", "-c", "@BADKEY@"],
        )
        .auth_only(true),
        case(
            "grant wrong key",
            "booth",
            "site1",
            &["grant", "-c", "@BADKEY@", "tA"],
        )
        .setup(&[REVOKE])
        .auth_only(true),
        case(
            "geostore list wrong key",
            "geostore",
            "site1",
            &["list", "-c", "@BADKEY@", "-t", "tA"],
        )
        .auth_only(true),
        case(
            "geostore set wrong key",
            "geostore",
            "site1",
            &["set", "-c", "@BADKEY@", "-t", "tA", "a", "b"],
        )
        .auth_only(true),
        case(
            "list without key",
            "booth",
            "site1",
            &["list", "-c", "@NOKEY@"],
        )
        .auth_only(true),
        case(
            "grant without key",
            "booth",
            "site1",
            &["grant", "-c", "@NOKEY@", "tA"],
        )
        .setup(&[REVOKE])
        .auth_only(true),
        case(
            "geostore get without key",
            "geostore",
            "site1",
            &["get", "-c", "@NOKEY@", "-t", "tA", "a"],
        )
        .auth_only(true),
        case(
            "geostore delete without key",
            "geostore",
            "site1",
            &["delete", "-c", "@NOKEY@", "-t", "tA", "a"],
        )
        .auth_only(true),
        case(
            "list with key, daemon without",
            "booth",
            "site1",
            &["list", "-c", "@KEY@"],
        )
        .auth_only(false),
        case(
            "grant with key, daemon without",
            "booth",
            "site1",
            &["grant", "-c", "@KEY@", "tA"],
        )
        .setup(&[REVOKE])
        .auth_only(false),
        case(
            "geostore set with key, daemon without",
            "geostore",
            "site1",
            &["set", "-c", "@KEY@", "-t", "tA", "a", "b"],
        )
        .auth_only(false),
    ]
}

/// Cases after arb1's daemon was stopped: connection refused, status not running.
fn cases_arb_down() -> Vec<Case> {
    vec![
        case(
            "list, daemon not running",
            "booth",
            "arb1",
            &["list", "-c", "@CONF@"],
        ),
        case(
            "list -s stopped member",
            "booth",
            "site1",
            &["list", "-c", "@CONF@", "-s", "@arb1@"],
        ),
        case(
            "geostore get -s stopped member",
            "geostore",
            "site1",
            &["get", "-c", "@CONF@", "-s", "@arb1@", "-t", "tA", "a"],
        ),
        case(
            "status -S, daemon not running",
            "booth",
            "arb1",
            &["status", "-S", "-c", "@CONF@", "-l", "@LOCK@"],
        ),
        case(
            "status, daemon not running",
            "booth",
            "arb1",
            &["status", "-c", "@CONF@", "-l", "@LOCK@"],
        ),
    ]
}

/// Writes config variants next to each node's booth.conf: `bad.conf` (another key),
/// `nokey.conf` (no authfile), `key.conf` (a key the daemons do not have).
fn write_variants(f: &Formation) {
    for n in f.names() {
        let node = f.node(&n);
        let conf = fs::read_to_string(node.conf()).unwrap_or_default();
        let plain: String = conf
            .lines()
            .filter(|l| !l.starts_with("authfile"))
            .map(|l| format!("{l}\n"))
            .collect();
        let key = node.dir.join("other.key");
        fs::write(&key, "a-key-no-daemon-has-0123456789\n").expect("write key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod");
        let with_key = plain.replacen(
            "\nticket",
            &format!("\nauthfile = {}\nticket", key.display()),
            1,
        );
        fs::write(node.dir.join("bad.conf"), &with_key).expect("bad.conf");
        fs::write(node.dir.join("key.conf"), &with_key).expect("key.conf");
        fs::write(node.dir.join("nokey.conf"), &plain).expect("nokey.conf");
    }
}

fn expand(f: &Formation, node: &str, a: &str) -> String {
    let n = f.node(node);
    let mut s = a
        .replace("@CONF@", &n.conf_str())
        .replace("@LOCK@", &n.lock().to_string_lossy())
        .replace("@BADKEY@", &n.dir.join("bad.conf").to_string_lossy())
        .replace("@NOKEY@", &n.dir.join("nokey.conf").to_string_lossy())
        .replace("@KEY@", &n.dir.join("key.conf").to_string_lossy());
    for m in f.names() {
        s = s.replace(&format!("@{m}@"), &f.addr(&m));
    }
    s
}

fn run(f: &Formation, imp: &Impl, prog: &str, node: &str, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| expand(f, node, a)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    f.client(imp, prog, node, &args)
}

/// The C daemon stamps replies with wall-clock seconds but monotonic microseconds
/// (wire.md §4.4), so two replies within one connection are now and then out of order and
/// the client (C or ours) warns "packet timestamp older than previous one". That depends
/// on the daemon's clock, not on the client: the line is left out of the comparison.
fn without_clock_warning(s: &str) -> String {
    s.split_inclusive('\n')
        .filter(|l| !l.contains("packet timestamp older than previous one"))
        .collect()
}

/// Waits until what every member lists has stopped changing (two rounds 50 ms apart are
/// equal), then a little longer for the last acknowledgements: a revoke at a leader still
/// awaiting acks answers "More" first (wire.md §6.4), which would make the C and our runs
/// see different daemon states. (Members may legitimately disagree, e.g. a manual ticket
/// granted with -F at two sites.)
fn settle(f: &Formation, c: &Impl) {
    let snapshot = || -> Vec<String> {
        f.names()
            .iter()
            .map(|n| harness::mask(&f.booth(c, n, &["list", "-c", &f.conf(n)]).stdout))
            .collect()
    };
    let mut last = snapshot();
    let stable = harness::poll_until(Duration::from_secs(5), || {
        std::thread::sleep(Duration::from_millis(50));
        let now = snapshot();
        let same = now == last;
        last = now;
        same
    });
    assert!(stable, "ticket state does not settle: {last:?}");
    std::thread::sleep(Duration::from_millis(100));
}

/// Runs every case with both clients; returns the failures (empty = all equal).
fn run_cases(f: &mut Formation, cases: &[Case], auth: bool, report: &mut Vec<String>) -> usize {
    let c = Impl::c();
    let ours = Impl::ours();
    let mut n = 0;
    for k in cases {
        if k.auth.is_some_and(|a| a != auth) {
            continue;
        }
        n += 1;
        let mut outs = Vec::new();
        for imp in [&c, &ours] {
            for (prog, node, args) in k.setup {
                run(f, &c, prog, node, args);
            }
            if !k.setup.is_empty() {
                settle(f, &c);
            }
            outs.push(run(f, imp, k.prog, k.node, k.args));
        }
        let (oc, oo) = (&outs[0], &outs[1]);
        if std::env::var_os("BOOTH_RS_SHOW").is_some() {
            eprintln!("CASE {} (auth {auth})\n=== C: {oc}\n=== ours: {oo}", k.name);
        }
        let (so_c, se_c, _) = oc.masked();
        let (so_o, se_o, _) = oo.masked();
        let (se_c, se_o) = (without_clock_warning(&se_c), without_clock_warning(&se_o));
        let want_exit = k.exit_diff.unwrap_or((oc.code, oc.code));
        let mut bad = Vec::new();
        if so_c != so_o {
            bad.push("stdout");
        }
        if se_c != se_o {
            bad.push("stderr");
        }
        if (oc.code, oo.code) != want_exit {
            bad.push("exit code");
        }
        if oo.timed_out || oc.timed_out {
            bad.push("timeout");
        }
        if !bad.is_empty() {
            report.push(format!(
                "CASE {} (auth {auth}): {} differ\n=== C: {oc}\n=== ours: {oo}",
                k.name,
                bad.join(", ")
            ));
        }
    }
    n
}

fn matrix(daemon: Impl, auth: bool) {
    let spec = Spec::new(2, 1)
        .tickets(&["tA", "tB"])
        .auth(auth)
        .daemon(daemon.boothd.clone());
    let mut f = Formation::new(spec);
    write_variants(&f);
    let mut report = Vec::new();
    let mut n = run_cases(&mut f, &cases(), auth, &mut report);
    f.stop("arb1");
    n += run_cases(&mut f, &cases_arb_down(), auth, &mut report);
    eprintln!(
        "matrix {} daemon, auth {auth}: {n} cases, {} differ",
        daemon.name,
        report.len()
    );
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}

#[test]
fn matrix_c_daemon_without_auth() {
    skip_unless_ready!();
    matrix(Impl::c(), false);
}

#[test]
fn matrix_c_daemon_with_auth() {
    skip_unless_ready!();
    matrix(Impl::c(), true);
}

/// Manual tickets, attr-prereq and a failing before-acquire-handler (surface.md §4): the
/// client texts for results only these tickets produce.
fn special_cases() -> Vec<Case> {
    const REVOKE_M1: (&str, &str, &[&str]) = ("booth", "site1", &["revoke", "-c", "@CONF@", "tM"]);
    const REVOKE_M2: (&str, &str, &[&str]) = ("booth", "site2", &["revoke", "-c", "@CONF@", "tM"]);
    const GRANT_M1: (&str, &str, &[&str]) = ("booth", "site1", &["grant", "-c", "@CONF@", "tM"]);
    const GRANT_F_M2: (&str, &str, &[&str]) =
        ("booth", "site2", &["grant", "-F", "-c", "@CONF@", "tM"]);
    const UNSET_DB: (&str, &str, &[&str]) = (
        "geostore",
        "site1",
        &["delete", "-c", "@CONF@", "-t", "tP", "dbstate"],
    );
    const SET_DB: (&str, &str, &[&str]) = (
        "geostore",
        "site1",
        &["set", "-c", "@CONF@", "-t", "tP", "dbstate", "ok"],
    );
    const REVOKE_P: (&str, &str, &[&str]) = ("booth", "site1", &["revoke", "-c", "@CONF@", "tP"]);
    vec![
        case(
            "list with manual ticket",
            "booth",
            "site1",
            &["list", "-c", "@CONF@"],
        ),
        case(
            "grant manual",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tM"],
        )
        .setup(&[REVOKE_M1, REVOKE_M2]),
        case(
            "grant manual again here",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tM"],
        )
        .setup(&[REVOKE_M1, REVOKE_M2, GRANT_M1]),
        case(
            "grant manual granted elsewhere",
            "booth",
            "site2",
            &["grant", "-c", "@CONF@", "tM"],
        )
        .setup(&[REVOKE_M1, REVOKE_M2, GRANT_M1]),
        case(
            "grant -F manual granted elsewhere",
            "booth",
            "site2",
            &["grant", "-F", "-c", "@CONF@", "tM"],
        )
        .setup(&[REVOKE_M1, REVOKE_M2, GRANT_M1]),
        case(
            "list, manual ticket at two sites",
            "booth",
            "arb1",
            &["list", "-c", "@CONF@"],
        )
        .setup(&[REVOKE_M1, REVOKE_M2, GRANT_M1, GRANT_F_M2]),
        case(
            "revoke manual",
            "booth",
            "site1",
            &["revoke", "-c", "@CONF@", "tM"],
        )
        .setup(&[REVOKE_M1, REVOKE_M2, GRANT_M1]),
        case(
            "grant attr-prereq unmet",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tP"],
        )
        .setup(&[REVOKE_P, UNSET_DB]),
        case(
            "grant attr-prereq met",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tP"],
        )
        .setup(&[REVOKE_P, SET_DB]),
        case(
            "grant handler fails",
            "booth",
            "site1",
            &["grant", "-c", "@CONF@", "tH"],
        ),
        case(
            "grant -w handler fails",
            "booth",
            "site1",
            &["grant", "-w", "-c", "@CONF@", "tH"],
        ),
    ]
}

fn matrix_special(daemon: Impl) {
    let mut spec = Spec::new(2, 1)
        .tickets(&["tM", "tP", "tH"])
        .daemon(daemon.boothd.clone());
    spec.ticket_extra_for
        .insert("tM".into(), "mode = manual\n".into());
    spec.ticket_extra_for.insert(
        "tP".into(),
        "mode = manual\nattr-prereq = manual dbstate eq ok\n".into(),
    );
    spec.ticket_extra_for
        .insert("tH".into(), "before-acquire-handler = /bin/false\n".into());
    let mut f = Formation::new(spec);
    write_variants(&f);
    let mut report = Vec::new();
    let n = run_cases(&mut f, &special_cases(), false, &mut report);
    eprintln!(
        "special tickets, {} daemon: {n} cases, {} differ",
        daemon.name,
        report.len()
    );
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}

#[test]
fn matrix_c_daemon_manual_prereq_handler() {
    skip_unless_ready!();
    matrix_special(Impl::c());
}

#[test]
fn matrix_our_daemon_manual_prereq_handler() {
    skip_unless_ready!();
    matrix_special(our_daemon());
}

/// Our daemon: this build's binary, or `BOOTH_RS_OURS_BOOTHD` (e.g. a build of the daemon
/// branch) until the daemon is merged here.
fn our_daemon() -> Impl {
    let mut imp = Impl::ours();
    if let Some(p) = std::env::var_os("BOOTH_RS_OURS_BOOTHD") {
        imp.boothd = p.into();
    }
    imp
}

#[test]
fn matrix_our_daemon_without_auth() {
    skip_unless_ready!();
    matrix(our_daemon(), false);
}

#[test]
fn matrix_our_daemon_with_auth() {
    skip_unless_ready!();
    matrix(our_daemon(), true);
}

/// surface.md §2.6: a member that drops our SYNs: `connect to <addr> got a timeout` after
/// 10 s, exit 1, for list, grant and geostore alike (C and ours run concurrently).
#[test]
fn connect_timeout_matches_c() {
    skip_unless_ready!();
    let f = Formation::new(Spec::new(2, 1));
    f.drop_tcp("site2");
    let conf = f.conf("site1");
    let site2 = f.addr("site2");
    let cmds: Vec<(&str, Vec<&str>)> = vec![
        ("booth", vec!["list", "-c", &conf, "-s", &site2]),
        ("booth", vec!["grant", "-c", &conf, "-s", &site2, "tA"]),
        (
            "geostore",
            vec!["set", "-c", &conf, "-s", &site2, "-t", "tA", "a", "b"],
        ),
    ];
    let outs: Vec<(Output, Output)> = std::thread::scope(|s| {
        let handles: Vec<_> = cmds
            .iter()
            .map(|(prog, args)| {
                let f = &f;
                let c = s.spawn(move || f.client(&Impl::c(), prog, "site1", args));
                let o = s.spawn(move || f.client(&Impl::ours(), prog, "site1", args));
                (c, o)
            })
            .collect();
        handles
            .into_iter()
            .map(|(c, o)| (c.join().expect("C run"), o.join().expect("our run")))
            .collect()
    });
    for (c, o) in &outs {
        assert_eq!(c.masked(), o.masked(), "\n=== C: {c}\n=== ours: {o}");
        assert!(o.stderr.contains("got a timeout"), "{o}");
    }
}

/// The daemon as the oracle (issue 5): the same cases, run with the C client against a
/// formation of C daemons and one of ours, must read the same. Member addresses differ
/// between the two formations and are replaced by the member names; `peers` counters are
/// left out (they count packets, which legitimately differ in number). `known` names the
/// cases where our daemon is known not to match yet: the test fails if one of them starts
/// to match (so the list stays true) as well as on any other difference.
fn daemon_oracle(cases: &[Case], spec: impl Fn(&Impl) -> Spec, auth: bool, known: &[&str]) {
    let c = Impl::c();
    let ours = our_daemon();
    let mut fc = Formation::new(spec(&c));
    let mut fo = Formation::new(spec(&ours));
    write_variants(&fc);
    write_variants(&fo);
    let normal = |f: &Formation, s: &str| -> String {
        let mut s = harness::mask(&without_clock_warning(s));
        for n in f.names() {
            if let Ok(ip) = f.addr(&n).parse() {
                let id = booth::site_id::site_id_signed(booth::site_id::site_id(&ip));
                s = s.replace(&format!("booth_id={id} "), &format!("booth_id=<id-{n}> "));
            }
            s = s.replace(&f.addr(&n), &format!("<{n}>"));
            s = s.replace(&f.node(&n).dir.display().to_string(), &format!("<dir-{n}>"));
        }
        s.lines()
            .filter(|l| !l.starts_with('\t'))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let mut report = Vec::new();
    let mut n = 0;
    for k in cases {
        if k.auth.is_some_and(|a| a != auth) || k.args.contains(&"peers") {
            continue;
        }
        n += 1;
        let mut outs = Vec::new();
        for f in [&mut fc, &mut fo] {
            for (prog, node, args) in k.setup {
                run(f, &c, prog, node, args);
            }
            if !k.setup.is_empty() {
                settle(f, &c);
            }
            let o = run(f, &c, k.prog, k.node, k.args);
            outs.push((normal(f, &o.stdout), normal(f, &o.stderr), o.code, o));
        }
        let (a, b) = (&outs[0], &outs[1]);
        let same = (&a.0, &a.1, a.2) == (&b.0, &b.1, b.2);
        if same && known.contains(&k.name) {
            report.push(format!(
                "CASE {} (auth {auth}) now matches: take it off `known`",
                k.name
            ));
        } else if !same && !known.contains(&k.name) {
            let logs: String = fo
                .names()
                .iter()
                .map(|n| {
                    let log = fo.daemon_log(n);
                    let tail: Vec<&str> = log.lines().rev().take(25).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    format!("--- our {n}'s log, last lines:\n{}\n", tail.join("\n"))
                })
                .collect();
            report.push(format!(
                "CASE {} (auth {auth}): C daemon and ours differ\n=== C daemon: {}\n=== our daemon: {}\n{logs}",
                k.name, a.3, b.3
            ));
        }
    }
    eprintln!(
        "daemon oracle (auth {auth}): {n} cases, {} differ",
        report.len()
    );
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}

#[test]
fn daemon_oracle_matrix_without_auth() {
    skip_unless_ready!();
    daemon_oracle(
        &cases(),
        |d| {
            Spec::new(2, 1)
                .tickets(&["tA", "tB"])
                .daemon(d.boothd.clone())
        },
        false,
        &[],
    );
}

#[test]
fn daemon_oracle_matrix_with_auth() {
    skip_unless_ready!();
    daemon_oracle(
        &cases(),
        |d| {
            Spec::new(2, 1)
                .tickets(&["tA", "tB"])
                .auth(true)
                .daemon(d.boothd.clone())
        },
        true,
        &[],
    );
}

#[test]
fn daemon_oracle_manual_prereq_handler() {
    skip_unless_ready!();
    daemon_oracle(
        &special_cases(),
        |d| {
            let mut spec = Spec::new(2, 1)
                .tickets(&["tM", "tP", "tH"])
                .daemon(d.boothd.clone());
            spec.ticket_extra_for
                .insert("tM".into(), "mode = manual\n".into());
            spec.ticket_extra_for.insert(
                "tP".into(),
                "mode = manual\nattr-prereq = manual dbstate eq ok\n".into(),
            );
            spec.ticket_extra_for
                .insert("tH".into(), "before-acquire-handler = /bin/false\n".into());
            spec
        },
        false,
        &[],
    );
}
