//! Apply through SCIM Bulk (RFC 7644 §3.7), when the profile allows it
//! ([`Profile::bulk_limits`](crate::profile::Profile::bulk_limits)) and the listing is
//! complete: the plan's actions go in plan order (which is apply-phase order) as batches
//! made by [`next_batch`], one batch at a time, each made once nothing else is queued or in
//! flight, so a batch is built with every id learnt before it and the server applies the
//! plan in order. Each operation's outcome is read onto its action through the same
//! [`disposition`] a single request's answer goes through: a failed operation fails only its
//! action, a 409 on a create is looked up and adopted, a 404 is drift or a re-creation.
//!
//! A batch with no answer, an unreadable answer or a 5xx leaves every operation's outcome
//! unknown (as does an operation its answer does not mention): each create is looked up
//! before it is sent again (exactly once), anything else is sent again as a single
//! request after its backoff, so a retry carries only the operations whose outcome is
//! unknown. A 429 sends the whole batch again after its wait; any other error for the whole
//! request (a 413, a 400) means nothing was applied: its actions go as single requests.
//!
//! An action that cannot go in a batch goes alone, as without Bulk: one larger than
//! `maxPayloadSize`, one that cannot be written as an operation, and one waiting for an id
//! when nothing is in flight (its dependency's create failed: it goes without the missing
//! members, or is skipped).

use super::state::State;
use super::{Engine, Job, Task};
use crate::engine::disposition::{disposition, Answer, Attempts, Write};
use crate::engine::scheduler::Retry;
use crate::http::{HttpRequest, HttpResponse};
use crate::model::BulkRequest;
use crate::plan::{next_batch, Action};
use crate::request::{bulk_request, BULK_ID_PREFIX};
use crate::response::{decode_bulk, BulkOutcome, Decoded};

/// A Bulk request in flight: the plan actions of its operations, in order, and the
/// request as sent (its answer is read onto its operations).
#[derive(Debug, Clone)]
pub(super) struct Sent {
    pub(super) actions: Vec<usize>,
    pub(super) request: HttpRequest,
    pub(super) body: BulkRequest,
}

impl Engine {
    /// Whether apply goes through Bulk: the profile allows it and the listing is complete
    /// (from an incomplete listing every create is looked up first, one by one).
    pub(super) fn applies_in_bulk(&self) -> bool {
        self.encoder.profile().bulk_limits().is_some() && self.actual.complete
    }

    /// Queues the next batch of the plan (nothing is queued or in flight); once every
    /// action has gone, ends the run.
    pub(super) fn next_bulk(&mut self) {
        let (Some(limits), State::Applying(a)) =
            (self.encoder.profile().bulk_limits(), &self.state)
        else {
            return;
        };
        let from = a.bulk_next;
        let steps = a.steps();
        if from >= steps.len() {
            self.finish_apply();
            return;
        }
        let pending: Vec<(usize, &Action)> =
            (from..steps.len()).map(|i| (i, &steps[i].action)).collect();
        let batch = next_batch(&pending, &self.encoder, &a.ids, limits);
        // A batch is a prefix of what is pending.
        let actions: Vec<usize> = (from..from + batch.actions.len()).collect();
        let fail_on_errors = Some(batch.fail_on_errors);
        let request = (!actions.is_empty())
            .then(|| {
                self.encoder
                    .bulk(batch.operations.clone(), fail_on_errors)
                    .ok()
            })
            .flatten();
        let next = from + actions.len().max(1);
        if let State::Applying(a) = &mut self.state {
            a.bulk_next = next;
        }
        match request {
            Some(request) => {
                let body = bulk_request(batch.operations, fail_on_errors);
                let sent = Sent {
                    actions,
                    request,
                    body,
                };
                self.push(Task::Batch(Box::new(sent)), 0);
            }
            // Too large, unencodable, or waiting with nothing in flight: alone, as without
            // Bulk.
            None if actions.is_empty() => self.push(Task::Action { index: from }, 0),
            None => actions
                .into_iter()
                .for_each(|index| self.push(Task::Action { index }, 0)),
        }
    }

    /// The answer to a Bulk request (`Err`: none came), read onto each operation's action.
    pub(super) fn on_batch(&mut self, job: Job, answer: Result<HttpResponse, String>, now_ms: u64) {
        let Task::Batch(sent) = &job.task else {
            return;
        };
        let actions = sent.actions.clone();
        let count = sent.actions.len();
        let unknown = |reason: String| vec![Answer::Lost(reason); count];
        let answers = match answer {
            Err(reason) => unknown(reason),
            Ok(response) => match decode_bulk(&sent.body, &response, &self.options()) {
                Err(e) => unknown(format!("the Bulk answer could not be read: {e}")),
                Ok(Decoded::Resource(read)) => read.outcomes.into_iter().map(answer_of).collect(),
                Ok(Decoded::Error(e)) if matches!(e.http_status, 401 | 403) => {
                    return self.fatal(e);
                }
                Ok(Decoded::Error(e)) if e.http_status == 429 => {
                    let after_ms = e
                        .retry_after_ms
                        .unwrap_or(self.encoder.profile().retry_after_default_ms);
                    let why = Retry::RateLimited { after_ms };
                    if let Some(job) = self.sched.retry(job, why, now_ms) {
                        self.give_up(job, &e.to_string());
                    }
                    return;
                }
                // The server may have applied any part of it.
                Ok(Decoded::Error(e)) if e.is_retryable() => vec![Answer::Server(e); count],
                Ok(Decoded::Error(e)) => {
                    self.warn(format!(
                        "the server refused a Bulk request of {count} operation(s) ({e}); sending them one by one"
                    ));
                    for index in actions {
                        self.push(Task::Action { index }, 0);
                    }
                    return;
                }
                Ok(_) => unknown("the Bulk answer is not a BulkResponse".into()),
            },
        };
        let refused = refused_for_a_failed_reference(&sent.body, &actions, &answers);
        for ((index, answer), alone) in actions.into_iter().zip(answers).zip(refused) {
            if alone {
                // Its members (or path) named a create that failed in the batch: alone, it
                // goes without them, as without Bulk.
                self.push(Task::Action { index }, 0);
                continue;
            }
            // Each operation goes on as its action's own write, with the batch's attempts.
            let op = Job {
                task: Task::Action { index },
                attempt: job.attempt,
                rate_limited: job.rate_limited,
                sent: job.sent,
                not_before: 0,
            };
            let attempts = Attempts {
                attempt: op.attempt,
                rate_limited: op.rate_limited,
                sent: op.sent,
                limits: self.sched.limits(),
            };
            let write = Write::Planned(self.action(index));
            let decided = disposition(write, answer, self.encoder.profile(), &attempts);
            self.execute(op, index, decided, now_ms);
        }
    }
}

/// Which operations of `body` (of plan actions `actions`, answered `answers`) the server
/// refused (a 4xx other than 429: nothing applied) while they name, by `bulkId`, a create
/// in the same request that did not succeed: the server could not resolve the reference
/// (RFC 7644 §3.7.2), so the refusal says nothing of the operation itself.
fn refused_for_a_failed_reference(
    body: &BulkRequest,
    actions: &[usize],
    answers: &[Answer],
) -> Vec<bool> {
    let failed: Vec<String> = actions
        .iter()
        .zip(answers)
        .filter(|(_, a)| !matches!(a, Answer::Resource(_)))
        .map(|(index, _)| format!("{BULK_ID_PREFIX}a{index}\""))
        .collect();
    if failed.is_empty() {
        return vec![false; answers.len()];
    }
    body.operations
        .iter()
        .zip(answers)
        .map(|(op, answer)| {
            let refused = matches!(answer, Answer::Server(e)
                if (400..500).contains(&e.http_status) && e.http_status != 429);
            refused
                && serde_json::to_string(op)
                    .is_ok_and(|text| failed.iter().any(|r| text.contains(r.as_str())))
        })
        .collect()
}

/// One operation's outcome as the answer a single request would have had.
fn answer_of(outcome: BulkOutcome) -> Answer {
    match outcome {
        BulkOutcome::Done { id, .. } => Answer::Resource(id),
        BulkOutcome::Failed(e) => Answer::Server(e),
        _ => Answer::Lost("the Bulk answer does not mention the operation".into()),
    }
}
