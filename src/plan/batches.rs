//! A plan's writes grouped into SCIM Bulk requests (RFC 7644 §3.7): the next batch of
//! consecutive actions, in apply order, within the server's `maxOperations` and
//! `maxPayloadSize` (measured on the encoded JSON, byte for byte what is sent).
//!
//! Every operation carries a `bulkId` (`a<step>`, the action's position in the plan): a
//! create's is how later operations in the same request name what it creates
//! (`bulkId:a3` as a group's member or in a path), and every result is matched back to its
//! action by it (`response::decode_bulk`). An action that needs an id neither learnt nor
//! created earlier in the batch ends the batch: it waits for an answer still to come, or
//! for a create that failed, which the caller tells apart.
//!
//! `failOnErrors` is the batch limit itself: the server would stop only after more failed
//! operations than a batch holds, so one bad row never stops the rest.

use super::action::Action;
use super::keys::{group_key, user_key};
use super::requests::{BuildError, IdLookup};
use crate::model::BulkOperation;
use crate::profile::BulkSupport;
use crate::request::{bulk_request, EncodeError, RequestEncoder, BULK_ID_PREFIX};

/// Why a batch ends where it does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchEnd {
    /// Every action given is in it.
    Exhausted,
    /// The next action would pass `maxOperations` or `maxPayloadSize`.
    Full,
    /// The action at this position needs an id not known yet (or never: its create
    /// failed).
    Waiting(usize, String),
    /// The action at this position (first in the batch) is larger than `maxPayloadSize`
    /// alone: it goes as a single request.
    TooLarge(usize),
    /// The action at this position cannot be written as a Bulk operation.
    Unencodable(usize, EncodeError),
}

/// One Bulk request's worth of actions.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Batch {
    /// Positions (in the slice given) of the actions in it, in order: a prefix of it.
    pub actions: Vec<usize>,
    /// Their operations, in the same order.
    pub operations: Vec<BulkOperation>,
    /// The `failOnErrors` to send.
    pub fail_on_errors: u64,
    /// The size of the encoded request body, in bytes.
    pub bytes: u64,
    /// Why it ends there.
    pub end: BatchEnd,
}

/// The next batch of `actions` (pairs of the action's step number in the plan, which names
/// its `bulkId`, and the action), taken from the front: as many as `limits` allow, each
/// built with the ids in `learnt` and those of the creates before it in the batch.
pub fn next_batch(
    actions: &[(usize, &Action)],
    encoder: &RequestEncoder,
    learnt: &dyn IdLookup,
    limits: BulkSupport,
) -> Batch {
    let fail_on_errors = u64::from(limits.max_operations);
    let envelope = serde_json::to_vec(&bulk_request(Vec::new(), Some(fail_on_errors)))
        .map_or(0, |v| v.len() as u64);
    let mut batch = Batch {
        actions: Vec::new(),
        operations: Vec::new(),
        fail_on_errors,
        bytes: envelope,
        end: BatchEnd::Exhausted,
    };
    let mut ids = InBatch {
        learnt,
        users: Vec::new(),
        groups: Vec::new(),
    };
    for (k, (step, action)) in actions.iter().enumerate() {
        if batch.operations.len() >= limits.max_operations as usize {
            batch.end = BatchEnd::Full;
            break;
        }
        let preview = match action.preview(encoder, &ids) {
            Ok(p) => p,
            Err(BuildError::Unresolved(what)) => {
                batch.end = BatchEnd::Waiting(k, what);
                break;
            }
            Err(BuildError::Encode(e)) => {
                batch.end = BatchEnd::Unencodable(k, e);
                break;
            }
        };
        let bulk_id = format!("a{step}");
        let op = encoder.bulk_operation(
            preview.method,
            &preview.path,
            preview.body.as_ref(),
            Some(bulk_id.clone()),
        );
        let op = match op.and_then(|op| Ok((size(&op)?, op))) {
            Ok(sized) => sized,
            Err(e) => {
                batch.end = BatchEnd::Unencodable(k, e);
                break;
            }
        };
        let (len, op) = op;
        let comma = u64::from(!batch.operations.is_empty());
        if batch.bytes + len + comma > limits.max_payload_size {
            batch.end = if batch.operations.is_empty() {
                BatchEnd::TooLarge(k)
            } else {
                BatchEnd::Full
            };
            break;
        }
        batch.bytes += len + comma;
        match action {
            Action::CreateUser(c) => ids.users.push((user_key(&c.user_name), bulk_id)),
            Action::CreateGroup(c) => ids.groups.push((group_key(&c.display_name), bulk_id)),
            _ => {}
        }
        batch.actions.push(k);
        batch.operations.push(op);
    }
    batch
}

fn size(op: &BulkOperation) -> Result<u64, EncodeError> {
    serde_json::to_vec(op)
        .map(|v| v.len() as u64)
        .map_err(|e| EncodeError::Body(e.to_string()))
}

/// Ids learnt, then `bulkId:` references to the creates earlier in the batch.
struct InBatch<'a> {
    learnt: &'a dyn IdLookup,
    users: Vec<(String, String)>,
    groups: Vec<(String, String)>,
}

fn reference(created: &[(String, String)], key: &str) -> Option<String> {
    created
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, b)| format!("{BULK_ID_PREFIX}{b}"))
}

impl IdLookup for InBatch<'_> {
    fn user_id(&self, user_name: &str) -> Option<String> {
        self.learnt
            .user_id(user_name)
            .or_else(|| reference(&self.users, &user_key(user_name)))
    }
    fn group_id(&self, display_name: &str) -> Option<String> {
        self.learnt
            .group_id(display_name)
            .or_else(|| reference(&self.groups, &group_key(display_name)))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;
    use crate::plan::requests::plan_into_empty;
    use crate::plan::Plan;
    use crate::profile::Profile;

    fn bulk_profile(max_operations: u32, max_payload_size: u64) -> Profile {
        let mut p = Profile::generic();
        p.bulk = Some(BulkSupport {
            max_operations,
            max_payload_size,
        });
        p
    }

    fn directory(users: usize, groups: usize) -> String {
        let names: Vec<String> = (0..users).map(|i| format!("u{i}@x")).collect();
        let groups: Vec<Value> = (0..groups)
            .map(|g| json!({"displayName": format!("G{g}"), "members": names.iter().skip(g).step_by(2).collect::<Vec<_>>()}))
            .collect();
        let users: Vec<Value> = names.iter().map(|n| json!({"userName": n})).collect();
        json!({"users": users, "groups": groups}).to_string()
    }

    /// Ids "learnt" from answered batches: every create answered with an id.
    #[derive(Default)]
    struct Answered {
        users: BTreeMap<String, String>,
        groups: BTreeMap<String, String>,
    }

    impl IdLookup for Answered {
        fn user_id(&self, n: &str) -> Option<String> {
            self.users.get(&user_key(n)).cloned()
        }
        fn group_id(&self, n: &str) -> Option<String> {
            self.groups.get(&group_key(n)).cloned()
        }
    }

    /// Every batch of `plan`, each sent and answered before the next is made.
    /// Every batch of `plan`, and how many actions went alone, outside Bulk, being larger
    /// than the payload limit on their own (as the engine sends them).
    fn batches_and_alone(plan: &Plan, profile: &Profile) -> (Vec<Batch>, usize) {
        let encoder = RequestEncoder::new("/scim/v2", profile.clone()).unwrap();
        let limits = profile.bulk_limits().unwrap();
        let mut pending: Vec<(usize, &Action)> =
            plan.actions.iter().map(|s| &s.action).enumerate().collect();
        let mut learnt = Answered::default();
        let learn = |learnt: &mut Answered, action: &Action| match action {
            Action::CreateUser(c) => {
                learnt
                    .users
                    .insert(user_key(&c.user_name), format!("id-{}", c.user_name));
            }
            Action::CreateGroup(c) => {
                learnt
                    .groups
                    .insert(group_key(&c.display_name), format!("id-{}", c.display_name));
            }
            _ => {}
        };
        let (mut out, mut alone) = (Vec::new(), 0);
        while !pending.is_empty() {
            let b = next_batch(&pending, &encoder, &learnt, limits);
            if b.actions.is_empty() {
                assert_eq!(b.end, BatchEnd::TooLarge(0), "no progress");
                learn(&mut learnt, pending[0].1);
                pending.remove(0);
                alone += 1;
                continue;
            }
            for &k in &b.actions {
                learn(&mut learnt, pending[k].1);
            }
            pending.drain(..b.actions.len());
            out.push(b);
        }
        (out, alone)
    }

    fn all_batches(plan: &Plan, profile: &Profile) -> Vec<Batch> {
        let (batches, alone) = batches_and_alone(plan, profile);
        assert_eq!(alone, 0, "an action larger than the payload limit");
        batches
    }

    #[test]
    fn a_new_group_names_members_created_in_the_same_batch_by_bulk_id() {
        let p = bulk_profile(1000, 1_048_576);
        let plan = plan_into_empty(&directory(3, 1), p.clone());
        let batches = all_batches(&plan, &p);
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!(b.end, BatchEnd::Exhausted);
        let group = b.operations.iter().find(|o| o.path == "/Groups").unwrap();
        assert_eq!(
            group.data.as_ref().unwrap()["members"],
            json!([{"value": "bulkId:a0"}, {"value": "bulkId:a2"}])
        );
        assert_eq!(b.operations[0].bulk_id.as_deref(), Some("a0"));
        // The size is the encoded request's, byte for byte.
        let encoder = RequestEncoder::new("/scim/v2", p).unwrap();
        let sent = encoder
            .bulk(b.operations.clone(), Some(b.fail_on_errors))
            .unwrap();
        assert_eq!(sent.body.unwrap().len() as u64, b.bytes);
    }

    #[test]
    fn a_group_whose_members_were_created_in_an_earlier_batch_waits_for_their_ids() {
        // Airtable-like members by PATCH: groups empty, then memberships.
        let mut p = bulk_profile(3, 1_048_576);
        p.create_group_with_members = false;
        let plan = plan_into_empty(&directory(3, 1), p.clone());
        let encoder = RequestEncoder::new("/scim/v2", p.clone()).unwrap();
        let pending: Vec<(usize, &Action)> =
            plan.actions.iter().map(|s| &s.action).enumerate().collect();
        let first = next_batch(
            &pending,
            &encoder,
            &crate::plan::NoIds,
            p.bulk_limits().unwrap(),
        );
        assert_eq!((first.actions.len(), &first.end), (3, &BatchEnd::Full));
        // Without the first batch's answers, the membership of u0 cannot be written: the
        // group's create goes, its members wait.
        let rest = &pending[3..];
        let second = next_batch(
            rest,
            &encoder,
            &crate::plan::NoIds,
            p.bulk_limits().unwrap(),
        );
        assert!(
            matches!(second.end, BatchEnd::Waiting(..)),
            "{:?}",
            second.end
        );
        let batches = all_batches(&plan, &p);
        let sizes: Vec<usize> = batches.iter().map(|b| b.actions.len()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), plan.actions.len());
    }

    #[test]
    fn an_action_larger_than_the_payload_limit_goes_alone() {
        let p = bulk_profile(10, 150);
        let plan = plan_into_empty(&directory(2, 0), p.clone());
        let encoder = RequestEncoder::new("/scim/v2", p.clone()).unwrap();
        let pending: Vec<(usize, &Action)> =
            plan.actions.iter().map(|s| &s.action).enumerate().collect();
        let b = next_batch(
            &pending,
            &encoder,
            &crate::plan::NoIds,
            p.bulk_limits().unwrap(),
        );
        assert_eq!(b.end, BatchEnd::TooLarge(0));
        assert!(b.operations.is_empty());
    }

    #[test]
    fn a_group_created_with_many_members_goes_alone_under_a_small_payload_limit() {
        // Found by the property below: 37 members make one group's create some 1,700 bytes.
        let p = bulk_profile(1, 600);
        let plan = plan_into_empty(&directory(37, 1), p.clone());
        let (batches, alone) = batches_and_alone(&plan, &p);
        assert_eq!(alone, 1);
        assert_eq!(batches.len(), plan.actions.len() - 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Batches cover every action once, in order, within both limits, and there are as
        /// few as the limits allow when nothing waits: ⌈actions ÷ maxOperations⌉ when the
        /// payload is no constraint.
        #[test]
        fn batches_cover_the_plan_within_the_limits(
            users in 0usize..40,
            groups in 0usize..4,
            max_operations in 1u32..12,
            max_payload_size in prop_oneof![Just(1_048_576u64), 600u64..3_000],
        ) {
            let p = bulk_profile(max_operations, max_payload_size);
            let plan = plan_into_empty(&directory(users, groups), p.clone());
            let encoder = RequestEncoder::new("/scim/v2", p.clone()).unwrap();
            // A group created with many members can be larger than a small payload limit on
            // its own: it goes alone, outside Bulk.
            let (batches, alone) = batches_and_alone(&plan, &p);
            let covered: usize = batches.iter().map(|b| b.actions.len()).sum();
            prop_assert_eq!(covered + alone, plan.actions.len());
            if max_payload_size == 1_048_576 {
                prop_assert_eq!(alone, 0);
            }
            for b in &batches {
                prop_assert!(b.operations.len() <= max_operations as usize);
                let body = encoder.bulk(b.operations.clone(), Some(b.fail_on_errors)).unwrap().body.unwrap();
                prop_assert_eq!(body.len() as u64, b.bytes);
                prop_assert!(b.bytes <= max_payload_size);
            }
            if max_payload_size == 1_048_576 {
                let least = plan.actions.len().div_ceil(max_operations as usize);
                prop_assert_eq!(batches.len(), least);
            }
        }
    }
}
