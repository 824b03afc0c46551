//! A string-keyed index of positions, for the planner's large lookups (a million member
//! names and ids at the top of the benchmark).
//!
//! Each slot of hashbrown's `HashTable` holds its key's bytes when they fit ([`INLINE`]
//! bytes: ids and userNames mostly do), else where the key lies in an arena of long keys,
//! and the value. A lookup that finds its key reads the control bytes and one slot: two
//! places in memory, where a map of `String`s reads a string scattered over the whole
//! listing, and an arena of every key a third place. In WebAssembly, where a cache miss is
//! dearer than natively, this lookup was the planner's largest cost; natively, reading the
//! arena was a third of it.

use std::hash::BuildHasher;

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

/// A key and its value. The key is its length and, when it fits, its bytes padded with
/// zeros; a longer key is its place in the arena (start and length, little-endian `u64`s).
/// Positions fit in 32 bits: the planner's inputs are far below 4 billion entries.
#[derive(Clone, Copy)]
struct Slot {
    head: [u8; INLINE],
    /// The key's length, saturated (a long key's exact length is in `head`).
    len: u32,
    value: u32,
}

/// A key as a slot holds it, made once per lookup.
struct Probe<'k> {
    key: &'k [u8],
    head: [u8; INLINE],
    len: u32,
}

impl<'k> Probe<'k> {
    fn new(key: &'k [u8]) -> Self {
        let mut head = [0; INLINE];
        if let Some(inline) = head.get_mut(..key.len()) {
            inline.copy_from_slice(key);
        }
        Probe {
            key,
            head,
            len: u32::try_from(key.len()).unwrap_or(u32::MAX),
        }
    }

    /// Whether `slot` holds this key: a short key compares its padded bytes (a few word
    /// compares, no call), a long one its bytes in the arena.
    #[inline]
    fn is(&self, long: &[u8], slot: &Slot) -> bool {
        slot.len == self.len
            && if self.key.len() <= INLINE {
                slot.head == self.head
            } else {
                slot_key(long, slot) == self.key
            }
    }
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

    pub(super) fn get(&self, key: &str) -> Option<usize> {
        let key = key.as_bytes();
        let probe = Probe::new(key);
        self.table
            .find(self.state.hash_one(key), |slot| probe.is(&self.long, slot))
            .map(|slot| slot.value as usize)
    }

    /// Adds `key -> value` unless `key` is present; returns the present value if it is.
    pub(super) fn insert(&mut self, key: &str, value: usize) -> Option<usize> {
        let key = key.as_bytes();
        let probe = Probe::new(key);
        let hash = self.state.hash_one(key);
        let StrIndex { state, long, table } = self;
        if let Some(slot) = table.find(hash, |slot| probe.is(long, slot)) {
            return Some(slot.value as usize);
        }
        let mut head = probe.head;
        if key.len() > INLINE {
            head[..8].copy_from_slice(&(long.len() as u64).to_le_bytes());
            head[8..16].copy_from_slice(&(key.len() as u64).to_le_bytes());
            long.extend_from_slice(key);
        }
        let slot = Slot {
            head,
            len: probe.len,
            value: u32::try_from(value).unwrap_or(u32::MAX),
        };
        table.insert_unique(hash, slot, |s| {
            if (s.len as usize) <= INLINE {
                state.hash_one(&s.head[..s.len as usize])
            } else {
                state.hash_one(slot_key(long, s))
            }
        });
        None
    }
}

/// A long key's bytes, from the arena.
fn slot_key<'a>(long: &'a [u8], slot: &Slot) -> &'a [u8] {
    let word = |at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&slot.head[at..at + 8]);
        u64::from_le_bytes(w) as usize
    };
    let start = word(0);
    long.get(start..start.saturating_add(word(8)))
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
        /// key, for keys short and long (around the inline length), with NULs, prefixes of
        /// one another, and repeated.
        #[test]
        fn agrees_with_a_map(
            keys in proptest::collection::vec("[ab\0é]{0,3}(x{20,30})?[ab]{0,2}", 0..60),
            probes in proptest::collection::vec("[ab\0é]{0,3}(x{20,30})?[ab]{0,2}", 0..30),
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
    }
}
