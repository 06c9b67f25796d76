//! The C library number conversions booth.conf values go through (`strtol`, `atoi`),
//! reproduced on bytes so that what C accepts, and the value it ends up with, match.
//!
//! `long` is 64 bits on every platform the Debian package ships for, `int` 32 bits.

/// C `isspace` in the C locale: space, TAB, LF, VT, FF, CR.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C `strtol(s, &end, base)` for base 0 or 10: skips leading white space, takes an
/// optional sign, then digits (base 0: `0x` prefix = hex, leading `0` = octal).
/// Returns the value (saturated at the `long` range, as glibc does on ERANGE) and the
/// number of bytes consumed; `None` when no digits were converted (end == start).
pub(crate) fn strtol(s: &[u8], base0: bool) -> Option<(i64, usize)> {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            negative = c == b'-';
            i += 1;
        }
    }
    let mut radix = 10u32;
    if base0 && s.get(i) == Some(&b'0') {
        let x = s.get(i + 1).is_some_and(|&c| c == b'x' || c == b'X');
        let hex_follows = s.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if x && hex_follows {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let start = i;
    // Accumulate as a negative number so that LONG_MIN is representable.
    let mut acc: i64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|&c| char::from(c).to_digit(radix)) {
        match acc
            .checked_mul(i64::from(radix))
            .and_then(|v| v.checked_sub(i64::from(d)))
        {
            Some(v) => acc = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return None;
    }
    let value = if overflow {
        if negative {
            i64::MIN
        } else {
            i64::MAX
        }
    } else if negative {
        acc
    } else {
        acc.checked_neg().unwrap_or(i64::MAX)
    };
    Some((value, i))
}

/// `(int)` of a `long`: keeps the low 32 bits (what gcc does on x86_64 and arm64).
pub(crate) fn c_int(v: i64) -> i32 {
    let low = v.rem_euclid(1 << 32);
    let low = u32::try_from(low).unwrap_or(0);
    i32::from_ne_bytes(low.to_ne_bytes())
}

/// C `atoi`: `(int)strtol(s, NULL, 10)`, 0 when nothing converts.
pub(crate) fn atoi(s: &[u8]) -> i32 {
    strtol(s, false).map_or(0, |(v, _)| c_int(v))
}

/// The low 16 bits of an `int` (the `uint16_t port` field).
pub(crate) fn c_u16(v: i32) -> u16 {
    let low = i64::from(v).rem_euclid(1 << 16);
    u16::try_from(low).unwrap_or(0)
}

/// A time value as booth reads it (surface.md §1.6): `strtol` base 10, then either the
/// end of the value (seconds) or exactly `ms`. Returns the C `long` result in
/// milliseconds, -1 when invalid, exactly like the C parser (so `-5` gives -5000).
pub(crate) fn read_time(s: &[u8]) -> i64 {
    match strtol(s, false) {
        None => -1,
        Some((t, used)) => match &s[used..] {
            b"" => t.wrapping_mul(1000),
            b"ms" => t,
            _ => -1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_like_glibc() {
        assert_eq!(strtol(b"0x10", true), Some((16, 4)));
        assert_eq!(strtol(b"010", true), Some((8, 3)));
        assert_eq!(strtol(b"08", true), Some((0, 1)));
        assert_eq!(strtol(b"0xg", true), Some((0, 1)));
        assert_eq!(strtol(b" -7x", false), Some((-7, 3)));
        assert_eq!(strtol(b"+", false), None);
        assert_eq!(strtol(b"", false), None);
        assert_eq!(strtol(b"99999999999999999999", false), Some((i64::MAX, 20)));
        assert_eq!(
            strtol(b"-99999999999999999999", false),
            Some((i64::MIN, 21))
        );
        assert_eq!(strtol(b"-9223372036854775808", false), Some((i64::MIN, 20)));
    }

    #[test]
    fn int_truncation() {
        assert_eq!(c_int(4_294_967_299), 3);
        assert_eq!(c_int(-1), -1);
        assert_eq!(c_int(2_147_484_000), -2_147_483_296);
        assert_eq!(c_u16(70000), 4464);
        assert_eq!(c_u16(-1), 65535);
        assert_eq!(atoi(b"abc"), 0);
    }

    #[test]
    fn time_values() {
        assert_eq!(read_time(b"10"), 10_000);
        assert_eq!(read_time(b"500ms"), 500);
        assert_eq!(read_time(b"10s"), -1);
        assert_eq!(read_time(b"5 ms"), -1);
        assert_eq!(read_time(b"1.5"), -1);
        assert_eq!(read_time(b" -2"), -2000);
        assert_eq!(read_time(b"1MS"), -1);
    }
}
