//! The request log and the statistics derived from it.

use std::collections::BTreeMap;

use scim_provision::http::Method;

use crate::faults::FaultKind;
use crate::routes::Endpoint;

/// One request as the simulator received and answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// 1-based position among all requests received.
    pub ordinal: u64,
    /// When the request arrived (the `now_ms` passed to `handle`).
    pub at_ms: u64,
    /// The method.
    pub method: Method,
    /// The path and query, as sent.
    pub path: String,
    /// The endpoint it addressed.
    pub endpoint: Endpoint,
    /// The body, as sent.
    pub body: Option<String>,
    /// The status answered; `None` when the response was dropped.
    pub status: Option<u16>,
    /// When the response is delivered; `None` when dropped.
    pub delivered_at_ms: Option<u64>,
    /// Whether the request reached the resource logic (so a write may have taken effect even
    /// if the client saw a 5xx or nothing). False when a fault intercepted it first.
    pub processed: bool,
    /// The faults injected into this request, in the order applied.
    pub faults: Vec<FaultKind>,
}

/// Counts and peaks over the whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Requests per method.
    pub by_method: BTreeMap<Method, u64>,
    /// Requests per method and endpoint.
    pub by_endpoint: BTreeMap<(Method, Endpoint), u64>,
    /// Responses per status (dropped responses are not counted here).
    pub by_status: BTreeMap<u16, u64>,
    /// Responses with status 429, whatever caused them.
    pub throttled: u64,
    /// Responses with a 5xx status.
    pub server_errors: u64,
    /// Dropped responses.
    pub dropped: u64,
    /// Requests that reached the resource logic.
    pub processed: u64,
    /// The most requests that arrived within any window of 1000 ms (`[t, t + 1000)`).
    pub max_requests_per_second: u64,
    /// The most requests in flight at once, a request being in flight from its arrival until
    /// its response is delivered (arrival plus latency). Dropped requests are not counted:
    /// when the client gives up on them is the client's business.
    pub max_in_flight: u64,
}

pub(crate) fn stats(log: &[LoggedRequest]) -> Stats {
    let mut s = Stats {
        requests: log.len() as u64,
        ..Stats::default()
    };
    for r in log {
        *s.by_method.entry(r.method).or_default() += 1;
        *s.by_endpoint.entry((r.method, r.endpoint)).or_default() += 1;
        match r.status {
            Some(status) => {
                *s.by_status.entry(status).or_default() += 1;
                s.throttled += u64::from(status == 429);
                s.server_errors += u64::from((500..600).contains(&status));
            }
            None => s.dropped += 1,
        }
        s.processed += u64::from(r.processed);
    }
    s.max_requests_per_second = max_per_window(log.iter().map(|r| r.at_ms).collect(), 1000);
    s.max_in_flight = max_overlap(
        log.iter()
            .filter_map(|r| Some((r.at_ms, r.delivered_at_ms?)))
            .collect(),
    );
    s
}

/// The most times within any half-open window of `width`.
fn max_per_window(mut times: Vec<u64>, width: u64) -> u64 {
    times.sort_unstable();
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi].saturating_sub(times[lo]) >= width {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best as u64
}

/// The most half-open intervals `[start, end)` overlapping at one instant. An interval of
/// zero length (no latency) still counts at its instant.
fn max_overlap(intervals: Vec<(u64, u64)>) -> u64 {
    // Ends sort before starts at the same instant, except that zero-length intervals are
    // widened to one tick so they register.
    let mut events: Vec<(u64, i8)> = Vec::with_capacity(intervals.len() * 2);
    for (start, end) in intervals {
        let end = end.max(start.saturating_add(1));
        events.push((start, 1));
        events.push((end, -1));
    }
    events.sort_unstable_by_key(|&(t, delta)| (t, delta));
    let (mut now, mut best) = (0i64, 0i64);
    for (_, delta) in events {
        now += i64::from(delta);
        best = best.max(now);
    }
    best as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_overlap() {
        assert_eq!(max_per_window(vec![0, 999, 1000, 1500, 1999], 1000), 3);
        assert_eq!(max_per_window(vec![], 1000), 0);
        assert_eq!(max_overlap(vec![(0, 10), (5, 15), (10, 20)]), 2);
        assert_eq!(max_overlap(vec![(0, 0), (0, 0)]), 2);
        assert_eq!(max_overlap(vec![(0, 5), (5, 5)]), 1);
    }
}
