//! `src/dist/install.sh` lays out what the Debian booth package ships (surface.md §6.1),
//! the systemd units pass `systemd-analyze verify` (§6.2), the manual pages render, and
//! our `booth-keygen` behaves exactly as Debian's (§6.3, §8.10).
//!
//! Needs no network namespace. The comparison with the C `booth-keygen` and the unit
//! check skip with a message when `/usr/sbin/booth-keygen` or `systemd-analyze` are
//! missing, and fail instead with `BOOTH_RS_REQUIRE_C=1` (CI).

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const C_KEYGEN: &str = "/usr/sbin/booth-keygen";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("booth-rs-pkg-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("tmp dir");
    d
}

/// Skips (prints why) unless `ok`; under `BOOTH_RS_REQUIRE_C=1` a missing tool fails.
fn have(ok: bool, what: &str) -> bool {
    if !ok {
        assert!(
            std::env::var("BOOTH_RS_REQUIRE_C").as_deref() != Ok("1"),
            "{what} missing and BOOTH_RS_REQUIRE_C=1"
        );
        eprintln!("SKIPPED: {what} missing");
    }
    ok
}

fn install(prefix: &str, destdir: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::new("sh");
    cmd.arg(repo().join("src/dist/install.sh")).arg(prefix);
    if let Some(d) = destdir {
        cmd.arg(d);
    }
    cmd.env("BOOTHD", env!("CARGO_BIN_EXE_boothd"))
        .output()
        .expect("run install.sh")
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn install_lays_out_the_debian_file_list() {
    // surface.md §6.1: the program, its two names, keygen, helper, units, man pages, .pc.
    let dest = tmpdir("layout");
    let out = install("/usr", Some(&dest));
    assert!(out.status.success(), "{out:?}");
    let root = dest.join("usr");
    let sbin = root.join("sbin");
    assert_eq!(mode(&sbin.join("boothd")), 0o755);
    for name in ["booth", "geostore"] {
        let link = fs::read_link(sbin.join(name)).expect("symlink");
        assert_eq!(link, Path::new("boothd"), "{name} -> boothd, relative");
    }
    assert_eq!(
        fs::read(sbin.join("boothd")).expect("boothd"),
        fs::read(env!("CARGO_BIN_EXE_boothd")).expect("built"),
    );
    // The symlinks give the personalities (surface.md §2.1).
    let help = |name: &str| {
        let out = Command::new(sbin.join(name))
            .arg("-h")
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(help("geostore").contains("geostore {list|set|get|delete}"));
    assert!(help("booth").contains("booth list [options]"));
    assert_eq!(mode(&sbin.join("booth-keygen")), 0o755);
    assert_eq!(mode(&root.join("share/booth/service-runnable")), 0o755);
    assert_eq!(mode(&root.join("lib/ocf/lib/booth/geo_attr.sh")), 0o644);
    assert_eq!(mode(&dest.join("etc/booth")), 0o755);
    assert!(dest.join("etc/booth/hooks.d").is_dir());

    let units = root.join("lib/systemd/system");
    for unit in ["booth@.service", "booth-arbitrator@.service"] {
        let text = read(&units.join(unit));
        assert_eq!(mode(&units.join(unit)), 0o644);
        // §6.2: foreground, readiness through our sd_notify, config by instance name.
        for line in [
            "Type=notify",
            "NotifyAccess=main",
            "ExecStart=/usr/sbin/boothd daemon -S -c %i",
            "ConditionFileNotEmpty=/etc/booth/%i.conf",
            "Conflicts=pacemaker.service",
            "WantedBy=multi-user.target",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{unit} lacks {line}:\n{text}"
            );
        }
    }
    // The upstream/Debian name for the one default arbitrator.
    let plain = read(&units.join("booth-arbitrator.service"));
    assert!(plain.contains("\nType=notify\n"), "{plain}");
    assert!(plain.contains("\nExecStart=/usr/sbin/boothd daemon -S -c /etc/booth/booth.conf\n"));
    let umbrella = read(&units.join("booth.service"));
    assert!(umbrella.contains("Type=oneshot") && umbrella.contains("RemainAfterExit=on"));
    assert!(read(&units.join("booth@.service")).contains("PartOf=booth.service"));

    let man = root.join("share/man");
    for page in [
        "man8/boothd.8",
        "man8/geostore.8",
        "man8/booth-keygen.8",
        "man5/booth.conf.5",
    ] {
        let text = read(&man.join(page));
        assert!(text.contains("\n.TH "), "{page} is roff");
        assert!(
            text.contains("booth-rs 0.1.0"),
            "{page}: version substituted"
        );
    }
    assert_eq!(read(&man.join("man8/booth.8")).trim(), ".so man8/boothd.8");

    let fw = read(&root.join("lib/firewalld/services/booth.xml"));
    assert!(fw.contains(r#"<port protocol="tcp" port="9929"/>"#), "{fw}");
    assert!(fw.contains(r#"<port protocol="udp" port="9929"/>"#), "{fw}");

    let pc = read(&root.join("share/pkgconfig/booth.pc"));
    assert!(
        pc.starts_with("prefix=/usr\nexec_prefix=/usr\nconfdir=/etc/booth\n"),
        "{pc}"
    );
    assert!(pc.contains("Name: booth\nVersion: 1.0\n"), "{pc}");

    // No placeholder survives anywhere.
    let mut stack = vec![dest.clone()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            let meta = fs::symlink_metadata(&p).expect("meta");
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && p.file_name() != Some("boothd".as_ref()) {
                assert!(!read(&p).contains("@SBINDIR@"), "{}", p.display());
                assert!(!read(&p).contains("@VERSION@"), "{}", p.display());
            }
        }
    }
    // Installing again over it works (upgrades).
    assert!(install("/usr", Some(&dest)).status.success());
    let _ = fs::remove_dir_all(&dest);
}

#[test]
fn install_refuses_a_relative_prefix_and_a_missing_binary() {
    let out = install("usr", None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PREFIX must be an absolute path"));
    let dest = tmpdir("nobin");
    let out = Command::new("sh")
        .arg(repo().join("src/dist/install.sh"))
        .args(["/usr"])
        .arg(&dest)
        .env("BOOTHD", dest.join("nonexistent"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no boothd binary found"));
    let _ = fs::remove_dir_all(&dest);
}

#[test]
fn units_pass_systemd_analyze_verify() {
    // surface.md §6.2; installed for real under a temp prefix so that ExecStart exists.
    let ok = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have(ok, "systemd-analyze (apt-get install systemd)") {
        return;
    }
    let dir = tmpdir("verify");
    let prefix = dir.join("usr");
    let out = install(&prefix.to_string_lossy(), None);
    assert!(out.status.success(), "{out:?}");
    let units = prefix.join("lib/systemd/system");
    for unit in [
        "booth@.service",
        "booth-arbitrator@.service",
        "booth-arbitrator.service",
        "booth.service",
    ] {
        let out = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(units.join(unit))
            .output()
            .expect("systemd-analyze");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && err.trim().is_empty(),
            "{unit}: {err}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn manual_pages_render_without_warnings() {
    let ok = Command::new("groff").arg("-v").output().is_ok();
    if !have(ok, "groff (apt-get install groff-base)") {
        return;
    }
    for page in ["boothd.8", "geostore.8", "booth-keygen.8", "booth.conf.5"] {
        let out = Command::new("groff")
            .args(["-man", "-z", "-ww", "-Tutf8"])
            .arg(repo().join("src/dist/man").join(page))
            .output()
            .expect("groff");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && err.is_empty(), "{page}: {err}");
    }
}

#[test]
fn service_runnable_and_geo_attr_are_valid_sh() {
    // surface.md §4.2, §6.4: POSIX sh, as the OCF agents source geo_attr.sh.
    for f in [
        "service-runnable",
        "geo_attr.sh",
        "booth-keygen",
        "install.sh",
    ] {
        let out = Command::new("sh")
            .arg("-n")
            .arg(repo().join("src/dist").join(f))
            .output()
            .expect("sh -n");
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // service-runnable refuses to run without a resource or outside boothd.
    let sr = repo().join("src/dist/service-runnable");
    let out = Command::new("sh").arg(&sr).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let out = Command::new("sh")
        .arg(&sr)
        .arg("db")
        .env_remove("BOOTH_TICKET")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BOOTH_TICKET is not set"));
}

#[test]
fn geo_attr_reads_the_tickets_attr_prereq() {
    // surface.md §6.4: the attribute is the ticket's `attr-prereq = auto NAME eq VALUE`;
    // unlike the C helper, spacing and quoting as booth.conf allows them are accepted.
    let dir = tmpdir("geoattr");
    let conf = dir.join("booth.conf");
    fs::write(
        &conf,
        "site = 10.0.0.1\nsite = 10.0.0.2\nticket = \"tA\"\n    attr-prereq = auto repl eq ok\n\
         ticket=\"tB\"\nattr-prereq=\"manual m eq 1\"\nattr-prereq = auto x eq y\n\
         attr-prereq = auto z eq w\n",
    )
    .expect("conf");
    let run = |ticket: &str, attr: &str| -> String {
        let out = Command::new("sh")
            .arg("-c")
            .arg(". \"$1\"; geo_attr_get_attr")
            .arg("sh")
            .arg(repo().join("src/dist/geo_attr.sh"))
            .env("OCF_RESKEY_booth_config", &conf)
            .env("OCF_RESKEY_booth_ticket", ticket)
            .env("OCF_RESKEY_geo_attribute", attr)
            .output()
            .expect("sh");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(run("tA", ""), "repl ok\n");
    assert_eq!(
        run("tB", ""),
        "x y\n",
        "manual lines are not the auto attribute"
    );
    assert_eq!(run("tB", "z"), "z w\n");
    assert_eq!(run("tC", ""), "");
    let _ = fs::remove_dir_all(&dir);
}

/// Runs a booth-keygen with `args` in `cwd`; returns (stdout with the program path
/// replaced by `$0`, stderr, exit code).
fn keygen(prog: &Path, args: &[&str], cwd: &Path) -> (String, String, i32) {
    let out = Command::new(prog)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("booth-keygen");
    (
        String::from_utf8_lossy(&out.stdout).replace(&*prog.to_string_lossy(), "$0"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn booth_keygen_matches_debian() {
    // surface.md §6.3, §8.10: the same output, exit codes, file size, mode and owner.
    if !have(
        Path::new(C_KEYGEN).exists(),
        "/usr/sbin/booth-keygen (apt-get install booth)",
    ) {
        return;
    }
    let ours = repo().join("src/dist/booth-keygen");
    let dir = tmpdir("keygen");
    let (c_dir, o_dir) = (dir.join("c"), dir.join("ours"));
    fs::create_dir_all(&c_dir).expect("dir");
    fs::create_dir_all(&o_dir).expect("dir");
    std::os::unix::fs::symlink(c_dir.join("target"), c_dir.join("dangling")).expect("link");
    std::os::unix::fs::symlink(o_dir.join("target"), o_dir.join("dangling")).expect("link");
    let root = nix_is_root();
    // (args with {d} = the implementation's own directory, what is checked)
    let cases: &[&[&str]] = &[
        &["-h"],
        &["--help"],
        &["-?"],
        &["-h", "{d}/x"],
        &["-x"],
        &["relative/key"],
        &["{d}/key"],
        &["{d}/key"],              // exists now
        &["{d}/key2", "{d}/key3"], // the second argument is ignored
        &["{d}/nodir/key"],        // dd's error and status
        &["{d}/dangling"],         // a dangling symlink is not "existing": dd follows it
    ];
    for args in cases {
        let run = |prog: &Path, d: &Path| {
            let d = d.to_string_lossy();
            let a: Vec<String> = args.iter().map(|x| x.replace("{d}", &d)).collect();
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let (o, e, c) = keygen(prog, &a, Path::new("/"));
            (o, e.replace(&*d, "{d}"), c)
        };
        let c = run(Path::new(C_KEYGEN), &c_dir);
        let o = run(&ours, &o_dir);
        assert_eq!(o, c, "booth-keygen {args:?}");
    }
    for d in [&c_dir, &o_dir] {
        for f in ["key", "key2", "target"] {
            let m = fs::metadata(d.join(f)).expect("key written");
            assert_eq!(m.len(), 64, "{f}");
            assert_eq!(m.permissions().mode() & 0o7777, 0o600, "{f}");
            if root {
                assert_eq!((m.uid(), m.gid()), (0, 0), "{f} root:root");
            }
        }
        assert!(!d.join("key3").exists());
    }
    assert_ne!(
        fs::read(c_dir.join("key")).expect("key"),
        fs::read(o_dir.join("key")).expect("key"),
        "random"
    );
    let _ = fs::remove_dir_all(&dir);
}

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `cmd args` with `CIB_file`, asserting success.
fn cib(file: &Path, cmd: &str, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .env("CIB_file", file)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
}

#[test]
fn service_runnable_judges_by_a_simulation() {
    // surface.md §4.2: 0 when the resource would be Started with the ticket, when it is
    // target-role=Stopped, or when the ticket is in standby; else 1. Run against a CIB
    // file with one online node.
    let ok = [
        "crm_simulate",
        "cibadmin",
        "crm_resource",
        "crm_ticket",
        "crm_attribute",
    ]
    .iter()
    .all(|p| Path::new("/usr/sbin").join(p).exists());
    if !have(ok, "pacemaker-cli-utils") {
        return;
    }
    let dir = tmpdir("runnable");
    let empty = Command::new("cibadmin")
        .arg("--empty")
        .output()
        .expect("cibadmin");
    let base = dir.join("base.xml");
    fs::write(&base, &empty.stdout).expect("cib");
    cib(
        &base,
        "cibadmin",
        &["-C", "-o", "nodes", "-X", r#"<node id="1" uname="n1"/>"#],
    );
    cib(
        &base,
        "crm_attribute",
        &["-n", "stonith-enabled", "-v", "false"],
    );
    let live = dir.join("cib.xml");
    let live_s = live.to_string_lossy().into_owned();
    cib(
        &base,
        "crm_simulate",
        &[
            "--live-check",
            "--node-up",
            "n1",
            "--simulate",
            "-O",
            &live_s,
        ],
    );
    cib(
        &live,
        "cibadmin",
        &["--modify", "--xml-text", r#"<cib have-quorum="1"/>"#],
    );
    for (rsc, ticket) in [("db", "tA"), ("web", "tB")] {
        let prim =
            format!(r#"<primitive id="{rsc}" class="ocf" provider="pacemaker" type="Dummy"/>"#);
        cib(&live, "cibadmin", &["-C", "-o", "resources", "-X", &prim]);
        let dep = format!(r#"<rsc_ticket id="{rsc}-{ticket}" rsc="{rsc}" ticket="{ticket}"/>"#);
        cib(&live, "cibadmin", &["-C", "-o", "constraints", "-X", &dep]);
    }
    let run = |rsc: &str, cib_file: &Path| -> i32 {
        Command::new("sh")
            .arg(repo().join("src/dist/service-runnable"))
            .arg(rsc)
            .env("BOOTH_TICKET", "tA")
            .env("CIB_file", cib_file)
            .current_dir(&dir)
            .output()
            .expect("service-runnable")
            .status
            .code()
            .unwrap_or(-1)
    };
    assert_eq!(run("db", &live), 0, "granting tA starts db");
    assert_eq!(run("web", &live), 1, "web needs tB, not tA");
    cib(
        &live,
        "crm_resource",
        &[
            "--resource",
            "web",
            "--meta",
            "--set-parameter",
            "target-role",
            "--parameter-value",
            "Stopped",
        ],
    );
    assert_eq!(run("web", &live), 0, "deliberately stopped");
    cib(
        &live,
        "crm_resource",
        &[
            "--resource",
            "web",
            "--meta",
            "--delete-parameter",
            "target-role",
        ],
    );
    cib(
        &live,
        "crm_ticket",
        &["-t", "tA", "-S", "standby", "-v", "true"],
    );
    assert_eq!(run("web", &live), 0, "ticket in standby");
    assert_eq!(
        run("db", &dir.join("missing.xml")),
        1,
        "crm_simulate failed"
    );
    let left: Vec<_> = fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("booth-check."))
        .collect();
    assert!(left.is_empty(), "the shadow CIB is removed");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn libbooth_is_installed_when_it_was_built() {
    // Issue 10 item 1: libbooth.so/.a (from the ffi part), versioned with the
    // SONAME link, and a libbooth.pc that links it.
    let dir = tmpdir("lib");
    let built = dir.join("built");
    fs::create_dir_all(&built).expect("dir");
    fs::copy(env!("CARGO_BIN_EXE_boothd"), built.join("boothd")).expect("copy");
    fs::write(built.join("libbooth.so"), b"\x7fELF fake").expect("so");
    fs::write(built.join("libbooth.a"), b"!<arch>\n").expect("a");
    let dest = dir.join("dest");
    let out = Command::new("sh")
        .arg(repo().join("src/dist/install.sh"))
        .arg("/usr")
        .arg(&dest)
        .env("BOOTHD", built.join("boothd"))
        .output()
        .expect("install");
    assert!(out.status.success(), "{out:?}");
    let lib = dest.join("usr/lib");
    assert_eq!(
        fs::read(lib.join("libbooth.so.0.1.0")).expect("so"),
        b"\x7fELF fake"
    );
    assert_eq!(
        fs::read_link(lib.join("libbooth.so.0")).expect("link"),
        Path::new("libbooth.so.0.1.0")
    );
    assert_eq!(
        fs::read_link(lib.join("libbooth.so")).expect("link"),
        Path::new("libbooth.so.0")
    );
    assert_eq!(mode(&lib.join("libbooth.a")), 0o644);
    let pc = read(&lib.join("pkgconfig/libbooth.pc"));
    assert!(pc.contains("-lbooth"), "{pc}");
    assert!(!pc.contains('@'), "{pc}");
    if repo().join("include/booth.h").exists() {
        assert!(dest.join("usr/include/booth.h").exists());
    }
    // Without a built library nothing of it is installed.
    fs::remove_file(built.join("libbooth.so")).expect("rm");
    fs::remove_file(built.join("libbooth.a")).expect("rm");
    let plain = tmpdir("nolib");
    let out = Command::new("sh")
        .arg(repo().join("src/dist/install.sh"))
        .arg("/usr")
        .arg(&plain)
        .env("BOOTHD", built.join("boothd"))
        .output()
        .expect("install");
    assert!(out.status.success(), "{out:?}");
    assert!(!plain.join("usr/lib/libbooth.so").exists());
    assert!(!plain.join("usr/lib/pkgconfig/libbooth.pc").exists());
    let _ = fs::remove_dir_all(&dir);
    let _ = fs::remove_dir_all(&plain);
}
