//! Safe listing of one resource type: which pages to ask for, and every check that decides
//! whether the listing can be trusted.
//!
//! A listing is complete only when every page arrived, `totalResults` never changed, no id
//! appeared twice, the server honoured `startIndex`, no page was larger than asked or empty
//! before the total, and the resources add up to `totalResults`. Anything else is a
//! *problem*; a listing with problems is incomplete, and an incomplete listing plans no
//! removal.

use foldhash::{HashSet, HashSetExt};

use crate::model::{Group, ListResponse, User};
use crate::request::{ListQuery, ResourceKind};

/// At most this many problems are kept word for word; the rest are counted.
const MAX_PROBLEMS: usize = 20;

/// Resources that carry a server id.
pub(crate) trait HasId {
    fn resource_id(&self) -> Option<&str>;
}

impl HasId for User {
    fn resource_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl HasId for Group {
    fn resource_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// The listing of one resource type.
#[derive(Debug)]
pub(crate) struct Listing<T> {
    pub(crate) kind: ResourceKind,
    page_size: u32,
    paged: bool,
    max_resources: u64,
    total: Option<u64>,
    /// Page size the server actually honours (it may cap `count` silently).
    step: u64,
    /// Pages asked for and not answered yet, by start index (0 for an unpaged listing).
    pending: HashSet<u64>,
    /// Answered pages by start index, ordered (a `Vec`: a handful of pages needs no tree,
    /// whose code is some kilobytes per element type in WebAssembly).
    pages: Vec<(u64, Vec<T>)>,
    seen: HashSet<String>,
    problems: Vec<String>,
    more_problems: usize,
    /// Set once a problem makes further pages pointless.
    stopped: bool,
}

impl<T: HasId> Listing<T> {
    pub(crate) fn new(kind: ResourceKind, page_size: u32, paged: bool, max_resources: u64) -> Self {
        let page_size = page_size.max(1);
        Listing {
            kind,
            page_size,
            paged,
            max_resources,
            total: None,
            step: u64::from(page_size),
            pending: HashSet::new(),
            pages: Vec::new(),
            seen: HashSet::new(),
            problems: Vec::new(),
            more_problems: 0,
            stopped: false,
        }
    }

    /// The first page to ask for; the listing then waits for its answer.
    pub(crate) fn start(&mut self) -> u64 {
        let start = if self.paged { 1 } else { 0 };
        self.pending.insert(start);
        start
    }

    /// The query for the page at `start` (0: unpaged).
    pub(crate) fn query(&self, start: u64) -> ListQuery {
        ListQuery {
            start_index: (start > 0).then_some(start),
            count: Some(self.page_size),
            ..ListQuery::default()
        }
    }

    /// Whether every page asked for has been answered.
    #[cfg(test)]
    pub(crate) fn is_done(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether the listing can be trusted.
    pub(crate) fn is_complete(&self) -> bool {
        self.problems.is_empty() && self.more_problems == 0
    }

    /// What made the listing incomplete.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        if self.more_problems > 0 {
            out.push(format!("{} more problems", self.more_problems));
        }
        out
    }

    /// Resources listed so far, in page order.
    pub(crate) fn count(&self) -> usize {
        self.pages.iter().map(|(_, page)| page.len()).sum()
    }

    pub(crate) fn into_resources(self) -> Vec<T> {
        self.pages.into_iter().flat_map(|(_, page)| page).collect()
    }

    fn problem(&mut self, mut text: String) {
        // Problems quote server text; a server may echo the Authorization header.
        crate::redact::mask_in_place(&mut text);
        if self.problems.len() < MAX_PROBLEMS {
            self.problems
                .push(format!("{}: {text}", self.kind.endpoint()));
        } else {
            self.more_problems += 1;
        }
    }

    /// A page that could not be had after its retries.
    pub(crate) fn failed(&mut self, start: u64, reason: &str) {
        self.pending.remove(&start);
        let at = if start == 0 {
            String::new()
        } else {
            format!(" at startIndex {start}")
        };
        self.problem(format!("the page{at} failed: {reason}"));
        self.stopped = true;
    }

    /// Takes a decoded page; returns the start indices of further pages to ask for.
    pub(crate) fn page(&mut self, start: u64, page: ListResponse<T>) -> Vec<u64> {
        if !self.pending.remove(&start) {
            return Vec::new();
        }
        let n = page.resources.len() as u64;
        let asked = u64::from(self.page_size);
        if n > asked {
            self.problem(format!(
                "the page at startIndex {} has {n} resources, more than the {asked} asked for",
                start.max(1)
            ));
        }
        for r in &page.resources {
            match r.resource_id() {
                Some(id) if !id.is_empty() => {
                    if !self.seen.insert(id.to_owned()) {
                        self.problem(format!("id {id:?} was listed twice"));
                    }
                }
                _ => self.problem(format!(
                    "a resource without an id at startIndex {}",
                    start.max(1)
                )),
            }
        }
        let mut next = Vec::new();
        match self.total {
            None => {
                let total = page.total_results;
                self.total = Some(total);
                if total > self.max_resources {
                    self.problem(format!(
                        "the server holds {total} resources, more than the configured maximum of {}",
                        self.max_resources
                    ));
                    self.stopped = true;
                } else if !self.paged {
                    if n < total {
                        self.problem(format!(
                            "the server returned {n} of {total} and does not support startIndex paging"
                        ));
                    }
                } else if n == 0 && total > 0 {
                    self.problem(format!(
                        "the first page is empty but totalResults is {total}"
                    ));
                } else {
                    // A server that caps pages below `count` without saying so: follow its
                    // page size, so no resource falls between two pages.
                    if n < asked.min(total) {
                        self.step = n;
                    }
                    let mut s = 1 + self.step;
                    while s <= total && !self.stopped {
                        next.push(s);
                        s += self.step;
                    }
                }
            }
            Some(total) => {
                if page.total_results != total {
                    self.problem(format!(
                        "totalResults changed from {total} to {} during the listing",
                        page.total_results
                    ));
                }
                if let Some(si) = page.start_index {
                    if si != start {
                        self.problem(format!(
                            "asked for startIndex {start}, the server answered startIndex {si}"
                        ));
                    }
                }
                let expected = self.step.min(total.saturating_sub(start.saturating_sub(1)));
                if n == 0 && expected > 0 {
                    self.problem(format!(
                        "the page at startIndex {start} is empty before totalResults {total} was reached"
                    ));
                } else if n < expected {
                    self.problem(format!(
                        "the page at startIndex {start} has {n} resources where {expected} were due"
                    ));
                }
            }
        }
        match self.pages.binary_search_by_key(&start, |(s, _)| *s) {
            Ok(i) => self.pages[i].1 = page.resources,
            Err(i) => self.pages.insert(i, (start, page.resources)),
        }
        for s in &next {
            self.pending.insert(*s);
        }
        if self.pending.is_empty() && self.is_complete() {
            let listed = self.count() as u64;
            let total = self.total.unwrap_or(0);
            if listed != total {
                self.problem(format!(
                    "listed {listed} resources but totalResults is {total}"
                ));
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(ids: std::ops::Range<u32>) -> Vec<User> {
        ids.map(|i| {
            let mut u = User::new(format!("u{i}"));
            u.id = Some(format!("id{i}"));
            u
        })
        .collect()
    }

    fn page(total: u64, start: Option<u64>, ids: std::ops::Range<u32>) -> ListResponse<User> {
        ListResponse {
            total_results: total,
            start_index: start,
            resources: users(ids),
            ..ListResponse::default()
        }
    }

    #[test]
    fn pages_follow_the_total() {
        let mut l = Listing::<User>::new(ResourceKind::User, 10, true, 1000);
        assert_eq!(l.start(), 1);
        assert_eq!(l.page(1, page(25, Some(1), 0..10)), vec![11, 21]);
        assert!(l.page(21, page(25, Some(21), 20..25)).is_empty());
        assert!(!l.is_done());
        l.page(11, page(25, Some(11), 10..20));
        assert!(l.is_done() && l.is_complete(), "{:?}", l.problems());
        let ids: Vec<_> = l
            .into_resources()
            .into_iter()
            .map(|u| u.id.unwrap())
            .collect();
        assert_eq!(ids.len(), 25);
        assert_eq!(ids[10], "id10");
    }

    #[test]
    fn silent_page_cap_is_followed() {
        let mut l = Listing::<User>::new(ResourceKind::User, 100, true, 1000);
        l.start();
        assert_eq!(l.page(1, page(120, Some(1), 0..50)), vec![51, 101]);
        l.page(51, page(120, Some(51), 50..100));
        l.page(101, page(120, Some(101), 100..120));
        assert!(l.is_complete(), "{:?}", l.problems());
    }

    #[test]
    fn anomalies_make_the_listing_incomplete() {
        // Ignored startIndex: page 2 repeats page 1.
        let mut l = Listing::<User>::new(ResourceKind::User, 10, true, 1000);
        l.start();
        l.page(1, page(20, Some(1), 0..10));
        l.page(11, page(20, Some(1), 0..10));
        assert!(!l.is_complete());
        assert!(l.problems().iter().any(|p| p.contains("twice")));
        assert!(l
            .problems()
            .iter()
            .any(|p| p.contains("answered startIndex 1")));

        // totalResults changing.
        let mut l = Listing::<User>::new(ResourceKind::User, 10, true, 1000);
        l.start();
        l.page(1, page(20, None, 0..10));
        l.page(11, page(19, None, 10..19));
        assert!(l
            .problems()
            .iter()
            .any(|p| p.contains("changed from 20 to 19")));

        // Fewer resources than the total by the end (an empty page).
        let mut l = Listing::<User>::new(ResourceKind::User, 10, true, 1000);
        l.start();
        l.page(1, page(15, None, 0..10));
        l.page(11, page(15, None, 0..0));
        assert!(l.problems().iter().any(|p| p.contains("empty before")));

        // A page larger than asked.
        let mut l = Listing::<User>::new(ResourceKind::User, 5, true, 1000);
        l.start();
        l.page(1, page(8, None, 0..8));
        assert!(l
            .problems()
            .iter()
            .any(|p| p.contains("more than the 5 asked")));

        // A failed page.
        let mut l = Listing::<User>::new(ResourceKind::User, 5, true, 1000);
        l.start();
        l.page(1, page(8, None, 0..5));
        l.failed(6, "HTTP 503 after 5 attempts");
        assert!(l.is_done() && !l.is_complete());

        // Too many resources for the configured bound: nothing more is asked.
        let mut l = Listing::<User>::new(ResourceKind::User, 5, true, 6);
        l.start();
        assert!(l.page(1, page(8, None, 0..5)).is_empty());
        assert!(!l.is_complete());
    }

    #[test]
    fn unpaged_listing_must_fit_one_page() {
        let mut l = Listing::<User>::new(ResourceKind::Group, 3, false, 1000);
        assert_eq!(l.start(), 0);
        assert_eq!(l.query(0).start_index, None);
        l.page(0, page(5, None, 0..3));
        assert!(l
            .problems()
            .iter()
            .any(|p| p.contains("does not support startIndex")));
    }
}
