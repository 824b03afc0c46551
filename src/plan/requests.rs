//! The requests of a plan's actions, made once: each action's request is built with its body
//! as JSON (a [`RequestPreview`]: what a reviewer reads in the plan and what apply sends), by
//! the encoder that checks it against the profile. A request that needs an id the plan does
//! not know yet (of a user or group it creates) waits; apply builds it once the id is learnt.
//!
//! The planner (`build*.rs`) knows nothing of this: it decides actions from the profile and
//! the directory ([`Draft`]); [`Draft::with_requests`] turns them into the reviewable
//! [`Plan`].

use serde::Serialize;
use serde_json::{Map, Value};

use super::action::{Action, GroupRef, UserRef};
use super::{integrity, Cost, Draft, Plan, RequestPreview, Step};
use crate::filter::value_path_eq;
use crate::http::{HttpRequest, Method};
use crate::model::{Group, Member, PatchOp, PatchOperation};
use crate::profile::MemberAddShape;
use crate::quoted::q;
use crate::request::{EncodeError, RequestEncoder, ResourceKind};

/// Ids learnt while applying a plan (users and groups this plan created).
pub trait IdLookup {
    /// The id of the user with this userName, if known.
    fn user_id(&self, user_name: &str) -> Option<String>;
    /// The id of the group with this displayName, if known.
    fn group_id(&self, display_name: &str) -> Option<String>;
}

/// A lookup that knows nothing beyond the ids written in the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoIds;

impl IdLookup for NoIds {
    fn user_id(&self, _: &str) -> Option<String> {
        None
    }
    fn group_id(&self, _: &str) -> Option<String> {
        None
    }
}

/// Why an action's request cannot be built yet, or at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An id the request needs is not known (its create has not happened, or failed).
    #[error("waiting for the id of {0}")]
    Unresolved(String),
    /// The request could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl UserRef {
    fn resolve(&self, ids: &dyn IdLookup) -> Result<String, BuildError> {
        self.id
            .clone()
            .or_else(|| ids.user_id(&self.user_name))
            .ok_or_else(|| BuildError::Unresolved(format!("user {}", q(&self.user_name))))
    }
}

impl GroupRef {
    fn resolve(&self, ids: &dyn IdLookup) -> Result<String, BuildError> {
        self.id
            .clone()
            .or_else(|| ids.group_id(&self.display_name))
            .ok_or_else(|| BuildError::Unresolved(format!("group {}", q(&self.display_name))))
    }
}

impl Draft {
    /// The reviewable plan: each action with its request as `encoder` writes it (for the
    /// server the draft was planned for, so with the same profile), or what that request
    /// waits for; then the plan's digest over them, and its cost at the profile's rate.
    pub fn with_requests(self, encoder: &RequestEncoder) -> Plan {
        let actions: Vec<Step> = self
            .actions
            .into_iter()
            .map(|action| Step::planned(action, encoder))
            .collect();
        Plan {
            digest: Some(integrity::plan_digest(&actions, &self.blocked)),
            state_digest: Some(self.state_digest),
            version: 1,
            profile: self.profile,
            summary: self.summary,
            cost: Cost::of(
                actions.iter().map(|s| &s.action),
                encoder.profile().rate_limit,
                encoder.profile().bulk_limits().map(|b| b.max_operations),
            ),
            blocked: self.blocked,
            actions,
            notes: self.notes,
            source: self.source,
        }
    }
}

impl Step {
    /// `action` with its request when every id it needs is in the plan, else what it waits
    /// for.
    fn planned(action: Action, encoder: &RequestEncoder) -> Step {
        match action.preview(encoder, &NoIds) {
            Ok(preview) => Step::new(action, Some(preview), None),
            Err(e) => Step::new(action, None, Some(e.to_string())),
        }
    }
}

impl RequestPreview {
    /// The request as sent: the preview's method, path and body (written as JSON text), with
    /// the headers `encoder` adds to every request.
    pub fn to_request(&self, encoder: &RequestEncoder) -> HttpRequest {
        let body = self.body.as_ref().map(Value::to_string);
        encoder.envelope(self.method, self.path.clone(), body)
    }
}

impl Action {
    /// The request this action becomes, given the ids known so far.
    ///
    /// # Errors
    ///
    /// [`BuildError::Unresolved`] when an id it needs is not known, [`BuildError::Encode`]
    /// when the profile does not take the request.
    pub fn request(
        &self,
        encoder: &RequestEncoder,
        ids: &dyn IdLookup,
    ) -> Result<HttpRequest, BuildError> {
        Ok(self.preview(encoder, ids)?.to_request(encoder))
    }

    /// The request this action becomes, given the ids known so far, with its body as JSON.
    ///
    /// # Errors
    ///
    /// As [`Action::request`].
    pub fn preview(
        &self,
        encoder: &RequestEncoder,
        ids: &dyn IdLookup,
    ) -> Result<RequestPreview, BuildError> {
        let profile = encoder.profile();
        let to = Target { encoder };
        match self {
            Action::CreateUser(c) => to.post(ResourceKind::User, &c.user),
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
                let id = u.user.resolve(ids)?;
                match &u.replacement {
                    Some(full) => to.put(ResourceKind::User, &id, full),
                    None => {
                        let ops = u
                            .changes
                            .iter()
                            .map(|c| PatchOperation::replace(c.attribute.clone(), c.after.clone()))
                            .collect();
                        to.patch(ResourceKind::User, &id, ops)
                    }
                }
            }
            Action::DeleteUser(d) => to.delete(ResourceKind::User, &d.user.resolve(ids)?),
            Action::CreateGroup(c) => {
                let mut group = Group::new(c.display_name.clone());
                group.external_id.clone_from(&c.external_id);
                if !c.members.is_empty() {
                    let members = resolve_all(&c.members, ids)?;
                    group.members = Some(members.into_iter().map(Member::new).collect());
                }
                to.post(ResourceKind::Group, &group)
            }
            Action::RenameGroup(r) => {
                let id = r.group.resolve(ids)?;
                if profile.patch.supported {
                    let op = PatchOperation::replace("displayName", Value::String(r.to.clone()));
                    to.patch(ResourceKind::Group, &id, vec![op])
                } else {
                    // Without PATCH a rename is a PUT; members are left out so the server
                    // keeps them (SetMembers carries them when they change too).
                    to.put(ResourceKind::Group, &id, &Group::new(r.to.clone()))
                }
            }
            Action::DeleteGroup(d) => to.delete(ResourceKind::Group, &d.group.resolve(ids)?),
            Action::AddMembers(m) => {
                let id = m.group.resolve(ids)?;
                // `{"value": id}` per member, taking the resolved id rather than a copy.
                let member =
                    |id: String| Value::Object(Map::from_iter([("value".into(), id.into())]));
                let member_ids = resolve_all(&m.members, ids)?.into_iter();
                let ops = match profile.patch.member_add {
                    MemberAddShape::SingleObject => member_ids
                        .map(|id| PatchOperation::add("members", member(id)))
                        .collect(),
                    _ => vec![PatchOperation::add(
                        "members",
                        Value::Array(member_ids.map(member).collect()),
                    )],
                };
                to.patch(ResourceKind::Group, &id, ops)
            }
            Action::RemoveMembers(m) => {
                let id = m.group.resolve(ids)?;
                let ops = resolve_all(&m.members, ids)?
                    .iter()
                    .map(|mid| PatchOperation::remove(value_path_eq("members", "value", mid)))
                    .collect();
                to.patch(ResourceKind::Group, &id, ops)
            }
            Action::SetMembers(s) => {
                let id = s.group.resolve(ids)?;
                let mut group = Group::new(s.group.display_name.clone());
                group.members = Some(
                    resolve_all(&s.members, ids)?
                        .into_iter()
                        .map(Member::new)
                        .collect(),
                );
                to.put(ResourceKind::Group, &id, &group)
            }
        }
    }
}

/// The encoder, writing previews: a body straight into JSON (`Value`), never through text.
struct Target<'a> {
    encoder: &'a RequestEncoder,
}

impl Target<'_> {
    fn post(
        &self,
        kind: ResourceKind,
        body: &impl Serialize,
    ) -> Result<RequestPreview, BuildError> {
        let path = self.encoder.resource_path(kind, None)?;
        Ok(RequestPreview::new(Method::Post, path, Some(value(body)?)))
    }

    fn put(
        &self,
        kind: ResourceKind,
        id: &str,
        body: &impl Serialize,
    ) -> Result<RequestPreview, BuildError> {
        let path = self.encoder.resource_path(kind, Some(id))?;
        Ok(RequestPreview::new(Method::Put, path, Some(value(body)?)))
    }

    fn patch(
        &self,
        kind: ResourceKind,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<RequestPreview, BuildError> {
        let body = self.encoder.patch_body(&PatchOp::new(operations))?;
        let path = self.encoder.resource_path(kind, Some(id))?;
        Ok(RequestPreview::new(Method::Patch, path, Some(body)))
    }

    fn delete(&self, kind: ResourceKind, id: &str) -> Result<RequestPreview, BuildError> {
        let path = self.encoder.resource_path(kind, Some(id))?;
        Ok(RequestPreview::new(Method::Delete, path, None))
    }
}

fn value(body: &impl Serialize) -> Result<Value, EncodeError> {
    serde_json::to_value(body).map_err(|e| EncodeError::Body(e.to_string()))
}

fn resolve_all(members: &[UserRef], ids: &dyn IdLookup) -> Result<Vec<String>, BuildError> {
    members.iter().map(|m| m.resolve(ids)).collect()
}

/// The plan of the directory `desired` (JSON) for an empty server of profile `profile`.
#[cfg(test)]
pub(crate) fn plan_into_empty(desired: &str, profile: crate::profile::Profile) -> Plan {
    let desired = super::DesiredState::from_json(desired).unwrap();
    let encoder = RequestEncoder::new("/scim/v2", profile).unwrap();
    super::plan(
        &desired,
        &super::ActualState::default(),
        encoder.profile(),
        &super::Policy::default(),
    )
    .unwrap()
    .with_requests(&encoder)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::ActionKind;
    use crate::profile::Profile;

    struct Learnt;

    impl IdLookup for Learnt {
        fn user_id(&self, user_name: &str) -> Option<String> {
            Some(format!("u-{user_name}"))
        }
        fn group_id(&self, display_name: &str) -> Option<String> {
            Some(format!("g-{display_name}"))
        }
    }

    fn body(request: &HttpRequest) -> Option<Value> {
        request
            .body
            .as_deref()
            .map(|b| serde_json::from_str(b).unwrap())
    }

    #[test]
    fn a_preview_is_the_request_the_encoder_writes_and_apply_sends_it() {
        let p = plan_into_empty(
            r#"{"users": [{"userName": "a@x", "externalId": "E1"}],
                "groups": [{"displayName": "Eng", "members": ["a@x"]}]}"#,
            Profile::airtable(),
        );
        let encoder = RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
        let kinds: Vec<ActionKind> = p.actions.iter().map(|s| s.action.kind()).collect();
        assert_eq!(
            kinds,
            [
                ActionKind::CreateUser,
                ActionKind::CreateGroup,
                ActionKind::AddMembers
            ]
        );

        // A create needs no id: its preview is made with the plan, and sent as it is.
        let create = &p.actions[0];
        let Action::CreateUser(c) = &create.action else {
            panic!("{create:?}")
        };
        let typed = encoder.create_user(&c.user).unwrap();
        let sent = create.request.as_ref().unwrap().to_request(&encoder);
        assert_eq!(sent, create.action.request(&encoder, &NoIds).unwrap());
        assert_eq!(
            (sent.method, &sent.path, &sent.headers),
            (typed.method, &typed.path, &typed.headers)
        );
        assert_eq!(
            body(&sent),
            body(&typed),
            "the same JSON as the typed encoder's"
        );
        assert_eq!(create.request.as_ref().unwrap().body, body(&typed));

        // Adding members waits for the ids of the group and the user the plan creates,
        // and is built once apply has learnt them.
        let add = &p.actions[2];
        assert_eq!(add.request, None);
        assert_eq!(
            add.waits_for.as_deref(),
            Some("waiting for the id of group \"Eng\"")
        );
        assert_eq!(
            add.action.request(&encoder, &NoIds),
            Err(BuildError::Unresolved("group \"Eng\"".into()))
        );
        let sent = add.action.request(&encoder, &Learnt).unwrap();
        assert_eq!(
            (sent.method, sent.path.as_str()),
            (Method::Patch, "/scim/v2/Groups/g-Eng")
        );
        assert_eq!(
            body(&sent).unwrap()["Operations"][0]["value"],
            json!({"value": "u-a@x"})
        );
    }

    /// The plan of a directory of `members` (the first `listed` of them on the server
    /// already) and one new group holding them all.
    fn plan_group_of(members: usize, listed: usize, profile: Profile) -> Plan {
        let names: Vec<String> = (0..members).map(|i| format!("u{i:03}@x")).collect();
        let desired = serde_json::json!({
            "users": names.iter().map(|n| json!({"userName": n})).collect::<Vec<_>>(),
            "groups": [{"displayName": "Eng", "members": names}],
        });
        let desired = super::super::DesiredState::from_json(&desired.to_string()).unwrap();
        let actual = super::super::ActualState {
            users: names[..listed]
                .iter()
                .map(|n| {
                    let mut u = crate::model::User::new(n.clone());
                    u.id = Some(format!("id-{n}"));
                    u.active = Some(true);
                    u
                })
                .collect(),
            complete: true,
            ..Default::default()
        };
        let encoder = RequestEncoder::new("/scim/v2", profile).unwrap();
        super::super::plan(
            &desired,
            &actual,
            encoder.profile(),
            &super::super::Policy::default(),
        )
        .unwrap()
        .with_requests(&encoder)
    }

    fn group_steps(p: &Plan) -> Vec<&Step> {
        p.actions
            .iter()
            .filter(|s| !s.action.writes_user())
            .collect()
    }

    #[test]
    fn a_new_group_of_existing_users_is_one_post_carrying_them() {
        let p = plan_group_of(3, 3, Profile::generic());
        let steps = group_steps(&p);
        assert_eq!(steps.len(), 1, "{steps:?}");
        let preview = steps[0].request.as_ref().expect("every id is known");
        assert_eq!(
            (preview.method, preview.path.as_str()),
            (Method::Post, "/scim/v2/Groups")
        );
        assert_eq!(
            preview.body.as_ref().unwrap()["members"],
            json!([{"value": "id-u000@x"}, {"value": "id-u001@x"}, {"value": "id-u002@x"}])
        );
        assert_eq!(p.summary.add_members, 3, "the summary counts them as today");

        // Airtable creates groups empty: the POST, then a PATCH.
        let p = plan_group_of(3, 3, Profile::airtable());
        let kinds: Vec<ActionKind> = group_steps(&p).iter().map(|s| s.action.kind()).collect();
        assert_eq!(kinds, [ActionKind::CreateGroup, ActionKind::AddMembers]);
        let create = group_steps(&p)[0].request.clone().unwrap();
        assert_eq!(create.body.unwrap().get("members"), None);
        assert_eq!(p.summary.add_members, 3);
    }

    #[test]
    fn members_the_plan_creates_make_the_post_wait_for_their_ids() {
        let p = plan_group_of(3, 1, Profile::generic());
        let steps = group_steps(&p);
        assert_eq!(steps.len(), 1, "still one request: {steps:?}");
        assert_eq!(steps[0].request, None);
        assert_eq!(
            steps[0].waits_for.as_deref(),
            Some("waiting for the id of user \"u001@x\"")
        );
        // Users are created first: by the groups phase their ids are learnt.
        let sent = steps[0].action.request(
            &RequestEncoder::new("/scim/v2", Profile::generic()).unwrap(),
            &Learnt,
        );
        let body = body(&sent.unwrap()).unwrap();
        assert_eq!(
            body["members"],
            json!([{"value": "id-u000@x"}, {"value": "u-u001@x"}, {"value": "u-u002@x"}])
        );
    }

    #[test]
    fn a_create_carries_one_member_chunk_with_patch_and_all_without() {
        let mut profile = Profile::generic();
        profile.patch.max_members = Some(2);
        let p = plan_group_of(5, 5, profile.clone());
        let sizes: Vec<(ActionKind, usize)> = group_steps(&p)
            .iter()
            .map(|s| match &s.action {
                Action::CreateGroup(c) => (ActionKind::CreateGroup, c.members.len()),
                Action::AddMembers(m) => (ActionKind::AddMembers, m.members.len()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            sizes,
            [
                (ActionKind::CreateGroup, 2),
                (ActionKind::AddMembers, 2),
                (ActionKind::AddMembers, 1)
            ]
        );
        assert_eq!(p.summary.add_members, 5);
        profile.patch.supported = false;
        let p = plan_group_of(5, 5, profile);
        let steps = group_steps(&p);
        assert_eq!(steps.len(), 1, "no PUT of the members after the POST");
        let Action::CreateGroup(c) = &steps[0].action else {
            panic!("{steps:?}")
        };
        assert_eq!(c.members.len(), 5);
    }

    #[test]
    fn a_request_the_profile_refuses_is_not_previewed() {
        let mut profile = Profile::generic();
        profile.patch.max_operations = Some(1);
        let encoder = RequestEncoder::new("", profile).unwrap();
        let action = Action::RemoveMembers(crate::plan::Membership {
            group: GroupRef {
                display_name: "Eng".into(),
                id: Some("g1".into()),
            },
            members: ["u1", "u2"]
                .map(|id| UserRef {
                    user_name: id.into(),
                    id: Some(id.into()),
                })
                .into(),
        });
        let e = action.preview(&encoder, &NoIds).unwrap_err();
        assert!(
            matches!(e, BuildError::Encode(EncodeError::TooManyOperations { .. })),
            "{e:?}"
        );
        let step = Step::planned(action, &encoder);
        assert_eq!((step.request, step.waits_for.is_some()), (None, true));
    }
}
