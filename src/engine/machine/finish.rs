//! How a run ends: stopped by the host (after the answers in flight, or at once), or
//! finished with its report, whatever the phase.

use super::state::State;
use super::Engine;
use crate::engine::outcome::{ListingSummary, RunReport, RunStatus};
use crate::plan::Plan;
use crate::response::ServerError;

impl Engine {
    /// Stops the run: nothing more is sent. The answers of requests in flight are still
    /// read, so the report says what they did; the run ends [`RunStatus::Aborted`] when the
    /// last is in (at once when none is in flight). Called again, it ends the run at once,
    /// answers still in flight ignored: for a host that cannot wait any longer.
    pub fn abort(&mut self) {
        if matches!(self.state, State::Done(_)) {
            return;
        }
        self.sched.clear();
        if self.stopping || self.sched.in_flight() == 0 {
            self.finish(RunStatus::Aborted, Some("stopped by the host".into()), None);
        }
        self.stopping = true;
    }

    /// Ends the run with its report.
    pub(super) fn finish(
        &mut self,
        status: RunStatus,
        reason: Option<String>,
        error: Option<ServerError>,
    ) {
        self.finish_with(status, reason, error, None);
    }

    /// Ends the run; `plan`: the plan made, when the run ends before applying it.
    pub(super) fn finish_with(
        &mut self,
        status: RunStatus,
        reason: Option<String>,
        error: Option<ServerError>,
        plan: Option<Plan>,
    ) {
        self.sched.clear();
        if let State::Applying(a) = &mut self.state {
            // Kept for `state_after`; the plan and the outcomes stay in the report.
            self.learnt = std::mem::take(&mut a.ids);
        }
        let (plan, outcomes) = match &self.state {
            State::Applying(a) => (Some(a.plan.clone()), a.outcomes()),
            State::Reviewing(p) => (plan.or_else(|| Some((**p).clone())), Vec::new()),
            _ => (plan, Vec::new()),
        };
        let report = RunReport {
            status,
            reason,
            error,
            plan,
            outcomes,
            listing: ListingSummary {
                users: self.actual.users.len() as u64,
                groups: self.actual.groups.len() as u64,
                complete: self.actual.complete,
                problems: self.actual.problems.clone(),
            },
            requests_sent: self.sched.requests_sent(),
            retries: self.sched.retries(),
            waits: self.pauses.waits(),
            waited_ms: self.pauses.waited_ms(),
            elapsed_ms: self.last_ms - self.first_ms.unwrap_or(self.last_ms),
            warnings: self.warnings.clone(),
        };
        self.log_footer(&report);
        self.state = State::Done(Box::new(report));
    }
}
