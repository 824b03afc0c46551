//! A string-keyed index of positions, for the planner's large lookups (a million member
//! names and ids at the top of the benchmark).
//!
//! An open-addressing table, probed linearly, whose slots hold their key and value. A key
//! of up to [`INLINE`] bytes (ids and userNames mostly are) is held as three zero-padded
//! words, compared and hashed a word at a time: a lookup that finds it at its home reads
//! one slot and calls nothing. A longer key lies in an arena, which its slot points into.
//!
//! The table is the crate's own, not hashbrown's, for [`StrIndex::find_each`]: the
//! planner's lookups wait on memory (a table of 100,000 keys is megabytes, past the caches
//! on a shared machine), and one lookup at a time lets only a few of those reads overlap.
//! `find_each` hashes sixteen keys, then loads their home slots in a loop that does nothing
//! else and never branches on what it loads, so the sixteen misses are in flight together,
//! then finishes each lookup from the cache. When other work on the machine crowds the
//! shared cache, that halved a million lookups (175 to 95 ms, and to about 50 once the loop
//! stopped comparing keys) and took `benches/plan.rs` from 0.67-0.83 to 0.51-0.64 of the
//! parse; on a quiet machine the tables stay cached and it gains less. That needs the home
//! slot of a key, which hashbrown does not expose, and no `unsafe` (no prefetch
//! instruction): the loads are the reads of whether each home slot is vacant.

use std::convert::Infallible;
use std::hash::{BuildHasher, Hasher};

/// Keys up to this long are held in their slot (a slot is then 32 bytes, two to a cache
/// line).
const INLINE: usize = 24;

/// How many keys [`StrIndex::find_each`] reads the homes of together: enough to keep the
/// memory system busy, few enough to stay in registers and the first cache.
const BATCH: usize = 16;

/// Keys to positions; the first value given for a key wins, as the planner's "first in
/// order" rules want.
pub(super) struct StrIndex {
    state: foldhash::fast::RandomState,
    /// The bytes of the keys longer than [`INLINE`], one after another.
    long: Vec<u8>,
    /// At least 8 slots, at most [`MAX_LOAD`] full, so every probe meets an empty slot.
    slots: Vec<Slot>,
    /// How many slots hold a key.
    len: usize,
}

/// The most a table is filled, as a fraction (numerator, denominator). Linear probing stays
/// short below it: a key present is 1.5 slots from its home on average at this load, an
/// absent one 2.5. A table of 100,000 keys is then 6.4 MiB; filled to three quarters it was
/// 4.3 MiB, and planning took 4% longer in `benches/plan.rs` (more slots read per lookup).
const MAX_LOAD: (usize, usize) = (1, 2);

/// A key and its value. A short key is its bytes as [`Key::words`]; a long key is its place
/// in the arena (start and length). Positions fit in 32 bits: the planner's inputs are far
/// below 4 billion entries; the largest value marks an empty slot.
///
/// Aligned to its size, so no slot straddles two cache lines: the allocator's 16-byte
/// alignment left every other slot across a line boundary, and a lookup there missed twice
/// (once for the vacancy check, once for the key): a million lookups took 50-60 ms, now
/// 44-50, and `benches/plan.rs` planned in 369 ms where it took 397 (medians of 4
/// alternating runs, busy hour).
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Slot {
    words: [u64; 3],
    /// The key's length (saturated; a long key's exact length is its second word).
    len: u32,
    value: u32,
}

/// The value of an empty slot.
const EMPTY: u32 = u32::MAX;

impl Slot {
    const EMPTY: Slot = Slot {
        words: [0; 3],
        len: 0,
        value: EMPTY,
    };
}

/// A key made ready for lookups: for a short one, its bytes as little-endian words, padded
/// with zeros (with its length, that is the key: padding is not content).
#[derive(Clone, Copy)]
pub(super) struct Key<'k> {
    bytes: &'k [u8],
    words: [u64; 3],
    len: u32,
}

impl<'k> Key<'k> {
    /// The empty key.
    const EMPTY: Key<'static> = Key {
        bytes: &[],
        words: [0; 3],
        len: 0,
    };

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
/// stand, a last partial one read as the key's last eight bytes shifted down. Each word is
/// one load: written as a loop over the words, the compiler made it a call to `memcpy`.
#[inline]
fn words(key: &[u8]) -> [u64; 3] {
    let n = key.len();
    let word = |at: usize| {
        key.get(at..at + 8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    // The key's bytes from `from` on, one to eight of them.
    let rest = |from: usize| word(n - 8) >> (8 * (8 - (n - from)));
    match n {
        0..=7 => {
            let mut w = 0;
            for (i, &b) in key.iter().enumerate() {
                w |= u64::from(b) << (8 * i);
            }
            [w, 0, 0]
        }
        8 => [word(0), 0, 0],
        9..=16 => [word(0), rest(8), 0],
        17..=INLINE => [word(0), word(8), rest(16)],
        _ => [0; 3],
    }
}

impl StrIndex {
    /// Room for `entries` keys.
    pub(super) fn with_capacity(entries: usize) -> Self {
        StrIndex {
            state: foldhash::fast::RandomState::default(),
            long: Vec::new(),
            slots: vec![Slot::EMPTY; slots_for(entries)],
            len: 0,
        }
    }

    #[inline]
    pub(super) fn get(&self, key: &str) -> Option<usize> {
        self.find(&Key::new(key))
    }

    /// The value of a key made ready ([`Key`]).
    #[inline]
    pub(super) fn find(&self, key: &Key) -> Option<usize> {
        self.probe(key, self.home(key))
    }

    /// Looks up the key of each of `items` in turn (`key` says what it is) and calls
    /// `each` with the item and the key's value, until `each` fails; the answers are
    /// [`find`](Self::find)'s, in `items`' order. Keys are taken [`BATCH`] at a time: their
    /// home slots are read and compared first, one after another, so the reads that miss
    /// the cache overlap (see the module doc).
    pub(super) fn find_each<'k, T: Copy, E>(
        &self,
        items: impl IntoIterator<Item = T>,
        key: impl Fn(T) -> &'k str,
        mut each: impl FnMut(T, Option<usize>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut items = items.into_iter();
        let mut batch = Batch::new();
        loop {
            batch.fill(self, &mut items, &key);
            let vacant = batch.load_homes(self);
            for ((item, key, home), vacant) in batch.entries().zip(vacant) {
                each(item, if vacant { None } else { self.probe(key, home) })?;
            }
            if batch.len < BATCH {
                return Ok(());
            }
        }
    }

    /// [`find_each`](Self::find_each) with a callback that cannot fail.
    pub(super) fn for_each<'k, T: Copy>(
        &self,
        items: impl IntoIterator<Item = T>,
        key: impl Fn(T) -> &'k str,
        mut each: impl FnMut(T, Option<usize>),
    ) {
        let _: Result<(), Infallible> = self.find_each(items, key, |item, found| {
            each(item, found);
            Ok(())
        });
    }

    /// Adds `key -> value` unless `key` is present; returns the present value if it is.
    pub(super) fn insert(&mut self, key: &str, value: usize) -> Option<usize> {
        let key = Key::new(key);
        let home = self.home(&key);
        let at = match self.place(&key, home) {
            Ok(present) => return Some(self.slots[present].value as usize),
            Err(vacant) => vacant,
        };
        let value = u32::try_from(value).unwrap_or(EMPTY - 1).min(EMPTY - 1);
        self.slots[at] = if key.is_short() {
            Slot {
                words: key.words,
                len: key.len,
                value,
            }
        } else {
            let slot = Slot {
                words: [self.long.len() as u64, key.bytes.len() as u64, 0],
                len: key.len,
                value,
            };
            self.long.extend_from_slice(key.bytes);
            slot
        };
        self.len += 1;
        if self.len > self.slots.len() / MAX_LOAD.1 * MAX_LOAD.0 {
            self.grow();
        }
        None
    }

    /// The slot a key's probe starts at.
    #[inline]
    fn home(&self, key: &Key) -> usize {
        let hash = if key.is_short() {
            short_hash(&self.state, &key.words, key.len)
        } else {
            self.state.hash_one(key.bytes)
        };
        home_of(hash, self.slots.len())
    }

    /// The value of `key`, probing from `home`.
    #[inline]
    fn probe(&self, key: &Key, home: usize) -> Option<usize> {
        self.place(key, home)
            .ok()
            .map(|at| self.slots[at].value as usize)
    }

    /// Where `key` is (`Ok`), or the empty slot where it would go (`Err`), probing from
    /// `home`. The load limit leaves empty slots, so the probe ends.
    #[inline]
    fn place(&self, key: &Key, home: usize) -> Result<usize, usize> {
        let mut at = home;
        loop {
            let slot = &self.slots[at];
            if slot.value == EMPTY {
                return Err(at);
            }
            let found = if key.is_short() {
                slot.holds(key)
            } else {
                slot.len == key.len && long_key(&self.long, slot) == key.bytes
            };
            if found {
                return Ok(at);
            }
            at = next(at, self.slots.len());
        }
    }

    /// Twice the slots, every key placed again.
    fn grow(&mut self) {
        let doubled = vec![Slot::EMPTY; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        for slot in old.into_iter().filter(|s| s.value != EMPTY) {
            let mut at = home_of(slot_hash(&self.state, &self.long, &slot), self.slots.len());
            while self.slots[at].value != EMPTY {
                at = next(at, self.slots.len());
            }
            self.slots[at] = slot;
        }
    }
}

/// Up to [`BATCH`] items, their keys made ready and their home slots: one batch of
/// [`StrIndex::find_each`].
struct Batch<'k, T> {
    items: [Option<T>; BATCH],
    keys: [Key<'k>; BATCH],
    homes: [usize; BATCH],
    /// How many of the arrays' first places are this batch's.
    len: usize,
}

impl<'k, T: Copy> Batch<'k, T> {
    fn new() -> Self {
        Batch {
            items: [None; BATCH],
            keys: [Key::EMPTY; BATCH],
            homes: [0; BATCH],
            len: 0,
        }
    }

    /// Takes the next items (fewer only at the end), with their keys and homes in `index`.
    fn fill(
        &mut self,
        index: &StrIndex,
        items: &mut impl Iterator<Item = T>,
        key: impl Fn(T) -> &'k str,
    ) {
        self.len = 0;
        while self.len < BATCH {
            let Some(item) = items.next() else { break };
            let k = Key::new(key(item));
            (
                self.items[self.len],
                self.keys[self.len],
                self.homes[self.len],
            ) = (Some(item), k, index.home(&k));
            self.len += 1;
        }
    }

    /// The batch's items, with their keys and homes.
    fn entries(&self) -> impl Iterator<Item = (T, &Key<'k>, usize)> {
        let items = self.items.iter().take(self.len).flatten();
        items
            .zip(&self.keys)
            .zip(self.homes)
            .map(|((&item, key), home)| (item, key, home))
    }

    /// Whether each item's home slot is vacant: the reads that miss, and nothing else, one
    /// load per key and no branch on what it reads. A branch on a load that missed, when
    /// mispredicted (a quarter of the keys lie past their home), throws away the loads
    /// issued after it, and they wait their turn again: checking the keys in this loop took
    /// a million lookups from 48 to 60 ms.
    fn load_homes(&self, index: &StrIndex) -> [bool; BATCH] {
        let mut vacant = [false; BATCH];
        for (vacant, &home) in vacant.iter_mut().zip(&self.homes).take(self.len) {
            *vacant = index.slots[home].value == EMPTY;
        }
        vacant
    }
}

impl Slot {
    /// Whether the slot holds the short key `key`.
    #[inline]
    fn holds(&self, key: &Key) -> bool {
        self.len == key.len && self.words == key.words
    }
}

/// The slots for `entries` keys: at least 8, within [`MAX_LOAD`]. Not rounded to a power
/// of two ([`home_of`] needs none), which would leave a table of 100,000 keys two thirds
/// empty and twice the memory to miss in.
fn slots_for(entries: usize) -> usize {
    (entries.saturating_mul(MAX_LOAD.1) / MAX_LOAD.0 + 1).max(8)
}

/// The home slot of a hash among `slots`: the hash scaled to the table (its high bits, so
/// any table size takes them evenly).
#[inline]
fn home_of(hash: u64, slots: usize) -> usize {
    ((u128::from(hash) * slots as u128) >> 64) as usize
}

/// The slot after `at`, round the end of the table.
#[inline]
fn next(at: usize, slots: usize) -> usize {
    if at + 1 == slots {
        0
    } else {
        at + 1
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

    #[test]
    fn find_each_stops_at_the_first_failure() {
        let mut index = StrIndex::with_capacity(40);
        let keys: Vec<String> = (0..40).map(|i| format!("id{i}")).collect();
        for (i, k) in keys.iter().enumerate() {
            index.insert(k, i);
        }
        // The 21st key is missing: the second batch's fifth.
        let mut probes: Vec<&str> = keys.iter().map(String::as_str).collect();
        probes[20] = "missing";
        let mut seen = Vec::new();
        let result = index.find_each(
            probes.iter().copied(),
            |k| k,
            |k, found| {
                seen.push(k);
                found.map(drop).ok_or(k)
            },
        );
        assert_eq!(result, Err("missing"));
        assert_eq!(seen.len(), 21);
        let mut calls = 0;
        let none: Result<(), ()> = index.find_each(
            [],
            |k: &str| k,
            |_, _| {
                calls += 1;
                Ok(())
            },
        );
        assert_eq!((none, calls), (Ok(()), 0));
    }

    proptest! {
        /// The index answers as its reference, a `HashMap` that keeps the first value of a
        /// key, for keys short and long (around the inline length and the word length),
        /// with NULs, prefixes of one another, and repeated.
        #[test]
        fn agrees_with_a_map(
            keys in proptest::collection::vec("[ab\0é]{0,3}(x{5,9}|x{20,30})?[ab]{0,2}", 0..100),
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
            // Looked up together, over batch boundaries, in order: the same answers.
            let mut answers = Vec::new();
            let all = || keys.iter().chain(&probes).map(String::as_str);
            let _: Result<(), ()> = index.find_each(all(), |k| k, |k, found| {
                answers.push((k, found));
                Ok(())
            });
            let expected: Vec<_> = all().map(|k| (k, map.get(k).copied())).collect();
            prop_assert_eq!(answers, expected);
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
