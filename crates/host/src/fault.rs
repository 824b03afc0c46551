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
use serde_json::{json, Value};

#[cfg(doc)]
use scim_provision::{
    engine::{EngineError, RunFailure},
    filter::FilterParseError,
    plan::{CapError, DesiredStateError, PlanError},
    request::EncodeError,
    response::{DecodeError, ServerError},
};

use from_core::OTHER;

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

mod from_core;

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
