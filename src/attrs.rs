//! Geo attributes: the per-ticket key/value store of one site, and the daemon's answers
//! to `geostore` requests (surface.md §5, wire.md §6.6). Pure: the Pacemaker mirror is
//! returned as a command for the shell to run.
#![forbid(unsafe_code)]

use crate::output::{self, AttrView, TimeFmt};
use crate::pacemaker::{self, Command};
use crate::wire::{AttrBody, CStrField, Cmd, ResultCode};

/// One attribute: its value and when it was last set (`None` when loaded from the CIB).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub value: String,
    pub set_at: Option<i64>,
}

/// The attributes of one ticket, in insertion order (C's hash order is unspecified).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketAttrs {
    attrs: Vec<Attr>,
}

impl TicketAttrs {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }

    /// Stores or replaces `name`.
    pub fn set(&mut self, name: &str, value: &str, set_at: Option<i64>) {
        match self.attrs.iter_mut().find(|a| a.name == name) {
            Some(a) => {
                a.value = value.to_string();
                a.set_at = set_at;
            }
            None => self.attrs.push(Attr {
                name: name.to_string(),
                value: value.to_string(),
                set_at,
            }),
        }
    }

    /// Removes `name`; false when it was not there.
    pub fn delete(&mut self, name: &str) -> bool {
        let before = self.attrs.len();
        self.attrs.retain(|a| a.name != name);
        self.attrs.len() != before
    }

    pub fn iter(&self) -> impl Iterator<Item = &Attr> {
        self.attrs.iter()
    }

    /// `attr-prereq` (surface.md §4.3): `eq` true iff present with exactly `value`; `ne`
    /// true iff absent or different.
    pub fn prereq_holds(&self, name: &str, equal: bool, value: &str) -> bool {
        let same = self.get(name) == Some(value);
        same == equal
    }
}

/// The daemon's answer to one attribute request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrReply {
    /// `ALst`/`AGet` for a text reply, `Rslt` for a header-only one.
    pub cmd: Cmd,
    /// `None` = success (0 on the wire).
    pub result: Option<ResultCode>,
    pub text: Option<String>,
    /// The mirror into this site's CIB (sites only), to be tried up to
    /// [`pacemaker::ATTR_CMD_TRIES`] times; its outcome does not change the reply.
    pub crm: Option<Command>,
    /// A warning for the log (over-long fields are skipped but still answered 0).
    pub warning: Option<String>,
}

impl AttrReply {
    fn result(result: Option<ResultCode>) -> Self {
        AttrReply {
            cmd: Cmd::ClResult,
            result,
            text: None,
            crm: None,
            warning: None,
        }
    }
}

/// Answers `ASet`/`AGet`/`ADel`/`ALst` for ticket `ticket_name` whose attributes are
/// `attrs` (`None`: unknown ticket). `now` is the wall clock (epoch s); `site` says
/// whether this member mirrors into a CIB (arbitrators do not).
pub fn handle(
    cmd: Cmd,
    body: &AttrBody,
    ticket_name: &str,
    attrs: Option<&mut TicketAttrs>,
    now: i64,
    site: bool,
    tz: TimeFmt<'_>,
) -> AttrReply {
    let Some(attrs) = attrs else {
        return AttrReply::result(Some(ResultCode::InvalidArg));
    };
    let name = field_text(&body.name);
    match cmd {
        Cmd::AttrList => {
            let views: Vec<AttrView<'_>> = attrs
                .iter()
                .map(|a| AttrView {
                    name: &a.name,
                    value: &a.value,
                    set_at: a.set_at,
                })
                .collect();
            AttrReply {
                cmd: Cmd::AttrList,
                result: None,
                text: Some(output::attr_list(&views, tz)),
                crm: None,
                warning: None,
            }
        }
        Cmd::AttrGet => match name.and_then(|n| attrs.get(n)) {
            Some(v) => AttrReply {
                cmd: Cmd::AttrGet,
                result: None,
                text: Some(format!("{v}\n")),
                crm: None,
                warning: None,
            },
            None => AttrReply::result(Some(ResultCode::NoSuchAttr)),
        },
        Cmd::AttrSet => {
            let value = field_text(&body.value);
            let (Some(name), Some(value)) = (name, value) else {
                let mut r = AttrReply::result(None);
                r.warning =
                    Some("name/value of the attribute too long (or not text), skipped".into());
                return r;
            };
            attrs.set(name, value, Some(now));
            let mut r = AttrReply::result(None);
            r.crm = site.then(|| pacemaker::attr_set(ticket_name, name, value));
            r
        }
        Cmd::AttrDel => match name {
            Some(n) if attrs.delete(n) => {
                let mut r = AttrReply::result(None);
                r.crm = site.then(|| pacemaker::attr_delete(ticket_name, n));
                r
            }
            _ => AttrReply::result(Some(ResultCode::NoSuchAttr)),
        },
        _ => AttrReply::result(Some(ResultCode::InvalidArg)),
    }
}

/// The text of a field, or `None` without its NUL (wire.md §1.1) or if not UTF-8.
fn field_text<const N: usize>(f: &CStrField<N>) -> Option<&str> {
    f.is_terminated().then(|| f.as_str()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::localtime::Tm;
    use crate::wire::{AttrName, AttrValue, TicketName};

    fn body(name: &str, value: &str) -> AttrBody {
        AttrBody {
            ticket: TicketName::new("tkP").expect("name"),
            name: AttrName::new(name).expect("name"),
            value: AttrValue::new(value).expect("value"),
        }
    }

    fn run(cmd: Cmd, b: &AttrBody, attrs: Option<&mut TicketAttrs>, site: bool) -> AttrReply {
        handle(cmd, b, "tkP", attrs, 1_795_568_274, site, &Tm::utc)
    }

    #[test]
    fn set_get_list_delete_as_the_c_daemon_answers() {
        // wire.md §6.6 table, surface.md §8.6 transcript.
        let mut a = TicketAttrs::default();
        let r = run(Cmd::AttrSet, &body("dbstate", "ok"), Some(&mut a), true);
        assert_eq!((r.cmd, r.result), (Cmd::ClResult, None));
        assert_eq!(
            r.crm.expect("mirrored").args,
            ["-t", "tkP", "-S", "dbstate", "--attr-value=ok"]
        );
        let r = run(Cmd::AttrGet, &body("dbstate", ""), Some(&mut a), true);
        assert_eq!((r.cmd, r.text.as_deref()), (Cmd::AttrGet, Some("ok\n")));
        let r = run(Cmd::AttrList, &body("", ""), Some(&mut a), true);
        assert_eq!(r.text.as_deref(), Some("dbstate ok 2026-11-25 00:57:54\n"));
        let r = run(Cmd::AttrDel, &body("dbstate", ""), Some(&mut a), true);
        assert_eq!(r.result, None);
        assert_eq!(
            r.crm.expect("mirrored").args,
            ["-t", "tkP", "-D", "dbstate"]
        );
        let r = run(Cmd::AttrGet, &body("dbstate", ""), Some(&mut a), true);
        assert_eq!(
            (r.cmd, r.result),
            (Cmd::ClResult, Some(ResultCode::NoSuchAttr))
        );
        let r = run(Cmd::AttrDel, &body("dbstate", ""), Some(&mut a), true);
        assert_eq!(r.result, Some(ResultCode::NoSuchAttr));
    }

    #[test]
    fn unknown_ticket_is_iarg_and_arbitrators_do_not_mirror() {
        let r = run(Cmd::AttrList, &body("", ""), None, true);
        assert_eq!(
            (r.cmd, r.result),
            (Cmd::ClResult, Some(ResultCode::InvalidArg))
        );
        let mut a = TicketAttrs::default();
        let r = run(Cmd::AttrSet, &body("x", "1"), Some(&mut a), false);
        assert_eq!((r.result, r.crm), (None, None));
        let r = run(Cmd::AttrList, &body("", ""), Some(&mut a), false);
        assert_eq!(r.text.as_deref(), Some("x 1 2026-11-25 00:57:54\n"));
    }

    #[test]
    fn unterminated_fields_are_skipped_but_answered_success() {
        // wire.md §6.6: no NUL in the name or value -> warning, still result 0.
        let mut b = body("x", "y");
        b.value.0 = [b'v'; 128];
        let mut a = TicketAttrs::default();
        let r = run(Cmd::AttrSet, &b, Some(&mut a), true);
        assert_eq!(r.result, None);
        assert!(r.warning.is_some());
        assert_eq!(a.iter().count(), 0);
    }

    #[test]
    fn prereq_eq_and_ne() {
        // surface.md §4.3.
        let mut a = TicketAttrs::default();
        assert!(!a.prereq_holds("dbstate", true, "ok"));
        assert!(a.prereq_holds("dbstate", false, "ok"));
        a.set("dbstate", "ok", None);
        assert!(a.prereq_holds("dbstate", true, "ok"));
        assert!(!a.prereq_holds("dbstate", false, "ok"));
        a.set("dbstate", "bad", None);
        assert!(a.prereq_holds("dbstate", false, "ok"));
    }
}
