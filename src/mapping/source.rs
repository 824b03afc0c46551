//! The records of an export: CSV rows addressed by header (case-insensitively), or JSON
//! objects addressed by dotted path; a field's value is text.

use foldhash::{HashMap, HashMapExt};
use std::rc::Rc;

use serde_json::Value;

use super::Mapping;
use crate::plan::desired::MAX_INPUT_BYTES;
use crate::plan::{CsvRowError, DesiredStateError};
use crate::quoted::q;

/// One person's record in an export.
pub(super) enum Record<'a> {
    /// A CSV row and the column index of each (lower-cased) header.
    Csv(Rc<HashMap<String, usize>>, csv::StringRecord),
    /// A JSON object.
    Json(&'a Value),
}

impl Record<'_> {
    /// The field's text; `None` when the field is absent, null or not text-like. A JSON
    /// array of texts reads as its items joined with `;` (a list of group names).
    pub(super) fn get(&self, field: &str) -> Option<String> {
        match self {
            Record::Csv(columns, row) => {
                let index = columns.get(&field.trim().to_lowercase())?;
                row.get(*index).map(str::to_owned)
            }
            Record::Json(object) => json_field(object, field).and_then(text_of),
        }
    }
}

/// A JSON field by its name, else by its dotted path (`work.email`), names compared
/// exactly first, then ignoring case.
fn json_field<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    use crate::filter::field;
    field(object, name).or_else(|| name.split('.').try_fold(object, field))
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(text_of).collect();
            Some(texts.join(";"))
        }
        Value::Null | Value::Object(_) => None,
    }
}

/// The rows of a CSV export with their line numbers, once the header has every field the
/// mapping reads (a missing field whose rule has a default is tolerated).
pub(super) fn csv_records(
    text: &str,
    mapping: &Mapping,
) -> Result<Vec<(u64, Record<'static>)>, Vec<CsvRowError>> {
    let fail = |row: u64, reason: String| vec![CsvRowError::new(row, reason)];
    if text.len() > MAX_INPUT_BYTES {
        return Err(fail(
            1,
            format!("input of {} bytes exceeds {MAX_INPUT_BYTES}", text.len()),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            fail(
                1,
                format!("the header row {}", crate::plan::desired::csv_reason(&e)),
            )
        })?
        .clone();
    let mut columns = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        if columns
            .insert(header.trim().to_lowercase(), index)
            .is_some()
        {
            return Err(fail(
                1,
                format!("column {} appears twice", q(header.trim())),
            ));
        }
    }
    let mut missing: Vec<&str> = mapping
        .fields()
        .into_iter()
        .filter(|(field, optional)| {
            !optional && !columns.contains_key(&field.trim().to_lowercase())
        })
        .map(|(field, _)| field)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("{m}", m = q(m))).collect();
        return Err(fail(
            1,
            format!(
                "the header lacks the column{} the mapping reads: {}",
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        ));
    }
    let columns = Rc::new(columns);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, record) in crate::plan::desired::numbered_records(&mut reader) {
        match record {
            Ok(r) => rows.push((row, Record::Csv(Rc::clone(&columns), r))),
            Err(reason) => errors.push(CsvRowError::new(row, reason)),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The records of a JSON export and the path they sit at: the document itself when it is an
/// array, else the one member of the object that is an array of objects.
pub(super) fn json_records(text: &str) -> Result<(String, Vec<Value>), DesiredStateError> {
    let fail = |path: &str, reason: String| DesiredStateError::Json {
        path: path.to_owned(),
        reason,
    };
    if text.len() > MAX_INPUT_BYTES {
        return Err(fail(
            ".",
            format!("input of {} bytes exceeds {MAX_INPUT_BYTES}", text.len()),
        ));
    }
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| fail(".", e.to_string()))?;
    let (path, items) = match value {
        Value::Array(items) => (String::new(), items),
        Value::Object(map) => {
            let mut arrays = map.into_iter().filter(|(_, v)| v.is_array());
            match (arrays.next(), arrays.next()) {
                (Some((key, Value::Array(items))), None) => (key, items),
                _ => {
                    return Err(fail(
                        ".",
                        "an export is an array of records, or an object with one array of records"
                            .into(),
                    ))
                }
            }
        }
        _ => {
            return Err(fail(
                ".",
                "an export is an array of records, or an object with one array of records".into(),
            ))
        }
    };
    if let Some(i) = items.iter().position(|v| !v.is_object()) {
        return Err(fail(
            &format!("{path}[{i}]"),
            "a record is an object".into(),
        ));
    }
    Ok((path, items))
}
