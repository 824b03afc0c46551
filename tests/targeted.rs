//! Targeted runs against the simulator (issue 19): each operation sends the least requests
//! (a new user one POST, a deactivation a lookup and a PATCH, a grant of an existing user to
//! an existing group two lookups and a PATCH), a replayed events file writes nothing, the
//! policy's scope and protected users refuse, and hostile names find the right subject.
//! Discovery, where the profile asks for it (generic), comes on top: only `/Users` and
//! `/Groups` requests are counted.

use scim_provision::engine::{ActionResult, Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::http::Method;
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{
    read_events, Guard, Malformed, Operation, Policy, Scope, Target, TargetGroup,
};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Endpoint, Faults, Flavor, Simulator as Sim};

const TIMEOUT_MS: u64 = 5_000;

fn config(flavor: Flavor, mode: Mode) -> EngineConfig {
    let profile = match flavor {
        Flavor::Airtable => Profile::airtable(),
        _ => Profile::generic(),
    };
    let mut c = EngineConfig::new("/scim/v2", profile, mode);
    c.seed = 7;
    c.backoff_base_ms = 100;
    c
}

fn run_config(sim: &mut Sim, config: EngineConfig, targets: Vec<Target>) -> RunReport {
    let mut engine = Engine::targeted(config, targets).unwrap();
    let mut clock = 1_000;
    drive(sim, &mut engine, &mut clock, TIMEOUT_MS, |_, _, _| {
        Control::Continue
    })
}

fn run(sim: &mut Sim, flavor: Flavor, targets: Vec<Target>) -> RunReport {
    run_config(sim, config(flavor, Mode::PlanAndApply), targets)
}

/// The `/Users` and `/Groups` requests the server received, as (method, endpoint).
fn requests(sim: &Sim) -> Vec<(Method, Endpoint)> {
    sim.log()
        .iter()
        .filter(|e| !matches!(e.endpoint, Endpoint::ServiceProviderConfig))
        .map(|e| (e.method, e.endpoint))
        .collect()
}

fn writes(sim: &Sim) -> usize {
    sim.log().iter().filter(|e| e.method != Method::Get).count()
}

fn active_user(name: &str) -> User {
    let mut u = User::new(name);
    u.active = Some(true);
    u
}

fn target(op: Operation, name: &str) -> Target {
    Target::new(op, User::new(name))
}

fn user_named(sim: &Sim, name: &str) -> User {
    sim.users()
        .into_iter()
        .find(|u| u.user_name == name)
        .unwrap_or_else(|| panic!("{name} on the server"))
}

const FLAVORS: [Flavor; 2] = [Flavor::Generic, Flavor::Airtable];

#[test]
fn a_new_user_is_one_post_and_an_existing_one_is_adopted_on_409() {
    for flavor in FLAVORS {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        let mut ana = User::new("ana@example.com");
        ana.title = Some("Engineer".into());
        let report = run(
            &mut sim,
            flavor,
            vec![Target::new(Operation::Provision, ana.clone())],
        );
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        assert_eq!(
            requests(&sim),
            [(Method::Post, Endpoint::Users)],
            "{flavor:?}"
        );
        let plan = report.plan.unwrap();
        assert_eq!(
            (plan.cost.lookups, plan.cost.requests),
            (0, 1),
            "{flavor:?}"
        );

        // Again with another title: the POST meets a 409, the user is looked up, adopted
        // and updated.
        ana.title = Some("Lead".into());
        let mut sim2 = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        let mut old = active_user("ana@example.com");
        old.title = Some("Engineer".into());
        sim2.seed_user(old);
        let report = run(
            &mut sim2,
            flavor,
            vec![Target::new(Operation::Provision, ana)],
        );
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        assert!(matches!(
            report.outcomes[0].result,
            ActionResult::Adopted { updated: true, .. }
        ));
        assert_eq!(
            user_named(&sim2, "ana@example.com").title.as_deref(),
            Some("Lead")
        );
        assert_eq!(sim2.users().len(), 1, "{flavor:?}: not created twice");
    }
}

#[test]
fn a_deactivation_is_a_lookup_and_a_patch_and_then_nothing() {
    for flavor in FLAVORS {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        sim.seed_user(active_user("bo@example.com"));
        let report = run(
            &mut sim,
            flavor,
            vec![target(Operation::Deactivate, "BO@example.com")],
        );
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        assert_eq!(
            requests(&sim),
            [
                (Method::Get, Endpoint::Users),
                (Method::Patch, Endpoint::UserById)
            ],
            "{flavor:?}"
        );
        assert!(!user_named(&sim, "bo@example.com").is_active());
        let plan = report.plan.unwrap();
        assert_eq!(plan.cost.lookups + plan.cost.requests, 2);

        // Again: the lookup finds it done.
        let before = sim.log().len();
        let report = run(
            &mut sim,
            flavor,
            vec![target(Operation::Deactivate, "bo@example.com")],
        );
        assert_eq!(report.status, RunStatus::Applied);
        assert_eq!(
            sim.log().len() - before,
            1 + usize::from(flavor == Flavor::Generic)
        );
        let plan = report.plan.unwrap();
        assert!(plan.actions.is_empty());
        assert_eq!(plan.notes[0].message, "deactivate: already in effect");
    }
}

#[test]
fn granting_an_existing_user_an_existing_group_is_two_lookups_and_a_patch() {
    // Airtable lists groups without members: their fetch is a fourth request.
    for (flavor, least) in [(Flavor::Generic, 3), (Flavor::Airtable, 4)] {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        let id = sim.seed_user(active_user("cy@example.com"));
        let other = sim.seed_user(active_user("di@example.com"));
        let mut g = Group::new("Eng \"core\" \\ ops");
        g.members = Some(vec![Member::new(&other)]);
        sim.seed_group(g);
        let grant = || {
            vec![target(Operation::Grant, "cy@example.com")
                .with_group(TargetGroup::named("Eng \"core\" \\ ops"))]
        };
        let report = run(&mut sim, flavor, grant());
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        let sent = requests(&sim);
        assert_eq!(sent.len(), least, "{flavor:?}: {sent:?}");
        assert_eq!(sent.last(), Some(&(Method::Patch, Endpoint::GroupById)));
        let group = sim.groups().pop().unwrap();
        let mut members: Vec<&str> = group.member_ids().collect();
        members.sort();
        let mut want = vec![id.as_str(), other.as_str()];
        want.sort();
        assert_eq!(members, want, "{flavor:?}: the other member stays");
        let plan = report.plan.unwrap();
        assert_eq!(
            plan.cost.lookups as usize + plan.cost.requests as usize,
            least
        );

        // Granted again: nothing written.
        let writes_before = writes(&sim);
        let report = run(&mut sim, flavor, grant());
        assert_eq!(writes(&sim), writes_before, "{flavor:?}");
        assert_eq!(
            report.plan.unwrap().notes[0].message,
            "grant: already in effect"
        );

        // Revoked: one PATCH more, the other member stays.
        let revoke = vec![target(Operation::Revoke, "cy@example.com")
            .with_group(TargetGroup::named("eng \"CORE\" \\ ops"))];
        let report = run(&mut sim, flavor, revoke);
        assert_eq!(report.status, RunStatus::Applied);
        let group = sim.groups().pop().unwrap();
        assert_eq!(group.member_ids().collect::<Vec<_>>(), [other.as_str()]);
    }
}

#[test]
fn known_ids_need_no_lookup() {
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", Faults::none(), 1);
    let id = sim.seed_user(active_user("ed@example.com"));
    let gid = sim.seed_group(Group::new("Ops"));
    let mut user = User::new("ed@example.com");
    user.id = Some(id.clone());
    let group = TargetGroup::with_id("Ops", gid.clone());
    let report = run(
        &mut sim,
        Flavor::Airtable,
        vec![Target::new(Operation::Grant, user).with_group(group)],
    );
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert_eq!(requests(&sim), [(Method::Patch, Endpoint::GroupById)]);
    assert_eq!(
        sim.group(&gid).unwrap().member_ids().collect::<Vec<_>>(),
        [id.as_str()]
    );
}

const EVENTS: &str = r#"{"id":"h1","type":"hire","timestamp":"2026-01-05T09:00:00Z","user":{"userName":"fay@example.com","name":{"givenName":"Fay","familyName":"Ro"},"title":"Analyst"},"groups":["Finance"]}
{"id":"u1","type":"update","timestamp":"2026-02-01T09:00:00Z","user":{"userName":"FAY@example.com","title":"Senior Analyst"}}
{"id":"g1","type":"grant","timestamp":"2026-02-02T09:00:00Z","user":{"userName":"gus@example.com"},"group":"Finance"}
{"id":"t1","type":"terminate","timestamp":"2026-03-01T17:00:00Z","user":{"userName":"hal@example.com"}}
{"id":"r1","type":"revoke","timestamp":"2026-03-02T17:00:00Z","user":{"userName":"hal@example.com"},"group":"Finance"}
"#;

#[test]
fn an_events_file_applies_in_order_and_its_replay_writes_nothing() {
    for flavor in FLAVORS {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        sim.seed_user(active_user("gus@example.com"));
        sim.seed_user(active_user("hal@example.com"));
        let targets = read_events(EVENTS, Malformed::Refuse).unwrap().targets;
        let report = run(&mut sim, flavor, targets.clone());
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        let fay = user_named(&sim, "fay@example.com");
        assert_eq!(fay.title.as_deref(), Some("Senior Analyst"));
        assert!(!user_named(&sim, "hal@example.com").is_active());
        let finance = sim.groups().pop().unwrap();
        assert_eq!(finance.display_name, "Finance");
        assert_eq!(finance.member_ids().count(), 2, "{flavor:?}: fay and gus");

        let writes_before = writes(&sim);
        let report = run(&mut sim, flavor, targets);
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        assert_eq!(
            writes(&sim),
            writes_before,
            "{flavor:?}: the replay writes nothing"
        );
        let plan = report.plan.unwrap();
        assert!(plan.actions.is_empty(), "{flavor:?}: {:?}", plan.actions);
        let in_effect: Vec<&str> = plan
            .notes
            .iter()
            .filter(|n| n.message.ends_with("already in effect"))
            .map(|n| n.message.as_str())
            .collect();
        for event in [
            "h1 (provision)",
            "u1 (update)",
            "g1 (grant)",
            "t1 (deactivate)",
            "r1 (revoke)",
        ] {
            assert!(
                in_effect.iter().any(|m| m.contains(event)),
                "{flavor:?}: {event} in {in_effect:?}"
            );
        }
    }
}

#[test]
fn scope_and_protected_users_refuse_before_any_write() {
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", Faults::none(), 1);
    sim.seed_user(active_user("admin@example.com"));
    let protected = Policy::default().with_protected_user_names(vec!["ADMIN@example.com".into()]);
    let scoped = Policy::default()
        .with_scope(Scope::default().with_email_domains(vec!["corp.example".into()]));
    for (policy, name) in [
        (protected, "admin@example.com"),
        (scoped, "new@example.com"),
    ] {
        let mut c = config(Flavor::Airtable, Mode::PlanAndApply);
        c.policy = policy;
        let op = if name.starts_with("admin") {
            Operation::Deactivate
        } else {
            Operation::Provision
        };
        let report = run_config(&mut sim, c, vec![target(op, name)]);
        assert_eq!(report.status, RunStatus::Refused, "{name}: {report:?}");
        assert_eq!(report.plan.unwrap().blocked[0].guard, Guard::OutOfScope);
        assert_eq!(writes(&sim), 0, "{name}");
    }
    assert!(user_named(&sim, "admin@example.com").is_active());
}

#[test]
fn hostile_user_names_find_the_right_user() {
    let hostile = [
        "o\"brien@example.com",
        "back\\slash@example.com",
        "zoë@example.com",
        "x\") or (userName pr@example.com",
    ];
    for flavor in FLAVORS {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        for name in hostile {
            sim.seed_user(active_user(name));
        }
        // A decoy that a broken filter or a case-sensitive match would hit.
        sim.seed_user(active_user("obrien@example.com"));
        for name in hostile {
            let asked = name.to_uppercase();
            let report = run(
                &mut sim,
                flavor,
                vec![target(Operation::Deactivate, &asked)],
            );
            assert_eq!(
                report.status,
                RunStatus::Applied,
                "{flavor:?} {name}: {report:?}"
            );
            assert!(!user_named(&sim, name).is_active(), "{flavor:?} {name}");
        }
        assert!(
            user_named(&sim, "obrien@example.com").is_active(),
            "{flavor:?}"
        );
    }
}

#[test]
fn unknown_subjects_are_in_effect_or_refused() {
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", Faults::none(), 1);
    let report = run(
        &mut sim,
        Flavor::Airtable,
        vec![target(Operation::Deactivate, "ghost@example.com")],
    );
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    assert!(report.plan.unwrap().notes[0]
        .message
        .contains("not on the server"));
    let report = run(
        &mut sim,
        Flavor::Airtable,
        vec![target(Operation::Reactivate, "ghost@example.com")],
    );
    assert_eq!(report.status, RunStatus::Refused, "{report:?}");
    assert_eq!(report.plan.unwrap().blocked[0].guard, Guard::UnknownSubject);
    assert_eq!(writes(&sim), 0);
}

#[test]
fn a_reviewed_targeted_plan_is_looked_up_and_shown_first() {
    let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", Faults::none(), 1);
    let report = run_config(
        &mut sim,
        config(Flavor::Airtable, Mode::PlanOnly),
        vec![target(Operation::Provision, "new@example.com")],
    );
    assert_eq!(report.status, RunStatus::Planned);
    assert_eq!(
        requests(&sim),
        [(Method::Get, Endpoint::Users)],
        "looked up: the plan is exact"
    );
    let plan = report.plan.unwrap();
    assert_eq!((plan.cost.lookups, plan.cost.requests), (1, 1));
    assert!(plan.digest.is_some());
}

#[test]
fn several_subjects_are_looked_up_in_one_or_query_where_the_profile_allows() {
    let names = ["ann@example.com", "o\"neil@example.com", "zoë@example.com"];
    // Generic filters with `or`: one query for the three; Airtable cannot: one each.
    for (flavor, lookups) in [(Flavor::Generic, 1), (Flavor::Airtable, 3)] {
        let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
        for name in names {
            sim.seed_user(active_user(name));
        }
        sim.seed_user(active_user("oneil@example.com"));
        let targets = names
            .iter()
            .map(|n| target(Operation::Deactivate, &n.to_uppercase()))
            .collect();
        let report = run(&mut sim, flavor, targets);
        assert_eq!(report.status, RunStatus::Applied, "{flavor:?}: {report:?}");
        let sent = requests(&sim);
        let gets = sent.iter().filter(|r| r.0 == Method::Get).count();
        assert_eq!(
            (gets, sent.len()),
            (lookups, lookups + 3),
            "{flavor:?}: {sent:?}"
        );
        for name in names {
            assert!(!user_named(&sim, name).is_active(), "{flavor:?} {name}");
        }
        assert!(user_named(&sim, "oneil@example.com").is_active());
        assert_eq!(report.plan.unwrap().cost.lookups, lookups as u64);
    }
}

#[test]
fn a_user_gone_before_its_update_or_reactivation_is_drift_not_created_again() {
    for (op, active) in [(Operation::Update, true), (Operation::Reactivate, false)] {
        let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", Faults::none(), 1);
        let mut seeded = User::new("vi@example.com");
        seeded.active = Some(active);
        let id = sim.seed_user(seeded);
        let mut vi = User::new("vi@example.com");
        vi.title = Some("Lead".into());
        let encoder =
            scim_provision::request::RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
        let delete = encoder
            .delete(scim_provision::request::ResourceKind::User, &id)
            .unwrap();
        let mut engine = Engine::targeted(
            config(Flavor::Airtable, Mode::PlanAndApply),
            vec![Target::new(op, vi)],
        )
        .unwrap();
        let mut clock = 1_000;
        let report = drive(
            &mut sim,
            &mut engine,
            &mut clock,
            TIMEOUT_MS,
            |sim, request, now| {
                // Another admin deletes the user between the lookup and the PATCH.
                if request.method == Method::Patch {
                    let _ = sim.handle(&delete, now);
                }
                Control::Continue
            },
        );
        assert_eq!(report.outcomes.len(), 1, "{op:?}: {report:?}");
        assert!(
            matches!(&report.outcomes[0].result, ActionResult::Drift { detail } if detail.contains("no longer on the server")),
            "{op:?}: {report:?}"
        );
        assert!(sim.users().is_empty(), "{op:?}: not created again");
    }
}

#[test]
fn a_group_named_by_external_id_is_looked_up_by_it() {
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", Faults::none(), 1);
    let id = sim.seed_user(active_user("cy@example.com"));
    let mut g = Group::new("Engineering");
    g.external_id = Some("G-1".into());
    g.members = Some(Vec::new());
    sim.seed_group(g);
    sim.seed_group(Group::new("Eng"));
    let grant = vec![target(Operation::Grant, "cy@example.com")
        .with_group(TargetGroup::named("Eng").with_external_id("G-1"))];
    let report = run(&mut sim, Flavor::Generic, grant);
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    let sent = requests(&sim);
    assert_eq!(sent.len(), 3, "two lookups and a PATCH: {sent:?}");
    let groups = sim.groups();
    let engineering = groups
        .iter()
        .find(|g| g.display_name == "Engineering")
        .unwrap();
    assert_eq!(engineering.member_ids().collect::<Vec<_>>(), [id.as_str()]);
    let eng = groups.iter().find(|g| g.display_name == "Eng").unwrap();
    assert_eq!(eng.member_ids().count(), 0, "the namesake is not touched");

    // Absent: created with its externalId, in the POST where the profile allows.
    let grant = vec![target(Operation::Grant, "cy@example.com")
        .with_group(TargetGroup::named("Ops").with_external_id("G-2"))];
    let report = run(&mut sim, Flavor::Generic, grant);
    assert_eq!(report.status, RunStatus::Applied, "{report:?}");
    let ops = sim
        .groups()
        .into_iter()
        .find(|g| g.display_name == "Ops")
        .unwrap();
    assert_eq!(ops.external_id.as_deref(), Some("G-2"));
    assert_eq!(ops.member_ids().collect::<Vec<_>>(), [id.as_str()]);
}
