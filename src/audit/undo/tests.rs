//! `plan_undo` on hand-made logs and listed states.

use serde_json::json;

use super::*;
use crate::model::{Member, MultiValue};

fn user(id: &str, name: &str, active: bool, title: &str) -> User {
    let mut u = User::new(name);
    u.id = Some(id.into());
    u.active = Some(active);
    u.title = Some(title.into());
    u
}

fn group(id: &str, name: &str, members: &[&str]) -> Group {
    let mut g = Group::new(name);
    g.id = Some(id.into());
    g.members = Some(
        members
            .iter()
            .map(|m| Member::new((*m).to_owned()))
            .collect(),
    );
    g
}

fn state(users: Vec<User>, groups: Vec<Group>) -> ActualState {
    ActualState {
        users,
        groups,
        complete: true,
        problems: Vec::new(),
    }
}

/// A log of one run whose action records are `actions` (kind, subject, id, change).
fn log(actions: &[(&str, &str, &str, Value)]) -> UndoLog {
    let mut text = r#"{"type":"header","schemaVersion":1,"runId":"r1"}"#.to_owned();
    for (i, (kind, subject, id, change)) in actions.iter().enumerate() {
        let record = json!({"type": "action", "schemaVersion": 1, "action": i, "kind": kind,
            "subject": subject, "id": id, "result": {"status": "applied"}, "change": change});
        text.push('\n');
        text.push_str(&record.to_string());
    }
    UndoLog::read(&text).unwrap()
}

fn undo(log: &UndoLog, actual: &ActualState, profile: &Profile, force: bool) -> Draft {
    plan_undo(log, actual, profile, &Policy::default(), force)
}

fn kinds(d: &Draft) -> Vec<ActionKind> {
    d.actions.iter().map(Action::kind).collect()
}

fn title_change(before: &str, after: &str) -> Value {
    json!({"type": "updateUser", "user": {"userName": "a@x", "id": "u1"},
        "changes": [{"attribute": "title", "before": before, "after": after}], "reason": "r"})
}

#[test]
fn a_created_user_is_deactivated_and_a_vanished_one_is_a_note() {
    let created = log(&[("createUser", "a@x", "u1", json!({"type": "createUser"}))]);
    let d = undo(
        &created,
        &state(vec![user("u1", "a@x", true, "T")], vec![]),
        &Profile::generic(),
        false,
    );
    assert_eq!(kinds(&d), [ActionKind::DeactivateUser]);
    let Action::DeactivateUser(u) = &d.actions[0] else {
        unreachable!()
    };
    assert_eq!(u.user.id.as_deref(), Some("u1"));
    let d = undo(&created, &state(vec![], vec![]), &Profile::generic(), false);
    assert!(d.actions.is_empty());
    assert!(d.notes[0].message.contains("no longer on the server"));
}

#[test]
fn attributes_are_restored_unless_changed_since_and_force_overrides() {
    let l = log(&[("updateUser", "a@x", "u1", title_change("Old", "New"))]);
    let as_left = state(vec![user("u1", "a@x", true, "New")], vec![]);
    let d = undo(&l, &as_left, &Profile::generic(), false);
    let Action::UpdateUser(u) = &d.actions[0] else {
        panic!("{d:?}")
    };
    assert_eq!(
        u.changes,
        [Change {
            attribute: "title".into(),
            before: json!("New"),
            after: json!("Old")
        }]
    );
    assert!(u.reason.contains("undo of run r1"));

    let changed = state(vec![user("u1", "a@x", true, "Other")], vec![]);
    let d = undo(&l, &changed, &Profile::generic(), false);
    assert!(d.actions.is_empty());
    assert!(d.notes[0].message.contains("changed since the run (title)"));
    let d = undo(&l, &changed, &Profile::generic(), true);
    assert_eq!(kinds(&d), [ActionKind::UpdateUser]);

    // Already back as before: nothing to do.
    let d = undo(
        &l,
        &state(vec![user("u1", "a@x", true, "Old")], vec![]),
        &Profile::generic(),
        true,
    );
    assert!(d.actions.is_empty());
}

#[test]
fn a_deactivation_is_reactivated_and_emails_compare_without_case() {
    let change = json!({"type": "deactivateUser", "user": {"userName": "a@x", "id": "u1"},
        "changes": [
            {"attribute": "emails", "before": [{"value": "old@x"}], "after": [{"value": "New@X"}]},
            {"attribute": "active", "before": true, "after": false}],
        "reason": "r"});
    let l = log(&[("deactivateUser", "a@x", "u1", change)]);
    let mut have = user("u1", "a@x", false, "T");
    have.emails = vec![MultiValue {
        value: Some("new@x".into()),
        ..Default::default()
    }];
    let d = undo(&l, &state(vec![have], vec![]), &Profile::generic(), false);
    assert_eq!(kinds(&d), [ActionKind::ReactivateUser], "{:?}", d.notes);
    let Action::ReactivateUser(u) = &d.actions[0] else {
        unreachable!()
    };
    let restored: Vec<&str> = u.changes.iter().map(|c| c.attribute.as_str()).collect();
    assert_eq!(restored, ["emails", "active"]);
}

#[test]
fn deletions_and_adoptions_are_notes() {
    let text = concat!(
        r#"{"type":"header","schemaVersion":1,"runId":"r"}"#,
        "\n",
        r#"{"type":"action","schemaVersion":1,"kind":"deleteGroup","subject":"G","id":"g1","result":{"status":"applied"},"change":{}}"#,
        "\n",
        r#"{"type":"action","schemaVersion":1,"kind":"createUser","subject":"b@x","id":"u2","result":{"status":"adopted","id":"u2"},"change":{}}"#,
        "\n",
        r#"{"type":"action","schemaVersion":1,"kind":"createUser","subject":"c@x","result":{"status":"failed"},"change":{}}"#,
    );
    let l = UndoLog::read(text).unwrap();
    let d = undo(
        &l,
        &state(vec![user("u2", "b@x", true, "T")], vec![]),
        &Profile::generic(),
        false,
    );
    assert!(d.actions.is_empty());
    let notes: Vec<&str> = d.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes
        .iter()
        .any(|n| n.contains("cannot be undone with the same id")));
    assert!(notes.iter().any(|n| n.contains("adopted by the run")));
}

#[test]
fn renames_and_memberships_are_reverted() {
    let rename = json!({"type": "renameGroup", "group": {"displayName": "Eng", "id": "g1"}, "to": "Engineering", "reason": "r"});
    let add = json!({"type": "addMembers", "group": {"displayName": "Engineering", "id": "g1"},
        "members": [{"userName": "a@x", "id": "u1"}]});
    let remove = json!({"type": "removeMembers", "group": {"displayName": "Engineering", "id": "g1"},
        "members": [{"userName": "b@x", "id": "u2"}]});
    let l = log(&[
        ("renameGroup", "Eng", "g1", rename),
        ("addMembers", "Engineering", "g1", add),
        ("removeMembers", "Engineering", "g1", remove),
    ]);
    let users = vec![user("u1", "a@x", true, "T"), user("u2", "b@x", true, "T")];
    let left = state(users.clone(), vec![group("g1", "Engineering", &["u1"])]);
    let d = undo(&l, &left, &Profile::generic(), false);
    assert_eq!(
        kinds(&d),
        [
            ActionKind::RenameGroup,
            ActionKind::AddMembers,
            ActionKind::RemoveMembers
        ]
    );
    let Action::RenameGroup(r) = &d.actions[0] else {
        unreachable!()
    };
    assert_eq!(r.to, "Eng");

    // Renamed again since: a note, unless forced.
    let renamed = state(users.clone(), vec![group("g1", "Platform", &["u1"])]);
    let d = undo(&l, &renamed, &Profile::generic(), false);
    assert!(!kinds(&d).contains(&ActionKind::RenameGroup));
    assert!(d
        .notes
        .iter()
        .any(|n| n.message.contains("renamed since the run")));
    let d = undo(&l, &renamed, &Profile::generic(), true);
    assert!(kinds(&d).contains(&ActionKind::RenameGroup));

    // A server without PATCH gets the members as a whole.
    let mut no_patch = Profile::generic();
    no_patch.patch.supported = false;
    let d = undo(&l, &left, &no_patch, false);
    let Some(Action::SetMembers(s)) = d
        .actions
        .iter()
        .find(|a| a.kind() == ActionKind::SetMembers)
    else {
        panic!("{d:?}")
    };
    let ids: Vec<&str> = s.members.iter().filter_map(|m| m.id.as_deref()).collect();
    assert_eq!(ids, ["u2"]);
}

#[test]
fn an_incomplete_listing_blocks_the_undo() {
    let l = log(&[("createUser", "a@x", "u1", json!({"type": "createUser"}))]);
    let mut actual = state(vec![user("u1", "a@x", true, "T")], vec![]);
    actual.complete = false;
    let d = undo(&l, &actual, &Profile::generic(), false);
    assert_eq!(d.blocked[0].guard, Guard::IncompleteListing);
}
