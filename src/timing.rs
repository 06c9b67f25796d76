//! The timing report of a configuration: per ticket the worst-case failover time and the
//! `timeout`/`retries`/`renewal-freq`/`acquire-after` combinations that are unsafe, plus
//! whether authentication is on. Pure; the daemon logs it at start, a `--check-config`
//! mode can print it. Nothing here changes what a C peer sees.
#![forbid(unsafe_code)]

use std::fmt;

use crate::config::{Config, TicketMode};

/// Largest random delay before and after an election, ms (consensus.md §3.2:
/// `rand_delay()` is uniform in `[0, min(1000, T)]`).
const MAX_RAND_DELAY_MS: u64 = 1000;
/// Below this `acquire-after` an isolated leader and its successor may both have the
/// ticket granted in their CIBs for a moment (consensus.md §13, "A ≥ 2 s").
pub const MIN_SAFE_ACQUIRE_AFTER_MS: u32 = 2000;

/// The timing of one ticket, ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketTiming {
    pub name: String,
    pub manual: bool,
    /// `expire` (D).
    pub expire_ms: u64,
    /// `acquire-after` (A).
    pub acquire_after_ms: u64,
    /// `renewal-freq` (F).
    pub renewal_ms: u64,
    /// One renewal round with every resend: T·(R+1).
    pub round_ms: u64,
    /// An election that a majority answers: random start, T, random end
    /// (consensus.md §16 L2: `rand + T + rand`).
    pub election_ms: u64,
    /// Worst case from the holder's last successful renewal until another site holds the
    /// ticket: D + A + election. `None` for manual tickets (no failover).
    pub failover_ms: Option<u64>,
}

/// A risky combination; `Display` says what happens and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimingWarning {
    /// F ≥ D: the lease runs out before every renewal (consensus.md §0.2).
    RenewalNotBeforeExpiry { ticket: String },
    /// D − F < T·(R+1): a renewal that loses packets still resends when the lease ends.
    RenewalRoundOutlastsLease {
        ticket: String,
        left_ms: u64,
        round_ms: u64,
    },
    /// A < 2 s on an automatic ticket: an isolated leader's CIB revoke and its successor's
    /// CIB grant may overlap (consensus.md §13).
    ShortAcquireAfter {
        ticket: String,
        acquire_after_ms: u64,
    },
    /// `authfile` configured but the key disables authentication (first byte NUL, as C).
    AuthfileDisabled { path: String },
}

fn secs(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{}.{:03} s", ms / 1000, ms % 1000)
    }
}

impl fmt::Display for TimingWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RenewalNotBeforeExpiry { ticket } => write!(
                f,
                "{ticket}: renewal-freq is not shorter than expire: the lease runs out before each renewal and the ticket is lost every cycle; use renewal-freq < expire (default expire/2)"
            ),
            Self::RenewalRoundOutlastsLease {
                ticket,
                left_ms,
                round_ms,
            } => write!(
                f,
                "{ticket}: after a renewal starts only {} of the lease are left, but its resends take up to timeout*(retries+1) = {}: one lost packet can cost the ticket; lower renewal-freq, timeout or retries",
                secs(*left_ms),
                secs(*round_ms)
            ),
            Self::ShortAcquireAfter {
                ticket,
                acquire_after_ms,
            } => write!(
                f,
                "{ticket}: acquire-after is {}: when the leader is cut off, its successor may be granted the ticket before the old site has revoked it and stopped its resources; use at least 2 s plus the time Pacemaker needs to stop them (60 s is usual)",
                secs(*acquire_after_ms)
            ),
            Self::AuthfileDisabled { path } => write!(
                f,
                "authfile {path} starts with a NUL byte: authentication is OFF (as with boothd 1.0); create a key with booth-keygen"
            ),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `Some(path)` when an authfile is configured.
    pub authfile: Option<String>,
    /// True when packets are signed (authfile configured and its key usable).
    pub auth_active: bool,
    pub maxtimeskew_s: i32,
    pub tickets: Vec<TicketTiming>,
    pub warnings: Vec<TimingWarning>,
}

/// Computes the report. `key_active` says whether the key read from the authfile enables
/// authentication (C disables it for a key starting with NUL); ignored without authfile.
#[must_use]
pub fn report(config: &Config, key_active: bool) -> Report {
    let mut warnings = Vec::new();
    let tickets = config
        .tickets
        .iter()
        .map(|t| {
            let d = u64::from(t.expire_ms);
            let timeout = u64::from(t.timeout_ms);
            let f = u64::from(t.renewal_freq_ms);
            let a = u64::from(t.acquire_after_ms);
            let round = timeout.saturating_mul(u64::from(t.retries) + 1);
            let election = timeout + 2 * timeout.min(MAX_RAND_DELAY_MS);
            let manual = t.mode == TicketMode::Manual;
            if !manual {
                if f >= d {
                    warnings.push(TimingWarning::RenewalNotBeforeExpiry {
                        ticket: t.name.clone(),
                    });
                } else if d - f < round {
                    warnings.push(TimingWarning::RenewalRoundOutlastsLease {
                        ticket: t.name.clone(),
                        left_ms: d - f,
                        round_ms: round,
                    });
                }
                if t.acquire_after_ms < MIN_SAFE_ACQUIRE_AFTER_MS {
                    warnings.push(TimingWarning::ShortAcquireAfter {
                        ticket: t.name.clone(),
                        acquire_after_ms: a,
                    });
                }
            }
            TicketTiming {
                name: t.name.clone(),
                manual,
                expire_ms: d,
                acquire_after_ms: a,
                renewal_ms: f,
                round_ms: round,
                election_ms: election,
                failover_ms: (!manual).then_some(d + a + election),
            }
        })
        .collect();
    let authfile = config
        .authfile
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    if let (Some(path), false) = (&authfile, key_active) {
        warnings.push(TimingWarning::AuthfileDisabled { path: path.clone() });
    }
    Report {
        auth_active: authfile.is_some() && key_active,
        authfile,
        maxtimeskew_s: config.maxtimeskew,
        tickets,
        warnings,
    }
}

impl Report {
    /// The authentication line (booth#114: say whether authentication is active).
    #[must_use]
    pub fn auth_line(&self) -> String {
        match (&self.authfile, self.auth_active) {
            (Some(p), true) => format!(
                "authentication is active: HMAC-SHA1 with the key in {p}, packets older than {} s are refused",
                self.maxtimeskew_s
            ),
            (Some(p), false) => format!("authentication is OFF: the key in {p} disables it"),
            (None, _) => "authentication is OFF: no authfile configured".to_string(),
        }
    }

    /// One line per ticket.
    #[must_use]
    pub fn ticket_lines(&self) -> Vec<String> {
        self.tickets
            .iter()
            .map(|t| match t.failover_ms {
                None => format!(
                    "{}: manual ticket, no automatic failover (expire and renewal do not apply)",
                    t.name
                ),
                Some(total) => format!(
                    "{}: worst-case failover {} = expire {} + acquire-after {} + election {}; renewal every {}, a renewal round with resends takes up to {}",
                    t.name,
                    secs(total),
                    secs(t.expire_ms),
                    secs(t.acquire_after_ms),
                    secs(t.election_ms),
                    secs(t.renewal_ms),
                    secs(t.round_ms)
                ),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn conf(text: &str) -> Config {
        config::parse(text, "/etc/booth/booth.conf").expect("config")
    }

    const MEMBERS: &str = "site = 10.0.0.1\nsite = 10.0.0.2\narbitrator = 10.0.0.3\n";

    #[test]
    fn defaults_fail_over_after_expire_plus_election_and_warn_about_acquire_after() {
        // consensus.md §0.2 defaults: D 600 s, T 5 s, R 10, F = D/2, A = 0.
        let r = report(&conf(&format!("{MEMBERS}ticket = tA\n")), true);
        let t = &r.tickets[0];
        assert_eq!(t.election_ms, 5000 + 2000);
        assert_eq!(t.failover_ms, Some(600_000 + 7000));
        assert_eq!(t.round_ms, 55_000);
        assert_eq!(
            r.warnings,
            vec![TimingWarning::ShortAcquireAfter {
                ticket: "tA".into(),
                acquire_after_ms: 0
            }]
        );
        assert_eq!(
            r.ticket_lines()[0],
            "tA: worst-case failover 607 s = expire 600 s + acquire-after 0 s + election 7 s; renewal every 300 s, a renewal round with resends takes up to 55 s"
        );
        assert_eq!(
            r.auth_line(),
            "authentication is OFF: no authfile configured"
        );
    }

    #[test]
    fn a_late_renewal_and_a_short_timeout_are_reported_with_milliseconds() {
        // F = 25 s of D = 30 s leaves 5 s; T·(R+1) = 1.5 s · 4 = 6 s > 5 s.
        let text = format!(
            "{MEMBERS}ticket = tA\nexpire = 30\nrenewal-freq = 25\ntimeout = 1500ms\nretries = 3\nacquire-after = 60\n"
        );
        let r = report(&conf(&text), true);
        assert_eq!(r.tickets[0].election_ms, 1500 + 2000);
        assert_eq!(
            r.warnings,
            vec![TimingWarning::RenewalRoundOutlastsLease {
                ticket: "tA".into(),
                left_ms: 5000,
                round_ms: 6000
            }]
        );
        assert!(r.warnings[0].to_string().contains("only 5 s of the lease"));
        assert_eq!(r.tickets[0].failover_ms, Some(30_000 + 60_000 + 3500));
    }

    #[test]
    fn renewal_at_or_after_expiry_is_its_own_warning() {
        let text =
            format!("{MEMBERS}ticket = tA\nexpire = 10\nrenewal-freq = 10\ntimeout = 1\nretries = 3\nacquire-after = 5\n");
        let r = report(&conf(&text), true);
        assert_eq!(
            r.warnings,
            vec![TimingWarning::RenewalNotBeforeExpiry {
                ticket: "tA".into()
            }]
        );
    }

    #[test]
    fn manual_tickets_have_no_failover_and_no_warnings() {
        let r = report(
            &conf(&format!("{MEMBERS}ticket = tM\nmode = manual\n")),
            true,
        );
        assert_eq!(r.tickets[0].failover_ms, None);
        assert!(r.warnings.is_empty());
        assert!(r.ticket_lines()[0].contains("manual ticket"));
    }

    #[test]
    fn the_auth_line_says_on_or_off_and_why() {
        // booth#114: one line saying whether authentication is active.
        let text = format!("authfile = /etc/booth/authkey\nmaxtimeskew = 120\n{MEMBERS}");
        let on = report(&conf(&text), true);
        assert!(on.auth_active);
        assert_eq!(
            on.auth_line(),
            "authentication is active: HMAC-SHA1 with the key in /etc/booth/authkey, packets older than 120 s are refused"
        );
        let off = report(&conf(&text), false);
        assert!(!off.auth_active);
        assert_eq!(
            off.warnings,
            vec![TimingWarning::AuthfileDisabled {
                path: "/etc/booth/authkey".into()
            }]
        );
        assert!(off.auth_line().contains("OFF"));
    }
}
