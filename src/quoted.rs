//! Text quoted for people: a name or value from a directory or a server in double quotes,
//! as written (quotes and backslashes kept: `\"` in a message is noise to its reader), with
//! control characters and the Unicode line separators escaped so it can neither break a line
//! nor smuggle terminal escapes. What `{:?}` gave, without its escaping of quotes.

use std::fmt;

/// `value` quoted (see the module docs).
pub(crate) fn q(value: &str) -> Quoted<'_> {
    Quoted(value)
}

/// See [`q`].
pub(crate) struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(self.0.len() + 2);
        out.push('"');
        push_escaped(&mut out, self.0.chars());
        out.push('"');
        f.write_str(&out)
    }
}

/// Pushes `chars`, control characters and line separators escaped, everything else as is.
pub(crate) fn push_escaped(out: &mut String, chars: impl Iterator<Item = char>) {
    for c in chars {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_stay_controls_are_escaped() {
        assert_eq!(q(r#"O"Hara \ Zoë"#).to_string(), r#""O"Hara \ Zoë""#);
        assert_eq!(
            q("a\nb\u{1b}[2J\u{2028}").to_string(),
            r#""a\nb\u{1b}[2J\u{2028}""#
        );
    }
}
