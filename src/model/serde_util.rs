//! Serde helpers shared by the model: case-insensitive decoding of top-level types, errors
//! located by JSON path, and lenient booleans.

use serde::{de::Error as _, Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::attr_names::{canonicalize, AttrTable};
use super::decode::{Bad, Res};

/// Collects a top-level SCIM object and renames its attributes to their canonical spelling,
/// ready for its decoder.
pub(crate) fn canonical_object<'de, D>(
    deserializer: D,
    table: &AttrTable,
) -> Result<Map<String, Value>, D::Error>
where
    D: Deserializer<'de>,
{
    let map = Map::<String, Value>::deserialize(deserializer)?;
    canonical(map, table).map_err(Bad::into_error)
}

/// Renames the attributes of an already collected object to their canonical spelling.
pub(crate) fn canonical(mut map: Map<String, Value>, table: &AttrTable) -> Res<Map<String, Value>> {
    canonicalize(&mut map, table).map_err(|dup| {
        Bad::new(format_args!(
            "attribute `{}` is given twice (as `{}` and `{}`); attribute names are case-insensitive",
            dup.name, dup.spellings[0], dup.spellings[1]
        ))
    })?;
    Ok(map)
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

/// A boolean that also accepts the strings `"true"`/`"false"` in any case: Microsoft Entra's
/// legacy SCIM mode sends `"True"` and `"False"`.
pub(crate) fn lenient_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(D::Error::custom(format_args!(
            "invalid type: {}, expected a boolean",
            json_type(&other)
        ))),
    }
}

/// The JSON type name of a value, for error messages.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Implements case-insensitive `Deserialize` for a type with a hand-written decoder (in
/// `decode` or `decode_protocol`): the object is collected and canonicalized, then decoded
/// without serde's derives.
macro_rules! case_insensitive_deserialize {
    ($ty:ident, $table:expr, $decode:path) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = $crate::model::serde_util::canonical_object(d, &$table)?;
                $decode(map).map_err($crate::model::decode::Bad::into_error)
            }
        }
    };
}
pub(crate) use case_insensitive_deserialize;
