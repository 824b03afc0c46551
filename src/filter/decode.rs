//! Hand-written decoding of a [`Filter`] from its serde form (`serde_json::Value`), in place
//! of serde's derives: one non-generic decoder per type, whatever the deserializer (see
//! `crate::decoding`).
//!
//! The serde form is serde's default external tagging, which the serializer still writes:
//! `{"Compare": {"path": {"urn": null, "attr": "userName", "sub_attr": null}, "op": "eq",
//! "value": {"Str": "x"}}}`, `{"Present": AttrPath}`, `{"And": [left, right]}`, `{"Or":
//! [left, right]}`, `{"Not": inner}`, `{"ValuePath": {"path": ..., "filter": ...}}`, and for
//! a value `{"Str": "x"}`, `{"Number": "1"}`, `{"Bool": true}` or `"Null"`.
//!
//! Errors read as the derives' did when reading JSON text (`unknown variant `X`, expected
//! one of ...`, ``missing field `attr` ``, `invalid type: unit variant, expected struct
//! variant`, `invalid length 1, expected tuple variant Filter::And with 2 elements`),
//! located by their path inside the filter. Where serde_json's text reader answered with a
//! parser message for a well-formed document of the wrong shape (`expected value` for an
//! enum given a number or a map without exactly one key, `trailing characters` for a
//! tuple given too many elements), these decoders answer as serde_json does for the same
//! shape given as a `Value`: `invalid type: integer `5`, expected string or map`, `invalid
//! value: map, expected map with a single key`, `invalid length 3, expected fewer elements
//! in array`. A struct given as a JSON array (which the derives read field by field) is
//! refused (`invalid type: sequence, expected struct AttrPath`), and an operator given as
//! anything but a string is `invalid type: ..., expected a string`.
//!
//! As for every decoder of a collected `Value`: a JSON syntax error anywhere is reported
//! before any other; of several errors, the first in key order is reported (the derives
//! reported the first in the text); a repeated key keeps its last value (the derives refused
//! it as a duplicate field); and an error is located by its path in the message, without the
//! ` at line L column C` that serde_json added when the derive read the text itself.

use serde::de::{Error as _, Unexpected};
use serde_json::{Map, Value};

use super::{AttrPath, CompValue, CompareOp, Filter};
use crate::decoding::{
    bool_value, fields, invalid_type, object, opt_string, required, set, string, variant,
    variant_index, Bad, Res,
};

const FILTER_VARIANTS: &[&str] = &["Compare", "Present", "And", "Or", "Not", "ValuePath"];
const VALUE_VARIANTS: &[&str] = &["Str", "Number", "Bool", "Null"];
const OPERATORS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"];

/// An externally tagged enum's variant: its index in `variants` and its content (`None`
/// when given by name alone, as a unit variant is).
fn tagged(v: Value, variants: &'static [&'static str]) -> Res<(usize, String, Option<Value>)> {
    match v {
        Value::String(name) => {
            let index = variant_index(&name, variants)?;
            Ok((index, name, None))
        }
        Value::Object(map) if map.len() == 1 => {
            let Some((name, content)) = map.into_iter().next() else {
                unreachable!("a map of one entry has an entry")
            };
            let index = variant_index(&name, variants).map_err(|e| e.key(&name))?;
            Ok((index, name, Some(content)))
        }
        Value::Object(_) => Err(Bad::new(serde_json::Error::invalid_value(
            Unexpected::Map,
            &"map with a single key",
        ))),
        other => Err(invalid_type(&other, "string or map")),
    }
}

/// serde's refusal of a data-carrying variant given by name alone.
fn unit_given(expected: &str) -> Bad {
    Bad::new(serde_json::Error::invalid_type(
        Unexpected::UnitVariant,
        &expected,
    ))
}

pub(crate) fn filter(v: Value) -> Res<Filter> {
    let (index, name, content) = tagged(v, FILTER_VARIANTS)?;
    let Some(content) = content else {
        return Err(unit_given(match index {
            0 => "struct variant",
            2 | 3 => "tuple variant",
            5 => "struct variant",
            _ => "newtype variant",
        }));
    };
    let decoded = match index {
        0 => object(content, "struct variant Filter::Compare", compare),
        1 => attr_path(content).map(Filter::Present),
        2 => pair(content, AND).map(|(a, b)| Filter::And(a, b)),
        3 => pair(content, OR).map(|(a, b)| Filter::Or(a, b)),
        4 => filter(content).map(|f| Filter::Not(Box::new(f))),
        _ => object(content, "struct variant Filter::ValuePath", value_path),
    };
    decoded.map_err(|e| e.key(&name))
}

fn compare(map: Map<String, Value>) -> Res<Filter> {
    let (mut path, mut op, mut value) = (None, None, None);
    fields(map, None, |key, v| match key {
        "path" => set(&mut path, attr_path(v).map(Some)),
        "op" => set(&mut op, compare_op(v).map(Some)),
        "value" => set(&mut value, comp_value(v).map(Some)),
        _ => Ok(Some(v)),
    })?;
    Ok(Filter::Compare {
        path: required(path, "path")?,
        op: required(op, "op")?,
        value: required(value, "value")?,
    })
}

fn value_path(map: Map<String, Value>) -> Res<Filter> {
    let (mut path, mut inner) = (None, None);
    fields(map, None, |key, v| match key {
        "path" => set(&mut path, attr_path(v).map(Some)),
        "filter" => set(&mut inner, filter(v).map(Some)),
        _ => Ok(Some(v)),
    })?;
    Ok(Filter::ValuePath {
        path: required(path, "path")?,
        filter: Box::new(required(inner, "filter")?),
    })
}

/// How serde names a tuple variant: as a whole, and with its length.
const AND: [&str; 2] = [
    "tuple variant Filter::And",
    "tuple variant Filter::And with 2 elements",
];
const OR: [&str; 2] = [
    "tuple variant Filter::Or",
    "tuple variant Filter::Or with 2 elements",
];

/// The two operands of `and` and `or`.
fn pair(v: Value, [expected, with_length]: [&'static str; 2]) -> Res<(Box<Filter>, Box<Filter>)> {
    let Value::Array(items) = v else {
        return Err(invalid_type(&v, expected));
    };
    let len = items.len();
    let mut items = items.into_iter();
    let mut operand = |index: usize| match items.next() {
        Some(item) => filter(item).map(Box::new).map_err(|e| e.index(index)),
        None => Err(Bad::new(serde_json::Error::invalid_length(
            index,
            &with_length,
        ))),
    };
    let left = operand(0)?;
    let right = operand(1)?;
    if len > 2 {
        return Err(Bad::new(serde_json::Error::invalid_length(
            len,
            &"fewer elements in array",
        )));
    }
    Ok((left, right))
}

pub(crate) fn attr_path(v: Value) -> Res<AttrPath> {
    object(v, "struct AttrPath", |map| {
        let (mut urn, mut attr, mut sub_attr) = (None, None, None);
        fields(map, None, |key, v| match key {
            "urn" => set(&mut urn, opt_string(v)),
            "attr" => set(&mut attr, string(v).map(Some)),
            "sub_attr" => set(&mut sub_attr, opt_string(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(AttrPath {
            urn,
            attr: required(attr, "attr")?,
            sub_attr,
        })
    })
}

pub(crate) fn compare_op(v: Value) -> Res<CompareOp> {
    variant(v, OPERATORS).map(|i| CompareOp::ALL[i])
}

pub(crate) fn comp_value(v: Value) -> Res<CompValue> {
    let (index, name, content) = tagged(v, VALUE_VARIANTS)?;
    let Some(content) = content else {
        return match index {
            3 => Ok(CompValue::Null),
            _ => Err(unit_given("newtype variant")),
        };
    };
    let decoded = match index {
        0 => string(content).map(CompValue::Str),
        1 => string(content).map(CompValue::Number),
        2 => bool_value(content).map(CompValue::Bool),
        _ => match content {
            Value::Null => Ok(CompValue::Null),
            other => Err(invalid_type(&other, "unit")),
        },
    };
    decoded.map_err(|e| e.key(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        crate::decoding::refusal::<Filter>(text)
    }

    #[test]
    fn parsed_filters_round_trip() {
        for text in [
            r#"userName eq "ana@example.com""#,
            r#"emails[type eq "work" and value co "@x"] or not (active eq true)"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt 12.5"#,
            r#"title pr and meta.lastModified lt null"#,
        ] {
            let filter = crate::filter::parse(text).unwrap();
            let json = serde_json::to_string(&filter).unwrap();
            assert_eq!(serde_json::from_str::<Filter>(&json).unwrap(), filter);
        }
    }

    #[test]
    fn errors_read_as_the_derives_read() {
        assert_eq!(
            error(r#""Bogus""#),
            "unknown variant `Bogus`, expected one of `Compare`, `Present`, `And`, `Or`, `Not`, `ValuePath`"
        );
        assert_eq!(
            error(r#""And""#),
            "invalid type: unit variant, expected tuple variant"
        );
        assert_eq!(
            error(r#"{"Not":{"Present":{"urn":null}}}"#),
            "at `Not.Present`: missing field `attr`"
        );
        assert_eq!(
            error(r#"{"And":[{"Present":{"attr":"a"}}]}"#),
            "at `And`: invalid length 1, expected tuple variant Filter::And with 2 elements"
        );
        assert_eq!(
            error(r#"{"Compare":{"path":{"attr":"a"},"op":"eq","value":{"Bool":"x"}}}"#),
            "at `Compare.value.Bool`: invalid type: string \"x\", expected a boolean"
        );
        assert_eq!(
            error(r#"{"Compare":{"path":{"attr":"a"},"op":"is","value":"Null"}}"#),
            "at `Compare.op`: unknown variant `is`, expected one of `eq`, `ne`, `co`, `sw`, `ew`, `gt`, `lt`, `ge`, `le`"
        );
        assert_eq!(
            error(r#"{"Or":5}"#),
            "at `Or`: invalid type: integer `5`, expected tuple variant Filter::Or"
        );
    }
}
