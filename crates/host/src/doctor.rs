//! The server doctor ([`scim_provision::doctor`]) as a host starts it: its configuration as
//! JSON text (`config-json`), a bad value located by its JSON path.
//!
//! The configuration is read as the engine's (`EngineConfig`: `basePath`, `profile`,
//! `seed`, `requestsPerSecond`, `maxAttempts`; unknown fields ignored) plus the doctor's own
//! `write` and `maxRequests`: the engine configuration's `Deserialize` is in every
//! WebAssembly build already, where a derive for the doctor's would add its size again.

// `Fault` is this layer's one error record, as in `boundary.rs`.
#![allow(clippy::result_large_err)]

use scim_provision::doctor::{Doctor, DoctorConfig};
use scim_provision::engine::EngineConfig;
use serde_json::Value;

use crate::fault::{parse_json_arg, Fault};

/// A probe of a [`DoctorConfig`] (`config-json`: `basePath`, `profile`, `write`, `seed`,
/// `requestsPerSecond`, `maxRequests`, `maxAttempts`; all optional).
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `config-json`, at the bad field), or of
/// kind `encode` for a base path that is not one.
pub fn doctor_from_json(config_json: &str) -> Result<Doctor, Fault> {
    let engine: EngineConfig = parse_json_arg("config-json", config_json)?;
    let own: Value = serde_json::from_str(config_json).unwrap_or_default();
    let field = |name: &str| own.get(name).filter(|v| !v.is_null());
    let refused =
        |name: &str, expected: &str| Fault::invalid_argument("config-json", name, expected);
    let mut config = DoctorConfig::new(&engine.base_path, false);
    if let Some(write) = field("write") {
        config.write = write
            .as_bool()
            .ok_or_else(|| refused("write", "expected a boolean"))?;
    }
    if let Some(max) = field("maxRequests") {
        let max = max.as_u64().and_then(|n| u32::try_from(n).ok());
        config.max_requests = max.ok_or_else(|| refused("maxRequests", "expected u32"))?;
    }
    config.profile = engine.profile;
    config.seed = engine.seed;
    config.requests_per_second = engine.requests_per_second;
    if field("maxAttempts").is_some() {
        config.max_attempts = engine.max_attempts;
    }
    Doctor::new(config).map_err(|e| Fault::from(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> String {
        doctor_from_json(text).expect_err("refused").to_json()
    }

    #[test]
    fn configurations_are_read_and_refused_where_they_are_wrong() {
        assert!(doctor_from_json("{}").is_ok());
        assert!(
            doctor_from_json(r#"{"basePath": "/scim/v2", "write": true, "maxRequests": 9}"#)
                .is_ok()
        );
        assert!(refusal(r#"{"profile": {"name": "x"}}"#).contains("profile"));
        let write = refusal(r#"{"write": "yes"}"#);
        assert!(
            write.contains("invalid-argument") && write.contains("write"),
            "{write}"
        );
        assert!(refusal(r#"{"maxRequests": -1}"#).contains("maxRequests"));
        assert!(refusal(r#"{"seed": "x"}"#).contains("seed"));
        assert!(doctor_from_json(r#"{"basePath": "no slash"}"#).is_err());
    }
}
