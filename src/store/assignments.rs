//! Advisor assignments: who coaches which firm, from when to when. At most one open row
//! (`ended_on` NULL) per firm, enforced by a partial unique index; `firms.advisor_id` mirrors
//! it and is written in the same transaction by the use cases.

use super::schema::{assignments, firms};
use super::{dialect, DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// An assignment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = assignments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Assignment {
    /// Id.
    pub id: i64,
    /// The firm.
    pub firm_id: i64,
    /// The advisor (a user id).
    pub advisor_id: i64,
    /// First day.
    pub started_on: NaiveDate,
    /// Last day; `None` while current.
    pub ended_on: Option<NaiveDate>,
    /// Who assigned (a user id; `None` for the system or a migration).
    pub assigned_by: Option<i64>,
    /// Why (free text, may be empty).
    pub reason: String,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
}

/// An assignment to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = assignments)]
pub struct NewAssignment {
    /// The firm.
    pub firm_id: i64,
    /// The advisor.
    pub advisor_id: i64,
    /// First day.
    pub started_on: NaiveDate,
    /// Who assigned.
    pub assigned_by: Option<i64>,
    /// Why.
    pub reason: String,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
}

/// Insert an assignment; returns its id. A second open row for a firm is
/// `Duplicate("open_assignment")`.
pub fn insert(conn: &mut DbConn, new: &NewAssignment) -> Result<i64, StoreError> {
    match diesel::insert_into(assignments::table)
        .values(new)
        .execute(conn)
    {
        Ok(_) => dialect::last_insert_id(conn),
        Err(e) => match StoreError::from(e) {
            StoreError::Duplicate(_) => Err(StoreError::Duplicate("open_assignment")),
            other => Err(other),
        },
    }
}

/// The open assignment of a firm, if any.
pub fn open_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Option<Assignment>, StoreError> {
    Ok(assignments::table
        .filter(assignments::firm_id.eq(firm_id))
        .filter(assignments::ended_on.is_null())
        .select(Assignment::as_select())
        .first(conn)
        .optional()?)
}

/// Every assignment of a firm, newest first.
pub fn history(conn: &mut DbConn, firm_id: i64) -> Result<Vec<Assignment>, StoreError> {
    Ok(assignments::table
        .filter(assignments::firm_id.eq(firm_id))
        .order((assignments::started_on.desc(), assignments::id.desc()))
        .select(Assignment::as_select())
        .load(conn)?)
}

/// End the open assignments of these firms on `on` (no row for a firm without one). An open
/// row that started after `on` cannot end before it began: the caller checks with
/// [`latest_open_start`] first.
pub fn end_open(conn: &mut DbConn, firm_ids: &[i64], on: NaiveDate) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in firm_ids.chunks(500) {
        n += diesel::update(
            assignments::table
                .filter(assignments::firm_id.eq_any(chunk))
                .filter(assignments::ended_on.is_null()),
        )
        .set(assignments::ended_on.eq(on))
        .execute(conn)?;
    }
    Ok(n)
}

/// The latest start date among the open assignments of these firms.
pub fn latest_open_start(
    conn: &mut DbConn,
    firm_ids: &[i64],
) -> Result<Option<NaiveDate>, StoreError> {
    let mut latest: Option<NaiveDate> = None;
    for chunk in firm_ids.chunks(500) {
        let d: Option<NaiveDate> = assignments::table
            .filter(assignments::firm_id.eq_any(chunk))
            .filter(assignments::ended_on.is_null())
            .select(diesel::dsl::max(assignments::started_on))
            .first(conn)?;
        latest = latest.max(d);
    }
    Ok(latest)
}

/// Insert many assignments in multi-row statements; returns how many.
pub fn insert_many(conn: &mut DbConn, rows: &[NewAssignment]) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in rows.chunks(500) {
        n += dialect::each_backend!(conn, c => diesel::insert_into(assignments::table)
            .values(chunk)
            .execute(c))
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Duplicate("open_assignment"),
            other => other,
        })?;
    }
    Ok(n)
}

/// The open assignment id of each of these firms (firm id, assignment id).
pub fn open_ids(conn: &mut DbConn, firm_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut out = Vec::with_capacity(firm_ids.len());
    for chunk in firm_ids.chunks(500) {
        out.extend(
            assignments::table
                .filter(assignments::firm_id.eq_any(chunk))
                .filter(assignments::ended_on.is_null())
                .select((assignments::firm_id, assignments::id))
                .load::<(i64, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// Set `firms.advisor_id` of these firms, bumping their versions (an edit form opened before
/// shows the old advisor and must not write it back).
pub fn set_firm_advisor(
    conn: &mut DbConn,
    firm_ids: &[i64],
    advisor_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in firm_ids.chunks(500) {
        n += diesel::update(firms::table.filter(firms::id.eq_any(chunk)))
            .set((
                firms::advisor_id.eq(advisor_id),
                firms::version.eq(firms::version + 1),
                firms::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(n)
}

/// A firm whose advisor and open assignment disagree: (firm id, advisor on the firm, advisor
/// of the open row).
pub type Mismatch = (i64, Option<i64>, Option<i64>);

/// Firms whose `firms.advisor_id` disagrees with their open assignment (for tests and checks).
pub fn mismatches(conn: &mut DbConn) -> Result<Vec<Mismatch>, StoreError> {
    let rows: Vec<(i64, Option<i64>)> = firms::table
        .select((firms::id, firms::advisor_id))
        .order(firms::id.asc())
        .load(conn)?;
    let open: std::collections::HashMap<i64, i64> = assignments::table
        .filter(assignments::ended_on.is_null())
        .select((assignments::firm_id, assignments::advisor_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, a)| {
            let o = open.get(&id).copied();
            (a != o).then_some((id, a, o))
        })
        .collect())
}

/// The active firm users of these firms: (firm id, user id).
pub fn firm_users(conn: &mut DbConn, firm_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
    use super::schema::users;
    let mut out = Vec::new();
    for chunk in firm_ids.chunks(500) {
        out.extend(
            users::table
                .filter(users::firm_id.eq_any(chunk))
                .filter(users::role.eq("firm"))
                .filter(users::active.eq(true))
                .select((users::firm_id.assume_not_null(), users::id))
                .order(users::id.asc())
                .load::<(i64, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// How many firms each advisor has now (advisor id, firms), from `firms.advisor_id`.
pub fn loads(conn: &mut DbConn) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(firms::table
        .filter(firms::advisor_id.is_not_null())
        .group_by(firms::advisor_id)
        .select((
            firms::advisor_id.assume_not_null(),
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}
