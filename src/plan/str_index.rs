//! A string-keyed index of positions, for the planner's large lookups (a million member
//! names and ids at the top of the benchmark).
//!
//! The keys' bytes live in one arena, and each slot of hashbrown's `HashTable` holds where
//! its key lies in the arena and the value. A lookup reads the control bytes, one slot and
//! the key's bytes: three places in memory, where a map of `String`s reads a string
//! scattered over the whole listing. In WebAssembly, where a cache miss is dearer than
//! natively, this lookup was the planner's largest cost.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Keys to positions; the first value given for a key wins, as the planner's "first in
/// order" rules want.
pub(super) struct StrIndex {
    state: foldhash::fast::RandomState,
    /// All keys' bytes, one after another.
    bytes: Vec<u8>,
    table: HashTable<Slot>,
}

/// A key's place in the arena, and its value.
#[derive(Clone, Copy)]
struct Slot {
    start: usize,
    len: usize,
    value: usize,
}

impl StrIndex {
    /// Room for `entries` keys of `bytes` bytes in all.
    pub(super) fn with_capacity(entries: usize, bytes: usize) -> Self {
        StrIndex {
            state: foldhash::fast::RandomState::default(),
            bytes: Vec::with_capacity(bytes),
            table: HashTable::with_capacity(entries),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<usize> {
        let key = key.as_bytes();
        let hash = self.state.hash_one(key);
        self.table
            .find(hash, |slot| is_key(&self.bytes, slot, key))
            .map(|slot| slot.value)
    }

    /// Adds `key -> value` unless `key` is present; returns the present value if it is.
    pub(super) fn insert(&mut self, key: &str, value: usize) -> Option<usize> {
        let key = key.as_bytes();
        let hash = self.state.hash_one(key);
        let StrIndex {
            state,
            bytes,
            table,
        } = self;
        if let Some(slot) = table.find(hash, |slot| is_key(bytes, slot, key)) {
            return Some(slot.value);
        }
        let slot = Slot {
            start: bytes.len(),
            len: key.len(),
            value,
        };
        bytes.extend_from_slice(key);
        table.insert_unique(hash, slot, |s| state.hash_one(arena_key(bytes, s)));
        None
    }
}

/// The slot's key, from the arena.
#[inline]
fn arena_key<'a>(bytes: &'a [u8], slot: &Slot) -> &'a [u8] {
    bytes
        .get(slot.start..slot.start + slot.len)
        .unwrap_or_default()
}

/// Whether the slot holds `key`: lengths first, from the slot itself, so a different key
/// rarely costs a read of the arena.
#[inline]
fn is_key(bytes: &[u8], slot: &Slot, key: &[u8]) -> bool {
    slot.len == key.len() && arena_key(bytes, slot) == key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_wins_and_keys_are_exact() {
        let mut index = StrIndex::with_capacity(2, 8);
        assert_eq!(index.insert("ana", 1), None);
        assert_eq!(index.insert("bob", 2), None);
        assert_eq!(index.insert("ana", 3), Some(1));
        assert_eq!(index.get("ana"), Some(1));
        assert_eq!(index.get("bob"), Some(2));
        assert_eq!(index.get("an"), None);
        assert_eq!(index.get("Ana"), None);
        assert_eq!(index.get(""), None);
        index.insert("", 9);
        assert_eq!(index.get(""), Some(9));
    }

    #[test]
    fn grows_past_its_capacity() {
        let mut index = StrIndex::with_capacity(1, 1);
        for i in 0..1000 {
            index.insert(&format!("k{i}"), i);
        }
        assert!((0..1000).all(|i| index.get(&format!("k{i}")) == Some(i)));
    }
}
