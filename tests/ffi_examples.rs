//! libbooth as C programs use it: the examples of c-examples/ are built against an
//! installed prefix with `cc $(pkg-config --cflags --libs libbooth)` and run in a
//! member's namespace against the C daemon and against ours (list_tickets also linked
//! statically with `pkg-config --static`); their output must equal what the C
//! `booth list`, `booth peers` and `geostore` print. Runs under valgrind must show no
//! error and no leak. Skips without root, the C booth, cc, pkg-config, valgrind or
//! python3, unless BOOTH_RS_REQUIRE_C=1.

mod harness;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use harness::{poll_until, Formation, Impl, Spec};

/// The C toolchain, pkg-config, valgrind and python3 the examples need (Debian: gcc,
/// pkg-config, valgrind, python3). Missing: skip, or fail under BOOTH_RS_REQUIRE_C=1.
fn tools_ready() -> bool {
    for tool in ["cc", "pkg-config", "valgrind", "python3"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok();
        if !found {
            let why = format!("`{tool}` missing (apt-get install gcc pkg-config valgrind python3)");
            if std::env::var("BOOTH_RS_REQUIRE_C").as_deref() == Ok("1") {
                panic!("{why} and BOOTH_RS_REQUIRE_C=1");
            }
            eprintln!("SKIPPED (libbooth examples): {why}");
            return false;
        }
    }
    true
}

/// `target/debug` of this build (the test binary lives in `target/debug/deps`).
fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .to_path_buf()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Installs the debug build into a private prefix with src/dist/install.sh and compiles
/// the examples with pkg-config's flags; returns the prefix (examples in `bin/`).
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let build = build_dir();
        let prefix = build.join("ffi-prefix");
        let _ = std::fs::remove_dir_all(&prefix);
        // `cargo test` leaves this build's libbooth.so/.a in deps/ (only `cargo build`
        // copies them up): install exactly those, with this build's boothd.
        let from = prefix.join("from");
        std::fs::create_dir_all(&from).expect("staging dir");
        for (name, path) in [
            ("boothd", harness::ours()),
            ("libbooth.so", build.join("deps/libbooth.so")),
            ("libbooth.a", build.join("deps/libbooth.a")),
        ] {
            std::os::unix::fs::symlink(&path, from.join(name)).expect("stage");
        }
        run(Command::new("sh")
            .arg(root.join("src/dist/install.sh"))
            .arg(&prefix)
            .env("BOOTHD", from.join("boothd"))
            .env("SYSCONFDIR", prefix.join("etc")));
        let pc_path = prefix.join("lib/pkgconfig");
        let flags = run(Command::new("pkg-config")
            .args(["--cflags", "--libs", "libbooth"])
            .env("PKG_CONFIG_PATH", &pc_path));
        std::fs::create_dir_all(prefix.join("bin")).expect("bin dir");
        for ex in ["list_tickets", "list_peers", "grant_ticket", "geo_attr"] {
            run(Command::new("cc")
                .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g"])
                .arg(root.join(format!("c-examples/{ex}.c")))
                .args(flags.split_whitespace())
                .arg(format!("-Wl,-rpath,{}", prefix.join("lib").display()))
                .arg("-o")
                .arg(prefix.join("bin").join(ex)));
        }
        // The same program linked statically: libbooth.a plus Libs.private.
        let static_libs = run(Command::new("pkg-config")
            .args(["--static", "--libs-only-l", "libbooth"])
            .env("PKG_CONFIG_PATH", &pc_path));
        run(Command::new("cc")
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g"])
            .arg(root.join("c-examples/list_tickets.c"))
            .arg(format!("-I{}", prefix.join("include").display()))
            .arg(prefix.join("lib/libbooth.a"))
            .args(static_libs.split_whitespace().filter(|l| *l != "-lbooth"))
            .arg("-o")
            .arg(prefix.join("bin/list_tickets_static")));
        prefix
    })
}

fn example(name: &str) -> String {
    prefix().join("bin").join(name).display().to_string()
}

/// `booth list` of the C client at `node` (`-s site` if given).
fn c_list(f: &Formation, node: &str, site: Option<&str>) -> String {
    c_query(f, node, "list", site)
}

/// `booth list` or `booth peers` of the C client at `node`.
fn c_query(f: &Formation, node: &str, what: &str, site: Option<&str>) -> String {
    let conf = f.conf(node);
    let mut args = vec![what, "-c", &conf];
    if let Some(s) = site {
        args.extend(["-s", s]);
    }
    let out = f.booth(&Impl::c(), node, &args);
    assert_eq!(out.code, 0, "booth {what}: {out}");
    out.stdout
}

/// Runs `prog args` at `node` until its stdout equals `booth list` taken just before or
/// just after it (a renewal may move `expires` in between); returns that text.
fn same_as_booth_list(
    f: &Formation,
    node: &str,
    prog: &str,
    args: &[&str],
    site: Option<&str>,
) -> String {
    same_as_booth(f, node, "list", prog, args, site)
}

/// [`same_as_booth_list`] for `booth list` or `booth peers` (counters move too).
fn same_as_booth(
    f: &Formation,
    node: &str,
    what: &str,
    prog: &str,
    args: &[&str],
    site: Option<&str>,
) -> String {
    let mut last = String::new();
    for _ in 0..5 {
        let before = c_query(f, node, what, site);
        let out = f.exec(node, prog, args);
        assert_eq!(out.code, 0, "{prog}: {out}");
        let after = c_query(f, node, what, site);
        if out.stdout == before || out.stdout == after {
            return out.stdout;
        }
        last = format!("{prog}:\n{}booth list:\n{before}{after}", out.stdout);
    }
    panic!("output never matched booth list:\n{last}");
}

fn scenario(daemon: PathBuf) {
    let mut spec = Spec::new(2, 1).tickets(&["tA", "tB"]).auth(true);
    spec.daemon = daemon;
    let f = Formation::new(spec);
    let conf = f.conf("site1");
    let site1 = f.addr("site1");
    let site2 = f.addr("site2");
    let list = example("list_tickets");
    let grant = example("grant_ticket");
    let geo = example("geo_attr");

    // Fresh formation: every ticket NONE, exactly as booth list prints it.
    let text = same_as_booth_list(&f, "site1", &list, &[&conf], None);
    assert!(text.contains("ticket: tA, leader: NONE\n"), "{text}");

    // Grant through libbooth; booth list then shows site1 as leader.
    let out = f.exec("site1", &grant, &[&conf, "grant", "tA", "-", "wait"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "grant: done\n", "{out}");
    assert!(
        poll_until(Duration::from_secs(10), || c_list(&f, "site1", None)
            .contains(&format!("ticket: tA, leader: {site1}, expires: "))),
        "tA not granted to site1"
    );
    let text = same_as_booth_list(&f, "site1", &list, &[&conf], None);
    assert!(text.contains(&format!("leader: {site1}")), "{text}");
    // ... granted here, as the example reports on stderr.
    let out = f.exec("site1", &list, &[&conf]);
    assert!(out.stderr.contains("tA is granted here"), "{out}");
    // Peers with their counters, as booth peers prints them.
    let peers = example("list_peers");
    let text = same_as_booth(&f, "site1", "peers", &peers, &[&conf], None);
    assert!(
        text.contains(&format!("site         {site2}, last recv: ")),
        "{text}"
    );
    same_as_booth(&f, "site1", "peers", &peers, &[&conf, &site2], Some(&site2));
    // Statically linked, the same.
    let list_static = example("list_tickets_static");
    same_as_booth_list(&f, "site1", &list_static, &[&conf], None);
    // The view of another member (-s), and the Python ctypes example.
    same_as_booth_list(&f, "site1", &list, &[&conf, &site2], Some(&site2));
    let lib = prefix().join("lib/libbooth.so").display().to_string();
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("c-examples/list_tickets.py");
    let py = py.display().to_string();
    same_as_booth_list(&f, "site1", "python3", &[&py, &lib, &conf], None);

    // A granted ticket cannot be granted again: the code of the CLI's refusal.
    let out = f.exec("site1", &grant, &[&conf, "grant", "tA"]);
    assert_eq!(out.code, 32, "BOOTH_RESULT_ALREADY_GRANTED expected: {out}");
    assert!(
        out.stderr.contains("You're granting a granted ticket"),
        "{out}"
    );
    // An unknown ticket.
    let out = f.exec("site1", &grant, &[&conf, "grant", "nosuch"]);
    assert_eq!(out.code, 31, "BOOTH_RESULT_NO_SUCH_TICKET expected: {out}");
    assert!(
        out.stderr.contains("ticket \"nosuch\" does not exist"),
        "{out}"
    );
    // An arbitrator cannot grant.
    let arb = f.addr("arb1");
    let out = f.exec("site1", &grant, &[&conf, "grant", "tB", &arb]);
    assert_eq!(out.code, 14, "BOOTH_RESULT_ARBITRATOR expected: {out}");

    // Revoke through libbooth.
    let out = f.exec("site1", &grant, &[&conf, "revoke", "tA", "-", "wait"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stdout, "revoke: done\n", "{out}");
    let text = same_as_booth_list(&f, "site1", &list, &[&conf], None);
    assert!(text.contains("ticket: tA, leader: none\n"), "{text}");

    // Geo attributes: libbooth and geostore see the same.
    let c = Impl::c();
    let out = f.exec("site1", &geo, &[&conf, "tA", "set", "a1", "v1"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "set succeeded!\n"),
        "{out}"
    );
    let out = f.geostore(
        &c,
        "site1",
        &["set", "-c", &conf, "-t", "tA", "a2", "value two"],
    );
    assert_eq!(out.code, 0, "{out}");
    let want = f.geostore(&c, "site1", &["get", "-c", &conf, "-t", "tA", "a2"]);
    let out = f.exec("site1", &geo, &[&conf, "tA", "get", "a2"]);
    assert_eq!((out.code, &out.stdout), (0, &want.stdout), "{out}");
    assert_eq!(out.stdout, "value two\n");
    let want = f.geostore(&c, "site1", &["list", "-c", &conf, "-t", "tA"]);
    let out = f.exec("site1", &geo, &[&conf, "tA", "list"]);
    assert_eq!((out.code, &out.stdout), (0, &want.stdout), "{out}");
    assert_eq!(out.stdout.lines().count(), 2, "{out}");
    let out = f.exec("site1", &geo, &[&conf, "tA", "delete", "a1"]);
    assert_eq!(out.code, 0, "{out}");
    let gone = f.geostore(&c, "site1", &["get", "-c", &conf, "-t", "tA", "a1"]);
    assert_eq!(gone.code, 1, "{gone}");
    let out = f.exec("site1", &geo, &[&conf, "tA", "get", "a1"]);
    assert_eq!(out.code, 36, "BOOTH_RESULT_NO_SUCH_ATTR expected: {out}");
    assert!(out.stderr.contains("attribute \"a1\" not set"), "{out}");

    // Under valgrind: no error, no leak (definite or indirect): list, geo, peers, grant.
    for args in [
        vec![list.as_str(), &conf],
        vec![geo.as_str(), &conf, "tA", "get", "a2"],
        vec![geo.as_str(), &conf, "tA", "list"],
        vec![peers.as_str(), &conf],
        vec![grant.as_str(), &conf, "grant", "tB", "-", "wait"],
    ] {
        let mut v = vec![
            "--quiet",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
        ];
        v.extend(args);
        let out = f.exec("site1", "valgrind", &v);
        assert_eq!(out.code, 0, "valgrind: {out}");
    }
}

/// The examples against a formation of C daemons.
#[test]
fn examples_against_the_c_daemon() {
    skip_unless_ready!();
    if !tools_ready() {
        return;
    }
    scenario(harness::C_BOOTHD.into());
}

/// The same against a formation of our daemons.
#[test]
fn examples_against_our_daemon() {
    skip_unless_ready!();
    if !tools_ready() {
        return;
    }
    scenario(harness::ours());
}

/// A member with the wrong key: a result code and the C client's message, no abort.
#[test]
fn wrong_key_and_unreachable_daemon_are_codes() {
    skip_unless_ready!();
    if !tools_ready() {
        return;
    }
    let mut spec = Spec::new(2, 1).auth(true);
    spec.other_key = vec!["site2".into()];
    let f = Formation::new(spec);
    let conf = f.conf("site1");
    let list = example("list_tickets");
    let site2 = f.addr("site2");
    let out = f.exec("site1", &list, &[&conf, &site2]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("authentication error")
            || out.stderr.contains("failed to authenticate"),
        "{out}"
    );
    // The daemon of site1 stopped: connect fails with the C text.
    let mut f = f;
    f.stop("site1");
    let out = f.exec("site1", &list, &[&conf]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr
            .contains("cannot connect to the booth daemon (20)"),
        "{out}"
    );
    assert!(
        out.stderr.contains("got an error: Connection refused"),
        "{out}"
    );
}
