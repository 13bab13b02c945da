//! The county scorecard (督导考核): one row per county — this year's targets and today's
//! counts with the net change since 1 January, the share of assigned firms contacted in the
//! last [`CONTACT_DAYS`] days, firms whose planned contact is overdue, pending issues by age,
//! and reserve firms that meet the HTE rules but have not applied. The bureau sees every
//! county; a county officer their own row.

use super::board::{may_see, metric_counts};
use super::targets::targets_of;
use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::stage::Stage;
use crate::core::targets::{month_start_after, Metric};
use crate::store::firm_query;
use crate::store::refdata::County;
use crate::store::reports;
use crate::store::DbConn;
use chrono::{Datelike, Days, NaiveDate};
use std::collections::HashSet;

/// A contact within this many days counts as recent.
pub const CONTACT_DAYS: u64 = 60;

/// Pending issues by age: up to 30 days, 31 to 90, over 90.
pub const ISSUE_AGES: [i64; 2] = [30, 90];

/// One metric of a county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// The target for 31 December, if set.
    pub target: Option<i64>,
    /// Today.
    pub now: i64,
    /// Today minus 1 January.
    pub net: i64,
}

/// One county's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The county.
    pub county: County,
    /// Per metric of [`Metric::ALL`].
    pub counts: Vec<Count>,
    /// Firms with an advisor (not exited).
    pub assigned: i64,
    /// Of those, contacted in the last [`CONTACT_DAYS`] days.
    pub contacted: i64,
    /// Firms whose planned next contact is past.
    pub overdue: i64,
    /// Pending issues by age ([`ISSUE_AGES`]): up to 30 days, 31–90, over 90.
    pub issues: [i64; 3],
    /// Reserve firms meeting the HTE rules with no HTE application in progress.
    pub ready_not_applied: i64,
}

impl Row {
    /// The share contacted, in basis points (1/10,000), floored (0 with nobody assigned).
    pub fn contacted_bp(&self) -> i64 {
        if self.assigned == 0 {
            0
        } else {
            self.contacted * 10_000 / self.assigned
        }
    }

    /// The share contacted, in whole per cent, floored (the floor of the floor of basis
    /// points is the same number).
    pub fn contacted_percent(&self) -> i64 {
        self.contacted_bp() / 100
    }
}

/// What the scorecard can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// County code (the default).
    #[default]
    County,
    /// HTEs today.
    HighTech,
    /// HTEs as a share of the target.
    HighTechShare,
    /// Share contacted.
    Contacted,
    /// Overdue contacts.
    Overdue,
    /// Pending issues over 90 days.
    OldIssues,
    /// Ready but not applied.
    Ready,
}

impl Sort {
    /// Every key.
    pub const ALL: [Sort; 7] = [
        Sort::County,
        Sort::HighTech,
        Sort::HighTechShare,
        Sort::Contacted,
        Sort::Overdue,
        Sort::OldIssues,
        Sort::Ready,
    ];

    /// Stable id, as in `?sort=`.
    pub fn id(self) -> &'static str {
        match self {
            Sort::County => "county",
            Sort::HighTech => "high_tech",
            Sort::HighTechShare => "high_tech_share",
            Sort::Contacted => "contacted",
            Sort::Overdue => "overdue",
            Sort::OldIssues => "old_issues",
            Sort::Ready => "ready",
        }
    }

    /// Parse an id.
    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// The scorecard of `p`'s counties on `today`, sorted by `sort` (descending when `desc`).
pub fn scorecard(
    conn: &mut DbConn,
    p: &Principal,
    today: NaiveDate,
    sort: Sort,
    desc: bool,
) -> Result<Vec<Row>, AppError> {
    if !may_see(p) {
        return Err(AppError::Forbidden);
    }
    let settings = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &settings);
    let year = today.year();
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let (targets, counties) = targets_of(conn, year)?;
    let cells = firm_query::count_by_county_and_stage(conn, &scope)
        .ctx("count firms by county and stage")?;
    let moves: Vec<_> = reports::movements_between(conn, jan1, month_start_after(today, 1))
        .ctx("load this year's movements")?
        .into_iter()
        .filter(|m| scope.admits(m.firm_id, &m.county_code, m.advisor_id))
        .collect();
    let counts = metric_counts(conn, today, &cells, &moves)?;
    let facts = reports::firm_facts(conn).ctx("load the firms")?;
    let issues = reports::pending_issues(conn).ctx("load the pending issues")?;
    let applying: HashSet<i64> = reports::firms_applying(conn, "high_tech")
        .ctx("load the HTE applications")?
        .into_iter()
        .collect();
    let recent = today
        .checked_sub_days(Days::new(CONTACT_DAYS))
        .unwrap_or(today);
    let county_of: std::collections::HashMap<i64, &str> = facts
        .iter()
        .map(|f| (f.id, f.county_code.as_str()))
        .collect();
    let mut rows: Vec<Row> = counties
        .into_iter()
        .filter(|c| scope.admits(0, &c.code, None))
        .map(|county| {
            let code = county.code.clone();
            let counts = Metric::ALL
                .iter()
                .map(|m| {
                    let (now, start) = counts.get(&(code.clone(), *m)).copied().unwrap_or((0, 0));
                    Count {
                        target: targets.get(&(code.clone(), *m)).copied(),
                        now,
                        net: now - start,
                    }
                })
                .collect();
            let mine = facts.iter().filter(|f| f.county_code == code);
            let assigned: Vec<_> = mine.clone().filter(|f| f.advisor_id.is_some()).collect();
            let contacted = assigned
                .iter()
                .filter(|f| f.last_contact_on.is_some_and(|d| d >= recent))
                .count();
            let overdue = assigned
                .iter()
                .filter(|f| f.next_contact_on.is_some_and(|d| d < today))
                .count();
            let ready = mine
                .filter(|f| {
                    f.stage == Stage::Reserve.id()
                        && f.next_eligible == Some(true)
                        && !applying.contains(&f.id)
                })
                .count();
            let mut by_age = [0_i64; 3];
            for (firm, raised) in &issues {
                if county_of.get(firm) == Some(&code.as_str()) {
                    let age = (today - *raised).num_days();
                    let i = ISSUE_AGES.iter().filter(|a| age > **a).count();
                    by_age[i] += 1;
                }
            }
            let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
            Row {
                county,
                counts,
                assigned: n(assigned.len()),
                contacted: n(contacted),
                overdue: n(overdue),
                issues: by_age,
                ready_not_applied: n(ready),
            }
        })
        .collect();
    let key = |r: &Row| -> (i64, i64) {
        let hte = r.counts.first().copied().unwrap_or_default();
        match sort {
            Sort::County => (0, 0),
            Sort::HighTech => (hte.now, 0),
            // Per mille of the target, floored (ties fall back to the county code); a county
            // without a target sorts below every share.
            Sort::HighTechShare => (
                hte.target
                    .filter(|t| *t > 0)
                    .map_or(-1, |t| hte.now * 1000 / t),
                0,
            ),
            Sort::Contacted => (r.contacted_percent(), r.contacted),
            Sort::Overdue => (r.overdue, 0),
            Sort::OldIssues => (r.issues[2], r.issues[1]),
            Sort::Ready => (r.ready_not_applied, 0),
        }
    };
    rows.sort_by(|a, b| {
        let o = key(a).cmp(&key(b));
        let o = if desc { o.reverse() } else { o };
        o.then_with(|| a.county.code.cmp(&b.county.code))
    });
    Ok(rows)
}
