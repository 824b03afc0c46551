//! Whether a write stuck: the resource a server returns for a user's PATCH or PUT (or a
//! group's rename) is compared with what was written, and an attribute it does not hold as
//! written is warned about, once per attribute per run. Without it, a server that drops an
//! attribute (read-only there, or unsupported) would see the same update planned forever,
//! silently.

use crate::model::{Group, User};
use crate::plan::{unkept, Action};

/// The attributes warned about so far (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Kept {
    warned: Vec<String>,
}

impl Kept {
    /// The warnings a user write's answer `answered` owes for `action` (an update,
    /// reactivation or deactivation; none for other actions).
    pub(crate) fn user(&mut self, action: &Action, answered: &User) -> Vec<String> {
        let (Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u)) =
            action
        else {
            return Vec::new();
        };
        unkept(&u.changes, answered)
            .filter_map(|c| self.first(&c.attribute, &u.user.user_name, &shown(&c.after)))
            .collect()
    }

    /// The warning a group write's answer owes for a rename it does not show.
    pub(crate) fn group(&mut self, action: &Action, answered: &Group) -> Option<String> {
        let Action::RenameGroup(r) = action else {
            return None;
        };
        (answered.display_name != r.to)
            .then(|| {
                self.first(
                    "displayName",
                    &r.group.display_name,
                    &shown(&r.to.as_str().into()),
                )
            })
            .flatten()
    }

    fn first(&mut self, attribute: &str, subject: &str, written: &str) -> Option<String> {
        if self.warned.iter().any(|a| a == attribute) {
            return None;
        }
        self.warned.push(attribute.to_owned());
        Some(format!(
            "the server did not keep {attribute} of {subject} (written {written}, answered \
             otherwise): every plan will change it again until the server accepts it or the \
             directory stops naming it"
        ))
    }
}

/// A written value as a warning quotes it: at most 60 characters, a string in quotes it may
/// hold itself (never escaped: the warning is read, not parsed).
fn shown(value: &serde_json::Value) -> String {
    let text = match value.as_str() {
        Some(s) => format!("\"{s}\""),
        None => value.to_string(),
    };
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::{Change, UserRef, UserUpdate};

    fn update(changes: Vec<Change>) -> Action {
        Action::UpdateUser(UserUpdate {
            user: UserRef {
                user_name: "ana@example.com".into(),
                id: Some("u1".into()),
            },
            changes,
            replacement: None,
            reason: "managed attributes differ".into(),
        })
    }

    fn change(attribute: &str, after: serde_json::Value) -> Change {
        Change {
            attribute: attribute.into(),
            before: serde_json::Value::Null,
            after,
        }
    }

    #[test]
    fn an_attribute_answered_otherwise_is_warned_once_per_run() {
        let action = update(vec![
            change("title", json!("Engineer")),
            change(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                json!("R&D"),
            ),
            change("active", json!(true)),
        ]);
        let answered: User = serde_json::from_value(json!({
            "id": "u1", "userName": "Ana@Example.com", "title": "Engineer", "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
        }))
        .unwrap();
        let mut kept = Kept::default();
        let warnings = kept.user(&action, &answered);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("did not keep urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department of ana@example.com (written \"R&D\""));
        assert_eq!(
            kept.user(&action, &answered),
            Vec::<String>::new(),
            "once per run"
        );
        // Kept as written: no warning.
        let mut fresh = Kept::default();
        let ok: User = serde_json::from_value(json!({"id": "u1", "userName": "ana@example.com",
            "title": "Engineer", "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}}))
        .unwrap();
        assert!(fresh.user(&action, &ok).is_empty());
    }

    #[test]
    fn a_rename_the_answer_lacks_is_warned() {
        let rename = Action::RenameGroup(crate::plan::RenameGroup {
            group: crate::plan::GroupRef {
                display_name: "Eng".into(),
                id: Some("g1".into()),
            },
            to: "Engineering".into(),
            reason: "renamed".into(),
        });
        let mut kept = Kept::default();
        let same: Group =
            serde_json::from_value(json!({"id": "g1", "displayName": "Eng"})).unwrap();
        assert!(kept
            .group(&rename, &same)
            .unwrap()
            .contains("did not keep displayName of Eng (written \"Engineering\""));
        let renamed: Group =
            serde_json::from_value(json!({"id": "g1", "displayName": "Engineering"})).unwrap();
        assert!(Kept::default().group(&rename, &renamed).is_none());
    }
}
