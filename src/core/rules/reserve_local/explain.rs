//! The words of `reserve-local`: each criterion's label, requirement and sentences, Chinese
//! and English side by side, with the thresholds the evaluation recorded.

use super::Id;
use crate::core::eval::{Criterion, Evaluation, Status};
use crate::core::ratio::{format_bp, shortfall, Ratio};
use crate::core::rules::detail::{Detail, NearPart};
use crate::core::rules::hte_2016::{CORE_IP_ITEMS, HIGH_TECH_BP, STAFF_BP};
use crate::core::rules::words::{
    self, fen_of, missing_words, off_shape, pct_vs, pct_words, points, pp_words, score_range,
    score_range_zh, staff_gap, year_of, yen, yuan_zh, Words,
};
use crate::core::rules::{ReserveThresholds, ThresholdsUsed};

/// The thresholds the evaluation used.
fn thresholds(ev: &Evaluation) -> ReserveThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::Reserve(t)) => t,
        _ => ReserveThresholds::default(),
    }
}

/// The label of a criterion.
pub(crate) fn label(id: Id) -> (&'static str, &'static str) {
    match id {
        Id::TechSmeCurrent => ("科技型中小企业入库有效", "Current tech-SME registration"),
        Id::NearHte => ("接近高新技术企业认定条件", "Close to the HTE conditions"),
        Id::Registered => ("注册成立满一年", "Registered for at least a year"),
        Id::ScoreFloor => ("创新能力评价保守得分", "Conservative innovation score"),
    }
}

/// The requirement of a criterion, short, with the thresholds in force.
pub(crate) fn required(id: Id, _c: &Criterion, ev: &Evaluation) -> (String, String) {
    let t = thresholds(ev);
    match id {
        Id::TechSmeCurrent => (
            format!("{} 年度已登记", year_of(ev)),
            format!("registered for {}", year_of(ev)),
        ),
        Id::NearHte => {
            let m = t.margin_bp;
            let (staff, margin, high_tech) = (
                format_bp(STAFF_BP - m),
                format_bp(m),
                format_bp(HIGH_TECH_BP - m),
            );
            (
                format!(
                    "科技人员占比 ≥ {staff}，研发费用占比 ≥ 分档要求 − {margin}，高新技术收入占比 ≥ {high_tech}，拥有核心知识产权"
                ),
                format!(
                    "staff ≥ {staff}, R&D ≥ band − {margin}, high-tech ≥ {high_tech}, core IP"
                ),
            )
        }
        Id::Registered => (
            format!("≥ {} 天", t.registered_days),
            format!("≥ {} days", t.registered_days),
        ),
        Id::ScoreFloor => (
            format!("保守得分 ≥ {} 分", t.score_floor),
            format!("low end ≥ {}", t.score_floor),
        ),
    }
}

/// The actual value, the explaining sentence and the gap of a criterion.
pub(crate) fn words(id: Id, c: &Criterion, ev: &Evaluation) -> Words {
    match id {
        Id::TechSmeCurrent => tech_sme_current(c, ev),
        Id::NearHte => near_hte(c),
        Id::Registered => words::days(c, ev),
        Id::ScoreFloor => score_floor(c),
    }
}

fn tech_sme_current(c: &Criterion, ev: &Evaluation) -> Words {
    let Detail::TechSme { year, current } = c.detail else {
        return off_shape(c);
    };
    let as_of = ev.as_of;
    let now = year_of(ev);
    let actual = (format!("{year} 年度已登记"), format!("registered {year}"));
    if current {
        Words::new(
            actual,
            (
                format!("{year} 年度科技型中小企业入库登记在 {as_of} 有效。"),
                format!("The {year} tech-SME registration is current on {as_of}."),
            ),
            None,
        )
    } else {
        Words::new(
            actual,
            (
                format!("{year} 年度科技型中小企业入库登记在 {as_of} 已失效。"),
                format!("The {year} tech-SME registration is no longer current on {as_of}."),
            ),
            Some((
                format!("办理 {now} 年度科技型中小企业入库登记"),
                format!("register as a tech-SME for {now}"),
            )),
        )
    }
}

/// A near-HTE share as shown: never at or above a bound (the margin's floor or the HTE
/// threshold) that it does not reach.
fn near_pct(part: NearPart, margin_bp: i64) -> String {
    match part {
        NearPart::Missing(_) => "?".to_string(),
        NearPart::Known { num, den, need_bp } => {
            if part.status(margin_bp) == Status::Fail {
                pct_vs(num, den, need_bp - margin_bp)
            } else {
                pct_vs(num, den, need_bp)
            }
        }
    }
}

/// One ratio condition of `reserve.near_hte`: its sentence and, when below the margin, its
/// gap. `staff`: the condition counts people, not money.
fn near_part(
    part: NearPart,
    margin_bp: i64,
    (name_zh, name_en): (&str, &str),
    (what_zh, what_en): (&str, &str),
    staff: bool,
) -> (String, String, Option<(String, String)>) {
    match part {
        NearPart::Missing(m) => {
            let (mz, me) = missing_words(m);
            (
                format!("{name_zh}未知（{mz}）"),
                format!("{name_en} unknown ({me})"),
                None,
            )
        }
        NearPart::Known { num, den, need_bp } => {
            let p = near_pct(part, margin_bp);
            let floor = need_bp - margin_bp;
            let state_zh;
            let state_en;
            let mut gap = None;
            if part.meets_threshold() {
                state_zh = format!("达到 {}", pct_words(need_bp));
                state_en = format!("meets {}", pct_words(need_bp));
            } else if part.status(margin_bp) == Status::Pass {
                state_zh = format!(
                    "在 {} 的余量内（≥ {}）",
                    pct_words(need_bp),
                    pct_words(floor)
                );
                state_en = format!(
                    "within the margin of {} (≥ {})",
                    pct_words(need_bp),
                    pct_words(floor)
                );
            } else {
                state_zh = format!("低于 {}", pct_words(floor));
                state_en = format!("below {}", pct_words(floor));
                let (gz, ge) = if staff {
                    staff_gap(num as u32, den as u32, floor)
                } else {
                    let s = fen_of(shortfall(num as i128, den as i128, Ratio::bp(floor)));
                    (
                        format!("{what_zh}还差 {}", yuan_zh(s)),
                        format!("{what_en} short by {}", yen(s)),
                    )
                };
                gap = Some((
                    format!("达到 {}：{gz}", pct_words(floor)),
                    format!("to reach {}: {ge}", pct_words(floor)),
                ));
            }
            (
                format!("{name_zh} {p} {state_zh}"),
                format!("{name_en} {p} {state_en}"),
                gap,
            )
        }
    }
}

fn near_hte(c: &Criterion) -> Words {
    let Detail::NearHte {
        margin_bp,
        staff,
        rd,
        high_tech,
        core_ip,
    } = c.detail
    else {
        return off_shape(c);
    };
    let parts = [
        near_part(
            staff,
            margin_bp,
            ("科技人员占比", "technical staff share"),
            ("科技人员", "technical staff"),
            true,
        ),
        near_part(
            rd,
            margin_bp,
            ("研发费用占比", "R&D ratio"),
            ("研发费用", "R&D spending"),
            false,
        ),
        near_part(
            high_tech,
            margin_bp,
            ("高新技术产品收入占比", "high-tech revenue share"),
            ("高新技术产品收入", "high-tech revenue"),
            false,
        ),
    ];
    let (ipz, ipe) = match core_ip {
        Status::Pass => ("核心知识产权符合", "core IP met"),
        Status::Fail => ("核心知识产权不符合", "core IP not met"),
        Status::Unknown => ("核心知识产权未知", "core IP unknown"),
    };
    let z: Vec<&str> = parts
        .iter()
        .map(|p| p.0.as_str())
        .chain(std::iter::once(ipz))
        .collect();
    let e: Vec<&str> = parts
        .iter()
        .map(|p| p.1.as_str())
        .chain(std::iter::once(ipe))
        .collect();
    let pct_of = |part: NearPart| match part {
        NearPart::Known { .. } => near_pct(part, margin_bp),
        NearPart::Missing(_) => "?".to_string(),
    };
    let (core_zh, core_en) = match core_ip {
        Status::Pass => ("满足", "met"),
        Status::Fail => ("不满足", "not met"),
        Status::Unknown => ("未知", "unknown"),
    };
    let actual = (
        format!(
            "科技人员 {}，研发费用 {}，高新技术收入 {}，核心知识产权{core_zh}",
            pct_of(staff),
            pct_of(rd),
            pct_of(high_tech)
        ),
        format!(
            "staff {}, R&D {}, high-tech {}, core IP {core_en}",
            pct_of(staff),
            pct_of(rd),
            pct_of(high_tech)
        ),
    );
    let (mz, me) = pp_words(margin_bp);
    let (lead_zh, lead_en) = match c.status {
        Status::Pass => ("接近高新技术企业认定条件", "Close to the HTE conditions"),
        Status::Fail => (
            "尚未接近高新技术企业认定条件",
            "Not close enough to the HTE conditions",
        ),
        Status::Unknown => (
            "是否接近高新技术企业认定条件无法判断",
            "Closeness to the HTE conditions cannot be decided",
        ),
    };
    let mut gz: Vec<String> = Vec::new();
    let mut ge: Vec<String> = Vec::new();
    for p in &parts {
        if let Some((a, b)) = &p.2 {
            gz.push(a.clone());
            ge.push(b.clone());
        }
    }
    if core_ip == Status::Fail {
        gz.push(format!("核心知识产权（含至少 {CORE_IP_ITEMS} 项知识产权）"));
        ge.push(format!("core IP with at least {CORE_IP_ITEMS} item"));
    }
    let gap = (!gz.is_empty()).then(|| (gz.join("；"), ge.join("; ")));
    Words::new(
        actual,
        (
            format!("{lead_zh}（余量 {mz}）：{}。", z.join("；")),
            format!("{lead_en} (margin {me}): {}.", e.join("; ")),
        ),
        gap,
    )
}

fn score_floor(c: &Criterion) -> Words {
    let Detail::Score {
        low, high, need, ..
    } = c.detail
    else {
        return off_shape(c);
    };
    let actual = (score_range_zh(low, high), score_range(low, high));
    match c.status {
        Status::Pass => Words::new(
            actual,
            (
                format!("创新能力评价保守得分（下限）{low} 分，不低于 {need} 分。"),
                format!("Conservative innovation score (low end) {low} is at least {need}."),
            ),
            None,
        ),
        Status::Unknown => Words::new(
            actual,
            (
                format!("创新能力评价保守得分 {low} 分低于 {need} 分，但因缺少数据，得分区间为 {low}–{high}。"),
                format!("Conservative score {low} is below {need}, but data is missing: the range is {low}–{high}."),
            ),
            None,
        ),
        Status::Fail => Words::new(
            actual,
            (
                format!("创新能力评价保守得分（下限）{low} 分，低于 {need} 分（区间 {low}–{high}）。"),
                format!("Conservative innovation score (low end) {low} is below the {need} floor (range {low}–{high})."),
            ),
            Some((
                format!("保守得分还差 {} 分（可由专家评定子项或补充数据提高）", need - low),
                format!("low end short by {} (judged sub-scores or more figures raise it)", points(need - low)),
            )),
        ),
    }
}
