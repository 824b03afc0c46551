//! SaaS-ops reports over a listed SCIM server: licence seats, chargeback, access snapshot,
//! stale accounts, as data (serde, camelCase JSON), CSV and one self-contained HTML page.
//!
//! Everything here is a pure function of its inputs: no I/O, no clock (the snapshot time is
//! passed in as milliseconds since the Unix epoch), no randomness, and every list in the
//! output is sorted, so the same input always gives byte-identical JSON, CSV and HTML.
//! Nothing panics on any input.
//!
//! A report is only as complete as its listing: [`ReportInput::incomplete`] passes on why a
//! listing was incomplete, and the report carries it (`complete`, `incomplete`), so no
//! rendering of short figures (JSON, HTML banner, the CLI's warning and exit code) looks
//! complete.
//!
//! - [`seats`]: total, active (billed), deactivated (not billed), purchased and unused seats.
//! - [`licenses`]: the same per license type, the type read from an attribute or license
//!   groups ([`LicenseRule`]).
//! - [`chargeback`]: active users per department, cost center, division and organization.
//! - [`cost`]: with prices ([`Pricing`], integer cents), what active and unused seats cost,
//!   per license type and as chargeback per department and cost center.
//! - [`compare`]: the access review against an earlier report read back from its JSON.
//! - [`snapshot`]: every group with its members at a given time (an access review).
//! - [`stale`]: stale accounts, derived from a plan with [`stale::stale_from_plan`].
//! - [`csv_export`]: one row per user with Airtable's admin-panel columns, injection-safe.
//! - [`html`]: the whole [`Report`] as one HTML5 file with no scripts and no fetches.
//!
//! ```
//! use scim_provision::model::{EnterpriseUser, Group, Member, User};
//! use scim_provision::report::{build_report, html, ReportInput};
//!
//! let mut ana = User::new("ana@example.com");
//! ana.id = Some("usr1".into());
//! ana.enterprise = Some(EnterpriseUser { department: Some("Sales".into()), ..Default::default() });
//! let mut bo = User::new("bo@example.com");
//! bo.id = Some("usr2".into());
//! bo.active = Some(false);
//! let mut admins = Group::new("Admins");
//! admins.members = Some(vec![Member::new("usr1")]);
//!
//! let users = [ana, bo];
//! let groups = [admins];
//! let input = ReportInput::new(&users, &groups, 1_700_000_000_000).purchased_seats(10);
//! let report = build_report(&input);
//! assert_eq!(report.seats.active, 1);
//! assert_eq!(report.seats.unused, Some(9));
//! assert_eq!(report.chargeback.by_department[0].count, 1);
//! assert_eq!(report.snapshot.taken_at.as_deref(), Some("2023-11-14T22:13:20.000Z"));
//! let page = html::render_html(&report);
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! ```

pub mod chargeback;
pub mod compare;
pub mod cost;
mod cost_html;
pub mod csv_export;
pub mod html;
mod license_html;
pub mod licenses;
mod review_html;
pub mod seats;
pub mod snapshot;
pub mod stale;

use serde::Serialize;

use crate::model::{Group, User};

pub use chargeback::{Bucket, BucketCount, Chargeback};
pub use compare::{read_previous, review_csv, Comparison, Previous};
pub use cost::{format_amount, parse_amount, Cost, Pricing};
pub use csv_export::{users_csv, users_csv_with, CsvOptions, CSV_HEADERS, LICENSE_HEADER};
pub use html::render_html;
pub use licenses::{license_seats, LicenseGroup, LicenseRule, LicenseSeats};
pub use seats::SeatSummary;
pub use snapshot::{
    format_rfc3339_utc, AccessSnapshot, GroupAccess, KnownMember, ListedUser, SnapshotMember,
    UnknownMember,
};

/// One row of the stale-account table: an account active on the server that the directory
/// no longer wants active, with what the planner does about it.
///
/// The rows come from [`ReportInput::stale`], usually filled by [`stale::stale_from_plan`].
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "StaleAccount"))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StaleAccountRow {
    /// The account's userName.
    pub user_name: String,
    /// Why it is considered stale, in words (for example "not in the directory").
    pub reason: String,
    /// What is or would be done about it (for example "deactivate").
    pub action: String,
}

impl StaleAccountRow {
    /// A row from its three cells.
    pub fn new(
        user_name: impl Into<String>,
        reason: impl Into<String>,
        action: impl Into<String>,
    ) -> StaleAccountRow {
        StaleAccountRow {
            user_name: user_name.into(),
            reason: reason.into(),
            action: action.into(),
        }
    }
}

/// What a report is computed from. Built with [`ReportInput::new`] and the setters, so new
/// optional inputs can be added without breaking callers.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ReportInput<'a> {
    /// Every user listed from the server.
    pub users: &'a [User],
    /// Every group listed from the server, with members where the server returned them.
    pub groups: &'a [Group],
    /// The desired directory, when known: adds the seats it needs to [`SeatSummary`].
    pub desired: Option<&'a [User]>,
    /// The number of seats purchased, when known.
    pub purchased_seats: Option<u64>,
    /// When the listing was taken, in milliseconds since the Unix epoch (UTC).
    pub taken_at_ms: u64,
    /// Stale-account rows, usually from [`stale::stale_from_plan`].
    pub stale: &'a [StaleAccountRow],
    /// Why the listing was incomplete, when it was (`None`: complete).
    pub incomplete: Option<&'a [String]>,
    /// How license types are told apart, when seats are counted per type.
    pub licenses: Option<&'a LicenseRule>,
    /// Seat prices, for the cost figures.
    pub pricing: Option<&'a Pricing>,
    /// The server's URL (credentials, query and fragment are left out of the report).
    pub server: Option<&'a str>,
    /// An earlier report, for the access review.
    pub previous: Option<&'a Previous>,
}

impl<'a> ReportInput<'a> {
    /// An input from the listed state and the time it was taken; no desired directory, no
    /// purchased seat count, no stale rows.
    pub fn new(users: &'a [User], groups: &'a [Group], taken_at_ms: u64) -> ReportInput<'a> {
        ReportInput {
            users,
            groups,
            desired: None,
            purchased_seats: None,
            taken_at_ms,
            stale: &[],
            incomplete: None,
            licenses: None,
            pricing: None,
            server: None,
            previous: None,
        }
    }

    /// Prices seats as `pricing` says.
    #[must_use]
    pub fn pricing(mut self, pricing: &'a Pricing) -> ReportInput<'a> {
        self.pricing = Some(pricing);
        self
    }

    /// Names the server the listing came from.
    #[must_use]
    pub fn server(mut self, url: &'a str) -> ReportInput<'a> {
        self.server = Some(url);
        self
    }

    /// Compares with an earlier report.
    #[must_use]
    pub fn previous(mut self, previous: &'a Previous) -> ReportInput<'a> {
        self.previous = Some(previous);
        self
    }

    /// Counts seats per license type as `rule` says.
    #[must_use]
    pub fn licenses(mut self, rule: &'a LicenseRule) -> ReportInput<'a> {
        self.licenses = Some(rule);
        self
    }

    /// Sets the desired directory.
    #[must_use]
    pub fn desired(mut self, desired: &'a [User]) -> ReportInput<'a> {
        self.desired = Some(desired);
        self
    }

    /// Sets the number of seats purchased.
    #[must_use]
    pub fn purchased_seats(mut self, purchased: u64) -> ReportInput<'a> {
        self.purchased_seats = Some(purchased);
        self
    }

    /// Sets the stale-account rows.
    #[must_use]
    pub fn stale(mut self, rows: &'a [StaleAccountRow]) -> ReportInput<'a> {
        self.stale = rows;
        self
    }

    /// Marks the listing incomplete, for `reasons` (the engine's listing problems): the
    /// report's figures may then be short, and it says so.
    #[must_use]
    pub fn incomplete(mut self, reasons: &'a [String]) -> ReportInput<'a> {
        self.incomplete = Some(reasons);
        self
    }
}

/// Every report at once. Serializes to camelCase JSON in a deterministic order.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OpsReport"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Report {
    /// The server listed, without credentials, query or fragment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub server: Option<String>,
    /// Whether the listing the figures come from was complete. When it was not, every
    /// count may be short: users or groups on pages that never arrived are missing.
    pub complete: bool,
    /// Why the listing was incomplete (empty when complete).
    pub incomplete: Vec<String>,
    /// Seat counts.
    pub seats: SeatSummary,
    /// Active users per department, cost center, division and organization.
    pub chargeback: Chargeback,
    /// Groups and their members.
    pub snapshot: AccessSnapshot,
    /// Stale accounts, sorted by userName.
    pub stale: Vec<StaleAccountRow>,
    /// Seats per license type, when a license rule was given (sorted by type).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub licenses: Vec<LicenseSeats>,
    /// What the seats cost, when prices were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub cost: Option<Cost>,
    /// The access review against an earlier report, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub comparison: Option<Comparison>,
}

/// The reason an incomplete listing gets when its caller gave none.
const NO_REASON: &str = "the listing was incomplete";

/// Computes every report from `input`.
pub fn build_report(input: &ReportInput<'_>) -> Report {
    let incomplete = match input.incomplete {
        None => Vec::new(),
        Some([]) => vec![NO_REASON.to_owned()],
        Some(reasons) => reasons.to_vec(),
    };
    let types = input
        .licenses
        .filter(|_| input.pricing.is_some())
        .map(|rule| rule.types(input.users, input.groups));
    let mut report = Report {
        server: input.server.map(server_without_credentials),
        complete: input.incomplete.is_none(),
        incomplete,
        seats: seats::seat_summary(input.users, input.desired, input.purchased_seats),
        chargeback: chargeback::chargeback(input.users),
        snapshot: snapshot::access_snapshot(input.users, input.groups, input.taken_at_ms),
        stale: stale::stale_accounts(input),
        licenses: input.licenses.map_or_else(Vec::new, |rule| {
            licenses::license_seats(rule, input.users, input.groups, input.desired)
        }),
        cost: None,
        comparison: None,
    };
    report.cost = input.pricing.map(|pricing| {
        cost::cost(
            pricing,
            &cost::Parts {
                users: input.users,
                types: types.as_deref(),
                licenses: &report.licenses,
                unused: report.seats.unused,
                by_department: &report.chargeback.by_department,
                by_cost_center: &report.chargeback.by_cost_center,
            },
        )
    });
    report.comparison = input.previous.map(|p| compare::compare(p, &report));
    report
}

/// A server URL fit to print: without `user:password@`, query or fragment (where tokens
/// hide), surrounding whitespace trimmed.
pub fn server_without_credentials(url: &str) -> String {
    let url = url.trim();
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(host_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// Sort key for names shown to people: case-folded first, then the exact string, so the
/// order is friendly and still total.
pub(crate) fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    // ASCII lower-casing is what `char::to_lowercase` does on ASCII, only faster.
    let folded = if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .cmp(b.chars().flat_map(char::to_lowercase))
    };
    folded.then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnterpriseUser, Member};

    #[test]
    fn name_order_ascii_fast_path_agrees_with_the_general_one() {
        let general = |a: &str, b: &str| {
            a.chars()
                .flat_map(char::to_lowercase)
                .cmp(b.chars().flat_map(char::to_lowercase))
                .then_with(|| a.cmp(b))
        };
        let words = [
            "", "a", "A", "ab", "aB", "Ab", "b", "_", "[", "Z", "z", "a1", "a@",
        ];
        for a in words {
            for b in words {
                assert_eq!(name_order(a, b), general(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn the_server_is_shown_without_credentials() {
        for (url, want) in [
            (
                "https://u:p@ex.com/scim/v2?token=x#f",
                "https://ex.com/scim/v2",
            ),
            (" https://ex.com/scim/v2 ", "https://ex.com/scim/v2"),
            ("http://a@b@ex.com:8080/x@y", "http://ex.com:8080/x@y"),
            ("tok@ex.com/scim", "ex.com/scim"),
        ] {
            assert_eq!(server_without_credentials(url), want, "{url}");
        }
    }

    #[test]
    fn name_order_is_case_folded_then_exact() {
        let mut v = vec!["b", "B", "a", "A", "ä"];
        v.sort_by(|a, b| name_order(a, b));
        assert_eq!(v, ["A", "a", "B", "b", "ä"]);
    }

    #[test]
    fn build_report_bundles_everything_and_serializes_camel_case() {
        let mut ana = User::new("ana@example.com");
        ana.id = Some("u1".into());
        ana.enterprise = Some(EnterpriseUser {
            cost_center: Some("CC1".into()),
            ..EnterpriseUser::default()
        });
        let mut g = Group::new("G");
        g.members = Some(vec![Member::new("u1"), Member::new("ghost")]);
        let users = [ana];
        let groups = [g];
        let stale = [
            StaleAccountRow::new("z@x", "gone", "deactivate"),
            StaleAccountRow::new("a@x", "gone", "deactivate"),
        ];
        let report = build_report(
            &ReportInput::new(&users, &groups, 0)
                .purchased_seats(0)
                .stale(&stale),
        );
        assert_eq!(report.seats.over_by, Some(1));
        assert_eq!(report.stale[0].user_name, "a@x");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["seats"]["totalUsers"], 1);
        assert_eq!(json["chargeback"]["byCostCenter"][0]["name"], "CC1");
        assert_eq!(
            json["chargeback"]["byDepartment"][0]["name"],
            serde_json::Value::Null
        );
        assert_eq!(json["snapshot"]["takenAt"], "1970-01-01T00:00:00.000Z");
        assert_eq!(
            json["snapshot"]["groups"][0]["members"][1]["status"],
            "unknown"
        );
        assert_eq!(json["stale"][1]["userName"], "z@x");
        assert_eq!(json["complete"], true);
        assert_eq!(json["incomplete"], serde_json::json!([]));
    }

    #[test]
    fn an_incomplete_listing_makes_an_incomplete_report() {
        let reasons = ["/Users: the page at startIndex 3 failed: HTTP 503".to_owned()];
        let report = build_report(&ReportInput::new(&[], &[], 0).incomplete(&reasons));
        assert!(!report.complete);
        assert_eq!(report.incomplete, reasons);
        // Incomplete without a reason still says so.
        let report = build_report(&ReportInput::new(&[], &[], 0).incomplete(&[]));
        assert!(!report.complete);
        assert_eq!(report.incomplete, [NO_REASON]);
    }

    #[test]
    fn same_input_same_json() {
        let users: Vec<User> = (0..50)
            .map(|i| {
                let mut u = User::new(format!("user{}@x", 50 - i));
                u.id = Some(format!("id{i}"));
                u
            })
            .collect();
        let mut g = Group::new("all");
        g.members = Some(
            users
                .iter()
                .rev()
                .map(|u| Member::new(u.id.clone().unwrap()))
                .collect(),
        );
        let groups = [g];
        let a =
            serde_json::to_string(&build_report(&ReportInput::new(&users, &groups, 5))).unwrap();
        let mut rev = users.clone();
        rev.reverse();
        let b = serde_json::to_string(&build_report(&ReportInput::new(&rev, &groups, 5))).unwrap();
        assert_eq!(a, b);
    }
}
