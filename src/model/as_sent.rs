//! Whether a listing page's text is, attribute for attribute, the page the hot path reads
//! from it: the check behind [`crate::response::page_as_sent`], which lets a host that wants
//! the page as a value of its own language parse the body as it came, instead of the decoded
//! page written out as JSON and parsed again (through npm, one `JSON.parse` and this walk
//! instead of a decode, a serialization and a `JSON.parse`).
//!
//! It accepts a page only where the hot path reads it *and* writing the page read gives the
//! same JSON value, but for one thing: every attribute the model types holds a value of its
//! type (not `null`, which reads as unassigned and is not written back), a page carries
//! `Resources` and no attribute the page type drops, an attribute the model keeps as sent is
//! JSON as serde_json reads it (a lone surrogate escape is not). The one thing: an empty
//! `schemas`, `emails` or `groups`, which the page read leaves out, is accepted and stays in
//! the body as sent (RFC 7643 §2.5 makes it unassigned, the same state). Anything else is
//! `false`, and the caller decodes.
//!
//! What each attribute of each object must hold is one table ([`field`], [`required`],
//! [`keeps`]), read by two walks: `scan`, a hand-written byte scanner and the crate's second
//! measured hot path beside `model::fast` (it reads the text once and builds nothing), and
//! `reference`, a serde visitor over serde_json's parser, plain and nearly twice as
//! slow in WebAssembly. The scan answers; the reference is what it is held to (the property
//! tests of `plan::fast_reference`, the `decode_response` fuzz target). Both are held to the
//! hot path and serialization: a page accepted reads on the hot path and writes back as its
//! own text's value up to those empty lists (`fuzzing::same_state`).

mod scan;

pub(crate) mod reference;

use super::group::{Group, Member};
use super::names::canonical;
use super::schemas;
use super::serde_util::Shape;
use super::user::{EnterpriseUser, Manager, Meta, MultiValue, Name, User};

/// Whether `text` is a listing page of `shape`'s resources (users or groups) that reads back
/// as sent (see the module doc).
pub(crate) fn page(text: &str, shape: Shape) -> bool {
    page_of(shape).is_some_and(|must| scan::page(text, must))
}

/// What a listing page of `shape`'s resources must be; `None` for resources without one.
fn page_of(shape: Shape) -> Option<Must> {
    match shape {
        Shape::User => Some(Must::Object(Obj::Page(&USERS))),
        Shape::Group => Some(Must::Object(Obj::Page(&GROUPS))),
        Shape::Other => None,
    }
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
/// attribute the model does not type. (Bytes, by object first: the check looks up every key
/// it reads, and rustc matches a byte string by its length, then byte by byte, where a
/// `&str` pattern is a string comparison per name.)
fn field(obj: Obj, key: &[u8]) -> Option<Must> {
    const ENTERPRISE_USER: &[u8] = schemas::ENTERPRISE_USER.as_bytes();
    const AIRTABLE_SSO_USER: &[u8] = schemas::AIRTABLE_SSO_USER.as_bytes();
    Some(match obj {
        Obj::Page(resources) => match key {
            b"Resources" => *resources,
            b"totalResults" | b"itemsPerPage" | b"startIndex" => Must::Count,
            b"nextCursor" | b"previousCursor" => Must::Text,
            b"schemas" => TEXTS,
            _ => return None,
        },
        Obj::User => match key {
            b"userName" | b"externalId" | b"id" | b"displayName" | b"title" | b"locale" => {
                Must::Text
            }
            b"schemas" => TEXTS,
            b"name" => Must::Object(Obj::Name),
            b"active" => Must::Bool,
            b"emails" | b"groups" => MULTI_VALUES,
            b"meta" => Must::Object(Obj::Meta),
            ENTERPRISE_USER => Must::Object(Obj::Enterprise),
            AIRTABLE_SSO_USER => Must::Kept,
            _ => return None,
        },
        Obj::Name => match key {
            b"givenName" | b"familyName" | b"formatted" => Must::Text,
            _ => return None,
        },
        Obj::MultiValue => match key {
            b"value" | b"display" | b"type" => Must::Text,
            b"primary" => Must::Bool,
            _ => return None,
        },
        Obj::Meta => match key {
            b"resourceType" | b"created" | b"lastModified" | b"location" | b"version" => Must::Text,
            _ => return None,
        },
        Obj::Enterprise => match key {
            b"department" | b"costCenter" | b"employeeNumber" | b"organization" | b"division" => {
                Must::Text
            }
            b"manager" => Must::Object(Obj::Manager),
            _ => return None,
        },
        Obj::Manager => match key {
            b"value" | b"displayName" => Must::Text,
            _ => return None,
        },
        Obj::Group => match key {
            b"displayName" | b"id" | b"externalId" => Must::Text,
            b"schemas" => TEXTS,
            b"meta" => Must::Object(Obj::Meta),
            // `members: []` is written back: the model tells an empty list from none.
            b"members" => Must::List(&Must::Object(Obj::Member), true),
            _ => return None,
        },
        Obj::Member => match key {
            b"value" | b"display" | b"type" => Must::Text,
            _ => return None,
        },
    })
}

/// The attribute an object must carry (the hot path refuses it without).
fn required(obj: Obj) -> Option<&'static [u8]> {
    match obj {
        Obj::Page(_) => Some(b"Resources"),
        Obj::User => Some(b"userName"),
        Obj::Group => Some(b"displayName"),
        Obj::Member => Some(b"value"),
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
