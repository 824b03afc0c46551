//! The HTML page's "Cost" section: the price per seat, what the active and the unused seats
//! cost, per license type, and chargeback in money per department and cost center. Only a
//! report with prices has it.

use super::chargeback::Bucket;
use super::cost::{format_amount, BucketCost, Cost};
use super::html::{push_escaped, push_num};

/// Starts a table with an id and header cells (`#` before a header: a number column).
pub(super) fn table_start(out: &mut String, id: &str, heads: &[&str]) {
    out.push_str("<table id=\"");
    out.push_str(id);
    out.push_str("\">\n<thead><tr>");
    for h in heads {
        match h.strip_prefix('#') {
            Some(h) => {
                out.push_str("<th class=\"num\">");
                out.push_str(h);
            }
            None => {
                out.push_str("<th>");
                out.push_str(h);
            }
        }
        out.push_str("</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

/// A text cell, escaped and isolated.
pub(super) fn text_cell(out: &mut String, text: &str) {
    out.push_str("<td><bdi>");
    push_escaped(out, text);
    out.push_str("</bdi></td>");
}

fn money_cell(out: &mut String, amount: Option<u64>, currency: &str) {
    out.push_str("<td class=\"num\">");
    match amount {
        Some(a) => push_escaped(out, &format_amount(a, currency)),
        None => out.push_str("<span class=\"none\">-</span>"),
    }
    out.push_str("</td>");
}

/// Writes the section.
pub(super) fn section(out: &mut String, cost: &Cost) {
    let cur = cost.currency.as_str();
    out.push_str("<section id=\"cost\">\n<h2>Cost</h2>\n");
    table_start(out, "cost-table", &["", "#Amount"]);
    for (key, label, amount) in [
        ("per-seat", "Price per seat", cost.per_seat),
        ("active", "Active seats (billed)", Some(cost.active)),
        ("unused", "Unused purchased seats", cost.unused),
    ] {
        out.push_str("<tr data-cost=\"");
        out.push_str(key);
        out.push_str("\"><th scope=\"row\">");
        out.push_str(label);
        out.push_str("</th>");
        money_cell(out, amount, cur);
        out.push_str("</tr>\n");
    }
    if cost.unpriced > 0 {
        out.push_str("<tr data-cost=\"unpriced\" class=\"over\"><th scope=\"row\">Active users without a price</th><td class=\"num\">");
        push_num(out, cost.unpriced);
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    if !cost.by_license.is_empty() {
        out.push_str("<h3>By license type</h3>\n");
        table_start(
            out,
            "cost-licenses",
            &[
                "License type",
                "#Price per seat",
                "#Active seats",
                "#Unused seats",
            ],
        );
        for l in &cost.by_license {
            out.push_str("<tr>");
            text_cell(out, &l.license);
            money_cell(out, l.price, cur);
            money_cell(out, Some(l.active), cur);
            money_cell(out, l.unused, cur);
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<div class=\"grid\">\n");
    for (key, title, rows) in [
        ("department", "Department", &cost.by_department),
        ("cost-center", "Cost center", &cost.by_cost_center),
    ] {
        out.push_str("<div>\n<h3>Chargeback by ");
        out.push_str(&title.to_ascii_lowercase());
        out.push_str("</h3>\n");
        table_start(out, &format!("cost-{key}"), &[title, "#Active", "#Amount"]);
        buckets(out, rows, cur);
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    out.push_str("</div>\n</section>\n");
}

fn buckets(out: &mut String, rows: &[BucketCost], cur: &str) {
    if rows.is_empty() {
        out.push_str("<tr class=\"none\"><td colspan=\"3\">none</td></tr>\n");
    }
    for b in rows {
        out.push_str(if matches!(b.bucket, Bucket::Unassigned) {
            "<tr class=\"none\">"
        } else {
            "<tr>"
        });
        text_cell(out, b.bucket.label());
        out.push_str("<td class=\"num\">");
        push_num(out, b.count);
        out.push_str("</td>");
        money_cell(out, Some(b.amount), cur);
        out.push_str("</tr>\n");
    }
}
