//! Nested groups in a directory (a group naming other groups as members, `memberGroups`)
//! flattened into direct user memberships: SCIM servers such as Airtable have no nested
//! groups, and none of the built-in profiles writes them, so the planner only ever sees
//! users as members. A cycle is an error naming it; so is a member group the directory does
//! not define. Group names are matched as the planner matches them (`keys::group_key`).

use foldhash::{HashMap, HashSet, HashSetExt};

use super::desired::{DesiredState, DesiredStateError};
use super::keys::{group_key, user_key};
use crate::quoted::q;

impl DesiredState {
    /// This directory with every group's `memberGroups` replaced by the users they hold,
    /// transitively (each user once, in first-seen order).
    ///
    /// # Errors
    ///
    /// [`DesiredStateError::Json`] at `groups[i].memberGroups[j]` for a member group the
    /// directory does not define, or for a cycle (`A → B → A`).
    pub fn flatten_nested_groups(mut self) -> Result<DesiredState, DesiredStateError> {
        if self.groups.iter().all(|g| g.member_groups.is_empty()) {
            return Ok(self);
        }
        let index: HashMap<String, usize> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (group_key(&g.display_name), i))
            .collect();
        let mut flat: Vec<Option<Vec<String>>> = vec![None; self.groups.len()];
        for start in 0..self.groups.len() {
            let mut trail = Vec::new();
            members_of(&self, &index, start, &mut flat, &mut trail)?;
        }
        for (group, members) in self.groups.iter_mut().zip(flat) {
            group.members = members.unwrap_or_default();
            group.member_groups.clear();
        }
        Ok(self)
    }
}

/// The users of group `at` (memoised in `flat`); `trail` holds the groups being expanded,
/// to find cycles.
fn members_of(
    state: &DesiredState,
    index: &HashMap<String, usize>,
    at: usize,
    flat: &mut Vec<Option<Vec<String>>>,
    trail: &mut Vec<usize>,
) -> Result<Vec<String>, DesiredStateError> {
    if let Some(done) = &flat[at] {
        return Ok(done.clone());
    }
    let group = &state.groups[at];
    trail.push(at);
    let mut members = group.members.clone();
    for (j, name) in group.member_groups.iter().enumerate() {
        let path = format!("groups[{at}].memberGroups[{j}]");
        let Some(&inner) = index.get(&group_key(name)) else {
            return Err(DesiredStateError::Json {
                path,
                reason: format!("{name} is not a group of this directory", name = q(name)),
            });
        };
        if let Some(from) = trail.iter().position(|g| *g == inner) {
            let cycle: Vec<&str> = trail[from..]
                .iter()
                .chain([&inner])
                .map(|g| state.groups[*g].display_name.as_str())
                .collect();
            return Err(DesiredStateError::Json {
                path,
                reason: format!("nested groups form a cycle: {}", cycle.join(" → ")),
            });
        }
        members.extend(members_of(state, index, inner, flat, trail)?);
    }
    trail.pop();
    let mut seen = HashSet::new();
    members.retain(|m| seen.insert(user_key(m)));
    flat[at] = Some(members.clone());
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<DesiredState, DesiredStateError> {
        DesiredState::from_json(text)
    }

    fn members(state: &DesiredState, name: &str) -> Vec<String> {
        state
            .groups
            .iter()
            .find(|g| g.display_name == name)
            .unwrap()
            .members
            .clone()
    }

    #[test]
    fn nested_groups_become_direct_memberships_transitively() {
        let state = read(
            r#"{"users": [{"userName": "a@x"}, {"userName": "b@x"}, {"userName": "c@x"}],
                "groups": [
                  {"displayName": "All", "members": ["c@x"], "memberGroups": ["engineering"]},
                  {"displayName": "Engineering", "members": ["a@x"], "memberGroups": ["Platform"]},
                  {"displayName": "Platform", "members": ["b@x", "A@x"]}
                ]}"#,
        )
        .unwrap();
        assert_eq!(members(&state, "All"), ["c@x", "a@x", "b@x"]);
        assert_eq!(members(&state, "Engineering"), ["a@x", "b@x"]);
        assert_eq!(members(&state, "Platform"), ["b@x", "A@x"]);
        assert!(state.groups.iter().all(|g| g.member_groups.is_empty()));
        // What the planner is given serializes as before: no memberGroups key.
        assert!(!serde_json::to_string(&state)
            .unwrap()
            .contains("memberGroups"));
    }

    #[test]
    fn a_cycle_and_an_unknown_group_are_named() {
        let err = read(
            r#"{"groups": [
                  {"displayName": "A", "memberGroups": ["B"]},
                  {"displayName": "B", "memberGroups": ["C"]},
                  {"displayName": "C", "memberGroups": ["a"]}
                ]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            DesiredStateError::Json {
                path: "groups[2].memberGroups[0]".into(),
                reason: "nested groups form a cycle: A → B → C → A".into()
            }
        );
        let err =
            read(r#"{"groups": [{"displayName": "A", "memberGroups": ["Nope"]}]}"#).unwrap_err();
        assert_eq!(
            err,
            DesiredStateError::Json {
                path: "groups[0].memberGroups[0]".into(),
                reason: "\"Nope\" is not a group of this directory".into()
            }
        );
        let err =
            read(r#"{"groups": [{"displayName": "Self", "memberGroups": ["Self"]}]}"#).unwrap_err();
        assert!(
            matches!(err, DesiredStateError::Json { ref reason, .. } if reason.ends_with("Self → Self")),
            "{err:?}"
        );
    }
}
