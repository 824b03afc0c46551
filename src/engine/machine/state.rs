//! The run's state: one variant per phase, each owning what that phase works on (the
//! listings while listing, the missing-member problems while planning, the plan under
//! review, the plan and its outcomes while applying, the report once done), as
//! quinn-proto's `Connection` keeps its `State`. What lives longer than one phase stays on
//! the `Engine`: the configuration, the scheduler, the listed server state and the
//! warnings.

use foldhash::HashMap;

use crate::engine::joined::Joined;
use crate::engine::listing::Listing;
use crate::engine::lookup::{Lookup, Verdict};
use crate::engine::outcome::{ActionOutcome, ActionResult, RunReport};
use crate::model::{Group, User};
use crate::plan::{group_key, user_key, ApplyPhase, IdLookup, Plan, Step};

/// Where a run is.
#[derive(Debug)]
pub(super) enum State {
    /// Not polled yet.
    Created(Listings),
    /// Asking for the server's ServiceProviderConfig, which may change how it is listed.
    Discovering(Listings),
    /// Listing users and groups, page by page.
    Listing(Listings),
    /// A targeted run: looking up only its subjects, instead of listing (see `look`).
    Looking(Box<Looks>),
    /// Listed: fetching the members the listing left out (of the groups the directory
    /// names) for the planner, then planning. What could not be fetched makes the listing
    /// incomplete.
    Planning {
        /// Why some members are unknown.
        member_problems: Vec<String>,
    },
    /// Planned in [`crate::engine::Mode::Review`]: the plan waits for the host's approval,
    /// nothing queued or in flight.
    Reviewing(Box<Plan>),
    /// Applying a plan, one apply phase after the other.
    Applying(Box<Applying>),
    /// Over; the report is final.
    Done(Box<RunReport>),
}

impl State {
    /// Moves the state out, leaving an empty `Planning` until the caller sets the next one.
    pub(super) fn take(&mut self) -> State {
        std::mem::replace(
            self,
            State::Planning {
                member_problems: Vec::new(),
            },
        )
    }
}

/// The lookups of a targeted run's subjects, and how each ended.
#[derive(Debug)]
pub(super) struct Looks {
    pub(super) lookups: Vec<Lookup>,
    /// Lookups asked for together, in one `or` query each.
    pub(super) joined: Vec<Joined>,
    pub(super) verdicts: Vec<Option<Verdict>>,
}

/// The listings of both resource kinds.
#[derive(Debug)]
pub(super) struct Listings {
    pub(super) users: Listing<User>,
    pub(super) groups: Listing<Group>,
}

/// A plan being applied.
#[derive(Debug)]
pub(super) struct Applying {
    /// The plan; its actions are the steps applied.
    pub(super) plan: Plan,
    /// The apply phases the plan's actions fall in, in order.
    phases: Vec<ApplyPhase>,
    /// The current one, as an index into `phases`.
    at: usize,
    /// Each action's outcome, once it has one.
    outcomes: Vec<Option<ActionResult>>,
    /// Actions with an outcome.
    resolved: u64,
    /// Ids learnt while applying.
    pub(super) ids: Ids,
    /// Under Bulk, the first action not yet sent (batches go in plan order).
    pub(super) bulk_next: usize,
}

impl Applying {
    pub(super) fn new(plan: Plan) -> Applying {
        let mut phases: Vec<ApplyPhase> = plan.actions.iter().map(|s| s.action.phase()).collect();
        phases.dedup();
        Applying {
            outcomes: vec![None; plan.actions.len()],
            plan,
            phases,
            at: 0,
            resolved: 0,
            ids: Ids::default(),
            bulk_next: 0,
        }
    }

    /// The plan's steps.
    pub(super) fn steps(&self) -> &[Step] {
        &self.plan.actions
    }

    /// The actions of the current apply phase still without an outcome; `None` once every
    /// phase is over.
    pub(super) fn phase_actions(&self) -> Option<Vec<usize>> {
        let phase = *self.phases.get(self.at)?;
        let steps = self.steps();
        Some(
            (0..steps.len())
                .filter(|&i| steps[i].action.phase() == phase && self.outcomes[i].is_none())
                .collect(),
        )
    }

    /// Moves to the next apply phase.
    pub(super) fn next_phase(&mut self) {
        self.at += 1;
    }

    /// Records action `index`'s outcome; `None` when it had one already.
    pub(super) fn record(&mut self, index: usize, result: ActionResult) -> Option<ActionOutcome> {
        if self.outcomes.get(index).is_some_and(Option::is_some) {
            return None;
        }
        if let Some(slot) = self.outcomes.get_mut(index) {
            *slot = Some(result.clone());
        }
        self.resolved += 1;
        let action = &self.steps()[index].action;
        Some(ActionOutcome {
            index,
            kind: action.kind(),
            subject: action.subject().to_owned(),
            result,
        })
    }

    /// (actions with an outcome, actions).
    pub(super) fn progress(&self) -> (u64, u64) {
        (self.resolved, self.outcomes.len() as u64)
    }

    /// Whether every action was applied or adopted.
    pub(super) fn is_clean(&self) -> bool {
        self.outcomes.iter().all(|o| {
            matches!(
                o,
                Some(ActionResult::Applied | ActionResult::Adopted { .. })
            )
        })
    }

    /// Every action's outcome, [`ActionResult::NotRun`] where it has none.
    pub(super) fn outcomes(&self) -> Vec<ActionOutcome> {
        self.steps()
            .iter()
            .enumerate()
            .map(|(index, s)| ActionOutcome {
                index,
                kind: s.action.kind(),
                subject: s.action.subject().to_owned(),
                result: self
                    .outcomes
                    .get(index)
                    .cloned()
                    .flatten()
                    .unwrap_or(ActionResult::NotRun),
            })
            .collect()
    }

    /// Records the id a create of action `action`'s subject made.
    pub(super) fn learn(&mut self, action_is_user: bool, subject: &str, id: String) {
        if action_is_user {
            self.ids.users.insert(user_key(subject), id);
        } else {
            self.ids.groups.insert(group_key(subject), id);
        }
    }
}

/// Ids learnt during apply, by normalized name.
#[derive(Debug, Default)]
pub(super) struct Ids {
    pub(super) users: HashMap<String, String>,
    pub(super) groups: HashMap<String, String>,
}

impl IdLookup for Ids {
    fn user_id(&self, user_name: &str) -> Option<String> {
        self.users.get(&user_key(user_name)).cloned()
    }
    fn group_id(&self, display_name: &str) -> Option<String> {
        self.groups.get(&group_key(display_name)).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ActionKind;
    use crate::profile::Profile;

    /// A plan into an empty server: two users created, a group created, its members added
    /// (Airtable creates groups empty).
    fn applying() -> Applying {
        let plan = crate::plan::plan_into_empty(
            r#"{"users": [{"userName": "b@x"}, {"userName": "a@x"}],
                "groups": [{"displayName": "Eng", "members": ["a@x", "b@x"]}]}"#,
            Profile::airtable(),
        );
        Applying::new(plan)
    }

    #[test]
    fn phases_run_in_order_and_skip_settled_actions() {
        let mut a = applying();
        let kinds = |a: &Applying, ix: Vec<usize>| -> Vec<ActionKind> {
            ix.into_iter().map(|i| a.steps()[i].action.kind()).collect()
        };
        let first = a.phase_actions().unwrap();
        assert_eq!(
            kinds(&a, first.clone()),
            [ActionKind::CreateUser, ActionKind::CreateUser]
        );
        // An action settled early is not started again.
        a.record(first[0], ActionResult::Applied);
        assert_eq!(a.phase_actions().unwrap(), vec![first[1]]);
        a.next_phase();
        assert_eq!(
            kinds(&a, a.phase_actions().unwrap()),
            [ActionKind::CreateGroup]
        );
        a.next_phase();
        assert_eq!(
            kinds(&a, a.phase_actions().unwrap()),
            [ActionKind::AddMembers]
        );
        a.next_phase();
        assert_eq!(a.phase_actions(), None, "every phase is over");
    }

    #[test]
    fn an_outcome_is_recorded_once() {
        let mut a = applying();
        assert!(a.record(0, ActionResult::Applied).is_some());
        let again = a.record(0, ActionResult::NotRun);
        assert!(again.is_none(), "a second outcome is ignored");
        assert_eq!(a.progress(), (1, 4));
        let outcomes = a.outcomes();
        assert_eq!(outcomes[0].result, ActionResult::Applied);
        assert_eq!(outcomes[3].result, ActionResult::NotRun);
        assert!(!a.is_clean());
        for i in 1..4 {
            a.record(i, ActionResult::Applied);
        }
        assert!(a.is_clean());
    }

    #[test]
    fn learnt_ids_resolve_by_normalized_name() {
        let mut a = applying();
        a.learn(true, "A@X", "u1".into());
        a.learn(false, "eng", "g1".into());
        assert_eq!(a.ids.user_id("a@x").as_deref(), Some("u1"));
        assert_eq!(a.ids.group_id("ENG").as_deref(), Some("g1"));
        assert_eq!(a.ids.user_id("b@x"), None);
    }
}
