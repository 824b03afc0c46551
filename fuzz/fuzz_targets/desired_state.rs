//! The `desired_state` fuzz target: `scim_provision::fuzzing::desired_state` (see there for what it
//! checks), the function `cargo test` also replays over tests/fixtures/fuzz/desired_state/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_provision::fuzzing::desired_state(data));
