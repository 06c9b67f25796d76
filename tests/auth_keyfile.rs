//! Reading the key file (wire.md §4.2, surface.md §1.9): mode check, one read of at most
//! 64 bytes, trimming, and errors that name the file.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use booth::keyfile::{read_key_file, KeyFileError};

/// A key file in the temp directory, removed on drop.
struct TempKey(PathBuf);

impl TempKey {
    fn new(name: &str, content: &[u8], mode: u32) -> Self {
        let p = std::env::temp_dir().join(format!("booth-rs-test-{}-{name}", std::process::id()));
        fs::write(&p, content).expect("write");
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).expect("chmod");
        Self(p)
    }
}

impl Drop for TempKey {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

#[test]
fn trimmed_ascii_key() {
    let f = TempKey::new("ascii", b"  secret-key-1234\n\n", 0o600);
    let k = read_key_file(&f.0).expect("readable").expect("auth on");
    assert_eq!(
        k.as_bytes(),
        b"secret-key-1234",
        "§4.2: size 15 as the Debian daemon logs"
    );
}

#[test]
fn only_64_bytes_are_read() {
    let content: Vec<u8> = (0..200u8).map(|i| 0x80 | i).collect(); // binary, like booth-keygen
    let f = TempKey::new("long", &content, 0o400);
    let k = read_key_file(&f.0).expect("readable").expect("auth on");
    assert_eq!(k.as_bytes(), &content[..64]);
}

#[test]
fn nul_first_byte_disables_auth() {
    let f = TempKey::new("nul", b"\x00123456789abcdef", 0o600);
    assert!(read_key_file(&f.0).expect("readable").is_none(), "§4.1");
}

#[test]
fn readable_by_others_is_refused_naming_the_file() {
    for mode in [0o644, 0o640, 0o604] {
        let f = TempKey::new("mode", b"0123456789abcdef", mode);
        let e = read_key_file(&f.0).expect_err("group/other readable");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "{}: file shall not be readable for anyone but the owner",
                f.0.display()
            )),
            "{msg}"
        );
    }
}

#[test]
fn short_key_and_missing_file() {
    let f = TempKey::new("short", b"abc\n", 0o600);
    let e = read_key_file(&f.0).expect_err("short");
    assert_eq!(
        e.to_string(),
        format!("Key in authfile {} is too short (3 < 8)", f.0.display())
    );
    let missing = std::env::temp_dir().join("booth-rs-test-no-such-key");
    let e = read_key_file(&missing).expect_err("missing");
    assert!(matches!(e, KeyFileError::Open { .. }));
    assert!(
        e.to_string()
            .starts_with(&format!("cannot open {}: ", missing.display())),
        "{e}"
    );
}
