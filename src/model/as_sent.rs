//! Whether a listing page's text is, attribute for attribute, the page the hot path reads
//! from it: the check behind [`crate::response::page_as_sent`], which lets a host that wants
//! the page as a value of its own language parse the body as it came, instead of the decoded
//! page written out as JSON and parsed again (through npm, one `JSON.parse` and this walk
//! instead of a decode, a serialization and a `JSON.parse`).
//!
//! A second hand-written walk beside `model::fast`, kept for speed: it reads the text once
//! and builds nothing (no string is copied, no attribute kept). It is one visitor driven by
//! a table of what each attribute of each object must hold ([`field`]), so serde_json's
//! parser is compiled for it once. It accepts a page only where the hot path reads it *and*
//! writing the page read gives the same JSON value, but for one thing: every attribute the
//! model types holds a value of its type (not `null`, which reads as unassigned and is not
//! written back), a page carries `Resources` and no attribute the page type drops, an
//! attribute the model keeps as sent is JSON as serde_json reads it (a lone surrogate
//! escape is not). The one thing: an empty `schemas`, `emails` or `groups`, which the page
//! read leaves out, is accepted and stays in the body as sent (RFC 7643 §2.5 makes it
//! unassigned, the same state). Anything else is `false`, and the caller decodes. Its
//! reference is the hot path and serialization: the property tests of `plan::fast_reference`
//! and the `decode_response` fuzz target check that a page it accepts reads on the hot path
//! and writes back as its own text's value up to those empty lists (`fuzzing::same_state`).

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

use super::fast::{bail, next_key, Any};
use super::group::{Group, Member};
use super::names::canonical;
use super::schemas;
use super::serde_util::Shape;
use super::user::{EnterpriseUser, Manager, Meta, MultiValue, Name, User};

/// Whether `text` is a listing page of `shape`'s resources (users or groups) that reads back
/// as sent (see the module doc).
pub(crate) fn page(text: &str, shape: Shape) -> bool {
    let resources = match shape {
        Shape::User => Obj::Page(&USERS),
        Shape::Group => Obj::Page(&GROUPS),
        Shape::Other => return false,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Check(Must::Object(resources))).is_ok() && de.end().is_ok()
}

/// The objects of a page.
#[derive(Clone, Copy)]
enum Obj {
    /// A ListResponse, with what its `Resources` must hold.
    Page(&'static Must),
    User,
    Name,
    MultiValue,
    Meta,
    Enterprise,
    Manager,
    Group,
    Member,
}

/// What a value must be for the page to read back as sent.
#[derive(Clone, Copy)]
enum Must {
    /// A string.
    Text,
    /// A boolean.
    Bool,
    /// A non-negative integer.
    Count,
    /// An object of the model, checked attribute by attribute.
    Object(Obj),
    /// An object kept whole as sent (the Airtable SSO extension).
    Kept,
    /// A list of what the first says; empty only when the second says so (an empty list
    /// the model writes back).
    List(&'static Must, bool),
    /// Any JSON value (an attribute kept as sent).
    Any,
}

// An empty `schemas`, `emails` or `groups` is left out of the page read, and sent as is the
// same state: RFC 7643 §2.5 makes an empty multi-valued attribute unassigned.
const TEXTS: Must = Must::List(&Must::Text, true);
const MULTI_VALUES: Must = Must::List(&Must::Object(Obj::MultiValue), true);
const USERS: Must = Must::List(&Must::Object(Obj::User), true);
const GROUPS: Must = Must::List(&Must::Object(Obj::Group), true);

/// What attribute `key` of `obj`, spelled as the model writes it, must hold; `None` for an
/// attribute the model does not type.
fn field(obj: Obj, key: &str) -> Option<Must> {
    Some(match (obj, key) {
        (Obj::Page(resources), "Resources") => *resources,
        (Obj::Page(_), "totalResults" | "itemsPerPage" | "startIndex") => Must::Count,
        (Obj::Page(_), "nextCursor" | "previousCursor") => Must::Text,
        (Obj::Page(_) | Obj::User | Obj::Group, "schemas") => TEXTS,
        (Obj::User, "userName" | "externalId" | "id" | "displayName" | "title" | "locale") => {
            Must::Text
        }
        (Obj::User, "name") => Must::Object(Obj::Name),
        (Obj::User, "active") | (Obj::MultiValue, "primary") => Must::Bool,
        (Obj::User, "emails" | "groups") => MULTI_VALUES,
        (Obj::User | Obj::Group, "meta") => Must::Object(Obj::Meta),
        (Obj::User, schemas::ENTERPRISE_USER) => Must::Object(Obj::Enterprise),
        (Obj::User, schemas::AIRTABLE_SSO_USER) => Must::Kept,
        (Obj::Name, "givenName" | "familyName" | "formatted")
        | (Obj::MultiValue, "value" | "display" | "type")
        | (Obj::Meta, "resourceType" | "created" | "lastModified" | "location" | "version")
        | (
            Obj::Enterprise,
            "department" | "costCenter" | "employeeNumber" | "organization" | "division",
        )
        | (Obj::Manager, "value" | "displayName")
        | (Obj::Group, "displayName" | "id" | "externalId")
        | (Obj::Member, "value" | "display" | "type") => Must::Text,
        (Obj::Enterprise, "manager") => Must::Object(Obj::Manager),
        // `members: []` is written back: the model tells an empty list from none.
        (Obj::Group, "members") => Must::List(&Must::Object(Obj::Member), true),
        _ => return None,
    })
}

/// The attribute an object must carry (the hot path refuses it without).
fn required(obj: Obj) -> Option<&'static str> {
    match obj {
        Obj::Page(_) => Some("Resources"),
        Obj::User => Some("userName"),
        Obj::Group => Some("displayName"),
        Obj::Member => Some("value"),
        _ => None,
    }
}

/// Whether an attribute `obj` does not type keeps as sent: not for a page (which drops
/// them), nor for another spelling of one it types (which the hot path leaves to the exact
/// path).
fn keeps(obj: Obj, key: &str) -> bool {
    let named = match obj {
        Obj::Page(_) => return false,
        Obj::User => canonical::<User>(key),
        Obj::Name => canonical::<Name>(key),
        Obj::MultiValue => canonical::<MultiValue>(key),
        Obj::Meta => canonical::<Meta>(key),
        Obj::Enterprise => canonical::<EnterpriseUser>(key),
        Obj::Manager => canonical::<Manager>(key),
        Obj::Group => canonical::<Group>(key),
        Obj::Member => canonical::<Member>(key),
    };
    named.is_none()
}

/// Checks a value against what it must be.
#[derive(Clone, Copy)]
struct Check(Must);

impl Check {
    fn is<E: serde::de::Error>(self, ok: bool) -> Result<(), E> {
        if ok || matches!(self.0, Must::Any) {
            Ok(())
        } else {
            Err(bail())
        }
    }
}

impl<'de> Visitor<'de> for Check {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page as sent")
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, _: &'de str) -> Result<(), E> {
        self.is(matches!(self.0, Must::Text))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.is(matches!(self.0, Must::Text))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.is(matches!(self.0, Must::Bool))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.is(matches!(self.0, Must::Count))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.is(false)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.is(false)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.is(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (item, may_be_empty) = match self.0 {
            Must::List(item, empty) => (*item, empty),
            Must::Any => (Must::Any, true),
            _ => return Err(bail()),
        };
        let mut any = may_be_empty;
        while seq.next_element_seed(Any(Check(item)))?.is_some() {
            any = true;
        }
        self.is(any)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let obj = match self.0 {
            Must::Object(obj) => obj,
            Must::Kept | Must::Any => {
                while map.next_key_seed(Any(Check(Must::Text)))?.is_some() {
                    map.next_value_seed(Any(Check(Must::Any)))?;
                }
                return Ok(());
            }
            _ => return Err(bail()),
        };
        let need = required(obj);
        let mut found = need.is_none();
        while let Some(key) = next_key(&mut map)? {
            found |= need == Some(&*key);
            let must = match field(obj, &key) {
                Some(must) => must,
                None if keeps(obj, &key) => Must::Any,
                None => return Err(bail()),
            };
            map.next_value_seed(Any(Check(must)))?;
        }
        self.is(found)
    }
}
