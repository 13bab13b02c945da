//! Tests of `tech_sme_2017`.

use super::super::testkit::*;
use super::super::RuleSet;
use super::*;
use crate::core::uscc::{with_check_char, Uscc};

// The stable ids outside checks read (CRITERIA.md), spelled out to pin them.
const RESIDENT: &str = "tsme.resident";
const SIZE: &str = "tsme.size";
const NOT_RESTRICTED: &str = "tsme.not_restricted";
const CLEAN_RECORD: &str = "tsme.clean_record";
const SCORE: &str = "tsme.score";
const DIRECT_ROUTE: &str = "tsme.direct_route";

const TSME: RuleSet = RuleSet::TechSme2017;
const VALID: &str = "914403001922038216";

fn as_of() -> chrono::NaiveDate {
    d(2025, 5, 31)
}

/// Scores exactly 100 (staff 20 + R&D 50 + results 30) and passes everything.
fn ready() -> ProfileBuilder {
    ProfileBuilder::new()
        .uscc(VALID)
        .founded(2019, 1, 1)
        .staff(200, 60)
        .revenue(2024, 10_000_000)
        .rd(2024, 600_000)
        .total_cost(2024, 100_000_000)
        .total_assets(2024, 20_000_000)
        .ip(1, 0)
        .clean_flags()
        .no_routes()
}

fn st(b: ProfileBuilder, id: &str) -> Status {
    status(&b.build(), TSME, as_of(), id)
}

fn score(b: ProfileBuilder) -> ScoreRange {
    eval(&b.build(), TSME, as_of()).score.expect("score")
}

fn exact(b: ProfileBuilder) -> u32 {
    let s = score(b);
    assert_eq!(s.low, s.high, "exact score");
    s.low
}

#[test]
fn a_firm_meeting_everything_scores_100_and_is_eligible() {
    let ev = eval(&ready().build(), TSME, as_of());
    assert_eq!(
        ev.score,
        Some(ScoreRange {
            low: 100,
            high: 100
        })
    );
    assert_eq!(ev.eligible, Some(true));
    assert_eq!(ev.readiness, 100);
    let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            RESIDENT,
            "tsme.tax_collection",
            SIZE,
            NOT_RESTRICTED,
            CLEAN_RECORD,
            SCORE,
            DIRECT_ROUTE
        ]
    );
}

// --- tsme.resident ---

#[test]
fn resident_passes_with_a_valid_uscc_even_in_lower_case_with_spaces() {
    assert_eq!(st(ready(), RESIDENT), Status::Pass);
    let messy = format!("  {}  ", VALID.to_lowercase());
    assert_eq!(st(ready().uscc(&messy), RESIDENT), Status::Pass);
}

#[test]
fn resident_is_unknown_without_a_uscc_or_with_a_doubtful_one() {
    let mut p = ready().build();
    p.uscc = None;
    assert_eq!(status(&p, TSME, as_of(), RESIDENT), Status::Unknown);
    assert_eq!(
        st(ready().uscc("914403001922038217"), RESIDENT),
        Status::Unknown
    );
    assert_eq!(st(ready().uscc("9144"), RESIDENT), Status::Unknown);
}

#[test]
fn uscc_check_agrees_with_the_validator() {
    for i in 0..300u32 {
        let body = format!("914111{:02}MA{:07}", i % 100, i * 7919 % 10_000_000);
        let code = with_check_char(&body).expect("17 valid characters");
        assert_eq!(uscc_state(&code), UsccState::Valid, "{code}");
        let bad = format!(
            "{}{}",
            &code[..17],
            if code.ends_with('0') { '1' } else { '0' }
        );
        assert!(Uscc::parse(&bad).is_err());
        assert_eq!(uscc_state(&bad), UsccState::BadCheck, "{bad}");
    }
    assert_eq!(uscc_state("91440300192203821I"), UsccState::Malformed);
    assert_eq!(uscc_state("91440300192203821中"), UsccState::Malformed);
}

// --- tsme.size ---

#[test]
fn size_500_employees_passes_and_501_fails() {
    assert_eq!(st(ready().staff(500, 150), SIZE), Status::Pass);
    let ev = eval(&ready().staff(501, 151).build(), TSME, as_of());
    assert_eq!(crit(&ev, SIZE).status, Status::Fail);
    assert_eq!(crit_json(&ev, SIZE)["gap_en"], "1 staff over the limit");
}

#[test]
fn size_revenue_exactly_200_million_passes_and_one_yuan_more_fails() {
    let b = |r| ready().revenue(2024, r).rd(2024, r / 10);
    assert_eq!(st(b(200_000_000), SIZE), Status::Pass);
    assert_eq!(st(b(200_000_001), SIZE), Status::Fail);
}

#[test]
fn size_total_assets_exactly_200_million_passes_and_one_yuan_more_fails() {
    assert_eq!(
        st(ready().total_assets(2024, 200_000_000), SIZE),
        Status::Pass
    );
    let ev = eval(
        &ready().total_assets(2024, 200_000_001).build(),
        TSME,
        as_of(),
    );
    assert_eq!(crit(&ev, SIZE).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, SIZE)["gap_en"],
        "total assets ¥1 over the limit"
    );
}

#[test]
fn size_with_missing_assets_is_unknown_but_an_excess_still_fails() {
    let mut p = ready().build();
    p.financials[0].total_assets = None;
    assert_eq!(status(&p, TSME, as_of(), SIZE), Status::Unknown);
    let mut p = ready().staff(600, 100).build();
    p.financials[0].total_assets = None;
    assert_eq!(status(&p, TSME, as_of(), SIZE), Status::Fail);
}

// --- tsme.not_restricted, tsme.clean_record ---

#[test]
fn restricted_industry_fails_and_unknown_is_unknown() {
    let f = |v| st(ready().flags(|f| f.restricted_industry = v), NOT_RESTRICTED);
    assert_eq!(f(Some(false)), Status::Pass);
    assert_eq!(f(Some(true)), Status::Fail);
    assert_eq!(f(None), Status::Unknown);
}

#[test]
fn clean_record_needs_no_incident_and_no_listing() {
    let f = |i, dis| {
        st(
            ready().flags(|f| {
                f.major_incident = i;
                f.dishonest = dis;
            }),
            CLEAN_RECORD,
        )
    };
    assert_eq!(f(Some(false), Some(false)), Status::Pass);
    assert_eq!(f(Some(true), Some(false)), Status::Fail);
    assert_eq!(f(Some(false), Some(true)), Status::Fail);
    assert_eq!(f(Some(true), None), Status::Fail);
    assert_eq!(f(None, Some(false)), Status::Unknown);
}

// --- the score ladders, each step at its bound and one below ---

#[test]
fn staff_ladder_steps_at_each_bound() {
    // 200 employees; R&D 50 + results 30 = 80 besides staff.
    let staff = |tech| exact(ready().staff(200, tech)) - 80;
    assert_eq!(staff(60), 20, "30%");
    assert_eq!(staff(59), 16);
    assert_eq!(staff(50), 16, "25%");
    assert_eq!(staff(49), 12);
    assert_eq!(staff(40), 12, "20%");
    assert_eq!(staff(39), 8);
    assert_eq!(staff(30), 8, "15%");
    assert_eq!(staff(29), 4);
    assert_eq!(staff(20), 4, "10%");
    assert_eq!(staff(19), 0);
}

#[test]
fn rd_over_revenue_ladder_steps_at_each_bound() {
    // Revenue 10,000,000; total cost 100,000,000 keeps the cost ladder at 0.
    let rd = |v| exact(ready().rd(2024, v)) - 50;
    assert_eq!(rd(600_000), 50, "6%");
    assert_eq!(rd(599_999), 40);
    assert_eq!(rd(500_000), 40, "5%");
    assert_eq!(rd(499_999), 30);
    assert_eq!(rd(400_000), 30, "4%");
    assert_eq!(rd(399_999), 20);
    assert_eq!(rd(300_000), 20, "3%");
    assert_eq!(rd(299_999), 10);
    assert_eq!(rd(200_000), 10, "2%");
    assert_eq!(rd(199_999), 0);
}

#[test]
fn rd_over_total_cost_ladder_steps_at_each_bound() {
    // Revenue 100,000,000 keeps the revenue ladder at 0 (R&D below 0.3%).
    let rd = |v| {
        exact(
            ready()
                .revenue(2024, 100_000_000)
                .total_cost(2024, 1_000_000)
                .rd(2024, v),
        ) - 50
    };
    assert_eq!(rd(300_000), 50, "30%");
    assert_eq!(rd(299_999), 40);
    assert_eq!(rd(250_000), 40, "25%");
    assert_eq!(rd(249_999), 30);
    assert_eq!(rd(200_000), 30, "20%");
    assert_eq!(rd(199_999), 20);
    assert_eq!(rd(150_000), 20, "15%");
    assert_eq!(rd(149_999), 10);
    assert_eq!(rd(100_000), 10, "10%");
    assert_eq!(rd(99_999), 0);
}

#[test]
fn rd_part_takes_the_higher_ladder() {
    // 3% of revenue (20) but 30% of cost (50).
    let b = ready().rd(2024, 300_000).total_cost(2024, 1_000_000);
    assert_eq!(exact(b), 100);
}

#[test]
fn results_ladder_steps_at_each_count() {
    let res = |c1, c2| exact(ready().ip(c1, c2)) - 70;
    assert_eq!(res(1, 0), 30);
    assert_eq!(res(0, 4), 24);
    assert_eq!(res(0, 9), 24);
    assert_eq!(res(0, 3), 18);
    assert_eq!(res(0, 2), 12);
    assert_eq!(res(0, 1), 6);
    assert_eq!(res(0, 0), 0);
}

// --- tsme.score ---

#[test]
fn score_exactly_60_passes() {
    // 8 (15%) + 40 (5%) + 12 (two Class II) = 60.
    let b = || ready().staff(200, 30).rd(2024, 500_000).ip(0, 2);
    assert_eq!(exact(b()), 60);
    assert_eq!(st(b(), SCORE), Status::Pass);
}

#[test]
fn score_58_the_highest_below_60_fails_two_points_short() {
    // Every step is even, so 59 cannot occur: 16 (25%) + 30 (4%) + 12 = 58.
    let b = ready().staff(200, 50).rd(2024, 400_000).ip(0, 2);
    let ev = eval(&b.build(), TSME, as_of());
    assert_eq!(ev.score, Some(ScoreRange { low: 58, high: 58 }));
    assert_eq!(crit(&ev, SCORE).status, Status::Fail);
    let gap = crit_json(&ev, SCORE)["gap_en"].to_string();
    assert!(gap.contains("score short by 2 points"), "{gap}");
}

#[test]
fn staff_part_zero_fails_the_score_route_whatever_the_total() {
    let b = ready().staff(200, 19);
    let ev = eval(&b.build(), TSME, as_of());
    assert_eq!(ev.score, Some(ScoreRange { low: 80, high: 80 }));
    assert_eq!(crit(&ev, SCORE).status, Status::Fail);
    let gap = crit_json(&ev, SCORE)["gap_en"].to_string();
    assert!(gap.contains("technical staff"), "{gap}");
    assert!(gap.contains("to reach 10%"), "{gap}");
}

#[test]
fn each_direct_route_passes_the_score_without_points() {
    let low = || ready().staff(200, 19).ip(0, 0).rd(2024, 0);
    let routes: [fn(ProfileBuilder) -> ProfileBuilder; 5] = [
        |b| b.routes(|r| r.valid_hte = Some(true)),
        |b| b.hte_certificate(2023, 11, 1),
        |b| b.routes(|r| r.award_5y = Some(true)),
        |b| b.platform(crate::core::profile::PlatformLevel::Provincial),
        |b| b.routes(|r| r.led_standard_5y = Some(true)),
    ];
    assert_eq!(st(low(), SCORE), Status::Fail);
    for (i, r) in routes.iter().enumerate() {
        let ev = eval(&r(low()).build(), TSME, as_of());
        assert_eq!(crit(&ev, SCORE).status, Status::Pass, "route {i}");
        assert_eq!(crit(&ev, DIRECT_ROUTE).status, Status::Pass, "route {i}");
    }
}

#[test]
fn an_expired_certificate_is_not_a_direct_route() {
    let b = ready()
        .staff(200, 19)
        .hte_certificate(2022, 5, 31)
        .routes(|r| r.valid_hte = Some(true));
    assert_eq!(st(b, DIRECT_ROUTE), Status::Fail);
    let b = ready().staff(200, 19).hte_certificate(2022, 6, 1);
    assert_eq!(st(b, DIRECT_ROUTE), Status::Pass, "valid until 2025-06-01");
}

#[test]
fn a_failing_score_with_unknown_routes_is_unknown() {
    let mut p = ready().staff(200, 19).build();
    p.direct_routes.award_5y = None;
    assert_eq!(status(&p, TSME, as_of(), SCORE), Status::Unknown);
}

#[test]
fn direct_route_is_informational_and_never_blocks_eligibility() {
    let ev = eval(&ready().build(), TSME, as_of());
    let info = crit(&ev, DIRECT_ROUTE);
    assert!(info.informational);
    assert_eq!(info.status, Status::Fail);
    assert_eq!(ev.eligible, Some(true));
    assert_eq!(crit_json(&ev, DIRECT_ROUTE)["informational"], true);
}

#[test]
fn missing_figures_give_a_score_range_and_an_unknown_verdict() {
    let mut p = ready().build();
    p.ip.class_one = None;
    p.ip.class_two = None;
    let ev = eval(&p, TSME, as_of());
    assert_eq!(ev.score, Some(ScoreRange { low: 70, high: 100 }));
    assert_eq!(crit(&ev, SCORE).status, Status::Pass, "70 already passes");
    let mut p = ready().staff(200, 20).rd(2024, 0).build();
    p.ip.class_one = None;
    p.ip.class_two = None;
    let ev = eval(&p, TSME, as_of());
    assert_eq!(ev.score, Some(ScoreRange { low: 4, high: 34 }));
    assert_eq!(crit(&ev, SCORE).status, Status::Fail, "34 cannot reach 60");
}

#[test]
fn zero_revenue_scores_the_revenue_ladder_zero_and_says_so() {
    let b = ready()
        .revenue(2024, 0)
        .total_cost(2024, 2_000_000)
        .rd(2024, 600_000);
    let ev = eval(&b.build(), TSME, as_of());
    assert_eq!(
        ev.score,
        Some(ScoreRange {
            low: 100,
            high: 100
        })
    );
    assert!(ev.assumptions.contains(Assumption::ZeroRevenueLadder));
}

#[test]
fn zero_revenue_and_zero_cost_is_evaluated_with_both_ladders_at_zero() {
    let b = ready().revenue(2024, 0).total_cost(2024, 0).rd(2024, 0);
    let ev = eval(&b.build(), TSME, as_of());
    assert_eq!(crit(&ev, SCORE).status, Status::Fail);
    assert_eq!(ev.score, Some(ScoreRange { low: 50, high: 50 }));
    assert!(ev.assumptions.contains(Assumption::ZeroRevenueLadder));
    assert!(ev.assumptions.contains(Assumption::ZeroCostLadder));
}

const TAX_COLLECTION: &str = "tsme.tax_collection";

#[test]
fn tax_collection_fails_on_deemed_taxation_and_is_unknown_without_the_flag() {
    assert_eq!(st(ready(), TAX_COLLECTION), Status::Pass);
    let deemed = ready().flags(|f| f.deemed_taxation = Some(true));
    let ev = eval(&deemed.build(), TSME, as_of());
    let c = crit_json(&ev, TAX_COLLECTION);
    assert_eq!(c["status"], "fail");
    assert_eq!(c["actual_zh"], "核定征收");
    assert_eq!(ev.eligible, Some(false));
    let unknown = ready().flags(|f| f.deemed_taxation = None);
    assert_eq!(st(unknown, TAX_COLLECTION), Status::Unknown);
}

#[test]
fn excluded_divisions_fail_not_restricted_on_both_sides_of_each_range() {
    // Excluded: C16, F51–52, H61–62, K70, L71–72, R90; their neighbours are not.
    for code in ["C1610", "F5112", "F52", "H6110", "H62", "K7010", "L71", "L7212", "R9011"] {
        let ev = eval(&ready().industry(code).build(), TSME, as_of());
        let c = crit_json(&ev, NOT_RESTRICTED);
        assert_eq!(c["status"], "fail", "{code}");
        assert!(c["explain_en"]
            .as_str()
            .is_some_and(|s| s.contains("excluded from the R&D super deduction")));
        assert!(!ev.assumptions.contains(Assumption::IndustryNotChecked));
    }
    for code in ["C1351", "C17", "C15", "E50", "G53", "I63", "J69", "M73", "R89", "S91", "1351"] {
        let ev = eval(&ready().industry(code).build(), TSME, as_of());
        assert_eq!(crit(&ev, NOT_RESTRICTED).status, Status::Pass, "{code}");
        assert!(!ev.assumptions.contains(Assumption::IndustryNotChecked));
    }
    // The flag still decides alongside the code.
    let flagged = ready().industry("C1351").flags(|f| f.restricted_industry = Some(true));
    assert_eq!(st(flagged, NOT_RESTRICTED), Status::Fail);
    // An excluded code fails even when the flag is unknown.
    let unknown = ready().industry("K70").flags(|f| f.restricted_industry = None);
    assert_eq!(st(unknown, NOT_RESTRICTED), Status::Fail);
}

#[test]
fn without_an_industry_code_the_flag_decides_and_the_evaluation_says_so() {
    let ev = eval(&ready().build(), TSME, as_of());
    assert_eq!(crit(&ev, NOT_RESTRICTED).status, Status::Pass);
    assert!(ev.assumptions.contains(Assumption::IndustryNotChecked));
    let json = ev.to_json();
    assert!(json["assumptions"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["code"] == "industry_not_checked")));
}

#[test]
fn a_direct_route_reads_as_one_not_as_zero_points() {
    let b = ProfileBuilder::new()
        .uscc(VALID)
        .staff(10, 0)
        .clean_flags()
        .revenue(2024, 1_000_000)
        .total_assets(2024, 1_000_000)
        .ip(0, 0)
        .no_routes()
        .hte_certificate(2023, 11, 1);
    let ev = eval(&b.build(), TSME, as_of());
    let c = crit_json(&ev, SCORE);
    assert_eq!(c["status"], "pass");
    assert_eq!(c["actual"], "direct route: a valid HTE certificate");
    assert_eq!(c["actual_zh"], "直通：有效高新技术企业资格");
    assert!(!c["explain_en"].as_str().unwrap_or("").contains("points"));
    assert!(c["explain_en"]
        .as_str()
        .is_some_and(|s| s.contains("a valid HTE certificate")));
}

#[test]
fn zero_employees_is_bad_input() {
    let e = eval_err(&ready().staff(0, 0).build(), TSME, as_of());
    assert_eq!(e.field, "employees");
}

#[test]
fn tsme_score_json_is_exact_low_equals_high() {
    let json = eval(&ready().build(), TSME, as_of()).to_json();
    assert_eq!(json["score"]["low"], 100);
    assert_eq!(json["score"]["high"], 100);
    assert!(json.get("thresholds").is_none());
}
