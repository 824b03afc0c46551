//! Renders a [`Filter`] to its RFC 7644 text form.
//!
//! String literals are written as JSON strings (escaping `"`, `\` and control characters), so
//! no value can end its literal early. Parentheses are added exactly where the parser's
//! precedence (`not` > `and` > `or`, both left-associative) would otherwise regroup the tree,
//! which makes `parse(render(f)) == f` hold for every filter.

use std::fmt::{self, Display, Formatter, Write};

use super::{AttrPath, CompValue, Filter};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            f.write_char(':')?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub_attr {
            f.write_char('.')?;
            f.write_str(sub)?;
        }
        Ok(())
    }
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Str(s) => write_json_string(f, s),
            CompValue::Number(n) => f.write_str(n),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Null => f.write_str("null"),
        }
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.keyword()),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::And(left, right) => {
                write_operand(f, left, matches!(**left, Filter::Or(..)))?;
                f.write_str(" and ")?;
                write_operand(
                    f,
                    right,
                    matches!(**right, Filter::Or(..) | Filter::And(..)),
                )
            }
            Filter::Or(left, right) => {
                write_operand(f, left, false)?;
                f.write_str(" or ")?;
                write_operand(f, right, matches!(**right, Filter::Or(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

fn write_operand(f: &mut Formatter<'_>, operand: &Filter, parenthesize: bool) -> fmt::Result {
    if parenthesize {
        write!(f, "({operand})")
    } else {
        write!(f, "{operand}")
    }
}

/// `attr[sub eq "value"]`: the value path (RFC 7644 §3.5.2) that picks the entries of a
/// multi-valued attribute whose `sub` is `value`, as a PATCH names the member it removes.
/// The text of that [`Filter::ValuePath`], written without building the filter (a plan
/// that removes 25,000 members writes 25,000 of these).
pub(crate) fn value_path_eq(attr: &str, sub: &str, value: &str) -> String {
    let mut path = String::with_capacity(attr.len() + sub.len() + value.len() + 8);
    path.push_str(attr);
    path.push('[');
    path.push_str(sub);
    path.push_str(" eq ");
    // Writing into a String cannot fail.
    let _ = write_json_string(&mut path, value);
    path.push(']');
    path
}

/// Writes `s` as a JSON string literal, the `compValue` string form of RFC 7644: the runs
/// between characters to escape as they stand.
fn write_json_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{08}' => Some("\\b"),
            '\u{0C}' => Some("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => None,
            _ => continue,
        };
        f.write_str(&s[run..i])?;
        run = i + c.len_utf8();
        match escaped {
            Some(escape) => f.write_str(escape)?,
            None => write!(f, "\\u{:04x}", c as u32)?,
        }
    }
    f.write_str(&s[run..])?;
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{AttrPath, CompareOp, Filter};
    use super::value_path_eq;

    proptest! {
        /// The value path written directly is the filter's rendering, for any value
        /// (quotes, backslashes, control characters, any Unicode).
        #[test]
        fn a_value_path_is_written_as_its_filter_renders(value in any::<String>()) {
            let filter = Filter::ValuePath {
                path: AttrPath::new("members"),
                filter: Box::new(Filter::eq("value", value.as_str())),
            };
            prop_assert_eq!(value_path_eq("members", "value", &value), filter.to_string());
        }
    }

    #[test]
    fn escapes_quotes_and_backslashes() {
        let f = Filter::eq("userName", r#"a"b\c"#);
        assert_eq!(f.to_string(), r#"userName eq "a\"b\\c""#);
    }

    #[test]
    fn injection_attempt_stays_inside_the_literal() {
        let f = Filter::eq("userName", r#"x") or (userName pr"#);
        assert_eq!(f.to_string(), r#"userName eq "x\") or (userName pr""#);
    }

    #[test]
    fn parenthesizes_only_where_precedence_requires() {
        let a = || Filter::present("a");
        let b = || Filter::present("b");
        let c = || Filter::present("c");
        assert_eq!(a().and(b()).and(c()).to_string(), "a pr and b pr and c pr");
        assert_eq!(
            a().and(b().and(c())).to_string(),
            "a pr and (b pr and c pr)"
        );
        assert_eq!(a().or(b()).and(c()).to_string(), "(a pr or b pr) and c pr");
        assert_eq!(a().and(b()).or(c()).to_string(), "a pr and b pr or c pr");
        assert_eq!(a().or(b().or(c())).to_string(), "a pr or (b pr or c pr)");
        assert_eq!(a().negate().to_string(), "not (a pr)");
        assert_eq!(
            Filter::compare("name.givenName", CompareOp::Sw, "J").to_string(),
            r#"name.givenName sw "J""#
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        let f = Filter::eq("userName", "a\u{1}\n");
        assert_eq!(f.to_string(), r#"userName eq "a\u0001\n""#);
    }
}
