//! Booth messages of a lab capture, split the way each receiver reads them (wire.md §5.5,
//! §5.6): UDP datagrams whole, TCP requests by `frame_request` (surplus kept apart),
//! TCP replies by `frame_reply`, in the order their last byte was captured.

use std::collections::HashMap;
use std::net::SocketAddrV4;
use std::path::Path;

use booth::wire::{frame_reply, frame_request, Cmd, Expect, Frame};

use super::pcap::{read_pcap, Proto, TcpReassembler};

/// Who reads the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// UDP, daemon to daemon.
    Datagram,
    /// TCP, client to daemon.
    Request,
    /// TCP, daemon to client; the `cmd` of the request on that connection.
    Reply(Cmd),
}

impl Role {
    /// The decode expectation of this role's receiver with auth on or off.
    pub fn expect(self, auth: bool) -> Expect {
        match self {
            Self::Datagram => Expect::datagram(auth),
            Self::Request => Expect::request(auth),
            Self::Reply(cmd) => Expect::reply_to(cmd, auth),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Captured {
    pub ts: (u32, u32),
    pub proto: Proto,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub role: Role,
    /// Exactly `length` bytes.
    pub bytes: Vec<u8>,
    /// Bytes the sender wrote after the message in the same burst (C client padding).
    pub trailing: Vec<u8>,
}

fn cmd_of(msg: &[u8]) -> Cmd {
    let w: [u8; 4] = msg[28..32].try_into().expect("header");
    Cmd::from_u32(u32::from_be_bytes(w))
}

/// The 14 captures of the C daemon (tests/vectors/captures/*.pcap), by base name.
pub const CAPTURES: [&str; 14] = [
    "noauth-1-startup",
    "noauth-2-list-peers",
    "noauth-3-grant",
    "noauth-4-renewal",
    "noauth-5-revoke",
    "noauth-6-geostore",
    "noauth-7-failover",
    "noauth-ms-timeout-grant",
    "auth-1-startup",
    "auth-2-list-peers",
    "auth-3-grant",
    "auth-4-renewal",
    "auth-5-revoke",
    "auth-mismatch-arb1-grant",
];

/// Every booth message on `port` in the capture at `path`.
pub fn booth_messages(path: &Path, port: u16) -> Vec<Captured> {
    let packets = read_pcap(path).expect("readable pcap");
    let mut tcp = TcpReassembler::default();
    let mut requests: HashMap<(SocketAddrV4, SocketAddrV4), Cmd> = HashMap::new();
    let mut out = Vec::new();
    for p in &packets {
        if p.src.port() != port && p.dst.port() != port {
            continue;
        }
        if p.proto == Proto::Udp {
            out.push(Captured {
                ts: p.ts,
                proto: p.proto,
                src: p.src,
                dst: p.dst,
                role: Role::Datagram,
                bytes: p.payload.clone(),
                trailing: Vec::new(),
            });
            continue;
        }
        let to_daemon = p.dst.port() == port;
        let Some(buf) = tcp.push(p) else { continue };
        loop {
            let framed = if to_daemon {
                frame_request(buf)
            } else {
                frame_reply(buf)
            };
            let n = match framed {
                Ok(Frame::Complete(n)) => n,
                Ok(Frame::NeedMore(_)) => break,
                Err(e) => panic!(
                    "{}: bad TCP stream {} > {}: {e}",
                    path.display(),
                    p.src,
                    p.dst
                ),
            };
            let bytes: Vec<u8> = buf.drain(..n).collect();
            let role = if to_daemon {
                requests.insert((p.src, p.dst), cmd_of(&bytes));
                Role::Request
            } else {
                Role::Reply(
                    *requests
                        .get(&(p.dst, p.src))
                        .expect("reply after a request"),
                )
            };
            // a request is alone on its connection: what follows it in the burst is surplus
            let trailing = if to_daemon {
                std::mem::take(buf)
            } else {
                Vec::new()
            };
            out.push(Captured {
                ts: p.ts,
                proto: p.proto,
                src: p.src,
                dst: p.dst,
                role,
                bytes,
                trailing,
            });
        }
    }
    out
}
