//! The circuit breaker (issue 21): against a simulator that refuses every user create with a
//! 5xx, the run stops writing once 20 of its last 40 writes failed and ends `quarantined`,
//! naming the cause; the remaining creates are never sent. Switched off, every create is
//! tried and the run ends partly applied.

use scim_provision::engine::{ActionResult, Breaker, Engine, EngineConfig, Mode, RunStatus};
use scim_provision::http::Method;
use scim_provision::model::User;
use scim_provision::plan::DesiredState;
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, Simulator as Sim, Trigger};

const USERS: usize = 60;

fn directory() -> DesiredState {
    DesiredState {
        users: (0..USERS)
            .map(|i| User::new(format!("p{i:02}@example.com")))
            .collect(),
        groups: Vec::new(),
    }
}

/// A run against a server whose every `POST /Users` fails with a 5xx.
fn run(breaker: Breaker) -> (scim_provision::engine::RunReport, usize) {
    let refuse = Trigger::per_mille(1000)
        .on(Method::Post)
        .on_endpoint(Endpoint::Users);
    let faults = Faults::none().server_errors(refuse);
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", faults, 7);
    let mut config = EngineConfig::new("/scim/v2", Profile::generic(), Mode::PlanAndApply);
    config.max_attempts = 2;
    config.breaker = breaker;
    let mut engine = Engine::new(config, directory()).unwrap();
    let mut clock = 0;
    let report = drive(&mut sim, &mut engine, &mut clock, 5_000, |_, _, _| {
        Control::Continue
    });
    let posts = sim
        .log()
        .iter()
        .filter(|e| e.method == Method::Post && e.path == "/scim/v2/Users")
        .count();
    (report, posts)
}

#[test]
fn a_run_that_keeps_failing_is_quarantined_and_stops_writing() {
    let (report, posts) = run(Breaker::default());
    assert_eq!(report.status, RunStatus::Quarantined, "{:?}", report.reason);
    let reason = report.reason.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("quarantined: 20 of the last 20 writes failed"),
        "{reason}"
    );
    let failed = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.result, ActionResult::Failed { .. }))
        .count();
    assert_eq!(failed, 20);
    // A failure is an action whose attempts are spent: first attempts of later creates went
    // out while earlier ones waited to retry, but no retry or create is sent once it trips.
    let not_run = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.result, ActionResult::NotRun))
        .count();
    assert!(
        not_run >= USERS - 20 - EngineConfig::default().max_in_flight as usize,
        "{not_run} not run"
    );
    assert!(
        posts < USERS * 2,
        "{posts} POSTs of {} without the breaker",
        USERS * 2
    );
}

#[test]
fn switched_off_every_create_is_tried() {
    let (report, posts) = run(Breaker::off());
    assert_eq!(report.status, RunStatus::PartiallyApplied);
    assert_eq!(posts, USERS * 2, "each create and its one retry");
    let failed = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.result, ActionResult::Failed { .. }))
        .count();
    assert_eq!(failed, USERS);
}
