//! Histories of a formation: every site's recorded `crm_ticket` calls read as granted
//! intervals, and the properties checked over them (consensus.md §13.3, §15.1, §15.2):
//!
//! * **S1** no two sites granted over overlapping real time ([`assert_no_overlap`]). All
//!   namespaces share one kernel clock and the wrapper stamps every call with it (also
//!   under libfaketime), so this is exact up to the wrapper's own latency.
//! * **S3** a holder cut off from the majority revokes by itself at its lease end
//!   (I6: `E_L + T + P + 10 ms` + `crm_ticket` time; [`assert_revoked_by_expiry`] for
//!   the cut holder, [`assert_no_grant_past_lease`] over every site's whole history).
//! * **L1** after the fault heals, one holder within a bound: exactly one site granted in
//!   its CIB and every member's `booth list` naming it ([`assert_one_holder_within`]).
//!
//! A granted interval starts at the start of a successful `-g --force` and ends at the end
//! of the next successful `-r --force`, or at the lease end, whichever comes first: the
//! lease is bounded by the last successful `-g` start + `expire`, since a leader writes
//! `-g` only after `leader_update` began its lease (§13.1). A killed or paused holder
//! keeps `granted` in its CIB past its lease (hazard H1, §12.2); [`Interval::cib_to`]
//! keeps that end for reports, S1 uses the lease-bounded one. A failed write (exit ≠ 0,
//! e.g. [`super::Formation::fail_crm_writes`]) changes nothing in the CIB and is ignored;
//! a write still running counts as done (conservative for S1).
#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{poll_until, Formation, Impl};

/// Slack for process start-up and `crm_ticket` run time on a loaded CI machine (§13.3
/// `t_crm`, `P`).
pub const SLACK: f64 = 1.5;

/// The wall clock now, in seconds since the epoch (the wrapper's time base).
pub fn wall() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// What a recorded call did to the CIB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    Grant,
    Revoke,
    /// Loads, the capability probe, attribute calls.
    Other,
}

/// One `crm_ticket` call of one site.
#[derive(Clone, Debug)]
pub struct Call {
    pub start: f64,
    /// `None` while still running.
    pub end: Option<f64>,
    pub rc: Option<i32>,
    pub write: Write,
    pub args: String,
}

impl Call {
    /// Done with exit 0, or still running (conservative).
    pub fn took_effect(&self) -> bool {
        self.rc.map_or(true, |rc| rc == 0)
    }
}

/// The member's `crm_ticket` calls in start order, each paired with its end line (same
/// arguments, first unmatched).
pub fn calls(f: &Formation, site: &str) -> Vec<Call> {
    let mut out: Vec<Call> = Vec::new();
    for line in f.crm_log(site).lines() {
        let mut words = line.splitn(3, ' ');
        let (Some(t), Some(phase), Some(rest)) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let Ok(t) = t.parse::<f64>() else { continue };
        // rest: "uid=0 '-t' 'tA' ..." or "rc=0 '-t' 'tA' ..."
        let (tag, args) = rest.split_once(' ').unwrap_or((rest, ""));
        let write = if args.contains("'-g' '--force'") {
            Write::Grant
        } else if args.contains("'-r' '--force'") {
            Write::Revoke
        } else {
            Write::Other
        };
        match phase {
            "start" => out.push(Call {
                start: t,
                end: None,
                rc: None,
                write,
                args: args.to_string(),
            }),
            "end" => {
                let rc = tag.strip_prefix("rc=").and_then(|r| r.parse().ok());
                if let Some(c) = out.iter_mut().find(|c| c.end.is_none() && c.args == args) {
                    c.end = Some(t);
                    c.rc = rc.or(Some(-1));
                }
            }
            _ => {}
        }
    }
    out
}

/// One granted interval of a site (see the module doc). `to == None`: still granted
/// and within its lease.
#[derive(Clone, Debug)]
pub struct Interval {
    pub site: String,
    pub from: f64,
    /// Lease-bounded end (what S1 compares).
    pub to: Option<f64>,
    /// When the CIB stopped saying granted (`None`: it still does).
    pub cib_to: Option<f64>,
    /// Start of the last successful `-g` of the interval (the renewal the lease rests on).
    pub last_grant: f64,
}

impl Interval {
    pub fn end_or_max(&self) -> f64 {
        self.to.unwrap_or(f64::MAX)
    }
}

/// The site's granted intervals, `expire` being the ticket's lease in seconds.
pub fn intervals(f: &Formation, site: &str, expire: f64) -> Vec<Interval> {
    let now = wall();
    let mut out = Vec::new();
    let mut open: Option<(f64, f64)> = None; // (from, last grant start)
    for c in calls(f, site) {
        if !c.took_effect() {
            continue;
        }
        match c.write {
            Write::Grant => {
                let from = open.map_or(c.start, |(from, _)| from);
                open = Some((from, c.start));
            }
            Write::Revoke => {
                if let Some((from, last)) = open.take() {
                    let end = c.end.unwrap_or(c.start);
                    out.push(Interval {
                        site: site.to_string(),
                        from,
                        to: Some(end.min(last + expire)),
                        cib_to: Some(end),
                        last_grant: last,
                    });
                }
            }
            Write::Other => {}
        }
    }
    if let Some((from, last)) = open {
        let lease_end = last + expire;
        out.push(Interval {
            site: site.to_string(),
            from,
            to: (lease_end <= now).then_some(lease_end),
            cib_to: None,
            last_grant: last,
        });
    }
    out
}

fn expire_of(f: &Formation) -> f64 {
    f64::from(f.spec.expire)
}

fn timeout_of(f: &Formation) -> f64 {
    f64::from(f.spec.timeout)
}

/// Every site's crm_ticket log, for failure messages.
pub fn dump(f: &Formation, sites: &[&str]) -> String {
    let mut s = String::new();
    for site in sites {
        s.push_str(&format!("--- {site} crm_ticket.log:\n{}", f.crm_log(site)));
    }
    s
}

/// S1 (consensus.md §13.3, §15.1 I7): no two sites granted over overlapping time.
pub fn assert_no_overlap(f: &Formation, sites: &[&str]) {
    let expire = expire_of(f);
    let all: Vec<Interval> = sites.iter().flat_map(|s| intervals(f, s, expire)).collect();
    for a in &all {
        for b in &all {
            if a.site >= b.site {
                continue;
            }
            assert!(
                a.end_or_max() <= b.from || b.end_or_max() <= a.from,
                "S1 violated: {a:?} overlaps {b:?}\n{}",
                dump(f, sites)
            );
        }
    }
}

/// S3 over the whole history (consensus.md §13.2, §15.1 I6): a site whose daemon runs
/// never keeps the CIB grant longer than `expire` + T + [`SLACK`] after a successful `-g`
/// without writing `-g` again (a renewal) or `-r`. `h1`: sites whose daemon was killed or
/// paused in the scenario — their CIB outlives the lease by design (H1, §12.2), S1 counts
/// their lease only and [`assert_revoked_by_expiry`] covers a resume.
pub fn assert_no_grant_past_lease(f: &Formation, sites: &[&str], h1: &[&str]) {
    let expire = expire_of(f);
    let bound = expire + timeout_of(f) + SLACK;
    let now = wall();
    for site in sites.iter().filter(|s| !h1.contains(s)) {
        let grants: Vec<f64> = calls(f, site)
            .into_iter()
            .filter(|c| c.write == Write::Grant && c.took_effect())
            .map(|c| c.start)
            .collect();
        for i in intervals(f, site, expire) {
            let end = i.cib_to.unwrap_or(now);
            let mut prev = i.from;
            for t in grants
                .iter()
                .copied()
                .filter(|t| *t > i.from && *t <= end)
                .chain(std::iter::once(end))
            {
                assert!(
                    t - prev <= bound,
                    "S3 violated: {site} held the CIB grant from a write at {prev:.2} to \
                     {t:.2} without renewing or revoking ({:.2} s > {bound:.1} s)\n{}",
                    t - prev,
                    f.crm_log(site)
                );
                prev = t;
            }
        }
    }
}

/// How long, up to now, the CIBs of two sites said granted at once, lease or not (hazard
/// H1 after kill -9 or SIGSTOP of the holder): for reports.
pub fn cib_overlap(f: &Formation, sites: &[&str]) -> f64 {
    let expire = expire_of(f);
    let all: Vec<Interval> = sites.iter().flat_map(|s| intervals(f, s, expire)).collect();
    let now = wall();
    let mut total = 0.0;
    for a in &all {
        for b in &all {
            if a.site < b.site {
                let lo = a.from.max(b.from);
                let hi = a.cib_to.unwrap_or(now).min(b.cib_to.unwrap_or(now));
                if hi > lo {
                    total += hi - lo;
                }
            }
        }
    }
    total
}

/// The first start of a successful `-g` at `site` at or after `after`.
pub fn first_grant_after(f: &Formation, site: &str, after: f64) -> Option<f64> {
    calls(f, site)
        .into_iter()
        .filter(|c| c.write == Write::Grant && c.took_effect())
        .map(|c| c.start)
        .find(|t| *t >= after)
}

/// The number of successful `-g` at `site` started at or after `after` (renewals).
pub fn grants_since(f: &Formation, site: &str, after: f64) -> usize {
    calls(f, site)
        .into_iter()
        .filter(|c| c.write == Write::Grant && c.took_effect() && c.start >= after)
        .count()
}

/// The first successful `-r` at `site` started at or after `after`.
pub fn first_revoke_after(f: &Formation, site: &str, after: f64) -> Option<f64> {
    calls(f, site)
        .into_iter()
        .filter(|c| c.write == Write::Revoke && c.took_effect())
        .map(|c| c.start)
        .find(|t| *t >= after)
}

/// Asserts `site` never wrote a successful grant at or after `after`.
pub fn assert_never_granted(f: &Formation, site: &str, after: f64) {
    assert!(
        first_grant_after(f, site, after).is_none(),
        "{site} granted unexpectedly:\n{}",
        f.crm_log(site)
    );
}

/// S3 (consensus.md §13.2, §15.1 I6): `site`, holding the ticket at `cut` and cut off
/// from the majority from then on, revokes by itself: a successful `-r` starting no
/// later than max(its lease end, `not_before`) + T + [`SLACK`], where the lease end is
/// its last successful `-g` start before the revoke + `expire`. `not_before` is when it
/// could act again (the SIGCONT of a paused daemon; `cut` otherwise). Waits for it.
pub fn assert_revoked_by_expiry(f: &Formation, site: &str, cut: f64, not_before: f64) -> f64 {
    let expire = expire_of(f);
    let bound = |last_grant: f64| (last_grant + expire).max(not_before) + timeout_of(f) + SLACK;
    let held = intervals(f, site, f64::MAX)
        .into_iter()
        .find(|i| i.from <= cut && i.cib_to.map_or(true, |t| t > cut))
        .unwrap_or_else(|| panic!("S3: {site} did not hold at the cut\n{}", f.crm_log(site)));
    let wait = (bound(held.last_grant) - wall()).max(0.0) + 2.0;
    poll_until(Duration::from_secs_f64(wait), || {
        first_revoke_after(f, site, cut).is_some()
    });
    let revoked = first_revoke_after(f, site, cut)
        .unwrap_or_else(|| panic!("S3 violated: {site} never revoked\n{}", f.crm_log(site)));
    let last_grant = calls(f, site)
        .into_iter()
        .filter(|c| c.write == Write::Grant && c.took_effect() && c.start < revoked)
        .map(|c| c.start)
        .fold(held.last_grant, f64::max);
    assert!(
        revoked <= bound(last_grant),
        "S3 violated: {site} revoked at {revoked:.2}, lease ended {:.2} (bound {:.2})\n{}",
        last_grant + expire,
        bound(last_grant),
        f.crm_log(site)
    );
    revoked
}

/// `booth list` of the ticket at `node` (C client), masked; empty when it fails.
pub fn list(f: &Formation, node: &str) -> String {
    let conf = f.conf(node);
    let out = f.booth(&Impl::c(), node, &["list", "-c", &conf]);
    if out.code == 0 {
        super::mask(&out.stdout)
    } else {
        String::new()
    }
}

/// The leader `node` lists for `tA` (an address, `none` or `NONE`).
pub fn leader_at(f: &Formation, node: &str) -> String {
    let l = list(f, node);
    l.strip_prefix("ticket: tA, leader: ")
        .and_then(|r| r.split(|c: char| c == ',' || c.is_whitespace()).next())
        .unwrap_or("")
        .to_string()
}

/// The sites whose CIB says granted now.
pub fn granted_now(f: &Formation, sites: &[&str]) -> Vec<String> {
    sites
        .iter()
        .filter(|s| f.cib_attr(s, "tA", "granted").stdout.trim() == "true")
        .map(|s| (*s).to_string())
        .collect()
}

/// L1 (consensus.md §15.2 L1, L2, L7): within `bound`, exactly one site is granted in its
/// CIB, its lease is live in the history, and every member in `nodes` lists it as leader.
/// Returns the holder.
pub fn assert_one_holder_within(
    f: &Formation,
    sites: &[&str],
    nodes: &[&str],
    bound: Duration,
) -> String {
    let expire = expire_of(f);
    let mut holder = String::new();
    let ok = poll_until(bound, || {
        let g = granted_now(f, sites);
        if g.len() != 1 {
            return false;
        }
        let live = intervals(f, &g[0], expire).iter().any(|i| i.to.is_none());
        let addr = f.addr(&g[0]);
        holder.clone_from(&g[0]);
        live && nodes.iter().all(|n| leader_at(f, n) == addr)
    });
    let lists: Vec<String> = nodes
        .iter()
        .map(|n| format!("{n}: {}", list(f, n)))
        .collect();
    assert!(
        ok,
        "L1 violated: no single holder within {bound:?}: granted {:?}\n{}\n{}",
        granted_now(f, sites),
        lists.join(""),
        dump(f, sites)
    );
    holder
}

/// Within `bound`, no site granted and every member in `nodes` lists no leader.
pub fn assert_no_holder_within(f: &Formation, sites: &[&str], nodes: &[&str], bound: Duration) {
    let ok = poll_until(bound, || {
        granted_now(f, sites).is_empty()
            && nodes.iter().all(|n| {
                let l = leader_at(f, n);
                l == "none" || l == "NONE"
            })
    });
    assert!(
        ok,
        "ticket still held: granted {:?}\n{}",
        granted_now(f, sites),
        dump(f, sites)
    );
}
