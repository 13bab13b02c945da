//! Importing a generated registry of 100,000 firms × 3 years (issue 15, part 6), as GB18030
//! CSV and as XLSX, on SQLite and PostgreSQL (and on SQLite the CSV with its rows in scrambled
//! code order), with the acceptance checks (the right counts,
//! and a second import that reports everything unchanged and writes nothing), against the
//! floor of loading the same rows into bare tables with the database's own loader: sqlite3's
//! `.import`, PostgreSQL's `COPY` (psql's `\copy`). Goal: within 3× of the floor on SQLite.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;
use peiyu::app::imports::samples::{registry_csv, registry_xlsx, sample_row};
use peiyu::app::imports::{import_firms, ImportOptions, ImportReport};
use peiyu::app::Principal;
use peiyu::demo::COUNTIES;
use peiyu::store::refdata::{self, County};
use peiyu::store::{self, DbConn};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const FIRMS: usize = 100_000;
const YEARS: [i32; 3] = [2023, 2024, 2025];

fn county_names() -> Vec<&'static str> {
    COUNTIES.iter().map(|c| c.name_zh).collect()
}

fn fresh(url: &str) -> DbConn {
    let mut conn = store::connect_one(url).expect("open the database");
    for k in COUNTIES {
        refdata::upsert_county(
            &mut conn,
            &County {
                code: k.code.into(),
                name_zh: k.name_zh.into(),
                name_en: k.name_en.into(),
                kind: k.kind.into(),
            },
        )
        .expect("county");
    }
    conn
}

fn import(conn: &mut DbConn, bytes: &[u8]) -> (ImportReport, f64) {
    let t = Instant::now();
    // Where the time goes: when each phase starts (reading and parsing come before the first).
    let mut marks: Vec<String> = Vec::new();
    let mut last = None;
    let r = import_firms(
        conn,
        bytes,
        ImportOptions::default(),
        &Principal::system(),
        &mut |phase, done, _| {
            let key = (phase, done == 0);
            if last != Some(key) {
                marks.push(format!("{phase:?}@{:.2}s", t.elapsed().as_secs_f64()));
                last = Some(key);
            }
        },
    )
    .expect("import");
    let secs = t.elapsed().as_secs_f64();
    println!("import/phases: {} end@{secs:.2}s", marks.join(" "));
    (r, secs)
}

fn count(conn: &mut DbConn, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(conn)
        .expect("count")
        .n
}

/// Import `bytes` into a fresh database at `url`, check the counts, import again and check
/// nothing changed; returns the first import's seconds.
fn run(backend: &str, kind: &str, url: &str, bytes: &[u8]) -> f64 {
    let mut conn = fresh(url);
    let (r, secs) = import(&mut conn, bytes);
    assert!(
        r.errors.is_empty(),
        "{:?}",
        &r.errors[..r.errors.len().min(5)]
    );
    assert_eq!((r.new, r.updated, r.unchanged), (FIRMS, 0, 0));
    assert_eq!(count(&mut conn, "firms"), FIRMS as i64);
    assert_eq!(count(&mut conn, "firm_years"), (FIRMS * YEARS.len()) as i64);
    let audits = count(&mut conn, "audit_log");
    println!(
        "import/{backend}/{kind}: {FIRMS} firms × {} years in {secs:.2} s ({:.0} firms/s)",
        YEARS.len(),
        FIRMS as f64 / secs
    );
    let (again, secs2) = import(&mut conn, bytes);
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, FIRMS));
    assert!(!again.committed);
    assert_eq!(
        count(&mut conn, "audit_log"),
        audits,
        "a second import writes nothing"
    );
    println!("import/{backend}/{kind} again: all {FIRMS} unchanged in {secs2:.2} s");
    secs
}

/// The registry `text` with its firm rows in a scrambled order: the generated codes ascend
/// with the rows, while a real registry (sorted by name or date) brings them in any order, and
/// new codes then land all over the code index rather than at its end. A fixed permutation,
/// the same in every run: row `i` is taken from `i × step mod n`, `step` the integer nearest
/// n × 0.618 that is coprime to n (each next row lands in the largest gap the earlier ones left).
fn shuffled(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // The title, a blank line and the header before the rows; the totals line after them.
    let (head, rest) = lines.split_at(3);
    let (rows, tail) = rest.split_at(rest.len() - 1);
    let n = rows.len();
    let golden = n * 618 / 1000;
    let step = (golden..n).find(|s| gcd(*s, n) == 1).unwrap_or(1);
    let mut out: Vec<&str> = head.to_vec();
    out.extend((0..n).map(|i| rows[(i * step) % n]));
    out.extend(tail);
    out.join("\n") + "\n"
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The same rows as two bare CSV files (firms, years), UTF-8 with a header line.
fn bare_files(dir: &Path) -> (String, String) {
    let names = county_names();
    let mut firms = csv::Writer::from_path(dir.join("firms.csv")).expect("firms.csv");
    let mut years = csv::Writer::from_path(dir.join("years.csv")).expect("years.csv");
    firms
        .write_record([
            "uscc",
            "name",
            "county",
            "founded_on",
            "employees",
            "tech_staff",
            "invention_patents",
            "utility_models",
        ])
        .expect("write");
    years
        .write_record(["uscc", "year", "revenue", "rd_expense", "total_assets"])
        .expect("write");
    for i in 0..FIRMS {
        let row: Vec<String> = sample_row(i, &YEARS, &names)
            .iter()
            .map(|c| c.csv())
            .collect();
        firms.write_record(&row[1..9]).expect("write");
        for (k, y) in YEARS.iter().enumerate() {
            let a = 9 + k * 3;
            years
                .write_record([&row[2], &y.to_string(), &row[a], &row[a + 1], &row[a + 2]])
                .expect("write");
        }
    }
    firms.flush().expect("flush");
    years.flush().expect("flush");
    (
        dir.join("firms.csv").display().to_string(),
        dir.join("years.csv").display().to_string(),
    )
}

fn sqlite_floor(dir: &Path, firms: &str, years: &str) -> Option<f64> {
    let db = dir.join("floor.db");
    let script = format!(
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n\
         CREATE TABLE firms_bare(uscc TEXT, name TEXT, county TEXT, founded_on TEXT, \
         employees INTEGER, tech_staff INTEGER, invention_patents INTEGER, utility_models INTEGER);\n\
         CREATE TABLE years_bare(uscc TEXT, year INTEGER, revenue TEXT, rd_expense TEXT, \
         total_assets TEXT);\n\
         BEGIN;\n.import --csv --skip 1 {firms} firms_bare\n\
         .import --csv --skip 1 {years} years_bare\nCOMMIT;\n"
    );
    let t = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take()?;
        stdin.write_all(script.as_bytes()).ok()?;
    }
    let out = child.wait_with_output().ok()?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() || !out.stderr.is_empty() {
        println!(
            "import/sqlite floor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(secs)
}

fn pg_floor(url: &str, firms: &str, years: &str) -> Option<f64> {
    let sql = format!(
        "CREATE TABLE firms_bare(uscc TEXT, name TEXT, county TEXT, founded_on DATE, \
         employees INTEGER, tech_staff INTEGER, invention_patents INTEGER, utility_models INTEGER);\n\
         CREATE TABLE years_bare(uscc TEXT, year INTEGER, revenue NUMERIC, rd_expense NUMERIC, \
         total_assets NUMERIC);\n\
         BEGIN;\n\\copy firms_bare FROM '{firms}' WITH (FORMAT csv, HEADER true)\n\
         \\copy years_bare FROM '{years}' WITH (FORMAT csv, HEADER true)\nCOMMIT;\n"
    );
    let t = Instant::now();
    let mut child = Command::new("psql")
        .arg(url)
        .args(["-q", "-v", "ON_ERROR_STOP=1"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take()?;
        stdin.write_all(sql.as_bytes()).ok()?;
    }
    let status = child.wait().ok()?;
    let secs = t.elapsed().as_secs_f64();
    status.success().then_some(secs)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = county_names();
    let t = Instant::now();
    let text = registry_csv(FIRMS, &YEARS, &names);
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let csv = gb.into_owned();
    let csv_shuffled = encoding_rs::GB18030.encode(&shuffled(&text)).0.into_owned();
    drop(text);
    let xlsx = registry_xlsx(FIRMS, &YEARS, &names).expect("xlsx");
    let (firms_csv, years_csv) = bare_files(dir.path());
    println!(
        "import: generated the registry ({:.1} MB GB18030 CSV, {:.1} MB XLSX) in {:.1} s",
        csv.len() as f64 / 1e6,
        xlsx.len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let sqlite_csv = run(
        "sqlite",
        "csv",
        &dir.path().join("csv.db").display().to_string(),
        &csv,
    );
    run(
        "sqlite",
        "csv in random code order",
        &dir.path().join("csv-shuffled.db").display().to_string(),
        &csv_shuffled,
    );
    run(
        "sqlite",
        "xlsx",
        &dir.path().join("xlsx.db").display().to_string(),
        &xlsx,
    );
    match sqlite_floor(dir.path(), &firms_csv, &years_csv) {
        Some(floor) => println!(
            "import/sqlite floor (sqlite3 .import into bare tables): {floor:.2} s; \
             the CSV import is {:.1}× the floor (goal: within 3×)",
            sqlite_csv / floor
        ),
        None => println!(
            "import/sqlite floor: not measured (see above; scripts/bench installs sqlite3)"
        ),
    }

    let server = std::env::var("PEIYU_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    match PgConnection::establish(&server) {
        Ok(mut admin) => {
            let (head, query) = server
                .split_once('?')
                .map_or((server.as_str(), ""), |(h, q)| (h, q));
            let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
            let with_db = |db: &str| {
                if query.is_empty() {
                    format!("{base}/{db}")
                } else {
                    format!("{base}/{db}?{query}")
                }
            };
            let mut secs = Vec::new();
            for kind in ["csv", "xlsx", "floor"] {
                let db = format!("peiyu_bench_import_{kind}_{}", std::process::id());
                admin
                    .batch_execute(&format!("CREATE DATABASE \"{db}\""))
                    .expect("create the bench database");
                let url = with_db(&db);
                match kind {
                    "csv" => secs.push(run("postgres", kind, &url, &csv)),
                    "xlsx" => {
                        run("postgres", kind, &url, &xlsx);
                    }
                    _ => match pg_floor(&url, &firms_csv, &years_csv) {
                        Some(floor) => println!(
                            "import/postgres floor (COPY into bare tables): {floor:.2} s; \
                             the CSV import is {:.1}× the floor",
                            secs[0] / floor
                        ),
                        None => println!("import/postgres floor: skipped (psql failed)"),
                    },
                }
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
            }
        }
        Err(_) => println!("import/postgres: skipped, no server (set PEIYU_BENCH_PG_URL)"),
    }
}
