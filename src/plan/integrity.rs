//! Tamper evidence for saved plans: what a plan's `digest` and `stateDigest` cover, and the
//! checks that say precisely why a reviewed plan is refused.
//!
//! A plan is reviewed as a file and applied later, so the file can be edited in between
//! (by mistake or to hide a deactivation). Three things protect it:
//!
//! - every figure the plan shows (its `summary`) is recomputed from its actions whenever a
//!   plan is decoded, so an edited figure is simply replaced;
//! - `digest`, the hex SHA-256 of the canonical JSON of its `actions` and its `blocked`
//!   guards (objects with keys sorted by code point, no whitespace, integral numbers as
//!   integers), detects an edited action, or a guard deleted to slip a plan past review,
//!   before anything is sent ([`check_integrity`]);
//! - `stateDigest`, the hex SHA-256 of the server state the planner saw (the listed users
//!   and groups that have ids, in id order, members sorted, and whether the listing was
//!   complete), tells apart, when the fresh plan of a reviewed plan's run differs from it,
//!   a server that changed from a directory or policy that is not the one the plan was made
//!   from ([`check_approval`]).
//!
//! A plan without a digest (made before plans carried one) is refused: it cannot be shown
//! to be the plan that was reviewed.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{ActualState, Blocked, Plan, Step};
use crate::model::{EnterpriseUser, Group, MultiValue, Name, User};
use crate::sorting;

/// Why a reviewed plan is not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// The plan carries no `digest`: it was made by a version that did not write one.
    #[error("the plan file carries no digest (it was made by an older version of scim-provision); plan again and review")]
    NoDigest,
    /// The plan's actions do not match its `digest`.
    #[error("the plan file was edited after it was made (its actions or guards no longer match its digest)")]
    Edited,
    /// The server state differs from the one the plan was made from, and so does the plan.
    #[error("the server changed since the plan was made; plan again and review")]
    ServerChanged,
    /// The server state is the one the plan was made from, but the directory or policy
    /// given makes a different plan.
    #[error("the directory or policy given is not the one the plan was made from; plan again and review")]
    InputsChanged,
}

impl ReviewError {
    /// The error's code, as faults and reports name it.
    pub fn code(self) -> &'static str {
        match self {
            ReviewError::NoDigest => "planWithoutDigest",
            ReviewError::Edited => "planEdited",
            ReviewError::ServerChanged => "serverChanged",
            ReviewError::InputsChanged => "inputsChanged",
        }
    }

    /// What a run that re-plans (`replan`) warns instead of refusing; `None` when the plan
    /// must be refused even then (an edited plan: what was reviewed is unknown).
    pub fn replan_warning(self) -> Option<&'static str> {
        match self {
            ReviewError::ServerChanged => {
                Some("the server changed since the plan was reviewed; applying the fresh plan")
            }
            ReviewError::InputsChanged => Some(
                "the directory or policy given is not the one the plan was made from; applying the fresh plan",
            ),
            ReviewError::NoDigest | ReviewError::Edited => None,
        }
    }
}

/// The hex SHA-256 of the canonical JSON of `{"actions": actions, "blocked": blocked}`.
pub fn plan_digest(actions: &[Step], blocked: &[Blocked]) -> String {
    // Step by step, so no copy of the whole plan is held; through JSON text and `Value`,
    // whose code the crate has anyway (a direct `to_value` would compile every action's
    // serializer once more into the .wasm).
    let mut h = Sha256::new();
    let (mut text, mut out) = (Vec::new(), Vec::new());
    h.update(br#"{"actions":["#);
    for (i, step) in actions.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        text.clear();
        out.clear();
        // Serializing a step into memory cannot fail, and its JSON parses back.
        let _ = serde_json::to_writer(&mut text, step);
        let value: Value = std::str::from_utf8(&text)
            .ok()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        write_canonical(&mut out, &value);
        h.update(&out);
    }
    h.update(br#"],"blocked":"#);
    // A handful of guards: canonical JSON through `Value` like the actions.
    let value = serde_json::to_value(blocked).unwrap_or_default();
    out.clear();
    write_canonical(&mut out, &value);
    h.update(&out);
    h.update(b"}");
    hex(h.finalize().as_slice())
}

/// Checks that `plan`'s actions and guards are the ones its `digest` was made over.
///
/// # Errors
///
/// [`ReviewError::NoDigest`] for a plan without a digest, [`ReviewError::Edited`] when its
/// actions or guards do not match it.
pub fn check_integrity(plan: &Plan) -> Result<(), ReviewError> {
    match plan.digest.as_deref() {
        None | Some("") => Err(ReviewError::NoDigest),
        Some(d) if d.eq_ignore_ascii_case(&plan_digest(&plan.actions, &plan.blocked)) => Ok(()),
        Some(_) => Err(ReviewError::Edited),
    }
}

/// Checks that `approved` (a reviewed plan) may be applied, given `fresh`, the plan made
/// just now from the server's current state and the directory and policy of the run.
///
/// # Errors
///
/// The first that holds: [`check_integrity`]'s errors; [`ReviewError::ServerChanged`] when
/// the plans differ (actions or guards) and so do their state digests;
/// [`ReviewError::InputsChanged`] when the plans differ over the same state.
pub fn check_approval(approved: &Plan, fresh: &Plan) -> Result<(), ReviewError> {
    check_integrity(approved)?;
    if approved.actions == fresh.actions && approved.blocked == fresh.blocked {
        Ok(())
    } else if approved.state_digest != fresh.state_digest {
        Err(ReviewError::ServerChanged)
    } else {
        Err(ReviewError::InputsChanged)
    }
}

/// What of a listed user the digest covers: all the planner reads (its managed attributes,
/// and the ones it keeps in replacements), not `meta` or the read-only `groups`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserView<'a> {
    id: &'a Option<String>,
    external_id: &'a Option<String>,
    user_name: &'a str,
    name: &'a Option<Name>,
    display_name: &'a Option<String>,
    title: &'a Option<String>,
    locale: &'a Option<String>,
    active: &'a Option<bool>,
    emails: &'a [MultiValue],
    enterprise: &'a Option<EnterpriseUser>,
    airtable_sso: &'a Option<Box<Map<String, Value>>>,
    extra: &'a Map<String, Value>,
}

/// What of a listed group the digest covers, members sorted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView<'a> {
    id: &'a Option<String>,
    external_id: &'a Option<String>,
    display_name: &'a str,
    members: Option<Vec<&'a str>>,
}

/// The hex SHA-256 of the server state as the planner sees it.
pub(crate) fn state_digest(actual: &ActualState) -> String {
    let mut users: Vec<&User> = actual.users.iter().filter(|u| has_id(&u.id)).collect();
    sorting::sort_by(&mut users, |a, b| a.id.cmp(&b.id));
    users.dedup_by(|a, b| a.id == b.id);
    let mut groups: Vec<&Group> = actual.groups.iter().filter(|g| has_id(&g.id)).collect();
    sorting::sort_by(&mut groups, |a, b| a.id.cmp(&b.id));
    groups.dedup_by(|a, b| a.id == b.id);

    // One JSON document, hashed piece by piece through one small buffer: no copy of the
    // listing is made. (Writing to a `Vec` reuses the serializers the crate has anyway;
    // an `io::Write` hasher would compile every one of them once more into the .wasm.)
    let mut h = Sha256::new();
    let mut buf = Vec::new();
    h.update(if actual.complete {
        &b"{\"complete\":true,\"users\":["[..]
    } else {
        &b"{\"complete\":false,\"users\":["[..]
    });
    for (i, u) in users.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        let view = UserView {
            id: &u.id,
            external_id: &u.external_id,
            user_name: &u.user_name,
            name: &u.name,
            display_name: &u.display_name,
            title: &u.title,
            locale: &u.locale,
            active: &u.active,
            emails: &u.emails,
            enterprise: &u.enterprise,
            airtable_sso: &u.airtable_sso,
            extra: &u.extra,
        };
        buf.clear();
        // Serializing these types into memory cannot fail.
        let _ = serde_json::to_writer(&mut buf, &view);
        h.update(&buf);
    }
    h.update(b"],\"groups\":[");
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        let members = g.members.as_ref().map(|ms| {
            let mut values: Vec<&str> = ms.iter().map(|m| m.value.as_str()).collect();
            sorting::sort_by(&mut values, |a, b| a.cmp(b));
            values
        });
        let view = GroupView {
            id: &g.id,
            external_id: &g.external_id,
            display_name: &g.display_name,
            members,
        };
        buf.clear();
        let _ = serde_json::to_writer(&mut buf, &view);
        h.update(&buf);
    }
    h.update(b"]}");
    hex(h.finalize().as_slice())
}

fn has_id(id: &Option<String>) -> bool {
    id.as_deref().is_some_and(|id| !id.is_empty())
}

/// Writes `v` as canonical JSON: object keys sorted by code point, no whitespace, strings
/// escaped as serde_json escapes them, integral floats as integers.
fn write_canonical(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            sorting::sort_by(&mut entries, |a, b| a.0.cmp(b.0));
            out.extend_from_slice(b"{");
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",");
                }
                let _ = serde_json::to_writer(&mut *out, k);
                out.extend_from_slice(b":");
                write_canonical(out, v);
            }
            out.extend_from_slice(b"}");
        }
        Value::Array(items) => {
            out.extend_from_slice(b"[");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",");
                }
                write_canonical(out, v);
            }
            out.extend_from_slice(b"]");
        }
        // An integral float is written as the integer JavaScript writes for it (`2.0` is `2`
        // after `JSON.parse` and `JSON.stringify`), so a plan file that went through a
        // JavaScript host keeps its digest.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < MAX_SAFE_INTEGER => {
                let _ = serde_json::to_writer(&mut *out, &(f as i64));
            }
            _ => {
                let _ = serde_json::to_writer(&mut *out, n);
            }
        },
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// 2^53: JavaScript's numbers hold every integer below it exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_nothing_is_the_sha256_of_its_canonical_json() {
        // printf '{"actions":[],"blocked":[]}' | sha256sum
        assert_eq!(
            plan_digest(&[], &[]),
            "5ecf68c10456f8fa0c97cc62c467b427010f946e7c6e4e347abd582ccaef0e57"
        );
    }

    #[test]
    fn an_integral_float_digests_as_the_integer_a_javascript_round_trip_makes_of_it() {
        let canonical = |text: &str| {
            let mut out = Vec::new();
            write_canonical(&mut out, &serde_json::from_str(text).unwrap());
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            canonical(r#"{"b":2.0,"a":[-0.0,1.5]}"#),
            r#"{"a":[0,1.5],"b":2}"#
        );
        assert_eq!(
            canonical(r#"{"b":2,"a":[0,1.5]}"#),
            r#"{"a":[0,1.5],"b":2}"#
        );
    }

    #[test]
    fn the_state_digest_ignores_listing_order_and_member_order() {
        let state: ActualState = serde_json::from_str(
            r#"{"complete":true,"users":[{"id":"b","userName":"b"},{"id":"a","userName":"a","meta":{"version":"1"}}],
                "groups":[{"id":"g","displayName":"G","members":[{"value":"a"},{"value":"b"}]}]}"#,
        )
        .unwrap();
        let mut other = state.clone();
        other.users.reverse();
        other.groups[0].members.as_mut().unwrap().reverse();
        other.users[0].meta = None;
        assert_eq!(state_digest(&state), state_digest(&other));
        other.users[0].title = Some("New".into());
        assert_ne!(state_digest(&state), state_digest(&other));
        let mut incomplete = state.clone();
        incomplete.complete = false;
        assert_ne!(state_digest(&state), state_digest(&incomplete));
    }
}
