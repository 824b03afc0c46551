//! No request can make the simulator panic, and no sequence of requests can break its
//! invariants: hostile paths, bodies, filters, PATCH paths and huge numbers.

mod common;

use std::collections::BTreeSet;

use common::raw;
use proptest::prelude::*;
use scim_provision::http::{HttpRequest, Method};
use scim_provision::model::{Group, Member, User};
use scim_sim::{Faults, Flavor, Reply, Simulator, Trigger};
use serde_json::{json, Value};

fn faulty() -> Faults {
    Faults::none()
        .latency_ms(u64::MAX / 2)
        .jitter_ms(u64::MAX)
        .rate_limit(u32::MAX, u32::MAX)
        .throttle(Trigger::per_mille(20))
        .server_errors(Trigger::per_mille(20))
        .drops(Trigger::per_mille(20))
        .truncated_bodies(Trigger::per_mille(20))
        .invalid_json_bodies(Trigger::per_mille(20))
        .page_cap(3)
        .unstable_order()
        .short_total(u64::MAX)
        .total_changes_mid_listing()
}

fn seeded(flavor: Flavor, faults: Faults) -> (Simulator, Vec<String>) {
    let mut sim = Simulator::new(flavor, "/scim/v2", faults, 77);
    let a = sim.seed_user(User::new("a@x.com"));
    let b = sim.seed_user(User::new("b@x.com"));
    let mut g = Group::new("G");
    g.members = Some(vec![Member::new(&a)]);
    let gid = sim.seed_group(g);
    (sim, vec![a, b, gid])
}

/// Membership is symmetric, names unique, listings sorted by id.
fn check_invariants(sim: &Simulator) {
    let users = sim.users();
    let groups = sim.groups();
    let mut names = BTreeSet::new();
    for u in &users {
        assert!(
            names.insert(u.user_name.to_lowercase()),
            "duplicate {}",
            u.user_name
        );
        for g in &u.groups {
            let gid = g.value.as_deref().unwrap();
            let group = groups
                .iter()
                .find(|x| x.id.as_deref() == Some(gid))
                .unwrap();
            assert!(group.member_ids().any(|m| Some(m) == u.id.as_deref()));
        }
    }
    for g in &groups {
        for m in g.member_ids() {
            if let Some(u) = users.iter().find(|u| u.id.as_deref() == Some(m)) {
                assert!(u
                    .groups
                    .iter()
                    .any(|x| x.value.as_deref() == g.id.as_deref()));
            }
        }
    }
    let ids: Vec<_> = users.iter().map(|u| u.id.clone()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

const PIECES: &[&str] = &[
    "/scim/v2",
    "/Users",
    "/Groups",
    "/ServiceProviderConfig",
    "/",
    "..",
    ".",
    "%2e",
    "%2E%2e",
    "%FF",
    "%",
    "%%",
    "?",
    "&",
    "=",
    "+",
    "#",
    "filter=",
    "startIndex=",
    "count=",
    "-1",
    "99999999999999999999999",
    "attributes=",
    "excludedAttributes=",
    "userName%20eq%20%22",
    "members%5Bvalue%20eq%20%22",
    "%5D",
    "%22",
    "not%20(",
    ")",
    "usr",
    "ugp",
];

fn path_strategy(known: Vec<String>) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        proptest::sample::select(PIECES.to_vec()).prop_map(str::to_owned),
        proptest::sample::select(known),
        "\\PC{0,12}",
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|v| v.concat())
}

fn json_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
        proptest::sample::select(vec!["usr", "members", "active", "value"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    proptest::sample::select(vec![
                        "userName",
                        "displayName",
                        "members",
                        "value",
                        "active",
                        "emails",
                        "Operations",
                        "op",
                        "path",
                        "id",
                        "externalId",
                        "name",
                        "givenName",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    ])
                    .prop_map(str::to_owned),
                    "\\PC{0,8}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn patch_strategy(known: Vec<String>) -> impl Strategy<Value = String> {
    let op = proptest::sample::select(vec!["add", "Replace", "REMOVE", "merge", ""]);
    let path = prop_oneof![
        Just(None),
        proptest::sample::select(vec![
            "active",
            "userName",
            "members",
            "displayName",
            "name.givenName",
            "emails",
            "emails[type eq \"work\"].value",
            "members[value eq \"usr\"]",
            "id",
            "groups",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "members[",
            "a.b.c",
            "urn:x:y",
            "[]",
        ])
        .prop_map(|s| Some(s.to_owned())),
        "\\PC{0,20}".prop_map(Some),
    ];
    let value = prop_oneof![
        json_strategy(),
        proptest::sample::select(known).prop_map(|id| json!({"value": id})),
        proptest::sample::select(vec![json!(false), json!("True"), json!([])]),
    ];
    proptest::collection::vec((op, path, proptest::option::of(value)), 0..5).prop_map(|ops| {
        let ops: Vec<Value> = ops
            .into_iter()
            .map(|(op, path, value)| {
                let mut m = serde_json::Map::new();
                m.insert("op".into(), json!(op));
                if let Some(p) = path {
                    m.insert("path".into(), json!(p));
                }
                if let Some(v) = value {
                    m.insert("value".into(), v);
                }
                Value::Object(m)
            })
            .collect();
        json!({"Operations": ops}).to_string()
    })
}

fn request_strategy(known: Vec<String>) -> impl Strategy<Value = HttpRequest> {
    let method = proptest::sample::select(vec![
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
    ]);
    let body = prop_oneof![
        Just(None),
        "\\PC{0,40}".prop_map(Some),
        json_strategy().prop_map(|v| Some(v.to_string())),
        patch_strategy(known.clone()).prop_map(Some),
    ];
    let targeted = prop_oneof![
        path_strategy(known.clone()),
        proptest::sample::select(known.clone()).prop_map(|id| format!("/scim/v2/Users/{id}")),
        proptest::sample::select(known).prop_map(|id| format!("/scim/v2/Groups/{id}")),
    ];
    (method, targeted, body).prop_map(|(method, path, body)| HttpRequest {
        method,
        path,
        headers: Vec::new(),
        body,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_request_sequence_panics_or_breaks_invariants(
        airtable in any::<bool>(),
        faults_on in any::<bool>(),
        requests in proptest::collection::vec(
            request_strategy(vec!["usrX".into(), "ugpX".into()]), 1..25),
        nows in proptest::collection::vec(any::<u64>(), 25),
    ) {
        let flavor = if airtable { Flavor::Airtable } else { Flavor::Generic };
        let faults = if faults_on { faulty() } else { Faults::none() };
        let (mut sim, known) = seeded(flavor, faults);
        for (i, mut request) in requests.into_iter().enumerate() {
            // Point some requests at real ids.
            request.path = request.path.replace("usrX", &known[i % 2]).replace("ugpX", &known[2]);
            if let Some(body) = &mut request.body {
                *body = body.replace("usrX", &known[i % 2]);
            }
            if let Reply::Respond { response, .. } = sim.handle(&request, nows[i]) {
                prop_assert!((200..600).contains(&response.status));
            }
            check_invariants(&sim);
        }
        prop_assert_eq!(sim.log().len(), sim.stats().requests as usize);
    }
}

#[test]
fn pathological_inputs() {
    for flavor in [Flavor::Airtable, Flavor::Generic] {
        let (mut sim, known) = seeded(flavor, Faults::none());
        let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let deep_filter = format!("{}userName pr{}", "(".repeat(10_000), ")".repeat(10_000));
        let long_or = vec![r#"userName eq "x""#; 5_000].join(" or ");
        let huge_name = "a".repeat(1 << 20);
        let group_path = format!("/scim/v2/Groups/{}", known[2]);
        let user_path = format!("/scim/v2/Users/{}", known[0]);
        let deep_patch_path = format!(
            "{}\"x\"{}",
            "members[value eq ".repeat(2_000),
            "]".repeat(2_000)
        );
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let requests = vec![
            raw(Method::Post, "/scim/v2/Users", Some(&deep_json)),
            raw(Method::Patch, &group_path, Some(&deep_json)),
            raw(Method::Get, &format!("/scim/v2/Users?filter={}", enc(&deep_filter)), None),
            raw(Method::Get, &format!("/scim/v2/Users?filter={}", enc(&long_or)), None),
            raw(Method::Get, &format!("/scim/v2/Groups?filter={}", enc(&long_or.replace("userName", "displayName"))), None),
            raw(Method::Post, "/scim/v2/Users", Some(&json!({"userName": huge_name}).to_string())),
            raw(Method::Get, &format!("/scim/v2/Users/{}", "%".repeat(100_000)), None),
            raw(Method::Get, &format!("/scim/v2/Users?{}", "&".repeat(100_000)), None),
            raw(Method::Get, "/scim/v2/Users?count=18446744073709551616&startIndex=-18446744073709551616", None),
            raw(
                Method::Patch,
                &group_path,
                Some(&json!({"Operations": [{"op": "remove", "path": deep_patch_path}]}).to_string()),
            ),
            raw(
                Method::Patch,
                &user_path,
                Some(&json!({"Operations": vec![json!({"op": "add", "path": "emails", "value": {"value": "x"}}); 10_000]}).to_string()),
            ),
        ];
        for request in &requests {
            let _ = sim.handle(request, u64::MAX);
        }
        check_invariants(&sim);
        let statuses: Vec<Option<u16>> = sim.log().iter().map(|r| r.status).collect();
        assert!(
            statuses
                .iter()
                .all(|s| s.is_some_and(|s| (200..500).contains(&s))),
            "{statuses:?}"
        );
    }
}
