//! The engine driven by scripted servers on a virtual clock: retries and backoff,
//! `Retry-After`, 409 adoption, fatal 401, refusal modes, pacing, abort and determinism.

use std::collections::BTreeMap;

use scim_provision::engine::{
    ActionError, ActionResult, Engine, EngineConfig, EngineError, Event, Input, Mode, Output,
    RequestId, RunReport, RunStatus,
};
use scim_provision::http::{HttpRequest, HttpResponse, Method};
use scim_provision::plan::DesiredState;
use scim_provision::profile::Profile;
use serde_json::json;

/// What a scripted server does with one request.
enum Reply {
    Now(HttpResponse),
    Fail(&'static str),
}

struct Run {
    report: RunReport,
    /// (time sent, method, path) of every request.
    sent: Vec<(u64, Method, String)>,
    events: Vec<Event>,
}

/// Drives `engine` to the end; every answer arrives `latency` ms after its request.
fn drive(
    mut engine: Engine,
    latency: u64,
    mut server: impl FnMut(&HttpRequest, u64) -> Reply,
) -> Run {
    let mut now = 1_000_000u64;
    let mut pending: BTreeMap<(u64, u64), (RequestId, Reply)> = BTreeMap::new();
    let mut sent = Vec::new();
    let mut events = Vec::new();
    for _ in 0..1_000_000 {
        match engine.poll_output(now) {
            Output::Send { id, request } => {
                sent.push((now, request.method, request.path.clone()));
                let reply = server(&request, now);
                pending.insert((now + latency, id.0), (id, reply));
            }
            Output::Event { event } => events.push(event),
            Output::Wait { until_ms } => {
                let next_answer = pending.keys().next().map(|k| k.0);
                now = match (until_ms, next_answer) {
                    (Some(a), Some(b)) => a.min(b),
                    (Some(a), None) => a,
                    (None, Some(b)) => b,
                    (None, None) => panic!("engine waits for nothing"),
                }
                .max(now);
                let due: Vec<_> = pending.keys().filter(|k| k.0 <= now).cloned().collect();
                for k in due {
                    let (id, reply) = pending.remove(&k).unwrap();
                    let input = match reply {
                        Reply::Now(response) => Input::Response { id, response },
                        Reply::Fail(reason) => Input::Failed {
                            id,
                            reason: reason.into(),
                        },
                    };
                    engine.handle_input(input, now).unwrap();
                }
            }
            Output::Done { report } => {
                return Run {
                    report: *report,
                    sent,
                    events,
                }
            }
            _ => {}
        }
    }
    panic!("the run did not finish");
}

fn ok(body: serde_json::Value) -> Reply {
    Reply::Now(HttpResponse::new(200, body.to_string()))
}

fn list(resources: serde_json::Value) -> Reply {
    let n = resources.as_array().map_or(0, Vec::len);
    ok(json!({"totalResults": n, "itemsPerPage": n, "startIndex": 1, "Resources": resources}))
}

fn error(status: u16, scim_type: Option<&str>) -> Reply {
    let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status, "detail": "scripted"});
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    Reply::Now(HttpResponse::new(status, body.to_string()))
}

fn desired(json: serde_json::Value) -> DesiredState {
    DesiredState::from_json(&json.to_string()).unwrap()
}

fn engine(profile: Profile, mode: Mode, d: DesiredState) -> Engine {
    let mut config = EngineConfig::new("/scim/v2", profile, mode);
    config.seed = 42;
    Engine::new(config, d).unwrap()
}

fn is_list(r: &HttpRequest, endpoint: &str) -> bool {
    r.method == Method::Get && r.path.starts_with(&format!("/scim/v2/{endpoint}?"))
}

#[test]
fn plan_only_lists_then_plans_and_sends_nothing_else() {
    let e = engine(
        Profile::airtable(),
        Mode::PlanOnly,
        desired(json!({"users": [{"userName": "a@x.com"}]})),
    );
    let run = drive(e, 50, |r, _| {
        assert!(is_list(r, "Users") || is_list(r, "Groups"), "{r:?}");
        list(json!([]))
    });
    assert_eq!(run.report.status, RunStatus::Planned);
    assert_eq!(run.sent.len(), 2);
    assert!(
        run.sent[1].2.starts_with("/scim/v2/Groups?count="),
        "no startIndex on Airtable groups"
    );
    assert_eq!(run.report.plan.unwrap().summary.create_users, 1);
    assert!(run
        .events
        .iter()
        .any(|e| matches!(e, Event::Planned { .. })));
}

#[test]
fn discovery_404_falls_back_and_200_refines() {
    let d = desired(json!({"users": [{"userName": "a@x.com", "title": "New"}]}));
    let user = json!([{"id": "u1", "userName": "a@x.com", "title": "Old", "active": true}]);
    // 404: the generic profile stays, updates are PATCHes.
    let run = drive(
        engine(Profile::generic(), Mode::PlanAndApply, d.clone()),
        10,
        |r, _| match (r.method, r.path.as_str()) {
            (Method::Get, "/scim/v2/ServiceProviderConfig") => error(404, None),
            _ if is_list(r, "Users") => list(user.clone()),
            _ if is_list(r, "Groups") => list(json!([])),
            (Method::Patch, "/scim/v2/Users/u1") => {
                ok(json!({"id": "u1", "userName": "a@x.com", "title": "New"}))
            }
            other => panic!("unexpected {other:?}"),
        },
    );
    assert_eq!(run.report.status, RunStatus::Applied);
    assert!(run
        .report
        .warnings
        .iter()
        .any(|w| w.contains("no ServiceProviderConfig")));
    // 200 without PATCH: the update becomes a PUT.
    let run = drive(
        engine(Profile::generic(), Mode::PlanAndApply, d),
        10,
        |r, _| match (r.method, r.path.as_str()) {
            (Method::Get, "/scim/v2/ServiceProviderConfig") => ok(
                json!({"patch": {"supported": false}, "filter": {"supported": true, "maxResults": 50}}),
            ),
            _ if is_list(r, "Users") => {
                assert!(
                    r.path.contains("count=50"),
                    "page size capped by maxResults: {}",
                    r.path
                );
                list(user.clone())
            }
            _ if is_list(r, "Groups") => list(json!([])),
            (Method::Put, "/scim/v2/Users/u1") => {
                ok(json!({"id": "u1", "userName": "a@x.com", "title": "New"}))
            }
            other => panic!("unexpected {other:?}"),
        },
    );
    assert_eq!(run.report.status, RunStatus::Applied);
}

#[test]
fn rate_limits_honour_retry_after_and_the_profile_default() {
    let d = desired(json!({"users": [{"userName": "a@x.com"}]}));
    let mut calls = 0;
    let run = drive(
        engine(Profile::airtable(), Mode::PlanAndApply, d),
        10,
        |r, _| {
            if r.method == Method::Post {
                calls += 1;
                return match calls {
                    1 => {
                        let mut resp = HttpResponse::new(429, "");
                        resp.headers.push(("Retry-After".into(), "7".into()));
                        Reply::Now(resp)
                    }
                    2 => Reply::Now(HttpResponse::new(429, "")), // no header: Airtable's 30 s
                    _ => ok(json!({"id": "usr1", "userName": "a@x.com"})),
                };
            }
            list(json!([]))
        },
    );
    assert_eq!(run.report.status, RunStatus::Applied);
    let posts: Vec<u64> = run
        .sent
        .iter()
        .filter(|s| s.1 == Method::Post)
        .map(|s| s.0)
        .collect();
    assert_eq!(posts.len(), 3);
    assert!(posts[1] - posts[0] >= 7_000 + 10, "{posts:?}");
    assert!(posts[2] - posts[1] >= 30_000 + 10, "{posts:?}");
    assert_eq!(run.report.retries, 2);
    assert_eq!(run.report.waited_ms, 37_000);
}

#[test]
fn server_errors_back_off_and_are_bounded() {
    let d = desired(json!({"users": [{"userName": "a@x.com"}, {"userName": "b@x.com"}]}));
    let run = drive(
        engine(Profile::airtable(), Mode::PlanAndApply, d),
        10,
        |r, _| {
            if r.method == Method::Post {
                let body: serde_json::Value =
                    serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                return if body["userName"] == "a@x.com" {
                    error(503, None)
                } else {
                    ok(json!({"id": "usr2", "userName": "b@x.com"}))
                };
            }
            list(json!([]))
        },
    );
    assert_eq!(run.report.status, RunStatus::PartiallyApplied);
    let a_posts: Vec<u64> = run
        .sent
        .iter()
        .filter(|s| s.1 == Method::Post)
        .map(|s| s.0)
        .collect();
    // 5 attempts for a (the default), 1 for b; gaps grow.
    assert_eq!(a_posts.len(), 6);
    let outcome = &run
        .report
        .outcomes
        .iter()
        .find(|o| o.subject == "a@x.com")
        .unwrap()
        .result;
    match outcome {
        ActionResult::Failed {
            error: ActionError::Server(e),
        } => assert_eq!(e.http_status, 503),
        other => panic!("{other:?}"),
    }
    let b = &run
        .report
        .outcomes
        .iter()
        .find(|o| o.subject == "b@x.com")
        .unwrap()
        .result;
    assert_eq!(b, &ActionResult::Applied, "independent actions continue");
}

#[test]
fn conflict_on_create_is_adopted_and_updated() {
    let d = desired(json!({"users": [{"userName": "a@x.com", "title": "Lead"}],
                           "groups": [{"displayName": "G", "members": ["a@x.com"]}]}));
    let run = drive(
        engine(Profile::airtable(), Mode::PlanAndApply, d),
        10,
        |r, _| match (r.method, r.path.as_str()) {
            (Method::Post, "/scim/v2/Users") => error(409, Some("uniqueness")),
            (Method::Get, p) if p.starts_with("/scim/v2/Users?filter=") => {
                assert!(p.contains("userName%20eq%20%22a%40x.com%22"), "{p}");
                list(json!([{"id": "usrA", "userName": "A@x.com", "title": "Eng", "active": true}]))
            }
            (Method::Patch, "/scim/v2/Users/usrA") => {
                assert!(r.body.as_deref().unwrap().contains("\"Lead\""));
                ok(json!({"id": "usrA", "userName": "a@x.com", "title": "Lead"}))
            }
            (Method::Post, "/scim/v2/Groups") => ok(json!({"id": "ugpG", "displayName": "G"})),
            (Method::Patch, "/scim/v2/Groups/ugpG") => {
                assert!(
                    r.body.as_deref().unwrap().contains("usrA"),
                    "member added by the adopted id"
                );
                ok(json!({"id": "ugpG", "displayName": "G"}))
            }
            _ if is_list(r, "Users") || is_list(r, "Groups") => list(json!([])),
            other => panic!("unexpected {other:?}"),
        },
    );
    assert_eq!(
        run.report.status,
        RunStatus::Applied,
        "{:?}",
        run.report.outcomes
    );
    assert_eq!(
        run.report.outcomes[0].result,
        ActionResult::Adopted {
            id: "usrA".into(),
            updated: true,
            lookup_error: None,
        }
    );
    // No lookup before the POST: the first user request after listing is the POST.
    let first_write = run.sent.iter().position(|s| s.1 == Method::Post).unwrap();
    let first_lookup = run
        .sent
        .iter()
        .position(|s| s.2.contains("filter="))
        .unwrap();
    assert!(first_write < first_lookup);
}

#[test]
fn not_found_on_update_is_drift_and_the_user_is_recreated() {
    let d = desired(json!({"users": [{"userName": "a@x.com", "title": "New",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"manager": {"value": "m1", "displayName": "Boss"}}}]}));
    let mut profile = Profile::airtable();
    profile.manager_display_name_writable = false;
    let mut created = None;
    let run = drive(engine(profile, Mode::PlanAndApply, d), 10, |r, _| {
        match (r.method, r.path.as_str()) {
            (Method::Patch, "/scim/v2/Users/u1") => error(404, None),
            (Method::Post, "/scim/v2/Users") => {
                created = r.body.clone();
                ok(json!({"id": "u2", "userName": "a@x.com"}))
            }
            _ if is_list(r, "Users") => {
                list(json!([{"id": "u1", "userName": "a@x.com", "title": "Old", "active": true}]))
            }
            _ => list(json!([])),
        }
    });
    assert!(
        matches!(&run.report.outcomes[0].result, ActionResult::Drift { detail } if detail.contains("created again"))
    );
    assert_eq!(run.report.status, RunStatus::PartiallyApplied);
    // The directory leaves `active` out; the create says it, as every user create does.
    let body: serde_json::Value = serde_json::from_str(&created.unwrap()).unwrap();
    assert_eq!(body["active"], true);
    // The same body as a planned create: the schemas its extension needs, and no manager
    // name where the profile says the server treats it as read-only.
    assert_eq!(
        body["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ])
    );
    let manager = &body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"];
    assert_eq!(manager, &json!({"value": "m1"}));
}

#[test]
fn unauthorized_ends_the_run_with_a_clear_error() {
    let run = drive(
        engine(Profile::airtable(), Mode::PlanOnly, DesiredState::default()),
        10,
        |_, _| error(401, None),
    );
    assert_eq!(run.report.status, RunStatus::Failed);
    assert!(run.report.reason.as_deref().unwrap().contains("HTTP 401"));
    assert_eq!(run.report.error.as_ref().unwrap().http_status, 401);
}

#[test]
fn a_failed_listing_page_blocks_every_removal() {
    let d = desired(json!({"users": [{"userName": "a@x.com"}]}));
    let mut profile = Profile::airtable();
    profile.users.page_size = 1;
    let run = drive(engine(profile, Mode::PlanAndApply, d), 10, |r, _| {
        if is_list(r, "Users") {
            if r.path.contains("startIndex=1&") {
                return ok(
                    json!({"totalResults": 2, "Resources": [{"id": "u1", "userName": "a@x.com", "active": true}]}),
                );
            }
            return Reply::Fail("connection reset");
        }
        list(json!([]))
    });
    assert_eq!(run.report.status, RunStatus::Refused);
    assert!(!run.report.listing.complete);
    assert!(
        run.report.listing.problems[0].contains("connection reset"),
        "{:?}",
        run.report.listing.problems
    );
    assert!(
        run.sent.iter().all(|s| s.1 == Method::Get),
        "nothing written"
    );
}

#[test]
fn a_listing_without_its_first_page_fails_the_run() {
    // Unreachable: nothing could be listed, so there is no plan (it would create everyone).
    let d = desired(json!({"users": [{"userName": "a@x.com"}]}));
    // With discovery, the first request tells: the run ends after its attempts alone.
    let run = drive(
        engine(Profile::generic(), Mode::PlanAndApply, d.clone()),
        10,
        |_, _| Reply::Fail("connection refused"),
    );
    assert_eq!(run.report.status, RunStatus::Failed);
    assert_eq!(
        run.report.reason.as_deref(),
        Some("could not reach the server: connection refused")
    );
    assert!(run
        .sent
        .iter()
        .all(|s| s.2.ends_with("/ServiceProviderConfig")));
    // Without discovery, the listing's first page does.
    let run = drive(
        engine(Profile::airtable(), Mode::PlanAndApply, d.clone()),
        10,
        |_, _| Reply::Fail("connection refused"),
    );
    assert_eq!(run.report.status, RunStatus::Failed);
    let reason = run.report.reason.as_deref().unwrap();
    assert!(reason.starts_with("could not list "), "{reason}");
    assert!(reason.contains("connection refused"), "{reason}");
    assert!(run.report.plan.is_none());
    assert!(run.sent.iter().all(|s| s.1 == Method::Get));

    // A wrong base path: the server's 404 is the run's error.
    let run = drive(
        engine(Profile::airtable(), Mode::PlanOnly, d),
        10,
        |r, _| {
            if is_list(r, "Users") {
                error(404, None)
            } else {
                list(json!([]))
            }
        },
    );
    assert_eq!(run.report.status, RunStatus::Failed);
    assert!(run
        .report
        .reason
        .as_deref()
        .unwrap()
        .starts_with("could not list Users"));
    assert_eq!(run.report.error.as_ref().unwrap().http_status, 404);
}

#[test]
fn an_approved_plan_is_refused_when_the_server_changed() {
    let d = desired(json!({"users": [{"userName": "a@x.com", "title": "New"}]}));
    let server = |title: &'static str| {
        move |r: &HttpRequest, _| match r.method {
            Method::Patch => ok(json!({"id": "u1", "userName": "a@x.com"})),
            _ if is_list(r, "Users") => {
                list(json!([{"id": "u1", "userName": "a@x.com", "title": title, "active": true}]))
            }
            _ => list(json!([])),
        }
    };
    let planned = drive(
        engine(Profile::airtable(), Mode::PlanOnly, d.clone()),
        10,
        server("Old"),
    )
    .report
    .plan
    .unwrap();
    // Unchanged server: applied.
    let mode = Mode::ApplyApproved {
        plan: Box::new(planned.clone()),
        replan: false,
    };
    let run = drive(
        engine(Profile::airtable(), mode, d.clone()),
        10,
        server("Old"),
    );
    assert_eq!(run.report.status, RunStatus::Applied);
    // Someone changed the title meanwhile: refused, unless told to re-plan.
    let mode = Mode::ApplyApproved {
        plan: Box::new(planned.clone()),
        replan: false,
    };
    let run = drive(
        engine(Profile::airtable(), mode, d.clone()),
        10,
        server("Other"),
    );
    assert_eq!(run.report.status, RunStatus::Refused);
    assert_eq!(
        run.report.reason.as_deref(),
        Some("the server changed since the plan was made; plan again and review")
    );
    assert!(run.sent.iter().all(|s| s.1 == Method::Get));
    let mode = Mode::ApplyApproved {
        plan: Box::new(planned),
        replan: true,
    };
    let run = drive(engine(Profile::airtable(), mode, d), 10, server("Other"));
    assert_eq!(run.report.status, RunStatus::Applied);
}

#[test]
fn an_approved_plan_says_whether_it_was_edited_or_made_from_other_inputs() {
    let d = desired(json!({"users": [{"userName": "a@x.com", "title": "New"}]}));
    let server = |r: &HttpRequest, _| match r.method {
        Method::Patch => ok(json!({"id": "u1", "userName": "a@x.com"})),
        _ if is_list(r, "Users") => {
            list(json!([{"id": "u1", "userName": "a@x.com", "title": "Old", "active": true}]))
        }
        _ => list(json!([])),
    };
    let planned = drive(
        engine(Profile::airtable(), Mode::PlanOnly, d.clone()),
        10,
        server,
    )
    .report
    .plan
    .unwrap();
    let approve = |plan: &scim_provision::plan::Plan, replan: bool, d: &DesiredState| {
        let mode = Mode::ApplyApproved {
            plan: Box::new(plan.clone()),
            replan,
        };
        drive(engine(Profile::airtable(), mode, d.clone()), 10, server)
    };
    // An action edited in the saved plan (here through its JSON): refused as edited, even
    // with `replan`, and nothing but the listing is sent.
    let mut json = serde_json::to_value(&planned).unwrap();
    json["actions"][0]["changes"][0]["after"] = json!("Other");
    let edited: scim_provision::plan::Plan = serde_json::from_value(json).unwrap();
    for replan in [false, true] {
        let run = approve(&edited, replan, &d);
        assert_eq!(run.report.status, RunStatus::Refused);
        assert_eq!(
            run.report.reason.as_deref(),
            Some("the plan file was edited after it was made (its actions or guards no longer match its digest)")
        );
        assert!(run.sent.iter().all(|s| s.1 == Method::Get));
    }
    // A plan from before plans carried a digest is refused as such.
    let mut old = planned.clone();
    old.digest = None;
    let run = approve(&old, false, &d);
    assert_eq!(run.report.status, RunStatus::Refused);
    assert!(run.report.reason.unwrap().contains("carries no digest"));
    // The same server, another directory: not a server change.
    let other = desired(json!({"users": [{"userName": "a@x.com", "title": "Newer"}]}));
    let run = approve(&planned, false, &other);
    assert_eq!(run.report.status, RunStatus::Refused);
    assert_eq!(
        run.report.reason.as_deref(),
        Some("the directory or policy given is not the one the plan was made from; plan again and review")
    );
    // Intact: applied.
    assert_eq!(
        approve(&planned, false, &d).report.status,
        RunStatus::Applied
    );
}

#[test]
fn blocked_plans_need_an_explicit_override() {
    let users = json!([{"id": "u1", "userName": "a@x.com", "active": true}]);
    let server = |r: &HttpRequest, _| match r.method {
        Method::Patch => ok(json!({"id": "u1", "userName": "a@x.com"})),
        _ if is_list(r, "Users") => list(users.clone()),
        _ => list(json!([])),
    };
    let run = drive(
        engine(
            Profile::airtable(),
            Mode::PlanAndApply,
            DesiredState::default(),
        ),
        10,
        server,
    );
    assert_eq!(run.report.status, RunStatus::Refused);
    assert!(run.report.reason.unwrap().contains("blocked"));
    let mut config = EngineConfig::new("/scim/v2", Profile::airtable(), Mode::PlanAndApply);
    config.allow_blocked = true;
    let run = drive(
        Engine::new(config, DesiredState::default()).unwrap(),
        10,
        server,
    );
    assert_eq!(run.report.status, RunStatus::Applied);
}

#[test]
fn airtable_pacing_never_exceeds_five_per_second() {
    let users: Vec<_> = (0..40)
        .map(|i| json!({"userName": format!("u{i:02}@x.com")}))
        .collect();
    let run = drive(
        engine(
            Profile::airtable(),
            Mode::PlanAndApply,
            desired(json!({"users": users})),
        ),
        1,
        |r, _| {
            if r.method == Method::Post {
                let body: serde_json::Value =
                    serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                return ok(
                    json!({"id": format!("id-{}", body["userName"].as_str().unwrap()), "userName": body["userName"]}),
                );
            }
            list(json!([]))
        },
    );
    assert_eq!(run.report.status, RunStatus::Applied);
    let times: Vec<u64> = run.sent.iter().map(|s| s.0).collect();
    // Token bucket: any window of w ms holds at most 5 + 5 * w / 1000 requests.
    for (i, &t0) in times.iter().enumerate() {
        for (j, &t1) in times.iter().enumerate().skip(i) {
            let allowed = 5 + (5 * (t1 - t0)) / 1000;
            assert!(
                (j - i + 1) as u64 <= allowed,
                "requests {i}..={j} in {} ms",
                t1 - t0
            );
        }
    }
    // And it is not slower than needed: 42 requests at 5/s after a burst of 5.
    assert!(
        times.last().unwrap() - times[0] <= 7_500,
        "{}",
        times.last().unwrap() - times[0]
    );
}

/// Aborted with writes in flight: nothing more is sent, their answers are still read (the
/// report says they were applied), then the run ends; a second abort ends it at once.
#[test]
fn abort_reads_the_answers_in_flight_then_stops() {
    for second_abort in [false, true] {
        let users: Vec<_> = (0..6)
            .map(|i| json!({"userName": format!("u{i}@x.com")}))
            .collect();
        let mut e = engine(
            Profile::generic(),
            Mode::PlanAndApply,
            desired(json!({"users": users})),
        );
        let mut now = 0;
        // Listing answered at once; the creates (4 in flight at most) held.
        let (mut creates, mut reads) = (Vec::new(), 0);
        loop {
            match e.poll_output(now) {
                Output::Send { id, request } if request.method == Method::Post => creates.push(id),
                Output::Send { id, .. } => {
                    reads += 1;
                    let empty = HttpResponse::new(200, r#"{"totalResults":0,"Resources":[]}"#);
                    e.handle_input(
                        Input::Response {
                            id,
                            response: empty,
                        },
                        now,
                    )
                    .unwrap();
                }
                Output::Wait { .. } if !creates.is_empty() => break,
                Output::Wait { until_ms } => now = until_ms.unwrap_or(now + 1),
                _ => {}
            }
        }
        assert_eq!(creates.len(), 4);
        e.abort();
        assert_eq!(e.poll_output(now), Output::Wait { until_ms: None });
        if second_abort {
            e.abort();
        }
        for (i, id) in creates.into_iter().enumerate() {
            let body = json!({"id": format!("id{i}"), "userName": format!("u{i}@x.com")});
            let response = HttpResponse::new(201, body.to_string());
            e.handle_input(Input::Response { id, response }, now)
                .unwrap();
        }
        let report = loop {
            match e.poll_output(now) {
                Output::Event { .. } => {}
                Output::Done { report } => break report,
                other => panic!("done once the answers are in, not {other:?}"),
            }
        };
        assert_eq!(report.status, RunStatus::Aborted);
        let count = |r: &ActionResult| report.outcomes.iter().filter(|o| o.result == *r).count();
        let applied = if second_abort { 0 } else { 4 };
        assert_eq!(
            (count(&ActionResult::Applied), count(&ActionResult::NotRun)),
            (applied, 6 - applied)
        );
        assert_eq!(
            report.requests_sent,
            reads + 4,
            "nothing sent after the abort"
        );
    }
}

#[test]
fn abort_reports_what_was_done() {
    let users: Vec<_> = (0..10)
        .map(|i| json!({"userName": format!("u{i}@x.com")}))
        .collect();
    let mut e = engine(
        Profile::airtable(),
        Mode::PlanAndApply,
        desired(json!({"users": users})),
    );
    let mut now = 0;
    let mut creates = 0;
    loop {
        match e.poll_output(now) {
            Output::Send { id, request } => {
                let response = if request.method == Method::Post {
                    creates += 1;
                    HttpResponse::new(
                        200,
                        json!({"id": format!("id{creates}"), "userName": "x"}).to_string(),
                    )
                } else {
                    HttpResponse::new(200, r#"{"totalResults":0,"Resources":[]}"#)
                };
                e.handle_input(Input::Response { id, response }, now)
                    .unwrap();
                if creates == 3 {
                    e.abort();
                }
            }
            Output::Wait { until_ms } => now = until_ms.unwrap_or(now + 1),
            Output::Done { report } => {
                assert_eq!(report.status, RunStatus::Aborted);
                let applied = report
                    .outcomes
                    .iter()
                    .filter(|o| o.result == ActionResult::Applied)
                    .count();
                let not_run = report
                    .outcomes
                    .iter()
                    .filter(|o| o.result == ActionResult::NotRun)
                    .count();
                assert_eq!((applied, not_run), (3, 7));
                break;
            }
            _ => {}
        }
    }
}

#[test]
fn misuse_is_an_error_and_runs_are_deterministic() {
    let mut e = engine(Profile::airtable(), Mode::PlanOnly, DesiredState::default());
    let bogus = Input::Response {
        id: RequestId(99),
        response: HttpResponse::new(200, ""),
    };
    assert_eq!(
        e.handle_input(bogus, 0),
        Err(EngineError::UnknownRequest(RequestId(99)))
    );

    let d = desired(json!({"users": [{"userName": "a@x.com"}, {"userName": "b@x.com"}]}));
    let script = |r: &HttpRequest, _: u64| {
        if r.method == Method::Post {
            return error(503, None);
        }
        list(json!([]))
    };
    let a = drive(
        engine(Profile::airtable(), Mode::PlanAndApply, d.clone()),
        10,
        script,
    );
    let b = drive(
        engine(Profile::airtable(), Mode::PlanAndApply, d),
        10,
        script,
    );
    assert_eq!(a.sent, b.sent);
    assert_eq!(
        serde_json::to_string(&a.report).unwrap(),
        serde_json::to_string(&b.report).unwrap()
    );
    assert_eq!(a.events, b.events);
}
