//! The `decode_response` fuzz target: `scim_provision::fuzzing::decode_response` (see there for what it
//! checks), the function `cargo test` also replays over tests/fixtures/fuzz/decode_response/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_provision::fuzzing::decode_response(data));
