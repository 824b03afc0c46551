//! The server state after a run: the listing the run planned from, with every action that
//! took effect (applied, or adopted) folded in, the ids learnt while applying filled in. What
//! a host's report after an apply is built from, without listing the server again.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use serde_json::{Map, Value};

use super::state::Ids;
use crate::engine::{ActionOutcome, ActionResult};
use crate::model::{FromValue, Group, Member, User};
use crate::plan::{Action, ActualState, IdLookup, Plan};

/// `listed` with the actions of `plan` that took effect (`outcomes`) folded in, in plan
/// order; `ids`: the ids the run learnt. Made when a host asks, not when the run ends: most
/// runs never ask, and the listing is the largest thing a run holds.
pub(super) fn state_after(
    listed: &ActualState,
    plan: &Plan,
    outcomes: &[ActionOutcome],
    ids: &Ids,
) -> ActualState {
    let mut after = Folding::new(listed);
    for outcome in outcomes {
        let adopted = match &outcome.result {
            ActionResult::Applied => None,
            ActionResult::Adopted { id, .. } => Some(id.clone()),
            _ => continue,
        };
        if let Some(step) = plan.actions.get(outcome.index) {
            after.fold(&step.action, adopted, ids);
        }
    }
    ActualState {
        users: after.users.into_iter().flatten().collect(),
        groups: after.groups.into_iter().flatten().collect(),
        complete: listed.complete,
        problems: listed.problems.clone(),
    }
}

/// The listing's users and groups by id, so each action finds its subject in one lookup (a
/// plan may hold as many actions as the listing users). A removed resource leaves a hole
/// until the end, so positions stay valid; the listing holds each id once (the listing
/// notes an id listed twice as a problem and keeps the first).
struct Folding {
    users: Vec<Option<User>>,
    user_at: HashMap<String, usize>,
    groups: Vec<Option<Group>>,
    group_at: HashMap<String, usize>,
}

fn by_id<'a>(ids: impl Iterator<Item = Option<&'a String>>) -> HashMap<String, usize> {
    let mut at = HashMap::new();
    for (i, id) in ids.enumerate() {
        if let Some(id) = id {
            at.entry(id.clone()).or_insert(i);
        }
    }
    at
}

impl Folding {
    fn new(listed: &ActualState) -> Self {
        Folding {
            user_at: by_id(listed.users.iter().map(|u| u.id.as_ref())),
            users: listed.users.iter().cloned().map(Some).collect(),
            group_at: by_id(listed.groups.iter().map(|g| g.id.as_ref())),
            groups: listed.groups.iter().cloned().map(Some).collect(),
        }
    }

    fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        let i = *self.user_at.get(id)?;
        self.users[i].as_mut()
    }

    fn group_mut(&mut self, name: &str, id: &Option<String>, ids: &Ids) -> Option<&mut Group> {
        let id = id.clone().or_else(|| ids.group_id(name))?;
        let i = *self.group_at.get(&id)?;
        self.groups[i].as_mut()
    }

    /// Adds a created user last, in place of one listed with its id.
    fn put_user(&mut self, id: String, user: User) {
        if let Some(i) = self.user_at.insert(id, self.users.len()) {
            self.users[i] = None;
        }
        self.users.push(Some(user));
    }

    fn put_group(&mut self, id: String, group: Group) {
        if let Some(i) = self.group_at.insert(id, self.groups.len()) {
            self.groups[i] = None;
        }
        self.groups.push(Some(group));
    }

    fn fold(&mut self, action: &Action, adopted: Option<String>, ids: &Ids) {
        let user_id = |name: &str, id: &Option<String>| id.clone().or_else(|| ids.user_id(name));
        match action {
            Action::CreateUser(c) => {
                let Some(id) = adopted.or_else(|| ids.user_id(&c.user_name)) else {
                    return;
                };
                let mut user = c.user.clone();
                user.id = Some(id.clone());
                self.put_user(id, user);
            }
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
                let Some(id) = user_id(&u.user.user_name, &u.user.id) else {
                    return;
                };
                if let Some(user) = self.user_mut(&id) {
                    *user = changed(user, &u.changes);
                }
            }
            Action::DeleteUser(d) => {
                if let Some(i) = d.user.id.as_ref().and_then(|id| self.user_at.remove(id)) {
                    self.users[i] = None;
                }
            }
            Action::CreateGroup(c) => {
                let Some(id) = adopted.or_else(|| ids.group_id(&c.display_name)) else {
                    return;
                };
                let mut group = Group::new(c.display_name.clone());
                group.id = Some(id.clone());
                group.external_id.clone_from(&c.external_id);
                let members = c.members.iter();
                let members = members.filter_map(|m| user_id(&m.user_name, &m.id));
                group.members = Some(members.map(Member::new).collect());
                self.put_group(id, group);
            }
            Action::RenameGroup(r) => {
                if let Some(g) = self.group_mut(&r.group.display_name, &r.group.id, ids) {
                    g.display_name.clone_from(&r.to);
                }
            }
            Action::DeleteGroup(d) => {
                if let Some(i) = d.group.id.as_ref().and_then(|id| self.group_at.remove(id)) {
                    self.groups[i] = None;
                }
            }
            Action::AddMembers(m) | Action::RemoveMembers(m) => {
                let add = matches!(action, Action::AddMembers(_));
                let changed: Vec<String> = m
                    .members
                    .iter()
                    .filter_map(|u| user_id(&u.user_name, &u.id))
                    .collect();
                if let Some(g) = self.group_mut(&m.group.display_name, &m.group.id, ids) {
                    let members = g.members.get_or_insert_with(Vec::new);
                    let mut gone = HashSet::with_capacity(changed.len());
                    gone.extend(changed.iter().map(String::as_str));
                    members.retain(|x| !gone.contains(x.value.as_str()));
                    if add {
                        members.extend(changed.into_iter().map(Member::new));
                    }
                }
            }
            Action::SetMembers(s) => {
                let members: Vec<Member> = s
                    .members
                    .iter()
                    .filter_map(|u| user_id(&u.user_name, &u.id))
                    .map(Member::new)
                    .collect();
                if let Some(g) = self.group_mut(&s.group.display_name, &s.group.id, ids) {
                    g.members = Some(members);
                }
            }
        }
    }
}

/// `user` with each change's value written at its attribute path (`title`,
/// `name.givenName`, `urn:…:User:department`, `emails`); `null` removes it.
fn changed(user: &User, changes: &[crate::plan::Change]) -> User {
    let Some(Value::Object(mut object)) = crate::model::user_json(user) else {
        return user.clone();
    };
    for change in changes {
        let path = crate::filter::AttrPath::from_path(&change.attribute);
        let container = match &path.urn {
            Some(urn) => {
                let entry = object
                    .entry(urn.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(ext) = entry else { continue };
                ext
            }
            None => &mut object,
        };
        let (key, target) = match &path.sub_attr {
            Some(sub) => {
                let entry = container
                    .entry(path.attr.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(inner) = entry else {
                    continue;
                };
                (sub, inner)
            }
            None => (&path.attr, container),
        };
        if change.after.is_null() {
            target.remove(key);
        } else {
            target.insert(key.clone(), change.after.clone());
        }
    }
    User::from_value(Value::Object(object)).unwrap_or_else(|_| user.clone())
}
