//! The boundary as the bindings call it, on payloads the core's own tests hold: what reaches
//! a host through `boundary` is what the core decides.

use std::path::PathBuf;

use scim_provision::http::HttpResponse;
use scim_provision::response::{DecodeOptions, Expect};
use scim_provision_host::boundary::{decode_json, DecodeTarget};
use serde_json::Value;

/// A fixture of the core crate's `tests/fixtures/tolerant/`.
fn fixture(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tolerant");
    std::fs::read_to_string(path.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The npm `decode`/`decodeResponse` and the component's `decode` go through the boundary:
/// it reads the payloads the core's tolerant reader reads (`tests/tolerant_reader.rs`).
#[test]
fn the_boundary_decoder_is_tolerant() {
    let response = HttpResponse::new(200, fixture("sap-concur-meta-version-number.json"));
    let out = decode_json(
        DecodeTarget::User,
        Expect::List,
        &response,
        &DecodeOptions::default(),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["page"]["Resources"][0]["meta"]["version"], "7");
    let response = HttpResponse::new(200, fixture("kaiten-members-value-number.json"));
    let out = decode_json(
        DecodeTarget::Group,
        Expect::List,
        &response,
        &DecodeOptions::default(),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["page"]["Resources"][0]["members"][1]["value"], "1043");
    let response = HttpResponse::new(200, fixture("refused-negative-totalresults.json"));
    let fault = decode_json(
        DecodeTarget::User,
        Expect::List,
        &response,
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(fault.location.as_deref(), Some("totalResults"));
}
