//! What a host's single decode entry point reads besides the text or response (the npm
//! package's `decode(kind, input, options)`), and a run report read as the error its host
//! raises. The options are read here, with the core's rules, so a binding only moves bytes.
//!
//! | `kind` | input | options | result |
//! | --- | --- | --- | --- |
//! | `desired` | directory text | [`DesiredOptions`]: `format` (`json`, `csv`) or `fileName` | a desired state ([`desired`]) |
//! | `user`, `group`, `service-provider-config` | an HTTP response | [`ResponseOptions`]: `expect` and the decode options | a decoded response ([`response`]) |

// A `Fault` crosses to the host once per failed call (see fault.rs).
#![allow(clippy::result_large_err)]

use scim_provision::engine::RunEnd;
use scim_provision::http::HttpResponse;
use scim_provision::plan::DesiredState;
use scim_provision::response::{DecodeOptions, Expect};
use serde::Deserialize;

use crate::boundary::{
    decode_json, decode_text, desired_from_csv, desired_from_file, desired_from_json, DecodeTarget,
    DecodedText, PartialDecodeOptions,
};
use crate::fault::{parse_json_arg, Fault};

/// How a directory's text is read: in `format` when given, else in the format its
/// `fileName` and content say ([`scim_provision::plan::DesiredFormat::detect`]: `.csv` or
/// `.json`, else JSON when the text starts with `{`, else CSV).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct DesiredOptions {
    /// The format, when the host knows it.
    pub format: Option<DesiredFormatName>,
    /// The file's name, whose extension tells the format.
    pub file_name: Option<String>,
    /// Read the file as an export through this attribute mapping: a built-in mapping's name
    /// (`workday`, `bamboohr`, `google-workspace`) or a mapping document's JSON text.
    pub mapping: Option<String>,
}

/// A directory format by name.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DesiredFormat"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DesiredFormatName {
    /// The JSON format.
    Json,
    /// The CSV format.
    Csv,
}

/// A directory's text read as `options` say (through a mapping when they name one).
///
/// # Errors
///
/// A fault of kind `desired-state` locating what the format or the mapping refuses (a JSON
/// path, CSV rows with their columns); `invalid-argument` for a mapping that does not read.
pub fn desired(text: &str, options: &DesiredOptions) -> Result<DesiredState, Fault> {
    if let Some(mapping) = &options.mapping {
        let file_name = match options.format {
            Some(DesiredFormatName::Json) => "export.json",
            Some(DesiredFormatName::Csv) => "export.csv",
            None => options.file_name.as_deref().unwrap_or_default(),
        };
        let mapping = crate::mapping::mapping_from(mapping)?;
        return mapping.read(file_name, text).map_err(|e| Fault::from(&e));
    }
    match options.format {
        Some(DesiredFormatName::Json) => desired_from_json(text),
        Some(DesiredFormatName::Csv) => desired_from_csv(text),
        None => desired_from_file(options.file_name.as_deref().unwrap_or_default(), text),
    }
}

/// What a response answers (`expect`: `get`, `list`, `create`, `replace`, `patch`,
/// `delete`) and how it is decoded: the fields of [`PartialDecodeOptions`] (any absent takes
/// the core's default). Spelled out rather than `#[serde(flatten)]`ed, whose buffering
/// decoder would cost the npm `.wasm` about a kilobyte gzipped.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ResponseOptions {
    /// The kind of request answered.
    #[cfg_attr(feature = "ts", ts(as = "Expect"))]
    pub expect: String,
    /// As [`PartialDecodeOptions::max_body_bytes`].
    pub max_body_bytes: Option<u64>,
    /// As [`PartialDecodeOptions::create_statuses`].
    pub create_statuses: Option<Vec<u16>>,
    /// As [`PartialDecodeOptions::now_ms`].
    pub now_ms: Option<u64>,
}

/// Decodes `response` as `target` (argument `response-options` its [`ResponseOptions`]),
/// into the JSON of a decoded response ([`decode_json`]).
///
/// # Errors
///
/// A fault of kind `server` for an error status, `decode` for an unusable response,
/// `invalid-argument` for options that do not read.
pub fn response(
    target: DecodeTarget,
    response: &HttpResponse,
    options_json: &str,
) -> Result<String, Fault> {
    let (expect, options) = response_options(options_json)?;
    decode_json(target, expect, response, &options)
}

/// [`response`], as the JSON of a decoded response or word that a listing page is its
/// body as sent ([`DecodedText`]), for a host that parses the body it holds itself.
///
/// # Errors
///
/// As [`response`].
pub fn response_text(
    target: DecodeTarget,
    answer: &HttpResponse,
    options_json: &str,
) -> Result<DecodedText, Fault> {
    let (expect, options) = response_options(options_json)?;
    decode_text(target, expect, answer, &options)
}

/// The request answered and the decode options, from [`ResponseOptions`]' JSON.
fn response_options(options_json: &str) -> Result<(Expect, DecodeOptions), Fault> {
    let options: ResponseOptions = parse_json_arg("options", options_json)?;
    let expect = Expect::from_name(&options.expect)
        .ok_or_else(|| Fault::unknown_value("expect", &options.expect, Expect::NAMES))?;
    let decode = PartialDecodeOptions {
        max_body_bytes: options.max_body_bytes,
        create_statuses: options.create_statuses,
        now_ms: options.now_ms,
    };
    Ok((expect, decode.resolve()))
}

/// The error a host raises for a run report (`report-json`), as [`failure`] reads it. Only
/// what decides it is read from the report ([`RunEnd`]).
///
/// # Errors
///
/// A fault of kind `invalid-argument` for text that is not a run report.
pub fn run_failure(report_json: &str, planned: bool) -> Result<Option<Fault>, Fault> {
    let end: RunEnd = parse_json_arg("report-json", report_json)?;
    Ok(failure(&end, planned))
}

/// The error a host raises for the end of a run, or `None` when the run is no error. With
/// `planned`, for a run that was to plan, a run without a plan is one too
/// ([`RunEnd::planning_failure`]); else only a failed run is ([`RunEnd::failure`]). The fault
/// is of kind `server` when a server error ended the run, else `run-failed`.
pub fn failure(end: &RunEnd, planned: bool) -> Option<Fault> {
    let failure = if planned {
        end.planning_failure()
    } else {
        end.failure()
    };
    failure.as_ref().map(Fault::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultKind;

    #[test]
    fn the_format_wins_over_the_file_name() {
        let csv = "userName\nana@example.com\n";
        let by_name = DesiredOptions {
            file_name: Some("people.csv".into()),
            ..DesiredOptions::default()
        };
        assert_eq!(desired(csv, &by_name).unwrap().users.len(), 1);
        let json = DesiredOptions {
            format: Some(DesiredFormatName::Json),
            file_name: Some("people.csv".into()),
            mapping: None,
        };
        assert_eq!(
            desired(csv, &json).unwrap_err().kind,
            FaultKind::DesiredState
        );
        // Neither: the content decides.
        let sniffed = desired(r#"{"users":[]}"#, &DesiredOptions::default()).unwrap();
        assert!(sniffed.users.is_empty());
    }

    #[test]
    fn response_options_name_what_is_wrong() {
        let ok = HttpResponse {
            status: 204,
            ..HttpResponse::default()
        };
        let decoded = response(DecodeTarget::User, &ok, r#"{"expect":"delete"}"#).unwrap();
        assert_eq!(decoded, r#"{"type":"noContent"}"#);
        let e = response(DecodeTarget::User, &ok, r#"{"expect":"fetch"}"#).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.data["argument"].as_str()),
            ("unknownValue", Some("expect"))
        );
        let e = response(DecodeTarget::User, &ok, "{}").unwrap_err();
        assert_eq!(e.kind, FaultKind::InvalidArgument);
    }

    fn report(status: &str, reason: Option<&str>, error: bool, plan: bool) -> String {
        let error = error.then(|| {
            serde_json::json!({"httpStatus": 401, "status": 401, "scimType": "invalidToken",
                "detail": "no", "retryAfterMs": null, "bodyExcerpt": null})
        });
        let plan = plan.then(|| {
            let actual = r#"{"users":[],"groups":[],"complete":true}"#;
            let config = r#"{"profile":"generic"}"#.replace(
                "\"generic\"",
                &serde_json::to_string(&scim_provision::profile::Profile::generic()).unwrap(),
            );
            let plan = crate::boundary::plan_json(r#"{"users":[]}"#, actual, &config).unwrap();
            serde_json::from_str::<serde_json::Value>(&plan).unwrap()
        });
        serde_json::json!({"status": status, "reason": reason, "error": error, "plan": plan,
            "outcomes": [], "listing": {"users": 0, "groups": 0, "complete": true, "problems": []},
            "requestsSent": 1, "retries": 0, "waits": 0, "waitedMs": 0, "elapsedMs": 0,
            "warnings": []})
        .to_string()
    }

    #[test]
    fn a_run_report_reads_as_its_error() {
        let server = run_failure(&report("failed", Some("HTTP 401"), true, false), false)
            .unwrap()
            .unwrap();
        assert_eq!(
            (server.kind, server.code.as_str()),
            (FaultKind::Server, "serverError")
        );
        assert_eq!(server.message, "HTTP 401");
        assert_eq!(server.http_status, Some(401));
        assert_eq!(server.scim_type.as_deref(), Some("invalidToken"));
        assert_eq!(server.data["status"], "failed");
        let failed = run_failure(&report("failed", None, false, false), false)
            .unwrap()
            .unwrap();
        assert_eq!(
            (failed.kind, failed.code.as_str()),
            (FaultKind::RunFailed, "runFailed")
        );
        assert_eq!(failed.message, "the run ended with status failed");
        assert_eq!(failed.http_status, None);
        // An aborted run is a result, unless it was to plan.
        let aborted = report("aborted", None, false, false);
        assert_eq!(run_failure(&aborted, false).unwrap(), None);
        let e = run_failure(&aborted, true).unwrap().unwrap();
        assert_eq!(e.message, "the run ended with status aborted");
        assert_eq!(
            run_failure(&report("planned", None, false, true), true).unwrap(),
            None
        );
        let e = run_failure("[]", false).unwrap_err();
        assert_eq!(e.data["argument"], "report-json");
    }
}
