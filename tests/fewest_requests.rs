//! Fewest requests, counted at the simulator (issue 18): a new group is created with its
//! members in one POST where the server takes them (one POST and one PATCH on Airtable,
//! which creates groups empty), the listing asks for the largest page discovery allows, and
//! the plan's stated cost is the number of writes the run sends. A group another client
//! made first is adopted and still gets every member (a lost answer to a create with
//! members: `exactly_once.rs`).

use scim_provision::engine::{ActionResult, Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::http::{HttpRequest, Method};
use scim_provision::model::{Group, User};
use scim_provision::plan::{ActionKind, DesiredGroup, DesiredState};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, Simulator as Sim};

const TIMEOUT_MS: u64 = 5_000;
const NAMES: [&str; 3] = ["ana@example.com", "bob@example.com", "cy@example.com"];

fn user(name: &str) -> User {
    let mut u = User::new(name);
    u.active = Some(true);
    u
}

/// The three users, and the group "Eng" holding them.
fn directory() -> DesiredState {
    DesiredState {
        users: NAMES.iter().map(|n| user(n)).collect(),
        groups: vec![DesiredGroup {
            display_name: "Eng".into(),
            external_id: None,
            members: NAMES.iter().map(|n| (*n).to_owned()).collect(),
            member_groups: Vec::new(),
        }],
    }
}

fn profile_of(flavor: Flavor) -> Profile {
    match flavor {
        Flavor::Airtable => Profile::airtable(),
        _ => Profile::generic(),
    }
}

fn config(flavor: Flavor, mode: Mode) -> EngineConfig {
    let mut c = EngineConfig::new("/scim/v2", profile_of(flavor), mode);
    c.seed = 5;
    c.backoff_base_ms = 100;
    c
}

fn run_with(
    sim: &mut Sim,
    config: EngineConfig,
    desired: DesiredState,
    mut hook: impl FnMut(&mut Sim, &HttpRequest, u64),
) -> RunReport {
    let mut engine = Engine::new(config, desired).unwrap();
    let mut clock = 1_000;
    drive(
        sim,
        &mut engine,
        &mut clock,
        TIMEOUT_MS,
        |sim, request, now| {
            hook(sim, request, now);
            Control::Continue
        },
    )
}

fn run(sim: &mut Sim, config: EngineConfig, desired: DesiredState) -> RunReport {
    run_with(sim, config, desired, |_, _, _| {})
}

/// The writes the server received, as (method, endpoint), in order.
fn writes(sim: &Sim) -> Vec<(Method, Endpoint)> {
    sim.log()
        .iter()
        .filter(|e| e.method != Method::Get)
        .map(|e| (e.method, e.endpoint))
        .collect()
}

/// The members of the server's group `name`, as userNames, sorted.
fn members_of(sim: &Sim, name: &str) -> Vec<String> {
    let groups: Vec<Group> = sim
        .groups()
        .into_iter()
        .filter(|g| g.display_name == name)
        .collect();
    assert_eq!(groups.len(), 1, "one group {name:?}: {groups:?}");
    let mut names: Vec<String> = groups[0]
        .members
        .iter()
        .flatten()
        .map(|m| sim.user(&m.value).expect("a member is a user").user_name)
        .collect();
    names.sort();
    names
}

fn seeded(flavor: Flavor) -> Sim {
    let mut sim = Sim::new(flavor, "/scim/v2", Faults::none().latency_ms(10), 1);
    for name in NAMES {
        sim.seed_user(user(name));
    }
    sim
}

#[test]
fn a_new_group_of_existing_users_costs_one_request_and_two_on_airtable() {
    for (flavor, expected) in [
        (Flavor::Generic, vec![(Method::Post, Endpoint::Groups)]),
        (
            Flavor::Airtable,
            vec![
                (Method::Post, Endpoint::Groups),
                (Method::Patch, Endpoint::GroupById),
            ],
        ),
    ] {
        let mut sim = seeded(flavor);
        let report = run(&mut sim, config(flavor, Mode::PlanAndApply), directory());
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        assert_eq!(writes(&sim), expected, "{flavor:?}");
        assert_eq!(members_of(&sim, "Eng"), NAMES, "{flavor:?}");
        let plan = report.plan.unwrap();
        assert_eq!(plan.cost.requests, expected.len() as u64, "{flavor:?}");
        assert_eq!(plan.summary.add_members, 3, "{flavor:?}: counted as before");
    }
}

#[test]
fn a_new_group_of_new_users_waits_for_their_ids_and_is_still_one_post() {
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", Faults::none(), 1);
    let report = run(
        &mut sim,
        config(Flavor::Generic, Mode::PlanAndApply),
        directory(),
    );
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    let mut expected = vec![(Method::Post, Endpoint::Users); 3];
    expected.push((Method::Post, Endpoint::Groups));
    assert_eq!(writes(&sim), expected);
    assert_eq!(members_of(&sim, "Eng"), NAMES);
    let plan = report.plan.unwrap();
    assert_eq!(plan.cost.requests, 4);
    assert_eq!(plan.cost.by_kind[&ActionKind::CreateUser], 3);
    assert_eq!(plan.cost.by_kind[&ActionKind::CreateGroup], 1);
    assert!(!plan.cost.by_kind.contains_key(&ActionKind::AddMembers));
}

/// The `count` of each listing request to `/Users`.
fn user_page_counts(sim: &Sim) -> Vec<String> {
    sim.log()
        .iter()
        .filter(|e| e.method == Method::Get && e.endpoint == Endpoint::Users)
        .map(|e| {
            e.path
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("count="))
                .unwrap_or("none")
                .to_owned()
        })
        .collect()
}

#[test]
fn the_listing_asks_for_the_largest_page_discovery_allows() {
    for (advertised, counts) in [
        (Some(1_000), vec!["1000"]),
        (Some(120), vec!["120", "120", "120"]),
        // No maxResults advertised: the profile's default page of 100.
        (None, vec!["100", "100", "100"]),
    ] {
        let faults = match advertised {
            Some(n) => Faults::none().max_results(n),
            None => Faults::none(),
        };
        let mut sim = Sim::new(Flavor::Generic, "/scim/v2", faults, 1);
        for i in 0..250 {
            sim.seed_user(user(&format!("u{i:03}@example.com")));
        }
        let report = run(
            &mut sim,
            config(Flavor::Generic, Mode::PlanOnly),
            directory(),
        );
        assert!(report.listing.complete, "{:?}", report.listing.problems);
        assert_eq!(report.listing.users, 250);
        assert_eq!(user_page_counts(&sim), counts, "{advertised:?}");
    }
}

#[test]
fn a_group_another_client_made_first_is_adopted_and_given_its_members() {
    let mut sim = seeded(Flavor::Generic);
    let mut other = None;
    let report = run_with(
        &mut sim,
        config(Flavor::Generic, Mode::PlanAndApply),
        directory(),
        |sim, request, _| {
            if request.method == Method::Post && other.is_none() {
                other = Some(sim.seed_group(Group::new("Eng")));
            }
        },
    );
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    let outcome = &report.outcomes[0].result;
    assert!(
        matches!(outcome, ActionResult::Adopted { id, updated: true, .. } if Some(id) == other.as_ref()),
        "{outcome:?}"
    );
    assert_eq!(members_of(&sim, "Eng"), NAMES);
}
