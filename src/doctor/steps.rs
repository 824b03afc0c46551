//! The probe sequence: which requests the doctor sends, in which order, each built from what
//! the probes before it learnt ([`Seen`]). A step with nothing to probe with (no listed user
//! to compare, a throwaway resource whose create failed) sends nothing, and its rule says
//! `unknown`.
//!
//! Requests are built by a [`RequestEncoder`] over a permissive copy of the starting profile
//! ([`probing`]): the doctor asks what the profile may not allow yet (a filter, a cursor, a
//! page larger than the documented cap), while ids are still percent-encoded as one path
//! segment and filter values escaped as RFC 7644 says.

use serde_json::json;

use crate::filter::Filter;
use crate::http::{HttpRequest, Method};
use crate::model::schemas;
use crate::profile::{FilterSupport, Pagination, Profile};
use crate::request::{ListQuery, RequestEncoder, ResourceKind};

use super::seen::Seen;

/// One probe. See the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Spc,
    Schemas,
    ResourceTypes,
    /// `GET /Users` asking for more than the advertised cap.
    FirstPage,
    /// The first page again, for the order.
    Reread,
    /// `startIndex=2&count=1`.
    SecondIndex,
    Cursor,
    UserNameEq,
    UserNameCase,
    DisplayNameEq,
    EscapedQuote,
    EscapedBackslash,
    UnknownUser,
    UnknownGroup,
    /// The `i`th throwaway user (0..3).
    CreateUser(usize),
    DuplicateUser,
    CreateGroup,
    DuplicateGroup,
    AddArray,
    AddSingle,
    RemoveByValue,
    /// `GET` of the throwaway group after the PATCH (or create) of the step named.
    ReadGroup(Patch),
    /// PATCH `replace` of `active` with the operation name in lower case (`false`) or
    /// capitalized (`true`).
    OpCase(bool),
    Pathless,
    DeleteUser,
    ReadDeleted,
    /// The removal of the next throwaway resource.
    Cleanup,
}

/// The write whose effect a [`Step::ReadGroup`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Patch {
    Create,
    AddArray,
    AddSingle,
    RemoveByValue,
}

impl Step {
    pub(super) fn is_cleanup(self) -> bool {
        self == Step::Cleanup
    }
}

/// Every step, in order: the read-only probes, then, with `write`, the write probes.
pub(super) fn sequence(write: bool) -> Vec<Step> {
    use Step::*;
    let mut steps = vec![
        Spc,
        Schemas,
        ResourceTypes,
        FirstPage,
        Reread,
        SecondIndex,
        Cursor,
        UserNameEq,
        DisplayNameEq,
        EscapedQuote,
        EscapedBackslash,
        UnknownUser,
        UnknownGroup,
    ];
    if !write {
        steps.insert(8, UserNameCase);
        return steps;
    }
    // Written after the throwaway users exist: the case probe has one to ask for.
    steps.extend([
        CreateUser(0),
        CreateUser(1),
        CreateUser(2),
        UserNameCase,
        DuplicateUser,
        CreateGroup,
        ReadGroup(Patch::Create),
        DuplicateGroup,
        AddArray,
        ReadGroup(Patch::AddArray),
        AddSingle,
        ReadGroup(Patch::AddSingle),
        RemoveByValue,
        ReadGroup(Patch::RemoveByValue),
        OpCase(false),
        OpCase(true),
        Pathless,
        DeleteUser,
        ReadDeleted,
        Cleanup,
    ]);
    steps
}

/// The profile the probes are encoded with: `profile`'s headers, everything allowed.
pub(super) fn probing(profile: &Profile) -> Profile {
    let mut p = profile.clone();
    for r in [&mut p.users, &mut p.groups] {
        r.filter = FilterSupport::full();
        r.start_index = true;
        r.max_page_size = None;
    }
    p.pagination = Pagination::Cursor;
    p
}

/// The page size the first page asks for: one more than the server advertises, so a cap
/// below it shows, and never more than 1,001.
pub(super) fn asked(seen: &Seen) -> u32 {
    let advertised = seen.spc.as_ref().and_then(|c| c.filter.max_results);
    advertised.map_or(1000, |n| n.min(1000) as u32) + 1
}

/// The request of `step`, or `None` when there is nothing to probe with.
pub(super) fn request(step: Step, encoder: &RequestEncoder, seen: &Seen) -> Option<HttpRequest> {
    use ResourceKind::{Group, User};
    let list = |kind, query: ListQuery| encoder.list(kind, &query).ok();
    let users_eq = |value: String| list(User, ListQuery::filtered(Filter::eq("userName", value)));
    let discovery = |endpoint: &str| {
        let users = encoder.resource_path(User, None).ok()?;
        let base = users.strip_suffix("/Users")?;
        Some(encoder.envelope(Method::Get, format!("{base}/{endpoint}"), None))
    };
    let post = |kind, body: serde_json::Value| {
        let path = encoder.resource_path(kind, None).ok()?;
        Some(encoder.envelope(Method::Post, path, Some(body.to_string())))
    };
    let patch = |kind, id: &str, ops: serde_json::Value| {
        let path = encoder.resource_path(kind, Some(id)).ok()?;
        let body = json!({"schemas": [schemas::PATCH_OP], "Operations": ops});
        Some(encoder.envelope(Method::Patch, path, Some(body.to_string())))
    };
    let group = seen.group.as_deref();
    let member = |i: usize| seen.user(i).map(|id| json!({"value": id}));
    let page = |start: u64, count: u32| {
        list(
            User,
            ListQuery::default()
                .with_start_index(start)
                .with_count(count),
        )
    };
    match step {
        Step::Spc => Some(encoder.service_provider_config()),
        Step::Schemas => discovery("Schemas"),
        Step::ResourceTypes => discovery("ResourceTypes"),
        Step::FirstPage => page(1, asked(seen)),
        Step::Reread => (seen.listed.len() >= 2).then(|| page(1, seen.listed.len() as u32))?,
        Step::SecondIndex => {
            (seen.listed.len() >= 2 && seen.stable == Some(true)).then(|| page(2, 1))?
        }
        Step::Cursor => list(User, ListQuery::default().with_cursor("").with_count(1)),
        Step::UserNameEq => users_eq(match seen.listed.first() {
            Some((_, name)) => name.clone(),
            None => seen.user_name(9),
        }),
        Step::UserNameCase => users_eq(other_case(&case_subject(seen)?)?),
        Step::DisplayNameEq => list(
            Group,
            ListQuery::filtered(Filter::eq("displayName", seen.group_name())),
        ),
        Step::EscapedQuote => users_eq(format!("scim-doctor\"{}", seen.suffix)),
        Step::EscapedBackslash => users_eq(format!("scim-doctor\\{}", seen.suffix)),
        Step::UnknownUser => encoder
            .get(User, &format!("scim-doctor-{}", seen.suffix))
            .ok(),
        Step::UnknownGroup => encoder
            .get(Group, &format!("scim-doctor-{}", seen.suffix))
            .ok(),
        Step::CreateUser(i) => post(User, user_body(&seen.user_name(i))),
        Step::DuplicateUser => {
            seen.user(0)?;
            post(User, user_body(&seen.user_name(0)))
        }
        Step::CreateGroup => {
            let members: Vec<_> = member(0).into_iter().collect();
            post(Group, group_body(&seen.group_name(), members))
        }
        Step::DuplicateGroup => {
            group?;
            post(Group, group_body(&seen.group_name(), Vec::new()))
        }
        Step::AddArray => patch(
            Group,
            group?,
            json!([{"op": "add", "path": "members", "value": [member(1)?]}]),
        ),
        Step::AddSingle => patch(
            Group,
            group?,
            json!([{"op": "add", "path": "members", "value": member(2)?}]),
        ),
        Step::RemoveByValue => {
            let id = seen.user(1)?;
            // Only telling when another member stays to be cleared with it.
            (seen.before.iter().any(|m| m == id) && seen.before.len() >= 2).then_some(())?;
            let path = format!("members[value eq {}]", json!(id));
            patch(Group, group?, json!([{"op": "remove", "path": path}]))
        }
        Step::ReadGroup(_) => {
            seen.patched.as_ref()?;
            encoder.get(Group, group?).ok()
        }
        Step::OpCase(capitalized) => {
            let op = if capitalized { "Replace" } else { "replace" };
            patch(
                User,
                seen.user(0)?,
                json!([{"op": op, "path": "active", "value": true}]),
            )
        }
        Step::Pathless => patch(
            User,
            seen.user(0)?,
            json!([{"op": "replace", "value": {"active": true}}]),
        ),
        Step::DeleteUser => encoder.delete(User, seen.user(2)?).ok(),
        Step::ReadDeleted => encoder.get(User, &seen.deleted.as_ref()?.0).ok(),
        Step::Cleanup => {
            let (kind, id) = seen.to_remove.first()?;
            encoder.delete(*kind, id).ok()
        }
    }
}

/// The userName the case probe asks for in another case: a listed user's, else the first
/// throwaway user's.
pub(super) fn case_subject(seen: &Seen) -> Option<String> {
    match seen.listed.first() {
        Some((_, name)) => Some(name.clone()),
        None => seen.user(0).map(|_| seen.user_name(0)),
    }
}

/// `name` with the case of every ASCII letter swapped; `None` when it has none.
pub(super) fn other_case(name: &str) -> Option<String> {
    let swapped: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => c,
        })
        .collect();
    (swapped != name).then_some(swapped)
}

fn user_body(user_name: &str) -> serde_json::Value {
    json!({
        "schemas": [schemas::USER],
        "userName": user_name,
        "name": {"givenName": "SCIM", "familyName": "Doctor"},
        "active": true,
    })
}

fn group_body(name: &str, members: Vec<serde_json::Value>) -> serde_json::Value {
    let mut body = json!({"schemas": [schemas::GROUP], "displayName": name});
    if !members.is_empty() {
        body["members"] = members.into();
    }
    body
}
