//! RFC 9865 cursor pagination against the simulator: a server that advertises cursors is
//! listed by cursor, one page after the other, to the page without `nextCursor`; a profile
//! can ask for cursors without discovery; a cursor named twice or a page that fails leaves
//! the listing incomplete, and an incomplete listing plans no removal. Servers without
//! cursors keep index paging.

use scim_provision::engine::{Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::http::Method;
use scim_provision::model::User;
use scim_provision::plan::{ActionKind, DesiredState, Guard};
use scim_provision::profile::{Pagination, Profile};
use scim_sim::{drive, Control, CursorPaging, Endpoint, Faults, Flavor, Simulator as Sim};

const TIMEOUT_MS: u64 = 5_000;

fn user(i: usize) -> User {
    let mut u = User::new(format!("u{i:03}@example.com"));
    u.active = Some(true);
    u
}

/// 250 users on the server; the directory keeps the first 249, so a complete listing plans
/// one removal (the deactivation of u249).
fn setup(faults: Faults) -> (Sim, DesiredState) {
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", faults, 1);
    for i in 0..250 {
        sim.seed_user(user(i));
    }
    let desired = DesiredState {
        users: (0..249).map(user).collect(),
        groups: Vec::new(),
    };
    (sim, desired)
}

fn run(sim: &mut Sim, profile: Profile, desired: DesiredState) -> RunReport {
    let mut config = EngineConfig::new("/scim/v2", profile, Mode::PlanOnly);
    config.seed = 3;
    config.backoff_base_ms = 100;
    let mut engine = Engine::new(config, desired).unwrap();
    let mut clock = 1_000;
    drive(sim, &mut engine, &mut clock, TIMEOUT_MS, |_, _, _| {
        Control::Continue
    })
}

/// The query strings of the listing requests to `/Users`, in order.
fn user_pages(sim: &Sim) -> Vec<String> {
    sim.log()
        .iter()
        .filter(|e| e.method == Method::Get && e.endpoint == Endpoint::Users)
        .map(|e| e.path.split_once('?').map_or("", |(_, q)| q).to_owned())
        .collect()
}

fn removals(report: &RunReport) -> usize {
    let plan = report.plan.as_ref().expect("a plan");
    plan.actions
        .iter()
        .filter(|s| {
            matches!(
                s.action.kind(),
                ActionKind::DeactivateUser | ActionKind::DeleteUser
            )
        })
        .count()
}

#[test]
fn discovery_advertising_cursors_switches_the_listing_to_cursors() {
    let faults = Faults::none()
        .max_results(100)
        .cursor_pagination(CursorPaging::honest());
    let (mut sim, desired) = setup(faults);
    let report = run(&mut sim, Profile::generic(), desired);
    assert_eq!(report.status, RunStatus::Planned, "{report:?}");
    assert!(report.listing.complete, "{:?}", report.listing.problems);
    assert_eq!(report.listing.users, 250);
    // 250 users in pages of 100: three requests, each naming the cursor the page before
    // gave, the first with an empty one.
    assert_eq!(
        user_pages(&sim),
        [
            "cursor&count=100",
            "cursor=pos100&count=100",
            "cursor=pos200&count=100"
        ]
    );
    assert_eq!(removals(&report), 1, "a complete listing plans the removal");
}

#[test]
fn a_server_without_cursors_keeps_index_paging() {
    let (mut sim, desired) = setup(Faults::none().max_results(100));
    let report = run(&mut sim, Profile::generic(), desired);
    assert!(report.listing.complete, "{:?}", report.listing.problems);
    assert_eq!(
        user_pages(&sim),
        [
            "startIndex=1&count=100",
            "startIndex=101&count=100",
            "startIndex=201&count=100"
        ]
    );
}

#[test]
fn a_profile_that_says_cursors_lists_by_cursor_without_discovery() {
    let (mut sim, desired) = setup(Faults::none().cursor_pagination(CursorPaging::honest()));
    let mut profile = Profile::generic();
    profile.discovery = false;
    profile.pagination = Pagination::Cursor;
    profile.users.max_page_size = Some(100);
    let report = run(&mut sim, profile, desired);
    assert!(report.listing.complete, "{:?}", report.listing.problems);
    assert_eq!(report.listing.users, 250);
    assert_eq!(user_pages(&sim).len(), 3);
    assert_eq!(removals(&report), 1);
}

/// A cursor listing of the 250 users over a server with `paging`'s fault: incomplete, with a
/// problem for which `names` holds, and no removal planned.
fn incomplete_with(paging: CursorPaging, names: impl Fn(&str) -> bool) -> (Sim, RunReport) {
    let faults = Faults::none().max_results(100).cursor_pagination(paging);
    let (mut sim, desired) = setup(faults);
    let report = run(&mut sim, Profile::generic(), desired);
    assert!(!report.listing.complete);
    let problems = &report.listing.problems;
    assert!(problems.iter().any(|p| names(p)), "{problems:?}");
    assert_eq!(removals(&report), 0);
    let plan = report.plan.as_ref().expect("a plan");
    assert!(plan
        .blocked
        .iter()
        .any(|b| b.guard == Guard::IncompleteListing));
    (sim, report)
}

#[test]
fn a_repeated_cursor_leaves_the_listing_incomplete_and_blocks_removals() {
    let (sim, _) = incomplete_with(CursorPaging::honest().repeating_at(2), |p| {
        p.contains("names the cursor \"pos100\" again")
    });
    // The loop is not followed: page 2 is asked for once.
    assert_eq!(user_pages(&sim).len(), 2);
}

#[test]
fn a_failed_cursor_page_leaves_the_listing_incomplete_and_blocks_removals() {
    let (_, report) = incomplete_with(CursorPaging::honest().expiring_at(3), |p| {
        p.contains("the page 3 failed") && p.contains("expiredCursor")
    });
    assert_eq!(report.listing.users, 200);
}
