//! The tools around booth, run against our daemon (issue 10): the `ocf:pacemaker:booth-site`
//! agent (surface.md §4.5), `booth status` as pcs reads it, `booth-cfg-name` in the CIB,
//! configurations as `pcs booth setup` and crmsh `geo-init` write them, readiness for a
//! `Type=notify` unit, the authfile refusal (booth#114), and the booth-rs extras that only
//! show in the daemon log and in hook programs (timing report, event hooks, stale CIB
//! tickets).
//!
//! Network namespaces through `tests/harness` (root, iproute2, nftables, the C booth and
//! pacemaker-cli-utils); the agent test also needs Debian's `booth-pacemaker` and
//! `resource-agents`.

mod harness;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use harness::{poll_until, Formation, Impl, Output, Spec};

const OCF_AGENT: &str = "/usr/lib/ocf/resource.d/pacemaker/booth-site";
const OCF_SHELLFUNCS: &str = "/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs";

/// Our daemon everywhere, short timings: 1 s × (3 + 1) < renewal 5 s.
fn ours(sites: usize, arbs: usize) -> Spec {
    let mut s = Spec::new(sites, arbs).daemon(harness::ours());
    s.expire = 10;
    s.timeout = 1;
    s.retries = 3;
    s
}

/// A directory with `booth`, `geostore`, `boothd` and `booth-keygen` of booth-rs, to put
/// first on a PATH (the agent calls plain `booth`).
fn tools(f: &Formation) -> PathBuf {
    let d = f.dir.join("ours-bin");
    if !d.exists() {
        fs::create_dir_all(&d).expect("tools dir");
        for name in ["booth", "geostore", "boothd"] {
            symlink(harness::ours(), d.join(name)).expect("link");
        }
        let keygen = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dist/booth-keygen");
        symlink(keygen, d.join("booth-keygen")).expect("link");
    }
    d
}

fn path_with(f: &Formation) -> String {
    format!(
        "PATH={}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        tools(f).display()
    )
}

fn list(f: &Formation, node: &str) -> String {
    let conf = f.conf(node);
    let out = f.booth(&Impl::ours(), node, &["list", "-c", &conf]);
    assert_eq!(out.code, 0, "{node}: {out}");
    out.stdout
}

fn leader_is(f: &Formation, node: &str, leader: &str) -> bool {
    list(f, node).starts_with(&format!("ticket: tA, leader: {leader}"))
}

fn grant(f: &Formation, node: &str) -> Output {
    let conf = f.conf(node);
    f.booth(&Impl::ours(), node, &["grant", "-c", &conf, "tA"])
}

/// Skips (or fails under `BOOTH_RS_REQUIRE_C=1`) when a file is missing.
fn need(path: &str, package: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    assert!(
        std::env::var("BOOTH_RS_REQUIRE_C").as_deref() != Ok("1"),
        "{path} missing (apt-get install {package}) and BOOTH_RS_REQUIRE_C=1"
    );
    eprintln!("SKIPPED: {path} missing (apt-get install {package})");
    false
}

/// Kills, by pid, a daemon the agent started, if a test fails before stopping it.
struct PidGuard(PathBuf);

impl PidGuard {
    fn pid(&self) -> Option<i32> {
        let text = fs::read_to_string(&self.0).ok()?;
        let v = text.split_whitespace().next()?.strip_prefix("booth_pid=")?;
        v.parse().ok()
    }
}

impl Drop for PidGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) of the daemon this test started (pid from its lock file).
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// The agent's own detection (booth-site `get_booth_pid`): `ps -o pid,cmd -e` lines
/// matching `grep -w "[b]oothd.*<config>"`.
fn agent_sees(f: &Formation, node: &str, conf: &str) -> Vec<String> {
    let script = format!("ps -o pid,cmd -e | grep -w \"[b]oothd.*{conf}\" | awk '{{print $1}}'");
    let out = f.exec(node, "sh", &["-c", &script]);
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn ocf_booth_site_agent_starts_monitors_and_stops_our_daemon() {
    // surface.md §4.5, §6.4: the agent finds the daemon by process title, waits for
    // `booth list` to succeed after starting it, and stops it with SIGTERM.
    skip_unless_ready!();
    if !need(OCF_AGENT, "booth-pacemaker") || !need(OCF_SHELLFUNCS, "resource-agents") {
        return;
    }
    let f = Formation::new(ours(2, 1).started(false));
    let conf = f.conf("site1");
    // In the member directory, writable by hacluster: the daemon can remove it.
    let pidfile = f.node("site1").dir.join("ocf.pid");
    let guard = PidGuard(pidfile.clone());
    let agent = |action: &str| -> Output {
        f.exec(
            "site1",
            "env",
            &[
                &path_with(&f),
                "OCF_ROOT=/usr/lib/ocf",
                &format!("OCF_RESKEY_config={conf}"),
                &format!("OCF_RESKEY_args=-l {}", pidfile.display()),
                "OCF_RESOURCE_INSTANCE=booth",
                OCF_AGENT,
                action,
            ],
        )
    };
    assert_eq!(agent("monitor").code, 7, "OCF_NOT_RUNNING before start");
    let start = agent("start");
    assert_eq!(start.code, 0, "start: {start}");
    assert!(!start.timed_out);
    let pid = guard.pid().expect("lock file names the daemon");
    assert_eq!(agent_sees(&f, "site1", &conf), [pid.to_string()]);
    assert_eq!(agent("monitor").code, 0);
    assert!(list(&f, "site1").contains("ticket: tA"));
    let stop = agent("stop");
    assert_eq!(stop.code, 0, "stop: {stop}");
    assert!(
        agent_sees(&f, "site1", &conf).is_empty(),
        "daemon gone after SIGTERM"
    );
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    assert!(!pidfile.exists(), "orderly exit removes the lock file");
    assert_eq!(agent("monitor").code, 7);
}

#[test]
fn status_exit_codes_as_pcs_reads_them() {
    // surface.md §2.11, §4.5: pcs accepts 0 (running) and 7 (not running) from
    // `booth status`; both clients say the same about our daemon.
    skip_unless_ready!();
    let mut f = Formation::new(ours(2, 1));
    let conf = f.conf("site1");
    let lock = f.node("site1").lock().to_string_lossy().into_owned();
    for imp in [Impl::ours(), Impl::c()] {
        let out = f.booth(&imp, "site1", &["status", "-c", &conf, "-l", &lock]);
        assert_eq!(out.code, 0, "{}: {out}", imp.name);
        assert!(out.stdout.contains("booth_state=started"), "{out}");
        assert!(out.stdout.contains("booth_cfg_name='booth'"), "{out}");
        // The JSON form a future --json prints reads the same text.
        let json = booth::json::status(&out.stdout, out.code);
        assert!(
            json.starts_with("{\"status\":\"running\",\"exit_code\":0,\"booth_lockpid\":"),
            "{json}"
        );
        assert!(json.contains("\"booth_cfg_name\":\"booth\""), "{json}");
    }
    f.stop("site1");
    for imp in [Impl::ours(), Impl::c()] {
        let out = f.booth(&imp, "site1", &["status", "-c", &conf, "-l", &lock]);
        assert_eq!(out.code, 7, "{}: {out}", imp.name);
    }
}

#[test]
fn a_grant_records_booth_cfg_name_in_the_cib() {
    // surface.md §3.6: pcs and crmsh find the booth instance of a ticket by this attribute.
    skip_unless_ready!();
    let f = Formation::new(ours(2, 1));
    let out = grant(&f, "site1");
    assert_eq!(out.code, 0, "{out}");
    assert!(poll_until(Duration::from_secs(20), || {
        f.cib_attr("site1", "tA", "granted").stdout.trim() == "true"
    }));
    let name = f.cib_attr("site1", "tA", "booth-cfg-name");
    assert_eq!(name.stdout.trim(), "booth", "{name}");
    // list and peers text of a running daemon parse into JSON.
    let json = booth::json::list(&list(&f, "site2")).expect("list parses");
    let s1 = f.addr("site1");
    assert!(
        json.contains(&format!(
            "\"name\":\"tA\",\"leader\":\"{s1}\",\"leader_status\":\"member\""
        )),
        "{json}"
    );
    let conf = f.conf("site2");
    let peers = f.booth(&Impl::ours(), "site2", &["peers", "-c", &conf]);
    let json = booth::json::peers(&peers.stdout).expect("peers parse");
    assert!(
        json.contains(&format!("\"type\":\"site\",\"address\":\"{s1}\"")),
        "{json}"
    );
    assert!(json.contains("\"type\":\"arbitrator\""), "{json}");
}

/// A key made by our booth-keygen, first byte not NUL (which would turn auth off).
fn keygen(f: &Formation) -> PathBuf {
    let key = f.dir.join("booth.key");
    loop {
        let _ = fs::remove_file(&key);
        let out = f.exec(
            "site1",
            &tools(f).join("booth-keygen").to_string_lossy(),
            &[&key.to_string_lossy()],
        );
        assert_eq!(out.code, 0, "{out}");
        if fs::read(&key).expect("key").first() != Some(&0) {
            return key;
        }
    }
}

fn members(f: &Formation) -> (String, String, String) {
    (f.addr("site1"), f.addr("site2"), f.addr("arb1"))
}

#[test]
fn a_config_as_pcs_booth_setup_writes_it_runs() {
    // pcs lib/booth: `authfile` then `enable-authfile = yes` first, unquoted values, the
    // ticket name quoted, ticket options sorted and indented by two spaces.
    skip_unless_ready!();
    let mut f = Formation::new(ours(2, 1).started(false));
    let key = keygen(&f);
    let (s1, s2, a1) = members(&f);
    let text = format!(
        "authfile = {}\nenable-authfile = yes\nsite = {s1}\nsite = {s2}\narbitrator = {a1}\n\
         ticket = \"tA\"\n  expire = 10\n  retries = 3\n  timeout = 1\n",
        key.display()
    );
    for n in f.names() {
        fs::write(f.node(&n).conf(), &text).expect("conf");
    }
    f.start_all();
    assert_eq!(grant(&f, "site1").code, 0);
    assert!(poll_until(Duration::from_secs(20), || leader_is(
        &f, "site2", &s1
    )));
    let log = f.daemon_log("site1");
    assert!(
        log.contains(&format!(
            "authentication is active: HMAC-SHA1 with the key in {}",
            key.display()
        )),
        "{log}"
    );
}

#[test]
fn a_config_as_crmsh_geo_init_writes_it_runs_with_c_and_ours() {
    // crmsh bootstrap.create_booth_config: comment header, key="value" without spaces,
    // arbitrator before the sites, authfile, then ticket="t" and expire="600".
    skip_unless_ready!();
    let mut spec = ours(2, 1).started(false);
    spec.daemon_for
        .insert("site2".into(), harness::C_BOOTHD.into());
    let mut f = Formation::new(spec);
    let key = keygen(&f);
    let (s1, s2, a1) = members(&f);
    let text = format!(
        "# The booth configuration file is \"/etc/booth/booth.conf\". You need to\n\
         # prepare the same booth configuration file on each arbitrator and\n\
         # each node in the cluster sites where the booth daemon can be launched.\n\n\
         # \"transport\" means which transport layer booth daemon will use.\n\
         # Currently only \"UDP\" is supported.\ntransport=\"UDP\"\nport=\"9929\"\n\n\
         arbitrator=\"{a1}\"\nsite=\"{s1}\"\nsite=\"{s2}\"\nauthfile=\"{}\"\n\
         ticket=\"tA\"\nexpire=\"600\"\n",
        key.display()
    );
    for n in f.names() {
        fs::write(f.node(&n).conf(), &text).expect("conf");
    }
    f.start_all();
    assert_eq!(grant(&f, "site1").code, 0);
    assert!(poll_until(Duration::from_secs(20), || leader_is(
        &f, "site2", &s1
    )));
    assert!(leader_is(&f, "arb1", &s1));
}

#[test]
fn an_unusable_authfile_stops_the_daemon_before_it_starts() {
    // booth#114 and surface.md §1.9: a key readable by others or missing is fatal, as in
    // C; a usable one is announced in one log line.
    skip_unless_ready!();
    let f = Formation::new(ours(2, 1).started(false).auth(true));
    let conf = f.conf("site1");
    let key = f.node("site1").dir.join("authkey");
    let lock = f.node("site1").lock().to_string_lossy().into_owned();
    let run = |bin: &str| {
        f.exec(
            "site1",
            "timeout",
            &["5", bin, "daemon", "-S", "-c", &conf, "-l", &lock],
        )
    };
    let ours_bin = harness::ours().to_string_lossy().into_owned();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).expect("chmod");
    for bin in [ours_bin.as_str(), harness::C_BOOTHD] {
        let out = run(bin);
        assert_eq!(out.code, 1, "{bin}: {out}");
        assert!(
            out.stderr
                .contains("file shall not be readable for anyone but the owner"),
            "{bin}: {out}"
        );
    }
    fs::remove_file(&key).expect("rm key");
    for bin in [ours_bin.as_str(), harness::C_BOOTHD] {
        let out = run(bin);
        assert_eq!(out.code, 1, "{bin}: {out}");
        assert!(out.stderr.contains("cannot open"), "{bin}: {out}");
    }
}

#[test]
fn foreground_daemon_reports_readiness_to_notify_socket() {
    // surface.md §6.2 and src/dist/systemd: Type=notify units need READY=1 once the
    // daemon serves (after dropping privileges, so the socket must admit hacluster).
    skip_unless_ready!();
    let f = Formation::new(ours(2, 1).started(false));
    let sock_path = f.dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind");
    fs::set_permissions(&sock_path, fs::Permissions::from_mode(0o777)).expect("chmod");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let conf = f.conf("site1");
    let lock = f.node("site1").lock();
    let out = f.exec(
        "site1",
        "timeout",
        &[
            "3",
            "env",
            &format!("NOTIFY_SOCKET={}", sock_path.display()),
            &harness::ours().to_string_lossy(),
            "daemon",
            "-S",
            "-c",
            &conf,
            "-l",
            &lock.to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 124, "ran until timeout's SIGTERM: {out}");
    let mut buf = [0u8; 512];
    let n = sock.recv(&mut buf).expect("READY datagram");
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert_eq!(
        msg,
        format!(
            "READY=1\nSTATUS=Running: {conf} site for [{}]:{}",
            f.addr("site1"),
            harness::PORT
        )
    );
    assert!(!lock.exists(), "SIGTERM removes the lock file");
}

/// A daemon wrapper that points our boothd at a hooks directory.
fn hooked_daemon(f_dir: &Path, hooks: &Path) -> PathBuf {
    let w = f_dir.join("boothd-hooked");
    fs::write(
        &w,
        format!(
            "#!/bin/sh\nBOOTH_HOOKS_DIR={} exec {} \"$@\"\n",
            hooks.display(),
            harness::ours().display()
        ),
    )
    .expect("wrapper");
    fs::set_permissions(&w, fs::Permissions::from_mode(0o755)).expect("chmod");
    w
}

#[test]
fn event_hooks_timing_report_and_stale_tickets() {
    // booth#99 (hooks), booth#114 (auth line), booth#135 (stale CIB tickets).
    skip_unless_ready!();
    let base = std::env::temp_dir().join(format!("booth-rs-hooks-{}", std::process::id()));
    let _ = fs::remove_dir_all(&base);
    let hooks = base.join("hooks.d");
    fs::create_dir_all(&hooks).expect("hooks dir");
    fs::set_permissions(&base, fs::Permissions::from_mode(0o777)).expect("chmod");
    let events = base.join("events");
    fs::write(&events, "").expect("events");
    fs::set_permissions(&events, fs::Permissions::from_mode(0o666)).expect("chmod");
    let hook = hooks.join("10-record");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho \"$BOOTH_LOCAL $BOOTH_EVENT $BOOTH_TICKET$BOOTH_PEER $BOOTH_LEADER\" >> {}\n",
            events.display()
        ),
    )
    .expect("hook");
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod");

    let mut f = Formation::new(
        ours(2, 1)
            .started(false)
            .daemon(hooked_daemon(&base, &hooks)),
    );
    // A ticket this configuration once had, left in site1's CIB.
    let cib = f.node("site1").cib();
    for args in [
        &["-t", "tOld", "-g", "--force"][..],
        &["-t", "tOld", "-S", "booth-cfg-name", "-v", "booth"][..],
        &["-t", "tOther", "-S", "booth-cfg-name", "-v", "another"][..],
    ] {
        let st = Command::new(harness::CRM_TICKET)
            .args(args)
            .env("CIB_file", &cib)
            .status()
            .expect("crm_ticket");
        assert!(st.success());
    }
    f.start_all();
    let (s1, s2, a1) = members(&f);
    let has = |line: &str| {
        fs::read_to_string(&events)
            .unwrap_or_default()
            .contains(line)
    };

    assert!(poll_until(Duration::from_secs(10), || {
        f.daemon_log("site1").contains("ticket tOld is in the CIB")
    }));
    let log = f.daemon_log("site1");
    assert!(
        log.contains("ticket tOld is in the CIB with booth-cfg-name=booth but "),
        "{log}"
    );
    assert!(log.contains(
        "remove it with: crm_ticket --ticket tOld --revoke --force && crm_ticket --ticket tOld --cleanup"
    ), "{log}");
    assert!(
        !log.contains("tOther"),
        "other configurations' tickets are left alone"
    );
    assert!(
        log.contains("authentication is OFF: no authfile configured"),
        "{log}"
    );
    assert!(
        log.contains(
            "tA: worst-case failover 13 s = expire 10 s + acquire-after 0 s + election 3 s"
        ),
        "{log}"
    );
    assert!(log.contains("tA: acquire-after is 0 s"), "{log}");
    assert!(
        log.contains(&format!("event hooks: 1 program(s) in {}", hooks.display())),
        "{log}"
    );

    assert_eq!(grant(&f, "site1").code, 0);
    assert!(
        poll_until(Duration::from_secs(20), || {
            has(&format!("{s1} ticket-granted tA "))
                && has(&format!("{s2} ticket-moved tA {s1}"))
                && has(&format!("{a1} ticket-moved tA {s1}"))
                && has(&format!("{s2} peer-up {s1} "))
        }),
        "{}",
        fs::read_to_string(&events).unwrap_or_default()
    );
    // The leader watches the others: a silent site is reported down.
    f.kill("site2");
    assert!(
        poll_until(Duration::from_secs(30), || has(&format!(
            "{s1} peer-down {s2} "
        ))),
        "{}",
        fs::read_to_string(&events).unwrap_or_default()
    );
    let conf = f.conf("site1");
    let out = f.booth(&Impl::ours(), "site1", &["revoke", "-c", &conf, "tA"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        poll_until(Duration::from_secs(20), || has(&format!(
            "{s1} ticket-lost tA "
        ))),
        "{}",
        fs::read_to_string(&events).unwrap_or_default()
    );
    drop(f);
    let _ = fs::remove_dir_all(&base);
}

#[test]
fn debian_geostore_agent_runs_on_our_geo_attr_sh() {
    // surface.md §6.4: the sample agent sources ${OCF_ROOT}/lib/booth/geo_attr.sh and
    // calls geo_attr_geo_attr 1|0, geo_attr_read_attr and geo_attr_validate_all; ours
    // sets the ticket's `attr-prereq = auto` attribute on the other site and removes it.
    skip_unless_ready!();
    const AGENT: &str = "/usr/lib/ocf/resource.d/booth/geostore";
    if !need(AGENT, "booth-pacemaker") || !need(OCF_SHELLFUNCS, "resource-agents") {
        return;
    }
    let mut spec = ours(2, 1);
    spec.ticket_extra = "attr-prereq = auto repl eq ok\n".into();
    let f = Formation::new(spec);
    // An OCF root whose lib/booth/geo_attr.sh is ours.
    let root = f.dir.join("ocf");
    fs::create_dir_all(root.join("lib/booth")).expect("ocf root");
    symlink("/usr/lib/ocf/lib/heartbeat", root.join("lib/heartbeat")).expect("link");
    symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dist/geo_attr.sh"),
        root.join("lib/booth/geo_attr.sh"),
    )
    .expect("link");
    let conf = f.conf("site1");
    let rsctmp = f.node("site1").dir.join("rsctmp");
    fs::create_dir_all(&rsctmp).expect("rsctmp");
    let agent = |action: &str| -> Output {
        f.exec(
            "site1",
            "env",
            &[
                &path_with(&f),
                &format!("OCF_ROOT={}", root.display()),
                &format!("HA_RSCTMP={}", rsctmp.display()),
                "OCF_RESOURCE_INSTANCE=geo",
                "OCF_RESKEY_booth_ticket=tA",
                &format!("OCF_RESKEY_booth_config={conf}"),
                AGENT,
                action,
            ],
        )
    };
    let site2 = f.addr("site2");
    let get = || {
        f.geostore(
            &Impl::ours(),
            "site1",
            &["get", "-c", &conf, "-t", "tA", "-s", &site2, "repl"],
        )
    };
    assert_eq!(agent("validate-all").code, 0, "{}", agent("validate-all"));
    assert!(agent("meta-data")
        .stdout
        .contains("<parameter name=\"booth_ticket\""));
    let out = agent("start");
    assert_eq!(out.code, 0, "{out}");
    let g = get();
    assert_eq!((g.code, g.stdout.as_str()), (0, "ok\n"), "{g}");
    assert_eq!(agent("monitor").code, 0);
    let out = agent("stop");
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(get().code, 1, "deleted on stop");
    assert_eq!(agent("monitor").code, 7);
}

#[test]
fn a_peer_with_a_skewed_clock_is_reported() {
    // Packet timestamps (auth on) give each peer's clock offset: beyond
    // max(1 s, maxtimeskew/4) = 150 s here the daemon warns, and SIGUSR1 logs it.
    // site2's daemon runs 200 s ahead under libfaketime.
    skip_unless_ready!();
    const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    if !need(FAKETIME, "libfaketime") {
        return;
    }
    let mut spec = ours(2, 1).auth(true).started(false);
    let base = std::env::temp_dir().join(format!("booth-rs-skew-{}", std::process::id()));
    fs::create_dir_all(&base).expect("dir");
    let wrapper = base.join("boothd-ahead");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nLD_PRELOAD={FAKETIME} FAKETIME=+200 DONT_FAKE_MONOTONIC=1 exec {} \"$@\"\n",
            harness::ours().display()
        ),
    )
    .expect("wrapper");
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod");
    spec.daemon_for.insert("site2".into(), wrapper);
    let mut f = Formation::new(spec);
    f.start_all();
    let s2 = f.addr("site2");
    let s1 = f.addr("site1");
    let off_by = |log: &str, peer: &str, lo: i64, hi: i64| {
        log.lines().any(|l| {
            l.split_once(&format!("clock of {peer} is off by "))
                .and_then(|(_, r)| r.split(' ').next())
                .and_then(|ms| ms.parse::<i64>().ok())
                .is_some_and(|ms| (lo..=hi).contains(&ms))
        })
    };
    assert!(
        poll_until(Duration::from_secs(10), || {
            off_by(&f.daemon_log("site1"), &s2, 199_000, 201_000)
                && off_by(&f.daemon_log("site2"), &s1, -201_000, -199_000)
        }),
        "{}\n{}",
        f.daemon_log("site1"),
        f.daemon_log("site2")
    );
    let a1 = f.addr("arb1");
    assert!(
        !off_by(&f.daemon_log("site1"), &a1, i64::MIN, i64::MAX),
        "arb1 is in sync: no warning about it"
    );
    let pid = f.node("site1").daemon_pid().expect("running").to_string();
    assert_eq!(f.exec("site1", "kill", &["-USR1", &pid]).code, 0);
    assert!(poll_until(Duration::from_secs(5), || {
        f.daemon_log("site1").lines().any(|l| {
            l.split_once(&format!("peer {s2}: up, clock offset "))
                .and_then(|(_, r)| r.strip_suffix(" ms"))
                .and_then(|ms| ms.parse::<i64>().ok())
                .is_some_and(|ms| (199_000..=201_000).contains(&ms))
        })
    }));
    drop(f);
    let _ = fs::remove_dir_all(&base);
}
