//! The log's records, written as JSON text: the header, one record per request, one per
//! action outcome, and the footer (`docs/LOG.md`). Each is written field by field
//! ([`Line`]), then masked ([`crate::redact`]), so a line never carries a credential a
//! server echoed or a directory smuggled in.

use serde::Serialize;

use super::LogStart;
use crate::engine::{ActionOutcome, ActionResult, RunReport};
use crate::plan::{Action, IdLookup, Plan, Step};

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

/// A record being written: the fields every record has, then the record's own, each
/// value JSON text. Written by hand rather than derived: the values that are structures
/// (an action's outcome and change) are the run report's and the plan's own JSON.
pub(super) struct Line(String);

impl Line {
    /// A record of `kind` at `time_ms`.
    pub(super) fn new(kind: &str, time_ms: u64) -> Line {
        let mut line = Line(String::with_capacity(256));
        line.0.push('{');
        line.text("type", Some(kind))
            .raw("schemaVersion", &SCHEMA_VERSION.to_string())
            .text("time", Some(&iso_time(time_ms)))
            .num("timeMs", Some(time_ms))
    }

    /// `key` with the JSON text `json`.
    pub(super) fn raw(mut self, key: &str, json: &str) -> Line {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&json_text(key));
        self.0.push(':');
        self.0.push_str(json);
        self
    }

    /// `key` with a string, or `null`.
    pub(super) fn text(self, key: &str, value: Option<&str>) -> Line {
        let json = value.map_or_else(|| "null".to_owned(), json_text);
        self.raw(key, &json)
    }

    /// Each `(key, string or null)`, in order.
    pub(super) fn texts(self, fields: &[(&str, Option<&str>)]) -> Line {
        fields.iter().fold(self, |line, (k, v)| line.text(k, *v))
    }

    /// `key` with a number, or `null`.
    pub(super) fn num(self, key: &str, value: Option<u64>) -> Line {
        let json = value.map_or_else(|| "null".to_owned(), |n| n.to_string());
        self.raw(key, &json)
    }

    /// `key` with `value`'s JSON.
    pub(super) fn json(self, key: &str, value: &impl Serialize) -> Line {
        self.raw(key, &serde_json::to_string(value).unwrap_or_default())
    }

    /// The record as one line, masked ([`crate::redact`]).
    pub(super) fn end(mut self) -> String {
        self.0.push('}');
        crate::redact::masked(&self.0)
    }
}

fn json_text(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
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
    let server = without_userinfo(&start.server);
    let fields = [
        ("runId", Some(start.run_id.as_str())),
        ("server", Some(&server)),
        ("profile", Some(profile)),
        ("run", Some(run)),
        ("mode", Some(mode)),
        ("policyDigest", Some(policy_digest)),
        ("planDigest", plan.and_then(|p| p.digest.as_deref())),
        ("stateDigest", plan.and_then(|p| p.state_digest.as_deref())),
    ];
    Line::new("header", start.time_ms).texts(&fields).end()
}

/// The record of action `outcome`'s end: its result, and the action as planned (`change`:
/// the plan's action JSON, whose `changes` hold each attribute's before (as listed when
/// planned) and after); `id`: the subject's server id, learnt during the run for a create.
pub(super) fn action(
    now_ms: u64,
    step: &Step,
    outcome: &ActionOutcome,
    ids: &dyn IdLookup,
) -> String {
    let action = &step.action;
    let known = match action {
        Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
            u.user.id.clone()
        }
        Action::DeleteUser(d) => d.user.id.clone(),
        Action::RenameGroup(r) => r.group.id.clone(),
        Action::DeleteGroup(d) => d.group.id.clone(),
        Action::AddMembers(m) | Action::RemoveMembers(m) => m.group.id.clone(),
        Action::SetMembers(s) => s.group.id.clone(),
        _ => None,
    };
    let adopted = match &outcome.result {
        ActionResult::Adopted { id, .. } => Some(id.clone()),
        _ => None,
    };
    let id = known.or(adopted).or_else(|| {
        let name = action.subject();
        if action.writes_user() {
            ids.user_id(name)
        } else {
            ids.group_id(name)
        }
    });
    // The action without its request preview: the log tells what changed, not the bytes.
    let change = Step::new(action.clone(), None, None);
    Line::new("action", now_ms)
        .num("action", Some(outcome.index as u64))
        .text("kind", Some(outcome.kind.as_str()))
        .text("subject", Some(&outcome.subject))
        .text("id", id.as_deref())
        .json("result", &outcome.result)
        .json("change", &change)
        .end()
}

/// The footer: how the run ended, and its counts.
pub(super) fn footer(now_ms: u64, report: &RunReport) -> String {
    let mut counts = [0u64; 6];
    for o in &report.outcomes {
        counts[match o.result {
            ActionResult::Applied => 0,
            ActionResult::Adopted { .. } => 1,
            ActionResult::Drift { .. } => 2,
            ActionResult::Failed { .. } => 3,
            ActionResult::Skipped { .. } => 4,
            _ => 5,
        }] += 1;
    }
    let names = ["applied", "adopted", "drift", "failed", "skipped", "notRun"];
    let planned = report.plan.as_ref().map_or(0, |p| p.actions.len());
    let mut tally = Line(format!("{{\"actions\":{planned}"));
    for (name, n) in names.into_iter().zip(counts) {
        tally = tally.num(name, Some(n));
    }
    tally.0.push('}');
    Line::new("footer", now_ms)
        .json("status", &report.status)
        .text("reason", report.reason.as_deref())
        .raw("counts", &tally.0)
        .num("requests", Some(report.requests_sent))
        .num("retries", Some(report.retries))
        .num("elapsedMs", Some(report.elapsed_ms))
        .end()
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
