//! Tamper evidence for saved plans: what a plan's `digest` and `stateDigest` cover, and the
//! checks that say precisely why a reviewed plan is refused.
//!
//! A plan is reviewed as a file and applied later, so the file can be edited in between
//! (by mistake or to hide a deactivation). Three things protect it:
//!
//! - every figure the plan shows (its `summary`) is recomputed from its actions whenever a
//!   plan is decoded, so an edited figure is simply replaced;
//! - `digest`, the hex SHA-256 of the canonical JSON of its `actions` and its `blocked`
//!   guards (objects with keys sorted by code point, no whitespace, integral numbers as
//!   integers), detects an edited action, or a guard deleted to slip a plan past review,
//!   before anything is sent ([`check_integrity`]). The canonical JSON is written in one
//!   pass over serde_json's text (`canonical.rs`); the definition is a rewrite through
//!   `Value`, which a property test holds the pass to byte for byte;
//! - `stateDigest` tells apart, when the fresh plan of a reviewed plan's run differs from
//!   it, a server that changed from a directory or policy that is not the one the plan was
//!   made from ([`check_approval`]). It covers the server state as the planner reads it:
//!   the listed users and groups that have ids (in id order, the first of a repeated id),
//!   each user's attributes the planner reads, each group's display name, externalId and
//!   member ids (in any order), and whether the listing was complete. It is the hex
//!   XXH3-128 of an unambiguous binary encoding of those (`state.rs`), not a
//!   cryptographic hash: it detects change, it does not stand against forgery, and it needs
//!   none, since either answer refuses the plan and only the reason differs. Hashing the
//!   listing's JSON with SHA-256, as earlier builds did, took a quarter of the planning
//!   time (far more in WebAssembly, which has no SHA instructions). A plan saved by such a
//!   build keeps its valid `digest`, but its `stateDigest` matches no new one: if its
//!   fresh plan differs, it is refused as `serverChanged` even when only the inputs did.
//!
//! A plan without a digest (made before plans carried one) is refused: it cannot be shown
//! to be the plan that was reviewed.

mod canonical;
mod state;

use sha2::{Digest, Sha256};

use super::{Blocked, Plan, Step};
use canonical::Canonical;
#[allow(unused_imports)] // As `state::state_digest`.
pub(crate) use state::state_digest;
pub(crate) use state::{state_digest_of, MemberIds};

/// Why a reviewed plan is not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// The plan carries no `digest`: it was made by a version that did not write one.
    #[error("the plan file carries no digest (it was made by an older version of scim-provision); plan again and review")]
    NoDigest,
    /// The plan's actions do not match its `digest`.
    #[error("the plan file was edited after it was made (its actions or guards no longer match its digest)")]
    Edited,
    /// The server state differs from the one the plan was made from, and so does the plan.
    #[error("the server changed since the plan was made; plan again and review")]
    ServerChanged,
    /// The server state is the one the plan was made from, but the directory or policy
    /// given makes a different plan.
    #[error("the directory or policy given is not the one the plan was made from; plan again and review")]
    InputsChanged,
}

impl ReviewError {
    /// The error's code, as faults and reports name it.
    pub fn code(self) -> &'static str {
        match self {
            ReviewError::NoDigest => "planWithoutDigest",
            ReviewError::Edited => "planEdited",
            ReviewError::ServerChanged => "serverChanged",
            ReviewError::InputsChanged => "inputsChanged",
        }
    }

    /// What a run that re-plans (`replan`) warns instead of refusing; `None` when the plan
    /// must be refused even then (an edited plan: what was reviewed is unknown).
    pub fn replan_warning(self) -> Option<&'static str> {
        match self {
            ReviewError::ServerChanged => {
                Some("the server changed since the plan was reviewed; applying the fresh plan")
            }
            ReviewError::InputsChanged => Some(
                "the directory or policy given is not the one the plan was made from; applying the fresh plan",
            ),
            ReviewError::NoDigest | ReviewError::Edited => None,
        }
    }
}

/// The hex SHA-256 of the canonical JSON of `{"actions": actions, "blocked": blocked}`.
pub fn plan_digest(actions: &[Step], blocked: &[Blocked]) -> String {
    // Step by step, so no copy of the whole plan is held.
    let mut h = Sha256::new();
    let mut canon = Canonical::default();
    h.update(br#"{"actions":["#);
    for (i, step) in actions.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        h.update(canon.write(step));
    }
    h.update(br#"],"blocked":"#);
    h.update(canon.write(blocked));
    h.update(b"}");
    hex(h.finalize().as_slice())
}

/// The hex SHA-256 of the canonical JSON of `policy`: which policy a run ran under, as the
/// provisioning log's header records it.
pub fn policy_digest(policy: &super::Policy) -> String {
    let mut canon = Canonical::default();
    hex(Sha256::digest(canon.write(policy)).as_slice())
}

/// Checks that `plan`'s actions and guards are the ones its `digest` was made over.
///
/// # Errors
///
/// [`ReviewError::NoDigest`] for a plan without a digest, [`ReviewError::Edited`] when its
/// actions or guards do not match it.
pub fn check_integrity(plan: &Plan) -> Result<(), ReviewError> {
    match plan.digest.as_deref() {
        None | Some("") => Err(ReviewError::NoDigest),
        Some(d) if d.eq_ignore_ascii_case(&plan_digest(&plan.actions, &plan.blocked)) => Ok(()),
        Some(_) => Err(ReviewError::Edited),
    }
}

/// Checks that `approved` (a reviewed plan) may be applied, given `fresh`, the plan made
/// just now from the server's current state and the directory and policy of the run.
///
/// # Errors
///
/// The first that holds: [`check_integrity`]'s errors; [`ReviewError::ServerChanged`] when
/// the plans differ (actions or guards) and so do their state digests;
/// [`ReviewError::InputsChanged`] when the plans differ over the same state.
pub fn check_approval(approved: &Plan, fresh: &Plan) -> Result<(), ReviewError> {
    check_integrity(approved)?;
    if approved.actions == fresh.actions && approved.blocked == fresh.blocked {
        Ok(())
    } else if approved.state_digest != fresh.state_digest {
        Err(ReviewError::ServerChanged)
    } else {
        Err(ReviewError::InputsChanged)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_nothing_is_the_sha256_of_its_canonical_json() {
        // printf '{"actions":[],"blocked":[]}' | sha256sum
        assert_eq!(
            plan_digest(&[], &[]),
            "5ecf68c10456f8fa0c97cc62c467b427010f946e7c6e4e347abd582ccaef0e57"
        );
    }
}
