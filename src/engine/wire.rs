//! How a [`Mode`] and an [`Input`] read from JSON: through serde's derives on their flat
//! field sets, then checked into the enum (`#[serde(try_from = ...)]`).
//!
//! Both are internally tagged (`{"mode": "applyApproved", "plan": ...}`, `{"type":
//! "response", "id": 1, "response": ...}`), as their `Serialize` writes them. serde's own
//! internally tagged derive buffers the content before reading it, and a path inside that
//! buffer is lost: a bad reviewed plan would be located at `mode`, not at
//! `mode.plan.actions[3]`. Read as a struct of every variant's fields, each value is read
//! where it stands, so `serde_path_to_error` (`crate::json::from_str`) tracks it.
//! The rules stay the derive's: the tag is required (``missing field `mode` ``, ``unknown
//! variant `x`, expected one of ...``), unknown fields are ignored, `replan` is false when
//! absent, and a field the variant needs is ``missing field `plan` ``. One difference: a
//! field of another variant is read all the same (a `plan` beside `planOnly` must be a plan,
//! where the tagged derive ignored it).

use serde::de::Error as _;
use serde::Deserialize;

use super::{Input, Mode, RequestId};
use crate::http::HttpResponse;
use crate::plan::Plan;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum ModeName {
    PlanOnly,
    ApplyApproved,
    PlanAndApply,
    Review,
}

/// Every field of every [`Mode`].
#[derive(Deserialize)]
pub(super) struct ModeFields {
    mode: ModeName,
    plan: Option<Box<Plan>>,
    #[serde(default)]
    replan: bool,
}

impl TryFrom<ModeFields> for Mode {
    type Error = serde_json::Error;

    fn try_from(m: ModeFields) -> Result<Mode, serde_json::Error> {
        Ok(match m.mode {
            ModeName::PlanOnly => Mode::PlanOnly,
            ModeName::PlanAndApply => Mode::PlanAndApply,
            ModeName::Review => Mode::Review,
            ModeName::ApplyApproved => Mode::ApplyApproved {
                plan: m
                    .plan
                    .ok_or_else(|| serde_json::Error::missing_field("plan"))?,
                replan: m.replan,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum InputName {
    Response,
    Failed,
    Approve,
    Decline,
}

/// Every field of every [`Input`].
#[derive(Deserialize)]
pub(super) struct InputFields {
    #[serde(rename = "type")]
    kind: InputName,
    id: Option<RequestId>,
    response: Option<HttpResponse>,
    reason: Option<String>,
    digest: Option<String>,
}

impl TryFrom<InputFields> for Input {
    type Error = serde_json::Error;

    fn try_from(i: InputFields) -> Result<Input, serde_json::Error> {
        let missing = serde_json::Error::missing_field;
        let id = || i.id.ok_or_else(|| missing("id"));
        Ok(match i.kind {
            InputName::Response => Input::Response {
                id: id()?,
                response: i.response.ok_or_else(|| missing("response"))?,
            },
            InputName::Failed => Input::Failed {
                id: id()?,
                reason: i.reason.ok_or_else(|| missing("reason"))?,
            },
            InputName::Approve => Input::Approve {
                digest: i.digest.ok_or_else(|| missing("digest"))?,
            },
            InputName::Decline => Input::Decline,
        })
    }
}
