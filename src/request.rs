//! Request encoding: SCIM operations into plain [`HttpRequest`]s, checked against a profile.
//!
//! Everything a caller passes is either encoded so it cannot change the request's shape (ids
//! are percent-encoded as one path segment; filter values are JSON string literals; query
//! values are percent-encoded) or rejected with an [`EncodeError`]: a query the profile does
//! not support is an error, never a silently different query.

use std::borrow::Cow;

use crate::filter::Filter;
use crate::http::{HttpRequest, Method, SCIM_MEDIA_TYPE};
use crate::model::{Group, PatchOp, User};
use crate::profile::{Pagination, Profile, ResourceSupport, UnsupportedFilter};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod bulk;

pub use bulk::{bulk_request, BULK_ID_PREFIX};

/// RFC 3986 unreserved characters pass through; everything else is percent-encoded, which
/// is safe both in a path segment and in a query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Longest id accepted; real ids are short, and a megabyte of id is a bug upstream.
const MAX_ID_LEN: usize = 1024;

/// The two resource types this crate provisions.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ResourceKind {
    /// `/Users`
    User,
    /// `/Groups`
    Group,
}

impl ResourceKind {
    /// Every kind, in the order of [`ResourceKind::NAMES`].
    pub const ALL: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

    /// The kinds' serialized names, as hosts spell them.
    pub const NAMES: &'static [&'static str] = &["user", "group"];

    /// The kind called `name` (one of [`ResourceKind::NAMES`]), if any.
    pub fn from_name(name: &str) -> Option<ResourceKind> {
        let i = ResourceKind::NAMES.iter().position(|n| *n == name)?;
        ResourceKind::ALL.get(i).copied()
    }

    /// The endpoint name, `Users` or `Groups`.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }
}

/// Parameters of a list (query) request.
///
/// Read with serde's derive: camelCase names, every field may be absent (`null` is none for
/// the three options and refused for the two lists), unknown fields ignored, the filter in
/// its serde form (see [`crate::filter`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ListQuery {
    /// 1-based index of the first result.
    pub start_index: Option<u64>,
    /// RFC 9865's cursor: empty for the first page, then the `nextCursor` of the page before.
    /// Never together with `start_index`.
    pub cursor: Option<String>,
    /// Page size.
    pub count: Option<u32>,
    /// Filter expression.
    pub filter: Option<Filter>,
    /// Attributes to return (`attributes=`).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub attributes: Vec<String>,
    /// Attributes to leave out (`excludedAttributes=`).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub excluded_attributes: Vec<String>,
}

impl ListQuery {
    /// The first page of the resources `filter` matches.
    pub fn filtered(filter: Filter) -> ListQuery {
        ListQuery {
            filter: Some(filter),
            ..ListQuery::default()
        }
    }

    /// This query from the `index`-th result (1-based, RFC 7644 paging).
    pub fn with_start_index(mut self, index: u64) -> ListQuery {
        self.start_index = Some(index);
        self
    }

    /// This query at the page `cursor` names (RFC 9865; empty for the first page).
    pub fn with_cursor(mut self, cursor: impl Into<String>) -> ListQuery {
        self.cursor = Some(cursor.into());
        self
    }

    /// This query with pages of `count` results.
    pub fn with_count(mut self, count: u32) -> ListQuery {
        self.count = Some(count);
        self
    }
}

/// A request the caller asked for that this crate will not encode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The base path is not a path (`/scim/v2`).
    #[error("base path {0:?} must be empty or start with '/', without '?', '#' or '..'")]
    InvalidBasePath(String),
    /// An id that cannot name a resource.
    #[error("invalid resource id {id:?}: {reason}")]
    InvalidId {
        /// The id, shortened when long.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The profile's endpoint does not accept this filter.
    #[error("the {profile} profile cannot filter {endpoint} by `{filter}`: {reason}")]
    UnsupportedFilter {
        /// Profile name.
        profile: String,
        /// `Users` or `Groups`.
        endpoint: &'static str,
        /// The filter as it would have been sent.
        filter: String,
        /// Which part is unsupported.
        reason: UnsupportedFilter,
    },
    /// The profile's endpoint does not accept this query parameter.
    #[error("the {profile} profile does not support `{parameter}` on {endpoint}")]
    UnsupportedParameter {
        /// Profile name.
        profile: String,
        /// `Users` or `Groups`.
        endpoint: &'static str,
        /// The parameter, such as `startIndex`.
        parameter: &'static str,
    },
    /// A page size above the profile's cap.
    #[error("count {requested} exceeds the {profile} profile's page size limit of {max}")]
    PageSizeTooLarge {
        /// Profile name.
        profile: String,
        /// What was asked for.
        requested: u32,
        /// The cap.
        max: u32,
    },
    /// `startIndex` is 1-based.
    #[error("startIndex must be at least 1")]
    InvalidStartIndex,
    /// An `attributes`/`excludedAttributes` entry that is not an attribute path.
    #[error("invalid attribute name {0:?}")]
    InvalidAttributeName(String),
    /// The profile does not support PATCH.
    #[error("the {0} profile does not support PATCH; use a full replace")]
    PatchUnsupported(String),
    /// A PATCH with more operations than the profile allows.
    #[error("{count} PATCH operations exceed the {profile} profile's limit of {max}")]
    TooManyOperations {
        /// Profile name.
        profile: String,
        /// Operations given.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// A PATCH without operations.
    #[error("a PATCH needs at least one operation")]
    EmptyPatch,
    /// The profile requires a `path` on every operation.
    #[error("the {profile} profile requires a path on every PATCH operation (operation {index})")]
    MissingPatchPath {
        /// Profile name.
        profile: String,
        /// The operation's index.
        index: usize,
    },
    /// A Bulk request to a server the profile does not say takes them (`bulk`, `useBulk`).
    #[error("the {0} profile does not send Bulk requests")]
    BulkUnsupported(String),
    /// A Bulk request beyond the server's limits.
    #[error("a Bulk request of {operations} operations and {bytes} bytes exceeds the limits of {max_operations} operations and {max_payload_size} bytes")]
    BulkTooLarge {
        /// Operations given.
        operations: usize,
        /// The encoded body's size.
        bytes: usize,
        /// The most operations allowed.
        max_operations: u32,
        /// The largest body allowed.
        max_payload_size: u64,
    },
    /// A path that is not this encoder's, so cannot be made relative for a Bulk operation.
    #[error("{0:?} is not under the base path")]
    NotUnderBase(String),
    /// A resource that cannot be serialized (a non-finite number in `extra`).
    #[error("cannot serialize the request body: {0}")]
    Body(String),
}

/// Builds requests for one server: a base path and a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestEncoder {
    base_path: String,
    profile: Profile,
}

impl RequestEncoder {
    /// An encoder for the server at `base_path` (such as `/scim/v2`; a trailing `/` is
    /// dropped).
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidBasePath`] when `base_path` is neither empty nor a path starting
    /// with `/` (or holds `?`, `#`, a control character, a space or a dot segment).
    pub fn new(base_path: &str, profile: Profile) -> Result<RequestEncoder, EncodeError> {
        let trimmed = base_path.trim_end_matches('/');
        let valid = (trimmed.is_empty() || trimmed.starts_with('/'))
            && !trimmed.contains(['?', '#'])
            && !trimmed.chars().any(|c| c.is_control() || c == ' ')
            && !trimmed.split('/').any(|seg| seg == "." || seg == "..");
        if !valid {
            return Err(EncodeError::InvalidBasePath(base_path.to_owned()));
        }
        Ok(RequestEncoder {
            base_path: trimmed.to_owned(),
            profile,
        })
    }

    /// The profile in use.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// `GET /Users` or `GET /Groups` with query parameters.
    ///
    /// # Errors
    ///
    /// [`EncodeError::UnsupportedFilter`] or [`EncodeError::UnsupportedParameter`] for what
    /// the profile does not support (a `cursor` where the profile does not page by cursor,
    /// or beside a `startIndex`), [`EncodeError::PageSizeTooLarge`],
    /// [`EncodeError::InvalidStartIndex`] or [`EncodeError::InvalidAttributeName`] for a bad
    /// value.
    pub fn list(&self, kind: ResourceKind, query: &ListQuery) -> Result<HttpRequest, EncodeError> {
        let support = self.support(kind);
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(filter) = &query.filter {
            self.check_filter(kind, filter)?;
            params.push(("filter", filter.to_string()));
        }
        if let Some(cursor) = &query.cursor {
            if self.profile.pagination != Pagination::Cursor || query.start_index.is_some() {
                return Err(self.unsupported(kind, "cursor"));
            }
            // The first page's cursor is empty: `?cursor&count=100`, as RFC 9865's example.
            params.push(("cursor", cursor.clone()));
        }
        if let Some(start) = query.start_index {
            if !support.start_index {
                return Err(self.unsupported(kind, "startIndex"));
            }
            if start == 0 {
                return Err(EncodeError::InvalidStartIndex);
            }
            params.push(("startIndex", start.to_string()));
        }
        if let Some(count) = query.count {
            if let Some(max) = support.max_page_size {
                if count > max {
                    return Err(EncodeError::PageSizeTooLarge {
                        profile: self.profile.name.clone(),
                        requested: count,
                        max,
                    });
                }
            }
            params.push(("count", count.to_string()));
        }
        for (name, list) in [
            ("attributes", &query.attributes),
            ("excludedAttributes", &query.excluded_attributes),
        ] {
            if !list.is_empty() {
                params.push((name, join_attribute_names(list)?));
            }
        }
        let mut path = self.collection(kind);
        for (i, (name, value)) in params.iter().enumerate() {
            path.push(if i == 0 { '?' } else { '&' });
            path.push_str(name);
            if !value.is_empty() {
                path.push('=');
                path.extend(utf8_percent_encode(value, COMPONENT));
            }
        }
        Ok(self.request(Method::Get, path, None))
    }

    /// The filter that finds a user by `userName`, if the profile can filter on it.
    pub fn user_lookup_filter(&self, user_name: &str) -> Option<Filter> {
        self.profile
            .users
            .filter
            .allows_eq("userName")
            .then(|| Filter::eq("userName", user_name))
    }

    /// `GET /Users/{id}` or `GET /Groups/{id}`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidId`] for an id that cannot name a resource.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Result<HttpRequest, EncodeError> {
        Ok(self.request(Method::Get, self.item(kind, id)?, None))
    }

    /// `POST /Users`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Body`] when the user cannot be written as JSON.
    pub fn create_user(&self, user: &User) -> Result<HttpRequest, EncodeError> {
        let body = to_body(user)?;
        Ok(self.request(
            Method::Post,
            self.collection(ResourceKind::User),
            Some(body),
        ))
    }

    /// `POST /Groups`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Body`] when the group cannot be written as JSON.
    pub fn create_group(&self, group: &Group) -> Result<HttpRequest, EncodeError> {
        let body = to_body(group)?;
        Ok(self.request(
            Method::Post,
            self.collection(ResourceKind::Group),
            Some(body),
        ))
    }

    /// `PUT /Users/{id}` with the whole resource.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidId`] for an id that cannot name a resource,
    /// [`EncodeError::Body`] when the user cannot be written as JSON.
    pub fn replace_user(&self, id: &str, user: &User) -> Result<HttpRequest, EncodeError> {
        let path = self.item(ResourceKind::User, id)?;
        Ok(self.request(Method::Put, path, Some(to_body(user)?)))
    }

    /// `PUT /Groups/{id}` with the whole resource.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidId`] for an id that cannot name a resource,
    /// [`EncodeError::Body`] when the group cannot be written as JSON.
    pub fn replace_group(&self, id: &str, group: &Group) -> Result<HttpRequest, EncodeError> {
        let path = self.item(ResourceKind::Group, id)?;
        Ok(self.request(Method::Put, path, Some(to_body(group)?)))
    }

    /// `PATCH /Users/{id}` or `PATCH /Groups/{id}`, with operation names cased and paths
    /// checked as the profile requires.
    ///
    /// # Errors
    ///
    /// [`RequestEncoder::patch_body`]'s errors, and [`EncodeError::InvalidId`] for an id that
    /// cannot name a resource.
    pub fn patch(
        &self,
        kind: ResourceKind,
        id: &str,
        patch: &PatchOp,
    ) -> Result<HttpRequest, EncodeError> {
        let body = to_body(&self.patch_body(patch)?)?;
        let path = self.item(kind, id)?;
        Ok(self.request(Method::Patch, path, Some(body)))
    }

    /// The body of a PATCH as JSON, with operation names cased and paths checked as the
    /// profile requires (what [`RequestEncoder::patch`] sends).
    ///
    /// # Errors
    ///
    /// [`EncodeError::PatchUnsupported`], [`EncodeError::EmptyPatch`],
    /// [`EncodeError::TooManyOperations`] or [`EncodeError::MissingPatchPath`] when the
    /// profile does not take this PATCH.
    pub fn patch_body(&self, patch: &PatchOp) -> Result<Value, EncodeError> {
        let rules = &self.profile.patch;
        if !rules.supported {
            return Err(EncodeError::PatchUnsupported(self.profile.name.clone()));
        }
        if patch.operations.is_empty() {
            return Err(EncodeError::EmptyPatch);
        }
        if let Some(max) = rules.max_operations {
            if patch.operations.len() > max as usize {
                return Err(EncodeError::TooManyOperations {
                    profile: self.profile.name.clone(),
                    count: patch.operations.len(),
                    max,
                });
            }
        }
        if rules.path_required {
            if let Some(index) = patch.operations.iter().position(|o| o.path.is_none()) {
                return Err(EncodeError::MissingPatchPath {
                    profile: self.profile.name.clone(),
                    index,
                });
            }
        }
        Ok(patch.to_json(rules.op_case))
    }

    /// The path of the `kind` collection (`/scim/v2/Users`), or with `id`, of that resource
    /// in it (the id percent-encoded as one segment).
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidId`] for an id that cannot name a resource.
    pub fn resource_path(
        &self,
        kind: ResourceKind,
        id: Option<&str>,
    ) -> Result<String, EncodeError> {
        match id {
            Some(id) => self.item(kind, id),
            None => Ok(self.collection(kind)),
        }
    }

    /// A request of `method` to `path` (from this encoder) with `body` (JSON text), carrying
    /// the headers every request of this encoder carries.
    pub fn envelope(&self, method: Method, path: String, body: Option<String>) -> HttpRequest {
        self.request(method, path, body)
    }

    /// `DELETE /Users/{id}` or `DELETE /Groups/{id}`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::InvalidId`] for an id that cannot name a resource.
    pub fn delete(&self, kind: ResourceKind, id: &str) -> Result<HttpRequest, EncodeError> {
        Ok(self.request(Method::Delete, self.item(kind, id)?, None))
    }

    /// `GET /ServiceProviderConfig`.
    pub fn service_provider_config(&self) -> HttpRequest {
        let path = format!("{}/ServiceProviderConfig", self.base_path);
        self.request(Method::Get, path, None)
    }

    fn support(&self, kind: ResourceKind) -> &ResourceSupport {
        match kind {
            ResourceKind::User => &self.profile.users,
            ResourceKind::Group => &self.profile.groups,
        }
    }

    fn check_filter(&self, kind: ResourceKind, filter: &Filter) -> Result<(), EncodeError> {
        self.support(kind)
            .filter
            .check(filter)
            .map_err(|reason| EncodeError::UnsupportedFilter {
                profile: self.profile.name.clone(),
                endpoint: kind.endpoint(),
                filter: filter.to_string(),
                reason,
            })
    }

    fn unsupported(&self, kind: ResourceKind, parameter: &'static str) -> EncodeError {
        EncodeError::UnsupportedParameter {
            profile: self.profile.name.clone(),
            endpoint: kind.endpoint(),
            parameter,
        }
    }

    fn collection(&self, kind: ResourceKind) -> String {
        [self.base_path.as_str(), "/", kind.endpoint()].concat()
    }

    fn item(&self, kind: ResourceKind, id: &str) -> Result<String, EncodeError> {
        let segment = id_segment(id)?;
        Ok([self.base_path.as_str(), "/", kind.endpoint(), "/", &segment].concat())
    }

    fn request(&self, method: Method, path: String, body: Option<String>) -> HttpRequest {
        let mut headers = vec![("Accept".to_owned(), SCIM_MEDIA_TYPE.to_owned())];
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), SCIM_MEDIA_TYPE.to_owned()));
        }
        headers.extend(self.profile.extra_headers.iter().cloned());
        HttpRequest {
            method,
            path,
            headers,
            body,
        }
    }
}

/// Percent-encodes `id` as exactly one path segment. `.` and `..` are refused: URL
/// resolution (WHATWG `fetch` included) treats them, even percent-encoded, as dot segments
/// that climb the path.
///
/// # Errors
///
/// [`EncodeError::InvalidId`] for an empty id, one longer than 1024 bytes, or `.` / `..`.
pub fn encode_id(id: &str) -> Result<String, EncodeError> {
    id_segment(id).map(Cow::into_owned)
}

/// [`encode_id`], borrowing an id that needs no escape (most do not).
fn id_segment(id: &str) -> Result<Cow<'_, str>, EncodeError> {
    let reason = if id.is_empty() {
        Some("empty")
    } else if id.len() > MAX_ID_LEN {
        Some("longer than 1024 bytes")
    } else if id == "." || id == ".." {
        Some("a dot segment would change the path")
    } else {
        None
    };
    if let Some(reason) = reason {
        let shown: String = id.chars().take(64).collect();
        return Err(EncodeError::InvalidId { id: shown, reason });
    }
    Ok(utf8_percent_encode(id, COMPONENT).into())
}

fn join_attribute_names(names: &[String]) -> Result<String, EncodeError> {
    for name in names {
        let valid = !name.is_empty()
            && name.len() <= 512
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-' | '$'));
        if !valid {
            return Err(EncodeError::InvalidAttributeName(name.clone()));
        }
    }
    Ok(names.join(","))
}

fn to_body<T: Serialize + ?Sized>(value: &T) -> Result<String, EncodeError> {
    serde_json::to_string(value).map_err(|e| EncodeError::Body(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PatchOperation;
    use serde_json::json;

    fn airtable() -> RequestEncoder {
        RequestEncoder::new("/scim/v2/", Profile::airtable()).unwrap()
    }

    #[test]
    fn resource_kinds_by_their_serialized_names() {
        for (kind, name) in ResourceKind::ALL.iter().zip(ResourceKind::NAMES) {
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(name));
            assert_eq!(ResourceKind::from_name(name), Some(*kind));
        }
        assert_eq!(ResourceKind::from_name("User"), None);
        assert_eq!(ResourceKind::from_name("users"), None);
    }

    #[test]
    fn lists_users_with_an_escaped_filter() {
        let q = ListQuery {
            start_index: Some(1),
            count: Some(100),
            filter: Some(Filter::eq("userName", r#"a"b\c@x.com"#)),
            ..ListQuery::default()
        };
        let r = airtable().list(ResourceKind::User, &q).unwrap();
        assert_eq!(r.method, Method::Get);
        assert_eq!(
            r.path,
            "/scim/v2/Users?filter=userName%20eq%20%22a%5C%22b%5C%5Cc%40x.com%22&startIndex=1&count=100"
        );
        assert_eq!(r.header("accept"), Some(SCIM_MEDIA_TYPE));
        assert_eq!(r.header("content-type"), None);
        assert!(r.header("authorization").is_none());
    }

    #[test]
    fn cursor_pages_are_asked_for_as_rfc_9865_writes_them() {
        let mut profile = Profile::generic();
        profile.pagination = Pagination::Cursor;
        let e = RequestEncoder::new("/scim/v2", profile).unwrap();
        let first = ListQuery {
            cursor: Some(String::new()),
            count: Some(100),
            ..ListQuery::default()
        };
        let r = e.list(ResourceKind::User, &first).unwrap();
        assert_eq!(r.path, "/scim/v2/Users?cursor&count=100");
        let next = ListQuery {
            cursor: Some("VZUTiyhEQJ94IR/+=".into()),
            ..first.clone()
        };
        let r = e.list(ResourceKind::User, &next).unwrap();
        assert_eq!(
            r.path,
            "/scim/v2/Users?cursor=VZUTiyhEQJ94IR%2F%2B%3D&count=100"
        );
        // Never beside startIndex, and only where the profile pages by cursor.
        let both = ListQuery {
            start_index: Some(1),
            ..first.clone()
        };
        let refused = |r: Result<HttpRequest, EncodeError>| {
            matches!(
                r,
                Err(EncodeError::UnsupportedParameter {
                    parameter: "cursor",
                    ..
                })
            )
        };
        assert!(refused(e.list(ResourceKind::User, &both)));
        assert!(refused(airtable().list(ResourceKind::User, &first)));
    }

    #[test]
    fn airtable_groups_refuse_start_index() {
        let q = ListQuery {
            start_index: Some(1),
            ..ListQuery::default()
        };
        let err = airtable().list(ResourceKind::Group, &q).unwrap_err();
        assert!(matches!(
            err,
            EncodeError::UnsupportedParameter {
                parameter: "startIndex",
                ..
            }
        ));
    }

    #[test]
    fn unsupported_filter_is_an_error_not_a_different_query() {
        let q = ListQuery {
            filter: Some(Filter::eq("externalId", "1")),
            ..ListQuery::default()
        };
        let err = airtable().list(ResourceKind::User, &q).unwrap_err();
        assert!(err.to_string().contains("externalId"), "{err}");
    }

    #[test]
    fn ids_cannot_escape_their_segment() {
        let e = airtable();
        for (id, want) in [
            ("../Groups", "/scim/v2/Users/..%2FGroups"),
            ("a/b?x=1", "/scim/v2/Users/a%2Fb%3Fx%3D1"),
            ("usr#frag", "/scim/v2/Users/usr%23frag"),
            ("é ü", "/scim/v2/Users/%C3%A9%20%C3%BC"),
            ("%2e%2e", "/scim/v2/Users/%252e%252e"),
        ] {
            assert_eq!(e.get(ResourceKind::User, id).unwrap().path, want);
        }
        for id in ["", ".", ".."] {
            assert!(e.delete(ResourceKind::User, id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn patch_follows_the_profile() {
        let e = airtable();
        let p = PatchOp::new(vec![PatchOperation::replace("active", json!(false))]);
        let r = e.patch(ResourceKind::User, "usr1", &p).unwrap();
        assert_eq!(r.method, Method::Patch);
        assert_eq!(r.header("content-type"), Some(SCIM_MEDIA_TYPE));
        let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body["Operations"][0],
            json!({"op": "replace", "path": "active", "value": false})
        );

        let pathless = PatchOp::new(vec![PatchOperation {
            path: None,
            ..PatchOperation::replace("x", json!({"active": false}))
        }]);
        assert!(matches!(
            e.patch(ResourceKind::User, "usr1", &pathless),
            Err(EncodeError::MissingPatchPath { index: 0, .. })
        ));
        let mut capital = Profile::generic();
        capital.patch.op_case = crate::model::OpCase::Capitalized;
        let r = RequestEncoder::new("", capital)
            .unwrap()
            .patch(ResourceKind::User, "1", &p)
            .unwrap();
        assert!(r.body.unwrap().contains(r#""op":"Replace""#));
    }

    #[test]
    fn bad_base_paths_are_refused() {
        for bad in ["scim", "/a?b", "/a/../b", "/a#x"] {
            assert!(
                RequestEncoder::new(bad, Profile::generic()).is_err(),
                "{bad}"
            );
        }
        assert!(RequestEncoder::new("", Profile::generic()).is_ok());
    }

    #[test]
    fn page_size_cap_is_enforced() {
        let e = RequestEncoder::new("/v2", crate::profile::builtin("slack").unwrap()).unwrap();
        let q = ListQuery {
            count: Some(5000),
            ..ListQuery::default()
        };
        assert!(matches!(
            e.list(ResourceKind::User, &q),
            Err(EncodeError::PageSizeTooLarge { max: 1000, .. })
        ));
    }

    #[test]
    fn extra_headers_come_from_the_profile() {
        let e = RequestEncoder::new("/scim/v2", crate::profile::builtin("github-emu").unwrap())
            .unwrap();
        let r = e.service_provider_config();
        assert_eq!(r.path, "/scim/v2/ServiceProviderConfig");
        assert_eq!(r.header("user-agent"), Some("scim-provision"));
    }

    #[test]
    fn attribute_lists_are_validated() {
        let q = ListQuery {
            attributes: vec!["userName".into(), "name.givenName".into()],
            excluded_attributes: vec!["groups".into()],
            ..ListQuery::default()
        };
        let r = airtable().list(ResourceKind::User, &q).unwrap();
        assert_eq!(
            r.path,
            "/scim/v2/Users?attributes=userName%2Cname.givenName&excludedAttributes=groups"
        );
        let bad = ListQuery {
            attributes: vec!["a&b=c".into()],
            ..ListQuery::default()
        };
        assert!(matches!(
            airtable().list(ResourceKind::User, &bad),
            Err(EncodeError::InvalidAttributeName(_))
        ));
    }

    #[test]
    fn list_queries_decode_as_the_derive_decoded() {
        let q = ListQuery {
            start_index: Some(3),
            cursor: Some("c2".into()),
            count: Some(50),
            filter: Some(Filter::eq("userName", "ana@example.com").negate()),
            attributes: vec!["userName".into()],
            excluded_attributes: vec![],
        };
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(serde_json::from_str::<ListQuery>(&json).unwrap(), q);
        let q: ListQuery = serde_json::from_str(r#"{"count":null,"other":1}"#).unwrap();
        assert_eq!(q, ListQuery::default());
        let error = |text: &str| {
            let e = crate::json::from_str::<ListQuery>(text).unwrap_err();
            (e.path, serde_json::Value::from(e.reason))
        };
        let (at, reason) = error(r#"{"count":1.5}"#);
        assert_eq!(at, "count");
        assert!(
            reason.as_str().unwrap().contains("expected u32"),
            "{reason}"
        );
        let (at, reason) = error(r#"{"attributes":null}"#);
        assert_eq!(at, "attributes");
        assert!(
            reason.as_str().unwrap().contains("invalid type: null"),
            "{reason}"
        );
        let (at, reason) = error(r#"{"filter":{"Present":{}}}"#);
        assert_eq!(at, "filter.Present");
        assert!(
            reason.as_str().unwrap().contains("missing field `attr`"),
            "{reason}"
        );
    }
}
