//! Access snapshot: every listed group with its members, stamped with the time the listing
//! was taken, for access reviews and audits.
//!
//! Members are resolved against the listed users by id. A member id that matches no listed
//! user (a user outside the listing's scope, or one deleted since) is kept as
//! [`SnapshotMember::Unknown`] with its id, never dropped. Groups are sorted by display name,
//! members by userName (unknown members last, by id); a member listed twice in one group
//! appears once.
//!
//! The time is given in milliseconds since the Unix epoch and rendered as RFC 3339 UTC by
//! [`format_rfc3339_utc`], a small civil-from-days conversion (no time crate, no clock).

use std::cmp::Ordering;
// foldhash (seeded per process) is much faster than SipHash on short ids and names; the
// maps are lookups only, their iteration order never reaches the output, which is sorted.
use foldhash::{HashMap, HashMapExt};

use serde::Serialize;

use super::name_order;
use crate::model::{Group, Member, User};

/// Groups and their members at one point in time.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessSnapshot {
    /// When the listing was taken, in milliseconds since the Unix epoch.
    pub taken_at_ms: u64,
    /// The same instant as RFC 3339 UTC (`2024-05-01T09:30:00.000Z`); `None` past the year
    /// 9999, which RFC 3339 cannot express.
    pub taken_at: Option<String>,
    /// Every group, sorted by display name (case-folded, then exact), then id, then the
    /// rest of its content (so groups sharing a name and id still sort deterministically).
    pub groups: Vec<GroupAccess>,
    /// Every listed user, sorted by userName (case-folded, then exact), then id: what a
    /// later report compares with to find new, removed, deactivated and reactivated users.
    pub users: Vec<ListedUser>,
}

/// A listed user in a snapshot.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListedUser {
    /// The user's server id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's userName.
    pub user_name: String,
    /// Whether the user is active (unassigned counts as active).
    pub active: bool,
}

impl ListedUser {
    /// A listed user from its fields.
    pub fn new(id: Option<String>, user_name: impl Into<String>, active: bool) -> ListedUser {
        ListedUser {
            id,
            user_name: user_name.into(),
            active,
        }
    }
}

/// One group in a snapshot.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupAccess {
    /// The group's server id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The group's externalId.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The group's display name.
    pub display_name: String,
    /// Whether the server returned the group's members. When `false`, `members` is empty
    /// because they are unknown, not because the group is empty.
    pub members_listed: bool,
    /// The members, sorted by userName (case-folded, then exact), unknown ids last.
    pub members: Vec<SnapshotMember>,
}

/// A member of a group in a snapshot. In JSON, `status` is `known` or `unknown`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
#[non_exhaustive]
pub enum SnapshotMember {
    /// The member id matches a listed user.
    Known(KnownMember),
    /// The member id matches no listed user.
    Unknown(UnknownMember),
}

/// A member resolved to a listed user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KnownMember {
    /// The user's id.
    pub id: String,
    /// The user's userName.
    pub user_name: String,
    /// A name to show: `displayName`, else `name.formatted`, else given and family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Whether the user is active (unassigned counts as active).
    pub active: bool,
}

/// A member whose id matches no listed user.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnknownMember {
    /// The member id as the group lists it.
    pub id: String,
    /// The `display` the group's member reference carries, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl SnapshotMember {
    /// The member's id.
    pub fn id(&self) -> &str {
        match self {
            SnapshotMember::Known(k) => &k.id,
            SnapshotMember::Unknown(u) => &u.id,
        }
    }

    /// The member's userName, when the member is a listed user.
    pub fn user_name(&self) -> Option<&str> {
        match self {
            SnapshotMember::Known(k) => Some(&k.user_name),
            SnapshotMember::Unknown(_) => None,
        }
    }
}

/// The name to show for a user: `displayName`, else `name.formatted`, else given and family
/// name joined by a space. Blank values count as absent.
pub fn display_name_of(user: &User) -> Option<String> {
    let nonblank = |s: Option<&str>| s.filter(|v| !v.trim().is_empty()).map(str::to_owned);
    nonblank(user.display_name.as_deref())
        .or_else(|| nonblank(user.name.as_ref().and_then(|n| n.formatted.as_deref())))
        .or_else(|| {
            let parts: Vec<&str> = [user.given_name(), user.family_name()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
}

/// Builds the snapshot of `groups`, resolving member ids against `users`. When two listed
/// users share an id, the first one listed is used.
pub fn access_snapshot(users: &[User], groups: &[Group], taken_at_ms: u64) -> AccessSnapshot {
    // Each listed user resolved once; memberships clone the resolved entry.
    // The map holds small entries (an index) so lookups stay cache-friendly.
    let mut known: Vec<KnownMember> = Vec::with_capacity(users.len());
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(users.len());
    for user in users {
        if let Some(id) = user.id.as_deref() {
            by_id.entry(id).or_insert_with(|| {
                known.push(KnownMember {
                    id: id.to_owned(),
                    user_name: user.user_name.clone(),
                    display_name: display_name_of(user),
                    given_name: user.given_name().map(str::to_owned),
                    family_name: user.family_name().map(str::to_owned),
                    active: user.is_active(),
                });
                known.len() - 1
            });
        }
    }
    let mut out: Vec<GroupAccess> = groups
        .iter()
        .map(|g| {
            let mut members: Vec<SnapshotMember> = g
                .members
                .iter()
                .flatten()
                .map(|m| resolve(m, &by_id, &known))
                .collect();
            crate::sorting::sort_by(&mut members, member_order);
            members.dedup_by(|a, b| a.id() == b.id());
            GroupAccess {
                id: g.id.clone(),
                external_id: g.external_id.clone(),
                display_name: g.display_name.clone(),
                members_listed: g.members.is_some(),
                members,
            }
        })
        .collect();
    crate::sorting::sort_by(&mut out, |a, b| {
        name_order(&a.display_name, &b.display_name).then_with(|| a.cmp(b))
    });
    let mut listed: Vec<ListedUser> = users
        .iter()
        .map(|u| ListedUser::new(u.id.clone(), u.user_name.clone(), u.is_active()))
        .collect();
    crate::sorting::sort_by(&mut listed, |a, b| {
        name_order(&a.user_name, &b.user_name).then_with(|| a.cmp(b))
    });
    AccessSnapshot {
        taken_at_ms,
        taken_at: format_rfc3339_utc(taken_at_ms),
        groups: out,
        users: listed,
    }
}

fn resolve(member: &Member, by_id: &HashMap<&str, usize>, known: &[KnownMember]) -> SnapshotMember {
    match by_id.get(member.value.as_str()).and_then(|&i| known.get(i)) {
        Some(k) => SnapshotMember::Known(k.clone()),
        None => SnapshotMember::Unknown(UnknownMember {
            id: member.value.clone(),
            display: member.display.clone(),
        }),
    }
}

fn member_order(a: &SnapshotMember, b: &SnapshotMember) -> Ordering {
    match (a, b) {
        (SnapshotMember::Known(x), SnapshotMember::Known(y)) => {
            name_order(&x.user_name, &y.user_name).then_with(|| x.id.cmp(&y.id))
        }
        (SnapshotMember::Known(_), SnapshotMember::Unknown(_)) => Ordering::Less,
        (SnapshotMember::Unknown(_), SnapshotMember::Known(_)) => Ordering::Greater,
        (SnapshotMember::Unknown(x), SnapshotMember::Unknown(y)) => x.id.cmp(&y.id),
    }
}

/// The last millisecond RFC 3339 can express: 9999-12-31T23:59:59.999Z.
const MAX_RFC3339_MS: u64 = 253_402_300_799_999;

/// Formats milliseconds since the Unix epoch as RFC 3339 UTC with milliseconds, such as
/// `1970-01-01T00:00:00.000Z`. Returns `None` after the year 9999.
pub fn format_rfc3339_utc(ms: u64) -> Option<String> {
    if ms > MAX_RFC3339_MS {
        return None;
    }
    let millis = ms % 1000;
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(i64::try_from(days).ok()?);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), for the non-negative day counts used here.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Name;

    #[test]
    fn rfc3339_known_instants() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (951_868_799_999, "2000-02-29T23:59:59.999Z"),
            (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
            (1_700_000_000_123, "2023-11-14T22:13:20.123Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (MAX_RFC3339_MS, "9999-12-31T23:59:59.999Z"),
        ];
        for (ms, want) in cases {
            assert_eq!(format_rfc3339_utc(ms).as_deref(), Some(want), "{ms}");
        }
        assert_eq!(format_rfc3339_utc(MAX_RFC3339_MS + 1), None);
        assert_eq!(format_rfc3339_utc(u64::MAX), None);
    }

    /// Checks the day arithmetic against a naive day-by-day calendar walk over 1970-2400.
    #[test]
    fn civil_from_days_matches_a_calendar_walk() {
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let mut days = 0i64;
        for y in 1970..2400 {
            for m in 1..=12u32 {
                let len = match m {
                    2 if leap(y) => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for d in 1..=len {
                    assert_eq!(civil_from_days(days), (y, m, d));
                    days += 1;
                }
            }
        }
    }

    fn user(id: &str, name: &str) -> User {
        let mut u = User::new(name);
        u.id = Some(id.into());
        u
    }

    #[test]
    fn groups_and_members_sorted_unknown_kept_duplicates_dropped() {
        let mut bo = user("u2", "bo@x");
        bo.active = Some(false);
        bo.name = Some(Name {
            given_name: Some("Bo".into()),
            family_name: Some("Li".into()),
            ..Name::default()
        });
        let users = [user("u1", "Cy@x"), bo, user("u3", "al@x")];
        let mut b = Group::new("beta");
        b.members = Some(vec![
            Member::new("u1"),
            Member::new("zz"),
            Member::new("u2"),
            Member::new("u3"),
            Member::new("u1"),
            Member {
                display: Some("Gone".into()),
                ..Member::new("aa")
            },
        ]);
        let a = Group::new("Alpha");
        let s = access_snapshot(&users, &[b, a], 86_400_000);
        assert_eq!(s.taken_at.as_deref(), Some("1970-01-02T00:00:00.000Z"));
        assert_eq!(s.groups[0].display_name, "Alpha");
        assert!(!s.groups[0].members_listed);
        let beta = &s.groups[1];
        assert!(beta.members_listed);
        let ids: Vec<&str> = beta.members.iter().map(SnapshotMember::id).collect();
        assert_eq!(ids, ["u3", "u2", "u1", "aa", "zz"]);
        match &beta.members[1] {
            SnapshotMember::Known(k) => {
                assert_eq!(k.display_name.as_deref(), Some("Bo Li"));
                assert!(!k.active);
            }
            other => panic!("{other:?}"),
        }
        match &beta.members[3] {
            SnapshotMember::Unknown(u) => assert_eq!(u.display.as_deref(), Some("Gone")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn display_name_precedence() {
        let mut u = User::new("x");
        assert_eq!(display_name_of(&u), None);
        u.name = Some(Name {
            family_name: Some("Li".into()),
            given_name: Some(" ".into()),
            ..Name::default()
        });
        assert_eq!(display_name_of(&u).as_deref(), Some("Li"));
        u.name.as_mut().unwrap().formatted = Some("Ms Li".into());
        assert_eq!(display_name_of(&u).as_deref(), Some("Ms Li"));
        u.display_name = Some("Li!".into());
        assert_eq!(display_name_of(&u).as_deref(), Some("Li!"));
    }

    #[test]
    fn first_user_wins_on_duplicate_ids() {
        let users = [user("u1", "first@x"), user("u1", "second@x")];
        let mut g = Group::new("g");
        g.members = Some(vec![Member::new("u1")]);
        let s = access_snapshot(&users, &[g], 0);
        assert_eq!(s.groups[0].members[0].user_name(), Some("first@x"));
    }
}
