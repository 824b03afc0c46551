//! Hostile values through the request encoder (filters and path segments) and every class
//! of bad response input, each answered with a structured error and never a panic.

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use scim_provision::filter::{self, Filter};
use scim_provision::http::HttpResponse;
use scim_provision::model::{Group, User};
use scim_provision::profile::Profile;
use scim_provision::request::{ListQuery, RequestEncoder, ResourceKind};
use scim_provision::response::{decode, DecodeError, DecodeOptions, Decoded, Expect};

fn hostile_values() -> Vec<String> {
    vec![
        r#"x") or (userName pr"#.into(),
        r#"a"b"#.into(),
        r#"back\slash"#.into(),
        r#"\""#.into(),
        r#"trailing\"#.into(),
        "quote\"and\\both".into(),
        "../Groups".into(),
        "a/b?x=1&y=2#frag".into(),
        "%2e%2e%2f".into(),
        "space and+plus".into(),
        "Zoë Ümlaut <zoe@例え.jp>".into(),
        "e\u{301}".into(),
        "\u{202e}rtl\u{202c}".into(),
        "emoji 👩‍💻 user".into(),
        "new\nline\ttab\r\u{0}nul".into(),
        "x".repeat(10 * 1024),
        format!("{}\"{}", "y".repeat(5000), "\\".repeat(5000)),
    ]
}

/// The filter a request carries, read back the way a server would.
fn filter_of(path: &str) -> Filter {
    let query = path.split_once('?').expect("has a query").1;
    let encoded = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("filter="))
        .expect("has a filter");
    let text = percent_decode_str(encoded).decode_utf8().expect("utf-8");
    filter::parse(&text).expect("our own filter parses")
}

#[test]
fn hostile_user_and_group_names_stay_inside_their_literal() {
    let encoder = RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
    for value in hostile_values() {
        for (kind, attr) in [
            (ResourceKind::User, "userName"),
            (ResourceKind::Group, "displayName"),
        ] {
            let f = Filter::eq(attr, value.as_str());
            let q = ListQuery::filtered(f.clone());
            let req = encoder.list(kind, &q).unwrap();
            // Exactly one query parameter, and the path before it untouched.
            let (before, query) = req.path.split_once('?').unwrap();
            assert_eq!(before, format!("/scim/v2/{}", kind.endpoint()));
            assert_eq!(query.matches('&').count(), 0, "{value:?} split the query");
            assert!(
                !query.contains(['#', ' ', '"', '\\']),
                "{value:?} left raw characters"
            );
            assert_eq!(filter_of(&req.path), f, "{value:?}");
        }
    }
}

#[test]
fn hostile_ids_are_one_path_segment() {
    let encoder = RequestEncoder::new("/scim/v2", Profile::generic()).unwrap();
    for id in hostile_values() {
        if id.len() > 1024 {
            assert!(
                encoder.delete(ResourceKind::User, &id).is_err(),
                "overlong ids are refused"
            );
            continue;
        }
        let req = encoder.delete(ResourceKind::User, &id).unwrap();
        let segments: Vec<&str> = req.path.split('/').collect();
        assert_eq!(segments.len(), 5, "{id:?} changed the path: {}", req.path);
        assert_eq!(&segments[..4], ["", "scim", "v2", "Users"]);
        assert!(!req.path.contains(['?', '#']));
        assert_eq!(percent_decode_str(segments[4]).decode_utf8().unwrap(), id);
    }
}

proptest! {
    #[test]
    fn any_string_round_trips_through_filter_and_path(value in any::<String>()) {
        let encoder = RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
        let f = Filter::eq("userName", value.as_str());
        let req = encoder.list(ResourceKind::User, &ListQuery::filtered(f.clone())).unwrap();
        prop_assert_eq!(filter_of(&req.path), f);
        if let Ok(req) = encoder.get(ResourceKind::Group, &value) {
            let last = req.path.rsplit('/').next().unwrap();
            prop_assert_eq!(req.path.matches('/').count(), 4);
            prop_assert_eq!(percent_decode_str(last).decode_utf8().unwrap(), value.as_str());
        } else {
            prop_assert!(value.is_empty() || value == "." || value == ".." || value.len() > 1024);
        }
    }

    #[test]
    fn decoding_never_panics(status in 100u16..600, body in any::<String>()) {
        let resp = HttpResponse::new(status, body);
        for expect in [Expect::Get, Expect::List, Expect::Create, Expect::Patch, Expect::Delete] {
            let _ = decode::<User>(expect, &resp, &DecodeOptions::default());
            let _ = decode::<Group>(expect, &resp, &DecodeOptions::default());
        }
    }
}

fn user(status: u16, expect: Expect, body: &str) -> Result<Decoded<User>, DecodeError> {
    decode::<User>(
        expect,
        &HttpResponse::new(status, body),
        &DecodeOptions::default(),
    )
}

#[test]
fn every_bad_input_class_has_a_structured_error() {
    // Malformed JSON.
    assert!(matches!(
        user(200, Expect::Get, r#"{"userName": "#),
        Err(DecodeError::NotJson { status: 200, .. })
    ));
    // Wrong JSON types, located.
    for (body, path) in [
        (r#"{"userName": 1}"#, "userName"),
        (r#"{"userName": "a", "active": "perhaps"}"#, "active"),
        (r#"{"userName": "a", "emails": {"value": "x"}}"#, "emails"),
        (r#"{"userName": "a", "name": "Ana"}"#, "name"),
        (r#"[]"#, "."),
        (r#""just a string""#, "."),
    ] {
        match user(200, Expect::Get, body) {
            Err(DecodeError::WrongShape { path: p, .. }) => assert_eq!(p, path, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    // Listing totals that are negative, fractional or strings that are not a count (a string
    // of digits is a count: the tolerant reader reads it, tests/tolerant_reader.rs). A
    // missing or `null` total is no decoding error: RFC 9865 cursor pages may leave it out,
    // and the listing judges a page without it (engine::listing).
    for total in ["-1", "2.5", "\"3x\"", "\"-3\"", "\"\"", "1e400"] {
        let body = format!(r#"{{"totalResults": {total}, "Resources": []}}"#);
        let r = user(200, Expect::List, &body);
        assert!(
            matches!(
                r,
                Err(DecodeError::WrongShape { .. }) | Err(DecodeError::NotJson { .. })
            ),
            "{total}: {r:?}"
        );
    }
    // The same attribute twice in different case.
    match user(200, Expect::Get, r#"{"userName": "a", "USERNAME": "b"}"#) {
        Err(DecodeError::WrongShape { reason, .. }) => {
            assert!(reason.contains("twice"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Huge bodies are refused before parsing.
    let options = DecodeOptions::default().with_max_body_bytes(1024);
    let big = format!(r#"{{"userName": "{}"}}"#, "a".repeat(2048));
    assert!(matches!(
        decode::<User>(Expect::Get, &HttpResponse::new(200, big), &options),
        Err(DecodeError::BodyTooLarge {
            size: 2064,
            limit: 1024
        })
    ));
    // Deeply nested JSON is an error, not a stack overflow.
    let deep = format!(
        r#"{{"userName": "a", "x": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(user(200, Expect::Get, &deep).is_err());
    // Hostile strings in an error body are kept as data, escaped in excerpts.
    let Ok(Decoded::Error(e)) = user(500, Expect::Get, "\u{1b}[31mred\u{1b}[0m <script>") else {
        panic!()
    };
    assert!(!e.to_string().contains('\u{1b}'));
}

#[test]
fn fuzz_regressions_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut replayed = 0;
    for (target, run) in scim_provision::fuzzing::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in dir.flatten() {
            run(&std::fs::read(entry.path()).unwrap());
            replayed += 1;
        }
    }
    assert!(
        replayed > 0,
        "no fuzz inputs found under {}",
        root.display()
    );
}
