//! The BulkRequest and BulkResponse messages (RFC 7644 §3.7): many writes in one `POST /Bulk`.
//!
//! The request is what the core writes (`request::bulk`); the response is what a server
//! answers, read leniently where servers differ: an operation's `status` as a string
//! (`"201"`, the RFC), a number, or the object `{"code": "201"}` of the RFC's drafts (still
//! sent by some servers).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::error::status_code;
use super::names::case_insensitive;
use super::serde_util::{null_as_empty, FromValue};

/// A bulk request: writes the server applies in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct BulkRequest {
    /// Schema URNs (the BulkRequest message URN).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub schemas: Vec<String>,
    /// How many failed operations the server accepts before it stops processing the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<u64>,
    /// The operations.
    #[serde(rename = "Operations", default, deserialize_with = "null_as_empty")]
    pub operations: Vec<BulkOperation>,
}

case_insensitive!(BulkRequest);

impl FromValue for BulkRequest {}

/// One operation of a bulk request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct BulkOperation {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// The client's name for the operation, unique in the request; a later operation refers
    /// to what a `POST` creates as `bulkId:<bulkId>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version (an ETag), when the request is conditional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The path relative to the base (`/Users`, `/Groups/{id}`, `/Groups/bulkId:g1`).
    pub path: String,
    /// The body the single request would carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

case_insensitive!(BulkOperation);

/// A bulk response: the outcome of each operation the server processed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct BulkResponse {
    /// Schema URNs (the BulkResponse message URN).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub schemas: Vec<String>,
    /// One result per processed operation; absent or `null` reads as none.
    #[serde(rename = "Operations", default, deserialize_with = "null_as_empty")]
    pub operations: Vec<BulkOperationResult>,
}

case_insensitive!(BulkResponse);

impl FromValue for BulkResponse {}

/// The outcome of one operation, as the server wrote it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct BulkOperationResult {
    /// The operation's method, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The operation's `bulkId`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    /// The resource's version after the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The URL of the resource acted on (absent for a failed `POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The HTTP status the operation would have had as a single request.
    #[serde(deserialize_with = "operation_status")]
    pub status: u16,
    /// The body: a SCIM Error for a failure; a resource where the server includes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// Anything else, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(BulkOperationResult, extra = extra);

/// `status` as `"201"`, `201` or `{"code": "201"}`.
fn operation_status<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let value = match Value::deserialize(d)? {
        Value::Object(mut o) => {
            let code = o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("code"))
                .map(|(k, _)| k.clone());
            code.and_then(|k| o.remove(&k)).unwrap_or(Value::Null)
        }
        other => other,
    };
    status_code(value)
        .map_err(|e| D::Error::custom(e.to_string()))?
        .ok_or_else(|| D::Error::custom("expected an HTTP status, got null"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_rfc_example_reads_and_names_are_case_insensitive() {
        let r: BulkResponse = serde_json::from_value(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
            "Operations": [
                {"location": "https://example.com/v2/Users/92b7", "method": "POST",
                 "bulkId": "qwerty", "version": "W/\"oY4m4wn58tkVjJxK\"", "status": "201"},
                {"LOCATION": "https://example.com/v2/Users/b7c1", "Method": "PUT",
                 "STATUS": 412, "response": {"status": "412", "detail": "no match"}},
                {"bulkid": "x", "status": {"code": "400"}, "response": {"scimType": "invalidSyntax"}}
            ]
        }))
        .unwrap();
        let statuses: Vec<u16> = r.operations.iter().map(|o| o.status).collect();
        assert_eq!(statuses, [201, 412, 400]);
        assert_eq!(r.operations[0].bulk_id.as_deref(), Some("qwerty"));
        assert_eq!(r.operations[2].bulk_id.as_deref(), Some("x"));
        assert_eq!(r.operations[1].method.as_deref(), Some("PUT"));
        let lower: BulkResponse = serde_json::from_value(json!({"operations": null})).unwrap();
        assert!(lower.operations.is_empty());
    }

    #[test]
    fn a_bad_status_is_located() {
        for (status, reason) in [
            (json!(null), "expected an HTTP status, got null"),
            (json!("abc"), "expected an HTTP status between 100 and 599"),
            (json!({"code": true}), "invalid type: boolean"),
        ] {
            let e =
                serde_json::from_value::<BulkResponse>(json!({"Operations": [{"status": status}]}))
                    .unwrap_err()
                    .to_string();
            assert!(
                e.starts_with("at `Operations[0].status`: ") && e.contains(reason),
                "{e}"
            );
        }
        let missing = serde_json::from_value::<BulkResponse>(json!({"Operations": [{}]}))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("status"), "{missing}");
    }

    #[test]
    fn a_request_writes_as_the_rfc_shows_it() {
        let req = BulkRequest {
            schemas: vec!["urn:ietf:params:scim:api:messages:2.0:BulkRequest".into()],
            fail_on_errors: Some(3),
            operations: vec![BulkOperation {
                method: "POST".into(),
                bulk_id: Some("u0".into()),
                path: "/Users".into(),
                data: Some(json!({"userName": "a"})),
                ..BulkOperation::default()
            }],
        };
        let text = serde_json::to_string(&req).unwrap();
        assert_eq!(
            text,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":3,"Operations":[{"method":"POST","bulkId":"u0","path":"/Users","data":{"userName":"a"}}]}"#
        );
        let back: BulkRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, req);
    }
}
