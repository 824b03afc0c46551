//! Pacing and backoff: a token bucket on injected time, exponential backoff with seeded
//! jitter. No clock and no ambient randomness: the same seed and the same times give the
//! same delays.

/// A token bucket: `burst` requests at once, then `rate` per second.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    /// Requests per millisecond; `None` means unlimited.
    per_ms: Option<f64>,
    burst: f64,
    tokens: f64,
    updated_ms: u64,
}

impl TokenBucket {
    pub(crate) fn new(requests_per_second: Option<f64>, burst: u32, now_ms: u64) -> TokenBucket {
        let per_ms = requests_per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| r / 1000.0);
        let burst = f64::from(burst.max(1));
        TokenBucket {
            per_ms,
            burst,
            tokens: burst,
            updated_ms: now_ms,
        }
    }

    fn refill(&mut self, now_ms: u64) {
        if let Some(per_ms) = self.per_ms {
            let elapsed = now_ms.saturating_sub(self.updated_ms) as f64;
            self.tokens = (self.tokens + elapsed * per_ms).min(self.burst);
        }
        self.updated_ms = self.updated_ms.max(now_ms);
    }

    /// Takes a token if one is available at `now_ms`; otherwise returns the time one will be.
    pub(crate) fn take(&mut self, now_ms: u64) -> Result<(), u64> {
        let Some(per_ms) = self.per_ms else {
            return Ok(());
        };
        self.refill(now_ms);
        // A hair of tolerance so float rounding never delays a token by a millisecond.
        const EPS: f64 = 1e-9;
        if self.tokens >= 1.0 - EPS {
            self.tokens = (self.tokens - 1.0).max(0.0);
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            Err(now_ms + (missing / per_ms - EPS).ceil().max(1.0) as u64)
        }
    }
}

/// A small deterministic generator (splitmix64) for backoff jitter.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Jitter {
        Jitter(seed)
    }

    /// A value in `0..bound` (0 when `bound` is 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        if bound == 0 {
            0
        } else {
            z % bound
        }
    }
}

/// Exponential backoff: half of `base * 2^(attempt-1)` fixed, the other half jittered,
/// capped at `max`.
pub(crate) fn backoff_ms(base: u64, max: u64, attempt: u32, jitter: &mut Jitter) -> u64 {
    let exp = base
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(30))
        .min(max);
    let half = exp / 2;
    half + jitter.below(exp - half + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_paces() {
        let mut b = TokenBucket::new(Some(5.0), 5, 0);
        for _ in 0..5 {
            assert_eq!(b.take(0), Ok(()));
        }
        assert_eq!(b.take(0), Err(200));
        assert_eq!(b.take(199), Err(200));
        assert_eq!(b.take(200), Ok(()));
        assert_eq!(b.take(200), Err(400));
        // A long pause refills only up to the burst.
        for _ in 0..5 {
            assert_eq!(b.take(100_000), Ok(()));
        }
        assert!(b.take(100_000).is_err());
    }

    #[test]
    fn unlimited_bucket_never_waits() {
        let mut b = TokenBucket::new(None, 1, 0);
        for _ in 0..1000 {
            assert_eq!(b.take(0), Ok(()));
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_is_deterministic() {
        let (mut a, mut b) = (Jitter::new(7), Jitter::new(7));
        let xs: Vec<u64> = (1..=8)
            .map(|n| backoff_ms(500, 10_000, n, &mut a))
            .collect();
        let ys: Vec<u64> = (1..=8)
            .map(|n| backoff_ms(500, 10_000, n, &mut b))
            .collect();
        assert_eq!(xs, ys);
        assert!((250..=500).contains(&xs[0]));
        assert!((1000..=2000).contains(&xs[2]));
        assert!(xs.iter().all(|&x| x <= 10_000));
        assert!(xs[7] >= 5_000);
    }
}
