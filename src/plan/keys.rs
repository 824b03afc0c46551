//! Matching keys: how desired and listed resources are recognised as the same.
//!
//! userName is compared case-insensitively after Unicode NFC (RFC 7643 marks it
//! caseExact=false), so `Ana@Example.com` and `ana@example.com`, or a decomposed and a
//! precomposed `é`, name one user. Group names get the same treatment.

use crate::unicode::{lowercase, nfd};

/// The comparison key of a userName: decomposed, lower-cased, decomposed again (lower-casing
/// can produce decomposable sequences, such as `İ` into `i` + U+0307).
///
/// Two strings are canonically equivalent exactly when their NFC forms are equal, and
/// exactly when their NFD forms are equal, so comparing decomposed keys is comparing after
/// NFC; it is Unicode's canonical caseless match (D145) with lower-casing for case folding,
/// and, as case folding has it, the final sigma `ς` counted as `σ`: `ΟΔΟΣ`, `οδος` and
/// `οδοσ` are one name. Keys are only compared, never shown, and decomposing alone needs no
/// composition tables.
pub fn user_key(user_name: &str) -> String {
    // ASCII is already normalized and lower-cases to ASCII: the common case costs one copy.
    if user_name.is_ascii() {
        return user_name.to_ascii_lowercase();
    }
    let lower: String = nfd(user_name)
        .chars()
        .flat_map(lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect();
    nfd(&lower)
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
        // Marks in either order, composed or not: one key (canonical ordering).
        assert_eq!(user_key("a\u{323}\u{302}"), user_key("a\u{302}\u{323}"));
        assert_eq!(user_key("ậ"), user_key("a\u{302}\u{323}"));
        // Compatibility equivalents stay distinct: NFC, not NFKC.
        assert_ne!(user_key("\u{FB01}"), user_key("fi"));
        // Either sigma, and a capital one wherever it stands.
        assert_eq!(user_key("ΟΔΟΣ"), user_key("οδος"));
        assert_eq!(user_key("ΟΔΟΣ"), user_key("οδοσ"));
        assert_eq!(user_key("Σοφία"), user_key("σοφία"));
        // Hangul syllables and their jamo.
        assert_eq!(user_key("\u{D55C}"), user_key("\u{1112}\u{1161}\u{11AB}"));
    }
}
