//! The mapping module's tests: the built-in mappings on their fixtures, each transform, and
//! every refusal located.

use super::*;
use crate::model::User;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A fixture export, compiled in (the core reads no files, its tests included).
fn fixture(name: &str) -> String {
    match name {
        "workday.csv" => include_str!("../../tests/fixtures/mapping/workday.csv"),
        "bamboohr.csv" => include_str!("../../tests/fixtures/mapping/bamboohr.csv"),
        "google-workspace.csv" => include_str!("../../tests/fixtures/mapping/google-workspace.csv"),
        other => panic!("no fixture {other}"),
    }
    .to_owned()
}

fn user<'a>(state: &'a DesiredState, name: &str) -> &'a User {
    state.users.iter().find(|u| u.user_name == name).unwrap()
}

fn members(state: &DesiredState) -> Vec<(String, Vec<String>)> {
    state
        .groups
        .iter()
        .map(|g| (g.display_name.clone(), g.members.clone()))
        .collect()
}

#[test]
fn every_builtin_mapping_parses_and_reads_its_fixture() {
    for (name, _) in BUILTIN_MAPPINGS {
        let mapping = Mapping::builtin(name).unwrap_or_else(|| panic!("{name} does not parse"));
        let file = format!("{name}.csv");
        let state = mapping
            .read(&file, &fixture(&file))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(state.users.len() >= 4, "{name}");
        assert!(
            state
                .users
                .iter()
                .all(|u| u.user_name == u.user_name.to_lowercase()),
            "{name}"
        );
    }
    assert!(
        Mapping::builtin("WORKDAY").is_some(),
        "names are case-insensitive"
    );
    assert!(Mapping::builtin("sap").is_none());
}

#[test]
fn workday_maps_status_type_cost_center_and_organisations() {
    let state = Mapping::builtin("workday")
        .unwrap()
        .read("w.csv", &fixture("workday.csv"))
        .unwrap();
    let ana = user(&state, "ana.silva@example.com");
    assert_eq!(ana.external_id.as_deref(), Some("21001"));
    assert_eq!(ana.active, Some(true));
    assert_eq!(
        ana.display_name, None,
        "an empty preferred name leaves displayName unset"
    );
    let e = ana.enterprise.as_ref().unwrap();
    assert_eq!(e.cost_center.as_deref(), Some("CC-1100"));
    assert_eq!(e.department.as_deref(), Some("Platform Engineering"));
    assert_eq!(e.employee_number.as_deref(), Some("21001"));
    assert!(ana.schemas.iter().any(|s| s == ENTERPRISE));
    let ben = user(&state, "ben.okafor@example.com");
    assert_eq!(ben.title.as_deref(), Some("Director, Sales"));
    assert_eq!(ben.display_name.as_deref(), Some("Ben"));
    assert_eq!(
        user(&state, "chen.li@example.com").active,
        Some(true),
        "on leave stays active"
    );
    let zoe = user(&state, "zoe.angstrom@example.com");
    assert_eq!(
        zoe.name.as_ref().unwrap().family_name.as_deref(),
        Some("Ångström")
    );
    assert_eq!(
        zoe.extra.get("userType"),
        Some(&serde_json::json!("Contractor"))
    );
    let eve = user(&state, "eve.marsh@example.com");
    assert_eq!(eve.active, Some(false));
    // A terminated worker keeps no groups; the others are in their organisation's.
    assert_eq!(
        members(&state),
        vec![
            (
                "Platform Engineering".into(),
                vec!["ana.silva@example.com".into()]
            ),
            (
                "Sales (Ben Okafor)".into(),
                vec!["ben.okafor@example.com".into()]
            ),
            ("Engineering".into(), vec!["chen.li@example.com".into()]),
            ("Finance".into(), vec!["zoe.angstrom@example.com".into()]),
        ]
    );
}

#[test]
fn bamboohr_and_google_workspace_fixtures_map_as_their_exports_mean() {
    let state = Mapping::builtin("bamboohr")
        .unwrap()
        .read("b.csv", &fixture("bamboohr.csv"))
        .unwrap();
    let jose = user(&state, "jose.nunez@example.com");
    assert_eq!(jose.display_name.as_deref(), Some("José Núñez"));
    assert_eq!(
        jose.extra.get("userType"),
        Some(&serde_json::json!("Employee"))
    );
    assert_eq!(user(&state, "lee.ford@example.com").active, Some(false));
    let groups = members(&state);
    assert!(groups.contains(&(
        "Office: Lisbon".into(),
        vec![
            "ana.silva@example.com".into(),
            "lee.ford@example.com".into()
        ]
    )));
    assert!(
        !groups.iter().any(|(g, _)| g == "Office:"),
        "an empty location names no group"
    );

    let state = Mapping::builtin("google-workspace")
        .unwrap()
        .read("g.csv", &fixture("google-workspace.csv"))
        .unwrap();
    assert_eq!(user(&state, "mia.oneil@example.com").active, Some(false));
    let bot = user(&state, "ci-bot@example.com");
    assert_eq!(bot.external_id, None);
    assert_eq!(
        bot.enterprise, None,
        "no enterprise attribute, no extension"
    );
    assert_eq!(
        members(&state),
        vec![
            ("Platform".into(), vec!["ana.silva@example.com".into()]),
            ("Engineering".into(), vec!["chen.li@example.com".into()]),
            ("Sales".into(), vec!["mia.oneil@example.com".into()]),
        ],
        "the root org unit names no group"
    );
    // The password column is never read into the directory.
    let json = serde_json::to_string(&state).unwrap();
    assert!(!json.contains("****"));
}

#[test]
fn templates_split_case_conditions_and_defaults() {
    let mapping = Mapping::from_json(
        r#"{"users": {
            "userName": {"template": "{login}@{domain}", "case": "lower"},
            "displayName": {"template": "{first} {last}"},
            "name.familyName": {"from": "full", "split": {"separator": ",", "pick": 0}},
            "name.givenName": {"from": "full", "split": {"separator": ",", "pick": -1}},
            "title": {"from": "role", "when": {"field": "kind", "in": ["staff"]}, "default": "Guest"},
            "active": {"default": true},
            "urn:example:custom:2.0:User:badge": "badge"
          },
          "groups": [{"from": "teams", "separator": "|"}]}"#,
    )
    .unwrap();
    let csv = "login,domain,first,last,full,role,kind,badge,teams\n\
               Ana,EXAMPLE.com,Ana,,\"Silva, Ana\",Lead,Staff,{last},A| B |A\n\
               bo,example.com,{last},Bo,\"Ng,Bo\",Lead,contractor,,\n";
    let state = mapping.read("x.csv", csv).unwrap();
    let ana = user(&state, "ana@example.com");
    assert_eq!(
        ana.display_name.as_deref(),
        Some("Ana"),
        "an empty field leaves no double space"
    );
    let name = ana.name.as_ref().unwrap();
    assert_eq!(
        (name.family_name.as_deref(), name.given_name.as_deref()),
        (Some("Silva"), Some("Ana"))
    );
    assert_eq!(ana.title.as_deref(), Some("Lead"));
    assert_eq!(ana.active, Some(true));
    assert_eq!(
        ana.extra.get("urn:example:custom:2.0:User"),
        Some(&serde_json::json!({"badge": "{last}"}))
    );
    let bo = user(&state, "bo@example.com");
    assert_eq!(
        bo.display_name.as_deref(),
        Some("{last} Bo"),
        "a value reading like a placeholder stays as written"
    );
    assert_eq!(
        bo.title, None,
        "the condition fails: the rule does not apply, not even its default"
    );
    assert_eq!(
        members(&state),
        vec![
            ("A".into(), vec!["ana@example.com".into()]),
            ("B".into(), vec!["ana@example.com".into()])
        ]
    );
}

#[test]
fn a_json_export_is_read_by_dotted_paths() {
    let mapping = Mapping::from_json(
        r#"{"users": {"userName": "work.email", "active": {"from": "status", "map": {"ACTIVE": true, "TERMINATED": false}}},
            "groups": ["teams"]}"#,
    )
    .unwrap();
    let text = r#"{"workers": [
        {"work": {"email": "ana@example.com"}, "status": "active", "teams": ["A", "B"]},
        {"Work": {"Email": "bo@example.com"}, "status": "terminated", "teams": null}]}"#;
    let state = mapping.read("export.json", text).unwrap();
    assert_eq!(state.users.len(), 2);
    assert_eq!(user(&state, "bo@example.com").active, Some(false));
    let both = vec!["ana@example.com".to_owned()];
    assert_eq!(
        members(&state),
        vec![("A".into(), both.clone()), ("B".into(), both)]
    );
    let bad = r#"[{"work": {"email": "a@x"}, "status": "paused"}]"#;
    assert_eq!(
        mapping.read("export.json", bad).unwrap_err().to_string(),
        r#"the directory's CSV: row 1, column "status": "paused" is not one of the mapped values (ACTIVE, TERMINATED)"#,
        "a JSON export's rows are its records"
    );
    let err = mapping
        .read("export.json", r#"{"a": [], "b": []}"#)
        .unwrap_err();
    assert!(
        matches!(err, DesiredStateError::Json { ref path, .. } if path == "."),
        "{err:?}"
    );
    let err = mapping
        .read("export.json", r#"[{"work": {}}, 7]"#)
        .unwrap_err();
    assert!(
        matches!(err, DesiredStateError::Json { ref path, .. } if path == "[1]"),
        "{err:?}"
    );
}

#[test]
fn every_bad_row_is_named_with_its_column_and_nothing_is_half_imported() {
    let mapping = Mapping::builtin("bamboohr").unwrap();
    let mut csv = fixture("bamboohr.csv");
    csv.push_str("105,No,Mail,,,Intern,People,Operations,,Active,Intern,,2026-01-01\n");
    csv.push_str("106,On,Leave,,on.leave@example.com,Intern,People,Operations,,On Leave,Intern,,2026-01-01\n");
    let DesiredStateError::Csv { rows } = mapping.read("x.csv", &csv).unwrap_err() else {
        panic!()
    };
    let rows: Vec<(u64, Option<&str>, &str)> = rows
        .iter()
        .map(|r| (r.row, r.column.as_deref(), r.reason.as_str()))
        .collect();
    let on_leave = r#""On Leave" is not one of the mapped values (Active, Inactive)"#;
    assert_eq!(
        rows,
        vec![
            (6, Some("Work Email"), "is empty: no userName"),
            (7, Some("Status"), on_leave)
        ]
    );
    let DesiredStateError::Csv { rows } = mapping
        .read("x.csv", "Work Email,First Name\na@x,A\n")
        .unwrap_err()
    else {
        panic!()
    };
    assert_eq!(rows[0].row, 1);
    let reason = &rows[0].reason;
    assert!(
        reason.starts_with(r#"the header lacks the columns the mapping reads: "Department""#),
        "{reason}"
    );
}

#[test]
fn a_wrong_document_is_located_by_its_path() {
    let refused = |text: &str| {
        let e = Mapping::from_json(text).unwrap_err();
        (e.path, e.reason)
    };
    let (at, reason) = refused(r#"{"users": {"title": "Job Title"}}"#);
    assert_eq!(
        (at.as_str(), reason.as_str()),
        ("users", "a mapping must set userName")
    );
    let (at, _) = refused(r#"{"users": {"userName": "e", "nickname.x": "n"}}"#);
    assert_eq!(at, "users.nickname.x");
    let (at, reason) = refused(r#"{"users": {"userName": {"form": "e"}}}"#);
    assert_eq!(at, "users.userName.form");
    assert!(reason.contains("unknown field `form`"), "{reason}");
    let (at, _) = refused(r#"{"users": {"userName": {"template": "{a"}}}"#);
    assert_eq!(at, "users.userName.template");
    let (at, _) =
        refused(r#"{"users": {"userName": "e", "active": {"from": "s", "map": {"A": "yes"}}}}"#);
    assert_eq!(at, "users.active.map.A");
    let (at, _) = refused(
        r#"{"users": {"userName": "e"}, "groups": [{"from": "g", "when": {"field": "x"}}]}"#,
    );
    assert_eq!(at, "groups[0].when");
    let (at, _) = refused(r#"{"users": {"userName": {"trim": false}}}"#);
    assert_eq!(at, "users.userName");
    let (at, reason) = refused(r#"{"users": {"userName": 7}}"#);
    assert_eq!(at, "users.userName");
    assert!(reason.contains("a field name or a rule object"), "{reason}");
    assert!(Mapping::named_or_json("  workday ").is_ok());
}

#[test]
fn a_preview_keeps_every_row_error_and_splits_by_scope() {
    let mapping = Mapping::builtin("bamboohr").unwrap();
    let mut csv = fixture("bamboohr.csv");
    csv.push_str("106,On,Leave,,on.leave@example.com,Intern,People,Operations,,On Leave,Intern,,2026-01-01\n");
    let policy: crate::plan::Policy = crate::json::from_str(
        r#"{"scope": {"filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division eq \"Product\""}}"#,
    )
    .unwrap();
    let p = mapping.preview("b.csv", &csv, &policy, 1).unwrap();
    assert_eq!((p.records, p.mapped, p.in_scope), (5, 4, 2));
    assert_eq!(p.users.len(), 1, "the limit");
    assert_eq!(p.out_of_scope, ["jose.nunez@example.com"]);
    assert_eq!(p.errors.len(), 1);
    assert_eq!(
        (p.errors[0].row, p.errors[0].column.as_deref()),
        (6, Some("Status"))
    );
    let short = mapping.preview("b.csv", "Work Email\nx\n", &policy, 10);
    assert!(short.is_err(), "a header lacking columns stops every row");
}
