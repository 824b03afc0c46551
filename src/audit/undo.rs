//! Undo: a provisioning log read back ([`UndoLog::read`]) and its inverse planned against
//! the server as it is now ([`plan_undo`]), into an ordinary [`Draft`] (same plan JSON,
//! digest, guards and review as any plan).
//!
//! | the run | the undo |
//! | --- | --- |
//! | created a user | deactivates it (never deletes) |
//! | changed a user's attributes, deactivated or reactivated it | restores each attribute, and `active`, from the before-image |
//! | renamed a group | renames it back |
//! | added or removed members (a created group's too) | removes or adds them again |
//! | deleted a user or group | a note: a deletion cannot be undone with the same id |
//! | created a group | a note: the group is kept (its members are removed) |
//! | adopted an existing resource | a note: nothing it created |
//!
//! Only actions the log says were applied are undone, latest first. A user whose current
//! values are not the ones the run left (someone changed it since) is a note and left
//! alone, unless `force`; so is a renamed group whose name changed again. Restoring an
//! attribute that was absent before the run is a note (a plan sets values; it does not
//! clear them).

use serde_json::Value;

use crate::model::{Group, User};
use crate::plan::{
    group_key, managed_value, replacement, user_key, user_update, Action, ActionKind, ActualState,
    Blocked, Change, Draft, GroupRef, Guard, Membership, Note, Policy, RenameGroup, SetMembers,
    SourceCounts, UserRef, UserUpdate,
};
use crate::profile::Profile;

/// A log line that cannot be read as the log's schema says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
#[non_exhaustive]
pub struct LogError {
    /// The line's number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// One logged action that was applied.
#[derive(Debug, Clone, PartialEq)]
struct Logged {
    kind: ActionKind,
    subject: String,
    id: Option<String>,
    adopted: bool,
    /// `(attribute, before, after)`.
    changes: Vec<(String, Value, Value)>,
    /// `(userName, id)` of members added and removed.
    added: Vec<(String, Option<String>)>,
    removed: Vec<(String, Option<String>)>,
}

/// A provisioning log, as undo reads it: the run's id and the actions it applied.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoLog {
    run_id: String,
    actions: Vec<Logged>,
}

impl UndoLog {
    /// Reads the JSON Lines of a provisioning log (`docs/LOG.md`). Blank lines are skipped;
    /// request records and footers are not needed; several runs in one file are refused
    /// (undo one run at a time).
    ///
    /// # Errors
    ///
    /// [`LogError`] naming the first line that is not JSON, has a `schemaVersion` this
    /// build does not know, lacks a field undo needs, or is a second header; or line 0
    /// for a text without a header.
    pub fn read(text: &str) -> Result<UndoLog, LogError> {
        let mut run_id = None;
        let mut actions = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let bad = |reason: &str| LogError {
                line: i + 1,
                reason: reason.to_owned(),
            };
            if raw.trim().is_empty() {
                continue;
            }
            let value: Value =
                serde_json::from_str(raw).map_err(|e| bad(&format!("not JSON: {e}")))?;
            let version = value.get("schemaVersion").and_then(Value::as_u64);
            if version != Some(u64::from(super::SCHEMA_VERSION)) {
                return Err(bad("not a provisioning log record of schemaVersion 1"));
            }
            match value.get("type").and_then(Value::as_str) {
                Some("header") if run_id.is_some() => {
                    return Err(bad("a second run's header: undo one run at a time"));
                }
                Some("header") => run_id = Some(text_at(&value, "runId").to_owned()),
                Some("action") if run_id.is_none() => {
                    return Err(bad("an action before the header"))
                }
                Some("action") => {
                    if let Some(logged) = logged(&value).map_err(bad)? {
                        actions.push(logged);
                    }
                }
                _ => {}
            }
        }
        let run_id = run_id.ok_or_else(|| LogError {
            line: 0,
            reason: "no header: not a provisioning log".into(),
        })?;
        Ok(UndoLog { run_id, actions })
    }

    /// The id of the run the log tells.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Whether the run changed `group` (by id, or by a name it had or was given).
    pub(crate) fn touches(&self, group: &Group) -> bool {
        let key = group_key(&group.display_name);
        self.actions.iter().filter(|l| !l.kind.is_user()).any(|l| {
            (l.id.is_some() && l.id == group.id)
                || group_key(&l.subject) == key
                || l.changes
                    .iter()
                    .any(|c| c.2.as_str().is_some_and(|n| group_key(n) == key))
        })
    }
}

fn text_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn refs_at(change: &Value, key: &str) -> Vec<(String, Option<String>)> {
    let list = change.get(key).and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|m| {
            let id = m.get("id").and_then(Value::as_str).map(str::to_owned);
            (text_at(m, "userName").to_owned(), id)
        })
        .collect()
}

/// An action record as undo needs it (from its `change`, the plan's action JSON); `None`
/// for one that was not applied.
fn logged(v: &Value) -> Result<Option<Logged>, &'static str> {
    let status = v
        .get("result")
        .and_then(|r| r.get("status"))
        .and_then(Value::as_str);
    let adopted = status == Some("adopted");
    if !(adopted || status == Some("applied")) {
        return Ok(None);
    }
    let kind = ActionKind::ALL
        .into_iter()
        .find(|k| k.as_str() == text_at(v, "kind"))
        .ok_or("an action of no known kind")?;
    let change = v
        .get("change")
        .filter(|c| c.is_object())
        .ok_or("no change")?;
    let mut changes: Vec<(String, Value, Value)> = change
        .get("changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let at = |k| c.get(k).cloned().unwrap_or(Value::Null);
            (
                text_at(c, "attribute").to_owned(),
                at("before"),
                at("after"),
            )
        })
        .collect();
    if kind == ActionKind::RenameGroup {
        let from = change
            .pointer("/group/displayName")
            .cloned()
            .unwrap_or(Value::Null);
        let to = change.get("to").cloned().unwrap_or(Value::Null);
        changes.push(("displayName".into(), from, to));
    }
    let (added, removed) = match kind {
        ActionKind::CreateGroup | ActionKind::AddMembers => {
            (refs_at(change, "members"), Vec::new())
        }
        ActionKind::RemoveMembers => (Vec::new(), refs_at(change, "members")),
        ActionKind::SetMembers => (refs_at(change, "added"), refs_at(change, "removed")),
        _ => (Vec::new(), Vec::new()),
    };
    Ok(Some(Logged {
        kind,
        subject: text_at(v, "subject").to_owned(),
        id: v.get("id").and_then(Value::as_str).map(str::to_owned),
        adopted,
        changes,
        added,
        removed,
    }))
}

/// Whether `now` (an attribute as the planner reads it) is still `after`, the value the
/// run wrote: names without case, emails as a set of addresses without case, a manager by
/// the sub-attributes the run wrote.
fn still(attribute: &str, now: &Value, after: &Value) -> bool {
    match (now, after) {
        (Value::String(a), Value::String(b)) if attribute == "userName" => {
            user_key(a) == user_key(b)
        }
        (Value::Array(_), Value::Array(_)) => {
            let (a, b) = (addresses(now), addresses(after));
            a.len() == b.len() && a.iter().all(|x| b.contains(x))
        }
        (Value::Object(n), Value::Object(a)) => a.iter().all(|(k, v)| n.get(k) == Some(v)),
        _ => now == after,
    }
}

fn addresses(list: &Value) -> Vec<String> {
    let list = list.as_array().into_iter().flatten();
    list.filter_map(|e| Some(e.get("value")?.as_str()?.to_lowercase()))
        .collect()
}

/// Plans the inverse of the run `log` tells, against `actual` (the server as listed now).
/// `force` restores subjects changed since the run too.
pub fn plan_undo(
    log: &UndoLog,
    actual: &ActualState,
    profile: &Profile,
    policy: &Policy,
    force: bool,
) -> Draft {
    let mut u = Undo {
        actual,
        profile,
        policy,
        force,
        reason: format!("undo of run {}", log.run_id),
        actions: Vec::new(),
        notes: Vec::new(),
        members: Vec::new(),
    };
    for logged in log.actions.iter().rev() {
        u.undo(logged);
    }
    u.memberships();
    let Undo {
        mut actions,
        mut notes,
        ..
    } = u;
    crate::plan::sort_actions(&mut actions);
    crate::sorting::sort_by(&mut notes, Ord::cmp);
    let actions: Vec<Action> = actions.into_iter().map(|(a, ..)| a).collect();
    let mut blocked = Vec::new();
    if !actual.complete {
        let reason =
            "the listing is incomplete, so the current state of the run's subjects is not known";
        blocked.push(Blocked::new(Guard::IncompleteListing, reason));
    }
    let deactivations = actions
        .iter()
        .filter(|a| a.kind() == ActionKind::DeactivateUser);
    if let Some(why) = policy
        .max_deactivations
        .exceeded(deactivations.count(), usize::MAX)
    {
        blocked.push(Blocked::new(
            Guard::DeactivationCap,
            format!("deactivations: {why}"),
        ));
    }
    Draft {
        state_digest: crate::plan::state_digest(actual),
        profile: profile.name.clone(),
        summary: crate::plan::summarize(actions.iter()),
        blocked,
        actions,
        notes,
        source: SourceCounts::of(actual, 0, 0),
    }
}

struct Undo<'a> {
    actual: &'a ActualState,
    profile: &'a Profile,
    policy: &'a Policy,
    force: bool,
    reason: String,
    actions: Vec<crate::plan::Keyed>,
    notes: Vec<Note>,
    /// Per group (its index in the listing): members to add again and to remove, by id.
    members: Vec<(usize, Vec<UserRef>, Vec<UserRef>)>,
}

impl Undo<'_> {
    fn note(&mut self, subject: &str, message: impl Into<String>) {
        self.notes.push(Note::new(subject, message));
    }

    fn user(&self, id: Option<&str>, name: &str) -> Option<&User> {
        let users = &self.actual.users;
        match id {
            Some(id) => users.iter().find(|u| u.id.as_deref() == Some(id)),
            None => users
                .iter()
                .find(|u| user_key(&u.user_name) == user_key(name)),
        }
    }

    fn group(&self, id: Option<&str>, names: &[&str]) -> Option<usize> {
        let groups = &self.actual.groups;
        match id {
            Some(id) => groups.iter().position(|g| g.id.as_deref() == Some(id)),
            None => groups.iter().position(|g| {
                names
                    .iter()
                    .any(|n| group_key(n) == group_key(&g.display_name))
            }),
        }
    }

    fn push(&mut self, mut action: Action, key: String) {
        if let Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) =
            &mut action
        {
            u.reason.clone_from(&self.reason);
        }
        self.actions.push((action, key, 0));
    }

    fn undo(&mut self, l: &Logged) {
        let s = l.subject.as_str();
        match l.kind {
            ActionKind::DeleteUser | ActionKind::DeleteGroup => self.note(
                s,
                "deleted by the run: a deletion cannot be undone with the same id \
                 (provision it again for a new one)",
            ),
            _ if l.adopted => self.note(s, "adopted by the run, not created: left as it is"),
            ActionKind::CreateUser => self.created_user(l),
            ActionKind::UpdateUser | ActionKind::ReactivateUser | ActionKind::DeactivateUser => {
                self.changed_user(l);
            }
            ActionKind::RenameGroup => self.renamed_group(l),
            ActionKind::CreateGroup => {
                self.note(s, "created by the run: kept (undo does not delete)");
                self.membership(l);
            }
            _ => self.membership(l),
        }
    }

    fn created_user(&mut self, l: &Logged) {
        let s = &l.subject;
        let Some(have) = self.user(l.id.as_deref(), s).cloned() else {
            return self.note(
                s,
                "created by the run, no longer on the server: nothing to undo",
            );
        };
        if self.policy.is_protected(&have.user_name) {
            return self.note(
                s,
                "created by the run, now protected by the policy: left active",
            );
        }
        let mut want = have.clone();
        want.active = Some(false);
        if let Some(action) = user_update(&want, &have, self.profile.patch.supported) {
            self.push(action, user_key(s));
        }
    }

    fn changed_user(&mut self, l: &Logged) {
        let s = &l.subject;
        let Some(have) = self.user(l.id.as_deref(), s).cloned() else {
            return self.note(
                s,
                "changed by the run, no longer on the server: nothing to undo",
            );
        };
        if self.policy.is_protected(&have.user_name) {
            return self.note(s, "protected by the policy: not restored");
        }
        let mut since = Vec::new();
        let mut changes = Vec::new();
        let mut active = None;
        for (attribute, before, after) in &l.changes {
            let now = managed_value(&have, attribute).unwrap_or(Value::Null);
            if !still(attribute, &now, after) {
                since.push(attribute.as_str());
            }
            if before.is_null() {
                self.note(
                    s,
                    format!("{attribute} had no value before the run: left as it is"),
                );
            } else if !still(attribute, &now, before) {
                active = active.or(before.as_bool().filter(|_| attribute == "active"));
                changes.push(Change {
                    attribute: attribute.clone(),
                    before: now,
                    after: before.clone(),
                });
            }
        }
        if !since.is_empty() && !self.force {
            let list = since.join(", ");
            let message =
                format!("changed since the run ({list}): not restored (force restores it)");
            return self.note(s, message);
        }
        if changes.is_empty() {
            return;
        }
        let replacement = (!self.profile.patch.supported).then(|| {
            self.note(s, "the server takes no PATCH: only active is restored");
            replacement(&have, &have, active.unwrap_or(have.is_active()))
        });
        let update = UserUpdate {
            user: UserRef {
                user_name: have.user_name.clone(),
                id: have.id.clone(),
            },
            changes,
            replacement,
            reason: self.reason.clone(),
        };
        let action = match active {
            Some(true) => Action::ReactivateUser(update),
            Some(false) => Action::DeactivateUser(update),
            None => Action::UpdateUser(update),
        };
        self.push(action, user_key(s));
    }

    fn renamed_group(&mut self, l: &Logged) {
        let s = &l.subject;
        let Some((_, from, to)) = l.changes.iter().find(|c| c.0 == "displayName") else {
            return;
        };
        let (from, to) = (from.as_str().unwrap_or(s), to.as_str().unwrap_or_default());
        let Some(g) = self.group(l.id.as_deref(), &[to]) else {
            return self.note(
                s,
                "renamed by the run, no longer on the server: nothing to undo",
            );
        };
        let have = &self.actual.groups[g];
        if group_key(&have.display_name) == group_key(from) {
            return;
        }
        if group_key(&have.display_name) != group_key(to) && !self.force {
            let now = &have.display_name;
            return self.note(
                s,
                format!("renamed since the run (now {now:?}): not renamed back (force does)"),
            );
        }
        let action = Action::RenameGroup(RenameGroup {
            group: group_ref(have),
            to: from.to_owned(),
            reason: self.reason.clone(),
        });
        self.push(action, group_key(from));
    }

    /// Members the run added are removed, members it removed added again (where they are
    /// still on the server): gathered per group, planned by `memberships`.
    fn membership(&mut self, l: &Logged) {
        let renamed_to = l.changes.iter().filter_map(|c| c.2.as_str());
        let names: Vec<&str> = renamed_to.chain([l.subject.as_str()]).collect();
        let Some(g) = self.group(l.id.as_deref(), &names) else {
            return self.note(
                &l.subject,
                "no longer on the server: memberships not reverted",
            );
        };
        let group = &self.actual.groups[g];
        let has = |id: &str| group.members.iter().flatten().any(|m| m.value == id);
        let refs = |list: &[(String, Option<String>)], present: bool| -> Vec<UserRef> {
            let mut out = Vec::new();
            for (name, id) in list {
                let user = self.user(id.as_deref(), name);
                let Some(id) = user.and_then(|u| u.id.clone()) else {
                    continue;
                };
                if has(&id) == present {
                    out.push(UserRef {
                        user_name: name.clone(),
                        id: Some(id),
                    });
                }
            }
            out
        };
        let (remove, add) = (refs(&l.added, true), refs(&l.removed, false));
        match self.members.iter_mut().find(|m| m.0 == g) {
            Some(m) => {
                m.1.extend(add);
                m.2.extend(remove);
            }
            None => self.members.push((g, add, remove)),
        }
    }

    fn memberships(&mut self) {
        for (g, mut add, mut remove) in std::mem::take(&mut self.members) {
            add.dedup();
            remove.dedup();
            let group = &self.actual.groups[g];
            let key = group_key(&group.display_name);
            let gref = group_ref(group);
            if !self.profile.patch.supported {
                if !(add.is_empty() && remove.is_empty()) {
                    let existing = group.members.as_deref().unwrap_or_default();
                    self.push(SetMembers::of(gref, existing, add, remove), key);
                }
                continue;
            }
            if !remove.is_empty() {
                let members = remove;
                let group = gref.clone();
                self.push(
                    Action::RemoveMembers(Membership { group, members }),
                    key.clone(),
                );
            }
            if !add.is_empty() {
                self.push(
                    Action::AddMembers(Membership {
                        group: gref,
                        members: add,
                    }),
                    key,
                );
            }
        }
    }
}

fn group_ref(g: &Group) -> GroupRef {
    GroupRef {
        display_name: g.display_name.clone(),
        id: g.id.clone(),
    }
}

#[cfg(test)]
mod tests;
