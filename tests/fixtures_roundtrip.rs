//! The RFC 7643/7644 example documents and Airtable's documented examples (listed in
//! tests/fixtures/MANIFEST.json) decoded with the crate's types and re-encoded: nothing may
//! be lost, and key fields are asserted one by one.

use std::path::PathBuf;

use scim_provision::filter::{self, CompValue, CompareOp, Filter};
use scim_provision::http::HttpResponse;
use scim_provision::model::{
    FromValue, Group, ListResponse, PatchOp, PatchOpKind, ServiceProviderConfig, User,
};
use scim_provision::profile::{Pagination, Profile};
use scim_provision::response::{decode, DecodeOptions, Decoded, Expect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(fixtures().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `null`, `[]` and `{}` all mean "unassigned" (RFC 7643 §2.5); drop them before comparing
/// (a ServiceProviderConfig re-encodes a section the document left out as `{}`).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize(v)))
                .filter(|(_, v)| {
                    !v.is_null()
                        && v.as_array().is_none_or(|a| !a.is_empty())
                        && v.as_object().is_none_or(|o| !o.is_empty())
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(file: &str, text: &str) -> T {
    let original: Value = serde_json::from_str(text).expect("fixture is JSON");
    let typed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let back = serde_json::to_value(&typed).expect("re-encodes");
    assert_eq!(
        normalize(&back),
        normalize(&original),
        "{file} lost something"
    );
    typed
}

#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    kind: String,
    http_status: Option<u16>,
    /// Set on the tolerant reader's fixtures (`tolerant/`), which the model's strict
    /// `Deserialize` refuses by design: tests/tolerant_reader.rs reads them.
    coerced: Option<Value>,
    refused: Option<Value>,
}

#[test]
fn every_fixture_round_trips() {
    let manifest: Vec<Entry> = serde_json::from_str(&read("MANIFEST.json")).expect("manifest");
    assert!(manifest.len() >= 50, "corpus shrank to {}", manifest.len());
    let mut checked = 0;
    for e in &manifest {
        if e.coerced.is_some() || e.refused.is_some() {
            checked += 1;
            continue;
        }
        let text = read(&e.file);
        match e.kind.as_str() {
            "user" => drop(round_trip::<User>(&e.file, &text)),
            "group" => drop(round_trip::<Group>(&e.file, &text)),
            "list-users" => drop(round_trip::<ListResponse<User>>(&e.file, &text)),
            "list-groups" => drop(round_trip::<ListResponse<Group>>(&e.file, &text)),
            "list-resources" | "list-resource-types" => {
                drop(round_trip::<ListResponse<Value>>(&e.file, &text))
            }
            "patch" => drop(round_trip::<PatchOp>(&e.file, &text)),
            "service-provider-config" => drop(round_trip::<ServiceProviderConfig>(&e.file, &text)),
            "error" => {
                let status = e.http_status.expect("errors have a status");
                let resp = HttpResponse::new(status, text.clone());
                let Decoded::Error(err) =
                    decode::<User>(Expect::Get, &resp, &DecodeOptions::default())
                        .unwrap_or_else(|x| panic!("{}: {x}", e.file))
                else {
                    panic!("{}: not an error", e.file)
                };
                let body: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(err.http_status, status);
                let want_status = match &body["status"] {
                    Value::String(s) => s.parse::<u16>().ok(),
                    Value::Number(n) => n.as_u64().map(|n| n as u16),
                    _ => None,
                };
                assert_eq!(err.status, want_status, "{}", e.file);
                assert_eq!(err.detail.as_deref(), body["detail"].as_str(), "{}", e.file);
                assert_eq!(
                    err.scim_type.as_deref(),
                    body["scimType"].as_str(),
                    "{}",
                    e.file
                );
                assert!(err.body_excerpt.is_none());
            }
            // Not resources this crate models; they must still be JSON.
            "resource-types" | "search-request" => {
                serde_json::from_str::<Value>(&text).expect("JSON");
            }
            other => panic!("{}: unknown kind {other}", e.file),
        }
        // Responses also decode through the response decoder with their documented status.
        if let Some(status) = e.http_status {
            let resp = HttpResponse::new(status, text.clone());
            let expect = if status == 201 {
                Expect::Create
            } else {
                Expect::Get
            };
            match e.kind.as_str() {
                "user" => assert_same_via_decoder::<User>(&e.file, expect, &resp, &text),
                "group" => assert_same_via_decoder::<Group>(&e.file, expect, &resp, &text),
                _ => {}
            }
        }
        checked += 1;
    }
    assert_eq!(checked, manifest.len());
}

fn assert_same_via_decoder<T>(file: &str, expect: Expect, resp: &HttpResponse, text: &str)
where
    T: FromValue + PartialEq + std::fmt::Debug,
{
    let direct: T = serde_json::from_str(text).unwrap();
    match decode::<T>(expect, resp, &DecodeOptions::default()) {
        Ok(Decoded::Resource(via)) => assert_eq!(via, direct, "{file}"),
        other => panic!("{file}: {other:?}"),
    }
}

#[test]
fn rfc7643_full_user_field_by_field() {
    let u: User = serde_json::from_str(&read("rfc7643/8.2-full-user.json")).unwrap();
    assert_eq!(
        u.id.as_deref(),
        Some("2819c223-7f76-453a-919d-413861904646")
    );
    assert_eq!(u.external_id.as_deref(), Some("701984"));
    assert_eq!(u.user_name, "bjensen@example.com");
    let name = u.name.as_ref().unwrap();
    assert_eq!(name.family_name.as_deref(), Some("Jensen"));
    assert_eq!(name.given_name.as_deref(), Some("Barbara"));
    assert_eq!(name.extra["middleName"], "Jane");
    assert_eq!(u.display_name.as_deref(), Some("Babs Jensen"));
    assert_eq!(u.title.as_deref(), Some("Tour Guide"));
    assert_eq!(u.locale.as_deref(), Some("en-US"));
    assert_eq!(u.active, Some(true));
    assert_eq!(u.emails.len(), 2);
    assert_eq!(u.emails[0].value.as_deref(), Some("bjensen@example.com"));
    assert_eq!(u.emails[0].kind.as_deref(), Some("work"));
    assert_eq!(u.emails[0].primary, Some(true));
    assert_eq!(u.groups.len(), 3);
    assert!(u.extra.contains_key("addresses"));
    assert!(u.extra.contains_key("x509Certificates"));
    let meta = u.meta.as_ref().unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    assert!(meta.version.is_some());
}

#[test]
fn rfc7643_enterprise_user_field_by_field() {
    let u: User = serde_json::from_str(&read("rfc7643/8.3-enterprise-user.json")).unwrap();
    let e = u.enterprise.as_ref().expect("enterprise extension");
    assert_eq!(e.employee_number.as_deref(), Some("701984"));
    assert_eq!(e.cost_center.as_deref(), Some("4130"));
    assert_eq!(e.organization.as_deref(), Some("Universal Studios"));
    assert_eq!(e.division.as_deref(), Some("Theme Park"));
    assert_eq!(e.department.as_deref(), Some("Tour Operations"));
    let m = e.manager.as_ref().unwrap();
    assert_eq!(
        m.value.as_deref(),
        Some("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(m.display_name.as_deref(), Some("John Smith"));
    assert!(m.extra.contains_key("$ref"));
}

#[test]
fn rfc7644_list_and_errors() {
    let page: ListResponse<User> =
        serde_json::from_str(&read("rfc7644/3.4.2-list-response.json")).unwrap();
    assert_eq!(page.total_results, Some(2));
    assert_eq!(page.items_per_page, None);
    assert_eq!(page.resources.len(), 2);
    let spc: ServiceProviderConfig =
        serde_json::from_str(&read("rfc7643/8.5-service-provider-config.json")).unwrap();
    assert!(spc.patch.is_supported());
    assert_eq!(spc.filter.max_results, Some(200));
    assert_eq!(spc.bulk.max_operations, Some(1000));
}

#[test]
fn rfc9865_and_entra_cursor_pages() {
    let first: ListResponse<Value> =
        serde_json::from_str(&read("rfc9865/2-list-response-first-page.json")).unwrap();
    assert_eq!(first.next_cursor.as_deref(), Some("VZUTiyhEQJ94IR"));
    assert_eq!(first.total_results, Some(100));
    let next: ListResponse<Value> =
        serde_json::from_str(&read("rfc9865/2-list-response-next-page.json")).unwrap();
    assert_eq!(next.previous_cursor.as_deref(), Some("ze7L30kMiiLX6x"));
    assert_eq!(next.next_cursor.as_deref(), Some("YkU3OF86Pz0rGv"));
    // The RFC's configuration: both styles, cursors preferred, pages of at most 250.
    let spc: ServiceProviderConfig =
        serde_json::from_str(&read("rfc9865/4-service-provider-config.json")).unwrap();
    let refined = Profile::generic().refined_by(&spc);
    assert_eq!(refined.pagination, Pagination::Cursor);
    assert_eq!(refined.users.list_page_size(), 250);
    // Entra's shape: cursors only, no totalResults; the last page has no nextCursor. Read through the response decoder, as the engine reads them.
    let spc: ServiceProviderConfig =
        serde_json::from_str(&read("entra/service-provider-config.json")).unwrap();
    assert_eq!(spc.pagination.index, Some(false));
    assert_eq!(
        Profile::generic().refined_by(&spc).pagination,
        Pagination::Cursor
    );
    let page = |file: &str| {
        let resp = HttpResponse::new(200, read(file));
        match decode::<User>(Expect::List, &resp, &DecodeOptions::default()) {
            Ok(Decoded::Page(p)) => p,
            other => panic!("{file}: {other:?}"),
        }
    };
    let middle = page("entra/list-users-cursor-page.json");
    assert_eq!(middle.total_results, None);
    assert_eq!(middle.next_cursor.as_deref(), Some("VDJfVXNlcnNfMg"));
    assert_eq!(middle.resources.len(), 2);
    let last = page("entra/list-users-last-page.json");
    assert_eq!((last.next_cursor, last.resources.len()), (None, 1));
}

#[test]
fn airtable_examples_field_by_field() {
    let page: ListResponse<User> =
        serde_json::from_str(&read("airtable/list-scim-users-response.json")).unwrap();
    assert!(page.total_results >= Some(1));
    assert!(page
        .resources
        .iter()
        .all(|u| u.id.as_deref().is_some_and(|id| id.starts_with("usr"))));
    let groups: ListResponse<Group> =
        serde_json::from_str(&read("airtable/list-scim-groups-response.json")).unwrap();
    assert_eq!(
        groups.resources[0].members, None,
        "Airtable lists groups without members"
    );
    let g: Group = serde_json::from_str(&read("airtable/get-scim-group-response.json")).unwrap();
    assert_eq!(g.member_ids().count(), 2);

    let patch: PatchOp =
        serde_json::from_str(&read("airtable/patch-scim-group-request.json")).unwrap();
    assert_eq!(patch.operations[0].op, PatchOpKind::Add);
    assert!(
        patch.operations[0].value.as_ref().unwrap().is_object(),
        "single-object member add"
    );
    // Airtable prints the remove path without a space before the quote; our parser reads it.
    let path = patch.operations[1].path.as_deref().unwrap();
    let inner = path
        .strip_prefix("members[")
        .and_then(|p| p.strip_suffix(']'))
        .unwrap();
    let f = filter::parse(inner).expect("Airtable's member filter parses");
    assert_eq!(
        f,
        Filter::Compare {
            path: filter::AttrPath::new("value"),
            op: CompareOp::Eq,
            value: CompValue::Str("usrI7HMkO7sAefUHk".into())
        }
    );

    let resp = HttpResponse::new(400, read("airtable/get-scim-group-error-400.json"));
    let Decoded::Error(err) =
        decode::<Group>(Expect::Get, &resp, &DecodeOptions::default()).unwrap()
    else {
        panic!("expected an error")
    };
    assert_eq!(err.status, Some(400));
    assert_eq!(err.detail.as_deref(), Some("invalid group ID"));
}
