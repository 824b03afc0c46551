//! Chargeback: billed (active) users counted per department, cost center, division and
//! organization, from the Enterprise User extension.
//!
//! A user with no value (no extension, the attribute absent, or only whitespace) is counted
//! under [`Bucket::Unassigned`], which is a key of its own: a real department literally
//! named `(unassigned)` stays a separate [`Bucket::Named`] entry. Values are otherwise taken
//! exactly as listed (no trimming or case folding), so the counts match what the server holds.

use std::cmp::Ordering;
// foldhash (seeded per process) is much faster than SipHash on short ids and names; the
// maps are lookups only, their iteration order never reaches the output, which is sorted.
use foldhash::{HashMap, HashMapExt};

use serde::Serialize;

use crate::model::{EnterpriseUser, User};

/// The label shown for [`Bucket::Unassigned`].
pub const UNASSIGNED_LABEL: &str = "(unassigned)";

/// A chargeback key: a value as listed, or none.
///
/// In JSON a named bucket is its string and the unassigned bucket is `null`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Bucket {
    /// Users with no value for the attribute.
    Unassigned,
    /// Users with this value.
    Named(String),
}

impl Bucket {
    /// The text to show: the name, or `(unassigned)`. Two buckets may share a label (a
    /// department named `(unassigned)`); use the bucket itself to tell them apart.
    pub fn label(&self) -> &str {
        match self {
            Bucket::Unassigned => UNASSIGNED_LABEL,
            Bucket::Named(name) => name,
        }
    }

    /// The bucket of an optional attribute value: absent or blank is unassigned.
    pub fn of(value: Option<&str>) -> Bucket {
        match value {
            Some(v) if !v.trim().is_empty() => Bucket::Named(v.to_owned()),
            _ => Bucket::Unassigned,
        }
    }
}

/// How many active users one bucket holds.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BucketCount {
    /// The bucket (`null` in JSON when unassigned).
    #[serde(rename = "name")]
    pub bucket: Bucket,
    /// Active users in it.
    pub count: u64,
}

impl BucketCount {
    /// `count` active users in `bucket`.
    pub fn new(bucket: Bucket, count: u64) -> BucketCount {
        BucketCount { bucket, count }
    }
}

/// Active users per attribute. Each list is sorted by count (largest first), then by name
/// (case-folded, then exact), the unassigned bucket last among equal counts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Chargeback {
    /// Active users counted; each list below sums to it.
    pub active_users: u64,
    /// Per department.
    pub by_department: Vec<BucketCount>,
    /// Per cost center.
    pub by_cost_center: Vec<BucketCount>,
    /// Per division.
    pub by_division: Vec<BucketCount>,
    /// Per organization.
    pub by_organization: Vec<BucketCount>,
}

/// Counts the active users of `users` per department, cost center, division and
/// organization. Deactivated users are not billed and are left out.
pub fn chargeback(users: &[User]) -> Chargeback {
    let active: Vec<&User> = users.iter().filter(|u| u.is_active()).collect();
    let field = |get: fn(&EnterpriseUser) -> Option<&str>| {
        tally(active.iter().map(|u| u.enterprise.as_ref().and_then(get)))
    };
    Chargeback {
        active_users: u64::try_from(active.len()).unwrap_or(u64::MAX),
        by_department: field(|e| e.department.as_deref()),
        by_cost_center: field(|e| e.cost_center.as_deref()),
        by_division: field(|e| e.division.as_deref()),
        by_organization: field(|e| e.organization.as_deref()),
    }
}

/// Counts values into sorted buckets.
fn tally<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Vec<BucketCount> {
    let mut named: HashMap<&'a str, u64> = HashMap::new();
    let mut unassigned = 0u64;
    for value in values {
        match value {
            Some(v) if !v.trim().is_empty() => *named.entry(v).or_insert(0) += 1,
            _ => unassigned += 1,
        }
    }
    let mut out: Vec<BucketCount> = named
        .into_iter()
        .map(|(name, count)| BucketCount {
            bucket: Bucket::Named(name.to_owned()),
            count,
        })
        .collect();
    if unassigned > 0 {
        out.push(BucketCount {
            bucket: Bucket::Unassigned,
            count: unassigned,
        });
    }
    crate::sorting::sort_by(&mut out, order);
    out
}

fn order(a: &BucketCount, b: &BucketCount) -> Ordering {
    b.count
        .cmp(&a.count)
        .then_with(|| match (&a.bucket, &b.bucket) {
            (Bucket::Named(x), Bucket::Named(y)) => super::name_order(x, y),
            (Bucket::Named(_), Bucket::Unassigned) => Ordering::Less,
            (Bucket::Unassigned, Bucket::Named(_)) => Ordering::Greater,
            (Bucket::Unassigned, Bucket::Unassigned) => Ordering::Equal,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(dept: Option<&str>, active: bool) -> User {
        let mut u = User::new("x");
        u.active = Some(active);
        u.enterprise = dept.map(|d| EnterpriseUser {
            department: Some(d.to_owned()),
            ..EnterpriseUser::default()
        });
        u
    }

    fn rows(v: &[BucketCount]) -> Vec<(Bucket, u64)> {
        v.iter().map(|b| (b.bucket.clone(), b.count)).collect()
    }

    #[test]
    fn counts_active_users_sorted_by_count_then_name() {
        let users = [
            user(Some("Sales"), true),
            user(Some("Eng"), true),
            user(Some("Eng"), true),
            user(Some("Eng"), false),
            user(Some("art"), true),
            user(None, true),
        ];
        let c = chargeback(&users);
        assert_eq!(c.active_users, 5);
        assert_eq!(
            rows(&c.by_department),
            [
                (Bucket::Named("Eng".into()), 2),
                (Bucket::Named("art".into()), 1),
                (Bucket::Named("Sales".into()), 1),
                (Bucket::Unassigned, 1),
            ]
        );
        // The other attributes are unset everywhere.
        assert_eq!(rows(&c.by_cost_center), [(Bucket::Unassigned, 5)]);
    }

    #[test]
    fn a_department_named_unassigned_does_not_merge() {
        let users = [
            user(Some(UNASSIGNED_LABEL), true),
            user(None, true),
            user(Some("   "), true),
            user(Some(""), true),
        ];
        let c = chargeback(&users);
        assert_eq!(
            rows(&c.by_department),
            [
                (Bucket::Unassigned, 3),
                (Bucket::Named(UNASSIGNED_LABEL.into()), 1)
            ]
        );
        assert_eq!(
            c.by_department[0].bucket.label(),
            c.by_department[1].bucket.label()
        );
        let json = serde_json::to_value(&c.by_department).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"name": null, "count": 3}, {"name": "(unassigned)", "count": 1}])
        );
    }

    #[test]
    fn no_users_no_buckets() {
        assert_eq!(chargeback(&[]), Chargeback::default());
    }

    #[test]
    fn bucket_of() {
        assert_eq!(Bucket::of(None), Bucket::Unassigned);
        assert_eq!(Bucket::of(Some(" \t")), Bucket::Unassigned);
        assert_eq!(Bucket::of(Some(" x ")), Bucket::Named(" x ".into()));
    }
}
