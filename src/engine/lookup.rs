//! Finding the server resource a create may already have made, so that no create is sent
//! twice: the lookup that stands between a create whose outcome is unknown (or that met a
//! 409, or that an incomplete listing cannot rule out) and sending it.
//!
//! A [`Lookup`] is pure: it says which query to send next ([`Lookup::query`]) and what an
//! answer means ([`Lookup::answer`]); the engine (`machine::find`) sends the queries, retries
//! them like any request and acts on the [`Verdict`]. The steps, in order, each only when it
//! applies:
//!
//! 1. `externalId eq "…"`, when the subject has an `externalId` and the profile can filter
//!    on it;
//! 2. `userName eq "…"` (users) or `displayName eq "…"` (groups), when the profile can
//!    filter on it;
//! 3. the listing of the whole resource kind, every page, searched for the `externalId`
//!    first and the name next: when the profile cannot filter on the name, or when a
//!    filtered query was refused (a server that cannot parse an escaped quote answers 400
//!    `invalidFilter`; its error is kept for the outcome). It pages as the listing does: by
//!    `startIndex`, or by RFC 9865 cursors where the profile pages by cursor (a cursor named
//!    twice fails the lookup, as it would make the listing incomplete).
//!
//! A step that finds one resource ends the lookup ([`Verdict::Found`]); one that finds two
//! or more never guesses ([`Verdict::Ambiguous`], naming every candidate id); one that finds
//! none goes on to the next step, and after the last the subject is [`Verdict::Absent`]. A
//! listing that cannot be read to its end proves nothing: [`Verdict::Failed`]. Names match as
//! the planner matches them (`user_key`, `group_key`); `externalId`s match exactly.

use crate::filter::Filter;
use crate::http::HttpResponse;
use crate::model::{FromValue, Group, ListResponse, User};
use crate::plan::{group_key, user_key, Action};
use crate::profile::{FilterSupport, Pagination, Profile};
use crate::quoted::q;
use crate::request::{ListQuery, ResourceKind};
use crate::response::{decode, DecodeError, DecodeOptions, Decoded, Expect, ServerError};

/// Whether a write whose outcome is unknown may be sent again as it is. The table in the
/// [engine docs](super) gives the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Sending it twice leaves the server as sending it once (PUT, PATCH `replace`,
    /// DELETE, PATCH `add`/`remove` of members).
    Blindly,
    /// A second send could make a second resource: look the subject up first (POST).
    AfterLookup,
}

/// The re-send rule for each write kind.
pub(crate) fn resend_rule(action: &Action) -> Resend {
    match action {
        Action::CreateUser(_) | Action::CreateGroup(_) => Resend::AfterLookup,
        _ => Resend::Blindly,
    }
}

/// Why a lookup runs; it decides what an absent subject means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Why {
    /// The create met a 409: the server holds something under one of its keys.
    Conflict(ServerError),
    /// The create's answer was lost, unreadable or a 5xx: it may have been committed.
    Unknown {
        /// What happened to the answer.
        reason: String,
        /// The server's error answer (a 5xx), when there was one.
        error: Option<ServerError>,
    },
    /// The listing was incomplete, so it cannot prove the subject absent.
    Unproven,
}

/// A query step of a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    ExternalId,
    Name,
    Listing,
}

/// A resource a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Found {
    /// A user (adoption updates what differs from the directory).
    User(Box<User>),
    /// A group.
    Group(Box<Group>),
}

impl Found {
    /// The resource's server id (a candidate always has one).
    pub(crate) fn id(&self) -> &str {
        match self {
            Found::User(u) => u.id.as_deref().unwrap_or_default(),
            Found::Group(g) => g.id.as_deref().unwrap_or_default(),
        }
    }

    pub(crate) fn external_id(&self) -> Option<&str> {
        match self {
            Found::User(u) => u.external_id.as_deref(),
            Found::Group(g) => g.external_id.as_deref(),
        }
    }

    pub(crate) fn key(&self) -> String {
        match self {
            Found::User(u) => user_key(&u.user_name),
            Found::Group(g) => group_key(&g.display_name),
        }
    }
}

/// How a lookup ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Exactly one resource is the subject: adopt it.
    Found(Found),
    /// Several resources could be the subject; their ids, sorted. Never adopted.
    Ambiguous(Vec<String>),
    /// No resource is the subject.
    Absent,
    /// The lookup could not be completed; why.
    Failed(String),
}

/// What an answer to a lookup query amounted to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// Send [`Lookup::query`] next.
    Ask,
    /// The server refused the query (retry it when retryable, else [`Lookup::give_up`]).
    Refused(ServerError),
    /// The answer could not be read (retry it, then [`Lookup::give_up`]).
    Undecodable(DecodeError),
    /// The lookup is over.
    Settled(Verdict),
}

/// The lookup of one create's subject. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lookup {
    kind: ResourceKind,
    name: String,
    external_id: Option<String>,
    why: Why,
    steps: Vec<Step>,
    at: usize,
    /// The listing step: its page size, whether the server pages, the next start index,
    /// resources seen so far, and the matches found so far.
    page_size: u32,
    paged: bool,
    start: u64,
    /// For a cursor-paged listing step, the cursor of the page to ask for next (empty for
    /// the first) and every cursor the server named.
    cursor: Option<String>,
    cursors_seen: Vec<String>,
    seen: u64,
    matches: Vec<Found>,
    /// The first error a query met, for the outcome.
    error: Option<ServerError>,
    /// A listing whose `totalResults` is larger is not read (a server that lies about its
    /// total would have the lookup page without end).
    max_resources: u64,
}

impl Lookup {
    /// The lookup of the directory user `user` (the re-creation of a user who vanished).
    pub(crate) fn for_user(user: &User, why: Why, profile: &Profile) -> Lookup {
        Lookup::of(
            ResourceKind::User,
            user.user_name.clone(),
            user.external_id.clone(),
            why,
            profile,
        )
    }

    /// The lookup of the group named `display_name`, or of `external_id` (a targeted run's
    /// subject).
    pub(crate) fn for_group(
        display_name: &str,
        external_id: Option<String>,
        why: Why,
        profile: &Profile,
    ) -> Lookup {
        Lookup::of(
            ResourceKind::Group,
            display_name.to_owned(),
            external_id,
            why,
            profile,
        )
    }

    /// The subject's name and externalId.
    pub(crate) fn subject_keys(&self) -> (String, Option<String>) {
        (self.name.clone(), self.external_id.clone())
    }

    /// The lookup of `action`'s subject (`None`: not a create).
    pub(crate) fn new(action: &Action, why: Why, profile: &Profile) -> Option<Lookup> {
        let (kind, name, external_id) = match action {
            Action::CreateUser(c) => (
                ResourceKind::User,
                c.user_name.clone(),
                c.user.external_id.clone(),
            ),
            Action::CreateGroup(c) => (
                ResourceKind::Group,
                c.display_name.clone(),
                c.external_id.clone(),
            ),
            _ => return None,
        };
        Some(Lookup::of(kind, name, external_id, why, profile))
    }

    fn of(
        kind: ResourceKind,
        name: String,
        external_id: Option<String>,
        why: Why,
        profile: &Profile,
    ) -> Lookup {
        let support = if kind == ResourceKind::User {
            &profile.users
        } else {
            &profile.groups
        };
        let external_id = external_id.filter(|e| !e.is_empty());
        let steps = steps(&support.filter, kind, external_id.is_some());
        let page_size = support.list_page_size();
        Lookup {
            kind,
            name,
            external_id,
            why,
            steps,
            at: 0,
            page_size,
            paged: support.start_index,
            start: 1,
            cursor: (profile.pagination == Pagination::Cursor).then(String::new),
            cursors_seen: Vec::new(),
            seen: 0,
            matches: Vec::new(),
            error: None,
            max_resources: u64::MAX,
        }
    }

    /// Refuses to read a listing of more than `max` resources (the engine's
    /// `max_listed_resources`).
    #[must_use]
    pub(crate) fn capped(mut self, max: u64) -> Lookup {
        self.max_resources = max;
        self
    }

    /// Why the lookup runs.
    pub(crate) fn why(&self) -> &Why {
        &self.why
    }

    /// The first error a query of this lookup met (kept for the outcome).
    pub(crate) fn error(&self) -> Option<&ServerError> {
        self.error.as_ref()
    }

    /// The resource kind looked up.
    pub(crate) fn kind(&self) -> ResourceKind {
        self.kind
    }

    fn step(&self) -> Step {
        self.steps.get(self.at).copied().unwrap_or(Step::Listing)
    }

    /// The query to send now.
    pub(crate) fn query(&self) -> ListQuery {
        let eq = |attr: &str, value: &str| ListQuery {
            filter: Some(Filter::eq(attr, value)),
            ..ListQuery::default()
        };
        match self.step() {
            Step::ExternalId => eq("externalId", self.external_id.as_deref().unwrap_or("")),
            Step::Name if self.kind == ResourceKind::User => eq("userName", &self.name),
            Step::Name => eq("displayName", &self.name),
            Step::Listing => ListQuery {
                start_index: (self.paged && self.cursor.is_none()).then_some(self.start),
                cursor: self.cursor.clone(),
                count: Some(self.page_size),
                ..ListQuery::default()
            },
        }
    }

    /// Takes the answer to [`Lookup::query`].
    pub(crate) fn answer(&mut self, response: &HttpResponse, options: &DecodeOptions) -> Answer {
        let (total, next_cursor, resources) = match read_page(self.kind, response, options) {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => return Answer::Refused(e),
            Err(e) => return Answer::Undecodable(e),
        };
        let n = resources.len() as u64;
        let step = self.step();
        // Only resources that carry an id can be adopted; the server's filter is checked
        // again here, as the planner would match.
        let matching: Vec<Found> = resources
            .into_iter()
            .filter(|f| !f.id().is_empty() && self.is_match(f, step))
            .collect();
        self.matches.extend(matching);
        if step == Step::Listing {
            self.seen += n;
            if let Some(settled) = self.next_page(total, next_cursor, n) {
                return settled;
            }
        }
        self.next_step()
    }

    /// After a listing page of `n` resources: `Answer::Ask` for the next page, a failure, or
    /// `None` when the listing has been read to its end.
    fn next_page(
        &mut self,
        total: Option<u64>,
        next_cursor: Option<String>,
        n: u64,
    ) -> Option<Answer> {
        let endpoint = self.kind.endpoint();
        let most = total.unwrap_or(0).max(self.seen);
        if most > self.max_resources {
            return Some(Answer::Settled(Verdict::Failed(format!(
                "{endpoint} holds {most} resources, more than the configured maximum of {}",
                self.max_resources
            ))));
        }
        if let Some(cursor) = &mut self.cursor {
            // RFC 9865: the listing ends at the page without `nextCursor`.
            let next = next_cursor.filter(|c| !c.is_empty())?;
            if n == 0 || self.cursors_seen.contains(&next) {
                return Some(Answer::Settled(Verdict::Failed(format!(
                    "the cursor listing of {endpoint} went round in circles at cursor {next:?}"
                ))));
            }
            cursor.clone_from(&next);
            self.cursors_seen.push(next);
            return Some(Answer::Ask);
        }
        let Some(total) = total else {
            return Some(Answer::Settled(Verdict::Failed(format!(
                "the listing of {endpoint} carries no totalResults"
            ))));
        };
        if n > 0 && self.seen < total {
            if !self.paged {
                return Some(Answer::Settled(Verdict::Failed(format!(
                    "the listing of {endpoint} returned {} of {total} and cannot be paged",
                    self.seen
                ))));
            }
            self.start += n;
            return Some(Answer::Ask);
        }
        None
    }

    /// The current query cannot be had (`error`: the server's answer, if it gave one). A
    /// filtered query falls back to the listing; a failed listing ends the lookup.
    pub(crate) fn give_up(&mut self, error: Option<ServerError>, reason: &str) -> Answer {
        if self.error.is_none() {
            self.error = error;
        }
        if self.step() == Step::Listing {
            return Answer::Settled(Verdict::Failed(format!(
                "the listing of {} failed: {reason}",
                self.kind.endpoint()
            )));
        }
        self.matches.clear();
        self.at = self.steps.len();
        self.start = 1;
        if let Some(cursor) = &mut self.cursor {
            cursor.clear();
        }
        self.seen = 0;
        Answer::Ask
    }

    fn is_match(&self, found: &Found, step: Step) -> bool {
        let by_ext =
            || self.external_id.is_some() && found.external_id() == self.external_id.as_deref();
        let by_name = || found.key() == key_of(self.kind, &self.name);
        match step {
            Step::ExternalId => by_ext(),
            Step::Name => by_name(),
            Step::Listing => by_ext() || by_name(),
        }
    }

    /// The verdict of the step just finished, or the next step.
    fn next_step(&mut self) -> Answer {
        let mut found = std::mem::take(&mut self.matches);
        if self.step() == Step::Listing && found.iter().any(|f| self.is_match(f, Step::ExternalId))
        {
            // A unique externalId decides, as in the planner.
            found.retain(|f| self.is_match(f, Step::ExternalId));
        }
        found.sort_by(|a, b| a.id().cmp(b.id()));
        found.dedup_by(|a, b| a.id() == b.id());
        match found.len() {
            0 if self.at + 1 < self.steps.len() => {
                self.at += 1;
                Answer::Ask
            }
            0 => Answer::Settled(Verdict::Absent),
            1 => Answer::Settled(Verdict::Found(found.remove(0))),
            _ => Answer::Settled(Verdict::Ambiguous(
                found.iter().map(|f| f.id().to_owned()).collect(),
            )),
        }
    }

    /// How the subject reads in a reason: `user "ana@example.com"`.
    pub(crate) fn subject(&self) -> String {
        let what = if self.kind == ResourceKind::User {
            "user"
        } else {
            "group"
        };
        format!("{what} {}", q(&self.name))
    }
}

/// The query steps for a subject, by what the profile can filter on.
fn steps(filter: &FilterSupport, kind: ResourceKind, has_external_id: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    if has_external_id && filter.allows_eq("externalId") {
        steps.push(Step::ExternalId);
    }
    let name = if kind == ResourceKind::User {
        "userName"
    } else {
        "displayName"
    };
    steps.push(if filter.allows_eq(name) {
        Step::Name
    } else {
        Step::Listing
    });
    steps
}

pub(crate) fn key_of(kind: ResourceKind, name: &str) -> String {
    if kind == ResourceKind::User {
        user_key(name)
    } else {
        group_key(name)
    }
}

/// A list answer of `kind`: (`totalResults`, `nextCursor`, the resources), or the server's
/// error.
pub(crate) fn read_page(
    kind: ResourceKind,
    response: &HttpResponse,
    options: &DecodeOptions,
) -> Page {
    match kind {
        ResourceKind::User => page_of(response, options, |u: User| Found::User(Box::new(u))),
        _ => page_of(response, options, |g: Group| Found::Group(Box::new(g))),
    }
}

/// What [`read_page`] reads.
pub(crate) type Page =
    Result<Result<(Option<u64>, Option<String>, Vec<Found>), ServerError>, DecodeError>;

/// A page as (totalResults, nextCursor, resources), or the server's error.
fn page_of<T: FromValue>(
    response: &HttpResponse,
    options: &DecodeOptions,
    wrap: impl Fn(T) -> Found,
) -> Page {
    match decode::<T>(Expect::List, response, options)? {
        Decoded::Page(ListResponse {
            total_results,
            next_cursor,
            resources,
            ..
        }) => Ok(Ok((
            total_results,
            next_cursor,
            resources.into_iter().map(wrap).collect(),
        ))),
        Decoded::Error(e) => Ok(Err(e)),
        // A list query answered with something else: nothing usable was found.
        Decoded::Resource(_) | Decoded::NoContent => Err(DecodeError::WrongShape {
            status: response.status,
            path: String::new(),
            reason: "the answer to a lookup was not a list".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::{CreateGroup, CreateUser, GroupRef, Membership};

    fn create_user(name: &str, ext: Option<&str>) -> Action {
        let mut user = User::new(name);
        user.external_id = ext.map(str::to_owned);
        Action::CreateUser(CreateUser {
            user_name: name.into(),
            user,
            reason: String::new(),
        })
    }

    fn create_group(name: &str, ext: Option<&str>) -> Action {
        Action::CreateGroup(CreateGroup {
            display_name: name.into(),
            external_id: ext.map(str::to_owned),
            members: Vec::new(),
            reason: String::new(),
        })
    }

    fn page(total: u64, resources: serde_json::Value) -> HttpResponse {
        let body = json!({"totalResults": total, "Resources": resources});
        HttpResponse::new(200, body.to_string())
    }

    fn answer(l: &mut Lookup, response: HttpResponse) -> Answer {
        l.answer(&response, &DecodeOptions::default())
    }

    fn filter_of(l: &Lookup) -> Option<String> {
        l.query().filter.map(|f| f.to_string())
    }

    #[test]
    fn a_cursor_profile_looks_through_cursor_pages() {
        // Groups that cannot be filtered by name, listed by RFC 9865 cursors.
        let mut profile = Profile::generic();
        profile.pagination = crate::profile::Pagination::Cursor;
        profile.groups.filter = FilterSupport::none();
        let action = create_group("Eng", None);
        let mut l = Lookup::new(&action, Why::Unproven, &profile).unwrap();
        let q = l.query();
        assert_eq!((q.cursor.as_deref(), q.start_index), (Some(""), None));
        let cursor_page = |next: Option<&str>, resources: serde_json::Value| {
            let mut body = json!({"Resources": resources});
            if let Some(next) = next {
                body["nextCursor"] = next.into();
            }
            HttpResponse::new(200, body.to_string())
        };
        let other = json!([{"id": "g1", "displayName": "Ops"}]);
        assert_eq!(
            answer(&mut l, cursor_page(Some("n1"), other.clone())),
            Answer::Ask
        );
        assert_eq!(l.query().cursor.as_deref(), Some("n1"));
        let eng = json!([{"id": "g2", "displayName": "eng"}]);
        match answer(&mut l, cursor_page(None, eng)) {
            Answer::Settled(Verdict::Found(Found::Group(g))) => {
                assert_eq!(g.id.as_deref(), Some("g2"))
            }
            other => panic!("{other:?}"),
        }
        // A cursor named twice proves nothing: the lookup fails rather than loop.
        let mut l = Lookup::new(&action, Why::Unproven, &profile).unwrap();
        assert_eq!(
            answer(&mut l, cursor_page(Some("n1"), other.clone())),
            Answer::Ask
        );
        match answer(
            &mut l,
            cursor_page(Some("n1"), json!([{"id": "g3", "displayName": "X"}])),
        ) {
            Answer::Settled(Verdict::Failed(reason)) => {
                assert!(reason.contains("round in circles"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_creates_are_looked_up_first() {
        assert_eq!(resend_rule(&create_user("a", None)), Resend::AfterLookup);
        assert_eq!(resend_rule(&create_group("g", None)), Resend::AfterLookup);
        let add = Action::AddMembers(Membership {
            group: GroupRef {
                display_name: "g".into(),
                id: Some("g1".into()),
            },
            members: vec![],
        });
        assert_eq!(resend_rule(&add), Resend::Blindly);
        assert!(Lookup::new(&add, Why::Unproven, &Profile::generic()).is_none());
    }

    #[test]
    fn external_id_first_then_the_name() {
        let action = create_user("Ana@x.com", Some("E1"));
        let mut l = Lookup::new(&action, Why::Unproven, &Profile::generic()).unwrap();
        assert_eq!(filter_of(&l).as_deref(), Some(r#"externalId eq "E1""#));
        // The server's filter is not trusted: a resource with another externalId is no match.
        let other = json!([{"id": "u9", "userName": "zed@x.com", "externalId": "E9"}]);
        assert_eq!(answer(&mut l, page(1, other)), Answer::Ask);
        assert_eq!(filter_of(&l).as_deref(), Some(r#"userName eq "Ana@x.com""#));
        let found = json!([{"id": "u1", "userName": "ana@X.com"}]);
        match answer(&mut l, page(1, found)) {
            Answer::Settled(Verdict::Found(Found::User(u))) => {
                assert_eq!(u.id.as_deref(), Some("u1"))
            }
            other => panic!("{other:?}"),
        }
        // Airtable filters on userName only: straight to the name.
        let l = Lookup::new(&action, Why::Unproven, &Profile::airtable()).unwrap();
        assert_eq!(filter_of(&l).as_deref(), Some(r#"userName eq "Ana@x.com""#));
    }

    #[test]
    fn two_candidates_are_never_adopted() {
        let action = create_group("Eng", None);
        let mut l = Lookup::new(&action, Why::Unproven, &Profile::generic()).unwrap();
        let two = json!([{"id": "g2", "displayName": "Eng"}, {"id": "g1", "displayName": "eng"}]);
        assert_eq!(
            answer(&mut l, page(2, two)),
            Answer::Settled(Verdict::Ambiguous(vec!["g1".into(), "g2".into()]))
        );
    }

    #[test]
    fn a_unique_external_id_decides_in_the_listing() {
        let mut profile = Profile::generic();
        profile.groups.filter = FilterSupport::none();
        let action = create_group("Eng", Some("X1"));
        let mut l = Lookup::new(&action, Why::Unproven, &profile).unwrap();
        assert_eq!(l.query().filter, None);
        let both = json!([
            {"id": "g1", "displayName": "Eng"},
            {"id": "g2", "displayName": "Other", "externalId": "X1"}
        ]);
        match answer(&mut l, page(2, both)) {
            Answer::Settled(Verdict::Found(f)) => assert_eq!(f.id(), "g2"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_listing_is_read_to_its_end() {
        let mut profile = Profile::generic();
        profile.groups.filter = FilterSupport::none();
        profile.groups.page_size = 2;
        let mut l = Lookup::new(&create_group("C", None), Why::Unproven, &profile).unwrap();
        assert_eq!(l.query().start_index, Some(1));
        let first = json!([{"id": "a", "displayName": "A"}, {"id": "b", "displayName": "B"}]);
        assert_eq!(answer(&mut l, page(3, first)), Answer::Ask);
        assert_eq!(l.query().start_index, Some(3));
        let last = json!([{"id": "c", "displayName": "c"}]);
        assert!(matches!(
            answer(&mut l, page(3, last)),
            Answer::Settled(Verdict::Found(f)) if f.id() == "c"
        ));
        // Nothing anywhere: absent. An empty page before the total ends the listing too.
        let mut l = Lookup::new(&create_group("Z", None), Why::Unproven, &profile).unwrap();
        let first = json!([{"id": "a", "displayName": "A"}, {"id": "b", "displayName": "B"}]);
        assert_eq!(answer(&mut l, page(5, first)), Answer::Ask);
        assert_eq!(
            answer(&mut l, page(5, json!([]))),
            Answer::Settled(Verdict::Absent)
        );
        // Too large a listing is not read.
        let mut l = Lookup::new(&create_group("Z", None), Why::Unproven, &profile)
            .unwrap()
            .capped(3);
        let first = json!([{"id": "a", "displayName": "A"}, {"id": "b", "displayName": "B"}]);
        assert!(matches!(
            answer(&mut l, page(4, first)),
            Answer::Settled(Verdict::Failed(r)) if r.contains("maximum of 3")
        ));
        // A server that cannot page and returns part of the total proves nothing.
        profile.groups.start_index = false;
        let mut l = Lookup::new(&create_group("Z", None), Why::Unproven, &profile).unwrap();
        assert_eq!(l.query().start_index, None);
        let part = json!([{"id": "a", "displayName": "A"}]);
        assert!(matches!(
            answer(&mut l, page(4, part)),
            Answer::Settled(Verdict::Failed(_))
        ));
    }

    #[test]
    fn a_refused_filter_falls_back_to_the_listing_and_keeps_its_error() {
        let conflict = ServerError {
            http_status: 409,
            status: Some(409),
            scim_type: Some("uniqueness".into()),
            detail: None,
            retry_after_ms: None,
            body_excerpt: None,
        };
        let action = create_user(r#"o"hara@x.com"#, None);
        let mut l = Lookup::new(&action, Why::Conflict(conflict), &Profile::airtable()).unwrap();
        let refusal = HttpResponse::new(
            400,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter"}"#,
        );
        let Answer::Refused(e) = answer(&mut l, refusal) else {
            panic!()
        };
        assert_eq!(e.scim_type.as_deref(), Some("invalidFilter"));
        assert_eq!(l.give_up(Some(e.clone()), "refused"), Answer::Ask);
        assert_eq!(l.query().filter, None, "the listing");
        assert_eq!(l.error(), Some(&e));
        let found = json!([{"id": "u1", "userName": "o\"hara@x.com"}]);
        assert!(matches!(
            answer(&mut l, page(1, found)),
            Answer::Settled(Verdict::Found(_))
        ));
        // A listing that fails in turn ends the lookup.
        let mut l = Lookup::new(&action, Why::Unproven, &Profile::airtable()).unwrap();
        assert_eq!(l.give_up(None, "timed out"), Answer::Ask);
        assert!(matches!(
            l.give_up(None, "timed out"),
            Answer::Settled(Verdict::Failed(r)) if r.contains("timed out")
        ));
    }

    #[test]
    fn unreadable_answers_and_resources_without_ids() {
        let mut l =
            Lookup::new(&create_group("G", None), Why::Unproven, &Profile::generic()).unwrap();
        let cut = HttpResponse::new(200, r#"{"totalResults": 1, "Reso"#);
        assert!(matches!(answer(&mut l, cut), Answer::Undecodable(_)));
        let no_id = json!([{"displayName": "G"}]);
        assert_eq!(
            answer(&mut l, page(1, no_id)),
            Answer::Settled(Verdict::Absent)
        );
    }
}
