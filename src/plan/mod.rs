//! Reconciliation: the desired state against the listed state, into a reviewable [`Plan`].
//!
//! Everything here is a pure function of its inputs. A plan is data: it serializes to JSON
//! in a deterministic order (actions sorted by apply phase, then by subject), a person can
//! review it like `terraform plan`, and the engine executes it later. Safety guards that
//! trip leave the actions in place for review but list themselves under `blocked`; a
//! blocked plan must not be applied without an explicit override.

mod action;
mod allowed;
mod ambiguity;
mod batches;
mod build;
mod cost;
pub(crate) mod desired;
mod desired_file;
mod desired_json;
mod desired_nested;
mod diff;
#[cfg(test)]
mod fast_reference;
mod integrity;
mod keys;
mod policy;
mod requests;
mod str_index;
mod targeted;
mod wire;

use serde::{Deserialize, Serialize};

use crate::http::Method;
use crate::model::{Group, User};

pub use action::{
    Action, ActionKind, ApplyPhase, CreateGroup, CreateUser, DeleteGroup, DeleteUser, GroupRef,
    Membership, RenameGroup, SetMembers, UserRef, UserUpdate,
};
pub use allowed::{Allowed, GroupVerb, MembershipVerb, UserVerb};
pub use batches::{next_batch, Batch, BatchEnd};
pub use build::plan;
pub(crate) use build::summarize;
pub(crate) use build::{create_body, user_update, validate};
pub(crate) use build::{sort_actions, Keyed};
pub use cost::Cost;
pub use desired::{CsvRowError, DesiredGroup, DesiredState, DesiredStateError, CSV_HEADERS};
pub use desired_file::DesiredFormat;
pub(crate) use diff::unkept;
pub use diff::Change;
pub(crate) use diff::{managed_value, replacement};
pub(crate) use integrity::state_digest;
pub use integrity::{check_approval, check_integrity, plan_digest, policy_digest, ReviewError};
pub use keys::{group_key, user_key};
pub use policy::{Cap, CapError, Offboarding, Policy, Scope};
#[cfg(test)]
pub(crate) use requests::plan_into_empty;
pub use requests::{BuildError, IdLookup, NoIds};
pub(crate) use targeted::{lookups, Subject};
pub use targeted::{
    plan_targeted, read_events, read_events_mapped, read_targets, validate_targets, EventError,
    EventKind, Events, EventsRefused, Malformed, Operation, Target, TargetError, TargetGroup,
};

/// What the server holds, as listed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActualState {
    /// Every user listed.
    pub users: Vec<User>,
    /// Every group listed (with members, fetched one by one where the listing omits them).
    pub groups: Vec<Group>,
    /// Whether the listing is known complete. An incomplete listing plans no removal.
    pub complete: bool,
    /// What made the listing incomplete, for the blocked reason.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub problems: Vec<String>,
}

/// What the planner decided, before the requests are written: [`plan`]'s result, which
/// [`Draft::with_requests`] turns into the reviewable [`Plan`] for one server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Draft {
    /// The profile planned for.
    pub profile: String,
    /// Counts per kind of change.
    pub summary: Summary,
    /// Guards that tripped.
    pub blocked: Vec<Blocked>,
    /// The actions, in apply order.
    pub actions: Vec<Action>,
    /// Things a reviewer should know that are not actions.
    pub notes: Vec<Note>,
    /// Sizes of what the plan was computed from.
    pub source: SourceCounts,
    /// Hex XXH3-128 fingerprint of the server state planned from (the plan's `stateDigest`).
    pub state_digest: String,
}

/// A reviewable plan. Read from JSON as written (`Written`), then its summary is recomputed
/// from the actions.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "Written")]
#[non_exhaustive]
pub struct Plan {
    /// Plan format version.
    pub version: u32,
    /// The profile the plan was made for.
    pub profile: String,
    /// Counts per kind of change.
    pub summary: Summary,
    /// The requests applying it sends, by kind, and the least time they take at the
    /// profile's rate limit. Not covered by `digest`; recomputed when a plan is decoded.
    pub cost: Cost,
    /// Guards that tripped; non-empty means the plan must not be applied without override.
    pub blocked: Vec<Blocked>,
    /// The steps, in apply order.
    pub actions: Vec<Step>,
    /// Things a reviewer should know that are not actions (skipped users...).
    pub notes: Vec<Note>,
    /// Sizes of what the plan was computed from.
    pub source: SourceCounts,
    /// Hex SHA-256 of the canonical JSON of `actions` and `blocked` ([`plan_digest`]): an
    /// edited action, or a deleted guard, no longer matches it. `None` only in a plan decoded from a file that lacks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Hex XXH3-128 of the server state the plan was made from, as the planner saw it: a
    /// fingerprint that changes with it, not tamper evidence (see [`check_approval`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_digest: Option<String>,
}

// A saved plan's figures are never trusted: its summary must be there and well-formed, but
// is recomputed from the actions. The plan is read as `Written` (the same fields) and turned
// into a `Plan` (`#[serde(from = "Written")]`). A `remote = "Self"` derive would avoid
// repeating the fields, but its inherent `Plan::deserialize` would be public and skip the
// recount.
/// A [`Plan`] as written in a file, its summary not yet recounted.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    version: u32,
    profile: String,
    /// Required and well-formed, then replaced.
    #[serde(rename = "summary")]
    _summary: Summary,
    /// Absent in plans made before plans carried it; only its rate is read.
    #[serde(default)]
    cost: Option<Cost>,
    blocked: Vec<Blocked>,
    actions: Vec<Step>,
    notes: Vec<Note>,
    source: SourceCounts,
    digest: Option<String>,
    state_digest: Option<String>,
}

impl From<Written> for Plan {
    fn from(w: Written) -> Plan {
        let (rate_limit, bulk, lookups) = match w.cost {
            Some(cost) => (cost.rate_limit, cost.bulk_max_operations, cost.lookups),
            None => (
                crate::profile::builtin(&w.profile).and_then(|p| p.rate_limit),
                None,
                0,
            ),
        };
        let mut cost = Cost::of(w.actions.iter().map(|s| &s.action), rate_limit, bulk);
        cost.lookups = lookups;
        Plan {
            version: w.version,
            summary: summarize(w.actions.iter().map(|s| &s.action)),
            cost,
            profile: w.profile,
            blocked: w.blocked,
            actions: w.actions,
            notes: w.notes,
            source: w.source,
            digest: w.digest,
            state_digest: w.state_digest,
        }
    }
}

/// Counts of a plan's changes; `addMembers` and `removeMembers` count members. Always
/// computed from the actions, also when a plan is decoded (a saved plan's figures are not
/// trusted).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Summary {
    /// Users created.
    pub create_users: u64,
    /// Users updated (attributes only).
    pub update_users: u64,
    /// Users deactivated.
    pub deactivate_users: u64,
    /// Users reactivated.
    pub reactivate_users: u64,
    /// Users deleted.
    pub delete_users: u64,
    /// Groups created.
    pub create_groups: u64,
    /// Groups renamed.
    pub update_groups: u64,
    /// Groups deleted.
    pub delete_groups: u64,
    /// Members added, including those a group's create carries.
    pub add_members: u64,
    /// Members removed.
    pub remove_members: u64,
}

/// A guard that tripped.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Blocked {
    /// Which guard.
    pub guard: Guard,
    /// Why, in words.
    pub reason: String,
}

/// The safety guards.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Guard {
    /// The directory lists no users (or no groups) while the server has some.
    EmptySource,
    /// The server listing is incomplete.
    IncompleteListing,
    /// More deactivations than the policy allows.
    DeactivationCap,
    /// More deletions than the policy allows.
    DeletionCap,
    /// A directory subject matches several server resources (duplicates in the listing);
    /// its changes are withheld and its candidates left alone.
    AmbiguousMatch,
    /// A targeted run names a user outside the policy's scope, or protected.
    OutOfScope,
    /// A targeted run's operation needs a user the server does not hold (an update, a
    /// reactivation, a grant).
    UnknownSubject,
}

/// One action with the request it becomes.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Step {
    /// The action.
    #[serde(flatten)]
    pub action: Action,
    /// The request, when every id it needs is known at plan time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestPreview>,
    /// What the request waits for otherwise (a user or group this plan creates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
}

/// A request shown for review, with its body as JSON rather than a string.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestPreview {
    /// Method.
    pub method: Method,
    /// Path with query.
    pub path: String,
    /// Body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// A remark for the reviewer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Note {
    /// Who it is about.
    pub subject: String,
    /// What happened.
    pub message: String,
}

/// The sizes of a plan's inputs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SourceCounts {
    /// Users in the directory.
    pub desired_users: u64,
    /// Groups in the directory.
    pub desired_groups: u64,
    /// Users listed on the server.
    pub server_users: u64,
    /// Groups listed on the server.
    pub server_groups: u64,
    /// Server users inside the policy's scope and not protected.
    pub managed_users: u64,
    /// Whether the listing was complete.
    pub listing_complete: bool,
}

/// A desired state the planner refuses: the directory contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Two desired users share a matching key.
    #[error("directory users {} and {} have the same {key}", crate::quoted::q(.first), crate::quoted::q(.second))]
    DuplicateUser {
        /// The first user's userName.
        first: String,
        /// The second user's userName.
        second: String,
        /// `externalId` or `userName`.
        key: &'static str,
    },
    /// Two desired groups share a matching key.
    #[error("directory groups {} and {} have the same {key}", crate::quoted::q(.first), crate::quoted::q(.second))]
    DuplicateGroup {
        /// The first group's name.
        first: String,
        /// The second group's name.
        second: String,
        /// `externalId` or `displayName`.
        key: &'static str,
    },
    /// A group names a member who is not a desired user.
    #[error("group {} lists member {}, who is not among the directory's users", crate::quoted::q(.group), crate::quoted::q(.member))]
    UnknownMember {
        /// The group.
        group: String,
        /// The member as written.
        member: String,
    },
    /// A desired user with an empty userName.
    #[error("the directory's user at users[{index}] has an empty userName")]
    EmptyUserName {
        /// 0-based position in the desired users.
        index: usize,
    },
    /// A desired group with an empty displayName.
    #[error("the directory's group at groups[{index}] has an empty displayName")]
    EmptyGroupName {
        /// 0-based position in the desired groups.
        index: usize,
    },
}

impl Step {
    /// An action with its request, or what the request waits for.
    pub fn new(action: Action, request: Option<RequestPreview>, waits_for: Option<String>) -> Step {
        Step {
            action,
            request,
            waits_for,
        }
    }
}

impl RequestPreview {
    /// A request of `method` to `path` (the base path and query included) with `body`.
    pub fn new(method: Method, path: String, body: Option<serde_json::Value>) -> RequestPreview {
        RequestPreview { method, path, body }
    }
}

impl Blocked {
    /// A guard that tripped, and why.
    pub fn new(guard: Guard, reason: impl Into<String>) -> Blocked {
        Blocked {
            guard,
            reason: reason.into(),
        }
    }
}

impl SourceCounts {
    /// The sizes of a plan made from `actual` (the server as listed or looked up) and
    /// `desired_users` and `desired_groups` subjects, managing no listed user by scope.
    pub(crate) fn of(actual: &ActualState, desired_users: u64, desired_groups: u64) -> Self {
        SourceCounts {
            desired_users,
            desired_groups,
            server_users: actual.users.len() as u64,
            server_groups: actual.groups.len() as u64,
            managed_users: 0,
            listing_complete: actual.complete,
        }
    }
}

impl Note {
    /// A remark about `subject`.
    pub fn new(subject: impl Into<String>, message: impl Into<String>) -> Note {
        Note {
            subject: subject.into(),
            message: message.into(),
        }
    }
}

impl Plan {
    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Whether a guard tripped.
    pub fn is_blocked(&self) -> bool {
        !self.blocked.is_empty()
    }

    /// Why this plan must not be applied, or `None` when it may be: a plan a guard blocked
    /// is refused unless the caller overrides explicitly (`allow_blocked`). The engine refuses
    /// a run with this reason, and a host that asks for confirmation first (the CLI) asks
    /// the same question before it does.
    pub fn refusal(&self, allow_blocked: bool) -> Option<String> {
        refusal(&self.blocked, allow_blocked)
    }
}

/// [`Plan::refusal`] from a plan's `blocked` list alone, for a host that holds the plan as
/// its own data and need not hand the whole of it back.
pub fn refusal(blocked: &[Blocked], allow_blocked: bool) -> Option<String> {
    if blocked.is_empty() || allow_blocked {
        return None;
    }
    let reasons: Vec<&str> = blocked.iter().map(|b| b.reason.as_str()).collect();
    Some(format!("the plan is blocked: {}", reasons.join("; ")))
}
