//! Matching keys: how desired and listed resources are recognised as the same.
//!
//! userName is compared case-insensitively after Unicode NFC (RFC 7643 marks it
//! caseExact=false), so `Ana@Example.com` and `ana@example.com`, or a decomposed and a
//! precomposed `é`, name one user. Group names get the same treatment.

use unicode_normalization::char::{canonical_combining_class, compose, decompose_canonical};

/// The comparison key of a userName: NFC, lower-cased, NFC again (lower-casing can
/// produce decomposed sequences, such as `İ` into `i` + U+0307).
pub fn user_key(user_name: &str) -> String {
    // ASCII is already in NFC and lower-cases to ASCII: the common case costs one copy.
    if user_name.is_ascii() {
        return user_name.to_ascii_lowercase();
    }
    nfc(&nfc(user_name).to_lowercase())
}

/// Unicode Normalization Form C (UAX #15): canonical decomposition, canonical ordering,
/// canonical composition. Written over the crate's per-character functions rather than its
/// `nfc()` iterator, which also links the compatibility tables (some 60 KB in WebAssembly)
/// because it chooses the decomposition at run time.
fn nfc(s: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        decompose_canonical(c, |d| chars.push(d));
    }
    // Canonical ordering: each run of non-starters sorted (stably) by combining class.
    let mut i = 0;
    while i < chars.len() {
        if canonical_combining_class(chars[i]) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && canonical_combining_class(chars[i]) != 0 {
            i += 1;
        }
        chars[start..i].sort_by_key(|&c| canonical_combining_class(c));
    }
    // Canonical composition: a character joins the last starter unless something between
    // them blocks it (a starter, or a mark of the same or a higher class).
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut starter: Option<usize> = None;
    let mut last_class: Option<u8> = None;
    for c in chars {
        let class = canonical_combining_class(c);
        if let Some(s) = starter {
            let blocked = last_class.is_some_and(|last| last == 0 || last >= class);
            if !blocked {
                if let Some(composed) = compose(out[s], c) {
                    out[s] = composed;
                    continue;
                }
            }
        }
        if class == 0 {
            starter = Some(out.len());
            last_class = None;
        } else {
            last_class = Some(class);
        }
        out.push(c);
    }
    out.into_iter().collect()
}

/// The comparison key of a group's displayName.
pub fn group_key(display_name: &str) -> String {
    user_key(display_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_normalization_insensitive() {
        assert_eq!(user_key("Ana@Example.COM"), user_key("ana@example.com"));
        assert_eq!(user_key("jose\u{301}@x"), user_key("JOSÉ@x"));
        assert_ne!(user_key("ana@x"), user_key("anna@x"));
        assert_eq!(user_key("İ"), user_key("i\u{307}"));
    }
}
