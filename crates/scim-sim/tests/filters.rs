//! Filters: hostile values survive the round trip through the core's escaping and
//! percent-encoding; the generic flavor evaluates the RFC grammar.

mod common;

use common::{error_of, ids, json, Client};
use proptest::prelude::*;
use scim_provision::filter::{CompareOp, Filter};
use scim_provision::http::Method;
use scim_provision::model::{EnterpriseUser, Group, MultiValue, User};
use scim_provision::request::{ListQuery, ResourceKind};
use scim_sim::{Faults, Flavor};

const HOSTILE: &[&str] = &[
    r#"a"b@x.com"#,
    r#"back\slash@x.com"#,
    r#"\"@x.com"#,
    r#"x") or (userName pr"#,
    "plus+sign@x.com",
    "amp&count=0@x.com",
    "pct%20%22@x.com",
    "hash#frag@x.com",
    "q?mark=1@x.com",
    "tab\tnew\nline@x.com",
    "nul\u{0}@x.com",
    "émile@exämple.com",
    "日本@例え.jp",
    "emoji😀@x.com",
    "   spaces   ",
    "]close[bracket",
];

fn lookup(c: &mut Client, kind: ResourceKind, attr: &str, value: &str) -> Vec<String> {
    let query = ListQuery::filtered(Filter::eq(attr, value));
    let r = c.send(&c.enc.list(kind, &query).unwrap());
    assert_eq!(r.status, 200, "{value:?}: {}", r.body);
    ids(&json(&r))
}

#[test]
fn hostile_user_names_round_trip() {
    for flavor in [Flavor::Airtable, Flavor::Generic] {
        let mut c = Client::new(flavor, Faults::none(), 3);
        let mut expected = Vec::new();
        for name in HOSTILE {
            expected.push(c.sim.seed_user(User::new(*name)));
        }
        for (name, id) in HOSTILE.iter().zip(&expected) {
            assert_eq!(
                lookup(&mut c, ResourceKind::User, "userName", name),
                [id.as_str()],
                "{name:?}"
            );
            // caseExact=false: upper-cased finds the same user.
            let upper = name.to_uppercase();
            assert_eq!(
                lookup(&mut c, ResourceKind::User, "userName", &upper),
                [id.as_str()],
                "{upper:?}"
            );
        }
        // A prefix or a near miss finds nothing.
        assert!(lookup(&mut c, ResourceKind::User, "userName", "a").is_empty());
        assert!(lookup(&mut c, ResourceKind::User, "userName", r#"a"b@x.co"#).is_empty());
    }
}

#[test]
fn hostile_group_names_and_external_ids() {
    let mut c = Client::generic();
    for (i, name) in HOSTILE.iter().enumerate() {
        let mut g = Group::new(*name);
        g.external_id = Some(format!("{name}#{i}"));
        let id = c.sim.seed_group(g);
        assert_eq!(
            lookup(&mut c, ResourceKind::Group, "displayName", name),
            [id.as_str()]
        );
        assert_eq!(
            lookup(
                &mut c,
                ResourceKind::Group,
                "externalId",
                &format!("{name}#{i}")
            ),
            [id.as_str()]
        );
        let mut u = User::new(format!("u{i}@x.com"));
        u.external_id = Some(name.to_string());
        let uid = c.sim.seed_user(u);
        assert_eq!(
            lookup(&mut c, ResourceKind::User, "externalId", name),
            [uid.as_str()]
        );
    }
    // externalId is caseExact.
    let mut u = User::new("case@x.com");
    u.external_id = Some("AbC".into());
    c.sim.seed_user(u);
    assert!(lookup(&mut c, ResourceKind::User, "externalId", "abc").is_empty());
}

#[test]
fn hostile_ids_round_trip_as_one_segment() {
    let mut c = Client::generic();
    let id = c.sim.seed_user(User::new("a@x.com"));
    // Ids the simulator never assigns still resolve to exactly "not found", never another
    // endpoint.
    for bogus in [
        "../Groups",
        "a/b",
        "x?filter=1",
        "%2e%2e",
        "é",
        "Users",
        "#",
    ] {
        let r = c.send(&c.enc.get(ResourceKind::User, bogus).unwrap());
        assert_eq!(r.status, 404, "{bogus}");
        assert_eq!(error_of(&r).2, "user not found", "{bogus}");
    }
    assert_eq!(
        c.send(&c.enc.get(ResourceKind::User, &id).unwrap()).status,
        200
    );
}

#[test]
fn generic_evaluates_the_rfc_grammar() {
    let mut c = Client::generic();
    let mk = |name: &str, title: &str, active: bool, dept: &str| {
        let mut u = User::new(name);
        u.title = Some(title.into());
        u.active = Some(active);
        u.emails = vec![MultiValue {
            value: Some(name.into()),
            kind: Some("work".into()),
            ..MultiValue::default()
        }];
        u.enterprise = Some(EnterpriseUser {
            department: Some(dept.into()),
            ..EnterpriseUser::default()
        });
        u
    };
    let a = c.sim.seed_user(mk("ana@x.com", "Lead", true, "Ops"));
    let b = c.sim.seed_user(mk("bea@y.org", "Agent", false, "Sales"));
    let d = c.sim.seed_user(mk("dan@x.com", "Agent", true, "Sales"));
    let cases: Vec<(Filter, Vec<&String>)> = vec![
        (
            Filter::compare("userName", CompareOp::Ew, "@x.com"),
            vec![&a, &d],
        ),
        (Filter::compare("userName", CompareOp::Sw, "B"), vec![&b]),
        (Filter::compare("title", CompareOp::Co, "gen"), vec![&b, &d]),
        (
            Filter::eq("title", "agent").and(Filter::eq("userName", "dan@x.com")),
            vec![&d],
        ),
        (
            Filter::eq("title", "lead").or(Filter::eq("userName", "bea@y.org")),
            vec![&a, &b],
        ),
        (Filter::eq("title", "agent").negate(), vec![&a]),
        (Filter::present("title"), vec![&a, &b, &d]),
        (Filter::present("nickName"), vec![]),
        (Filter::eq("emails.value", "ANA@x.com"), vec![&a]),
        (
            Filter::eq(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "sales",
            ),
            vec![&b, &d],
        ),
        (Filter::eq("id", b.as_str()), vec![&b]),
    ];
    for (filter, want) in cases {
        // The encoder cannot build a URN path through `Filter::eq` (it splits at '.'), so the
        // query goes through `to_string` and percent-encoding like the encoder's own.
        let text = filter.to_string();
        let path = format!(
            "/scim/v2/Users?filter={}",
            percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
        );
        let r = c.raw(Method::Get, &path, None);
        assert_eq!(r.status, 200, "{text}: {}", r.body);
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(ids(&json(&r)), want, "{text}");
    }
    for raw in [
        "active eq false",
        "emails[type eq \"work\" and value co \"y.org\"]",
        "title gt \"B\"",
    ] {
        let path = format!(
            "/scim/v2/Users?filter={}",
            percent_encoding::utf8_percent_encode(raw, percent_encoding::NON_ALPHANUMERIC)
        );
        let r = c.raw(Method::Get, &path, None);
        assert_eq!(
            ids(&json(&r)),
            match raw {
                "title gt \"B\"" => vec![a.clone()],
                _ => vec![b.clone()],
            },
            "{raw}"
        );
    }
    let r = c.raw(Method::Get, "/scim/v2/Users?filter=userName%20eq", None);
    assert_eq!(
        (r.status, error_of(&r).1.as_deref()),
        (400, Some("invalidFilter"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_user_name_round_trips(name in "\\PC{1,40}|[\"\\\\%+&=#?]{1,8}") {
        for flavor in [Flavor::Airtable, Flavor::Generic] {
            let mut c = Client::new(flavor, Faults::none(), 5);
            c.sim.seed_user(User::new("decoy@x.com"));
            let id = c.sim.seed_user(User::new(name.clone()));
            let found = lookup(&mut c, ResourceKind::User, "userName", &name);
            prop_assert!(found.contains(&id), "{:?} not found: {:?}", name, found);
            prop_assert!(found.len() == 1 || name.to_lowercase() == "decoy@x.com");
        }
    }
}
