//! Hand-written decoding of the engine's configuration and inputs ([`EngineConfig`],
//! [`Mode`], [`Input`], [`RequestId`]) from a `serde_json::Value`, in place of serde's
//! derives: one non-generic decoder per type, whatever the deserializer (see
//! `crate::decoding`). The internally tagged enums were the derives' costliest part: serde
//! buffers their content and instantiates every field's decoding again for the buffer.
//!
//! Same rules as the derives: camelCase names; an absent configuration field takes
//! [`EngineConfig::default`]'s value; unknown fields are ignored (the configuration, the
//! modes and the inputs never refused them); `mode` and `type` are the tags (``missing
//! field `mode` ``, ``unknown variant `x`, expected one of `planOnly`, `applyApproved`,
//! `planAndApply` ``). The reviewed plan inside `applyApproved` and the response inside an
//! input are decoded by their own decoders (`plan::decode`, `http`).
//!
//! Differences from the derives: an error inside a mode or an input is located at the field
//! at fault (`mode.plan`, `id`), where the derives located it at the enclosing object (their
//! buffered content had lost its position); a mode or an input given as a JSON array (the
//! derives read `["planOnly"]`) or a struct given as one is refused (`invalid type:
//! sequence, expected internally tagged enum Mode`); a tag given as anything but a string is
//! `invalid type: ..., expected a string` (was `expected variant identifier`).
//!
//! As for every decoder of a collected `Value`: a JSON syntax error anywhere is reported
//! before any other; of several errors, the first in key order is reported (the derives
//! reported the first in the text); a repeated key keeps its last value (the derives refused
//! it as a duplicate field); and an error is located by its path in the message, without the
//! ` at line L column C` that serde_json added when the derive read the text itself.

use serde_json::{Map, Value};

use super::{EngineConfig, Input, Mode, RequestId};
use crate::decoding::{
    bool_value, f64_value, fields, object, opt, required, set, string, take_tag, u32_value,
    u64_value, usize_value, Res,
};
use crate::plan::Policy;
use crate::profile::Profile;

/// A profile, read by its derive.
fn profile(v: Value) -> Res<Profile> {
    serde_json::from_value(v).map_err(crate::decoding::Bad::new)
}

pub(crate) fn engine_config(v: Value) -> Res<EngineConfig> {
    object(v, "struct EngineConfig", |map| {
        let mut c = EngineConfig::default();
        fields(map, None, |key, v| match key {
            "basePath" => set(&mut c.base_path, string(v)),
            "profile" => set(&mut c.profile, profile(v)),
            "policy" => set(&mut c.policy, Policy::decode(v)),
            "mode" => set(&mut c.mode, mode(v)),
            "allowBlocked" => set(&mut c.allow_blocked, bool_value(v)),
            "maxInFlight" => set(&mut c.max_in_flight, u32_value(v)),
            "requestsPerSecond" => set(&mut c.requests_per_second, opt(v, f64_value)),
            "maxAttempts" => set(&mut c.max_attempts, u32_value(v)),
            "maxRateLimitedAttempts" => set(&mut c.max_rate_limited_attempts, u32_value(v)),
            "backoffBaseMs" => set(&mut c.backoff_base_ms, u64_value(v)),
            "backoffMaxMs" => set(&mut c.backoff_max_ms, u64_value(v)),
            "seed" => set(&mut c.seed, u64_value(v)),
            "maxListedResources" => set(&mut c.max_listed_resources, u64_value(v)),
            "maxBodyBytes" => set(&mut c.max_body_bytes, usize_value(v)),
            _ => Ok(Some(v)),
        })?;
        Ok(c)
    })
}

const MODES: &[&str] = &["planOnly", "applyApproved", "planAndApply"];

pub(crate) fn mode(v: Value) -> Res<Mode> {
    object(
        v,
        "internally tagged enum Mode",
        |mut map| match take_tag(&mut map, "mode", MODES)? {
            0 => Ok(Mode::PlanOnly),
            1 => apply_approved(map),
            _ => Ok(Mode::PlanAndApply),
        },
    )
}

fn apply_approved(map: Map<String, Value>) -> Res<Mode> {
    let mut plan = None;
    let mut replan = false;
    fields(map, None, |key, v| match key {
        "plan" => set(
            &mut plan,
            crate::plan::decode::plan(v).map(|p| Some(Box::new(p))),
        ),
        "replan" => set(&mut replan, bool_value(v)),
        _ => Ok(Some(v)),
    })?;
    Ok(Mode::ApplyApproved {
        plan: required(plan, "plan")?,
        replan,
    })
}

const INPUTS: &[&str] = &["response", "failed"];

pub(crate) fn input(v: Value) -> Res<Input> {
    object(v, "internally tagged enum Input", |mut map| {
        let tag = take_tag(&mut map, "type", INPUTS)?;
        let mut id = None;
        let mut response = None;
        let mut reason = None;
        fields(map, None, |key, v| match (tag, key) {
            (_, "id") => set(&mut id, request_id(v).map(Some)),
            (0, "response") => set(&mut response, crate::http::http_response(v).map(Some)),
            (1, "reason") => set(&mut reason, string(v).map(Some)),
            _ => Ok(Some(v)),
        })?;
        let id = required(id, "id")?;
        Ok(match tag {
            0 => Input::Response {
                id,
                response: required(response, "response")?,
            },
            _ => Input::Failed {
                id,
                reason: required(reason, "reason")?,
            },
        })
    })
}

pub(crate) fn request_id(v: Value) -> Res<RequestId> {
    u64_value(v).map(RequestId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::parse_json_arg;

    fn error(text: &str) -> String {
        crate::decoding::refusal::<EngineConfig>(text)
    }

    #[test]
    fn configurations_round_trip_and_absent_fields_take_the_defaults() {
        let actual = crate::plan::ActualState {
            complete: true,
            ..Default::default()
        };
        let encoder = crate::request::RequestEncoder::new("/scim/v2", Profile::airtable()).unwrap();
        let desired = crate::plan::DesiredState::default();
        let plan = crate::plan::plan(&desired, &actual, &encoder, &Policy::default()).unwrap();
        let config = EngineConfig {
            base_path: "/scim/v2".into(),
            profile: Profile::airtable(),
            mode: Mode::ApplyApproved {
                plan: Box::new(plan),
                replan: true,
            },
            requests_per_second: Some(2.5),
            max_body_bytes: 1024,
            seed: u64::MAX,
            ..EngineConfig::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<EngineConfig>(&json).unwrap(), config);
        assert_eq!(
            serde_json::from_str::<EngineConfig>("{}").unwrap(),
            EngineConfig::default()
        );
        let c: EngineConfig =
            serde_json::from_str(r#"{"mode":{"mode":"planAndApply","extra":1},"x":2}"#).unwrap();
        assert_eq!(c.mode, Mode::PlanAndApply);
        for mode in [Mode::PlanOnly, Mode::PlanAndApply] {
            let json = serde_json::to_string(&mode).unwrap();
            assert_eq!(serde_json::from_str::<Mode>(&json).unwrap(), mode);
        }
    }

    #[test]
    fn inputs_round_trip() {
        for input in [
            Input::Response {
                id: RequestId(7),
                response: crate::http::HttpResponse::new(200, "{}"),
            },
            Input::Failed {
                id: RequestId(8),
                reason: "timed out".into(),
            },
        ] {
            let json = serde_json::to_string(&input).unwrap();
            assert_eq!(serde_json::from_str::<Input>(&json).unwrap(), input);
        }
    }

    #[test]
    fn errors_read_as_the_derives_read() {
        assert_eq!(
            error(r#"{"maxAttempts":"five"}"#),
            "at `maxAttempts`: invalid type: string \"five\", expected u32"
        );
        assert_eq!(
            error(r#"{"seed":-1}"#),
            "at `seed`: invalid value: integer `-1`, expected u64"
        );
        assert_eq!(
            error(r#"{"mode":{"mode":"apply"}}"#),
            "at `mode.mode`: unknown variant `apply`, expected one of `planOnly`, `applyApproved`, `planAndApply`"
        );
        assert_eq!(
            error(r#"{"mode":{"mode":"applyApproved"}}"#),
            "at `mode`: missing field `plan`"
        );
        assert_eq!(error(r#"{"mode":{}}"#), "at `mode`: missing field `mode`");
        assert_eq!(
            error(r#"{"profile":{"name":"x"}}"#),
            "at `profile`: missing field `discovery`"
        );
        let fault = parse_json_arg::<EngineConfig>(
            "config-json",
            r#"{"policy":{"maxDeletions":{"count":"x"}}}"#,
        )
        .unwrap_err();
        assert_eq!(fault.location.as_deref(), Some("policy.maxDeletions.count"));
        assert_eq!(
            serde_json::from_str::<Input>(r#"{"type":"failed","id":"x"}"#)
                .unwrap_err()
                .to_string(),
            "at `id`: invalid type: string \"x\", expected u64"
        );
        assert_eq!(
            serde_json::from_str::<Input>(r#"{"type":"response","id":1,"response":{}}"#)
                .unwrap_err()
                .to_string(),
            "at `response`: missing field `status`"
        );
    }
}
