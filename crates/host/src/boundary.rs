//! The core as JSON text in, JSON text (or core values) out, with [`Fault`]s for errors: the
//! one definition every binding calls.
//!
//! The npm package (`bindings/js`) and the WebAssembly component (`bindings/component`)
//! receive SCIM resources, desired states, configurations and plans as JSON text. Each
//! function here turns such text into core types (a bad value is a [`Fault`] of kind
//! `invalid-argument` naming the argument and the JSON path), calls the core, and returns
//! its result or the core error as a [`Fault`]. The bindings only convert between these
//! Rust values and their host's types, so both shipping forms give the same results and the
//! same errors byte for byte; the conformance corpus (`tests/conformance/`) checks that they
//! do, and its native runner calls these functions too.
//!
//! Argument names are the component's WIT parameter names (`config-json`, `query-json`...),
//! which is how a fault names the argument at fault.
//!
//! ```
//! use scim_provision::profile::Profile;
//! use scim_provision_host::boundary;
//! use scim_provision_host::fault::FaultKind;
//!
//! let profile = serde_json::to_string(&Profile::airtable())?;
//! let config = format!(r#"{{"basePath":"/scim/v2","profile":{profile},"policy":{{"maxDeactivation":1}}}}"#);
//! let actual = r#"{"users":[],"groups":[],"complete":true}"#;
//! let fault = boundary::plan_json(r#"{"users":[]}"#, actual, &config).unwrap_err();
//! assert_eq!(fault.kind, FaultKind::InvalidArgument);
//! assert_eq!(fault.data["argument"], "config-json");
//! assert_eq!(fault.location.as_deref(), Some("policy.maxDeactivation"));
//!
//! let plan = boundary::plan_json(r#"{"users":[{"userName":"ana@example.com"}]}"#, actual,
//!     &format!(r#"{{"basePath":"/scim/v2","profile":{profile}}}"#))?;
//! assert!(plan.contains(r#""createUsers":1"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// A `Fault` is what crosses to the host, built once per failed call: its size does not
// matter, and boxing it would only add a step to every binding.
#![allow(clippy::result_large_err)]

use scim_provision::engine::{Engine, EngineConfig};
use scim_provision::filter::{self, Filter};
use scim_provision::http::{HttpRequest, HttpResponse};
use scim_provision::model::{FromValue, Group, ListResponse, PatchOp, ServiceProviderConfig, User};
use scim_provision::plan::{self, ActualState, DesiredState, Plan, Policy};
use scim_provision::profile::{self, Profile};
use scim_provision::request::{ListQuery, RequestEncoder, ResourceKind};
use scim_provision::response::{self, DecodeOptions, Decoded, Expect};
use serde::{Deserialize, Serialize};

use crate::fault::{parse_json_arg, to_json, Fault};
use crate::heap::reserve_heap_for;

/// Parses the JSON desired-state format.
///
/// # Errors
///
/// A fault of kind `desired-state` with the path of what is wrong.
pub fn desired_from_json(text: &str) -> Result<DesiredState, Fault> {
    DesiredState::from_json(text).map_err(Fault::from)
}

/// Parses the CSV desired-state format.
///
/// # Errors
///
/// A fault of kind `desired-state` listing every bad row.
pub fn desired_from_csv(text: &str) -> Result<DesiredState, Fault> {
    DesiredState::from_csv(text).map_err(Fault::from)
}

/// Parses a directory file in the format its name and text say
/// ([`plan::DesiredFormat::detect`]).
///
/// # Errors
///
/// A fault of kind `desired-state` for text that is not a directory in the format
/// detected.
pub fn desired_from_file(file_name: &str, text: &str) -> Result<DesiredState, Fault> {
    DesiredState::from_file(file_name, text).map_err(Fault::from)
}

/// Parses a directory file given as its bytes, in the format its name and text say
/// ([`plan::DesiredFormat::detect`]): the bytes cross into the core once, are checked as
/// UTF-8 in place, and are decoded there.
///
/// # Errors
///
/// A fault of kind `desired-state`: code `notUtf8` (locating the first byte that is not
/// UTF-8) for a file in another encoding, else as [`desired_from_file`].
pub fn desired_from_bytes(file_name: &str, bytes: Vec<u8>) -> Result<DesiredState, Fault> {
    desired_from_file(file_name, &directory_text(bytes)?)
}

/// A directory file's bytes as its text, checked as UTF-8 in place (no copy).
///
/// # Errors
///
/// A fault of kind `desired-state` and code `notUtf8` locating the first byte that is not
/// UTF-8 ([`Fault::not_utf8`]).
pub fn directory_text(bytes: Vec<u8>) -> Result<String, Fault> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        Fault::not_utf8(offset, line)
    })
}

/// A removal cap written as `N` (a count) or `P%` (a percentage of the in-scope users), as
/// the CLI's `--max-deactivations` takes it.
///
/// # Errors
///
/// A fault of kind `invalid-argument` for text that is neither `N` nor `P%` (at most
/// 100).
pub fn parse_cap(text: &str) -> Result<plan::Cap, Fault> {
    text.parse::<plan::Cap>().map_err(|e| Fault::from(&e))
}

/// A profile given as JSON text (argument `profile-json`).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `profile-json`) for text that is not a
/// profile.
pub fn profile_from_json(text: &str) -> Result<Profile, Fault> {
    parse_json_arg("profile-json", text)
}

/// The built-in profile called `name` (case-insensitive), or a fault of code
/// `unknownProfile`.
///
/// # Errors
///
/// A fault of kind `invalid-argument` and code `unknownProfile` for a name no built-in
/// profile has.
pub fn builtin_profile(name: &str) -> Result<Profile, Fault> {
    profile::builtin(name).ok_or_else(|| Fault::unknown_profile(name))
}

/// An encoder for `base_path` and a profile given as JSON text.
///
/// # Errors
///
/// `profile_from_json`'s faults; a fault of kind `encode` for a base path that is not
/// a path.
pub fn encoder(base_path: &str, profile_json: &str) -> Result<RequestEncoder, Fault> {
    RequestEncoder::new(base_path, profile_from_json(profile_json)?).map_err(Fault::from)
}

/// `GET /Users` or `/Groups` with a `ListQuery` given as JSON text (argument `query-json`).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `query-json`) for text that is not a
/// query; of kind `encode` for a query the profile does not take.
pub fn encode_list(
    encoder: &RequestEncoder,
    kind: ResourceKind,
    query_json: &str,
) -> Result<HttpRequest, Fault> {
    let query: ListQuery = parse_json_arg("query-json", query_json)?;
    encoder.list(kind, &query).map_err(Fault::from)
}

/// `GET /Users/{id}` or `/Groups/{id}`.
///
/// # Errors
///
/// A fault of kind `encode` for an id that cannot name a resource.
pub fn encode_get(
    encoder: &RequestEncoder,
    kind: ResourceKind,
    id: &str,
) -> Result<HttpRequest, Fault> {
    encoder.get(kind, id).map_err(Fault::from)
}

/// `POST /Users` or `/Groups` with a User or Group given as JSON text (`resource-json`).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `resource-json`, or `kind` for a kind
/// this crate does not know) or of kind `encode`.
pub fn encode_create(
    encoder: &RequestEncoder,
    kind: ResourceKind,
    resource_json: &str,
) -> Result<HttpRequest, Fault> {
    match kind {
        ResourceKind::User => {
            let user: User = parse_json_arg("resource-json", resource_json)?;
            encoder.create_user(&user).map_err(Fault::from)
        }
        ResourceKind::Group => {
            let group: Group = parse_json_arg("resource-json", resource_json)?;
            encoder.create_group(&group).map_err(Fault::from)
        }
        other => Err(unknown_kind(other)),
    }
}

/// `PUT /Users/{id}` or `/Groups/{id}` with the whole resource as JSON text
/// (`resource-json`).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `resource-json`, or `kind` for a kind
/// this crate does not know) or of kind `encode` (an id that cannot name a resource).
pub fn encode_replace(
    encoder: &RequestEncoder,
    kind: ResourceKind,
    id: &str,
    resource_json: &str,
) -> Result<HttpRequest, Fault> {
    match kind {
        ResourceKind::User => {
            let user: User = parse_json_arg("resource-json", resource_json)?;
            encoder.replace_user(id, &user).map_err(Fault::from)
        }
        ResourceKind::Group => {
            let group: Group = parse_json_arg("resource-json", resource_json)?;
            encoder.replace_group(id, &group).map_err(Fault::from)
        }
        other => Err(unknown_kind(other)),
    }
}

/// A resource kind the core added after this crate was written, refused by name.
fn unknown_kind(kind: ResourceKind) -> Fault {
    Fault::unknown_value("kind", &format!("{kind:?}"), ResourceKind::NAMES)
}

/// `PATCH /Users/{id}` or `/Groups/{id}` with a PatchOp as JSON text (`patch-json`).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `patch-json`) or of kind `encode` (a
/// PATCH the profile does not take, an id that cannot name a resource).
pub fn encode_patch(
    encoder: &RequestEncoder,
    kind: ResourceKind,
    id: &str,
    patch_json: &str,
) -> Result<HttpRequest, Fault> {
    let patch: PatchOp = parse_json_arg("patch-json", patch_json)?;
    encoder.patch(kind, id, &patch).map_err(Fault::from)
}

/// `DELETE /Users/{id}` or `/Groups/{id}`.
///
/// # Errors
///
/// A fault of kind `encode` for an id that cannot name a resource.
pub fn encode_delete(
    encoder: &RequestEncoder,
    kind: ResourceKind,
    id: &str,
) -> Result<HttpRequest, Fault> {
    encoder.delete(kind, id).map_err(Fault::from)
}

/// What a response is decoded as. Serialized in kebab-case (`service-provider-config`), as
/// the WIT `resource-type` enum spells it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DecodeTarget {
    /// A [`User`] or a page of them.
    User,
    /// A [`Group`] or a page of them.
    Group,
    /// A [`ServiceProviderConfig`].
    ServiceProviderConfig,
}

impl DecodeTarget {
    /// The target called `name` (`user`, `group`, `service-provider-config`), or a fault of
    /// kind `invalid-argument` naming `argument`.
    ///
    /// # Errors
    ///
    /// A fault of kind `invalid-argument` naming `argument` for any other name.
    pub fn from_name(argument: &str, name: &str) -> Result<DecodeTarget, Fault> {
        match name {
            "user" => Ok(DecodeTarget::User),
            "group" => Ok(DecodeTarget::Group),
            "service-provider-config" => Ok(DecodeTarget::ServiceProviderConfig),
            other => Err(Fault::unknown_value(
                argument,
                other,
                &["user", "group", "service-provider-config"],
            )),
        }
    }
}

/// Decoding options where any field may be absent and takes the core's default
/// ([`DecodeOptions::default`]): the WIT `decode-options` record, and the npm package's
/// options object.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DecodeOptions"))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartialDecodeOptions {
    /// Bodies longer than this many bytes are refused unread.
    pub max_body_bytes: Option<u64>,
    /// Statuses accepted as success for [`Expect::Create`].
    pub create_statuses: Option<Vec<u16>>,
    /// The current time in milliseconds since the Unix epoch, for an HTTP-date
    /// `Retry-After`.
    pub now_ms: Option<u64>,
}

impl PartialDecodeOptions {
    /// The complete options, defaults filled in.
    pub fn resolve(self) -> DecodeOptions {
        let mut options = DecodeOptions::default();
        if let Some(max) = self.max_body_bytes {
            options.max_body_bytes = usize::try_from(max).unwrap_or(usize::MAX);
        }
        if let Some(statuses) = self.create_statuses {
            options.create_statuses = statuses;
        }
        if let Some(now_ms) = self.now_ms {
            options.now_ms = now_ms;
        }
        options
    }
}

/// A decoded response, tagged by `type`. A server's error status is not an outcome here
/// but a [`Fault`] of kind `server`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "Decoded"))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
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

/// A response decoded for a host ([`decode_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodedText {
    /// The JSON of a [`DecodedJson`].
    Json(String),
    /// A listing page that is the response's body as sent (`response::page_as_sent`): the
    /// decoded response is `{"type": "page", "page": BODY}`, which a host with a JSON parser
    /// of its own builds from the body it holds, rather than the page read, written out
    /// and parsed again ([`decode_json`] writes it so).
    PageAsSent,
}

fn decode_as<T: FromValue + Serialize>(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<DecodedText, Fault> {
    if response::page_as_sent::<T>(expect, response, options) {
        return Ok(DecodedText::PageAsSent);
    }
    let decoded = match response::decode::<T>(expect, response, options) {
        Ok(Decoded::Resource(resource)) => DecodedJson::Resource { resource },
        Ok(Decoded::Page(page)) => DecodedJson::Page { page },
        Ok(Decoded::NoContent) => DecodedJson::NoContent,
        Ok(Decoded::Error(e)) => return Err(Fault::from(&e)),
        Err(e) => return Err(Fault::from(&e)),
        Ok(_) => return Err(Fault::unknown_outcome("an outcome")),
    };
    Ok(DecodedText::Json(to_json(&decoded)))
}

/// Decodes `response` to a request of kind `expect` as `target`: the JSON of a
/// [`DecodedJson`], or word that it is a listing page whose body is the page as sent.
///
/// # Errors
///
/// As [`decode_json`].
pub fn decode_text(
    target: DecodeTarget,
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<DecodedText, Fault> {
    match target {
        DecodeTarget::User => decode_as::<User>(expect, response, options),
        DecodeTarget::Group => decode_as::<Group>(expect, response, options),
        DecodeTarget::ServiceProviderConfig => {
            decode_as::<ServiceProviderConfig>(expect, response, options)
        }
    }
}

/// Decodes `response` to a request of kind `expect` as `target`, into the JSON of a
/// [`DecodedJson`]: `{"type": "resource", "resource": ...}`, `{"type": "page", "page":
/// ListResponse}` or `{"type": "noContent"}`. An error status is a fault of kind `server`,
/// an unusable response one of kind `decode`. A listing page that is its body as sent
/// ([`DecodedText::PageAsSent`]) is the body itself as the `page`: the same attributes and
/// values as the page read, in the server's order, an empty list where the server sent one.
///
/// # Errors
///
/// A fault of kind `server` for an error status, of kind `decode` for a response that
/// cannot be used.
pub fn decode_json(
    target: DecodeTarget,
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<String, Fault> {
    Ok(match decode_text(target, expect, response, options)? {
        DecodedText::Json(json) => json,
        DecodedText::PageAsSent => format!(r#"{{"type":"page","page":{}}}"#, response.body),
    })
}

/// Parses filter text into the JSON of its [`Filter`].
///
/// # Errors
///
/// A fault of kind `filter` with the offset of what is wrong.
pub fn parse_filter_json(text: &str) -> Result<String, Fault> {
    filter::parse(text)
        .map(|f| to_json(&f))
        .map_err(Fault::from)
}

/// Renders the JSON of a [`Filter`] (argument `filter-json`) as filter text, values escaped.
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `filter-json`) for text that is not a
/// filter.
pub fn render_filter_json(filter_json: &str) -> Result<String, Fault> {
    let filter: Filter = parse_json_arg("filter-json", filter_json)?;
    Ok(filter.to_string())
}

/// The planner's configuration as one JSON object: the server (base path and profile) and
/// the policy. Read with serde's derive: camelCase names, `profile` required, the others
/// taking their defaults when absent, unknown fields refused.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PlanConfig {
    /// The server's base path (`/scim/v2`); empty when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub base_path: String,
    /// The server's profile.
    pub profile: Profile,
    /// The safety policy (defaults when absent).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub policy: Policy,
}

/// The planner's two inputs from JSON text (`desired-json`, `actual-json`), as every plan
/// entry point reads them: the heap grows once up front, and the listed state takes its
/// fast decoding path.
///
/// # Errors
///
/// A fault of kind `desired-state` for the directory, of kind `invalid-argument`
/// (argument `actual-json`) for the listed state.
pub fn plan_inputs(
    desired_json: &str,
    actual_json: &str,
) -> Result<(DesiredState, ActualState), Fault> {
    reserve_heap_for(desired_json.len() + actual_json.len());
    let desired = desired_from_json(desired_json)?;
    let actual = ActualState::from_json(actual_json)
        .map_err(|e| Fault::from_json_error("actual-json", &e))?;
    Ok((desired, actual))
}

/// Plans a desired state (JSON text) against an [`ActualState`] (`actual-json`) under a
/// [`PlanConfig`] (`config-json`); returns the plan's JSON.
///
/// # Errors
///
/// `plan_inputs`' faults; a fault of kind `invalid-argument` (argument `config-json`), of
/// kind `encode` for a base path that is not a path, or of kind `plan` for a directory
/// that contradicts itself.
pub fn plan_json(
    desired_json: &str,
    actual_json: &str,
    config_json: &str,
) -> Result<String, Fault> {
    let (desired, actual) = plan_inputs(desired_json, actual_json)?;
    let config: PlanConfig = parse_json_arg("config-json", config_json)?;
    let encoder = RequestEncoder::new(&config.base_path, config.profile).map_err(Fault::from)?;
    let plan = plan::plan(&desired, &actual, encoder.profile(), &config.policy)
        .map_err(Fault::from)?
        .with_requests(&encoder);
    Ok(to_json(&plan))
}

/// A saved plan (`plan-json`, such as a plan file; fields it does not know, like the CLI's
/// `input`, are ignored), checked against its digest before anything is sent: returns the
/// plan's JSON as the core computes it (its summary recomputed from its actions, never taken
/// from the file).
///
/// # Errors
///
/// A fault of kind `plan` and code `planEdited` (its actions or guards no longer match its digest) or
/// `planWithoutDigest`; `invalid-argument` for text that is not a plan.
pub fn check_plan_json(plan_json: &str) -> Result<String, Fault> {
    let plan: Plan = parse_json_arg("plan-json", plan_json)?;
    plan::check_integrity(&plan).map_err(Fault::from)?;
    Ok(to_json(&plan))
}

/// A run of an [`EngineConfig`] (`config-json`) towards a desired state (JSON text).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `config-json`), of kind `desired-state`,
/// or of kind `engine` / `encode` / `plan` when [`Engine::new`] refuses the run.
pub fn engine_from_json(config_json: &str, desired_json: &str) -> Result<Engine, Fault> {
    let config: EngineConfig = parse_json_arg("config-json", config_json)?;
    let desired = desired_from_json(desired_json)?;
    Engine::new(config, desired).map_err(Fault::from)
}

/// A run of an [`EngineConfig`] (`config-json`) towards a directory file given as its bytes
/// ([`desired_from_bytes`]), or an export read through `mapping` (a built-in name or a
/// mapping's JSON, [`crate::mapping::desired_from_mapped_bytes`]): the file's one crossing
/// into the core.
///
/// # Errors
///
/// As [`engine_from_json`], the directory's faults being [`desired_from_bytes`]'.
pub fn engine_from_file(
    config_json: &str,
    file_name: &str,
    bytes: Vec<u8>,
    mapping: Option<&str>,
) -> Result<Engine, Fault> {
    let config: EngineConfig = parse_json_arg("config-json", config_json)?;
    let desired = match mapping {
        Some(mapping) => crate::mapping::desired_from_mapped_bytes(file_name, bytes, mapping)?,
        None => desired_from_bytes(file_name, bytes)?,
    };
    Engine::new(config, desired).map_err(Fault::from)
}

/// A targeted run ([`Engine::targeted`]) of an [`EngineConfig`] (`config-json`) on targets
/// (`targets-json`: a JSON array of [`plan::Target`]).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `config-json` or `targets-json`, at the
/// bad target's field), or of kind `engine` / `encode` when [`Engine::targeted`] refuses
/// the run.
pub fn targeted_engine_from_json(config_json: &str, targets_json: &str) -> Result<Engine, Fault> {
    let config: EngineConfig = parse_json_arg("config-json", config_json)?;
    let targets =
        plan::read_targets(targets_json).map_err(|e| Fault::from_json_error("targets-json", &e))?;
    // A target without what its operation needs is an `invalid-argument` fault at its field.
    Engine::targeted(config, targets).map_err(Fault::from)
}

/// An undo run ([`Engine::undo`]) of an [`EngineConfig`] (`config-json`): the inverse of
/// the run the provisioning log `log` (JSON Lines, `docs/LOG.md`) tells, planned against
/// the server as listed; `force` restores subjects changed since that run too.
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `config-json`, or `log` at the line that
/// is not a log record), or of kind `engine` / `encode` when [`Engine::undo`] refuses the
/// run.
pub fn undo_engine_from_json(config_json: &str, log: &str, force: bool) -> Result<Engine, Fault> {
    let config: EngineConfig = parse_json_arg("config-json", config_json)?;
    let log = scim_provision::audit::UndoLog::read(log)
        .map_err(|e| Fault::invalid_argument("log", &format!("line {}", e.line), &e.reason))?;
    Engine::undo(config, log, force).map_err(Fault::from)
}

/// JSON Lines of lifecycle events ([`plan::read_events_mapped`]) as JSON: `{"targets":
/// [...], "rejected": [{line, field, reason}]}`; `skip_malformed` plans the valid lines and
/// lists the others, else one malformed line refuses the file. With `mapping` (a built-in
/// name or a mapping's JSON text), each event's person is read through it.
///
/// # Errors
///
/// A fault of kind `desired-state`, code `malformedEvents`, naming every malformed line,
/// when one is malformed and `skip_malformed` is false; `invalid-argument` (argument
/// `mapping`) for a mapping that does not read.
pub fn events_json(
    text: &str,
    skip_malformed: bool,
    mapping: Option<&str>,
) -> Result<String, Fault> {
    let malformed = if skip_malformed {
        plan::Malformed::Skip
    } else {
        plan::Malformed::Refuse
    };
    let mapping = mapping.map(crate::mapping::mapping_from).transpose()?;
    let events =
        plan::read_events_mapped(text, malformed, mapping.as_ref()).map_err(|e| Fault::from(&e))?;
    Ok(to_json(&events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultKind;

    #[test]
    fn a_directory_file_is_read_from_its_bytes() {
        let csv = b"\xEF\xBB\xBFuserName\nana@example.com\n".to_vec();
        let desired = desired_from_bytes("people", csv).unwrap();
        assert_eq!(desired.users[0].user_name, "ana@example.com");
        let json = br#"{"users":[{"userName":"bo@example.com"}]}"#.to_vec();
        assert_eq!(desired_from_bytes("", json).unwrap().users.len(), 1);
        // A Latin-1 export: "é" is the byte 0xE9.
        let latin1 =
            b"userName,givenName\nana@example.com,Ana\njose@example.com,Jos\xE9\n".to_vec();
        let e = desired_from_bytes("people.csv", latin1).unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_str()),
            (FaultKind::DesiredState, "notUtf8")
        );
        assert_eq!(e.location.as_deref(), Some("byte 59"));
        assert_eq!(
            (e.data["offset"].as_u64(), e.data["line"].as_u64()),
            (Some(59), Some(3))
        );
        let config = format!(
            r#"{{"basePath":"/scim/v2","profile":{},"mode":{{"mode":"planOnly"}}}}"#,
            to_json(&Profile::generic())
        );
        assert!(engine_from_file(&config, "x.csv", b"userName\n".to_vec(), None).is_ok());
        let e = engine_from_file(&config, "x.csv", b"userName\n\xFF\n".to_vec(), None).unwrap_err();
        assert_eq!(e.code, "notUtf8");
    }

    #[test]
    fn decode_targets_have_their_wit_names() {
        assert_eq!(
            DecodeTarget::from_name("target", "service-provider-config").ok(),
            Some(DecodeTarget::ServiceProviderConfig)
        );
        let e = DecodeTarget::from_name("target", "users").unwrap_err();
        assert_eq!(e.kind, FaultKind::InvalidArgument);
        assert_eq!(e.code, "unknownValue");
    }

    #[test]
    fn a_server_error_status_is_a_server_fault() {
        let response = HttpResponse::new(409, r#"{"status":"409","scimType":"uniqueness"}"#);
        let e = decode_json(
            DecodeTarget::User,
            Expect::Create,
            &response,
            &DecodeOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.kind, FaultKind::Server);
        assert_eq!(e.http_status, Some(409));
        assert_eq!(e.scim_type.as_deref(), Some("uniqueness"));
    }
}
