//! The `json_arguments` fuzz target: `scim_provision::fuzzing::json_arguments` (see there for what it
//! checks), the function `cargo test` also replays over tests/fixtures/fuzz/json_arguments/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_provision::fuzzing::json_arguments(data));
