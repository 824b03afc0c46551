//! The SaaS-ops report for hosts: its options as the WIT record and as the npm package's
//! JSON object, and the report of listed users and groups (with a plan's stale accounts) as
//! a [`Report`], JSON text, an HTML page or CSV, every bad argument a [`Fault`] that names
//! it.

// A `Fault` is the error every binding hands on whole; see `boundary`.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use scim_provision::model::{Group, User};
use scim_provision::plan::{DesiredState, Plan, Policy};
use scim_provision::report::{self, Report, ReportInput};
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::boundary::desired_from_json;
use crate::fault::{parse_json_arg, to_json, Fault};

/// The report's options: the WIT `report-options` record, and the npm package's options
/// object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ReportOptions<'a> {
    /// The snapshot time, milliseconds since the Unix epoch.
    pub taken_at_ms: u64,
    /// Seats bought, for the unused-seat count.
    pub purchased_seats: Option<u64>,
    /// The desired state (JSON text) the plan was made from: it explains the stale accounts
    /// and marks which listed users the directory manages.
    pub desired_json: Option<&'a str>,
    /// The policy (`policy-json`) the plan was made under, for the stale accounts.
    pub policy_json: Option<&'a str>,
    /// Why the listing was incomplete, when it was (`None`: complete): the report then
    /// says its figures may be short.
    pub incomplete: Option<&'a [String]>,
    /// How license types are told apart, and the seats bought per type (the core's
    /// `LicenseRule` JSON): seats per license type.
    pub licenses_json: Option<&'a str>,
    /// The currency of the prices (default `USD`).
    pub currency: Option<&'a str>,
    /// The price of a seat, in minor units (cents): the cost figures.
    pub price_per_seat: Option<u64>,
    /// The price of a seat per license type, in minor units (cents).
    pub prices: Option<&'a BTreeMap<String, u64>>,
    /// The server's URL, shown without credentials.
    pub server: Option<&'a str>,
    /// An earlier report's JSON (`report --json`): the access review.
    pub previous_json: Option<&'a str>,
}

impl<'a> ReportOptions<'a> {
    /// Options for a snapshot taken at `taken_at_ms`, nothing else given.
    pub fn new(taken_at_ms: u64) -> ReportOptions<'a> {
        ReportOptions {
            taken_at_ms,
            ..ReportOptions::default()
        }
    }

    /// With the seats bought.
    pub fn with_purchased_seats(mut self, seats: Option<u64>) -> Self {
        self.purchased_seats = seats;
        self
    }

    /// With the desired state (JSON text) the plan was made from.
    pub fn with_desired_json(mut self, text: Option<&'a str>) -> Self {
        self.desired_json = text;
        self
    }

    /// With the policy (JSON text) the plan was made under.
    pub fn with_policy_json(mut self, text: Option<&'a str>) -> Self {
        self.policy_json = text;
        self
    }

    /// With why the listing was incomplete (`None`: it was complete).
    pub fn with_incomplete(mut self, reasons: Option<&'a [String]>) -> Self {
        self.incomplete = reasons;
        self
    }

    /// With the license rule (JSON text).
    pub fn with_licenses_json(mut self, text: Option<&'a str>) -> Self {
        self.licenses_json = text;
        self
    }

    /// With seat prices in minor units (cents): per seat, and per license type.
    pub fn with_pricing(
        mut self,
        currency: Option<&'a str>,
        price_per_seat: Option<u64>,
        prices: Option<&'a BTreeMap<String, u64>>,
    ) -> Self {
        self.currency = currency;
        self.price_per_seat = price_per_seat;
        self.prices = prices;
        self
    }

    /// With the server's URL.
    pub fn with_server(mut self, url: Option<&'a str>) -> Self {
        self.server = url;
        self
    }

    /// With an earlier report's JSON text.
    pub fn with_previous_json(mut self, text: Option<&'a str>) -> Self {
        self.previous_json = text;
        self
    }
}

/// The report's options as one JSON object, as the npm package takes them: `takenAtMs`,
/// `purchasedSeats`, `desired`, `policy`, `listing`, `licenses`, `currency`,
/// `pricePerSeat`, `prices`, `server` and `previous`, each optional (and, but for
/// `takenAtMs`, `null` for none), unknown names ignored; `desired`, `policy`, `licenses` and
/// `previous` are JSON objects or JSON text (a string is the text); `listing` is a run
/// report's `listing` (`complete` and `problems` are read); prices are in minor units.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "BuildReportOptions"))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", remote = "Self")]
#[non_exhaustive]
pub struct ReportOptionsJson {
    /// The snapshot time, milliseconds since the Unix epoch (0 when absent).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub taken_at_ms: u64,
    /// Seats bought.
    #[serde(default)]
    pub purchased_seats: Option<u64>,
    /// The desired state, as JSON text.
    #[serde(default, rename = "desired", deserialize_with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<JsonOrText<scim_provision::plan::DesiredState>>", optional = nullable))]
    pub desired_json: Option<String>,
    /// The policy, as JSON text.
    #[serde(default, rename = "policy", deserialize_with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<JsonOrText<scim_provision::plan::Policy>>", optional = nullable))]
    pub policy_json: Option<String>,
    /// Why the listing was incomplete, when it was.
    #[serde(default, rename = "listing", deserialize_with = "listing_incomplete")]
    #[cfg_attr(feature = "ts", ts(as = "Option<ListingSummary>", optional = nullable))]
    pub incomplete: Option<Vec<String>>,
    /// The license rule, as JSON text.
    #[serde(default, rename = "licenses", deserialize_with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<JsonOrText<scim_provision::report::LicenseRule>>", optional = nullable))]
    pub licenses_json: Option<String>,
    /// The currency of the prices (default `USD`).
    #[serde(default)]
    pub currency: Option<String>,
    /// The price of a seat, in minor units (cents: 2400 for 24.00).
    #[serde(default)]
    pub price_per_seat: Option<u64>,
    /// The price of a seat per license type, in minor units (`{"Creator": 4500}`).
    #[serde(default)]
    pub prices: Option<BTreeMap<String, u64>>,
    /// The server's URL.
    #[serde(default)]
    pub server: Option<String>,
    /// An earlier report, as JSON text.
    #[serde(default, rename = "previous", deserialize_with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<JsonOrText<scim_provision::report::Report>>", optional = nullable))]
    pub previous_json: Option<String>,
}

impl ReportOptionsJson {
    /// The options as [`report()`] takes them.
    pub fn as_options(&self) -> ReportOptions<'_> {
        ReportOptions {
            taken_at_ms: self.taken_at_ms,
            purchased_seats: self.purchased_seats,
            desired_json: self.desired_json.as_deref(),
            policy_json: self.policy_json.as_deref(),
            incomplete: self.incomplete.as_deref(),
            licenses_json: self.licenses_json.as_deref(),
            currency: self.currency.as_deref(),
            price_per_seat: self.price_per_seat,
            prices: self.prices.as_ref(),
            server: self.server.as_deref(),
            previous_json: self.previous_json.as_deref(),
        }
    }
}

/// From a JSON object only (serde's derive would also take an array of the fields).
impl<'de> Deserialize<'de> for ReportOptionsJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectOnly(PhantomData))
    }
}

impl<'de> Fields<'de> for ReportOptionsJson {
    const EXPECTING: &'static str = "struct ReportOptions";
    fn fields<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ReportOptionsJson::deserialize(d)
    }
}

/// A struct whose derived `Deserialize` (`remote = "Self"`: `fields`) is wrapped in
/// [`ObjectOnly`], so it is read from a JSON object and nothing else, as expecting
/// `EXPECTING`.
trait Fields<'de>: Sized {
    const EXPECTING: &'static str;
    fn fields<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// The visitor of a [`Fields`] struct: a map goes to the derived fields (the path tracker
/// sees through it), anything else is refused.
struct ObjectOnly<T>(PhantomData<T>);

impl<'de, T: Fields<'de>> Visitor<'de> for ObjectOnly<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::fields(MapAccessDeserializer::new(map))
    }
}

/// A JSON value that stands for JSON text: a string is the text itself, `null` is none.
fn json_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    })
}

/// The part of a run report's `listing` a report reads.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ReportListing"))]
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct ListingSummary {
    #[serde(default = "complete_by_default")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    complete: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    problems: Vec<String>,
}

/// A value a host may hand over as JSON or as its JSON text (the report options' `desired`
/// and `policy`): only its TypeScript declaration exists.
#[cfg(feature = "ts")]
#[derive(ts_rs::TS)]
#[ts(untagged)]
#[allow(dead_code)]
enum JsonOrText<T> {
    /// The value.
    Value(T),
    /// Its JSON text.
    Text(String),
}

fn complete_by_default() -> bool {
    true
}

impl<'de> Deserialize<'de> for ListingSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectOnly(PhantomData))
    }
}

impl<'de> Fields<'de> for ListingSummary {
    const EXPECTING: &'static str = "struct ListingSummary";
    fn fields<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ListingSummary::deserialize(d)
    }
}

/// A run report's `listing` (`complete`, `problems`) as the reasons it was incomplete, or
/// `None` when it was complete (or absent).
fn listing_incomplete<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let listing = Option::<ListingSummary>::deserialize(d)?;
    Ok(listing.and_then(|l| (!l.complete).then_some(l.problems)))
}

/// The SaaS-ops [`Report`] of listed users (`users-json`) and groups (`groups-json`), with
/// the stale accounts of a plan (`plan-json`) when given.
///
/// # Errors
///
/// A fault of kind `invalid-argument` naming the argument (`users-json`, `groups-json`,
/// `plan-json`, `policy-json`, `licenses-json`, `previous-json`) that does
/// not read as its type, or of kind `desired-state` for the directory.
pub fn report(
    users_json: &str,
    groups_json: &str,
    plan_json: Option<&str>,
    options: &ReportOptions<'_>,
) -> Result<Report, Fault> {
    let users: Vec<User> = parse_json_arg("users-json", users_json)?;
    let groups: Vec<Group> = parse_json_arg("groups-json", groups_json)?;
    let plan: Option<Plan> = plan_json
        .map(|text| parse_json_arg("plan-json", text))
        .transpose()?;
    let desired = options.desired_json.map(desired_from_json).transpose()?;
    let policy: Policy = match options.policy_json {
        Some(text) => parse_json_arg("policy-json", text)?,
        None => Policy::default(),
    };
    let stale = match &plan {
        Some(plan) => {
            let no_directory = DesiredState::default();
            let directory = desired.as_ref().unwrap_or(&no_directory);
            report::stale::stale_from_plan(plan, &users, directory, &policy)
        }
        None => Vec::new(),
    };
    let rule: Option<report::LicenseRule> = options
        .licenses_json
        .map(|text| parse_json_arg("licenses-json", text))
        .transpose()?;
    let priced =
        options.currency.is_some() || options.price_per_seat.is_some() || options.prices.is_some();
    let pricing = priced.then(|| {
        // Copied by `insert`, which the module has already, rather than by `BTreeMap::clone`.
        let mut prices = BTreeMap::new();
        for (license, cents) in options.prices.into_iter().flatten() {
            prices.insert(license.clone(), *cents);
        }
        report::Pricing::new(
            options.currency.map(str::to_owned),
            options.price_per_seat,
            prices,
        )
    });
    let previous = options
        .previous_json
        .map(|text| {
            report::read_previous(text).map_err(|e| Fault::from_json_error("previous-json", &e))
        })
        .transpose()?;
    let mut input = ReportInput::new(&users, &groups, options.taken_at_ms).stale(&stale);
    if let Some(rule) = &rule {
        input = input.licenses(rule);
    }
    if let Some(pricing) = &pricing {
        input = input.pricing(pricing);
    }
    if let Some(previous) = &previous {
        input = input.previous(previous);
    }
    if let Some(server) = options.server {
        input = input.server(server);
    }
    if let Some(d) = &desired {
        input = input.desired(&d.users);
    }
    if let Some(n) = options.purchased_seats {
        input = input.purchased_seats(n);
    }
    if let Some(reasons) = options.incomplete {
        input = input.incomplete(reasons);
    }
    Ok(report::build_report(&input))
}

/// [`report()`] as JSON text.
///
/// # Errors
///
/// As [`report()`].
pub fn report_json(
    users_json: &str,
    groups_json: &str,
    plan_json: Option<&str>,
    options: &ReportOptions<'_>,
) -> Result<String, Fault> {
    report(users_json, groups_json, plan_json, options).map(|r| to_json(&r))
}

/// [`report()`] as one self-contained HTML page.
///
/// # Errors
///
/// As [`report()`].
pub fn report_html(
    users_json: &str,
    groups_json: &str,
    plan_json: Option<&str>,
    options: &ReportOptions<'_>,
) -> Result<String, Fault> {
    report(users_json, groups_json, plan_json, options).map(|r| report::render_html(&r))
}

/// The access review of [`report()`] (which needs `previous_json`) as CSV: one row per
/// user added, removed, deactivated or reactivated, then per membership gained or lost;
/// with a UTF-8 byte-order mark first when `byte_order_mark`.
///
/// # Errors
///
/// As [`report()`], and a fault of kind `invalid-argument` for `previous-json` when no
/// earlier report was given.
pub fn review_csv(
    users_json: &str,
    groups_json: &str,
    plan_json: Option<&str>,
    options: &ReportOptions<'_>,
    byte_order_mark: bool,
) -> Result<String, Fault> {
    let r = report(users_json, groups_json, plan_json, options)?;
    let c = r.comparison.ok_or_else(|| {
        Fault::invalid_argument("previous-json", ".", "a review needs the earlier report")
    })?;
    Ok(report::review_csv(&c, byte_order_mark))
}

/// The listed users (`users-json`) as CSV with Airtable's admin-panel columns, their groups
/// from `groups-json`.
///
/// # Errors
///
/// A fault of kind `invalid-argument` (`users-json` or `groups-json`).
pub fn report_csv(users_json: &str, groups_json: &str) -> Result<String, Fault> {
    report_csv_with(users_json, groups_json, false, None)
}

/// [`report_csv`] starting with a UTF-8 byte-order mark when `byte_order_mark` (which
/// spreadsheet programs need to read the file as UTF-8), and with a `License type` column
/// when `licenses_json` (a `LicenseRule`) says how types are told apart.
///
/// # Errors
///
/// A fault of kind `invalid-argument` (`users-json`, `groups-json` or `licenses-json`).
pub fn report_csv_with(
    users_json: &str,
    groups_json: &str,
    byte_order_mark: bool,
    licenses_json: Option<&str>,
) -> Result<String, Fault> {
    let users: Vec<User> = parse_json_arg("users-json", users_json)?;
    let groups: Vec<Group> = parse_json_arg("groups-json", groups_json)?;
    let rule: Option<report::LicenseRule> = licenses_json
        .map(|text| parse_json_arg("licenses-json", text))
        .transpose()?;
    let mut options = report::CsvOptions::new().with_byte_order_mark(byte_order_mark);
    if let Some(rule) = &rule {
        options = options.with_licenses(rule);
    }
    Ok(report::users_csv_with(&users, &groups, &options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_options_take_objects_or_text() {
        let o: ReportOptionsJson = parse_json_arg(
            "options",
            r#"{"takenAtMs":5,"purchasedSeats":null,"desired":{"users":[]},"policy":"{}","x":1}"#,
        )
        .unwrap();
        assert_eq!(o.taken_at_ms, 5);
        assert_eq!(o.purchased_seats, None);
        assert_eq!(o.desired_json.as_deref(), Some(r#"{"users":[]}"#));
        assert_eq!(o.as_options().policy_json, Some("{}"));
        let e = parse_json_arg::<ReportOptionsJson>("options", r#"{"takenAtMs":"x"}"#).unwrap_err();
        assert_eq!(e.location.as_deref(), Some("takenAtMs"));
        assert_eq!(e.data["reason"], "invalid type: string \"x\", expected u64");
        let e = parse_json_arg::<ReportOptionsJson>("options", "[]").unwrap_err();
        assert_eq!(
            e.data["reason"],
            "invalid type: sequence, expected struct ReportOptions"
        );
    }

    #[test]
    fn a_report_carries_the_listing_s_completeness() {
        let o: ReportOptionsJson = parse_json_arg(
            "options",
            r#"{"listing": {"users": 3, "groups": 0, "complete": false, "problems": ["/Users: the page failed"]}}"#,
        )
        .unwrap();
        let r = report("[]", "[]", None, &o.as_options()).unwrap();
        assert!(!r.complete);
        assert_eq!(r.incomplete, ["/Users: the page failed"]);
        for complete in [
            r#"{"listing": {"complete": true, "problems": []}}"#,
            "{}",
            r#"{"listing": null}"#,
        ] {
            let o: ReportOptionsJson = parse_json_arg("options", complete).unwrap();
            let r = report("[]", "[]", None, &o.as_options()).unwrap();
            assert!(r.complete && r.incomplete.is_empty(), "{complete}");
        }
        let e = parse_json_arg::<ReportOptionsJson>("options", r#"{"listing": {"complete": 1}}"#)
            .unwrap_err();
        assert_eq!(e.location.as_deref(), Some("listing.complete"));
        let e = parse_json_arg::<ReportOptionsJson>("options", r#"{"listing": []}"#).unwrap_err();
        assert_eq!(e.location.as_deref(), Some("listing"));
        assert_eq!(
            e.data["reason"],
            "invalid type: sequence, expected struct ListingSummary"
        );
    }

    #[test]
    fn a_report_names_its_bad_argument() {
        let csv = report_csv_with("[]", "[]", true, Some(r#"{"attribute": "userType"}"#)).unwrap();
        assert!(csv.starts_with("\u{feff}External ID,") && csv.ends_with(",License type\r\n"));
        let e = report_csv_with("[]", "[]", false, Some(r#"{"atribute": "x"}"#)).unwrap_err();
        assert_eq!(e.location.as_deref(), Some("atribute"));
        let e = report_csv("[]", r#"[{"displayName": 3}]"#).unwrap_err();
        assert_eq!(e.data["argument"], "groups-json");
        assert!(e.location.as_deref().is_some_and(|l| l.starts_with("[0]")));
        let options = ReportOptions {
            policy_json: Some("{\"offboarding\":\"later\"}"),
            ..ReportOptions::default()
        };
        let e = report("[]", "[]", Some("{}"), &options).unwrap_err();
        assert_eq!(e.data["argument"], "plan-json");
        assert!(report_json("[]", "[]", None, &ReportOptions::default()).is_ok());
    }

    #[test]
    fn licenses_prices_server_and_an_earlier_report_reach_the_report() {
        let users = r#"[{"id": "1", "userName": "a@x", "userType": "Creator"}, {"id": "2", "userName": "b@x"}]"#;
        let first: ReportOptionsJson = parse_json_arg(
            "options",
            r#"{"licenses": {"attribute": "userType", "purchased": {"Creator": 3}},
                "pricePerSeat": 1000, "prices": {"Creator": 4550},
                "server": "https://u:secret@scim.example.com/v2?token=t"}"#,
        )
        .unwrap();
        let before = report_json("[]", "[]", None, &first.as_options()).unwrap();
        let r = report(users, "[]", None, &first.as_options()).unwrap();
        assert_eq!(r.server.as_deref(), Some("https://scim.example.com/v2"));
        assert_eq!(r.licenses[0].license, "Creator");
        assert_eq!(r.cost.as_ref().map(|c| c.active), Some(4550 + 1000));
        let options = first.as_options().with_previous_json(Some(&before));
        let r = report(users, "[]", None, &options).unwrap();
        assert_eq!(r.comparison.map(|c| c.users.len()), Some(2));
        let csv = review_csv(users, "[]", None, &options, false).unwrap();
        assert_eq!(csv.lines().count(), 3);
        let e = review_csv(users, "[]", None, &first.as_options(), false).unwrap_err();
        assert_eq!(e.data["argument"], "previous-json");
        let bad = first
            .as_options()
            .with_previous_json(Some(r#"{"seats": {"totalUsers": 0, "active": 0, "deactivated": 0}, "snapshot": {"takenAtMs": "x"}}"#));
        let e = report(users, "[]", None, &bad).unwrap_err();
        assert_eq!(e.data["argument"], "previous-json");
        assert_eq!(e.location.as_deref(), Some("snapshot.takenAtMs"));
        let e = parse_json_arg::<ReportOptionsJson>("options", r#"{"prices": {"A": "45"}}"#)
            .unwrap_err();
        assert_eq!(e.location.as_deref(), Some("prices.A"));
    }
}
