//! SCIM filter expressions (RFC 7644 §3.4.2.2): an AST, a builder that escapes values, a
//! renderer, a parser for the subset this crate accepts, and an evaluator (`Filter::matches`,
//! in `eval`) for scoping rules the core applies itself.
//!
//! Filters are built as data and rendered once, so a hostile value such as
//! `x") or (userName pr` stays inside its JSON string literal: the renderer escapes `"`, `\` and
//! control characters exactly as JSON does, which is what RFC 7644 prescribes for `compValue`.
//! Whether a server accepts a given filter is a profile question; see
//! [`crate::profile::FilterSupport`].
//!
//! The AST also has a serde form (serde's derives, external tagging: `{"Compare": {"path":
//! {"urn": null, "attr": "userName", "sub_attr": null}, "op": "eq", "value": {"Str": "x"}}}`),
//! which hosts use to hand over a built filter (`filter-json`, a list query's `filter`).

mod eval;
mod parse;
mod render;

pub(crate) use eval::{field, first_value};
pub use parse::{
    parse, FilterParseError, FilterParseErrorKind, MAX_FILTER_DEPTH, MAX_FILTER_LEN,
    MAX_FILTER_NESTING,
};
pub(crate) use render::value_path_eq;

use serde::{Deserialize, Serialize};

/// A parsed or built filter expression.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Filter {
    /// `attrPath op compValue`, e.g. `userName eq "ana@example.com"`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The comparison operator.
        op: CompareOp,
        /// The literal compared against.
        value: CompValue,
    },
    /// `attrPath pr`: the attribute has a non-empty value.
    Present(AttrPath),
    /// `left and right`.
    And(Box<Filter>, Box<Filter>),
    /// `left or right`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (inner)`.
    Not(Box<Filter>),
    /// `attr[inner]` on a multi-valued complex attribute, e.g. `emails[type eq "work"]`.
    ValuePath {
        /// The multi-valued attribute.
        path: AttrPath,
        /// The filter applied to each of its values.
        filter: Box<Filter>,
    },
}

/// An attribute path: optional schema URN, attribute name, optional sub-attribute.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttrPath {
    /// Schema URN prefix such as `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub urn: Option<String>,
    /// The attribute name, such as `userName` or `name`.
    pub attr: String,
    /// The sub-attribute, such as `givenName` in `name.givenName`.
    pub sub_attr: Option<String>,
}

/// Comparison operators of RFC 7644 §3.4.2.2.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// less than
    Lt,
    /// greater than or equal
    Ge,
    /// less than or equal
    Le,
}

/// A comparison literal. Numbers keep their JSON text so nothing is lost to float rounding.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CompValue {
    /// A JSON string.
    Str(String),
    /// A JSON number, as written.
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl CompareOp {
    /// Every operator, in RFC order.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ];

    /// The operator's keyword as rendered (lower case).
    pub fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    /// Parses a keyword case-insensitively (RFC 7644: operators are case insensitive).
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.keyword().eq_ignore_ascii_case(word))
    }
}

impl AttrPath {
    /// A plain attribute such as `userName`; `name.givenName` is split into attribute and
    /// sub-attribute.
    pub fn new(path: &str) -> AttrPath {
        match path.split_once('.') {
            Some((attr, sub)) => AttrPath {
                urn: None,
                attr: attr.to_owned(),
                sub_attr: Some(sub.to_owned()),
            },
            None => AttrPath {
                urn: None,
                attr: path.to_owned(),
                sub_attr: None,
            },
        }
    }

    /// A path as written outside a filter: `userName`, `name.givenName`, or an extension's
    /// `urn:…:Schema:attr` / `urn:…:Schema:attr.sub` (the URN is all before the last `:`).
    pub fn from_path(path: &str) -> AttrPath {
        match path
            .strip_prefix("urn:")
            .and_then(|_| path.rsplit_once(':'))
            .filter(|(_, attr)| !attr.is_empty())
        {
            Some((urn, attr)) => AttrPath {
                urn: Some(urn.to_owned()),
                ..AttrPath::new(attr)
            },
            None => AttrPath::new(path),
        }
    }

    /// The path without its URN, as `attr` or `attr.subAttr`.
    pub fn short_name(&self) -> String {
        match &self.sub_attr {
            Some(sub) => format!("{}.{}", self.attr, sub),
            None => self.attr.clone(),
        }
    }
}

impl Filter {
    /// `path eq "value"`, the one filter every SCIM server supports.
    pub fn eq(path: &str, value: impl Into<String>) -> Filter {
        Filter::compare(path, CompareOp::Eq, value)
    }

    /// `path op "value"` with a string literal.
    pub fn compare(path: &str, op: CompareOp, value: impl Into<String>) -> Filter {
        Filter::Compare {
            path: AttrPath::new(path),
            op,
            value: CompValue::Str(value.into()),
        }
    }

    /// `path pr`.
    pub fn present(path: &str) -> Filter {
        Filter::Present(AttrPath::new(path))
    }

    /// `self and other`.
    pub fn and(self, other: Filter) -> Filter {
        Filter::And(Box::new(self), Box::new(other))
    }

    /// `self or other`.
    pub fn or(self, other: Filter) -> Filter {
        Filter::Or(Box::new(self), Box::new(other))
    }

    /// `not (self)`.
    pub fn negate(self) -> Filter {
        Filter::Not(Box::new(self))
    }

    /// Every comparison and presence test in the expression, left to right.
    pub fn leaves(&self) -> Vec<&Filter> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(f) = stack.pop() {
            match f {
                Filter::Compare { .. } | Filter::Present(_) => out.push(f),
                Filter::And(a, b) | Filter::Or(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Filter::Not(inner) => stack.push(inner),
                Filter::ValuePath { filter, .. } => stack.push(filter),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_filters_round_trip_through_their_serde_form() {
        for text in [
            r#"userName eq "ana@example.com""#,
            r#"emails[type eq "work" and value co "@x"] or not (active eq true)"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt 12.5"#,
            r#"title pr and meta.lastModified lt null"#,
        ] {
            let filter = parse(text).unwrap();
            let json = serde_json::to_string(&filter).unwrap();
            assert_eq!(serde_json::from_str::<Filter>(&json).unwrap(), filter);
        }
        // `Null` is a unit variant: by name, or with a null content.
        let value: CompValue = serde_json::from_str(r#"{"Null":null}"#).unwrap();
        assert_eq!(value, CompValue::Null);
    }

    #[test]
    fn malformed_serde_forms_are_refused_where_they_are_wrong() {
        let refused = |text: &str| {
            let e = crate::json::from_str::<Filter>(text).unwrap_err();
            (e.path, e.reason)
        };
        let (_, reason) = refused(r#""Bogus""#);
        assert!(reason.contains("unknown variant `Bogus`"), "{reason}");
        let (at, reason) = refused(r#"{"Not":{"Present":{"urn":null}}}"#);
        assert_eq!(at, "Not.Present");
        assert!(reason.contains("missing field `attr`"), "{reason}");
        let (at, reason) = refused(r#"{"And":[{"Present":{"attr":"a"}}]}"#);
        assert_eq!(at, "And");
        assert!(reason.contains("invalid length 1"), "{reason}");
        let (at, reason) =
            refused(r#"{"Compare":{"path":{"attr":"a"},"op":"eq","value":{"Bool":"x"}}}"#);
        assert_eq!(at, "Compare.value.Bool");
        assert!(reason.contains("expected a boolean"), "{reason}");
        let (at, reason) = refused(r#"{"Compare":{"path":{"attr":"a"},"op":"is","value":"Null"}}"#);
        assert_eq!(at, "Compare.op");
        assert!(reason.contains("unknown variant `is`"), "{reason}");
        let (at, _) = refused(r#"{"Or":5}"#);
        assert_eq!(at, "Or");
    }
}
