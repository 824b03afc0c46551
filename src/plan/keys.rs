//! Matching keys: how desired and listed resources are recognised as the same.
//!
//! userName is compared case-insensitively after Unicode NFC (RFC 7643 marks it
//! caseExact=false), so `Ana@Example.com` and `ana@example.com`, or a decomposed and a
//! precomposed `é`, name one user. Group names get the same treatment. The Unicode data
//! comes from `unicode-normalization` (canonical decomposition) and the standard library
//! (`char::to_lowercase`).

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// `s` in canonical decomposition (NFD).
fn nfd(s: &str) -> String {
    s.nfd().collect()
}

/// `s` lower-cased character by character, which is where it parts from `str::to_lowercase`:
/// that one also writes a word-final `Σ` as `ς`, a rule of running text, not of names.
pub(crate) fn lower_per_char(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().flat_map(char::to_lowercase).collect()
}

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
    key_of(user_name).into_owned()
}

/// [`user_key`] without a copy where a name is its own key: ASCII without capitals, as most
/// userNames are. The planner takes a key per listed user, per directory user and per
/// member name that is not a directory userName as written.
pub(crate) fn key_of(name: &str) -> Cow<'_, str> {
    // ASCII is already normalized and lower-cases to ASCII (`unicode_key` agrees, a
    // property test holds it to that); one pass over the bytes tells the cases apart.
    let bytes = name.as_bytes();
    if bytes
        .iter()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(name)
    } else if bytes.is_ascii() {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Owned(unicode_key(name))
    }
}

/// Whether two names have one key ([`user_key`]), without making either key when both are
/// ASCII (the planner compares every matched user's userNames).
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        key_of(a) == key_of(b)
    }
}

/// The key by its definition, for any text: the reference the fast paths above are tested
/// against.
fn unicode_key(name: &str) -> String {
    let lower: String = nfd(name)
        .chars()
        .flat_map(char::to_lowercase)
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

    proptest::proptest! {
        /// A key is a fixed point, and names that differ in normalization or case alone
        /// have one key, whatever the characters (letters of many scripts, marks, Hangul).
        #[test]
        fn keys_ignore_normalization_and_case(s in "[a-zA-Z\u{C0}-\u{24F}\u{300}-\u{36F}\u{370}-\u{3FF}\u{400}-\u{4FF}\u{1E00}-\u{1FFF}\u{AC00}-\u{AC40}\u{1100}-\u{1112}\u{1161}-\u{1175}]{0,12}") {
            let key = user_key(&s);
            proptest::prop_assert_eq!(&user_key(&key), &key);
            proptest::prop_assert_eq!(&user_key(&nfd(&s)), &key);
            proptest::prop_assert_eq!(&user_key(&lower_per_char(&s)), &key);
            // Upper-casing can change a name beyond its case (`ᾀ` becomes `ἈΙ`); where it
            // does not, the key stays.
            let upper = s.to_uppercase();
            if upper.chars().count() == s.chars().count() && upper.to_lowercase() == s.to_lowercase() {
                proptest::prop_assert_eq!(&user_key(&upper), &key);
            }
        }

        /// The fast paths agree with the definition: a key without a copy only for a name
        /// that is its own key, and ASCII compared without keys only against ASCII (the
        /// Kelvin sign `K` and the long `ſ` lower-case to ASCII).
        #[test]
        fn fast_paths_agree_with_the_definition(
            a in "[a-zA-Z0-9@. \u{212A}\u{17F}\u{C9}\u{E9}\u{301}]{0,8}",
            b in "[a-zA-Z0-9@. \u{212A}\u{17F}\u{C9}\u{E9}\u{301}]{0,8}",
        ) {
            let key = key_of(&a);
            proptest::prop_assert_eq!(key.as_ref(), unicode_key(&a));
            // Borrowed only as its own key; and always so for ASCII that is its own key.
            let borrowed = matches!(key, Cow::Borrowed(_));
            proptest::prop_assert!(!borrowed || key == a.as_str());
            proptest::prop_assert!(borrowed || !a.is_ascii() || key != a.as_str());
            proptest::prop_assert_eq!(same_key(&a, &b), unicode_key(&a) == unicode_key(&b));
            let upper = a.to_ascii_uppercase();
            proptest::prop_assert_eq!(same_key(&a, &upper), unicode_key(&a) == unicode_key(&upper));
        }
    }
}
