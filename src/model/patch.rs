//! The PatchOp message (RFC 7644 §3.5.2): an ordered list of add/replace/remove operations.

use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::names::case_insensitive;
use super::schemas;
use super::serde_util::null_as_empty;

/// A PATCH request body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PatchOp {
    /// Schema URNs (the PatchOp message URN).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub schemas: Vec<String>,
    /// Operations, applied by the server in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

case_insensitive!(PatchOp);

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOpKind,
    /// The attribute path (`active`, `members`, `members[value eq "usr1"]`...). Optional in
    /// RFC 7644 for `add` and `replace`; some servers (Airtable, AWS) require it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value to add or replace with; absent for `remove`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

case_insensitive!(PatchOperation);

/// The kind of a PATCH operation. Decoded case-insensitively (Entra's legacy mode sends
/// `Replace`); encoded in lower case unless a profile asks otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PatchOpKind {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

/// How a server wants operation names spelled.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum OpCase {
    /// `add`, `replace`, `remove` (RFC 7644).
    #[default]
    Lower,
    /// `Add`, `Replace`, `Remove` (older Azure AD / Entra servers).
    Capitalized,
}

impl PatchOpKind {
    /// The operation's name in the given casing.
    pub fn name(self, case: OpCase) -> &'static str {
        match (self, case) {
            (PatchOpKind::Add, OpCase::Lower) => "add",
            (PatchOpKind::Replace, OpCase::Lower) => "replace",
            (PatchOpKind::Remove, OpCase::Lower) => "remove",
            (PatchOpKind::Add, OpCase::Capitalized) => "Add",
            (PatchOpKind::Replace, OpCase::Capitalized) => "Replace",
            (PatchOpKind::Remove, OpCase::Capitalized) => "Remove",
        }
    }
}

impl Serialize for PatchOpKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name(OpCase::Lower))
    }
}

impl<'de> Deserialize<'de> for PatchOpKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
            .into_iter()
            .find(|k| k.name(OpCase::Lower).eq_ignore_ascii_case(&s))
            .ok_or_else(|| {
                D::Error::custom(format_args!(
                    "unknown PATCH op `{s}`, expected add, replace or remove"
                ))
            })
    }
}

impl PatchOperation {
    /// `add` at `path`.
    pub fn add(path: impl Into<String>, value: Value) -> PatchOperation {
        PatchOperation {
            op: PatchOpKind::Add,
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `replace` at `path`.
    pub fn replace(path: impl Into<String>, value: Value) -> PatchOperation {
        PatchOperation {
            op: PatchOpKind::Replace,
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `remove` at `path`.
    pub fn remove(path: impl Into<String>) -> PatchOperation {
        PatchOperation {
            op: PatchOpKind::Remove,
            path: Some(path.into()),
            value: None,
        }
    }
}

impl PatchOp {
    /// A PatchOp message with the given operations.
    pub fn new(operations: Vec<PatchOperation>) -> PatchOp {
        PatchOp {
            schemas: vec![schemas::PATCH_OP.to_owned()],
            operations,
        }
    }

    /// The message as JSON with operation names in the given casing.
    pub fn to_json(&self, case: OpCase) -> Value {
        let ops: Vec<Value> = self
            .operations
            .iter()
            .map(|o| {
                let mut m = serde_json::Map::new();
                m.insert("op".into(), Value::String(o.op.name(case).into()));
                if let Some(p) = &o.path {
                    m.insert("path".into(), Value::String(p.clone()));
                }
                if let Some(v) = &o.value {
                    m.insert("value".into(), v.clone());
                }
                Value::Object(m)
            })
            .collect();
        // Built in place: `json!` would copy the operations (a plan's member lists) again.
        let mut message = serde_json::Map::new();
        message.insert(
            "schemas".into(),
            self.schemas.iter().cloned().map(Value::String).collect(),
        );
        message.insert("Operations".into(), Value::Array(ops));
        Value::Object(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn op_names_decode_in_any_case() {
        let p: PatchOp = serde_json::from_value(json!({
            "schemas": [schemas::PATCH_OP],
            "operations": [{"op": "Replace", "path": "active", "value": false}, {"OP": "REMOVE", "Path": "title"}]
        }))
        .unwrap();
        assert_eq!(p.operations[0].op, PatchOpKind::Replace);
        assert_eq!(p.operations[1], PatchOperation::remove("title"));
    }

    #[test]
    fn casing_follows_the_caller() {
        let p = PatchOp::new(vec![PatchOperation::replace("active", json!(false))]);
        assert_eq!(
            p.to_json(OpCase::Capitalized)["Operations"][0]["op"],
            "Replace"
        );
        assert_eq!(serde_json::to_value(&p).unwrap(), p.to_json(OpCase::Lower));
    }

    fn patch_error(text: &str) -> String {
        serde_json::from_str::<PatchOp>(text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn patch_errors_are_located() {
        assert_eq!(patch_error("{}"), "missing field `Operations`");
        assert_eq!(
            patch_error(r#"{"Operations":[{"op":"add"},{"op":5}]}"#),
            "at `Operations[1].op`: invalid type: integer `5`, expected a string"
        );
        assert_eq!(
            patch_error(r#"{"Operations":[{"path":"x"}]}"#),
            "at `Operations[0]`: missing field `op`"
        );
        assert_eq!(
            patch_error(r#"{"operations":[{"op":"add"}],"OPERATIONS":[]}"#),
            "attribute `Operations` is given twice (as `OPERATIONS` and `operations`); \
             attribute names are case-insensitive"
        );
        // `schemas` null reads as none, as a server may send it.
        let p: PatchOp = serde_json::from_str(r#"{"schemas":null,"Operations":[]}"#).unwrap();
        assert!(p.schemas.is_empty());
    }

    #[test]
    fn unknown_op_is_rejected() {
        let r = serde_json::from_value::<PatchOp>(json!({"Operations": [{"op": "merge"}]}));
        assert!(r.unwrap_err().to_string().contains("merge"));
    }
}
