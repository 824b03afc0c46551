//! Fault injection: what can go wrong, when, and how it is decided.
//!
//! [`Faults`] is plain configuration, all off by default, built with chained methods.
//! Request-level faults fire through a [`Trigger`]: explicit 1-based ordinals or ranges, a
//! rate per mille, or both, optionally scoped to some methods or endpoints. A trigger counts
//! only the requests in its scope (`Trigger::nth(2).on(Method::Post)` is the second POST),
//! and it counts every such request, whatever other faults did to it. Per-mille decisions
//! hash the seed, the fault kind and that count (see [`crate::rng`]), so each fault's
//! pattern depends on nothing but the seed and the requests in its scope.
//!
//! When several faults hit one request, the first applicable wins, in this order:
//! rate limit (429), throttle burst (429), drop, server error, then body corruption
//! (invalid JSON before truncation) on whatever response remains. Drops and server errors
//! may happen before or after the request is applied (`drop_after_apply`, default true;
//! `errors_after_apply`, default false), like a real server that commits and then loses the
//! connection or fails while rendering. [`Faults::lose_after_commit`] states that case
//! alone, per request: the request is always applied, then its answer is lost, cut short or
//! replaced by a gateway error, whatever the global toggles say; it comes after the 429s and
//! before every other fault.

use std::ops::RangeInclusive;

use scim_provision::http::Method;

use crate::cursor::CursorPaging;
use crate::rng::{below, draw, hits_per_mille, Stream};
use crate::routes::Endpoint;

/// When a request-level fault fires.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trigger {
    ranges: Vec<(u64, u64)>,
    per_mille: u32,
    methods: Vec<Method>,
    endpoints: Vec<Endpoint>,
}

impl Trigger {
    /// Never fires (the default).
    pub fn never() -> Trigger {
        Trigger::default()
    }

    /// Fires on the `n`th request in scope (1-based).
    pub fn nth(n: u64) -> Trigger {
        Trigger::never().or_nth(n)
    }

    /// Fires on every request in scope whose 1-based ordinal is in `range`.
    pub fn range(range: RangeInclusive<u64>) -> Trigger {
        Trigger::never().or_range(range)
    }

    /// Fires on each request in scope with probability `per_mille`/1000, drawn from the seed.
    pub fn per_mille(per_mille: u32) -> Trigger {
        Trigger::never().or_per_mille(per_mille)
    }

    /// Also fires on the `n`th request in scope.
    #[must_use]
    pub fn or_nth(self, n: u64) -> Trigger {
        self.or_range(n..=n)
    }

    /// Also fires on the requests in scope whose ordinal is in `range`.
    #[must_use]
    pub fn or_range(mut self, range: RangeInclusive<u64>) -> Trigger {
        if range.start() <= range.end() {
            self.ranges.push((*range.start(), *range.end()));
        }
        self
    }

    /// Sets the per-mille rate (values of 1000 or more fire on every request in scope).
    #[must_use]
    pub fn or_per_mille(mut self, per_mille: u32) -> Trigger {
        self.per_mille = per_mille;
        self
    }

    /// Restricts the trigger to `method` (call again to allow several methods). Without any
    /// `on`, every method is in scope.
    #[must_use]
    pub fn on(mut self, method: Method) -> Trigger {
        if !self.methods.contains(&method) {
            self.methods.push(method);
        }
        self
    }

    /// Restricts the trigger to `endpoint` (call again to allow several). Without any
    /// `on_endpoint`, every endpoint is in scope.
    #[must_use]
    pub fn on_endpoint(mut self, endpoint: Endpoint) -> Trigger {
        if !self.endpoints.contains(&endpoint) {
            self.endpoints.push(endpoint);
        }
        self
    }

    /// Whether the trigger can ever fire.
    pub fn is_never(&self) -> bool {
        self.ranges.is_empty() && self.per_mille == 0
    }

    fn in_scope(&self, method: Method, endpoint: Endpoint) -> bool {
        (self.methods.is_empty() || self.methods.contains(&method))
            && (self.endpoints.is_empty() || self.endpoints.contains(&endpoint))
    }

    fn fires(&self, ordinal: u64, seed: u64, stream: Stream) -> bool {
        self.ranges
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&ordinal))
            || hits_per_mille(draw(seed, stream, ordinal), self.per_mille)
    }
}

/// How a 429 tells the client when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Seconds(u64),
    /// `Retry-After: <HTTP date>`, that many seconds after the request's `now_ms` (read as
    /// Unix milliseconds).
    HttpDate {
        /// Seconds from the request to the date sent.
        after_secs: u64,
    },
    /// No `Retry-After` header at all.
    Omitted,
}

/// What becomes of the answer to a request the server has committed
/// ([`Faults::lose_after_commit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LostAnswer {
    /// The connection drops: [`crate::Reply::Drop`].
    Dropped,
    /// The body is cut at about half (status and headers kept).
    Truncated,
    /// A gateway in front of the server answers this status (502, 504...) with an HTML
    /// page (a 500 carries a SCIM Error body).
    ServerError(u16),
}

/// A token-bucket rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Tokens added per second.
    pub requests_per_second: u32,
    /// Bucket size: requests allowed at once after a quiet period (at least 1).
    pub burst: u32,
}

/// The kinds of fault the simulator injects, as recorded in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FaultKind {
    /// 429 from the token bucket.
    RateLimited,
    /// 429 from a throttle trigger.
    Throttled,
    /// A 5xx answer.
    ServerError,
    /// No answer at all.
    Dropped,
    /// The body cut short.
    Truncated,
    /// The body replaced by something that is not JSON.
    InvalidJson,
}

/// Faults and behaviour toggles, all off by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Faults {
    pub(crate) latency_ms: u64,
    pub(crate) jitter_ms: u64,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) retry_after: Option<RetryAfter>,
    pub(crate) throttle: Trigger,
    pub(crate) server_errors: Trigger,
    pub(crate) server_error_statuses: Vec<u16>,
    pub(crate) errors_after_apply: bool,
    pub(crate) drops: Trigger,
    pub(crate) drop_after_apply: bool,
    pub(crate) truncated: Trigger,
    pub(crate) invalid_json: Trigger,
    pub(crate) page_cap: Option<u64>,
    pub(crate) max_results: Option<u64>,
    pub(crate) bulk: Option<(u64, u64)>,
    pub(crate) ignore_start_index: bool,
    pub(crate) unstable_order: bool,
    pub(crate) total_changes_mid_listing: bool,
    pub(crate) short_total: u64,
    pub(crate) patch_returns_no_content: bool,
    pub(crate) after_commit: Vec<(Trigger, LostAnswer)>,
    pub(crate) reject_escaped_quotes: bool,
    pub(crate) duplicate_group_names: bool,
    pub(crate) ignored_user_attributes: Vec<String>,
    pub(crate) case_sensitive_user_names: bool,
    pub(crate) remove_by_value_clears: bool,
    pub(crate) numeric_error_status: bool,
    pub(crate) cursors: Option<CursorPaging>,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            latency_ms: 0,
            jitter_ms: 0,
            rate_limit: None,
            retry_after: None,
            throttle: Trigger::never(),
            server_errors: Trigger::never(),
            server_error_statuses: vec![500, 502, 503],
            errors_after_apply: false,
            drops: Trigger::never(),
            drop_after_apply: true,
            truncated: Trigger::never(),
            invalid_json: Trigger::never(),
            page_cap: None,
            max_results: None,
            bulk: None,
            ignore_start_index: false,
            unstable_order: false,
            total_changes_mid_listing: false,
            short_total: 0,
            patch_returns_no_content: false,
            after_commit: Vec::new(),
            reject_escaped_quotes: false,
            duplicate_group_names: false,
            ignored_user_attributes: Vec::new(),
            case_sensitive_user_names: false,
            remove_by_value_clears: false,
            numeric_error_status: false,
            cursors: None,
        }
    }
}

impl Faults {
    /// No faults: an instant, well-behaved server.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Every response is delivered `ms` after the request arrived.
    #[must_use]
    pub fn latency_ms(mut self, ms: u64) -> Faults {
        self.latency_ms = ms;
        self
    }

    /// Adds a seeded delay of 0 to `ms` (inclusive) to each response.
    #[must_use]
    pub fn jitter_ms(mut self, ms: u64) -> Faults {
        self.jitter_ms = ms;
        self
    }

    /// A token bucket of `burst` requests refilled at `requests_per_second`; a request
    /// finding it empty gets a 429 with `Retry-After` and is not applied. Airtable documents
    /// 5 requests per second.
    #[must_use]
    pub fn rate_limit(mut self, requests_per_second: u32, burst: u32) -> Faults {
        self.rate_limit = Some(RateLimit {
            requests_per_second,
            burst: burst.max(1),
        });
        self
    }

    /// How 429s carry `Retry-After`. The default is 30 seconds for the Airtable flavor (its
    /// documented wait) and 1 second for the generic one.
    #[must_use]
    pub fn retry_after(mut self, retry_after: RetryAfter) -> Faults {
        self.retry_after = Some(retry_after);
        self
    }

    /// Answers 429 (with `Retry-After`, not applied) when `trigger` fires: bursts of
    /// throttling at chosen ordinals, independent of the rate limit.
    #[must_use]
    pub fn throttle(mut self, trigger: Trigger) -> Faults {
        self.throttle = trigger;
        self
    }

    /// Answers a 5xx when `trigger` fires; the status is drawn from
    /// [`Faults::server_error_statuses`] (default 500, 502, 503). 500 carries a SCIM Error
    /// body; 502, 503 and 504 an HTML page, as a proxy in front of the server would send.
    #[must_use]
    pub fn server_errors(mut self, trigger: Trigger) -> Faults {
        self.server_errors = trigger;
        self
    }

    /// The statuses a server error is drawn from (an empty list means 500).
    #[must_use]
    pub fn server_error_statuses(mut self, statuses: &[u16]) -> Faults {
        self.server_error_statuses = statuses.to_vec();
        self
    }

    /// Whether a server error happens after the request was applied (a write that succeeded
    /// but answered 5xx). Default false.
    #[must_use]
    pub fn errors_after_apply(mut self, after: bool) -> Faults {
        self.errors_after_apply = after;
        self
    }

    /// Loses the response when `trigger` fires: [`crate::Reply::Drop`].
    #[must_use]
    pub fn drops(mut self, trigger: Trigger) -> Faults {
        self.drops = trigger;
        self
    }

    /// Whether a dropped request was applied before the response was lost. Default true:
    /// the case that makes "no duplicate creation after a retry" testable.
    #[must_use]
    pub fn drop_after_apply(mut self, after: bool) -> Faults {
        self.drop_after_apply = after;
        self
    }

    /// Cuts the response body in half when `trigger` fires (status and headers kept; a
    /// response without a body is left alone).
    #[must_use]
    pub fn truncated_bodies(mut self, trigger: Trigger) -> Faults {
        self.truncated = trigger;
        self
    }

    /// Replaces the response body with an HTML page when `trigger` fires (status kept,
    /// `Content-Type: text/html`; a response without a body is left alone).
    #[must_use]
    pub fn invalid_json_bodies(mut self, trigger: Trigger) -> Faults {
        self.invalid_json = trigger;
        self
    }

    /// Pagination lie: pages silently hold at most `n` resources, whatever `count` asked
    /// (`itemsPerPage` tells the truth about the page, nothing else does).
    #[must_use]
    pub fn page_cap(mut self, n: u64) -> Faults {
        self.page_cap = Some(n);
        self
    }

    /// An honest page-size cap: pages hold at most `n` resources and the generic flavor's
    /// ServiceProviderConfig advertises `filter.maxResults: n`.
    #[must_use]
    pub fn max_results(mut self, n: u64) -> Faults {
        self.max_results = Some(n);
        self
    }

    /// SCIM Bulk (RFC 7644 §3.7) served at `POST /Bulk` and advertised by the generic
    /// flavor's ServiceProviderConfig, with these limits (operations per request, bytes per
    /// body). Without it, `/Bulk` answers 404 and discovery says Bulk is unsupported.
    #[must_use]
    pub fn bulk(mut self, max_operations: u64, max_payload_size: u64) -> Faults {
        self.bulk = Some((max_operations, max_payload_size));
        self
    }

    /// Pagination lie: `startIndex` is ignored and the first page served, while the response
    /// echoes the `startIndex` asked for (only duplicate ids give it away).
    #[must_use]
    pub fn ignore_start_index(mut self) -> Faults {
        self.ignore_start_index = true;
        self
    }

    /// Pagination lie: every listing request sees its own seeded shuffle of the resources.
    #[must_use]
    pub fn unstable_order(mut self) -> Faults {
        self.unstable_order = true;
        self
    }

    /// Pagination lie: pages after the first (`startIndex` > 1) report one more
    /// `totalResults` than the first page did.
    #[must_use]
    pub fn total_changes_mid_listing(mut self) -> Faults {
        self.total_changes_mid_listing = true;
        self
    }

    /// Pagination lie: `totalResults` reports `extra` more resources than exist, so a client
    /// paging to the total meets empty pages.
    #[must_use]
    pub fn short_total(mut self, extra: u64) -> Faults {
        self.short_total = extra;
        self
    }

    /// Commits the request, then loses its answer as `how` says, when `trigger` fires
    /// (scope it with [`Trigger::on`] and [`Trigger::on_endpoint`], as in
    /// `Trigger::nth(1).on(Method::Post).on_endpoint(Endpoint::Groups)`). Call again to add
    /// more; each has its own count, and the first that fires on a request decides.
    #[must_use]
    pub fn lose_after_commit(mut self, trigger: Trigger, how: LostAnswer) -> Faults {
        self.after_commit.push((trigger, how));
        self
    }

    /// A server whose filter parser cannot read an escaped quote: a listing whose `filter`
    /// holds `\"` answers 400 `invalidFilter`.
    #[must_use]
    pub fn reject_escaped_quotes(mut self) -> Faults {
        self.reject_escaped_quotes = true;
        self
    }

    /// A user's attribute (a top-level name: `title`, or an extension's URN) that PUT and
    /// PATCH answer success for but do not keep: the answer and later listings show the old
    /// value, as a server does with an attribute it treats as read-only without saying so.
    #[must_use]
    pub fn ignore_user_attribute(mut self, name: &str) -> Faults {
        self.ignored_user_attributes.push(name.to_owned());
        self
    }

    /// `displayName` is not unique, as RFC 7643 allows (scim2-server, among others): a
    /// `POST /Groups` or a rename to a name already taken makes a second group of that
    /// name instead of answering 409.
    #[must_use]
    pub fn duplicate_group_names(mut self) -> Faults {
        self.duplicate_group_names = true;
        self
    }

    /// `userName eq` filters compare case-sensitively (RFC 7643 says `caseExact` is false):
    /// `ANA@x.com` does not find `ana@x.com`. Creates still refuse a name differing only in
    /// case.
    #[must_use]
    pub fn case_sensitive_user_names(mut self) -> Faults {
        self.case_sensitive_user_names = true;
        self
    }

    /// A PATCH `remove` with a value path (`members[value eq "id"]`) removes every member of
    /// the group, not only the one named.
    #[must_use]
    pub fn remove_by_value_clears_group(mut self) -> Faults {
        self.remove_by_value_clears = true;
        self
    }

    /// Error bodies carry `status` as a JSON number (as Airtable's do) in the generic flavor
    /// too.
    #[must_use]
    pub fn numeric_error_status(mut self) -> Faults {
        self.numeric_error_status = true;
        self
    }

    /// RFC 9865 cursor paging as `paging` says (with its faults): a listing asked with
    /// `cursor` is answered in cursor pages, and the generic flavor's ServiceProviderConfig
    /// advertises `pagination` (`cursor` and `index`). See [`crate::cursor`].
    #[must_use]
    pub fn cursor_pagination(mut self, paging: CursorPaging) -> Faults {
        self.cursors = Some(paging);
        self
    }

    /// A successful PATCH answers 204 with no body instead of 200 with the resource (RFC
    /// 7644 §3.5.2 allows both).
    #[must_use]
    pub fn patch_returns_no_content(mut self) -> Faults {
        self.patch_returns_no_content = true;
        self
    }
}

/// What the faults decided for one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    pub rate_limited: bool,
    pub throttled: bool,
    pub server_error: Option<u16>,
    pub drop: bool,
    pub truncate: bool,
    pub invalid_json: bool,
    pub after_commit: Option<LostAnswer>,
}

/// Counters and the token bucket: the only state fault injection keeps.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultState {
    throttle: u64,
    server_errors: u64,
    drops: u64,
    truncated: u64,
    invalid_json: u64,
    after_commit: Vec<u64>,
    /// Thousandths of a token.
    bucket_milli: u64,
    bucket_last_ms: Option<u64>,
}

impl FaultState {
    /// Decides the faults for a request, advancing every in-scope trigger's counter.
    pub(crate) fn decide(
        &mut self,
        faults: &Faults,
        seed: u64,
        method: Method,
        endpoint: Endpoint,
        now_ms: u64,
    ) -> Decision {
        let step = |trigger: &Trigger, counter: &mut u64, stream: Stream| -> bool {
            if !trigger.in_scope(method, endpoint) {
                return false;
            }
            *counter += 1;
            trigger.fires(*counter, seed, stream)
        };
        let throttled = step(&faults.throttle, &mut self.throttle, Stream::Throttle);
        let server_error = step(
            &faults.server_errors,
            &mut self.server_errors,
            Stream::ServerError,
        )
        .then(|| {
            let statuses = &faults.server_error_statuses;
            let pick = below(
                draw(seed, Stream::ServerErrorStatus, self.server_errors),
                statuses.len() as u64,
            );
            statuses.get(pick as usize).copied().unwrap_or(500)
        });
        let drop = step(&faults.drops, &mut self.drops, Stream::Drop);
        let truncate = step(&faults.truncated, &mut self.truncated, Stream::Truncate);
        let invalid_json = step(
            &faults.invalid_json,
            &mut self.invalid_json,
            Stream::InvalidJson,
        );
        if self.after_commit.len() < faults.after_commit.len() {
            self.after_commit.resize(faults.after_commit.len(), 0);
        }
        let mut after_commit = None;
        for (i, ((trigger, how), counter)) in faults
            .after_commit
            .iter()
            .zip(self.after_commit.iter_mut())
            .enumerate()
        {
            // Each entry draws from its own seed, so adding one moves no other.
            if !trigger.in_scope(method, endpoint) {
                continue;
            }
            *counter += 1;
            let seed = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            if trigger.fires(*counter, seed, Stream::AfterCommit) && after_commit.is_none() {
                after_commit = Some(*how);
            }
        }
        let rate_limited = match faults.rate_limit {
            Some(limit) => !self.admit(limit, now_ms),
            None => false,
        };
        Decision {
            rate_limited,
            throttled,
            server_error,
            drop,
            truncate,
            invalid_json,
            after_commit,
        }
    }

    /// Takes a token if there is one. Time that goes backwards adds nothing.
    fn admit(&mut self, limit: RateLimit, now_ms: u64) -> bool {
        let capacity = u64::from(limit.burst.max(1)) * 1000;
        self.bucket_milli = match self.bucket_last_ms {
            None => capacity,
            Some(last) => {
                let refill = now_ms
                    .saturating_sub(last)
                    .saturating_mul(u64::from(limit.requests_per_second));
                self.bucket_milli.saturating_add(refill).min(capacity)
            }
        };
        self.bucket_last_ms = Some(self.bucket_last_ms.map_or(now_ms, |l| l.max(now_ms)));
        if self.bucket_milli >= 1000 {
            self.bucket_milli -= 1000;
            true
        } else {
            false
        }
    }
}

/// The body cut at about half, on a character boundary.
pub(crate) fn truncate_body(body: &str) -> String {
    let mut cut = body.len() / 2;
    while cut > 0 && !body.is_char_boundary(cut) {
        cut -= 1;
    }
    body[..cut].to_owned()
}

/// What a misbehaving proxy or server sends instead of JSON.
pub(crate) const HTML_BODY: &str =
    "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_count_only_their_scope() {
        let t = Trigger::nth(2).on(Method::Post);
        let faults = Faults::none().drops(t);
        let mut state = FaultState::default();
        let mut fired = Vec::new();
        for (i, m) in [
            Method::Get,
            Method::Post,
            Method::Get,
            Method::Post,
            Method::Post,
        ]
        .into_iter()
        .enumerate()
        {
            if state.decide(&faults, 1, m, Endpoint::Users, 0).drop {
                fired.push(i);
            }
        }
        assert_eq!(fired, [3]);
    }

    #[test]
    fn token_bucket_refills_at_the_rate() {
        let faults = Faults::none().rate_limit(5, 5);
        let mut s = FaultState::default();
        let admitted = |s: &mut FaultState, now| {
            !s.decide(&faults, 0, Method::Get, Endpoint::Users, now)
                .rate_limited
        };
        assert!((0..5).all(|_| admitted(&mut s, 0)));
        assert!(!admitted(&mut s, 0));
        assert!(!admitted(&mut s, 199));
        assert!(admitted(&mut s, 200));
        assert!(!admitted(&mut s, 200));
        // A long pause refills only up to the burst.
        assert!((0..5).all(|_| admitted(&mut s, 100_000)));
        assert!(!admitted(&mut s, 100_000));
        // Time going backwards refills nothing and does not panic.
        assert!(!admitted(&mut s, 0));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_body("ééé"), "é");
        assert_eq!(truncate_body(""), "");
    }
}
