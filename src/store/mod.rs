//! Persistence on SQLite or PostgreSQL through one diesel connection type, [`DbConn`].
//!
//! The backend is picked from the database URL by our own r2d2 [`ConnManager`], so a wrong
//! password or a server that is down is reported with the server's own message. Queries are
//! written once against `DbConn`; where a dialect needs its own SQL the match lives in this
//! module tree (see [`dialect`]). Migrations for both dialects are embedded in the binary.
//!
//! Lookups by a key use `get_result`, not `first`: `first` adds `LIMIT ?`, and SQLite (3.50)
//! plans a bound `LIMIT` as a constant, so binding it again expires the cached statement and
//! every run prepares it anew (about as costly as the lookup itself, several times a page).
//! A key matches one row at most, so the limit changed nothing. Lists keep `LIMIT ? OFFSET ?`.

pub mod account_tokens;
pub mod applications;
pub mod audit;
pub mod credentials;
pub mod dialect;
pub mod documents;
pub mod error;
pub mod events;
pub mod fact_marks;
pub mod firm_query;
pub mod firms;
pub mod import_runs;
pub mod ip;
pub mod jobs;
pub mod login_attempts;
pub mod nominations;
pub mod profile;
pub mod refdata;
pub mod registry;
pub mod reports;
pub mod schema;
pub mod settings;
pub mod storage;
pub mod targets;
pub mod tokens;
pub mod user_changes;
pub mod users;
pub mod years;
// Coaching (issue 5).
pub mod assignments;
pub mod followups;
pub mod issues;
// notify: the outbox of emails and the users' mail preferences.
pub mod mail_prefs;
pub mod outbox;

pub use error::StoreError;

use diesel::connection::{
    AnsiTransactionManager, Connection, SimpleConnection, TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::r2d2::{CustomizeConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

/// A connection to either backend. Use it as any diesel connection; match on it only inside
/// `store` for dialect-specific SQL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL.
    Pg(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

/// The migrations for SQLite, embedded at build time.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The migrations for PostgreSQL, embedded at build time.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where the database URL's default points: `./peiyu.db`.
pub const DEFAULT_SQLITE_PATH: &str = "./peiyu.db";

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://…` or `postgresql://…`.
    Postgres,
    /// `sqlite://path`, `file:…`, or a plain path.
    Sqlite,
}

impl Backend {
    /// Pick the backend from a URL: `postgres://` and `postgresql://` are PostgreSQL;
    /// `sqlite://path`, `sqlite:path`, `file:` URIs and plain paths are SQLite. Any other
    /// `scheme://` is refused rather than taken for a file name.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let u = url.trim();
        let lower = u.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Backend::Postgres);
        }
        if lower.starts_with("sqlite:") || lower.starts_with("file:") {
            return Ok(Backend::Sqlite);
        }
        if let Some((scheme, _)) = u.split_once("://") {
            return Err(StoreError::Connect(format!(
                "unsupported database URL scheme '{scheme}://': use postgres://…, sqlite://path or a file path"
            )));
        }
        Ok(Backend::Sqlite)
    }

    /// Stable id: `postgres` or `sqlite`.
    pub fn id(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// The string SQLite should open for a URL: `sqlite://p` and `sqlite:p` become `p` (an empty
/// path means [`DEFAULT_SQLITE_PATH`]); `file:` URIs and plain paths pass through.
pub fn sqlite_target(url: &str) -> String {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    let path = if lower.starts_with("sqlite://") {
        &u["sqlite://".len()..]
    } else if lower.starts_with("sqlite:") {
        &u["sqlite:".len()..]
    } else {
        u
    };
    if path.is_empty() {
        DEFAULT_SQLITE_PATH.to_string()
    } else {
        path.to_string()
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// An r2d2 connection manager that opens the backend the URL names, and only that one.
#[derive(Debug, Clone)]
pub struct ConnManager {
    backend: Backend,
    target: String,
}

impl ConnManager {
    /// A manager for `url`; fails only on a URL whose scheme is neither backend's.
    pub fn new(url: &str) -> Result<ConnManager, StoreError> {
        let backend = Backend::from_url(url)?;
        let target = match backend {
            Backend::Postgres => url.trim().to_string(),
            Backend::Sqlite => sqlite_target(url),
        };
        Ok(ConnManager { backend, target })
    }

    /// Which backend this manager opens.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Open one connection, reporting the driver's own message on failure.
    pub fn establish(&self) -> Result<DbConn, StoreError> {
        let conn = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target).map(DbConn::Pg),
            Backend::Sqlite => SqliteConnection::establish(&self.target).map(DbConn::Sqlite),
        };
        conn.map_err(|e| {
            StoreError::Connect(format!(
                "cannot connect to {} database {}: {}",
                self.backend.id(),
                redact_url(&self.target),
                e.to_string().trim()
            ))
        })
    }
}

impl r2d2::ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConn, StoreError> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        conn.ping().map_err(StoreError::from)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// Per-connection settings applied when the pool opens a connection. On SQLite: foreign keys
/// on, a busy timeout so writers queue instead of failing, WAL so readers never block the
/// writer, and `synchronous = NORMAL` (durable with WAL, without a sync per commit).
#[derive(Debug, Clone, Copy)]
pub struct ConnSetup {
    /// How long a SQLite writer waits for the lock before `SQLITE_BUSY`.
    pub busy_timeout: Duration,
}

impl ConnSetup {
    /// Apply the settings to one connection.
    pub fn apply(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        match conn {
            DbConn::Sqlite(c) => c
                .batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                    self.busy_timeout.as_millis()
                ))
                .map_err(|e| {
                    StoreError::Connect(format!("cannot set up the SQLite connection: {e}"))
                }),
            DbConn::Pg(_) => Ok(()),
        }
    }
}

impl CustomizeConnection<DbConn, StoreError> for ConnSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        self.apply(conn)
    }
}

/// The connection pool.
pub type Pool = r2d2::Pool<ConnManager>;
/// A connection checked out of the [`Pool`].
pub type PooledConn = r2d2::PooledConnection<ConnManager>;

/// How long a request of `peiyu serve` waits for a pooled connection before it answers 503.
/// Under the benchmark's load (32 connections on a pool of 4) a wait is a few milliseconds.
pub const SERVER_CONNECTION_WAIT: Duration = Duration::from_secs(3);

/// How to size the pool and wait for locks.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// Connections kept open while idle.
    pub min_idle: Option<u32>,
    /// How long `pool.get()` waits for a free connection.
    pub connection_timeout: Duration,
    /// See [`ConnSetup::busy_timeout`].
    pub busy_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            min_idle: Some(1),
            connection_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl PoolOptions {
    /// The pool of a long-running server (`peiyu serve`): `max_size` connections (the
    /// PEIYU_DB_POOL setting), by default twice the cores and at least 4. More connections
    /// than the machine can run at once only queue inside the database: with PostgreSQL on
    /// the same 2-core machine, 10 backends behind 32 concurrent requests gave worse tail
    /// latency than 4 (`scripts/bench web`). A database on another machine may want more.
    /// A request waits at most [`SERVER_CONNECTION_WAIT`] for a connection: when the
    /// database refuses connections, the page says so within seconds instead of hanging.
    pub fn for_server(max_size: Option<u32>) -> PoolOptions {
        let max_size = max_size.filter(|n| *n > 0).unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(4, |n| u32::try_from(n.get() * 2).unwrap_or(u32::MAX))
                .max(4)
        });
        PoolOptions {
            max_size,
            connection_timeout: SERVER_CONNECTION_WAIT,
            ..PoolOptions::default()
        }
    }
}

/// Open a pool on `url` with default options and apply pending migrations.
pub fn connect(url: &str) -> Result<Pool, StoreError> {
    connect_with(url, &PoolOptions::default())
}

/// Open a pool on `url` and apply pending migrations. One connection is opened first, outside
/// the pool, so an unreachable server or a wrong password fails at once with its real message.
pub fn connect_with(url: &str, opts: &PoolOptions) -> Result<Pool, StoreError> {
    let manager = ConnManager::new(url)?;
    let setup = ConnSetup {
        busy_timeout: opts.busy_timeout,
    };
    let mut first = manager.establish()?;
    setup.apply(&mut first)?;
    migrate(&mut first)?;
    drop(first);
    // A checked-out PostgreSQL connection is pinged first (the server may have closed it);
    // a SQLite connection is a file handle in this process and cannot go away, so the ping
    // would only cost a statement preparation per checkout.
    let test_on_check_out = manager.backend() == Backend::Postgres;
    r2d2::Pool::builder()
        .test_on_check_out(test_on_check_out)
        .max_size(opts.max_size)
        .min_idle(opts.min_idle)
        .connection_timeout(opts.connection_timeout)
        .connection_customizer(Box::new(setup))
        .build(manager)
        .map_err(StoreError::Pool)
}

/// One connection on `url`, set up and migrated: for a command that runs once and exits. A
/// pool would keep background threads opening connections, and a process exiting while one
/// of them is inside the PostgreSQL client library can die by a signal after its work is done.
pub fn connect_one(url: &str) -> Result<DbConn, StoreError> {
    let manager = ConnManager::new(url)?;
    let mut conn = manager.establish()?;
    ConnSetup {
        busy_timeout: PoolOptions::default().busy_timeout,
    }
    .apply(&mut conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Apply the pending migrations of the connection's dialect; returns the versions applied.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    };
    applied
        .map(|v| v.iter().map(|m| m.to_string()).collect())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// The version of the migration that removes the declared valid-HTE flag.
const VALID_HTE_MIGRATION: &str = "20261207000002";

/// What a migration applied in this run recorded for the operator: the settings row
/// `migration.valid_hte_flag` (JSON: `firms_changed`, `with_certificate`,
/// `without_certificate`) when that migration is among `applied`.
pub fn migration_notes(
    conn: &mut DbConn,
    applied: &[String],
) -> Result<Option<String>, StoreError> {
    use diesel::prelude::*;
    use schema::settings::dsl as s;
    if !applied
        .iter()
        .any(|v| v.replace('-', "").starts_with(VALID_HTE_MIGRATION))
    {
        return Ok(None);
    }
    Ok(s::settings
        .filter(s::key.eq("migration.valid_hte_flag"))
        .select(s::value)
        .first::<String>(conn)
        .optional()?)
}

/// Revert every applied migration (for tests of the down scripts and for `migrate --redo`).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(PG_MIGRATIONS),
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
    };
    reverted
        .map(|v| v.iter().map(|m| m.to_string()).collect())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Which backend a connection talks to.
pub fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Pg(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}

/// The page cache, in KiB, an SQLite connection holds while it writes a bulk transaction
/// ([`bulk_write_tx`]). SQLite's default is 2,000 KiB.
pub const BULK_CACHE_KIB: i64 = 64 * 1024;

/// [`write_tx`] for a transaction that writes many rows at once (a registry import). On
/// SQLite the connection's page cache is raised to [`BULK_CACHE_KIB`] for the transaction and
/// put back after it, committed or not. With the default cache, a transaction that inserts
/// tens of thousands of rows evicts index pages it is still changing, and SQLite writes each
/// of them to the WAL file before reading it back. Measured with sqlite3 on the `firms` table
/// and its indexes, 100,000 rows whose codes come in no order: 2.3 s with the default cache,
/// 1.3 s with 64 MB. The whole import of 100,000 firms × 3 years (`scripts/bench import`, two
/// runs each): 6.2–6.4 s before, 5.8–6.0 s after.
pub fn bulk_write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::{QueryableByName, RunQueryDsl};
    if !matches!(conn, DbConn::Sqlite(_)) {
        return write_tx(conn, f);
    }
    #[derive(QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    let before = diesel::sql_query("PRAGMA cache_size").get_result::<CacheSize>(conn)?;
    conn.batch_execute(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))?;
    let out = write_tx(conn, f);
    // Outside the transaction again: the pooled connection goes back to its usual cache
    // (SQLite frees the pages above it).
    let restored = conn.batch_execute(&format!("PRAGMA cache_size = {}", before.cache_size));
    match (out, restored) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e.into()),
    }
}

/// Run `f` in a write transaction. On SQLite it begins with `BEGIN IMMEDIATE`, taking the write
/// lock up front: concurrent writers then queue on the busy timeout, where a deferred
/// transaction would fail with `SQLITE_BUSY` when it upgrades its read lock. On PostgreSQL it
/// is an ordinary transaction. Inside another transaction it nests as a savepoint.
/// `f`'s error rolls everything back.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let depth = <DbConn as TransactionManager<DbConn>>::transaction_manager_status_mut(conn)
        .transaction_depth()?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(user_error) => {
            match <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
                Err(rollback_error) => Err(rollback_error.into()),
            }
        }
    }
}
