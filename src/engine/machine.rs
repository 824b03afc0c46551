//! The engine's state machine: the `Engine` the host drives, its tasks, and the moves from
//! one [`State`] to the next. Its parts, each in its own module: the run's state and each
//! phase's data (`state`), discovery and listing (`listing`), planning and the answer to a plan under review (`planning`), writes
//! and their answers (`apply`), writes sent as SCIM Bulk batches (`bulk`), the lookups that keep creates exactly-once (`find`), the
//! provisioning log and undo runs (`audit`). When a
//! request goes is the scheduler's business (`engine::scheduler`), what a write's answer
//! means the disposition's (`engine::disposition`).

use std::collections::VecDeque;

use super::lookup::Lookup;
use super::outcome::{Event, Phase, RunStatus};
use super::pacing::TokenBucket;
use super::scheduler::{self, Retry, RetryLimits, Scheduler};
use super::{EngineConfig, EngineError, Input, Output};
use crate::audit::{Recorder, UndoLog};
use crate::http::{HttpRequest, HttpResponse};
use crate::model::FromValue;
use crate::plan::{self, Action, ActualState, DesiredState, Step, Target};
use crate::profile::Profile;
use crate::request::{RequestEncoder, ResourceKind};
use crate::response::{DecodeError, DecodeOptions, Decoded, Expect, ServerError};
use listing::listings_for;

mod after;
mod apply;
mod audit;
mod bulk;
mod find;
mod finish;
mod listing;
mod look;
mod planning;
mod state;

use crate::quoted::q;
use state::State;

/// A unit of work of this machine.
type Job = scheduler::Job<Task>;

#[derive(Debug, Clone)]
enum Task {
    Discover,
    Page {
        kind: ResourceKind,
        start: u64,
    },
    Members {
        group: usize,
    },
    Action {
        index: usize,
    },
    /// A query of a targeted run's lookup `index` (see `look`).
    Look {
        index: usize,
    },
    /// A targeted run's joined query `index`: several lookups in one `or` query.
    LookJoined {
        index: usize,
    },
    /// A Bulk request carrying the operations of several actions (see `bulk`).
    Batch(Box<bulk::Sent>),
    /// A create to settle by looking its subject up (see `lookup`): after a 409, after an
    /// unknown outcome (`create` holds the create's job, sent again only if the subject is
    /// absent), or before creating from an incomplete listing.
    Find {
        index: usize,
        lookup: Box<Lookup>,
        create: Option<Box<Job>>,
    },
    /// A request decided after an answer: the update of an adopted user, or the creation of
    /// a user who vanished.
    FollowUp {
        index: usize,
        request: HttpRequest,
        expect: Expect,
        then: Then,
    },
}

#[derive(Debug, Clone)]
enum Then {
    Adopted {
        id: String,
        lookup_error: Option<Box<ServerError>>,
    },
    Recreated,
}

/// A sans-IO provisioning run. See the [module docs](super) for the loop contract.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    encoder: RequestEncoder,
    desired: DesiredState,
    /// A targeted run's targets (its subjects are looked up instead of listed).
    targets: Option<Box<[Target]>>,
    /// The queries a targeted run's lookups sent (the plan's `cost.lookups`).
    looked: u64,
    /// Where the run is, with that phase's data.
    state: State,
    sched: Scheduler<Task>,
    events: VecDeque<Event>,
    first_ms: Option<u64>,
    last_ms: u64,
    /// The server state as listed: read by the planner, by apply (an incomplete listing
    /// looks creates up first) and by the report.
    actual: ActualState,
    warnings: Vec<String>,
    /// Reads answers, owing a warning per tolerated oddity (see `coercions`).
    reader: super::coercions::Reader,
    /// The writes' outcomes the circuit breaker has seen (see `breaker`).
    breaker: super::breaker::Tally,
    /// The provisioning log being written, when the configuration asks for one.
    log: Option<Box<Recorder>>,
    /// An undo run's log and whether it forces ([`Engine::undo`]).
    undo: Option<Box<(UndoLog, bool)>>,
    /// The pauses the host really made (the report's `waits`).
    pauses: super::pauses::Pauses,
    /// The attributes a server did not keep, warned about (see `kept`).
    kept: super::kept::Kept,
    /// Stopped by the host: nothing more is sent; the run ends once in-flight answers are in.
    stopping: bool,
    /// The ids an apply learnt, kept when the run ends for [`Engine::state_after`].
    learnt: state::Ids,
}

impl Engine {
    /// A run of `config` towards the directory `desired`. Fails only on a configuration
    /// that cannot work or a directory that contradicts itself.
    ///
    /// # Errors
    ///
    /// [`EngineError::Config`] for a configuration that cannot work (no request may be in
    /// flight, a rate that is not a positive number), [`EngineError::Encode`] for a base path
    /// that is not a path, [`EngineError::Desired`] for a directory that contradicts itself.
    pub fn new(config: EngineConfig, desired: DesiredState) -> Result<Engine, EngineError> {
        if config.max_in_flight == 0 {
            return Err(EngineError::Config("maxInFlight must be at least 1".into()));
        }
        if config
            .requests_per_second
            .is_some_and(|r| !(r.is_finite() && r > 0.0))
        {
            return Err(EngineError::Config(
                "requestsPerSecond must be a positive number".into(),
            ));
        }
        plan::validate(&desired)?;
        let encoder = RequestEncoder::new(&config.base_path, config.profile.clone())?;
        let listings = listings_for(&config.profile, config.max_listed_resources);
        let limits = RetryLimits {
            max_attempts: config.max_attempts,
            max_rate_limited_attempts: config.max_rate_limited_attempts,
            backoff_base_ms: config.backoff_base_ms,
            backoff_max_ms: config.backoff_max_ms,
        };
        let sched = Scheduler::new(
            config.max_in_flight,
            bucket_for(&config, &config.profile),
            limits,
            config.seed,
        );
        Ok(Engine {
            log: None,
            undo: None,
            sched,
            encoder,
            desired,
            targets: None,
            looked: 0,
            state: State::Created(listings),
            events: VecDeque::new(),
            first_ms: None,
            last_ms: 0,
            actual: ActualState::default(),
            warnings: Vec::new(),
            reader: Default::default(),
            breaker: Default::default(),
            pauses: Default::default(),
            kept: Default::default(),
            stopping: false,
            learnt: state::Ids::default(),
            config,
        })
    }

    /// A targeted run of `config`: only `targets`' subjects are looked up (no listing), then
    /// planned ([`plan::plan_targeted`]) and applied as `config.mode` says, with the same
    /// policy, review and reliability as a full sync.
    ///
    /// # Errors
    ///
    /// As [`Engine::new`]; [`EngineError::Targets`] for a target that lacks what its
    /// operation needs.
    pub fn targeted(config: EngineConfig, targets: Vec<Target>) -> Result<Engine, EngineError> {
        plan::validate_targets(&targets)?;
        let mut engine = Engine::new(config, DesiredState::default())?;
        engine.targets = Some(targets.into_boxed_slice());
        Ok(engine)
    }

    /// The next thing the host should do. Call until it returns [`Output::Wait`] or
    /// [`Output::Done`].
    pub fn poll_output(&mut self, now_ms: u64) -> Output {
        self.observe(now_ms);
        if matches!(self.state, State::Created(_)) {
            self.enter_discover();
        }
        loop {
            if let Some(event) = self.events.pop_front() {
                return Output::Event { event };
            }
            match &self.state {
                State::Done(report) => {
                    return Output::Done {
                        report: report.clone(),
                    }
                }
                State::Reviewing(plan) => return Output::Review { plan: plan.clone() },
                _ => {}
            }
            if self.stopping {
                // Answers read while stopping may have queued more work: none of it goes.
                self.sched.clear();
                if self.sched.is_idle() {
                    self.finish(RunStatus::Aborted, Some("stopped by the host".into()), None);
                    continue;
                }
            } else if let Some(send) = self.next_send(now_ms) {
                self.pauses.over();
                return send;
            } else if self.sched.is_idle() {
                self.advance();
                continue;
            }
            let until_ms = self.sched.wake_time(now_ms);
            self.pauses
                .waiting(now_ms, self.sched.in_flight(), until_ms);
            return Output::Wait { until_ms };
        }
    }

    /// Hands the engine the answer (or the transport failure) of a request it sent.
    ///
    /// # Errors
    ///
    /// [`EngineError::UnknownRequest`] when no request with the input's id is in flight
    /// (answered already, or never sent).
    pub fn handle_input(&mut self, input: Input, now_ms: u64) -> Result<(), EngineError> {
        self.observe(now_ms);
        self.pauses.over();
        let (id, answer) = match input {
            Input::Response { id, response } => (id, Ok(response)),
            Input::Failed { id, reason } => (id, Err(reason)),
            Input::Approve { digest } => return self.on_review(Some(digest)),
            Input::Decline => return self.on_review(None),
        };
        let job = self
            .sched
            .answered(id)
            .ok_or(EngineError::UnknownRequest(id))?;
        if matches!(self.state, State::Done(_)) {
            // The run was stopped; late answers change nothing.
            return Ok(());
        }
        if self.log.is_some() {
            self.log_answer(id, &job, answer.as_ref().map_err(String::as_str), now_ms);
        }
        // A transport failure means the same for every request: try again later, or give up.
        let response = match answer {
            Ok(response) => response,
            Err(reason) if self.is_write(&job.task) => {
                self.on_write(job, Err(reason), now_ms);
                return Ok(());
            }
            Err(reason) => {
                if let Some(job) = self.sched.retry(job, Retry::Backoff, now_ms) {
                    if matches!(job.task, Task::Discover) {
                        // Not one HTTP answer in every attempt: listing would only fail the
                        // same way, after as many retries again.
                        let reason = format!("could not reach the server: {reason}");
                        self.finish(RunStatus::Failed, Some(reason), None);
                    } else {
                        self.give_up(job, &reason);
                    }
                }
                return Ok(());
            }
        };
        match job.task.clone() {
            Task::Discover => self.on_discover(job, response, now_ms),
            Task::Page { kind, start } => self.on_page(job, kind, start, response, now_ms),
            Task::Members { group } => self.on_members(job, group, response, now_ms),
            Task::Action { .. } | Task::FollowUp { .. } | Task::Batch(_) => {
                self.on_write(job, Ok(response), now_ms);
            }
            Task::Find { .. } => self.on_find(job, response, now_ms),
            Task::Look { index } => self.on_look(job, index, response, now_ms),
            Task::LookJoined { index } => self.on_look_joined(job, index, response, now_ms),
        }
        Ok(())
    }

    /// The server state as listed (complete once the run is past listing): the listing the
    /// run planned from, before any of its writes. A report of the state after an apply is
    /// built from a new listing (a plan-only run's).
    pub fn listed_state(&self) -> &ActualState {
        &self.actual
    }

    /// The server state after the run: the listing it planned from with every action that
    /// took effect (applied or adopted) folded in, the ids created resources got included.
    /// The same as [`Engine::listed_state`] when nothing was applied. A report of the state
    /// after an apply is built from it, without listing the server again. Made on each call
    /// (linear in the listing and the plan), mid-run too.
    pub fn state_after(&self) -> ActualState {
        match &self.state {
            State::Applying(a) => after::state_after(&self.actual, &a.plan, &a.outcomes(), &a.ids),
            State::Done(report) => match &report.plan {
                Some(plan) => {
                    after::state_after(&self.actual, plan, &report.outcomes, &self.learnt)
                }
                None => self.actual.clone(),
            },
            _ => self.actual.clone(),
        }
    }

    /// The profile in use (refined by discovery once it has run).
    pub fn profile(&self) -> &Profile {
        self.encoder.profile()
    }

    // ---- scheduling ----

    fn observe(&mut self, now_ms: u64) {
        self.pauses.observe(now_ms);
        self.first_ms.get_or_insert(now_ms);
        self.last_ms = self.last_ms.max(now_ms);
    }

    fn push(&mut self, task: Task, not_before: u64) {
        self.sched.push(task, not_before);
    }

    fn push_front(&mut self, task: Task) {
        self.sched.push_front(task);
    }

    fn next_send(&mut self, now_ms: u64) -> Option<Output> {
        if !self.sched.may_send(now_ms) {
            return None;
        }
        let mut from = 0;
        while let Some(i) = self.sched.ready_from(from, now_ms) {
            let request = match self.request_for(i) {
                Ok(r) => r,
                Err(()) => {
                    // The job was resolved without a request: look again from its place.
                    from = i;
                    continue;
                }
            };
            let id = self.sched.send(i, now_ms)?;
            self.log.iter_mut().for_each(|log| log.sent(id, &request));
            return Some(Output::Send { id, request });
        }
        None
    }

    /// Builds the request of queued job `i`. A job that turns out to need no request (an
    /// action whose dependencies failed) is resolved and removed: `Err(())`.
    fn request_for(&mut self, i: usize) -> Result<HttpRequest, ()> {
        let task = self.sched.task(i).clone();
        let built = match &task {
            Task::Discover => Ok(self.encoder.service_provider_config()),
            Task::Page { kind, start } => match &self.state {
                State::Listing(l) => {
                    let query = match kind {
                        ResourceKind::User => l.users.query(*start),
                        _ => l.groups.query(*start),
                    };
                    self.encoder.list(*kind, &query).map_err(|e| e.to_string())
                }
                _ => Err("a listing page outside the listing".to_owned()),
            },
            Task::Members { group } => {
                let id = self.actual.groups[*group].id.clone().unwrap_or_default();
                self.encoder
                    .get(ResourceKind::Group, &id)
                    .map_err(|e| e.to_string())
            }
            Task::Action { index } => return self.action_request(i, *index),
            Task::Batch(sent) => Ok(sent.request.clone()),
            Task::Find { lookup, .. } => self
                .encoder
                .list(lookup.kind(), &lookup.query())
                .map_err(|e| e.to_string()),
            Task::FollowUp { request, .. } => Ok(request.clone()),
            Task::Look { index } => self.look_request(*index, false),
            Task::LookJoined { index } => self.look_request(*index, true),
        };
        match built {
            Ok(r) => Ok(r),
            Err(reason) => {
                let job = self.sched.remove(i).ok_or(())?;
                self.give_up(job, &reason);
                Err(())
            }
        }
    }

    /// How a server error should be handled when nothing more specific applies: a 429 or a
    /// 5xx is queued again, or returned when its attempts are spent (as is any other error).
    fn retry_server_error(&mut self, job: Job, error: &ServerError, now_ms: u64) -> Option<Job> {
        match self.retry_for(error) {
            Some(why) => self.sched.retry(job, why, now_ms),
            None => Some(job),
        }
    }

    /// How a server error is retried: `None` when it is not.
    fn retry_for(&self, error: &ServerError) -> Option<Retry> {
        if error.http_status == 429 {
            let after_ms = error
                .retry_after_ms
                .unwrap_or(self.encoder.profile().retry_after_default_ms);
            Some(Retry::RateLimited { after_ms })
        } else if error.is_retryable() {
            Some(Retry::Backoff)
        } else {
            None
        }
    }

    /// A job whose attempts are spent, or that cannot be built.
    fn give_up(&mut self, job: Job, reason: &str) {
        let attempts = job.sent;
        match job.task {
            Task::Discover => {
                self.warn(format!(
                    "discovery failed ({reason}); using the {} profile as it is",
                    self.encoder.profile().name
                ));
            }
            Task::Page { kind, start } => self.page_failed(kind, start, reason, None),
            Task::Members { group } => {
                let name = &self.actual.groups[group].display_name;
                let problem = format!(
                    "Groups: the members of {name} could not be fetched: {reason}",
                    name = q(name)
                );
                self.member_problem(problem);
            }
            Task::Find { .. } => self.find_given_up(job, reason),
            Task::Look { index } => self.look_given_up(index, reason),
            Task::LookJoined { index } => self.look_alone(index),
            Task::Action { index } | Task::FollowUp { index, .. } => {
                self.write_given_up(index, reason, attempts);
            }
            Task::Batch(sent) => {
                for index in sent.actions {
                    self.write_given_up(index, reason, attempts);
                }
            }
        }
    }

    /// Fails the run when the server refuses the credentials (401, 403).
    fn is_fatal(&mut self, error: &ServerError) -> bool {
        let fatal = matches!(error.http_status, 401 | 403);
        if fatal {
            self.fatal(error.clone());
        }
        fatal
    }

    /// The server refused the credentials: the run fails.
    fn fatal(&mut self, error: ServerError) {
        let reason = format!(
            "the server refused the request (HTTP {}): check the token and its scopes",
            error.http_status
        );
        self.finish(RunStatus::Failed, Some(reason), Some(error));
    }

    /// Whether `task` is a write (its answers are decided by `disposition`).
    fn is_write(&self, task: &Task) -> bool {
        matches!(
            task,
            Task::Action { .. } | Task::FollowUp { .. } | Task::Batch(_)
        )
    }

    fn options(&self) -> DecodeOptions {
        DecodeOptions {
            max_body_bytes: self.config.max_body_bytes,
            create_statuses: self.encoder.profile().create_statuses.clone(),
            now_ms: self.last_ms,
        }
    }

    /// Decodes an answer; what the tolerant reader changed is warned once per run.
    fn decode<T: FromValue>(
        &mut self,
        expect: Expect,
        response: &HttpResponse,
    ) -> Result<Decoded<T>, DecodeError> {
        let options = self.options();
        let (decoded, owed) = self.reader.decode(expect, response, &options);
        owed.into_iter().for_each(|message| self.warn(message));
        decoded
    }

    fn warn(&mut self, mut message: String) {
        // Warnings quote server text; a server may echo the Authorization header.
        crate::redact::mask_in_place(&mut message);
        self.warnings.push(message.clone());
        self.events.push_back(Event::Warning { message });
    }

    fn progress(&mut self, phase: Phase, done: u64, total: u64) {
        self.events.push_back(Event::Progress {
            phase,
            done,
            total,
            in_flight: self.sched.in_flight() as u64,
        });
    }

    // ---- phases ----

    /// Moves to the next phase once the current one has nothing queued or in flight.
    fn advance(&mut self) {
        match self.state.take() {
            State::Created(l) | State::Discovering(l) if self.targets.is_some() => {
                drop(l);
                self.enter_looking();
            }
            State::Looking(looks) => {
                self.state = State::Planning {
                    member_problems: Vec::new(),
                };
                self.collect_found(*looks);
                self.fetch_members();
            }
            State::Created(mut l) | State::Discovering(mut l) => {
                let users = l.users.start();
                let groups = l.groups.start();
                self.state = State::Listing(l);
                for (kind, start) in [(ResourceKind::User, users), (ResourceKind::Group, groups)] {
                    self.push(Task::Page { kind, start }, 0);
                }
            }
            State::Listing(l) => {
                self.state = State::Planning {
                    member_problems: Vec::new(),
                };
                self.collect_listing(l);
                self.fetch_members();
            }
            State::Planning {
                member_problems: mut problems,
            } => {
                self.actual.complete = self.actual.complete && problems.is_empty();
                self.actual.problems.append(&mut problems);
                // `make_plan` moves on to applying, or ends the run.
                self.make_plan();
            }
            State::Applying(mut a) => {
                a.next_phase();
                self.state = State::Applying(a);
                self.start_apply_phase();
            }
            // Waits for the host's answer (`poll_output` shows the plan), or is over.
            waits @ (State::Reviewing(_) | State::Done(_)) => self.state = waits,
        }
    }

    /// The steps of the plan being applied (none before apply).
    fn steps(&self) -> &[Step] {
        match &self.state {
            State::Applying(a) => a.steps(),
            _ => &[],
        }
    }

    /// Plan action `index`.
    fn action(&self, index: usize) -> &Action {
        &self.steps()[index].action
    }
}

fn bucket_for(config: &EngineConfig, profile: &Profile) -> TokenBucket {
    let rate = config
        .requests_per_second
        .or(profile.rate_limit.map(|r| r.requests_per_second));
    let burst = if config.requests_per_second.is_some() {
        1
    } else {
        profile.rate_limit.map_or(1, |r| r.burst)
    };
    TokenBucket::new(rate, burst, 0)
}
