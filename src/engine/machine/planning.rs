//! Planning, as the engine runs it: the plan made from the listed state, the choice of
//! what to apply (the fresh plan, or the reviewed one in [`Mode::ApplyApproved`]), and the
//! refusals that end a run before it writes anything (a changed server, a blocked plan).

use super::state::{Applying, State};
use super::Engine;
use crate::engine::outcome::{Event, RunStatus};
use crate::engine::Mode;
use crate::plan::{self, Plan};

/// What a run does with the plan it made.
enum Next {
    /// Apply this plan.
    Apply(Plan),
    /// End the run: the status, why, and the plan to report.
    Stop(RunStatus, Option<String>, Plan),
}

impl Engine {
    /// Plans from the listed state, then applies or stops as the mode says.
    pub(super) fn make_plan(&mut self) {
        let planned = plan::plan(
            &self.desired,
            &self.actual,
            self.encoder.profile(),
            &self.config.policy,
        );
        let plan = match planned {
            Ok(draft) => draft.with_requests(&self.encoder),
            Err(e) => {
                self.finish(RunStatus::Failed, Some(e.to_string()), None);
                return;
            }
        };
        self.events.push_back(Event::Planned {
            plan: Box::new(plan.clone()),
        });
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
        };
        let plan = match next {
            Next::Apply(plan) => plan,
            Next::Stop(status, reason, plan) => {
                self.finish_with(status, reason, None, Some(plan));
                return;
            }
        };
        if let Some(refusal) = plan.refusal(self.config.allow_blocked) {
            self.finish_with(RunStatus::Refused, Some(refusal), None, Some(plan));
            return;
        }
        self.state = State::Applying(Box::new(Applying::new(plan)));
        self.start_apply_phase();
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
