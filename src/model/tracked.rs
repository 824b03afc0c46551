//! The one deserializer the model's derives read a collected object with: a parsed value,
//! borrowed, whose errors say where they are (``at `name.givenName`: reason``, indices as
//! `[1]`), as `serde_path_to_error` would say it, but at no cost until something is wrong.
//!
//! `serde_path_to_error` records the path as it goes (a `String` per key of every object),
//! so reading untracked first and tracked only on error was faster, and compiled every
//! derive twice (once per deserializer) into the WebAssembly. Here an error is located on
//! its way out, each object or array it passes through prefixing its key or index
//! (`crate::located::at`), so one deserializer serves both: the model's derives exist once.
//!
//! Scalars are read by serde_json's own `&Value` deserializer; only objects and arrays are
//! walked here, so that what is inside them is read by this one again.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Error, Value};

use crate::located::at;

/// A parsed value read with its errors located.
#[derive(Clone, Copy)]
pub(crate) struct Tracked<'v>(pub &'v Value);

/// `e`, met inside `segment` (a key, or `[index]`), located there.
#[cold]
fn located(segment: &str, e: &Error) -> Error {
    de::Error::custom(at(segment, &e.to_string()))
}

impl<'v> Tracked<'v> {
    /// An array: `visitor` over its elements; elements it leaves are an error, as in
    /// serde_json.
    fn seq<V: Visitor<'v>>(items: &'v [Value], visitor: V) -> Result<V::Value, Error> {
        let mut seq = Seq {
            items: items.iter(),
            index: 0,
        };
        let out = visitor.visit_seq(&mut seq)?;
        match seq.items.len() {
            0 => Ok(out),
            _ => Err(de::Error::invalid_length(
                items.len(),
                &"fewer elements in array",
            )),
        }
    }

    /// An object: `visitor` over its entries.
    fn map<V: Visitor<'v>>(
        map: &'v serde_json::Map<String, Value>,
        visitor: V,
    ) -> Result<V::Value, Error> {
        let len = map.len();
        let mut entries = Entries {
            entries: map.iter(),
            value: None,
        };
        let out = visitor.visit_map(&mut entries)?;
        match entries.entries.len() {
            0 => Ok(out),
            _ => Err(de::Error::invalid_length(len, &"fewer elements in map")),
        }
    }
}

/// Forwards the scalar reads to serde_json's `&Value` deserializer (which refuses an object
/// or array there without reading into it).
macro_rules! scalars {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'v> Deserializer<'v> for Tracked<'v> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => Tracked::seq(items, visitor),
            Value::Object(map) => Tracked::map(map, visitor),
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
        }
    }

    fn deserialize_option<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'v>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => Tracked::seq(items, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'v>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'v>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => Tracked::map(map, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'v>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => Tracked::seq(items, visitor),
            Value::Object(map) => Tracked::map(map, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'v>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // An externally tagged variant with content (`{"Not": {...}}`): what is wrong inside
        // is located under the variant's name. A unit variant is a string, read as it is.
        match self.0 {
            Value::Object(map) if map.len() == 1 => {
                let Some((variant, value)) = map.iter().next() else {
                    return Err(mismatch(self.0, &"string or map"));
                };
                visitor.visit_enum(Variant { variant, value })
            }
            Value::String(unit) => visitor.visit_enum(BorrowedStrDeserializer::new(unit)),
            other => Err(mismatch(other, &"string or map")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'v>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_bytes<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => Tracked::seq(items, visitor),
            other => Err(mismatch(other, &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'v>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    scalars! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_unit
        deserialize_identifier deserialize_ignored_any
    }
}

/// An externally tagged enum's variant and its content, errors in the content located at
/// the variant's name.
struct Variant<'v> {
    variant: &'v str,
    value: &'v Value,
}

impl<'v> de::EnumAccess<'v> for Variant<'v> {
    type Error = Error;
    type Variant = Variant<'v>;

    fn variant_seed<T: DeserializeSeed<'v>>(self, seed: T) -> Result<(T::Value, Self), Error> {
        let tag = seed
            .deserialize(BorrowedStrDeserializer::new(self.variant))
            .map_err(|e| located(self.variant, &e))?;
        Ok((tag, self))
    }
}

impl<'v> de::VariantAccess<'v> for Variant<'v> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            Value::Null => Ok(()),
            other => Err(located(
                self.variant,
                &de::Error::invalid_type(de::Unexpected::Other(kind(other)), &"unit variant"),
            )),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'v>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(Tracked(self.value))
            .map_err(|e| located(self.variant, &e))
    }

    fn tuple_variant<V: Visitor<'v>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        Tracked(self.value)
            .deserialize_seq(visitor)
            .map_err(|e| located(self.variant, &e))
    }

    fn struct_variant<V: Visitor<'v>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        Tracked(self.value)
            .deserialize_map(visitor)
            .map_err(|e| located(self.variant, &e))
    }
}

/// The error for `value` where `expected` wanted another kind, worded as serde_json's own
/// `&Value` deserializer words it. Said here, not by calling that deserializer, whose
/// generic array and object handling would be compiled once per type read (about 60 KB of
/// the WebAssembly module) only to report a mismatch.
#[cold]
fn mismatch(value: &Value, expected: &dyn de::Expected) -> Error {
    let unexpected = match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => de::Unexpected::Unsigned(u),
            (None, Some(i)) => de::Unexpected::Signed(i),
            _ => de::Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    };
    de::Error::invalid_type(unexpected, expected)
}

/// How serde names a value's kind in an error.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "sequence",
        Value::Object(_) => "map",
    }
}

/// An array's elements, each error located at `[index]`.
struct Seq<'v> {
    items: std::slice::Iter<'v, Value>,
    index: usize,
}

impl<'v> SeqAccess<'v> for Seq<'v> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'v>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(Tracked(item))
            .map(Some)
            .map_err(|e| located(&format!("[{index}]"), &e))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// An object's entries, each value's error located at its key.
struct Entries<'v> {
    entries: serde_json::map::Iter<'v>,
    value: Option<(&'v str, &'v Value)>,
}

impl<'v> MapAccess<'v> for Entries<'v> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'v>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        // An unknown or misspelt key is an error at that key, as serde_path_to_error has it.
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
            .map_err(|e| located(key, &e))
    }

    fn next_value_seed<T: DeserializeSeed<'v>>(&mut self, seed: T) -> Result<T::Value, Error> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("value is missing"))?;
        seed.deserialize(Tracked(value))
            .map_err(|e| located(key, &e))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::model::names::Attributes;
    use crate::model::{Group, ListResponse, PatchOp, ServiceProviderConfig, User};

    /// What `serde_path_to_error` says of the read of `value` by `T`'s derive (one level:
    /// the model types inside read through `names` in both), as `located` words it: the
    /// reference, and what the model read before.
    fn tracked_by_serde<T: Attributes>(value: &Value) -> Result<T, String> {
        let mut track = serde_path_to_error::Track::new();
        let result = T::derived(serde_path_to_error::Deserializer::new(value, &mut track));
        result.map_err(|e| at(&track.path().to_string(), &e.to_string()))
    }

    fn ours<T: Attributes>(value: &Value) -> Result<T, String> {
        T::derived(Tracked(value)).map_err(|e| e.to_string())
    }

    fn agree<T: Attributes + PartialEq + std::fmt::Debug>(value: &Value) {
        assert_eq!(ours::<T>(value), tracked_by_serde::<T>(value), "{value}");
    }

    #[test]
    fn errors_are_located_as_serde_path_to_error_locates_them() {
        for v in [
            json!({"totalResults": 2, "Resources": [{"userName": "a"}, {"userName": "b", "name": {"givenName": 7}}]}),
            json!({"Resources": [{"userName": "a", "emails": [{"value": "x"}, {"value": []}]}]}),
            json!({"Resources": [{"id": "x"}]}),
            json!({"totalResults": -1}),
            json!({"Resources": {"a": 1}}),
            json!({"Resources": [[1, 2]]}),
            json!({"Resources": [null]}),
            json!([1, 2]),
            json!("text"),
            json!({"schemas": ["a", 3]}),
        ] {
            agree::<ListResponse<User>>(&v);
        }
        agree::<Group>(&json!({"displayName": "G", "members": [{"value": "u"}, {"display": "x"}]}));
        agree::<PatchOp>(&json!({"Operations": [{"op": "add"}, {"op": "jump", "path": "x"}]}));
        agree::<PatchOp>(&json!({"Operations": [{"op": {"add": 1}}]}));
        agree::<ServiceProviderConfig>(&json!({"bulk": {"supported": "yes"}}));
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-5i64..5).prop_map(Value::from),
            Just(json!(1.5)),
            "[a-z]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("userName".to_owned()),
                        Just("name".to_owned()),
                        Just("givenName".to_owned()),
                        Just("emails".to_owned()),
                        Just("value".to_owned()),
                        Just("active".to_owned()),
                        Just("Resources".to_owned()),
                        Just("members".to_owned()),
                        Just("displayName".to_owned()),
                        "[a-z]{1,2}",
                    ],
                    inner,
                    0..4,
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_reads_as_serde_path_to_error_reads_it(v in any_json()) {
            prop_assert_eq!(ours::<ListResponse<User>>(&v), tracked_by_serde::<ListResponse<User>>(&v));
            prop_assert_eq!(ours::<ListResponse<Group>>(&v), tracked_by_serde::<ListResponse<Group>>(&v));
            prop_assert_eq!(ours::<User>(&v), tracked_by_serde::<User>(&v));
            prop_assert_eq!(ours::<Group>(&v), tracked_by_serde::<Group>(&v));
        }
    }
}
