//! How a listing pages: by `startIndex` or by RFC 9865 cursors ([`pagination`]), and the page
//! size it asks for: the largest page the server allows, from what the profile documents and
//! what the server advertises in its ServiceProviderConfig (`filter.maxResults`, RFC 7644
//! §3.4.2, and RFC 9865's `pagination.maxPageSize`), never more than the profile documents.
//!
//! Fewer, larger pages are fewer requests: a server that says it serves 1,000 resources a
//! page is listed 1,000 at a time, not at the profile's default of 100. A cap only ever
//! narrows: a host that wants smaller pages sets `maxPageSize` in its profile, and that is
//! kept whatever the server advertises.

use super::{Pagination, ResourceSupport};
use crate::model::PaginationConfig;

/// How to page, from the profile's `pagination` and the server's RFC 9865 `pagination`
/// section (the default section, all absent, when there was no discovery).
///
/// Cursors win whenever the server says it has them (`cursor: true`), even where it offers
/// `startIndex` too: index pages of a set that changes during the listing skip or repeat
/// resources (a resource removed before page 2 shifts every later one back by one, so one
/// falls between pages; RFC 7644 §3.4.2.4 warns that index pages are not consistent), while
/// a cursor marks a position in the server's own order, the paging RFC 9865 adds for
/// servers built on cursors. A server that says it has no cursors (`cursor: false`) is listed by index unless
/// it says it has no index paging either (then its word is no guide and the profile
/// decides). A server that says nothing leaves the profile's choice.
pub fn pagination(profile: Pagination, advertised: &PaginationConfig) -> Pagination {
    match (advertised.cursor, advertised.index) {
        (Some(true), _) => Pagination::Cursor,
        (Some(false), Some(false)) => profile,
        (Some(false), _) => Pagination::Index,
        (None, _) => profile,
    }
}

/// The largest page size taken from a server's own advertisement. A server advertising
/// `maxResults: 2147483647` means "no cap", not "list everything in one response"; pages
/// this large are already few (the same bound as Airtable's one-page group listing).
pub const LARGEST_ADVERTISED_PAGE: u32 = 10_000;

/// The cap a server's advertised `maxResults` puts on pages: `None` for 0 (a server that
/// serves nothing a page says nothing usable), else at most [`LARGEST_ADVERTISED_PAGE`].
fn advertised_cap(advertised: Option<u64>) -> Option<u32> {
    match advertised? {
        0 => None,
        n => Some(
            u32::try_from(n).map_or(LARGEST_ADVERTISED_PAGE, |n| n.min(LARGEST_ADVERTISED_PAGE)),
        ),
    }
}

/// The tighter of the profile's documented cap and the server's advertised one.
pub(super) fn page_cap(documented: Option<u32>, advertised: Option<u64>) -> Option<u32> {
    let documented = documented.map(|d| d.max(1));
    match (documented, advertised_cap(advertised)) {
        (Some(d), Some(a)) => Some(d.min(a)),
        (one, None) | (None, one) => one,
    }
}

/// The `count` to list with: the largest page allowed (the tighter of the profile's
/// `maxPageSize` and the server's advertised `maxResults`), or the profile's `pageSize` when
/// neither says; at least 1.
pub fn page_size(default: u32, documented: Option<u32>, advertised: Option<u64>) -> u32 {
    page_cap(documented, advertised).unwrap_or(default).max(1)
}

impl ResourceSupport {
    /// The `count` a listing (or a lookup's listing) of this resource type asks for: the
    /// largest page allowed ([`page_size`]; after discovery, `max_page_size` holds the
    /// server's advertised cap too).
    pub fn list_page_size(&self) -> u32 {
        page_size(self.page_size, self.max_page_size, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advertised(cursor: Option<bool>, index: Option<bool>) -> PaginationConfig {
        PaginationConfig {
            cursor,
            index,
            ..PaginationConfig::default()
        }
    }

    #[test]
    fn cursors_win_where_the_server_has_them() {
        use Pagination::{Cursor, Index};
        for profile in [Index, Cursor] {
            // The server offers cursors, alone or beside index paging: cursors.
            for index in [None, Some(true), Some(false)] {
                assert_eq!(pagination(profile, &advertised(Some(true), index)), Cursor);
            }
            // Silence, or a self-contradiction: the profile decides.
            assert_eq!(pagination(profile, &advertised(None, None)), profile);
            assert_eq!(pagination(profile, &advertised(None, Some(true))), profile);
            assert_eq!(
                pagination(profile, &advertised(Some(false), Some(false))),
                profile
            );
        }
        // The server says it has no cursors: index paging, whatever the profile hoped.
        assert_eq!(pagination(Cursor, &advertised(Some(false), None)), Index);
        assert_eq!(
            pagination(Cursor, &advertised(Some(false), Some(true))),
            Index
        );
    }

    #[test]
    fn the_largest_page_allowed_is_asked_for() {
        // Neither says: the profile's default.
        assert_eq!(page_size(100, None, None), 100);
        // The profile documents a cap: that cap, above or below the default.
        assert_eq!(page_size(100, Some(1_000), None), 1_000);
        assert_eq!(page_size(100, Some(50), None), 50);
        // Discovery only: what the server advertises.
        assert_eq!(page_size(100, None, Some(1_000)), 1_000);
        assert_eq!(page_size(100, None, Some(25)), 25);
        // Both: never more than the profile documents, nor than the server serves.
        assert_eq!(page_size(100, Some(200), Some(1_000)), 200);
        assert_eq!(page_size(100, Some(1_000), Some(200)), 200);
    }

    #[test]
    fn odd_advertisements_are_bounded() {
        // 0 says nothing usable: as if not advertised.
        assert_eq!(page_size(100, None, Some(0)), 100);
        assert_eq!(page_size(100, Some(50), Some(0)), 50);
        // Absurd values are bounded, including beyond u32.
        assert_eq!(
            page_size(100, None, Some(2_147_483_647)),
            LARGEST_ADVERTISED_PAGE
        );
        assert_eq!(
            page_size(100, None, Some(u64::MAX)),
            LARGEST_ADVERTISED_PAGE
        );
        // A profile's own documented cap is trusted as written (Airtable's one-page groups).
        assert_eq!(page_size(10_000, Some(20_000), Some(u64::MAX)), 10_000);
        assert_eq!(page_size(10_000, None, None), 10_000);
        // Never 0, whatever the profile says.
        assert_eq!(page_size(0, None, None), 1);
        assert_eq!(page_size(100, Some(0), None), 1);
    }
}
