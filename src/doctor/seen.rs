//! What the probe learns on its way, for the probes after it: the listed users, the
//! throwaway resources it made (and must remove), the members a PATCH is checked against,
//! the headers and error bodies seen. Plus the few readers of answer bodies the rules use
//! (attribute names compared case-insensitively, RFC 7643 §2.1).

use serde_json::Value;

use crate::http::HttpResponse;
use crate::model::ServiceProviderConfig;
use crate::request::ResourceKind;

use super::Evidence;

/// The probe's memory. See the module docs.
#[derive(Debug, Default)]
pub(super) struct Seen {
    /// The throwaway names' suffix.
    pub suffix: String,
    /// The server's ServiceProviderConfig, when it answered one.
    pub spc: Option<ServiceProviderConfig>,
    /// The first page's users: id and userName, in the order listed.
    pub listed: Vec<(String, String)>,
    /// Whether two reads gave one order (`None`: not known).
    pub stable: Option<bool>,
    /// The throwaway users made, in order (`None`: the create failed).
    pub users: Vec<Option<String>>,
    /// The throwaway group.
    pub group: Option<String>,
    /// The members the group had before the PATCH under check.
    pub before: Vec<String>,
    /// The evidence of the write whose effect the next step reads (a PATCH, the group's
    /// create, a DELETE).
    pub carry: Option<Evidence>,
    /// Whether the operation names were taken: lower case, capitalized.
    pub op_case: [Option<bool>; 2],
    /// The operation-name probes' evidence.
    pub op_evidence: Vec<Evidence>,
    /// The evidence of removals that failed.
    pub cleanup_evidence: Vec<Evidence>,
    /// Whether any answer came.
    pub answered: bool,
    /// Whether DELETE only deactivates users (their removal then leaves them deactivated).
    pub delete_deactivates: bool,
    /// What is to be removed at the end, first first.
    pub to_remove: Vec<(ResourceKind, String)>,
    /// The ids of what could not be removed.
    pub left: Vec<String>,
    /// Rate-limit header names seen, lower-cased, each once.
    pub rate_headers: Vec<String>,
    /// The first error body with a `status`: whether it was a number, and its evidence.
    pub status_number: Option<(bool, Evidence)>,
}

impl Seen {
    pub(super) fn new(suffix: String) -> Seen {
        Seen {
            suffix,
            ..Seen::default()
        }
    }

    /// The `i`th throwaway userName.
    pub(super) fn user_name(&self, i: usize) -> String {
        format!("scim-doctor-{}-{i}@example.com", self.suffix)
    }

    /// The throwaway group's name.
    pub(super) fn group_name(&self) -> String {
        format!("scim-doctor-{}", self.suffix)
    }

    /// The `i`th throwaway user's id, if it was made.
    pub(super) fn user(&self, i: usize) -> Option<&str> {
        self.users.get(i)?.as_deref()
    }

    /// Records rate-limit headers (`X-RateLimit-*`, `RateLimit*`, `Retry-After`).
    pub(super) fn note_headers(&mut self, response: &HttpResponse) {
        for (name, _) in &response.headers {
            let name = name.to_ascii_lowercase();
            let rate = name.starts_with("x-ratelimit") || name.starts_with("ratelimit");
            if (rate || name == "retry-after") && !self.rate_headers.contains(&name) {
                self.rate_headers.push(name);
            }
        }
    }

    /// Gives up removing what is left (a second abort).
    pub(super) fn abandon(&mut self) {
        for (_, id) in std::mem::take(&mut self.to_remove) {
            self.left.push(id);
        }
    }
}

/// The body as JSON, if it is JSON.
pub(super) fn body(response: &HttpResponse) -> Option<Value> {
    serde_json::from_str(&response.body).ok()
}

/// The member `name` of an object, its name compared case-insensitively.
pub(super) fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A string member, or a number written where a string belongs (ids).
pub(super) fn text(value: &Value, name: &str) -> Option<String> {
    match field(value, name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A listing page's resources (none when it is no page).
pub(super) fn resources(page: &Value) -> &[Value] {
    field(page, "Resources")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The ids a page lists, in order.
pub(super) fn ids(page: &Value) -> Vec<String> {
    resources(page)
        .iter()
        .filter_map(|r| text(r, "id"))
        .collect()
}

/// A group's member ids.
pub(super) fn members(group: &Value) -> Vec<String> {
    field(group, "members")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |m| {
            m.iter().filter_map(|m| text(m, "value")).collect()
        })
}
