//! Fewest requests, counted at the simulator (issue 18): a new group is created with its
//! members in one POST where the server takes them (one POST and one PATCH on Airtable,
//! which creates groups empty), the listing asks for the largest page discovery allows, and
//! the plan's stated cost is the number of writes the run sends. A group create with
//! members whose answer is lost is looked up and adopted, and the adopted group still gets
//! every member.

use scim_provision::engine::{ActionResult, Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::http::{HttpRequest, Method};
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{ActionKind, DesiredGroup, DesiredState};
use scim_provision::profile::Profile;
use scim_provision::request::RequestEncoder;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, LostAnswer, Simulator as Sim, Trigger};

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

/// The group's POST is committed but its answer lost; `lose` is how.
fn losing_the_group_post(how: LostAnswer) -> Faults {
    Faults::none().latency_ms(10).lose_after_commit(
        Trigger::nth(1)
            .on(Method::Post)
            .on_endpoint(Endpoint::Groups),
        how,
    )
}

#[test]
fn a_lost_create_with_members_is_adopted_and_the_group_gets_every_member() {
    for how in [LostAnswer::Dropped, LostAnswer::ServerError(502)] {
        let mut sim = Sim::new(Flavor::Generic, "/scim/v2", losing_the_group_post(how), 1);
        let ids: Vec<String> = NAMES.iter().map(|n| sim.seed_user(user(n))).collect();
        // Between the lost answer and the lookup, an admin takes a member out of the new
        // group: the group the lookup finds lacks it.
        let mut edited = false;
        let report = run_with(
            &mut sim,
            config(Flavor::Generic, Mode::PlanAndApply),
            directory(),
            |sim, request, now| {
                let lookup = request.method == Method::Get
                    && request.path.contains("/Groups?filter=displayName");
                if lookup && !edited {
                    edited = true;
                    let group = sim.groups().into_iter().find(|g| g.display_name == "Eng");
                    let id = group.and_then(|g| g.id).expect("the POST was committed");
                    let mut smaller = Group::new("Eng");
                    smaller.members = Some(vec![Member::new(ids[0].clone())]);
                    let encoder = RequestEncoder::new("/scim/v2", Profile::generic()).unwrap();
                    let put = encoder.replace_group(&id, &smaller).unwrap();
                    let _ = sim.handle(&put, now);
                }
            },
        );
        let case = format!("{how:?}");
        assert!(edited, "{case}: the create was looked up");
        assert_eq!(report.status, RunStatus::Applied, "{case}: {report:?}");
        let outcome = report
            .outcomes
            .iter()
            .find(|o| o.kind == ActionKind::CreateGroup)
            .unwrap();
        assert!(
            matches!(&outcome.result, ActionResult::Adopted { updated: true, .. }),
            "{case}: {:?}",
            outcome.result
        );
        assert_eq!(members_of(&sim, "Eng"), NAMES, "{case}");
        let posts = writes(&sim)
            .iter()
            .filter(|w| **w == (Method::Post, Endpoint::Groups))
            .count();
        assert_eq!(posts, 1, "{case}: the create was not sent twice");
        // A second run has nothing left to do.
        let again = run(
            &mut sim,
            config(Flavor::Generic, Mode::PlanOnly),
            directory(),
        );
        assert!(again.plan.unwrap().is_empty(), "{case}");
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
