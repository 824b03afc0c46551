//! Plain-Rust mapping between the core and the component's boundary, free of WIT types.
//!
//! Everything here only translates: JSON arguments into core types (with the JSON path of a
//! bad value), core errors into one structured [`ErrorInfo`] (kind, code, message, HTTP
//! status, SCIM `scimType` and `detail`, location, and every field as JSON), and the core's
//! `Decoded` outcome into tagged JSON. No decision is taken here.
//!
//! The native conformance runner (`tests/conformance.rs`) includes this file with `#[path]`,
//! so the error and decode shapes in the corpus's golden files are defined once.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use scim_provision::engine::EngineError;
use scim_provision::filter::{FilterParseError, FilterParseErrorKind};
use scim_provision::http::HttpResponse;
use scim_provision::model::ListResponse;
use scim_provision::plan::{self, ActualState, DesiredState, DesiredStateError, PlanError, Policy};
use scim_provision::profile::{Profile, UnsupportedFilter};
use scim_provision::request::{EncodeError, RequestEncoder};
use scim_provision::response::{self, DecodeError, DecodeOptions, Decoded, Expect, ServerError};

/// Which core error an [`ErrorInfo`] comes from (the WIT `error-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// An `EncodeError`.
    Encode,
    /// A `DecodeError`.
    Decode,
    /// A `ServerError`.
    Server,
    /// A `DesiredStateError`.
    DesiredState,
    /// A `PlanError`.
    Plan,
    /// An `EngineError` of the engine's own (configuration, unknown request).
    Engine,
    /// A `FilterParseError`.
    Filter,
    /// An argument that does not deserialize into its core type.
    InvalidArgument,
}

/// A core error with its structure, as the WIT `error` record carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// Which core error type.
    pub kind: ErrorKind,
    /// The variant, in camelCase.
    pub code: String,
    /// The core's message.
    pub message: String,
    /// The HTTP status involved.
    pub http_status: Option<u16>,
    /// The SCIM `scimType`.
    pub scim_type: Option<String>,
    /// The SCIM `detail`.
    pub detail: Option<String>,
    /// A JSON path, CSV rows or a byte offset.
    pub location: Option<String>,
    /// Every field of the variant.
    pub data: Value,
}

impl ErrorInfo {
    fn new(kind: ErrorKind, code: &str, message: String, data: Value) -> ErrorInfo {
        ErrorInfo {
            kind,
            code: code.to_owned(),
            message,
            http_status: None,
            scim_type: None,
            detail: None,
            location: None,
            data,
        }
    }

    fn at(mut self, location: impl Into<String>) -> ErrorInfo {
        self.location = Some(location.into());
        self
    }

    fn status(mut self, status: Option<u16>) -> ErrorInfo {
        self.http_status = status;
        self
    }
}

/// Serializes a core value to JSON text. Core types serialize infallibly (no non-string
/// map keys); should one ever fail, the text is a JSON object saying why, never a panic.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|e| json!({ "serializeError": e.to_string() }).to_string())
}

/// Serializes a core value to a JSON value (see [`to_json`] for failures).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| json!({ "serializeError": e.to_string() }))
}

/// Deserializes the argument `name` into its core type, locating a bad value by JSON path.
pub fn parse_arg<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, ErrorInfo> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        invalid_argument(name, path, e.into_inner().to_string())
    })?;
    // Trailing characters after the value are refused, as serde_json::from_str does.
    de.end()
        .map_err(|e| invalid_argument(name, ".".to_owned(), e.to_string()))?;
    Ok(value)
}

fn invalid_argument(name: &str, path: String, reason: String) -> ErrorInfo {
    ErrorInfo::new(
        ErrorKind::InvalidArgument,
        "json",
        format!("argument `{name}` at `{path}`: {reason}"),
        json!({ "argument": name, "path": path, "reason": reason }),
    )
    .at(path)
}

/// Maps an [`EncodeError`].
pub fn encode_error(e: &EncodeError) -> ErrorInfo {
    let (code, data) = match e {
        EncodeError::InvalidBasePath(base_path) => {
            ("invalidBasePath", json!({ "basePath": base_path }))
        }
        EncodeError::InvalidId { id, reason } => {
            ("invalidId", json!({ "id": id, "reason": reason }))
        }
        EncodeError::UnsupportedFilter {
            profile,
            endpoint,
            filter,
            reason,
        } => (
            "unsupportedFilter",
            json!({
                "profile": profile,
                "endpoint": endpoint,
                "filter": filter,
                "reason": unsupported_filter(reason),
            }),
        ),
        EncodeError::UnsupportedParameter {
            profile,
            endpoint,
            parameter,
        } => (
            "unsupportedParameter",
            json!({ "profile": profile, "endpoint": endpoint, "parameter": parameter }),
        ),
        EncodeError::PageSizeTooLarge {
            profile,
            requested,
            max,
        } => (
            "pageSizeTooLarge",
            json!({ "profile": profile, "requested": requested, "max": max }),
        ),
        EncodeError::InvalidStartIndex => ("invalidStartIndex", json!({})),
        EncodeError::InvalidAttributeName(name) => {
            ("invalidAttributeName", json!({ "name": name }))
        }
        EncodeError::PatchUnsupported(profile) => {
            ("patchUnsupported", json!({ "profile": profile }))
        }
        EncodeError::TooManyOperations {
            profile,
            count,
            max,
        } => (
            "tooManyOperations",
            json!({ "profile": profile, "count": count, "max": max }),
        ),
        EncodeError::EmptyPatch => ("emptyPatch", json!({})),
        EncodeError::MissingPatchPath { profile, index } => (
            "missingPatchPath",
            json!({ "profile": profile, "index": index }),
        ),
        EncodeError::Body(reason) => ("body", json!({ "reason": reason })),
        _ => ("other", json!({})),
    };
    let info = ErrorInfo::new(ErrorKind::Encode, code, e.to_string(), data);
    match e {
        EncodeError::MissingPatchPath { index, .. } => info.at(format!("Operations[{index}]")),
        _ => info,
    }
}

fn unsupported_filter(reason: &UnsupportedFilter) -> Value {
    let (kind, name) = match reason {
        UnsupportedFilter::Attribute(a) => ("attribute", a.as_str()),
        UnsupportedFilter::Operator(o) => ("operator", *o),
        UnsupportedFilter::Construct(c) => ("construct", *c),
        _ => ("other", ""),
    };
    json!({ "kind": kind, "name": name, "message": reason.to_string() })
}

/// Maps a [`DecodeError`]: `data` is its serde form without the `kind` tag, which becomes
/// the code.
pub fn decode_error(e: &DecodeError) -> ErrorInfo {
    let mut data = match to_value(e) {
        Value::Object(map) => map,
        other => Map::from_iter([("value".to_owned(), other)]),
    };
    let code = match data.remove("kind") {
        Some(Value::String(kind)) => kind,
        _ => "other".to_owned(),
    };
    let location = match e {
        DecodeError::WrongShape { path, .. } => Some(path.clone()),
        _ => None,
    };
    let mut info = ErrorInfo::new(ErrorKind::Decode, &code, e.to_string(), Value::Object(data))
        .status(e.http_status());
    info.location = location;
    info
}

/// Maps a [`ServerError`]: status, `scimType` and `detail` lifted, every field in `data`.
pub fn server_error(e: &ServerError) -> ErrorInfo {
    let mut info = ErrorInfo::new(ErrorKind::Server, "serverError", e.to_string(), to_value(e))
        .status(Some(e.http_status));
    info.scim_type = e.scim_type.clone();
    info.detail = e.detail.clone();
    info
}

/// Maps a [`DesiredStateError`].
pub fn desired_state_error(e: &DesiredStateError) -> ErrorInfo {
    match e {
        DesiredStateError::Json { path, reason } => ErrorInfo::new(
            ErrorKind::DesiredState,
            "json",
            e.to_string(),
            json!({ "path": path, "reason": reason }),
        )
        .at(path.clone()),
        DesiredStateError::Csv { rows } => {
            let numbers: Vec<String> = rows.iter().map(|r| r.row.to_string()).collect();
            let location = match numbers.len() {
                1 => format!("row {}", numbers.join("")),
                _ => format!("rows {}", numbers.join(", ")),
            };
            ErrorInfo::new(
                ErrorKind::DesiredState,
                "csv",
                e.to_string(),
                json!({ "rows": to_value(rows) }),
            )
            .at(location)
        }
        _ => ErrorInfo::new(ErrorKind::DesiredState, "other", e.to_string(), json!({})),
    }
}

/// Maps a [`PlanError`].
pub fn plan_error(e: &PlanError) -> ErrorInfo {
    let (code, data, location) = match e {
        PlanError::DuplicateUser { first, second, key } => (
            "duplicateUser",
            json!({ "first": first, "second": second, "key": key }),
            None,
        ),
        PlanError::DuplicateGroup { first, second, key } => (
            "duplicateGroup",
            json!({ "first": first, "second": second, "key": key }),
            None,
        ),
        PlanError::UnknownMember { group, member } => (
            "unknownMember",
            json!({ "group": group, "member": member }),
            None,
        ),
        PlanError::EmptyUserName { index } => (
            "emptyUserName",
            json!({ "index": index }),
            Some(format!("users[{index}]")),
        ),
        PlanError::EmptyGroupName { index } => (
            "emptyGroupName",
            json!({ "index": index }),
            Some(format!("groups[{index}]")),
        ),
        _ => ("other", json!({}), None),
    };
    let mut info = ErrorInfo::new(ErrorKind::Plan, code, e.to_string(), data);
    info.location = location;
    info
}

/// Maps an [`EngineError`]; encode and plan errors keep their own kind.
pub fn engine_error(e: &EngineError) -> ErrorInfo {
    match e {
        EngineError::Config(reason) => ErrorInfo::new(
            ErrorKind::Engine,
            "config",
            e.to_string(),
            json!({ "reason": reason }),
        ),
        EngineError::Encode(inner) => encode_error(inner),
        EngineError::Desired(inner) => plan_error(inner),
        EngineError::UnknownRequest(id) => ErrorInfo::new(
            ErrorKind::Engine,
            "unknownRequest",
            e.to_string(),
            json!({ "id": id.0 }),
        ),
        _ => ErrorInfo::new(ErrorKind::Engine, "other", e.to_string(), json!({})),
    }
}

/// Maps a [`FilterParseError`].
pub fn filter_error(e: &FilterParseError) -> ErrorInfo {
    let (code, token) = match &e.kind {
        FilterParseErrorKind::UnexpectedEnd => ("unexpectedEnd", None),
        FilterParseErrorKind::UnexpectedChar(c) => ("unexpectedChar", Some(c.to_string())),
        FilterParseErrorKind::UnknownOperator(op) => ("unknownOperator", Some(op.clone())),
        FilterParseErrorKind::InvalidString => ("invalidString", None),
        FilterParseErrorKind::UnescapedControlChar(c) => {
            ("unescapedControlChar", Some(c.to_string()))
        }
        FilterParseErrorKind::UnterminatedString => ("unterminatedString", None),
        FilterParseErrorKind::InvalidNumber => ("invalidNumber", None),
        FilterParseErrorKind::InvalidValue(v) => ("invalidValue", Some(v.clone())),
        FilterParseErrorKind::InvalidAttrPath => ("invalidAttrPath", None),
        FilterParseErrorKind::ExpectedParenAfterNot => ("expectedParenAfterNot", None),
        FilterParseErrorKind::TooDeep => ("tooDeep", None),
        FilterParseErrorKind::TooLong => ("tooLong", None),
        FilterParseErrorKind::TrailingInput => ("trailingInput", None),
        _ => ("other", None),
    };
    ErrorInfo::new(
        ErrorKind::Filter,
        code,
        e.to_string(),
        json!({ "offset": e.offset, "token": token }),
    )
    .at(format!("byte {}", e.offset))
}

/// A decoded response, tagged by `type` (`ServerError`s are errors, not outcomes).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DecodedJson<T> {
    /// One resource.
    Resource {
        /// The resource.
        resource: T,
    },
    /// One page of a listing.
    Page {
        /// The page.
        page: ListResponse<T>,
    },
    /// Success without a body.
    NoContent,
}

/// Decodes `response` as resources of type `T` and renders the outcome as JSON.
pub fn decode_json<T: DeserializeOwned + Serialize>(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<String, ErrorInfo> {
    let decoded = match response::decode::<T>(expect, response, options) {
        Ok(Decoded::Resource(resource)) => DecodedJson::Resource { resource },
        Ok(Decoded::Page(page)) => DecodedJson::Page { page },
        Ok(Decoded::NoContent) => DecodedJson::NoContent,
        Ok(Decoded::Error(e)) => return Err(server_error(&e)),
        Ok(_) => {
            return Err(ErrorInfo::new(
                ErrorKind::Decode,
                "unsupportedOutcome",
                "the core returned an outcome this binding does not know".into(),
                json!({}),
            ))
        }
        Err(e) => return Err(decode_error(&e)),
    };
    Ok(to_json(&decoded))
}

/// The planner's configuration: the server (base path and profile) and the policy.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanConfig {
    /// The server's base path (`/scim/v2`).
    #[serde(default)]
    pub base_path: String,
    /// The server's profile.
    pub profile: Profile,
    /// The safety policy (defaults when absent).
    #[serde(default)]
    pub policy: Policy,
}

/// Plans JSON arguments into plan JSON.
pub fn plan_json(desired: &str, actual: &str, config: &str) -> Result<String, ErrorInfo> {
    let desired = DesiredState::from_json(desired).map_err(|e| desired_state_error(&e))?;
    let actual: ActualState = parse_arg("actual-json", actual)?;
    let config: PlanConfig = parse_arg("config-json", config)?;
    let encoder =
        RequestEncoder::new(&config.base_path, config.profile).map_err(|e| encode_error(&e))?;
    let plan =
        plan::plan(&desired, &actual, &encoder, &config.policy).map_err(|e| plan_error(&e))?;
    Ok(to_json(&plan))
}
