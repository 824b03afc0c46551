//! The plain-data HTTP envelope exchanged with the host: the core builds [`HttpRequest`]s and
//! reads [`HttpResponse`]s; the host moves the bytes and adds credentials.
//!
//! A host hands a body over as the bytes it received ([`HttpResponse::from_bytes`]); the
//! core reads text, so the bytes are checked as UTF-8 once, in place. A body that is not
//! UTF-8 is the server's fault, never the run's end: see [`HttpResponse::from_bytes`].

use serde::{Deserialize, Serialize};

/// The SCIM media type, sent as `Content-Type` and `Accept`.
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// HTTP methods the SCIM protocol uses.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request for the host to send. `path` includes the base path and the query string; the
/// host prefixes its origin (`https://airtable.com`) and adds the `Authorization` header.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// Base path, resource path and query, already percent-encoded.
    pub path: String,
    /// Headers to send, in order.
    pub headers: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<String>,
}

/// A response as the host received it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers (names in any case); none when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub headers: Vec<(String, String)>,
    /// The body as text (empty when there is none, or absent).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub body: String,
}

impl HttpRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl HttpResponse {
    /// A response with a status and a body, no headers.
    pub fn new(status: u16, body: impl Into<String>) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A response from what the host received: the body as bytes, which become the text
    /// without a copy when they are UTF-8 (RFC 8259 §8.1: JSON between systems is UTF-8).
    ///
    /// A body that is not UTF-8 is still an answer with its status:
    ///
    /// - under an error or unexpected status (not 2xx), only its status and headers decide,
    ///   and its text is only quoted: the bytes that are not UTF-8 read as U+FFFD;
    /// - under a success status (2xx), the body was to be JSON and is not: it is unreadable,
    ///   as any success body that is not JSON. It reaches the decoder as text that cannot be
    ///   JSON and says why, `<not UTF-8 at byte N>` (`N` the offset of the first bad byte)
    ///   followed by the body as U+FFFD-replaced text, so the decoder's `NotJson` error and
    ///   the engine's rule for an unreadable answer apply (a listing page is retried, then
    ///   left out of an incomplete listing; a create is looked up; ...), and what the
    ///   report quotes names the offset. Replacing the bad bytes and reading on would change
    ///   names silently, and a renamed user is one the plan would remove.
    pub fn from_bytes(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> HttpResponse {
        let body = String::from_utf8(body).unwrap_or_else(|e| {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes());
            if (200..300).contains(&status) {
                format!("<not UTF-8 at byte {at}> {text}")
            } else {
                text.into_owned()
            }
        });
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason<T: std::fmt::Debug + serde::de::DeserializeOwned>(text: &str) -> String {
        let e = crate::json::from_str::<T>(text).unwrap_err();
        format!("{}: {}", e.path, e.reason)
    }

    #[test]
    fn a_response_reads_by_its_derive() {
        let r: HttpResponse = serde_json::from_str(r#"{"status": 204, "x": 1}"#).unwrap();
        assert_eq!(r, HttpResponse::new(204, ""));
        let r: HttpResponse = serde_json::from_str(
            r#"{"status": 200, "headers": [["ETag", "W/\"1\""]], "body": "{}"}"#,
        )
        .unwrap();
        assert_eq!(r.header("etag"), Some("W/\"1\""));
        assert_eq!(
            reason::<HttpResponse>(r#"{"status": 70000}"#),
            "status: invalid value: integer `70000`, expected u16"
        );
        assert_eq!(
            reason::<HttpResponse>(r#"{"status": "200"}"#),
            "status: invalid type: string \"200\", expected u16"
        );
        assert_eq!(
            reason::<HttpResponse>(r#"{"body": ""}"#),
            ".: missing field `status`"
        );
        assert_eq!(
            reason::<HttpResponse>(r#"{"status": 200, "headers": [["a", 1]]}"#),
            "headers[0][1]: invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            reason::<HttpResponse>(r#"{"status": 200, "headers": [["a"]]}"#),
            "headers[0]: invalid length 1, expected a tuple of size 2"
        );
        assert_eq!(
            reason::<HttpResponse>(r#"{"status": 200, "headers": [["a", "b", "c"]]}"#),
            "headers[0]: invalid length 3, expected fewer elements in array"
        );
        assert_eq!(
            reason::<HttpResponse>(r#"{"status": 200, "body": null}"#),
            "body: invalid type: null, expected a string"
        );
    }

    #[test]
    fn bytes_become_the_body_checked_as_utf8() {
        let text = "{\"userName\":\"José\"}";
        let ok = HttpResponse::from_bytes(200, vec![("A".into(), "b".into())], text.into());
        assert_eq!(
            (ok.status, ok.body.as_str(), ok.header("a")),
            (200, text, Some("b"))
        );
        // Latin-1 "é" (0xE9) where UTF-8 was due.
        let latin1 = b"{\"userName\":\"Jos\xE9\"}".to_vec();
        let unreadable = HttpResponse::from_bytes(200, Vec::new(), latin1.clone());
        assert_eq!(
            unreadable.body,
            "<not UTF-8 at byte 16> {\"userName\":\"Jos\u{FFFD}\"}"
        );
        assert!(serde_json::from_str::<serde_json::Value>(&unreadable.body).is_err());
        let error = HttpResponse::from_bytes(503, Vec::new(), latin1);
        assert_eq!(error.body, "{\"userName\":\"Jos\u{FFFD}\"}");
        assert_eq!(
            HttpResponse::from_bytes(204, Vec::new(), Vec::new()),
            HttpResponse::new(204, "")
        );
    }

    #[test]
    fn a_request_round_trips() {
        let request = HttpRequest {
            method: Method::Patch,
            path: "/scim/v2/Users/1".into(),
            headers: vec![("Accept".into(), SCIM_MEDIA_TYPE.into())],
            body: Some("{}".into()),
        };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(serde_json::from_str::<HttpRequest>(&text).unwrap(), request);
        assert_eq!(
            reason::<HttpRequest>(&text.replace("PATCH", "patch")),
            "method: unknown variant `patch`, expected one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`"
        );
    }
}
