//! Benchmark of the reports on a large tenant: 100,000 users across 40 departments and
//! 5,000 groups (about 300,000 memberships, some pointing at unknown ids).
//!
//! ```sh
//! cargo bench --bench report
//! ```
//!
//! Prints the time of `build_report`, the CSV export, the HTML page and the JSON
//! serialization, each the best of several runs, and the time serde_json takes to parse the
//! same users and groups from JSON as a baseline (a host must at least do that). Target:
//! `build_report` + CSV + HTML under one second natively in release.

use std::hint::black_box;
use std::time::{Duration, Instant};

use scim_provision::model::{EnterpriseUser, Group, Manager, Member, Name, User};
use scim_provision::report::{build_report, render_html, users_csv, ReportInput, StaleAccountRow};

const USERS: usize = 100_000;
const DEPARTMENTS: usize = 40;
const GROUPS: usize = 5_000;
const GROUPS_PER_USER: usize = 3;
const RUNS: usize = 5;

/// A small deterministic generator (SplitMix64): benches need no randomness crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn generate() -> (Vec<User>, Vec<Group>) {
    let mut rng = Rng(42);
    let users: Vec<User> = (0..USERS)
        .map(|i| {
            let mut u = User::new(format!("user{i:06}@example.com"));
            u.id = Some(format!("usr{i:08x}"));
            u.external_id = Some(format!("E{i}"));
            u.title = Some(["Engineer", "Manager", "Analyst, Senior", "=Lead"][i % 4].into());
            u.active = Some(rng.below(10) != 0);
            u.name = Some(Name {
                given_name: Some(format!("Given{i}")),
                family_name: Some(format!("Family \"{i}\"")),
                ..Name::default()
            });
            // Skewed departments; about 2% of users have none.
            let dept = rng.below(DEPARTMENTS * 2).min(rng.below(DEPARTMENTS * 2));
            u.enterprise = Some(EnterpriseUser {
                department: (rng.below(50) != 0)
                    .then(|| format!("Department {:02}", dept % DEPARTMENTS)),
                cost_center: Some(format!("CC-{}", dept % 12)),
                division: Some(format!("Division {}", dept % 5)),
                organization: Some("Acme".into()),
                manager: Some(Manager {
                    value: Some(format!("usr{:08x}", i / 10)),
                    display_name: Some(format!("Manager {}", i / 10)),
                    ..Manager::default()
                }),
                ..EnterpriseUser::default()
            });
            u
        })
        .collect();
    let mut members: Vec<Vec<Member>> = vec![Vec::new(); GROUPS];
    for i in 0..USERS {
        for _ in 0..GROUPS_PER_USER {
            members[rng.below(GROUPS)].push(Member::new(format!("usr{i:08x}")));
        }
    }
    let groups = members
        .into_iter()
        .enumerate()
        .map(|(g, mut m)| {
            if g % 100 == 0 {
                m.push(Member::new(format!("gone-{g}")));
            }
            let mut group = Group::new(format!("Group {g:05}"));
            group.id = Some(format!("grp{g:06}"));
            group.members = Some(m);
            group
        })
        .collect();
    (users, groups)
}

/// Best wall time of `RUNS` runs of `f`, and its last result.
fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = black_box(f());
        best = best.min(start.elapsed());
        last = Some(out);
    }
    (best, last.expect("RUNS > 0"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let (users, groups) = generate();
    let memberships: usize = groups.iter().map(|g| g.member_ids().count()).sum();
    let users_json = serde_json::to_string(&users).expect("serializes");
    let groups_json = serde_json::to_string(&groups).expect("serializes");
    let stale: Vec<StaleAccountRow> = users
        .iter()
        .filter(|u| !u.is_active())
        .take(1_000)
        .map(|u| StaleAccountRow::new(u.user_name.clone(), "not in the directory", "deactivate"))
        .collect();
    println!(
        "input: {} users, {} groups, {} memberships, {:.1} MB of JSON",
        users.len(),
        groups.len(),
        memberships,
        (users_json.len() + groups_json.len()) as f64 / 1e6
    );

    let (parse, parsed) = best(|| {
        let u: Vec<User> = serde_json::from_str(&users_json).expect("parses");
        let g: Vec<Group> = serde_json::from_str(&groups_json).expect("parses");
        (u.len(), g.len())
    });
    assert_eq!(parsed, (users.len(), groups.len()));

    let input = ReportInput::new(&users, &groups, 1_714_555_800_000)
        .desired(&users)
        .purchased_seats(95_000)
        .stale(&stale);
    let (build, report) = best(|| build_report(&input));
    let (csv, csv_text) = best(|| users_csv(&users, &groups));
    let (html, html_text) = best(|| render_html(&report));
    let (json, json_text) = best(|| serde_json::to_string(&report).expect("serializes"));

    let total = build + csv + html;
    println!(
        "report: {} active, {} departments, CSV {:.1} MB, HTML {:.1} MB, JSON {:.1} MB",
        report.seats.active,
        report.chargeback.by_department.len(),
        csv_text.len() as f64 / 1e6,
        html_text.len() as f64 / 1e6,
        json_text.len() as f64 / 1e6
    );
    println!("best of {RUNS} runs:");
    println!("  build_report            {:8.1} ms", ms(build));
    println!("  users_csv               {:8.1} ms", ms(csv));
    println!("  render_html             {:8.1} ms", ms(html));
    println!("  report to JSON          {:8.1} ms", ms(json));
    println!(
        "  build + CSV + HTML      {:8.1} ms  (target < 1000 ms: {})",
        ms(total),
        if total < Duration::from_secs(1) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  baseline: serde_json parse of the input {:8.1} ms",
        ms(parse)
    );
    println!(
        "  ratio (build + CSV + HTML) / parse      {:8.2}",
        total.as_secs_f64() / parse.as_secs_f64()
    );
}
