//! Hand-written decoding of the two protocol objects that are not directory resources, the
//! PatchOp message and the ServiceProviderConfig resource, from an object whose attribute
//! names are already canonical (see `attr_names`).
//!
//! Same approach and helpers as `decode`: one non-generic decoder per type, errors worded
//! and located exactly as serde's derives worded them when these types were decoded from a
//! `serde_json::Value`. That includes what the derives accepted and hosts may rely on: a
//! nested struct may be given as an array of its fields in declaration order (`"bulk":
//! [true, 1000]`), and an array longer than the struct is refused.

use serde::de::Error as _;
use serde_json::{Map, Value};

use super::patch::{OpCase, PatchOp, PatchOpKind, PatchOperation};
use super::service_provider_config::{
    BulkConfig, FilterConfig, ServiceProviderConfig, SupportedConfig,
};
use crate::decoding::{
    fields, invalid_type, lenient_bool, list, opt_string, opt_u64, seq, set, string, Bad, Res,
};

pub(crate) fn patch_op(map: Map<String, Value>) -> Res<PatchOp> {
    let mut p = PatchOp::default();
    let mut operations = None;
    fields(map, None, |key, v| match key {
        "schemas" => set(&mut p.schemas, list(v, string)),
        "Operations" => set(&mut operations, seq(v, operation).map(Some)),
        _ => Ok(Some(v)),
    })?;
    p.operations = operations.ok_or_else(|| Bad::missing("Operations"))?;
    Ok(p)
}

fn operation(v: Value) -> Res<PatchOperation> {
    record(
        v,
        "struct PatchOperation",
        |map| {
            let (mut op, mut path, mut value) = (None, None, None);
            fields(map, None, |key, v| match key {
                "op" => set(&mut op, op_kind(v).map(Some)),
                "path" => set(&mut path, opt_string(v)),
                "value" => set(&mut value, Ok(opt_value(v))),
                _ => Ok(Some(v)),
            })?;
            Ok(PatchOperation {
                op: op.ok_or_else(|| Bad::missing("op"))?,
                path,
                value,
            })
        },
        |items| {
            let op = items.next(op_kind)?.ok_or_else(|| {
                Bad::new(serde_json::Error::invalid_length(
                    0,
                    &"struct PatchOperation with 3 elements",
                ))
            })?;
            Ok(PatchOperation {
                op,
                path: items.next(opt_string)?.flatten(),
                value: items.next(|v| Ok(opt_value(v)))?.flatten(),
            })
        },
    )
}

/// An operation name in any case (Entra's legacy mode sends `Replace`).
fn op_kind(v: Value) -> Res<PatchOpKind> {
    let s = string(v)?;
    [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
        .into_iter()
        .find(|k| k.name(OpCase::Lower).eq_ignore_ascii_case(&s))
        .ok_or_else(|| {
            Bad::new(format_args!(
                "unknown PATCH op `{s}`, expected add, replace or remove"
            ))
        })
}

/// Any value; `null` is unassigned.
fn opt_value(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        other => Some(other),
    }
}

pub(crate) fn service_provider_config(map: Map<String, Value>) -> Res<ServiceProviderConfig> {
    let mut c = ServiceProviderConfig::default();
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "schemas" => set(&mut c.schemas, list(v, string)),
        "patch" => set(&mut c.patch, supported(v)),
        "bulk" => set(&mut c.bulk, bulk(v)),
        "filter" => set(&mut c.filter, filter(v)),
        "changePassword" => set(&mut c.change_password, supported(v)),
        "sort" => set(&mut c.sort, supported(v)),
        "etag" => set(&mut c.etag, supported(v)),
        "authenticationSchemes" => set(&mut c.authentication_schemes, list(v, Ok)),
        _ => Ok(Some(v)),
    })?;
    c.extra = extra;
    Ok(c)
}

fn supported(v: Value) -> Res<SupportedConfig> {
    record(
        v,
        "struct SupportedConfig",
        |map| {
            let mut s = SupportedConfig::default();
            fields(map, None, |key, v| match key {
                "supported" => set(&mut s.supported, lenient_bool(v)),
                _ => Ok(Some(v)),
            })?;
            Ok(s)
        },
        |items| {
            Ok(SupportedConfig {
                supported: items.next(lenient_bool)?.flatten(),
            })
        },
    )
}

fn bulk(v: Value) -> Res<BulkConfig> {
    record(
        v,
        "struct BulkConfig",
        |map| {
            let mut b = BulkConfig::default();
            fields(map, None, |key, v| match key {
                "supported" => set(&mut b.supported, lenient_bool(v)),
                "maxOperations" => set(&mut b.max_operations, opt_u64(v)),
                "maxPayloadSize" => set(&mut b.max_payload_size, opt_u64(v)),
                _ => Ok(Some(v)),
            })?;
            Ok(b)
        },
        |items| {
            Ok(BulkConfig {
                supported: items.next(lenient_bool)?.flatten(),
                max_operations: items.next(opt_u64)?.flatten(),
                max_payload_size: items.next(opt_u64)?.flatten(),
            })
        },
    )
}

fn filter(v: Value) -> Res<FilterConfig> {
    record(
        v,
        "struct FilterConfig",
        |map| {
            let mut f = FilterConfig::default();
            fields(map, None, |key, v| match key {
                "supported" => set(&mut f.supported, lenient_bool(v)),
                "maxResults" => set(&mut f.max_results, opt_u64(v)),
                _ => Ok(Some(v)),
            })?;
            Ok(f)
        },
        |items| {
            Ok(FilterConfig {
                supported: items.next(lenient_bool)?.flatten(),
                max_results: items.next(opt_u64)?.flatten(),
            })
        },
    )
}

/// A nested struct, given by attribute name (an object) or by field position (an array);
/// `expected` names it in errors (`struct BulkConfig`).
fn record<T>(
    v: Value,
    expected: &str,
    by_name: impl FnOnce(Map<String, Value>) -> Res<T>,
    by_position: impl FnOnce(&mut Items) -> Res<T>,
) -> Res<T> {
    match v {
        Value::Object(map) => by_name(map),
        Value::Array(values) => {
            let len = values.len();
            let mut items = Items {
                values: values.into_iter(),
                index: 0,
            };
            let t = by_position(&mut items)?;
            // serde_json refuses what a struct leaves of an array, naming the whole length.
            match items.values.len() {
                0 => Ok(t),
                _ => Err(Bad::new(serde_json::Error::invalid_length(
                    len,
                    &"fewer elements in array",
                ))),
            }
        }
        other => Err(invalid_type(&other, expected)),
    }
}

/// The fields of a struct given as an array, taken in order; a missing one is `None`.
struct Items {
    values: std::vec::IntoIter<Value>,
    index: usize,
}

impl Items {
    fn next<T>(&mut self, item: impl FnOnce(Value) -> Res<T>) -> Res<Option<T>> {
        let index = self.index;
        self.index += 1;
        match self.values.next() {
            Some(v) => item(v).map(Some).map_err(|e| e.index(index)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spc_error(text: &str) -> String {
        serde_json::from_str::<ServiceProviderConfig>(text)
            .unwrap_err()
            .to_string()
    }

    fn patch_error(text: &str) -> String {
        serde_json::from_str::<PatchOp>(text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn sections_given_as_arrays_read_by_position() {
        let c: ServiceProviderConfig =
            serde_json::from_str(r#"{"bulk":[true,1000],"filter":[]}"#).unwrap();
        assert_eq!(c.bulk.supported, Some(true));
        assert_eq!(c.bulk.max_operations, Some(1000));
        assert_eq!(
            spc_error(r#"{"bulk":[true,1,2,3]}"#),
            "at `bulk`: invalid length 4, expected fewer elements in array"
        );
        assert_eq!(
            spc_error(r#"{"bulk":[true,-1]}"#),
            "at `bulk[1]`: invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            spc_error(r#"{"etag":null}"#),
            "at `etag`: invalid type: null, expected struct SupportedConfig"
        );
    }

    #[test]
    fn patch_errors_are_located() {
        assert_eq!(patch_error("{}"), "missing field `Operations`");
        assert_eq!(
            patch_error(r#"{"Operations":[{"op":"add"},{"op":5}]}"#),
            "at `Operations[1].op`: invalid type: integer `5`, expected a string"
        );
        assert_eq!(
            patch_error(r#"{"Operations":[[]]}"#),
            "at `Operations[0]`: invalid length 0, expected struct PatchOperation with 3 elements"
        );
        assert_eq!(
            patch_error(r#"{"Operations":[{"path":"x"}]}"#),
            "at `Operations[0]`: missing field `op`"
        );
    }
}
