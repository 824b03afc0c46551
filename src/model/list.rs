//! The ListResponse message (RFC 7644 §3.4.2): one page of a listing.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::names::{self, Attributes};
use super::serde_util::{null_as_empty, FromValue};

/// One page of users or groups.
///
/// `totalResults`, when present, must be a non-negative JSON integer: the listing's safety
/// checks depend on it, so anything else is a decoding error. It may be absent (or `null`):
/// RFC 9865 lets a cursor-paged server leave it out (Entra ID does); an index listing without
/// it is incomplete (`engine::listing`). `nextCursor` and `previousCursor` are RFC 9865's
/// cursors; the last page of a cursor listing has no `nextCursor`. `itemsPerPage` and
/// `startIndex` may be missing, and `Resources` may be spelled `resources` or be absent when the page is empty. A server's
/// answer goes through the tolerant reader first (`response::decode`), which reads a count
/// written as digits (`"2"`) as the integer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
// ts-rs does not read a `serde` attribute with `bound(...)` in it: the renaming once more.
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    bound(deserialize = "T: Deserialize<'de>", serialize = "T: Serialize")
)]
pub struct ListResponse<T> {
    /// Schema URNs (the ListResponse message URN).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub schemas: Vec<String>,
    /// Total number of results matching the query, across all pages (optional in RFC 9865's
    /// cursor pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
    /// Number of resources on this page, as the server reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_page: Option<u64>,
    /// 1-based index of the first resource on this page, as the server reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// The cursor of the page after this one (RFC 9865); absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The cursor of the page before this one (RFC 9865), as the server sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
    /// The resources on this page.
    #[serde(rename = "Resources", default, deserialize_with = "null_as_empty")]
    pub resources: Vec<T>,
}

// `case_insensitive!` for a generic type.
impl<'de, T: DeserializeOwned> Deserialize<'de> for ListResponse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        names::deserialize(d)
    }
}

impl<T: Serialize> Serialize for ListResponse<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ListResponse::serialize(self, s)
    }
}

impl<T: DeserializeOwned> Attributes for ListResponse<T> {
    fn derived<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ListResponse::deserialize(d)
    }
}

impl<T: FromValue> FromValue for ListResponse<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::User;
    use serde_json::json;

    #[test]
    fn accepts_lower_case_resources_and_missing_paging_fields() {
        let page: ListResponse<User> = serde_json::from_value(json!({
            "totalResults": 1,
            "resources": [{"userName": "a"}]
        }))
        .unwrap();
        assert_eq!(page.resources.len(), 1);
        assert_eq!(page.items_per_page, None);
    }

    #[test]
    fn rejects_negative_or_fractional_totals() {
        for bad in [json!(-1), json!(1.5), json!("3"), json!(true)] {
            let r = serde_json::from_value::<ListResponse<User>>(json!({"totalResults": bad}));
            let err = r.unwrap_err().to_string();
            assert!(err.contains("totalResults"), "{err}");
        }
    }

    #[test]
    fn reads_rfc_9865_cursors_and_an_absent_total() {
        let page: ListResponse<User> = serde_json::from_value(json!({
            "NEXTCURSOR": "VZUTiyhEQJ94IR",
            "previousCursor": "ze7L30kMiiLX6x",
            "totalResults": null,
            "Resources": [{"userName": "a"}]
        }))
        .unwrap();
        assert_eq!(page.next_cursor.as_deref(), Some("VZUTiyhEQJ94IR"));
        assert_eq!(page.previous_cursor.as_deref(), Some("ze7L30kMiiLX6x"));
        assert_eq!(page.total_results, None);
        let err = serde_json::from_value::<ListResponse<User>>(json!({"nextCursor": 7}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("nextCursor"), "{err}");
    }

    #[test]
    fn errors_inside_resources_carry_their_index() {
        let err = serde_json::from_value::<ListResponse<User>>(json!({
            "totalResults": 2,
            "Resources": [{"userName": "a"}, {"userName": "b", "active": []}]
        }))
        .unwrap_err()
        .to_string();
        assert!(err.contains("Resources[1]"), "{err}");
        assert!(err.contains("active"), "{err}");
    }
}
