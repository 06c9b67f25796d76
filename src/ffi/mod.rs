//! libbooth: the C ABI of the clients (`include/booth.h`, generated from this module by
//! cbindgen). The only `extern "C"` of the crate.
//!
//! Every exported function catches panics (`BOOTH_RESULT_PANIC`), checks its pointers
//! (`BOOTH_RESULT_NULL_ARGUMENT`), its strings (`BOOTH_RESULT_INVALID_ARGUMENT` for
//! non-UTF-8 or too long) and its handle's magic number (`BOOTH_RESULT_BAD_HANDLE`), and
//! writes its outputs only on success. The operations are `crate::client::Session`'s,
//! the same code as the `booth`/`geostore` programs; their messages are kept in the
//! handle (`booth_last_message`) instead of going to stderr.
#![allow(non_camel_case_types)]

mod types;

use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::time::{Duration, Instant};

use crate::client::args::{AttrOp, ClientOp};
use crate::client::conf::{self, ReadFailure, Role};
use crate::client::{Done, Failure, Query, Request, Session};
use crate::config::{config_path, MemberKind, DEFAULT_CONFIG_PATH};
use crate::listing::{self, Leader};
use crate::log::{Level, Logger};
use crate::wire::consts::{OPT_IMMEDIATE, OPT_WAIT, OPT_WAIT_COMMIT};
use crate::wire::ResultCode;

pub use types::*;

/// Marks a live handle; overwritten on close so a stale copy is caught when cheap.
const MAGIC_LIVE: u64 = 0x626f_6f74_682d_7273; // "booth-rs"
const MAGIC_DEAD: u64 = 0x6465_6164_6465_6164;

/// A loaded configuration with its local member: what every operation runs against.
/// Opaque to C.
pub struct booth_handle {
    magic: u64,
    session: Session,
}

/// The tickets of one `booth_list` call. Opaque to C.
pub struct booth_ticket_list {
    items: Vec<booth_ticket>,
}

/// The peers of one `booth_peers` call. Opaque to C.
pub struct booth_peer_list {
    items: Vec<booth_peer>,
}

/// The attributes of one `booth_attr_list` call. Opaque to C.
pub struct booth_attr_list {
    items: Vec<booth_attr>,
}

/// Runs `f`, turning a panic into `BOOTH_RESULT_PANIC` (no unwinding into C).
fn guard(f: impl FnOnce() -> Result<(), booth_result>) -> booth_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => booth_result::Ok,
        Ok(Err(e)) => e,
        Err(_) => booth_result::Panic,
    }
}

/// Borrows the handle behind `h` mutably after checking it.
///
/// # Safety
/// `h` is NULL or points to memory that was a `booth_handle` (live, or closed: then the
/// magic check usually catches it), used by no other thread during the call.
unsafe fn handle_mut<'a>(h: *mut booth_handle) -> Result<&'a mut booth_handle, booth_result> {
    // SAFETY: per this function's contract `h` is NULL (-> None) or valid for the call.
    let h = unsafe { h.as_mut() }.ok_or(booth_result::NullArgument)?;
    if h.magic != MAGIC_LIVE {
        return Err(booth_result::BadHandle);
    }
    h.session.log.clear();
    Ok(h)
}

/// Shared borrow of the handle behind `h` after checking it.
///
/// # Safety
/// As [`handle_mut`], with no concurrent mutable use.
unsafe fn handle_ref<'a>(h: *const booth_handle) -> Result<&'a booth_handle, booth_result> {
    // SAFETY: per this function's contract `h` is NULL (-> None) or valid for the call.
    let h = unsafe { h.as_ref() }.ok_or(booth_result::NullArgument)?;
    if h.magic != MAGIC_LIVE {
        return Err(booth_result::BadHandle);
    }
    Ok(h)
}

/// An optional C string argument as UTF-8 bytes of at most `max` bytes.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for the call.
unsafe fn opt_arg(p: *const c_char, max: usize) -> Result<Option<Vec<u8>>, booth_result> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let s = unsafe { CStr::from_ptr(p) };
    let s = s.to_str().map_err(|_| booth_result::InvalidArgument)?;
    if s.len() > max {
        return Err(booth_result::InvalidArgument);
    }
    Ok(Some(s.as_bytes().to_vec()))
}

/// A required C string argument (see [`opt_arg`]).
///
/// # Safety
/// As [`opt_arg`].
unsafe fn arg(p: *const c_char, max: usize) -> Result<Vec<u8>, booth_result> {
    // SAFETY: same contract as ours.
    unsafe { opt_arg(p, max) }?.ok_or(booth_result::NullArgument)
}

/// Writes `*out = v` if `out` is not NULL.
///
/// # Safety
/// `out` is NULL or valid for a write of `T`.
unsafe fn put<T>(out: *mut T, v: T) {
    if !out.is_null() {
        // SAFETY: non-NULL and writable per this function's contract.
        unsafe { out.write(v) };
    }
}

/// Copies `text` plus a NUL into `buf` of `len` bytes; `*out_len` (if not NULL) gets
/// the bytes needed including the NUL, also when the buffer is too small.
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes; `out_len` as in [`put`].
unsafe fn copy_out(
    text: &[u8],
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> Result<(), booth_result> {
    let need = text.len() + 1;
    // SAFETY: per this function's contract.
    unsafe { put(out_len, need) };
    if buf.is_null() {
        return Err(booth_result::NullArgument);
    }
    if len < need {
        return Err(booth_result::BufferTooSmall);
    }
    // SAFETY: `buf` holds at least `need` bytes (checked above) and cannot overlap
    // `text`, which is memory of ours.
    unsafe {
        ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        buf.add(text.len()).write(0);
    }
    Ok(())
}

/// The site argument as the CLI's `-s` holds it: a host name becomes an IPv4 literal.
fn site_of(site: Option<Vec<u8>>) -> Vec<u8> {
    match site {
        None => Vec::new(),
        Some(s) if s == crate::client::args::OTHER_SITE => s,
        Some(s) => crate::client::resolve_ipv4(&s).map_or(s, String::into_bytes),
    }
}

/// Longest ticket and attribute name, attribute value and site accepted (field - 1).
const NAME_MAX: usize = BOOTH_NAME_LEN - 1;
const VALUE_MAX: usize = BOOTH_VALUE_LEN - 1;

impl From<Failure> for booth_result {
    fn from(f: Failure) -> booth_result {
        match f {
            Failure::UnknownSite => booth_result::UnknownSite,
            Failure::Arbitrator => booth_result::Arbitrator,
            Failure::NoTicket => booth_result::NoTicket,
            Failure::Internal => booth_result::InvalidArgument,
            Failure::Connect => booth_result::Connect,
            Failure::Send => booth_result::Io,
            Failure::Read { timeout: true } => booth_result::Timeout,
            Failure::Read { timeout: false } => booth_result::Io,
            Failure::BadReply => booth_result::BadReply,
            Failure::AuthFailed => booth_result::AuthFailed,
            Failure::Refused(code) => refusal(code),
        }
    }
}

/// The result code for a daemon's negative answer.
fn refusal(code: ResultCode) -> booth_result {
    match code {
        ResultCode::InvalidArg => booth_result::NoSuchTicket,
        ResultCode::Overgrant => booth_result::AlreadyGranted,
        ResultCode::SyncFail => booth_result::Failed,
        ResultCode::ExtFailed => booth_result::HandlerFailed,
        ResultCode::AttrPrereq => booth_result::AttrPrereq,
        ResultCode::NoSuchAttr => booth_result::NoSuchAttr,
        ResultCode::Auth => booth_result::Rejected,
        _ => booth_result::UnexpectedResult,
    }
}

fn outcome_of(d: Done) -> u32 {
    let o = match d {
        Done::Success => booth_outcome::Done,
        Done::Async => booth_outcome::Async,
        Done::CommitPending => booth_outcome::CommitPending,
        Done::NotOwned => booth_outcome::NotOwned,
        Done::GaveUp => booth_outcome::InProgress,
    };
    o as u32
}

/// The text of a query whose result must be success; other results become codes (and
/// their CLI message, via `test_reply`, the handle's last message).
fn text_reply(s: &mut Session, req: &Request, op: ClientOp) -> Result<String, booth_result> {
    let reply = s.query(req, Query::Booth(op))?;
    match s.test_reply(reply.result, op, &req.ticket, req.options) {
        0 => {}
        _ => return Err(refusal(reply.result)),
    }
    String::from_utf8(reply.text).map_err(|_| bad_text(s))
}

fn bad_text(s: &Session) -> booth_result {
    s.log.error("reply text is not UTF-8");
    booth_result::BadReply
}

fn parse_failed(s: &Session, e: &listing::ParseError) -> booth_result {
    s.log.error(&e.to_string());
    booth_result::BadReply
}

/// `booth_version()`: the version the `booth` program prints, e.g. "1.0" (static).
#[no_mangle]
pub extern "C" fn booth_version() -> *const c_char {
    c"1.0".as_ptr()
}

/// A static, NUL-terminated English description of a result code (unknown codes get a
/// generic text). Never NULL; callable from any thread.
#[no_mangle]
pub extern "C" fn booth_strerror(result: u32) -> *const c_char {
    booth_result::from_u32(result).map_or(c"unknown result code".as_ptr(), |r| r.text().as_ptr())
}

/// Reads a configuration and finds the local member, as `booth -c CONFIG` does.
/// `config`: NULL for /etc/booth/booth.conf, a name without `/` for
/// /etc/booth/NAME.conf, or a path. On success `*handle_out` is a new handle (close it
/// with `booth_close`). On failure `*handle_out` is untouched and, if `msg` is not NULL,
/// the C tools' message (e.g. the config file's line) is copied into `msg` (at most
/// `msg_len` bytes, truncated, NUL-terminated).
///
/// # Safety
/// `config` NULL or a NUL-terminated string; `msg` NULL or valid for `msg_len` bytes;
/// `handle_out` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn booth_open(
    config: *const c_char,
    msg: *mut c_char,
    msg_len: usize,
    handle_out: *mut *mut booth_handle,
) -> booth_result {
    let log = Logger::memory("booth");
    let r = guard(|| {
        if handle_out.is_null() {
            return Err(booth_result::NullArgument);
        }
        // SAFETY: `config` is NULL or NUL-terminated (our contract).
        let config = unsafe { opt_arg(config, crate::config::MAX_CONFIG_PATH_LEN) }?;
        let path = match config {
            None => DEFAULT_CONFIG_PATH.to_string(),
            Some(c) => {
                let c = String::from_utf8(c).map_err(|_| booth_result::InvalidArgument)?;
                config_path(&c).map_err(|_| booth_result::InvalidArgument)?
            }
        };
        let (cfg, key) = conf::read_detailed(path.as_bytes(), &log).map_err(|e| match e {
            ReadFailure::Key => booth_result::AuthFile,
            ReadFailure::File | ReadFailure::Syntax { .. } => booth_result::Config,
        })?;
        let loaded = conf::finish_load(cfg, key, &log, Role::Client)
            .map_err(|_| booth_result::NotAMember)?;
        let local = loaded.local.ok_or(booth_result::NotAMember)?;
        log.clear();
        let h = Box::new(booth_handle {
            magic: MAGIC_LIVE,
            session: Session::new(loaded.conf, local, Logger::memory("booth")),
        });
        // SAFETY: checked non-NULL above; writable per our contract.
        unsafe { handle_out.write(Box::into_raw(h)) };
        Ok(())
    });
    if r != booth_result::Ok && !msg.is_null() && msg_len > 0 {
        let text = log.last(Level::Info).unwrap_or_default();
        let n = text.len().min(msg_len - 1);
        // SAFETY: `msg` is valid for `msg_len` bytes (our contract); we write n + 1 <=
        // msg_len bytes from our own buffer.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr(), msg.cast::<u8>(), n);
            msg.add(n).write(0);
        }
    }
    r
}

/// Closes a handle and sets `*handle` to NULL, so a later use through the same variable
/// is `BOOTH_RESULT_NULL_ARGUMENT`. NULL or `*handle` NULL: nothing happens.
///
/// # Safety
/// `handle` NULL or valid; `*handle` NULL or from `booth_open`, not closed before, and
/// not in use by another thread.
#[no_mangle]
pub unsafe extern "C" fn booth_close(handle: *mut *mut booth_handle) {
    let _ = guard(|| {
        // SAFETY: `handle` is NULL or valid for reads and writes (our contract).
        let Some(slot) = (unsafe { handle.as_mut() }) else {
            return Ok(());
        };
        let h = std::mem::replace(slot, ptr::null_mut());
        if h.is_null() {
            return Ok(());
        }
        // SAFETY: `h` came from Box::into_raw in booth_open and is closed only once
        // (our contract); a dead magic means it was closed already: leave it.
        unsafe {
            if (*h).magic != MAGIC_LIVE {
                return Err(booth_result::BadHandle);
            }
            (*h).magic = MAGIC_DEAD;
            drop(Box::from_raw(h));
        }
        Ok(())
    });
}

/// The newest message of the handle's last operation, as the `booth`
/// and `geostore` programs print it (without their log prefix), e.g.
/// `connect to 10.0.0.2 got an error: Connection refused`. Empty when there is none.
/// `*out_len` (optional) gets the size needed including the NUL, also on
/// `BOOTH_RESULT_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `handle` from `booth_open`; `buf` valid for `len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_last_message(
    handle: *const booth_handle,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_ref(handle) }?;
        let text = h.session.log.last(Level::Info).unwrap_or_default();
        // SAFETY: per our contract.
        unsafe { copy_out(&text, buf, len, out_len) }
    })
}

/// The member this host is (how `booth` picks the daemon it talks to by default).
///
/// # Safety
/// `handle` from `booth_open`; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_local_member(
    handle: *const booth_handle,
    out: *mut booth_member,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_ref(handle) }?;
        if out.is_null() {
            return Err(booth_result::NullArgument);
        }
        let m = &h.session.conf.config.members[h.session.local];
        let mut v = booth_member {
            addr: [0; BOOTH_ADDR_LEN],
            site_id: m.site_id,
            kind: match m.kind {
                MemberKind::Site => booth_member_kind::Site as u32,
                MemberKind::Arbitrator => booth_member_kind::Arbitrator as u32,
            },
            port: u32::from(m.port),
        };
        fill(&mut v.addr, &m.addr_text)?;
        // SAFETY: checked non-NULL; writable per our contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// `booth list [-s SITE]`: the tickets as the daemon of `site` (NULL: the local member;
/// an address, host name or `other`) sees them. On success `*list_out` is a new list,
/// freed with `booth_ticket_list_free`.
///
/// # Safety
/// `handle` from `booth_open`, not used by another thread during the call; `site`
/// NULL or NUL-terminated; `list_out` writable.
#[no_mangle]
pub unsafe extern "C" fn booth_list(
    handle: *mut booth_handle,
    site: *const c_char,
    list_out: *mut *mut booth_ticket_list,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let site = unsafe { opt_arg(site, NAME_MAX) }?;
        if list_out.is_null() {
            return Err(booth_result::NullArgument);
        }
        let s = &mut h.session;
        let req = Request {
            site: site_of(site),
            ..Request::default()
        };
        let text = text_reply(s, &req, ClientOp::List)?;
        let parsed = listing::parse_list(&text).map_err(|e| parse_failed(s, &e))?;
        let local = s.conf.config.members[s.local].addr_text.clone();
        let mut items = Vec::with_capacity(parsed.len());
        for t in &parsed {
            items.push(ticket_of(t, &local)?);
        }
        let list = Box::new(booth_ticket_list { items });
        // SAFETY: checked non-NULL; writable per our contract.
        unsafe { list_out.write(Box::into_raw(list)) };
        Ok(())
    })
}

fn ticket_of(t: &listing::ListedTicket, local: &str) -> Result<booth_ticket, booth_result> {
    let mut v = booth_ticket {
        name: [0; BOOTH_NAME_LEN],
        leader: [0; BOOTH_ADDR_LEN],
        expires_text: [0; BOOTH_TIME_LEN],
        commit_pending_text: [0; BOOTH_TIME_LEN],
        expires: -1,
        commit_pending_until: -1,
        leader_kind: 0,
        flags: 0,
    };
    fill(&mut v.name, &t.name)?;
    v.leader_kind = match &t.leader {
        Leader::Unknown => booth_leader::Unknown,
        Leader::NoOne => booth_leader::NoOne,
        Leader::Member(a) => {
            fill(&mut v.leader, a)?;
            if a == local {
                v.flags |= BOOTH_TICKET_GRANTED_HERE;
            }
            booth_leader::Member
        }
    } as u32;
    if let Some(e) = &t.expires {
        fill(&mut v.expires_text, e)?;
        if e == "INF" {
            v.flags |= BOOTH_TICKET_EXPIRES_NEVER;
        } else {
            v.expires = types::local_epoch(e);
        }
    }
    if let Some(c) = &t.commit_pending_until {
        fill(&mut v.commit_pending_text, c)?;
        v.commit_pending_until = types::local_epoch(c);
        v.flags |= BOOTH_TICKET_COMMIT_PENDING;
    }
    if t.manual {
        v.flags |= BOOTH_TICKET_MANUAL;
    }
    if t.granted_to.len() > 1 {
        v.flags |= BOOTH_TICKET_MULTI_GRANTED;
    }
    Ok(v)
}

/// `booth peers [-s SITE]`: every member but the answering one, with its counters.
/// Freed with `booth_peer_list_free`.
///
/// # Safety
/// As `booth_list`.
#[no_mangle]
pub unsafe extern "C" fn booth_peers(
    handle: *mut booth_handle,
    site: *const c_char,
    list_out: *mut *mut booth_peer_list,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let site = unsafe { opt_arg(site, NAME_MAX) }?;
        if list_out.is_null() {
            return Err(booth_result::NullArgument);
        }
        let s = &mut h.session;
        let req = Request {
            site: site_of(site),
            ..Request::default()
        };
        let text = text_reply(s, &req, ClientOp::Peers)?;
        let parsed = listing::parse_peers(&text).map_err(|e| parse_failed(s, &e))?;
        let mut items = Vec::with_capacity(parsed.len());
        for p in &parsed {
            let mut v = booth_peer {
                addr: [0; BOOTH_ADDR_LEN],
                last_recv_text: [0; BOOTH_TIME_LEN],
                last_recv: types::local_epoch(&p.last_recv),
                kind: if p.arbitrator {
                    booth_member_kind::Arbitrator
                } else {
                    booth_member_kind::Site
                } as u32,
                sent: p.sent,
                sent_errors: p.sent_errors,
                resends: p.resends,
                received: p.received,
                recv_errors: p.recv_errors,
                authfail: p.authfail,
                invalid: p.invalid,
            };
            fill(&mut v.addr, &p.addr)?;
            fill(&mut v.last_recv_text, &p.last_recv)?;
            items.push(v);
        }
        let list = Box::new(booth_peer_list { items });
        // SAFETY: checked non-NULL; writable per our contract.
        unsafe { list_out.write(Box::into_raw(list)) };
        Ok(())
    })
}

/// Shared body of grant and revoke.
///
/// # Safety
/// As `booth_grant`.
unsafe fn command(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    flags: u32,
    timeout_ms: u32,
    outcome: *mut u32,
    op: ClientOp,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let ticket = unsafe { opt_arg(ticket, NAME_MAX) }?;
        // SAFETY: per our contract.
        let site = unsafe { opt_arg(site, NAME_MAX) }?;
        let allowed = if op == ClientOp::Grant {
            BOOTH_GRANT_FORCE | BOOTH_GRANT_WAIT | BOOTH_GRANT_WAIT_COMMIT
        } else {
            BOOTH_GRANT_WAIT
        };
        if flags & !allowed != 0 {
            return Err(booth_result::InvalidArgument);
        }
        let mut options = 0;
        if flags & BOOTH_GRANT_FORCE != 0 {
            options |= OPT_IMMEDIATE;
        }
        if flags & BOOTH_GRANT_WAIT != 0 {
            options |= OPT_WAIT;
        }
        if flags & BOOTH_GRANT_WAIT_COMMIT != 0 {
            options |= OPT_WAIT | OPT_WAIT_COMMIT;
        }
        let req = Request {
            site: site_of(site),
            ticket: ticket.unwrap_or_default(),
            options,
            deadline: (timeout_ms > 0)
                .then(|| Instant::now() + Duration::from_millis(u64::from(timeout_ms))),
            ..Request::default()
        };
        let done = h.session.grant_revoke(&req, op)?;
        // SAFETY: NULL or writable per our contract.
        unsafe { put(outcome, outcome_of(done)) };
        Ok(())
    })
}

/// `booth grant [-s SITE] [-F] [-w] [-C] TICKET`. `ticket` NULL: the only configured
/// ticket. `flags`: `BOOTH_GRANT_FORCE` (-F), `BOOTH_GRANT_WAIT` (-w),
/// `BOOTH_GRANT_WAIT_COMMIT` (-C). `timeout_ms`: give up (`BOOTH_RESULT_TIMEOUT`) when
/// no final answer came within it; 0 = the `booth` program's per-reply limits. On
/// `BOOTH_RESULT_OK`, `*outcome` (optional) says how it ended (`booth_outcome`).
///
/// # Safety
/// `handle` from `booth_open`, not used by another thread during the call; strings NULL
/// or NUL-terminated; `outcome` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_grant(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    flags: u32,
    timeout_ms: u32,
    outcome: *mut u32,
) -> booth_result {
    // SAFETY: same contract.
    unsafe {
        command(
            handle,
            ticket,
            site,
            flags,
            timeout_ms,
            outcome,
            ClientOp::Grant,
        )
    }
}

/// `booth revoke [-s SITE] [-w] TICKET`; only `BOOTH_GRANT_WAIT` is allowed in `flags`.
/// A redirect to the holding site is followed as `booth` does.
///
/// # Safety
/// As `booth_grant`.
#[no_mangle]
pub unsafe extern "C" fn booth_revoke(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    flags: u32,
    timeout_ms: u32,
    outcome: *mut u32,
) -> booth_result {
    // SAFETY: same contract.
    unsafe {
        command(
            handle,
            ticket,
            site,
            flags,
            timeout_ms,
            outcome,
            ClientOp::Revoke,
        )
    }
}

/// The request of a geostore operation.
///
/// # Safety
/// Strings NULL or NUL-terminated.
unsafe fn attr_request(
    ticket: *const c_char,
    site: *const c_char,
    name: *const c_char,
    value: *const c_char,
) -> Result<Request, booth_result> {
    // SAFETY: per our contract (all four).
    let (ticket, site, name, value) = unsafe {
        (
            opt_arg(ticket, NAME_MAX)?,
            opt_arg(site, NAME_MAX)?,
            opt_arg(name, NAME_MAX)?,
            opt_arg(value, VALUE_MAX)?,
        )
    };
    Ok(Request {
        site: site_of(site),
        ticket: ticket.unwrap_or_default(),
        attr_name: name.unwrap_or_default(),
        attr_value: value.unwrap_or_default(),
        ..Request::default()
    })
}

/// `geostore list [-t TICKET] [-s SITE]`: the ticket's attributes on that site.
/// Freed with `booth_attr_list_free`.
///
/// # Safety
/// As `booth_grant`; `list_out` writable.
#[no_mangle]
pub unsafe extern "C" fn booth_geo_list(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    list_out: *mut *mut booth_attr_list,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let req = unsafe { attr_request(ticket, site, ptr::null(), ptr::null()) }?;
        if list_out.is_null() {
            return Err(booth_result::NullArgument);
        }
        let s = &mut h.session;
        let text = attr_text(s, &req, AttrOp::List)?;
        let parsed = listing::parse_attrs(&text).map_err(|e| parse_failed(s, &e))?;
        let mut items = Vec::with_capacity(parsed.len());
        for a in &parsed {
            let mut v = booth_attr {
                name: [0; BOOTH_NAME_LEN],
                value: [0; BOOTH_VALUE_LEN],
                set_at_text: [0; BOOTH_TIME_LEN],
                set_at: -1,
            };
            fill(&mut v.name, &a.name)?;
            fill(&mut v.value, &a.value)?;
            if let Some(t) = &a.set_at {
                fill(&mut v.set_at_text, t)?;
                v.set_at = types::local_epoch(t);
            }
            items.push(v);
        }
        let list = Box::new(booth_attr_list { items });
        // SAFETY: checked non-NULL; writable per our contract.
        unsafe { list_out.write(Box::into_raw(list)) };
        Ok(())
    })
}

fn attr_text(s: &mut Session, req: &Request, op: AttrOp) -> Result<String, booth_result> {
    let (ticket, reply) = s.attr_query(req, op)?;
    if s.test_attr_reply(reply.result, op, &ticket, &req.attr_name) != 0 {
        return Err(refusal(reply.result));
    }
    String::from_utf8(reply.text).map_err(|_| bad_text(s))
}

/// `geostore get [-t TICKET] [-s SITE] NAME`: the value (without the newline `geostore`
/// prints) into `buf`. `*out_len` (optional) gets the size needed including the NUL,
/// also on `BOOTH_RESULT_BUFFER_TOO_SMALL`; values are at most 127 bytes.
///
/// # Safety
/// As `booth_grant`; `buf` valid for `len` bytes; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_geo_get(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let _ = unsafe { arg(name, NAME_MAX) }?;
        // SAFETY: per our contract.
        let req = unsafe { attr_request(ticket, site, name, ptr::null()) }?;
        let text = attr_text(&mut h.session, &req, AttrOp::Get)?;
        let value = text.strip_suffix('\n').unwrap_or(&text);
        // SAFETY: per our contract.
        unsafe { copy_out(value.as_bytes(), buf, len, out_len) }
    })
}

/// `geostore set [-t TICKET] [-s SITE] NAME VALUE` (value at most 127 bytes).
///
/// # Safety
/// As `booth_grant`.
#[no_mangle]
pub unsafe extern "C" fn booth_geo_set(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    name: *const c_char,
    value: *const c_char,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let _ = unsafe { (arg(name, NAME_MAX)?, arg(value, VALUE_MAX)?) };
        // SAFETY: per our contract.
        let req = unsafe { attr_request(ticket, site, name, value) }?;
        h.session.attr_command(&req, AttrOp::Set)?;
        Ok(())
    })
}

/// `geostore delete [-t TICKET] [-s SITE] NAME`.
///
/// # Safety
/// As `booth_grant`.
#[no_mangle]
pub unsafe extern "C" fn booth_geo_delete(
    handle: *mut booth_handle,
    ticket: *const c_char,
    site: *const c_char,
    name: *const c_char,
) -> booth_result {
    guard(|| {
        // SAFETY: per our contract.
        let h = unsafe { handle_mut(handle) }?;
        // SAFETY: per our contract.
        let _ = unsafe { arg(name, NAME_MAX) }?;
        // SAFETY: per our contract.
        let req = unsafe { attr_request(ticket, site, name, ptr::null()) }?;
        h.session.attr_command(&req, AttrOp::Delete)?;
        Ok(())
    })
}

/// Copies `s` into a fixed NUL-terminated field; too long is a bad reply.
fn fill<const N: usize>(field: &mut [c_char; N], s: &str) -> Result<(), booth_result> {
    if s.len() >= N || s.contains('\0') {
        return Err(booth_result::BadReply);
    }
    field.fill(0);
    for (d, b) in field.iter_mut().zip(s.bytes()) {
        *d = c_char::from_ne_bytes([b]);
    }
    Ok(())
}

/// A list type of this module: its items.
trait Items {
    type Item;
    fn items(&self) -> &[Self::Item];
}

impl Items for booth_ticket_list {
    type Item = booth_ticket;
    fn items(&self) -> &[booth_ticket] {
        &self.items
    }
}

impl Items for booth_peer_list {
    type Item = booth_peer;
    fn items(&self) -> &[booth_peer] {
        &self.items
    }
}

impl Items for booth_attr_list {
    type Item = booth_attr;
    fn items(&self) -> &[booth_attr] {
        &self.items
    }
}

/// The body of the `*_len` functions.
///
/// # Safety
/// `list` NULL or a live list; `len_out` NULL or writable.
unsafe fn list_len<L: Items>(list: *const L, len_out: *mut usize) -> booth_result {
    guard(|| {
        // SAFETY: NULL or a live list (our contract).
        let l = unsafe { list.as_ref() }.ok_or(booth_result::NullArgument)?;
        if len_out.is_null() {
            return Err(booth_result::NullArgument);
        }
        // SAFETY: checked non-NULL; writable per our contract.
        unsafe { len_out.write(l.items().len()) };
        Ok(())
    })
}

/// The body of the `*_get` functions.
///
/// # Safety
/// `list` NULL or a live list; `item_out` NULL or writable.
unsafe fn list_get<L: Items>(
    list: *const L,
    index: usize,
    item_out: *mut *const L::Item,
) -> booth_result {
    guard(|| {
        // SAFETY: NULL or a live list (our contract).
        let l = unsafe { list.as_ref() }.ok_or(booth_result::NullArgument)?;
        if item_out.is_null() {
            return Err(booth_result::NullArgument);
        }
        let item = l.items().get(index).ok_or(booth_result::OutOfRange)?;
        // SAFETY: checked non-NULL; writable per our contract.
        unsafe { item_out.write(item) };
        Ok(())
    })
}

/// The body of the `*_free` functions.
///
/// # Safety
/// `list` NULL or valid; `*list` NULL or from `Box::into_raw`, not freed before.
unsafe fn list_free<L>(list: *mut *mut L) {
    let _ = guard(|| {
        // SAFETY: NULL or valid for reads and writes (our contract).
        if let Some(slot) = unsafe { list.as_mut() } {
            let l = std::mem::replace(slot, ptr::null_mut());
            if !l.is_null() {
                // SAFETY: from Box::into_raw in its constructor, freed once.
                drop(unsafe { Box::from_raw(l) });
            }
        }
        Ok(())
    });
}

/// The number of tickets in `list` into `*len_out`.
///
/// # Safety
/// `list` NULL or from `booth_list`, not freed; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_ticket_list_len(
    list: *const booth_ticket_list,
    len_out: *mut usize,
) -> booth_result {
    // SAFETY: same contract.
    unsafe { list_len(list, len_out) }
}

/// The `index`th ticket into `*item_out`, valid until the list is freed;
/// `BOOTH_RESULT_OUT_OF_RANGE` past the end.
///
/// # Safety
/// `list` NULL or from `booth_list`, not freed; `item_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_ticket_list_get(
    list: *const booth_ticket_list,
    index: usize,
    item_out: *mut *const booth_ticket,
) -> booth_result {
    // SAFETY: same contract.
    unsafe { list_get(list, index, item_out) }
}

/// Frees a ticket list and sets `*list` to NULL; NULL or `*list` NULL: nothing happens.
///
/// # Safety
/// `list` NULL or valid; `*list` NULL or from `booth_list`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn booth_ticket_list_free(list: *mut *mut booth_ticket_list) {
    // SAFETY: same contract.
    unsafe { list_free(list) }
}

/// The number of peers in `list` into `*len_out`.
///
/// # Safety
/// `list` NULL or from `booth_peers`, not freed; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_peer_list_len(
    list: *const booth_peer_list,
    len_out: *mut usize,
) -> booth_result {
    // SAFETY: same contract.
    unsafe { list_len(list, len_out) }
}

/// The `index`th peer into `*item_out`, valid until the list is freed.
///
/// # Safety
/// `list` NULL or from `booth_peers`, not freed; `item_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_peer_list_get(
    list: *const booth_peer_list,
    index: usize,
    item_out: *mut *const booth_peer,
) -> booth_result {
    // SAFETY: same contract.
    unsafe { list_get(list, index, item_out) }
}

/// Frees a peer list and sets `*list` to NULL; NULL or `*list` NULL: nothing happens.
///
/// # Safety
/// `list` NULL or valid; `*list` NULL or from `booth_peers`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn booth_peer_list_free(list: *mut *mut booth_peer_list) {
    // SAFETY: same contract.
    unsafe { list_free(list) }
}

/// The number of attributes in `list` into `*len_out`.
///
/// # Safety
/// `list` NULL or from `booth_geo_list`, not freed; `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_attr_list_len(
    list: *const booth_attr_list,
    len_out: *mut usize,
) -> booth_result {
    // SAFETY: same contract.
    unsafe { list_len(list, len_out) }
}

/// The `index`th attribute into `*item_out`, valid until the list is freed.
///
/// # Safety
/// `list` NULL or from `booth_geo_list`, not freed; `item_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn booth_attr_list_get(
    list: *const booth_attr_list,
    index: usize,
    item_out: *mut *const booth_attr,
) -> booth_result {
    // SAFETY: same contract.
    unsafe { list_get(list, index, item_out) }
}

/// Frees an attribute list and sets `*list` to NULL; NULL or `*list` NULL: nothing
/// happens.
///
/// # Safety
/// `list` NULL or valid; `*list` NULL or from `booth_geo_list`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn booth_attr_list_free(list: *mut *mut booth_attr_list) {
    // SAFETY: same contract.
    unsafe { list_free(list) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientConf;

    #[test]
    fn a_panic_becomes_a_code() {
        let r = guard(|| panic!("boom"));
        assert_eq!(r, booth_result::Panic);
        assert_eq!(guard(|| Err(booth_result::Io)), booth_result::Io);
        assert_eq!(guard(|| Ok(())), booth_result::Ok);
    }

    /// A handle whose magic says closed is refused without touching its session (the
    /// cheap check for a stale pointer whose memory was not reused yet).
    #[test]
    fn a_dead_handle_is_refused() {
        let config = crate::config::parse("site = 10.0.0.1\nsite = 10.0.0.2\nticket = A\n", "/x")
            .expect("config");
        let session = Session::new(ClientConf { config, key: None }, 0, Logger::memory("booth"));
        let mut h = booth_handle {
            magic: MAGIC_DEAD,
            session,
        };
        let p: *mut booth_handle = &mut h;
        let mut list = ptr::null_mut();
        // SAFETY: `p` points to a valid (if dead-marked) handle on our stack.
        let r = unsafe { booth_list(p, ptr::null(), &mut list) };
        assert_eq!(r, booth_result::BadHandle);
        assert!(list.is_null());
        let mut m = std::mem::MaybeUninit::uninit();
        // SAFETY: as above; `m` is writable.
        let r = unsafe { booth_local_member(p, m.as_mut_ptr()) };
        assert_eq!(r, booth_result::BadHandle);
        h.magic = MAGIC_LIVE;
        // SAFETY: as above.
        let r = unsafe { booth_local_member(&h, m.as_mut_ptr()) };
        assert_eq!(r, booth_result::Ok);
    }

    #[test]
    fn fields_are_nul_terminated_and_bounded() {
        let mut f = [1 as c_char; 8];
        assert_eq!(fill(&mut f, "abcdefgh"), Err(booth_result::BadReply));
        assert_eq!(fill(&mut f, "abc"), Ok(()));
        // SAFETY: `f` is NUL-terminated after fill.
        let s = unsafe { CStr::from_ptr(f.as_ptr()) };
        assert_eq!(s.to_str(), Ok("abc"));
    }
}
