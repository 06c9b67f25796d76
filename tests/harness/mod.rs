//! Test harness: a formation of real booth daemons, one network namespace per member, on
//! a private bridge in a hub namespace. Used by every interop test (`mod harness;`).
//!
//! Nothing is created in the host's network namespace: the members' addresses
//! (`10.77.K.0/24`, K unique per live formation) exist only inside the formation's
//! namespaces (`brsK-hub`, `brsK-site1`, ...), which have no route anywhere else. IPv6 is
//! disabled in every namespace: the Debian `boothd` hangs in its address detection
//! otherwise (surface.md §2.5). Every member gets a directory with its `booth.conf`,
//! optional `authkey` (0600), lock file, daemon log, and its own Pacemaker CIB file for the
//! real `crm_ticket`, reached through a logging wrapper first on the member's `PATH`.
//! Daemons, namespaces and directories are removed in `Drop`, also when a test fails.
//!
//! Prerequisites: root, `ip` and `ss` (iproute2), `nft` (nftables, for the partition
//! helpers), the C booth (`/usr/sbin/boothd`) and
//! Pacemaker's `crm_ticket`/`cibadmin` (Debian `booth`, `pacemaker-cli-utils`). Without
//! them [`ready`] says why and the test skips, unless `BOOTH_RS_REQUIRE_C=1` (CI), where it
//! fails.
//!
//! Use:
//! ```ignore
//! mod harness;
//! use harness::{Formation, Impl, Spec};
//! skip_unless_ready!();
//! let mut spec = Spec::new(2, 1).tickets(&["tA"]).auth(true); // site1, site2, arb1
//! spec.daemon_for.insert("site2".into(), harness::ours());     // mixed formation
//! let f = Formation::new(spec);                                // started, listening
//! let out = f.booth(&Impl::c(), "site1", &["grant", "-c", &f.conf("site1"), "tA"]);
//! assert_eq!(out.code, 0, "{out}");                            // stdout, stderr, code
//! let log = f.crm_log("site1");                                // crm_ticket calls
//! let g = f.cib_attr("site1", "tA", "granted");                // the site's CIB
//! f.isolate("site1"); f.heal("site1");                         // partitions (nft)
//! ```
//! Also: `stop`/`kill`/`signal`/`start` per member, `pause`/`resume` (SIGSTOP/SIGCONT),
//! `lossy` (random loss), `under_faketime`/`step_clock` (one node's wall clock),
//! `fail_crm_writes`, `daemon_log`, `exec` (any command in a member's namespace),
//! `client_timeout`, `mask` (time stamps and pids), `poll_until`, [`history`] (the
//! recorded `crm_ticket` calls as granted intervals, and the S1/S3/L1 checks over them),
//! and [`LoopNs`], a bare namespace with `lo` only for fake daemons.
#![allow(dead_code)]

pub mod history;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{ErrorKind, Read};
use std::net::Ipv4Addr;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

/// The installed C programs (Debian `booth` 1.0-283): the oracle.
pub const C_BOOTHD: &str = "/usr/sbin/boothd";
pub const C_BOOTH: &str = "/usr/sbin/booth";
pub const C_GEOSTORE: &str = "/usr/sbin/geostore";
/// Pacemaker's real `crm_ticket`, run against a per-member CIB file.
pub const CRM_TICKET: &str = "/usr/sbin/crm_ticket";
pub const CIBADMIN: &str = "/usr/sbin/cibadmin";
/// Debian `libfaketime`: one daemon's wall clock, for clock-step tests.
pub const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
/// The booth port used by every formation (each has its own namespaces).
pub const PORT: u16 = 9929;
/// Where formations record which K (namespace prefix and subnet) they hold.
const CLAIM_DIR: &str = "/run/booth-rs-test";

/// Our one binary (`boothd`, `booth`, `geostore` by argv[0]).
pub fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_boothd"))
}

/// Checks root and the C programs. `Err(reason)` means: skip this test. With
/// `BOOTH_RS_REQUIRE_C=1` a missing prerequisite panics instead (CI must not skip).
pub fn ready() -> Result<(), String> {
    let reason = missing_prerequisite();
    match reason {
        None => Ok(()),
        Some(why) => {
            if std::env::var("BOOTH_RS_REQUIRE_C").as_deref() == Ok("1") {
                panic!("interop prerequisites missing and BOOTH_RS_REQUIRE_C=1: {why}");
            }
            eprintln!("SKIPPED (interop): {why}");
            Err(why)
        }
    }
}

/// `if skip!() { return; }` in a test: prints why it skips (or panics in CI).
#[macro_export]
macro_rules! skip_unless_ready {
    () => {
        if $crate::harness::ready().is_err() {
            return;
        }
    };
}

fn missing_prerequisite() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (network namespaces need it)".into());
    }
    for p in [C_BOOTHD, C_BOOTH, C_GEOSTORE, CRM_TICKET, CIBADMIN] {
        if !Path::new(p).exists() {
            return Some(format!(
                "{p} missing (apt-get install booth pacemaker-cli-utils)"
            ));
        }
    }
    for tool in ["ip", "ss", "nft"] {
        if Command::new(tool)
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return Some(format!(
                "`{tool}` missing (apt-get install iproute2 nftables)"
            ));
        }
    }
    None
}

/// Member kind, as in booth.conf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Site,
    Arbitrator,
}

/// A daemon or client implementation: which programs to run.
#[derive(Clone, Debug)]
pub struct Impl {
    /// Short name for messages ("C", "ours").
    pub name: &'static str,
    /// The daemon binary.
    pub boothd: PathBuf,
    /// The `booth` client binary (run as argv[0] = `booth`).
    pub booth: PathBuf,
    /// The `geostore` client binary (run as argv[0] = `geostore`).
    pub geostore: PathBuf,
}

impl Impl {
    pub fn c() -> Impl {
        Impl {
            name: "C",
            boothd: C_BOOTHD.into(),
            booth: C_BOOTH.into(),
            geostore: C_GEOSTORE.into(),
        }
    }
    pub fn ours() -> Impl {
        Impl {
            name: "ours",
            boothd: ours(),
            booth: ours(),
            geostore: ours(),
        }
    }
}

/// What a formation looks like. `Spec::new(2, 1)` = 2 sites + 1 arbitrator, ticket `tA`,
/// C daemons, no auth.
#[derive(Clone, Debug)]
pub struct Spec {
    pub sites: usize,
    pub arbs: usize,
    pub tickets: Vec<String>,
    pub expire: u32,
    pub timeout: u32,
    pub retries: u32,
    /// Raw lines appended to each ticket section.
    pub ticket_extra: String,
    /// Raw lines appended to one ticket's section (after `ticket_extra`).
    pub ticket_extra_for: BTreeMap<String, String>,
    /// Raw lines appended to the global section (before the tickets).
    pub global_extra: String,
    /// `authfile` on every member (one random 64-byte key, first byte non-zero).
    pub auth: bool,
    /// A different key for these members (wrong-key tests).
    pub other_key: Vec<String>,
    /// Daemon binary per member; members not listed run `daemon`.
    pub daemon: PathBuf,
    pub daemon_for: BTreeMap<String, PathBuf>,
    /// Number of `-D` flags for the daemons.
    pub debug: usize,
    /// Start every daemon in `Formation::new` (and wait until it listens).
    pub start: bool,
}

impl Spec {
    pub fn new(sites: usize, arbs: usize) -> Spec {
        Spec {
            sites,
            arbs,
            tickets: vec!["tA".into()],
            expire: 20,
            timeout: 2,
            retries: 3,
            ticket_extra: String::new(),
            ticket_extra_for: BTreeMap::new(),
            global_extra: String::new(),
            auth: false,
            other_key: Vec::new(),
            daemon: C_BOOTHD.into(),
            daemon_for: BTreeMap::new(),
            debug: 1,
            start: true,
        }
    }
    pub fn tickets(mut self, t: &[&str]) -> Spec {
        self.tickets = t.iter().map(|s| (*s).to_string()).collect();
        self
    }
    pub fn auth(mut self, on: bool) -> Spec {
        self.auth = on;
        self
    }
    pub fn daemon(mut self, bin: impl Into<PathBuf>) -> Spec {
        self.daemon = bin.into();
        self
    }
    pub fn started(mut self, start: bool) -> Spec {
        self.start = start;
        self
    }
}

/// One member of a formation.
#[derive(Debug)]
pub struct Node {
    /// `site1`, `site2`, ..., `arb1`, ...
    pub name: String,
    pub kind: Kind,
    pub addr: Ipv4Addr,
    /// Its network namespace.
    pub ns: String,
    /// Its directory: booth.conf, authkey, boothd.lock, boothd.log, cib.xml,
    /// crm_ticket.log, bin/crm_ticket.
    pub dir: PathBuf,
    pub daemon_bin: PathBuf,
    daemon: Option<Child>,
}

impl Node {
    pub fn conf(&self) -> PathBuf {
        self.dir.join("booth.conf")
    }
    pub fn conf_str(&self) -> String {
        self.conf().to_string_lossy().into_owned()
    }
    pub fn lock(&self) -> PathBuf {
        self.dir.join("boothd.lock")
    }
    pub fn log(&self) -> PathBuf {
        self.dir.join("boothd.log")
    }
    pub fn cib(&self) -> PathBuf {
        self.dir.join("cib.xml")
    }
    pub fn crm_log(&self) -> PathBuf {
        self.dir.join("crm_ticket.log")
    }
    pub fn daemon_pid(&self) -> Option<u32> {
        self.daemon.as_ref().map(Child::id)
    }
}

/// The result of running a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// Exit code, or `128 + signal` when killed by a signal (as a shell shows it),
    /// or -1 when the harness killed it after the timeout.
    pub code: i32,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Output {
    /// stdout, stderr and exit code with timestamps and pids masked (see [`mask`]).
    pub fn masked(&self) -> (String, String, i32) {
        (mask(&self.stdout), mask(&self.stderr), self.code)
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}{} after {:?}\n--- stdout:\n{}--- stderr:\n{}---",
            self.code,
            if self.timed_out { " (TIMED OUT)" } else { "" },
            self.elapsed,
            self.stdout,
            self.stderr
        )
    }
}

/// Masks what legitimately differs between two runs: log-line time stamps
/// (`Nov 25 01:05:37`), `[pid]`, `%F %T` date-times (`2026-11-25 01:06:45`) and
/// `booth_lockpid=`/`booth_pid=` numbers.
pub fn mask(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        out.push_str(&mask_line(line));
    }
    out
}

fn mask_line(line: &str) -> String {
    let mut l = line.to_string();
    // Log prefix: "Mon DD HH:MM:SS host name: [pid]: LEVEL: ..."
    let b = l.as_bytes();
    if b.len() > 15
        && b[0].is_ascii_uppercase()
        && b[3] == b' '
        && b[6] == b' '
        && b[9] == b':'
        && b[12] == b':'
    {
        l.replace_range(0..15, "<ts>");
    }
    // "[1234]:" -> "[<pid>]:"
    let mut res = String::with_capacity(l.len());
    let mut rest = l.as_str();
    while let Some(i) = rest.find('[') {
        res.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with("]:") {
            res.push_str("<pid>");
            rest = &rest[digits..];
        }
    }
    res.push_str(rest);
    // "YYYY-MM-DD HH:MM:SS" -> "<time>"
    let mut out = String::with_capacity(res.len());
    let bytes = res.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if i + 19 <= bytes.len() && is_datetime(&bytes[i..i + 19]) {
            out.push_str("<time>");
            i += 19;
        } else {
            let ch = res[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    for key in ["booth_lockpid=", "booth_pid="] {
        let mut res = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(p) = rest.find(key) {
            res.push_str(&rest[..p + key.len()]);
            rest = &rest[p + key.len()..];
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            if n > 0 {
                res.push_str("<pid>");
                rest = &rest[n..];
            }
        }
        res.push_str(rest);
        out = res;
    }
    out
}

fn is_datetime(b: &[u8]) -> bool {
    let d = |i: usize| b[i].is_ascii_digit();
    (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && b[7] == b'-'
        && d(8)
        && d(9)
        && b[10] == b' '
        && d(11)
        && d(12)
        && b[13] == b':'
        && d(14)
        && d(15)
        && b[16] == b':'
        && d(17)
        && d(18)
}

/// A running formation. Dropping it ends its daemons and removes its namespaces and
/// directory.
pub struct Formation {
    /// K: namespace prefix `brsK-`, subnet `10.77.K.0/24`.
    pub k: u8,
    pub hub: String,
    pub dir: PathBuf,
    pub nodes: Vec<Node>,
    pub spec: Spec,
    claim: PathBuf,
}

static USERS: Once = Once::new();
static CLAIM_LOCK: Mutex<()> = Mutex::new(());

/// boothd drops privileges to `hacluster`/`haclient` (surface.md §1.10); `boothd status`
/// fails without them. Create them (system user/group) when the host lacks them.
fn ensure_users() {
    USERS.call_once(|| {
        let has = |db: &str, name: &str| {
            Command::new("getent")
                .args([db, name])
                .stdout(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        };
        if !has("group", "haclient") {
            run_ok("groupadd", &["--system", "haclient"]);
        }
        if !has("passwd", "hacluster") {
            run_ok(
                "useradd",
                &[
                    "--system",
                    "-g",
                    "haclient",
                    "-d",
                    "/var/lib/pacemaker",
                    "-s",
                    "/usr/sbin/nologin",
                    "hacluster",
                ],
            );
        }
    });
}

/// Runs a setup command; panics with its output when it fails.
fn run_ok(prog: &str, args: &[&str]) -> String {
    let out = Command::new(prog)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {prog}: {e}"));
    assert!(
        out.status.success(),
        "{prog} {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_quiet(prog: &str, args: &[&str]) -> bool {
    Command::new(prog)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn pid_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks for existence and permission.
    pid > 0 && unsafe { libc::kill(pid, 0) } == 0
}

fn netns_list() -> Vec<String> {
    let out = Command::new("ip").args(["netns", "list"]).output();
    match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Ends every process inside a namespace the harness created (all of them were started
/// by it), then deletes the namespace.
fn destroy_ns(ns: &str) {
    for sig in [libc::SIGTERM, libc::SIGKILL] {
        let out = Command::new("ip").args(["netns", "pids", ns]).output();
        let pids: Vec<i32> = out
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if pids.is_empty() {
            break;
        }
        for p in &pids {
            // SAFETY: plain kill(2) of a pid living in our own test namespace.
            unsafe { libc::kill(*p, sig) };
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while pids.iter().any(|p| pid_alive(*p)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
    }
    run_quiet("ip", &["netns", "del", ns]);
}

/// Claims a K no live formation holds: a file `/run/booth-rs-test/K` holding our pid.
/// A claim whose pid is gone is stale (a killed test run): its namespaces are removed
/// and the K is reused.
fn claim_k() -> (u8, PathBuf) {
    let _guard = CLAIM_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    fs::create_dir_all(CLAIM_DIR).expect("create claim dir");
    let me = std::process::id();
    for k in 1..=250u8 {
        let path = Path::new(CLAIM_DIR).join(k.to_string());
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => {
                fs::write(&path, me.to_string()).expect("write claim");
                cleanup_prefix(k);
                return (k, path);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let owner: i32 = fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(0);
                let same_process = u32::try_from(owner).map(|o| o == me).unwrap_or(false);
                if owner != 0 && !same_process && !pid_alive(owner) {
                    // Stale: take it over.
                    cleanup_prefix(k);
                    fs::write(&path, me.to_string()).expect("write claim");
                    return (k, path);
                }
            }
            Err(e) => panic!("claim {}: {e}", path.display()),
        }
    }
    panic!("no free formation slot in {CLAIM_DIR} (250 in use?)");
}

fn cleanup_prefix(k: u8) {
    let prefix = format!("brs{k}-");
    for ns in netns_list() {
        if ns.starts_with(&prefix) {
            destroy_ns(&ns);
        }
    }
    let _ = fs::remove_dir_all(format!("/tmp/booth-rs-test-{k}"));
}

/// The `crm_ticket` wrapper: logs start (time, args), runs the real tool on this member's
/// CIB file, logs the end with the exit code. Times are the real wall clock even when the
/// daemon runs under libfaketime ([`Formation::under_faketime`]); while the member's
/// `crm_ticket.fail` exists, CIB writes fail ([`Formation::fail_crm_writes`]).
fn crm_wrapper(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "#!/bin/sh\n\
         # crm_ticket for booth-rs interop tests: the real one on {d}/cib.xml, logged.\n\
         log={d}/crm_ticket.log\n\
         # The real wall clock, also under a daemon run with libfaketime.\n\
         now() {{ env -u LD_PRELOAD date +%s.%N; }}\n\
         # With {d}/crm_ticket.fail present, CIB writes (--force) fail with 1.\n\
         args=\"\"\n\
         for a in \"$@\"; do args=\"$args '$a'\"; done\n\
         printf '%s start uid=%s%s\\n' \"$(now)\" \"$(id -u)\" \"$args\" >>\"$log\"\n\
         case \"$*\" in\n\
         *--force*) if [ -e {d}/crm_ticket.fail ]; then false; else CIB_file={d}/cib.xml {CRM_TICKET} \"$@\"; fi;;\n\
         *) CIB_file={d}/cib.xml {CRM_TICKET} \"$@\";;\n\
         esac\n\
         rc=$?\n\
         printf '%s end rc=%s%s\\n' \"$(now)\" \"$rc\" \"$args\" >>\"$log\"\n\
         exit $rc\n"
    )
}

fn write_key(path: &Path, key: &[u8]) {
    fs::write(path, key).expect("write key");
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).expect("chmod key");
}

fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 64];
    let mut f = fs::File::open("/dev/urandom").expect("urandom");
    loop {
        f.read_exact(&mut key).expect("urandom read");
        // A key starting with NUL silently disables auth in C (wire.md §4.1).
        if key[0] != 0 {
            return key;
        }
    }
}

impl Formation {
    /// Builds the namespaces, directories and configs; starts the daemons if `spec.start`.
    /// Panics (failing the test) when set-up fails; call [`ready`] first.
    pub fn new(spec: Spec) -> Formation {
        ensure_users();
        let (k, claim) = claim_k();
        let dir = PathBuf::from(format!("/tmp/booth-rs-test-{k}"));
        let hub = format!("brs{k}-hub");
        let mut f = Formation {
            k,
            hub: hub.clone(),
            dir: dir.clone(),
            nodes: Vec::new(),
            spec: spec.clone(),
            claim,
        };
        fs::create_dir_all(&dir).expect("create formation dir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");

        let mut members = Vec::new();
        for i in 1..=spec.sites {
            let last = u8::try_from(10 + i).expect("too many sites");
            members.push((format!("site{i}"), Kind::Site, last));
        }
        for j in 1..=spec.arbs {
            let last = u8::try_from(100 + j).expect("too many arbitrators");
            members.push((format!("arb{j}"), Kind::Arbitrator, last));
        }

        // Network: the hub with a bridge, one veth per member.
        run_ok("ip", &["netns", "add", &hub]);
        disable_ipv6(&hub);
        run_ok("ip", &["-n", &hub, "link", "set", "lo", "up"]);
        run_ok("ip", &["-n", &hub, "link", "add", "br0", "type", "bridge"]);
        run_ok("ip", &["-n", &hub, "link", "set", "br0", "up"]);
        for (name, kind, last) in &members {
            let ns = format!("brs{k}-{name}");
            let addr = Ipv4Addr::new(10, 77, k, *last);
            run_ok("ip", &["netns", "add", &ns]);
            // Recorded right away so that Drop removes it even if the rest fails.
            f.nodes.push(Node {
                name: name.clone(),
                kind: *kind,
                addr,
                ns: ns.clone(),
                dir: dir.join(name),
                daemon_bin: spec
                    .daemon_for
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| spec.daemon.clone()),
                daemon: None,
            });
            disable_ipv6(&ns);
            run_ok("ip", &["-n", &ns, "link", "set", "lo", "up"]);
            let veth = format!("v-{name}");
            run_ok(
                "ip",
                &[
                    "-n", &hub, "link", "add", &veth, "type", "veth", "peer", "name", "eth0",
                    "netns", &ns,
                ],
            );
            run_ok(
                "ip",
                &["-n", &hub, "link", "set", &veth, "master", "br0", "up"],
            );
            run_ok(
                "ip",
                &[
                    "-n",
                    &ns,
                    "addr",
                    "add",
                    &format!("{addr}/24"),
                    "dev",
                    "eth0",
                ],
            );
            run_ok("ip", &["-n", &ns, "link", "set", "eth0", "up"]);
        }

        // Files per member.
        let key = if spec.auth { random_key() } else { Vec::new() };
        let conf_for = |node: &Node| -> String {
            let mut c = String::new();
            let _ = writeln!(c, "# booth-rs test formation {k}, {}", node.name);
            let _ = writeln!(c, "transport = UDP\nport = {PORT}");
            for (name, kind, last) in &members {
                let _ = name;
                let word = if *kind == Kind::Site {
                    "site"
                } else {
                    "arbitrator"
                };
                let _ = writeln!(c, "{word} = 10.77.{k}.{last}");
            }
            if spec.auth {
                let _ = writeln!(c, "authfile = {}", node.dir.join("authkey").display());
            }
            c.push_str(&spec.global_extra);
            for t in &spec.tickets {
                let _ = writeln!(c, "ticket = \"{t}\"");
                let _ = writeln!(c, "    expire = {}", spec.expire);
                let _ = writeln!(c, "    timeout = {}", spec.timeout);
                let _ = writeln!(c, "    retries = {}", spec.retries);
                let own = spec.ticket_extra_for.get(t).map_or("", String::as_str);
                for l in spec.ticket_extra.lines().chain(own.lines()) {
                    let _ = writeln!(c, "    {l}");
                }
            }
            c
        };
        for node in &f.nodes {
            let d = &node.dir;
            fs::create_dir_all(d.join("bin")).expect("node dir");
            // The daemon runs as hacluster after start-up: it must remove its lock file,
            // crm_ticket must rewrite the CIB file (via a temp file) and append to its log.
            fs::set_permissions(d, fs::Permissions::from_mode(0o777)).expect("chmod");
            fs::write(node.conf(), conf_for(node)).expect("write conf");
            if spec.auth {
                let mine = if spec.other_key.contains(&node.name) {
                    random_key()
                } else {
                    key.clone()
                };
                write_key(&d.join("authkey"), &mine);
            }
            let cib = Command::new(CIBADMIN)
                .arg("--empty")
                .output()
                .expect("cibadmin --empty");
            assert!(cib.status.success(), "cibadmin --empty failed");
            fs::write(node.cib(), &cib.stdout).expect("write cib");
            fs::set_permissions(node.cib(), fs::Permissions::from_mode(0o666)).expect("chmod");
            fs::write(node.crm_log(), "").expect("crm log");
            fs::set_permissions(node.crm_log(), fs::Permissions::from_mode(0o666)).expect("chmod");
            let wrapper = d.join("bin/crm_ticket");
            fs::write(&wrapper, crm_wrapper(d)).expect("wrapper");
            fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod");
            fs::write(node.log(), "").expect("log");
            fs::set_permissions(node.log(), fs::Permissions::from_mode(0o666)).expect("chmod");
        }
        if spec.start {
            f.start_all();
        }
        f
    }

    pub fn node(&self, name: &str) -> &Node {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("no node {name} in formation {}", self.k))
    }

    fn node_mut(&mut self, name: &str) -> &mut Node {
        let k = self.k;
        self.nodes
            .iter_mut()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("no node {name} in formation {k}"))
    }

    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    /// The address text of a member (as `-s` and `booth list` show it).
    pub fn addr(&self, name: &str) -> String {
        self.node(name).addr.to_string()
    }

    /// Starts every daemon, then waits until each listens.
    pub fn start_all(&mut self) {
        for n in self.names() {
            self.spawn_daemon(&n);
        }
        for n in self.names() {
            self.wait_listening(&n);
        }
    }

    /// Starts a member's daemon (if not running) and waits until it listens on TCP.
    pub fn start(&mut self, name: &str) {
        self.spawn_daemon(name);
        self.wait_listening(name);
    }

    /// `BIN daemon -S -D... -c CONF -l LOCK` in the member's namespace and directory, clean
    /// environment, stdout+stderr appended to its boothd.log (as the lab does).
    pub fn spawn_daemon(&mut self, name: &str) {
        let debug = self.spec.debug;
        let node = self.node_mut(name);
        if let Some(c) = node.daemon.as_mut() {
            if matches!(c.try_wait(), Ok(None)) {
                return;
            }
        }
        let log = fs::OpenOptions::new()
            .append(true)
            .open(node.log())
            .expect("open daemon log");
        let log2 = log.try_clone().expect("dup log");
        let mut args: Vec<String> = vec!["daemon".into(), "-S".into()];
        args.extend(std::iter::repeat("-D".to_string()).take(debug));
        args.extend([
            "-c".into(),
            node.conf_str(),
            "-l".into(),
            node.lock().to_string_lossy().into_owned(),
        ]);
        let mut cmd = ns_command(&node.ns, &node.dir, &[], &node.daemon_bin, &args);
        cmd.current_dir(&node.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start daemon: {e}"));
        node.daemon = Some(child);
    }

    /// Waits (up to 10 s) until the member listens on TCP `PORT`; panics with the daemon's
    /// log if it exits or never listens.
    pub fn wait_listening(&mut self, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let node = self.node_mut(name);
            if let Some(c) = node.daemon.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    let log = fs::read_to_string(node.log()).unwrap_or_default();
                    panic!("{name}: daemon exited during start-up ({st}):\n{log}");
                }
            }
            let ns = node.ns.clone();
            let out = Command::new("ip")
                .args(["netns", "exec", &ns, "ss", "-Htln"])
                .arg(format!("sport = :{PORT}"))
                .output();
            if let Ok(o) = out {
                if !o.stdout.is_empty() {
                    return;
                }
            }
            if Instant::now() > deadline {
                let log = fs::read_to_string(self.node(name).log()).unwrap_or_default();
                panic!("{name}: daemon not listening on TCP {PORT} after 10 s:\n{log}");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `sig` to a member's daemon and waits (up to 5 s, then SIGKILL) until it exits.
    pub fn signal(&mut self, name: &str, sig: i32) -> Option<ExitStatus> {
        let node = self.node_mut(name);
        let mut child = node.daemon.take()?;
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) of our own child process, which we have not reaped yet.
            unsafe { libc::kill(pid, sig) };
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match child.try_wait() {
                Ok(Some(st)) => return Some(st),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = child.kill();
                    return child.wait().ok();
                }
            }
        }
    }

    /// Clean stop (SIGTERM), then start again and wait until it listens.
    pub fn restart(&mut self, name: &str) {
        self.stop(name);
        self.start(name);
    }

    /// Clean stop (SIGTERM).
    pub fn stop(&mut self, name: &str) -> Option<ExitStatus> {
        self.signal(name, libc::SIGTERM)
    }

    /// Crash (SIGKILL).
    pub fn kill(&mut self, name: &str) -> Option<ExitStatus> {
        self.signal(name, libc::SIGKILL)
    }

    /// The daemon's log so far.
    pub fn daemon_log(&self, name: &str) -> String {
        fs::read_to_string(self.node(name).log()).unwrap_or_default()
    }

    /// Every `crm_ticket` call of the member so far (the wrapper's log).
    pub fn crm_log(&self, name: &str) -> String {
        fs::read_to_string(self.node(name).crm_log()).unwrap_or_default()
    }

    /// `crm_ticket -t TICKET -G ATTR --quiet` against the member's CIB file.
    pub fn cib_attr(&self, name: &str, ticket: &str, attr: &str) -> Output {
        let node = self.node(name);
        let mut cmd = Command::new(CRM_TICKET);
        cmd.args(["-t", ticket, "-G", attr, "--quiet"])
            .env("CIB_file", node.cib());
        capture(cmd, Duration::from_secs(10))
    }

    /// A directory with `booth`, `geostore` and `boothd` (links to the implementation's
    /// binaries), first on the client's PATH so that argv[0] is exactly the name.
    fn client_dir(&self, imp: &Impl) -> PathBuf {
        let d = self.dir.join(format!("clients-{}", imp.name));
        if !d.exists() {
            let _guard = CLAIM_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            let tmp = self.dir.join(format!(
                ".clients-{}-{:?}",
                imp.name,
                thread::current().id()
            ));
            fs::create_dir_all(&tmp).expect("client dir");
            symlink(&imp.booth, tmp.join("booth")).expect("link booth");
            symlink(&imp.geostore, tmp.join("geostore")).expect("link geostore");
            symlink(&imp.boothd, tmp.join("boothd")).expect("link boothd");
            if fs::rename(&tmp, &d).is_err() {
                let _ = fs::remove_dir_all(&tmp);
            }
        }
        d
    }

    /// Runs `booth ARGS...` of `imp` in the member's namespace (argv[0] = `booth`).
    /// Arguments are passed as given: add `-c` yourself (see [`Formation::conf`]).
    pub fn booth(&self, imp: &Impl, name: &str, args: &[&str]) -> Output {
        self.client(imp, "booth", name, args)
    }

    /// Runs `geostore ARGS...` of `imp` in the member's namespace.
    pub fn geostore(&self, imp: &Impl, name: &str, args: &[&str]) -> Output {
        self.client(imp, "geostore", name, args)
    }

    /// Runs program `prog` (`booth`, `geostore`, `boothd`) of `imp` in the member's
    /// namespace with a clean environment; 20 s timeout.
    pub fn client(&self, imp: &Impl, prog: &str, name: &str, args: &[&str]) -> Output {
        self.client_timeout(imp, prog, name, args, Duration::from_secs(20))
    }

    pub fn client_timeout(
        &self,
        imp: &Impl,
        prog: &str,
        name: &str,
        args: &[&str],
        timeout: Duration,
    ) -> Output {
        let cdir = self.client_dir(imp);
        let node = self.node(name);
        let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
        let mut cmd = ns_command(&node.ns, &node.dir, &[&cdir], Path::new(prog), &args);
        cmd.current_dir(&node.dir);
        capture(cmd, timeout)
    }

    /// Runs any command in the member's namespace (same environment as the daemons).
    pub fn exec(&self, name: &str, prog: &str, args: &[&str]) -> Output {
        let node = self.node(name);
        let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
        let cmd = ns_command(&node.ns, &node.dir, &[], Path::new(prog), &args);
        capture(cmd, Duration::from_secs(20))
    }

    /// Runs nftables commands inside the member's namespace (table `inet brs`).
    pub fn nft(&self, name: &str, commands: &str) {
        let ns = &self.node(name).ns;
        run_ok("ip", &["netns", "exec", ns, "nft", commands]);
    }

    /// Drops incoming TCP to the booth port in the member's namespace, so that
    /// connecting to it times out.
    pub fn drop_tcp(&self, name: &str) {
        self.nft(
            name,
            &format!(
                "add table inet brs; \
                 add chain inet brs in {{ type filter hook input priority 0; }}; \
                 add rule inet brs in tcp dport {PORT} drop"
            ),
        );
    }

    /// Cuts the member off the bridge (everything in and out of `eth0` dropped); its own
    /// `lo` keeps working, so its local client still answers.
    pub fn isolate(&self, name: &str) {
        self.nft(
            name,
            "add table inet brs; \
             add chain inet brs in { type filter hook input priority 0; }; \
             add chain inet brs out { type filter hook output priority 0; }; \
             add rule inet brs in iifname \"eth0\" drop; \
             add rule inet brs out oifname \"eth0\" drop",
        );
    }

    /// Removes every rule [`Formation::isolate`]/[`Formation::drop_tcp`] added.
    pub fn heal(&self, name: &str) {
        let ns = &self.node(name).ns;
        run_quiet("ip", &["netns", "exec", ns, "nft", "delete table inet brs"]);
    }

    /// Drops `percent` % of the packets in and out of the member's `eth0`, each packet
    /// on its own draw (nft `numgen random`), as booth's own tests do with netem loss.
    /// [`Formation::heal`] removes it.
    pub fn lossy(&self, name: &str, percent: u32) {
        assert!(percent <= 100, "loss {percent} %");
        self.nft(
            name,
            &format!(
                "add table inet brs; \
                 add chain inet brs in {{ type filter hook input priority 0; }}; \
                 add chain inet brs out {{ type filter hook output priority 0; }}; \
                 add rule inet brs in iifname \"eth0\" numgen random mod 100 < {percent} drop; \
                 add rule inet brs out oifname \"eth0\" numgen random mod 100 < {percent} drop"
            ),
        );
    }

    /// SIGSTOP to the member's daemon (it stays our child; [`Formation::resume`] goes on).
    pub fn pause(&self, name: &str) {
        self.raw_signal(name, libc::SIGSTOP);
    }

    /// SIGCONT to the member's daemon.
    pub fn resume(&self, name: &str) {
        self.raw_signal(name, libc::SIGCONT);
    }

    fn raw_signal(&self, name: &str, sig: i32) {
        let pid = self
            .node(name)
            .daemon_pid()
            .and_then(|p| i32::try_from(p).ok())
            .unwrap_or_else(|| panic!("{name}: no daemon running"));
        // SAFETY: kill(2) of our own, not yet reaped child.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(
            rc,
            0,
            "{name}: kill {sig}: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Runs the member's daemon under libfaketime with its own wall clock
    /// (CLOCK_REALTIME shifted by the offset in `DIR/faketime`, re-read on every call;
    /// CLOCK_MONOTONIC untouched): the namespaces share one kernel clock, so this is how
    /// one node's wall clock is stepped ([`Formation::step_clock`]). Call before the
    /// daemon starts. `Err` when libfaketime is not installed.
    pub fn under_faketime(&mut self, name: &str) -> Result<(), String> {
        if !Path::new(LIBFAKETIME).exists() {
            return Err(format!(
                "{LIBFAKETIME} missing (apt-get install libfaketime)"
            ));
        }
        let node = self.node_mut(name);
        let offset = node.dir.join("faketime");
        fs::write(&offset, "+0\n").expect("write faketime offset");
        let wrapper = node.dir.join("boothd-faketime");
        fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\n\
                 LD_PRELOAD={LIBFAKETIME} FAKETIME_TIMESTAMP_FILE={} FAKETIME_NO_CACHE=1 \
                 DONT_FAKE_MONOTONIC=1 exec {} \"$@\"\n",
                offset.display(),
                node.daemon_bin.display()
            ),
        )
        .expect("write faketime wrapper");
        fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod");
        node.daemon_bin = wrapper;
        Ok(())
    }

    /// Steps the wall clock of a member run [`Formation::under_faketime`] to real time +
    /// `offset_s` seconds (takes effect at the daemon's next clock read).
    pub fn step_clock(&self, name: &str, offset_s: i64) {
        let offset = self.node(name).dir.join("faketime");
        fs::write(&offset, format!("{offset_s:+}\n")).expect("write faketime offset");
    }

    /// While `on`, every CIB write (`crm_ticket ... --force`) of the member fails with
    /// exit 1 (the probe and the loads still work); the calls are still logged.
    pub fn fail_crm_writes(&self, name: &str, on: bool) {
        let flag = self.node(name).dir.join("crm_ticket.fail");
        if on {
            fs::write(&flag, "").expect("write crm_ticket.fail");
        } else {
            let _ = fs::remove_file(&flag);
        }
    }

    /// The config path of a member, for `-c`.
    pub fn conf(&self, name: &str) -> String {
        self.node(name).conf_str()
    }
}

impl Drop for Formation {
    fn drop(&mut self) {
        for n in self.names() {
            self.stop(&n);
        }
        for node in &self.nodes {
            destroy_ns(&node.ns);
        }
        destroy_ns(&self.hub);
        if std::env::var_os("BOOTH_RS_KEEP").is_none() {
            let _ = fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("formation {} kept in {}", self.k, self.dir.display());
        }
        let _ = fs::remove_file(&self.claim);
    }
}

fn disable_ipv6(ns: &str) {
    run_ok(
        "ip",
        &[
            "netns",
            "exec",
            ns,
            "sh",
            "-c",
            "for f in all default lo; do p=/proc/sys/net/ipv6/conf/$f/disable_ipv6; \
             if [ -e $p ]; then echo 1 >$p; fi; done",
        ],
    );
}

/// `ip netns exec NS env -i PATH=... PROG ARGS` with the member's `bin` (crm_ticket
/// wrapper) and `extra_path` first on PATH. `ip netns exec` execs the program, so the
/// child's pid is the program's.
fn ns_command(ns: &str, dir: &Path, extra_path: &[&Path], prog: &Path, args: &[String]) -> Command {
    let mut path = String::new();
    for p in extra_path {
        path.push_str(&p.to_string_lossy());
        path.push(':');
    }
    path.push_str(&dir.join("bin").to_string_lossy());
    path.push_str(":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns, "env", "-i"])
        .arg(format!("PATH={path}"))
        .arg("LC_ALL=C")
        .arg("HOME=/root")
        .arg(prog)
        .args(args);
    cmd
}

/// Polls `check` every 20 ms until it is true or `timeout` passes; returns its last
/// answer. For waiting on daemon state without fixed sleeps.
pub fn poll_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a command with stdin from /dev/null, capturing stdout and stderr, killing it
/// after `timeout`.
pub fn capture(mut cmd: Command, timeout: Duration) -> Output {
    let start = Instant::now();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Output {
                stdout: String::new(),
                stderr: format!("harness: cannot spawn {cmd:?}: {e}"),
                code: -1,
                timed_out: false,
                elapsed: start.elapsed(),
            }
        }
    };
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let t1 = thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = so.as_mut() {
            let _ = s.read_to_end(&mut v);
        }
        v
    });
    let t2 = thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(s) = se.as_mut() {
            let _ = s.read_to_end(&mut v);
        }
        v
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() < timeout => thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Err(_) => break None,
        }
    };
    let stdout = String::from_utf8_lossy(&t1.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t2.join().unwrap_or_default()).into_owned();
    let code = if timed_out {
        -1
    } else {
        status.map_or(-1, exit_code)
    };
    Output {
        stdout,
        stderr,
        code,
        timed_out,
        elapsed: start.elapsed(),
    }
}

/// Exit code as a shell shows it: the code, or 128 + signal.
pub fn exit_code(st: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    st.code()
        .or_else(|| st.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}

/// A bare namespace with only `lo` (127.0.0.1/8, IPv6 off): for fake daemons. Removed on
/// drop.
pub struct LoopNs {
    pub ns: String,
    pub dir: PathBuf,
    claim: PathBuf,
}

impl LoopNs {
    pub fn new() -> LoopNs {
        let (k, claim) = claim_k();
        let ns = format!("brs{k}-lo");
        let dir = PathBuf::from(format!("/tmp/booth-rs-test-{k}"));
        fs::create_dir_all(dir.join("bin")).expect("dir");
        run_ok("ip", &["netns", "add", &ns]);
        let me = LoopNs { ns, dir, claim };
        disable_ipv6(&me.ns);
        run_ok("ip", &["-n", &me.ns, "link", "set", "lo", "up"]);
        me
    }

    /// Runs `prog` (a path) with argv[0] = its file name, in the namespace.
    pub fn run(&self, prog_dir: &Path, prog: &str, args: &[&str], timeout: Duration) -> Output {
        let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
        let mut cmd = ns_command(&self.ns, &self.dir, &[prog_dir], Path::new(prog), &args);
        cmd.current_dir(&self.dir);
        capture(cmd, timeout)
    }

    /// Enters the namespace on the calling thread only (setns affects one thread), so a
    /// listener created afterwards lives in it. Call on a thread of its own.
    pub fn enter(&self) {
        let f = fs::File::open(format!("/run/netns/{}", self.ns)).expect("open netns");
        use std::os::fd::AsRawFd;
        // SAFETY: setns(2) with a valid namespace fd; it only changes this thread's
        // network namespace.
        let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
    }
}

impl Default for LoopNs {
    fn default() -> Self {
        LoopNs::new()
    }
}

impl Drop for LoopNs {
    fn drop(&mut self) {
        destroy_ns(&self.ns);
        let _ = fs::remove_dir_all(&self.dir);
        let _ = fs::remove_file(&self.claim);
    }
}
