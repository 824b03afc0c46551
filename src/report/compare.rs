//! The access review: what changed between an earlier report (read back from its JSON) and
//! this one. Who was added, removed, deactivated or reactivated; who gained or lost which
//! group; and the seats, in all and per license type, before and after.
//!
//! Users are matched by server id (by userName when a report lacks the id), groups by id
//! (else display name), so a rename is not a removal and an addition. A group whose members one of the two listings did not return is
//! named in `groupsUnknown` instead of being reported as emptied or filled.
//!
//! [`read_previous`] reads only what the comparison needs from a report's JSON, by hand
//! (no derive of the whole report): a report that is not one, or is from a version without
//! the user list, is an error with the JSON path at fault.

use foldhash::{HashMap, HashMapExt};
use serde::Serialize;
use serde_json::Value;

use super::licenses::LicenseSeats;
use super::name_order;
use super::seats::SeatSummary;
use super::snapshot::{
    format_rfc3339_utc, AccessSnapshot, GroupAccess, KnownMember, ListedUser, SnapshotMember,
    UnknownMember,
};
use super::Report;
use crate::json::JsonError;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// A user's key: the server id, else the userName (a report lists server ids, so the name
/// stands in only for input written by hand).
fn user_key(u: &ListedUser) -> &str {
    u.id.as_deref().unwrap_or(&u.user_name)
}

/// A group's key: the server id, else the display name.
fn group_key(g: &GroupAccess) -> &str {
    g.id.as_deref().unwrap_or(&g.display_name)
}

/// Each key's first position (one map type, the one the snapshot already uses).
fn index<'k>(keys: impl Iterator<Item = &'k str>) -> HashMap<&'k str, usize> {
    let mut m = HashMap::new();
    for (i, k) in keys.enumerate() {
        m.entry(k).or_insert(i);
    }
    m
}

/// Compares `previous` with `current`.
pub fn compare(previous: &Previous, current: &Report) -> Comparison {
    let (before, after) = (&previous.snapshot, &current.snapshot);
    let old = index(before.users.iter().map(user_key));
    let new = index(after.users.iter().map(user_key));
    let mut users = Vec::new();
    let mut push = |u: &ListedUser, change| {
        users.push(UserChange {
            change,
            user_name: u.user_name.clone(),
            id: u.id.clone(),
        });
    };
    for (i, user) in after.users.iter().enumerate() {
        let k = user_key(user);
        let was = old.get(k).and_then(|&j| before.users.get(j));
        match was.map(|w| w.active) {
            _ if new.get(k) != Some(&i) => {}
            None => push(user, UserChangeKind::Added),
            Some(true) if !user.active => push(user, UserChangeKind::Deactivated),
            Some(false) if user.active => push(user, UserChangeKind::Reactivated),
            Some(_) => {}
        }
    }
    for (i, user) in before.users.iter().enumerate() {
        let k = user_key(user);
        if old.get(k) == Some(&i) && !new.contains_key(k) {
            push(user, UserChangeKind::Removed);
        }
    }
    crate::sorting::sort_by(&mut users, |a, b| {
        a.change
            .cmp(&b.change)
            .then_with(|| name_order(&a.user_name, &b.user_name))
            .then_with(|| a.id.cmp(&b.id))
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
    let old = index(before.iter().map(group_key));
    let new = index(after.iter().map(group_key));
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    // The members of `from` that `to` lacks, as `change` in the group called `name`.
    let mut diff = |from: &GroupAccess, to: Option<&GroupAccess>, change, name: &str| {
        let ids = index(
            to.into_iter()
                .flat_map(|g| g.members.iter().map(SnapshotMember::id)),
        );
        for m in from.members.iter().filter(|m| !ids.contains_key(m.id())) {
            out.push(AccessChange {
                change,
                user_name: m.user_name().map(str::to_owned),
                member_id: m.id().to_owned(),
                group: name.to_owned(),
            });
        }
    };
    for (i, now) in after.iter().enumerate() {
        let k = group_key(now);
        let was = old.get(k).and_then(|&j| before.get(j));
        if new.get(k) != Some(&i) {
            continue;
        }
        if !now.members_listed || was.is_some_and(|g| !g.members_listed) {
            unknown.push(now.display_name.clone());
            continue;
        }
        diff(now, was, AccessChangeKind::Gained, &now.display_name);
        if let Some(was) = was {
            diff(was, Some(now), AccessChangeKind::Lost, &now.display_name);
        }
    }
    for (j, was) in before.iter().enumerate() {
        let k = group_key(was);
        if old.get(k) != Some(&j) || new.contains_key(k) {
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
            .then_with(|| a.change.cmp(&b.change))
            .then_with(|| a.member_id.cmp(&b.member_id))
    });
    crate::sorting::sort_by(&mut unknown, |a, b| name_order(a, b));
    unknown.dedup();
    (out, unknown)
}

fn license_changes(before: &[LicenseSeats], after: &[LicenseSeats]) -> Vec<LicenseChange> {
    let mut names: Vec<&str> = Vec::with_capacity(before.len() + after.len());
    for l in before.iter().chain(after) {
        names.push(&l.license);
    }
    crate::sorting::sort_by(&mut names, |a, b| name_order(a, b));
    names.dedup();
    // Few types: a scan each is cheaper in code than a map.
    let find = |list: &[LicenseSeats], name: &str| {
        list.iter()
            .find(|l| l.license == name)
            .cloned()
            .unwrap_or_default()
    };
    let both = |a: Option<u64>, b: Option<u64>| a.zip(b).map(|(a, b)| CountChange::new(a, b));
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let (was, now) = (find(before, name), find(after, name));
        out.push(LicenseChange {
            license: name.to_owned(),
            active: CountChange::new(was.active, now.active),
            deactivated: CountChange::new(was.deactivated, now.deactivated),
            purchased: both(was.purchased, now.purchased),
            unused: both(was.unused, now.unused),
        });
    }
    out
}

/// What [`read_previous`] reads, checked before anything is taken: a path (`[]`: every item
/// of an array; `?`: the array may be absent or null) and what must be there (`s` a string,
/// `n` a whole number, `b` a boolean; a leading `?`: absent or null is fine). One table and
/// one walk (rather than code per field) keep the WebAssembly module small.
const SHAPE: &[(&str, &str)] = &[
    ("seats.totalUsers", "n"),
    ("seats.active", "n"),
    ("seats.deactivated", "n"),
    ("snapshot.takenAtMs", "n"),
    ("snapshot.users[].id", "?s"),
    ("snapshot.users[].userName", "s"),
    ("snapshot.users[].active", "b"),
    ("snapshot.groups[].id", "?s"),
    ("snapshot.groups[].displayName", "s"),
    ("snapshot.groups[].membersListed", "b"),
    ("snapshot.groups[].members[].id", "s"),
    ("snapshot.groups[].members[].userName", "?s"),
    ("licenses?[].license", "s"),
    ("licenses?[].purchased", "?n"),
    ("licenses?[].active", "n"),
    ("licenses?[].deactivated", "n"),
    ("licenses?[].unused", "?n"),
];

/// Checks `value` at the rest of a [`SHAPE`] path (`path`: where `value` is).
fn check(value: &Value, rest: &str, kind: &str, path: &mut String) -> Result<(), JsonError> {
    let fail = |path: &str, reason: String| JsonError {
        path: if path.is_empty() {
            ".".to_owned()
        } else {
            path.to_owned()
        },
        reason,
    };
    if rest.is_empty() {
        let (optional, kind) = kind.strip_prefix('?').map_or((false, kind), |k| (true, k));
        let (ok, what) = match kind {
            "s" => (value.is_string(), "a string"),
            "b" => (value.is_boolean(), "a boolean"),
            _ => (value.is_u64(), "a whole number"),
        };
        return if ok || (optional && value.is_null()) {
            Ok(())
        } else {
            Err(fail(path, format!("expected {what}")))
        };
    }
    let (head, tail) = rest.split_once('.').unwrap_or((rest, ""));
    let (key, each, optional) = match head.strip_suffix("[]") {
        Some(k) => k
            .strip_suffix('?')
            .map_or((k, true, false), |k| (k, true, true)),
        None => (head, false, kind.starts_with('?') && tail.is_empty()),
    };
    let object = value
        .as_object()
        .ok_or_else(|| fail(path, "expected an object".to_owned()))?;
    let len = path.len();
    let field = match object.get(key) {
        None | Some(Value::Null) if optional => return Ok(()),
        None => return Err(fail(path, format!("missing field `{key}`"))),
        Some(field) => field,
    };
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    if each {
        let items = field
            .as_array()
            .ok_or_else(|| fail(path, "expected an array".to_owned()))?;
        for (i, item) in items.iter().enumerate() {
            let at = path.len();
            path.push_str(&format!("[{i}]"));
            check(item, tail, kind, path)?;
            path.truncate(at);
        }
    } else {
        check(field, tail, kind, path)?;
    }
    path.truncate(len);
    Ok(())
}

/// The items of an array (none for anything else).
fn items(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// Reads what a comparison needs from a report's JSON text (a `report --json` output).
///
/// # Errors
///
/// A [`JsonError`] with the path at fault: the text is not JSON, or not a report, or a
/// report without `snapshot.users` (made by an older version).
pub fn read_previous(text: &str) -> Result<Previous, JsonError> {
    let value = crate::json::parse_value(text)?;
    for (path, kind) in SHAPE {
        check(&value, path, kind, &mut String::new())?;
    }
    // Checked above: every value below is there and of its kind.
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let (seats, snapshot) = (&value["seats"], &value["snapshot"]);
    let mut previous = Previous::default();
    previous.seats.total_users = n(&seats["totalUsers"]);
    previous.seats.active = n(&seats["active"]);
    previous.seats.deactivated = n(&seats["deactivated"]);
    previous.snapshot.taken_at_ms = n(&snapshot["takenAtMs"]);
    for u in items(&snapshot["users"]) {
        previous.snapshot.users.push(ListedUser::new(
            text(&u["id"]),
            text(&u["userName"]).unwrap_or_default(),
            u["active"] == Value::Bool(true),
        ));
    }
    for g in items(&snapshot["groups"]) {
        let mut group = GroupAccess {
            id: text(&g["id"]),
            display_name: text(&g["displayName"]).unwrap_or_default(),
            members_listed: g["membersListed"] == Value::Bool(true),
            ..GroupAccess::default()
        };
        for m in items(&g["members"]) {
            let id = text(&m["id"]).unwrap_or_default();
            group.members.push(match text(&m["userName"]) {
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
    for l in items(&value["licenses"]) {
        previous.licenses.push(LicenseSeats {
            license: text(&l["license"]).unwrap_or_default(),
            purchased: l["purchased"].as_u64(),
            active: n(&l["active"]),
            deactivated: n(&l["deactivated"]),
            unused: l["unused"].as_u64(),
            ..LicenseSeats::default()
        });
    }
    Ok(previous)
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
    let mut rows: Vec<Vec<&str>> = vec![vec!["Change", "userName", "ID", "Group"]];
    for u in &c.users {
        let id = u.id.as_deref().unwrap_or("");
        rows.push(vec![kind_word(u.change), &u.user_name, id, ""]);
    }
    for a in &c.access {
        let word = if a.change == AccessChangeKind::Gained {
            "gained"
        } else {
            "lost"
        };
        let name = a.user_name.as_deref().unwrap_or("");
        rows.push(vec![word, name, &a.member_id, &a.group]);
    }
    super::csv_export::write_rows(&mut rows.into_iter(), byte_order_mark)
}

#[cfg(test)]
mod tests;
