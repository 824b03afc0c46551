//! Allowed actions (the policy's `allow`): which kinds of change a run may make to users,
//! groups and memberships, for example a membership-only sync. A plan never contains a
//! disallowed action; a note says, per subject, what it would have done. An action that
//! depends on a withheld one goes too: a member who would have been created is not added,
//! and a group that would have been created gets no members.

use foldhash::HashSet;
use serde::{Deserialize, Serialize};

use super::action::{Action, UserRef};
use super::Note;
use crate::quoted::q;

/// What a run may do; everything is allowed unless a list is given.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Allowed {
    /// What may happen to users: `create`, `update`, `reactivate`, `deactivate`, `delete`
    /// (absent: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub users: Option<Vec<UserVerb>>,
    /// What may happen to groups: `create`, `update` (a rename), `delete` (absent: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub groups: Option<Vec<GroupVerb>>,
    /// What may happen to memberships: `add`, `remove` (absent: both).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub memberships: Option<Vec<MembershipVerb>>,
}

/// A change to a user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum UserVerb {
    /// Create a user.
    Create,
    /// Change a user's attributes.
    Update,
    /// Reactivate a deactivated user.
    Reactivate,
    /// Deactivate a user.
    Deactivate,
    /// Delete a user.
    Delete,
}

/// A change to a group.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum GroupVerb {
    /// Create a group.
    Create,
    /// Rename a group.
    Update,
    /// Delete a group.
    Delete,
}

/// A change to a membership.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MembershipVerb {
    /// Add members.
    Add,
    /// Remove members.
    Remove,
}

impl Allowed {
    /// Everything allowed (the default).
    pub fn all() -> Allowed {
        Allowed::default()
    }

    /// Only these user changes.
    pub fn with_users(mut self, verbs: Vec<UserVerb>) -> Allowed {
        self.users = Some(verbs);
        self
    }

    /// Only these group changes.
    pub fn with_groups(mut self, verbs: Vec<GroupVerb>) -> Allowed {
        self.groups = Some(verbs);
        self
    }

    /// Only these membership changes.
    pub fn with_memberships(mut self, verbs: Vec<MembershipVerb>) -> Allowed {
        self.memberships = Some(verbs);
        self
    }

    /// Whether nothing is restricted.
    pub fn is_all(&self) -> bool {
        *self == Allowed::default()
    }

    fn user(&self, verb: UserVerb) -> bool {
        self.users.as_ref().is_none_or(|v| v.contains(&verb))
    }

    fn group(&self, verb: GroupVerb) -> bool {
        self.groups.as_ref().is_none_or(|v| v.contains(&verb))
    }

    fn membership(&self, verb: MembershipVerb) -> bool {
        self.memberships.as_ref().is_none_or(|v| v.contains(&verb))
    }

    /// The verb an action is, and whether it is allowed.
    fn permits(&self, action: &Action) -> (&'static str, bool) {
        match action {
            Action::CreateUser(_) => ("create user", self.user(UserVerb::Create)),
            Action::UpdateUser(_) => ("update user", self.user(UserVerb::Update)),
            Action::ReactivateUser(_) => ("reactivate user", self.user(UserVerb::Reactivate)),
            Action::DeactivateUser(_) => ("deactivate user", self.user(UserVerb::Deactivate)),
            Action::DeleteUser(_) => ("delete user", self.user(UserVerb::Delete)),
            Action::CreateGroup(_) => ("create group", self.group(GroupVerb::Create)),
            Action::RenameGroup(_) => ("rename group", self.group(GroupVerb::Update)),
            Action::DeleteGroup(_) => ("delete group", self.group(GroupVerb::Delete)),
            Action::AddMembers(_) => ("add members to", self.membership(MembershipVerb::Add)),
            Action::RemoveMembers(_) => (
                "remove members from",
                self.membership(MembershipVerb::Remove),
            ),
            Action::SetMembers(s) => {
                let add = s.added.is_empty() || self.membership(MembershipVerb::Add);
                let remove = s.removed.is_empty() || self.membership(MembershipVerb::Remove);
                ("set the members of", add && remove)
            }
        }
    }
}

/// `actions` without what `allowed` forbids, and without what depended on it; a note per
/// action withheld (`subject`: whom it was about; `message`: what it would have done).
pub(crate) fn withhold<K, I>(
    actions: Vec<(Action, K, I)>,
    allowed: &Allowed,
    notes: &mut Vec<Note>,
) -> Vec<(Action, K, I)> {
    if allowed.is_all() {
        return actions;
    }
    // Sets: a withheld create is looked up once per membership that may name it.
    let mut withheld_users: HashSet<String> = HashSet::default();
    let mut withheld_groups: HashSet<String> = HashSet::default();
    let mut kept = Vec::with_capacity(actions.len());
    for (action, key, index) in actions {
        let (verb, ok) = allowed.permits(&action);
        if ok {
            kept.push((action, key, index));
            continue;
        }
        match &action {
            Action::CreateUser(c) => {
                withheld_users.insert(c.user_name.clone());
            }
            Action::CreateGroup(c) => {
                withheld_groups.insert(c.display_name.clone());
            }
            _ => {}
        }
        notes.push(Note::new(
            action.subject(),
            format!(
                "not planned: the policy does not allow it to {verb} {}",
                q(action.subject())
            ),
        ));
    }
    if withheld_users.is_empty() && withheld_groups.is_empty() {
        return kept;
    }
    // Members who will not exist, and groups that will not: nothing can refer to them.
    let pending = |m: &UserRef| m.id.is_none() && withheld_users.contains(&m.user_name);
    kept.retain_mut(|(action, ..)| match action {
        Action::CreateGroup(c) => {
            c.members.retain(|m| !pending(m));
            true
        }
        Action::AddMembers(m) | Action::RemoveMembers(m) => {
            let group_pending =
                m.group.id.is_none() && withheld_groups.contains(&m.group.display_name);
            m.members.retain(|u| !pending(u));
            !group_pending && !m.members.is_empty()
        }
        Action::SetMembers(s) => {
            s.members.retain(|u| !pending(u));
            s.added.retain(|u| !pending(u));
            !(s.group.id.is_none() && withheld_groups.contains(&s.group.display_name))
        }
        _ => true,
    });
    kept
}
