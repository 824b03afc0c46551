//! Licence seats: how many listed users are billed, how many are not, and how that compares
//! with the seats purchased.
//!
//! Airtable bills active users only ("we do not charge for deactivated users"), so a
//! deactivated account frees its seat. A user whose `active` attribute is unassigned counts
//! as active, as SCIM defines.

use foldhash::HashSet;

use serde::Serialize;

use crate::model::User;
use crate::plan::user_key;

/// Seat counts of one listing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SeatSummary {
    /// Every listed user, active or not.
    pub total_users: u64,
    /// Active users: the billed seats.
    pub active: u64,
    /// Deactivated users: not billed.
    pub deactivated: u64,
    /// Seats purchased, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchased: Option<u64>,
    /// Purchased seats nobody uses (`purchased - active`, never below zero), when
    /// `purchased` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused: Option<u64>,
    /// How many more active users there are than purchased seats; present only when
    /// `active > purchased`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_by: Option<u64>,
    /// Active users of the desired directory (distinct userNames, compared as the planner
    /// compares them): the seats needed once the directory is synced, when it is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_active: Option<u64>,
}

/// Counts the seats of `users`, against `purchased` seats and the `desired` directory when
/// they are given.
pub fn seat_summary(
    users: &[User],
    desired: Option<&[User]>,
    purchased: Option<u64>,
) -> SeatSummary {
    let total_users = count(users.len());
    let active = count(users.iter().filter(|u| u.is_active()).count());
    let deactivated = total_users.saturating_sub(active);
    let desired_active = desired.map(|d| {
        // A HashSet<String>, as the engine's listing has: one more set type would add its
        // code to the WebAssembly module.
        let keys: HashSet<String> = d
            .iter()
            .filter(|u| u.is_active())
            .map(|u| user_key(&u.user_name))
            .collect();
        count(keys.len())
    });
    SeatSummary {
        total_users,
        active,
        deactivated,
        purchased,
        unused: purchased.map(|p| p.saturating_sub(active)),
        over_by: purchased.and_then(|p| active.checked_sub(p).filter(|&n| n > 0)),
        desired_active,
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, active: Option<bool>) -> User {
        let mut u = User::new(name);
        u.active = active;
        u
    }

    #[test]
    fn deactivated_users_are_not_billed_and_unset_means_active() {
        let users = [
            user("a", Some(true)),
            user("b", None),
            user("c", Some(false)),
        ];
        let s = seat_summary(&users, None, None);
        assert_eq!((s.total_users, s.active, s.deactivated), (3, 2, 1));
        assert_eq!((s.purchased, s.unused, s.over_by), (None, None, None));
        assert_eq!(s.desired_active, None);
    }

    #[test]
    fn unused_and_over_by() {
        let users = [user("a", None), user("b", None), user("c", Some(false))];
        let under = seat_summary(&users, None, Some(5));
        assert_eq!((under.unused, under.over_by), (Some(3), None));
        let exact = seat_summary(&users, None, Some(2));
        assert_eq!((exact.unused, exact.over_by), (Some(0), None));
        let over = seat_summary(&users, None, Some(0));
        assert_eq!((over.unused, over.over_by), (Some(0), Some(2)));
    }

    #[test]
    fn desired_active_counts_distinct_user_names() {
        let desired = [
            user("Ana@x", None),
            user("ana@X", Some(true)),
            user("bo@x", Some(false)),
            user("cy@x", None),
        ];
        let s = seat_summary(&[], Some(&desired), Some(1));
        assert_eq!(s.desired_active, Some(2));
        assert_eq!(s.unused, Some(1));
    }

    #[test]
    fn empty_listing() {
        let s = seat_summary(&[], Some(&[]), None);
        assert_eq!(
            s,
            SeatSummary {
                desired_active: Some(0),
                ..SeatSummary::default()
            }
        );
    }
}
