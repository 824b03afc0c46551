//! The provisioning log and undo (issue 21): what a run did, as JSON Lines an auditor reads
//! and a later run can invert.
//!
//! A run told to log ([`Engine::log_to`](crate::engine::Engine::log_to), with a [`LogStart`]:
//! the run id, the start time and the server's URL, all given by the host, which has the
//! clock and the URL) emits one [`Event::Log`](crate::engine::Event) per log line. The lines are
//! written by the core (`log.rs`, through `recorder.rs`, which the engine feeds as requests
//! go out and answers come back), so every host (native, npm, component) writes the same
//! bytes. Every line passes through [`crate::redact`]; the request's headers (and with them
//! the token) are never logged. The schema is `docs/LOG.md`.
//!
//! [`plan_undo`] (`undo.rs`) reads such a log back ([`UndoLog::read`]) and plans its inverse
//! against the current listed state; [`Engine::undo`](crate::engine::Engine::undo) runs it
//! as an ordinary plan.

mod log;
mod recorder;
mod undo;

pub use log::{iso_time, SCHEMA_VERSION};
pub(crate) use recorder::{Answered, Recorder};
pub use undo::{plan_undo, LogError, UndoLog};

/// What the host tells the log about a run before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LogStart {
    /// The run's id (the host's choice: a UUID, a job number).
    pub run_id: String,
    /// When the run started, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// The server's base URL (credentials in it are removed from the log).
    pub server: String,
}

impl LogStart {
    /// A log of run `run_id`, started at `time_ms`, against `server`.
    pub fn new(run_id: impl Into<String>, time_ms: u64, server: impl Into<String>) -> LogStart {
        LogStart {
            run_id: run_id.into(),
            time_ms,
            server: server.into(),
        }
    }
}
