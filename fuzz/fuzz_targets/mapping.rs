//! The `mapping` fuzz target: `scim_provision::fuzzing::mapping` (see there for what it
//! checks), the function `cargo test` also replays over tests/fixtures/fuzz/mapping/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_provision::fuzzing::mapping(data));
