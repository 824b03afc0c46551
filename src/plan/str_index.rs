//! A string-keyed index of positions, for the planner's large lookups (a million member
//! names and ids at the top of the benchmark).
//!
//! Each slot of hashbrown's `HashTable` holds its key and value. A key of up to [`INLINE`]
//! bytes (ids and userNames mostly are) is held as three zero-padded words, compared and
//! hashed a word at a time: a lookup that finds it reads the control bytes and one slot,
//! and calls nothing. A longer key lies in an arena, which its slot points into. A map of
//! `String`s reads a string scattered over the whole listing for every lookup, and an arena
//! of every key a third place in memory: in WebAssembly, where a cache miss is dearer than
//! natively, this lookup was the planner's largest cost, and natively the arena's read and
//! the byte-wise hash and compare were half of it.

use std::hash::{BuildHasher, Hasher};

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;

/// Keys up to this long are held in their slot (a slot is then 32 bytes, two to a cache
/// line).
const INLINE: usize = 24;

/// Keys to positions; the first value given for a key wins, as the planner's "first in
/// order" rules want.
pub(super) struct StrIndex {
    state: foldhash::fast::RandomState,
    /// The bytes of the keys longer than [`INLINE`], one after another.
    long: Vec<u8>,
    table: HashTable<Slot>,
}

/// A key and its value. A short key is its bytes as [`Key::words`]; a long key is its place
/// in the arena (start and length). Positions fit in 32 bits: the planner's inputs are far
/// below 4 billion entries.
#[derive(Clone, Copy)]
struct Slot {
    words: [u64; 3],
    /// The key's length (saturated; a long key's exact length is its second word).
    len: u32,
    value: u32,
}

/// A key made ready for lookups: for a short one, its bytes as little-endian words, padded
/// with zeros (with its length, that is the key: padding is not content).
pub(super) struct Key<'k> {
    bytes: &'k [u8],
    words: [u64; 3],
    len: u32,
}

impl<'k> Key<'k> {
    #[inline]
    pub(super) fn new(key: &'k str) -> Self {
        let bytes = key.as_bytes();
        Key {
            bytes,
            words: if bytes.len() <= INLINE {
                words(bytes)
            } else {
                [0; 3]
            },
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        }
    }

    #[inline]
    fn is_short(&self) -> bool {
        self.bytes.len() <= INLINE
    }

    /// Whether the key is ASCII without capitals, so a matching key (`keys::key_of`) of
    /// itself: for a short key, eight bytes at a time.
    #[inline]
    pub(super) fn is_plain(&self) -> bool {
        const HIGH: u64 = 0x8080_8080_8080_8080;
        const ONES: u64 = 0x0101_0101_0101_0101;
        if !self.is_short() {
            return self
                .bytes
                .iter()
                .all(|b| b.is_ascii() && !b.is_ascii_uppercase());
        }
        self.words.iter().all(|&w| {
            // Below 0x80 every byte; then adding 0x80 - b'A' sets a byte's high bit where it
            // is at least `A`, adding 0x80 - b'Z' - 1 where it is past `Z` (no carry
            // crosses a byte: each sum stays below 0x100).
            let at_least_a = w.wrapping_add(ONES * u64::from(0x80 - b'A'));
            let past_z = w.wrapping_add(ONES * u64::from(0x80 - b'Z' - 1));
            w & HIGH == 0 && at_least_a & !past_z & HIGH == 0
        })
    }
}

/// A short key's bytes as three little-endian words, zero-padded: whole words as they
/// stand, a last partial one read as the key's last eight bytes shifted down (no byte-wise
/// copy, no call).
#[inline]
fn words(key: &[u8]) -> [u64; 3] {
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
    let mut w = [0u64; 3];
    let n = key.len();
    if n < 8 {
        for (i, &b) in key.iter().enumerate() {
            w[0] |= u64::from(b) << (8 * i);
        }
        return w;
    }
    for (slot, chunk) in w.iter_mut().zip(key.chunks_exact(8)) {
        *slot = word(chunk);
    }
    let rest = n % 8;
    if rest > 0 {
        if let Some(slot) = w.get_mut(n / 8) {
            *slot = word(&key[n - 8..]) >> (8 * (8 - rest));
        }
    }
    w
}

impl StrIndex {
    /// Room for `entries` keys.
    pub(super) fn with_capacity(entries: usize) -> Self {
        StrIndex {
            state: foldhash::fast::RandomState::default(),
            long: Vec::new(),
            table: HashTable::with_capacity(entries),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    #[inline]
    pub(super) fn get(&self, key: &str) -> Option<usize> {
        self.find(&Key::new(key))
    }

    /// The value of a key made ready ([`Key`]).
    #[inline]
    pub(super) fn find(&self, key: &Key) -> Option<usize> {
        let found = if key.is_short() {
            let hash = short_hash(&self.state, &key.words, key.len);
            self.table
                .find(hash, |s| s.len == key.len && s.words == key.words)
        } else {
            let hash = self.state.hash_one(key.bytes);
            self.table.find(hash, |s| {
                s.len == key.len && long_key(&self.long, s) == key.bytes
            })
        };
        found.map(|slot| slot.value as usize)
    }

    /// Adds `key -> value` unless `key` is present; returns the present value if it is.
    pub(super) fn insert(&mut self, key: &str, value: usize) -> Option<usize> {
        let key = Key::new(key);
        let value = u32::try_from(value).unwrap_or(u32::MAX);
        if key.is_short() {
            // One probe: where the key is, or where it goes.
            let StrIndex { state, long, table } = self;
            let hash = short_hash(state, &key.words, key.len);
            return match table.entry(
                hash,
                |s| s.len == key.len && s.words == key.words,
                |s| slot_hash(state, long, s),
            ) {
                Entry::Occupied(present) => Some(present.get().value as usize),
                Entry::Vacant(place) => {
                    place.insert(Slot {
                        words: key.words,
                        len: key.len,
                        value,
                    });
                    None
                }
            };
        }
        if let Some(present) = self.find(&key) {
            return Some(present);
        }
        let slot = Slot {
            words: [self.long.len() as u64, key.bytes.len() as u64, 0],
            len: key.len,
            value,
        };
        self.long.extend_from_slice(key.bytes);
        let StrIndex { state, long, table } = self;
        table.insert_unique(slot_hash(state, long, &slot), slot, |s| {
            slot_hash(state, long, s)
        });
        None
    }
}

/// A slot's hash: its key's, as a lookup of that key computes it.
fn slot_hash(state: &foldhash::fast::RandomState, long: &[u8], slot: &Slot) -> u64 {
    if (slot.len as usize) <= INLINE {
        short_hash(state, &slot.words, slot.len)
    } else {
        state.hash_one(long_key(long, slot))
    }
}

/// A short key's hash, a word at a time.
#[inline]
fn short_hash(state: &foldhash::fast::RandomState, words: &[u64; 3], len: u32) -> u64 {
    let mut h = state.build_hasher();
    for &w in words {
        h.write_u64(w);
    }
    h.write_u32(len);
    h.finish()
}

/// A long key's bytes, from the arena.
fn long_key<'a>(long: &'a [u8], slot: &Slot) -> &'a [u8] {
    let [start, len, _] = slot.words.map(|w| w as usize);
    long.get(start..start.saturating_add(len))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn first_value_wins_and_keys_are_exact() {
        let mut index = StrIndex::with_capacity(2);
        assert_eq!(index.insert("ana", 1), None);
        assert_eq!(index.insert("bob", 2), None);
        assert_eq!(index.insert("ana", 3), Some(1));
        assert_eq!(index.get("ana"), Some(1));
        assert_eq!(index.get("bob"), Some(2));
        assert_eq!(index.get("an"), None);
        assert_eq!(index.get("Ana"), None);
        assert_eq!(index.get(""), None);
        // A key and the same key with a NUL after it: padding is not content.
        assert_eq!(index.get("ana\0"), None);
        index.insert("", 9);
        assert_eq!(index.get(""), Some(9));
    }

    #[test]
    fn grows_past_its_capacity() {
        let mut index = StrIndex::with_capacity(1);
        let key = |i: usize| format!("k{i}").repeat(i % 7 + 1);
        for i in 0..1000 {
            assert_eq!(index.insert(&key(i), i), None);
        }
        assert!((0..1000).all(|i| index.get(&key(i)) == Some(i)));
    }

    proptest! {
        /// The index answers as its reference, a `HashMap` that keeps the first value of a
        /// key, for keys short and long (around the inline length and the word length),
        /// with NULs, prefixes of one another, and repeated.
        #[test]
        fn agrees_with_a_map(
            keys in proptest::collection::vec("[ab\0é]{0,3}(x{5,9}|x{20,30})?[ab]{0,2}", 0..60),
            probes in proptest::collection::vec("[ab\0é]{0,3}(x{5,9}|x{20,30})?[ab]{0,2}", 0..30),
        ) {
            let mut index = StrIndex::with_capacity(keys.len() / 2);
            let mut map: HashMap<&str, usize> = HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                let present = map.get(k.as_str()).copied();
                prop_assert_eq!(index.insert(k, i), present);
                map.entry(k).or_insert(i);
            }
            for k in keys.iter().chain(&probes) {
                prop_assert_eq!(index.get(k), map.get(k.as_str()).copied());
            }
        }

        /// Words are the bytes, little-endian, zero-padded; a key is plain exactly when it
        /// is ASCII without capitals, whatever its length (every byte around `A` and `Z`).
        #[test]
        fn words_and_plainness_agree_with_the_bytes(key in "[@-\\[`-{\u{7f}\u{80}-\u{ff}0-9]{0,30}") {
            let k = Key::new(&key);
            if key.len() <= INLINE {
                let mut padded = key.as_bytes().to_vec();
                padded.resize(INLINE, 0);
                let expected: Vec<u64> = padded
                    .chunks(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                prop_assert_eq!(k.words.to_vec(), expected);
            }
            let plain = key.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase());
            prop_assert_eq!(k.is_plain(), plain);
        }
    }
}
