//! Our `crm_ticket` argv against Pacemaker's real tool on a CIB file (surface.md §3):
//! what we write is what we read back.

use booth::pacemaker::{self, Command, TicketRecord, UpdateMode};
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A private CIB file, removed on drop; `None` (test skipped) when Pacemaker's tools are
/// missing, unless BOOTH_RS_REQUIRE_C=1 demands them.
struct Cib {
    dir: PathBuf,
}

impl Cib {
    fn new(tag: &str) -> Option<Cib> {
        if !Path::new("/usr/sbin/crm_ticket").exists() {
            assert!(
                std::env::var_os("BOOTH_RS_REQUIRE_C").is_none(),
                "crm_ticket missing: apt-get install pacemaker-cli-utils"
            );
            eprintln!("skipped: /usr/sbin/crm_ticket not installed");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("booth-rs-cib-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let out = std::process::Command::new("cibadmin")
            .arg("--empty")
            .output()
            .expect("cibadmin runs");
        assert!(out.status.success());
        std::fs::write(dir.join("cib.xml"), out.stdout).expect("write cib");
        Some(Cib { dir })
    }

    fn run(&self, c: &Command) -> (Option<i32>, Vec<u8>) {
        let mut child = std::process::Command::new(pacemaker::CRM_TICKET)
            .args(&c.args)
            .env("CIB_file", self.dir.join("cib.xml"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("crm_ticket starts");
        if let (Some(mut stdin), Some(bytes)) = (child.stdin.take(), c.stdin) {
            use std::io::Write;
            let _ = stdin.write_all(bytes);
        }
        let out = child.wait_with_output().expect("crm_ticket ends");
        (out.status.code(), out.stdout)
    }
}

impl Drop for Cib {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn probe_of_pacemaker_2_selects_atomic_updates() {
    // surface.md §3.2: Pacemaker 2.x refuses without --force with exit 4.
    let Some(cib) = Cib::new("probe") else { return };
    let (code, _) = cib.run(&pacemaker::probe());
    assert_eq!(
        pacemaker::ProbeOutcome::from_exit(code).mode(),
        UpdateMode::Atomic
    );
}

#[test]
fn unknown_ticket_load_is_exit_105_and_empty() {
    // surface.md §3.3: Pacemaker 2.x says 105 for an unknown ticket, nothing on stdout.
    let Some(cib) = Cib::new("unknown") else {
        return;
    };
    let (code, out) = cib.run(&pacemaker::load("tA"));
    assert_eq!(code, Some(105));
    assert_eq!(
        pacemaker::parse_load_output(&out),
        Err(pacemaker::LoadError::Empty)
    );
}

#[test]
fn grant_then_revoke_round_trip_through_the_cib() {
    // surface.md §3.4: the atomic write, then §3.3: the load reads it back.
    let Some(cib) = Cib::new("rt") else { return };
    let rec = TicketRecord {
        owner: 1_382_536_450,
        expires: 1_795_568_274,
        term: 7,
    };
    for c in pacemaker::write(UpdateMode::Atomic, "tA", true, rec, "booth") {
        assert_eq!(cib.run(&c).0, Some(0), "{c}");
    }
    let (code, out) = cib.run(&pacemaker::load("tA"));
    assert_eq!(code, Some(0));
    let t = pacemaker::parse_load_output(&out).expect("parses");
    assert!(t.granted);
    assert_eq!(t.owner, Some(1_382_536_450));
    assert_eq!(t.expires, Some(1_795_568_274));
    assert_eq!(t.term, Some(7));
    assert!(t.attrs.is_empty(), "booth-cfg-name is not a geo attribute");

    let revoked = TicketRecord { owner: -1, ..rec };
    for c in pacemaker::write(UpdateMode::Atomic, "tA", false, revoked, "booth") {
        assert_eq!(cib.run(&c).0, Some(0), "{c}");
    }
    let t = pacemaker::parse_load_output(&cib.run(&pacemaker::load("tA")).1).expect("parses");
    assert!(!t.granted);
    assert_eq!(t.owner, Some(-1));
}

#[test]
fn non_atomic_sequence_also_works_with_a_new_crm_ticket() {
    // surface.md §3.4, non-atomic mode: three -S commands then -g --force.
    let Some(cib) = Cib::new("nonatomic") else {
        return;
    };
    let rec = TicketRecord {
        owner: 5,
        expires: 10,
        term: 1,
    };
    for c in pacemaker::write(UpdateMode::NonAtomic, "tB", true, rec, "booth") {
        assert_eq!(cib.run(&c).0, Some(0), "{c}");
    }
    let t = pacemaker::parse_load_output(&cib.run(&pacemaker::load("tB")).1).expect("parses");
    assert!(t.granted);
    assert_eq!((t.owner, t.expires, t.term), (Some(5), Some(10), Some(1)));
}

#[test]
fn geo_attributes_with_shell_metacharacters_survive() {
    // surface.md §3.1 quirk Q11: C would break on a quote; we exec with argv.
    let Some(cib) = Cib::new("attrs") else { return };
    let value = "it's $(rm -rf /) & <b>";
    assert_eq!(
        cib.run(&pacemaker::attr_set("tC", "note", value)).0,
        Some(0)
    );
    let t = pacemaker::parse_load_output(&cib.run(&pacemaker::load("tC")).1).expect("parses");
    assert_eq!(t.attrs, vec![("note".to_string(), value.to_string())]);
    assert_eq!(cib.run(&pacemaker::attr_delete("tC", "note")).0, Some(0));
    let t = pacemaker::parse_load_output(&cib.run(&pacemaker::load("tC")).1).expect("parses");
    assert!(t.attrs.is_empty());
}
