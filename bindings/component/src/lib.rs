//! # scim-provision-component
//!
//! The `scim-provision` core as a WebAssembly component of the WIT world
//! `scim:provision/provisioner` (`wit/provision.wit`), which exports `types`, `codec`,
//! `planner` and `engine` and imports nothing.
//!
//! This crate is a thin `impl Guest` per interface: JSON strings are deserialized into core
//! types, the core is called, and results and errors are mapped to WIT types. Every decision
//! (filtering, diffing, retrying, building SCIM JSON) is the core's. Nothing here panics on
//! host input: bad arguments come back as `error`s of kind `invalid-argument` with the JSON
//! path at fault.
//!
//! Build with `bash scripts/component.sh`, which compiles this crate for
//! `wasm32-unknown-unknown` and wraps it with `jco new` into
//! `target/component/scim_provision.wasm`.

// The WIT `error` record is this boundary's error type; it is built once per failed call, so
// its size does not matter, and boxing it would only add a step to every mapping.
#![allow(clippy::result_large_err)]

pub mod mapping;

mod component;
