//! The seed corpora of the fuzz targets (fuzz/seeds/<target>/), made from the lab
//! captures of the C daemon (tests/vectors/captures) in each target's input format
//! (documented at the top of fuzz/fuzz_targets/*.rs), plus the hostile datagrams of
//! tests/daemon_hostile.rs. The committed files must be what this test makes:
//! `BOOTH_FUZZ_WRITE_SEEDS=1 cargo test --test fuzz_seeds` rewrites them.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use common::capture_path;
use common::captures::{booth_messages, Captured, Role, CAPTURES};

/// Members in config order, as in fuzz/src/lib.rs.
const MEMBERS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(192, 168, 77, 11),
    Ipv4Addr::new(192, 168, 77, 12),
    Ipv4Addr::new(192, 168, 77, 101),
];

fn member(a: &Ipv4Addr) -> usize {
    MEMBERS.iter().position(|m| m == a).unwrap_or(0)
}

fn cmd(bytes: &[u8]) -> String {
    bytes
        .get(28..32)
        .map(|c| {
            c.iter()
                .map(|&b| {
                    if b.is_ascii_alphanumeric() {
                        b as char
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

type Seeds = BTreeMap<String, Vec<u8>>;

/// `datagram`: mode (bit 0 auth, bits 2-3 local) + the datagram; one per distinct
/// (capture kind, receiver, opcode), the hostile ones, and streams (mode bit 4).
fn datagram_seeds(all: &[(String, Vec<Captured>)]) -> Seeds {
    let mut out = Seeds::new();
    for (name, msgs) in all {
        let auth = name.starts_with("auth");
        for m in msgs.iter().filter(|m| m.role == Role::Datagram) {
            let local = member(m.dst.ip());
            let key = format!(
                "{}-to{}-{}",
                if auth { "auth" } else { "noauth" },
                local,
                cmd(&m.bytes)
            );
            let mode = u8::from(auth) | u8::try_from(local << 2).unwrap_or(0);
            let mut seed = vec![mode];
            seed.extend_from_slice(&m.bytes);
            out.entry(key).or_insert(seed);
        }
    }
    // Streams: what each member received in an auth capture, in order, then the first
    // datagram again (a replay).
    for (name, msgs) in all.iter().filter(|(n, _)| n.starts_with("auth")) {
        for local in 0..3 {
            let mode = 0x11 | u8::try_from(local << 2).unwrap_or(0);
            let mut seed = vec![mode];
            let got: Vec<&Captured> = msgs
                .iter()
                .filter(|m| m.role == Role::Datagram && member(m.dst.ip()) == local)
                .take(40)
                .collect();
            for m in got.iter().chain(got.first()) {
                seed.extend_from_slice(&u16::try_from(m.bytes.len()).unwrap_or(0).to_be_bytes());
                seed.extend_from_slice(&m.bytes);
            }
            if !got.is_empty() {
                out.insert(format!("stream-{name}-to{local}"), seed);
            }
        }
    }
    for (name, bytes) in hostile() {
        let mut seed = vec![0u8];
        seed.extend_from_slice(&bytes);
        out.insert(format!("hostile-{name}"), seed);
    }
    out
}

/// Malformed variants of a captured heartbeat (what tests/daemon_hostile.rs fires).
fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    let hb = common::unhex(
        "00000000 00000000 00000000 5f1ba08c 00010003 5267d502 0000007c 48727442 \
         00000000 00000000 00000000 00000000 74410000",
    );
    let mut base = hb.clone();
    base.resize(124, 0);
    let with_from = |from: u32| {
        let mut b = base.clone();
        b[20..24].copy_from_slice(&from.to_be_bytes());
        b
    };
    let mut bad_magic = base.clone();
    bad_magic[12] ^= 0xff;
    let mut bad_len = base.clone();
    bad_len[24..28].copy_from_slice(&1000u32.to_be_bytes());
    vec![
        ("from-no-one", with_from(0xFFFF_FFFF)),
        ("from-zero", with_from(0)),
        ("truncated", base[..40].to_vec()),
        ("bad-magic", bad_magic),
        ("wrong-length", bad_len),
        ("header-only", {
            let mut b = base[..48].to_vec();
            b[24..28].copy_from_slice(&48u32.to_be_bytes());
            b
        }),
    ]
}

/// `client_request`: auth byte, then per connection `len: u16`, `chunk`, `flags`
/// (signed), `pause`, bytes. One seed per capture with all its requests (each with the
/// C client's padding), one per distinct request opcode sent in 7-byte pieces.
fn client_seeds(all: &[(String, Vec<Captured>)]) -> Seeds {
    let mut out = Seeds::new();
    for (name, msgs) in all {
        let auth = name.starts_with("auth");
        let mut whole = vec![u8::from(auth)];
        for m in msgs.iter().filter(|m| m.role == Role::Request) {
            let mut bytes = m.bytes.clone();
            bytes.extend_from_slice(&m.trailing);
            let conn = |chunk: u8| {
                let mut c = u16::try_from(bytes.len())
                    .unwrap_or(0)
                    .to_be_bytes()
                    .to_vec();
                c.extend_from_slice(&[chunk, 1, 0]);
                c.extend_from_slice(&bytes);
                c
            };
            whole.extend(conn(0));
            let mut one = vec![u8::from(auth)];
            one.extend(conn(7));
            out.entry(format!(
                "{}-{}",
                if auth { "auth" } else { "noauth" },
                cmd(&m.bytes)
            ))
            .or_insert(one);
        }
        if whole.len() > 1 {
            out.insert(format!("all-{name}"), whole);
        }
    }
    out
}

/// `core_datagrams`: the datagrams each member received in a capture, in order, as raw
/// steps with the captured gaps as clock steps; the CIB empty at startup.
fn core_seeds(all: &[(String, Vec<Captured>)]) -> Seeds {
    let mut out = Seeds::new();
    for (name, msgs) in all {
        for local in 0..3 {
            let mut seed = vec![u8::try_from(local).unwrap_or(0), 0, 0, 0, 0, 7, 0, 0, 0, 0];
            let mut last: Option<(u32, u32)> = None;
            let mut n = 0;
            for m in msgs
                .iter()
                .filter(|m| m.role == Role::Datagram && member(m.dst.ip()) == local)
            {
                if let Some((s, us)) = last {
                    let ms = (u64::from(m.ts.0) * 1000 + u64::from(m.ts.1) / 1000)
                        .saturating_sub(u64::from(s) * 1000 + u64::from(us) / 1000);
                    let ms = u16::try_from(ms.min(15_000)).unwrap_or(0);
                    seed.push(8);
                    seed.extend_from_slice(&ms.to_be_bytes());
                }
                last = Some(m.ts);
                seed.push(7);
                seed.push(u8::try_from(m.bytes.len()).unwrap_or(0));
                seed.extend_from_slice(&m.bytes);
                n += 1;
            }
            if n > 0 {
                out.insert(format!("{name}-to{local}"), seed);
            }
        }
    }
    out
}

/// `config`: the captures' configurations and one with every key.
fn config_seeds() -> Seeds {
    let noauth = "transport = UDP\nport = 9929\nsite = 192.168.77.11\nsite = 192.168.77.12\n\
                  arbitrator = 192.168.77.101\nticket = \"tA\"\n    expire = 20\n    timeout = 2\n    retries = 3\n";
    let auth = format!("{noauth}authfile = /etc/booth/authkey\nmaxtimeskew = 120\n");
    let every = "transport = UDP\nport = 9929\nname = 'geo'\ndebug = 2\nsite = 10.0.0.1\n\
                 site = ::1\narbitrator = fd00::2\nsite-user = hacluster\nsite-group = haclient\n\
                 arbitrator-user = nobody\nticket = __defaults__\nexpire = 60\ntimeout = 1500ms\n\
                 weights = 1,2;3\nmode = manual\nticket = A\nrenewal-freq = 20\nacquire-after = 5\n\
                 before-acquire-handler = /bin/true a b\nattr-prereq = auto x eq y\n\
                 ticket = B\nmode = automatic\nretries = 100\n";
    [
        ("noauth", noauth.to_string()),
        ("auth", auth),
        ("every-key", every.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_bytes()))
    .collect()
}

fn all_seeds() -> BTreeMap<&'static str, Seeds> {
    let all: Vec<(String, Vec<Captured>)> = CAPTURES
        .iter()
        .map(|c| {
            let p = capture_path(&format!("{c}.pcap"));
            (c.to_string(), booth_messages(&p, 9929))
        })
        .collect();
    BTreeMap::from([
        ("datagram", datagram_seeds(&all)),
        ("client_request", client_seeds(&all)),
        ("core_datagrams", core_seeds(&all)),
        ("config", config_seeds()),
    ])
}

fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds")
}

#[test]
fn committed_seeds_are_made_from_the_captures() {
    let want = all_seeds();
    let write = std::env::var_os("BOOTH_FUZZ_WRITE_SEEDS").is_some();
    for (target, seeds) in &want {
        assert!(seeds.len() >= 3, "{target}: only {} seeds", seeds.len());
        let dir = seeds_dir().join(target);
        if write {
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("seed dir");
            for (name, bytes) in seeds {
                fs::write(dir.join(name), bytes).expect("seed file");
            }
        }
        let mut have = BTreeMap::new();
        for e in fs::read_dir(&dir)
            .expect("fuzz/seeds/<target> exists")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            have.insert(name, fs::read(e.path()).expect("seed"));
        }
        assert!(
            &have == seeds,
            "fuzz/seeds/{target} is stale: BOOTH_FUZZ_WRITE_SEEDS=1 cargo test --test fuzz_seeds"
        );
    }
}
