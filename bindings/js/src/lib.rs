//! The wasm-bindgen adapter behind the npm package: converts JavaScript values (or JSON
//! strings, which are faster for large inputs) to the core's types, calls the core, and
//! converts results back. It decides nothing: every rule lives in `scim-provision`.
//!
//! Errors are thrown as JavaScript `Error`s carrying `kind`, `status`, `scimType`, `detail`
//! and, where known, `path` (a JSON path) or `rows` (bad CSV rows); the TypeScript facade
//! rethrows them as its `ScimProvisionError` class.

use js_sys::{Error as JsError, Reflect};
use scim_provision::engine::{self, EngineConfig, Input};
use scim_provision::http::HttpResponse;
use scim_provision::plan::{self, ActualState, DesiredState, DesiredStateError, Policy};
use scim_provision::profile::{self, Profile};
use scim_provision::report;
use scim_provision::request::{EncodeError, RequestEncoder};
use scim_provision::response::{self, DecodeError, DecodeOptions, Decoded, Expect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// The structured error thrown to JavaScript.
struct Fault<'a> {
    kind: &'a str,
    message: String,
    status: Option<u16>,
    scim_type: Option<String>,
    detail: Option<String>,
    extra: Vec<(&'a str, JsValue)>,
}

impl Fault<'_> {
    fn new(kind: &str, message: impl Into<String>) -> Fault<'_> {
        Fault {
            kind,
            message: message.into(),
            status: None,
            scim_type: None,
            detail: None,
            extra: Vec::new(),
        }
    }

    fn throw(self) -> JsValue {
        let err = JsError::new(&self.message);
        err.set_name("ScimProvisionError");
        let set = |k: &str, v: JsValue| {
            // Setting a property on a fresh Error cannot fail; ignore the impossible.
            let _ = Reflect::set(&err, &JsValue::from_str(k), &v);
        };
        set("kind", JsValue::from_str(self.kind));
        set("status", self.status.map_or(JsValue::NULL, JsValue::from));
        set(
            "scimType",
            self.scim_type
                .map_or(JsValue::NULL, |s| JsValue::from_str(&s)),
        );
        set(
            "detail",
            self.detail.map_or(JsValue::NULL, |s| JsValue::from_str(&s)),
        );
        for (k, v) in self.extra {
            set(k, v);
        }
        err.into()
    }
}

fn serializer() -> serde_wasm_bindgen::Serializer {
    serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true)
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serializer())
        .map_err(|e| Fault::new("internal", e.to_string()).throw())
}

/// The JSON text of a value given as a JavaScript object or already as a JSON string.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    // Inputs cross the boundary as JSON: one serde_json deserializer per type keeps the
    // .wasm small, and JSON.stringify is fast.
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            Fault::new("invalidInput", format!("{what}: not serializable to JSON")).throw()
        })
}

/// Reads a value given as a JavaScript object or as a JSON string.
fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    let text = json_text(&value, what)?;
    serde_json::from_str(&text)
        .map_err(|e| Fault::new("invalidInput", format!("{what}: {e}")).throw())
}

fn desired_error(e: DesiredStateError) -> JsValue {
    let mut f = Fault::new("invalidDesiredState", e.to_string());
    match &e {
        DesiredStateError::Json { path, .. } => f.extra.push(("path", JsValue::from_str(path))),
        DesiredStateError::Csv { rows } => {
            if let Ok(rows) = to_js(rows) {
                f.extra.push(("rows", rows));
            }
        }
        _ => {}
    }
    f.throw()
}

fn desired_from(value: JsValue) -> Result<DesiredState, JsValue> {
    DesiredState::from_json(&json_text(&value, "desired state")?).map_err(desired_error)
}

fn encode_error(e: EncodeError) -> JsValue {
    Fault::new("invalidRequest", e.to_string()).throw()
}

fn decode_error(e: DecodeError) -> JsValue {
    let mut f = Fault::new("invalidResponse", e.to_string());
    f.status = e.http_status();
    if let DecodeError::WrongShape { path, .. } = &e {
        f.extra.push(("path", JsValue::from_str(path)));
    }
    f.throw()
}

fn engine_error(e: engine::EngineError) -> JsValue {
    match e {
        engine::EngineError::Desired(p) => Fault::new("invalidDesiredState", p.to_string()).throw(),
        other => Fault::new("engineMisuse", other.to_string()).throw(),
    }
}

/// Parses the JSON desired-state format.
#[wasm_bindgen(js_name = parseDesiredJson)]
pub fn parse_desired_json(text: &str) -> Result<JsValue, JsValue> {
    to_js(&DesiredState::from_json(text).map_err(desired_error)?)
}

/// Parses the CSV desired-state format.
#[wasm_bindgen(js_name = parseDesiredCsv)]
pub fn parse_desired_csv(text: &str) -> Result<JsValue, JsValue> {
    to_js(&DesiredState::from_csv(text).map_err(desired_error)?)
}

/// A built-in profile by name, or `undefined`.
#[wasm_bindgen(js_name = profile)]
pub fn profile_by_name(name: &str) -> Result<JsValue, JsValue> {
    match profile::builtin(name) {
        Some(p) => to_js(&p),
        None => Ok(JsValue::UNDEFINED),
    }
}

/// The names of the built-in profiles.
#[wasm_bindgen(js_name = profileNames)]
pub fn profile_names() -> Result<JsValue, JsValue> {
    to_js(&profile::builtin_names().collect::<Vec<_>>())
}

fn encoder_from(base_path: &str, profile: JsValue) -> Result<RequestEncoder, JsValue> {
    let profile: Profile = match profile.as_string() {
        Some(name) if !name.trim_start().starts_with('{') => {
            profile::builtin(&name).ok_or_else(|| {
                Fault::new("invalidInput", format!("unknown profile {name:?}")).throw()
            })?
        }
        _ => from_js(profile, "profile")?,
    };
    RequestEncoder::new(base_path, profile).map_err(encode_error)
}

/// Plans `desired` against `actual` (objects or JSON strings); returns the Plan.
#[wasm_bindgen(js_name = plan)]
pub fn plan_js(
    desired: JsValue,
    actual: JsValue,
    base_path: &str,
    profile: JsValue,
    policy: JsValue,
) -> Result<JsValue, JsValue> {
    let desired = desired_from(desired)?;
    let actual: ActualState = from_js(actual, "actual state")?;
    let policy: Policy = if policy.is_undefined() || policy.is_null() {
        Policy::default()
    } else {
        from_js(policy, "policy")?
    };
    let encoder = encoder_from(base_path, profile)?;
    let plan = plan::plan(&desired, &actual, &encoder, &policy)
        .map_err(|e| Fault::new("invalidDesiredState", e.to_string()).throw())?;
    to_js(&plan)
}

/// Like [`plan_js`] with JSON strings in and out: the fast path for large directories.
#[wasm_bindgen(js_name = planJson)]
pub fn plan_json(
    desired: &str,
    actual: &str,
    base_path: &str,
    profile: JsValue,
    policy: &str,
) -> Result<String, JsValue> {
    let desired = DesiredState::from_json(desired).map_err(desired_error)?;
    let actual: ActualState = serde_json::from_str(actual)
        .map_err(|e| Fault::new("invalidInput", format!("actual state: {e}")).throw())?;
    let policy: Policy = if policy.is_empty() {
        Policy::default()
    } else {
        serde_json::from_str(policy)
            .map_err(|e| Fault::new("invalidInput", format!("policy: {e}")).throw())?
    };
    let encoder = encoder_from(base_path, profile)?;
    let plan = plan::plan(&desired, &actual, &encoder, &policy)
        .map_err(|e| Fault::new("invalidDesiredState", e.to_string()).throw())?;
    serde_json::to_string(&plan).map_err(|e| Fault::new("internal", e.to_string()).throw())
}

/// Decodes a response (`{status, headers, body}`) to a request of kind `expect`
/// (`get`, `list`, `create`, `replace`, `patch`, `delete`) whose resources are `resource`
/// (`user` or `group`). Returns `{type: "resource" | "page" | "noContent" | "error", ...}`.
#[wasm_bindgen(js_name = decodeResponse)]
pub fn decode_response(
    expect: JsValue,
    resource: &str,
    response: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let expect: Expect = from_js(expect, "expect")?;
    let response: HttpResponse = from_js(response, "response")?;
    let options: DecodeOptions = if options.is_undefined() || options.is_null() {
        DecodeOptions::default()
    } else {
        from_js(options, "options")?
    };
    fn shape<T: Serialize>(d: Decoded<T>) -> Value {
        match d {
            Decoded::Resource(r) => serde_json::json!({"type": "resource", "resource": r}),
            Decoded::Page(p) => serde_json::json!({"type": "page", "page": p}),
            Decoded::Error(e) => serde_json::json!({"type": "error", "error": e}),
            _ => serde_json::json!({"type": "noContent"}),
        }
    }
    let out = match resource {
        "user" => shape(
            response::decode::<scim_provision::model::User>(expect, &response, &options)
                .map_err(decode_error)?,
        ),
        "group" => shape(
            response::decode::<scim_provision::model::Group>(expect, &response, &options)
                .map_err(decode_error)?,
        ),
        other => {
            return Err(Fault::new(
                "invalidInput",
                format!("resource must be \"user\" or \"group\", not {other:?}"),
            )
            .throw())
        }
    };
    to_js(&out)
}

/// Parses a `Retry-After` value into a delay in milliseconds from `nowMs`.
#[wasm_bindgen(js_name = parseRetryAfter)]
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    response::parse_retry_after(value, now_ms as u64).map(|ms| ms as f64)
}

/// Renders `attr eq "value"` with the escaping RFC 7644 requires.
#[wasm_bindgen(js_name = filterEq)]
pub fn filter_eq(attribute: &str, value: &str) -> String {
    scim_provision::filter::Filter::eq(attribute, value).to_string()
}

/// Parses a filter; returns its AST or throws with the byte offset.
#[wasm_bindgen(js_name = parseFilter)]
pub fn parse_filter(text: &str) -> Result<JsValue, JsValue> {
    match scim_provision::filter::parse(text) {
        Ok(f) => to_js(&f),
        Err(e) => {
            let mut f = Fault::new("invalidFilter", e.to_string());
            f.extra.push(("offset", JsValue::from(e.offset as f64)));
            Err(f.throw())
        }
    }
}

/// The SaaS-ops report of listed users and groups, with the stale accounts of `plan`
/// when given. `options`: `{takenAtMs, purchasedSeats, desired, policy}`.
#[wasm_bindgen(js_name = buildReport)]
pub fn build_report(
    users: JsValue,
    groups: JsValue,
    plan: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&report_of(users, groups, plan, options)?)
}

/// The report as a self-contained HTML page.
#[wasm_bindgen(js_name = reportHtml)]
pub fn report_html(
    users: JsValue,
    groups: JsValue,
    plan: JsValue,
    options: JsValue,
) -> Result<String, JsValue> {
    Ok(report::html::render_html(&report_of(
        users, groups, plan, options,
    )?))
}

/// The users as CSV with Airtable's admin-panel columns.
#[wasm_bindgen(js_name = reportCsv)]
pub fn report_csv(users: JsValue, groups: JsValue) -> Result<String, JsValue> {
    let users: Vec<scim_provision::model::User> = from_js(users, "users")?;
    let groups: Vec<scim_provision::model::Group> = from_js(groups, "groups")?;
    Ok(report::csv_export::users_csv(&users, &groups))
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ReportOptions {
    taken_at_ms: u64,
    purchased_seats: Option<u64>,
    desired: Option<DesiredState>,
    policy: Option<Policy>,
}

fn report_of(
    users: JsValue,
    groups: JsValue,
    plan: JsValue,
    options: JsValue,
) -> Result<report::Report, JsValue> {
    let users: Vec<scim_provision::model::User> = from_js(users, "users")?;
    let groups: Vec<scim_provision::model::Group> = from_js(groups, "groups")?;
    let options: ReportOptions = if options.is_undefined() || options.is_null() {
        ReportOptions::default()
    } else {
        from_js(options, "options")?
    };
    let stale = if plan.is_undefined() || plan.is_null() {
        Vec::new()
    } else {
        let plan: plan::Plan = from_js(plan, "plan")?;
        let desired = options.desired.clone().unwrap_or_default();
        let policy = options.policy.clone().unwrap_or_default();
        report::stale::stale_from_plan(&plan, &users, &desired, &policy)
    };
    let mut input = report::ReportInput::new(&users, &groups, options.taken_at_ms).stale(&stale);
    if let Some(d) = &options.desired {
        input = input.desired(&d.users);
    }
    if let Some(n) = options.purchased_seats {
        input = input.purchased_seats(n);
    }
    Ok(report::build_report(&input))
}

/// The sans-IO engine. Drive it as the crate docs describe: call `pollOutput(nowMs)` until
/// it returns `wait` or `done`, send each `send` request, and hand every answer back with
/// `handleInput`.
#[wasm_bindgen]
pub struct Engine {
    inner: engine::Engine,
}

#[wasm_bindgen]
impl Engine {
    /// A run of `config` (EngineConfig: object or JSON string) towards `desired` (object or
    /// JSON string).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, desired: JsValue) -> Result<Engine, JsValue> {
        let config: EngineConfig = from_js(config, "engine config")?;
        let desired = desired_from(desired)?;
        let inner = engine::Engine::new(config, desired).map_err(engine_error)?;
        Ok(Engine { inner })
    }

    /// The next output: `{type: "send" | "event" | "wait" | "done", ...}`.
    #[wasm_bindgen(js_name = pollOutput)]
    pub fn poll_output(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(&self.inner.poll_output(now_ms.max(0.0) as u64))
    }

    /// An answer: `{type: "response", id, response: {status, headers, body}}` or
    /// `{type: "failed", id, reason}`.
    #[wasm_bindgen(js_name = handleInput)]
    pub fn handle_input(&mut self, input: JsValue, now_ms: f64) -> Result<(), JsValue> {
        let input: Input = from_js(input, "input")?;
        self.inner
            .handle_input(input, now_ms.max(0.0) as u64)
            .map_err(engine_error)
    }

    /// Stops the run; the next `pollOutput` returns the report of what was done.
    pub fn abort(&mut self) {
        self.inner.abort();
    }

    /// The server state as listed (users and groups).
    #[wasm_bindgen(js_name = listedState)]
    pub fn listed_state(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.listed_state())
    }
}
