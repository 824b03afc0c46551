//! Serde helpers shared by the model: case-insensitive decoding of top-level types and
//! lenient booleans.

use serde::{de::Error as _, Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::attr_names::{canonicalize, AttrTable};
use crate::decoding::{json_type, Bad, Res};

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

/// Implements case-insensitive `Deserialize` for a type with a hand-written decoder (in
/// `decode` or `decode_protocol`): the object is collected and canonicalized, then decoded
/// without serde's derives.
macro_rules! case_insensitive_deserialize {
    ($ty:ident, $table:expr, $decode:path) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = $crate::model::serde_util::canonical_object(d, &$table)?;
                $decode(map).map_err($crate::decoding::Bad::into_error)
            }
        }
    };
}
pub(crate) use case_insensitive_deserialize;
