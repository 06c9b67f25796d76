//! Bad input from the daemon side (issue 6): a fake daemon in a private namespace (only
//! `lo`, IPv6 off) closes mid-reply, sends a wrong length, text without terminator,
//! garbage, or nothing. Where the C client terminates, C and ours are compared (stdout
//! and stderr masked, exit code exact); where C reads uninitialised memory or waits
//! forever, ours must give a clear message and C's exit code within its deadline.

mod harness;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use booth::wire::consts::{HEADER_LEN, TICKET_BODY_LEN};
use booth::wire::{encode_header, Cmd, Header, ResultCode};
use harness::{LoopNs, Output};

/// site id of 127.0.0.1, the local member (wire.md §3).
const FROM: u32 = 0x1234_5678;

type Script = fn(&mut TcpStream);

struct Fake {
    ns: LoopNs,
    conf: String,
    c_dir: PathBuf,
    ours_dir: PathBuf,
}

fn setup() -> Option<Fake> {
    if harness::ready().is_err() {
        return None;
    }
    let ns = LoopNs::new();
    let conf = ns.dir.join("booth.conf");
    fs::write(
        &conf,
        "port = 9929\nsite = 127.0.0.1\nsite = 127.0.0.2\narbitrator = 127.0.0.3\n\
         ticket = \"tA\"\n    timeout = 1\n    retries = 3\n",
    )
    .expect("conf");
    let c_dir = ns.dir.join("c");
    let ours_dir = ns.dir.join("ours");
    for (d, bin) in [
        (&c_dir, PathBuf::from(harness::C_BOOTHD)),
        (&ours_dir, harness::ours()),
    ] {
        fs::create_dir_all(d).expect("mkdir");
        for name in ["booth", "geostore"] {
            symlink(&bin, d.join(name)).expect("link");
        }
    }
    Some(Fake {
        conf: conf.to_string_lossy().into_owned(),
        ns,
        c_dir,
        ours_dir,
    })
}

/// Serves `conns` connections with `script` on 127.0.0.1:9929 inside the namespace.
/// Returns once the listener is bound, so that a client started next cannot be refused.
fn serve(ns_name: String, conns: usize, script: Script) -> thread::JoinHandle<()> {
    let (ready, bound) = std::sync::mpsc::channel();
    let t = thread::spawn(move || {
        enter(&ns_name);
        let l = bind_fake();
        let _ = ready.send(());
        l.set_nonblocking(true).expect("nonblocking");
        let deadline = Instant::now() + Duration::from_secs(40);
        let mut served = 0;
        while served < conns && Instant::now() < deadline {
            match l.accept() {
                Ok((mut s, _)) => {
                    let _ = s.set_nonblocking(false);
                    read_request(&mut s);
                    script(&mut s);
                    served += 1;
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    let _ = bound.recv_timeout(Duration::from_secs(10));
    t
}

/// Binds 127.0.0.1:9929, retrying for a while if the previous fake daemon's port is not
/// free yet: a child another test thread forks at the wrong moment holds a copy of the
/// old listener until it execs.
fn bind_fake() -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind("127.0.0.1:9929") {
            Ok(l) => return l,
            Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("bind fake daemon: {e}"),
        }
    }
}

fn enter(ns: &str) {
    use std::os::fd::AsRawFd;
    let f = fs::File::open(format!("/run/netns/{ns}")).expect("open netns");
    // SAFETY: setns(2) on a valid namespace fd; changes only this thread's namespace.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns failed");
}

/// Reads one request: at least the header, then up to `length` bytes (briefly).
fn read_request(s: &mut TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
    let mut buf = [0u8; 1024];
    let mut got = 0;
    while got < HEADER_LEN {
        match s.read(&mut buf[got..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => got += n,
        }
    }
}

fn header(cmd: Cmd, length: usize, result: ResultCode) -> [u8; HEADER_LEN] {
    let mut h = Header::new(cmd, FROM);
    h.length = u32::try_from(length).unwrap_or(u32::MAX);
    h.result = result.to_u32();
    let mut b = [0u8; HEADER_LEN];
    encode_header(&h, &mut b);
    b
}

/// A ticket reply (grant/revoke) with `result` and `leader`.
fn ticket_reply(result: ResultCode, leader: u32) -> Vec<u8> {
    let mut v = header(Cmd::ClResult, HEADER_LEN + TICKET_BODY_LEN, result).to_vec();
    let mut body = [0u8; TICKET_BODY_LEN];
    body[..2].copy_from_slice(b"tA");
    body[64..68].copy_from_slice(&leader.to_be_bytes());
    v.extend_from_slice(&body);
    v
}

fn send(s: &mut TcpStream, b: &[u8]) {
    let _ = s.write_all(b);
    let _ = s.flush();
}

impl Fake {
    fn run(&self, c: bool, prog: &str, args: &[&str], timeout: Duration) -> Output {
        let dir = if c { &self.c_dir } else { &self.ours_dir };
        let mut a: Vec<&str> = vec![args[0], "-c", &self.conf];
        a.extend_from_slice(&args[1..]);
        self.ns.run(dir, prog, &a, timeout)
    }

    /// C and ours against the same script: equal output (masked) and exit code.
    fn compare(
        &self,
        name: &str,
        prog: &str,
        args: &[&str],
        script: Script,
        report: &mut Vec<String>,
    ) {
        let mut outs = Vec::new();
        for c in [true, false] {
            let t = serve(self.ns.ns.clone(), 1, script);
            outs.push(self.run(c, prog, args, Duration::from_secs(20)));
            let _ = t.join();
        }
        if std::env::var_os("BOOTH_RS_SHOW").is_some() {
            eprintln!("CASE {name}\n=== C: {}\n=== ours: {}", outs[0], outs[1]);
        }
        if outs[0].masked() != outs[1].masked() || outs[1].timed_out {
            report.push(format!(
                "CASE {name}\n=== C: {}\n=== ours: {}",
                outs[0], outs[1]
            ));
        }
    }

    /// Where C's output is undefined: same exit code, and ours says `want` on stderr.
    fn exit_only(
        &self,
        name: &str,
        prog: &str,
        args: &[&str],
        script: Script,
        want: &str,
        report: &mut Vec<String>,
    ) {
        let mut outs = Vec::new();
        for c in [true, false] {
            let t = serve(self.ns.ns.clone(), 1, script);
            outs.push(self.run(c, prog, args, Duration::from_secs(20)));
            let _ = t.join();
        }
        let (oc, oo) = (&outs[0], &outs[1]);
        if std::env::var_os("BOOTH_RS_SHOW").is_some() {
            eprintln!("CASE {name}\n=== C: {oc}\n=== ours: {oo}");
        }
        if oc.code != oo.code || !oo.stderr.contains(want) || oo.timed_out {
            report.push(format!(
                "CASE {name} (want exit {} and {want:?})\n=== C: {oc}\n=== ours: {oo}",
                oc.code
            ));
        }
    }
}

fn close_at_once(_: &mut TcpStream) {}
fn text_cut(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClList, HEADER_LEN + 30, ResultCode::Other(0)),
    );
    send(s, b"ticket: tA, l");
}
fn text_no_newline(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClList, HEADER_LEN + 10, ResultCode::Other(0)),
    );
    send(s, b"no newline");
}
fn text_with_nul(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClList, HEADER_LEN + 8, ResultCode::Other(0)),
    );
    send(s, b"abc\0def\n");
}
fn text_surplus(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClList, HEADER_LEN + 4, ResultCode::Other(0)),
    );
    send(s, b"abc\nSURPLUS NOT SHOWN\n");
}
fn list_more(s: &mut TcpStream) {
    send(s, &header(Cmd::ClList, HEADER_LEN, ResultCode::More));
}
fn list_header_cut(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClList, HEADER_LEN, ResultCode::Other(0))[..20],
    );
}
fn garbage(s: &mut TcpStream) {
    send(s, &[0xAB; 200]);
}
fn length_below_header(s: &mut TcpStream) {
    send(s, &header(Cmd::ClList, 40, ResultCode::Other(0)));
}
fn bad_magic_list(s: &mut TcpStream) {
    let mut h = header(Cmd::ClList, HEADER_LEN + 4, ResultCode::Other(0));
    h[12..16].copy_from_slice(&0xDEAD_BEEFu32.to_be_bytes());
    send(s, &h);
    send(s, b"abc\n");
}
fn grant_iarg_header_only(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClResult, HEADER_LEN, ResultCode::InvalidArg),
    );
}
fn grant_more_thrice(s: &mut TcpStream) {
    for _ in 0..3 {
        send(s, &ticket_reply(ResultCode::More, FROM));
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(Duration::from_millis(300));
}
fn grant_more_pend_pend_ok(s: &mut TcpStream) {
    for r in [
        ResultCode::More,
        ResultCode::CibPending,
        ResultCode::CibPending,
        ResultCode::Other(0),
    ] {
        send(s, &ticket_reply(r, FROM));
        thread::sleep(Duration::from_millis(20));
    }
}
fn grant_more_four_then_ok(s: &mut TcpStream) {
    for _ in 0..4 {
        send(s, &ticket_reply(ResultCode::More, FROM));
        thread::sleep(Duration::from_millis(20));
    }
    send(s, &ticket_reply(ResultCode::Other(0), FROM));
}
fn grant_handler_failed(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::ExtFailed, FROM));
}
fn grant_attr_prereq(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::AttrPrereq, FROM));
}
fn grant_async(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::Async, FROM));
}
fn grant_sync_fail(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::SyncFail, FROM));
}
fn grant_auth(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::Auth, FROM));
}
fn grant_busy(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::Busy, FROM));
}
fn grant_redirect_unknown(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::Redirect, 1234));
}
fn grant_cut_after_header(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::Overgrant, FROM)[..60]);
}
fn grant_cut_in_header(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::Other(0), FROM)[..20]);
}
fn grant_more_then_close(s: &mut TcpStream) {
    send(s, &ticket_reply(ResultCode::More, FROM));
}
fn grant_garbage(s: &mut TcpStream) {
    send(s, &[0xAB; 124]);
}
fn set_bad_magic(s: &mut TcpStream) {
    let mut h = header(Cmd::ClResult, HEADER_LEN, ResultCode::Other(0));
    h[12..16].copy_from_slice(&0xDEAD_BEEFu32.to_be_bytes());
    send(s, &h);
}
fn set_bad_version(s: &mut TcpStream) {
    let mut h = header(Cmd::ClResult, HEADER_LEN, ResultCode::Other(0));
    h[16..20].copy_from_slice(&0x0001_0002u32.to_be_bytes());
    send(s, &h);
}
fn set_long_then_close(s: &mut TcpStream) {
    send(s, &header(Cmd::ClResult, 1000, ResultCode::NoSuchAttr));
}
fn set_ok(s: &mut TcpStream) {
    send(s, &header(Cmd::ClResult, HEADER_LEN, ResultCode::Other(0)));
}
fn set_iarg(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClResult, HEADER_LEN, ResultCode::InvalidArg),
    );
}
fn set_natr(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::ClResult, HEADER_LEN, ResultCode::NoSuchAttr),
    );
}
fn set_fail(s: &mut TcpStream) {
    send(s, &header(Cmd::ClResult, HEADER_LEN, ResultCode::SyncFail));
}
fn get_no_newline(s: &mut TcpStream) {
    send(
        s,
        &header(Cmd::AttrGet, HEADER_LEN + 5, ResultCode::Other(0)),
    );
    send(s, b"value");
}

#[test]
fn list_and_peers_bad_replies() {
    let Some(f) = setup() else { return };
    let mut r = Vec::new();
    f.compare(
        "list: closed without reply",
        "booth",
        &["list"],
        close_at_once,
        &mut r,
    );
    f.compare(
        "peers: closed without reply",
        "booth",
        &["peers"],
        close_at_once,
        &mut r,
    );
    f.compare(
        "list: closed inside the header",
        "booth",
        &["list"],
        list_header_cut,
        &mut r,
    );
    f.compare(
        "list: text shorter than length",
        "booth",
        &["list"],
        text_cut,
        &mut r,
    );
    f.compare(
        "list: text without newline",
        "booth",
        &["list"],
        text_no_newline,
        &mut r,
    );
    f.compare(
        "list: text with NUL",
        "booth",
        &["list"],
        text_with_nul,
        &mut r,
    );
    f.compare(
        "list: bytes after length",
        "booth",
        &["list"],
        text_surplus,
        &mut r,
    );
    f.compare(
        "list: result More exits 2",
        "booth",
        &["list"],
        list_more,
        &mut r,
    );
    f.compare(
        "list: bad magic is not checked",
        "booth",
        &["list"],
        bad_magic_list,
        &mut r,
    );
    f.exit_only(
        "list: garbage",
        "booth",
        &["list"],
        garbage,
        "out of range",
        &mut r,
    );
    f.exit_only(
        "list: length below header",
        "booth",
        &["list"],
        length_below_header,
        "out of range",
        &mut r,
    );
    assert!(r.is_empty(), "{}", r.join("\n\n"));
}

#[test]
fn grant_reply_sequences_and_bad_replies() {
    let Some(f) = setup() else { return };
    let mut r = Vec::new();
    let g: &[&str] = &["grant", "tA"];
    f.compare(
        "grant: closed without reply... header-only IArg",
        "booth",
        g,
        grant_iarg_header_only,
        &mut r,
    );
    f.compare(
        "grant: More three times",
        "booth",
        g,
        grant_more_thrice,
        &mut r,
    );
    f.compare("grant: unknown result", "booth", g, grant_busy, &mut r);
    f.compare(
        "grant -C: More, Pend, Pend, 0",
        "booth",
        &["grant", "-C", "tA"],
        grant_more_pend_pend_ok,
        &mut r,
    );
    f.compare(
        "grant: More, Pend without -C",
        "booth",
        g,
        grant_more_pend_pend_ok,
        &mut r,
    );
    f.compare(
        "grant -w: More x4, then 0",
        "booth",
        &["grant", "-w", "tA"],
        grant_more_four_then_ok,
        &mut r,
    );
    f.compare(
        "grant: More x4 without -w gives up",
        "booth",
        g,
        grant_more_four_then_ok,
        &mut r,
    );
    f.compare(
        "grant: handler failed",
        "booth",
        g,
        grant_handler_failed,
        &mut r,
    );
    f.compare(
        "grant: attr-prereq failed",
        "booth",
        g,
        grant_attr_prereq,
        &mut r,
    );
    f.compare("grant: async", "booth", g, grant_async, &mut r);
    f.compare(
        "revoke: failed",
        "booth",
        &["revoke", "tA"],
        grant_sync_fail,
        &mut r,
    );
    f.compare(
        "grant: authentication error",
        "booth",
        g,
        grant_auth,
        &mut r,
    );
    f.compare(
        "grant: redirect to unknown site",
        "booth",
        g,
        grant_redirect_unknown,
        &mut r,
    );
    f.compare(
        "grant: cut after the header",
        "booth",
        g,
        grant_cut_after_header,
        &mut r,
    );
    f.compare(
        "grant: More, then closed",
        "booth",
        g,
        grant_more_then_close,
        &mut r,
    );
    f.compare("grant: garbage", "booth", g, grant_garbage, &mut r);
    f.compare(
        "revoke: header-only IArg",
        "booth",
        &["revoke", "tA"],
        grant_iarg_header_only,
        &mut r,
    );
    f.exit_only(
        "grant: closed without reply",
        "booth",
        g,
        close_at_once,
        "read failed",
        &mut r,
    );
    f.exit_only(
        "grant: cut inside the header",
        "booth",
        g,
        grant_cut_in_header,
        "read failed",
        &mut r,
    );
    assert!(r.is_empty(), "{}", r.join("\n\n"));
}

#[test]
fn geostore_bad_replies() {
    let Some(f) = setup() else { return };
    let mut r = Vec::new();
    let set: &[&str] = &["set", "-t", "tA", "a", "b"];
    f.compare("set: ok", "geostore", set, set_ok, &mut r);
    f.compare(
        "list: default ticket named in IArg",
        "geostore",
        &["list"],
        set_iarg,
        &mut r,
    );
    f.compare(
        "get: missing attribute",
        "geostore",
        &["get", "a1"],
        set_natr,
        &mut r,
    );
    f.compare("set: failed", "geostore", set, set_fail, &mut r);
    f.compare("set: bad magic", "geostore", set, set_bad_magic, &mut r);
    f.compare("set: bad version", "geostore", set, set_bad_version, &mut r);
    f.compare(
        "set: length longer than sent",
        "geostore",
        set,
        set_long_then_close,
        &mut r,
    );
    f.compare(
        "set: closed without reply",
        "geostore",
        set,
        close_at_once,
        &mut r,
    );
    f.compare(
        "delete: closed without reply",
        "geostore",
        &["delete", "-t", "tA", "a"],
        close_at_once,
        &mut r,
    );
    f.compare(
        "get: value without newline",
        "geostore",
        &["get", "-t", "tA", "a"],
        get_no_newline,
        &mut r,
    );
    f.compare(
        "get: closed without reply",
        "geostore",
        &["get", "-t", "tA", "a"],
        close_at_once,
        &mut r,
    );
    f.compare(
        "list: text shorter than length",
        "geostore",
        &["list", "-t", "tA"],
        text_cut,
        &mut r,
    );
    assert!(r.is_empty(), "{}", r.join("\n\n"));
}

/// surface.md §2.5, Q5: on a host that is in no member's subnet C aborts (134) or
/// crashes (139); ours says so and exits 1.
#[test]
fn not_a_member() {
    let Some(f) = setup() else { return };
    let conf = f.ns.dir.join("foreign.conf");
    fs::write(
        &conf,
        "site = 10.99.0.1\nsite = 10.99.0.2\narbitrator = 10.99.0.3\nticket = A\n",
    )
    .expect("conf");
    let conf = conf.to_string_lossy().into_owned();
    for (prog, args) in [
        ("booth", vec!["list", "-c", &conf, "-s", "10.99.0.1"]),
        ("booth", vec!["grant", "-c", &conf, "A"]),
        ("geostore", vec!["list", "-c", &conf]),
    ] {
        let c = f.ns.run(&f.c_dir, prog, &args, Duration::from_secs(10));
        assert!(c.code == 134 || c.code == 139, "C: {c}");
        let o = f.ns.run(&f.ours_dir, prog, &args, Duration::from_secs(10));
        assert_eq!(o.code, 1, "{o}");
        assert!(
            o.stderr
                .contains("ERROR: Cannot find myself in the configuration."),
            "{o}"
        );
    }
}

fn silent(s: &mut TcpStream) {
    // Read the request, say nothing, keep the connection open until the client leaves.
    let _ = s.set_read_timeout(Some(Duration::from_secs(15)));
    let mut b = [0u8; 64];
    while matches!(s.read(&mut b), Ok(n) if n > 0) {}
}

/// C waits forever for a silent daemon (wire.md §5.6); ours gives up after 10 s.
#[test]
fn silent_daemon_times_out() {
    let Some(f) = setup() else { return };
    let t = serve(f.ns.ns.clone(), 1, silent);
    let o = f.run(false, "booth", &["list"], Duration::from_secs(14));
    let _ = t.join();
    assert_eq!(o.code, 1, "{o}");
    assert!(!o.timed_out, "{o}");
    assert!(
        o.stderr.contains("read failed (110): Connection timed out"),
        "{o}"
    );
    assert!(o.elapsed < Duration::from_secs(12), "{o}");
}

/// Serves one connection: records every byte the client sends (until it has been quiet
/// for 300 ms), then closes.
fn capture(ns_name: String) -> thread::JoinHandle<Vec<u8>> {
    let (ready, bound) = std::sync::mpsc::channel();
    let t = thread::spawn(move || {
        enter(&ns_name);
        let l = bind_fake();
        let _ = ready.send(());
        l.set_nonblocking(true).expect("nonblocking");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok((mut s, _)) = l.accept() {
                let _ = s.set_nonblocking(false);
                let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
                let mut all = Vec::new();
                let mut b = [0u8; 2048];
                while let Ok(n) = s.read(&mut b) {
                    if n == 0 {
                        break;
                    }
                    all.extend_from_slice(&b[..n]);
                }
                return all;
            }
            thread::sleep(Duration::from_millis(5));
        }
        Vec::new()
    });
    let _ = bound.recv_timeout(Duration::from_secs(10));
    t
}

/// wire.md §6.1: what C and ours write for each request. Without a key the bytes are
/// identical (including C's 28 zero bytes after list/peers/geostore list/get); with a key
/// they differ only in the timestamp and the MAC, which verifies over `length - 28`
/// bytes.
#[test]
fn requests_match_c_byte_for_byte() {
    let Some(f) = setup() else { return };
    let key_path = f.ns.dir.join("authkey");
    fs::write(&key_path, "a-shared-test-key-0123456789\n").expect("key");
    fs::set_permissions(
        &key_path,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod");
    let auth_conf = f.ns.dir.join("auth.conf");
    let text = fs::read_to_string(&f.conf).expect("conf");
    fs::write(
        &auth_conf,
        text.replacen(
            "ticket",
            &format!("authfile = {}\nticket", key_path.display()),
            1,
        ),
    )
    .expect("auth conf");
    let auth_conf = auth_conf.to_string_lossy().into_owned();
    let key = booth::auth::AuthKey::parse(b"a-shared-test-key-0123456789")
        .ok()
        .flatten()
        .expect("key");
    let requests: &[(&str, &[&str], usize, usize)] = &[
        // prog, args, bytes without auth, with auth
        ("booth", &["list"], 152, 152),
        ("booth", &["peers"], 152, 152),
        ("booth", &["grant", "-F", "-C", "tA"], 124, 152),
        ("booth", &["revoke", "-w", "tA"], 124, 152),
        ("geostore", &["list", "-t", "tA"], 332, 332),
        ("geostore", &["get", "-t", "tA", "name"], 332, 332),
        (
            "geostore",
            &["set", "-t", "tA", "name", "a value"],
            304,
            332,
        ),
        ("geostore", &["delete", "-t", "tA", "name"], 304, 332),
    ];
    let mut report = Vec::new();
    for (prog, args, plain_len, auth_len) in requests {
        for (conf, want_len) in [(&f.conf, plain_len), (&auth_conf, auth_len)] {
            let mut got = Vec::new();
            for dir in [&f.c_dir, &f.ours_dir] {
                let t = capture(f.ns.ns.clone());
                let mut a: Vec<&str> = vec![args[0], "-c", conf];
                a.extend_from_slice(&args[1..]);
                let _ = f.ns.run(dir, prog, &a, Duration::from_secs(20));
                got.push(t.join().unwrap_or_default());
            }
            let (c, o) = (&got[0], &got[1]);
            let auth = conf == &auth_conf;
            let what = format!("{prog} {args:?} auth={auth}");
            if c.len() != *want_len || o.len() != *want_len {
                report.push(format!(
                    "{what}: C sent {}, ours {}, want {want_len}",
                    c.len(),
                    o.len()
                ));
                continue;
            }
            if !auth {
                if c != o {
                    report.push(format!(
                        "{what}: bytes differ\nC:    {c:02x?}\nours: {o:02x?}"
                    ));
                }
                continue;
            }
            // Equal apart from secs/usecs (4..12) and the trailer's MAC.
            let length =
                usize::try_from(u32::from_be_bytes([o[24], o[25], o[26], o[27]])).unwrap_or(0);
            let mask = |v: &[u8]| {
                let mut v = v.to_vec();
                v[4..12].fill(0);
                if let Some(t) = v.get_mut(length - 28..length) {
                    t.fill(0);
                }
                v
            };
            if mask(c) != mask(o) {
                report.push(format!(
                    "{what}: bytes differ beyond time and MAC\nC:    {c:02x?}\nours: {o:02x?}"
                ));
            }
            for (who, m) in [("C", c), ("ours", o)] {
                let ok = booth::auth::verify(&key, &m[..length - 28], &m[length - 28..length]);
                if ok.is_err() {
                    report.push(format!("{what}: {who}'s MAC does not verify"));
                }
            }
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}

/// surface.md §1.3: an even member count warns in every mode, clients included.
#[test]
fn even_member_count_warns_like_c() {
    let Some(f) = setup() else { return };
    let conf = f.ns.dir.join("even.conf");
    fs::write(
        &conf,
        "site = 127.0.0.1\nsite = 127.0.0.2\nticket = A\nticket = B\n",
    )
    .expect("conf");
    let conf = conf.to_string_lossy().into_owned();
    let mut outs = Vec::new();
    for dir in [&f.c_dir, &f.ours_dir] {
        let t = serve(f.ns.ns.clone(), 1, text_no_newline);
        outs.push(f.ns.run(
            dir,
            "booth",
            &["list", "-c", &conf],
            Duration::from_secs(20),
        ));
        let _ = t.join();
    }
    assert_eq!(
        outs[0].masked(),
        outs[1].masked(),
        "\n=== C: {}\n=== ours: {}",
        outs[0],
        outs[1]
    );
    assert!(outs[1]
        .stderr
        .contains("WARN: Odd number of nodes is strongly recommended!"));
}
