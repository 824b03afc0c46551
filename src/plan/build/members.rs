//! Reconciling one group's members: which desired members to add and which listed members
//! to remove. Flags per user, which each group sets and clears again, answer "is this user
//! a current member" and "is this user wanted" in one read, so a group of thousands of
//! unchanged members costs neither a sort nor a search per member; only the changes are
//! sorted.

use crate::sorting;

/// Per desired user: it will exist and may be touched.
const WANTABLE: u32 = 1 << 31;
/// Per desired user: already in the wanted list of the group at hand.
const TAKEN: u32 = 1 << 30;
/// Per desired user: the bits that hold the listed user it matched, or [`NONE`].
const SERVER: u32 = TAKEN - 1;
/// Per listed user: it may be removed from a group (touchable, and not held by an
/// ambiguous match).
const REMOVABLE: u8 = 1;
/// Per listed user: a current member of the group at hand.
const CURRENT: u8 = 2;
/// Per listed user: wanted in the group at hand.
const WANTED: u8 = 4;
/// A desired user that matched no listed user.
const NONE: u32 = SERVER;

/// The flags, for every group of one plan.
pub(super) struct Marks {
    /// Per desired user, one word: its flags and the listed user it matched ([`SERVER`]),
    /// so a wanted member's flags and match are one read (in two arrays they were two
    /// cache misses, the planner's groups at hand being past the nearest caches). Listed
    /// users number far below 2^30.
    desired: Vec<u32>,
    listed: Vec<u8>,
}

/// One group's changes.
pub(super) struct Reconciled {
    /// Desired users to add, in key order.
    pub(super) add: Vec<usize>,
    /// Listed users to remove, in key order.
    pub(super) remove: Vec<usize>,
    /// Whether any desired member will exist and may be touched.
    pub(super) wants_any: bool,
}

impl Marks {
    /// Per desired user: whether it will exist and may be touched (`wantable`), and the
    /// listed user it matched (`server_of`); per listed user, whether it may be removed from
    /// a group (`removable`).
    pub(super) fn new(
        wantable: impl Iterator<Item = bool>,
        server_of: &[Option<usize>],
        removable: impl Iterator<Item = bool>,
    ) -> Self {
        Marks {
            desired: wantable
                .zip(server_of)
                .map(|(w, s)| {
                    let s = s.map_or(NONE, |s| u32::try_from(s).unwrap_or(NONE).min(NONE));
                    if w {
                        WANTABLE | s
                    } else {
                        s
                    }
                })
                .collect(),
            listed: removable.map(|r| if r { REMOVABLE } else { 0 }).collect(),
        }
    }

    /// The listed user desired user `d` matched.
    pub(super) fn server_of(&self, d: usize) -> Option<usize> {
        let s = self.desired[d] & SERVER;
        (s != NONE).then_some(s as usize)
    }

    /// One group's changes, from its desired `members` (desired-user indices, repeats
    /// allowed) and its `current` members (listed-user indices, each once; `None` when the
    /// server did not list them): the wanted members not current, ordered by `desired_rank`,
    /// and, when `removals` are allowed, the removable current members not wanted, ordered
    /// by `listed_rank`.
    pub(super) fn reconcile(
        &mut self,
        members: &[u32],
        current: Option<&[u32]>,
        removals: bool,
        desired_rank: &[u32],
        listed_rank: &[u32],
    ) -> Reconciled {
        let current = current.unwrap_or_default();
        let mut wanted = Vec::new();
        for &d in members {
            let flags = &mut self.desired[d as usize];
            if *flags & (WANTABLE | TAKEN) == WANTABLE {
                *flags |= TAKEN;
                wanted.push(d);
            }
        }
        for &s in current {
            self.listed[s as usize] |= CURRENT;
        }
        let mut add = Vec::new();
        for &d in &wanted {
            let word = &mut self.desired[d as usize];
            *word &= !TAKEN;
            match *word & SERVER {
                NONE => add.push(d as usize),
                s => {
                    let flags = &mut self.listed[s as usize];
                    *flags |= WANTED;
                    if *flags & CURRENT == 0 {
                        add.push(d as usize);
                    }
                }
            }
        }
        let mut remove = Vec::new();
        for &s in current {
            let flags = &mut self.listed[s as usize];
            if removals && *flags & (REMOVABLE | WANTED) == REMOVABLE {
                remove.push(s as usize);
            }
            *flags &= !(CURRENT | WANTED);
        }
        // The wanted members still marked are those not current: the additions of listed
        // users (a few, where the loop over every wanted member read two arrays again).
        for &d in &add {
            if let Some(s) = self.server_of(d) {
                self.listed[s] &= !WANTED;
            }
        }
        sorting::sort_by_rank(&mut add, desired_rank);
        sorting::sort_by_rank(&mut remove, listed_rank);
        Reconciled {
            add,
            remove,
            wants_any: !wanted.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The reconciliation as first written: the wanted members sorted by rank and
    /// deduplicated, the current ones sorted, each looked up in the other by binary search.
    fn reference(
        members: &[u32],
        current: Option<&[u32]>,
        removals: bool,
        world: &World,
    ) -> (Vec<usize>, Vec<usize>, bool) {
        let mut wanted: Vec<usize> = members
            .iter()
            .map(|&d| d as usize)
            .filter(|&d| world.wantable[d])
            .collect();
        wanted.sort_by_key(|&d| world.desired_rank[d]);
        wanted.dedup();
        let mut wanted_on_server: Vec<usize> =
            wanted.iter().filter_map(|&d| world.server_of[d]).collect();
        wanted_on_server.sort_unstable();
        let current: Option<Vec<usize>> = current.map(|c| {
            let mut c: Vec<usize> = c.iter().map(|&s| s as usize).collect();
            c.sort_unstable();
            c
        });
        let is_current = |s: usize| {
            current
                .as_ref()
                .is_some_and(|c| c.binary_search(&s).is_ok())
        };
        let add = wanted
            .iter()
            .copied()
            .filter(|&d| !world.server_of[d].is_some_and(is_current))
            .collect();
        let mut remove: Vec<usize> = Vec::new();
        if removals {
            remove = current
                .iter()
                .flatten()
                .copied()
                .filter(|&s| world.removable[s] && wanted_on_server.binary_search(&s).is_err())
                .collect();
        }
        remove.sort_by_key(|&s| world.listed_rank[s]);
        (add, remove, !wanted.is_empty())
    }

    #[derive(Debug)]
    struct World {
        wantable: Vec<bool>,
        server_of: Vec<Option<usize>>,
        removable: Vec<bool>,
        desired_rank: Vec<u32>,
        listed_rank: Vec<u32>,
        /// Per group: desired members, current members (distinct), removals allowed.
        groups: Vec<(Vec<u32>, Option<Vec<u32>>, bool)>,
    }

    /// Up to 12 desired and 12 listed users, desired users matched to distinct listed
    /// ones or to none, ranks that are permutations, and a few groups over them.
    fn world() -> impl Strategy<Value = World> {
        (1usize..12, 1usize..12)
            .prop_flat_map(|(nd, ns)| {
                let ranks = |n: usize| Just((0..n as u32).collect::<Vec<u32>>()).prop_shuffle();
                let listed: Vec<Option<usize>> =
                    (0..ns).map(Some).chain((0..nd).map(|_| None)).collect();
                let group = (
                    proptest::collection::vec(0..nd as u32, 0..16),
                    proptest::option::of(
                        Just((0..ns as u32).collect::<Vec<u32>>())
                            .prop_shuffle()
                            .prop_flat_map(move |c| (0..=ns).prop_map(move |k| c[..k].to_vec())),
                    ),
                    any::<bool>(),
                );
                (
                    proptest::collection::vec(any::<bool>(), nd),
                    Just(listed).prop_shuffle(),
                    proptest::collection::vec(any::<bool>(), ns),
                    ranks(nd),
                    ranks(ns),
                    proptest::collection::vec(group, 0..5),
                )
            })
            .prop_map(
                |(wantable, listed, removable, desired_rank, listed_rank, groups)| {
                    let server_of = listed[..wantable.len()].to_vec();
                    World {
                        wantable,
                        server_of,
                        removable,
                        desired_rank,
                        listed_rank,
                        groups,
                    }
                },
            )
    }

    proptest! {
        /// Group after group with one set of flags: each group's changes are the
        /// reference's, so the flags a group sets are cleared for the next.
        #[test]
        fn agrees_with_the_sorting_reference(w in world()) {
            let mut marks = Marks::new(
                w.wantable.iter().copied(),
                &w.server_of,
                w.removable.iter().copied(),
            );
            for (members, current, removals) in &w.groups {
                let got = marks.reconcile(
                    members,
                    current.as_deref(),
                    *removals,
                    &w.desired_rank,
                    &w.listed_rank,
                );
                let want = reference(members, current.as_deref(), *removals, &w);
                prop_assert_eq!((got.add, got.remove, got.wants_any), want);
            }
        }
    }
}
