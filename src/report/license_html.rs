//! The HTML page's "Seats by license type" section: one row per type with its figures and a
//! bar of active seats against the seats purchased (the purchased part as a track, any
//! over-allocation in the warning colour). Only a report with license figures has it, so
//! every other page stays as it was.

use super::html::{push_escaped, push_num};
use super::licenses::LicenseSeats;

const TRACK: u64 = 220;

/// Writes the section when `licenses` is not empty.
pub(super) fn section(out: &mut String, licenses: &[LicenseSeats]) {
    if licenses.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"licenses\">\n<h2>Seats by license type</h2>\n<table id=\"licenses-table\">\n\
         <thead><tr><th>License type</th><th class=\"num\">Purchased</th><th class=\"num\">Active</th>\
         <th class=\"num\">Deactivated</th><th class=\"num\">Unused</th><th class=\"num\">Over by</th>\
         <th class=\"num\">Active, not in the directory</th><th>Active of purchased</th></tr></thead>\n<tbody>\n",
    );
    let scale = licenses
        .iter()
        .map(|l| l.active.max(l.purchased.unwrap_or(0)))
        .max()
        .unwrap_or(0);
    for l in licenses {
        out.push_str("<tr data-license=\"");
        push_escaped(out, &l.license);
        out.push_str("\"><td><bdi>");
        push_escaped(out, &l.license);
        out.push_str("</bdi></td>");
        for (value, over) in [
            (l.purchased, false),
            (Some(l.active), false),
            (Some(l.deactivated), false),
            (l.unused, false),
            (l.over_by, true),
            (l.not_in_directory, false),
        ] {
            out.push_str(if over && value.is_some() {
                "<td class=\"num over\">"
            } else {
                "<td class=\"num\">"
            });
            match value {
                Some(n) => push_num(out, n),
                None => out.push_str("<span class=\"none\">-</span>"),
            }
            out.push_str("</td>");
        }
        out.push_str("<td>");
        bar(out, l, scale);
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// A bar: the purchased seats as a grey track, the active ones over it, the part beyond the
/// purchase in the warning colour.
fn bar(out: &mut String, l: &LicenseSeats, scale: u64) {
    let width = |n: u64| {
        if scale == 0 || n == 0 {
            0
        } else {
            (u128::from(n) * u128::from(TRACK) / u128::from(scale)).max(1) as u64
        }
    };
    let purchased = l.purchased.unwrap_or(0);
    let within = l.active.min(if l.purchased.is_some() {
        purchased
    } else {
        l.active
    });
    out.push_str("<svg class=\"chart\" role=\"img\" width=\"");
    push_num(out, TRACK + 4);
    out.push_str("\" height=\"14\" viewBox=\"0 0 ");
    push_num(out, TRACK + 4);
    out.push_str(" 14\" aria-label=\"");
    push_num(out, l.active);
    out.push_str(" active");
    if let Some(p) = l.purchased {
        out.push_str(" of ");
        push_num(out, p);
        out.push_str(" purchased");
    }
    out.push_str("\"><rect class=\"bar unassigned\" x=\"0\" y=\"2\" height=\"10\" width=\"");
    push_num(out, width(purchased));
    out.push_str("\"/><rect class=\"bar\" x=\"0\" y=\"2\" height=\"10\" width=\"");
    push_num(out, width(within));
    out.push_str("\"/>");
    if let Some(over) = l.over_by {
        out.push_str("<rect class=\"bar over\" style=\"fill:#b42318\" y=\"2\" height=\"10\" x=\"");
        push_num(out, width(within));
        out.push_str("\" width=\"");
        push_num(out, width(over));
        out.push_str("\"/>");
    }
    out.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::super::licenses::{license_seats, LicenseGroup, LicenseRule};
    use super::super::{build_report, html::render_html, ReportInput};
    use crate::model::{Group, Member, User};

    #[test]
    fn a_row_and_a_bar_per_type_with_hostile_names_as_text() {
        let mut users = Vec::new();
        for (i, active) in [true, true, false].into_iter().enumerate() {
            let mut u = User::new(format!("u{i}@x"));
            u.id = Some(format!("u{i}"));
            u.active = Some(active);
            users.push(u);
        }
        let mut g = Group::new("Lic");
        g.members = Some(vec![Member::new("u0"), Member::new("u1")]);
        let rule = LicenseRule {
            groups: vec![LicenseGroup::new("Lic", "<script>alert(1)</script>")],
            purchased: LicenseRule::parse_seats("<script>alert(1)</script>=1").unwrap(),
            ..LicenseRule::default()
        };
        let groups = [g];
        assert_eq!(license_seats(&rule, &users, &groups, None).len(), 2);
        let html = render_html(&build_report(
            &ReportInput::new(&users, &groups, 0).licenses(&rule),
        ));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(html.matches("<tr data-license=").count(), 2);
        assert!(
            html.contains("class=\"bar over\""),
            "one seat over the purchase"
        );
        // Without a rule, no section: the page is what it was.
        let plain = render_html(&build_report(&ReportInput::new(&users, &groups, 0)));
        assert!(!plain.contains("id=\"licenses\""));
    }
}
