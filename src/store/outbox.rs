//! The outbox of emails. A row is inserted in the same transaction as the change that causes
//! the mail (`notify::queue`), claimed by a worker with a lease, and marked sent only after the
//! SMTP server accepted it. Statuses are the [`Status`] ids.

use super::dialect::{any_of, each_backend, table_fns};
use super::schema::outbox;
use super::{DbConn, StoreError};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

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
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable)]
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
    // The id comes back from the INSERT itself; a duplicate returns no row.
    Ok(each_backend!(conn, c => diesel::insert_into(outbox::table)
        .values(new)
        .on_conflict(outbox::dedup_key)
        .do_nothing()
        .returning(outbox::id)
        .get_result::<i64>(c)
        .optional())?)
}

table_fns! {
    /// The row with this id.
    find_by_id outbox, OutboxRow
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

/// The columns of `outbox`, for the hand-written claim statements.
const COLUMNS: &str = "id, kind, to_user, to_address, lang, dedup_key, template, params, link, \
    message_id, status, attempts, next_attempt_at, claimed_by, claimed_until, last_error, \
    created_at, sent_at";

/// Claim up to `limit` due rows for `worker` until `lease_until`: queued rows whose
/// `next_attempt_at` has come, and rows whose lease expired (their worker died or hung). Each
/// claimed row turns `sending` and counts one attempt. On PostgreSQL one statement with
/// `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint rows without waiting; on
/// SQLite the same statement inside `BEGIN IMMEDIATE` (one claimer at a time). Oldest due
/// first; returned in that order.
pub fn claim_due(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    // `$n` on PostgreSQL, `?n` on SQLite (where `$1` would be a named parameter, numbered by
    // first appearance).
    let due = |p: char| {
        format!(
            "(status = 'queued' AND next_attempt_at <= {p}1) \
             OR (status = 'sending' AND claimed_until < {p}1)"
        )
    };
    let mut rows = match conn {
        DbConn::Pg(c) => diesel::sql_query(format!(
            "UPDATE outbox SET status = 'sending', claimed_by = $2, claimed_until = $3, \
                    attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE {} \
                          ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}",
            due('$')
        ))
        .bind::<Timestamp, _>(now)
        .bind::<Text, _>(worker)
        .bind::<Timestamp, _>(lease_until)
        .bind::<BigInt, _>(limit)
        .load::<OutboxRow>(c)?,
        DbConn::Sqlite(_) => super::write_tx(conn, |conn| {
            let DbConn::Sqlite(c) = conn else {
                return Err(StoreError::corrupt("backend changed inside a transaction"));
            };
            Ok(diesel::sql_query(format!(
                "UPDATE outbox SET status = 'sending', claimed_by = ?2, claimed_until = ?3, \
                        attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox WHERE {} \
                              ORDER BY next_attempt_at, id LIMIT ?4) \
                 RETURNING {COLUMNS}",
                due('?')
            ))
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_until)
            .bind::<BigInt, _>(limit)
            .load::<OutboxRow>(c)?)
        })?,
    };
    rows.sort_by_key(|r| (r.next_attempt_at, r.id));
    Ok(rows)
}

/// Record that the server accepted the mail (250): `sent` at `now`, lease cleared. Done
/// whoever holds the lease now, since the mail did go out; only a row already sent (or never
/// meant to be sent) is left alone. Returns whether the row changed.
pub fn mark_sent(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(outbox::table.find(id).filter(any_of(
        outbox::status,
        [
            Status::Sending.as_str(),
            Status::Queued.as_str(),
            Status::Failed.as_str(),
        ],
    )))
    .set((
        outbox::status.eq(Status::Sent.as_str()),
        outbox::sent_at.eq(Some(now)),
        outbox::claimed_by.eq(None::<String>),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Forget a sent mail's link (an account's one-time link, whose token is stored nowhere
/// else once the mail is out).
pub fn forget_link(conn: &mut DbConn, id: i64) -> Result<(), StoreError> {
    diesel::update(outbox::table.find(id))
        .set(outbox::link.eq(""))
        .execute(conn)?;
    Ok(())
}

/// What to do with a row after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queue again, not before this time.
    RetryAt(NaiveDateTime),
    /// Give up: status `failed`.
    GiveUp,
}

/// Record a failed attempt by `worker`: queued again at the given time, or `failed`, with the
/// error kept in `last_error`. Only while `worker` still holds the row (a worker whose lease
/// expired and was taken over leaves the row to the new holder). Returns whether it changed.
pub fn mark_failure(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    error: &str,
    after: &AfterFailure,
) -> Result<bool, StoreError> {
    let mine = outbox::table
        .find(id)
        .filter(outbox::status.eq(Status::Sending.as_str()))
        .filter(outbox::claimed_by.eq(worker));
    let error: String = error.chars().take(2000).collect();
    let n = match after {
        AfterFailure::RetryAt(at) => diesel::update(mine)
            .set((
                outbox::status.eq(Status::Queued.as_str()),
                outbox::next_attempt_at.eq(*at),
                outbox::claimed_by.eq(None::<String>),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        AfterFailure::GiveUp => diesel::update(mine)
            .set((
                outbox::status.eq(Status::Failed.as_str()),
                outbox::claimed_by.eq(None::<String>),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Hand rows that `worker` claimed but did not try back to the queue, as they were: the
/// attempt the claim counted is taken back and the row is due at once.
pub fn release(conn: &mut DbConn, ids: &[i64], worker: &str) -> Result<usize, StoreError> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(chunk))
                .filter(outbox::status.eq(Status::Sending.as_str()))
                .filter(outbox::claimed_by.eq(worker)),
        )
        .set((
            outbox::status.eq(Status::Queued.as_str()),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts - 1),
        ))
        .execute(conn)?;
    }
    Ok(n)
}

/// Queue a failed row again (the admin's retry): attempts start over, due at `now`. Returns
/// whether a failed row was found.
pub fn retry_failed(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq(Status::Failed.as_str())),
    )
    .set((
        outbox::status.eq(Status::Queued.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The earliest time a row becomes claimable (a queued row's next attempt, a lease's end), if
/// any row is waiting: lets a worker sleep until then.
pub fn next_due(conn: &mut DbConn) -> Result<Option<NaiveDateTime>, StoreError> {
    let queued: Option<NaiveDateTime> = outbox::table
        .filter(outbox::status.eq(Status::Queued.as_str()))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first(conn)?;
    let leased: Option<NaiveDateTime> = outbox::table
        .filter(outbox::status.eq(Status::Sending.as_str()))
        .select(diesel::dsl::min(outbox::claimed_until))
        .first::<Option<NaiveDateTime>>(conn)?;
    Ok(match (queued, leased) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Filters of the admin list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Recipient address containing this text.
    pub address: Option<String>,
}

type Db = <DbConn as diesel::connection::Connection>::Backend;

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on both backends.
    fn lower(x: Text) -> Text;
}

fn filtered<'a>(f: &ListFilter) -> outbox::BoxedQuery<'a, Db> {
    let mut q = outbox::table.into_boxed();
    if let Some(st) = f.status {
        q = q.filter(outbox::status.eq(st.as_str()));
    }
    if let Some(k) = &f.kind {
        q = q.filter(outbox::kind.eq(k.clone()));
    }
    if let Some(a) = f
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        let mut pattern = String::from("%");
        for ch in a.to_lowercase().chars() {
            if matches!(ch, '\\' | '%' | '_') {
                pattern.push('\\');
            }
            pattern.push(ch);
        }
        pattern.push('%');
        q = q.filter(lower(outbox::to_address).like(pattern).escape('\\'));
    }
    q
}

/// One page of rows matching the filter, newest first, and how many match in all.
pub fn list_page(
    conn: &mut DbConn,
    f: &ListFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<OutboxRow>, i64), StoreError> {
    let total: i64 = filtered(f).count().get_result(conn)?;
    let rows = filtered(f)
        .order(outbox::id.desc())
        .limit(limit)
        .offset(offset)
        .select(OutboxRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// How many rows are in each status.
pub fn count_by_status(conn: &mut DbConn) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .order(outbox::status.asc())
        .load(conn)?)
}

/// The backoff before attempt `attempts + 1`, after `attempts` failed ones: one minute
/// doubling each time, at most six hours.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    let minutes = 1i64 << exp;
    Duration::minutes(minutes.min(360))
}
