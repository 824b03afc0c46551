//! Group membership edited by a PATCH, as ids rather than JSON.
//!
//! Members are the one attribute that grows large (an "Everyone" group of ten thousand), so
//! the PATCH operations on `members` bypass the JSON copy the other attributes go through.
//! A few adds and removes are kept as a net change whose cost does not depend on the group's
//! size; `replace`, removing all members, or a value filter other than `value eq "id"`
//! switches to editing the whole list. Operation order is honoured either way.

use std::collections::{BTreeMap, BTreeSet};

use scim_provision::filter::{CompValue, CompareOp, Filter};
use scim_provision::model::PatchOpKind;
use serde_json::{Map, Value};

use crate::eval;
use crate::patch::PatchPath;
use crate::respond::Failure;

/// Group membership being edited by one PATCH, as ids. Small edits of a large group (the
/// common case: add or remove a few members) are kept as a net change, so their cost does not
/// grow with the group; a `replace`, a `remove` of all members or a filter other than
/// `value eq` switches to editing the full list.
#[derive(Debug, Clone)]
pub(crate) struct MemberEdit<'a> {
    base: &'a [String],
    /// The full list, once an operation needed it.
    full: Option<Vec<String>>,
    /// Net presence of ids touched since the start (when `full` is `None`).
    net: BTreeMap<String, bool>,
    /// Ids added, in order of first addition (when `full` is `None`).
    order: Vec<String>,
    /// Whether a `remove` with a value filter clears every member
    /// ([`crate::Faults::remove_by_value_clears_group`]).
    filter_clears: bool,
}

/// What a PATCH did to a group's members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MemberChange {
    /// The new list, whole.
    Replace(Vec<String>),
    /// Ids to add (in order; some may already be members) and ids to remove.
    Incremental {
        added: Vec<String>,
        removed: Vec<String>,
    },
}

impl MemberChange {
    /// Ids the PATCH brought in, which must be users unless already members.
    pub(crate) fn introduced(&self) -> &[String] {
        match self {
            MemberChange::Replace(ids) => ids,
            MemberChange::Incremental { added, .. } => added,
        }
    }
}

impl<'a> MemberEdit<'a> {
    pub(crate) fn new(base: &'a [String]) -> MemberEdit<'a> {
        MemberEdit {
            base,
            full: None,
            net: BTreeMap::new(),
            order: Vec::new(),
            filter_clears: false,
        }
    }

    /// This edit with a `remove` by value filter clearing the group (a server's bug).
    pub(crate) fn filter_clears(mut self, clears: bool) -> MemberEdit<'a> {
        self.filter_clears = clears;
        self
    }

    pub(crate) fn finish(self) -> MemberChange {
        match self.full {
            Some(full) => MemberChange::Replace(full),
            None => {
                let added = self
                    .order
                    .iter()
                    .filter(|id| self.net.get(*id) == Some(&true))
                    .cloned()
                    .collect();
                let removed = self
                    .net
                    .into_iter()
                    .filter_map(|(id, present)| (!present).then_some(id))
                    .collect();
                MemberChange::Incremental { added, removed }
            }
        }
    }

    /// Switches to editing the full list.
    fn full(&mut self) -> &mut Vec<String> {
        if self.full.is_none() {
            let base: BTreeSet<&str> = self.base.iter().map(String::as_str).collect();
            let mut list: Vec<String> = self
                .base
                .iter()
                .filter(|m| self.net.get(*m) != Some(&false))
                .cloned()
                .collect();
            list.extend(
                self.order
                    .iter()
                    .filter(|id| self.net.get(*id) == Some(&true) && !base.contains(id.as_str()))
                    .cloned(),
            );
            self.full = Some(list);
        }
        self.full.get_or_insert_with(Vec::new)
    }

    fn add(&mut self, ids: Vec<String>) {
        match &mut self.full {
            Some(full) => full.extend(ids),
            None => {
                for id in ids {
                    let first_touch = self.net.insert(id.clone(), true).is_none();
                    if first_touch || !self.order.contains(&id) {
                        self.order.push(id);
                    }
                }
            }
        }
    }

    fn remove(&mut self, ids: Vec<String>) {
        match &mut self.full {
            Some(full) => {
                let gone: BTreeSet<String> = ids.into_iter().collect();
                full.retain(|m| !gone.contains(m));
            }
            None => {
                for id in ids {
                    self.net.insert(id, false);
                }
            }
        }
    }

    pub(crate) fn apply(
        &mut self,
        kind: PatchOpKind,
        path: &PatchPath,
        value: Option<&Value>,
    ) -> Result<(), Failure> {
        if path.sub.is_some() || (kind != PatchOpKind::Remove && path.filter.is_some()) {
            return Err(Failure::invalid_path(
                "member values can only be added, replaced or removed whole",
            ));
        }
        match (kind, &path.filter, value) {
            (PatchOpKind::Add, _, Some(v)) => self.add(member_values(v)?),
            (PatchOpKind::Replace, _, Some(v)) => self.full = Some(member_values(v)?),
            (PatchOpKind::Remove, None, Some(v)) => self.remove(member_values(v)?),
            (PatchOpKind::Remove, None, None) => self.full = Some(Vec::new()),
            (PatchOpKind::Remove, Some(_), _) if self.filter_clears => self.full = Some(Vec::new()),
            (PatchOpKind::Remove, Some(filter), _) => match member_eq(filter) {
                Some(id) => self.remove(vec![id.to_owned()]),
                None => self.full().retain(|m| {
                    let mut o = Map::new();
                    o.insert("value".into(), Value::String(m.clone()));
                    !eval::matches(filter, &Value::Object(o), Some("members"))
                }),
            },
            _ => return Err(Failure::invalid_value("add and replace need a value")),
        }
        Ok(())
    }
}

/// The id of `value eq "id"`, the filter clients use to remove one member.
fn member_eq(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(id),
        } if path.urn.is_none()
            && path.sub_attr.is_none()
            && path.attr.eq_ignore_ascii_case("value") =>
        {
            Some(id)
        }
        _ => None,
    }
}

/// Member ids from a PATCH value: one `{"value": id}` object or an array of them.
pub(crate) fn member_values(value: &Value) -> Result<Vec<String>, Failure> {
    let one = |v: &Value| -> Result<String, Failure> {
        v.as_object()
            .and_then(|o| eval::get_ci(o, "value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Failure::invalid_value("members must be objects with a string `value`"))
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        single => Ok(vec![one(single)?]),
    }
}
