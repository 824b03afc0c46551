//! Safe listing of one resource type: which pages to ask for, and every check that decides
//! whether the listing can be trusted.
//!
//! A listing is complete only when every page arrived, `totalResults` never changed, no id
//! appeared twice, the server honoured `startIndex`, no page was larger than asked or empty
//! before the total, and the resources add up to `totalResults`. Anything else is a
//! *problem*; a listing with problems is incomplete, and an incomplete listing plans no
//! removal.
//!
//! A cursor listing (RFC 9865) walks `nextCursor` from page to page, one after the other,
//! and ends at the page without one. The same checks hold where they apply (`totalResults` is
//! optional there); besides, a cursor named twice, an empty page that names a next one, or
//! resources beyond the page's own `totalResults` make it incomplete.

use foldhash::{HashSet, HashSetExt};

use crate::model::{Group, ListResponse, User};
use crate::quoted::q;
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
    /// Every resource of the answered pages, in page order: pages are spliced in where
    /// they belong as they come, so the listing is one vector from the start and is handed
    /// over without a copy (see `into_resources`).
    resources: Vec<T>,
    /// Answered pages by start index and how many resources each holds in `resources`,
    /// ordered (a `Vec`: a handful of pages needs no tree, whose code is some kilobytes per
    /// element type in WebAssembly).
    pages: Vec<(u64, usize)>,
    seen: HashSet<String>,
    problems: Vec<String>,
    more_problems: usize,
    /// Set once a problem makes further pages pointless.
    stopped: bool,
    /// For a cursor listing (RFC 9865), its cursors; `None` pages by `startIndex`.
    cursors: Option<Cursors>,
}

/// The cursors of a cursor listing. Its pages are numbered from 1 and asked for one after
/// the other: each page's cursor is only known from the page before.
#[derive(Debug, Default)]
struct Cursors {
    /// The cursor of the page asked for now (empty for the first page, as RFC 9865 says).
    next: String,
    /// Every cursor the server has named, to notice one named twice.
    seen: HashSet<String>,
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
            resources: Vec::new(),
            pages: Vec::new(),
            seen: HashSet::new(),
            problems: Vec::new(),
            more_problems: 0,
            stopped: false,
            cursors: None,
        }
    }

    /// This listing paged by RFC 9865 cursors rather than `startIndex`.
    #[must_use]
    pub(crate) fn by_cursor(mut self) -> Self {
        self.cursors = Some(Cursors::default());
        self
    }

    /// The first page to ask for; the listing then waits for its answer.
    pub(crate) fn start(&mut self) -> u64 {
        let start = if self.paged || self.cursors.is_some() {
            1
        } else {
            0
        };
        self.pending.insert(start);
        start
    }

    /// The query for the page at `start` (0: unpaged; for a cursor listing, the page asked
    /// for now, whose cursor the page before named).
    pub(crate) fn query(&self, start: u64) -> ListQuery {
        let count = Some(self.page_size);
        match &self.cursors {
            Some(c) => ListQuery {
                cursor: Some(c.next.clone()),
                count,
                ..ListQuery::default()
            },
            None => ListQuery {
                start_index: (start > 0).then_some(start),
                count,
                ..ListQuery::default()
            },
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
        self.resources.len()
    }

    /// Every resource listed, in page order. Kept as one vector while listing, reserved for
    /// the total the first page announces: the pages collected into a vector at the end
    /// held every listed resource twice for a moment (for 100,000 users, 58 MB more at the
    /// run's peak natively), and growing it by doubling kept up to twice the room it needed.
    pub(crate) fn into_resources(self) -> Vec<T> {
        self.resources
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
        let at = self.place(start);
        self.problem(format!("the page{at} failed: {reason}"));
        self.stopped = true;
    }

    /// Takes a decoded page; returns the keys of further pages to ask for (start indices, or
    /// page numbers for a cursor listing).
    pub(crate) fn page(&mut self, key: u64, page: ListResponse<T>) -> Vec<u64> {
        if !self.pending.remove(&key) {
            return Vec::new();
        }
        let n = page.resources.len() as u64;
        let asked = u64::from(self.page_size);
        if n > asked {
            let at = self.place(key.max(1));
            self.problem(format!(
                "the page{at} has {n} resources, more than the {asked} asked for"
            ));
        }
        for r in &page.resources {
            match r.resource_id() {
                Some(id) if !id.is_empty() => {
                    if !self.seen.insert(id.to_owned()) {
                        self.problem(format!("id {id} was listed twice", id = q(id)));
                    }
                }
                _ => {
                    let at = self.place(key.max(1));
                    self.problem(format!("a resource without an id{at}"));
                }
            }
        }
        let next = if self.cursors.is_some() {
            self.next_by_cursor(key, &page)
        } else {
            self.next_by_index(key, &page)
        };
        self.keep(key, page.resources);
        for s in &next {
            self.pending.insert(*s);
        }
        if self.pending.is_empty() && self.is_complete() {
            let listed = self.count() as u64;
            // A cursor listing need not say its total (RFC 9865); an index listing must.
            if let Some(total) = self.total.or(self.cursors.is_none().then_some(0)) {
                if listed != total {
                    self.problem(format!(
                        "listed {listed} resources but totalResults is {total}"
                    ));
                }
            }
        }
        next
    }

    /// Puts a page's resources in their place, after those of the pages before it (a page
    /// answered twice replaces its first answer). Pages mostly come in order, so this is
    /// mostly an append; one that overtakes others moves only the pages after it.
    fn keep(&mut self, key: u64, resources: Vec<T>) {
        if let Some(total) = self.total.filter(|_| !self.stopped) {
            // Room for the whole listing once, when its size is known: not a vector grown by
            // doubling. A server's total is bounded by the configured maximum, and not
            // getting the room changes nothing.
            let want = usize::try_from(total.min(self.max_resources)).unwrap_or(usize::MAX);
            let _ = self
                .resources
                .try_reserve_exact(want.saturating_sub(self.resources.len()));
        }
        let (i, replaced) = match self.pages.binary_search_by_key(&key, |(s, _)| *s) {
            Ok(i) => (i, std::mem::replace(&mut self.pages[i].1, resources.len())),
            Err(i) => {
                self.pages.insert(i, (key, resources.len()));
                (i, 0)
            }
        };
        let at: usize = self.pages[..i].iter().map(|(_, n)| n).sum();
        self.resources.splice(at..at + replaced, resources);
    }

    /// Where a page is, as a problem names it: ` at startIndex 11`, ` 2` (cursor pages are
    /// numbered), or nothing for an unpaged listing.
    fn place(&self, key: u64) -> String {
        match key {
            0 => String::new(),
            _ if self.cursors.is_some() => format!(" {key}"),
            _ => format!(" at startIndex {key}"),
        }
    }

    /// The pages after an index-paged page: every start index up to `totalResults`, once the
    /// first page has said it.
    fn next_by_index(&mut self, start: u64, page: &ListResponse<T>) -> Vec<u64> {
        let n = page.resources.len() as u64;
        let asked = u64::from(self.page_size);
        let Some(reported) = page.total_results else {
            self.problem(format!(
                "the page at startIndex {} carries no totalResults",
                start.max(1)
            ));
            self.stopped = true;
            return Vec::new();
        };
        let mut next = Vec::new();
        match self.total {
            None => {
                let total = reported;
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
                if reported != total {
                    self.problem(format!(
                        "totalResults changed from {total} to {reported} during the listing"
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
        next
    }

    /// The page after a cursor page (RFC 9865): the one its `nextCursor` names, if any. A
    /// cursor listing ends at the page without `nextCursor`; a cursor named twice (the
    /// listing would go round in circles), an empty page that names a next one, a
    /// `totalResults` that changes or that the resources outgrow, or more resources than the
    /// configured maximum stop it incomplete.
    fn next_by_cursor(&mut self, key: u64, page: &ListResponse<T>) -> Vec<u64> {
        let n = page.resources.len() as u64;
        let listed = self.count() as u64 + n;
        if let Some(reported) = page.total_results {
            match self.total {
                None => self.total = Some(reported),
                Some(total) if total != reported => self.problem(format!(
                    "totalResults changed from {total} to {reported} during the listing"
                )),
                Some(_) => {}
            }
            if listed > reported {
                self.problem(format!(
                    "page {key} brings the listing to {listed} resources, more than its totalResults of {reported}"
                ));
            }
        }
        let most = self.total.unwrap_or(0).max(listed);
        if most > self.max_resources {
            self.problem(format!(
                "the server holds {most} resources or more, more than the configured maximum of {}",
                self.max_resources
            ));
            self.stopped = true;
        }
        let Some(cursor) = page.next_cursor.as_deref().filter(|c| !c.is_empty()) else {
            return Vec::new();
        };
        if n == 0 {
            self.problem(format!(
                "page {key} is empty yet names a next page (cursor {cursor:?})"
            ));
            self.stopped = true;
        }
        let named_before = match self.cursors.as_mut() {
            Some(cursors) => !cursors.seen.insert(cursor.to_owned()),
            None => return Vec::new(),
        };
        if named_before {
            self.problem(format!(
                "page {key} names the cursor {cursor:?} again: the listing would go round in circles"
            ));
            self.stopped = true;
        }
        if self.stopped {
            return Vec::new();
        }
        if let Some(cursors) = self.cursors.as_mut() {
            cursor.clone_into(&mut cursors.next);
        }
        vec![key + 1]
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
            total_results: Some(total),
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
        let all = l.into_resources();
        // Room for the announced total was made once, when the first page said it.
        assert_eq!(all.capacity(), 25);
        let ids: Vec<_> = all.into_iter().map(|u| u.id.unwrap()).collect();
        // The page at 21 came before the one at 11; the listing is in page order anyway.
        let expected: Vec<_> = (0..25).map(|i| format!("id{i}")).collect();
        assert_eq!(ids, expected);
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

    fn cursor_page(
        total: Option<u64>,
        next: Option<&str>,
        ids: std::ops::Range<u32>,
    ) -> ListResponse<User> {
        ListResponse {
            total_results: total,
            next_cursor: next.map(str::to_owned),
            resources: users(ids),
            ..ListResponse::default()
        }
    }

    fn cursor_listing(page_size: u32) -> Listing<User> {
        Listing::<User>::new(ResourceKind::User, page_size, true, 1000).by_cursor()
    }

    #[test]
    fn cursor_pages_follow_next_cursor_one_after_the_other() {
        let mut l = cursor_listing(100);
        assert_eq!(l.start(), 1);
        // The first page asks with an empty cursor, never a startIndex.
        let first = l.query(1);
        assert_eq!(
            (first.cursor.as_deref(), first.start_index),
            (Some(""), None)
        );
        assert_eq!(l.page(1, cursor_page(None, Some("c100"), 0..100)), vec![2]);
        assert_eq!(l.query(2).cursor.as_deref(), Some("c100"));
        assert_eq!(
            l.page(2, cursor_page(None, Some("c200"), 100..200)),
            vec![3]
        );
        // No nextCursor: the listing ends, complete without any totalResults.
        assert!(l.page(3, cursor_page(None, None, 200..250)).is_empty());
        assert!(l.is_done() && l.is_complete(), "{:?}", l.problems());
        assert_eq!(l.into_resources().len(), 250);
        // Where the server states a total, the resources must add up to it.
        let mut l = cursor_listing(10);
        l.start();
        l.page(1, cursor_page(Some(15), Some("a"), 0..10));
        l.page(2, cursor_page(Some(15), None, 10..14));
        assert!(l
            .problems()
            .iter()
            .any(|p| p.contains("listed 14 resources but totalResults is 15")));
    }

    #[test]
    fn cursor_anomalies_make_the_listing_incomplete() {
        let problems = |pages: &[ListResponse<User>]| {
            let mut l = cursor_listing(10);
            let mut key = l.start();
            for p in pages {
                match l.page(key, p.clone()).as_slice() {
                    [next] => key = *next,
                    _ => break,
                }
            }
            assert!(l.is_done());
            l.problems()
        };
        // A cursor named twice: the listing would loop; it stops incomplete.
        let p = problems(&[
            cursor_page(None, Some("a"), 0..10),
            cursor_page(None, Some("a"), 10..20),
            cursor_page(None, None, 20..25),
        ]);
        assert!(
            p.iter().any(|p| p.contains("names the cursor \"a\" again")),
            "{p:?}"
        );
        // An empty page that names a next page.
        let p = problems(&[
            cursor_page(None, Some("a"), 0..10),
            cursor_page(None, Some("b"), 0..0),
        ]);
        assert!(p.iter().any(|p| p.contains("page 2 is empty yet")), "{p:?}");
        // A page that contradicts its own totalResults, and a total that changes.
        let p = problems(&[
            cursor_page(Some(12), Some("a"), 0..10),
            cursor_page(Some(11), None, 10..20),
        ]);
        assert!(
            p.iter().any(|p| p.contains("changed from 12 to 11")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.contains("more than its totalResults of 11")),
            "{p:?}"
        );
        // The same id on two pages.
        let p = problems(&[
            cursor_page(None, Some("a"), 0..10),
            cursor_page(None, None, 5..12),
        ]);
        assert!(p.iter().any(|p| p.contains("listed twice")), "{p:?}");
        // A failed page.
        let mut l = cursor_listing(10);
        l.start();
        l.page(1, cursor_page(None, Some("a"), 0..10));
        l.failed(2, "HTTP 400 expiredCursor");
        assert!(l.is_done() && !l.is_complete());
        assert_eq!(
            l.problems(),
            vec!["Users: the page 2 failed: HTTP 400 expiredCursor".to_owned()]
        );
        // A server that pages without end is stopped at the configured maximum.
        let mut l = Listing::<User>::new(ResourceKind::User, 10, true, 15).by_cursor();
        l.start();
        l.page(1, cursor_page(None, Some("a"), 0..10));
        assert!(l.page(2, cursor_page(None, Some("b"), 10..20)).is_empty());
        assert!(!l.is_complete());
    }

    #[test]
    fn an_index_page_without_a_total_makes_the_listing_incomplete() {
        let mut l = Listing::<User>::new(ResourceKind::User, 10, true, 1000);
        l.start();
        assert!(l.page(1, cursor_page(None, None, 0..10)).is_empty());
        assert!(l.is_done() && !l.is_complete());
        assert!(l.problems()[0].contains("carries no totalResults"));
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
