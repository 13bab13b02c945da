//! Re-scoring every firm of a 100,000-firm SQLite database: what happens when the bureau edits
//! a local threshold. Goal (foundation issue): under 5 s.

use chrono::{NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use peiyu::app::rescore_all_as_of;
use peiyu::core::money::Fen;
use peiyu::core::profile::FirmYear;
use peiyu::core::stage::Stage;
use peiyu::core::uscc::with_check_char;
use peiyu::demo::COUNTIES;
use peiyu::store::firms::{self, FirmFacts, NewFirm};
use peiyu::store::refdata::{self, County};
use peiyu::store::years::{self, FirmYearRow};
use peiyu::store::{self, write_tx, DbConn, StoreError};
use std::time::Instant;

const FIRMS: usize = 100_000;

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
        let now = Utc::now().naive_utc();
        let stages = [
            Stage::Prospect,
            Stage::TechSme,
            Stage::Reserve,
            Stage::HighTech,
            Stage::Leader,
        ];
        let facts = FirmFacts::default().to_json();
        for chunk in (0..FIRMS).collect::<Vec<_>>().chunks(2_000) {
            let rows: Vec<NewFirm> = chunk
                .iter()
                .map(|&i| NewFirm {
                    uscc: with_check_char(&format!("91411100MA{i:07}")).expect("valid body"),
                    name: format!("基准测试企业{i:06}有限公司"),
                    county_code: COUNTIES[i % 6].code.into(),
                    sector_code: None,
                    founded_on: NaiveDate::from_ymd_opt(
                        2010 + (i % 12) as i32,
                        1 + (i % 12) as u32,
                        1,
                    ),
                    stage: stages[i % stages.len()].id().into(),
                    advisor_id: None,
                    contact_name: None,
                    contact_phone: None,
                    contact_email: None,
                    employees: Some(50 + (i % 400) as i32),
                    tech_staff: Some(5 + (i % 120) as i32),
                    facts: facts.clone(),
                    created_at: now,
                    updated_at: now,
                })
                .collect();
            firms::insert_many(c, &rows)?;
        }
        let ids: Vec<i64> = firms::all_ids(c)?;
        for chunk in ids.chunks(1_000) {
            let mut rows = Vec::with_capacity(chunk.len() * 3);
            for &id in chunk {
                let base = 10_000_000 + (id % 997) * 250_000;
                for (k, year) in (2023..=2025).enumerate() {
                    let revenue = base + base * k as i64 / 8;
                    let fy = FirmYear {
                        year,
                        revenue: Fen::from_yuan(revenue),
                        rd_expense: Fen::from_yuan(revenue * (2 + id % 6) / 100),
                        rd_expense_domestic: Fen::from_yuan(revenue * (2 + id % 6) / 100),
                        high_tech_revenue: Fen::from_yuan(revenue * (40 + id % 50) / 100),
                        total_cost: Fen::from_yuan(revenue * 9 / 10),
                        total_assets: Fen::from_yuan(revenue * 13 / 10),
                        net_assets: Fen::from_yuan(revenue * 6 / 10),
                    };
                    rows.push(FirmYearRow::from_core(id, &fy, Some((id % 6) as i32)));
                }
            }
            years::insert_many(c, &rows)?;
        }
        Ok(())
    })
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("bench.db").display().to_string();
    let pool = store::connect(&url).expect("open SQLite");
    let mut conn = pool.get().expect("connection");
    let t = Instant::now();
    populate(&mut conn).expect("populate");
    eprintln!(
        "populated {FIRMS} firms in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let mut group = c.benchmark_group("rescore");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(40));
    group.bench_function("sqlite/100k_firms", |b| {
        b.iter(|| {
            let n = rescore_all_as_of(&mut conn, as_of).expect("rescore");
            assert_eq!(n, FIRMS);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
