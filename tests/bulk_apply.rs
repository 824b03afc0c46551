//! SCIM Bulk in apply, counted and read back at the simulator (issue 18 item 4): an initial
//! sync sends the listing and ⌈operations ÷ maxOperations⌉ Bulk requests, and the server
//! then holds everything; a bad row fails only its own action; a batch whose answer is lost
//! after the server committed it is settled by looking its creates up (each user is held
//! once); `useBulk: false` sends single requests.

use scim_provision::engine::{ActionResult, Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::http::Method;
use scim_provision::model::User;
use scim_provision::plan::{ActionKind, DesiredGroup, DesiredState};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, LostAnswer, Simulator as Sim, Trigger};

const MAX_OPERATIONS: u64 = 100;

fn name(i: usize) -> String {
    format!("user{i:03}@example.com")
}

/// `users` users, and 5 groups each holding every fifth of them.
fn directory(users: usize) -> DesiredState {
    let active = |n: String| {
        let mut u = User::new(&n);
        u.active = Some(true);
        u
    };
    DesiredState {
        users: (0..users).map(|i| active(name(i))).collect(),
        groups: (0..5)
            .map(|g| DesiredGroup {
                display_name: format!("Team {g}"),
                external_id: None,
                members: (g..users).step_by(5).map(name).collect(),
                member_groups: Vec::new(),
            })
            .collect(),
    }
}

fn bulk_sim(faults: Faults) -> Sim {
    Sim::new(
        Flavor::Generic,
        "/scim/v2",
        faults.latency_ms(10).bulk(MAX_OPERATIONS, 1_048_576),
        1,
    )
}

fn run(sim: &mut Sim, profile: Profile, desired: DesiredState) -> RunReport {
    let mut config = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
    config.seed = 3;
    config.backoff_base_ms = 100;
    let mut engine = Engine::new(config, desired).unwrap();
    let mut clock = 1_000;
    drive(sim, &mut engine, &mut clock, 5_000, |_, _, _| {
        Control::Continue
    })
}

/// Requests the server received to `endpoint` with `method`.
fn count(sim: &Sim, method: Method, endpoint: Endpoint) -> usize {
    sim.log()
        .iter()
        .filter(|e| e.method == method && e.endpoint == endpoint)
        .count()
}

/// Reads the server back: every desired user held exactly once, every group with exactly
/// its desired members.
fn assert_server_holds(sim: &Sim, desired: &DesiredState, except: &[String]) {
    let users = sim.users();
    for u in &desired.users {
        let held = users.iter().filter(|s| s.user_name == u.user_name).count();
        let want = usize::from(!except.contains(&u.user_name));
        assert_eq!(held, want, "{} held {held} times", u.user_name);
    }
    assert_eq!(users.len(), desired.users.len() - except.len());
    for g in &desired.groups {
        let held: Vec<_> = sim
            .groups()
            .into_iter()
            .filter(|s| s.display_name == g.display_name)
            .collect();
        assert_eq!(held.len(), 1, "{} held once", g.display_name);
        let mut members: Vec<String> = held[0]
            .members
            .iter()
            .flatten()
            .map(|m| sim.user(&m.value).expect("a member is a user").user_name)
            .collect();
        members.sort();
        let mut want: Vec<String> = g
            .members
            .iter()
            .filter(|m| !except.contains(m))
            .cloned()
            .collect();
        want.sort();
        assert_eq!(members, want, "members of {}", g.display_name);
    }
}

#[test]
fn an_initial_sync_sends_the_listing_and_the_fewest_bulk_requests() {
    let desired = directory(250);
    let mut sim = bulk_sim(Faults::none());
    let report = run(&mut sim, Profile::generic(), desired.clone());
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    let operations = report.outcomes.len() as u64;
    assert_eq!(
        operations, 255,
        "250 user creates, 5 group creates with members"
    );
    let bulk = count(&sim, Method::Post, Endpoint::Bulk) as u64;
    assert_eq!(bulk, operations.div_ceil(MAX_OPERATIONS));
    // The plan stated it: discovery's limits are the profile's.
    let cost = &report.plan.as_ref().unwrap().cost;
    assert_eq!((cost.requests, cost.bulk_max_operations), (bulk, Some(100)));
    // Discovery, one page of users, one of groups: the rest is Bulk.
    let reads = sim.log().iter().filter(|e| e.method == Method::Get).count() as u64;
    assert_eq!(reads, 3);
    assert_eq!(report.requests_sent, reads + bulk);
    assert_eq!(sim.log().len() as u64, reads + bulk, "no single write");
    assert_server_holds(&sim, &desired, &[]);
    // A second run finds nothing to do.
    let again = run(&mut sim, Profile::generic(), desired);
    assert_eq!(
        (again.status, again.outcomes.len()),
        (RunStatus::Applied, 0)
    );
}

#[test]
fn a_bad_row_fails_only_its_own_action() {
    let desired = directory(30);
    let bad = name(7);
    let mut sim = bulk_sim(Faults::none());
    // Another tenant's user holds the name: its create answers 409 and no lookup finds it.
    sim.reserve_user_name(&bad);
    let report = run(&mut sim, Profile::generic(), desired.clone());
    assert_eq!(report.status, RunStatus::PartiallyApplied, "{report:?}");
    let failed: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| !matches!(o.result, ActionResult::Applied))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        (failed[0].kind, failed[0].subject.as_str()),
        (ActionKind::CreateUser, bad.as_str())
    );
    assert_eq!(count(&sim, Method::Post, Endpoint::Bulk), 1);
    assert_server_holds(&sim, &desired, &[bad]);
}

#[test]
fn a_lost_batch_answer_adopts_its_creates_instead_of_duplicating_them() {
    for how in [
        LostAnswer::Dropped,
        LostAnswer::Truncated,
        LostAnswer::ServerError(502),
    ] {
        let desired = directory(150);
        let lose_first_batch = Trigger::nth(1).on(Method::Post).on_endpoint(Endpoint::Bulk);
        let mut sim = bulk_sim(Faults::none().lose_after_commit(lose_first_batch, how));
        let report = run(&mut sim, Profile::generic(), desired.clone());
        assert_eq!(report.status, RunStatus::Applied, "{how:?}: {report:?}");
        let adopted = report
            .outcomes
            .iter()
            .filter(|o| matches!(o.result, ActionResult::Adopted { .. }))
            .count();
        assert_eq!(
            adopted, MAX_OPERATIONS as usize,
            "{how:?}: the lost batch's creates"
        );
        // No create was sent again: the lost batch and the one after it.
        assert_eq!(count(&sim, Method::Post, Endpoint::Bulk), 2, "{how:?}");
        assert_eq!(count(&sim, Method::Post, Endpoint::Users), 0, "{how:?}");
        assert_server_holds(&sim, &desired, &[]);
    }
}

#[test]
fn use_bulk_false_sends_single_requests() {
    let desired = directory(20);
    let mut sim = bulk_sim(Faults::none());
    let mut profile = Profile::generic();
    profile.use_bulk = false;
    let report = run(&mut sim, profile, desired.clone());
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert_eq!(count(&sim, Method::Post, Endpoint::Bulk), 0);
    assert_eq!(count(&sim, Method::Post, Endpoint::Users), 20);
    assert_eq!(count(&sim, Method::Post, Endpoint::Groups), 5);
    assert_server_holds(&sim, &desired, &[]);
}
