//! A deterministic in-process SCIM service provider for engine tests (like str0m's network
//! emulator): Airtable or RFC flavour, with injectable faults. Pure: no clock, no threads;
//! randomness from a seed.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use scim_provision::filter::{self, CompValue, CompareOp, Filter};
use scim_provision::http::{HttpRequest, HttpResponse, Method};
use scim_provision::model::{Group, ListResponse, Member, PatchOp, PatchOpKind, User};
use scim_provision::plan::{group_key, user_key};
use serde_json::{json, Value};

/// Faults, all off by default. Rates are per mille of requests, decided by the seed.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub jitter_ms: u64,
    /// Every request whose ordinal is in one of these ranges gets a 429 with `Retry-After`.
    pub rate_limited: Vec<std::ops::Range<u64>>,
    pub server_errors: u32,
    /// Dropped answers; the write is applied first, as on a real server.
    pub drops: u32,
    /// Success answers cut in half; the write is applied.
    pub truncated: u32,
    pub page_cap: Option<usize>,
    pub ignore_start_index: bool,
    pub unstable_order: bool,
    pub total_changes: bool,
}

impl Faults {
    /// Whether the faults make every listing untrustworthy (so nothing can ever be removed).
    pub fn lies_about_listings(&self) -> bool {
        self.ignore_start_index || self.unstable_order || self.total_changes
    }
}

pub enum Reply {
    Respond(HttpResponse, u64),
    Drop,
}

pub struct Sim {
    pub airtable: bool,
    pub faults: Faults,
    pub latency_ms: u64,
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    next_id: u64,
    ordinal: u64,
    rng: u64,
    /// (time, method, path, body, status; 0 when dropped)
    pub log: Vec<(u64, Method, String, Option<String>, u16)>,
}

impl Sim {
    pub fn new(airtable: bool, faults: Faults, seed: u64) -> Sim {
        Sim {
            airtable,
            faults,
            latency_ms: 20,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            next_id: 0,
            ordinal: 0,
            rng: seed ^ 0x5DEE_CE66,
            log: Vec::new(),
        }
    }

    fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:014}", self.next_id)
    }

    pub fn seed_user(&mut self, mut u: User) -> String {
        let id = self.new_id("usr");
        u.id = Some(id.clone());
        u.active.get_or_insert(true);
        self.users.insert(id.clone(), u);
        id
    }

    pub fn seed_group(&mut self, mut g: Group) -> String {
        let id = self.new_id("ugp");
        g.id = Some(id.clone());
        g.members.get_or_insert_with(Vec::new);
        self.groups.insert(id.clone(), g);
        id
    }

    pub fn users(&self) -> Vec<User> {
        self.users.values().cloned().collect()
    }

    pub fn groups(&self) -> Vec<Group> {
        self.groups.values().cloned().collect()
    }

    fn roll(&mut self, per_mille: u32) -> bool {
        self.rng = self
            .rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        per_mille > 0 && ((self.rng >> 33) % 1000) < u64::from(per_mille)
    }

    pub fn handle(&mut self, r: &HttpRequest, now: u64) -> Reply {
        self.ordinal += 1;
        let ord = self.ordinal;
        let jitter = if self.faults.jitter_ms > 0 {
            self.rng = self.rng.wrapping_mul(6364136223846793005).wrapping_add(1);
            (self.rng >> 33) % self.faults.jitter_ms
        } else {
            0
        };
        let at = now + self.latency_ms + jitter;
        let write = r.method != Method::Get;
        let reply = if self
            .faults
            .rate_limited
            .iter()
            .any(|range| range.contains(&ord))
        {
            let mut resp = error(429, None, "slow down", self.airtable);
            resp.headers.push(("Retry-After".into(), "2".into()));
            Reply::Respond(resp, at)
        } else if self.roll(self.faults.server_errors) {
            Reply::Respond(
                HttpResponse::new(503, "<html>Service Unavailable</html>"),
                at,
            )
        } else {
            let resp = self.route(r);
            if write && resp.is_success() && self.roll(self.faults.drops) {
                Reply::Drop
            } else if resp.is_success() && !resp.body.is_empty() && self.roll(self.faults.truncated)
            {
                let cut = resp.body.len() / 2;
                let body: String = resp.body.chars().take(cut).collect();
                Reply::Respond(HttpResponse::new(resp.status, body), at)
            } else {
                Reply::Respond(resp, at)
            }
        };
        let status = match &reply {
            Reply::Respond(resp, _) => resp.status,
            Reply::Drop => 0,
        };
        self.log
            .push((now, r.method, r.path.clone(), r.body.clone(), status));
        reply
    }

    fn route(&mut self, r: &HttpRequest) -> HttpResponse {
        let Some(rest) = r.path.strip_prefix("/scim/v2/") else {
            return error(404, None, "no such route", self.airtable);
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let params: BTreeMap<String, String> = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                (
                    k.to_owned(),
                    percent_decode_str(v).decode_utf8_lossy().into_owned(),
                )
            })
            .collect();
        let segments: Vec<String> = path
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let body: Option<Value> = r.body.as_deref().and_then(|b| serde_json::from_str(b).ok());
        match (
            r.method,
            segments
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
        ) {
            (Method::Get, ["ServiceProviderConfig"]) if self.airtable => {
                error(404, None, "not found", true)
            }
            (Method::Get, ["ServiceProviderConfig"]) => ok(
                200,
                json!({"patch": {"supported": true}, "filter": {"supported": true, "maxResults": 200}}),
            ),
            (Method::Get, ["Users"]) => self.list_users(&params),
            (Method::Get, ["Groups"]) => self.list_groups(&params),
            (Method::Post, ["Users"]) => self.create_user(body),
            (Method::Post, ["Groups"]) => self.create_group(body),
            (Method::Get, ["Users", id]) => match self.users.get(*id) {
                Some(u) => ok(200, serde_json::to_value(u).unwrap()),
                None => error(404, None, "user not found", self.airtable),
            },
            (Method::Get, ["Groups", id]) => match self.groups.get(*id) {
                Some(g) => ok(200, serde_json::to_value(g).unwrap()),
                None => self.unknown_group(),
            },
            (Method::Patch, ["Users", id]) => self.patch_user(id, body),
            (Method::Put, ["Users", id]) => self.put_user(id, body),
            (Method::Delete, ["Users", id]) => match self.users.remove(*id) {
                Some(_) => {
                    for g in self.groups.values_mut() {
                        g.members
                            .get_or_insert_with(Vec::new)
                            .retain(|m| m.value != *id);
                    }
                    HttpResponse::new(204, "")
                }
                None => error(404, None, "user not found", self.airtable),
            },
            (Method::Patch, ["Groups", id]) => self.patch_group(id, body),
            (Method::Put, ["Groups", id]) => self.put_group(id, body),
            (Method::Delete, ["Groups", id]) => match self.groups.remove(*id) {
                Some(_) => HttpResponse::new(204, ""),
                None => self.unknown_group(),
            },
            _ => error(404, None, "no such route", self.airtable),
        }
    }

    fn unknown_group(&self) -> HttpResponse {
        if self.airtable {
            error(400, None, "invalid group ID", true)
        } else {
            error(404, None, "group not found", false)
        }
    }

    fn page<T: serde::Serialize + Clone>(
        &mut self,
        mut all: Vec<T>,
        params: &BTreeMap<String, String>,
        paged: bool,
    ) -> HttpResponse {
        if self.faults.unstable_order {
            for i in (1..all.len()).rev() {
                self.rng = self.rng.wrapping_mul(6364136223846793005).wrapping_add(1);
                let j = ((self.rng >> 33) as usize) % (i + 1);
                all.swap(i, j);
            }
        }
        let mut total = all.len() as u64;
        let mut start: usize = if paged {
            params
                .get("startIndex")
                .and_then(|s| s.parse().ok())
                .unwrap_or(1)
        } else {
            1
        };
        if self.faults.total_changes && start > 1 {
            total += 1;
        }
        if self.faults.ignore_start_index {
            start = 1;
        }
        let mut count: usize = params
            .get("count")
            .and_then(|s| s.parse().ok())
            .unwrap_or(usize::MAX);
        if let Some(cap) = self.faults.page_cap {
            count = count.min(cap);
        }
        let resources: Vec<T> = all.into_iter().skip(start.max(1) - 1).take(count).collect();
        let page = ListResponse {
            schemas: vec![scim_provision::model::schemas::LIST_RESPONSE.into()],
            total_results: total,
            items_per_page: Some(resources.len() as u64),
            start_index: Some(start as u64),
            resources,
        };
        ok(200, serde_json::to_value(page).unwrap())
    }

    fn filtered<'a, T>(
        &self,
        items: impl Iterator<Item = &'a T>,
        params: &BTreeMap<String, String>,
        matches: impl Fn(&T, &str, &str) -> bool,
    ) -> Result<Vec<T>, HttpResponse>
    where
        T: Clone + 'a,
    {
        let Some(text) = params.get("filter") else {
            return Ok(items.cloned().collect());
        };
        match filter::parse(text) {
            Ok(Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: CompValue::Str(v),
            }) => Ok(items
                .filter(|x| matches(x, &path.attr, &v))
                .cloned()
                .collect()),
            _ => Err(error(
                400,
                Some("invalidFilter"),
                "unsupported filter",
                self.airtable,
            )),
        }
    }

    fn list_users(&mut self, params: &BTreeMap<String, String>) -> HttpResponse {
        let users = self.filtered(
            self.users.values(),
            params,
            |u: &User, attr, v| match attr {
                "userName" => user_key(&u.user_name) == user_key(v),
                "externalId" => u.external_id.as_deref() == Some(v),
                _ => false,
            },
        );
        match users {
            Ok(users) => self.page(users, params, true),
            Err(e) => e,
        }
    }

    fn list_groups(&mut self, params: &BTreeMap<String, String>) -> HttpResponse {
        if self.airtable && params.contains_key("startIndex") {
            return error(
                400,
                Some("invalidValue"),
                "startIndex is not supported on groups",
                true,
            );
        }
        let groups = self.filtered(
            self.groups.values(),
            params,
            |g: &Group, attr, v| match attr {
                "displayName" => g.display_name == v,
                _ => false,
            },
        );
        match groups {
            Ok(mut groups) => {
                if self.airtable {
                    // Airtable lists groups without members.
                    for g in &mut groups {
                        g.members = None;
                    }
                }
                let paged = !self.airtable;
                self.page(groups, params, paged)
            }
            Err(e) => e,
        }
    }

    fn create_user(&mut self, body: Option<Value>) -> HttpResponse {
        let Some(Ok(mut u)) = body.map(serde_json::from_value::<User>) else {
            return error(400, Some("invalidSyntax"), "bad user", self.airtable);
        };
        let key = user_key(&u.user_name);
        if self.users.values().any(|x| user_key(&x.user_name) == key) {
            return error(409, Some("uniqueness"), "userName taken", self.airtable);
        }
        if self.airtable {
            u.active = Some(true);
        } else {
            u.active.get_or_insert(true);
        }
        let id = self.seed_user(u);
        ok(
            if self.airtable { 200 } else { 201 },
            serde_json::to_value(&self.users[&id]).unwrap(),
        )
    }

    fn create_group(&mut self, body: Option<Value>) -> HttpResponse {
        let Some(Ok(mut g)) = body.map(serde_json::from_value::<Group>) else {
            return error(400, Some("invalidSyntax"), "bad group", self.airtable);
        };
        let key = group_key(&g.display_name);
        if self
            .groups
            .values()
            .any(|x| group_key(&x.display_name) == key)
        {
            return error(409, Some("uniqueness"), "displayName taken", self.airtable);
        }
        if self.airtable {
            g.members = Some(Vec::new());
        }
        let id = self.seed_group(g);
        ok(
            if self.airtable { 200 } else { 201 },
            serde_json::to_value(&self.groups[&id]).unwrap(),
        )
    }

    fn patch_user(&mut self, id: &str, body: Option<Value>) -> HttpResponse {
        let Some(Ok(patch)) = body.map(serde_json::from_value::<PatchOp>) else {
            return error(400, Some("invalidSyntax"), "bad patch", self.airtable);
        };
        let Some(user) = self.users.get_mut(id) else {
            return error(404, None, "user not found", self.airtable);
        };
        for op in &patch.operations {
            match (&op.path, &op.value) {
                (Some(path), Some(value))
                    if op.op == PatchOpKind::Replace || op.op == PatchOpKind::Add =>
                {
                    super::set_path(user, path, value.clone())
                }
                _ => return error(400, Some("invalidPath"), "path required", self.airtable),
            }
        }
        ok(200, serde_json::to_value(&*user).unwrap())
    }

    fn put_user(&mut self, id: &str, body: Option<Value>) -> HttpResponse {
        let Some(Ok(mut u)) = body.map(serde_json::from_value::<User>) else {
            return error(400, Some("invalidSyntax"), "bad user", self.airtable);
        };
        let Some(slot) = self.users.get_mut(id) else {
            return error(404, None, "user not found", self.airtable);
        };
        u.id = Some(id.to_owned());
        *slot = u;
        ok(200, serde_json::to_value(&*slot).unwrap())
    }

    fn patch_group(&mut self, id: &str, body: Option<Value>) -> HttpResponse {
        let Some(Ok(patch)) = body.map(serde_json::from_value::<PatchOp>) else {
            return error(400, Some("invalidSyntax"), "bad patch", self.airtable);
        };
        if !self.groups.contains_key(id) {
            return self.unknown_group();
        }
        for op in &patch.operations {
            let path = op.path.clone().unwrap_or_default();
            if op.op == PatchOpKind::Add && path == "members" {
                let values: Vec<Value> = match &op.value {
                    Some(Value::Array(a)) => a.clone(),
                    Some(v @ Value::Object(_)) => vec![v.clone()],
                    _ => return error(400, Some("invalidValue"), "bad members", self.airtable),
                };
                for v in values {
                    let mid = v["value"].as_str().unwrap_or_default().to_owned();
                    if !self.users.contains_key(&mid) {
                        return error(400, Some("invalidValue"), "no such user", self.airtable);
                    }
                    let g = self.groups.get_mut(id).unwrap();
                    let ms = g.members.get_or_insert_with(Vec::new);
                    if !ms.iter().any(|m| m.value == mid) {
                        ms.push(Member::new(mid));
                    }
                }
            } else if op.op == PatchOpKind::Remove && path.starts_with("members[") {
                let inner = &path["members[".len()..path.len() - 1];
                let Ok(Filter::Compare {
                    value: CompValue::Str(mid),
                    ..
                }) = filter::parse(inner)
                else {
                    return error(400, Some("invalidPath"), "bad member path", self.airtable);
                };
                let g = self.groups.get_mut(id).unwrap();
                g.members
                    .get_or_insert_with(Vec::new)
                    .retain(|m| m.value != mid);
            } else if path == "displayName" {
                let name = op
                    .value
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                self.groups.get_mut(id).unwrap().display_name = name;
            } else {
                return error(
                    400,
                    Some("invalidPath"),
                    "unsupported group patch",
                    self.airtable,
                );
            }
        }
        ok(200, serde_json::to_value(&self.groups[id]).unwrap())
    }

    fn put_group(&mut self, id: &str, body: Option<Value>) -> HttpResponse {
        let Some(Ok(mut g)) = body.map(serde_json::from_value::<Group>) else {
            return error(400, Some("invalidSyntax"), "bad group", self.airtable);
        };
        let Some(slot) = self.groups.get_mut(id) else {
            return self.unknown_group();
        };
        g.id = Some(id.to_owned());
        if g.members.is_none() {
            g.members = slot.members.clone();
        }
        *slot = g;
        ok(200, serde_json::to_value(&*slot).unwrap())
    }
}

fn ok(status: u16, body: Value) -> HttpResponse {
    HttpResponse::new(status, body.to_string())
}

fn error(status: u16, scim_type: Option<&str>, detail: &str, airtable: bool) -> HttpResponse {
    let status_value = if airtable {
        json!(status)
    } else {
        json!(status.to_string())
    };
    let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status_value, "detail": detail});
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    HttpResponse::new(status, body.to_string())
}
