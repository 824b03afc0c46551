//! The plan's `stateDigest`: a fingerprint of the server state as the planner reads it,
//! hashed from an unambiguous binary encoding ([`StateEncoder`]) with XXH3-128. See the
//! parent module for what it is for and why it is not a cryptographic hash.

use serde_json::{Map, Value};
use xxhash_rust::xxh3::{xxh3_128, Xxh3Default};

use super::hex;
use crate::model::{EnterpriseUser, Group, Manager, MultiValue, Name, User};
use crate::plan::ActualState;
use crate::sorting;

/// The hex XXH3-128 of the server state as the planner sees it ([`StateEncoder`]), from the
/// listing itself: for a caller that has not indexed it, and the reference for
/// [`state_digest_of`], which the planner computes from its index of the listing.
#[allow(dead_code)] // Planning uses `state_digest_of`; this stays for callers without an index.
pub(crate) fn state_digest(actual: &ActualState) -> String {
    let mut users: Vec<&User> = actual.users.iter().filter(|u| has_id(&u.id)).collect();
    sorting::sort_by(&mut users, |a, b| a.id.cmp(&b.id));
    users.dedup_by(|a, b| a.id == b.id);
    let mut groups: Vec<&Group> = actual.groups.iter().filter(|g| has_id(&g.id)).collect();
    sorting::sort_by(&mut groups, |a, b| a.id.cmp(&b.id));
    groups.dedup_by(|a, b| a.id == b.id);
    let member_ids = groups.iter().map(|g| {
        g.members.as_ref().map(|members| {
            let mut ids = MemberIds::default();
            for m in members {
                ids.add(&m.value);
            }
            ids
        })
    });
    state_digest_of(
        actual.complete,
        &users,
        groups.iter().copied().zip(member_ids),
    )
}

/// The hex XXH3-128 of the server state as the planner sees it ([`StateEncoder`]), given the
/// listing as the planner indexed it: the listed `users` and `groups` that have ids, each in
/// id order and the first of a repeated id, and each group with its [`MemberIds`] (`None`
/// for a group listed without members).
pub(crate) fn state_digest_of<'a>(
    complete: bool,
    users: &[&User],
    groups: impl ExactSizeIterator<Item = (&'a Group, Option<MemberIds>)>,
) -> String {
    let mut e = StateEncoder::default();
    e.byte(u8::from(complete));
    e.len(users.len());
    for u in users {
        e.user(u);
    }
    e.len(groups.len());
    for (g, member_ids) in groups {
        // Every field named, so a field added to `Group` must be placed here or left out
        // on purpose (`schemas`, `meta` and `extra` are not read by the planner; `members`
        // are read as `member_ids`).
        let Group {
            schemas: _,
            id,
            external_id,
            display_name,
            members: _,
            meta: _,
            extra: _,
        } = g;
        e.opt_str(id);
        e.opt_str(external_id);
        e.str(display_name);
        match member_ids {
            None => e.byte(0),
            Some(ids) => {
                e.byte(1);
                e.len(ids.count);
                e.buf.extend_from_slice(&ids.sum.to_le_bytes());
            }
        }
        e.flush_if_full();
    }
    hex(&e.finish().to_be_bytes())
}

/// A group's member ids as the state digest takes them, a multiset (the order they are
/// listed in is not the server's state): their count and the wrapping sum of their
/// XXH3-128s, which any order of the same ids shares and a duplicate changes. Sorting a
/// million member ids took as long as everything else in the digest together; summing
/// them is done where the planner reads each id anyway.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MemberIds {
    count: usize,
    sum: u128,
}

impl MemberIds {
    /// Counts one member id.
    pub(crate) fn add(&mut self, id: &str) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(xxh3_128(id.as_bytes()));
    }
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::json;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::model::Member;
    use crate::plan::integrity::canonical::tests::{json_value, text};

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
            proptest::option::of(proptest::collection::vec(
                prop_oneof![text(), Just("u1".to_owned()), Just("u2".to_owned())],
                0..4,
            )),
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

        /// The planner's digest, from its index of the listing (member ids summed as they
        /// are resolved), is the digest by its definition.
        #[test]
        fn the_planner_digests_the_listing_it_indexed(a in listing()) {
            let draft = crate::plan::plan(
                &crate::plan::DesiredState::default(),
                &a,
                &crate::profile::Profile::airtable(),
                &crate::plan::Policy::default(),
            )
            .unwrap();
            prop_assert_eq!(draft.state_digest, state_digest(&a));
        }
    }
}
