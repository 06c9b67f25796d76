//! Glue: a parsed booth.conf ([`crate::config::Config`]) to the core's [`Setup`].

use super::types::{Kind, Member, Mode, Name, Setup, SetupError, TicketParams};
use crate::config::{Config, MemberKind, TicketMode};

impl Setup {
    /// The core's view of `cfg`, with `local` the index of this node's member.
    ///
    /// `weights` are not carried (consensus.md §0.2, Q14: C ignores them), nor are
    /// `attr-prereq` lines: the geo attributes live in the shell, which checks the
    /// `manual` ones on an administrative grant before the core sees it (surface.md §4.3).
    pub fn from_config(cfg: &Config, local: usize) -> Result<Setup, SetupError> {
        let members = cfg
            .members
            .iter()
            .map(|m| Member {
                id: m.site_id,
                kind: match m.kind {
                    MemberKind::Site => Kind::Site,
                    MemberKind::Arbitrator => Kind::Arbitrator,
                },
            })
            .collect();
        let mut tickets = Vec::with_capacity(cfg.tickets.len());
        for (i, t) in cfg.tickets.iter().enumerate() {
            let name = Name::new(&t.name).ok_or(SetupError::Unsupported(
                i,
                "ticket name longer than 63 bytes",
            ))?;
            tickets.push(TicketParams {
                name,
                expire: u64::from(t.expire_ms),
                timeout: u64::from(t.timeout_ms),
                retries: t.retries,
                renewal_freq: u64::from(t.renewal_freq_ms),
                acquire_after: u64::from(t.acquire_after_ms),
                mode: match t.mode {
                    TicketMode::Automatic => Mode::Auto,
                    TicketMode::Manual => Mode::Manual,
                },
                has_handler: t.handler.is_some(),
            });
        }
        Ok(Setup {
            members,
            local,
            ms_mode: cfg.time_multiplier != 1,
            tickets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The capture lab's configuration (tests/vectors/captures/README.md).
    #[test]
    fn lab_config() {
        let text = "transport = UDP\nport = 9929\nsite = 192.168.77.11\nsite = 192.168.77.12\n\
                    arbitrator = 192.168.77.101\nticket = \"tA\"\n    expire = 20\n    \
                    timeout = 2\n    retries = 3\n";
        let cfg = crate::config::parse(text, "booth.conf").expect("parses");
        let s = Setup::from_config(&cfg, 1).expect("usable");
        assert_eq!(s.members.len(), 3);
        assert_eq!(s.members[0].id, 0x5267_d502);
        assert_eq!(s.members[2].kind, Kind::Arbitrator);
        assert!(!s.ms_mode);
        let t = s.tickets[0];
        assert_eq!(
            (t.expire, t.timeout, t.retries, t.renewal_freq),
            (20_000, 2_000, 3, 10_000)
        );
        assert!(super::super::Core::new(s, 1).is_ok());
    }
}
