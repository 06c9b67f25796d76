//! Every hex dump in `captures/examples/` decodes with the layout its receiver expects and
//! re-encodes to the identical bytes; header fields agree with the dump's comment line;
//! the C client's surplus bytes are exactly `c_client_padding` zeros (wire.md §1, §1.6,
//! §1.7, §6.1; examples/INDEX.txt).

mod common;

use booth::wire::consts::fourcc;
use booth::wire::{c_client_padding, decode, encode, Body, Cmd, Expect, Header, Shape};
use common::{capture_path, hexdump};

/// A value of the "# header fields:" line: decimal, 0x hex, `0`, `NO_ONE` or a code.
fn field_value(v: &str) -> u32 {
    if let Some(h) = v.strip_prefix("0x") {
        return u32::from_str_radix(h, 16).expect("hex");
    }
    if v == "NO_ONE" {
        return u32::MAX;
    }
    if let Ok(n) = v.parse() {
        return n;
    }
    let b: [u8; 4] = v.as_bytes().try_into().expect("four-character code");
    fourcc(&b)
}

fn header_from_comment(line: &str) -> Header {
    let mut h = Header::default();
    for kv in line.trim_start_matches("header fields:").split_whitespace() {
        let (k, v) = kv.split_once('=').expect("k=v");
        let v = field_value(v);
        let slot = match k {
            "opts" => &mut h.opts,
            "secs" => &mut h.secs,
            "usecs" => &mut h.usecs,
            "magic" => &mut h.magic,
            "version" => &mut h.version,
            "from" => &mut h.from,
            "length" => &mut h.length,
            "cmd" => &mut h.cmd,
            "request" => &mut h.request,
            "options" => &mut h.options,
            "reason" => &mut h.reason,
            "result" => &mut h.result,
            other => panic!("unknown header field {other}"),
        };
        *slot = v;
    }
    h
}

/// The receiver of an example: requests go to port 9929; replies are read by the client
/// that sent the request their name implies (INDEX.txt).
fn expect_for(file: &str, source: &str, cmd: Cmd, length: usize, auth: bool) -> Expect {
    if file.contains("-udp-") {
        return Expect::datagram(auth);
    }
    if source.contains(":9929,") || source.ends_with(":9929") {
        return Expect::request(auth);
    }
    let request = match cmd {
        Cmd::ClList => Cmd::List,
        Cmd::AttrGet => Cmd::AttrGet,
        Cmd::AttrList => Cmd::AttrList,
        Cmd::ClResult if length == 124 || length == 152 => Cmd::Grant,
        _ => Cmd::AttrSet, // header-only Rslt of a geostore request
    };
    Expect::reply_to(request, auth)
}

#[test]
fn every_example_round_trips_byte_for_byte() {
    let dir = capture_path("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "hex"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 35, "INDEX.txt lists 35 examples");
    for path in &files {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let ex = hexdump::parse(&std::fs::read_to_string(path).expect("readable"));
        let auth = file.starts_with("auth-");
        let want = header_from_comment(
            ex.comments
                .iter()
                .find(|c| c.starts_with("header fields:"))
                .expect("fields line"),
        );
        let source = ex
            .comments
            .iter()
            .find(|c| c.starts_with("source:"))
            .expect("source line");
        let source = source.split(" > ").nth(1).expect("direction");
        let expect = expect_for(&file, source, want.cmd(), ex.message.len(), auth);

        let m = decode(&ex.message, expect).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(m.header, want, "{file}: header fields");
        assert_eq!(
            m.header.length as usize,
            ex.message.len(),
            "{file}: length (§1.6)"
        );
        assert_eq!(
            m.trailer.is_some(),
            auth,
            "{file}: trailer by receiver's auth (§1.6)"
        );
        if file.contains("hdronly") || file.contains("RLst") {
            assert!(
                matches!(m.body, Body::Text(_)),
                "{file}: text layout (§1.7)"
            );
            assert_eq!(
                m.signed_len(),
                48,
                "{file}: MAC covers the header only (§1.7)"
            );
        }
        let mut out = [0u8; 1024];
        let n = encode(&m, &mut out).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(&out[..n], &ex.message[..], "{file}: re-encoding");

        let pad = if matches!(
            expect,
            Expect {
                shape: Shape::Request,
                ..
            }
        ) {
            c_client_padding(m.header.cmd(), auth)
        } else {
            0
        };
        assert_eq!(
            ex.following,
            vec![0u8; pad],
            "{file}: bytes after the message (§6.1)"
        );
    }
}
