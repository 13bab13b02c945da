//! Rule evaluation speed: the verdict alone, and with the explanations rendered to JSON.
//! Goal (foundation issue): over 1,000,000 verdict evaluations per second on one core.

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use peiyu::core::profile::Profile;
use peiyu::core::rules::{evaluate, RuleSet, Thresholds};

fn bench(c: &mut Criterion) {
    let text = include_str!("../tests/fixtures/worked_example.json");
    let profile = Profile::from_json(text).expect("fixture parses");
    let as_of = NaiveDate::from_ymd_opt(2025, 5, 31).expect("date");
    let thresholds = Thresholds::default();
    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(1));
    for ruleset in [RuleSet::Hte2016, RuleSet::TechSme2017] {
        group.bench_function(format!("{}/verdict", ruleset.id()), |b| {
            b.iter(|| {
                let ev =
                    evaluate(black_box(&profile), ruleset, as_of, &thresholds).expect("evaluates");
                black_box((ev.eligible, ev.score, ev.readiness))
            })
        });
        group.bench_function(format!("{}/explained_json", ruleset.id()), |b| {
            b.iter(|| {
                let ev =
                    evaluate(black_box(&profile), ruleset, as_of, &thresholds).expect("evaluates");
                black_box(serde_json::to_string(&ev.to_json()).expect("serialises"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
