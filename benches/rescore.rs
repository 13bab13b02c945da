//! Re-scoring every firm of a 100,000-firm SQLite database: what happens when the bureau edits
//! a local threshold. Goal (foundation issue): under 5 s.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use peiyu::app::rescore_all_as_of;
use peiyu::demo::COUNTIES;
use peiyu::store::refdata::{self, County};
use peiyu::store::{self, write_tx, DbConn, StoreError};
use std::time::Instant;

mod support;

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
        support::generate_firms(c, FIRMS, "MA", "基准测试企业")
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
