//! Lower-casing, from the standard library's data (`char::to_lowercase`).
//!
//! The standard library keeps one table entry per cased character (some 12 KB in
//! WebAssembly). Most mappings come in runs that shift every character (or every second
//! one) by the same amount, such as `A`-`Z` or the alternating pairs of Latin Extended-A, so
//! `lowercase.bin` holds some 180 runs (under 1 KB) and the one mapping to two characters
//! (`İ`).
//!
//! [`to_lowercase`] lower-cases character by character, which is where it parts from
//! `str::to_lowercase`: that one also writes a word-final `Σ` as `ς`.

use std::sync::OnceLock;

use super::table::Reader;

/// The encoded tables (format: [`Tables::parse`]).
static DATA: &[u8] = include_bytes!("lowercase.bin");

/// `c` lower-cased, exactly as `char::to_lowercase` does: one character, or two for `İ`.
pub(crate) fn lowercase(c: char) -> impl Iterator<Item = char> {
    let (first, second) = if c.is_ascii() {
        (c.to_ascii_lowercase(), None)
    } else {
        tables().lowercase(c)
    };
    std::iter::once(first).chain(second)
}

/// `s` lower-cased character by character.
pub(crate) fn to_lowercase(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().flat_map(lowercase).collect()
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables::parse(DATA))
}

/// `first`, `first + stride`, ... up to `last` map to themselves plus `delta`.
#[derive(Debug, PartialEq)]
struct Run {
    first: u32,
    last: u32,
    stride: u32,
    delta: i32,
}

#[derive(Debug, PartialEq)]
struct Tables {
    /// Ordered by `first`, not overlapping.
    runs: Vec<Run>,
    /// Characters that lower-case to two.
    pairs: Vec<(char, [char; 2])>,
}

impl Tables {
    fn lowercase(&self, c: char) -> (char, Option<char>) {
        if let Some((_, [a, b])) = self.pairs.iter().find(|(k, _)| *k == c) {
            return (*a, Some(*b));
        }
        let code = u32::from(c);
        let after = self.runs.partition_point(|r| r.first <= code);
        let mapped = after
            .checked_sub(1)
            .and_then(|i| self.runs.get(i))
            .filter(|r| code <= r.last && (code - r.first) % r.stride.max(1) == 0)
            .and_then(|r| code.checked_add_signed(r.delta))
            .and_then(char::from_u32);
        (mapped.unwrap_or(c), None)
    }

    /// Reads the format `tests/unicode_tables.rs` writes, all numbers unsigned LEB128:
    ///
    /// - the runs: their count, then for each the gap from the previous run's last
    ///   character (plus one), `count * 2 + (stride - 1)` and `zigzag(delta)`;
    /// - the two-character mappings: their count, then for each the character and its two.
    ///
    /// The data is compiled in and checked by the tests; a malformed table still cannot
    /// panic here or run away with a forged count, it only loses its tail.
    fn parse(data: &[u8]) -> Tables {
        let mut r = Reader::new(data);
        let mut runs = Vec::new();
        let mut next = 0u32;
        r.each(|r| {
            let first = next.wrapping_add(r.uleb());
            let packed = r.uleb();
            let (count, stride) = (packed >> 1, (packed & 1) + 1);
            let zigzag = r.uleb();
            let delta = (zigzag >> 1) as i32 ^ -((zigzag & 1) as i32);
            let last = first.wrapping_add(count.saturating_sub(1).wrapping_mul(stride));
            runs.push(Run {
                first,
                last,
                stride,
                delta,
            });
            next = last.wrapping_add(1);
            Some(())
        });
        let mut pairs = Vec::new();
        r.each(|r| {
            let [k, a, b] = [r.uleb(), r.uleb(), r.uleb()].map(char::from_u32);
            pairs.push((k?, [a?, b?]));
            Some(())
        });
        Tables { runs, pairs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_point_matches_the_standard_library() {
        let parsed = Tables::parse(DATA);
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let want: Vec<char> = c.to_lowercase().collect();
            assert_eq!(
                lowercase(c).collect::<Vec<_>>(),
                want,
                "U+{:04X}",
                u32::from(c)
            );
            let (a, b) = parsed.lowercase(c);
            assert_eq!(std::iter::once(a).chain(b).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn strings_lower_case_per_character() {
        assert_eq!(to_lowercase("Ana@Example.COM"), "ana@example.com");
        assert_eq!(to_lowercase("İSTANBUL"), "i\u{307}stanbul");
        assert_eq!(to_lowercase("ÀÉÎÕÜ Ǆ"), "àéîõü ǆ");
        // No word-final rule: a final capital sigma becomes σ, not ς.
        assert_eq!(to_lowercase("ΟΔΟΣ"), "οδοσ");
    }

    #[test]
    fn malformed_tables_lose_their_tail_without_panicking() {
        for len in 0..DATA.len() {
            let t = Tables::parse(&DATA[..len]);
            assert!(t.runs.len() <= 400 && t.pairs.len() <= 4);
            t.lowercase('Ω');
            t.lowercase('İ');
        }
        let forged = Tables::parse(&[
            0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff,
        ]);
        forged.lowercase('\u{10FFFF}');
        assert!(Tables::parse(&[0xff; 64]).runs.len() <= 64);
    }
}
