//! The tolerant reader (issue 16, item 7): answers real servers send with a scalar of the
//! wrong JSON type are read, each coercion reported once per run with its attribute path;
//! what puts data at stake is still refused with its JSON path. The fixtures are
//! `tests/fixtures/tolerant/`, listed in `tests/fixtures/MANIFEST.json` with the warnings
//! each owes (`coerced`) or the refusal it gets (`refused`).

use std::path::PathBuf;

use scim_provision::engine::{Engine, EngineConfig, Event, Input, Mode, Output, RunStatus};
use scim_provision::http::{HttpResponse, Method};
use scim_provision::model::{Group, ListResponse, User};
use scim_provision::plan::DesiredState;
use scim_provision::profile::Profile;
use scim_provision::response::{
    decode, decode_with_coercions, DecodeError, DecodeOptions, Decoded, Expect,
};
use serde_json::{json, Value};

fn fixture(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tolerant");
    std::fs::read_to_string(path.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn page<T: scim_provision::model::FromValue + std::fmt::Debug>(
    file: &str,
) -> (ListResponse<T>, Vec<String>) {
    let response = HttpResponse::new(200, fixture(file));
    match decode_with_coercions::<T>(Expect::List, &response, &DecodeOptions::default()) {
        Ok((Decoded::Page(p), coercions)) => {
            (p, coercions.iter().map(ToString::to_string).collect())
        }
        other => panic!("{file}: {other:?}"),
    }
}

#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    kind: String,
    http_status: Option<u16>,
    coerced: Option<Vec<String>>,
    refused: Option<Refused>,
}

#[derive(serde::Deserialize)]
struct Refused {
    code: String,
    path: Option<String>,
}

/// Every tolerant fixture of the manifest reads with exactly its warnings, or is refused
/// with its error kind and path.
#[test]
fn every_tolerant_fixture_reads_as_the_manifest_says() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/MANIFEST.json");
    let entries: Vec<Entry> =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let mut read = 0;
    for e in entries {
        if e.coerced.is_none() && e.refused.is_none() {
            continue;
        }
        assert!(e.file.starts_with("tolerant/"), "{}", e.file);
        let name = &e.file["tolerant/".len()..];
        let response = HttpResponse::new(e.http_status.unwrap_or(200), fixture(name));
        let options = DecodeOptions::default();
        let result = match e.kind.as_str() {
            "list-users" => decode_with_coercions::<User>(Expect::List, &response, &options)
                .map(|(d, c)| (matches!(d, Decoded::Page(_)), c)),
            "list-groups" => decode_with_coercions::<Group>(Expect::List, &response, &options)
                .map(|(d, c)| (matches!(d, Decoded::Page(_)), c)),
            other => panic!("{}: kind {other}", e.file),
        };
        match (result, e.coerced, e.refused) {
            (Ok((is_page, coercions)), Some(expected), None) => {
                assert!(is_page, "{}", e.file);
                let got: Vec<String> = coercions.iter().map(ToString::to_string).collect();
                assert_eq!(got, expected, "{}", e.file);
            }
            (Err(err), None, Some(refused)) => {
                let json = serde_json::to_value(&err).unwrap();
                assert_eq!(json["kind"], refused.code, "{}: {err}", e.file);
                let path = match &err {
                    DecodeError::WrongShape { path, .. } => Some(path.clone()),
                    _ => None,
                };
                assert_eq!(path, refused.path, "{}: {err}", e.file);
            }
            (result, coerced, refused) => panic!(
                "{}: got {result:?}, manifest says coerced {coerced:?} refused {}",
                e.file,
                refused.is_some()
            ),
        }
        read += 1;
    }
    assert_eq!(read, 15, "tolerant fixtures in the manifest");
}

#[test]
fn sap_concur_numeric_meta_version_is_read_as_text() {
    let (p, warned) = page::<User>("sap-concur-meta-version-number.json");
    assert_eq!(p.resources.len(), 2);
    let versions: Vec<_> = p
        .resources
        .iter()
        .map(|u| u.meta.as_ref().unwrap().version.as_deref())
        .collect();
    assert_eq!(versions, [Some("7"), Some("12")]);
    assert_eq!(p.resources[1].active, Some(false));
    assert_eq!(
        warned,
        ["coerced Resources[].meta.version from a number to a string"]
    );
}

#[test]
fn kaiten_numeric_member_values_are_read_as_text() {
    let (p, _) = page::<Group>("kaiten-members-value-number.json");
    let ids: Vec<&str> = p.resources[0].member_ids().collect();
    assert_eq!(ids, ["1042", "1043"]);
    let members = p.resources[0].members.as_ref().unwrap();
    assert_eq!(members[0].display.as_deref(), Some("ana.silva@example.com"));
}

#[test]
fn numeric_ids_references_and_meta_times_are_read_as_text() {
    let (p, _) = page::<User>("numeric-id.json");
    assert_eq!(p.resources[0].id.as_deref(), Some("101"));
    assert_eq!(p.resources[0].external_id.as_deref(), Some("9001"));
    assert_eq!(p.resources[1].id.as_deref(), Some("102"));

    let (p, _) = page::<User>("numeric-groups-value.json");
    let groups = &p.resources[0].groups;
    assert_eq!(groups[0].value.as_deref(), Some("17"));
    assert_eq!(groups[1].value.as_deref(), Some("18"));
    assert_eq!(
        groups[0].extra["$ref"],
        "https://example.com/scim/v2/Groups/17"
    );

    let (p, _) = page::<User>("numeric-meta-created.json");
    let meta = p.resources[0].meta.as_ref().unwrap();
    assert_eq!(meta.created.as_deref(), Some("1709284364000"));
    assert_eq!(meta.last_modified.as_deref(), Some("1732118590000"));

    let (p, _) = page::<User>("meta-location-object.json");
    let meta = p.resources[0].meta.as_ref().unwrap();
    assert_eq!(meta.location, None);
    assert!(meta.extra.is_empty());
    assert_eq!(meta.version.as_deref(), Some("W/\"1\""));
}

#[test]
fn string_counts_are_read_as_integers() {
    let (p, _) = page::<User>("string-totalresults.json");
    assert_eq!(p.total_results, Some(2));
    assert_eq!(p.items_per_page, Some(2));
    assert_eq!(p.start_index, Some(1));
    assert_eq!(p.resources.len(), 2);
}

#[test]
fn entra_and_oracle_pages_read_without_coercion() {
    let (p, warned) = page::<User>("entra-lowercase-resources.json");
    assert_eq!(p.resources.len(), 1);
    assert_eq!(p.resources[0].active, Some(true));
    assert!(warned.is_empty());
    let (p, warned) = page::<Group>("oracle-no-paging-fields.json");
    assert_eq!((p.start_index, p.items_per_page), (None, None));
    assert_eq!(p.resources[0].id.as_deref(), Some("acme.pfst51trial"));
    assert!(warned.is_empty());
}

#[test]
fn a_single_resource_is_read_tolerantly_too() {
    let body = json!({"id": 7, "displayName": "Support", "members": [{"value": 1042}]});
    let response = HttpResponse::new(200, body.to_string());
    let (decoded, coercions) =
        decode_with_coercions::<Group>(Expect::Get, &response, &DecodeOptions::default()).unwrap();
    let Decoded::Resource(g) = decoded else {
        panic!("{decoded:?}")
    };
    assert_eq!(g.id.as_deref(), Some("7"));
    assert_eq!(g.member_ids().collect::<Vec<_>>(), ["1042"]);
    let paths: Vec<&str> = coercions.iter().map(|c| c.path()).collect();
    assert_eq!(paths, ["id", "members[].value"]);
}

#[test]
fn strict_refusals_keep_their_path_and_reason() {
    let cases = [
        (
            "refused-resources-object.json",
            "Resources",
            "invalid type: map, expected a sequence",
        ),
        (
            "refused-negative-totalresults.json",
            "totalResults",
            "invalid value: integer `-1`, expected u64",
        ),
        (
            "refused-totalresults-not-a-count.json",
            "totalResults",
            "invalid type: string \"12x\", expected u64",
        ),
        (
            "refused-username-number.json",
            "Resources[0].userName",
            "invalid type: integer `5`, expected a string",
        ),
    ];
    for (file, want_path, want_reason) in cases {
        let response = HttpResponse::new(200, fixture(file));
        match decode::<User>(Expect::List, &response, &DecodeOptions::default()) {
            Err(DecodeError::WrongShape { path, reason, .. }) => {
                assert_eq!((path.as_str(), reason.as_str()), (want_path, want_reason));
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    let response = HttpResponse::new(200, fixture("refused-not-json.html"));
    assert!(matches!(
        decode::<User>(Expect::List, &response, &DecodeOptions::default()),
        Err(DecodeError::NotJson { status: 200, .. })
    ));
}

// ---- the engine: a listing of such pages plans, warning once per coerced path ----

/// A Concur-style user (numeric id and meta.version) as the page at `start` holds it.
fn concur_user(n: u64) -> Value {
    json!({"id": 100 + n, "userName": format!("user{n}@example.com"), "active": true,
           "meta": {"resourceType": "User", "version": n}})
}

/// Answers a request to the scripted server: users and groups one per page with string
/// counts, Kaiten-style groups whose members come from `GET /Groups/{id}`.
fn server(method: Method, path: &str) -> HttpResponse {
    let start = path
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("startIndex="))
        .map_or(1, |s| s.parse::<u64>().unwrap());
    let body = match (method, path) {
        (Method::Get, "/scim/v2/ServiceProviderConfig") => {
            return HttpResponse::new(404, "");
        }
        (Method::Get, p) if p.starts_with("/scim/v2/Users?") => json!({
            "totalResults": "3", "startIndex": start.to_string(), "itemsPerPage": "1",
            "Resources": [concur_user(start)]
        }),
        (Method::Get, p) if p.starts_with("/scim/v2/Groups?") => json!({
            "totalResults": "2", "startIndex": start.to_string(), "itemsPerPage": "1",
            "Resources": [{"id": 200 + start, "displayName": format!("Team {start}"),
                           "meta": {"version": start}}]
        }),
        (Method::Get, "/scim/v2/Groups/201") => json!({"id": 201, "displayName": "Team 1",
            "members": [{"value": 101, "display": "user1@example.com"}, {"value": 102}]}),
        (Method::Get, "/scim/v2/Groups/202") => json!({"id": 202, "displayName": "Team 2",
            "members": [{"value": 103}]}),
        other => panic!("unexpected {other:?}"),
    };
    HttpResponse::new(200, body.to_string())
}

#[test]
fn a_listing_of_concur_and_kaiten_pages_plans_and_warns_once_per_path() {
    let mut profile = Profile::generic();
    profile.users.page_size = 1;
    profile.groups.page_size = 1;
    profile.groups.members_in_listing = false;
    let desired = DesiredState::from_json(
        &json!({
            "users": [{"userName": "user1@example.com"}, {"userName": "user2@example.com"},
                      {"userName": "user3@example.com"}],
            "groups": [{"displayName": "Team 1", "members": ["user1@example.com", "user2@example.com"]},
                       {"displayName": "Team 2", "members": ["user3@example.com"]}]
        })
        .to_string(),
    )
    .unwrap();
    let mut config = EngineConfig::new("/scim/v2", profile, Mode::PlanOnly);
    config.seed = 7;
    let mut engine = Engine::new(config, desired).unwrap();
    let mut now = 1_000;
    let mut pending = Vec::new();
    let mut warnings = Vec::new();
    let mut pages = 0;
    let report = loop {
        match engine.poll_output(now) {
            Output::Send { id, request } => {
                pages += usize::from(request.path.contains("startIndex="));
                pending.push((id, server(request.method, &request.path)));
            }
            Output::Event {
                event: Event::Warning { message },
            } => warnings.push(message),
            Output::Event { .. } => {}
            Output::Wait { until_ms } => {
                if pending.is_empty() {
                    now = until_ms.expect("waits for something").max(now + 1);
                }
                for (id, response) in pending.drain(..) {
                    engine
                        .handle_input(Input::Response { id, response }, now)
                        .unwrap();
                }
            }
            Output::Done { report } => break *report,
            _ => {}
        }
    };
    assert_eq!(report.status, RunStatus::Planned, "{:?}", report.error);
    assert_eq!(pages, 5, "three pages of users, two of groups");
    let plan = report.plan.as_ref().unwrap();
    assert!(plan.blocked.is_empty(), "{:?}", plan.blocked);
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let coerced: Vec<&String> = warnings
        .iter()
        .filter(|w| w.starts_with("coerced "))
        .collect();
    assert_eq!(
        coerced,
        [
            "coerced Resources[].id from a number to a string",
            "coerced Resources[].meta.version from a number to a string",
            "coerced itemsPerPage from a string to an integer",
            "coerced startIndex from a string to an integer",
            "coerced totalResults from a string to an integer",
            "coerced id from a number to a string",
            "coerced members[].value from a number to a string",
        ]
    );
    for w in &coerced {
        assert_eq!(
            report.warnings.iter().filter(|r| r == w).count(),
            1,
            "{w} in the report once"
        );
    }
}
