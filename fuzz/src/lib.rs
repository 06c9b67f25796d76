//! What the fuzz targets share: the three-member formation of the lab captures
//! (tests/vectors/captures/README.md: site1, site2, arb1, the same key), a fixed clock,
//! and [`Bytes`], the reader that turns fuzzer input into choices. Each target is a
//! `fuzz_targets/` binary; `tests/fuzz.sh` runs them, `tests/fuzz_seeds.rs` writes
//! their seed corpora from the captures in the input formats documented per target.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use booth::auth::AuthKey;
use booth::core::{Kind, Member, Name, Setup, TicketParams};
use booth::daemon::peers::{Peer, Peers};
use booth::site_id::site_id;

/// The members' addresses in config order: site1, site2, arb1 (as in the captures, so
/// that captured datagrams name known senders).
pub const ADDRS: [[u8; 4]; 3] = [[192, 168, 77, 11], [192, 168, 77, 12], [192, 168, 77, 101]];
/// The captures' key (tests/vectors/captures/authkey.hex).
pub const KEY_HEX: &str = "d37bfaab555cf13079f33ef3e087a22e390ef1e860aac15b23e1b0d80f5268d6\
e67657b13923b7f84cb04b6f96d3476976608f014ae35ada1826221a0c16ca2a";
pub const PORT: u16 = 9929;
/// The wall clock every target runs at (seconds since the epoch).
pub const WALL_SECS: u64 = 1_764_662_400;
/// The tickets every formation has.
pub const TICKETS: [&str; 2] = ["tA", "tB"];

pub fn addr(i: usize) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ADDRS[i])), PORT)
}

/// Member ids as the daemon computes them (CRC-32 of the address).
pub fn ids() -> [u32; 3] {
    [0, 1, 2].map(|i| site_id(&addr(i).ip()))
}

pub fn key() -> AuthKey {
    let raw: Vec<u8> = (0..KEY_HEX.len() / 2)
        .map(|i| u8::from_str_radix(&KEY_HEX[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    match AuthKey::parse(&raw) {
        Ok(Some(k)) => k,
        _ => unreachable!("the captures' key is valid"),
    }
}

/// The daemon's UDP receive side with member `local` as this node.
pub fn peers(auth: bool, local: usize) -> Peers {
    let ids = ids();
    Peers {
        members: (0..3)
            .map(|i| Peer::new(ids[i], i == 2, addr(i).ip().to_string(), addr(i)))
            .collect(),
        local,
        key: auth.then(key),
        max_skew: 120,
    }
}

/// The short timings of the interop tests: expire 10 s, timeout 1 s, 3 retries.
pub fn ticket_params(name: &str, mode_manual: bool) -> TicketParams {
    let mut p = TicketParams::new(Name::new(name).unwrap_or(Name([0; 64])));
    p.expire = 10_000;
    p.timeout = 1_000;
    p.retries = 3;
    p.renewal_freq = 5_000;
    if mode_manual {
        p.mode = booth::core::Mode::Manual;
    }
    p
}

/// The core's setup of the formation, seen from member `local`.
pub fn setup(local: usize, ms_mode: bool, manual_tb: bool) -> Setup {
    let ids = ids();
    Setup {
        members: (0..3)
            .map(|i| Member {
                id: ids[i],
                kind: if i == 2 { Kind::Arbitrator } else { Kind::Site },
            })
            .collect(),
        local,
        ms_mode,
        tickets: vec![
            ticket_params(TICKETS[0], false),
            ticket_params(TICKETS[1], manual_tb),
        ],
    }
}

pub fn wall() -> Duration {
    Duration::from_secs(WALL_SECS)
}

/// Fuzzer input as a sequence of choices. Past the end every read gives 0, so any input
/// is a complete program; `is_empty` ends the loops.
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> Bytes<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }
    /// An index below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n.max(1)
    }
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
    /// The next `n` bytes, or what is left.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}
