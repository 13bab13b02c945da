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
    // Each statement hands its ids back (RETURNING; SQLite has it since 3.35). Looking them up
    // afterwards cost another index search per firm, and on PostgreSQL met a planner that
    // still believes the table empty: a sequential scan per look-up.
    for chunk in rows.chunks(500) {
        let got: Vec<(String, i64)> = super::dialect::each_backend!(conn, c =>
            diesel::insert_into(firms::table)
                .values(chunk)
                .returning((firms::uscc, firms::id))
                .get_results(c))?;
        ids.extend(got);
    }
    Ok(ids)
}

/// The secondary indexes of `firms`, dropped for a bulk insert by [`suspend_firm_indexes`]
/// and built again by [`SuspendedIndexes::rebuild`].
#[must_use = "the indexes must be built again before the transaction commits"]
pub struct SuspendedIndexes(Vec<String>);

/// From this many new firms on, when they are at least half as many as the firms already
/// stored, [`suspend_firm_indexes`] drops the indexes: below, keeping them up to date row by
/// row costs less than building them again over the whole table.
pub const SUSPEND_INDEXES_FROM: usize = 2_000;

/// Inside a write transaction about to insert `incoming` new firms: on SQLite, when they are
/// many ([`SUSPEND_INDEXES_FROM`], and at least half as many as those stored), drop the
/// secondary indexes of `firms`, keeping their definitions, so that
/// [`SuspendedIndexes::rebuild`] builds them again over all the rows once the inserts are
/// done; `None` otherwise. Building an index over the rows once takes a fraction of inserting
/// each row into it: for 100,000 new firms, 0.35 s to build the eight indexes there were
/// then, against 0.94 s to keep them up to date row by row (sqlite3, the same rows), as both
/// SQLite's and PostgreSQL's guides advise for loading data. The drops are part of the
/// transaction: a failure or a killed process rolls them back with the rest. Readers are not
/// affected: in WAL mode they read the last committed state, indexes included, until the
/// commit. The unique index on the code stays (the inserts are checked against it). On
/// PostgreSQL nothing is dropped (nor counted): an index dropped there would lock every
/// reader of the table out until the commit.
pub fn suspend_firm_indexes(
    conn: &mut DbConn,
    incoming: usize,
) -> Result<Option<SuspendedIndexes>, StoreError> {
    use diesel::connection::SimpleConnection;
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        sql: String,
    }
    if !matches!(conn, DbConn::Sqlite(_)) || incoming < SUSPEND_INDEXES_FROM {
        return Ok(None);
    }
    let stored: i64 = firms::table.count().get_result(conn)?;
    if (incoming as i64).saturating_mul(2) < stored {
        return Ok(None);
    }
    // The indexes SQLite makes for a constraint have no SQL of their own: they stay.
    let indexes: Vec<Index> = diesel::sql_query(
        "SELECT name, sql FROM sqlite_master \
         WHERE type = 'index' AND tbl_name = 'firms' AND sql IS NOT NULL ORDER BY name",
    )
    .load(conn)?;
    let drop: String = indexes
        .iter()
        .map(|i| format!("DROP INDEX \"{}\";", i.name.replace('"', "\"\"")))
        .collect();
    conn.batch_execute(&drop)?;
    Ok(Some(SuspendedIndexes(
        indexes.into_iter().map(|i| i.sql).collect(),
    )))
}

impl SuspendedIndexes {
    /// Build the dropped indexes again, each from its own definition.
    pub fn rebuild(self, conn: &mut DbConn) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        for sql in self.0 {
            conn.batch_execute(&sql)?;
        }
        Ok(())
    }
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
