//! The access review: what changed between an earlier report (read back from its JSON) and
//! this one. Who was added, removed, deactivated or reactivated; who gained or lost which
//! group; and the seats, in all and per license type, before and after.
//!
//! Users are matched by server id (by userName, compared as the planner compares names,
//! when a report lacks the id), groups by id (else display name), so a rename is not a
//! removal and an addition. A group whose members one of the two listings did not return is
//! named in `groupsUnknown` instead of being reported as emptied or filled.
//!
//! [`read_previous`] reads only what the comparison needs from a report's JSON, by hand
//! (no derive of the whole report): a report that is not one, or is from a version without
//! the user list, is an error with the JSON path at fault.

use foldhash::{HashMap, HashMapExt};
use serde::Serialize;
use serde_json::{Map, Value};

use super::licenses::LicenseSeats;
use super::name_order;
use super::seats::SeatSummary;
use super::snapshot::{
    format_rfc3339_utc, AccessSnapshot, GroupAccess, KnownMember, ListedUser, SnapshotMember,
    UnknownMember,
};
use super::Report;
use crate::json::JsonError;
use crate::plan::user_key;

/// What a comparison reads of an earlier report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Previous {
    /// Its snapshot: the time, the groups and their members, the users.
    pub snapshot: AccessSnapshot,
    /// Its seat counts.
    pub seats: SeatSummary,
    /// Its seats per license type (empty without a license rule).
    pub licenses: Vec<LicenseSeats>,
}

/// A count before and after.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CountChange {
    /// In the earlier report.
    pub previous: u64,
    /// In this one.
    pub current: u64,
    /// `current - previous`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub change: i64,
}

impl CountChange {
    /// `previous` → `current`.
    pub fn new(previous: u64, current: u64) -> CountChange {
        let change = i128::from(current) - i128::from(previous);
        CountChange {
            previous,
            current,
            change: i64::try_from(change).unwrap_or(if change < 0 { i64::MIN } else { i64::MAX }),
        }
    }
}

/// The seats of one license type before and after.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseChange {
    /// The type.
    pub license: String,
    /// Active (billed) users; a type absent from one report counts 0 there.
    pub active: CountChange,
    /// Deactivated users.
    pub deactivated: CountChange,
    /// Seats purchased, when both reports know them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchased: Option<CountChange>,
    /// Unused seats, when both reports know them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused: Option<CountChange>,
}

/// How a user changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum UserChangeKind {
    /// Listed now, not before.
    Added,
    /// Listed before, not now.
    Removed,
    /// Active before, deactivated now.
    Deactivated,
    /// Deactivated before, active now.
    Reactivated,
}

/// A user that changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserChange {
    /// What happened.
    pub change: UserChangeKind,
    /// The userName (the current one, or the last known).
    pub user_name: String,
    /// The server id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Whether a member joined or left a group.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AccessChangeKind {
    /// A member now, not before.
    Gained,
    /// A member before, not now.
    Lost,
}

/// A membership gained or lost.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessChange {
    /// Gained or lost.
    pub change: AccessChangeKind,
    /// The member's userName, when it was a listed user (else only its id is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The member id.
    pub member_id: String,
    /// The group's display name (the current one, or the last known).
    pub group: String,
}

/// What changed since an earlier report.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ReportComparison"))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Comparison {
    /// When the earlier listing was taken, in milliseconds since the Unix epoch.
    pub previous_taken_at_ms: u64,
    /// The same as RFC 3339 UTC.
    pub previous_taken_at: Option<String>,
    /// Listed users before and after.
    pub total_users: CountChange,
    /// Active (billed) users.
    pub active: CountChange,
    /// Deactivated users.
    pub deactivated: CountChange,
    /// Per license type, sorted by type (when either report counts per type).
    pub licenses: Vec<LicenseChange>,
    /// Users added, removed, deactivated or reactivated, by change, then userName.
    pub users: Vec<UserChange>,
    /// Memberships gained or lost, by userName, then group.
    pub access: Vec<AccessChange>,
    /// Groups whose members one of the listings did not return: their changes are unknown.
    pub groups_unknown: Vec<String>,
}

/// A user's key: the id, else the matching key of the userName.
fn user_id_key(id: Option<&str>, user_name: &str) -> String {
    id.map_or_else(|| format!("\0{}", user_key(user_name)), str::to_owned)
}

fn group_id_key(g: &GroupAccess) -> String {
    user_id_key(g.id.as_deref(), &g.display_name)
}

/// Compares `previous` with `current`.
pub fn compare(previous: &Previous, current: &Report) -> Comparison {
    let (before, after) = (&previous.snapshot, &current.snapshot);
    let by_key = |users: &[ListedUser]| -> HashMap<String, (usize, bool)> {
        let mut m = HashMap::with_capacity(users.len());
        for (i, u) in users.iter().enumerate() {
            m.entry(user_id_key(u.id.as_deref(), &u.user_name))
                .or_insert((i, u.active));
        }
        m
    };
    let (old, new) = (by_key(&before.users), by_key(&after.users));
    let mut users = Vec::new();
    let mut push = |u: &ListedUser, change| {
        users.push(UserChange {
            change,
            user_name: u.user_name.clone(),
            id: u.id.clone(),
        });
    };
    for (key, &(i, active)) in &new {
        let user = &after.users[i];
        match old.get(key) {
            None => push(user, UserChangeKind::Added),
            Some(&(_, was)) if was && !active => push(user, UserChangeKind::Deactivated),
            Some(&(_, was)) if !was && active => push(user, UserChangeKind::Reactivated),
            Some(_) => {}
        }
    }
    for (key, &(i, _)) in &old {
        if !new.contains_key(key) {
            push(&before.users[i], UserChangeKind::Removed);
        }
    }
    crate::sorting::sort_by(&mut users, |a, b| {
        a.change
            .cmp(&b.change)
            .then_with(|| name_order(&a.user_name, &b.user_name))
            .then_with(|| a.cmp(b))
    });

    let (access, groups_unknown) = access_changes(&before.groups, &after.groups);
    Comparison {
        previous_taken_at_ms: before.taken_at_ms,
        previous_taken_at: format_rfc3339_utc(before.taken_at_ms),
        total_users: CountChange::new(previous.seats.total_users, current.seats.total_users),
        active: CountChange::new(previous.seats.active, current.seats.active),
        deactivated: CountChange::new(previous.seats.deactivated, current.seats.deactivated),
        licenses: license_changes(&previous.licenses, &current.licenses),
        users,
        access,
        groups_unknown,
    }
}

/// Memberships gained and lost, and the groups whose members are unknown on one side.
fn access_changes(
    before: &[GroupAccess],
    after: &[GroupAccess],
) -> (Vec<AccessChange>, Vec<String>) {
    let index = |groups: &[GroupAccess]| -> HashMap<String, usize> {
        let mut m = HashMap::with_capacity(groups.len());
        for (i, g) in groups.iter().enumerate() {
            m.entry(group_id_key(g)).or_insert(i);
        }
        m
    };
    let (old, new) = (index(before), index(after));
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    let mut diff = |from: &GroupAccess, to: Option<&GroupAccess>, change, name: &str| {
        let ids: HashMap<&str, ()> = to
            .map(|g| g.members.iter().map(|m| (m.id(), ())).collect())
            .unwrap_or_default();
        for m in &from.members {
            if !ids.contains_key(m.id()) {
                out.push(AccessChange {
                    change,
                    user_name: m.user_name().map(str::to_owned),
                    member_id: m.id().to_owned(),
                    group: name.to_owned(),
                });
            }
        }
    };
    for (key, &i) in &new {
        let now = &after[i];
        let was = old.get(key).map(|&j| &before[j]);
        if !now.members_listed || was.is_some_and(|g| !g.members_listed) {
            unknown.push(now.display_name.clone());
            continue;
        }
        diff(now, was, AccessChangeKind::Gained, &now.display_name);
        if let Some(was) = was {
            diff(was, Some(now), AccessChangeKind::Lost, &now.display_name);
        }
    }
    for (key, &j) in &old {
        let was = &before[j];
        if new.contains_key(key) {
            continue;
        }
        if was.members_listed {
            diff(was, None, AccessChangeKind::Lost, &was.display_name);
        } else {
            unknown.push(was.display_name.clone());
        }
    }
    let shown = |c: &AccessChange| c.user_name.clone().unwrap_or_else(|| c.member_id.clone());
    crate::sorting::sort_by(&mut out, |a, b| {
        name_order(&shown(a), &shown(b))
            .then_with(|| name_order(&a.group, &b.group))
            .then_with(|| a.cmp(b))
    });
    crate::sorting::sort_by(&mut unknown, |a, b| name_order(a, b));
    unknown.dedup();
    (out, unknown)
}

fn license_changes(before: &[LicenseSeats], after: &[LicenseSeats]) -> Vec<LicenseChange> {
    let mut names: Vec<&str> = before
        .iter()
        .chain(after)
        .map(|l| l.license.as_str())
        .collect();
    crate::sorting::sort_by(&mut names, |a, b| name_order(a, b));
    names.dedup();
    let find = |list: &[LicenseSeats], name: &str| list.iter().find(|l| l.license == name).cloned();
    names
        .into_iter()
        .map(|name| {
            let (was, now) = (
                find(before, name).unwrap_or_default(),
                find(after, name).unwrap_or_default(),
            );
            let both =
                |a: Option<u64>, b: Option<u64>| a.zip(b).map(|(a, b)| CountChange::new(a, b));
            LicenseChange {
                license: name.to_owned(),
                active: CountChange::new(was.active, now.active),
                deactivated: CountChange::new(was.deactivated, now.deactivated),
                purchased: both(was.purchased, now.purchased),
                unused: both(was.unused, now.unused),
            }
        })
        .collect()
}

/// Reads what a comparison needs from a report's JSON text (a `report --json` output).
///
/// # Errors
///
/// A [`JsonError`] with the path at fault: the text is not JSON, or not a report, or a
/// report without `snapshot.users` (made by an older version).
pub fn read_previous(text: &str) -> Result<Previous, JsonError> {
    let value: Value = crate::json::from_str(text)?;
    let root = obj(&value, ".")?;
    let snapshot = obj(get(root, "", "snapshot")?, "snapshot")?;
    let seats = obj(get(root, "", "seats")?, "seats")?;
    let count = |key: &str| u64_of(get(seats, "seats", key)?, &format!("seats.{key}"));
    let mut previous = Previous {
        seats: SeatSummary {
            total_users: count("totalUsers")?,
            active: count("active")?,
            deactivated: count("deactivated")?,
            ..SeatSummary::default()
        },
        ..Previous::default()
    };
    previous.snapshot.taken_at_ms = u64_of(
        get(snapshot, "snapshot", "takenAtMs")?,
        "snapshot.takenAtMs",
    )?;
    for (path, u) in items(snapshot, "snapshot", "users")? {
        let u = obj(u, &path)?;
        previous.snapshot.users.push(ListedUser::new(
            opt_str(u, &path, "id")?,
            str_of(get(u, &path, "userName")?, &format!("{path}.userName"))?,
            bool_of(get(u, &path, "active")?, &format!("{path}.active"))?,
        ));
    }
    for (path, g) in items(snapshot, "snapshot", "groups")? {
        let g = obj(g, &path)?;
        let mut group = GroupAccess {
            id: opt_str(g, &path, "id")?,
            display_name: str_of(
                get(g, &path, "displayName")?,
                &format!("{path}.displayName"),
            )?,
            members_listed: bool_of(
                get(g, &path, "membersListed")?,
                &format!("{path}.membersListed"),
            )?,
            ..GroupAccess::default()
        };
        for (mpath, m) in items(g, &path, "members")? {
            let m = obj(m, &mpath)?;
            let id = str_of(get(m, &mpath, "id")?, &format!("{mpath}.id"))?;
            group.members.push(match opt_str(m, &mpath, "userName")? {
                Some(user_name) => SnapshotMember::Known(KnownMember {
                    id,
                    user_name,
                    ..KnownMember::default()
                }),
                None => SnapshotMember::Unknown(UnknownMember { id, display: None }),
            });
        }
        previous.snapshot.groups.push(group);
    }
    if root.get("licenses").is_some_and(|l| !l.is_null()) {
        for (path, l) in items(root, "", "licenses")? {
            let l = obj(l, &path)?;
            let n = |key: &str| u64_of(get(l, &path, key)?, &format!("{path}.{key}"));
            let opt = |key: &str| match l.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => u64_of(v, &format!("{path}.{key}")).map(Some),
            };
            previous.licenses.push(LicenseSeats {
                license: str_of(get(l, &path, "license")?, &format!("{path}.license"))?,
                purchased: opt("purchased")?,
                active: n("active")?,
                deactivated: n("deactivated")?,
                unused: opt("unused")?,
                ..LicenseSeats::default()
            });
        }
    }
    Ok(previous)
}

fn fail(path: &str, reason: impl Into<String>) -> JsonError {
    JsonError {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn expected(path: &str, what: &str) -> JsonError {
    fail(path, format!("expected {what}"))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, JsonError> {
    v.as_object().ok_or_else(|| expected(path, "an object"))
}

fn get<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a Value, JsonError> {
    m.get(key).ok_or_else(|| {
        let at = if path.is_empty() { "." } else { path };
        fail(
            at,
            format!("missing field `{key}` (is this a report's JSON, from `report --json`?)"),
        )
    })
}

fn u64_of(v: &Value, path: &str) -> Result<u64, JsonError> {
    v.as_u64().ok_or_else(|| expected(path, "a whole number"))
}

fn bool_of(v: &Value, path: &str) -> Result<bool, JsonError> {
    v.as_bool().ok_or_else(|| expected(path, "a boolean"))
}

fn str_of(v: &Value, path: &str) -> Result<String, JsonError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| expected(path, "a string"))
}

fn opt_str(m: &Map<String, Value>, path: &str, key: &str) -> Result<Option<String>, JsonError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => str_of(v, &join(path, key)).map(Some),
    }
}

/// The items of the array `m[key]`, each with its path.
fn items<'a>(
    m: &'a Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<impl Iterator<Item = (String, &'a Value)>, JsonError> {
    let at = join(path, key);
    let list = get(m, path, key)?
        .as_array()
        .ok_or_else(|| expected(&at, "an array"))?;
    Ok(list
        .iter()
        .enumerate()
        .map(move |(i, v)| (format!("{at}[{i}]"), v)))
}

/// The word for a user change, as the CSV and the HTML page show it.
pub(super) fn kind_word(kind: UserChangeKind) -> &'static str {
    match kind {
        UserChangeKind::Added => "added",
        UserChangeKind::Removed => "removed",
        UserChangeKind::Deactivated => "deactivated",
        UserChangeKind::Reactivated => "reactivated",
    }
}

/// The review as CSV rows (`Change`, `userName`, `ID`, `Group`), every cell neutralised
/// against formula injection: users first, then memberships.
pub fn review_csv(c: &Comparison, byte_order_mark: bool) -> String {
    let mut rows: Vec<[&str; 4]> = vec![["Change", "userName", "ID", "Group"]];
    for u in &c.users {
        rows.push([
            kind_word(u.change),
            &u.user_name,
            u.id.as_deref().unwrap_or(""),
            "",
        ]);
    }
    for a in &c.access {
        let word = if a.change == AccessChangeKind::Gained {
            "gained"
        } else {
            "lost"
        };
        rows.push([
            word,
            a.user_name.as_deref().unwrap_or(""),
            &a.member_id,
            &a.group,
        ]);
    }
    super::csv_export::write_rows(rows.iter().map(|r| r.as_slice()), byte_order_mark)
}

#[cfg(test)]
mod tests;
