//! The server doctor: a sans-IO probe of a SCIM server that reports how it deviates from
//! RFC 7643/7644 and writes the [`Profile`] that matches it.
//!
//! The probe is driven exactly as the [`Engine`](crate::engine::Engine) is: call
//! [`Doctor::poll_output`] until it returns [`DoctorOutput::Wait`] or
//! [`DoctorOutput::Done`], send each [`DoctorOutput::Send`] and hand its answer back with
//! [`Doctor::handle_input`] ([`Input::Response`], or [`Input::Failed`] for a transport
//! failure). One request is in flight at a time, paced by a token bucket (the configured
//! rate, else the profile's, else 5 a second), a 429 waits its `Retry-After`, a 5xx or a
//! transport failure is tried again after a backoff, and the probes stop after
//! [`DoctorConfig::max_requests`] requests (the removal of what the probe made is not
//! counted: it always goes).
//!
//! Read only by default: the discovery endpoints, a listing page larger than the advertised
//! cap, the same page twice, `startIndex=2`, an RFC 9865 cursor, `eq` filters, a filter with
//! an escaped `"` and one with an escaped `\` (values no resource has), unknown ids. With
//! [`DoctorConfig::write`] it also creates three throwaway users and a group (names with a
//! suffix drawn from the seed), probes writes on them only, and deletes them at the end,
//! saying in the `cleanup` finding what it could not remove. It never writes to a resource
//! it did not create.
//!
//! Each [`Finding`] names its [`Check`], a [`Verdict`], a value where there is one, and its
//! evidence: each request's method and path with the answer's status and a short excerpt of
//! its body, masked by [`crate::redact`]. The sequence of probes is `steps.rs`, each
//! finding's rule `rules.rs`, what the probe learns on the way `seen.rs`, and the profile
//! the findings make `profile_out.rs`, the report's types `types.rs`.
//!
//! ```
//! use scim_provision::doctor::{Doctor, DoctorConfig, DoctorOutput};
//! use scim_provision::engine::Input;
//! use scim_provision::http::HttpResponse;
//!
//! let mut doctor = Doctor::new(DoctorConfig::new("/scim/v2", false))?;
//! let mut now_ms = 0;
//! let report = loop {
//!     match doctor.poll_output(now_ms) {
//!         DoctorOutput::Send { id, .. } => {
//!             // A real host sends the request; this server knows nothing at all.
//!             let response = HttpResponse::new(404, "");
//!             doctor.handle_input(Input::Response { id, response }, now_ms)?;
//!         }
//!         DoctorOutput::Wait { until_ms } => now_ms = until_ms.unwrap_or(now_ms + 1),
//!         DoctorOutput::Done { report } => break *report,
//!         _ => {}
//!     }
//! };
//! assert!(!report.profile.discovery);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod profile_out;
mod rules;
mod seen;
mod steps;
mod types;

use std::collections::VecDeque;

use serde_json::Value;

use crate::engine::pacing::{backoff_ms, Jitter, TokenBucket};
use crate::engine::{EngineError, Input, RequestId};
use crate::http::{HttpRequest, HttpResponse};
use crate::profile::Profile;
use crate::request::RequestEncoder;

use rules::Outcome;
use seen::Seen;
use steps::Step;
pub use types::{Check, DoctorConfig, DoctorOutput, DoctorReport, Evidence, Finding, Verdict};

/// The request in flight and its attempts.
#[derive(Debug)]
struct Pending {
    step: Step,
    request: HttpRequest,
    id: Option<RequestId>,
    attempt: u32,
    rate_limited: u32,
}

/// The probe. See the module docs.
#[derive(Debug)]
pub struct Doctor {
    base_path: String,
    encoder: RequestEncoder,
    base: Profile,
    write: bool,
    max_requests: u32,
    max_attempts: u32,
    steps: VecDeque<Step>,
    pending: Option<Pending>,
    seen: Seen,
    findings: Vec<Finding>,
    bucket: TokenBucket,
    jitter: Jitter,
    not_before: u64,
    next_id: u64,
    sent: u32,
    stopped: bool,
    report: Option<Box<DoctorReport>>,
}

impl Doctor {
    /// A probe as `config` says.
    ///
    /// # Errors
    ///
    /// [`EngineError::Encode`] for a base path that is not one.
    pub fn new(config: DoctorConfig) -> Result<Doctor, EngineError> {
        let encoder = RequestEncoder::new(&config.base_path, config.profile.clone())?;
        let rate = config
            .requests_per_second
            .or(config.profile.rate_limit.map(|r| r.requests_per_second));
        let mut jitter = Jitter::new(config.seed);
        let bits = jitter.below(1 << 32);
        let mut suffix = String::new();
        for shift in (0..8).rev() {
            suffix.push(char::from(
                b"0123456789abcdef"[(bits >> (4 * shift)) as usize & 15],
            ));
        }
        Ok(Doctor {
            base_path: config.base_path.trim_end_matches('/').to_owned(),
            encoder,
            write: config.write,
            max_requests: config.max_requests,
            max_attempts: config.max_attempts.max(1),
            steps: steps::sequence(config.write).into(),
            pending: None,
            seen: Seen::new(suffix),
            findings: Vec::new(),
            bucket: TokenBucket::new(Some(rate.unwrap_or(5.0)), 1, 0),
            jitter,
            not_before: 0,
            next_id: 0,
            sent: 0,
            stopped: false,
            report: None,
            base: config.profile,
        })
    }

    /// The next thing to do. See the module docs for the loop.
    pub fn poll_output(&mut self, now_ms: u64) -> DoctorOutput {
        loop {
            if let Some(report) = &self.report {
                return DoctorOutput::Done {
                    report: report.clone(),
                };
            }
            if let Some(p) = &self.pending {
                if p.id.is_some() {
                    return DoctorOutput::Wait { until_ms: None };
                }
                if now_ms < self.not_before {
                    return DoctorOutput::Wait {
                        until_ms: Some(self.not_before),
                    };
                }
                if let Err(at) = self.bucket.take(now_ms) {
                    return DoctorOutput::Wait { until_ms: Some(at) };
                }
                let id = RequestId(self.next_id);
                self.next_id += 1;
                self.sent += 1;
                let p = self.pending.as_mut().expect("checked above");
                p.id = Some(id);
                return DoctorOutput::Send {
                    id,
                    request: p.request.clone(),
                };
            }
            self.next_step();
        }
    }

    /// Takes the next step's request, or finishes.
    fn next_step(&mut self) {
        let Some(step) = self.steps.pop_front() else {
            self.finish();
            return;
        };
        if !step.is_cleanup() && self.sent >= self.max_requests {
            self.stop();
            return;
        }
        match steps::request(step, &self.base_path, &self.seen) {
            Some((method, path, body)) => {
                let request = self.encoder.envelope(method, path, body);
                self.pending = Some(Pending {
                    step,
                    request,
                    id: None,
                    attempt: 0,
                    rate_limited: 0,
                })
            }
            None => {
                if let Some(check) = rules::skipped(step) {
                    rules::push(
                        &mut self.findings,
                        check,
                        Verdict::Unknown,
                        Value::Null,
                        Vec::new(),
                    );
                }
            }
        }
    }

    /// Hands over the answer to the request in flight, or its transport failure.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownRequest`] for an id that is not in flight;
    /// [`EngineError::NotReviewing`] for an approval or a decline (the doctor asks none).
    pub fn handle_input(&mut self, input: Input, now_ms: u64) -> Result<(), EngineError> {
        let (id, response) = match input {
            Input::Response { id, response } => (id, Ok(response)),
            Input::Failed { id, reason } => (id, Err(reason)),
            _ => return Err(EngineError::NotReviewing),
        };
        if self.pending.as_ref().and_then(|p| p.id) != Some(id) {
            return Err(EngineError::UnknownRequest(id));
        }
        let Some(mut p) = self.pending.take() else {
            return Err(EngineError::UnknownRequest(id));
        };
        p.id = None;
        if let Ok(r) = &response {
            self.seen.note_headers(r);
        }
        if let Some(wait) = self.retry(&mut p, &response, now_ms) {
            self.not_before = now_ms.saturating_add(wait);
            self.pending = Some(p);
            return Ok(());
        }
        let evidence = evidence(&p.request, &response);
        let response = response.ok();
        if matches!(response.as_ref().map(|r| r.status), Some(401 | 403)) {
            // A discovery endpoint may answer without credentials (RFC 7644 §4): a refusal
            // anywhere is the finding.
            if let Some(i) = self.findings.iter().position(|f| f.check == Check::Auth) {
                self.findings.remove(i);
            }
            let status = Value::from(evidence.status);
            rules::push(
                &mut self.findings,
                Check::Auth,
                Verdict::Failed,
                status,
                vec![evidence],
            );
            self.stop();
            return Ok(());
        }
        if let Some(r) = &response {
            self.note(p.step, r, &evidence);
        }
        match rules::read(p.step, response.as_ref(), &mut self.seen) {
            Outcome::Found(check, verdict, value) => {
                let mut all: Vec<Evidence> = self.seen.carry.take().into_iter().collect();
                all.push(evidence);
                rules::push(&mut self.findings, check, verdict, value, all);
            }
            Outcome::Carry => match p.step {
                Step::OpCase(_) => self.seen.op_evidence.push(evidence),
                Step::Cleanup => self.seen.cleanup_evidence.push(evidence),
                _ => self.seen.carry = Some(evidence),
            },
            Outcome::Nothing => {}
        }
        if p.step.is_cleanup() && !self.seen.to_remove.is_empty() {
            self.steps.push_front(Step::Cleanup);
        }
        Ok(())
    }

    /// What every answer tells: the credentials work (a success beyond discovery, which may
    /// answer without them), how error bodies write
    /// `status` (the first that has one).
    fn note(&mut self, step: Step, r: &HttpResponse, evidence: &Evidence) {
        self.seen.answered = true;
        let discovery = matches!(step, Step::Spc | Step::Schemas | Step::ResourceTypes);
        if r.is_success() && !discovery && self.findings.iter().all(|f| f.check != Check::Auth) {
            let e = vec![evidence.clone()];
            rules::push(&mut self.findings, Check::Auth, Verdict::Ok, Value::Null, e);
        }
        if r.status >= 400 && self.seen.status_number.is_none() {
            let number = match seen::body(r)
                .as_ref()
                .and_then(|b| seen::field(b, "status"))
            {
                Some(Value::Number(_)) => true,
                Some(Value::String(_)) => false,
                _ => return,
            };
            self.seen.status_number = Some((number, evidence.clone()));
        }
    }

    /// How long to wait before sending `p` again, if it is to be sent again.
    fn retry(
        &mut self,
        p: &mut Pending,
        response: &Result<HttpResponse, String>,
        now_ms: u64,
    ) -> Option<u64> {
        match response {
            Ok(r) if r.status == 429 && p.rate_limited < self.max_attempts + 5 => {
                p.rate_limited += 1;
                Some(
                    r.header("retry-after")
                        .and_then(|v| crate::response::parse_retry_after(v, now_ms))
                        .unwrap_or(self.base.retry_after_default_ms),
                )
            }
            // 501 is an answer (a feature the server lacks), not a failure to try again.
            Ok(r) if !matches!(r.status, 500 | 502..=504) => None,
            _ if p.attempt + 1 < self.max_attempts => {
                p.attempt += 1;
                Some(backoff_ms(500, 10_000, p.attempt, &mut self.jitter))
            }
            _ => None,
        }
    }

    /// Stops probing: only the removal of what was made is left.
    fn stop(&mut self) {
        self.stopped = true;
        self.steps.clear();
        if !self.seen.to_remove.is_empty() {
            self.steps.push_back(Step::Cleanup);
        }
    }

    /// Stops the probe: no further probe is sent, the throwaway resources are still removed
    /// (a second call skips that too), and the report says it stopped.
    pub fn abort(&mut self) {
        if self.stopped {
            self.steps.clear();
            self.seen.abandon();
        } else {
            self.stop();
        }
    }

    fn finish(&mut self) {
        let found = std::mem::take(&mut self.findings);
        let findings = rules::finish(&mut self.seen, self.write, found);
        let profile = profile_out::written(&self.base, &findings);
        self.report = Some(Box::new(DoctorReport {
            findings,
            profile,
            requests: self.sent,
            write: self.write,
            stopped: self.stopped,
        }));
    }
}

/// The evidence of one exchange: masked, and short.
fn evidence(request: &HttpRequest, response: &Result<HttpResponse, String>) -> Evidence {
    let (status, text) = match response {
        Ok(r) => (Some(r.status), r.body.as_str()),
        Err(reason) => (None, reason.as_str()),
    };
    Evidence {
        method: request.method,
        path: crate::redact::masked(&request.path),
        status,
        excerpt: excerpt(&crate::redact::mask_credentials(text)),
    }
}

/// The first 120 characters of `text` on one line: control characters (line breaks,
/// terminal escapes) become spaces, so an excerpt can neither break a table nor a terminal.
fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (n, c) in text.trim().chars().enumerate() {
        if n == 120 {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests;
