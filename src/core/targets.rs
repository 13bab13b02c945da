//! Yearly targets and progress toward them (issue 15): what is counted, and where this year's
//! pace leads by 31 December. Pure arithmetic on whole numbers: no rounding surprises.

use chrono::{Datelike, NaiveDate};

/// What a target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Firms holding an HTE certificate in force.
    HighTech,
    /// Firms holding a tech-SME registration in force.
    TechSme,
    /// Firms in the high-tech reserve pool (stage `reserve`).
    Reserve,
}

impl Metric {
    /// Every metric, in the order pages show them.
    pub const ALL: [Metric; 3] = [Metric::HighTech, Metric::TechSme, Metric::Reserve];

    /// Stable id, as stored.
    pub fn id(self) -> &'static str {
        match self {
            Metric::HighTech => "high_tech",
            Metric::TechSme => "tech_sme",
            Metric::Reserve => "reserve",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.id() == s)
    }

    /// The catalog key of its name.
    pub fn key(self) -> &'static str {
        match self {
            Metric::HighTech => "targets.metric.high_tech",
            Metric::TechSme => "targets.metric.tech_sme",
            Metric::Reserve => "targets.metric.reserve",
        }
    }

    /// The credential kind it counts, if it counts holders of one (else a stage).
    pub fn credential(self) -> Option<&'static str> {
        match self {
            Metric::HighTech => Some("hte"),
            Metric::TechSme => Some("tech_sme"),
            Metric::Reserve => None,
        }
    }
}

/// The largest target a form takes.
pub const MAX_TARGET: i64 = 1_000_000;

/// Where this year's pace leads: the count on 31 December if the net change since 1 January
/// (`now - at_start`) goes on at the same rate per day. `today` is within the year; the
/// result is floored to a whole firm and never below zero. On 1 January itself there is no
/// pace yet: the count stays.
pub fn projection(at_start: i64, now: i64, today: NaiveDate) -> i64 {
    let year = today.year();
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
    let elapsed = (today - start).num_days();
    let remaining = (end - today).num_days();
    if elapsed <= 0 {
        return now.max(0);
    }
    let gained = now - at_start;
    let ahead = (gained * remaining).div_euclid(elapsed);
    (now + ahead).max(0)
}

/// Progress toward a target in per cent, floored (0 when the target is 0 or less).
pub fn percent(count: i64, target: i64) -> i64 {
    if target <= 0 {
        return 0;
    }
    (count.max(0) * 100) / target
}

/// The first day of the month `months` after `day`'s month.
pub fn month_start_after(day: NaiveDate, months: u32) -> NaiveDate {
    let m0 = day.month0() + months;
    let year = day.year() + i32::try_from(m0 / 12).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, m0 % 12 + 1, 1).unwrap_or(day)
}

/// `YYYY-MM` of a day: the label of its month.
pub fn month_label(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_pace_of_the_year_so_far_carries_to_its_end() {
        // 1 July 2025 is day 181 of 365: 181 days gone, 183 left.
        // 90 → 120 in 181 days: 30 × 183 / 181 = 30.33 → 30 more: 150.
        assert_eq!(projection(90, 120, d(2025, 7, 1)), 150);
        // A loss goes on too, floored, never below zero.
        assert_eq!(projection(100, 90, d(2025, 7, 1)), 79);
        assert_eq!(projection(100, 1, d(2025, 12, 1)), 0);
        // On 1 January there is no pace; on 31 December nothing is left to go.
        assert_eq!(projection(5, 7, d(2025, 1, 1)), 7);
        assert_eq!(projection(5, 7, d(2025, 12, 31)), 7);
    }

    #[test]
    fn percent_is_floored_and_a_missing_target_is_zero() {
        assert_eq!(percent(138, 150), 92);
        assert_eq!(percent(150, 150), 100);
        assert_eq!(percent(151, 150), 100);
        assert_eq!(percent(3, 0), 0);
    }

    #[test]
    fn months_roll_over_the_year() {
        assert_eq!(month_start_after(d(2025, 11, 17), 0), d(2025, 11, 1));
        assert_eq!(month_start_after(d(2025, 11, 17), 2), d(2026, 1, 1));
        assert_eq!(month_start_after(d(2025, 11, 17), 14), d(2027, 1, 1));
        assert_eq!(month_label(d(2026, 3, 9)), "2026-03");
    }

    #[test]
    fn metric_ids_read_back() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.id()), Some(m));
        }
        assert_eq!(Metric::parse("trainings"), None);
    }
}
