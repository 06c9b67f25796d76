//! booth.conf bytes into the config parser (surface.md §1), then into the core the
//! daemon would build from it.
//!
//! Properties: the parser never panics; an error names a line of the file and has C's
//! text; an accepted file has at most 16 members and tickets whose times the core takes
//! (`Core::new(Setup::from_config(..))` succeeds for every member as the local one, except for
//! the one known difference: a retry product only C's `int` overflow lets through), so
//! no file that `boothd` reads kills it at startup with a panic or an unexplained refusal.
#![no_main]

use std::net::IpAddr;

use booth::config::parse_bytes;
use booth::core::{Core, Setup, SetupError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let resolver = |h: &str| (h == "localhost").then(|| IpAddr::from([127, 0, 0, 1]));
    match parse_bytes(data, "/etc/booth/booth.conf", &resolver) {
        Ok(cfg) => {
            assert!(cfg.members.len() <= 16);
            for t in &cfg.tickets {
                assert!(t.expire_ms > 0 && t.timeout_ms > 0 && (3..=100).contains(&t.retries));
            }
            // C checks `timeout * (retries + 1) < renewal-freq` in `int`: a product that
            // wraps passes there and in the parser, and the core (64 bits) refuses it
            // (tests/fuzz_findings.rs). Every other refusal is a disagreement.
            let wraps = cfg.tickets.iter().any(|t| {
                u64::from(t.timeout_ms) * (u64::from(t.retries) + 1) >= u64::from(t.renewal_freq_ms)
            });
            for local in 0..cfg.members.len() {
                let setup = match Setup::from_config(&cfg, local) {
                    Ok(s) => s,
                    Err(e) => panic!("config accepted, no core setup from it: {e}"),
                };
                match Core::new(setup, 1) {
                    Ok(_) => {}
                    Err(SetupError::BadTimes(..)) if wraps => {}
                    Err(e) => panic!("config accepted, core refuses it: {e}"),
                }
            }
        }
        Err(e) => {
            assert!(
                e.line <= data.len() + 1,
                "line {} of {} bytes",
                e.line,
                data.len()
            );
            assert!(!e.to_string().is_empty() && !e.c_lines().is_empty());
        }
    }
});
