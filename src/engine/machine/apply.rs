//! The engine's side of writes: reading a write's answer, asking [`disposition`] what it
//! means, and carrying that out (record the outcome, retry, look up, create a vanished user
//! again, fail the run). No decision about an answer is made here.

use super::{Engine, Job, Task, Then};
use crate::engine::disposition::{disposition, Answer, Attempts, Disposition, Write};
use crate::engine::outcome::{ActionError, ActionOutcome, ActionResult, Event, Phase};
use crate::http::HttpResponse;
use crate::model::{Group, User};
use crate::plan::{group_key, user_key, Action};
use crate::response::{DecodeError, Decoded, Expect, ServerError};

impl Engine {
    /// An answer (or a transport failure: `Err`) to a write: a plan action or a follow-up.
    pub(super) fn on_write(&mut self, job: Job, answer: Result<HttpResponse, String>, now_ms: u64) {
        let index = match &job.task {
            Task::Action { index } | Task::FollowUp { index, .. } => *index,
            _ => return,
        };
        let answer = match answer {
            Ok(response) => self.read_write_answer(&job.task, index, &response),
            Err(reason) => Answer::Lost(reason),
        };
        let attempts = Attempts {
            attempt: job.attempt,
            rate_limited: job.rate_limited,
            sent: job.sent,
            limits: self.sched.limits(),
        };
        let action = &self.steps[index].action;
        let write = match &job.task {
            Task::FollowUp {
                then: Then::Adopted { id, lookup_error },
                ..
            } => Write::AdoptedUpdate {
                id,
                lookup_error: lookup_error.as_deref(),
            },
            Task::FollowUp { .. } => Write::Recreate(action),
            _ => Write::Planned(action),
        };
        let decided = disposition(write, answer, self.encoder.profile(), &attempts);
        self.execute(job, index, decided, now_ms);
    }

    /// Decodes a write's answer as the write expects it.
    fn read_write_answer(&mut self, task: &Task, index: usize, response: &HttpResponse) -> Answer {
        let (expect, user) = match task {
            Task::FollowUp { expect, .. } => (*expect, true),
            _ => {
                let action = &self.steps[index].action;
                (action.expect(), is_user_action(action))
            }
        };
        let decoded = if user {
            self.decode::<User>(expect, response)
                .map(|d| split(d, |u| u.id))
        } else {
            self.decode::<Group>(expect, response)
                .map(|d| split(d, |g| g.id))
        };
        match decoded {
            Ok((_, Some(e))) => Answer::Server(e),
            Ok((id, None)) => Answer::Resource(id),
            Err(e) => undecodable(&e, response),
        }
    }

    /// Carries out what an answer means for write `job` of action `index`.
    fn execute(&mut self, job: Job, index: usize, decided: Disposition, now_ms: u64) {
        match decided {
            Disposition::Done {
                result,
                id,
                warning,
            } => {
                if let Some(message) = warning {
                    self.warn(message);
                }
                if let Some(id) = id {
                    self.learn_id(index, id);
                }
                self.resolve(index, result);
            }
            Disposition::Retry(why) => {
                // The disposition retries only within the bounds: nothing comes back.
                if let Some(job) = self.sched.retry(job, why, now_ms) {
                    self.give_up(job, "no attempt left");
                }
            }
            Disposition::LookUp { why, resend } => {
                self.look_up(index, why, resend.then_some(job));
            }
            Disposition::Recreate(e) => {
                let user_name = self.steps[index].action.subject().to_owned();
                self.recreate(index, &user_name, &e);
            }
            Disposition::Drift(detail) => self.resolve(index, ActionResult::Drift { detail }),
            Disposition::Fatal(e) => self.fatal(e),
            Disposition::Failed(result) => self.resolve(index, result),
        }
    }

    /// Records the id a write of action `index` created, so later actions resolve it.
    fn learn_id(&mut self, index: usize, id: String) {
        let action = &self.steps[index].action;
        let subject = action.subject();
        if is_user_action(action) {
            self.ids.users.insert(user_key(subject), id);
        } else {
            self.ids.groups.insert(group_key(subject), id);
        }
    }

    /// A user the plan updates is gone (404): create them again if the directory wants them.
    fn recreate(&mut self, index: usize, user_name: &str, e: &ServerError) {
        let key = user_key(user_name);
        let wanted = self
            .desired
            .users
            .iter()
            .find(|u| user_key(&u.user_name) == key && u.is_active())
            .cloned();
        let Some(mut user) = wanted else {
            let detail = format!("{user_name:?} is no longer on the server ({e})");
            self.resolve(index, ActionResult::Drift { detail });
            return;
        };
        user.id = None;
        match self.encoder.create_user(&user) {
            Ok(request) => self.push_front(Task::FollowUp {
                index,
                request,
                expect: Expect::Create,
                then: Then::Recreated,
            }),
            Err(err) => self.resolve(index, ActionResult::invalid(err.to_string())),
        }
    }

    /// A write whose attempts are spent, or that could not be built.
    pub(super) fn write_given_up(&mut self, index: usize, reason: &str, attempts: u32) {
        let error = ActionError::Unanswered {
            reason: reason.to_owned(),
            attempts,
        };
        self.resolve(index, ActionResult::Failed { error });
    }

    /// Records an action's outcome and tells the host.
    pub(super) fn resolve(&mut self, index: usize, result: ActionResult) {
        if self.outcomes.get(index).is_some_and(Option::is_some) {
            return;
        }
        if let Some(slot) = self.outcomes.get_mut(index) {
            *slot = Some(result.clone());
        }
        let action = &self.steps[index].action;
        let outcome = ActionOutcome {
            index,
            kind: action.kind().to_owned(),
            subject: action.subject().to_owned(),
            result,
        };
        self.events.push_back(Event::ActionDone { outcome });
        self.resolved += 1;
        let total = self.outcomes.len() as u64;
        self.progress(Phase::Apply, self.resolved, total);
    }
}

/// An answer that could not be read.
fn undecodable(error: &DecodeError, response: &HttpResponse) -> Answer {
    Answer::Undecodable {
        reason: error.to_string(),
        success: response.is_success(),
    }
}

fn is_user_action(action: &Action) -> bool {
    matches!(
        action,
        Action::CreateUser(_)
            | Action::UpdateUser(_)
            | Action::ReactivateUser(_)
            | Action::DeactivateUser(_)
            | Action::DeleteUser(_)
    )
}

/// A decoded answer as (the resource's id, the server's error).
fn split<T>(
    decoded: Decoded<T>,
    id: impl Fn(T) -> Option<String>,
) -> (Option<String>, Option<ServerError>) {
    match decoded {
        Decoded::Resource(r) => (id(r), None),
        Decoded::Error(e) => (None, Some(e)),
        _ => (None, None),
    }
}
