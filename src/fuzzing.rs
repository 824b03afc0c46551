//! Fuzzing entry points: what each cargo-fuzz target in `fuzz/` runs, and what `cargo test`
//! replays over the committed regression inputs (`tests/fixtures/fuzz/TARGET/`), so a target
//! and its replay can never check different things. Each takes arbitrary bytes and panics
//! only when the core does, or when the target's own property fails.

use crate::engine::{EngineConfig, Input};
use crate::filter::{self, Filter};
use crate::http::HttpResponse;
use crate::json::from_str;
use crate::model::{as_sent, FromValue, Group, ListResponse, PatchOp, User};
use crate::plan::{ActualState, DesiredState, Plan, Policy};
use crate::profile::Profile;
use crate::response::{
    decode, decode_service_provider_config, decode_with_coercions, page_as_sent, DecodeOptions,
    Decoded, Expect,
};

/// A target's name (its file under `fuzz/fuzz_targets`, its directory under
/// `tests/fixtures/fuzz`) and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("decode_response", decode_response),
    ("filter_parse", filter_parse),
    ("desired_state", desired_state),
    ("json_arguments", json_arguments),
    ("mapping", mapping),
];

/// Decodes the bytes as every kind of response; the first two bytes choose the status.
pub fn decode_response(data: &[u8]) {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + (u16::from_be_bytes([*a, *b]) % 500), rest),
        _ => (200, data),
    };
    let body = String::from_utf8_lossy(body).into_owned();
    let response = HttpResponse {
        status,
        headers: vec![("Retry-After".into(), body.chars().take(40).collect())],
        body,
    };
    let options = DecodeOptions::default();
    for expect in Expect::ALL {
        let _ = decode::<User>(expect, &response, &options);
        let _ = decode::<Group>(expect, &response, &options);
    }
    let _ = decode_service_provider_config(&response, &options);
    tolerant_changes_nothing_strict_accepts::<User>(&response, &options);
    tolerant_changes_nothing_strict_accepts::<Group>(&response, &options);
    as_sent_reads_back::<User>(&response, &options);
    as_sent_reads_back::<Group>(&response, &options);
}

/// A page the core finds to be its body as sent (`response::page_as_sent`, which a decode
/// then answers with the body) is one the reference check finds so too, decodes with nothing
/// coerced, and the page read, written out, is the body's value but for the empty lists it
/// leaves out ([`same_state`]).
fn as_sent_reads_back<T>(response: &HttpResponse, options: &DecodeOptions)
where
    T: FromValue + serde::Serialize,
{
    if !page_as_sent::<T>(Expect::List, response, options) {
        return;
    }
    assert!(
        as_sent::reference::page(&response.body, T::SHAPE),
        "the scan accepted a page its reference refuses"
    );
    let Ok((Decoded::Page(page), coercions)) =
        decode_with_coercions::<T>(Expect::List, response, options)
    else {
        panic!("a page as sent did not decode as a page");
    };
    assert!(
        coercions.is_empty(),
        "coerced {coercions:?} in a page as sent"
    );
    let written = serde_json::to_value(&page).expect("a page writes out");
    let sent: serde_json::Value = serde_json::from_str(&response.body).expect("a page is JSON");
    assert!(
        same_state(&written, &sent),
        "a page as sent reads back as {written}"
    );
}

/// Whether `sent` is `written` but for attributes sent as an empty list that `written`
/// leaves out (RFC 7643 §2.5: both unassigned).
pub(crate) fn same_state(written: &serde_json::Value, sent: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (written, sent) {
        (Value::Object(w), Value::Object(s)) => {
            w.iter()
                .all(|(k, v)| s.get(k).is_some_and(|sv| same_state(v, sv)))
                && s.iter()
                    .all(|(k, v)| w.contains_key(k) || v.as_array().is_some_and(Vec::is_empty))
        }
        (Value::Array(w), Value::Array(s)) => {
            w.len() == s.len() && w.iter().zip(s).all(|(w, s)| same_state(w, s))
        }
        _ => written == sent,
    }
}

/// The tolerant reader only rewrites what the model's strict decoders refuse: a page they
/// accept reads the same through `response::decode`, with no coercion.
fn tolerant_changes_nothing_strict_accepts<T>(response: &HttpResponse, options: &DecodeOptions)
where
    T: FromValue + PartialEq + std::fmt::Debug,
{
    let Ok((Decoded::Page(page), coercions)) =
        decode_with_coercions::<T>(Expect::List, response, options)
    else {
        return;
    };
    if let Ok(strict) = serde_json::from_str::<ListResponse<T>>(&response.body) {
        assert!(
            coercions.is_empty(),
            "coerced {coercions:?} in a strict page"
        );
        assert_eq!(page, strict, "the tolerant reader changed a strict page");
    }
}

/// Parses a filter; whatever parses must render to text that parses to the same tree (the
/// property the renderer's escaping relies on).
pub fn filter_parse(data: &[u8]) {
    // Filters arrive as text; bytes that are not UTF-8 never reach the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = filter::parse(text) {
        // Evaluation never fails, whatever the filter names.
        let _ = parsed.matches(&serde_json::json!({
            "userName": "Ana@example.com", "emails": [{"value": "a@x", "type": "work"}],
            "name": {"givenName": "Ana"}, "active": true, "x": 7,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}
        }));
        let rendered = parsed.to_string();
        assert_eq!(
            filter::parse(&rendered),
            Ok(parsed),
            "render/parse round trip failed for {rendered:?}"
        );
    }
}

/// Parses a desired state as JSON (the fast path and the exact path behind it) and as CSV; a
/// JSON state that is accepted must serialize to JSON that parses back to the same state.
pub fn desired_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(state) = DesiredState::from_json(text) {
        let again = serde_json::to_string(&state).unwrap_or_default();
        assert_eq!(
            DesiredState::from_json(&again).as_ref(),
            Ok(&state),
            "JSON round trip failed for {again:?}"
        );
    }
    let _ = DesiredState::from_csv(text);
}

/// A mapping document and an export, split at the first NUL byte (no NUL: the bytes are an
/// export read through each built-in mapping): the document is read, and the export mapped
/// as CSV and as JSON, through `read` and `preview`. Whatever is read must hold only users
/// with a userName, each group's members among them.
pub fn mapping(data: &[u8]) {
    let (document, export) = match data.iter().position(|b| *b == 0) {
        Some(at) => (Some(&data[..at]), &data[at + 1..]),
        None => (None, data),
    };
    let Ok(export) = std::str::from_utf8(export) else {
        return;
    };
    let mappings: Vec<crate::mapping::Mapping> = match document {
        Some(doc) => std::str::from_utf8(doc)
            .ok()
            .and_then(|doc| crate::mapping::Mapping::from_json(doc).ok())
            .into_iter()
            .collect(),
        None => crate::mapping::BUILTIN_MAPPINGS
            .iter()
            .filter_map(|(name, _)| crate::mapping::Mapping::builtin(name))
            .collect(),
    };
    for m in &mappings {
        for file in ["export.csv", "export.json"] {
            if let Ok(state) = m.read(file, export) {
                let names: std::collections::HashSet<&str> =
                    state.users.iter().map(|u| u.user_name.as_str()).collect();
                assert!(!names.contains(""), "a user without a userName");
                for g in &state.groups {
                    assert!(g.members.iter().all(|m| names.contains(m.as_str())));
                }
            }
            let _ = m.preview(file, export, &Policy::default(), 3);
        }
    }
}

/// Reads the bytes as each JSON argument a host hands the core (engine configuration and
/// input, profile, filter, policy, a reviewed plan, a PATCH body, the listed state). The
/// first two bytes are skipped: they placed a position for the JSON-path locator that
/// `serde_path_to_error` replaced, and the corpus keeps its format.
pub fn json_arguments(data: &[u8]) {
    let rest = match data {
        [_, _, rest @ ..] => rest,
        _ => data,
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = from_str::<EngineConfig>(text);
    let _ = from_str::<Input>(text);
    let _ = from_str::<Profile>(text);
    let _ = from_str::<Filter>(text);
    let _ = from_str::<Policy>(text);
    let _ = from_str::<Plan>(text);
    let _ = from_str::<PatchOp>(text);
    let _ = ActualState::from_json(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_odd_inputs() {
        for data in [
            &b""[..],
            b"\x00",
            b"\x00\xc8{",
            b"\x01\x90{\"status\":\"x\"}",
            b"\xff\xff\xff",
            b"{\"users\":[{\"userName\":\"a\"}]}",
            b"userName\na\n",
        ] {
            for (_, run) in TARGETS {
                run(data);
            }
        }
    }
}
