//! When things fall due: the time-based stage events that `tick` fires, and the days on which
//! reminders about deadlines go out. Pure date arithmetic over a firm's state; the stage
//! machine's guards ([`stage::apply`]) stay the judge of whether an event is legal.

use super::stage::{self, Event, FirmState, Stage};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The first day on which a tech-SME registration for `year` is no longer current: 1 April of
/// the next year (it holds for its year and until the end of March after).
pub fn tech_sme_lapses_on(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 4, 1).unwrap_or(NaiveDate::MAX)
}

/// A time-based event that is due for a firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEvent {
    /// `lapse_tech_sme` or `expire_high_tech`.
    pub event: Event,
    /// The day it fell due.
    pub due_on: NaiveDate,
}

/// The time-based event due for a firm in `state` on `today`, if any:
/// - `expire_high_tech` for an HTE or leader whose certificate is three years old
///   ([`stage::hte_valid_until`]) — due that day;
/// - `lapse_tech_sme` for a tech-SME or reserve firm whose registration year ended without
///   renewal ([`stage::tech_sme_current`]) — due on [`tech_sme_lapses_on`].
///
/// A reserve firm that never held a registration (it came there when its HTE certificate ran
/// out) has nothing that lapses; that is left to a person (`leave_reserve`, or a registration).
/// After an event the firm is in another state: ask again (an expired HTE lands in the reserve,
/// where its registration may have ended long ago).
pub fn due_event(state: &FirmState, today: NaiveDate) -> Option<DueEvent> {
    match state.stage {
        Stage::HighTech | Stage::Leader => {
            let (_, issued_on) = state.credentials.hte.as_ref()?;
            let until = stage::hte_valid_until(*issued_on);
            (until <= today).then_some(DueEvent {
                event: Event::ExpireHighTech,
                due_on: until,
            })
        }
        Stage::TechSme | Stage::Reserve => {
            let (year, _) = state.credentials.tech_sme.as_ref()?;
            let lapses_on = tech_sme_lapses_on(*year);
            (lapses_on <= today && !stage::tech_sme_current(*year, today)).then_some(DueEvent {
                event: Event::LapseTechSme,
                due_on: lapses_on,
            })
        }
        Stage::Prospect | Stage::Exited => None,
    }
}

/// The date an event found due on `today` takes effect: its due day, but never before the
/// firm's last recorded event (`last_as_of`, so the history stays in date order) and never after
/// `today`.
pub fn effective_date(
    due_on: NaiveDate,
    last_as_of: Option<NaiveDate>,
    today: NaiveDate,
) -> NaiveDate {
    last_as_of.map_or(due_on, |l| due_on.max(l)).min(today)
}

/// Which reminder of a deadline is due on `today`: the smallest of `marks` (days before the
/// deadline, e.g. 180, 90, 30) that is at least the days left. `None` before the first mark or
/// after the deadline. A reminder skipped because `tick` did not run on its day is still sent
/// until the next mark is reached; with a dedup key per mark each goes out once.
pub fn reminder_mark(deadline: NaiveDate, today: NaiveDate, marks: &[u32]) -> Option<u32> {
    let left = (deadline - today).num_days();
    if left < 0 {
        return None;
    }
    marks
        .iter()
        .copied()
        .filter(|m| i64::from(*m) >= left)
        .min()
}

/// A day of the year, `MM-DD` (a deadline that recurs every year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MonthDay {
    /// 1–12.
    pub month: u32,
    /// 1–31, valid for the month (29 February falls back to 28 in common years).
    pub day: u32,
}

impl MonthDay {
    /// Parse `MM-DD`.
    pub fn parse(s: &str) -> Option<MonthDay> {
        let (m, d) = s.trim().split_once('-')?;
        let (month, day) = (m.parse().ok()?, d.parse().ok()?);
        // 2024 is a leap year, so 02-29 is accepted.
        NaiveDate::from_ymd_opt(2024, month, day)?;
        Some(MonthDay { month, day })
    }

    /// This day in `year`.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl TryFrom<String> for MonthDay {
    type Error = String;
    fn try_from(s: String) -> Result<MonthDay, String> {
        MonthDay::parse(&s).ok_or_else(|| format!("'{s}' is not a day of the form MM-DD"))
    }
}

impl From<MonthDay> for String {
    fn from(md: MonthDay) -> String {
        md.to_string()
    }
}

/// When reminders go out: the `reminders` setting, every field optional (defaults below).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReminderSettings {
    /// Days before an HTE certificate runs out, or before the tech-SME deadline, on which to
    /// remind: 180, 90, 30.
    pub credential_days: Vec<u32>,
    /// The yearly deadline by which a tech-SME renews its registration: `03-31` (the
    /// registration is current until the end of March of the next year).
    pub tech_sme_deadline: MonthDay,
    /// The day by which an HTE files its annual report: `05-31`.
    pub annual_report_due: MonthDay,
    /// Days before that on which to remind: 30, 7.
    pub annual_report_days: Vec<u32>,
    /// Weekday of the bureau's weekly summary, 1 = Monday … 7 = Sunday: 1.
    pub weekly_summary_weekday: u32,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            credential_days: vec![180, 90, 30],
            tech_sme_deadline: MonthDay { month: 3, day: 31 },
            annual_report_due: MonthDay { month: 5, day: 31 },
            annual_report_days: vec![30, 7],
            weekly_summary_weekday: 1,
        }
    }
}

impl ReminderSettings {
    /// Whether `day` is the weekly summary's weekday.
    pub fn is_summary_day(&self, day: NaiveDate) -> bool {
        day.weekday().number_from_monday() == self.weekly_summary_weekday
    }

    /// The tech-SME renewal deadline for a registration of `year`: in the next year.
    pub fn tech_sme_deadline_after(&self, year: i32) -> NaiveDate {
        self.tech_sme_deadline.in_year(year + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::stage::Credentials;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn state(stage: Stage, tech_sme: Option<i32>, hte: Option<&str>) -> FirmState {
        FirmState {
            stage,
            credentials: Credentials {
                tech_sme: tech_sme.map(|y| (y, format!("{y}4111000001"))),
                hte: hte.map(|on| ("GR202441000001".to_string(), d(on))),
                leader_since: None,
            },
        }
    }

    #[test]
    fn lapse_falls_due_on_the_first_of_april_not_a_day_earlier() {
        let s = state(Stage::TechSme, Some(2026), None);
        assert_eq!(due_event(&s, d("2027-03-31")), None);
        let due = due_event(&s, d("2027-04-01")).unwrap();
        assert_eq!(due.event, Event::LapseTechSme);
        assert_eq!(due.due_on, d("2027-04-01"));
        // Found late, it keeps its due day.
        assert_eq!(
            due_event(&s, d("2027-06-09")).unwrap().due_on,
            d("2027-04-01")
        );
    }

    #[test]
    fn lapse_day_agrees_with_the_stage_machine() {
        for year in 2020..2030 {
            let on = tech_sme_lapses_on(year);
            assert!(stage::tech_sme_current(year, on.pred_opt().unwrap()));
            assert!(!stage::tech_sme_current(year, on));
        }
    }

    #[test]
    fn expiry_falls_due_three_years_after_issue_to_the_day() {
        let s = state(Stage::HighTech, Some(2023), Some("2024-12-10"));
        assert_eq!(due_event(&s, d("2027-12-09")), None);
        let due = due_event(&s, d("2027-12-10")).unwrap();
        assert_eq!(due.event, Event::ExpireHighTech);
        assert_eq!(due.due_on, d("2027-12-10"));
        let leader = state(Stage::Leader, None, Some("2024-12-10"));
        assert!(due_event(&leader, d("2027-12-10")).is_some());
    }

    #[test]
    fn a_reserve_firm_that_never_registered_has_nothing_to_lapse() {
        assert_eq!(
            due_event(&state(Stage::Reserve, None, None), d("2026-01-05")),
            None
        );
        // One whose registration ended long before its HTE ran out lapses at once.
        let s = state(Stage::Reserve, Some(2022), None);
        assert_eq!(
            due_event(&s, d("2026-01-05")).unwrap().due_on,
            d("2023-04-01")
        );
    }

    #[test]
    fn prospects_exited_firms_and_current_credentials_have_nothing_due() {
        let today = d("2026-11-25");
        assert_eq!(due_event(&state(Stage::Prospect, None, None), today), None);
        assert_eq!(
            due_event(&state(Stage::Exited, Some(2020), None), today),
            None
        );
        assert_eq!(
            due_event(&state(Stage::Reserve, Some(2026), None), today),
            None
        );
        assert_eq!(
            due_event(&state(Stage::HighTech, None, Some("2024-01-01")), today),
            None
        );
        // An HTE's lapsed registration is no matter for the HTE stage.
        assert_eq!(
            due_event(
                &state(Stage::HighTech, Some(2020), Some("2025-01-01")),
                today
            ),
            None
        );
    }

    #[test]
    fn effective_date_is_the_due_day_kept_in_history_order() {
        let today = d("2026-11-25");
        let due = d("2026-11-20");
        assert_eq!(effective_date(due, Some(d("2026-01-01")), today), due);
        assert_eq!(
            effective_date(due, Some(d("2026-11-22")), today),
            d("2026-11-22")
        );
        assert_eq!(effective_date(due, None, today), due);
        assert_eq!(effective_date(d("2027-01-01"), None, today), today);
    }

    #[test]
    fn reminder_marks_fall_on_their_day_and_each_holds_until_the_next() {
        let deadline = d("2027-03-31");
        let marks = [180, 90, 30];
        let on = |days: u64| deadline - chrono::Days::new(days);
        assert_eq!(reminder_mark(deadline, on(181), &marks), None);
        assert_eq!(reminder_mark(deadline, on(180), &marks), Some(180));
        assert_eq!(reminder_mark(deadline, on(91), &marks), Some(180));
        assert_eq!(reminder_mark(deadline, on(90), &marks), Some(90));
        assert_eq!(reminder_mark(deadline, on(89), &marks), Some(90));
        assert_eq!(reminder_mark(deadline, on(30), &marks), Some(30));
        assert_eq!(reminder_mark(deadline, on(0), &marks), Some(30));
        assert_eq!(
            reminder_mark(deadline, deadline + chrono::Days::new(1), &marks),
            None
        );
        assert_eq!(reminder_mark(deadline, on(10), &[]), None);
    }

    #[test]
    fn reminder_settings_read_partial_json_and_refuse_nonsense() {
        let s: ReminderSettings =
            serde_json::from_str(r#"{"tech_sme_deadline": "02-28", "credential_days": [60]}"#)
                .unwrap();
        assert_eq!(s.tech_sme_deadline, MonthDay { month: 2, day: 28 });
        assert_eq!(s.credential_days, [60]);
        assert_eq!(s.annual_report_due, MonthDay { month: 5, day: 31 });
        assert!(
            serde_json::from_str::<ReminderSettings>(r#"{"tech_sme_deadline": "02-30"}"#).is_err()
        );
        assert!(serde_json::from_str::<ReminderSettings>(r#"{"typo": 1}"#).is_err());
        assert_eq!(
            ReminderSettings::default().tech_sme_deadline_after(2026),
            d("2027-03-31")
        );
        assert_eq!(
            MonthDay::parse("02-29").unwrap().in_year(2027),
            d("2027-02-28")
        );
        assert!(ReminderSettings::default().is_summary_day(d("2026-11-23")));
        assert!(!ReminderSettings::default().is_summary_day(d("2026-11-25")));
    }
}
