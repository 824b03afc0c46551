//! Structured errors for hosts: every error of the core as one [`Fault`] record.
//!
//! A host outside Rust cannot match on [`EncodeError`], [`DecodeError`], [`ServerError`] and
//! the others; it needs one shape with the structure kept (lightningcss-style: kind,
//! location, data), never a string. [`Fault`] is that shape, and this module is its only
//! definition: the npm package throws it (as `ScimProvisionError`), the WebAssembly
//! component returns it (as its WIT `error` record), and the conformance corpus renders it
//! (`tests/conformance/README.md`), so all three agree byte for byte.
//!
//! | field | meaning |
//! | --- | --- |
//! | `kind` | which core error type: [`FaultKind`] (`encode`, `decode`, `server`, `desired-state`, `plan`, `engine`, `filter`, `invalid-argument`) |
//! | `code` | the variant, in camelCase (`unsupportedFilter`, `wrongShape`, `csv`, `duplicateUser`...) |
//! | `message` | the core error's `Display` text |
//! | `httpStatus` | the HTTP status involved, if any |
//! | `scimType`, `detail` | the SCIM error fields of a server error |
//! | `location` | a JSON path (`users[1].active`), CSV rows (`rows 2, 3`), a byte offset (`byte 12`) or a PATCH operation (`Operations[1]`) |
//! | `data` | a JSON object with every field of the variant |
//!
//! ```
//! use scim_provision::filter;
//! use scim_provision_host::fault::{Fault, FaultKind};
//!
//! let error = filter::parse(r#"userName eq "unterminated"#).unwrap_err();
//! let fault = Fault::from(&error);
//! assert_eq!(fault.kind, FaultKind::Filter);
//! assert_eq!(fault.code, "unterminatedString");
//! assert_eq!(fault.location.as_deref(), Some("byte 12"));
//! assert_eq!(fault.data["offset"], 12);
//! assert_eq!(
//!     serde_json::to_string(&fault)?,
//!     r#"{"kind":"filter","code":"unterminatedString","message":"unterminated string at byte 12","httpStatus":null,"scimType":null,"detail":null,"location":"byte 12","data":{"offset":12,"token":null}}"#
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! Arguments that hosts hand over as JSON text are read with [`parse_json_arg`], which names
//! the argument and the JSON path of a bad value (the core's [`scim_provision::json`]
//! locates it) in a fault of kind `invalid-argument`.

// A `Fault` is what crosses to the host, built once per failed call: its size does not
// matter, and boxing it would only add a step to every binding.
#![allow(clippy::result_large_err)]

use std::fmt;

use scim_provision::json::JsonError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use scim_provision::engine::{EngineError, RunFailure};
use scim_provision::filter::{FilterParseError, FilterParseErrorKind};
use scim_provision::plan::{CapError, DesiredStateError, PlanError, ReviewError};
use scim_provision::profile::UnsupportedFilter;
use scim_provision::request::EncodeError;
use scim_provision::response::{DecodeError, ServerError};

/// Which core error a [`Fault`] comes from. Serialized in kebab-case, as the WIT
/// `error-kind` enum spells it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FaultKind {
    /// An [`EncodeError`]: a request that cannot be encoded.
    Encode,
    /// A [`DecodeError`]: a response that cannot be used.
    Decode,
    /// A [`ServerError`]: the server answered with an error status.
    Server,
    /// A [`DesiredStateError`]: a refused desired-state document.
    DesiredState,
    /// A [`PlanError`]: a directory that contradicts itself.
    Plan,
    /// An [`EngineError`] of the engine's own: configuration, unknown request.
    Engine,
    /// A [`FilterParseError`].
    Filter,
    /// An argument that does not deserialize into its core type, or names nothing known.
    InvalidArgument,
    /// A [`RunFailure`]: a run that failed without a server error to show (the server
    /// could not be listed, the directory contradicts itself...), or that was to plan and
    /// ended without a plan. A run that a server error ended is of kind `server`.
    RunFailed,
}

impl FaultKind {
    /// The serialized name (`desired-state`, `invalid-argument`...).
    pub fn as_str(&self) -> &'static str {
        match self {
            FaultKind::Encode => "encode",
            FaultKind::Decode => "decode",
            FaultKind::Server => "server",
            FaultKind::DesiredState => "desired-state",
            FaultKind::Plan => "plan",
            FaultKind::Engine => "engine",
            FaultKind::Filter => "filter",
            FaultKind::InvalidArgument => "invalid-argument",
            FaultKind::RunFailed => "run-failed",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A core error with its structure, for hosts. See the [module docs](self) for the fields.
///
/// Built with `From` from a reference to any core error; serializes with camelCase keys and
/// every optional field present (`null` when absent).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Fault {
    /// Which core error type.
    pub kind: FaultKind,
    /// The variant, in camelCase.
    pub code: String,
    /// The core error's message.
    pub message: String,
    /// The HTTP status involved.
    pub http_status: Option<u16>,
    /// The SCIM `scimType` of a server error.
    pub scim_type: Option<String>,
    /// The SCIM `detail` of a server error.
    pub detail: Option<String>,
    /// Where: a JSON path, CSV rows, a byte offset, a PATCH operation.
    pub location: Option<String>,
    /// Every field of the variant, as a JSON object.
    #[cfg_attr(feature = "ts", ts(as = "serde_json::Map<String, Value>"))]
    pub data: Value,
}

impl Fault {
    fn new(kind: FaultKind, code: &str, message: String, data: Value) -> Fault {
        Fault {
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

    fn at(mut self, location: impl Into<String>) -> Fault {
        self.location = Some(location.into());
        self
    }

    /// A fault of kind `invalid-argument` and code `json`: the argument `argument` does not
    /// deserialize, at JSON path `path` (`.` for the document itself), because of `reason`.
    pub fn invalid_argument(argument: &str, path: &str, reason: &str) -> Fault {
        Fault::new(
            FaultKind::InvalidArgument,
            "json",
            format!("argument `{argument}` at `{path}`: {reason}"),
            json!({ "argument": argument, "path": path, "reason": reason }),
        )
        .at(path)
    }

    /// A fault of kind `invalid-argument` and code `unknownProfile`: no built-in profile is
    /// called `name`.
    pub fn unknown_profile(name: &str) -> Fault {
        let names: Vec<&str> = scim_provision::profile::builtin_names().collect();
        Fault::new(
            FaultKind::InvalidArgument,
            "unknownProfile",
            format!(
                "unknown profile {name:?}; built-in profiles: {}",
                names.join(", ")
            ),
            json!({ "name": name, "known": names }),
        )
    }

    /// A fault of kind `invalid-argument` and code `unknownValue`: `argument` is not one of
    /// `expected`.
    pub fn unknown_value(argument: &str, value: &str, expected: &[&str]) -> Fault {
        Fault::new(
            FaultKind::InvalidArgument,
            "unknownValue",
            format!(
                "argument `{argument}`: {value:?} is not one of {}",
                expected.join(", ")
            ),
            json!({ "argument": argument, "value": value, "expected": expected }),
        )
    }

    /// The fault as JSON text (the serde form above).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

impl Fault {
    /// A fault of kind `decode`, code `other`: a decoded outcome this crate does not know
    /// (one the core added after it was written).
    pub(crate) fn unknown_outcome(what: &str) -> Fault {
        Fault::new(
            FaultKind::Decode,
            OTHER,
            format!("the core decoded {what} this host does not know"),
            json!({}),
        )
    }
}

impl Fault {
    /// A fault of kind `desired-state` and code `notUtf8`: a directory file whose bytes are
    /// not UTF-8 from byte `offset` (on line `line`), such as a spreadsheet's Latin-1 export.
    /// Read on with U+FFFD in place of those bytes, a name would no longer match the server.
    pub fn not_utf8(offset: usize, line: usize) -> Fault {
        Fault::new(
            FaultKind::DesiredState,
            "notUtf8",
            format!(
                "the directory is not UTF-8: byte {offset} (line {line}) is not part of a \
                 UTF-8 character; save the file as UTF-8"
            ),
            json!({ "offset": offset, "line": line }),
        )
        .at(format!("byte {offset}"))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fault {}

/// Serializes a core value to JSON text. Core types serialize infallibly (no non-string map
/// keys); should one ever fail, the text is a JSON object saying why, never a panic.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| serialize_error(&e).to_string())
}

/// What a value that failed to serialize becomes (one copy, whatever the type).
#[inline(never)]
fn serialize_error(e: &serde_json::Error) -> Value {
    json!({ "serializeError": e.to_string() })
}

/// Serializes a core value to a JSON value (see [`to_json`] for failures).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| serialize_error(&e))
}

/// Deserializes the JSON text of the argument `argument` into its core type; a bad value is
/// a fault of kind `invalid-argument` naming the argument and the JSON path at fault
/// ([`scim_provision::json::from_str`] tracks it: `users[1].active`, `policy.maxDeletions`,
/// `.` for the document itself). Trailing characters after the value are refused.
///
/// # Errors
///
/// The fault built from the [`JsonError`] (see [`Fault::from_json_error`]).
pub fn parse_json_arg<T: DeserializeOwned>(argument: &str, text: &str) -> Result<T, Fault> {
    scim_provision::json::from_str(text).map_err(|e| Fault::from_json_error(argument, &e))
}

impl Fault {
    /// The fault for the argument `argument` refused with `e`: kind `invalid-argument`, code
    /// `json`, located at the error's path ([`Fault::invalid_argument`]).
    pub fn from_json_error(argument: &str, e: &JsonError) -> Fault {
        Fault::invalid_argument(argument, &e.path, &e.reason)
    }
}

/// The code of a variant the core added after this crate was written (the core's error
/// enums are `#[non_exhaustive]`): the fault keeps its kind and message, and the mapping
/// here is where the new variant gets its own code and data.
const OTHER: &str = "other";

impl From<&EncodeError> for Fault {
    fn from(e: &EncodeError) -> Fault {
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
            _ => (OTHER, json!({})),
        };
        let fault = Fault::new(FaultKind::Encode, code, e.to_string(), data);
        match e {
            EncodeError::MissingPatchPath { index, .. } => fault.at(format!("Operations[{index}]")),
            _ => fault,
        }
    }
}

fn unsupported_filter(reason: &UnsupportedFilter) -> Value {
    let (kind, name) = match reason {
        UnsupportedFilter::Attribute(a) => ("attribute", a.as_str()),
        UnsupportedFilter::Operator(o) => ("operator", *o),
        UnsupportedFilter::Construct(c) => ("construct", *c),
        _ => (OTHER, ""),
    };
    json!({ "kind": kind, "name": name, "message": reason.to_string() })
}

/// `data` is the error's serde form without its `kind` tag, which becomes the code.
impl From<&DecodeError> for Fault {
    fn from(e: &DecodeError) -> Fault {
        let mut data = match to_value(e) {
            Value::Object(map) => map,
            other => Map::from_iter([("value".to_owned(), other)]),
        };
        let code = match data.remove("kind") {
            Some(Value::String(kind)) => kind,
            _ => "other".to_owned(),
        };
        let mut fault = Fault::new(FaultKind::Decode, &code, e.to_string(), Value::Object(data));
        fault.http_status = e.http_status();
        if let DecodeError::WrongShape { path, .. } = e {
            fault.location = Some(path.clone());
        }
        fault
    }
}

/// Status, `scimType` and `detail` lifted; `data` is the error's serde form.
impl From<&ServerError> for Fault {
    fn from(e: &ServerError) -> Fault {
        let mut fault = Fault::new(FaultKind::Server, "serverError", e.to_string(), to_value(e));
        fault.http_status = Some(e.http_status);
        fault.scim_type = e.scim_type.clone();
        fault.detail = e.detail.clone();
        fault
    }
}

/// A run that is an error to its host ([`RunReport::failure`], [`RunReport::planned`]): kind
/// `server` (code `serverError`, with the server error's status, `scimType` and `detail`) when
/// a server error ended it, else kind `run-failed` (code `runFailed`); the message is the
/// report's reason, `data` the [`RunFailure`].
///
/// [`RunReport::failure`]: scim_provision::engine::RunReport::failure
/// [`RunReport::planned`]: scim_provision::engine::RunReport::planned
impl From<&RunFailure> for Fault {
    fn from(f: &RunFailure) -> Fault {
        let data = to_value(f);
        match &f.error {
            Some(e) => Fault {
                message: f.message.clone(),
                data,
                ..Fault::from(&**e)
            },
            None => Fault::new(FaultKind::RunFailed, "runFailed", f.message.clone(), data),
        }
    }
}

/// Kind `invalid-argument`, code `cap`: a removal cap that is neither `N` nor `P%`.
impl From<&CapError> for Fault {
    fn from(e: &CapError) -> Fault {
        Fault::new(
            FaultKind::InvalidArgument,
            "cap",
            e.to_string(),
            json!({ "text": e.text }),
        )
    }
}

impl From<&DesiredStateError> for Fault {
    fn from(e: &DesiredStateError) -> Fault {
        match e {
            DesiredStateError::Json { path, reason } => Fault::new(
                FaultKind::DesiredState,
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
                Fault::new(
                    FaultKind::DesiredState,
                    "csv",
                    e.to_string(),
                    json!({ "rows": to_value(rows) }),
                )
                .at(location)
            }
            _ => Fault::new(FaultKind::DesiredState, OTHER, e.to_string(), json!({})),
        }
    }
}

impl From<&PlanError> for Fault {
    fn from(e: &PlanError) -> Fault {
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
            _ => (OTHER, json!({}), None),
        };
        let mut fault = Fault::new(FaultKind::Plan, code, e.to_string(), data);
        fault.location = location;
        fault
    }
}

/// A reviewed plan refused (edited, without a digest, or stale): kind `plan`, the
/// error's code (`planEdited`, `planWithoutDigest`, `serverChanged`, `inputsChanged`).
impl From<ReviewError> for Fault {
    fn from(e: ReviewError) -> Fault {
        Fault::new(FaultKind::Plan, e.code(), e.to_string(), json!({}))
    }
}

/// A target that lacks what its operation needs: kind `invalid-argument`, argument
/// `targets-json`, at the target's field (`[1].group`).
impl From<&scim_provision::plan::TargetError> for Fault {
    fn from(e: &scim_provision::plan::TargetError) -> Fault {
        Fault::invalid_argument(
            "targets-json",
            &format!("[{}].{}", e.index, e.field),
            &e.reason,
        )
    }
}

/// An events file refused whole: kind `desired-state`, code `malformedEvents`, with every
/// malformed line (`{line, field, reason}`) in `data.errors`.
impl From<&scim_provision::plan::EventsRefused> for Fault {
    fn from(e: &scim_provision::plan::EventsRefused) -> Fault {
        let errors = serde_json::to_value(&e.0).unwrap_or_default();
        Fault::new(
            FaultKind::DesiredState,
            "malformedEvents",
            e.to_string(),
            json!({ "errors": errors }),
        )
    }
}

/// Encode and plan errors inside an engine error keep their own kind.
impl From<&EngineError> for Fault {
    fn from(e: &EngineError) -> Fault {
        match e {
            EngineError::Config(reason) => Fault::new(
                FaultKind::Engine,
                "config",
                e.to_string(),
                json!({ "reason": reason }),
            ),
            EngineError::Encode(inner) => Fault::from(inner),
            EngineError::Desired(inner) => Fault::from(inner),
            EngineError::Targets(inner) => Fault::from(inner),
            EngineError::UnknownRequest(id) => Fault::new(
                FaultKind::Engine,
                "unknownRequest",
                e.to_string(),
                json!({ "id": id.0 }),
            ),
            EngineError::NotReviewing => {
                Fault::new(FaultKind::Engine, "notReviewing", e.to_string(), json!({}))
            }
            _ => Fault::new(FaultKind::Engine, OTHER, e.to_string(), json!({})),
        }
    }
}

impl From<&FilterParseError> for Fault {
    fn from(e: &FilterParseError) -> Fault {
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
            _ => (OTHER, None),
        };
        Fault::new(
            FaultKind::Filter,
            code,
            e.to_string(),
            json!({ "offset": e.offset, "token": token }),
        )
        .at(format!("byte {}", e.offset))
    }
}

macro_rules! from_owned {
    ($($error:ty),*) => {$(
        impl From<$error> for Fault {
            fn from(e: $error) -> Fault {
                Fault::from(&e)
            }
        }
    )*};
}

from_owned!(
    EncodeError,
    DecodeError,
    ServerError,
    DesiredStateError,
    PlanError,
    EngineError,
    FilterParseError
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialize_as_their_names() {
        for kind in [
            FaultKind::Encode,
            FaultKind::Decode,
            FaultKind::Server,
            FaultKind::DesiredState,
            FaultKind::Plan,
            FaultKind::Engine,
            FaultKind::Filter,
            FaultKind::InvalidArgument,
            FaultKind::RunFailed,
        ] {
            assert_eq!(to_json(&kind), format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn a_bad_argument_names_itself_and_the_path() {
        let e = parse_json_arg::<scim_provision::plan::Policy>(
            "policy-json",
            r#"{"maxDeletions":"x"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind, FaultKind::InvalidArgument);
        assert_eq!(e.location.as_deref(), Some("maxDeletions"));
        assert_eq!(e.data["argument"], "policy-json");
        let trailing = parse_json_arg::<Value>("x", "{} {}").unwrap_err();
        assert_eq!(trailing.location.as_deref(), Some("."));
    }

    #[test]
    fn an_unknown_profile_lists_the_known_ones() {
        let e = Fault::unknown_profile("nope");
        assert_eq!(e.code, "unknownProfile");
        assert!(e.message.contains("airtable"), "{}", e.message);
    }
}
