//! Each finding's rule: what an answer (or its absence) means for the check its step probes.
//! An answer that says nothing (no answer, a 5xx after every attempt) is `unknown`, never a
//! quirk: the doctor reports only what a server was seen to do.

use serde_json::{json, Value};

use crate::http::HttpResponse;
use crate::request::ResourceKind;
use crate::response::{decode_service_provider_config, DecodeOptions, Decoded};

use super::seen::{body, field, ids, members, resources, text, Seen};
use super::steps::{Patch, Step};
use super::{Check, Evidence, Finding, Verdict};

/// The checks every probe reports, and those only a probe with writes does.
const READ_CHECKS: [Check; 18] = [
    Check::Auth,
    Check::ServiceProviderConfig,
    Check::Schemas,
    Check::ResourceTypes,
    Check::PageSizeCap,
    Check::StartIndex,
    Check::StableOrder,
    Check::Cursor,
    Check::Bulk,
    Check::FilterUserName,
    Check::UserNameCase,
    Check::FilterDisplayName,
    Check::EscapedQuote,
    Check::EscapedBackslash,
    Check::ErrorStatus,
    Check::UnknownUser,
    Check::UnknownGroup,
    Check::RateLimitHeaders,
];
const WRITE_CHECKS: [Check; 11] = [
    Check::CreateStatus,
    Check::DuplicateUserName,
    Check::CreateGroupWithMembers,
    Check::GroupNameUnique,
    Check::PatchAddArray,
    Check::PatchAddSingle,
    Check::PatchRemoveByValue,
    Check::PatchOpCase,
    Check::PatchPathless,
    Check::DeleteUser,
    Check::Cleanup,
];

fn push(
    out: &mut Vec<Finding>,
    check: Check,
    verdict: Verdict,
    value: Value,
    evidence: Vec<Evidence>,
) {
    if out.iter().any(|f| f.check == check) {
        return;
    }
    out.push(Finding {
        check,
        verdict,
        value: (!value.is_null()).then_some(value),
        evidence,
    });
}

/// How an answer reads, for the rules: a success with its JSON body, a refusal (4xx, 501:
/// the server will not do it), or nothing usable (no answer, a 5xx).
enum Answer {
    Success(Value),
    Refused(u16),
    Nothing,
}

fn answer(response: Option<&HttpResponse>) -> Answer {
    match response {
        Some(r) if r.is_success() => Answer::Success(body(r).unwrap_or(Value::Null)),
        Some(r) if (400..500).contains(&r.status) || r.status == 501 => Answer::Refused(r.status),
        _ => Answer::Nothing,
    }
}

/// The credentials were refused.
pub(super) fn refused(evidence: Evidence, out: &mut Vec<Finding>) {
    let status = evidence.status;
    push(
        out,
        Check::Auth,
        Verdict::Failed,
        json!(status),
        vec![evidence],
    );
}

/// A step that had nothing to probe with.
pub(super) fn skipped(step: Step, seen: &Seen, out: &mut Vec<Finding>) {
    let check = match step {
        Step::Reread => Check::StableOrder,
        Step::SecondIndex if seen.stable == Some(false) => {
            // Pages of an unstable order cannot show whether `startIndex` was honoured.
            return push(
                out,
                Check::StartIndex,
                Verdict::Unknown,
                json!("unstableOrder"),
                vec![],
            );
        }
        Step::SecondIndex => Check::StartIndex,
        Step::UserNameCase => Check::UserNameCase,
        Step::RemoveByValue => Check::PatchRemoveByValue,
        Step::DeleteUser => Check::DeleteUser,
        // The rest report through their own check when it runs, or `finish` fills it in.
        _ => return,
    };
    push(out, check, Verdict::Unknown, Value::Null, vec![]);
}

/// Reads the answer to `step` into findings and into what later steps need.
pub(super) fn read(
    step: Step,
    response: Option<&HttpResponse>,
    ev: Evidence,
    seen: &mut Seen,
    out: &mut Vec<Finding>,
) {
    if let Some(r) = response {
        note_status(r, &ev, seen);
        if r.is_success() {
            push(out, Check::Auth, Verdict::Ok, Value::Null, vec![ev.clone()]);
        }
    }
    let a = answer(response);
    let simple = |out: &mut Vec<Finding>, check| match &a {
        Answer::Success(_) => push(out, check, Verdict::Ok, Value::Null, vec![ev.clone()]),
        Answer::Refused(_) => push(
            out,
            check,
            Verdict::Unsupported,
            Value::Null,
            vec![ev.clone()],
        ),
        Answer::Nothing => push(out, check, Verdict::Unknown, Value::Null, vec![ev.clone()]),
    };
    match step {
        Step::Spc => {
            simple(out, Check::ServiceProviderConfig);
            let decoded = response
                .and_then(|r| decode_service_provider_config(r, &DecodeOptions::default()).ok());
            if let Some(Decoded::Resource(spc)) = decoded {
                let bulk = match (spc.bulk.supported, spc.bulk.max_operations) {
                    (Some(true), Some(n)) => json!(n),
                    (Some(true), None) => json!(true),
                    _ => json!(false),
                };
                push(out, Check::Bulk, Verdict::Ok, bulk, vec![ev]);
                seen.spc = Some(spc);
            }
        }
        Step::Schemas => simple(out, Check::Schemas),
        Step::ResourceTypes => simple(out, Check::ResourceTypes),
        Step::FirstPage => first_page(&a, ev, seen, out),
        Step::Reread => {
            let Answer::Success(page) = &a else {
                return push(
                    out,
                    Check::StableOrder,
                    Verdict::Unknown,
                    Value::Null,
                    vec![ev],
                );
            };
            let stable = ids(page).iter().eq(seen.listed.iter().map(|(id, _)| id));
            seen.stable = Some(stable);
            push(
                out,
                Check::StableOrder,
                verdict(stable),
                Value::Null,
                vec![ev],
            );
        }
        Step::SecondIndex => {
            let (v, value) = match &a {
                Answer::Success(page) => match ids(page).first() {
                    Some(id) if *id == seen.listed[1].0 => (Verdict::Ok, Value::Null),
                    Some(id) if *id == seen.listed[0].0 => (Verdict::Quirk, json!("ignored")),
                    _ => (Verdict::Unknown, Value::Null),
                },
                Answer::Refused(_) => (Verdict::Quirk, json!("refused")),
                Answer::Nothing => (Verdict::Unknown, Value::Null),
            };
            push(out, Check::StartIndex, v, value, vec![ev]);
        }
        Step::Cursor => cursor(&a, ev, seen, out),
        Step::UserNameEq => {
            // A listed user's name must find it; a name nobody has must find nothing.
            let expected = seen.listed.first().map(|(id, _)| id.as_str());
            filter_rule(&a, expected, Check::FilterUserName, ev, out);
        }
        Step::UserNameCase => {
            let subject = seen
                .listed
                .first()
                .map(|(id, _)| id.clone())
                .or_else(|| seen.user(0).map(str::to_owned));
            let (v, value) = match (&a, subject) {
                (Answer::Success(page), Some(id)) => {
                    let found = ids(page).contains(&id);
                    (
                        verdict(found),
                        json!(if found { "insensitive" } else { "sensitive" }),
                    )
                }
                _ => (Verdict::Unknown, Value::Null),
            };
            push(out, Check::UserNameCase, v, value, vec![ev]);
        }
        Step::DisplayNameEq => filter_rule(&a, None, Check::FilterDisplayName, ev, out),
        Step::EscapedQuote => filter_rule(&a, None, Check::EscapedQuote, ev, out),
        Step::EscapedBackslash => filter_rule(&a, None, Check::EscapedBackslash, ev, out),
        Step::UnknownUser => unknown_id(response, Check::UnknownUser, ev, out),
        Step::UnknownGroup => unknown_id(response, Check::UnknownGroup, ev, out),
        Step::CreateUser(i) => {
            let id = created(&a, ResourceKind::User, &ev, seen);
            seen.users.push(id);
            if i == 0 {
                let (v, value) = match (&a, response) {
                    (Answer::Success(_), Some(r)) => (verdict(r.status == 201), json!(r.status)),
                    _ => (Verdict::Unknown, json!(response.map(|r| r.status))),
                };
                push(out, Check::CreateStatus, v, value, vec![ev]);
            }
        }
        Step::DuplicateUser => {
            let status = response.map(|r| r.status);
            let v = match &a {
                Answer::Nothing => Verdict::Unknown,
                _ => verdict(status == Some(409)),
            };
            created(&a, ResourceKind::User, &ev, seen);
            push(out, Check::DuplicateUserName, v, json!(status), vec![ev]);
        }
        Step::CreateGroup => {
            if let Some(id) = created(&a, ResourceKind::Group, &ev, seen) {
                seen.group = Some(id);
                seen.before.clear();
                if seen.user(0).is_some() {
                    seen.patched = Some(ev);
                    return;
                }
            }
            let v = if matches!(a, Answer::Refused(_)) {
                Verdict::Quirk
            } else {
                Verdict::Unknown
            };
            push(out, Check::CreateGroupWithMembers, v, Value::Null, vec![ev]);
        }
        Step::DuplicateGroup => {
            let (v, value) = match &a {
                Answer::Success(_) => (Verdict::Ok, json!(false)),
                Answer::Refused(409) => (Verdict::Ok, json!(true)),
                Answer::Refused(_) => (Verdict::Unknown, Value::Null),
                Answer::Nothing => (Verdict::Unknown, Value::Null),
            };
            created(&a, ResourceKind::Group, &ev, seen);
            push(out, Check::GroupNameUnique, v, value, vec![ev]);
        }
        Step::AddArray | Step::AddSingle | Step::RemoveByValue => {
            let check = patch_check(step);
            match &a {
                Answer::Success(_) => seen.patched = Some(ev),
                Answer::Refused(_) => push(out, check, Verdict::Quirk, json!("refused"), vec![ev]),
                Answer::Nothing => push(out, check, Verdict::Unknown, Value::Null, vec![ev]),
            }
        }
        Step::ReadGroup(patch) => read_group(patch, &a, ev, seen, out),
        Step::OpCase(capitalized) => {
            let taken = matches!(a, Answer::Success(_));
            seen.op_case.push((capitalized, taken, ev));
        }
        Step::Pathless => {
            let (v, value) = match &a {
                Answer::Success(_) => (Verdict::Ok, Value::Null),
                Answer::Refused(_) => (Verdict::Quirk, json!("refused")),
                Answer::Nothing => (Verdict::Unknown, Value::Null),
            };
            push(out, Check::PatchPathless, v, value, vec![ev]);
        }
        Step::DeleteUser => match &a {
            Answer::Success(_) => {
                let id = seen.user(2).unwrap_or_default().to_owned();
                seen.to_remove.retain(|(_, r)| *r != id);
                seen.deleted = Some((id, ev));
            }
            _ => push(
                out,
                Check::DeleteUser,
                Verdict::Unknown,
                Value::Null,
                vec![ev],
            ),
        },
        Step::ReadDeleted => {
            let Some((id, delete)) = seen.deleted.take() else {
                return;
            };
            let (v, value) = match (&a, response.map(|r| r.status)) {
                (_, Some(404)) => (Verdict::Ok, json!("deleted")),
                (Answer::Success(user), _) => {
                    seen.delete_deactivates = field(user, "active") == Some(&Value::Bool(false));
                    if !seen.delete_deactivates {
                        seen.left.push((id, None));
                    }
                    (
                        Verdict::Quirk,
                        json!(if seen.delete_deactivates {
                            "deactivated"
                        } else {
                            "kept"
                        }),
                    )
                }
                _ => (Verdict::Unknown, Value::Null),
            };
            push(out, Check::DeleteUser, v, value, vec![delete, ev]);
        }
        Step::Cleanup => {
            if seen.to_remove.is_empty() {
                return;
            }
            let (_, id) = seen.to_remove.remove(0);
            match response.map(|r| r.status) {
                Some(s) if (200..300).contains(&s) || s == 404 => seen.removed += 1,
                _ => seen.left.push((id, Some(ev))),
            }
        }
    }
}

fn verdict(ok: bool) -> Verdict {
    if ok {
        Verdict::Ok
    } else {
        Verdict::Quirk
    }
}

/// The first error body's `status`: a JSON number or a string.
fn note_status(r: &HttpResponse, ev: &Evidence, seen: &mut Seen) {
    if r.status < 400 || seen.status_number.is_some() {
        return;
    }
    match body(r).as_ref().and_then(|b| field(b, "status")) {
        Some(Value::Number(_)) => seen.status_number = Some((true, ev.clone())),
        Some(Value::String(_)) => seen.status_number = Some((false, ev.clone())),
        _ => {}
    }
}

/// The throwaway resource an answer made: its id, to be removed at the end. A success
/// without an id leaves something behind that cannot be named.
fn created(a: &Answer, kind: ResourceKind, ev: &Evidence, seen: &mut Seen) -> Option<String> {
    let Answer::Success(resource) = a else {
        return None;
    };
    match text(resource, "id") {
        Some(id) => {
            // Groups go first: removing a user never has to wait for its group.
            let at = if kind == ResourceKind::Group {
                0
            } else {
                seen.to_remove.len()
            };
            seen.to_remove.insert(at, (kind, id.clone()));
            Some(id)
        }
        None => {
            seen.left.push((String::from("(no id)"), Some(ev.clone())));
            None
        }
    }
}

/// The real page-size cap: fewer resources than asked for and than there are.
fn first_page(a: &Answer, ev: Evidence, seen: &mut Seen, out: &mut Vec<Finding>) {
    let Answer::Success(page) = a else {
        return push(
            out,
            Check::PageSizeCap,
            Verdict::Unknown,
            Value::Null,
            vec![ev],
        );
    };
    seen.listed = resources(page)
        .iter()
        .filter_map(|r| Some((text(r, "id")?, text(r, "userName")?)))
        .collect();
    seen.total = field(page, "totalResults").and_then(|t| match t {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let returned = resources(page).len() as u64;
    let asked = u64::from(super::steps::asked(seen));
    let advertised = seen.spc.as_ref().and_then(|c| c.filter.max_results);
    let (v, value) = match seen.total {
        Some(total) if returned < total.min(asked) => {
            (verdict(advertised == Some(returned)), json!(returned))
        }
        Some(total) if total >= asked => (Verdict::Ok, Value::Null),
        _ => (Verdict::Unknown, Value::Null),
    };
    push(out, Check::PageSizeCap, v, value, vec![ev]);
}

/// RFC 9865 cursors: a page with `nextCursor` has them; a page of several users without it,
/// or a refusal, has not. A server advertising them without serving them is a quirk.
fn cursor(a: &Answer, ev: Evidence, seen: &Seen, out: &mut Vec<Finding>) {
    let advertised = seen.spc.as_ref().and_then(|c| c.pagination.cursor) == Some(true);
    let served = match a {
        Answer::Success(page) if field(page, "nextCursor").is_some() => Some(true),
        Answer::Success(_) if seen.listed.len() >= 2 => Some(false),
        Answer::Refused(_) => Some(false),
        _ => None,
    };
    let (v, value) = match served {
        Some(s) => (verdict(s || !advertised), json!(s)),
        None => (Verdict::Unknown, Value::Null),
    };
    push(out, Check::Cursor, v, value, vec![ev]);
}

/// An `eq` filter: with `expected`, it must find that id; without, a value nothing has must
/// find nothing, and be taken (a 400 is the quirk an escaped character causes).
fn filter_rule(
    a: &Answer,
    expected: Option<&str>,
    check: Check,
    ev: Evidence,
    out: &mut Vec<Finding>,
) {
    let (v, value) = match a {
        Answer::Success(page) => {
            let found = ids(page);
            let ok = match expected {
                Some(id) => found.iter().any(|f| f == id),
                None => found.is_empty() && field(page, "Resources").is_none_or(Value::is_array),
            };
            (
                verdict(ok),
                if ok {
                    Value::Null
                } else {
                    json!("wrongResults")
                },
            )
        }
        Answer::Refused(_) => (Verdict::Quirk, json!("refused")),
        Answer::Nothing => (Verdict::Unknown, Value::Null),
    };
    push(out, check, v, value, vec![ev]);
}

/// An unknown id must answer 404.
fn unknown_id(response: Option<&HttpResponse>, check: Check, ev: Evidence, out: &mut Vec<Finding>) {
    let v = match response.map(|r| r.status) {
        Some(404) => Verdict::Ok,
        Some(s) if (400..500).contains(&s) => Verdict::Quirk,
        _ => Verdict::Unknown,
    };
    let status = ev.status;
    push(out, check, v, json!(status), vec![ev]);
}

fn patch_check(step: Step) -> Check {
    match step {
        Step::AddArray | Step::ReadGroup(Patch::AddArray) => Check::PatchAddArray,
        Step::AddSingle | Step::ReadGroup(Patch::AddSingle) => Check::PatchAddSingle,
        Step::RemoveByValue | Step::ReadGroup(Patch::RemoveByValue) => Check::PatchRemoveByValue,
        _ => Check::CreateGroupWithMembers,
    }
}

/// The group read back after a write: did the write do what it says?
fn read_group(patch: Patch, a: &Answer, ev: Evidence, seen: &mut Seen, out: &mut Vec<Finding>) {
    let check = patch_check(Step::ReadGroup(patch));
    let Some(write) = seen.patched.take() else {
        return;
    };
    let Answer::Success(group) = a else {
        return push(out, check, Verdict::Unknown, Value::Null, vec![write, ev]);
    };
    let now = members(group);
    let has = |i: usize| seen.user(i).is_some_and(|id| now.iter().any(|m| m == id));
    let (v, value) = match patch {
        Patch::Create => (verdict(has(0)), json!(has(0))),
        Patch::AddArray => (
            verdict(has(1)),
            if has(1) {
                Value::Null
            } else {
                json!("ignored")
            },
        ),
        Patch::AddSingle => (
            verdict(has(2)),
            if has(2) {
                Value::Null
            } else {
                json!("ignored")
            },
        ),
        Patch::RemoveByValue => {
            let others = seen
                .before
                .iter()
                .filter(|m| Some(m.as_str()) != seen.user(1));
            let kept = others.clone().all(|m| now.contains(m));
            match (has(1), kept) {
                (false, true) => (Verdict::Ok, Value::Null),
                (false, false) => (Verdict::Quirk, json!("clearsGroup")),
                (true, _) => (Verdict::Quirk, json!("ignored")),
            }
        }
    };
    seen.before = now;
    push(out, check, v, value, vec![write, ev]);
}

/// The findings made of everything seen, and `unknown` for every check no probe reached.
pub(super) fn finish(seen: &Seen, write: bool, out: &mut Vec<Finding>) {
    match &seen.status_number {
        Some((true, ev)) => push(
            out,
            Check::ErrorStatus,
            Verdict::Quirk,
            json!("number"),
            vec![ev.clone()],
        ),
        Some((false, ev)) => push(
            out,
            Check::ErrorStatus,
            Verdict::Ok,
            json!("string"),
            vec![ev.clone()],
        ),
        None => {}
    }
    if out
        .iter()
        .any(|f| f.evidence.iter().any(|e| e.status.is_some()))
    {
        let names: Vec<&String> = seen.rate_headers.iter().collect();
        push(
            out,
            Check::RateLimitHeaders,
            Verdict::Ok,
            json!(names),
            vec![],
        );
    }
    if !seen.op_case.is_empty() {
        let taken = |cap: bool| {
            seen.op_case
                .iter()
                .find(|(c, ..)| *c == cap)
                .map(|(_, t, _)| *t)
        };
        let v = match (taken(false), taken(true)) {
            (Some(true), _) => Verdict::Ok,
            (Some(false), Some(true)) => Verdict::Quirk,
            _ => Verdict::Unknown,
        };
        let value = json!({"lower": taken(false), "capitalized": taken(true)});
        let evidence = seen.op_case.iter().map(|(.., ev)| ev.clone()).collect();
        push(out, Check::PatchOpCase, v, value, evidence);
    }
    if write || !seen.left.is_empty() || seen.removed > 0 {
        let left: Vec<&str> = seen.left.iter().map(|(id, _)| id.as_str()).collect();
        let evidence = seen.left.iter().filter_map(|(_, ev)| ev.clone()).collect();
        let v = if left.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Failed
        };
        let value = json!({"removed": seen.removed, "left": left, "deactivatedOnly": seen.delete_deactivates});
        push(out, Check::Cleanup, v, value, evidence);
    }
    let checks = READ_CHECKS
        .iter()
        .chain(if write { &WRITE_CHECKS[..] } else { &[] });
    for &check in checks {
        push(out, check, Verdict::Unknown, Value::Null, vec![]);
    }
}
