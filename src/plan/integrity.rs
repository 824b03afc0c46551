//! Tamper evidence for saved plans: what a plan's `digest` and `stateDigest` cover, and the
//! checks that say precisely why a reviewed plan is refused.
//!
//! A plan is reviewed as a file and applied later, so the file can be edited in between
//! (by mistake or to hide a deactivation). Three things protect it:
//!
//! - every figure the plan shows (its `summary`) is recomputed from its actions whenever a
//!   plan is decoded, so an edited figure is simply replaced;
//! - `digest`, the hex SHA-256 of the canonical JSON of its `actions` and its `blocked`
//!   guards (objects with keys sorted by code point, no whitespace, integral numbers as
//!   integers), detects an edited action, or a guard deleted to slip a plan past review,
//!   before anything is sent ([`check_integrity`]). The canonical JSON is written in one
//!   pass over serde_json's text ([`Canonical`]); the definition is the `Value` rewrite
//!   ([`write_canonical`]), which a property test holds the pass to byte for byte;
//! - `stateDigest` tells apart, when the fresh plan of a reviewed plan's run differs from
//!   it, a server that changed from a directory or policy that is not the one the plan was
//!   made from ([`check_approval`]). It covers the server state as the planner reads it:
//!   the listed users and groups that have ids (in id order, the first of a repeated id),
//!   each user's attributes the planner reads, each group's display name, externalId and
//!   member ids (in any order), and whether the listing was complete. It is the hex
//!   XXH3-128 of an unambiguous binary encoding of those ([`StateEncoder`]), not a
//!   cryptographic hash: it detects change, it does not stand against forgery, and it needs
//!   none, since either answer refuses the plan and only the reason differs. Hashing the
//!   listing's JSON with SHA-256, as earlier builds did, took a quarter of the planning
//!   time (far more in WebAssembly, which has no SHA instructions). A plan saved by such a
//!   build keeps its valid `digest`, but its `stateDigest` matches no new one: if its
//!   fresh plan differs, it is refused as `serverChanged` even when only the inputs did.
//!
//! A plan without a digest (made before plans carried one) is refused: it cannot be shown
//! to be the plan that was reviewed.

use std::cmp::Ordering;
use std::ops::Range;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::{xxh3_128, Xxh3Default};

use super::{ActualState, Blocked, Plan, Step};
use crate::model::{EnterpriseUser, Group, Manager, MultiValue, Name, User};
use crate::sorting;

/// Why a reviewed plan is not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// The plan carries no `digest`: it was made by a version that did not write one.
    #[error("the plan file carries no digest (it was made by an older version of scim-provision); plan again and review")]
    NoDigest,
    /// The plan's actions do not match its `digest`.
    #[error("the plan file was edited after it was made (its actions or guards no longer match its digest)")]
    Edited,
    /// The server state differs from the one the plan was made from, and so does the plan.
    #[error("the server changed since the plan was made; plan again and review")]
    ServerChanged,
    /// The server state is the one the plan was made from, but the directory or policy
    /// given makes a different plan.
    #[error("the directory or policy given is not the one the plan was made from; plan again and review")]
    InputsChanged,
}

impl ReviewError {
    /// The error's code, as faults and reports name it.
    pub fn code(self) -> &'static str {
        match self {
            ReviewError::NoDigest => "planWithoutDigest",
            ReviewError::Edited => "planEdited",
            ReviewError::ServerChanged => "serverChanged",
            ReviewError::InputsChanged => "inputsChanged",
        }
    }

    /// What a run that re-plans (`replan`) warns instead of refusing; `None` when the plan
    /// must be refused even then (an edited plan: what was reviewed is unknown).
    pub fn replan_warning(self) -> Option<&'static str> {
        match self {
            ReviewError::ServerChanged => {
                Some("the server changed since the plan was reviewed; applying the fresh plan")
            }
            ReviewError::InputsChanged => Some(
                "the directory or policy given is not the one the plan was made from; applying the fresh plan",
            ),
            ReviewError::NoDigest | ReviewError::Edited => None,
        }
    }
}

/// The hex SHA-256 of the canonical JSON of `{"actions": actions, "blocked": blocked}`.
pub fn plan_digest(actions: &[Step], blocked: &[Blocked]) -> String {
    // Step by step, so no copy of the whole plan is held.
    let mut h = Sha256::new();
    let mut canon = Canonical::default();
    h.update(br#"{"actions":["#);
    for (i, step) in actions.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        h.update(canon.write(step));
    }
    h.update(br#"],"blocked":"#);
    h.update(canon.write(blocked));
    h.update(b"}");
    hex(h.finalize().as_slice())
}

/// Checks that `plan`'s actions and guards are the ones its `digest` was made over.
///
/// # Errors
///
/// [`ReviewError::NoDigest`] for a plan without a digest, [`ReviewError::Edited`] when its
/// actions or guards do not match it.
pub fn check_integrity(plan: &Plan) -> Result<(), ReviewError> {
    match plan.digest.as_deref() {
        None | Some("") => Err(ReviewError::NoDigest),
        Some(d) if d.eq_ignore_ascii_case(&plan_digest(&plan.actions, &plan.blocked)) => Ok(()),
        Some(_) => Err(ReviewError::Edited),
    }
}

/// Checks that `approved` (a reviewed plan) may be applied, given `fresh`, the plan made
/// just now from the server's current state and the directory and policy of the run.
///
/// # Errors
///
/// The first that holds: [`check_integrity`]'s errors; [`ReviewError::ServerChanged`] when
/// the plans differ (actions or guards) and so do their state digests;
/// [`ReviewError::InputsChanged`] when the plans differ over the same state.
pub fn check_approval(approved: &Plan, fresh: &Plan) -> Result<(), ReviewError> {
    check_integrity(approved)?;
    if approved.actions == fresh.actions && approved.blocked == fresh.blocked {
        Ok(())
    } else if approved.state_digest != fresh.state_digest {
        Err(ReviewError::ServerChanged)
    } else {
        Err(ReviewError::InputsChanged)
    }
}

/// The hex XXH3-128 of the server state as the planner sees it ([`StateEncoder`]).
pub(crate) fn state_digest(actual: &ActualState) -> String {
    let mut users: Vec<&User> = actual.users.iter().filter(|u| has_id(&u.id)).collect();
    sorting::sort_by(&mut users, |a, b| a.id.cmp(&b.id));
    users.dedup_by(|a, b| a.id == b.id);
    let mut groups: Vec<&Group> = actual.groups.iter().filter(|g| has_id(&g.id)).collect();
    sorting::sort_by(&mut groups, |a, b| a.id.cmp(&b.id));
    groups.dedup_by(|a, b| a.id == b.id);

    let mut e = StateEncoder::default();
    e.byte(u8::from(actual.complete));
    e.len(users.len());
    for u in users {
        e.user(u);
    }
    e.len(groups.len());
    for g in groups {
        // Every field named, so a field added to `Group` must be placed here or left out
        // on purpose (`schemas`, `meta` and `extra` are not read by the planner).
        let Group {
            schemas: _,
            id,
            external_id,
            display_name,
            members,
            meta: _,
            extra: _,
        } = g;
        e.opt_str(id);
        e.opt_str(external_id);
        e.str(display_name);
        match members {
            None => e.byte(0),
            Some(members) => {
                e.byte(1);
                e.member_ids(members.iter().map(|m| m.value.as_str()));
            }
        }
        e.flush_if_full();
    }
    hex(&e.finish().to_be_bytes())
}

/// The state digest's input: a binary encoding of what the planner reads of the listing,
/// hashed a block at a time. Every string is length-prefixed, every optional value and
/// variant tagged, every list counted, so the encoding of a listing is unambiguous: two
/// listings encode alike exactly when their fields are equal. Attribute maps kept as sent
/// (`extra`, Airtable's SSO extension) are rare and go in as their JSON text, length-prefixed.
#[derive(Default)]
struct StateEncoder {
    buf: Vec<u8>,
    hash: Xxh3Default,
}

impl StateEncoder {
    /// Hashing in blocks of this size keeps the buffer small and the hasher's calls few.
    const BLOCK: usize = 1 << 16;

    fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A length or count, as LEB128.
    fn len(&mut self, mut n: usize) {
        while n >= 0x80 {
            self.buf.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: &Option<String>) {
        match s {
            None => self.byte(0),
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
        }
    }

    /// A multiset of member ids (the order they are listed in is not the server's state):
    /// their count and the wrapping sum of their XXH3-128s, which any order of the same ids
    /// shares and a duplicate changes. Sorting a million member ids took as long as
    /// everything else in the digest together.
    fn member_ids<'a>(&mut self, ids: impl Iterator<Item = &'a str>) {
        let (mut count, mut sum) = (0usize, 0u128);
        for id in ids {
            count += 1;
            sum = sum.wrapping_add(xxh3_128(id.as_bytes()));
        }
        self.len(count);
        self.buf.extend_from_slice(&sum.to_le_bytes());
    }

    fn opt_bool(&mut self, b: Option<bool>) {
        self.byte(match b {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
    }

    /// A map of attributes kept as sent: its JSON text (keys in the map's order), counted.
    fn map(&mut self, m: &Map<String, Value>) {
        if m.is_empty() {
            self.len(0);
            return;
        }
        let mut text = Vec::new();
        // Serializing a map into memory cannot fail.
        let _ = serde_json::to_writer(&mut text, m);
        self.len(text.len());
        self.buf.extend_from_slice(&text);
    }

    /// A user: the attributes the planner reads (the managed ones, and those it keeps in
    /// replacements), not `meta`, `schemas` or the read-only `groups`. Every field is named,
    /// so a field added to `User` or its parts must be placed here or left out on purpose.
    fn user(&mut self, u: &User) {
        let User {
            schemas: _,
            id,
            external_id,
            user_name,
            name,
            display_name,
            title,
            locale,
            active,
            emails,
            groups: _,
            meta: _,
            enterprise,
            airtable_sso,
            extra,
        } = u;
        self.opt_str(id);
        self.opt_str(external_id);
        self.str(user_name);
        match name {
            None => self.byte(0),
            Some(Name {
                formatted,
                family_name,
                given_name,
                extra,
            }) => {
                self.byte(1);
                self.opt_str(formatted);
                self.opt_str(family_name);
                self.opt_str(given_name);
                self.map(extra);
            }
        }
        self.opt_str(display_name);
        self.opt_str(title);
        self.opt_str(locale);
        self.opt_bool(*active);
        self.len(emails.len());
        for MultiValue {
            value,
            display,
            kind,
            primary,
            extra,
        } in emails
        {
            self.opt_str(value);
            self.opt_str(display);
            self.opt_str(kind);
            self.opt_bool(*primary);
            self.map(extra);
        }
        match enterprise {
            None => self.byte(0),
            Some(EnterpriseUser {
                employee_number,
                cost_center,
                organization,
                division,
                department,
                manager,
                extra,
            }) => {
                self.byte(1);
                self.opt_str(employee_number);
                self.opt_str(cost_center);
                self.opt_str(organization);
                self.opt_str(division);
                self.opt_str(department);
                match manager {
                    None => self.byte(0),
                    Some(Manager {
                        value,
                        display_name,
                        extra,
                    }) => {
                        self.byte(1);
                        self.opt_str(value);
                        self.opt_str(display_name);
                        self.map(extra);
                    }
                }
                self.map(extra);
            }
        }
        match airtable_sso {
            None => self.byte(0),
            Some(sso) => {
                self.byte(1);
                self.map(sso);
            }
        }
        self.map(extra);
        self.flush_if_full();
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= Self::BLOCK {
            self.hash.update(&self.buf);
            self.buf.clear();
        }
    }

    fn finish(mut self) -> u128 {
        self.hash.update(&self.buf);
        self.hash.digest128()
    }
}

fn has_id(id: &Option<String>) -> bool {
    id.as_deref().is_some_and(|id| !id.is_empty())
}

/// Canonical JSON of serializable values, written from serde_json's compact text in one
/// pass, without building a `Value` tree: strings, integers and literals are copied as they
/// stand (serde_json writes each the way it would write it again); an object's entries are
/// written as they come and, when their keys are out of order, moved into order. What the
/// pass does not take on, a key twice in one object or text it does not expect, goes
/// through `Value` ([`write_canonical`]), the definition the pass is tested against.
#[derive(Default)]
struct Canonical {
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
    fn write<T: Serialize + ?Sized>(&mut self, v: &T) -> &[u8] {
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
fn string_end(text: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        match *text.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
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

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::model::Member;

    /// The plan digest as first defined: each step through JSON text and `Value` into
    /// canonical JSON, the definition [`Canonical`] must reproduce byte for byte.
    fn reference_canonical<T: Serialize + ?Sized>(v: &T) -> Vec<u8> {
        let value: Value = serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap();
        let mut out = Vec::new();
        write_canonical(&mut out, &value);
        out
    }

    /// The state digest as first defined: the hex SHA-256 of the JSON of the listed users
    /// and groups with ids (in id order, first of duplicates), members sorted, and
    /// completeness. The state digest must tell apart exactly the listings this does.
    fn reference_state_digest(actual: &ActualState) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct UserView<'a> {
            id: &'a Option<String>,
            external_id: &'a Option<String>,
            user_name: &'a str,
            name: &'a Option<Name>,
            display_name: &'a Option<String>,
            title: &'a Option<String>,
            locale: &'a Option<String>,
            active: &'a Option<bool>,
            emails: &'a [MultiValue],
            enterprise: &'a Option<EnterpriseUser>,
            airtable_sso: &'a Option<Box<Map<String, Value>>>,
            extra: &'a Map<String, Value>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct GroupView<'a> {
            id: &'a Option<String>,
            external_id: &'a Option<String>,
            display_name: &'a str,
            members: Option<Vec<&'a str>>,
        }
        let mut users: Vec<&User> = actual.users.iter().filter(|u| has_id(&u.id)).collect();
        users.sort_by(|a, b| a.id.cmp(&b.id));
        users.dedup_by(|a, b| a.id == b.id);
        let mut groups: Vec<&Group> = actual.groups.iter().filter(|g| has_id(&g.id)).collect();
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        groups.dedup_by(|a, b| a.id == b.id);
        let users: Vec<UserView> = users
            .into_iter()
            .map(|u| UserView {
                id: &u.id,
                external_id: &u.external_id,
                user_name: &u.user_name,
                name: &u.name,
                display_name: &u.display_name,
                title: &u.title,
                locale: &u.locale,
                active: &u.active,
                emails: &u.emails,
                enterprise: &u.enterprise,
                airtable_sso: &u.airtable_sso,
                extra: &u.extra,
            })
            .collect();
        let groups: Vec<GroupView> = groups
            .into_iter()
            .map(|g| GroupView {
                id: &g.id,
                external_id: &g.external_id,
                display_name: &g.display_name,
                members: g.members.as_ref().map(|ms| {
                    let mut values: Vec<&str> = ms.iter().map(|m| m.value.as_str()).collect();
                    values.sort();
                    values
                }),
            })
            .collect();
        #[derive(Serialize)]
        struct StateView<'a> {
            complete: bool,
            users: Vec<UserView<'a>>,
            groups: Vec<GroupView<'a>>,
        }
        let text = serde_json::to_string(&StateView {
            complete: actual.complete,
            users,
            groups,
        })
        .unwrap();
        hex(Sha256::digest(text.as_bytes()).as_slice())
    }

    #[test]
    fn the_digest_of_nothing_is_the_sha256_of_its_canonical_json() {
        // printf '{"actions":[],"blocked":[]}' | sha256sum
        assert_eq!(
            plan_digest(&[], &[]),
            "5ecf68c10456f8fa0c97cc62c467b427010f946e7c6e4e347abd582ccaef0e57"
        );
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
    fn the_state_digest_ignores_listing_order_and_member_order() {
        let state: ActualState = serde_json::from_str(
            r#"{"complete":true,"users":[{"id":"b","userName":"b"},{"id":"a","userName":"a","meta":{"version":"1"}}],
                "groups":[{"id":"g","displayName":"G","members":[{"value":"a"},{"value":"b"}]}]}"#,
        )
        .unwrap();
        let mut other = state.clone();
        other.users.reverse();
        other.groups[0].members.as_mut().unwrap().reverse();
        other.users[0].meta = None;
        assert_eq!(state_digest(&state), state_digest(&other));
        other.users[0].title = Some("New".into());
        assert_ne!(state_digest(&state), state_digest(&other));
        let mut incomplete = state.clone();
        incomplete.complete = false;
        assert_ne!(state_digest(&state), state_digest(&incomplete));
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

    #[test]
    fn a_state_digest_counts_duplicate_members() {
        let state = |members: &str| -> ActualState {
            serde_json::from_str(&format!(
                r#"{{"complete":true,"users":[],"groups":[{{"id":"g","displayName":"G","members":{members}}}]}}"#
            ))
            .unwrap()
        };
        let digests: Vec<String> = [
            r#"[{"value":"a"},{"value":"b"}]"#,
            r#"[{"value":"a"},{"value":"a"},{"value":"b"}]"#,
            r#"[{"value":"a"},{"value":"b"},{"value":"b"}]"#,
            r#"[]"#,
            r#"null"#,
        ]
        .iter()
        .map(|m| state_digest(&state(m)))
        .collect();
        for (i, a) in digests.iter().enumerate() {
            assert_eq!(a.len(), 32);
            for b in &digests[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    /// Strings from a small pool, so that equal values are common, with the characters JSON
    /// escapes and some beyond ASCII.
    fn text() -> impl Strategy<Value = String> {
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
    fn json_value() -> impl Strategy<Value = Value> {
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

    /// A listing as a server sends it: ids from a small pool (so some repeat or are
    /// missing), every attribute the state digest covers and some it does not.
    fn listing() -> impl Strategy<Value = ActualState> {
        let id = || proptest::option::of(prop_oneof![Just("u1"), Just("u2"), Just("u3"), Just("")]);
        let opt_text = || proptest::option::of(text());
        let user = (
            (id(), text(), opt_text(), opt_text(), opt_text(), opt_text()),
            (
                proptest::option::of(any::<bool>()),
                opt_text(),
                opt_text(),
                opt_text(),
            ),
            (
                opt_text(),
                proptest::option::of(json_value()),
                proptest::option::of(json_value()),
            ),
            (opt_text(), opt_text()),
        )
            .prop_map(
                |(
                    (id, user_name, external_id, display_name, title, locale),
                    (active, given, email, department),
                    (manager, sso, custom),
                    (version, group),
                )| {
                    let mut u = Map::new();
                    let mut put = |k: &str, v: Option<Value>| {
                        if let Some(v) = v {
                            u.insert(k.to_owned(), v);
                        }
                    };
                    put("id", id.map(Value::from));
                    put("userName", Some(user_name.into()));
                    put("externalId", external_id.map(Value::from));
                    put("displayName", display_name.map(Value::from));
                    put("title", title.map(Value::from));
                    put("locale", locale.map(Value::from));
                    put("active", active.map(Value::from));
                    put(
                        "name",
                        given.map(|g| json!({"givenName": g, "middleName": "M"})),
                    );
                    put(
                        "emails",
                        email.map(|e| json!([{"value": e, "type": "work", "primary": true}])),
                    );
                    put(
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                        department.map(|d| json!({"department": d, "manager": {"value": manager}})),
                    );
                    put(
                        "urn:airtable:params:scim:schemas:extension:sso:2.0:User",
                        sso.map(|v| json!({ "x": v })),
                    );
                    put("urn:x:custom", custom);
                    put("meta", version.map(|v| json!({ "version": v })));
                    put("groups", group.map(|g| json!([{ "value": g }])));
                    Value::Object(u)
                },
            );
        let group = (
            id(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(proptest::collection::vec(text(), 0..4)),
        )
            .prop_map(|(id, display_name, external_id, members)| {
                json!({
                    "id": id, "displayName": display_name, "externalId": external_id,
                    "members": members.map(|ms| ms.into_iter().map(|m| json!({"value": m})).collect::<Vec<_>>()),
                })
            });
        (
            proptest::collection::vec(user, 0..5),
            proptest::collection::vec(group, 0..3),
            any::<bool>(),
        )
            .prop_map(|(users, groups, complete)| {
                let doc = json!({"users": users, "groups": groups, "complete": complete});
                ActualState::from_json(&doc.to_string()).unwrap()
            })
    }

    /// Changes one thing in `state`: something the planner reads, or something it does not
    /// (order, `meta`, a member's display name, a later duplicate).
    fn mutate(state: &mut ActualState, kind: u8, at: usize, t: String, flag: bool) {
        let users = state.users.len();
        let groups = state.groups.len();
        if kind >= 35 {
            state.complete = flag;
            return;
        }
        if (kind < 24 && users == 0) || (kind >= 24 && groups == 0) {
            return;
        }
        if kind >= 24 {
            return mutate_group(state, kind, at, t);
        }
        let u = &mut state.users[at % users];
        match kind {
            0 => u.title = Some(t),
            1 => u.external_id = Some(t),
            2 => u.user_name = t,
            3 => u.display_name = Some(t),
            4 => u.locale = if flag { Some(t) } else { None },
            5 => u.active = Some(flag),
            6 => u.emails.push(MultiValue {
                value: Some(t),
                ..MultiValue::default()
            }),
            7 => u.emails.clear(),
            8 => u.name.get_or_insert_with(Name::default).given_name = Some(t),
            9 => {
                u.name
                    .get_or_insert_with(Name::default)
                    .extra
                    .insert("middleName".into(), t.into());
            }
            10 => u.enterprise.get_or_insert_with(Default::default).department = Some(t),
            11 => {
                let e = u.enterprise.get_or_insert_with(Default::default);
                e.manager.get_or_insert_with(Default::default).value = Some(t);
            }
            12 => {
                u.airtable_sso = Some(Box::new([("x".to_owned(), t.into())].into_iter().collect()))
            }
            13 => {
                u.extra.insert("urn:x:custom".into(), t.into());
            }
            14 => u.id = None,
            15 => u.id = Some(t),
            16 => u.meta = None,
            17 => u.schemas.push(t),
            18 => u.groups.push(MultiValue::default()),
            19 => {
                let copy = u.clone();
                state.users.push(copy);
            }
            20 => {
                let mut copy = u.clone();
                copy.title = Some(t);
                state.users.insert(0, copy);
            }
            _ => state.users.reverse(),
        }
    }

    fn mutate_group(state: &mut ActualState, kind: u8, at: usize, t: String) {
        let groups = state.groups.len();
        let g = &mut state.groups[at % groups];
        match kind {
            24 => g.display_name = t,
            25 => g.external_id = Some(t),
            26 => g.members.get_or_insert_with(Vec::new).push(Member::new(t)),
            27 => {
                if let Some(m) = g.members.as_mut() {
                    m.pop();
                }
            }
            28 => g.members = None,
            29 => g.members = Some(Vec::new()),
            30 => {
                if let Some(m) = g.members.as_mut() {
                    m.reverse();
                }
            }
            31 => {
                for m in g.members.iter_mut().flatten() {
                    m.display = Some(t.clone());
                }
            }
            32 => {
                g.extra.insert("x".into(), t.into());
            }
            33 => g.id = Some(t),
            _ => state.groups.reverse(),
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

        #[test]
        fn the_state_digest_tells_apart_exactly_what_its_json_reference_does(
            a in listing(),
            changes in proptest::collection::vec((0u8..40, any::<usize>(), text(), any::<bool>()), 1..3),
        ) {
            let mut b = a.clone();
            for (kind, at, t, flag) in changes {
                mutate(&mut b, kind, at, t, flag);
            }
            let same_reference = reference_state_digest(&a) == reference_state_digest(&b);
            let same = state_digest(&a) == state_digest(&b);
            prop_assert_eq!(same, same_reference, "{:?}\n{:?}", a, b);
        }
    }
}
