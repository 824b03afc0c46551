//! Serde helpers shared by the model: case-insensitive decoding of top-level types and
//! lenient booleans.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::attr_names::{canonicalize, AttrTable};
use crate::decoding::{invalid_type, Bad, Res};

/// A model type decoded straight from a parsed JSON value, by the same rules as its
/// `Deserialize`. Callers holding a `Value` (a response body, a listing page) use it because
/// `Deserialize` from a `Value` first rebuilds the value as a new one, which costs a copy of
/// every page and a second copy of each decoder in WebAssembly. Sealed: only this crate's
/// types implement it.
pub trait FromValue: DeserializeOwned + sealed::Sealed {
    /// Decodes `value`, or says where and why it does not fit, as `Deserialize` would.
    fn from_value(value: Value) -> Result<Self, serde_json::Error>;
}

pub(crate) mod sealed {
    use crate::model::tolerant::Shape;

    /// Keeps [`super::FromValue`] to this crate's types, and says what the tolerant reader
    /// looks at in a server's answer of the type (see `model::tolerant`).
    pub trait Sealed {
        /// The resource the type is.
        const SHAPE: Shape = Shape::Other;
    }
}

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

/// [`canonical`] of a value that must be an object.
pub(crate) fn canonical_value(value: Value, table: &AttrTable) -> Res<Map<String, Value>> {
    match value {
        Value::Object(map) => canonical(map, table),
        other => Err(invalid_type(&other, "a map")),
    }
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

/// [`decoding::lenient_bool`](crate::decoding::lenient_bool) for the derives that still
/// read booleans (`deserialize_with`): Microsoft Entra's legacy SCIM mode sends `"True"` and
/// `"False"`.
pub(crate) fn lenient_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<Value>::deserialize(deserializer)?.unwrap_or(Value::Null);
    crate::decoding::lenient_bool(value).map_err(Bad::into_error)
}

/// Implements case-insensitive `Deserialize` and [`FromValue`] for a type with a hand-written
/// decoder (in `decode`): the object is collected and canonicalized,
/// then decoded without serde's derives.
macro_rules! case_insensitive_deserialize {
    ($ty:ident, $table:expr, $decode:path) => {
        $crate::model::serde_util::case_insensitive_deserialize!(
            $ty,
            $table,
            $decode,
            $crate::model::tolerant::Shape::Other
        );
    };
    ($ty:ident, $table:expr, $decode:path, $shape:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = $crate::model::serde_util::canonical_object(d, &$table)?;
                $decode(map).map_err($crate::decoding::Bad::into_error)
            }
        }
        impl $crate::model::serde_util::sealed::Sealed for $ty {
            const SHAPE: $crate::model::tolerant::Shape = $shape;
        }
        impl $crate::model::FromValue for $ty {
            fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                $crate::model::serde_util::canonical_value(value, &$table)
                    .and_then($decode)
                    .map_err($crate::decoding::Bad::into_error)
            }
        }
    };
}
pub(crate) use case_insensitive_deserialize;

/// Implements case-insensitive `Deserialize`, `Serialize` and [`FromValue`] for a type whose
/// serde derives are `remote = "Self"` (inherent `T::deserialize` and `T::serialize`): the
/// object is collected and canonicalized, then read by the derive with its paths tracked
/// (see `crate::located`).
macro_rules! case_insensitive_derive {
    ($ty:ident, $table:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = $crate::model::serde_util::canonical_object(d, &$table)?;
                $crate::located::read_value(serde_json::Value::Object(map), |d| $ty::deserialize(d))
                    .map_err(<D::Error as serde::de::Error>::custom)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, s)
            }
        }
        impl $crate::model::serde_util::sealed::Sealed for $ty {}
        impl $crate::model::FromValue for $ty {
            fn from_value(value: serde_json::Value) -> Result<Self, serde_json::Error> {
                let map = $crate::model::serde_util::canonical_value(value, &$table)
                    .map_err($crate::decoding::Bad::into_error::<serde_json::Error>)?;
                $crate::located::read_value(serde_json::Value::Object(map), |d| $ty::deserialize(d))
                    .map_err(<serde_json::Error as serde::de::Error>::custom)
            }
        }
    };
}
pub(crate) use case_insensitive_derive;

/// A list that may be `null` (read as empty), for derives.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::FromValue;
    use crate::model::{Group, ListResponse, ServiceProviderConfig, User};

    /// `from_value` and `Deserialize` agree on the value or on the message.
    fn agree<T: FromValue + PartialEq + std::fmt::Debug>(value: serde_json::Value) {
        let direct = T::from_value(value.clone()).map_err(|e| e.to_string());
        let serde = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
        assert_eq!(direct, serde);
    }

    #[test]
    fn from_value_agrees_with_deserialize() {
        let user = json!({"USERNAME": "ana", "active": "True", "emails": [{"value": "a@x"}]});
        for v in [
            user.clone(),
            json!({"userName": 5}),
            json!({"userName": "a", "username": "b"}),
            json!("a string"),
            json!([user.clone()]),
            json!(null),
        ] {
            agree::<User>(v);
        }
        agree::<Group>(json!({"displayName": "G", "members": [{"value": "u1"}]}));
        agree::<Group>(json!({"displayName": "G", "members": [{"value": 1}]}));
        agree::<ServiceProviderConfig>(json!({"patch": {"supported": true}}));
        for v in [
            json!({"totalResults": 1, "Resources": [user]}),
            json!({"totalResults": 2, "resources": [{"userName": "a"}, 7]}),
            json!({"Resources": []}),
            json!(3),
        ] {
            agree::<ListResponse<User>>(v);
        }
    }
}
