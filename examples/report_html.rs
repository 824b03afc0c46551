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
use scim_provision::report::{
    build_report, read_previous, render_html, users_csv, LicenseGroup, LicenseRule, Pricing,
    ReportInput, StaleAccountRow,
};

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
    // License types from userType, then the groups by precedence; prices in cents.
    let mut rule = LicenseRule::default();
    rule.attribute = Some("userType".into());
    rule.groups = vec![
        LicenseGroup::new("Admins", "Creator"),
        LicenseGroup::new("<script>alert('g')</script>", "=HYPERLINK(\"x\")"),
    ];
    rule.default = Some("ReadOnly".into());
    rule.purchased = LicenseRule::parse_seats("Creator=1,ReadOnly=10")?;
    let pricing = Pricing::new(
        Some("EUR".into()),
        Some(2400),
        [("Creator".to_owned(), 4500), ("ReadOnly".to_owned(), 0)].into(),
    );
    // An earlier report, a day before, without the last user and with the first one
    // deactivated, read back from its JSON as `report --compare` reads it.
    let mut earlier_users = users[..users.len() - 1].to_vec();
    earlier_users[0].active = Some(false);
    let earlier = build_report(
        &ReportInput::new(&earlier_users, &groups[1..], 1_714_469_400_000).licenses(&rule),
    );
    let previous = read_previous(&serde_json::to_string(&earlier)?)?;
    // A fixed time keeps the output reproducible: 2024-05-01T09:30:00Z.
    let input = ReportInput::new(&users, &groups, 1_714_555_800_000)
        .desired(&desired)
        .purchased_seats(5)
        .stale(&stale)
        .licenses(&rule)
        .pricing(&pricing)
        .server("https://admin:secret@scim.example.com/scim/v2?token=x")
        .previous(&previous);
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
