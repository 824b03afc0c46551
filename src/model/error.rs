//! The SCIM Error message (RFC 7644 §3.12).

use serde::Serialize;

use super::attr_names;
use super::decode;
use super::serde_util::case_insensitive_deserialize;

/// An error body as a server sent it. RFC 7644 makes `status` a string; Airtable sends a
/// number; both are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    /// Schema URNs (the Error message URN).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// The HTTP status the server put in the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The SCIM error keyword, such as `uniqueness` or `invalidFilter`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

case_insensitive_deserialize!(ScimError, attr_names::ERROR, decode::scim_error);

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
