//! `POST /Bulk` (RFC 7644 §3.7): single writes as the operations of one Bulk request, within
//! the limits the profile states.
//!
//! An operation is the single request it stands for, with its path made relative to the base
//! (`/Users/{id}`) and its body as `data`. A reference to a resource created earlier in the
//! same request is the path segment or value `bulkId:<id>`, written as is (not
//! percent-encoded: servers match the prefix literally).

use serde_json::Value;

use super::{EncodeError, RequestEncoder};
use crate::http::{HttpRequest, Method};
use crate::model::{schemas, BulkOperation, BulkRequest};

/// What a reference to a resource created in the same request starts with.
pub const BULK_ID_PREFIX: &str = "bulkId:";

/// `bulkId:` as [`RequestEncoder::resource_path`] percent-encodes it in a path segment.
const ENCODED_PREFIX: &str = "bulkId%3A";

impl RequestEncoder {
    /// The Bulk operation doing what the single request `method path` with `body` does:
    /// `path` (from this encoder, so under its base path) made relative, a percent-encoded
    /// `bulkId%3A` segment written `bulkId:`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::NotUnderBase`] for a path this encoder did not write.
    pub fn bulk_operation(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        bulk_id: Option<String>,
    ) -> Result<BulkOperation, EncodeError> {
        let relative = path
            .strip_prefix(self.base_path.as_str())
            .filter(|rest| rest.starts_with('/') && !rest.contains('?'))
            .ok_or_else(|| EncodeError::NotUnderBase(path.to_owned()))?;
        let relative = match relative.rsplit_once('/') {
            Some((head, last)) if last.starts_with(ENCODED_PREFIX) => {
                format!("{head}/{BULK_ID_PREFIX}{}", &last[ENCODED_PREFIX.len()..])
            }
            _ => relative.to_owned(),
        };
        Ok(BulkOperation {
            method: method.as_str().to_owned(),
            bulk_id,
            version: None,
            path: relative,
            data: body.cloned(),
        })
    }

    /// `POST /Bulk` carrying `operations`, with `failOnErrors` when given (RFC 7644: the
    /// server stops after that many failed operations; absent, it goes on whatever fails).
    ///
    /// # Errors
    ///
    /// [`EncodeError::BulkUnsupported`] when the profile sends no Bulk requests
    /// ([`Profile::bulk_limits`](crate::profile::Profile::bulk_limits)),
    /// [`EncodeError::BulkTooLarge`] beyond its limits, [`EncodeError::Body`] for a body that
    /// cannot be written.
    pub fn bulk(
        &self,
        operations: Vec<BulkOperation>,
        fail_on_errors: Option<u64>,
    ) -> Result<HttpRequest, EncodeError> {
        let limits = self
            .profile
            .bulk_limits()
            .ok_or_else(|| EncodeError::BulkUnsupported(self.profile.name.clone()))?;
        let count = operations.len();
        let body = super::to_body(&bulk_request(operations, fail_on_errors))?;
        if count == 0
            || count > limits.max_operations as usize
            || body.len() as u64 > limits.max_payload_size
        {
            return Err(EncodeError::BulkTooLarge {
                operations: count,
                bytes: body.len(),
                max_operations: limits.max_operations,
                max_payload_size: limits.max_payload_size,
            });
        }
        let path = format!("{}/Bulk", self.base_path);
        Ok(self.request(Method::Post, path, Some(body)))
    }
}

/// The BulkRequest message of `operations`.
pub fn bulk_request(operations: Vec<BulkOperation>, fail_on_errors: Option<u64>) -> BulkRequest {
    BulkRequest {
        schemas: vec![schemas::BULK_REQUEST.to_owned()],
        fail_on_errors,
        operations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{BulkSupport, Profile};
    use crate::request::ResourceKind;
    use serde_json::json;

    fn encoder(max_operations: u32, max_payload_size: u64) -> RequestEncoder {
        let mut p = Profile::generic();
        p.bulk = Some(BulkSupport {
            max_operations,
            max_payload_size,
        });
        RequestEncoder::new("/scim/v2/", p).unwrap()
    }

    #[test]
    fn operations_are_the_single_requests_with_relative_paths() {
        let e = encoder(10, 10_000);
        let post = e
            .bulk_operation(
                Method::Post,
                &e.resource_path(ResourceKind::User, None).unwrap(),
                Some(&json!({"userName": "a"})),
                Some("a0".into()),
            )
            .unwrap();
        assert_eq!(
            (post.path.as_str(), post.method.as_str()),
            ("/Users", "POST")
        );
        let patch = e
            .bulk_operation(
                Method::Patch,
                &e.resource_path(ResourceKind::Group, Some("bulkId:a1"))
                    .unwrap(),
                Some(&json!({"Operations": []})),
                None,
            )
            .unwrap();
        assert_eq!(patch.path, "/Groups/bulkId:a1");
        let odd = e
            .bulk_operation(
                Method::Delete,
                &e.resource_path(ResourceKind::User, Some("a b/c")).unwrap(),
                None,
                None,
            )
            .unwrap();
        assert_eq!(odd.path, "/Users/a%20b%2Fc");
        for foreign in [
            "/other/Users",
            "/scim/v2",
            "/scim/v2x/Users",
            "/scim/v2/Users?x=1",
        ] {
            assert_eq!(
                e.bulk_operation(Method::Delete, foreign, None, None),
                Err(EncodeError::NotUnderBase(foreign.to_owned()))
            );
        }
    }

    #[test]
    fn a_bulk_request_stays_within_the_limits() {
        let e = encoder(2, 300);
        let op = |n: u32| {
            e.bulk_operation(
                Method::Post,
                "/scim/v2/Users",
                Some(&json!({ "userName": n.to_string() })),
                Some(format!("a{n}")),
            )
            .unwrap()
        };
        let r = e.bulk(vec![op(0), op(1)], Some(5)).unwrap();
        assert_eq!((r.method, r.path.as_str()), (Method::Post, "/scim/v2/Bulk"));
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["schemas"], json!([schemas::BULK_REQUEST]));
        assert_eq!(body["failOnErrors"], json!(5));
        assert_eq!(body["Operations"][1]["bulkId"], json!("a1"));
        assert!(matches!(
            e.bulk(vec![op(0), op(1), op(2)], None),
            Err(EncodeError::BulkTooLarge { operations: 3, .. })
        ));
        assert!(matches!(
            e.bulk(vec![], None),
            Err(EncodeError::BulkTooLarge { operations: 0, .. })
        ));
        let small = encoder(10, 100);
        assert!(matches!(
            small.bulk(vec![op(0), op(1)], None),
            Err(EncodeError::BulkTooLarge {
                max_payload_size: 100,
                ..
            })
        ));
        let mut off = Profile::generic();
        off.bulk = encoder(2, 300).profile().bulk;
        off.use_bulk = false;
        let off = RequestEncoder::new("/scim/v2", off).unwrap();
        assert_eq!(
            off.bulk(vec![op(0)], None),
            Err(EncodeError::BulkUnsupported("generic".into()))
        );
    }
}
