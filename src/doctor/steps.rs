//! The probe sequence: which requests the doctor sends, in which order, each built from what
//! the probes before it learnt ([`Seen`]). A step with nothing to probe with (no listed user
//! to compare, a throwaway resource whose create failed) sends nothing, and its rule says
//! `unknown`.
//!
//! Requests are written here rather than through the `RequestEncoder`: the doctor asks what
//! the starting profile may not allow yet (a filter, a cursor, a page larger than the
//! documented cap). Ids are still percent-encoded as one path segment (`encode_id`) and
//! filter values written as JSON string literals, as RFC 7644 says; the encoder adds the
//! headers (`RequestEncoder::envelope`).

use crate::http::Method;
use crate::request::encode_id;

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

/// Every step, in order: the read-only probes, then the write probes (the case probe after
/// the throwaway users exist, so it has one to ask for).
const STEPS: [Step; 34] = {
    use Step::*;
    [
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
        Cleanup,
    ]
};

/// The steps of a probe, with writes or without.
pub(super) fn sequence(write: bool) -> Vec<Step> {
    if write {
        // One `Cleanup` is enough: each that removes something queues the next.
        STEPS[..33].to_vec()
    } else {
        let mut steps = STEPS[..13].to_vec();
        steps.push(Step::UserNameCase);
        steps
    }
}

/// The page size the first page asks for: one more than the server advertises, so a cap
/// below it shows, and never more than 1,001.
pub(super) fn asked(seen: &Seen) -> u32 {
    let advertised = seen.spc.as_ref().and_then(|c| c.filter.max_results);
    advertised.map_or(1000, |n| n.min(1000) as u32) + 1
}

/// A request: method, path (under the base path) and body.
pub(super) type Request = (Method, String, Option<String>);

const NO_ARGS: [String; 2] = [String::new(), String::new()];
const USERS_EQ: &str = "$b/Users?filter=userName%20eq%20$0";
const PATCH: &str =
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[$1]}"#;
const USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"$0","name":{"givenName":"SCIM","familyName":"Doctor"},"active":true}"#;
const GROUP: &str =
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"$0"$1}"#;

/// The request of `step` under the base path `base`, or `None` when there is nothing to
/// probe with. Requests are templates (`$b` the base path, `$0`, `$1` the arguments): in a
/// path an argument is percent-encoded as one segment or query value, in a body it is the
/// doctor's own name (hex digits) or a server's id quoted as a JSON string.
pub(super) fn request(step: Step, base: &str, seen: &Seen) -> Option<Request> {
    use Method::{Delete, Get, Patch as Pat, Post};
    let group = || seen.group.as_deref().and_then(segment);
    let member = |i: usize| {
        seen.user(i)
            .map(|id| format!(r#"{{"value":{}}}"#, quote(id)))
    };
    let user = |i: usize| seen.user(i).and_then(segment);
    let n = |n: usize| n.to_string();
    let (method, path, body, args): (Method, &str, Option<&str>, [String; 2]) = match step {
        Step::Spc => (Get, "$b/ServiceProviderConfig", None, NO_ARGS),
        Step::Schemas => (Get, "$b/Schemas", None, NO_ARGS),
        Step::ResourceTypes => (Get, "$b/ResourceTypes", None, NO_ARGS),
        Step::FirstPage => (
            Get,
            "$b/Users?startIndex=1&count=$0",
            None,
            [n(asked(seen) as usize), String::new()],
        ),
        Step::Reread if seen.listed.len() >= 2 => (
            Get,
            "$b/Users?startIndex=1&count=$0",
            None,
            [n(seen.listed.len()), String::new()],
        ),
        Step::SecondIndex if seen.listed.len() >= 2 && seen.stable == Some(true) => {
            (Get, "$b/Users?startIndex=2&count=1", None, NO_ARGS)
        }
        Step::Cursor => (Get, "$b/Users?cursor&count=1", None, NO_ARGS),
        Step::UserNameEq => {
            let name = seen
                .listed
                .first()
                .map_or(seen.user_name(9), |(_, name)| name.clone());
            (Get, USERS_EQ, None, [literal(&name), String::new()])
        }
        Step::UserNameCase => (
            Get,
            USERS_EQ,
            None,
            [literal(&other_case(&case_subject(seen)?)?), String::new()],
        ),
        Step::DisplayNameEq => (
            Get,
            "$b/Groups?filter=displayName%20eq%20$0",
            None,
            [literal(&seen.group_name()), String::new()],
        ),
        // The escaped character inside the value: one before the closing quote would read
        // as an escaped quote to a server that only looks for `\"`.
        Step::EscapedQuote => (
            Get,
            USERS_EQ,
            None,
            [
                literal(&format!("scim-doctor\"{}", seen.suffix)),
                String::new(),
            ],
        ),
        Step::EscapedBackslash => (
            Get,
            USERS_EQ,
            None,
            [
                literal(&format!("scim-doctor\\{}", seen.suffix)),
                String::new(),
            ],
        ),
        Step::UnknownUser => (
            Get,
            "$b/Users/scim-doctor-$0",
            None,
            [seen.suffix.clone(), String::new()],
        ),
        Step::UnknownGroup => (
            Get,
            "$b/Groups/scim-doctor-$0",
            None,
            [seen.suffix.clone(), String::new()],
        ),
        Step::CreateUser(i) => (
            Post,
            "$b/Users",
            Some(USER),
            [seen.user_name(i), String::new()],
        ),
        Step::DuplicateUser if seen.user(0).is_some() => (
            Post,
            "$b/Users",
            Some(USER),
            [seen.user_name(0), String::new()],
        ),
        Step::CreateGroup => {
            let members = member(0).map_or(String::new(), |m| format!(r#","members":[{m}]"#));
            (Post, "$b/Groups", Some(GROUP), [seen.group_name(), members])
        }
        Step::DuplicateGroup if seen.group.is_some() => (
            Post,
            "$b/Groups",
            Some(GROUP),
            [seen.group_name(), String::new()],
        ),
        Step::AddArray => {
            let op = format!(
                r#"{{"op":"add","path":"members","value":[{}]}}"#,
                member(1)?
            );
            (Pat, "$b/Groups/$0", Some(PATCH), [group()?, op])
        }
        Step::AddSingle => {
            let op = format!(r#"{{"op":"add","path":"members","value":{}}}"#, member(2)?);
            (Pat, "$b/Groups/$0", Some(PATCH), [group()?, op])
        }
        Step::RemoveByValue => {
            let id = seen.user(1)?;
            // Only telling when another member stays to be cleared with it.
            (seen.before.iter().any(|m| m == id) && seen.before.len() >= 2).then_some(())?;
            let path = quote(&format!("members[value eq {}]", quote(id)));
            let op = format!(r#"{{"op":"remove","path":{path}}}"#);
            (Pat, "$b/Groups/$0", Some(PATCH), [group()?, op])
        }
        Step::ReadGroup(_) if seen.carry.is_some() => {
            (Get, "$b/Groups/$0", None, [group()?, String::new()])
        }
        Step::OpCase(capitalized) => {
            let op = if capitalized { "Replace" } else { "replace" };
            let op = format!(r#"{{"op":"{op}","path":"active","value":true}}"#);
            (Pat, "$b/Users/$0", Some(PATCH), [user(0)?, op])
        }
        Step::Pathless => {
            let op = r#"{"op":"replace","value":{"active":true}}"#.to_owned();
            (Pat, "$b/Users/$0", Some(PATCH), [user(0)?, op])
        }
        Step::DeleteUser => (Delete, "$b/Users/$0", None, [user(2)?, String::new()]),
        Step::ReadDeleted if seen.carry.is_some() => {
            (Get, "$b/Users/$0", None, [user(2)?, String::new()])
        }
        Step::Cleanup => {
            let (kind, id) = seen.to_remove.first()?;
            (
                Delete,
                "$b/$0/$1",
                None,
                [kind.endpoint().to_owned(), segment(id)?],
            )
        }
        _ => return None,
    };
    let path = fill(path, base, &args);
    Some((method, path, body.map(|b| fill(b, base, &args))))
}

/// `template` with `$b` replaced by `base` and `$0`, `$1` by the arguments.
fn fill(template: &str, base: &str, args: &[String; 2]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let arg = match rest.as_bytes().get(i + 1) {
            Some(b'b') => base,
            Some(d) => args
                .get(usize::from(d.wrapping_sub(b'0')))
                .map_or("", String::as_str),
            None => "",
        };
        out.push_str(arg);
        rest = rest.get(i + 2..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// An id percent-encoded as one path segment (`None`: no id can be that).
fn segment(id: &str) -> Option<String> {
    encode_id(id).ok()
}

/// A filter value: a JSON string literal (RFC 7644 §3.4.2.2), percent-encoded as a query
/// value.
fn literal(value: &str) -> String {
    encode_id(&quote(value)).unwrap_or_default()
}

/// `text` as a JSON string literal.
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
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
    let mut bytes = name.as_bytes().to_vec();
    // An ASCII letter's case is its 0x20 bit; no byte of a multi-byte character is one.
    for b in bytes.iter_mut().filter(|b| b.is_ascii_alphabetic()) {
        *b ^= 0x20;
    }
    let swapped = String::from_utf8(bytes).ok()?;
    (swapped != name).then_some(swapped)
}
