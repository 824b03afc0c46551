//! The desired state: what the directory (an HRIS export, an IdP) says should exist.
//!
//! Two input formats are accepted. JSON:
//! `{"users": [SCIM User objects without id], "groups": [{"displayName": "...",
//! "externalId": "optional", "members": ["userName", ...]}]}`. CSV, one row per user, with
//! the headers listed in [`CSV_HEADERS`] (only `userName` is required; `groups` holds group
//! names separated by `;`). A bad row or JSON value is reported with its row number or JSON
//! path, and nothing is half-imported: the whole input is rejected.
//!
//! `DesiredState::from_json` lives beside its exact path in `desired_json`; the fast path is
//! here.

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::json::JsonError;
use crate::model::fast::{bail, next_key, Any, GroupV, List, Str, Strings, UserV};
use crate::model::{schemas, EnterpriseUser, Manager, Name, User};
use crate::plan::ActualState;
use crate::quoted::q;

/// A group as the directory wants it: a name, an optional external id, members by userName.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredGroup {
    /// The group's name.
    pub display_name: String,
    /// The directory's identifier for the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Members, named by userName.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub members: Vec<String>,
    /// Groups whose members are members of this one too, named by displayName (nested
    /// groups, flattened into `members` when the directory is read: `desired_nested`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub member_groups: Vec<String>,
}

/// Everything the directory wants to exist.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesiredState {
    /// Users. Only attributes present are managed; absent ones are left as the server has
    /// them.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub users: Vec<User>,
    /// Groups.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub groups: Vec<DesiredGroup>,
}

/// Why a desired-state document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DesiredStateError {
    /// The JSON is malformed or has the wrong shape.
    #[error("the directory's JSON at `{path}`: {reason}")]
    Json {
        /// Where (`users[3].userName`; `.` for the document itself).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// One or more CSV rows are bad; every bad row is listed.
    #[error("the directory's CSV: {}", rows.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Csv {
        /// The bad rows.
        rows: Vec<CsvRowError>,
    },
}

/// One bad CSV row.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("row {row}{}: {reason}", .column.as_ref().map(|c| format!(", column {}", crate::quoted::q(c))).unwrap_or_default())]
#[non_exhaustive]
pub struct CsvRowError {
    /// 1-based line number in the file (the header is row 1).
    pub row: u64,
    /// The column (or a JSON export's field) at fault, where one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl CsvRowError {
    /// What is wrong with row `row`.
    pub fn new(row: u64, reason: impl Into<String>) -> CsvRowError {
        CsvRowError {
            row,
            column: None,
            reason: reason.into(),
        }
    }

    /// The column at fault.
    pub fn with_column(mut self, column: impl Into<String>) -> CsvRowError {
        self.column = Some(column.into());
        self
    }
}

/// The CSV headers understood, in documentation order. Header names are matched
/// case-insensitively; unknown headers are an error so a typo cannot silently drop a column.
pub const CSV_HEADERS: [&str; 13] = [
    "userName",
    "givenName",
    "familyName",
    "externalId",
    "active",
    "title",
    "costCenter",
    "department",
    "division",
    "organization",
    "managerId",
    "managerName",
    "groups",
];

/// Inputs larger than this are refused before parsing.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;

impl DesiredState {
    /// Parses the CSV format (see [`CSV_HEADERS`]).
    ///
    /// # Errors
    ///
    /// [`DesiredStateError::Csv`] listing every bad row (unknown or missing headers, ragged
    /// rows, bad values; row 1 for input over 512 MiB).
    pub fn from_csv(input: &str) -> Result<DesiredState, DesiredStateError> {
        let fail = |row: u64, reason: String| DesiredStateError::Csv {
            rows: vec![CsvRowError::new(row, reason)],
        };
        if input.len() > MAX_INPUT_BYTES {
            return Err(fail(
                1,
                format!("input of {} bytes exceeds {MAX_INPUT_BYTES}", input.len()),
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(input.trim_start_matches('\u{feff}').as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| fail(1, format!("the header row {}", csv_reason(&e))))?
            .clone();
        let columns = map_headers(&headers).map_err(|reason| fail(1, reason))?;

        let mut state = DesiredState::default();
        let mut errors = Vec::new();
        let mut group_index: Vec<(String, usize)> = Vec::new();
        for (row, record) in numbered_records(&mut reader) {
            let record = match record {
                Ok(r) => r,
                Err(reason) => {
                    errors.push(CsvRowError::new(row, reason));
                    continue;
                }
            };
            match user_from_row(&columns, &record) {
                Ok((user, groups)) => {
                    for g in groups {
                        let idx = match group_index.iter().find(|(n, _)| *n == g) {
                            Some((_, idx)) => *idx,
                            None => {
                                state.groups.push(DesiredGroup {
                                    display_name: g.clone(),
                                    ..DesiredGroup::default()
                                });
                                group_index.push((g, state.groups.len() - 1));
                                state.groups.len() - 1
                            }
                        };
                        state.groups[idx].members.push(user.user_name.clone());
                    }
                    state.users.push(user);
                }
                Err(reason) => errors.push(CsvRowError::new(row, reason)),
            }
        }
        if errors.is_empty() {
            Ok(state)
        } else {
            Err(DesiredStateError::Csv { rows: errors })
        }
    }
}

impl ActualState {
    /// Parses the listed state from JSON text: the fast path for the common case, else the
    /// exact path ([`crate::json::from_str`]), which locates a bad value by its JSON path.
    ///
    /// # Errors
    ///
    /// A [`JsonError`] when `text` is not JSON or not a listed state.
    pub fn from_json(text: &str) -> Result<ActualState, JsonError> {
        match fast_actual(text) {
            Some(state) => Ok(state),
            None => crate::json::from_str(text),
        }
    }
}

/// The desired state when every user and group is in the common case (see
/// `model::fast`); `None` sends the input to the exact path.
pub(super) fn fast_desired(input: &str) -> Option<DesiredState> {
    let mut de = serde_json::Deserializer::from_str(input);
    let state = de.deserialize_any(DesiredV).ok()?;
    de.end().ok()?;
    Some(state)
}

/// The listed state in the common case; trailing characters are left to the exact path.
fn fast_actual(input: &str) -> Option<ActualState> {
    let mut de = serde_json::Deserializer::from_str(input);
    let state = de.deserialize_any(ActualV).ok()?;
    de.end().ok()?;
    Some(state)
}

/// Implements `expecting` for a fast-path visitor (its text is never shown).
macro_rules! fast_expecting {
    () => {
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("the common case")
        }
    };
}

struct DesiredV;

impl<'de> Visitor<'de> for DesiredV {
    type Value = DesiredState;
    fast_expecting!();
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<DesiredState, A::Error> {
        let mut state = DesiredState::default();
        let (mut users, mut groups) = (false, false);
        while let Some(key) = next_key(&mut m)? {
            match &*key {
                "users" if !users => {
                    users = true;
                    let list = List {
                        nullable: false,
                        item: UserV,
                    };
                    state.users = m.next_value_seed(Any(list))?;
                }
                "groups" if !groups => {
                    groups = true;
                    let list = List {
                        nullable: false,
                        item: DesiredGroupV,
                    };
                    state.groups = m.next_value_seed(Any(list))?;
                }
                _ => return Err(bail()),
            }
        }
        Ok(state)
    }
}

#[derive(Clone, Copy)]
struct DesiredGroupV;

impl<'de> Visitor<'de> for DesiredGroupV {
    type Value = DesiredGroup;
    fast_expecting!();
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<DesiredGroup, A::Error> {
        let mut group = DesiredGroup::default();
        let (mut name, mut external_id, mut members) = (None, false, false);
        while let Some(key) = next_key(&mut m)? {
            match &*key {
                "displayName" if name.is_none() => {
                    name = Some(m.next_value_seed(Any(Str { required: true }))?);
                }
                "externalId" if !external_id => {
                    external_id = true;
                    group.external_id = m.next_value_seed(Any(Str { required: false }))?;
                }
                "members" if !members => {
                    members = true;
                    group.members = m.next_value_seed(Any(Strings { nullable: false }))?;
                }
                _ => return Err(bail()),
            }
        }
        group.display_name = name.flatten().ok_or_else(bail)?;
        Ok(group)
    }
}

struct ActualV;

impl<'de> Visitor<'de> for ActualV {
    type Value = ActualState;
    fast_expecting!();
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<ActualState, A::Error> {
        let (mut users, mut groups, mut complete, mut problems) = (None, None, None, None);
        while let Some(key) = next_key(&mut m)? {
            match &*key {
                "users" if users.is_none() => {
                    let list = List {
                        nullable: false,
                        item: UserV,
                    };
                    users = Some(m.next_value_seed(Any(list))?);
                }
                "groups" if groups.is_none() => {
                    let list = List {
                        nullable: false,
                        item: GroupV,
                    };
                    groups = Some(m.next_value_seed(Any(list))?);
                }
                "complete" if complete.is_none() => complete = Some(m.next_value::<bool>()?),
                "problems" if problems.is_none() => {
                    problems = Some(m.next_value_seed(Any(Strings { nullable: false }))?);
                }
                "users" | "groups" | "complete" | "problems" => return Err(bail()),
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (users, groups, complete) {
            (Some(users), Some(groups), Some(complete)) => Ok(ActualState {
                users,
                groups,
                complete,
                problems: problems.unwrap_or_default(),
            }),
            _ => Err(bail()),
        }
    }
}

/// The admin-panel export's license column (`report::LICENSE_HEADER`): it says what a
/// report counted, not what the directory wants, so the reader reads past it. Kept here, as
/// the report depends on the planner and not the other way round.
pub(crate) const LICENSE_COLUMN: &str = "License type";

/// Other names a header may have, normalised as [`header_key`] does: the usual spellings of
/// HR and identity exports, and the columns of the admin-panel CSV this crate writes
/// (`report::CSV_HEADERS`, "Given name", "Manager ID", ...) normalise to the names themselves.
const HEADER_ALIASES: [(&str, &str); 15] = [
    ("email", "userName"),
    ("emailaddress", "userName"),
    ("workemail", "userName"),
    ("login", "userName"),
    ("firstname", "givenName"),
    ("lastname", "familyName"),
    ("surname", "familyName"),
    ("employeeid", "externalId"),
    ("jobtitle", "title"),
    ("dept", "department"),
    ("manager", "managerName"),
    ("managerdisplayname", "managerName"),
    ("enabled", "active"),
    ("group", "groups"),
    ("groupnames", "groups"),
];

/// A header compared without case, spaces, `_` or `-` ("Given name" is `givenName`).
fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// For each known header, the column index it appears at.
fn map_headers(headers: &csv::StringRecord) -> Result<Vec<Option<usize>>, String> {
    let mut columns = vec![None; CSV_HEADERS.len()];
    for (index, header) in headers.iter().enumerate() {
        let key = header_key(header);
        // The admin-panel export's license column says what a report counted, not what the
        // directory wants: it is read past.
        if key == header_key(LICENSE_COLUMN) {
            continue;
        }
        let name = HEADER_ALIASES
            .iter()
            .find(|(alias, _)| *alias == key)
            .map_or(key.as_str(), |(_, name)| name);
        let known = CSV_HEADERS
            .iter()
            .position(|h| header_key(h) == header_key(name))
            .ok_or_else(|| {
                format!(
                    "unknown column {header}; expected some of: {} (or a mapping for an export with its own columns)",
                    CSV_HEADERS.join(", "), header = q(header))
            })?;
        if columns[known].replace(index).is_some() {
            return Err(format!(
                "column {header} is a second {} column",
                CSV_HEADERS[known],
                header = q(header)
            ));
        }
    }
    if columns[0].is_none() {
        return Err("the userName column is required".into());
    }
    Ok(columns)
}

fn user_from_row(
    columns: &[Option<usize>],
    record: &csv::StringRecord,
) -> Result<(User, Vec<String>), String> {
    let cell = |name: &str| -> Option<String> {
        let pos = CSV_HEADERS.iter().position(|h| *h == name)?;
        let value = unneutralised(record.get(columns[pos]?)?);
        (!value.is_empty()).then(|| value.to_owned())
    };
    let user_name = cell("userName").ok_or("userName is empty")?;
    let active = match cell("active") {
        None => None,
        Some(v) => Some(parse_bool(&v).ok_or_else(|| {
            format!(
                "active must be true/false, yes/no or 1/0, not {v}",
                v = q(&v)
            )
        })?),
    };
    let mut user = User::new(user_name);
    user.external_id = cell("externalId");
    user.title = cell("title");
    user.active = active;
    let (given, family) = (cell("givenName"), cell("familyName"));
    if given.is_some() || family.is_some() {
        user.name = Some(Name {
            given_name: given,
            family_name: family,
            ..Name::default()
        });
    }
    let (manager_id, manager_name) = (cell("managerId"), cell("managerName"));
    let enterprise = EnterpriseUser {
        cost_center: cell("costCenter"),
        department: cell("department"),
        division: cell("division"),
        organization: cell("organization"),
        manager: (manager_id.is_some() || manager_name.is_some()).then(|| Manager {
            value: manager_id,
            display_name: manager_name,
            ..Manager::default()
        }),
        ..EnterpriseUser::default()
    };
    if enterprise != EnterpriseUser::default() {
        user.schemas.push(schemas::ENTERPRISE_USER.to_owned());
        user.enterprise = Some(enterprise);
    }
    let mut groups: Vec<String> = Vec::new();
    for g in cell("groups").iter().flat_map(|g| g.split(';')) {
        let g = g.trim();
        if !g.is_empty() && !groups.iter().any(|x| x == g) {
            groups.push(g.to_owned());
        }
    }
    Ok((user, groups))
}

/// A cell as it was before the admin-panel export protected it from spreadsheets
/// (`report::neutralise` puts a `'` before a leading `=`, `+`, `-`, `@`, tab or CR).
fn unneutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Each record of a CSV reader with its row: its line number in the file (the header is
/// row 1), or what is wrong with it, worded for the person who keeps the file.
pub(crate) fn numbered_records<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
) -> impl Iterator<Item = (u64, Result<csv::StringRecord, String>)> + '_ {
    reader.records().enumerate().map(|(i, record)| {
        let position = match &record {
            Ok(r) => r.position(),
            Err(e) => e.position(),
        };
        let row = position.map_or(i as u64 + 2, csv::Position::line);
        (row, record.map_err(|e| csv_reason(&e)))
    })
}

/// A CSV reader's error without its own numbering ("record 1 (line 2, byte 26)"): the row
/// is given beside it, in one scheme.
pub(crate) fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_owned(),
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => "cannot be read as CSV".to_owned(),
    }
}

/// `true`/`false`, `yes`/`no`, `1`/`0` in any case: a directory's boolean.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_panel_csv_reads_back_as_the_directory_it_lists() {
        use crate::model::{Group, Member};
        let mut ana: User = serde_json::from_value(serde_json::json!({
            "id": "u1", "userName": "ana@example.com", "externalId": "E-1", "title": "=HYPERLINK(\"x\")",
            "name": {"givenName": "Ana", "familyName": "Silva, Jr."},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"department": "-", "costCenter": "CC \"7\"", "manager": {"value": "u9", "displayName": "Chen"}}
        }))
        .unwrap();
        ana.active = Some(false);
        let mut bo = User::new("bo@example.com");
        bo.id = Some("u2".into());
        let group = |name: &str, ids: &[&str]| Group {
            display_name: name.into(),
            members: Some(ids.iter().map(|id| Member::new(*id)).collect()),
            ..Group::new(name)
        };
        let groups = [group("Sales; EMEA", &["u2"]), group("All", &["u1", "u2"])];
        let rule = crate::report::LicenseRule::default();
        let options = crate::report::CsvOptions::new()
            .with_licenses(&rule)
            .with_byte_order_mark(true);
        let csv = crate::report::users_csv_with(&[ana.clone(), bo], &groups, &options);
        assert!(csv.starts_with("\u{feff}External ID,") && csv.contains(",License type\r\n"));
        let state = DesiredState::from_csv(&csv).unwrap();
        let read = &state.users[0];
        assert_eq!(read.user_name, "ana@example.com");
        assert_eq!(
            read.title, ana.title,
            "the export's formula guard is taken off again"
        );
        assert_eq!(read.active, Some(false));
        assert_eq!(read.external_id.as_deref(), Some("E-1"));
        assert_eq!(
            read.name.as_ref().unwrap().family_name.as_deref(),
            Some("Silva, Jr.")
        );
        let e = read.enterprise.as_ref().unwrap();
        assert_eq!(e.department.as_deref(), Some("-"));
        assert_eq!(e.cost_center.as_deref(), Some("CC \"7\""));
        assert_eq!(e.manager.as_ref().unwrap().value.as_deref(), Some("u9"));
        // Group names are joined with "; " in the export, so a name holding one splits.
        let names: Vec<&str> = state
            .groups
            .iter()
            .map(|g| g.display_name.as_str())
            .collect();
        assert_eq!(names, ["All", "Sales", "EMEA"]);
    }

    #[test]
    fn headers_of_common_exports_are_aliases() {
        let state = DesiredState::from_csv(
            "Work Email,First Name,Last Name,Employee ID,Job Title,Group\nana@x,Ana,Silva,E1,Lead,Eng\n",
        )
        .unwrap();
        let ana = &state.users[0];
        assert_eq!(
            (ana.given_name(), ana.family_name()),
            (Some("Ana"), Some("Silva"))
        );
        assert_eq!(
            (ana.external_id.as_deref(), ana.title.as_deref()),
            (Some("E1"), Some("Lead"))
        );
        assert_eq!(state.groups[0].display_name, "Eng");
        let Err(DesiredStateError::Csv { rows }) = DesiredState::from_csv("email,userName\na,b\n")
        else {
            panic!()
        };
        assert_eq!(
            rows[0].reason,
            "column \"userName\" is a second userName column"
        );
    }

    #[test]
    fn csv_rows_become_users_and_groups() {
        let csv = "userName,givenName,familyName,active,department,managerId,groups\n\
                   ana@x.com,Ana,Silva,true,Support,m1,Support; Everyone\n\
                   bo@x.com,Bo,,no,,,Everyone\n";
        let s = DesiredState::from_csv(csv).unwrap();
        assert_eq!(s.users.len(), 2);
        assert_eq!(s.users[0].given_name(), Some("Ana"));
        assert_eq!(
            s.users[0]
                .enterprise
                .as_ref()
                .unwrap()
                .department
                .as_deref(),
            Some("Support")
        );
        assert_eq!(s.users[1].active, Some(false));
        assert_eq!(s.users[1].enterprise, None);
        assert_eq!(s.groups[0].display_name, "Support");
        assert_eq!(s.groups[1].members, ["ana@x.com", "bo@x.com"]);
    }

    #[test]
    fn text_after_the_document_is_refused() {
        for input in [
            r#"{"users": []} junk"#,
            r#"{"users": [{"userName": "a@x.com"}]} {}"#,
            r#"{"users": [{"username": "a@x.com"}]},"#,
        ] {
            let err = DesiredState::from_json(input).unwrap_err();
            assert!(
                err.to_string().contains("trailing characters"),
                "{input}: {err}"
            );
        }
        assert!(DesiredState::from_json("{\"users\": []}\n  \t").is_ok());
    }

    #[test]
    fn every_bad_row_is_reported_and_nothing_imported() {
        let csv = "userName,active\nok@x.com,true\n,true\nbad@x.com,maybe\n";
        let err = DesiredState::from_csv(csv).unwrap_err();
        let DesiredStateError::Csv { rows } = err else {
            panic!()
        };
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [3, 4]);
        assert!(rows[1].reason.contains("maybe"));
    }

    #[test]
    fn unknown_or_missing_headers_are_refused() {
        assert!(DesiredState::from_csv("userName,titel\na,b\n").is_err());
        assert!(DesiredState::from_csv("givenName\nAna\n").is_err());
        assert!(DesiredState::from_csv("userName,userName\na,b\n").is_err());
    }

    #[test]
    fn ragged_rows_are_errors() {
        let err = DesiredState::from_csv("userName,title\nb@x,t\n\"a\nb\",t,extra\n").unwrap_err();
        let DesiredStateError::Csv { rows } = err else {
            panic!("{err}")
        };
        // One numbering for every row error: the line the record starts on, no byte offsets.
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].to_string(),
            "row 3: has 3 fields where the header has 2"
        );
    }

    #[test]
    fn json_errors_carry_the_path() {
        let err = DesiredState::from_json(
            r#"{"users":[{"userName":"a"},{"userName":"b","active":"sometimes"}]}"#,
        )
        .unwrap_err();
        let DesiredStateError::Json { path, .. } = err else {
            panic!()
        };
        assert_eq!(path, "users[1].active");
        let err = DesiredState::from_json(
            r#"{"users":[], "groups":[{"displayName":"g","members":[1]}]}"#,
        )
        .unwrap_err();
        let DesiredStateError::Json { path, .. } = err else {
            panic!()
        };
        assert_eq!(path, "groups[0].members[0]");
        assert!(DesiredState::from_json("{not json").is_err());
        assert!(DesiredState::from_json(r#"{"users":[],"extra":1}"#).is_err());
    }
}
