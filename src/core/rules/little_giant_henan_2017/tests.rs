//! Tests of `little_giant_henan_2017`.

use super::super::testkit::{crit, crit_json, d, eval, status, yuan, ProfileBuilder};
use super::super::RuleSet;
use super::*;
use crate::core::profile::PlatformLevel;

// The stable ids outside checks read (CRITERIA.md), spelled out to pin them.
const REVENUE: &str = "giant.revenue";
const GROWTH: &str = "giant.growth";
const RD: &str = "giant.rd";
const IP: &str = "giant.ip";
const PLATFORM: &str = "giant.platform";

const GIANT: RuleSet = RuleSet::LittleGiantHenan2017;

fn as_of() -> chrono::NaiveDate {
    d(2025, 5, 31)
}

/// Cultivating tier: 25 → 30 → 36 million (20% each year), R&D 5%, one IP item.
fn ready() -> ProfileBuilder {
    ProfileBuilder::new()
        .founded(2015, 1, 1)
        .revenue(2022, 25_000_000)
        .revenue(2023, 30_000_000)
        .revenue(2024, 36_000_000)
        .rd(2024, 1_800_000)
        .total_cost(2024, 30_000_000)
        .ip(0, 1)
}

/// Giant tier: 125 → 150 → 180 million, R&D 5%, one Class I item, city platform.
fn giant() -> ProfileBuilder {
    ProfileBuilder::new()
        .revenue(2022, 125_000_000)
        .revenue(2023, 150_000_000)
        .revenue(2024, 180_000_000)
        .rd(2024, 9_000_000)
        .total_cost(2024, 150_000_000)
        .ip(1, 0)
        .platform(PlatformLevel::City)
}

fn st(b: ProfileBuilder, id: &str) -> Status {
    status(&b.build(), GIANT, as_of(), id)
}

fn tier(revenue: i64) -> Option<Tier> {
    tier_of(yuan(revenue), &LittleGiantThresholds::default())
}

#[test]
fn both_tiers_can_be_eligible_and_the_tier_is_reported() {
    let ev = eval(&ready().build(), GIANT, as_of());
    assert_eq!(ev.eligible, Some(true));
    assert_eq!(ev.to_json()["tier"], "cultivating");
    let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec![REVENUE, GROWTH, RD, IP, PLATFORM]);
    let ev = eval(&giant().build(), GIANT, as_of());
    assert_eq!(ev.eligible, Some(true));
    assert_eq!(ev.to_json()["tier"], "giant");
    assert_eq!(ev.to_json()["thresholds"]["giant_platform"], "city");
}

#[test]
fn tier_bounds_are_inclusive_below_and_exclusive_above() {
    assert_eq!(tier(9_999_999), None);
    assert_eq!(tier(10_000_000), Some(Tier::Cultivating));
    assert_eq!(tier(99_999_999), Some(Tier::Cultivating));
    assert_eq!(tier(100_000_000), Some(Tier::Giant));
    assert_eq!(tier(199_999_999), Some(Tier::Giant));
    assert_eq!(tier(200_000_000), None);
}

#[test]
fn revenue_below_10_million_fails_with_the_gap_and_a_null_tier() {
    let ev = eval(&ready().revenue(2024, 9_999_999).build(), GIANT, as_of());
    assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, REVENUE)["gap_en"],
        "2024 revenue short by ¥1"
    );
    assert!(ev.to_json()["tier"].is_null());
}

#[test]
fn revenue_at_200_million_is_too_large() {
    let ev = eval(&giant().revenue(2024, 200_000_000).build(), GIANT, as_of());
    assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
}

#[test]
fn average_growth_exactly_20_percent_passes_and_one_yuan_less_fails() {
    assert_eq!(st(ready(), GROWTH), Status::Pass);
    let ev = eval(&ready().revenue(2024, 35_999_999).build(), GIANT, as_of());
    assert_eq!(crit(&ev, GROWTH).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, GROWTH)["gap_en"],
        "2024 sales short by ¥1 (with 2022 and 2023 unchanged)"
    );
    assert!(average_growth_met(yuan(100), yuan(100), yuan(140), 2_000));
    assert!(!average_growth_met(yuan(100), yuan(100), yuan(139), 2_000));
}

#[test]
fn zero_sales_in_a_growth_denominator_fails_saying_why() {
    let ev = eval(&ready().revenue(2023, 0).build(), GIANT, as_of());
    let g = crit_json(&ev, GROWTH);
    assert_eq!(g["status"], "fail");
    assert!(g["explain_en"]
        .as_str()
        .is_some_and(|s| s.contains("revenue is zero in 2023")));
    assert!(g["gap_en"].is_string());
    // No sales and no cost: the R&D condition cannot be met.
    let none = ready().revenue(2024, 0).total_cost(2024, 0);
    assert_eq!(st(none, RD), Status::Fail);
}

#[test]
fn rd_passes_at_5_percent_of_revenue_or_25_percent_of_cost() {
    assert_eq!(st(ready(), RD), Status::Pass, "5% of revenue");
    let by_cost = ready().rd(2024, 1_000_000).total_cost(2024, 4_000_000);
    assert_eq!(st(by_cost, RD), Status::Pass, "25% of cost");
    let neither = ready().rd(2024, 1_799_999).total_cost(2024, 7_200_000);
    let ev = eval(&neither.build(), GIANT, as_of());
    assert_eq!(crit(&ev, RD).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, RD)["gap_en"],
        "R&D spending 2024 short by ¥1"
    );
}

#[test]
fn rd_with_a_missing_side_that_could_pass_is_unknown() {
    let mut p = ready().rd(2024, 1_000_000).build();
    p.financials[2].total_cost = None;
    assert_eq!(status(&p, GIANT, as_of(), RD), Status::Unknown);
}

#[test]
fn ip_by_tier() {
    assert_eq!(st(ready().ip(0, 1), IP), Status::Pass);
    assert_eq!(st(ready().ip(0, 0), IP), Status::Fail);
    assert_eq!(st(giant().ip(1, 0), IP), Status::Pass);
    assert_eq!(st(giant().ip(0, 3), IP), Status::Pass);
    let ev = eval(&giant().ip(0, 2).build(), GIANT, as_of());
    assert_eq!(crit(&ev, IP).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, IP)["gap_en"],
        "1 Class I IP item(s), or 1 more Class II item(s)"
    );
}

#[test]
fn ip_with_an_undecided_tier_is_decided_only_where_both_tiers_agree() {
    let mut p = ready().ip(0, 2).build();
    p.financials[2].revenue = None;
    assert_eq!(status(&p, GIANT, as_of(), IP), Status::Unknown);
    p.ip.class_one = Some(1);
    assert_eq!(status(&p, GIANT, as_of(), IP), Status::Pass);
    p.ip.class_one = Some(0);
    p.ip.class_two = Some(0);
    assert_eq!(status(&p, GIANT, as_of(), IP), Status::Fail);
}

#[test]
fn platform_is_needed_by_the_giant_tier_only() {
    assert_eq!(st(ready(), PLATFORM), Status::Pass);
    assert_eq!(st(giant(), PLATFORM), Status::Pass);
    let ev = eval(
        &giant().platform(PlatformLevel::None).build(),
        GIANT,
        as_of(),
    );
    assert_eq!(crit(&ev, PLATFORM).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, PLATFORM)["gap_en"],
        "a city-level or higher R&D platform"
    );
    let mut p = giant().platform(PlatformLevel::None).build();
    p.financials[2].revenue = None;
    assert_eq!(status(&p, GIANT, as_of(), PLATFORM), Status::Unknown);
}
