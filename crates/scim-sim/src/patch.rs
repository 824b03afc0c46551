//! PATCH (RFC 7644 §3.5.2) applied to a resource rendered as JSON.
//!
//! The resource is copied to a JSON object, every operation is applied to the copy in order,
//! and the copy is decoded back into the model by the caller; any failure leaves the stored
//! resource untouched, which gives the all-or-nothing semantics the RFC asks for. Paths are
//! `attr`, `attr.sub`, `URN:attr[.sub]`, a whole extension `URN`, and value paths
//! `attr[filter]` or `attr[filter].sub`, the filter parsed with the project's own parser.
//! Attribute names match case-insensitively.
//!
//! Lenient where real clients need it: operation names in any case, a single object where an
//! array is expected on a multi-valued attribute (Airtable documents `members` add with one
//! object), a bare string for the enterprise `manager` (Entra sends the id alone), `remove`
//! on `members` with a `value` list (Entra). The Airtable flavor is strict where Airtable is
//! documented to be: a `path` is required and only documented attributes may be patched.

use scim_provision::filter::{self, Filter};
use scim_provision::model::{schemas, PatchOpKind, PatchOperation};
use serde_json::{Map, Value};

use crate::eval::{self, is_core_urn};
pub(crate) use crate::members::{MemberChange, MemberEdit};
use crate::respond::Failure;
use crate::Flavor;

/// Which kind of resource is patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    User,
    Group,
}

/// A parsed PATCH path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatchPath {
    /// Extension schema URN; `None` for core attributes.
    pub urn: Option<String>,
    /// The attribute; `None` when the path is a whole extension.
    pub attr: Option<String>,
    /// The value filter of `attr[filter]`.
    pub filter: Option<Filter>,
    /// The sub-attribute.
    pub sub: Option<String>,
}

/// Multi-valued attributes of the User and Group schemas.
const MULTI_VALUED: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "members",
];

/// Applies `ops` in order to `doc`, a JSON object.
pub(crate) fn apply_all(
    doc: &mut Map<String, Value>,
    ops: &[PatchOperation],
    resource: Resource,
    flavor: Flavor,
    mut members: Option<&mut MemberEdit<'_>>,
) -> Result<(), Failure> {
    if ops.is_empty() {
        return Err(Failure::typed(
            400,
            "invalidSyntax",
            "Operations must not be empty",
        ));
    }
    for (index, op) in ops.iter().enumerate() {
        apply(doc, op, resource, flavor, members.as_deref_mut()).map_err(|f| Failure {
            detail: format!("operation {index}: {}", f.detail),
            ..f
        })?;
    }
    Ok(())
}

fn apply(
    doc: &mut Map<String, Value>,
    op: &PatchOperation,
    resource: Resource,
    flavor: Flavor,
    mut members: Option<&mut MemberEdit<'_>>,
) -> Result<(), Failure> {
    let Some(path_text) = op.path.as_deref() else {
        if flavor == Flavor::Airtable {
            return Err(Failure::invalid_path("path is required"));
        }
        if op.op == PatchOpKind::Remove {
            return Err(Failure::typed(400, "noTarget", "remove requires a path"));
        }
        let Some(Value::Object(fields)) = &op.value else {
            return Err(Failure::invalid_value(
                "an operation without a path needs an object value",
            ));
        };
        for (key, value) in fields {
            if is_read_only_key(key, resource) {
                continue;
            }
            let path = parse_path(key)?;
            apply_to(doc, members.as_deref_mut(), op.op, &path, Some(value))?;
        }
        return Ok(());
    };
    let path = parse_path(path_text)?;
    check_writable(&path, resource)?;
    if flavor == Flavor::Airtable {
        check_airtable(&path, resource)?;
    }
    apply_to(doc, members, op.op, &path, op.value.as_ref())
}

/// Routes group `members` to the member edit, everything else to the JSON document.
fn apply_to(
    doc: &mut Map<String, Value>,
    members: Option<&mut MemberEdit<'_>>,
    kind: PatchOpKind,
    path: &PatchPath,
    value: Option<&Value>,
) -> Result<(), Failure> {
    let is_members = path.urn.is_none()
        && path
            .attr
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("members"));
    match members {
        Some(edit) if is_members => edit.apply(kind, path, value),
        _ => apply_at(doc, kind, path, value),
    }
}

/// Parses a PATCH path.
pub(crate) fn parse_path(text: &str) -> Result<PatchPath, Failure> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Failure::invalid_path("empty path"));
    }
    let (head, filter, mut sub) = match text.find('[') {
        Some(open) => {
            let close = text
                .rfind(']')
                .filter(|&c| c > open)
                .ok_or_else(|| Failure::invalid_path(format!("unbalanced brackets in `{text}`")))?;
            let inner = &text[open + 1..close];
            let filter = filter::parse(inner)
                .map_err(|e| Failure::invalid_path(format!("bad value filter `{inner}`: {e}")))?;
            let tail = &text[close + 1..];
            let sub = if tail.is_empty() {
                None
            } else {
                match tail.strip_prefix('.') {
                    Some(s) if is_name(s) => Some(s.to_owned()),
                    _ => return Err(Failure::invalid_path(format!("bad path `{text}`"))),
                }
            };
            (&text[..open], Some(filter), sub)
        }
        None => (text, None, None),
    };
    let (urn, rest) = if head.to_ascii_lowercase().starts_with("urn:") {
        if is_schema_urn(head) {
            (Some(head.to_owned()), None)
        } else {
            match head.rsplit_once(':') {
                Some((u, a)) if u.contains(':') => (Some(u.to_owned()), Some(a)),
                _ => return Err(Failure::invalid_path(format!("bad path `{text}`"))),
            }
        }
    } else {
        (None, Some(head))
    };
    let attr = match rest {
        None => None,
        Some(rest) => {
            let (attr, inner_sub) = match rest.split_once('.') {
                Some((a, s)) => (a, Some(s)),
                None => (rest, None),
            };
            if let Some(s) = inner_sub {
                if sub.is_some() || filter.is_some() || !is_name(s) {
                    return Err(Failure::invalid_path(format!("bad path `{text}`")));
                }
                sub = Some(s.to_owned());
            }
            if !is_name(attr) {
                return Err(Failure::invalid_path(format!("bad attribute in `{text}`")));
            }
            Some(attr.to_owned())
        }
    };
    let urn = urn.filter(|u| !is_core_urn(u));
    if attr.is_none() && (filter.is_some() || sub.is_some() || urn.is_none()) {
        return Err(Failure::invalid_path(format!("bad path `{text}`")));
    }
    Ok(PatchPath {
        urn,
        attr,
        filter,
        sub,
    })
}

/// Whether `text` is a whole schema URN rather than `URN:attribute`: a known extension, or
/// a URN whose last component names a resource type.
fn is_schema_urn(text: &str) -> bool {
    [
        schemas::ENTERPRISE_USER,
        schemas::AIRTABLE_SSO_USER,
        schemas::USER,
        schemas::GROUP,
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(text))
        || text.rsplit(':').next().is_some_and(|last| {
            last.eq_ignore_ascii_case("User") || last.eq_ignore_ascii_case("Group")
        })
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
}

fn is_read_only_key(key: &str, resource: Resource) -> bool {
    ["id", "meta", "schemas"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
        || (resource == Resource::User && key.eq_ignore_ascii_case("groups"))
}

fn check_writable(path: &PatchPath, resource: Resource) -> Result<(), Failure> {
    match (&path.urn, &path.attr) {
        (None, Some(attr)) if is_read_only_key(attr, resource) => Err(Failure::typed(
            400,
            "mutability",
            format!("`{attr}` is read-only"),
        )),
        _ => Ok(()),
    }
}

/// Airtable documents which attributes it stores; anything else is refused.
fn check_airtable(path: &PatchPath, resource: Resource) -> Result<(), Failure> {
    let attr = path.attr.as_deref().map(str::to_ascii_lowercase);
    let sub = path.sub.as_deref().map(str::to_ascii_lowercase);
    let allowed = match (resource, path.urn.as_deref()) {
        (Resource::User, None) => match attr.as_deref() {
            Some("name") => matches!(
                sub.as_deref(),
                None | Some("givenname" | "familyname" | "formatted")
            ),
            Some(
                "active" | "username" | "title" | "displayname" | "externalid" | "emails"
                | "locale",
            ) => true,
            _ => false,
        },
        (Resource::User, Some(urn)) if urn.eq_ignore_ascii_case(schemas::ENTERPRISE_USER) => {
            matches!(
                attr.as_deref(),
                None | Some(
                    "employeenumber"
                        | "costcenter"
                        | "organization"
                        | "division"
                        | "department"
                        | "manager"
                )
            )
        }
        (Resource::User, Some(urn)) => urn.eq_ignore_ascii_case(schemas::AIRTABLE_SSO_USER),
        (Resource::Group, None) => matches!(
            attr.as_deref(),
            Some("displayname" | "externalid" | "members")
        ),
        (Resource::Group, Some(_)) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Failure::invalid_path("attribute not supported"))
    }
}

/// The key of `map` that matches `name` ignoring ASCII case, or `name` itself.
fn key_in(map: &Map<String, Value>, name: &str) -> String {
    if map.contains_key(name) {
        return name.to_owned();
    }
    map.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

fn is_multi_valued(attr: &str) -> bool {
    MULTI_VALUED.iter().any(|m| m.eq_ignore_ascii_case(attr))
}

fn apply_at(
    doc: &mut Map<String, Value>,
    kind: PatchOpKind,
    path: &PatchPath,
    value: Option<&Value>,
) -> Result<(), Failure> {
    let writing = kind != PatchOpKind::Remove;
    if writing && value.is_none() {
        return Err(Failure::invalid_value("add and replace need a value"));
    }
    // The object holding the attribute, and the attribute's name in it.
    let (container, attr): (&mut Map<String, Value>, &str) = match (&path.urn, &path.attr) {
        (Some(urn), None) => (doc, urn.as_str()),
        (Some(urn), Some(attr)) => {
            let key = key_in(doc, urn);
            if !writing && !doc.contains_key(&key) {
                return Ok(());
            }
            let slot = doc.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if slot.is_null() {
                *slot = Value::Object(Map::new());
            }
            match slot {
                Value::Object(o) => (o, attr.as_str()),
                _ => return Err(Failure::invalid_value(format!("`{urn}` is not an object"))),
            }
        }
        (None, Some(attr)) => (doc, attr.as_str()),
        (None, None) => return Err(Failure::invalid_path("empty path")),
    };
    let key = key_in(container, attr);
    let value = value.map(|v| normalize_value(path, attr, v));
    match value {
        Some(v) if writing => write_at(container, key, attr, kind, path, v),
        listed => {
            remove_at(container, &key, attr, path, listed.as_ref());
            Ok(())
        }
    }
}

/// `add` or `replace` at `container[key]`, narrowed by the path's filter and sub-attribute.
fn write_at(
    container: &mut Map<String, Value>,
    key: String,
    attr: &str,
    kind: PatchOpKind,
    path: &PatchPath,
    value: Value,
) -> Result<(), Failure> {
    match (&path.filter, &path.sub) {
        (None, None) => {
            put(container, key, value, kind);
            Ok(())
        }
        (None, Some(sub)) => {
            let slot = container
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if slot.is_null() {
                *slot = Value::Object(Map::new());
            }
            match slot {
                Value::Object(o) => {
                    let skey = key_in(o, sub);
                    put(o, skey, value, kind);
                    Ok(())
                }
                Value::Array(_) => Err(Failure::invalid_path(format!(
                    "`{attr}` is multi-valued: select values with a filter"
                ))),
                _ => Err(Failure::invalid_path(format!(
                    "`{attr}` has no sub-attributes"
                ))),
            }
        }
        (Some(filter), sub) => {
            let Some(Value::Array(items)) = container.get_mut(&key) else {
                return Err(Failure::typed(
                    400,
                    "noTarget",
                    format!("no `{attr}` values"),
                ));
            };
            let mut hit = false;
            for item in items.iter_mut() {
                if !eval::matches(filter, item, Some(attr)) {
                    continue;
                }
                hit = true;
                match (sub, &mut *item) {
                    (Some(sub), Value::Object(o)) => {
                        let skey = key_in(o, sub);
                        put(o, skey, value.clone(), kind);
                    }
                    (None, Value::Object(o)) if value.is_object() => merge(o, &value),
                    (Some(_), _) => {
                        return Err(Failure::invalid_path(format!(
                            "`{attr}` values are not complex"
                        )))
                    }
                    (None, slot) => *slot = value.clone(),
                }
            }
            if hit {
                Ok(())
            } else {
                Err(Failure::typed(
                    400,
                    "noTarget",
                    format!("no `{attr}` value matches"),
                ))
            }
        }
    }
}

/// `remove` at `container[key]`. Removing what is not there is not an error.
fn remove_at(
    container: &mut Map<String, Value>,
    key: &str,
    attr: &str,
    path: &PatchPath,
    listed: Option<&Value>,
) {
    match (&path.filter, &path.sub, container.get_mut(key)) {
        (_, _, None) => {}
        // `remove` with a value list on a multi-valued attribute removes just those values
        // (Entra's form for members).
        (None, None, Some(Value::Array(items))) if listed.is_some() => {
            let listed: &[Value] = match listed {
                Some(Value::Array(l)) => l,
                Some(single) => std::slice::from_ref(single),
                None => &[],
            };
            items.retain(|item| !listed.iter().any(|l| same_value(item, l)));
        }
        (None, None, Some(_)) => {
            container.remove(key);
        }
        (None, Some(sub), Some(slot)) => remove_sub(slot, sub),
        (Some(filter), sub, Some(Value::Array(items))) => match sub {
            None => items.retain(|i| !eval::matches(filter, i, Some(attr))),
            Some(sub) => items
                .iter_mut()
                .filter(|i| eval::matches(filter, i, Some(attr)))
                .for_each(|i| remove_sub(i, sub)),
        },
        (Some(_), _, Some(_)) => {}
    }
}

fn remove_sub(slot: &mut Value, sub: &str) {
    match slot {
        Value::Object(o) => {
            let skey = key_in(o, sub);
            o.remove(&skey);
        }
        Value::Array(items) => items.iter_mut().for_each(|i| remove_sub_of_object(i, sub)),
        _ => {}
    }
}

fn remove_sub_of_object(item: &mut Value, sub: &str) {
    if let Value::Object(o) = item {
        let skey = key_in(o, sub);
        o.remove(&skey);
    }
}

/// Two values of a multi-valued attribute are the same when their `value`s are (or, without
/// `value`, when they are equal JSON).
fn same_value(a: &Value, b: &Value) -> bool {
    let value_of = |v: &Value| {
        v.as_object()
            .and_then(|o| eval::get_ci(o, "value"))
            .cloned()
    };
    match (value_of(a), value_of(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Single objects on multi-valued attributes become one-element arrays; a bare string for the
/// enterprise `manager` becomes `{"value": id}`.
fn normalize_value(path: &PatchPath, attr: &str, value: &Value) -> Value {
    let in_enterprise = path
        .urn
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case(schemas::ENTERPRISE_USER));
    match value {
        Value::Object(_)
            if path.filter.is_none() && path.sub.is_none() && is_multi_valued(attr) =>
        {
            Value::Array(vec![value.clone()])
        }
        Value::String(id)
            if in_enterprise && attr.eq_ignore_ascii_case("manager") && path.sub.is_none() =>
        {
            let mut m = Map::new();
            m.insert("value".into(), Value::String(id.clone()));
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// `add` appends to arrays (skipping values already there) and merges objects; `replace`
/// replaces arrays and merges objects (RFC 7644 §3.5.2.3: sub-attributes not given are left
/// unchanged); anything else is set.
fn put(map: &mut Map<String, Value>, key: String, value: Value, kind: PatchOpKind) {
    // Group members are deduplicated by the store (by id, first occurrence kept), so adding
    // to a large group costs no scan here.
    let dedupe = !key.eq_ignore_ascii_case("members");
    match (kind, map.get_mut(&key), value) {
        (PatchOpKind::Add, Some(Value::Array(existing)), Value::Array(new)) => {
            for item in new {
                if !dedupe || !existing.contains(&item) {
                    existing.push(item);
                }
            }
        }
        (PatchOpKind::Add, Some(Value::Array(existing)), single) => {
            if !dedupe || !existing.contains(&single) {
                existing.push(single);
            }
        }
        (_, Some(Value::Object(existing)), Value::Object(new)) => {
            merge(existing, &Value::Object(new))
        }
        (_, _, value) => {
            map.insert(key, value);
        }
    }
}

fn merge(target: &mut Map<String, Value>, value: &Value) {
    if let Value::Object(fields) = value {
        for (k, v) in fields {
            let key = key_in(target, k);
            target.insert(key, v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::member_values;
    use serde_json::json;
    use std::collections::BTreeSet;

    fn doc(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn op(v: Value) -> PatchOperation {
        serde_json::from_value(v).unwrap()
    }

    fn run(
        start: Value,
        ops: Vec<Value>,
        resource: Resource,
        flavor: Flavor,
    ) -> Result<Value, Failure> {
        let mut d = doc(start);
        let ops: Vec<PatchOperation> = ops.into_iter().map(op).collect();
        match resource {
            Resource::User => apply_all(&mut d, &ops, resource, flavor, None)?,
            Resource::Group => {
                let current: Vec<String> = d
                    .remove("members")
                    .and_then(|m| member_values(&m).ok())
                    .unwrap_or_default();
                let mut edit = MemberEdit::new(&current);
                apply_all(&mut d, &ops, resource, flavor, Some(&mut edit))?;
                let ids = match edit.finish() {
                    MemberChange::Replace(ids) => ids,
                    MemberChange::Incremental { added, removed } => current
                        .iter()
                        .filter(|m| !removed.contains(m))
                        .cloned()
                        .chain(added)
                        .collect(),
                };
                let mut seen = BTreeSet::new();
                let members: Vec<Value> = ids
                    .into_iter()
                    .filter(|id| seen.insert(id.clone()))
                    .map(|id| serde_json::json!({"value": id}))
                    .collect();
                if !members.is_empty() {
                    d.insert("members".into(), Value::Array(members));
                }
            }
        }
        Ok(Value::Object(d))
    }

    #[test]
    fn paths_parse() {
        let p = parse_path("name.givenName").unwrap();
        assert_eq!(
            (p.urn, p.attr.as_deref(), p.sub.as_deref()),
            (None, Some("name"), Some("givenName"))
        );
        let p =
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
                .unwrap();
        assert_eq!(p.urn.as_deref(), Some(schemas::ENTERPRISE_USER));
        assert_eq!(
            (p.attr.as_deref(), p.sub.as_deref()),
            (Some("manager"), Some("value"))
        );
        let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap();
        assert_eq!(
            (p.urn.as_deref(), p.attr),
            (Some(schemas::ENTERPRISE_USER), None)
        );
        let p = parse_path("urn:ietf:params:scim:schemas:core:2.0:User:userName").unwrap();
        assert_eq!((p.urn, p.attr.as_deref()), (None, Some("userName")));
        let p = parse_path(r#"members[value eq "a]b\"c"]"#).unwrap();
        assert!(p.filter.is_some());
        let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.sub.as_deref(), Some("value"));
        for bad in [
            "",
            " ",
            "a b",
            "members[",
            "members]x[",
            r#"members[value eq "x"]x"#,
            "a.b.c",
            "urn:x",
            "[x eq 1]",
            "name..x",
        ] {
            assert!(parse_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn user_operations() {
        let start =
            json!({"userName": "a", "active": true, "emails": [{"value": "a@x", "type": "work"}]});
        let out = run(
            start,
            vec![
                json!({"op": "Replace", "path": "active", "value": "False"}),
                json!({"op": "add", "path": "name.givenName", "value": "Ana"}),
                json!({"op": "add", "path": "emails", "value": {"value": "b@x", "type": "home"}}),
                json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "c@x"}),
                json!({"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "usrBoss"}),
                json!({"op": "replace", "value": {"title": "Lead", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}, "id": "ignored"}}),
                json!({"op": "remove", "path": "emails[type eq \"home\"]"}),
            ],
            Resource::User,
            Flavor::Generic,
        )
        .unwrap();
        assert_eq!(out["active"], "False"); // decoded leniently by the model afterwards
        assert_eq!(out["name"]["givenName"], "Ana");
        assert_eq!(out["emails"], json!([{"value": "c@x", "type": "work"}]));
        let ent = &out[schemas::ENTERPRISE_USER];
        assert_eq!(ent["manager"], json!({"value": "usrBoss"}));
        assert_eq!(ent["department"], "Ops");
        assert_eq!(out["title"], "Lead");
        assert!(out.get("id").is_none());
    }

    #[test]
    fn member_operations() {
        let start = json!({"displayName": "G", "members": [{"value": "u1"}]});
        let out = run(
            start,
            vec![
                json!({"op": "add", "path": "members", "value": {"value": "u2"}}),
                json!({"op": "add", "path": "members", "value": [{"value": "u3"}, {"value": "u1"}]}),
                json!({"op": "remove", "path": "members[value eq \"u1\"]"}),
                json!({"op": "remove", "path": "members", "value": [{"value": "u3"}]}),
            ],
            Resource::Group,
            Flavor::Airtable,
        )
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "u2"}]));
        let out = run(
            json!({"displayName": "G", "members": [{"value": "u1"}]}),
            vec![json!({"op": "replace", "path": "members", "value": [{"value": "u9"}]})],
            Resource::Group,
            Flavor::Airtable,
        )
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "u9"}]));
        let out = run(
            json!({"displayName": "G", "members": [{"value": "u1"}]}),
            vec![json!({"op": "remove", "path": "members"})],
            Resource::Group,
            Flavor::Generic,
        )
        .unwrap();
        assert!(out.get("members").is_none());
    }

    #[test]
    fn member_edits_keep_operation_order() {
        let members = |ops: Vec<Value>| -> Vec<String> {
            let out = run(
                json!({"displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}]}),
                ops,
                Resource::Group,
                Flavor::Generic,
            )
            .unwrap();
            out["members"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|m| m["value"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let add = |id: &str| json!({"op": "add", "path": "members", "value": [{"value": id}]});
        let remove =
            |id: &str| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")});
        assert_eq!(members(vec![add("u3"), remove("u3")]), ["u1", "u2"]);
        // Removed then added back: still a member (position is not meaningful).
        assert_eq!(members(vec![remove("u1"), add("u1")]), ["u1", "u2"]);
        assert_eq!(
            members(vec![add("u2"), add("u3"), add("u3")]),
            ["u1", "u2", "u3"]
        );
        assert_eq!(
            members(vec![
                json!({"op": "replace", "path": "members", "value": [{"value": "u9"}]}),
                add("u1"),
                remove("u9")
            ]),
            ["u1"]
        );
        assert_eq!(
            members(vec![
                add("u3"),
                json!({"op": "remove", "path": "members[value sw \"u\" and not (value eq \"u2\")]"}),
                add("u4")
            ]),
            ["u2", "u4"]
        );
        assert_eq!(
            members(vec![json!({"op": "remove", "path": "members"}), add("u5")]),
            ["u5"]
        );
    }

    #[test]
    fn failures() {
        let user = || json!({"userName": "a"});
        let cases: Vec<(Vec<Value>, Flavor, &str)> = vec![
            (vec![], Flavor::Generic, "invalidSyntax"),
            (
                vec![json!({"op": "replace", "value": {"active": false}})],
                Flavor::Airtable,
                "invalidPath",
            ),
            (vec![json!({"op": "remove"})], Flavor::Generic, "noTarget"),
            (
                vec![json!({"op": "replace", "value": 3})],
                Flavor::Generic,
                "invalidValue",
            ),
            (
                vec![json!({"op": "replace", "path": "id", "value": "x"})],
                Flavor::Generic,
                "mutability",
            ),
            (
                vec![json!({"op": "add", "path": "groups", "value": []})],
                Flavor::Generic,
                "mutability",
            ),
            (
                vec![json!({"op": "replace", "path": "nickName", "value": "x"})],
                Flavor::Airtable,
                "invalidPath",
            ),
            (
                vec![
                    json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x"}),
                ],
                Flavor::Generic,
                "noTarget",
            ),
            (
                vec![json!({"op": "add", "path": "active"})],
                Flavor::Generic,
                "invalidValue",
            ),
            (
                vec![json!({"op": "add", "path": "members[value eq"})],
                Flavor::Generic,
                "invalidPath",
            ),
        ];
        for (ops, flavor, want) in cases {
            let err = run(user(), ops.clone(), Resource::User, flavor).unwrap_err();
            assert_eq!(err.status, 400, "{ops:?}");
            assert_eq!(err.scim_type, Some(want), "{ops:?}: {}", err.detail);
        }
        // Generic accepts attributes Airtable does not store.
        let out = run(
            user(),
            vec![json!({"op": "add", "path": "nickName", "value": "x"})],
            Resource::User,
            Flavor::Generic,
        )
        .unwrap();
        assert_eq!(out["nickName"], "x");
    }
}
