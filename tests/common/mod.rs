//! Test support shared by scenario and property tests: an in-memory reference applier that
//! executes a plan's actions on an `ActualState` the way a conforming SCIM server would,
//! written independently of the planner.

#![allow(dead_code)]

use std::collections::HashMap;

use scim_provision::model::{Group, Member, User};
use scim_provision::plan::{Action, ActualState, Plan, UserRef};
use serde_json::{Map, Value};

/// Applies every action of `plan` to `state`, assigning ids `new-1`, `new-2`... to created
/// resources. Returns the number of actions applied.
pub fn apply(plan: &Plan, state: &mut ActualState) -> usize {
    // Continue after ids earlier applications assigned, so repeated runs never reuse one.
    let mut next = state
        .users
        .iter()
        .filter_map(|u| u.id.as_deref())
        .chain(state.groups.iter().filter_map(|g| g.id.as_deref()))
        .filter_map(|id| id.strip_prefix("new-")?.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let mut user_ids: HashMap<String, String> = HashMap::new();
    let mut group_ids: HashMap<String, String> = HashMap::new();
    let new_id = |next: &mut usize| {
        *next += 1;
        format!("new-{next}")
    };
    let resolve_user = |r: &UserRef, ids: &HashMap<String, String>| -> String {
        r.id.clone()
            .or_else(|| ids.get(&r.user_name).cloned())
            .unwrap_or_else(|| panic!("unresolved user {}", r.user_name))
    };
    for step in &plan.actions {
        match &step.action {
            Action::CreateUser(c) => {
                let mut u = c.user.clone();
                let id = new_id(&mut next);
                u.id = Some(id.clone());
                if u.active.is_none() {
                    u.active = Some(true);
                }
                user_ids.insert(c.user_name.clone(), id);
                state.users.push(u);
            }
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
                let id = resolve_user(&u.user, &user_ids);
                let target = state
                    .users
                    .iter_mut()
                    .find(|x| x.id.as_deref() == Some(&id))
                    .expect("user to update exists");
                match &u.replacement {
                    Some(full) => {
                        let mut full = full.clone();
                        full.id = Some(id.clone());
                        full.groups = target.groups.clone();
                        *target = full;
                    }
                    None => {
                        for c in &u.changes {
                            set_path(target, &c.attribute, c.after.clone());
                        }
                    }
                }
            }
            Action::DeleteUser(d) => {
                let id = resolve_user(&d.user, &user_ids);
                state.users.retain(|x| x.id.as_deref() != Some(&id));
                for g in &mut state.groups {
                    if let Some(ms) = &mut g.members {
                        ms.retain(|m| m.value != id);
                    }
                }
            }
            Action::CreateGroup(c) => {
                let id = new_id(&mut next);
                let mut g = Group::new(c.display_name.clone());
                g.id = Some(id.clone());
                g.external_id.clone_from(&c.external_id);
                // The members a create carries (none where the server creates it empty).
                g.members = Some(
                    c.members
                        .iter()
                        .map(|r| Member::new(resolve_user(r, &user_ids)))
                        .collect(),
                );
                group_ids.insert(c.display_name.clone(), id);
                state.groups.push(g);
            }
            Action::RenameGroup(r) => {
                let g = find_group(
                    state,
                    r.group.id.as_deref(),
                    &group_ids,
                    &r.group.display_name,
                );
                g.display_name.clone_from(&r.to);
            }
            Action::DeleteGroup(d) => {
                let id = d.group.id.clone().expect("deleted groups exist");
                state.groups.retain(|g| g.id.as_deref() != Some(&id));
            }
            Action::AddMembers(m) => {
                let ids: Vec<String> = m
                    .members
                    .iter()
                    .map(|r| resolve_user(r, &user_ids))
                    .collect();
                let g = find_group(
                    state,
                    m.group.id.as_deref(),
                    &group_ids,
                    &m.group.display_name,
                );
                let members = g.members.get_or_insert_with(Vec::new);
                for id in ids {
                    if !members.iter().any(|x| x.value == id) {
                        members.push(Member::new(id));
                    }
                }
            }
            Action::RemoveMembers(m) => {
                let ids: Vec<String> = m
                    .members
                    .iter()
                    .map(|r| resolve_user(r, &user_ids))
                    .collect();
                let g = find_group(
                    state,
                    m.group.id.as_deref(),
                    &group_ids,
                    &m.group.display_name,
                );
                if let Some(ms) = &mut g.members {
                    ms.retain(|x| !ids.contains(&x.value));
                }
            }
            Action::SetMembers(s) => {
                let ids: Vec<String> = s
                    .members
                    .iter()
                    .map(|r| resolve_user(r, &user_ids))
                    .collect();
                let g = find_group(
                    state,
                    s.group.id.as_deref(),
                    &group_ids,
                    &s.group.display_name,
                );
                g.members = Some(ids.into_iter().map(Member::new).collect());
            }
            other => panic!("reference applier does not know {other:?}"),
        }
    }
    plan.actions.len()
}

fn find_group<'a>(
    state: &'a mut ActualState,
    id: Option<&str>,
    created: &HashMap<String, String>,
    name: &str,
) -> &'a mut Group {
    let id = id
        .map(str::to_owned)
        .or_else(|| created.get(name).cloned())
        .unwrap_or_else(|| panic!("unresolved group {name}"));
    state
        .groups
        .iter_mut()
        .find(|g| g.id.as_deref() == Some(&id))
        .expect("group exists")
}

/// Sets a SCIM attribute path on a user, as a server's PATCH `replace` would.
pub fn set_path(user: &mut User, path: &str, value: Value) {
    let mut doc = serde_json::to_value(&*user).expect("user serializes");
    let obj = doc.as_object_mut().expect("user is an object");
    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    if let Some(attr) = path.strip_prefix(ENT).and_then(|p| p.strip_prefix(':')) {
        let ext = obj
            .entry(ENT)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("extension is an object");
        if let (Some(Value::Object(have)), Value::Object(want)) = (ext.get_mut(attr), &value) {
            for (k, v) in want {
                have.insert(k.clone(), v.clone());
            }
        } else {
            ext.insert(attr.to_owned(), value);
        }
    } else if let Some((parent, child)) = path.split_once('.') {
        let p = obj
            .entry(parent)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("parent is an object");
        p.insert(child.to_owned(), value);
    } else {
        obj.insert(path.to_owned(), value);
    }
    *user = serde_json::from_value(doc).expect("patched user decodes");
}
