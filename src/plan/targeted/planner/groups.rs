//! The groups' half of a targeted plan: each group's grants and revocations against its
//! members as looked up, into membership actions (a `PATCH` per profile chunk, a `PUT` of the
//! whole list without PATCH), and the create of a granted group the server lacks.

use super::{user_ref, Targeted, UserRef};
use crate::plan::action::{Action, CreateGroup, GroupRef, Membership, SetMembers};
use crate::plan::{group_key, ActionKind, Guard, Note};
use crate::profile::Profile;
use crate::quoted::q;

impl Targeted<'_> {
    pub(super) fn group_actions(&mut self, profile: &Profile) {
        let chunk = profile.member_chunk_size().max(1);
        for g in 0..self.groups.len() {
            let (mut adds, mut removes) = (Vec::new(), Vec::new());
            for pair in self.pairs.iter().filter(|p| p.group == g) {
                let fold = &self.folds[pair.user];
                if fold.refused {
                    continue;
                }
                let member = fold.have.as_deref().map_or_else(
                    || UserRef {
                        user_name: fold.name.clone(),
                        id: None,
                    },
                    user_ref,
                );
                let is_member = match (&self.groups[g].have, &member.id) {
                    (Some(h), Some(id)) if h.members.is_some() => {
                        Some(h.member_ids().any(|m| m == id))
                    }
                    (None, _) | (_, None) => Some(false),
                    _ => None,
                };
                let wanted = if pair.grant {
                    is_member != Some(true)
                } else {
                    is_member != Some(false) && member.id.is_some()
                };
                if !wanted {
                    let message = format!("{}: already in effect", pair.label);
                    self.notes.push(Note::new(fold.name.clone(), message));
                } else if pair.grant {
                    adds.push(member);
                } else {
                    removes.push(member);
                }
            }
            self.plan_group(g, adds, removes, chunk, profile);
        }
    }

    fn plan_group(
        &mut self,
        g: usize,
        mut adds: Vec<UserRef>,
        removes: Vec<UserRef>,
        chunk: usize,
        profile: &Profile,
    ) {
        let target = self.groups[g].target.clone();
        let key = group_key(&target.display_name);
        let Some(have) = self.groups[g].have.clone() else {
            if adds.is_empty() {
                return;
            }
            let in_create = if profile.create_group_with_members {
                std::mem::take(&mut adds)
            } else {
                Vec::new()
            };
            let create = Action::CreateGroup(CreateGroup {
                display_name: target.display_name.clone(),
                external_id: target.external_id.clone().filter(|e| !e.is_empty()),
                members: in_create,
                reason: "granted, not on the server".into(),
            });
            self.push(create, key.clone(), 0);
            let group = GroupRef {
                display_name: target.display_name.clone(),
                id: None,
            };
            return self.memberships(&group, adds, ActionKind::AddMembers, chunk, &key);
        };
        let group = GroupRef {
            display_name: have.display_name.clone(),
            id: have.id.clone(),
        };
        if adds.is_empty() && removes.is_empty() {
            return;
        }
        if !profile.patch.supported {
            let Some(members) = &have.members else {
                let reason = format!(
                    "group {}: its members are unknown, and without PATCH the whole list is sent",
                    q(&group.display_name)
                );
                return self.block(Guard::IncompleteListing, reason);
            };
            let set = SetMembers::of(group, members, adds, removes);
            return self.push(set, key, 0);
        }
        self.memberships(&group, adds, ActionKind::AddMembers, chunk, &key);
        self.memberships(&group, removes, ActionKind::RemoveMembers, chunk, &key);
    }

    fn memberships(
        &mut self,
        group: &GroupRef,
        members: Vec<UserRef>,
        kind: ActionKind,
        chunk: usize,
        key: &str,
    ) {
        for (i, m) in Membership::chunked(group, members, chunk).enumerate() {
            let action = if kind == ActionKind::AddMembers {
                Action::AddMembers(m)
            } else {
                Action::RemoveMembers(m)
            };
            self.push(action, key.to_owned(), i);
        }
    }
}
