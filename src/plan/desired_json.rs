//! [`DesiredState::from_json`]: the fast path (`desired::fast_desired`, over `model::fast`)
//! first, then the exact path: `DesiredState`'s serde derive, read with its JSON path
//! tracked (`json::from_str`), which accepts anything the fast path left (another spelling
//! of an attribute, a string boolean) and locates what it refuses (`users[3].active`,
//! `groups[0].members[2]`); a syntax error, or a key given twice, keeps serde_json's line
//! and column in the reason.

use super::desired::{fast_desired, DesiredState, DesiredStateError, MAX_INPUT_BYTES};
use crate::json::{from_str, JsonError};

impl DesiredState {
    /// Parses the JSON format.
    ///
    /// # Errors
    ///
    /// [`DesiredStateError::Json`] with the path of what is wrong: malformed JSON, the wrong
    /// shape, input over 512 MiB, or nested groups (`memberGroups`, flattened into members
    /// by [`DesiredState::flatten_nested_groups`]) that form a cycle or name no group.
    pub fn from_json(input: &str) -> Result<DesiredState, DesiredStateError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(DesiredStateError::Json {
                path: ".".into(),
                reason: format!("input of {} bytes exceeds {MAX_INPUT_BYTES}", input.len()),
            });
        }
        match fast_desired(input) {
            Some(state) => Ok(state),
            None => exact_desired_state(input)?.flatten_nested_groups(),
        }
    }
}

/// The exact path alone: the derive, the reference of the fast path's property test.
pub(super) fn exact_desired_state(input: &str) -> Result<DesiredState, DesiredStateError> {
    from_str(input).map_err(|JsonError { path, reason }| DesiredStateError::Json { path, reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::DesiredGroup;

    #[test]
    fn paths_name_the_place_of_the_first_error() {
        for (input, path, reason) in [
            (
                r#"{"users":[{"userName":"a",}]}"#,
                ".",
                "trailing comma at line 1 column 27",
            ),
            (
                r#"{"users":[],"users":[]}"#,
                ".",
                "duplicate field `users`",
            ),
            (
                r#"{"groups":[{"displayName":"g","bad":1}]}"#,
                "groups[0].bad",
                "unknown field `bad`, expected one of `displayName`, `externalId`, `members`, `memberGroups`",
            ),
            (
                r#"{"users":[{"userName":"a","x":1e999}]}"#,
                ".",
                "number out of range at line 1 column 35",
            ),
            (
                r#"[[],[["g",5]]]"#,
                "[1][0][1]",
                "invalid type: integer `5`, expected a string",
            ),
            (
                r#"{"users":[{"userName":"b","active":"sometimes"}]}"#,
                "users[0].active",
                "invalid type: string, expected a boolean",
            ),
            (
                r#"{"users":[{"userName":"b","NAME":{"givenName":7}}]}"#,
                "users[0].name.givenName",
                "invalid type: integer `7`, expected a string",
            ),
        ] {
            let expected = DesiredStateError::Json {
                path: path.into(),
                reason: reason.into(),
            };
            assert_eq!(DesiredState::from_json(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn structs_may_be_given_as_arrays() {
        let state = DesiredState::from_json(r#"[[{"userName":"a"}],[["g",null,["a"]]]]"#).unwrap();
        assert_eq!(state.users[0].user_name, "a");
        assert_eq!(
            state.groups,
            [DesiredGroup {
                display_name: "g".into(),
                external_id: None,
                members: vec!["a".into()],
                member_groups: Vec::new(),
            }]
        );
    }
}
