//! The real engine against the simulator: a cross-check that the simulator speaks the SCIM
//! the core expects, and that what the engine does shows up in the log and statistics.

use std::collections::BTreeSet;

use scim_provision::engine::{Engine, EngineConfig, Mode, RunReport};
use scim_provision::http::Method;
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{DesiredGroup, DesiredState};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, Simulator, Trigger};

const TIMEOUT_MS: u64 = 5_000;

fn directory() -> DesiredState {
    let name = |i: usize| format!("u{i:02}@example.com");
    DesiredState {
        users: (0..12)
            .map(|i| {
                let mut u = User::new(name(i));
                u.title = Some(if i % 3 == 0 { "Lead" } else { "Agent" }.into());
                u.active = Some(true);
                u
            })
            .collect(),
        groups: vec![
            DesiredGroup {
                display_name: "Everyone".into(),
                external_id: None,
                members: (0..12).map(name).collect(),
                member_groups: Vec::new(),
            },
            DesiredGroup {
                display_name: "Leads".into(),
                external_id: None,
                members: (0..12).step_by(3).map(name).collect(),
                member_groups: Vec::new(),
            },
        ],
    }
}

/// The server before the run: half the users exist (one with a stale title), one group with
/// some members.
fn populate(sim: &mut Simulator) {
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut u = User::new(format!("u{i:02}@example.com"));
        u.title = Some("Agent".into());
        u.active = Some(true);
        ids.push(sim.seed_user(u));
    }
    let mut g = Group::new("Everyone");
    g.members = Some(ids.iter().take(3).map(Member::new).collect());
    sim.seed_group(g);
}

fn config(flavor: Flavor) -> EngineConfig {
    let profile = match flavor {
        Flavor::Airtable => Profile::airtable(),
        _ => Profile::generic(),
    };
    let mut c = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
    c.max_in_flight = 4;
    c.seed = 3;
    c.backoff_base_ms = 100;
    c.max_attempts = 8;
    c.max_rate_limited_attempts = 8;
    c
}

/// Drives `engine` against `sim` to the end; returns the report.
fn run(sim: &mut Simulator, engine: &mut Engine, clock: &mut u64) -> RunReport {
    drive(sim, engine, clock, TIMEOUT_MS, |_, _, _| Control::Continue)
}

fn assert_converged(sim: &Simulator) {
    let users = sim.users();
    let names: BTreeSet<String> = users.iter().map(|u| u.user_name.to_lowercase()).collect();
    assert_eq!(names.len(), users.len(), "no duplicate users");
    let want = directory();
    let id_of = |name: &str| {
        users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("{name} missing"))
            .id
            .clone()
            .unwrap()
    };
    for u in &want.users {
        let have = sim.user(&id_of(&u.user_name)).unwrap();
        assert_eq!(have.title, u.title, "{}", u.user_name);
        assert!(have.is_active());
    }
    for g in &want.groups {
        let have = sim
            .groups()
            .into_iter()
            .find(|x| x.display_name == g.display_name)
            .expect("group exists");
        let got: BTreeSet<&str> = have.member_ids().collect::<BTreeSet<_>>();
        let wanted: Vec<String> = g.members.iter().map(|m| id_of(m)).collect();
        let wanted: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
        assert_eq!(got, wanted, "members of {}", g.display_name);
    }
}

#[test]
fn engine_converges_on_a_clean_server() {
    for flavor in [Flavor::Airtable, Flavor::Generic] {
        let mut sim = Simulator::new(flavor, "/scim/v2", Faults::none().latency_ms(20), 1);
        populate(&mut sim);
        let mut engine = Engine::new(config(flavor), directory()).unwrap();
        let mut clock = 0;
        run(&mut sim, &mut engine, &mut clock);
        assert_converged(&sim);
        let stats = sim.stats();
        assert_eq!(stats.throttled + stats.server_errors + stats.dropped, 0);
        assert_eq!(
            stats.by_endpoint[&(Method::Post, Endpoint::Users)],
            6,
            "{flavor:?}"
        );
        assert!(stats.max_in_flight <= 4, "{stats:?}");
        // Airtable: the engine never sends startIndex to /Groups (the simulator would 400).
        assert!(
            sim.log().iter().all(|r| r.status.is_some_and(|s| s < 400)),
            "{:#?}",
            sim.log()
        );
    }
}

#[test]
fn engine_pacing_keeps_under_airtables_rate_limit() {
    let faults = Faults::none().latency_ms(20).rate_limit(5, 5);
    let mut sim = Simulator::new(Flavor::Airtable, "/scim/v2", faults, 1);
    populate(&mut sim);
    let mut engine = Engine::new(config(Flavor::Airtable), directory()).unwrap();
    let mut clock = 0;
    run(&mut sim, &mut engine, &mut clock);
    assert_converged(&sim);
    let stats = sim.stats();
    assert_eq!(
        stats.throttled, 0,
        "the engine paces at the profile's 5 requests/s"
    );
    assert!(stats.max_requests_per_second <= 5 + 5, "{stats:?}");
}

#[test]
fn engine_survives_faults_without_duplicates() {
    for flavor in [Flavor::Airtable, Flavor::Generic] {
        let faults = Faults::none()
            .latency_ms(20)
            .jitter_ms(30)
            .throttle(Trigger::range(4..=6))
            .drops(Trigger::per_mille(100).on(Method::Post))
            .server_errors(Trigger::per_mille(50))
            .errors_after_apply(true)
            .truncated_bodies(Trigger::per_mille(50).on(Method::Patch));
        let mut sim = Simulator::new(flavor, "/scim/v2", faults, 5);
        populate(&mut sim);
        let mut clock = 0;
        // A run may end incomplete when faults exhaust retries; the next run picks up.
        for _ in 0..4 {
            let mut engine = Engine::new(config(flavor), directory()).unwrap();
            run(&mut sim, &mut engine, &mut clock);
            clock += 60_000;
        }
        assert_converged(&sim);
        assert!(
            sim.stats().dropped + sim.stats().server_errors > 0,
            "faults fired"
        );
    }
}

#[test]
fn engine_runs_are_reproducible() {
    let once = || {
        let faults = Faults::none()
            .latency_ms(15)
            .jitter_ms(40)
            .server_errors(Trigger::per_mille(80))
            .drops(Trigger::per_mille(40));
        let mut sim = Simulator::new(Flavor::Generic, "/scim/v2", faults, 9);
        populate(&mut sim);
        let mut engine = Engine::new(config(Flavor::Generic), directory()).unwrap();
        let mut clock = 0;
        run(&mut sim, &mut engine, &mut clock);
        (sim.log().to_vec(), sim.users(), sim.groups())
    };
    assert_eq!(once(), once());
}
