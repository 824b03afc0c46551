//! How a plan's [`Step`]s and their [`Action`]s read from JSON: through serde's derives,
//! with a hand-made joint.
//!
//! A [`Step`] is its action's fields, its tag and the step's own `request` and `waitsFor` in
//! one object, and an [`Action`] is internally tagged by `type`. serde's `flatten` and
//! internally tagged derives buffer the content before reading it, and a path inside that
//! buffer is lost: a bad user name would be located at `actions[3]`, not at
//! `actions[3].user.userName`. So the object is collected, its parts (the step's fields, the
//! tag, then the variant's struct) are each read by their derive through `serde_path_to_error`,
//! and an error's inner path is put in its message (``at `user.userName`: ...``), which
//! `crate::json::from_str` joins onto the path it tracked (`actions[3]`).
//!
//! The rules stay the derives': unknown fields are ignored, absent options are none, a
//! missing tag is ``missing field `type` ``, an unknown one ``unknown variant `x`, expected
//! one of ...``. A step or action that is not an object reads ``invalid type: ..., expected
//! a map``.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::action::Action;
use super::Step;
use crate::located::{at, from_value as located};

/// The tags of [`Action`], as its `Serialize` writes them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Tag {
    CreateUser,
    UpdateUser,
    ReactivateUser,
    DeactivateUser,
    DeleteUser,
    CreateGroup,
    RenameGroup,
    DeleteGroup,
    AddMembers,
    RemoveMembers,
    SetMembers,
}

/// `T` from the field `key` of `map`, an error located at that field.
fn field<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    match map.remove(key) {
        None => Ok(None),
        Some(v) => located::<Option<T>>(v).map_err(|e| at(key, &e)),
    }
}

impl Action {
    /// An action from its object: the `type` tag, then the variant's fields from the rest.
    fn from_map(mut map: Map<String, Value>) -> Result<Action, String> {
        let tag: Tag = match map.remove("type") {
            Some(v) => located(v).map_err(|e| at("type", &e))?,
            None => return Err(serde_json::Error::missing_field("type").to_string()),
        };
        let v = Value::Object(map);
        Ok(match tag {
            Tag::CreateUser => Action::CreateUser(located(v)?),
            Tag::UpdateUser => Action::UpdateUser(located(v)?),
            Tag::ReactivateUser => Action::ReactivateUser(located(v)?),
            Tag::DeactivateUser => Action::DeactivateUser(located(v)?),
            Tag::DeleteUser => Action::DeleteUser(located(v)?),
            Tag::CreateGroup => Action::CreateGroup(located(v)?),
            Tag::RenameGroup => Action::RenameGroup(located(v)?),
            Tag::DeleteGroup => Action::DeleteGroup(located(v)?),
            Tag::AddMembers => Action::AddMembers(located(v)?),
            Tag::RemoveMembers => Action::RemoveMembers(located(v)?),
            Tag::SetMembers => Action::SetMembers(located(v)?),
        })
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
        let map = Map::deserialize(d)?;
        Action::from_map(map).map_err(D::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Step {
    /// The step's own fields first, as the derive read them while buffering the action's.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Step, D::Error> {
        let mut map = Map::deserialize(d)?;
        let request = field(&mut map, "request").map_err(D::Error::custom)?;
        let waits_for = field(&mut map, "waitsFor").map_err(D::Error::custom)?;
        Ok(Step {
            action: Action::from_map(map).map_err(D::Error::custom)?,
            request,
            waits_for,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::json;
    use crate::plan::{ActionKind, ActualState, DesiredState, Plan, Policy};
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
            super::super::plan(&desired, &actual, encoder.profile(), &policy)
                .unwrap()
                .with_requests(&encoder)
        })
        .collect()
    }

    #[test]
    fn a_plan_reads_back_as_itself() {
        let plans = fixture_plans();
        let mut kinds: Vec<ActionKind> = plans
            .iter()
            .flat_map(|p| p.actions.iter().map(|s| s.action.kind()))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds, ActionKind::ALL, "every action kind");
        for step in plans.iter().flat_map(|p| &p.actions) {
            let json = serde_json::to_value(step).unwrap();
            assert_eq!(
                json["type"],
                step.action.kind().as_str(),
                "the kind is the type"
            );
        }
        for p in plans {
            let text = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), p);
            assert_eq!(json::from_str::<Plan>(&text).unwrap(), p);
        }
    }

    #[test]
    fn a_saved_summary_is_recounted() {
        let p = &fixture_plans()[0];
        let mut v = serde_json::to_value(p).unwrap();
        v["summary"]["deactivateUsers"] = json!(0);
        v["summary"]["createUsers"] = json!(99);
        let back: Plan = serde_json::from_value(v).unwrap();
        assert_eq!(back.summary, p.summary);
        assert_eq!(back.summary.deactivate_users, 1);
    }

    /// The plan-json fault (location, reason) of the first fixture plan changed by `edit`.
    fn fault(edit: impl FnOnce(&mut Value)) -> (String, String) {
        let mut v = serde_json::to_value(&fixture_plans()[0]).unwrap();
        edit(&mut v);
        let e = json::from_str::<Plan>(&v.to_string()).unwrap_err();
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
                 `incompleteListing`, `deactivationCap`, `deletionCap`, `ambiguousMatch`, \
                 `outOfScope`, `unknownSubject`"
            )
        );
        // The derives' own rules: a struct may be given as an array of its fields, a tag
        // must be a variant name.
        let mut v = serde_json::to_value(&fixture_plans()[0]).unwrap();
        v["notes"] = json!([["subject", "message"]]);
        let p: Plan = serde_json::from_value(v).unwrap();
        assert_eq!(p.notes[0].message, "message");
        assert_eq!(
            fault(|v| v["actions"][0]["type"] = json!(0)),
            expect(
                "actions[0].type",
                "invalid type: integer `0`, expected string or map"
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
        assert_eq!(&serde_json::from_value::<Plan>(v.clone()).unwrap(), p);
        // A step's request and waitsFor, absent or null, are none.
        let step0 = v["actions"][0].as_object_mut().unwrap();
        step0.remove("request");
        step0.insert("waitsFor".into(), Value::Null);
        let back: Plan = serde_json::from_value(v).unwrap();
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
        let e = json::from_str::<ActualState>(r#"{"users": [{"userName": 1}]}"#).unwrap_err();
        assert_eq!(e.path, "users[0].userName");
        let e = json::from_str::<ActualState>(r#"{"users": [], "groups": []}"#).unwrap_err();
        assert_eq!(e.reason, "missing field `complete`");
    }
}
