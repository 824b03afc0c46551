//! A Bulk response (RFC 7644 §3.7.3) read back onto the operations sent: each operation's
//! own outcome, a failed one as a structured [`ServerError`], one the response does not
//! mention as unknown.
//!
//! Results are matched to operations by `bulkId` (the core gives every operation one), then,
//! for results without a usable `bulkId`, by method and `location` (which ends with the
//! operation's path), then by method in order. A result that matches nothing is counted and
//! otherwise ignored; an operation nothing matches is [`BulkOutcome::Unknown`]: the server
//! may have stopped before it (`failOnErrors`) or applied it and lost its result, and only
//! the exactly-once rules may send it again.

use serde_json::Value;

use super::{server_error, wrong_shape, DecodeError, DecodeOptions, Decoded, Expect};
use crate::http::HttpResponse;
use crate::model::{BulkOperationResult, BulkRequest, BulkResponse, FromValue};

use super::ServerError;

/// What became of one operation of a Bulk request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BulkOutcome {
    /// The operation succeeded.
    Done {
        /// Its HTTP status (2xx).
        status: u16,
        /// The resource's id: the last segment of `location`, else the response's `id`.
        id: Option<String>,
        /// The resource, where the server included it.
        resource: Option<Value>,
    },
    /// The operation failed, as a single request would have.
    Failed(ServerError),
    /// The response does not say.
    Unknown,
}

/// A Bulk response read onto the request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BulkAnswer {
    /// One outcome per operation sent, in the request's order.
    pub outcomes: Vec<BulkOutcome>,
    /// Results that matched no operation.
    pub unmatched: usize,
}

/// Decodes the answer to the Bulk request `sent`: the outcome of each of its operations, or
/// the error the request as a whole met (`Decoded::Error`: a 413 for a request too large, a
/// 5xx, a 429).
///
/// # Errors
///
/// A [`DecodeError`] when the body is not a Bulk response (every operation's outcome is then
/// unknown to the caller).
pub fn decode_bulk(
    sent: &BulkRequest,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<Decoded<BulkAnswer>, DecodeError> {
    // The checks of any answer to a read: 200 and a JSON body (RFC 7644 §3.7.3).
    let text = match super::body(Expect::Get, response, options)? {
        super::Body::Error(e) => return Ok(Decoded::Error(e)),
        super::Body::Resource(text) | super::Body::Page(text) => text,
        super::Body::NoContent => {
            return Err(DecodeError::EmptyBody {
                status: response.status,
            })
        }
    };
    let status = response.status;
    let read = BulkResponse::from_value(super::parse(status, text)?)
        .map_err(|e| wrong_shape(status, e))?;
    Ok(Decoded::Resource(match_results(
        sent,
        read.operations,
        options,
    )))
}

fn match_results(
    sent: &BulkRequest,
    results: Vec<BulkOperationResult>,
    options: &DecodeOptions,
) -> BulkAnswer {
    let ops = &sent.operations;
    let mut slots: Vec<Option<BulkOperationResult>> = vec![None; ops.len()];
    let mut rest = Vec::new();
    for r in results {
        let by_id = r.bulk_id.as_deref().and_then(|b| {
            (0..ops.len()).find(|&i| slots[i].is_none() && ops[i].bulk_id.as_deref() == Some(b))
        });
        match by_id {
            Some(i) => slots[i] = Some(r),
            None => rest.push(r),
        }
    }
    let mut unmatched = 0;
    for r in rest {
        let same_method = |i: usize| {
            slots[i].is_none()
                && r.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(&ops[i].method))
        };
        let located = r.location.as_deref().and_then(|loc| {
            (0..ops.len()).find(|&i| {
                same_method(i) && !is_post(&ops[i].method) && loc.ends_with(&ops[i].path)
            })
        });
        match located.or_else(|| (0..ops.len()).find(|&i| same_method(i))) {
            Some(i) => slots[i] = Some(r),
            None => unmatched += 1,
        }
    }
    let outcomes = slots
        .into_iter()
        .map(|slot| slot.map_or(BulkOutcome::Unknown, |r| outcome(r, options)))
        .collect();
    BulkAnswer {
        outcomes,
        unmatched,
    }
}

fn is_post(method: &str) -> bool {
    method.eq_ignore_ascii_case("POST")
}

fn outcome(r: BulkOperationResult, options: &DecodeOptions) -> BulkOutcome {
    if !(200..300).contains(&r.status) {
        // The same reading as a single request's error answer.
        let body = r
            .response
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default();
        return BulkOutcome::Failed(server_error(
            &HttpResponse::new(r.status, body),
            options.now_ms,
        ));
    }
    let from_location = r
        .location
        .as_deref()
        .map(|l| {
            l.split(['?', '#'])
                .next()
                .unwrap_or(l)
                .trim_end_matches('/')
        })
        .and_then(|l| l.rsplit_once('/'))
        .map(|(_, last)| {
            percent_encoding::percent_decode_str(last)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|id| !id.is_empty());
    let from_body = r
        .response
        .as_ref()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    BulkOutcome::Done {
        status: r.status,
        id: from_location.or(from_body),
        resource: r.response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BulkOperation;
    use serde_json::json;

    fn op(method: &str, path: &str, bulk_id: Option<&str>) -> BulkOperation {
        BulkOperation {
            method: method.into(),
            bulk_id: bulk_id.map(str::to_owned),
            path: path.into(),
            ..BulkOperation::default()
        }
    }

    fn sent() -> BulkRequest {
        BulkRequest {
            operations: vec![
                op("POST", "/Users", Some("a0")),
                op("POST", "/Users", Some("a1")),
                op("PATCH", "/Groups/g1", Some("a2")),
                op("DELETE", "/Users/u9", None),
            ],
            ..BulkRequest::default()
        }
    }

    fn decode(body: Value) -> BulkAnswer {
        let r = HttpResponse::new(200, body.to_string());
        match decode_bulk(&sent(), &r, &DecodeOptions::default()).unwrap() {
            Decoded::Resource(a) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_result_goes_to_its_own_operation() {
        // Out of order, one failed, one without bulkId, one absent.
        let a = decode(json!({"Operations": [
            {"method": "PATCH", "bulkId": "a2", "location": "https://x/scim/v2/Groups/g1", "status": "200"},
            {"method": "DELETE", "location": "https://x/scim/v2/Users/u9", "status": 204},
            {"method": "POST", "bulkId": "a1", "status": "409",
             "response": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                          "status": "409", "scimType": "uniqueness", "detail": "taken"}}
        ]}));
        assert_eq!(a.unmatched, 0);
        assert_eq!(a.outcomes[0], BulkOutcome::Unknown);
        match &a.outcomes[1] {
            BulkOutcome::Failed(e) => {
                assert_eq!(e.http_status, 409);
                assert_eq!(e.scim_type.as_deref(), Some("uniqueness"));
                assert_eq!(e.detail.as_deref(), Some("taken"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&a.outcomes[2], BulkOutcome::Done { status: 200, id: Some(id), .. } if id == "g1")
        );
        assert!(
            matches!(&a.outcomes[3], BulkOutcome::Done { status: 204, id: Some(id), .. } if id == "u9")
        );
    }

    #[test]
    fn ids_come_from_location_or_the_body_and_strays_are_counted() {
        let a = decode(json!({"Operations": [
            {"method": "POST", "bulkId": "a0", "location": "https://x/Users/id%20one/", "status": "201"},
            {"method": "POST", "bulkId": "a1", "status": "201", "response": {"id": "two"}},
            {"method": "PUT", "location": "https://x/Users/zz", "status": "200"},
            {"bulkId": "nope", "status": "500"}
        ]}));
        assert!(matches!(&a.outcomes[0], BulkOutcome::Done { id: Some(id), .. } if id == "id one"));
        assert!(matches!(&a.outcomes[1], BulkOutcome::Done { id: Some(id), .. } if id == "two"));
        // The PUT matches nothing (no PUT was sent); the method-less 500 takes the first
        // operation left, the PATCH.
        assert_eq!(a.unmatched, 1);
        assert!(matches!(&a.outcomes[2], BulkOutcome::Failed(e) if e.http_status == 500));
        assert_eq!(a.outcomes[3], BulkOutcome::Unknown);
    }

    #[test]
    fn the_request_as_a_whole_can_fail() {
        let opts = DecodeOptions::default();
        let too_large = HttpResponse::new(413, r#"{"status": "413", "detail": "too many"}"#);
        assert!(matches!(
            decode_bulk(&sent(), &too_large, &opts),
            Ok(Decoded::Error(e)) if e.http_status == 413
        ));
        for (status, body) in [
            (200, "{"),
            (200, ""),
            (302, "{}"),
            (200, r#"{"Operations": [{}]}"#),
        ] {
            assert!(decode_bulk(&sent(), &HttpResponse::new(status, body), &opts).is_err());
        }
    }

    /// JSON near a Bulk response's shape: its attribute names in any case, values of any
    /// type.
    fn near_bulk() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("Operations"),
            Just("operations"),
            Just("status"),
            Just("STATUS"),
            Just("bulkId"),
            Just("location"),
            Just("method"),
            Just("response"),
            Just("code"),
            Just("id"),
            Just("detail"),
            Just("scimType"),
            Just("x"),
        ]
        .prop_map(str::to_owned);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop_oneof![
                Just("201".to_owned()),
                Just("a0".to_owned()),
                Just("/Users/u9".to_owned()),
                Just("https://x/Users/%ZZ".to_owned()),
                ".{0,8}"
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 5, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                proptest::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn decoding_any_json_never_panics_and_answers_every_operation(
            body in near_bulk(),
            status in proptest::prop_oneof![proptest::strategy::Just(200u16), 100u16..600],
        ) {
            let r = HttpResponse::new(status, body.to_string());
            if let Ok(Decoded::Resource(a)) = decode_bulk(&sent(), &r, &DecodeOptions::default()) {
                proptest::prop_assert_eq!(a.outcomes.len(), sent().operations.len());
            }
        }

        #[test]
        fn decoding_any_text_never_panics(body in ".{0,64}") {
            let _ = decode_bulk(&sent(), &HttpResponse::new(200, body), &DecodeOptions::default());
        }
    }
}
