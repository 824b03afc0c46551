//! The `filter_parse` fuzz target: `scim_provision::fuzzing::filter_parse` (see there for what it
//! checks), the function `cargo test` also replays over tests/fixtures/fuzz/filter_parse/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_provision::fuzzing::filter_parse(data));
