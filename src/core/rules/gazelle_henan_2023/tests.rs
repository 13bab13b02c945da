//! Tests of `gazelle_henan_2023`.

use super::super::testkit::*;
use super::super::{evaluate, RuleSet, Thresholds};
use super::*;

// The stable ids outside checks read (CRITERIA.md), spelled out to pin them.
const REVENUE: &str = "gazelle.revenue";
const RD_RATIO: &str = "gazelle.rd_ratio";
const GROWTH: &str = "gazelle.growth";
const BASE: &str = "gazelle.base";

const GAZELLE: RuleSet = RuleSet::GazelleHenan2023;

fn as_of() -> chrono::NaiveDate {
    d(2025, 5, 31)
}

/// 40,000,000 → 52,900,000 over two years: exactly 1.3225, i.e. 15% a year.
fn ready() -> ProfileBuilder {
    ProfileBuilder::new()
        .founded(2015, 1, 1)
        .revenue(2022, 40_000_000)
        .revenue(2023, 46_000_000)
        .revenue(2024, 52_900_000)
        .rd(2024, 1_587_000)
        .tech_sme(2025)
}

fn st(b: ProfileBuilder, id: &str) -> Status {
    status(&b.build(), GAZELLE, as_of(), id)
}

#[test]
fn a_firm_meeting_everything_is_eligible_and_says_the_field_is_not_checked() {
    let ev = eval(&ready().build(), GAZELLE, as_of());
    assert_eq!(ev.eligible, Some(true));
    let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec![REVENUE, RD_RATIO, GROWTH, BASE]);
    assert!(ev.assumptions.contains(Assumption::GazelleFieldNotChecked));
    let t = &ev.to_json()["thresholds"];
    assert_eq!(t["revenue_above_yuan"], 50_000_000);
    assert_eq!(t["growth_bp"], 1_500);
}

#[test]
fn revenue_exactly_50_million_fails_and_one_yuan_more_passes() {
    let b = |r| ready().revenue(2024, r).rd(2024, r);
    let ev = eval(&b(50_000_000).build(), GAZELLE, as_of());
    assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, REVENUE)["gap_en"],
        "2024 revenue short by ¥1"
    );
    assert_eq!(st(b(50_000_001), REVENUE), Status::Pass);
}

#[test]
fn rd_ratio_exactly_3_percent_passes_and_one_yuan_less_fails() {
    assert_eq!(st(ready(), RD_RATIO), Status::Pass);
    let ev = eval(&ready().rd(2024, 1_586_999).build(), GAZELLE, as_of());
    assert_eq!(crit(&ev, RD_RATIO).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, RD_RATIO)["gap_en"],
        "R&D spending 2024 short by ¥1"
    );
}

#[test]
fn growth_exactly_32_25_percent_over_two_years_passes() {
    let ev = eval(&ready().build(), GAZELLE, as_of());
    assert_eq!(crit(&ev, GROWTH).status, Status::Pass);
    assert_eq!(crit_json(&ev, GROWTH)["actual"], "15.00% a year");
    assert!(compound_growth_met(Fen(10_000), Fen(13_225), 1_500));
    assert!(!compound_growth_met(Fen(10_000), Fen(13_224), 1_500));
}

#[test]
fn growth_one_yuan_short_of_32_25_percent_fails_with_the_gap() {
    let ev = eval(
        &ready()
            .revenue(2024, 52_899_999)
            .rd(2024, 2_000_000)
            .build(),
        GAZELLE,
        as_of(),
    );
    assert_eq!(crit(&ev, GROWTH).status, Status::Fail);
    let c = crit_json(&ev, GROWTH);
    assert_eq!(c["actual"], "14.99% a year");
    assert_eq!(c["gap_en"], "2024 revenue short by ¥1");
}

#[test]
fn growth_threshold_is_editable() {
    // 20% a year compounds to 1.44.
    let mut t = Thresholds::default();
    t.gazelle.growth_bp = 2_000;
    let b = |v3| ready().revenue(2024, v3).rd(2024, v3);
    let ok = evaluate(&b(57_600_000).build(), GAZELLE, as_of(), &t).expect("ok");
    assert_eq!(crit(&ok, GROWTH).status, Status::Pass);
    let short = evaluate(&b(57_599_999).build(), GAZELLE, as_of(), &t).expect("ok");
    assert_eq!(crit(&short, GROWTH).status, Status::Fail);
}

#[test]
fn zero_revenue_two_years_back_fails_growth_saying_why() {
    let ev = eval(&ready().revenue(2022, 0).build(), GAZELLE, as_of());
    let g = crit_json(&ev, GROWTH);
    assert_eq!(g["status"], "fail");
    assert_eq!(
        g["explain_en"],
        "Two-year compound revenue growth is not met: revenue is zero in 2022, so the ratio cannot be computed."
    );
    assert_eq!(g["actual"], "no revenue");
    // No sales in the latest year: the R&D ratio cannot be met either.
    let ev = eval(&ready().revenue(2024, 0).build(), GAZELLE, as_of());
    assert_eq!(crit(&ev, "gazelle.rd_ratio").status, Status::Fail);
    assert_eq!(ev.eligible, Some(false));
}

#[test]
fn a_missing_year_makes_growth_unknown() {
    let mut p = ready().build();
    p.financials.retain(|y| y.year != 2022);
    assert_eq!(status(&p, GAZELLE, as_of(), GROWTH), Status::Unknown);
}

#[test]
fn base_is_a_valid_hte_or_a_current_tech_sme() {
    let mut p = ready().build();
    p.tech_sme = None;
    assert_eq!(status(&p, GAZELLE, as_of(), BASE), Status::Unknown);
    p.hte_certificate = ready().hte_certificate(2023, 1, 1).build().hte_certificate;
    assert_eq!(status(&p, GAZELLE, as_of(), BASE), Status::Pass);
    let b = ready().tech_sme(2023).routes(|r| r.valid_hte = Some(false));
    assert_eq!(st(b, BASE), Status::Fail);
}
