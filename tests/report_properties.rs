//! Property tests of the reports over arbitrary hostile strings: nothing panics, the CSV
//! parses back to exactly the neutralised cells, the HTML's markup does not depend on the
//! data, and the output does not depend on input order.

use proptest::prelude::*;
use scim_provision::model::{EnterpriseUser, Group, Manager, Member, Name, User};
use scim_provision::report::{
    build_report, csv_export, render_html, users_csv, ReportInput, StaleAccountRow,
};

/// Short strings rich in CSV, HTML, formula, bidi and emoji trouble.
fn text() -> impl Strategy<Value = String> {
    "[=+@\t\r\n,;\"'<>&/a-zA-Z0-9 \u{202e}\u{0627}\u{05d0}\u{1F642}é-]{0,10}"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn user() -> impl Strategy<Value = User> {
    (
        (0u8..12, text(), opt_text(), opt_text(), opt_text()),
        (proptest::option::of(any::<bool>()), opt_text(), opt_text()),
        (opt_text(), opt_text(), opt_text(), opt_text()),
    )
        .prop_map(
            |(
                (id, user_name, given, family, title),
                (active, dept, cc),
                (div, org, mname, mid),
            )| {
                let mut u = User::new(user_name);
                u.id = Some(format!("u{id}"));
                u.title = title;
                u.active = active;
                u.name = Some(Name {
                    given_name: given,
                    family_name: family,
                    ..Name::default()
                });
                u.enterprise = Some(EnterpriseUser {
                    department: dept,
                    cost_center: cc,
                    division: div,
                    organization: org,
                    manager: Some(Manager {
                        value: mid,
                        display_name: mname,
                        ..Manager::default()
                    }),
                    ..EnterpriseUser::default()
                });
                u
            },
        )
}

fn group() -> impl Strategy<Value = Group> {
    (
        text(),
        proptest::option::of(proptest::collection::vec((0u8..16, opt_text()), 0..6)),
    )
        .prop_map(|(name, members)| {
            let mut g = Group::new(name);
            g.members = members.map(|ms| {
                ms.into_iter()
                    .map(|(id, display)| Member {
                        display,
                        ..Member::new(format!("u{id}"))
                    })
                    .collect()
            });
            g
        })
}

fn stale() -> impl Strategy<Value = StaleAccountRow> {
    (text(), text(), text()).prop_map(|(a, b, c)| StaleAccountRow::new(a, b, c))
}

/// Replaces each character HTML escaping changes with its own harmless stand-in (one
/// character for one, distinct, so no two values merge and truncation cuts alike).
fn defang(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => '\u{2460}',
            '>' => '\u{2461}',
            '&' => '\u{2462}',
            '"' => '\u{2463}',
            '\'' => '\u{2464}',
            other => other,
        })
        .collect()
}

fn defang_user(u: &User) -> User {
    let mut u = u.clone();
    u.user_name = defang(&u.user_name);
    let d = |o: &mut Option<String>| {
        if let Some(s) = o {
            *s = defang(s);
        }
    };
    if let Some(n) = u.name.as_mut() {
        d(&mut n.given_name);
        d(&mut n.family_name);
    }
    if let Some(e) = u.enterprise.as_mut() {
        d(&mut e.department);
        d(&mut e.cost_center);
        d(&mut e.division);
        d(&mut e.organization);
    }
    u
}

fn markup_profile(page: &str) -> (usize, usize, usize) {
    (
        page.matches('<').count(),
        page.matches('>').count(),
        page.matches('"').count(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn csv_parses_back_to_the_neutralised_cells(
        users in proptest::collection::vec(user(), 0..8),
        groups in proptest::collection::vec(group(), 0..5),
    ) {
        let text = users_csv(&users, &groups);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
        let parsed: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.map(|r| r.iter().map(str::to_owned).collect()))
            .collect::<Result<_, _>>()
            .expect("valid CSV");
        let raw = csv_export::user_rows(&users, &groups);
        prop_assert_eq!(parsed.len(), users.len());
        for (cells, raw_cells) in parsed.iter().zip(&raw) {
            let want: Vec<String> = raw_cells
            .iter()
            .map(|c| csv_export::neutralise(c).into_owned())
            .collect();
            prop_assert_eq!(cells, &want);
            for cell in cells {
                prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']));
            }
        }
    }

    #[test]
    fn html_markup_does_not_depend_on_the_data(
        users in proptest::collection::vec(user(), 0..8),
        groups in proptest::collection::vec(group(), 0..5),
        rows in proptest::collection::vec(stale(), 0..3),
        purchased in proptest::option::of(0u64..10),
        taken_at_ms in any::<u64>(),
    ) {
        let mut input = ReportInput::new(&users, &groups, taken_at_ms).stale(&rows);
        if let Some(p) = purchased {
            input = input.purchased_seats(p);
        }
        let page = render_html(&build_report(&input));

        let safe_users: Vec<User> = users.iter().map(defang_user).collect();
        let safe_groups: Vec<Group> = groups
            .iter()
            .map(|g| {
                let mut g = g.clone();
                g.display_name = defang(&g.display_name);
                for m in g.members.iter_mut().flatten() {
                    m.display = m.display.as_deref().map(defang);
                }
                g
            })
            .collect();
        let safe_rows: Vec<StaleAccountRow> = rows
            .iter()
            .map(|r| StaleAccountRow::new(defang(&r.user_name), defang(&r.reason), defang(&r.action)))
            .collect();
        let mut safe = ReportInput::new(&safe_users, &safe_groups, taken_at_ms).stale(&safe_rows);
        if let Some(p) = purchased {
            safe = safe.purchased_seats(p);
        }
        let safe_page = render_html(&build_report(&safe));
        prop_assert_eq!(markup_profile(&page), markup_profile(&safe_page));
        prop_assert!(!page.to_lowercase().contains("<script"));
    }

    #[test]
    fn report_does_not_depend_on_input_order(
        users in proptest::collection::vec(user(), 0..8),
        groups in proptest::collection::vec(group(), 0..5),
    ) {
        // Duplicate ids make "first listed wins" order-dependent by design; keep ids unique.
        let mut seen = std::collections::BTreeSet::new();
        let users: Vec<User> = users.into_iter().filter(|u| seen.insert(u.id.clone())).collect();
        let a = build_report(&ReportInput::new(&users, &groups, 0));
        let mut ru = users.clone();
        ru.reverse();
        let mut rg = groups.clone();
        rg.reverse();
        let b = build_report(&ReportInput::new(&ru, &rg, 0));
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(render_html(&a), render_html(&b));
        prop_assert_eq!(users_csv(&users, &groups), users_csv(&ru, &rg));
        prop_assert!(serde_json::to_string(&a).is_ok());
    }
}
