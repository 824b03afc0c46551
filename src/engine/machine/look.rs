//! A targeted run's lookups, in place of the listing: one lookup per subject
//! ([`plan::lookups`]: an `eq` query by `externalId` then by name where the profile filters
//! on them, else the listing of the kind, as `engine::lookup` decides), sent and retried
//! like any request, and what they found gathered into the state the targeted planner
//! reads: the resources found, the candidates of an ambiguous match, and a lookup that could
//! not be completed as a problem that blocks the plan.

use super::state::{Looks, State};
use super::{Engine, Job, Task};
use crate::engine::joined::{Joined, Joint};
use crate::engine::lookup::{Answer, Found, Lookup, Verdict, Why};
use crate::engine::scheduler::Retry;
use crate::http::{HttpRequest, HttpResponse};
use crate::model::{Group, User};
use crate::plan::{self, ActualState};
use crate::request::ResourceKind;

impl Engine {
    /// Starts the lookups of the targets' subjects (none to do: straight to planning).
    pub(super) fn enter_looking(&mut self) {
        let targets = self.targets.as_deref().unwrap_or_default();
        let create_first = matches!(self.config.mode, crate::engine::Mode::PlanAndApply);
        let profile = self.encoder.profile();
        let max = self.config.max_listed_resources;
        let subjects = plan::lookups(targets, create_first);
        let mut lookups: Vec<Lookup> = Vec::with_capacity(subjects.len());
        for s in &subjects {
            let lookup = if s.kind == ResourceKind::User {
                let mut u = User::new(s.name.clone());
                u.external_id.clone_from(&s.external_id);
                Lookup::for_user(&u, Why::Unproven, profile)
            } else {
                Lookup::for_group(&s.name, s.external_id.clone(), Why::Unproven, profile)
            };
            lookups.push(lookup.capped(max));
        }
        let joined = Joined::plan(&subjects, profile);
        for index in 0..joined.len() {
            self.looked += 1;
            self.push(Task::LookJoined { index }, 0);
        }
        for index in 0..lookups.len() {
            if !joined.iter().any(|j| j.members.contains(&index)) {
                self.looked += 1;
                self.push(Task::Look { index }, 0);
            }
        }
        self.state = State::Looking(Box::new(Looks {
            verdicts: vec![None; lookups.len()],
            lookups,
            joined,
        }));
    }

    /// The request of lookup `index` (`joined`: of joined query `index`).
    pub(super) fn look_request(&self, index: usize, joined: bool) -> Result<HttpRequest, String> {
        let State::Looking(l) = &self.state else {
            return Err("a lookup outside the lookups".to_owned());
        };
        let (kind, query) = if joined {
            l.joined[index].query()
        } else {
            (l.lookups[index].kind(), l.lookups[index].query())
        };
        self.encoder.list(kind, &query).map_err(|e| e.to_string())
    }

    /// An answer to joined query `index`: each member's verdict, or each looked up alone.
    pub(super) fn on_look_joined(
        &mut self,
        job: Job,
        index: usize,
        response: HttpResponse,
        now_ms: u64,
    ) {
        let options = self.options();
        let State::Looking(looks) = &mut self.state else {
            return;
        };
        match looks.joined[index].answer(&response, &options) {
            Joint::Settled(verdicts) => {
                for (i, verdict) in verdicts {
                    looks.verdicts[i] = Some(verdict);
                }
            }
            Joint::Refused(e) => {
                if self.is_fatal(&e) || self.retry_server_error(job, &e, now_ms).is_none() {
                    return;
                }
                self.look_alone(index);
            }
            Joint::Alone => self.look_alone(index),
        }
    }

    /// Looks each member of joined query `index` up alone.
    pub(super) fn look_alone(&mut self, index: usize) {
        let members = match &self.state {
            State::Looking(looks) => looks.joined[index].members.clone(),
            _ => return,
        };
        for index in members {
            self.looked += 1;
            self.push(Task::Look { index }, 0);
        }
    }

    /// An answer to a query of lookup `index`.
    pub(super) fn on_look(&mut self, job: Job, index: usize, response: HttpResponse, now_ms: u64) {
        let options = self.options();
        let State::Looking(looks) = &mut self.state else {
            return;
        };
        let answer = looks.lookups[index].answer(&response, &options);
        let next = match answer {
            Answer::Refused(e) => {
                if self.is_fatal(&e) || self.retry_server_error(job, &e, now_ms).is_none() {
                    return;
                }
                let reason = e.to_string();
                self.looks(index, |l| l.give_up(Some(e), &reason))
            }
            Answer::Undecodable(e) => {
                if self.sched.retry(job, Retry::Backoff, now_ms).is_none() {
                    return;
                }
                self.looks(index, |l| l.give_up(None, &e.to_string()))
            }
            other => Some(other),
        };
        self.look_next(index, next);
    }

    /// A lookup query whose attempts are spent, or that could not be built.
    pub(super) fn look_given_up(&mut self, index: usize, reason: &str) {
        let next = self.looks(index, |l| l.give_up(None, reason));
        self.look_next(index, next);
    }

    fn looks(&mut self, index: usize, f: impl FnOnce(&mut Lookup) -> Answer) -> Option<Answer> {
        match &mut self.state {
            State::Looking(looks) => Some(f(&mut looks.lookups[index])),
            _ => None,
        }
    }

    fn look_next(&mut self, index: usize, next: Option<Answer>) {
        match next {
            Some(Answer::Settled(verdict)) => {
                if let State::Looking(looks) = &mut self.state {
                    looks.verdicts[index] = Some(verdict);
                }
            }
            Some(_) => {
                self.looked += 1;
                self.push_front(Task::Look { index });
            }
            None => {}
        }
    }

    /// What the lookups found, as the state the targeted planner reads. An ambiguous
    /// match's candidates are kept under the subject's name, so the planner sees the
    /// ambiguity and blocks; a lookup without a verdict, or a failed one, makes the state
    /// incomplete.
    pub(super) fn collect_found(&mut self, looks: Looks) {
        let mut actual = ActualState {
            complete: true,
            ..ActualState::default()
        };
        for (lookup, verdict) in looks.lookups.iter().zip(looks.verdicts) {
            match verdict {
                Some(Verdict::Found(Found::User(u))) => actual.users.push(*u),
                Some(Verdict::Found(Found::Group(g))) => actual.groups.push(*g),
                Some(Verdict::Absent) => {}
                Some(Verdict::Ambiguous(ids)) => {
                    for id in ids {
                        let (name, external_id) = lookup.subject_keys();
                        if lookup.kind() == ResourceKind::User {
                            let mut u = User::new(name);
                            u.id = Some(id);
                            u.external_id = external_id;
                            actual.users.push(u);
                        } else {
                            let mut g = Group::new(name);
                            g.id = Some(id);
                            g.external_id = external_id;
                            actual.groups.push(g);
                        }
                    }
                }
                Some(Verdict::Failed(reason)) => {
                    actual.complete = false;
                    actual
                        .problems
                        .push(format!("{}: {reason}", lookup.subject()));
                }
                None => {
                    actual.complete = false;
                    let problem = format!("{}: the lookup did not finish", lookup.subject());
                    actual.problems.push(problem);
                }
            }
        }
        self.actual = actual;
    }
}
