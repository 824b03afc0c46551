//! The ServiceProviderConfig resource (RFC 7643 §5): what a server says it supports, used to
//! refine the generic profile.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::names::case_insensitive;
use super::serde_util::{lenient_bool, null_as_empty, FromValue};

/// A server's self-description. Missing sections read as "not supported".
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default, rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// Schema URNs.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub schemas: Vec<String>,
    /// PATCH support.
    pub patch: SupportedConfig,
    /// Bulk support.
    pub bulk: BulkConfig,
    /// Filtering support and the maximum number of results a query returns.
    pub filter: FilterConfig,
    /// RFC 9865's `pagination` section: which paging styles the server supports (left out
    /// when the server said nothing of it).
    #[serde(skip_serializing_if = "PaginationConfig::is_unsaid")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub pagination: PaginationConfig,
    /// Password change support.
    pub change_password: SupportedConfig,
    /// Sorting support.
    pub sort: SupportedConfig,
    /// ETag support.
    pub etag: SupportedConfig,
    /// Authentication schemes, as sent.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub authentication_schemes: Vec<Value>,
    /// Everything else (`documentationUri`, `meta`...), as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(ServiceProviderConfig, extra = extra);

impl FromValue for ServiceProviderConfig {}

/// A `{"supported": bool}` section.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupportedConfig {
    /// Whether the feature is supported.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub supported: Option<bool>,
}

case_insensitive!(SupportedConfig);

/// The `bulk` section.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether Bulk is supported.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub supported: Option<bool>,
    /// Maximum operations per Bulk request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_operations: Option<u64>,
    /// Maximum Bulk payload in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload_size: Option<u64>,
}

case_insensitive!(BulkConfig);

/// The `filter` section.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub supported: Option<bool>,
    /// The most resources one response returns (a page-size cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u64>,
}

case_insensitive!(FilterConfig);

/// The `pagination` section (RFC 9865, "Service Provider Configuration"): absent fields say nothing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct PaginationConfig {
    /// Whether cursor-based pagination (`cursor`, `nextCursor`) is supported.
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub cursor: Option<bool>,
    /// Whether index-based pagination (`startIndex`) is supported.
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub index: Option<bool>,
    /// What the server uses when a request names neither: `"cursor"` or `"index"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_pagination_method: Option<String>,
    /// The page size when a request gives no `count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_page_size: Option<u64>,
    /// The largest page the server returns (a page-size cap, as `filter.maxResults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_page_size: Option<u64>,
    /// Seconds a cursor stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_timeout: Option<u64>,
}

case_insensitive!(PaginationConfig);

impl PaginationConfig {
    /// Whether the server said nothing of pagination (the section absent or empty).
    pub fn is_unsaid(&self) -> bool {
        *self == PaginationConfig::default()
    }
}

impl SupportedConfig {
    /// `supported`, with absence read as false.
    pub fn is_supported(&self) -> bool {
        self.supported.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spc_error(text: &str) -> String {
        serde_json::from_str::<ServiceProviderConfig>(text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn sections_are_objects_and_errors_are_located() {
        let c: ServiceProviderConfig = serde_json::from_str(
            r#"{"BULK":{"supported":true,"maxOperations":1000},"schemas":null}"#,
        )
        .unwrap();
        assert_eq!(c.bulk.supported, Some(true));
        assert_eq!(c.bulk.max_operations, Some(1000));
        assert_eq!(
            spc_error(r#"{"bulk":{"maxOperations":-1}}"#),
            "at `bulk.maxOperations`: invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            spc_error(r#"{"etag":null}"#),
            "at `etag`: invalid type: null, expected struct SupportedConfig"
        );
        assert_eq!(
            spc_error(r#"{"patch":{"supported":"sometimes"}}"#),
            "at `patch.supported`: invalid type: string, expected a boolean"
        );
    }
    use serde_json::json;

    #[test]
    fn missing_sections_read_as_unsupported() {
        let c: ServiceProviderConfig =
            serde_json::from_value(json!({"Patch": {"Supported": true}})).unwrap();
        assert!(c.patch.is_supported());
        assert!(!c.etag.is_supported());
        assert_eq!(c.filter.max_results, None);
        assert_eq!(c.pagination, PaginationConfig::default());
    }

    #[test]
    fn reads_the_rfc_9865_pagination_section() {
        let c: ServiceProviderConfig = serde_json::from_value(json!({"pagination": {
            "cursor": true, "index": false, "defaultPaginationMethod": "cursor",
            "defaultPageSize": 100, "maxPageSize": 250, "cursorTimeout": 3600
        }}))
        .unwrap();
        assert_eq!(
            c.pagination,
            PaginationConfig {
                cursor: Some(true),
                index: Some(false),
                default_pagination_method: Some("cursor".into()),
                default_page_size: Some(100),
                max_page_size: Some(250),
                cursor_timeout: Some(3600),
            }
        );
        assert_eq!(
            spc_error(r#"{"pagination":{"maxPageSize":"many"}}"#),
            "at `pagination.maxPageSize`: invalid type: string \"many\", expected u64"
        );
    }
}
