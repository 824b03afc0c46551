//! Property tests: the hand-written decoder (`model::fast`, behind a server's listing
//! pages in `response::decode`, [`DesiredState::from_json`] and [`ActualState::from_json`])
//! gives what its reference, the serde derives, give on random documents: the same value
//! when it accepts, and the same error (the hot path then falls back to the derive) when it
//! does not. The reference for a listing page is `response::exact_page` (the tolerant
//! reader, then `ListResponse`'s derive), compared with its coercions; for the listed state,
//! `ActualState`'s derive read through `json::from_str`; for the desired state,
//! `DesiredState`'s derive read through `desired_json::exact_desired_state`. All reach
//! `User` and `Group` through their derives behind the case-insensitive renaming
//! (`model::names`). The check that a page reads back as sent (`model::as_sent`, behind
//! `response::page_as_sent`) is held to the hot path and serialization: a page it accepts
//! reads on the hot path, and the page read, written out, is the value of its text. Its
//! byte scan is held to its serde visitor: they agree on the generated pages, and on pages
//! edited byte by byte the scan accepts none the visitor refuses.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::desired_json::exact_desired_state;
use super::{ActualState, DesiredState};
use crate::fuzzing::same_state;
use crate::json;
use crate::model::{as_sent, FromValue};
use crate::model::{Group, User};
use crate::response::{exact_page, page};

/// A scalar of any JSON type, with the values the decoders treat specially.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        Just(json!("True")),
        Just(json!("false")),
        (-3i64..100_000).prop_map(Value::from),
        Just(json!(1.5)),
        "[a-z@.]{0,8}".prop_map(Value::from),
    ]
}

/// `name` as written: canonical most of the time, else in another case.
fn spelling(name: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        10 => Just(name.to_owned()),
        1 => Just(name.to_ascii_uppercase()),
        1 => Just(name.to_ascii_lowercase()),
    ]
}

/// An attribute value: a well-typed one most of the time, else any scalar.
fn text_or_any() -> impl Strategy<Value = Value> {
    prop_oneof![12 => "[a-z]{1,6}(@x\\.com)?".prop_map(Value::from), 1 => scalar()]
}

/// A boolean most of the time, else any scalar.
fn boolean_or_any() -> impl Strategy<Value = Value> {
    prop_oneof![8 => any::<bool>().prop_map(Value::from), 1 => scalar()]
}

fn multi_values() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => proptest::collection::vec(
            (text_or_any(), proptest::option::of(any::<bool>())).prop_map(|(v, primary)| {
                let mut m = Map::new();
                m.insert("value".into(), v);
                if let Some(p) = primary {
                    m.insert("primary".into(), p.into());
                }
                Value::Object(m)
            }),
            0..3,
        )
        .prop_map(Value::from),
        1 => scalar(),
    ]
}

/// A user object with a random choice of attributes, spellings and value types.
fn user() -> impl Strategy<Value = Value> {
    (
        (spelling("userName"), text_or_any()),
        proptest::option::of((spelling("active"), boolean_or_any())),
        proptest::option::of((spelling("externalId"), text_or_any())),
        proptest::option::of((spelling("title"), text_or_any())),
        proptest::option::of((spelling("emails"), multi_values())),
        proptest::option::of((spelling("name"), ("givenName", text_or_any()))),
        proptest::option::of(("x-custom", scalar())),
        proptest::bool::weighted(0.05),
    )
        .prop_map(|(un, active, ext, title, emails, name, extra, drop_name)| {
            let mut m = Map::new();
            if !drop_name {
                m.insert(un.0, un.1);
            }
            for (k, v) in [
                active,
                ext,
                title,
                emails,
                extra.map(|(k, v)| (k.to_owned(), v)),
            ]
            .into_iter()
            .flatten()
            {
                m.insert(k, v);
            }
            if let Some((k, (g, v))) = name {
                m.insert(k, json!({ g: v }));
            }
            Value::Object(m)
        })
}

/// A group object as the listed state holds it (members by id) or the directory does (by
/// userName), with random value types.
fn group(members_by_name: bool) -> impl Strategy<Value = Value> {
    (
        (spelling("displayName"), text_or_any()),
        proptest::option::of(spelling("externalId")),
        proptest::collection::vec(text_or_any(), 0..3),
        proptest::option::of((spelling("id"), text_or_any())),
    )
        .prop_map(move |(dn, ext, members, id)| {
            let mut m = Map::new();
            m.insert(dn.0, dn.1);
            if let Some(k) = ext {
                m.insert(k, json!("E1"));
            }
            let members: Vec<Value> = if members_by_name {
                members
            } else {
                members.into_iter().map(|v| json!({ "value": v })).collect()
            };
            m.insert("members".into(), Value::from(members));
            if let Some((k, v)) = id {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

/// A user as a server lists it: [`user`] with what the tolerant reader coerces or drops
/// (numeric ids and references, an odd `meta`) now and then.
fn server_user() -> impl Strategy<Value = Value> {
    (
        user(),
        proptest::option::of((spelling("id"), text_or_any())),
        proptest::option::of((spelling("groups"), multi_values())),
        proptest::option::of((spelling("meta"), meta())),
        proptest::option::of(text_or_any()),
    )
        .prop_map(|(mut u, id, groups, meta, manager)| {
            let m = u.as_object_mut().expect("an object");
            for (k, v) in [id, groups, meta].into_iter().flatten() {
                m.insert(k, v);
            }
            if let Some(v) = manager {
                m.insert(
                    crate::model::schemas::ENTERPRISE_USER.into(),
                    json!({"department": "R&D", "manager": {"value": v}}),
                );
            }
            u
        })
}

/// `meta` as servers send it: strings most of the time, else a number, an object, a scalar.
fn meta() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (text_or_any(), proptest::option::of(scalar())).prop_map(|(version, location)| {
            let mut m = Map::new();
            m.insert("version".into(), version);
            m.insert("resourceType".into(), json!("User"));
            if let Some(l) = location {
                m.insert("location".into(), l);
            }
            Value::Object(m)
        }),
        1 => Just(json!({"location": {"href": "x"}})),
        1 => scalar(),
    ]
}

/// A count as servers send it: an integer most of the time, else text, a fraction...
fn count() -> impl Strategy<Value = Option<Value>> {
    proptest::option::weighted(
        0.9,
        prop_oneof![
            8 => (0u64..5_000).prop_map(Value::from),
            1 => Just(json!("12")),
            1 => scalar(),
        ],
    )
}

/// Text spliced into a page: the bytes JSON's grammar turns on, escapes and numbers.
fn edit() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::sample::select(vec![
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "0",
            "-",
            ".",
            "e",
            "E",
            "+",
            "\u{1}",
            "\u{e9}",
            "\\u",
            "\\ud800",
            "\\udc00",
            "\\n",
            "null",
            "true",
            "1e5",
            "01",
            "\"x\":",
            "\"userName\":\"a\"",
        ])
        .prop_map(str::to_owned),
        "[ -~]{1,3}",
    ]
}

/// A listing page around `resources`, its attributes spelled and typed at random.
fn listing_page(resources: Vec<Value>) -> impl Strategy<Value = String> {
    (
        count(),
        count(),
        prop_oneof![
            10 => Just("Resources"),
            1 => Just("resources"),
            1 => Just("RESOURCES"),
        ],
        proptest::option::of(text_or_any()),
        proptest::bool::weighted(0.05),
        proptest::option::of(("x-vendor", scalar())),
        prop_oneof![8 => Just(""), 1 => Just(" x"), 1 => Just("  ")],
    )
        .prop_map(
            move |(total, start, key, cursor, no_list, vendor, trailing)| {
                let mut m = Map::new();
                m.insert(
                    "schemas".into(),
                    json!([crate::model::schemas::LIST_RESPONSE]),
                );
                for (k, v) in [("totalResults", total), ("startIndex", start)] {
                    if let Some(v) = v {
                        m.insert(k.into(), v);
                    }
                }
                if let Some(c) = cursor {
                    m.insert("nextCursor".into(), c);
                }
                if let Some((k, v)) = vendor {
                    m.insert(k, v);
                }
                let resources = if no_list {
                    json!({"not": "a list"})
                } else {
                    Value::from(resources.clone())
                };
                m.insert(key.into(), resources);
                Value::Object(m).to_string() + trailing
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_user_page_on_the_hot_path_agrees_with_the_exact_path(
        text in proptest::collection::vec(server_user(), 0..4).prop_flat_map(listing_page),
    ) {
        prop_assert_eq!(page::<User>(200, &text), exact_page::<User>(200, &text));
    }

    #[test]
    fn a_group_page_on_the_hot_path_agrees_with_the_exact_path(
        text in proptest::collection::vec(group(false), 0..4).prop_flat_map(listing_page),
    ) {
        prop_assert_eq!(page::<Group>(200, &text), exact_page::<Group>(200, &text));
    }

    #[test]
    fn a_user_page_as_sent_reads_back_as_its_text(
        text in proptest::collection::vec(server_user(), 0..4).prop_flat_map(listing_page),
    ) {
        reads_back_as_sent::<User>(&text)?;
    }

    #[test]
    fn a_group_page_as_sent_reads_back_as_its_text(
        text in proptest::collection::vec(group(false), 0..4).prop_flat_map(listing_page),
    ) {
        reads_back_as_sent::<Group>(&text)?;
    }

    #[test]
    fn the_desired_state_hot_path_agrees_with_the_exact_path(
        users in proptest::collection::vec(user(), 0..4),
        groups in proptest::collection::vec(group(true), 0..3),
        trailing in prop_oneof![4 => Just(""), 1 => Just(" x")],
    ) {
        let text = json!({"users": users, "groups": groups}).to_string() + trailing;
        prop_assert_eq!(DesiredState::from_json(&text), exact_desired_state(&text));
    }

    #[test]
    fn the_listing_hot_path_agrees_with_the_derive(
        users in proptest::collection::vec(user(), 0..4),
        groups in proptest::collection::vec(group(false), 0..3),
        complete in scalar(),
        trailing in prop_oneof![4 => Just(""), 1 => Just(" x")],
    ) {
        let complete = if complete.is_boolean() { complete } else { json!(true) };
        let text = json!({"users": users, "groups": groups, "complete": complete}).to_string()
            + trailing;
        let hot = ActualState::from_json(&text);
        let reference = json::from_str::<ActualState>(&text);
        prop_assert_eq!(hot, reference);
    }
}

proptest! {
    // Edited pages: most edits break the page, so more cases than the others.
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn the_as_sent_scan_takes_no_page_its_reference_refuses(
        text in proptest::collection::vec(user(), 1..3).prop_flat_map(listing_page),
        edits in proptest::collection::vec(
            (any::<bool>(), any::<prop::sample::Index>(), 0..3usize, edit()),
            1..3,
        ),
    ) {
        let mut text = text.into_bytes();
        for (by_quote, at, cut, insert) in edits {
            // Half the edits just after a quote: inside a string or between it and what
            // follows, where the grammar is easiest to get subtly wrong.
            let quotes: Vec<usize> =
                (1..=text.len()).filter(|&i| text[i - 1] == b'"').collect();
            let at = if by_quote && !quotes.is_empty() {
                quotes[at.index(quotes.len())]
            } else {
                at.index(text.len() + 1)
            };
            let cut = cut.min(text.len() - at);
            text.splice(at..at + cut, insert.bytes());
        }
        let text = String::from_utf8_lossy(&text);
        for shape in [User::SHAPE, Group::SHAPE] {
            prop_assert!(
                !as_sent::page(&text, shape) || as_sent::reference::page(&text, shape),
                "{}",
                text
            );
        }
    }
}

/// When the check accepts `text`, the hot path reads it, coerces nothing, and the page read
/// written out is the value of `text` (what a host parsing the body as it came gets), but
/// for the empty lists the page read leaves out (`fuzzing::same_state`).
fn reads_back_as_sent<T: FromValue + serde::Serialize + std::fmt::Debug>(
    text: &str,
) -> Result<(), TestCaseError> {
    // The generated pages have no escaped key and no number with an exponent: the scan and
    // its reference agree on every one.
    let accepted = as_sent::page(text, T::SHAPE);
    prop_assert_eq!(
        accepted,
        as_sent::reference::page(text, T::SHAPE),
        "{}",
        text
    );
    if accepted {
        let read = crate::model::fast::page::<T>(text);
        prop_assert!(
            read.is_some(),
            "the check took a page the hot path does not: {}",
            text
        );
        let written = serde_json::to_value(read.unwrap()).unwrap();
        let sent: Value = serde_json::from_str(text).unwrap();
        prop_assert!(
            same_state(&written, &sent),
            "{} read back as {}",
            sent,
            written
        );
    }
    Ok(())
}

#[test]
fn pages_as_servers_send_them_read_back_as_sent_and_lossy_ones_do_not() {
    let listing = |resources: Value| {
        json!({"schemas": [crate::model::schemas::LIST_RESPONSE], "totalResults": 2,
            "startIndex": 1, "itemsPerPage": 2, "Resources": resources})
    };
    let user = json!({"schemas": [crate::model::schemas::USER, crate::model::schemas::ENTERPRISE_USER],
        "id": "u1", "externalId": "E1", "userName": "a@x", "displayName": "A B",
        "name": {"givenName": "A", "familyName": "B", "formatted": "A B"}, "title": "T",
        "active": true, "emails": [{"value": "a@x", "type": "work", "primary": true}],
        "groups": [{"value": "g1", "display": "G", "$ref": "https://x/Groups/g1"}],
        crate::model::schemas::ENTERPRISE_USER: {"department": "R&D", "employeeNumber": "7",
            "manager": {"value": "u2", "displayName": "M"}},
        crate::model::schemas::AIRTABLE_SSO_USER: {"x": [1, {"y": null}]},
        "meta": {"resourceType": "User", "version": "W/\"1\"", "location": "https://x/Users/u1"},
        "phoneNumbers": [{"value": "+1 555", "type": "work"}], "x-note": "caf\u{e9} \"q\""});
    let group = json!({"schemas": [crate::model::schemas::GROUP], "id": "g1",
        "displayName": "G", "members": [{"value": "u1", "display": "A B", "type": "User"}],
        "meta": {"resourceType": "Group"}});
    let as_sent_users = |page: &Value| {
        let text = page.to_string();
        reads_back_as_sent::<User>(&text).unwrap();
        as_sent::page(&text, User::SHAPE)
    };
    assert!(as_sent_users(&listing(json!([user.clone()]))));
    assert!(as_sent_users(&listing(json!([]))));
    let mut bare = user.clone();
    for list in ["emails", "groups", "schemas"] {
        bare[list] = json!([]);
    }
    assert!(as_sent_users(&listing(json!([bare]))));
    let groups =
        listing(json!([group.clone(), {"displayName": "Empty", "members": []}])).to_string();
    assert!(as_sent::page(&groups, Group::SHAPE));
    reads_back_as_sent::<Group>(&groups).unwrap();
    // What the page read leaves out or changes: each makes the page not as sent.
    let with = |key: &str, v: Value| {
        let mut u = user.clone();
        u[key] = v;
        listing(json!([u]))
    };
    for lossy in [
        with("title", Value::Null),
        with("active", Value::Null),
        with("active", json!("true")),
        with("emails", json!({})),
        with("schemas", json!([7])),
        with("name", Value::Null),
        with(crate::model::schemas::AIRTABLE_SSO_USER, Value::Null),
        with("Title", json!("T")),
        with("id", json!(7)),
        json!({"schemas": [crate::model::schemas::LIST_RESPONSE], "totalResults": 0}),
        json!({"totalResults": 0, "Resources": null}),
        json!({"totalResults": 0, "Resources": [], "x-vendor": 1}),
        json!({"totalResults": null, "Resources": []}),
    ] {
        assert!(!as_sent_users(&lossy), "{lossy}");
    }
    // A kept attribute serde_json does not read (a lone surrogate escape) is not as sent.
    let lone = r#"{"Resources": [{"userName": "a", "x": "\ud800"}]}"#;
    assert!(!as_sent::page(lone, User::SHAPE));
    assert!(!as_sent::page(r#"{"Resources": []} x"#, User::SHAPE));
    let null_members = listing(json!([{"displayName": "G", "members": null}])).to_string();
    assert!(!as_sent::page(&null_members, Group::SHAPE));
}

#[test]
fn a_well_formed_page_takes_the_hot_path_and_an_odd_one_does_not() {
    let listing = |resources: Value| {
        json!({"schemas": [crate::model::schemas::LIST_RESPONSE], "totalResults": 2,
            "startIndex": 1, "itemsPerPage": 2, "Resources": resources, "x-vendor": [1]})
        .to_string()
    };
    let users = listing(json!([
        {"id": "u1", "userName": "a@x", "active": true, "name": {"givenName": "A"},
         "emails": [{"value": "a@x", "primary": true}], "meta": {"version": "W/1"},
         crate::model::schemas::ENTERPRISE_USER: {"department": "R&D", "manager": {"value": "u2"}}},
        {"id": "u2", "userName": "b@x", "groups": [{"value": "g1", "display": "G"}]}
    ]));
    let read = crate::model::fast::page::<User>(&users).expect("the hot path takes it");
    assert_eq!(Ok((read, Vec::new())), exact_page::<User>(200, &users));
    let groups = listing(json!([{"id": "g1", "displayName": "G", "members": [{"value": "u1"}]}]));
    assert!(crate::model::fast::page::<Group>(&groups).is_some());
    // A numeric id is the tolerant reader's: the exact path reads it, with its coercion.
    let odd = listing(json!([{"id": 7, "userName": "a@x"}]));
    assert!(crate::model::fast::page::<User>(&odd).is_none());
    let (read, coerced) = page::<User>(200, &odd).unwrap();
    assert_eq!(read.resources[0].id.as_deref(), Some("7"));
    assert_eq!(coerced.len(), 1);
}
