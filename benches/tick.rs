//! `peiyu tick` on 100,000 firms (SQLite, and PostgreSQL when a server answers): a day with
//! many lapses (1 April), a quiet day, a rerun of that day, and the day the HTE annual-report
//! reminder goes to every HTE after a month without runs (catching up). Each firm's advisor
//! (50, with email) receives its reminders. Prints one line per run.

use chrono::{NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;
use peiyu::core::stage::Stage;
use peiyu::demo::COUNTIES;
use peiyu::jobs::{run_tick, TickOptions, TickOutcome};
use peiyu::store::credentials::NewCredential;
use peiyu::store::refdata::{self, County};
use peiyu::store::schema::{credentials, firms};
use peiyu::store::users::{self, NewUser};
use peiyu::store::{self, firms as firm_store, write_tx, DbConn, StoreError};
use std::time::Instant;

mod support;

const FIRMS: usize = 100_000;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn populate(conn: &mut DbConn) -> Result<(), StoreError> {
    write_tx(conn, |c| {
        for k in COUNTIES {
            refdata::upsert_county(
                c,
                &County {
                    code: k.code.into(),
                    name_zh: k.name_zh.into(),
                    name_en: k.name_en.into(),
                    kind: k.kind.into(),
                },
            )?;
        }
        support::generate_firms(c, FIRMS, "MT", "每日任务基准企业")?;
        let now = Utc::now().naive_utc();
        let mut advisors = Vec::new();
        for k in 0..50i64 {
            let id = users::insert(
                c,
                &NewUser {
                    username: format!("bench-advisor{k:02}"),
                    display_name: format!("顾问{k:02}"),
                    email: Some(format!("advisor{k:02}@bench.example")),
                    role: "advisor".into(),
                    county_code: None,
                    firm_id: None,
                    password_hash: "x".into(),
                    lang: "zh-CN".into(),
                    active: true,
                    created_at: now,
                },
            )?;
            advisors.push(id);
        }
        let ids = firm_store::all_ids(c)?;
        for (k, advisor) in advisors.iter().enumerate() {
            let mine: Vec<i64> = ids.iter().copied().filter(|f| f % 50 == k as i64).collect();
            for chunk in mine.chunks(5_000) {
                diesel::update(firms::table.filter(firms::id.eq_any(chunk)))
                    .set(firms::advisor_id.eq(Some(*advisor)))
                    .execute(c)?;
            }
        }
        // Tech-SMEs and reserve firms registered for 2026, one in fifty only for 2025 (they
        // lapse on 1 April 2026); HTEs and leaders with certificates issued on every day of
        // three years, so some run out and some reach a reminder mark every day.
        let all: Vec<(i64, String)> = firms::table
            .select((firms::id, firms::stage))
            .order(firms::id.asc())
            .load(c)?;
        let rows: Vec<NewCredential> = all
            .iter()
            .filter_map(|(id, stage)| {
                let stage = Stage::parse(stage)?;
                match stage {
                    Stage::TechSme | Stage::Reserve => {
                        let year = if id % 50 == 7 { 2025 } else { 2026 };
                        Some(NewCredential {
                            firm_id: *id,
                            kind: "tech_sme".into(),
                            number: Some(format!("{year}411100{id:06}")),
                            issued_on: None,
                            valid_from: d(year, 1, 1),
                            valid_until: Some(d(year + 1, 4, 1)),
                            status: "active".into(),
                            created_at: now,
                        })
                    }
                    Stage::HighTech | Stage::Leader => {
                        let issued = d(2023, 4, 2) + chrono::Days::new((*id % 1095) as u64);
                        Some(NewCredential {
                            firm_id: *id,
                            kind: "hte".into(),
                            number: Some(format!(
                                "GR{}41{:06}",
                                chrono::Datelike::year(&issued),
                                id % 1_000_000
                            )),
                            issued_on: Some(issued),
                            valid_from: issued,
                            valid_until: Some(peiyu::core::stage::hte_valid_until(issued)),
                            status: "active".into(),
                            created_at: now,
                        })
                    }
                    _ => None,
                }
            })
            .collect();
        for chunk in rows.chunks(1_000) {
            match c {
                DbConn::Pg(pg) => diesel::insert_into(credentials::table)
                    .values(chunk)
                    .execute(pg)?,
                DbConn::Sqlite(s) => diesel::insert_into(credentials::table)
                    .values(chunk)
                    .execute(s)?,
            };
        }
        Ok(())
    })
}

fn run(name: &str, conn: &mut DbConn, day: NaiveDate, rerun: bool, what: &str) {
    let t = Instant::now();
    let out = run_tick(
        conn,
        &TickOptions {
            rerun,
            ..TickOptions::new(day)
        },
    )
    .expect("tick");
    let secs = t.elapsed().as_secs_f64();
    match out {
        TickOutcome::Ran(s) => println!(
            "tick/{name} {day} ({what}): {} events, {} mails in {secs:.2} s",
            s.events_fired(),
            s.mails_queued()
        ),
        other => println!("tick/{name} {day} ({what}): {other:?} in {secs:.2} s"),
    }
}

fn run_backend(name: &str, url: &str) {
    let pool = store::connect(url).expect("open the database");
    let mut conn = pool.get().expect("connection");
    let t = Instant::now();
    populate(&mut conn).expect("populate");
    println!(
        "tick/{name}: populated {FIRMS} firms in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    run(
        name,
        &mut conn,
        d(2026, 3, 31),
        false,
        "first run, before the lapse day",
    );
    run(
        name,
        &mut conn,
        d(2026, 4, 1),
        false,
        "2% of tech-SMEs lapse",
    );
    run(name, &mut conn, d(2026, 4, 2), false, "a quiet day");
    run(
        name,
        &mut conn,
        d(2026, 4, 2),
        true,
        "the same day forced again",
    );
    run(
        name,
        &mut conn,
        d(2026, 5, 1),
        false,
        "a month missed; annual report to every HTE",
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = dir.path().join("bench-tick.db").display().to_string();
    run_backend("sqlite", &sqlite);

    let server = std::env::var("PEIYU_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    match PgConnection::establish(&server) {
        Ok(mut admin) => {
            let db = format!("peiyu_bench_tick_{}", std::process::id());
            admin
                .batch_execute(&format!("CREATE DATABASE \"{db}\""))
                .expect("create the bench database");
            let (head, query) = server
                .split_once('?')
                .map_or((server.as_str(), ""), |(h, q)| (h, q));
            let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
            let url = if query.is_empty() {
                format!("{base}/{db}")
            } else {
                format!("{base}/{db}?{query}")
            };
            run_backend("postgres", &url);
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"));
        }
        Err(_) => println!("tick/postgres: skipped, no server (set PEIYU_BENCH_PG_URL)"),
    }
}
