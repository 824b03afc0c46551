//! Core types read from JSON text, with the JSON path of a bad value.
//!
//! `serde_json::from_str` says only where in the text it stopped (line and column); a host
//! handing over a configuration, a plan or a listed state needs to know which value is
//! wrong. [`from_str`] parses the text, then reads the value with the model's located
//! deserializer (`model::tracked`), which names the path of what is wrong (`users[1].active`,
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

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::{Map, Value};

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
    // Parsed first, then read by the model's one located deserializer (`model::tracked`):
    // every type's derive is compiled once for it, where `serde_path_to_error` would add a
    // copy per type to the WebAssembly module.
    let value = parse_value(text)?;
    T::deserialize(crate::model::Tracked(&value)).map_err(|e| located(".", &e))
}

/// `text` as a JSON value, for a reader that walks it by hand; refused as [`from_str`]
/// refuses text (not JSON, trailing characters, a key given twice).
///
/// # Errors
///
/// A [`JsonError`] at `.` with serde_json's reason.
pub fn parse_value(text: &str) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    StrictValue
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| located(".", &e))
}

/// A JSON value, read as serde_json reads one except that an object naming a key twice is
/// refused (``duplicate field `users` ``, with its position): a typed read of a document
/// refuses that, and reading the value first must not let the second silently win.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{key}`"
                )));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// The error for `e` at the tracked path `outer` (one copy, whatever the type).
#[inline(never)]
fn located(outer: &str, e: &serde_json::Error) -> JsonError {
    let message = e.to_string();
    let message = match e.classify() {
        serde_json::error::Category::Data => message
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
        // A syntax error: the document's, located by the position kept in the reason.
        let e = from_str::<crate::plan::Policy>("{\"scope\": {\"userNames\":   @").unwrap_err();
        assert_eq!(e.path, ".");
        assert!(e.reason.ends_with("at line 1 column 27"), "{}", e.reason);
        let e = from_str::<Vec<crate::model::User>>(
            r#"[{"userName":"a"},{"userName":"b","active":"yes"}]"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "[1].active");
    }
}
