//! Create, read, replace, patch and delete per flavor, with requests built by the core's
//! `RequestEncoder` and responses decoded by the core's decoder.

mod common;

use common::{error_of, json, Client};
use scim_provision::http::Method;
use scim_provision::model::{
    EnterpriseUser, Group, Member, Name, PatchOp, PatchOperation, ServiceProviderConfig, User,
};
use scim_provision::request::ResourceKind;
use scim_provision::response::{
    decode_group, decode_service_provider_config, decode_user, DecodeOptions, Decoded, Expect,
};
use scim_sim::{Faults, Flavor};
use serde_json::json;

fn user(name: &str) -> User {
    let mut u = User::new(name);
    u.name = Some(Name {
        given_name: Some("Ana".into()),
        family_name: Some("Lima".into()),
        ..Name::default()
    });
    u.title = Some("Agent".into());
    u
}

fn decoded_user(expect: Expect, r: &scim_provision::http::HttpResponse) -> User {
    // The defaults take 200 and 201 for a create.
    let options = DecodeOptions::default();
    match decode_user(expect, r, &options).unwrap() {
        Decoded::Resource(u) => u,
        other => panic!("{other:?}"),
    }
}

#[test]
fn generic_user_lifecycle() {
    let mut c = Client::generic();
    let created = c.send(&c.enc.create_user(&user("ana@example.com")).unwrap());
    assert_eq!(created.status, 201);
    let u = decoded_user(Expect::Create, &created);
    let id = u.id.clone().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(u.active, Some(true), "active defaults to true");
    let meta = u.meta.as_ref().unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    assert_eq!(
        meta.location.as_deref(),
        Some(format!("/scim/v2/Users/{id}").as_str())
    );
    assert_eq!(created.header("location"), meta.location.as_deref());
    assert_eq!(
        created.header("content-type"),
        Some("application/scim+json")
    );

    // Duplicate userName, differently cased.
    let dup = c.send(&c.enc.create_user(&User::new("ANA@example.COM")).unwrap());
    assert_eq!(dup.status, 409);
    assert_eq!(
        error_of(&dup),
        (
            json!("409"),
            Some("uniqueness".into()),
            "userName is already taken".into()
        )
    );

    // PUT replaces: title gone, active kept when absent, created kept, version bumped.
    let mut replacement = User::new("ana@example.com");
    replacement.display_name = Some("Ana L".into());
    let put = c.send(&c.enc.replace_user(&id, &replacement).unwrap());
    let after = decoded_user(Expect::Replace, &put);
    assert_eq!(after.title, None);
    assert_eq!(after.display_name.as_deref(), Some("Ana L"));
    assert_eq!(after.active, Some(true));
    assert_eq!(after.meta.as_ref().unwrap().created, meta.created);
    assert_eq!(
        after.meta.as_ref().unwrap().version.as_deref(),
        Some("W/\"2\"")
    );

    // PATCH deactivates and sets enterprise attributes.
    let patch = PatchOp::new(vec![
        PatchOperation::replace("active", json!(false)),
        PatchOperation::add(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            json!("Ops"),
        ),
    ]);
    let patched = c.send(&c.enc.patch(ResourceKind::User, &id, &patch).unwrap());
    assert_eq!(patched.status, 200);
    let p = decoded_user(Expect::Patch, &patched);
    assert_eq!(p.active, Some(false));
    assert_eq!(p.enterprise.unwrap().department.as_deref(), Some("Ops"));
    assert_eq!(p.schemas.len(), 2, "the extension is declared");

    let got = c.send(&c.enc.get(ResourceKind::User, &id).unwrap());
    assert_eq!(decoded_user(Expect::Get, &got).active, Some(false));

    let deleted = c.send(&c.enc.delete(ResourceKind::User, &id).unwrap());
    assert_eq!((deleted.status, deleted.body.as_str()), (204, ""));
    let gone = c.send(&c.enc.get(ResourceKind::User, &id).unwrap());
    assert_eq!(gone.status, 404);
    assert_eq!(error_of(&gone).0, json!("404"));
    assert!(c.sim.users().is_empty());
}

#[test]
fn airtable_user_lifecycle() {
    let mut c = Client::airtable();
    let mut body = user("bob@example.com");
    body.active = Some(false);
    body.emails = vec![scim_provision::model::MultiValue {
        value: Some("other@example.com".into()),
        ..Default::default()
    }];
    let created = c.send(&c.enc.create_user(&body).unwrap());
    assert_eq!(created.status, 200);
    let u = decoded_user(Expect::Create, &created);
    let id = u.id.clone().unwrap();
    assert!(id.starts_with("usr") && id.len() == 17, "{id}");
    assert_eq!(u.active, Some(true), "Airtable always creates active users");
    assert_eq!(
        json(&created)["emails"],
        json!([{"value": "bob@example.com", "primary": true}])
    );
    assert!(u.meta.is_none());
    assert!(created.header("location").is_none());

    let dup = c.send(&c.enc.create_user(&User::new("Bob@Example.com")).unwrap());
    assert_eq!(
        error_of(&dup),
        (
            json!(409),
            Some("uniqueness".into()),
            "userName is already taken".into()
        )
    );

    let mut put = user("bob@example.com");
    put.active = Some(false);
    let replaced = decoded_user(
        Expect::Replace,
        &c.send(&c.enc.replace_user(&id, &put).unwrap()),
    );
    assert_eq!(replaced.active, Some(false), "PUT may deactivate");
    assert_eq!(replaced.emails[0].value.as_deref(), Some("bob@example.com"));

    let patch = PatchOp::new(vec![PatchOperation::replace("active", json!(true))]);
    let patched = c.send(&c.enc.patch(ResourceKind::User, &id, &patch).unwrap());
    assert_eq!(decoded_user(Expect::Patch, &patched).active, Some(true));

    assert_eq!(
        c.send(&c.enc.delete(ResourceKind::User, &id).unwrap())
            .status,
        204
    );
    let gone = c.send(&c.enc.delete(ResourceKind::User, &id).unwrap());
    assert_eq!(gone.status, 404);
    assert_eq!(error_of(&gone).0, json!(404));
}

#[test]
fn generic_groups_and_membership() {
    let mut c = Client::generic();
    let a = c.sim.seed_user(User::new("a@x.com"));
    let b = c.sim.seed_user(User::new("b@x.com"));
    let mut g = Group::new("Engineering");
    g.members = Some(vec![Member::new(&a)]);
    let created = c.send(&c.enc.create_group(&g).unwrap());
    assert_eq!(created.status, 201, "{}", created.body);
    let gid = json(&created)["id"].as_str().unwrap().to_owned();
    assert_eq!(json(&created)["members"], json!([{"value": a}]));

    // The member's `groups` follows membership.
    let ua = c.sim.user(&a).unwrap();
    assert_eq!(ua.groups[0].value.as_deref(), Some(gid.as_str()));
    assert_eq!(ua.groups[0].display.as_deref(), Some("Engineering"));

    // A member that is no user is refused.
    let mut bad = Group::new("Other");
    bad.members = Some(vec![Member::new("nobody")]);
    let r = c.send(&c.enc.create_group(&bad).unwrap());
    assert_eq!(
        (r.status, error_of(&r).1.as_deref()),
        (400, Some("invalidValue"))
    );

    // Duplicate displayName, any case.
    let r = c.send(&c.enc.create_group(&Group::new("ENGINEERING")).unwrap());
    assert_eq!(r.status, 409);

    // PATCH: add b (array form), remove a by value filter, rename.
    let patch = PatchOp::new(vec![
        PatchOperation::add("members", json!([{"value": b}])),
        PatchOperation::remove(format!("members[value eq \"{a}\"]")),
        PatchOperation::replace("displayName", json!("Eng")),
    ]);
    let r = c.send(&c.enc.patch(ResourceKind::Group, &gid, &patch).unwrap());
    assert_eq!(r.status, 200, "{}", r.body);
    let group = match decode_group(Expect::Patch, &r, &DecodeOptions::default()).unwrap() {
        Decoded::Resource(g) => g,
        other => panic!("{other:?}"),
    };
    assert_eq!(group.display_name, "Eng");
    assert_eq!(group.member_ids().collect::<Vec<_>>(), [b.as_str()]);
    assert!(c.sim.user(&a).unwrap().groups.is_empty());
    assert_eq!(
        c.sim.user(&b).unwrap().groups[0].display.as_deref(),
        Some("Eng")
    );

    // Adding a user that does not exist: 400, nothing changes.
    let patch = PatchOp::new(vec![
        PatchOperation::add("members", json!([{"value": a}])),
        PatchOperation::add("members", json!([{"value": "ghost"}])),
    ]);
    let r = c.send(&c.enc.patch(ResourceKind::Group, &gid, &patch).unwrap());
    assert_eq!(r.status, 400);
    assert_eq!(
        c.sim.group(&gid).unwrap().member_ids().count(),
        1,
        "PATCH is atomic"
    );

    // PUT replaces members; absent members means none.
    let mut put = Group::new("Eng");
    put.members = Some(vec![Member::new(&a), Member::new(&b)]);
    let r = c.send(&c.enc.replace_group(&gid, &put).unwrap());
    assert_eq!(json(&r)["members"].as_array().unwrap().len(), 2);
    let r = c.send(&c.enc.replace_group(&gid, &Group::new("Eng")).unwrap());
    assert_eq!(json(&r)["members"], json!([]));

    // Deleting a user removes it from groups; deleting a group keeps its users.
    c.send(&c.enc.replace_group(&gid, &put).unwrap());
    c.send(&c.enc.delete(ResourceKind::User, &a).unwrap());
    assert_eq!(
        c.sim.group(&gid).unwrap().member_ids().collect::<Vec<_>>(),
        [b.as_str()]
    );
    assert_eq!(
        c.send(&c.enc.delete(ResourceKind::Group, &gid).unwrap())
            .status,
        204
    );
    assert_eq!(c.sim.users().len(), 1);
    assert!(c.sim.user(&b).unwrap().groups.is_empty());
    let r = c.send(&c.enc.get(ResourceKind::Group, &gid).unwrap());
    assert_eq!(r.status, 404, "generic: unknown group is 404");
}

#[test]
fn patch_forms_clients_send() {
    let mut c = Client::generic();
    let id = c.sim.seed_user(user("e@x.com"));
    let mut boss = User::new("boss@x.com");
    boss.enterprise = Some(EnterpriseUser::default());
    let boss_id = c.sim.seed_user(boss);
    // Okta: path-less replace. Entra: capitalised ops, string booleans, bare manager id.
    for body in [
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "value": {"active": false}}]}),
        json!({"Operations": [
            {"op": "Replace", "path": "active", "value": "True"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": boss_id},
            {"op": "Replace", "path": "name.familyName", "value": "Souza"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "x"}]}),
    ] {
        let path = format!("/scim/v2/Users/{id}");
        let r = c.raw(Method::Patch, &path, Some(&body.to_string()));
        if body["Operations"].as_array().unwrap().len() == 1 {
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(c.sim.user(&id).unwrap().active, Some(false));
        } else {
            // The last operation targets no email: the whole PATCH fails and nothing changes.
            assert_eq!(
                (r.status, error_of(&r).1.as_deref()),
                (400, Some("noTarget"))
            );
            assert_eq!(c.sim.user(&id).unwrap().active, Some(false));
        }
    }
    let body = json!({"Operations": [
        {"op": "Replace", "path": "active", "value": "True"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": boss_id},
        {"op": "Replace", "path": "name.familyName", "value": "Souza"}]});
    let r = c.raw(
        Method::Patch,
        &format!("/scim/v2/Users/{id}"),
        Some(&body.to_string()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let u = c.sim.user(&id).unwrap();
    assert_eq!(u.active, Some(true));
    assert_eq!(u.family_name(), Some("Souza"));
    assert_eq!(
        u.enterprise.unwrap().manager.unwrap().value.as_deref(),
        Some(boss_id.as_str())
    );
}

#[test]
fn patch_cannot_steal_a_user_name() {
    for flavor in [Flavor::Airtable, Flavor::Generic] {
        let mut c = Client::new(flavor, Faults::none(), 1);
        c.sim.seed_user(User::new("taken@x.com"));
        let id = c.sim.seed_user(User::new("free@x.com"));
        let patch = PatchOp::new(vec![PatchOperation::replace(
            "userName",
            json!("TAKEN@x.com"),
        )]);
        let r = c.send(&c.enc.patch(ResourceKind::User, &id, &patch).unwrap());
        assert_eq!(r.status, 409);
        assert_eq!(c.sim.user(&id).unwrap().user_name, "free@x.com");
    }
}

#[test]
fn patch_returns_no_content_when_asked() {
    let mut c = Client::new(
        Flavor::Generic,
        Faults::none().patch_returns_no_content(),
        1,
    );
    let id = c.sim.seed_user(User::new("a@x.com"));
    let gid = c.sim.seed_group(Group::new("G"));
    let patch = PatchOp::new(vec![PatchOperation::replace("active", json!(false))]);
    let r = c.send(&c.enc.patch(ResourceKind::User, &id, &patch).unwrap());
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    assert_eq!(c.sim.user(&id).unwrap().active, Some(false));
    let patch = PatchOp::new(vec![PatchOperation::add("members", json!([{"value": id}]))]);
    let r = c.send(&c.enc.patch(ResourceKind::Group, &gid, &patch).unwrap());
    assert_eq!(r.status, 204);
    assert!(matches!(
        decode_user(Expect::Patch, &r, &DecodeOptions::default()),
        Ok(Decoded::NoContent)
    ));
}

#[test]
fn generic_service_provider_config() {
    let mut c = Client::new(Flavor::Generic, Faults::none().max_results(50), 1);
    let r = c.send(&c.enc.service_provider_config());
    assert_eq!(r.status, 200);
    let spc: ServiceProviderConfig =
        match decode_service_provider_config(&r, &DecodeOptions::default()).unwrap() {
            Decoded::Resource(s) => s,
            other => panic!("{other:?}"),
        };
    assert!(spc.patch.is_supported());
    assert_eq!(spc.filter.max_results, Some(50));
    assert_eq!(spc.bulk.supported, Some(false));
    for i in 0..60 {
        c.sim.seed_user(User::new(format!("u{i}@x.com")));
    }
    let r = c.raw(Method::Get, "/scim/v2/Users?count=100", None);
    assert_eq!(
        json(&r)["itemsPerPage"],
        50,
        "the advertised cap is enforced"
    );
    assert_eq!(json(&r)["totalResults"], 60);
}

#[test]
fn unknown_routes_and_methods() {
    for flavor in [Flavor::Airtable, Flavor::Generic] {
        let mut c = Client::new(flavor, Faults::none(), 1);
        for path in [
            "/scim/v2/Schemas",
            "/scim/v2/Bulk",
            "/other/Users",
            "/scim/v2/Users/a/b",
            "/scim/v2/users",
        ] {
            assert_eq!(c.raw(Method::Get, path, None).status, 404, "{path}");
        }
        assert_eq!(c.raw(Method::Delete, "/scim/v2/Users", None).status, 405);
        assert_eq!(
            c.raw(Method::Post, "/scim/v2/Users/x", Some("{}")).status,
            405
        );
        // Bodies that are not JSON, or not the right JSON.
        for body in [
            None,
            Some(""),
            Some("{"),
            Some("[]"),
            Some(r#"{"userName": 5}"#),
            Some(r#"{"userName": "  "}"#),
        ] {
            let r = c.raw(Method::Post, "/scim/v2/Users", body);
            assert_eq!(r.status, 400, "{body:?}");
            let kind = error_of(&r).1.unwrap();
            assert!(
                ["invalidSyntax", "invalidValue"].contains(&kind.as_str()),
                "{kind}"
            );
        }
        assert!(c.sim.users().is_empty());
    }
}

#[test]
fn seeded_state_is_listed_sorted_by_id() {
    let mut c = Client::airtable();
    let ids: Vec<String> = (0..20)
        .map(|i| c.sim.seed_user(User::new(format!("u{i}@x.com"))))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    let listed: Vec<String> = c.sim.users().into_iter().map(|u| u.id.unwrap()).collect();
    assert_eq!(listed, sorted);
    let mut g = Group::new("G");
    g.members = Some(vec![
        Member::new(&ids[3]),
        Member::new(&ids[3]),
        Member::new("dangling"),
    ]);
    let gid = c.sim.seed_group(g);
    assert!(gid.starts_with("ugp"));
    assert_eq!(
        c.sim.groups()[0].member_ids().collect::<Vec<_>>(),
        [ids[3].as_str(), "dangling"]
    );
    // A dangling seeded member does not block unrelated PATCHes.
    let patch = PatchOp::new(vec![PatchOperation::replace("displayName", json!("H"))]);
    let r = c.send(&c.enc.patch(ResourceKind::Group, &gid, &patch).unwrap());
    assert_eq!(r.status, 200, "{}", r.body);
}
