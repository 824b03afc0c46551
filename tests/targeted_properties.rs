//! Properties of targeted runs against the simulator, over random servers and random
//! lifecycle operations: what no target names is never touched, and a run replayed writes
//! nothing (what the server holds makes every operation already in effect).

use proptest::prelude::*;
use scim_provision::engine::{Engine, EngineConfig, Mode, RunReport};
use scim_provision::http::Method;
use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{Operation, Target, TargetGroup};
use scim_provision::profile::Profile;
use scim_sim::{drive, Control, Faults, Flavor, Simulator as Sim};

const NAMES: [&str; 6] = [
    "ana@example.com",
    "bo@example.com",
    "o\"hara@example.com",
    "zoë@example.com",
    "back\\slash@example.com",
    "dee@example.com",
];
const GROUPS: [&str; 3] = ["Eng", "Ops \"24/7\"", "Finance"];

/// A server: which users exist (active or not, with a title), which groups (members by
/// user index).
#[derive(Debug, Clone)]
struct Server {
    users: Vec<Option<(bool, bool)>>,
    groups: Vec<Option<Vec<usize>>>,
}

fn server() -> impl Strategy<Value = Server> {
    (
        proptest::collection::vec(proptest::option::of((any::<bool>(), any::<bool>())), 6),
        proptest::collection::vec(
            proptest::option::of(proptest::collection::vec(0usize..6, 0..4)),
            3,
        ),
    )
        .prop_map(|(users, groups)| Server { users, groups })
}

/// One lifecycle operation: (operation index, user, group, title flag, upper-case name).
fn targets() -> impl Strategy<Value = Vec<(u8, usize, usize, bool, bool)>> {
    proptest::collection::vec(
        (0u8..6, 0usize..6, 0usize..3, any::<bool>(), any::<bool>()),
        1..7,
    )
}

fn title(flag: bool) -> String {
    if flag { "Lead" } else { "Agent" }.to_owned()
}

fn seed(server: &Server) -> Sim {
    let mut sim = Sim::new(Flavor::Generic, "/scim/v2", Faults::none(), 3);
    let mut ids = vec![None; NAMES.len()];
    for (i, u) in server.users.iter().enumerate() {
        if let Some((active, lead)) = u {
            let mut user = User::new(NAMES[i]);
            user.active = Some(*active);
            user.title = Some(title(*lead));
            ids[i] = Some(sim.seed_user(user));
        }
    }
    for (g, members) in server.groups.iter().enumerate() {
        if let Some(members) = members {
            let mut group = Group::new(GROUPS[g]);
            let mut ms: Vec<Member> = Vec::new();
            for &m in members {
                if let Some(id) = &ids[m] {
                    if !ms.iter().any(|x| &x.value == id) {
                        ms.push(Member::new(id));
                    }
                }
            }
            group.members = Some(ms);
            sim.seed_group(group);
        }
    }
    sim
}

fn to_targets(ops: &[(u8, usize, usize, bool, bool)]) -> Vec<Target> {
    ops.iter()
        .enumerate()
        .map(|(n, &(op, u, g, lead, upper))| {
            let name = if upper {
                NAMES[u].to_uppercase()
            } else {
                NAMES[u].to_owned()
            };
            let mut user = User::new(name);
            let op = match op {
                0 => Operation::Provision,
                1 => Operation::Update,
                2 => Operation::Deactivate,
                3 => Operation::Reactivate,
                4 => Operation::Grant,
                _ => Operation::Revoke,
            };
            if matches!(op, Operation::Provision | Operation::Update) {
                user.title = Some(title(lead));
            }
            let t = Target::new(op, user).from_event(format!("e{n}"));
            if op.needs_group() {
                t.with_group(TargetGroup::named(GROUPS[g]))
            } else {
                t
            }
        })
        .collect()
}

fn run(sim: &mut Sim, targets: Vec<Target>) -> RunReport {
    let mut config = EngineConfig::new("/scim/v2", Profile::generic(), Mode::PlanAndApply);
    config.seed = 1;
    let mut engine = Engine::targeted(config, targets).unwrap();
    let mut clock = 1_000;
    drive(sim, &mut engine, &mut clock, 5_000, |_, _, _| {
        Control::Continue
    })
}

fn writes(sim: &Sim) -> usize {
    sim.log().iter().filter(|e| e.method != Method::Get).count()
}

/// (key, state) rows, sorted.
type Rows = Vec<(String, String)>;

/// Every user and group as (key, state) text, sorted: to compare servers.
fn snapshot(sim: &Sim) -> (Rows, Rows) {
    let name_of = |id: &str| {
        sim.user(id)
            .map_or_else(|| id.to_owned(), |u| u.user_name.to_lowercase())
    };
    let mut users: Rows = sim
        .users()
        .into_iter()
        .map(|u| {
            let state = format!("{:?} {:?}", u.active, u.title);
            (u.user_name.to_lowercase(), state)
        })
        .collect();
    let mut groups: Rows = sim
        .groups()
        .into_iter()
        .map(|g| {
            let mut members: Vec<String> = g.member_ids().map(name_of).collect();
            members.sort();
            (g.display_name.to_lowercase(), members.join(","))
        })
        .collect();
    users.sort();
    groups.sort();
    (users, groups)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn untouched_subjects_stay_and_a_replay_writes_nothing(server in server(), ops in targets()) {
        let mut sim = seed(&server);
        let (users_before, groups_before) = snapshot(&sim);
        let targets = to_targets(&ops);
        let first = run(&mut sim, targets.clone());
        let (users_after, groups_after) = snapshot(&sim);

        // Users no target names, and groups no grant or revocation names, are unchanged.
        let named_user = |key: &str| ops.iter().any(|&(_, u, ..)| NAMES[u].to_lowercase() == key);
        let named_group = |key: &str| {
            ops.iter().any(|&(op, _, g, ..)| op >= 4 && GROUPS[g].to_lowercase() == key)
        };
        for (key, state) in &users_before {
            if !named_user(key) {
                let after = users_after.iter().find(|(k, _)| k == key).map(|(_, s)| s);
                prop_assert_eq!(after, Some(state), "{} was touched: {:?}", key, first.plan);
            }
        }
        for (key, members) in &groups_before {
            if !named_group(key) {
                let after = groups_after.iter().find(|(k, _)| k == key).map(|(_, s)| s);
                prop_assert_eq!(after, Some(members), "group {} was touched", key);
            }
        }
        // Nothing new but the users provisioned and the groups granted.
        prop_assert!(users_after.len() <= NAMES.len());
        prop_assert!(groups_after.len() <= GROUPS.len());

        // Replayed: nothing is written, whatever the first run did or refused.
        let before = writes(&sim);
        let second = run(&mut sim, targets);
        prop_assert_eq!(writes(&sim), before, "the replay wrote: {:?}", second.plan);
        prop_assert_eq!(snapshot(&sim), (users_after, groups_after));
    }
}
