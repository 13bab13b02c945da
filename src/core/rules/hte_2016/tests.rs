//! Tests of `hte_2016`.

use super::super::testkit::*;
use super::super::RuleSet;
use super::*;
use crate::core::eval::Part;
use crate::core::profile::Profile;

// The stable ids outside checks read (CRITERIA.md), spelled out to pin them.
const REGISTERED: &str = "hte.registered_one_year";
const CORE_IP: &str = "hte.core_ip";
const KEY_FIELD: &str = "hte.key_field";
const TECH_STAFF_RATIO: &str = "hte.tech_staff_ratio";
const RD_RATIO: &str = "hte.rd_ratio";
const RD_DOMESTIC_SHARE: &str = "hte.rd_domestic_share";
const HIGH_TECH_REVENUE_SHARE: &str = "hte.high_tech_revenue_share";
const INNOVATION_SCORE: &str = "hte.innovation_score";
const NO_MAJOR_INCIDENT: &str = "hte.no_major_incident";

const HTE: RuleSet = RuleSet::Hte2016;

fn as_of() -> chrono::NaiveDate {
    d(2025, 5, 31)
}

fn st(b: ProfileBuilder, id: &str) -> Status {
    status(&b.build(), HTE, as_of(), id)
}

fn score_of(b: ProfileBuilder) -> ScoreRange {
    eval(&b.build(), HTE, as_of()).score.expect("score")
}

fn parts_of(b: ProfileBuilder) -> HteScoreParts {
    eval(&b.build(), HTE, as_of()).score_parts.expect("parts")
}

/// Revenue per year (2022, 2023, 2024) and R&D per year, all domestic.
fn figures(rev: [i64; 3], rd: [i64; 3]) -> ProfileBuilder {
    let mut b = ProfileBuilder::hte_ready();
    for (i, y) in (2022..=2024).enumerate() {
        b = b.revenue(y, rev[i]).rd(y, rd[i]);
    }
    b
}

// --- the worked example (CRITERIA §6) ---

#[test]
fn worked_example_fails_on_rd_ratio_with_a_50000_yuan_gap() {
    let ev = eval(&ProfileBuilder::worked_example().build(), HTE, as_of());
    assert_eq!(ev.eligible, Some(false));
    assert_eq!(ev.score, Some(ScoreRange { low: 35, high: 80 }));
    let rd = crit_json(&ev, RD_RATIO);
    assert_eq!(rd["status"], "fail");
    assert_eq!(rd["actual"], "4.96%");
    assert_eq!(rd["required"], "≥ 5.00%");
    assert_eq!(
        rd["explain_en"],
        "R&D ratio 4.96% (2022–2024) is below the 5% required for latest revenue up to 50 million yuan."
    );
    assert_eq!(rd["gap_en"], "R&D spending 2022–2024 short by ¥50,000");
    assert_eq!(rd["gap_zh"], "2022–2024 年研发费用还差 5万元");
    let score = crit_json(&ev, INNOVATION_SCORE);
    assert_eq!(score["status"], "unknown");
    assert_eq!(score["explain_en"], "depends on expert judgement: 35–80");
    assert_eq!(score["explain_zh"], "取决于专家评分：35–80");
    for id in [
        REGISTERED,
        CORE_IP,
        KEY_FIELD,
        TECH_STAFF_RATIO,
        RD_DOMESTIC_SHARE,
        HIGH_TECH_REVENUE_SHARE,
        NO_MAJOR_INCIDENT,
    ] {
        assert_eq!(crit(&ev, id).status, Status::Pass, "{id}");
    }
    // 3,100万 of 总收入 4,900万.
    assert_eq!(crit_json(&ev, HIGH_TECH_REVENUE_SHARE)["actual"], "63.27%");
}

// --- hte.high_tech_revenue_share: over 总收入 (total income) ---

#[test]
fn worked_example_without_total_income_is_unknown_asking_for_it() {
    let mut p = ProfileBuilder::worked_example().build();
    p.financials[2].total_income = None;
    let ev = eval(&p, HTE, as_of());
    let c = crit_json(&ev, HIGH_TECH_REVENUE_SHARE);
    assert_eq!(c["status"], "unknown");
    assert_eq!(c["actual"], "64.58% of revenue");
    let en = c["explain_en"].as_str().unwrap_or_default();
    assert!(en.contains("Enter total income for 2024"), "{en}");
    assert!(c["explain_zh"]
        .as_str()
        .is_some_and(|s| s.contains("请填写 2024 年总收入")));
    assert_eq!(ev.eligible, Some(false), "the R&D ratio still fails");
}

#[test]
fn high_tech_share_of_total_income_at_60_percent_passes_and_one_yuan_less_fails() {
    // Total income 50,000,000; 60% = 30,000,000; revenue 40,000,000.
    let b = |ht: i64| {
        ProfileBuilder::hte_ready()
            .total_income(2024, 50_000_000)
            .high_tech(2024, ht)
    };
    assert_eq!(st(b(30_000_000), HIGH_TECH_REVENUE_SHARE), Status::Pass);
    let ev = eval(&b(29_999_999).build(), HTE, as_of());
    let c = crit_json(&ev, HIGH_TECH_REVENUE_SHARE);
    assert_eq!(c["status"], "fail");
    // 59.999998% is never shown as the 60.00% it misses.
    assert_eq!(c["actual"], "59.99%");
    assert!(c["explain_en"]
        .as_str()
        .is_some_and(|s| s.contains("of 2024 total income")));
}

#[test]
fn without_total_income_a_share_of_sales_below_60_fails_and_at_60_is_unknown() {
    let b = |ht: i64| {
        let mut b = ProfileBuilder::hte_ready().high_tech(2024, ht);
        b = b.year(2024, |y| y.total_income = None);
        b
    };
    // Revenue 40,000,000; 60% = 24,000,000.
    assert_eq!(st(b(24_000_000), HIGH_TECH_REVENUE_SHARE), Status::Unknown);
    let ev = eval(&b(23_999_999).build(), HTE, as_of());
    let c = crit_json(&ev, HIGH_TECH_REVENUE_SHARE);
    assert_eq!(c["status"], "fail");
    assert!(c["explain_en"]
        .as_str()
        .is_some_and(|s| s.contains("total income is never below revenue")));
    assert!(c["gap_en"].is_string());
}

#[test]
fn total_income_below_revenue_is_bad_input() {
    let p = ProfileBuilder::hte_ready()
        .year(2024, |y| y.total_income = Some(yuan(39_999_999)))
        .build();
    let e = eval_err(&p, HTE, as_of());
    assert_eq!(e.field, "financials[2].total_income");
    assert_eq!(e.code, "total_income_below_revenue");
    let e = Profile::from_json(
        r#"{"financials":[{"year":2024,"revenue":100,"total_income":99}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.field, "financials[0].total_income");
}

// --- no sales is data ---

#[test]
fn no_sales_in_the_window_fails_the_ratios_saying_why() {
    let p = figures([0; 3], [0; 3])
        .high_tech(2024, 0)
        .year(2024, |y| y.total_income = None)
        .build();
    let ev = eval(&p, HTE, as_of());
    assert_eq!(ev.eligible, Some(false));
    let rd = crit_json(&ev, RD_RATIO);
    assert_eq!(rd["status"], "fail");
    assert_eq!(rd["actual"], "no revenue");
    assert_eq!(
        rd["explain_en"],
        "R&D ratio is not met: revenue is zero in 2022–2024, so the ratio cannot be computed."
    );
    assert_eq!(rd["explain_zh"], "研发费用占比不满足：2022–2024 年营业收入为 0，无法计算比例。");
    let ht = crit_json(&ev, HIGH_TECH_REVENUE_SHARE);
    assert_eq!(ht["status"], "fail");
    assert!(ht["explain_en"]
        .as_str()
        .is_some_and(|s| s.contains("revenue is zero in 2024")));
}

#[test]
fn no_sales_but_other_income_is_a_zero_share_of_total_income() {
    let p = ProfileBuilder::hte_ready()
        .revenue(2024, 0)
        .high_tech(2024, 0)
        .rd(2024, 0)
        .total_income(2024, 1_000_000)
        .build();
    let ev = eval(&p, HTE, as_of());
    let ht = crit_json(&ev, HIGH_TECH_REVENUE_SHARE);
    assert_eq!(ht["status"], "fail");
    assert_eq!(ht["actual"], "0.00%");
}

// --- a failing value is never displayed as its bound ---

#[test]
fn a_ratio_a_hair_below_its_bound_is_not_shown_as_the_bound() {
    // 4.996% against 5%: revenue 100,000,000 over three years, R&D 4,996,000.
    let b = figures([30_000_000, 30_000_000, 40_000_000], [1_600_000, 1_600_000, 1_796_000]);
    let ev = eval(&b.build(), HTE, as_of());
    let rd = crit_json(&ev, RD_RATIO);
    assert_eq!(rd["status"], "fail");
    assert_eq!(rd["actual"], "4.99%");
    assert_eq!(
        rd["explain_en"],
        "R&D ratio 4.99% (2022–2024) is below the 5% required for latest revenue up to 50 million yuan."
    );
    // A passing value keeps the usual rounding.
    let b = figures([30_000_000, 30_000_000, 40_000_000], [1_600_000, 1_600_000, 1_806_000]);
    assert_eq!(crit_json(&eval(&b.build(), HTE, as_of()), RD_RATIO)["actual"], "5.01%");
}

#[test]
fn worked_example_score_parts_match_the_hand_calculation() {
    let p = parts_of(ProfileBuilder::worked_example());
    assert_eq!((p.ip.low, p.ip.high), (8, 30));
    assert_eq!((p.ip_quantity.low, p.ip_quantity.high), (7, 8));
    assert_eq!((p.conversion.low, p.conversion.high), (13, 18));
    assert_eq!((p.rd_organisation.low, p.rd_organisation.high), (4, 20));
    assert_eq!((p.growth_sales.low, p.growth_sales.high), (7, 8));
    assert_eq!((p.growth_net_assets.low, p.growth_net_assets.high), (3, 4));
}

#[test]
fn criteria_come_in_criteria_md_order() {
    let ev = eval(&ProfileBuilder::worked_example().build(), HTE, as_of());
    let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            REGISTERED,
            CORE_IP,
            KEY_FIELD,
            TECH_STAFF_RATIO,
            RD_RATIO,
            RD_DOMESTIC_SHARE,
            HIGH_TECH_REVENUE_SHARE,
            INNOVATION_SCORE,
            NO_MAJOR_INCIDENT
        ]
    );
}

#[test]
fn a_firm_meeting_everything_is_eligible_with_readiness_100() {
    let ev = eval(&ProfileBuilder::hte_ready().build(), HTE, as_of());
    assert_eq!(ev.score, Some(ScoreRange { low: 76, high: 76 }));
    assert_eq!(ev.eligible, Some(true));
    assert_eq!(ev.readiness, 100);
    assert!(ev.reasons_not_passing().is_empty());
}

// --- hte.registered_one_year ---

#[test]
fn registered_exactly_365_days_passes() {
    let b = ProfileBuilder::hte_ready().founded(2024, 5, 31);
    assert_eq!(st(b, REGISTERED), Status::Pass);
}

#[test]
fn registered_364_days_fails_with_days_to_go() {
    let p = ProfileBuilder::hte_ready().founded(2024, 6, 1).build();
    let ev = eval(&p, HTE, as_of());
    assert_eq!(crit(&ev, REGISTERED).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, REGISTERED)["gap_en"],
        "1 more day (met from 2025-06-01)"
    );
}

#[test]
fn registered_without_a_founding_date_is_unknown() {
    let mut p = ProfileBuilder::hte_ready().build();
    p.founded_on = None;
    assert_eq!(status(&p, HTE, as_of(), REGISTERED), Status::Unknown);
}

// --- hte.core_ip ---

#[test]
fn core_ip_with_one_class_two_item_passes() {
    assert_eq!(
        st(ProfileBuilder::worked_example().ip(0, 1), CORE_IP),
        Status::Pass
    );
}

#[test]
fn core_ip_with_no_items_fails_asking_for_one() {
    let p = ProfileBuilder::worked_example().ip(0, 0).build();
    let ev = eval(&p, HTE, as_of());
    assert_eq!(crit(&ev, CORE_IP).status, Status::Fail);
    let gap = crit_json(&ev, CORE_IP)["gap_en"].to_string();
    assert!(gap.contains("1 IP item"), "{gap}");
}

#[test]
fn core_ip_flag_false_fails_and_unknown_is_unknown() {
    let b = ProfileBuilder::hte_ready().flags(|f| f.core_ip = Some(false));
    assert_eq!(st(b, CORE_IP), Status::Fail);
    let b = ProfileBuilder::hte_ready().flags(|f| f.core_ip = None);
    assert_eq!(st(b, CORE_IP), Status::Unknown);
}

#[test]
fn core_ip_with_unknown_counts_is_unknown() {
    let mut p = ProfileBuilder::hte_ready().build();
    p.ip.class_one = None;
    p.ip.class_two = None;
    assert_eq!(status(&p, HTE, as_of(), CORE_IP), Status::Unknown);
}

// --- hte.key_field, hte.no_major_incident ---

#[test]
fn key_field_follows_its_flag() {
    let f = |v| {
        st(
            ProfileBuilder::hte_ready().flags(|f| f.key_field = v),
            KEY_FIELD,
        )
    };
    assert_eq!(f(Some(true)), Status::Pass);
    assert_eq!(f(Some(false)), Status::Fail);
    assert_eq!(f(None), Status::Unknown);
}

#[test]
fn a_major_incident_fails_and_an_unknown_one_is_unknown() {
    let f = |v| {
        st(
            ProfileBuilder::hte_ready().flags(|f| f.major_incident = v),
            NO_MAJOR_INCIDENT,
        )
    };
    assert_eq!(f(Some(false)), Status::Pass);
    assert_eq!(f(Some(true)), Status::Fail);
    assert_eq!(f(None), Status::Unknown);
}

// --- hte.tech_staff_ratio ---

#[test]
fn tech_staff_exactly_10_percent_passes() {
    assert_eq!(
        st(ProfileBuilder::hte_ready().staff(120, 12), TECH_STAFF_RATIO),
        Status::Pass
    );
}

#[test]
fn tech_staff_one_below_10_percent_fails_with_staff_to_add() {
    let ev = eval(
        &ProfileBuilder::hte_ready().staff(120, 11).build(),
        HTE,
        as_of(),
    );
    assert_eq!(crit(&ev, TECH_STAFF_RATIO).status, Status::Fail);
    let c = crit_json(&ev, TECH_STAFF_RATIO);
    assert_eq!(c["actual"], "9.17%");
    assert_eq!(
        c["gap_en"],
        "2 more technical staff if hired (1 if existing employees become technical staff)"
    );
}

#[test]
fn zero_employees_is_bad_input_naming_employees() {
    let e = eval_err(
        &ProfileBuilder::hte_ready().staff(0, 0).build(),
        HTE,
        as_of(),
    );
    assert_eq!(e.field, "employees");
    assert_eq!(e.code, "zero_denominator");
}

#[test]
fn tech_staff_missing_is_unknown() {
    let mut p = ProfileBuilder::hte_ready().build();
    p.tech_staff = None;
    assert_eq!(status(&p, HTE, as_of(), TECH_STAFF_RATIO), Status::Unknown);
}

// --- hte.rd_ratio ---

#[test]
fn rd_ratio_exactly_at_threshold_passes_at_revenue_exactly_50_million() {
    let b = figures([50_000_000; 3], [2_500_000; 3]);
    assert_eq!(st(b, RD_RATIO), Status::Pass);
}

#[test]
fn rd_ratio_one_yuan_short_fails_with_a_one_yuan_gap() {
    let p = figures([50_000_000; 3], [2_500_000, 2_500_000, 2_499_999]).build();
    let ev = eval(&p, HTE, as_of());
    assert_eq!(crit(&ev, RD_RATIO).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, RD_RATIO)["gap_en"],
        "R&D spending 2022–2024 short by ¥1"
    );
}

#[test]
fn rd_band_switches_to_4_percent_one_yuan_above_50_million() {
    // Sum 150,000,000 and R&D 6,000,000: exactly 4%.
    let rd = [2_000_000; 3];
    let at = figures([50_000_000, 50_000_000, 50_000_000], rd);
    assert_eq!(st(at, RD_RATIO), Status::Fail, "4% is short of the 5% band");
    let above = figures([49_999_999, 50_000_000, 50_000_001], rd);
    assert_eq!(st(above, RD_RATIO), Status::Pass, "4% band above 5000万");
}

#[test]
fn rd_band_switches_to_3_percent_one_yuan_above_200_million() {
    // Sum 600,000,000; 3% = 18,000,000; 4% = 24,000,000.
    let three = [6_000_000; 3];
    let at = figures([200_000_000; 3], three);
    assert_eq!(
        st(at, RD_RATIO),
        Status::Fail,
        "3% is short of the 4% band at 2亿"
    );
    let four = figures([200_000_000; 3], [8_000_000; 3]);
    assert_eq!(st(four, RD_RATIO), Status::Pass, "4% exactly at 2亿 passes");
    let above = figures([199_999_999, 200_000_000, 200_000_001], three);
    assert_eq!(st(above, RD_RATIO), Status::Pass, "3% band above 2亿");
}

#[test]
fn rd_ratio_with_a_missing_year_is_unknown_naming_it() {
    let mut p = ProfileBuilder::hte_ready().build();
    p.financials.retain(|y| y.year != 2022);
    let ev = eval(&p, HTE, as_of());
    assert_eq!(crit(&ev, RD_RATIO).status, Status::Unknown);
    let text = crit_json(&ev, RD_RATIO)["explain_en"].to_string();
    assert!(text.contains("2022"), "{text}");
}

#[test]
fn a_younger_firm_uses_the_years_it_has() {
    // Founded 2023: 2023–2024 only; 2022's figures (if any) do not count.
    let p = ProfileBuilder::hte_ready()
        .founded(2023, 3, 1)
        .revenue(2022, 1_000_000)
        .rd(2022, 0)
        .build();
    let ev = eval(&p, HTE, as_of());
    assert_eq!(crit(&ev, RD_RATIO).status, Status::Pass);
    assert!(ev.assumptions.contains(Assumption::YoungFirm));
    assert!(crit_json(&ev, RD_RATIO)["explain_en"]
        .to_string()
        .contains("2023–2024"));
}

#[test]
fn zero_revenue_over_the_window_is_not_bad_input() {
    let ev = eval(&figures([0; 3], [0; 3]).build(), HTE, as_of());
    assert_eq!(crit(&ev, RD_RATIO).status, Status::Fail);
}

// --- hte.rd_domestic_share ---

#[test]
fn domestic_share_exactly_60_percent_passes_and_one_yuan_less_fails() {
    // Total R&D 7,500,000; 60% = 4,500,000.
    let b = |d24: i64| {
        ProfileBuilder::hte_ready()
            .rd_domestic(2022, 2_000_000)
            .rd_domestic(2023, 2_000_000)
            .rd_domestic(2024, d24)
    };
    assert_eq!(st(b(500_000), RD_DOMESTIC_SHARE), Status::Pass);
    let ev = eval(&b(499_999).build(), HTE, as_of());
    assert_eq!(crit(&ev, RD_DOMESTIC_SHARE).status, Status::Fail);
    // New domestic spending also raises the total: (4,499,999 + x) / (7,500,000 + x) ≥ 0.6
    // ⇔ x ≥ 2.5 → ¥3; moving existing spending to China needs ¥1.
    assert_eq!(
        crit_json(&ev, RD_DOMESTIC_SHARE)["gap_en"],
        "domestic R&D 2022–2024 short by ¥3 (if existing spending moves to China: ¥1)"
    );
}

#[test]
fn no_rd_at_all_fails_the_domestic_share() {
    let b = figures([40_000_000; 3], [0; 3]);
    assert_eq!(st(b, RD_DOMESTIC_SHARE), Status::Fail);
}

// --- hte.high_tech_revenue_share ---

#[test]
fn high_tech_share_exactly_60_percent_passes_and_one_yuan_less_fails() {
    let b = |h| ProfileBuilder::hte_ready().high_tech(2024, h);
    assert_eq!(st(b(24_000_000), HIGH_TECH_REVENUE_SHARE), Status::Pass);
    let ev = eval(&b(23_999_999).build(), HTE, as_of());
    assert_eq!(crit(&ev, HIGH_TECH_REVENUE_SHARE).status, Status::Fail);
    let gap = crit_json(&ev, HIGH_TECH_REVENUE_SHARE)["gap_en"].to_string();
    assert!(gap.contains("high-tech revenue short by ¥3"), "{gap}");
    assert!(gap.contains("¥1"), "{gap}");
}

#[test]
fn zero_latest_revenue_and_no_total_income_fails_the_high_tech_share() {
    let p = ProfileBuilder::hte_ready()
        .revenue(2024, 0)
        .high_tech(2024, 0)
        .rd(2024, 0)
        .year(2024, |y| y.total_income = None)
        .build();
    let ev = eval(&p, HTE, as_of());
    assert_eq!(crit(&ev, HIGH_TECH_REVENUE_SHARE).status, Status::Fail);
}

// --- hte.innovation_score: the pass / fail / unknown bounds ---

/// hte_ready's judged parts with R&D organisation judged `org` (band 4–20): total 56 + org.
fn judged_total(org: u8) -> ProfileBuilder {
    ProfileBuilder::hte_ready().judged(|j| {
        j.conversion = Some(25);
        j.rd_organisation = Some(org);
    })
}

#[test]
fn innovation_score_exactly_71_passes() {
    assert_eq!(score_of(judged_total(16)), ScoreRange { low: 71, high: 71 });
    assert_eq!(st(judged_total(16), INNOVATION_SCORE), Status::Pass);
}

#[test]
fn innovation_score_at_most_70_fails_one_point_short() {
    let ev = eval(&judged_total(15).build(), HTE, as_of());
    assert_eq!(crit(&ev, INNOVATION_SCORE).status, Status::Fail);
    assert_eq!(
        crit_json(&ev, INNOVATION_SCORE)["gap_en"],
        "score short by 1 point"
    );
}

#[test]
fn innovation_score_straddling_71_is_unknown() {
    let b = judged_total(15).judged(|j| j.rd_organisation = None);
    assert_eq!(score_of(b), ScoreRange { low: 59, high: 75 });
    let b = judged_total(15).judged(|j| j.rd_organisation = None);
    assert_eq!(st(b, INNOVATION_SCORE), Status::Unknown);
}

#[test]
fn judged_conversion_outside_its_band_is_bad_input_naming_the_band() {
    let p = ProfileBuilder::worked_example()
        .judged(|j| j.conversion = Some(28))
        .build();
    let e = eval_err(&p, HTE, as_of());
    assert_eq!(e.field, "judged.conversion");
    assert_eq!(e.code, "judged_out_of_band");
    let (zh, en) = (e.text.sketch(true), e.text.sketch(false));
    assert!(en.contains("13–18"), "{en}");
    assert!(zh.contains("13–18"), "{zh}");
    assert!(en.contains("3.00"), "{en}");
}

#[test]
fn judged_values_inside_their_band_replace_the_range() {
    let p = parts_of(ProfileBuilder::worked_example().judged(|j| {
        j.conversion = Some(13);
        j.growth_sales = Some(8);
    }));
    assert_eq!(p.conversion, Part::judged(13));
    assert_eq!(p.growth_sales, Part::judged(8));
    let e = eval_err(
        &ProfileBuilder::worked_example()
            .judged(|j| j.growth_sales = Some(9))
            .build(),
        HTE,
        as_of(),
    );
    assert_eq!(e.field, "judged.growth_sales");
}

// --- IP part ---

fn quantity(c1: Option<u32>, c2: Option<u32>) -> (u32, u32) {
    let mut p = ProfileBuilder::worked_example().build();
    p.ip.class_one = c1;
    p.ip.class_two = c2;
    let q = eval(&p, HTE, as_of())
        .score_parts
        .expect("parts")
        .ip_quantity;
    (q.low, q.high)
}

#[test]
fn ip_quantity_bands_follow_the_counts_at_each_bound() {
    assert_eq!(quantity(Some(1), Some(0)), (7, 8));
    assert_eq!(quantity(Some(0), Some(5)), (5, 6));
    assert_eq!(quantity(Some(0), Some(4)), (3, 4));
    assert_eq!(quantity(Some(0), Some(3)), (3, 4));
    assert_eq!(quantity(Some(0), Some(2)), (1, 2));
    assert_eq!(quantity(Some(0), Some(1)), (1, 2));
    assert_eq!(quantity(Some(0), Some(0)), (0, 0));
    assert_eq!(quantity(None, None), (0, 8));
    assert_eq!(quantity(None, Some(5)), (5, 8));
    assert_eq!(quantity(Some(0), None), (0, 6));
}

#[test]
fn ip_acquisition_by_own_rd_transfer_or_unknown() {
    let acq = |v| {
        let p = parts_of(ProfileBuilder::worked_example().own_rd(v));
        (p.ip_acquisition.low, p.ip_acquisition.high)
    };
    assert_eq!(acq(Some(true)), (1, 6));
    assert_eq!(acq(Some(false)), (1, 3));
    assert_eq!(acq(None), (1, 6));
}

#[test]
fn standards_bonus_from_either_flag_or_unknown() {
    let bonus = |b: ProfileBuilder| {
        let p = parts_of(b);
        (p.ip_standards.low, p.ip_standards.high)
    };
    let base = ProfileBuilder::worked_example;
    assert_eq!(bonus(base().standards(Some(true))), (1, 2));
    assert_eq!(bonus(base().standards(Some(false))), (0, 0));
    assert_eq!(bonus(base().standards(None)), (0, 2));
    assert_eq!(
        bonus(
            base()
                .standards(None)
                .routes(|r| r.led_standard_5y = Some(true))
        ),
        (1, 2)
    );
}

#[test]
fn ip_part_is_capped_at_30_after_the_bonus() {
    let p = parts_of(ProfileBuilder::worked_example().standards(Some(true)));
    assert_eq!((p.ip.low, p.ip.high), (9, 30));
}

#[test]
fn no_ip_items_score_zero_except_the_standards_bonus() {
    let p = parts_of(
        ProfileBuilder::worked_example()
            .ip(0, 0)
            .standards(Some(true)),
    );
    assert_eq!((p.ip.low, p.ip.high), (1, 2));
    let e = eval_err(
        &ProfileBuilder::worked_example()
            .ip(0, 0)
            .judged(|j| j.ip_advancement = Some(3))
            .build(),
        HTE,
        as_of(),
    );
    assert_eq!(e.field, "judged.ip_advancement");
}

// --- conversion part ---

fn conversion(counts: [u32; 3]) -> (u32, u32) {
    let mut b = ProfileBuilder::worked_example();
    for (i, y) in (2022..=2024).enumerate() {
        b = b.conversions(y, counts[i]);
    }
    let p = parts_of(b);
    (p.conversion.low, p.conversion.high)
}

#[test]
fn conversion_bands_at_each_average_bound() {
    assert_eq!(conversion([5, 5, 5]), (25, 30));
    assert_eq!(conversion([5, 5, 4]), (19, 24));
    assert_eq!(conversion([4, 4, 4]), (19, 24));
    assert_eq!(conversion([4, 4, 3]), (13, 18));
    assert_eq!(conversion([3, 3, 3]), (13, 18));
    assert_eq!(conversion([3, 3, 2]), (7, 12));
    assert_eq!(conversion([2, 2, 2]), (7, 12));
    assert_eq!(conversion([2, 2, 1]), (1, 6));
    assert_eq!(conversion([1, 1, 1]), (1, 6));
    assert_eq!(conversion([1, 1, 0]), (0, 0));
    assert_eq!(conversion([0, 0, 0]), (0, 0));
}

#[test]
fn conversions_missing_entirely_are_unknown_0_to_30_and_gaps_count_zero() {
    let mut p = ProfileBuilder::worked_example().build();
    p.conversions.clear();
    let ev = eval(&p, HTE, as_of());
    let c = ev.score_parts.expect("parts").conversion;
    assert_eq!((c.low, c.high), (0, 30));
    assert!(ev.assumptions.contains(Assumption::ConversionsUnknown));
    // Only 2024 given: the other two years are unknown, not zero. The average is at least
    // (0 + 0 + 9) / 3 = 3 → from 13, and could reach any band → up to 30.
    let mut p = ProfileBuilder::worked_example().build();
    p.conversions.clear();
    p.conversions.insert(2024, 9);
    let ev = eval(&p, HTE, as_of());
    let c = ev.score_parts.expect("parts").conversion;
    assert_eq!((c.low, c.high), (13, 30));
    assert!(ev.assumptions.contains(Assumption::ConversionYearsMissing));
    // A judged value inside the wider range is accepted; below its low end it is not.
    p.judged.conversion = Some(28);
    assert!(super::super::evaluate(&p, HTE, as_of(), &Default::default()).is_ok());
    p.judged.conversion = Some(12);
    assert_eq!(eval_err(&p, HTE, as_of()).code, "judged_out_of_band");
    // Every year entered (zeros included): the band is exact and nothing is assumed.
    let mut p = ProfileBuilder::worked_example().build();
    p.conversions.insert(2022, 0);
    let ev = eval(&p, HTE, as_of());
    assert!(!ev.assumptions.contains(Assumption::ConversionYearsMissing));
    let c = ev.score_parts.expect("parts").conversion;
    assert_eq!((c.low, c.high), (7, 12));
}

// --- readings the official text leaves open are listed ---

#[test]
fn growth_readings_are_listed_under_assumptions_when_used() {
    let codes = |p: &Profile| -> Vec<&'static str> {
        eval(p, HTE, as_of()).assumptions.iter().map(|a| a.code()).collect()
    };
    // Three positive years: nothing assumed.
    let worked = ProfileBuilder::worked_example().build();
    let none = codes(&worked);
    for c in ["growth_two_years", "non_positive_net_assets", "zero_first_year"] {
        assert!(!none.contains(&c), "{c}");
    }
    // Two years of figures (a firm founded in 2023).
    let young = ProfileBuilder::worked_example().founded(2023, 1, 10).build();
    assert!(codes(&young).contains(&"growth_two_years"));
    // Negative net assets in a denominator.
    let neg = ProfileBuilder::worked_example().net_assets(2022, -1_000_000).build();
    assert!(codes(&neg).contains(&"non_positive_net_assets"));
    // A zero first year of sales.
    let zero = ProfileBuilder::worked_example()
        .revenue(2022, 0)
        .rd(2022, 0)
        .build();
    assert!(codes(&zero).contains(&"zero_first_year"));
}

// --- R&D organisation ---

#[test]
fn rd_organisation_present_absent_or_unknown() {
    let org = |v| {
        let p = parts_of(ProfileBuilder::worked_example().rd_management(v));
        (p.rd_organisation.low, p.rd_organisation.high)
    };
    assert_eq!(org(Some(true)), (4, 20));
    assert_eq!(org(Some(false)), (0, 0));
    assert_eq!(org(None), (0, 20));
}

// --- growth part ---

fn sales_growth(rev: [i64; 3]) -> (u32, u32) {
    let mut b = ProfileBuilder::worked_example();
    for (i, y) in (2022..=2024).enumerate() {
        b = b.revenue(y, rev[i]);
    }
    let p = parts_of(b);
    (p.growth_sales.low, p.growth_sales.high)
}

#[test]
fn growth_bands_on_both_sides_of_each_bound() {
    // v1 = v2: g = (v3/v2 − 1) / 2.
    assert_eq!(sales_growth([10_000, 10_000, 17_000]), (9, 10), "35%");
    assert_eq!(sales_growth([10_000, 10_000, 16_999]), (7, 8), "34.995%");
    assert_eq!(sales_growth([10_000, 10_000, 15_000]), (7, 8), "25%");
    assert_eq!(sales_growth([10_000, 10_000, 14_999]), (5, 6));
    assert_eq!(sales_growth([10_000, 10_000, 13_000]), (5, 6), "15%");
    assert_eq!(sales_growth([10_000, 10_000, 12_999]), (3, 4));
    assert_eq!(sales_growth([10_000, 10_000, 11_000]), (3, 4), "5%");
    assert_eq!(sales_growth([10_000, 10_000, 10_999]), (1, 2));
    assert_eq!(sales_growth([10_000, 10_000, 10_001]), (1, 2), "> 0");
    assert_eq!(sales_growth([10_000, 10_000, 10_000]), (0, 0), "0");
    assert_eq!(sales_growth([10_000, 10_000, 9_000]), (0, 0), "< 0");
}

#[test]
fn growth_with_v1_zero_uses_the_last_two_years() {
    assert_eq!(sales_growth([0, 10_000, 13_500]), (9, 10));
    assert_eq!(sales_growth([0, 10_000, 13_499]), (7, 8));
}

#[test]
fn growth_with_v2_zero_scores_zero() {
    assert_eq!(sales_growth([10_000, 0, 90_000]), (0, 0));
}

#[test]
fn growth_with_two_years_uses_v2_over_v1_and_one_year_scores_zero() {
    let two = ProfileBuilder::worked_example()
        .founded(2023, 1, 1)
        .revenue(2023, 10_000)
        .revenue(2024, 13_500);
    let p = parts_of(two);
    assert_eq!((p.growth_sales.low, p.growth_sales.high), (9, 10));
    let one = ProfileBuilder::worked_example().founded(2024, 1, 1);
    let p = parts_of(one);
    assert_eq!((p.growth_sales.low, p.growth_sales.high), (0, 0));
    assert_eq!((p.growth_net_assets.low, p.growth_net_assets.high), (0, 0));
}

#[test]
fn non_positive_net_assets_in_a_denominator_score_zero() {
    let na = |v: [i64; 3]| {
        let mut b = ProfileBuilder::worked_example();
        for (i, y) in (2022..=2024).enumerate() {
            b = b.net_assets(y, v[i]);
        }
        let p = parts_of(b);
        (p.growth_net_assets.low, p.growth_net_assets.high)
    };
    assert_eq!(na([-1, 10_000, 20_000]), (0, 0));
    assert_eq!(na([10_000, -1, 20_000]), (0, 0));
    assert_eq!(na([10_000, 10_000, -5]), (0, 0));
    assert_eq!(na([0, 10_000, 13_500]), (9, 10), "v1 = 0 uses two years");
}

#[test]
fn growth_with_a_missing_figure_is_a_full_range_not_a_guess() {
    let mut p = ProfileBuilder::worked_example().build();
    for y in &mut p.financials {
        y.net_assets = None;
    }
    let ev = eval(&p, HTE, as_of());
    let na = ev.score_parts.expect("parts").growth_net_assets;
    assert_eq!((na.low, na.high), (0, 10));
    assert!(ev.assumptions.contains(Assumption::NetAssetsGrowthUnknown));
    assert_eq!(
        crit_json(&ev, INNOVATION_SCORE)["explain_en"],
        "depends on expert judgement: 32–86 (and on missing data)"
    );
}

// --- rendering ---

#[test]
fn every_criterion_renders_labels_actual_and_required_in_both_languages() {
    for b in [
        ProfileBuilder::worked_example(),
        ProfileBuilder::hte_ready(),
        ProfileBuilder::new(),
    ] {
        let ev = eval(&b.build(), HTE, as_of());
        for c in ev.to_json()["criteria"].as_array().expect("array") {
            for key in [
                "label_zh",
                "label_en",
                "actual",
                "required",
                "explain_zh",
                "explain_en",
            ] {
                assert!(
                    c[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{} {key}",
                    c["id"]
                );
            }
            let failing = c["status"] == "fail";
            assert_eq!(c["gap_en"].is_string(), failing, "{}", c["id"]);
        }
    }
}

#[test]
fn reasons_not_passing_carry_the_gap_and_the_criterion_id() {
    let ev = eval(&ProfileBuilder::worked_example().build(), HTE, as_of());
    let reasons = ev.reasons_not_passing();
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, vec![RD_RATIO, INNOVATION_SCORE]);
    let (zh, en) = (reasons[0].text.sketch(true), reasons[0].text.sketch(false));
    assert!(en.contains("short by ¥50,000"), "{en}");
    assert!(zh.contains("5万元"), "{zh}");
}

#[test]
fn the_worked_example_keeps_its_english_fields_and_gains_chinese_ones() {
    let p = Profile::from_json(WORKED).expect("worked example parses");
    let ev = eval(&p, RuleSet::Hte2016, d(2025, 5, 31)).to_json();
    let cs = criteria(&ev);
    let by_id = |id: &str| {
        cs.iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id}"))
    };
    let rd = by_id("hte.rd_ratio");
    assert_eq!(rd["actual"], "4.96%");
    assert_eq!(rd["required"], "≥ 5.00%");
    assert_eq!(rd["actual_zh"], "4.96%");
    assert_eq!(rd["required_zh"], "≥ 5.00%");
    let reg = by_id("hte.registered_one_year");
    assert_eq!(reg["actual"], "3,347 days");
    assert_eq!(reg["actual_zh"], "3,347 天");
    assert_eq!(reg["required"], "≥ 365 days");
    assert_eq!(reg["required_zh"], "≥ 365 天");
    let ip = by_id("hte.core_ip");
    assert_eq!(ip["actual"], "core IP: yes; 7 item(s)");
    assert_eq!(ip["actual_zh"], "核心知识产权：是；7 项");
    assert_eq!(by_id("hte.key_field")["actual_zh"], "是");
    assert_eq!(by_id("hte.no_major_incident")["actual_zh"], "无");
    assert_eq!(by_id("hte.no_major_incident")["required_zh"], "无");
    assert_eq!(by_id("hte.innovation_score")["required_zh"], "≥ 71 分");
}
