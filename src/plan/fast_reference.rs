//! Property tests: the one hand-written hot path (`model::fast`, behind
//! [`DesiredState::from_json`] and [`ActualState::from_json`]) gives what its reference, the
//! serde derives, give on random documents: the same value when it accepts, and the same
//! error (the hot path then falls back to the derive) when it does not. The reference for
//! the listed state is `ActualState`'s derive read through `json::from_str`; for the desired
//! state, `DesiredState`'s derive read through `desired_json::exact_desired_state`. Both
//! reach `User` and `Group` through their derives behind the case-insensitive renaming
//! (`model::names`).

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::desired_json::exact_desired_state;
use super::{ActualState, DesiredState};
use crate::json;

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

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
