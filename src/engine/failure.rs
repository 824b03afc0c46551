//! What a host raises for a run that did not give what it was run for: the one reading of a
//! [`RunReport`] as an error, so every host (the npm facade, the CLI, the component's
//! embedders) says the same thing for the same report. A host that holds the report as its
//! own data hands back only what decides it, a [`RunEnd`], read from the report's JSON
//! without the rest (the plan and the outcomes are skipped, not decoded).

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};

use super::outcome::{RunReport, RunStatus};
use crate::plan::Plan;
use crate::response::ServerError;

/// Why a run is an error to its host: a run that ended [`RunStatus::Failed`], or a run that
/// was to plan and ended without a plan (stopped first).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunFailure {
    /// How the run ended.
    pub status: RunStatus,
    /// The report's reason, or, when it gives none, ``the run ended with status `…` ``.
    pub message: String,
    /// The server error that ended the run (a 401, say), when one did (boxed: large, and
    /// rare).
    pub error: Option<Box<ServerError>>,
}

/// What decides whether a run is an error: its report's `status`, `reason`, `error` and
/// whether it has a `plan`. Read from a run report's JSON (other fields ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunEnd {
    /// How the run ended.
    pub status: RunStatus,
    /// Why, when the report says.
    #[serde(default)]
    pub reason: Option<String>,
    /// The server error that ended the run.
    #[serde(default)]
    pub error: Option<Box<ServerError>>,
    /// Whether the report has a plan.
    #[serde(default, rename = "plan", deserialize_with = "present")]
    pub has_plan: bool,
}

/// Whether a value is there (not absent, not `null`), without decoding it.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<IgnoredAny>::deserialize(d)?.is_some())
}

impl RunEnd {
    /// The failure to raise, or `None` when the run did not fail: only a
    /// [`RunStatus::Failed`] run is an error; a refused, aborted or partly applied run is a
    /// result the host reports.
    pub fn failure(&self) -> Option<RunFailure> {
        (self.status == RunStatus::Failed).then(|| self.to_failure())
    }

    /// Like [`RunEnd::failure`], for a run that was to plan: a run without a plan (aborted
    /// before planning) is one too.
    pub fn planning_failure(&self) -> Option<RunFailure> {
        self.failure()
            .or_else(|| (!self.has_plan).then(|| self.to_failure()))
    }

    fn to_failure(&self) -> RunFailure {
        let message = self.reason.clone().unwrap_or_else(|| {
            // The status's serialized name, as the report itself spells it.
            let status = serde_json::to_value(self.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("the run ended with status {status}")
        });
        RunFailure {
            status: self.status,
            message,
            error: self.error.clone(),
        }
    }
}

impl RunReport {
    /// What decides whether this run is an error.
    pub fn end(&self) -> RunEnd {
        RunEnd {
            status: self.status,
            reason: self.reason.clone(),
            error: self.error.clone().map(Box::new),
            has_plan: self.plan.is_some(),
        }
    }

    /// The failure to raise for this report ([`RunEnd::failure`]), or `None`.
    pub fn failure(&self) -> Option<RunFailure> {
        self.end().failure()
    }

    /// The plan of a run that was to plan, or why there is none
    /// ([`RunEnd::planning_failure`]).
    ///
    /// # Errors
    ///
    /// The [`RunFailure`] of a failed report, or of one without a plan.
    pub fn planned(&self) -> Result<&Plan, RunFailure> {
        match (&self.plan, self.end().planning_failure()) {
            (Some(plan), None) => Ok(plan),
            (_, failure) => Err(failure.unwrap_or_else(|| self.end().to_failure())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ListingSummary;

    fn report(status: RunStatus, reason: Option<&str>, error: Option<ServerError>) -> RunReport {
        let text = serde_json::json!({
            "status": status, "reason": reason, "error": error, "outcomes": [],
            "listing": ListingSummary::default(), "requestsSent": 0, "retries": 0, "waits": 0,
            "waitedMs": 0, "elapsedMs": 0, "warnings": []
        });
        serde_json::from_value(text).unwrap()
    }

    fn unauthorized() -> ServerError {
        serde_json::from_value(serde_json::json!({
            "httpStatus": 401, "status": 401, "scimType": null, "detail": "bad token",
            "retryAfterMs": null, "bodyExcerpt": null
        }))
        .unwrap()
    }

    #[test]
    fn only_a_failed_run_is_a_failure() {
        for status in [
            RunStatus::Planned,
            RunStatus::Applied,
            RunStatus::PartiallyApplied,
            RunStatus::Refused,
            RunStatus::Aborted,
            RunStatus::Declined,
        ] {
            assert_eq!(
                report(status, Some("why"), None).failure(),
                None,
                "{status:?}"
            );
        }
        let failed = report(
            RunStatus::Failed,
            Some("listing failed"),
            Some(unauthorized()),
        );
        let failure = failed.failure().unwrap();
        assert_eq!(failure.message, "listing failed");
        assert_eq!(failure.error, Some(Box::new(unauthorized())));
        assert_eq!(failure.status, RunStatus::Failed);
    }

    #[test]
    fn without_a_reason_the_status_is_the_message() {
        let failure = report(RunStatus::Failed, None, None).failure().unwrap();
        assert_eq!(failure.message, "the run ended with status failed");
        assert_eq!(failure.error, None);
    }

    #[test]
    fn a_planning_run_without_a_plan_is_a_failure() {
        let aborted = report(RunStatus::Aborted, None, None);
        let failure = aborted.planned().unwrap_err();
        assert_eq!(failure.message, "the run ended with status aborted");
        assert_eq!(failure.status, RunStatus::Aborted);
        let end: RunEnd = serde_json::from_value(serde_json::json!({
            "status": "aborted", "plan": null, "outcomes": [{"not": "read"}]
        }))
        .unwrap();
        assert!(!end.has_plan);
        assert_eq!(end.failure(), None);
        assert_eq!(end.planning_failure(), Some(failure));
        let failed = report(RunStatus::Failed, Some("no"), Some(unauthorized()));
        assert_eq!(
            failed.planned().unwrap_err().error,
            Some(Box::new(unauthorized()))
        );
    }
}
