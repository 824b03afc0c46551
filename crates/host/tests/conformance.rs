//! The conformance corpus (`tests/conformance/cases/` at the workspace root) run against the
//! native crates, through `scim_provision_host::boundary` (JSON text in, results or faults
//! out), which the npm package and the WebAssembly component call too.
//!
//! Every case's result is rendered as canonical JSON (keys sorted recursively, no
//! whitespace, non-ASCII kept as UTF-8) and compared byte for byte with the golden file
//! beside it (`NAME.expected.json`). `UPDATE_CONFORMANCE=1 cargo test -p scim-provision-host --test
//! conformance` rewrites the golden files. The WebAssembly component (`scripts/conformance/`) and the
//! npm package run the same cases and must produce the same bytes; the case format and the
//! host loop are specified in `tests/conformance/README.md`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use scim_provision::engine::{Input, Output, RequestId};
use scim_provision::http::HttpResponse;
use scim_provision::profile;
use scim_provision::request::ResourceKind;
use scim_provision::response::Expect;
use scim_provision_host::boundary::{self, DecodeTarget, PartialDecodeOptions};
use scim_provision_host::fault::{to_json, to_value, Fault};
use scim_provision_host::report::{
    report_csv_with, report_html, report_json, review_csv, ReportOptions,
};

/// A run loop that takes longer than this many polls is a failure.
const MAX_STEPS: usize = 100_000;

/// Canonical JSON: object keys sorted (by UTF-8 bytes, which is code point order), no
/// whitespace, strings escaped as serde_json escapes them.
fn canonical(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(item, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn ok(value: Value) -> Value {
    json!({ "ok": value })
}

fn err(e: Fault) -> Value {
    json!({ "error": to_value(&e) })
}

fn parse_text(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("the implementation returned bad JSON: {e}"))
}

/// A field of the case, or a description of what is missing.
fn field<'a>(case: &'a Value, name: &str) -> Result<&'a Value, String> {
    case.get(name)
        .ok_or_else(|| format!("the case has no `{name}`"))
}

fn str_field<'a>(case: &'a Value, name: &str) -> Result<&'a str, String> {
    field(case, name)?
        .as_str()
        .ok_or_else(|| format!("`{name}` must be a string"))
}

/// Replaces a `profile` given by name with the built-in profile's JSON.
fn resolve_profile(config: &Value) -> Result<Value, String> {
    let mut config = config.clone();
    if let Some(Value::String(name)) = config.get("profile") {
        let profile =
            profile::builtin(name).ok_or_else(|| format!("no built-in profile {name:?}"))?;
        config["profile"] = to_value(&profile);
    }
    Ok(config)
}

/// The desired state's JSON text: `desired` rendered canonically, or `desiredCsv` parsed.
fn desired_text(case: &Value) -> Result<Result<String, Fault>, String> {
    if let Some(csv) = case.get("desiredCsv") {
        let csv = csv.as_str().ok_or("`desiredCsv` must be a string")?;
        return Ok(boundary::desired_from_csv(csv).map(|d| to_json(&d)));
    }
    Ok(Ok(canonical(field(case, "desired")?)))
}

fn scripted_response(entry: &Value) -> Result<Result<HttpResponse, String>, String> {
    if let Some(reason) = entry.get("fail") {
        let reason = reason.as_str().ok_or("`fail` must be a string")?;
        return Ok(Err(reason.to_owned()));
    }
    let status = entry
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("a response needs a `status` between 0 and 65535")?;
    let headers = match entry.get("headers") {
        None => Vec::new(),
        Some(h) => serde_json::from_value::<Vec<(String, String)>>(h.clone())
            .map_err(|e| format!("bad `headers`: {e}"))?,
    };
    let body = match entry.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => canonical(other),
    };
    // As every host hands an answer over: the body's bytes, checked as UTF-8 by the core.
    Ok(Ok(HttpResponse::from_bytes(
        status,
        headers,
        body.into_bytes(),
    )))
}

fn run_engine(case: &Value) -> Result<Value, String> {
    let config_text = canonical(&resolve_profile(field(case, "config")?)?);
    // A targeted run (`targets`: hire, terminate, grant...) or a run towards a directory.
    let created = match case.get("targets") {
        Some(targets) => boundary::targeted_engine_from_json(&config_text, &canonical(targets)),
        None => match desired_text(case)? {
            Ok(text) => boundary::engine_from_json(&config_text, &text),
            Err(e) => return Ok(err(e)),
        },
    };
    let mut engine = match created {
        Ok(e) => e,
        Err(e) => return Ok(err(e)),
    };
    let empty = Vec::new();
    let responses = match case.get("responses") {
        None => &empty,
        Some(r) => r.as_array().ok_or("`responses` must be an array")?,
    };
    let abort_after = case.get("abortAfterSends").and_then(Value::as_u64);
    let mut now = case.get("startMs").and_then(Value::as_u64).unwrap_or(0);
    let mut next = 0;
    let mut sends = 0u64;
    let mut transcript = Vec::new();
    for _ in 0..MAX_STEPS {
        let output = engine.poll_output(now);
        transcript.push(to_value(&output));
        match output {
            Output::Send { id, .. } => {
                let input = match responses.get(next) {
                    None => failed(id, "no scripted response"),
                    Some(entry) => match scripted_response(entry)? {
                        Ok(response) => Input::Response { id, response },
                        Err(reason) => failed(id, &reason),
                    },
                };
                next += 1;
                engine
                    .handle_input(input, now)
                    .map_err(|e| format!("handle_input failed: {e}"))?;
                sends += 1;
                if abort_after == Some(sends) {
                    engine.abort();
                }
            }
            Output::Event { .. } => {}
            Output::Wait { until_ms } => now = until_ms.unwrap_or(now + 1),
            Output::Done { .. } => {
                if next < responses.len() {
                    // An authoring mistake; the transcript is still written for inspection.
                    transcript.push(json!({ "unusedResponses": responses.len() - next }));
                }
                return Ok(Value::Array(transcript));
            }
            _ => return Err("an output this runner does not know".into()),
        }
    }
    Err(format!("the run did not finish within {MAX_STEPS} polls"))
}

fn failed(id: RequestId, reason: &str) -> Input {
    Input::Failed {
        id,
        reason: reason.to_owned(),
    }
}

fn run_plan(case: &Value) -> Result<Value, String> {
    let config_text = canonical(&resolve_profile(field(case, "config")?)?);
    let desired_text = match desired_text(case)? {
        Ok(text) => text,
        Err(e) => return Ok(err(e)),
    };
    let actual_text = canonical(field(case, "actual")?);
    Ok(
        match boundary::plan_json(&desired_text, &actual_text, &config_text) {
            Ok(plan) => ok(parse_text(&plan)?),
            Err(e) => err(e),
        },
    )
}

fn run_desired(case: &Value) -> Result<Value, String> {
    let parsed = match case.get("desiredCsv") {
        Some(csv) => {
            boundary::desired_from_csv(csv.as_str().ok_or("`desiredCsv` must be a string")?)
        }
        None => boundary::desired_from_json(&canonical(field(case, "desired")?)),
    };
    Ok(match parsed {
        Ok(d) => ok(parse_text(&to_json(&d))?),
        Err(e) => err(e),
    })
}

fn run_decode(case: &Value) -> Result<Value, String> {
    let expect: Expect = serde_json::from_value(field(case, "expect")?.clone())
        .map_err(|e| format!("bad `expect`: {e}"))?;
    let response = scripted_response(field(case, "response")?)?
        .map_err(|_| "a decode case's response cannot be a failure".to_owned())?;
    let options: PartialDecodeOptions = match case.get("options") {
        None => PartialDecodeOptions::default(),
        Some(o) => serde_json::from_value(o.clone()).map_err(|e| format!("bad `options`: {e}"))?,
    };
    let target = DecodeTarget::from_name("target", str_field(case, "resourceType")?)
        .map_err(|e| e.message)?;
    Ok(
        match boundary::decode_json(target, expect, &response, &options.resolve()) {
            Ok(text) => ok(parse_text(&text)?),
            Err(e) => err(e),
        },
    )
}

fn run_filter(case: &Value) -> Result<Value, String> {
    let filter_json = match boundary::parse_filter_json(str_field(case, "text")?) {
        Ok(f) => f,
        Err(e) => return Ok(err(e)),
    };
    // As a host does: the filter JSON goes back in through `render-filter`.
    let rendered = match boundary::render_filter_json(&filter_json) {
        Ok(text) => text,
        Err(e) => return Ok(err(e)),
    };
    Ok(ok(
        json!({ "filter": parse_text(&filter_json)?, "rendered": rendered }),
    ))
}

fn run_encode(case: &Value) -> Result<Value, String> {
    let config = resolve_profile(case)?;
    let base_path = str_field(&config, "basePath")?;
    let profile_text = canonical(field(&config, "profile")?);
    let encoder = match boundary::encoder(base_path, &profile_text) {
        Ok(e) => e,
        Err(e) => return Ok(err(e)),
    };
    let kind = match case.get("resourceKind").and_then(Value::as_str) {
        None | Some("user") => ResourceKind::User,
        Some("group") => ResourceKind::Group,
        Some(other) => return Err(format!("unknown resourceKind {other:?}")),
    };
    let id = || str_field(case, "id");
    let arg = |name: &str| field(case, name).map(canonical);
    let result = match str_field(case, "op")? {
        "list" => boundary::encode_list(&encoder, kind, &arg("query")?),
        "get" => boundary::encode_get(&encoder, kind, id()?),
        "create" => boundary::encode_create(&encoder, kind, &arg("resource")?),
        "replace" => boundary::encode_replace(&encoder, kind, id()?, &arg("resource")?),
        "patch" => boundary::encode_patch(&encoder, kind, id()?, &arg("patch")?),
        "delete" => boundary::encode_delete(&encoder, kind, id()?),
        "serviceProviderConfig" => Ok(encoder.service_provider_config()),
        other => return Err(format!("unknown op {other:?}")),
    };
    Ok(match result {
        Ok(request) => ok(to_value(&request)),
        Err(e) => err(e),
    })
}

fn run_report(case: &Value) -> Result<Value, String> {
    let users = canonical(field(case, "users")?);
    let groups = canonical(field(case, "groups")?);
    let plan = case.get("plan").map(canonical);
    let empty = Value::Object(Map::new());
    let o = case.get("options").unwrap_or(&empty);
    let desired = o.get("desired").map(canonical);
    let policy = o.get("policy").map(canonical);
    // `listing`: a run report's listing; incomplete ones pass their problems on.
    let incomplete: Option<Vec<String>> = o
        .get("listing")
        .filter(|l| l["complete"] == Value::Bool(false))
        .map(|l| serde_json::from_value(l["problems"].clone()).unwrap_or_default());
    let licenses = o.get("licenses").map(canonical);
    let prices: Option<std::collections::BTreeMap<String, u64>> = o
        .get("prices")
        .map(|p| serde_json::from_value(p.clone()).unwrap_or_default());
    let previous = o.get("previous").map(canonical);
    let options = ReportOptions::new(o.get("takenAtMs").and_then(Value::as_u64).unwrap_or(0))
        .with_purchased_seats(o.get("purchasedSeats").and_then(Value::as_u64))
        .with_desired_json(desired.as_deref())
        .with_policy_json(policy.as_deref())
        .with_incomplete(incomplete.as_deref())
        .with_licenses_json(licenses.as_deref())
        .with_pricing(
            o.get("currency").and_then(Value::as_str),
            o.get("pricePerSeat").and_then(Value::as_u64),
            prices.as_ref(),
        )
        .with_server(o.get("server").and_then(Value::as_str))
        .with_previous_json(previous.as_deref());
    let report = match report_json(&users, &groups, plan.as_deref(), &options) {
        Ok(text) => parse_text(&text)?,
        Err(e) => return Ok(err(e)),
    };
    let html = match report_html(&users, &groups, plan.as_deref(), &options) {
        Ok(text) => text,
        Err(e) => return Ok(err(e)),
    };
    let csv = match report_csv_with(&users, &groups, false, licenses.as_deref()) {
        Ok(text) => text,
        Err(e) => return Ok(err(e)),
    };
    let mut result = json!({ "report": report, "html": html, "csv": csv });
    if previous.is_some() {
        match review_csv(&users, &groups, plan.as_deref(), &options, false) {
            Ok(text) => result["reviewCsv"] = Value::String(text),
            Err(e) => return Ok(err(e)),
        }
    }
    Ok(ok(result))
}

fn run_case(case: &Value) -> Result<Value, String> {
    match str_field(case, "kind")? {
        "engine" => run_engine(case),
        "plan" => run_plan(case),
        "desired" => run_desired(case),
        "decode" => run_decode(case),
        "filter" => run_filter(case),
        "encode" => run_encode(case),
        "report" => run_report(case),
        other => Err(format!("unknown kind {other:?}")),
    }
}

fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("tests/conformance/cases exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".json") && !name.ends_with(".expected.json")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_native_crate_matches_every_golden_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/cases");
    let update = std::env::var("UPDATE_CONFORMANCE").is_ok_and(|v| v == "1");
    let files = case_files(&dir);
    assert!(!files.is_empty(), "no case in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name");
        let text = fs::read_to_string(file).expect("readable case");
        let case: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{stem}: not JSON: {e}"));
                continue;
            }
        };
        if case.get("name").and_then(Value::as_str) != Some(stem) {
            failures.push(format!(
                "{stem}: `name` must be the file name without .json"
            ));
            continue;
        }
        let result = match run_case(&case) {
            Ok(v) => canonical(&v) + "\n",
            Err(e) => {
                failures.push(format!("{stem}: {e}"));
                continue;
            }
        };
        let golden = dir.join(format!("{stem}.expected.json"));
        if result.contains(r#"{"unusedResponses":"#) {
            failures.push(format!("{stem}: some scripted responses were never used"));
            let actual = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{stem}.actual.json"));
            fs::write(&actual, &result).expect("writable target dir");
            continue;
        }
        if update {
            fs::write(&golden, &result).expect("writable golden file");
            continue;
        }
        match fs::read_to_string(&golden) {
            Ok(expected) if expected == result => {}
            Ok(expected) => failures.push(format!(
                "{stem}: differs from {}; first difference at byte {}",
                golden.display(),
                first_difference(&expected, &result)
            )),
            Err(_) => failures.push(format!(
                "{stem}: no golden file (run with UPDATE_CONFORMANCE=1)"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[test]
fn canonical_json_sorts_keys_and_keeps_unicode() {
    let v: Value = serde_json::from_str(r#"{"b":[1,{"z":"é\"\\","a":null}],"a":"\u0001"}"#)
        .expect("valid JSON");
    assert_eq!(
        canonical(&v),
        r#"{"a":"\u0001","b":[1,{"a":null,"z":"é\"\\"}]}"#
    );
    let mut m = Map::new();
    m.insert("k".into(), json!(1));
    assert_eq!(canonical(&Value::Object(m)), r#"{"k":1}"#);
}
