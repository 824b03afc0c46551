//! Canonical JSON for the plan `digest`: objects with keys sorted by code point, no
//! whitespace, integral numbers as integers. [`write_canonical`] defines it over a `Value`;
//! [`Canonical`] writes the same bytes as serde serializes, without a `Value` or a second
//! pass over text (the `Value` round trip of every step was a sixth of planning time, and a
//! pass over serde_json's text a fifth of the plan digest).

use std::cmp::Ordering;
use std::io;
use std::ops::Range;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use serde_json::Value;

use crate::sorting;

/// Canonical JSON of serializable values. A serde_json [`Formatter`] that writes into its
/// own buffer: serde_json sends every byte it writes through its formatter, so the writer it
/// is given is a sink. Strings, integers and literals are written as serde_json writes
/// them (as `Value` would write them again); an object's entries are written as they come
/// and, when their keys are out of order, moved into order as it closes. What it does not
/// take on, a key twice in one object or a number `Value` would read otherwise (128-bit
/// integers, `f32`s, raw text), goes through `Value` ([`write_canonical`]), the definition
/// it is tested against.
#[derive(Default)]
pub(super) struct Canonical {
    out: Vec<u8>,
    /// Where the entries of the objects being written are: (key, entry), both in `out`,
    /// innermost object last.
    entries: Vec<(Range<usize>, Range<usize>)>,
    /// Per object being written: where its entries start in `entries`.
    objects: Vec<usize>,
    /// Where the entry whose key is being written starts.
    entry: usize,
    /// Per entry whose value is being written: its key, and where the entry starts;
    /// innermost last.
    values: Vec<(Range<usize>, usize)>,
    /// Inside a key: numbers there are text, kept as written.
    in_key: bool,
    /// Something only `Value` writes canonically was met.
    fallback: bool,
    /// The entries of an object being put in order.
    scratch: Vec<u8>,
}

impl Canonical {
    /// The canonical JSON of `v`.
    pub(super) fn write<T: Serialize + ?Sized>(&mut self, v: &T) -> &[u8] {
        self.out.clear();
        self.entries.clear();
        self.objects.clear();
        self.values.clear();
        self.fallback = false;
        // Serializing the plan's types cannot fail.
        let mut ser = serde_json::Serializer::with_formatter(io::sink(), &mut *self);
        let _ = v.serialize(&mut ser);
        if self.fallback {
            // Its JSON parses back.
            let text = serde_json::to_vec(v).unwrap_or_default();
            let value: Value = serde_json::from_slice(&text).unwrap_or_default();
            self.out.clear();
            write_canonical(&mut self.out, &value);
        }
        &self.out
    }

    /// Puts the entries of the object closing now in key order, if they are not.
    fn order_object(&mut self) {
        let base = self.objects.pop().unwrap_or_default();
        let out = &self.out;
        let object = &mut self.entries[base..];
        let ordered = |o: &[(Range<usize>, Range<usize>)]| {
            o.windows(2)
                .all(|w| key_order(out, &w[0].0, &w[1].0).is_lt())
        };
        if !ordered(object) {
            sorting::sort_by(object, |a, b| key_order(out, &a.0, &b.0));
            if !ordered(object) {
                // A key twice.
                self.fallback = true;
            } else if let Some(first) = object.iter().map(|(_, e)| e.start).min() {
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
        }
        self.entries.truncate(base);
    }
}

/// Writes through serde_json's own compact formatter, into the buffer; `true` marks what
/// `Value` would read otherwise than serde_json wrote it (128-bit integers, `f32`s, number
/// and raw text), so that the whole value is written through `Value`.
macro_rules! compact {
    ($fallback:literal: $($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, _: &mut W, $($arg: $ty),*) -> io::Result<()> {
            self.fallback |= $fallback;
            CompactFormatter.$name(&mut self.out, $($arg),*)
        }
    )*};
}

impl Formatter for &mut Canonical {
    compact! { false:
        write_null();
        write_bool(value: bool);
        write_i8(value: i8);
        write_i16(value: i16);
        write_i32(value: i32);
        write_i64(value: i64);
        write_u8(value: u8);
        write_u16(value: u16);
        write_u32(value: u32);
        write_u64(value: u64);
        begin_string();
        end_string();
        write_string_fragment(fragment: &str);
        write_char_escape(char_escape: CharEscape);
        begin_array();
        end_array();
        begin_array_value(first: bool);
    }

    compact! { true:
        write_i128(value: i128);
        write_u128(value: u128);
        write_f32(value: f32);
        write_number_str(value: &str);
        write_raw_fragment(fragment: &str);
    }

    /// A float as `write_canonical` writes what serde_json reads of its text (serde_json
    /// reads floats fast, not always to the nearest: the definition is what it reads).
    /// Plans hold few floats, if any.
    fn write_f64<W: ?Sized + io::Write>(&mut self, _: &mut W, value: f64) -> io::Result<()> {
        if self.in_key {
            return CompactFormatter.write_f64(&mut self.out, value);
        }
        let mut text = Vec::new();
        CompactFormatter.write_f64(&mut text, value)?;
        let read: Value = serde_json::from_slice(&text).unwrap_or_default();
        write_canonical(&mut self.out, &read);
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.objects.push(self.entries.len());
        CompactFormatter.begin_object(&mut self.out)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.order_object();
        CompactFormatter.end_object(&mut self.out)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        first: bool,
    ) -> io::Result<()> {
        CompactFormatter.begin_object_key(&mut self.out, first)?;
        self.entry = self.out.len();
        self.in_key = true;
        Ok(())
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.values.push((self.entry..self.out.len(), self.entry));
        self.in_key = false;
        Ok(())
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.begin_object_value(&mut self.out)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        // Entries nested in the value were ordered and dropped as their objects closed.
        if let Some((key, start)) = self.values.pop() {
            self.entries.push((key, start..self.out.len()));
        }
        Ok(())
    }
}

/// Orders two keys (spans of `text`, quoted) by code point, as `Value`'s maps order them.
fn key_order(text: &[u8], a: &Range<usize>, b: &Range<usize>) -> Ordering {
    let (quoted_a, quoted_b) = (&text[a.clone()], &text[b.clone()]);
    let (a, b) = (unquoted(quoted_a), unquoted(quoted_b));
    // Up to the first byte where they differ the keys are one text, which says the same in
    // both; from there on, an unescaped key's text is its UTF-8, which orders by code point,
    // so the first differing bytes decide (a key that ends first is the lesser). An escape
    // (a quote, a backslash, a control character) at or before that byte may order
    // otherwise than its text: compare what the keys say.
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (next_a, next_b) = (a.get(same), b.get(same));
    if a[..same].contains(&b'\\') || next_a == Some(&b'\\') || next_b == Some(&b'\\') {
        let decode = |k: &[u8]| serde_json::from_slice::<String>(k).unwrap_or_default();
        decode(quoted_a).cmp(&decode(quoted_b))
    } else {
        next_a.cmp(&next_b)
    }
}

/// A key's text between its quotes.
fn unquoted(key: &[u8]) -> &[u8] {
    &key[1..key.len() - 1]
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
    fn nested_objects_are_ordered_each_in_place() {
        #[derive(Serialize)]
        struct Inner {
            d: u8,
            c: Vec<Value>,
        }
        #[derive(Serialize)]
        struct Outer {
            b: Inner,
            a: Option<f64>,
            #[serde(rename = "é")]
            accent: bool,
            #[serde(rename = "a\"")]
            quoted: (),
        }
        let v = Outer {
            b: Inner {
                d: 1,
                c: vec![json!({"f": 1, "e": {"h": 2.0, "g": -0.0}}), json!("x")],
            },
            a: Some(0.5),
            accent: true,
            quoted: (),
        };
        let mut canon = Canonical::default();
        let written = canon.write(&v).to_vec();
        assert_eq!(
            String::from_utf8(written.clone()).unwrap(),
            r#"{"a":0.5,"a\"":null,"b":{"c":[{"e":{"g":0,"h":2},"f":1},"x"],"d":1},"é":true}"#
        );
        assert_eq!(written, reference_canonical(&v));
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
    /// escapes and some beyond ASCII; `A`, `a"`, `a\n` and `a]` order otherwise escaped (a
    /// backslash, 0x5C) than said (a quote or a newline, below `A`; `]`, 0x5D).
    pub(in crate::plan::integrity) fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[ab]{1,2}",
            "[Aa](\"|\n|])?",
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

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn the_canonical_formatter_writes_what_value_writes(v in json_value(), s in shape()) {
            let mut canon = Canonical::default();
            prop_assert_eq!(canon.write(&v), &reference_canonical(&v)[..]);
            prop_assert_eq!(canon.write(&s), &reference_canonical(&s)[..]);
        }
    }
}
