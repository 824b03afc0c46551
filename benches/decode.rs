//! Listing-page benchmark: a 10,000-user ListResponse page (core schema, enterprise
//! extension, groups, meta: what a server lists) decoded by `response::decode_user`, beside
//! `serde_json::from_str::<Value>` of the same text in the same run. Prints the medians of
//! [`RUNS`] alternate runs and their ratio, for the page as servers usually send it (read on
//! the hot path, `model::fast`) and for the same page spelling `Resources` as `resources`,
//! which the hot path leaves to the exact path (the tolerant reader, then the derives): how
//! every page was read before the hot path took listing pages. For the page as servers send
//! it, also the check that it reads back as sent (`response::page_as_sent`, the byte scan of
//! `model::as_sent`), which a host that parses the body itself runs instead of the decode.
//! Run with `cargo bench --bench decode`.

use std::time::{Duration, Instant};

use scim_provision::http::HttpResponse;
use scim_provision::model::User;
use scim_provision::response::{decode_user, page_as_sent, DecodeOptions, Decoded, Expect};
use serde_json::{json, Value};

const RUNS: usize = 7;
const USERS: usize = 10_000;
const DEPARTMENTS: [&str; 4] = ["Support", "Engineering", "Finance", "Design"];

fn user(i: usize) -> Value {
    let id = format!("2819c223-7f76-453a-{i:012}");
    let groups = if i % 3 == 0 {
        json!([])
    } else {
        let g = format!("g{:04}", i % 20);
        json!([{"value": g, "display": format!("Group {}", i % 20),
                "$ref": format!("https://scim.test/v2/Groups/{g}")}])
    };
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": id,
        "externalId": format!("E{i:06}"),
        "userName": format!("user{i:06}@example.com"),
        "name": {"formatted": format!("Given{i} Family{i}"), "familyName": format!("Family{i}"),
                 "givenName": format!("Given{i}")},
        "displayName": format!("Given{i} Family{i}"),
        "title": "Specialist",
        "active": i % 50 != 0,
        "emails": [{"value": format!("user{i:06}@example.com"), "type": "work", "primary": true}],
        "groups": groups,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i:06}"),
            "costCenter": format!("CC-{}", i % 50),
            "department": DEPARTMENTS[i % DEPARTMENTS.len()],
            "manager": {"value": format!("2819c223-7f76-453a-{:012}", (i * 7) % USERS),
                        "displayName": format!("Manager {}", i % 97)}
        },
        "meta": {"resourceType": "User", "created": "2024-01-23T04:56:22Z",
                 "lastModified": "2025-05-13T04:42:34Z",
                 "location": format!("https://scim.test/v2/Users/{id}"),
                 "version": format!("W/\"{i:08}\"")}
    })
}

fn page(resources_key: &str) -> String {
    let users: Vec<Value> = (0..USERS).map(user).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": USERS, "startIndex": 1, "itemsPerPage": USERS,
        resources_key: users,
    })
    .to_string()
}

fn median(v: &mut [Duration]) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

/// Median times of a serde_json parse of `body`, of its decode, and of the check that it
/// reads back as sent (when it does), alternately.
fn measure(body: String) -> (f64, f64, Option<f64>) {
    let response = HttpResponse::new(200, body);
    let options = DecodeOptions::default();
    let decode = || match decode_user(Expect::List, &response, &options) {
        Ok(Decoded::Page(p)) => p,
        other => panic!("the page did not decode: {other:?}"),
    };
    assert_eq!(decode().resources.len(), USERS);
    let as_sent = || page_as_sent::<User>(Expect::List, &response, &options);
    let (mut parses, mut decodes, mut checks) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(as_sent());
        checks.push(t.elapsed());
        let t = Instant::now();
        let v: Value = serde_json::from_str(&response.body).unwrap();
        parses.push(t.elapsed());
        drop(v);
        let t = Instant::now();
        let p = decode();
        decodes.push(t.elapsed());
        drop(p);
    }
    let check = as_sent().then(|| median(&mut checks));
    (median(&mut parses), median(&mut decodes), check)
}

fn main() {
    let body = page("Resources");
    let mib = body.len() as f64 / 1_048_576.0;
    println!(
        "listing-page benchmark: a {USERS}-user ListResponse page, {mib:.1} MiB, medians of \
         {RUNS} alternate runs"
    );
    for (label, body) in [
        ("hot path (a page as servers send it)", body),
        ("exact path (`resources`: as before)", page("resources")),
    ] {
        let (parse, decode, check) = measure(body);
        println!("  {label}");
        println!("    serde_json parse (Value)  {parse:>8.1} ms");
        println!("    decode_user(List)         {decode:>8.1} ms");
        println!("    ratio                     {:>8.2}", decode / parse);
        if let Some(check) = check {
            let ratio = check / parse;
            println!("    as sent? (page_as_sent)   {check:>8.1} ms  ({ratio:.2}x the parse)");
        }
    }
}
