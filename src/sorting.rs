//! Sorting through one copy of the standard library's stable sort.
//!
//! Every `sort_by` with its own comparator makes the compiler emit a whole driftsort (some
//! 2 to 4 KB of WebAssembly each, several functions per call site), and the crate sorts in
//! some twenty places. Here each sort orders an array of indices with a comparator behind
//! `dyn`, so the sort itself exists once; the elements are then moved into that order. The
//! price is an indirect call per comparison, small beside comparing strings.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp`, like `slice::sort_by`.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = sorted_indices(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    apply_order(v, order);
}

/// Sorts `v` stably by a key computed once per element, like `slice::sort_by_cached_key`.
pub(crate) fn sort_by_cached_key<T, K: Ord>(v: &mut [T], key: impl FnMut(&T) -> K) {
    let keys: Vec<K> = v.iter().map(key).collect();
    let order = sorted_indices(keys.len(), &mut |a, b| keys[a].cmp(&keys[b]));
    apply_order(v, order);
}

/// Sorts indices by their rank (`rank[i]`, unique per index): the planner's hot path over
/// every group's members, so it sorts plain integers rather than calling through `dyn`.
pub(crate) fn sort_by_rank(v: &mut [usize], rank: &[u32]) {
    sort_packed(v, |i| rank.get(i).copied().unwrap_or(u32::MAX));
}

/// Sorts `v` by `(key(i), i)`, packed into one `u64` per index so that every integer sort in
/// the crate is one instantiation of the sort (indices and ranks fit in 32 bits: the inputs
/// are capped far below 4 billion entries). The packed values are distinct, so stable and
/// unstable sorting agree; the stable sort is used because the WebAssembly builds' standard
/// library, compiled for size, makes `sort_unstable` a heapsort, some 8% of planning time.
fn sort_packed(v: &mut [usize], key: impl Fn(usize) -> u32) {
    let mut packed: Vec<u64> = v
        .iter()
        .map(|&i| (u64::from(key(i)) << 32) | (i as u64 & 0xffff_ffff))
        .collect();
    packed.sort();
    for (slot, p) in v.iter_mut().zip(packed) {
        *slot = (p & 0xffff_ffff) as usize;
    }
}

/// The positions `0..n` in the order `cmp` gives them (stable).
fn sorted_indices(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Moves the elements so that position `k` holds the element that was at `order[k]`,
/// following each cycle of the permutation with swaps (no element is cloned).
fn apply_order<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != start {
            let next = order[k];
            v.swap(k, next);
            order[k] = k;
            k = next;
        }
        order[k] = k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            // Comparing by the first field only: equal keys show whether the sort is stable.
            let mut ours = v.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = v.clone();
            std.sort_by_key(|a| a.0);
            prop_assert_eq!(&ours, &std);

            let mut cached = v.clone();
            sort_by_cached_key(&mut cached, |x| x.0);
            prop_assert_eq!(cached, std);
        }
    }

    #[test]
    fn ranks_order_indices() {
        let mut v = vec![0, 1, 2, 3];
        sort_by_rank(&mut v, &[3, 1, 2, 0]);
        assert_eq!(v, [3, 1, 2, 0]);
    }

    #[test]
    fn moves_elements_without_cloning() {
        let mut v: Vec<String> = ["c", "a", "b"].map(String::from).to_vec();
        sort_by(&mut v, |a, b| a.cmp(b));
        assert_eq!(v, ["a", "b", "c"]);
    }
}
