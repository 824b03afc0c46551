//! CSV export of the listed users, one row per user, with the columns Airtable's admin panel
//! exports for SCIM-fed attributes first, then identity and membership columns.
//!
//! Quoting follows RFC 4180 (the `csv` crate's writer): a cell holding a comma, a double
//! quote, a CR or an LF is quoted with its quotes doubled, and records end with CRLF. Cells are
//! additionally neutralised against CSV (formula) injection as OWASP recommends: see
//! [`neutralise`].

use std::borrow::Cow;
// foldhash (seeded per process) is much faster than SipHash on short ids and names; the
// maps are lookups only, their iteration order never reaches the output, which is sorted.
use foldhash::{HashMap, HashMapExt};

use crate::model::{Group, User};

use super::licenses::LicenseRule;
use super::name_order;

/// The header row, in column order.
pub const CSV_HEADERS: [&str; 13] = [
    "External ID",
    "Title",
    "Cost Center",
    "Department",
    "Division",
    "Organization",
    "Manager name",
    "Manager ID",
    "userName",
    "Given name",
    "Family name",
    "Active",
    "Groups",
];

/// Protects a cell from being run as a formula by a spreadsheet (CSV injection, OWASP
/// "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// gets a leading single quote `'`, which spreadsheets show as text. Other cells are
/// unchanged. The quote is visible to programs reading the file; that is the price of the
/// protection (a department named `-` is exported as `'-`).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The cells of every user's row (without the header), in the export order: by userName
/// (case-folded, then exact), then by the other cells. Cells are raw, not yet neutralised.
///
/// `Groups` is the display names of the listed groups whose members include the user's id,
/// sorted (case-folded, then exact), de-duplicated and joined with `"; "`. `Active` is
/// `true` or `false` (unassigned counts as active).
pub fn user_rows(users: &[User], groups: &[Group]) -> Vec<[String; 13]> {
    indexed_rows(users, groups)
        .into_iter()
        .map(|(row, _)| row)
        .collect()
}

/// [`user_rows`], each with the index of its user in `users`.
fn indexed_rows(users: &[User], groups: &[Group]) -> Vec<([String; 13], usize)> {
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for group in groups {
        for id in group.member_ids() {
            groups_of
                .entry(id)
                .or_default()
                .push(group.display_name.as_str());
        }
    }
    for names in groups_of.values_mut() {
        crate::sorting::sort_by(names, |a, b| name_order(a, b));
        names.dedup();
    }
    let mut rows: Vec<([String; 13], usize)> = users
        .iter()
        .enumerate()
        .map(|(index, u)| {
            let ent = u.enterprise.as_ref();
            let manager = ent.and_then(|e| e.manager.as_ref());
            let own = |s: Option<&String>| s.cloned().unwrap_or_default();
            let member_of =
                u.id.as_deref()
                    .and_then(|id| groups_of.get(id))
                    .map(|names| names.join("; "))
                    .unwrap_or_default();
            let row = [
                own(u.external_id.as_ref()),
                own(u.title.as_ref()),
                own(ent.and_then(|e| e.cost_center.as_ref())),
                own(ent.and_then(|e| e.department.as_ref())),
                own(ent.and_then(|e| e.division.as_ref())),
                own(ent.and_then(|e| e.organization.as_ref())),
                own(manager.and_then(|m| m.display_name.as_ref())),
                own(manager.and_then(|m| m.value.as_ref())),
                u.user_name.clone(),
                u.given_name().map(str::to_owned).unwrap_or_default(),
                u.family_name().map(str::to_owned).unwrap_or_default(),
                u.is_active().to_string(),
                member_of,
            ];
            (row, index)
        })
        .collect();
    crate::sorting::sort_by(&mut rows, |(x, _), (y, _)| {
        name_order(&x[USER_NAME], &y[USER_NAME]).then_with(|| x.cmp(y))
    });
    rows
}

/// The column of `userName` in [`CSV_HEADERS`].
const USER_NAME: usize = 8;

/// What the CSV export adds to its columns.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct CsvOptions<'a> {
    /// A last column, `License type`, with each user's type under this rule.
    pub licenses: Option<&'a LicenseRule>,
    /// Start with a UTF-8 byte-order mark, which spreadsheet programs need to read the file
    /// as UTF-8 (the directory reader skips it).
    pub byte_order_mark: bool,
}

impl<'a> CsvOptions<'a> {
    /// The plain export.
    pub fn new() -> CsvOptions<'a> {
        CsvOptions::default()
    }

    /// Adds the `License type` column.
    #[must_use]
    pub fn with_licenses(mut self, rule: &'a LicenseRule) -> CsvOptions<'a> {
        self.licenses = Some(rule);
        self
    }

    /// Starts the file with a UTF-8 byte-order mark.
    #[must_use]
    pub fn with_byte_order_mark(mut self, bom: bool) -> CsvOptions<'a> {
        self.byte_order_mark = bom;
        self
    }
}

/// The header of the license column ([`CsvOptions::licenses`]).
pub const LICENSE_HEADER: &str = crate::plan::desired::LICENSE_COLUMN;

/// The CSV export: the [`CSV_HEADERS`] row, then one row per user as [`user_rows`] orders
/// them, every cell [`neutralise`]d against CSV injection and quoted per RFC 4180 by the
/// `csv` crate's writer (records end with CRLF).
pub fn users_csv(users: &[User], groups: &[Group]) -> String {
    users_csv_with(users, groups, &CsvOptions::new())
}

/// [`users_csv`] with the columns and the byte-order mark `options` ask for.
pub fn users_csv_with(users: &[User], groups: &[Group], options: &CsvOptions<'_>) -> String {
    let rows = indexed_rows(users, groups);
    let types = options.licenses.map(|rule| rule.types(users, groups));
    let mut header: Vec<&str> = CSV_HEADERS.to_vec();
    if types.is_some() {
        header.push(LICENSE_HEADER);
    }
    let body = rows.iter().map(|(row, index)| {
        let mut cells: Vec<&str> = row.iter().map(String::as_str).collect();
        if let Some(license) = types.as_ref().and_then(|t| t.get(*index)) {
            cells.push(license);
        }
        cells
    });
    write_rows(
        &mut std::iter::once(header).chain(body),
        options.byte_order_mark,
    )
}

/// Rows of cells as CSV: every cell [`neutralise`]d, quoted per RFC 4180 by the `csv`
/// crate's writer, records ending with CRLF; a UTF-8 byte-order mark first when asked.
pub(super) fn write_rows(
    rows: &mut dyn Iterator<Item = Vec<&str>>,
    byte_order_mark: bool,
) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(4096));
    // Writing into a `Vec` cannot fail (there is no I/O), and every cell is a `str`, so the
    // bytes are UTF-8: neither `expect` below can be reached, whatever the input.
    for row in rows {
        let cells: Vec<Cow<'_, str>> = row.iter().map(|c| neutralise(c)).collect();
        writer
            .write_record(cells.iter().map(|cell| cell.as_bytes()))
            .expect("writing into a Vec cannot fail");
    }
    let bytes = writer
        .into_inner()
        .expect("flushing into a Vec cannot fail");
    let csv = String::from_utf8(bytes).expect("cells are UTF-8 strings");
    if byte_order_mark {
        format!("\u{feff}{csv}")
    } else {
        csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EnterpriseUser, Manager, Member};

    #[test]
    fn neutralises_formula_starts_only() {
        for (input, want) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=1", "a=1"),
            (" =1", " =1"),
            ("", ""),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(neutralise(input), want, "{input:?}");
            assert_eq!(matches!(neutralise(input), Cow::Borrowed(_)), input == want);
        }
    }

    #[test]
    fn exact_output_for_a_small_case() {
        let mut ana = User::new("ana@x");
        ana.id = Some("u1".into());
        ana.external_id = Some("E1".into());
        ana.title = Some("Lead, \"Ops\"".into());
        ana.enterprise = Some(EnterpriseUser {
            department: Some("=SUM(A1)".into()),
            manager: Some(Manager {
                value: Some("u9".into()),
                display_name: Some("Mo".into()),
                ..Manager::default()
            }),
            ..EnterpriseUser::default()
        });
        let mut bo = User::new("Bo@x");
        bo.active = Some(false);
        let mut g1 = Group::new("b team");
        g1.members = Some(vec![Member::new("u1")]);
        let mut g2 = Group::new("A team");
        g2.members = Some(vec![Member::new("u1"), Member::new("u1")]);
        let out = users_csv(&[bo, ana], &[g1, g2]);
        assert_eq!(
            out,
            "External ID,Title,Cost Center,Department,Division,Organization,Manager name,\
             Manager ID,userName,Given name,Family name,Active,Groups\r\n\
             E1,\"Lead, \"\"Ops\"\"\",,'=SUM(A1),,,Mo,u9,ana@x,,,true,A team; b team\r\n\
             ,,,,,,,,Bo@x,,,false,\r\n"
        );
    }

    #[test]
    fn empty_listing_is_just_the_header() {
        assert_eq!(users_csv(&[], &[]).lines().count(), 1);
    }
}

#[cfg(test)]
mod license_column {
    use super::*;
    use crate::report::LicenseRule;

    #[test]
    fn the_license_column_follows_each_user_through_the_sort_and_is_neutralised() {
        let mut z = User::new("z@x");
        z.extra.insert("userType".into(), "=SUM(A1)".into());
        let mut a = User::new("a@x");
        a.extra.insert("userType".into(), "Editor".into());
        let rule = LicenseRule {
            attribute: Some("userType".into()),
            ..LicenseRule::default()
        };
        let csv = users_csv_with(&[z, a], &[], &CsvOptions::new().with_licenses(&rule));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].ends_with(",Groups,License type"));
        assert!(
            lines[1].contains("a@x") && lines[1].ends_with(",Editor"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("z@x") && lines[2].ends_with(",'=SUM(A1)"),
            "{}",
            lines[2]
        );
        assert!(!users_csv(&[], &[]).starts_with('\u{feff}'));
    }
}
