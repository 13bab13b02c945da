//! The derived next-stage columns of a firm: next stage, its rule set, eligibility, readiness
//! and the score margin that breaks readiness ties.

use crate::app::error::{AppError, StoreContext};
use crate::core::profile::Profile;
use crate::core::rules::{self, Thresholds};
use crate::core::stage::Stage;
use crate::store::firms::{self, Derived};
use crate::store::{self, profile, settings, DbConn};
use chrono::{NaiveDate, NaiveDateTime, Utc};

/// Today in China (UTC+8, no daylight saving): the date evaluations are made as of.
pub fn today() -> NaiveDate {
    crate::core::clock::china_date(Utc::now().naive_utc())
}

/// The derived columns for a firm in `stage` with `profile`: the next stage's rule set
/// evaluated as of `as_of`. At the top of the ladder or after exit everything is NULL; a
/// profile the rules cannot evaluate (bad input) leaves eligibility NULL and readiness 0. The
/// margin is [`crate::core::eval::Evaluation::score_margin`], 0 for a rule set without a score.
pub fn derive(
    stage: Stage,
    profile: &Profile,
    thresholds: &Thresholds,
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> Derived {
    match stage.next() {
        None => Derived {
            next_stage: None,
            next_ruleset: None,
            next_eligible: None,
            readiness: 0,
            readiness_margin: 0,
            evaluated_at: Some(now),
        },
        Some((next, ruleset)) => {
            let (eligible, readiness, margin) =
                match rules::evaluate(profile, ruleset, as_of, thresholds) {
                    Ok(ev) => (
                        ev.eligible,
                        i32::from(ev.readiness.min(100)),
                        ev.score_margin().unwrap_or(0),
                    ),
                    Err(_) => (None, 0, 0),
                };
            Derived {
                next_stage: Some(next.id().to_string()),
                next_ruleset: Some(ruleset.id().to_string()),
                next_eligible: eligible,
                readiness,
                readiness_margin: margin,
                evaluated_at: Some(now),
            }
        }
    }
}

/// Recompute one firm's derived columns inside the caller's transaction.
pub(crate) fn recompute_in_tx(
    conn: &mut DbConn,
    firm_id: i64,
    as_of: NaiveDate,
) -> Result<Derived, AppError> {
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm to recompute")?;
    let stage = firm.current_stage().ctx("read firm stage to recompute")?;
    let profile = profile::load_profile(conn, firm_id).ctx("load profile to recompute")?;
    let thresholds = settings::thresholds(conn).ctx("load thresholds to recompute")?;
    let derived = derive(stage, &profile, &thresholds, as_of, Utc::now().naive_utc());
    firms::set_derived(conn, firm_id, &derived).ctx("write derived columns")?;
    Ok(derived)
}

/// Recompute one firm's derived columns as of today, in its own transaction.
pub fn recompute_firm(conn: &mut DbConn, firm_id: i64) -> Result<Derived, AppError> {
    store::write_tx(conn, |c| recompute_in_tx(c, firm_id, today()))
}

/// The settings key a migration sets when it adds a derived column that existing firms lack.
pub const RESCORE_PENDING: &str = "derived.rescore_pending";

/// Re-score every firm if a migration asked for it ([`RESCORE_PENDING`]), and clear the
/// request in the same transaction; returns how many firms were re-scored (`None`: none was
/// asked for). `peiyu migrate` and the daily tick call it, so a database upgraded either way
/// gets its new derived columns filled.
pub fn rescore_if_pending(conn: &mut DbConn) -> Result<Option<usize>, AppError> {
    if settings::get(conn, RESCORE_PENDING)
        .ctx("read the re-score request")?
        .is_none()
    {
        return Ok(None);
    }
    store::write_tx(conn, |c| {
        let n = rescore_all(c)?;
        settings::delete(c, RESCORE_PENDING).ctx("clear the re-score request")?;
        Ok(Some(n))
    })
}

/// Re-evaluate every firm as of today and write the derived columns; returns how many firms.
pub fn rescore_all(conn: &mut DbConn) -> Result<usize, AppError> {
    rescore_all_as_of(conn, today())
}

/// [`rescore_all`] as of a given date. One transaction: a few set-based reads (firms, years,
/// IP counts, credentials), the evaluations in memory, then batched writes.
pub fn rescore_all_as_of(conn: &mut DbConn, as_of: NaiveDate) -> Result<usize, AppError> {
    store::write_tx(conn, |c| {
        let thresholds = settings::thresholds(c).ctx("load thresholds to re-score")?;
        let all = profile::load_all_profiles(c).ctx("load all profiles to re-score")?;
        let now = Utc::now().naive_utc();
        let rows: Vec<(i64, Derived)> = all
            .iter()
            .map(|fp| {
                (
                    fp.firm_id,
                    derive(fp.stage, &fp.profile, &thresholds, as_of, now),
                )
            })
            .collect();
        firms::set_derived_many(c, &rows).ctx("write derived columns of all firms")?;
        Ok(rows.len())
    })
}
