//! Masking of credentials in text a server sent.
//!
//! The core never holds the bearer token (the host adds the header), but a server may echo
//! it back: an error `detail` that repeats the request's `Authorization: Bearer …`, an HTML
//! error page that dumps the request headers. Every piece of server-provided text the core
//! keeps (a [`ServerError`](crate::response::ServerError)'s `detail`, `scimType` and body
//! excerpt, the messages of [`DecodeError`](crate::response::DecodeError)s that quote a
//! body, engine warnings and listing problems) goes through [`mask_credentials`] first, so
//! no report, event, error or page made from it can print the secret.
//!
//! What is masked, with ASCII case ignored and without regard to what precedes the keyword
//! (`X-Authorization`, `proxy-authorization` count):
//! - `bearer` followed by whitespace: the next run of credential characters;
//! - `authorization`, then quotes, backslashes or whitespace (plain or JSON-escaped forms such
//!   as `\"Authorization\": \"Bearer …\"`), then `:` or `=`: the value, that is a scheme word
//!   and its credential (`Basic xyz`, `Bearer xyz`) or a bare credential.
//!
//! A credential run ends at whitespace, a quote, a backslash, `,`, `;`, `<`, `>` or a closing
//! `)`, `]` or `}` (none of which a token68 credential, RFC 7235 §2.1, contains), so the text
//! around it (`(… Bearer xyz)`, `{"a":"Bearer xyz"}`) survives. Masking errs on the side of hiding:
//! `Bearer token required` reads `Bearer [redacted] required`.

use std::borrow::Cow;

/// What a masked credential is replaced with.
pub const MASK: &str = "[redacted]";

/// `text` with every credential after `Bearer` or `Authorization:` replaced by [`MASK`];
/// borrowed unchanged when there is none.
pub fn mask_credentials(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Ranges to mask, in order of their starts (a keyword's range starts after the keyword,
    // and no keyword fits in the separators between a keyword and its range).
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for i in 0..bytes.len() {
        let found = match bytes[i] {
            b'b' | b'B' => bearer_at(bytes, i),
            b'a' | b'A' => authorization_at(bytes, i),
            _ => None,
        };
        if let Some((start, end)) = found {
            match ranges.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => ranges.push((start, end)),
            }
        }
    }
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    // Every boundary is next to an ASCII byte or at an end, so slicing keeps UTF-8 whole.
    for (start, end) in ranges {
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// [`mask_credentials`] into an owned string.
pub(crate) fn masked(text: &str) -> String {
    mask_credentials(text).into_owned()
}

/// [`mask_credentials`] in place.
pub(crate) fn mask_in_place(text: &mut String) {
    if let Cow::Owned(m) = mask_credentials(text) {
        *text = m;
    }
}

/// The credential after `bearer` at `i`, if one follows whitespace.
fn bearer_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let j = keyword(bytes, i, b"bearer")?;
    let start = skip(bytes, j, |b| b.is_ascii_whitespace());
    if start == j {
        return None;
    }
    non_empty(start, credential_end(bytes, start))
}

/// The value after `authorization` at `i` and its `:` or `=`.
fn authorization_at(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let j = keyword(bytes, i, b"authorization")?;
    let j = skip(bytes, j, separator);
    if !matches!(bytes.get(j), Some(b':' | b'=')) {
        return None;
    }
    let start = skip(bytes, j + 1, separator);
    // A scheme word and its credential (`Basic xyz`), or a bare credential.
    let word = skip(bytes, start, |b| b.is_ascii_alphabetic());
    let after = skip(bytes, word, |b| b.is_ascii_whitespace());
    if word > start && after > word {
        if is_masked(bytes, after) {
            return None;
        }
        let end = credential_end(bytes, after);
        if end > after {
            return Some((start, end));
        }
    }
    non_empty(start, credential_end(bytes, start))
}

/// The index after `word` when `bytes` has it at `i` (ASCII case ignored).
fn keyword(bytes: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i.checked_add(word.len())?;
    let found = bytes.get(i..end)?;
    found.eq_ignore_ascii_case(word).then_some(end)
}

fn skip(bytes: &[u8], mut i: usize, what: impl Fn(u8) -> bool) -> usize {
    while i < bytes.len() && what(bytes[i]) {
        i += 1;
    }
    i
}

/// Quotes, backslashes and whitespace around a header name or value, plain or JSON-escaped.
fn separator(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'\\') || b.is_ascii_whitespace()
}

/// Whether `bytes` has [`MASK`] at `i`: text masked before (an error's detail quoted in a
/// warning) is left as it is, so masking twice changes nothing.
fn is_masked(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(i..)
        .is_some_and(|rest| rest.starts_with(MASK.as_bytes()))
}

/// The end of the credential at `start`; `start` itself when there is none, or when it was
/// masked already.
fn credential_end(bytes: &[u8], start: usize) -> usize {
    if is_masked(bytes, start) {
        return start;
    }
    skip(bytes, start, |b| {
        !(separator(b) || matches!(b, b',' | b';' | b'<' | b'>' | b')' | b']' | b'}'))
    })
}

fn non_empty(start: usize, end: usize) -> Option<(usize, usize)> {
    (end > start).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_bearer_and_authorization_values() {
        let cases = [
            ("Authorization: Bearer abc.def", "Authorization: [redacted]"),
            (
                "authorization: basic dXNlcjpwdw==",
                "authorization: [redacted]",
            ),
            ("AUTHORIZATION=xyz; next", "AUTHORIZATION=[redacted]; next"),
            (
                "got bearer   tok123, expected",
                "got bearer   [redacted], expected",
            ),
            (
                r#"{"Authorization":"Bearer s3cr3t"}"#,
                r#"{"Authorization":"[redacted]"}"#,
            ),
            (
                r#"{\"authorization\": \"Bearer s3cr3t\"}"#,
                r#"{\"authorization\": \"[redacted]\"}"#,
            ),
            (
                "<td>X-Authorization: Bearer t</td>",
                "<td>X-Authorization: [redacted]</td>",
            ),
            ("bearer Bearer secret", "bearer [redacted] [redacted]"),
            (
                "(HTTP 401: Bearer xyz); next",
                "(HTTP 401: Bearer [redacted]); next",
            ),
            ("Authorization: Bearer", "Authorization: [redacted]"),
        ];
        for (text, want) in cases {
            assert_eq!(mask_credentials(text), want, "{text}");
        }
    }

    #[test]
    fn leaves_other_text_alone_and_borrowed() {
        for text in [
            "",
            "user not found",
            "Authorization failed",
            "bearer",
            "the bearer: none",
            "Authorization:",
            "café Bearer",
        ] {
            assert!(matches!(mask_credentials(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn keeps_utf8_whole_and_is_idempotent() {
        let once = masked("é Bearer ünïcødé€ after");
        assert_eq!(once, "é Bearer [redacted] after");
        assert_eq!(masked(&once), once);
        for text in [
            "(Authorization: Bearer xyz)",
            "Authorization=[redacted]]",
            "x: {\"authorization\": \"basic abc\"}",
        ] {
            let once = masked(text);
            assert_eq!(masked(&once), once, "{text}");
        }
    }

    fn any_case(word: &'static str) -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
            word.chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_secret_never_survives(
            secret in "[A-Za-z0-9._~+/-]{8,40}=*",
            before in "\\PC{0,30}",
            after in "\\PC{0,30}",
            bearer in any_case("bearer"),
            authorization in any_case("authorization"),
            basic in any_case("basic"),
            form in 0..6usize,
        ) {
            let core = match form {
                0 => format!("{bearer} {secret}"),
                1 => format!("{authorization}: {bearer} {secret}"),
                2 => format!("{authorization}: {basic} {secret}"),
                3 => format!(r#"{{"{authorization}":"{bearer} {secret}"}}"#),
                4 => format!("{authorization}={secret}"),
                _ => format!(r#"{{\"{authorization}\": \"{basic} {secret}\"}}"#),
            };
            let plain = format!("{before}{core}{after}");
            // The same text as it reads inside a JSON string.
            let escaped = serde_json::to_string(&plain).unwrap();
            for text in [&plain, &escaped] {
                let out = mask_credentials(text);
                prop_assert!(!out.contains(&secret), "{text:?} -> {out:?}");
                // Text masked once (a detail quoted in a warning) is not masked again.
                prop_assert_eq!(mask_credentials(&out), out.clone());
            }
        }
    }
}
