//! `/Users` and `/Users/{id}`: create, read, replace, patch, delete.
//!
//! Airtable flavor: `POST` answers 200, always creates an active user and sets `emails` to
//! one primary entry equal to `userName`, whatever the body says (as documented). Generic
//! flavor: `POST` answers 201 with `meta` and a `Location` header. Both: `userName` is
//! unique case-insensitively (409 `uniqueness`), unknown ids are 404, `groups` and `meta`
//! in request bodies are ignored (read-only).

use scim_provision::http::HttpResponse;
use scim_provision::model::{MultiValue, PatchOp, User};
use serde_json::Value;

use crate::listing::project;
use crate::patch::{self, Resource};
use crate::respond::{json_response, no_content, to_json, Failure};
use crate::routes::Query;
use crate::store::Store;
use crate::Flavor;

/// Decodes a JSON request body into a model type: a missing or malformed body is 400
/// `invalidSyntax`, a well-formed body with wrong types is 400 `invalidValue`.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: Option<&str>) -> Result<T, Failure> {
    let text = body
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .ok_or_else(|| Failure::typed(400, "invalidSyntax", "a JSON body is required"))?;
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Failure::invalid_value(e.to_string()),
        _ => Failure::typed(400, "invalidSyntax", e.to_string()),
    })
}

fn not_found() -> Failure {
    Failure::new(404, "user not found")
}

fn render(store: &Store, id: &str) -> Result<Value, Failure> {
    let user = store.render_user(id).ok_or_else(not_found)?;
    to_json(&user)
}

fn check_user_name(store: &Store, user: &User, except: Option<&str>) -> Result<(), Failure> {
    if user.user_name.trim().is_empty() {
        return Err(Failure::invalid_value("userName is required"));
    }
    if store.user_name_taken(&user.user_name, except) {
        return Err(Failure::uniqueness("userName is already taken"));
    }
    Ok(())
}

fn airtable_emails(user: &mut User) {
    user.emails = vec![MultiValue {
        value: Some(user.user_name.clone()),
        primary: Some(true),
        ..MultiValue::default()
    }];
}

/// `GET /Users/{id}`.
pub(crate) fn get(store: &Store, id: &str, query: &Query) -> Result<HttpResponse, Failure> {
    let mut body = render(store, id)?;
    project(&mut body, query);
    Ok(json_response(200, &body))
}

/// `POST /Users`.
pub(crate) fn create(
    store: &mut Store,
    body: Option<&str>,
    now_ms: u64,
) -> Result<HttpResponse, Failure> {
    let mut user: User = parse_body(body)?;
    check_user_name(store, &user, None)?;
    match store.flavor {
        Flavor::Airtable => {
            user.active = Some(true);
            airtable_emails(&mut user);
        }
        Flavor::Generic => {
            user.active.get_or_insert(true);
        }
    }
    let id = store.insert_user(user, now_ms);
    let body = render(store, &id)?;
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

/// `PUT /Users/{id}`: the body replaces the user. An absent `active` keeps its value
/// (SCIM gives it a default, and Airtable's PUT "may set active either way"); an Airtable
/// user without `emails` gets its `userName` as email again.
pub(crate) fn replace(
    store: &mut Store,
    id: &str,
    body: Option<&str>,
    now_ms: u64,
) -> Result<HttpResponse, Failure> {
    let current_active = store.users.get(id).ok_or_else(not_found)?.user.active;
    let mut user: User = parse_body(body)?;
    check_user_name(store, &user, Some(id))?;
    if user.active.is_none() {
        user.active = current_active;
    }
    if store.flavor == Flavor::Airtable && user.emails.is_empty() {
        airtable_emails(&mut user);
    }
    store.update_user(id, user, now_ms);
    Ok(json_response(200, &render(store, id)?))
}

/// `PATCH /Users/{id}`.
pub(crate) fn patch(
    store: &mut Store,
    id: &str,
    body: Option<&str>,
    now_ms: u64,
    respond_no_content: bool,
) -> Result<HttpResponse, Failure> {
    let current = store.users.get(id).ok_or_else(not_found)?.user.clone();
    let request: PatchOp = parse_body(body)?;
    let Value::Object(mut doc) = to_json(&current)? else {
        return Err(Failure::new(500, "user did not render as an object"));
    };
    patch::apply_all(
        &mut doc,
        &request.operations,
        Resource::User,
        store.flavor,
        None,
    )?;
    let user: User = serde_json::from_value(Value::Object(doc))
        .map_err(|e| Failure::invalid_value(format!("the patched user is invalid: {e}")))?;
    check_user_name(store, &user, Some(id))?;
    store.update_user(id, user, now_ms);
    if respond_no_content {
        return Ok(no_content());
    }
    Ok(json_response(200, &render(store, id)?))
}

/// `DELETE /Users/{id}`: the user leaves every group.
pub(crate) fn delete(store: &mut Store, id: &str, now_ms: u64) -> Result<HttpResponse, Failure> {
    if store.remove_user(id, now_ms) {
        Ok(no_content())
    } else {
        Err(not_found())
    }
}
