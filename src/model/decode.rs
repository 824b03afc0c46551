//! Hand-written decoding of the model's resources from a JSON object whose attribute names
//! are already canonical (see `attr_names`).
//!
//! One non-generic decoder per resource, shared by every serde `Deserializer` the crate
//! meets (JSON text, `serde_json::Value`) and by the desired-state reader in `plan`: each
//! `Deserialize` impl only collects the object, canonicalizes its names and hands it here.
//! This keeps one copy of the decoding code in the binary (the derives it replaces were
//! instantiated once per deserializer and per flattened struct) and moves strings out of
//! the object instead of buffering them.
//!
//! Errors read exactly as serde's derives read them (`invalid type: integer `5`, expected a
//! string`, ``missing field `userName` ``), located by the JSON path inside the resource.

use serde_json::{Map, Value};

use super::attr_names;
use super::group::{Group, Member};
use super::serde_util::{canonical, case_insensitive_deserialize};
use super::tolerant::Shape;
use super::user::{EnterpriseUser, Manager, Meta, MultiValue, Name, User};
use crate::decoding::{
    fields, lenient_bool, list, object, opt, opt_object, opt_string, required, seq, set, string,
    Bad, Res,
};

// `User` and `Group` read through the decoders below (their `Deserialize` and `FromValue`).
case_insensitive_deserialize!(User, attr_names::USER, user, Shape::User);
case_insensitive_deserialize!(Group, attr_names::GROUP, group, Shape::Group);

/// A User from a collected object whose names are not canonical yet, read as `User`'s
/// `Deserialize` reads it, for a caller that collects the object itself.
pub(crate) fn user_object<E: serde::de::Error>(map: Map<String, Value>) -> Result<User, E> {
    canonical(map, &attr_names::USER)
        .and_then(user)
        .map_err(Bad::into_error)
}

pub(crate) fn user(map: Map<String, Value>) -> Res<User> {
    let mut u = User::default();
    let mut user_name = None;
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "schemas" => set(&mut u.schemas, list(v, string)),
        "id" => set(&mut u.id, opt_string(v)),
        "externalId" => set(&mut u.external_id, opt_string(v)),
        "userName" => set(&mut user_name, string(v).map(Some)),
        "name" => set(&mut u.name, opt_object(v, "struct Name", name)),
        "displayName" => set(&mut u.display_name, opt_string(v)),
        "title" => set(&mut u.title, opt_string(v)),
        "locale" => set(&mut u.locale, opt_string(v)),
        "active" => set(&mut u.active, lenient_bool(v)),
        "emails" => set(&mut u.emails, list(v, multi_value)),
        "groups" => set(&mut u.groups, list(v, multi_value)),
        "meta" => set(
            &mut u.meta,
            opt_object(v, "struct Meta", |m| meta(m).map(Box::new)),
        ),
        super::schemas::ENTERPRISE_USER => set(
            &mut u.enterprise,
            opt_object(v, "struct EnterpriseUser", enterprise),
        ),
        super::schemas::AIRTABLE_SSO_USER => set(
            &mut u.airtable_sso,
            opt_object(v, "a map", |m| Ok(Box::new(m))),
        ),
        _ => Ok(Some(v)),
    })?;
    u.user_name = required(user_name, "userName")?;
    u.extra = extra;
    Ok(u)
}

pub(crate) fn name(map: Map<String, Value>) -> Res<Name> {
    let mut n = Name::default();
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "formatted" => set(&mut n.formatted, opt_string(v)),
        "familyName" => set(&mut n.family_name, opt_string(v)),
        "givenName" => set(&mut n.given_name, opt_string(v)),
        _ => Ok(Some(v)),
    })?;
    n.extra = extra;
    Ok(n)
}

pub(crate) fn multi_value(v: Value) -> Res<MultiValue> {
    object(v, "struct MultiValue", |map| {
        let mut m = MultiValue::default();
        let mut extra = Map::new();
        fields(map, Some(&mut extra), |key, v| match key {
            "value" => set(&mut m.value, opt_string(v)),
            "display" => set(&mut m.display, opt_string(v)),
            "type" => set(&mut m.kind, opt_string(v)),
            "primary" => set(&mut m.primary, lenient_bool(v)),
            _ => Ok(Some(v)),
        })?;
        m.extra = extra;
        Ok(m)
    })
}

pub(crate) fn meta(map: Map<String, Value>) -> Res<Meta> {
    let mut m = Meta::default();
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "resourceType" => set(&mut m.resource_type, opt_string(v)),
        "created" => set(&mut m.created, opt_string(v)),
        "lastModified" => set(&mut m.last_modified, opt_string(v)),
        "location" => set(&mut m.location, opt_string(v)),
        "version" => set(&mut m.version, opt_string(v)),
        _ => Ok(Some(v)),
    })?;
    m.extra = extra;
    Ok(m)
}

pub(crate) fn enterprise(map: Map<String, Value>) -> Res<EnterpriseUser> {
    let mut e = EnterpriseUser::default();
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "employeeNumber" => set(&mut e.employee_number, opt_string(v)),
        "costCenter" => set(&mut e.cost_center, opt_string(v)),
        "organization" => set(&mut e.organization, opt_string(v)),
        "division" => set(&mut e.division, opt_string(v)),
        "department" => set(&mut e.department, opt_string(v)),
        "manager" => set(&mut e.manager, opt_object(v, "struct Manager", manager)),
        _ => Ok(Some(v)),
    })?;
    e.extra = extra;
    Ok(e)
}

pub(crate) fn manager(map: Map<String, Value>) -> Res<Manager> {
    let mut m = Manager::default();
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "value" => set(&mut m.value, opt_string(v)),
        "displayName" => set(&mut m.display_name, opt_string(v)),
        _ => Ok(Some(v)),
    })?;
    m.extra = extra;
    Ok(m)
}

pub(crate) fn group(map: Map<String, Value>) -> Res<Group> {
    let mut g = Group::default();
    let mut display_name = None;
    let mut extra = Map::new();
    fields(map, Some(&mut extra), |key, v| match key {
        "schemas" => set(&mut g.schemas, list(v, string)),
        "id" => set(&mut g.id, opt_string(v)),
        "externalId" => set(&mut g.external_id, opt_string(v)),
        "displayName" => set(&mut display_name, string(v).map(Some)),
        "members" => set(&mut g.members, opt(v, |v| seq(v, member))),
        "meta" => set(
            &mut g.meta,
            opt_object(v, "struct Meta", |m| meta(m).map(Box::new)),
        ),
        _ => Ok(Some(v)),
    })?;
    g.display_name = required(display_name, "displayName")?;
    g.extra = extra;
    Ok(g)
}

pub(crate) fn member(v: Value) -> Res<Member> {
    object(v, "struct Member", |map| {
        let mut m = Member::default();
        let mut value = None;
        let mut extra = Map::new();
        fields(map, Some(&mut extra), |key, v| match key {
            "value" => set(&mut value, string(v).map(Some)),
            "display" => set(&mut m.display, opt_string(v)),
            "type" => set(&mut m.kind, opt_string(v)),
            _ => Ok(Some(v)),
        })?;
        m.value = required(value, "value")?;
        m.extra = extra;
        Ok(m)
    })
}
