//! Whether writes go in SCIM Bulk requests (RFC 7644 §3.7), and how large those may be: what
//! the server advertises in its ServiceProviderConfig (`bulk.supported`, `maxOperations`,
//! `maxPayloadSize`) or a host's profile says, and the profile's `useBulk` switch.
//!
//! Bulk is used only where it is known to work: a server that advertises it with a usable
//! `maxOperations`, or a profile that states it. A profile that says nothing of Bulk and a
//! server that does not answer discovery (Airtable documents no `/Bulk`) get single
//! requests. A server's advertisement narrows a profile's limits, never widens them.

use serde::{Deserialize, Serialize};

use super::Profile;
use crate::model::BulkConfig;

/// The most operations taken from a server's advertisement: a server advertising
/// `maxOperations: 2147483647` means "no cap", and batches this large are already few.
pub const LARGEST_ADVERTISED_BATCH: u32 = 10_000;

/// The payload limit assumed when a server advertises Bulk without `maxPayloadSize`
/// (RFC 7644 makes it required; its example says 1 MiB).
pub const DEFAULT_MAX_PAYLOAD_SIZE: u64 = 1_048_576;

/// The limits of one Bulk request.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct BulkSupport {
    /// The most operations one request may carry (at least 1).
    pub max_operations: u32,
    /// The largest request body, in bytes of the encoded JSON.
    pub max_payload_size: u64,
}

impl BulkSupport {
    /// What a ServiceProviderConfig's `bulk` section offers: `None` unless `supported` is
    /// true and `maxOperations` is at least 1.
    pub fn advertised(config: &BulkConfig) -> Option<BulkSupport> {
        if config.supported != Some(true) {
            return None;
        }
        let ops = match config.max_operations? {
            0 => return None,
            n => u32::try_from(n).map_or(LARGEST_ADVERTISED_BATCH, |n| {
                n.min(LARGEST_ADVERTISED_BATCH)
            }),
        };
        let payload = match config.max_payload_size {
            None | Some(0) => DEFAULT_MAX_PAYLOAD_SIZE,
            Some(n) => n,
        };
        Some(BulkSupport {
            max_operations: ops,
            max_payload_size: payload,
        })
    }

    /// The tighter of two limits.
    fn narrowed(self, other: BulkSupport) -> BulkSupport {
        BulkSupport {
            max_operations: self.max_operations.min(other.max_operations),
            max_payload_size: self.max_payload_size.min(other.max_payload_size),
        }
    }
}

impl Profile {
    /// The limits of the Bulk requests to send, or `None` to send single requests: the
    /// profile's `bulk` unless `useBulk` is off.
    pub fn bulk_limits(&self) -> Option<BulkSupport> {
        self.bulk
            .filter(|b| self.use_bulk && b.max_operations > 0 && b.max_payload_size > 0)
    }

    /// The profile's `bulk` after discovery: the server's `bulk` section when it advertises
    /// Bulk (narrowed by the profile's own limits, if any), none when it says it does not,
    /// the profile's when it says nothing.
    pub(super) fn refine_bulk(&mut self, config: &BulkConfig) {
        self.bulk = match (config.supported, BulkSupport::advertised(config)) {
            (Some(false), _) => None,
            (_, Some(advertised)) => Some(match self.bulk {
                Some(own) => own.narrowed(advertised),
                None => advertised,
            }),
            (_, None) => self.bulk,
        };
    }
}

/// Serde default of `useBulk`.
pub(super) fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ServiceProviderConfig;
    use serde_json::json;

    fn spc(bulk: serde_json::Value) -> ServiceProviderConfig {
        serde_json::from_value(json!({ "bulk": bulk })).unwrap()
    }

    #[test]
    fn discovery_turns_bulk_on_within_the_advertised_limits() {
        let generic = Profile::generic();
        assert_eq!(generic.bulk_limits(), None);
        let p = generic.refined_by(&spc(
            json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576}),
        ));
        assert_eq!(
            p.bulk_limits(),
            Some(BulkSupport {
                max_operations: 1000,
                max_payload_size: 1_048_576
            })
        );
        // The switch turns it off whatever the server says.
        let mut off = Profile::generic();
        off.use_bulk = false;
        let off = off.refined_by(&spc(json!({"supported": true, "maxOperations": 1000})));
        assert_eq!(off.bulk_limits(), None);
        assert!(off.bulk.is_some());
    }

    #[test]
    fn unusable_or_absent_advertisements_send_single_requests() {
        let generic = Profile::generic();
        for bulk in [
            json!({"supported": false, "maxOperations": 1000}),
            json!({"supported": true}),
            json!({"supported": true, "maxOperations": 0}),
            json!({"maxOperations": 1000}),
            json!({}),
        ] {
            assert_eq!(
                generic.refined_by(&spc(bulk.clone())).bulk_limits(),
                None,
                "{bulk}"
            );
        }
        let huge = generic.refined_by(&spc(json!({"supported": true, "maxOperations": u64::MAX})));
        assert_eq!(
            huge.bulk_limits(),
            Some(BulkSupport {
                max_operations: LARGEST_ADVERTISED_BATCH,
                max_payload_size: DEFAULT_MAX_PAYLOAD_SIZE
            })
        );
    }

    #[test]
    fn a_profile_s_own_limits_are_narrowed_never_widened() {
        let mut own = Profile::generic();
        own.bulk = Some(BulkSupport {
            max_operations: 50,
            max_payload_size: 10_000_000,
        });
        let p = own.refined_by(&spc(
            json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 65536}),
        ));
        assert_eq!(
            p.bulk,
            Some(BulkSupport {
                max_operations: 50,
                max_payload_size: 65_536
            })
        );
        // Silence keeps it; a "no" removes it.
        assert_eq!(own.refined_by(&spc(json!({}))).bulk, own.bulk);
        assert_eq!(own.refined_by(&spc(json!({"supported": false}))).bulk, None);
    }

    #[test]
    fn the_profile_json_reads_with_and_without_the_bulk_fields() {
        let mut v = serde_json::to_value(Profile::generic()).unwrap();
        assert_eq!(v["useBulk"], json!(true));
        let o = v.as_object_mut().unwrap();
        o.remove("useBulk");
        o.insert(
            "bulk".into(),
            json!({"maxOperations": 10, "maxPayloadSize": 4096}),
        );
        let p: Profile = serde_json::from_value(v).unwrap();
        assert!(p.use_bulk);
        assert_eq!(p.bulk_limits().map(|b| b.max_operations), Some(10));
    }
}
