//! The SCIM Error message (RFC 7644 §3.12).

use serde::{de::Error as _, Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::attr_names;
use super::serde_util::{case_insensitive_serde, json_type, null_as_default};

/// An error body as a server sent it. RFC 7644 makes `status` a string; Airtable sends a
/// number; both are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct ScimError {
    /// Schema URNs (the Error message URN).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub schemas: Vec<String>,
    /// The HTTP status the server put in the body.
    #[serde(
        default,
        deserialize_with = "status_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<u16>,
    /// The SCIM error keyword, such as `uniqueness` or `invalidFilter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

case_insensitive_serde!(ScimError, attr_names::ERROR);

fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let parsed = match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(other) => {
            return Err(D::Error::custom(format_args!(
                "invalid type: {}, expected an HTTP status as a number or string",
                json_type(&other)
            )))
        }
    };
    match parsed.and_then(|n| u16::try_from(n).ok()) {
        Some(code) if (100..=599).contains(&code) => Ok(Some(code)),
        _ => Err(D::Error::custom(
            "expected an HTTP status between 100 and 599",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_as_string_or_number() {
        let a: ScimError =
            serde_json::from_value(json!({"status": "409", "scimType": "uniqueness"})).unwrap();
        let b: ScimError =
            serde_json::from_value(json!({"status": 409, "scimType": "uniqueness"})).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.status, Some(409));
    }

    #[test]
    fn nonsense_status_is_rejected() {
        for bad in [
            json!("abc"),
            json!(99),
            json!(70000),
            json!(true),
            json!(-4),
        ] {
            assert!(serde_json::from_value::<ScimError>(json!({"status": bad})).is_err());
        }
    }
}
