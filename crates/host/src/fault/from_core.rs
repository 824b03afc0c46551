//! Each error of the core as a [`Fault`]: its code (the variant, in camelCase), its
//! location and its data (every field of the variant), one `From` impl per core error type.

use serde_json::{json, Map, Value};

use scim_provision::engine::{EngineError, RunFailure};
use scim_provision::filter::{FilterParseError, FilterParseErrorKind};
use scim_provision::plan::{CapError, DesiredStateError, PlanError, ReviewError};
use scim_provision::profile::UnsupportedFilter;
use scim_provision::request::EncodeError;
use scim_provision::response::{DecodeError, ServerError};

use super::{to_value, Fault, FaultKind};

/// The code of a variant the core added after this crate was written (the core's error
/// enums are `#[non_exhaustive]`): the fault keeps its kind and message, and the mapping
/// here is where the new variant gets its own code and data.
pub(super) const OTHER: &str = "other";

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
