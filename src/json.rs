//! Core types read from JSON text, with the JSON path of a bad value.
//!
//! `serde_json::from_str` says only where in the text it stopped (line and column); a host
//! handing over a configuration, a plan or a listed state needs to know which value is
//! wrong. [`from_str`] tracks the path with `serde_path_to_error` (`users[1].active`,
//! `policy.maxDeletions`) and joins on the path that a type's own `Deserialize` impl puts
//! inside its message (the model's case-insensitive renaming, `model::names`, reads each
//! object in two steps: ``at `name.givenName`: ...``), so every core type gives one path in
//! one format. The host crate (`scim-provision-host`) turns a [`JsonError`] into its
//! structured fault naming the argument.
//!
//! ```
//! use scim_provision::plan::Policy;
//!
//! let e = scim_provision::json::from_str::<Policy>(r#"{"scope": {"emailDomains": ["a", 7]}}"#)
//!     .unwrap_err();
//! assert_eq!(e.path, "scope.emailDomains[1]");
//! assert_eq!(e.reason, "invalid type: integer `7`, expected a string");
//! ```

use serde::de::DeserializeOwned;

/// A JSON document that does not deserialize into the type asked for, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at `{path}`: {reason}")]
#[non_exhaustive]
pub struct JsonError {
    /// The JSON path of the value at fault (`users[1].active`); `.` for the document itself.
    pub path: String,
    /// serde's message. A data error (a wrong type, a missing or unknown field) is located
    /// by its path alone, without the ` at line L column C` serde_json appends; a syntax
    /// error keeps its position.
    pub reason: String,
}

/// Deserializes `text` into `T`, locating a bad value by its JSON path. Trailing characters
/// after the value are refused, as `serde_json::from_str` refuses them.
///
/// # Errors
///
/// A [`JsonError`] with the path and serde's reason when `text` is not JSON or not a `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    read(text, false)
}

/// [`from_str`], with serde_json's ` at line L column C` kept on every reason: the
/// directory's errors have always named the position (`DesiredState::from_json`).
pub(crate) fn from_str_positioned<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    read(text, true)
}

fn read<T: DeserializeOwned>(text: &str, position: bool) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| located(&e.path().to_string(), e.inner(), position))?;
    de.end().map_err(|e| located(".", &e, position))?;
    Ok(value)
}

/// The error for `e` at the tracked path `outer` (one copy, whatever the type).
#[inline(never)]
fn located(outer: &str, e: &serde_json::Error, position: bool) -> JsonError {
    let message = e.to_string();
    let message = match e.classify() {
        serde_json::error::Category::Data if !position => message
            .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
            .unwrap_or(&message),
        _ => &message,
    };
    let (path, reason) = crate::located::join_located(outer, message);
    JsonError {
        path: path.unwrap_or_else(|| ".".to_owned()),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn a_bad_value_is_located_by_its_path() {
        let e = from_str::<crate::plan::Policy>(r#"{"maxDeletions":"x"}"#).unwrap_err();
        assert_eq!(e.path, "maxDeletions");
        let trailing = from_str::<Value>("{} {}").unwrap_err();
        assert_eq!(trailing.path, ".");
    }

    #[test]
    fn paths_are_tracked_into_derived_and_hand_decoded_types_alike() {
        let at = |text: &str| {
            let e = from_str::<crate::engine::EngineConfig>(text).unwrap_err();
            (e.path, e.reason)
        };
        // Derived types: the path serde_path_to_error tracks, the reason without a position.
        assert_eq!(
            at(r#"{"maxAttempts":"five"}"#),
            (
                "maxAttempts".to_owned(),
                "invalid type: string \"five\", expected u32".to_owned()
            )
        );
        assert_eq!(at(r#"{"profile":{}}"#).0, "profile");
        assert_eq!(at(r#"{"mode":{"mode":"applyApproved"}}"#).0, "mode");
        assert_eq!(
            at(r#"{"profile":{"users":{"filter":{"operators":["eq","is"]}}}}"#).0,
            "profile.users.filter.operators[1]"
        );
        // A hand-decoded type inside a derived one: its own path joined on.
        assert_eq!(
            at(r#"{"policy":{"maxDeletions":{"count":"x"}}}"#).0,
            "policy.maxDeletions.count"
        );
        assert_eq!(
            at("{\n  \"policy\": {\"scope\": {\"emailDomains\": [\"a\", 7]}}\n}").0,
            "policy.scope.emailDomains[1]"
        );
        let policy = |text: &str| from_str::<crate::plan::Policy>(text).unwrap_err().path;
        assert_eq!(
            policy(r#"{"protectedUserNames":["a","b"],"typo":1}"#),
            "typo"
        );
        assert_eq!(
            policy(r#"{"sc\u006fpe":{"userNames":{}}}"#),
            "scope.userNames"
        );
        // A syntax error: where the parser stopped, its position kept in the reason.
        let e = from_str::<crate::plan::Policy>("{\"scope\": {\"userNames\":   @").unwrap_err();
        assert_eq!(e.path, "scope.userNames");
        assert!(e.reason.ends_with("at line 1 column 27"), "{}", e.reason);
        let e = from_str::<Vec<crate::model::User>>(
            r#"[{"userName":"a"},{"userName":"b","active":"yes"}]"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "[1].active");
    }
}
