//! The server state after a run: the listing the run planned from, with every action that
//! took effect (applied, or adopted) folded in, the ids learnt while applying filled in. What
//! a host's report after an apply is built from, without listing the server again.

use serde_json::{Map, Value};

use super::state::{Applying, Ids};
use crate::engine::ActionResult;
use crate::model::{FromValue, Group, Member, User};
use crate::plan::{Action, ActualState, IdLookup};

/// `listed` with the actions of `applying` that took effect folded in, in plan order.
pub(super) fn state_after(listed: &ActualState, applying: &Applying) -> ActualState {
    let mut after = listed.clone();
    let ids = &applying.ids;
    for outcome in applying.outcomes() {
        let adopted = match &outcome.result {
            ActionResult::Applied => None,
            ActionResult::Adopted { id, .. } => Some(id.clone()),
            _ => continue,
        };
        fold(
            &mut after,
            &applying.steps()[outcome.index].action,
            adopted,
            ids,
        );
    }
    after
}

fn fold(state: &mut ActualState, action: &Action, adopted: Option<String>, ids: &Ids) {
    let user_id = |name: &str, id: &Option<String>| id.clone().or_else(|| ids.user_id(name));
    match action {
        Action::CreateUser(c) => {
            let Some(id) = adopted.or_else(|| ids.user_id(&c.user_name)) else {
                return;
            };
            state.users.retain(|u| u.id.as_deref() != Some(id.as_str()));
            let mut user = c.user.clone();
            user.id = Some(id);
            state.users.push(user);
        }
        Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
            let Some(id) = user_id(&u.user.user_name, &u.user.id) else {
                return;
            };
            if let Some(user) = state.users.iter_mut().find(|x| x.id.as_ref() == Some(&id)) {
                *user = changed(user, &u.changes);
            }
        }
        Action::DeleteUser(d) => {
            let id = d.user.id.as_deref();
            state.users.retain(|u| u.id.as_deref() != id);
        }
        Action::CreateGroup(c) => {
            let Some(id) = adopted.or_else(|| ids.group_id(&c.display_name)) else {
                return;
            };
            state
                .groups
                .retain(|g| g.id.as_deref() != Some(id.as_str()));
            let mut group = Group::new(c.display_name.clone());
            group.id = Some(id);
            group.external_id.clone_from(&c.external_id);
            let members = c.members.iter();
            let members = members.filter_map(|m| user_id(&m.user_name, &m.id));
            group.members = Some(members.map(Member::new).collect());
            state.groups.push(group);
        }
        Action::RenameGroup(r) => {
            if let Some(g) = group_mut(state, &r.group.display_name, &r.group.id, ids) {
                g.display_name.clone_from(&r.to);
            }
        }
        Action::DeleteGroup(d) => {
            let id = d.group.id.as_deref();
            state.groups.retain(|g| g.id.as_deref() != id);
        }
        Action::AddMembers(m) | Action::RemoveMembers(m) => {
            let add = matches!(action, Action::AddMembers(_));
            let changed: Vec<String> = m
                .members
                .iter()
                .filter_map(|u| user_id(&u.user_name, &u.id))
                .collect();
            if let Some(g) = group_mut(state, &m.group.display_name, &m.group.id, ids) {
                let members = g.members.get_or_insert_with(Vec::new);
                members.retain(|x| !changed.contains(&x.value));
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
            if let Some(g) = group_mut(state, &s.group.display_name, &s.group.id, ids) {
                g.members = Some(members);
            }
        }
    }
}

fn group_mut<'a>(
    state: &'a mut ActualState,
    name: &str,
    id: &Option<String>,
    ids: &Ids,
) -> Option<&'a mut Group> {
    let id = id.clone().or_else(|| ids.group_id(name))?;
    state.groups.iter_mut().find(|g| g.id.as_ref() == Some(&id))
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
