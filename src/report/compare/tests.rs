use super::*;
use crate::model::{Group, Member, User};
use crate::report::{build_report, LicenseGroup, LicenseRule, ReportInput};
use std::cmp::Ordering;

fn user(id: &str, name: &str, active: bool) -> User {
    let mut u = User::new(name);
    u.id = Some(id.into());
    u.active = Some(active);
    u
}

fn group(id: &str, name: &str, members: Option<&[&str]>) -> Group {
    let mut g = Group::new(name);
    g.id = Some(id.into());
    g.members = members.map(|m| m.iter().map(|id| Member::new(*id)).collect());
    g
}

fn rule() -> LicenseRule {
    LicenseRule {
        groups: vec![LicenseGroup::new("Creators", "Creator")],
        purchased: LicenseRule::parse_seats("Creator=2").unwrap(),
        ..LicenseRule::default()
    }
}

/// The earlier report as JSON text, read back.
fn previous(users: &[User], groups: &[Group], at: u64) -> Previous {
    let rule = rule();
    let report = build_report(&ReportInput::new(users, groups, at).licenses(&rule));
    read_previous(&serde_json::to_string(&report).unwrap()).unwrap()
}

#[test]
fn the_review_names_every_change_and_ignores_renames() {
    let before_users = [
        user("1", "ana@x", true),
        user("2", "bo@x", true),
        user("3", "cy@x", false),
        user("4", "dee@x", true),
    ];
    let before_groups = [
        group("g1", "Creators", Some(&["1", "2"])),
        group("g2", "Sales", Some(&["2", "ghost"])),
        group("g3", "Unlisted", None),
        group("g4", "Old", Some(&["4"])),
    ];
    // ana renamed, bo deactivated, cy reactivated, dee removed, eve added; Sales renamed
    // Revenue (same id); bo leaves Creators, eve joins it; Old is gone.
    let after_users = [
        user("1", "ana.new@x", true),
        user("2", "bo@x", false),
        user("3", "cy@x", true),
        user("5", "eve@x", true),
    ];
    let after_groups = [
        group("g1", "Creators", Some(&["1", "5"])),
        group("g2", "Revenue", Some(&["2", "ghost"])),
        group("g3", "Unlisted", Some(&["1"])),
    ];
    let prev = previous(&before_users, &before_groups, 1_000);
    let rule = rule();
    let now = build_report(
        &ReportInput::new(&after_users, &after_groups, 2_000)
            .licenses(&rule)
            .previous(&prev),
    );
    let c = now.comparison.clone().unwrap();
    let users: Vec<(UserChangeKind, &str)> = c
        .users
        .iter()
        .map(|u| (u.change, u.user_name.as_str()))
        .collect();
    assert_eq!(
        users,
        [
            (UserChangeKind::Added, "eve@x"),
            (UserChangeKind::Removed, "dee@x"),
            (UserChangeKind::Deactivated, "bo@x"),
            (UserChangeKind::Reactivated, "cy@x"),
        ]
    );
    let access: Vec<(AccessChangeKind, &str, &str)> = c
        .access
        .iter()
        .map(|a| {
            (
                a.change,
                a.user_name.as_deref().unwrap_or(&a.member_id),
                a.group.as_str(),
            )
        })
        .collect();
    assert_eq!(
        access,
        [
            (AccessChangeKind::Lost, "bo@x", "Creators"),
            (AccessChangeKind::Lost, "dee@x", "Old"),
            (AccessChangeKind::Gained, "eve@x", "Creators"),
        ]
    );
    assert_eq!(c.groups_unknown, ["Unlisted"]);
    assert_eq!(
        c.previous_taken_at.as_deref(),
        Some("1970-01-01T00:00:01.000Z")
    );
    assert_eq!(
        (c.active.previous, c.active.current, c.active.change),
        (3, 3, 0)
    );
    let creator = c.licenses.iter().find(|l| l.license == "Creator").unwrap();
    assert_eq!((creator.active.previous, creator.active.current), (2, 2));
    assert_eq!(creator.purchased.map(|p| p.change), Some(0));
    let standard = c.licenses.iter().find(|l| l.license == "Standard").unwrap();
    assert_eq!(standard.active.change, 0, "dee left, cy came back");
    assert_eq!(
        standard.deactivated.change, 0,
        "cy reactivated, bo deactivated"
    );
    assert_eq!(standard.purchased, None, "a type with no purchased seats");
    assert!(is_sorted_by(&c.users, |a, b| a.change.cmp(&b.change)));
}

#[test]
fn a_report_compared_with_itself_has_no_changes() {
    let users = [user("1", "a@x", true), user("2", "b@x", false)];
    let groups = [group("g", "G", Some(&["1", "2", "x"]))];
    let prev = previous(&users, &groups, 0);
    let c = compare(&prev, &build_report(&ReportInput::new(&users, &groups, 5)));
    assert!(c.users.is_empty() && c.access.is_empty() && c.groups_unknown.is_empty());
    assert_eq!(c.total_users, CountChange::new(2, 2));
    assert_eq!(CountChange::new(u64::MAX, 0).change, i64::MIN);
    assert_eq!(CountChange::new(1, 4).change, 3);
}

#[test]
fn a_malformed_previous_report_is_refused_with_its_path() {
    let cases = [
        ("[]", ".", "expected an object"),
        ("{", ".", "EOF"),
        (r#"{"seats": {}}"#, "seats", "missing field `totalUsers`"),
        (
            r#"{"seats": {"totalUsers": 0, "active": 0, "deactivated": 0}}"#,
            ".",
            "missing field `snapshot`",
        ),
        (
            r#"{"seats": {"totalUsers": 0, "active": 0, "deactivated": 0}, "snapshot": {"takenAtMs": 0, "groups": []}}"#,
            "snapshot",
            "missing field `users`",
        ),
        (
            r#"{"seats": {"totalUsers": 0, "active": -1, "deactivated": 0}, "snapshot": {}}"#,
            "seats.active",
            "expected a whole number",
        ),
        (
            r#"{"seats": {"totalUsers": 0, "active": 0, "deactivated": 0}, "snapshot": {"takenAtMs": 0, "users": [{"userName": "a", "active": "yes"}], "groups": []}}"#,
            "snapshot.users[0].active",
            "expected a boolean",
        ),
        (
            r#"{"seats": {"totalUsers": 0, "active": 0, "deactivated": 0}, "snapshot": {"takenAtMs": 0, "users": [], "groups": [{"displayName": "g", "membersListed": true, "members": [{"userName": "a"}]}]}}"#,
            "snapshot.groups[0].members[0]",
            "missing field `id`",
        ),
        (
            r#"{"seats": {"totalUsers": 0, "active": 0, "deactivated": 0}, "snapshot": {"takenAtMs": 0, "users": [], "groups": []}, "licenses": [{"license": 3}]}"#,
            "licenses[0].license",
            "expected a string",
        ),
    ];
    for (text, path, reason) in cases {
        let e = read_previous(text).unwrap_err();
        assert_eq!(e.path, path, "{text}");
        assert!(e.reason.contains(reason), "{text}: {}", e.reason);
    }
}

#[test]
fn the_review_csv_and_html_neutralise_hostile_names() {
    let hostile = "=HYPERLINK(\"http://x\")";
    let script = "<script>alert(1)</script>";
    let before = [user("1", "a@x", true)];
    let after = [user("1", "a@x", true), user("2", hostile, true)];
    let groups = [group("g", script, Some(&["1", "2"]))];
    let prev = previous(&before, &[group("g", script, Some(&["1"]))], 0);
    let report = build_report(&ReportInput::new(&after, &groups, 1).previous(&prev));
    let c = report.comparison.clone().unwrap();
    let csv = review_csv(&c, false);
    assert_eq!(
        csv,
        "Change,userName,ID,Group\r\nadded,\"'=HYPERLINK(\"\"http://x\"\")\",2,\r\n\
         gained,\"'=HYPERLINK(\"\"http://x\"\")\",2,<script>alert(1)</script>\r\n"
    );
    assert!(review_csv(&c, true).starts_with('\u{feff}'));
    let html = crate::report::render_html(&report);
    assert!(!html.contains("<script>"));
    assert!(html.contains("<section id=\"review\">"));
    assert_eq!(html.matches("class=\"access-change\"").count(), 1);
}

fn is_sorted_by<T>(v: &[T], cmp: impl Fn(&T, &T) -> Ordering) -> bool {
    v.windows(2).all(|w| cmp(&w[0], &w[1]) != Ordering::Greater)
}
