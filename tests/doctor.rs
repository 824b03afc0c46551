//! The server doctor against the simulator: with every quirk off it flags nothing; with each
//! quirk switched on in turn it flags that quirk and no other, and the profile it writes
//! says so; it removes what it made, and says when it cannot; it never writes unless asked.

use scim_provision::doctor::{Check, Doctor, DoctorConfig, DoctorOutput, DoctorReport, Verdict};
use scim_provision::engine::Input;
use scim_provision::http::Method;
use scim_provision::model::User;
use scim_provision::profile::{MemberAddShape, Profile, StatusFormat};
use scim_sim::{Faults, Flavor, Reply, Simulator, Trigger};
use serde_json::json;

const BASE: &str = "/scim/v2";

/// A simulator of `flavor` with `faults` and `users` users (names with capitals, so the
/// case probe has something to swap).
fn server(flavor: Flavor, faults: Faults, users: usize) -> Simulator {
    let mut sim = Simulator::new(flavor, BASE, faults, 11);
    for i in 0..users {
        sim.seed_user(User::new(format!("Person{i:02}@Example.com")));
    }
    sim
}

/// Runs the doctor against `sim` to its report, as a host would.
fn run(sim: &mut Simulator, config: DoctorConfig) -> DoctorReport {
    let mut doctor = Doctor::new(config).expect("a valid configuration");
    let mut now_ms = 0;
    for _ in 0..10_000 {
        match doctor.poll_output(now_ms) {
            DoctorOutput::Send { id, request } => {
                let input = match sim.handle(&request, now_ms) {
                    Reply::Respond { response, at_ms } => {
                        now_ms = now_ms.max(at_ms);
                        Input::Response { id, response }
                    }
                    Reply::Drop => Input::Failed {
                        id,
                        reason: "connection reset".into(),
                    },
                };
                doctor
                    .handle_input(input, now_ms)
                    .expect("the request in flight");
            }
            DoctorOutput::Wait { until_ms } => now_ms = until_ms.unwrap_or(now_ms + 1).max(now_ms),
            DoctorOutput::Done { report } => return *report,
            _ => {}
        }
    }
    panic!("the doctor did not finish")
}

fn probe(flavor: Flavor, faults: Faults, write: bool) -> (DoctorReport, Simulator) {
    let mut sim = server(flavor, faults, 12);
    let mut config = DoctorConfig::new(BASE, write);
    config.seed = 5;
    if flavor == Flavor::Airtable {
        config.profile = Profile::airtable();
    }
    let report = run(&mut sim, config);
    (report, sim)
}

/// The checks flagged: quirks and failures.
fn flagged(report: &DoctorReport) -> Vec<Check> {
    report
        .findings
        .iter()
        .filter(|f| matches!(f.verdict, Verdict::Quirk | Verdict::Failed))
        .map(|f| f.check)
        .collect()
}

fn finding(report: &DoctorReport, check: Check) -> &scim_provision::doctor::Finding {
    report
        .findings
        .iter()
        .find(|f| f.check == check)
        .unwrap_or_else(|| panic!("no finding for {check:?}"))
}

/// Nothing the doctor made is left on the server.
fn assert_clean(sim: &Simulator) {
    assert_eq!(sim.users().len(), 12, "throwaway users removed");
    assert!(sim.groups().is_empty(), "throwaway groups removed");
}

#[test]
fn an_rfc_server_has_no_quirks_and_the_throwaway_resources_are_removed() {
    let (report, sim) = probe(Flavor::Generic, Faults::none(), true);
    assert_eq!(flagged(&report), vec![], "{:#?}", report.findings);
    assert_clean(&sim);
    for check in [
        Check::Auth,
        Check::ServiceProviderConfig,
        Check::StartIndex,
        Check::StableOrder,
        Check::FilterUserName,
        Check::UserNameCase,
        Check::EscapedQuote,
        Check::EscapedBackslash,
        Check::CreateStatus,
        Check::DuplicateUserName,
        Check::CreateGroupWithMembers,
        Check::PatchAddArray,
        Check::PatchAddSingle,
        Check::PatchRemoveByValue,
        Check::PatchOpCase,
        Check::PatchPathless,
        Check::DeleteUser,
        Check::Cleanup,
    ] {
        assert_eq!(finding(&report, check).verdict, Verdict::Ok, "{check:?}");
    }
    assert_eq!(
        finding(&report, Check::ErrorStatus).value,
        Some(json!("string"))
    );
    assert_eq!(
        finding(&report, Check::GroupNameUnique).value,
        Some(json!(true))
    );
    assert_eq!(
        finding(&report, Check::CreateStatus).value,
        Some(json!(201))
    );
    // Every finding that rests on a request shows it, and the answer's status.
    let evidence = &finding(&report, Check::StartIndex).evidence[0];
    assert_eq!(evidence.method, Method::Get);
    assert!(evidence.path.contains("startIndex=2"), "{}", evidence.path);
    assert_eq!(evidence.status, Some(200));
    assert!(!report.stopped);
    assert!(report.profile.create_group_with_members);
}

#[test]
fn each_quirk_is_found_and_no_other() {
    let cases: Vec<(Faults, Check, serde_json::Value)> = vec![
        (Faults::none().page_cap(5), Check::PageSizeCap, json!(5)),
        (
            Faults::none().ignore_start_index(),
            Check::StartIndex,
            json!("ignored"),
        ),
        (
            Faults::none().unstable_order(),
            Check::StableOrder,
            serde_json::Value::Null,
        ),
        (
            Faults::none().reject_escaped_quotes(),
            Check::EscapedQuote,
            json!("refused"),
        ),
        (
            Faults::none().case_sensitive_user_names(),
            Check::UserNameCase,
            json!("sensitive"),
        ),
        (
            Faults::none().remove_by_value_clears_group(),
            Check::PatchRemoveByValue,
            json!("clearsGroup"),
        ),
        (
            Faults::none().numeric_error_status(),
            Check::ErrorStatus,
            json!("number"),
        ),
    ];
    for (faults, check, value) in cases {
        let (report, sim) = probe(Flavor::Generic, faults, true);
        assert_eq!(
            flagged(&report),
            vec![check],
            "{check:?}: {:#?}",
            report.findings
        );
        let found = finding(&report, check);
        assert_eq!(found.value.clone().unwrap_or_default(), value, "{check:?}");
        assert!(!found.evidence.is_empty(), "{check:?} has evidence");
        assert_clean(&sim);
    }
}

#[test]
fn the_written_profile_carries_what_was_found() {
    let (report, _) = probe(Flavor::Generic, Faults::none().page_cap(5), false);
    assert_eq!(report.profile.users.max_page_size, Some(5));
    let (report, _) = probe(Flavor::Generic, Faults::none().ignore_start_index(), false);
    assert!(!report.profile.users.start_index);
    let (report, _) = probe(
        Flavor::Generic,
        Faults::none().numeric_error_status(),
        false,
    );
    assert_eq!(report.profile.error_status, StatusFormat::Number);
    // What a profile file holds reads back as the same profile.
    let text = serde_json::to_string(&report.profile).unwrap();
    let back: Profile = scim_provision::json::from_str(&text).unwrap();
    assert_eq!(back, report.profile);
    assert_eq!(back.name, "generic+doctor");
}

#[test]
fn airtable_is_recognised_from_its_answers() {
    let mut sim = server(Flavor::Airtable, Faults::none(), 12);
    let report = run(&mut sim, DoctorConfig::new(BASE, true));
    assert_clean(&sim);
    let p = &report.profile;
    assert!(!p.discovery, "no ServiceProviderConfig");
    assert_eq!(p.error_status, StatusFormat::Number);
    assert!(p.create_statuses.contains(&200));
    assert!(!p.create_group_with_members);
    assert!(p.unknown_group_statuses.contains(&400));
    assert!(p.patch.path_required);
    assert_eq!(p.patch.member_add, MemberAddShape::Array);
    for check in [
        Check::ErrorStatus,
        Check::CreateStatus,
        Check::CreateGroupWithMembers,
        Check::UnknownGroup,
        Check::PatchPathless,
    ] {
        assert_eq!(finding(&report, check).verdict, Verdict::Quirk, "{check:?}");
    }
    assert_eq!(
        finding(&report, Check::ServiceProviderConfig).verdict,
        Verdict::Unsupported
    );
}

#[test]
fn a_read_only_probe_writes_nothing() {
    let (report, sim) = probe(Flavor::Generic, Faults::none(), false);
    assert!(
        sim.log().iter().all(|r| r.method == Method::Get),
        "only GETs"
    );
    assert_eq!(flagged(&report), vec![]);
    assert!(report
        .findings
        .iter()
        .all(|f| f.check != Check::CreateStatus));
}

#[test]
fn a_removal_that_fails_is_reported() {
    let faults = Faults::none().server_errors(Trigger::per_mille(1000).on(Method::Delete));
    let (report, sim) = probe(Flavor::Generic, faults, true);
    let cleanup = finding(&report, Check::Cleanup);
    assert_eq!(cleanup.verdict, Verdict::Failed);
    let left = cleanup.value.as_ref().unwrap().as_array().unwrap().len();
    assert_eq!(left, sim.users().len() - 12 + sim.groups().len());
    assert!(left >= 4, "three users and a group left: {left}");
    assert!(!cleanup.evidence.is_empty());
}

#[test]
fn without_enough_users_what_cannot_be_seen_is_unknown() {
    let mut sim = server(Flavor::Generic, Faults::none().ignore_start_index(), 1);
    let report = run(&mut sim, DoctorConfig::new(BASE, false));
    assert_eq!(flagged(&report), vec![]);
    for check in [Check::StartIndex, Check::StableOrder, Check::PageSizeCap] {
        assert_eq!(
            finding(&report, check).verdict,
            Verdict::Unknown,
            "{check:?}"
        );
    }
    // Without a user and without writes, the case probe has nobody to ask for.
    let mut empty = server(
        Flavor::Generic,
        Faults::none().case_sensitive_user_names(),
        0,
    );
    let report = run(&mut empty, DoctorConfig::new(BASE, false));
    assert_eq!(
        finding(&report, Check::UserNameCase).verdict,
        Verdict::Unknown
    );
}

#[test]
fn the_probe_is_paced_and_bounded_and_deterministic() {
    let faults = || Faults::none().rate_limit(2, 1);
    let (a, sim) = probe(Flavor::Generic, faults(), true);
    let (b, _) = probe(Flavor::Generic, faults(), true);
    assert_eq!(a, b, "same seed, same answers, same report");
    assert_eq!(flagged(&a), vec![]);
    assert_eq!(a.requests as usize, sim.log().len());
    let mut sim = server(Flavor::Generic, Faults::none(), 12);
    let mut config = DoctorConfig::new(BASE, true);
    config.max_requests = 6;
    let report = run(&mut sim, config);
    assert!(report.stopped);
    assert!(sim.log().len() <= 6 + 4, "six probes, then only removals");
    assert_clean(&sim);
}
