//! Client connections of the daemon's TCP listener (wire.md §5.4, §5.5): one request per
//! connection, read into a bounded buffer with a deadline, replies written without
//! blocking; a grant may push several replies before the final one closes.
//!
//! Differences from C, none visible to a well-behaved client: a connection that does
//! not complete its request within the read timeout is closed (C keeps it forever), and
//! EOF while a request is pending drops it (C re-runs the stale request, §5.5).
//!
//! At most [`limit_for`] connections are open. C grows its client array without bound
//! until accept(2) fails with EMFILE, then spins on the still-readable listener logging
//! `accept error` and serves nobody until a connection goes away. Here a new connection
//! at the limit closes the oldest one still waiting for its request (a silent or
//! half-sent one: a real client sends its request at once), so `booth list` gets through
//! any number of idle connections; when every connection is being answered the new one
//! is closed at once. accept(2) failing for want of descriptors is handled the same way,
//! or pauses the listener briefly when there is nothing to close. Each is counted
//! ([`ConnStats`]) and reported in a rate-limited warning ([`Overload`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::io::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use crate::wire::consts::MAX_MSG_LEN;
use crate::wire::{frame_request, Frame, WireError};

/// A connection's identity; never reused, so a late reply cannot reach a newer client.
/// Increasing: a smaller id is an older connection.
pub type ConnId = u64;

/// How long a client may take to send its request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many connections are open (C: whatever its descriptor limit allows,
/// 1024 by default, minus its own few).
pub const MAX_CONNS: usize = 1024;

/// Descriptors kept for everything else: sockets, signalfd, lock file, syslog, the pipes
/// of handler and crm_ticket children.
pub const RESERVED_FDS: usize = 64;

/// The RLIMIT_NOFILE the daemon asks for, to hold [`MAX_CONNS`] connections.
pub const WANTED_NOFILE: u64 = (MAX_CONNS + RESERVED_FDS) as u64;

/// How long the listener is left alone when accept(2) fails and nothing can be closed.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// At most one overload warning per this interval.
pub const WARN_EVERY: Duration = Duration::from_secs(10);

/// The connection limit under a descriptor limit of `nofile` (the soft RLIMIT_NOFILE).
pub fn limit_for(nofile: u64) -> usize {
    let room = usize::try_from(nofile).unwrap_or(usize::MAX);
    room.saturating_sub(RESERVED_FDS).clamp(1, MAX_CONNS)
}

/// What happened on a connection, for the daemon to act on.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A complete request: `bytes` is exactly `length` bytes (padding dropped).
    Request { id: ConnId, bytes: Vec<u8> },
    /// Bad header or length: closed without reply, as C does.
    Malformed { id: ConnId, error: WireError },
    /// The client went away (before or after its request).
    Closed { id: ConnId },
    /// No complete request within [`REQUEST_TIMEOUT`].
    TimedOut { id: ConnId },
}

/// Counters of the listener since start (in the SIGUSR1 dump and overload warnings).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnStats {
    pub accepted: u64,
    /// Closed while still waiting for their request, to make room for a new one.
    pub evicted: u64,
    /// Closed at once: at the limit with nothing to evict, or not made non-blocking.
    pub refused: u64,
    /// accept(2) failures other than "try again" (EMFILE, ENFILE, ENOMEM, ...).
    pub accept_errors: u64,
    /// Most connections open at once.
    pub peak: usize,
}

/// A warning about connections closed or refused because of the limit.
#[derive(Debug)]
pub struct Overload {
    pub open: usize,
    pub limit: usize,
    pub stats: ConnStats,
    /// The last accept(2) error of this burst, if any.
    pub error: Option<io::Error>,
}

impl fmt::Display for Overload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "too many client connections ({} open, limit {}): closing the oldest ones still \
             waiting for their request; so far {} closed to make room, {} refused, {} accept \
             errors",
            self.open, self.limit, s.evicted, s.refused, s.accept_errors
        )?;
        if let Some(e) = &self.error {
            write!(f, " (last: {e})")?;
        }
        Ok(())
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    Reading,
    /// The request was handed over; replies may follow.
    Answering,
}

struct Conn {
    stream: TcpStream,
    phase: Phase,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    close_after_write: bool,
    deadline: Instant,
}

/// The open client connections.
pub struct Conns {
    conns: BTreeMap<ConnId, Conn>,
    next_id: ConnId,
    limit: usize,
    pub stats: ConnStats,
    /// accept(2) failed with nothing to close: leave the listener alone until then.
    paused_until: Option<Instant>,
    warned_at: Option<Instant>,
}

impl Default for Conns {
    fn default() -> Conns {
        Conns::new(MAX_CONNS)
    }
}

impl Conns {
    /// At most `limit` (at least 1) connections open at once.
    pub fn new(limit: usize) -> Conns {
        Conns {
            conns: BTreeMap::new(),
            next_id: 0,
            limit: limit.max(1),
            stats: ConnStats::default(),
            paused_until: None,
            warned_at: None,
        }
    }

    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the listener should be polled now (false for a moment after accept(2)
    /// failed with nothing to close, so the loop does not spin on it as C does).
    pub fn accepting(&mut self, now: Instant) -> bool {
        match self.paused_until {
            Some(t) if now < t => false,
            _ => {
                self.paused_until = None;
                true
            }
        }
    }

    /// Closes the oldest connection still waiting for its request; false if none is.
    fn evict_oldest_reading(&mut self) -> bool {
        let oldest = self
            .conns
            .iter()
            .find(|(_, c)| c.phase == Phase::Reading)
            .map(|(id, _)| *id);
        match oldest {
            Some(id) => {
                self.conns.remove(&id);
                self.stats.evicted += 1;
                true
            }
            None => false,
        }
    }

    /// Accepts every pending connection of the (non-blocking) listener, making room at
    /// the limit. Returns a warning to log when connections were closed or refused for
    /// want of room (at most one per [`WARN_EVERY`]; the counters carry the rest).
    pub fn accept_all(&mut self, listener: &TcpListener, now: Instant) -> Option<Overload> {
        let mut overloaded = false;
        let mut error = None;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(true).is_err() {
                        self.stats.refused += 1;
                        continue;
                    }
                    if self.conns.len() >= self.limit {
                        overloaded = true;
                        if !self.evict_oldest_reading() {
                            self.stats.refused += 1;
                            continue;
                        }
                    }
                    self.stats.accepted += 1;
                    self.next_id += 1;
                    self.conns.insert(
                        self.next_id,
                        Conn {
                            stream,
                            phase: Phase::Reading,
                            inbuf: Vec::with_capacity(256),
                            out: Vec::new(),
                            close_after_write: false,
                            deadline: now + REQUEST_TIMEOUT,
                        },
                    );
                    self.stats.peak = self.stats.peak.max(self.conns.len());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // the client reset the connection before we took it: nothing to do
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: free a descriptor and try again,
                    // or leave the listener alone for a moment.
                    self.stats.accept_errors += 1;
                    overloaded = true;
                    error = Some(e);
                    if !self.evict_oldest_reading() {
                        self.paused_until = Some(now + ACCEPT_PAUSE);
                        break;
                    }
                }
            }
        }
        let due = match self.warned_at {
            Some(t) => now.saturating_duration_since(t) >= WARN_EVERY,
            None => true,
        };
        (overloaded && due).then(|| {
            self.warned_at = Some(now);
            Overload {
                open: self.conns.len(),
                limit: self.limit,
                stats: self.stats,
                error,
            }
        })
    }

    /// `(fd, want_write)` of every connection, for the poll set. Every connection is
    /// watched for reading: a request, or EOF while answering.
    pub fn poll_interest(&self) -> impl Iterator<Item = (ConnId, RawFd, bool)> + '_ {
        self.conns
            .iter()
            .map(|(id, c)| (*id, c.stream.as_raw_fd(), !c.out.is_empty()))
    }

    /// Reads what the client sent.
    pub fn on_readable(&mut self, id: ConnId) -> Option<Event> {
        let conn = self.conns.get_mut(&id)?;
        let mut buf = [0u8; MAX_MSG_LEN];
        loop {
            match conn.stream.read(&mut buf) {
                Ok(0) => {
                    self.conns.remove(&id);
                    return Some(Event::Closed { id });
                }
                Ok(n) => {
                    if conn.phase == Phase::Answering {
                        // Bytes after the request (C clients' padding, or junk): ignored.
                        continue;
                    }
                    let room = (MAX_MSG_LEN + 64).saturating_sub(conn.inbuf.len());
                    conn.inbuf.extend_from_slice(&buf[..n.min(room)]);
                    match frame_request(&conn.inbuf) {
                        Ok(Frame::NeedMore(_)) => {}
                        Ok(Frame::Complete(len)) => {
                            conn.phase = Phase::Answering;
                            let mut bytes = std::mem::take(&mut conn.inbuf);
                            bytes.truncate(len);
                            return Some(Event::Request { id, bytes });
                        }
                        Err(error) => {
                            self.conns.remove(&id);
                            return Some(Event::Malformed { id, error });
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
                Err(_) => {
                    self.conns.remove(&id);
                    return Some(Event::Closed { id });
                }
            }
        }
    }

    /// Queues a reply; `last` closes the connection once it is written. Returns false
    /// when the client is already gone (the reply is dropped, as C drops it).
    pub fn reply(&mut self, id: ConnId, bytes: &[u8], last: bool) -> bool {
        let Some(conn) = self.conns.get_mut(&id) else {
            return false;
        };
        conn.out.extend_from_slice(bytes);
        conn.close_after_write |= last;
        self.flush(id);
        true
    }

    /// Writes what is queued; closes when the final reply is out or the peer is gone.
    pub fn flush(&mut self, id: ConnId) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        while !conn.out.is_empty() {
            match conn.stream.write(&conn.out) {
                Ok(0) => break,
                Ok(n) => {
                    conn.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    self.conns.remove(&id);
                    return;
                }
            }
        }
        if conn.out.is_empty() && conn.close_after_write {
            self.conns.remove(&id);
        }
    }

    /// The earliest request deadline of a connection still reading, or the end of a
    /// listener pause.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.conns
            .values()
            .filter(|c| c.phase == Phase::Reading)
            .map(|c| c.deadline)
            .chain(self.paused_until)
            .min()
    }

    /// Closes connections whose request did not arrive in time.
    pub fn expire(&mut self, now: Instant) -> Vec<Event> {
        let late: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.phase == Phase::Reading && now >= c.deadline)
            .map(|(id, _)| *id)
            .collect();
        late.into_iter()
            .map(|id| {
                self.conns.remove(&id);
                Event::TimedOut { id }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::consts::{HEADER_LEN, MAGIC, VERSION};
    use std::net::Shutdown;

    fn header(length: u32) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[12..16].copy_from_slice(&MAGIC.to_be_bytes());
        h[16..20].copy_from_slice(&VERSION.to_be_bytes());
        h[24..28].copy_from_slice(&length.to_be_bytes());
        h[28..32].copy_from_slice(b"CLst");
        h
    }

    struct Setup {
        listener: TcpListener,
        conns: Conns,
        warnings: Vec<Overload>,
    }

    fn setup() -> Setup {
        setup_with(MAX_CONNS)
    }

    fn setup_with(limit: usize) -> Setup {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        Setup {
            listener,
            conns: Conns::new(limit),
            warnings: Vec::new(),
        }
    }

    impl Setup {
        /// Connects and lets the listener take the connection (accepted or refused).
        fn connect(&mut self) -> (TcpStream, ConnId) {
            let c = TcpStream::connect(self.listener.local_addr().expect("addr")).expect("connect");
            let taken = |s: &ConnStats| s.accepted + s.refused;
            let before = taken(&self.conns.stats);
            for _ in 0..100 {
                let w = self.conns.accept_all(&self.listener, Instant::now());
                self.warnings.extend(w);
                if taken(&self.conns.stats) > before {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (c, self.conns.next_id)
        }

        /// Reads until an event comes or 2 s pass.
        fn event(&mut self, id: ConnId) -> Option<Event> {
            for _ in 0..1000 {
                if let Some(e) = self.conns.on_readable(id) {
                    return Some(e);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            None
        }
    }

    #[test]
    fn padded_request_in_pieces_gives_exactly_length_bytes() {
        // wire.md §5.5: C clients pad CLst with 28 zero bytes; surplus is ignored.
        let mut s = setup();
        let (mut client, id) = s.connect();
        let mut req = header(124);
        req.resize(124 + 28, 0);
        client.write_all(&req[..30]).expect("write");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(s.conns.on_readable(id), None, "30 bytes are not a request");
        client.write_all(&req[30..]).expect("write");
        match s.event(id) {
            Some(Event::Request { bytes, .. }) => assert_eq!(bytes.len(), 124),
            other => panic!("{other:?}"),
        }
        // Reply, then close: the client reads it all, then EOF.
        assert!(s.conns.reply(id, b"hello", true));
        let mut got = Vec::new();
        client.read_to_end(&mut got).expect("read");
        assert_eq!(got, b"hello");
        assert!(s.conns.is_empty());
    }

    #[test]
    fn bad_magic_closes_without_reply() {
        // wire.md §5.5: header check failure -> close, no reply.
        let mut s = setup();
        let (mut client, id) = s.connect();
        let mut req = header(124);
        req[12] ^= 0xFF;
        client.write_all(&req).expect("write");
        assert!(matches!(s.event(id), Some(Event::Malformed { .. })));
        let mut got = Vec::new();
        client.read_to_end(&mut got).expect("read");
        assert!(got.is_empty());
    }

    #[test]
    fn oversized_length_is_refused() {
        let mut s = setup();
        let (mut client, id) = s.connect();
        client.write_all(&header(5000)).expect("write");
        assert!(matches!(s.event(id), Some(Event::Malformed { .. })));
    }

    #[test]
    fn silent_client_times_out_and_eof_is_seen() {
        let mut s = setup();
        let (_quiet, quiet_id) = s.connect();
        let (closer, closer_id) = s.connect();
        closer.shutdown(Shutdown::Both).expect("shutdown");
        assert_eq!(s.event(closer_id), Some(Event::Closed { id: closer_id }));
        assert!(s.conns.next_deadline().is_some());
        let later = Instant::now() + REQUEST_TIMEOUT + Duration::from_secs(1);
        assert_eq!(
            s.conns.expire(later),
            vec![Event::TimedOut { id: quiet_id }]
        );
        assert!(s.conns.is_empty());
        assert!(
            !s.conns.reply(quiet_id, b"late", true),
            "late reply dropped"
        );
    }

    fn closed_by_daemon(c: &mut TcpStream) -> bool {
        c.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        let mut buf = [0u8; 16];
        matches!(c.read(&mut buf), Ok(0) | Err(_))
    }

    #[test]
    fn limit_leaves_room_for_the_daemons_own_descriptors() {
        assert_eq!(limit_for(20_000), MAX_CONNS);
        assert_eq!(limit_for(WANTED_NOFILE), MAX_CONNS);
        assert_eq!(
            limit_for(1024),
            1024 - RESERVED_FDS,
            "the usual default soft limit"
        );
        assert_eq!(limit_for(10), 1);
        assert_eq!(limit_for(u64::MAX), MAX_CONNS);
    }

    #[test]
    fn at_the_limit_the_oldest_waiting_connection_makes_room() {
        // C grows without bound until EMFILE, then spins; we close the oldest silent one.
        let mut s = setup_with(3);
        let (mut c1, id1) = s.connect();
        let (mut c2, _) = s.connect();
        let (_c3, _) = s.connect();
        assert!(s.warnings.is_empty());
        let (_c4, id4) = s.connect();
        assert_eq!(s.conns.len(), 3);
        assert!(closed_by_daemon(&mut c1), "the oldest was closed");
        assert!(!s.conns.reply(id1, b"late", true), "and is gone");
        assert!(s.conns.reply(id4, b"", false), "the newest is open");
        assert_eq!(s.warnings.len(), 1, "one warning");
        let w = &s.warnings[0];
        assert_eq!((w.open, w.limit, w.stats.evicted), (3, 3, 1));
        assert!(w.to_string().contains("1 closed to make room"), "{w}");
        // A second one within WARN_EVERY: counted, not logged again.
        let (_c5, _) = s.connect();
        assert!(closed_by_daemon(&mut c2));
        assert_eq!(s.warnings.len(), 1, "rate-limited");
        assert_eq!(s.conns.stats.evicted, 2);
        assert_eq!(s.conns.stats.accepted, 5);
        assert_eq!(s.conns.stats.peak, 3);
    }

    #[test]
    fn at_the_limit_with_every_connection_answering_new_ones_are_refused() {
        let mut s = setup_with(2);
        let mut clients = Vec::new();
        for _ in 0..2 {
            let (mut c, id) = s.connect();
            c.write_all(&header(48)).expect("write");
            assert!(matches!(s.event(id), Some(Event::Request { .. })));
            clients.push(c);
        }
        let (mut c3, _) = s.connect();
        assert!(closed_by_daemon(&mut c3), "refused at once");
        assert_eq!(s.conns.stats.refused, 1);
        assert_eq!(s.conns.len(), 2, "the requests being answered stay");
        assert_eq!(s.warnings.len(), 1);
        assert!(s.warnings[0].to_string().contains("1 refused"));
    }

    #[test]
    fn intermediate_replies_keep_the_connection_open() {
        // wire.md §5.5: More, then the final Rslt on the same connection.
        let mut s = setup();
        let (mut client, id) = s.connect();
        client.write_all(&header(48)).expect("write");
        assert!(matches!(s.event(id), Some(Event::Request { .. })));
        assert!(s.conns.reply(id, b"more;", false));
        assert_eq!(s.conns.len(), 1);
        assert!(s.conns.reply(id, b"done", true));
        let mut got = Vec::new();
        client.read_to_end(&mut got).expect("read");
        assert_eq!(got, b"more;done");
    }
}
