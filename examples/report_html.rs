//! Writes the HTML report (and, next to it, the CSV export and the JSON report) for the
//! hostile sample in `tests/fixtures/report/` to the path given as the first argument.
//!
//! ```sh
//! cargo run --example report_html -- /tmp/report.html
//! # also writes /tmp/report.csv and /tmp/report.json
//! ```
//!
//! `scripts/html_report_check.mjs` opens the page in headless Chromium and checks it.

use std::path::PathBuf;

use scim_provision::model::{Group, User};
use scim_provision::report::{build_report, render_html, users_csv, ReportInput, StaleAccountRow};

const USERS: &str = include_str!("../tests/fixtures/report/users.json");
const GROUPS: &str = include_str!("../tests/fixtures/report/groups.json");
const DESIRED: &str = include_str!("../tests/fixtures/report/desired.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: report_html OUTPUT.html");
        std::process::exit(2);
    };
    let users: Vec<User> = serde_json::from_str(USERS)?;
    let groups: Vec<Group> = serde_json::from_str(GROUPS)?;
    let desired: Vec<User> = serde_json::from_str(DESIRED)?;
    let stale = [
        StaleAccountRow::new("dee@example.com", "not in the directory", "deactivate"),
        StaleAccountRow::new(
            "<script>alert(1)</script>",
            "\" onmouseover=\"x",
            "<img src=x onerror=alert(1)>",
        ),
    ];
    // A fixed time keeps the output reproducible: 2024-05-01T09:30:00Z.
    let input = ReportInput::new(&users, &groups, 1_714_555_800_000)
        .desired(&desired)
        .purchased_seats(5)
        .stale(&stale);
    let report = build_report(&input);
    std::fs::write(&out, render_html(&report))?;
    std::fs::write(out.with_extension("csv"), users_csv(&users, &groups))?;
    std::fs::write(
        out.with_extension("json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    println!(
        "wrote {} ({} users, {} groups, {} departments)",
        out.display(),
        users.len(),
        groups.len(),
        report.chargeback.by_department.len()
    );
    Ok(())
}
