//! Demo: plans a bundled HRIS export (examples/data/directory.csv) against a bundled snapshot
//! of an Airtable enterprise (examples/data/server.json) and prints the plan a reviewer would
//! read, then the first requests it becomes. Nothing is sent anywhere.

use scim_provision::plan::{plan, Action, ActionKind, ActualState, DesiredState, Policy};
use scim_provision::profile::Profile;
use scim_provision::request::RequestEncoder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");
    let desired =
        DesiredState::from_csv(&std::fs::read_to_string(format!("{data}/directory.csv"))?)?;
    let actual: ActualState =
        serde_json::from_str(&std::fs::read_to_string(format!("{data}/server.json"))?)?;
    let encoder = RequestEncoder::new("/scim/v2", Profile::airtable())?;
    let policy = Policy::default().with_protected_user_names(vec!["scim-bot@example.com".into()]);
    let p = plan(&desired, &actual, encoder.profile(), &policy)?.with_requests(&encoder);

    println!(
        "Directory: {} people in {} groups.  Airtable: {} users, {} groups.\n",
        desired.users.len(),
        desired.groups.len(),
        actual.users.len(),
        actual.groups.len()
    );
    for step in &p.actions {
        let line = match &step.action {
            Action::CreateUser(c) => format!("create      {}", c.user_name),
            Action::UpdateUser(u) | Action::ReactivateUser(u) | Action::DeactivateUser(u) => {
                let what: Vec<String> = u
                    .changes
                    .iter()
                    .map(|c| format!("{}: {} -> {}", short(&c.attribute), c.before, c.after))
                    .collect();
                format!(
                    "{:<11} {}  ({})",
                    verb(step.action.kind()),
                    u.user.user_name,
                    what.join(", ")
                )
            }
            Action::AddMembers(m) | Action::RemoveMembers(m) => {
                let label = if step.action.kind() == ActionKind::AddMembers {
                    "add to"
                } else {
                    "remove from"
                };
                let names: Vec<&str> = m.members.iter().map(|r| r.user_name.as_str()).collect();
                format!("{label:<11} {}: {}", m.group.display_name, names.join(", "))
            }
            other => format!("{:<11} {}", verb(other.kind()), other.subject()),
        };
        println!("  {line}");
    }
    let s = p.summary;
    println!(
        "\nSummary: {} to create, {} to update, {} to reactivate, {} to deactivate, +{} / -{} memberships",
        s.create_users, s.update_users, s.reactivate_users, s.deactivate_users, s.add_members, s.remove_members
    );
    if p.blocked.is_empty() {
        println!("Guards: none tripped.");
    }
    for b in &p.blocked {
        println!("BLOCKED ({:?}): {}", b.guard, b.reason);
    }
    for n in &p.notes {
        println!("Note: {}: {}", n.subject, n.message);
    }
    println!("\nFirst requests (the host adds https://airtable.com and its bearer token):");
    for step in p.actions.iter().take(3) {
        match &step.request {
            Some(r) => println!(
                "  {} {} {}",
                r.method.as_str(),
                r.path,
                r.body.as_ref().map(|b| b.to_string()).unwrap_or_default()
            ),
            None => println!("  ({})", step.waits_for.as_deref().unwrap_or("")),
        }
    }
    Ok(())
}

fn verb(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::UpdateUser => "update",
        ActionKind::ReactivateUser => "reactivate",
        ActionKind::DeactivateUser => "deactivate",
        ActionKind::DeleteUser => "delete",
        ActionKind::CreateGroup => "new group",
        ActionKind::RenameGroup => "rename",
        ActionKind::DeleteGroup => "drop group",
        _ => "change",
    }
}

fn short(attribute: &str) -> &str {
    attribute.rsplit(':').next().unwrap_or(attribute)
}
