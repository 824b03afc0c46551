//! The doctor's configuration and report: what a host gives it and what it hands back, as
//! JSON (camelCase names; TypeScript types generated from these).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::RequestId;
use crate::http::{HttpRequest, Method};
use crate::profile::Profile;

/// How to probe. Its JSON has camelCase names, every field optional; a host reads it with
/// the engine's configuration (`scim_provision_host::doctor`), whose `Deserialize` the
/// WebAssembly builds carry already, rather than a derive of its own.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DoctorConfig {
    /// The SCIM base path (`/scim/v2`).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub base_path: String,
    /// The profile to start from (default `generic`): the written profile is this one with
    /// what the probes found.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub profile: Profile,
    /// Whether to probe writes on throwaway resources it creates and removes.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub write: bool,
    /// Seeds the throwaway names' suffix and the backoff jitter.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub seed: u64,
    /// Requests per second (default: the profile's rate limit, else 5).
    pub requests_per_second: Option<f64>,
    /// The most probe requests (retries included; removals not counted).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_requests: u32,
    /// Attempts per request for 5xx answers and transport failures (429s: five more).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_attempts: u32,
}

impl Default for DoctorConfig {
    fn default() -> Self {
        DoctorConfig {
            base_path: String::new(),
            profile: Profile::generic(),
            write: false,
            seed: 0,
            requests_per_second: None,
            max_requests: 80,
            max_attempts: 3,
        }
    }
}

impl DoctorConfig {
    /// Probes of the server at `base_path`, with writes when `write`.
    pub fn new(base_path: &str, write: bool) -> DoctorConfig {
        DoctorConfig {
            base_path: base_path.to_owned(),
            write,
            ..DoctorConfig::default()
        }
    }
}

/// What a finding is about.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Check {
    /// The bearer token is accepted (no 401 or 403).
    Auth,
    /// `GET /ServiceProviderConfig` answers.
    ServiceProviderConfig,
    /// `GET /Schemas` answers.
    Schemas,
    /// `GET /ResourceTypes` answers.
    ResourceTypes,
    /// The page size the server really serves (value: the cap, when one was seen).
    PageSizeCap,
    /// `startIndex` is honoured.
    StartIndex,
    /// Two reads of a page list the same ids in the same order.
    StableOrder,
    /// RFC 9865 cursor paging (value: whether the server pages by cursor).
    Cursor,
    /// SCIM Bulk as advertised (value: `maxOperations`, or false).
    Bulk,
    /// `userName eq` filters work.
    FilterUserName,
    /// `userName` compares case-insensitively (RFC 7643: `caseExact` false).
    UserNameCase,
    /// `displayName eq` filters on `/Groups` work.
    FilterDisplayName,
    /// A filter value with an escaped `"` is taken.
    EscapedQuote,
    /// A filter value with an escaped `\` is taken.
    EscapedBackslash,
    /// How error bodies write `status` (value: `string` or `number`).
    ErrorStatus,
    /// The status of an unknown user id (value: the status).
    UnknownUser,
    /// The status of an unknown group id (value: the status).
    UnknownGroup,
    /// Rate-limit headers seen (value: their names).
    RateLimitHeaders,
    /// The status of a create (value: the status).
    CreateStatus,
    /// A second user with the same `userName` is refused with 409.
    DuplicateUserName,
    /// `POST /Groups` keeps the members it carries.
    CreateGroupWithMembers,
    /// A second group with the same `displayName` is refused (value: whether it was).
    GroupNameUnique,
    /// PATCH `add` of members as an array.
    PatchAddArray,
    /// PATCH `add` of one member as a single object.
    PatchAddSingle,
    /// PATCH `remove` by the value path `members[value eq "id"]` removes that member only.
    PatchRemoveByValue,
    /// PATCH operation names in lower case and capitalized (value: `lower`, `capitalized`,
    /// `both` or `neither` taken).
    PatchOpCase,
    /// PATCH `replace` without a `path`.
    PatchPathless,
    /// What `DELETE /Users/{id}` does (value: `deleted`, `deactivated` or `kept`).
    DeleteUser,
    /// Whether every throwaway resource was removed (value: what is left).
    Cleanup,
}

/// What a probe found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Verdict {
    /// As RFC 7643/7644 says (or a documented option, reported in the value).
    Ok,
    /// A deviation the written profile (or the value) records.
    Quirk,
    /// The server does not offer it.
    Unsupported,
    /// Not known: nothing to probe it with, or no usable answer.
    Unknown,
    /// The probe failed: credentials refused, or throwaway resources left behind.
    Failed,
}

/// One request a finding rests on and the answer to it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Evidence {
    /// The request's method.
    pub method: Method,
    /// The request's path and query.
    pub path: String,
    /// The answer's status (`None`: no answer).
    pub status: Option<u16>,
    /// The start of the answer's body, credentials masked (or why there was no answer).
    pub excerpt: String,
}

/// One finding of the probe.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// What it is about.
    pub check: Check,
    /// What was found.
    pub verdict: Verdict,
    /// The value found, where there is one.
    pub value: Option<Value>,
    /// The requests it rests on.
    pub evidence: Vec<Evidence>,
}

/// The probe's result.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DoctorReport {
    /// The findings, in the order of [`Check`].
    pub findings: Vec<Finding>,
    /// The profile the findings make: the starting profile with what was found.
    pub profile: Profile,
    /// Requests sent, removals included.
    pub requests: u32,
    /// Whether writes were probed.
    pub write: bool,
    /// Whether the probe stopped early (aborted, credentials refused, or out of requests).
    pub stopped: bool,
}

/// What the doctor wants from the host next; serialized with a `type` tag as the engine's
/// `Output` is (`send`, `wait`, `done`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[must_use]
#[non_exhaustive]
pub enum DoctorOutput {
    /// Send this request now and report its answer with the same id.
    Send {
        /// The request's id.
        id: RequestId,
        /// The request (the host adds its origin and credentials).
        request: HttpRequest,
    },
    /// Nothing to send before `until_ms` (`None`: until the answer arrives).
    #[serde(rename_all = "camelCase")]
    Wait {
        /// When to poll again at the latest.
        until_ms: Option<u64>,
    },
    /// The probe is over.
    Done {
        /// The report.
        report: Box<DoctorReport>,
    },
}
