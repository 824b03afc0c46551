//! How targets and events read from JSON: a value parsed once (`serde_json::Value`, which
//! every host input already uses), then read field by field, the user by the model's own
//! `FromValue`. Not a derive over a path-tracking deserializer: that would add a second
//! copy of the User derive to the npm `.wasm`, whose size is budgeted. Every error names the
//! JSON path of the field at fault (`user.active`, `group.displayName`).

use serde_json::{Map, Value};

use super::{Operation, Target, TargetGroup};
use crate::json::JsonError;
use crate::model::tolerant::json_type as kind;
use crate::model::{FromValue, User};

/// A field at fault: its JSON path and why.
pub(super) type Fault = (String, String);

/// The fields of an object.
pub(super) struct Fields(Map<String, Value>);

impl Fields {
    /// `value` as an object's fields.
    pub(super) fn of(value: Value) -> Result<Fields, Fault> {
        match value {
            Value::Object(map) => Ok(Fields(map)),
            other => Err((
                ".".into(),
                format!("expected an object, not {}", kind(&other)),
            )),
        }
    }

    /// The text of `key`, `None` when absent or null.
    pub(super) fn text(&mut self, key: &str) -> Result<Option<String>, Fault> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err((
                key.into(),
                format!("expected a string, not {}", kind(&other)),
            )),
        }
    }

    /// The text of `key`, which must be there.
    pub(super) fn required(&mut self, key: &str) -> Result<String, Fault> {
        self.text(key)?
            .ok_or_else(|| (key.into(), format!("missing field `{key}`")))
    }

    /// The texts of the array `key` (none when absent).
    pub(super) fn texts(&mut self, key: &str) -> Result<Vec<String>, Fault> {
        let items = match self.0.remove(key) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err((
                    key.into(),
                    format!("expected an array, not {}", kind(&other)),
                ))
            }
        };
        let mut texts = Vec::with_capacity(items.len());
        for (i, v) in items.into_iter().enumerate() {
            match v {
                Value::String(s) => texts.push(s),
                other => {
                    return Err((
                        format!("{key}[{i}]"),
                        format!("expected a string, not {}", kind(&other)),
                    ))
                }
            }
        }
        Ok(texts)
    }

    /// The value of `key`, which must be there.
    pub(super) fn value(&mut self, key: &str) -> Result<Value, Fault> {
        self.0
            .remove(key)
            .ok_or_else(|| (key.to_owned(), format!("missing field `{key}`")))
    }

    /// The user under `key`, read as the model reads a user.
    pub(super) fn user(&mut self, key: &str) -> Result<User, Fault> {
        let value = self.value(key)?;
        User::from_value(value).map_err(|e| {
            let message = e.to_string();
            let (path, reason) = crate::located::join_located(key, &message);
            (path.unwrap_or_else(|| key.to_owned()), reason.to_owned())
        })
    }

    /// The object under `key`, `None` when absent or null.
    pub(super) fn object(&mut self, key: &str) -> Result<Option<Fields>, Fault> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Fields::of(v)
                .map(Some)
                .map_err(|(_, why)| (key.to_owned(), why)),
        }
    }
}

impl Operation {
    /// The operation named `name` (`provision`...).
    pub fn from_name(name: &str) -> Option<Operation> {
        const ALL: [Operation; 7] = [
            Operation::Provision,
            Operation::Update,
            Operation::Deactivate,
            Operation::Reactivate,
            Operation::Delete,
            Operation::Grant,
            Operation::Revoke,
        ];
        ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// One target from its JSON value.
fn target(value: Value) -> Result<Target, Fault> {
    let mut f = Fields::of(value)?;
    let op = f.required("op")?;
    let op = Operation::from_name(&op).ok_or_else(|| {
        let reason = format!(
            "unknown variant `{op}`, expected one of `provision`, `update`, `deactivate`, \
             `reactivate`, `delete`, `grant`, `revoke`"
        );
        ("op".to_owned(), reason)
    })?;
    let user = f.user("user")?;
    let group = match f.object("group")? {
        Some(mut g) => {
            let within = |(path, why): Fault| (format!("group.{path}"), why);
            Some(TargetGroup {
                display_name: g.text("displayName").map_err(within)?.unwrap_or_default(),
                id: g.text("id").map_err(within)?,
                external_id: g.text("externalId").map_err(within)?,
            })
        }
        None => None,
    };
    let event = f.text("event")?;
    Ok(Target {
        op,
        user,
        group,
        event,
    })
}

/// Reads targets from JSON text: an array of `{"op", "user", "group", "event"}` objects.
///
/// # Errors
///
/// A [`JsonError`] at the path of the value at fault (`[1].user.userName`).
pub fn read_targets(text: &str) -> Result<Vec<Target>, JsonError> {
    let bad = |path: String, reason: String| JsonError { path, reason };
    let value: Value = serde_json::from_str(text).map_err(|e| bad(".".into(), e.to_string()))?;
    let Value::Array(items) = value else {
        return Err(bad(".".into(), "expected an array of targets".into()));
    };
    let mut targets = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        match target(v) {
            Ok(t) => targets.push(t),
            Err((path, reason)) => {
                let path = if path == "." {
                    format!("[{i}]")
                } else {
                    format!("[{i}].{path}")
                };
                return Err(bad(path, reason));
            }
        }
    }
    Ok(targets)
}
