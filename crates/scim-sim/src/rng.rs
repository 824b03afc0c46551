//! Deterministic pseudo-randomness: SplitMix64, as a stream and as a stateless hash.
//!
//! Every random decision the simulator makes is a pure function of the seed, a [`Stream`]
//! tag and a counter (the request ordinal, or the number of ids drawn so far). Decisions of
//! one kind therefore never shift when another kind is switched on: turning on jitter does
//! not change which request a per-mille drop hits, and seeding one more user does not change
//! any fault. No clock, no OS entropy.

/// The independent random streams, one per kind of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Resource ids.
    Ids = 1,
    /// Latency jitter.
    Jitter,
    /// 429 bursts given per mille.
    Throttle,
    /// 5xx given per mille.
    ServerError,
    /// Which 5xx status to answer with.
    ServerErrorStatus,
    /// Dropped responses given per mille.
    Drop,
    /// Truncated bodies given per mille.
    Truncate,
    /// Invalid JSON bodies given per mille.
    InvalidJson,
    /// Listing order shuffles (`unstable_order`).
    Shuffle,
    /// Answers lost after commit given per mille (`lose_after_commit`).
    AfterCommit,
}

/// The SplitMix64 finalizer: a bijective mix of 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `n`th draw of `stream` under `seed`, without any state.
pub(crate) fn draw(seed: u64, stream: Stream, n: u64) -> u64 {
    mix(mix(seed ^ mix(stream as u64)) ^ n)
}

/// A number below `bound` (0 when `bound` is 0), by multiply-shift: no modulo bias worth
/// mentioning at the bounds used here.
pub(crate) fn below(x: u64, bound: u64) -> u64 {
    ((u128::from(x) * u128::from(bound)) >> 64) as u64
}

/// Whether a draw hits a rate given in per mille (1000 or more always hits).
pub(crate) fn hits_per_mille(x: u64, per_mille: u32) -> bool {
    per_mille > 0 && below(x, 1000) < u64::from(per_mille)
}

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix {
    state: u64,
}

impl SplitMix {
    /// A stream for `stream` under `seed`.
    pub(crate) fn new(seed: u64, stream: Stream) -> SplitMix {
        SplitMix {
            state: draw(seed, stream, 0),
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A number below `bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        below(self.next_u64(), bound)
    }

    /// Fisher-Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

/// An Airtable-style id: the prefix (`usr`, `ugp`) and 14 alphanumeric characters.
pub(crate) fn airtable_id(rng: &mut SplitMix, prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 14);
    id.push_str(prefix);
    for _ in 0..14 {
        id.push(char::from(ALPHANUMERIC[rng.below(62) as usize]));
    }
    id
}

/// A version 4 UUID, lower case, as most RFC servers assign.
pub(crate) fn uuid_v4(rng: &mut SplitMix) -> String {
    let mut id = String::with_capacity(36);
    for i in 0..32 {
        let nibble = match i {
            12 => 4,                         // version
            16 => 8 + rng.below(4) as usize, // variant 10xx
            _ => rng.below(16) as usize,
        };
        if matches!(i, 8 | 12 | 16 | 20) {
            id.push('-');
        }
        id.push(char::from(HEX[nibble]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4).map(|n| draw(7, Stream::Drop, n)).collect();
        let b: Vec<u64> = (0..4).map(|n| draw(7, Stream::Drop, n)).collect();
        let c: Vec<u64> = (0..4).map(|n| draw(7, Stream::Jitter, n)).collect();
        let d: Vec<u64> = (0..4).map(|n| draw(8, Stream::Drop, n)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn per_mille_is_roughly_right_and_bounded() {
        let hits = (0..100_000)
            .filter(|&n| hits_per_mille(draw(1, Stream::ServerError, n), 50))
            .count();
        assert!((4_000..6_000).contains(&hits), "{hits}");
        assert!((0..1000).all(|n| !hits_per_mille(draw(1, Stream::Drop, n), 0)));
        assert!((0..1000).all(|n| hits_per_mille(draw(1, Stream::Drop, n), 1000)));
    }

    #[test]
    fn ids_have_the_expected_shape() {
        let mut rng = SplitMix::new(3, Stream::Ids);
        let id = airtable_id(&mut rng, "usr");
        assert_eq!(id.len(), 17);
        assert!(id.starts_with("usr"));
        assert!(id[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
        let uuid = uuid_v4(&mut rng);
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn shuffle_permutes() {
        let mut rng = SplitMix::new(9, Stream::Shuffle);
        let mut v: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
