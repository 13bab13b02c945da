//! The batched reads and writes of a registry import (`app::imports`): firms by code, their
//! years, and new firms inserted with their derived columns already computed; and those of an
//! announcement list (`app::imports::announce`): firms by name, credentials by number.

use super::applications::Application;
use super::credentials::{Credential, CredentialKind};
use super::firms::Firm;
use super::schema::{applications, credentials, firm_years, firms};
use super::years::FirmYearRow;
use super::{DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

/// Codes per `IN (…)` list: well under either dialect's bind-parameter limit.
const LOOKUP_CHUNK: usize = 900;

/// The stored firms among `usccs` (normalised codes), by code.
pub fn firms_by_uscc(
    conn: &mut DbConn,
    usccs: &[&str],
) -> Result<HashMap<String, Firm>, StoreError> {
    let mut out = HashMap::with_capacity(usccs.len());
    for chunk in usccs.chunks(LOOKUP_CHUNK) {
        let rows: Vec<Firm> = firms::table
            .filter(firms::uscc.eq_any(chunk))
            .select(Firm::as_select())
            .load(conn)?;
        for f in rows {
            out.insert(f.uscc.clone(), f);
        }
    }
    Ok(out)
}

/// The stored years of these firms, by firm then year.
pub fn years_of(
    conn: &mut DbConn,
    firm_ids: &[i64],
) -> Result<HashMap<i64, Vec<FirmYearRow>>, StoreError> {
    let mut out: HashMap<i64, Vec<FirmYearRow>> = HashMap::new();
    for chunk in firm_ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<FirmYearRow> = firm_years::table
            .filter(firm_years::firm_id.eq_any(chunk))
            .select(FirmYearRow::as_select())
            .load(conn)?;
        for r in rows {
            out.entry(r.firm_id).or_default().push(r);
        }
    }
    Ok(out)
}

/// A new firm with its derived columns, for one multi-row insert (a `None` is NULL, not
/// DEFAULT: so SQLite, too, takes a chunk in one statement rather than row by row).
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = firms, treat_none_as_default_value = false)]
pub struct NewImportedFirm {
    /// Code (validated, normalised).
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code.
    pub county_code: String,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Stage id.
    pub stage: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Head count.
    pub employees: Option<i32>,
    /// Technical staff.
    pub tech_staff: Option<i32>,
    /// JSON of the facts.
    pub facts: String,
    /// Industry code.
    pub industry_code: Option<String>,
    /// Derived: next stage.
    pub next_stage: Option<String>,
    /// Derived: rule set.
    pub next_ruleset: Option<String>,
    /// Derived: eligibility.
    pub next_eligible: Option<bool>,
    /// Derived: readiness.
    pub readiness: i32,
    /// Derived: the score margin.
    pub readiness_margin: i32,
    /// Derived: when.
    pub evaluated_at: Option<NaiveDateTime>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// Insert new firms in multi-row statements and return their ids by code. A code already
/// taken is `Duplicate("uscc")` (the caller looked them up in the same transaction).
pub fn insert_firms(
    conn: &mut DbConn,
    rows: &[NewImportedFirm],
) -> Result<HashMap<String, i64>, StoreError> {
    let mut ids = HashMap::with_capacity(rows.len());
    if let DbConn::Pg(c) = conn {
        // PostgreSQL hands the ids back in the same statement. (Looking them up afterwards
        // would meet a planner that still believes the table empty: a sequential scan per
        // look-up.)
        for chunk in rows.chunks(500) {
            let got: Vec<(String, i64)> = diesel::insert_into(firms::table)
                .values(chunk)
                .returning((firms::uscc, firms::id))
                .get_results(c)?;
            ids.extend(got);
        }
        return Ok(ids);
    }
    super::dialect::insert_in_chunks!(conn, firms::table, rows, 500)?;
    let codes: Vec<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
    for chunk in codes.chunks(LOOKUP_CHUNK) {
        let found: Vec<(String, i64)> = firms::table
            .filter(firms::uscc.eq_any(chunk))
            .select((firms::uscc, firms::id))
            .load(conn)?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Refresh the planner's statistics of the tables an import filled (PostgreSQL; SQLite's
/// plans for these look-ups do not depend on them), so that the next look-ups by code use
/// the index rather than scanning a table the planner still believes small.
pub fn analyze(conn: &mut DbConn) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    if let DbConn::Pg(c) = conn {
        c.batch_execute("ANALYZE firms, firm_years")?;
    }
    Ok(())
}

/// Every firm's id and name: an announcement list that names firms without their code is
/// matched by name (`core::registry::announce::name_key`), which no index serves.
pub fn firm_names(conn: &mut DbConn) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(firms::table
        .select((firms::id, firms::name))
        .order(firms::id.asc())
        .load(conn)?)
}

/// The stored firms with these ids, by id.
pub fn firms_by_id(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Firm>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<Firm> = firms::table
            .filter(firms::id.eq_any(chunk))
            .select(Firm::as_select())
            .load(conn)?;
        out.extend(rows.into_iter().map(|f| (f.id, f)));
    }
    Ok(out)
}

/// The credentials of `kind` (any status) whose number is one of `numbers`: an announcement
/// recorded before, for this firm or for another.
pub fn credentials_by_number(
    conn: &mut DbConn,
    kind: CredentialKind,
    numbers: &[&str],
) -> Result<Vec<Credential>, StoreError> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(LOOKUP_CHUNK) {
        let rows: Vec<Credential> = credentials::table
            .filter(credentials::kind.eq(kind.id()))
            .filter(credentials::number.eq_any(chunk))
            .select(Credential::as_select())
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// The applications with one of `statuses` for `target` of these firms, oldest first (an
/// announcement records the outcome of a recommended one, and names one still open).
pub fn applications_of(
    conn: &mut DbConn,
    firm_ids: &[i64],
    target: &str,
    statuses: &[&str],
) -> Result<Vec<Application>, StoreError> {
    let mut out = Vec::new();
    for chunk in firm_ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<Application> = applications::table
            .filter(applications::firm_id.eq_any(chunk))
            .filter(applications::target.eq(target))
            .filter(applications::status.eq_any(statuses))
            .order(applications::id.asc())
            .select(Application::as_select())
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
