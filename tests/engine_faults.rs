//! The engine against the simulator over a matrix of faults, for both flavours, showing:
//! (a) convergence whenever it is possible; (b) zero wrongful deactivations or deletions;
//! (c) pacing never exceeded; (d) the request count at its lower bound on a clean server,
//! with no lookup before a POST; (e) identical inputs give identical outputs; (f) a run
//! stopped mid-apply and started again converges without duplicates.

use std::collections::{BTreeMap, HashSet};

use scim_provision::engine::{Engine, EngineConfig, Mode, RunReport, RunStatus};
use scim_provision::http::Method;
use scim_provision::model::{EnterpriseUser, Group, Member, User};
use scim_provision::plan::{
    user_key, Action, ActionKind, Cap, DesiredGroup, DesiredState, Policy, Scope,
};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Faults, Flavor, Simulator as Sim, Trigger};

const TIMEOUT_MS: u64 = 5_000;

fn person(i: usize, title: &str, active: bool) -> User {
    let mut u = User::new(format!("u{i:02}@example.com"));
    u.external_id = Some(format!("E{i:02}"));
    u.title = Some(title.into());
    u.active = Some(active);
    u.enterprise = Some(EnterpriseUser {
        department: Some(if i < 10 { "Support" } else { "Sales" }.into()),
        ..Default::default()
    });
    u
}

fn directory() -> DesiredState {
    let users: Vec<User> = (0..30)
        .map(|i| person(i, if i == 3 || i == 4 { "Lead" } else { "Agent" }, i < 25))
        .collect();
    let name = |i: usize| format!("u{i:02}@example.com");
    DesiredState {
        groups: vec![
            DesiredGroup {
                display_name: "Everyone".into(),
                external_id: None,
                members: (0..25).map(name).collect(),
                member_groups: Vec::new(),
            },
            DesiredGroup {
                display_name: "Support".into(),
                external_id: None,
                members: (0..10).map(name).collect(),
                member_groups: Vec::new(),
            },
            DesiredGroup {
                display_name: "New Team".into(),
                external_id: None,
                members: (10..15).map(name).collect(),
                member_groups: Vec::new(),
            },
        ],
        users,
    }
}

fn policy() -> Policy {
    Policy::default()
        .with_scope(Scope::default().with_email_domains(vec!["example.com".into()]))
        .with_protected_user_names(vec!["svc@example.com".into()])
        .with_max_deactivations(Cap::new(Some(20), Some(50.0)))
}

/// The server before the first run: drift, leavers, a returner, people outside the scope.
fn populate(sim: &mut Sim) -> HashSet<String> {
    let mut ids = BTreeMap::new();
    for i in 0..28 {
        let mut u = person(i, "Agent", i != 5);
        if i >= 25 {
            u.active = Some(true); // the directory marks them inactive
        }
        ids.insert(i, sim.seed_user(u));
    }
    let mut leaver_ids = Vec::new();
    for l in 0..5 {
        let mut u = User::new(format!("leaver{l}@example.com"));
        u.active = Some(true);
        leaver_ids.push(sim.seed_user(u));
    }
    let mut guest = User::new("guest@partner.org");
    guest.title = Some("Visitor".into());
    sim.seed_user(guest);
    sim.seed_user(User::new("svc@example.com"));
    let mut everyone = Group::new("Everyone");
    everyone.members = Some(
        (0..20)
            .map(|i| Member::new(ids[&i].clone()))
            .chain(leaver_ids.iter().take(2).cloned().map(Member::new))
            .collect(),
    );
    sim.seed_group(everyone);
    let mut support = Group::new("Support");
    support.members = Some((0..5).map(|i| Member::new(ids[&i].clone())).collect());
    sim.seed_group(support);
    sim.seed_group(Group::new("Old team"));
    // Who may be deactivated: leavers and the users the directory marks inactive.
    let mut allowed: HashSet<String> = leaver_ids.into_iter().collect();
    allowed.extend((25..28).map(|i| ids[&i].clone()));
    allowed
}

fn config(airtable: bool) -> EngineConfig {
    let profile = if airtable {
        Profile::airtable()
    } else {
        Profile::generic()
    };
    let mut c = EngineConfig::new("/scim/v2", profile, Mode::PlanAndApply);
    c.policy = policy();
    c.max_in_flight = 4;
    c.seed = 7;
    c.backoff_base_ms = 200;
    c
}

/// Runs one engine to the end (or until `stop_after` requests were sent, then aborts).
fn run(
    sim: &mut Sim,
    engine: &mut Engine,
    clock: &mut u64,
    stop_after: Option<usize>,
) -> (RunReport, Vec<u64>) {
    let mut sends = Vec::new();
    let report = drive(sim, engine, clock, TIMEOUT_MS, |_, _, now| {
        sends.push(now);
        if stop_after == Some(sends.len()) {
            Control::Abort
        } else {
            Control::Continue
        }
    });
    *clock += 60_000;
    (report, sends)
}

/// Every write that deactivates or deletes a user targets one the directory no longer wants.
fn assert_no_wrongful_removals(sim: &Sim, allowed: &HashSet<String>) {
    for entry in sim.log() {
        let (method, body) = (&entry.method, &entry.body);
        let Some(id) = entry.path.strip_prefix("/scim/v2/Users/") else {
            continue;
        };
        let deactivates = *method == Method::Patch
            && body.as_deref().is_some_and(|b| {
                b.contains(r#""path":"active","value":false"#)
                    || b.contains(r#""value":false,"path":"active""#)
            });
        let deactivates = deactivates
            || (*method == Method::Put
                && body
                    .as_deref()
                    .is_some_and(|b| b.contains(r#""active":false"#)));
        if deactivates || *method == Method::Delete {
            assert!(
                allowed.contains(id),
                "wrongful {method:?} of {id}: {body:?}"
            );
        }
    }
}

/// Token bucket check: in any window of w ms, at most burst + rate * w requests.
fn assert_paced(sends: &[u64], rate: f64, burst: u64) {
    for i in 0..sends.len() {
        for j in i..sends.len() {
            let allowed = burst + ((sends[j] - sends[i]) as f64 * rate / 1000.0).floor() as u64;
            assert!(
                (j - i + 1) as u64 <= allowed,
                "{} requests in {} ms",
                j - i + 1,
                sends[j] - sends[i]
            );
        }
    }
}

fn assert_converged(sim: &Sim) {
    let d = directory();
    let users = sim.users();
    let keys: Vec<String> = users.iter().map(|u| user_key(&u.user_name)).collect();
    let unique: HashSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "duplicate users on the server");
    let by_key = |name: &str| {
        users
            .iter()
            .find(|u| user_key(&u.user_name) == user_key(name))
    };
    for want in &d.users {
        match by_key(&want.user_name) {
            Some(have) => {
                assert_eq!(have.is_active(), want.is_active(), "{}", want.user_name);
                if want.is_active() {
                    assert_eq!(have.title, want.title, "{}", want.user_name);
                }
            }
            None => assert!(!want.is_active(), "{} missing", want.user_name),
        }
    }
    for l in 0..5 {
        assert!(!by_key(&format!("leaver{l}@example.com"))
            .unwrap()
            .is_active());
    }
    let guest = by_key("guest@partner.org").unwrap();
    assert!(
        guest.is_active() && guest.title.as_deref() == Some("Visitor"),
        "out of scope untouched"
    );
    assert!(
        by_key("svc@example.com").unwrap().is_active(),
        "protected untouched"
    );
    let id_of = |name: &String| by_key(name).and_then(|u| u.id.clone()).unwrap();
    for g in &d.groups {
        let have = sim
            .groups()
            .into_iter()
            .find(|x| x.display_name == g.display_name)
            .expect("group exists");
        let mut got: Vec<String> = have
            .members
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.value)
            .collect();
        got.sort();
        let mut want: Vec<String> = g.members.iter().map(id_of).collect();
        want.sort();
        assert_eq!(got, want, "members of {}", g.display_name);
    }
    assert!(
        sim.groups().iter().any(|g| g.display_name == "Old team"),
        "unnamed groups are not deleted"
    );
}

/// A fault configuration, and what it allows the test to expect.
struct Case {
    name: &'static str,
    faults: Faults,
    /// The listing can never be trusted: nothing may be removed, convergence is impossible.
    lies: bool,
    /// Requests fail, so retries must show up.
    fails: bool,
}

fn case(name: &'static str, faults: Faults, lies: bool, fails: bool) -> Case {
    Case {
        name,
        faults: faults.latency_ms(20),
        lies,
        fails,
    }
}

fn matrix() -> Vec<Case> {
    let none = Faults::none;
    vec![
        case("clean", none(), false, false),
        case("latency jitter", none().jitter_ms(300), false, false),
        case(
            "429 bursts",
            none().throttle(Trigger::range(3..=5).or_range(20..=23).or_range(40..=42)),
            false,
            true,
        ),
        case(
            "5xx",
            none().server_errors(Trigger::per_mille(100)),
            false,
            true,
        ),
        case(
            "dropped answers",
            none().drops(Trigger::per_mille(200)),
            false,
            true,
        ),
        case(
            "truncated JSON",
            none().truncated_bodies(Trigger::per_mille(150)),
            false,
            true,
        ),
        case(
            "invalid JSON",
            none().invalid_json_bodies(Trigger::per_mille(100)),
            false,
            true,
        ),
        case(
            "everything at once",
            none()
                .jitter_ms(100)
                .throttle(Trigger::range(10..=11).or_nth(30))
                .server_errors(Trigger::per_mille(50))
                .drops(Trigger::per_mille(50))
                .truncated_bodies(Trigger::per_mille(50)),
            false,
            true,
        ),
        case("silent page cap", none().page_cap(7), false, false),
        case(
            "ignored startIndex",
            none().ignore_start_index(),
            true,
            false,
        ),
        case("unstable order", none().unstable_order(), true, false),
        case(
            "totalResults changing",
            none().total_changes_mid_listing(),
            true,
            false,
        ),
        case(
            "totalResults overstated",
            none().short_total(3),
            true,
            false,
        ),
    ]
}

fn flavor(airtable: bool) -> Flavor {
    if airtable {
        Flavor::Airtable
    } else {
        Flavor::Generic
    }
}

fn small_pages(mut c: EngineConfig) -> EngineConfig {
    c.profile.users.page_size = 10;
    c.profile.groups.page_size = 10;
    c
}

#[test]
fn fault_matrix_converges_safely() {
    for airtable in [true, false] {
        for Case {
            name,
            faults,
            lies,
            fails,
        } in matrix()
        {
            let mut sim = Sim::new(flavor(airtable), "/scim/v2", faults, 11);
            let allowed = populate(&mut sim);
            let mut clock = 1_000;
            let mut converged = false;
            let mut retries = 0;
            for attempt in 0..8 {
                let mut engine = Engine::new(small_pages(config(airtable)), directory()).unwrap();
                let (report, sends) = run(&mut sim, &mut engine, &mut clock, None);
                retries += report.retries;
                assert_no_wrongful_removals(&sim, &allowed);
                if airtable {
                    assert_paced(&sends, 5.0, 5);
                }
                let plan = report.plan.as_ref();
                if lies {
                    assert!(
                        !report.listing.complete,
                        "{name}: a lying listing must not be trusted"
                    );
                    assert_eq!(
                        report.status,
                        RunStatus::Refused,
                        "{name}: nothing is written from it"
                    );
                }
                if plan.is_some_and(|p| p.is_empty()) && report.listing.complete {
                    converged = true;
                    break;
                }
                assert!(
                    attempt < 7 || lies,
                    "{name} (airtable={airtable}) did not converge: {:?}",
                    report.status
                );
            }
            assert_eq!(
                fails,
                retries > 0,
                "{name} (airtable={airtable}): {retries} retries"
            );
            if lies {
                // Convergence is impossible, and nothing was removed on the listing's word.
                assert!(!converged);
                assert!(sim
                    .users()
                    .iter()
                    .filter(|u| u.user_name.starts_with("leaver"))
                    .all(|u| u.is_active()));
            } else {
                assert!(converged, "{name} (airtable={airtable})");
                assert_converged(&sim);
            }
        }
    }
}

#[test]
fn a_clean_run_sends_exactly_the_lower_bound() {
    for airtable in [true, false] {
        let mut sim = Sim::new(
            flavor(airtable),
            "/scim/v2",
            Faults::none().latency_ms(20),
            1,
        );
        populate(&mut sim);
        let mut clock = 0;
        let mut engine = Engine::new(config(airtable), directory()).unwrap();
        let (report, _) = run(&mut sim, &mut engine, &mut clock, None);
        assert_eq!(report.status, RunStatus::Applied, "{:?}", report.reason);
        let plan = report.plan.unwrap();
        // Listing: discovery (generic only), one page of users, one of groups, and for
        // Airtable one GET per group the directory names (its listing omits members).
        let listing = if airtable { 1 + 1 + 2 } else { 1 + 1 + 1 };
        assert_eq!(
            report.requests_sent as usize,
            listing + plan.actions.len(),
            "airtable={airtable}"
        );
        // One request per changed user, and ceil(member changes / limit) per changed group.
        let chunk = config(airtable).profile.member_chunk_size();
        let mut per_group: BTreeMap<(String, ActionKind), (usize, usize)> = BTreeMap::new();
        for step in &plan.actions {
            if let Action::AddMembers(m) | Action::RemoveMembers(m) = &step.action {
                let entry = per_group
                    .entry((m.group.display_name.clone(), step.action.kind()))
                    .or_default();
                entry.0 += 1;
                entry.1 += m.members.len();
            }
        }
        assert!(!per_group.is_empty());
        for ((group, kind), (requests, members)) in per_group {
            assert_eq!(requests, members.div_ceil(chunk), "{group} {kind}");
        }
        let user_actions = plan
            .actions
            .iter()
            .filter(|s| s.action.writes_user())
            .count();
        let s = plan.summary;
        let changed_users = s.create_users
            + s.update_users
            + s.reactivate_users
            + s.deactivate_users
            + s.delete_users;
        assert_eq!(user_actions as u64, changed_users);
        assert!(
            sim.log().iter().all(|e| !e.path.contains("filter=")),
            "no lookup before a POST"
        );
        assert_converged(&sim);
    }
}

#[test]
fn identical_inputs_give_identical_outputs() {
    let once = || {
        let everything = matrix().swap_remove(7);
        assert_eq!(everything.name, "everything at once");
        let mut sim = Sim::new(Flavor::Airtable, "/scim/v2", everything.faults, 3);
        populate(&mut sim);
        let mut clock = 0;
        let mut engine = Engine::new(config(true), directory()).unwrap();
        let (report, sends) = run(&mut sim, &mut engine, &mut clock, None);
        (
            serde_json::to_string(&report).unwrap(),
            sends,
            sim.log().to_vec(),
        )
    };
    let (a, b) = (once(), once());
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
}

#[test]
fn a_run_stopped_mid_apply_converges_without_duplicates() {
    for airtable in [true, false] {
        for stop_after in [6, 10, 15] {
            let faults = Faults::none().latency_ms(20).drops(Trigger::per_mille(100));
            let mut sim = Sim::new(flavor(airtable), "/scim/v2", faults, stop_after as u64);
            let allowed = populate(&mut sim);
            let mut clock = 0;
            let mut engine = Engine::new(config(airtable), directory()).unwrap();
            let (report, _) = run(&mut sim, &mut engine, &mut clock, Some(stop_after));
            assert_eq!(report.status, RunStatus::Aborted);
            for _ in 0..6 {
                let mut engine = Engine::new(config(airtable), directory()).unwrap();
                let (report, _) = run(&mut sim, &mut engine, &mut clock, None);
                if report.plan.is_some_and(|p| p.is_empty()) {
                    break;
                }
            }
            assert_no_wrongful_removals(&sim, &allowed);
            assert_converged(&sim);
        }
    }
}
