//! Read-only views that evaluate: the what-if of one firm and the
//! dashboard's recent changes and expiring credentials. All are limited by
//! [`crate::app::access::scope`] and write nothing.

use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::today;
use crate::app::principal::Principal;
use crate::core::error::InputError;
use crate::core::eval::Evaluation;
use crate::core::money::Fen;
use crate::core::profile::{FirmYear, Profile};
use crate::core::rules::{self, RuleSet};
use crate::core::stage::Stage;
use crate::store::firms::{self, Firm};
use crate::store::reports::{self, Expiring, StageChange};
use crate::store::{profile, settings, DbConn};
use chrono::{Datelike, Days, NaiveDate};

/// Figures to try instead of the recorded ones; `None` keeps the recorded value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WhatIfChanges {
    /// The fiscal year the amounts and conversions belong to.
    pub year: Option<i32>,
    /// Revenue that year.
    pub revenue: Option<Fen>,
    /// R&D expense that year (the domestic part follows it when it would exceed it).
    pub rd_expense: Option<Fen>,
    /// High-tech revenue that year.
    pub high_tech_revenue: Option<Fen>,
    /// Head count.
    pub employees: Option<u32>,
    /// Technical staff.
    pub tech_staff: Option<u32>,
    /// Class-I IP items.
    pub ip_class_one: Option<u32>,
    /// Class-II IP items.
    pub ip_class_two: Option<u32>,
    /// Conversions of results that year.
    pub conversions: Option<u32>,
}

impl WhatIfChanges {
    /// Whether anything is changed.
    pub fn is_empty(&self) -> bool {
        *self
            == WhatIfChanges {
                year: self.year,
                ..WhatIfChanges::default()
            }
    }

    /// A copy of `p` with these changes applied.
    pub fn apply(&self, p: &Profile) -> Profile {
        let mut out = p.clone();
        if let Some(n) = self.employees {
            out.employees = Some(n);
        }
        if let Some(n) = self.tech_staff {
            out.tech_staff = Some(n);
        }
        if let Some(n) = self.ip_class_one {
            out.ip.class_one = Some(n);
        }
        if let Some(n) = self.ip_class_two {
            out.ip.class_two = Some(n);
        }
        let Some(year) = self.year else {
            return out;
        };
        if let Some(n) = self.conversions {
            out.conversions.insert(year, n);
        }
        let touches_year =
            self.revenue.is_some() || self.rd_expense.is_some() || self.high_tech_revenue.is_some();
        if touches_year {
            let i = match out.financials.iter().position(|y| y.year == year) {
                Some(i) => i,
                None => {
                    out.financials.push(FirmYear {
                        year,
                        ..FirmYear::default()
                    });
                    out.financials.sort_by_key(|y| y.year);
                    out.financials
                        .iter()
                        .position(|y| y.year == year)
                        .unwrap_or(0)
                }
            };
            if let Some(y) = out.financials.get_mut(i) {
                if let Some(v) = self.revenue {
                    y.revenue = Some(v);
                }
                if let Some(v) = self.rd_expense {
                    y.rd_expense = Some(v);
                    if y.rd_expense_domestic.is_none_or(|d| d > v) {
                        y.rd_expense_domestic = Some(v);
                    }
                }
                if let Some(v) = self.high_tech_revenue {
                    y.high_tech_revenue = Some(v);
                }
            }
        }
        out
    }
}

/// A firm evaluated for its next stage as recorded and with the changes.
#[derive(Debug, Clone)]
pub struct WhatIf {
    /// The firm.
    pub firm: Firm,
    /// The recorded profile.
    pub profile: Profile,
    /// The next stage and its rule set; `None` at the top or after exit.
    pub next: Option<(Stage, RuleSet)>,
    /// Today's evaluation.
    pub today: Option<Result<Evaluation, InputError>>,
    /// The evaluation with the changes.
    pub changed: Option<Result<Evaluation, InputError>>,
    /// The date evaluated as of.
    pub as_of: NaiveDate,
    /// The year the changed amounts belong to (the latest recorded when not given).
    pub year: i32,
}

/// Evaluate firm `firm_id` for its next stage as recorded and with `changes`, for anyone who
/// may read it. Nothing is written.
pub fn what_if(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    changes: &WhatIfChanges,
) -> Result<WhatIf, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for what-if")?;
    access::require_read(p, &s, &firm)?;
    let prof = profile::load_profile(conn, firm_id).ctx("load profile for what-if")?;
    let thresholds = settings::thresholds(conn).ctx("load thresholds for what-if")?;
    let stage = firm.current_stage().ctx("read stage for what-if")?;
    let as_of = today();
    let next = stage.next();
    let year = changes
        .year
        .unwrap_or_else(|| prof.financials.last().map_or(as_of.year() - 1, |y| y.year));
    let changes = WhatIfChanges {
        year: Some(year),
        ..changes.clone()
    };
    let (today_ev, changed) = match next {
        None => (None, None),
        Some((_, ruleset)) => {
            let modified = changes.apply(&prof);
            (
                Some(rules::evaluate(&prof, ruleset, as_of, &thresholds)),
                Some(rules::evaluate(&modified, ruleset, as_of, &thresholds)),
            )
        }
    };
    Ok(WhatIf {
        firm,
        profile: prof,
        next,
        today: today_ev,
        changed,
        as_of,
        year,
    })
}

/// How far ahead the dashboard looks for expiring credentials.
pub const EXPIRY_WINDOW_DAYS: u64 = 90;

/// The dashboard's lists of change.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Stage changes this month (China time), newest first.
    pub changes: Vec<StageChange>,
    /// Credentials in force that end within [`EXPIRY_WINDOW_DAYS`], soonest first.
    pub expiring: Vec<Expiring>,
    /// The first day of this month.
    pub month_start: NaiveDate,
    /// The end of the expiry window.
    pub window_end: NaiveDate,
}

/// Recent stage changes and expiring credentials of the firms in `p`'s scope, as of `as_of`.
pub fn activity(conn: &mut DbConn, p: &Principal, as_of: NaiveDate) -> Result<Activity, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let scope = access::scope(p, &s);
    let month_start = as_of.with_day(1).unwrap_or(as_of);
    let window_end = as_of
        .checked_add_days(Days::new(EXPIRY_WINDOW_DAYS))
        .unwrap_or(as_of);
    let changes = reports::stage_changes_since(conn, month_start)
        .ctx("load this month's stage changes")?
        .into_iter()
        .filter(|c| scope.admits(c.firm_id, &c.county_code, c.advisor_id))
        .collect();
    let expiring = reports::expiring_between(conn, as_of, window_end)
        .ctx("load expiring credentials")?
        .into_iter()
        .filter(|c| scope.admits(c.firm_id, &c.county_code, c.advisor_id))
        .collect();
    Ok(Activity {
        changes,
        expiring,
        month_start,
        window_end,
    })
}
