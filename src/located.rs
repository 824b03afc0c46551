//! Error locations for JSON read in steps: a value collected first (an object whose keys
//! are renamed, a step whose action is read after its own fields) and then read by a
//! derive. `model::tracked` locates an error inside the second read; the error carries
//! it in its message as ``at `path`: reason``, and [`join_located`] joins it onto the path
//! tracked outside (`crate::json::from_str` does, so the error says
//! `actions[3].user.userName`, not `actions[3]`).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// `T` from `value` by its `Deserialize` (read by `model::tracked`), an error located
/// inside `value` as ``at `path`: reason``.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    T::deserialize(crate::model::Tracked(&value)).map_err(|e| e.to_string())
}

/// `message` located at `outer` (`.` for the root): ``at `path`: reason``, or the message
/// unchanged at the root.
pub(crate) fn at(outer: &str, message: &str) -> String {
    match join_located(outer, message) {
        (Some(path), reason) => format!("at `{path}`: {reason}"),
        (None, reason) => reason.to_owned(),
    }
}

/// Joins an outer serde path (`.` for the root) with the location carried by `message`,
/// returning the full path (if any) and the bare reason.
pub(crate) fn join_located<'a>(outer: &str, message: &'a str) -> (Option<String>, &'a str) {
    let (inner, reason) = split_located(message);
    let outer = (outer != "." && !outer.is_empty()).then_some(outer);
    let path = match (outer, inner) {
        (Some(o), Some(i)) if i.starts_with('[') => Some(format!("{o}{i}")),
        (Some(o), Some(i)) => Some(format!("{o}.{i}")),
        (Some(o), None) => Some(o.to_owned()),
        (None, Some(i)) => Some(i.to_owned()),
        (None, None) => None,
    };
    (path, reason)
}

/// Splits ``at `path`: reason`` into its parts; other messages have no location.
fn split_located(message: &str) -> (Option<&str>, &str) {
    message
        .strip_prefix("at `")
        .and_then(|rest| rest.split_once("`: "))
        .map_or((None, message), |(path, reason)| (Some(path), reason))
}
