//! `cargo bench --bench formations` (root): our daemon and client side by side with the C
//! ones (Debian `booth` 1.0), in the same run, on the same namespace topology (the test
//! harness: one network namespace per member, Pacemaker's real `crm_ticket` behind a
//! logging wrapper). Prints a Markdown report with ratios ours/C and writes it, with a
//! scale plot, to `target/booth-bench/`. Timings are reported, never asserted.
//!
//! * M1 failover overhead: kill -9 of the holder until `crm_ticket -g` ends at the other
//!   site; ε = that − (lease end + acquire-after), the lease end being the holder's last
//!   datagram before the kill (captured on the hub bridge) + `expire`.
//! * M2 command latency: `booth list`, `booth peers`, `boothd status`, `booth grant -w`,
//!   spawn to exit, both clients against both daemons.
//! * M3 idle cost: context switches, CPU time (`/proc/PID/schedstat`), RSS and peak RSS of
//!   the holder site, the follower site and the arbitrator, one ticket granted.
//! * M4 wire cost: datagrams and bytes per ticket per renewal without loss (from the same
//!   idle window), and extra datagrams per lost one at 30 % loss (nft `numgen random` on
//!   every member's input).
//! * M5 scale: 1 … 10,000 tickets (one granted) with a stub `crm_ticket` (so that
//!   Pacemaker's own cost does not drown the daemon's): start-up, CPU per renewal period,
//!   RSS per ticket, `booth list` time and size, `crm_ticket` launches per hour.
//!
//! Environment: `BENCH_QUICK=1` (few runs, short windows, up to 1,000 tickets, for
//! developing), `BENCH_ONLY=m1,m3` (a subset), `BENCH_OUT=DIR` (default
//! `target/booth-bench`).
// Measurements are floats and counters, not wire fields: the crate's cast lints (there
// to catch truncated u32 protocol fields) do not apply here.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

#[path = "../harness/mod.rs"]
mod harness;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use harness::{Formation, Impl, Spec};

// ---------------------------------------------------------------- settings

struct Settings {
    quick: bool,
    only: Option<Vec<String>>,
    out: PathBuf,
    m1_runs: usize,
    m2_runs: usize,
    idle_secs: u64,
    loss_secs: u64,
    scale: Vec<usize>,
    scale_secs: u64,
}

impl Settings {
    fn from_env() -> Settings {
        let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
        let only = std::env::var("BENCH_ONLY")
            .ok()
            .map(|s| s.split(',').map(|x| x.trim().to_lowercase()).collect());
        let out = std::env::var_os("BENCH_OUT").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/booth-bench"),
            PathBuf::from,
        );
        let runs = |var: &str, default: usize| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            quick,
            only,
            out,
            m1_runs: runs("BENCH_M1_RUNS", if quick { 3 } else { 10 }),
            m2_runs: runs("BENCH_M2_RUNS", if quick { 20 } else { 200 }),
            idle_secs: if quick { 20 } else { 60 },
            loss_secs: if quick { 20 } else { 60 },
            scale: std::env::var("BENCH_SCALE").ok().map_or_else(
                || {
                    if quick {
                        vec![1, 100, 1000]
                    } else {
                        vec![1, 100, 1000, 10_000]
                    }
                },
                |v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
            ),
            scale_secs: if quick { 10 } else { 20 },
        }
    }
    /// `BENCH_IMPLS=ours` (or `C`): M5 for one implementation only (development).
    fn wants_impl(&self, name: &str) -> bool {
        std::env::var("BENCH_IMPLS").map_or(true, |v| v.split(',').any(|x| x == name))
    }
    fn wants(&self, m: &str) -> bool {
        self.only
            .as_ref()
            .map_or(true, |o| o.iter().any(|x| x == m))
    }
}

/// Ticket timings of every formation here (M1's "short timings").
const EXPIRE: u32 = 10;
const TIMEOUT: u32 = 1;
const ACQUIRE_AFTER: f64 = 0.0;

// ---------------------------------------------------------------- small tools

fn wall() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        Rng(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1)
    }
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let s = sorted(v);
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    s[i.min(s.len() - 1)]
}
fn median(v: &[f64]) -> f64 {
    quantile(v, 0.5)
}
fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}
/// "1.23" style ratio ours/C, "–" when undefined.
fn ratio(ours: f64, c: f64) -> String {
    if !ours.is_finite() || !c.is_finite() || c == 0.0 {
        if ours == 0.0 && c == 0.0 {
            return "=".into();
        }
        return "–".into();
    }
    format!("{:.2}", ours / c)
}
fn ms(s: f64) -> String {
    if s.is_finite() {
        format!("{:.1} ms", s * 1000.0)
    } else {
        "–".into()
    }
}
fn num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "–".into()
    }
}

/// Per-process counters from /proc.
#[derive(Clone, Copy, Debug, Default)]
struct ProcSample {
    at: f64,
    cpu_ns: u64,
    switches: u64,
    rss_kb: u64,
    hwm_kb: u64,
    locked_kb: u64,
}

fn proc_sample(pid: u32) -> Option<ProcSample> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let sched = fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let cpu_ns = sched
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Some(ProcSample {
        at: wall(),
        cpu_ns,
        switches: field("voluntary_ctxt_switches:") + field("nonvoluntary_ctxt_switches:"),
        rss_kb: field("VmRSS:"),
        hwm_kb: field("VmHWM:"),
        locked_kb: field("VmLck:"),
    })
}

/// Idle cost between two samples.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    wakeups_per_s: f64,
    cpu_s_per_h: f64,
    rss_mb: f64,
    hwm_mb: f64,
    locked_mb: f64,
}

fn cost(a: ProcSample, b: ProcSample) -> Cost {
    let dt = (b.at - a.at).max(1e-9);
    Cost {
        wakeups_per_s: b.switches.saturating_sub(a.switches) as f64 / dt,
        cpu_s_per_h: b.cpu_ns.saturating_sub(a.cpu_ns) as f64 / 1e9 / dt * 3600.0,
        rss_mb: b.rss_kb as f64 / 1024.0,
        hwm_mb: b.hwm_kb as f64 / 1024.0,
        locked_mb: b.locked_kb as f64 / 1024.0,
    }
}

// ---------------------------------------------------------------- crm_ticket logs

#[derive(Clone, Debug)]
struct CrmCall {
    ts: f64,
    end: bool,
    rc: i32,
    args: String,
}

/// Lines of the harness's wrapper (`TS start uid=U ARGS`, `TS end rc=N ARGS`) and of the
/// stub (`TS start ARGS`).
fn crm_calls(path: &Path) -> Vec<CrmCall> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut w = l.splitn(3, ' ');
            let ts: f64 = w.next()?.parse().ok()?;
            let kind = w.next()?;
            let rest = w.next().unwrap_or("");
            let (end, rc) = match kind {
                "start" => (false, 0),
                "end" => {
                    let rc = rest
                        .strip_prefix("rc=")
                        .and_then(|r| r.split_whitespace().next())
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(-1);
                    (true, rc)
                }
                _ => return None,
            };
            // The arguments only, without the wrapper's `uid=`/`rc=` word.
            let args = if rest.starts_with("uid=") || rest.starts_with("rc=") {
                rest.split_once(' ').map_or("", |x| x.1)
            } else {
                rest
            };
            Some(CrmCall {
                ts,
                end,
                rc,
                args: args.to_string(),
            })
        })
        .collect()
}

fn is_grant_write(c: &CrmCall) -> bool {
    c.args.contains("'-g'") && c.args.contains("'--force'")
}
fn is_revoke_write(c: &CrmCall) -> bool {
    c.args.contains("'-r'") && c.args.contains("'--force'")
}

// ---------------------------------------------------------------- captures

/// One captured UDP datagram.
#[derive(Clone, Debug)]
struct Pkt {
    ts: f64,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    frame_len: usize,
    payload_len: usize,
    cmd: u32,
    /// `term_valid_for` of a ticket message (seconds unless the ticket is in ms mode).
    valid: u32,
}

fn cmd_name(cmd: u32) -> String {
    cmd.to_be_bytes()
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
        .collect()
}

/// Reads a classic pcap (Ethernet, possibly still being written: a partial last record
/// is ignored); UDP over IPv4 only.
fn read_pcap(path: &Path) -> Vec<Pkt> {
    let data = fs::read(path).unwrap_or_default();
    let u32le = |at: usize| -> Option<u32> {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut out = Vec::new();
    let nsec = match u32le(0) {
        Some(0xa1b2_c3d4) => false,
        Some(0xa1b2_3c4d) => true,
        _ => return out,
    };
    let mut off = 24;
    while let (Some(sec), Some(frac), Some(incl), Some(orig)) =
        (u32le(off), u32le(off + 4), u32le(off + 8), u32le(off + 12))
    {
        let start = off + 16;
        let Some(frame) = data.get(start..start + incl as usize) else {
            break;
        };
        off = start + incl as usize;
        let ts = f64::from(sec) + f64::from(frac) / if nsec { 1e9 } else { 1e6 };
        if frame.len() < 14 + 20 || frame[12..14] != [0x08, 0x00] {
            continue;
        }
        let ip = &frame[14..];
        let ihl = usize::from(ip[0] & 15) * 4;
        if ip[9] != 17 || ip.len() < ihl + 8 {
            continue;
        }
        let src = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
        let dst = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
        let udp_len = usize::from(u16::from_be_bytes([ip[ihl + 4], ip[ihl + 5]]));
        let payload = &ip[ihl + 8..];
        let cmd = booth::wire::decode_header(&payload[..payload.len().min(udp_len - 8)])
            .map_or(0, |h| h.cmd);
        // Header 48, ticket name 64, leader, term, then term_valid_for.
        let valid = payload
            .get(120..124)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        out.push(Pkt {
            ts,
            src,
            dst,
            valid,
            frame_len: orig as usize,
            payload_len: udp_len.saturating_sub(8),
            cmd,
        });
    }
    out
}

/// tcpdump on the formation's bridge: every member-to-member datagram once.
struct Capture {
    child: Child,
    path: PathBuf,
}

impl Capture {
    fn start(f: &Formation, name: &str) -> Capture {
        let path = f.dir.join(format!("{name}.pcap"));
        let child = Command::new("ip")
            .args(["netns", "exec", &f.hub, "tcpdump", "-Z", "root", "-U"])
            .args(["--immediate-mode", "-n", "-s", "0", "-i", "br0", "-w"])
            .arg(&path)
            .arg(format!("udp port {}", harness::PORT))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tcpdump (apt-get install tcpdump)");
        harness::poll_until(Duration::from_secs(5), || {
            fs::metadata(&path).is_ok_and(|m| m.len() >= 24)
        });
        thread::sleep(Duration::from_millis(300));
        Capture { child, path }
    }
    fn packets(&self) -> Vec<Pkt> {
        read_pcap(&self.path)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) of our own, not yet reaped child.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- clients

/// A client run: wall time from spawn to exit.
struct Run {
    secs: f64,
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `prog` with argv[0] = `argv0` inside the member's namespace, directly (setns on
/// a thread of its own, no `ip netns exec` in between), clean environment; times spawn
/// to exit.
fn timed(f: &Formation, member: &str, prog: &Path, argv0: &str, args: &[&str]) -> Run {
    let node = f.node(member);
    let ns = node.ns.clone();
    let dir = node.dir.clone();
    let prog = prog.to_path_buf();
    let argv0 = argv0.to_string();
    let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
    thread::spawn(move || {
        let nsf = fs::File::open(format!("/run/netns/{ns}")).expect("open netns");
        use std::os::fd::AsRawFd;
        // SAFETY: setns(2) with a valid namespace fd; changes this thread's namespace only.
        let rc = unsafe { libc::setns(nsf.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns {ns}");
        let mut cmd = Command::new(&prog);
        cmd.arg0(&argv0)
            .args(&args)
            .env_clear()
            .env(
                "PATH",
                format!(
                    "{}:/usr/sbin:/usr/bin:/sbin:/bin",
                    dir.join("bin").display()
                ),
            )
            .env("LC_ALL", "C")
            .env("HOME", "/root")
            .current_dir(&dir)
            .stdin(Stdio::null());
        let t0 = Instant::now();
        let out = cmd.output();
        let secs = t0.elapsed().as_secs_f64();
        match out {
            Ok(o) => Run {
                secs,
                code: o.status.code().unwrap_or(-1),
                stdout: o.stdout,
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            },
            Err(e) => Run {
                secs,
                code: -1,
                stdout: Vec::new(),
                stderr: e.to_string(),
            },
        }
    })
    .join()
    .expect("client thread")
}

fn booth(f: &Formation, imp: &Impl, member: &str, args: &[&str]) -> Run {
    let conf = f.conf(member);
    let mut a: Vec<&str> = vec![args[0], "-c", &conf];
    a.extend_from_slice(&args[1..]);
    timed(f, member, &imp.booth, "booth", &a)
}

/// The member's daemon runs (not exited, not a zombie waiting to be reaped).
fn alive(f: &Formation, member: &str) -> bool {
    f.node(member).daemon_pid().is_some_and(|pid| {
        fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|st| {
                st.rsplit(')')
                    .next()
                    .map(|r| r.trim_start().starts_with(['R', 'S', 'D']))
            })
            .unwrap_or(false)
    })
}

fn granted_at(f: &Formation, member: &str, ticket: &str) -> bool {
    f.cib_attr(member, ticket, "granted").stdout.trim() == "true"
}

// ---------------------------------------------------------------- formations

struct Pair {
    c: Formation,
    ours: Formation,
}

impl Pair {
    fn each(&self) -> [(&'static str, &Formation, Impl); 2] {
        [
            ("C", &self.c, Impl::c()),
            ("ours", &self.ours, Impl::ours()),
        ]
    }
}

fn spec(imp: &Impl, tickets: &[String]) -> Spec {
    let mut s = Spec::new(2, 1).daemon(imp.boothd.clone());
    s.tickets.clone_from(&tickets.to_vec());
    s.expire = EXPIRE;
    s.timeout = TIMEOUT;
    s.debug = 0;
    s
}

fn main_tickets() -> Vec<String> {
    let mut t = vec!["tA".to_string(), "tB".to_string()];
    t.extend((1..=8).map(|i| format!("t{i}")));
    t
}

/// Grants `ticket` at `member` with the formation's own client and waits until the CIB
/// write ended there.
fn grant(f: &Formation, imp: &Impl, member: &str, ticket: &str) -> Result<(), String> {
    let r = booth(f, imp, member, &["grant", "-w", ticket]);
    if r.code != 0 {
        return Err(format!(
            "grant {ticket} at {member}: exit {} {}",
            r.code, r.stderr
        ));
    }
    if harness::poll_until(Duration::from_secs(10), || granted_at(f, member, ticket)) {
        Ok(())
    } else {
        Err(format!("{ticket} never granted in {member}'s CIB"))
    }
}

// ---------------------------------------------------------------- M1

#[derive(Clone, Debug)]
struct Failover {
    measured: f64,
    remaining: f64,
    /// Against the configured lease: holder's last datagram + expire.
    eps: f64,
    /// Against the lease the survivor was told: max(ts + term_valid_for) of the holder's
    /// datagrams to it (C truncates the seconds: 9 for an expire of 10).
    eps_wire: f64,
    /// Announced lease end → first datagram of the survivor (its election starts).
    detect: f64,
    /// First election datagram → `crm_ticket -g` ended at the survivor.
    elect: f64,
    /// The goal: one vote round trip (vote request → first answer) plus the survivor's
    /// `crm_ticket -g` run (start → end).
    goal: f64,
}

fn other_site(s: &str) -> &'static str {
    if s == "site1" {
        "site2"
    } else {
        "site1"
    }
}

fn m1_one(
    f: &mut Formation,
    cap: &Capture,
    holder: &str,
    rng: &mut Rng,
) -> Result<Failover, String> {
    let survivor = other_site(holder);
    // Kill at a random phase of the renewal period.
    thread::sleep(Duration::from_secs_f64(
        0.5 + rng.unit() * f64::from(EXPIRE) / 2.0,
    ));
    let holder_addr = f.node(holder).addr;
    let survivor_addr = f.node(survivor).addr;
    let t_kill = wall();
    f.kill(holder);
    let crm = f.node(survivor).crm_log();
    let mut granted = None;
    harness::poll_until(Duration::from_secs(u64::from(EXPIRE) * 2 + 10), || {
        let calls = crm_calls(&crm);
        granted = calls
            .iter()
            .find(|c| c.end && c.rc == 0 && c.ts > t_kill && is_grant_write(c))
            .map(|end| {
                let start = calls
                    .iter()
                    .filter(|c| !c.end && c.args == end.args && c.ts <= end.ts)
                    .map(|c| c.ts)
                    .fold(end.ts, f64::min);
                (end.ts, end.ts - start)
            });
        granted.is_some()
    });
    let res = (|| {
        let (t_granted, crm_run) = granted.ok_or_else(|| format!("{survivor} never granted"))?;
        let pkts = cap.packets();
        let lease_start = pkts
            .iter()
            .filter(|p| p.src == holder_addr && p.ts < t_kill)
            .map(|p| p.ts)
            .fold(f64::NAN, f64::max);
        if !lease_start.is_finite() {
            return Err("no datagram of the holder captured".to_string());
        }
        let lease_end = lease_start + f64::from(EXPIRE);
        let wire_end = pkts
            .iter()
            .filter(|p| p.src == holder_addr && p.dst == survivor_addr && p.ts < t_kill)
            .map(|p| p.ts + f64::from(p.valid))
            .fold(f64::NAN, f64::max);
        let first_req = pkts
            .iter()
            // Its vote request: an Ack to the holder's last renewal may come after the kill.
            .filter(|p| {
                p.src == survivor_addr && p.ts > t_kill && p.cmd == u32::from_be_bytes(*b"RVot")
            })
            .map(|p| p.ts)
            .fold(f64::NAN, f64::min);
        let first_answer = pkts
            .iter()
            .filter(|p| p.dst == survivor_addr && p.ts > first_req)
            .map(|p| p.ts)
            .fold(f64::NAN, f64::min);
        Ok(Failover {
            goal: first_answer - first_req + crm_run,
            measured: t_granted - t_kill,
            remaining: lease_end - t_kill,
            eps: t_granted - (lease_end + ACQUIRE_AFTER),
            eps_wire: t_granted - (wire_end + ACQUIRE_AFTER),
            detect: first_req - (wire_end + ACQUIRE_AFTER),
            elect: t_granted - first_req,
        })
    })();
    // Bring the killed site back; it must learn the new holder before the next run.
    let t_restart = wall();
    f.start(holder);
    let crm_h = f.node(holder).crm_log();
    harness::poll_until(Duration::from_secs(u64::from(EXPIRE) + 2), || {
        crm_calls(&crm_h)
            .iter()
            .any(|c| c.end && c.ts > t_restart && is_revoke_write(c))
    });
    res
}

struct M1 {
    runs: BTreeMap<&'static str, Vec<Failover>>,
    errors: Vec<String>,
}

fn m1(p: &mut Pair, caps: &[Capture; 2], n: usize) -> M1 {
    let mut out = M1 {
        runs: BTreeMap::new(),
        errors: Vec::new(),
    };
    let mut holders = ["site1", "site1"];
    for (i, (name, f, imp)) in p.each().into_iter().enumerate() {
        if let Err(e) = grant(f, &imp, "site1", "tA") {
            out.errors.push(format!("{name}: {e}"));
        }
        let _ = i;
    }
    let mut rng = Rng::new();
    for run in 0..n {
        for (i, name) in ["C", "ours"].into_iter().enumerate() {
            let f = if i == 0 { &mut p.c } else { &mut p.ours };
            let holder = holders[i];
            match m1_one(f, &caps[i], holder, &mut rng) {
                Ok(fo) => {
                    eprintln!(
                        "M1 {name} run {run}: measured {:.3} s, remaining {:.3} s, ε {}, ε(wire) {}, detect {}",
                        fo.measured,
                        fo.remaining,
                        ms(fo.eps),
                        ms(fo.eps_wire),
                        ms(fo.detect)
                    );
                    out.runs.entry(name).or_default().push(fo);
                    holders[i] = other_site(holder);
                }
                Err(e) => {
                    eprintln!("M1 {name} run {run}: {e}");
                    out.errors.push(format!("{name} run {run}: {e}"));
                    // Find the holder again for the next run.
                    if granted_at(f, other_site(holder), "tA") {
                        holders[i] = other_site(holder);
                    }
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------- M2

type Cell = (&'static str, &'static str); // (client, daemon)
/// Latencies in seconds per (command, cell).
type Latencies = BTreeMap<(&'static str, Cell), Vec<f64>>;

fn m2(p: &Pair, n: usize) -> (Latencies, Vec<String>) {
    let mut res: Latencies = BTreeMap::new();
    let mut errors = Vec::new();
    let clients = [("C", Impl::c()), ("ours", Impl::ours())];
    let daemons: [(&'static str, &Formation); 2] = [("C", &p.c), ("ours", &p.ours)];
    // tB must be free at the start.
    for (_, f) in daemons {
        let _ = booth(f, &Impl::c(), "site1", &["revoke", "-w", "tB"]);
    }
    for cmd in ["list", "peers", "status", "grant -w"] {
        for i in 0..n {
            for (cn, cimp) in &clients {
                for (dn, f) in daemons {
                    let r = match cmd {
                        "status" => {
                            let (conf, lock) = (
                                f.conf("site1"),
                                f.node("site1").lock().to_string_lossy().into_owned(),
                            );
                            timed(
                                f,
                                "site1",
                                &cimp.boothd,
                                "boothd",
                                &["status", "-c", &conf, "-l", &lock],
                            )
                        }
                        "grant -w" => {
                            let r = booth(f, cimp, "site1", &["grant", "-w", "tB"]);
                            let rv = booth(f, cimp, "site1", &["revoke", "-w", "tB"]);
                            if rv.code != 0 {
                                errors.push(format!("revoke ({cn}→{dn}): {}", rv.stderr.trim()));
                            }
                            r
                        }
                        _ => booth(f, cimp, "site1", &[cmd]),
                    };
                    if r.code == 0 {
                        res.entry((cmd, (cn, dn))).or_default().push(r.secs);
                    } else if errors.len() < 20 {
                        errors.push(format!(
                            "{cmd} run {i} ({cn} client → {dn} daemon): exit {} {}",
                            r.code,
                            r.stderr.trim()
                        ));
                    }
                }
            }
        }
        eprintln!("M2 {cmd}: done");
    }
    (res, errors)
}

// ---------------------------------------------------------------- M3 + M4

/// Who holds `ticket` in this formation (the site whose CIB says granted).
fn holder_of(f: &Formation, ticket: &str) -> Option<&'static str> {
    ["site1", "site2"]
        .into_iter()
        .find(|s| granted_at(f, s, ticket))
}

#[derive(Clone, Debug, Default)]
struct Wire {
    datagrams: usize,
    payload: usize,
    frames: usize,
    rounds: usize,
    per_round: f64,
    payload_per_round: f64,
    frames_per_round: f64,
    kinds: BTreeMap<String, usize>,
}

/// Datagrams in [t0, t1], grouped into renewal rounds (bursts separated by > 1 s).
fn wire_window(pkts: &[Pkt], t0: f64, t1: f64, tickets: usize) -> Wire {
    let mut w = Wire::default();
    let mut last = f64::NEG_INFINITY;
    for p in pkts.iter().filter(|p| p.ts >= t0 && p.ts <= t1) {
        w.datagrams += 1;
        w.payload += p.payload_len;
        w.frames += p.frame_len;
        *w.kinds.entry(cmd_name(p.cmd)).or_default() += 1;
        if p.ts - last > 1.0 {
            w.rounds += 1;
        }
        last = p.ts;
    }
    let d = (w.rounds * tickets).max(1) as f64;
    w.per_round = w.datagrams as f64 / d;
    w.payload_per_round = w.payload as f64 / d;
    w.frames_per_round = w.frames as f64 / d;
    w
}

struct M3 {
    /// (impl, role) -> cost
    cost: BTreeMap<(&'static str, &'static str), Cost>,
    wire: BTreeMap<&'static str, Wire>,
    window: f64,
    errors: Vec<String>,
}

fn m3(p: &Pair, caps: &[Capture; 2], secs: u64) -> M3 {
    let mut errors = Vec::new();
    let mut roles: Vec<(&'static str, &'static str, u32)> = Vec::new();
    for (name, f, _) in p.each() {
        let Some(h) = holder_of(f, "tA") else {
            errors.push(format!("{name}: tA not granted anywhere"));
            continue;
        };
        for (role, member) in [
            ("holder site", h),
            ("follower site", other_site(h)),
            ("arbitrator", "arb1"),
        ] {
            if let Some(pid) = f.node(member).daemon_pid() {
                roles.push((name, role, pid));
            }
        }
    }
    thread::sleep(Duration::from_secs(1));
    let before: Vec<_> = roles.iter().map(|r| proc_sample(r.2)).collect();
    let t0 = wall();
    thread::sleep(Duration::from_secs(secs));
    let t1 = wall();
    let mut cost = BTreeMap::new();
    for (r, b) in roles.iter().zip(before) {
        if let (Some(a), Some(b)) = (b, proc_sample(r.2)) {
            cost.insert((r.0, r.1), cost_of(a, b));
        }
    }
    let mut wire = BTreeMap::new();
    for (i, name) in ["C", "ours"].into_iter().enumerate() {
        wire.insert(name, wire_window(&caps[i].packets(), t0, t1, 1));
    }
    M3 {
        cost,
        wire,
        window: t1 - t0,
        errors,
    }
}

fn cost_of(a: ProcSample, b: ProcSample) -> Cost {
    cost(a, b)
}

#[derive(Debug, Default)]
struct Loss {
    sent: usize,
    lost: u64,
    tickets: usize,
    window: f64,
    extra_per_lost: f64,
    still_granted: usize,
}

fn nft_dropped(f: &Formation, member: &str) -> u64 {
    let o = f.exec(member, "nft", &["list", "table", "inet", "bench"]);
    o.stdout
        .split("packets ")
        .skip(1)
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn m4_loss(
    p: &Pair,
    caps: &[Capture; 2],
    m3: &M3,
    secs: u64,
) -> (BTreeMap<&'static str, Loss>, Vec<String>) {
    let mut errors = Vec::new();
    let loss_tickets: Vec<String> = (1..=8).map(|i| format!("t{i}")).collect();
    for (name, f, imp) in p.each() {
        for t in &loss_tickets {
            if let Err(e) = grant(f, &imp, "site1", t) {
                errors.push(format!("{name}: {e}"));
            }
        }
    }
    let tickets = loss_tickets.len() + 1; // and tA
    thread::sleep(Duration::from_secs(1));
    for (_, f, _) in p.each() {
        for m in ["site1", "site2", "arb1"] {
            f.nft(
                m,
                &format!(
                    "add table inet bench; \
                     add chain inet bench in {{ type filter hook input priority 0; }}; \
                     add rule inet bench in iifname \"eth0\" udp dport {} \
                     numgen random mod 100 < 30 counter drop",
                    harness::PORT
                ),
            );
        }
    }
    let t0 = wall();
    thread::sleep(Duration::from_secs(secs));
    let t1 = wall();
    let mut res = BTreeMap::new();
    for (i, (name, f, _)) in p.each().into_iter().enumerate() {
        let lost: u64 = ["site1", "site2", "arb1"]
            .iter()
            .map(|m| nft_dropped(f, m))
            .sum();
        for m in ["site1", "site2", "arb1"] {
            let _ = f.exec(m, "nft", &["delete", "table", "inet", "bench"]);
        }
        let sent = caps[i]
            .packets()
            .iter()
            .filter(|p| p.ts >= t0 && p.ts <= t1)
            .count();
        // Without loss: datagrams per ticket per round, one round per expire/2.
        let base = m3.wire.get(name).map_or(f64::NAN, |w| w.per_round);
        let expected = base * tickets as f64 * (t1 - t0) / (f64::from(EXPIRE) / 2.0);
        let still = std::iter::once("tA".to_string())
            .chain(loss_tickets.iter().cloned())
            .filter(|t| holder_of(f, t).is_some())
            .count();
        res.insert(
            name,
            Loss {
                sent,
                lost,
                tickets,
                window: t1 - t0,
                extra_per_lost: (sent as f64 - expected) / lost.max(1) as f64,
                still_granted: still,
            },
        );
    }
    (res, errors)
}

// ---------------------------------------------------------------- M5

/// A `crm_ticket` that only logs: `-q` (load) answers "no such ticket" (105), the probe
/// says "new crm_ticket" (4), every write succeeds. Its log is next to its directory.
const STUB_C: &str = r#"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char exe[4096], logp[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *s = strrchr(exe, '/');
        if (s) *s = 0;
        snprintf(logp, sizeof logp, "%s/../crm_ticket.log", exe);
        FILE *f = fopen(logp, "a");
        if (f) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            fprintf(f, "%lld.%09ld start", (long long)ts.tv_sec, ts.tv_nsec);
            for (int i = 1; i < argc; i++) fprintf(f, " '%s'", argv[i]);
            fputc('\n', f);
            fclose(f);
        }
    }
    int force = 0, q = 0, g = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) force = 1;
        if (!strcmp(argv[i], "-q")) q = 1;
        if (!strcmp(argv[i], "-g")) g = 1;
    }
    if (q) return 105;
    if (g && !force) return 4;
    return 0;
}
"#;

fn build_stub(dir: &Path) -> Result<PathBuf, String> {
    let src = dir.join("crm_ticket_stub.c");
    let bin = dir.join("crm_ticket_stub");
    if bin.exists() {
        return Ok(bin);
    }
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    fs::write(&src, STUB_C).map_err(|e| e.to_string())?;
    let o = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .map_err(|e| format!("cc: {e}"))?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    }
    Ok(bin)
}

#[derive(Clone, Debug, Default)]
struct Scale {
    tickets: usize,
    startup: f64,
    startup_launches: usize,
    /// Per role: CPU seconds over the window.
    cpu: BTreeMap<&'static str, f64>,
    rss_kb: BTreeMap<&'static str, u64>,
    window: f64,
    launches_per_h: f64,
    list_secs: f64,
    list_bytes: usize,
    error: Option<String>,
}

fn m5_one(imp: &Impl, n: usize, secs: u64, stub: &Path) -> Scale {
    let tickets: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
    let mut s = Scale {
        tickets: n,
        ..Scale::default()
    };
    let mut f = Formation::new(spec(imp, &tickets).started(false));
    for m in ["site1", "site2", "arb1"] {
        let dst = f.node(m).dir.join("bin/crm_ticket");
        let _ = fs::remove_file(&dst);
        fs::copy(stub, &dst).expect("copy stub");
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o755)).expect("chmod stub");
    }
    let t0 = wall();
    for m in ["site1", "site2", "arb1"] {
        f.spawn_daemon(m);
    }
    let want = n;
    let mut died = None;
    let ready = harness::poll_until(Duration::from_secs(180), || {
        died = ["site1", "site2", "arb1"]
            .into_iter()
            .find(|m| !alive(&f, m));
        died.is_some()
            || ["site1", "site2"].iter().all(|m| {
                let r = booth(&f, imp, m, &["list"]);
                r.code == 0 && r.stdout.iter().filter(|&&b| b == b'\n').count() >= want
            })
    });
    if let Some(m) = died {
        let log = f.daemon_log(m);
        let last = log
            .lines()
            .rfind(|l| !l.starts_with("note:"))
            .unwrap_or("")
            .to_string();
        s.error = Some(format!("{m}'s daemon died during start-up: \"{last}\""));
        keep_logs(&f, imp, n);
        return s;
    }
    if !ready {
        s.error = Some("not serving `booth list` with every ticket after 180 s".into());
        keep_logs(&f, imp, n);
        return s;
    }
    // Start-up is over when no site has launched `crm_ticket` for 3 s (both daemons write
    // every ticket's state back after loading it, ours partly after answering clients).
    let logs: Vec<PathBuf> = ["site1", "site2"]
        .iter()
        .map(|m| f.node(m).crm_log())
        .collect();
    let mut t_ready = wall();
    let quiet = harness::poll_until(Duration::from_secs(300), || {
        let last = logs
            .iter()
            .filter_map(|l| crm_calls(l).last().map(|c| c.ts))
            .fold(0.0, f64::max);
        t_ready = t_ready.max(last);
        wall() - last > 3.0
    });
    if !quiet {
        s.error = Some("still launching crm_ticket after 300 s".into());
        keep_logs(&f, imp, n);
        return s;
    }
    s.startup = t_ready - t0;
    s.startup_launches = logs.iter().map(|l| crm_calls(l).len()).sum();
    // The stub keeps no CIB: the grant shows in its log.
    let g = booth(&f, imp, "site1", &["grant", "-w", "t0"]);
    let crm1 = f.node("site1").crm_log();
    if g.code != 0
        || !harness::poll_until(Duration::from_secs(10), || {
            crm_calls(&crm1).iter().any(is_grant_write)
        })
    {
        s.error = Some(format!("grant t0: exit {} {}", g.code, g.stderr.trim()));
        return s;
    }
    thread::sleep(Duration::from_secs(1));
    let roles = [
        ("holder site", "site1"),
        ("follower site", "site2"),
        ("arbitrator", "arb1"),
    ];
    let pids: Vec<_> = roles
        .iter()
        .map(|(r, m)| (*r, f.node(m).daemon_pid().unwrap_or(0)))
        .collect();
    let before: Vec<_> = pids.iter().map(|(_, p)| proc_sample(*p)).collect();
    let w0 = wall();
    thread::sleep(Duration::from_secs(secs));
    let w1 = wall();
    for ((role, pid), b) in pids.iter().zip(before) {
        if let (Some(a), Some(b)) = (b, proc_sample(*pid)) {
            s.cpu
                .insert(role, b.cpu_ns.saturating_sub(a.cpu_ns) as f64 / 1e9);
            s.rss_kb.insert(role, b.rss_kb);
        }
    }
    s.window = w1 - w0;
    let launches: usize = ["site1", "site2"]
        .iter()
        .map(|m| {
            crm_calls(&f.node(m).crm_log())
                .iter()
                .filter(|c| !c.end && c.ts >= w0 && c.ts <= w1)
                .count()
        })
        .sum();
    s.launches_per_h = launches as f64 * 3600.0 / s.window;
    let mut times = Vec::new();
    for _ in 0..5 {
        let r = booth(&f, imp, "site1", &["list"]);
        if r.code == 0 {
            times.push(r.secs);
            s.list_bytes = r.stdout.len();
        }
    }
    s.list_secs = median(&times);
    keep_logs(&f, imp, n);
    drop(f);
    s
}

/// With `BENCH_OUT_M5=DIR`: the sites' daemon and `crm_ticket` logs, for a look afterwards.
fn keep_logs(f: &Formation, imp: &Impl, n: usize) {
    if let Some(out) = std::env::var_os("BENCH_OUT_M5") {
        let out = PathBuf::from(out);
        let _ = fs::create_dir_all(&out);
        for (m, file) in [
            ("site1", "crm_ticket.log"),
            ("site1", "boothd.log"),
            ("site2", "crm_ticket.log"),
            ("site2", "boothd.log"),
        ] {
            let _ = fs::copy(
                f.node(m).dir.join(file),
                out.join(format!("m5-{}-{n}-{m}-{file}", imp.name)),
            );
        }
    }
}

// ---------------------------------------------------------------- report

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|r| r.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "?".into());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let nproc = thread::available_parallelism().map_or(0, usize::from);
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cver = Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "booth"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "{date}; {nproc} CPUs ({cpu}); Linux {}; load average at start {}; C booth {cver}",
        kernel.trim(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn scale_svg(rows: &[(&'static str, Scale)]) -> String {
    // Two panels, log-log: CPU ms per renewal period (holder) and RSS MB (holder) vs N.
    let (w, h, pad) = (320.0, 220.0, 45.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='11'>",
        2.0 * w + 20.0,
        h + 30.0
    );
    type Metric = Box<dyn Fn(&Scale) -> f64>;
    let panels: [(&str, Metric); 2] = [
        (
            "holder CPU per renewal period (ms) vs N tickets",
            Box::new(|s: &Scale| {
                s.cpu.get("holder site").copied().unwrap_or(f64::NAN) * 1000.0 / rounds(s)
            }),
        ),
        (
            "holder RSS (MB) vs N tickets",
            Box::new(|s: &Scale| {
                s.rss_kb
                    .get("holder site")
                    .map_or(f64::NAN, |k| *k as f64 / 1024.0)
            }),
        ),
    ];
    for (pi, (title, get)) in panels.iter().enumerate() {
        let x0 = pi as f64 * (w + 20.0);
        let pts: Vec<(&str, f64, f64)> = rows
            .iter()
            .filter(|(_, s)| s.error.is_none())
            .map(|(n, s)| (*n, s.tickets as f64, get(s)))
            .filter(|p| p.2.is_finite() && p.2 > 0.0)
            .collect();
        let (ymin, ymax) = pts
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.2), b.max(p.2)));
        let (ly0, ly1) = (
            ymin.log10().floor(),
            ymax.log10().ceil().max(ymin.log10().floor() + 1.0),
        );
        let lx1 = pts
            .iter()
            .map(|p| p.1.log10())
            .fold(1.0, f64::max)
            .ceil()
            .max(1.0);
        let px = |x: f64| x0 + pad + (x.log10() / lx1) * (w - pad - 10.0);
        let py = |y: f64| 10.0 + (1.0 - (y.log10() - ly0) / (ly1 - ly0)) * (h - 40.0);
        let _ = write!(
            svg,
            "<text x='{}' y='{}'>{title}</text><rect x='{}' y='10' width='{}' height='{}' fill='none' stroke='#888'/>",
            x0 + pad, h + 20.0, x0 + pad, w - pad - 10.0, h - 40.0
        );
        let mut e = ly0;
        while e <= ly1 {
            let y = py(10f64.powf(e));
            let _ = write!(
                svg,
                "<text x='{}' y='{}' text-anchor='end'>1e{e}</text>",
                x0 + pad - 3.0,
                y + 4.0
            );
            e += 1.0;
        }
        let mut e = 0.0;
        while e <= lx1 {
            let x = px(10f64.powf(e));
            let _ = write!(
                svg,
                "<text x='{x}' y='{}' text-anchor='middle'>{}</text>",
                h - 16.0,
                10u64.pow(e as u32)
            );
            e += 1.0;
        }
        for (imp, color) in [("C", "#d62728"), ("ours", "#1f77b4")] {
            let line: Vec<String> = pts
                .iter()
                .filter(|p| p.0 == imp)
                .map(|p| format!("{:.1},{:.1}", px(p.1), py(p.2)))
                .collect();
            let _ = write!(
                svg,
                "<polyline fill='none' stroke='{color}' stroke-width='2' points='{}'/>",
                line.join(" ")
            );
            for pt in &line {
                let (x, y) = pt.split_once(',').unwrap_or(("0", "0"));
                let _ = write!(svg, "<circle cx='{x}' cy='{y}' r='3' fill='{color}'/>");
            }
        }
        let _ = write!(
            svg,
            "<text x='{}' y='24' fill='#d62728'>C</text><text x='{}' y='38' fill='#1f77b4'>ours</text>",
            x0 + pad + 6.0,
            x0 + pad + 6.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Renewal periods in a window (one granted ticket renews every expire/2).
fn rounds(s: &Scale) -> f64 {
    (s.window / (f64::from(EXPIRE) / 2.0)).max(1.0)
}

fn main() {
    if harness::ready().is_err() {
        return;
    }
    let set = Settings::from_env();
    let mut r = String::new();
    let started = Instant::now();
    let cmdline = if set.quick {
        "BENCH_QUICK=1 cargo bench --bench formations"
    } else {
        "cargo bench --bench formations"
    };
    let _ = writeln!(r, "Machine: {}  ", machine());
    let _ = writeln!(
        r,
        "Command: `{cmdline}`{}  ",
        set.only
            .as_ref()
            .map_or(String::new(), |o| format!(" (BENCH_ONLY={})", o.join(",")))
    );
    let _ = writeln!(
        r,
        "Formations: 2 sites + 1 arbitrator, one network namespace each, no auth, no `-D`; \
         tickets expire = {EXPIRE}, timeout = {TIMEOUT}, retries = 3, acquire-after = 0.\n"
    );
    let mut notes: Vec<String> = Vec::new();

    let need_pair = ["m1", "m2", "m3", "m4"].iter().any(|m| set.wants(m));
    if need_pair {
        let tickets = main_tickets();
        let mut p = Pair {
            c: Formation::new(spec(&Impl::c(), &tickets)),
            ours: Formation::new(spec(&Impl::ours(), &tickets)),
        };
        let caps = [Capture::start(&p.c, "c"), Capture::start(&p.ours, "ours")];

        if set.wants("m1") || set.wants("m3") || set.wants("m4") {
            if set.wants("m1") {
                let m = m1(&mut p, &caps, set.m1_runs);
                report_m1(&mut r, &m);
                notes.extend(m.errors.iter().map(|e| format!("M1: {e}")));
            } else {
                for (name, f, imp) in p.each() {
                    if let Err(e) = grant(f, &imp, "site1", "tA") {
                        notes.push(format!("{name}: {e}"));
                    }
                }
            }
        }
        if set.wants("m2") {
            let (m, errs) = m2(&p, set.m2_runs);
            report_m2(&mut r, &m, set.m2_runs);
            notes.extend(errs.iter().map(|e| format!("M2: {e}")));
        }
        if set.wants("m3") || set.wants("m4") {
            let m = m3(&p, &caps, set.idle_secs);
            report_m3(&mut r, &m);
            notes.extend(m.errors.iter().map(|e| format!("M3: {e}")));
            if set.wants("m4") {
                let (l, errs) = m4_loss(&p, &caps, &m, set.loss_secs);
                report_m4(&mut r, &m, &l);
                notes.extend(errs.iter().map(|e| format!("M4: {e}")));
            }
        }
        let _ = fs::create_dir_all(&set.out);
        for c in &caps {
            if let Some(name) = c.path.file_name() {
                let _ = fs::copy(&c.path, set.out.join(name));
            }
        }
        drop(caps);
        drop(p);
    }
    if set.wants("m5") {
        match build_stub(&set.out) {
            Err(e) => notes.push(format!("M5 skipped: cannot build the crm_ticket stub: {e}")),
            Ok(stub) => {
                let mut rows = Vec::new();
                for &n in &set.scale {
                    for imp in [Impl::c(), Impl::ours()] {
                        if !set.wants_impl(imp.name) {
                            continue;
                        }
                        eprintln!("M5: {} tickets, {}", n, imp.name);
                        let s = m5_one(&imp, n, set.scale_secs, &stub);
                        if let Some(e) = &s.error {
                            notes.push(format!("M5 {} {n}: {e}", imp.name));
                        }
                        rows.push((imp.name, s));
                    }
                }
                report_m5(&mut r, &rows);
                let _ = fs::create_dir_all(&set.out);
                let _ = fs::write(set.out.join("scale.svg"), scale_svg(&rows));
            }
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(r, "Errors and remarks during the run:\n");
        for n in &notes {
            let _ = writeln!(r, "* {n}");
        }
        r.push('\n');
    }
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let _ = writeln!(
        r,
        "Total run time: {:.0} s; load average at the end {}.",
        started.elapsed().as_secs_f64(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("{r}");
    let _ = fs::create_dir_all(&set.out);
    let _ = fs::write(set.out.join("results.md"), &r);
    eprintln!("written to {}", set.out.display());
}

fn report_m1(r: &mut String, m: &M1) {
    let get = |imp: &str, f: fn(&Failover) -> f64| -> Vec<f64> {
        m.runs
            .get(imp)
            .map(|v| v.iter().map(f).collect())
            .unwrap_or_default()
    };
    let n = |imp: &str| m.runs.get(imp).map_or(0, Vec::len);
    let _ = writeln!(
        r,
        "### M1 failover overhead (kill -9 of the holder → `crm_ticket -g` ended at the other site)\n\n\
         ε = measured − (remaining lease + acquire-after), from the `crm_ticket` log and the capture \
         on the hub bridge. Runs: C {}, ours {}.\n",
        n("C"),
        n("ours")
    );
    let _ = writeln!(
        r,
        "| | C median | C max | ours median | ours max | ours/C (median) |"
    );
    let _ = writeln!(r, "| --- | ---: | ---: | ---: | ---: | ---: |");
    type Field = fn(&Failover) -> f64;
    let rows: [(&str, Field); 7] = [
        (
            "ε (configured lease: holder's last datagram + expire)",
            |f| f.eps,
        ),
        (
            "ε (lease announced on the wire: ts + term_valid_for)",
            |f| f.eps_wire,
        ),
        ("↳ announced lease end → survivor's vote request", |f| {
            f.detect
        }),
        ("↳ vote request → granted in the survivor's CIB", |f| {
            f.elect
        }),
        (
            "goal: one vote round trip + the survivor's `crm_ticket -g` run",
            |f| f.goal,
        ),
        ("measured (kill → granted)", |f| f.measured),
        ("remaining lease at the kill", |f| f.remaining),
    ];
    for (label, f) in rows {
        let (c, o) = (get("C", f), get("ours", f));
        let _ = writeln!(
            r,
            "| {label} | {} | {} | {} | {} | {} |",
            ms(median(&c)),
            ms(max(&c)),
            ms(median(&o)),
            ms(max(&o)),
            ratio(median(&o), median(&c))
        );
    }
    r.push('\n');
}

fn report_m2(r: &mut String, m: &Latencies, n: usize) {
    let _ = writeln!(
        r,
        "### M2 command latency (client spawn → exit, at site1, all members up; {n} runs per cell)\n"
    );
    let _ = writeln!(
        r,
        "| command | C client → C daemon | ours → ours | ours/C | C client → ours daemon | ours client → C daemon |"
    );
    let _ = writeln!(r, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for cmd in ["list", "peers", "status", "grant -w"] {
        let cell =
            |c: &'static str, d: &'static str| m.get(&(cmd, (c, d))).cloned().unwrap_or_default();
        let show = |v: &[f64]| format!("{} / {}", ms(median(v)), ms(quantile(v, 0.99)));
        let (cc, oo) = (cell("C", "C"), cell("ours", "ours"));
        let label = if cmd == "status" {
            "`boothd status`".to_string()
        } else {
            format!("`booth {cmd}`")
        };
        let _ = writeln!(
            r,
            "| {label} | {} | {} | {} / {} | {} | {} |",
            show(&cc),
            show(&oo),
            ratio(median(&oo), median(&cc)),
            ratio(quantile(&oo, 0.99), quantile(&cc, 0.99)),
            show(&cell("C", "ours")),
            show(&cell("ours", "C"))
        );
    }
    let _ = writeln!(
        r,
        "\nCells: median / p99. `grant -w` is followed by an unmeasured `revoke -w`.\n"
    );
}

fn report_m3(r: &mut String, m: &M3) {
    let _ = writeln!(
        r,
        "### M3 idle cost (one ticket granted, {:.0} s window, both formations idle at the same time)\n",
        m.window
    );
    let _ = writeln!(
        r,
        "| member | metric | C | ours | ours/C |\n| --- | --- | ---: | ---: | ---: |"
    );
    for role in ["holder site", "follower site", "arbitrator"] {
        let (c, o) = (
            m.cost.get(&("C", role)).copied().unwrap_or_default(),
            m.cost.get(&("ours", role)).copied().unwrap_or_default(),
        );
        let rows: [(&str, f64, f64, usize); 5] = [
            ("wakeups/s", c.wakeups_per_s, o.wakeups_per_s, 2),
            ("CPU s/hour", c.cpu_s_per_h, o.cpu_s_per_h, 3),
            ("RSS MB", c.rss_mb, o.rss_mb, 2),
            ("peak RSS MB", c.hwm_mb, o.hwm_mb, 2),
            ("of which mlock'ed MB", c.locked_mb, o.locked_mb, 2),
        ];
        for (label, cv, ov, d) in rows {
            let _ = writeln!(
                r,
                "| {role} | {label} | {} | {} | {} |",
                num(cv, d),
                num(ov, d),
                ratio(ov, cv)
            );
        }
    }
    let _ = writeln!(
        r,
        "\nWakeups = voluntary + involuntary context switches (`/proc/PID/status`); CPU = \
         `/proc/PID/schedstat` (the daemon only, not its `crm_ticket` children).\n"
    );
}

fn report_m4(r: &mut String, m: &M3, l: &BTreeMap<&'static str, Loss>) {
    let (c, o) = (
        m.wire.get("C").cloned().unwrap_or_default(),
        m.wire.get("ours").cloned().unwrap_or_default(),
    );
    let _ = writeln!(r, "### M4 wire cost (N = 3 members, 2(N−1) = 4)\n");
    let _ = writeln!(r, "| | C | ours | ours/C |\n| --- | ---: | ---: | ---: |");
    let _ = writeln!(
        r,
        "| renewal rounds seen in the idle window | {} | {} | |",
        c.rounds, o.rounds
    );
    let _ = writeln!(
        r,
        "| datagrams per ticket per renewal | {} | {} | {} |",
        num(c.per_round, 2),
        num(o.per_round, 2),
        ratio(o.per_round, c.per_round)
    );
    let _ = writeln!(
        r,
        "| UDP payload bytes per ticket per renewal | {} | {} | {} |",
        num(c.payload_per_round, 0),
        num(o.payload_per_round, 0),
        ratio(o.payload_per_round, c.payload_per_round)
    );
    let _ = writeln!(
        r,
        "| Ethernet frame bytes per ticket per renewal | {} | {} | {} |",
        num(c.frames_per_round, 0),
        num(o.frames_per_round, 0),
        ratio(o.frames_per_round, c.frames_per_round)
    );
    let kinds = |w: &Wire| {
        w.kinds
            .iter()
            .map(|(k, v)| format!("{k}×{v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(
        r,
        "| message kinds in the window | {} | {} | |",
        kinds(&c),
        kinds(&o)
    );
    let (lc, lo) = (l.get("C"), l.get("ours"));
    if let (Some(lc), Some(lo)) = (lc, lo) {
        let _ = writeln!(
            r,
            "| 30 % loss: tickets granted / window | {} / {:.0} s | {} / {:.0} s | |",
            lc.tickets, lc.window, lo.tickets, lo.window
        );
        let _ = writeln!(
            r,
            "| 30 % loss: datagrams sent / lost | {} / {} | {} / {} | |",
            lc.sent, lc.lost, lo.sent, lo.lost
        );
        let _ = writeln!(
            r,
            "| 30 % loss: extra datagrams per lost one | {} | {} | {} |",
            num(lc.extra_per_lost, 2),
            num(lo.extra_per_lost, 2),
            ratio(lo.extra_per_lost, lc.extra_per_lost)
        );
        let _ = writeln!(
            r,
            "| 30 % loss: tickets still granted after | {} | {} | |",
            lc.still_granted, lo.still_granted
        );
    }
    let _ = writeln!(
        r,
        "\nCounted on the hub bridge (every datagram once). Extra per lost = (sent − no-loss \
         rate × tickets × window) / dropped; drops by nft on every member's input.\n"
    );
}

fn report_m5(r: &mut String, rows: &[(&'static str, Scale)]) {
    let _ = writeln!(
        r,
        "### M5 scale (N tickets configured, one granted; stub `crm_ticket`)\n"
    );
    let _ = writeln!(
        r,
        "| N | impl | start-up | `crm_ticket` runs at start-up (both sites) | holder CPU per renewal period | follower CPU per period | arbitrator CPU per period | holder RSS | RSS per ticket (holder) | `booth list` | list size | `crm_ticket` per hour idle |"
    );
    let _ = writeln!(
        r,
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let base: BTreeMap<&str, u64> = rows
        .iter()
        .filter(|(_, s)| s.tickets == 1)
        .filter_map(|(n, s)| Some((*n, *s.rss_kb.get("holder site")?)))
        .collect();
    for (imp, s) in rows {
        if let Some(e) = &s.error {
            let _ = writeln!(
                r,
                "| {} | {imp} | failed: {e} | | | | | | | | | |",
                s.tickets
            );
            continue;
        }
        let per = |role: &str| ms(s.cpu.get(role).copied().unwrap_or(f64::NAN) / rounds(s));
        let rss = s.rss_kb.get("holder site").copied().unwrap_or(0);
        let per_ticket = match base.get(imp) {
            // Below 1,000 tickets the difference drowns in RSS noise (±100 KB).
            Some(b) if s.tickets >= 1000 => format!(
                "{:.0} B",
                (rss as f64 - *b as f64) * 1024.0 / (s.tickets - 1) as f64
            ),
            _ => "–".into(),
        };
        let _ = writeln!(
            r,
            "| {} | {imp} | {:.2} s | {} | {} | {} | {} | {:.2} MB | {per_ticket} | {} | {} B | {:.0} |",
            s.tickets,
            s.startup,
            s.startup_launches,
            per("holder site"),
            per("follower site"),
            per("arbitrator"),
            rss as f64 / 1024.0,
            ms(s.list_secs),
            s.list_bytes,
            s.launches_per_h
        );
    }
    let _ = writeln!(
        r,
        "\nCPU per renewal period = the daemon's CPU over the window / (window / (expire/2)): \
         the renewal of the granted ticket plus whatever the idle tickets cost meanwhile. \
         Start-up = daemons spawned → `booth list` answers with every ticket at both sites and the last start-up `crm_ticket` was launched (includes the `timeout` both wait before writing the loaded state back; how many tickets a site writes back varies with which daemon came up first).\n"
    );
}
