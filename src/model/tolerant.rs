//! The tolerant reader: what a server sends, made readable by the model's strict decoders
//! where that loses nothing, before they run.
//!
//! Real servers send scalars of the wrong JSON type (SAP Concur a numeric `meta.version`,
//! Kaiten numeric `members[].value`, others a numeric `id` or a `totalResults` of `"2"`).
//! Refusing the whole page over one such value would leave the listing incomplete, so the
//! response decoder (`response::decode`) first runs the parsed body through this pass,
//! which rewrites such values in place and records each change as a [`Coercion`]:
//!
//! - an integer where the model wants a string, for identifiers and references (`id`,
//!   `externalId`, `groups[].value` and `.display`, `members[].value` and `.display`, the
//!   enterprise `manager.value`) and for `meta`'s attributes, becomes its decimal text;
//! - a string of ASCII digits where a count is wanted (`totalResults`, `startIndex`,
//!   `itemsPerPage`) becomes the integer;
//! - `meta` (read-only, RFC 7643 §3.1, and unused by the core) or one of its attributes of
//!   a type that cannot be read losslessly (an object for `meta.location`, a fraction) is
//!   dropped rather than refused.
//!
//! Everything else is left for the strict decoders to accept or refuse with its path: a
//! body that is not JSON, a `Resources` that is not a list, a negative, fractional or
//! non-numeric count, a `userName` or group `displayName` that is not a string, an `active`
//! that is neither a boolean nor `"true"`/`"false"`, a fractional id, and a number for a
//! managed text attribute (a name, a title, an email). The model's own `Deserialize` and
//! [`FromValue`](super::FromValue) stay strict: tolerance is for server answers only, not
//! for the directory the user writes.
//!
//! Attribute names match ignoring ASCII case, as the decoders match them (RFC 7643 §2.1);
//! paths name them canonically and write every array index as `[]`
//! (`Resources[].meta.version`), so one odd attribute repeated on every resource of every
//! page is one [`Coercion`]. Coercions come in the order met, attributes in the (sorted)
//! order of the parsed object.

use std::fmt;

use serde_json::{Map, Number, Value};

use super::names::canonical;
use super::schemas;
use super::serde_util::Shape;
use super::user::Meta;

/// What the tolerant reader changed in an answer so the model could read it, at which
/// attribute path (array indices written `[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Coercion {
    /// An integer read as its decimal text (`"id": 42` as `"42"`).
    NumberToString {
        /// The attribute, such as `Resources[].meta.version`.
        path: String,
    },
    /// A count written as a string of digits read as the integer (`"totalResults": "2"`).
    StringToInteger {
        /// The attribute, such as `totalResults`.
        path: String,
    },
    /// An attribute the core does not use, of a type it cannot read without loss, left out.
    Dropped {
        /// The attribute, such as `Resources[].meta.location`.
        path: String,
        /// The JSON type found (`an object`).
        found: &'static str,
        /// The JSON type the model reads (`a string`).
        expected: &'static str,
    },
}

impl Coercion {
    /// The attribute path.
    pub fn path(&self) -> &str {
        match self {
            Coercion::NumberToString { path }
            | Coercion::StringToInteger { path }
            | Coercion::Dropped { path, .. } => path,
        }
    }
}

impl fmt::Display for Coercion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coercion::NumberToString { path } => {
                write!(f, "coerced {path} from a number to a string")
            }
            Coercion::StringToInteger { path } => {
                write!(f, "coerced {path} from a string to an integer")
            }
            Coercion::Dropped {
                path,
                found,
                expected,
            } => write!(
                f,
                "dropped {path}: {found} where {expected} was expected (the core does not use it)"
            ),
        }
    }
}

/// The coercions of one answer, each once.
pub(crate) type Notes = Vec<Coercion>;

fn note(notes: &mut Notes, c: Coercion) {
    if !notes.contains(&c) {
        notes.push(c);
    }
}

/// The canonical attribute names of the path walked so far (`groups[]` for arrays).
struct Path(Vec<&'static str>);

impl Path {
    fn at(&self, leaf: &str) -> String {
        let mut out = String::new();
        for seg in self.0.iter().copied().chain([leaf]) {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }
}

/// Makes a listing page readable: its counts, then each resource under `Resources[]`.
pub(crate) fn page(value: &mut Value, shape: Shape, notes: &mut Notes) {
    let Value::Object(map) = value else { return };
    let mut path = Path(Vec::new());
    for (key, v) in map.iter_mut() {
        if let Some(name) = named(key, &["totalResults", "startIndex", "itemsPerPage"]) {
            count(v, &path, name, notes);
        } else if key.eq_ignore_ascii_case("Resources") {
            if let Value::Array(items) = v {
                path.0.push("Resources[]");
                for item in items {
                    object(item, shape, &mut path, notes);
                }
                path.0.pop();
            }
        }
    }
}

/// Makes one resource readable.
pub(crate) fn resource(value: &mut Value, shape: Shape, notes: &mut Notes) {
    object(value, shape, &mut Path(Vec::new()), notes);
}

fn object(value: &mut Value, shape: Shape, path: &mut Path, notes: &mut Notes) {
    let Value::Object(map) = value else { return };
    // The multi-valued attribute whose entries reference other resources by id.
    let (references, array) = match shape {
        Shape::User => ("groups", "groups[]"),
        Shape::Group => ("members", "members[]"),
        Shape::Other => return,
    };
    for (key, v) in map.iter_mut() {
        // Most values are strings, booleans or null: nothing to look at.
        match v {
            Value::Number(_) => {
                if let Some(name) = named(key, IDS) {
                    text(v, path, name, notes);
                }
            }
            Value::Array(items) if key.eq_ignore_ascii_case(references) => {
                each(items, path, array, REFERENCE, notes);
            }
            Value::Object(ext)
                if shape == Shape::User && key.eq_ignore_ascii_case(schemas::ENTERPRISE_USER) =>
            {
                path.0.push(schemas::ENTERPRISE_USER);
                let manager = ext
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case("manager"));
                if let Some((_, Value::Object(m))) = manager {
                    path.0.push("manager");
                    texts(m, path, &["value"], notes);
                    path.0.pop();
                }
                path.0.pop();
            }
            _ => {}
        }
    }
    meta(map, path, notes);
}

const IDS: &[&str] = &["id", "externalId"];
const REFERENCE: &[&str] = &["value", "display"];

/// The objects of an array attribute: their `names` read as text.
fn each(
    items: &mut [Value],
    path: &mut Path,
    array: &'static str,
    names: &[&'static str],
    notes: &mut Notes,
) {
    path.0.push(array);
    for item in items {
        if let Value::Object(m) = item {
            texts(m, path, names, notes);
        }
    }
    path.0.pop();
}

/// The attributes `names` of one object, read as text where they are integers.
fn texts(map: &mut Map<String, Value>, path: &Path, names: &[&'static str], notes: &mut Notes) {
    for (key, v) in map.iter_mut() {
        if v.is_number() {
            if let Some(name) = named(key, names) {
                text(v, path, name, notes);
            }
        }
    }
}

/// `meta`: integers as text; whatever else is not a string is dropped, and so is a `meta`
/// that is not an object.
fn meta(map: &mut Map<String, Value>, path: &mut Path, notes: &mut Notes) {
    let Some(key) = map.keys().find(|k| k.eq_ignore_ascii_case("meta")).cloned() else {
        return;
    };
    let meta = match map.get_mut(&key) {
        Some(Value::Object(meta)) => meta,
        Some(Value::Null) | None => return,
        Some(other) => {
            dropped(notes, path.at("meta"), other, "an object");
            map.remove(&key);
            return;
        }
    };
    path.0.push("meta");
    let mut removed = Vec::new();
    for (key, v) in meta.iter_mut() {
        let Some(name) = canonical::<Meta>(key) else {
            continue;
        };
        match v {
            Value::String(_) | Value::Null => {}
            Value::Number(n) if integer(n).is_some() => text(v, path, name, notes),
            other => {
                dropped(notes, path.at(name), other, "a string");
                removed.push(key.clone());
            }
        }
    }
    for key in removed {
        meta.remove(&key);
    }
    path.0.pop();
}

/// An integer as its decimal text; anything else is left to the decoder.
fn text(v: &mut Value, path: &Path, name: &str, notes: &mut Notes) {
    if let Some(digits) = v.as_number().and_then(integer) {
        *v = Value::String(digits);
        note(
            notes,
            Coercion::NumberToString {
                path: path.at(name),
            },
        );
    }
}

/// A count given as a string of ASCII digits that fits 64 bits, as that integer; anything
/// else (`"12x"`, `"-1"`, `""`) is left for the decoder to refuse.
fn count(v: &mut Value, path: &Path, name: &str, notes: &mut Notes) {
    let Value::String(s) = v else { return };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if let Ok(n) = s.parse::<u64>() {
        *v = Value::Number(n.into());
        note(
            notes,
            Coercion::StringToInteger {
                path: path.at(name),
            },
        );
    }
}

/// The decimal text of an integer, or `None` for a fraction (`1.5` has no lossless text
/// that an id compares by).
fn integer(n: &Number) -> Option<String> {
    (n.is_u64() || n.is_i64()).then(|| n.to_string())
}

/// Notes that the value `found` at `path` was dropped where `expected` was read.
fn dropped(notes: &mut Notes, path: String, found: &Value, expected: &'static str) {
    let found = json_type(found);
    note(
        notes,
        Coercion::Dropped {
            path,
            found,
            expected,
        },
    );
}

/// The canonical name among `names` that `key` spells, ignoring ASCII case.
fn named(key: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| n.eq_ignore_ascii_case(key))
}

/// A JSON value's kind, for a message (`a number`).
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run_page(mut v: Value, shape: Shape) -> (Value, Vec<String>) {
        let mut notes = Notes::new();
        page(&mut v, shape, &mut notes);
        (v, notes.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn integers_become_text_once_per_path() {
        let (v, notes) = run_page(
            json!({"totalResults": "2", "Resources": [
                {"id": 1, "userName": "a", "Meta": {"Version": 3}},
                {"id": 2, "userName": "b", "meta": {"version": 4, "created": 1700000000000u64}}
            ]}),
            Shape::User,
        );
        assert_eq!(v["totalResults"], 2);
        assert_eq!(v["Resources"][1]["id"], "2");
        assert_eq!(v["Resources"][0]["Meta"]["Version"], "3");
        assert_eq!(v["Resources"][1]["meta"]["created"], "1700000000000");
        assert_eq!(
            notes,
            [
                "coerced Resources[].id from a number to a string",
                "coerced Resources[].meta.version from a number to a string",
                "coerced Resources[].meta.created from a number to a string",
                "coerced totalResults from a string to an integer",
            ]
        );
    }

    #[test]
    fn unusable_meta_is_dropped_and_the_rest_left_to_the_decoder() {
        let (v, notes) = run_page(
            json!({"totalResults": "12x", "Resources": [
                {"id": 1.5, "userName": 7, "title": 3, "meta": {"location": {"href": "x"}, "version": "W/1"}},
                {"displayName": "g", "meta": "broken"}
            ]}),
            Shape::User,
        );
        assert_eq!(v["totalResults"], "12x");
        assert_eq!(v["Resources"][0]["id"], 1.5);
        assert_eq!(v["Resources"][0]["userName"], 7);
        assert_eq!(v["Resources"][0]["title"], 3);
        assert_eq!(v["Resources"][0]["meta"], json!({"version": "W/1"}));
        assert!(v["Resources"][1].get("meta").is_none());
        assert_eq!(
            notes,
            [
                "dropped Resources[].meta.location: an object where a string was expected (the core does not use it)",
                "dropped Resources[].meta: a string where an object was expected (the core does not use it)",
            ]
        );
    }

    #[test]
    fn group_members_and_user_references() {
        let mut g = json!({"id": 9, "displayName": "G", "members": [{"value": 1, "display": 2, "type": "User"}]});
        let mut notes = Notes::new();
        resource(&mut g, Shape::Group, &mut notes);
        assert_eq!(
            g["members"][0],
            json!({"value": "1", "display": "2", "type": "User"})
        );
        let mut u = json!({"userName": "a", "groups": [{"value": 5}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": 6}}});
        resource(&mut u, Shape::User, &mut notes);
        assert_eq!(u["groups"][0]["value"], "5");
        let paths: Vec<&str> = notes.iter().map(Coercion::path).collect();
        assert_eq!(
            paths,
            [
                "id",
                "members[].display",
                "members[].value",
                "groups[].value",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value",
            ]
        );
    }
}
