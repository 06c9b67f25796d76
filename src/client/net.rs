//! The client's TCP exchange (wire.md §5.6): connect with a 10 s timeout, one write,
//! fixed-size reads. Unlike C, every read has a deadline, so a silent daemon cannot hang
//! the client forever.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// C's connect timeout (`connect to <addr> got a timeout`).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// errno C reports for a reply cut short: `read()` returned 0 and `errno` still holds
/// the `EINPROGRESS` of the non-blocking connect (wire.md §5.6).
pub const EOF_ERRNO: i32 = libc::EINPROGRESS;

/// Why a read did not fill its buffer.
#[derive(Debug)]
pub enum ReadError {
    /// The daemon closed the connection after `got` bytes.
    Eof { got: usize },
    /// Nothing more within the deadline, after `got` bytes.
    Timeout { got: usize, after: Duration },
    /// A socket error after `got` bytes.
    Io { got: usize, err: io::Error },
}

impl ReadError {
    /// Bytes that did arrive.
    pub fn got(&self) -> usize {
        match self {
            ReadError::Eof { got } | ReadError::Timeout { got, .. } | ReadError::Io { got, .. } => {
                *got
            }
        }
    }

    /// The C client's message for it: `read failed (<errno>): <strerror>`.
    pub fn c_message(&self) -> String {
        let errno = match self {
            ReadError::Eof { .. } => EOF_ERRNO,
            ReadError::Timeout { .. } => libc::ETIMEDOUT,
            ReadError::Io { err, .. } => err.raw_os_error().unwrap_or(libc::EIO),
        };
        let mut msg = format!("read failed ({errno}): {}", strerror(errno));
        if let ReadError::Timeout { after, .. } = self {
            msg.push_str(&format!(
                " (no answer within {} s)",
                after.as_secs_f64().ceil()
            ));
        }
        msg
    }
}

/// The C library's text for an errno, without Rust's " (os error N)" suffix.
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(p) => s[..p].to_string(),
        None => s,
    }
}

/// Text of an io::Error as C's `strerror` prints it.
pub fn io_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => strerror(n),
        None => e.to_string(),
    }
}

/// Why a connection could not be made.
#[derive(Debug)]
pub enum ConnectError {
    Timeout,
    Other(io::Error),
}

impl ConnectError {
    /// C: `connect to <addr> got a timeout` / `... got an error: <strerror>`.
    pub fn c_message(&self, addr: &str) -> String {
        match self {
            ConnectError::Timeout => format!("connect to {addr} got a timeout"),
            ConnectError::Other(e) => format!("connect to {addr} got an error: {}", io_text(e)),
        }
    }
}

/// A connection to a daemon.
pub struct Conn {
    stream: TcpStream,
}

impl Conn {
    pub fn connect(to: SocketAddr) -> Result<Conn, ConnectError> {
        match TcpStream::connect_timeout(&to, CONNECT_TIMEOUT) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                Ok(Conn { stream })
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(ConnectError::Timeout),
            Err(e) => Err(ConnectError::Other(e)),
        }
    }

    /// Writes the whole request (C: `send failed: <strerror> (<errno>)`).
    pub fn send(&mut self, buf: &[u8]) -> Result<(), String> {
        self.stream.write_all(buf).map_err(|e| {
            format!(
                "send failed: {} ({})",
                io_text(&e),
                e.raw_os_error().unwrap_or(0)
            )
        })
    }

    /// Fills `buf` completely, or fails; waits at most `timeout` in total.
    pub fn read_full(&mut self, buf: &mut [u8], timeout: Duration) -> Result<(), ReadError> {
        let deadline = Instant::now() + timeout;
        let mut got = 0;
        while got < buf.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ReadError::Timeout {
                    got,
                    after: timeout,
                });
            }
            if let Err(err) = self.stream.set_read_timeout(Some(left)) {
                return Err(ReadError::Io { got, err });
            }
            let Some(rest) = buf.get_mut(got..) else {
                break;
            };
            match self.stream.read(rest) {
                Ok(0) => return Err(ReadError::Eof { got }),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return Err(ReadError::Timeout {
                        got,
                        after: timeout,
                    })
                }
                Err(err) => return Err(ReadError::Io { got, err }),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_texts() {
        assert_eq!(
            ReadError::Eof { got: 0 }.c_message(),
            "read failed (115): Operation now in progress"
        );
        assert_eq!(
            ConnectError::Other(io::Error::from_raw_os_error(libc::ECONNREFUSED))
                .c_message("10.0.0.1"),
            "connect to 10.0.0.1 got an error: Connection refused"
        );
    }
}
