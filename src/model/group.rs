//! The SCIM Group resource (RFC 7643 §4.2).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::names::case_insensitive;
use super::schemas;
use super::serde_util::null_as_empty;
use super::user::Meta;

/// A SCIM Group. Airtable groups are flat (no nested groups) and `members[].value` are user
/// ids.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Group {
    /// Schema URNs the resource claims.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub schemas: Vec<String>,
    /// Server-assigned identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The provisioning client's identifier for the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The group's name; unique at Airtable.
    pub display_name: String,
    /// Members. Some servers omit them from listings or PUT responses, hence the distinction
    /// between `None` (not returned) and an empty list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
    /// Resource metadata (boxed: large, and rarely read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Box<Meta>>,
    /// Every attribute not modelled above, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(Group, extra = extra);

/// A member of a group.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Member {
    /// The member's id (a user id).
    pub value: String,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `User` or `Group`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `$ref` and anything else, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(Member, extra = extra);

impl Group {
    /// A group with the core schema and a display name, no members.
    pub fn new(display_name: impl Into<String>) -> Group {
        Group {
            schemas: vec![schemas::GROUP.to_owned()],
            display_name: display_name.into(),
            ..Group::default()
        }
    }

    /// Member ids, or an empty slice when the server did not return members.
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().flatten().map(|m| m.value.as_str())
    }
}

impl Member {
    /// A member reference by id.
    pub fn new(value: impl Into<String>) -> Member {
        Member {
            value: value.into(),
            ..Member::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_absent_differs_from_empty() {
        let g: Group = serde_json::from_value(json!({"displayName": "A"})).unwrap();
        assert_eq!(g.members, None);
        let g: Group = serde_json::from_value(json!({"displayName": "A", "members": []})).unwrap();
        assert_eq!(g.members, Some(vec![]));
    }

    #[test]
    fn member_refs_round_trip() {
        let input = json!({
            "displayName": "Tour Guides",
            "MEMBERS": [{"value": "2819c223", "$ref": "https://x/Users/2819c223", "display": "Babs"}]
        });
        let g: Group = serde_json::from_value(input).unwrap();
        assert_eq!(g.member_ids().collect::<Vec<_>>(), ["2819c223"]);
        let out = serde_json::to_value(&g).unwrap();
        assert_eq!(out["members"][0]["$ref"], "https://x/Users/2819c223");
    }
}
