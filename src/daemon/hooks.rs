//! Event hooks (booth#99), in the style of Pacemaker alerts: every executable in
//! `/etc/booth/hooks.d` (or `$BOOTH_HOOKS_DIR`) runs when a peer comes or goes or a
//! ticket moves, with the event in its environment. Hooks are started as children of the
//! loop (`child.rs`) and never block it; their exit status is only logged. Nothing of
//! this reaches the wire or booth.conf, so C peers and scripts see no difference.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::child::Spec;

/// Default directory of hook programs.
pub const DEFAULT_DIR: &str = "/etc/booth/hooks.d";
/// Environment variable naming another directory (empty: hooks off).
pub const DIR_ENV: &str = "BOOTH_HOOKS_DIR";

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// First authenticated/valid datagram from a peer since start or since it went down.
    PeerUp { peer: String, arbitrator: bool },
    /// A peer that should be talking (we lead a ticket, or it leads one) stayed silent.
    PeerDown {
        peer: String,
        arbitrator: bool,
        silent_s: i64,
    },
    /// This site's CIB now grants the ticket.
    TicketGranted { ticket: String },
    /// This site's CIB no longer grants the ticket.
    TicketLost { ticket: String },
    /// The formation's leader of the ticket changed (`leader` = address or `none`).
    TicketMoved { ticket: String, leader: String },
}

impl Event {
    /// `BOOTH_EVENT`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::PeerUp { .. } => "peer-up",
            Event::PeerDown { .. } => "peer-down",
            Event::TicketGranted { .. } => "ticket-granted",
            Event::TicketLost { .. } => "ticket-lost",
            Event::TicketMoved { .. } => "ticket-moved",
        }
    }

    /// The event's own variables.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let kind = |arb: bool| if arb { "arbitrator" } else { "site" }.to_string();
        let mut v = vec![("BOOTH_EVENT", self.name().to_string())];
        match self {
            Event::PeerUp { peer, arbitrator } => {
                v.push(("BOOTH_PEER", peer.clone()));
                v.push(("BOOTH_PEER_TYPE", kind(*arbitrator)));
            }
            Event::PeerDown {
                peer,
                arbitrator,
                silent_s,
            } => {
                v.push(("BOOTH_PEER", peer.clone()));
                v.push(("BOOTH_PEER_TYPE", kind(*arbitrator)));
                v.push(("BOOTH_PEER_SILENT", silent_s.to_string()));
            }
            Event::TicketGranted { ticket } | Event::TicketLost { ticket } => {
                v.push(("BOOTH_TICKET", ticket.clone()));
            }
            Event::TicketMoved { ticket, leader } => {
                v.push(("BOOTH_TICKET", ticket.clone()));
                v.push(("BOOTH_LEADER", leader.clone()));
            }
        }
        v
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env = self.env();
        let rest: Vec<String> = env
            .iter()
            .skip(1)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        write!(f, "{} {}", self.name(), rest.join(" "))
    }
}

/// Where hooks live and the variables every hook gets.
#[derive(Clone, Debug)]
pub struct Hooks {
    pub dir: Option<PathBuf>,
    /// `BOOTH_LOCAL`, `BOOTH_CONF_NAME`, `BOOTH_CONF_PATH`.
    pub common: Vec<(&'static str, String)>,
}

impl Hooks {
    /// The directory from `$BOOTH_HOOKS_DIR` (set but empty: off) or the default.
    pub fn from_env(var: Option<OsString>, common: Vec<(&'static str, String)>) -> Hooks {
        let dir = match var {
            Some(v) if v.is_empty() => None,
            Some(v) => Some(PathBuf::from(v)),
            None => Some(PathBuf::from(DEFAULT_DIR)),
        };
        Hooks { dir, common }
    }

    /// The hook programs, in name order: regular executable files not starting with `.`.
    /// Read at every event, so hooks can be added without a restart.
    pub fn programs(&self) -> Vec<PathBuf> {
        self.dir.as_deref().map(list_programs).unwrap_or_default()
    }

    /// One child spec per hook program for `event`, stamped with `now` (epoch seconds).
    pub fn specs(&self, event: &Event, now: i64) -> Vec<Spec> {
        let mut env: Vec<(OsString, OsString)> = self
            .common
            .iter()
            .chain(event.env().iter())
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect();
        env.push(("BOOTH_EVENT_TIME".into(), now.to_string().into()));
        self.programs()
            .into_iter()
            .map(|p| Spec {
                program: p.into_os_string(),
                env: env.clone(),
                ..Spec::default()
            })
            .collect()
    }
}

fn list_programs(dir: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| {
            std::fs::metadata(e.path())
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// Whether a peer that is up now counts as down: silent for more than `down_after_s`
/// while it should be talking.
pub fn peer_is_down(last_recv: Option<i64>, now: i64, expected: bool, down_after_s: i64) -> bool {
    expected && last_recv.is_some_and(|t| now - t > down_after_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn events_carry_their_variables() {
        let e = Event::TicketMoved {
            ticket: "tA".into(),
            leader: "10.0.0.2".into(),
        };
        assert_eq!(
            e.env(),
            vec![
                ("BOOTH_EVENT", "ticket-moved".to_string()),
                ("BOOTH_TICKET", "tA".to_string()),
                ("BOOTH_LEADER", "10.0.0.2".to_string())
            ]
        );
        assert_eq!(
            e.to_string(),
            "ticket-moved BOOTH_TICKET=tA BOOTH_LEADER=10.0.0.2"
        );
        let d = Event::PeerDown {
            peer: "10.0.0.3".into(),
            arbitrator: true,
            silent_s: 42,
        };
        assert_eq!(
            d.to_string(),
            "peer-down BOOTH_PEER=10.0.0.3 BOOTH_PEER_TYPE=arbitrator BOOTH_PEER_SILENT=42"
        );
    }

    #[test]
    fn only_visible_executable_files_run_in_name_order() {
        let dir = std::env::temp_dir().join(format!("booth-rs-hooks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).expect("dir");
        for (name, mode) in [
            ("20-b", 0o755),
            ("10-a", 0o700),
            (".hidden", 0o755),
            ("notes", 0o644),
        ] {
            let p = dir.join(name);
            std::fs::write(&p, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let h = Hooks::from_env(
            Some(dir.clone().into_os_string()),
            vec![("BOOTH_CONF_NAME", "booth".into())],
        );
        let names: Vec<String> = h
            .programs()
            .iter()
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["10-a", "20-b"]);
        let specs = h.specs(
            &Event::TicketLost {
                ticket: "tA".into(),
            },
            1_795_568_274,
        );
        assert_eq!(specs.len(), 2);
        let env: Vec<(String, String)> = specs[0]
            .env
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect();
        assert!(env.contains(&("BOOTH_EVENT".into(), "ticket-lost".into())));
        assert!(env.contains(&("BOOTH_CONF_NAME".into(), "booth".into())));
        assert!(env.contains(&("BOOTH_EVENT_TIME".into(), "1795568274".into())));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn hooks_are_off_with_an_empty_variable_and_default_to_etc() {
        assert!(Hooks::from_env(Some(OsString::new()), vec![]).dir.is_none());
        assert_eq!(
            Hooks::from_env(None, vec![]).dir.as_deref(),
            Some(Path::new(DEFAULT_DIR))
        );
    }

    #[test]
    fn a_peer_is_down_only_when_expected_to_talk_and_silent_too_long() {
        assert!(peer_is_down(Some(100), 200, true, 60));
        assert!(!peer_is_down(Some(100), 160, true, 60));
        assert!(
            !peer_is_down(Some(100), 200, false, 60),
            "idle formations are quiet"
        );
        assert!(!peer_is_down(None, 200, true, 60), "never heard: never up");
    }
}
