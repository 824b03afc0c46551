//! The built-in profile table. Each entry is data derived from the server's public
//! documentation (see SCIM_FACTS in the design notes); where a vendor documents nothing, the
//! entry keeps the RFC behaviour and the choice is commented.

use crate::model::OpCase;

use super::{
    FilterSupport, MemberAddShape, Pagination, PatchSupport, Profile, RateLimit, ResourceSupport,
    StatusFormat,
};

/// Makes one built-in profile.
type Constructor = fn() -> Profile;

/// Every built-in profile, by name.
const TABLE: &[(&str, Constructor)] = &[
    ("generic", generic),
    ("airtable", airtable),
    ("slack", slack),
    ("aws-iam-identity-center", aws_iam_identity_center),
    ("atlassian", atlassian),
    ("github-emu", github_emu),
];

/// The built-in profile called `name` (case-insensitive), if there is one.
pub fn builtin(name: &str) -> Option<Profile> {
    TABLE
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, make)| make())
}

/// The names of all built-in profiles, in table order.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(n, _)| *n)
}

/// RFC 7643/7644 as written; refined by ServiceProviderConfig when the server serves one.
pub(super) fn generic() -> Profile {
    Profile {
        name: "generic".into(),
        discovery: true,
        users: ResourceSupport {
            filter: FilterSupport::full(),
            start_index: true,
            max_page_size: None,
            page_size: 100,
            members_in_listing: false,
        },
        groups: ResourceSupport {
            filter: FilterSupport::full(),
            start_index: true,
            max_page_size: None,
            page_size: 100,
            members_in_listing: true,
        },
        patch: PatchSupport {
            supported: true,
            op_case: OpCase::Lower,
            path_required: false,
            member_add: MemberAddShape::Array,
            max_operations: None,
            // Members per PATCH are unlimited in the RFC; 100 keeps requests small for servers
            // that time out on large bodies (the most common complaint about sync tools).
            max_members: Some(100),
        },
        create_statuses: vec![201, 200],
        error_status: StatusFormat::String,
        unknown_group_statuses: vec![404],
        rate_limit: None,
        retry_after_default_ms: 1_000,
        extra_headers: Vec::new(),
        delete_user_deactivates: false,
        manager_display_name_writable: false,
        // RFC 7643 §4.2: `members` is readWrite, so a POST may carry it.
        create_group_with_members: true,
        // Known only from discovery (ServiceProviderConfig `bulk`).
        bulk: None,
        use_bulk: true,
        // RFC 7644's paging; discovery switches to cursors where the server offers them.
        pagination: Pagination::Index,
    }
}

/// Airtable's SCIM API: user filter only `userName eq`, group filter only `displayName eq`,
/// no `startIndex` on groups, members added one object per operation, 400 for an unknown
/// group id, numeric error status, 5 requests/s, 30 s after a 429, no discovery endpoint.
pub(super) fn airtable() -> Profile {
    Profile {
        name: "airtable".into(),
        discovery: false,
        users: ResourceSupport {
            filter: FilterSupport::eq_only(&["userName"]),
            start_index: true,
            // No maximum is documented (the default count is "all users"); an unofficial
            // spec says 100, which also keeps pages small.
            max_page_size: None,
            page_size: 100,
            members_in_listing: false,
        },
        groups: ResourceSupport {
            filter: FilterSupport::eq_only(&["displayName"]),
            start_index: false,
            max_page_size: None,
            // Without startIndex the whole listing must fit one page; ask for plenty.
            page_size: 10_000,
            // The documented list response carries no members; GET /Groups/{id} does.
            members_in_listing: false,
        },
        patch: PatchSupport {
            supported: true,
            op_case: OpCase::Lower,
            path_required: true,
            member_add: MemberAddShape::SingleObject,
            // Undocumented; 100 operations keeps each PATCH well inside any sane body limit.
            max_operations: Some(100),
            max_members: Some(100),
        },
        create_statuses: vec![200, 201],
        error_status: StatusFormat::Number,
        unknown_group_statuses: vec![400, 404],
        rate_limit: Some(RateLimit {
            requests_per_second: 5.0,
            burst: 5,
        }),
        retry_after_default_ms: 30_000,
        extra_headers: Vec::new(),
        delete_user_deactivates: false,
        // Airtable's admin panel shows "Manager name" from it.
        manager_display_name_writable: true,
        // "POST /Groups creates an empty group": members follow by PATCH.
        create_group_with_members: false,
        // No `/Bulk` is documented.
        bulk: None,
        use_bulk: true,
        pagination: Pagination::Index,
    }
}

/// Slack: pages capped at 1,000, writes limited to 180 per minute, DELETE only deactivates.
pub(super) fn slack() -> Profile {
    let mut p = generic();
    p.name = "slack".into();
    p.discovery = false;
    p.users.max_page_size = Some(1_000);
    p.groups.max_page_size = Some(1_000);
    p.rate_limit = Some(RateLimit {
        requests_per_second: 3.0,
        burst: 3,
    });
    p.delete_user_deactivates = true;
    p
}

/// AWS IAM Identity Center: `eq` and `and` only, PATCH paths required, at most 100 member
/// changes per PATCH, groups listed without members, listings capped at 50 and paged by
/// RFC 9865 cursors (AWS answers `?cursor` with `nextCursor` pages; its `startIndex` paging
/// is unreliable).
pub(super) fn aws_iam_identity_center() -> Profile {
    let mut p = generic();
    p.name = "aws-iam-identity-center".into();
    p.discovery = false;
    let filter = FilterSupport {
        and: true,
        ..FilterSupport::eq_only(&["userName", "externalId", "id", "displayName"])
    };
    p.users.filter = filter.clone();
    p.groups.filter = filter;
    p.users.max_page_size = Some(50);
    p.users.page_size = 50;
    p.groups.max_page_size = Some(50);
    p.groups.page_size = 50;
    p.groups.members_in_listing = false;
    p.patch.path_required = true;
    p.patch.max_operations = Some(100);
    p.patch.max_members = Some(100);
    // Members in a create are not documented (group membership is documented through
    // PATCH only): create empty, as Okta does, rather than lose members silently.
    p.create_group_with_members = false;
    p.pagination = Pagination::Cursor;
    p
}

/// Atlassian: 100 users per page; duplicates answer 409 `uniqueness`.
pub(super) fn atlassian() -> Profile {
    let mut p = generic();
    p.name = "atlassian".into();
    p.users.max_page_size = Some(100);
    p.groups.max_page_size = Some(100);
    // Members in a create are not documented: create empty, then PATCH.
    p.create_group_with_members = false;
    p
}

/// GitHub Enterprise Managed Users: a `User-Agent` is required; `active=false` is a soft
/// deprovision. At most 1,000 users are assigned per hour, which is roughly one write
/// every 3.6 s sustained.
pub(super) fn github_emu() -> Profile {
    let mut p = generic();
    p.name = "github-emu".into();
    p.discovery = false;
    p.users.filter = FilterSupport::eq_only(&["userName", "externalId"]);
    p.groups.filter = FilterSupport::eq_only(&["displayName", "externalId"]);
    p.extra_headers = vec![("User-Agent".into(), "scim-provision".into())];
    p.rate_limit = Some(RateLimit {
        requests_per_second: 1_000.0 / 3_600.0,
        burst: 10,
    });
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::CompareOp;

    #[test]
    fn lookup_is_case_insensitive_and_total() {
        assert_eq!(builtin("AirTable").unwrap().name, "airtable");
        assert!(builtin("nope").is_none());
        for name in builtin_names() {
            assert_eq!(builtin(name).unwrap().name, name);
        }
    }

    #[test]
    fn airtable_matches_the_documented_facts() {
        let p = airtable();
        assert!(!p.discovery);
        assert!(!p.groups.start_index);
        assert!(p.users.start_index);
        assert!(!p.groups.members_in_listing);
        assert_eq!(p.patch.member_add, MemberAddShape::SingleObject);
        assert!(p.patch.path_required);
        assert_eq!(p.error_status, StatusFormat::Number);
        assert!(p.unknown_group_statuses.contains(&400));
        assert_eq!(p.rate_limit.unwrap().requests_per_second, 5.0);
        assert_eq!(p.retry_after_default_ms, 30_000);
        assert!(p.create_statuses.contains(&200));
        assert_eq!(p.users.filter.operators, vec![CompareOp::Eq]);
        assert!(
            !p.create_group_with_members,
            "POST /Groups creates an empty group"
        );
        assert!(
            generic().create_group_with_members,
            "RFC 7643: members is readWrite"
        );
    }
}
