//! Registry import runs (`import_runs`): an uploaded file, how it is run, where the run is
//! and its report. The file ([`file_of`]) and the report ([`report_of`]) are read one run at
//! a time; every other read leaves them out.

use super::dialect::{any_of, table_fns};
use super::schema::import_runs;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A run as stored, without its file and its report.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = import_runs, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ImportRun {
    /// Id.
    pub id: i64,
    /// Who asked for it.
    pub user_id: i64,
    /// Their role id then.
    pub role: String,
    /// Their county then (a county officer).
    pub county_code: Option<String>,
    /// The file's name as uploaded, cleaned.
    pub file_name: String,
    /// The file's size in bytes.
    pub size: i64,
    /// Compare and report only.
    pub dry_run: bool,
    /// Write the good rows even when some are rejected.
    pub skip_bad_rows: bool,
    /// The dry run a commit was started from.
    pub source_run_id: Option<i64>,
    /// `queued`, `running`, `done`, `failed` or `interrupted`.
    pub status: String,
    /// `checking` or `writing`, while running.
    pub phase: Option<String>,
    /// Firms handled so far in this phase.
    pub done: i64,
    /// Firms in this phase.
    pub total: i64,
    /// Why it failed (JSON), when failed.
    pub failure: Option<String>,
    /// The process running it.
    pub holder: Option<String>,
    /// When it was asked for (UTC).
    pub created_at: NaiveDateTime,
    /// When it last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// When its process last said it is alive (UTC).
    pub heartbeat_at: NaiveDateTime,
}

/// A run to store, queued.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = import_runs)]
pub struct NewImportRun {
    /// Who.
    pub user_id: i64,
    /// Their role id.
    pub role: String,
    /// Their county.
    pub county_code: Option<String>,
    /// The file's name.
    pub file_name: String,
    /// Its size.
    pub size: i64,
    /// The file.
    pub file: Option<Vec<u8>>,
    /// Dry run or commit.
    pub dry_run: bool,
    /// Skip rejected rows.
    pub skip_bad_rows: bool,
    /// The dry run it comes from.
    pub source_run_id: Option<i64>,
    /// `queued` (or, for a test, any status).
    pub status: String,
    /// Now.
    pub created_at: NaiveDateTime,
    /// Now.
    pub updated_at: NaiveDateTime,
    /// Now.
    pub heartbeat_at: NaiveDateTime,
}

table_fns! {
    /// Store a run; its id.
    insert import_runs, NewImportRun
}

table_fns! {
    /// A run by id, without its file.
    find_by_id import_runs, ImportRun
}

/// The file of run `id`: `None` once the sweep removed it.
pub fn file_of(conn: &mut DbConn, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(import_runs::table
        .find(id)
        .select(import_runs::file)
        .get_result(conn)?)
}

/// The report (JSON) of run `id`, once it is done.
pub fn report_of(conn: &mut DbConn, id: i64) -> Result<Option<String>, StoreError> {
    Ok(import_runs::table
        .find(id)
        .select(import_runs::report)
        .get_result(conn)?)
}

/// Whether run `id` still has its file.
pub fn has_file(conn: &mut DbConn, id: i64) -> Result<bool, StoreError> {
    let n: i64 = import_runs::table
        .filter(import_runs::id.eq(id))
        .filter(import_runs::file.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The newest runs, newest first: everyone's (`user_id` `None`) or one user's.
pub fn recent(
    conn: &mut DbConn,
    user_id: Option<i64>,
    limit: i64,
) -> Result<Vec<ImportRun>, StoreError> {
    let mut q = import_runs::table
        .select(ImportRun::as_select())
        .order((import_runs::created_at.desc(), import_runs::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(u) = user_id {
        q = q.filter(import_runs::user_id.eq(u));
    }
    Ok(q.load(conn)?)
}

/// Take a queued run for `holder`: false when it is no longer queued (another took it).
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    holder: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        import_runs::table
            .filter(import_runs::id.eq(id))
            .filter(import_runs::status.eq("queued")),
    )
    .set((
        import_runs::status.eq("running"),
        import_runs::holder.eq(holder),
        import_runs::updated_at.eq(now),
        import_runs::heartbeat_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Record that the process holding queued run `id` (waiting for its turn) is alive.
pub fn touch_queued(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(
        import_runs::table
            .filter(import_runs::id.eq(id))
            .filter(import_runs::status.eq("queued")),
    )
    .set((
        import_runs::updated_at.eq(now),
        import_runs::heartbeat_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Record where a running run is, and that its process is alive.
pub fn beat(
    conn: &mut DbConn,
    id: i64,
    phase: &str,
    done: i64,
    total: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        import_runs::table
            .filter(import_runs::id.eq(id))
            .filter(import_runs::status.eq("running")),
    )
    .set((
        import_runs::phase.eq(phase),
        import_runs::done.eq(done),
        import_runs::total.eq(total),
        import_runs::updated_at.eq(now),
        import_runs::heartbeat_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Record how a run ended: `done` with its report or `failed` with why.
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    report: Option<&str>,
    failure: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(import_runs::table.filter(import_runs::id.eq(id)))
        .set((
            import_runs::status.eq(status),
            import_runs::report.eq(report),
            import_runs::failure.eq(failure),
            import_runs::updated_at.eq(now),
            import_runs::heartbeat_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Mark the queued or running runs whose heartbeat is older than `stale_before` as
/// interrupted. Returns how many.
pub fn mark_interrupted(
    conn: &mut DbConn,
    stale_before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        import_runs::table
            .filter(any_of(import_runs::status, ["queued", "running"]))
            .filter(import_runs::heartbeat_at.lt(stale_before)),
    )
    .set((
        import_runs::status.eq("interrupted"),
        import_runs::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// Remove the files of runs asked for before `before` that are no longer queued or running
/// (the rows and their reports stay). Returns how many files were removed.
pub fn remove_files(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::update(
        import_runs::table
            .filter(import_runs::created_at.lt(before))
            .filter(import_runs::file.is_not_null())
            .filter(import_runs::status.ne_all(["queued", "running"])),
    )
    .set(import_runs::file.eq(None::<Vec<u8>>))
    .execute(conn)?)
}
