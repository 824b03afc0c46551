//! Hand-written decoding of a [`Profile`] and the types inside it from a
//! `serde_json::Value`, in place of serde's derives: one non-generic decoder per type,
//! whatever the deserializer (see `crate::decoding`).
//!
//! Same fields and rules as the derives: camelCase names, every field required but
//! `rateLimit` (`null` or absent: none) and `managerDisplayNameWritable` (absent: false),
//! unknown fields refused (``unknown field `x`, expected one of `name`, `discovery`, ...``),
//! errors worded as serde words them and located by their path in the profile
//! (`users.filter.operators[2]`).
//!
//! Differences from the derives, all on documents the derives read oddly: a struct given as
//! a JSON array of its fields is refused (`invalid type: sequence, expected struct
//! Profile`); an enum given as anything but a string (the derives also read `{"array":
//! null}`) is `invalid type: ..., expected a string`; a header given as an array of more
//! than two strings is `invalid length 3, expected fewer elements in array` (serde_json's
//! text reader said `trailing characters`).
//!
//! As for every decoder of a collected `Value`: a JSON syntax error anywhere is reported
//! before any other; of several errors, the first in key order is reported (the derives
//! reported the first in the text); a repeated key keeps its last value (the derives refused
//! it as a duplicate field); and an error is located by its path in the message, without the
//! ` at line L column C` that serde_json added when the derive read the text itself.

use serde_json::{Map, Value};

use super::{
    FilterSupport, MemberAddShape, PatchSupport, Profile, RateLimit, ResourceSupport, StatusFormat,
};
use crate::decoding::{
    bool_value, f64_value, fields, object, opt, opt_object, required, seq, set, string,
    string_pair, u16_value, u32_value, u64_value, unknown_field, variant, Res,
};
use crate::filter::decode::compare_op;
use crate::model::OpCase;

const PROFILE_FIELDS: &[&str] = &[
    "name",
    "discovery",
    "users",
    "groups",
    "patch",
    "createStatuses",
    "errorStatus",
    "unknownGroupStatuses",
    "rateLimit",
    "retryAfterDefaultMs",
    "extraHeaders",
    "deleteUserDeactivates",
    "managerDisplayNameWritable",
];

const RESOURCE_FIELDS: &[&str] = &[
    "filter",
    "startIndex",
    "maxPageSize",
    "pageSize",
    "membersInListing",
];

const FILTER_FIELDS: &[&str] = &[
    "attributes",
    "operators",
    "present",
    "and",
    "or",
    "not",
    "valuePath",
];

const PATCH_FIELDS: &[&str] = &[
    "supported",
    "opCase",
    "pathRequired",
    "memberAdd",
    "maxOperations",
    "maxMembers",
];

const RATE_FIELDS: &[&str] = &["requestsPerSecond", "burst"];

pub(crate) fn profile(v: Value) -> Res<Profile> {
    object(v, "struct Profile", profile_object)
}

fn profile_object(map: Map<String, Value>) -> Res<Profile> {
    let mut name = None;
    let mut discovery = None;
    let mut users = None;
    let mut groups = None;
    let mut patch = None;
    let mut create_statuses = None;
    let mut error_status = None;
    let mut unknown_group_statuses = None;
    let mut rate_limit = None;
    let mut retry_after_default_ms = None;
    let mut extra_headers = None;
    let mut delete_user_deactivates = None;
    let mut manager_display_name_writable = false;
    fields(map, None, |key, v| match key {
        "name" => set(&mut name, string(v).map(Some)),
        "discovery" => set(&mut discovery, bool_value(v).map(Some)),
        "users" => set(&mut users, resource_support(v).map(Some)),
        "groups" => set(&mut groups, resource_support(v).map(Some)),
        "patch" => set(&mut patch, patch_support(v).map(Some)),
        "createStatuses" => set(&mut create_statuses, seq(v, u16_value).map(Some)),
        "errorStatus" => set(&mut error_status, status_format(v).map(Some)),
        "unknownGroupStatuses" => set(&mut unknown_group_statuses, seq(v, u16_value).map(Some)),
        "rateLimit" => set(
            &mut rate_limit,
            opt_object(v, "struct RateLimit", rate_limit_object),
        ),
        "retryAfterDefaultMs" => set(&mut retry_after_default_ms, u64_value(v).map(Some)),
        "extraHeaders" => set(&mut extra_headers, seq(v, string_pair).map(Some)),
        "deleteUserDeactivates" => set(&mut delete_user_deactivates, bool_value(v).map(Some)),
        "managerDisplayNameWritable" => set(&mut manager_display_name_writable, bool_value(v)),
        other => Err(unknown_field(other, PROFILE_FIELDS)),
    })?;
    Ok(Profile {
        name: required(name, "name")?,
        discovery: required(discovery, "discovery")?,
        users: required(users, "users")?,
        groups: required(groups, "groups")?,
        patch: required(patch, "patch")?,
        create_statuses: required(create_statuses, "createStatuses")?,
        error_status: required(error_status, "errorStatus")?,
        unknown_group_statuses: required(unknown_group_statuses, "unknownGroupStatuses")?,
        rate_limit,
        retry_after_default_ms: required(retry_after_default_ms, "retryAfterDefaultMs")?,
        extra_headers: required(extra_headers, "extraHeaders")?,
        delete_user_deactivates: required(delete_user_deactivates, "deleteUserDeactivates")?,
        manager_display_name_writable,
    })
}

pub(crate) fn resource_support(v: Value) -> Res<ResourceSupport> {
    object(v, "struct ResourceSupport", |map| {
        let mut filter = None;
        let mut start_index = None;
        let mut max_page_size = None;
        let mut page_size = None;
        let mut members_in_listing = None;
        fields(map, None, |key, v| match key {
            "filter" => set(&mut filter, filter_support(v).map(Some)),
            "startIndex" => set(&mut start_index, bool_value(v).map(Some)),
            "maxPageSize" => set(&mut max_page_size, opt(v, u32_value)),
            "pageSize" => set(&mut page_size, u32_value(v).map(Some)),
            "membersInListing" => set(&mut members_in_listing, bool_value(v).map(Some)),
            other => Err(unknown_field(other, RESOURCE_FIELDS)),
        })?;
        Ok(ResourceSupport {
            filter: required(filter, "filter")?,
            start_index: required(start_index, "startIndex")?,
            max_page_size,
            page_size: required(page_size, "pageSize")?,
            members_in_listing: required(members_in_listing, "membersInListing")?,
        })
    })
}

pub(crate) fn filter_support(v: Value) -> Res<FilterSupport> {
    object(v, "struct FilterSupport", |map| {
        let mut attributes = None;
        let mut operators = None;
        let [mut present, mut and, mut or, mut not, mut value_path] = [None; 5];
        fields(map, None, |key, v| match key {
            "attributes" => set(&mut attributes, seq(v, string).map(Some)),
            "operators" => set(&mut operators, seq(v, compare_op).map(Some)),
            "present" => set(&mut present, bool_value(v).map(Some)),
            "and" => set(&mut and, bool_value(v).map(Some)),
            "or" => set(&mut or, bool_value(v).map(Some)),
            "not" => set(&mut not, bool_value(v).map(Some)),
            "valuePath" => set(&mut value_path, bool_value(v).map(Some)),
            other => Err(unknown_field(other, FILTER_FIELDS)),
        })?;
        Ok(FilterSupport {
            attributes: required(attributes, "attributes")?,
            operators: required(operators, "operators")?,
            present: required(present, "present")?,
            and: required(and, "and")?,
            or: required(or, "or")?,
            not: required(not, "not")?,
            value_path: required(value_path, "valuePath")?,
        })
    })
}

pub(crate) fn patch_support(v: Value) -> Res<PatchSupport> {
    object(v, "struct PatchSupport", |map| {
        let mut supported = None;
        let mut op_case_value = None;
        let mut path_required = None;
        let mut member_add = None;
        let mut max_operations = None;
        let mut max_members = None;
        fields(map, None, |key, v| match key {
            "supported" => set(&mut supported, bool_value(v).map(Some)),
            "opCase" => set(&mut op_case_value, op_case(v).map(Some)),
            "pathRequired" => set(&mut path_required, bool_value(v).map(Some)),
            "memberAdd" => set(&mut member_add, member_add_shape(v).map(Some)),
            "maxOperations" => set(&mut max_operations, opt(v, u32_value)),
            "maxMembers" => set(&mut max_members, opt(v, u32_value)),
            other => Err(unknown_field(other, PATCH_FIELDS)),
        })?;
        Ok(PatchSupport {
            supported: required(supported, "supported")?,
            op_case: required(op_case_value, "opCase")?,
            path_required: required(path_required, "pathRequired")?,
            member_add: required(member_add, "memberAdd")?,
            max_operations,
            max_members,
        })
    })
}

pub(crate) fn rate_limit(v: Value) -> Res<RateLimit> {
    object(v, "struct RateLimit", rate_limit_object)
}

fn rate_limit_object(map: Map<String, Value>) -> Res<RateLimit> {
    let mut requests_per_second = None;
    let mut burst = None;
    fields(map, None, |key, v| match key {
        "requestsPerSecond" => set(&mut requests_per_second, f64_value(v).map(Some)),
        "burst" => set(&mut burst, u32_value(v).map(Some)),
        other => Err(unknown_field(other, RATE_FIELDS)),
    })?;
    Ok(RateLimit {
        requests_per_second: required(requests_per_second, "requestsPerSecond")?,
        burst: required(burst, "burst")?,
    })
}

pub(crate) fn member_add_shape(v: Value) -> Res<MemberAddShape> {
    variant(v, &["array", "singleObject"]).map(|i| match i {
        0 => MemberAddShape::Array,
        _ => MemberAddShape::SingleObject,
    })
}

pub(crate) fn status_format(v: Value) -> Res<StatusFormat> {
    variant(v, &["string", "number"]).map(|i| match i {
        0 => StatusFormat::String,
        _ => StatusFormat::Number,
    })
}

/// [`OpCase`] by its serialized name.
fn op_case(v: Value) -> Res<OpCase> {
    variant(v, &["lower", "capitalized"]).map(|i| match i {
        0 => OpCase::Lower,
        _ => OpCase::Capitalized,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        crate::decoding::refusal::<Profile>(text)
    }

    fn airtable_with(pointer: &str, value: Value) -> String {
        let mut json = serde_json::to_value(Profile::airtable()).unwrap();
        *json.pointer_mut(pointer).unwrap() = value;
        json.to_string()
    }

    #[test]
    fn builtin_profiles_round_trip() {
        for name in crate::profile::builtin_names() {
            let profile = crate::profile::builtin(name).unwrap();
            let json = serde_json::to_string(&profile).unwrap();
            assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), profile);
        }
    }

    #[test]
    fn errors_read_as_the_derives_read() {
        assert_eq!(
            error(&airtable_with("/users/filter/operators/0", "is".into())),
            "at `users.filter.operators[0]`: unknown variant `is`, expected one of `eq`, `ne`, `co`, `sw`, `ew`, `gt`, `lt`, `ge`, `le`"
        );
        assert_eq!(
            error(&airtable_with("/createStatuses/1", 70_000.into())),
            "at `createStatuses[1]`: invalid value: integer `70000`, expected u16"
        );
        assert_eq!(
            error(&airtable_with("/patch/maxOperations", (-1).into())),
            "at `patch.maxOperations`: invalid value: integer `-1`, expected u32"
        );
        assert_eq!(
            error(&airtable_with("/extraHeaders", serde_json::json!([["a"]]))),
            "at `extraHeaders[0]`: invalid length 1, expected a tuple of size 2"
        );
        assert_eq!(
            error(&airtable_with("/patch/opCase", "upper".into())),
            "at `patch.opCase`: unknown variant `upper`, expected `lower` or `capitalized`"
        );
        assert_eq!(
            error(r#"{"name":"x","typo":1}"#),
            "at `typo`: unknown field `typo`, expected one of `name`, `discovery`, `users`, `groups`, `patch`, `createStatuses`, `errorStatus`, `unknownGroupStatuses`, `rateLimit`, `retryAfterDefaultMs`, `extraHeaders`, `deleteUserDeactivates`, `managerDisplayNameWritable`"
        );
        assert_eq!(error(r#"{"name":"x"}"#), "missing field `discovery`");
        let mut json = serde_json::to_value(Profile::airtable()).unwrap();
        json.as_object_mut()
            .unwrap()
            .remove("managerDisplayNameWritable");
        let profile: Profile = serde_json::from_value(json).unwrap();
        assert!(!profile.manager_display_name_writable);
    }
}
