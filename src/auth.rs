//! HMAC-SHA1 authentication of booth messages (wire.md §4). No I/O: the clock is a parameter.
//!
//! Receive: `decode` the message, then [`verify`] its trailer over the signed bytes, then
//! [`PeerClock::check`] (UDP peers and replies) or [`check_age`] (TCP requests).
//! Send: `encode` a message built with `Message::with_auth`, then [`sign`].
#![forbid(unsafe_code)]

use core::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::wire::consts::{HID_SHA1, MAC_LEN, TRAILER_LEN};
use crate::wire::{encode, EncodeError, Message, Trailer};

type HmacSha1 = Hmac<Sha1>;

/// The most bytes read from a key file (BOOTH_MAX_KEY_LEN, wire.md §4.2).
pub const MAX_KEY_LEN: usize = 64;
/// The fewest key bytes accepted after trimming (BOOTH_MIN_KEY_LEN).
pub const MIN_KEY_LEN: usize = 8;
/// Default `maxtimeskew` in seconds (wire.md §4.5).
pub const DEFAULT_MAX_TIME_SKEW: u32 = 600;

/// Everything that goes wrong with keys, MACs and timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// The key file's mode lets group or others read it (wire.md §4.2).
    KeyReadable { mode: u32 },
    /// Fewer than 8 key bytes remain after trimming.
    KeyTooShort { len: usize },
    /// The trailer is not 28 bytes, or the MAC not 20 (wire.md §4.5 step 1).
    MacSize { len: usize },
    /// `hid` is not 2, the only algorithm any C sender uses (wire.md §4.5 step 2).
    UnsupportedHid(u32),
    /// The MAC does not match: another key, or a tampered message.
    BadMac,
    /// The timestamp is older than `maxtimeskew` seconds (wire.md §4.5 step 4).
    Stale {
        secs: u32,
        usecs: u32,
        max_skew: u32,
    },
    /// The buffer is too short to hold the trailer where the message says it is.
    NoRoom { need: usize, have: usize },
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Wording of the C daemon (surface.md §1.9); keyfile.rs prefixes the path.
            Self::KeyReadable { mode } => write!(
                f,
                "file shall not be readable for anyone but the owner (mode {mode:04o}; \
                 chmod 600 it)"
            ),
            Self::KeyTooShort { len } => write!(
                f,
                "key is too short ({len} < {MIN_KEY_LEN}); use at least {MIN_KEY_LEN} bytes \
                 (booth-keygen writes 64)"
            ),
            Self::MacSize { len } => {
                write!(f, "authentication trailer of wrong size ({len} bytes)")
            }
            Self::UnsupportedHid(h) => {
                write!(
                    f,
                    "unsupported hash id {h} (only {HID_SHA1}, HMAC-SHA1, is accepted)"
                )
            }
            Self::BadMac => {
                f.write_str("message failed to authenticate (is the key the same on all members?)")
            }
            Self::Stale {
                secs,
                usecs,
                max_skew,
            } => write!(
                f,
                "packet timestamp {secs}.{usecs:06} older than {max_skew} seconds \
                 (check the clocks, or maxtimeskew)"
            ),
            Self::NoRoom { need, have } => {
                write!(
                    f,
                    "buffer of {have} bytes has no room for a trailer ending at {need}"
                )
            }
        }
    }
}

impl std::error::Error for AuthError {}

/// The shared HMAC key: 8..=64 bytes, first byte non-zero.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthKey(Vec<u8>);

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthKey({} bytes)", self.0.len())
    }
}

impl AuthKey {
    /// The key from the bytes of one read of the key file (wire.md §4.2): only the first
    /// 64 are used; if all of them are < 0x80, leading and trailing white space (space,
    /// `\t\n\v\f\r`) is removed; fewer than 8 remaining is an error. `Ok(None)` when the
    /// first byte is NUL: C then runs **without** authentication (wire.md §4.1); the
    /// caller decides whether to follow C or refuse.
    pub fn parse(raw: &[u8]) -> Result<Option<Self>, AuthError> {
        let raw = raw.get(..MAX_KEY_LEN).unwrap_or(raw);
        let key = if raw.iter().all(|&b| b < 0x80) {
            let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
            let start = raw.iter().position(|b| !ws(b)).unwrap_or(raw.len());
            let end = raw.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
            raw.get(start..end).unwrap_or_default()
        } else {
            raw
        };
        if key.len() < MIN_KEY_LEN {
            return Err(AuthError::KeyTooShort { len: key.len() });
        }
        if key.first() == Some(&0) {
            return Ok(None);
        }
        Ok(Some(Self(key.to_vec())))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self) -> HmacSha1 {
        // HMAC accepts keys of any length; this cannot fail.
        <HmacSha1 as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

/// The key file mode check (wire.md §4.2): any group- or other-read bit is refused.
pub fn check_key_mode(mode: u32) -> Result<(), AuthError> {
    if mode & 0o044 != 0 {
        return Err(AuthError::KeyReadable {
            mode: mode & 0o7777,
        });
    }
    Ok(())
}

/// HMAC-SHA1 of `signed` under `key`.
pub fn hmac_sha1(key: &AuthKey, signed: &[u8]) -> [u8; MAC_LEN] {
    let mut m = key.mac();
    m.update(signed);
    m.finalize().into_bytes().into()
}

/// Signs an encoded message in place (wire.md §4.3): HMAC-SHA1 over `buf[..signed_len]`,
/// written after it as `hid` 2, 20 MAC bytes, 4 zero bytes. `signed_len` is
/// `Message::signed_len` (everything before the trailer; 48 for text replies).
pub fn sign(key: &AuthKey, buf: &mut [u8], signed_len: usize) -> Result<(), AuthError> {
    let need = signed_len + TRAILER_LEN;
    let have = buf.len();
    let Some((signed, rest)) = buf.split_at_mut_checked(signed_len) else {
        return Err(AuthError::NoRoom { need, have });
    };
    let Some(trailer) = rest.get_mut(..TRAILER_LEN) else {
        return Err(AuthError::NoRoom { need, have });
    };
    let mac = hmac_sha1(key, signed);
    trailer[..4].copy_from_slice(&HID_SHA1.to_be_bytes());
    trailer[4..4 + MAC_LEN].copy_from_slice(&mac);
    trailer[4 + MAC_LEN..].fill(0);
    Ok(())
}

/// The sender's one call: encodes `msg` into `buf` and, if it carries a trailer (see
/// `Message::with_auth`), signs it. Returns the number of bytes to send.
pub fn encode_signed(
    key: &AuthKey,
    msg: &Message<'_>,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    let n = encode(msg, buf)?;
    if msg.trailer.is_some() {
        let have = buf.len();
        let written = buf
            .get_mut(..n)
            .ok_or(EncodeError::BufferTooSmall { need: n, have })?;
        // encode wrote the trailer right after the signed bytes, so there is room
        sign(key, written, msg.signed_len())
            .map_err(|_| EncodeError::BufferTooSmall { need: n, have })?;
    }
    Ok(n)
}

/// Checks raw trailer bytes (`hid` + 24 hash bytes) against `signed` (wire.md §4.5 steps
/// 1–3, stricter than C as §11 recommends): 28 bytes, `hid` 2, the 20 MAC bytes compared
/// in constant time; hash bytes 20..24 are ignored.
pub fn verify(key: &AuthKey, signed: &[u8], trailer: &[u8]) -> Result<(), AuthError> {
    if trailer.len() != TRAILER_LEN {
        return Err(AuthError::MacSize { len: trailer.len() });
    }
    let (hid, hash) = trailer.split_at(4);
    let hid = u32::from_be_bytes([hid[0], hid[1], hid[2], hid[3]]);
    verify_mac(key, signed, hid, &hash[..MAC_LEN])
}

/// As [`verify`], with the trailer already split into `hid` and the MAC (20 bytes).
pub fn verify_mac(key: &AuthKey, signed: &[u8], hid: u32, mac: &[u8]) -> Result<(), AuthError> {
    if hid != HID_SHA1 {
        return Err(AuthError::UnsupportedHid(hid));
    }
    if mac.len() != MAC_LEN {
        return Err(AuthError::MacSize { len: mac.len() });
    }
    let mut m = key.mac();
    m.update(signed);
    m.verify_slice(mac).map_err(|_| AuthError::BadMac)
}

/// Verifies a decoded message: `raw` is the buffer it was decoded from. A message
/// without trailer (receiver has auth off) fails with `MacSize { len: 0 }`.
pub fn verify_message(key: &AuthKey, raw: &[u8], msg: &Message<'_>) -> Result<(), AuthError> {
    let Some(Trailer { hid, hash }) = &msg.trailer else {
        return Err(AuthError::MacSize { len: 0 });
    };
    let n = msg.signed_len();
    let Some(signed) = raw.get(..n) else {
        return Err(AuthError::NoRoom {
            need: n,
            have: raw.len(),
        });
    };
    verify_mac(key, signed, *hid, &hash[..MAC_LEN])
}

/// A header timestamp `(secs, usecs)`, ordered lexicographically as C compares them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: u32,
    pub usecs: u32,
}

impl Timestamp {
    /// The wire timestamp of the wall-clock time `now` (time since the Unix epoch);
    /// seconds wrap modulo 2^32 as the C `uint32_t` field does.
    pub fn from_unix(now: Duration) -> Self {
        let secs = u32::try_from(now.as_secs() & u64::from(u32::MAX)).unwrap_or(u32::MAX);
        Self {
            secs,
            usecs: now.subsec_micros(),
        }
    }
}

/// The age check (wire.md §4.5 step 4): `t` passes iff it is strictly later than
/// `(now_secs - max_skew, now_usecs)`. The future always passes (no upper bound).
pub fn check_age(t: Timestamp, now: Duration, max_skew: u32) -> Result<(), AuthError> {
    let limit_secs = i128::from(now.as_secs()) - i128::from(max_skew);
    let fresh = (i128::from(t.secs), t.usecs) > (limit_secs, now.subsec_micros());
    if fresh {
        Ok(())
    } else {
        Err(AuthError::Stale {
            secs: t.secs,
            usecs: t.usecs,
            max_skew,
        })
    }
}

/// How an accepted timestamp compares with the peer's previous one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Later than every earlier message of this peer.
    Newer,
    /// Not later than the previous one but within `maxtimeskew`: accepted; C logs
    /// "packet timestamp older than previous one" (a replay is accepted this way).
    OlderThanPrevious,
}

/// Per-peer timestamp state (wire.md §4.5): one per daemon peer, and one per reply stream
/// a client reads. TCP requests at a daemon have none: use [`check_age`].
///
/// Starts at `(0, 0)` as in C, so the first message of a peer skips the age check: C
/// tolerates a peer whose clock is behind by more than `maxtimeskew` as long as its
/// timestamps increase, and so must we to interoperate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerClock {
    last: Timestamp,
}

impl PeerClock {
    /// Accepts `t` if it is later than the last accepted one, else if it passes the age
    /// check; on acceptance it becomes the last one (even when smaller, as in C).
    pub fn check(
        &mut self,
        t: Timestamp,
        now: Duration,
        max_skew: u32,
    ) -> Result<Freshness, AuthError> {
        let verdict = if t > self.last {
            Freshness::Newer
        } else {
            check_age(t, now, max_skew)?;
            Freshness::OlderThanPrevious
        };
        self.last = t;
        Ok(verdict)
    }

    /// The last accepted timestamp (`(0, 0)` before the first).
    pub fn last(&self) -> Timestamp {
        self.last
    }
}

/// Sender side: timestamps strictly increasing even if the clock steps back or two
/// messages fall into one microsecond (wire.md §11), so peers never see "older than
/// previous one".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendClock {
    last: Option<Timestamp>,
}

impl SendClock {
    /// The timestamp to put into the next message sent at wall-clock time `now`.
    pub fn next(&mut self, now: Duration) -> Timestamp {
        let mut t = Timestamp::from_unix(now);
        if let Some(last) = self.last {
            if t <= last {
                t = if last.usecs >= 999_999 {
                    Timestamp {
                        secs: last.secs.wrapping_add(1),
                        usecs: 0,
                    }
                } else {
                    Timestamp {
                        secs: last.secs,
                        usecs: last.usecs + 1,
                    }
                };
            }
        }
        self.last = Some(t);
        t
    }
}
