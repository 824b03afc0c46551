//! Attribute mappings for hosts: a directory file read through a mapping (a built-in name
//! such as `workday`, or the document's JSON text), and the preview `scim-provision map`
//! shows. The mapping is read by the core (`scim_provision::mapping`), a wrong document
//! refused as an `invalid-argument` fault at its JSON path (argument `mapping`).

// A `Fault` crosses to the host once per failed call (see fault.rs).
#![allow(clippy::result_large_err)]

use scim_provision::mapping::Mapping;
use scim_provision::plan::{DesiredState, Policy};

use crate::boundary::directory_text;
use crate::fault::{parse_json_arg, to_json, Fault};

/// A mapping by built-in name, else read from its JSON text.
///
/// # Errors
///
/// A fault of kind `invalid-argument` (argument `mapping`) at the path of what is wrong;
/// a name that is neither built in nor JSON says which names there are.
pub fn mapping_from(text: &str) -> Result<Mapping, Fault> {
    Mapping::named_or_json(text).map_err(|e| {
        if text.trim_start().starts_with('{') {
            Fault::from_json_error("mapping", &e)
        } else {
            let names: Vec<&str> = scim_provision::mapping::BUILTIN_MAPPINGS
                .iter()
                .map(|(name, _)| *name)
                .collect();
            Fault::unknown_value("mapping", text.trim(), &names)
        }
    })
}

/// A directory file's bytes read through `mapping` (a name or JSON text).
///
/// # Errors
///
/// As [`mapping_from`] for the mapping; a fault of kind `desired-state` for a file that is
/// not UTF-8 (code `notUtf8`) or whose rows the mapping refuses (code `csv`: every bad row,
/// with its column).
pub fn desired_from_mapped_bytes(
    file_name: &str,
    bytes: Vec<u8>,
    mapping: &str,
) -> Result<DesiredState, Fault> {
    let mapping = mapping_from(mapping)?;
    let text = directory_text(bytes)?;
    mapping.read(file_name, &text).map_err(|e| Fault::from(&e))
}

/// The preview of a directory file read through `mapping`, as JSON (`MapPreview`): at most
/// `limit` users and out-of-scope names, every row error, the counts; `policy_json` (a
/// Policy) decides who is in scope.
///
/// # Errors
///
/// As [`desired_from_mapped_bytes`], only for what stops every row (a header lacking a
/// column, an export that is not an array of records); `invalid-argument` for a policy that
/// does not read.
pub fn map_preview(
    file_name: &str,
    bytes: Vec<u8>,
    mapping: &str,
    policy_json: Option<&str>,
    limit: u32,
) -> Result<String, Fault> {
    let mapping = mapping_from(mapping)?;
    let policy: Policy = match policy_json {
        Some(text) => parse_json_arg("policy-json", text)?,
        None => Policy::default(),
    };
    let text = directory_text(bytes)?;
    let preview = mapping
        .preview(file_name, &text, &policy, limit as usize)
        .map_err(|e| Fault::from(&e))?;
    Ok(to_json(&preview))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultKind;

    #[test]
    fn mappings_by_name_or_document_and_their_faults() {
        assert!(mapping_from(" bamboohr ").is_ok());
        let e = mapping_from("sap").unwrap_err();
        assert_eq!(e.kind, FaultKind::InvalidArgument);
        assert!(e.message.contains("workday"), "{}", e.message);
        let e = mapping_from(r#"{"users": {"title": "T"}}"#).unwrap_err();
        assert_eq!(e.kind, FaultKind::InvalidArgument);
        assert_eq!(e.location.as_deref(), Some("users"));
    }

    #[test]
    fn a_mapped_file_and_its_preview() {
        let csv = b"Work Email,First Name,Last Name,Employee #,Job Title,Department,Division,Location,Status,Employment Status\n\
                    ana@example.com,Ana,Silva,1,Eng,Eng,Product,,Active,Full-Time\n\
                    bo@example.com,Bo,Ng,2,Eng,Eng,Product,,On Leave,Full-Time\n"
            .to_vec();
        let e = desired_from_mapped_bytes("x.csv", csv.clone(), "bamboohr").unwrap_err();
        assert_eq!(
            (e.kind, e.location.as_deref()),
            (FaultKind::DesiredState, Some("row 3"))
        );
        let preview = map_preview("x.csv", csv, "bamboohr", None, 10).unwrap();
        let v: serde_json::Value = serde_json::from_str(&preview).unwrap();
        assert_eq!(
            (v["records"].as_u64(), v["mapped"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(v["errors"][0]["column"], "Status");
        let e = map_preview(
            "x.csv",
            b"a\n".to_vec(),
            "bamboohr",
            Some("{\"scope\":7}"),
            1,
        )
        .unwrap_err();
        assert_eq!(e.kind, FaultKind::InvalidArgument);
    }
}
