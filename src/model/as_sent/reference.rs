//! The reference for [`super::scan`]: the check of [`super::page`] as a serde visitor
//! driven by the same table, serde_json parsing the text. Plain and slower (inside
//! WebAssembly 0.7x a `JSON.parse` of the bench page, the scan 0.4x), it is what the
//! property tests of `plan::fast_reference` and the `decode_response` fuzz target hold the
//! scan to: the scan accepts no page this refuses.

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

use super::{field, keeps, required, Must};
use crate::model::fast::{bail, next_key, Any};
use crate::model::serde_util::Shape;

/// Whether `text` is a listing page of `shape`'s resources that reads back as sent, as the
/// visitor finds it.
pub(crate) fn page(text: &str, shape: Shape) -> bool {
    let Some(resources) = super::page_of(shape) else {
        return false;
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Check(resources)).is_ok() && de.end().is_ok()
}

/// Checks a value against what it must be.
#[derive(Clone, Copy)]
struct Check(Must);

impl Check {
    fn is<E: serde::de::Error>(self, ok: bool) -> Result<(), E> {
        if ok || matches!(self.0, Must::Any) {
            Ok(())
        } else {
            Err(bail())
        }
    }
}

impl<'de> Visitor<'de> for Check {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page as sent")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, _: &'de str) -> Result<(), E> {
        self.is(matches!(self.0, Must::Text))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.is(matches!(self.0, Must::Text))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.is(matches!(self.0, Must::Bool))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.is(matches!(self.0, Must::Count))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.is(false)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.is(false)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.is(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (item, may_be_empty) = match self.0 {
            Must::List(item, empty) => (*item, empty),
            Must::Any => (Must::Any, true),
            _ => return Err(bail()),
        };
        let mut any = may_be_empty;
        while seq.next_element_seed(Any(Check(item)))?.is_some() {
            any = true;
        }
        self.is(any)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let obj = match self.0 {
            Must::Object(obj) => obj,
            Must::Kept | Must::Any => {
                while map.next_key_seed(Any(Check(Must::Text)))?.is_some() {
                    map.next_value_seed(Any(Check(Must::Any)))?;
                }
                return Ok(());
            }
            _ => return Err(bail()),
        };
        let need = required(obj);
        let mut found = need.is_none();
        while let Some(key) = next_key(&mut map)? {
            found |= need == Some(key.as_bytes());
            let must = match field(obj, key.as_bytes()) {
                Some(must) => must,
                None if keeps(obj, &key) => Must::Any,
                None => return Err(bail()),
            };
            map.next_value_seed(Any(Check(must)))?;
        }
        self.is(found)
    }
}
