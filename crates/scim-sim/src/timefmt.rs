//! Formats the caller's `now_ms` (read as milliseconds since the Unix epoch) as the
//! timestamps a server writes: RFC 3339 for `meta.created`/`meta.lastModified`, and the IMF
//! fixdate of RFC 9110 for a `Retry-After` given as an HTTP date. No clock is read.

/// `1970-01-01T00:00:00.000Z` for 0 (the core's provisioning log writes the same).
pub(crate) fn rfc3339(ms: u64) -> String {
    scim_provision::audit::iso_time(ms)
}

/// `Thu, 01 Jan 1970 00:00:00 GMT` for 0.
pub(crate) fn http_date(ms: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // `YYYY-MM-DDThh:mm:ss.mmmZ`, taken apart from its end (a year may have more digits).
    let iso = rfc3339(ms);
    let n = iso.len();
    let (y, m, d, time) = (
        &iso[..n - 20],
        &iso[n - 19..n - 17],
        &iso[n - 16..n - 14],
        &iso[n - 13..n - 5],
    );
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[((ms / 86_400_000 + 4) % 7) as usize];
    let month = MONTHS[m.parse::<usize>().unwrap_or(1).saturating_sub(1).min(11)];
    format!("{weekday}, {d} {month} {y} {time} GMT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // 2024-02-29T12:34:56.789Z, a leap day.
        let ms = 1_709_210_096_789;
        assert_eq!(rfc3339(ms), "2024-02-29T12:34:56.789Z");
        assert_eq!(http_date(ms), "Thu, 29 Feb 2024 12:34:56 GMT");
    }

    #[test]
    fn extreme_values_do_not_panic() {
        let _ = rfc3339(u64::MAX);
        let _ = http_date(u64::MAX);
    }
}
