//! Matching directory subjects to listed resources, and the ambiguous matches it refuses to
//! guess: a subject whose matching key names more than one server resource (two groups of
//! one `displayName`, two users whose normalized `userName`s or `externalId`s collide).
//!
//! RFC 7643 makes neither `displayName` nor `externalId` unique, so a listing can hold
//! duplicates; picking one of them would leave the other unmanaged forever, or offboard the
//! wrong one. Instead the subject's changes are withheld, every candidate is *held* (never
//! matched, offboarded, deleted or removed from a group by this plan), and an
//! `ambiguousMatch` guard names the subject and every candidate id. A unique `externalId`
//! still decides: it is matched before any `userName` / `displayName` is looked at.

use foldhash::{HashMap, HashMapExt};

use super::str_index::StrIndex;
use super::{Blocked, Guard};
use crate::quoted::q;

/// A key index that remembers every resource carrying a key, not only the first.
pub(super) struct KeyIndex {
    first: StrIndex,
    /// Keys carried more than once, with every index carrying them in insertion order.
    /// Duplicates are rare, so this stays small.
    dups: HashMap<String, Vec<usize>>,
}

/// What a key names.
pub(super) enum Found<'a> {
    /// Nothing.
    None,
    /// One resource.
    One(usize),
    /// Several resources, in insertion order.
    Many(&'a [usize]),
}

impl KeyIndex {
    /// Room for `entries` keys.
    pub(super) fn with_capacity(entries: usize) -> Self {
        KeyIndex {
            first: StrIndex::with_capacity(entries),
            dups: HashMap::new(),
        }
    }

    /// Records that resource `index` carries `key`.
    pub(super) fn insert(&mut self, key: &str, index: usize) {
        if let Some(first) = self.first.insert(key, index) {
            self.dups
                .entry(key.to_owned())
                .or_insert_with(|| vec![first])
                .push(index);
        }
    }

    /// The resources carrying `key`.
    pub(super) fn find(&self, key: &str) -> Found<'_> {
        match self.first.get(key) {
            None => Found::None,
            Some(one) => match self.dups.get(key) {
                Some(many) => Found::Many(many),
                None => Found::One(one),
            },
        }
    }
}

/// Where the server resources carrying a subject's keys are found.
pub(super) trait Candidates {
    /// The resources carrying subject `i`'s `externalId`, `ext` (never empty).
    fn by_ext(&self, i: usize, ext: &str) -> Found<'_>;
    /// The resources carrying subject `i`'s name key, `key`.
    fn by_key(&self, i: usize, key: &str) -> Found<'_>;
}

/// The server's resources indexed by `externalId` and by name key (the groups').
pub(super) struct Indexed<'a> {
    pub(super) ext: &'a KeyIndex,
    pub(super) key: &'a KeyIndex,
}

impl Candidates for Indexed<'_> {
    fn by_ext(&self, _: usize, ext: &str) -> Found<'_> {
        self.ext.find(ext)
    }

    fn by_key(&self, _: usize, key: &str) -> Found<'_> {
        self.key.find(key)
    }
}

/// For each subject, the server resources carrying its keys, found from the server's side:
/// each resource's `externalId` and name key looked up among the subjects' (which are
/// distinct, so each resource claims at most one subject per key). The users' matching
/// reads this, so the listed users need no index by `externalId` or key of their own: a
/// lookup in the directory's indexes costs less than an insert into a new one.
pub(super) struct Claims {
    ext: ClaimList,
    key: ClaimList,
}

impl Claims {
    /// Room for `subjects` subjects.
    pub(super) fn new(subjects: usize) -> Self {
        Claims {
            ext: ClaimList::new(subjects),
            key: ClaimList::new(subjects),
        }
    }

    /// Resource `s` carries subject `i`'s `externalId`.
    pub(super) fn ext(&mut self, i: usize, s: usize) {
        self.ext.add(i, s);
    }

    /// Resource `s` carries subject `i`'s name key.
    pub(super) fn key(&mut self, i: usize, s: usize) {
        self.key.add(i, s);
    }
}

impl Candidates for Claims {
    fn by_ext(&self, i: usize, _: &str) -> Found<'_> {
        self.ext.found(i)
    }

    fn by_key(&self, i: usize, _: &str) -> Found<'_> {
        self.key.found(i)
    }
}

/// Per subject, the resources claiming it, in the order they were added: the first in
/// place, all of them (rare) when there are several.
struct ClaimList {
    first: Vec<u32>,
    many: HashMap<usize, Vec<usize>>,
}

impl ClaimList {
    const NONE: u32 = u32::MAX;

    fn new(subjects: usize) -> Self {
        ClaimList {
            first: vec![Self::NONE; subjects],
            many: HashMap::new(),
        }
    }

    fn add(&mut self, i: usize, s: usize) {
        match self.first[i] {
            Self::NONE => self.first[i] = s as u32,
            first => self
                .many
                .entry(i)
                .or_insert_with(|| vec![first as usize])
                .push(s),
        }
    }

    fn found(&self, i: usize) -> Found<'_> {
        match self.first[i] {
            Self::NONE => Found::None,
            first => match self.many.get(&i) {
                Some(many) => Found::Many(many),
                None => Found::One(first as usize),
            },
        }
    }
}

/// How one directory subject matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Match {
    /// Exactly one server resource.
    One(usize),
    /// No server resource carries its keys.
    None,
    /// The one server resource its name key names is matched by another subject's
    /// `externalId`.
    Contested,
    /// The one server resource its name key names is a candidate of another subject's
    /// ambiguous match.
    Held,
    /// Several server resources, in index order: nothing may be done to it or them.
    Ambiguous(Vec<usize>),
}

/// The outcome of matching every subject.
pub(super) struct Matching {
    /// Per subject, in directory order.
    pub(super) matches: Vec<Match>,
    /// Per server resource: matched to exactly one subject.
    pub(super) claimed: Vec<bool>,
    /// Per server resource: a candidate of an ambiguous match, so left alone.
    pub(super) held: Vec<bool>,
}

/// Matches subjects, given as `(externalId, name key)`, to the `len` server resources
/// whose keys (raw `externalId`s, name keys) `found` says where to find: every `externalId`
/// first, so a name match can never take a resource another subject names by `externalId`.
pub(super) fn match_subjects<'k>(
    subjects: &[(Option<&'k str>, &'k str)],
    len: usize,
    found: &impl Candidates,
) -> Matching {
    let mut m = Matching {
        matches: vec![Match::None; subjects.len()],
        claimed: vec![false; len],
        held: vec![false; len],
    };
    for (i, (ext, _)) in subjects.iter().enumerate() {
        let Some(ext) = ext.filter(|e| !e.is_empty()) else {
            continue;
        };
        match found.by_ext(i, ext) {
            Found::None => {}
            Found::One(s) if !m.claimed[s] => {
                m.claimed[s] = true;
                m.matches[i] = Match::One(s);
            }
            Found::One(_) => {}
            Found::Many(candidates) => {
                for &s in candidates {
                    m.held[s] = true;
                }
                m.matches[i] = Match::Ambiguous(candidates.to_vec());
            }
        }
    }
    for (i, (_, key)) in subjects.iter().enumerate() {
        if m.matches[i] != Match::None {
            continue;
        }
        let single = match found.by_key(i, key) {
            Found::None => continue,
            Found::One(s) => s,
            Found::Many(candidates) => {
                let free: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&s| !m.claimed[s])
                    .collect();
                match free.as_slice() {
                    [] => {
                        m.matches[i] = Match::Contested;
                        continue;
                    }
                    [s] => *s,
                    _ => {
                        for &s in &free {
                            m.held[s] = true;
                        }
                        m.matches[i] = Match::Ambiguous(free);
                        continue;
                    }
                }
            }
        };
        m.matches[i] = if m.claimed[single] {
            Match::Contested
        } else if m.held[single] {
            Match::Held
        } else {
            m.claimed[single] = true;
            Match::One(single)
        };
    }
    m
}

/// The guard for a subject (`user` or `group`, named `name`) that matched every resource
/// whose id `ids` lists.
pub(super) fn guard<'a>(kind: &str, name: &str, ids: impl Iterator<Item = &'a str>) -> Blocked {
    let ids: Vec<&str> = ids.collect();
    Blocked {
        guard: Guard::AmbiguousMatch,
        reason: format!(
            "{kind} {name} matches {} server {kind}s (ids {}); changes to it are blocked",
            ids.len(),
            ids.join(", "),
            name = q(name)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(keys: &[&str]) -> KeyIndex {
        let mut ix = KeyIndex::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            if !k.is_empty() {
                ix.insert(k, i);
            }
        }
        ix
    }

    #[test]
    fn a_unique_external_id_decides_over_colliding_names() {
        let by_ext = index(&["E1", ""]);
        let by_key = index(&["ana", "ana"]);
        let m = match_subjects(
            &[(Some("E1"), "ana")],
            2,
            &Indexed {
                ext: &by_ext,
                key: &by_key,
            },
        );
        assert_eq!(m.matches, vec![Match::One(0)]);
        assert_eq!(m.held, vec![false, false]);
    }

    #[test]
    fn colliding_names_are_ambiguous_and_hold_every_candidate() {
        let by_ext = index(&["", "", ""]);
        let by_key = index(&["ana", "bob", "ana"]);
        let m = match_subjects(
            &[(None, "ana"), (None, "bob")],
            3,
            &Indexed {
                ext: &by_ext,
                key: &by_key,
            },
        );
        assert_eq!(m.matches, vec![Match::Ambiguous(vec![0, 2]), Match::One(1)]);
        assert_eq!(m.held, vec![true, false, true]);
        assert_eq!(m.claimed, vec![false, true, false]);
    }

    #[test]
    fn colliding_external_ids_are_ambiguous_and_their_candidates_cannot_be_matched_by_name() {
        let by_ext = index(&["E1", "E1"]);
        let by_key = index(&["ana", "bob"]);
        let m = match_subjects(
            &[(Some("E1"), "carl"), (None, "bob")],
            2,
            &Indexed {
                ext: &by_ext,
                key: &by_key,
            },
        );
        assert_eq!(m.matches, vec![Match::Ambiguous(vec![0, 1]), Match::Held]);
    }

    #[test]
    fn a_name_collision_with_one_candidate_taken_by_external_id_is_not_ambiguous() {
        let by_ext = index(&["E1", ""]);
        let by_key = index(&["ana", "ana"]);
        let m = match_subjects(
            &[(Some("E1"), "x"), (None, "ana")],
            2,
            &Indexed {
                ext: &by_ext,
                key: &by_key,
            },
        );
        assert_eq!(m.matches, vec![Match::One(0), Match::One(1)]);
    }

    proptest::proptest! {
        /// Claims found from the server's side match as the server's own indexes do:
        /// subjects with distinct keys (some without an `externalId`), resources whose keys
        /// repeat or name no subject (some without an `externalId`).
        #[test]
        fn claims_match_as_the_indexes_do(
            subjects in proptest::collection::vec((proptest::option::of(0u8..6), 0u8..6), 0..6),
            resources in proptest::collection::vec((proptest::option::of(0u8..8), 0u8..8), 0..10),
        ) {
            let mut exts = std::collections::HashSet::new();
            let mut keys = std::collections::HashSet::new();
            let subjects: Vec<(Option<String>, String)> = subjects
                .into_iter()
                .filter(|(_, k)| keys.insert(*k))
                .map(|(e, k)| (e.filter(|e| exts.insert(*e)).map(|e| format!("E{e}")), format!("k{k}")))
                .collect();
            let resources: Vec<(Option<String>, String)> = resources
                .into_iter()
                .map(|(e, k)| (e.map(|e| if e == 7 { String::new() } else { format!("E{e}") }), format!("k{k}")))
                .collect();
            let as_subjects: Vec<(Option<&str>, &str)> =
                subjects.iter().map(|(e, k)| (e.as_deref(), k.as_str())).collect();

            let mut by_ext = KeyIndex::with_capacity(0);
            let mut by_key = KeyIndex::with_capacity(0);
            let mut claims = Claims::new(subjects.len());
            for (s, (ext, key)) in resources.iter().enumerate() {
                if let Some(ext) = ext.as_deref().filter(|e| !e.is_empty()) {
                    by_ext.insert(ext, s);
                    if let Some(i) = subjects.iter().position(|(e, _)| e.as_deref() == Some(ext)) {
                        claims.ext(i, s);
                    }
                }
                by_key.insert(key, s);
                if let Some(i) = subjects.iter().position(|(_, k)| k == key) {
                    claims.key(i, s);
                }
            }
            let indexed = match_subjects(&as_subjects, resources.len(), &Indexed { ext: &by_ext, key: &by_key });
            let claimed = match_subjects(&as_subjects, resources.len(), &claims);
            proptest::prop_assert_eq!(&claimed.matches, &indexed.matches);
            proptest::prop_assert_eq!(&claimed.claimed, &indexed.claimed);
            proptest::prop_assert_eq!(&claimed.held, &indexed.held);
        }
    }

    #[test]
    fn the_reason_names_the_subject_and_every_candidate() {
        let b = guard("group", "Engineering", ["grp1", "grp2"].into_iter());
        assert_eq!(
            b.reason,
            r#"group "Engineering" matches 2 server groups (ids grp1, grp2); changes to it are blocked"#
        );
    }
}
