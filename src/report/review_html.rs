//! The HTML page's "Access review" section: what changed since an earlier report (seats in
//! all and per license type, users added, removed, deactivated or reactivated, memberships
//! gained or lost). Only a report compared with an earlier one has it.

use super::compare::{kind_word, AccessChangeKind, Comparison, CountChange};
use super::cost_html::{table_start, text_cell};
use super::html::{push_escaped, push_num};

fn counts(out: &mut String, c: Option<&CountChange>) {
    match c {
        Some(c) => {
            out.push_str("<td class=\"num\">");
            push_num(out, c.previous);
            out.push_str("</td><td class=\"num\">");
            push_num(out, c.current);
            out.push_str(if c.change > 0 {
                "</td><td class=\"num\">+"
            } else {
                "</td><td class=\"num\">"
            });
            out.push_str(&c.change.to_string());
            out.push_str("</td>");
        }
        None => out.push_str("<td class=\"none\" colspan=\"3\">-</td>"),
    }
}

/// Writes the section.
pub(super) fn section(out: &mut String, c: &Comparison) {
    out.push_str(
        "<section id=\"review\">\n<h2>Access review</h2>\n<p class=\"meta\">Since the report of ",
    );
    match &c.previous_taken_at {
        Some(t) => push_escaped(out, t),
        None => push_num(out, c.previous_taken_at_ms),
    }
    out.push_str("</p>\n");
    table_start(
        out,
        "review-seats",
        &["Seats", "#Before", "#Now", "#Change"],
    );
    for (label, n) in [
        ("Users listed", &c.total_users),
        ("Active (billed)", &c.active),
        ("Deactivated", &c.deactivated),
    ] {
        out.push_str("<tr><th scope=\"row\">");
        out.push_str(label);
        out.push_str("</th>");
        counts(out, Some(n));
        out.push_str("</tr>\n");
    }
    for l in &c.licenses {
        for (what, n) in [
            ("active", Some(&l.active)),
            ("purchased", l.purchased.as_ref()),
        ] {
            if n.is_none() {
                continue;
            }
            out.push_str("<tr data-license=\"");
            push_escaped(out, &l.license);
            out.push_str("\"><th scope=\"row\"><bdi>");
            push_escaped(out, &l.license);
            out.push_str("</bdi> ");
            out.push_str(what);
            out.push_str("</th>");
            counts(out, n);
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody>\n</table>\n<h3>Users</h3>\n");
    table_start(out, "review-users", &["Change", "userName"]);
    if c.users.is_empty() {
        out.push_str("<tr class=\"none\"><td colspan=\"2\">none</td></tr>\n");
    }
    for u in &c.users {
        out.push_str("<tr class=\"user-change\"><td>");
        out.push_str(kind_word(u.change));
        out.push_str("</td>");
        text_cell(out, &u.user_name);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n<h3>Group memberships</h3>\n");
    table_start(out, "review-access", &["Change", "userName", "Group"]);
    if c.access.is_empty() {
        out.push_str("<tr class=\"none\"><td colspan=\"3\">none</td></tr>\n");
    }
    for a in &c.access {
        out.push_str(if a.change == AccessChangeKind::Gained {
            "<tr class=\"access-change\"><td>gained</td>"
        } else {
            "<tr class=\"access-change\"><td>lost</td>"
        });
        match &a.user_name {
            Some(name) => text_cell(out, name),
            None => text_cell(out, &format!("unknown id {}", a.member_id)),
        }
        text_cell(out, &a.group);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if !c.groups_unknown.is_empty() {
        out.push_str(
            "<p class=\"none\">Members not listed in one of the reports, changes unknown: ",
        );
        for (i, g) in c.groups_unknown.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str("<bdi>");
            push_escaped(out, g);
            out.push_str("</bdi>");
        }
        out.push_str("</p>\n");
    }
    out.push_str("</section>\n");
}
