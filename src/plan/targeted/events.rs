//! Lifecycle events as JSON Lines, into targets: one event per line, applied in file order.
//!
//! ```text
//! {"id": "e1", "type": "hire", "timestamp": "2026-01-05T09:00:00Z", "user": {"userName": "ana@example.com", "name": {"givenName": "Ana", "familyName": "Ng"}, "title": "Engineer"}, "groups": ["Eng"]}
//! {"id": "e2", "type": "grant", "timestamp": "2026-01-06T10:00:00Z", "user": {"userName": "ana@example.com"}, "group": "On-call"}
//! {"id": "e3", "type": "terminate", "timestamp": "2026-03-01T17:00:00Z", "user": {"userName": "ana@example.com"}}
//! ```
//!
//! Each line has an `id` (unique in the file), a `type` (`hire`, `update`, `terminate`,
//! `rehire`, `grant`, `revoke`), a `timestamp` (text, kept for the reader; the order is the
//! file's) and the person as `user`, with the desired-state JSON's names; `group` names the
//! group of a grant or revocation, `groups` the groups a hire or rehire joins. Other fields
//! are ignored; blank lines are skipped. A hire or rehire provisions (creates, or updates and
//! reactivates), an update updates, a termination deactivates.
//!
//! Read through an attribute mapping ([`read_events_mapped`]), `user` is the person as the
//! HR system words it (`{"Work Email": ..., "Employment Status": ...}`), mapped as one record
//! of a JSON export is; the groups the mapping gives join the person's groups on a hire or
//! rehire. A mapping problem is a malformed line naming the field (`user.Work Email`).
//!
//! A malformed line is an error naming its line number and field. By default
//! ([`Malformed::Refuse`]) one malformed line refuses the whole file, before any request,
//! with every malformed line listed; [`Malformed::Skip`] plans the valid lines and lists the
//! others in [`Events::rejected`]. Idempotence needs no local state: what the server holds
//! decides, so a replayed file plans nothing, and each event already in effect is a note.

use serde::Serialize;

use super::wire::{Fault, Fields};
use super::{Operation, Target, TargetGroup};
use crate::mapping::Mapping;
use crate::model::User;
use crate::quoted::q;

/// A kind of lifecycle event.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum EventKind {
    /// A new person: provision.
    Hire,
    /// Changed attributes: update.
    Update,
    /// The person left: deactivate.
    Terminate,
    /// The person is back: provision (reactivates).
    Rehire,
    /// Add to `group`.
    Grant,
    /// Remove from `group`.
    Revoke,
}

/// What to do with malformed lines.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Malformed {
    /// Refuse the whole file (the default): nothing is planned, every bad line is named.
    #[default]
    Refuse,
    /// Plan the valid lines, and list the others.
    Skip,
}

/// One malformed line.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("line {line}: `{field}`: {reason}")]
#[non_exhaustive]
pub struct EventError {
    /// The line's number, from 1.
    pub line: u64,
    /// The JSON path of the field at fault (`.` for the line itself).
    pub field: String,
    /// Why.
    pub reason: String,
}

/// An events file refused whole ([`Malformed::Refuse`]): every malformed line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} malformed event {}, nothing was planned: {}", .0.len(), if .0.len() == 1 { "line" } else { "lines" }, join(.0))]
pub struct EventsRefused(pub Vec<EventError>);

fn join(errors: &[EventError]) -> String {
    let mut text = String::new();
    for e in errors {
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str(&e.to_string());
    }
    text
}

/// An events file read into targets.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Events {
    /// The targets, in file order (a hire with groups is a provision and a grant per group).
    pub targets: Vec<Target>,
    /// The malformed lines skipped ([`Malformed::Skip`] only).
    pub rejected: Vec<EventError>,
}

/// A line as written.
struct Line {
    id: String,
    kind: EventKind,
    timestamp: String,
    user: User,
    group: Option<String>,
    groups: Vec<String>,
}

const KINDS: [(&str, EventKind); 6] = [
    ("hire", EventKind::Hire),
    ("update", EventKind::Update),
    ("terminate", EventKind::Terminate),
    ("rehire", EventKind::Rehire),
    ("grant", EventKind::Grant),
    ("revoke", EventKind::Revoke),
];

/// A line's fields, read in the order a reader checks them; other fields are ignored.
fn parse_line(raw: &str, mapping: Option<&Mapping>) -> Result<Line, Fault> {
    let value = serde_json::from_str(raw).map_err(|e| (".".to_owned(), e.to_string()))?;
    let mut f = Fields::of(value)?;
    let id = f.required("id")?;
    let name = f.required("type")?;
    let kind = KINDS.iter().find(|(n, _)| *n == name).map(|k| k.1);
    let kind = kind.ok_or_else(|| {
        let reason = format!(
            "unknown variant `{name}`, expected one of `hire`, `update`, `terminate`, `rehire`, `grant`, `revoke`"
        );
        ("type".to_owned(), reason)
    })?;
    let timestamp = f.required("timestamp")?;
    let (user, mapped_groups) = match mapping {
        None => (f.user("user")?, Vec::new()),
        Some(mapping) => mapped_user(mapping, &f.value("user")?)?,
    };
    let mut groups = f.texts("groups")?;
    if matches!(kind, EventKind::Hire | EventKind::Rehire) {
        for g in mapped_groups {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    Ok(Line {
        id,
        kind,
        timestamp,
        user,
        group: f.text("group")?,
        groups,
    })
}

/// The person of a line read through `mapping`: the user, and the groups it is mapped into.
fn mapped_user(
    mapping: &Mapping,
    person: &serde_json::Value,
) -> Result<(User, Vec<String>), Fault> {
    if !person.is_object() {
        let kind = crate::model::tolerant::json_type(person);
        return Err(("user".into(), format!("expected an object, not {kind}")));
    }
    mapping.map_json_record(person).map_err(|problems| {
        // The first field at fault is the line's; the others are named in the reason.
        let path = match &problems[0].0 {
            Some(field) => format!("user.{field}"),
            None => "user".to_owned(),
        };
        let reasons: Vec<String> = problems
            .iter()
            .enumerate()
            .map(|(i, (field, why))| match field {
                Some(field) if i > 0 => format!("{field}: {why}"),
                _ => why.clone(),
            })
            .collect();
        (path, reasons.join("; "))
    })
}

/// Reads JSON Lines of lifecycle events (see the module docs).
///
/// # Errors
///
/// [`EventsRefused`] with every malformed line when any is malformed and `malformed` is
/// [`Malformed::Refuse`].
pub fn read_events(text: &str, malformed: Malformed) -> Result<Events, EventsRefused> {
    read_events_mapped(text, malformed, None)
}

/// Reads JSON Lines of lifecycle events whose people are read through `mapping` when there
/// is one (see the module docs).
///
/// # Errors
///
/// As [`read_events`]; a person the mapping refuses is a malformed line.
pub fn read_events_mapped(
    text: &str,
    malformed: Malformed,
    mapping: Option<&Mapping>,
) -> Result<Events, EventsRefused> {
    let mut events = Events::default();
    let mut ids: Vec<(String, u64)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n as u64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match read_line(raw, line, &ids, mapping) {
            Ok((id, targets)) => {
                ids.push((id, line));
                events.targets.extend(targets);
            }
            Err(e) => events.rejected.push(e),
        }
    }
    if malformed == Malformed::Refuse && !events.rejected.is_empty() {
        return Err(EventsRefused(events.rejected));
    }
    Ok(events)
}

fn read_line(
    raw: &str,
    line: u64,
    ids: &[(String, u64)],
    mapping: Option<&Mapping>,
) -> Result<(String, Vec<Target>), EventError> {
    let bad = |field: &str, reason: String| EventError {
        line,
        field: field.to_owned(),
        reason,
    };
    let l = parse_line(raw, mapping).map_err(|(field, reason)| bad(&field, reason))?;
    if l.id.trim().is_empty() {
        return Err(bad("id", "an event needs an id".into()));
    }
    if let Some((_, first)) = ids.iter().find(|(id, _)| *id == l.id) {
        return Err(bad(
            "id",
            format!("{} is the id of line {first} too", q(&l.id)),
        ));
    }
    if l.timestamp.trim().is_empty() {
        return Err(bad("timestamp", "an event needs a timestamp".into()));
    }
    let named = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
    if l.user.user_name.trim().is_empty() && !named(&l.user.external_id) {
        return Err(bad(
            "user.userName",
            "a userName or externalId is needed".into(),
        ));
    }
    let (op, group_wanted) = match l.kind {
        EventKind::Hire | EventKind::Rehire => (Operation::Provision, false),
        EventKind::Update => (Operation::Update, false),
        EventKind::Terminate => (Operation::Deactivate, false),
        EventKind::Grant => (Operation::Grant, true),
        EventKind::Revoke => (Operation::Revoke, true),
    };
    if op == Operation::Provision && l.user.user_name.trim().is_empty() {
        return Err(bad("user.userName", "a hire needs the userName".into()));
    }
    let group = l.group.filter(|g| !g.trim().is_empty());
    if group_wanted != group.is_some() {
        let reason = if group_wanted {
            "a grant or revocation names its group"
        } else {
            "only grant and revoke name a group (hires join `groups`)"
        };
        return Err(bad("group", reason.into()));
    }
    if op != Operation::Provision && !l.groups.is_empty() {
        return Err(bad("groups", "only a hire or rehire joins groups".into()));
    }
    if let Some(i) = l.groups.iter().position(|g| g.trim().is_empty()) {
        return Err(bad(&format!("groups[{i}]"), "a group name is empty".into()));
    }
    let reference = || {
        let mut u = User::new(l.user.user_name.clone());
        u.external_id.clone_from(&l.user.external_id);
        u
    };
    let mut targets = Vec::new();
    let first = match group {
        Some(g) => Target::new(op, reference()).with_group(TargetGroup::named(g)),
        None => Target::new(op, l.user.clone()),
    };
    targets.push(first.from_event(l.id.clone()));
    for g in &l.groups {
        let grant = Target::new(Operation::Grant, reference()).with_group(TargetGroup::named(g));
        targets.push(grant.from_event(l.id.clone()));
    }
    Ok((l.id, targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"id":"e1","type":"hire","timestamp":"2026-01-05T09:00:00Z","user":{"userName":"ana@x","title":"Eng"},"groups":["Eng","Ops"]}

{"id":"e2","type":"grant","timestamp":"t","user":{"userName":"bo@x"},"group":"Eng","extra":1}
{"id":"e3","type":"terminate","timestamp":"t","user":{"externalId":"E7","userName":""}}
"#;

    #[test]
    fn lines_become_targets_in_order() {
        let events = read_events(FILE, Malformed::Refuse).unwrap();
        let read: Vec<(Operation, &str, Option<&str>, Option<&str>)> = events
            .targets
            .iter()
            .map(|t| {
                (
                    t.op,
                    t.user.user_name.as_str(),
                    t.group.as_ref().map(|g| g.display_name.as_str()),
                    t.event.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (Operation::Provision, "ana@x", None, Some("e1")),
                (Operation::Grant, "ana@x", Some("Eng"), Some("e1")),
                (Operation::Grant, "ana@x", Some("Ops"), Some("e1")),
                (Operation::Grant, "bo@x", Some("Eng"), Some("e2")),
                (Operation::Deactivate, "", None, Some("e3")),
            ]
        );
        assert_eq!(events.targets[0].user.title.as_deref(), Some("Eng"));
        assert_eq!(events.targets[4].user.external_id.as_deref(), Some("E7"));
        assert!(events.rejected.is_empty());
    }

    #[test]
    fn malformed_lines_are_named_and_refuse_the_file_unless_skipped() {
        let text = format!(
            "{FILE}{}\n{}\n{}\n{}\nnot json\n",
            r#"{"id":"e4","type":"fire","timestamp":"t","user":{"userName":"c@x"}}"#,
            r#"{"id":"e1","type":"hire","timestamp":"t","user":{"userName":"c@x"}}"#,
            r#"{"id":"e5","type":"grant","timestamp":"t","user":{"userName":"c@x"}}"#,
            r#"{"id":"e6","type":"hire","timestamp":"t","user":{"userName":"c@x","active":"maybe"}}"#,
        );
        let refused = read_events(&text, Malformed::Refuse).unwrap_err().0;
        let named: Vec<(u64, &str)> = refused.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            named,
            [
                (5, "type"),
                (6, "id"),
                (7, "group"),
                (8, "user.active"),
                (9, ".")
            ]
        );
        assert!(
            refused[0].reason.contains("unknown variant `fire`"),
            "{}",
            refused[0]
        );
        assert!(refused[1].reason.contains("line 1"), "{}", refused[1]);
        let skipped = read_events(&text, Malformed::Skip).unwrap();
        assert_eq!(skipped.targets.len(), 5, "the valid lines are kept");
        assert_eq!(skipped.rejected, refused);
    }

    #[test]
    fn people_read_through_a_mapping_join_its_groups_on_a_hire() {
        let mapping = Mapping::builtin("bamboohr").unwrap();
        let text = concat!(
            r#"{"id":"h1","type":"hire","timestamp":"t","user":{"Work Email":"Ana@X","First Name":"Ana","Last Name":"Ng","Employee #":"7","Department":"Eng","Location":"Lisbon","Status":"Active"},"groups":["On-call"]}"#,
            "\n",
            r#"{"id":"t1","type":"terminate","timestamp":"t","user":{"Employee #":"7"}}"#,
            "\n",
            r#"{"id":"h2","type":"hire","timestamp":"t","user":{"Work Email":"bo@x","Status":"Gone"}}"#,
            "\n",
            r#"{"id":"h3","type":"hire","timestamp":"t","user":"bo@x"}"#,
            "\n",
        );
        let events = read_events_mapped(text, Malformed::Skip, Some(&mapping)).unwrap();
        let hire = &events.targets[0];
        assert_eq!(
            (hire.op, hire.user.user_name.as_str()),
            (Operation::Provision, "ana@x")
        );
        assert_eq!(hire.user.external_id.as_deref(), Some("7"));
        assert_eq!(hire.user.display_name.as_deref(), Some("Ana Ng"));
        let joined: Vec<&str> = events.targets[1..4]
            .iter()
            .map(|t| t.group.as_ref().unwrap().display_name.as_str())
            .collect();
        assert_eq!(joined, ["On-call", "Eng", "Office: Lisbon"]);
        let terminate = &events.targets[4];
        assert_eq!(terminate.op, Operation::Deactivate);
        assert_eq!(terminate.user.external_id.as_deref(), Some("7"));
        assert_eq!(events.targets.len(), 5);
        let rejected: Vec<(u64, &str)> = events
            .rejected
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(rejected, [(3, "user.Status"), (4, "user")]);
        assert!(
            events.rejected[0].reason.contains("\"Gone\""),
            "{}",
            events.rejected[0]
        );
        // Without the mapping, the same people are not SCIM users.
        assert!(read_events(text, Malformed::Refuse).is_err());
    }
}
