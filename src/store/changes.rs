//! Whether the database may have changed: a [`Marker`] read now equals one read earlier only
//! if no transaction committed in between, whichever process or connection wrote it. Caches
//! of rendered pages (`web::page_cache`) keep a copy only as long as the marker stays equal,
//! so a copy is never older than the database it was made from.
//!
//! - SQLite: `PRAGMA data_version` on one connection kept for this purpose. It changes
//!   whenever any *other* connection commits (this one never writes), in this process or
//!   another. A checkpoint may change it too: one miss more, never a stale page.
//! - PostgreSQL: `pg_current_snapshot()`. Two snapshots are equal exactly when the same
//!   transactions have completed (`xmax` advances past every completed transaction, `xip`
//!   lists those still running below it). Transaction ids are shared by the whole server, so
//!   a write to another database on it changes the marker too: again a miss more, never a
//!   stale page. It needs PostgreSQL 13 or later.

use super::{sqlite_target, Backend, ConnManager, ConnSetup, DbConn, Pool, StoreError};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::SqliteConnection;
use std::time::Duration;

/// Connections a PostgreSQL watcher keeps: its owner reads markers one at a time
/// (`web::page_cache` batches the requests that wait), so one serves; the pool opens it again
/// when it broke.
const WATCHER_CONNECTIONS: u32 = 1;

/// What the database's committed state was when it was read (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// SQLite's `data_version` on the watching connection.
    Version(i64),
    /// PostgreSQL's current snapshot, as text (`xmin:xmax:xip,…`).
    Snapshot(String),
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

#[derive(QueryableByName)]
struct CurrentSnapshot {
    #[diesel(sql_type = Text)]
    snapshot: String,
}

/// Reads [`Marker`]s of one database; one owner reads them, one at a time.
pub enum ChangeWatcher {
    /// A connection of its own, used for nothing else.
    Sqlite(SqliteConnection),
    /// A connection of its own, checked out without the validity ping of the main pool: a
    /// marker is one round trip. A connection that broke is dropped by the pool on return and
    /// opened again on the next read.
    Postgres(Pool),
}

impl std::fmt::Debug for ChangeWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChangeWatcher::Sqlite(_) => "ChangeWatcher::Sqlite",
            ChangeWatcher::Postgres(_) => "ChangeWatcher::Postgres",
        })
    }
}

impl ChangeWatcher {
    /// A watcher of the database `url` names. `None` for an in-memory SQLite database: a
    /// second connection would open another, empty database and never see a change. Opens
    /// a first connection, so a database that cannot be watched fails here.
    pub fn open(url: &str) -> Result<Option<ChangeWatcher>, StoreError> {
        let manager = ConnManager::new(url)?;
        match manager.backend() {
            Backend::Postgres => {
                let pool = r2d2::Pool::builder()
                    .test_on_check_out(false)
                    .max_size(WATCHER_CONNECTIONS)
                    .min_idle(Some(1))
                    .build(manager)?;
                let mut watcher = ChangeWatcher::Postgres(pool);
                watcher.marker()?;
                Ok(Some(watcher))
            }
            Backend::Sqlite => {
                let target = sqlite_target(url);
                if target.contains(":memory:") || target.contains("mode=memory") {
                    return Ok(None);
                }
                let mut conn = manager.establish()?;
                ConnSetup {
                    busy_timeout: Duration::from_secs(5),
                }
                .apply(&mut conn)?;
                match conn {
                    DbConn::Sqlite(c) => Ok(Some(ChangeWatcher::Sqlite(c))),
                    DbConn::Pg(_) => Err(StoreError::Connect(
                        "a SQLite URL opened a PostgreSQL connection".to_string(),
                    )),
                }
            }
        }
    }

    /// The marker now. Blocking: on PostgreSQL one round trip.
    pub fn marker(&mut self) -> Result<Marker, StoreError> {
        match self {
            ChangeWatcher::Sqlite(c) => {
                let v = diesel::sql_query("PRAGMA data_version").get_result::<DataVersion>(c)?;
                Ok(Marker::Version(v.data_version))
            }
            ChangeWatcher::Postgres(pool) => {
                let mut conn = pool.get()?;
                let DbConn::Pg(c) = &mut *conn else {
                    return Err(StoreError::Connect(
                        "a PostgreSQL URL opened a SQLite connection".to_string(),
                    ));
                };
                let s = diesel::sql_query("SELECT pg_current_snapshot()::text AS snapshot")
                    .get_result::<CurrentSnapshot>(c)?;
                Ok(Marker::Snapshot(s.snapshot))
            }
        }
    }
}
