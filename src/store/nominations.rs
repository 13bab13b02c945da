//! Reserve-pool nominations (`nominations`).

use super::dialect::{any_of, table_fns};
use super::schema::{firms, nominations};
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A nomination as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = nominations, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Nomination {
    /// Id.
    pub id: i64,
    /// The nominated firm.
    pub firm_id: i64,
    /// Its county then.
    pub county_code: String,
    /// The county officer's note.
    pub note: String,
    /// `pending`, `confirmed` or `declined`.
    pub status: String,
    /// Who nominated.
    pub nominated_by: Option<i64>,
    /// When (UTC).
    pub nominated_at: NaiveDateTime,
    /// Who decided.
    pub decided_by: Option<i64>,
    /// When (UTC).
    pub decided_at: Option<NaiveDateTime>,
    /// The bureau's note.
    pub decision_note: String,
    /// The `admit_to_reserve` event a confirmation fired.
    pub stage_event_id: Option<i64>,
}

/// A new, pending nomination.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = nominations)]
pub struct NewNomination {
    /// Firm.
    pub firm_id: i64,
    /// Its county.
    pub county_code: String,
    /// Note.
    pub note: String,
    /// `pending`.
    pub status: String,
    /// Who.
    pub nominated_by: Option<i64>,
    /// When.
    pub nominated_at: NaiveDateTime,
}

table_fns! {
    /// Insert a nomination; a second pending one for the firm is
    /// `Duplicate("pending_nomination")`.
    insert nominations, NewNomination
}

table_fns! {
    /// The nomination with this id.
    find_by_id nominations, Nomination
}

/// Record the decision on a pending nomination; `StaleVersion` when it is no longer pending
/// (someone decided it first).
pub fn decide(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    by: Option<i64>,
    note: &str,
    stage_event_id: Option<i64>,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let n = diesel::update(
        nominations::table
            .filter(nominations::id.eq(id))
            .filter(nominations::status.eq("pending")),
    )
    .set((
        nominations::status.eq(status),
        nominations::decided_by.eq(by),
        nominations::decided_at.eq(Some(at)),
        nominations::decision_note.eq(note),
        nominations::stage_event_id.eq(stage_event_id),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::StaleVersion)
    }
}

/// Nominations with their firm's name, newest first: of the given statuses, of firms in
/// `counties` (`None`: every county), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    statuses: &[&str],
    counties: Option<&[String]>,
    limit: i64,
) -> Result<Vec<(Nomination, String)>, StoreError> {
    let mut q = nominations::table
        .inner_join(firms::table)
        .filter(any_of(nominations::status, statuses.iter().copied()))
        .into_boxed();
    if let Some(c) = counties {
        q = q.filter(any_of(
            nominations::county_code,
            c.iter().map(String::as_str),
        ));
    }
    Ok(
        q.order((nominations::nominated_at.desc(), nominations::id.desc()))
            .limit(limit)
            .select((Nomination::as_select(), firms::name))
            .load(conn)?,
    )
}

/// The firms among `firm_ids` with a pending nomination.
pub fn pending_firms(conn: &mut DbConn, firm_ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    Ok(nominations::table
        .filter(any_of(nominations::firm_id, firm_ids.iter().copied()))
        .filter(nominations::status.eq("pending"))
        .select(nominations::firm_id)
        .load(conn)?)
}
