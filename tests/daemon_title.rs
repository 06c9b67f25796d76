//! The daemon's process title (surface.md §2.9 step 7, §4.5): `boothd <config> <type> for
//! [<addr>]:<port>` in `/proc/<pid>/cmdline` and `ps -o args`, written over the argument
//! strings as C's (cluster-glue) `set_proc_title` does. The OCF agent finds the daemon by
//! it. The C daemon is the oracle: the same checks run against both.
//!
//! Two layouts: the harness's long command line (the title fits in the arguments), and a
//! short one (`./boothd daemon -S -c CONF -l l`) where the title runs on into the
//! environment strings, which must be moved out of the way first: the daemon still reads
//! its environment afterwards (NOTIFY_SOCKET, for ours) and serves `booth list`.

mod harness;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use harness::{poll_until, Formation, Impl, Spec, PORT};

fn spec(daemon: impl Into<std::path::PathBuf>) -> Spec {
    let mut s = Spec::new(2, 1).daemon(daemon);
    s.expire = 10;
    s.timeout = 1;
    s.retries = 3;
    s
}

/// `/proc/<pid>/cmdline` without the trailing NULs of the cleared area, NULs between
/// arguments shown as spaces (as `ps` shows them).
fn cmdline(pid: u32) -> String {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&raw[..end]).replace('\0', " ")
}

fn ps_args(pid: u32) -> String {
    let out = Command::new("ps")
        .args(["-o", "args=", "-p", &pid.to_string()])
        .output()
        .expect("ps");
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

fn expected(f: &Formation, node: &str, kind: &str) -> String {
    format!(
        "boothd {} {kind} for [{}]:{PORT}",
        f.conf(node),
        f.addr(node)
    )
}

/// Waits until the daemon `pid` shows a title, then checks it in cmdline and ps.
fn assert_title(pid: u32, want: &str, what: &str) {
    let shown = poll_until(Duration::from_secs(10), || {
        cmdline(pid).starts_with("boothd /")
    });
    assert!(shown, "{what}: no title, cmdline {:?}", cmdline(pid));
    assert_eq!(cmdline(pid), want, "{what}: /proc/{pid}/cmdline");
    assert_eq!(ps_args(pid), want, "{what}: ps -o args");
}

/// Stops a daemon started by the test (by its pid): SIGTERM, then SIGKILL.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = i32::try_from(self.0.id()).unwrap_or(0);
        // SAFETY: kill(2) of the child this test spawned and has not reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let gone = poll_until(Duration::from_secs(5), || {
            matches!(self.0.try_wait(), Ok(Some(_)))
        });
        if !gone {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn title_as_c(imp: &Impl) {
    let mut f = Formation::new(spec(imp.boothd.clone()));
    // The harness's command line: `<path>/boothd daemon -S -c CONF -l LOCK`.
    for (node, kind) in [("site1", "site"), ("arb1", "arbitrator")] {
        let pid = f.node(node).daemon_pid().expect("runs");
        assert_title(pid, &expected(&f, node, kind), node);
    }
    // The agent's detection (booth-site `get_booth_pid`) sees exactly that daemon.
    let conf = f.conf("site1");
    let pid = f.node("site1").daemon_pid().expect("runs");
    let found = f.exec(
        "site1",
        "sh",
        &[
            "-c",
            &format!("ps -o pid,cmd -e | grep -w \"[b]oothd.*{conf}\" | awk '{{print $1}}'"),
        ],
    );
    assert_eq!(found.stdout.trim(), pid.to_string(), "{found}");

    // A command line shorter than the title: it runs on into the environment strings.
    f.stop("site1");
    let node = f.node("site1");
    symlink(&imp.boothd, node.dir.join("boothd")).expect("link");
    let sock_path = f.dir.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).expect("bind");
    fs::set_permissions(&sock_path, fs::Permissions::from_mode(0o777)).expect("chmod");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let log = fs::OpenOptions::new()
        .append(true)
        .open(node.dir.join("boothd.log"))
        .expect("log");
    let args = ["daemon", "-S", "-c", &conf, "-l", "l"];
    let argv_len = "./boothd".len() + args.iter().map(|a| a.len() + 1).sum::<usize>() + 1;
    let want = expected(&f, "site1", "site");
    assert!(want.len() > argv_len, "the short command line is not short");
    let child = Command::new("ip")
        .args(["netns", "exec", &node.ns, "env", "-i"])
        .arg("PATH=/usr/sbin:/usr/bin:/sbin:/bin")
        .arg(format!("NOTIFY_SOCKET={}", sock_path.display()))
        .arg("BOOTH_RS_TITLE_TEST=still readable after the title")
        .arg("./boothd")
        .args(args)
        .current_dir(&node.dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("dup"))
        .stderr(log)
        .spawn()
        .expect("spawn");
    let daemon = Daemon(child);
    let pid = daemon.0.id();
    assert_title(pid, &want, "short command line");
    // Like C, the old environment strings are gone (the title's tail is there now).
    let env = fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let env = String::from_utf8_lossy(&env);
    assert!(
        !env.contains("BOOTH_RS_TITLE_TEST") && !env.contains("PATH="),
        "environment strings still in place: {env:?}"
    );
    let served = poll_until(Duration::from_secs(10), || {
        f.booth(&Impl::c(), "site1", &["list", "-c", &conf])
            .stdout
            .contains("ticket: tA")
    });
    assert!(served, "{}: booth list after the title", imp.name);
    if imp.name == "ours" {
        // The environment is still there for the daemon, at its new place.
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf).expect("READY datagram");
        let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(msg.starts_with("READY=1\n"), "{msg:?}");
    }
    drop(daemon);
}

#[test]
fn ours_shows_cs_process_title() {
    skip_unless_ready!();
    title_as_c(&Impl::ours());
}

/// The oracle.
#[test]
fn c_shows_its_process_title() {
    skip_unless_ready!();
    title_as_c(&Impl::c());
}
