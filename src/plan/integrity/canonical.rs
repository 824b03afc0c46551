//! Canonical JSON for the plan `digest`: objects with keys sorted by code point, no
//! whitespace, integral numbers as integers. [`write_canonical`] defines it over a `Value`;
//! [`Canonical`] writes the same bytes in one pass over serde_json's text, which the plan
//! digest uses (the `Value` round trip of every step was a sixth of planning time).

use std::cmp::Ordering;
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use crate::sorting;

/// Canonical JSON of serializable values, written from serde_json's compact text in one
/// pass, without building a `Value` tree: strings, integers and literals are copied as they
/// stand (serde_json writes each the way it would write it again); an object's entries are
/// written as they come and, when their keys are out of order, moved into order. What the
/// pass does not take on, a key twice in one object or text it does not expect, goes
/// through `Value` ([`write_canonical`]), the definition the pass is tested against.
#[derive(Default)]
pub(super) struct Canonical {
    text: Vec<u8>,
    out: Vec<u8>,
    /// Where the entries of the objects being written are: (key in `text`, entry in `out`),
    /// innermost object last.
    entries: Vec<(Range<usize>, Range<usize>)>,
    /// The entries of an object being put in order.
    scratch: Vec<u8>,
}

impl Canonical {
    /// The canonical JSON of `v`.
    pub(super) fn write<T: Serialize + ?Sized>(&mut self, v: &T) -> &[u8] {
        self.text.clear();
        self.out.clear();
        self.entries.clear();
        // Serializing the plan's types into memory cannot fail.
        let _ = serde_json::to_writer(&mut self.text, v);
        if self.value(0) != Some(self.text.len()) {
            // Its JSON parses back.
            let value: Value = serde_json::from_slice(&self.text).unwrap_or_default();
            self.out.clear();
            write_canonical(&mut self.out, &value);
        }
        &self.out
    }

    /// Writes the canonical form of the value starting at `at` in `text`; returns where the
    /// value ends, or `None` for what is left to `Value`.
    fn value(&mut self, at: usize) -> Option<usize> {
        let text = &self.text;
        match *text.get(at)? {
            b'{' => self.object(at),
            b'[' => {
                self.out.push(b'[');
                let mut i = at + 1;
                if text.get(i) != Some(&b']') {
                    loop {
                        i = self.value(i)?;
                        match self.text.get(i) {
                            Some(b',') => {
                                self.out.push(b',');
                                i += 1;
                            }
                            Some(b']') => break,
                            _ => return None,
                        }
                    }
                }
                self.out.push(b']');
                Some(i + 1)
            }
            b'"' => {
                let end = string_end(text, at)?;
                self.out.extend_from_slice(&text[at..end]);
                Some(end)
            }
            first => {
                let len = text[at..]
                    .iter()
                    .position(|c| matches!(c, b',' | b'}' | b']'))
                    .unwrap_or(text.len() - at);
                let token = &text[at..at + len];
                match first {
                    b't' | b'f' | b'n' => self.out.extend_from_slice(token),
                    // Up to 18 digits is an integer that `Value` keeps as one and writes
                    // back as it stands; a fraction or an exponent (a float) is written as
                    // `Value` writes it.
                    b'-' | b'0'..=b'9'
                        if len <= 18 && token.iter().all(|&c| c == b'-' || c.is_ascii_digit()) =>
                    {
                        self.out.extend_from_slice(token)
                    }
                    b'-' | b'0'..=b'9' => {
                        write_canonical(&mut self.out, &serde_json::from_slice(token).ok()?)
                    }
                    _ => return None,
                }
                Some(at + len)
            }
        }
    }

    fn object(&mut self, at: usize) -> Option<usize> {
        let base = self.entries.len();
        self.out.push(b'{');
        let first = self.out.len();
        let mut i = at + 1;
        let end = if self.text.get(i) == Some(&b'}') {
            i + 1
        } else {
            loop {
                if self.text.get(i) != Some(&b'"') {
                    return None;
                }
                let key_end = string_end(&self.text, i)?;
                if self.text.get(key_end) != Some(&b':') {
                    return None;
                }
                let start = self.out.len();
                self.out.extend_from_slice(&self.text[i..=key_end]);
                let value_end = self.value(key_end + 1)?;
                self.entries.push((i..key_end, start..self.out.len()));
                match self.text.get(value_end) {
                    Some(b',') => {
                        self.out.push(b',');
                        i = value_end + 1;
                    }
                    Some(b'}') => break value_end + 1,
                    _ => return None,
                }
            }
        };
        let text = &self.text;
        let object = &mut self.entries[base..];
        let ordered = |o: &[(Range<usize>, Range<usize>)]| {
            o.windows(2)
                .all(|w| key_order(text, &w[0].0, &w[1].0).is_lt())
        };
        if !ordered(object) {
            sorting::sort_by(object, |a, b| key_order(text, &a.0, &b.0));
            if !ordered(object) {
                // A key twice.
                return None;
            }
            // Rewrite the entries in key order.
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.out[first..]);
            self.out.truncate(first);
            for (k, (_, entry)) in object.iter().enumerate() {
                if k > 0 {
                    self.out.push(b',');
                }
                self.out
                    .extend_from_slice(&self.scratch[entry.start - first..entry.end - first]);
            }
        }
        self.out.push(b'}');
        self.entries.truncate(base);
        Some(end)
    }
}

/// Where the JSON string starting at `at` (its opening quote) ends, after its closing quote.
/// Most of a plan's text is strings: they are crossed eight bytes at a time to the next
/// quote or backslash.
fn string_end(text: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        while let Some(chunk) = text.get(i..i + 8) {
            let found =
                quote_or_backslash(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
            if found != 0 {
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *text.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// The high bit of each byte of `w` (eight bytes, little-endian) that is a quote or a
/// backslash, exactly for the first such byte: the classic zero-byte test, whose borrow can
/// only mark bytes after a true one.
fn quote_or_backslash(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))
}

/// Orders two keys (spans of `text`, quoted) by code point, as `Value`'s maps order them.
fn key_order(text: &[u8], a: &Range<usize>, b: &Range<usize>) -> Ordering {
    let (a, b) = (&text[a.clone()], &text[b.clone()]);
    if a.contains(&b'\\') || b.contains(&b'\\') {
        // An escaped key (a quote, a backslash, a control character): compare what it says.
        let decode = |k: &[u8]| serde_json::from_slice::<String>(k).unwrap_or_default();
        decode(a).cmp(&decode(b))
    } else {
        // Unescaped, a key's text between its quotes is its UTF-8, which orders by code point.
        a[1..a.len() - 1].cmp(&b[1..b.len() - 1])
    }
}

/// Writes `v` as canonical JSON: object keys sorted by code point, no whitespace, strings
/// escaped as serde_json escapes them, integral floats as integers.
fn write_canonical(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            sorting::sort_by(&mut entries, |a, b| a.0.cmp(b.0));
            out.extend_from_slice(b"{");
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",");
                }
                let _ = serde_json::to_writer(&mut *out, k);
                out.extend_from_slice(b":");
                write_canonical(out, v);
            }
            out.extend_from_slice(b"}");
        }
        Value::Array(items) => {
            out.extend_from_slice(b"[");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",");
                }
                write_canonical(out, v);
            }
            out.extend_from_slice(b"]");
        }
        // An integral float is written as the integer JavaScript writes for it (`2.0` is `2`
        // after `JSON.parse` and `JSON.stringify`), so a plan file that went through a
        // JavaScript host keeps its digest.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < MAX_SAFE_INTEGER => {
                let _ = serde_json::to_writer(&mut *out, &(f as i64));
            }
            _ => {
                let _ = serde_json::to_writer(&mut *out, n);
            }
        },
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// 2^53: JavaScript's numbers hold every integer below it exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Map};

    use super::*;

    /// The plan digest as first defined: each step through JSON text and `Value` into
    /// canonical JSON, the definition [`Canonical`] must reproduce byte for byte.
    fn reference_canonical<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        let value: Value = serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap();
        let mut out = Vec::new();
        write_canonical(&mut out, &value);
        out
    }

    #[test]
    fn an_integral_float_digests_as_the_integer_a_javascript_round_trip_makes_of_it() {
        let canonical = |text: &str| {
            let mut out = Vec::new();
            write_canonical(&mut out, &serde_json::from_str(text).unwrap());
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            canonical(r#"{"b":2.0,"a":[-0.0,1.5]}"#),
            r#"{"a":[0,1.5],"b":2}"#
        );
        assert_eq!(
            canonical(r#"{"b":2,"a":[0,1.5]}"#),
            r#"{"a":[0,1.5],"b":2}"#
        );
    }

    #[test]
    fn a_key_twice_in_one_object_is_written_as_value_reads_it() {
        #[derive(Serialize)]
        struct Twice {
            b: u8,
            a: u8,
            #[serde(flatten)]
            rest: Map<String, Value>,
        }
        let v = Twice {
            b: 1,
            a: 2,
            rest: [("b".to_owned(), json!(3))].into_iter().collect(),
        };
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"b":1,"a":2,"b":3}"#);
        let mut canon = Canonical::default();
        assert_eq!(canon.write(&v), br#"{"a":2,"b":3}"#);
    }

    /// Strings from a small pool, so that equal values are common, with the characters JSON
    /// escapes and some beyond ASCII.
    pub(in crate::plan::integrity) fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[ab]{1,2}",
            Just("a\"b".to_owned()),
            Just("a\\b".to_owned()),
            Just("\u{1}".to_owned()),
            Just("é".to_owned()),
            Just("\u{10000}".to_owned()),
            Just("\u{e000}".to_owned()),
        ]
    }

    /// Any JSON value, with numbers `Value` writes in every way (integers past i64, floats
    /// integral or not, -0.0, huge ones).
    pub(in crate::plan::integrity) fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            prop_oneof![
                any::<f64>(),
                (-1e6f64..1e6).prop_map(f64::trunc),
                Just(-0.0),
                Just(1e300),
                Just(9_007_199_254_740_993.0),
            ]
            .prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::vec((text(), inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// A shape whose fields come out of key order, with flattened keys that may repeat one.
    #[derive(Debug, Serialize)]
    struct Shape {
        z: Value,
        a: Option<String>,
        #[serde(flatten)]
        rest: Map<String, Value>,
        list: Vec<Value>,
    }

    fn shape() -> impl Strategy<Value = Shape> {
        (
            json_value(),
            proptest::option::of(text()),
            proptest::collection::vec(
                (
                    prop_oneof![text(), Just("z".to_owned()), Just("list".to_owned())],
                    json_value(),
                ),
                0..4,
            ),
            proptest::collection::vec(json_value(), 0..3),
        )
            .prop_map(|(z, a, rest, list)| Shape {
                z,
                a,
                rest: rest.into_iter().collect(),
                list,
            })
    }

    /// Where a string ends, a byte at a time: the reference for `string_end`.
    fn string_end_bytewise(text: &[u8], at: usize) -> Option<usize> {
        let mut i = at + 1;
        loop {
            match *text.get(i)? {
                b'"' => return Some(i + 1),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
    }

    proptest! {
        /// The word-at-a-time scan ends a string where the byte loop does, whatever comes
        /// before and after the quotes, escapes and bytes near them (and when none ends it).
        #[test]
        fn strings_end_where_the_byte_loop_ends_them(
            text in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'!'), Just(b'#'), Just(b'['), Just(b']'), Just(0xA2u8), any::<u8>()],
                0..40,
            ),
            at in 0usize..40,
        ) {
            prop_assert_eq!(string_end(&text, at), string_end_bytewise(&text, at));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn the_canonical_pass_writes_what_value_writes(v in json_value(), s in shape()) {
            let mut canon = Canonical::default();
            prop_assert_eq!(canon.write(&v), &reference_canonical(&v)[..]);
            prop_assert_eq!(canon.write(&s), &reference_canonical(&s)[..]);
        }
    }
}
