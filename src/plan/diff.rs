//! Attribute differences between a desired and a listed user.
//!
//! Only attributes the desired user names are managed: an attribute absent (or `null`) in
//! the directory is left as the server has it. Each managed attribute is one row of
//! [`MANAGED`], with its SCIM PATCH path, so a difference becomes one `replace` operation.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::keys::lower_per_char;
use super::keys::same_key;
use crate::model::{schemas, EnterpriseUser, Manager, MultiValue, Name, User};

/// One attribute that will change.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The SCIM attribute path (`title`, `name.givenName`, `urn:...:User:department`).
    pub attribute: String,
    /// The server's value, `null` when unset.
    pub before: Value,
    /// The value the directory wants.
    pub after: Value,
}

/// How a managed attribute is read: most are one optional string, compared without
/// allocating; emails and the manager are compared as JSON.
enum Read {
    Text(fn(&User) -> Option<&str>),
    Json(fn(&User) -> Option<Value>),
}

/// A managed attribute: its PATCH path, how to read it, and how to write it into a full
/// resource for servers without PATCH.
struct Managed {
    path: &'static str,
    read: Read,
    write: fn(&mut User, &User),
}

fn ent(u: &User) -> Option<&EnterpriseUser> {
    u.enterprise.as_ref()
}

fn ent_mut(u: &mut User) -> &mut EnterpriseUser {
    if !u.schemas.iter().any(|s| s == schemas::ENTERPRISE_USER) && !u.schemas.is_empty() {
        u.schemas.push(schemas::ENTERPRISE_USER.to_owned());
    }
    u.enterprise.get_or_insert_with(EnterpriseUser::default)
}

fn name_mut(u: &mut User) -> &mut Name {
    u.name.get_or_insert_with(Name::default)
}

/// The manager as an object of the sub-attributes present.
fn manager_value(m: &Manager) -> Option<Value> {
    let mut obj = Map::new();
    if let Some(v) = &m.value {
        obj.insert("value".into(), Value::String(v.clone()));
    }
    if let Some(v) = &m.display_name {
        obj.insert("displayName".into(), Value::String(v.clone()));
    }
    (!obj.is_empty()).then_some(Value::Object(obj))
}

/// Emails compared as a set of lower-cased addresses with their type and primary flag.
fn emails_value(emails: &[MultiValue]) -> Option<Value> {
    if emails.is_empty() {
        return None;
    }
    let mut items: Vec<Value> = emails
        .iter()
        .filter_map(|e| {
            let mut obj = Map::new();
            obj.insert(
                "value".into(),
                Value::String(lower_per_char(e.value.as_deref()?)),
            );
            if let Some(t) = &e.kind {
                obj.insert("type".into(), Value::String(t.clone()));
            }
            if e.primary == Some(true) {
                obj.insert("primary".into(), Value::Bool(true));
            }
            Some(Value::Object(obj))
        })
        .collect();
    crate::sorting::sort_by_cached_key(&mut items, |v| v.to_string());
    Some(Value::Array(items))
}

macro_rules! ent_attr {
    ($path:literal, $field:ident) => {
        Managed {
            path: concat!(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
                $path
            ),
            read: Read::Text(|u| ent(u)?.$field.as_deref()),
            write: |to, from| {
                if let Some(v) = ent(from).and_then(|e| e.$field.clone()) {
                    ent_mut(to).$field = Some(v);
                }
            },
        }
    };
}

macro_rules! core_attr {
    ($path:literal, $field:ident) => {
        Managed {
            path: $path,
            read: Read::Text(|u| u.$field.as_deref()),
            write: |to, from| {
                if from.$field.is_some() {
                    to.$field.clone_from(&from.$field);
                }
            },
        }
    };
}

macro_rules! name_attr {
    ($path:literal, $field:ident) => {
        Managed {
            path: $path,
            read: Read::Text(|u| u.name.as_ref()?.$field.as_deref()),
            write: |to, from| {
                if let Some(v) = from.name.as_ref().and_then(|n| n.$field.clone()) {
                    name_mut(to).$field = Some(v);
                }
            },
        }
    };
}

/// Every attribute the planner manages, in the order changes are listed.
const MANAGED: &[Managed] = &[
    core_attr!("externalId", external_id),
    name_attr!("name.givenName", given_name),
    name_attr!("name.familyName", family_name),
    name_attr!("name.formatted", formatted),
    core_attr!("displayName", display_name),
    core_attr!("title", title),
    core_attr!("locale", locale),
    Managed {
        path: "emails",
        read: Read::Json(|u| emails_value(&u.emails)),
        write: |to, from| {
            if !from.emails.is_empty() {
                to.emails.clone_from(&from.emails);
            }
        },
    },
    ent_attr!("employeeNumber", employee_number),
    ent_attr!("costCenter", cost_center),
    ent_attr!("organization", organization),
    ent_attr!("division", division),
    ent_attr!("department", department),
    Managed {
        path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        read: Read::Json(|u| ent(u)?.manager.as_ref().and_then(manager_value)),
        write: |to, from| {
            if let Some(m) = ent(from).and_then(|e| e.manager.as_ref()) {
                let target = ent_mut(to).manager.get_or_insert_with(Manager::default);
                if m.value.is_some() {
                    target.value.clone_from(&m.value);
                }
                if m.display_name.is_some() {
                    target.display_name.clone_from(&m.display_name);
                }
            }
        },
    },
];

/// The value of attribute `path` on `user` as the planner reads it (`userName` and
/// `active` too); `None` for an attribute the planner does not manage.
pub(crate) fn managed_value(user: &User, path: &str) -> Option<Value> {
    match path {
        "userName" => return Some(Value::String(user.user_name.clone())),
        "active" => return Some(Value::Bool(user.is_active())),
        _ => {}
    }
    let attr = MANAGED.iter().find(|a| a.path == path)?;
    Some(match attr.read {
        Read::Text(read) => read(user).map_or(Value::Null, |v| Value::String(v.to_owned())),
        Read::Json(read) => read(user).unwrap_or(Value::Null),
    })
}

/// The managed attributes whose desired value differs from the server's. The userName is
/// included when it differs beyond case and normalization (a user matched by externalId
/// who changed address).
pub fn user_changes(desired: &User, actual: &User) -> Vec<Change> {
    let mut changes = Vec::new();
    if !same_key(&desired.user_name, &actual.user_name) {
        changes.push(Change {
            attribute: "userName".into(),
            before: Value::String(actual.user_name.clone()),
            after: Value::String(desired.user_name.clone()),
        });
    }
    for attr in MANAGED {
        match attr.read {
            Read::Text(read) => {
                let Some(want) = read(desired) else { continue };
                let have = read(actual);
                if have != Some(want) {
                    changes.push(Change {
                        attribute: attr.path.to_owned(),
                        before: have.map_or(Value::Null, |h| Value::String(h.to_owned())),
                        after: Value::String(want.to_owned()),
                    });
                }
            }
            Read::Json(read) => {
                let Some(want) = read(desired) else { continue };
                let have = read(actual);
                // The manager compares only the sub-attributes the directory names.
                let have_projected = match (&want, &have) {
                    (Value::Object(w), Some(Value::Object(h))) => Some(Value::Object(
                        h.iter()
                            .filter(|(k, _)| w.contains_key(*k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    )),
                    _ => have.clone(),
                };
                if have_projected.as_ref() != Some(&want) {
                    let after = if attr.path == "emails" {
                        serde_json::to_value(&desired.emails).unwrap_or(want)
                    } else {
                        want
                    };
                    changes.push(Change {
                        attribute: attr.path.to_owned(),
                        before: have.unwrap_or(Value::Null),
                        after,
                    });
                }
            }
        }
    }
    changes
}

/// The full resource for a PUT: the server's user with every managed attribute the
/// directory names written over it, read-only attributes removed, and `active` set.
pub fn replacement(desired: &User, actual: &User, active: bool) -> User {
    let mut out = actual.clone();
    for attr in MANAGED {
        (attr.write)(&mut out, desired);
    }
    out.user_name.clone_from(&desired.user_name);
    out.active = Some(active);
    out.id = None;
    out.meta = None;
    out.groups.clear();
    if out.schemas.is_empty() {
        out.schemas.push(schemas::USER.to_owned());
    }
    out
}

/// The changes of `written` that `answered` (the resource a server returned for the write)
/// does not hold as written: what the next plan would change again, forever, if the server
/// keeps dropping them. Compared as the planner compares (case-insensitive userName, the
/// manager's sub-attributes written, emails by address).
pub(crate) fn unkept<'a>(
    written: &'a [Change],
    answered: &'a User,
) -> impl Iterator<Item = &'a Change> {
    written.iter().filter(|c| !kept(c, answered))
}

fn kept(change: &Change, answered: &User) -> bool {
    let after = &change.after;
    match change.attribute.as_str() {
        "userName" => after
            .as_str()
            .is_none_or(|n| same_key(n, &answered.user_name)),
        "active" => after.as_bool().is_none_or(|a| a == answered.is_active()),
        "emails" => {
            // The same addresses, in any order (no sort: one more in the `.wasm` costs KBs).
            let have: Vec<String> = answered
                .emails
                .iter()
                .filter_map(|e| e.value.as_deref().map(lower_per_char))
                .collect();
            let want = after.as_array().map_or(&[][..], Vec::as_slice);
            want.len() == have.len()
                && want.iter().all(|e| {
                    e.get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| have.contains(&lower_per_char(v)))
                })
        }
        path => match MANAGED.iter().find(|a| a.path == path).map(|a| &a.read) {
            Some(Read::Text(read)) => read(answered) == after.as_str(),
            Some(Read::Json(read)) => match (after, read(answered)) {
                // The manager: only the sub-attributes written.
                (Value::Object(want), Some(Value::Object(have))) => {
                    want.iter().all(|(k, v)| have.get(k) == Some(v))
                }
                (want, have) => have.as_ref() == Some(want),
            },
            None => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(v: Value) -> User {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn unkept_compares_as_the_planner_does() {
        let want = user(json!({"userName": "ana@x.com", "active": true,
            "emails": [{"value": "Ana@X.com", "primary": true}, {"value": "a2@x.com"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}}}));
        let written = user_changes(&want, &user(json!({"userName": "ANA@x.com"})));
        let attributes = |answered: Value| -> Vec<String> {
            unkept(&written, &user(answered))
                .map(|c| c.attribute.clone())
                .collect()
        };
        // Addresses in another order and case, a manager with more sub-attributes: kept.
        let same = json!({"userName": "Ana@X.com", "emails": [{"value": "a2@x.com"}, {"value": "ana@x.com"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1", "displayName": "M"}}});
        assert!(attributes(same).is_empty());
        let lost = json!({"userName": "ana@x.com", "emails": [{"value": "ana@x.com"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m2"}}});
        assert_eq!(
            attributes(lost),
            [
                "emails",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
            ]
        );
    }

    #[test]
    fn only_named_attributes_are_compared() {
        let desired = user(json!({"userName": "a@x", "title": "Lead"}));
        let actual = user(
            json!({"userName": "A@X", "title": "Engineer", "locale": "fr", "name": {"givenName": "A"}}),
        );
        let changes = user_changes(&desired, &actual);
        assert_eq!(
            changes,
            vec![Change {
                attribute: "title".into(),
                before: json!("Engineer"),
                after: json!("Lead")
            }]
        );
    }

    #[test]
    fn enterprise_and_manager_paths() {
        let ent = schemas::ENTERPRISE_USER;
        let desired =
            user(json!({"userName": "a", ent: {"department": "Ops", "manager": {"value": "m2"}}}));
        let actual = user(
            json!({"userName": "a", ent: {"department": "Ops", "manager": {"value": "m1", "displayName": "M"}}}),
        );
        let changes = user_changes(&desired, &actual);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].attribute, format!("{ent}:manager"));
        assert_eq!(changes[0].after, json!({"value": "m2"}));
        let same_manager = user(json!({"userName": "a", ent: {"manager": {"value": "m1"}}}));
        assert!(user_changes(&same_manager, &actual).is_empty());
    }

    #[test]
    fn emails_compare_as_a_set_ignoring_case() {
        let desired =
            user(json!({"userName": "a", "emails": [{"value": "A@x.com", "primary": true}]}));
        let actual =
            user(json!({"userName": "a", "emails": [{"value": "a@X.com", "primary": true}]}));
        assert!(user_changes(&desired, &actual).is_empty());
    }

    #[test]
    fn replacement_keeps_unmanaged_attributes() {
        let desired =
            user(json!({"userName": "a@x", "title": "Lead", "name": {"givenName": "Ana"}}));
        let actual = user(
            json!({"id": "u1", "userName": "a@x", "title": "Eng", "nickName": "Nan",
            "name": {"givenName": "An", "familyName": "S"}, "groups": [{"value": "g"}], "meta": {"created": "x"}}),
        );
        let put = replacement(&desired, &actual, false);
        let v = serde_json::to_value(&put).unwrap();
        assert_eq!(v["title"], "Lead");
        assert_eq!(v["nickName"], "Nan");
        assert_eq!(v["name"], json!({"givenName": "Ana", "familyName": "S"}));
        assert_eq!(v["active"], false);
        assert!(v.get("id").is_none() && v.get("meta").is_none() && v.get("groups").is_none());
    }
}
