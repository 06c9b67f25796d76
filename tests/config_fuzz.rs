//! Seeded random mutations of config texts: the parser must never panic, and its
//! errors must point at a line of the file.

mod xorshift;

use booth::config::parse_bytes;
use std::net::IpAddr;
use xorshift::Rng;

const SEEDS: &[&str] = &[
    "transport = UDP\nport = 9929\nsite = 192.168.77.11\nsite = 192.168.77.12\narbitrator = 192.168.77.101\n\
     authfile = /etc/booth/authkey\nticket = \"tA\"\n    expire = 20\n    timeout = 2\n    retries = 3\n",
    "ticket = __defaults__\nexpire = 60\ntimeout = 1500ms\nweights = 1,2;3\nmode = manual\n\
     ticket = A\nrenewal-freq = 20\nacquire-after = 5\nbefore-acquire-handler = /bin/true a b\n\
     attr-prereq = auto x eq y\nsite = ::1\narbitrator = fd00::2\nname = 'geo'\ndebug = 2\n",
];

const PIECES: &[&[u8]] = &[
    b"\"",
    b"'",
    b"=",
    b"#",
    b"\n",
    b"\r\n",
    b" ",
    b"\t",
    b"\0",
    b"\xff",
    b"ms",
    b"0x",
    b"-",
    b"99999999999999999999",
    b"__defaults__",
    b"ticket = ",
    b"site = ",
    b"weights = ",
    b"retries = ",
    b"expire = ",
    b"attr-prereq = ",
    b"before-acquire-handler = ",
    b"localhost",
];

fn mutate(rng: &mut Rng, text: &mut Vec<u8>) {
    for _ in 0..=rng.below(6) {
        let at = rng.below(text.len() + 1);
        match rng.below(5) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())];
                text.splice(at..at, piece.iter().copied());
            }
            1 if at < text.len() => {
                let end = (at + rng.below(8)).min(text.len());
                text.drain(at..end);
            }
            2 if at < text.len() => text[at] = u8::try_from(rng.below(256)).unwrap_or(0),
            3 => {
                let byte = b"a0=\" #\n"[rng.below(7)];
                let run = rng.below(1200);
                text.splice(at..at, std::iter::repeat(byte).take(run));
            }
            _ => {
                let line = format!(
                    "site = 10.{}.{}.{}\n",
                    rng.below(3),
                    rng.below(3),
                    rng.below(3)
                );
                text.splice(at..at, line.bytes());
            }
        }
    }
}

#[test]
fn mutated_configs_never_panic() {
    let mut rng = Rng(0x0B00_7C0F_F1E5_EED5);
    let resolver = |h: &str| (h == "localhost").then(|| IpAddr::from([127, 0, 0, 1]));
    let mut accepted = 0;
    for round in 0..4000 {
        let mut text = SEEDS[round % SEEDS.len()].as_bytes().to_vec();
        mutate(&mut rng, &mut text);
        // Chunks as C counts lines: never more than bytes/1 + 1.
        let max_line = text.len() + 1;
        match parse_bytes(&text, "/tmp/fuzz.conf", &resolver) {
            Ok(cfg) => {
                accepted += 1;
                assert!(cfg.members.len() <= 16);
                for t in &cfg.tickets {
                    assert!(t.expire_ms > 0 && t.timeout_ms > 0 && (3..=100).contains(&t.retries));
                }
            }
            Err(e) => {
                assert!(e.line <= max_line, "line {} of {max_line}", e.line);
                assert!(!e.to_string().is_empty() && !e.c_lines().is_empty());
            }
        }
    }
    // The mutations must leave some files valid, or the test checks only errors.
    assert!(accepted > 100, "only {accepted} accepted");
}
