//! Seats by license type: SCIM has no license attribute, so organisations carry the type in
//! `userType`, an enterprise or custom extension attribute, or as membership in a group such
//! as "License: Creator". A [`LicenseRule`] says which; the report then counts, per type,
//! purchased, active (billed), deactivated, unused and over-allocated seats, and with a
//! directory the active users it no longer has.
//!
//! The type of a user: the rule's attribute where the user has it (non-empty), else the
//! first of the rule's license groups (in the rule's order: its precedence) the user is a
//! member of, else the rule's default type.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::name_order;
use crate::model::{Group, User};
use crate::plan::user_key;
use crate::quoted::q;

/// How the license type of a user is found, and the seats bought per type.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct LicenseRule {
    /// The attribute holding the type: `userType`, `title`, `name.formatted`, or an
    /// extension's attribute by its full path
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub attribute: Option<String>,
    /// License groups in order of precedence: a user in several has the first one's type.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub groups: Vec<LicenseGroup>,
    /// The type of everyone else (default `"Standard"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub default: Option<String>,
    /// Seats purchased per type (`--seats Creator=120,ReadOnly=300`).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub purchased: BTreeMap<String, u64>,
}

/// A group whose members hold a license type.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct LicenseGroup {
    /// The group's displayName (compared as the planner compares names).
    pub group: String,
    /// The license type its members hold.
    pub license: String,
}

impl LicenseGroup {
    /// Members of `group` hold `license`.
    pub fn new(group: impl Into<String>, license: impl Into<String>) -> LicenseGroup {
        LicenseGroup {
            group: group.into(),
            license: license.into(),
        }
    }
}

/// The default type's name when the rule gives none.
pub const DEFAULT_LICENSE: &str = "Standard";

/// Seat counts of one license type.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseSeats {
    /// The type.
    pub license: String,
    /// Seats bought, when the rule says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchased: Option<u64>,
    /// Active users of this type: billed.
    pub active: u64,
    /// Deactivated users of this type: not billed.
    pub deactivated: u64,
    /// Purchased seats nobody uses, when `purchased` is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused: Option<u64>,
    /// Active users beyond the seats purchased (a warning), when there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_by: Option<u64>,
    /// With a directory: active users of this type the directory no longer has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_in_directory: Option<u64>,
}

impl LicenseRule {
    /// Seats read from `Creator=120,ReadOnly=300` (spaces around names and counts ignored).
    ///
    /// # Errors
    ///
    /// A message naming the part that is not `TYPE=COUNT` with a whole number.
    pub fn parse_seats(text: &str) -> Result<BTreeMap<String, u64>, String> {
        let mut seats = BTreeMap::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let parsed = part
                .rsplit_once('=')
                .and_then(|(name, n)| Some((name.trim(), n.trim().parse::<u64>().ok()?)))
                .filter(|(name, _)| !name.is_empty());
            let Some((name, count)) = parsed else {
                return Err(format!(
                    "{part} is not TYPE=COUNT (for example Creator=120)",
                    part = q(part)
                ));
            };
            if seats.insert(name.to_owned(), count).is_some() {
                return Err(format!("{name} is given twice", name = q(name)));
            }
        }
        Ok(seats)
    }

    /// The license type of each user, in the order of `users`.
    pub fn types(&self, users: &[User], groups: &[Group]) -> Vec<String> {
        let default = self.default.as_deref().unwrap_or(DEFAULT_LICENSE);
        // Each member's best license group: id → the rule's index (its precedence).
        let mut best: HashMap<&str, usize> = HashMap::new();
        for (rank, rule) in self.groups.iter().enumerate() {
            let key = user_key(&rule.group);
            for group in groups.iter().filter(|g| user_key(&g.display_name) == key) {
                for id in group.member_ids() {
                    best.entry(id).or_insert(rank);
                }
            }
        }
        users
            .iter()
            .map(|u| {
                let attribute = self.attribute.as_deref().and_then(|a| attribute_text(u, a));
                attribute.unwrap_or_else(|| {
                    let rank = u.id.as_deref().and_then(|id| best.get(id));
                    rank.map_or(default, |r| self.groups[*r].license.as_str())
                        .to_owned()
                })
            })
            .collect()
    }
}

/// Seats per license type of the listed `users`, sorted by type name (case-folded first);
/// a type with seats purchased and no user is listed too. With `desired`, each type also
/// counts its active users the directory does not list.
pub fn license_seats(
    rule: &LicenseRule,
    users: &[User],
    groups: &[Group],
    desired: Option<&[User]>,
) -> Vec<LicenseSeats> {
    let listed: Option<HashSet<String>> =
        desired.map(|d| d.iter().map(|u| user_key(&u.user_name)).collect());
    let mut by_type: BTreeMap<String, LicenseSeats> = BTreeMap::new();
    for (user, license) in users.iter().zip(rule.types(users, groups)) {
        let seats = by_type
            .entry(license.clone())
            .or_insert_with(|| LicenseSeats {
                license,
                ..LicenseSeats::default()
            });
        if user.is_active() {
            seats.active += 1;
            if let Some(listed) = &listed {
                let gone = !listed.contains(&user_key(&user.user_name));
                *seats.not_in_directory.get_or_insert(0) += u64::from(gone);
            }
        } else {
            seats.deactivated += 1;
        }
    }
    for name in rule.purchased.keys() {
        by_type.entry(name.clone()).or_insert_with(|| LicenseSeats {
            license: name.clone(),
            ..LicenseSeats::default()
        });
    }
    let mut out: Vec<LicenseSeats> = by_type
        .into_values()
        .map(|mut seats| {
            seats.purchased = rule.purchased.get(&seats.license).copied();
            seats.unused = seats.purchased.map(|p| p.saturating_sub(seats.active));
            seats.over_by = seats
                .purchased
                .and_then(|p| seats.active.checked_sub(p))
                .filter(|n| *n > 0);
            if listed.is_some() && seats.not_in_directory.is_none() {
                seats.not_in_directory = Some(0);
            }
            seats
        })
        .collect();
    crate::sorting::sort_by(&mut out, |a, b| name_order(&a.license, &b.license));
    out
}

/// The text of a user's attribute by path (`userType`, `name.formatted`,
/// `urn:…:User:costCenter`): a string trimmed, a number or boolean as written, a
/// multi-valued attribute's first value; `None` when absent or empty.
fn attribute_text(user: &User, path: &str) -> Option<String> {
    let json = crate::model::user_json(user)?;
    let path = crate::filter::AttrPath::from_path(path);
    let text = match crate::filter::first_value(&json, &path)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Member;

    fn user(id: &str, active: bool, user_type: Option<&str>) -> User {
        let mut u = User::new(format!("{id}@example.com"));
        u.id = Some(id.into());
        u.active = Some(active);
        if let Some(t) = user_type {
            u.extra.insert("userType".into(), Value::from(t));
        }
        u
    }

    fn group(name: &str, ids: &[&str]) -> Group {
        let mut g = Group::new(name);
        g.members = Some(ids.iter().map(|id| Member::new(*id)).collect());
        g
    }

    #[test]
    fn types_come_from_the_attribute_then_the_first_license_group_then_the_default() {
        let rule = LicenseRule {
            attribute: Some("userType".into()),
            groups: vec![
                LicenseGroup::new("License: Creator", "Creator"),
                LicenseGroup::new("license: read-only", "ReadOnly"),
            ],
            ..LicenseRule::default()
        };
        let users = [
            user("a", true, Some("Contractor")),
            user("b", true, None),
            user("c", true, None),
            user("d", true, Some("  ")),
        ];
        let groups = [
            group("License: Read-Only", &["b", "c"]),
            group("License: Creator", &["b"]),
        ];
        assert_eq!(
            rule.types(&users, &groups),
            ["Contractor", "Creator", "ReadOnly", "Standard"]
        );
    }

    #[test]
    fn seats_per_type_with_purchases_over_allocation_and_the_directory() {
        let rule = LicenseRule {
            groups: vec![LicenseGroup::new("Creators", "Creator")],
            default: Some("ReadOnly".into()),
            purchased: LicenseRule::parse_seats("Creator=1, ReadOnly=10, Admin=2").unwrap(),
            ..LicenseRule::default()
        };
        let users = [
            user("a", true, None),
            user("b", true, None),
            user("c", false, None),
            user("d", true, None),
        ];
        let groups = [group("Creators", &["a", "b", "c"])];
        let desired = [User::new("A@example.com"), User::new("d@example.com")];
        let seats = license_seats(&rule, &users, &groups, Some(&desired));
        let row = |name: &str| seats.iter().find(|s| s.license == name).unwrap().clone();
        let creator = row("Creator");
        assert_eq!((creator.active, creator.deactivated), (2, 1));
        assert_eq!(
            (creator.purchased, creator.unused, creator.over_by),
            (Some(1), Some(0), Some(1))
        );
        assert_eq!(
            creator.not_in_directory,
            Some(1),
            "b is active and gone from the directory"
        );
        let read_only = row("ReadOnly");
        assert_eq!(
            (read_only.active, read_only.unused, read_only.over_by),
            (1, Some(9), None)
        );
        let admin = row("Admin");
        assert_eq!(
            (admin.active, admin.unused, admin.not_in_directory),
            (0, Some(2), Some(0))
        );
        let names: Vec<&str> = seats.iter().map(|s| s.license.as_str()).collect();
        assert_eq!(names, ["Admin", "Creator", "ReadOnly"]);
    }

    #[test]
    fn attribute_paths_reach_extensions_and_hostile_values_stay_text() {
        let u: User = serde_json::from_value(serde_json::json!({
            "userName": "x@example.com",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "=cmd|' /C calc'!A0"},
            "urn:example:licensing:2.0:User": {"seat": {"value": "<b>Editor</b>"}},
            "roles": [{"value": "owner"}]
        }))
        .unwrap();
        let text = |p: &str| attribute_text(&u, p);
        assert_eq!(
            text("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter")
                .as_deref(),
            Some("=cmd|' /C calc'!A0")
        );
        assert_eq!(
            text("urn:example:licensing:2.0:User:seat").as_deref(),
            Some("<b>Editor</b>")
        );
        assert_eq!(text("roles").as_deref(), Some("owner"));
        assert_eq!(text("nickName"), None);
        let long = "L".repeat(10_000);
        let mut v = user("v", true, Some(&long));
        v.user_name = "v@x".into();
        let rule = LicenseRule {
            attribute: Some("userType".into()),
            ..LicenseRule::default()
        };
        assert_eq!(
            license_seats(&rule, &[v], &[], None)[0].license.len(),
            10_000
        );
    }

    #[test]
    fn seats_are_parsed_and_refused_with_the_part_at_fault() {
        let seats = LicenseRule::parse_seats(" Creator = 120 ,Read Only=300,").unwrap();
        assert_eq!(seats.get("Read Only"), Some(&300));
        assert_eq!(seats.get("Creator"), Some(&120));
        assert_eq!(
            LicenseRule::parse_seats("Creator=-1").unwrap_err(),
            "\"Creator=-1\" is not TYPE=COUNT (for example Creator=120)"
        );
        assert!(LicenseRule::parse_seats("=3").is_err());
        assert!(LicenseRule::parse_seats("A=1,A=2")
            .unwrap_err()
            .contains("twice"));
    }
}
