//! What the JSON API reads and the territory checks in front of its writes. Every function
//! checks access through [`crate::app::access`]: a firm outside the caller's territory is
//! `NotFound`, exactly as on the pages.

use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, StoreContext};
use crate::app::firms::derived::today;
use crate::app::firms::read::NextEvaluation;
use crate::app::firms::stage::{fire_event, FiredEvent};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::core::eval::Evaluation;
use crate::core::profile::Profile;
use crate::core::rules::{self, RuleSet};
use crate::core::stage::Event;
use crate::store::firms::{self, Firm};
use crate::store::ip::{self, IpItem};
use crate::store::years::{self, FirmYearRow};
use crate::store::{profile, settings, DbConn};
use chrono::NaiveDate;

/// The firm `firm_id` if `p` may at least read it; `NotFound` otherwise.
pub fn visible_firm(conn: &mut DbConn, p: &Principal, firm_id: i64) -> Result<Firm, AppError> {
    let s = AccessSettings::load(conn, p)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm")?;
    access::require_read(p, &s, &firm)?;
    Ok(firm)
}

/// A firm's yearly figures, oldest first.
pub fn firm_years(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
) -> Result<Vec<FirmYearRow>, AppError> {
    visible_firm(conn, p, firm_id)?;
    years::list_for_firm(conn, firm_id).ctx("load years")
}

/// A firm's IP items, in the order recorded.
pub fn firm_ip(conn: &mut DbConn, p: &Principal, firm_id: i64) -> Result<Vec<IpItem>, AppError> {
    visible_firm(conn, p, firm_id)?;
    ip::list_for_firm(conn, firm_id).ctx("load IP")
}

/// The next stage's evaluation of a firm as of today (China), as on the firm page.
pub fn next_evaluation(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
) -> Result<(Firm, NextEvaluation), AppError> {
    let firm = visible_firm(conn, p, firm_id)?;
    let stage = firm.current_stage().ctx("read stage")?;
    let next = NextEvaluation::of(stage, today(), || {
        Ok((
            profile::load_profile(conn, firm.id).ctx("load profile")?,
            settings::thresholds(conn).ctx("load thresholds")?,
        ))
    })?;
    Ok((firm, next))
}

/// Wrap a use case on one firm: run it only if `p` may see the firm, so that firms outside
/// the territory are `NotFound` for writes as for reads.
pub fn on_visible_firm<T>(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    f: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    visible_firm(conn, p, firm_id)?;
    f(conn)
}

/// Fire `event` as `p`: `NotFound` outside the territory, `Forbidden` for a role that may not
/// fire this kind of event at all, then [`fire_event`] (409 for a stale version or an
/// illegal transition, with every reason).
pub fn fire_visible(
    conn: &mut DbConn,
    p: &Principal,
    firm_id: i64,
    expected_version: i64,
    event: Event,
) -> Result<FiredEvent, AppError> {
    let firm = visible_firm(conn, p, firm_id)?;
    if !event.kind().allowed_for(p.role) || !p.can_act_on_firm(&firm) {
        return Err(AppError::Forbidden);
    }
    fire_event(conn, firm_id, Some(expected_version), event, p, today())
}

/// Evaluate a posted profile (the JSON of DESIGN §3) against `ruleset` as of `as_of` (today
/// when absent), with the bureau's local thresholds. Bad input says which field, with the same
/// messages as `peiyu eval`.
pub fn evaluate_profile(
    conn: &mut DbConn,
    ruleset: &str,
    as_of: Option<&str>,
    body: &str,
) -> Result<Evaluation, AppError> {
    let ruleset = RuleSet::parse(ruleset.trim())?;
    let as_of = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
        None => today(),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            InputError::new(
                "as_of",
                "invalid_date",
                Text::new("app.firms.invalid_date").plain("s", s),
            )
        })?,
    };
    let profile = Profile::from_json(body)?;
    let thresholds = settings::thresholds(conn).ctx("load thresholds")?;
    Ok(rules::evaluate(&profile, ruleset, as_of, &thresholds)?)
}
