//! What a mapping makes of an export, without refusing it: the mapped users (up to a
//! limit), every row error located by row and column, and who is in and out of the policy's
//! scope — what `scim-provision map` shows before anything is planned.

use serde::Serialize;

use super::Mapping;
use crate::model::User;
use crate::plan::{CsvRowError, DesiredGroup, DesiredStateError, Policy};

/// A mapping's preview of an export.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MapPreview {
    /// Records in the export (rows after the header, or JSON records).
    pub records: u64,
    /// Records mapped into users.
    pub mapped: u64,
    /// Mapped users inside the policy's scope and not protected.
    pub in_scope: u64,
    /// The first mapped users, in export order (as many as the limit asked).
    pub users: Vec<User>,
    /// userNames outside the scope (or protected), in export order, up to the limit.
    pub out_of_scope: Vec<String>,
    /// The groups the mapped users are in, with their members.
    pub groups: Vec<DesiredGroup>,
    /// Every row error, located by row and column.
    pub errors: Vec<CsvRowError>,
}

impl Mapping {
    /// Maps `text` (a file called `file_name`) and reports what came out, keeping `limit`
    /// users and out-of-scope names.
    ///
    /// # Errors
    ///
    /// Only what stops every row: a CSV header lacking a column the mapping reads, a JSON
    /// export that is not an array of records, an input over 512 MiB.
    pub fn preview(
        &self,
        file_name: &str,
        text: &str,
        policy: &Policy,
        limit: usize,
    ) -> Result<MapPreview, DesiredStateError> {
        let (directory, errors) = self.read_all(file_name, text)?;
        let state = directory.state;
        let (inside, outside): (Vec<&User>, Vec<&User>) =
            state.users.iter().partition(|u| policy.may_touch(u));
        Ok(MapPreview {
            records: directory.records,
            mapped: state.users.len() as u64,
            in_scope: inside.len() as u64,
            users: state.users.iter().take(limit).cloned().collect(),
            out_of_scope: outside
                .iter()
                .take(limit)
                .map(|u| u.user_name.clone())
                .collect(),
            groups: state.groups,
            errors,
        })
    }
}
