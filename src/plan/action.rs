//! Plan actions: one reviewable step each, what kind of step it is ([`ActionKind`]) and
//! when it is applied ([`ApplyPhase`]). The request each becomes is `plan/requests.rs`'s.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::diff::Change;
use crate::model::User;
use crate::response::Expect;

/// One step of a plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Action {
    /// `POST /Users`.
    CreateUser(CreateUser),
    /// Managed attributes differ: PATCH (or PUT when the server has no PATCH).
    UpdateUser(UserUpdate),
    /// An inactive user the directory wants active, with any attribute changes.
    ReactivateUser(UserUpdate),
    /// `active=false`, with any attribute changes.
    DeactivateUser(UserUpdate),
    /// `DELETE /Users/{id}` (only when the policy asks for deletion).
    DeleteUser(DeleteUser),
    /// `POST /Groups`, with its first members where the profile takes them in the create
    /// (`createGroupWithMembers`); other members follow in membership actions.
    CreateGroup(CreateGroup),
    /// PATCH (or PUT) of `displayName`.
    RenameGroup(RenameGroup),
    /// `DELETE /Groups/{id}` (only when the policy manages unnamed groups).
    DeleteGroup(DeleteGroup),
    /// PATCH `add` on `members`, at most one profile chunk.
    AddMembers(Membership),
    /// PATCH `remove` on `members`, at most one profile chunk.
    RemoveMembers(Membership),
    /// PUT of the whole member list, for servers without PATCH.
    SetMembers(SetMembers),
}

/// A user reference: userName always, id once known.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    /// The server id; `None` for a user this plan creates. Written first, so a reference
    /// is written in the plan digest's key order (it is in every membership change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's userName.
    pub user_name: String,
}

/// A group reference: displayName always, id once known.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRef {
    /// The group's displayName.
    pub display_name: String,
    /// The server id; `None` for a group this plan creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Details of [`Action::CreateUser`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    /// The userName created.
    pub user_name: String,
    /// The body sent.
    pub user: User,
    /// Why.
    pub reason: String,
}

/// Details of an update, reactivation or deactivation.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserUpdate {
    /// The user.
    pub user: UserRef,
    /// What changes, attribute by attribute (including `active`).
    pub changes: Vec<Change>,
    /// The full resource to PUT, for servers without PATCH.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<User>,
    /// Why.
    pub reason: String,
}

/// Details of [`Action::DeleteUser`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteUser {
    /// The user.
    pub user: UserRef,
    /// Why.
    pub reason: String,
}

/// Details of [`Action::CreateGroup`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroup {
    /// The group's name.
    pub display_name: String,
    /// The directory's id for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The members the create carries (at most one member chunk with PATCH, all without;
    /// none where the server creates groups empty). A member this plan creates has no id in
    /// the plan: the request then waits for it, and is built once the create users phase,
    /// which comes first, has learnt it. Absent in the JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub members: Vec<UserRef>,
    /// Why.
    pub reason: String,
}

/// Details of [`Action::RenameGroup`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenameGroup {
    /// The group, by its current name.
    pub group: GroupRef,
    /// The new name.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// Details of [`Action::DeleteGroup`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteGroup {
    /// The group.
    pub group: GroupRef,
    /// Why.
    pub reason: String,
}

/// Details of [`Action::AddMembers`] and [`Action::RemoveMembers`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// The group.
    pub group: GroupRef,
    /// The members added or removed.
    pub members: Vec<UserRef>,
}

impl Membership {
    /// `members` of `group` as memberships of at most `size` members each (at least one),
    /// in order: the profile's chunks of one change. The members are moved, not copied.
    pub(crate) fn chunked(
        group: &GroupRef,
        members: Vec<UserRef>,
        size: usize,
    ) -> impl Iterator<Item = Membership> + '_ {
        let size = size.max(1);
        let mut members = members.into_iter().peekable();
        std::iter::from_fn(move || {
            members.peek()?;
            Some(Membership {
                group: group.clone(),
                members: members.by_ref().take(size).collect(),
            })
        })
    }
}

/// Details of [`Action::SetMembers`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetMembers {
    /// The group.
    pub group: GroupRef,
    /// The complete member list after the change.
    pub members: Vec<UserRef>,
    /// Members this adds.
    pub added: Vec<UserRef>,
    /// Members this removes (by id; no longer in `members`).
    pub removed: Vec<UserRef>,
}

impl SetMembers {
    /// The PUT of `group`'s member list for a server without PATCH: the members it has
    /// (`existing`, by id) without `removed`, then `added`. The one rule for an adopted
    /// group's missing members and a targeted grant or revocation.
    pub(crate) fn of(
        group: GroupRef,
        existing: &[crate::model::Member],
        added: Vec<UserRef>,
        removed: Vec<UserRef>,
    ) -> Action {
        let mut members = Vec::with_capacity(existing.len() + added.len());
        for m in existing {
            if !removed
                .iter()
                .any(|r| r.id.as_deref() == Some(m.value.as_str()))
            {
                members.push(UserRef {
                    user_name: m.value.clone(),
                    id: Some(m.value.clone()),
                });
            }
        }
        members.extend(added.iter().cloned());
        Action::SetMembers(SetMembers {
            group,
            members,
            added,
            removed,
        })
    }
}

/// What an action does, as the plan JSON names it (its `type`, and `kind` in an
/// outcome). Declared in the order of those names: the derived order is the plan's order of
/// actions within an apply phase, as it was when kinds were compared as text.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ActionKind {
    /// [`Action::AddMembers`].
    AddMembers,
    /// [`Action::CreateGroup`].
    CreateGroup,
    /// [`Action::CreateUser`].
    CreateUser,
    /// [`Action::DeactivateUser`].
    DeactivateUser,
    /// [`Action::DeleteGroup`].
    DeleteGroup,
    /// [`Action::DeleteUser`].
    DeleteUser,
    /// [`Action::ReactivateUser`].
    ReactivateUser,
    /// [`Action::RemoveMembers`].
    RemoveMembers,
    /// [`Action::RenameGroup`].
    RenameGroup,
    /// [`Action::SetMembers`].
    SetMembers,
    /// [`Action::UpdateUser`].
    UpdateUser,
}

impl ActionKind {
    /// Every kind, in their order.
    pub const ALL: [ActionKind; 11] = [
        ActionKind::AddMembers,
        ActionKind::CreateGroup,
        ActionKind::CreateUser,
        ActionKind::DeactivateUser,
        ActionKind::DeleteGroup,
        ActionKind::DeleteUser,
        ActionKind::ReactivateUser,
        ActionKind::RemoveMembers,
        ActionKind::RenameGroup,
        ActionKind::SetMembers,
        ActionKind::UpdateUser,
    ];

    /// The kind's name in the plan JSON (`createUser`...).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::AddMembers => "addMembers",
            ActionKind::CreateGroup => "createGroup",
            ActionKind::CreateUser => "createUser",
            ActionKind::DeactivateUser => "deactivateUser",
            ActionKind::DeleteGroup => "deleteGroup",
            ActionKind::DeleteUser => "deleteUser",
            ActionKind::ReactivateUser => "reactivateUser",
            ActionKind::RemoveMembers => "removeMembers",
            ActionKind::RenameGroup => "renameGroup",
            ActionKind::SetMembers => "setMembers",
            ActionKind::UpdateUser => "updateUser",
        }
    }

    /// Whether actions of this kind write a user (else a group).
    pub fn is_user(self) -> bool {
        matches!(
            self,
            ActionKind::CreateUser
                | ActionKind::UpdateUser
                | ActionKind::ReactivateUser
                | ActionKind::DeactivateUser
                | ActionKind::DeleteUser
        )
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When an action is applied. Phases run in this order (the plan's actions are sorted by
/// it), each once the one before has settled: an action may need an id that an earlier
/// phase learns (a membership needs its group's and users' ids), and removals come last,
/// after everything that could still fail has been tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ApplyPhase {
    /// Users created.
    CreateUsers,
    /// Users updated or reactivated.
    UpdateUsers,
    /// Groups created or renamed.
    Groups,
    /// Group members added, removed or set.
    Memberships,
    /// Users deactivated.
    Deactivations,
    /// Users and groups deleted.
    Deletions,
}

impl Action {
    /// What the response to this action's request looks like.
    pub fn expect(&self) -> Expect {
        match self {
            Action::CreateUser(_) | Action::CreateGroup(_) => Expect::Create,
            Action::DeleteUser(_) | Action::DeleteGroup(_) => Expect::Delete,
            Action::SetMembers(_) => Expect::Replace,
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u)
                if u.replacement.is_some() =>
            {
                Expect::Replace
            }
            _ => Expect::Patch,
        }
    }

    /// The apply phase: users created, updated and reactivated first, then groups created
    /// or renamed, then memberships, then deactivations, then deletions.
    pub fn phase(&self) -> ApplyPhase {
        match self {
            Action::CreateUser(_) => ApplyPhase::CreateUsers,
            Action::UpdateUser(_) | Action::ReactivateUser(_) => ApplyPhase::UpdateUsers,
            Action::CreateGroup(_) | Action::RenameGroup(_) => ApplyPhase::Groups,
            Action::AddMembers(_) | Action::RemoveMembers(_) | Action::SetMembers(_) => {
                ApplyPhase::Memberships
            }
            Action::DeactivateUser(_) => ApplyPhase::Deactivations,
            Action::DeleteUser(_) | Action::DeleteGroup(_) => ApplyPhase::Deletions,
        }
    }

    /// What kind of action this is (its `type` in the plan JSON).
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::CreateUser(_) => ActionKind::CreateUser,
            Action::UpdateUser(_) => ActionKind::UpdateUser,
            Action::ReactivateUser(_) => ActionKind::ReactivateUser,
            Action::DeactivateUser(_) => ActionKind::DeactivateUser,
            Action::DeleteUser(_) => ActionKind::DeleteUser,
            Action::CreateGroup(_) => ActionKind::CreateGroup,
            Action::RenameGroup(_) => ActionKind::RenameGroup,
            Action::DeleteGroup(_) => ActionKind::DeleteGroup,
            Action::AddMembers(_) => ActionKind::AddMembers,
            Action::RemoveMembers(_) => ActionKind::RemoveMembers,
            Action::SetMembers(_) => ActionKind::SetMembers,
        }
    }

    /// Whether the action writes a user (else a group).
    pub fn writes_user(&self) -> bool {
        self.kind().is_user()
    }

    /// Who the action is about: a userName or a group name.
    pub fn subject(&self) -> &str {
        match self {
            Action::CreateUser(c) => &c.user_name,
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
                &u.user.user_name
            }
            Action::DeleteUser(d) => &d.user.user_name,
            Action::CreateGroup(c) => &c.display_name,
            Action::RenameGroup(r) => &r.group.display_name,
            Action::DeleteGroup(d) => &d.group.display_name,
            Action::AddMembers(m) | Action::RemoveMembers(m) => &m.group.display_name,
            Action::SetMembers(s) => &s.group.display_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memberships_are_the_chunks_in_order() {
        let group = GroupRef {
            display_name: "G".into(),
            id: Some("g1".into()),
        };
        let user = |i: usize| UserRef {
            user_name: format!("u{i}@x.com"),
            id: Some(format!("usr{i}")),
        };
        for len in 0..12 {
            for size in 0..5 {
                let members: Vec<UserRef> = (0..len).map(user).collect();
                let chunked: Vec<Membership> =
                    Membership::chunked(&group, members.clone(), size).collect();
                let expected: Vec<Membership> = members
                    .chunks(size.max(1))
                    .map(|part| Membership {
                        group: group.clone(),
                        members: part.to_vec(),
                    })
                    .collect();
                assert_eq!(chunked, expected, "{len} members in chunks of {size}");
            }
        }
    }

    #[test]
    fn kinds_are_named_and_ordered_as_in_the_plan_json() {
        let names: Vec<&str> = ActionKind::ALL.iter().map(|k| k.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "the derived order is the order of the names");
        for kind in ActionKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::Value::String(kind.as_str().to_owned()));
            assert_eq!(serde_json::from_value::<ActionKind>(json).unwrap(), kind);
            assert_eq!(kind.to_string(), kind.as_str());
        }
    }
}
