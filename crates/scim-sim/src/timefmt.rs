//! Formats the caller's `now_ms` (read as milliseconds since the Unix epoch) as the
//! timestamps a server writes: RFC 3339 for `meta.created`/`meta.lastModified`, and the IMF
//! fixdate of RFC 9110 for a `Retry-After` given as an HTTP date. No clock is read.

/// `1970-01-01T00:00:00.000Z` for 0.
pub(crate) fn rfc3339(ms: u64) -> String {
    let (days, secs_of_day, millis) = split(ms);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// `Thu, 01 Jan 1970 00:00:00 GMT` for 0.
pub(crate) fn http_date(ms: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, secs_of_day, _) = split(ms);
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[((days + 4) % 7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

fn split(ms: u64) -> (u64, u64, u64) {
    let secs = ms / 1000;
    (secs / 86_400, secs % 86_400, ms % 1000)
}

/// Howard Hinnant's `civil_from_days` for non-negative day counts since 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
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
