//! # scim-sim
//!
//! A deterministic, in-process SCIM 2.0 service provider for `scim-provision`'s scenario tests
//! and benchmarks, in the spirit of str0m's network emulator: feed it the
//! [`HttpRequest`]s the engine emits, get back the [`HttpResponse`] and the time it is
//! delivered (or a dropped response), and inspect the resulting users, groups, request log
//! and statistics.
//!
//! It is pure: no clock (time is the `now_ms` argument), no threads, no I/O, and no entropy
//! (ids, jitter and per-mille faults come from the seed through SplitMix64). The same flavor,
//! faults, seed and requests always give the same replies and the same log.
//!
//! Two flavors: [`Flavor::Airtable`] reproduces Airtable's documented API and quirks (200 on
//! create, `usr…`/`ugp…` ids, numeric error `status`, 400 for an unknown group id, no
//! `startIndex` on `/Groups`, only `userName eq`/`displayName eq` filters, `path` required in
//! PATCH, no `/ServiceProviderConfig`); [`Flavor::Generic`] follows RFC 7643/7644 (201 with
//! `meta` and `Location`, UUID ids, string error `status`, full filter support, a
//! ServiceProviderConfig). [`Faults`] adds latency, rate limiting, 429 bursts, 5xx, drops,
//! corrupt bodies and pagination lies, each deterministic and bounded.
//!
//! ```
//! use scim_provision::model::User;
//! use scim_provision::profile::Profile;
//! use scim_provision::request::RequestEncoder;
//! use scim_sim::{Faults, Flavor, Reply, Simulator};
//!
//! let mut sim = Simulator::new(Flavor::Airtable, "/scim/v2", Faults::none().latency_ms(20), 7);
//! let encoder = RequestEncoder::new("/scim/v2", Profile::airtable())?;
//! let request = encoder.create_user(&User::new("ana@example.com"))?;
//! match sim.handle(&request, 1_000) {
//!     Reply::Respond { response, at_ms } => {
//!         assert_eq!(response.status, 200); // Airtable answers 200, not 201
//!         assert_eq!(at_ms, 1_020);
//!     }
//!     Reply::Drop => unreachable!("no drops configured"),
//! }
//! assert_eq!(sim.users()[0].user_name, "ana@example.com");
//! assert!(sim.users()[0].id.as_deref().unwrap().starts_with("usr"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modules: `routes` (path and query parsing), `store` (state and indexes), `users` and
//! `groups` (resource handlers), `patch` (PATCH paths and operations), `members` (group membership edits), `listing` (filters,
//! paging, pagination lies), `eval` (filter evaluation), `discovery`
//! (ServiceProviderConfig), `faults` (fault configuration and decisions), `rng`
//! (SplitMix64), `respond` (response and error bodies), `log` (request log and statistics),
//! `timefmt` (timestamps from `now_ms`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bulk;
mod cursor;
mod discovery;
mod drive;
mod eval;
mod faults;
mod groups;
mod listing;
mod log;
mod members;
mod patch;
mod respond;
mod rng;
mod routes;
mod store;
mod timefmt;
mod users;

use scim_provision::http::{HttpRequest, HttpResponse, Method};
use scim_provision::model::{Group, User};

pub use cursor::CursorPaging;
pub use drive::{drive, drive_logged, drive_reviewed, Control};
pub use faults::{FaultKind, Faults, LostAnswer, RateLimit, RetryAfter, Trigger};
pub use log::{LoggedRequest, Stats};
pub use routes::Endpoint;

use faults::{Decision, FaultState, HTML_BODY};
use patch::Resource;
use respond::{scim_error, Failure};
use routes::{Route, Target};
use store::Store;

/// Which service provider to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flavor {
    /// Airtable's SCIM API as documented, quirks included.
    Airtable,
    /// A service provider that follows RFC 7643/7644.
    Generic,
}

/// What becomes of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Reply {
    /// The response, delivered at `at_ms` (the request's `now_ms` plus latency and jitter).
    Respond {
        /// The response.
        response: HttpResponse,
        /// When the client receives it.
        at_ms: u64,
    },
    /// The response is lost: the client sees a transport failure or its own timeout. The
    /// request may still have been applied (see [`Faults::drop_after_apply`]).
    Drop,
}

/// A simulated SCIM service provider. See the crate documentation.
#[derive(Debug, Clone)]
pub struct Simulator {
    flavor: Flavor,
    faults: Faults,
    seed: u64,
    store: Store,
    fault_state: FaultState,
    ordinal: u64,
    last_now_ms: u64,
    log: Vec<LoggedRequest>,
}

impl Simulator {
    /// A service provider of `flavor` serving under `base_path` (such as `/scim/v2`; a
    /// trailing `/` is ignored), with `faults`, its randomness drawn from `seed`.
    pub fn new(flavor: Flavor, base_path: &str, faults: Faults, seed: u64) -> Simulator {
        let base = base_path.trim_end_matches('/');
        let mut store = Store::new(flavor, base, seed);
        store.unique_group_names = !faults.duplicate_group_names;
        store
            .ignored_user_attributes
            .clone_from(&faults.ignored_user_attributes);
        store.remove_by_value_clears = faults.remove_by_value_clears;
        Simulator {
            flavor,
            faults,
            seed,
            store,
            fault_state: FaultState::default(),
            ordinal: 0,
            last_now_ms: 0,
            log: Vec::new(),
        }
    }

    /// The flavor.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The faults in force.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Stores `user` as existing server state and returns the id assigned (`usr` and 14
    /// characters for Airtable, a UUID for the generic flavor). Any `id`, `groups` or `meta`
    /// it carries is replaced; everything else is stored as given, without the checks a
    /// `POST` makes (seeding two users with one userName is how to set up a duplicate).
    pub fn seed_user(&mut self, user: User) -> String {
        self.store.insert_user(user, self.last_now_ms)
    }

    /// Stores `group` as existing server state and returns the id assigned (`ugp…` for
    /// Airtable). Its `members` are kept as given (deduplicated), even ids of no user.
    pub fn seed_group(&mut self, group: Group) -> String {
        let members = group
            .member_ids()
            .map(str::to_owned)
            .collect::<Vec<String>>();
        self.store.insert_group(group, members, self.last_now_ms)
    }

    /// Makes `user_name` belong to a user the client cannot see (Airtable: a user of another
    /// enterprise): creating it answers 409, listing and filtering never show it.
    pub fn reserve_user_name(&mut self, user_name: &str) {
        self.store.reserve_user_name(user_name);
    }

    /// Every user as the server would return it, sorted by id.
    pub fn users(&self) -> Vec<User> {
        self.store
            .users
            .keys()
            .filter_map(|id| self.store.render_user(id))
            .collect()
    }

    /// Every group with its members, sorted by id.
    pub fn groups(&self) -> Vec<Group> {
        self.store
            .groups
            .keys()
            .filter_map(|id| self.store.render_group(id, true))
            .collect()
    }

    /// One user, as the server would return it.
    pub fn user(&self, id: &str) -> Option<User> {
        self.store.render_user(id)
    }

    /// One group with its members.
    pub fn group(&self, id: &str) -> Option<Group> {
        self.store.render_group(id, true)
    }

    /// Every request received, in order.
    pub fn log(&self) -> &[LoggedRequest] {
        &self.log
    }

    /// Counts and peaks over the log.
    pub fn stats(&self) -> Stats {
        log::stats(&self.log)
    }

    /// Receives `request` at `now_ms` and decides its fate. Never panics, whatever the
    /// request holds.
    pub fn handle(&mut self, request: &HttpRequest, now_ms: u64) -> Reply {
        self.ordinal += 1;
        let ordinal = self.ordinal;
        self.last_now_ms = now_ms;
        let route = routes::parse(&self.store.base, &request.path);
        let endpoint = route.target.endpoint();
        let decision =
            self.fault_state
                .decide(&self.faults, self.seed, request.method, endpoint, now_ms);
        let mut fired = Vec::new();
        let mut processed = false;
        let response = self.respond(
            request,
            &route,
            decision,
            now_ms,
            &mut fired,
            &mut processed,
        );
        let response = response.map(|r| self.corrupt(r, decision, &mut fired));

        let jitter = if self.faults.jitter_ms > 0 {
            rng::below(
                rng::draw(self.seed, rng::Stream::Jitter, ordinal),
                self.faults.jitter_ms.saturating_add(1),
            )
        } else {
            0
        };
        let at_ms = now_ms
            .saturating_add(self.faults.latency_ms)
            .saturating_add(jitter);
        self.log.push(LoggedRequest {
            ordinal,
            at_ms: now_ms,
            method: request.method,
            path: request.path.clone(),
            endpoint,
            body: request.body.clone(),
            status: response.as_ref().map(|r| r.status),
            delivered_at_ms: response.as_ref().map(|_| at_ms),
            processed,
            faults: fired,
        });
        match response {
            Some(response) => Reply::Respond { response, at_ms },
            None => Reply::Drop,
        }
    }

    /// The response before body corruption, or `None` for a drop.
    fn respond(
        &mut self,
        request: &HttpRequest,
        route: &Route,
        d: Decision,
        now_ms: u64,
        fired: &mut Vec<FaultKind>,
        processed: &mut bool,
    ) -> Option<HttpResponse> {
        if d.rate_limited {
            fired.push(FaultKind::RateLimited);
            return Some(self.too_many_requests(now_ms));
        }
        if d.throttled {
            fired.push(FaultKind::Throttled);
            return Some(self.too_many_requests(now_ms));
        }
        if let Some(how) = d.after_commit {
            *processed = true;
            let mut response = self.process(request, route, now_ms);
            return match how {
                LostAnswer::Dropped => {
                    fired.push(FaultKind::Dropped);
                    None
                }
                LostAnswer::Truncated => {
                    fired.push(FaultKind::Truncated);
                    response.body = faults::truncate_body(&response.body);
                    Some(response)
                }
                LostAnswer::ServerError(status) => {
                    fired.push(FaultKind::ServerError);
                    Some(self.server_error(status))
                }
            };
        }
        if d.drop && !self.faults.drop_after_apply {
            fired.push(FaultKind::Dropped);
            return None;
        }
        if let (Some(status), false, false) =
            (d.server_error, d.drop, self.faults.errors_after_apply)
        {
            fired.push(FaultKind::ServerError);
            return Some(self.server_error(status));
        }
        *processed = true;
        let response = self.process(request, route, now_ms);
        if d.drop {
            fired.push(FaultKind::Dropped);
            return None;
        }
        if let Some(status) = d.server_error {
            fired.push(FaultKind::ServerError);
            return Some(self.server_error(status));
        }
        Some(response)
    }

    /// Routes a request to its handler.
    fn process(&mut self, request: &HttpRequest, route: &Route, now_ms: u64) -> HttpResponse {
        let body = request.body.as_deref();
        let no_content = self.faults.patch_returns_no_content;
        let store = &mut self.store;
        let result = match (&route.target, request.method) {
            (Target::Users, Method::Get) => listing::list(
                store,
                Resource::User,
                &route.query,
                &self.faults,
                rng::draw(self.seed, rng::Stream::Shuffle, self.ordinal),
            ),
            (Target::Users, Method::Post) => users::create(store, body, now_ms),
            (Target::User(id), Method::Get) => users::get(store, id, &route.query),
            (Target::User(id), Method::Put) => users::replace(store, id, body, now_ms),
            (Target::User(id), Method::Patch) => users::patch(store, id, body, now_ms, no_content),
            (Target::User(id), Method::Delete) => users::delete(store, id, now_ms),
            (Target::Groups, Method::Get) => listing::list(
                store,
                Resource::Group,
                &route.query,
                &self.faults,
                rng::draw(self.seed, rng::Stream::Shuffle, self.ordinal),
            ),
            (Target::Groups, Method::Post) => groups::create(store, body, now_ms),
            (Target::Group(id), Method::Get) => groups::get(store, id, &route.query),
            (Target::Group(id), Method::Put) => groups::replace(store, id, body, now_ms),
            (Target::Group(id), Method::Patch) => {
                groups::patch(store, id, body, now_ms, no_content)
            }
            (Target::Group(id), Method::Delete) => groups::delete(store, id),
            (Target::ServiceProviderConfig, Method::Get) => {
                discovery::service_provider_config(self.flavor, &store.base, &self.faults)
            }
            // Without Bulk, `/Bulk` is no endpoint at all (Airtable documents none).
            (Target::Bulk, _) if self.faults.bulk.is_none() => {
                Err(Failure::new(404, "resource not found"))
            }
            (Target::Bulk, Method::Post) => return self.bulk(body, now_ms),
            (Target::Unknown, _) => Err(Failure::new(404, "resource not found")),
            _ => Err(Failure::new(405, "method not allowed on this endpoint")),
        };
        result.unwrap_or_else(|failure| failure.into_response(self.error_flavor()))
    }

    /// The flavor whose error bodies to write: Airtable's (a numeric `status`) where
    /// [`Faults::numeric_error_status`] says so.
    fn error_flavor(&self) -> Flavor {
        if self.faults.numeric_error_status {
            Flavor::Airtable
        } else {
            self.flavor
        }
    }

    fn too_many_requests(&self, now_ms: u64) -> HttpResponse {
        let mut response = scim_error(self.error_flavor(), 429, None, "Too many requests");
        let retry_after = self.faults.retry_after.unwrap_or(match self.flavor {
            Flavor::Airtable => RetryAfter::Seconds(30),
            Flavor::Generic => RetryAfter::Seconds(1),
        });
        let value = match retry_after {
            RetryAfter::Seconds(s) => Some(s.to_string()),
            RetryAfter::HttpDate { after_secs } => Some(timefmt::http_date(
                now_ms.saturating_add(after_secs.saturating_mul(1000)),
            )),
            RetryAfter::Omitted => None,
        };
        if let Some(value) = value {
            response.headers.push(("Retry-After".into(), value));
        }
        response
    }

    fn server_error(&self, status: u16) -> HttpResponse {
        match status {
            502..=504 => HttpResponse {
                status,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: HTML_BODY.to_owned(),
            },
            _ => scim_error(self.error_flavor(), status, None, "Internal server error"),
        }
    }

    fn corrupt(
        &self,
        mut response: HttpResponse,
        d: Decision,
        fired: &mut Vec<FaultKind>,
    ) -> HttpResponse {
        if response.body.is_empty() {
            return response;
        }
        if d.invalid_json {
            fired.push(FaultKind::InvalidJson);
            response.body = HTML_BODY.to_owned();
            response
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
            response
                .headers
                .push(("Content-Type".into(), "text/html".into()));
        } else if d.truncate {
            fired.push(FaultKind::Truncated);
            response.body = faults::truncate_body(&response.body);
        }
        response
    }
}
