//! Wall-clock times in the local time zone, formatted as the C tools print them
//! (`%F %T` in `booth list`, `%b %d %H:%M:%S` in log lines, `ctime` in ticket dumps).

use std::fmt;

/// A broken-down local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    pub year: i32,
    /// 1..=12
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    /// 0 = Sunday
    pub weekday: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl Tm {
    /// `epoch` seconds in the process's local time zone (TZ, /etc/localtime).
    pub fn local(epoch: i64) -> Tm {
        let t: libc::time_t = epoch;
        // SAFETY: libc::tm is plain data; all-zero is a valid value of it.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are valid for the call; localtime_r is the reentrant form
        // and writes only into `tm`. On failure it returns NULL and `tm` stays zeroed.
        let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
        if !ok {
            return Tm::utc(epoch);
        }
        let u = |v: libc::c_int| u32::try_from(v).unwrap_or(0);
        Tm {
            year: tm.tm_year + 1900,
            month: u(tm.tm_mon) + 1,
            day: u(tm.tm_mday),
            hour: u(tm.tm_hour),
            min: u(tm.tm_min),
            sec: u(tm.tm_sec),
            weekday: u(tm.tm_wday),
        }
    }

    /// `epoch` seconds in UTC (civil-from-days), for when the zone cannot be read.
    pub fn utc(epoch: i64) -> Tm {
        let days = epoch.div_euclid(86_400);
        let secs = epoch.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let u = |v: i64| u32::try_from(v).unwrap_or(0);
        Tm {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u(month),
            day: u(day),
            hour: u(secs / 3600),
            min: u(secs % 3600 / 60),
            sec: u(secs % 60),
            weekday: u((days + 4).rem_euclid(7)),
        }
    }

    /// `%F %T`: `2026-11-25 00:57:54`.
    pub fn iso(self) -> impl fmt::Display {
        Iso(self)
    }

    /// `%b %d %H:%M:%S`: `Nov 25 00:57:19`, the log line prefix.
    pub fn log_stamp(self) -> impl fmt::Display {
        LogStamp(self)
    }

    /// `ctime` without its newline: `Wed Nov 25 00:57:27 2026`.
    pub fn ctime(self) -> impl fmt::Display {
        CTime(self)
    }

    fn month_name(self) -> &'static str {
        MONTHS
            .get(usize::try_from(self.month.saturating_sub(1)).unwrap_or(0))
            .copied()
            .unwrap_or("???")
    }
}

struct Iso(Tm);
struct LogStamp(Tm);
struct CTime(Tm);

impl fmt::Display for Iso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.min, t.sec
        )
    }
}

impl fmt::Display for LogStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{} {:02} {:02}:{:02}:{:02}",
            t.month_name(),
            t.day,
            t.hour,
            t.min,
            t.sec
        )
    }
}

impl fmt::Display for CTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        let wd = DAYS
            .get(usize::try_from(t.weekday).unwrap_or(0))
            .copied()
            .unwrap_or("???");
        write!(
            f,
            "{wd} {} {:2} {:02}:{:02}:{:02} {}",
            t.month_name(),
            t.day,
            t.hour,
            t.min,
            t.sec,
            t.year
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_c() {
        // 1795568274 = 2026-11-25 00:57:54 UTC (surface.md §8.5 shows that wall time).
        let t = Tm::utc(1_795_568_274);
        assert_eq!(t.iso().to_string(), "2026-11-25 00:57:54");
        assert_eq!(t.log_stamp().to_string(), "Nov 25 00:57:54");
        assert_eq!(t.ctime().to_string(), "Wed Nov 25 00:57:54 2026");
        let early = Tm::utc(86_400 * 3);
        assert_eq!(early.log_stamp().to_string(), "Jan 04 00:00:00");
        assert_eq!(early.ctime().to_string(), "Sun Jan  4 00:00:00 1970");
    }

    #[test]
    fn utc_and_libc_agree_when_tz_is_utc() {
        // The CI machine runs in UTC; elsewhere this only checks that local() answers.
        let t = 1_700_000_000;
        let local = Tm::local(t);
        if std::env::var("TZ").map_or(true, |z| z == "UTC" || z.is_empty())
            && std::fs::read_link("/etc/localtime")
                .map_or(true, |p| p.to_string_lossy().ends_with("UTC"))
        {
            assert_eq!(local, Tm::utc(t));
        }
        assert_eq!(Tm::utc(0).iso().to_string(), "1970-01-01 00:00:00");
    }
}
