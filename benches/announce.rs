//! Recording a province's announcement list (issue 15, part 7): the demo city plus a registry
//! of 5,000 firms, then an HTE list naming those 5,000 with their certificates, checked (dry
//! run), recorded, and recorded again (everything already recorded), on SQLite and
//! PostgreSQL (`PEIYU_BENCH_PG_URL`, or the local server when it answers). No goal is set;
//! the figures say how long a list keeps the bureau's page or command waiting. Each run is
//! checked: every entry recorded, then every entry already recorded.

use chrono::{Datelike, Days, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use peiyu::app::imports::announce::{import_announcements, AnnounceOptions};
use peiyu::app::imports::samples::{registry_csv, sample_name, sample_uscc};
use peiyu::app::imports::{import_firms, ImportOptions};
use peiyu::app::seed_demo::seed_demo;
use peiyu::demo::COUNTIES;
use peiyu::store::{self, users};
use std::time::Instant;

const FIRMS: usize = 5_000;

/// The registry of the firms, and the HTE list naming them all (as the province writes one:
/// a title row, a blank row, the header).
fn files() -> (String, Vec<u8>) {
    let counties: Vec<&str> = COUNTIES.iter().map(|c| c.name_zh).collect();
    let registry = registry_csv(FIRMS, &[2023, 2024, 2025], &counties);
    let issued = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(20))
        .expect("a date");
    let year = issued.year();
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record([format!("{year}年度河南省第一批高新技术企业认定名单")])
        .expect("csv");
    w.write_record([""]).expect("csv");
    w.write_record([
        "序号",
        "企业名称",
        "统一社会信用代码",
        "证书编号",
        "发证日期",
        "所属县区",
    ])
    .expect("csv");
    for i in 0..FIRMS {
        w.write_record([
            (i + 1).to_string(),
            sample_name(i),
            sample_uscc(i),
            format!("GR{year}41{:06}", i + 1),
            issued.to_string(),
            counties[i % counties.len()].to_string(),
        ])
        .expect("csv");
    }
    (registry, w.into_inner().expect("csv"))
}

fn run(backend: &str, url: &str, registry: &str, list: &[u8]) {
    let mut conn = store::connect_one(url).expect("open the database");
    seed_demo(&mut conn, 42, 150, Utc::now().date_naive()).expect("seed the demo");
    let bureau = users::find_by_username(&mut conn, "bureau")
        .expect("users")
        .expect("the demo's bureau user");
    let bureau = peiyu::app::access::principal_of(&bureau).expect("a principal");
    let reg = import_firms(
        &mut conn,
        registry.as_bytes(),
        ImportOptions::default(),
        &bureau,
        &mut |_, _, _| {},
    )
    .expect("import the registry");
    assert!(
        reg.committed,
        "the registry is imported: {:?}",
        reg.errors.first()
    );

    for (what, dry_run, expect) in [
        ("check (dry run)", true, "applied"),
        ("record", false, "applied"),
        ("record again", false, "unchanged"),
    ] {
        let t = Instant::now();
        let report = import_announcements(
            &mut conn,
            list,
            AnnounceOptions { dry_run },
            &bureau,
            &mut |_, _| {},
        )
        .expect("the list is read");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(
            report.count(expect),
            FIRMS,
            "{backend} {what}: every entry {expect}"
        );
        println!(
            "announce/{backend}: {what} of a {FIRMS}-row HTE list in {secs:.2} s ({:.0} entries/s)",
            FIRMS as f64 / secs
        );
    }
}

fn main() {
    let (registry, list) = files();
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "sqlite",
        &dir.path().join("announce.db").display().to_string(),
        &registry,
        &list,
    );

    let server = std::env::var("PEIYU_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let Ok(mut admin) = PgConnection::establish(&server) else {
        println!("announce/postgres: skipped, no server (set PEIYU_BENCH_PG_URL)");
        return;
    };
    let (head, query) = server.split_once('?').unwrap_or((server.as_str(), ""));
    let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
    let db = format!("peiyu_bench_announce_{}", std::process::id());
    admin
        .batch_execute(&format!("CREATE DATABASE \"{db}\""))
        .expect("create the bench database");
    let url = if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    };
    run("postgres", &url, &registry, &list);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
}
