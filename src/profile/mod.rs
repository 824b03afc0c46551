//! Service-provider profiles: what a SCIM server supports and how it deviates from RFC 7644.
//!
//! A profile is plain data (serde-serializable, so hosts can ship their own as JSON). Every
//! server-specific behaviour in the crate reads a profile field; supporting another server is
//! a new entry in [`builtin`]'s table, never a new code path. The `generic` profile can be
//! refined from a server's ServiceProviderConfig (see [`Profile::refined_by`]).
//!
//! A profile reads from JSON with serde's derives: camelCase names, unknown fields refused
//! (a typo is an error, never a silently ignored setting), every field required but the
//! optional ones: `rateLimit`, `users.maxPageSize`/`groups.maxPageSize`,
//! `patch.maxOperations`, `patch.maxMembers` and `bulk` are `null` or absent for "none", an
//! absent `managerDisplayNameWritable` or `createGroupWithMembers` is false, an absent
//! `useBulk` is true, and an absent `pagination` is `"index"`.

mod builtin;
mod bulk;
mod paging;
mod refine;

use serde::{Deserialize, Serialize};

use crate::filter::{CompareOp, Filter};
use crate::model::OpCase;

pub use builtin::{builtin, builtin_names};
pub use bulk::{BulkSupport, DEFAULT_MAX_PAYLOAD_SIZE, LARGEST_ADVERTISED_BATCH};
pub use paging::{page_size, pagination, LARGEST_ADVERTISED_PAGE};

/// Everything the core needs to know about one kind of SCIM server.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Profile {
    /// Short name, such as `airtable`.
    pub name: String,
    /// Whether to ask `GET /ServiceProviderConfig` before listing (a 404 falls back to this
    /// profile as it is).
    pub discovery: bool,
    /// What `/Users` supports.
    pub users: ResourceSupport,
    /// What `/Groups` supports.
    pub groups: ResourceSupport,
    /// PATCH support and its shape.
    pub patch: PatchSupport,
    /// HTTP statuses accepted as success for `POST` (Airtable documents 200, RFC says 201).
    pub create_statuses: Vec<u16>,
    /// How the server writes `status` in error bodies (decoding accepts both either way).
    pub error_status: StatusFormat,
    /// HTTP statuses meaning "no such group" (Airtable answers 400 for an unknown group id).
    pub unknown_group_statuses: Vec<u16>,
    /// The server's documented request rate, if any.
    pub rate_limit: Option<RateLimit>,
    /// How long to wait after a 429 that carries no usable `Retry-After`, in milliseconds.
    pub retry_after_default_ms: u64,
    /// Headers every request must carry besides the SCIM content type (GitHub requires a
    /// `User-Agent`). Never credentials: the host adds those.
    pub extra_headers: Vec<(String, String)>,
    /// Whether `DELETE /Users/{id}` only deactivates (Slack) rather than deleting.
    pub delete_user_deactivates: bool,
    /// Whether the server stores the enterprise `manager.displayName`. RFC 7643 makes it
    /// read-only (servers reject writes with `mutability`); Airtable stores it. When false
    /// the planner neither sends nor compares it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub manager_display_name_writable: bool,
    /// Whether `POST /Groups` takes `members` (RFC 7644 servers): a new group is then
    /// created with its members in one request. Airtable creates groups empty whatever the
    /// body says; there, and for a profile that does not say (absent reads false), members
    /// follow in PATCHes.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub create_group_with_members: bool,
    /// SCIM Bulk (RFC 7644 §3.7) as the server offers it: discovery sets it from the
    /// ServiceProviderConfig's `bulk` section; a profile may state it for a server without
    /// discovery. Absent: writes go one request each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub bulk: Option<BulkSupport>,
    /// Whether to send writes in Bulk requests where `bulk` says the server takes them
    /// (absent reads true); false always sends single requests.
    #[serde(default = "bulk::yes")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub use_bulk: bool,
    /// How listings page: `startIndex` (RFC 7644, the default) or RFC 9865 cursors.
    /// Discovery switches to cursors where the server advertises them
    /// ([`pagination()`] has the rule).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub pagination: Pagination,
}

/// How a listing walks its pages.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Pagination {
    /// `startIndex` and `count` (RFC 7644 §3.4.2.4); pages may be fetched in parallel.
    #[default]
    Index,
    /// `cursor` and `count`, following each page's `nextCursor` (RFC 9865), one page after
    /// the other.
    Cursor,
}

/// What listing and filtering one resource type supports.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ResourceSupport {
    /// Filters the endpoint accepts.
    pub filter: FilterSupport,
    /// Whether `startIndex` paging is honoured (Airtable `/Groups`: no).
    pub start_index: bool,
    /// The largest `count` the server honours, if it caps pages; listings ask for pages this
    /// large (discovery's `filter.maxResults` may narrow it, never widen it).
    pub max_page_size: Option<u32>,
    /// The `count` to ask for when listing where no cap is known (neither `max_page_size`
    /// nor discovery says how large a page may be).
    pub page_size: u32,
    /// Whether a listing includes each group's `members` (AWS: no).
    pub members_in_listing: bool,
}

/// The filter subset an endpoint accepts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FilterSupport {
    /// Attribute paths that may be filtered on (compared case-insensitively); `"*"` allows
    /// any.
    pub attributes: Vec<String>,
    /// Comparison operators allowed.
    pub operators: Vec<CompareOp>,
    /// Whether `pr` is allowed.
    pub present: bool,
    /// Whether `and` is allowed.
    pub and: bool,
    /// Whether `or` is allowed.
    pub or: bool,
    /// Whether `not` is allowed.
    pub not: bool,
    /// Whether value paths such as `emails[type eq "work"]` are allowed.
    pub value_path: bool,
}

/// PATCH support and the shape of the operations a server expects.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PatchSupport {
    /// Whether PATCH is supported at all; without it, updates are full PUTs.
    pub supported: bool,
    /// How operation names are spelled.
    pub op_case: OpCase,
    /// Whether every operation must carry a `path` (Airtable, AWS).
    pub path_required: bool,
    /// How an `add` of members carries its value.
    pub member_add: MemberAddShape,
    /// The most operations one PATCH may carry, if limited.
    pub max_operations: Option<u32>,
    /// The most member values one PATCH may add or remove, if limited (AWS: 100).
    pub max_members: Option<u32>,
}

/// How a PATCH `add` on `members` carries the new members.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum MemberAddShape {
    /// `"value": [{"value": "id1"}, {"value": "id2"}]` (RFC 7644 §3.5.2.1).
    Array,
    /// One operation per member, `"value": {"value": "id1"}` (Airtable's documented form).
    SingleObject,
}

/// How a server writes the `status` of an error body.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum StatusFormat {
    /// `"status": "404"` (RFC 7644).
    String,
    /// `"status": 404` (Airtable).
    Number,
}

/// A request rate limit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RateLimit {
    /// Sustained requests per second.
    pub requests_per_second: f64,
    /// Requests that may be sent at once before pacing starts.
    pub burst: u32,
}

/// Why a filter is not acceptable to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsupportedFilter {
    /// The endpoint does not filter on this attribute.
    #[error("filtering on `{0}` is not supported")]
    Attribute(String),
    /// The endpoint does not support this operator.
    #[error("the `{0}` operator is not supported")]
    Operator(&'static str),
    /// The endpoint does not support this construct (`and`, `or`, `not`, `pr`, `[...]`).
    #[error("`{0}` in filters is not supported")]
    Construct(&'static str),
}

impl FilterSupport {
    /// Any filter RFC 7644 defines.
    pub fn full() -> FilterSupport {
        FilterSupport {
            attributes: vec!["*".into()],
            operators: CompareOp::ALL.to_vec(),
            present: true,
            and: true,
            or: true,
            not: true,
            value_path: true,
        }
    }

    /// Only `attr eq "..."` on the given attributes.
    pub fn eq_only(attributes: &[&str]) -> FilterSupport {
        FilterSupport {
            attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
            operators: vec![CompareOp::Eq],
            present: false,
            and: false,
            or: false,
            not: false,
            value_path: false,
        }
    }

    /// No filtering at all.
    pub fn none() -> FilterSupport {
        FilterSupport {
            attributes: Vec::new(),
            ..FilterSupport::eq_only(&[])
        }
    }

    /// Whether `attr eq "..."` is accepted: the one question the engine asks most.
    pub fn allows_eq(&self, attr: &str) -> bool {
        self.operators.contains(&CompareOp::Eq) && self.allows_attribute(attr)
    }

    fn allows_attribute(&self, attr: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(attr))
    }

    /// Checks every part of `filter` against what the endpoint accepts.
    ///
    /// # Errors
    ///
    /// The first [`UnsupportedFilter`] part of `filter` the endpoint does not accept.
    pub fn check(&self, filter: &Filter) -> Result<(), UnsupportedFilter> {
        match filter {
            Filter::Compare { path, op, .. } => {
                self.check_path(path)?;
                if self.operators.contains(op) {
                    Ok(())
                } else {
                    Err(UnsupportedFilter::Operator(op.keyword()))
                }
            }
            Filter::Present(path) => {
                self.check_path(path)?;
                self.require(self.present, "pr")
            }
            Filter::And(a, b) => {
                self.require(self.and, "and")?;
                self.check(a)?;
                self.check(b)
            }
            Filter::Or(a, b) => {
                self.require(self.or, "or")?;
                self.check(a)?;
                self.check(b)
            }
            Filter::Not(inner) => {
                self.require(self.not, "not")?;
                self.check(inner)
            }
            Filter::ValuePath { path, filter } => {
                self.require(self.value_path, "[...]")?;
                self.check_path(path)?;
                self.check(filter)
            }
        }
    }

    fn check_path(&self, path: &crate::filter::AttrPath) -> Result<(), UnsupportedFilter> {
        let name = path.short_name();
        if self.allows_attribute(&name) {
            Ok(())
        } else {
            Err(UnsupportedFilter::Attribute(path.to_string()))
        }
    }

    fn require(&self, allowed: bool, construct: &'static str) -> Result<(), UnsupportedFilter> {
        if allowed {
            Ok(())
        } else {
            Err(UnsupportedFilter::Construct(construct))
        }
    }
}

impl Profile {
    /// The profile for an RFC 7644 server, before discovery refines it.
    pub fn generic() -> Profile {
        builtin::generic()
    }

    /// Airtable's SCIM API as documented.
    pub fn airtable() -> Profile {
        builtin::airtable()
    }

    /// The members a single PATCH may add or remove under this profile: the tighter of the
    /// operation and member limits, because a removal (and, for
    /// [`MemberAddShape::SingleObject`], an addition) takes one operation per member.
    pub fn member_chunk_size(&self) -> usize {
        let ops = self.patch.max_operations.map(|n| n as usize);
        let members = self.patch.max_members.map(|n| n as usize);
        let limit = match (ops, members) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => usize::MAX,
        };
        limit.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airtable_accepts_only_user_name_eq() {
        let p = Profile::airtable();
        assert!(p.users.filter.check(&Filter::eq("userName", "a")).is_ok());
        assert!(p.users.filter.check(&Filter::eq("USERNAME", "a")).is_ok());
        assert_eq!(
            p.users.filter.check(&Filter::eq("externalId", "a")),
            Err(UnsupportedFilter::Attribute("externalId".into()))
        );
        assert_eq!(
            p.users
                .filter
                .check(&Filter::compare("userName", CompareOp::Sw, "a")),
            Err(UnsupportedFilter::Operator("sw"))
        );
        assert_eq!(
            p.users
                .filter
                .check(&Filter::eq("userName", "a").and(Filter::eq("userName", "b"))),
            Err(UnsupportedFilter::Construct("and"))
        );
        assert!(p
            .groups
            .filter
            .check(&Filter::eq("displayName", "x"))
            .is_ok());
        assert!(p.groups.filter.check(&Filter::eq("userName", "x")).is_err());
    }

    #[test]
    fn generic_accepts_everything() {
        let p = Profile::generic();
        let f = Filter::present("title")
            .and(Filter::eq("userType", "Employee").negate())
            .or(Filter::compare(
                "name.familyName",
                CompareOp::Co,
                "O'Malley",
            ));
        assert!(p.users.filter.check(&f).is_ok());
    }

    #[test]
    fn profiles_round_trip_as_json() {
        for name in builtin_names() {
            let p = builtin(name).expect("listed profile exists");
            let json = serde_json::to_string(&p).unwrap();
            let back: Profile = serde_json::from_str(&json).unwrap();
            assert_eq!(back, p, "{name}");
        }
    }

    fn airtable_with(pointer: &str, value: serde_json::Value) -> serde_json::Value {
        let mut json = serde_json::to_value(Profile::airtable()).unwrap();
        *json.pointer_mut(pointer).unwrap() = value;
        json
    }

    fn refusal(json: serde_json::Value) -> String {
        serde_json::from_value::<Profile>(json)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn optional_fields_may_be_null_or_absent_and_others_are_required() {
        let mut json = airtable_with("/rateLimit", serde_json::Value::Null);
        let map = json.as_object_mut().unwrap();
        map.remove("managerDisplayNameWritable");
        map["patch"]
            .as_object_mut()
            .unwrap()
            .remove("maxOperations");
        map["users"]["maxPageSize"] = serde_json::Value::Null;
        let p: Profile = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(p.rate_limit, None);
        assert!(!p.manager_display_name_writable);
        assert_eq!(p.patch.max_operations, None);
        assert_eq!(p.users.max_page_size, None);
        json.as_object_mut().unwrap().remove("rateLimit");
        assert_eq!(
            serde_json::from_value::<Profile>(json).unwrap().rate_limit,
            None
        );
        assert!(refusal(serde_json::json!({"name": "x"})).contains("missing field `discovery`"));
        assert!(
            refusal(airtable_with("/discovery", serde_json::Value::Null))
                .contains("expected a boolean")
        );
        assert!(refusal(airtable_with(
            "/managerDisplayNameWritable",
            serde_json::Value::Null
        ))
        .contains("expected a boolean"));
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        let mut json = serde_json::to_value(Profile::airtable()).unwrap();
        json["typo"] = 1.into();
        assert!(refusal(json).contains("unknown field `typo`"));
        let mut json = serde_json::to_value(Profile::airtable()).unwrap();
        json["patch"]["maxOps"] = 1.into();
        assert!(refusal(json).contains("unknown field `maxOps`"));
        assert!(
            refusal(airtable_with("/users/filter/operators/0", "is".into()))
                .contains("unknown variant `is`")
        );
        assert!(refusal(airtable_with("/createStatuses/1", 70_000.into())).contains("expected u16"));
        assert!(
            refusal(airtable_with("/patch/maxOperations", (-1).into())).contains("expected u32")
        );
        assert!(refusal(airtable_with("/patch/opCase", "upper".into()))
            .contains("unknown variant `upper`"));
        assert!(refusal(airtable_with("/errorStatus", "text".into()))
            .contains("unknown variant `text`"));
        assert!(
            refusal(airtable_with("/extraHeaders", serde_json::json!([["a"]])))
                .contains("invalid length 1")
        );
    }

    #[test]
    fn member_chunk_size_takes_the_tighter_limit() {
        let mut p = Profile::generic();
        p.patch.max_operations = Some(10);
        p.patch.max_members = Some(100);
        assert_eq!(p.member_chunk_size(), 10);
        p.patch.max_operations = None;
        assert_eq!(p.member_chunk_size(), 100);
        p.patch.max_members = None;
        assert_eq!(p.member_chunk_size(), usize::MAX);
    }
}
