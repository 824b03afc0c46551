//! [`DesiredState::from_json`]: the fast path (`desired::fast_desired`) first, then the exact
//! path here, which decodes anything the fast path left and locates what it refuses by JSON
//! path (`users[3].active`, `groups[0].members[2]`).
//!
//! It reads the text once, making the calls serde's derives for `DesiredState` make and in
//! the same order, so serde_json reports the same errors at the same line and column. The
//! path is followed by hand rather than by a tracking deserializer, whose wrappers would be
//! instantiated for every type read (tens of kilobytes of WebAssembly): each level passes
//! its [`Chain`] link down, and the innermost level an error passes through records where
//! it happened ([`Track`]). The paths read as hosts have always seen them: a key that
//! cannot be read is `?`, an error between a key and its value (a missing `:`) belongs to
//! the object, an error between elements (a missing `,`) to the array.
//!
//! The seeds and visitors are generic over serde's traits but meant for one deserializer,
//! `serde_json::Deserializer<StrRead>`, so their code exists once.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use super::desired::{
    fast_desired, DesiredGroup, DesiredState, DesiredStateError, MAX_INPUT_BYTES,
};
use crate::model::{join_located, user_object, User};

impl DesiredState {
    /// Parses the JSON format.
    ///
    /// # Errors
    ///
    /// [`DesiredStateError::Json`] with the path of what is wrong: malformed JSON, the wrong
    /// shape, or input over 512 MiB.
    pub fn from_json(input: &str) -> Result<DesiredState, DesiredStateError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(DesiredStateError::Json {
                path: ".".into(),
                reason: format!("input of {} bytes exceeds {MAX_INPUT_BYTES}", input.len()),
            });
        }
        if let Some(state) = fast_desired(input) {
            return Ok(state);
        }
        // The exact path: anything the fast path left (another spelling of an attribute, a
        // string boolean, a wrong type, bad JSON) is accepted or located here.
        desired_state(input)
    }
}

/// The exact path alone, the reference of the fast path's property test.
#[cfg(test)]
pub(super) fn exact_desired_state(input: &str) -> Result<DesiredState, DesiredStateError> {
    desired_state(input)
}

/// Decodes the desired state from JSON text, refusing text after the document.
fn desired_state(input: &str) -> Result<DesiredState, DesiredStateError> {
    let track = Track::default();
    let mut de = serde_json::Deserializer::from_str(input);
    let state = DesiredState::read(&mut de, &track, &Chain::Root).map_err(|e| {
        let outer = track.path();
        let message = e.to_string();
        let (path, reason) = join_located(&outer, &message);
        DesiredStateError::Json {
            path: path.unwrap_or_else(|| ".".into()),
            reason: reason.to_owned(),
        }
    })?;
    de.end().map_err(|e| DesiredStateError::Json {
        path: ".".into(),
        reason: e.to_string(),
    })?;
    Ok(state)
}

/// Where a value is, from the value up to the document.
enum Chain<'a> {
    Root,
    Index(&'a Chain<'a>, usize),
    Key(&'a Chain<'a>, &'a str),
    /// A key that could not be read.
    UnreadKey(&'a Chain<'a>),
}

impl Chain<'_> {
    /// `users[1].name.givenName`; `.` for the document itself.
    fn render(&self) -> String {
        let mut path = String::new();
        if !self.write(&mut path) {
            path.push('.');
        }
        path
    }

    /// Appends the steps down to this link, each key after the first led by `.` (even when
    /// the key before is empty); false at the root.
    fn write(&self, out: &mut String) -> bool {
        match self {
            Chain::Root => return false,
            Chain::Index(up, i) => {
                up.write(out);
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Chain::Key(up, key) => {
                if up.write(out) {
                    out.push('.');
                }
                out.push_str(key);
            }
            Chain::UnreadKey(up) => {
                if up.write(out) {
                    out.push('.');
                }
                out.push('?');
            }
        }
        true
    }
}

/// The path of the first error, recorded by the innermost level it passed through.
#[derive(Default)]
struct Track {
    path: RefCell<Option<String>>,
}

impl Track {
    /// Records `at` as the error's place unless a deeper level already did; gives `err`
    /// back.
    fn fail<E>(&self, at: &Chain<'_>, err: E) -> E {
        self.path.borrow_mut().get_or_insert_with(|| at.render());
        err
    }

    fn path(&self) -> String {
        self.path.borrow().clone().unwrap_or_else(|| ".".into())
    }
}

/// A part of the document, read with its place tracked.
trait Read<'de>: Sized {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error>;
}

/// Reads a `T` as a map value or array element.
struct At<'t, 'c, T> {
    track: &'t Track,
    at: &'c Chain<'c>,
    t: PhantomData<T>,
}

impl<'de, T: Read<'de>> DeserializeSeed<'de> for At<'_, '_, T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::read(d, self.track, self.at)
    }
}

/// The next key of an object; one that cannot be read is `?` in the path.
fn key<'de, A: MapAccess<'de>>(
    map: &mut A,
    track: &Track,
    at: &Chain<'_>,
) -> Result<Option<String>, A::Error> {
    map.next_key::<String>()
        .map_err(|e| track.fail(&Chain::UnreadKey(at), e))
}

/// The value of `key`; an error before the value starts (no `:`) is the object's.
fn value<'de, T: Read<'de>, A: MapAccess<'de>>(
    map: &mut A,
    track: &Track,
    at: &Chain<'_>,
    key: &str,
) -> Result<T, A::Error> {
    let here = Chain::Key(at, key);
    map.next_value_seed(At {
        track,
        at: &here,
        t: PhantomData,
    })
    .map_err(|e| track.fail(at, e))
}

/// Element `index` of an array, if there is one; an error before it starts is the array's.
fn element<'de, T: Read<'de>, A: SeqAccess<'de>>(
    seq: &mut A,
    track: &Track,
    at: &Chain<'_>,
    index: usize,
) -> Result<Option<T>, A::Error> {
    let here = Chain::Index(at, index);
    seq.next_element_seed(At {
        track,
        at: &here,
        t: PhantomData,
    })
    .map_err(|e| track.fail(at, e))
}

fn elements<'de, T: Read<'de>, A: SeqAccess<'de>>(
    mut seq: A,
    track: &Track,
    at: &Chain<'_>,
) -> Result<Vec<T>, A::Error> {
    let mut items = Vec::new();
    while let Some(item) = element(&mut seq, track, at, items.len())? {
        items.push(item);
    }
    Ok(items)
}

fn entries<'de, A: MapAccess<'de>>(
    mut map: A,
    track: &Track,
    at: &Chain<'_>,
) -> Result<Map<String, Value>, A::Error> {
    let mut values = Map::new();
    while let Some(k) = key(&mut map, track, at)? {
        let v = value(&mut map, track, at, &k)?;
        values.insert(k, v);
    }
    Ok(values)
}

/// A visitor's place in the document.
struct Here<'t, 'c> {
    track: &'t Track,
    at: &'c Chain<'c>,
}

/// Implements `expecting` with the text serde's own visitor for the type shows.
macro_rules! expecting {
    ($text:literal) => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str($text)
        }
    };
}

const STATE_FIELDS: &[&str] = &["users", "groups"];
const GROUP_FIELDS: &[&str] = &["displayName", "externalId", "members"];

impl<'de> Read<'de> for DesiredState {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        d.deserialize_struct("DesiredState", STATE_FIELDS, StateV(Here { track, at }))
            .map_err(|e| track.fail(at, e))
    }
}

struct StateV<'t, 'c>(Here<'t, 'c>);

impl<'de> Visitor<'de> for StateV<'_, '_> {
    type Value = DesiredState;
    expecting!("struct DesiredState");

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DesiredState, A::Error> {
        let Here { track, at } = self.0;
        Ok(DesiredState {
            users: element(&mut seq, track, at, 0)?.unwrap_or_default(),
            groups: element(&mut seq, track, at, 1)?.unwrap_or_default(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DesiredState, A::Error> {
        let Here { track, at } = self.0;
        let (mut users, mut groups) = (None, None);
        while let Some(k) = key(&mut map, track, at)? {
            match k.as_str() {
                "users" if users.is_some() => return Err(A::Error::duplicate_field("users")),
                "users" => users = Some(value(&mut map, track, at, &k)?),
                "groups" if groups.is_some() => return Err(A::Error::duplicate_field("groups")),
                "groups" => groups = Some(value(&mut map, track, at, &k)?),
                _ => {
                    let err = A::Error::unknown_field(&k, STATE_FIELDS);
                    return Err(track.fail(&Chain::Key(at, &k), err));
                }
            }
        }
        Ok(DesiredState {
            users: users.unwrap_or_default(),
            groups: groups.unwrap_or_default(),
        })
    }
}

impl<'de> Read<'de> for DesiredGroup {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        d.deserialize_struct("DesiredGroup", GROUP_FIELDS, GroupV(Here { track, at }))
            .map_err(|e| track.fail(at, e))
    }
}

struct GroupV<'t, 'c>(Here<'t, 'c>);

impl<'de> Visitor<'de> for GroupV<'_, '_> {
    type Value = DesiredGroup;
    expecting!("struct DesiredGroup");

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DesiredGroup, A::Error> {
        let Here { track, at } = self.0;
        let display_name = element(&mut seq, track, at, 0)?
            .ok_or_else(|| A::Error::invalid_length(0, &"struct DesiredGroup with 3 elements"))?;
        Ok(DesiredGroup {
            display_name,
            external_id: element(&mut seq, track, at, 1)?.unwrap_or_default(),
            members: element(&mut seq, track, at, 2)?.unwrap_or_default(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DesiredGroup, A::Error> {
        let Here { track, at } = self.0;
        let (mut name, mut external_id, mut members) = (None, None, None);
        while let Some(k) = key(&mut map, track, at)? {
            match k.as_str() {
                "displayName" if name.is_some() => {
                    return Err(A::Error::duplicate_field("displayName"))
                }
                "displayName" => name = Some(value(&mut map, track, at, &k)?),
                "externalId" if external_id.is_some() => {
                    return Err(A::Error::duplicate_field("externalId"))
                }
                "externalId" => external_id = Some(value(&mut map, track, at, &k)?),
                "members" if members.is_some() => return Err(A::Error::duplicate_field("members")),
                "members" => members = Some(value(&mut map, track, at, &k)?),
                _ => {
                    let err = A::Error::unknown_field(&k, GROUP_FIELDS);
                    return Err(track.fail(&Chain::Key(at, &k), err));
                }
            }
        }
        Ok(DesiredGroup {
            display_name: name.ok_or_else(|| A::Error::missing_field("displayName"))?,
            external_id: external_id.flatten(),
            members: members.unwrap_or_default(),
        })
    }
}

impl<'de, T: Read<'de>> Read<'de> for Vec<T> {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        d.deserialize_seq(ListV(Here { track, at }, PhantomData))
            .map_err(|e| track.fail(at, e))
    }
}

struct ListV<'t, 'c, T>(Here<'t, 'c>, PhantomData<T>);

impl<'de, T: Read<'de>> Visitor<'de> for ListV<'_, '_, T> {
    type Value = Vec<T>;
    expecting!("a sequence");

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        elements(seq, self.0.track, self.0.at)
    }
}

/// A user: its object collected (with its inner places tracked), then decoded as `User`'s
/// `Deserialize` decodes it.
impl<'de> Read<'de> for User {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectV(Here { track, at }))
            .and_then(user_object)
            .map_err(|e| track.fail(at, e))
    }
}

struct ObjectV<'t, 'c>(Here<'t, 'c>);

impl<'de> Visitor<'de> for ObjectV<'_, '_> {
    type Value = Map<String, Value>;
    expecting!("a map");

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        entries(map, self.0.track, self.0.at)
    }
}

impl<'de> Read<'de> for Value {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        d.deserialize_any(ValueV(Here { track, at }))
            .map_err(|e| track.fail(at, e))
    }
}

/// serde_json's own `Value` visitor, with places tracked.
struct ValueV<'t, 'c>(Here<'t, 'c>);

impl<'de> Visitor<'de> for ValueV<'_, '_> {
    type Value = Value;
    expecting!("any valid JSON value");

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        elements(seq, self.0.track, self.0.at).map(Value::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        entries(map, self.0.track, self.0.at).map(Value::Object)
    }
}

impl<'de> Read<'de> for String {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        String::deserialize(d).map_err(|e| track.fail(at, e))
    }
}

impl<'de> Read<'de> for Option<String> {
    fn read<D: Deserializer<'de>>(d: D, track: &Track, at: &Chain<'_>) -> Result<Self, D::Error> {
        Option::<String>::deserialize(d).map_err(|e| track.fail(at, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_place_of_the_first_error() {
        for (input, path, reason) in [
            (
                r#"{"users":[{"userName":"a",}]}"#,
                "users[0].?",
                "trailing comma at line 1 column 27",
            ),
            (r#"{"users" []}"#, ".", "expected `:` at line 1 column 10"),
            (
                r#"{"users":[],"users":[]}"#,
                ".",
                "duplicate field `users` at line 1 column 19",
            ),
            (
                r#"{"groups":[{"displayName":"g","bad":1}]}"#,
                "groups[0].bad",
                "unknown field `bad`, expected one of `displayName`, `externalId`, `members` at line 1 column 35",
            ),
            (
                r#"{"users":[{"userName":"a","x":1e999}]}"#,
                "users[0].x",
                "number out of range at line 1 column 35",
            ),
            (
                r#"[[],[["g",5]]]"#,
                "[1][0][1]",
                "invalid type: integer `5`, expected a string at line 1 column 11",
            ),
            (
                r#"{"users":[{"":{"":[1,}]}]}"#,
                "users[0]..[1]",
                "expected value at line 1 column 22",
            ),
        ] {
            let expected = DesiredStateError::Json {
                path: path.into(),
                reason: reason.into(),
            };
            assert_eq!(desired_state(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn structs_may_be_given_as_arrays() {
        let state = desired_state(r#"[[{"userName":"a"}],[["g",null,["a"]]]]"#).unwrap();
        assert_eq!(state.users[0].user_name, "a");
        assert_eq!(
            state.groups,
            [DesiredGroup {
                display_name: "g".into(),
                external_id: None,
                members: vec!["a".into()],
            }]
        );
    }
}
