//! The state after a run (`Engine::state_after`): the listing the run planned from with every
//! action that took effect folded in equals what the server holds afterwards, read from the
//! simulator directly: users created, updated and deactivated, a group created, members added
//! and removed, on a server that takes members in a group's create (generic) and one that
//! creates groups empty (Airtable).

use scim_provision::engine::{Engine, EngineConfig, Mode, RunStatus};
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{ActualState, DesiredState};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Faults, Flavor, Simulator as Sim};

/// Users as (id, userName, active, title); groups as (id, displayName, sorted member ids).
type Seen = (
    Vec<(String, String, bool, Option<String>)>,
    Vec<(String, String, Vec<String>)>,
);

fn seen(users: &[User], groups: &[Group]) -> Seen {
    let mut u: Vec<_> = users
        .iter()
        .map(|u| {
            let id = u.id.clone().unwrap_or_default();
            (id, u.user_name.clone(), u.is_active(), u.title.clone())
        })
        .collect();
    u.sort();
    let mut g: Vec<_> = groups
        .iter()
        .map(|g| {
            let mut m: Vec<String> = g.member_ids().map(str::to_owned).collect();
            m.sort();
            (g.id.clone().unwrap_or_default(), g.display_name.clone(), m)
        })
        .collect();
    g.sort();
    (u, g)
}

fn active(name: &str, title: &str) -> User {
    let mut u = User::new(name);
    u.active = Some(true);
    u.title = Some(title.into());
    u
}

#[test]
fn the_state_after_an_apply_is_what_the_server_holds() {
    for flavor in [Flavor::Generic, Flavor::Airtable] {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 3);
        let ana = sim.seed_user(active("ana@example.com", "Agent"));
        let bo = sim.seed_user(active("bo@example.com", "Agent"));
        sim.seed_user(active("cy@example.com", "Agent"));
        let mut eng = Group::new("Eng");
        eng.members = Some(vec![Member::new(&ana), Member::new(&bo)]);
        sim.seed_group(eng);
        let desired = DesiredState::from_json(
            r#"{"users": [
                {"userName": "ana@example.com", "title": "Lead"},
                {"userName": "bo@example.com", "title": "Agent"},
                {"userName": "dee@example.com", "title": "New"}],
              "groups": [
                {"displayName": "Eng", "members": ["ana@example.com", "dee@example.com"]},
                {"displayName": "Ops", "members": ["bo@example.com", "dee@example.com"]}]}"#,
        )
        .unwrap();
        let profile = match flavor {
            Flavor::Airtable => Profile::airtable(),
            _ => Profile::generic(),
        };
        let mut config = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
        config.seed = 7;
        config.policy.max_deactivations = scim_provision::plan::Cap::new(None, None);
        let mut engine = Engine::new(config, desired).unwrap();
        let mut clock = 1_000;
        let report = drive(&mut sim, &mut engine, &mut clock, 5_000, |_, _, _| {
            Control::Continue
        });
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        let listed: &ActualState = engine.listed_state();
        assert_ne!(
            seen(&listed.users, &listed.groups),
            seen(&sim.users(), &sim.groups()),
            "{flavor:?}: the listing is from before the writes"
        );
        let after = engine.state_after();
        assert_eq!(
            seen(&after.users, &after.groups),
            seen(&sim.users(), &sim.groups()),
            "{flavor:?}"
        );
    }
}
