//! The report as one self-contained HTML5 page: inline CSS, an inline SVG bar chart, no
//! scripts, and nothing that fetches (no external URL, no `src`, no `href`; a
//! Content-Security-Policy of `default-src 'none'` forbids fetches anyway). It can be mailed,
//! attached to a ticket or opened from disk.
//!
//! Every interpolated string is HTML-escaped (`&`, `<`, `>`, `"`, `'`), in text and in
//! attribute values alike, so hostile names such as `<script>alert(1)</script>` or
//! `" onmouseover="x` render as text. Names in tables are wrapped in `<bdi>` so
//! right-to-left text or bidi control characters cannot reorder the cells around them.
//!
//! A report from an incomplete listing opens with a warning banner (`div#incomplete`,
//! `role="alert"`) naming every reason, before any figure.
//!
//! Sections carry ids for tests and tools: `seats`, `departments` (the chart: one
//! `rect.bar` per department with `data-department`, `data-count` and a `<title>`; the
//! unassigned bucket also has `data-unassigned="true"`), `chargeback`, `stale` and
//! `snapshot` (one collapsed `details.group` per group, opened for print); with a license
//! rule `licenses`, with prices `cost`, with an earlier report `review`. The header names
//! the server (without credentials) when the host gave it, and the listing's time.

use super::chargeback::{Bucket, BucketCount};
use super::snapshot::{GroupAccess, SnapshotMember};
use super::{Report, StaleAccountRow};

/// Escapes `s` for HTML text and double- or single-quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

pub(super) fn push_escaped(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(pos) = rest.find(['&', '<', '>', '"', '\'']) {
        let (plain, tail) = rest.split_at(pos);
        out.push_str(plain);
        let mut chars = tail.chars();
        let entity = match chars.next() {
            Some('&') => "&amp;",
            Some('<') => "&lt;",
            Some('>') => "&gt;",
            Some('"') => "&quot;",
            _ => "&#39;",
        };
        out.push_str(entity);
        rest = chars.as_str();
    }
    out.push_str(rest);
}

pub(super) fn push_num(out: &mut String, n: u64) {
    out.push_str(&n.to_string());
}

const STYLE: &str = "\
:root{color-scheme:light;--ink:#1d2430;--muted:#5b6573;--line:#d9dee5;--bar:#2f6fde;--bar2:#9aa4b2;--bad:#b42318}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:24px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--ink);background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:14px 0 6px}
.meta{color:var(--muted);margin:0}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{background:#f4f6f9;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.seats{width:auto}table.seats th{background:none;font-weight:400;color:var(--muted)}
.over{color:var(--bad);font-weight:600}
.none{color:var(--muted);font-style:italic}
.inactive{color:var(--muted)}
.unknown{color:var(--bad)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:0 20px}
svg.chart{display:block;max-width:100%;height:auto}
svg .bar{fill:var(--bar)}svg .bar.unassigned{fill:var(--bar2)}
svg text{font-size:12px;fill:var(--ink)}svg text.count{fill:var(--muted)}svg text.unassigned{fill:var(--muted);font-style:italic}
footer{margin-top:32px;color:var(--muted);font-size:12px}
details.group{border-bottom:1px solid var(--line)}details.group>summary{cursor:pointer;padding:4px 8px;background:#e9eef6;font-weight:600}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}tr,svg,details.group>summary{break-inside:avoid}
details.group::details-content{content-visibility:visible;display:block}details.group>summary{background:none}}
";

/// Renders `report` as one HTML5 document (see the module docs for its guarantees).
pub fn render_html(report: &Report) -> String {
    let members: usize = report.snapshot.groups.iter().map(|g| g.members.len()).sum();
    let mut out = String::with_capacity(8192 + members.saturating_mul(160));
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>SCIM provisioning report</title>\n<style>\n",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<header>\n<h1>SCIM provisioning report</h1>\n");
    if let Some(server) = &report.server {
        out.push_str("<p class=\"meta\" id=\"server\">Server <bdi>");
        push_escaped(&mut out, server);
        out.push_str("</bdi></p>\n");
    }
    out.push_str("<p class=\"meta\">Listing taken ");
    match &report.snapshot.taken_at {
        Some(t) => {
            out.push_str("<time datetime=\"");
            push_escaped(&mut out, t);
            out.push_str("\">");
            push_escaped(&mut out, t);
            out.push_str("</time>");
        }
        None => {
            out.push_str("at ");
            push_num(&mut out, report.snapshot.taken_at_ms);
            out.push_str(" ms after the Unix epoch");
        }
    }
    out.push_str("</p>\n</header>\n<main>\n");
    incomplete(&mut out, report);
    seats(&mut out, report);
    super::license_html::section(&mut out, &report.licenses);
    if let Some(cost) = &report.cost {
        super::cost_html::section(&mut out, cost);
    }
    chart(&mut out, &report.chargeback.by_department);
    chargeback(&mut out, report);
    stale(&mut out, &report.stale);
    if let Some(c) = &report.comparison {
        super::review_html::section(&mut out, c);
    }
    snapshot(&mut out, &report.snapshot.groups);
    out.push_str(
        "</main>\n<footer>Generated by scim-provision. Deactivated users are not billed.</footer>\n\
         </body>\n</html>\n",
    );
    out
}

/// The banner of a report from an incomplete listing. Styled inline so that the page of a
/// complete report stays byte for byte what it was.
fn incomplete(out: &mut String, report: &Report) {
    if report.complete {
        return;
    }
    out.push_str(
        "<div id=\"incomplete\" role=\"alert\" style=\"border:2px solid #b42318;color:#b42318;\
         padding:8px 12px;margin:12px 0\">\n<strong>Incomplete listing: these figures may be \
         short.</strong>\n<ul>\n",
    );
    for reason in &report.incomplete {
        out.push_str("<li>");
        push_escaped(out, reason);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</div>\n");
}

fn seats(out: &mut String, report: &Report) {
    let s = &report.seats;
    out.push_str("<section id=\"seats\">\n<h2>Seats</h2>\n<table class=\"seats\">\n<tbody>\n");
    let mut row = |key: &str, label: &str, value: Option<u64>, class: &str| {
        out.push_str("<tr data-seat=\"");
        out.push_str(key);
        out.push_str("\"><th scope=\"row\">");
        out.push_str(label);
        out.push_str("</th><td class=\"num");
        out.push_str(class);
        out.push_str("\">");
        match value {
            Some(n) => push_num(out, n),
            None => out.push_str("<span class=\"none\">not given</span>"),
        }
        out.push_str("</td></tr>\n");
    };
    row("total", "Users listed", Some(s.total_users), "");
    row("active", "Active (billed)", Some(s.active), "");
    row(
        "deactivated",
        "Deactivated (not billed)",
        Some(s.deactivated),
        "",
    );
    row("purchased", "Purchased", s.purchased, "");
    if s.purchased.is_some() {
        row("unused", "Unused", s.unused, "");
    }
    if let Some(over) = s.over_by {
        row("over-by", "Over purchased by", Some(over), " over");
    }
    if s.desired_active.is_some() {
        row(
            "desired-active",
            "Active in the desired directory",
            s.desired_active,
            "",
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

const LABEL_W: u64 = 240;
const BAR_X: u64 = 250;
const BAR_MAX: u64 = 420;
const ROW_H: u64 = 24;
const BAR_H: u64 = 16;
const CHART_W: u64 = 760;
const LABEL_CHARS: usize = 34;

fn chart(out: &mut String, buckets: &[BucketCount]) {
    out.push_str("<section id=\"departments\">\n<h2>Active seats by department</h2>\n");
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    if buckets.is_empty() || max == 0 {
        out.push_str("<p class=\"none\">No active users.</p>\n</section>\n");
        return;
    }
    let rows = u64::try_from(buckets.len()).unwrap_or(u64::MAX);
    let height = rows.saturating_mul(ROW_H).saturating_add(8);
    out.push_str(
        "<svg class=\"chart\" role=\"img\" aria-label=\"Active seats by department\" width=\"",
    );
    push_num(out, CHART_W);
    out.push_str("\" height=\"");
    push_num(out, height);
    out.push_str("\" viewBox=\"0 0 ");
    push_num(out, CHART_W);
    out.push(' ');
    push_num(out, height);
    out.push_str("\">\n");
    for (i, b) in buckets.iter().enumerate() {
        let y = u64::try_from(i)
            .unwrap_or(u64::MAX)
            .saturating_mul(ROW_H)
            .saturating_add(4);
        let width = bar_width(b.count, max);
        let label = b.bucket.label();
        let unassigned = matches!(b.bucket, Bucket::Unassigned);
        out.push_str(if unassigned {
            "<g><text class=\"unassigned\" x=\""
        } else {
            "<g><text x=\""
        });
        push_num(out, LABEL_W);
        out.push_str("\" y=\"");
        push_num(out, y + 12);
        out.push_str("\" text-anchor=\"end\">");
        push_escaped(out, &truncate(label, LABEL_CHARS));
        out.push_str("</text><rect class=\"bar");
        if unassigned {
            out.push_str(" unassigned");
        }
        out.push_str("\" x=\"");
        push_num(out, BAR_X);
        out.push_str("\" y=\"");
        push_num(out, y);
        out.push_str("\" width=\"");
        push_num(out, width);
        out.push_str("\" height=\"");
        push_num(out, BAR_H);
        out.push_str("\" data-department=\"");
        push_escaped(out, label);
        out.push_str("\" data-count=\"");
        push_num(out, b.count);
        out.push('"');
        if unassigned {
            out.push_str(" data-unassigned=\"true\"");
        }
        out.push_str("><title>");
        push_escaped(out, label);
        out.push_str(": ");
        push_num(out, b.count);
        out.push_str(" active</title></rect><text class=\"count\" x=\"");
        push_num(out, BAR_X + width + 6);
        out.push_str("\" y=\"");
        push_num(out, y + 12);
        out.push_str("\">");
        push_num(out, b.count);
        out.push_str("</text></g>\n");
    }
    out.push_str("</svg>\n</section>\n");
}

/// The bar length for `count` out of `max`: proportional, at least 1 for a non-zero count.
fn bar_width(count: u64, max: u64) -> u64 {
    if max == 0 || count == 0 {
        return 0;
    }
    let scaled = u128::from(count) * u128::from(BAR_MAX) / u128::from(max);
    u64::try_from(scaled).unwrap_or(BAR_MAX).clamp(1, BAR_MAX)
}

/// At most `max` characters of `s`, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => {
            let mut t = s.get(..cut).unwrap_or(s).to_owned();
            t.push('\u{2026}');
            t
        }
    }
}

fn chargeback(out: &mut String, report: &Report) {
    let c = &report.chargeback;
    out.push_str(
        "<section id=\"chargeback\">\n<h2>Chargeback (active users)</h2>\n<div class=\"grid\">\n",
    );
    for (key, title, buckets) in [
        ("department", "Department", &c.by_department),
        ("cost-center", "Cost center", &c.by_cost_center),
        ("division", "Division", &c.by_division),
        ("organization", "Organization", &c.by_organization),
    ] {
        out.push_str("<div>\n<h3>");
        out.push_str(title);
        out.push_str("</h3>\n<table id=\"chargeback-");
        out.push_str(key);
        out.push_str("\">\n<thead><tr><th>");
        out.push_str(title);
        out.push_str("</th><th class=\"num\">Active</th></tr></thead>\n<tbody>\n");
        if buckets.is_empty() {
            out.push_str("<tr class=\"none\"><td colspan=\"2\">none</td></tr>\n");
        }
        for b in buckets {
            out.push_str("<tr><td");
            if matches!(b.bucket, Bucket::Unassigned) {
                out.push_str(" class=\"none\"");
            }
            out.push_str("><bdi>");
            push_escaped(out, b.bucket.label());
            out.push_str("</bdi></td><td class=\"num\">");
            push_num(out, b.count);
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    out.push_str("</div>\n</section>\n");
}

fn stale(out: &mut String, rows: &[StaleAccountRow]) {
    out.push_str(
        "<section id=\"stale\">\n<h2>Stale accounts</h2>\n<table id=\"stale-table\">\n\
         <thead><tr><th>userName</th><th>Reason</th><th>Action</th></tr></thead>\n<tbody>\n",
    );
    if rows.is_empty() {
        out.push_str("<tr class=\"none\"><td colspan=\"3\">none</td></tr>\n");
    }
    for r in rows {
        out.push_str("<tr class=\"stale\"><td><bdi>");
        push_escaped(out, &r.user_name);
        out.push_str("</bdi></td><td><bdi>");
        push_escaped(out, &r.reason);
        out.push_str("</bdi></td><td><bdi>");
        push_escaped(out, &r.action);
        out.push_str("</bdi></td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The snapshot as one collapsed `<details class="group">` per group (printing opens them),
/// its summary the group's name and member count.
fn snapshot(out: &mut String, groups: &[GroupAccess]) {
    out.push_str("<section id=\"snapshot\">\n<h2>Access snapshot</h2>\n");
    if groups.is_empty() {
        out.push_str("<p class=\"none\">no groups</p>\n");
    }
    for g in groups {
        out.push_str("<details class=\"group\" data-group=\"");
        push_escaped(out, &g.display_name);
        out.push_str("\"><summary><bdi>");
        push_escaped(out, &g.display_name);
        out.push_str("</bdi> (");
        let n = g.members.len();
        push_num(out, u64::try_from(n).unwrap_or(u64::MAX));
        out.push_str(if n == 1 { " member)" } else { " members)" });
        out.push_str(
            "</summary>\n<table>\n<thead><tr><th>userName</th><th>Name</th><th>Active</th></tr></thead>\n<tbody>\n",
        );
        if !g.members_listed {
            out.push_str(
                "<tr class=\"none\"><td colspan=\"3\">members not returned by the server</td></tr>\n",
            );
        } else if g.members.is_empty() {
            out.push_str("<tr class=\"none\"><td colspan=\"3\">no members</td></tr>\n");
        }
        for m in &g.members {
            match m {
                SnapshotMember::Known(k) => {
                    out.push_str(if k.active {
                        "<tr class=\"member\"><td><bdi>"
                    } else {
                        "<tr class=\"member inactive\"><td><bdi>"
                    });
                    push_escaped(out, &k.user_name);
                    out.push_str("</bdi></td><td><bdi>");
                    if let Some(name) = &k.display_name {
                        push_escaped(out, name);
                    }
                    out.push_str("</bdi></td><td>");
                    out.push_str(if k.active { "yes" } else { "no" });
                    out.push_str("</td></tr>\n");
                }
                SnapshotMember::Unknown(u) => {
                    out.push_str("<tr class=\"member unknown\"><td>unknown id <bdi>");
                    push_escaped(out, &u.id);
                    out.push_str("</bdi></td><td><bdi>");
                    if let Some(d) = &u.display {
                        push_escaped(out, d);
                    }
                    out.push_str("</bdi></td><td>?</td></tr>\n");
                }
            }
        }
        out.push_str("</tbody>\n</table>\n</details>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnterpriseUser, Group, Member, User};
    use crate::report::{build_report, ReportInput};

    #[test]
    fn escapes_all_five() {
        assert_eq!(
            escape_html(r#"<a href="x" title='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain é 🙂"), "plain é 🙂");
    }

    #[test]
    fn bar_widths() {
        assert_eq!(bar_width(10, 10), BAR_MAX);
        assert_eq!(bar_width(5, 10), BAR_MAX / 2);
        assert_eq!(bar_width(1, u64::MAX), 1);
        assert_eq!(bar_width(u64::MAX, u64::MAX), BAR_MAX);
        assert_eq!(bar_width(0, 0), 0);
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("héllo", 3), "hél\u{2026}");
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("🙂🙂", 1), "🙂\u{2026}");
    }

    #[test]
    fn hostile_names_render_as_text() {
        let mut u = User::new("<script>alert(1)</script>");
        u.id = Some("\" onmouseover=\"x".into());
        u.enterprise = Some(EnterpriseUser {
            department: Some("\" onmouseover=\"x".into()),
            ..EnterpriseUser::default()
        });
        let mut g = Group::new("<img src=x onerror=alert(1)>");
        g.members = Some(vec![Member::new("\" onmouseover=\"x"), Member::new("<b>")]);
        let users = [u];
        let groups = [g];
        let html = render_html(&build_report(&ReportInput::new(&users, &groups, 0)));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("\" onmouseover"));
        assert!(html.contains("data-department=\"&quot; onmouseover=&quot;x\""));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn an_incomplete_listing_opens_with_a_banner() {
        let reasons = ["/Groups: the page failed: <HTTP 503>".to_owned()];
        let html = render_html(&build_report(
            &ReportInput::new(&[], &[], 0).incomplete(&reasons),
        ));
        let banner = html.find("<div id=\"incomplete\" role=\"alert\"").unwrap();
        assert!(banner < html.find("<section id=\"seats\">").unwrap());
        assert!(html.contains("<li>/Groups: the page failed: &lt;HTTP 503&gt;</li>"));
        let complete = render_html(&build_report(&ReportInput::new(&[], &[], 0)));
        assert!(!complete.contains("id=\"incomplete\""));
    }

    #[test]
    fn empty_report_has_every_section_and_none_rows() {
        let html = render_html(&build_report(&ReportInput::new(&[], &[], 0)));
        for id in ["seats", "departments", "chargeback", "stale", "snapshot"] {
            assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        assert!(html.contains("<td colspan=\"3\">none</td>"));
        assert!(html.contains("No active users."));
        assert!(!html.contains("<rect"));
    }
}
