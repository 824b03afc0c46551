//! Case-insensitive attribute names (RFC 7643 §2.1: "Attribute names are case insensitive"),
//! one mechanism for every model type.
//!
//! Each type keeps its serde derive (`#[serde(remote = "Self")]`, so the derive is the
//! inherent `T::deserialize`), and its `Deserialize` impl is the one generic step here
//! ([`deserialize`]): the object is collected, each key that names one of the type's
//! attributes ignoring ASCII case is renamed to the spelling the derive expects, the keys it
//! does not name are set aside, and the derive reads the rest, borrowed, through the one
//! deserializer that locates its errors (`model::tracked`). Set-aside keys land, exactly as
//! sent, in the type's `extra` map (`#[serde(flatten, skip_deserializing)]`, so it is still
//! written back) or are dropped for a type without one. Two spellings of one attribute in one object (`userName` and
//! `USERNAME`) are refused rather than one silently winning.
//!
//! The names come from the derive itself: [`names`] runs it over a deserializer that only
//! records the field list serde's derive hands to `deserialize_struct`. No list of
//! attribute names is kept by hand.
//!
//! Nested objects (a user's `name`, a group's `members`) are model types with the same
//! `Deserialize`, so each level renames its own keys; an error inside one comes back
//! located (``at `givenName`: ...``) and is joined onto the outer path.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::tracked::Tracked;

/// A model type read through [`deserialize`]. Implemented by [`case_insensitive!`].
pub trait Attributes: Sized {
    /// The type's serde derive, which reads the canonical spellings.
    fn derived<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;

    /// Where the attributes the type does not name are kept; `None` drops them.
    fn extra(&mut self) -> Option<&mut Map<String, Value>> {
        None
    }
}

/// The type's name and the attribute names its derive reads, as the derive declares them.
pub(crate) fn names<T: Attributes>() -> (&'static str, &'static [&'static str]) {
    match T::derived(Probe) {
        Err(Probed::Struct(name, fields)) => (name, fields),
        // Every model type derives a plain struct (tested below): not reached.
        _ => ("", &[]),
    }
}

/// The spelling `T`'s derive expects for `key`, if `key` names one of its attributes.
pub(crate) fn canonical<T: Attributes>(key: &str) -> Option<&'static str> {
    find(names::<T>().1, key)
}

fn find(fields: &'static [&'static str], key: &str) -> Option<&'static str> {
    fields
        .iter()
        .copied()
        .find(|f| *f == key)
        .or_else(|| fields.iter().copied().find(|f| f.eq_ignore_ascii_case(key)))
}

/// `T` from any deserializer: the generic `Deserialize` of every model type.
pub(crate) fn deserialize<'de, T: Attributes, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let (name, fields) = names::<T>();
    let map = d.deserialize_map(Object(name))?;
    read_object(map, fields).map_err(de::Error::custom)
}

/// `T` from a parsed value, without collecting the object again (see `FromValue`).
pub(crate) fn from_value<T: Attributes>(value: Value) -> Result<T, serde_json::Error> {
    let (name, fields) = names::<T>();
    let map = match value {
        Value::Object(map) => map,
        // Not an object: serde's own `invalid type: ..., expected struct T`.
        other => other.deserialize_map(Object(name))?,
    };
    read_object(map, fields).map_err(de::Error::custom)
}

/// Renames, sets aside, and runs the derive; an error is ``at `path`: reason``.
fn read_object<T: Attributes>(
    mut map: Map<String, Value>,
    fields: &'static [&'static str],
) -> Result<T, String> {
    let mut extra = Map::new();
    // Most objects spell every key as the derive does and carry nothing else: read as sent.
    if !map.keys().all(|k| fields.contains(&k.as_str())) {
        map = split(map, fields, &mut extra)?;
    }
    let value = Value::Object(map);
    // The derive over the value borrowed, its errors located on their way out (`tracked`).
    let mut t = T::derived(Tracked(&value)).map_err(|e| e.to_string())?;
    if let Some(slot) = t.extra() {
        *slot = extra;
    }
    Ok(t)
}

/// The attributes of `map` that `fields` name, renamed; the others go to `extra`.
fn split(
    map: Map<String, Value>,
    fields: &'static [&'static str],
    extra: &mut Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut known = Map::new();
    // The attributes sent in another spelling, to name both spellings of a duplicate.
    let mut renamed: Vec<(&'static str, String)> = Vec::new();
    for (key, value) in map {
        let Some(name) = find(fields, &key) else {
            extra.insert(key, value);
            continue;
        };
        if known.contains_key(name) {
            let earlier = renamed
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(name, |(_, s)| s.as_str());
            let (a, b) = if *earlier <= *key {
                (earlier, key.as_str())
            } else {
                (key.as_str(), earlier)
            };
            return Err(format!(
                "attribute `{name}` is given twice (as `{a}` and `{b}`); attribute names are case-insensitive"
            ));
        }
        if name == key {
            known.insert(key, value);
        } else {
            renamed.push((name, key));
            known.insert(name.to_owned(), value);
        }
    }
    Ok(known)
}

/// Collects an object; anything else is serde's `invalid type: ..., expected struct T`.
struct Object(&'static str);

impl<'de> Visitor<'de> for Object {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some((k, v)) = access.next_entry::<String, Value>()? {
            map.insert(k, v);
        }
        Ok(map)
    }
}

/// A deserializer that reads nothing: it stops a derive at `deserialize_struct` and hands
/// back the struct's name and field names as its error.
struct Probe;

/// What [`Probe`] found.
#[derive(Debug)]
enum Probed {
    Struct(&'static str, &'static [&'static str]),
    Other,
}

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names probed")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<M: fmt::Display>(_: M) -> Probed {
        Probed::Other
    }
}

impl<'de> Deserializer<'de> for Probe {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed::Other)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Struct(name, fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Implements the model's `Deserialize` (through [`deserialize`]), `Serialize` (the
/// derive's) and [`Attributes`] for a type whose serde derives are `remote = "Self"`;
/// `extra = field` names the map that keeps attributes the type does not name.
macro_rules! case_insensitive {
    ($ty:ident $(, extra = $extra:ident)?) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::model::names::deserialize(d)
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, s)
            }
        }
        impl $crate::model::names::Attributes for $ty {
            fn derived<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $ty::deserialize(d)
            }
            $(
                fn extra(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
                    Some(&mut self.$extra)
                }
            )?
        }
    };
}
pub(crate) use case_insensitive;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{
        BulkOperation, BulkOperationResult, BulkRequest, BulkResponse, EnterpriseUser, Group,
        ListResponse, Manager, Member, Meta, MultiValue, Name, PatchOp, ScimError,
        ServiceProviderConfig, User,
    };

    #[test]
    fn every_model_type_declares_its_names() {
        assert!(names::<User>().1.contains(&"userName"));
        assert!(names::<User>()
            .1
            .contains(&crate::model::schemas::ENTERPRISE_USER));
        assert!(!names::<User>().1.contains(&"extra"));
        assert_eq!(
            names::<Name>(),
            ("Name", &["formatted", "familyName", "givenName"][..])
        );
        assert_eq!(names::<ListResponse<User>>().1.last(), Some(&"Resources"));
        for (name, fields) in [
            names::<MultiValue>(),
            names::<Meta>(),
            names::<EnterpriseUser>(),
            names::<Manager>(),
            names::<Group>(),
            names::<Member>(),
            names::<PatchOp>(),
            names::<ScimError>(),
            names::<ServiceProviderConfig>(),
            names::<BulkRequest>(),
            names::<BulkOperation>(),
            names::<BulkResponse>(),
            names::<BulkOperationResult>(),
        ] {
            assert!(!name.is_empty() && !fields.is_empty(), "{name}");
        }
    }

    #[test]
    fn renames_known_keys_at_every_level_and_keeps_the_rest_as_sent() {
        let u: User = serde_json::from_value(json!({
            "USERNAME": "ana",
            "Name": {"GIVENNAME": "Ana", "MiddleName": "B"},
            "emails": [{"VALUE": "a@x", "$REF": "r"}],
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Manager": {"Value": "m"}},
            "customThing": 1,
            "NickName": "b"
        }))
        .unwrap();
        let out = serde_json::to_value(&u).unwrap();
        assert_eq!(out["userName"], "ana");
        assert_eq!(out["name"], json!({"givenName": "Ana", "MiddleName": "B"}));
        assert_eq!(out["emails"][0], json!({"value": "a@x", "$REF": "r"}));
        assert_eq!(
            out[crate::model::schemas::ENTERPRISE_USER]["manager"]["value"],
            "m"
        );
        let extra: Vec<&str> = u.extra.keys().map(String::as_str).collect();
        assert_eq!(extra, ["NickName", "customThing"]);
    }

    #[test]
    fn two_spellings_of_one_attribute_are_refused() {
        let err = |v: Value| serde_json::from_value::<User>(v).unwrap_err().to_string();
        assert_eq!(
            err(json!({"userName": "a", "USERNAME": "b"})),
            "attribute `userName` is given twice (as `USERNAME` and `userName`); \
             attribute names are case-insensitive"
        );
        assert_eq!(
            err(json!({"userName": "a", "name": {"givenname": "x", "GivenName": "y"}})),
            "at `name`: attribute `givenName` is given twice (as `GivenName` and `givenname`); \
             attribute names are case-insensitive"
        );
        // Unknown attributes are not model names: both spellings are kept.
        let u: User = serde_json::from_value(json!({"userName": "a", "x": 1, "X": 2})).unwrap();
        assert_eq!(u.extra.len(), 2);
    }

    #[test]
    fn errors_read_as_serde_words_them() {
        let err = |v: Value| serde_json::from_value::<User>(v).unwrap_err().to_string();
        assert_eq!(err(json!({"id": "x"})), "missing field `userName`");
        assert_eq!(
            err(json!({"userName": 5})),
            "at `userName`: invalid type: integer `5`, expected a string"
        );
        assert_eq!(
            err(json!({"userName": "a", "name": "x"})),
            "at `name`: invalid type: string \"x\", expected struct Name"
        );
        assert_eq!(
            err(json!([1])),
            "invalid type: sequence, expected struct User"
        );
        assert_eq!(
            from_value::<User>(json!(null)).unwrap_err().to_string(),
            "invalid type: null, expected struct User"
        );
    }
}
