//! Client connections into the daemon's TCP request handling (wire.md §5.4–§5.6).
//!
//! The daemon's handler needs sockets (`Runtime::client_request`), so this target runs
//! the same library steps on a model of its state: bytes arrive in chunks and are framed
//! as `daemon::conns` frames them (`frame_request`, at most 1024 + 64 bytes buffered),
//! the request is decoded with `Expect::request(auth)`, authenticated, and answered by
//! `attrs::handle` (geostore), `Core::handle_client` (grant/revoke, replies from the
//! core's `ReplyClient` actions), `output::list`/`output::peers` or `Rslt`/`IArg`.
//!
//! Input: a byte whose bit 0 is auth on/off, then connections, each `len: u16 BE`,
//! `chunk: u8` (the bytes arrive `chunk` at a time, 0 = all at once), `flags: u8` (bit 0:
//! the client knows the key: the framed request is signed with a fresh timestamp),
//! `pause: u8` (tenths of a second before the next one), then `len` bytes. Properties: nothing panics; every reply the daemon would write encodes,
//! frames and decodes as the client reads it (`Expect::reply_to(cmd, auth)`), is signed
//! correctly, answers only a complete request, and nothing follows the reply that closes
//! a connection (a grant is answered `More` first, the result later).
#![no_main]

use booth::attrs::{self, TicketAttrs};
use booth::auth::{self, Timestamp};
use booth::core::{Action, ClientRequest, Core, Name, Now};
use booth::localtime::Tm;
use booth::output::{self, LeaderView, TicketView};
use booth::wire::consts::{MAX_MSG_LEN, TRAILER_LEN};
use booth::wire::{self, Body, Cmd, Expect, Frame, Header, Message, ResultCode, TicketBody};
use libfuzzer_sys::fuzz_target;

struct Daemon {
    auth: bool,
    core: Core,
    attrs: Vec<TicketAttrs>,
    peers: booth::daemon::peers::Peers,
    now: Now,
    next_conn: u64,
    /// Connections waiting for more replies (a grant answers `More` first), with the
    /// opcode of their request.
    open: std::collections::HashMap<u64, Cmd>,
}

/// One reply on a connection: its bytes and whether it closes the connection.
type Reply = (Vec<u8>, bool);

impl Daemon {
    fn new(auth: bool) -> Daemon {
        let mut core = Core::new(booth_fuzz::setup(0, false, true), 7).expect("valid setup");
        let now = Now {
            mono: 1_000,
            wall_ms: i64::try_from(booth_fuzz::WALL_SECS).unwrap_or(0) * 1000,
        };
        core.start(now);
        for ti in 0..booth_fuzz::TICKETS.len() {
            core.handle_cib_loaded(now, ti, None);
        }
        while core.poll_action().is_some() {}
        Daemon {
            auth,
            core,
            attrs: vec![TicketAttrs::default(); booth_fuzz::TICKETS.len()],
            peers: booth_fuzz::peers(auth, 0),
            now,
            next_conn: 0,
            open: std::collections::HashMap::new(),
        }
    }

    fn header(&self, cmd: Cmd, result: Option<ResultCode>) -> Header {
        let mut h = Header::new(cmd, self.peers.members[0].id);
        h.result = result.map_or(0, ResultCode::to_u32);
        h
    }

    /// As `Runtime::encode`: sign with auth.
    fn encode(&self, header: Header, body: Body<'_>) -> Vec<u8> {
        let mut msg = Message::new(header, body);
        let mut buf = vec![0u8; msg.wire_len() + TRAILER_LEN];
        let n = if self.auth {
            let ts = Timestamp::from_unix(booth_fuzz::wall());
            msg = msg.with_auth(ts.secs, ts.usecs);
            auth::encode_signed(&booth_fuzz::key(), &msg, &mut buf)
        } else {
            wire::encode(&msg, &mut buf)
        };
        let n = n.expect("every reply encodes");
        buf.truncate(n);
        buf
    }

    /// `Runtime::client_request`: the replies to connection `conn`.
    fn request(&mut self, conn: u64, bytes: &[u8]) -> Vec<Reply> {
        let msg = match wire::decode(bytes, Expect::request(self.auth)) {
            Ok(m) => m,
            Err(e) => {
                let _ = e.to_string();
                let h = self.header(Cmd::ClResult, Some(ResultCode::InvalidArg));
                return vec![(self.encode(h, Body::None), true)];
            }
        };
        if self.auth {
            let ts = Timestamp {
                secs: msg.header.secs,
                usecs: msg.header.usecs,
            };
            let ok = auth::verify_message(&booth_fuzz::key(), bytes, &msg)
                .and_then(|()| auth::check_age(ts, booth_fuzz::wall(), self.peers.max_skew));
            if let Err(e) = ok {
                let _ = e.to_string();
                let h = self.header(Cmd::ClResult, Some(ResultCode::Auth));
                return vec![(self.encode(h, Body::None), true)];
            }
        }
        let tz = |t: i64| Tm::utc(t);
        match msg.header.cmd() {
            Cmd::List => {
                let text = self.list_text(&tz);
                let h = self.header(Cmd::ClList, None);
                vec![(self.encode(h, Body::Text(text.as_bytes())), true)]
            }
            Cmd::Peers => {
                let text = output::peers(&self.peers.views(), &tz);
                let h = self.header(Cmd::ClList, None);
                vec![(self.encode(h, Body::Text(text.as_bytes())), true)]
            }
            cmd @ (Cmd::Grant | Cmd::Revoke) => {
                let Some(t) = msg.ticket() else {
                    return Vec::new();
                };
                let req = ClientRequest {
                    cmd: cmd.to_u32(),
                    ticket: Name(t.name.0),
                    options: msg.header.options,
                };
                self.core.handle_client(self.now, conn, &req);
                let mut replies = self.drain();
                let mine = replies.remove(&conn).unwrap_or_default();
                assert!(
                    replies.is_empty(),
                    "replies to other connections: {replies:?}"
                );
                mine
            }
            cmd @ (Cmd::AttrSet | Cmd::AttrGet | Cmd::AttrDel | Cmd::AttrList) => {
                let Some(a) = msg.attr() else {
                    return Vec::new();
                };
                let name = a.ticket.as_str().unwrap_or_default().to_string();
                let ti = self.core.ticket_index(&Name(a.ticket.0));
                let r = attrs::handle(
                    cmd,
                    a,
                    &name,
                    ti.and_then(|t| self.attrs.get_mut(t)),
                    i64::try_from(booth_fuzz::WALL_SECS).unwrap_or(0),
                    true,
                    &tz,
                );
                if let Some(c) = &r.crm {
                    assert!(ti.is_some(), "a CIB command for an unknown ticket");
                    let _ = format!("{c:?}");
                }
                let h = self.header(r.cmd, r.result);
                let body = match &r.text {
                    Some(t) => Body::Text(t.as_bytes()),
                    None => Body::None,
                };
                vec![(self.encode(h, body), true)]
            }
            _ => {
                let h = self.header(Cmd::ClResult, Some(ResultCode::InvalidArg));
                vec![(self.encode(h, Body::None), true)]
            }
        }
    }

    /// The core's replies by connection; other actions are dropped (no peers here).
    fn drain(&mut self) -> std::collections::HashMap<u64, Vec<Reply>> {
        let mut out = std::collections::HashMap::<u64, Vec<Reply>>::new();
        while let Some(a) = self.core.poll_action() {
            if let Action::ReplyClient { client, reply } = a {
                let mut h = self.header(Cmd::ClResult, None);
                h.result = reply.result;
                let body = TicketBody {
                    name: wire::CStrField(reply.ticket.0),
                    leader: reply.leader,
                    term: reply.term,
                    term_valid_for: reply.valid_for,
                };
                let bytes = self.encode(h, Body::Ticket(body));
                out.entry(client).or_default().push((bytes, reply.last));
            }
        }
        out
    }

    fn list_text(&self, tz: &dyn Fn(i64) -> Tm) -> String {
        let views: Vec<TicketView<'_>> = booth_fuzz::TICKETS
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let v = self.core.view(i)?;
                Some(TicketView {
                    name,
                    leader: match v.leader {
                        booth::core::Who::NoOne => LeaderView::NoOne,
                        booth::core::Who::Unknown => LeaderView::Unknown,
                        booth::core::Who::Member(_) => LeaderView::Member("10.77.1.1"),
                    },
                    expires: v.term_expires.map(|e| i64::try_from(e).unwrap_or(0)),
                    commit_pending_until: None,
                    manual: i == 1,
                    claimed_by: &[],
                })
            })
            .collect();
        output::list(&views, tz)
    }

    /// One connection: `bytes` arriving `chunk` at a time, framed as `Conns` frames them.
    fn connection(&mut self, bytes: &[u8], chunk: usize, signed: bool) {
        self.next_conn += 1;
        let conn = self.next_conn;
        let mut inbuf: Vec<u8> = Vec::new();
        for piece in bytes.chunks(chunk.max(1)) {
            let room = (MAX_MSG_LEN + 64).saturating_sub(inbuf.len());
            inbuf.extend_from_slice(&piece[..piece.len().min(room)]);
            match wire::frame_request(&inbuf) {
                Ok(Frame::NeedMore(n)) => assert!(n > inbuf.len() && n <= MAX_MSG_LEN),
                Ok(Frame::Complete(len)) => {
                    inbuf.truncate(len);
                    if signed && self.auth {
                        sign_fresh(&mut inbuf);
                    }
                    let cmd = wire::decode_header(&inbuf).map_or(Cmd::ClResult, |h| h.cmd());
                    self.open.insert(conn, cmd);
                    let replies = self.request(conn, &inbuf);
                    self.check_replies(conn, &replies);
                    return;
                }
                Err(e) => {
                    // Closed without a reply, as C does.
                    let _ = e.to_string();
                    return;
                }
            }
        }
        // Never complete: the connection times out without a reply.
    }

    /// What the client makes of the replies: each is readable, and none comes after the
    /// one that closed the connection.
    fn check_replies(&mut self, conn: u64, replies: &[Reply]) {
        for (bytes, last) in replies {
            let Some(&cmd) = self.open.get(&conn) else {
                panic!("a reply on connection {conn} after its final one");
            };
            if *last {
                self.open.remove(&conn);
            }
            assert_eq!(wire::frame_reply(bytes), Ok(Frame::Complete(bytes.len())));
            let msg = wire::decode(bytes, Expect::reply_to(cmd, self.auth))
                .unwrap_or_else(|e| panic!("the client cannot read our reply to {cmd:?}: {e}"));
            if self.auth {
                auth::verify_message(&booth_fuzz::key(), bytes, &msg).expect("reply signature");
            }
        }
    }
}

/// A client that knows the key: a current timestamp and a valid MAC, if there is room.
fn sign_fresh(req: &mut [u8]) {
    let n = req.len();
    if n < wire::consts::HEADER_LEN + TRAILER_LEN {
        return;
    }
    let ts = Timestamp::from_unix(booth_fuzz::wall());
    req[4..8].copy_from_slice(&ts.secs.to_be_bytes());
    req[8..12].copy_from_slice(&ts.usecs.to_be_bytes());
    let _ = auth::sign(&booth_fuzz::key(), req, n - TRAILER_LEN);
}

fn run(mut u: booth_fuzz::Bytes<'_>) {
    let mut d = Daemon::new(u.bool());
    while !u.is_empty() {
        let len = usize::from(u.u16());
        let chunk = match u.u8() {
            0 => MAX_MSG_LEN + 64,
            c => usize::from(c),
        };
        let signed = u.bool();
        let advance = u64::from(u.u8()) * 100;
        let bytes = u.take(len);
        d.connection(bytes, chunk, signed);
        d.now.mono += advance;
        d.now.wall_ms += i64::try_from(advance).unwrap_or(0);
        d.core.handle_timeout(d.now);
        for (conn, replies) in d.drain() {
            d.check_replies(conn, &replies);
        }
    }
}

fuzz_target!(|data: &[u8]| run(booth_fuzz::Bytes(data)));
