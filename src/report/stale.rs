//! Stale accounts: users active on the server whom the directory no longer wants active
//! (missing from it, marked inactive in it), with what the planner does about each and why.
//!
//! [`stale_from_plan`] derives the rows from a [`Plan`] (its deactivations and deletions)
//! and from the listed users the plan leaves alone (outside the scope, protected, an
//! `offboarding: leave` policy, a listing too incomplete to remove anything).
//! [`stale_accounts`] sorts whatever rows the report input carries.

use foldhash::{HashSet, HashSetExt};

use super::{ReportInput, StaleAccountRow};
use crate::model::User;
use crate::plan::{user_key, Action, DesiredState, Offboarding, Plan, Policy};

/// The stale accounts among `listed` users, as `plan` (computed from `desired` under
/// `policy`) treats them.
pub fn stale_from_plan(
    plan: &Plan,
    listed: &[User],
    desired: &DesiredState,
    policy: &Policy,
) -> Vec<StaleAccountRow> {
    let mut rows = Vec::new();
    let mut handled: HashSet<String> = HashSet::new();
    for step in &plan.actions {
        let (update, action) = match &step.action {
            Action::DeactivateUser(u) => (Some((&u.user.user_name, &u.reason)), "deactivate"),
            Action::DeleteUser(d) => (Some((&d.user.user_name, &d.reason)), "delete"),
            _ => (None, ""),
        };
        if let Some((name, reason)) = update {
            handled.insert(user_key(name));
            rows.push(StaleAccountRow::new(name.clone(), reason.clone(), action));
        }
    }
    let by_key: HashSet<String> = desired
        .users
        .iter()
        .map(|u| user_key(&u.user_name))
        .collect();
    let by_ext: HashSet<&str> = desired
        .users
        .iter()
        .filter_map(|u| u.external_id.as_deref())
        .collect();
    let inactive: HashSet<String> = desired
        .users
        .iter()
        .filter(|u| !u.is_active())
        .map(|u| user_key(&u.user_name))
        .collect();
    let why_kept = |u: &User| -> &'static str {
        if !policy.may_touch(u) {
            "none: outside the policy's scope or protected"
        } else if policy.offboarding == Offboarding::Leave {
            "none: the policy leaves offboarded users as they are"
        } else {
            "none: the plan removes nothing (listing incomplete or the user was skipped)"
        }
    };
    for u in listed.iter().filter(|u| u.is_active()) {
        let key = user_key(&u.user_name);
        if handled.contains(&key) {
            continue;
        }
        let named =
            by_key.contains(&key) || u.external_id.as_deref().is_some_and(|e| by_ext.contains(e));
        if !named {
            rows.push(StaleAccountRow::new(
                u.user_name.clone(),
                "not in the directory",
                why_kept(u),
            ));
        } else if inactive.contains(&key) {
            rows.push(StaleAccountRow::new(
                u.user_name.clone(),
                "marked inactive in the directory",
                why_kept(u),
            ));
        }
    }
    rows
}

/// The stale-account rows of a report (from [`stale_from_plan`], or the caller's own),
/// sorted by userName, then reason, then action.
pub fn stale_accounts(input: &ReportInput<'_>) -> Vec<StaleAccountRow> {
    let mut rows = input.stale.to_vec();
    crate::sorting::sort_by(&mut rows, |a, b| {
        super::name_order(&a.user_name, &b.user_name).then_with(|| {
            (a.reason.as_str(), a.action.as_str()).cmp(&(b.reason.as_str(), b.action.as_str()))
        })
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan, ActualState, Scope};
    use crate::profile::Profile;
    use crate::request::RequestEncoder;

    #[test]
    fn rows_follow_the_planner() {
        let listed: Vec<User> = serde_json::from_value(serde_json::json!([
            {"id": "1", "userName": "kept@x.com", "active": true},
            {"id": "2", "userName": "gone@x.com", "active": true},
            {"id": "3", "userName": "quit@x.com", "active": true},
            {"id": "4", "userName": "guest@partner.org", "active": true},
            {"id": "5", "userName": "old@x.com", "active": false}
        ]))
        .unwrap();
        let desired = DesiredState::from_json(
            r#"{"users": [{"userName": "kept@x.com"}, {"userName": "quit@x.com", "active": false}]}"#,
        )
        .unwrap();
        let policy = Policy {
            scope: Scope {
                email_domains: vec!["x.com".into()],
                ..Scope::default()
            },
            max_deactivations: crate::plan::Cap::default(),
            ..Policy::default()
        };
        let actual = ActualState {
            users: listed.clone(),
            complete: true,
            ..ActualState::default()
        };
        let encoder = RequestEncoder::new("", Profile::generic()).unwrap();
        let p = plan(&desired, &actual, encoder.profile(), &policy)
            .unwrap()
            .with_requests(&encoder);
        let mut rows = stale_from_plan(&p, &listed, &desired, &policy);
        rows.sort_by(|a, b| a.user_name.cmp(&b.user_name));
        let cells: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.user_name.as_str(), r.action.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                ("gone@x.com", "deactivate"),
                (
                    "guest@partner.org",
                    "none: outside the policy's scope or protected"
                ),
                ("quit@x.com", "deactivate"),
            ]
        );
        assert_eq!(rows[2].reason, "marked inactive in the directory");
    }

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
