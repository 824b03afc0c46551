//! Discovery and listing, as the engine runs them: the ServiceProviderConfig's answer, the
//! pages of each resource kind, the members fetched where the listing leaves them out, and
//! the listed state made of it all. Which pages a listing asks for (by `startIndex`, or by
//! RFC 9865 cursor, one page after the other) and what makes it incomplete is
//! `engine::listing`'s business.

use foldhash::HashSet;

use super::state::{Listings, State};
use super::{bucket_for, Engine, Job, Task};
use crate::engine::listing::{HasId, Listing};
use crate::engine::outcome::{Phase, RunStatus};
use crate::engine::scheduler::Retry;
use crate::http::HttpResponse;
use crate::model::Group;
use crate::plan::{group_key, ActualState};
use crate::profile::{Pagination, Profile};
use crate::quoted::q;
use crate::request::{RequestEncoder, ResourceKind};
use crate::response::{DecodeError, Decoded, Expect, ServerError};

impl Engine {
    /// Starts the run: discovery when the profile asks for it, else the listing.
    pub(super) fn enter_discover(&mut self) {
        match self.state.take() {
            State::Created(l) => self.state = State::Discovering(l),
            other => {
                self.state = other;
                return;
            }
        }
        if self.encoder.profile().discovery {
            self.push(Task::Discover, 0);
        } else {
            self.advance();
        }
    }

    /// The listed state, from the finished listings.
    pub(super) fn collect_listing(&mut self, listings: Listings) {
        let Listings { users, groups } = listings;
        let mut problems = users.problems();
        problems.extend(groups.problems());
        let complete = users.is_complete() && groups.is_complete();
        self.actual = ActualState {
            users: users.into_resources(),
            groups: groups.into_resources(),
            complete,
            problems,
        };
    }

    /// Where the listing omits members, fetches them for the groups the directory names.
    pub(super) fn fetch_members(&mut self) {
        if self.encoder.profile().groups.members_in_listing {
            return;
        }
        if let Some(undo) = &self.undo {
            // An undo run's groups are those its log touched.
            let wanted = self.actual.groups.iter().enumerate();
            let wanted: Vec<usize> = wanted
                .filter(|(_, g)| g.members.is_none() && g.id.is_some() && undo.0.touches(g))
                .map(|(i, _)| i)
                .collect();
            for group in wanted {
                self.push(Task::Members { group }, 0);
            }
            return;
        }
        if self.targets.is_some() {
            // A targeted run's groups are those it grants or revokes: each one's members.
            let wanted = self.actual.groups.iter().enumerate();
            let wanted: Vec<usize> = wanted
                .filter(|(_, g)| g.members.is_none() && g.id.is_some())
                .map(|(i, _)| i)
                .collect();
            for group in wanted {
                self.looked += 1;
                self.push(Task::Members { group }, 0);
            }
            return;
        }
        let keys: HashSet<String> = self
            .desired
            .groups
            .iter()
            .map(|g| group_key(&g.display_name))
            .collect();
        let exts: HashSet<&str> = self
            .desired
            .groups
            .iter()
            .filter_map(|g| g.external_id.as_deref())
            .collect();
        let wanted: Vec<usize> = self
            .actual
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.members.is_none() && g.id.is_some())
            .filter(|(_, g)| {
                keys.contains(&group_key(&g.display_name))
                    || g.external_id.as_deref().is_some_and(|e| exts.contains(e))
            })
            .map(|(i, _)| i)
            .collect();
        for group in wanted {
            self.push(Task::Members { group }, 0);
        }
    }

    /// The ServiceProviderConfig's answer: it refines the profile, the pacing and the
    /// listings.
    pub(super) fn on_discover(&mut self, job: Job, response: HttpResponse, now_ms: u64) {
        match crate::response::decode_service_provider_config(&response, &self.options()) {
            Ok(Decoded::Resource(config)) => {
                let refined = self.encoder.profile().refined_by(&config);
                self.sched.set_bucket(bucket_for(&self.config, &refined));
                if let State::Discovering(l) = &mut self.state {
                    *l = listings_for(&refined, self.config.max_listed_resources);
                }
                match RequestEncoder::new(&self.config.base_path, refined) {
                    Ok(e) => self.encoder = e,
                    Err(e) => self.warn(format!("discovery ignored: {e}")),
                }
            }
            Ok(Decoded::Error(e)) if self.is_fatal(&e) => {}
            Ok(Decoded::Error(e)) if e.is_retryable() => {
                if let Some(job) = self.retry_server_error(job, &e, now_ms) {
                    self.give_up(job, &e.to_string());
                }
            }
            Ok(Decoded::Error(e)) => {
                let name = self.encoder.profile().name.clone();
                self.warn(format!(
                    "no ServiceProviderConfig ({e}); using the {name} profile as it is"
                ));
            }
            Ok(_) => {}
            Err(e) => self.give_up(job, &e.to_string()),
        }
    }

    /// A listing page's answer.
    pub(super) fn on_page(
        &mut self,
        job: Job,
        kind: ResourceKind,
        start: u64,
        response: HttpResponse,
        now_ms: u64,
    ) {
        let answer = match kind {
            ResourceKind::User => {
                let decoded = self.decode(Expect::List, &response);
                match &mut self.state {
                    State::Listing(l) => page_answer(&mut l.users, start, decoded),
                    _ => return,
                }
            }
            _ => {
                let decoded = self.decode(Expect::List, &response);
                match &mut self.state {
                    State::Listing(l) => page_answer(&mut l.groups, start, decoded),
                    _ => return,
                }
            }
        };
        match answer {
            PageAnswer::Listed(starts) => {
                if start <= 1 && !starts.is_empty() {
                    // The first page says how many follow: grow the heap once for the whole
                    // listing rather than page by page.
                    let pages = starts.len().saturating_add(1);
                    reserve_heap_for_listing(response.body.len().saturating_mul(pages));
                }
                for s in starts {
                    self.push(Task::Page { kind, start: s }, 0);
                }
                let phase = if kind == ResourceKind::User {
                    Phase::ListUsers
                } else {
                    Phase::ListGroups
                };
                let listed = match &self.state {
                    State::Listing(l) => (l.users.count() + l.groups.count()) as u64,
                    _ => 0,
                };
                self.progress(phase, listed, listed);
            }
            PageAnswer::Refused(e) => {
                if self.is_fatal(&e) {
                    return;
                }
                // `Some` means the retries are spent: the page is lost.
                if self.retry_server_error(job, &e, now_ms).is_some() {
                    self.page_failed(kind, start, &e.to_string(), Some(e));
                }
            }
            PageAnswer::NotAList => self.give_up(job, "the answer was not a list"),
            PageAnswer::Undecodable(e) => self.undecodable(job, &e, now_ms),
        }
    }

    /// An answer that could not be decoded: maybe a truncated body, so try again.
    fn undecodable(&mut self, job: Job, error: &DecodeError, now_ms: u64) {
        if let Some(job) = self.sched.retry(job, Retry::Backoff, now_ms) {
            self.give_up(job, &error.to_string());
        }
    }

    /// The answer to the fetch of a group's members.
    pub(super) fn on_members(
        &mut self,
        job: Job,
        group: usize,
        response: HttpResponse,
        now_ms: u64,
    ) {
        match self.decode::<Group>(Expect::Get, &response) {
            Ok(Decoded::Resource(g)) => {
                self.actual.groups[group].members = Some(g.members.unwrap_or_default());
            }
            Ok(Decoded::Error(e)) if self.is_fatal(&e) => {}
            Ok(Decoded::Error(e))
                if self
                    .encoder
                    .profile()
                    .unknown_group_statuses
                    .contains(&e.http_status)
                    && !e.is_retryable() =>
            {
                let name = self.actual.groups[group].display_name.clone();
                self.warn(format!(
                    "group {name} vanished while listing ({e}); its members are unknown",
                    name = q(&name)
                ));
                self.member_problem(format!(
                    "Groups: {name} vanished during the listing",
                    name = q(&name)
                ));
            }
            Ok(Decoded::Error(e)) => {
                if let Some(job) = self.retry_server_error(job, &e, now_ms) {
                    self.give_up(job, &e.to_string());
                }
            }
            Ok(_) => self.give_up(job, "the answer was not a group"),
            Err(e) => self.undecodable(job, &e, now_ms),
        }
    }

    /// A listing page that could not be had. Without its first page the server could not be
    /// listed at all, and a plan made from nothing would create everyone: the run fails. A
    /// later page leaves the listing incomplete, which blocks every removal.
    pub(super) fn page_failed(
        &mut self,
        kind: ResourceKind,
        start: u64,
        reason: &str,
        error: Option<ServerError>,
    ) {
        if start <= 1 {
            let reason = format!("could not list {}: {reason}", kind.endpoint());
            self.finish(RunStatus::Failed, Some(reason), error);
        } else if let State::Listing(l) = &mut self.state {
            if kind == ResourceKind::User {
                l.users.failed(start, reason);
            } else {
                l.groups.failed(start, reason);
            }
        }
    }

    /// Notes members that could not be fetched: the listing is incomplete.
    pub(super) fn member_problem(&mut self, problem: String) {
        if let State::Planning { member_problems } = &mut self.state {
            member_problems.push(problem);
        }
    }
}

/// What a listing page's answer amounted to.
enum PageAnswer {
    /// The page was taken; further pages to ask for.
    Listed(Vec<u64>),
    Refused(ServerError),
    NotAList,
    Undecodable(DecodeError),
}

fn page_answer<T>(
    listing: &mut Listing<T>,
    start: u64,
    decoded: Result<Decoded<T>, DecodeError>,
) -> PageAnswer
where
    T: HasId,
{
    match decoded {
        Ok(Decoded::Page(page)) => PageAnswer::Listed(listing.page(start, page)),
        Ok(Decoded::Error(e)) => PageAnswer::Refused(e),
        Ok(_) => PageAnswer::NotAList,
        Err(e) => PageAnswer::Undecodable(e),
    }
}

/// The listings of both kinds as `profile` pages them.
pub(super) fn listings_for(profile: &Profile, max: u64) -> Listings {
    Listings {
        users: listing_for(profile, ResourceKind::User, max),
        groups: listing_for(profile, ResourceKind::Group, max),
    }
}

fn listing_for<T: HasId>(profile: &Profile, kind: ResourceKind, max: u64) -> Listing<T> {
    let support = match kind {
        ResourceKind::User => &profile.users,
        _ => &profile.groups,
    };
    let listing = Listing::new(kind, support.list_page_size(), support.start_index, max);
    match profile.pagination {
        // RFC 9865: each page's cursor comes from the page before, so pages are sequential.
        Pagination::Cursor => listing.by_cursor(),
        _ => listing,
    }
}

/// Grows the heap once by about what a listing of `bytes` of pages will hold, and hands it
/// straight back to the allocator. In WebAssembly the heap only grows, and a JavaScript host
/// (V8) may answer every `memory.grow` with a full collection of its own heap: one grow
/// instead of one per page. Only the engine knows, at the first page, how many follow, so
/// this hint stays here; the host crate's `heap` module reserves for inputs that arrive
/// whole. Natively it is one allocation handed back; not getting the memory changes nothing.
fn reserve_heap_for_listing(bytes: usize) {
    // Decoded pages hold about 3x their JSON (benches/plan.rs); 1 GiB at most.
    let want = bytes.saturating_mul(3).min(1 << 30);
    let mut reserve: Vec<u8> = Vec::new();
    let _ = reserve.try_reserve_exact(want);
}
