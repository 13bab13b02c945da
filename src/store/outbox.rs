//! The outbox of emails. A row is inserted in the same transaction as the change that causes
//! the mail (`notify::queue`), claimed by a worker with a lease, and marked sent only after the
//! SMTP server accepted it. Statuses are the [`Status`] ids.

use super::dialect::each_backend;
use super::schema::outbox;
use super::{dialect, DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Where a row is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Waiting for a worker (from `next_attempt_at` on).
    Queued,
    /// Claimed by a worker until `claimed_until`; after that claimable again.
    Sending,
    /// The server accepted it (250).
    Sent,
    /// Given up after the attempts limit; `last_error` says why.
    Failed,
    /// Waits for the recipient's daily digest.
    Digest,
    /// Taken into a digest mail by [`take_digest`].
    Digested,
    /// Withdrawn; never sent.
    Cancelled,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 7] = [
        Status::Queued,
        Status::Sending,
        Status::Sent,
        Status::Failed,
        Status::Digest,
        Status::Digested,
        Status::Cancelled,
    ];

    /// The stored id.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Digest => "digest",
            Status::Digested => "digested",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status with this id.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OutboxRow {
    /// Id.
    pub id: i64,
    /// Kind of mail (`notify::MailKind::as_str`).
    pub kind: String,
    /// Recipient user.
    pub to_user: i64,
    /// Recipient address, as it was when queued.
    pub to_address: String,
    /// Recipient's language, `zh-CN` or `en`.
    pub lang: String,
    /// Unique key: the same mail is never queued twice.
    pub dedup_key: String,
    /// Template directory under `templates/email/`.
    pub template: String,
    /// Template parameters (JSON text).
    pub params: String,
    /// Path of the page concerned.
    pub link: String,
    /// Message-ID header value (with angle brackets), fixed at insert.
    pub message_id: String,
    /// A [`Status`] id.
    pub status: String,
    /// Send attempts so far.
    pub attempts: i32,
    /// Not to be tried before this time (UTC).
    pub next_attempt_at: NaiveDateTime,
    /// The worker holding the lease.
    pub claimed_by: Option<String>,
    /// The lease ends (UTC).
    pub claimed_until: Option<NaiveDateTime>,
    /// Last failure.
    pub last_error: Option<String>,
    /// Queued (UTC).
    pub created_at: NaiveDateTime,
    /// The server accepted it, or [`take_digest`] took it (UTC).
    pub sent_at: Option<NaiveDateTime>,
}

impl OutboxRow {
    /// The status, or `Corrupt` for an unknown id.
    pub fn status(&self) -> Result<Status, StoreError> {
        Status::parse(&self.status).ok_or_else(|| {
            StoreError::corrupt(format!(
                "outbox row {} has unknown status '{}'",
                self.id, self.status
            ))
        })
    }

    /// The parameters as JSON.
    pub fn params_json(&self) -> Result<serde_json::Value, StoreError> {
        serde_json::from_str(&self.params).map_err(|e| {
            StoreError::corrupt(format!("outbox row {} params are not JSON: {e}", self.id))
        })
    }
}

/// A row to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxRow {
    /// Kind of mail.
    pub kind: String,
    /// Recipient user.
    pub to_user: i64,
    /// Recipient address.
    pub to_address: String,
    /// Recipient's language.
    pub lang: String,
    /// Unique key.
    pub dedup_key: String,
    /// Template directory.
    pub template: String,
    /// Parameters (JSON text).
    pub params: String,
    /// Path of the page concerned.
    pub link: String,
    /// Message-ID (with angle brackets).
    pub message_id: String,
    /// `queued` or `digest`.
    pub status: String,
    /// Not before (UTC).
    pub next_attempt_at: NaiveDateTime,
    /// Queued (UTC).
    pub created_at: NaiveDateTime,
}

/// Insert a row unless one with the same `dedup_key` exists: `Some(id)` when inserted, `None`
/// for a duplicate. Uses `ON CONFLICT DO NOTHING`, so a duplicate does not abort the caller's
/// PostgreSQL transaction.
pub fn insert_unless_duplicate(
    conn: &mut DbConn,
    new: &NewOutboxRow,
) -> Result<Option<i64>, StoreError> {
    let n = each_backend!(conn, c => diesel::insert_into(outbox::table)
        .values(new)
        .on_conflict(outbox::dedup_key)
        .do_nothing()
        .execute(c))?;
    if n == 0 {
        return Ok(None);
    }
    dialect::last_insert_id(conn).map(Some)
}

/// The row with this id.
pub fn find_by_id(conn: &mut DbConn, id: i64) -> Result<OutboxRow, StoreError> {
    Ok(outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)?)
}

/// The row with this dedup key, if any.
pub fn find_by_dedup_key(conn: &mut DbConn, key: &str) -> Result<Option<OutboxRow>, StoreError> {
    Ok(outbox::table
        .filter(outbox::dedup_key.eq(key))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every row, oldest first (for tests and small tools).
pub fn list_all(conn: &mut DbConn) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(outbox::table
        .order(outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Take the user's mail waiting for the daily digest, oldest first, and mark it `digested`, so
/// the next digest does not list it again. Call it inside the transaction that queues the
/// digest mail: if that rolls back, the rows wait for the next digest.
pub fn take_digest(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<Vec<OutboxRow>, StoreError> {
    let rows: Vec<OutboxRow> = outbox::table
        .filter(outbox::to_user.eq(user_id))
        .filter(outbox::status.eq(Status::Digest.as_str()))
        .filter(outbox::created_at.le(now))
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select(OutboxRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    for chunk in ids.chunks(500) {
        diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(chunk))
                .filter(outbox::status.eq(Status::Digest.as_str())),
        )
        .set((
            outbox::status.eq(Status::Digested.as_str()),
            outbox::sent_at.eq(Some(now)),
        ))
        .execute(conn)?;
    }
    Ok(rows
        .into_iter()
        .map(|mut r| {
            r.status = Status::Digested.as_str().to_string();
            r.sent_at = Some(now);
            r
        })
        .collect())
}
