//! The planning algorithm: match, diff, offboard, reconcile groups, apply guards, order.
//!
//! This module holds the entry point ([`plan`]), the planner's state and its guards; the
//! indexes it matches with, the users' half and the groups' half of planning are its
//! children (`index`, `users`, `groups`). The planner decides from the profile and the
//! directory alone: the requests its actions become are `plan/requests.rs`'s.

use std::borrow::Cow;

use super::action::{Action, ActionKind};
use super::allowed;
use super::desired::DesiredState;
use super::integrity;
use super::policy::{Offboarding, Policy};
use super::{ActualState, Blocked, Draft, Guard, Note, PlanError, SourceCounts, Summary};
use crate::model::User;
use crate::profile::Profile;
use crate::sorting;

mod groups;
mod index;
mod members;
mod users;

use index::{DesiredIndex, ServerIndex};
use users::UserMatches;
pub(crate) use users::{create_body, user_update};

/// The directory as the server can take it: without `manager.displayName` when the profile
/// says the server treats it as read-only (RFC 7643), so it is neither compared (the server
/// never echoes it) nor sent (the server would refuse the whole update). Borrowed unchanged,
/// without a copy, whenever there is nothing to drop.
fn writable_view<'a>(
    desired: &'a DesiredState,
    profile: &Profile,
) -> (Cow<'a, DesiredState>, Option<Note>) {
    let named = |u: &User| {
        u.enterprise
            .as_ref()
            .and_then(|e| e.manager.as_ref())
            .is_some_and(|m| m.display_name.is_some())
    };
    if profile.manager_display_name_writable || !desired.users.iter().any(named) {
        return (Cow::Borrowed(desired), None);
    }
    let mut copy = desired.clone();
    for manager in copy
        .users
        .iter_mut()
        .filter_map(|u| u.enterprise.as_mut()?.manager.as_mut())
    {
        manager.display_name = None;
    }
    let note = Note::new(
        "manager.displayName",
        format!(
            "read-only on this server (profile {}, as RFC 7643 defines it): the directory's manager names are not sent; manager ids are",
            profile.name
        ),
    );
    (Cow::Owned(copy), Some(note))
}

/// Plans the changes that bring the server (`actual`) to the directory (`desired`) under
/// `policy`, for a server that behaves as `profile` says. The result is a [`Draft`]:
/// [`Draft::with_requests`] writes each action's request for the server's encoder.
///
/// # Errors
///
/// A [`PlanError`] when the directory contradicts itself (two users or groups with one
/// key, an empty name, a member who is not a directory user).
pub fn plan(
    desired: &DesiredState,
    actual: &ActualState,
    profile: &Profile,
    policy: &Policy,
) -> Result<Draft, PlanError> {
    let (desired, read_only_note) = writable_view(desired, profile);
    let desired = desired.as_ref();
    let dir = DesiredIndex::new(desired)?;
    let server = ServerIndex::new(actual, policy, &dir);
    let mut p = Planner {
        policy,
        profile,
        actual,
        actions: Vec::new(),
        notes: Vec::new(),
        ambiguous: Vec::new(),
        // Removals of any kind need a complete listing.
        removals_allowed: actual.complete,
    };

    let matches = p.plan_users(desired, &dir, &server);
    p.plan_groups(desired, &dir, &server, &matches);
    p.actions = allowed::withhold(std::mem::take(&mut p.actions), &policy.allow, &mut p.notes);
    let blocked = p.guards(desired, &server);

    let Planner {
        actions, mut notes, ..
    } = p;
    notes.extend(read_only_note);
    let mut actions = actions;
    sort_actions(&mut actions);
    sorting::sort_by(&mut notes, Ord::cmp);
    let summary = summarize(actions.iter().map(|(a, ..)| a));
    Ok(Draft {
        state_digest: integrity::state_digest_of(
            actual.complete,
            &server.users,
            server
                .groups
                .iter()
                .map(|&g| &actual.groups[g])
                .zip(server.members.ids.iter().copied()),
        ),
        profile: profile.name.clone(),
        summary,
        blocked,
        actions: actions.into_iter().map(|(action, ..)| action).collect(),
        notes,
        source: SourceCounts {
            desired_users: desired.users.len() as u64,
            desired_groups: desired.groups.len() as u64,
            server_users: actual.users.len() as u64,
            server_groups: actual.groups.len() as u64,
            managed_users: server.managed as u64,
            listing_complete: actual.complete,
        },
    })
}

/// Checks that a directory does not contradict itself (what [`plan`] refuses first).
pub(crate) fn validate(desired: &DesiredState) -> Result<(), PlanError> {
    DesiredIndex::new(desired).map(drop)
}

/// A planned action with its sort key (subject key, chunk index).
pub(crate) type Keyed = (Action, String, usize);

/// The plan's order of actions: by apply phase, kind, subject key, chunk (the targeted
/// planner's too).
pub(crate) fn sort_actions(actions: &mut [Keyed]) {
    sorting::sort_by(actions, |a, b| {
        (a.0.phase(), a.0.kind(), &a.1, a.2).cmp(&(b.0.phase(), b.0.kind(), &b.1, b.2))
    });
}

struct Planner<'a> {
    policy: &'a Policy,
    profile: &'a Profile,
    actual: &'a ActualState,
    actions: Vec<Keyed>,
    notes: Vec<Note>,
    /// `ambiguousMatch` guards, one per subject whose changes are withheld.
    ambiguous: Vec<Blocked>,
    removals_allowed: bool,
}

impl Planner<'_> {
    fn push(&mut self, action: Action, key: String, chunk: usize) {
        self.actions.push((action, key, chunk));
    }

    fn note(&mut self, subject: &str, message: impl Into<String>) {
        self.notes.push(Note::new(subject, message));
    }

    fn guards(&mut self, desired: &DesiredState, server: &ServerIndex) -> Vec<Blocked> {
        let mut blocked = Vec::new();
        if !self.actual.complete {
            let mut reason =
                "the server listing is incomplete, so no removal was planned".to_owned();
            if !self.actual.problems.is_empty() {
                reason.push_str(": ");
                reason.push_str(&self.actual.problems.join("; "));
            }
            blocked.push(Blocked {
                guard: Guard::IncompleteListing,
                reason,
            });
        }
        let offboards = self.policy.offboarding != Offboarding::Leave;
        if desired.users.is_empty() && server.managed > 0 && offboards {
            blocked.push(Blocked {
                guard: Guard::EmptySource,
                reason: format!(
                    "the directory lists no users while the server has {} managed users",
                    server.managed
                ),
            });
        } else if desired.groups.is_empty()
            && self.policy.delete_unnamed_groups
            && !self.actual.groups.is_empty()
        {
            blocked.push(Blocked {
                guard: Guard::EmptySource,
                reason: format!(
                    "the directory lists no groups while the server has {}",
                    self.actual.groups.len()
                ),
            });
        }
        let count = |kind: ActionKind| {
            self.actions
                .iter()
                .filter(|(a, ..)| a.kind() == kind)
                .count()
        };
        if let Some(why) = self
            .policy
            .max_deactivations
            .exceeded(count(ActionKind::DeactivateUser), server.managed)
        {
            blocked.push(Blocked {
                guard: Guard::DeactivationCap,
                reason: format!("deactivations: {why}"),
            });
        }
        if let Some(why) = self
            .policy
            .max_deletions
            .exceeded(count(ActionKind::DeleteUser), server.managed)
        {
            blocked.push(Blocked {
                guard: Guard::DeletionCap,
                reason: format!("deletions: {why}"),
            });
        }
        let mut ambiguous = std::mem::take(&mut self.ambiguous);
        sorting::sort_by(&mut ambiguous, |a, b| a.reason.cmp(&b.reason));
        blocked.extend(ambiguous);
        blocked
    }
}

/// The counts of `actions` (also what a decoded plan's summary is recomputed with).
pub(crate) fn summarize<'a>(actions: impl Iterator<Item = &'a Action>) -> Summary {
    let mut s = Summary::default();
    for a in actions {
        match a {
            Action::CreateUser(_) => s.create_users += 1,
            Action::UpdateUser(_) => s.update_users += 1,
            Action::ReactivateUser(_) => s.reactivate_users += 1,
            Action::DeactivateUser(_) => s.deactivate_users += 1,
            Action::DeleteUser(_) => s.delete_users += 1,
            Action::CreateGroup(c) => {
                s.create_groups += 1;
                s.add_members += c.members.len() as u64;
            }
            Action::RenameGroup(_) => s.update_groups += 1,
            Action::DeleteGroup(_) => s.delete_groups += 1,
            Action::AddMembers(m) => s.add_members += m.members.len() as u64,
            Action::RemoveMembers(m) => s.remove_members += m.members.len() as u64,
            Action::SetMembers(m) => {
                s.add_members += m.added.len() as u64;
                s.remove_members += m.removed.len() as u64;
            }
        }
    }
    s
}
