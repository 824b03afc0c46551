//! Paging, honest and lying.

mod common;

use std::collections::BTreeSet;

use common::{error_of, ids, json, Client};
use scim_provision::http::Method;
use scim_provision::model::User;
use scim_sim::{Faults, Flavor};
use serde_json::Value;

fn client(faults: Faults) -> (Client, Vec<String>) {
    let mut c = Client::new(Flavor::Generic, faults, 9);
    let ids = (0..25)
        .map(|i| c.sim.seed_user(User::new(format!("u{i:02}@x.com"))))
        .collect();
    (c, ids)
}

fn page(c: &mut Client, start: u64, count: u64) -> Value {
    let r = c.raw(
        Method::Get,
        &format!("/scim/v2/Users?startIndex={start}&count={count}"),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    json(&r)
}

#[test]
fn honest_paging_in_creation_order() {
    let (mut c, all) = client(Faults::none());
    let p = page(&mut c, 1, 10);
    assert_eq!(p["totalResults"], 25);
    assert_eq!(p["itemsPerPage"], 10);
    assert_eq!(p["startIndex"], 1);
    assert_eq!(ids(&p), all[..10]);
    assert_eq!(ids(&page(&mut c, 11, 10)), all[10..20]);
    assert_eq!(ids(&page(&mut c, 21, 10)), all[20..]);
    assert!(ids(&page(&mut c, 26, 10)).is_empty());
    // No count: everything. count=0: just the total.
    let r = json(&c.raw(Method::Get, "/scim/v2/Users", None));
    assert_eq!(ids(&r), all);
    let r = json(&c.raw(Method::Get, "/scim/v2/Users?count=0", None));
    assert_eq!((r["totalResults"].as_u64(), ids(&r).len()), (Some(25), 0));
    // Out-of-range values are clamped as RFC 7644 says; huge values saturate.
    let r = json(&c.raw(Method::Get, "/scim/v2/Users?startIndex=-5&count=-1", None));
    assert_eq!((r["startIndex"].as_u64(), ids(&r).len()), (Some(1), 0));
    let r = json(&c.raw(
        Method::Get,
        "/scim/v2/Users?startIndex=1&count=999999999999999999999999999999",
        None,
    ));
    assert_eq!(ids(&r).len(), 25);
    let r = json(&c.raw(
        Method::Get,
        "/scim/v2/Users?startIndex=18446744073709551615",
        None,
    ));
    assert!(ids(&r).is_empty());
    for bad in ["count=ten", "count=1.5", "startIndex=", "count=%FF"] {
        let r = c.raw(Method::Get, &format!("/scim/v2/Users?{bad}"), None);
        assert_eq!(
            (r.status, error_of(&r).1.as_deref()),
            (400, Some("invalidValue")),
            "{bad}"
        );
    }
    // Unknown parameters are ignored; attribute projection works.
    let r = json(&c.raw(
        Method::Get,
        "/scim/v2/Users?count=1&sortBy=userName&attributes=userName",
        None,
    ));
    let first = r["Resources"][0].as_object().unwrap();
    let keys: BTreeSet<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["id", "schemas", "userName"]));
    let r = json(&c.raw(
        Method::Get,
        "/scim/v2/Users?count=1&excludedAttributes=meta,schemas",
        None,
    ));
    assert!(r["Resources"][0].get("meta").is_none());
    assert!(
        r["Resources"][0].get("schemas").is_some(),
        "schemas is always returned"
    );
}

#[test]
fn page_cap_silently_shortens_pages() {
    let (mut c, all) = client(Faults::none().page_cap(7));
    let p = page(&mut c, 1, 10);
    assert_eq!(
        (p["itemsPerPage"].as_u64(), p["totalResults"].as_u64()),
        (Some(7), Some(25))
    );
    assert_eq!(ids(&p), all[..7]);
    // A client that advances by itemsPerPage still gets everything.
    assert_eq!(ids(&page(&mut c, 8, 10)), all[7..14]);
}

#[test]
fn ignore_start_index_serves_the_first_page_and_echoes() {
    let (mut c, all) = client(Faults::none().ignore_start_index());
    let p = page(&mut c, 11, 10);
    assert_eq!(p["startIndex"], 11, "the lie is only visible in the ids");
    assert_eq!(ids(&p), all[..10]);
}

#[test]
fn unstable_order_shuffles_each_request_deterministically() {
    let (mut c, all) = client(Faults::none().unstable_order());
    let first = ids(&page(&mut c, 1, 25));
    let second = ids(&page(&mut c, 1, 25));
    assert_ne!(first, all);
    assert_ne!(first, second, "each request sees its own order");
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(set(&first), set(&all));
    // Same seed, same sequence of requests: same orders.
    let (mut again, _) = client(Faults::none().unstable_order());
    assert_eq!(ids(&page(&mut again, 1, 25)), first);
    assert_eq!(ids(&page(&mut again, 1, 25)), second);
}

#[test]
fn total_changes_after_the_first_page() {
    let (mut c, _) = client(Faults::none().total_changes_mid_listing());
    assert_eq!(page(&mut c, 1, 10)["totalResults"], 25);
    assert_eq!(page(&mut c, 11, 10)["totalResults"], 26);
    assert_eq!(page(&mut c, 21, 10)["totalResults"], 26);
}

#[test]
fn short_total_overstates() {
    let (mut c, all) = client(Faults::none().short_total(5));
    let p = page(&mut c, 21, 10);
    assert_eq!(p["totalResults"], 30);
    assert_eq!(ids(&p), all[20..]);
    let p = page(&mut c, 26, 10);
    assert_eq!((p["totalResults"].as_u64(), ids(&p).len()), (Some(30), 0));
}

#[test]
fn airtable_users_page_too() {
    let mut c = Client::airtable();
    let all: Vec<String> = (0..5)
        .map(|i| c.sim.seed_user(User::new(format!("u{i}@x.com"))))
        .collect();
    let r = json(&c.raw(Method::Get, "/scim/v2/Users?startIndex=3&count=2", None));
    assert_eq!(ids(&r), all[2..4]);
    assert_eq!(r["totalResults"], 5);
}
