//! The engine's state machine: jobs, the in-flight table, phase transitions, and what each
//! answer means.

use std::collections::VecDeque;

use foldhash::{HashMap, HashSet};

use super::listing::Listing;
use super::lookup::Lookup;
use super::outcome::{
    ActionOutcome, ActionResult, Event, ListingSummary, Phase, RunReport, RunStatus,
};
use super::pacing::TokenBucket;
use super::scheduler::{self, Retry, RetryLimits, Scheduler};
use super::{EngineConfig, EngineError, Input, Mode, Output};
use crate::http::{HttpRequest, HttpResponse};
use crate::model::{FromValue, Group, User};
use crate::plan::{
    self, group_key, user_key, Action, ActualState, ApplyPhase, BuildError, DesiredState, IdLookup,
    Membership, Plan, SetMembers, Step, UserRef,
};
use crate::profile::Profile;
use crate::request::{RequestEncoder, ResourceKind};
use crate::response::{DecodeError, DecodeOptions, Decoded, Expect, ServerError};

mod apply;
mod find;

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

/// Ids learnt during apply, by normalized name.
#[derive(Debug, Default)]
struct Ids {
    users: HashMap<String, String>,
    groups: HashMap<String, String>,
}

impl IdLookup for Ids {
    fn user_id(&self, user_name: &str) -> Option<String> {
        self.users.get(&user_key(user_name)).cloned()
    }
    fn group_id(&self, display_name: &str) -> Option<String> {
        self.groups.get(&group_key(display_name)).cloned()
    }
}

/// A sans-IO provisioning run. See the [module docs](super) for the loop contract.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    encoder: RequestEncoder,
    desired: DesiredState,
    phase: Phase,
    started: bool,
    sched: Scheduler<Task>,
    events: VecDeque<Event>,
    first_ms: Option<u64>,
    last_ms: u64,
    users: Listing<User>,
    groups: Listing<Group>,
    actual: ActualState,
    member_problems: Vec<String>,
    plan: Option<Plan>,
    steps: Vec<Step>,
    apply_phases: Vec<ApplyPhase>,
    apply_at: usize,
    outcomes: Vec<Option<ActionResult>>,
    resolved: u64,
    ids: Ids,
    warnings: Vec<String>,
    /// Reads answers, owing a warning per tolerated oddity (see `coercions`).
    reader: super::coercions::Reader,
    report: Option<RunReport>,
}

impl Engine {
    /// A run of `config` towards the directory `desired`. Fails only on a configuration
    /// that cannot work or a directory that contradicts itself.
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
        let users = listing_for(
            &config.profile,
            ResourceKind::User,
            config.max_listed_resources,
        );
        let groups = listing_for(
            &config.profile,
            ResourceKind::Group,
            config.max_listed_resources,
        );
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
            sched,
            encoder,
            desired,
            phase: Phase::Discover,
            started: false,
            events: VecDeque::new(),
            first_ms: None,
            last_ms: 0,
            users,
            groups,
            actual: ActualState::default(),
            member_problems: Vec::new(),
            plan: None,
            steps: Vec::new(),
            apply_phases: Vec::new(),
            apply_at: 0,
            outcomes: Vec::new(),
            resolved: 0,
            ids: Ids::default(),
            warnings: Vec::new(),
            reader: Default::default(),
            report: None,
            config,
        })
    }

    /// The next thing the host should do. Call until it returns [`Output::Wait`] or
    /// [`Output::Done`].
    pub fn poll_output(&mut self, now_ms: u64) -> Output {
        self.observe(now_ms);
        if !self.started {
            self.started = true;
            self.enter_discover();
        }
        loop {
            if let Some(event) = self.events.pop_front() {
                return Output::Event { event };
            }
            if let Some(report) = &self.report {
                return Output::Done {
                    report: Box::new(report.clone()),
                };
            }
            if let Some(send) = self.next_send(now_ms) {
                return send;
            }
            if self.sched.is_idle() {
                self.advance();
                continue;
            }
            return Output::Wait {
                until_ms: self.sched.wake_time(now_ms),
            };
        }
    }

    /// Hands the engine the answer (or the transport failure) of a request it sent.
    pub fn handle_input(&mut self, input: Input, now_ms: u64) -> Result<(), EngineError> {
        self.observe(now_ms);
        let (id, answer) = match input {
            Input::Response { id, response } => (id, Ok(response)),
            Input::Failed { id, reason } => (id, Err(reason)),
        };
        let job = self
            .sched
            .answered(id)
            .ok_or(EngineError::UnknownRequest(id))?;
        if self.report.is_some() {
            // The run was stopped; late answers change nothing.
            return Ok(());
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
            Task::Action { .. } | Task::FollowUp { .. } => {
                self.on_write(job, Ok(response), now_ms);
            }
            Task::Find { .. } => self.on_find(job, response, now_ms),
        }
        Ok(())
    }

    /// Stops the run: nothing more is sent, answers still in flight are ignored, and the
    /// report says what was done.
    pub fn abort(&mut self) {
        if self.report.is_none() {
            self.sched.clear();
            self.finish(RunStatus::Aborted, Some("stopped by the host".into()), None);
        }
    }

    /// The server state as listed (complete once the run is past listing).
    pub fn listed_state(&self) -> &ActualState {
        &self.actual
    }

    /// The profile in use (refined by discovery once it has run).
    pub fn profile(&self) -> &Profile {
        self.encoder.profile()
    }

    // ---- scheduling ----

    fn observe(&mut self, now_ms: u64) {
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
            Task::Page { kind, start } => {
                let query = match kind {
                    ResourceKind::User => self.users.query(*start),
                    _ => self.groups.query(*start),
                };
                self.encoder.list(*kind, &query).map_err(|e| e.to_string())
            }
            Task::Members { group } => {
                let id = self.actual.groups[*group].id.clone().unwrap_or_default();
                self.encoder
                    .get(ResourceKind::Group, &id)
                    .map_err(|e| e.to_string())
            }
            Task::Action { index } => return self.action_request(i, *index),
            Task::Find { lookup, .. } => self
                .encoder
                .list(lookup.kind(), &lookup.query())
                .map_err(|e| e.to_string()),
            Task::FollowUp { request, .. } => Ok(request.clone()),
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

    fn action_request(&mut self, i: usize, index: usize) -> Result<HttpRequest, ()> {
        let action = self.steps[index].action.clone();
        let (action, dropped) = self.drop_unresolved_members(action);
        if let Some((group, names)) = dropped {
            self.warn(format!(
                "{} member(s) of group {group:?} left out: {} (no id: their create failed or was skipped)",
                names.len(),
                names.join(", ")
            ));
        }
        let result = match action {
            Some(a) => a.request(&self.encoder, &self.ids),
            None => Err(BuildError::Unresolved("any member".into())),
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

    /// Membership actions go ahead without members whose create failed; `None` when no
    /// member is left.
    #[allow(clippy::type_complexity)]
    fn drop_unresolved_members(
        &self,
        action: Action,
    ) -> (Option<Action>, Option<(String, Vec<String>)>) {
        let known = |r: &UserRef| r.id.is_some() || self.ids.user_id(&r.user_name).is_some();
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
            other => (Some(other), None),
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
                let name = self.actual.groups[group].display_name.clone();
                self.member_problems.push(format!(
                    "Groups: the members of {name:?} could not be fetched: {reason}"
                ));
            }
            Task::Find { .. } => self.find_given_up(job, reason),
            Task::Action { index } | Task::FollowUp { index, .. } => {
                self.write_given_up(index, reason, attempts);
            }
        }
    }

    /// A listing page that could not be had. Without its first page the server could not be
    /// listed at all, and a plan made from nothing would create everyone: the run fails. A
    /// later page leaves the listing incomplete, which blocks every removal.
    fn page_failed(
        &mut self,
        kind: ResourceKind,
        start: u64,
        reason: &str,
        error: Option<ServerError>,
    ) {
        if start <= 1 {
            let reason = format!("could not list {}: {reason}", kind.endpoint());
            self.finish(RunStatus::Failed, Some(reason), error);
        } else if kind == ResourceKind::User {
            self.users.failed(start, reason);
        } else {
            self.groups.failed(start, reason);
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
        matches!(task, Task::Action { .. } | Task::FollowUp { .. })
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

    fn warn(&mut self, message: String) {
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

    fn enter_discover(&mut self) {
        if self.encoder.profile().discovery {
            self.push(Task::Discover, 0);
        } else {
            self.advance();
        }
    }

    /// Moves to the next phase once the current one has nothing queued or in flight.
    fn advance(&mut self) {
        match self.phase {
            Phase::Discover => {
                self.phase = Phase::ListUsers;
                let start = self.users.start();
                self.push(
                    Task::Page {
                        kind: ResourceKind::User,
                        start,
                    },
                    0,
                );
                let start = self.groups.start();
                self.push(
                    Task::Page {
                        kind: ResourceKind::Group,
                        start,
                    },
                    0,
                );
            }
            Phase::ListUsers => {
                self.phase = Phase::ListGroups;
                self.collect_listing();
                self.fetch_members();
            }
            Phase::ListGroups => {
                self.phase = Phase::Plan;
                self.actual.complete = self.actual.complete && self.member_problems.is_empty();
                self.actual.problems.append(&mut self.member_problems);
                self.make_plan();
            }
            Phase::Plan | Phase::Apply => self.next_apply_phase(),
            Phase::Done => {}
        }
    }

    fn collect_listing(&mut self) {
        let profile = self.encoder.profile().clone();
        let users = std::mem::replace(
            &mut self.users,
            listing_for(&profile, ResourceKind::User, 0),
        );
        let groups = std::mem::replace(
            &mut self.groups,
            listing_for(&profile, ResourceKind::Group, 0),
        );
        let mut problems = users.problems();
        problems.extend(groups.problems());
        let complete = users.is_complete() && groups.is_complete();
        self.actual = ActualState {
            users: users.into_resources(),
            groups: groups.into_resources(),
            complete,
            problems,
        };
    }

    /// Where the listing omits members, fetches them for the groups the directory names.
    fn fetch_members(&mut self) {
        if self.encoder.profile().groups.members_in_listing {
            return;
        }
        let keys: HashSet<String> = self
            .desired
            .groups
            .iter()
            .map(|g| group_key(&g.display_name))
            .collect();
        let exts: HashSet<&str> = self
            .desired
            .groups
            .iter()
            .filter_map(|g| g.external_id.as_deref())
            .collect();
        let wanted: Vec<usize> = self
            .actual
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.members.is_none() && g.id.is_some())
            .filter(|(_, g)| {
                keys.contains(&group_key(&g.display_name))
                    || g.external_id.as_deref().is_some_and(|e| exts.contains(e))
            })
            .map(|(i, _)| i)
            .collect();
        for group in wanted {
            self.push(Task::Members { group }, 0);
        }
    }

    fn make_plan(&mut self) {
        let plan = match plan::plan(
            &self.desired,
            &self.actual,
            &self.encoder,
            &self.config.policy,
        ) {
            Ok(p) => p,
            Err(e) => {
                self.finish(RunStatus::Failed, Some(e.to_string()), None);
                return;
            }
        };
        self.events.push_back(Event::Planned {
            plan: Box::new(plan.clone()),
        });
        let plan = match &self.config.mode {
            Mode::PlanOnly => {
                self.plan = Some(plan);
                self.finish(RunStatus::Planned, None, None);
                return;
            }
            Mode::ApplyApproved {
                plan: approved,
                replan,
            } => {
                if approved.actions == plan.actions && approved.blocked == plan.blocked {
                    (**approved).clone()
                } else if *replan {
                    self.warn(
                        "the server changed since the plan was reviewed; applying the fresh plan"
                            .into(),
                    );
                    plan
                } else {
                    self.plan = Some(plan);
                    self.finish(
                        RunStatus::Refused,
                        Some("the server state no longer matches the reviewed plan; plan again and review".into()),
                        None,
                    );
                    return;
                }
            }
            Mode::PlanAndApply => plan,
        };
        if plan.is_blocked() && !self.config.allow_blocked {
            let reasons: Vec<String> = plan.blocked.iter().map(|b| b.reason.clone()).collect();
            self.plan = Some(plan);
            self.finish(
                RunStatus::Refused,
                Some(format!("the plan is blocked: {}", reasons.join("; "))),
                None,
            );
            return;
        }
        self.steps = plan.actions.clone();
        self.outcomes = vec![None; self.steps.len()];
        let mut phases: Vec<ApplyPhase> = self.steps.iter().map(|s| s.action.phase()).collect();
        phases.dedup();
        self.apply_phases = phases;
        self.apply_at = 0;
        self.plan = Some(plan);
        self.phase = Phase::Apply;
        self.next_apply_phase_inner();
    }

    fn next_apply_phase(&mut self) {
        if self.phase == Phase::Apply {
            self.apply_at += 1;
        }
        self.next_apply_phase_inner();
    }

    fn next_apply_phase_inner(&mut self) {
        let Some(&phase) = self.apply_phases.get(self.apply_at) else {
            self.finish_apply();
            return;
        };
        let indices: Vec<usize> = (0..self.steps.len())
            .filter(|&i| self.steps[i].action.phase() == phase && self.outcomes[i].is_none())
            .collect();
        for index in indices {
            self.start_action(index);
        }
    }

    fn finish_apply(&mut self) {
        let clean = self.outcomes.iter().all(|o| {
            matches!(
                o,
                Some(ActionResult::Applied | ActionResult::Adopted { .. })
            )
        });
        let status = if clean {
            RunStatus::Applied
        } else {
            RunStatus::PartiallyApplied
        };
        self.finish(status, None, None);
    }

    fn finish(&mut self, status: RunStatus, reason: Option<String>, error: Option<ServerError>) {
        self.phase = Phase::Done;
        self.sched.clear();
        let outcomes = self
            .steps
            .iter()
            .enumerate()
            .map(|(index, s)| ActionOutcome {
                index,
                kind: s.action.kind().to_owned(),
                subject: s.action.subject().to_owned(),
                result: self
                    .outcomes
                    .get(index)
                    .cloned()
                    .flatten()
                    .unwrap_or(ActionResult::NotRun),
            })
            .collect();
        self.report = Some(RunReport {
            status,
            reason,
            error,
            plan: self.plan.clone(),
            outcomes,
            listing: ListingSummary {
                users: self.actual.users.len() as u64,
                groups: self.actual.groups.len() as u64,
                complete: self.actual.complete,
                problems: self.actual.problems.clone(),
            },
            requests_sent: self.sched.requests_sent(),
            retries: self.sched.retries(),
            // Every retry waits once.
            waits: self.sched.retries(),
            waited_ms: self.sched.waited_ms(),
            elapsed_ms: self.last_ms - self.first_ms.unwrap_or(self.last_ms),
            warnings: self.warnings.clone(),
        });
    }

    // ---- answers ----

    fn on_discover(&mut self, job: Job, response: HttpResponse, now_ms: u64) {
        match crate::response::decode_service_provider_config(&response, &self.options()) {
            Ok(Decoded::Resource(config)) => {
                let refined = self.encoder.profile().refined_by(&config);
                self.sched.set_bucket(bucket_for(&self.config, &refined));
                self.users = listing_for(
                    &refined,
                    ResourceKind::User,
                    self.config.max_listed_resources,
                );
                self.groups = listing_for(
                    &refined,
                    ResourceKind::Group,
                    self.config.max_listed_resources,
                );
                match RequestEncoder::new(&self.config.base_path, refined) {
                    Ok(e) => self.encoder = e,
                    Err(e) => self.warn(format!("discovery ignored: {e}")),
                }
            }
            Ok(Decoded::Error(e)) if self.is_fatal(&e) => {}
            Ok(Decoded::Error(e)) if e.is_retryable() => {
                if let Some(job) = self.retry_server_error(job, &e, now_ms) {
                    self.give_up(job, &e.to_string());
                }
            }
            Ok(Decoded::Error(e)) => {
                let name = self.encoder.profile().name.clone();
                self.warn(format!(
                    "no ServiceProviderConfig ({e}); using the {name} profile as it is"
                ));
            }
            Ok(_) => {}
            Err(e) => self.give_up(job, &e.to_string()),
        }
    }

    fn on_page(
        &mut self,
        job: Job,
        kind: ResourceKind,
        start: u64,
        response: HttpResponse,
        now_ms: u64,
    ) {
        let answer = match kind {
            ResourceKind::User => {
                let decoded = self.decode(Expect::List, &response);
                page_answer(&mut self.users, start, decoded)
            }
            _ => {
                let decoded = self.decode(Expect::List, &response);
                page_answer(&mut self.groups, start, decoded)
            }
        };
        match answer {
            PageAnswer::Listed(starts) => {
                if start <= 1 && !starts.is_empty() {
                    // The first page says how many follow: grow the heap once for the whole
                    // listing rather than page by page (see `heap`).
                    let pages = starts.len().saturating_add(1);
                    crate::heap::reserve_heap_for(response.body.len().saturating_mul(pages));
                }
                for s in starts {
                    self.push(Task::Page { kind, start: s }, 0);
                }
                let phase = if kind == ResourceKind::User {
                    Phase::ListUsers
                } else {
                    Phase::ListGroups
                };
                let listed = (self.users.count() + self.groups.count()) as u64;
                self.progress(phase, listed, listed);
            }
            PageAnswer::Refused(e) => {
                if self.is_fatal(&e) {
                    return;
                }
                // `Some` means the retries are spent: the page is lost.
                if self.retry_server_error(job, &e, now_ms).is_some() {
                    self.page_failed(kind, start, &e.to_string(), Some(e));
                }
            }
            PageAnswer::NotAList => self.give_up(job, "the answer was not a list"),
            PageAnswer::Undecodable(e) => self.undecodable(job, &e, now_ms),
        }
    }

    /// An answer that could not be decoded: maybe a truncated body, so try again.
    fn undecodable(&mut self, job: Job, error: &DecodeError, now_ms: u64) {
        if let Some(job) = self.sched.retry(job, Retry::Backoff, now_ms) {
            self.give_up(job, &error.to_string());
        }
    }

    fn on_members(&mut self, job: Job, group: usize, response: HttpResponse, now_ms: u64) {
        match self.decode::<Group>(Expect::Get, &response) {
            Ok(Decoded::Resource(g)) => {
                self.actual.groups[group].members = Some(g.members.unwrap_or_default());
            }
            Ok(Decoded::Error(e)) if self.is_fatal(&e) => {}
            Ok(Decoded::Error(e))
                if self
                    .encoder
                    .profile()
                    .unknown_group_statuses
                    .contains(&e.http_status)
                    && !e.is_retryable() =>
            {
                let name = self.actual.groups[group].display_name.clone();
                self.warn(format!(
                    "group {name:?} vanished while listing ({e}); its members are unknown"
                ));
                self.member_problems
                    .push(format!("Groups: {name:?} vanished during the listing"));
            }
            Ok(Decoded::Error(e)) => {
                if let Some(job) = self.retry_server_error(job, &e, now_ms) {
                    self.give_up(job, &e.to_string());
                }
            }
            Ok(_) => self.give_up(job, "the answer was not a group"),
            Err(e) => self.undecodable(job, &e, now_ms),
        }
    }
}

/// What a listing page's answer amounted to.
enum PageAnswer {
    /// The page was taken; further pages to ask for.
    Listed(Vec<u64>),
    Refused(ServerError),
    NotAList,
    Undecodable(DecodeError),
}

fn page_answer<T>(
    listing: &mut Listing<T>,
    start: u64,
    decoded: Result<Decoded<T>, DecodeError>,
) -> PageAnswer
where
    T: super::listing::HasId,
{
    match decoded {
        Ok(Decoded::Page(page)) => PageAnswer::Listed(listing.page(start, page)),
        Ok(Decoded::Error(e)) => PageAnswer::Refused(e),
        Ok(_) => PageAnswer::NotAList,
        Err(e) => PageAnswer::Undecodable(e),
    }
}

fn listing_for<T: super::listing::HasId>(
    profile: &Profile,
    kind: ResourceKind,
    max: u64,
) -> Listing<T> {
    let support = match kind {
        ResourceKind::User => &profile.users,
        _ => &profile.groups,
    };
    let page = support
        .max_page_size
        .map_or(support.page_size, |m| support.page_size.min(m));
    Listing::new(kind, page, support.start_index, max)
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
