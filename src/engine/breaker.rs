//! The circuit breaker: a run that keeps failing stops writing. Among the last `window`
//! write outcomes, `failures` failed ones trip it (default 20 of the last 40: half); the run
//! then ends `quarantined` with the cause, as Entra ID quarantines a provisioning job that
//! keeps failing, instead of pushing thousands of doomed writes at a server that refuses
//! them. Only writes that failed count (a server refusal, or no answer after every retry);
//! drift, adoption and skipped actions do not.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// When the breaker trips.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Breaker {
    /// Failed writes among the last `window` that trip it (0: never).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub failures: u32,
    /// How many of the latest write outcomes are looked at.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub window: u32,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            failures: 20,
            window: 40,
        }
    }
}

impl Breaker {
    /// Trips at `failures` failed writes among the last `window`.
    pub fn new(failures: u32, window: u32) -> Breaker {
        Breaker { failures, window }
    }

    /// A breaker that never trips.
    pub fn off() -> Breaker {
        Breaker::new(0, 0)
    }
}

/// The outcomes a breaker has seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    recent: VecDeque<bool>,
    failed: u32,
    tripped: bool,
}

impl Tally {
    /// Records a write's outcome; returns the cause the first time the breaker trips.
    pub(crate) fn record(&mut self, breaker: &Breaker, failed: bool) -> Option<String> {
        if breaker.failures == 0 || self.tripped {
            return None;
        }
        let window = breaker.window.max(breaker.failures) as usize;
        self.recent.push_back(failed);
        self.failed += u32::from(failed);
        if self.recent.len() > window {
            let dropped = self.recent.pop_front().unwrap_or(false);
            self.failed -= u32::from(dropped);
        }
        if self.failed < breaker.failures {
            return None;
        }
        self.tripped = true;
        Some(format!(
            "quarantined: {} of the last {} writes failed (the breaker trips at {} of {}), so no more writes were sent",
            self.failed,
            self.recent.len(),
            breaker.failures,
            window
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_at_the_threshold_within_the_window_and_only_once() {
        let b = Breaker::new(3, 5);
        let mut t = Tally::default();
        // Failures spread wider than the window never trip it.
        for failed in [
            true, false, false, false, false, true, false, false, false, false, true,
        ] {
            assert_eq!(t.record(&b, failed), None);
        }
        assert_eq!(t.record(&b, true), None, "2 of the last 5");
        let cause = t.record(&b, true).expect("3 of the last 5");
        assert!(
            cause.starts_with("quarantined: 3 of the last 5 writes failed"),
            "{cause}"
        );
        assert_eq!(t.record(&b, true), None, "it trips once");
    }

    #[test]
    fn the_default_is_half_of_the_last_forty_and_off_never_trips() {
        let b = Breaker::default();
        let mut t = Tally::default();
        let outcomes = (0..40).map(|i| i % 2 == 0);
        let tripped: Vec<usize> = outcomes
            .enumerate()
            .filter_map(|(i, failed)| t.record(&b, failed).map(|_| i))
            .collect();
        assert_eq!(tripped, [38], "the 20th failure in 40 writes");
        let mut t = Tally::default();
        assert!((0..1000).all(|_| t.record(&Breaker::off(), true).is_none()));
        // A window smaller than the threshold is widened to it.
        let mut t = Tally::default();
        let narrow = Breaker::new(3, 1);
        let trips: Vec<bool> = (0..3).map(|_| t.record(&narrow, true).is_some()).collect();
        assert_eq!(trips, [false, false, true]);
    }
}
