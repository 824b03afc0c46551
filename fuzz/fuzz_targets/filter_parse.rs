//! Fuzzes the SCIM filter parser: it must never panic, and whatever it accepts must render back
//! to text that parses to the same tree (the property the renderer's escaping relies on).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_provision::filter::parse;

fuzz_target!(|data: &[u8]| {
    // Filters arrive as text; bytes that are not UTF-8 never reach the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = parse(text) {
        let rendered = filter.to_string();
        assert_eq!(
            parse(&rendered),
            Ok(filter),
            "render/parse round trip failed for {rendered:?}"
        );
    }
});
