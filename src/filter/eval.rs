//! Evaluating a filter against a resource's JSON, as a SCIM server would (RFC 7644 §3.4.2.2):
//! what scoping rules are (`department eq "Sales" and not (title co "Contractor")`), applied
//! by the core to directory users and listed users alike.
//!
//! The rules, from the RFC and RFC 7643's schemas:
//! - attribute names are case-insensitive; a schema URN prefix selects the extension object
//!   (`urn:…:enterprise:2.0:User:department`), the core schema's URN the resource itself;
//! - string comparisons ignore case unless the attribute is `caseExact` (`id`, `externalId`,
//!   and a reference's `$ref`), in which case they are exact;
//! - `gt`/`ge`/`lt`/`le` order numbers as numbers and strings (dates included, which RFC 3339
//!   text orders correctly when written alike) as text; booleans and `null` do not order, so
//!   such a comparison is false;
//! - a comparison on a multi-valued attribute holds when it holds for any value; a complex
//!   value is compared through its `value` sub-attribute (`emails co "@example.com"`);
//! - `pr` holds for a value that is not null, not an empty string, array or object;
//! - `ne` is the negation of `eq`, so an absent attribute is "not equal" to every literal;
//! - `attr eq null` holds where the attribute is absent or null.
//!
//! Evaluation never fails: a path naming nothing compares as absent.

use serde_json::Value;

use super::{AttrPath, CompValue, CompareOp, Filter};

/// The core User schema's URN: a path prefixed with it names a top-level attribute.
const CORE_URNS: [&str; 2] = [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
];

impl Filter {
    /// Whether `resource` (a SCIM resource as JSON) satisfies this filter. See the module
    /// documentation for the comparison rules.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(resource) && b.matches(resource),
            Filter::Or(a, b) => a.matches(resource) || b.matches(resource),
            Filter::Not(inner) => !inner.matches(resource),
            Filter::Present(path) => values_at(resource, path).iter().any(|v| is_present(v)),
            Filter::Compare { path, op, value } => {
                let case_exact = is_case_exact(path);
                let found = values_at(resource, path);
                let holds = |op: CompareOp| {
                    found
                        .iter()
                        .any(|v| compare(comparable(v), op, value, case_exact))
                };
                match op {
                    CompareOp::Ne => !holds(CompareOp::Eq),
                    CompareOp::Eq if *value == CompValue::Null => {
                        found.iter().all(|v| v.is_null()) || holds(CompareOp::Eq)
                    }
                    op => holds(*op),
                }
            }
            Filter::ValuePath { path, filter } => values_at(resource, path)
                .iter()
                .any(|element| filter.matches(element)),
        }
    }
}

/// The first value `path` names in `resource`, a complex value read through its `value`
/// sub-attribute, as a comparison reads it (license types by attribute use this).
pub(crate) fn first_value<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    values_at(resource, path).first().map(|v| comparable(v))
}

/// The values a path names in `resource`, arrays flattened one level (a multi-valued
/// attribute's values, or each element's sub-attribute).
fn values_at<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let base = match &path.urn {
        Some(urn) if !CORE_URNS.iter().any(|c| c.eq_ignore_ascii_case(urn)) => {
            match field(resource, urn) {
                Some(extension) => extension,
                None => return Vec::new(),
            }
        }
        _ => resource,
    };
    let Some(attribute) = field(base, &path.attr) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |v: &'a Value| match (&path.sub_attr, v) {
        (Some(sub), value) => out.extend(field(value, sub)),
        (None, value) => out.push(value),
    };
    match attribute {
        Value::Array(items) => items.iter().for_each(&mut push),
        single => push(single),
    }
    out
}

/// An object's member by case-insensitive name (RFC 7643 §2.1), the exact spelling first.
pub(crate) fn field<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    let map = object.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// What a comparison looks at: a complex value's `value` sub-attribute, a simple value itself.
fn comparable(value: &Value) -> &Value {
    match value {
        Value::Object(_) => field(value, "value").unwrap_or(&Value::Null),
        other => other,
    }
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// RFC 7643's `caseExact` attributes among those a filter can name: the core schema's `id`
/// and `externalId`, and a reference's `$ref`.
fn is_case_exact(path: &AttrPath) -> bool {
    let core = path
        .urn
        .as_deref()
        .is_none_or(|urn| CORE_URNS.iter().any(|c| c.eq_ignore_ascii_case(urn)));
    match &path.sub_attr {
        Some(sub) => sub == "$ref",
        None => {
            core && ["id", "externalId"]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&path.attr))
        }
    }
}

fn compare(actual: &Value, op: CompareOp, literal: &CompValue, case_exact: bool) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (actual, literal) {
        (Value::String(a), CompValue::Str(b)) => {
            if let Some(text_op) = text_match(a, op, b, case_exact) {
                return text_op;
            }
            Some(if case_exact {
                a.as_str().cmp(b.as_str())
            } else {
                a.to_lowercase().cmp(&b.to_lowercase())
            })
        }
        (Value::Number(a), CompValue::Number(b)) => match (a.as_f64(), b.parse::<f64>().ok()) {
            (Some(a), Some(b)) => a.partial_cmp(&b),
            _ => None,
        },
        (Value::Bool(a), CompValue::Bool(b)) => {
            return matches!(op, CompareOp::Eq) && a == b;
        }
        (Value::Null, CompValue::Null) => return matches!(op, CompareOp::Eq),
        _ => None,
    };
    match (ordering, op) {
        (Some(o), CompareOp::Eq) => o == Ordering::Equal,
        (Some(o), CompareOp::Gt) => o == Ordering::Greater,
        (Some(o), CompareOp::Ge) => o != Ordering::Less,
        (Some(o), CompareOp::Lt) => o == Ordering::Less,
        (Some(o), CompareOp::Le) => o != Ordering::Greater,
        _ => false,
    }
}

/// `co`, `sw`, `ew` on text (`None` for the ordering operators).
fn text_match(actual: &str, op: CompareOp, literal: &str, case_exact: bool) -> Option<bool> {
    let fold = |s: &str| {
        if case_exact {
            s.to_owned()
        } else {
            s.to_lowercase()
        }
    };
    let (a, b) = (fold(actual), fold(literal));
    match op {
        CompareOp::Co => Some(a.contains(&b)),
        CompareOp::Sw => Some(a.starts_with(&b)),
        CompareOp::Ew => Some(a.ends_with(&b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use serde_json::json;

    fn user() -> serde_json::Value {
        json!({
            "userName": "Ana.Silva@Example.com",
            "externalId": "E-100",
            "active": true,
            "title": "Senior Contractor",
            "name": {"givenName": "Ana", "familyName": "Silva"},
            "emails": [
                {"value": "ana@example.com", "type": "work", "primary": true},
                {"value": "ana@home.example", "type": "home"}
            ],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "Sales", "employeeNumber": "0042", "costCenter": "CC-7"
            },
            "x-level": 7,
            "meta": {"lastModified": "2026-03-01T10:00:00Z"}
        })
    }

    fn holds(text: &str) -> bool {
        parse(text).unwrap().matches(&user())
    }

    #[test]
    fn names_and_text_compare_case_insensitively_except_case_exact_attributes() {
        assert!(holds(r#"USERNAME eq "ana.silva@example.com""#));
        assert!(holds(r#"userName ew "@EXAMPLE.COM""#));
        assert!(holds(r#"name.GIVENNAME sw "an""#));
        assert!(holds(r#"externalId eq "E-100""#));
        assert!(
            !holds(r#"externalId eq "e-100""#),
            "externalId is caseExact"
        );
        assert!(holds(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName pr"#
        ));
    }

    #[test]
    fn extension_attributes_by_their_urn_and_the_issue_s_example() {
        assert!(holds(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#
        ));
        assert!(!holds(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales" and not (title co "Contractor")"#
        ));
        assert!(holds(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales" and not (title co "Intern")"#
        ));
        assert!(!holds(r#"urn:example:unknown:2.0:User:department pr"#));
    }

    #[test]
    fn multi_valued_attributes_match_any_value_and_value_paths_filter_elements() {
        assert!(holds(r#"emails co "@home.example""#));
        assert!(holds(r#"emails.type eq "home""#));
        assert!(holds(r#"emails[type eq "work" and primary eq true]"#));
        assert!(!holds(r#"emails[type eq "home" and primary eq true]"#));
        assert!(holds(r#"emails[type eq "home"] and active eq true"#));
    }

    #[test]
    fn ordering_presence_absence_and_types() {
        assert!(holds(r#"x-level gt 5 and x-level le 7"#));
        assert!(!holds(r#"x-level lt 7"#));
        assert!(holds(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#));
        assert!(!holds(r#"active gt true"#), "booleans do not order");
        assert!(holds(r#"title pr and not (nickName pr)"#));
        assert!(
            holds(r#"nickName ne "x""#),
            "absent is not equal to anything"
        );
        assert!(holds(r#"nickName eq null"#));
        assert!(!holds(r#"title eq null"#));
        assert!(
            !holds(r#"active eq "true""#),
            "a string literal is not a boolean"
        );
        assert!(holds(r#"active eq true or title eq "nobody""#));
    }

    #[test]
    fn a_non_object_resource_matches_nothing_but_negations() {
        let f = parse(r#"userName pr"#).unwrap();
        assert!(!f.matches(&json!([1, 2])));
        assert!(parse(r#"userName ne "a""#).unwrap().matches(&json!("text")));
    }
}
