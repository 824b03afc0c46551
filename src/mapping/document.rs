//! The mapping document: its types (serde derives; a rule may be written as a plain column
//! name), the checks that locate a wrong document by its JSON path before any row is read,
//! and the built-in mappings.

use std::collections::BTreeMap;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::json::JsonError;

/// A mapping from an export's fields to SCIM attributes (see the module documentation of
/// `mapping` and `docs/MAPPING.md`).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Mapping {
    /// What export this mapping reads (shown, not interpreted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Each SCIM attribute set, by its path (`userName`, `name.givenName`, `active`,
    /// `emails`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`),
    /// and the rule giving its value. `userName` is required.
    pub users: BTreeMap<String, Rule>,
    /// Rules naming the groups each person is in: each gives a text split on its
    /// `separator` (default `;`) into group names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub groups: Vec<Rule>,
}

/// Where one value comes from and how it is shaped, in this order: the source (`from` a
/// field, or a `template` of fields), `trim` (on unless false), `split` and pick, `case`,
/// the value `map`, then the `default` where nothing is left. `when` makes the whole rule
/// conditional. A rule written as a string is `{"from": that string}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Rule {
    /// A CSV column (by its header, case-insensitively) or a JSON field by its dotted path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Text with `{Field}` placeholders, e.g. `"{First Name} {Last Name}"`; empty fields
    /// leave their place empty, and the result is trimmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Trim white space (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trim: Option<bool>,
    /// Split the text and keep one part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
    /// `"lower"` or `"upper"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<Case>,
    /// Source text → value, compared case-insensitively after the steps above. A text not
    /// in the map is a row error unless a `default` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown> | null"))]
    pub map: Option<BTreeMap<String, Value>>,
    /// The value where the source is empty (or, with a `map`, not in it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub default: Option<Value>,
    /// Apply the rule only to records meeting this condition (others leave the attribute
    /// unset, or contribute no groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Group rules only: what separates several group names (default `;`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
}

/// Split on `separator` and keep part `pick` (0 the first, -1 the last).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Split {
    /// What to split on.
    pub separator: String,
    /// Which part to keep (negative: from the end).
    pub pick: i32,
}

/// A case conversion.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Case {
    /// Lower case.
    Lower,
    /// Upper case.
    Upper,
}

/// A condition on another field: exactly one of `in`, `notIn` or `present`. Texts compare
/// case-insensitively after trimming.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Condition {
    /// The field tested.
    pub field: String,
    /// Holds when the field is one of these.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<String>>,
    /// Holds when the field is none of these (an empty field included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_in: Option<Vec<String>>,
    /// Holds when the field is non-empty (`true`) or empty (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
}

/// The fields of a rule written as an object.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RuleFields {
    from: Option<String>,
    template: Option<String>,
    trim: Option<bool>,
    split: Option<Split>,
    case: Option<Case>,
    map: Option<BTreeMap<String, Value>>,
    default: Option<Value>,
    when: Option<Condition>,
    separator: Option<String>,
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rule, D::Error> {
        struct RuleV;
        impl<'de> Visitor<'de> for RuleV {
            type Value = Rule;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name or a rule object")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Rule, E> {
                Ok(Rule::column(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Rule, A::Error> {
                let f = RuleFields::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Rule {
                    from: f.from,
                    template: f.template,
                    trim: f.trim,
                    split: f.split,
                    case: f.case,
                    map: f.map,
                    default: f.default,
                    when: f.when,
                    separator: f.separator,
                })
            }
        }
        deserializer.deserialize_any(RuleV)
    }
}

impl Rule {
    /// The value of a field, as it is.
    pub fn column(field: &str) -> Rule {
        Rule {
            from: Some(field.to_owned()),
            ..Rule::default()
        }
    }
}

/// Core User attributes a mapping may set (`emails`: one work address).
const CORE_TARGETS: [&str; 10] = [
    "userName",
    "externalId",
    "displayName",
    "nickName",
    "title",
    "userType",
    "locale",
    "active",
    "emails",
    "name",
];

/// `name`'s sub-attributes.
const NAME_PARTS: [&str; 5] = [
    "givenName",
    "familyName",
    "middleName",
    "formatted",
    "honorificPrefix",
];

/// The built-in mappings, by name: the JSON of each (their fixtures in
/// `tests/fixtures/mapping/`).
pub const BUILTIN_MAPPINGS: [(&str, &str); 3] = [
    ("workday", include_str!("builtin/workday.json")),
    ("bamboohr", include_str!("builtin/bamboohr.json")),
    (
        "google-workspace",
        include_str!("builtin/google-workspace.json"),
    ),
];

impl Mapping {
    /// Reads and checks a mapping document.
    ///
    /// # Errors
    ///
    /// A [`JsonError`] with the path of what is wrong: malformed JSON, an unknown field, a
    /// target that is no SCIM attribute, a rule with neither source nor default, a
    /// malformed template, a condition that is not exactly one test, no `userName`.
    pub fn from_json(text: &str) -> Result<Mapping, JsonError> {
        let mapping: Mapping = crate::json::from_str(text)?;
        mapping.check()?;
        Ok(mapping)
    }

    /// A built-in mapping by name (see [`BUILTIN_MAPPINGS`]), or `None`.
    pub fn builtin(name: &str) -> Option<Mapping> {
        let (_, text) = BUILTIN_MAPPINGS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        Mapping::from_json(text).ok()
    }

    /// A mapping by built-in name, else read from its JSON text.
    ///
    /// # Errors
    ///
    /// As [`Mapping::from_json`].
    pub fn named_or_json(name_or_text: &str) -> Result<Mapping, JsonError> {
        Mapping::builtin(name_or_text.trim()).map_or_else(|| Mapping::from_json(name_or_text), Ok)
    }

    fn check(&self) -> Result<(), JsonError> {
        let fail = |path: String, reason: &str| JsonError {
            path,
            reason: reason.to_owned(),
        };
        if !self.users.contains_key("userName") {
            return Err(fail("users".into(), "a mapping must set userName"));
        }
        for (target, rule) in &self.users {
            let at = format!("users.{target}");
            if !is_target(target) {
                return Err(fail(
                    at,
                    "not a SCIM attribute a mapping can set: a core attribute (userName, name.givenName, title, active, emails, ...) or an extension's `urn:...:attribute`",
                ));
            }
            if rule.separator.is_some() {
                return Err(fail(
                    format!("{at}.separator"),
                    "`separator` is for group rules",
                ));
            }
            if target == "active" {
                for (text, value) in rule.map.iter().flatten() {
                    if !value.is_boolean() {
                        return Err(fail(
                            format!("{at}.map.{text}"),
                            "active maps to true or false",
                        ));
                    }
                }
            }
            rule.check(&at)?;
        }
        for (i, rule) in self.groups.iter().enumerate() {
            rule.check(&format!("groups[{i}]"))?;
        }
        Ok(())
    }

    /// Every field the mapping reads, with whether a missing one is tolerated (its rule has a
    /// default): what a CSV header must have.
    pub(super) fn fields(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        for rule in self.users.values().chain(&self.groups) {
            let optional = rule.default.is_some();
            out.extend(rule.from.as_deref().map(|f| (f, optional)));
            for field in rule
                .template
                .as_deref()
                .map(placeholders)
                .unwrap_or_default()
            {
                out.push((field, optional));
            }
            out.extend(rule.when.as_ref().map(|c| (c.field.as_str(), optional)));
        }
        out
    }
}

impl Rule {
    fn check(&self, at: &str) -> Result<(), JsonError> {
        let fail = |path: &str, reason: &str| JsonError {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        match (&self.from, &self.template, &self.default) {
            (Some(_), Some(_), _) => {
                return Err(fail(at, "a rule has `from` or `template`, not both"))
            }
            (None, None, None) => {
                return Err(fail(at, "a rule needs `from`, `template` or a `default`"))
            }
            _ => {}
        }
        if let Some(template) = &self.template {
            if !template_is_well_formed(template) {
                return Err(fail(
                    &format!("{at}.template"),
                    "placeholders are `{Field}`: every `{` closed by a `}`, none empty or nested",
                ));
            }
        }
        if let Some(split) = &self.split {
            if split.separator.is_empty() {
                return Err(fail(
                    &format!("{at}.split.separator"),
                    "the separator is empty",
                ));
            }
        }
        if self.separator.as_deref() == Some("") {
            return Err(fail(&format!("{at}.separator"), "the separator is empty"));
        }
        if let Some(c) = &self.when {
            let tests = [c.any_of.is_some(), c.not_in.is_some(), c.present.is_some()];
            if tests.iter().filter(|t| **t).count() != 1 {
                return Err(fail(
                    &format!("{at}.when"),
                    "a condition has exactly one of `in`, `notIn`, `present`",
                ));
            }
        }
        Ok(())
    }
}

fn is_target(target: &str) -> bool {
    let path = crate::filter::AttrPath::from_path(target);
    let named = |part: &str| !part.is_empty() && !part.contains('.');
    match (&path.urn, path.sub_attr.as_deref()) {
        (Some(urn), sub) => urn.len() > "urn:".len() && named(&path.attr) && sub.is_none_or(named),
        (None, Some(part)) => path.attr == "name" && NAME_PARTS.contains(&part),
        (None, None) => path.attr != "name" && CORE_TARGETS.contains(&path.attr.as_str()),
    }
}

/// The `{Field}` names of a template, in order.
pub(super) fn placeholders(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

fn template_is_well_formed(template: &str) -> bool {
    let mut open = false;
    let mut empty = true;
    for c in template.chars() {
        match (c, open) {
            ('{', true) | ('}', false) => return false,
            ('{', false) => (open, empty) = (true, true),
            ('}', true) if empty => return false,
            ('}', true) => open = false,
            (_, true) => empty = false,
            _ => {}
        }
    }
    !open
}
