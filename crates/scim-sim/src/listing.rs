//! Listing (`GET /Users`, `GET /Groups`): filtering, paging, attribute projection, and the
//! pagination lies of [`Faults`].
//!
//! Honest behaviour: resources in creation order; `startIndex` is 1-based (values below one
//! read as one) and `count` (negative reads as zero, absent means all), as RFC 7644 §3.4.2.4
//! says; both must be integers (else 400 `invalidValue`; huge values saturate). `filter` is parsed with
//! the project's parser (a parse error is 400 `invalidFilter`) and evaluated per RFC
//! (see [`crate::eval`]); `userName eq` and `displayName eq` use the store's indexes.
//!
//! Cursor paging (RFC 9865, [`crate::cursor`]) where [`Faults::cursor_pagination`] turns it
//! on: a request with `cursor` gets a cursor page; without it, index paging as above.
//!
//! Airtable flavor: `/Users` accepts only `userName eq "..."` and `/Groups` only
//! `displayName eq "..."` (anything else 400 `invalidFilter`). Airtable documents no
//! `startIndex` on `/Groups`; rather than silently ignoring it (which would make a client
//! that pages groups loop or duplicate), the simulator answers 400 `invalidValue`, so a
//! client sending it is caught. Airtable's group listing carries no `members`.

use scim_provision::filter::{self, AttrPath, CompValue, CompareOp, Filter};
use scim_provision::http::HttpResponse;
use scim_provision::model::schemas;
use serde_json::{json, Map, Value};

use crate::cursor;
use crate::eval::{self, is_core_urn};
use crate::faults::Faults;
use crate::patch::Resource;
use crate::respond::{json_response, to_json, Failure};
use crate::rng::{SplitMix, Stream};
use crate::routes::Query;
use crate::store::Store;
use crate::Flavor;

/// Answers a listing request. `shuffle_seed` seeds the `unstable_order` shuffle.
pub(crate) fn list(
    store: &Store,
    resource: Resource,
    query: &Query,
    faults: &Faults,
    shuffle_seed: u64,
) -> Result<HttpResponse, Failure> {
    if store.flavor == Flavor::Airtable && resource == Resource::Group && query.has("startIndex") {
        return Err(Failure::invalid_value(
            "startIndex is not supported on /Groups",
        ));
    }
    let start = int_param(query, "startIndex")?.unwrap_or(1).max(1);
    let count = int_param(query, "count")?.map(|c| c.max(0));
    let mut ids = match query.get("filter") {
        None => all_ids(store, resource),
        Some(Err(())) => return Err(Failure::typed(400, "invalidFilter", "filter is not UTF-8")),
        Some(Ok(text)) if faults.reject_escaped_quotes && text.contains("\\\"") => {
            return Err(Failure::typed(
                400,
                "invalidFilter",
                "cannot parse the filter",
            ));
        }
        Some(Ok(text)) => {
            let filter = filter::parse(text).map_err(|e| {
                Failure::typed(400, "invalidFilter", format!("invalid filter: {e}"))
            })?;
            if store.flavor == Flavor::Airtable {
                check_airtable_filter(&filter, resource)?;
            }
            select(store, resource, &filter, faults.case_sensitive_user_names)?
        }
    };
    if faults.unstable_order {
        SplitMix::new(shuffle_seed, Stream::Shuffle).shuffle(&mut ids);
    }

    if let Some(cursor) = query.get("cursor") {
        let Some(paging) = &faults.cursors else {
            return Err(Failure::invalid_value("cursor paging is not supported"));
        };
        let mut take = count.map_or(u64::MAX, |c| c as u64);
        for cap in [faults.page_cap, faults.max_results].into_iter().flatten() {
            take = take.min(cap);
        }
        let w = cursor::window(paging, cursor, take, ids.len())?;
        let resources = render_page(store, resource, &ids, w.skip, w.take, query)?;
        let mut body = json!({
            "schemas": [schemas::LIST_RESPONSE],
            "itemsPerPage": resources.len(),
            "Resources": resources,
        });
        if let Some(next) = w.next {
            body["nextCursor"] = json!(next);
        }
        return Ok(json_response(200, &body));
    }
    let requested_start = start as u64;
    let served_start = if faults.ignore_start_index {
        1
    } else {
        requested_start
    };
    let mut page_size = count.map_or(u64::MAX, |c| c as u64);
    for cap in [faults.page_cap, faults.max_results].into_iter().flatten() {
        page_size = page_size.min(cap);
    }
    let total = ids.len() as u64;
    let mut reported_total = total.saturating_add(faults.short_total);
    if faults.total_changes_mid_listing && requested_start > 1 {
        reported_total = reported_total.saturating_add(1);
    }
    let skip = usize::try_from(served_start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(page_size).unwrap_or(usize::MAX);
    let resources = render_page(store, resource, &ids, skip, take, query)?;
    let body = json!({
        "schemas": [schemas::LIST_RESPONSE],
        "totalResults": reported_total,
        "itemsPerPage": resources.len(),
        "startIndex": requested_start,
        "Resources": resources,
    });
    Ok(json_response(200, &body))
}

/// The resources `ids[skip..skip + take]`, rendered and projected.
fn render_page(
    store: &Store,
    resource: Resource,
    ids: &[&str],
    skip: usize,
    take: usize,
    query: &Query,
) -> Result<Vec<Value>, Failure> {
    let with_members = store.flavor != Flavor::Airtable;
    let mut resources = Vec::new();
    for id in ids.iter().skip(skip).take(take) {
        let mut v = render(store, resource, id, with_members)?;
        project(&mut v, query);
        resources.push(v);
    }
    Ok(resources)
}

fn render(
    store: &Store,
    resource: Resource,
    id: &str,
    with_members: bool,
) -> Result<Value, Failure> {
    match resource {
        Resource::User => to_json(&store.render_user(id)),
        Resource::Group => to_json(&store.render_group(id, with_members)),
    }
}

fn all_ids(store: &Store, resource: Resource) -> Vec<&str> {
    match resource {
        Resource::User => store.user_order.values().map(String::as_str).collect(),
        Resource::Group => store.group_order.values().map(String::as_str).collect(),
    }
}

/// An integer query parameter. Absent is `None`; not an integer is 400; beyond `i64`
/// saturates.
fn int_param(query: &Query, name: &str) -> Result<Option<i64>, Failure> {
    let bad = || Failure::invalid_value(format!("{name} must be an integer"));
    match query.get(name) {
        None => Ok(None),
        Some(Err(())) => Err(bad()),
        Some(Ok(text)) => parse_saturating(text.trim()).map(Some).ok_or_else(bad),
    }
}

fn parse_saturating(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |acc, b| {
        acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    Some(if negative { -magnitude } else { magnitude })
}

/// The attribute of a plain `attr eq "string"` filter, and the string.
fn simple_eq(filter: &Filter) -> Option<(&AttrPath, &str)> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(value),
        } if path.sub_attr.is_none() && path.urn.as_deref().is_none_or(is_core_urn) => {
            Some((path, value.as_str()))
        }
        _ => None,
    }
}

fn check_airtable_filter(filter: &Filter, resource: Resource) -> Result<(), Failure> {
    let allowed = match resource {
        Resource::User => "userName",
        Resource::Group => "displayName",
    };
    match simple_eq(filter) {
        Some((path, _)) if path.urn.is_none() && path.attr.eq_ignore_ascii_case(allowed) => Ok(()),
        _ => Err(Failure::typed(
            400,
            "invalidFilter",
            format!("only `{allowed} eq \"...\"` filters are supported"),
        )),
    }
}

/// Ids matching `filter`, in creation order.
/// With `case_exact_names`, a `userName eq` finds only the exact spelling.
fn select<'a>(
    store: &'a Store,
    resource: Resource,
    filter: &Filter,
    case_exact_names: bool,
) -> Result<Vec<&'a str>, Failure> {
    if let Some((path, value)) = simple_eq(filter) {
        match resource {
            Resource::User if path.attr.eq_ignore_ascii_case("userName") => {
                let mut ids = store.users_named(value);
                if case_exact_names {
                    ids.retain(|id| {
                        store
                            .users
                            .get(*id)
                            .is_some_and(|r| r.user.user_name == value)
                    });
                }
                return Ok(ids);
            }
            Resource::Group if path.attr.eq_ignore_ascii_case("displayName") => {
                return Ok(store.groups_named(value))
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for id in all_ids(store, resource) {
        let v = render(store, resource, id, true)?;
        if eval::matches(filter, &v, None) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Applies `attributes` / `excludedAttributes` (top-level attributes; `name.givenName` keeps or
/// drops all of `name`, `URN:attr` the whole extension). `id` and `schemas` always stay.
pub(crate) fn project(resource: &mut Value, query: &Query) {
    let Value::Object(map) = resource else {
        return;
    };
    let names = |map: &Map<String, Value>, param: &str| -> Option<Vec<String>> {
        let text = query.get(param)?.ok()?;
        Some(
            text.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| top_level_key(map, n))
                .collect(),
        )
    };
    let always = |k: &str| k.eq_ignore_ascii_case("id") || k.eq_ignore_ascii_case("schemas");
    if let Some(keep) = names(map, "attributes") {
        map.retain(|k, _| always(k) || keep.iter().any(|n| n.eq_ignore_ascii_case(k)));
    }
    if let Some(drop) = names(map, "excludedAttributes") {
        map.retain(|k, _| always(k) || !drop.iter().any(|n| n.eq_ignore_ascii_case(k)));
    }
}

fn top_level_key(map: &Map<String, Value>, name: &str) -> String {
    if map.keys().any(|k| k.eq_ignore_ascii_case(name)) {
        return name.to_owned();
    }
    if name.to_ascii_lowercase().starts_with("urn:") {
        if let Some((urn, _)) = name.rsplit_once(':') {
            return urn.to_owned();
        }
    }
    name.split('.').next().unwrap_or(name).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_saturate_and_reject_junk() {
        assert_eq!(parse_saturating("12"), Some(12));
        assert_eq!(parse_saturating("-3"), Some(-3));
        assert_eq!(parse_saturating("+3"), Some(3));
        assert_eq!(
            parse_saturating("99999999999999999999999999"),
            Some(i64::MAX)
        );
        assert_eq!(
            parse_saturating("-99999999999999999999999999"),
            Some(-i64::MAX)
        );
        for junk in ["", "-", "1.5", "1e3", "abc", " 1"] {
            assert_eq!(parse_saturating(junk), None, "{junk}");
        }
    }
}
