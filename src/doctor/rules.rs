//! Each finding's rule: what an answer (or its absence) means for the check its step probes.
//! An answer that says nothing (no answer, a 5xx after every attempt) is `unknown`, never a
//! quirk: the doctor reports only what a server was seen to do.
//!
//! A rule returns what it found; the doctor attaches the evidence (the exchange, after the
//! write a read checks, [`Outcome::Carry`]).

use serde_json::Value;

use crate::http::HttpResponse;
use crate::request::ResourceKind;
use crate::response::{decode_service_provider_config, DecodeOptions, Decoded};

use super::seen::{body, field, ids, members, resources, text, Seen};
use super::steps::{Patch, Step};
use super::{Check, Evidence, Finding, Verdict};

/// Every check, in the order findings are reported; those after `Cleanup`'s index
/// [`FIRST_WRITE`] only with writes.
const CHECKS: [Check; 29] = [
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
const FIRST_WRITE: usize = 18;

/// What a rule made of an answer.
pub(super) enum Outcome {
    /// A finding: its check, verdict and value.
    Found(Check, Verdict, Value),
    /// A write whose effect the next step reads: keep its evidence for that finding.
    /// (The operation-name probes keep it for their finding at the end, a failed removal for
    /// the `cleanup` finding.)
    Carry,
    /// Nothing to report (yet).
    Nothing,
}

use Outcome::{Carry, Found, Nothing};
use Verdict::{Ok, Quirk, Unknown, Unsupported};

/// Records a finding, unless its check has one already.
pub(super) fn push(
    out: &mut Vec<Finding>,
    check: Check,
    verdict: Verdict,
    value: Value,
    evidence: Vec<Evidence>,
) {
    if out.iter().all(|f| f.check != check) {
        out.push(Finding {
            check,
            verdict,
            value: (!value.is_null()).then_some(value),
            evidence,
        });
    }
}

/// How an answer reads, for the rules: a success with its JSON body, a refusal (4xx, 501:
/// the server will not do it), or nothing usable (no answer, a 5xx).
enum Answer {
    Success(Value),
    Refused(u16),
    None,
}

fn answer(response: Option<&HttpResponse>) -> Answer {
    match response {
        Some(r) if r.is_success() => Answer::Success(body(r).unwrap_or(Value::Null)),
        Some(r) if (400..500).contains(&r.status) || r.status == 501 => Answer::Refused(r.status),
        _ => Answer::None,
    }
}

fn verdict(ok: bool) -> Verdict {
    if ok {
        Ok
    } else {
        Quirk
    }
}

fn s(text: &'static str) -> Value {
    Value::from(text)
}

/// The check a step that had nothing to probe with leaves `unknown` (`None`: its check is
/// reported by a later step, or filled in at the end).
pub(super) fn skipped(step: Step) -> Option<Check> {
    match step {
        Step::Reread => Some(Check::StableOrder),
        Step::SecondIndex => Some(Check::StartIndex),
        Step::UserNameCase => Some(Check::UserNameCase),
        Step::RemoveByValue => Some(Check::PatchRemoveByValue),
        Step::DeleteUser => Some(Check::DeleteUser),
        _ => None,
    }
}

/// Reads the answer to `step` into what later steps need and what it found.
pub(super) fn read(step: Step, response: Option<&HttpResponse>, seen: &mut Seen) -> Outcome {
    let a = answer(response);
    let status = response.map(|r| r.status);
    // Success, refusal, nothing: the verdicts of a plain "does it answer" check.
    let plain = |check| {
        let v = match a {
            Answer::Success(_) => Ok,
            Answer::Refused(_) => Unsupported,
            Answer::None => Unknown,
        };
        Found(check, v, Value::Null)
    };
    // A write refused outright: a quirk of its check; else nothing known.
    let refused = |check| match a {
        Answer::Refused(_) => Found(check, Quirk, s("refused")),
        _ => Found(check, Unknown, Value::Null),
    };
    match step {
        Step::Spc => {
            if let Some(Decoded::Resource(spc)) = response
                .and_then(|r| decode_service_provider_config(r, &DecodeOptions::default()).ok())
            {
                seen.spc = Some(spc);
            }
            plain(Check::ServiceProviderConfig)
        }
        Step::Schemas => plain(Check::Schemas),
        Step::ResourceTypes => plain(Check::ResourceTypes),
        Step::FirstPage => first_page(&a, seen),
        Step::Reread => {
            let Answer::Success(page) = &a else {
                return Found(Check::StableOrder, Unknown, Value::Null);
            };
            let stable = ids(page).iter().eq(seen.listed.iter().map(|(id, _)| id));
            seen.stable = Some(stable);
            Found(Check::StableOrder, verdict(stable), Value::Null)
        }
        Step::SecondIndex => {
            let (v, value) = match &a {
                Answer::Success(page) => match ids(page).first() {
                    Some(id) if *id == seen.listed[1].0 => (Ok, Value::Null),
                    Some(id) if *id == seen.listed[0].0 => (Quirk, s("ignored")),
                    _ => (Unknown, Value::Null),
                },
                Answer::Refused(_) => (Quirk, s("refused")),
                Answer::None => (Unknown, Value::Null),
            };
            Found(Check::StartIndex, v, value)
        }
        Step::Cursor => cursor(&a, seen),
        Step::UserNameEq => {
            // A listed user's name must find it; a name nobody has must find nothing.
            let expected = seen.listed.first().map(|(id, _)| id.as_str());
            filter_rule(&a, expected, Check::FilterUserName)
        }
        Step::UserNameCase => {
            let subject = match seen.listed.first() {
                Some((id, _)) => Some(id.as_str()),
                None => seen.user(0),
            };
            match (&a, subject) {
                (Answer::Success(page), Some(id)) => {
                    let found = ids(page).iter().any(|f| f == id);
                    let value = if found { "insensitive" } else { "sensitive" };
                    Found(Check::UserNameCase, verdict(found), s(value))
                }
                _ => Found(Check::UserNameCase, Unknown, Value::Null),
            }
        }
        Step::DisplayNameEq => filter_rule(&a, None, Check::FilterDisplayName),
        Step::EscapedQuote => filter_rule(&a, None, Check::EscapedQuote),
        Step::EscapedBackslash => filter_rule(&a, None, Check::EscapedBackslash),
        Step::UnknownUser | Step::UnknownGroup => {
            let check = if step == Step::UnknownUser {
                Check::UnknownUser
            } else {
                Check::UnknownGroup
            };
            let v = match status {
                Some(404) => Ok,
                Some(400..=499) => Quirk,
                _ => Unknown,
            };
            Found(check, v, status.map_or(Value::Null, Value::from))
        }
        Step::CreateUser(i) => {
            let id = created(&a, ResourceKind::User, seen);
            seen.users.push(id);
            match (i, &a, status) {
                (0, Answer::Success(_), Some(st)) => {
                    Found(Check::CreateStatus, verdict(st == 201), st.into())
                }
                (0, _, _) => Found(
                    Check::CreateStatus,
                    Unknown,
                    status.map_or(Value::Null, Value::from),
                ),
                _ => Nothing,
            }
        }
        Step::DuplicateUser => {
            created(&a, ResourceKind::User, seen);
            let v = match a {
                Answer::None => Unknown,
                _ => verdict(status == Some(409)),
            };
            Found(
                Check::DuplicateUserName,
                v,
                status.map_or(Value::Null, Value::from),
            )
        }
        Step::CreateGroup => {
            seen.group = created(&a, ResourceKind::Group, seen);
            seen.before.clear();
            match (&seen.group, seen.user(0)) {
                (Some(_), Some(_)) => Carry,
                _ => refused(Check::CreateGroupWithMembers),
            }
        }
        Step::DuplicateGroup => {
            created(&a, ResourceKind::Group, seen);
            match a {
                Answer::Success(_) => Found(Check::GroupNameUnique, Ok, false.into()),
                Answer::Refused(409) => Found(Check::GroupNameUnique, Ok, true.into()),
                _ => Found(Check::GroupNameUnique, Unknown, Value::Null),
            }
        }
        Step::AddArray | Step::AddSingle | Step::RemoveByValue => match a {
            Answer::Success(_) => Carry,
            _ => refused(patch_check(step)),
        },
        Step::ReadGroup(patch) => read_group(patch, &a, seen),
        Step::OpCase(capitalized) => {
            seen.op_case[usize::from(capitalized)] = Some(matches!(a, Answer::Success(_)));
            Carry
        }
        Step::Pathless => match a {
            Answer::Success(_) => Found(Check::PatchPathless, Ok, Value::Null),
            _ => refused(Check::PatchPathless),
        },
        Step::DeleteUser => match a {
            Answer::Success(_) => {
                let id = seen.user(2).unwrap_or_default().to_owned();
                if let Some(i) = seen.to_remove.iter().position(|(_, r)| *r == id) {
                    seen.to_remove.remove(i);
                }
                Carry
            }
            _ => Found(Check::DeleteUser, Unknown, Value::Null),
        },
        Step::ReadDeleted => match (&a, status) {
            (_, Some(404)) => Found(Check::DeleteUser, Ok, s("deleted")),
            (Answer::Success(user), _) => {
                seen.delete_deactivates = field(user, "active") == Some(&Value::Bool(false));
                if seen.delete_deactivates {
                    Found(Check::DeleteUser, Quirk, s("deactivated"))
                } else {
                    let id = seen.user(2).unwrap_or_default().to_owned();
                    seen.left.push(id);
                    Found(Check::DeleteUser, Quirk, s("kept"))
                }
            }
            _ => Found(Check::DeleteUser, Unknown, Value::Null),
        },
        // A removal that failed keeps its evidence for the `cleanup` finding.
        Step::Cleanup if seen.to_remove.is_empty() => Nothing,
        Step::Cleanup => {
            let (_, id) = seen.to_remove.remove(0);
            if matches!(status, Some(200..=299 | 404)) {
                Nothing
            } else {
                seen.left.push(id);
                Carry
            }
        }
    }
}

/// The throwaway resource an answer made: its id, to be removed at the end. A success
/// without an id leaves something behind that cannot be named.
fn created(a: &Answer, kind: ResourceKind, seen: &mut Seen) -> Option<String> {
    let Answer::Success(resource) = a else {
        return None;
    };
    let Some(id) = text(resource, "id") else {
        seen.left.push("(no id)".into());
        return None;
    };
    // Groups go first: removing a user never has to wait for its group.
    let at = if kind == ResourceKind::Group {
        0
    } else {
        seen.to_remove.len()
    };
    seen.to_remove.insert(at, (kind, id.clone()));
    Some(id)
}

/// The real page-size cap: fewer resources than asked for and than there are.
fn first_page(a: &Answer, seen: &mut Seen) -> Outcome {
    let Answer::Success(page) = a else {
        return Found(Check::PageSizeCap, Unknown, Value::Null);
    };
    seen.listed = resources(page)
        .iter()
        .filter_map(|r| Some((text(r, "id")?, text(r, "userName")?)))
        .collect();
    let total = field(page, "totalResults").and_then(|t| match t {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let returned = resources(page).len() as u64;
    let asked = u64::from(super::steps::asked(seen));
    let advertised = seen.spc.as_ref().and_then(|c| c.filter.max_results);
    match total {
        Some(total) if returned < total.min(asked) => Found(
            Check::PageSizeCap,
            verdict(advertised == Some(returned)),
            returned.into(),
        ),
        Some(total) if total >= asked => Found(Check::PageSizeCap, Ok, Value::Null),
        _ => Found(Check::PageSizeCap, Unknown, Value::Null),
    }
}

/// RFC 9865 cursors: a page with `nextCursor` has them; a page of several users without it,
/// or a refusal, has not. A server advertising them without serving them is a quirk.
fn cursor(a: &Answer, seen: &Seen) -> Outcome {
    let advertised = seen.spc.as_ref().and_then(|c| c.pagination.cursor) == Some(true);
    let served = match a {
        Answer::Success(page) if field(page, "nextCursor").is_some() => true,
        Answer::Success(_) if seen.listed.len() >= 2 => false,
        Answer::Refused(_) => false,
        _ => return Found(Check::Cursor, Unknown, Value::Null),
    };
    Found(Check::Cursor, verdict(served || !advertised), served.into())
}

/// An `eq` filter: with `expected`, it must find that id; without, a value nothing has must
/// find nothing, and be taken (a 400 is the quirk an escaped character causes).
fn filter_rule(a: &Answer, expected: Option<&str>, check: Check) -> Outcome {
    match a {
        Answer::Success(page) => {
            let found = ids(page);
            let ok = match expected {
                Some(id) => found.iter().any(|f| f == id),
                None => found.is_empty(),
            };
            Found(
                check,
                verdict(ok),
                if ok { Value::Null } else { s("wrongResults") },
            )
        }
        Answer::Refused(_) => Found(check, Quirk, s("refused")),
        Answer::None => Found(check, Unknown, Value::Null),
    }
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
fn read_group(patch: Patch, a: &Answer, seen: &mut Seen) -> Outcome {
    let check = patch_check(Step::ReadGroup(patch));
    let Answer::Success(group) = a else {
        return Found(check, Unknown, Value::Null);
    };
    let now = members(group);
    let has = |i: usize| seen.user(i).is_some_and(|id| now.iter().any(|m| m == id));
    let found = match patch {
        Patch::Create => Found(check, verdict(has(0)), has(0).into()),
        Patch::AddArray | Patch::AddSingle => {
            let added = has(if patch == Patch::AddArray { 1 } else { 2 });
            Found(
                check,
                verdict(added),
                if added { Value::Null } else { s("ignored") },
            )
        }
        Patch::RemoveByValue => {
            let removed = seen.user(1);
            let kept = seen
                .before
                .iter()
                .all(|m| Some(m.as_str()) == removed || now.contains(m));
            match (has(1), kept) {
                (false, true) => Found(check, Ok, Value::Null),
                (false, false) => Found(check, Quirk, s("clearsGroup")),
                (true, _) => Found(check, Quirk, s("ignored")),
            }
        }
    };
    seen.before = now;
    found
}

/// The findings made of everything seen, then every check of the probe in order, `unknown`
/// where no probe reached it.
pub(super) fn finish(seen: &mut Seen, write: bool, mut out: Vec<Finding>) -> Vec<Finding> {
    if let Some((number, ev)) = seen.status_number.take() {
        let (v, value) = if number {
            (Quirk, "number")
        } else {
            (Ok, "string")
        };
        push(&mut out, Check::ErrorStatus, v, s(value), vec![ev]);
    }
    if let Some(bulk) = seen.spc.as_ref().map(|c| &c.bulk) {
        let value = match (bulk.supported, bulk.max_operations) {
            (Some(true), Some(n)) => n.into(),
            (Some(true), None) => true.into(),
            _ => false.into(),
        };
        push(&mut out, Check::Bulk, Ok, value, Vec::new());
    }
    if seen.answered {
        let names = std::mem::take(&mut seen.rate_headers);
        push(
            &mut out,
            Check::RateLimitHeaders,
            Ok,
            names.into(),
            Vec::new(),
        );
    }
    // The operation names taken: `lower`, `capitalized`, `both`, or `neither`.
    let (v, value) = match seen.op_case {
        [Some(true), Some(true)] => (Ok, "both"),
        [Some(true), _] => (Ok, "lower"),
        [Some(false), Some(true)] => (Quirk, "capitalized"),
        [Some(false), Some(false)] => (Unknown, "neither"),
        _ => (Unknown, ""),
    };
    if !value.is_empty() {
        let evidence = std::mem::take(&mut seen.op_evidence);
        push(&mut out, Check::PatchOpCase, v, s(value), evidence);
    }
    // The ids left behind (none: all removed).
    if write {
        let v = if seen.left.is_empty() {
            Ok
        } else {
            Verdict::Failed
        };
        let left = std::mem::take(&mut seen.left).into();
        let evidence = std::mem::take(&mut seen.cleanup_evidence);
        push(&mut out, Check::Cleanup, v, left, evidence);
    }
    let checks = if write {
        &CHECKS[..]
    } else {
        &CHECKS[..FIRST_WRITE]
    };
    checks
        .iter()
        .map(|&check| match out.iter().position(|f| f.check == check) {
            Some(i) => out.swap_remove(i),
            None => Finding {
                check,
                verdict: Unknown,
                value: None,
                evidence: Vec::new(),
            },
        })
        .collect()
}
