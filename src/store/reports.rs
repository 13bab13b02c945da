//! Dashboard reports across firms: recent stage changes and credentials about to expire. Each
//! row carries the firm's county and advisor so the caller can limit it to a viewer's scope.

use super::dialect::any_of;
use super::schema::{applications, credentials, firm_issues, firms, stage_events};
use super::{DbConn, StoreError};
use chrono::NaiveDate;
use diesel::prelude::*;

/// A stage change and the firm it happened to.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StageChange {
    /// Firm id.
    pub firm_id: i64,
    /// Firm name.
    pub firm_name: String,
    /// Firm county.
    pub county_code: String,
    /// Firm advisor.
    pub advisor_id: Option<i64>,
    /// Event id.
    pub event: String,
    /// Stage before.
    pub from_stage: String,
    /// Stage after.
    pub to_stage: String,
    /// Date the event took effect.
    pub as_of: NaiveDate,
}

/// Events on or after `since` that moved a firm to another stage, newest first.
pub fn stage_changes_since(
    conn: &mut DbConn,
    since: NaiveDate,
) -> Result<Vec<StageChange>, StoreError> {
    Ok(stage_events::table
        .inner_join(firms::table)
        .filter(stage_events::as_of.ge(since))
        .filter(stage_events::from_stage.ne(stage_events::to_stage))
        .order((stage_events::as_of.desc(), stage_events::id.desc()))
        .select((
            firms::id,
            firms::name,
            firms::county_code,
            firms::advisor_id,
            stage_events::event,
            stage_events::from_stage,
            stage_events::to_stage,
            stage_events::as_of,
        ))
        .load(conn)?)
}

/// A credential in force that ends soon, and its firm.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Expiring {
    /// Firm id.
    pub firm_id: i64,
    /// Firm name.
    pub firm_name: String,
    /// Firm county.
    pub county_code: String,
    /// Firm advisor.
    pub advisor_id: Option<i64>,
    /// Credential kind id.
    pub kind: String,
    /// Its number.
    pub number: Option<String>,
    /// The first day it is no longer in force.
    pub valid_until: NaiveDate,
}

/// Active credentials still in force on `from` whose `valid_until` falls in `(from, until]`,
/// soonest first.
pub fn expiring_between(
    conn: &mut DbConn,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Expiring>, StoreError> {
    Ok(credentials::table
        .inner_join(firms::table)
        .filter(credentials::status.eq("active"))
        .filter(credentials::valid_until.gt(from))
        .filter(credentials::valid_until.le(until))
        .order((credentials::valid_until.asc(), credentials::id.asc()))
        .select((
            firms::id,
            firms::name,
            firms::county_code,
            firms::advisor_id,
            credentials::kind,
            credentials::number,
            credentials::valid_until.assume_not_null(),
        ))
        .load(conn)?)
}

/// A firm's move from one stage to another, with what a scope needs to admit it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Movement {
    /// Firm id.
    pub firm_id: i64,
    /// Firm county (now).
    pub county_code: String,
    /// Firm advisor (now).
    pub advisor_id: Option<i64>,
    /// Stage before.
    pub from_stage: String,
    /// Stage after.
    pub to_stage: String,
    /// Date the event took effect.
    pub as_of: NaiveDate,
}

/// Every move between stages that took effect in `[from, until)`, oldest first.
pub fn movements_between(
    conn: &mut DbConn,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Movement>, StoreError> {
    Ok(stage_events::table
        .inner_join(firms::table)
        .filter(stage_events::as_of.ge(from))
        .filter(stage_events::as_of.lt(until))
        .filter(stage_events::from_stage.ne(stage_events::to_stage))
        .order((stage_events::as_of.asc(), stage_events::id.asc()))
        .select((
            firms::id,
            firms::county_code,
            firms::advisor_id,
            stage_events::from_stage,
            stage_events::to_stage,
            stage_events::as_of,
        ))
        .load(conn)?)
}

/// A firm holding a credential in force on a day.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Holder {
    /// Firm id.
    pub firm_id: i64,
    /// Firm county.
    pub county_code: String,
    /// Firm advisor.
    pub advisor_id: Option<i64>,
}

/// The firms holding a credential of `kind` in force on `on` (issued by then, not yet ended,
/// not revoked), each once, by id.
pub fn holders_on(conn: &mut DbConn, kind: &str, on: NaiveDate) -> Result<Vec<Holder>, StoreError> {
    let mut rows: Vec<Holder> = credentials::table
        .inner_join(firms::table)
        .filter(credentials::kind.eq(kind))
        .filter(credentials::status.ne("revoked"))
        .filter(credentials::valid_from.le(on))
        .filter(
            credentials::valid_until
                .is_null()
                .or(credentials::valid_until.gt(on)),
        )
        .order(firms::id.asc())
        .select((firms::id, firms::county_code, firms::advisor_id))
        .load(conn)?;
    rows.dedup_by_key(|h| h.firm_id);
    Ok(rows)
}

/// What the county scorecard needs of a firm.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct FirmFacts {
    /// Firm id.
    pub id: i64,
    /// County.
    pub county_code: String,
    /// Advisor.
    pub advisor_id: Option<i64>,
    /// Stage id.
    pub stage: String,
    /// Whether it meets the next stage's rules now.
    pub next_eligible: Option<bool>,
    /// The last contact.
    pub last_contact_on: Option<NaiveDate>,
    /// The next planned contact.
    pub next_contact_on: Option<NaiveDate>,
}

/// Every firm that has not exited, with what the scorecard counts.
pub fn firm_facts(conn: &mut DbConn) -> Result<Vec<FirmFacts>, StoreError> {
    Ok(firms::table
        .filter(firms::stage.ne("exited"))
        .order(firms::id.asc())
        .select((
            firms::id,
            firms::county_code,
            firms::advisor_id,
            firms::stage,
            firms::next_eligible,
            firms::last_contact_on,
            firms::next_contact_on,
        ))
        .load(conn)?)
}

/// The issues still pending (open or in progress): (firm id, raised on).
pub fn pending_issues(conn: &mut DbConn) -> Result<Vec<(i64, NaiveDate)>, StoreError> {
    Ok(firm_issues::table
        .filter(any_of(firm_issues::status, ["open", "in_progress"]))
        .select((firm_issues::firm_id, firm_issues::raised_on))
        .load(conn)?)
}

/// The firms with an application for `target` in progress or recommended (not yet decided
/// nationally), each once.
pub fn firms_applying(conn: &mut DbConn, target: &str) -> Result<Vec<i64>, StoreError> {
    let mut ids: Vec<i64> = applications::table
        .filter(applications::target.eq(target))
        .filter(
            any_of(applications::status, super::applications::OPEN)
                .or(applications::status.eq("approved")),
        )
        .select(applications::firm_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A firm the "should register" list considers.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Candidate {
    /// Firm id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// USCC.
    pub uscc: String,
    /// County.
    pub county_code: String,
    /// Advisor.
    pub advisor_id: Option<i64>,
    /// Stage id.
    pub stage: String,
    /// Whether it meets the next stage's rules now.
    pub next_eligible: Option<bool>,
    /// Readiness for the next stage, 0–100.
    pub readiness: i32,
    /// The last contact.
    pub last_contact_on: Option<NaiveDate>,
}

/// Prospects and reserve firms, most ready first.
pub fn register_candidates(conn: &mut DbConn) -> Result<Vec<Candidate>, StoreError> {
    Ok(firms::table
        .filter(any_of(firms::stage, ["prospect", "reserve"]))
        .order((firms::readiness.desc(), firms::name.asc(), firms::id.asc()))
        .select((
            firms::id,
            firms::name,
            firms::uscc,
            firms::county_code,
            firms::advisor_id,
            firms::stage,
            firms::next_eligible,
            firms::readiness,
            firms::last_contact_on,
        ))
        .load(conn)?)
}
