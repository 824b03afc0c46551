//! Airtable's documented quirks.

mod common;

use common::{error_of, ids, json, Client};
use scim_provision::filter::Filter;
use scim_provision::http::Method;
use scim_provision::model::{Group, Member, PatchOp, PatchOperation, User};
use scim_provision::request::{ListQuery, ResourceKind};
use serde_json::json;

#[test]
fn creates_answer_200_and_groups_start_empty() {
    let mut c = Client::airtable();
    let u = c.sim.seed_user(User::new("a@x.com"));
    let mut g = Group::new("Team");
    g.members = Some(vec![Member::new(&u)]);
    let r = c.send(&c.enc.create_group(&g).unwrap());
    assert_eq!(r.status, 200);
    let body = json(&r);
    assert!(body["id"].as_str().unwrap().starts_with("ugp"));
    assert_eq!(
        body["members"],
        json!([]),
        "POST /Groups creates an empty group"
    );
    assert!(c.sim.user(&u).unwrap().groups.is_empty());
}

#[test]
fn unknown_group_is_400_invalid_group_id() {
    let mut c = Client::airtable();
    let patch = PatchOp::new(vec![PatchOperation::replace("displayName", json!("x"))]);
    let requests = [
        c.enc.get(ResourceKind::Group, "ugpNope").unwrap(),
        c.enc.replace_group("ugpNope", &Group::new("x")).unwrap(),
        c.enc.patch(ResourceKind::Group, "ugpNope", &patch).unwrap(),
        c.enc.delete(ResourceKind::Group, "ugpNope").unwrap(),
    ];
    for request in requests {
        let r = c.send(&request);
        assert_eq!(r.status, 400, "{:?}", request.method);
        assert_eq!(error_of(&r), (json!(400), None, "invalid group ID".into()));
    }
    // Unknown users stay 404.
    let r = c.send(&c.enc.get(ResourceKind::User, "usrNope").unwrap());
    assert_eq!(error_of(&r), (json!(404), None, "user not found".into()));
}

#[test]
fn error_status_is_a_json_number() {
    let mut c = Client::airtable();
    let r = c.raw(
        Method::Get,
        "/scim/v2/Users?filter=title%20eq%20%22x%22",
        None,
    );
    let (status, kind, _) = error_of(&r);
    assert!(status.is_u64(), "{status}");
    assert_eq!((r.status, kind.as_deref()), (400, Some("invalidFilter")));
}

#[test]
fn groups_refuse_start_index() {
    let mut c = Client::airtable();
    c.sim.seed_group(Group::new("A"));
    let r = c.raw(Method::Get, "/scim/v2/Groups?startIndex=1&count=10", None);
    assert_eq!(r.status, 400);
    assert_eq!(error_of(&r).1.as_deref(), Some("invalidValue"));
    // What the core's encoder sends for Airtable groups works.
    let query = ListQuery::default().with_count(100);
    let r = c.send(&c.enc.list(ResourceKind::Group, &query).unwrap());
    assert_eq!(r.status, 200);
    let page = json(&r);
    assert_eq!(page["totalResults"], 1);
    assert!(
        page["Resources"][0].get("members").is_none(),
        "listing omits members"
    );
    // Users do page.
    let r = c.raw(Method::Get, "/scim/v2/Users?startIndex=1&count=10", None);
    assert_eq!(r.status, 200);
}

#[test]
fn no_service_provider_config() {
    let mut c = Client::airtable();
    let r = c.send(&c.enc.service_provider_config());
    assert_eq!(r.status, 404);
    assert_eq!(error_of(&r).0, json!(404));
}

#[test]
fn only_documented_filters() {
    let mut c = Client::airtable();
    c.sim.seed_user(User::new("a@x.com"));
    c.sim.seed_group(Group::new("G"));
    for (path, ok) in [
        (r#"/Users?filter=userName eq "A@X.com""#, true),
        (r#"/Users?filter=USERNAME EQ "a@x.com""#, true),
        (r#"/Users?filter=externalId eq "1""#, false),
        (r#"/Users?filter=userName sw "a""#, false),
        (
            r#"/Users?filter=userName eq "a" and userName eq "b""#,
            false,
        ),
        (r#"/Users?filter=userName pr"#, false),
        (r#"/Users?filter=displayName eq "G""#, false),
        (r#"/Groups?filter=displayName eq "g""#, true),
        (r#"/Groups?filter=userName eq "a@x.com""#, false),
        (r#"/Groups?filter=externalId eq "1""#, false),
        (r#"/Users?filter=userName eq "unterminated"#, false),
    ] {
        let encoded = format!("/scim/v2{}", path.replace(' ', "%20").replace('"', "%22"));
        let r = c.raw(Method::Get, &encoded, None);
        if ok {
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(json(&r)["totalResults"], 1, "{path}");
        } else {
            assert_eq!(r.status, 400, "{path}");
            assert_eq!(error_of(&r).1.as_deref(), Some("invalidFilter"), "{path}");
        }
    }
}

#[test]
fn patch_needs_a_path_and_a_documented_attribute() {
    let mut c = Client::airtable();
    let id = c.sim.seed_user(User::new("a@x.com"));
    let path = format!("/scim/v2/Users/{id}");
    let pathless = json!({"Operations": [{"op": "replace", "value": {"active": false}}]});
    let r = c.raw(Method::Patch, &path, Some(&pathless.to_string()));
    assert_eq!(
        (r.status, error_of(&r).1.as_deref()),
        (400, Some("invalidPath"))
    );
    let undocumented =
        json!({"Operations": [{"op": "add", "path": "phoneNumbers", "value": [{"value": "1"}]}]});
    assert_eq!(
        c.raw(Method::Patch, &path, Some(&undocumented.to_string()))
            .status,
        400
    );
    let documented = json!({"Operations": [
        {"op": "replace", "path": "active", "value": false},
        {"op": "replace", "path": "title", "value": "Lead"},
        {"op": "replace", "path": "name.givenName", "value": "Ana"},
        {"op": "replace", "path": "externalId", "value": "E1"},
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": "42"},
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "usrBoss", "displayName": "Boss"}}
    ]});
    let r = c.raw(Method::Patch, &path, Some(&documented.to_string()));
    assert_eq!(r.status, 200, "{}", r.body);
    let u = c.sim.user(&id).unwrap();
    assert_eq!(
        (u.active, u.title.as_deref(), u.given_name()),
        (Some(false), Some("Lead"), Some("Ana"))
    );
    let ent = u.enterprise.unwrap();
    assert_eq!(ent.cost_center.as_deref(), Some("42"));
    assert_eq!(ent.manager.unwrap().display_name.as_deref(), Some("Boss"));
}

#[test]
fn documented_member_patches() {
    let mut c = Client::airtable();
    let a = c.sim.seed_user(User::new("a@x.com"));
    let b = c.sim.seed_user(User::new("b@x.com"));
    let gid = c.sim.seed_group(Group::new("G"));
    let path = format!("/scim/v2/Groups/{gid}");
    // Add, one object per operation (Airtable's documented form), and the array form.
    let add = json!({"Operations": [
        {"op": "add", "path": "members", "value": {"value": a}},
        {"op": "add", "path": "members", "value": [{"value": b}]}]});
    assert_eq!(
        c.raw(Method::Patch, &path, Some(&add.to_string())).status,
        200
    );
    assert_eq!(c.sim.group(&gid).unwrap().member_ids().count(), 2);
    // Remove by value filter.
    let remove =
        json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]});
    assert_eq!(
        c.raw(Method::Patch, &path, Some(&remove.to_string()))
            .status,
        200
    );
    assert_eq!(
        c.sim.group(&gid).unwrap().member_ids().collect::<Vec<_>>(),
        [b.as_str()]
    );
    // Replace members with an array; rename.
    let replace = json!({"Operations": [
        {"op": "replace", "path": "members", "value": [{"value": a}]},
        {"op": "replace", "path": "displayName", "value": "H"}]});
    let r = c.raw(Method::Patch, &path, Some(&replace.to_string()));
    assert_eq!(json(&r)["members"], json!([{"value": a}]));
    assert_eq!(json(&r)["displayName"], "H");
    // A member id that is no user: 400.
    let ghost =
        json!({"Operations": [{"op": "add", "path": "members", "value": {"value": "usrGhost"}}]});
    let r = c.raw(Method::Patch, &path, Some(&ghost.to_string()));
    assert_eq!(
        (r.status, error_of(&r).1.as_deref()),
        (400, Some("invalidValue"))
    );
    // A group id as member (nested groups): 400.
    let other = c.sim.seed_group(Group::new("Other"));
    let nested =
        json!({"Operations": [{"op": "add", "path": "members", "value": {"value": other}}]});
    assert_eq!(
        c.raw(Method::Patch, &path, Some(&nested.to_string()))
            .status,
        400
    );
}

#[test]
fn put_group_response_omits_members() {
    let mut c = Client::airtable();
    let a = c.sim.seed_user(User::new("a@x.com"));
    let gid = c.sim.seed_group(Group::new("G"));
    let mut put = Group::new("G2");
    put.members = Some(vec![Member::new(&a)]);
    let r = c.send(&c.enc.replace_group(&gid, &put).unwrap());
    assert_eq!(r.status, 200);
    assert!(json(&r).get("members").is_none());
    assert_eq!(
        c.sim.group(&gid).unwrap().member_ids().collect::<Vec<_>>(),
        [a.as_str()]
    );
    // GET /Groups/{id} carries them.
    let r = c.send(&c.enc.get(ResourceKind::Group, &gid).unwrap());
    assert_eq!(json(&r)["members"][0]["value"], a.as_str());
}

#[test]
fn users_carry_their_groups() {
    let mut c = Client::airtable();
    let a = c.sim.seed_user(User::new("a@x.com"));
    let mut g = Group::new("G");
    g.members = Some(vec![Member::new(&a)]);
    let gid = c.sim.seed_group(g);
    let query = ListQuery::filtered(Filter::eq("userName", "a@x.com"));
    let r = c.send(&c.enc.list(ResourceKind::User, &query).unwrap());
    assert_eq!(ids(&json(&r)), [a.as_str()]);
    assert_eq!(
        json(&r)["Resources"][0]["groups"],
        json!([{"value": gid, "display": "G"}])
    );
}

#[test]
fn users_of_another_enterprise_conflict_invisibly() {
    let mut c = Client::airtable();
    c.sim.reserve_user_name("outsider@x.com");
    let r = c.send(&c.enc.create_user(&User::new("Outsider@x.com")).unwrap());
    assert_eq!(r.status, 409);
    let query = ListQuery::filtered(Filter::eq("userName", "outsider@x.com"));
    let r = c.send(&c.enc.list(ResourceKind::User, &query).unwrap());
    assert_eq!(json(&r)["totalResults"], 0);
}
