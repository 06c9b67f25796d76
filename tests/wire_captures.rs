//! Every booth message of the 14 lab captures of the C daemon decodes as its receiver
//! reads it, re-encodes byte for byte, and agrees field by field with the capture's
//! `.txt` decoding (wire.md §1, §1.6, §1.7, §5.5, §6.1; captures/README.md).

mod common;

use booth::auth::AuthKey;
use booth::wire::{c_client_padding, decode, encode};
use common::captures::{booth_messages, Role, CAPTURES};
use common::{capture_path, describe};

fn key(file: &str) -> AuthKey {
    let hex = std::fs::read_to_string(capture_path(file)).expect("key file");
    AuthKey::parse(&common::unhex(&hex))
        .expect("valid key")
        .expect("auth enabled")
}

/// The `hmac=` value pcaptool printed: which of the keys verifies the message.
fn hmac_verdict(keys: &[AuthKey], raw: &[u8], m: &booth::wire::Message<'_>) -> String {
    let ok: Vec<usize> = (0..keys.len())
        .filter(|&i| booth::auth::verify_message(&keys[i], raw, m).is_ok())
        .collect();
    match (keys.len(), ok.as_slice()) {
        (1, [_]) => "OK".into(),
        (_, [i]) => format!("OK(key{})", i + 1),
        _ => "BAD".into(),
    }
}

#[test]
fn every_captured_message_decodes_and_matches_its_txt_line() {
    let names = describe::lab_names();
    let mut total = 0;
    for name in CAPTURES {
        let auth = name.starts_with("auth");
        let keys = match name {
            "auth-mismatch-arb1-grant" => {
                vec![key("authkey.hex"), key("authkey-arb1-mismatch.hex")]
            }
            n if n.starts_with("auth") => vec![key("authkey.hex")],
            _ => vec![],
        };
        let txt = std::fs::read_to_string(capture_path(&format!("{name}.txt"))).expect("txt");
        let expected: Vec<&str> = txt.lines().collect();
        let msgs = booth_messages(&capture_path(&format!("{name}.pcap")), 9929);
        assert_eq!(
            msgs.len(),
            expected.len(),
            "{name}: message count vs .txt lines"
        );
        for (i, (c, want)) in msgs.iter().zip(&expected).enumerate() {
            let m = decode(&c.bytes, c.role.expect(auth))
                .unwrap_or_else(|e| panic!("{name} #{i}: {e}: {want}"));
            let mut out = [0u8; 1024];
            let n = encode(&m, &mut out).expect("encode");
            assert_eq!(&out[..n], &c.bytes[..], "{name} #{i}: re-encoding differs");
            if c.role == Role::Request {
                let pad = c_client_padding(m.header.cmd(), auth);
                assert_eq!(
                    c.trailing,
                    vec![0u8; pad],
                    "{name} #{i}: C client padding (§6.1)"
                );
            }
            let hmac = auth.then(|| hmac_verdict(&keys, &c.bytes, &m));
            let got = describe::line(c, &m, &names, hmac.as_deref());
            // drop the relative time column
            let want = want
                .trim_start()
                .split_once(' ')
                .map_or("", |(_, rest)| rest);
            assert_eq!(got, want, "{name} #{i}");
        }
        total += msgs.len();
    }
    assert_eq!(total, 205, "all captured messages checked");
}
