//! The daily sweeps.
//!
//! The document storage: an object without a `documents` row (an upload
//! whose transaction failed and whose object could not be deleted then, a removed document
//! whose object outlived its row, a process that died between the two) is deleted once it is
//! older than [`ORPHAN_AGE`], so an upload in flight — object stored, row not yet committed —
//! is never touched. Only keys of the storage's own shape are considered: a file someone put
//! beside them is left alone.
//!
//! The registry import runs ([`sweep_import_runs`]): a run whose heartbeat went stale (its
//! process died) is recorded as interrupted, and the files of runs older than
//! [`runs::KEEP_FILES`] are removed; the rows and their reports stay.

use crate::app::error::{AppError, StoreContext};
use crate::app::imports::runs;
use crate::store::storage::Storage;
use crate::store::DbConn;
use crate::store::{documents, import_runs};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use std::collections::HashSet;

/// How old an object without a row must be before the sweep deletes it.
pub const ORPHAN_AGE: Duration = Duration::days(1);

/// Delete every object of `storage` older than [`ORPHAN_AGE`] at `now` whose key has the
/// storage's shape and that no document row names. Returns how many were deleted.
pub fn sweep_orphans(
    conn: &mut DbConn,
    storage: &Storage,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let stale: Vec<String> = storage
        .list()
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("list the storage")))?
        .into_iter()
        .filter(|l| l.modified < now - ORPHAN_AGE && Storage::is_key(&l.key))
        .map(|l| l.key)
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    let known: HashSet<String> = documents::known_keys(conn, &stale)
        .ctx("find the document rows of stored objects")?
        .into_iter()
        .collect();
    let mut deleted = 0;
    for key in stale.iter().filter(|k| !known.contains(*k)) {
        match storage.delete(key) {
            Ok(()) => {
                deleted += 1;
                tracing::info!(key, "swept a stored object without a document row");
            }
            Err(e) => tracing::warn!(error = %e, key, "could not sweep a stored object"),
        }
    }
    Ok(deleted)
}

/// What the daily sweep did to the runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Runs whose heartbeat was stale, now recorded as interrupted.
    pub interrupted: usize,
    /// Files older than [`runs::KEEP_FILES`] removed.
    pub files_removed: usize,
}

/// The sweep of the import runs at `now`: record the runs whose heartbeat is older than
/// [`runs::STALE_AFTER`] as interrupted, remove the files of runs older than
/// [`runs::KEEP_FILES`].
pub fn sweep_import_runs(conn: &mut DbConn, now: NaiveDateTime) -> Result<Swept, AppError> {
    let interrupted = import_runs::mark_interrupted(conn, now - runs::STALE_AFTER, now)
        .ctx("mark stale import runs")?;
    let files_removed =
        import_runs::remove_files(conn, now - runs::KEEP_FILES).ctx("remove old import files")?;
    Ok(Swept {
        interrupted,
        files_removed,
    })
}
