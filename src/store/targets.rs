//! Yearly targets (`targets`): per year, the whole city (`county_code` '') and each county,
//! one value per metric.

use super::dialect::table_fns;
use super::schema::targets;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A target as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = targets, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Target {
    /// Id.
    pub id: i64,
    /// The year whose end it is for.
    pub year: i32,
    /// The county, or '' for the whole city.
    pub county_code: String,
    /// `high_tech`, `tech_sme` or `reserve`.
    pub metric: String,
    /// How many.
    pub value: i64,
    /// Who set it last.
    pub updated_by: Option<i64>,
    /// When (UTC).
    pub updated_at: NaiveDateTime,
}

/// A target to store.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = targets)]
pub struct NewTarget {
    /// Year.
    pub year: i32,
    /// County, or ''.
    pub county_code: String,
    /// Metric id.
    pub metric: String,
    /// Value.
    pub value: i64,
    /// Who.
    pub updated_by: Option<i64>,
    /// When.
    pub updated_at: NaiveDateTime,
}

/// The targets of `year`, the city's first, then by county and metric.
pub fn for_year(conn: &mut DbConn, year: i32) -> Result<Vec<Target>, StoreError> {
    Ok(targets::table
        .filter(targets::year.eq(year))
        .order((targets::county_code.asc(), targets::metric.asc()))
        .select(Target::as_select())
        .load(conn)?)
}

table_fns! {
    /// Insert targets, many rows per statement.
    insert_many targets, NewTarget, chunk 500
}

/// Replace the targets of `year` by `rows` (call inside a transaction).
pub fn replace_year(conn: &mut DbConn, year: i32, rows: &[NewTarget]) -> Result<(), StoreError> {
    diesel::delete(targets::table.filter(targets::year.eq(year))).execute(conn)?;
    insert_many(conn, rows)?;
    Ok(())
}
