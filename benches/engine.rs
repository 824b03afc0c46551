//! Engine benchmark: a full sync of 10,000 users and 200 groups (50 members each) into an
//! empty in-memory SCIM server with 50 ms simulated latency, 8 requests in flight and no
//! rate limit, on a virtual clock. Prints the simulated wall time, the requests sent, and
//! the ideal if every in-flight slot were always busy (requests x latency / in flight),
//! measured in the same run. Target: within 10 % of the ideal. `cargo bench --bench engine`.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use scim_provision::engine::{Engine, EngineConfig, Input, Mode, Output, RunStatus};
use scim_provision::http::{HttpRequest, HttpResponse, Method};
use scim_provision::plan::{DesiredGroup, DesiredState, Policy};
use scim_provision::profile::Profile;
use serde_json::{json, Value};

const USERS: usize = 10_000;
const GROUPS: usize = 200;
const MEMBERS: usize = 50;
const LATENCY_MS: u64 = 50;
const IN_FLIGHT: u32 = 8;

/// Just enough of a SCIM server for a sync into an empty tenant.
#[derive(Default)]
struct Server {
    users: usize,
    groups: usize,
    members: HashMap<String, usize>,
}

impl Server {
    fn handle(&mut self, r: &HttpRequest) -> HttpResponse {
        let body: Value = r
            .body
            .as_deref()
            .map_or(Value::Null, |b| serde_json::from_str(b).unwrap());
        let (status, out) = match (r.method, r.path.as_str()) {
            (Method::Get, p) if p.starts_with("/scim/v2/ServiceProviderConfig") => (
                200,
                json!({"patch": {"supported": true}, "filter": {"supported": true, "maxResults": 1000}}),
            ),
            (Method::Get, _) => (200, json!({"totalResults": 0, "Resources": []})),
            (Method::Post, "/scim/v2/Users") => {
                self.users += 1;
                (
                    201,
                    json!({"id": format!("u{}", self.users), "userName": body["userName"]}),
                )
            }
            (Method::Post, "/scim/v2/Groups") => {
                self.groups += 1;
                (
                    201,
                    json!({"id": format!("g{}", self.groups), "displayName": body["displayName"]}),
                )
            }
            (Method::Patch, p) => {
                let added = body["Operations"][0]["value"]
                    .as_array()
                    .map_or(0, Vec::len);
                *self.members.entry(p.to_owned()).or_default() += added;
                (204, Value::Null)
            }
            other => panic!("unexpected {other:?}"),
        };
        let body = if out.is_null() {
            String::new()
        } else {
            out.to_string()
        };
        HttpResponse::new(status, body)
    }
}

fn main() {
    let users: Vec<Value> = (0..USERS)
        .map(|i| {
            json!({"userName": format!("user{i:05}@example.com"), "externalId": format!("E{i}"),
                        "name": {"givenName": "Given", "familyName": format!("F{i}")}})
        })
        .collect();
    let mut desired = DesiredState::from_json(&json!({"users": users}).to_string()).unwrap();
    desired.groups = (0..GROUPS)
        .map(|g| DesiredGroup {
            display_name: format!("Group {g:03}"),
            external_id: None,
            members: (0..MEMBERS)
                .map(|k| format!("user{:05}@example.com", (g * 31 + k * 197) % USERS))
                .collect(),
            member_groups: Vec::new(),
        })
        .collect();
    let mut config = EngineConfig::new("/scim/v2", Profile::generic(), Mode::PlanAndApply);
    config.max_in_flight = IN_FLIGHT;
    config.policy = Policy::default();
    let mut engine = Engine::new(config, desired).unwrap();

    let mut server = Server::default();
    let mut now = 0u64;
    let mut pending: BTreeMap<(u64, u64), (scim_provision::engine::RequestId, HttpResponse)> =
        BTreeMap::new();
    let mut requests = 0u64;
    let cpu = Instant::now();
    let report = loop {
        match engine.poll_output(now) {
            Output::Send { id, request } => {
                requests += 1;
                let response = server.handle(&request);
                pending.insert((now + LATENCY_MS, id.0), (id, response));
            }
            Output::Wait { until_ms } => {
                let next = pending.keys().next().map(|k| k.0);
                now = match (until_ms, next) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).expect("something to wait for"),
                };
                let due: Vec<_> = pending.keys().filter(|k| k.0 <= now).cloned().collect();
                for k in due {
                    let (id, response) = pending.remove(&k).unwrap();
                    engine
                        .handle_input(Input::Response { id, response }, now)
                        .unwrap();
                }
            }
            Output::Done { report } => break report,
            _ => {}
        }
    };
    let cpu = cpu.elapsed();
    assert_eq!(report.status, RunStatus::Applied, "{:?}", report.reason);
    let ideal = requests * LATENCY_MS / u64::from(IN_FLIGHT);
    println!("engine benchmark: {USERS} users, {GROUPS} groups x {MEMBERS} members, {LATENCY_MS} ms latency, {IN_FLIGHT} in flight");
    println!("  requests sent            {requests:>10}");
    println!("  simulated wall time      {:>10.1} s", now as f64 / 1000.0);
    println!(
        "  ideal (req x lat / inflight) {:>6.1} s",
        ideal as f64 / 1000.0
    );
    println!(
        "  ratio simulated / ideal  {:>10.3}   (target <= 1.10)",
        now as f64 / ideal as f64
    );
    println!(
        "  engine CPU time          {:>10.1} ms",
        cpu.as_secs_f64() * 1e3
    );
    println!(
        "  server: {} users, {} groups, {} memberships added",
        server.users,
        server.groups,
        server.members.values().sum::<usize>()
    );
}
