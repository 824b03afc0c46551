//! What an answer means for a write: one pure function, [`disposition`], from the write,
//! its answer (a resource, a server error, an unreadable body, no answer at all), the
//! profile and the write's attempt counters to a [`Disposition`]: done, retry, look up and
//! adopt, recreate, drift, fatal or failed. The state machine (`machine`) only carries the
//! disposition out; the exactly-once rules of the [engine docs](super) are decided here
//! (which writes are looked up before being sent again) and in `lookup` (what a lookup
//! finds).
//!
//! A create looked up ends in a [`Settlement`], decided the same way by [`settlement`]:
//! adopt, send the create (again), or fail.
//!
//! Listing and discovery answers are not writes: the machine reads them itself.

use super::lookup::{resend_rule, Found, Lookup, Resend, Verdict, Why};
use super::outcome::{ActionError, ActionResult};
use super::scheduler::{Retry, RetryLimits};
use crate::plan::Action;
use crate::profile::Profile;
use crate::quoted::q;
use crate::request::ResourceKind;
use crate::response::ServerError;

/// The write whose answer arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Write<'a> {
    /// A plan action, as planned.
    Planned(&'a Action),
    /// The create (`POST`) of the user an update or reactivation (`action`) found gone.
    Recreate(&'a Action),
    /// The update of a user adopted by a lookup, which found it under `id`.
    AdoptedUpdate {
        /// The adopted user's id.
        id: &'a str,
        /// The error a lookup query met on the way, kept for the outcome.
        lookup_error: Option<&'a ServerError>,
    },
}

impl Write<'_> {
    /// Whether the write is a create, looked up before it is sent again.
    fn creates(&self) -> bool {
        match self {
            Write::Planned(action) => resend_rule(action) == Resend::AfterLookup,
            Write::Recreate(_) => true,
            Write::AdoptedUpdate { .. } => false,
        }
    }
}

/// What came back for a write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// A success; the resource's id when the answer carried one.
    Resource(Option<String>),
    /// The server's error answer.
    Server(ServerError),
    /// An answer that could not be read (`success`: its status said success).
    Undecodable {
        /// Why it could not be read.
        reason: String,
        /// Whether its status was a success.
        success: bool,
    },
    /// No answer at all (connection refused, timeout, aborted).
    Lost(String),
}

/// What the write has been through, and what the run allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempts {
    /// Failed attempts so far (5xx, transport, undecodable).
    pub(crate) attempt: u32,
    /// 429 answers so far.
    pub(crate) rate_limited: u32,
    /// Times the request was sent.
    pub(crate) sent: u32,
    /// The run's bounds.
    pub(crate) limits: RetryLimits,
}

impl Attempts {
    /// Whether one more failure of kind `why` is still retried.
    fn allow(&self, why: Retry) -> bool {
        !self.limits.spent(self.attempt, self.rate_limited, why)
    }
}

/// What to do with a write's answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Disposition {
    /// The write is settled: record `result`; `id` is the server id the write created,
    /// learnt for later actions (under the action's subject).
    Done {
        /// The action's outcome.
        result: ActionResult,
        /// The id learnt, for a create.
        id: Option<String>,
        /// A warning to give (an applied write whose answer could not be read).
        warning: Option<String>,
    },
    /// Send the write again after the retry's wait (a 429's `Retry-After`, or a backoff
    /// the scheduler draws with its seeded jitter).
    Retry(Retry),
    /// Look the create's subject up and adopt what is found; when `resend`, the create is
    /// sent again if nothing is found (its outcome was unknown), else not.
    LookUp {
        /// Why the lookup runs.
        why: Why,
        /// Whether the create goes again when the subject is absent.
        resend: bool,
    },
    /// The user the write updates is gone (404): create them again if the directory still
    /// wants them (else it is drift).
    Recreate(ServerError),
    /// The server no longer holds the subject, which leaves it as asked or unreachable: the
    /// action ends as drift with this detail.
    Drift(String),
    /// The server refuses the credentials: the run fails.
    Fatal(ServerError),
    /// The action failed with this outcome.
    Failed(ActionResult),
}

/// What `answer` means for `write`. Pure: the same inputs give the same disposition.
pub(crate) fn disposition(
    write: Write<'_>,
    answer: Answer,
    profile: &Profile,
    attempts: &Attempts,
) -> Disposition {
    let unanswered = |reason: String| {
        Disposition::Failed(ActionResult::Failed {
            error: ActionError::Unanswered {
                reason,
                attempts: attempts.sent,
            },
        })
    };
    let backoff = |reason: String| {
        if attempts.allow(Retry::Backoff) {
            Disposition::Retry(Retry::Backoff)
        } else {
            unanswered(reason)
        }
    };
    // A create whose outcome is unknown is looked up before it is sent again.
    let unknown = |reason: String, error: Option<ServerError>| Disposition::LookUp {
        why: Why::Unknown { reason, error },
        resend: true,
    };
    match answer {
        Answer::Lost(reason) if write.creates() => unknown(reason, None),
        Answer::Lost(reason) => backoff(reason),
        Answer::Undecodable { reason, .. } if write.creates() => unknown(reason, None),
        Answer::Undecodable { reason, success } => match write {
            Write::Planned(action) if success => Disposition::Done {
                warning: Some(format!(
                    "{} {}: applied, but the answer could not be read: {reason}",
                    action.kind(),
                    q(action.subject())
                )),
                result: ActionResult::Applied,
                id: None,
            },
            _ => backoff(reason),
        },
        Answer::Resource(id) => succeeded(write, id),
        Answer::Server(e) => refused(write, e, profile, attempts),
    }
}

/// A success answer.
fn succeeded(write: Write<'_>, id: Option<String>) -> Disposition {
    let done = |result| Disposition::Done {
        result,
        id: None,
        warning: None,
    };
    match write {
        Write::Planned(action @ (Action::CreateUser(_) | Action::CreateGroup(_))) => match id {
            Some(id) => Disposition::Done {
                result: ActionResult::Applied,
                id: Some(id),
                warning: None,
            },
            None => {
                let what = if matches!(action, Action::CreateUser(_)) {
                    "user"
                } else {
                    "group"
                };
                Disposition::Failed(ActionResult::invalid(format!(
                    "the server created the {what} but returned no id"
                )))
            }
        },
        Write::Planned(_) => done(ActionResult::Applied),
        Write::Recreate(action) => Disposition::Done {
            result: ActionResult::Drift {
                detail: format!(
                    "{} was gone from the server (404) and was created again",
                    q(action.subject())
                ),
            },
            id,
            warning: None,
        },
        Write::AdoptedUpdate { id, lookup_error } => done(ActionResult::Adopted {
            id: id.to_owned(),
            updated: true,
            lookup_error: lookup_error.cloned().map(Box::new),
        }),
    }
}

/// A server error answer.
fn refused(
    write: Write<'_>,
    e: ServerError,
    profile: &Profile,
    attempts: &Attempts,
) -> Disposition {
    let status = e.http_status;
    if matches!(status, 401 | 403) {
        return Disposition::Fatal(e);
    }
    if write.creates() && status != 429 && e.is_retryable() {
        // A 5xx may come after the server committed the create.
        return Disposition::LookUp {
            why: Why::Unknown {
                reason: e.to_string(),
                error: Some(e),
            },
            resend: true,
        };
    }
    if status == 429 || e.is_retryable() {
        let why = if status == 429 {
            Retry::RateLimited {
                after_ms: e.retry_after_ms.unwrap_or(profile.retry_after_default_ms),
            }
        } else {
            Retry::Backoff
        };
        return if attempts.allow(why) {
            Disposition::Retry(why)
        } else {
            Disposition::Failed(ActionResult::server(e))
        };
    }
    let action = match write {
        Write::Planned(action) => action,
        // Someone created the user meanwhile: adopt it.
        Write::Recreate(_) if status == 409 => {
            return Disposition::LookUp {
                why: Why::Conflict(e),
                resend: false,
            }
        }
        Write::Recreate(_) | Write::AdoptedUpdate { .. } => {
            return Disposition::Failed(ActionResult::server(e))
        }
    };
    let unknown_group = profile.unknown_group_statuses.contains(&status);
    match action {
        Action::CreateUser(_) | Action::CreateGroup(_) if status == 409 => Disposition::LookUp {
            why: Why::Conflict(e),
            resend: false,
        },
        Action::UpdateUser(_) | Action::ReactivateUser(_) if status == 404 => {
            Disposition::Recreate(e)
        }
        Action::DeactivateUser(u) if status == 404 => Disposition::Drift(format!(
            "{} is no longer on the server ({e})",
            q(&u.user.user_name)
        )),
        Action::DeleteUser(d) if status == 404 => Disposition::Drift(format!(
            "{} was already deleted ({e})",
            q(&d.user.user_name)
        )),
        Action::RenameGroup(_)
        | Action::DeleteGroup(_)
        | Action::AddMembers(_)
        | Action::RemoveMembers(_)
        | Action::SetMembers(_)
            if unknown_group =>
        {
            Disposition::Drift(format!(
                "group {} is no longer on the server ({e})",
                q(action.subject())
            ))
        }
        _ => Disposition::Failed(ActionResult::server(e)),
    }
}

/// What a settled lookup means for the create it ran for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Settlement {
    /// Adopt the resource found (the lookup's error, if a query met one, is kept).
    Adopt(Found, Option<Box<ServerError>>),
    /// The subject is absent and the create's outcome was unknown: send it again after its
    /// backoff (the lost answer counts as a failed attempt, as a transport failure does).
    Resend,
    /// The subject is absent: send the create (it was never sent, or met a 409 that the
    /// lookup could not explain).
    Create,
    /// The action failed with this outcome.
    Failed(ActionResult),
}

/// What `verdict`, the end of `lookup`, means for its create. `create`: the attempts of the
/// create to send again when the subject is absent (`None`: the create is not to be sent
/// again as it was, see [`Disposition::LookUp`]). Pure, as [`disposition`] is.
pub(crate) fn settlement(
    lookup: &Lookup,
    verdict: Verdict,
    create: Option<&Attempts>,
) -> Settlement {
    let lookup_error = lookup.error().cloned().map(Box::new);
    let subject = lookup.subject();
    let lookup_failed = |reason: String, conflict: Option<ServerError>, lookup_error| {
        Settlement::Failed(ActionResult::Failed {
            error: ActionError::LookupFailed {
                reason,
                conflict: conflict.map(Box::new),
                lookup_error,
            },
        })
    };
    match verdict {
        Verdict::Found(found) => Settlement::Adopt(found, lookup_error),
        Verdict::Ambiguous(candidates) => {
            let what = if lookup.kind() == ResourceKind::User {
                "users"
            } else {
                "groups"
            };
            let reason = format!(
                "{subject} matches {} server {what} (ids {}); none was adopted",
                candidates.len(),
                candidates.join(", ")
            );
            let error = ActionError::Ambiguous { reason, candidates };
            Settlement::Failed(ActionResult::Failed { error })
        }
        Verdict::Absent => match lookup.why().clone() {
            Why::Conflict(conflict) => match lookup_error {
                None => Settlement::Failed(ActionResult::server(conflict)),
                Some(e) => {
                    let reason = format!(
                        "the create met a conflict ({conflict}); the lookup of {subject} failed ({e}) and the listing holds no match"
                    );
                    lookup_failed(reason, Some(conflict), Some(e))
                }
            },
            Why::Unknown { reason, error } => match create {
                Some(attempts) if attempts.allow(Retry::Backoff) => Settlement::Resend,
                Some(attempts) => Settlement::Failed(match error {
                    Some(e) => ActionResult::server(e),
                    None => ActionResult::Failed {
                        error: ActionError::Unanswered {
                            reason,
                            attempts: attempts.sent,
                        },
                    },
                }),
                None => Settlement::Create,
            },
            Why::Unproven => Settlement::Create,
        },
        Verdict::Failed(failure) => {
            let (reason, conflict) = match lookup.why().clone() {
                Why::Conflict(c) => (
                    format!("the create met a conflict ({c}) and the lookup of {subject} failed: {failure}"),
                    Some(c),
                ),
                Why::Unknown { reason, .. } => (
                    format!("the create's outcome is unknown ({reason}) and the lookup of {subject} failed: {failure}; not sent again"),
                    None,
                ),
                Why::Unproven => (
                    format!("the listing was incomplete and the lookup of {subject} failed: {failure}; not created"),
                    None,
                ),
            };
            lookup_failed(reason, conflict, lookup_error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::User;
    use crate::plan::{
        CreateGroup, CreateUser, DeleteGroup, DeleteUser, GroupRef, Membership, UserRef, UserUpdate,
    };

    const LIMITS: RetryLimits = RetryLimits {
        max_attempts: 3,
        max_rate_limited_attempts: 2,
        backoff_base_ms: 100,
        backoff_max_ms: 1_000,
    };

    fn fresh() -> Attempts {
        Attempts {
            attempt: 0,
            rate_limited: 0,
            sent: 1,
            limits: LIMITS,
        }
    }

    /// A write whose backoff attempts are spent but one (the next failure ends it).
    fn last_try() -> Attempts {
        Attempts {
            attempt: 2,
            rate_limited: 1,
            sent: 3,
            limits: LIMITS,
        }
    }

    fn error(status: u16) -> ServerError {
        ServerError {
            http_status: status,
            status: None,
            scim_type: None,
            detail: None,
            retry_after_ms: None,
            body_excerpt: None,
        }
    }

    fn user_ref(name: &str) -> UserRef {
        UserRef {
            user_name: name.into(),
            id: Some("u1".into()),
        }
    }

    fn group_ref(name: &str) -> GroupRef {
        GroupRef {
            display_name: name.into(),
            id: Some("g1".into()),
        }
    }

    fn create_user() -> Action {
        Action::CreateUser(CreateUser {
            user_name: "ana".into(),
            user: User::new("ana"),
            reason: String::new(),
        })
    }

    fn create_group() -> Action {
        Action::CreateGroup(CreateGroup {
            display_name: "Eng".into(),
            external_id: None,
            members: Vec::new(),
            reason: String::new(),
        })
    }

    fn update(reactivate: bool) -> Action {
        let u = UserUpdate {
            user: user_ref("ana"),
            changes: Vec::new(),
            replacement: None,
            reason: String::new(),
        };
        if reactivate {
            Action::ReactivateUser(u)
        } else {
            Action::UpdateUser(u)
        }
    }

    fn deactivate() -> Action {
        Action::DeactivateUser(UserUpdate {
            user: user_ref("ana"),
            changes: Vec::new(),
            replacement: None,
            reason: String::new(),
        })
    }

    fn delete_user() -> Action {
        Action::DeleteUser(DeleteUser {
            user: user_ref("ana"),
            reason: String::new(),
        })
    }

    fn add_members() -> Action {
        Action::AddMembers(Membership {
            group: group_ref("Eng"),
            members: vec![user_ref("ana")],
        })
    }

    fn delete_group() -> Action {
        Action::DeleteGroup(DeleteGroup {
            group: group_ref("Eng"),
            reason: String::new(),
        })
    }

    fn lost() -> Answer {
        Answer::Lost("connection reset".into())
    }

    fn unreadable(success: bool) -> Answer {
        Answer::Undecodable {
            reason: "truncated".into(),
            success,
        }
    }

    fn server(status: u16) -> Answer {
        Answer::Server(error(status))
    }

    /// The disposition's kind, for the table.
    fn kind(d: &Disposition) -> &'static str {
        match d {
            Disposition::Done {
                result: ActionResult::Applied,
                ..
            } => "applied",
            Disposition::Done {
                result: ActionResult::Adopted { .. },
                ..
            } => "adopted",
            Disposition::Done {
                result: ActionResult::Drift { .. },
                ..
            } => "recreated",
            Disposition::Done { .. } => "done?",
            Disposition::Retry(Retry::Backoff) => "backoff",
            Disposition::Retry(Retry::RateLimited { .. }) => "rate-limited",
            Disposition::LookUp {
                why: Why::Conflict(_),
                resend: false,
            } => "lookup-conflict",
            Disposition::LookUp {
                why: Why::Unknown { .. },
                resend: true,
            } => "lookup-unknown",
            Disposition::LookUp { .. } => "lookup?",
            Disposition::Recreate(_) => "recreate",
            Disposition::Drift(_) => "drift",
            Disposition::Fatal(_) => "fatal",
            Disposition::Failed(ActionResult::Failed {
                error: ActionError::Server(_),
            }) => "failed-server",
            Disposition::Failed(ActionResult::Failed {
                error: ActionError::Unanswered { .. },
            }) => "failed-unanswered",
            Disposition::Failed(ActionResult::Failed {
                error: ActionError::Invalid { .. },
            }) => "failed-invalid",
            Disposition::Failed(_) => "failed?",
        }
    }

    #[test]
    fn planned_writes_case_by_case() {
        let generic = Profile::generic();
        let airtable = Profile::airtable();
        let ok = |id: Option<&str>| Answer::Resource(id.map(str::to_owned));
        #[rustfmt::skip]
        let table: Vec<(&str, Action, Answer, &Profile, Attempts, &str)> = vec![
            ("created with an id", create_user(), ok(Some("u9")), &generic, fresh(), "applied"),
            ("created without an id", create_group(), ok(None), &generic, fresh(), "failed-invalid"),
            ("updated", update(false), ok(None), &generic, fresh(), "applied"),
            ("401 fails the run", update(false), server(401), &generic, fresh(), "fatal"),
            ("403 fails the run", create_user(), server(403), &generic, fresh(), "fatal"),
            ("5xx on a create: outcome unknown", create_group(), server(502), &generic, fresh(), "lookup-unknown"),
            ("5xx on a create even at the last try", create_user(), server(500), &generic, last_try(), "lookup-unknown"),
            ("lost create", create_group(), lost(), &generic, fresh(), "lookup-unknown"),
            ("unreadable create", create_user(), unreadable(true), &generic, fresh(), "lookup-unknown"),
            ("429 on a create is retried", create_user(), server(429), &generic, fresh(), "rate-limited"),
            ("429 retries are bounded", create_user(), server(429), &generic, last_try(), "failed-server"),
            ("5xx on an update is retried", update(false), server(503), &generic, fresh(), "backoff"),
            ("5xx retries are bounded", update(false), server(503), &generic, last_try(), "failed-server"),
            ("lost update is retried", delete_user(), lost(), &generic, fresh(), "backoff"),
            ("lost update, no attempt left", delete_user(), lost(), &generic, last_try(), "failed-unanswered"),
            ("unreadable error answer is retried", add_members(), unreadable(false), &generic, fresh(), "backoff"),
            ("unreadable error answer, no attempt left", add_members(), unreadable(false), &generic, last_try(), "failed-unanswered"),
            ("unreadable success answer", add_members(), unreadable(true), &generic, fresh(), "applied"),
            ("409 on a create: adopt", create_user(), server(409), &generic, fresh(), "lookup-conflict"),
            ("409 on a group create: adopt", create_group(), server(409), &generic, fresh(), "lookup-conflict"),
            ("409 on an update fails", update(false), server(409), &generic, fresh(), "failed-server"),
            ("404 on an update: create again", update(false), server(404), &generic, fresh(), "recreate"),
            ("404 on a reactivation: create again", update(true), server(404), &generic, fresh(), "recreate"),
            ("404 on a deactivation", deactivate(), server(404), &generic, fresh(), "drift"),
            ("404 on a user delete", delete_user(), server(404), &generic, fresh(), "drift"),
            ("404 on a group delete", delete_group(), server(404), &generic, fresh(), "drift"),
            ("400 for a gone group (airtable)", add_members(), server(400), &airtable, fresh(), "drift"),
            ("400 on a group (generic)", add_members(), server(400), &generic, fresh(), "failed-server"),
            ("400 on a user delete", delete_user(), server(400), &airtable, fresh(), "failed-server"),
        ];
        for (case, action, answer, profile, attempts, want) in table {
            let got = disposition(Write::Planned(&action), answer, profile, &attempts);
            assert_eq!(kind(&got), want, "{case}: {got:?}");
        }
    }

    #[test]
    fn follow_ups_case_by_case() {
        let p = Profile::generic();
        let update = update(false);
        let conflict = error(409);
        #[rustfmt::skip]
        let table: Vec<(&str, Write, Answer, Attempts, &str)> = vec![
            ("recreated", Write::Recreate(&update), Answer::Resource(Some("u2".into())), fresh(), "recreated"),
            ("recreate met a 409: adopt", Write::Recreate(&update), server(409), fresh(), "lookup-conflict"),
            ("recreate met a 5xx: look up", Write::Recreate(&update), server(500), fresh(), "lookup-unknown"),
            ("recreate lost: look up", Write::Recreate(&update), lost(), fresh(), "lookup-unknown"),
            ("recreate unreadable: look up", Write::Recreate(&update), unreadable(true), fresh(), "lookup-unknown"),
            ("recreate 429", Write::Recreate(&update), server(429), fresh(), "rate-limited"),
            ("recreate 400", Write::Recreate(&update), server(400), fresh(), "failed-server"),
            ("recreate 401", Write::Recreate(&update), server(401), fresh(), "fatal"),
            ("adopted user updated", Write::AdoptedUpdate { id: "u3", lookup_error: Some(&conflict) }, Answer::Resource(None), fresh(), "adopted"),
            ("adopted update 409", Write::AdoptedUpdate { id: "u3", lookup_error: None }, server(409), fresh(), "failed-server"),
            ("adopted update 5xx", Write::AdoptedUpdate { id: "u3", lookup_error: None }, server(500), fresh(), "backoff"),
            ("adopted update lost", Write::AdoptedUpdate { id: "u3", lookup_error: None }, lost(), last_try(), "failed-unanswered"),
            // Unlike a planned write, an unreadable success is tried again.
            ("adopted update unreadable", Write::AdoptedUpdate { id: "u3", lookup_error: None }, unreadable(true), fresh(), "backoff"),
        ];
        for (case, write, answer, attempts, want) in table {
            let got = disposition(write, answer, &p, &attempts);
            assert_eq!(kind(&got), want, "{case}: {got:?}");
        }
    }

    #[test]
    fn what_the_dispositions_carry() {
        let p = Profile::generic();
        let create = create_user();
        // The id a create learnt.
        let got = disposition(
            Write::Planned(&create),
            Answer::Resource(Some("u9".into())),
            &p,
            &fresh(),
        );
        assert!(matches!(got, Disposition::Done { id: Some(ref id), .. } if id == "u9"));
        // A 429 waits as the server says, else as the profile says.
        let mut e = error(429);
        e.retry_after_ms = Some(7_000);
        let got = disposition(Write::Planned(&create), Answer::Server(e), &p, &fresh());
        assert_eq!(
            got,
            Disposition::Retry(Retry::RateLimited { after_ms: 7_000 })
        );
        let got = disposition(Write::Planned(&create), server(429), &p, &fresh());
        let after_ms = p.retry_after_default_ms;
        assert_eq!(got, Disposition::Retry(Retry::RateLimited { after_ms }));
        // An unknown outcome keeps the 5xx for the report.
        let got = disposition(Write::Planned(&create), server(502), &p, &fresh());
        let Disposition::LookUp {
            why: Why::Unknown { error: kept, .. },
            ..
        } = got
        else {
            panic!("{got:?}")
        };
        assert_eq!(kept.map(|e| e.http_status), Some(502));
        // Unanswered counts the sends.
        let got = disposition(Write::Planned(&delete_user()), lost(), &p, &last_try());
        let Disposition::Failed(ActionResult::Failed {
            error: ActionError::Unanswered { attempts, reason },
        }) = got
        else {
            panic!("{got:?}")
        };
        assert_eq!((attempts, reason.as_str()), (3, "connection reset"));
        // An adopted user's update keeps the lookup's error.
        let conflict = error(400);
        let got = disposition(
            Write::AdoptedUpdate {
                id: "u3",
                lookup_error: Some(&conflict),
            },
            Answer::Resource(None),
            &p,
            &fresh(),
        );
        let Disposition::Done {
            result:
                ActionResult::Adopted {
                    id,
                    updated,
                    lookup_error,
                },
            ..
        } = got
        else {
            panic!("{got:?}")
        };
        assert_eq!((id.as_str(), updated), ("u3", true));
        assert_eq!(lookup_error.map(|e| e.http_status), Some(400));
        // Drift names the subject.
        let got = disposition(Write::Planned(&deactivate()), server(404), &p, &fresh());
        assert!(
            matches!(got, Disposition::Drift(ref d) if d.starts_with("\"ana\" is no longer on the server"))
        );
    }

    fn lookup(action: &Action, why: Why) -> Lookup {
        Lookup::new(action, why, &Profile::generic()).unwrap()
    }

    fn unknown(error: Option<ServerError>) -> Why {
        Why::Unknown {
            reason: "connection reset".into(),
            error,
        }
    }

    /// The settlement's kind, for the table.
    fn settled(s: &Settlement) -> &'static str {
        match s {
            Settlement::Adopt(..) => "adopt",
            Settlement::Resend => "resend",
            Settlement::Create => "create",
            Settlement::Failed(ActionResult::Failed { error }) => match error {
                ActionError::Server(_) => "failed-server",
                ActionError::Unanswered { .. } => "failed-unanswered",
                ActionError::Ambiguous { .. } => "failed-ambiguous",
                ActionError::LookupFailed { .. } => "failed-lookup",
                _ => "failed?",
            },
            Settlement::Failed(_) => "failed?",
        }
    }

    #[test]
    fn lookups_settle_case_by_case() {
        let user = create_user();
        let group = create_group();
        let found = Found::User(Box::new(User::new("ana")));
        let absent = || Verdict::Absent;
        let failed = || Verdict::Failed("the listing of /Users failed: HTTP 500".into());
        let (first, spent) = (fresh(), last_try());
        #[rustfmt::skip]
        let table: Vec<(&str, Lookup, Verdict, Option<&Attempts>, &str)> = vec![
            ("one match is adopted", lookup(&user, unknown(None)), Verdict::Found(found.clone()), Some(&first), "adopt"),
            ("a 409's match is adopted", lookup(&user, Why::Conflict(error(409))), Verdict::Found(found), None, "adopt"),
            ("two matches are never adopted", lookup(&group, unknown(None)), Verdict::Ambiguous(vec!["g1".into(), "g2".into()]), Some(&first), "failed-ambiguous"),
            ("absent after a lost answer: sent again", lookup(&user, unknown(None)), absent(), Some(&first), "resend"),
            ("absent, no attempt left", lookup(&user, unknown(None)), absent(), Some(&spent), "failed-unanswered"),
            ("absent after a 5xx, no attempt left", lookup(&user, unknown(Some(error(502)))), absent(), Some(&spent), "failed-server"),
            ("absent after a lost recreate answer", lookup(&user, unknown(None)), absent(), None, "create"),
            ("absent where the listing was incomplete", lookup(&group, Why::Unproven), absent(), None, "create"),
            ("absent after a 409: the conflict stands", lookup(&user, Why::Conflict(error(409))), absent(), None, "failed-server"),
            ("lookup failed after a 409", lookup(&user, Why::Conflict(error(409))), failed(), None, "failed-lookup"),
            ("lookup failed after a lost answer: not sent again", lookup(&user, unknown(None)), failed(), Some(&first), "failed-lookup"),
            ("lookup failed from an incomplete listing: not created", lookup(&group, Why::Unproven), failed(), None, "failed-lookup"),
        ];
        for (case, lookup, verdict, attempts, want) in table {
            let got = settlement(&lookup, verdict, attempts);
            assert_eq!(settled(&got), want, "{case}: {got:?}");
        }
    }

    #[test]
    fn what_a_failed_settlement_says() {
        let group = create_group();
        let got = settlement(
            &lookup(&group, unknown(None)),
            Verdict::Ambiguous(vec!["g1".into(), "g2".into()]),
            Some(&fresh()),
        );
        let Settlement::Failed(ActionResult::Failed {
            error: ActionError::Ambiguous { reason, candidates },
        }) = got
        else {
            panic!("{got:?}")
        };
        assert_eq!(candidates, ["g1", "g2"]);
        assert!(
            reason.contains("matches 2 server groups (ids g1, g2)"),
            "{reason}"
        );
        let user = create_user();
        let got = settlement(
            &lookup(&user, Why::Unproven),
            Verdict::Failed("it broke".into()),
            None,
        );
        let Settlement::Failed(ActionResult::Failed {
            error: ActionError::LookupFailed {
                reason, conflict, ..
            },
        }) = got
        else {
            panic!("{got:?}")
        };
        assert!(reason.starts_with("the listing was incomplete"), "{reason}");
        assert!(
            reason.ends_with("failed: it broke; not created"),
            "{reason}"
        );
        assert_eq!(conflict, None);
    }
}
