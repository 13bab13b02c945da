//! The audit log: who did what to which entity, written in the same transaction as the change.

use super::schema::audit_log;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// Acting user; `None` for the system.
    pub actor_id: Option<i64>,
    /// Acting role id.
    pub actor_role: String,
    /// What was done, e.g. `fire_event`, `create_firm`.
    pub action: String,
    /// Kind of entity, e.g. `firm`.
    pub entity: String,
    /// Entity id.
    pub entity_id: Option<i64>,
    /// Details as JSON.
    pub detail: String,
    /// When (UTC).
    pub at: NaiveDateTime,
}

/// An entry to write.
#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAuditEntry<'a> {
    /// Acting user.
    pub actor_id: Option<i64>,
    /// Acting role id.
    pub actor_role: &'a str,
    /// What was done.
    pub action: &'a str,
    /// Kind of entity.
    pub entity: &'a str,
    /// Entity id.
    pub entity_id: Option<i64>,
    /// Details as JSON text.
    pub detail: String,
    /// When (UTC).
    pub at: NaiveDateTime,
}

/// Write an entry.
pub fn record(conn: &mut DbConn, entry: &NewAuditEntry<'_>) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// Write many entries (an import's one row per firm): on PostgreSQL in one COPY, on SQLite in
/// multi-row statements of 1,000 rows.
pub fn record_many(conn: &mut DbConn, entries: &[NewAuditEntry<'_>]) -> Result<usize, StoreError> {
    super::dialect::copy_or_insert!(conn, audit_log::table, entries, sqlite: {
        let mut n = 0;
        // Slices, not arrays: the entries borrow their words, and a statement kept by its
        // type needs a type without borrows.
        for chunk in entries.chunks(1000) {
            n += super::dialect::each_backend!(conn, c => diesel::insert_into(audit_log::table)
                .values(chunk)
                .execute(c))?;
        }
        Ok(n)
    })
}

/// The entries about one entity, oldest first.
pub fn list_for_entity(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::id.asc())
        .select(AuditEntry::as_select())
        .load(conn)?)
}

/// How many entries there are about one entity.
pub fn count_for_entity(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i64,
) -> Result<i64, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result(conn)?)
}
