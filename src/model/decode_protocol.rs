//! Hand-written decoding of the two protocol objects that are not directory resources, the
//! PatchOp message and the ServiceProviderConfig resource, from an object whose attribute
//! names are already canonical (see `attr_names`).
//!
//! Same approach and helpers as `decode`: one non-generic decoder per type, errors worded
//! and located exactly as serde's derives worded them when these types were decoded from a
//! `serde_json::Value`, except that a nested struct given as an array of its fields (which
//! the derives read by position) is refused, as every decoder of the crate refuses it
//! (`invalid type: sequence, expected struct BulkConfig`).

use serde_json::{Map, Value};

use super::patch::{OpCase, PatchOp, PatchOpKind, PatchOperation};
use super::service_provider_config::{
    BulkConfig, FilterConfig, ServiceProviderConfig, SupportedConfig,
};
use crate::decoding::{
    fields, lenient_bool, list, object, opt_string, opt_u64, required, seq, set, string, Bad, Res,
};

pub(crate) fn patch_op(map: Map<String, Value>) -> Res<PatchOp> {
    let mut p = PatchOp::default();
    let mut operations = None;
    fields(map, None, |key, v| match key {
        "schemas" => set(&mut p.schemas, list(v, string)),
        "Operations" => set(&mut operations, seq(v, operation).map(Some)),
        _ => Ok(Some(v)),
    })?;
    p.operations = required(operations, "Operations")?;
    Ok(p)
}

fn operation(v: Value) -> Res<PatchOperation> {
    object(v, "struct PatchOperation", |map| {
        let (mut op, mut path, mut value) = (None, None, None);
        fields(map, None, |key, v| match key {
            "op" => set(&mut op, op_kind(v).map(Some)),
            "path" => set(&mut path, opt_string(v)),
            "value" => set(&mut value, Ok(opt_value(v))),
            _ => Ok(Some(v)),
        })?;
        Ok(PatchOperation {
            op: required(op, "op")?,
            path,
            value,
        })
    })
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
    object(v, "struct SupportedConfig", |map| {
        let mut s = SupportedConfig::default();
        fields(map, None, |key, v| match key {
            "supported" => set(&mut s.supported, lenient_bool(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(s)
    })
}

fn bulk(v: Value) -> Res<BulkConfig> {
    object(v, "struct BulkConfig", |map| {
        let mut b = BulkConfig::default();
        fields(map, None, |key, v| match key {
            "supported" => set(&mut b.supported, lenient_bool(v)),
            "maxOperations" => set(&mut b.max_operations, opt_u64(v)),
            "maxPayloadSize" => set(&mut b.max_payload_size, opt_u64(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(b)
    })
}

fn filter(v: Value) -> Res<FilterConfig> {
    object(v, "struct FilterConfig", |map| {
        let mut f = FilterConfig::default();
        fields(map, None, |key, v| match key {
            "supported" => set(&mut f.supported, lenient_bool(v)),
            "maxResults" => set(&mut f.max_results, opt_u64(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(f)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spc_error(text: &str) -> String {
        crate::decoding::refusal::<ServiceProviderConfig>(text)
    }

    fn patch_error(text: &str) -> String {
        crate::decoding::refusal::<PatchOp>(text)
    }

    #[test]
    fn sections_are_objects() {
        let c: ServiceProviderConfig =
            serde_json::from_str(r#"{"bulk":{"supported":true,"maxOperations":1000}}"#).unwrap();
        assert_eq!(c.bulk.supported, Some(true));
        assert_eq!(c.bulk.max_operations, Some(1000));
        assert_eq!(
            spc_error(r#"{"bulk":[true,1000]}"#),
            "at `bulk`: invalid type: sequence, expected struct BulkConfig"
        );
        assert_eq!(
            spc_error(r#"{"bulk":{"maxOperations":-1}}"#),
            "at `bulk.maxOperations`: invalid value: integer `-1`, expected u64"
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
            "at `Operations[0]`: invalid type: sequence, expected struct PatchOperation"
        );
        assert_eq!(
            patch_error(r#"{"Operations":[{"path":"x"}]}"#),
            "at `Operations[0]`: missing field `op`"
        );
    }
}
