//! Every fault fires exactly as configured, deterministically.

mod common;

use common::{error_of, json, raw, Client};
use scim_provision::filter::Filter;
use scim_provision::http::{HttpRequest, Method};
use scim_provision::model::{Group, User};
use scim_provision::request::{ListQuery, ResourceKind};
use scim_provision::response::{decode_user, DecodeError, DecodeOptions, Decoded, Expect};
use scim_sim::{
    Endpoint, FaultKind, Faults, Flavor, LostAnswer, Reply, RetryAfter, Simulator, Trigger,
};

fn create(c: &Client, i: usize) -> HttpRequest {
    c.enc
        .create_user(&User::new(format!("u{i}@x.com")))
        .unwrap()
}

/// Sends `n` creates, one per millisecond, returning each reply's status (None: dropped).
fn statuses(c: &mut Client, n: usize) -> Vec<Option<u16>> {
    (0..n)
        .map(|i| {
            let r = create(c, i);
            c.try_send(&r).map(|r| r.status)
        })
        .collect()
}

#[test]
fn latency_and_jitter() {
    let faults = Faults::none().latency_ms(50).jitter_ms(10);
    let mut sim = Simulator::new(Flavor::Generic, "/scim/v2", faults.clone(), 4);
    let request = raw(Method::Get, "/scim/v2/Users", None);
    let mut delays = Vec::new();
    for now in 0..200u64 {
        match sim.handle(&request, now * 100) {
            Reply::Respond { at_ms, .. } => delays.push(at_ms - now * 100),
            Reply::Drop => panic!("no drops configured"),
        }
    }
    assert!(delays.iter().all(|d| (50..=60).contains(d)), "{delays:?}");
    assert!(
        delays.contains(&50) && delays.contains(&60),
        "the whole range is used"
    );
    let mut again = Simulator::new(Flavor::Generic, "/scim/v2", faults, 4);
    let replay: Vec<u64> = (0..200u64)
        .map(|now| match again.handle(&request, now * 100) {
            Reply::Respond { at_ms, .. } => at_ms - now * 100,
            Reply::Drop => 0,
        })
        .collect();
    assert_eq!(replay, delays);
}

#[test]
fn rate_limit_answers_429_with_retry_after_and_applies_nothing() {
    let mut c = Client::new(Flavor::Airtable, Faults::none().rate_limit(5, 5), 1);
    let mut got = Vec::new();
    for i in 0..7 {
        let r = create(&c, i);
        got.push(c.sim.handle(&r, 0));
    }
    let status = |r: &Reply| match r {
        Reply::Respond { response, .. } => response.status,
        Reply::Drop => 0,
    };
    assert_eq!(
        got.iter().map(status).collect::<Vec<_>>(),
        [200, 200, 200, 200, 200, 429, 429]
    );
    let Reply::Respond { response, .. } = &got[5] else {
        unreachable!()
    };
    assert_eq!(
        response.header("retry-after"),
        Some("30"),
        "Airtable's documented wait"
    );
    assert_eq!(error_of(response).0, serde_json::json!(429));
    assert_eq!(c.sim.users().len(), 5, "throttled creates are not applied");
    // The core reads the wait.
    match decode_user(Expect::Create, response, &DecodeOptions::default()).unwrap() {
        Decoded::Error(e) => assert_eq!(e.retry_after_ms, Some(30_000)),
        other => panic!("{other:?}"),
    }
    // One token per 200 ms.
    let r = create(&c, 10);
    assert!(
        matches!(c.sim.handle(&r, 199), Reply::Respond { ref response, .. } if response.status == 429)
    );
    assert!(
        matches!(c.sim.handle(&r, 200), Reply::Respond { ref response, .. } if response.status == 200)
    );
    let log = c.sim.log();
    assert_eq!(log[5].faults, [FaultKind::RateLimited]);
    assert!(!log[5].processed);
    let stats = c.sim.stats();
    assert_eq!((stats.throttled, stats.requests), (3, 9));
}

#[test]
fn retry_after_forms() {
    let one = |faults: Faults, flavor: Flavor| {
        let mut sim = Simulator::new(flavor, "", faults.rate_limit(1, 1), 1);
        let r = raw(Method::Get, "/Users", None);
        let _ = sim.handle(&r, 1_709_210_096_000);
        match sim.handle(&r, 1_709_210_096_000) {
            Reply::Respond { response, .. } => response,
            Reply::Drop => unreachable!(),
        }
    };
    let generic = one(Faults::none(), Flavor::Generic);
    assert_eq!(generic.header("retry-after"), Some("1"));
    let dated = one(
        Faults::none().retry_after(RetryAfter::HttpDate { after_secs: 4 }),
        Flavor::Generic,
    );
    assert_eq!(
        dated.header("retry-after"),
        Some("Thu, 29 Feb 2024 12:35:00 GMT")
    );
    let options = DecodeOptions::default().with_now_ms(1_709_210_096_000);
    match decode_user(Expect::List, &dated, &options).unwrap() {
        Decoded::Error(e) => assert_eq!(e.retry_after_ms, Some(4_000)),
        other => panic!("{other:?}"),
    }
    let none = one(
        Faults::none().retry_after(RetryAfter::Omitted),
        Flavor::Airtable,
    );
    assert_eq!((none.status, none.header("retry-after")), (429, None));
    let secs = one(
        Faults::none().retry_after(RetryAfter::Seconds(7)),
        Flavor::Airtable,
    );
    assert_eq!(secs.header("retry-after"), Some("7"));
}

#[test]
fn throttle_bursts_hit_exactly_their_ordinals() {
    let mut c = Client::new(
        Flavor::Generic,
        Faults::none().throttle(Trigger::range(3..=5).or_nth(9)),
        1,
    );
    let got = statuses(&mut c, 10);
    let throttled: Vec<usize> = got
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == Some(429))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(throttled, [3, 4, 5, 9]);
    assert_eq!(c.sim.users().len(), 6);
    assert_eq!(c.sim.log()[2].faults, [FaultKind::Throttled]);
}

#[test]
fn server_errors_at_ordinals_before_or_after_apply() {
    let faults = Faults::none()
        .server_errors(Trigger::nth(2).or_nth(4))
        .server_error_statuses(&[500]);
    let mut c = Client::new(Flavor::Generic, faults.clone(), 1);
    assert_eq!(
        statuses(&mut c, 5),
        [Some(201), Some(500), Some(201), Some(500), Some(201)]
    );
    assert_eq!(c.sim.users().len(), 3, "not applied by default");
    let log = c.sim.log();
    assert_eq!(
        (log[1].processed, log[1].faults.clone()),
        (false, vec![FaultKind::ServerError])
    );

    let mut c = Client::new(Flavor::Generic, faults.errors_after_apply(true), 1);
    statuses(&mut c, 5);
    assert_eq!(c.sim.users().len(), 5, "applied, then failed");
    assert!(c.sim.log()[1].processed);
    // The retry of a create that failed after apply conflicts.
    let r = create(&c, 1);
    assert_eq!(c.send(&r).status, 409);
}

#[test]
fn server_error_bodies_and_status_choice() {
    let faults = Faults::none().server_errors(Trigger::per_mille(1000));
    let mut c = Client::new(Flavor::Airtable, faults, 2);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..60 {
        let r = c.raw(Method::Get, "/scim/v2/Users", None);
        seen.insert(r.status);
        match r.status {
            500 => assert_eq!(error_of(&r).0, serde_json::json!(500)),
            502 | 503 => {
                assert!(r.body.starts_with("<!DOCTYPE html>"));
                assert_eq!(r.header("content-type"), Some("text/html"));
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [500, 502, 503]);
}

#[test]
fn server_errors_per_mille_are_bounded_and_seeded() {
    let run = |seed| {
        let faults = Faults::none()
            .server_errors(Trigger::per_mille(100))
            .server_error_statuses(&[503]);
        let mut c = Client::new(Flavor::Generic, faults, seed);
        (0..2000)
            .map(|_| c.raw(Method::Get, "/scim/v2/Users", None).status == 503)
            .collect::<Vec<bool>>()
    };
    let a = run(1);
    let hits = a.iter().filter(|x| **x).count();
    assert!((140..260).contains(&hits), "{hits}");
    assert_eq!(run(1), a);
    assert_ne!(run(2), a);
}

#[test]
fn drops_after_apply_make_retries_conflict() {
    let mut c = Client::new(Flavor::Airtable, Faults::none().drops(Trigger::nth(1)), 1);
    let request = create(&c, 0);
    assert!(c.try_send(&request).is_none(), "dropped");
    assert_eq!(
        c.sim.users().len(),
        1,
        "applied before the response was lost"
    );
    let log = c.sim.log();
    assert_eq!(
        (log[0].status, log[0].delivered_at_ms, log[0].processed),
        (None, None, true)
    );
    assert_eq!(log[0].faults, [FaultKind::Dropped]);
    // The client retries: 409, then adopts by filter, and there is still one user.
    assert_eq!(c.send(&request).status, 409);
    let query = ListQuery::filtered(Filter::eq("userName", "U0@x.com"));
    let found = json(&c.send(&c.enc.list(ResourceKind::User, &query).unwrap()));
    assert_eq!(found["totalResults"], 1);
    assert_eq!(c.sim.users().len(), 1);
    assert_eq!(c.sim.stats().dropped, 1);
}

#[test]
fn drops_before_apply_lose_the_write() {
    let faults = Faults::none()
        .drops(Trigger::nth(1))
        .drop_after_apply(false);
    let mut c = Client::new(Flavor::Generic, faults, 1);
    let request = create(&c, 0);
    assert!(c.try_send(&request).is_none());
    assert!(c.sim.users().is_empty());
    assert!(!c.sim.log()[0].processed);
    assert_eq!(c.send(&request).status, 201);
}

#[test]
fn truncated_bodies_keep_status_and_apply() {
    let mut c = Client::new(
        Flavor::Generic,
        Faults::none().truncated_bodies(Trigger::nth(1)),
        1,
    );
    let request = create(&c, 0);
    let r = c.send(&request);
    assert_eq!(r.status, 201);
    assert_eq!(c.sim.users().len(), 1);
    let full = serde_json::to_string(&c.sim.users()[0]).unwrap();
    assert!(!r.body.is_empty() && r.body.len() < full.len());
    assert!(serde_json::from_str::<serde_json::Value>(&r.body).is_err());
    let options = DecodeOptions::default().with_create_statuses(vec![201]);
    assert!(matches!(
        decode_user(Expect::Create, &r, &options),
        Err(DecodeError::NotJson { .. })
    ));
    assert_eq!(c.sim.log()[0].faults, [FaultKind::Truncated]);
}

#[test]
fn answers_lost_after_commit_apply_the_write_and_lose_only_the_answer() {
    let on_group_posts = |n| {
        Trigger::nth(n)
            .on(Method::Post)
            .on_endpoint(Endpoint::Groups)
    };
    let faults = Faults::none()
        // Global toggles that would keep a drop or a 5xx from applying do not matter here.
        .drop_after_apply(false)
        .lose_after_commit(on_group_posts(1), LostAnswer::Dropped)
        .lose_after_commit(on_group_posts(2), LostAnswer::Truncated)
        .lose_after_commit(on_group_posts(3), LostAnswer::ServerError(502))
        .lose_after_commit(Trigger::nth(1).on(Method::Post), LostAnswer::Dropped);
    let mut c = Client::new(Flavor::Generic, faults, 1);
    let group = |c: &Client, i: usize| c.enc.create_group(&Group::new(format!("g{i}"))).unwrap();
    assert!(c.try_send(&group(&c, 0)).is_none(), "dropped");
    let truncated = c.send(&group(&c, 1));
    assert_eq!(truncated.status, 201);
    assert!(serde_json::from_str::<serde_json::Value>(&truncated.body).is_err());
    let gateway = c.send(&group(&c, 2));
    assert_eq!(gateway.status, 502);
    assert!(gateway.body.starts_with("<!DOCTYPE html>"));
    assert_eq!(c.send(&group(&c, 3)).status, 201, "the fourth is untouched");
    // The last entry counts POSTs of any endpoint: its first was the first group's, which
    // the first entry had already decided.
    assert_eq!(c.send(&create(&c, 0)).status, 201);
    assert_eq!(c.sim.groups().len(), 4, "every group was committed");
    let log = c.sim.log();
    assert!(log.iter().all(|e| e.processed));
    assert_eq!(log[0].faults, [FaultKind::Dropped]);
    assert_eq!(log[1].faults, [FaultKind::Truncated]);
    assert_eq!(log[2].faults, [FaultKind::ServerError]);
    assert!(log[3].faults.is_empty() && log[4].faults.is_empty());
    // Per mille: seeded, and each entry draws on its own.
    let lost = |seed| {
        let faults = Faults::none().lose_after_commit(Trigger::per_mille(300), LostAnswer::Dropped);
        let mut c = Client::new(Flavor::Airtable, faults, seed);
        let out = statuses(&mut c, 50);
        assert_eq!(c.sim.users().len(), 50, "all committed");
        out
    };
    assert_eq!(lost(5), lost(5));
    let dropped = lost(5).iter().filter(|s| s.is_none()).count();
    assert!((5..=30).contains(&dropped), "{dropped}");
}

#[test]
fn group_names_can_be_left_not_unique() {
    let post = |c: &mut Client| {
        let g = c.enc.create_group(&Group::new("Team")).unwrap();
        c.send(&g).status
    };
    let mut strict = Client::new(Flavor::Generic, Faults::none(), 1);
    assert_eq!([post(&mut strict), post(&mut strict)], [201, 409]);
    let mut lax = Client::new(Flavor::Generic, Faults::none().duplicate_group_names(), 1);
    assert_eq!([post(&mut lax), post(&mut lax)], [201, 201]);
    assert_eq!(lax.sim.groups().len(), 2);
}

#[test]
fn escaped_quotes_in_filters_can_be_refused() {
    let mut c = Client::new(Flavor::Generic, Faults::none().reject_escaped_quotes(), 1);
    c.sim.seed_user(User::new(r#"o"hara@x.com"#));
    let query = |name: &str| ListQuery::filtered(Filter::eq("userName", name));
    let quoted = c
        .enc
        .list(ResourceKind::User, &query(r#"o"hara@x.com"#))
        .unwrap();
    let r = c.send(&quoted);
    assert_eq!(r.status, 400);
    assert_eq!(error_of(&r).1.as_deref(), Some("invalidFilter"));
    let plain = c.enc.list(ResourceKind::User, &query("a@x.com")).unwrap();
    assert_eq!(c.send(&plain).status, 200);
    let all = c
        .enc
        .list(ResourceKind::User, &ListQuery::default())
        .unwrap();
    assert_eq!(json(&c.send(&all))["totalResults"], 1);
}

#[test]
fn invalid_json_bodies() {
    let faults = Faults::none().invalid_json_bodies(Trigger::nth(2).on(Method::Get));
    let mut c = Client::new(Flavor::Airtable, faults, 1);
    let id = c.sim.seed_user(User::new("a@x.com"));
    let get = c.enc.get(ResourceKind::User, &id).unwrap();
    assert_eq!(json(&c.send(&get))["id"], id.as_str());
    let r = c.send(&get);
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("<!DOCTYPE html>"));
    assert_eq!(r.header("content-type"), Some("text/html"));
    // A DELETE's empty 204 is never corrupted, even when the trigger fires on everything.
    let faults = Faults::none().invalid_json_bodies(Trigger::per_mille(1000));
    let mut c = Client::new(Flavor::Airtable, faults, 1);
    let id = c.sim.seed_user(User::new("a@x.com"));
    let r = c.send(&c.enc.delete(ResourceKind::User, &id).unwrap());
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    assert!(c.sim.log()[0].faults.is_empty());
}

#[test]
fn triggers_can_be_scoped_to_methods_and_endpoints() {
    let faults = Faults::none()
        .server_errors(
            Trigger::nth(2)
                .on(Method::Post)
                .on_endpoint(Endpoint::Groups),
        )
        .server_error_statuses(&[502]);
    let mut c = Client::new(Flavor::Generic, faults, 1);
    let mut out = Vec::new();
    for i in 0..3 {
        out.push(c.send(&create(&c, i)).status);
        let g = c.enc.create_group(&Group::new(format!("g{i}"))).unwrap();
        out.push(c.send(&g).status);
        out.push(c.raw(Method::Get, "/scim/v2/Groups", None).status);
    }
    assert_eq!(out, [201, 201, 200, 201, 502, 200, 201, 201, 200]);
}

#[test]
fn same_seed_same_log() {
    let faults = || {
        Faults::none()
            .latency_ms(30)
            .jitter_ms(20)
            .rate_limit(50, 10)
            .throttle(Trigger::per_mille(30))
            .server_errors(Trigger::per_mille(50))
            .drops(Trigger::per_mille(50))
            .truncated_bodies(Trigger::per_mille(30))
            .invalid_json_bodies(Trigger::per_mille(30))
            .unstable_order()
    };
    let run = |seed: u64| {
        let mut c = Client::new(Flavor::Generic, faults(), seed);
        let mut replies = Vec::new();
        for i in 0..300 {
            let request = match i % 4 {
                0 => create(&c, i),
                1 => raw(Method::Get, "/scim/v2/Users?count=5", None),
                2 => c.enc.create_group(&Group::new(format!("g{i}"))).unwrap(),
                _ => raw(Method::Get, "/scim/v2/Groups", None),
            };
            replies.push(c.sim.handle(&request, i as u64 * 7));
        }
        (replies, c.sim.log().to_vec(), c.sim.users(), c.sim.stats())
    };
    let a = run(42);
    let b = run(42);
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
    assert_eq!(a.3, b.3);
    let kinds: std::collections::BTreeSet<FaultKind> =
        a.1.iter().flat_map(|r| r.faults.clone()).collect();
    assert!(kinds.len() >= 5, "the mix fired: {kinds:?}");
    let other = run(43);
    assert_ne!(a.1, other.1);
}

#[test]
fn stats_summarize_the_log() {
    let faults = Faults::none()
        .latency_ms(100)
        .throttle(Trigger::nth(1))
        .server_errors(Trigger::nth(2))
        .drops(Trigger::nth(3))
        .server_error_statuses(&[503]);
    let mut sim = Simulator::new(Flavor::Generic, "/scim/v2", faults, 1);
    let get = raw(Method::Get, "/scim/v2/Users", None);
    let post = raw(
        Method::Post,
        "/scim/v2/Groups",
        Some(r#"{"displayName":"G"}"#),
    );
    for (i, at) in [0u64, 10, 20, 30, 40, 2_000].into_iter().enumerate() {
        let r = if i % 2 == 0 { &get } else { &post };
        let _ = sim.handle(r, at);
    }
    let s = sim.stats();
    assert_eq!(s.requests, 6);
    assert_eq!((s.throttled, s.server_errors, s.dropped), (1, 1, 1));
    assert_eq!(s.by_method[&Method::Get], 3);
    assert_eq!(s.by_endpoint[&(Method::Post, Endpoint::Groups)], 3);
    assert_eq!(s.by_status[&429], 1);
    assert_eq!(s.max_requests_per_second, 5);
    // Requests at 0, 10, 30, 40 overlap (100 ms latency); the one at 20 was dropped.
    assert_eq!(s.max_in_flight, 4);
    assert_eq!(s.processed, 4);
}
