//! The npm package's second WebAssembly module: the SaaS-ops reports (seats, license types,
//! cost, chargeback, stale accounts, the access snapshot and review; JSON, HTML and CSV).
//! Kept apart from the engine and planner (`scim-provision-js`) so each `.wasm` stays within
//! its size budget and a host that only provisions never loads the report code. Like that
//! module, it converts values and calls `scim_provision_host::report`; it decides nothing.

use scim_provision_host::fault::Fault;
use scim_provision_host::report::{self as host_report, ReportOptions, ReportOptionsJson};
use scim_provision_js_glue::{json_text, optional_from_js, optional_json, throw, to_js};
use wasm_bindgen::prelude::*;

/// Calls `f` with the report arguments as JSON text.
fn with_report_args<T>(
    users: &JsValue,
    groups: &JsValue,
    plan: &JsValue,
    options: &JsValue,
    f: impl FnOnce(&str, &str, Option<&str>, &ReportOptions<'_>) -> Result<T, Fault>,
) -> Result<T, JsValue> {
    let users = json_text(users, "users-json")?;
    let groups = json_text(groups, "groups-json")?;
    let plan = optional_json(plan, "plan-json")?;
    let options: ReportOptionsJson = optional_from_js(options, "options")?;
    f(&users, &groups, plan.as_deref(), &options.as_options()).map_err(throw)
}

/// The SaaS-ops report of listed users and groups, with the stale accounts of `plan`
/// when given. `options`: `{takenAtMs, purchasedSeats, desired, policy, listing, licenses,
/// pricing, server, previous}`.
#[wasm_bindgen(js_name = buildReport)]
pub fn build_report(
    users: JsValue,
    groups: JsValue,
    plan: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&with_report_args(
        &users,
        &groups,
        &plan,
        &options,
        host_report::report,
    )?)
}

/// The report as a self-contained HTML page.
#[wasm_bindgen(js_name = reportHtml)]
pub fn report_html(
    users: JsValue,
    groups: JsValue,
    plan: JsValue,
    options: JsValue,
) -> Result<String, JsValue> {
    with_report_args(&users, &groups, &plan, &options, host_report::report_html)
}

/// The access review against `options.previous` as CSV; with `byteOrderMark`, starting with
/// a UTF-8 byte-order mark.
#[wasm_bindgen(js_name = reviewCsv)]
#[allow(clippy::result_large_err)] // a `Fault` is handed on whole, as everywhere here
pub fn review_csv(
    users: JsValue,
    groups: JsValue,
    plan: JsValue,
    options: JsValue,
    byte_order_mark: Option<bool>,
) -> Result<String, JsValue> {
    with_report_args(&users, &groups, &plan, &options, |u, g, p, o| {
        host_report::review_csv(u, g, p, o, byte_order_mark.unwrap_or(false))
    })
}

/// The users as CSV with Airtable's admin-panel columns; with `byteOrderMark`, starting
/// with a UTF-8 byte-order mark; with `licenses` (a LicenseRule, object or JSON text), a
/// `License type` column.
#[wasm_bindgen(js_name = reportCsv)]
pub fn report_csv(
    users: JsValue,
    groups: JsValue,
    byte_order_mark: Option<bool>,
    licenses: JsValue,
) -> Result<String, JsValue> {
    host_report::report_csv_with(
        &json_text(&users, "users-json")?,
        &json_text(&groups, "groups-json")?,
        byte_order_mark.unwrap_or(false),
        optional_json(&licenses, "licenses-json")?.as_deref(),
    )
    .map_err(throw)
}
