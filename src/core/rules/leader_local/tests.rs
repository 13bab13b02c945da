//! Tests of `leader_local`.

use super::super::testkit::*;
use super::super::{evaluate, RuleSet, Thresholds};
use super::*;
use crate::core::eval::Status;

// The stable ids outside checks read (CRITERIA.md), spelled out to pin them.
const VALID_HTE: &str = "leader.valid_hte";
const REVENUE: &str = "leader.revenue";
const RD_RATIO: &str = "leader.rd_ratio";
const PLATFORM: &str = "leader.platform";

const LEADER: RuleSet = RuleSet::LeaderLocal;

fn as_of() -> chrono::NaiveDate {
    d(2025, 5, 31)
}

/// Revenue 3亿 a year, R&D exactly 3%, provincial platform, certificate from 2023.
fn ready() -> ProfileBuilder {
    let mut b = ProfileBuilder::new()
        .founded(2010, 1, 1)
        .hte_certificate(2023, 11, 1)
        .platform(PlatformLevel::Provincial);
    for y in 2022..=2024 {
        b = b.revenue(y, 300_000_000).rd(y, 9_000_000);
    }
    b
}

fn st(b: ProfileBuilder, id: &str) -> Status {
    status(&b.build(), LEADER, as_of(), id)
}

#[test]
fn a_firm_meeting_everything_is_eligible_and_records_its_thresholds() {
    let ev = eval(&ready().build(), LEADER, as_of());
    assert_eq!(ev.eligible, Some(true));
    let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec![VALID_HTE, REVENUE, RD_RATIO, PLATFORM]);
    let t = &ev.to_json()["thresholds"];
    assert_eq!(t["revenue_yuan"], 300_000_000);
    assert_eq!(t["rd_ratio_bp"], 300);
    assert_eq!(t["platform"], "provincial");
}

#[test]
fn a_certificate_is_valid_for_three_years_exclusive() {
    assert_eq!(
        st(ready().hte_certificate(2022, 6, 1), VALID_HTE),
        Status::Pass
    );
    let ev = eval(
        &ready().hte_certificate(2022, 5, 31).build(),
        LEADER,
        as_of(),
    );
    assert_eq!(crit(&ev, VALID_HTE).status, Status::Fail);
    assert!(crit_json(&ev, VALID_HTE)["explain_en"]
        .to_string()
        .contains("expired on 2025-05-31"));
}

#[test]
fn without_a_certificate_the_declared_flag_decides_or_it_is_unknown() {
    let mut p = ready().build();
    p.hte_certificate = None;
    assert_eq!(status(&p, LEADER, as_of(), VALID_HTE), Status::Unknown);
    p.direct_routes.valid_hte = Some(true);
    assert_eq!(status(&p, LEADER, as_of(), VALID_HTE), Status::Pass);
    p.direct_routes.valid_hte = Some(false);
    assert_eq!(status(&p, LEADER, as_of(), VALID_HTE), Status::Fail);
}

#[test]
fn revenue_exactly_300_million_passes_and_one_yuan_less_fails() {
    assert_eq!(st(ready(), REVENUE), Status::Pass);
    let ev = eval(&ready().revenue(2024, 299_999_999).build(), LEADER, as_of());
    assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, REVENUE)["gap_en"],
        "2024 revenue short by ¥1"
    );
}

#[test]
fn rd_ratio_exactly_3_percent_passes_and_one_yuan_less_fails() {
    assert_eq!(st(ready(), RD_RATIO), Status::Pass);
    assert_eq!(st(ready().rd(2024, 8_999_999), RD_RATIO), Status::Fail);
}

#[test]
fn the_rd_threshold_is_editable() {
    let p = ready().build();
    let mut t = Thresholds::default();
    t.leader.rd_ratio_bp = 301;
    let ev = evaluate(&p, LEADER, as_of(), &t).expect("evaluates");
    assert_eq!(crit(&ev, RD_RATIO).status, Status::Fail);
    assert_eq!(crit_json(&ev, RD_RATIO)["required"], "≥ 3.01%");
}

#[test]
fn platform_must_be_provincial_or_higher() {
    assert_eq!(
        st(ready().platform(PlatformLevel::National), PLATFORM),
        Status::Pass
    );
    let ev = eval(
        &ready().platform(PlatformLevel::City).build(),
        LEADER,
        as_of(),
    );
    assert_eq!(crit(&ev, PLATFORM).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, PLATFORM)["gap_en"],
        "a provincial-level or higher R&D platform"
    );
    let mut p = ready().build();
    p.rd_platform = None;
    assert_eq!(status(&p, LEADER, as_of(), PLATFORM), Status::Unknown);
    p.direct_routes.provincial_rd_center = Some(true);
    assert_eq!(status(&p, LEADER, as_of(), PLATFORM), Status::Pass);
}
