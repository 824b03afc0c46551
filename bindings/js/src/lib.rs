//! The wasm-bindgen adapter behind the npm package: converts JavaScript values (or JSON
//! strings, which are faster for large inputs) to JSON text, calls the host crate's
//! `scim_provision_host::boundary` (which the WebAssembly component calls too), and converts
//! results back. It decides nothing: every rule lives in `scim-provision`. The glue it shares
//! with the server doctor's module (`bindings/doctor-js`, kept out of this one so the main
//! module stays small) lives in `scim-provision-js-glue`, not in the host crate, because it
//! is JavaScript's (`TextEncoder`, `Error`, `JSON.parse`).
//!
//! Errors are thrown as JavaScript `Error`s named `ScimProvisionError` carrying every field
//! of the core's `Fault`: `kind` (`encode`, `decode`, `server`, `desired-state`, `plan`,
//! `engine`, `filter`, `invalid-argument`), `code`, `httpStatus`, `scimType`, `detail`,
//! `location` and `data`; the TypeScript facade rethrows them as its `ScimProvisionError`
//! class. Arguments are named as the component's WIT parameters (`config-json`...), so a
//! fault reads the same whichever form of the core raised it.

mod encoder;

pub use encoder::Encoder;

use js_sys::{JsString, Reflect, Uint8Array};
use scim_provision::engine::{self, Input};
use scim_provision::http::HttpResponse;
use scim_provision::plan;
use scim_provision::profile::{self, Profile};
use scim_provision::request::{RequestEncoder, ResourceKind};
use scim_provision::response;
use scim_provision_host::boundary::{self, DecodeTarget, DecodedText};
use scim_provision_host::entry::{self, DesiredOptions};
use scim_provision_host::fault::Fault;
use scim_provision_js_glue::{
    from_js, head, internal, json_text, optional_from_js, optional_json, parse_js, response_input,
    text, throw, to_js,
};
use wasm_bindgen::prelude::*;

fn resource_kind(argument: &str, kind: &str) -> Result<ResourceKind, JsValue> {
    ResourceKind::from_name(kind)
        .ok_or_else(|| throw(Fault::unknown_value(argument, kind, ResourceKind::NAMES)))
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

/// Checks a saved plan (object or JSON text) against its digest before anything is sent,
/// and returns it (JSON text) with every figure recomputed by the core; throws a fault of
/// code `planEdited` or `planWithoutDigest` otherwise.
#[wasm_bindgen(js_name = checkPlan)]
pub fn check_plan(plan: JsValue) -> Result<String, JsValue> {
    boundary::check_plan_json(&json_text(&plan, "plan-json")?).map_err(throw)
}

/// The one decode entry point. `kind` says what `input` is and `options` how to read it
/// (`scim_provision_host::entry` reads them):
///
/// - `desired`: a directory's text, or its file's bytes (a `Uint8Array`, checked as UTF-8
///   in the core), `options` `{format: "json" | "csv", fileName}` (both optional: the
///   format, else the file name's extension, else the content decides); returns the
///   desired state.
/// - `plan`: a saved plan's text or file bytes, `options` ignored; returns the plan checked
///   against its digest, every figure recomputed (as `checkPlan`; a plan file's `input` is
///   dropped).
/// - `user`, `group`, `service-provider-config`: a response (`{status, headers, body}`, the
///   body as text or as the bytes received), `options` `{expect, maxBodyBytes,
///   createStatuses, nowMs}` (`expect` required: `get`, `list`, `create`, `replace`,
///   `patch`, `delete`); returns `{type: "resource" | "page" | "noContent", ...}` and throws
///   an error status as a fault of kind `server`.
#[wasm_bindgen(js_name = decode)]
pub fn decode(kind: &str, input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    if kind == "desired" {
        let text = if let Some(bytes) = input.dyn_ref::<Uint8Array>() {
            boundary::directory_text(text::bytes_from(bytes)).map_err(throw)?
        } else {
            input
                .dyn_ref::<JsString>()
                .map(text::string_from)
                .ok_or_else(|| throw(Fault::invalid_argument("input", ".", "not a string")))?
        };
        let options: DesiredOptions = optional_from_js(&options, "options")?;
        return to_js(&entry::desired(&text, &options).map_err(throw)?);
    }
    if kind == "plan" {
        let text = match input.dyn_ref::<Uint8Array>() {
            Some(bytes) => String::from_utf8(text::bytes_from(bytes))
                .map_err(|_| throw(Fault::invalid_argument("plan-json", ".", "not UTF-8 text")))?,
            None => json_text(&input, "plan-json")?,
        };
        return parse_js(&boundary::check_plan_json(&text).map_err(throw)?);
    }
    let target = DecodeTarget::from_name("kind", kind).map_err(throw)?;
    let response = response_from_js(&input)?;
    let options = json_text(&options, "options")?;
    match entry::response_text(target, &response, &options).map_err(throw)? {
        DecodedText::PageAsSent => page_as_sent(&input, &response),
        DecodedText::Json(json) => parse_js(&json),
        _ => Err(internal(
            "the core decoded a response this binding does not know".into(),
        )),
    }
}

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JavaScript string, which `js_sys` takes only as a Rust `&str`.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsString) -> Result<JsValue, JsValue>;
}

/// `{type: "page", page}` for a page the core found to be its body as sent: the body parsed
/// by `JSON.parse` (the string given, or the bytes' text), not the page written out as JSON
/// and parsed again.
fn page_as_sent(input: &JsValue, response: &HttpResponse) -> Result<JsValue, JsValue> {
    let given = Reflect::get(input, &JsValue::from_str("body")).unwrap_or_default();
    let body: JsString = given
        .dyn_into()
        .unwrap_or_else(|_| JsString::from(response.body.as_str()));
    // The core reads stricter JSON than `JSON.parse` does: this does not fail.
    let page = json_parse(&body)
        .map_err(|_| internal("JSON.parse refused a page the core read".into()))?;
    let out = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&out, &JsValue::from_str(key), value);
    set("type", &JsValue::from_str("page"))?;
    set("page", &page)?;
    Ok(out.into())
}

/// What `mapping` (a built-in mapping's name or a mapping's JSON) makes of a directory
/// file (`Uint8Array` or text): `{records, mapped, inScope, users, outOfScope, groups,
/// errors}`, at most `limit` users and out-of-scope names, scope from `policy` (a Policy,
/// object or JSON string; optional).
#[wasm_bindgen(js_name = mapPreview)]
pub fn map_preview(
    input: JsValue,
    file_name: &str,
    mapping: &str,
    policy: JsValue,
    limit: u32,
) -> Result<JsValue, JsValue> {
    let bytes = match input.dyn_ref::<Uint8Array>() {
        Some(bytes) => text::bytes_from(bytes),
        None => input
            .dyn_ref::<JsString>()
            .map(text::string_from)
            .ok_or_else(|| throw(Fault::invalid_argument("input", ".", "not a string")))?
            .into_bytes(),
    };
    let policy = optional_json(&policy, "policy-json")?;
    let preview = scim_provision_host::mapping::map_preview(
        file_name,
        bytes,
        mapping,
        policy.as_deref(),
        limit,
    );
    parse_js(&preview.map_err(throw)?)
}

/// A response object (`{status, headers, body}`). A body given as text or bytes goes into
/// the core as it is, never escaped into the envelope's JSON; the envelope's other fields,
/// or a body of any other type, are read as JSON (argument `response`), whose errors name
/// the field at fault.
fn response_from_js(input: &JsValue) -> Result<HttpResponse, JsValue> {
    let field = |name: &str| Reflect::get(input, &JsValue::from_str(name)).unwrap_or_default();
    let body = field("body");
    let text = body.dyn_ref::<JsString>();
    let bytes = body.dyn_ref::<Uint8Array>();
    if !input.is_object() || (text.is_none() && bytes.is_none()) {
        return from_js(input, "response");
    }
    let HttpResponse {
        status, headers, ..
    } = head(&field("status"), &field("headers"))?;
    Ok(match text {
        Some(text) => HttpResponse {
            status,
            headers,
            body: text::string_from(text),
        },
        None => {
            let bytes = bytes.map(text::bytes_from).unwrap_or_default();
            HttpResponse::from_bytes(status, headers, bytes)
        }
    })
}

/// The one plan entry point: `input` is `{desired, actual, config}`, each an object or its
/// JSON text; `config` is `{basePath, profile, policy}` as the component's `planner.plan`
/// takes it, but for `profile`, which may also be a built-in profile's name. Returns the Plan.
#[wasm_bindgen(js_name = plan)]
pub fn plan_js(input: JsValue) -> Result<JsValue, JsValue> {
    let field = |name: &str| Reflect::get(&input, &JsValue::from_str(name)).unwrap_or_default();
    let mut config = field("config");
    if let Some(name) = Reflect::get(&config, &JsValue::from_str("profile"))
        .ok()
        .and_then(|p| p.as_string())
        .filter(|_| config.is_object())
    {
        // A copy with the named profile in place; the caller's object stays as it was.
        let copy = js_sys::Object::assign(&js_sys::Object::new(), config.unchecked_ref());
        let profile = to_js(&boundary::builtin_profile(&name).map_err(throw)?)?;
        let _ = Reflect::set(&copy, &JsValue::from_str("profile"), &profile);
        config = copy.into();
    }
    let plan = boundary::plan_json(
        &json_text(&field("desired"), "desired-json")?,
        &json_text(&field("actual"), "actual-json")?,
        &json_text(&config, "config-json")?,
    );
    parse_js(&plan.map_err(throw)?)
}

/// Parses a `Retry-After` value into a delay in milliseconds from `nowMs`.
#[wasm_bindgen(js_name = parseRetryAfter)]
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    response::parse_retry_after(value, now_ms as u64).map(|ms| ms as f64)
}

/// JSON Lines of lifecycle events into `{targets, rejected}` (JSON text); throws naming every
/// malformed line unless `skipMalformed`. With `mapping` (a built-in name or a mapping's JSON
/// text), each event's person is read through it.
#[wasm_bindgen(js_name = readEvents)]
pub fn read_events(
    text: &str,
    skip_malformed: bool,
    mapping: Option<String>,
) -> Result<String, JsValue> {
    boundary::events_json(text, skip_malformed, mapping.as_deref()).map_err(throw)
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

/// The sans-IO engine. Drive it as the crate docs describe: call `pollOutput(nowMs)` until
/// it returns `wait` or `done`, send each `send` request, and hand every answer back with
/// `handleInput`.
#[wasm_bindgen]
pub struct Engine {
    inner: engine::Engine,
    /// What decides whether the run is an error, once it is done.
    end: Option<engine::RunEnd>,
}

#[wasm_bindgen]
impl Engine {
    /// A run of `config` (EngineConfig: object or JSON string) towards `desired`: a desired
    /// state (object or JSON string), or a directory file's bytes (`Uint8Array`), decoded
    /// in the core in the format its `fileName` and content say, through `mapping` (a
    /// built-in mapping's name or a mapping's JSON) when given; the bytes cross once.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: JsValue,
        desired: JsValue,
        file_name: Option<String>,
        mapping: Option<String>,
    ) -> Result<Engine, JsValue> {
        let config = json_text(&config, "config-json")?;
        let inner = match desired.dyn_ref::<Uint8Array>() {
            Some(bytes) => boundary::engine_from_file(
                &config,
                file_name.as_deref().unwrap_or_default(),
                text::bytes_from(bytes),
                mapping.as_deref(),
            ),
            None => boundary::engine_from_json(&config, &json_text(&desired, "desired-json")?),
        };
        Ok(Engine {
            inner: inner.map_err(throw)?,
            end: None,
        })
    }

    /// A targeted run of `config` on `targets` (an array of Target, or its JSON text): only
    /// their subjects are looked up, nothing is listed.
    #[wasm_bindgen(js_name = targeted)]
    pub fn targeted(config: JsValue, targets: JsValue) -> Result<Engine, JsValue> {
        let inner = boundary::targeted_engine_from_json(
            &json_text(&config, "config-json")?,
            &json_text(&targets, "targets-json")?,
        )
        .map_err(throw)?;
        Ok(Engine { inner, end: None })
    }

    /// An undo run of `config`: the inverse of the run the provisioning log `log` (its
    /// JSON Lines) tells, planned against the server as listed; `force` restores subjects
    /// changed since that run too.
    #[wasm_bindgen(js_name = undo)]
    pub fn undo(config: JsValue, log: &str, force: bool) -> Result<Engine, JsValue> {
        let inner =
            boundary::undo_engine_from_json(&json_text(&config, "config-json")?, log, force)
                .map_err(throw)?;
        Ok(Engine { inner, end: None })
    }

    /// The next output: `{type: "send" | "event" | "wait" | "done", ...}`.
    #[wasm_bindgen(js_name = pollOutput)]
    pub fn poll_output(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        let output = self.inner.poll_output(now_ms.max(0.0) as u64);
        if let engine::Output::Done { report } = &output {
            self.end = Some(report.end());
        }
        to_js(&output)
    }

    /// The error to raise for the run, as the core reads its report, or `undefined` when it
    /// is no error (or not done): a failed run, and with `planned` also a run that was to
    /// plan and has no plan. Kind `server` when a server error ended the run, else
    /// `run-failed`. The report is not handed back: the engine keeps what decides it.
    #[wasm_bindgen(js_name = runFailure)]
    pub fn run_failure(&self, planned: bool) -> JsValue {
        let fault = self
            .end
            .as_ref()
            .and_then(|end| entry::failure(end, planned));
        fault.map_or(JsValue::UNDEFINED, throw)
    }

    /// The answer to request `id`: its status, its headers (`[name, value]` pairs) and its
    /// body as the bytes received (`Uint8Array`, copied once into WebAssembly memory and
    /// checked as UTF-8 there: `HttpResponse::from_bytes` says what a body that is not UTF-8
    /// becomes).
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        id: f64,
        status: u16,
        headers: JsValue,
        body: Vec<u8>,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let input = response_input(id, status, &headers, body)?;
        self.inner
            .handle_input(input, now_ms.max(0.0) as u64)
            .map_err(|e| throw(Fault::from(&e)))
    }

    /// Any other input: `{type: "failed", id, reason}`, `{type: "approve", digest}`,
    /// `{type: "decline"}`; or an answer as `{type: "response", id, response: {status,
    /// headers, body}}` with the body as text inside the JSON (`handleResponse` takes the
    /// bytes instead).
    #[wasm_bindgen(js_name = handleInput)]
    pub fn handle_input(&mut self, input: JsValue, now_ms: f64) -> Result<(), JsValue> {
        let input: Input = from_js(&input, "input")?;
        self.inner
            .handle_input(input, now_ms.max(0.0) as u64)
            .map_err(|e| throw(Fault::from(&e)))
    }

    /// Writes the provisioning log: from now on each line comes as a `{type: "log", line}`
    /// event. Call before the first `pollOutput`; the run's id, its start time (ms since the
    /// epoch) and the server's URL are the host's to give.
    #[wasm_bindgen(js_name = logTo)]
    pub fn log_to(&mut self, run_id: String, time_ms: f64, server: String) {
        let start = scim_provision::audit::LogStart::new(run_id, time_ms.max(0.0) as u64, server);
        self.inner.log_to(start);
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

    /// The server state after the run: the listing with every action that took effect
    /// folded in (users and groups).
    #[wasm_bindgen(js_name = stateAfter)]
    pub fn state_after(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.state_after())
    }
}
