//! What a run reports: events while it runs and a final report when it is done.

use serde::{Deserialize, Serialize};

use crate::plan::{ActionKind, Plan};
use crate::response::ServerError;

/// Where a run is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Phase {
    /// Asking the server what it supports.
    Discover,
    /// Listing users.
    ListUsers,
    /// Listing groups (and fetching members where the listing omits them).
    ListGroups,
    /// Computing the plan.
    Plan,
    /// Executing the plan.
    Apply,
    /// Finished.
    Done,
}

/// Something the host may show while the run goes on.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "EngineEvent"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Event {
    /// How far the current phase is.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// The phase.
        phase: Phase,
        /// Units done (pages, actions).
        done: u64,
        /// Units known so far.
        total: u64,
        /// Requests in flight.
        in_flight: u64,
    },
    /// The plan, once computed.
    Planned {
        /// The plan.
        plan: Box<Plan>,
    },
    /// An action finished.
    #[serde(rename_all = "camelCase")]
    ActionDone {
        /// Its outcome.
        outcome: ActionOutcome,
    },
    /// Something worth knowing that is not a failure (a fallback, a retry, a drift).
    #[serde(rename_all = "camelCase")]
    Warning {
        /// What happened.
        message: String,
    },
    /// One line of the provisioning log (JSON text, `docs/LOG.md`), when the host asked
    /// for the log ([`crate::engine::Engine::log_to`]).
    Log {
        /// The line, without its newline.
        line: String,
    },
}

/// How one plan action ended.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActionOutcome {
    /// The action's position in the plan.
    pub index: usize,
    /// Its kind (`createUser`...).
    pub kind: ActionKind,
    /// Who it was about.
    pub subject: String,
    /// The result.
    pub result: ActionResult,
}

/// The result of one action.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
#[non_exhaustive]
pub enum ActionResult {
    /// Done as planned.
    Applied,
    /// The create's subject was found on the server and adopted (and updated if needed)
    /// instead of created: after a 409, after an answer that was lost, unreadable or a 5xx
    /// (the create may have been committed), or before creating from an incomplete listing.
    #[serde(rename_all = "camelCase")]
    Adopted {
        /// The adopted resource's id.
        id: String,
        /// Whether attributes had to be updated after adoption.
        updated: bool,
        /// The error a filtered lookup met before the listing found the resource (a server
        /// that cannot parse the filter answers 400 `invalidFilter`, say).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lookup_error: Option<Box<ServerError>>,
    },
    /// The server no longer matched the plan (404 on update, a vanished group).
    #[serde(rename_all = "camelCase")]
    Drift {
        /// What was found, and what was done about it.
        detail: String,
    },
    /// The server refused the action.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The server's answer (status, scimType, detail), or a transport failure.
        error: ActionError,
    },
    /// Not attempted because something it depends on failed.
    #[serde(rename_all = "camelCase")]
    Skipped {
        /// Why.
        reason: String,
    },
    /// Not attempted because the run stopped first.
    NotRun,
}

impl ActionResult {
    /// The server refused the action.
    pub(crate) fn server(error: ServerError) -> ActionResult {
        ActionResult::Failed {
            error: ActionError::Server(error),
        }
    }

    /// The action's request could not be built or its answer used.
    pub(crate) fn invalid(reason: impl Into<String>) -> ActionResult {
        ActionResult::Failed {
            error: ActionError::Invalid {
                reason: reason.into(),
            },
        }
    }
}

/// Why an action failed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum ActionError {
    /// The server answered with an error status.
    Server(ServerError),
    /// No usable answer after every attempt (transport failures, undecodable bodies).
    #[serde(rename_all = "camelCase")]
    Unanswered {
        /// The last failure.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The request could not be built.
    #[serde(rename_all = "camelCase")]
    Invalid {
        /// Why.
        reason: String,
    },
    /// A lookup found more than one server resource for the subject; none was adopted.
    #[serde(rename_all = "camelCase")]
    Ambiguous {
        /// The subject and every candidate id, in words.
        reason: String,
        /// Every candidate's id, sorted.
        candidates: Vec<String>,
    },
    /// The lookup that had to come before (re-)sending a create, or that follows a 409,
    /// could not be completed or found nothing to adopt after an error; the create was not
    /// sent (again).
    #[serde(rename_all = "camelCase")]
    LookupFailed {
        /// What happened, in words.
        reason: String,
        /// The create's own answer, when it was a 409.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conflict: Option<Box<ServerError>>,
        /// The lookup's own error answer (a 400 `invalidFilter`, say), when it got one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lookup_error: Option<Box<ServerError>>,
    },
}

/// How the run ended.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RunStatus {
    /// Plan-only mode: the plan was computed, nothing was written.
    Planned,
    /// Every action was applied (or adopted, or there was nothing to do).
    Applied,
    /// Some actions failed, drifted or were skipped.
    PartiallyApplied,
    /// The run refused to write: a blocked plan, or a server that changed since review.
    Refused,
    /// The run could not proceed (authentication failed, an invalid directory).
    Failed,
    /// The host stopped the run.
    Aborted,
    /// The host declined the plan under review ([`crate::engine::Mode::Review`]): nothing
    /// was written.
    Declined,
    /// The circuit breaker stopped the writes: too many of the latest failed
    /// ([`crate::engine::Breaker`]); the reason says how many.
    Quarantined,
}

/// The final report of a run.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunReport {
    /// How the run ended.
    pub status: RunStatus,
    /// Why, when it did not simply succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The server error that ended the run, if one did (a 401, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ServerError>,
    /// The plan computed (or the approved plan executed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// One outcome per plan action, in plan order (empty in plan-only mode).
    pub outcomes: Vec<ActionOutcome>,
    /// What the listing found.
    pub listing: ListingSummary,
    /// Requests handed to the host.
    pub requests_sent: u64,
    /// Requests sent again after a failure.
    pub retries: u64,
    /// Pauses the run really made, with nothing in flight, for a rate limit, a 429 or a
    /// backoff (time passed on the host's clock; a delay that other requests filled is
    /// none).
    pub waits: u64,
    /// Milliseconds spent in those pauses.
    pub waited_ms: u64,
    /// Milliseconds from the first to the last `now_ms` the run saw.
    pub elapsed_ms: u64,
    /// Warnings raised during the run.
    pub warnings: Vec<String>,
}

/// What the listing found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListingSummary {
    /// Users listed.
    pub users: u64,
    /// Groups listed.
    pub groups: u64,
    /// Whether the listing was complete.
    pub complete: bool,
    /// What made it incomplete.
    pub problems: Vec<String>,
}
