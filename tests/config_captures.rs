//! The configurations the C captures were recorded with
//! (tests/vectors/captures/README.md, "Configurations"), parsed to what the captures show.

use booth::config::{parse, Config, MemberKind, TicketMode, Transport};

const NOAUTH: &str = "transport = UDP
port = 9929
site = 192.168.77.11
site = 192.168.77.12
arbitrator = 192.168.77.101
ticket = \"tA\"
    expire = 20
    timeout = 2
    retries = 3
";

fn check_common(c: &Config) {
    assert_eq!(c.transport, Transport::Udp);
    assert_eq!(c.port, 9929);
    let ids: Vec<(MemberKind, &str, u32, u16)> = c
        .members
        .iter()
        .map(|m| (m.kind, m.addr_text.as_str(), m.site_id, m.port))
        .collect();
    assert_eq!(
        ids,
        [
            (MemberKind::Site, "192.168.77.11", 0x5267_d502, 9929),
            (MemberKind::Site, "192.168.77.12", 0x4c03_40a1, 9929),
            (MemberKind::Arbitrator, "192.168.77.101", 0x786d_995d, 9929),
        ]
    );
    assert_eq!(c.tickets.len(), 1);
    let t = &c.tickets[0];
    assert_eq!(t.name, "tA");
    assert_eq!((t.expire_ms, t.retries, t.acquire_after_ms), (20_000, 3, 0));
    // noauth-4-renewal: "every 10 s (expire/2)".
    assert_eq!((t.renewal_freq_ms, t.renewal_freq_set), (10_000, false));
    assert_eq!(t.mode, TicketMode::Automatic);
    assert!(c.warnings.is_empty());
}

#[test]
fn noauth() {
    let c = parse(NOAUTH, "/tmp/booth-lab/nodes/site1/booth.conf").unwrap();
    check_common(&c);
    assert_eq!(c.tickets[0].timeout_ms, 2_000);
    assert!(!c.auth_enabled());
    assert_eq!(c.name, "booth");
    // noauth-3-grant: term_valid_for in seconds (19).
    assert_eq!(c.time_multiplier, 1);
    assert_eq!(c.poll_timeout_ms, 100);
}

#[test]
fn auth() {
    let text = NOAUTH.replace(
        "arbitrator = 192.168.77.101\n",
        "arbitrator = 192.168.77.101\nauthfile = /tmp/booth-lab/nodes/site1/authkey\n",
    );
    let c = parse(&text, "/tmp/booth-lab/nodes/site1/booth.conf").unwrap();
    check_common(&c);
    assert_eq!(
        c.authfile.as_deref(),
        Some(std::path::Path::new("/tmp/booth-lab/nodes/site1/authkey"))
    );
    // auth README: "within maxtimeskew (600 s)".
    assert_eq!(c.maxtimeskew, 600);
}

#[test]
fn noauth_ms_timeout() {
    let text = NOAUTH.replace("timeout = 2\n", "timeout = 1500ms\n");
    let c = parse(&text, "/tmp/booth-lab/nodes/site1/booth.conf").unwrap();
    check_common(&c);
    assert_eq!(c.tickets[0].timeout_ms, 1_500);
    // noauth-ms-timeout-grant: term_valid_for in milliseconds (19999).
    assert_eq!(c.time_multiplier, 1000);
    assert_eq!(c.min_timeout_ms, Some(1_500));
    assert_eq!(c.poll_timeout_ms, 100);
}
