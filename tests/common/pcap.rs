//! Classic pcap reader (Ethernet / Linux cooked / raw IPv4; UDP and TCP) and per-direction
//! TCP reassembly, enough for the lab captures (see /work/shared/lab/pcaptool.py).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Udp,
    Tcp,
}

/// One UDP or TCP packet over IPv4.
#[derive(Clone, Debug)]
pub struct Packet {
    /// Capture time: seconds and microseconds.
    pub ts: (u32, u32),
    pub proto: Proto,
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub payload: Vec<u8>,
    /// TCP sequence number and flags.
    pub tcp: Option<(u32, u8)>,
}

pub const TCP_SYN: u8 = 0x02;
pub const TCP_FIN: u8 = 0x01;

fn get<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at + N)?.try_into().ok()
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    get(b, at).map(u16::from_be_bytes)
}

/// Reads every record of a classic pcap file; records that are not IPv4 UDP/TCP are
/// skipped.
pub fn read_pcap(path: &Path) -> Result<Vec<Packet>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let magic: [u8; 4] = get(&data, 0).ok_or("no pcap header")?;
    let (le, nsec) = match u32::from_le_bytes(magic) {
        0xa1b2_c3d4 => (true, false),
        0xd4c3_b2a1 => (false, false),
        0xa1b2_3c4d => (true, true),
        0x4d3c_b2a1 => (false, true),
        m => {
            return Err(format!(
                "{}: not a classic pcap (magic {m:#x})",
                path.display()
            ))
        }
    };
    let u32_at = |at: usize| -> Option<u32> {
        get(&data, at).map(|w| {
            if le {
                u32::from_le_bytes(w)
            } else {
                u32::from_be_bytes(w)
            }
        })
    };
    let linktype = u32_at(20).ok_or("short pcap header")?;
    let mut off = 24;
    let mut out = Vec::new();
    while off + 16 <= data.len() {
        let (sec, frac, incl) = (
            u32_at(off).ok_or("bad record")?,
            u32_at(off + 4).ok_or("bad record")?,
            u32_at(off + 8).ok_or("bad record")? as usize,
        );
        off += 16;
        let pkt = data.get(off..off + incl).ok_or("truncated record")?;
        off += incl;
        let usec = if nsec { frac / 1000 } else { frac };
        if let Some(p) = parse_packet(linktype, pkt, (sec, usec)) {
            out.push(p);
        }
    }
    Ok(out)
}

fn parse_packet(linktype: u32, pkt: &[u8], ts: (u32, u32)) -> Option<Packet> {
    let ip = match linktype {
        1 => {
            let (mut etype, mut off) = (be16(pkt, 12)?, 14);
            if etype == 0x8100 {
                etype = be16(pkt, 16)?;
                off = 18;
            }
            if etype != 0x0800 {
                return None;
            }
            pkt.get(off..)?
        }
        113 => {
            if be16(pkt, 14)? != 0x0800 {
                return None;
            }
            pkt.get(16..)?
        }
        101 => pkt,
        _ => return None,
    };
    if ip.len() < 20 || ip[0] >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(ip[0] & 15) * 4;
    let total = usize::from(be16(ip, 2)?);
    let src = Ipv4Addr::from(get::<4>(ip, 12)?);
    let dst = Ipv4Addr::from(get::<4>(ip, 16)?);
    let l4 = ip.get(ihl..total.min(ip.len()))?;
    let (sport, dport) = (be16(l4, 0)?, be16(l4, 2)?);
    let (proto, payload, tcp) = match ip[9] {
        17 => (Proto::Udp, l4.get(8..)?, None),
        6 => {
            let seq = u32::from_be_bytes(get(l4, 4)?);
            let doff = usize::from(l4.get(12)? >> 4) * 4;
            (Proto::Tcp, l4.get(doff..)?, Some((seq, *l4.get(13)?)))
        }
        _ => return None,
    };
    Some(Packet {
        ts,
        proto,
        src: SocketAddrV4::new(src, sport),
        dst: SocketAddrV4::new(dst, dport),
        payload: payload.to_vec(),
        tcp,
    })
}

/// In-order byte streams per TCP direction (retransmissions dropped, no gaps expected).
#[derive(Default)]
pub struct TcpReassembler {
    streams: HashMap<(SocketAddrV4, SocketAddrV4), (u32, Vec<u8>)>,
}

impl TcpReassembler {
    /// Feeds one TCP packet; returns the buffered, not yet consumed bytes of its direction
    /// when the packet added new in-order bytes.
    pub fn push(&mut self, p: &Packet) -> Option<&mut Vec<u8>> {
        let (seq, flags) = p.tcp?;
        let key = (p.src, p.dst);
        if flags & TCP_SYN != 0 {
            self.streams.insert(key, (seq.wrapping_add(1), Vec::new()));
            return None;
        }
        let st = self.streams.entry(key).or_insert((seq, Vec::new()));
        if p.payload.is_empty() || seq != st.0 {
            // empty, a retransmission or a gap: nothing new in order
            return None;
        }
        st.0 = seq.wrapping_add(u32::try_from(p.payload.len()).ok()?);
        st.1.extend_from_slice(&p.payload);
        Some(&mut st.1)
    }
}
