//! The log as a run writes it: the engine tells the [`Recorder`] each request it sends, each
//! answer, each action's end and the run's end; the recorder turns them into lines
//! (`log.rs`) in the order the schema promises. The header needs the plan's digest, so the
//! requests answered before the plan (discovery, listing, lookups) are held and follow it.

use super::{log, LogStart};
use crate::engine::{ActionOutcome, RequestId, RunReport};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::plan::{IdLookup, Plan, Step};

/// A run's log in the making.
#[derive(Debug)]
pub(crate) struct Recorder {
    start: LogStart,
    /// What kind of run (`sync`, `targeted`, `undo`) in which mode (`planAndApply`...).
    run: &'static str,
    mode: &'static str,
    policy_digest: String,
    header_written: bool,
    /// Lines owed before the header is.
    held: Vec<String>,
    /// The method and path of each request in flight.
    in_flight: Vec<(RequestId, Method, String)>,
}

/// What the engine knows of an answered request's job.
pub(crate) struct Answered<'a> {
    pub(crate) id: RequestId,
    pub(crate) now_ms: u64,
    /// The plan actions it writes for (none for a read).
    pub(crate) actions: Vec<usize>,
    pub(crate) subject: Option<&'a str>,
    /// Which sending of the request this was (1 for the first).
    pub(crate) attempt: u32,
}

impl Recorder {
    pub(crate) fn new(
        start: LogStart,
        run: &'static str,
        mode: &'static str,
        policy_digest: String,
    ) -> Recorder {
        Recorder {
            start,
            run,
            mode,
            policy_digest,
            header_written: false,
            held: Vec::new(),
            in_flight: Vec::new(),
        }
    }

    /// Request `id` went out.
    pub(crate) fn sent(&mut self, id: RequestId, request: &HttpRequest) {
        self.in_flight
            .push((id, request.method, request.path.clone()));
    }

    /// The answer (or transport failure `Err(reason)`) of a request: its line, when the
    /// header is out, else held.
    pub(crate) fn answered(
        &mut self,
        job: Answered<'_>,
        answer: Result<&HttpResponse, &str>,
    ) -> Vec<String> {
        let Some(i) = self.in_flight.iter().position(|(id, ..)| *id == job.id) else {
            return Vec::new();
        };
        let (_, method, path) = self.in_flight.swap_remove(i);
        let (status, scim_type, detail) = match answer {
            Ok(r) if r.status >= 400 => {
                let e = crate::response::server_error(r, job.now_ms);
                (Some(r.status), e.scim_type, e.detail.or(e.body_excerpt))
            }
            Ok(r) => (Some(r.status), None, None),
            Err(reason) => (None, None, Some(reason.to_owned())),
        };
        let line = log::Line::new("request", job.now_ms)
            .raw("actions", &indexes(&job.actions))
            .texts(&[
                ("subject", job.subject),
                ("method", Some(method.as_str())),
                ("path", Some(&path)),
            ])
            .num("status", status.map(u64::from))
            .texts(&[
                ("scimType", scim_type.as_deref()),
                ("detail", detail.as_deref()),
            ])
            .num("attempt", Some(u64::from(job.attempt)))
            .end();
        if self.header_written {
            vec![line]
        } else {
            self.held.push(line);
            Vec::new()
        }
    }

    /// The header (with `plan`'s digest when there is one), then the lines held for it.
    pub(crate) fn header(&mut self, profile: &str, plan: Option<&Plan>) -> Vec<String> {
        if self.header_written {
            return Vec::new();
        }
        self.header_written = true;
        let mut lines = vec![log::header(
            &self.start,
            profile,
            self.run,
            self.mode,
            &self.policy_digest,
            plan,
        )];
        lines.append(&mut self.held);
        lines
    }

    /// An action ended.
    pub(crate) fn action(
        &mut self,
        now_ms: u64,
        step: &Step,
        outcome: &ActionOutcome,
        ids: &dyn IdLookup,
    ) -> String {
        log::action(now_ms, step, outcome, ids)
    }

    /// The run ended: the header if still owed, the held lines, and the footer.
    pub(crate) fn footer(&mut self, now_ms: u64, profile: &str, report: &RunReport) -> Vec<String> {
        let mut lines = self.header(profile, report.plan.as_ref());
        lines.push(log::footer(now_ms, report));
        lines
    }
}

/// `[1,2]`: action indexes as JSON.
fn indexes(actions: &[usize]) -> String {
    let mut out = String::from("[");
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&a.to_string());
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;

    const SECRET: &str = "s3cr3t-T0KEN-value";

    fn request() -> HttpRequest {
        HttpRequest {
            method: Method::Patch,
            path: "/scim/v2/Users/u1".into(),
            headers: vec![("Authorization".into(), format!("Bearer {SECRET}"))],
            body: Some(format!(r#"{{"title":"Bearer {SECRET}"}}"#)),
        }
    }

    fn job(id: u64) -> Answered<'static> {
        Answered {
            id: RequestId(id),
            now_ms: 1_000,
            actions: vec![2, 5],
            subject: Some("ana@example.com"),
            attempt: 2,
        }
    }

    #[test]
    fn requests_are_held_until_the_header_and_never_carry_headers_bodies_or_credentials() {
        let start = LogStart::new("r1", 0, format!("https://u:{SECRET}@h/scim/v2"));
        let mut r = Recorder::new(start, "sync", "planAndApply", "d".into());
        r.sent(RequestId(1), &request());
        let echo = format!(
            r#"{{"status":"400","scimType":"invalidValue","detail":"Authorization: Bearer {SECRET}"}}"#
        );
        let answer = HttpResponse::new(400, echo);
        assert!(
            r.answered(job(1), Ok(&answer)).is_empty(),
            "held for the header"
        );
        r.sent(RequestId(2), &request());
        let lines = r.header("generic", None);
        assert_eq!(lines.len(), 2);
        let failed = r.answered(job(2), Err(&format!("reset (Bearer {SECRET})")));
        let text = [lines, failed].concat().join("\n");
        assert!(!text.contains(SECRET), "{text}");
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records[0]["type"], "header");
        assert_eq!(records[0]["server"], "https://h/scim/v2");
        let (answered, lost) = (&records[1], &records[2]);
        assert_eq!(answered["type"], "request");
        assert_eq!(answered["schemaVersion"], 1);
        assert_eq!(answered["actions"], serde_json::json!([2, 5]));
        assert_eq!(answered["method"], "PATCH");
        assert_eq!(answered["path"], "/scim/v2/Users/u1");
        assert_eq!(answered["status"], 400);
        assert_eq!(answered["scimType"], "invalidValue");
        assert_eq!(answered["attempt"], 2);
        assert!(answered.get("headers").is_none() && answered.get("body").is_none());
        assert_eq!(lost["status"], serde_json::Value::Null);
        assert!(lost["detail"].as_str().unwrap().contains("[redacted]"));
        // An answer to no request sent is not logged.
        assert!(r.answered(job(9), Ok(&answer)).is_empty());
    }
}
