//! Test databases on both backends, seed data and a firm builder.
//!
//! `backends()` gives each test a fresh SQLite file in a temporary directory and a fresh
//! PostgreSQL schema (`search_path` set through the URL's `options`) in the database named by
//! `PEIYU_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/peiyu_test`, created when
//! missing). The schema is dropped when the test's `TestDb` goes out of scope. Without a
//! reachable PostgreSQL the test fails with a message saying so; it never skips.

#![allow(dead_code)]

use chrono::{NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;
use peiyu::app::{self, NewFirmInput, Principal};
use peiyu::core::profile::FirmYear;
use peiyu::core::stage::Role;
use peiyu::store::firms::{Firm, FirmFacts};
use peiyu::store::refdata::{self, County, Sector};
use peiyu::store::users::{self, NewUser};
use peiyu::store::{self, Backend, DbConn, Pool, PoolOptions, PooledConn};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The PostgreSQL test database URL.
pub fn pg_base_url() -> String {
    std::env::var("PEIYU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/peiyu_test".to_string())
}

fn with_database(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (url, String::new()),
    };
    let base = match head.rfind('/') {
        Some(i) if i > head.find("://").map_or(0, |j| j + 2) => &head[..i],
        _ => head,
    };
    format!("{base}/{db}{query}")
}

fn database_name(url: &str) -> String {
    let head = url.split('?').next().unwrap_or(url);
    head.rsplit('/').next().unwrap_or("").to_string()
}

/// Make sure the test database exists, once per process.
fn ensure_pg_database() -> &'static str {
    static READY: OnceLock<String> = OnceLock::new();
    READY.get_or_init(|| {
        let url = pg_base_url();
        match PgConnection::establish(&url) {
            Ok(_) => url,
            Err(first) => {
                let admin_url = with_database(&url, "postgres");
                let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is unreachable, and these tests need it (they never skip).\n\
                         Tried {url}: {first}\nand {admin_url}: {e}\n\
                         Start PostgreSQL or point PEIYU_TEST_PG_URL at one."
                    )
                });
                let db = database_name(&url);
                if let Err(e) = admin.batch_execute(&format!("CREATE DATABASE \"{db}\"")) {
                    if !e.to_string().contains("already exists") {
                        panic!("cannot create the test database {db}: {e}");
                    }
                }
                url
            }
        }
    })
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_subsec_nanos() % 1_000_000;
    format!("{}_{}_{}", std::process::id(), n, nanos)
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Pg { base_url: String, schema: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Pg { base_url, schema } = self {
            match PgConnection::establish(base_url) {
                Ok(mut c) => {
                    if let Err(e) =
                        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    {
                        eprintln!("warning: could not drop test schema {schema}: {e}");
                    }
                }
                Err(e) => eprintln!("warning: could not drop test schema {schema}: {e}"),
            }
        }
    }
}

/// One fresh, migrated database. The pool is dropped before the database is removed.
pub struct TestDb {
    /// Which backend.
    pub backend: Backend,
    /// Its URL.
    pub url: String,
    /// A small pool on it.
    pub pool: Pool,
    /// The directory of its uploaded documents ([`TestDb::storage`]).
    pub files: tempfile::TempDir,
    cleanup: Cleanup,
}

/// Options for test pools: small, opened lazily, generous lock wait.
pub fn pool_options(max_size: u32) -> PoolOptions {
    PoolOptions {
        max_size,
        min_idle: Some(0),
        connection_timeout: Duration::from_secs(30),
        busy_timeout: Duration::from_secs(30),
    }
}

impl TestDb {
    /// A fresh SQLite file.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("peiyu.db").display());
        let pool = store::connect_with(&url, &pool_options(4)).expect("open test SQLite");
        TestDb {
            backend: Backend::Sqlite,
            url,
            pool,
            files: tempfile::tempdir().expect("temporary directory"),
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh PostgreSQL schema.
    pub fn postgres() -> TestDb {
        let base_url = ensure_pg_database().to_string();
        let schema = format!("t_{}", unique_suffix());
        let mut admin = PgConnection::establish(&base_url)
            .unwrap_or_else(|e| panic!("PostgreSQL is unreachable at {base_url}: {e}"));
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create test schema");
        let sep = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{sep}options=-csearch_path%3D{schema}");
        let cleanup = Cleanup::Pg { base_url, schema };
        let pool = store::connect_with(&url, &pool_options(4)).expect("open test PostgreSQL");
        TestDb {
            backend: Backend::Postgres,
            url,
            pool,
            files: tempfile::tempdir().expect("temporary directory"),
            cleanup,
        }
    }

    /// A connection from the pool.
    pub fn conn(&self) -> PooledConn {
        self.pool.get().expect("pooled connection")
    }

    /// Another pool on the same database, of `max_size` connections.
    pub fn pool_of(&self, max_size: u32) -> Pool {
        store::connect_with(&self.url, &pool_options(max_size)).expect("second pool")
    }

    /// The document storage of this database: a local directory, as `peiyu serve` keeps
    /// under `PEIYU_DATA_DIR/documents`.
    pub fn storage(&self) -> peiyu::store::storage::Storage {
        peiyu::store::storage::Storage::local(&self.files.path().join("documents"))
            .expect("document storage")
    }

    /// The keys the document storage holds.
    pub fn stored_keys(&self) -> Vec<String> {
        self.storage()
            .list()
            .expect("list the storage")
            .into_iter()
            .map(|l| l.key)
            .collect()
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn name(&self) -> &'static str {
        self.backend.id()
    }
}

/// A fresh database on each backend: SQLite first, then PostgreSQL.
pub fn backends() -> Vec<TestDb> {
    vec![TestDb::sqlite(), TestDb::postgres()]
}

/// Reference data and one user per role.
pub struct Seed {
    /// Admin.
    pub admin: Principal,
    /// Bureau staff.
    pub bureau: Principal,
    /// County officer of [`COUNTY_A`].
    pub county_a: Principal,
    /// County officer of [`COUNTY_B`].
    pub county_b: Principal,
    /// An advisor.
    pub advisor: Principal,
    /// A firm user (no firm yet).
    pub firm_user: Principal,
}

/// 新华区.
pub const COUNTY_A: &str = "411102";
/// 卫东区.
pub const COUNTY_B: &str = "411103";
/// A sector.
pub const SECTOR: &str = "C39";

fn add_user(conn: &mut DbConn, name: &str, role: Role, county: Option<&str>) -> Principal {
    let id = users::insert(
        conn,
        &NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            email: None,
            role: role.id().to_string(),
            county_code: county.map(str::to_string),
            firm_id: None,
            password_hash: "x".to_string(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: Utc::now().naive_utc(),
        },
    )
    .expect("insert user");
    Principal {
        user_id: Some(id),
        role,
        county_code: county.map(str::to_string),
        firm_id: None,
    }
}

/// Counties, a sector and users.
pub fn seed(conn: &mut DbConn) -> Seed {
    for (code, zh, en) in [
        (COUNTY_A, "新华区", "Xinhua"),
        (COUNTY_B, "卫东区", "Weidong"),
    ] {
        refdata::upsert_county(
            conn,
            &County {
                code: code.to_string(),
                name_zh: zh.to_string(),
                name_en: en.to_string(),
                kind: "district".to_string(),
            },
        )
        .expect("county");
    }
    refdata::upsert_sector(
        conn,
        &Sector {
            code: SECTOR.to_string(),
            name_zh: "计算机、通信和其他电子设备制造业".to_string(),
            name_en: "Electronics".to_string(),
        },
    )
    .expect("sector");
    Seed {
        admin: add_user(conn, "admin", Role::Admin, None),
        bureau: add_user(conn, "bureau", Role::Bureau, None),
        county_a: add_user(conn, "county_a", Role::County, Some(COUNTY_A)),
        county_b: add_user(conn, "county_b", Role::County, Some(COUNTY_B)),
        advisor: add_user(conn, "advisor", Role::Advisor, None),
        firm_user: add_user(conn, "firm_user", Role::Firm, None),
    }
}

/// A valid USCC not used before in this process.
pub fn next_uscc() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) as u64
        + (std::process::id() as u64 % 1000) * 10_000;
    peiyu::core::uscc::with_check_char(&format!("91411102MA{:07}", n % 10_000_000))
        .expect("17 valid characters")
}

/// Date shorthand.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// Builds a firm through the use cases, as a person would enter it.
pub struct FirmBuilder {
    input: NewFirmInput,
    years: Vec<(FirmYear, Option<u32>)>,
}

impl FirmBuilder {
    /// A prospect in county A with a fresh USCC.
    pub fn new() -> FirmBuilder {
        FirmBuilder {
            input: NewFirmInput {
                uscc: next_uscc(),
                name: "平顶山市测试科技有限公司".to_string(),
                county_code: COUNTY_A.to_string(),
                sector_code: Some(SECTOR.to_string()),
                founded_on: Some(d(2018, 5, 10)),
                employees: Some(120),
                tech_staff: Some(18),
                facts: FirmFacts::default(),
                ..NewFirmInput::default()
            },
            years: Vec::new(),
        }
    }

    /// In this county.
    pub fn county(mut self, code: &str) -> FirmBuilder {
        self.input.county_code = code.to_string();
        self
    }

    /// With this USCC.
    pub fn uscc(mut self, uscc: &str) -> FirmBuilder {
        self.input.uscc = uscc.to_string();
        self
    }

    /// With these facts.
    pub fn facts(mut self, facts: FirmFacts) -> FirmBuilder {
        self.input.facts = facts;
        self
    }

    /// Without head counts.
    pub fn no_staff(mut self) -> FirmBuilder {
        self.input.employees = None;
        self.input.tech_staff = None;
        self
    }

    /// With a year of figures (amounts in fen).
    pub fn year(mut self, y: FirmYear, conversions: Option<u32>) -> FirmBuilder {
        self.years.push((y, conversions));
        self
    }

    /// Create it as `who`.
    pub fn create(self, conn: &mut DbConn, who: &Principal) -> Firm {
        let firm = app::create_firm(conn, self.input, who).expect("create firm");
        for (figures, conversions) in self.years {
            app::save_firm_year(
                conn,
                firm.id,
                app::FirmYearInput {
                    figures,
                    conversions,
                },
                who,
            )
            .expect("save year");
        }
        peiyu::store::firms::find_by_id(conn, firm.id).expect("reload firm")
    }
}

/// Upload a small PDF for every kind application `id`'s checklist asks for, as `who` (the
/// firm's user or its advisor), so that it may be submitted.
pub fn attach_required(conn: &mut DbConn, db: &TestDb, who: &Principal, id: i64) {
    use peiyu::app::applications::documents::{checklist, upload_document};
    let app = peiyu::store::applications::find_by_id(conn, id).expect("the application");
    let target = peiyu::core::application::Target::parse(&app.target).expect("its target");
    let storage = db.storage();
    for kind in checklist(conn, target).expect("the checklist") {
        upload_document(
            conn,
            &storage,
            who,
            id,
            kind.id(),
            &format!("{}.pdf", kind.id()),
            peiyu::core::document::samples::pdf(64),
        )
        .unwrap_or_else(|e| panic!("upload {}: {e:?}", kind.id()));
    }
}

/// Import the registry in `bytes` as `who`, committed with the default options (no dry run,
/// bad rows refuse the whole file).
pub fn import_registry(
    conn: &mut DbConn,
    bytes: &[u8],
    who: &Principal,
) -> peiyu::app::imports::ImportReport {
    peiyu::app::imports::import_firms(
        conn,
        bytes,
        peiyu::app::imports::ImportOptions::default(),
        who,
        &mut |_, _, _| {},
    )
    .expect("import runs")
}

/// The indexes of `table` (every table when `None`) with their definitions, by name; an index
/// SQLite makes for a constraint has no definition of its own.
pub fn indexes(conn: &mut DbConn, table: Option<&str>) -> Vec<(String, Option<String>)> {
    #[derive(QueryableByName)]
    struct I {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        sql: Option<String>,
    }
    let (q, of_table) = match conn {
        DbConn::Sqlite(_) => (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'",
            "tbl_name",
        ),
        DbConn::Pg(_) => (
            "SELECT indexname AS name, indexdef AS sql FROM pg_indexes \
             WHERE schemaname = current_schema()",
            "tablename",
        ),
    };
    let only = table.map_or(String::new(), |t| format!(" AND {of_table} = '{t}'"));
    diesel::sql_query(format!("{q}{only} ORDER BY name"))
        .load::<I>(conn)
        .unwrap()
        .into_iter()
        .map(|i| (i.name, i.sql))
        .collect()
}

/// What a connection sends, recorded through diesel's instrumentation: the SQL of every
/// statement it runs (binds left out), and of every statement it prepares to keep.
#[derive(Clone, Default)]
pub struct StatementLog(std::sync::Arc<std::sync::Mutex<SentAndKept>>);

/// The statements a [`StatementLog`] saw.
#[derive(Debug, Default)]
pub struct SentAndKept {
    /// Each statement run, in order.
    pub sent: Vec<String>,
    /// Each statement prepared to keep.
    pub kept: Vec<String>,
}

impl StatementLog {
    /// What was seen so far, leaving the log empty.
    pub fn take(&self) -> SentAndKept {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl diesel::connection::Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent;
        let mut seen = self.0.lock().unwrap();
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                let text = query.to_string();
                let sql = text.split(" -- binds: ").next().unwrap_or_default();
                seen.sent.push(sql.to_string());
            }
            InstrumentationEvent::CacheQuery { sql, .. } => seen.kept.push(sql.to_string()),
            _ => {}
        }
    }
}
