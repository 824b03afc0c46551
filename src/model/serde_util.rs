//! Serde helpers shared by the model: case-insensitive decoding of top-level types, lenient
//! booleans and status codes, and `null` read as "unassigned".

use serde::{de::Error as _, Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::attr_names::{canonicalize, AttrTable};

/// Collects a top-level SCIM object and renames its attributes to their canonical spelling,
/// ready for the derived deserializer.
pub(crate) fn canonical_object<'de, D>(
    deserializer: D,
    table: &AttrTable,
) -> Result<Map<String, Value>, D::Error>
where
    D: Deserializer<'de>,
{
    let mut map = Map::<String, Value>::deserialize(deserializer)?;
    canonicalize(&mut map, table).map_err(|dup| {
        D::Error::custom(format_args!(
            "attribute `{}` is given twice (as `{}` and `{}`); attribute names are case-insensitive",
            dup.name, dup.spellings[0], dup.spellings[1]
        ))
    })?;
    Ok(map)
}

/// Prefixes a derived deserializer's error with the JSON path where it happened, as
/// ``at `path`: reason``. Each case-insensitive type decodes through a fresh deserializer, so
/// an enclosing type cannot see the inner path; instead the inner path travels in the message
/// and is joined onto the outer one here (`Resources[1]` + `active`).
pub(crate) fn with_path<E: serde::de::Error>(
    track: serde_path_to_error::Track,
    err: serde_json::Error,
) -> E {
    let outer = track.path().to_string();
    let message = err.to_string();
    let (path, reason) = join_located(&outer, &message);
    match path {
        Some(path) => E::custom(format_args!("at `{path}`: {reason}")),
        None => E::custom(reason),
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

/// `null` or absent becomes `Default::default()` (for lists: empty).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
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

/// Implements `Serialize` and case-insensitive `Deserialize` for a type whose derives were
/// generated with `#[serde(remote = "Self")]` (the derived code becomes inherent functions).
macro_rules! case_insensitive_serde {
    ($ty:ident $(<$g:ident>)?, $table:expr) => {
        impl<'de $(, $g: serde::Deserialize<'de>)?> serde::Deserialize<'de> for $ty $(<$g>)? {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value =
                    Value::Object($crate::model::serde_util::canonical_object(d, &$table)?);
                let mut track = serde_path_to_error::Track::new();
                let tracked = serde_path_to_error::Deserializer::new(value, &mut track);
                $ty::deserialize(tracked)
                    .map_err(|e| $crate::model::serde_util::with_path(track, e))
            }
        }
        impl $(<$g: serde::Serialize>)? serde::Serialize for $ty $(<$g>)? {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, s)
            }
        }
    };
}
pub(crate) use case_insensitive_serde;

/// Implements case-insensitive `Deserialize` for a type with a hand-written decoder in
/// `decode`: the object is collected and canonicalized, then decoded without serde's
/// derives.
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
