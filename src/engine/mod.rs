//! The sans-IO sync engine: discovery, safe listing, planning and apply, driven by the host.
//!
//! # The loop contract
//!
//! The engine never performs I/O and never reads a clock. The host drives it:
//!
//! 1. Call [`Engine::poll_output`] with the current time, again and again, until it returns
//!    [`Output::Wait`] or [`Output::Done`]. Each [`Output::Send`] is a request to send now;
//!    each [`Output::Event`] is something to show.
//! 2. When a response arrives, hand it over with [`Engine::handle_input`]
//!    ([`Input::Response`]), or report that the request failed in transport
//!    ([`Input::Failed`]: connection refused, timeout, aborted). Then go back to 1.
//! 3. On [`Output::Wait`], sleep until `until_ms` (if given) or until a response arrives,
//!    whichever comes first, then go back to 1.
//! 4. In [`Mode::Review`] only: [`Output::Review`] carries the plan made from this run's
//!    listing. Show it, then answer [`Input::Approve`] with its `digest` (the plan is applied
//!    from the same listing) or [`Input::Decline`]; until then nothing is sent and polling
//!    returns the plan again.
//! 5. [`Output::Done`] carries the final [`RunReport`]; polling again returns it again.
//!
//! Several requests may be in flight at once (up to [`EngineConfig::max_in_flight`]); the
//! engine paces them (a token bucket at the profile's or the configured rate), honours
//! `Retry-After` on 429, backs off exponentially with seeded jitter on 5xx and transport
//! failures, and bounds every retry. Misuse (an unknown request id, a second answer to one
//! request) is an [`EngineError`]; whatever the server does arrives as events and in the
//! report. The same configuration, directory, responses and times give byte-identical
//! outputs.
//!
//! A run ends [`RunStatus::Failed`] when the server refuses the credentials (401, 403), when
//! discovery gets no HTTP answer in any attempt, or when the first page of a listing cannot
//! be had: there would be nothing to plan from. A later page that cannot be had leaves the
//! listing incomplete instead, which blocks every removal.
//!
//! Answers are read tolerantly (`model::tolerant`): a page with a numeric id, `value` or
//! `meta.version`, or a count written as a string, is taken, and each such coercion is one
//! [`Event::Warning`] per run naming its attribute path (`coerced Resources[].meta.version
//! from a number to a string`), however many resources and pages repeat it.
//!
//! # Exactly-once writes
//!
//! A write whose outcome is unknown (no answer: [`Input::Failed`]; an answer that cannot be
//! read, such as a truncated body; a 5xx, which a proxy may send after the server committed)
//! is sent again only where a second send cannot leave the server different from one send.
//! A create is never sent again before the engine has looked its subject up and found
//! nothing:
//!
//! | write | sent again blindly? | how |
//! | --- | --- | --- |
//! | `POST /Users`, `POST /Groups` (create) | no: looked up first | `externalId eq` (when the subject has one and the profile filters on it), then `userName eq` / `displayName eq` (when the profile filters on it), else the listing of the kind, every page. One match: adopted ([`ActionResult::Adopted`]; a user is updated where it differs, a group given the members its create carried and it lacks). Several: not adopted, the action fails naming every candidate id ([`ActionError::Ambiguous`]). None: the create is sent again, within [`EngineConfig::max_attempts`]. A lookup that cannot be completed fails the action ([`ActionError::LookupFailed`]) without sending the create again. |
//! | `PUT` (replace a user, set a group's members) | yes | the same whole resource twice is the same resource |
//! | `PATCH` `replace` (user attributes, `active`, a group's name) | yes | replacing a value with the same value changes nothing |
//! | `PATCH` `add` to `members` | yes | RFC 7644 §3.5.2.1: adding a value already present changes nothing; a server that refuses the duplicate answers an error, reported as the action's failure, and the next plan (from a fresh listing) has nothing left to add. No second resource can come of it. |
//! | `PATCH` `remove` from `members` | yes | removing an absent member leaves it absent; a server answering 400 `noTarget` to the second send is reported as the action's failure, and the next plan has nothing left to remove |
//! | `DELETE` | yes | a 404 afterwards is drift: the resource is gone, as asked |
//! | `POST /Bulk` (SCIM Bulk, RFC 7644 §3.7) | never as a whole, except after a 429 | each operation by the row of the single request it stands for: a batch without an answer, with an unreadable answer or a 5xx leaves every operation's outcome unknown, as does an operation the answer does not mention; each create is looked up as above, each other operation is sent again alone (a single request, after its backoff). A retry therefore carries only the operations whose outcome is unknown, never an operation the answer settled. A 429 sends the whole batch again after its wait (nothing was processed); any other 4xx for the whole request (a 413, a 400) applied nothing, and its operations go as single requests. |
//!
//! Under Bulk ([`Profile::bulk_limits`](crate::profile::Profile::bulk_limits), with a
//! complete listing) the plan's actions go in plan order as batches of `plan::next_batch`,
//! one batch in flight at a time, each made when nothing else is queued or in flight (so it
//! is built with every id learnt before it). Each operation's result is read onto its own
//! action through the same disposition as a single request's answer: a failed operation
//! fails only its action (`failOnErrors` is the batch size, so the server never stops for
//! one bad row); a 409 on a create is looked up and adopted; a 404 is drift or a
//! re-creation. An operation refused because it names, by `bulkId`, a create that failed in
//! the same batch is sent again alone, without that member. An action too large for
//! `maxPayloadSize`, or waiting for an id when nothing is in flight (its dependency's create
//! failed), goes as a single request, as without Bulk.
//!
//! A 429 is always sent again after its wait: a rate-limited request was not processed. A
//! 409 on a create is followed by the same lookup (the existing resource is adopted); when
//! a filtered lookup is refused (a server that cannot parse an escaped quote answers 400
//! `invalidFilter`), the engine falls back to the listing and the outcome keeps the lookup's
//! error ([`ActionResult::Adopted`]'s `lookup_error`, or [`ActionError::LookupFailed`] with
//! the conflict too). When the listing was incomplete and the plan is applied anyway
//! ([`EngineConfig::allow_blocked`]), every create is preceded by a lookup, since the
//! listing cannot prove its subject absent. The `POST` that creates again a user who
//! vanished (404 on an update) is a create too: looked up before it is sent again, and after
//! a 409.
//!
//! # How the engine is built
//!
//! As quinn-proto's `Connection`: the run's state is an enum whose variants own each
//! phase's data (created, discovering, listing, planning, applying, done); the scheduler
//! owns the queue, the requests in flight, the token bucket, the pause a 429 imposes,
//! retries and backoff, and knows nothing of what a request does; what an answer means for a
//! write (done, retry, look up and adopt, recreate, drift, fatal, failed) is one pure
//! function, unit-tested case by case, which the state machine only carries out. What a
//! lookup finds is decided in the lookup, what a listing page means in the listing. Plan
//! actions are applied in [`ApplyPhase`](crate::plan::ApplyPhase) order, each phase once the
//! one before has settled (under Bulk, in plan order, which is phase order, one batch at a
//! time).
//!
//! ```
//! use scim_provision::engine::{Engine, EngineConfig, Input, Mode, Output};
//! use scim_provision::http::HttpResponse;
//! use scim_provision::plan::DesiredState;
//! use scim_provision::profile::Profile;
//!
//! let desired = DesiredState::from_json(r#"{"users": [{"userName": "ana@example.com"}]}"#)?;
//! let config = EngineConfig::new("/scim/v2", Profile::airtable(), Mode::PlanOnly);
//! let mut engine = Engine::new(config, desired)?;
//! let mut now_ms = 0;
//! let report = loop {
//!     match engine.poll_output(now_ms) {
//!         Output::Send { id, request } => {
//!             // A real host sends `request` over HTTP; this one answers with empty listings.
//!             let body = r#"{"totalResults": 0, "Resources": []}"#;
//!             assert!(request.path.starts_with("/scim/v2/"));
//!             engine.handle_input(Input::Response { id, response: HttpResponse::new(200, body) }, now_ms)?;
//!         }
//!         Output::Event { .. } => {}
//!         Output::Wait { until_ms } => now_ms = until_ms.unwrap_or(now_ms + 1),
//!         Output::Done { report } => break *report,
//!         _ => {}
//!     }
//! };
//! assert_eq!(report.plan.unwrap().summary.create_users, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod breaker;
mod coercions;
mod disposition;
mod failure;
mod joined;
mod kept;
mod listing;
mod lookup;
mod machine;
mod outcome;
pub(crate) mod pacing;
mod pauses;
mod scheduler;
mod wire;

use serde::{Deserialize, Serialize};

use crate::http::{HttpRequest, HttpResponse};
use crate::plan::{Plan, PlanError, Policy};
use crate::profile::Profile;
use crate::request::EncodeError;

pub use breaker::Breaker;
pub use failure::{RunEnd, RunFailure};
pub use machine::Engine;
pub use outcome::{
    ActionError, ActionOutcome, ActionResult, Event, ListingSummary, Phase, RunReport, RunStatus,
};

/// Identifies a request the engine asked the host to send.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

/// What the engine wants from the host next. Serialized (for bindings) with a `type` tag:
/// `send`, `event`, `wait`, `done`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[must_use]
#[non_exhaustive]
pub enum Output {
    /// Send this request now and report its answer with the same id.
    Send {
        /// The request's id.
        id: RequestId,
        /// The request (the host adds its origin and credentials).
        request: HttpRequest,
    },
    /// Show this event.
    Event {
        /// The event.
        event: Event,
    },
    /// Nothing to send before `until_ms` (`None`: until a response arrives).
    #[serde(rename_all = "camelCase")]
    Wait {
        /// When to poll again at the latest.
        until_ms: Option<u64>,
    },
    /// The plan awaits the host's approval ([`Mode::Review`]): show it, then answer with
    /// [`Input::Approve`] naming its `digest`, or [`Input::Decline`]. Nothing is sent until
    /// then; polling again returns it again.
    Review {
        /// The plan made from this run's listing, the one an approval applies.
        plan: Box<Plan>,
    },
    /// The run is over.
    Done {
        /// The final report.
        report: Box<RunReport>,
    },
}

/// What the host tells the engine. Read with a `type` tag, `response`, `failed`, `approve`
/// or `decline`; unknown fields are ignored (see `wire.rs` for how paths inside it are
/// kept).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", try_from = "wire::InputFields")]
#[non_exhaustive]
pub enum Input {
    /// A request was answered.
    Response {
        /// The request's id.
        id: RequestId,
        /// What came back.
        response: HttpResponse,
    },
    /// A request got no answer (connection refused, timeout, aborted).
    Failed {
        /// The request's id.
        id: RequestId,
        /// What happened, for the report.
        reason: String,
    },
    /// The plan under review ([`Output::Review`]) is approved: apply it, from the listing it
    /// was made from. `digest` names the plan the approver saw (its `digest`); an approval
    /// of any other plan is refused ([`RunStatus::Refused`]) and nothing is written.
    Approve {
        /// The `digest` of the plan approved.
        digest: String,
    },
    /// The plan under review is declined: the run ends [`RunStatus::Declined`], nothing
    /// written.
    Decline,
}

/// What the run does once it has listed the server. Read with a `mode` tag: `planOnly`,
/// `applyApproved` (with `plan` and an optional `replan`, false when absent),
/// `planAndApply` or `review`; unknown fields are ignored (see `wire.rs` for how paths
/// inside it are kept).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "camelCase", try_from = "wire::ModeFields")]
#[non_exhaustive]
pub enum Mode {
    /// List and plan; write nothing.
    PlanOnly,
    /// Apply a plan the host reviewed (possibly serialized earlier). The engine lists and
    /// plans again first, and applies the reviewed plan only when the fresh plan has the same
    /// actions and guards. Otherwise it refuses, saying why ([`crate::plan::check_approval`]):
    /// the plan was edited (its actions no longer match its `digest`; never applied, not
    /// even with `replan`), carries no digest, the server changed since (its `stateDigest`
    /// differs), or the directory or policy given is not the plan's; with `replan` the
    /// last two apply the fresh plan instead. Hosts check a saved plan with
    /// [`crate::plan::check_integrity`] (the host crate's `boundary::check_plan_json`) before
    /// starting, so an edited plan is refused before any request.
    #[serde(rename_all = "camelCase")]
    ApplyApproved {
        /// The reviewed plan.
        plan: Box<Plan>,
        /// Apply the fresh plan when the server (or the directory or policy) changed since
        /// review.
        #[cfg_attr(feature = "ts", ts(optional = nullable))]
        replan: bool,
    },
    /// Plan and apply in one go: choosing this mode is the explicit approval.
    PlanAndApply,
    /// List and plan, then wait for the host's approval ([`Output::Review`]) and apply the
    /// plan from the same listing ([`Input::Approve`]), or end [`RunStatus::Declined`]
    /// ([`Input::Decline`]): one listing per run, where a reviewed plan applied by
    /// [`Mode::ApplyApproved`] takes a second. A plan with nothing to do is applied without
    /// asking (the run ends [`RunStatus::Applied`]); a plan a guard blocked is refused
    /// before it is shown for approval, as in every mode.
    Review,
}

/// How a run behaves. Read (serde's derive) with camelCase names; an absent field takes
/// [`EngineConfig::default`]'s value, and unknown fields are ignored.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct EngineConfig {
    /// The server's base path, such as `/scim/v2`.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub base_path: String,
    /// The server's profile (refined by discovery when the profile asks for it).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub profile: Profile,
    /// The safety policy.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub policy: Policy,
    /// What to do after planning.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub mode: Mode,
    /// Apply a plan even when a guard blocked it.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub allow_blocked: bool,
    /// Requests in flight at most.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_in_flight: u32,
    /// Requests per second, overriding the profile's rate limit (`None`: the profile's).
    pub requests_per_second: Option<f64>,
    /// Attempts per request for 5xx answers, transport failures and undecodable bodies.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_attempts: u32,
    /// Attempts per request for 429 answers.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_rate_limited_attempts: u32,
    /// First backoff delay in milliseconds (doubled per attempt, jittered).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub backoff_base_ms: u64,
    /// Longest backoff delay in milliseconds.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub backoff_max_ms: u64,
    /// Seed of the backoff jitter.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub seed: u64,
    /// Refuse (as an incomplete listing) servers holding more resources than this.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_listed_resources: u64,
    /// Response bodies larger than this are refused.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_body_bytes: usize,
    /// When a run that keeps failing stops writing (default: 20 of the last 40 writes).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub breaker: Breaker,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            base_path: String::new(),
            profile: Profile::generic(),
            policy: Policy::default(),
            mode: Mode::PlanOnly,
            allow_blocked: false,
            max_in_flight: 4,
            requests_per_second: None,
            max_attempts: 5,
            max_rate_limited_attempts: 10,
            backoff_base_ms: 500,
            backoff_max_ms: 60_000,
            seed: 0,
            max_listed_resources: 1_000_000,
            max_body_bytes: crate::response::DEFAULT_MAX_BODY_BYTES,
            breaker: Breaker::default(),
        }
    }
}

impl EngineConfig {
    /// A configuration with defaults for everything but the server and the mode.
    pub fn new(base_path: &str, profile: Profile, mode: Mode) -> EngineConfig {
        EngineConfig {
            base_path: base_path.to_owned(),
            profile,
            mode,
            ..EngineConfig::default()
        }
    }
}

/// Misuse of the engine by its host. What the server does is never an `EngineError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The configuration cannot work.
    #[error("invalid engine configuration: {0}")]
    Config(String),
    /// The base path is not a path.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The directory contradicts itself.
    #[error(transparent)]
    Desired(#[from] PlanError),
    /// A target of a targeted run lacks what its operation needs.
    #[error(transparent)]
    Targets(#[from] crate::plan::TargetError),
    /// An input for a request the engine is not waiting for (unknown, or already answered).
    #[error("no request {0:?} is in flight")]
    UnknownRequest(RequestId),
    /// An approval or a decline while no plan awaits one ([`Output::Review`]).
    #[error("no plan awaits approval")]
    NotReviewing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_str;

    #[test]
    fn configurations_round_trip_and_absent_fields_take_the_defaults() {
        let actual = crate::plan::ActualState {
            complete: true,
            ..Default::default()
        };
        let encoder = crate::request::RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
        let desired = crate::plan::DesiredState::default();
        let plan = crate::plan::plan(&desired, &actual, encoder.profile(), &Policy::default())
            .unwrap()
            .with_requests(&encoder);
        let config = EngineConfig {
            base_path: "/scim/v2".into(),
            profile: Profile::airtable(),
            mode: Mode::ApplyApproved {
                plan: Box::new(plan),
                replan: true,
            },
            requests_per_second: Some(2.5),
            max_body_bytes: 1024,
            seed: u64::MAX,
            ..EngineConfig::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<EngineConfig>(&json).unwrap(), config);
        assert_eq!(
            serde_json::from_str::<EngineConfig>("{}").unwrap(),
            EngineConfig::default()
        );
        // Unknown fields are ignored, in the configuration and in a mode.
        let c: EngineConfig =
            serde_json::from_str(r#"{"mode":{"mode":"planAndApply","extra":1},"x":2}"#).unwrap();
        assert_eq!(c.mode, Mode::PlanAndApply);
        for mode in [Mode::PlanOnly, Mode::PlanAndApply, Mode::Review] {
            let json = serde_json::to_string(&mode).unwrap();
            assert_eq!(serde_json::from_str::<Mode>(&json).unwrap(), mode);
        }
        // `replan` is false when absent.
        let mut json = serde_json::to_value(&config.mode).unwrap();
        json.as_object_mut().unwrap().remove("replan");
        let Mode::ApplyApproved { replan, .. } = serde_json::from_value(json).unwrap() else {
            panic!("an applyApproved mode")
        };
        assert!(!replan);
    }

    #[test]
    fn inputs_round_trip() {
        for input in [
            Input::Response {
                id: RequestId(7),
                response: HttpResponse::new(200, "{}"),
            },
            Input::Failed {
                id: RequestId(8),
                reason: "timed out".into(),
            },
            Input::Approve {
                digest: "ab12".into(),
            },
            Input::Decline,
        ] {
            let json = serde_json::to_string(&input).unwrap();
            assert_eq!(serde_json::from_str::<Input>(&json).unwrap(), input);
        }
    }

    #[test]
    fn bad_configurations_and_inputs_are_refused_where_they_are_wrong() {
        let refused = |argument: &str, text: &str| {
            let e = match argument {
                "input" => from_str::<Input>(text).map(|_| ()),
                _ => from_str::<EngineConfig>(text).map(|_| ()),
            }
            .unwrap_err();
            (e.path, e.reason)
        };
        let cases = [
            (
                "config-json",
                r#"{"maxAttempts":"five"}"#,
                "maxAttempts",
                "expected u32",
            ),
            ("config-json", r#"{"seed":-1}"#, "seed", "expected u64"),
            (
                "config-json",
                r#"{"requestsPerSecond":"x"}"#,
                "requestsPerSecond",
                "expected f64",
            ),
            (
                "config-json",
                r#"{"mode":{"mode":"apply"}}"#,
                "mode.mode",
                "unknown variant `apply`",
            ),
            (
                "config-json",
                r#"{"mode":{"mode":"applyApproved"}}"#,
                "mode",
                "missing field `plan`",
            ),
            (
                "config-json",
                r#"{"mode":{}}"#,
                "mode",
                "missing field `mode`",
            ),
            (
                "config-json",
                r#"{"profile":{"name":"x"}}"#,
                "profile",
                "missing field `discovery`",
            ),
            (
                "config-json",
                r#"{"policy":{"maxDeletions":{"count":"x"}}}"#,
                "policy.maxDeletions.count",
                "expected u32",
            ),
            (
                "config-json",
                r#"{"mode":{"mode":"applyApproved","plan":{"version":"x"}}}"#,
                "mode.plan.version",
                "expected u32",
            ),
            (
                "input",
                r#"{"type":"failed","id":"x"}"#,
                "id",
                "expected u64",
            ),
            (
                "input",
                r#"{"type":"failed","id":1}"#,
                ".",
                "missing field `reason`",
            ),
            ("input", r#"{"id":1}"#, ".", "missing field `type`"),
            (
                "input",
                r#"{"type":"response","response":{"status":200}}"#,
                ".",
                "missing field `id`",
            ),
            (
                "input",
                r#"{"type":"approve"}"#,
                ".",
                "missing field `digest`",
            ),
            (
                "input",
                r#"{"type":"approve","digest":7}"#,
                "digest",
                "expected a string",
            ),
            (
                "input",
                r#"{"type":"response","id":1,"response":{}}"#,
                "response",
                "missing field `status`",
            ),
        ];
        for (argument, text, at, reason) in cases {
            let (location, why) = refused(argument, text);
            assert_eq!(location, at, "{text}");
            assert!(why.contains(reason), "{text}: {why}");
        }
    }
}
