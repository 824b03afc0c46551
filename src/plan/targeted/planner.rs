//! Planning a targeted run: the targets, folded subject by subject in order, against what
//! their lookups found, into the actions of a full sync. See the [module docs](super) for
//! what an absent subject means.

use super::{validate_targets, Operation, Target, TargetError, TargetGroup};
use crate::model::{Group, User};
use crate::plan::action::{Action, DeleteUser};
use crate::plan::action::{CreateUser, UserRef};
use crate::plan::policy::{Offboarding, Policy};
use crate::plan::{ambiguity, integrity, ActionKind, ActualState, Blocked, Draft, Guard, Note};
use crate::plan::{create_body, group_key, user_key, user_update, SourceCounts};
use crate::profile::Profile;
use crate::quoted::q;
use crate::request::ResourceKind;
use crate::sorting;

/// The matching key of a subject of `kind`.
pub(super) fn key(kind: ResourceKind, name: &str) -> String {
    match kind {
        ResourceKind::User => user_key(name),
        _ => group_key(name),
    }
}

/// What a subject resolved to.
enum Resolved {
    /// One server resource (found, or known by the id the target gave).
    One(Box<User>),
    Absent,
    /// Several candidates: their ids.
    Ambiguous(Vec<String>),
}

/// One user's targets folded in order.
struct Fold {
    name: String,
    /// The externalId a target named it by, which folds an absent subject's targets that
    /// name it by externalId alone (a hire, then a termination by employee number).
    external_id: Option<String>,
    have: Option<Box<User>>,
    /// The attributes asked for (provision, update), merged in order.
    want: Option<User>,
    active: Option<bool>,
    delete: bool,
    /// Blocked (out of scope, ambiguous, unknown): no action.
    refused: bool,
    labels: Vec<String>,
}

impl Fold {
    /// Whether the user exists, or this plan creates it.
    fn will_exist(&self) -> bool {
        self.have.is_some() || (self.want.is_some() && self.active == Some(true))
    }
}

/// One (group, user) pair's last word, and the group.
struct Pair {
    group: usize,
    user: usize,
    grant: bool,
    label: String,
}

struct GroupFold {
    target: TargetGroup,
    have: Option<Group>,
}

/// Plans `targets` against `found` (what their lookups found: the users and groups that
/// matched, `complete` false when a lookup failed) under `policy`, for a server of
/// `profile`: the same [`Draft`] as [`plan`](crate::plan::plan). Subjects out of the
/// policy's scope or protected, ambiguous, or that an operation needs and the server lacks
/// block the plan; nothing else is touched.
///
/// # Errors
///
/// A [`TargetError`] when a target lacks what its operation needs.
pub fn plan_targeted(
    targets: &[Target],
    found: &ActualState,
    profile: &Profile,
    policy: &Policy,
) -> Result<Draft, TargetError> {
    validate_targets(targets)?;
    let mut p = Targeted {
        policy,
        found,
        folds: Vec::new(),
        groups: Vec::new(),
        pairs: Vec::new(),
        blocked: Vec::new(),
        notes: Vec::new(),
        actions: Vec::new(),
    };
    for t in targets {
        p.take(t);
    }
    p.user_actions(profile);
    p.group_actions(profile);
    p.guards();
    let Targeted {
        mut actions,
        mut notes,
        blocked,
        ..
    } = p;
    crate::plan::build::sort_actions(&mut actions);
    sorting::sort_by(&mut notes, Ord::cmp);
    let mut plain: Vec<Action> = Vec::with_capacity(actions.len());
    for (action, ..) in actions {
        plain.push(action);
    }
    let actions = plain;
    Ok(Draft {
        state_digest: integrity::state_digest(found),
        profile: profile.name.clone(),
        summary: crate::plan::build::summarize(actions.iter()),
        blocked,
        actions,
        notes,
        source: SourceCounts::of(
            found,
            targets.len() as u64,
            targets.iter().filter(|t| t.group.is_some()).count() as u64,
        ),
    })
}

struct Targeted<'a> {
    policy: &'a Policy,
    found: &'a ActualState,
    folds: Vec<Fold>,
    groups: Vec<GroupFold>,
    pairs: Vec<Pair>,
    blocked: Vec<Blocked>,
    notes: Vec<Note>,
    actions: Vec<crate::plan::build::Keyed>,
}

impl Targeted<'_> {
    pub(super) fn block(&mut self, guard: Guard, reason: String) {
        let b = Blocked { guard, reason };
        if !self.blocked.contains(&b) {
            self.blocked.push(b);
        }
    }

    fn note(&mut self, subject: &str, message: String) {
        self.notes.push(Note::new(subject, message));
    }

    /// Folds one target into its subject.
    fn take(&mut self, t: &Target) {
        let f = self.fold_of(&t.user);
        let label = t.label();
        self.folds[f].labels.push(label.clone());
        if self.folds[f].refused {
            return;
        }
        let name = self.folds[f].name.clone();
        let have = self.folds[f].have.as_deref();
        // The server's user decides where there is one (a target names its subject, and
        // a scope filter looks at attributes the target need not carry); a user to be
        // created is judged as the target describes it.
        let in_scope = match have {
            Some(h) => self.policy.may_touch(h),
            None => self.policy.may_touch(&t.user),
        };
        if !in_scope {
            self.folds[f].refused = true;
            let reason = format!(
                "user {name} is outside the policy's scope or protected",
                name = q(&name)
            );
            return self.block(Guard::OutOfScope, reason);
        }
        let exists = self.folds[f].will_exist();
        let unknown = |s: &mut Self| {
            s.folds[f].refused = true;
            let reason = format!("{label}: user {name} is not on the server", name = q(&name));
            s.block(Guard::UnknownSubject, reason);
        };
        let gone = |s: &mut Self| {
            let message = format!("{label}: already in effect (the user is not on the server)");
            s.note(&name, message);
        };
        let fold = &mut self.folds[f];
        match t.op {
            Operation::Provision => {
                merge(&mut fold.want, &t.user);
                fold.active = Some(true);
                fold.delete = false;
            }
            Operation::Update if exists => merge(&mut fold.want, &t.user),
            Operation::Reactivate if exists => fold.active = Some(true),
            Operation::Deactivate if exists => fold.active = Some(false),
            Operation::Delete if self.policy.offboarding != Offboarding::Delete => {
                fold.refused = true;
                let reason = format!(
                    "{label}: deleting user {name} needs the policy's consent (offboarding: delete)", name = q(&name));
                self.block(Guard::DeletionCap, reason);
            }
            Operation::Delete if exists => fold.delete = true,
            Operation::Grant | Operation::Revoke if exists || t.op == Operation::Revoke => {
                let group = self.group_of(t.group.as_ref());
                if let Some(group) = group {
                    self.pairs.retain(|p| (p.group, p.user) != (group, f));
                    self.pairs.push(Pair {
                        group,
                        user: f,
                        grant: t.op == Operation::Grant,
                        label,
                    });
                }
            }
            Operation::Update | Operation::Reactivate | Operation::Grant => unknown(self),
            _ => gone(self),
        }
    }

    /// The fold of `user`'s subject, resolving it on first sight.
    fn fold_of(&mut self, user: &User) -> usize {
        let resolved = resolve(&self.found.users, user);
        let id = match &resolved {
            Resolved::One(u) => u.id.clone(),
            _ => None,
        };
        let key = user_key(&user.user_name);
        let ext = user.external_id.as_deref().filter(|e| !e.is_empty());
        let same = |f: &Fold| match (&f.have, &id) {
            (Some(h), Some(id)) => h.id.as_ref() == Some(id),
            (None, None) => {
                (!key.is_empty() && user_key(&f.name) == key)
                    || (ext.is_some() && f.external_id.as_deref() == ext)
            }
            _ => false,
        };
        if let Some(i) = self.folds.iter().position(same) {
            if self.folds[i].external_id.is_none() {
                self.folds[i].external_id = ext.map(str::to_owned);
            }
            return i;
        }
        let mut name = user.user_name.clone();
        let (have, refused) = match resolved {
            Resolved::One(u) => {
                if name.is_empty() {
                    name.clone_from(&u.user_name);
                }
                (Some(u), false)
            }
            Resolved::Absent => (None, false),
            Resolved::Ambiguous(ids) => {
                let shown = if name.is_empty() {
                    user.external_id.clone().unwrap_or_default()
                } else {
                    name.clone()
                };
                let b = ambiguity::guard("user", &shown, ids.iter().map(String::as_str));
                self.block(b.guard, b.reason);
                (None, true)
            }
        };
        self.folds.push(Fold {
            name,
            external_id: ext.map(str::to_owned),
            have,
            want: None,
            active: None,
            delete: false,
            refused,
            labels: Vec::new(),
        });
        self.folds.len() - 1
    }

    /// The group a grant or revocation names; `None` when it is ambiguous or, named by
    /// externalId alone, absent (blocked).
    fn group_of(&mut self, target: Option<&TargetGroup>) -> Option<usize> {
        let target = target?;
        let key = group_key(&target.display_name);
        let ext = target.external_id.as_deref().filter(|e| !e.is_empty());
        let same = |g: &GroupFold| match (&target.id, &g.target.id) {
            (Some(a), Some(b)) => a == b,
            _ => match (ext, g.target.external_id.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => group_key(&g.target.display_name) == key,
            },
        };
        if let Some(i) = self.groups.iter().position(same) {
            return Some(i);
        }
        let have = match &target.id {
            Some(id) => {
                let mut g = Group::new(target.display_name.clone());
                g.id = Some(id.clone());
                Some(g)
            }
            None => {
                // A unique externalId decides, as in a full sync; else the name.
                let by_ext = |g: &&Group| ext.is_some() && g.external_id.as_deref() == ext;
                let by_name = |g: &&Group| group_key(&g.display_name) == key;
                let found = self.found.groups.iter().filter(|g| g.id.is_some());
                let matches: Vec<&Group> = if found.clone().any(|g| by_ext(&g)) {
                    found.filter(by_ext).collect()
                } else {
                    found.filter(by_name).collect()
                };
                if matches.len() > 1 {
                    let ids = matches.iter().filter_map(|g| g.id.as_deref());
                    let name = match ext {
                        Some(e) if key.is_empty() => e,
                        _ => &target.display_name,
                    };
                    let b = ambiguity::guard("group", name, ids);
                    self.block(b.guard, b.reason);
                    return None;
                }
                if matches.is_empty() && target.display_name.trim().is_empty() {
                    let reason = format!(
                        "group with externalId {:?} is not on the server, and without a \
                         displayName it cannot be created",
                        ext.unwrap_or_default()
                    );
                    self.block(Guard::UnknownSubject, reason);
                    return None;
                }
                matches.first().map(|g| (*g).clone())
            }
        };
        self.groups.push(GroupFold {
            target: target.clone(),
            have,
        });
        Some(self.groups.len() - 1)
    }

    pub(super) fn push(&mut self, action: Action, key: String, chunk: usize) {
        self.actions.push((action, key, chunk));
    }

    fn user_actions(&mut self, profile: &Profile) {
        for f in 0..self.folds.len() {
            let fold = &self.folds[f];
            if fold.refused {
                continue;
            }
            let key = user_key(&fold.name);
            let action = match (&fold.have, fold.delete) {
                (Some(have), true) => Some(Action::DeleteUser(DeleteUser {
                    user: user_ref(have),
                    reason: format!("{}: asked for", own_labels(&fold.labels)),
                })),
                (Some(have), false) => {
                    let mut want = wanted(fold.want.as_ref(), &have.user_name);
                    want.active = fold.active.or(have.active);
                    // A user known only by id (or a server that omits `active`): its state is
                    // unknown, so the asked-for state is written.
                    let mut have = have.clone();
                    if have.active.is_none() {
                        have.active = fold.active.map(|a| !a);
                    }
                    user_update(&want, &have, profile.patch.supported)
                }
                (None, _) if fold.will_exist() => {
                    let want = wanted(fold.want.as_ref(), &fold.name);
                    Some(Action::CreateUser(CreateUser {
                        user_name: fold.name.clone(),
                        user: create_body(&want, profile),
                        reason: format!(
                            "{}: not found on the server (one it holds after all answers 409 and is adopted)",
                            own_labels(&fold.labels)
                        ),
                    }))
                }
                (None, _) => None,
            };
            match action {
                Some(a) => self.push(a, key, 0),
                None if fold.have.is_some() => {
                    let (name, labels) = (fold.name.clone(), fold.labels.clone());
                    for label in labels.into_iter().filter(|l| !is_membership(l)) {
                        self.note(&name, format!("{label}: already in effect"));
                    }
                }
                None => {}
            }
        }
    }

    /// The guards a full plan has that apply here: an incomplete lookup, the caps (by
    /// count: the server's size is unknown without a listing).
    fn guards(&mut self) {
        if !self.found.complete {
            let mut reason = "a lookup could not be completed, so nothing is planned".to_owned();
            if !self.found.problems.is_empty() {
                reason.push_str(": ");
                reason.push_str(&self.found.problems.join("; "));
            }
            self.block(Guard::IncompleteListing, reason);
        }
        let count = |kind| self.actions.iter().filter(|a| a.0.kind() == kind).count();
        let (deactivations, deletions) = (
            count(ActionKind::DeactivateUser),
            count(ActionKind::DeleteUser),
        );
        if let Some(why) = self
            .policy
            .max_deactivations
            .exceeded(deactivations, usize::MAX)
        {
            self.block(Guard::DeactivationCap, format!("deactivations: {why}"));
        }
        if let Some(why) = self.policy.max_deletions.exceeded(deletions, usize::MAX) {
            self.block(Guard::DeletionCap, format!("deletions: {why}"));
        }
    }
}

/// The labels of a user's own targets (not its grants and revocations), joined.
fn own_labels(labels: &[String]) -> String {
    let mut own = String::new();
    for label in labels.iter().filter(|l| !is_membership(l)) {
        if !own.is_empty() {
            own.push_str(", ");
        }
        own.push_str(label);
    }
    own
}

fn is_membership(label: &str) -> bool {
    label.ends_with("(grant)")
        || label.ends_with("(revoke)")
        || label == "grant"
        || label == "revoke"
}

fn user_ref(u: &User) -> UserRef {
    UserRef {
        user_name: u.user_name.clone(),
        id: u.id.clone(),
    }
}

/// The server user `user` names: by `id` when given (taken as it is, its attributes
/// unknown), else by `externalId` when one matches, else by userName (as the planner
/// matches: `user_key`).
fn resolve(found: &[User], user: &User) -> Resolved {
    if let Some(id) = &user.id {
        let mut known = found
            .iter()
            .find(|u| u.id.as_ref() == Some(id))
            .cloned()
            .unwrap_or_else(|| User::new(user.user_name.clone()));
        known.id = Some(id.clone());
        return Resolved::One(Box::new(known));
    }
    let ext = user.external_id.as_deref().filter(|e| !e.is_empty());
    let key = user_key(&user.user_name);
    let has_id = |u: &User| u.id.as_deref().is_some_and(|i| !i.is_empty());
    let by_ext = |u: &User| ext.is_some() && u.external_id.as_deref() == ext;
    let by_name = |u: &User| !user.user_name.is_empty() && user_key(&u.user_name) == key;
    // A unique externalId decides, as in the planner; else the name.
    let rule: &dyn Fn(&User) -> bool = if found.iter().any(|u| has_id(u) && by_ext(u)) {
        &by_ext
    } else {
        &by_name
    };
    let mut ids: Vec<String> = Vec::new();
    let mut one = None;
    for u in found {
        if has_id(u) && rule(u) && !ids.iter().any(|id| Some(id) == u.id.as_ref()) {
            ids.push(u.id.clone().unwrap_or_default());
            one = Some(u);
        }
    }
    match (ids.len(), one) {
        (0, _) => Resolved::Absent,
        (1, Some(u)) => Resolved::One(Box::new(u.clone())),
        // In the order found (the lookup's verdict lists them sorted).
        _ => Resolved::Ambiguous(ids),
    }
}

/// Merges `user`'s attributes over those asked for so far: a later value wins, an absent
/// one leaves the earlier; the userName first given names the user (a later event may spell
/// it in another case).
fn merge(into: &mut Option<User>, user: &User) {
    let Some(base) = into else {
        *into = Some(user.clone());
        return;
    };
    fn set<T: Clone>(to: &mut Option<T>, from: &Option<T>) {
        if from.is_some() {
            to.clone_from(from);
        }
    }
    if base.user_name.is_empty() {
        base.user_name.clone_from(&user.user_name);
    }
    set(&mut base.external_id, &user.external_id);
    set(&mut base.display_name, &user.display_name);
    set(&mut base.title, &user.title);
    set(&mut base.locale, &user.locale);
    set(&mut base.airtable_sso, &user.airtable_sso);
    if !user.emails.is_empty() {
        base.emails.clone_from(&user.emails);
    }
    if let Some(n) = &user.name {
        let b = base.name.get_or_insert_with(Default::default);
        set(&mut b.formatted, &n.formatted);
        set(&mut b.family_name, &n.family_name);
        set(&mut b.given_name, &n.given_name);
        b.extra.extend(n.extra.clone());
    }
    if let Some(e) = &user.enterprise {
        let b = base.enterprise.get_or_insert_with(Default::default);
        set(&mut b.employee_number, &e.employee_number);
        set(&mut b.cost_center, &e.cost_center);
        set(&mut b.organization, &e.organization);
        set(&mut b.division, &e.division);
        set(&mut b.department, &e.department);
        if let Some(m) = &e.manager {
            let bm = b.manager.get_or_insert_with(|| m.clone());
            set(&mut bm.value, &m.value);
            set(&mut bm.display_name, &m.display_name);
        }
        b.extra.extend(e.extra.clone());
    }
    for s in &user.schemas {
        if !base.schemas.contains(s) {
            base.schemas.push(s.clone());
        }
    }
    base.extra.extend(user.extra.clone());
}

/// The user the merged attributes describe, named `name` when they name none.
fn wanted(attributes: Option<&User>, name: &str) -> User {
    let mut user = attributes.cloned().unwrap_or_else(|| User::new(name));
    user.id = None;
    user.active = None;
    if user.user_name.is_empty() {
        user.user_name = name.to_owned();
    }
    user
}

mod groups;
#[cfg(test)]
mod tests;
