//! The targeted planner's rules, case by case.

use super::*;
use crate::plan::policy::Scope;

fn server_user(id: &str, name: &str, active: bool) -> User {
    let mut u = User::new(name);
    u.id = Some(id.into());
    u.active = Some(active);
    u
}

fn found(users: Vec<User>, groups: Vec<Group>) -> ActualState {
    ActualState {
        users,
        groups,
        complete: true,
        problems: Vec::new(),
    }
}

fn plan(targets: &[Target], found: &ActualState, policy: &Policy) -> Draft {
    plan_targeted(targets, found, &Profile::generic(), policy).unwrap()
}

fn kinds(d: &Draft) -> Vec<ActionKind> {
    d.actions.iter().map(Action::kind).collect()
}

fn target(op: Operation, name: &str) -> Target {
    Target::new(op, User::new(name))
}

#[test]
fn a_provision_creates_an_absent_user_and_updates_a_present_one() {
    let mut ana = User::new("ana@x");
    ana.title = Some("Lead".into());
    let t = [Target::new(Operation::Provision, ana)];
    let d = plan(&t, &found(vec![], vec![]), &Policy::default());
    assert_eq!(kinds(&d), [ActionKind::CreateUser]);
    let mut have = server_user("u1", "ANA@x", false);
    have.title = Some("Agent".into());
    let d = plan(&t, &found(vec![have.clone()], vec![]), &Policy::default());
    let Action::ReactivateUser(u) = &d.actions[0] else {
        panic!("{:?}", d.actions)
    };
    let changed: Vec<&str> = u.changes.iter().map(|c| c.attribute.as_str()).collect();
    assert_eq!(
        (changed, u.user.id.as_deref()),
        (vec!["title", "active"], Some("u1"))
    );
    have.title = Some("Lead".into());
    have.active = Some(true);
    let d = plan(&t, &found(vec![have], vec![]), &Policy::default());
    assert!(d.actions.is_empty());
    assert_eq!(d.notes[0].message, "provision: already in effect");
}

#[test]
fn absent_subjects_are_in_effect_or_refused_by_operation() {
    let none = found(vec![], vec![]);
    for op in [Operation::Deactivate, Operation::Revoke] {
        let mut t = target(op, "x@x");
        if op == Operation::Revoke {
            t = t.with_group(TargetGroup::named("G"));
        }
        let d = plan(&[t], &none, &Policy::default());
        assert!(d.actions.is_empty() && d.blocked.is_empty(), "{op:?}");
        assert!(d.notes[0].message.contains("already in effect"), "{op:?}");
    }
    for op in [Operation::Update, Operation::Reactivate, Operation::Grant] {
        let mut t = target(op, "x@x");
        if op == Operation::Grant {
            t = t.with_group(TargetGroup::named("G"));
        }
        let d = plan(&[t], &none, &Policy::default());
        assert!(d.actions.is_empty(), "{op:?}");
        assert_eq!(d.blocked[0].guard, Guard::UnknownSubject, "{op:?}");
    }
}

#[test]
fn scope_protection_and_delete_consent_block() {
    let have = found(vec![server_user("u1", "boss@x", true)], vec![]);
    let protected = Policy::default().with_protected_user_names(vec!["BOSS@x".into()]);
    let d = plan(
        &[target(Operation::Deactivate, "boss@x")],
        &have,
        &protected,
    );
    assert!(d.actions.is_empty());
    assert_eq!(d.blocked[0].guard, Guard::OutOfScope);
    let scoped =
        Policy::default().with_scope(Scope::default().with_email_domains(vec!["y".into()]));
    let d = plan(
        &[target(Operation::Provision, "new@x")],
        &found(vec![], vec![]),
        &scoped,
    );
    assert_eq!(d.blocked[0].guard, Guard::OutOfScope);
    let d = plan(
        &[target(Operation::Delete, "boss@x")],
        &have,
        &Policy::default(),
    );
    assert_eq!(d.blocked[0].guard, Guard::DeletionCap);
    let consent = Policy::default().with_offboarding(Offboarding::Delete);
    let d = plan(&[target(Operation::Delete, "boss@x")], &have, &consent);
    assert_eq!(kinds(&d), [ActionKind::DeleteUser]);
}

#[test]
fn events_of_one_subject_fold_in_order() {
    let mut ana = User::new("ana@x");
    ana.title = Some("Eng".into());
    let mut later = User::new("ANA@x");
    later.title = Some("Lead".into());
    let t = [
        Target::new(Operation::Provision, ana),
        Target::new(Operation::Update, later),
        target(Operation::Grant, "ana@x").with_group(TargetGroup::named("Eng")),
    ];
    let d = plan(&t, &found(vec![], vec![]), &Policy::default());
    assert_eq!(kinds(&d), [ActionKind::CreateUser, ActionKind::CreateGroup]);
    let Action::CreateUser(c) = &d.actions[0] else {
        panic!()
    };
    assert_eq!(c.user.title.as_deref(), Some("Lead"));
    let Action::CreateGroup(g) = &d.actions[1] else {
        panic!()
    };
    assert_eq!((g.members.len(), g.members[0].id.as_ref()), (1, None));
    // A hire then a termination of an absent user: nothing is created.
    let t = [
        target(Operation::Provision, "b@x"),
        target(Operation::Deactivate, "b@x"),
    ];
    let d = plan(&t, &found(vec![], vec![]), &Policy::default());
    assert!(d.actions.is_empty());
}

#[test]
fn memberships_change_only_where_they_differ() {
    let mut eng = Group::new("Eng \"core\"");
    eng.id = Some("g1".into());
    eng.members = Some(vec![crate::model::Member::new("u1")]);
    let have = found(
        vec![
            server_user("u1", "a@x", true),
            server_user("u2", "b@x", true),
        ],
        vec![eng],
    );
    let g = || TargetGroup::named("eng \"CORE\"");
    let t = [
        target(Operation::Grant, "a@x").with_group(g()),
        target(Operation::Grant, "b@x").with_group(g()),
        target(Operation::Revoke, "a@x").with_group(g()),
        target(Operation::Grant, "a@x").with_group(g()),
    ];
    let d = plan(&t, &have, &Policy::default());
    assert_eq!(kinds(&d), [ActionKind::AddMembers]);
    let Action::AddMembers(m) = &d.actions[0] else {
        panic!()
    };
    assert_eq!(m.group.id.as_deref(), Some("g1"));
    assert_eq!(m.members[0].id.as_deref(), Some("u2"));
    let d = plan(&t[2..3], &have, &Policy::default());
    assert_eq!(kinds(&d), [ActionKind::RemoveMembers]);
}

#[test]
fn ambiguous_and_incomplete_lookups_block() {
    let two = found(
        vec![
            server_user("u1", "a@x", true),
            server_user("u2", "A@X", true),
        ],
        vec![],
    );
    let d = plan(
        &[target(Operation::Deactivate, "a@x")],
        &two,
        &Policy::default(),
    );
    assert!(d.actions.is_empty());
    assert_eq!(d.blocked[0].guard, Guard::AmbiguousMatch);
    let mut broken = found(vec![], vec![]);
    broken.complete = false;
    broken.problems.push("GET /Users failed".into());
    let d = plan(
        &[target(Operation::Provision, "a@x")],
        &broken,
        &Policy::default(),
    );
    assert_eq!(d.blocked[0].guard, Guard::IncompleteListing);
    assert!(d.blocked[0].reason.contains("GET /Users failed"));
}

#[test]
fn known_ids_are_written_without_a_lookup() {
    let mut u = User::new("a@x");
    u.id = Some("u7".into());
    let group = TargetGroup::with_id("Eng", "g7");
    let t = [Target::new(Operation::Grant, u.clone()).with_group(group)];
    assert!(crate::plan::lookups(&t, false).is_empty());
    let d = plan(&t, &found(vec![], vec![]), &Policy::default());
    let Action::AddMembers(m) = &d.actions[0] else {
        panic!()
    };
    assert_eq!(
        (m.group.id.as_deref(), m.members[0].id.as_deref()),
        (Some("g7"), Some("u7"))
    );
    let d = plan(
        &[Target::new(Operation::Deactivate, u)],
        &found(vec![], vec![]),
        &Policy::default(),
    );
    assert_eq!(kinds(&d), [ActionKind::DeactivateUser]);
}

#[test]
fn a_group_named_by_external_id_is_found_by_it_and_created_with_it() {
    let mut renamed = Group::new("Engineering");
    renamed.id = Some("g7".into());
    renamed.external_id = Some("G-1".into());
    renamed.members = Some(Vec::new());
    let mut namesake = Group::new("Eng");
    namesake.id = Some("g8".into());
    namesake.members = Some(Vec::new());
    let have = found(
        vec![server_user("u1", "a@x", true)],
        vec![renamed, namesake],
    );
    let by_ext = || TargetGroup::named("Eng").with_external_id("G-1");
    let d = plan(
        &[target(Operation::Grant, "a@x").with_group(by_ext())],
        &have,
        &Policy::default(),
    );
    let Action::AddMembers(m) = &d.actions[0] else {
        panic!("{:?}", d.actions)
    };
    assert_eq!(m.group.id.as_deref(), Some("g7"), "the externalId decides");

    let absent = [target(Operation::Grant, "a@x")
        .with_group(TargetGroup::named("Ops").with_external_id("G-2"))];
    let d = plan(&absent, &have, &Policy::default());
    let Action::CreateGroup(c) = &d.actions[0] else {
        panic!("{:?}", d.actions)
    };
    assert_eq!(
        (c.display_name.as_str(), c.external_id.as_deref()),
        ("Ops", Some("G-2"))
    );

    let nameless =
        [target(Operation::Grant, "a@x")
            .with_group(TargetGroup::named("").with_external_id("G-2"))];
    let d = plan(&nameless, &have, &Policy::default());
    assert!(d.actions.is_empty());
    assert_eq!(d.blocked[0].guard, Guard::UnknownSubject);
    assert!(
        d.blocked[0].reason.contains("\"G-2\""),
        "{}",
        d.blocked[0].reason
    );
}

#[test]
fn an_absent_subject_named_by_external_id_alone_folds_with_its_hire() {
    let mut hire = User::new("gil@x");
    hire.external_id = Some("E-9".into());
    let mut by_ext = User::new("");
    by_ext.external_id = Some("E-9".into());
    let mut other = User::new("");
    other.external_id = Some("E-10".into());
    let t = [
        Target::new(Operation::Provision, hire).from_event("h1"),
        Target::new(Operation::Deactivate, by_ext).from_event("t1"),
        Target::new(Operation::Deactivate, other).from_event("t2"),
    ];
    let d = plan(&t, &found(vec![], vec![]), &Policy::default());
    assert!(
        d.actions.is_empty(),
        "hired, then terminated: {:?}",
        d.actions
    );
    let d = plan(&t[..1], &found(vec![], vec![]), &Policy::default());
    assert_eq!(kinds(&d), [ActionKind::CreateUser], "the hire alone");
    let d = plan(
        &[t[0].clone(), t[2].clone()],
        &found(vec![], vec![]),
        &Policy::default(),
    );
    assert_eq!(kinds(&d), [ActionKind::CreateUser]);
    assert!(
        d.notes.iter().any(|n| n.message.starts_with("event t2")),
        "another externalId is another subject: {:?}",
        d.notes
    );
}
