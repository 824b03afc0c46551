//! Stale accounts: the **extension point** for the stale-account report.
//!
//! A stale account is a listed user the planner would deactivate or delete (missing from the
//! desired directory, marked inactive there, outside the scope...), or one that looks
//! abandoned. Deciding that needs the planner's decisions, so this module does not compute
//! anything yet: [`stale_accounts`] returns the rows the caller put in
//! [`ReportInput::stale`](super::ReportInput::stale), sorted.
//!
//! To fill it in: derive [`StaleAccountRow`]s from a [`Plan`](crate::plan::Plan)'s
//! deactivation and deletion steps (and any further signal) inside [`stale_accounts`],
//! keeping the output sorted; the JSON shape and the HTML table already render the rows.

use super::{ReportInput, StaleAccountRow};

/// The stale-account rows of a report, sorted by userName, then reason, then action.
///
/// Extension point: today these are exactly the caller's rows from `input.stale`.
pub fn stale_accounts(input: &ReportInput<'_>) -> Vec<StaleAccountRow> {
    let mut rows = input.stale.to_vec();
    rows.sort_by(|a, b| {
        super::name_order(&a.user_name, &b.user_name).then_with(|| {
            (a.reason.as_str(), a.action.as_str()).cmp(&(b.reason.as_str(), b.action.as_str()))
        })
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_rows_sorted() {
        let rows = [
            StaleAccountRow::new("b@x", "r", "deactivate"),
            StaleAccountRow::new("A@x", "r", "delete"),
            StaleAccountRow::new("a@x", "r", "deactivate"),
        ];
        let out = stale_accounts(&ReportInput::new(&[], &[], 0).stale(&rows));
        let names: Vec<&str> = out.iter().map(|r| r.user_name.as_str()).collect();
        assert_eq!(names, ["A@x", "a@x", "b@x"]);
    }
}
