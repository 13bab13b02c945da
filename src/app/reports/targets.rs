//! Yearly targets: the bureau (and administrators) set, per year, how many HTEs, tech-SMEs and
//! reserve firms the whole city and each county mean to have by 31 December. A year's
//! targets are saved together, with an audit row holding what was there before.

use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::core::stage::Role;
use crate::core::targets::{Metric, MAX_TARGET};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::refdata::{self, County};
use crate::store::targets::{self, NewTarget};
use crate::store::{self, DbConn};
use chrono::Utc;
use serde_json::json;
use std::collections::BTreeMap;

/// Where a target applies: the whole city, or one county.
pub const CITY: &str = "";

/// The earliest and latest year a target may be set for.
pub const YEARS: (i32, i32) = (2000, 2100);

/// The targets of a year: (county code or [`CITY`], metric) → value.
pub type Values = BTreeMap<(String, Metric), i64>;

/// Who may set targets: administrators and the bureau.
pub fn may_set(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau)
}

/// The targets of `year`, and the counties a form offers.
pub fn targets_of(conn: &mut DbConn, year: i32) -> Result<(Values, Vec<County>), AppError> {
    let rows = targets::for_year(conn, year).ctx("read the targets")?;
    let values = rows
        .into_iter()
        .filter_map(|t| Metric::parse(&t.metric).map(|m| ((t.county_code, m), t.value)))
        .collect();
    let counties = refdata::counties(conn).ctx("read the counties")?;
    Ok((values, counties))
}

/// The field of a target in forms and errors: `city.high_tech`, `411102.reserve`.
pub fn field(county: &str, metric: Metric) -> String {
    let place = if county == CITY { "city" } else { county };
    format!("{place}.{}", metric.id())
}

/// Check one target as typed: blank is no target; else a whole number from 0 to
/// [`MAX_TARGET`].
pub fn parse_value(field: &str, raw: &str) -> Result<Option<i64>, InputError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(v) if (0..=MAX_TARGET).contains(&v) => Ok(Some(v)),
        _ => Err(value_error(field)),
    }
}

fn value_error(field: &str) -> InputError {
    InputError::new(
        field,
        "invalid_target",
        Text::new("targets.error.value").plain("max", MAX_TARGET),
    )
}

/// Replace the targets of `year` by `values` (blank ones left out), as `p`; a county that does
/// not exist or a year out of range is bad input, and nothing is written.
pub fn set_targets(
    conn: &mut DbConn,
    p: &Principal,
    year: i32,
    values: &Values,
) -> Result<(), AppError> {
    if !may_set(p) {
        return Err(AppError::Forbidden);
    }
    if !(YEARS.0..=YEARS.1).contains(&year) {
        return Err(AppError::bad_input(
            "year",
            "invalid_year",
            Text::new("targets.error.year")
                .plain("from", YEARS.0)
                .plain("to", YEARS.1),
        ));
    }
    let now = Utc::now().naive_utc();
    store::write_tx(conn, |c| {
        let counties = refdata::counties(c).ctx("read the counties")?;
        let mut rows = Vec::new();
        for ((county, metric), value) in values {
            if county != CITY && !counties.iter().any(|k| &k.code == county) {
                return Err(AppError::bad_input(
                    &field(county, *metric),
                    "unknown_county",
                    Text::new("targets.error.county").plain("county", county),
                ));
            }
            if !(0..=MAX_TARGET).contains(value) {
                return Err(AppError::BadInput(value_error(&field(county, *metric))));
            }
            rows.push(NewTarget {
                year,
                county_code: county.clone(),
                metric: metric.id().to_string(),
                value: *value,
                updated_by: p.user_id,
                updated_at: now,
            });
        }
        let before: BTreeMap<String, i64> = targets::for_year(c, year)
            .ctx("read the targets")?
            .into_iter()
            .filter_map(|t| Metric::parse(&t.metric).map(|m| (field(&t.county_code, m), t.value)))
            .collect();
        let after: BTreeMap<String, i64> = values
            .iter()
            .map(|((county, m), v)| (field(county, *m), *v))
            .collect();
        if before == after {
            return Ok(());
        }
        targets::replace_year(c, year, &rows).ctx("save the targets")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: p.user_id,
                actor_role: p.role.id(),
                action: "set_targets",
                entity: "targets",
                entity_id: Some(i64::from(year)),
                detail: json!({"year": year, "before": before, "after": after}).to_string(),
                at: now,
            },
        )
        .ctx("write audit row for set_targets")?;
        Ok(())
    })
}
