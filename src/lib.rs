//! # scim-provision
//!
//! A sans-IO SCIM 2.0 provisioning core. It encodes SCIM requests, decodes SCIM responses and
//! decides what to provision; the host (a Rust program, the npm package, a WebAssembly
//! component host) moves the bytes over HTTP and holds the credentials.
//!
//! Nothing in this crate performs I/O, reads a clock or draws randomness: time comes in as
//! arguments, and the same inputs always give byte-identical outputs.
//!
//! ## Modules
//!
//! - [`model`]: SCIM resources and messages (User with the enterprise and Airtable
//!   extensions, Group, ListResponse, Error, PatchOp, ServiceProviderConfig).
//! - [`filter`]: filter expressions, built with escaping and parsed back.
//! - [`profile`]: what a server supports and its quirks, as data (`airtable`, `generic`, ...).
//! - [`http`]: the plain request and response envelope exchanged with the host.
//! - [`request`]: operations into [`http::HttpRequest`]s, checked against a profile.
//! - [`response`]: [`http::HttpResponse`]s into typed outcomes and structured errors.
//! - [`doctor`]: the server doctor, a sans-IO probe of a server's quirks that writes its profile.
//! - [`plan`]: the desired state against the listed state, into a reviewable plan with
//!   safety guards.
//! - [`report`]: seats, chargeback, access snapshot and stale accounts as JSON, CSV and HTML.
//! - [`redact`]: masks credentials a server echoes back (`Bearer …`, `Authorization: …`) in
//!   every piece of server text the core keeps, so no output of the core can carry them.
//! - [`json`]: core types read from JSON text, a bad value located by its JSON path.
//!
//! The host-facing layer (JSON text in, results or structured faults out, for the npm
//! package, the WebAssembly component and the conformance runner) is the crate
//! `scim-provision-host` (`crates/host`); this crate's public API is the Rust API.
//!
//! ## Encoding a request and decoding its response
//!
//! ```
//! use scim_provision::filter::Filter;
//! use scim_provision::http::HttpResponse;
//! use scim_provision::profile::Profile;
//! use scim_provision::request::{ListQuery, RequestEncoder, ResourceKind};
//! use scim_provision::response::{decode_user, DecodeOptions, Decoded, Expect};
//!
//! let encoder = RequestEncoder::new("/scim/v2", Profile::airtable())?;
//! let query = ListQuery::filtered(Filter::eq("userName", "ana@example.com"));
//! let request = encoder.list(ResourceKind::User, &query)?;
//! assert_eq!(request.path, "/scim/v2/Users?filter=userName%20eq%20%22ana%40example.com%22");
//!
//! // The host sends `request` (adding its bearer token) and hands back what it received.
//! let response = HttpResponse::new(200, r#"{"totalResults":1,"Resources":[
//!     {"id":"usr1","userName":"ana@example.com","active":true}]}"#);
//! match decode_user(Expect::List, &response, &DecodeOptions::default())? {
//!     Decoded::Page(page) => assert_eq!(page.resources[0].id.as_deref(), Some("usr1")),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod doctor;
pub mod engine;
pub mod filter;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod json;
mod located;
pub mod mapping;
pub mod model;
pub mod plan;
pub mod profile;
mod quoted;
pub mod redact;
pub mod report;
pub mod request;
pub mod response;
mod sorting;
