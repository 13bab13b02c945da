//! China time (Asia/Shanghai: UTC+8 all year, no daylight saving) from a UTC instant. Pure:
//! the caller passes `now`, so every date the app shows or evaluates as of is testable.

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// The offset of China time from UTC, in seconds.
pub const CHINA_OFFSET_SECS: i32 = 8 * 3600;

/// The wall-clock time in China at the UTC instant `now`.
pub fn china_time(now: NaiveDateTime) -> NaiveDateTime {
    now + Duration::seconds(i64::from(CHINA_OFFSET_SECS))
}

/// The UTC instant `at` as a person in China reads it, to the minute: `2026-03-02 01:30`.
/// Every time a page, a CSV file or a mail shows goes through here (stored times are UTC).
pub fn china_minute(at: NaiveDateTime) -> String {
    china_time(at).format("%Y-%m-%d %H:%M").to_string()
}

/// [`china_minute`] to the second: `2026-03-02 01:30:05`.
pub fn china_second(at: NaiveDateTime) -> String {
    china_time(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The date in China at the UTC instant `now`: "today" for evaluations, due dates and pages.
pub fn china_date(now: NaiveDateTime) -> NaiveDate {
    china_time(now).date()
}

/// The UTC instant of the next midnight in China strictly after `now`, plus `slack`.
pub fn next_china_midnight(now: NaiveDateTime, slack: Duration) -> NaiveDateTime {
    let local = china_time(now);
    let midnight = local
        .date()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(local);
    midnight - Duration::seconds(i64::from(CHINA_OFFSET_SECS)) + slack
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_time_shortly_before_utc_midnight_reads_as_the_next_china_day() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(17, 30, 5)
            .unwrap();
        assert_eq!(super::china_minute(at), "2026-03-02 01:30");
        assert_eq!(super::china_second(at), "2026-03-02 01:30:05");
    }

    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn utc_evening_is_the_next_day_in_china() {
        assert_eq!(
            china_date(at("2026-12-06 15:59:59")).to_string(),
            "2026-12-06"
        );
        assert_eq!(
            china_date(at("2026-12-06 16:00:00")).to_string(),
            "2026-12-07"
        );
    }

    #[test]
    fn china_time_is_eight_hours_ahead() {
        assert_eq!(
            china_time(at("2026-12-31 20:30:00")),
            at("2027-01-01 04:30:00")
        );
    }

    #[test]
    fn next_midnight_is_strictly_after_now() {
        // 2026-12-06 16:00 UTC is midnight of the 7th in China: the next one is a day later.
        assert_eq!(
            next_china_midnight(at("2026-12-06 16:00:00"), Duration::zero()),
            at("2026-12-07 16:00:00")
        );
        assert_eq!(
            next_china_midnight(at("2026-12-06 15:59:00"), Duration::seconds(5)),
            at("2026-12-06 16:00:05")
        );
    }
}
