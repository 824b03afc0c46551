//! Planner benchmark: 100,000 users, 5,000 groups, about 1,000,000 memberships, 2 % drift.
//!
//! Prints, from one run: the time serde_json alone takes to parse both inputs (into
//! `serde_json::Value`), the time to decode them into the crate's types, the planning time
//! on already-decoded inputs (everything a caller does to get a `Plan`: `plan()` and
//! `Draft::with_requests`), the ratio planning / serde_json parse (target <= 0.5, issue 18),
//! and peak heap memory (counted by a wrapping global allocator) against the input bytes
//! (target < 3x). Parse and planning are timed alternately, [`RUNS`] times each, and their
//! medians compared: on a shared machine one timing of each swung the ratio by 0.3.
//! Run with `cargo bench --bench plan`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use scim_provision::plan::{plan, ActualState, Cap, DesiredState, Policy};
use scim_provision::profile::Profile;
use scim_provision::request::RequestEncoder;
use serde_json::{json, Value};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size > layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// How many times parse and planning are each timed (alternately).
const RUNS: usize = 9;
const USERS: usize = 100_000;
const GROUPS: usize = 5_000;
const MEMBERS_PER_GROUP: usize = 200;
const DEPTS: [&str; 8] = [
    "Support",
    "Sales",
    "Engineering",
    "Finance",
    "Legal",
    "Ops",
    "Design",
    "HR",
];

fn user(i: usize, title_drift: bool) -> Value {
    json!({
        "userName": format!("user{i:06}@example.com"),
        "externalId": format!("E{i:06}"),
        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{i}")},
        "title": if title_drift { "Senior Specialist" } else { "Specialist" },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": DEPTS[i % DEPTS.len()],
            "costCenter": format!("CC-{}", i % 50),
        }
    })
}

/// (desired JSON, actual JSON). 2 % drift: 0.5 % joiners, 0.5 % leavers, 0.5 % title
/// changes, 0.5 % returners, and 2 % of memberships moved.
fn inputs() -> (String, String) {
    let drift = |i: usize, k: usize| i % 200 == k;
    let mut desired_users = Vec::with_capacity(USERS);
    let mut actual_users = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let joiner = drift(i, 0);
        let leaver = drift(i, 1);
        if !leaver {
            desired_users.push(user(i, drift(i, 2)));
        }
        if !joiner {
            let mut a = user(i, false);
            a["id"] = json!(format!("usr{i:014}"));
            a["active"] = json!(!drift(i, 3));
            actual_users.push(a);
        }
    }
    let mut desired_groups = Vec::with_capacity(GROUPS);
    let mut actual_groups = Vec::with_capacity(GROUPS);
    for g in 0..GROUPS {
        let members: Vec<usize> = (0..MEMBERS_PER_GROUP)
            .map(|k| (g * 37 + k * 499) % USERS)
            .collect();
        let desired_members: Vec<String> = members
            .iter()
            .filter(|&&i| !drift(i, 1))
            .enumerate()
            .map(|(k, &i)| if k % 50 == 7 { (i + 1) % USERS } else { i })
            .filter(|&i| !drift(i, 1))
            .map(|i| format!("user{i:06}@example.com"))
            .collect();
        let actual_members: Vec<Value> = members
            .iter()
            .filter(|&&i| !drift(i, 0))
            .map(|i| json!({"value": format!("usr{i:014}")}))
            .collect();
        desired_groups
            .push(json!({"displayName": format!("Group {g:04}"), "members": desired_members}));
        actual_groups.push(json!({"id": format!("ugp{g:014}"), "displayName": format!("Group {g:04}"), "members": actual_members}));
    }
    let desired = json!({"users": desired_users, "groups": desired_groups}).to_string();
    let actual =
        json!({"users": actual_users, "groups": actual_groups, "complete": true}).to_string();
    (desired, actual)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    let (desired_json, actual_json) = inputs();
    let input_bytes = desired_json.len() + actual_json.len();

    let before_decode = CURRENT.load(Ordering::Relaxed);
    let desired = DesiredState::from_json(&desired_json).unwrap();
    let actual = ActualState::from_json(&actual_json).unwrap();
    let decoded = CURRENT.load(Ordering::Relaxed) - before_decode;

    let memberships: usize = desired.groups.iter().map(|g| g.members.len()).sum();
    let encoder = RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
    let policy = Policy::default().with_max_deactivations(Cap::default());

    let mut planning_peak = 0;
    let (mut parses, mut decodes, mut plans) = (Vec::new(), Vec::new(), Vec::new());
    let mut p = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let v1: Value = serde_json::from_str(&desired_json).unwrap();
        let v2: Value = serde_json::from_str(&actual_json).unwrap();
        parses.push(t.elapsed());
        drop((v1, v2));

        // Decoded again, warm like the parse beside it (the first decode, above, also pays
        // for the fresh pages of the heap it measures).
        let t = Instant::now();
        let d = DesiredState::from_json(&desired_json).unwrap();
        let a = ActualState::from_json(&actual_json).unwrap();
        decodes.push(t.elapsed());
        drop((d, a));

        drop(p.take());
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let t = Instant::now();
        p = Some(
            plan(&desired, &actual, encoder.profile(), &policy)
                .unwrap()
                .with_requests(&encoder),
        );
        plans.push(t.elapsed());
        planning_peak = planning_peak.max(PEAK.load(Ordering::Relaxed) - before);
    }
    let p = p.unwrap();
    drop((desired_json, actual_json));
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (parse, decode, planning) = (
        median(&mut parses),
        median(&mut decodes),
        median(&mut plans),
    );
    let ms = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(" ")
    };

    println!(
        "planner benchmark: {USERS} users, {GROUPS} groups, {memberships} memberships, 2% drift"
    );
    println!("  input                    {:>10.1} MiB", mb(input_bytes));
    println!("  (parse, decode and planning: medians of {RUNS} alternate runs)");
    println!(
        "  serde_json parse (Value) {:>10.1} ms",
        parse.as_secs_f64() * 1e3
    );
    println!(
        "  decode into crate types  {:>10.1} ms",
        decode.as_secs_f64() * 1e3
    );
    println!(
        "  planning                 {:>10.1} ms",
        planning.as_secs_f64() * 1e3
    );
    println!(
        "  ratio planning / parse   {:>10.2}   (target <= 0.50)",
        planning.as_secs_f64() / parse.as_secs_f64()
    );
    println!(
        "  ratio decode / parse     {:>10.2}",
        decode.as_secs_f64() / parse.as_secs_f64()
    );
    println!(
        "  every run (ms): parse {}; decode {}; planning {}",
        ms(&parses),
        ms(&decodes),
        ms(&plans)
    );
    println!(
        "  heap held by decoded inputs {:>7.1} MiB  ({:.2}x input)",
        mb(decoded),
        decoded as f64 / input_bytes as f64
    );
    println!(
        "  peak heap during planning {:>9.1} MiB  ({:.2}x input, target < 3x)",
        mb(planning_peak),
        planning_peak as f64 / input_bytes as f64
    );
    println!(
        "  peak heap overall         {:>9.1} MiB  ({:.2}x input)",
        mb(decoded + planning_peak),
        (decoded + planning_peak) as f64 / input_bytes as f64
    );
    let s = p.summary;
    println!(
        "  plan: {} creates, {} updates, {} reactivations, {} deactivations, +{} / -{} members, {} actions, blocked: {}",
        s.create_users, s.update_users, s.reactivate_users, s.deactivate_users, s.add_members, s.remove_members,
        p.actions.len(), p.blocked.len()
    );
}
