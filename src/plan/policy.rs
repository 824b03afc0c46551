//! The safety policy: what the planner may touch and how far it may go in one run.
//!
//! The policy arrives as JSON from hosts and is read by serde's derives: camelCase names,
//! absent fields from the type's `Default` (`Policy::default()`'s caps for an absent
//! `maxDeletions`, none for an absent `count` inside one), unknown fields refused (a
//! misspelt limit must not silently fall back to its default).

use serde::{Deserialize, Serialize};

use super::allowed::Allowed;
use super::keys::same_key;
use crate::filter::{Filter, FilterParseError};
use crate::model::User;

/// What happens to a managed user the directory no longer lists.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Offboarding {
    /// Set `active=false` (default): reversible, and Airtable stops billing the seat.
    #[default]
    Deactivate,
    /// `DELETE` the user: permanent.
    Delete,
    /// Leave the user as they are.
    Leave,
}

/// The users the planner may touch. Each criterion given must hold; none given means every
/// user is in scope.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Scope {
    /// userName must end in `@` one of these domains (case-insensitive).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub email_domains: Vec<String>,
    /// The user must carry an `externalId` (users this tool created do).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub require_external_id: bool,
    /// The user's userName must be one of these (case-insensitive, after NFC).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub user_names: Vec<String>,
    /// The user must satisfy this SCIM filter expression (RFC 7644 §3.4.2.2), evaluated by
    /// the core on directory and server users alike (`filter::Filter::matches`), e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales" and
    /// not (title co "Contractor")`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional = nullable, as = "Option<String>"))]
    pub filter: Option<ScopeFilter>,
}

/// A scope's filter: its text as written and the expression parsed from it once, when the
/// policy is read (a malformed filter is refused there, at `scope.filter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeFilter {
    text: String,
    parsed: Filter,
}

impl ScopeFilter {
    /// Parses a filter expression.
    ///
    /// # Errors
    ///
    /// The parser's error when `text` is not a filter this crate reads.
    pub fn new(text: &str) -> Result<ScopeFilter, FilterParseError> {
        Ok(ScopeFilter {
            text: text.to_owned(),
            parsed: crate::filter::parse(text)?,
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a user satisfies it.
    pub fn matches(&self, user: &User) -> bool {
        crate::model::user_json(user).is_some_and(|json| self.parsed.matches(&json))
    }
}

impl Serialize for ScopeFilter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for ScopeFilter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ScopeFilter, D::Error> {
        let text = String::deserialize(deserializer)?;
        ScopeFilter::new(&text).map_err(serde::de::Error::custom)
    }
}

/// A limit on removals per run, as a count and as a percentage of the in-scope users on the
/// server. Exceeding either blocks the plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Cap {
    /// At most this many.
    pub count: Option<u32>,
    /// At most this percentage (0-100) of in-scope server users.
    pub percent: Option<f64>,
}

/// A cap written as text that is neither a count nor a percentage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a count (10) or a percentage (5%) of at most 100, not {}", crate::quoted::q(.text))]
pub struct CapError {
    /// The text as given.
    pub text: String,
}

impl std::str::FromStr for Cap {
    type Err = CapError;

    /// `N` (a count, up to 9 digits) or `P%` (a percentage from 0 to 100, decimals allowed),
    /// as a command line or a form takes a cap.
    fn from_str(text: &str) -> Result<Cap, CapError> {
        let bad = || CapError {
            text: text.to_owned(),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if let Some(percent) = text.strip_suffix('%') {
            let (whole, fraction) = percent.split_once('.').unwrap_or((percent, "0"));
            if whole.len() > 3 || !digits(whole) || !digits(fraction) {
                return Err(bad());
            }
            let value: f64 = percent.parse().map_err(|_| bad())?;
            return if value <= 100.0 {
                Ok(Cap {
                    count: None,
                    percent: Some(value),
                })
            } else {
                Err(bad())
            };
        }
        if text.len() > 9 || !digits(text) {
            return Err(bad());
        }
        let count = text.parse().map_err(|_| bad())?;
        Ok(Cap {
            count: Some(count),
            percent: None,
        })
    }
}

/// Everything that limits what a plan may do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Policy {
    /// What happens to users the directory no longer lists (default: deactivate).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub offboarding: Offboarding,
    /// Users outside the scope are never touched.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub scope: Scope,
    /// userNames never touched, whatever the directory says (the service account...).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub protected_user_names: Vec<String>,
    /// Deactivations per run (default: 100 users and 25 %).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_deactivations: Cap,
    /// Deletions per run (default: 10 users and 10 %).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub max_deletions: Cap,
    /// Delete server groups the directory does not name (default: false; only groups the
    /// directory names are managed).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub delete_unnamed_groups: bool,
    /// Which kinds of change the run may make (default: all); what it may not is left out
    /// of the plan with a note.
    #[serde(skip_serializing_if = "Allowed::is_all")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub allow: Allowed,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            offboarding: Offboarding::Deactivate,
            scope: Scope::default(),
            protected_user_names: Vec::new(),
            max_deactivations: Cap {
                count: Some(100),
                percent: Some(25.0),
            },
            max_deletions: Cap {
                count: Some(10),
                percent: Some(10.0),
            },
            delete_unnamed_groups: false,
            allow: Allowed::default(),
        }
    }
}

impl Scope {
    /// Only users whose userName ends in `@` one of `domains`.
    pub fn with_email_domains(mut self, domains: Vec<String>) -> Scope {
        self.email_domains = domains;
        self
    }

    /// Only users that carry an `externalId` (`true`).
    pub fn with_require_external_id(mut self, require: bool) -> Scope {
        self.require_external_id = require;
        self
    }

    /// Only users with one of these userNames.
    pub fn with_user_names(mut self, user_names: Vec<String>) -> Scope {
        self.user_names = user_names;
        self
    }

    /// Only users satisfying this filter.
    pub fn with_filter(mut self, filter: ScopeFilter) -> Scope {
        self.filter = Some(filter);
        self
    }

    /// Whether a user is in scope.
    pub fn contains(&self, user: &User) -> bool {
        let (user_name, external_id) = (user.user_name.as_str(), user.external_id.as_deref());
        if self.require_external_id && external_id.is_none_or(str::is_empty) {
            return false;
        }
        if !self.email_domains.is_empty() {
            let domain = user_name.rsplit_once('@').map(|(_, d)| d);
            let listed = domain.is_some_and(|d| {
                self.email_domains
                    .iter()
                    .any(|allowed| allowed.trim_start_matches('@').eq_ignore_ascii_case(d))
            });
            if !listed {
                return false;
            }
        }
        if !self.user_names.is_empty() && !self.user_names.iter().any(|n| same_key(n, user_name)) {
            return false;
        }
        self.filter.as_ref().is_none_or(|f| f.matches(user))
    }
}

impl Policy {
    /// What happens to users the directory no longer lists.
    pub fn with_offboarding(mut self, offboarding: Offboarding) -> Policy {
        self.offboarding = offboarding;
        self
    }

    /// The users the planner may touch.
    pub fn with_scope(mut self, scope: Scope) -> Policy {
        self.scope = scope;
        self
    }

    /// userNames never touched.
    pub fn with_protected_user_names(mut self, user_names: Vec<String>) -> Policy {
        self.protected_user_names = user_names;
        self
    }

    /// The deactivations allowed per run.
    pub fn with_max_deactivations(mut self, cap: Cap) -> Policy {
        self.max_deactivations = cap;
        self
    }

    /// The deletions allowed per run.
    pub fn with_max_deletions(mut self, cap: Cap) -> Policy {
        self.max_deletions = cap;
        self
    }

    /// Whether server groups the directory does not name are deleted.
    pub fn with_delete_unnamed_groups(mut self, delete: bool) -> Policy {
        self.delete_unnamed_groups = delete;
        self
    }

    /// Only the kinds of change `allow` lists.
    pub fn with_allow(mut self, allow: Allowed) -> Policy {
        self.allow = allow;
        self
    }

    /// Whether a userName is protected.
    pub fn is_protected(&self, user_name: &str) -> bool {
        self.protected_user_names
            .iter()
            .any(|p| same_key(p, user_name))
    }

    /// Whether the planner may touch this user at all.
    pub fn may_touch(&self, user: &User) -> bool {
        self.scope.contains(user) && !self.is_protected(&user.user_name)
    }
}

impl Cap {
    /// At most `count` removals and at most `percent` % of the in-scope users (`None`: no
    /// limit of that kind).
    pub fn new(count: Option<u32>, percent: Option<f64>) -> Cap {
        Cap { count, percent }
    }

    /// The reason `planned` removals exceed this cap out of `in_scope` users, if they do.
    pub fn exceeded(&self, planned: usize, in_scope: usize) -> Option<String> {
        if let Some(count) = self.count {
            if planned > count as usize {
                return Some(format!("{planned} planned, the cap is {count}"));
            }
        }
        if let Some(percent) = self.percent {
            // planned / in_scope > percent / 100, in integers-times-100 to avoid rounding.
            if planned > 0 && (planned as f64) * 100.0 > percent * in_scope as f64 {
                let (share, percent) = (share_text(planned, in_scope), percent_text(percent));
                return Some(format!(
                    "{planned} of {in_scope} in-scope users ({share} %) planned, the cap is {percent} %"
                ));
            }
        }
        None
    }
}

/// `planned` as a percentage of `in_scope` to one decimal (`33.3`; `100.0` of none),
/// rounded half to even on the exact ratio. In integers: formatting a float pulls the float
/// formatter, some 6 KB gzipped, into the `.wasm`.
fn share_text(planned: usize, in_scope: usize) -> String {
    if in_scope == 0 {
        return "100.0".into();
    }
    let (n, d) = ((planned as u64).saturating_mul(1000), in_scope as u64);
    let (mut tenths, rest) = (n / d, n % d);
    if 2 * rest > d || (2 * rest == d && tenths % 2 == 1) {
        tenths += 1;
    }
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// A cap's percentage as JSON writes it (`25`, `2.5`): serde_json's number writer, not the
/// float formatter (see `share_text`).
fn percent_text(percent: f64) -> String {
    let text = serde_json::to_string(&percent).unwrap_or_default();
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_percentages_read_as_the_float_formatter_writes_them() {
        for (planned, in_scope) in [(1, 3), (2, 3), (1, 8), (5, 7), (1, 1), (3, 1000), (7, 40)] {
            let share = planned as f64 * 100.0 / in_scope as f64;
            assert_eq!(share_text(planned, in_scope), format!("{share:.1}"));
        }
        assert_eq!(share_text(3, 0), "100.0");
        for percent in [25.0, 2.5, 0.1, 100.0, 33.333] {
            assert_eq!(percent_text(percent), format!("{percent}"));
        }
    }

    fn error(text: &str) -> String {
        crate::json::from_str::<Policy>(text)
            .map(|p| panic!("accepted {p:?}"))
            .unwrap_or_else(|e| format!("at `{}`: {}", e.path, e.reason))
    }

    #[test]
    fn caps_parse_from_counts_and_percentages() {
        let count = |n| Cap {
            count: Some(n),
            percent: None,
        };
        let percent = |p| Cap {
            count: None,
            percent: Some(p),
        };
        assert_eq!("10".parse(), Ok(count(10)));
        assert_eq!("0".parse(), Ok(count(0)));
        assert_eq!("999999999".parse(), Ok(count(999_999_999)));
        assert_eq!("5%".parse(), Ok(percent(5.0)));
        assert_eq!("12.5%".parse(), Ok(percent(12.5)));
        assert_eq!("100%".parse(), Ok(percent(100.0)));
        for bad in [
            "",
            "%",
            "-1",
            "+1",
            "1.5",
            "1e3",
            "1000000000",
            "100.5%",
            "101%",
            "1000%",
            " 5",
            "5 %",
            ".5%",
            "5.%",
            "0x10",
            "ten",
            "5%%",
        ] {
            let err = bad.parse::<Cap>().unwrap_err();
            assert_eq!(err.text, bad);
            assert!(err.to_string().starts_with("must be a count (10)"), "{err}");
        }
    }

    #[test]
    fn policies_round_trip_and_absent_fields_take_the_defaults() {
        let policy = Policy {
            offboarding: Offboarding::Delete,
            scope: Scope {
                email_domains: vec!["example.com".into()],
                require_external_id: true,
                user_names: vec!["ana@example.com".into()],
                filter: Some(ScopeFilter::new("active eq true").unwrap()),
            },
            protected_user_names: vec!["svc@example.com".into()],
            max_deactivations: Cap {
                count: None,
                percent: Some(12.5),
            },
            max_deletions: Cap::default(),
            delete_unnamed_groups: true,
            allow: Allowed::default().with_memberships(vec![crate::plan::MembershipVerb::Add]),
        };
        let json = serde_json::to_string(&policy).unwrap();
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), policy);
        assert_eq!(
            serde_json::from_str::<Policy>("{}").unwrap(),
            Policy::default()
        );
        let p: Policy = serde_json::from_str(r#"{"maxDeletions":{"percent":5}}"#).unwrap();
        assert_eq!(
            p.max_deletions,
            Cap {
                count: None,
                percent: Some(5.0)
            }
        );
        assert_eq!(p.max_deactivations, Policy::default().max_deactivations);
    }

    #[test]
    fn errors_read_as_the_derives_read() {
        assert_eq!(
            error(r#"{"maxDeletions":{"count":"x"}}"#),
            "at `maxDeletions.count`: invalid type: string \"x\", expected u32"
        );
        assert_eq!(
            error(r#"{"maxDeactivation":1}"#),
            "at `maxDeactivation`: unknown field `maxDeactivation`, expected one of `offboarding`, `scope`, `protectedUserNames`, `maxDeactivations`, `maxDeletions`, `deleteUnnamedGroups`, `allow`"
        );
        assert_eq!(
            error(r#"{"offboarding":"purge"}"#),
            "at `offboarding`: unknown variant `purge`, expected one of `deactivate`, `delete`, `leave`"
        );
        assert_eq!(
            error(r#"{"scope":{"emailDomains":["a",7]}}"#),
            "at `scope.emailDomains[1]`: invalid type: integer `7`, expected a string"
        );
        assert_eq!(
            error(r#"{"maxDeletions":{"count":-1}}"#),
            "at `maxDeletions.count`: invalid value: integer `-1`, expected u32"
        );
        assert_eq!(
            error(r#"{"scope":null}"#),
            "at `scope`: invalid type: null, expected struct Scope"
        );
    }

    #[test]
    fn scope_criteria_all_apply() {
        let user = |name: &str, ext: Option<&str>| {
            let mut u = User::new(name);
            u.external_id = ext.map(str::to_owned);
            u
        };
        let s = Scope {
            email_domains: vec!["Example.com".into()],
            require_external_id: true,
            user_names: vec![],
            filter: None,
        };
        assert!(s.contains(&user("ana@EXAMPLE.com", Some("1"))));
        assert!(!s.contains(&user("ana@example.com", None)));
        assert!(!s.contains(&user("ana@other.com", Some("1"))));
        assert!(!s.contains(&user("ana@example.com.evil", Some("1"))));
        assert!(Scope::default().contains(&user("anything", None)));
    }

    #[test]
    fn a_scope_filter_is_read_once_and_evaluated_on_each_user() {
        let policy: Policy = crate::json::from_str(
            r#"{"scope": {"filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"Sales\" and not (title co \"Contractor\")"}}"#,
        )
        .unwrap();
        let person = |department: &str, title: &str| {
            let mut u: User = serde_json::from_value(serde_json::json!({
                "userName": "p@example.com", "title": title,
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": department}
            }))
            .unwrap();
            u.schemas.clear();
            u
        };
        assert!(policy.may_touch(&person("sales", "Account Executive")));
        assert!(!policy.may_touch(&person("Sales", "Contractor, Sales")));
        assert!(!policy.may_touch(&person("Support", "Agent")));
        // Written back as the text it was read from.
        let json = serde_json::to_value(&policy).unwrap();
        assert!(json["scope"]["filter"]
            .as_str()
            .unwrap()
            .starts_with("urn:ietf"));
        let e =
            crate::json::from_str::<Policy>(r#"{"scope": {"filter": "title eq"}}"#).unwrap_err();
        assert_eq!(e.path, "scope.filter");
    }

    #[test]
    fn protected_names_compare_case_insensitively() {
        let p = Policy {
            protected_user_names: vec!["Svc@Example.com".into()],
            ..Policy::default()
        };
        assert!(p.is_protected("svc@example.COM"));
        assert!(!p.may_touch(&User::new("svc@example.com")));
    }

    #[test]
    fn caps_by_count_and_percent() {
        let cap = Cap {
            count: Some(5),
            percent: Some(25.0),
        };
        assert!(cap.exceeded(5, 100).is_none());
        assert!(cap.exceeded(6, 100).is_some());
        assert!(cap.exceeded(3, 10).is_some());
        assert!(cap.exceeded(0, 0).is_none());
        assert!(Cap::default().exceeded(1_000_000, 1).is_none());
    }
}
