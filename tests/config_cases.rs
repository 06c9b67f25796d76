//! Table-driven booth.conf cases: what Debian's boothd 1.0 accepts we accept with the
//! same values, what it rejects we reject with C's messages and line numbers.
//!
//! Each case names what it checks and cites surface.md / wire.md / consensus.md. Every
//! case was also run through the C binary: set `BOOTH_C_ORACLE` to a command prefix
//! that runs the C `booth` (e.g. `ip netns exec cfgtest timeout 5 booth`, in a network
//! namespace without IPv6, see surface.md §2.5) and run
//! `cargo test --test config_cases -- --ignored c_oracle_agrees`.

use booth::config::{
    parse, parse_with, AttrOp, Config, ConfigError, ErrorKind, GrantType, MemberKind, TicketMode,
    Transport, Warning,
};
use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;

/// Three members on loopback: lines 1–3 of most cases.
const BASE: &str = "site = 127.0.0.1\nsite = 127.0.0.2\narbitrator = 127.0.0.3\n";

enum Expect {
    /// Accepted; the function asserts the parsed values.
    Ok(fn(&Config)),
    /// Rejected at this line with exactly these C log lines (prefix stripped; empty:
    /// only the line is checked here, the C oracle checks the text).
    Err(usize, Vec<String>),
}

struct Case {
    name: &'static str,
    spec: &'static str,
    /// File name to parse as (default: `<name>.conf`).
    file: Option<String>,
    text: String,
    expect: Expect,
}

fn based(rest: &str) -> String {
    format!("{BASE}{rest}")
}

fn case(name: &'static str, spec: &'static str, text: String, expect: Expect) -> Case {
    Case {
        name,
        spec,
        file: None,
        text,
        expect,
    }
}

/// The resolver of the test namespace: only `localhost` (from /etc/hosts).
fn hosts(host: &str) -> Option<IpAddr> {
    (host == "localhost").then(|| IpAddr::from([127, 0, 0, 1]))
}

fn t<'a>(c: &'a Config, name: &str) -> &'a booth::config::Ticket {
    c.ticket(name)
        .unwrap_or_else(|| panic!("ticket {name} missing"))
}

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    use Expect::Ok as O;
    #[allow(non_snake_case)]
    fn E(line: usize, lines: &[&str]) -> Expect {
        Expect::Err(line, lines.iter().map(|l| (*l).to_owned()).collect())
    }
    let a64 = "a".repeat(64);
    let a63 = "a".repeat(63);
    let many: String = (1..=16).map(|i| format!("site = 10.0.0.{i}\n")).collect();
    vec![
        // ---- lexical rules, surface.md §1.2 / §8.2 ----
        case("unexpected_keyword_before_ticket", "§1.2.8 §8.2", based("foo = bar\n"),
            E(4, &["Unexpected keyword \"foo\" in config file line 4"])),
        case("unknown_keyword_after_ticket", "§1.2.8 §8.2", based("ticket = A\nfoo = bar\n"),
            E(5, &["Unknown keyword \"foo\" in config file line 5"])),
        case("ticket_key_before_any_ticket", "§1.2.8 §8.2", based("expire = 100\n"),
            E(4, &["Unexpected keyword \"expire\" in config file line 4"])),
        case("indentation_does_not_open_a_ticket", "§1.2.2", based("  timeout = 2\n"),
            E(4, &["Unexpected keyword \"timeout\" in config file line 4"])),
        case("underscore_spelling_is_unknown", "§1.2.3 §8.2", based("ticket = A\nacquire_after = 5\n"),
            E(5, &["Unknown keyword \"acquire_after\" in config file line 5"])),
        case("rhel_enable_authfile_accepted", "§1.4 (deliberate: pcs booth setup writes it)",
            based("authfile = /etc/booth/booth.key\nenable-authfile = yes\n"),
            O(|c| {
                assert_eq!(c.authfile, Some(PathBuf::from("/etc/booth/booth.key")));
                assert!(c.warnings.iter().all(|w| !matches!(w, Warning::EnableAuthfileNotYes { .. })));
            })),
        case("rhel_enable_authfile_no_still_authenticates", "§1.4 (deliberate)",
            based("authfile = /etc/booth/booth.key\nenable-authfile = no\n"),
            O(|c| {
                assert!(c.auth_enabled());
                assert!(c.warnings.contains(&Warning::EnableAuthfileNotYes { line: 5, value: "no".into() }));
            })),
        case("missing_equals", "§1.2.4 §8.2", based("ticket A\n"),
            E(4, &["Expected '=' after key in config file line 4"])),
        case("key_at_end_of_line", "§1.2.4", based("ticket\n"),
            E(4, &["Expected '=' after key in config file line 4"])),
        case("no_key", "§1.2.3 §8.2", based("= 5\n"), E(4, &["No key in config file line 4"])),
        case("quoted_key_is_no_key", "§1.2.3", based("\"ticket\" = A\n"),
            E(4, &["No key in config file line 4"])),
        case("unterminated_quote", "§1.2.5 §8.2", based("ticket = \"A\n"),
            E(4, &["Unterminated quoted string in config file line 4"])),
        case("surplus_after_quote", "§1.2.5 §8.2", based("ticket = \"A\" x\n"),
            E(4, &["Surplus data after value in config file line 4"])),
        case("no_value", "§1.2.5 §8.2", based("ticket =\n"), E(4, &["No value in config file line 4"])),
        case("value_of_65_bytes", "§1.2.7 §8.2", based(&format!("ticket = {a64}a\n")),
            E(4, &["key/value too long in config file line 4"])),
        case("key_of_65_bytes", "§1.2.7", based(&format!("{a64}a = 1\n")),
            E(4, &["key/value too long in config file line 4"])),
        case("value_of_64_bytes_accepted", "§1.2.7", based(&format!("authfile = /{}\n", "k".repeat(63))),
            O(|c| assert_eq!(c.authfile.as_ref().map(|p| p.as_os_str().len()), Some(64)))),
        case("comment_after_quoted_value", "§1.2.5 §8.2", based("ticket = \"A\"   # a comment\n"),
            O(|c| assert_eq!(c.tickets[0].name, "A"))),
        case("hash_is_not_a_comment_after_unquoted_value", "§1.2.5 Q16 §8.2",
            based("ticket = A   # trailing comment on unquoted value\n"),
            E(4, &["ticket name \"A   # trailing comment on unquoted value\" invalid; only alphanumeric names.",
                " in config file line 4"])),
        case("single_quotes_keep_double_quotes", "§1.2.5", based("ticket = 'A\"'\n"),
            E(4, &["ticket name \"A\"\" invalid; only alphanumeric names.", " in config file line 4"])),
        case("crlf_line_endings", "§1.2.5 §8.2",
            "site = 127.0.0.1\r\nsite = 127.0.0.2\r\narbitrator = 127.0.0.3\r\nticket = A\r\n  expire = 120\r\n".into(),
            O(|c| {
                assert_eq!(c.members[2].addr_text, "127.0.0.3");
                assert_eq!(t(c, "A").expire_ms, 120_000);
            })),
        case("long_comment_continues_as_a_new_line", "§1.2.1 §8.2",
            based(&format!("# {} = y\n", "x".repeat(1100))),
            E(5, &["key/value too long in config file line 5"])),
        case("backslash_is_no_continuation", "§1.2.6 §8.2", based("ticket = A\ntimeout = 1\\\n"),
            E(5, &["Expected time >0 for timeout in config file line 5"])),
        case("nul_byte_ends_the_line_for_c", "§1.2 (C strings)", based("ticket = A\0junk\n"),
            O(|c| assert_eq!(c.tickets[0].name, "A"))),
        case("empty_file", "§1.3 §1.7", String::new(),
            O(|c| {
                assert!(c.members.is_empty() && c.tickets.is_empty());
                assert_eq!(c.name, "empty_file");
                assert_eq!(c.warnings, vec![Warning::EvenMemberCount(0)]);
            })),
        case("line_of_exactly_1023_bytes_counts_twice", "§1.2.1 (fgets; found with the C binary)",
            based(&format!("# {}\nfoo = bar\n", "x".repeat(1021))),
            E(6, &["Unexpected keyword \"foo\" in config file line 6"])),
        case("quote_cut_by_the_chunk_limit", "§1.2.1", based(&format!("ticket = \"{}\"\n", "q".repeat(1100))),
            E(4, &["Unterminated quoted string in config file line 4"])),
        case("nul_inside_quotes_cuts_the_line", "§1.2 (C strings)", based("ticket = \"A\0\"\n"),
            E(4, &["Unterminated quoted string in config file line 4"])),
        case("vertical_tab_is_white_space", "§1.2.2 (C isspace)", based("ticket = A\x0b\n"),
            O(|c| assert_eq!(c.tickets[0].name, "A"))),
        case("tabs_around_equals", "§1.2.4", based("ticket\t=\tA\t\n"), O(|c| assert_eq!(c.tickets[0].name, "A"))),
        case("comment_right_after_quote", "§1.2.5", based("ticket = \"A\"#c\n"), O(|c| assert_eq!(c.tickets[0].name, "A"))),
        case("surplus_after_single_quote", "§1.2.5", based("ticket = 'A' b\n"),
            E(4, &["Surplus data after value in config file line 4"])),
        case("quote_inside_unquoted_value", "§1.2.5", based("ticket = A\"B\n"),
            E(4, &["ticket name \"A\"B\" invalid; only alphanumeric names.", " in config file line 4"])),
        case("second_equals_is_part_of_value", "§1.2.5", based("ticket == A\n"),
            E(4, &["ticket name \"= A\" invalid; only alphanumeric names.", " in config file line 4"])),
        case("underscore_key_is_not_dash_key", "§1.2.3", based("site_user = x\n"),
            E(4, &["Unexpected keyword \"site_user\" in config file line 4"])),
        case("global_key_after_tickets", "§1.2.8", based("ticket = A\nsite = 127.0.0.4\n"),
            O(|c| {
                assert_eq!(c.members.len(), 4);
                assert_eq!(c.warnings, vec![Warning::EvenMemberCount(4)]);
            })),
        // ---- global keys, §1.4 ----
        case("global_defaults", "§1.4 §1.10", BASE.into(),
            O(|c| {
                assert_eq!(c.transport, Transport::Udp);
                assert_eq!(c.port, 9929);
                assert!(c.members.iter().all(|m| m.port == 9929));
                assert_eq!(c.authfile, None);
                assert_eq!(c.maxtimeskew, 600);
                assert_eq!(c.debug, 0);
                assert_eq!(c.run_as.site_user, "hacluster");
                assert_eq!(c.run_as.site_group, "haclient");
                assert_eq!(c.run_as.arbitrator_user, "nobody");
                assert_eq!(c.run_as.arbitrator_group, "nobody");
                assert_eq!(c.time_multiplier, 1);
                assert_eq!(c.poll_timeout_ms, 100);
                assert!(c.warnings.is_empty());
            })),
        case("transport_invalid", "§1.4 §8.2", based("transport = SNEAKERNET\n"),
            E(4, &["invalid transport protocol \"SNEAKERNET\" in config file line 4"])),
        case("transport_twice", "§1.4 §8.2", based("transport = udp\ntransport = UDP\n"),
            E(5, &["config file has multiple transport lines in config file line 5"])),
        case("transport_sctp_any_case", "§1.4 Q10", based("transport = sctp\n"),
            O(|c| assert_eq!(c.transport, Transport::Sctp))),
        case("port_not_a_number_is_0", "§1.4 Q9 §8.2", format!("port = abc\n{BASE}"),
            O(|c| {
                assert_eq!(c.port, 0);
                assert_eq!(c.members[0].port, 0);
                assert!(matches!(c.warnings[0], Warning::PortNotValid { used: 0, .. }));
            })),
        case("port_truncated_to_16_bits", "§1.4 Q9", format!("port = 70000\n{BASE}"),
            O(|c| assert_eq!(c.port, 4464))),
        case("port_ordering_quirk", "§1.4 Q21 §8.12 wire §5.1",
            "port=47373\nsite=\"127.0.0.1\"\nport=47374\nsite = 127.0.0.2\narbitrator = 127.0.0.3\nticket=tA\n".into(),
            O(|c| {
                assert_eq!(c.port, 47374);
                let ports: Vec<u16> = c.members.iter().map(|m| m.port).collect();
                assert_eq!(ports, [47373, 47374, 47374]);
                assert_eq!(c.warnings, vec![Warning::PortAfterMembers { line: 3 }]);
            })),
        case("name_of_63_bytes_too_long", "§1.4 §8.2", based(&format!("name = {a63}\n")),
            E(4, &[])),
        case("name_of_62_bytes", "§1.4", based(&format!("name = {}\n", "n".repeat(62))),
            O(|c| assert_eq!(c.name.len(), 62))),
        case("name_empty_means_file_name", "§1.4 Q24 §8.12", based("name = \"\"\n"),
            O(|c| assert_eq!(c.name, "name_empty_means_file_name"))),
        case("name_key", "§1.1 §1.4", based("name = geo1\n"), O(|c| assert_eq!(c.name, "geo1"))),
        case("authfile_and_maxtimeskew", "§1.4 §1.9", based("authfile = /etc/booth/authkey\nmaxtimeskew = 30\n"),
            O(|c| {
                assert_eq!(c.authfile, Some(PathBuf::from("/etc/booth/authkey")));
                assert!(c.auth_enabled());
                assert_eq!(c.maxtimeskew, 30);
            })),
        case("authfile_empty_means_no_auth", "§1.4 §1.9", based("authfile = \"\"\n"),
            O(|c| assert!(!c.auth_enabled()))),
        case("debug_keeps_the_largest", "§1.4", based("debug = 3\nticket = A\ndebug = 1\n"),
            O(|c| assert_eq!(c.debug, 3))),
        case("run_as_keys_take_config_values", "§1.10 Q2 (deliberate: C stores an argv string)",
            based("site-user = root\nsite-group = 0\narbitrator-user = daemon\narbitrator-group = nogroup\n"),
            O(|c| {
                assert_eq!(c.run_as.site_user, "root");
                assert_eq!(c.run_as.site_group, "0");
                assert_eq!(c.run_as.arbitrator_user, "daemon");
                assert_eq!(c.run_as.arbitrator_group, "nogroup");
            })),
        // ---- tickets, §1.5 ----
        case("ticket_defaults", "§1.5 consensus §0.2", based("ticket = A\n"),
            O(|c| {
                let a = t(c, "A");
                assert_eq!((a.expire_ms, a.timeout_ms, a.retries), (600_000, 5_000, 10));
                assert_eq!((a.renewal_freq_ms, a.renewal_freq_set, a.acquire_after_ms), (300_000, false, 0));
                assert_eq!(a.mode, TicketMode::Automatic);
                assert_eq!(a.weights, [0; 16]);
                assert!(a.handler.is_none() && a.attr_prereqs.is_empty());
                assert_eq!(a.line, 4);
            })),
        case("ticket_name_with_underscore", "§1.5 §8.2", based("ticket = tk_A\n"),
            E(4, &["ticket name \"tk_A\" invalid; only alphanumeric names.", " in config file line 4"])),
        case("ticket_name_slash_and_dash", "§1.5 §8.2", based("ticket = tk/A-1\n"),
            O(|c| assert_eq!(c.tickets[0].name, "tk/A-1"))),
        case("ticket_name_of_63_bytes", "§1.5 §8.2", based(&format!("ticket = {a63}\n")),
            O(|c| assert_eq!(c.tickets[0].name.len(), 63))),
        case("ticket_name_of_64_bytes", "§1.5 §8.2", based(&format!("ticket = {a64}\n")),
            E(4, &[&format!("ticket name \"{}\" too long.", "a".repeat(64)),
                " in config file line 4"])),
        case("ticket_used_again", "§1.5 §8.2", based("ticket = A\nticket = A\n"),
            E(5, &["ticket name \"A\" used again.", " in config file line 5"])),
        case("ticket_empty_name_used_again", "§1.5 §8.2", based("ticket = \"\"\n"),
            E(4, &["ticket name \"\" used again.", " in config file line 4"])),
        case("ticket_v01_syntax", "§1.4", based("ticket=\"name;600;1,2,2\"\n"),
            E(4, &["ticket name \"name;600;1,2,2\" invalid; only alphanumeric names.", " in config file line 4"])),
        case("no_tickets_at_all", "§8.2", BASE.into(), O(|c| assert!(c.tickets.is_empty()))),
        case("retries_below_3", "§1.5 §8.2", based("ticket = A\nretries = 2\n"),
            E(5, &["Expected plain integer value in the range [3, 100] for retries in config file line 5"])),
        case("retries_above_100", "§1.5", based("ticket = A\nretries = 101\nexpire = 6000\n"),
            E(5, &["Expected plain integer value in the range [3, 100] for retries in config file line 5"])),
        case("retries_hex", "§1.5 §8.2", based("ticket = A\nretries = 0x10\n"),
            O(|c| assert_eq!(t(c, "A").retries, 16))),
        case("retries_octal", "§1.5", based("ticket = A\nretries = 010\n"),
            O(|c| assert_eq!(t(c, "A").retries, 8))),
        case("retries_bad_octal", "§1.5", based("ticket = A\nretries = 08\n"),
            E(5, &["Expected plain integer value in the range [3, 100] for retries in config file line 5"])),
        case("retries_int_truncation", "§1.5 (C int; found with the C binary)", based("ticket = A\nretries = 4294967299\n"),
            O(|c| assert_eq!(t(c, "A").retries, 3))),
        case("expire_with_s_suffix", "§1.6 §8.2", based("ticket = A\nexpire = 10s\n"),
            E(5, &["Expected time >0 for expire in config file line 5"])),
        case("expire_zero", "§1.6 §8.2", based("ticket = A\nexpire = 0\n"),
            E(5, &["Expected time >0 for expire in config file line 5"])),
        case("expire_fraction", "§1.6", based("ticket = A\nexpire = 1.5\n"),
            E(5, &["Expected time >0 for expire in config file line 5"])),
        case("timeout_space_before_ms", "§1.6", based("ticket = A\ntimeout = 5 ms\n"),
            E(5, &["Expected time >0 for timeout in config file line 5"])),
        case("timeout_in_ms_switches_wire_unit", "§1.6 §8.2 wire §1.3.1 Q15",
            based("ticket = A\ntimeout = 500ms\nticket = B\n"),
            O(|c| {
                assert_eq!(t(c, "A").timeout_ms, 500);
                assert_eq!(c.time_multiplier, 1000);
                assert_eq!(c.min_timeout_ms, Some(500));
                assert_eq!(c.poll_timeout_ms, 50);
            })),
        case("whole_seconds_in_ms_keep_seconds", "wire §1.3.1", based("ticket = A\ntimeout = 2000ms\n"),
            O(|c| {
                assert_eq!(t(c, "A").timeout_ms, 2000);
                assert_eq!(c.time_multiplier, 1);
                assert_eq!(c.poll_timeout_ms, 100);
            })),
        case("quoted_time_with_leading_blank_and_sign", "§1.6 (strtol)", based("ticket = A\nexpire = \" +120\"\n"),
            O(|c| assert_eq!(t(c, "A").expire_ms, 120_000))),
        case("acquire_after_negative", "§1.5", based("ticket = A\nacquire-after = -1\n"),
            E(5, &["Expected time >=0 for acquire-after in config file line 5"])),
        case("acquire_after_zero_and_ms", "§1.5", based("ticket = A\nacquire-after = 0\nticket = B\nacquire-after = 2500ms\n"),
            O(|c| {
                assert_eq!(t(c, "A").acquire_after_ms, 0);
                assert_eq!(t(c, "B").acquire_after_ms, 2500);
                assert_eq!(c.time_multiplier, 1000);
            })),
        case("renewal_freq_zero", "§1.5", based("ticket = A\nrenewal-freq = 0\n"),
            E(5, &["Expected time >0 for renewal-freq in config file line 5"])),
        case("renewal_freq_set", "§1.5", based("ticket = A\nrenewal-freq = 100\n"),
            O(|c| {
                let a = t(c, "A");
                assert_eq!((a.renewal_freq_ms, a.renewal_freq_set), (100_000, true));
            })),
        case("renewal_check_at_end_of_file", "§1.5 §8.2", based("ticket = A\nexpire = 20\ntimeout = 1\n"),
            E(6, &["A: total amount of time to retry sending packets cannot exceed renewal frequency (1000*(10+1) >= 10000)",
                " in config file line 6"])),
        case("renewal_check_at_next_ticket_line", "§1.5", based("ticket = A\nexpire = 30\nticket = B\n# end\n"),
            E(6, &["A: total amount of time to retry sending packets cannot exceed renewal frequency (5000*(10+1) >= 15000)",
                " in config file line 6"])),
        case("renewal_not_before_expiry_is_accepted", "consensus §0.2", based("ticket = A\nrenewal-freq = 900\n"),
            O(|c| assert_eq!(c.warnings, vec![Warning::RenewalNotBeforeExpiry { ticket: "A".into() }]))),
        case("expire_seconds_wrap_in_c_int", "§1.6 (C long->int; found with the C binary)",
            based("ticket = A\nexpire = 4294968\n"),
            E(5, &["A: total amount of time to retry sending packets cannot exceed renewal frequency (5000*(10+1) >= 352)",
                " in config file line 5"])),
        case("expire_beyond_int_is_negative", "§1.6 (C int; found with the C binary)", based("ticket = A\nexpire = 2147484\n"),
            E(5, &["Expected time >0 for expire in config file line 5"])),
        case("retry_product_overflow_passes_the_check", "§1.5 (C int; found with the C binary)",
            based("ticket = A\nexpire = 2000000\ntimeout = 300000\n"),
            O(|c| assert_eq!(t(c, "A").timeout_ms, 300_000_000))),
        case("defaults_template_check_has_empty_name", "§1.5 §8.2",
            based("ticket = A\nticket = __defaults__\nexpire = 30\nticket = B\n"),
            E(7, &[": total amount of time to retry sending packets cannot exceed renewal frequency (5000*(10+1) >= 15000)",
                " in config file line 7"])),
        case("defaults_inherit_only_five_keys", "§1.5 Q14 consensus §0.2",
            based("ticket = before\nticket = \"__defaults__\"\nexpire = 60\ntimeout = 2\nretries = 3\nweights = 1,2\nmode = manual\n\
                   acquire-after = 1500ms\nrenewal-freq = 20\nbefore-acquire-handler = /bin/true\nattr-prereq = auto a eq b\n\
                   ticket = after\n"),
            O(|c| {
                let b = t(c, "before");
                assert_eq!((b.expire_ms, b.timeout_ms, b.retries, b.mode), (600_000, 5_000, 10, TicketMode::Automatic));
                let a = t(c, "after");
                assert_eq!((a.expire_ms, a.timeout_ms, a.retries, a.mode), (60_000, 2_000, 3, TicketMode::Manual));
                assert_eq!(a.weights[..3], [1, 2, 0]);
                assert_eq!((a.acquire_after_ms, a.renewal_freq_ms, a.renewal_freq_set), (0, 30_000, false));
                assert!(a.handler.is_none() && a.attr_prereqs.is_empty());
                assert_eq!(c.tickets.len(), 2);
                // wire §1.3.1: the template's 1500ms still switches the unit.
                assert_eq!(c.time_multiplier, 1000);
                assert_eq!(c.min_timeout_ms, Some(2000));
            })),
        case("defaults_selected_twice_renewal_sticks", "§1.5 (template keeps its computed renewal-freq; found with the C binary)",
            based("ticket = __defaults__\nticket = __defaults__\nexpire = 30\n"),
            O(|c| assert!(c.tickets.is_empty()))),
        case("defaults_handler_still_validated", "§1.5 §4.1",
            based("ticket = __defaults__\nbefore-acquire-handler = /x 1 2 3 4 5 6 7 8 9 a b c d e f\n"),
            E(5, &["too many arguments for the acquire-handler", " in config file line 5"])),
        case("empty_weights_mode_and_handler", "§1.5 §4.1 (found with the C binary)",
            based("ticket = A\nweights = \"\"\nmode = \"\"\nbefore-acquire-handler = \"\"\n"),
            O(|c| {
                let a = t(c, "A");
                assert_eq!((a.weights, a.mode), ([0; 16], TicketMode::Automatic));
                let h = a.handler.as_ref().expect("an empty handler is still a handler in C");
                assert!(h.argv.is_empty() && h.path.as_os_str().is_empty());
            })),
        case("mode_manual_any_case_and_bogus", "§1.5 §8.2", based("ticket = A\nmode = MANUAL\nticket = B\nmode = bogus\n"),
            O(|c| {
                assert_eq!(t(c, "A").mode, TicketMode::Manual);
                assert_eq!(t(c, "B").mode, TicketMode::Automatic);
            })),
        case("weights_separators", "§1.5 §8.2", based("ticket = A\nweights = 1 2;3:4-5+6\n"),
            O(|c| assert_eq!(t(c, "A").weights[..7], [1, 2, 3, 4, 5, 6, 0]))),
        case("weights_first_sign_and_hex", "§1.5 (strtol base 0)", based("ticket = A\nweights = -7, 0x10 010\n"),
            O(|c| assert_eq!(t(c, "A").weights[..3], [-7, 16, 8]))),
        case("weights_bad_character", "§1.5 §8.2", based("ticket = A\nweights = 1,x\n"),
            E(5, &["Invalid character at \"x\"", " in config file line 5"])),
        case("weights_no_number", "§1.5", based("ticket = A\nweights = x\n"),
            E(5, &["No integer weight value at \"x\"", " in config file line 5"])),
        case("weights_rest_after_16_ignored", "§1.5 (found with the C binary)",
            based("ticket = A\nweights = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 x\n"),
            O(|c| assert_eq!(t(c, "A").weights[15], 16))),
        case("weights_16th_followed_by_garbage", "§1.5 (found with the C binary)",
            based("ticket = A\nweights = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16,x\n"),
            E(5, &["Invalid character at \"x\"", " in config file line 5"])),
        case("handler_split_on_blanks_without_quoting", "§4.1 §8.12",
            based("ticket = A\nbefore-acquire-handler = /usr/lib/h.sh arg1 'arg 2'\n"),
            O(|c| {
                let h = t(c, "A").handler.as_ref().expect("handler");
                assert_eq!(h.path, PathBuf::from("/usr/lib/h.sh"));
                let argv: Vec<OsString> = ["/usr/lib/h.sh", "arg1", "'arg", "2'"].iter().map(OsString::from).collect();
                assert_eq!(h.argv, argv);
            })),
        case("handler_14_arguments", "§4.1 §8.2", based("ticket = A\nbefore-acquire-handler = /x 1 2 3 4 5 6 7 8 9 a b c d e\n"),
            O(|c| assert_eq!(t(c, "A").handler.as_ref().map(|h| h.argv.len()), Some(15)))),
        case("handler_15_arguments", "§4.1 §8.2", based("ticket = A\nbefore-acquire-handler = /x 1 2 3 4 5 6 7 8 9 a b c d e f\n"),
            E(5, &["too many arguments for the acquire-handler", " in config file line 5"])),
        case("attr_prereq_not_a_grant_type", "§4.3 §8.2", based("ticket = A\nattr-prereq = sometimes x eq y\n"),
            E(5, &["sometimes is not a grant type", " in config file line 5"])),
        case("attr_prereq_not_an_operation", "§4.3 §8.2", based("ticket = A\nattr-prereq = auto x gt y\n"),
            E(5, &["gt is not an attribute operation", " in config file line 5"])),
        case("attr_prereq_three_tokens", "§4.3 §8.2", based("ticket = A\nattr-prereq = auto x eq\n"),
            E(5, &["not enough arguments to attr-prereq", " in config file line 5"])),
        case("attr_prereq_case_sensitive", "§4.3", based("ticket = A\nattr-prereq = Auto x eq y\n"),
            E(5, &["Auto is not a grant type", " in config file line 5"])),
        case("attr_prereq_accumulate_extra_ignored", "§4.3 §8.12",
            based("ticket = A\nattr-prereq = manual repl eq ok\nattr-prereq = auto\tsite ne down extra\n"),
            O(|c| {
                let p = &t(c, "A").attr_prereqs;
                assert_eq!(p.len(), 2);
                assert_eq!((p[0].grant_type, p[0].name.as_str(), p[0].op, p[0].value.as_str()),
                    (GrantType::Manual, "repl", AttrOp::Eq, "ok"));
                assert_eq!((p[1].grant_type, p[1].name.as_str(), p[1].op, p[1].value.as_str()),
                    (GrantType::Auto, "site", AttrOp::Ne, "down"));
            })),
        // ---- members, §1.7, wire §3 ----
        case("members_in_file_order", "§1.7 wire §3 consensus §0.3", based("ticket = A\n"),
            O(|c| {
                let m = &c.members;
                assert_eq!(m.len(), 3);
                assert_eq!((m[0].kind, m[2].kind), (MemberKind::Site, MemberKind::Arbitrator));
                assert_eq!(m[1].site_id, 0x7C16_0EFA);
                assert_eq!(m[1].addr, IpAddr::from([127, 0, 0, 2]));
                assert_eq!((m[2].index, m[2].bit(), m[2].line), (2, 4, 3));
                assert_eq!((c.all_bits(), c.site_bits()), (7, 3));
                assert_eq!(c.member_by_id(0x651F_5F40).map(|m| m.addr_text.as_str()), Some("127.0.0.1"));
            })),
        case("address_not_resolvable", "§1.7 §8.2", based("site = 999.1.1.1\n"),
            E(4, &["can't find IP for the host \"999.1.1.1\"", "Address string \"999.1.1.1\" is bad",
                " in config file line 4"])),
        case("host_name_replaced_by_address", "§1.7 §8.2 wire §3.1", "site = localhost\nsite = 127.0.0.2\n".into(),
            O(|c| {
                assert_eq!(c.members[0].addr_text, "127.0.0.1");
                assert_eq!(c.members[0].site_id, 0x651F_5F40);
                assert_eq!(c.warnings, vec![Warning::EvenMemberCount(2)]);
            })),
        case("ipv6_literal_kept_as_written", "§1.7 wire §3.1 §9.1", "site = ::FFFF:192.168.202.100\n".into(),
            O(|c| {
                assert_eq!(c.members[0].addr_text, "::FFFF:192.168.202.100");
                assert_eq!(c.members[0].site_id, 418_864_974);
            })),
        case("address_of_64_bytes", "§1.7", based(&format!("site = {a64}\n")),
            E(4, &[&format!("site address \"{}\" too long", "a".repeat(64)),
                " in config file line 4"])),
        case("sixteen_members", "§1.7", many.clone(), O(|c| assert_eq!(c.members.len(), 16))),
        case("seventeen_members", "§1.7", format!("{many}arbitrator = 10.0.1.1\n"),
            E(17, &["too many nodes", " in config file line 17"])),
        case("same_address_twice_collides", "§1.7 wire §3.1", based("site = 127.0.0.1\n"),
            E(4, &["Got a site-ID collision. Please file a bug on https://github.com/ClusterLabs/booth/issues/new, attaching the configuration file."])),
        case("crc_partner_collides", "wire §3.1 step 5", "site = 192.168.1.1\nsite = 19.39.52.90\n".into(),
            E(2, &["Got a site-ID collision. Please file a bug on https://github.com/ClusterLabs/booth/issues/new, attaching the configuration file."])),
        Case {
            name: "derived_name_of_64_bytes",
            spec: "§1.1",
            file: Some(format!("{}.conf", "f".repeat(64))),
            text: based("ticket = A\n"),
            expect: E(4, &["booth config file name too long", " in config file line 4"]),
        },
        Case {
            name: "derived_name_from_last_dot",
            spec: "§1.1",
            file: Some("my.site.conf".into()),
            text: BASE.into(),
            expect: O(|c| assert_eq!(c.name, "my.site")),
        },
    ]
}

fn file_of(c: &Case) -> String {
    c.file.clone().unwrap_or_else(|| format!("{}.conf", c.name))
}

fn run(c: &Case) -> Result<Config, ConfigError> {
    parse_with(&c.text, &format!("/tmp/cfg/{}", file_of(c)), &hosts)
}

#[test]
fn table_agrees_with_c() {
    let all = cases();
    assert!(all.len() >= 40);
    eprintln!("{} config cases", all.len());
    let mut failed = Vec::new();
    for c in &all {
        let got = run(c);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_case(c, got)));
        if outcome.is_err() {
            failed.push(c.name);
        }
    }
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}

fn check_case(c: &Case, got: Result<Config, ConfigError>) {
    match (&c.expect, got) {
        (Expect::Ok(check), Ok(cfg)) => {
            // Every accepted case must say the same about member parity as C's WARN.
            let even = cfg.members.len() % 2 == 0;
            assert_eq!(
                even,
                cfg.warnings
                    .contains(&Warning::EvenMemberCount(cfg.members.len())),
                "{}",
                c.name
            );
            check(&cfg);
        }
        (Expect::Ok(_), Err(e)) => panic!("{} ({}): rejected: {e}", c.name, c.spec),
        (Expect::Err(line, lines), Ok(_)) => {
            panic!(
                "{} ({}): accepted, C rejects at line {line}: {lines:?}",
                c.name, c.spec
            )
        }
        (Expect::Err(line, lines), Err(e)) => {
            assert_eq!(e.line, *line, "{} ({}): line", c.name, c.spec);
            if !lines.is_empty() {
                assert_eq!(&e.c_lines(), lines, "{} ({}): C lines", c.name, c.spec);
            }
            let shown = e.to_string();
            assert!(shown.contains(&file_of(c)), "{}: {shown}", c.name);
            assert!(
                shown.contains(&format!("line {line}")),
                "{}: {shown}",
                c.name
            );
        }
    }
}

/// surface.md §1.4: `name` of 63 bytes is C's bare `safe_copy` line, exit 1.
#[test]
fn name_too_long_is_a_bare_stderr_line() {
    let e = parse(&format!("name = {}\n", "a".repeat(63)), "/x.conf").unwrap_err();
    assert!(e.is_bare_stderr());
    assert_eq!(
        e.c_lines(),
        [format!(
            "'{}' exceeds maximum name length of 63",
            "a".repeat(63)
        )]
    );
    assert!(matches!(
        e.kind,
        ErrorKind::ValueTooLong { what: "name", .. }
    ));
}

/// The pure default resolver knows no host names (the daemon injects getaddrinfo).
#[test]
fn default_parse_rejects_host_names() {
    let e = parse("site = localhost\n", "/etc/booth/booth.conf").unwrap_err();
    assert_eq!(e.kind, ErrorKind::HostNotFound("localhost".into()));
    assert_eq!(e.to_string(),
        "can't find IP for the host \"localhost\": Address string \"localhost\" is bad in config file /etc/booth/booth.conf line 1");
}

/// surface.md §1.1: the config name comes from the file name given to `parse`.
#[test]
fn config_name_from_dash_c() {
    let path = booth::config::config_path("booth").unwrap();
    let c = parse(BASE, &path).unwrap();
    assert_eq!(
        (c.path.as_str(), c.name.as_str()),
        ("/etc/booth/booth.conf", "booth")
    );
}

/// Latin-1 bytes in a comment are fine for C (it reads bytes).
#[test]
fn non_utf8_comment() {
    let mut text = b"# Gr\xfc\xdfe\n".to_vec();
    text.extend_from_slice(BASE.as_bytes());
    let c = booth::config::parse_bytes(&text, "/x.conf", &booth::config::LiteralsOnly).unwrap();
    assert_eq!(c.members.len(), 3);
    assert_eq!(c.members[0].line, 2);
}

/// Cases where booth-rs differs from C on purpose (surface.md §9 recommendations).
const DIVERGENT: &[&str] = &[
    // Q2: C stores the last argv option argument instead of the config value.
    "run_as_keys_take_config_values",
    // Debian's 1.0 rejects the RHEL key that `pcs booth setup` writes; we accept it.
    "rhel_enable_authfile_accepted",
    "rhel_enable_authfile_no_still_authenticates",
];

/// Runs every case through the C `booth list -c` (see the module doc) and compares
/// acceptance, error lines and the even-member warning.
#[test]
#[ignore = "needs the C booth binary: set BOOTH_C_ORACLE"]
fn c_oracle_agrees() {
    let Ok(prefix) = std::env::var("BOOTH_C_ORACLE") else {
        eprintln!("BOOTH_C_ORACLE not set, nothing to do");
        return;
    };
    let prefix: Vec<&str> = prefix.split_whitespace().collect();
    let dir = std::env::temp_dir().join(format!("booth-cfg-oracle-{}", std::process::id()));
    let mut disagree = Vec::new();
    for c in cases() {
        if DIVERGENT.contains(&c.name) {
            continue;
        }
        let sub = dir.join(c.name);
        std::fs::create_dir_all(&sub).unwrap();
        let file = sub.join(file_of(&c));
        std::fs::write(&file, c.text.as_bytes()).unwrap();
        let out = std::process::Command::new(prefix[0])
            .args(&prefix[1..])
            .args(["list", "-c"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut errors = Vec::new();
        let mut warned = false;
        for l in stderr.lines() {
            if l.contains("WARN: Odd number of nodes") {
                warned = true;
            } else if let Some(i) = l.find("ERROR: ") {
                let msg = &l[i + 7..];
                // After the parse: key file (§1.9), user lookup (§1.10), connecting.
                let noise = [
                    "cannot read config",
                    "connect to ",
                    "User \"",
                    "Group \"",
                    "cannot open ",
                ];
                if !noise.iter().any(|n| msg.starts_with(n)) {
                    errors.push(msg.to_owned());
                }
            } else if l.contains("exceeds maximum") {
                errors.push(l.to_owned());
            }
        }
        let ours = parse_with(&c.text, &file.to_string_lossy(), &hosts);
        let ok = match (&ours, errors.is_empty()) {
            (Ok(cfg), true) => warned == (cfg.members.len() % 2 == 0),
            (Err(e), false) => e.c_lines() == errors,
            _ => false,
        };
        if !ok {
            disagree.push(format!(
                "{}: C said {errors:?} (warned: {warned}), we said {ours:?}",
                c.name
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

/// surface.md §2.3 `-s other`: the single other site, arbitrators never count.
#[test]
fn other_site() {
    let c = parse(BASE, "/x.conf").unwrap();
    assert_eq!(
        c.other_site(Some(0)).map(|m| m.addr_text.as_str()),
        Some("127.0.0.2")
    );
    assert_eq!(c.other_site(Some(2)), None);
    assert_eq!(c.other_site(None), None);
}
