//! The users' half of planning: matching directory users to listed ones, their updates,
//! creates and reactivations, and offboarding the listed users the directory no longer wants.

use serde_json::Value;

use super::{DesiredIndex, Planner, ServerIndex};
use crate::model::{schemas, User};
use crate::plan::action::{Action, CreateUser, DeleteUser, UserRef, UserUpdate};
use crate::plan::ambiguity::{self, match_subjects, Match};
use crate::plan::desired::DesiredState;
use crate::plan::diff::{replacement, user_changes, Change};
use crate::plan::keys::user_key;
use crate::plan::policy::Offboarding;
use crate::profile::Profile;

/// For each desired user: the server user it matched, and whether it will exist and is
/// touchable after the plan.
pub(super) struct UserMatches {
    pub(super) server: Vec<Option<usize>>,
    /// The desired user will exist on the server (matched, or created by this plan).
    pub(super) exists: Vec<bool>,
    pub(super) touchable: Vec<bool>,
    /// Per listed user: a candidate of an ambiguous match, so never touched.
    pub(super) held: Vec<bool>,
}

impl Planner<'_> {
    pub(super) fn plan_users(
        &mut self,
        desired: &DesiredState,
        dir: &DesiredIndex,
        server: &ServerIndex,
    ) -> UserMatches {
        let n = desired.users.len();
        let subjects: Vec<(Option<&str>, &str)> = desired
            .users
            .iter()
            .zip(&dir.keys)
            .map(|(u, k)| (u.external_id.as_deref(), k.as_ref()))
            .collect();
        let matching = match_subjects(&subjects, server.users.len(), &server.claims);
        let mut m = UserMatches {
            server: vec![None; n],
            exists: vec![false; n],
            touchable: vec![false; n],
            held: matching.held,
        };
        for (i, found) in matching.matches.iter().enumerate() {
            if let Match::One(s) = found {
                m.server[i] = Some(*s);
            }
        }
        for (i, want) in desired.users.iter().enumerate() {
            let key = &dir.keys[i];
            let in_scope = self.policy.may_touch(want);
            match &matching.matches[i] {
                Match::Contested => {
                    self.note(
                        &want.user_name,
                        "skipped: the server user with this userName is matched by externalId to another directory user",
                    );
                    continue;
                }
                Match::Held => {
                    self.note(
                        &want.user_name,
                        "skipped: the server user with this userName is a candidate of another directory user's ambiguous match",
                    );
                    continue;
                }
                // Outside the scope nothing would change anyway: the scope note says so.
                Match::Ambiguous(candidates) if in_scope => {
                    let ids = candidates
                        .iter()
                        .map(|&s| server.users[s].id.as_deref().unwrap_or_default());
                    self.ambiguous
                        .push(ambiguity::guard("user", &want.user_name, ids));
                    continue;
                }
                _ => {}
            }
            if !in_scope {
                m.exists[i] = m.server[i].is_some();
                self.note(
                    &want.user_name,
                    "skipped: outside the policy's scope or protected",
                );
                continue;
            }
            match m.server[i] {
                Some(s) if !server.touchable[s] => {
                    m.exists[i] = true;
                    self.note(
                        &want.user_name,
                        "skipped: the matching server user is outside the scope or protected",
                    );
                }
                Some(s) => {
                    m.exists[i] = true;
                    m.touchable[i] = true;
                    self.plan_user_update(want, server.users[s], key);
                }
                None if !want.is_active() => {
                    self.note(
                        &want.user_name,
                        "not created: the directory marks the user inactive",
                    );
                }
                None => {
                    m.exists[i] = true;
                    m.touchable[i] = true;
                    self.push(
                        Action::CreateUser(CreateUser {
                            user_name: want.user_name.clone(),
                            user: create_body(want, self.profile),
                            reason: "in the directory, not on the server".into(),
                        }),
                        key.to_string(),
                        0,
                    );
                }
            }
        }
        self.plan_offboarding(server, &matching.claimed, &m.held);
        m
    }

    fn plan_user_update(&mut self, want: &User, have: &User, key: &str) {
        if let Some(update) = user_update(want, have, self.profile.patch.supported) {
            self.push(update, key.to_owned(), 0);
        }
    }

    fn plan_offboarding(&mut self, server: &ServerIndex, claimed: &[bool], held: &[bool]) {
        if !self.removals_allowed || self.policy.offboarding == Offboarding::Leave {
            return;
        }
        let patchless = !self.profile.patch.supported;
        for (s, have) in server.users.iter().enumerate() {
            // A held user is one of an ambiguous match's candidates: in the directory, perhaps.
            if claimed[s] || held[s] || !server.touchable[s] {
                continue;
            }
            let user = UserRef {
                user_name: have.user_name.clone(),
                id: have.id.clone(),
            };
            let key = user_key(&have.user_name);
            let reason = "not in the directory".to_owned();
            match self.policy.offboarding {
                Offboarding::Delete => {
                    self.push(Action::DeleteUser(DeleteUser { user, reason }), key, 0);
                }
                _ if have.is_active() => {
                    let replacement = patchless.then(|| replacement(have, have, false));
                    self.push(
                        Action::DeactivateUser(UserUpdate {
                            user,
                            changes: vec![active_change(true, false)],
                            replacement,
                            reason,
                        }),
                        key,
                        0,
                    );
                }
                _ => {}
            }
        }
    }
}

/// What brings the server user `have` (matched to the directory's `want`, and addressed by
/// `have`'s id) to the directory: an update of the managed attributes that differ, a
/// reactivation or a deactivation (with those changes), or `None` when nothing differs. A
/// PUT of the whole resource where the server has no PATCH (`patch_supported`). The one
/// rule for a matched user, whether the planner matched it or apply adopted it after a
/// lookup.
pub(crate) fn user_update(want: &User, have: &User, patch_supported: bool) -> Option<Action> {
    let mut changes = user_changes(want, have);
    let (from, to) = (have.is_active(), want.is_active());
    let (make, reason): (fn(UserUpdate) -> Action, &str) = match (from, to) {
        (false, true) => (
            Action::ReactivateUser,
            "inactive on the server, active in the directory",
        ),
        (true, false) => (Action::DeactivateUser, "marked inactive in the directory"),
        _ if changes.is_empty() => return None,
        _ => (Action::UpdateUser, "managed attributes differ"),
    };
    if from != to {
        changes.push(active_change(from, to));
    }
    Some(make(UserUpdate {
        user: UserRef {
            user_name: have.user_name.clone(),
            id: have.id.clone(),
        },
        changes,
        replacement: (!patch_supported).then(|| replacement(want, have, to)),
        reason: reason.into(),
    }))
}

pub(super) fn active_change(from: bool, to: bool) -> Change {
    Change {
        attribute: "active".into(),
        before: Value::Bool(from),
        after: Value::Bool(to),
    }
}

/// The body that creates `want` on a server of `profile`: without the server's own
/// attributes (`id`, `meta`, the read-only `groups`), `active` explicit (some servers read a
/// missing `active` as inactive; only active users are created), the schemas its extensions
/// need, and no `manager.displayName` where the server treats it as read-only. The one rule
/// for a planned create and for the engine's re-create of a user that vanished mid-run.
pub(crate) fn create_body(want: &User, profile: &Profile) -> User {
    let mut body = want.clone();
    body.id = None;
    body.meta = None;
    body.groups.clear();
    body.active = Some(true);
    if !profile.manager_display_name_writable {
        if let Some(manager) = body.enterprise.as_mut().and_then(|e| e.manager.as_mut()) {
            manager.display_name = None;
        }
    }
    ensure_schemas(&mut body);
    body
}

pub(super) fn ensure_schemas(user: &mut User) {
    if !user.schemas.iter().any(|s| s == schemas::USER) {
        user.schemas.insert(0, schemas::USER.to_owned());
    }
    if user.enterprise.is_some() && !user.schemas.iter().any(|s| s == schemas::ENTERPRISE_USER) {
        user.schemas.push(schemas::ENTERPRISE_USER.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(active: bool, title: &str) -> User {
        let mut u = User::new("a@x");
        u.id = Some("u1".into());
        u.active = Some(active);
        u.title = Some(title.into());
        u
    }

    #[test]
    fn a_matched_user_is_updated_reactivated_deactivated_or_left() {
        assert_eq!(user_update(&user(true, "T"), &user(true, "T"), true), None);
        let Some(Action::UpdateUser(u)) = user_update(&user(true, "New"), &user(true, "T"), true)
        else {
            panic!("an update")
        };
        let attributes: Vec<&str> = u.changes.iter().map(|c| c.attribute.as_str()).collect();
        assert_eq!(
            (attributes, u.user.id.as_deref()),
            (vec!["title"], Some("u1"))
        );
        assert_eq!(u.replacement, None, "PATCH where the server has it");

        let Some(Action::ReactivateUser(u)) =
            user_update(&user(true, "New"), &user(false, "T"), false)
        else {
            panic!("a reactivation")
        };
        let attributes: Vec<&str> = u.changes.iter().map(|c| c.attribute.as_str()).collect();
        assert_eq!(attributes, ["title", "active"]);
        let put = u.replacement.expect("a PUT without PATCH");
        assert_eq!(
            (put.active, put.title.as_deref()),
            (Some(true), Some("New"))
        );

        let deactivation = user_update(&user(false, "T"), &user(true, "T"), true);
        assert!(matches!(deactivation, Some(Action::DeactivateUser(_))));
    }
}
