//! The check of [`super::page`] as a byte scanner: a hand-written hot path, kept for speed.
//!
//! Measured by `npm/bench/decode.mjs` (through npm the check runs inside WebAssembly before
//! a `JSON.parse` of the page; target: the two at most 1.5x `JSON.parse` alone) and
//! natively by `cargo bench --bench decode` ("as sent?"). On the bench's 10,000-user page
//! the serde visitor ([`super::reference`]) took about 55 ms in WebAssembly (0.7x
//! `JSON.parse`, which put the decode at 1.8x), this scan 30-35 ms (the decode at 1.45-1.5x);
//! natively 35 ms against 19 ms. It reads the text once, finds the end of a string eight
//! bytes at a time, and looks each key up in the same table ([`super::field`]).
//!
//! It may refuse what the reference accepts, never the other way round (a refusal only
//! sends the page through the decode): a key written with an escape, a number with an
//! exponent or of more than [`LONGEST_NUMBER`] characters where any value is kept, and
//! nesting deeper than [`DEEPEST`]. Its reference is the serde visitor: property tests
//! (`plan::fast_reference`) and the `decode_response` fuzz target check that every page it
//! accepts, the reference accepts too, and on the pages servers send both agree.

use super::{field, keeps, required, Must};

/// Nesting this scan follows; serde_json, which the reference uses, stops at 128.
const DEEPEST: u32 = 64;
/// The longest number kept as any value: shorter than any that overflows an `f64` without
/// an exponent, so serde_json reads every one the scan accepts.
const LONGEST_NUMBER: usize = 300;

/// Whether `text` is one JSON object that reads as `must` says, with only whitespace after.
pub(super) fn page(text: &str, must: Must) -> bool {
    let mut scan = Scan {
        text,
        at: 0,
        depth: 0,
    };
    scan.value(must).is_some() && {
        scan.skip_whitespace();
        scan.at == text.len()
    }
}

/// `Some(())` when `ok`: each step below answers `None` for "not as sent", so `?` stops the
/// scan at the first thing that is not.
#[inline(always)]
fn when(ok: bool) -> Option<()> {
    ok.then_some(())
}

/// The text, how far it is read, and how deep the value at hand is nested.
struct Scan<'a> {
    text: &'a str,
    at: usize,
    depth: u32,
}

// The small helpers are always inlined: the npm build is at opt-level "z", where each stayed
// a call per token (`next_token` alone was a fifth of the check in a profile).
impl<'a> Scan<'a> {
    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.peek_at(self.at)
    }

    #[inline(always)]
    fn peek_at(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    #[inline(always)]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    #[inline(always)]
    fn next_token(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.next_byte()
    }

    /// A value that must be `must`, its first byte not yet read.
    #[inline(always)]
    fn value(&mut self, must: Must) -> Option<()> {
        // Most values are strings the model types: read without the dispatch below.
        self.skip_whitespace();
        if matches!(must, Must::Text) && self.peek() == Some(b'"') {
            self.at += 1;
            return self.string();
        }
        self.any_value(must)
    }

    fn any_value(&mut self, must: Must) -> Option<()> {
        match self.next_token()? {
            b'"' => {
                self.string()?;
                when(matches!(must, Must::Text | Must::Any))
            }
            b'{' => self.nested(|scan| scan.object(must)),
            b'[' => self.nested(|scan| scan.array(must)),
            b't' => {
                self.literal(b"rue")?;
                when(matches!(must, Must::Bool | Must::Any))
            }
            b'f' => {
                self.literal(b"alse")?;
                when(matches!(must, Must::Bool | Must::Any))
            }
            b'n' => {
                self.literal(b"ull")?;
                when(matches!(must, Must::Any))
            }
            first @ (b'-' | b'0'..=b'9') => self.number(first, must),
            _ => None,
        }
    }

    fn nested(&mut self, inner: impl FnOnce(&mut Self) -> Option<()>) -> Option<()> {
        self.depth += 1;
        when(self.depth <= DEEPEST)?;
        inner(self)?;
        self.depth -= 1;
        Some(())
    }

    fn literal(&mut self, rest: &[u8]) -> Option<()> {
        let end = self.at + rest.len();
        when(self.bytes().get(self.at..end) == Some(rest))?;
        self.at = end;
        Some(())
    }

    /// An object after its `{`: attribute by attribute against the table for an object of
    /// the model, anything for one kept as sent.
    fn object(&mut self, must: Must) -> Option<()> {
        let obj = match must {
            Must::Object(obj) => Some(obj),
            Must::Kept | Must::Any => None,
            _ => return None,
        };
        let need = obj.and_then(required);
        let mut found = need.is_none();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return when(found);
        }
        loop {
            when(self.next_token()? == b'"')?;
            let must = match obj {
                Some(obj) => {
                    let key = self.plain_key()?;
                    found |= need == Some(key.as_bytes());
                    match field(obj, key.as_bytes()) {
                        Some(must) => must,
                        None if keeps(obj, key) => Must::Any,
                        None => return None,
                    }
                }
                None => {
                    self.string()?;
                    Must::Any
                }
            };
            when(self.next_token()? == b':')?;
            self.value(must)?;
            match self.next_token()? {
                b',' => {}
                b'}' => return when(found),
                _ => return None,
            }
        }
    }

    /// An array after its `[`: each element what the list holds.
    fn array(&mut self, must: Must) -> Option<()> {
        let (item, may_be_empty) = match must {
            Must::List(item, may_be_empty) => (*item, may_be_empty),
            Must::Any => (Must::Any, true),
            _ => return None,
        };
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return when(may_be_empty);
        }
        loop {
            self.value(item)?;
            match self.next_token()? {
                b',' => {}
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// A key after its `"`, as the text spells it; a key written with an escape is left to
    /// the decode.
    fn plain_key(&mut self) -> Option<&'a str> {
        let start = self.at;
        let end = start + self.to_special()?;
        when(self.bytes()[end] == b'"')?;
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// A string after its `"`, through its closing quote: no control character, every
    /// escape one JSON has, a `\u` surrogate only in a pair (serde_json refuses a lone one).
    fn string(&mut self) -> Option<()> {
        loop {
            self.at += self.to_special()?;
            let special = self.bytes()[self.at];
            self.at += 1;
            match special {
                b'"' => return Some(()),
                b'\\' => self.escape()?,
                _ => return None,
            }
        }
    }

    /// How far from here the next `"`, `\` or control character is.
    fn to_special(&self) -> Option<usize> {
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
        let bytes = self.bytes();
        let mut at = self.at;
        while let Some(chunk) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(chunk.try_into().ok()?);
            // The high bit of each byte that is zero after the XOR (a quote or a backslash)
            // or below 0x20; a borrow may mark bytes after the first, never before it.
            let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
            let quote = zero(word ^ (ONES * u64::from(b'"')));
            let backslash = zero(word ^ (ONES * u64::from(b'\\')));
            let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
            let found = quote | backslash | control;
            if found != 0 {
                return Some(at - self.at + (found.trailing_zeros() / 8) as usize);
            }
            at += 8;
        }
        let tail = bytes.get(at..)?;
        let more = tail
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        Some(at - self.at + more)
    }

    /// An escape after its `\`.
    fn escape(&mut self) -> Option<()> {
        match self.next_byte()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(()),
            b'u' => match self.hex4()? {
                0xD800..=0xDBFF => {
                    self.literal(b"\\u")?;
                    when(matches!(self.hex4()?, 0xDC00..=0xDFFF))
                }
                0xDC00..=0xDFFF => None,
                _ => Some(()),
            },
            _ => None,
        }
    }

    #[inline(always)]
    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        when(digits.bytes().all(|b| b.is_ascii_hexdigit()))?;
        self.at += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    /// A number whose first byte was `first`: a count must be a non-negative integer that
    /// fits a `u64`; a value kept as sent any JSON number without an exponent.
    fn number(&mut self, first: u8, must: Must) -> Option<()> {
        let start = self.at - 1;
        let integer = start + usize::from(first == b'-');
        let integer_end = self.digits_from(integer)?;
        // JSON has no leading zero.
        when(integer_end == integer + 1 || self.bytes()[integer] != b'0')?;
        let mut end = integer_end;
        if self.peek_at(end) == Some(b'.') {
            end = self.digits_from(end + 1)?;
        }
        when(!matches!(self.peek_at(end), Some(b'e' | b'E')))?;
        self.at = end;
        match must {
            Must::Count => {
                when(first != b'-' && end == integer_end)?;
                self.text[start..end].parse::<u64>().ok().map(drop)
            }
            Must::Any => when(end - start <= LONGEST_NUMBER),
            _ => None,
        }
    }

    /// The end of the one or more digits from `from`.
    fn digits_from(&self, from: usize) -> Option<usize> {
        let run = self
            .bytes()
            .get(from..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        when(run > 0)?;
        Some(from + run)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::as_sent::{page, reference};
    use crate::model::serde_util::Shape;

    /// A one-user page with `attribute` (text after the user's `userName`).
    fn with(attribute: &str) -> String {
        format!(r#"{{"totalResults": 1, "Resources": [{{"userName": "a"{attribute}}}]}}"#)
    }

    /// The scan's answer, checked against the reference: never more, the same unless
    /// `refused_only_here`.
    fn scan(text: &str, refused_only_here: bool) -> bool {
        let (scan, reference) = (page(text, Shape::User), reference::page(text, Shape::User));
        assert!(
            !scan || reference,
            "the scan took what its reference refuses: {text}"
        );
        if refused_only_here {
            assert!(reference && !scan, "{text}");
        } else {
            assert_eq!(scan, reference, "{text}");
        }
        scan
    }

    #[test]
    fn strings_are_json_strings_as_serde_json_reads_them() {
        for kept in [
            r#""caf\u00e9 \"q\" \\ \/ \b\f\n\r\t""#,
            r#""\ud83d\ude00""#,
            "\"\u{e9}\u{1f600} long enough to take more than eight bytes at a time\"",
            r#""""#,
        ] {
            assert!(scan(
                &with(&format!(r#", "x": {kept}, "title": {kept}"#)),
                false
            ));
        }
        for lossy in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800x""#,
            r#""\x""#,
            r#""\u12g4""#,
            r#""\u12""#,
            "\"tab\there\"",
            "\"new\nline\"",
            r#""open"#,
            r#""\"#,
        ] {
            assert!(
                !scan(&with(&format!(r#", "x": {lossy}"#)), false),
                "{lossy}"
            );
        }
    }

    #[test]
    fn numbers_are_counts_where_the_model_counts_and_json_numbers_where_kept() {
        for (count, ok) in [
            ("0", true),
            ("18446744073709551615", true),
            ("18446744073709551616", false),
            ("01", false),
            ("-0", false),
            ("-1", false),
            ("1.0", false),
            ("1.", false),
            ("1e3", false),
            ("+1", false),
            ("1x", false),
        ] {
            let text = format!(r#"{{"totalResults": {count}, "Resources": []}}"#);
            assert_eq!(scan(&text, false), ok, "{count}");
        }
        for kept in ["0", "-0", "-12.50", "123456789012345678901234567890"] {
            assert!(scan(&with(&format!(r#", "x": [{kept}]"#)), false), "{kept}");
        }
        for malformed in ["01", "-", "1.", ".5", "--1", "1.2.3", "0x1"] {
            assert!(!scan(&with(&format!(r#", "x": [{malformed}]"#)), false));
        }
        // Numbers serde_json reads that the scan leaves to the decode.
        for refused in ["1e3", "1.5E-7", &"9".repeat(301)] {
            assert!(
                !scan(&with(&format!(r#", "x": {refused}"#)), true),
                "{refused}"
            );
        }
    }

    #[test]
    fn structure_whitespace_and_the_end_are_json_as_serde_json_reads_it() {
        let spaced = " {\n\t\"Resources\" :\r[ { \"userName\" : \"a\" , \"x\" : [ ] } ] } \n";
        assert!(scan(spaced, false));
        for malformed in [
            "",
            "[]",
            r#"{"Resources": []"#,
            r#"{"Resources": [],}"#,
            r#"{"Resources": [] "totalResults": 1}"#,
            r#"{"Resources" []}"#,
            r#"{"Resources": [{"userName": "a",}]}"#,
            r#"{"Resources": [{"userName": "a"},]}"#,
            r#"{"Resources": [{"userName": "a"}]} {}"#,
            r#"{"Resources": [{"userName": "a", "x": tru}]}"#,
            r#"{"Resources": [{"userName": "a", "x": nul}]}"#,
            r#"{"Resources": [{"userName": "a", "active": True}]}"#,
            r#"{"Resources": [{"userName": "a", "x": {"k" 1}}]}"#,
            "{\"Resources\": [{\"userName\": \"a\"}]}\u{b}",
        ] {
            assert!(!scan(malformed, false), "{malformed}");
        }
        // Nesting kept as sent: as deep as the scan follows, then left to the decode.
        let nested = |depth: usize| {
            let (open, close) = ("[".repeat(depth), "]".repeat(depth));
            with(&format!(r#", "x": {open}{close}"#))
        };
        assert!(scan(&nested(super::DEEPEST as usize - 3), false));
        assert!(!scan(&nested(super::DEEPEST as usize + 1), true));
        assert!(!scan(&nested(100_000), false));
    }

    #[test]
    fn a_key_written_with_an_escape_is_left_to_the_decode() {
        assert!(!scan(r#"{"Resources": [{"user\u004eame": "a"}]}"#, true));
        // Inside an attribute kept as sent, any key is.
        assert!(scan(&with(r#", "x": {"k\u0041\n": 1}"#), false));
    }
}
