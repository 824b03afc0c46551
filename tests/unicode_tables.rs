//! Generates the compact Unicode tables of `src/unicode/` from their sources (the
//! `unicode-normalization` crate, the standard library's `char::to_lowercase`) and checks
//! that the checked-in files are what they give. An upgrade that changes the data fails
//! here until the files are regenerated: `UPDATE_UNICODE=1 cargo test --test unicode_tables`.
//! (The unit tests in `src/unicode/` check every code point of the tables the crate
//! compiles in against the same sources.)

use std::collections::HashMap;

use unicode_normalization::char::{canonical_combining_class, decompose_canonical};

/// Hangul syllables, which the crate decomposes by arithmetic rather than by table.
const HANGUL_FIRST: u32 = 0xAC00;
const HANGUL_COUNT: u32 = 11_172;

#[test]
fn nfd_bin_is_current() {
    check_current(
        "nfd.bin",
        include_bytes!("../src/unicode/nfd.bin"),
        &encode_nfd(),
    );
}

#[test]
fn lowercase_bin_is_current() {
    check_current(
        "lowercase.bin",
        include_bytes!("../src/unicode/lowercase.bin"),
        &encode_lowercase(),
    );
}

/// `nfd.bin` as generated from the `unicode-normalization` crate (the format is what
/// `src/unicode/nfd.rs`'s `Tables::parse` reads).
fn encode_nfd() -> Vec<u8> {
    let full = |c: char| {
        let mut d = Vec::new();
        decompose_canonical(c, |x| d.push(x));
        d
    };
    let all = || (0..=0x10FFFFu32).filter_map(char::from_u32);
    let is_hangul = |c: char| u32::from(c).wrapping_sub(HANGUL_FIRST) < HANGUL_COUNT;
    // Every full decomposition, and the character that has it: one level of a decomposition
    // is the character whose full decomposition is all but the last mark, then that mark.
    let mut by_full: HashMap<Vec<char>, char> = HashMap::new();
    for c in all() {
        by_full.entry(full(c)).or_insert(c);
    }
    let mut entries = Vec::new();
    for c in all().filter(|&c| !is_hangul(c)) {
        let d = full(c);
        match d.as_slice() {
            [only] if *only == c => {}
            [only] => entries.push((c, *only, None)),
            [prefix @ .., last] => {
                let first = by_full[prefix]; // the prefix is some character's decomposition
                entries.push((c, first, Some(*last)));
            }
            [] => unreachable!("a decomposition is never empty"),
        }
    }
    let mut marks: Vec<char> = entries.iter().filter_map(|e| e.2).collect();
    marks.sort_unstable();
    marks.dedup();
    assert!(marks.len() <= 256, "marks must be indexed by one byte");

    let mut out = Vec::new();
    let uleb = write_uleb;
    uleb(&mut out, marks.len() as u32);
    let mut prev = 0;
    for &m in &marks {
        uleb(&mut out, u32::from(m) - prev);
        prev = u32::from(m);
    }
    uleb(&mut out, entries.len() as u32);
    let mut prev = 0;
    for &(c, first, mark) in &entries {
        uleb(&mut out, u32::from(c) - prev);
        prev = u32::from(c);
        let delta = i64::from(u32::from(first)) - i64::from(u32::from(c));
        let sign = u32::from(delta < 0);
        let packed = (delta.unsigned_abs() as u32) << 2 | sign << 1 | u32::from(mark.is_some());
        uleb(&mut out, packed);
        if let Some(m) = mark {
            out.push(marks.binary_search(&m).unwrap() as u8);
        }
    }
    let mut runs: Vec<(u32, u32, u8)> = Vec::new();
    for c in all() {
        let class = canonical_combining_class(c);
        let c = u32::from(c);
        match runs.last_mut() {
            _ if class == 0 => {}
            Some((_, end, k)) if *end == c && *k == class => *end += 1,
            _ => runs.push((c, c + 1, class)),
        }
    }
    uleb(&mut out, runs.len() as u32);
    let mut end = 0;
    for &(start, run_end, class) in &runs {
        uleb(&mut out, start - end);
        uleb(&mut out, run_end - start);
        out.push(class);
        end = run_end;
    }
    out
}

/// `lowercase.bin` as generated from `char::to_lowercase` (the format is what
/// `src/unicode/lowercase.rs`'s `Tables::parse` reads).
fn encode_lowercase() -> Vec<u8> {
    let uleb = write_uleb;
    let mut runs: Vec<(u32, u32, u32, i32)> = Vec::new(); // first, count, stride, delta
    let mut pairs = Vec::new();
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        let lower: Vec<char> = c.to_lowercase().collect();
        match lower.as_slice() {
            [l] if *l == c => {}
            [l] => {
                let code = u32::from(c);
                let delta = i32::try_from(i64::from(u32::from(*l)) - i64::from(code)).unwrap();
                match runs.last_mut() {
                    Some((first, count, stride, d)) if *d == delta => {
                        let last = *first + (*count - 1) * *stride;
                        if *count == 1 && (code == last + 1 || code == last + 2) {
                            *stride = code - last;
                            *count = 2;
                            continue;
                        }
                        if *count > 1 && code == last + *stride {
                            *count += 1;
                            continue;
                        }
                        runs.push((code, 1, 1, delta));
                    }
                    _ => runs.push((code, 1, 1, delta)),
                }
            }
            [a, b] => pairs.push((c, *a, *b)),
            _ => panic!(
                "U+{:04X} lower-cases to more than two characters",
                u32::from(c)
            ),
        }
    }
    let mut out = Vec::new();
    uleb(&mut out, runs.len() as u32);
    let mut next = 0;
    for &(first, count, stride, delta) in &runs {
        uleb(&mut out, first - next);
        uleb(&mut out, count << 1 | (stride - 1));
        uleb(&mut out, ((delta << 1) ^ (delta >> 31)) as u32);
        next = first + (count - 1) * stride + 1;
    }
    uleb(&mut out, pairs.len() as u32);
    for &(k, a, b) in &pairs {
        for c in [k, a, b] {
            uleb(&mut out, u32::from(c));
        }
    }
    out
}

/// Appends `v` as unsigned LEB128.
fn write_uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Fails unless `fresh` is what the checked-in `name` holds; with `UPDATE_UNICODE` set,
/// writes it instead.
fn check_current(name: &str, checked_in: &[u8], fresh: &[u8]) {
    if fresh == checked_in {
        return;
    }
    if std::env::var_os("UPDATE_UNICODE").is_some() {
        let path = format!("{}/src/unicode/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(path, fresh).unwrap();
    } else {
        panic!(
            "src/unicode/{name} is stale: run UPDATE_UNICODE=1 cargo test --test unicode_tables"
        );
    }
}
