//! The Unicode data behind the matching rules: canonical decomposition (NFD) and
//! lower-casing, from compact tables.
//!
//! The facts are those of well-kept crates (`unicode-normalization`, and the standard
//! library's `char::to_lowercase`); only their encoding is ours. Those crates keep them in
//! lookup tables of some 25 KB in a gzipped WebAssembly module, which the npm package's
//! size target (250 KiB) could not carry; here they take about 6 KB. Each table is a `.bin`
//! file of delta-encoded runs, unpacked once on the first non-ASCII character.
//!
//! `tests/unicode_tables.rs` generates every table from its source and fails when a
//! checked-in file differs (`UPDATE_UNICODE=1 cargo test --test unicode_tables` rewrites
//! them: the core itself reads and writes no files); the unit tests here check every code
//! point of the compiled-in tables against the same sources.

mod lowercase;
mod nfd;
mod table;

pub(crate) use lowercase::{lowercase, to_lowercase};
pub(crate) use nfd::nfd;
