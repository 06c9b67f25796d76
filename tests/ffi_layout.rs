//! The committed include/booth.h, read by clang (bindgen), against the Rust side of
//! src/ffi: every struct's size, alignment and field offsets, every constant and every
//! enum value must agree, so a C program compiled with the header sees what the library
//! writes. Needs libclang (Debian `libclang-dev`); skips without it unless
//! BOOTH_RS_REQUIRE_C=1.

use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};
use std::path::Path;

use booth::ffi::*;

/// bindgen's Rust rendering of the header, with layout tests; `None` if no libclang.
fn bindings() -> Option<String> {
    let header = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/booth.h");
    let r = std::panic::catch_unwind(|| {
        bindgen::Builder::default()
            .header(header.display().to_string())
            .layout_tests(true)
            .generate_comments(false)
            .allowlist_item("(booth|BOOTH)_.*")
            .generate()
    });
    match r {
        Ok(Ok(b)) => {
            let s = b.to_string();
            if let Ok(p) = std::env::var("BOOTH_RS_DUMP_BINDGEN") {
                let _ = std::fs::write(p, &s);
            }
            Some(s)
        }
        other => {
            let why = format!(
                "bindgen could not run (libclang missing?): {:?}",
                other.err().is_some()
            );
            if std::env::var("BOOTH_RS_REQUIRE_C").as_deref() == Ok("1") {
                panic!("{why}; install libclang-dev");
            }
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

/// `["<label>"][<expr> - <N>usize]` lines of bindgen's layout tests: label -> N.
/// (prettyplease wraps long ones after the label: the parts are joined first.)
fn layout_facts(text: &str) -> BTreeMap<String, usize> {
    let mut joined: Vec<String> = Vec::new();
    for line in text.lines() {
        match joined.last_mut() {
            Some(prev) if line.trim_start().starts_with("[::") => prev.push_str(line.trim()),
            _ => joined.push(line.to_string()),
        }
    }
    let mut out = BTreeMap::new();
    for line in &joined {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("[\"") else {
            continue;
        };
        let Some((label, rest)) = rest.split_once("\"]") else {
            continue;
        };
        let Some(n) = rest
            .rsplit_once(" - ")
            .and_then(|(_, n)| n.split_once("usize"))
            .and_then(|(n, _)| n.parse().ok())
        else {
            continue;
        };
        out.insert(label.to_string(), n);
    }
    out
}

/// `pub const NAME: TYPE = VALUE;` lines: the name from its `BOOTH_` part -> value.
fn constants(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let Some(value) = rest
            .split_once(" = ")
            .and_then(|(_, v)| v.trim_end_matches(';').parse().ok())
        else {
            continue;
        };
        if let Some(p) = name.find("BOOTH_") {
            out.insert(name[p..].to_string(), value);
        }
    }
    out
}

/// Field sizes of bindgen's struct definitions: "struct::field" -> size in bytes, from
/// the field's type as clang saw it (layout tests check offsets, not field sizes).
fn field_sizes(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line
            .strip_prefix("pub struct ")
            .and_then(|r| r.strip_suffix(" {"))
        {
            current = Some(name.to_string());
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        let (Some(st), Some(field)) = (&current, line.strip_prefix("pub ")) else {
            continue;
        };
        let Some((name, ty)) = field.trim_end_matches(',').split_once(": ") else {
            continue;
        };
        let size = match ty {
            "u8" | "i8" => 1,
            "u16" | "i16" => 2,
            "u32" | "i32" => 4,
            "u64" | "i64" => 8,
            t => t
                .strip_prefix("[::std::os::raw::c_char; ")
                .and_then(|n| n.strip_suffix("usize]"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected field type {t} of {st}::{name}")),
        };
        out.insert(format!("{st}::{name}"), size);
    }
    out
}

/// The size of the field a projection points to.
fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// `NullArgument` -> `NULL_ARGUMENT`.
fn screaming(camel: &str) -> String {
    let mut s = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_uppercase());
    }
    s
}

macro_rules! layout {
    ($facts:expr, $sizes:expr, $t:ident { $($f:ident),* $(,)? }) => {{
        let t = stringify!($t);
        let f = &$facts;
        assert_eq!(f.get(&format!("Size of {t}")), Some(&size_of::<$t>()), "size of {t}");
        assert_eq!(f.get(&format!("Alignment of {t}")), Some(&align_of::<$t>()), "align of {t}");
        let mut fields = 0;
        $(
            let k = format!("Offset of field: {t}::{}", stringify!($f));
            assert_eq!(f.get(&k), Some(&offset_of!($t, $f)), "{k}");
            let k = format!("{t}::{}", stringify!($f));
            assert_eq!($sizes.get(&k), Some(&field_size(|x: &$t| &x.$f)), "size of {k}");
            fields += 1;
        )*
        let in_header = f.keys().filter(|k| k.starts_with(&format!("Offset of field: {t}::"))).count();
        assert_eq!(in_header, fields, "{t}: the header has fields the Rust side lacks");
    }};
}

#[test]
fn header_layouts_and_constants_match_rust() {
    let Some(text) = bindings() else {
        return;
    };
    let facts = layout_facts(&text);
    let sizes = field_sizes(&text);
    layout!(
        facts,
        sizes,
        booth_member {
            addr,
            site_id,
            kind,
            port
        }
    );
    layout!(
        facts,
        sizes,
        booth_ticket {
            name,
            leader,
            expires_text,
            commit_pending_text,
            expires,
            commit_pending_until,
            leader_kind,
            flags,
        }
    );
    layout!(
        facts,
        sizes,
        booth_peer {
            addr,
            last_recv_text,
            last_recv,
            kind,
            sent,
            sent_errors,
            resends,
            received,
            recv_errors,
            authfail,
            invalid,
        }
    );
    layout!(
        facts,
        sizes,
        booth_attr {
            name,
            value,
            set_at_text,
            set_at
        }
    );
    let structs = facts.keys().filter(|k| k.starts_with("Size of ")).count();
    assert_eq!(
        structs, 4,
        "a struct of the header is not checked here: {facts:?}"
    );

    let consts = constants(&text);
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for (n, v) in [
        ("BOOTH_NAME_LEN", BOOTH_NAME_LEN as u64),
        ("BOOTH_ADDR_LEN", BOOTH_ADDR_LEN as u64),
        ("BOOTH_VALUE_LEN", BOOTH_VALUE_LEN as u64),
        ("BOOTH_TIME_LEN", BOOTH_TIME_LEN as u64),
        (
            "BOOTH_TICKET_GRANTED_HERE",
            BOOTH_TICKET_GRANTED_HERE.into(),
        ),
        ("BOOTH_TICKET_MANUAL", BOOTH_TICKET_MANUAL.into()),
        (
            "BOOTH_TICKET_EXPIRES_NEVER",
            BOOTH_TICKET_EXPIRES_NEVER.into(),
        ),
        (
            "BOOTH_TICKET_COMMIT_PENDING",
            BOOTH_TICKET_COMMIT_PENDING.into(),
        ),
        (
            "BOOTH_TICKET_MULTI_GRANTED",
            BOOTH_TICKET_MULTI_GRANTED.into(),
        ),
        ("BOOTH_GRANT_FORCE", BOOTH_GRANT_FORCE.into()),
        ("BOOTH_GRANT_WAIT", BOOTH_GRANT_WAIT.into()),
        ("BOOTH_GRANT_WAIT_COMMIT", BOOTH_GRANT_WAIT_COMMIT.into()),
    ] {
        want.insert(n.to_string(), v);
    }
    for r in booth_result::all() {
        want.insert(
            format!("BOOTH_RESULT_{}", screaming(&format!("{r:?}"))),
            *r as u64,
        );
    }
    for l in [
        booth_leader::Unknown,
        booth_leader::NoOne,
        booth_leader::Member,
    ] {
        want.insert(
            format!("BOOTH_LEADER_{}", screaming(&format!("{l:?}"))),
            l as u64,
        );
    }
    for k in [booth_member_kind::Site, booth_member_kind::Arbitrator] {
        want.insert(
            format!("BOOTH_MEMBER_KIND_{}", screaming(&format!("{k:?}"))),
            k as u64,
        );
    }
    for o in [
        booth_outcome::Done,
        booth_outcome::Async,
        booth_outcome::CommitPending,
        booth_outcome::NotOwned,
        booth_outcome::InProgress,
    ] {
        want.insert(
            format!("BOOTH_OUTCOME_{}", screaming(&format!("{o:?}"))),
            o as u64,
        );
    }
    assert_eq!(
        consts, want,
        "constants of the header (left) vs src/ffi (right)"
    );
}

#[test]
fn layout_parsers_read_bindgen_lines() {
    let f = layout_facts(
        "    [\"Size of booth_attr\"][::std::mem::size_of::<booth_attr>() - 224usize];\n\
         [\"Offset of field: booth_member::site_id\"]\n        \
         [::std::mem::offset_of!(booth_member, site_id) - 64usize];\n",
    );
    assert_eq!(f.get("Size of booth_attr"), Some(&224));
    assert_eq!(f.get("Offset of field: booth_member::site_id"), Some(&64));
    let c = constants("pub const booth_result_BOOTH_RESULT_OK: booth_result = 0;\npub const BOOTH_NAME_LEN: u32 = 64;\n");
    assert_eq!(c.get("BOOTH_RESULT_OK"), Some(&0));
    assert_eq!(c.get("BOOTH_NAME_LEN"), Some(&64));
}
