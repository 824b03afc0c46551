//! The JavaScript glue the npm package's wasm-bindgen modules share (`bindings/js`, the
//! engine and planner; `bindings/report-js`, the SaaS-ops reports; `bindings/doctor-js`, the
//! server doctor's, loaded only when a doctor runs):
//! the core's `Fault` thrown as a `ScimProvisionError`, values to and from JavaScript as JSON
//! text, strings and bytes copied in at `TextEncoder` speed (`text`), an answer as the
//! engine's input. A plain rlib with no `#[wasm_bindgen]` export: an export here would land
//! in every module. It decides nothing.
//!
//! Every function is `#[inline]`: compiled in the calling crate, as when it lived there, the
//! main module is as large as before the split (without it, 400 bytes more gzipped).

pub mod text;

use js_sys::{Error as JsError, JsString, Reflect};
use scim_provision::engine::{Input, RequestId};
use scim_provision::http::HttpResponse;
use scim_provision_host::fault::{parse_json_arg, to_json, Fault};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A JavaScript `ScimProvisionError` with the given fields.
#[inline]
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

#[inline]
fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// The core's structured error, thrown to JavaScript.
#[inline]
pub fn throw(f: Fault) -> JsValue {
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
#[inline]
pub fn internal(message: String) -> JsValue {
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
///
/// # Errors
///
/// An `internal` error when the value does not serialize.
#[inline]
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    parse_js(&serde_json::to_string(value).map_err(|e| internal(e.to_string()))?)
}

/// The JSON text of a value given as a JavaScript object or already as a JSON string.
///
/// # Errors
///
/// An `invalid-argument` fault naming `argument` when the value is not serializable.
#[inline]
pub fn json_text(value: &JsValue, argument: &str) -> Result<String, JsValue> {
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
///
/// # Errors
///
/// As [`json_text`].
#[inline]
pub fn optional_json(value: &JsValue, argument: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    json_text(value, argument).map(Some)
}

/// JSON text the host crate returned, as a JavaScript value.
///
/// # Errors
///
/// An `internal` error when `JSON.parse` refuses the text.
#[inline]
pub fn parse_js(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text).map_err(|_| internal("JSON.parse refused the core's JSON".into()))
}

/// Reads a value given as a JavaScript object or as a JSON string.
///
/// # Errors
///
/// The host crate's fault naming `argument` and the JSON path at fault.
#[inline]
pub fn from_js<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    argument: &str,
) -> Result<T, JsValue> {
    parse_json_arg(argument, &json_text(value, argument)?).map_err(throw)
}

/// Like [`from_js`], with the type's default for `undefined` and `null`.
///
/// # Errors
///
/// As [`from_js`].
#[inline]
pub fn optional_from_js<T: serde::de::DeserializeOwned + Default>(
    value: &JsValue,
    argument: &str,
) -> Result<T, JsValue> {
    match optional_json(value, argument)? {
        None => Ok(T::default()),
        Some(text) => parse_json_arg(argument, &text).map_err(throw),
    }
}

/// An answer's status and headers, read as an `HttpResponse` without its body (argument
/// `response`): the one deserializer `decode` and `handleResponse` share, whose errors name
/// the field at fault.
///
/// # Errors
///
/// As [`from_js`], for argument `response`.
#[inline]
pub fn head(status: &JsValue, headers: &JsValue) -> Result<HttpResponse, JsValue> {
    let envelope = js_sys::Object::new();
    let _ = Reflect::set(&envelope, &JsValue::from_str("status"), status);
    let _ = Reflect::set(&envelope, &JsValue::from_str("headers"), headers);
    from_js(&envelope, "response")
}

/// The answer to request `id` as the core's input: its status, its headers (`[name, value]`
/// pairs) and its body as the bytes received, checked as UTF-8 in the core.
///
/// # Errors
///
/// As [`head`].
#[inline]
pub fn response_input(
    id: f64,
    status: u16,
    headers: &JsValue,
    body: Vec<u8>,
) -> Result<Input, JsValue> {
    let HttpResponse { headers, .. } = head(&status.into(), headers)?;
    Ok(Input::Response {
        id: RequestId(id.max(0.0) as u64),
        response: HttpResponse::from_bytes(status, headers, body),
    })
}
