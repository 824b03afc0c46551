//! A targeted run's lookups joined: the subjects of one kind asked for in one query,
//! `userName eq "a" or userName eq "b"` (with `externalId eq` for a subject that has one),
//! where the profile filters with `or` on what they need. What the answer means for each
//! subject follows the single lookup's rules (`engine::lookup`): a unique `externalId`
//! decides, else the name as the planner matches it; one match is the subject, several are
//! ambiguous, none is absent. A query the server refuses, or whose answer does not hold
//! every match on its one page, settles nothing: each subject is then looked up alone.

use super::lookup::{key_of, read_page, Found, Verdict};
use crate::filter::Filter;
use crate::http::HttpResponse;
use crate::plan::Subject;
use crate::profile::Profile;
use crate::request::{ListQuery, ResourceKind};
use crate::response::{DecodeOptions, ServerError};

/// Subjects per joined query: a filter, and a URL, of a few hundred characters.
const MOST: usize = 10;

/// One joined query: its subjects, by lookup index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Joined {
    kind: ResourceKind,
    /// The lookup indexes of its subjects.
    pub(crate) members: Vec<usize>,
    /// Their names and externalIds.
    subjects: Vec<Subject>,
    count: u32,
}

/// What an answer to a joined query amounted to.
#[derive(Debug)]
pub(crate) enum Joint {
    /// Each member's verdict, by lookup index.
    Settled(Vec<(usize, Verdict)>),
    /// The server refused the query: retry it, or look each member up alone.
    Refused(ServerError),
    /// Nothing settled (an unreadable answer, matches on several pages): look each member
    /// up alone.
    Alone,
}

impl Joined {
    /// The joined queries for `subjects` ((kind, name, externalId) by lookup index): chunks
    /// of at least two subjects of one kind, where `profile` filters on their attributes
    /// with `or`. Subjects in none are looked up alone.
    pub(crate) fn plan(subjects: &[Subject], profile: &Profile) -> Vec<Joined> {
        let mut out = Vec::new();
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let support = if kind == ResourceKind::User {
                &profile.users
            } else {
                &profile.groups
            };
            let f = &support.filter;
            if !f.or || !f.allows_eq(name_attribute(kind)) {
                continue;
            }
            let ext_ok = f.allows_eq("externalId");
            let mut next = Joined {
                kind,
                members: Vec::new(),
                subjects: Vec::new(),
                count: support.list_page_size(),
            };
            for (i, s) in subjects.iter().enumerate() {
                if s.kind != kind || (s.external_id.is_some() && !ext_ok) {
                    continue;
                }
                next.members.push(i);
                next.subjects.push(s.clone());
                if next.members.len() == MOST {
                    out.push(next.clone());
                    next.members.clear();
                    next.subjects.clear();
                }
            }
            if next.members.len() >= 2 {
                out.push(next);
            }
        }
        out
    }

    /// The query: every member's `eq` terms joined with `or`.
    pub(crate) fn query(&self) -> (ResourceKind, ListQuery) {
        let name = name_attribute(self.kind);
        let mut filter: Option<Filter> = None;
        for s in &self.subjects {
            let mut term = Filter::eq(name, s.name.as_str());
            if let Some(e) = &s.external_id {
                term = Filter::eq("externalId", e.as_str()).or(term);
            }
            filter = Some(match filter {
                Some(f) => f.or(term),
                None => term,
            });
        }
        let query = ListQuery {
            filter,
            count: Some(self.count),
            ..ListQuery::default()
        };
        (self.kind, query)
    }

    /// What `response` says of each member.
    pub(crate) fn answer(&self, response: &HttpResponse, options: &DecodeOptions) -> Joint {
        let (total, found) = match read_page(self.kind, response, options) {
            Ok(Ok((total, _, found))) => (total, found),
            Ok(Err(e)) => return Joint::Refused(e),
            Err(_) => return Joint::Alone,
        };
        if total.is_some_and(|t| t > found.len() as u64) {
            return Joint::Alone;
        }
        let mut verdicts = Vec::with_capacity(self.members.len());
        for (&i, s) in self.members.iter().zip(&self.subjects) {
            let key = key_of(self.kind, &s.name);
            let ext = s.external_id.as_deref();
            let by_ext = |f: &Found| ext.is_some() && f.external_id() == ext;
            let by_name = |f: &Found| f.key() == key;
            // A unique externalId decides, as in the planner; else the name.
            let rule: &dyn Fn(&Found) -> bool = if found.iter().any(by_ext) {
                &by_ext
            } else {
                &by_name
            };
            let mut ids: Vec<String> = Vec::new();
            let mut one = None;
            for f in &found {
                if !f.id().is_empty() && rule(f) && !ids.iter().any(|id| id == f.id()) {
                    ids.push(f.id().to_owned());
                    one = Some(f);
                }
            }
            let verdict = match (ids.len(), one) {
                (1, Some(f)) => Verdict::Found(f.clone()),
                (0, _) => Verdict::Absent,
                _ => Verdict::Ambiguous(ids),
            };
            verdicts.push((i, verdict));
        }
        Joint::Settled(verdicts)
    }
}

fn name_attribute(kind: ResourceKind) -> &'static str {
    if kind == ResourceKind::User {
        "userName"
    } else {
        "displayName"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects(names: &[&str]) -> Vec<Subject> {
        names
            .iter()
            .map(|n| Subject {
                kind: ResourceKind::User,
                name: (*n).to_owned(),
                external_id: None,
            })
            .collect()
    }

    #[test]
    fn subjects_are_joined_only_where_the_profile_filters_with_or() {
        let s = subjects(&["a@x", "b\"@x", "c@x"]);
        let joined = Joined::plan(&s, &Profile::generic());
        assert_eq!(joined.len(), 1);
        let (_, query) = joined[0].query();
        assert_eq!(
            query.filter.unwrap().to_string(),
            r#"userName eq "a@x" or userName eq "b\"@x" or userName eq "c@x""#
        );
        assert!(
            Joined::plan(&s, &Profile::airtable()).is_empty(),
            "Airtable has no `or`"
        );
        assert!(
            Joined::plan(&s[..1], &Profile::generic()).is_empty(),
            "one is alone"
        );
    }

    #[test]
    fn each_member_gets_its_verdict() {
        let s = subjects(&["a@x", "B@x", "c@x"]);
        let joined = Joined::plan(&s, &Profile::generic()).remove(0);
        let body = r#"{"totalResults": 3, "Resources": [
            {"id": "1", "userName": "A@X"}, {"id": "2", "userName": "b@x"}, {"id": "3", "userName": "b@X"}]}"#;
        let Joint::Settled(v) =
            joined.answer(&HttpResponse::new(200, body), &DecodeOptions::default())
        else {
            panic!("settled")
        };
        assert!(matches!(&v[0], (0, Verdict::Found(f)) if f.id() == "1"));
        assert_eq!(v[1], (1, Verdict::Ambiguous(vec!["2".into(), "3".into()])));
        assert_eq!(v[2], (2, Verdict::Absent));
        let partial = r#"{"totalResults": 30, "Resources": [{"id": "1", "userName": "a@x"}]}"#;
        let answer = joined.answer(&HttpResponse::new(200, partial), &DecodeOptions::default());
        assert!(matches!(answer, Joint::Alone));
        let refused = HttpResponse::new(400, r#"{"status": "400", "scimType": "invalidFilter"}"#);
        let answer = joined.answer(&refused, &DecodeOptions::default());
        assert!(matches!(answer, Joint::Refused(_)));
    }
}
