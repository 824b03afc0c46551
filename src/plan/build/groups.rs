//! The groups' half of planning: creating and renaming groups, and reconciling their
//! members in chunks the profile allows.

// foldhash is several times faster than SipHash on the short strings planning hashes
// (userNames, ids) and, seeded per process, keeps crafted-collision inputs from degrading
// lookups; iteration order never reaches the output, which is sorted.
use foldhash::HashSet;

use super::members::Marks;
use super::{DesiredIndex, Planner, ServerIndex, UserMatches};
use crate::plan::action::{
    Action, CreateGroup, DeleteGroup, GroupRef, Membership, RenameGroup, SetMembers, UserRef,
};
use crate::plan::ambiguity::{self, match_subjects, Indexed, KeyIndex, Match};
use crate::plan::desired::{DesiredGroup, DesiredState};
use crate::plan::keys::{group_key, user_key};
use crate::sorting;

impl Planner<'_> {
    pub(super) fn plan_groups(
        &mut self,
        desired: &DesiredState,
        dir: &DesiredIndex,
        server: &ServerIndex,
        users: &UserMatches,
    ) {
        let groups = &self.actual.groups;
        // Listed groups by position in id order, so candidates come in id order.
        let order = &server.groups;
        let mut by_ext = KeyIndex::with_capacity(order.len());
        let mut by_key = KeyIndex::with_capacity(order.len());
        for (o, &g) in order.iter().enumerate() {
            if let Some(ext) = groups[g].external_id.as_deref().filter(|e| !e.is_empty()) {
                by_ext.insert(ext, o);
            }
            by_key.insert(&group_key(&groups[g].display_name), o);
        }
        let keys: Vec<String> = desired
            .groups
            .iter()
            .map(|g| group_key(&g.display_name))
            .collect();
        let subjects: Vec<(Option<&str>, &str)> = desired
            .groups
            .iter()
            .zip(&keys)
            .map(|(g, k)| (g.external_id.as_deref(), k.as_str()))
            .collect();
        let matching = match_subjects(
            &subjects,
            order.len(),
            &Indexed {
                ext: &by_ext,
                key: &by_key,
            },
        );
        let mut marks = Marks::new(
            users
                .exists
                .iter()
                .zip(&users.touchable)
                .map(|(e, t)| *e && *t),
            &users.server,
            server
                .touchable
                .iter()
                .zip(&users.held)
                .map(|(t, h)| *t && !*h),
        );
        for (i, want) in desired.groups.iter().enumerate() {
            let matched = match &matching.matches[i] {
                Match::One(o) => Some(*o),
                // A name taken by another group's externalId: a group of its own.
                Match::None | Match::Contested => None,
                Match::Held => {
                    self.note(
                        &want.display_name,
                        "skipped: the server group with this displayName is a candidate of another directory group's ambiguous match",
                    );
                    continue;
                }
                Match::Ambiguous(candidates) => {
                    let ids = candidates
                        .iter()
                        .map(|&o| groups[order[o]].id.as_deref().unwrap_or_default());
                    self.ambiguous
                        .push(ambiguity::guard("group", &want.display_name, ids));
                    continue;
                }
            };
            self.plan_group(want, dir.members(i), matched, dir, server, &mut marks);
        }
        if self.policy.delete_unnamed_groups && self.removals_allowed {
            for (o, &g) in order.iter().enumerate() {
                if !matching.claimed[o] && !matching.held[o] {
                    let group = &groups[g];
                    self.push(
                        Action::DeleteGroup(DeleteGroup {
                            group: GroupRef {
                                display_name: group.display_name.clone(),
                                id: group.id.clone(),
                            },
                            reason: "not in the directory, and the policy manages unnamed groups"
                                .into(),
                        }),
                        group_key(&group.display_name),
                        0,
                    );
                }
            }
        }
    }

    /// Plans desired group `want` (its `members` as desired-user indices) against the listed
    /// group at position `matched` of the id order, if any.
    fn plan_group(
        &mut self,
        want: &DesiredGroup,
        members: &[u32],
        matched: Option<usize>,
        dir: &DesiredIndex,
        server: &ServerIndex,
        marks: &mut Marks,
    ) {
        let key = group_key(&want.display_name);
        let have = matched.map(|o| &self.actual.groups[server.groups[o]]);
        let group = GroupRef {
            display_name: have.map_or(&want.display_name, |h| &h.display_name).clone(),
            id: have.and_then(|h| h.id.clone()),
        };
        match have {
            // Pushed below, once its members are known.
            None => {}
            Some(h) if h.display_name != want.display_name => self.push(
                Action::RenameGroup(RenameGroup {
                    group: group.clone(),
                    to: want.display_name.clone(),
                    reason: "renamed in the directory".into(),
                }),
                key.clone(),
                0,
            ),
            Some(_) => {}
        }
        // After a rename, later requests still address the group by id; by name only when
        // it is new, under its new name.
        let group = if have.is_some() {
            group
        } else {
            GroupRef {
                display_name: want.display_name.clone(),
                id: None,
            }
        };

        // Desired members that will exist and may be touched against the current members
        // (ids of users we cannot see are left alone), both as indices.
        let current = matched.and_then(|o| server.members.of(o));
        let changes = marks.reconcile(
            members,
            current,
            self.removals_allowed,
            &dir.rank,
            &server.rank,
        );
        let server_ref = |s: usize| {
            let (id, user_name) = server.refs[s];
            UserRef {
                id: Some(id.to_owned()),
                user_name: user_name.to_owned(),
            }
        };
        let to_add: Vec<UserRef> = changes
            .add
            .iter()
            .map(|&d| match marks.server_of(d) {
                Some(s) => server_ref(s),
                // Named as the directory spells it: the create action carries that name.
                None => UserRef {
                    user_name: dir.users[d].user_name.clone(),
                    id: None,
                },
            })
            .collect();
        let to_remove: Vec<UserRef> = changes.remove.into_iter().map(server_ref).collect();
        let to_add = if have.is_none() {
            self.create_group(want, key.clone(), to_add)
        } else {
            to_add
        };
        if have.is_some() && current.is_none() && changes.wants_any {
            self.note(
                &want.display_name,
                "the server did not list this group's members: all desired members are added, none removed",
            );
        }
        if to_add.is_empty() && to_remove.is_empty() {
            return;
        }

        if !self.profile.patch.supported {
            // The whole list after the change: current members kept (including ids this
            // run cannot see), then the additions, in key order.
            let removed: HashSet<&str> = to_remove.iter().filter_map(|r| r.id.as_deref()).collect();
            let mut members: Vec<UserRef> = have
                .and_then(|h| h.members.as_ref())
                .into_iter()
                .flatten()
                .filter(|m| !removed.contains(m.value.as_str()))
                .map(|m| UserRef {
                    user_name: server
                        .by_id
                        .get(&m.value)
                        .map_or_else(|| m.value.clone(), |s| server.users[s].user_name.clone()),
                    id: Some(m.value.clone()),
                })
                .collect();
            members.extend(to_add.iter().cloned());
            sorting::sort_by_cached_key(&mut members, |m| (user_key(&m.user_name), m.id.clone()));
            members.dedup_by(|a, b| a.id.is_some() && a.id == b.id);
            self.push(
                Action::SetMembers(SetMembers {
                    group,
                    members,
                    added: to_add,
                    removed: to_remove,
                }),
                key,
                0,
            );
            return;
        }
        let chunk = self.profile.member_chunk_size();
        for (n, add) in Membership::chunked(&group, to_add, chunk).enumerate() {
            self.push(Action::AddMembers(add), key.clone(), n);
        }
        for (n, remove) in Membership::chunked(&group, to_remove, chunk).enumerate() {
            self.push(Action::RemoveMembers(remove), key.clone(), n);
        }
    }

    /// The create of a new group, carrying as many of its members as one request may where
    /// the profile takes members in the create (one chunk with PATCH; all of them without,
    /// as the PUT it saves would have); returns the members left to add.
    fn create_group(
        &mut self,
        want: &DesiredGroup,
        key: String,
        mut to_add: Vec<UserRef>,
    ) -> Vec<UserRef> {
        let carried = if !self.profile.create_group_with_members {
            0
        } else if self.profile.patch.supported {
            to_add.len().min(self.profile.member_chunk_size())
        } else {
            to_add.len()
        };
        let rest = to_add.split_off(carried);
        self.push(
            Action::CreateGroup(CreateGroup {
                display_name: want.display_name.clone(),
                external_id: want.external_id.clone(),
                members: to_add,
                reason: "in the directory, not on the server".into(),
            }),
            key,
            0,
        );
        rest
    }
}
