//! The service provider's state: users and groups in creation order, the indexes a real
//! server keeps (case-insensitive `userName` and `displayName`, group membership in both
//! directions), id assignment, and rendering into SCIM resources.
//!
//! Read-only attributes are derived at render time and never stored from client input: a
//! user's `groups` (with each group's current `display`) comes from group membership, and
//! `meta` from the store's bookkeeping (generic flavor only). Members are rendered as
//! `{"value": id}` only, which keeps large groups cheap to serve.

use std::collections::{BTreeMap, BTreeSet};

use scim_provision::model::{schemas, Group, Member, Meta, MultiValue, User};
use serde_json::Value;

use crate::patch::MemberChange;
use crate::rng::{airtable_id, uuid_v4, SplitMix, Stream};
use crate::timefmt::rfc3339;
use crate::Flavor;

/// Bookkeeping shared by users and groups.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub seq: u64,
    pub version: u64,
    pub created_ms: u64,
    pub modified_ms: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct UserRec {
    pub stamp: Stamp,
    /// As stored: `id` set, `groups` empty, `meta` unset.
    pub user: User,
    /// Ids of the groups the user is a member of.
    pub groups: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupRec {
    pub stamp: Stamp,
    /// As stored: `id` set, `members` and `meta` unset.
    pub group: Group,
    /// Member ids in the order they were added.
    pub members: Vec<String>,
}

/// All resources of one simulated service provider.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub flavor: Flavor,
    pub base: String,
    ids: SplitMix,
    seq: u64,
    pub users: BTreeMap<String, UserRec>,
    pub user_order: BTreeMap<u64, String>,
    /// Lower-cased userName -> ids (several only when seeded so).
    user_names: BTreeMap<String, BTreeSet<String>>,
    /// Lower-cased userNames that exist outside what the client can see (Airtable: users of
    /// another enterprise): creating them conflicts, listing never shows them.
    reserved_names: BTreeSet<String>,
    pub groups: BTreeMap<String, GroupRec>,
    pub group_order: BTreeMap<u64, String>,
    group_names: BTreeMap<String, BTreeSet<String>>,
    /// Whether `displayName` is unique (RFC 7643 does not require it).
    pub unique_group_names: bool,
    /// A user's attributes (top-level names) that PUT and PATCH leave as they were.
    pub ignored_user_attributes: Vec<String>,
    /// Whether a PATCH `remove` by value path clears the group.
    pub remove_by_value_clears: bool,
}

/// `new` with the attributes `names` as `old` has them (absent where `old` lacks them).
fn kept_as_was(old: &User, new: User, names: &[String]) -> User {
    let (Ok(Value::Object(old)), Ok(Value::Object(mut new_doc))) =
        (serde_json::to_value(old), serde_json::to_value(&new))
    else {
        return new;
    };
    for name in names {
        match old.get(name) {
            Some(v) => new_doc.insert(name.clone(), v.clone()),
            None => new_doc.remove(name),
        };
    }
    serde_json::from_value(Value::Object(new_doc)).unwrap_or(new)
}

/// The comparison key of `userName` and `displayName` (RFC 7643: caseExact=false).
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

impl Store {
    pub(crate) fn new(flavor: Flavor, base: &str, seed: u64) -> Store {
        Store {
            flavor,
            base: base.to_owned(),
            ids: SplitMix::new(seed, Stream::Ids),
            seq: 0,
            users: BTreeMap::new(),
            user_order: BTreeMap::new(),
            user_names: BTreeMap::new(),
            reserved_names: BTreeSet::new(),
            groups: BTreeMap::new(),
            group_order: BTreeMap::new(),
            group_names: BTreeMap::new(),
            unique_group_names: true,
            ignored_user_attributes: Vec::new(),
            remove_by_value_clears: false,
        }
    }

    fn stamp(&mut self, now_ms: u64) -> Stamp {
        self.seq += 1;
        Stamp {
            seq: self.seq,
            version: 1,
            created_ms: now_ms,
            modified_ms: now_ms,
        }
    }

    fn new_id(&mut self, airtable_prefix: &str) -> String {
        loop {
            let id = match self.flavor {
                Flavor::Airtable => airtable_id(&mut self.ids, airtable_prefix),
                Flavor::Generic => uuid_v4(&mut self.ids),
            };
            if !self.users.contains_key(&id) && !self.groups.contains_key(&id) {
                return id;
            }
        }
    }

    // ---- users ----

    /// Ids of users whose userName matches `name` case-insensitively, in creation order.
    pub(crate) fn users_named(&self, name: &str) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .user_names
            .get(&name_key(name))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        ids.sort_by_key(|id| self.users.get(*id).map_or(0, |r| r.stamp.seq));
        ids
    }

    /// Whether `name` is taken by a user other than `except` (or is reserved).
    pub(crate) fn user_name_taken(&self, name: &str, except: Option<&str>) -> bool {
        let key = name_key(name);
        self.reserved_names.contains(&key)
            || self
                .user_names
                .get(&key)
                .is_some_and(|ids| ids.iter().any(|id| Some(id.as_str()) != except))
    }

    pub(crate) fn reserve_user_name(&mut self, name: &str) {
        self.reserved_names.insert(name_key(name));
    }

    /// Stores a new user with a fresh id; `groups` and `meta` from the input are dropped.
    pub(crate) fn insert_user(&mut self, mut user: User, now_ms: u64) -> String {
        let id = self.new_id("usr");
        user.id = Some(id.clone());
        user.groups.clear();
        user.meta = None;
        normalize_user_schemas(&mut user);
        let stamp = self.stamp(now_ms);
        self.user_order.insert(stamp.seq, id.clone());
        self.user_names
            .entry(name_key(&user.user_name))
            .or_default()
            .insert(id.clone());
        self.users.insert(
            id.clone(),
            UserRec {
                stamp,
                user,
                groups: BTreeSet::new(),
            },
        );
        id
    }

    /// Replaces the stored user `id` (which must exist) keeping its id and bookkeeping.
    pub(crate) fn update_user(&mut self, id: &str, mut user: User, now_ms: u64) {
        let Some(rec) = self.users.get_mut(id) else {
            return;
        };
        if !self.ignored_user_attributes.is_empty() {
            user = kept_as_was(&rec.user, user, &self.ignored_user_attributes);
        }
        user.id = Some(id.to_owned());
        user.groups.clear();
        user.meta = None;
        normalize_user_schemas(&mut user);
        let old_key = name_key(&rec.user.user_name);
        let new_key = name_key(&user.user_name);
        rec.user = user;
        rec.stamp.version += 1;
        rec.stamp.modified_ms = now_ms;
        if old_key != new_key {
            remove_from_index(&mut self.user_names, &old_key, id);
            self.user_names
                .entry(new_key)
                .or_default()
                .insert(id.to_owned());
        }
    }

    /// Deletes user `id` and its memberships. Returns whether it existed.
    pub(crate) fn remove_user(&mut self, id: &str, now_ms: u64) -> bool {
        let Some(rec) = self.users.remove(id) else {
            return false;
        };
        self.user_order.remove(&rec.stamp.seq);
        remove_from_index(&mut self.user_names, &name_key(&rec.user.user_name), id);
        for gid in &rec.groups {
            if let Some(g) = self.groups.get_mut(gid) {
                g.members.retain(|m| m != id);
                g.stamp.version += 1;
                g.stamp.modified_ms = now_ms;
            }
        }
        true
    }

    /// The user as the server returns it.
    pub(crate) fn render_user(&self, id: &str) -> Option<User> {
        let rec = self.users.get(id)?;
        let mut user = rec.user.clone();
        user.groups = rec
            .groups
            .iter()
            .map(|gid| MultiValue {
                value: Some(gid.clone()),
                display: self.groups.get(gid).map(|g| g.group.display_name.clone()),
                ..MultiValue::default()
            })
            .collect();
        user.meta = self.meta("User", "Users", id, &rec.stamp);
        Some(user)
    }

    // ---- groups ----

    /// Ids of groups whose displayName matches `name` case-insensitively, in creation order.
    pub(crate) fn groups_named(&self, name: &str) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .group_names
            .get(&name_key(name))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        ids.sort_by_key(|id| self.groups.get(*id).map_or(0, |r| r.stamp.seq));
        ids
    }

    /// Whether `name` is taken by a group other than `except`.
    pub(crate) fn group_name_taken(&self, name: &str, except: Option<&str>) -> bool {
        self.group_names
            .get(&name_key(name))
            .is_some_and(|ids| ids.iter().any(|id| Some(id.as_str()) != except))
    }

    /// Stores a new group with a fresh id and the given member ids (deduplicated; members
    /// that are not users are kept as dangling references, as seeding may want).
    pub(crate) fn insert_group(
        &mut self,
        mut group: Group,
        members: Vec<String>,
        now_ms: u64,
    ) -> String {
        let id = self.new_id("ugp");
        group.id = Some(id.clone());
        group.members = None;
        group.meta = None;
        group.schemas = vec![schemas::GROUP.to_owned()];
        let stamp = self.stamp(now_ms);
        self.group_order.insert(stamp.seq, id.clone());
        self.group_names
            .entry(name_key(&group.display_name))
            .or_default()
            .insert(id.clone());
        self.groups.insert(
            id.clone(),
            GroupRec {
                stamp,
                group,
                members: Vec::new(),
            },
        );
        self.set_members(&id, members);
        id
    }

    /// Replaces group `id`'s attributes and, when given, its members.
    pub(crate) fn update_group(
        &mut self,
        id: &str,
        mut group: Group,
        members: Option<Vec<String>>,
        now_ms: u64,
    ) {
        let Some(rec) = self.groups.get_mut(id) else {
            return;
        };
        group.id = Some(id.to_owned());
        group.members = None;
        group.meta = None;
        group.schemas = vec![schemas::GROUP.to_owned()];
        let old_key = name_key(&rec.group.display_name);
        let new_key = name_key(&group.display_name);
        rec.group = group;
        rec.stamp.version += 1;
        rec.stamp.modified_ms = now_ms;
        if old_key != new_key {
            remove_from_index(&mut self.group_names, &old_key, id);
            self.group_names
                .entry(new_key)
                .or_default()
                .insert(id.to_owned());
        }
        if let Some(members) = members {
            self.set_members(id, members);
        }
    }

    /// Sets group `id`'s member list (deduplicated, first occurrence kept) and updates the
    /// reverse index for the users who joined or left.
    fn set_members(&mut self, id: &str, members: Vec<String>) {
        let Some(rec) = self.groups.get_mut(id) else {
            return;
        };
        let members = dedupe(members);
        let old = std::mem::replace(&mut rec.members, members);
        let new_set: BTreeSet<&str> = rec.members.iter().map(String::as_str).collect();
        let old_set: BTreeSet<&str> = old.iter().map(String::as_str).collect();
        for uid in old_set.difference(&new_set) {
            if let Some(u) = self.users.get_mut(*uid) {
                u.groups.remove(id);
            }
        }
        for uid in new_set.difference(&old_set) {
            if let Some(u) = self.users.get_mut(*uid) {
                u.groups.insert(id.to_owned());
            }
        }
    }

    /// Applies a PATCH's member change to group `id`. An incremental change costs what it
    /// touches (plus one pass over the list when something is removed).
    pub(crate) fn change_members(&mut self, id: &str, change: MemberChange, now_ms: u64) {
        let (added, removed) = match change {
            MemberChange::Replace(list) => {
                self.set_members(id, list);
                return;
            }
            MemberChange::Incremental { added, removed } => (added, removed),
        };
        let Some(rec) = self.groups.get_mut(id) else {
            return;
        };
        if !removed.is_empty() {
            let gone: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
            rec.members.retain(|m| !gone.contains(m.as_str()));
            for uid in &removed {
                if let Some(u) = self.users.get_mut(uid) {
                    u.groups.remove(id);
                }
            }
        }
        for uid in added {
            let joined = match self.users.get_mut(&uid) {
                Some(u) => u.groups.insert(id.to_owned()),
                // Only an id already in the group (a dangling seeded member) gets here.
                None => !rec.members.contains(&uid),
            };
            if joined {
                rec.members.push(uid);
            }
        }
        rec.stamp.modified_ms = now_ms;
    }

    /// Deletes group `id`; its members stay. Returns whether it existed.
    pub(crate) fn remove_group(&mut self, id: &str) -> bool {
        let Some(rec) = self.groups.remove(id) else {
            return false;
        };
        self.group_order.remove(&rec.stamp.seq);
        remove_from_index(
            &mut self.group_names,
            &name_key(&rec.group.display_name),
            id,
        );
        for uid in &rec.members {
            if let Some(u) = self.users.get_mut(uid) {
                u.groups.remove(id);
            }
        }
        true
    }

    /// The group as the server returns it, with or without `members`.
    pub(crate) fn render_group(&self, id: &str, with_members: bool) -> Option<Group> {
        let rec = self.groups.get(id)?;
        let mut group = rec.group.clone();
        if with_members {
            group.members = Some(rec.members.iter().map(Member::new).collect());
        }
        group.meta = self.meta("Group", "Groups", id, &rec.stamp);
        Some(group)
    }

    fn meta(
        &self,
        resource_type: &str,
        endpoint: &str,
        id: &str,
        stamp: &Stamp,
    ) -> Option<Box<Meta>> {
        match self.flavor {
            Flavor::Airtable => None,
            Flavor::Generic => Some(Box::new(Meta {
                resource_type: Some(resource_type.to_owned()),
                created: Some(rfc3339(stamp.created_ms)),
                last_modified: Some(rfc3339(stamp.modified_ms)),
                location: Some(format!(
                    "{}/{endpoint}/{}",
                    self.base,
                    scim_provision::request::encode_id(id).unwrap_or_default()
                )),
                version: Some(format!("W/\"{}\"", stamp.version)),
                ..Meta::default()
            })),
        }
    }
}

/// `ids` without repeats, first occurrence kept.
fn dedupe(ids: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let keep: Vec<bool> = ids.iter().map(|id| seen.insert(id.as_str())).collect();
    drop(seen);
    ids.into_iter()
        .zip(keep)
        .filter_map(|(id, k)| k.then_some(id))
        .collect()
}

fn remove_from_index(index: &mut BTreeMap<String, BTreeSet<String>>, key: &str, id: &str) {
    if let Some(ids) = index.get_mut(key) {
        ids.remove(id);
        if ids.is_empty() {
            index.remove(key);
        }
    }
}

/// The core schema plus one URN per extension the user carries.
fn normalize_user_schemas(user: &mut User) {
    let mut schemas_out = vec![schemas::USER.to_owned()];
    if user.enterprise.is_some() {
        schemas_out.push(schemas::ENTERPRISE_USER.to_owned());
    }
    if user.airtable_sso.is_some() {
        schemas_out.push(schemas::AIRTABLE_SSO_USER.to_owned());
    }
    // Custom extensions the client declared stay declared.
    for s in &user.schemas {
        if s.to_ascii_lowercase().starts_with("urn:")
            && !schemas_out.iter().any(|k| k.eq_ignore_ascii_case(s))
            && user.extra.keys().any(|k| k.eq_ignore_ascii_case(s))
        {
            schemas_out.push(s.clone());
        }
    }
    user.schemas = schemas_out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_kept_in_both_directions() {
        let mut s = Store::new(Flavor::Airtable, "/scim/v2", 1);
        let a = s.insert_user(User::new("a@x"), 0);
        let b = s.insert_user(User::new("b@x"), 0);
        let g = s.insert_group(Group::new("G"), vec![a.clone(), b.clone(), a.clone()], 0);
        assert_eq!(s.groups[&g].members, [a.as_str(), b.as_str()]);
        assert_eq!(
            s.render_user(&a).unwrap().groups[0].value.as_deref(),
            Some(g.as_str())
        );
        assert_eq!(
            s.render_user(&a).unwrap().groups[0].display.as_deref(),
            Some("G")
        );
        s.remove_user(&a, 1);
        assert_eq!(s.groups[&g].members, [b.as_str()]);
        s.remove_group(&g);
        assert!(s.render_user(&b).unwrap().groups.is_empty());
    }

    #[test]
    fn names_are_indexed_case_insensitively() {
        let mut s = Store::new(Flavor::Generic, "", 1);
        let a = s.insert_user(User::new("Ana@X.com"), 0);
        assert!(s.user_name_taken("ana@x.COM", None));
        assert!(!s.user_name_taken("ana@x.com", Some(&a)));
        let mut renamed = s.users[&a].user.clone();
        renamed.user_name = "bea@x.com".into();
        s.update_user(&a, renamed, 5);
        assert!(!s.user_name_taken("ana@x.com", None));
        assert_eq!(s.users_named("BEA@x.com"), [a.as_str()]);
        let meta = s.render_user(&a).unwrap().meta.unwrap();
        assert_eq!(meta.version.as_deref(), Some("W/\"2\""));
        assert_eq!(meta.location, Some(format!("/Users/{a}")));
    }
}
