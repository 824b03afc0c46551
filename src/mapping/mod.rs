//! Attribute mappings: how an HR or identity export with its own columns ("Work Email",
//! "Employment Status", "Cost Center Code") becomes the directory the planner reads.
//!
//! A mapping is data, never code: a JSON document (schema in `docs/MAPPING.md`) naming, for
//! each SCIM attribute, where its value comes from (a column of a CSV export, or a field of a
//! JSON export by its dotted path) and a small, safe set of transforms — trim, lower or upper
//! case, a template (`"{First Name} {Last Name}"`), split and pick, a value map
//! (`"Terminated"` → `false`), a default and a condition on another field — plus the rules
//! that name each row's groups. Built-in mappings for common exports are selectable by name
//! ([`Mapping::builtin`]).
//!
//! `document` holds the document's types and its checks, `source` reads the export's records,
//! `rule` evaluates one rule on one record, `preview` shows what a mapping makes of an export
//! without refusing it; this module turns a whole export into a [`DesiredState`], refusing it
//! whole, every bad row named with its column, when any row is wrong (nothing is
//! half-imported, as with the project's own CSV).

mod document;
mod preview;
mod rule;
mod source;

pub use document::{Case, Condition, Mapping, Rule, Split, BUILTIN_MAPPINGS};
pub use preview::MapPreview;

use serde_json::{Map, Value};

use crate::model::{schemas, FromValue, User};
use crate::plan::{CsvRowError, DesiredFormat, DesiredGroup, DesiredState, DesiredStateError};
use rule::Problem;
use source::Record;

impl Mapping {
    /// Reads an export through this mapping: CSV or JSON as [`DesiredFormat`] decides from
    /// the file's name and text. Nested group names are not a thing of exports; the
    /// directory it gives is what the planner reads.
    ///
    /// # Errors
    ///
    /// [`DesiredStateError::Csv`] listing every bad row with its column (a column the
    /// mapping names and the header lacks, a value outside a value map, a user without a
    /// userName); for a JSON export, rows are its records counted from 1.
    /// [`DesiredStateError::Json`] when a JSON export is not an array of records.
    pub fn read(&self, file_name: &str, text: &str) -> Result<DesiredState, DesiredStateError> {
        let (directory, errors) = self.read_all(file_name, text)?;
        if errors.is_empty() {
            Ok(directory.state)
        } else {
            Err(DesiredStateError::Csv { rows: errors })
        }
    }

    /// Every record mapped, and every row error (none refuses the others).
    fn read_all(
        &self,
        file_name: &str,
        text: &str,
    ) -> Result<(Directory, Vec<CsvRowError>), DesiredStateError> {
        let mut out = Directory::default();
        let mut errors = Vec::new();
        let mut add = |row: u64, record: &Record<'_>| {
            out.records += 1;
            for (column, reason) in out.add(self, record).err().unwrap_or_default() {
                let error = CsvRowError::new(row, reason);
                errors.push(match column {
                    Some(column) => error.with_column(column),
                    None => error,
                });
            }
        };
        match DesiredFormat::detect(file_name, text) {
            DesiredFormat::Json => {
                let (_, records) = source::json_records(text)?;
                for (i, record) in records.iter().enumerate() {
                    add(i as u64 + 1, &Record::Json(record));
                }
            }
            _ => {
                let records = source::csv_records(text, self)
                    .map_err(|rows| DesiredStateError::Csv { rows })?;
                for (row, record) in &records {
                    add(*row, record);
                }
            }
        }
        Ok((out, errors))
    }
}

/// What is wrong with a record: the field at fault (none for a template or a default) and
/// why.
pub type FieldProblem = (Option<String>, String);

/// The directory being built, with the groups in the order they first appear.
#[derive(Default)]
struct Directory {
    state: DesiredState,
    groups: foldhash::HashMap<String, usize>,
    /// Records read, mapped or not.
    records: u64,
}

impl Directory {
    /// Maps one record into a user and its memberships; every problem of the record.
    fn add(&mut self, mapping: &Mapping, record: &Record<'_>) -> Result<(), Vec<Problem>> {
        let (user, groups) = mapping.map_record(record)?;
        if user.user_name.is_empty() {
            return Err(vec![
                mapping.users["userName"].problem("is empty: no userName".into())
            ]);
        }
        for name in groups {
            let next = self.state.groups.len();
            let index = *self.groups.entry(name.clone()).or_insert(next);
            if index == next {
                self.state.groups.push(DesiredGroup {
                    display_name: name,
                    ..DesiredGroup::default()
                });
            }
            self.state.groups[index]
                .members
                .push(user.user_name.clone());
        }
        self.state.users.push(user);
        Ok(())
    }
}

impl Mapping {
    /// One JSON record (a lifecycle event's person, as an HR system words it) mapped into
    /// a user, whose `userName` is empty when the mapping gives none, and the names of the
    /// groups the mapping puts it in; every problem as (the field at fault, why).
    ///
    /// # Errors
    ///
    /// Every problem of the record: a value outside a value map, a mapped user that is not
    /// a SCIM user.
    pub fn map_json_record(
        &self,
        record: &Value,
    ) -> Result<(User, Vec<String>), Vec<FieldProblem>> {
        self.map_record(&Record::Json(record))
    }

    fn map_record(&self, record: &Record<'_>) -> Result<(User, Vec<String>), Vec<Problem>> {
        let mut object = Map::new();
        let mut problems = Vec::new();
        for (target, rule) in &self.users {
            match rule.eval(record, target) {
                Ok(Some(value)) => set_path(&mut object, target, value),
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        let mut groups: Vec<String> = Vec::new();
        for rule in &self.groups {
            match rule.names(record) {
                Ok(names) => {
                    for name in names {
                        if !groups.contains(&name) {
                            groups.push(name);
                        }
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        object.entry("userName").or_insert_with(|| Value::from(""));
        let mut schema_list = vec![Value::from(schemas::USER)];
        schema_list.extend(
            object
                .keys()
                .filter(|k| k.starts_with("urn:"))
                .map(|k| Value::from(k.as_str())),
        );
        object.insert("schemas".into(), Value::Array(schema_list));
        // Read as a server's answer is read (`FromValue`): no second deserializer of User
        // in the WebAssembly module.
        let user = User::from_value(Value::Object(object))
            .map_err(|e| vec![(None, format!("the mapped user is not a SCIM user: {e}"))])?;
        Ok((user, groups))
    }
}

/// Sets `target` (`title`, `name.givenName`, `urn:…:User:department`,
/// `urn:…:User:manager.value`, or `emails`: a work address) in a user object.
fn set_path(object: &mut Map<String, Value>, target: &str, value: Value) {
    if target == "emails" {
        let email = serde_json::json!([{"value": value, "type": "work", "primary": true}]);
        object.insert("emails".into(), email);
        return;
    }
    let path = crate::filter::AttrPath::from_path(target);
    let container = match &path.urn {
        Some(urn) => {
            let entry = object
                .entry(urn.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(ext) = entry else { return };
            ext
        }
        None => object,
    };
    match path.sub_attr {
        Some(sub) => {
            let entry = container
                .entry(path.attr)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = entry {
                inner.insert(sub, value);
            }
        }
        None => {
            container.insert(path.attr, value);
        }
    }
}

#[cfg(test)]
mod tests;
