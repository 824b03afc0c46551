//! Tests of the doctor against scripted answers (the simulator tests are in `tests/doctor.rs`).

use super::*;

/// Drives `doctor`, answering every request with `answer`; returns the report and the
/// requests sent.
fn drive(
    mut doctor: Doctor,
    answer: impl Fn(&HttpRequest) -> HttpResponse,
) -> (DoctorReport, Vec<HttpRequest>) {
    let mut sent = Vec::new();
    let mut now_ms = 0;
    loop {
        match doctor.poll_output(now_ms) {
            DoctorOutput::Send { id, request } => {
                let response = answer(&request);
                sent.push(request);
                doctor
                    .handle_input(Input::Response { id, response }, now_ms)
                    .unwrap();
            }
            DoctorOutput::Wait { until_ms } => now_ms = until_ms.unwrap_or(now_ms + 1),
            DoctorOutput::Done { report } => return (*report, sent),
        }
    }
}

#[test]
fn refused_credentials_stop_the_probe_at_once() {
    let doctor = Doctor::new(DoctorConfig::new("/scim/v2", true)).unwrap();
    let (report, sent) = drive(doctor, |_| {
        HttpResponse::new(
            401,
            r#"{"detail": "Authorization: Bearer abc123 is not valid"}"#,
        )
    });
    assert_eq!(sent.len(), 1);
    assert!(report.stopped);
    let auth = report
        .findings
        .iter()
        .find(|f| f.check == Check::Auth)
        .unwrap();
    assert_eq!(auth.verdict, Verdict::Failed);
    assert!(
        !auth.evidence[0].excerpt.contains("abc123"),
        "{}",
        auth.evidence[0].excerpt
    );
    assert!(report
        .findings
        .iter()
        .all(|f| f.check == Check::Auth || !matches!(f.verdict, Verdict::Quirk | Verdict::Failed)));
}

#[test]
fn excerpts_are_short_single_lines() {
    let long = format!("line one\nline\u{1b}[31m two {}", "x".repeat(300));
    let e = excerpt(&long);
    assert!(!e.contains('\n') && !e.contains('\u{1b}'), "{e}");
    assert_eq!(e.chars().count(), 121);
    assert_eq!(excerpt("  short "), "short");
}

#[test]
fn misuse_is_an_engine_error() {
    let mut doctor = Doctor::new(DoctorConfig::new("/scim/v2", false)).unwrap();
    let DoctorOutput::Send { id, .. } = doctor.poll_output(0) else {
        panic!("a request first")
    };
    assert_eq!(doctor.poll_output(0), DoctorOutput::Wait { until_ms: None });
    let other = RequestId(id.0 + 1);
    let answer = |id| Input::Response {
        id,
        response: HttpResponse::new(404, ""),
    };
    assert_eq!(
        doctor.handle_input(answer(other), 0),
        Err(EngineError::UnknownRequest(other))
    );
    assert_eq!(
        doctor.handle_input(Input::Decline, 0),
        Err(EngineError::NotReviewing)
    );
    doctor.handle_input(answer(id), 0).unwrap();
    assert_eq!(
        doctor.handle_input(answer(id), 0),
        Err(EngineError::UnknownRequest(id))
    );
    assert!(Doctor::new(DoctorConfig::new("no slash", false)).is_err());
}

#[test]
fn a_server_that_never_answers_gives_unknowns_not_quirks() {
    let mut doctor = Doctor::new(DoctorConfig::new("/scim/v2", false)).unwrap();
    let mut now_ms = 0;
    let mut sent = 0;
    let report = loop {
        match doctor.poll_output(now_ms) {
            DoctorOutput::Send { id, .. } => {
                sent += 1;
                let reason = "connection refused".to_owned();
                doctor
                    .handle_input(Input::Failed { id, reason }, now_ms)
                    .unwrap();
            }
            DoctorOutput::Wait { until_ms } => now_ms = until_ms.unwrap(),
            DoctorOutput::Done { report } => break report,
        }
    };
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.verdict == Verdict::Unknown || f.verdict == Verdict::Unsupported),
        "{:#?}",
        report.findings
    );
    assert!(sent <= 80, "bounded: {sent}");
    let spc = &report.findings[1].evidence[0];
    assert_eq!(
        (spc.status, spc.excerpt.as_str()),
        (None, "connection refused")
    );
}

#[test]
fn the_case_probe_swaps_ascii_letters_only() {
    assert_eq!(
        steps::other_case("Ana.B@Ex-1.com").as_deref(),
        Some("aNA.b@eX-1.COM")
    );
    assert_eq!(steps::other_case("Émile@x").as_deref(), Some("ÉMILE@X"));
    assert_eq!(steps::other_case("12@3"), None);
}
