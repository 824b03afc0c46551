//! The planning algorithm: match, diff, offboard, reconcile groups, apply guards, order.

use std::borrow::Cow;

// foldhash is several times faster than SipHash on the short strings planning hashes
// (userNames, ids) and, seeded per process, keeps crafted-collision inputs from degrading
// lookups; iteration order never reaches the output, which is sorted.
use foldhash::{HashMap, HashMapExt, HashSet};

use serde_json::Value;

use super::action::{
    Action, CreateGroup, CreateUser, DeleteGroup, DeleteUser, GroupRef, Membership, NoIds,
    RenameGroup, SetMembers, UserRef, UserUpdate,
};
use super::ambiguity::{self, match_subjects, KeyIndex, Match};
use super::desired::{DesiredGroup, DesiredState};
use super::diff::{replacement, user_changes, Change};
use super::integrity;
use super::keys::{group_key, user_key};
use super::policy::{Offboarding, Policy};
use super::str_index::StrIndex;
use super::{
    ActualState, Blocked, Guard, Note, Plan, PlanError, RequestPreview, SourceCounts, Step, Summary,
};
use crate::model::{schemas, User};
use crate::request::RequestEncoder;
use crate::sorting;

/// The directory as the server can take it: without `manager.displayName` when the profile
/// says the server treats it as read-only (RFC 7643), so it is neither compared (the server
/// never echoes it) nor sent (the server would refuse the whole update). Borrowed unchanged,
/// without a copy, whenever there is nothing to drop.
fn writable_view<'a>(
    desired: &'a DesiredState,
    encoder: &RequestEncoder,
) -> (Cow<'a, DesiredState>, Option<Note>) {
    let named = |u: &User| {
        u.enterprise
            .as_ref()
            .and_then(|e| e.manager.as_ref())
            .is_some_and(|m| m.display_name.is_some())
    };
    if encoder.profile().manager_display_name_writable || !desired.users.iter().any(named) {
        return (Cow::Borrowed(desired), None);
    }
    let mut copy = desired.clone();
    for manager in copy
        .users
        .iter_mut()
        .filter_map(|u| u.enterprise.as_mut()?.manager.as_mut())
    {
        manager.display_name = None;
    }
    let note = Note {
        subject: "manager.displayName".into(),
        message: format!(
            "read-only on this server (profile {}, as RFC 7643 defines it): the directory's manager names are not sent; manager ids are",
            encoder.profile().name
        ),
    };
    (Cow::Owned(copy), Some(note))
}

/// Plans the changes that bring the server (`actual`) to the directory (`desired`) under
/// `policy`, for the server `encoder` talks to.
pub fn plan(
    desired: &DesiredState,
    actual: &ActualState,
    encoder: &RequestEncoder,
    policy: &Policy,
) -> Result<Plan, PlanError> {
    let (desired, read_only_note) = writable_view(desired, encoder);
    let desired = desired.as_ref();
    let dir = DesiredIndex::new(desired)?;
    let server = ServerIndex::new(actual, policy);
    let mut p = Planner {
        policy,
        encoder,
        actual,
        actions: Vec::new(),
        notes: Vec::new(),
        ambiguous: Vec::new(),
        // Removals of any kind need a complete listing.
        removals_allowed: actual.complete,
    };

    let matches = p.plan_users(desired, &dir, &server);
    p.plan_groups(desired, &dir, &server, &matches);
    let blocked = p.guards(desired, &server);

    let Planner {
        actions, mut notes, ..
    } = p;
    notes.extend(read_only_note);
    let mut actions = actions;
    sorting::sort_by(&mut actions, |a, b| {
        (a.0.phase(), a.0.kind(), &a.1, a.2).cmp(&(b.0.phase(), b.0.kind(), &b.1, b.2))
    });
    sorting::sort_by(&mut notes, Ord::cmp);
    let summary = summarize(actions.iter().map(|(a, ..)| a));
    let steps: Vec<Step> = actions
        .into_iter()
        .map(|(action, ..)| step(action, encoder))
        .collect();
    Ok(Plan {
        digest: Some(integrity::actions_digest(&steps)),
        state_digest: Some(integrity::state_digest(actual)),
        version: 1,
        profile: encoder.profile().name.clone(),
        summary,
        blocked,
        actions: steps,
        notes,
        source: SourceCounts {
            desired_users: desired.users.len() as u64,
            desired_groups: desired.groups.len() as u64,
            server_users: actual.users.len() as u64,
            server_groups: actual.groups.len() as u64,
            managed_users: server.managed as u64,
            listing_complete: actual.complete,
        },
    })
}

/// Checks that a directory does not contradict itself (what [`plan`] refuses first).
pub(crate) fn validate(desired: &DesiredState) -> Result<(), PlanError> {
    DesiredIndex::new(desired).map(drop)
}

/// A planned action with its sort key (subject key, chunk index).
type Keyed = (Action, String, usize);

struct Planner<'a> {
    policy: &'a Policy,
    encoder: &'a RequestEncoder,
    actual: &'a ActualState,
    actions: Vec<Keyed>,
    notes: Vec<Note>,
    /// `ambiguousMatch` guards, one per subject whose changes are withheld.
    ambiguous: Vec<Blocked>,
    removals_allowed: bool,
}

/// The directory, validated and indexed.
struct DesiredIndex<'a> {
    /// The desired users.
    users: &'a [User],
    /// userName as written -> desired user index (the fast path for member lookups).
    by_name: StrIndex,
    /// Normalized userName -> desired user index.
    by_key: StrIndex,
    /// Normalized userName per desired user.
    keys: Vec<String>,
    /// Per desired group, its members as desired-user indices.
    members: Vec<Vec<usize>>,
    /// Position of each desired user in key order, so member lists sort on integers.
    rank: Vec<u32>,
}

impl<'a> DesiredIndex<'a> {
    fn new(desired: &'a DesiredState) -> Result<Self, PlanError> {
        let n = desired.users.len();
        let names: usize = desired.users.iter().map(|u| u.user_name.len()).sum();
        let mut by_name = StrIndex::with_capacity(n, names);
        let mut by_key = StrIndex::with_capacity(n, names);
        let ext_bytes: usize = desired
            .users
            .iter()
            .map(|u| u.external_id.as_deref().map_or(0, str::len))
            .sum();
        let mut by_ext = StrIndex::with_capacity(n, ext_bytes);
        let mut keys = Vec::with_capacity(n);
        for (i, u) in desired.users.iter().enumerate() {
            if u.user_name.trim().is_empty() {
                return Err(PlanError::EmptyUserName { index: i });
            }
            let key = user_key(&u.user_name);
            if let Some(j) = by_key.get(&key) {
                return Err(PlanError::DuplicateUser {
                    first: desired.users[j].user_name.clone(),
                    second: u.user_name.clone(),
                    key: "userName",
                });
            }
            if let Some(ext) = u.external_id.as_deref().filter(|e| !e.is_empty()) {
                if let Some(j) = by_ext.insert(ext, i) {
                    return Err(PlanError::DuplicateUser {
                        first: desired.users[j].user_name.clone(),
                        second: u.user_name.clone(),
                        key: "externalId",
                    });
                }
            }
            by_key.insert(&key, i);
            // Distinct keys, so distinct names: nothing is overwritten.
            by_name.insert(&u.user_name, i);
            keys.push(key);
        }
        let rank = key_ranks(&keys);
        let mut index = DesiredIndex {
            users: &desired.users,
            by_name,
            by_key,
            keys,
            members: Vec::with_capacity(desired.groups.len()),
            rank,
        };
        let mut group_keys: HashMap<String, usize> = HashMap::new();
        let mut group_exts: HashMap<&str, usize> = HashMap::new();
        for (i, g) in desired.groups.iter().enumerate() {
            if g.display_name.trim().is_empty() {
                return Err(PlanError::EmptyGroupName { index: i });
            }
            let key = group_key(&g.display_name);
            if let Some(&j) = group_keys.get(&key) {
                return Err(PlanError::DuplicateGroup {
                    first: desired.groups[j].display_name.clone(),
                    second: g.display_name.clone(),
                    key: "displayName",
                });
            }
            group_keys.insert(key, i);
            if let Some(ext) = g.external_id.as_deref().filter(|e| !e.is_empty()) {
                if let Some(j) = group_exts.insert(ext, i) {
                    return Err(PlanError::DuplicateGroup {
                        first: desired.groups[j].display_name.clone(),
                        second: g.display_name.clone(),
                        key: "externalId",
                    });
                }
            }
            let mut members = Vec::with_capacity(g.members.len());
            for m in &g.members {
                match index.user(m) {
                    Some(d) => members.push(d),
                    None => {
                        return Err(PlanError::UnknownMember {
                            group: g.display_name.clone(),
                            member: m.clone(),
                        })
                    }
                }
            }
            index.members.push(members);
        }
        Ok(index)
    }

    /// The desired user a member name refers to.
    fn user(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(name)
            .or_else(|| self.by_key.get(&user_key(name)))
    }
}

/// The server listing, indexed.
struct ServerIndex<'a> {
    /// Listed users that have an id, sorted by id for determinism.
    users: Vec<&'a User>,
    by_id: StrIndex,
    by_ext: KeyIndex,
    by_key: KeyIndex,
    /// Position of each listed user in (key, id) order.
    rank: Vec<u32>,
    /// Whether the policy lets the planner touch each user.
    touchable: Vec<bool>,
    /// How many users are touchable.
    managed: usize,
}

impl<'a> ServerIndex<'a> {
    fn new(actual: &'a ActualState, policy: &Policy) -> Self {
        let mut users: Vec<&User> = actual
            .users
            .iter()
            .filter(|u| u.id.as_deref().is_some_and(|id| !id.is_empty()))
            .collect();
        sorting::sort_by(&mut users, |a, b| a.id.cmp(&b.id));
        users.dedup_by(|a, b| a.id == b.id);
        let ids: usize = users
            .iter()
            .map(|u| u.id.as_deref().map_or(0, str::len))
            .sum();
        let exts = users.iter().filter(|u| u.external_id.is_some()).count();
        let ext_bytes: usize = users
            .iter()
            .map(|u| u.external_id.as_deref().map_or(0, str::len))
            .sum();
        let names: usize = users.iter().map(|u| u.user_name.len()).sum();
        let mut by_id = StrIndex::with_capacity(users.len(), ids);
        let mut by_ext = KeyIndex::with_capacity(exts, ext_bytes);
        let mut by_key = KeyIndex::with_capacity(users.len(), names);
        let mut touchable = Vec::with_capacity(users.len());
        let mut keys = Vec::with_capacity(users.len());
        for (i, u) in users.iter().enumerate() {
            // Ids are distinct after the dedup; externalIds and keys may repeat (an
            // ambiguous match, see `ambiguity`).
            by_id.insert(u.id.as_deref().unwrap_or_default(), i);
            if let Some(ext) = u.external_id.as_deref().filter(|e| !e.is_empty()) {
                by_ext.insert(ext, i);
            }
            let key = user_key(&u.user_name);
            by_key.insert(&key, i);
            keys.push(key);
            touchable.push(policy.may_touch(&u.user_name, u.external_id.as_deref()));
        }
        let managed = touchable.iter().filter(|t| **t).count();
        ServerIndex {
            users,
            by_id,
            by_ext,
            by_key,
            rank: key_ranks(&keys),
            touchable,
            managed,
        }
    }
}

/// For each desired user: the server user it matched, and whether it will exist and is
/// touchable after the plan.
struct UserMatches {
    server: Vec<Option<usize>>,
    /// The desired user will exist on the server (matched, or created by this plan).
    exists: Vec<bool>,
    touchable: Vec<bool>,
    /// Per listed user: a candidate of an ambiguous match, so never touched.
    held: Vec<bool>,
}

impl Planner<'_> {
    fn push(&mut self, action: Action, key: String, chunk: usize) {
        self.actions.push((action, key, chunk));
    }

    fn note(&mut self, subject: &str, message: impl Into<String>) {
        self.notes.push(Note {
            subject: subject.to_owned(),
            message: message.into(),
        });
    }

    fn plan_users(
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
            .map(|(u, k)| (u.external_id.as_deref(), k.as_str()))
            .collect();
        let matching = match_subjects(
            &subjects,
            server.users.len(),
            &server.by_ext,
            &server.by_key,
        );
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
            let in_scope = self
                .policy
                .may_touch(&want.user_name, want.external_id.as_deref());
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
                    let mut body = want.clone();
                    body.id = None;
                    body.meta = None;
                    body.groups.clear();
                    // Explicit, never absent: some servers read a missing `active` as
                    // inactive (only active users are created).
                    body.active = Some(true);
                    ensure_schemas(&mut body);
                    self.push(
                        Action::CreateUser(CreateUser {
                            user_name: want.user_name.clone(),
                            user: body,
                            reason: "in the directory, not on the server".into(),
                        }),
                        key.clone(),
                        0,
                    );
                }
            }
        }
        self.plan_offboarding(server, &matching.claimed, &m.held);
        m
    }

    fn plan_user_update(&mut self, want: &User, have: &User, key: &str) {
        let mut changes = user_changes(want, have);
        let (from, to) = (have.is_active(), want.is_active());
        let id = have.id.clone();
        let user = UserRef {
            user_name: have.user_name.clone(),
            id,
        };
        let patchless = !self.encoder.profile().patch.supported;
        let replacement = patchless.then(|| replacement(want, have, to));
        let (make, reason): (fn(UserUpdate) -> Action, &str) = match (from, to) {
            (false, true) => (
                Action::ReactivateUser,
                "inactive on the server, active in the directory",
            ),
            (true, false) => (Action::DeactivateUser, "marked inactive in the directory"),
            _ if changes.is_empty() => return,
            _ => (Action::UpdateUser, "managed attributes differ"),
        };
        if from != to {
            changes.push(active_change(from, to));
        }
        self.push(
            make(UserUpdate {
                user,
                changes,
                replacement,
                reason: reason.into(),
            }),
            key.to_owned(),
            0,
        );
    }

    fn plan_offboarding(&mut self, server: &ServerIndex, claimed: &[bool], held: &[bool]) {
        if !self.removals_allowed || self.policy.offboarding == Offboarding::Leave {
            return;
        }
        let patchless = !self.encoder.profile().patch.supported;
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

    fn plan_groups(
        &mut self,
        desired: &DesiredState,
        dir: &DesiredIndex,
        server: &ServerIndex,
        users: &UserMatches,
    ) {
        let groups = &self.actual.groups;
        let mut order: Vec<usize> = (0..groups.len())
            .filter(|&g| groups[g].id.as_deref().is_some_and(|id| !id.is_empty()))
            .collect();
        sorting::sort_by(&mut order, |&a, &b| groups[a].id.cmp(&groups[b].id));
        // A group listed twice (pages that overlap) is one group, not an ambiguous pair.
        order.dedup_by(|a, b| groups[*a].id == groups[*b].id);
        // Indexed by position in `order` (id order), so candidates come in id order.
        let mut by_ext = KeyIndex::with_capacity(order.len(), 0);
        let mut by_key = KeyIndex::with_capacity(order.len(), 0);
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
        let matching = match_subjects(&subjects, order.len(), &by_ext, &by_key);
        for (i, want) in desired.groups.iter().enumerate() {
            let matched = match &matching.matches[i] {
                Match::One(o) => Some(order[*o]),
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
            self.plan_group(want, &dir.members[i], matched, dir, server, users);
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

    fn plan_group(
        &mut self,
        want: &DesiredGroup,
        members: &[usize],
        matched: Option<usize>,
        dir: &DesiredIndex,
        server: &ServerIndex,
        users: &UserMatches,
    ) {
        let key = group_key(&want.display_name);
        let have = matched.map(|g| &self.actual.groups[g]);
        let group = GroupRef {
            display_name: have.map_or(&want.display_name, |h| &h.display_name).clone(),
            id: have.and_then(|h| h.id.clone()),
        };
        match have {
            None => self.push(
                Action::CreateGroup(CreateGroup {
                    display_name: want.display_name.clone(),
                    external_id: want.external_id.clone(),
                    reason: "in the directory, not on the server".into(),
                }),
                key.clone(),
                0,
            ),
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

        // Desired members that will exist and may be touched, by desired index, in key
        // order. Work on indices: a group of thousands of unchanged members costs no
        // allocation per member.
        let mut wanted: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&d| users.exists[d] && users.touchable[d])
            .collect();
        sorting::sort_by_rank(&mut wanted, &dir.rank);
        wanted.dedup();
        let mut wanted_on_server: Vec<usize> =
            wanted.iter().filter_map(|&d| users.server[d]).collect();
        sorting::sort_indices(&mut wanted_on_server);

        // Current members as listed-user indices; ids of users we cannot see are left alone.
        let current: Option<Vec<usize>> = have.and_then(|h| {
            h.members.as_ref().map(|ms| {
                let mut idx: Vec<usize> = ms
                    .iter()
                    .filter_map(|m| server.by_id.get(&m.value))
                    .collect();
                sorting::sort_indices(&mut idx);
                idx.dedup();
                idx
            })
        });
        let is_current = |s: usize| {
            current
                .as_ref()
                .is_some_and(|c| c.binary_search(&s).is_ok())
        };
        let server_ref = |s: usize| UserRef {
            user_name: server.users[s].user_name.clone(),
            id: server.users[s].id.clone(),
        };
        let to_add: Vec<UserRef> = wanted
            .iter()
            .filter_map(|&d| match users.server[d] {
                Some(s) if is_current(s) => None,
                Some(s) => Some(server_ref(s)),
                // Named as the directory spells it: the create action carries that name.
                None => Some(UserRef {
                    user_name: dir.users[d].user_name.clone(),
                    id: None,
                }),
            })
            .collect();
        let mut to_remove: Vec<usize> = Vec::new();
        if self.removals_allowed {
            to_remove = current
                .iter()
                .flatten()
                .copied()
                .filter(|&s| {
                    server.touchable[s]
                        && !users.held[s]
                        && wanted_on_server.binary_search(&s).is_err()
                })
                .collect();
        }
        sorting::sort_by_rank(&mut to_remove, &server.rank);
        let to_remove: Vec<UserRef> = to_remove.into_iter().map(server_ref).collect();
        if have.is_some() && current.is_none() && !wanted.is_empty() {
            self.note(
                &want.display_name,
                "the server did not list this group's members: all desired members are added, none removed",
            );
        }
        if to_add.is_empty() && to_remove.is_empty() {
            return;
        }

        if !self.encoder.profile().patch.supported {
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
        let chunk = self.encoder.profile().member_chunk_size();
        for (n, members) in to_add.chunks(chunk).enumerate() {
            self.push(
                Action::AddMembers(Membership {
                    group: group.clone(),
                    members: members.to_vec(),
                }),
                key.clone(),
                n,
            );
        }
        for (n, members) in to_remove.chunks(chunk).enumerate() {
            self.push(
                Action::RemoveMembers(Membership {
                    group: group.clone(),
                    members: members.to_vec(),
                }),
                key.clone(),
                n,
            );
        }
    }

    fn guards(&mut self, desired: &DesiredState, server: &ServerIndex) -> Vec<Blocked> {
        let mut blocked = Vec::new();
        if !self.actual.complete {
            let mut reason =
                "the server listing is incomplete, so no removal was planned".to_owned();
            if !self.actual.problems.is_empty() {
                reason.push_str(": ");
                reason.push_str(&self.actual.problems.join("; "));
            }
            blocked.push(Blocked {
                guard: Guard::IncompleteListing,
                reason,
            });
        }
        let offboards = self.policy.offboarding != Offboarding::Leave;
        if desired.users.is_empty() && server.managed > 0 && offboards {
            blocked.push(Blocked {
                guard: Guard::EmptySource,
                reason: format!(
                    "the directory lists no users while the server has {} managed users",
                    server.managed
                ),
            });
        } else if desired.groups.is_empty()
            && self.policy.delete_unnamed_groups
            && !self.actual.groups.is_empty()
        {
            blocked.push(Blocked {
                guard: Guard::EmptySource,
                reason: format!(
                    "the directory lists no groups while the server has {}",
                    self.actual.groups.len()
                ),
            });
        }
        let count = |kind: &str| {
            self.actions
                .iter()
                .filter(|(a, ..)| a.kind() == kind)
                .count()
        };
        if let Some(why) = self
            .policy
            .max_deactivations
            .exceeded(count("deactivateUser"), server.managed)
        {
            blocked.push(Blocked {
                guard: Guard::DeactivationCap,
                reason: format!("deactivations: {why}"),
            });
        }
        if let Some(why) = self
            .policy
            .max_deletions
            .exceeded(count("deleteUser"), server.managed)
        {
            blocked.push(Blocked {
                guard: Guard::DeletionCap,
                reason: format!("deletions: {why}"),
            });
        }
        let mut ambiguous = std::mem::take(&mut self.ambiguous);
        sorting::sort_by(&mut ambiguous, |a, b| a.reason.cmp(&b.reason));
        blocked.extend(ambiguous);
        blocked
    }
}

/// For each key, its position in sorted order (ties keep their index order).
fn key_ranks(keys: &[String]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    sorting::sort_by(&mut order, |&a, &b| keys[a].cmp(&keys[b]));
    let mut rank = vec![0u32; keys.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i] = u32::try_from(position).unwrap_or(u32::MAX);
    }
    rank
}

fn active_change(from: bool, to: bool) -> Change {
    Change {
        attribute: "active".into(),
        before: Value::Bool(from),
        after: Value::Bool(to),
    }
}

fn ensure_schemas(user: &mut User) {
    if !user.schemas.iter().any(|s| s == schemas::USER) {
        user.schemas.insert(0, schemas::USER.to_owned());
    }
    if user.enterprise.is_some() && !user.schemas.iter().any(|s| s == schemas::ENTERPRISE_USER) {
        user.schemas.push(schemas::ENTERPRISE_USER.to_owned());
    }
}

/// The counts of `actions` (also what a decoded plan's summary is recomputed with).
pub(super) fn summarize<'a>(actions: impl Iterator<Item = &'a Action>) -> Summary {
    let mut s = Summary::default();
    for a in actions {
        match a {
            Action::CreateUser(_) => s.create_users += 1,
            Action::UpdateUser(_) => s.update_users += 1,
            Action::ReactivateUser(_) => s.reactivate_users += 1,
            Action::DeactivateUser(_) => s.deactivate_users += 1,
            Action::DeleteUser(_) => s.delete_users += 1,
            Action::CreateGroup(_) => s.create_groups += 1,
            Action::RenameGroup(_) => s.update_groups += 1,
            Action::DeleteGroup(_) => s.delete_groups += 1,
            Action::AddMembers(m) => s.add_members += m.members.len() as u64,
            Action::RemoveMembers(m) => s.remove_members += m.members.len() as u64,
            Action::SetMembers(m) => {
                s.add_members += m.added.len() as u64;
                s.remove_members += m.removed.len() as u64;
            }
        }
    }
    s
}

fn step(action: Action, encoder: &RequestEncoder) -> Step {
    match action.request(encoder, &NoIds) {
        Ok(req) => {
            let body = req
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok());
            Step {
                action,
                request: Some(RequestPreview {
                    method: req.method,
                    path: req.path,
                    body,
                }),
                waits_for: None,
            }
        }
        Err(e) => Step {
            action,
            request: None,
            waits_for: Some(e.to_string()),
        },
    }
}
