//! Refining a profile from a server's ServiceProviderConfig (RFC 7643 §5).

use crate::model::ServiceProviderConfig;

use super::paging::{page_cap, pagination};
use super::{FilterSupport, Profile};

impl Profile {
    /// This profile adjusted to what the server says of itself: PATCH off when unsupported,
    /// filtering off when unsupported, `filter.maxResults` and RFC 9865's
    /// `pagination.maxPageSize` as page-size caps (listings then ask for pages that large:
    /// [`ResourceSupport::list_page_size`]), cursor paging where the server offers it
    /// ([`pagination`](super::pagination())), Bulk where it is advertised (`profile/bulk.rs`).
    /// A server can only narrow what the profile allows, never widen it: a vendor profile's
    /// known quirks and documented page cap stay in force whatever the server advertises. Cursors are the one exception, by design: they only
    /// change how pages are walked, and a server's own word that it has them is the best
    /// evidence there is.
    ///
    /// [`ResourceSupport::list_page_size`]: super::ResourceSupport::list_page_size
    pub fn refined_by(&self, config: &ServiceProviderConfig) -> Profile {
        let mut p = self.clone();
        if config.patch.supported == Some(false) {
            p.patch.supported = false;
        }
        if config.filter.supported == Some(false) {
            p.users.filter = FilterSupport::none();
            p.groups.filter = FilterSupport::none();
        }
        let paging = &config.pagination;
        for r in [&mut p.users, &mut p.groups] {
            let cap = page_cap(r.max_page_size, config.filter.max_results);
            r.max_page_size = page_cap(cap, paging.max_page_size);
        }
        p.refine_bulk(&config.bulk);
        p.pagination = pagination(p.pagination, paging);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn narrows_but_never_widens() {
        let spc: ServiceProviderConfig = serde_json::from_value(json!({
            "patch": {"supported": false},
            "filter": {"supported": true, "maxResults": 25}
        }))
        .unwrap();
        let p = Profile::generic().refined_by(&spc);
        assert!(!p.patch.supported);
        assert_eq!(p.users.max_page_size, Some(25));
        assert_eq!(p.users.list_page_size(), 25);

        let generous: ServiceProviderConfig =
            serde_json::from_value(json!({"patch": {"supported": true}})).unwrap();
        let mut base = Profile::generic();
        base.patch.supported = false;
        assert!(!base.refined_by(&generous).patch.supported);
    }

    fn advertising(max_results: serde_json::Value) -> ServiceProviderConfig {
        serde_json::from_value(json!({"filter": {"supported": true, "maxResults": max_results}}))
            .unwrap()
    }

    #[test]
    fn listings_ask_for_the_largest_page_the_server_allows() {
        let generic = Profile::generic();
        // Discovery says 1,000: pages of 1,000, not the default 100.
        let p = generic.refined_by(&advertising(json!(1_000)));
        assert_eq!(
            (p.users.list_page_size(), p.groups.list_page_size()),
            (1_000, 1_000)
        );
        // Discovery says nothing of a cap: the default.
        let silent: ServiceProviderConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(generic.refined_by(&silent).users.list_page_size(), 100);
        assert_eq!(generic.users.list_page_size(), 100);
        // 0 and absurd values.
        assert_eq!(
            generic
                .refined_by(&advertising(json!(0)))
                .users
                .list_page_size(),
            100
        );
        assert_eq!(
            generic
                .refined_by(&advertising(json!(u64::MAX)))
                .users
                .list_page_size(),
            super::super::paging::LARGEST_ADVERTISED_PAGE
        );
        // A profile's documented cap is never exceeded (Atlassian: 100), and is used whole
        // without discovery (Slack: 1,000).
        let atlassian = crate::profile::builtin("atlassian").unwrap();
        assert_eq!(
            atlassian
                .refined_by(&advertising(json!(1_000)))
                .users
                .list_page_size(),
            100
        );
        let slack = crate::profile::builtin("slack").unwrap();
        assert_eq!(slack.users.list_page_size(), 1_000);
        // A host that wants smaller pages keeps them.
        let mut small = Profile::generic();
        small.users.max_page_size = Some(20);
        assert_eq!(
            small
                .refined_by(&advertising(json!(1_000)))
                .users
                .list_page_size(),
            20
        );
    }

    #[test]
    fn advertised_cursors_switch_the_listing_and_cap_its_pages() {
        let spc: ServiceProviderConfig = serde_json::from_value(json!({
            "filter": {"supported": true, "maxResults": 1_000},
            "pagination": {"cursor": true, "index": true, "maxPageSize": 250}
        }))
        .unwrap();
        let p = Profile::generic().refined_by(&spc);
        assert_eq!(p.pagination, super::super::Pagination::Cursor);
        assert_eq!(p.users.list_page_size(), 250);
        // Nothing said of pagination: the profile's choice stands.
        let silent: ServiceProviderConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(
            Profile::generic().refined_by(&silent).pagination,
            super::super::Pagination::Index
        );
    }

    #[test]
    fn filtering_off_disables_lookups() {
        let spc: ServiceProviderConfig =
            serde_json::from_value(json!({"filter": {"supported": false}})).unwrap();
        let p = Profile::generic().refined_by(&spc);
        assert!(!p.users.filter.allows_eq("userName"));
    }
}
