//! The ListResponse message (RFC 7644 §3.4.2): one page of a listing.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::attr_names;
use super::serde_util::{canonical_object, canonical_value, sealed::Sealed, FromValue};
use crate::decoding::{list, opt_u64, required, string, u64_value, Bad, Res};

/// One page of users or groups.
///
/// `totalResults` must be a non-negative JSON integer: the listing's safety checks depend on
/// it, so anything else is a decoding error. `itemsPerPage` and `startIndex` may be missing,
/// and `Resources` may be spelled `resources` or be absent when the page is empty. A server's
/// answer goes through the tolerant reader first (`response::decode`), which reads a count
/// written as digits (`"2"`) as the integer.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Schema URNs (the ListResponse message URN).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub schemas: Vec<String>,
    /// Total number of results matching the query, across all pages.
    pub total_results: u64,
    /// Number of resources on this page, as the server reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_per_page: Option<u64>,
    /// 1-based index of the first resource on this page, as the server reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// The resources on this page.
    #[serde(rename = "Resources")]
    pub resources: Vec<T>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ListResponse<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = canonical_object(d, &attr_names::LIST_RESPONSE)?;
        decode_list(map, |r| T::deserialize(r).map_err(Bad::new)).map_err(Bad::into_error)
    }
}

impl<T: FromValue> Sealed for ListResponse<T> {}

impl<T: FromValue> FromValue for ListResponse<T> {
    fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        canonical_value(value, &attr_names::LIST_RESPONSE)
            .and_then(|map| decode_list(map, |r| T::from_value(r).map_err(Bad::new)))
            .map_err(Bad::into_error)
    }
}

/// Decodes a canonicalized ListResponse; each resource decodes with its own type's rules,
/// and its errors are located under `Resources[i]`.
fn decode_list<T>(
    map: Map<String, Value>,
    resource: impl Fn(Value) -> Res<T>,
) -> Res<ListResponse<T>> {
    let mut page = ListResponse {
        schemas: Vec::new(),
        total_results: 0,
        items_per_page: None,
        start_index: None,
        resources: Vec::new(),
    };
    let mut total = None;
    for (key, v) in map {
        let r = match key.as_str() {
            "schemas" => list(v, string).map(|x| page.schemas = x),
            "totalResults" => u64_value(v).map(|x| total = Some(x)),
            "itemsPerPage" => opt_u64(v).map(|x| page.items_per_page = x),
            "startIndex" => opt_u64(v).map(|x| page.start_index = x),
            "Resources" => list(v, &resource).map(|x| page.resources = x),
            _ => Ok(()),
        };
        r.map_err(|e| e.key(&key))?;
    }
    page.total_results = required(total, "totalResults")?;
    Ok(page)
}

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
        for bad in [json!(-1), json!(1.5), json!("3"), json!(null)] {
            let r = serde_json::from_value::<ListResponse<User>>(json!({"totalResults": bad}));
            let err = r.unwrap_err().to_string();
            assert!(err.contains("totalResults"), "{err}");
        }
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
