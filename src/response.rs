//! Response decoding: status, headers and body into a typed outcome.
//!
//! Lenient where real servers differ (200 or 201 on create, 200 or 204 on PATCH, `Resources`
//! or `resources`, a missing `itemsPerPage`, error `status` as a string or a number, HTML on
//! a 502, and through the tolerant reader (`model::tolerant`) a number for an id, a value or
//! `meta.version`, a count written as a string, an unreadable `meta`); strict where data is
//! at stake (a success body that is not JSON, a `Resources` that is not a list, a negative,
//! fractional or non-numeric count, a `userName` that is not a string, a body over the size
//! limit). Strict failures are [`DecodeError`]s that say what was wrong and where; nothing
//! here panics on any input. What the tolerant reader changed comes back from
//! [`decode_with_coercions`], each change once, for the caller to report.
//!
//! A listing page (the engine's, a lookup's, the host's decode entry's) is read first on the
//! crate's one hand-written hot path (`model::fast`), straight from its text: it takes a page
//! as servers usually send it, where the tolerant reader would change nothing, and leaves
//! anything else whole to the exact path (parse, tolerant reader, derives), so both read
//! every page alike (`plan::fast_reference`).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use crate::http::HttpResponse;
pub use crate::model::Coercion;
use crate::model::{as_sent, fast, tolerant};
use crate::model::{
    join_located, FromValue, Group, ListResponse, ScimError, ServiceProviderConfig, User,
};
use crate::profile::Profile;
use crate::redact::{mask_credentials, masked};

mod bulk;

pub use bulk::{decode_bulk, BulkAnswer, BulkOutcome};

/// Default limit on a response body: enough for a page of tens of thousands of users.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How much of an unusable body an error quotes.
const EXCERPT_CHARS: usize = 200;

/// What a request was for, which decides the statuses and body expected.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Expect {
    /// GET of one resource: 200 with the resource.
    Get,
    /// GET of a collection: 200 with a ListResponse.
    List,
    /// POST: one of the profile's create statuses with the created resource.
    Create,
    /// PUT: 200 with the resource (204 tolerated).
    Replace,
    /// PATCH: 200 with the resource or 204 without body.
    Patch,
    /// DELETE: 204 (or 200) without a meaningful body.
    Delete,
}

impl Expect {
    /// Every kind, in the order of [`Expect::NAMES`].
    pub const ALL: [Expect; 6] = [
        Expect::Get,
        Expect::List,
        Expect::Create,
        Expect::Replace,
        Expect::Patch,
        Expect::Delete,
    ];

    /// The serialized names: `get`, `list`, `create`, `replace`, `patch`, `delete`.
    pub const NAMES: &'static [&'static str] =
        &["get", "list", "create", "replace", "patch", "delete"];

    /// The kind called `name` (one of [`Expect::NAMES`]), if any.
    pub fn from_name(name: &str) -> Option<Expect> {
        let i = Expect::NAMES.iter().position(|n| *n == name)?;
        Some(Expect::ALL[i])
    }
}

// Indexing `ALL` by a position in `NAMES` is in bounds.
const _: () = assert!(Expect::ALL.len() == Expect::NAMES.len());

/// `Expect` by its serialized name; anything but a string is `invalid type: ..., expected a
/// string` (the derive also read `{"get": null}`).
impl<'de> Deserialize<'de> for Expect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Expect::from_name(&name).ok_or_else(|| D::Error::unknown_variant(&name, Expect::NAMES))
    }
}

/// Limits and context for decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Bodies longer than this many bytes are refused unread.
    pub max_body_bytes: usize,
    /// Statuses accepted as success for [`Expect::Create`].
    pub create_statuses: Vec<u16>,
    /// The current time in milliseconds since the Unix epoch, to turn an HTTP-date
    /// `Retry-After` into a delay. The core never reads a clock.
    pub now_ms: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            create_statuses: vec![200, 201],
            now_ms: 0,
        }
    }
}

impl DecodeOptions {
    /// Options for a server of this profile at time `now_ms`.
    pub fn for_profile(profile: &Profile, now_ms: u64) -> DecodeOptions {
        DecodeOptions {
            create_statuses: profile.create_statuses.clone(),
            now_ms,
            ..DecodeOptions::default()
        }
    }

    /// These options with bodies over `bytes` refused unread.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> DecodeOptions {
        self.max_body_bytes = bytes;
        self
    }

    /// These options with `statuses` taken as success for a create.
    pub fn with_create_statuses(mut self, statuses: Vec<u16>) -> DecodeOptions {
        self.create_statuses = statuses;
        self
    }

    /// These options at `now_ms` (milliseconds since the Unix epoch).
    pub fn with_now_ms(mut self, now_ms: u64) -> DecodeOptions {
        self.now_ms = now_ms;
        self
    }
}

/// A decoded response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Decoded<T> {
    /// One resource.
    Resource(T),
    /// One page of a listing.
    Page(ListResponse<T>),
    /// Success without a body (204, or an empty 200 on PATCH or DELETE).
    NoContent,
    /// The server answered with an error status.
    Error(ServerError),
}

/// An error status from the server, with whatever SCIM detail its body carried.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{}", self.describe())]
pub struct ServerError {
    /// The HTTP status of the response.
    pub http_status: u16,
    /// The `status` written in the SCIM error body, when there was one.
    pub status: Option<u16>,
    /// The SCIM `scimType`, such as `uniqueness`.
    pub scim_type: Option<String>,
    /// The SCIM `detail`.
    pub detail: Option<String>,
    /// How long the server asked us to wait, in milliseconds, from `Retry-After`.
    pub retry_after_ms: Option<u64>,
    /// The start of a body that was not a SCIM error (an HTML error page...), escaped.
    pub body_excerpt: Option<String>,
}

/// A response the core cannot use. The server is at fault; the message says how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum DecodeError {
    /// The body is larger than the configured limit.
    #[error("response body of {size} bytes exceeds the limit of {limit} bytes")]
    #[serde(rename_all = "camelCase")]
    BodyTooLarge {
        /// Body size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A success response without the body it must have.
    #[error("HTTP {status}: expected a JSON body, got an empty one")]
    EmptyBody {
        /// HTTP status.
        status: u16,
    },
    /// A success body that is not JSON.
    #[error("HTTP {status}: body is not valid JSON ({reason}): {excerpt}")]
    NotJson {
        /// HTTP status.
        status: u16,
        /// The parser's complaint, with line and column.
        reason: String,
        /// The start of the body, escaped.
        excerpt: String,
    },
    /// JSON of the wrong shape: a missing attribute, a wrong type, a bad total.
    #[error("HTTP {status}: unexpected JSON at `{path}`: {reason}")]
    WrongShape {
        /// HTTP status.
        status: u16,
        /// Where in the document (`Resources[3].active`).
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A status that is neither the expected success nor an error (a redirect, a 2xx the
    /// profile does not accept for this request).
    #[error("unexpected HTTP status {status} for {expected:?}")]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// What the request was.
        expected: Expect,
    },
}

impl ServerError {
    fn describe(&self) -> String {
        let mut s = format!("HTTP {}", self.http_status);
        if let Some(t) = &self.scim_type {
            s.push_str(&format!(" ({t})"));
        }
        match (&self.detail, &self.body_excerpt) {
            (Some(d), _) => s.push_str(&format!(": {}", escape(d, EXCERPT_CHARS))),
            (None, Some(b)) => s.push_str(&format!(": {b}")),
            (None, None) => {}
        }
        s
    }

    /// Whether retrying the same request may succeed (429 and 5xx).
    pub fn is_retryable(&self) -> bool {
        self.http_status == 429 || (500..600).contains(&self.http_status)
    }
}

impl DecodeError {
    /// The HTTP status of the response that could not be decoded, when known.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            DecodeError::BodyTooLarge { .. } => None,
            DecodeError::EmptyBody { status }
            | DecodeError::NotJson { status, .. }
            | DecodeError::WrongShape { status, .. }
            | DecodeError::UnexpectedStatus { status, .. } => Some(*status),
        }
    }
}

/// Decodes `response` to a request of kind `expect` whose resources are `T` ([`User`],
/// [`Group`] or [`ServiceProviderConfig`]: the types that implement [`FromValue`]).
///
/// The body goes through the tolerant reader first (see the module docs); use
/// [`decode_with_coercions`] to learn what it changed.
///
/// # Errors
///
/// A [`DecodeError`] when the answer cannot be read: a body over `max_body_bytes`, a
/// status the request does not expect, an empty or non-JSON body where one is needed, or
/// JSON of the wrong shape (with its path). An HTTP error status is not an error here: it
/// is [`Decoded::Error`] with the server's structured error.
pub fn decode<T: FromValue>(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<Decoded<T>, DecodeError> {
    decode_with_coercions(expect, response, options).map(|(decoded, _)| decoded)
}

/// [`decode`], with what the tolerant reader changed to read the body: each [`Coercion`]
/// once (array indices are written `[]`, so an attribute odd on every resource is one
/// entry), in the order met.
///
/// # Errors
///
/// As [`decode`].
pub fn decode_with_coercions<T: FromValue>(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<(Decoded<T>, Vec<Coercion>), DecodeError> {
    // Everything but the last step is the same for every `T`, and stays one copy.
    let status = response.status;
    let mut notes = Vec::new();
    let decoded = match body(expect, response, options)? {
        Body::Error(e) => Decoded::Error(e),
        Body::NoContent => Decoded::NoContent,
        Body::Page(text) => {
            let (page, coerced) = page::<T>(status, text)?;
            notes = coerced;
            Decoded::Page(page)
        }
        Body::Resource(text) => {
            let mut v = parse(status, text)?;
            tolerant::resource(&mut v, T::SHAPE, &mut notes);
            Decoded::Resource(T::from_value(v).map_err(|e| wrong_shape(status, e))?)
        }
    };
    Ok((decoded, notes))
}

/// Whether `response` is a listing page of `T`s whose body is, attribute for attribute, the
/// page [`decode`] reads from it: read on the hot path, nothing coerced or dropped, no `null`
/// (`model::as_sent`); an empty `schemas`, `emails` or `groups`, which the page read leaves
/// out, may stay in the body (RFC 7643 §2.5: unassigned either way). A host
/// that wants the page as a value of its own language may then parse the body as it came
/// instead of [`decode`]'s page written out as JSON (through npm, one `JSON.parse` of the
/// body instead of a decode, a serialization and a `JSON.parse`). `false` only says that
/// this shortcut does not apply: [`decode`] then reads the response, or refuses it.
pub fn page_as_sent<T: FromValue>(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> bool {
    matches!(expect, Expect::List)
        && matches!(body(expect, response, options), Ok(Body::Page(text)) if as_sent::page(text, T::SHAPE))
}

/// A listing page's body read: on the hot path (`model::fast`) when it takes the text (a
/// well-formed page, nothing to coerce), else on the exact path ([`exact_page`]). Both give
/// the same page, coercions and errors (`plan::fast_reference`'s property test).
pub(crate) fn page<T: FromValue>(
    status: u16,
    text: &str,
) -> Result<(ListResponse<T>, Vec<Coercion>), DecodeError> {
    match fast::page(text) {
        Some(page) => Ok((page, Vec::new())),
        None => exact_page(status, text),
    }
}

/// A listing page's body through the tolerant reader and the derives: the reference of the
/// hot path, and what reads whatever it leaves.
pub(crate) fn exact_page<T: FromValue>(
    status: u16,
    text: &str,
) -> Result<(ListResponse<T>, Vec<Coercion>), DecodeError> {
    let mut notes = Vec::new();
    let mut v = parse(status, text)?;
    tolerant::page(&mut v, T::SHAPE, &mut notes);
    let page = ListResponse::<T>::from_value(v).map_err(|e| wrong_shape(status, e))?;
    Ok((page, notes))
}

/// A response checked, before its body is read.
enum Body<'a> {
    Error(ServerError),
    NoContent,
    Page(&'a str),
    Resource(&'a str),
}

// Not inlined into each `decode::<T>`, which is the point of it.
#[inline(never)]
fn body<'a>(
    expect: Expect,
    response: &'a HttpResponse,
    options: &DecodeOptions,
) -> Result<Body<'a>, DecodeError> {
    let status = response.status;
    if response.body.len() > options.max_body_bytes {
        return Err(DecodeError::BodyTooLarge {
            size: response.body.len(),
            limit: options.max_body_bytes,
        });
    }
    if (400..=599).contains(&status) {
        return Ok(Body::Error(server_error(response, options.now_ms)));
    }
    let accepted = match expect {
        Expect::Create => options.create_statuses.contains(&status),
        Expect::Get | Expect::List => status == 200,
        Expect::Replace | Expect::Patch | Expect::Delete => status == 200 || status == 204,
    };
    if !accepted {
        return Err(DecodeError::UnexpectedStatus {
            status,
            expected: expect,
        });
    }
    let empty = response.body.trim().is_empty();
    match expect {
        Expect::Delete => Ok(Body::NoContent),
        Expect::Patch | Expect::Replace if status == 204 || empty => Ok(Body::NoContent),
        _ if empty => Err(DecodeError::EmptyBody { status }),
        Expect::List => Ok(Body::Page(&response.body)),
        _ => Ok(Body::Resource(&response.body)),
    }
}

/// Decodes a user response.
///
/// # Errors
///
/// As [`decode`].
pub fn decode_user(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<Decoded<User>, DecodeError> {
    decode(expect, response, options)
}

/// Decodes a group response.
///
/// # Errors
///
/// As [`decode`].
pub fn decode_group(
    expect: Expect,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<Decoded<Group>, DecodeError> {
    decode(expect, response, options)
}

/// Decodes a ServiceProviderConfig response.
///
/// # Errors
///
/// As [`decode`].
pub fn decode_service_provider_config(
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Result<Decoded<ServiceProviderConfig>, DecodeError> {
    decode(Expect::Get, response, options)
}

/// Parses the body as JSON: syntax first, so "not JSON" and "wrong shape" are told apart.
fn parse(status: u16, body: &str) -> Result<serde_json::Value, DecodeError> {
    serde_json::from_str(body).map_err(|e| DecodeError::NotJson {
        status,
        reason: masked(&e.to_string()),
        excerpt: escape(&mask_credentials(body), EXCERPT_CHARS),
    })
}

/// A body of the wrong shape. The model's types locate their own errors (``at `path`:
/// reason``), so no path-tracking wrapper is needed (nor its code, once per resource type).
fn wrong_shape(status: u16, e: serde_json::Error) -> DecodeError {
    // A type error quotes the value it found, which may be an echoed credential.
    let message = masked(&e.to_string());
    let (path, reason) = join_located(".", &message);
    DecodeError::WrongShape {
        status,
        path: path.unwrap_or_else(|| ".".to_owned()),
        reason: reason.to_owned(),
    }
}

/// Builds a [`ServerError`] from any error response, SCIM-shaped or not. Its texts are
/// masked ([`crate::redact`]): a server may echo the request's `Authorization` header.
pub(crate) fn server_error(response: &HttpResponse, now_ms: u64) -> ServerError {
    let retry_after_ms = response
        .header("retry-after")
        .and_then(|v| parse_retry_after(v, now_ms));
    let scim = serde_json::from_str::<ScimError>(&response.body).ok();
    let body_excerpt = match &scim {
        Some(_) => None,
        None if response.body.trim().is_empty() => None,
        None => Some(escape(&mask_credentials(&response.body), EXCERPT_CHARS)),
    };
    let scim = scim.unwrap_or_default();
    ServerError {
        http_status: response.status,
        status: scim.status,
        scim_type: scim.scim_type.as_deref().map(masked),
        detail: scim.detail.as_deref().map(masked),
        retry_after_ms,
        body_excerpt,
    }
}

/// Parses a `Retry-After` value (RFC 9110 §10.2.3) into a delay in milliseconds from
/// `now_ms`: delta-seconds, or an HTTP-date (a date in the past gives 0). Anything else is
/// `None`, and the caller falls back to its profile's default wait.
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A huge number of seconds saturates instead of overflowing.
        let secs: u64 = value.parse().unwrap_or(u64::MAX);
        return Some(secs.saturating_mul(1000));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    let at_ms = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
    let at_ms = u64::try_from(at_ms).unwrap_or(u64::MAX);
    Some(at_ms.saturating_sub(now_ms))
}

/// The first `max` characters of `s`, with control characters (and the Unicode line and
/// paragraph separators) escaped so an excerpt can neither break a log line nor smuggle
/// terminal escapes. Quotes and backslashes stay as sent: the text is read by people, and
/// `\"` in a message is noise to them.
fn escape(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for c in s.chars().take(max) {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_decode_by_name() {
        for expect in [Expect::Get, Expect::List, Expect::Delete] {
            let json = serde_json::to_string(&expect).unwrap();
            assert_eq!(serde_json::from_str::<Expect>(&json).unwrap(), expect);
        }
        assert_eq!(
            serde_json::from_str::<Expect>(r#""post""#)
                .unwrap_err()
                .to_string(),
            "unknown variant `post`, expected one of `get`, `list`, `create`, `replace`, `patch`, `delete`"
        );
    }

    fn opts() -> DecodeOptions {
        DecodeOptions::default()
    }

    #[test]
    fn create_accepts_200_and_201() {
        for status in [200, 201] {
            let r = HttpResponse::new(status, r#"{"id":"usr1","userName":"a@x"}"#);
            match decode_user(Expect::Create, &r, &opts()).unwrap() {
                Decoded::Resource(u) => assert_eq!(u.id.as_deref(), Some("usr1")),
                other => panic!("{other:?}"),
            }
        }
        let r = HttpResponse::new(202, r#"{"userName":"a"}"#);
        assert!(matches!(
            decode_user(Expect::Create, &r, &opts()),
            Err(DecodeError::UnexpectedStatus { status: 202, .. })
        ));
    }

    #[test]
    fn patch_accepts_204_and_200() {
        let r = HttpResponse::new(204, "");
        assert_eq!(
            decode_user(Expect::Patch, &r, &opts()).unwrap(),
            Decoded::NoContent
        );
        let r = HttpResponse::new(200, r#"{"userName":"a"}"#);
        assert!(matches!(
            decode_user(Expect::Patch, &r, &opts()).unwrap(),
            Decoded::Resource(_)
        ));
    }

    #[test]
    fn error_bodies_with_string_or_numeric_status() {
        let a = HttpResponse::new(
            409,
            r#"{"status":"409","scimType":"uniqueness","detail":"taken"}"#,
        );
        let b = HttpResponse::new(
            409,
            r#"{"status":409,"scimType":"uniqueness","detail":"taken"}"#,
        );
        let (Decoded::Error(ea), Decoded::Error(eb)) = (
            decode_user(Expect::Create, &a, &opts()).unwrap(),
            decode_user(Expect::Create, &b, &opts()).unwrap(),
        ) else {
            panic!("expected errors")
        };
        assert_eq!(ea, eb);
        assert_eq!(ea.scim_type.as_deref(), Some("uniqueness"));
        assert_eq!(ea.to_string(), "HTTP 409 (uniqueness): taken");
    }

    #[test]
    fn html_error_pages_become_excerpts() {
        let r = HttpResponse::new(502, "<html>\n<h1>Bad gateway</h1></html>");
        let Decoded::Error(e) = decode_user(Expect::Get, &r, &opts()).unwrap() else {
            panic!()
        };
        assert_eq!(e.http_status, 502);
        assert!(e.is_retryable());
        assert_eq!(
            e.body_excerpt.as_deref(),
            Some("<html>\\n<h1>Bad gateway</h1></html>")
        );
    }

    #[test]
    fn echoed_credentials_are_masked_in_every_server_text() {
        const TOKEN: &str = "tok-9f8e7d6c5b4a";
        let scim = HttpResponse::new(
            401,
            format!(
                r#"{{"status":"401","scimType":"Bearer {TOKEN}","detail":"bad header Authorization: Bearer {TOKEN}"}}"#
            ),
        );
        let html = HttpResponse::new(
            500,
            format!("<html><pre>authorization: bearer {TOKEN}\nhost: x</pre></html>"),
        );
        for r in [&scim, &html] {
            let Decoded::Error(e) = decode_user(Expect::Get, r, &opts()).unwrap() else {
                panic!()
            };
            let all = format!("{e} {}", serde_json::to_string(&e).unwrap());
            assert!(!all.contains(TOKEN), "{all}");
            assert!(all.contains("[redacted]"), "{all}");
        }
        // Success bodies that fail to decode quote the body or the value they found.
        let not_json = HttpResponse::new(200, format!("Authorization: Bearer {TOKEN} <oops"));
        let wrong = HttpResponse::new(
            200,
            format!(r#"{{"userName": 1, "id": ["Bearer {TOKEN}"]}}"#),
        );
        let bad_type = HttpResponse::new(
            200,
            format!(r#"{{"userName": "u", "active": "Bearer {TOKEN}"}}"#),
        );
        for r in [&not_json, &wrong, &bad_type] {
            let e = decode_user(Expect::Get, r, &opts()).unwrap_err();
            let all = format!("{e} {}", serde_json::to_string(&e).unwrap());
            assert!(!all.contains(TOKEN), "{all}");
        }
    }

    #[test]
    fn strict_on_success_bodies() {
        let not_json = HttpResponse::new(200, "<html>oops</html>");
        assert!(matches!(
            decode_user(Expect::Get, &not_json, &opts()),
            Err(DecodeError::NotJson { status: 200, .. })
        ));
        let wrong = HttpResponse::new(200, r#"{"totalResults":-1,"Resources":[]}"#);
        match decode_user(Expect::List, &wrong, &opts()) {
            Err(DecodeError::WrongShape { path, .. }) => assert_eq!(path, "totalResults"),
            other => panic!("{other:?}"),
        }
        let empty = HttpResponse::new(200, "");
        assert!(matches!(
            decode_user(Expect::Get, &empty, &opts()),
            Err(DecodeError::EmptyBody { status: 200 })
        ));
    }

    #[test]
    fn shape_errors_locate_nested_attributes() {
        let r = HttpResponse::new(
            200,
            r#"{"totalResults":2,"Resources":[{"userName":"a"},{"userName":"b","name":{"givenName":7}}]}"#,
        );
        match decode_user(Expect::List, &r, &opts()) {
            Err(DecodeError::WrongShape { path, reason, .. }) => {
                assert_eq!(path, "Resources[1].name.givenName");
                assert!(reason.starts_with("invalid type: integer `7`"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn size_limit_is_checked_before_parsing() {
        let options = DecodeOptions {
            max_body_bytes: 10,
            ..opts()
        };
        let r = HttpResponse::new(200, r#"{"userName":"long enough"}"#);
        assert!(matches!(
            decode_user(Expect::Get, &r, &options),
            Err(DecodeError::BodyTooLarge { limit: 10, .. })
        ));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("30", 0), Some(30_000));
        assert_eq!(parse_retry_after(" 0 ", 0), Some(0));
        // Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s.
        let now = 784_111_777_000 - 5_000;
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(5_000)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 60_000),
            Some(0)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
        assert_eq!(parse_retry_after("-5", 0), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", 0),
            Some(u64::MAX)
        );
    }

    #[test]
    fn retry_after_is_attached_to_429() {
        let mut r = HttpResponse::new(429, "");
        r.headers.push(("retry-after".into(), "7".into()));
        let Decoded::Error(e) = decode_user(Expect::Get, &r, &opts()).unwrap() else {
            panic!()
        };
        assert_eq!(e.retry_after_ms, Some(7_000));
    }

    #[test]
    fn redirects_are_unexpected() {
        let r = HttpResponse::new(302, "");
        assert!(matches!(
            decode_user(Expect::Get, &r, &opts()),
            Err(DecodeError::UnexpectedStatus { status: 302, .. })
        ));
    }
}
