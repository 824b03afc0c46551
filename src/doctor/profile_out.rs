//! The profile the findings make: the starting profile with every setting a finding decides
//! set as found. Findings with no profile setting (a case-sensitive `userName`, a filter
//! that refuses an escaped quote, a PATCH remove that clears the group) are reported only:
//! the engine already falls back where a lookup is refused, and a profile cannot make a
//! server compare names differently.

use serde_json::Value;

use crate::model::OpCase;
use crate::profile::FilterSupport;
use crate::profile::{MemberAddShape, Pagination, Profile, StatusFormat};

use super::{Check, Finding, Verdict};

/// `base` as the findings say the server behaves.
pub(super) fn written(base: &Profile, findings: &[Finding]) -> Profile {
    let mut p = base.clone();
    p.name = format!("{}+doctor", base.name);
    let find = |check| findings.iter().find(|f| f.check == check);
    let quirk = |check| find(check).is_some_and(|f| f.verdict == Verdict::Quirk);
    let ok = |check| find(check).is_some_and(|f| f.verdict == Verdict::Ok);
    let value = |check| find(check).and_then(|f| f.value.as_ref());

    if find(Check::ServiceProviderConfig).is_some_and(|f| f.verdict == Verdict::Unsupported) {
        p.discovery = false;
    }
    if let Some(cap) = value(Check::PageSizeCap).and_then(Value::as_u64) {
        let cap = u32::try_from(cap.max(1)).unwrap_or(u32::MAX);
        p.users.max_page_size = Some(p.users.max_page_size.map_or(cap, |m| m.min(cap)));
    }
    if quirk(Check::StartIndex) {
        p.users.start_index = false;
    }
    if value(Check::Cursor) == Some(&Value::Bool(true)) {
        p.pagination = Pagination::Cursor;
    }
    if quirk(Check::FilterUserName) {
        p.users.filter = FilterSupport::none();
    }
    if quirk(Check::FilterDisplayName) {
        p.groups.filter = FilterSupport::none();
    }
    match value(Check::ErrorStatus).and_then(Value::as_str) {
        Some("number") => p.error_status = StatusFormat::Number,
        Some("string") => p.error_status = StatusFormat::String,
        _ => {}
    }
    if let Some(status) = value(Check::UnknownGroup).and_then(Value::as_u64) {
        let status = status as u16;
        if quirk(Check::UnknownGroup) && !p.unknown_group_statuses.contains(&status) {
            p.unknown_group_statuses.push(status);
        }
    }
    if let Some(status) = value(Check::CreateStatus).and_then(Value::as_u64) {
        let status = status as u16;
        if find(Check::CreateStatus).is_some_and(|f| f.verdict != Verdict::Unknown)
            && !p.create_statuses.contains(&status)
        {
            p.create_statuses.push(status);
        }
    }
    if let Some(kept) = value(Check::CreateGroupWithMembers).and_then(Value::as_bool) {
        p.create_group_with_members = kept;
    }
    match (ok(Check::PatchAddArray), ok(Check::PatchAddSingle)) {
        (false, true) if quirk(Check::PatchAddArray) => {
            p.patch.member_add = MemberAddShape::SingleObject;
        }
        (true, false) if quirk(Check::PatchAddSingle) => p.patch.member_add = MemberAddShape::Array,
        _ => {}
    }
    if quirk(Check::PatchOpCase) {
        p.patch.op_case = OpCase::Capitalized;
    } else if value(Check::PatchOpCase).and_then(|v| v.get("capitalized"))
        == Some(&Value::Bool(false))
    {
        p.patch.op_case = OpCase::Lower;
    }
    if quirk(Check::PatchPathless) {
        p.patch.path_required = true;
    } else if ok(Check::PatchPathless) {
        p.patch.path_required = false;
    }
    match value(Check::DeleteUser).and_then(Value::as_str) {
        Some("deactivated") => p.delete_user_deactivates = true,
        Some("deleted") => p.delete_user_deactivates = false,
        _ => {}
    }
    p
}
