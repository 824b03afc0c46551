//! Evaluates a parsed [`Filter`] against a resource rendered as JSON, as an RFC 7644 server
//! would (§3.4.2.2).
//!
//! Attribute names match case-insensitively. String comparisons are case-insensitive except
//! for attributes RFC 7643 marks `caseExact` (`id`, `externalId`, and the `value` of
//! `members`/`groups` references, which are ids). A multi-valued attribute matches when any of
//! its values does; comparing a multi-valued complex attribute itself compares its `value`
//! sub-attributes. Type mismatches never match. Recursion follows the filter tree, whose
//! depth the parser bounds.

use scim_provision::filter::{AttrPath, CompValue, CompareOp, Filter};
use serde_json::{Map, Value};

/// Whether `resource` matches `filter`. `parent` names the multi-valued attribute whose
/// element `resource` is, inside a value path (`members[value eq "x"]`); `None` at the top.
pub(crate) fn matches(filter: &Filter, resource: &Value, parent: Option<&str>) -> bool {
    match filter {
        Filter::Compare { path, op, value } => {
            let exact = case_exact(path, parent);
            resolve(resource, path)
                .iter()
                .any(|actual| compare(*op, actual, value, exact))
                || (matches!(value, CompValue::Null)
                    && *op == CompareOp::Eq
                    && resolve(resource, path).is_empty())
        }
        Filter::Present(path) => resolve(resource, path).iter().any(|v| is_present(v)),
        Filter::And(a, b) => matches(a, resource, parent) && matches(b, resource, parent),
        Filter::Or(a, b) => matches(a, resource, parent) || matches(b, resource, parent),
        Filter::Not(inner) => !matches(inner, resource, parent),
        Filter::ValuePath { path, filter } => {
            let attr = path.attr.as_str();
            container(resource, path)
                .and_then(|c| get_ci(c, attr))
                .map(|v| match v {
                    Value::Array(items) => items.iter().any(|i| matches(filter, i, Some(attr))),
                    single @ Value::Object(_) => matches(filter, single, Some(attr)),
                    _ => false,
                })
                .unwrap_or(false)
        }
        _ => false,
    }
}

/// The object holding `path.attr`: the resource itself, or its extension object when the path
/// carries a URN other than the core schema's.
fn container<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Map<String, Value>> {
    let root = resource.as_object()?;
    match &path.urn {
        Some(urn) if !is_core_urn(urn) => get_ci(root, urn)?.as_object(),
        _ => Some(root),
    }
}

/// Whether `urn` names a core schema, whose attributes sit at the top level.
pub(crate) fn is_core_urn(urn: &str) -> bool {
    urn.to_ascii_lowercase()
        .starts_with("urn:ietf:params:scim:schemas:core:")
}

/// The values `path` designates, multi-valued attributes flattened. Nulls are skipped.
fn resolve<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(value) = container(resource, path).and_then(|c| get_ci(c, &path.attr)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |v: &'a Value, sub: Option<&str>| {
        let v = match (sub, v) {
            (Some(sub), Value::Object(o)) => get_ci(o, sub),
            (Some(_), _) => None,
            // A multi-valued complex attribute compared as a whole compares its `value`s.
            (None, Value::Object(o)) => get_ci(o, "value").or(Some(v)),
            (None, other) => Some(other),
        };
        match v {
            Some(Value::Null) | None => {}
            Some(Value::Array(items)) => out.extend(items.iter().filter(|i| !i.is_null())),
            Some(v) => out.push(v),
        }
    };
    match value {
        Value::Array(items) => items.iter().for_each(|i| push(i, path.sub_attr.as_deref())),
        // A single complex attribute with a sub-attribute: `name.givenName`.
        Value::Object(_) => push(value, path.sub_attr.as_deref()),
        other => push(other, None),
    }
    out
}

/// Looks up `key` in `map` ignoring ASCII case (RFC 7643 §2.1).
pub(crate) fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn case_exact(path: &AttrPath, parent: Option<&str>) -> bool {
    let attr = path.attr.to_ascii_lowercase();
    match parent.map(str::to_ascii_lowercase).as_deref() {
        None => matches!(attr.as_str(), "id" | "externalid"),
        Some("members" | "groups") => attr == "value",
        Some(_) => false,
    }
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare(op: CompareOp, actual: &Value, expected: &CompValue, exact: bool) -> bool {
    use std::cmp::Ordering;
    match (actual, expected) {
        (Value::String(a), CompValue::Str(e)) => {
            use std::borrow::Cow;
            let (a, e): (Cow<str>, Cow<str>) = if exact {
                (Cow::Borrowed(a), Cow::Borrowed(e))
            } else {
                (Cow::Owned(a.to_lowercase()), Cow::Owned(e.to_lowercase()))
            };
            match op {
                CompareOp::Eq => a == e,
                CompareOp::Ne => a != e,
                CompareOp::Co => a.contains(e.as_ref()),
                CompareOp::Sw => a.starts_with(e.as_ref()),
                CompareOp::Ew => a.ends_with(e.as_ref()),
                CompareOp::Gt => a > e,
                CompareOp::Lt => a < e,
                CompareOp::Ge => a >= e,
                CompareOp::Le => a <= e,
                _ => false,
            }
        }
        (Value::Bool(a), CompValue::Bool(e)) => match op {
            CompareOp::Eq => a == e,
            CompareOp::Ne => a != e,
            _ => false,
        },
        (Value::Number(a), CompValue::Number(e)) => {
            let (Some(a), Ok(e)) = (a.as_f64(), e.parse::<f64>()) else {
                return false;
            };
            let Some(ord) = a.partial_cmp(&e) else {
                return false;
            };
            match op {
                CompareOp::Eq => ord == Ordering::Equal,
                CompareOp::Ne => ord != Ordering::Equal,
                CompareOp::Gt => ord == Ordering::Greater,
                CompareOp::Lt => ord == Ordering::Less,
                CompareOp::Ge => ord != Ordering::Less,
                CompareOp::Le => ord != Ordering::Greater,
                _ => false,
            }
        }
        (_, CompValue::Null) => op == CompareOp::Ne,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_provision::filter::parse;
    use serde_json::json;

    fn m(filter: &str, v: &Value) -> bool {
        matches(&parse(filter).unwrap(), v, None)
    }

    #[test]
    fn string_operators_and_case() {
        let u = json!({"id": "usrA", "userName": "Ana@Example.com", "externalId": "E1",
            "name": {"givenName": "Ana"}, "active": true,
            "emails": [{"value": "ana@example.com", "type": "work"}, {"value": "a@home", "type": "home"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}});
        assert!(m(r#"userName eq "ana@example.COM""#, &u));
        assert!(m(r#"USERNAME Eq "ana@example.com""#, &u));
        assert!(!m(r#"externalId eq "e1""#, &u));
        assert!(m(r#"externalId eq "E1""#, &u));
        assert!(!m(r#"id eq "usra""#, &u));
        assert!(m(r#"userName sw "ana" and name.givenName co "n""#, &u));
        assert!(m(r#"emails eq "a@home""#, &u));
        assert!(m(r#"emails.type eq "home""#, &u));
        assert!(m(
            r#"emails[type eq "work" and value ew "example.com"]"#,
            &u
        ));
        assert!(!m(r#"emails[type eq "other"]"#, &u));
        assert!(m("active eq true", &u));
        assert!(!m("active eq false", &u));
        assert!(m(r#"not (title pr) or title eq "x""#, &u));
        assert!(m(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "ops""#,
            &u
        ));
        assert!(m(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName pr"#,
            &u
        ));
        assert!(m("title eq null", &u));
    }

    #[test]
    fn member_values_are_case_exact() {
        let member = json!({"value": "usrAbc"});
        let f = parse(r#"value eq "usrabc""#).unwrap();
        assert!(!matches(&f, &member, Some("members")));
        assert!(matches(&f, &member, Some("emails")));
    }
}
