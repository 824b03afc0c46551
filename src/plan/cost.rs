//! What applying a plan costs: the requests its actions send, by kind, and the least time
//! they take at the profile's documented rate limit.
//!
//! Each action is one request (a membership change is chunked into actions to the profile's
//! limits by the planner, so the count is exact for a run where every answer is a success).
//! Under SCIM Bulk (the profile's [`bulk_limits`](crate::profile::Profile::bulk_limits)),
//! the actions go as operations of Bulk requests: the count is ⌈actions ÷ maxOperations⌉,
//! the fewest batches the engine sends (it sends more when `maxPayloadSize` fills a batch
//! first, when an operation waits for an id a batch still in flight will answer, or when the
//! listing was incomplete and every create is looked up first), and the time is that of
//! those requests. `byKind` still counts actions (operations) by kind.
//! Not counted: the listing the plan was made from (already sent), the listing an `apply
//! --plan` makes to check the reviewed plan, and what answers may add (a retry, a lookup
//! after a lost answer or a 409, an adopted resource's update). The least time is that of
//! the token bucket the engine paces with, starting full: `burst` requests at once, then
//! one every `1 / requestsPerSecond` seconds; latency comes on top.
//!
//! The cost is not covered by the plan's `digest` (a plan made before plans carried it
//! still verifies), and a saved plan's figures are not trusted: decoding recounts the
//! requests from the actions and recomputes the time from the rate written with them (or,
//! for a plan without one, the built-in profile of the plan's name).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};

use super::action::{Action, ActionKind};
use crate::profile::RateLimit;

/// The cost of applying a plan. See the module docs for what it counts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cost {
    /// Requests the plan's actions send: one each, or under Bulk ⌈actions ÷
    /// `bulkMaxOperations`⌉.
    #[serde(default)]
    pub requests: u64,
    /// The actions by kind (kinds with none left out): one request each without Bulk.
    #[serde(default)]
    pub by_kind: BTreeMap<ActionKind, u64>,
    /// The least time they take at `rateLimit`, in seconds (to the millisecond, rounded
    /// up); 0 without a rate limit.
    #[serde(default, serialize_with = "number")]
    pub min_seconds: f64,
    /// The rate the time is computed at: the profile's documented limit; absent when it
    /// documents none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "rate"
    )]
    pub rate_limit: Option<RateLimit>,
    /// The operations per Bulk request the actions are counted in; absent without Bulk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_max_operations: Option<u32>,
    /// A targeted run's lookup queries, sent before the plan was made (its requests in all
    /// are `lookups + requests`); absent (0) for a plan made from a listing.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub lookups: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

// Numbers are written as JavaScript writes them, so every form of the core (native, npm,
// component) prints a plan byte for byte alike: a whole number without `.0` (JavaScript's
// `JSON.stringify(5.0)` is `5`); other values are the shortest round-trip digits in both.
fn number<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Exact: a whole f64 below 2^53 converts to u64 and back unchanged.
    if value.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(value) {
        s.serialize_u64(*value as u64)
    } else {
        s.serialize_f64(*value)
    }
}

fn rate<S: Serializer>(value: &Option<RateLimit>, s: S) -> Result<S::Ok, S::Error> {
    /// A [`RateLimit`] written with [`number`].
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Written {
        #[serde(serialize_with = "number")]
        requests_per_second: f64,
        burst: u32,
    }
    value
        .map(|r| Written {
            requests_per_second: r.requests_per_second,
            burst: r.burst,
        })
        .serialize(s)
}

impl Cost {
    /// The cost of `actions` at `rate_limit`, sent as Bulk requests of `bulk_max_operations`
    /// operations when given (and not 0).
    pub fn of<'a>(
        actions: impl Iterator<Item = &'a Action>,
        rate_limit: Option<RateLimit>,
        bulk_max_operations: Option<u32>,
    ) -> Cost {
        let bulk_max_operations = bulk_max_operations.filter(|&n| n > 0);
        let mut by_kind: BTreeMap<ActionKind, u64> = BTreeMap::new();
        for action in actions {
            *by_kind.entry(action.kind()).or_default() += 1;
        }
        let actions: u64 = by_kind.values().sum();
        let requests = match bulk_max_operations {
            Some(n) => actions.div_ceil(u64::from(n)),
            None => actions,
        };
        Cost {
            requests,
            by_kind,
            min_seconds: min_seconds(requests, rate_limit),
            rate_limit,
            bulk_max_operations,
            lookups: 0,
        }
    }
}

/// The least time `requests` take through a token bucket of `rate_limit` that starts full.
fn min_seconds(requests: u64, rate_limit: Option<RateLimit>) -> f64 {
    let Some(limit) = rate_limit.filter(|r| r.requests_per_second.is_finite()) else {
        return 0.0;
    };
    if limit.requests_per_second <= 0.0 {
        return 0.0;
    }
    // The engine's bucket holds at least one token.
    let paced = requests.saturating_sub(u64::from(limit.burst.max(1)));
    let ms = (paced as f64 * 1_000.0 / limit.requests_per_second).ceil();
    ms / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan_into_empty;
    use crate::profile::Profile;

    fn rate(requests_per_second: f64, burst: u32) -> Option<RateLimit> {
        Some(RateLimit {
            requests_per_second,
            burst,
        })
    }

    #[test]
    fn the_least_time_is_the_token_bucket_s() {
        assert_eq!(min_seconds(100, None), 0.0);
        // Airtable: 5 at once, then 5 a second.
        assert_eq!(min_seconds(5, rate(5.0, 5)), 0.0);
        assert_eq!(min_seconds(6, rate(5.0, 5)), 0.2);
        assert_eq!(min_seconds(105, rate(5.0, 5)), 20.0);
        // GitHub EMU: 1,000 an hour after a burst of 10; rounded up to the millisecond.
        assert_eq!(min_seconds(11, rate(1_000.0 / 3_600.0, 10)), 3.6);
        assert_eq!(min_seconds(12, rate(3.0, 1)), 3.667);
        // A burst of 0 still lets one through; a rate of 0 or NaN paces nothing.
        assert_eq!(min_seconds(2, rate(1.0, 0)), 1.0);
        assert_eq!(min_seconds(9, rate(0.0, 1)), 0.0);
        assert_eq!(min_seconds(9, rate(f64::NAN, 1)), 0.0);
    }

    #[test]
    fn a_plan_states_its_requests_by_kind() {
        let p = plan_into_empty(
            r#"{"users": [{"userName": "a@x"}, {"userName": "b@x"}],
                "groups": [{"displayName": "Eng", "members": ["a@x", "b@x"]}]}"#,
            Profile::airtable(),
        );
        assert_eq!(p.cost.requests, p.actions.len() as u64);
        let kinds: Vec<(ActionKind, u64)> = p.cost.by_kind.iter().map(|(k, n)| (*k, *n)).collect();
        assert_eq!(
            kinds,
            [
                (ActionKind::AddMembers, 1),
                (ActionKind::CreateGroup, 1),
                (ActionKind::CreateUser, 2)
            ]
        );
        assert_eq!(p.cost.rate_limit, Profile::airtable().rate_limit);
        assert_eq!(
            p.cost.min_seconds, 0.0,
            "4 requests fit Airtable's burst of 5"
        );
        let json = serde_json::to_value(&p.cost).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "requests": 4,
                "byKind": {"addMembers": 1, "createGroup": 1, "createUser": 2},
                "minSeconds": 0,
                "rateLimit": {"requestsPerSecond": 5, "burst": 5}
            })
        );
        // Whole numbers without `.0`, as JavaScript writes them; others as they are.
        let text = serde_json::to_string(&Cost::of(
            p.actions.iter().map(|s| &s.action).cycle().take(7),
            rate(2.5, 5),
            None,
        ))
        .unwrap();
        assert!(
            text.contains(r#""minSeconds":0.8,"rateLimit":{"requestsPerSecond":2.5,"burst":5}"#),
            "{text}"
        );
        let text = serde_json::to_string(&Cost::of(
            p.actions.iter().map(|s| &s.action).cycle().take(10),
            rate(5.0, 5),
            None,
        ))
        .unwrap();
        assert!(text.contains(r#""minSeconds":1,"#), "{text}");

        // The generic profile documents no rate, and the group's POST carries its members.
        let p = plan_into_empty(
            r#"{"users": [{"userName": "a@x"}],
                "groups": [{"displayName": "Eng", "members": ["a@x"]}]}"#,
            Profile::generic(),
        );
        assert_eq!((p.cost.requests, p.cost.min_seconds), (2, 0.0));
        assert_eq!(p.cost.rate_limit, None);
    }

    #[test]
    fn under_bulk_the_cost_counts_batches() {
        let directory = r#"{"users": [{"userName": "a@x"}, {"userName": "b@x"}, {"userName": "c@x"},
                          {"userName": "d@x"}, {"userName": "e@x"}],
                "groups": [{"displayName": "Eng", "members": ["a@x", "b@x"]}]}"#;
        let mut profile = Profile::generic();
        profile.bulk = Some(crate::profile::BulkSupport {
            max_operations: 4,
            max_payload_size: 1_048_576,
        });
        profile.rate_limit = rate(1.0, 1);
        let p = plan_into_empty(directory, profile.clone());
        // Six actions, four to a request.
        assert_eq!(p.actions.len(), 6);
        assert_eq!(p.cost.requests, 2);
        assert_eq!(p.cost.bulk_max_operations, Some(4));
        assert_eq!(p.cost.by_kind.values().sum::<u64>(), 6);
        assert_eq!(p.cost.min_seconds, 1.0, "the second request waits a second");
        let json = serde_json::to_value(&p.cost).unwrap();
        assert_eq!(json["bulkMaxOperations"], 4);
        // A saved plan keeps counting in batches; useBulk off counts single requests.
        let read: crate::plan::Plan =
            serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(read.cost, p.cost);
        profile.use_bulk = false;
        let single = plan_into_empty(directory, profile);
        assert_eq!(
            (single.cost.requests, single.cost.bulk_max_operations),
            (6, None)
        );
        assert!(serde_json::to_value(&single.cost)
            .unwrap()
            .get("bulkMaxOperations")
            .is_none());
    }

    #[test]
    fn a_saved_plan_s_cost_is_recomputed_and_not_digested() {
        let p = plan_into_empty(
            r#"{"users": [{"userName": "a@x"}, {"userName": "b@x"}, {"userName": "c@x"},
                          {"userName": "d@x"}, {"userName": "e@x"}, {"userName": "f@x"}]}"#,
            Profile::airtable(),
        );
        assert_eq!((p.cost.requests, p.cost.min_seconds), (6, 0.2));
        let mut json = serde_json::to_value(&p).unwrap();
        json["cost"]["requests"] = 1.into();
        json["cost"]["byKind"] = serde_json::json!({});
        json["cost"]["minSeconds"] = 0.into();
        let read: crate::plan::Plan = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(read.cost, p.cost, "recounted from the actions");
        crate::plan::check_integrity(&read).expect("the cost is not digested");
        // A plan made before plans carried a cost: the built-in profile's rate.
        json.as_object_mut().unwrap().remove("cost");
        let read: crate::plan::Plan = serde_json::from_value(json).unwrap();
        assert_eq!(read.cost, p.cost);
        crate::plan::check_integrity(&read).expect("an older plan still verifies");
    }
}
