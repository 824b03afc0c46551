//! The pauses a run really made: time that passed, on the host's clock, while nothing was
//! in flight and the engine had told the host to wait (a rate limit, a 429's pause, a
//! backoff). A delay planned while other requests kept the host busy is not a pause, and a
//! pause is counted once however often the host polls during it.

/// The pauses so far (see the module docs).
#[derive(Debug, Default, Clone)]
pub(crate) struct Pauses {
    /// When the current pause was last measured from; `None`: not pausing.
    since: Option<u64>,
    /// Whether the current pause was counted already.
    counted: bool,
    waits: u64,
    waited_ms: u64,
}

impl Pauses {
    /// The host calls in at `now_ms`: time since the pause's last measure is waited time.
    pub(crate) fn observe(&mut self, now_ms: u64) {
        let Some(since) = self.since else { return };
        if now_ms > since {
            self.waited_ms = self.waited_ms.saturating_add(now_ms - since);
            if !self.counted {
                self.waits += 1;
                self.counted = true;
            }
            self.since = Some(now_ms);
        }
    }

    /// The engine tells the host to wait at `now_ms`: a pause when nothing is in flight and
    /// a time to wake is given (else the host waits for an answer, not for pacing).
    pub(crate) fn waiting(&mut self, now_ms: u64, in_flight: usize, until_ms: Option<u64>) {
        if in_flight == 0 && until_ms.is_some() {
            if self.since.is_none() {
                self.since = Some(now_ms);
                self.counted = false;
            }
        } else {
            self.since = None;
        }
    }

    /// The run moves on (a request goes, an answer arrives): any pause is over.
    pub(crate) fn over(&mut self) {
        self.since = None;
    }

    /// Pauses that lasted any time.
    pub(crate) fn waits(&self) -> u64 {
        self.waits
    }

    /// Milliseconds spent in them.
    pub(crate) fn waited_ms(&self) -> u64 {
        self.waited_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_is_counted_once_with_the_time_that_really_passed() {
        let mut p = Pauses::default();
        p.waiting(100, 0, Some(1_000));
        // The host polls early, then again at the time given, then later still.
        for now in [400, 1_000, 1_200] {
            p.observe(now);
            p.waiting(now, 0, Some(1_000));
        }
        p.over();
        assert_eq!((p.waits(), p.waited_ms()), (1, 1_100));
        // A wait that ends at once (the host polls again at the same time) is no pause.
        p.waiting(2_000, 0, Some(2_001));
        p.observe(2_000);
        p.over();
        assert_eq!((p.waits(), p.waited_ms()), (1, 1_100));
    }

    #[test]
    fn waiting_for_answers_is_no_pause() {
        let mut p = Pauses::default();
        p.waiting(0, 2, Some(500));
        p.observe(700);
        p.waiting(700, 0, None);
        p.observe(900);
        assert_eq!((p.waits(), p.waited_ms()), (0, 0));
        p.waiting(900, 0, Some(1_000));
        p.observe(950);
        p.over();
        p.waiting(960, 0, Some(1_000));
        p.observe(1_000);
        assert_eq!((p.waits(), p.waited_ms()), (2, 90));
    }
}
