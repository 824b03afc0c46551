//! Case-insensitive attribute names (RFC 7643 §2.1: "Attribute names are case insensitive").
//!
//! Decoding runs every JSON object through [`canonicalize`] before typed deserialization: a
//! key that matches a known attribute ignoring ASCII case is renamed to the canonical
//! spelling, so `USERNAME`, `username` and `userName` all land in `User::user_name`, and
//! `resources` lands in `ListResponse::resources`. Unknown keys are left exactly as sent, so
//! they round-trip. Two keys naming the same attribute (`userName` and `USERNAME`) are
//! ambiguous and reported instead of one silently winning.

use serde_json::{Map, Value};

use super::schemas;

/// The known attributes of one object level, and the object levels below them.
pub(crate) struct AttrTable {
    /// Canonical names at this level.
    pub names: &'static [&'static str],
    /// Complex attributes (single objects or arrays of objects) and their own tables.
    pub children: &'static [(&'static str, &'static AttrTable)],
}

/// Two keys of one object that name the same attribute: the canonical name and both
/// spellings as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateAttribute {
    pub name: String,
    pub spellings: [String; 2],
}

pub(crate) const NAME: AttrTable = AttrTable {
    names: &[
        "formatted",
        "familyName",
        "givenName",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    ],
    children: &[],
};

pub(crate) const MULTI_VALUE: AttrTable = AttrTable {
    names: &["value", "display", "type", "primary", "$ref"],
    children: &[],
};

pub(crate) const META: AttrTable = AttrTable {
    names: &[
        "resourceType",
        "created",
        "lastModified",
        "location",
        "version",
    ],
    children: &[],
};

pub(crate) const MANAGER: AttrTable = AttrTable {
    names: &["value", "$ref", "displayName"],
    children: &[],
};

pub(crate) const ENTERPRISE_USER: AttrTable = AttrTable {
    names: &[
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    ],
    children: &[("manager", &MANAGER)],
};

pub(crate) const USER: AttrTable = AttrTable {
    names: &[
        "schemas",
        "id",
        "externalId",
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "password",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
        "entitlements",
        "roles",
        "x509Certificates",
        "meta",
        schemas::ENTERPRISE_USER,
        schemas::AIRTABLE_SSO_USER,
    ],
    children: &[
        ("name", &NAME),
        ("emails", &MULTI_VALUE),
        ("groups", &MULTI_VALUE),
        ("meta", &META),
        (schemas::ENTERPRISE_USER, &ENTERPRISE_USER),
    ],
};

pub(crate) const GROUP: AttrTable = AttrTable {
    names: &[
        "schemas",
        "id",
        "externalId",
        "displayName",
        "members",
        "meta",
    ],
    children: &[("members", &MULTI_VALUE), ("meta", &META)],
};

pub(crate) const LIST_RESPONSE: AttrTable = AttrTable {
    names: &[
        "schemas",
        "totalResults",
        "itemsPerPage",
        "startIndex",
        "Resources",
    ],
    children: &[],
};

pub(crate) const ERROR: AttrTable = AttrTable {
    names: &["schemas", "status", "scimType", "detail"],
    children: &[],
};

pub(crate) const PATCH_OP: AttrTable = AttrTable {
    names: &["schemas", "Operations"],
    children: &[("Operations", &PATCH_OPERATION)],
};

const PATCH_OPERATION: AttrTable = AttrTable {
    names: &["op", "path", "value"],
    children: &[],
};

const SUPPORTED: AttrTable = AttrTable {
    names: &["supported", "maxOperations", "maxPayloadSize", "maxResults"],
    children: &[],
};

const AUTH_SCHEME: AttrTable = AttrTable {
    names: &[
        "type",
        "name",
        "description",
        "specUri",
        "documentationUri",
        "primary",
    ],
    children: &[],
};

pub(crate) const SERVICE_PROVIDER_CONFIG: AttrTable = AttrTable {
    names: &[
        "schemas",
        "documentationUri",
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "authenticationSchemes",
        "meta",
    ],
    children: &[
        ("patch", &SUPPORTED),
        ("bulk", &SUPPORTED),
        ("filter", &SUPPORTED),
        ("changePassword", &SUPPORTED),
        ("sort", &SUPPORTED),
        ("etag", &SUPPORTED),
        ("authenticationSchemes", &AUTH_SCHEME),
        ("meta", &META),
    ],
};

/// Renames keys of `map` (and of known complex attributes below it) to their canonical
/// spelling. Returns the first ambiguous pair found, leaving the map partly renamed.
pub(crate) fn canonicalize(
    map: &mut Map<String, Value>,
    table: &AttrTable,
) -> Result<(), DuplicateAttribute> {
    // Most servers already use canonical names: only rebuild the map when a key needs it.
    let needs_rename = map
        .keys()
        .any(|k| canonical_name(k, table).is_some_and(|c| c != k));
    if needs_rename {
        let old = std::mem::take(map);
        // Canonical name -> spelling it was sent as, to name both in an error.
        let mut sent_as: Vec<(&'static str, String)> = Vec::new();
        for (sent, value) in old {
            let key = match canonical_name(&sent, table) {
                Some(canonical) => {
                    if let Some((_, earlier)) = sent_as.iter().find(|(c, _)| *c == canonical) {
                        let mut spellings = [earlier.clone(), sent];
                        if spellings[1] < spellings[0] {
                            spellings.swap(0, 1);
                        }
                        return Err(DuplicateAttribute {
                            name: canonical.to_owned(),
                            spellings,
                        });
                    }
                    sent_as.push((canonical, sent));
                    canonical.to_owned()
                }
                None => sent,
            };
            map.insert(key, value);
        }
    }
    for (name, child) in table.children {
        match map.get_mut(*name) {
            Some(Value::Object(inner)) => canonicalize(inner, child)?,
            Some(Value::Array(items)) => {
                for item in items {
                    if let Value::Object(inner) = item {
                        canonicalize(inner, child)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The canonical spelling of `key` in `table`, if it names a known attribute.
pub(crate) fn canonical_name(key: &str, table: &AttrTable) -> Option<&'static str> {
    table
        .names
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn renames_known_keys_at_every_level() {
        let mut m = obj(json!({
            "USERNAME": "ana",
            "Name": {"GIVENNAME": "Ana"},
            "emails": [{"VALUE": "a@x"}],
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Manager": {"Value": "m"}},
            "customThing": 1
        }));
        canonicalize(&mut m, &USER).unwrap();
        assert_eq!(
            Value::Object(m),
            json!({
                "userName": "ana",
                "name": {"givenName": "Ana"},
                "emails": [{"value": "a@x"}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
                "customThing": 1
            })
        );
    }

    #[test]
    fn two_spellings_of_one_attribute_are_ambiguous() {
        let mut m = obj(json!({"userName": "a", "USERNAME": "b"}));
        let err = canonicalize(&mut m, &USER).unwrap_err();
        assert_eq!(err.name, "userName");
        assert_eq!(
            err.spellings,
            ["USERNAME".to_owned(), "userName".to_owned()]
        );
    }

    #[test]
    fn unknown_keys_keep_their_spelling() {
        let mut m = obj(json!({"zeta": 1, "Alpha": 2, "USERname": "x"}));
        canonicalize(&mut m, &USER).unwrap();
        let mut keys: Vec<_> = m.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["Alpha", "userName", "zeta"]);
    }
}
