//! Matching keys: how desired and listed resources are recognised as the same.
//!
//! userName is compared case-insensitively after Unicode NFC (RFC 7643 marks it
//! caseExact=false), so `Ana@Example.com` and `ana@example.com`, or a decomposed and a
//! precomposed `é`, name one user. Group names get the same treatment.

use unicode_normalization::UnicodeNormalization;

/// The comparison key of a userName: NFC, lower-cased, NFC again (lower-casing can
/// produce decomposed sequences, such as `İ` into `i` + U+0307).
pub fn user_key(user_name: &str) -> String {
    // ASCII is already in NFC and lower-cases to ASCII: the common case costs one copy.
    if user_name.is_ascii() {
        return user_name.to_ascii_lowercase();
    }
    let lowered: String = user_name.nfc().collect::<String>().to_lowercase();
    lowered.nfc().collect()
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
