//! Running a whole engine against the simulator: the host loop every engine test needs,
//! written once. Answers arrive when the simulator says (latency and jitter on the test's
//! clock); a lost answer becomes a transport failure after the host's timeout. A run in
//! `Mode::Review` is answered by the test's reviewer (`drive_reviewed`).

use std::collections::BTreeMap;

use scim_provision::engine::{Engine, Event, Input, Output, RequestId, RunReport};
use scim_provision::http::{HttpRequest, HttpResponse};
use scim_provision::plan::Plan;

use crate::{Reply, Simulator};

/// What a test's hook says after seeing a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Carry on.
    Continue,
    /// Stop the run (as a host's Ctrl-C would) once this request is handed to the server.
    Abort,
}

/// Drives `engine` against `sim` until it is done and returns its report. The clock moves to
/// each wake-up or answer; an answer the simulator drops is reported to the engine as
/// `timed out` `timeout_ms` after its request. `on_send` sees every request before the
/// simulator does, with the clock, and may change the server (a concurrent admin) or abort
/// the run. Panics (this is test tooling) if the engine never ends or misbehaves.
pub fn drive(
    sim: &mut Simulator,
    engine: &mut Engine,
    clock: &mut u64,
    timeout_ms: u64,
    on_send: impl FnMut(&mut Simulator, &HttpRequest, u64) -> Control,
) -> RunReport {
    let unexpected = |_: &mut Simulator, _: &Plan| -> Input {
        panic!("the run asks for a review: drive it with drive_reviewed")
    };
    drive_reviewed(sim, engine, clock, timeout_ms, on_send, unexpected)
}

/// [`drive`], with `on_review` answering each plan the engine shows for approval
/// (`Output::Review`) with `Input::Approve` or `Input::Decline` (or anything else, to see
/// it refused); it may change the server first, as another client would while a person
/// reads the plan.
pub fn drive_reviewed(
    sim: &mut Simulator,
    engine: &mut Engine,
    clock: &mut u64,
    timeout_ms: u64,
    on_send: impl FnMut(&mut Simulator, &HttpRequest, u64) -> Control,
    on_review: impl FnMut(&mut Simulator, &Plan) -> Input,
) -> RunReport {
    drive_logged(sim, engine, clock, timeout_ms, on_send, on_review).0
}

/// [`drive_reviewed`], returning the provisioning log's lines (the run's `Event::Log`s, in
/// order) beside the report.
pub fn drive_logged(
    sim: &mut Simulator,
    engine: &mut Engine,
    clock: &mut u64,
    timeout_ms: u64,
    mut on_send: impl FnMut(&mut Simulator, &HttpRequest, u64) -> Control,
    mut on_review: impl FnMut(&mut Simulator, &Plan) -> Input,
) -> (RunReport, Vec<String>) {
    let mut lines = Vec::new();
    let mut pending: BTreeMap<(u64, u64), (RequestId, Option<HttpResponse>)> = BTreeMap::new();
    for _ in 0..10_000_000 {
        match engine.poll_output(*clock) {
            Output::Send { id, request } => {
                let control = on_send(sim, &request, *clock);
                match sim.handle(&request, *clock) {
                    Reply::Respond { response, at_ms } => {
                        pending.insert((at_ms, id.0), (id, Some(response)))
                    }
                    Reply::Drop => pending.insert((*clock + timeout_ms, id.0), (id, None)),
                };
                if control == Control::Abort {
                    engine.abort();
                }
            }
            Output::Wait { until_ms } => {
                let next = pending.keys().next().map(|k| k.0);
                *clock = match (until_ms, next) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).expect("the engine waits for something"),
                }
                .max(*clock);
                let due: Vec<_> = pending.keys().filter(|k| k.0 <= *clock).cloned().collect();
                for k in due {
                    let (id, response) = pending.remove(&k).expect("a due answer is pending");
                    let input = match response {
                        Some(response) => Input::Response { id, response },
                        None => Input::Failed {
                            id,
                            reason: "timed out".into(),
                        },
                    };
                    engine
                        .handle_input(input, *clock)
                        .expect("the engine accepts the answer to its own request");
                }
            }
            Output::Review { plan } => {
                let answer = on_review(sim, &plan);
                engine
                    .handle_input(answer, *clock)
                    .expect("the engine takes an answer to its review");
            }
            Output::Done { report } => return (*report, lines),
            Output::Event {
                event: Event::Log { line },
            } => lines.push(line),
            _ => {}
        }
    }
    panic!("the run did not end");
}
