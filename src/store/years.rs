//! Yearly figures of a firm, amounts in fen.

use super::dialect::each_backend;
use super::schema::firm_years;
use super::{DbConn, StoreError};
use crate::core::money::Fen;
use crate::core::profile::FirmYear;
use diesel::prelude::*;
use diesel::upsert::excluded;

/// One fiscal year of a firm's figures as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = firm_years, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
// A blank figure is NULL (there is no column default), which lets SQLite take many rows in one
// statement: with `None` as DEFAULT diesel inserts them one by one, each statement built anew.
#[diesel(treat_none_as_default_value = false)]
pub struct FirmYearRow {
    /// Firm.
    pub firm_id: i64,
    /// Fiscal year.
    pub year: i32,
    /// Revenue in fen.
    pub revenue: Option<i64>,
    /// R&D expense in fen.
    pub rd_expense: Option<i64>,
    /// R&D expense in China, in fen.
    pub rd_expense_domestic: Option<i64>,
    /// High-tech revenue in fen.
    pub high_tech_revenue: Option<i64>,
    /// Total cost in fen.
    pub total_cost: Option<i64>,
    /// Total assets in fen.
    pub total_assets: Option<i64>,
    /// Net assets in fen (may be negative).
    pub net_assets: Option<i64>,
    /// Total income (总收入) in fen.
    pub total_income: Option<i64>,
    /// Conversions of results that year.
    pub conversions: Option<i32>,
}

impl FirmYearRow {
    /// A row from the core's figures plus the year's conversions.
    pub fn from_core(firm_id: i64, y: &FirmYear, conversions: Option<i32>) -> FirmYearRow {
        let f = |v: Option<Fen>| v.map(|x| x.0);
        FirmYearRow {
            firm_id,
            year: y.year,
            revenue: f(y.revenue),
            rd_expense: f(y.rd_expense),
            rd_expense_domestic: f(y.rd_expense_domestic),
            high_tech_revenue: f(y.high_tech_revenue),
            total_cost: f(y.total_cost),
            total_assets: f(y.total_assets),
            net_assets: f(y.net_assets),
            total_income: f(y.total_income),
            conversions,
        }
    }

    /// The core's figures for this year.
    pub fn to_core(&self) -> FirmYear {
        FirmYear {
            year: self.year,
            revenue: self.revenue.map(Fen),
            rd_expense: self.rd_expense.map(Fen),
            rd_expense_domestic: self.rd_expense_domestic.map(Fen),
            high_tech_revenue: self.high_tech_revenue.map(Fen),
            total_cost: self.total_cost.map(Fen),
            total_assets: self.total_assets.map(Fen),
            net_assets: self.net_assets.map(Fen),
            total_income: self.total_income.map(Fen),
        }
    }
}

/// Insert the year or replace the figures already stored for it.
pub fn upsert(conn: &mut DbConn, row: &FirmYearRow) -> Result<(), StoreError> {
    use firm_years::dsl as y;
    each_backend!(conn, c => diesel::insert_into(firm_years::table)
        .values(row)
        .on_conflict((y::firm_id, y::year))
        .do_update()
        .set((
            y::revenue.eq(excluded(y::revenue)),
            y::rd_expense.eq(excluded(y::rd_expense)),
            y::rd_expense_domestic.eq(excluded(y::rd_expense_domestic)),
            y::high_tech_revenue.eq(excluded(y::high_tech_revenue)),
            y::total_cost.eq(excluded(y::total_cost)),
            y::total_assets.eq(excluded(y::total_assets)),
            y::net_assets.eq(excluded(y::net_assets)),
            y::total_income.eq(excluded(y::total_income)),
            y::conversions.eq(excluded(y::conversions)),
        ))
        .execute(c))?;
    Ok(())
}

/// Insert many new years (imports, the demo, benchmarks): on PostgreSQL in one COPY, with no
/// statement to parse and plan for every thousand rows; on SQLite in multi-row statements of
/// 1,000 rows. An existing (firm, year) is `Duplicate("year")`.
pub fn insert_many(conn: &mut DbConn, rows: &[FirmYearRow]) -> Result<usize, StoreError> {
    super::dialect::copy_or_insert!(conn, firm_years::table, rows,
        sqlite: super::dialect::insert_in_chunks!(conn, firm_years::table, rows, 1000))
}

/// A firm's years, oldest first.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<FirmYearRow>, StoreError> {
    Ok(firm_years::table
        .filter(firm_years::firm_id.eq(firm_id))
        .order(firm_years::year.asc())
        .select(FirmYearRow::as_select())
        .load(conn)?)
}

/// The years of the firms `ids`, ordered by firm then year (for a list that evaluates a
/// batch of firms).
pub fn list_for_firms(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<FirmYearRow>, StoreError> {
    Ok(firm_years::table
        .filter(firm_years::firm_id.eq_any(ids))
        .order((firm_years::firm_id.asc(), firm_years::year.asc()))
        .select(FirmYearRow::as_select())
        .load(conn)?)
}

/// Every firm's years, ordered by firm then year (for the re-score path).
pub fn list_all(conn: &mut DbConn) -> Result<Vec<FirmYearRow>, StoreError> {
    Ok(firm_years::table
        .order((firm_years::firm_id.asc(), firm_years::year.asc()))
        .select(FirmYearRow::as_select())
        .load(conn)?)
}

/// Delete a year; `NotFound` if there was none.
pub fn delete(conn: &mut DbConn, firm_id: i64, year: i32) -> Result<(), StoreError> {
    let n = diesel::delete(firm_years::table.find((firm_id, year))).execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
