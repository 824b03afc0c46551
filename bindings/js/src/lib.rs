//! The wasm-bindgen adapter behind the npm package: converts JavaScript values (or JSON
//! strings, which are faster for large inputs) to JSON text, calls the host crate's
//! `scim_provision_host::boundary` (which the WebAssembly component calls too), and converts
//! results back. It decides nothing: every rule lives in `scim-provision`. Its one helper of
//! its own, `text`, is JavaScript's (`TextEncoder`), so it stays here, not in the host crate.
//!
//! Errors are thrown as JavaScript `Error`s named `ScimProvisionError` carrying every field
//! of the core's `Fault`: `kind` (`encode`, `decode`, `server`, `desired-state`, `plan`,
//! `engine`, `filter`, `invalid-argument`), `code`, `httpStatus`, `scimType`, `detail`,
//! `location` and `data`; the TypeScript facade rethrows them as its `ScimProvisionError`
//! class. Arguments are named as the component's WIT parameters (`config-json`...), so a
//! fault reads the same whichever form of the core raised it.

mod text;

use js_sys::{Error as JsError, JsString, Reflect};
use scim_provision::engine::{self, Input};
use scim_provision::http::{HttpRequest, HttpResponse};
use scim_provision::plan::{self, Policy};
use scim_provision::profile::{self, Profile};
use scim_provision::request::{RequestEncoder, ResourceKind};
use scim_provision::response::{self, Decoded, Expect};
use scim_provision_host::boundary::{
    self, DecodeTarget, PartialDecodeOptions, ReportOptions, ReportOptionsJson,
};
use scim_provision_host::fault::{parse_json_arg, to_json, Fault};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A JavaScript `ScimProvisionError` with the given fields.
fn js_error(
    kind: &str,
    code: &str,
    message: &str,
    fields: &[(&str, JsValue)],
    data: JsValue,
) -> JsValue {
    let err = JsError::new(message);
    err.set_name("ScimProvisionError");
    let set = |k: &str, v: &JsValue| {
        // Setting a property on a fresh Error cannot fail; ignore the impossible.
        let _ = Reflect::set(&err, &JsValue::from_str(k), v);
    };
    set("kind", &JsValue::from_str(kind));
    set("code", &JsValue::from_str(code));
    for (k, v) in fields {
        set(k, v);
    }
    set("data", &data);
    err.into()
}

fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// The core's structured error, thrown to JavaScript.
fn throw(f: Fault) -> JsValue {
    // `data` is a small JSON object; JSON.parse gives JavaScript exactly the core's form.
    let data = js_sys::JSON::parse(&to_json(&f.data)).unwrap_or(JsValue::NULL);
    js_error(
        f.kind.as_str(),
        &f.code,
        &f.message,
        &[
            (
                "httpStatus",
                f.http_status.map_or(JsValue::NULL, JsValue::from),
            ),
            ("scimType", opt_str(f.scim_type.as_deref())),
            ("detail", opt_str(f.detail.as_deref())),
            ("location", opt_str(f.location.as_deref())),
        ],
        data,
    )
}

/// A failure of this adapter itself (a value that does not convert to JavaScript).
fn internal(message: String) -> JsValue {
    let null = JsValue::NULL;
    js_error(
        "internal",
        "internal",
        &message,
        &[
            ("httpStatus", null.clone()),
            ("scimType", null.clone()),
            ("detail", null.clone()),
            ("location", null.clone()),
        ],
        js_sys::Object::new().into(),
    )
}

/// Values reach JavaScript as JSON text through `JSON.parse`: the core's serde_json
/// serializers are in the module anyway, where a second serializer (serde-wasm-bindgen)
/// would add a copy of every `Serialize` impl, and `JSON.parse` is fast.
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| internal(e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| internal("JSON.parse refused the core's JSON".into()))
}

/// The JSON text of a value given as a JavaScript object or already as a JSON string.
fn json_text(value: &JsValue, argument: &str) -> Result<String, JsValue> {
    if let Some(text) = value.dyn_ref::<JsString>() {
        return Ok(text::string_from(text));
    }
    // Inputs cross the boundary as JSON: one serde_json deserializer per type keeps the
    // .wasm small, and JSON.stringify is fast.
    js_sys::JSON::stringify(value)
        .ok()
        .map(|s| text::string_from(&s))
        .ok_or_else(|| {
            throw(Fault::invalid_argument(
                argument,
                ".",
                "not serializable to JSON",
            ))
        })
}

/// `None` for `undefined` and `null`, else the value's JSON text.
fn optional_json(value: &JsValue, argument: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    json_text(value, argument).map(Some)
}

/// Reads a value given as a JavaScript object or as a JSON string.
fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue, argument: &str) -> Result<T, JsValue> {
    parse_json_arg(argument, &json_text(value, argument)?).map_err(throw)
}

/// Like [`from_js`], with the type's default for `undefined` and `null`.
fn optional_from_js<T: serde::de::DeserializeOwned + Default>(
    value: &JsValue,
    argument: &str,
) -> Result<T, JsValue> {
    match optional_json(value, argument)? {
        None => Ok(T::default()),
        Some(text) => parse_json_arg(argument, &text).map_err(throw),
    }
}

fn resource_kind(argument: &str, kind: &str) -> Result<ResourceKind, JsValue> {
    ResourceKind::from_name(kind)
        .ok_or_else(|| throw(Fault::unknown_value(argument, kind, ResourceKind::NAMES)))
}

fn expect_of(expect: &str) -> Result<Expect, JsValue> {
    Expect::from_name(expect)
        .ok_or_else(|| throw(Fault::unknown_value("expect", expect, Expect::NAMES)))
}

/// Parses the JSON desired-state format.
#[wasm_bindgen(js_name = parseDesiredJson)]
pub fn parse_desired_json(text: &JsString) -> Result<JsValue, JsValue> {
    to_js(&boundary::desired_from_json(&text::string_from(text)).map_err(throw)?)
}

/// Parses the CSV desired-state format.
#[wasm_bindgen(js_name = parseDesiredCsv)]
pub fn parse_desired_csv(text: &JsString) -> Result<JsValue, JsValue> {
    to_js(&boundary::desired_from_csv(&text::string_from(text)).map_err(throw)?)
}

/// Parses a directory file in the format the core reads from its name and text (`.csv` or
/// `.json`, else JSON when the text starts with `{`, else CSV).
#[wasm_bindgen(js_name = parseDesiredFile)]
pub fn parse_desired_file(file_name: &str, text: &JsString) -> Result<JsValue, JsValue> {
    to_js(&boundary::desired_from_file(file_name, &text::string_from(text)).map_err(throw)?)
}

/// A removal cap written as `N` or `P%`, as `{count, percent}`; throws a fault of code `cap`
/// otherwise.
#[wasm_bindgen(js_name = parseCap)]
pub fn parse_cap(text: &str) -> Result<JsValue, JsValue> {
    to_js(&boundary::parse_cap(text).map_err(throw)?)
}

/// Why a plan with these `blocked` guards must not be applied, or `undefined` when it may be
/// (none tripped, or `allowBlocked`): the engine's own rule, asked before a confirmation.
#[wasm_bindgen(js_name = blockedRefusal)]
pub fn blocked_refusal(blocked: JsValue, allow_blocked: bool) -> Result<Option<String>, JsValue> {
    let blocked: Vec<plan::Blocked> = from_js(&blocked, "blocked")?;
    Ok(plan::refusal(&blocked, allow_blocked))
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

/// A profile given as a built-in name, a Profile object or its JSON text.
fn profile_from(profile: &JsValue) -> Result<Profile, JsValue> {
    match profile.as_string() {
        Some(name) if !name.trim_start().starts_with('{') => {
            boundary::builtin_profile(&name).map_err(throw)
        }
        _ => boundary::profile_from_json(&json_text(profile, "profile-json")?).map_err(throw),
    }
}

fn encoder_from(base_path: &str, profile: &JsValue) -> Result<RequestEncoder, JsValue> {
    RequestEncoder::new(base_path, profile_from(profile)?).map_err(|e| throw(Fault::from(&e)))
}

/// Plans from JSON texts, whichever way JavaScript handed the inputs over.
fn plan_texts(
    desired: &str,
    actual: &str,
    base_path: &str,
    profile: &JsValue,
    policy: Option<&str>,
) -> Result<plan::Plan, JsValue> {
    let (desired, actual) = boundary::plan_inputs(desired, actual).map_err(throw)?;
    let policy: Policy = match policy {
        None => Policy::default(),
        Some(text) => parse_json_arg("policy-json", text).map_err(throw)?,
    };
    let encoder = encoder_from(base_path, profile)?;
    plan::plan(&desired, &actual, encoder.profile(), &policy)
        .map(|draft| draft.with_requests(&encoder))
        .map_err(|e| throw(Fault::from(&e)))
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
    let plan = plan_texts(
        &json_text(&desired, "desired-json")?,
        &json_text(&actual, "actual-json")?,
        base_path,
        &profile,
        optional_json(&policy, "policy-json")?.as_deref(),
    )?;
    to_js(&plan)
}

/// Like [`plan_js`] with JSON strings in and out (an empty `policy` is the default one):
/// the fast path for large directories.
#[wasm_bindgen(js_name = planJson)]
pub fn plan_json(
    desired: &JsString,
    actual: &JsString,
    base_path: &str,
    profile: JsValue,
    policy: &str,
) -> Result<String, JsValue> {
    let policy = (!policy.is_empty()).then_some(policy);
    Ok(to_json(&plan_texts(
        &text::string_from(desired),
        &text::string_from(actual),
        base_path,
        &profile,
        policy,
    )?))
}

/// Plans with the whole configuration as one value, `{basePath, profile, policy}` (object or
/// JSON text; `profile` a Profile object), exactly as the component's `planner.plan` does.
/// JSON text in, the plan's JSON text out.
#[wasm_bindgen(js_name = planWithConfig)]
pub fn plan_with_config(
    desired: JsValue,
    actual: JsValue,
    config: JsValue,
) -> Result<String, JsValue> {
    boundary::plan_json(
        &json_text(&desired, "desired-json")?,
        &json_text(&actual, "actual-json")?,
        &json_text(&config, "config-json")?,
    )
    .map_err(throw)
}

/// Checks a saved plan (object or JSON text) against its digest before anything is sent,
/// and returns it (JSON text) with every figure recomputed by the core; throws a fault of
/// code `planEdited` or `planWithoutDigest` otherwise.
#[wasm_bindgen(js_name = checkPlan)]
pub fn check_plan(plan: JsValue) -> Result<String, JsValue> {
    boundary::check_plan_json(&json_text(&plan, "plan-json")?).map_err(throw)
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
    let expect = expect_of(&expect.as_string().unwrap_or_default())?;
    let response: HttpResponse = from_js(&response, "response")?;
    let options: PartialDecodeOptions = optional_from_js(&options, "options")?;
    let options = options.resolve();
    /// The result's shape for JS, serialized straight to JSON text.
    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "camelCase")]
    enum Shaped<T> {
        Resource {
            resource: T,
        },
        Page {
            page: scim_provision::model::ListResponse<T>,
        },
        Error {
            error: response::ServerError,
        },
        NoContent,
    }
    fn shape<T: Serialize>(d: Decoded<T>) -> Result<JsValue, JsValue> {
        to_js(&match d {
            Decoded::Resource(resource) => Shaped::Resource { resource },
            Decoded::Page(page) => Shaped::Page { page },
            Decoded::Error(error) => Shaped::Error { error },
            _ => Shaped::NoContent,
        })
    }
    let decode_error = |e: response::DecodeError| throw(Fault::from(&e));
    match resource_kind("resource", resource)? {
        ResourceKind::User => shape(
            response::decode::<scim_provision::model::User>(expect, &response, &options)
                .map_err(decode_error)?,
        ),
        ResourceKind::Group => shape(
            response::decode::<scim_provision::model::Group>(expect, &response, &options)
                .map_err(decode_error)?,
        ),
        // A kind this adapter has no decoder for yet.
        _ => Err(throw(Fault::unknown_value(
            "resource",
            resource,
            &["user", "group"],
        ))),
    }
}

/// Decodes a response as the component's `codec.decode-response` does: `target` is `user`,
/// `group` or `service-provider-config`, `options` `{maxBodyBytes, createStatuses, nowMs}`
/// (any absent), and an error status is thrown as an error of kind `server`. Returns the
/// JSON text of `{type: "resource" | "page" | "noContent", ...}`.
#[wasm_bindgen(js_name = decode)]
pub fn decode(
    target: &str,
    expect: &str,
    response: JsValue,
    options: JsValue,
) -> Result<String, JsValue> {
    let target = DecodeTarget::from_name("target", target).map_err(throw)?;
    let expect = expect_of(expect)?;
    let response: HttpResponse = from_js(&response, "response")?;
    let options: PartialDecodeOptions = optional_from_js(&options, "options")?;
    boundary::decode_json(target, expect, &response, &options.resolve()).map_err(throw)
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
        Err(e) => Err(throw(Fault::from(&e))),
    }
}

/// Renders a filter AST (as `parseFilter` returns it, object or JSON text) back to filter
/// text, values escaped.
#[wasm_bindgen(js_name = renderFilter)]
pub fn render_filter(filter: JsValue) -> Result<String, JsValue> {
    boundary::render_filter_json(&json_text(&filter, "filter-json")?).map_err(throw)
}

/// Builds the requests of one server (a base path and a profile), as the component's
/// `codec.encoder` does. `kind` is `user` or `group`; resources, queries and patches are
/// objects or JSON text; requests come back as `{method, path, headers, body}`.
#[wasm_bindgen]
pub struct Encoder {
    inner: RequestEncoder,
}

fn request_js(r: Result<HttpRequest, Fault>) -> Result<JsValue, JsValue> {
    to_js(&r.map_err(throw)?)
}

#[wasm_bindgen]
impl Encoder {
    /// An encoder for `basePath` (such as `/scim/v2`) and a profile (a built-in name, a
    /// Profile object or its JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(base_path: &str, profile: JsValue) -> Result<Encoder, JsValue> {
        Ok(Encoder {
            inner: encoder_from(base_path, &profile)?,
        })
    }

    /// `GET /Users` or `/Groups` with a ListQuery
    /// (`{startIndex, count, filter, attributes, excludedAttributes}`).
    pub fn list(&self, kind: &str, query: JsValue) -> Result<JsValue, JsValue> {
        let query = json_text(&query, "query-json")?;
        request_js(boundary::encode_list(
            &self.inner,
            resource_kind("kind", kind)?,
            &query,
        ))
    }

    /// `GET /Users/{id}` or `/Groups/{id}`.
    pub fn get(&self, kind: &str, id: &str) -> Result<JsValue, JsValue> {
        request_js(boundary::encode_get(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
        ))
    }

    /// `POST /Users` or `/Groups` with a User or Group.
    #[wasm_bindgen(js_name = createResource)]
    pub fn create_resource(&self, kind: &str, resource: JsValue) -> Result<JsValue, JsValue> {
        let resource = json_text(&resource, "resource-json")?;
        request_js(boundary::encode_create(
            &self.inner,
            resource_kind("kind", kind)?,
            &resource,
        ))
    }

    /// `PUT /Users/{id}` or `/Groups/{id}` with the whole resource.
    pub fn replace(&self, kind: &str, id: &str, resource: JsValue) -> Result<JsValue, JsValue> {
        let resource = json_text(&resource, "resource-json")?;
        request_js(boundary::encode_replace(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
            &resource,
        ))
    }

    /// `PATCH` with a PatchOp (`{Operations: [...]}`), cased as the profile wants.
    pub fn patch(&self, kind: &str, id: &str, patch: JsValue) -> Result<JsValue, JsValue> {
        let patch = json_text(&patch, "patch-json")?;
        request_js(boundary::encode_patch(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
            &patch,
        ))
    }

    /// `DELETE /Users/{id}` or `/Groups/{id}`.
    pub fn delete(&self, kind: &str, id: &str) -> Result<JsValue, JsValue> {
        request_js(boundary::encode_delete(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
        ))
    }

    /// `GET /ServiceProviderConfig`.
    #[wasm_bindgen(js_name = serviceProviderConfig)]
    pub fn service_provider_config(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.service_provider_config())
    }

    /// The profile in use.
    pub fn profile(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.profile())
    }
}

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
/// when given. `options`: `{takenAtMs, purchasedSeats, desired, policy}`.
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
        boundary::report,
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
    with_report_args(&users, &groups, &plan, &options, boundary::report_html)
}

/// The users as CSV with Airtable's admin-panel columns.
#[wasm_bindgen(js_name = reportCsv)]
pub fn report_csv(users: JsValue, groups: JsValue) -> Result<String, JsValue> {
    boundary::report_csv(
        &json_text(&users, "users-json")?,
        &json_text(&groups, "groups-json")?,
    )
    .map_err(throw)
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
        let inner = boundary::engine_from_json(
            &json_text(&config, "config-json")?,
            &json_text(&desired, "desired-json")?,
        )
        .map_err(throw)?;
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
        let input: Input = from_js(&input, "input")?;
        self.inner
            .handle_input(input, now_ms.max(0.0) as u64)
            .map_err(|e| throw(Fault::from(&e)))
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
