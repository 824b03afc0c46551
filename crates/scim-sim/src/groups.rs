//! `/Groups` and `/Groups/{id}`: create, read, replace, patch, delete.
//!
//! Groups are flat: members are user ids, and a member that is not an existing user is 400
//! `invalidValue` (nested groups are not supported, as at Airtable). `displayName` is unique
//! case-insensitively (409 `uniqueness`), unless [`crate::Faults::duplicate_group_names`]
//! says otherwise (RFC 7643 does not require it). Deleting a group keeps its users.
//!
//! Airtable flavor: an unknown group id is **400** "invalid group ID" (Airtable's documented
//! answer) where the generic flavor says 404; `POST` creates the group empty whatever
//! `members` the body carries and answers 200; the `PUT` response omits `members`.

use scim_provision::http::HttpResponse;
use scim_provision::model::{Group, PatchOp};
use serde_json::Value;

use crate::listing::project;
use crate::patch::{self, MemberEdit, Resource};
use crate::respond::{json_response, no_content, to_json, Failure};
use crate::routes::Query;
use crate::store::Store;
use crate::users::parse_body;
use crate::Flavor;

/// The flavor's answer to an unknown group id.
pub(crate) fn unknown_group(flavor: Flavor) -> Failure {
    match flavor {
        Flavor::Airtable => Failure::new(400, "invalid group ID"),
        Flavor::Generic => Failure::new(404, "group not found"),
    }
}

fn render(store: &Store, id: &str, with_members: bool) -> Result<Value, Failure> {
    let group = store
        .render_group(id, with_members)
        .ok_or_else(|| unknown_group(store.flavor))?;
    to_json(&group)
}

fn check_display_name(store: &Store, group: &Group, except: Option<&str>) -> Result<(), Failure> {
    if group.display_name.trim().is_empty() {
        return Err(Failure::invalid_value("displayName is required"));
    }
    if store.unique_group_names && store.group_name_taken(&group.display_name, except) {
        return Err(Failure::uniqueness("displayName is already taken"));
    }
    Ok(())
}

/// The member ids of `group`, taken out of it; `None` when it names no members.
fn take_member_ids(group: &mut Group) -> Option<Vec<String>> {
    group
        .members
        .take()
        .map(|members| members.into_iter().map(|m| m.value).collect())
}

/// Every id must be a user, except those `already` in the group (a seeded dangling member
/// does not block unrelated changes).
fn check_members(
    store: &Store,
    ids: &[String],
    already: impl Fn(&str) -> bool,
) -> Result<(), Failure> {
    match ids
        .iter()
        .find(|id| !store.users.contains_key(*id) && !already(id))
    {
        Some(bad) => {
            let shown: String = bad.chars().take(64).collect();
            Err(Failure::invalid_value(format!("no such user: {shown}")))
        }
        None => Ok(()),
    }
}

/// `GET /Groups/{id}`.
pub(crate) fn get(store: &Store, id: &str, query: &Query) -> Result<HttpResponse, Failure> {
    let mut body = render(store, id, true)?;
    project(&mut body, query);
    Ok(json_response(200, &body))
}

/// `POST /Groups`.
pub(crate) fn create(
    store: &mut Store,
    body: Option<&str>,
    now_ms: u64,
) -> Result<HttpResponse, Failure> {
    let mut group: Group = parse_body(body)?;
    check_display_name(store, &group, None)?;
    let members = match store.flavor {
        // Airtable documents that POST creates an empty group; members come by PATCH or PUT.
        Flavor::Airtable => Vec::new(),
        Flavor::Generic => {
            let ids = take_member_ids(&mut group).unwrap_or_default();
            check_members(store, &ids, |_| false)?;
            ids
        }
    };
    let id = store.insert_group(group, members, now_ms);
    let body = render(store, &id, true)?;
    Ok(match store.flavor {
        Flavor::Airtable => json_response(200, &body),
        Flavor::Generic => {
            let mut response = json_response(201, &body);
            if let Some(location) = body["meta"]["location"].as_str() {
                response
                    .headers
                    .push(("Location".into(), location.to_owned()));
            }
            response
        }
    })
}

/// `PUT /Groups/{id}`: the body replaces the group; `members` absent means no members
/// (RFC 7644 §3.5.1 replace semantics).
pub(crate) fn replace(
    store: &mut Store,
    id: &str,
    body: Option<&str>,
    now_ms: u64,
) -> Result<HttpResponse, Failure> {
    let current = &store
        .groups
        .get(id)
        .ok_or_else(|| unknown_group(store.flavor))?
        .members;
    let mut group: Group = parse_body(body)?;
    check_display_name(store, &group, Some(id))?;
    let members = take_member_ids(&mut group).unwrap_or_default();
    check_members(store, &members, |m| current.iter().any(|c| c == m))?;
    store.update_group(id, group, Some(members), now_ms);
    let with_members = store.flavor != Flavor::Airtable;
    Ok(json_response(200, &render(store, id, with_members)?))
}

/// `PATCH /Groups/{id}`.
pub(crate) fn patch(
    store: &mut Store,
    id: &str,
    body: Option<&str>,
    now_ms: u64,
    respond_no_content: bool,
) -> Result<HttpResponse, Failure> {
    let rec = store
        .groups
        .get(id)
        .ok_or_else(|| unknown_group(store.flavor))?;
    let request: PatchOp = parse_body(body)?;
    // Attributes other than members go through JSON; members are edited as ids.
    let Value::Object(mut doc) = to_json(&rec.group)? else {
        return Err(Failure::new(500, "group did not render as an object"));
    };
    let mut edit = MemberEdit::new(&rec.members).filter_clears(store.remove_by_value_clears);
    patch::apply_all(
        &mut doc,
        &request.operations,
        Resource::Group,
        store.flavor,
        Some(&mut edit),
    )?;
    let change = edit.finish();
    let mut group: Group = serde_json::from_value(Value::Object(doc))
        .map_err(|e| Failure::invalid_value(format!("the patched group is invalid: {e}")))?;
    group.members = None;
    check_display_name(store, &group, Some(id))?;
    let current = &rec.members;
    check_members(store, change.introduced(), |m| {
        current.iter().any(|c| c == m)
    })?;
    store.update_group(id, group, None, now_ms);
    store.change_members(id, change, now_ms);
    if respond_no_content {
        return Ok(no_content());
    }
    Ok(json_response(200, &render(store, id, true)?))
}

/// `DELETE /Groups/{id}`.
pub(crate) fn delete(store: &mut Store, id: &str) -> Result<HttpResponse, Failure> {
    if store.remove_group(id) {
        Ok(no_content())
    } else {
        Err(unknown_group(store.flavor))
    }
}
