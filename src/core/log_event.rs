//! What the core logs: events carrying their values (members, terms, reasons), formatted
//! by the shell with the members' addresses.
//!
//! The core never formats (steady state must not allocate): it emits a [`LogEvent`] in
//! [`super::Action::Log`], and the shell prints it with [`LogEvent::display`]. Events that
//! correspond to a C `boothd` message use C's wording and level, so that administrators
//! (and their log filters) find the same lines; the others are booth-rs behaviour (each
//! marked `booth-rs:` where it is emitted).

use std::fmt;

use super::ticket::{State, Who};
use super::types::{Level, Ms};

/// One log line about a ticket, with its values. Members are indices into the
/// configured members; the shell turns them into addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogEvent {
    // ---- elections ----
    /// An election round starts in `term` (§8.1).
    ElectionStarted { term: u32 },
    /// A failover election is not started: an `attr-prereq auto` line fails here.
    AttrPrereqNotMet,
    /// We won the election: leader now (§8.3).
    GrantedHere,
    /// Another member won the election we ran.
    GrantedAt { leader: u8 },
    /// No member won this round; the next one starts.
    NobodyWon,
    /// A message of a newer term made us follow its leader (C `newer_term`).
    HigherTerm {
        from: u8,
        term: u32,
        was: u32,
        leader: Who,
    },
    /// A vote request refused because the lease we know is still valid (§7.3).
    ElectionRejected {
        from: u8,
        reason: u32,
        leader: Who,
        valid_ms: Ms,
    },
    /// A TKT_LOST vote request refused: the ticket looks fine here.
    LostClaimRejected { from: u8 },
    /// A TKT_LOST vote request refused: the ticket was revoked (INIT, no leader).
    LostClaimRevoked { from: u8 },
    /// A voter rejected our candidacy naming us as the leader.
    RejectGrantedToUs,
    /// A voter rejected our candidacy: our term is outdated (`term` is theirs).
    RejectOutdated { term: u32, leader: Who },
    /// A voter rejected our candidacy: the lease it knows is still valid.
    /// `lost`: that leader is the one whose lease we lost; `tkt_lost`: we campaigned
    /// because of that loss.
    RejectStillValid {
        from: u8,
        leader: Who,
        lost: bool,
        tkt_lost: bool,
    },
    /// A voter rejected our candidacy: we are outdated (the ticket is at `leader`).
    RejectYouOutdated { leader: Who },
    /// A member's view (STATUS answer) told a candidate of a newer ticket.
    StoppingElections { from: u8 },

    // ---- the view of other members, at start and after STATUS ----
    /// The ticket we held (or the CIB grants here) is live at another member.
    LiveAt { at: u8, granted_here: bool },
    /// Nobody holds the ticket; `from`: who said so (`None`: the CIB).
    NotGranted { from: Option<u8> },
    /// `leader` holds the ticket; `from`: who said so (`None`: the CIB).
    GrantedTo { leader: u8, from: Option<u8> },
    /// At a leader: a member knows a newer ticket, held at `leader`.
    NewerTicketAt { from: u8, leader: Who },
    /// The ticket is (or was) granted here: acquiring it again.
    Reacquire,

    // ---- grant, revoke, release ----
    /// An administrator's grant arrived (§7.10).
    Granting,
    /// A manual ticket held elsewhere is granted here too (`-F`).
    ManualForced,
    /// An administrator's revoke is carried out here, at the leader (§10.1).
    Revoking,
    /// The leader revoked the ticket (§7.8).
    Revoked { leader: u8 },
    /// A revoke from a member that is not the leader we know: ignored.
    RevokeNotGranted { from: u8 },
    /// A revoke from the leader while we are not its follower: ignored.
    RevokeUnexpected { from: u8, state: State },
    /// The leader gave the ticket away (a VOTE_FOR naming nobody, §7.4).
    Release { leader: u8 },
    /// A leader we never knew of gave the ticket away in `term`.
    ReleaseUnknown { from: u8, term: u32 },
    /// We, the leader, give the ticket away (the handler failed).
    Releasing,

    // ---- the before-acquire-handler ----
    /// The handler failed: the ticket may not be acquired here.
    HandlerFailed,
    /// The handler still ran when the lease ended.
    HandlerTimedOut,
    /// The handler failed at the holder of a manual ticket.
    ManualHandlerFailed,

    // ---- leases and the CIB ----
    /// The lease of the ticket held at `leader` ran out (§8.6).
    LostAt { leader: Who },
    /// Our own lease was not renewed by a majority (§8.6).
    LostMajority,
    /// The lease we wrote as granted to the CIB ran out while not leading.
    GrantExpired,
    /// Our requests went unanswered for all retries (§5.3).
    GaveUpRetries,
    /// A `crm_ticket` write failed.
    CibWriteFailed,
}

impl LogEvent {
    /// The level C logs this at (booth-rs events: ours).
    pub fn level(&self) -> Level {
        use LogEvent::*;
        match self {
            RevokeNotGranted { .. }
            | RevokeUnexpected { .. }
            | ManualHandlerFailed
            | CibWriteFailed => Level::Error,
            ElectionRejected { .. }
            | LostClaimRejected { .. }
            | LostClaimRevoked { .. }
            | RejectGrantedToUs
            | RejectOutdated { .. }
            | RejectStillValid { .. }
            | RejectYouOutdated { .. }
            | LiveAt {
                granted_here: true, ..
            }
            | NewerTicketAt { .. }
            | ManualForced
            | Releasing
            | HandlerFailed
            | HandlerTimedOut
            | LostAt { .. }
            | LostMajority
            | GrantExpired => Level::Warn,
            ElectionStarted { .. }
            | AttrPrereqNotMet
            | GrantedHere
            | GrantedAt { .. }
            | NobodyWon
            | HigherTerm { .. }
            | StoppingElections { .. }
            | LiveAt { .. }
            | NotGranted { .. }
            | GrantedTo { .. }
            | Reacquire
            | Granting
            | Revoking
            | Revoked { .. }
            | Release { .. }
            | ReleaseUnknown { .. }
            | GaveUpRetries => Level::Info,
        }
    }

    /// The line's text, members shown by `addr_of(index)` (the shell: their addresses).
    pub fn display<'a, F: Fn(u8) -> &'a str>(self, addr_of: F) -> Shown<F> {
        Shown {
            event: self,
            addr_of,
        }
    }

    fn write<'a>(&self, f: &mut fmt::Formatter<'_>, addr: &dyn Fn(u8) -> &'a str) -> fmt::Result {
        // C's site_string(): NULL is "NONE", the no-leader site is "none"
        let who = |w: Who| match w {
            Who::Member(m) => addr(m),
            Who::NoOne => "none",
            Who::Unknown => "NONE",
        };
        use LogEvent::*;
        match *self {
            ElectionStarted { term } => write!(f, "starting new election (term={term})"),
            AttrPrereqNotMet => {
                f.write_str("attribute prerequisite not met, not starting elections")
            }
            GrantedHere => f.write_str("granted successfully here"),
            GrantedAt { leader } => write!(f, "ticket granted at {}", addr(leader)),
            NobodyWon => f.write_str("nobody won elections, new elections"),
            HigherTerm {
                from,
                term,
                was,
                leader,
            } => write!(
                f,
                "from {}: higher term {term} vs. {was}, following {}",
                addr(from),
                who(leader)
            ),
            // C prints the milliseconds left with an "s"; we print seconds
            ElectionRejected {
                from,
                reason,
                leader,
                valid_ms,
            } => write!(
                f,
                "election from {} with reason {} rejected (we have {} as ticket owner), \
                 ticket still valid for {}s",
                addr(from),
                Fourcc(reason),
                who(leader),
                valid_ms / 1000
            ),
            LostClaimRejected { from } => write!(
                f,
                "{} claims that the ticket is lost, but it is ok here (reject sent)",
                addr(from)
            ),
            LostClaimRevoked { from } => write!(
                f,
                "{} claims that the ticket is lost, but it's in {} state (reject sent)",
                addr(from),
                State::Init.code()
            ),
            RejectGrantedToUs => f.write_str("ticket was granted to us (and we didn't know)"),
            RejectOutdated { term, leader } => write!(
                f,
                "ticket outdated (term {term}), granted to {}",
                who(leader)
            ),
            RejectStillValid {
                from,
                leader,
                lost,
                tkt_lost,
            } => match (lost, tkt_lost) {
                (true, true) => write!(
                    f,
                    "{} still has the ticket valid, we'll backup a bit",
                    addr(from)
                ),
                (true, false) => write!(f, "{} unexpectedly rejects elections", addr(from)),
                (false, _) => write!(
                    f,
                    "ticket was granted to {} (and we didn't know)",
                    who(leader)
                ),
            },
            RejectYouOutdated {
                leader: Who::Member(m),
            } => write!(f, "our ticket is outdated, granted to {}", addr(m)),
            RejectYouOutdated { .. } => f.write_str("our ticket is outdated and revoked"),
            StoppingElections { from } => write!(
                f,
                "learned from {} about newer ticket, stopping elections",
                addr(from)
            ),
            LiveAt {
                at,
                granted_here: true,
            } => write!(
                f,
                "ticket was granted here, but it's live at {} (revoking here)",
                addr(at)
            ),
            LiveAt { at, .. } => write!(f, "ticket live at {}", addr(at)),
            NotGranted { from: Some(_) } => f.write_str("ticket is not granted"),
            NotGranted { from: None } => f.write_str("ticket is not granted (from CIB)"),
            GrantedTo {
                leader,
                from: Some(s),
            } => write!(
                f,
                "ticket granted to {} (says {})",
                addr(leader),
                if s == leader { "they" } else { addr(s) }
            ),
            GrantedTo { leader, from: None } => {
                write!(f, "ticket granted to {} (from CIB)", addr(leader))
            }
            NewerTicketAt { from, leader } => write!(
                f,
                "from {}: more up to date ticket at {}",
                addr(from),
                who(leader)
            ),
            Reacquire => f.write_str("ticket was granted here (will try to reacquire)"),
            Granting => f.write_str("granting ticket"),
            ManualForced => f.write_str(
                "manual ticket forced to be granted! be aware that you may end up having two \
                 sites holding the same manual ticket! revoke the ticket from the unnecessary \
                 site!",
            ),
            Revoking => f.write_str("revoking ticket"),
            Revoked { leader } => write!(f, "{} revokes ticket", addr(leader)),
            RevokeNotGranted { from } => write!(
                f,
                "{} wants to revoke ticket, but it is not granted there (ignoring)",
                addr(from)
            ),
            RevokeUnexpected { from, state } => write!(
                f,
                "unexpected ticket revoke from {} (in state {}) (ignoring)",
                addr(from),
                state.code()
            ),
            Release { leader } => write!(
                f,
                "{} wants to give the ticket away (ticket release)",
                addr(leader)
            ),
            ReleaseUnknown { from, term } => write!(
                f,
                "{} wants to give the ticket away (ticket release, term {term}), \
                 a leader we did not know: starting elections",
                addr(from)
            ),
            Releasing => f.write_str("giving the ticket away (ticket release)"),
            HandlerFailed => f.write_str("we are not allowed to acquire ticket"),
            HandlerTimedOut => f.write_str("handler timed out"),
            ManualHandlerFailed => f.write_str(
                "external test failed on the specified machine, cannot acquire a manual ticket",
            ),
            LostAt { leader } => write!(f, "lost at {}", who(leader)),
            LostMajority => f.write_str("lost majority (revoking locally)"),
            GrantExpired => f.write_str("the lease granted here ran out (revoking locally)"),
            GaveUpRetries => f.write_str("giving up on sending retries"),
            CibWriteFailed => f.write_str("crm_ticket failed to write the ticket"),
        }
    }
}

/// A [`LogEvent`] with the way to name members: `Display` gives the log line's text.
pub struct Shown<F> {
    event: LogEvent,
    addr_of: F,
}

impl<'a, F: Fn(u8) -> &'a str> fmt::Display for Shown<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.event.write(f, &self.addr_of)
    }
}

/// A wire code (election reason) as C's `state_to_string` shows it: its four
/// characters, nothing for 0; a code that is not text is shown in hex.
struct Fourcc(u32);

impl fmt::Display for Fourcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0.to_be_bytes();
        if self.0 == 0 {
            Ok(())
        } else if b.iter().all(|c| c.is_ascii_graphic()) {
            b.iter()
                .try_for_each(|&c| fmt::Write::write_char(f, char::from(c)))
        } else {
            write!(f, "{:#010x}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::code;
    use super::*;

    fn addr(m: u8) -> &'static str {
        ["192.168.1.1", "192.168.2.1", "192.168.3.1"]
            .get(usize::from(m))
            .copied()
            .unwrap_or("?")
    }

    fn text(e: LogEvent) -> String {
        e.display(addr).to_string()
    }

    /// The texts C's raft.c/ticket.c print for the same events, values filled in.
    #[test]
    fn c_wording_with_values() {
        let rows: &[(LogEvent, &str)] = &[
            (
                LogEvent::ElectionStarted { term: 7 },
                "starting new election (term=7)",
            ),
            (LogEvent::GrantedHere, "granted successfully here"),
            (
                LogEvent::GrantedAt { leader: 1 },
                "ticket granted at 192.168.2.1",
            ),
            (
                LogEvent::Release { leader: 0 },
                "192.168.1.1 wants to give the ticket away (ticket release)",
            ),
            (
                LogEvent::Revoked { leader: 2 },
                "192.168.3.1 revokes ticket",
            ),
            (
                LogEvent::HigherTerm {
                    from: 2,
                    term: 9,
                    was: 4,
                    leader: Who::Member(1),
                },
                "from 192.168.3.1: higher term 9 vs. 4, following 192.168.2.1",
            ),
            (
                LogEvent::AttrPrereqNotMet,
                "attribute prerequisite not met, not starting elections",
            ),
            (
                LogEvent::ElectionRejected {
                    from: 1,
                    reason: code::TKT_LOST,
                    leader: Who::Member(0),
                    valid_ms: 599_870,
                },
                "election from 192.168.2.1 with reason TLst rejected \
                 (we have 192.168.1.1 as ticket owner), ticket still valid for 599s",
            ),
            (
                LogEvent::RevokeUnexpected {
                    from: 0,
                    state: State::Candidate,
                },
                "unexpected ticket revoke from 192.168.1.1 (in state Cndi) (ignoring)",
            ),
            (
                LogEvent::GrantedTo {
                    leader: 1,
                    from: Some(1),
                },
                "ticket granted to 192.168.2.1 (says they)",
            ),
            (
                LogEvent::GrantedTo {
                    leader: 1,
                    from: Some(2),
                },
                "ticket granted to 192.168.2.1 (says 192.168.3.1)",
            ),
            (
                LogEvent::GrantedTo {
                    leader: 0,
                    from: None,
                },
                "ticket granted to 192.168.1.1 (from CIB)",
            ),
        ];
        for (e, want) in rows {
            assert_eq!(text(*e), *want, "{e:?}");
        }
    }

    /// C's site_string(): an unknown leader is "NONE", a revoked one "none".
    #[test]
    fn leaders_unknown_and_revoked() {
        let lost = |leader| text(LogEvent::LostAt { leader });
        assert_eq!(lost(Who::Unknown), "lost at NONE");
        assert_eq!(lost(Who::NoOne), "lost at none");
        assert_eq!(lost(Who::Member(2)), "lost at 192.168.3.1");
        assert_eq!(
            text(LogEvent::RejectYouOutdated { leader: Who::NoOne }),
            "our ticket is outdated and revoked"
        );
        assert_eq!(
            text(LogEvent::RejectOutdated {
                term: 3,
                leader: Who::Unknown
            }),
            "ticket outdated (term 3), granted to NONE"
        );
    }

    /// Reasons print as their four characters (C: state_to_string), 0 as nothing, a
    /// code that is not text in hex.
    #[test]
    fn reasons() {
        let r = |reason| {
            text(LogEvent::ElectionRejected {
                from: 0,
                reason,
                leader: Who::NoOne,
                valid_ms: 999,
            })
        };
        assert!(r(code::STEPDOWN).contains("with reason Spdn rejected"));
        assert!(r(code::ADMIN).contains("with reason Admn rejected"));
        assert!(r(0).contains("with reason  rejected"));
        assert!(r(1).contains("with reason 0x00000001 rejected"));
        assert!(r(0).ends_with("still valid for 0s"));
    }

    /// Levels are C's: a revoke kept here warns, a live leader elsewhere informs.
    #[test]
    fn levels_follow_c() {
        assert_eq!(LogEvent::ElectionStarted { term: 1 }.level(), Level::Info);
        assert_eq!(LogEvent::LostMajority.level(), Level::Warn);
        assert_eq!(
            LogEvent::LiveAt {
                at: 1,
                granted_here: true
            }
            .level(),
            Level::Warn
        );
        assert_eq!(
            LogEvent::LiveAt {
                at: 1,
                granted_here: false
            }
            .level(),
            Level::Info
        );
        assert_eq!(LogEvent::RevokeNotGranted { from: 1 }.level(), Level::Error);
    }
}
