//! The command line of `booth`, `boothd` and `geostore` (surface.md §2.1–2.3), parsed the
//! way the C program does with glibc `getopt`: argument permutation, option clusters,
//! and the quirk that positional arguments are only looked at when `getopt` itself reports
//! the end of the options (so `booth grant tA -c conf` loses `tA`, wire.md §6.1).
//! Pure: the `-s` host-name lookup is a parameter.
#![forbid(unsafe_code)]

use crate::wire::consts::{OPT_IMMEDIATE, OPT_WAIT, OPT_WAIT_COMMIT};

/// The version the C tools print (`booth 1.0`): scripts compare against Debian's.
pub const VERSION: &str = "1.0";
/// Default configuration (surface.md §1.1).
pub const DEFAULT_CONF: &str = "/etc/booth/booth.conf";
const CONF_DIR: &str = "/etc/booth/";
const CONF_EXT: &str = ".conf";
/// C buffer sizes the command-line values are copied into (PATH_MAX, 64, 128).
const PATH_LEN: usize = 4096;
const NAME_LEN: usize = 64;
const VALUE_LEN: usize = 128;
/// The word `-s other` means "the only other site" and is never resolved.
pub const OTHER_SITE: &[u8] = b"other";

/// `booth` client operations (surface.md §2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientOp {
    List,
    Grant,
    Revoke,
    Peers,
}

impl ClientOp {
    pub fn name(self) -> &'static str {
        match self {
            ClientOp::List => "list",
            ClientOp::Grant => "grant",
            ClientOp::Revoke => "revoke",
            ClientOp::Peers => "peers",
        }
    }
}

/// `geostore` operations (surface.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrOp {
    List,
    Set,
    Get,
    Delete,
}

impl AttrOp {
    pub fn name(self) -> &'static str {
        match self {
            AttrOp::List => "list",
            AttrOp::Set => "set",
            AttrOp::Get => "get",
            AttrOp::Delete => "delete",
        }
    }
}

/// What the program was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Daemon,
    Status,
    Client(ClientOp),
    Geostore(AttrOp),
    /// `boothd check-config`: parse the configuration and print its timing report
    /// (booth-rs only; C has no such mode and calls it an unknown operation).
    CheckConfig,
}

/// A parsed command line. Text values are raw bytes as given (argv need not be UTF-8);
/// empty means "not given", as in C.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub mode: Mode,
    /// The program name as invoked (`argv[0]`), for messages.
    pub argv0: Vec<u8>,
    pub config: Vec<u8>,
    pub debug: u32,
    /// `-S`: foreground / status reasons on stderr.
    pub foreground: bool,
    pub lockfile: Vec<u8>,
    pub ticket: Vec<u8>,
    /// `-s`, already converted to an IPv4 literal when it resolved.
    pub site: Vec<u8>,
    /// Client `options` bits (wire.md §2.5).
    pub options: u32,
    pub attr_name: Vec<u8>,
    pub attr_value: Vec<u8>,
    /// `--json` (booth-rs only, list/peers/status): print JSON instead of C's text.
    pub json: bool,
}

pub use crate::log::Level;

/// One line of output of an early exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Say {
    /// Raw bytes on stdout.
    Stdout(Vec<u8>),
    /// Raw bytes on stderr (no log prefix).
    Stderr(Vec<u8>),
    /// A log line on stderr (with the log prefix).
    Log(Level, String),
}

/// The outcome of parsing: run, or exit right away with these lines and this code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Invocation),
    Exit(Vec<Say>, i32),
}

/// Does `argv[0]` select the geostore personality? The first occurrence of `geostore`
/// must be its end (surface.md §2.1).
pub fn is_geostore(argv0: &[u8]) -> bool {
    let pat = b"geostore";
    argv0
        .windows(pat.len())
        .position(|w| w == pat)
        .is_some_and(|p| p + pat.len() == argv0.len())
}

pub fn booth_usage() -> String {
    format!(
        "Usage:\n\
         \x20 booth list [options]\n\
         \x20 booth {{grant|revoke}} [options] <ticket>\n\
         \x20 booth status [options]\n\
         \n\
         \x20 list:\t     List all tickets\n\
         \x20 grant:        Grant ticket to site\n\
         \x20 revoke:       Revoke ticket\n\
         \n\
         Options:\n\
         \x20 -c FILE       Specify config file [default {DEFAULT_CONF}]\n\
         \x20               Can be a path or just a name without \".conf\" suffix\n\
         \x20 -s <site>     Connect/grant to a different site\n\
         \x20 -F            Try to grant the ticket immediately\n\
         \x20               even if not all sites are reachable\n\
         \x20               For manual tickets:\n\
         \x20               grant a manual ticket even if it has been already granted\n\
         \x20 -w            Wait forever for the outcome of the request\n\
         \x20 -C            Wait until the ticket is committed to the CIB (grant only)\n\
         \x20 -h            Print this help\n\
         \n\
         Examples:\n\
         \n\
         \x20 # booth list (list tickets)\n\
         \x20 # booth grant ticket-A (grant ticket here)\n\
         \x20 # booth grant -s 10.121.8.183 ticket-A (grant ticket to site 10.121.8.183)\n\
         \x20 # booth revoke ticket-A (revoke ticket)\n\
         \n\
         See the booth(8) man page for more details.\n"
    )
}

pub fn geostore_usage() -> String {
    format!(
        "Usage:\n\
         \x20 geostore {{list|set|get|delete}} [-t ticket] [options] attr [value]\n\
         \n\
         \x20 list:\t     List all attributes\n\
         \x20 set:          Set attribute to a value\n\
         \x20 get:          Get attribute's value\n\
         \x20 delete:       Delete attribute\n\
         \n\
         \x20 -t <ticket>   Ticket where attribute resides\n\
         \x20               (required, if more than one ticket is configured)\n\
         \n\
         Options:\n\
         \x20 -c FILE       Specify config file [default {DEFAULT_CONF}]\n\
         \x20               Can be a path or just a name without \".conf\" suffix\n\
         \x20 -s <site>     Connect to a different site\n\
         \x20 -h            Print this help\n\
         \n\
         Examples:\n\
         \n\
         \x20 # geostore list -t ticket-A -s 10.121.8.183\n\
         \x20 # geostore set -s 10.121.8.183 sr_status ACTIVE\n\
         \x20 # geostore get -t ticket-A -s 10.121.8.183 sr_status\n\
         \x20 # geostore delete -s 10.121.8.183 sr_status\n\
         \n\
         See the geostore(8) man page for more details.\n"
    )
}

/// An early exit: lines to print and the exit code.
type Early = (Vec<Say>, i32);

fn exit_stderr(text: String) -> Early {
    (vec![Say::Stderr(text.into_bytes())], 1)
}

fn exit_bytes(text: &[u8]) -> Early {
    (vec![Say::Stderr(text.to_vec())], 1)
}

/// C's `safe_copy`: a value of `buflen - 1` bytes or more does not fit.
fn fits(value: &[u8], buflen: usize, what: &str) -> Result<Vec<u8>, Early> {
    let content = buflen - 1;
    if value.len() >= content {
        let mut msg = b"'".to_vec();
        msg.extend_from_slice(value);
        msg.extend_from_slice(format!("' exceeds maximum {what} length of {content}\n").as_bytes());
        return Err((vec![Say::Stderr(msg)], 1));
    }
    Ok(value.to_vec())
}

/// Parses argv (`argv[0]` included). `resolve` turns a `-s` host name into an IPv4 literal
/// (C: `getaddrinfo` with AF_INET), `None` if it does not resolve.
pub fn parse(argv: &[Vec<u8>], resolve: &dyn Fn(&[u8]) -> Option<String>) -> Parsed {
    // `--json` is ours alone: taken out before C's parsing sees it, so every other
    // command line parses exactly as with C (which has no long options at all).
    let json = argv.iter().skip(2).any(|a| a == JSON_FLAG);
    let stripped: Vec<Vec<u8>>;
    let argv = if json {
        stripped = argv
            .iter()
            .enumerate()
            .filter(|(i, a)| *i < 2 || *a != JSON_FLAG)
            .map(|(_, a)| a.clone())
            .collect();
        &stripped[..]
    } else {
        argv
    };
    match parse_inner(argv, resolve) {
        Ok(mut inv) if json => {
            if !matches!(
                inv.mode,
                Mode::Status | Mode::Client(ClientOp::List | ClientOp::Peers)
            ) {
                return Parsed::Exit(
                    vec![Say::Stderr(
                        b"use \"--json\" only for list, peers and status\n".to_vec(),
                    )],
                    1,
                );
            }
            inv.json = true;
            Parsed::Run(inv)
        }
        Ok(inv) => Parsed::Run(inv),
        Err((lines, code)) => Parsed::Exit(lines, code),
    }
}

/// The one long option booth-rs adds (machine-readable output).
const JSON_FLAG: &[u8] = b"--json";

fn parse_inner(
    argv: &[Vec<u8>],
    resolve: &dyn Fn(&[u8]) -> Option<String>,
) -> Result<Invocation, Early> {
    let empty = Vec::new();
    let argv0 = argv.first().unwrap_or(&empty).clone();
    let arg1: &[u8] = argv.get(1).map_or(&[][..], Vec::as_slice);
    let geostore = is_geostore(&argv0);
    let argc = argv.len();

    // Mode word (surface.md §2.2).
    enum Kind {
        Geostore,
        Daemon,
        Status,
        CheckConfig,
        Client,
    }
    let (kind, op, mut optind): (Kind, &[u8], usize) = if geostore {
        (Kind::Geostore, arg1, 2)
    } else if argc > 1 && matches!(arg1, b"arbitrator" | b"site" | b"start" | b"daemon") {
        (Kind::Daemon, &[][..], 2)
    } else if argc > 1 && arg1 == b"status" {
        (Kind::Status, &[][..], 2)
    } else if argc > 1 && arg1 == b"check-config" {
        (Kind::CheckConfig, &[][..], 2)
    } else if argc > 1 && arg1 == b"client" {
        if argc < 3 {
            return Err((vec![Say::Stdout(booth_usage().into_bytes())], 1));
        }
        (Kind::Client, argv[2].as_slice(), 3)
    } else {
        (Kind::Client, arg1, 2)
    };

    if argc < 2 || matches!(arg1, b"help" | b"--help" | b"-h") {
        let text = if geostore {
            geostore_usage()
        } else {
            booth_usage()
        };
        return Err((vec![Say::Stdout(text.into_bytes())], 0));
    }
    if matches!(arg1, b"version" | b"--version" | b"-V") {
        let mut line = argv0.clone();
        line.extend_from_slice(format!(" {VERSION}\n").as_bytes());
        return Err((vec![Say::Stdout(line)], 0));
    }

    let mode = match kind {
        Kind::Daemon => Mode::Daemon,
        Kind::Status => Mode::Status,
        Kind::CheckConfig => Mode::CheckConfig,
        Kind::Client => Mode::Client(match op {
            b"list" => ClientOp::List,
            b"grant" => ClientOp::Grant,
            b"revoke" => ClientOp::Revoke,
            b"peers" => ClientOp::Peers,
            _ => {
                return Err(exit_bytes(
                    &[b"client operation \"", op, b"\" is unknown\n"].concat(),
                ))
            }
        }),
        Kind::Geostore => Mode::Geostore(match op {
            b"list" => AttrOp::List,
            b"set" => AttrOp::Set,
            b"get" => AttrOp::Get,
            b"delete" => AttrOp::Delete,
            _ => {
                return Err(exit_bytes(
                    &[b"attribute operation \"", op, b"\" is unknown\n"].concat(),
                ))
            }
        }),
    };
    let optstring: &[u8] = if geostore {
        b"c:Dt:s:h"
    } else {
        b"c:Dl:t:s:FhSwC"
    };

    let mut inv = Invocation {
        mode,
        argv0: argv0.clone(),
        config: DEFAULT_CONF.as_bytes().to_vec(),
        debug: 0,
        foreground: false,
        lockfile: Vec::new(),
        ticket: Vec::new(),
        site: Vec::new(),
        options: 0,
        attr_name: Vec::new(),
        attr_value: Vec::new(),
        json: false,
    };

    // glibc getopt with permutation. `skipped` holds the non-options passed over so far;
    // the C loop runs only while optind < argc, so when the last element was an option
    // (or its argument) the loop ends without ever looking at positionals.
    let mut skipped: Vec<Vec<u8>> = Vec::new();
    let positionals: Vec<Vec<u8>> = loop {
        if optind >= argc {
            // Loop condition false: no -1 from getopt, positionals ignored.
            return Ok(inv);
        }
        // One getopt() call: find the next option element.
        let mut i = optind;
        while i < argc && !is_option(&argv[i]) {
            i += 1;
        }
        if i >= argc {
            skipped.extend(argv[optind..].iter().cloned());
            break skipped;
        }
        skipped.extend(argv[optind..i].iter().cloned());
        if argv[i] == b"--" {
            skipped.extend(argv[i + 1..].iter().cloned());
            break skipped;
        }
        // Process the cluster argv[i] = "-abc".
        let elem = &argv[i];
        let mut j = 1;
        let mut next = i + 1;
        while j < elem.len() {
            let c = elem[j];
            let spec = optstring.iter().position(|&o| o == c && c != b':');
            let Some(p) = spec else {
                let mut msg = argv0.clone();
                msg.extend_from_slice(b": invalid option -- '");
                msg.push(c);
                msg.extend_from_slice(b"'\n");
                return Err((
                    vec![
                        Say::Stderr(msg),
                        Say::Stderr(b"Please use '-h' for usage.\n".to_vec()),
                    ],
                    1,
                ));
            };
            let takes_arg = optstring.get(p + 1) == Some(&b':');
            if takes_arg {
                let value = if j + 1 < elem.len() {
                    elem[j + 1..].to_vec()
                } else if i + 1 < argc {
                    next = i + 2;
                    argv[i + 1].clone()
                } else {
                    let mut msg = argv0.clone();
                    msg.extend_from_slice(b": option requires an argument -- '");
                    msg.push(c);
                    msg.extend_from_slice(b"'\n");
                    return Err((
                        vec![
                            Say::Stderr(msg),
                            Say::Stderr(b"Please use '-h' for usage.\n".to_vec()),
                        ],
                        1,
                    ));
                };
                apply_option(&mut inv, c, &value, resolve)?;
                break;
            }
            apply_option(&mut inv, c, &[], resolve)?;
            j += 1;
        }
        optind = next;
    };

    // getopt returned -1: positionals (C's `extra_args`).
    let mut pos = positionals.into_iter();
    let mut take = |buflen: usize, what: &str| -> Result<Vec<u8>, Early> {
        match pos.next() {
            None => Err(exit_stderr("not enough arguments\n".into())),
            Some(v) => fits(&v, buflen, what),
        }
    };
    match inv.mode {
        Mode::Client(_) if inv.ticket.is_empty() => {
            inv.ticket = take(NAME_LEN, "ticket name")?;
        }
        Mode::Geostore(op) => {
            if op != AttrOp::List {
                inv.attr_name = take(NAME_LEN, "attribute name")?;
            }
            if op == AttrOp::Set {
                inv.attr_value = take(VALUE_LEN, "attribute value")?;
            }
        }
        _ => {}
    }
    let left: Vec<Vec<u8>> = pos.collect();
    if let Some(first) = left.first() {
        let mut msg = format!(
            "Superfluous argument{}: ",
            if left.len() == 1 { "" } else { "s" }
        )
        .into_bytes();
        msg.extend_from_slice(first);
        if left.len() > 1 {
            msg.extend_from_slice(b"...");
        }
        msg.push(b'\n');
        return Err((vec![Say::Stderr(msg)], 1));
    }
    Ok(inv)
}

/// An argv element getopt treats as options: `-x...`, not `-` alone.
fn is_option(a: &[u8]) -> bool {
    a.len() > 1 && a[0] == b'-'
}

fn apply_option(
    inv: &mut Invocation,
    c: u8,
    value: &[u8],
    resolve: &dyn Fn(&[u8]) -> Option<String>,
) -> Result<(), Early> {
    let client_op = match inv.mode {
        Mode::Client(op) => Some(op),
        _ => None,
    };
    let log_exit = |msg: &str| -> Early { (vec![Say::Log(Level::Error, msg.to_string())], 1) };
    match c {
        b'c' => {
            if value.contains(&b'/') {
                inv.config = fits(value, PATH_LEN, "config file")?;
            } else {
                let room = PATH_LEN - CONF_DIR.len() - CONF_EXT.len();
                let name = fits(value, room, "config name")?;
                let mut path = CONF_DIR.as_bytes().to_vec();
                path.extend_from_slice(&name);
                if !name.contains(&b'.') {
                    path.extend_from_slice(CONF_EXT.as_bytes());
                }
                inv.config = path;
            }
        }
        b'D' => inv.debug += 1,
        b'S' => inv.foreground = true,
        b'l' => inv.lockfile = fits(value, PATH_LEN, "lock file")?,
        b't' => {
            if matches!(client_op, Some(ClientOp::Grant | ClientOp::Revoke))
                || matches!(inv.mode, Mode::Geostore(_))
            {
                inv.ticket = fits(value, NAME_LEN, "ticket name")?;
            } else {
                return Err((vec![Say::Stdout(booth_usage().into_bytes())], 1));
            }
        }
        b's' => {
            let allowed = match inv.mode {
                Mode::Client(_) | Mode::Geostore(_) => true,
                Mode::Daemon => inv.debug > 0,
                Mode::Status | Mode::CheckConfig => false,
            };
            if !allowed {
                return Err(log_exit("\"-s\" not allowed in daemon mode."));
            }
            let resolved = if value == OTHER_SITE {
                None
            } else {
                resolve(value)
            };
            inv.site = match resolved {
                Some(ip) => fits(ip.as_bytes(), NAME_LEN, "site name")?,
                None => fits(value, NAME_LEN, "site name")?,
            };
        }
        b'F' => {
            if client_op != Some(ClientOp::Grant) {
                return Err(log_exit("use \"-F\" only for client grant"));
            }
            inv.options |= OPT_IMMEDIATE;
        }
        b'w' => {
            if !matches!(client_op, Some(ClientOp::Grant | ClientOp::Revoke)) {
                return Err(log_exit("use \"-w\" only for grant and revoke"));
            }
            inv.options |= OPT_WAIT;
        }
        b'C' => {
            if client_op != Some(ClientOp::Grant) {
                return Err(log_exit("use \"-C\" only for grant"));
            }
            inv.options |= OPT_WAIT | OPT_WAIT_COMMIT;
        }
        b'h' => {
            let text = if matches!(inv.mode, Mode::Geostore(_)) {
                geostore_usage()
            } else {
                booth_usage()
            };
            return Err((vec![Say::Stdout(text.into_bytes())], 0));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<Vec<u8>> {
        s.iter().map(|a| a.as_bytes().to_vec()).collect()
    }
    fn no_dns(_: &[u8]) -> Option<String> {
        None
    }
    fn run(s: &[&str]) -> Invocation {
        match parse(&argv(s), &no_dns) {
            Parsed::Run(i) => i,
            Parsed::Exit(l, c) => panic!("{s:?}: exit {c}: {l:?}"),
        }
    }
    fn exit(s: &[&str]) -> (Vec<Say>, i32) {
        match parse(&argv(s), &no_dns) {
            Parsed::Run(i) => panic!("{s:?}: runs: {i:?}"),
            Parsed::Exit(l, c) => (l, c),
        }
    }
    fn stderr(s: &str) -> Say {
        Say::Stderr(s.as_bytes().to_vec())
    }

    #[test]
    fn positional_ticket_and_legacy_forms() {
        // pcs: positional ticket; Hawk: `booth client grant -t T -s SITE`.
        let i = run(&["booth", "grant", "-c", "/x/b.conf", "tA"]);
        assert_eq!(i.mode, Mode::Client(ClientOp::Grant));
        assert_eq!(i.ticket, b"tA");
        assert_eq!(i.config, b"/x/b.conf");
        let i = run(&["booth", "client", "grant", "-t", "tB", "-s", "10.0.0.1"]);
        assert_eq!(i.ticket, b"tB");
        assert_eq!(i.site, b"10.0.0.1");
        let i = run(&["booth", "grant", "-FCw", "tA"]);
        assert_eq!(i.options, 7);
    }

    /// wire.md §6.1: a positional before the last option is lost; with a later
    /// positional the permuted order applies.
    #[test]
    fn getopt_permutation_quirks() {
        let i = run(&["booth", "grant", "tA", "-c", "/x/b.conf"]);
        assert_eq!(i.ticket, b"");
        let (l, c) = exit(&["booth", "grant", "tA", "-c", "/x/b.conf", "tB"]);
        assert_eq!((l, c), (vec![stderr("Superfluous argument: tB\n")], 1));
        let (l, c) = exit(&["booth", "grant", "tA", "-c", "/x/b.conf", "tB", "tC"]);
        assert_eq!((l, c), (vec![stderr("Superfluous arguments: tB...\n")], 1));
        // surface.md §2.3, Q23: no positional at all is never "not enough arguments".
        let i = run(&["geostore", "get", "-c", "/x/b.conf"]);
        assert_eq!(i.attr_name, b"");
        let (l, c) = exit(&["geostore", "set", "-t", "T", "name"]);
        assert_eq!((l, c), (vec![stderr("not enough arguments\n")], 1));
        let (l, c) = exit(&["booth", "list", "--"]);
        assert_eq!((l, c), (vec![stderr("not enough arguments\n")], 1));
    }

    /// surface.md §8.3 transcripts.
    #[test]
    fn c_error_texts() {
        let (l, c) = exit(&["booth", "frobnicate", "-c", "good.conf"]);
        assert_eq!(
            (l, c),
            (
                vec![stderr("client operation \"frobnicate\" is unknown\n")],
                1
            )
        );
        let (l, c) = exit(&["booth", "list", "-c", "good.conf", "-x"]);
        assert_eq!(
            (l, c),
            (
                vec![
                    stderr("booth: invalid option -- 'x'\n"),
                    stderr("Please use '-h' for usage.\n")
                ],
                1
            )
        );
        let (l, _) = exit(&["booth", "list", "-c"]);
        assert_eq!(l[0], stderr("booth: option requires an argument -- 'c'\n"));
        let (l, c) = exit(&["booth", "list", "-c", "good.conf", "extra1", "extra2"]);
        assert_eq!((l, c), (vec![stderr("Superfluous argument: extra2\n")], 1));
        let (l, c) = exit(&["booth", "list", "-c", "good.conf", "-F"]);
        assert_eq!(
            (l, c),
            (
                vec![Say::Log(
                    Level::Error,
                    "use \"-F\" only for client grant".into()
                )],
                1
            )
        );
        let (l, _) = exit(&["booth", "list", "--help"]);
        assert_eq!(l[0], stderr("booth: invalid option -- '-'\n"));
        let long = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";
        let (l, c) = exit(&["boothd", "client", "grant", "-s", long, "-t", "ticket"]);
        assert_eq!(
            (l, c),
            (
                vec![stderr(&format!(
                    "'{long}' exceeds maximum site name length of 63\n"
                ))],
                1
            )
        );
        let (l, _) = exit(&["boothd", "client", "grant", "-s", "site", "-t", long]);
        assert_eq!(
            l,
            vec![stderr(&format!(
                "'{long}' exceeds maximum ticket name length of 63\n"
            ))]
        );
        let (l, c) = exit(&["booth", "list", "-c", "good.conf", "-t", "tkA"]);
        assert_eq!((l, c), (vec![Say::Stdout(booth_usage().into_bytes())], 1));
        let (l, c) = exit(&["booth", "client"]);
        assert_eq!((l, c), (vec![Say::Stdout(booth_usage().into_bytes())], 1));
        let (l, c) = exit(&["booth", "version"]);
        assert_eq!((l, c), (vec![Say::Stdout(b"booth 1.0\n".to_vec())], 0));
        let (l, c) = exit(&["/usr/sbin/geostore"]);
        assert_eq!(
            (l, c),
            (vec![Say::Stdout(geostore_usage().into_bytes())], 0)
        );
        let (l, _) = exit(&["boothd", "daemon", "-s", "1.2.3.4"]);
        assert_eq!(
            l,
            vec![Say::Log(
                Level::Error,
                "\"-s\" not allowed in daemon mode.".into()
            )]
        );
        let i = run(&["boothd", "daemon", "-D", "-s", "1.2.3.4"]);
        assert_eq!(i.site, b"1.2.3.4");
    }

    #[test]
    fn config_names_and_attr_limits() {
        assert_eq!(
            run(&["booth", "list", "-c", "x"]).config,
            b"/etc/booth/x.conf"
        );
        assert_eq!(
            run(&["booth", "list", "-c", "x.cfg"]).config,
            b"/etc/booth/x.cfg"
        );
        let i = run(&["geostore", "set", "-t", "T", "n", "v w"]);
        assert_eq!(
            (i.attr_name, i.attr_value),
            (b"n".to_vec(), b"v w".to_vec())
        );
        let long_val = "v".repeat(127);
        let (l, _) = exit(&["geostore", "set", "-t", "T", "n", &long_val]);
        assert_eq!(
            l,
            vec![stderr(&format!(
                "'{long_val}' exceeds maximum attribute value length of 127\n"
            ))]
        );
        assert!(
            run(&["geostore", "set", "-t", "T", "n", &"v".repeat(126)])
                .attr_value
                .len()
                == 126
        );
    }

    #[test]
    fn geostore_personality() {
        assert!(is_geostore(b"/usr/sbin/geostore"));
        assert!(is_geostore(b"mygeostore"));
        assert!(!is_geostore(b"geostore2"));
        assert!(!is_geostore(b"geostoregeostore2"));
        let (l, c) = exit(&["geostore", "get", "-c", "g.conf", "-F", "x"]);
        assert_eq!(l[0], stderr("geostore: invalid option -- 'F'\n"));
        assert_eq!(c, 1);
        let (l, _) = exit(&["geostore", "frob"]);
        assert_eq!(l, vec![stderr("attribute operation \"frob\" is unknown\n")]);
    }

    #[test]
    fn site_resolution() {
        let dns = |n: &[u8]| (n == b"localhost").then(|| "127.0.0.1".to_string());
        let p = parse(&argv(&["booth", "list", "-s", "localhost"]), &dns);
        let Parsed::Run(i) = p else { panic!() };
        assert_eq!(i.site, b"127.0.0.1");
        let p = parse(&argv(&["booth", "list", "-s", "other"]), &dns);
        let Parsed::Run(i) = p else { panic!() };
        assert_eq!(i.site, b"other");
    }

    /// Never panics on any argv: seeded random words built from option characters,
    /// dashes, mode words and long values.
    #[test]
    fn random_argv_never_panics() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let words: [&[u8]; 16] = [
            b"-",
            b"--",
            b"-c",
            b"-D",
            b"-s",
            b"-t",
            b"-FwC",
            b"-l",
            b"list",
            b"grant",
            b"client",
            b"status",
            b"daemon",
            b"geostore",
            b"-cx",
            b"\xff\x00",
        ];
        for _ in 0..20_000 {
            let n = usize::try_from(next() % 7).unwrap_or(0);
            let mut argv = vec![if next() % 3 == 0 {
                b"geostore".to_vec()
            } else {
                b"booth".to_vec()
            }];
            for _ in 0..n {
                let r = next();
                let w = words[usize::try_from(r % 16).unwrap_or(0)].to_vec();
                let w = if r % 11 == 0 { w.repeat(40) } else { w };
                argv.push(w);
            }
            let _ = parse(&argv, &no_dns);
        }
    }
}
