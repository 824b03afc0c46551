//! The SCIM Error message (RFC 7644 §3.12).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::names::case_insensitive;
use super::serde_util::{json_type, null_as_empty};

/// An error body as a server sent it. RFC 7644 makes `status` a string; Airtable sends a
/// number; both are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default, rename_all = "camelCase")]
pub struct ScimError {
    /// Schema URNs (the Error message URN).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub schemas: Vec<String>,
    /// The HTTP status the server put in the body.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "status_code"
    )]
    pub status: Option<u16>,
    /// The SCIM error keyword, such as `uniqueness` or `invalidFilter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

case_insensitive!(ScimError);

/// An HTTP status written as a number or a string (RFC 7644 says string; Airtable and
/// others send a number).
pub(super) fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    let parsed = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        other => {
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
        assert_eq!(
            serde_json::from_value::<ScimError>(json!({"STATUS": true}))
                .unwrap_err()
                .to_string(),
            "at `status`: invalid type: boolean, expected an HTTP status as a number or string"
        );
        assert_eq!(
            serde_json::from_value::<ScimError>(json!({"status": "600"}))
                .unwrap_err()
                .to_string(),
            "at `status`: expected an HTTP status between 100 and 599"
        );
        let e: ScimError = serde_json::from_value(json!({"schemas": null, "Detail": "x"})).unwrap();
        assert_eq!(e.detail.as_deref(), Some("x"));
    }
}
