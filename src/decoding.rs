//! The toolkit of the crate's hand-written decoders: values taken out of a parsed
//! `serde_json::Value`, with errors worded and located exactly as serde's derives word them
//! (`invalid type: integer `5`, expected a string`, ``missing field `userName` ``, ``unknown
//! variant `x`, expected one of `a`, `b` ``), so one non-generic decoder per type replaces
//! the derive's copies (one per deserializer, and per flattened or tagged enum buffering).
//!
//! A decoder returns [`Res`]; the `Deserialize` impl that calls it turns a [`Bad`] into the
//! deserializer's error with [`Bad::into_error`], ``at `path`: reason``.

use std::fmt::Display;

use serde::de::{Error as _, Unexpected};
use serde_json::{Map, Value};

pub(crate) use crate::located::join_located;

/// One step of a path inside a resource.
#[derive(Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Why a resource did not decode, and where (innermost step first).
#[derive(Debug)]
pub(crate) struct Bad {
    segs: Vec<Seg>,
    reason: String,
}

pub(crate) type Res<T> = Result<T, Bad>;

impl Bad {
    pub(crate) fn new(reason: impl Display) -> Bad {
        Bad {
            segs: Vec::new(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn key(mut self, key: &str) -> Bad {
        self.segs.push(Seg::Key(key.to_owned()));
        self
    }

    pub(crate) fn index(mut self, index: usize) -> Bad {
        self.segs.push(Seg::Index(index));
        self
    }

    /// The error as a deserializer error: ``at `path`: reason``, or the bare reason at the
    /// root. A reason that is itself located (from a nested resource) is joined onto the
    /// path.
    pub(crate) fn into_error<E: serde::de::Error>(self) -> E {
        let mut outer = String::new();
        for seg in self.segs.iter().rev() {
            match seg {
                Seg::Index(i) => {
                    outer.push('[');
                    outer.push_str(&i.to_string());
                    outer.push(']');
                }
                Seg::Key(k) => {
                    if !outer.is_empty() {
                        outer.push('.');
                    }
                    outer.push_str(k);
                }
            }
        }
        match join_located(&outer, &self.reason) {
            (Some(path), reason) => E::custom(format_args!("at `{path}`: {reason}")),
            (None, reason) => E::custom(reason),
        }
    }
}

/// serde's own description of a JSON value, for `invalid type` messages.
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

pub(crate) fn invalid_type(v: &Value, expected: &str) -> Bad {
    Bad::new(serde_json::Error::invalid_type(unexpected(v), &expected))
}

impl Bad {
    /// ``missing field `name` ``.
    pub(crate) fn missing(field: &'static str) -> Bad {
        Bad::new(serde_json::Error::missing_field(field))
    }
}

/// A required string.
pub(crate) fn string(v: Value) -> Res<String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(invalid_type(&other, "a string")),
    }
}

/// An optional string (`null` is unassigned).
pub(crate) fn opt_string(v: Value) -> Res<Option<String>> {
    opt(v, string)
}

/// A boolean that also accepts `"true"`/`"false"` in any case (Microsoft Entra).
pub(crate) fn lenient_bool(v: Value) -> Res<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => Err(Bad::new(format_args!(
            "invalid type: {}, expected a boolean",
            json_type(&other)
        ))),
    }
}

/// A non-negative integer no larger than `max`; `name` is the Rust type serde names in its
/// messages (`u64`, `u32`, `usize`).
fn unsigned(v: Value, max: u64, name: &str) -> Res<u64> {
    if let Value::Number(n) = &v {
        if let Some(u) = n.as_u64() {
            if u <= max {
                return Ok(u);
            }
            return Err(Bad::new(serde_json::Error::invalid_value(
                Unexpected::Unsigned(u),
                &name,
            )));
        }
        if let Some(i) = n.as_i64() {
            return Err(Bad::new(serde_json::Error::invalid_value(
                Unexpected::Signed(i),
                &name,
            )));
        }
    }
    Err(invalid_type(&v, name))
}

/// A non-negative integer.
pub(crate) fn u64_value(v: Value) -> Res<u64> {
    unsigned(v, u64::MAX, "u64")
}

/// A required field's value, or serde's ``missing field `name` ``.
pub(crate) fn required<T>(slot: Option<T>, name: &'static str) -> Res<T> {
    slot.ok_or_else(|| Bad::missing(name))
}

/// An optional value: `null` is `None`, anything else goes to `item`.
pub(crate) fn opt<T>(v: Value, item: impl FnOnce(Value) -> Res<T>) -> Res<Option<T>> {
    match v {
        Value::Null => Ok(None),
        other => item(other).map(Some),
    }
}

/// A unit enum variant given by name: the index of `v` in `variants` (the serialized
/// names, in declaration order).
pub(crate) fn variant(v: Value, variants: &'static [&'static str]) -> Res<usize> {
    match v {
        Value::String(s) => variant_index(&s, variants),
        other => Err(invalid_type(&other, "a string")),
    }
}

/// The index of `name` in `variants`, or serde's ``unknown variant `x`, expected one of
/// ...``.
pub(crate) fn variant_index(name: &str, variants: &'static [&'static str]) -> Res<usize> {
    variants
        .iter()
        .position(|v| *v == name)
        .ok_or_else(|| Bad::new(serde_json::Error::unknown_variant(name, variants)))
}

/// An optional non-negative integer.
pub(crate) fn opt_u64(v: Value) -> Res<Option<u64>> {
    opt(v, u64_value)
}

/// An array decoded element by element (`null` is refused; [`list`] reads it as empty).
pub(crate) fn seq<T>(v: Value, mut item: impl FnMut(Value) -> Res<T>) -> Res<Vec<T>> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, x)| item(x).map_err(|e| e.index(i)))
            .collect(),
        other => Err(invalid_type(&other, "a sequence")),
    }
}

/// A list where `null` means empty.
pub(crate) fn list<T>(v: Value, item: impl FnMut(Value) -> Res<T>) -> Res<Vec<T>> {
    match v {
        Value::Null => Ok(Vec::new()),
        other => seq(other, item),
    }
}

/// An optional object decoded by `decode`; `expected` names it in errors (`struct Name`).
pub(crate) fn opt_object<T>(
    v: Value,
    expected: &str,
    decode: impl FnOnce(Map<String, Value>) -> Res<T>,
) -> Res<Option<T>> {
    opt(v, |v| object(v, expected, decode))
}

/// A required object decoded by `decode`.
pub(crate) fn object<T>(
    v: Value,
    expected: &str,
    decode: impl FnOnce(Map<String, Value>) -> Res<T>,
) -> Res<T> {
    match v {
        Value::Object(m) => decode(m),
        other => Err(invalid_type(&other, expected)),
    }
}

/// Visits the entries of `map` in its (sorted) order, as serde's derives do: `field` takes
/// a known attribute and returns `None` when it consumed it, or gives the entry back.
/// Entries given back land in `extra` when there is one, and are dropped otherwise.
pub(crate) fn fields(
    map: Map<String, Value>,
    mut extra: Option<&mut Map<String, Value>>,
    mut field: impl FnMut(&str, Value) -> Res<Option<Value>>,
) -> Res<()> {
    for (key, value) in map {
        match field(&key, value) {
            Ok(None) => {}
            Ok(Some(value)) => {
                if let Some(extra) = extra.as_deref_mut() {
                    extra.insert(key, value);
                }
            }
            Err(e) => return Err(e.key(&key)),
        }
    }
    Ok(())
}

/// Stores a decoded field; the closure-friendly `Ok(None)` of [`fields`].
pub(crate) fn set<T>(slot: &mut T, value: Res<T>) -> Res<Option<Value>> {
    *slot = value?;
    Ok(None)
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

/// Implements `Deserialize` for `$ty` through its hand-written decoder `$decode` (a
/// `fn(Value) -> Res<$ty>`): the value is collected, then decoded once, whatever the
/// deserializer. Rust callers keep `serde_json::from_str::<$ty>`; the binary keeps one
/// decoder.
macro_rules! deserialize_with_decoder {
    ($ty:ty, $decode:path) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                $decode(value).map_err($crate::decoding::Bad::into_error)
            }
        }
    };
}
pub(crate) use deserialize_with_decoder;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reason<T: std::fmt::Debug>(r: Res<T>) -> String {
        r.unwrap_err().into_error::<serde_json::Error>().to_string()
    }

    #[test]
    fn integers_are_worded_as_serde_words_them() {
        assert_eq!(
            reason(u64_value(json!(-1))),
            "invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            reason(u64_value(json!(1.5))),
            "invalid type: floating point `1.5`, expected u64"
        );
    }

    #[test]
    fn booleans_options_and_variants() {
        assert_eq!(opt(json!(null), u64_value).unwrap(), None);
        assert_eq!(opt(json!(3), u64_value).unwrap(), Some(3));
        const V: &[&str] = &["deactivate", "delete"];
        assert_eq!(variant(json!("delete"), V).unwrap(), 1);
        assert_eq!(
            reason(variant(json!("purge"), V)),
            "unknown variant `purge`, expected `deactivate` or `delete`"
        );
    }
}
