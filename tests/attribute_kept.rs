//! An attribute that does not stick (issue 21 item 4): a server that answers a user's PATCH
//! or PUT with the attribute as it was, and keeps it so, gets a warning in the run report
//! naming the attribute and the user, once per attribute per run, instead of an update
//! planned again on every run without a word.

use scim_provision::engine::{Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::model::User;
use scim_provision::plan::DesiredState;
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Faults, Flavor, Simulator as Sim};

const TITLE_LOST: &str = "the server did not keep title";

fn user(name: &str, title: &str) -> User {
    let mut u = User::new(name);
    u.active = Some(true);
    u.title = Some(title.into());
    u
}

/// A server holding two users titled "Old"; the directory titles them "Engineer" and
/// gives the first a display name.
fn server(faults: Faults) -> (Sim, DesiredState) {
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", faults, 5);
    for name in ["ana@example.com", "bo@example.com"] {
        sim.seed_user(user(name, "Old"));
    }
    let mut ana = user("ana@example.com", "Engineer");
    ana.display_name = Some("Ana".into());
    let desired = DesiredState {
        users: vec![ana, user("bo@example.com", "Engineer")],
        groups: Vec::new(),
    };
    (sim, desired)
}

fn run(sim: &mut Sim, desired: &DesiredState, profile: Profile, clock: &mut u64) -> RunReport {
    let mut config = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
    config.seed = 1;
    let mut engine = Engine::new(config, desired.clone()).unwrap();
    let report = drive(sim, &mut engine, clock, 5_000, |_, _, _| Control::Continue);
    *clock += 1_000;
    report
}

fn title_warnings(report: &RunReport) -> Vec<&String> {
    report
        .warnings
        .iter()
        .filter(|w| w.contains(TITLE_LOST))
        .collect()
}

#[test]
fn a_dropped_attribute_is_warned_once_per_run_naming_the_user() {
    for profile in [Profile::generic(), {
        // Without PATCH: the update is a PUT of the whole user; its answer is read the same.
        let mut p = Profile::generic();
        p.patch.supported = false;
        p
    }] {
        let (mut sim, desired) = server(Faults::none().ignore_user_attribute("title"));
        let mut clock = 0;
        let first = run(&mut sim, &desired, profile.clone(), &mut clock);
        assert_eq!(first.status, RunStatus::Applied, "{:?}", first.reason);
        let warned = title_warnings(&first);
        assert_eq!(
            warned.len(),
            1,
            "one warning for two users: {:?}",
            first.warnings
        );
        assert!(
            warned[0].contains("of ana@example.com (written \"Engineer\""),
            "{}",
            warned[0]
        );
        // The display name stuck: no warning about it.
        assert!(
            !first.warnings.iter().any(|w| w.contains("displayName")),
            "{:?}",
            first.warnings
        );
        // The next run plans the title again, and says so again.
        let second = run(&mut sim, &desired, profile, &mut clock);
        let plan = second.plan.as_ref().unwrap();
        assert_eq!(plan.summary.update_users, 2);
        assert_eq!(title_warnings(&second).len(), 1);
    }
}

#[test]
fn a_server_that_keeps_what_is_written_gets_no_warning() {
    let (mut sim, desired) = server(Faults::none());
    let mut clock = 0;
    let first = run(&mut sim, &desired, Profile::generic(), &mut clock);
    assert_eq!(first.status, RunStatus::Applied);
    assert!(
        first.warnings.iter().all(|w| !w.contains("did not keep")),
        "{:?}",
        first.warnings
    );
    let second = run(&mut sim, &desired, Profile::generic(), &mut clock);
    assert!(second.plan.unwrap().actions.is_empty());
}
