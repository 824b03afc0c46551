//! Plan actions: one reviewable step each, and the HTTP request it becomes once the ids it
//! needs are known.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::diff::Change;
use crate::filter::Filter;
use crate::http::HttpRequest;
use crate::model::{Group, Member, PatchOp, PatchOperation, User};
use crate::profile::MemberAddShape;
use crate::request::{EncodeError, RequestEncoder, ResourceKind};
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
    /// `POST /Groups` (empty; members follow in membership actions).
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
    /// The user's userName.
    pub user_name: String,
    /// The server id; `None` for a user this plan creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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

/// Ids learnt while applying a plan (users and groups this plan created).
pub trait IdLookup {
    /// The id of the user with this userName, if known.
    fn user_id(&self, user_name: &str) -> Option<String>;
    /// The id of the group with this displayName, if known.
    fn group_id(&self, display_name: &str) -> Option<String>;
}

/// A lookup that knows nothing beyond the ids written in the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoIds;

impl IdLookup for NoIds {
    fn user_id(&self, _: &str) -> Option<String> {
        None
    }
    fn group_id(&self, _: &str) -> Option<String> {
        None
    }
}

/// Why an action's request cannot be built yet, or at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An id the request needs is not known (its create has not happened, or failed).
    #[error("waiting for the id of {0}")]
    Unresolved(String),
    /// The request could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl UserRef {
    fn resolve(&self, ids: &dyn IdLookup) -> Result<String, BuildError> {
        self.id
            .clone()
            .or_else(|| ids.user_id(&self.user_name))
            .ok_or_else(|| BuildError::Unresolved(format!("user {:?}", self.user_name)))
    }
}

impl GroupRef {
    fn resolve(&self, ids: &dyn IdLookup) -> Result<String, BuildError> {
        self.id
            .clone()
            .or_else(|| ids.group_id(&self.display_name))
            .ok_or_else(|| BuildError::Unresolved(format!("group {:?}", self.display_name)))
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
    /// The request this action becomes, given the ids known so far.
    pub fn request(
        &self,
        encoder: &RequestEncoder,
        ids: &dyn IdLookup,
    ) -> Result<HttpRequest, BuildError> {
        let profile = encoder.profile();
        Ok(match self {
            Action::CreateUser(c) => encoder.create_user(&c.user)?,
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
                let id = u.user.resolve(ids)?;
                match &u.replacement {
                    Some(full) => encoder.replace_user(&id, full)?,
                    None => {
                        let ops = u
                            .changes
                            .iter()
                            .map(|c| PatchOperation::replace(c.attribute.clone(), c.after.clone()))
                            .collect();
                        encoder.patch(ResourceKind::User, &id, &PatchOp::new(ops))?
                    }
                }
            }
            Action::DeleteUser(d) => encoder.delete(ResourceKind::User, &d.user.resolve(ids)?)?,
            Action::CreateGroup(c) => {
                let mut group = Group::new(c.display_name.clone());
                group.external_id.clone_from(&c.external_id);
                encoder.create_group(&group)?
            }
            Action::RenameGroup(r) => {
                let id = r.group.resolve(ids)?;
                if profile.patch.supported {
                    let op = PatchOperation::replace("displayName", Value::String(r.to.clone()));
                    encoder.patch(ResourceKind::Group, &id, &PatchOp::new(vec![op]))?
                } else {
                    // Without PATCH a rename is a PUT; members are left out so the server
                    // keeps them (SetMembers carries them when they change too).
                    encoder.replace_group(&id, &Group::new(r.to.clone()))?
                }
            }
            Action::DeleteGroup(d) => {
                encoder.delete(ResourceKind::Group, &d.group.resolve(ids)?)?
            }
            Action::AddMembers(m) => {
                let id = m.group.resolve(ids)?;
                let member_ids = resolve_all(&m.members, ids)?;
                let ops = match profile.patch.member_add {
                    MemberAddShape::SingleObject => member_ids
                        .iter()
                        .map(|mid| PatchOperation::add("members", json!({ "value": mid })))
                        .collect(),
                    _ => {
                        let values: Vec<Value> = member_ids
                            .iter()
                            .map(|mid| json!({ "value": mid }))
                            .collect();
                        vec![PatchOperation::add("members", Value::Array(values))]
                    }
                };
                encoder.patch(ResourceKind::Group, &id, &PatchOp::new(ops))?
            }
            Action::RemoveMembers(m) => {
                let id = m.group.resolve(ids)?;
                let ops = resolve_all(&m.members, ids)?
                    .iter()
                    .map(|mid| {
                        PatchOperation::remove(format!(
                            "members[{}]",
                            Filter::eq("value", mid.as_str())
                        ))
                    })
                    .collect();
                encoder.patch(ResourceKind::Group, &id, &PatchOp::new(ops))?
            }
            Action::SetMembers(s) => {
                let id = s.group.resolve(ids)?;
                let mut group = Group::new(s.group.display_name.clone());
                group.members = Some(
                    resolve_all(&s.members, ids)?
                        .into_iter()
                        .map(Member::new)
                        .collect(),
                );
                encoder.replace_group(&id, &group)?
            }
        })
    }

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

    /// The action's name as in the plan JSON (`createUser`...).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateUser(_) => "createUser",
            Action::UpdateUser(_) => "updateUser",
            Action::ReactivateUser(_) => "reactivateUser",
            Action::DeactivateUser(_) => "deactivateUser",
            Action::DeleteUser(_) => "deleteUser",
            Action::CreateGroup(_) => "createGroup",
            Action::RenameGroup(_) => "renameGroup",
            Action::DeleteGroup(_) => "deleteGroup",
            Action::AddMembers(_) => "addMembers",
            Action::RemoveMembers(_) => "removeMembers",
            Action::SetMembers(_) => "setMembers",
        }
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

fn resolve_all(members: &[UserRef], ids: &dyn IdLookup) -> Result<Vec<String>, BuildError> {
    members.iter().map(|m| m.resolve(ids)).collect()
}
