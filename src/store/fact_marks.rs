//! Who set each record flag and direct route of a firm, and when (`firm_fact_marks`).

use super::schema::firm_fact_marks;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A mark as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = firm_fact_marks, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct FactMark {
    /// Firm id.
    pub firm_id: i64,
    /// The fact's id, e.g. `major_incident`, `provincial_rd_center`.
    pub fact: String,
    /// The value set (`None`: cleared to unknown).
    pub value: Option<bool>,
    /// Who set it (`None`: the system).
    pub set_by: Option<i64>,
    /// Their role id.
    pub set_role: String,
    /// When (UTC).
    pub set_at: NaiveDateTime,
}

/// Record `mark`, replacing the firm's earlier mark of the same fact.
pub fn put(conn: &mut DbConn, mark: &FactMark) -> Result<(), StoreError> {
    diesel::delete(
        firm_fact_marks::table
            .filter(firm_fact_marks::firm_id.eq(mark.firm_id))
            .filter(firm_fact_marks::fact.eq(&mark.fact)),
    )
    .execute(conn)?;
    diesel::insert_into(firm_fact_marks::table)
        .values(mark)
        .execute(conn)?;
    Ok(())
}

/// A firm's marks, by fact id.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<FactMark>, StoreError> {
    Ok(firm_fact_marks::table
        .filter(firm_fact_marks::firm_id.eq(firm_id))
        .order(firm_fact_marks::fact.asc())
        .select(FactMark::as_select())
        .load(conn)?)
}
