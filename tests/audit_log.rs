//! The provisioning log and undo (issue 21) against the simulator: a run's log has the
//! documented records and no credential, and undoing it brings the server back as it was
//! (created users deactivated, not deleted), leaving a subject changed since the run alone
//! unless forced.

use std::collections::BTreeMap;

use scim_provision::audit::{LogStart, UndoLog};
use scim_provision::engine::{Engine, EngineConfig, Input, Mode, RunReport, RunStatus};
use scim_provision::http::{HttpRequest, Method};
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{DesiredGroup, DesiredState, Plan};
use scim_provision::profile::Profile;
use scim_sim::{drive_logged, Control, Faults, Flavor, Simulator as Sim};
use serde_json::Value;

const SECRET: &str = "TOPSECRET0123456789";

fn user(name: &str, title: &str) -> User {
    let mut u = User::new(name);
    u.active = Some(true);
    u.title = Some(title.into());
    u
}

fn group(name: &str, external_id: &str, members: &[&String]) -> Group {
    let mut g = Group::new(name);
    g.external_id = Some(external_id.into());
    g.members = Some(
        members
            .iter()
            .map(|id| Member::new((*id).clone()))
            .collect(),
    );
    g
}

/// A server of three users and two groups, and a directory that changes a title,
/// deactivates one user, creates another, renames a group and moves members.
fn server_and_directory(flavor: Flavor) -> (Sim, DesiredState) {
    let mut sim = Sim::new(flavor, "/scim/v2", Faults::none(), 1);
    let ana = sim.seed_user(user("ana@example.com", "Engineer"));
    let bo = sim.seed_user(user("bo@example.com", "Designer"));
    let cy = sim.seed_user(user("cy@example.com", "Operator"));
    sim.seed_group(group("Eng", "g-eng", &[&ana, &bo]));
    sim.seed_group(group("Ops", "g-ops", &[&cy]));
    let mut bo = user("bo@example.com", "Designer");
    bo.active = Some(false);
    // A credential where a directory should never put one: it must not reach the log.
    let dee = user("dee@example.com", &format!("Bearer {SECRET}"));
    let mut users = vec![
        user("ana@example.com", "Staff Engineer"),
        bo,
        user("cy@example.com", "Operator"),
        dee,
    ];
    // Users the run leaves alone, so one deactivation stays under the default cap.
    for i in 0..4 {
        let u = user(&format!("u{i}@example.com"), "Clerk");
        sim.seed_user(u.clone());
        users.push(u);
    }
    let desired = DesiredState {
        users,
        groups: vec![
            DesiredGroup {
                display_name: "Engineering".into(),
                external_id: Some("g-eng".into()),
                members: vec!["ana@example.com".into(), "dee@example.com".into()],
                member_groups: Vec::new(),
            },
            DesiredGroup {
                display_name: "Ops".into(),
                external_id: Some("g-ops".into()),
                members: vec!["cy@example.com".into(), "ana@example.com".into()],
                member_groups: Vec::new(),
            },
        ],
    };
    (sim, desired)
}

fn config(flavor: Flavor) -> EngineConfig {
    let profile = match flavor {
        Flavor::Airtable => Profile::airtable(),
        _ => Profile::generic(),
    };
    let mut c = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
    c.seed = 5;
    c
}

fn run(sim: &mut Sim, mut engine: Engine) -> (RunReport, Vec<String>) {
    let server = format!("https://admin:{SECRET}@scim.example/scim/v2");
    engine.log_to(LogStart::new("run-1", 1_796_430_347_000, server));
    let mut clock = 1_796_430_347_000;
    let decline = |_: &mut Sim, _: &Plan| Input::Decline;
    drive_logged(
        sim,
        &mut engine,
        &mut clock,
        5_000,
        |_, _, _| Control::Continue,
        decline,
    )
}

/// What undo must bring back: each user's active flag and title, each group's name and
/// member names.
type Snapshot = (
    BTreeMap<String, (bool, Option<String>)>,
    BTreeMap<String, (String, Vec<String>)>,
);

fn snapshot(sim: &Sim) -> Snapshot {
    let users = sim.users();
    let name_of = |id: &str| {
        let u = users.iter().find(|u| u.id.as_deref() == Some(id));
        u.map_or_else(|| id.to_owned(), |u| u.user_name.clone())
    };
    let by_user = users
        .iter()
        .map(|u| (u.user_name.clone(), (u.is_active(), u.title.clone())))
        .collect();
    let by_group = sim
        .groups()
        .into_iter()
        .map(|g| {
            let mut members: Vec<String> = g
                .members
                .iter()
                .flatten()
                .map(|m| name_of(&m.value))
                .collect();
            members.sort();
            (g.id.clone().unwrap_or_default(), (g.display_name, members))
        })
        .collect();
    (by_user, by_group)
}

fn records(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("a log line is JSON"))
        .collect()
}

fn apply_logged(flavor: Flavor) -> (Sim, Snapshot, Vec<String>) {
    let (mut sim, desired) = server_and_directory(flavor);
    let before = snapshot(&sim);
    let (report, lines) = run(&mut sim, Engine::new(config(flavor), desired).unwrap());
    assert_eq!(report.status, RunStatus::Applied, "{:?}", report.reason);
    (sim, before, lines)
}

#[test]
fn a_run_logs_a_header_every_request_every_action_and_a_footer_without_credentials() {
    for flavor in [Flavor::Generic, Flavor::Airtable] {
        let (sim, _, lines) = apply_logged(flavor);
        let text = lines.join("\n");
        assert!(!text.contains(SECRET), "{text}");
        let records = records(&lines);
        for r in &records {
            assert_eq!(r["schemaVersion"], 1, "{r}");
        }
        let of = |t: &'static str| records.iter().filter(move |r| r["type"] == t);
        let header = &records[0];
        assert_eq!(header["type"], "header");
        assert_eq!(header["runId"], "run-1");
        assert_eq!(header["time"], "2026-12-05T00:25:47.000Z");
        assert_eq!(header["server"], "https://scim.example/scim/v2");
        assert_eq!(header["run"], "sync");
        assert_eq!(header["mode"], "planAndApply");
        assert_eq!(header["policyDigest"].as_str().map(str::len), Some(64));
        assert!(header["planDigest"].is_string());
        let footer = records.last().unwrap();
        assert_eq!(footer["type"], "footer");
        assert_eq!(footer["status"], "applied");
        // One request record per request the server received, with its status.
        assert_eq!(of("request").count(), sim.log().len());
        assert_eq!(footer["requests"], sim.log().len() as u64);
        for r in of("request") {
            assert!(
                r["method"].is_string() && r["path"].as_str().unwrap().starts_with("/scim/v2/")
            );
            assert!(r["status"].as_u64().is_some_and(|s| s < 300), "{r}");
            assert_eq!(r["attempt"], 1);
            assert!(r.get("headers").is_none() && r.get("body").is_none());
        }
        let actions: Vec<&Value> = of("action").collect();
        assert_eq!(footer["counts"]["actions"], actions.len() as u64);
        assert_eq!(footer["counts"]["applied"], actions.len() as u64);
        let action = |kind: &str, subject: &str| {
            actions
                .iter()
                .find(|a| a["kind"] == kind && a["subject"] == subject)
                .unwrap_or_else(|| panic!("{kind} {subject} in {text}"))
        };
        let ana = action("updateUser", "ana@example.com");
        let title = serde_json::json!([{"attribute": "title", "before": "Engineer", "after": "Staff Engineer"}]);
        assert_eq!(ana["change"]["changes"], title, "{ana}");
        assert!(
            ana["change"].get("request").is_none(),
            "no request bytes: {ana}"
        );
        assert_eq!(ana["result"]["status"], "applied");
        assert!(ana["id"].is_string());
        let bo = action("deactivateUser", "bo@example.com");
        assert_eq!(bo["change"]["changes"][0]["attribute"], "active");
        assert_eq!(bo["change"]["changes"][0]["before"], true);
        let dee = action("createUser", "dee@example.com");
        assert!(
            dee["id"].is_string(),
            "a created user's id is logged: {dee}"
        );
        let rename = action("renameGroup", "Eng");
        assert_eq!(rename["change"]["to"], "Engineering");
    }
}

/// A concurrent admin's change to `user_name`'s title.
fn retitle(sim: &mut Sim, user_name: &str, title: &str) {
    let id = sim
        .users()
        .into_iter()
        .find(|u| u.user_name == user_name)
        .unwrap()
        .id
        .unwrap();
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": title}],
    });
    let request = HttpRequest {
        method: Method::Patch,
        path: format!("/scim/v2/Users/{id}"),
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: Some(body.to_string()),
    };
    let _ = sim.handle(&request, 1_796_430_348_000);
    assert_eq!(
        sim.users()
            .iter()
            .find(|u| u.user_name == user_name)
            .unwrap()
            .title
            .as_deref(),
        Some(title)
    );
}

fn undo(sim: &mut Sim, flavor: Flavor, lines: &[String], force: bool) -> (RunReport, Vec<String>) {
    let log = UndoLog::read(&lines.join("\n")).unwrap();
    assert_eq!(log.run_id(), "run-1");
    run(sim, Engine::undo(config(flavor), log, force).unwrap())
}

#[test]
fn undo_brings_the_server_back_and_deactivates_what_the_run_created() {
    for flavor in [Flavor::Generic, Flavor::Airtable] {
        let (mut sim, before, lines) = apply_logged(flavor);
        assert_ne!(snapshot(&sim), before);
        let (report, undo_lines) = undo(&mut sim, flavor, &lines, false);
        assert_eq!(report.status, RunStatus::Applied, "{:?}", report.reason);
        let (mut users, groups) = snapshot(&sim);
        assert_eq!(groups, before.1);
        let dee = users
            .remove("dee@example.com")
            .expect("a created user is kept");
        assert!(!dee.0, "a created user is deactivated, not deleted");
        assert_eq!(users, before.0);
        assert_eq!(records(&undo_lines)[0]["run"], "undo");
        // Undoing again finds nothing left to do.
        let (again, _) = undo(&mut sim, flavor, &lines, false);
        assert!(again.plan.unwrap().actions.is_empty());
    }
}

#[test]
fn a_subject_changed_since_the_run_is_a_note_unless_forced() {
    let flavor = Flavor::Generic;
    let (mut sim, before, lines) = apply_logged(flavor);
    retitle(&mut sim, "ana@example.com", "Principal");
    let (report, _) = undo(&mut sim, flavor, &lines, false);
    let plan = report.plan.unwrap();
    let note = plan
        .notes
        .iter()
        .find(|n| n.subject == "ana@example.com")
        .expect("a note on ana");
    assert!(
        note.message.contains("changed since the run (title)"),
        "{}",
        note.message
    );
    let (users, _) = snapshot(&sim);
    assert_eq!(users["ana@example.com"].1.as_deref(), Some("Principal"));
    assert_eq!(users["bo@example.com"], before.0["bo@example.com"]);

    let (report, _) = undo(&mut sim, flavor, &lines, true);
    assert_eq!(report.status, RunStatus::Applied, "{:?}", report.reason);
    let (users, _) = snapshot(&sim);
    assert_eq!(users["ana@example.com"].1.as_deref(), Some("Engineer"));
}

#[test]
fn a_deletion_is_a_note_and_a_bad_log_is_refused_with_its_line() {
    let header = r#"{"type":"header","schemaVersion":1,"runId":"r"}"#;
    let deleted = r#"{"type":"action","schemaVersion":1,"kind":"deleteUser","subject":"x@y","id":"u9","result":{"status":"applied"},"change":{"type":"deleteUser","user":{"userName":"x@y","id":"u9"}}}"#;
    let log = UndoLog::read(&format!("{header}\n\n{deleted}\n")).unwrap();
    let actual = scim_provision::plan::ActualState {
        complete: true,
        ..Default::default()
    };
    let draft = scim_provision::audit::plan_undo(
        &log,
        &actual,
        &Profile::generic(),
        &Default::default(),
        false,
    );
    assert!(draft.actions.is_empty());
    assert!(draft.notes[0]
        .message
        .contains("cannot be undone with the same id"));
    let err = UndoLog::read(&format!("{header}\nnot json")).unwrap_err();
    assert_eq!(err.line, 2);
    assert_eq!(UndoLog::read(deleted).unwrap_err().line, 1);
    assert_eq!(UndoLog::read("").unwrap_err().line, 0);
    let v2 = r#"{"type":"header","schemaVersion":2,"runId":"r"}"#;
    assert!(UndoLog::read(v2)
        .unwrap_err()
        .reason
        .contains("schemaVersion"));
}
