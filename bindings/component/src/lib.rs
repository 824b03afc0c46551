//! # scim-provision-component
//!
//! The `scim-provision` core as a WebAssembly component of the WIT world
//! `scim:provision/provisioner` (`wit/provision.wit`), which exports `types`, `codec`,
//! `planner`, `engine` and `reports` and imports nothing.
//!
//! This crate is a thin `impl Guest` per interface over the host crate's
//! [`scim_provision_host::boundary`] (JSON text in, results or structured faults out), which
//! the npm package calls too: WIT values are converted to core types and back, and a
//! [`scim_provision_host::fault::Fault`] becomes the WIT `error` record field for field. Every
//! decision (filtering, diffing, retrying, building SCIM JSON) is the core's. Nothing here
//! panics on host input: bad arguments come back as `error`s of kind `invalid-argument` with
//! the JSON path at fault.
//!
//! Build with `bash scripts/component.sh`, which compiles this crate for
//! `wasm32-unknown-unknown` and wraps it with `jco new` into
//! `target/component/scim_provision.wasm`.

// The WIT `error` record is this boundary's error type; it is built once per failed call, so
// its size does not matter, and boxing it would only add a step to every mapping.
#![allow(clippy::result_large_err)]

mod component;
