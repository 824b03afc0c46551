//! What a host raises for a run that did not give what it was run for: the one reading of a
//! [`RunReport`] as an error, so every host (the npm facade, the CLI, the component's
//! embedders) says the same thing for the same report.

use serde::Serialize;

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
    /// The server error that ended the run (a 401, say), when one did.
    pub error: Option<ServerError>,
}

impl RunFailure {
    fn of(report: &RunReport) -> RunFailure {
        let message = report.reason.clone().unwrap_or_else(|| {
            // The status's serialized name, as the report itself spells it.
            let status = serde_json::to_value(report.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("the run ended with status {status}")
        });
        RunFailure {
            status: report.status,
            message,
            error: report.error.clone(),
        }
    }
}

impl RunReport {
    /// The failure to raise for this report, or `None` when the run did not fail: only a
    /// [`RunStatus::Failed`] run is an error; a refused, aborted or partly applied run is a
    /// result the host reports.
    pub fn failure(&self) -> Option<RunFailure> {
        (self.status == RunStatus::Failed).then(|| RunFailure::of(self))
    }

    /// The plan of a run that was to plan, or why there is none: the run failed
    /// ([`RunReport::failure`]) or ended before planning (aborted).
    ///
    /// # Errors
    ///
    /// The [`RunFailure`] of a report without a plan.
    pub fn planned(&self) -> Result<&Plan, RunFailure> {
        match (&self.plan, self.failure()) {
            (_, Some(failure)) => Err(failure),
            (Some(plan), None) => Ok(plan),
            (None, None) => Err(RunFailure::of(self)),
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
        assert_eq!(failure.error, Some(unauthorized()));
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
        let failed = report(RunStatus::Failed, Some("no"), Some(unauthorized()));
        assert_eq!(failed.planned().unwrap_err().error, Some(unauthorized()));
    }
}
