//! The engine's side of exactly-once creates: when a create is looked up instead of sent
//! (again), sending the lookup's queries, retrying them like any request, and carrying out
//! its verdict: adopt what it found (updating a user where it differs), fail on an
//! ambiguous match, create when the subject is absent. What an answer means to the lookup
//! is decided in `engine::lookup`, what its verdict means for the create in
//! `engine::disposition` (`settlement`).

use super::super::lookup::{Answer, Found, Lookup, Verdict, Why};
use super::state::State;
use super::{Engine, Job, Task, Then};
use crate::engine::disposition::{settlement, Attempts, Settlement};
use crate::engine::outcome::ActionResult;
use crate::engine::scheduler::Retry;
use crate::http::HttpResponse;
use crate::model::{Group, User};
use crate::plan::{
    self, user_key, Action, CreateGroup, GroupRef, IdLookup, Membership, NoIds, SetMembers, UserRef,
};
use crate::quoted::q;
use crate::response::ServerError;

impl Engine {
    /// Queues plan action `index`: a create from an incomplete listing is looked up first
    /// (the listing cannot prove its subject absent), anything else goes as planned.
    pub(super) fn start_action(&mut self, index: usize) {
        if !self.actual.complete {
            let action = self.action(index);
            if let Some(lookup) = Lookup::new(action, Why::Unproven, self.encoder.profile()) {
                let lookup = lookup.capped(self.config.max_listed_resources);
                self.push(
                    Task::Find {
                        index,
                        lookup: Box::new(lookup),
                        create: None,
                    },
                    0,
                );
                return;
            }
        }
        self.push(Task::Action { index }, 0);
    }

    /// The lookup of action `index`'s subject: a create's, or for an update that found its
    /// user gone, the directory's user it creates again.
    fn lookup_for(&self, index: usize, why: Why) -> Option<Lookup> {
        let action = self.action(index);
        let profile = self.encoder.profile();
        let max = self.config.max_listed_resources;
        let lookup = match action {
            Action::UpdateUser(_) | Action::ReactivateUser(_) => {
                let key = user_key(action.subject());
                let user = self
                    .desired
                    .users
                    .iter()
                    .find(|u| user_key(&u.user_name) == key)?;
                Some(Lookup::for_user(user, why, profile))
            }
            _ => Lookup::new(action, why, profile),
        };
        lookup.map(|l| l.capped(max))
    }

    /// Starts the lookup of action `index`'s subject (`create`: the create's job, to send
    /// again if the subject is absent).
    pub(super) fn look_up(&mut self, index: usize, why: Why, create: Option<Job>) {
        match self.lookup_for(index, why) {
            Some(lookup) => self.push_front(Task::Find {
                index,
                lookup: Box::new(lookup),
                create: create.map(Box::new),
            }),
            // Only creates are looked up; anything else resolves as it stood.
            None => self.resolve(index, ActionResult::invalid("not a create")),
        }
    }

    /// An answer to a lookup query.
    pub(super) fn on_find(&mut self, job: Job, response: HttpResponse, now_ms: u64) {
        let Task::Find {
            index,
            mut lookup,
            create,
        } = job.task.clone()
        else {
            return;
        };
        let answer = lookup.answer(&response, &self.options());
        self.find_answer(job, index, lookup, create, answer, now_ms);
    }

    /// A lookup query whose attempts are spent, or that could not be built.
    pub(super) fn find_given_up(&mut self, job: Job, reason: &str) {
        if let Task::Find {
            index,
            mut lookup,
            create,
        } = job.task
        {
            let next = lookup.give_up(None, reason);
            self.find_next(index, lookup, create, next, self.last_ms);
        }
    }

    fn find_answer(
        &mut self,
        job: Job,
        index: usize,
        mut lookup: Box<Lookup>,
        create: Option<Box<Job>>,
        answer: Answer,
        now_ms: u64,
    ) {
        let next = match answer {
            Answer::Refused(e) => {
                if self.is_fatal(&e) {
                    return;
                }
                // `job` still holds the lookup as it was before this answer: a retry asks
                // the same query again. `Some` means no retry is left (or none applies).
                if self.retry_server_error(job, &e, now_ms).is_none() {
                    return;
                }
                let reason = e.to_string();
                lookup.give_up(Some(e), &reason)
            }
            Answer::Undecodable(e) => {
                if self.sched.retry(job, Retry::Backoff, now_ms).is_none() {
                    return;
                }
                lookup.give_up(None, &e.to_string())
            }
            other => other,
        };
        self.find_next(index, lookup, create, next, now_ms);
    }

    /// Goes on with a lookup that asks again or has settled.
    fn find_next(
        &mut self,
        index: usize,
        lookup: Box<Lookup>,
        create: Option<Box<Job>>,
        next: Answer,
        now_ms: u64,
    ) {
        match next {
            Answer::Settled(verdict) => self.settle(index, *lookup, create, verdict, now_ms),
            // `give_up` only asks again or settles: anything else asks again too.
            _ => self.push_front(Task::Find {
                index,
                lookup,
                create,
            }),
        }
    }

    /// Carries out what a lookup's verdict means for its create (see `settlement`).
    fn settle(
        &mut self,
        index: usize,
        lookup: Lookup,
        create: Option<Box<Job>>,
        verdict: Verdict,
        now_ms: u64,
    ) {
        let attempts = create.as_deref().map(|job| Attempts {
            attempt: job.attempt,
            rate_limited: job.rate_limited,
            sent: job.sent,
            limits: self.sched.limits(),
        });
        match settlement(&lookup, verdict, attempts.as_ref()) {
            Settlement::Adopt(found, lookup_error) => self.adopt(index, found, lookup_error),
            Settlement::Resend => {
                if let Some(job) = create {
                    // Within its bounds (the settlement saw to it): nothing comes back.
                    if let Some(job) = self.sched.retry(*job, Retry::Backoff, now_ms) {
                        self.give_up(job, "no attempt left");
                    }
                }
            }
            Settlement::Create => self.push_front(Task::Action { index }),
            Settlement::Failed(result) => self.resolve(index, result),
        }
    }

    /// Adopts what a lookup found: its id is recorded so later actions resolve it.
    fn adopt(&mut self, index: usize, found: Found, lookup_error: Option<Box<ServerError>>) {
        let id = found.id().to_owned();
        match (self.action(index).clone(), found) {
            (Action::CreateUser(c), Found::User(existing)) => {
                self.adopt_user(index, &c.user, id, &existing, lookup_error);
            }
            (Action::UpdateUser(_) | Action::ReactivateUser(_), Found::User(_)) => {
                let subject = self.action(index).subject().to_owned();
                self.learn(true, &subject, id.clone());
                let detail = format!(
                    "{subject} was gone from the server (404) and is there again as {id} (found by a lookup, not created twice)", subject = q(&subject));
                self.resolve(index, ActionResult::Drift { detail });
            }
            (Action::CreateGroup(c), Found::Group(existing)) => {
                self.adopt_group(index, &c, id, &existing, lookup_error);
            }
            _ => self.resolve(
                index,
                ActionResult::invalid("the lookup found another kind"),
            ),
        }
    }

    /// Adopts an existing group; the members its create carried and the group lacks are
    /// added (a create whose answer was lost may have been another client's group, or lost
    /// its members since): a PATCH `add` of them, or without PATCH a PUT of the group's
    /// members with them.
    fn adopt_group(
        &mut self,
        index: usize,
        create: &CreateGroup,
        id: String,
        existing: &Group,
        lookup_error: Option<Box<ServerError>>,
    ) {
        self.learn(false, &create.display_name, id.clone());
        let State::Applying(applying) = &self.state else {
            return;
        };
        let missing = missing_members(&create.members, existing, &applying.ids);
        if missing.is_empty() {
            self.adopted(index, id, lookup_error, None);
            return;
        }
        let group = GroupRef {
            display_name: existing.display_name.clone(),
            id: Some(id.clone()),
        };
        let update = if self.encoder.profile().patch.supported {
            Action::AddMembers(Membership {
                group,
                members: missing,
            })
        } else {
            let existing = existing.members.as_deref().unwrap_or_default();
            SetMembers::of(group, existing, missing, Vec::new())
        };
        self.adopted(index, id, lookup_error, Some(update));
    }

    /// Adopts an existing user, updating what differs from the directory (as the planner
    /// would have, had the listing shown the user: [`plan::user_update`]).
    fn adopt_user(
        &mut self,
        index: usize,
        wanted: &User,
        id: String,
        existing: &User,
        lookup_error: Option<Box<ServerError>>,
    ) {
        self.learn(true, &wanted.user_name, id.clone());
        let patch = self.encoder.profile().patch.supported;
        let update = plan::user_update(wanted, existing, patch);
        self.adopted(index, id, lookup_error, update);
    }

    /// Action `index` adopted `id`: done when nothing differs (`update` is `None`), else
    /// once `update` (whose ids are all known) has been sent.
    fn adopted(
        &mut self,
        index: usize,
        id: String,
        lookup_error: Option<Box<ServerError>>,
        update: Option<Action>,
    ) {
        let Some(update) = update else {
            let adopted = ActionResult::Adopted {
                id,
                updated: false,
                lookup_error,
            };
            self.resolve(index, adopted);
            return;
        };
        match update.request(&self.encoder, &NoIds) {
            Ok(request) => self.push_front(Task::FollowUp {
                index,
                request,
                expect: update.expect(),
                then: Then::Adopted { id, lookup_error },
            }),
            Err(e) => self.resolve(index, ActionResult::invalid(e.to_string())),
        }
    }
}

/// The members a group's create carried (`wanted`) that the group found in its place does
/// not hold, each with its id (written in the plan or learnt during the run); members
/// without an id (their create failed) are left out. A group listed without members lacks
/// them all: adding a member already there changes nothing (RFC 7644 §3.5.2.1).
fn missing_members(wanted: &[UserRef], found: &Group, ids: &dyn IdLookup) -> Vec<UserRef> {
    wanted
        .iter()
        .filter_map(|m| {
            let id = m.id.clone().or_else(|| ids.user_id(&m.user_name))?;
            let held = found
                .members
                .as_ref()
                .is_some_and(|ms| ms.iter().any(|have| have.value == id));
            (!held).then(|| UserRef {
                user_name: m.user_name.clone(),
                id: Some(id),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Member;
    use crate::plan::NoIds;

    fn member(name: &str, id: Option<&str>) -> UserRef {
        UserRef {
            user_name: name.into(),
            id: id.map(str::to_owned),
        }
    }

    struct Learnt;

    impl IdLookup for Learnt {
        fn user_id(&self, user_name: &str) -> Option<String> {
            (user_name == "new@x").then(|| "u-new".to_owned())
        }
        fn group_id(&self, _: &str) -> Option<String> {
            None
        }
    }

    #[test]
    fn an_adopted_group_gets_the_members_it_lacks() {
        let wanted = [
            member("a@x", Some("u1")),
            member("b@x", Some("u2")),
            member("new@x", None),
            member("failed@x", None),
        ];
        let mut found = Group::new("Eng");
        found.members = Some(vec![Member::new("u1".to_owned())]);
        let names = |ms: Vec<UserRef>| -> Vec<(String, Option<String>)> {
            ms.into_iter().map(|m| (m.user_name, m.id)).collect()
        };
        assert_eq!(
            names(missing_members(&wanted, &found, &Learnt)),
            [
                ("b@x".to_owned(), Some("u2".to_owned())),
                ("new@x".to_owned(), Some("u-new".to_owned()))
            ]
        );
        // Listed without members: every member with an id is added.
        found.members = None;
        assert_eq!(missing_members(&wanted, &found, &NoIds).len(), 2);
        // Holding them all: nothing to add.
        found.members = Some(
            ["u1", "u2", "u-new"]
                .map(|v| Member::new(v.to_owned()))
                .into(),
        );
        assert!(missing_members(&wanted, &found, &Learnt).is_empty());
    }
}
