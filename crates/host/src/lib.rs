//! # scim-provision-host
//!
//! The host-facing layer of the `scim-provision` core: what the npm package
//! (`bindings/js`), the WebAssembly component (`bindings/component`) and the native
//! conformance runner (`tests/conformance.rs`) call, so all three agree byte for byte. The
//! core crate's public API is the Rust API; this crate adds what a host outside Rust needs:
//!
//! - [`boundary`]: the core as JSON text in (a directory file also as its bytes, checked
//!   as UTF-8 once), results or faults out; an argument is named as the component's WIT
//!   parameter (`config-json`), a bad value located by its JSON path.
//! - [`fault`]: every core error as one structured [`fault::Fault`] record (kind, code,
//!   message, HTTP status, `scimType`, `detail`, location, data), with `From` for each.
//! - [`entry`]: the options of a single decode entry point (a directory's format, what a
//!   response answers), and a run report read as the error its host raises.
//! - [`report`]: the SaaS-ops report's options and the report as JSON, HTML or CSV.
//! - [`mapping`]: a directory file read through an attribute mapping, and its preview.
//! - [`doctor`]: the server doctor's probe from its JSON configuration.
//! - [`heap`]: growing the WebAssembly heap once ahead of a large decode.
//!
//! A host-specific helper that only one host can use stays in its binding (the JavaScript
//! `TextEncoder` path in `bindings/js/src/text.rs`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod boundary;
pub mod doctor;
pub mod entry;
pub mod fault;
pub mod heap;
pub mod mapping;
pub mod report;
