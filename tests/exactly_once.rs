//! Exactly-once creates against the simulator: a create whose answer was lost after the
//! server committed it (dropped, truncated, a 502) is looked up before it is sent again and
//! adopted when found; an incomplete listing looks every create up first; a lookup that finds
//! two resources adopts neither; a refused lookup after a 409 is reported and the listing
//! adopts instead. Then a property: whatever answers are lost, the converged server holds
//! exactly one resource per directory subject (read from the simulator's store).

use proptest::prelude::*;
use scim_provision::engine::{
    ActionError, ActionResult, Engine, EngineConfig, Mode, RunReport, RunStatus,
};
use scim_provision::http::{HttpRequest, Method};
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{group_key, user_key, ActionKind, DesiredGroup, DesiredState};
use scim_provision::profile::{FilterSupport, Profile};
use scim_provision::request::RequestEncoder;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, LostAnswer, Simulator as Sim, Trigger};

const TIMEOUT_MS: u64 = 5_000;

fn user(name: &str, ext: Option<&str>) -> User {
    let mut u = User::new(name);
    u.external_id = ext.map(str::to_owned);
    u.title = Some("Engineer".into());
    u.active = Some(true);
    u
}

fn group(name: &str, members: &[&str]) -> DesiredGroup {
    DesiredGroup {
        display_name: name.into(),
        external_id: None,
        members: members.iter().map(|m| (*m).to_owned()).collect(),
        member_groups: Vec::new(),
    }
}

/// Two new users (one with an externalId) and a new group holding both.
fn directory() -> DesiredState {
    DesiredState {
        users: vec![
            user("ana@example.com", Some("E1")),
            user("bob@example.com", None),
        ],
        groups: vec![group("New Team", &["ana@example.com", "bob@example.com"])],
    }
}

fn flavor_profile(flavor: Flavor) -> Profile {
    match flavor {
        Flavor::Airtable => Profile::airtable(),
        _ => Profile::generic(),
    }
}

fn config(profile: Profile) -> EngineConfig {
    let mut c = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
    c.policy.scope.email_domains = vec!["example.com".into()];
    c.seed = 3;
    c.backoff_base_ms = 100;
    c
}

/// Runs one engine to the end; `hook` sees (and may change) the server before each request.
fn run_with(
    sim: &mut Sim,
    mut engine: Engine,
    clock: &mut u64,
    mut hook: impl FnMut(&mut Sim, &HttpRequest),
) -> RunReport {
    let report = drive(sim, &mut engine, clock, TIMEOUT_MS, |sim, request, _| {
        hook(sim, request);
        Control::Continue
    });
    *clock += 60_000;
    report
}

fn run(sim: &mut Sim, config: EngineConfig, desired: DesiredState, clock: &mut u64) -> RunReport {
    run_with(sim, Engine::new(config, desired).unwrap(), clock, |_, _| {})
}

fn outcome<'a>(report: &'a RunReport, kind: ActionKind, subject: &str) -> &'a ActionResult {
    &report
        .outcomes
        .iter()
        .find(|o| o.kind == kind && o.subject == subject)
        .unwrap_or_else(|| panic!("no {kind} {subject:?} in {:?}", report.outcomes))
        .result
}

fn groups_named(sim: &Sim, name: &str) -> Vec<Group> {
    sim.groups()
        .into_iter()
        .filter(|g| group_key(&g.display_name) == group_key(name))
        .collect()
}

fn users_named(sim: &Sim, name: &str) -> Vec<User> {
    sim.users()
        .into_iter()
        .filter(|u| user_key(&u.user_name) == user_key(name))
        .collect()
}

fn posts_to(sim: &Sim, endpoint: Endpoint) -> usize {
    sim.log()
        .iter()
        .filter(|e| e.method == Method::Post && e.endpoint == endpoint)
        .count()
}

/// A second run against the same server plans nothing.
fn assert_converged(sim: &mut Sim, config: EngineConfig, desired: DesiredState, clock: &mut u64) {
    let mut c = config;
    c.mode = Mode::PlanOnly;
    let report = run(sim, c, desired, clock);
    let plan = report.plan.expect("a plan");
    assert!(report.listing.complete, "{:?}", report.listing.problems);
    assert!(plan.is_empty(), "a second run plans {:?}", plan.actions);
}

fn lost_group_post(how: LostAnswer) -> Faults {
    Faults::none()
        .latency_ms(20)
        .duplicate_group_names()
        .lose_after_commit(
            Trigger::nth(1)
                .on(Method::Post)
                .on_endpoint(Endpoint::Groups),
            how,
        )
}

#[test]
fn a_group_whose_create_answer_is_lost_is_adopted_not_created_twice() {
    for flavor in [Flavor::Generic, Flavor::Airtable] {
        for how in [
            LostAnswer::Dropped,
            LostAnswer::Truncated,
            LostAnswer::ServerError(502),
        ] {
            let mut sim = Sim::new(flavor, "/scim/v2", lost_group_post(how), 1);
            let mut clock = 0;
            let profile = flavor_profile(flavor);
            let report = run(&mut sim, config(profile.clone()), directory(), &mut clock);
            let case = format!("{flavor:?} {how:?}");
            assert_eq!(report.status, RunStatus::Applied, "{case}: {report:?}");
            let groups = groups_named(&sim, "New Team");
            assert_eq!(groups.len(), 1, "{case}: one group, not two");
            assert_eq!(posts_to(&sim, Endpoint::Groups), 1, "{case}");
            let id = groups[0].id.clone().unwrap();
            assert_eq!(
                outcome(&report, ActionKind::CreateGroup, "New Team"),
                &ActionResult::Adopted {
                    id,
                    updated: false,
                    lookup_error: None
                },
                "{case}"
            );
            assert_eq!(groups[0].members.as_ref().map(Vec::len), Some(2), "{case}");
            assert_converged(&mut sim, config(profile), directory(), &mut clock);
        }
    }
}

#[test]
fn a_lost_create_with_members_is_adopted_and_the_group_gets_every_member() {
    // The generic server takes members in the POST: the create carries both new users. Its
    // answer is lost after the commit, and before the lookup an admin takes a member out of
    // the new group: the group the lookup finds lacks one.
    for how in [LostAnswer::Dropped, LostAnswer::ServerError(502)] {
        let mut sim = Sim::new(Flavor::Generic, "/scim/v2", lost_group_post(how), 1);
        let mut clock = 0;
        let engine = Engine::new(config(Profile::generic()), directory()).unwrap();
        let mut edited = false;
        let report = run_with(&mut sim, engine, &mut clock, |sim, request| {
            let lookup = request.method == Method::Get && request.path.contains("/Groups?filter=");
            if lookup && !edited {
                edited = true;
                let group = groups_named(sim, "New Team").pop().expect("committed");
                let mut smaller = group.clone();
                smaller.members = group.members.map(|mut ms| {
                    ms.truncate(1);
                    ms
                });
                let put = RequestEncoder::new("/scim/v2", Profile::generic())
                    .unwrap()
                    .replace_group(group.id.as_deref().unwrap(), &smaller)
                    .unwrap();
                let _ = sim.handle(&put, 0);
            }
        });
        let case = format!("{how:?}");
        assert!(edited, "{case}: the create was looked up");
        assert_eq!(report.status, RunStatus::Applied, "{case}: {report:?}");
        let groups = groups_named(&sim, "New Team");
        assert_eq!(groups.len(), 1, "{case}: one group, not two");
        assert_eq!(posts_to(&sim, Endpoint::Groups), 1, "{case}");
        assert!(
            matches!(
                outcome(&report, ActionKind::CreateGroup, "New Team"),
                ActionResult::Adopted { updated: true, .. }
            ),
            "{case}: {:?}",
            report.outcomes
        );
        assert_eq!(groups[0].members.as_ref().map(Vec::len), Some(2), "{case}");
        assert_converged(
            &mut sim,
            config(Profile::generic()),
            directory(),
            &mut clock,
        );
    }
}

#[test]
fn a_user_whose_create_answer_is_lost_is_looked_up_by_external_id_before_any_second_post() {
    for (flavor, first_filter) in [
        (Flavor::Generic, "filter=externalId"),
        // Airtable filters on userName only.
        (Flavor::Airtable, "filter=userName"),
    ] {
        let faults = Faults::none().latency_ms(20).lose_after_commit(
            Trigger::nth(1)
                .on(Method::Post)
                .on_endpoint(Endpoint::Users),
            LostAnswer::Dropped,
        );
        let mut sim = Sim::new(flavor, "/scim/v2", faults, 1);
        let mut clock = 0;
        let profile = flavor_profile(flavor);
        let report = run(&mut sim, config(profile.clone()), directory(), &mut clock);
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        let log = sim.log();
        let lost = log.iter().position(|e| e.status.is_none()).unwrap();
        assert!(log[lost].body.as_deref().unwrap().contains("ana@"));
        let lookup = log[lost + 1..]
            .iter()
            .find(|e| e.endpoint == Endpoint::Users && e.method == Method::Get)
            .unwrap();
        assert!(
            lookup.path.contains(first_filter),
            "{flavor:?}: {}",
            lookup.path
        );
        let posts_for_ana = log
            .iter()
            .filter(|e| e.method == Method::Post)
            .filter(|e| e.body.as_deref().is_some_and(|b| b.contains("ana@")))
            .count();
        assert_eq!(posts_for_ana, 1, "{flavor:?}: never sent again");
        let ana = users_named(&sim, "ana@example.com");
        assert_eq!(ana.len(), 1);
        assert!(matches!(
            outcome(&report, ActionKind::CreateUser, "ana@example.com"),
            ActionResult::Adopted { id, .. } if Some(id) == ana[0].id.as_ref()
        ));
        assert_converged(&mut sim, config(profile), directory(), &mut clock);
    }
}

#[test]
fn a_create_the_lookup_does_not_find_is_sent_again() {
    // The answer is lost before the server applies the POST: nothing to adopt.
    let faults = Faults::none()
        .latency_ms(20)
        .duplicate_group_names()
        .drops(
            Trigger::nth(1)
                .on(Method::Post)
                .on_endpoint(Endpoint::Groups),
        )
        .drop_after_apply(false);
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", faults, 1);
    let mut clock = 0;
    let report = run(
        &mut sim,
        config(Profile::generic()),
        directory(),
        &mut clock,
    );
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert_eq!(
        outcome(&report, ActionKind::CreateGroup, "New Team"),
        &ActionResult::Applied
    );
    assert_eq!(posts_to(&sim, Endpoint::Groups), 2);
    assert_eq!(groups_named(&sim, "New Team").len(), 1);
}

#[test]
fn a_profile_that_cannot_filter_searches_every_page_of_the_listing() {
    let mut sim = Sim::new(
        Flavor::Generic,
        "/scim/v2",
        lost_group_post(LostAnswer::Truncated),
        1,
    );
    for i in 0..25 {
        sim.seed_group(Group::new(format!("Team {i:02}")));
    }
    let mut profile = Profile::generic();
    profile.discovery = false;
    profile.users.filter = FilterSupport::none();
    profile.groups.filter = FilterSupport::none();
    profile.groups.page_size = 10;
    let mut clock = 0;
    let report = run(&mut sim, config(profile.clone()), directory(), &mut clock);
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert_eq!(groups_named(&sim, "New Team").len(), 1);
    assert!(matches!(
        outcome(&report, ActionKind::CreateGroup, "New Team"),
        ActionResult::Adopted { .. }
    ));
    let log = sim.log();
    let lost = log
        .iter()
        .position(|e| e.method == Method::Post && e.endpoint == Endpoint::Groups)
        .unwrap();
    let pages: Vec<&str> = log[lost + 1..]
        .iter()
        .filter(|e| e.method == Method::Get && e.endpoint == Endpoint::Groups)
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(pages.len(), 3, "26 groups in pages of 10: {pages:?}");
    assert!(pages.iter().all(|p| !p.contains("filter=")), "{pages:?}");
    assert_converged(&mut sim, config(profile), directory(), &mut clock);
}

#[test]
fn a_lookup_that_finds_two_resources_adopts_neither_and_names_both() {
    // Someone else creates a group of the same name just before ours, whose answer is lost.
    let mut sim = Sim::new(
        Flavor::Generic,
        "/scim/v2",
        lost_group_post(LostAnswer::Dropped),
        1,
    );
    let mut clock = 0;
    let mut other = None;
    let engine = Engine::new(config(Profile::generic()), directory()).unwrap();
    let report = run_with(&mut sim, engine, &mut clock, |sim, request| {
        if request.method == Method::Post && request.path.ends_with("/Groups") && other.is_none() {
            other = Some(sim.seed_group(Group::new("New Team")));
        }
    });
    let mut ids: Vec<String> = groups_named(&sim, "New Team")
        .into_iter()
        .filter_map(|g| g.id)
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 2, "the lookup made no third group");
    let ActionResult::Failed {
        error: ActionError::Ambiguous { reason, candidates },
    } = outcome(&report, ActionKind::CreateGroup, "New Team")
    else {
        panic!("{:?}", report.outcomes)
    };
    assert_eq!(candidates, &ids);
    assert!(
        reason.contains(&ids[0]) && reason.contains(&ids[1]),
        "{reason}"
    );
    assert!(reason.contains("\"New Team\""), "{reason}");
    assert_eq!(report.status, RunStatus::PartiallyApplied);
    // Our POST carried its members (and committed); the other client's group got none:
    // nothing was added to a guessed group.
    let other = other.expect("seeded");
    assert!(
        sim.groups()
            .iter()
            .filter(|g| g.id.as_deref() == Some(other.as_str()))
            .all(|g| g.members.as_ref().is_none_or(Vec::is_empty)),
        "no member was added to a guessed group"
    );

    // Users: two server users share the userName and neither has our externalId; the
    // create meets 409 and the lookup finds both (Airtable filters on userName only).
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", Faults::none(), 1);
    let mut seeded = Vec::new();
    let engine = Engine::new(config(Profile::airtable()), directory()).unwrap();
    let report = run_with(&mut sim, engine, &mut clock, |sim, request| {
        if request.method == Method::Post
            && request.path.ends_with("/Users")
            && request.body.as_deref().is_some_and(|b| b.contains("bob@"))
            && seeded.is_empty()
        {
            seeded.push(sim.seed_user(User::new("bob@example.com")));
            seeded.push(sim.seed_user(User::new("BOB@example.com")));
        }
    });
    seeded.sort();
    let ActionResult::Failed {
        error: ActionError::Ambiguous { candidates, .. },
    } = outcome(&report, ActionKind::CreateUser, "bob@example.com")
    else {
        panic!("{:?}", report.outcomes)
    };
    assert_eq!(candidates, &seeded);
}

#[test]
fn a_unique_external_id_decides_between_two_users_of_one_name() {
    // Ours is created (answer lost) while another "ana" without an externalId appears.
    let faults = Faults::none().latency_ms(20).lose_after_commit(
        Trigger::nth(1)
            .on(Method::Post)
            .on_endpoint(Endpoint::Users),
        LostAnswer::Dropped,
    );
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", faults, 1);
    let mut clock = 0;
    let engine = Engine::new(config(Profile::generic()), directory()).unwrap();
    let mut once = false;
    let report = run_with(&mut sim, engine, &mut clock, |sim, request| {
        if !once && request.method == Method::Get && request.path.contains("filter=") {
            once = true;
            sim.seed_user(User::new("ANA@example.com"));
        }
    });
    let ours = sim
        .users()
        .into_iter()
        .find(|u| u.external_id.as_deref() == Some("E1"))
        .unwrap();
    assert!(matches!(
        outcome(&report, ActionKind::CreateUser, "ana@example.com"),
        ActionResult::Adopted { id, .. } if Some(id) == ours.id.as_ref()
    ));
}

#[test]
fn an_incomplete_listing_looks_every_create_up_first() {
    // Four groups in pages of two; every attempt at the second page fails, so the listing
    // hides "Hidden" and "Also hidden". Applied anyway (allow_blocked), the creates of
    // those two are looked up and adopted, and only the truly new group is created.
    for flavor in [Flavor::Generic, Flavor::Airtable] {
        let mut faults = Faults::none().latency_ms(20).duplicate_group_names();
        if flavor == Flavor::Generic {
            let second_page = Trigger::range(2..=4)
                .on(Method::Get)
                .on_endpoint(Endpoint::Groups);
            faults = faults.server_errors(second_page);
        }
        let mut sim = Sim::new(flavor, "/scim/v2", faults, 1);
        let bob = sim.seed_user(user("bob@example.com", None));
        for name in ["A", "B", "Hidden", "Also hidden"] {
            let mut g = Group::new(name);
            g.members = Some(vec![Member::new(bob.clone())]);
            sim.seed_group(g);
        }
        let mut profile = flavor_profile(flavor);
        profile.discovery = false;
        profile.groups.page_size = 2;
        // Airtable cannot page /Groups: a first page shorter than totalResults is incomplete.
        let mut c = config(profile);
        c.max_attempts = 3;
        c.allow_blocked = true;
        let desired = DesiredState {
            users: vec![user("bob@example.com", None)],
            groups: vec![
                group("A", &["bob@example.com"]),
                group("Hidden", &["bob@example.com"]),
                group("Also hidden", &["bob@example.com"]),
                group("Brand new", &["bob@example.com"]),
            ],
        };
        let mut clock = 0;
        let report = run(&mut sim, c, desired.clone(), &mut clock);
        assert!(
            !report.listing.complete,
            "{flavor:?}: the test needs a hidden page"
        );
        for name in ["Hidden", "Also hidden", "Brand new", "A", "B"] {
            assert_eq!(groups_named(&sim, name).len(), 1, "{flavor:?} {name}");
        }
        for name in ["Hidden", "Also hidden"] {
            assert!(
                matches!(
                    outcome(&report, ActionKind::CreateGroup, name),
                    ActionResult::Adopted { .. }
                ),
                "{flavor:?} {name}: {:?}",
                report.outcomes
            );
        }
        assert_eq!(
            outcome(&report, ActionKind::CreateGroup, "Brand new"),
            &ActionResult::Applied
        );
        assert_eq!(posts_to(&sim, Endpoint::Groups), 1, "{flavor:?}");
        assert_converged(
            &mut sim,
            config(flavor_profile(flavor)),
            desired,
            &mut clock,
        );
    }
}

fn invalid_filter(e: &scim_provision::response::ServerError) -> bool {
    e.http_status == 400 && e.scim_type.as_deref() == Some("invalidFilter")
}

#[test]
fn a_refused_lookup_after_a_conflict_is_reported_and_the_listing_adopts() {
    let name = r#"o"hara@example.com"#;
    let team = r#"R"D"#;
    let desired = DesiredState {
        users: vec![user(name, None)],
        groups: vec![group(team, &[name])],
    };
    for flavor in [Flavor::Generic, Flavor::Airtable] {
        let faults = Faults::none().latency_ms(20).reject_escaped_quotes();
        let mut sim = Sim::new(flavor, "/scim/v2", faults, 1);
        let mut clock = 0;
        let engine = Engine::new(config(flavor_profile(flavor)), desired.clone()).unwrap();
        // Both appear on the server between the listing and our creates: each meets 409.
        let mut seeded = (None, None);
        let report = run_with(&mut sim, engine, &mut clock, |sim, request| {
            if request.method != Method::Post {
                return;
            }
            if request.path.ends_with("/Users") && seeded.0.is_none() {
                seeded.0 = Some(sim.seed_user(User::new(name)));
            }
            if request.path.ends_with("/Groups") && seeded.1.is_none() {
                seeded.1 = Some(sim.seed_group(Group::new(team)));
            }
        });
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        for (kind, subject, id) in [
            (ActionKind::CreateUser, name, seeded.0.clone()),
            (ActionKind::CreateGroup, team, seeded.1.clone()),
        ] {
            match outcome(&report, kind, subject) {
                ActionResult::Adopted {
                    id: adopted,
                    lookup_error: Some(e),
                    ..
                } => {
                    assert_eq!(Some(adopted), id.as_ref(), "{flavor:?} {kind}");
                    assert!(invalid_filter(e), "{flavor:?} {kind}: {e:?}");
                }
                other => panic!("{flavor:?} {kind}: {other:?}"),
            }
        }
        assert_eq!(users_named(&sim, name).len(), 1);
        assert_eq!(groups_named(&sim, team).len(), 1);
    }

    // Nothing to adopt (the name belongs to a user the client cannot see): the failure
    // carries the conflict and the lookup's own error.
    let faults = Faults::none().reject_escaped_quotes();
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", faults, 1);
    sim.reserve_user_name(name);
    let mut clock = 0;
    let desired = DesiredState {
        users: vec![user(name, None)],
        groups: vec![],
    };
    let report = run(&mut sim, config(Profile::airtable()), desired, &mut clock);
    match outcome(&report, ActionKind::CreateUser, name) {
        ActionResult::Failed {
            error:
                ActionError::LookupFailed {
                    conflict: Some(conflict),
                    lookup_error: Some(e),
                    reason,
                },
        } => {
            assert_eq!(conflict.http_status, 409);
            assert!(invalid_filter(e), "{e:?}");
            assert!(
                reason.contains("409") && reason.contains("invalidFilter"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_re_creation_of_a_vanished_user_is_not_sent_twice() {
    // The update finds the user gone (someone deleted it after the listing); the engine
    // creates it again, and that POST's answer is lost after commit.
    let faults = Faults::none()
        .latency_ms(20)
        .lose_after_commit(Trigger::nth(1).on(Method::Post), LostAnswer::Dropped);
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", faults, 1);
    let mut old = user("ana@example.com", None);
    old.title = Some("Intern".into());
    let id = sim.seed_user(old);
    let desired = DesiredState {
        users: vec![user("ana@example.com", None)],
        groups: vec![],
    };
    let encoder =
        scim_provision::request::RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
    let delete = encoder
        .delete(scim_provision::request::ResourceKind::User, &id)
        .unwrap();
    let mut clock = 0;
    let engine = Engine::new(config(Profile::airtable()), desired.clone()).unwrap();
    let mut deleted = false;
    let report = run_with(&mut sim, engine, &mut clock, |sim, request| {
        if request.method == Method::Patch && !deleted {
            deleted = true;
            let _ = sim.handle(&delete, 0);
        }
    });
    let ana = users_named(&sim, "ana@example.com");
    assert_eq!(ana.len(), 1);
    assert_eq!(posts_to(&sim, Endpoint::Users), 1, "created again once");
    match outcome(&report, ActionKind::UpdateUser, "ana@example.com") {
        ActionResult::Drift { detail } => {
            assert!(detail.contains(ana[0].id.as_deref().unwrap()), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    assert_converged(&mut sim, config(Profile::airtable()), desired, &mut clock);
}

// ---- the property ----

/// A directory of five users (three with an externalId) and three groups, two of them new.
fn property_directory() -> DesiredState {
    let names = ["ana", "bob", "cy", "dee", "eve"];
    let users = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let ext = format!("E{i}");
            user(
                &format!("{n}@example.com"),
                (i % 2 == 0).then_some(ext.as_str()),
            )
        })
        .collect();
    let at = |n: &str| format!("{n}@example.com");
    DesiredState {
        users,
        groups: vec![
            DesiredGroup {
                display_name: "Existing".into(),
                external_id: None,
                members: ["ana", "bob", "cy"].map(at).to_vec(),
                member_groups: Vec::new(),
            },
            DesiredGroup {
                display_name: "New One".into(),
                external_id: Some("G1".into()),
                members: ["dee", "eve"].map(at).to_vec(),
                member_groups: Vec::new(),
            },
            DesiredGroup {
                display_name: "New Two".into(),
                external_id: None,
                members: ["ana", "eve"].map(at).to_vec(),
                member_groups: Vec::new(),
            },
        ],
    }
}

fn lost_answer(kind: u8) -> LostAnswer {
    match kind % 3 {
        0 => LostAnswer::Dropped,
        1 => LostAnswer::Truncated,
        _ => LostAnswer::ServerError(502),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// For any set of answers lost after commit (POSTs, PATCHes, any request), the server
    /// converges to exactly one resource per directory subject, and a further run plans
    /// nothing.
    #[test]
    fn lost_answers_never_duplicate_a_subject(
        airtable in any::<bool>(),
        posts in proptest::collection::vec((1u64..=12, 0u8..3), 0..8),
        patches in proptest::collection::vec((1u64..=10, 0u8..3), 0..4),
        any_request in proptest::collection::vec((1u64..=60, 0u8..3), 0..6),
    ) {
        let flavor = if airtable { Flavor::Airtable } else { Flavor::Generic };
        let mut faults = Faults::none().latency_ms(20).duplicate_group_names();
        for (n, kind) in posts {
            faults = faults.lose_after_commit(Trigger::nth(n).on(Method::Post), lost_answer(kind));
        }
        for (n, kind) in patches {
            faults = faults.lose_after_commit(Trigger::nth(n).on(Method::Patch), lost_answer(kind));
        }
        for (n, kind) in any_request {
            faults = faults.lose_after_commit(Trigger::nth(n), lost_answer(kind));
        }
        let mut sim = Sim::new(flavor, "/scim/v2", faults, 5);
        sim.seed_group(Group::new("Existing"));
        // Outside the policy's scope: never touched.
        sim.seed_user(user("zed@partner.org", None));
        let desired = property_directory();
        let profile = flavor_profile(flavor);
        let mut clock = 0;
        let mut converged = false;
        for _ in 0..4 {
            let report = run(&mut sim, config(profile.clone()), desired.clone(), &mut clock);
            if report.listing.complete && report.plan.as_ref().is_some_and(|p| p.is_empty()) {
                converged = true;
                break;
            }
        }
        prop_assert!(converged, "no convergence in four runs: {:?}", sim.log());
        // Read the store, not the engine.
        for u in &desired.users {
            prop_assert_eq!(users_named(&sim, &u.user_name).len(), 1, "{}", u.user_name);
        }
        for g in &desired.groups {
            let found = groups_named(&sim, &g.display_name);
            prop_assert_eq!(found.len(), 1, "{}", g.display_name);
            let mut members: Vec<String> = found[0]
                .members
                .iter()
                .flatten()
                .map(|m| m.value.clone())
                .collect();
            members.sort();
            let mut want: Vec<String> = g
                .members
                .iter()
                .map(|n| users_named(&sim, n)[0].id.clone().unwrap())
                .collect();
            want.sort();
            prop_assert_eq!(members, want, "members of {}", g.display_name);
        }
        prop_assert_eq!(sim.users().len(), desired.users.len() + 1);
        prop_assert_eq!(sim.groups().len(), desired.groups.len());
    }
}
