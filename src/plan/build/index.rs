//! The planner's indexes: the directory validated and indexed by matching key and
//! externalId, and the server listing indexed by id, with the directory users each listed
//! user's externalId and key name (its claims), the policy's verdict per user, and every
//! listed group's members resolved to listed users.

use std::borrow::Cow;

// foldhash is several times faster than SipHash on the short strings planning hashes
// (userNames, ids) and, seeded per process, keeps crafted-collision inputs from degrading
// lookups; iteration order never reaches the output, which is sorted.
use foldhash::{HashMap, HashMapExt};

use crate::model::{Member, User};
use crate::plan::ambiguity::Claims;
use crate::plan::desired::{DesiredGroup, DesiredState};
use crate::plan::integrity::MemberIds;
use crate::plan::keys::{group_key, key_of};
use crate::plan::policy::Policy;
use crate::plan::str_index::{Key, StrIndex};
use crate::plan::{ActualState, PlanError};
use crate::sorting;

/// The directory, validated and indexed.
pub(super) struct DesiredIndex<'a> {
    /// The desired users.
    pub(super) users: &'a [User],
    /// Normalized userName -> desired user index, and userName as written -> the same for
    /// the names that are not their own key (most are). One index holds both, so a member
    /// named as its user is written is one lookup: no name is another user's key, as a key
    /// is its own key and two users with one key are refused.
    by_name: StrIndex,
    /// externalId -> desired user index.
    by_ext: StrIndex,
    /// Normalized userName per desired user.
    pub(super) keys: Vec<Cow<'a, str>>,
    /// Every desired group's members as desired-user indices, one group after another.
    members: Vec<u32>,
    /// Where each desired group's members start in `members` (and, last, where they end).
    starts: Vec<usize>,
    /// Position of each desired user in key order, so member lists sort on integers.
    pub(super) rank: Vec<u32>,
}

impl<'a> DesiredIndex<'a> {
    pub(super) fn new(desired: &'a DesiredState) -> Result<Self, PlanError> {
        let n = desired.users.len();
        let mut by_name = StrIndex::with_capacity(n);
        let mut by_ext = StrIndex::with_capacity(n);
        let mut keys = Vec::with_capacity(n);
        for (i, u) in desired.users.iter().enumerate() {
            if u.user_name.trim().is_empty() {
                return Err(PlanError::EmptyUserName { index: i });
            }
            let key = key_of(&u.user_name);
            if let Some(j) = by_name.insert(&key, i) {
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
            if let Cow::Owned(_) = key {
                // Distinct keys, so distinct names: nothing is overwritten.
                by_name.insert(&u.user_name, i);
            }
            keys.push(key);
        }
        let rank = key_ranks(&keys);
        let mut index = DesiredIndex {
            users: &desired.users,
            by_name,
            by_ext,
            keys,
            members: Vec::with_capacity(desired.groups.iter().map(|g| g.members.len()).sum()),
            starts: Vec::with_capacity(desired.groups.len() + 1),
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
            index.starts.push(index.members.len());
            index.resolve(g)?;
        }
        index.starts.push(index.members.len());
        Ok(index)
    }

    /// Appends the members of desired group `g` to `members`, as desired-user indices.
    fn resolve(&mut self, g: &DesiredGroup) -> Result<(), PlanError> {
        let DesiredIndex {
            by_name, members, ..
        } = self;
        // Looked up together (`StrIndex::find_each`); a name written otherwise than its
        // user's (another case, another Unicode form), again by its key.
        by_name.find_each(g.members.iter(), String::as_str, |name, found| {
            let found = found.or_else(|| {
                let key = Key::new(name);
                if key.is_plain() {
                    // Its own key: not found above.
                    None
                } else {
                    by_name.get(&key_of(name))
                }
            });
            match found {
                Some(d) => {
                    members.push(d as u32);
                    Ok(())
                }
                None => Err(PlanError::UnknownMember {
                    group: g.display_name.clone(),
                    member: name.to_owned(),
                }),
            }
        })
    }

    /// The members of desired group `g`, as desired-user indices.
    pub(super) fn members(&self, g: usize) -> &[u32] {
        &self.members[self.starts[g]..self.starts[g + 1]]
    }
}

/// The server listing, indexed.
pub(super) struct ServerIndex<'a> {
    /// Listed users that have an id, sorted by id for determinism.
    pub(super) users: Vec<&'a User>,
    /// Per listed user: its id and userName, side by side for the membership changes that
    /// name them (one read where `users` took three, each a likely cache miss).
    pub(super) refs: Vec<(&'a str, &'a str)>,
    pub(super) by_id: StrIndex,
    /// Per desired user, the listed users carrying its externalId and its key.
    pub(super) claims: Claims,
    /// Position of each listed user in (key, id) order.
    pub(super) rank: Vec<u32>,
    /// Whether the policy lets the planner touch each user.
    pub(super) touchable: Vec<bool>,
    /// How many users are touchable.
    pub(super) managed: usize,
    /// Listed groups that have an id (positions in the listing), sorted by id, the first
    /// of a repeated id.
    pub(super) groups: Vec<usize>,
    /// Per group of `groups`: its members, resolved ([`Members`]).
    pub(super) members: Members,
}

impl<'a> ServerIndex<'a> {
    pub(super) fn new(actual: &'a ActualState, policy: &Policy, dir: &DesiredIndex) -> Self {
        let mut users: Vec<&User> = actual
            .users
            .iter()
            .filter(|u| u.id.as_deref().is_some_and(|id| !id.is_empty()))
            .collect();
        // Listings often come in id order without repeats: nothing to sort or drop then.
        if !users.windows(2).all(|w| w[0].id < w[1].id) {
            sorting::sort_by(&mut users, |a, b| a.id.cmp(&b.id));
            users.dedup_by(|a, b| a.id == b.id);
        }
        let mut by_id = StrIndex::with_capacity(users.len());
        let mut claims = Claims::new(dir.users.len());
        let mut touchable = Vec::with_capacity(users.len());
        let mut keys = Vec::with_capacity(users.len());
        let mut refs = Vec::with_capacity(users.len());
        for (i, u) in users.iter().enumerate() {
            let id = u.id.as_deref().unwrap_or_default();
            // Ids are distinct after the dedup.
            by_id.insert(id, i);
            refs.push((id, u.user_name.as_str()));
            keys.push(key_of(&u.user_name));
            touchable.push(policy.may_touch(u));
        }
        // The directory users each listed user claims by externalId and by key, looked up
        // together (`StrIndex::find_each`); both may repeat (an ambiguous match, see
        // `ambiguity`).
        let exts = users.iter().enumerate().filter_map(|(i, u)| {
            let ext = u.external_id.as_deref().filter(|e| !e.is_empty())?;
            Some((i, ext))
        });
        claim_all(&dir.by_ext, exts, |d, i| claims.ext(d, i));
        let listed_keys = keys.iter().map(AsRef::as_ref).enumerate();
        claim_all(&dir.by_name, listed_keys, |d, i| claims.key(d, i));
        let managed = touchable.iter().filter(|t| **t).count();
        let rank = key_ranks(&keys);
        let groups = &actual.groups;
        let mut order: Vec<usize> = (0..groups.len())
            .filter(|&g| groups[g].id.as_deref().is_some_and(|id| !id.is_empty()))
            .collect();
        if !order.windows(2).all(|w| groups[w[0]].id < groups[w[1]].id) {
            sorting::sort_by(&mut order, |&a, &b| groups[a].id.cmp(&groups[b].id));
            // A group listed twice (pages that overlap) is one group, not an ambiguous pair.
            order.dedup_by(|a, b| groups[*a].id == groups[*b].id);
        }
        let members = Members::new(actual, &order, &by_id, users.len());
        ServerIndex {
            users,
            refs,
            by_id,
            claims,
            rank,
            touchable,
            managed,
            groups: order,
            members,
        }
    }
}

/// Looks up each listed user's key (its position, then the key) in a directory index, and
/// calls `claim` with the directory user found and the listed user.
fn claim_all<'k>(
    index: &StrIndex,
    listed: impl Iterator<Item = (usize, &'k str)>,
    mut claim: impl FnMut(usize, usize),
) {
    index.for_each(
        listed,
        |(_, key)| key,
        |(i, _), found| {
            if let Some(d) = found {
                claim(d, i);
            }
        },
    );
}

/// The listed groups' members, resolved once for the planner and the state digest: a
/// million member ids are each read once, while their bytes are at hand.
pub(super) struct Members {
    /// Every group's members as listed-user indices, each once, one group after another;
    /// ids of users the listing does not show are left out (and left alone).
    users: Vec<u32>,
    /// Per group: where its members lie in `users`, or `None` for a group listed without
    /// its members.
    spans: Vec<Option<(usize, usize)>>,
    /// Per group: its member ids as the state digest takes them (`None`: not listed).
    pub(super) ids: Vec<Option<MemberIds>>,
}

impl Members {
    fn new<'a>(actual: &'a ActualState, order: &[usize], by_id: &StrIndex, users: usize) -> Self {
        let listed: usize = order
            .iter()
            .filter_map(|&g| actual.groups[g].members.as_ref())
            .map(Vec::len)
            .sum();
        let mut out = Members {
            users: Vec::with_capacity(listed),
            spans: Vec::with_capacity(order.len()),
            ids: Vec::with_capacity(order.len()),
        };
        // The group (its position in `order`) that last took each user, so a user listed
        // twice in one group is taken once, without sorting.
        let mut taken_by = vec![u32::MAX; users];
        for (o, &g) in order.iter().enumerate() {
            let Some(members) = &actual.groups[g].members else {
                out.spans.push(None);
                out.ids.push(None);
                continue;
            };
            let start = out.users.len();
            let mut ids = MemberIds::default();
            let o = o as u32;
            let id = |m: &'a Member| m.value.as_str();
            by_id.for_each(members, id, |m, found| {
                ids.add(&m.value);
                if let Some(s) = found {
                    if taken_by[s] != o {
                        taken_by[s] = o;
                        out.users.push(s as u32);
                    }
                }
            });
            out.spans.push(Some((start, out.users.len())));
            out.ids.push(Some(ids));
        }
        out
    }

    /// The members of the group at position `o` of the id order, as listed-user indices.
    pub(super) fn of(&self, o: usize) -> Option<&[u32]> {
        self.spans[o].map(|(start, end)| &self.users[start..end])
    }
}

/// For each key, its position in sorted order (ties keep their index order).
pub(super) fn key_ranks<K: AsRef<str>>(keys: &[K]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    // Keys already in order (names in id order often are) keep it: no sort.
    if !keys.windows(2).all(|w| w[0].as_ref() <= w[1].as_ref()) {
        sorting::sort_by(&mut order, |&a, &b| keys[a].as_ref().cmp(keys[b].as_ref()));
    }
    let mut rank = vec![0u32; keys.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i] = u32::try_from(position).unwrap_or(u32::MAX);
    }
    rank
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn directory(members: &[&str]) -> DesiredState {
        DesiredState::from_json(
            &json!({
                "users": [
                    {"userName": "Ana@X.com"},
                    {"userName": "bob@x.com"},
                    {"userName": "E\u{301}va@x.com"},
                ],
                "groups": [{"displayName": "G", "members": members}],
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn members_resolve_as_written_and_by_key() {
        // As written, in another case, in another Unicode form; over a batch boundary.
        let names = [
            "Ana@X.com",
            "ana@x.com",
            "ANA@X.COM",
            "bob@x.com",
            "Bob@X.com",
            "E\u{301}va@x.com",
            "\u{e9}va@x.com",
            "\u{c9}VA@X.COM",
        ];
        let all: Vec<&str> = names
            .iter()
            .cycle()
            .take(3 * names.len())
            .copied()
            .collect();
        let desired = directory(&all);
        let index = DesiredIndex::new(&desired).unwrap();
        let expected: Vec<u32> = [0, 0, 0, 1, 1, 2, 2, 2].repeat(3);
        assert_eq!(index.members(0), expected);
        // A listed user's key finds its directory user.
        assert_eq!(index.by_name.get("ana@x.com"), Some(0));
        assert_eq!(index.by_name.get(&key_of("\u{c9}va@x.com")), Some(2));
    }

    #[test]
    fn the_first_user_refused_is_named() {
        let refusal = |users: serde_json::Value| {
            let text = json!({"users": users, "groups": []}).to_string();
            match DesiredIndex::new(&DesiredState::from_json(&text).unwrap()) {
                Err(PlanError::DuplicateUser { first, second, key }) => {
                    format!("{key}: {first}, {second}")
                }
                Err(PlanError::EmptyUserName { index }) => format!("empty: {index}"),
                other => panic!("expected a refusal, got {:?}", other.err()),
            }
        };
        let user = |name: &str, ext: Option<&str>| json!({"userName": name, "externalId": ext});
        // An externalId taken before a name is.
        let users = [
            user("a@x", Some("1")),
            user("b@x", Some("1")),
            user("A@X", None),
        ];
        assert_eq!(refusal(json!(users)), "externalId: a@x, b@x");
        // A name taken before an externalId is; one user taking both: its name.
        let users = [
            user("a@x", Some("1")),
            user("A@X", None),
            user("b@x", Some("1")),
        ];
        assert_eq!(refusal(json!(users)), "userName: a@x, A@X");
        let users = [user("a@x", Some("1")), user("A@x", Some("1"))];
        assert_eq!(refusal(json!(users)), "userName: a@x, A@x");
        // An empty name before either; after one, the one.
        let users = [user("a@x", None), user(" ", None), user("a@x", None)];
        assert_eq!(refusal(json!(users)), "empty: 1");
        let users = [user("a@x", None), user("a@x", None), user(" ", None)];
        assert_eq!(refusal(json!(users)), "userName: a@x, a@x");
    }

    #[test]
    fn an_unknown_member_is_named() {
        let mut names = vec!["bob@x.com"; 20];
        names.push("carol@x.com");
        let desired = directory(&names);
        match DesiredIndex::new(&desired) {
            Err(PlanError::UnknownMember { group, member }) => {
                assert_eq!((group.as_str(), member.as_str()), ("G", "carol@x.com"));
            }
            other => panic!("expected an unknown member, got {:?}", other.err()),
        }
    }
}
