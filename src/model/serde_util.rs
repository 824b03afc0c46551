//! Serde helpers shared by the model: reading a type from a parsed value, lenient booleans,
//! lists that may be `null`.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::names::{self, Attributes};

/// A resource a server answers with (or a page of them), decoded straight from a parsed
/// JSON value by the same rules as its `Deserialize`. Callers holding a `Value` (a response
/// body, a listing page) use it because `Deserialize` from a `Value` first collects the
/// object again as a new one. Sealed: only this crate's model types implement it.
pub trait FromValue: DeserializeOwned + Attributes {
    /// What the tolerant reader looks at in a server's answer of the type (see
    /// `model::tolerant`).
    const SHAPE: Shape = Shape::Other;

    /// Decodes `value`, or says where and why it does not fit, as `Deserialize` would.
    ///
    /// # Errors
    ///
    /// serde's error, ``at `path`: reason`` when the fault is inside the value.
    fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        names::from_value(value)
    }

    /// One resource of a listing page read on the hot path (`model::fast`), straight from
    /// the text; an error leaves the whole page to the exact path (`from_value`, after the
    /// tolerant reader). Only users and groups have a hot path; this default has none.
    #[doc(hidden)]
    fn fast<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let _ = d;
        Err(D::Error::custom("not on the fast path"))
    }
}

/// Which resource an answer holds, which decides the attributes the tolerant reader
/// (`model::tolerant`) looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A User.
    User,
    /// A Group.
    Group,
    /// Anything else (ServiceProviderConfig): left as sent.
    Other,
}

/// A boolean that also accepts `"true"` and `"false"` in any case (Microsoft Entra's legacy
/// SCIM mode sends `"True"` and `"False"`), for `deserialize_with`; `null` is unassigned.
pub(crate) fn lenient_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(D::Error::custom(format_args!(
            "invalid type: {}, expected a boolean",
            json_type(&other)
        ))),
    }
}

/// A list that may be `null` (read as empty), for derives.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// The JSON type name of a value, for error messages.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::FromValue;
    use crate::model::{Group, ListResponse, ServiceProviderConfig, User};

    /// `from_value` and `Deserialize` agree on the value or on the message.
    fn agree<T: FromValue + PartialEq + std::fmt::Debug>(value: serde_json::Value) {
        let direct = T::from_value(value.clone()).map_err(|e| e.to_string());
        let serde = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
        assert_eq!(direct, serde);
    }

    #[test]
    fn from_value_agrees_with_deserialize() {
        let user = json!({"USERNAME": "ana", "active": "True", "emails": [{"value": "a@x"}]});
        for v in [
            user.clone(),
            json!({"userName": 5}),
            json!({"userName": "a", "username": "b"}),
            json!("a string"),
            json!([user.clone()]),
            json!(null),
        ] {
            agree::<User>(v);
        }
        agree::<Group>(json!({"displayName": "G", "members": [{"value": "u1"}]}));
        agree::<Group>(json!({"displayName": "G", "members": [{"value": 1}]}));
        agree::<ServiceProviderConfig>(json!({"patch": {"supported": true}}));
        for v in [
            json!({"totalResults": 1, "Resources": [user]}),
            json!({"totalResults": 2, "resources": [{"userName": "a"}, 7]}),
            json!({"Resources": []}),
            json!(3),
        ] {
            agree::<ListResponse<User>>(v);
        }
    }
}
