//! Planner scenarios from tests/fixtures/plan/: each file gives a directory, a server
//! listing, a profile and a policy, and the summary, guards, ordered actions and exact
//! requests the plan must contain.

use std::path::PathBuf;

use scim_provision::plan::{plan, ActionKind, ActualState, DesiredState, Plan, Policy};
use scim_provision::profile::{self, Profile};
use scim_provision::request::RequestEncoder;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn profile_of(case: &Value) -> Profile {
    let mut p =
        serde_json::to_value(profile::builtin(case["profile"].as_str().unwrap()).unwrap()).unwrap();
    if let Some(Value::Object(patch)) = case.get("profilePatch") {
        for (section, fields) in patch {
            for (k, v) in fields.as_object().unwrap() {
                p[section][k] = v.clone();
            }
        }
    }
    serde_json::from_value(p).unwrap()
}

fn run(case: &Value) -> Plan {
    let desired = DesiredState::from_json(&case["desired"].to_string()).unwrap();
    let actual: ActualState = serde_json::from_value(case["actual"].clone()).unwrap();
    let policy: Policy = serde_json::from_value(case["policy"].clone()).unwrap();
    let encoder = RequestEncoder::new("/scim/v2", profile_of(case)).unwrap();
    plan(&desired, &actual, encoder.profile(), &policy)
        .unwrap()
        .with_requests(&encoder)
}

fn check(name: &str) {
    let case = load(name);
    let p = run(&case);
    let json = serde_json::to_value(&p).unwrap();
    let expect = &case["expect"];
    assert_eq!(json["summary"], expect["summary"], "{name}: summary");
    let guards: Vec<Value> = json["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["guard"].clone())
        .collect();
    assert_eq!(&Value::Array(guards), &expect["blocked"], "{name}: blocked");
    if let Some(reasons) = expect.get("reasons") {
        let got: Vec<Value> = json["blocked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["reason"].clone())
            .collect();
        assert_eq!(&Value::Array(got), reasons, "{name}: blocked reasons");
    }
    let actions: Vec<(ActionKind, String)> = p
        .actions
        .iter()
        .map(|s| (s.action.kind(), s.action.subject().to_owned()))
        .collect();
    let want: Vec<(ActionKind, String)> = expect["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                serde_json::from_value(a[0].clone()).unwrap(),
                a[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(actions, want, "{name}: actions");
    if let Some(requests) = expect.get("requests").and_then(Value::as_object) {
        for (index, want) in requests {
            let got = &json["actions"][index.parse::<usize>().unwrap()]["request"];
            assert_eq!(got, want, "{name}: request of action {index}");
        }
    }
    if let Some(waits) = expect.get("waitsFor").and_then(Value::as_object) {
        for (index, want) in waits {
            assert_eq!(
                &json["actions"][index.parse::<usize>().unwrap()]["waitsFor"],
                want,
                "{name}: waitsFor {index}"
            );
        }
    }
    if let Some(notes) = expect.get("notes").and_then(Value::as_array) {
        let subjects: Vec<&str> = p.notes.iter().map(|n| n.subject.as_str()).collect();
        let want: Vec<&str> = notes.iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(subjects, want, "{name}: notes");
    }
    // The plan's JSON reads back to the same plan, and planning is deterministic.
    let back: Plan = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, p, "{name}: plan JSON round trip");
    assert_eq!(
        serde_json::to_string(&run(&case)).unwrap(),
        serde_json::to_string(&p).unwrap()
    );
}

#[test]
fn airtable_lifecycle() {
    check("airtable-lifecycle.json");
}

#[test]
fn empty_source() {
    check("empty-source.json");
}

#[test]
fn incomplete_listing() {
    check("incomplete-listing.json");
}

#[test]
fn scope_and_protected() {
    check("scope-and-protected.json");
}

#[test]
fn allowed_actions_leave_the_rest_as_notes() {
    check("allowed-actions.json");
    check("allowed-no-user-creates.json");
}

#[test]
fn a_scope_filter_decides_who_is_managed() {
    check("scope-filter.json");
}

#[test]
fn generic_without_patch() {
    check("generic-without-patch.json");
}

#[test]
fn delete_policy_and_rename() {
    check("delete-policy-and-rename.json");
}

#[test]
fn invalid_directories_are_refused_with_names() {
    let case = load("invalid-directory.json");
    let profile = Profile::airtable();
    for c in case["cases"].as_array().unwrap() {
        let desired = DesiredState::from_json(&c["desired"].to_string()).unwrap();
        let err = plan(
            &desired,
            &ActualState {
                complete: true,
                ..ActualState::default()
            },
            &profile,
            &Policy::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), c["error"].as_str().unwrap());
    }
}

#[test]
fn memberships_are_chunked_to_the_profile_limit() {
    let users: Vec<Value> = (0..250)
        .map(|i| serde_json::json!({"userName": format!("u{i:03}@x.com")}))
        .collect();
    let members: Vec<String> = (0..250).map(|i| format!("u{i:03}@x.com")).collect();
    let actual_users: Vec<Value> =
        (0..250).map(|i| serde_json::json!({"id": format!("id{i:03}"), "userName": format!("u{i:03}@x.com")})).collect();
    let case = serde_json::json!({
        "profile": "airtable",
        "desired": {"users": users, "groups": [{"displayName": "Big", "members": members}]},
        "actual": {"complete": true, "users": actual_users, "groups": [{"id": "g", "displayName": "Big", "members": []}]},
        "policy": {}
    });
    let p = run(&case);
    let sizes: Vec<usize> = p
        .actions
        .iter()
        .map(|s| match &s.action {
            scim_provision::plan::Action::AddMembers(m) => m.members.len(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(p.summary.add_members, 250);
    // Airtable adds one single-object operation per member.
    let body = &serde_json::to_value(&p).unwrap()["actions"][2]["request"]["body"];
    assert_eq!(body["Operations"].as_array().unwrap().len(), 50);
    assert_eq!(
        body["Operations"][0]["value"],
        serde_json::json!({"value": "id200"})
    );
}

#[test]
fn ambiguous_users_are_blocked_and_left_alone() {
    check("ambiguous-users.json");
}

#[test]
fn ambiguous_groups_are_blocked_and_left_alone() {
    check("ambiguous-groups.json");
}

#[test]
fn read_only_manager_name() {
    check("read-only-manager-name.json");
}

#[test]
fn airtable_stores_manager_names() {
    let mut case = load("read-only-manager-name.json");
    case["profile"] = "airtable".into();
    let p = run(&case);
    assert_eq!(p.summary.update_users, 1, "a's manager name is compared");
    assert!(p.notes.is_empty());
    let body = serde_json::to_value(&p.actions[0].request).unwrap();
    assert_eq!(
        body["body"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]
            ["displayName"],
        "Mia Chen"
    );
}

#[test]
fn a_saved_plans_figures_are_recomputed_and_an_edited_action_is_detected() {
    use scim_provision::plan::{check_integrity, ReviewError};
    let p = run(&load("airtable-lifecycle.json"));
    assert!(p.summary.deactivate_users > 0);
    assert_eq!(check_integrity(&p), Ok(()));
    // The figure hiding a deactivation is replaced by the count of the actions.
    let mut json = serde_json::to_value(&p).unwrap();
    json["summary"]["deactivateUsers"] = 0.into();
    json["summary"]["createUsers"] = 99.into();
    let back: Plan = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back.summary, p.summary);
    assert_eq!(check_integrity(&back), Ok(()));
    // An edited action no longer matches the digest.
    json["actions"][0]["reason"] = "looks harmless".into();
    let edited: Plan = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(check_integrity(&edited), Err(ReviewError::Edited));
    assert_eq!(
        ReviewError::Edited.to_string(),
        "the plan file was edited after it was made (its actions or guards no longer match its digest)"
    );
    // A plan without a digest cannot be shown to be the reviewed one.
    json.as_object_mut().unwrap().remove("digest");
    let old: Plan = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(check_integrity(&old), Err(ReviewError::NoDigest));
}

#[test]
fn a_guard_deleted_from_a_saved_plan_is_an_edit() {
    use scim_provision::plan::{check_integrity, ReviewError};
    let mut d = load("airtable-lifecycle.json");
    d["policy"] = serde_json::json!({"maxDeactivations": {"count": 0}});
    let p = run(&d);
    assert!(p.is_blocked(), "the cap trips: {:?}", p.blocked);
    assert_eq!(check_integrity(&p), Ok(()));
    // Slipping the plan past review by deleting its guard is caught before anything is sent.
    let mut json = serde_json::to_value(&p).unwrap();
    json["blocked"] = serde_json::json!([]);
    let slipped: Plan = serde_json::from_value(json).unwrap();
    assert!(!slipped.is_blocked());
    assert_eq!(check_integrity(&slipped), Err(ReviewError::Edited));
}

#[test]
fn a_plan_without_a_digest_is_refused() {
    use scim_provision::plan::{check_integrity, ReviewError};
    let p = run(&load("airtable-lifecycle.json"));
    let mut json = serde_json::to_value(&p).unwrap();
    json.as_object_mut().unwrap().remove("digest");
    let old: Plan = serde_json::from_value(json).unwrap();
    assert_eq!(check_integrity(&old), Err(ReviewError::NoDigest));
}
