//! Reference data: counties and sectors.

use super::dialect::each_backend;
use super::schema::{counties, sectors};
use super::{DbConn, StoreError};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// A district, county or zone.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = counties, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct County {
    /// Administrative division code, e.g. `411102`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// `district`, `county`, `zone` or `functional`.
    pub kind: String,
}

/// An industry sector.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sectors, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Sector {
    /// Code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Insert a county or update its names and kind.
pub fn upsert_county(conn: &mut DbConn, county: &County) -> Result<(), StoreError> {
    each_backend!(conn, c => diesel::insert_into(counties::table)
        .values(county)
        .on_conflict(counties::code)
        .do_update()
        .set((
            counties::name_zh.eq(excluded(counties::name_zh)),
            counties::name_en.eq(excluded(counties::name_en)),
            counties::kind.eq(excluded(counties::kind)),
        ))
        .execute(c))?;
    Ok(())
}

/// Insert a sector or update its names.
pub fn upsert_sector(conn: &mut DbConn, sector: &Sector) -> Result<(), StoreError> {
    each_backend!(conn, c => diesel::insert_into(sectors::table)
        .values(sector)
        .on_conflict(sectors::code)
        .do_update()
        .set((
            sectors::name_zh.eq(excluded(sectors::name_zh)),
            sectors::name_en.eq(excluded(sectors::name_en)),
        ))
        .execute(c))?;
    Ok(())
}

/// Every county by code.
pub fn counties(conn: &mut DbConn) -> Result<Vec<County>, StoreError> {
    Ok(counties::table
        .order(counties::code.asc())
        .select(County::as_select())
        .load(conn)?)
}

/// Every county and every sector, each in code order, in one read: the list pages' filters
/// offer both, and a statement saved is a round trip saved on PostgreSQL. Built with diesel's
/// `union_all` (not as SQL text) so that the prepared statement is cached on the connection.
pub fn counties_and_sectors(conn: &mut DbConn) -> Result<(Vec<County>, Vec<Sector>), StoreError> {
    use diesel::sql_types::Text;
    let county_rows = counties::table.select((
        true.into_sql::<diesel::sql_types::Bool>(),
        counties::code,
        counties::name_zh,
        counties::name_en,
        counties::kind,
    ));
    let sector_rows = sectors::table.select((
        false.into_sql::<diesel::sql_types::Bool>(),
        sectors::code,
        sectors::name_zh,
        sectors::name_en,
        "".into_sql::<Text>(),
    ));
    let rows: Vec<(bool, String, String, String, String)> =
        each_backend!(conn, c => county_rows.union_all(sector_rows).load(c))?;
    let (mut counties, mut sectors) = (Vec::new(), Vec::new());
    for (county, code, name_zh, name_en, kind) in rows {
        if county {
            counties.push(County {
                code,
                name_zh,
                name_en,
                kind,
            });
        } else {
            sectors.push(Sector {
                code,
                name_zh,
                name_en,
            });
        }
    }
    // A union has no order of its own (and the multi-backend connection cannot say one for
    // it); codes are ASCII, so their byte order is the order.
    counties.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    sectors.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    Ok((counties, sectors))
}

/// The county with this code, if any.
pub fn find_county(conn: &mut DbConn, code: &str) -> Result<Option<County>, StoreError> {
    Ok(counties::table
        .find(code)
        .select(County::as_select())
        .get_result(conn)
        .optional()?)
}

/// Every sector by code.
pub fn sectors(conn: &mut DbConn) -> Result<Vec<Sector>, StoreError> {
    Ok(sectors::table
        .order(sectors::code.asc())
        .select(Sector::as_select())
        .load(conn)?)
}

/// The sector with this code, if any.
pub fn find_sector(conn: &mut DbConn, code: &str) -> Result<Option<Sector>, StoreError> {
    Ok(sectors::table
        .find(code)
        .select(Sector::as_select())
        .get_result(conn)
        .optional()?)
}
