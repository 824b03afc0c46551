//! Apply, as the engine runs it: the apply phases one after the other, each action's
//! request, reading a write's answer, asking [`disposition`] what it means and carrying that
//! out (record the outcome, retry, look up, create a vanished user again, fail the run). No
//! decision about an answer is made here. Under Bulk, the plan goes in batches instead of
//! phase by phase (`bulk`), and each operation's outcome is carried out here the same way.

use super::state::State;
use super::{Engine, Job, Task, Then};
use crate::engine::disposition::{disposition, Answer, Attempts, Disposition, Write};
use crate::engine::kept::Kept;
use crate::engine::outcome::{ActionError, ActionResult, Event, Phase, RunStatus};
use crate::http::{HttpRequest, HttpResponse};
use crate::model::{Group, User};
use crate::plan::{
    self, user_key, Action, BuildError, CreateGroup, IdLookup, Membership, SetMembers, UserRef,
};
use crate::quoted::q;
use crate::response::{DecodeError, Decoded, Expect, ServerError};

impl Engine {
    /// Starts the actions of the current apply phase; once every phase is over, ends the
    /// run.
    pub(super) fn start_apply_phase(&mut self) {
        if self.applies_in_bulk() {
            self.next_bulk();
            return;
        }
        let State::Applying(a) = &self.state else {
            return;
        };
        let Some(indices) = a.phase_actions() else {
            self.finish_apply();
            return;
        };
        for index in indices {
            self.start_action(index);
        }
    }

    pub(super) fn finish_apply(&mut self) {
        let clean = matches!(&self.state, State::Applying(a) if a.is_clean());
        let status = if clean {
            RunStatus::Applied
        } else {
            RunStatus::PartiallyApplied
        };
        self.finish(status, None, None);
    }

    /// The request of plan action `index`, queued as job `i`: the plan's preview of it when
    /// the plan had every id it needs (made once, when the plan was), else built now with
    /// the ids learnt so far. An action that needs no request after all (its dependencies
    /// failed) is resolved and removed: `Err(())`.
    pub(super) fn action_request(&mut self, i: usize, index: usize) -> Result<HttpRequest, ()> {
        let result = match &self.steps()[index].request {
            Some(preview) => Ok(preview.to_request(&self.encoder)),
            None => self.waiting_request(index),
        };
        match result {
            Ok(r) => Ok(r),
            Err(e) => {
                self.sched.remove(i);
                let result = match e {
                    BuildError::Unresolved(what) => ActionResult::Skipped {
                        reason: format!(
                            "depends on {what}, which has no id (its create failed or was skipped)"
                        ),
                    },
                    other => ActionResult::invalid(other.to_string()),
                };
                self.resolve(index, result);
                Err(())
            }
        }
    }

    /// The request of action `index`, which waited for ids learnt during the run, built
    /// with them; members whose id never came are left out (with a warning).
    fn waiting_request(&mut self, index: usize) -> Result<HttpRequest, BuildError> {
        let action = self.action(index).clone();
        let (action, dropped) = self.drop_unresolved_members(action);
        if let Some((group, names)) = dropped {
            self.warn(format!(
                "{} member(s) of group {group} left out: {} (no id: their create failed or was skipped)",
                names.len(),
                names.join(", "), group = q(&group)));
        }
        match (action, &self.state) {
            (Some(a), State::Applying(applying)) => a.request(&self.encoder, &applying.ids),
            _ => Err(BuildError::Unresolved("any member".into())),
        }
    }

    /// Membership actions, and group creates carrying members, go ahead without members
    /// whose create failed; `None` when no member is left to add.
    #[allow(clippy::type_complexity)]
    fn drop_unresolved_members(
        &self,
        action: Action,
    ) -> (Option<Action>, Option<(String, Vec<String>)>) {
        let ids = match &self.state {
            State::Applying(a) => Some(&a.ids),
            _ => None,
        };
        let known = |r: &UserRef| {
            r.id.is_some() || ids.is_some_and(|ids| ids.user_id(&r.user_name).is_some())
        };
        let split = |members: Vec<UserRef>| -> (Vec<UserRef>, Vec<String>) {
            let (keep, drop): (Vec<UserRef>, Vec<UserRef>) = members.into_iter().partition(known);
            (keep, drop.into_iter().map(|r| r.user_name).collect())
        };
        match action {
            Action::AddMembers(m) => {
                let (members, dropped) = split(m.members);
                let name = m.group.display_name.clone();
                let action = (!members.is_empty()).then_some(Action::AddMembers(Membership {
                    group: m.group,
                    members,
                }));
                (action, (!dropped.is_empty()).then_some((name, dropped)))
            }
            Action::SetMembers(s) => {
                let (members, dropped) = split(s.members);
                let name = s.group.display_name.clone();
                let action = Action::SetMembers(SetMembers { members, ..s });
                (
                    Some(action),
                    (!dropped.is_empty()).then_some((name, dropped)),
                )
            }
            // The group is created all the same, with the members that have ids.
            Action::CreateGroup(c) => {
                let (members, dropped) = split(c.members);
                let name = c.display_name.clone();
                let action = Action::CreateGroup(CreateGroup { members, ..c });
                (
                    Some(action),
                    (!dropped.is_empty()).then_some((name, dropped)),
                )
            }
            other => (Some(other), None),
        }
    }

    /// An answer (or a transport failure: `Err`) to a write: a plan action or a follow-up.
    pub(super) fn on_write(&mut self, job: Job, answer: Result<HttpResponse, String>, now_ms: u64) {
        let index = match &job.task {
            Task::Action { index } | Task::FollowUp { index, .. } => *index,
            Task::Batch(_) => return self.on_batch(job, answer, now_ms),
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
        let action = self.action(index);
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
        // A follow-up writes the action's own subject: an adopted user's update, a vanished
        // user's re-creation, an adopted group's missing members.
        let action = self.action(index);
        let user = action.writes_user();
        let expect = match task {
            Task::FollowUp { expect, .. } => *expect,
            _ => action.expect(),
        };
        // A planned write's answer shows whether the server kept what was written.
        let planned = matches!(task, Task::Action { .. });
        let decoded = if user {
            self.decode::<User>(expect, response).map(|d| {
                if let (true, Decoded::Resource(u)) = (planned, &d) {
                    self.kept_or_warn(index, |kept, action| kept.user(action, u));
                }
                split(d, |u| u.id)
            })
        } else {
            self.decode::<Group>(expect, response).map(|d| {
                if let (true, Decoded::Resource(g)) = (planned, &d) {
                    self.kept_or_warn(index, |kept, action| {
                        kept.group(action, g).into_iter().collect()
                    });
                }
                split(d, |g| g.id)
            })
        };
        match decoded {
            Ok((_, Some(e))) => Answer::Server(e),
            Ok((id, None)) => Answer::Resource(id),
            Err(e) => undecodable(&e, response),
        }
    }

    /// Warns about what the answer to action `index` shows the server did not keep.
    fn kept_or_warn(
        &mut self,
        index: usize,
        check: impl FnOnce(&mut Kept, &Action) -> Vec<String>,
    ) {
        let State::Applying(a) = &self.state else {
            return;
        };
        let owed = check(&mut self.kept, &a.steps()[index].action);
        owed.into_iter().for_each(|w| self.warn(w));
    }

    /// Carries out what an answer means for write `job` of action `index`.
    pub(super) fn execute(&mut self, job: Job, index: usize, decided: Disposition, now_ms: u64) {
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
                let user_name = self.action(index).subject().to_owned();
                self.recreate(index, &user_name, &e);
            }
            Disposition::Drift(detail) => self.resolve(index, ActionResult::Drift { detail }),
            Disposition::Fatal(e) => self.fatal(e),
            Disposition::Failed(result) => self.resolve(index, result),
        }
    }

    /// Records the id a write of action `index` created, so later actions resolve it.
    fn learn_id(&mut self, index: usize, id: String) {
        let action = self.action(index);
        let (user, subject) = (action.writes_user(), action.subject().to_owned());
        self.learn(user, &subject, id);
    }

    /// Records the id of the user (`user`) or group `name`, so later actions resolve it.
    pub(super) fn learn(&mut self, user: bool, name: &str, id: String) {
        if let State::Applying(a) = &mut self.state {
            a.learn(user, name, id);
        }
    }

    /// A user the plan updates is gone (404): create them again if the directory wants them.
    fn recreate(&mut self, index: usize, user_name: &str, e: &ServerError) {
        let key = user_key(user_name);
        let wanted = self
            .desired
            .users
            .iter()
            .find(|u| user_key(&u.user_name) == key && u.is_active());
        let Some(wanted) = wanted else {
            let detail = format!(
                "{user_name} is no longer on the server ({e})",
                user_name = q(user_name)
            );
            self.resolve(index, ActionResult::Drift { detail });
            return;
        };
        let user = plan::create_body(wanted, self.encoder.profile());
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
        let State::Applying(a) = &mut self.state else {
            return;
        };
        let failed = matches!(result, ActionResult::Failed { .. });
        let Some(outcome) = a.record(index, result) else {
            return;
        };
        let (resolved, total) = a.progress();
        if let Some(log) = &mut self.log {
            let line = log.action(self.last_ms, &a.steps()[index], &outcome, &a.ids);
            self.events.push_back(Event::Log { line });
        }
        self.events.push_back(Event::ActionDone { outcome });
        self.progress(Phase::Apply, resolved, total);
        if let Some(cause) = self.breaker.record(&self.config.breaker, failed) {
            self.finish(RunStatus::Quarantined, Some(cause), None);
        }
    }
}

/// An answer that could not be read.
fn undecodable(error: &DecodeError, response: &HttpResponse) -> Answer {
    Answer::Undecodable {
        reason: error.to_string(),
        success: response.is_success(),
    }
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
