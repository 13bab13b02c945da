//! The targets dashboard of the bureau (the whole city) and of a county officer (their
//! county): progress toward each of this year's targets with where this year's pace leads,
//! firms by county and stage, the month-by-month movements into and out of each stage (from
//! `stage_events`), and the certificates and registrations ending in each of the next twelve
//! months. Every count is of the viewer's territory.

use super::targets::{targets_of, CITY};
use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::stage::{Role, Stage};
use crate::core::targets::{month_label, month_start_after, percent, projection, Metric};
use crate::store::firm_query::{self, Scope};
use crate::store::refdata::County;
use crate::store::reports;
use crate::store::DbConn;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// Progress toward one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// What is counted.
    pub metric: Metric,
    /// The target for 31 December, if one is set.
    pub target: Option<i64>,
    /// How many today.
    pub count: i64,
    /// How many on 1 January.
    pub at_start: i64,
    /// Where this year's pace leads by 31 December.
    pub projected: i64,
    /// `count` as a share of the target, in whole per cent.
    pub percent: i64,
}

/// One county's firms by stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyStages {
    /// The county.
    pub county: County,
    /// Firms per stage, in [`Stage::ALL`]'s order.
    pub counts: Vec<i64>,
}

/// One month's movements: per stage of [`Stage::ALL`], the firms that came in and went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthMoves {
    /// `YYYY-MM`.
    pub month: String,
    /// Firms that entered each stage.
    pub into: Vec<i64>,
    /// Firms that left each stage.
    pub out_of: Vec<i64>,
}

/// One month's endings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthEndings {
    /// `YYYY-MM`.
    pub month: String,
    /// HTE certificates ending.
    pub hte: i64,
    /// Tech-SME registrations ending.
    pub tech_sme: i64,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The year of the targets.
    pub year: i32,
    /// The day it was counted (China).
    pub today: NaiveDate,
    /// The county it is limited to (a county officer's), or none for the whole city.
    pub county: Option<County>,
    /// Progress toward each target, in [`Metric::ALL`]'s order.
    pub progress: Vec<Progress>,
    /// Firms by county and stage (the viewer's counties).
    pub by_county: Vec<CountyStages>,
    /// Movements this year, January to this month.
    pub months: Vec<MonthMoves>,
    /// Endings in this month and the eleven after.
    pub endings: Vec<MonthEndings>,
}

/// Who sees the targets dashboard: administrators, the bureau, county officers.
pub fn may_see(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau | Role::County)
}

fn stage_index(id: &str) -> Option<usize> {
    Stage::ALL.iter().position(|s| s.id() == id)
}

/// Per (county, metric): (the count today, the count on 1 January).
pub type MetricCounts = HashMap<(String, Metric), (i64, i64)>;

/// Per county and metric: (the count today, the count on 1 January). `cells` are firms by
/// (county, stage, count), `moves` this year's movements, both of the territory counted.
pub fn metric_counts(
    conn: &mut DbConn,
    today: NaiveDate,
    cells: &[(String, String, i64)],
    moves: &[reports::Movement],
) -> Result<MetricCounts, AppError> {
    let jan1 = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let mut out = MetricCounts::new();
    for metric in Metric::ALL {
        match metric.credential() {
            Some(kind) => {
                for (day, now) in [(today, true), (jan1, false)] {
                    for h in reports::holders_on(conn, kind, day)
                        .ctx("count the holders of a credential")?
                    {
                        let e = out.entry((h.county_code, metric)).or_default();
                        if now {
                            e.0 += 1;
                        } else {
                            e.1 += 1;
                        }
                    }
                }
            }
            None => {
                let reserve = Stage::Reserve.id();
                for (code, stage, n) in cells {
                    if stage == reserve {
                        let e = out.entry((code.clone(), metric)).or_default();
                        e.0 += n;
                        e.1 += n;
                    }
                }
                // Back to 1 January: undo this year's entries and exits.
                for m in moves {
                    let e = out.entry((m.county_code.clone(), metric)).or_default();
                    if m.to_stage == reserve {
                        e.1 -= 1;
                    }
                    if m.from_stage == reserve {
                        e.1 += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The dashboard for `p` on `today` (China date).
pub fn board(conn: &mut DbConn, p: &Principal, today: NaiveDate) -> Result<Board, AppError> {
    if !may_see(p) {
        return Err(AppError::Forbidden);
    }
    let settings = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &settings);
    let year = today.year();
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let (targets, counties) = targets_of(conn, year)?;
    let place = match &scope {
        Scope::County(c) => c.clone(),
        _ => CITY.to_string(),
    };
    let county = counties.iter().find(|c| c.code == place).cloned();

    // Firms by county and stage.
    let cells = firm_query::count_by_county_and_stage(conn, &scope)
        .ctx("count firms by county and stage")?;
    let mut by_county: Vec<CountyStages> = counties
        .iter()
        .filter(|c| scope.admits(0, &c.code, None) || cells.iter().any(|(k, _, _)| k == &c.code))
        .map(|c| CountyStages {
            county: c.clone(),
            counts: vec![0; Stage::ALL.len()],
        })
        .collect();
    for (code, stage, n) in &cells {
        if let (Some(row), Some(i)) = (
            by_county.iter_mut().find(|r| &r.county.code == code),
            stage_index(stage),
        ) {
            row.counts[i] += n;
        }
    }
    // Movements this year.
    let next_month = month_start_after(today, 1);
    let moves: Vec<_> = reports::movements_between(conn, jan1, next_month)
        .ctx("load this year's movements")?
        .into_iter()
        .filter(|m| scope.admits(m.firm_id, &m.county_code, m.advisor_id))
        .collect();
    let mut months: Vec<MonthMoves> = (0..today.month())
        .map(|m| MonthMoves {
            month: month_label(month_start_after(jan1, m)),
            into: vec![0; Stage::ALL.len()],
            out_of: vec![0; Stage::ALL.len()],
        })
        .collect();
    for m in &moves {
        let Some(row) = months.get_mut(m.as_of.month0() as usize) else {
            continue;
        };
        if let Some(i) = stage_index(&m.to_stage) {
            row.into[i] += 1;
        }
        if let Some(i) = stage_index(&m.from_stage) {
            row.out_of[i] += 1;
        }
    }

    // Progress toward each target.
    let counts = metric_counts(conn, today, &cells, &moves)?;
    let mut progress = Vec::new();
    for metric in Metric::ALL {
        let (count, at_start) = counts
            .iter()
            .filter(|((code, m), _)| *m == metric && scope.admits(0, code, None))
            .fold((0, 0), |(a, b), (_, (n, s))| (a + n, b + s));
        let target = targets.get(&(place.clone(), metric)).copied();
        progress.push(Progress {
            metric,
            target,
            count,
            at_start,
            projected: projection(at_start, count, today),
            percent: target.map_or(0, |t| percent(count, t)),
        });
    }

    // Certificates and registrations ending, this month and the eleven after.
    let first = month_start_after(today, 0);
    let horizon = month_start_after(today, 12);
    let mut endings: Vec<MonthEndings> = (0..12)
        .map(|m| MonthEndings {
            month: month_label(month_start_after(first, m)),
            hte: 0,
            tech_sme: 0,
        })
        .collect();
    let index: HashMap<String, usize> = endings
        .iter()
        .enumerate()
        .map(|(i, e)| (e.month.clone(), i))
        .collect();
    let ending = reports::expiring_between(conn, today, horizon.pred_opt().unwrap_or(horizon))
        .ctx("load the credentials ending")?;
    for e in ending
        .iter()
        .filter(|e| scope.admits(e.firm_id, &e.county_code, e.advisor_id))
    {
        if let Some(&i) = index.get(&month_label(e.valid_until)) {
            match e.kind.as_str() {
                "hte" => endings[i].hte += 1,
                "tech_sme" => endings[i].tech_sme += 1,
                _ => {}
            }
        }
    }
    Ok(Board {
        year,
        today,
        county,
        progress,
        by_county,
        months,
        endings,
    })
}
