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
    pub(crate) run: &'static str,
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
            .raw(
                "actions",
                &serde_json::to_string(&job.actions).unwrap_or_default(),
            )
            .text("subject", job.subject)
            .text("method", Some(method.as_str()))
            .text("path", Some(&path))
            .num("status", status.map(u64::from))
            .text("scimType", scim_type.as_deref())
            .text("detail", detail.as_deref())
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
