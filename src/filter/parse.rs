//! Parses RFC 7644 §3.4.2.2 filter text into a [`Filter`].
//!
//! Filters reach this parser from untrusted places (a server's echoed query, a config file, a
//! fuzzer), so it is written to fail cleanly rather than to be clever: it works on byte offsets
//! that always sit on `char` boundaries, reads through `str::get` so a wrong offset becomes an
//! error instead of a panic, caps the input length and the nesting depth so no input can
//! exhaust the stack (here or in the recursive `Display`, `Drop` and `PartialEq` of the tree it
//! returns), and reports every failure as a [`FilterParseError`] with the byte offset at fault.
//!
//! The grammar accepted is the RFC's, with leniency only where it cannot change meaning:
//! keywords and `true`/`false`/`null` in any case, any run of ASCII whitespace where the RFC
//! wants one space, and no space needed next to parentheses, brackets or string quotes.
//! `not` requires a parenthesised operand, as in the RFC. A value path (`emails[type eq
//! "work"]`) may not be followed by `.subAttr`: that form belongs to PATCH paths, not filters.

use thiserror::Error;

use super::{AttrPath, CompValue, CompareOp, Filter};

/// Longest filter text accepted, in bytes. Real filters are a few hundred bytes; the cap keeps
/// hostile input from costing unbounded time and memory.
pub const MAX_FILTER_LEN: usize = 64 * 1024;

/// Deepest nesting of parentheses and value-path brackets accepted. The parser recurses once per
/// level, so this bounds its stack use.
pub const MAX_FILTER_NESTING: usize = 64;

/// Deepest syntax tree accepted. `and`/`or` chains are parsed by iteration, not recursion, but
/// they still build a tree one level deeper per operator, and every consumer that walks the tree
/// recursively (`Display`, `Drop`, `PartialEq`, an evaluator) pays for that depth in stack. The
/// cap leaves room for long chains of alternatives (`id eq "1" or id eq "2" or …`).
pub const MAX_FILTER_DEPTH: usize = 512;

/// Error tokens quoted in messages are cut to this many characters so that an error built from
/// a 64 KiB token stays small.
const MAX_QUOTED_CHARS: usize = 32;

/// Why a filter failed to parse, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} at byte {offset}")]
#[non_exhaustive]
pub struct FilterParseError {
    /// Byte offset into the input where the problem was found.
    pub offset: usize,
    /// What was wrong there.
    pub kind: FilterParseErrorKind,
}

/// The kinds of [`FilterParseError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FilterParseErrorKind {
    /// The input ended where more was required.
    #[error("unexpected end of filter")]
    UnexpectedEnd,
    /// A character that cannot start or continue the expected element.
    #[error("unexpected character {0:?}")]
    UnexpectedChar(char),
    /// A word in operator position that is not `pr` or a comparison operator (cut to 32
    /// characters).
    #[error("unknown operator {0:?}")]
    UnknownOperator(String),
    /// A bad escape sequence in a string literal: an unknown escape, a `\u` without four hex
    /// digits, or an unpaired UTF-16 surrogate.
    #[error("invalid escape sequence in string")]
    InvalidString,
    /// A raw control character (below U+0020) inside a string literal; JSON requires it escaped.
    #[error("unescaped control character U+{:04X} in string", *.0 as u32)]
    UnescapedControlChar(char),
    /// A string literal with no closing quote; the offset is its opening quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A value that starts like a number but is not a JSON number.
    #[error("invalid number")]
    InvalidNumber,
    /// A bare word in value position that is not `true`, `false` or `null` (cut to 32
    /// characters); strings must be quoted.
    #[error("invalid value {0:?} (strings must be in double quotes)")]
    InvalidValue(String),
    /// An attribute path that is not `[URN ":"] name ["." name]`; the offset is the first bad
    /// character.
    #[error("invalid attribute path")]
    InvalidAttrPath,
    /// `not` not followed by `(`.
    #[error("expected '(' after 'not'")]
    ExpectedParenAfterNot,
    /// More than [`MAX_FILTER_NESTING`] nested parentheses/brackets, or a tree deeper than
    /// [`MAX_FILTER_DEPTH`].
    #[error("filter nested too deeply")]
    TooDeep,
    /// The input is longer than [`MAX_FILTER_LEN`] bytes; the offset is the limit.
    #[error("filter longer than {MAX_FILTER_LEN} bytes")]
    TooLong,
    /// A complete filter followed by something that is not `and` or `or`.
    #[error("unexpected trailing input")]
    TrailingInput,
}

impl FilterParseError {
    fn new(offset: usize, kind: FilterParseErrorKind) -> FilterParseError {
        FilterParseError { offset, kind }
    }
}

use FilterParseErrorKind as K;

/// Parses a SCIM filter such as `userName eq "ana@example.com" and active eq true`.
///
/// Precedence is `not` > `and` > `or`, and `and`/`or` associate to the left, so
/// `a pr and b pr and c pr` is `And(And(a, b), c)`. For every filter `f` whose attribute names
/// and numbers are valid, `parse(&f.to_string()) == Ok(f)`.
///
/// # Errors
///
/// A [`FilterParseError`] carrying the byte offset and kind of the first problem found. Inputs
/// over [`MAX_FILTER_LEN`] bytes or nested beyond [`MAX_FILTER_NESTING`] /
/// [`MAX_FILTER_DEPTH`] are refused rather than parsed.
pub fn parse(input: &str) -> Result<Filter, FilterParseError> {
    if input.len() > MAX_FILTER_LEN {
        return Err(FilterParseError::new(MAX_FILTER_LEN, K::TooLong));
    }
    let mut parser = Parser { src: input, pos: 0 };
    let (filter, _) = parser.parse_or(0)?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(filter),
        // A stray closer is an unbalanced bracket, which deserves a sharper message than
        // "trailing input".
        Some(c @ (')' | ']')) => Err(parser.error(K::UnexpectedChar(c))),
        Some(_) => Err(parser.error(K::TrailingInput)),
    }
}

/// A parsed node and the depth of the tree under it (a leaf is 1).
type Parsed = (Filter, usize);

struct Parser<'a> {
    src: &'a str,
    /// Always on a `char` boundary: it only ever advances past whole characters.
    pos: usize,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Characters that end a word (attribute path, operator, keyword or bare value).
fn is_delimiter(c: char) -> bool {
    is_ws(c) || matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// Characters allowed in a schema URN: RFC 8141's unreserved, percent, sub-delims (less the
/// parentheses, which belong to the filter grammar), ':', '@' and '/'.
fn is_urn_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | '%'
                | '!'
                | '$'
                | '&'
                | '\''
                | '*'
                | '+'
                | ','
                | ';'
                | '='
                | ':'
                | '@'
                | '/'
        )
}

fn quoted(token: &str) -> String {
    token.chars().take(MAX_QUOTED_CHARS).collect()
}

fn check_depth(depth: usize, offset: usize) -> Result<(), FilterParseError> {
    if depth > MAX_FILTER_DEPTH {
        Err(FilterParseError::new(offset, K::TooDeep))
    } else {
        Ok(())
    }
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn error(&self, kind: FilterParseErrorKind) -> FilterParseError {
        FilterParseError::new(self.pos, kind)
    }

    /// The error for "something else was required here".
    fn unexpected(&self) -> FilterParseError {
        match self.peek() {
            None => self.error(K::UnexpectedEnd),
            Some(c) => self.error(K::UnexpectedChar(c)),
        }
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches(is_ws).len();
    }

    /// The word starting at the current position (possibly empty), without consuming it.
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest.find(is_delimiter).unwrap_or(rest.len());
        rest.get(..end).unwrap_or("")
    }

    /// Consumes `keyword` (any case) if it is the next word after optional whitespace.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let save = self.pos;
        self.skip_ws();
        let word = self.word();
        if word.eq_ignore_ascii_case(keyword) {
            self.pos += word.len();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// `or` has the lowest precedence; the chain is folded left in a loop so a long chain costs
    /// no stack here.
    fn parse_or(&mut self, nesting: usize) -> Result<Parsed, FilterParseError> {
        let (mut left, mut depth) = self.parse_and(nesting)?;
        loop {
            let at = self.pos;
            if !self.eat_keyword("or") {
                return Ok((left, depth));
            }
            let (right, right_depth) = self.parse_and(nesting)?;
            depth = 1 + depth.max(right_depth);
            check_depth(depth, at)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
    }

    fn parse_and(&mut self, nesting: usize) -> Result<Parsed, FilterParseError> {
        let (mut left, mut depth) = self.parse_unary(nesting)?;
        loop {
            let at = self.pos;
            if !self.eat_keyword("and") {
                return Ok((left, depth));
            }
            let (right, right_depth) = self.parse_unary(nesting)?;
            depth = 1 + depth.max(right_depth);
            check_depth(depth, at)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
    }

    /// A parenthesised filter, `not (…)`, or an attribute expression.
    fn parse_unary(&mut self, nesting: usize) -> Result<Parsed, FilterParseError> {
        self.skip_ws();
        if self.peek() == Some('(') {
            return self.parse_group(nesting, '(', ')');
        }
        let word = self.word();
        if word.is_empty() {
            return Err(self.unexpected());
        }
        if word.eq_ignore_ascii_case("not") {
            if let Some(parsed) = self.parse_not(nesting, word.len())? {
                return Ok(parsed);
            }
        }
        self.parse_attr_expr(nesting)
    }

    /// `not (filter)`, or `None` when the word `not` is really an attribute named "not" (legal
    /// in the RFC's ATTRNAME), as in `not pr` or `not[type eq "x"]`.
    fn parse_not(
        &mut self,
        nesting: usize,
        word_len: usize,
    ) -> Result<Option<Parsed>, FilterParseError> {
        let start = self.pos;
        self.pos += word_len;
        if self.peek() == Some('[') {
            self.pos = start;
            return Ok(None);
        }
        self.skip_ws();
        if self.peek() == Some('(') {
            let (inner, depth) = self.parse_group(nesting, '(', ')')?;
            check_depth(depth + 1, start)?;
            return Ok(Some((Filter::Not(Box::new(inner)), depth + 1)));
        }
        let next = self.word();
        let after_ws = self.pos > start + word_len;
        if after_ws && (next.eq_ignore_ascii_case("pr") || CompareOp::from_keyword(next).is_some())
        {
            self.pos = start;
            return Ok(None);
        }
        Err(self.error(K::ExpectedParenAfterNot))
    }

    /// `(filter)` or `[filter]`, with the opener at the current position.
    fn parse_group(
        &mut self,
        nesting: usize,
        open: char,
        close: char,
    ) -> Result<Parsed, FilterParseError> {
        debug_assert_eq!(self.peek(), Some(open));
        if nesting >= MAX_FILTER_NESTING {
            return Err(self.error(K::TooDeep));
        }
        self.pos += open.len_utf8();
        let parsed = self.parse_or(nesting + 1)?;
        self.skip_ws();
        if self.peek() != Some(close) {
            return Err(self.unexpected());
        }
        self.pos += close.len_utf8();
        Ok(parsed)
    }

    /// `attrPath pr`, `attrPath op value` or `attrPath[filter]`.
    fn parse_attr_expr(&mut self, nesting: usize) -> Result<Parsed, FilterParseError> {
        let path = self.parse_attr_path()?;
        if self.peek() == Some('[') {
            let (inner, depth) = self.parse_group(nesting, '[', ']')?;
            // `emails[type eq "work"].value` is PATCH path syntax; in a filter it has no meaning.
            if self.peek() == Some('.') {
                return Err(self.unexpected());
            }
            check_depth(depth + 1, self.pos)?;
            let filter = Filter::ValuePath {
                path,
                filter: Box::new(inner),
            };
            return Ok((filter, depth + 1));
        }
        self.skip_ws();
        let op_word = self.word();
        if op_word.is_empty() {
            return Err(self.unexpected());
        }
        if op_word.eq_ignore_ascii_case("pr") {
            self.pos += op_word.len();
            return Ok((Filter::Present(path), 1));
        }
        let Some(op) = CompareOp::from_keyword(op_word) else {
            return Err(self.error(K::UnknownOperator(quoted(op_word))));
        };
        self.pos += op_word.len();
        self.skip_ws();
        let value = self.parse_value()?;
        Ok((Filter::Compare { path, op, value }, 1))
    }

    /// `[URN ":"] ATTRNAME ["." ATTRNAME]`, where the URN (recognised by a case-insensitive
    /// `urn:` prefix) runs to the last ':' because URNs themselves contain ':' and '.'.
    fn parse_attr_path(&mut self) -> Result<AttrPath, FilterParseError> {
        let start = self.pos;
        let word = self.word();
        let is_urn = word
            .get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:"));
        let (urn, name_part, name_start) = if is_urn {
            // `is_urn` guarantees a ':' so the fallback is never taken.
            let colon = word.rfind(':').unwrap_or(3);
            let urn = word.get(..colon).unwrap_or("");
            if let Some(bad) = urn.find(|c| !is_urn_char(c)) {
                return Err(FilterParseError::new(start + bad, K::InvalidAttrPath));
            }
            // "urn:" must be followed by a namespace identifier.
            if urn.len() <= 4 {
                return Err(FilterParseError::new(start, K::InvalidAttrPath));
            }
            let rest = word.get(colon + 1..).unwrap_or("");
            (Some(urn.to_owned()), rest, start + colon + 1)
        } else {
            (None, word, start)
        };
        let (attr, sub_attr) = match name_part.split_once('.') {
            Some((attr, sub)) => {
                check_attr_name(attr, name_start)?;
                check_attr_name(sub, name_start + attr.len() + 1)?;
                (attr, Some(sub.to_owned()))
            }
            None => {
                check_attr_name(name_part, name_start)?;
                (name_part, None)
            }
        };
        self.pos += word.len();
        Ok(AttrPath {
            urn,
            attr: attr.to_owned(),
            sub_attr,
        })
    }

    /// A JSON string, JSON number, `true`, `false` or `null`.
    fn parse_value(&mut self) -> Result<CompValue, FilterParseError> {
        match self.peek() {
            Some('"') => return self.parse_string().map(CompValue::Str),
            Some(c) if is_delimiter(c) => return Err(self.unexpected()),
            None => return Err(self.unexpected()),
            Some(_) => {}
        }
        let word = self.word();
        let value = if word.eq_ignore_ascii_case("true") {
            CompValue::Bool(true)
        } else if word.eq_ignore_ascii_case("false") {
            CompValue::Bool(false)
        } else if word.eq_ignore_ascii_case("null") {
            CompValue::Null
        } else if word.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            if !is_json_number(word.as_bytes()) {
                return Err(self.error(K::InvalidNumber));
            }
            CompValue::Number(word.to_owned())
        } else {
            return Err(self.error(K::InvalidValue(quoted(word))));
        };
        self.pos += word.len();
        Ok(value)
    }

    /// A JSON string literal (RFC 8259 §7), with the opening quote at the current position.
    fn parse_string(&mut self) -> Result<String, FilterParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.rest();
            // Copy the run of plain characters in one go; only quotes, backslashes and control
            // characters need a closer look.
            let plain = rest
                .find(|c: char| c == '"' || c == '\\' || c < '\u{20}')
                .unwrap_or(rest.len());
            out.push_str(rest.get(..plain).unwrap_or(""));
            self.pos += plain;
            match self.peek() {
                None => return Err(FilterParseError::new(open, K::UnterminatedString)),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                // `"abc\` at the very end never closes, which is the more useful report.
                Some('\\') if self.rest().len() == 1 => {
                    return Err(FilterParseError::new(open, K::UnterminatedString));
                }
                Some('\\') => out.push(self.parse_escape()?),
                Some(c) => return Err(self.error(K::UnescapedControlChar(c))),
            }
        }
    }

    /// One escape sequence, with its backslash at the current position.
    fn parse_escape(&mut self) -> Result<char, FilterParseError> {
        let at = self.pos;
        let bad = FilterParseError::new(at, K::InvalidString);
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err(bad);
        };
        self.pos += c.len_utf8();
        let decoded = match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{08}',
            'f' => '\u{0C}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let high = self.hex4().ok_or_else(|| bad.clone())?;
                let code = match high {
                    0xD800..=0xDBFF => {
                        // A high surrogate is only meaningful as the first half of a pair.
                        if !self.rest().starts_with("\\u") {
                            return Err(bad);
                        }
                        self.pos += 2;
                        let low = self.hex4().ok_or_else(|| bad.clone())?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(bad);
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(bad),
                    _ => high,
                };
                char::from_u32(code).ok_or(bad)?
            }
            _ => return Err(bad),
        };
        Ok(decoded)
    }

    /// Four hex digits, consumed only if all four are there.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest().get(..4)?;
        // `from_str_radix` alone would also take a leading '+'.
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let value = u32::from_str_radix(digits, 16).ok()?;
        self.pos += 4;
        Some(value)
    }
}

/// ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_"), or the SCIM reference attribute `$ref`.
fn check_attr_name(name: &str, offset: usize) -> Result<(), FilterParseError> {
    if name == "$ref" {
        return Ok(());
    }
    let mut chars = name.char_indices();
    match chars.next() {
        None => return Err(FilterParseError::new(offset, K::InvalidAttrPath)),
        Some((_, c)) if !c.is_ascii_alphabetic() => {
            return Err(FilterParseError::new(offset, K::InvalidAttrPath));
        }
        Some(_) => {}
    }
    for (i, c) in chars {
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(FilterParseError::new(offset + i, K::InvalidAttrPath));
        }
    }
    Ok(())
}

/// `-? (0 / [1-9] DIGIT*) ["." DIGIT+] [("e" / "E") ["+" / "-"] DIGIT+]` (RFC 8259 §6).
fn is_json_number(s: &[u8]) -> bool {
    fn digits(s: &[u8], mut i: usize) -> usize {
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    }
    let mut i = 0;
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(s, i + 1),
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        let end = digits(s, i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(s, i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn ok(input: &str) -> Filter {
        match parse(input) {
            Ok(f) => f,
            Err(e) => panic!("{input:?} failed to parse: {e}"),
        }
    }

    fn err(input: &str) -> (usize, FilterParseErrorKind) {
        match parse(input) {
            Ok(f) => panic!("{input:?} parsed as {f:?}"),
            Err(e) => (e.offset, e.kind),
        }
    }

    fn path(urn: Option<&str>, attr: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_owned),
            attr: attr.to_owned(),
            sub_attr: sub.map(str::to_owned),
        }
    }

    fn cmp(p: &str, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare {
            path: AttrPath::new(p),
            op,
            value,
        }
    }

    fn value_path(p: &str, inner: Filter) -> Filter {
        Filter::ValuePath {
            path: AttrPath::new(p),
            filter: Box::new(inner),
        }
    }

    #[test]
    fn rfc_7644_examples() {
        use CompareOp::*;
        let s = |v: &str| CompValue::Str(v.to_owned());
        let cases: Vec<(&str, Filter)> = vec![
            (r#"userName Eq "john""#, Filter::eq("userName", "john")),
            (r#"Username eq "john""#, Filter::eq("Username", "john")),
            (
                r#"userName eq "bjensen""#,
                Filter::eq("userName", "bjensen"),
            ),
            (
                r#"name.familyName co "O'Malley""#,
                Filter::compare("name.familyName", Co, "O'Malley"),
            ),
            (r#"userName sw "J""#, Filter::compare("userName", Sw, "J")),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
                Filter::Compare {
                    path: path(
                        Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                        "userName",
                        None,
                    ),
                    op: Sw,
                    value: s("J"),
                },
            ),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O'Malley""#,
                Filter::Compare {
                    path: path(
                        Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                        "name",
                        Some("familyName"),
                    ),
                    op: Co,
                    value: s("O'Malley"),
                },
            ),
            ("title pr", Filter::present("title")),
            (
                r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
                Filter::compare("meta.lastModified", Gt, "2011-05-13T04:42:34Z"),
            ),
            (
                r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
                Filter::compare("meta.lastModified", Ge, "2011-05-13T04:42:34Z"),
            ),
            (
                r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
                Filter::compare("meta.lastModified", Lt, "2011-05-13T04:42:34Z"),
            ),
            (
                r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
                Filter::compare("meta.lastModified", Le, "2011-05-13T04:42:34Z"),
            ),
            (
                r#"title pr and userType eq "Employee""#,
                Filter::present("title").and(Filter::eq("userType", "Employee")),
            ),
            (
                r#"title pr or userType eq "Intern""#,
                Filter::present("title").or(Filter::eq("userType", "Intern")),
            ),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
                Filter::eq("schemas", ENTERPRISE),
            ),
            (
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
                Filter::eq("userType", "Employee").and(
                    Filter::compare("emails", Co, "example.com").or(Filter::compare(
                        "emails.value",
                        Co,
                        "example.org",
                    )),
                ),
            ),
            (
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
                Filter::compare("userType", Ne, "Employee").and(
                    Filter::compare("emails", Co, "example.com")
                        .or(Filter::compare("emails.value", Co, "example.org"))
                        .negate(),
                ),
            ),
            (
                r#"userType eq "Employee" and (emails.type eq "work")"#,
                Filter::eq("userType", "Employee").and(Filter::eq("emails.type", "work")),
            ),
            (
                r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
                Filter::eq("userType", "Employee").and(value_path(
                    "emails",
                    Filter::eq("type", "work").and(Filter::compare("value", Co, "@example.com")),
                )),
            ),
            (
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                value_path(
                    "emails",
                    Filter::eq("type", "work").and(Filter::compare("value", Co, "@example.com")),
                )
                .or(value_path(
                    "ims",
                    Filter::eq("type", "xmpp").and(Filter::compare("value", Co, "@foo.com")),
                )),
            ),
            (
                r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
                value_path(
                    "members",
                    Filter::eq("value", "2819c223-7f76-453a-919d-413861904646"),
                ),
            ),
            (
                r#"displayName eq "Group A" and members.$ref pr"#,
                Filter::eq("displayName", "Group A").and(Filter::present("members.$ref")),
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
                Filter::Compare {
                    path: path(Some(ENTERPRISE), "employeeNumber", None),
                    op: Eq,
                    value: s("701984"),
                },
            ),
            (
                r#"URN:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
                Filter::Present(path(
                    Some("URN:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
                    "manager",
                    Some("value"),
                )),
            ),
            ("active eq true", cmp("active", Eq, CompValue::Bool(true))),
            ("active eq FALSE", cmp("active", Eq, CompValue::Bool(false))),
            ("title eq Null", cmp("title", Eq, CompValue::Null)),
            (
                "x.count gt -12.50e+3",
                cmp("x.count", Gt, CompValue::Number("-12.50e+3".into())),
            ),
            ("age le 0", cmp("age", Le, CompValue::Number("0".into()))),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn precedence_and_associativity() {
        let [a, b, c] = ["a", "b", "c"].map(Filter::present);
        let ab = || a.clone().and(b.clone());
        assert_eq!(ok("a pr and b pr and c pr"), ab().and(c.clone()));
        assert_eq!(
            ok("a pr or b pr or c pr"),
            a.clone().or(b.clone()).or(c.clone())
        );
        assert_eq!(
            ok("a pr or b pr and c pr"),
            a.clone().or(b.clone().and(c.clone()))
        );
        assert_eq!(ok("a pr and b pr or c pr"), ab().or(c.clone()));
        assert_eq!(ok("not (a pr) and b pr"), a.clone().negate().and(b.clone()));
        assert_eq!(
            ok("a pr and (b pr or c pr)"),
            a.clone().and(b.clone().or(c.clone()))
        );
        assert_eq!(ok("((a pr))"), a.clone());
        assert_eq!(ok("not (not (a pr))"), a.clone().negate().negate());
    }

    #[test]
    fn lenient_spacing_and_case() {
        let expected = Filter::eq("userName", "x").and(Filter::present("title").negate());
        for input in [
            r#"userName eq "x" and not (title pr)"#,
            "  userName   EQ  \"x\"\tAND\n NOT(title pr)  ",
            r#"userName eq"x"and not(title pr)"#,
            r#"(userName eq "x")and(not ( title pr ))"#,
        ] {
            assert_eq!(parse(input), Ok(expected.clone()), "{input:?}");
        }
    }

    #[test]
    fn keywords_are_also_attribute_names() {
        assert_eq!(ok("not pr"), Filter::present("not"));
        assert_eq!(
            ok("and pr and or pr"),
            Filter::present("and").and(Filter::present("or"))
        );
        assert_eq!(ok("pr pr"), Filter::present("pr"));
        assert_eq!(ok(r#"not eq "x""#), Filter::eq("not", "x"));
        assert_eq!(
            ok(r#"not[type eq "x"]"#),
            value_path("not", Filter::eq("type", "x"))
        );
        assert_eq!(ok("urn pr"), Filter::present("urn"));
    }

    #[test]
    fn json_string_escapes() {
        let cases = [
            (r#""a\"b""#, "a\"b"),
            (r#""a\\b""#, "a\\b"),
            (r#""a\/b""#, "a/b"),
            (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (r#""\u0041\u00e9\u00E9""#, "Aéé"),
            (r#""\ud83d\ude00""#, "😀"),
            (r#""\uD83D\uDE00x""#, "😀x"),
            (r#""\u0000""#, "\0"),
            ("\"raw \u{7f} é 😀\"", "raw \u{7f} é 😀"),
            (r#""""#, ""),
        ];
        for (literal, expected) in cases {
            let input = format!("userName eq {literal}");
            assert_eq!(
                parse(&input),
                Ok(Filter::eq("userName", expected)),
                "{input}"
            );
        }
    }

    #[test]
    fn hostile_values_round_trip() {
        let big: String = "ab\"\\c\u{1}é😀".repeat(1024);
        assert!(big.len() > 10_000);
        let values = [
            "",
            "\"",
            "\\",
            "\\\"",
            "\"\\\"\\",
            r#"x") or (userName pr"#,
            r#"x" or userName pr or userName eq "y"#,
            r#"x"] or emails[value pr"#,
            "x) or (userName pr",
            "e\u{301}\u{302}\u{303}",
            "😀👩‍👩‍👧‍👦🏳️‍🌈",
            "\u{202E}evil\u{202C} שלום مرحبا",
            "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1b}\u{1f}\u{7f}\u{85}\u{2028}\u{2029}",
            "\u{feff}\u{fffd}\u{ffff}\u{10ffff}",
            "\\u0041 not an escape",
            "and or not pr eq ( ) [ ]",
            &big,
        ];
        for v in values {
            let f = Filter::eq("userName", v);
            assert_eq!(parse(&f.to_string()), Ok(f), "{v:?}");
        }
    }

    #[test]
    fn error_offsets_and_kinds() {
        let cases: Vec<(&str, usize, FilterParseErrorKind)> = vec![
            ("", 0, K::UnexpectedEnd),
            ("   ", 3, K::UnexpectedEnd),
            (r#"userName eq "john"#, 12, K::UnterminatedString),
            (r#"userName eq "john\"#, 12, K::UnterminatedString),
            (r#"userName eq "a\qb""#, 14, K::InvalidString),
            (r#"userName eq "\u12G4""#, 13, K::InvalidString),
            (r#"userName eq "\u12""#, 13, K::InvalidString),
            (r#"userName eq "\ud83d""#, 13, K::InvalidString),
            (r#"userName eq "\ud83dx""#, 13, K::InvalidString),
            (r#"userName eq "\ud83d\u0041""#, 13, K::InvalidString),
            (r#"userName eq "\ude00""#, 13, K::InvalidString),
            (r#"userName eq "\u+123""#, 13, K::InvalidString),
            ("userName eq \"a\nb\"", 14, K::UnescapedControlChar('\n')),
            (r#"userName xx "john""#, 9, K::UnknownOperator("xx".into())),
            (r#"userName == "john""#, 9, K::UnknownOperator("==".into())),
            (r#"userName eq"#, 11, K::UnexpectedEnd),
            (r#"userName eq "#, 12, K::UnexpectedEnd),
            ("userName", 8, K::UnexpectedEnd),
            ("userName eq )", 12, K::UnexpectedChar(')')),
            ("userName eq john", 12, K::InvalidValue("john".into())),
            ("age gt 01", 7, K::InvalidNumber),
            ("age gt 1.", 7, K::InvalidNumber),
            ("age gt -", 7, K::InvalidNumber),
            ("age gt 1e", 7, K::InvalidNumber),
            ("age gt 12abc", 7, K::InvalidNumber),
            ("title pr and", 12, K::UnexpectedEnd),
            ("title pr or ", 12, K::UnexpectedEnd),
            ("and", 3, K::UnexpectedEnd),
            ("title pr and or", 15, K::UnexpectedEnd),
            (r#"userName eq "x" garbage"#, 16, K::TrailingInput),
            (r#"userName eq "x" "y""#, 16, K::TrailingInput),
            ("title pr title pr", 9, K::TrailingInput),
            ("not x", 4, K::ExpectedParenAfterNot),
            ("not", 3, K::ExpectedParenAfterNot),
            ("not title pr", 4, K::ExpectedParenAfterNot),
            ("(title pr", 9, K::UnexpectedEnd),
            ("((title pr)", 11, K::UnexpectedEnd),
            ("title pr)", 8, K::UnexpectedChar(')')),
            (
                r#"(userName eq "a") or (title pr))"#,
                31,
                K::UnexpectedChar(')'),
            ),
            ("(title pr]", 9, K::UnexpectedChar(']')),
            ("()", 1, K::UnexpectedChar(')')),
            (r#"emails[type eq "work""#, 21, K::UnexpectedEnd),
            (
                r#"emails[type eq "work"].value eq "x""#,
                22,
                K::UnexpectedChar('.'),
            ),
            (r#"emails [type eq "work"]"#, 7, K::UnexpectedChar('[')),
            ("1abc pr", 0, K::InvalidAttrPath),
            ("name..givenName pr", 5, K::InvalidAttrPath),
            ("name.given.name pr", 10, K::InvalidAttrPath),
            ("name. pr", 5, K::InvalidAttrPath),
            ("us@er pr", 2, K::InvalidAttrPath),
            ("foo:bar pr", 3, K::InvalidAttrPath),
            ("é pr", 0, K::InvalidAttrPath),
            ("$refs pr", 0, K::InvalidAttrPath),
            ("urn:x pr", 0, K::InvalidAttrPath),
            ("urn::x pr", 0, K::InvalidAttrPath),
            ("urn:a:b: pr", 8, K::InvalidAttrPath),
            ("urn:a<b:x pr", 5, K::InvalidAttrPath),
            (r#""x" eq "x""#, 0, K::UnexpectedChar('"')),
            (")", 0, K::UnexpectedChar(')')),
        ];
        for (input, offset, kind) in cases {
            assert_eq!(err(input), (offset, kind), "{input:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_FILTER_NESTING)).is_ok());
        assert_eq!(
            err(&nested(MAX_FILTER_NESTING + 1)),
            (MAX_FILTER_NESTING, K::TooDeep)
        );
        assert_eq!(err(&nested(100)), (64, K::TooDeep));
        // Unclosed: the depth limit is hit before the missing closers matter.
        assert_eq!(err(&"(".repeat(10_000)), (64, K::TooDeep));
        assert_eq!(err(&"not (".repeat(100)), (4 + 5 * 64, K::TooDeep));
        assert_eq!(err(&"a[".repeat(100)), (1 + 2 * 64, K::TooDeep));
    }

    #[test]
    fn tree_depth_is_bounded() {
        let chain = |n: usize| vec!["a pr"; n].join(" or ");
        // n terms build a tree n levels deep.
        assert!(parse(&chain(MAX_FILTER_DEPTH)).is_ok());
        let (offset, kind) = err(&chain(MAX_FILTER_DEPTH + 1));
        assert_eq!(kind, K::TooDeep);
        assert_eq!(
            offset,
            (MAX_FILTER_DEPTH - 1) * "a pr or ".len() + "a pr".len()
        );
        // Long chains do not pass the limit by hiding inside nesting.
        let nested = format!("not ({})", chain(MAX_FILTER_DEPTH));
        assert_eq!(err(&nested).1, K::TooDeep);
    }

    #[test]
    fn length_is_bounded() {
        let value = "x".repeat(MAX_FILTER_LEN);
        assert_eq!(
            err(&format!("userName eq \"{value}\"")),
            (MAX_FILTER_LEN, K::TooLong)
        );
        let fits = "x".repeat(MAX_FILTER_LEN - r#"userName eq """#.len());
        assert_eq!(
            parse(&format!("userName eq \"{fits}\"")),
            Ok(Filter::eq("userName", fits))
        );
    }

    #[test]
    fn error_messages() {
        let msg = |input: &str| parse(input).map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            msg(r#"(userName eq "a") or (title pr))"#),
            "unexpected character ')' at byte 31"
        );
        assert_eq!(msg("title pr and"), "unexpected end of filter at byte 12");
        assert_eq!(
            msg(r#"userName xx "john""#),
            r#"unknown operator "xx" at byte 9"#
        );
        assert_eq!(
            msg("userName eq \"\u{1}\""),
            "unescaped control character U+0001 in string at byte 13"
        );
        assert_eq!(msg("not x"), "expected '(' after 'not' at byte 4");
        assert_eq!(
            msg("userName eq john"),
            r#"invalid value "john" (strings must be in double quotes) at byte 12"#
        );
        let long = format!("userName {} \"x\"", "q".repeat(1000));
        assert_eq!(
            msg(&long),
            format!("unknown operator \"{}\" at byte 9", "q".repeat(32))
        );
    }

    // ---- property tests ----

    fn attr_name() -> impl Strategy<Value = String> {
        prop_oneof![
            9 => "[a-zA-Z][a-zA-Z0-9_-]{0,12}",
            1 => Just("$ref".to_owned()),
            1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "urn", "true", "NOT"])
                .prop_map(str::to_owned),
        ]
    }

    fn urn() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(ENTERPRISE.to_owned()),
            Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
            "(urn|URN|Urn):[a-zA-Z0-9][a-zA-Z0-9-]{0,8}(:[a-zA-Z0-9._~%!$&'*+,;=@/-]{0,8}){0,4}",
        ]
    }

    fn attr_path() -> impl Strategy<Value = AttrPath> {
        (
            prop::option::weighted(0.2, urn()),
            attr_name(),
            prop::option::of(attr_name()),
        )
            .prop_map(|(urn, attr, sub_attr)| AttrPath {
                urn,
                attr,
                sub_attr,
            })
    }

    fn comp_value() -> impl Strategy<Value = CompValue> {
        prop_oneof![
            4 => any::<String>().prop_map(CompValue::Str),
            2 => "[ -~\u{80}-\u{10ffff}\"\\\\\u{0}-\u{1f}]{0,20}".prop_map(CompValue::Str),
            2 => "-?(0|[1-9][0-9]{0,8})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?"
                .prop_map(CompValue::Number),
            1 => any::<bool>().prop_map(CompValue::Bool),
            1 => Just(CompValue::Null),
        ]
    }

    fn filter() -> impl Strategy<Value = Filter> {
        let leaf = prop_oneof![
            (
                attr_path(),
                prop::sample::select(CompareOp::ALL.to_vec()),
                comp_value()
            )
                .prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
            attr_path().prop_map(Filter::Present),
        ];
        leaf.prop_recursive(6, 48, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
                inner.clone().prop_map(Filter::negate),
                (attr_path(), inner).prop_map(|(path, f)| Filter::ValuePath {
                    path,
                    filter: Box::new(f),
                }),
            ]
        })
    }

    /// Text close enough to filters that the parser gets deep before failing.
    fn filterish() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "userName",
            "name.givenName",
            " ",
            "  ",
            "eq",
            "pr",
            "and",
            "or",
            "not",
            "(",
            ")",
            "[",
            "]",
            "\"",
            "\\",
            "\\u",
            "d83d",
            "\\ude00",
            "x",
            "\"x\"",
            "1",
            "-1.5e3",
            "true",
            "null",
            ".",
            ":",
            "urn:a:b:",
            "$ref",
            "é",
            "\u{0}",
            "\n",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn render_then_parse_is_identity(f in filter()) {
            let text = f.to_string();
            prop_assert_eq!(parse(&text), Ok(f), "{}", text);
        }

        #[test]
        fn string_values_round_trip(v in any::<String>(), op in prop::sample::select(CompareOp::ALL.to_vec())) {
            let f = Filter::compare("userName", op, v);
            prop_assert_eq!(parse(&f.to_string()), Ok(f));
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in any::<String>()) {
            check_never_panics(&s)?;
        }

        #[test]
        fn never_panics_on_filterish_text(s in filterish()) {
            check_never_panics(&s)?;
        }

        #[test]
        fn never_panics_on_damaged_filters(
            f in filter(),
            cut in any::<prop::sample::Index>(),
            insert in any::<char>(),
        ) {
            let text = f.to_string();
            let boundaries: Vec<usize> =
                text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let at = boundaries[cut.index(boundaries.len())];
            check_never_panics(&text[..at])?;
            let mut damaged = text.clone();
            damaged.insert(at, insert);
            check_never_panics(&damaged)?;
        }
    }

    /// Any outcome is fine except a panic, an error offset outside the input, or an `Ok` whose
    /// rendering does not parse back to itself.
    fn check_never_panics(s: &str) -> Result<(), TestCaseError> {
        match parse(s) {
            Ok(f) => prop_assert_eq!(parse(&f.to_string()), Ok(f)),
            Err(e) => {
                prop_assert!(e.offset <= s.len(), "{:?}: offset {}", s, e.offset);
                prop_assert!(s.is_char_boundary(e.offset), "{:?}: offset {}", s, e.offset);
                let _ = e.to_string();
            }
        }
        Ok(())
    }
}
