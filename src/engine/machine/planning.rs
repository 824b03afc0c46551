//! Planning, as the engine runs it: the plan made from the listed state, the choice of
//! what to apply (the fresh plan, the reviewed one in [`Mode::ApplyApproved`], or the one
//! the host approves in [`Mode::Review`]), and the refusals that end a run before it writes
//! anything (a changed server, a blocked plan, an approval of another plan, a decline).

use super::state::{Applying, State};
use super::Engine;
use crate::engine::outcome::{Event, RunStatus};
use crate::engine::{EngineError, Mode};
use crate::plan::{self, Plan};

/// What a run does with the plan it made.
enum Next {
    /// Apply this plan.
    Apply(Plan),
    /// Apply this plan once the host approves it.
    Review(Plan),
    /// End the run: the status, why, and the plan to report.
    Stop(RunStatus, Option<String>, Plan),
}

impl Engine {
    /// Plans from the listed state, then applies or stops as the mode says.
    pub(super) fn make_plan(&mut self) {
        let (profile, policy) = (self.encoder.profile(), &self.config.policy);
        let planned = match (&self.targets, &self.undo) {
            (_, Some(undo)) => Ok(crate::audit::plan_undo(
                &undo.0,
                &self.actual,
                profile,
                policy,
                undo.1,
            )),
            (Some(targets), None) => plan::plan_targeted(targets, &self.actual, profile, policy)
                .map_err(|e| e.to_string()),
            (None, None) => {
                plan::plan(&self.desired, &self.actual, profile, policy).map_err(|e| e.to_string())
            }
        };
        let plan = match planned {
            Ok(draft) => {
                let mut plan = draft.with_requests(&self.encoder);
                plan.cost.lookups = self.looked;
                plan
            }
            Err(e) => {
                self.finish(RunStatus::Failed, Some(e), None);
                return;
            }
        };
        self.events.push_back(Event::Planned {
            plan: Box::new(plan.clone()),
        });
        self.log_header(Some(&plan));
        let next = match &self.config.mode {
            Mode::PlanOnly => Next::Stop(RunStatus::Planned, None, plan),
            Mode::ApplyApproved {
                plan: approved,
                replan,
            } => {
                let (approved, replan) = ((**approved).clone(), *replan);
                self.approved_plan(approved, replan, plan)
            }
            Mode::PlanAndApply => Next::Apply(plan),
            Mode::Review => Next::Review(plan),
        };
        let (plan, review) = match next {
            Next::Apply(plan) => (plan, false),
            Next::Review(plan) => (plan, true),
            Next::Stop(status, reason, plan) => {
                self.finish_with(status, reason, None, Some(plan));
                return;
            }
        };
        if let Some(refusal) = plan.refusal(self.config.allow_blocked) {
            self.finish_with(RunStatus::Refused, Some(refusal), None, Some(plan));
            return;
        }
        // Nothing to approve in a plan without actions: it is applied (and done) at once.
        if review && !plan.actions.is_empty() {
            self.state = State::Reviewing(Box::new(plan));
            return;
        }
        self.apply_plan(plan);
    }

    fn apply_plan(&mut self, plan: Plan) {
        self.state = State::Applying(Box::new(Applying::new(plan)));
        self.start_apply_phase();
    }

    /// The host's answer to the plan under review: `Some(digest)` approves the plan of that
    /// digest, `None` declines. An approval naming another plan (one shown earlier, or by
    /// another run) is refused: nothing is written.
    pub(super) fn on_review(&mut self, approved: Option<String>) -> Result<(), EngineError> {
        let plan = match self.state.take() {
            State::Reviewing(plan) => plan,
            other => {
                let done = matches!(other, State::Done(_));
                self.state = other;
                // Stopped while the plan was shown: the answer changes nothing.
                return if done {
                    Ok(())
                } else {
                    Err(EngineError::NotReviewing)
                };
            }
        };
        match approved {
            Some(digest) if plan.digest.as_deref() == Some(digest.as_str()) => {
                self.apply_plan(*plan);
            }
            Some(digest) => {
                let reason = format!(
                    "the approval names plan {digest}, but the plan under review is {}: \
                     nothing was written",
                    plan.digest.as_deref().unwrap_or("without a digest")
                );
                self.finish_with(RunStatus::Refused, Some(reason), None, Some(*plan));
            }
            None => {
                let reason = "the host declined the plan: nothing was written".to_owned();
                self.finish_with(RunStatus::Declined, Some(reason), None, Some(*plan));
            }
        }
        Ok(())
    }

    /// In [`Mode::ApplyApproved`]: the reviewed plan `approved` when the fresh plan `fresh`
    /// agrees with it ([`plan::check_approval`]); else the fresh plan (`replan`, where the
    /// refusal allows it) or a refusal saying why.
    fn approved_plan(&mut self, approved: Plan, replan: bool, fresh: Plan) -> Next {
        match plan::check_approval(&approved, &fresh) {
            Ok(()) => Next::Apply(approved),
            Err(e) => match e.replan_warning().filter(|_| replan) {
                Some(warning) => {
                    self.warn(warning.into());
                    Next::Apply(fresh)
                }
                None => Next::Stop(RunStatus::Refused, Some(e.to_string()), fresh),
            },
        }
    }
}
