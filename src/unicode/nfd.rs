//! Unicode Normalization Form D (UAX #15), from the `unicode-normalization` crate's data.
//!
//! That crate keeps every character's full decomposition and its combining class in
//! perfect-hash tables, some 20 KB of a gzipped WebAssembly module. `nfd.bin` holds the same
//! facts in 10 KB (6 KB gzipped): each decomposition one level deep (a character and at most
//! one mark, as in UnicodeData.txt), ordered by code point and delta-encoded, and the
//! combining classes as runs.

use std::sync::OnceLock;

use super::table::Reader;

/// The encoded tables (format: [`Tables::parse`]).
static DATA: &[u8] = include_bytes!("nfd.bin");

/// Hangul syllables decompose by arithmetic (Unicode §3.12), not by table.
const HANGUL_FIRST: u32 = 0xAC00;
const HANGUL_COUNT: u32 = 11_172;
const JAMO_L: u32 = 0x1100;
const JAMO_V: u32 = 0x1161;
const JAMO_T: u32 = 0x11A7;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = 21 * T_COUNT;

/// Below U+00C0 no character decomposes, and below U+0300 none is a non-starter.
const FIRST_DECOMPOSABLE: char = '\u{C0}';
const FIRST_NON_STARTER: char = '\u{300}';

/// The decomposition of `s`, canonically ordered.
pub(crate) fn nfd(s: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        decompose(c, &mut chars);
    }
    // Canonical ordering: each run of non-starters sorted (stably) by combining class.
    let mut i = 0;
    while i < chars.len() {
        if combining_class(chars[i]) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && combining_class(chars[i]) != 0 {
            i += 1;
        }
        crate::sorting::sort_by_cached_key(&mut chars[start..i], |&c| combining_class(c));
    }
    chars.into_iter().collect()
}

/// Appends the full canonical decomposition of `c` to `out`.
fn decompose(c: char, out: &mut Vec<char>) {
    if c < FIRST_DECOMPOSABLE {
        out.push(c);
        return;
    }
    let s = u32::from(c).wrapping_sub(HANGUL_FIRST);
    if s < HANGUL_COUNT {
        let jamo = [
            JAMO_L + s / N_COUNT,
            JAMO_V + (s % N_COUNT) / T_COUNT,
            JAMO_T + s % T_COUNT,
        ];
        let len = if s % T_COUNT == 0 { 2 } else { 3 };
        out.extend(jamo[..len].iter().filter_map(|&j| char::from_u32(j)));
        return;
    }
    tables().decompose(c, out, 0);
}

/// The canonical combining class of `c` (0 for starters).
fn combining_class(c: char) -> u8 {
    if c < FIRST_NON_STARTER {
        return 0;
    }
    tables().combining_class(c)
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables::parse(DATA))
}

/// One level of a canonical decomposition: `key` is `first` followed by `mark`, if any.
#[derive(Debug, PartialEq)]
struct Decomposition {
    key: u32,
    first: char,
    mark: Option<char>,
}

/// Code points `start..end` have combining class `class`.
#[derive(Debug, PartialEq)]
struct ClassRun {
    start: u32,
    end: u32,
    class: u8,
}

#[derive(Debug, PartialEq)]
struct Tables {
    /// Ordered by `key`.
    decompositions: Vec<Decomposition>,
    /// Ordered, not overlapping; code points outside every run have class 0.
    classes: Vec<ClassRun>,
}

/// Decompositions nest a few levels deep (U+1F82 is U+1F02 and a mark, U+1F02 is U+1F00
/// and a mark, U+1F00 is U+03B1 and a mark); the bound only guards against a malformed table.
const MAX_DEPTH: u8 = 8;

impl Tables {
    fn decompose(&self, c: char, out: &mut Vec<char>, depth: u8) {
        let key = u32::from(c);
        let found = self
            .decompositions
            .binary_search_by_key(&key, |d| d.key)
            .ok()
            .and_then(|i| self.decompositions.get(i));
        match found {
            Some(d) if depth < MAX_DEPTH => {
                self.decompose(d.first, out, depth + 1);
                out.extend(d.mark);
            }
            _ => out.push(c),
        }
    }

    fn combining_class(&self, c: char) -> u8 {
        let c = u32::from(c);
        // The last run starting at or before `c`.
        let after = self.classes.partition_point(|r| r.start <= c);
        match after.checked_sub(1).and_then(|i| self.classes.get(i)) {
            Some(run) if c < run.end => run.class,
            _ => 0,
        }
    }

    /// Reads the format `tests/unicode_tables.rs` writes, all numbers unsigned LEB128:
    ///
    /// - the marks: their count, then each as the difference from the previous one;
    /// - the decompositions: their count, then for each the difference of its code point
    ///   from the previous one, then `|first - code point| * 4 + negative * 2 + has_mark`,
    ///   then (if it has one) the mark's index among the marks, one byte;
    /// - the class runs: their count, then for each the gap from the previous run's end,
    ///   its length and its class (one byte).
    ///
    /// The data is compiled in and checked by the tests; a malformed table still cannot
    /// panic here or run away with a forged count, it only loses its tail.
    fn parse(data: &[u8]) -> Tables {
        let mut r = Reader::new(data);
        let mut marks = Vec::new();
        let mut mark = 0u32;
        r.each(|r| {
            mark = mark.wrapping_add(r.uleb());
            marks.push(char::from_u32(mark));
            Some(())
        });
        let mut decompositions = Vec::new();
        let mut key = 0u32;
        r.each(|r| {
            key = key.wrapping_add(r.uleb());
            let packed = r.uleb();
            let delta = (packed >> 2) as i64 * if packed & 2 == 0 { 1 } else { -1 };
            let mark = match packed & 1 {
                0 => None,
                _ => Some((*marks.get(usize::from(r.byte()))?)?),
            };
            let first = char::from_u32(u32::try_from(i64::from(key) + delta).ok()?)?;
            decompositions.push(Decomposition { key, first, mark });
            Some(())
        });
        let mut classes = Vec::new();
        let mut end = 0u32;
        r.each(|r| {
            let start = end.wrapping_add(r.uleb());
            end = start.wrapping_add(r.uleb());
            classes.push(ClassRun {
                start,
                end,
                class: r.byte(),
            });
            Some(())
        });
        Tables {
            decompositions,
            classes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

    #[test]
    fn every_code_point_matches_unicode_normalization() {
        let tables = Tables::parse(DATA);
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let mut want = Vec::new();
            decompose_canonical(c, |d| want.push(d));
            let mut got = Vec::new();
            decompose(c, &mut got);
            assert_eq!(got, want, "decomposition of U+{:04X}", u32::from(c));
            let mut from_parsed = Vec::new();
            if u32::from(c).wrapping_sub(HANGUL_FIRST) >= HANGUL_COUNT {
                tables.decompose(c, &mut from_parsed, 0);
                assert_eq!(
                    from_parsed,
                    want,
                    "U+{:04X} from a fresh table",
                    u32::from(c)
                );
            }
            let class = canonical_combining_class(c);
            assert_eq!(combining_class(c), class, "class of U+{:04X}", u32::from(c));
            assert_eq!(tables.combining_class(c), class);
        }
    }

    #[test]
    fn malformed_tables_lose_their_tail_without_panicking() {
        for len in 0..DATA.len() {
            let t = Tables::parse(&DATA[..len]);
            assert!(t.decompositions.len() <= 2100 && t.classes.len() <= 1000);
            let mut out = Vec::new();
            t.decompose('\u{1F82}', &mut out, 0);
            t.combining_class('\u{301}');
        }
        let cyclic = Tables {
            decompositions: vec![Decomposition {
                key: 0xE9,
                first: 'é',
                mark: None,
            }],
            classes: vec![],
        };
        let mut out = Vec::new();
        cyclic.decompose('é', &mut out, 0);
        assert_eq!(out, ['é']);
        assert_eq!(Tables::parse(&[0xff; 64]).decompositions.len(), 0);
    }

    #[test]
    fn canonical_ordering() {
        assert_eq!(nfd("a\u{323}\u{302}"), nfd("a\u{302}\u{323}"));
        assert_eq!(nfd("ậ"), "a\u{323}\u{302}");
        assert_eq!(nfd("\u{D55C}"), "\u{1112}\u{1161}\u{11AB}");
        assert_eq!(nfd("\u{AC00}"), "\u{1100}\u{1161}");
        assert_eq!(nfd("\u{212B}"), "A\u{30A}");
    }
}
