//! The SCIM User resource (RFC 7643 §4.1) with the Enterprise User extension (§4.3) and
//! Airtable's SSO extension.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::names::case_insensitive;
use super::schemas;
use super::serde_util::{lenient_bool, null_as_empty};

/// A SCIM User. Attributes this type does not name (phone numbers, addresses, custom
/// extensions...) are kept in [`User::extra`] and written back unchanged.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct User {
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
    /// The provisioning client's identifier for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Unique login name; an email address at Airtable. Compared case-insensitively.
    pub user_name: String,
    /// Name components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Locale such as `en-US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Whether the account is active (provisioned) or deactivated.
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub active: Option<bool>,
    /// Email addresses.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub emails: Vec<MultiValue>,
    /// Groups the user belongs to (read-only; maintained by the server).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub groups: Vec<MultiValue>,
    /// Resource metadata (boxed: large, and rarely read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Box<Meta>>,
    /// The Enterprise User extension.
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Airtable's SSO routing extension. Its attributes are not documented field by field,
    /// so they are kept as sent.
    #[serde(
        rename = "urn:airtable:params:scim:schemas:extension:sso:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub airtable_sso: Option<Box<Map<String, Value>>>,
    /// Every attribute not modelled above, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(User, extra = extra);

/// The components of a user's name.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Name {
    /// The full name, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Family (last) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given (first) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Other name components (`middleName`, `honorificPrefix`...), as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(Name, extra = extra);

/// One value of a multi-valued attribute such as `emails` or `groups`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct MultiValue {
    /// The value: an address for emails, an id for group references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// A label such as `work`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the primary value.
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub primary: Option<bool>,
    /// Other sub-attributes (`$ref`...), as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(MultiValue, extra = extra);

/// Resource metadata (RFC 7643 §3.1).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Meta {
    /// `User`, `Group`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Creation time, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Entity tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Anything else, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(Meta, extra = extra);

/// The Enterprise User extension (RFC 7643 §4.3): the attributes Airtable stores for
/// reporting and returns in its admin-panel CSV.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct EnterpriseUser {
    /// Employee number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// Cost center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// Organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The user's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
    /// Anything else, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(EnterpriseUser, extra = extra);

/// A user's manager in the Enterprise User extension.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "camelCase")]
pub struct Manager {
    /// The manager's id (Airtable shows it as "Manager ID").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The manager's display name (Airtable's "Manager name").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `$ref` and anything else, as sent.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

case_insensitive!(Manager, extra = extra);

impl User {
    /// A user with the core schema and a user name, everything else unset.
    pub fn new(user_name: impl Into<String>) -> User {
        User {
            schemas: vec![schemas::USER.to_owned()],
            user_name: user_name.into(),
            ..User::default()
        }
    }

    /// Whether the user is active; SCIM treats an unassigned `active` as active.
    pub fn is_active(&self) -> bool {
        self.active.unwrap_or(true)
    }

    /// Given name, if any.
    pub fn given_name(&self) -> Option<&str> {
        self.name.as_ref()?.given_name.as_deref()
    }

    /// Family name, if any.
    pub fn family_name(&self) -> Option<&str> {
        self.name.as_ref()?.family_name.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_attribute_names_case_insensitively() {
        let u: User = serde_json::from_value(json!({
            "USERNAME": "ana@example.com",
            "Name": {"GivenName": "Ana"},
            "ACTIVE": false,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"COSTCENTER": "42"}
        }))
        .unwrap();
        assert_eq!(u.user_name, "ana@example.com");
        assert_eq!(u.given_name(), Some("Ana"));
        assert_eq!(u.active, Some(false));
        assert_eq!(u.enterprise.unwrap().cost_center.as_deref(), Some("42"));
    }

    #[test]
    fn unknown_attributes_round_trip() {
        let input = json!({
            "userName": "a",
            "nickName": "Babs",
            "phoneNumbers": [{"value": "555", "type": "work"}],
            "urn:example:custom:1.0:User": {"badge": 7},
            "emails": [{"value": "a@x", "$ref": "x"}]
        });
        let u: User = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(serde_json::to_value(&u).unwrap(), input);
    }

    #[test]
    fn entra_string_booleans_are_accepted() {
        let u: User = serde_json::from_value(json!({"userName": "a", "active": "False"})).unwrap();
        assert_eq!(u.active, Some(false));
    }

    #[test]
    fn wrong_types_name_the_attribute() {
        let err = serde_json::from_value::<User>(json!({"userName": "a", "active": "maybe"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("active"), "{err}");
        let err = serde_json::from_value::<User>(json!({"userName": 5}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("userName"), "{err}");
        let err =
            serde_json::from_value::<User>(json!({"userName": "a", "emails": [{"value": 1}]}))
                .unwrap_err()
                .to_string();
        assert!(err.contains("emails[0].value"), "{err}");
    }

    #[test]
    fn missing_user_name_is_an_error() {
        let err = serde_json::from_value::<User>(json!({"id": "x"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("userName"), "{err}");
    }

    #[test]
    fn nulls_read_as_unassigned() {
        let u: User =
            serde_json::from_value(json!({"userName": "a", "title": null, "emails": null}))
                .unwrap();
        assert_eq!(u.title, None);
        assert!(u.emails.is_empty());
    }
}
