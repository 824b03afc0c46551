//! One listing per run (issue 18): in `Mode::Review` the engine lists and plans, shows the
//! plan (`Output::Review`) and applies it from that same listing once the host approves it
//! by its digest. Counted at the simulator: each listing page is asked for once, where
//! planning in one run and applying the reviewed plan in another lists every page twice.
//! An approval naming another plan, and a decline, write nothing.

use std::collections::BTreeSet;

use scim_provision::engine::{
    ActionResult, Engine, EngineConfig, EngineError, Input, Mode, Output, RunReport, RunStatus,
};
use scim_provision::http::Method;
use scim_provision::model::User;
use scim_provision::plan::{DesiredGroup, DesiredState, Plan};
use scim_provision::profile::Profile;
use scim_sim::{drive, drive_reviewed, Control, Endpoint, Faults, Flavor, Simulator as Sim};

const TIMEOUT_MS: u64 = 5_000;
/// Listed users: three pages of 100 (the simulator advertises maxResults 100).
const LISTED: usize = 250;

fn user(name: &str) -> User {
    let mut u = User::new(name);
    u.active = Some(true);
    u
}

fn listed_name(i: usize) -> String {
    format!("u{i:03}@example.com")
}

/// A server of `LISTED` users; the directory keeps them all, adds two and a group of both.
fn server_and_directory() -> (Sim, DesiredState) {
    let mut sim = Sim::new(
        Flavor::Generic,
        "/scim/v2",
        Faults::none().latency_ms(10).max_results(100),
        1,
    );
    let mut users: Vec<User> = (0..LISTED).map(|i| user(&listed_name(i))).collect();
    for u in &users {
        sim.seed_user(u.clone());
    }
    users.extend(["new1@example.com", "new2@example.com"].map(user));
    let desired = DesiredState {
        users,
        groups: vec![DesiredGroup {
            display_name: "Eng".into(),
            external_id: None,
            members: vec!["new1@example.com".into(), "new2@example.com".into()],
            member_groups: Vec::new(),
        }],
    };
    (sim, desired)
}

fn config(mode: Mode) -> EngineConfig {
    let mut c = EngineConfig::new("/scim/v2", Profile::generic(), mode);
    c.seed = 3;
    c
}

/// Runs `mode` against `sim`, answering a review with `on_review`.
fn run(
    sim: &mut Sim,
    mode: Mode,
    desired: DesiredState,
    on_review: impl FnMut(&mut Sim, &Plan) -> Input,
) -> RunReport {
    let mut engine = Engine::new(config(mode), desired).unwrap();
    let mut clock = 1_000;
    let go_on = |_: &mut Sim, _: &_, _| Control::Continue;
    drive_reviewed(sim, &mut engine, &mut clock, TIMEOUT_MS, go_on, on_review)
}

fn approve(plan: &Plan) -> Input {
    Input::Approve {
        digest: plan
            .digest
            .clone()
            .expect("a plan made by the engine has a digest"),
    }
}

/// The listing requests the server received (collection GETs), as (endpoint, path).
fn listing_requests(sim: &Sim) -> Vec<(Endpoint, String)> {
    sim.log()
        .iter()
        .filter(|e| {
            e.method == Method::Get && matches!(e.endpoint, Endpoint::Users | Endpoint::Groups)
        })
        .map(|e| (e.endpoint, e.path.clone()))
        .collect()
}

fn writes(sim: &Sim) -> usize {
    sim.log().iter().filter(|e| e.method != Method::Get).count()
}

#[test]
fn a_reviewed_run_lists_each_page_once_and_applies_from_that_listing() {
    let (mut sim, desired) = server_and_directory();
    let mut shown = Vec::new();
    let report = run(&mut sim, Mode::Review, desired.clone(), |sim, plan| {
        // Nothing is written while the plan is shown.
        assert_eq!(writes(sim), 0);
        shown.push(plan.clone());
        approve(plan)
    });
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert_eq!(shown.len(), 1, "asked once");
    assert_eq!(
        report.plan.as_ref(),
        Some(&shown[0]),
        "the plan shown is the one applied"
    );
    assert!(report
        .outcomes
        .iter()
        .all(|o| o.result == ActionResult::Applied));
    let listed = listing_requests(&sim);
    let distinct: BTreeSet<_> = listed.iter().collect();
    assert_eq!(
        distinct.len(),
        listed.len(),
        "no page asked for twice: {listed:?}"
    );
    let user_pages = listed.iter().filter(|(e, _)| *e == Endpoint::Users).count();
    let group_pages = listed
        .iter()
        .filter(|(e, _)| *e == Endpoint::Groups)
        .count();
    assert_eq!((user_pages, group_pages), (LISTED.div_ceil(100), 1));
    assert_eq!(
        writes(&sim),
        shown[0].cost.requests as usize,
        "the writes the plan stated"
    );
    assert_eq!(sim.users().len(), LISTED + 2);

    // The same change made the two-run way (plan, then apply the reviewed plan) lists twice.
    let (mut sim2, desired) = server_and_directory();
    let planned = run(
        &mut sim2,
        Mode::PlanOnly,
        desired.clone(),
        |_, _| unreachable!(),
    );
    let reviewed = planned.plan.expect("a plan");
    let approved = Mode::ApplyApproved {
        plan: Box::new(reviewed),
        replan: false,
    };
    let applied = run(&mut sim2, approved, desired, |_, _| unreachable!());
    assert_eq!(applied.status, RunStatus::Applied, "{applied:?}");
    assert_eq!(listing_requests(&sim2).len(), 2 * listed.len());
    assert_eq!(writes(&sim2), writes(&sim));
}

#[test]
fn an_approval_naming_another_plan_is_refused_and_writes_nothing() {
    let (mut sim, desired) = server_and_directory();
    let report = run(&mut sim, Mode::Review, desired, |_, plan| {
        let mut digest = plan.digest.clone().unwrap();
        digest.replace_range(0..1, if digest.starts_with('0') { "1" } else { "0" });
        Input::Approve { digest }
    });
    assert_eq!(report.status, RunStatus::Refused, "{report:?}");
    let reason = report.reason.unwrap();
    assert!(reason.contains("the approval names plan"), "{reason}");
    assert!(reason.contains(report.plan.unwrap().digest.as_deref().unwrap()));
    assert_eq!(writes(&sim), 0);
    assert!(report.outcomes.is_empty());
}

#[test]
fn a_declined_plan_ends_declined_and_writes_nothing() {
    let (mut sim, desired) = server_and_directory();
    let report = run(&mut sim, Mode::Review, desired, |_, _| Input::Decline);
    assert_eq!(report.status, RunStatus::Declined, "{report:?}");
    assert!(report.plan.is_some(), "the declined plan is reported");
    assert_eq!(report.failure(), None, "a decline is no error");
    assert_eq!(writes(&sim), 0);
    assert_eq!(sim.users().len(), LISTED);
}

#[test]
fn a_user_made_while_the_plan_is_read_is_adopted_not_created_twice() {
    let (mut sim, desired) = server_and_directory();
    let report = run(&mut sim, Mode::Review, desired, |sim, plan| {
        // Another client creates one of the plan's new users meanwhile: the create meets a
        // 409 and the user is adopted, exactly once.
        sim.seed_user(user("new1@example.com"));
        approve(plan)
    });
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    let adopted = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.result, ActionResult::Adopted { .. }))
        .count();
    assert_eq!(adopted, 1, "{:?}", report.outcomes);
    let named = sim
        .users()
        .into_iter()
        .filter(|u| u.user_name == "new1@example.com")
        .count();
    assert_eq!(named, 1);
}

#[test]
fn nothing_to_do_is_not_asked_and_a_blocked_plan_is_refused_before_it_is_shown() {
    // Nothing to do: applied at once.
    let (mut sim, _) = server_and_directory();
    let same = DesiredState {
        users: sim.users(),
        groups: Vec::new(),
    };
    let report = run(&mut sim, Mode::Review, same, |_, _| {
        unreachable!("no review")
    });
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert_eq!(writes(&sim), 0);

    // Removing 248 of 250 users is over the default cap: refused, never shown.
    let (mut sim, mut desired) = server_and_directory();
    desired.users.truncate(2);
    desired.groups.clear();
    let report = run(&mut sim, Mode::Review, desired, |_, _| {
        unreachable!("no review")
    });
    assert_eq!(report.status, RunStatus::Refused, "{report:?}");
    assert!(report.reason.unwrap().starts_with("the plan is blocked"));
    assert_eq!(writes(&sim), 0);
}

#[test]
fn an_answer_without_a_plan_under_review_is_misuse() {
    let desired = DesiredState::default();
    let mut engine = Engine::new(config(Mode::Review), desired.clone()).unwrap();
    assert_eq!(
        engine.handle_input(Input::Decline, 0),
        Err(EngineError::NotReviewing)
    );
    // Another mode never asks; its run is unchanged by the stray answer.
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", Faults::none(), 1);
    let mut engine = Engine::new(config(Mode::PlanAndApply), desired).unwrap();
    let digest = "0".repeat(64);
    assert_eq!(
        engine.handle_input(Input::Approve { digest }, 0),
        Err(EngineError::NotReviewing)
    );
    let mut clock = 0;
    let report = drive(&mut sim, &mut engine, &mut clock, TIMEOUT_MS, |_, _, _| {
        Control::Continue
    });
    assert_eq!(report.status, RunStatus::Applied);
    // Once over (aborted while shown), an answer changes nothing.
    let (mut sim, desired) = server_and_directory();
    let mut engine = Engine::new(config(Mode::Review), desired).unwrap();
    let mut clock = 0;
    let plan = loop {
        match engine.poll_output(clock) {
            Output::Send { id, request } => {
                let response = match sim.handle(&request, clock) {
                    scim_sim::Reply::Respond { response, .. } => response,
                    scim_sim::Reply::Drop => unreachable!("no faults"),
                };
                engine
                    .handle_input(Input::Response { id, response }, clock)
                    .unwrap();
            }
            Output::Review { plan } => break plan,
            Output::Wait { until_ms } => clock = until_ms.unwrap_or(clock + 1),
            _ => {}
        }
    };
    assert!(
        matches!(engine.poll_output(clock), Output::Review { .. }),
        "asked again"
    );
    engine.abort();
    assert_eq!(engine.handle_input(approve(&plan), clock), Ok(()));
    let Output::Done { report } = engine.poll_output(clock) else {
        panic!("done")
    };
    assert_eq!(report.status, RunStatus::Aborted);
    assert_eq!(report.plan.as_ref(), Some(&*plan));
    assert_eq!(writes(&sim), 0);
}
