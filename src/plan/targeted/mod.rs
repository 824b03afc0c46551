//! Targeted runs: lifecycle operations on named subjects (hire, terminate, grant, revoke)
//! instead of "make the server equal this whole directory".
//!
//! A [`Target`] names one user (by `userName`, by `externalId`, or by server `id` when the
//! host knows it) and what to do to it ([`Operation`]); grants and revocations also name a
//! group. The engine looks up only the subjects ([`lookups`]: one `eq` query per subject,
//! none for a subject whose id is given) instead of listing the server, and [`plan_targeted`]
//! plans from what the lookups found into the same [`Draft`](super::Draft) and actions as a
//! full sync: the same rule for a matched user ([`user_update`](super::user_update)), the
//! same create body, the same policy (scope and protected users refuse the plan, caps count),
//! the same review and the same exactly-once apply. It never removes anything it was not
//! told to.
//!
//! The targets of one subject are folded in order into what it should end as (a hire then a
//! title change then a termination: a deactivated user with the new title), so a file of
//! events is applied in order and replaying it finds everything already in effect. What a
//! subject that is not on the server means:
//!
//! | operation | subject absent |
//! | --- | --- |
//! | provision | created |
//! | update, reactivate, grant (the user) | refused: the plan is blocked (`unknownSubject`) |
//! | deactivate, delete, revoke | already in effect: a note, nothing to do |
//! | grant (the group) | the group is created with the member |
//!
//! Events (JSON Lines of hires, terminations...) become targets in `events`.

mod events;
mod planner;
mod wire;

use serde::Serialize;

use crate::model::User;
use crate::plan::user_key;
use crate::request::ResourceKind;

pub use events::{
    read_events, read_events_mapped, EventError, EventKind, Events, EventsRefused, Malformed,
};
pub use planner::plan_targeted;
pub use wire::read_targets;

/// What a target does to its user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Operation {
    /// Create the user with the given attributes, or update an existing one to them (and
    /// reactivate it).
    Provision,
    /// Update the attributes given of an existing user.
    Update,
    /// Set `active=false` (the recommended offboarding: reversible).
    Deactivate,
    /// Set `active=true`.
    Reactivate,
    /// `DELETE` the user: only where the policy's offboarding is `delete`.
    Delete,
    /// Add the user to the group (creating the group when absent).
    Grant,
    /// Remove the user from the group.
    Revoke,
}

impl Operation {
    /// The operation's name (`provision`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Provision => "provision",
            Operation::Update => "update",
            Operation::Deactivate => "deactivate",
            Operation::Reactivate => "reactivate",
            Operation::Delete => "delete",
            Operation::Grant => "grant",
            Operation::Revoke => "revoke",
        }
    }

    /// Whether the operation names a group.
    pub fn needs_group(self) -> bool {
        matches!(self, Operation::Grant | Operation::Revoke)
    }
}

/// A group a grant or revocation names: by `displayName`, by `externalId` (which decides
/// when the server has a group with it, as in a full sync), and by `id` when the host knows
/// it (then it is not looked up). A group named by `externalId` alone that the server lacks
/// cannot be created: the plan is blocked (`unknownSubject`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TargetGroup {
    /// The group's displayName.
    pub display_name: String,
    /// The group's server id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The group's externalId, when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl TargetGroup {
    /// The group named `display_name`.
    pub fn named(display_name: impl Into<String>) -> TargetGroup {
        TargetGroup {
            display_name: display_name.into(),
            id: None,
            external_id: None,
        }
    }

    /// This group, found by `external_id` first.
    #[must_use]
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> TargetGroup {
        self.external_id = Some(external_id.into());
        self
    }

    /// The group of server id `id`, named `display_name` (not looked up).
    pub fn with_id(display_name: impl Into<String>, id: impl Into<String>) -> TargetGroup {
        TargetGroup {
            display_name: display_name.into(),
            id: Some(id.into()),
            external_id: None,
        }
    }
}

/// One operation on one subject. Written by serde's derive and read by [`read_targets`] as
/// `{"op": "grant", "user": {"userName": "ana@example.com"}, "group": {"displayName":
/// "Eng"}}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Target {
    /// What to do.
    pub op: Operation,
    /// The user, with the desired-state JSON's names: `userName` (empty when it is named by
    /// `externalId` alone), `externalId`, `id` when known; for provision and update also the
    /// attributes to set (only those given are managed, as in a directory).
    pub user: User,
    /// The group of a grant or revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<TargetGroup>,
    /// The event this target comes from, for the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl Target {
    /// `op` on `user`.
    pub fn new(op: Operation, user: User) -> Target {
        Target {
            op,
            user,
            group: None,
            event: None,
        }
    }

    /// The same target on `group`.
    #[must_use]
    pub fn with_group(mut self, group: TargetGroup) -> Target {
        self.group = Some(group);
        self
    }

    /// The same target, from event `event`.
    #[must_use]
    pub fn from_event(mut self, event: impl Into<String>) -> Target {
        self.event = Some(event.into());
        self
    }

    /// How the target reads in a note: `event h-1 (grant)` or `grant`.
    pub(crate) fn label(&self) -> String {
        match &self.event {
            Some(e) => format!("event {e} ({})", self.op.as_str()),
            None => self.op.as_str().to_owned(),
        }
    }
}

/// A set of targets that cannot be run, with the index of the first bad one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("targets[{index}].{field}: {reason}")]
#[non_exhaustive]
pub struct TargetError {
    /// The target's position.
    pub index: usize,
    /// The field at fault (`user.userName`, `group`).
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

/// Checks that every target names what its operation needs.
///
/// # Errors
///
/// A [`TargetError`] for the first target without a user (no `userName`, `externalId` or
/// `id`), a grant or revocation without a group name, or a user name or group name that is
/// only white space.
pub fn validate_targets(targets: &[Target]) -> Result<(), TargetError> {
    for (index, t) in targets.iter().enumerate() {
        let bad = |field, reason: &str| TargetError {
            index,
            field,
            reason: reason.to_owned(),
        };
        let u = &t.user;
        let named = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        if u.user_name.trim().is_empty() && !named(&u.external_id) && !named(&u.id) {
            return Err(bad(
                "user.userName",
                "a userName, externalId or id is needed",
            ));
        }
        if t.op == Operation::Provision && u.user_name.trim().is_empty() {
            return Err(bad("user.userName", "provisioning needs the userName"));
        }
        match (&t.group, t.op.needs_group()) {
            (None, true) => return Err(bad("group", "a grant or revocation names a group")),
            (Some(g), true)
                if g.display_name.trim().is_empty() && !named(&g.id) && !named(&g.external_id) =>
            {
                return Err(bad(
                    "group.displayName",
                    "a displayName, externalId or id is needed",
                ));
            }
            (Some(_), false) => return Err(bad("group", "only grant and revoke name a group")),
            _ => {}
        }
    }
    Ok(())
}

/// One subject to look up: its kind, name and externalId (users), as the engine's lookup
/// takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subject {
    pub(crate) kind: ResourceKind,
    pub(crate) name: String,
    pub(crate) external_id: Option<String>,
}

/// The subjects `targets` need looked up, each once (by matching key), in first-named
/// order: none for a subject whose id is given, and, when `create_first` (a run applied
/// without review), none for a user whose only targets are on-demand provisions (not from
/// events): its `POST` is sent at once, and a 409 adopts what the server holds (one request
/// for a new user). Events are always looked up, so that a replayed file writes nothing.
pub(crate) fn lookups(targets: &[Target], create_first: bool) -> Vec<Subject> {
    let mut out: Vec<Subject> = Vec::new();
    let mut push = |s: Subject| {
        let key = |s: &Subject| (s.kind, planner::key(s.kind, &s.name), s.external_id.clone());
        if !out.iter().any(|o| key(o) == key(&s)) {
            out.push(s);
        }
    };
    let same_user = |a: &User, b: &User| {
        user_key(&a.user_name) == user_key(&b.user_name) && a.external_id == b.external_id
    };
    for t in targets {
        let created_first = create_first
            && targets
                .iter()
                .filter(|o| same_user(&o.user, &t.user))
                .all(|o| o.op == Operation::Provision && o.event.is_none());
        if t.user.id.is_none() && !created_first {
            push(Subject {
                kind: ResourceKind::User,
                name: t.user.user_name.clone(),
                external_id: t.user.external_id.clone().filter(|e| !e.is_empty()),
            });
        }
        if let Some(g) = t.group.as_ref().filter(|g| g.id.is_none()) {
            push(Subject {
                kind: ResourceKind::Group,
                name: g.display_name.clone(),
                external_id: g.external_id.clone().filter(|e| !e.is_empty()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> User {
        User::new(name)
    }

    #[test]
    fn targets_round_trip_and_are_checked() {
        let t = Target::new(Operation::Grant, user("a@x"))
            .with_group(TargetGroup::named("Eng"))
            .from_event("e1");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"op":"grant","user":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"#,
                r#""userName":"a@x"},"group":{"displayName":"Eng"},"event":"e1"}"#
            )
        );
        assert_eq!(
            read_targets(&format!("[{json}]")).unwrap(),
            std::slice::from_ref(&t)
        );
        let e = read_targets(r#"[{"op":"grant","user":{"userName":"a"},"group":{"id":7}}]"#);
        let e = e.unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.reason.as_str()),
            ("[0].group.id", "expected a string, not a number")
        );
        let by_ext = r#"[{"op":"grant","user":{"userName":"a"},"group":{"externalId":"G-1"}}]"#;
        let by_ext = read_targets(by_ext).unwrap();
        assert_eq!(
            by_ext[0].group.as_ref().unwrap().external_id.as_deref(),
            Some("G-1")
        );
        assert_eq!(validate_targets(&by_ext), Ok(()));
        let nameless = read_targets(r#"[{"op":"grant","user":{"userName":"a"},"group":{}}]"#);
        let e = validate_targets(&nameless.unwrap()).unwrap_err();
        assert_eq!(e.field, "group.displayName");
        let e = read_targets(r#"[{"op":"hire","user":{"userName":"a"}}]"#).unwrap_err();
        assert_eq!(e.path, "[0].op");
        let e = read_targets(r#"[{"op":"grant","user":{"userName":"a","active":"x"}}]"#);
        assert_eq!(e.unwrap_err().path, "[0].user.active");
        assert_eq!(validate_targets(std::slice::from_ref(&t)), Ok(()));
        let no_group = Target::new(Operation::Revoke, user("a@x"));
        let e = validate_targets(&[t.clone(), no_group]).unwrap_err();
        assert_eq!((e.index, e.field), (1, "group"));
        let nameless = Target::new(Operation::Deactivate, user(" "));
        assert_eq!(
            validate_targets(&[nameless]).unwrap_err().field,
            "user.userName"
        );
        let mut by_ext = user("");
        by_ext.external_id = Some("E1".into());
        assert!(validate_targets(&[Target::new(Operation::Deactivate, by_ext.clone())]).is_ok());
        assert!(validate_targets(&[Target::new(Operation::Provision, by_ext)]).is_err());
    }

    #[test]
    fn each_subject_is_looked_up_once_and_known_ids_not_at_all() {
        let mut known = user("k@x");
        known.id = Some("u9".into());
        let targets = [
            Target::new(Operation::Provision, user("Ana@X")),
            Target::new(Operation::Grant, user("ana@x")).with_group(TargetGroup::named("Eng")),
            Target::new(Operation::Grant, known).with_group(TargetGroup::named("ENG")),
        ];
        let found = |create_first| -> Vec<(ResourceKind, String)> {
            lookups(&targets, create_first)
                .into_iter()
                .map(|s| (s.kind, s.name))
                .collect()
        };
        let found = found(false);
        assert_eq!(
            found,
            [
                (ResourceKind::User, "Ana@X".to_owned()),
                (ResourceKind::Group, "Eng".to_owned())
            ]
        );
        // Created first: a user provisioned on demand and nothing else.
        let provision = [Target::new(Operation::Provision, user("n@x"))];
        assert!(lookups(&provision, true).is_empty());
        assert_eq!(lookups(&provision, false).len(), 1);
        assert_eq!(
            lookups(&targets, true).len(),
            2,
            "a user also granted is looked up"
        );
        let event = [provision[0].clone().from_event("e1")];
        assert_eq!(lookups(&event, true).len(), 1, "events are looked up");
    }
}
