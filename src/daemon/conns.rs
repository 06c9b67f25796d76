//! Client connections of the daemon's TCP listener (wire.md §5.4, §5.5): one request per
//! connection, read into a bounded buffer with a deadline, replies written without
//! blocking; a grant may push several replies before the final one closes.
//!
//! Differences from C, none visible to a well-behaved client: a connection that does
//! not complete its request within the read timeout is closed (C keeps it forever), and
//! EOF while a request is pending drops it (C re-runs the stale request, §5.5).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::io::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use crate::wire::consts::MAX_MSG_LEN;
use crate::wire::{frame_request, Frame, WireError};

/// A connection's identity; never reused, so a late reply cannot reach a newer client.
pub type ConnId = u64;

/// How long a client may take to send its request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many connections are open; more are accepted and closed at once.
pub const MAX_CONNS: usize = 4096;

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
#[derive(Default)]
pub struct Conns {
    conns: HashMap<ConnId, Conn>,
    next_id: ConnId,
    /// Connections refused because [`MAX_CONNS`] were open.
    pub refused: u64,
}

impl Conns {
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// Accepts every pending connection of the (non-blocking) listener.
    pub fn accept_all(&mut self, listener: &TcpListener, now: Instant) {
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    if self.conns.len() >= MAX_CONNS || stream.set_nonblocking(true).is_err() {
                        self.refused += 1;
                        continue;
                    }
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
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
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

    /// The earliest request deadline of a connection still reading.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.conns
            .values()
            .filter(|c| c.phase == Phase::Reading)
            .map(|c| c.deadline)
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
    }

    fn setup() -> Setup {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        Setup {
            listener,
            conns: Conns::default(),
        }
    }

    impl Setup {
        fn connect(&mut self) -> (TcpStream, ConnId) {
            let c = TcpStream::connect(self.listener.local_addr().expect("addr")).expect("connect");
            let before = self.conns.next_id;
            for _ in 0..100 {
                self.conns.accept_all(&self.listener, Instant::now());
                if self.conns.next_id > before {
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
