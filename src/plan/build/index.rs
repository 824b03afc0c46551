//! The planner's indexes: the directory validated and indexed by matching key, and the
//! server listing indexed by id, externalId and key, with the policy's verdict per user.

// foldhash is several times faster than SipHash on the short strings planning hashes
// (userNames, ids) and, seeded per process, keeps crafted-collision inputs from degrading
// lookups; iteration order never reaches the output, which is sorted.
use foldhash::{HashMap, HashMapExt};

use crate::model::User;
use crate::plan::ambiguity::KeyIndex;
use crate::plan::desired::DesiredState;
use crate::plan::keys::{group_key, user_key};
use crate::plan::policy::Policy;
use crate::plan::str_index::StrIndex;
use crate::plan::{ActualState, PlanError};
use crate::sorting;

/// The directory, validated and indexed.
pub(super) struct DesiredIndex<'a> {
    /// The desired users.
    pub(super) users: &'a [User],
    /// userName as written -> desired user index (the fast path for member lookups).
    pub(super) by_name: StrIndex,
    /// Normalized userName -> desired user index.
    pub(super) by_key: StrIndex,
    /// Normalized userName per desired user.
    pub(super) keys: Vec<String>,
    /// Per desired group, its members as desired-user indices.
    pub(super) members: Vec<Vec<usize>>,
    /// Position of each desired user in key order, so member lists sort on integers.
    pub(super) rank: Vec<u32>,
}

impl<'a> DesiredIndex<'a> {
    pub(super) fn new(desired: &'a DesiredState) -> Result<Self, PlanError> {
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
    pub(super) fn user(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(name)
            .or_else(|| self.by_key.get(&user_key(name)))
    }
}

/// The server listing, indexed.
pub(super) struct ServerIndex<'a> {
    /// Listed users that have an id, sorted by id for determinism.
    pub(super) users: Vec<&'a User>,
    pub(super) by_id: StrIndex,
    pub(super) by_ext: KeyIndex,
    pub(super) by_key: KeyIndex,
    /// Position of each listed user in (key, id) order.
    pub(super) rank: Vec<u32>,
    /// Whether the policy lets the planner touch each user.
    pub(super) touchable: Vec<bool>,
    /// How many users are touchable.
    pub(super) managed: usize,
}

impl<'a> ServerIndex<'a> {
    pub(super) fn new(actual: &'a ActualState, policy: &Policy) -> Self {
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
            touchable.push(policy.may_touch(u));
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

/// For each key, its position in sorted order (ties keep their index order).
pub(super) fn key_ranks(keys: &[String]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    sorting::sort_by(&mut order, |&a, &b| keys[a].cmp(&keys[b]));
    let mut rank = vec![0u32; keys.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i] = u32::try_from(position).unwrap_or(u32::MAX);
    }
    rank
}
