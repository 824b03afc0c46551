//! The log's records, written as JSON text: the header, one record per request, one per
//! action outcome, and the footer (`docs/LOG.md`). Each is a `Serialize` struct of borrowed
//! fields written with `serde_json::to_string`, then masked ([`crate::redact`]), so a line
//! never carries a credential a server echoed or a directory smuggled in.

use serde::Serialize;
use serde_json::Value;

use super::LogStart;
use crate::engine::{ActionOutcome, ActionResult, RunReport, RunStatus};
use crate::plan::{Action, Change, IdLookup, Plan, UserRef};

/// The version of the log's schema; every record carries it as `schemaVersion`.
pub const SCHEMA_VERSION: u32 = 1;

/// `ms` since the Unix epoch as an RFC 3339 UTC time (`2026-12-05T00:25:47.123Z`).
pub fn iso_time(ms: u64) -> String {
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    // Howard Hinnant's civil-from-days, for days since 1970-01-01 (never negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let (h, m, s, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// `url` without the user information a URL may carry (`https://user:secret@host/...`).
fn without_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    match url[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..scheme_end], &url[scheme_end + at + 1..]),
        None => url.to_owned(),
    }
}

/// A record as one masked JSON line.
fn line(record: &impl Serialize) -> String {
    let text = serde_json::to_string(record).unwrap_or_default();
    crate::redact::masked(&text)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Header<'a> {
    r#type: &'static str,
    schema_version: u32,
    run_id: &'a str,
    time: String,
    time_ms: u64,
    server: String,
    profile: &'a str,
    run: &'a str,
    mode: &'a str,
    policy_digest: &'a str,
    plan_digest: Option<&'a str>,
    state_digest: Option<&'a str>,
}

/// The header: the run, the server, and the digests of the policy and plan it ran.
pub(super) fn header(
    start: &LogStart,
    profile: &str,
    run: &str,
    mode: &str,
    policy_digest: &str,
    plan: Option<&Plan>,
) -> String {
    line(&Header {
        r#type: "header",
        schema_version: SCHEMA_VERSION,
        run_id: &start.run_id,
        time: iso_time(start.time_ms),
        time_ms: start.time_ms,
        server: without_userinfo(&start.server),
        profile,
        run,
        mode,
        policy_digest,
        plan_digest: plan.and_then(|p| p.digest.as_deref()),
        state_digest: plan.and_then(|p| p.state_digest.as_deref()),
    })
}

/// A request as the log tells it (never its headers or body).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Request {
    pub(super) r#type: &'static str,
    pub(super) schema_version: u32,
    pub(super) time: String,
    pub(super) time_ms: u64,
    /// The plan actions the request writes for (none for a read).
    pub(super) actions: Vec<usize>,
    pub(super) subject: Option<String>,
    pub(super) method: &'static str,
    pub(super) path: String,
    /// `None` for a transport failure.
    pub(super) status: Option<u16>,
    pub(super) scim_type: Option<String>,
    pub(super) detail: Option<String>,
    pub(super) attempt: u32,
}

impl Request {
    pub(super) fn line(&self) -> String {
        line(self)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Member<'a> {
    user_name: &'a str,
    id: Option<String>,
}

#[derive(Serialize)]
struct Members<'a> {
    added: Vec<Member<'a>>,
    removed: Vec<Member<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionRecord<'a> {
    r#type: &'static str,
    schema_version: u32,
    time: String,
    time_ms: u64,
    action: usize,
    kind: &'static str,
    subject: &'a str,
    /// The subject's server id (learnt during the run for a create).
    id: Option<String>,
    result: &'a ActionResult,
    /// Each attribute changed, before (as listed when planned) and after (as planned).
    changes: Vec<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Members<'a>>,
}

fn member<'a>(r: &'a UserRef, ids: &dyn IdLookup) -> Member<'a> {
    Member {
        user_name: &r.user_name,
        id: r.id.clone().or_else(|| ids.user_id(&r.user_name)),
    }
}

fn members<'a>(added: &'a [UserRef], removed: &'a [UserRef], ids: &dyn IdLookup) -> Members<'a> {
    Members {
        added: added.iter().map(|r| member(r, ids)).collect(),
        removed: removed.iter().map(|r| member(r, ids)).collect(),
    }
}

/// The record of action `outcome`'s end: what it changed, before and after.
pub(super) fn action(
    now_ms: u64,
    action: &Action,
    outcome: &ActionOutcome,
    ids: &dyn IdLookup,
) -> String {
    let text = |attribute: &str, before: Option<&str>, after: &str| Change {
        attribute: attribute.to_owned(),
        before: before.map_or(Value::Null, |b| Value::String(b.to_owned())),
        after: Value::String(after.to_owned()),
    };
    let refs = |added, removed| members(added, removed, ids);
    let adopted = match &outcome.result {
        ActionResult::Adopted { id, .. } => Some(id.clone()),
        _ => None,
    };
    let (id, changes, members) = match action {
        Action::CreateUser(c) => {
            let blank = crate::model::User::new(c.user_name.clone());
            let mut changes = vec![text("userName", None, &c.user_name)];
            changes.extend(crate::plan::user_changes(&c.user, &blank));
            (ids.user_id(&c.user_name), changes, None)
        }
        Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
            (u.user.id.clone(), u.changes.clone(), None)
        }
        Action::DeleteUser(d) => (d.user.id.clone(), Vec::new(), None),
        Action::CreateGroup(c) => (
            ids.group_id(&c.display_name),
            vec![text("displayName", None, &c.display_name)],
            Some(refs(&c.members, &[])),
        ),
        Action::RenameGroup(r) => (
            r.group.id.clone(),
            vec![text("displayName", Some(&r.group.display_name), &r.to)],
            None,
        ),
        Action::DeleteGroup(d) => (d.group.id.clone(), Vec::new(), None),
        Action::AddMembers(m) => (m.group.id.clone(), Vec::new(), Some(refs(&m.members, &[]))),
        Action::RemoveMembers(m) => (m.group.id.clone(), Vec::new(), Some(refs(&[], &m.members))),
        Action::SetMembers(s) => (
            s.group.id.clone(),
            Vec::new(),
            Some(refs(&s.added, &s.removed)),
        ),
    };
    let id = id.or(adopted).or_else(|| {
        let name = action.subject();
        if action.writes_user() {
            ids.user_id(name)
        } else {
            ids.group_id(name)
        }
    });
    line(&ActionRecord {
        r#type: "action",
        schema_version: SCHEMA_VERSION,
        time: iso_time(now_ms),
        time_ms: now_ms,
        action: outcome.index,
        kind: outcome.kind.as_str(),
        subject: &outcome.subject,
        id,
        result: &outcome.result,
        changes,
        members,
    })
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Counts {
    actions: usize,
    applied: usize,
    adopted: usize,
    drift: usize,
    failed: usize,
    skipped: usize,
    not_run: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Footer<'a> {
    r#type: &'static str,
    schema_version: u32,
    time: String,
    time_ms: u64,
    status: RunStatus,
    reason: Option<&'a str>,
    counts: Counts,
    requests: u64,
    retries: u64,
    elapsed_ms: u64,
}

/// The footer: how the run ended, and its counts.
pub(super) fn footer(now_ms: u64, report: &RunReport) -> String {
    let mut counts = Counts {
        actions: report.plan.as_ref().map_or(0, |p| p.actions.len()),
        ..Counts::default()
    };
    for o in &report.outcomes {
        *match o.result {
            ActionResult::Applied => &mut counts.applied,
            ActionResult::Adopted { .. } => &mut counts.adopted,
            ActionResult::Drift { .. } => &mut counts.drift,
            ActionResult::Failed { .. } => &mut counts.failed,
            ActionResult::Skipped { .. } => &mut counts.skipped,
            ActionResult::NotRun => &mut counts.not_run,
        } += 1;
    }
    line(&Footer {
        r#type: "footer",
        schema_version: SCHEMA_VERSION,
        time: iso_time(now_ms),
        time_ms: now_ms,
        status: report.status,
        reason: report.reason.as_deref(),
        counts,
        requests: report.requests_sent,
        retries: report.retries,
        elapsed_ms: report.elapsed_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_time(1_796_430_347_123), "2026-12-05T00:25:47.123Z");
    }

    #[test]
    fn a_server_url_loses_its_credentials() {
        assert_eq!(
            without_userinfo("https://u:secret@h.example/scim/v2?x=@"),
            "https://h.example/scim/v2?x=@"
        );
        assert_eq!(without_userinfo("https://h/scim"), "https://h/scim");
        assert_eq!(without_userinfo("not a url"), "not a url");
    }
}
