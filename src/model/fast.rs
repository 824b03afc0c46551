//! The fast path for large inputs: listing pages, users and groups decoded straight from JSON
//! text, without collecting each object first.
//!
//! This is the crate's hand-written decoder, kept for speed (its one other hand-written hot
//! path, `model::as_sent`'s scan, only checks a page): a server's listing pages
//! (`response::decode` of an `Expect::List` answer: [`page`]), the listed state
//! (`ActualState::from_json`) and the desired state, measured by `cargo bench --bench decode`
//! (a page against a serde_json parse of its text) and `cargo bench --bench plan` ("decode
//! into crate types"). Every other decoder in the crate is a serde derive. Its reference is
//! the exact path, the derives behind the case-insensitive renaming (`model::names`), after
//! the tolerant reader (`model::tolerant`) for a server's page: property tests
//! (`plan::fast_reference`) check on random documents that both give the same value (and
//! the same coercions: none), or the same error.
//!
//! It takes only the common case: attribute names spelled as the derives spell them, every
//! value of the type the model wants. Anything else (another spelling, `"True"` for a
//! boolean, a number for an id or a count as text, which the tolerant reader would coerce, a
//! wrong type, a missing `userName`, malformed JSON) is an error here, and the caller then
//! decodes the whole input again on the exact path, which accepts what it may (recording
//! each coercion) and locates what it must refuse. For input the fast path accepts, both
//! paths give the same value and the tolerant reader changes nothing; the fast path only
//! skips collecting, rewriting and renaming each object. The attribute names it tells apart
//! from unknown ones come from the types (`names::canonical`).
//!
//! The seeds are generic over serde's traits but meant for one deserializer,
//! `serde_json::Deserializer<StrRead>`, so their code exists once.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::group::{Group, Member};
use super::list::ListResponse;
use super::names::{canonical, Attributes};
use super::schemas;
use super::serde_util::{FromValue, Shape};
use super::user::{EnterpriseUser, Manager, Meta, MultiValue, Name, User};

/// Deserializes with `deserialize_any` and the given visitor.
pub(crate) struct Any<V>(pub V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Any<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

fn not_simple<E: serde::de::Error>() -> E {
    E::custom("not on the fast path")
}

/// Implements `expecting` for a fast-path visitor (its text is never shown).
macro_rules! expecting {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the common case")
        }
    };
}

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key;

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    expecting!();
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The next key of `map`, if any.
pub(crate) fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Option<Cow<'de, str>>, A::Error> {
    map.next_key_seed(Any(Key))
}

/// A string (`required`) or a string or `null` (otherwise).
pub(crate) struct Str {
    pub required: bool,
}

impl<'de> Visitor<'de> for Str {
    type Value = Option<String>;
    expecting!();
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        if self.required {
            Err(not_simple())
        } else {
            Ok(None)
        }
    }
}

/// A string or `null`.
fn opt_str<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<String>, A::Error> {
    map.next_value_seed(Any(Str { required: false }))
}

/// A required string.
fn req_str<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<String>, A::Error> {
    map.next_value_seed(Any(Str { required: true }))
}

/// A boolean or `null`.
struct Bool;

impl<'de> Visitor<'de> for Bool {
    type Value = Option<bool>;
    expecting!();
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// An array of strings; `null` is empty when `nullable`.
pub(crate) struct Strings {
    pub nullable: bool,
}

impl<'de> Visitor<'de> for Strings {
    type Value = Vec<String>;
    expecting!();
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        if self.nullable {
            Ok(Vec::new())
        } else {
            Err(not_simple())
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(s) = seq.next_element_seed(Any(Str { required: true }))? {
            out.extend(s);
        }
        out.shrink_to_fit();
        Ok(out)
    }
}

/// The entry `key` of a `T` that the model does not type: kept in `extra` as sent, unless it
/// names one of `T`'s attributes (in another spelling, which the exact path renames).
fn keep<'de, T: Attributes, A: MapAccess<'de>>(
    map: &mut A,
    key: Cow<'de, str>,
    extra: &mut Map<String, Value>,
) -> Result<(), A::Error> {
    if canonical::<T>(&key).is_some() {
        return Err(not_simple());
    }
    let value: Value = map.next_value()?;
    extra.insert(key.into_owned(), value);
    Ok(())
}

/// `null` as `None`, anything else as the inner visitor reads it.
pub(crate) struct Opt<V>(pub V);

impl<'de, V: Visitor<'de>> Visitor<'de> for Opt<V> {
    type Value = Option<V::Value>;
    expecting!();
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq).map(Some)
    }
}

/// An array of objects read by `V`; `null` is empty when `nullable`. A `null` element is
/// left to the exact path.
pub(crate) struct List<V> {
    pub nullable: bool,
    pub item: V,
}

impl<'de, V: Visitor<'de> + Copy> Visitor<'de> for List<V> {
    type Value = Vec<V::Value>;
    expecting!();
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        if self.nullable {
            Ok(Vec::new())
        } else {
            Err(not_simple())
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(Any(self.item))? {
            out.push(v);
        }
        // JSON gives no length up front: give back what doubling over-allocated, as the
        // exact path (which knows the length) never holds it.
        out.shrink_to_fit();
        Ok(out)
    }
}

/// Declares a unit visitor reading one object of the model.
macro_rules! object_visitor {
    ($(#[$doc:meta])* $name:ident => $ty:ty, |$map:ident| $body:block) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(crate) struct $name;

        impl<'de> Visitor<'de> for $name {
            type Value = $ty;
            expecting!();
            fn visit_map<A: MapAccess<'de>>(self, mut $map: A) -> Result<$ty, A::Error> $body
        }
    };
}

object_visitor!(
    /// A user in the common case.
    UserV => User, |m| {
        let mut u = User::default();
        let mut user_name = None;
        while let Some(key) = next_key(&mut m)? {
            match &*key {
                "userName" => user_name = req_str(&mut m)?,
                "externalId" => u.external_id = opt_str(&mut m)?,
                "id" => u.id = opt_str(&mut m)?,
                "name" => u.name = m.next_value_seed(Any(Opt(NameV)))?,
                "displayName" => u.display_name = opt_str(&mut m)?,
                "title" => u.title = opt_str(&mut m)?,
                "locale" => u.locale = opt_str(&mut m)?,
                "active" => u.active = m.next_value_seed(Any(Bool))?,
                "schemas" => u.schemas = m.next_value_seed(Any(Strings { nullable: true }))?,
                "emails" => u.emails = m.next_value_seed(Any(MULTI_VALUES))?,
                "groups" => u.groups = m.next_value_seed(Any(MULTI_VALUES))?,
                "meta" => u.meta = m.next_value_seed(Any(Opt(MetaV)))?.map(Box::new),
                schemas::ENTERPRISE_USER => {
                    u.enterprise = m.next_value_seed(Any(Opt(EnterpriseV)))?;
                }
                schemas::AIRTABLE_SSO_USER => {
                    u.airtable_sso = match m.next_value()? {
                        Value::Null => None,
                        Value::Object(o) => Some(Box::new(o)),
                        _ => return Err(not_simple()),
                    }
                }
                _ => keep::<User, _>(&mut m, key, &mut u.extra)?,
            }
        }
        u.user_name = user_name.ok_or_else(not_simple)?;
        Ok(u)
    }
);

object_visitor!(NameV => Name, |m| {
    let mut n = Name::default();
    while let Some(key) = next_key(&mut m)? {
        match &*key {
            "givenName" => n.given_name = opt_str(&mut m)?,
            "familyName" => n.family_name = opt_str(&mut m)?,
            "formatted" => n.formatted = opt_str(&mut m)?,
            _ => keep::<Name, _>(&mut m, key, &mut n.extra)?,
        }
    }
    Ok(n)
});

const MULTI_VALUES: List<MultiValueV> = List {
    nullable: true,
    item: MultiValueV,
};

object_visitor!(MultiValueV => MultiValue, |m| {
    let mut v = MultiValue::default();
    while let Some(key) = next_key(&mut m)? {
        match &*key {
            "value" => v.value = opt_str(&mut m)?,
            "display" => v.display = opt_str(&mut m)?,
            "type" => v.kind = opt_str(&mut m)?,
            "primary" => v.primary = m.next_value_seed(Any(Bool))?,
            _ => keep::<MultiValue, _>(&mut m, key, &mut v.extra)?,
        }
    }
    Ok(v)
});

object_visitor!(MetaV => Meta, |m| {
    let mut meta = Meta::default();
    while let Some(key) = next_key(&mut m)? {
        match &*key {
            "resourceType" => meta.resource_type = opt_str(&mut m)?,
            "created" => meta.created = opt_str(&mut m)?,
            "lastModified" => meta.last_modified = opt_str(&mut m)?,
            "location" => meta.location = opt_str(&mut m)?,
            "version" => meta.version = opt_str(&mut m)?,
            _ => keep::<Meta, _>(&mut m, key, &mut meta.extra)?,
        }
    }
    Ok(meta)
});

object_visitor!(EnterpriseV => EnterpriseUser, |m| {
    let mut e = EnterpriseUser::default();
    while let Some(key) = next_key(&mut m)? {
        match &*key {
            "department" => e.department = opt_str(&mut m)?,
            "costCenter" => e.cost_center = opt_str(&mut m)?,
            "employeeNumber" => e.employee_number = opt_str(&mut m)?,
            "organization" => e.organization = opt_str(&mut m)?,
            "division" => e.division = opt_str(&mut m)?,
            "manager" => e.manager = m.next_value_seed(Any(Opt(ManagerV)))?,
            _ => keep::<EnterpriseUser, _>(&mut m, key, &mut e.extra)?,
        }
    }
    Ok(e)
});

object_visitor!(ManagerV => Manager, |m| {
    let mut mgr = Manager::default();
    while let Some(key) = next_key(&mut m)? {
        match &*key {
            "value" => mgr.value = opt_str(&mut m)?,
            "displayName" => mgr.display_name = opt_str(&mut m)?,
            _ => keep::<Manager, _>(&mut m, key, &mut mgr.extra)?,
        }
    }
    Ok(mgr)
});

object_visitor!(
    /// A group in the common case.
    GroupV => Group, |m| {
        let mut g = Group::default();
        let mut display_name = None;
        while let Some(key) = next_key(&mut m)? {
            match &*key {
                "displayName" => display_name = req_str(&mut m)?,
                "id" => g.id = opt_str(&mut m)?,
                "externalId" => g.external_id = opt_str(&mut m)?,
                "members" => {
                    let members = List { nullable: false, item: MemberV };
                    g.members = m.next_value_seed(Any(Opt(members)))?;
                }
                "schemas" => g.schemas = m.next_value_seed(Any(Strings { nullable: true }))?,
                "meta" => g.meta = m.next_value_seed(Any(Opt(MetaV)))?.map(Box::new),
                _ => keep::<Group, _>(&mut m, key, &mut g.extra)?,
            }
        }
        g.display_name = display_name.ok_or_else(not_simple)?;
        Ok(g)
    }
);

object_visitor!(MemberV => Member, |m| {
    let mut member = Member::default();
    let mut value = None;
    while let Some(key) = next_key(&mut m)? {
        match &*key {
            "value" => value = req_str(&mut m)?,
            "display" => member.display = opt_str(&mut m)?,
            "type" => member.kind = opt_str(&mut m)?,
            _ => keep::<Member, _>(&mut m, key, &mut member.extra)?,
        }
    }
    member.value = value.ok_or_else(not_simple)?;
    Ok(member)
});

/// The error the fast path returns for anything it leaves to the exact path.
pub(crate) fn bail<E: serde::de::Error>() -> E {
    not_simple()
}

// The two resources with a hot path; their shape is what the tolerant reader looks at.
impl FromValue for User {
    const SHAPE: Shape = Shape::User;
    fn fast<'de, D: Deserializer<'de>>(d: D) -> Result<User, D::Error> {
        d.deserialize_any(UserV)
    }
}

impl FromValue for Group {
    const SHAPE: Shape = Shape::Group;
    fn fast<'de, D: Deserializer<'de>>(d: D) -> Result<Group, D::Error> {
        d.deserialize_any(GroupV)
    }
}

/// A listing page of `T`s read from `text` on the hot path; `None` leaves it to the exact
/// path (which the caller takes for the whole page, so nothing read here is kept).
pub(crate) fn page<T: FromValue>(text: &str) -> Option<ListResponse<T>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let page = de.deserialize_map(PageV(PhantomData)).ok()?;
    de.end().ok()?;
    Some(page)
}

/// A count: a non-negative integer or `null` (a count as text is the tolerant reader's).
struct Count;

impl<'de> Visitor<'de> for Count {
    type Value = Option<u64>;
    expecting!();
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A ListResponse in the common case.
struct PageV<T>(PhantomData<T>);

impl<'de, T: FromValue> Visitor<'de> for PageV<T> {
    type Value = ListResponse<T>;
    expecting!();
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<ListResponse<T>, A::Error> {
        let mut p = ListResponse {
            schemas: Vec::new(),
            total_results: None,
            items_per_page: None,
            start_index: None,
            next_cursor: None,
            previous_cursor: None,
            resources: Vec::new(),
        };
        while let Some(key) = next_key(&mut m)? {
            match &*key {
                "Resources" => p.resources = m.next_value_seed(Any(Resources(PhantomData)))?,
                "totalResults" => p.total_results = m.next_value_seed(Any(Count))?,
                "itemsPerPage" => p.items_per_page = m.next_value_seed(Any(Count))?,
                "startIndex" => p.start_index = m.next_value_seed(Any(Count))?,
                "nextCursor" => p.next_cursor = opt_str(&mut m)?,
                "previousCursor" => p.previous_cursor = opt_str(&mut m)?,
                "schemas" => p.schemas = m.next_value_seed(Any(Strings { nullable: true }))?,
                _ if canonical::<ListResponse<T>>(&key).is_some() => return Err(not_simple()),
                // Dropped, as the derive drops it; read as a value, so that what the exact
                // path's parse refuses is refused here too.
                _ => drop(m.next_value::<Value>()?),
            }
        }
        Ok(p)
    }
}

/// A page's `Resources`, each read by `T::fast`; `null` is empty.
struct Resources<T>(PhantomData<T>);

/// One resource read by `T::fast`.
struct Resource<T>(PhantomData<T>);

impl<'de, T: FromValue> DeserializeSeed<'de> for Resource<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::fast(d)
    }
}

impl<'de, T: FromValue> Visitor<'de> for Resources<T> {
    type Value = Vec<T>;
    expecting!();
    fn visit_unit<E>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(Resource(PhantomData))? {
            out.push(v);
        }
        out.shrink_to_fit();
        Ok(out)
    }
}
