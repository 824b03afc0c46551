//! RFC 9865 cursor paging, as a server that offers it answers: `cursor` (empty for the first
//! page) and `count` in, a page with `nextCursor` (absent on the last page) out, no
//! `totalResults` (Microsoft Entra ID's SCIM API leaves it out; RFC 9865 allows it). The
//! ServiceProviderConfig then advertises `pagination` with `cursor: true`.
//!
//! Two faults: a page that names its own cursor again as the next one (a client that follows
//! it goes round in circles), and a page whose cursor has expired (400 `expiredCursor`,
//! RFC 9865's error, which no retry mends).

use crate::respond::Failure;

/// Cursor paging and its faults. Pages are numbered from 1 in the order a client walks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CursorPaging {
    repeat_at: Option<u64>,
    expire_at: Option<u64>,
}

impl CursorPaging {
    /// Honest cursor paging.
    pub fn honest() -> CursorPaging {
        CursorPaging::default()
    }

    /// Page `n` names, as its `nextCursor`, the cursor it was asked with.
    #[must_use]
    pub fn repeating_at(mut self, n: u64) -> CursorPaging {
        self.repeat_at = Some(n);
        self
    }

    /// Page `n` answers 400 `expiredCursor`, every time it is asked for.
    #[must_use]
    pub fn expiring_at(mut self, n: u64) -> CursorPaging {
        self.expire_at = Some(n);
        self
    }
}

/// The resources a cursor page holds and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    pub skip: usize,
    pub take: usize,
    pub next: Option<String>,
}

/// The window of a cursor page over `total` resources, `take` at most per page.
pub(crate) fn window(
    paging: &CursorPaging,
    cursor: Result<&str, ()>,
    take: u64,
    total: usize,
) -> Result<Window, Failure> {
    let invalid = || {
        Failure::typed(
            400,
            "invalidCursor",
            "the cursor is not one this server gave",
        )
    };
    let cursor = cursor.map_err(|()| invalid())?;
    let skip = match cursor {
        "" => 0,
        c => c
            .strip_prefix("pos")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= total)
            .ok_or_else(invalid)?,
    };
    let take = usize::try_from(take).unwrap_or(usize::MAX).max(1);
    let page = (skip / take) as u64 + 1;
    if paging.expire_at == Some(page) {
        return Err(Failure::typed(
            400,
            "expiredCursor",
            "the cursor has expired",
        ));
    }
    let end = skip.saturating_add(take);
    let next = if paging.repeat_at == Some(page) {
        Some(cursor.to_owned())
    } else {
        (end < total).then(|| format!("pos{end}"))
    };
    Ok(Window { skip, take, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_to_the_end_and_faults_fire_on_their_page() {
        let honest = CursorPaging::honest();
        let w = window(&honest, Ok(""), 100, 250).unwrap();
        assert_eq!(
            (w.skip, w.take, w.next.as_deref()),
            (0, 100, Some("pos100"))
        );
        let w = window(&honest, Ok("pos200"), 100, 250).unwrap();
        assert_eq!((w.skip, w.next), (200, None));
        assert!(window(&honest, Ok("pos999"), 100, 250).is_err());
        assert!(window(&honest, Ok("junk"), 100, 250).is_err());
        let repeating = CursorPaging::honest().repeating_at(2);
        let w = window(&repeating, Ok("pos100"), 100, 250).unwrap();
        assert_eq!(w.next.as_deref(), Some("pos100"));
        let expiring = CursorPaging::honest().expiring_at(2);
        assert!(window(&expiring, Ok(""), 100, 250).is_ok());
        assert!(window(&expiring, Ok("pos100"), 100, 250).is_err());
    }
}
