//! libbooth's bad input through its C entry points: unknown or broken configuration,
//! unreachable or silent daemon, unknown site, arbitrator target, missing ticket, bad
//! flags, NULL and non-UTF-8 arguments, a buffer too small, a handle after close. Each
//! is a result code with a `booth_strerror` text (and the CLI's message where the CLI
//! has one), never an abort. Loopback only; no daemon needed.

use std::ffi::{c_char, CStr, CString};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::ptr;
use std::time::{Duration, Instant};

use booth::ffi::*;

/// A scratch directory with a booth.conf: sites 127.0.0.1 (this host, via `lo`) and
/// 127.0.0.2, arbitrator 127.0.0.3, on `port`.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(tag: &str, port: u16, extra: &str, tickets: &[&str]) -> Scratch {
        let dir = std::env::temp_dir().join(format!("booth-ffi-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let mut conf = format!(
            "port = {port}\nsite = 127.0.0.1\nsite = 127.0.0.2\narbitrator = 127.0.0.3\n{extra}"
        );
        for t in tickets {
            conf.push_str(&format!("ticket = {t}\n"));
        }
        std::fs::write(dir.join("booth.conf"), conf).expect("write conf");
        Scratch { dir }
    }

    fn conf(&self) -> CString {
        CString::new(self.dir.join("booth.conf").display().to_string()).expect("path")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn open(conf: &CStr) -> Result<*mut booth_handle, (booth_result, String)> {
    let mut msg = [0 as c_char; 256];
    let mut h = ptr::null_mut();
    // SAFETY: valid string, buffer of 256 bytes, writable out pointer.
    let r = unsafe { booth_open(conf.as_ptr(), msg.as_mut_ptr(), msg.len(), &mut h) };
    if r == booth_result::Ok {
        Ok(h)
    } else {
        assert!(h.is_null(), "handle written on failure");
        // SAFETY: booth_open NUL-terminates within the buffer.
        let m = unsafe { CStr::from_ptr(msg.as_ptr()) };
        Err((r, m.to_string_lossy().into_owned()))
    }
}

fn last_message(h: *const booth_handle) -> String {
    let mut buf = [0 as c_char; 512];
    // SAFETY: live handle, buffer of 512 bytes.
    let r = unsafe { booth_last_message(h, buf.as_mut_ptr(), buf.len(), ptr::null_mut()) };
    assert_eq!(r, booth_result::Ok);
    // SAFETY: NUL-terminated on success.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn strerror(r: booth_result) -> String {
    // SAFETY: booth_strerror returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(booth_strerror(r as u32)) }
        .to_string_lossy()
        .into_owned()
}

fn list(h: *mut booth_handle, site: Option<&CStr>) -> booth_result {
    let mut l = ptr::null_mut();
    let site = site.map_or(ptr::null(), CStr::as_ptr);
    // SAFETY: handle from booth_open (or NULL), valid strings, writable out pointer.
    let r = unsafe { booth_list(h, site, &mut l) };
    // SAFETY: NULL or a list from booth_list.
    unsafe { booth_ticket_list_free(&mut l) };
    r
}

#[test]
fn version_and_every_code_has_a_text() {
    // SAFETY: static string.
    let v = unsafe { CStr::from_ptr(booth_version()) };
    assert_eq!(v.to_str(), Ok("1.0"));
    for r in booth_result::all() {
        assert!(!strerror(*r).is_empty());
    }
    // SAFETY: any number is allowed.
    let unknown = unsafe { CStr::from_ptr(booth_strerror(4242)) };
    assert_eq!(unknown.to_str(), Ok("unknown result code"));
}

#[test]
fn bad_configurations_are_codes_with_the_c_message() {
    let missing = CString::new("/nonexistent/booth.conf").expect("c string");
    let (r, msg) = open(&missing).expect_err("missing file");
    assert_eq!(r, booth_result::Config);
    assert_eq!(
        msg,
        "failed to open /nonexistent/booth.conf: No such file or directory"
    );
    // A short name means /etc/booth/NAME.conf, as `booth -c NAME`.
    let (r, msg) = open(c"no-such-name").expect_err("missing name");
    assert_eq!(r, booth_result::Config);
    assert!(msg.contains("/etc/booth/no-such-name.conf"), "{msg}");

    let s = Scratch::new(
        "syntax",
        9929,
        "transport = UDP\ntransport = UDP\n",
        &["tA"],
    );
    let (r, msg) = open(&s.conf()).expect_err("syntax error");
    assert_eq!(r, booth_result::Config);
    assert!(!msg.is_empty());

    let key = std::env::temp_dir().join(format!("booth-ffi-authkey-{}", std::process::id()));
    std::fs::write(&key, [7u8; 32]).expect("key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let s = Scratch::new(
        "key",
        9929,
        &format!("authfile = {}\n", key.display()),
        &["tA"],
    );
    let (r, msg) = open(&s.conf()).expect_err("readable key");
    let _ = std::fs::remove_file(&key);
    assert_eq!(r, booth_result::AuthFile);
    assert!(msg.contains("shall not be readable"), "{msg}");

    let s = Scratch::new("member", 9929, "", &["tA"]);
    let other = std::fs::read_to_string(s.dir.join("booth.conf"))
        .expect("conf")
        .replace("127.0.0.", "198.51.100.");
    std::fs::write(s.dir.join("booth.conf"), other).expect("conf");
    let (r, msg) = open(&s.conf()).expect_err("not a member");
    assert_eq!(r, booth_result::NotAMember);
    assert_eq!(msg, "Cannot find myself in the configuration.");

    // Non-UTF-8 and NULL arguments.
    let bad = CString::new(vec![b'/', 0xff, b'x']).expect("c string");
    assert_eq!(
        open(&bad).expect_err("non-UTF-8").0,
        booth_result::InvalidArgument
    );
    let conf = s.conf();
    // SAFETY: NULL out pointer is the case under test.
    let r = unsafe { booth_open(conf.as_ptr(), ptr::null_mut(), 0, ptr::null_mut()) };
    assert_eq!(r, booth_result::NullArgument);
}

#[test]
fn unreachable_and_silent_daemons() {
    let port = free_port();
    let s = Scratch::new("unreach", port, "", &["tA", "tB"]);
    let mut h = open(&s.conf()).expect("opens");

    let mut me = std::mem::MaybeUninit::<booth_member>::uninit();
    // SAFETY: live handle, writable out struct.
    let r = unsafe { booth_local_member(h, me.as_mut_ptr()) };
    assert_eq!(r, booth_result::Ok);
    // SAFETY: written on success.
    let me = unsafe { me.assume_init() };
    // SAFETY: NUL-terminated field.
    let addr = unsafe { CStr::from_ptr(me.addr.as_ptr()) };
    assert_eq!(addr.to_str(), Ok("127.0.0.1"));
    assert_eq!(me.kind, booth_member_kind::Site as u32);
    assert_eq!(me.port, u32::from(port));

    // Nothing listens: the C client's connect message.
    assert_eq!(list(h, None), booth_result::Connect);
    assert_eq!(
        last_message(h),
        "connect to 127.0.0.1 got an error: Connection refused"
    );

    // Refusals before any traffic, with the CLI's texts.
    assert_eq!(list(h, Some(c"10.9.9.9")), booth_result::UnknownSite);
    assert_eq!(last_message(h), "cannot find site \"10.9.9.9\"");
    let mut outcome = 99u32;
    // SAFETY: live handle, valid strings, writable outcome.
    let r = unsafe { booth_grant(h, c"tA".as_ptr(), c"127.0.0.3".as_ptr(), 0, 0, &mut outcome) };
    assert_eq!(r, booth_result::Arbitrator);
    assert_eq!(outcome, 99, "outcome written on failure");
    assert_eq!(
        last_message(h),
        "127.0.0.3 is just an arbitrator, cannot grant/revoke tickets there."
    );
    // SAFETY: as above; NULL ticket with two configured.
    let r = unsafe { booth_grant(h, ptr::null(), ptr::null(), 0, 0, ptr::null_mut()) };
    assert_eq!(r, booth_result::NoTicket);
    assert_eq!(last_message(h), "No ticket given.");
    // SAFETY: as above; -F is not allowed for revoke.
    let r = unsafe {
        booth_revoke(
            h,
            c"tA".as_ptr(),
            ptr::null(),
            BOOTH_GRANT_FORCE,
            0,
            ptr::null_mut(),
        )
    };
    assert_eq!(r, booth_result::InvalidArgument);
    let long = CString::new("t".repeat(64)).expect("c string");
    // SAFETY: as above.
    let r = unsafe { booth_grant(h, long.as_ptr(), ptr::null(), 0, 0, ptr::null_mut()) };
    assert_eq!(r, booth_result::InvalidArgument);
    let bad = CString::new(vec![b't', 0xc3]).expect("c string");
    // SAFETY: as above.
    let r = unsafe { booth_geo_set(h, bad.as_ptr(), ptr::null(), c"a".as_ptr(), c"v".as_ptr()) };
    assert_eq!(r, booth_result::InvalidArgument);
    // SAFETY: NULL attribute name is the case under test.
    let r = unsafe { booth_geo_delete(h, c"tA".as_ptr(), ptr::null(), ptr::null()) };
    assert_eq!(r, booth_result::NullArgument);

    // A daemon that accepts and never answers: the caller's timeout holds.
    let silent = TcpListener::bind(("127.0.0.1", port)).expect("bind the booth port");
    let start = Instant::now();
    // SAFETY: as above.
    let r = unsafe { booth_grant(h, c"tA".as_ptr(), ptr::null(), 0, 300, ptr::null_mut()) };
    assert_eq!(r, booth_result::Timeout);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        last_message(h).starts_with("read failed (110)"),
        "{}",
        last_message(h)
    );
    drop(silent);

    // A buffer too small: the size needed, nothing written.
    let x = c_char::from_ne_bytes([b'x']);
    let mut small = [x; 4];
    let mut need = 0usize;
    // SAFETY: live handle, buffer of 4 bytes, writable length.
    let r = unsafe { booth_last_message(h, small.as_mut_ptr(), small.len(), &mut need) };
    assert_eq!(r, booth_result::BufferTooSmall);
    assert!(need > small.len());
    assert!(small.iter().all(|&c| c == x), "buffer written");
    // SAFETY: NULL buffer is the case under test.
    let r = unsafe { booth_last_message(h, ptr::null_mut(), 0, &mut need) };
    assert_eq!(r, booth_result::NullArgument);

    // Close sets the pointer to NULL: later use is a code, a second close harmless.
    // SAFETY: handle from booth_open, closed once here.
    unsafe { booth_close(&mut h) };
    assert!(h.is_null());
    assert_eq!(list(h, None), booth_result::NullArgument);
    // SAFETY: NULL handle is allowed.
    unsafe { booth_close(&mut h) };
    // SAFETY: NULL is allowed.
    unsafe { booth_close(ptr::null_mut()) };
}

#[test]
fn list_accessors_check_their_arguments() {
    let mut n = 7usize;
    // SAFETY: NULL list is the case under test.
    let r = unsafe { booth_ticket_list_len(ptr::null(), &mut n) };
    assert_eq!(r, booth_result::NullArgument);
    assert_eq!(n, 7);
    let mut item = ptr::null();
    // SAFETY: as above.
    let r = unsafe { booth_peer_list_get(ptr::null(), 0, &mut item) };
    assert_eq!(r, booth_result::NullArgument);
    // SAFETY: NULL is allowed.
    unsafe { booth_attr_list_free(ptr::null_mut()) };
}
