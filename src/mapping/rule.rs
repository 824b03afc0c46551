//! One rule evaluated on one record: the steps in the order `Rule` documents them, a text
//! outside a value map or a non-boolean `active` being a row error that names its field.

pub(super) use super::FieldProblem as Problem;

use serde_json::Value;

use super::document::{Case, Condition, Rule};
use super::source::Record;
use crate::plan::desired::parse_bool;
use crate::quoted::q;

impl Rule {
    /// The value this rule gives `target` for `record` (`None`: leave it unset).
    pub(super) fn eval(&self, record: &Record<'_>, target: &str) -> Result<Option<Value>, Problem> {
        if !self.when.as_ref().is_none_or(|c| c.holds(record)) {
            return Ok(None);
        }
        let text = self.text(record);
        let mapped = match (&self.map, text) {
            (Some(map), Some(text)) => {
                let found = map.iter().find(|(k, _)| k.trim().to_lowercase() == text.to_lowercase());
                match (found, &self.default) {
                    (Some((_, value)), _) => Some(value.clone()),
                    (None, Some(default)) => Some(default.clone()),
                    (None, None) => {
                        let known: Vec<&str> = map.keys().map(String::as_str).collect();
                        return Err(self.problem(format!(
                            "{text} is not one of the mapped values ({})",
                            known.join(", "), text = q(&text))));
                    }
                }
            }
            (None, Some(text)) if target == "active" => Some(Value::Bool(parse_bool(&text).ok_or_else(|| {
                self.problem(format!("{text} is not true/false, yes/no or 1/0 (a value map can say what it means)", text = q(&text)))
            })?)),
            (None, Some(text)) => Some(Value::String(text)),
            (_, None) => self.default.clone(),
        };
        Ok(mapped.filter(|v| !v.is_null()))
    }

    /// The group names this (group) rule gives `record`.
    pub(super) fn names(&self, record: &Record<'_>) -> Result<Vec<String>, Problem> {
        let text = match self.eval(record, "groups")? {
            None => return Ok(Vec::new()),
            Some(Value::String(text)) => text,
            Some(other) => return Err(self.problem(format!("gives {other}, not group names"))),
        };
        let separator = self.separator.as_deref().unwrap_or(";");
        let mut names: Vec<String> = Vec::new();
        for name in text
            .split(separator)
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        Ok(names)
    }

    /// A problem with this rule's value: about its field, or (a template, a default) about
    /// the rule, which the reason then names.
    pub(super) fn problem(&self, reason: String) -> Problem {
        match (&self.from, &self.template) {
            (Some(field), _) => (Some(field.clone()), reason),
            (None, Some(template)) => (
                None,
                format!("the template {template}: {reason}", template = q(template)),
            ),
            (None, None) => (None, format!("the default: {reason}")),
        }
    }

    /// The source text after trim, split and case; `None` when nothing is left.
    fn text(&self, record: &Record<'_>) -> Option<String> {
        let mut text = match (&self.from, &self.template) {
            (Some(field), _) => record.get(field)?,
            (None, Some(template)) => fill(template, record),
            (None, None) => return None,
        };
        if self.trim != Some(false) {
            text = text.trim().to_owned();
        }
        if let Some(split) = &self.split {
            let parts: Vec<&str> = text.split(split.separator.as_str()).collect();
            let index = if split.pick < 0 {
                parts.len().checked_sub(split.pick.unsigned_abs() as usize)
            } else {
                Some(split.pick as usize)
            };
            let part = index.and_then(|i| parts.get(i)).copied().unwrap_or("");
            text = if self.trim == Some(false) {
                part.to_owned()
            } else {
                part.trim().to_owned()
            };
        }
        match self.case {
            Some(Case::Lower) => text = text.to_lowercase(),
            Some(Case::Upper) => text = text.to_uppercase(),
            None => {}
        }
        (!text.is_empty()).then_some(text)
    }
}

/// A template with each `{Field}` replaced by the field's trimmed text (empty when absent),
/// runs of white space then collapsed to one space. The template is scanned once, so a value
/// that itself reads `{Other}` stays as written.
fn fill(template: &str, record: &Record<'_>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let Some((field, tail)) = after.split_once('}') else {
            out.push('{');
            rest = after;
            break;
        };
        out.push_str(record.get(field).unwrap_or_default().trim());
        rest = tail;
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Condition {
    fn holds(&self, record: &Record<'_>) -> bool {
        let value = record
            .get(&self.field)
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty());
        let listed = |list: &[String]| {
            value
                .as_deref()
                .is_some_and(|v| list.iter().any(|item| item.trim().to_lowercase() == v))
        };
        match (&self.any_of, &self.not_in, self.present) {
            (Some(list), _, _) => listed(list),
            (_, Some(list), _) => !listed(list),
            (_, _, Some(present)) => value.is_some() == present,
            _ => true,
        }
    }
}
