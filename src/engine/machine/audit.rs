//! The run's provisioning log and undo, as the engine runs them ([`crate::audit`]): an undo
//! run's constructor, the host's request for the log, and the engine's answers and plan fed
//! to the recorder as they happen.

use super::{Engine, Job, Task};
use crate::audit::{Answered, LogStart, Recorder, UndoLog};
use crate::engine::outcome::{Event, RunReport};
use crate::engine::{EngineConfig, EngineError, Mode, RequestId};
use crate::http::HttpResponse;
use crate::plan::{self, DesiredState, Plan};

impl Engine {
    /// An undo run of `config`: the server is listed, then the inverse of the run `log`
    /// tells is planned ([`crate::audit::plan_undo`]; `force` restores subjects changed
    /// since that run too) and applied as `config.mode` says, as any plan is.
    ///
    /// # Errors
    ///
    /// As [`Engine::new`].
    pub fn undo(config: EngineConfig, log: UndoLog, force: bool) -> Result<Engine, EngineError> {
        let mut engine = Engine::new(config, DesiredState::default())?;
        engine.undo = Some(Box::new((log, force)));
        Ok(engine)
    }

    /// Writes the provisioning log of this run ([`crate::audit`]): from now on, each line
    /// comes as an [`Event::Log`]. Call it before the first [`Engine::poll_output`]; `start`
    /// says what only the host knows (the run's id, its start time, the server's URL).
    pub fn log_to(&mut self, start: LogStart) {
        let run = match (&self.targets, &self.undo) {
            (_, Some(_)) => "undo",
            (Some(_), None) => "targeted",
            (None, None) => "sync",
        };
        let digest = plan::policy_digest(&self.config.policy);
        let mode = mode_name(&self.config.mode);
        self.log = Some(Box::new(Recorder::new(start, run, mode, digest)));
    }

    /// Logs the answer to request `id` (job `job`).
    pub(super) fn log_answer(
        &mut self,
        id: RequestId,
        job: &Job,
        answer: Result<&HttpResponse, &str>,
        now_ms: u64,
    ) {
        let actions = match &job.task {
            Task::Action { index } | Task::FollowUp { index, .. } | Task::Find { index, .. } => {
                vec![*index]
            }
            Task::Batch(sent) => sent.actions.clone(),
            _ => Vec::new(),
        };
        let subject = match actions.as_slice() {
            [one] => self
                .steps()
                .get(*one)
                .map(|s| s.action.subject().to_owned()),
            _ => None,
        };
        let job = Answered {
            id,
            now_ms,
            actions,
            subject: subject.as_deref(),
            attempt: job.sent,
        };
        if let Some(log) = &mut self.log {
            for line in log.answered(job, answer) {
                self.events.push_back(Event::Log { line });
            }
        }
    }

    /// The log's header, with `plan` once there is one, and the lines held for it.
    pub(super) fn log_header(&mut self, plan: Option<&Plan>) {
        if let Some(log) = &mut self.log {
            for line in log.header(&self.encoder.profile().name, plan) {
                self.events.push_back(Event::Log { line });
            }
        }
    }

    /// The run's end: the header if still owed, the lines held for it, and the footer.
    pub(super) fn log_footer(&mut self, report: &RunReport) {
        if let Some(log) = &mut self.log {
            let profile = &self.encoder.profile().name;
            for line in log.footer(self.last_ms, profile, report) {
                self.events.push_back(Event::Log { line });
            }
        }
    }
}

/// The mode's name as the log's header gives it.
fn mode_name(mode: &Mode) -> &'static str {
    match mode {
        Mode::PlanOnly => "planOnly",
        Mode::ApplyApproved { .. } => "applyApproved",
        Mode::PlanAndApply => "planAndApply",
        Mode::Review => "review",
    }
}
