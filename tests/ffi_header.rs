//! include/booth.h is generated from src/ffi by cbindgen and committed; this test fails
//! when the committed header differs from a fresh generation (rustls-ffi's drift check).
//! `BOOTH_RS_BLESS=1 cargo test --test ffi_header` rewrites it.

use std::path::Path;

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .with_src(root.join("src/ffi/types.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

#[test]
fn committed_header_matches_a_fresh_generation() {
    let fresh = generate();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/booth.h");
    if std::env::var("BOOTH_RS_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &fresh).expect("write include/booth.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/booth.h is stale: run `BOOTH_RS_BLESS=1 cargo test --test ffi_header` \
         and commit it.\n--- fresh ---\n{fresh}"
    );
}

/// Every exported function of src/ffi is declared, and nothing else links by accident.
#[test]
fn header_declares_the_whole_api() {
    let h = generate();
    for f in [
        "booth_version",
        "booth_strerror",
        "booth_open",
        "booth_close",
        "booth_last_message",
        "booth_local_member",
        "booth_list",
        "booth_peers",
        "booth_grant",
        "booth_revoke",
        "booth_geo_list",
        "booth_geo_get",
        "booth_geo_set",
        "booth_geo_delete",
        "booth_ticket_list_len",
        "booth_ticket_list_get",
        "booth_ticket_list_free",
        "booth_peer_list_len",
        "booth_peer_list_get",
        "booth_peer_list_free",
        "booth_attr_list_len",
        "booth_attr_list_get",
        "booth_attr_list_free",
    ] {
        assert!(h.contains(&format!(" {f}(")), "{f} missing from the header");
    }
    assert!(h.contains("#ifndef BOOTH_H"));
    assert!(h.contains("BOOTH_RESULT_OK = 0"));
}
