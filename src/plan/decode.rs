//! Hand-written decoding of the plan tree ([`Plan`] and everything in it) and of the listed
//! state ([`ActualState`]) from a parsed `serde_json::Value`.
//!
//! Same approach and helpers as `model::decode`: one non-generic decoder per type, shared by
//! every serde `Deserializer` the crate meets (each `Deserialize` impl only collects the
//! value, see `deserialize_with_decoder!`). The derives these replace were instantiated once
//! per deserializer, and the internally tagged [`Action`] flattened into [`Step`] once more
//! for serde's buffering of the step.
//!
//! Errors read as serde's derives read them (`invalid type: integer `5`, expected a string`,
//! ``missing field `summary` ``, ``unknown variant `x`, expected one of `createUser`, ...``),
//! located by the JSON path inside the plan (``at `actions[3].user.userName`: ...``); the
//! derives located an error inside an action's own fields only at its step (`actions[3]`).
//! Known differences from the derives:
//!
//! - a struct given as a JSON array of its fields (which the derives accepted) is refused as
//!   `invalid type: sequence, expected struct X`;
//! - the value is parsed whole first, so a JSON syntax error anywhere is reported before a
//!   type error, the message carries no `at line L column C` (the path says where), and a
//!   key given twice keeps its last value instead of being refused as a duplicate field;
//! - the fields of one object are checked in name order, not document order, so of two bad
//!   fields in one object the one reported may differ;
//! - a unit enum ([`Guard`], `Method`) or the action tag given anything but a string is
//!   refused as `invalid type: ..., expected a string` (the derives also took a variant
//!   index, or `{"variant": null}`).

use serde_json::{Map, Value};

use super::action::{
    Action, CreateGroup, CreateUser, DeleteGroup, DeleteUser, GroupRef, Membership, RenameGroup,
    SetMembers, UserRef, UserUpdate,
};
use super::build::summarize;
use super::diff::Change;
use super::{ActualState, Blocked, Guard, Note, Plan, RequestPreview, SourceCounts, Step, Summary};
use crate::decoding::{
    bool_value, fields, object, opt, opt_string, required, seq, set, string, take_tag, u32_value,
    u64_value, variant, Bad, Res,
};
use crate::model::{FromValue, Group, User};

pub(crate) fn plan(v: Value) -> Res<Plan> {
    object(v, "struct Plan", |map| {
        let (mut version, mut profile, mut summary_, mut blocked_) = (None, None, None, None);
        let (mut actions, mut notes, mut source) = (None, None, None);
        let (mut digest, mut state_digest) = (None, None);
        fields(map, None, |key, v| match key {
            "version" => set(&mut version, u32_value(v).map(Some)),
            "profile" => set(&mut profile, string(v).map(Some)),
            "summary" => set(&mut summary_, summary(v).map(Some)),
            "blocked" => set(&mut blocked_, seq(v, blocked).map(Some)),
            "actions" => set(&mut actions, seq(v, step).map(Some)),
            "notes" => set(&mut notes, seq(v, note).map(Some)),
            "source" => set(&mut source, source_counts(v).map(Some)),
            "digest" => set(&mut digest, opt_string(v).map(Some)),
            "stateDigest" => set(&mut state_digest, opt_string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        // The summary must be there and well-formed, but its figures are recomputed from
        // the actions: a saved plan's figures are never trusted.
        let _: Summary = required(summary_, "summary")?;
        let actions: Vec<Step> = required(actions, "actions")?;
        Ok(Plan {
            version: required(version, "version")?,
            profile: required(profile, "profile")?,
            summary: summarize(actions.iter().map(|s| &s.action)),
            blocked: required(blocked_, "blocked")?,
            actions,
            notes: required(notes, "notes")?,
            source: required(source, "source")?,
            digest: digest.flatten(),
            state_digest: state_digest.flatten(),
        })
    })
}

/// Required non-negative integer fields called `names` (in declaration order); entries with
/// other names go to `other`.
fn counts<const N: usize>(
    map: Map<String, Value>,
    names: &'static [&'static str; N],
    mut other: impl FnMut(&str, Value) -> Res<Option<Value>>,
) -> Res<[u64; N]> {
    let mut slots = [None; N];
    fields(map, None, |key, v| {
        match names.iter().position(|n| *n == key) {
            Some(i) => set(&mut slots[i], u64_value(v).map(Some)),
            None => other(key, v),
        }
    })?;
    let mut out = [0; N];
    for (i, slot) in slots.into_iter().enumerate() {
        out[i] = required(slot, names[i])?;
    }
    Ok(out)
}

pub(crate) fn summary(v: Value) -> Res<Summary> {
    const NAMES: [&str; 10] = [
        "createUsers",
        "updateUsers",
        "deactivateUsers",
        "reactivateUsers",
        "deleteUsers",
        "createGroups",
        "updateGroups",
        "deleteGroups",
        "addMembers",
        "removeMembers",
    ];
    object(v, "struct Summary", |map| {
        let n = counts(map, &NAMES, |_, v| Ok(Some(v)))?;
        Ok(Summary {
            create_users: n[0],
            update_users: n[1],
            deactivate_users: n[2],
            reactivate_users: n[3],
            delete_users: n[4],
            create_groups: n[5],
            update_groups: n[6],
            delete_groups: n[7],
            add_members: n[8],
            remove_members: n[9],
        })
    })
}

pub(crate) fn source_counts(v: Value) -> Res<SourceCounts> {
    const NAMES: [&str; 5] = [
        "desiredUsers",
        "desiredGroups",
        "serverUsers",
        "serverGroups",
        "managedUsers",
    ];
    object(v, "struct SourceCounts", |map| {
        let mut listing_complete = None;
        let n = counts(map, &NAMES, |key, v| match key {
            "listingComplete" => set(&mut listing_complete, bool_value(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(SourceCounts {
            desired_users: n[0],
            desired_groups: n[1],
            server_users: n[2],
            server_groups: n[3],
            managed_users: n[4],
            listing_complete: required(listing_complete, "listingComplete")?,
        })
    })
}

pub(crate) fn blocked(v: Value) -> Res<Blocked> {
    object(v, "struct Blocked", |map| {
        let (mut guard_, mut reason) = (None, None);
        fields(map, None, |key, v| match key {
            "guard" => set(&mut guard_, guard(v).map(Some)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(Blocked {
            guard: required(guard_, "guard")?,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn guard(v: Value) -> Res<Guard> {
    const NAMES: &[&str] = &[
        "emptySource",
        "incompleteListing",
        "deactivationCap",
        "deletionCap",
        "ambiguousMatch",
    ];
    const GUARDS: [Guard; 5] = [
        Guard::EmptySource,
        Guard::IncompleteListing,
        Guard::DeactivationCap,
        Guard::DeletionCap,
        Guard::AmbiguousMatch,
    ];
    variant(v, NAMES).map(|i| GUARDS[i])
}

/// A step: the action's fields, its tag and the step's own `request` and `waitsFor` share
/// one object (the action is flattened). The step's fields are read first, as the derive
/// read them while buffering the action's; unknown fields are ignored.
pub(crate) fn step(v: Value) -> Res<Step> {
    object(v, "struct Step", |mut map| {
        let request = match map.remove("request") {
            Some(v) => opt(v, request_preview).map_err(|e| e.key("request"))?,
            None => None,
        };
        let waits_for = match map.remove("waitsFor") {
            Some(v) => opt_string(v).map_err(|e| e.key("waitsFor"))?,
            None => None,
        };
        Ok(Step {
            action: action_fields(map)?,
            request,
            waits_for,
        })
    })
}

pub(crate) fn request_preview(v: Value) -> Res<RequestPreview> {
    object(v, "struct RequestPreview", |map| {
        let (mut method, mut path, mut body) = (None, None, None);
        fields(map, None, |key, v| match key {
            "method" => set(&mut method, crate::http::method(v).map(Some)),
            "path" => set(&mut path, string(v).map(Some)),
            "body" => set(&mut body, opt(v, Ok)),
            _ => Ok(Some(v)),
        })?;
        Ok(RequestPreview {
            method: required(method, "method")?,
            path: required(path, "path")?,
            body,
        })
    })
}

pub(crate) fn note(v: Value) -> Res<Note> {
    object(v, "struct Note", |map| {
        let (mut subject, mut message) = (None, None);
        fields(map, None, |key, v| match key {
            "subject" => set(&mut subject, string(v).map(Some)),
            "message" => set(&mut message, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(Note {
            subject: required(subject, "subject")?,
            message: required(message, "message")?,
        })
    })
}

/// The action tags, in declaration order.
const ACTIONS: &[&str] = &[
    "createUser",
    "updateUser",
    "reactivateUser",
    "deactivateUser",
    "deleteUser",
    "createGroup",
    "renameGroup",
    "deleteGroup",
    "addMembers",
    "removeMembers",
    "setMembers",
];

pub(crate) fn action(v: Value) -> Res<Action> {
    object(v, "internally tagged enum Action", action_fields)
}

/// An action from its object: the `type` tag, then the variant's fields from the rest.
fn action_fields(mut map: Map<String, Value>) -> Res<Action> {
    let tag = take_tag(&mut map, "type", ACTIONS)?;
    let v = Value::Object(map);
    Ok(match tag {
        0 => Action::CreateUser(create_user(v)?),
        1 => Action::UpdateUser(user_update(v)?),
        2 => Action::ReactivateUser(user_update(v)?),
        3 => Action::DeactivateUser(user_update(v)?),
        4 => Action::DeleteUser(delete_user(v)?),
        5 => Action::CreateGroup(create_group(v)?),
        6 => Action::RenameGroup(rename_group(v)?),
        7 => Action::DeleteGroup(delete_group(v)?),
        8 => Action::AddMembers(membership(v)?),
        9 => Action::RemoveMembers(membership(v)?),
        _ => Action::SetMembers(set_members(v)?),
    })
}

/// A User through its own decoder (case-insensitive names, errors located inside it).
fn user(v: Value) -> Res<User> {
    User::from_value(v).map_err(Bad::new)
}

/// A Group through its own decoder.
fn group(v: Value) -> Res<Group> {
    Group::from_value(v).map_err(Bad::new)
}

pub(crate) fn user_ref(v: Value) -> Res<UserRef> {
    object(v, "struct UserRef", |map| {
        let (mut user_name, mut id) = (None, None);
        fields(map, None, |key, v| match key {
            "userName" => set(&mut user_name, string(v).map(Some)),
            "id" => set(&mut id, opt_string(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(UserRef {
            user_name: required(user_name, "userName")?,
            id,
        })
    })
}

pub(crate) fn group_ref(v: Value) -> Res<GroupRef> {
    object(v, "struct GroupRef", |map| {
        let (mut display_name, mut id) = (None, None);
        fields(map, None, |key, v| match key {
            "displayName" => set(&mut display_name, string(v).map(Some)),
            "id" => set(&mut id, opt_string(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(GroupRef {
            display_name: required(display_name, "displayName")?,
            id,
        })
    })
}

pub(crate) fn create_user(v: Value) -> Res<CreateUser> {
    object(v, "struct CreateUser", |map| {
        let (mut user_name, mut user_, mut reason) = (None, None, None);
        fields(map, None, |key, v| match key {
            "userName" => set(&mut user_name, string(v).map(Some)),
            "user" => set(&mut user_, user(v).map(Some)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(CreateUser {
            user_name: required(user_name, "userName")?,
            user: required(user_, "user")?,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn user_update(v: Value) -> Res<UserUpdate> {
    object(v, "struct UserUpdate", |map| {
        let (mut user_, mut changes, mut replacement, mut reason) = (None, None, None, None);
        fields(map, None, |key, v| match key {
            "user" => set(&mut user_, user_ref(v).map(Some)),
            "changes" => set(&mut changes, seq(v, change).map(Some)),
            "replacement" => set(&mut replacement, opt(v, user)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(UserUpdate {
            user: required(user_, "user")?,
            changes: required(changes, "changes")?,
            replacement,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn delete_user(v: Value) -> Res<DeleteUser> {
    object(v, "struct DeleteUser", |map| {
        let (mut user_, mut reason) = (None, None);
        fields(map, None, |key, v| match key {
            "user" => set(&mut user_, user_ref(v).map(Some)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(DeleteUser {
            user: required(user_, "user")?,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn create_group(v: Value) -> Res<CreateGroup> {
    object(v, "struct CreateGroup", |map| {
        let (mut display_name, mut external_id, mut reason) = (None, None, None);
        fields(map, None, |key, v| match key {
            "displayName" => set(&mut display_name, string(v).map(Some)),
            "externalId" => set(&mut external_id, opt_string(v)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(CreateGroup {
            display_name: required(display_name, "displayName")?,
            external_id,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn rename_group(v: Value) -> Res<RenameGroup> {
    object(v, "struct RenameGroup", |map| {
        let (mut group_, mut to, mut reason) = (None, None, None);
        fields(map, None, |key, v| match key {
            "group" => set(&mut group_, group_ref(v).map(Some)),
            "to" => set(&mut to, string(v).map(Some)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(RenameGroup {
            group: required(group_, "group")?,
            to: required(to, "to")?,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn delete_group(v: Value) -> Res<DeleteGroup> {
    object(v, "struct DeleteGroup", |map| {
        let (mut group_, mut reason) = (None, None);
        fields(map, None, |key, v| match key {
            "group" => set(&mut group_, group_ref(v).map(Some)),
            "reason" => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(DeleteGroup {
            group: required(group_, "group")?,
            reason: required(reason, "reason")?,
        })
    })
}

pub(crate) fn membership(v: Value) -> Res<Membership> {
    object(v, "struct Membership", |map| {
        let (mut group_, mut members) = (None, None);
        fields(map, None, |key, v| match key {
            "group" => set(&mut group_, group_ref(v).map(Some)),
            "members" => set(&mut members, seq(v, user_ref).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(Membership {
            group: required(group_, "group")?,
            members: required(members, "members")?,
        })
    })
}

pub(crate) fn set_members(v: Value) -> Res<SetMembers> {
    object(v, "struct SetMembers", |map| {
        let (mut group_, mut members, mut added, mut removed) = (None, None, None, None);
        fields(map, None, |key, v| match key {
            "group" => set(&mut group_, group_ref(v).map(Some)),
            "members" => set(&mut members, seq(v, user_ref).map(Some)),
            "added" => set(&mut added, seq(v, user_ref).map(Some)),
            "removed" => set(&mut removed, seq(v, user_ref).map(Some)),
            _ => Ok(Some(v)),
        })?;
        Ok(SetMembers {
            group: required(group_, "group")?,
            members: required(members, "members")?,
            added: required(added, "added")?,
            removed: required(removed, "removed")?,
        })
    })
}

pub(crate) fn change(v: Value) -> Res<Change> {
    object(v, "struct Change", |map| {
        let (mut attribute, mut before, mut after) = (None, None, None);
        fields(map, None, |key, v| match key {
            "attribute" => set(&mut attribute, string(v).map(Some)),
            "before" => set(&mut before, Ok(Some(v))),
            "after" => set(&mut after, Ok(Some(v))),
            _ => Ok(Some(v)),
        })?;
        Ok(Change {
            attribute: required(attribute, "attribute")?,
            before: required(before, "before")?,
            after: required(after, "after")?,
        })
    })
}

pub(crate) fn actual_state(v: Value) -> Res<ActualState> {
    object(v, "struct ActualState", |map| {
        let (mut users, mut groups, mut complete) = (None, None, None);
        let mut problems = Vec::new();
        fields(map, None, |key, v| match key {
            "users" => set(&mut users, seq(v, user).map(Some)),
            "groups" => set(&mut groups, seq(v, group).map(Some)),
            "complete" => set(&mut complete, bool_value(v).map(Some)),
            "problems" => set(&mut problems, seq(v, string)),
            _ => Ok(Some(v)),
        })?;
        Ok(ActualState {
            users: required(users, "users")?,
            groups: required(groups, "groups")?,
            complete: required(complete, "complete")?,
            problems,
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::json::from_str;
    use crate::plan::{DesiredState, Policy};
    use crate::request::RequestEncoder;

    /// The plans of three planner fixtures, between them every kind of action.
    fn fixture_plans() -> Vec<Plan> {
        [
            include_str!("../../tests/fixtures/plan/airtable-lifecycle.json"),
            include_str!("../../tests/fixtures/plan/delete-policy-and-rename.json"),
            include_str!("../../tests/fixtures/plan/generic-without-patch.json"),
        ]
        .into_iter()
        .map(|text| {
            let case: Value = serde_json::from_str(text).unwrap();
            let desired = DesiredState::from_json(&case["desired"].to_string()).unwrap();
            let actual: ActualState = serde_json::from_value(case["actual"].clone()).unwrap();
            let policy: Policy = serde_json::from_value(case["policy"].clone()).unwrap();
            let mut profile = crate::profile::builtin(case["profile"].as_str().unwrap()).unwrap();
            if case["profilePatch"]["patch"]["supported"] == json!(false) {
                profile.patch.supported = false;
            }
            let encoder = RequestEncoder::new("/scim/v2", profile).unwrap();
            super::super::plan(&desired, &actual, &encoder, &policy).unwrap()
        })
        .collect()
    }

    #[test]
    fn a_plan_reads_back_as_itself() {
        let plans = fixture_plans();
        let mut kinds: Vec<&str> = plans
            .iter()
            .flat_map(|p| p.actions.iter().map(|s| s.action.kind()))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), ACTIONS.len(), "every action kind: {kinds:?}");
        for p in plans {
            let text = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), p);
            assert_eq!(from_str::<Plan>(&text).unwrap(), p);
        }
    }

    /// The plan-json fault (location, reason) of the first fixture plan changed by `edit`.
    fn fault(edit: impl FnOnce(&mut Value)) -> (String, String) {
        let mut v = serde_json::to_value(&fixture_plans()[0]).unwrap();
        edit(&mut v);
        let e = from_str::<Plan>(&v.to_string()).unwrap_err();
        (e.path, e.reason)
    }

    fn expect(location: &str, reason: &str) -> (String, String) {
        (location.to_owned(), reason.to_owned())
    }

    #[test]
    fn errors_read_as_the_derives_and_name_the_field() {
        let remove =
            |key: &'static str| move |v: &mut Value| drop(v.as_object_mut().unwrap().remove(key));
        assert_eq!(
            fault(remove("summary")),
            expect(".", "missing field `summary`")
        );
        assert_eq!(
            fault(|v| v["version"] = json!(-1)),
            expect("version", "invalid value: integer `-1`, expected u32")
        );
        assert_eq!(
            fault(|v| v["summary"]["createUsers"] = json!("1")),
            expect(
                "summary.createUsers",
                "invalid type: string \"1\", expected u64"
            )
        );
        assert_eq!(
            fault(|v| v["source"]["listingComplete"] = json!(null)),
            expect(
                "source.listingComplete",
                "invalid type: null, expected a boolean"
            )
        );
        assert_eq!(
            fault(|v| v["actions"] = json!(null)),
            expect("actions", "invalid type: null, expected a sequence")
        );
        // Actions: the tag, then the variant's fields, located inside the action.
        assert_eq!(
            fault(|v| v["actions"][3]["type"] = json!("x")),
            expect(
                "actions[3].type",
                "unknown variant `x`, expected one of `createUser`, `updateUser`, \
                 `reactivateUser`, `deactivateUser`, `deleteUser`, `createGroup`, \
                 `renameGroup`, `deleteGroup`, `addMembers`, `removeMembers`, `setMembers`"
            )
        );
        assert_eq!(
            fault(|v| drop(v["actions"][3].as_object_mut().unwrap().remove("type"))),
            expect("actions[3]", "missing field `type`")
        );
        assert_eq!(
            fault(|v| v["actions"][3]["user"]["userName"] = json!(5)),
            expect(
                "actions[3].user.userName",
                "invalid type: integer `5`, expected a string"
            )
        );
        assert_eq!(
            fault(|v| drop(v["actions"][3].as_object_mut().unwrap().remove("reason"))),
            expect("actions[3]", "missing field `reason`")
        );
        // The created user is read by User's own decoder; its path is joined on.
        assert_eq!(
            fault(|v| v["actions"][0]["user"]["active"] = json!("maybe")),
            expect(
                "actions[0].user.active",
                "invalid type: string, expected a boolean"
            )
        );
        assert_eq!(
            fault(|v| v["actions"][0]["request"]["method"] = json!("GOT")),
            expect(
                "actions[0].request.method",
                "unknown variant `GOT`, expected one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`"
            )
        );
        assert_eq!(
            fault(|v| v["actions"][0]["waitsFor"] = json!(1)),
            expect(
                "actions[0].waitsFor",
                "invalid type: integer `1`, expected a string"
            )
        );
        assert_eq!(
            fault(|v| v["blocked"] = json!([{"guard": "sometimes", "reason": ""}])),
            expect(
                "blocked[0].guard",
                "unknown variant `sometimes`, expected one of `emptySource`, \
                 `incompleteListing`, `deactivationCap`, `deletionCap`, `ambiguousMatch`"
            )
        );
        // Accepted differences from the derives: structs as arrays, non-string variants.
        assert_eq!(
            fault(|v| v["notes"] = json!([["subject", "message"]])),
            expect("notes[0]", "invalid type: sequence, expected struct Note")
        );
        assert_eq!(
            fault(|v| v["actions"][0]["type"] = json!(0)),
            expect(
                "actions[0].type",
                "invalid type: integer `0`, expected a string"
            )
        );
    }

    #[test]
    fn unknown_fields_and_absent_options() {
        let p = &fixture_plans()[0];
        let mut v = serde_json::to_value(p).unwrap();
        v["extra"] = json!(1);
        v["actions"][3]["extra"] = json!({"any": "thing"});
        v["summary"]["extra"] = json!(null);
        assert_eq!(&plan(v.clone()).unwrap(), p);
        // A step's request and waitsFor, absent or null, are none.
        let step0 = v["actions"][0].as_object_mut().unwrap();
        step0.remove("request");
        step0.insert("waitsFor".into(), Value::Null);
        let back = plan(v).unwrap();
        assert_eq!(back.actions[0].request, None);
        assert_eq!(back.actions[0].waits_for, None);
        assert_eq!(back.actions[0].action, p.actions[0].action);
    }

    #[test]
    fn the_listed_state_reads_as_before() {
        let text =
            r#"{"users": [{"userName": "a", "active": true}], "groups": [], "complete": true}"#;
        let state: ActualState = serde_json::from_str(text).unwrap();
        assert_eq!(state.users[0].user_name, "a");
        assert!(state.problems.is_empty());
        let e = from_str::<ActualState>(r#"{"users": [{"userName": 1}]}"#).unwrap_err();
        assert_eq!(e.path, "users[0].userName");
        let e = from_str::<ActualState>(r#"{"users": [], "groups": []}"#).unwrap_err();
        assert_eq!(e.reason, "missing field `complete`");
    }
}
