//! The words of `little-giant-henan-2017`: each criterion's label, requirement and sentences,
//! Chinese and English side by side, with the thresholds the evaluation recorded and the tier
//! it decided.

use super::Id;
use crate::core::eval::{Criterion, Evaluation, Status, Tier};
use crate::core::money::Fen;
use crate::core::ratio::{ceil_div, format_bp, shortfall, shortfall_added, Ratio};
use crate::core::rules::detail::Detail;
use crate::core::rules::words::{
    self, at_least_platform, count, fen_of, off_shape, pct_vs, pct_words, yen, yuan_zh, Words,
};
use crate::core::rules::{LittleGiantThresholds, ThresholdsUsed};

/// The thresholds the evaluation used.
fn thresholds(ev: &Evaluation) -> LittleGiantThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::LittleGiant(t)) => t,
        _ => LittleGiantThresholds::default(),
    }
}

/// The name of a tier: `(Chinese, English)`.
pub(crate) fn tier_name(t: Tier) -> (&'static str, &'static str) {
    match t {
        Tier::Cultivating => ("培育企业", "cultivating tier"),
        Tier::Giant => ("小巨人企业", "giant tier"),
    }
}

/// The label of a criterion.
pub(crate) fn label(id: Id) -> (&'static str, &'static str) {
    match id {
        Id::Revenue => ("营业收入（档次）", "Revenue (tier)"),
        Id::Growth => (
            "近两年销售收入年均增长率",
            "Average sales growth over two years",
        ),
        Id::Rd => ("研发投入", "R&D intensity"),
        Id::Ip => ("主导产品相关知识产权", "IP for the main product"),
        Id::Platform => ("研发平台", "R&D platform"),
    }
}

/// The requirement of a criterion, short, with the thresholds in force and the tier decided.
pub(crate) fn required(id: Id, _c: &Criterion, ev: &Evaluation) -> (String, String) {
    let t = thresholds(ev);
    match id {
        Id::Revenue => {
            let min = Fen::from_yuan_saturating(t.cultivating_revenue_yuan);
            let below = Fen::from_yuan_saturating(t.revenue_below_yuan);
            (
                format!("{} ≤ 营业收入 < {}", yuan_zh(min), yuan_zh(below)),
                format!("{} ≤ revenue < {}", yen(min), yen(below)),
            )
        }
        Id::Growth => (
            format!("年均 ≥ {}", format_bp(t.growth_bp)),
            format!("≥ {} a year", format_bp(t.growth_bp)),
        ),
        Id::Rd => {
            let (r, c) = (format_bp(t.rd_revenue_bp), format_bp(t.rd_cost_bp));
            (
                format!("占营业收入 ≥ {r} 或占成本费用总额 ≥ {c}"),
                format!("≥ {r} of revenue or ≥ {c} of total cost"),
            )
        }
        Id::Ip => {
            let cult = (
                format!("≥ {} 项", t.cultivating_ip_items),
                format!("≥ {} item(s)", t.cultivating_ip_items),
            );
            let giant = (
                format!(
                    "Ⅰ类 ≥ {} 项或Ⅱ类 ≥ {} 项",
                    t.giant_class_one, t.giant_class_two
                ),
                format!(
                    "≥ {} Class I or ≥ {} Class II",
                    t.giant_class_one, t.giant_class_two
                ),
            );
            match ev.tier {
                Some(Tier::Cultivating) => cult,
                Some(Tier::Giant) => giant,
                None => (
                    format!("培育企业 {}；小巨人企业 {}", cult.0, giant.0),
                    format!("cultivating {}; giant {}", cult.1, giant.1),
                ),
            }
        }
        Id::Platform => match ev.tier {
            Some(Tier::Cultivating) => ("不要求".to_string(), "not required".to_string()),
            _ => at_least_platform(t.giant_platform),
        },
    }
}

/// The actual value, the explaining sentence and the gap of a criterion.
pub(crate) fn words(id: Id, c: &Criterion, ev: &Evaluation) -> Words {
    match id {
        Id::Revenue => revenue(c, ev),
        Id::Growth => growth(c),
        Id::Rd => rd(c),
        Id::Ip => ip(c),
        Id::Platform => match c.detail {
            Detail::NotRequired { tier } => Words::new(
                ("不要求".to_string(), "not required".to_string()),
                (
                    format!("{}不要求研发平台。", tier_name(tier).0),
                    format!("Not required for the {}.", tier_name(tier).1),
                ),
                None,
            ),
            _ => words::platform(c),
        },
    }
}

fn revenue(c: &Criterion, ev: &Evaluation) -> Words {
    let Detail::TierRevenue {
        year,
        revenue,
        min,
        giant,
        below,
    } = c.detail
    else {
        return off_shape(c);
    };
    let actual = (yuan_zh(revenue), yen(revenue));
    match ev.tier {
        Some(t) => {
            let (lo, hi) = match t {
                Tier::Cultivating => (min, giant),
                Tier::Giant => (giant, below),
            };
            Words::new(
                actual,
                (
                    format!(
                        "{year} 年营业收入 {}，属{}档（{} 至 {} 以下）。",
                        yuan_zh(revenue),
                        tier_name(t).0,
                        yuan_zh(lo),
                        yuan_zh(hi)
                    ),
                    format!(
                        "{year} revenue {} puts the firm in the {} ({} to below {}).",
                        yen(revenue),
                        tier_name(t).1,
                        yen(lo),
                        yen(hi)
                    ),
                ),
                None,
            )
        }
        None if revenue < min => {
            let short = Fen(min.0 - revenue.0);
            Words::new(
                actual,
                (
                    format!(
                        "{year} 年营业收入 {}，低于培育企业 {} 的下限。",
                        yuan_zh(revenue),
                        yuan_zh(min)
                    ),
                    format!(
                        "{year} revenue {} is below the {} the cultivating tier needs.",
                        yen(revenue),
                        yen(min)
                    ),
                ),
                Some((
                    format!("{year} 年营业收入还差 {}", yuan_zh(short)),
                    format!("{year} revenue short by {}", yen(short)),
                )),
            )
        }
        None => {
            let over = Fen(revenue.0 - below.0 + 100);
            Words::new(
                actual,
                (
                    format!(
                        "{year} 年营业收入 {}，不低于 {} 的上限，超出科技小巨人的范围。",
                        yuan_zh(revenue),
                        yuan_zh(below)
                    ),
                    format!(
                        "{year} revenue {} is not below the {} ceiling: too large for the little-giant programme.",
                        yen(revenue),
                        yen(below)
                    ),
                ),
                Some((
                    format!("营业收入须低于上限（超出 {}）", yuan_zh(over)),
                    format!("revenue must be below the ceiling ({} too much)", yen(over)),
                )),
            )
        }
    }
}

/// The average of the two yearly growth rates v2/v1 − 1 and v3/v2 − 1, as one fraction.
fn average_growth(v1: Fen, v2: Fen, v3: Fen) -> Ratio {
    let (a, b, cc) = (v1.0 as i128, v2.0 as i128, v3.0 as i128);
    Ratio::new(b * b + a * cc - 2 * a * b, 2 * a * b).unwrap_or(Ratio::ZERO)
}

fn growth(c: &Criterion) -> Words {
    let Detail::AverageGrowth {
        first,
        last,
        v1,
        v2,
        v3,
        need_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let (a, b, cc) = (v1.0 as i128, v2.0 as i128, v3.0 as i128);
    let g = format_bp(words::bp_vs(average_growth(v1, v2, v3), need_bp));
    let actual = (format!("年均 {g}"), format!("{g} a year"));
    let need = pct_words(need_bp);
    let mid = first + 1;
    let explain = if c.status == Status::Pass {
        (
            format!("近两年销售收入（{first}–{last}）年均增长 {g}，达到 {need} 的要求。"),
            format!(
                "Sales grew {g} a year on average over {first}–{last}, at least the {need} required."
            ),
        )
    } else {
        (
            format!("近两年销售收入（{first}–{last}）年均增长 {g}，低于 {need} 的要求。"),
            format!(
                "Sales grew {g} a year on average over {first}–{last} ({}, {}, {}), below the {need} required.",
                yen(v1),
                yen(v2),
                yen(v3)
            ),
        )
    };
    // v3 ≥ v2·(2(1 + t) − v2/v1) = v2·(2·(10⁴ + bp)·v1 − 10⁴·v2) / (10⁴·v1).
    let t = 10_000 + need_bp as i128;
    let min_v3 = ceil_div(b * (2 * t * a - 10_000 * b), 10_000 * a);
    let short = fen_of(min_v3 - cc);
    let gap = (
        format!(
            "{last} 年销售收入还差 {}（{first}、{mid} 年不变）",
            yuan_zh(short)
        ),
        format!(
            "{last} sales short by {} (with {first} and {mid} unchanged)",
            yen(short)
        ),
    );
    Words::new(actual, explain, Some(gap))
}

fn rd(c: &Criterion) -> Words {
    let Detail::RdEither {
        year,
        rd,
        revenue,
        cost,
        revenue_bp,
        cost_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let of = |base: Option<Fen>, bp: i64| {
        base.filter(|b| b.0 > 0)
            .map_or("—".to_string(), |b| pct_vs(rd.0, b.0, bp))
    };
    let (of_rev, of_cost) = (of(revenue, revenue_bp), of(cost, cost_bp));
    let actual = (
        format!("占营业收入 {of_rev}；占成本费用总额 {of_cost}"),
        format!("{of_rev} of revenue; {of_cost} of total cost"),
    );
    let (nr, nc) = (pct_words(revenue_bp), pct_words(cost_bp));
    let explain = match c.status {
        Status::Pass => (
            format!("{year} 年研发费用占营业收入 {of_rev}、占成本费用总额 {of_cost}，达到 {nr} 或 {nc} 之一。"),
            format!("{year} R&D is {of_rev} of revenue and {of_cost} of total cost, meeting {nr} of revenue or {nc} of cost."),
        ),
        Status::Fail => (
            format!("{year} 年研发费用占营业收入 {of_rev}、占成本费用总额 {of_cost}，均未达到 {nr} 或 {nc}。"),
            format!("{year} R&D is {of_rev} of revenue and {of_cost} of total cost, below both {nr} of revenue and {nc} of cost."),
        ),
        Status::Unknown => (
            format!("{year} 年研发投入无法判断：缺少营业收入或成本费用总额。"),
            format!("{year} R&D intensity cannot be decided: revenue or total cost is missing."),
        ),
    };
    let by_rev = revenue
        .filter(|r| r.0 > 0)
        .map(|r| shortfall(rd.0 as i128, r.0 as i128, Ratio::bp(revenue_bp)));
    let by_cost = cost
        .filter(|c| c.0 > 0)
        .and_then(|c| shortfall_added(rd.0 as i128, c.0 as i128, Ratio::bp(cost_bp)));
    let gap = match (by_rev, by_cost) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
    .map(|x| {
        let s = fen_of(x);
        (
            format!("{year} 年研发费用还差 {}", yuan_zh(s)),
            format!("R&D spending {year} short by {}", yen(s)),
        )
    });
    Words::new(actual, explain, gap)
}

fn ip(c: &Criterion) -> Words {
    let Detail::GiantIp {
        tier,
        class_one,
        class_two,
        cultivating_items,
        giant_class_one,
        giant_class_two,
    } = c.detail
    else {
        return off_shape(c);
    };
    let (n1, n2) = (count(class_one), count(class_two));
    let actual = (
        format!("Ⅰ类 {n1} 项，Ⅱ类 {n2} 项"),
        format!("Class I {n1}, Class II {n2}"),
    );
    let explain = match c.status {
        Status::Pass => (
            format!("与主导产品相关的Ⅰ类知识产权 {n1} 项、Ⅱ类 {n2} 项，符合要求。"),
            format!("{n1} Class I and {n2} Class II items for the main product meet the requirement."),
        ),
        Status::Fail => (
            format!("与主导产品相关的Ⅰ类知识产权 {n1} 项、Ⅱ类 {n2} 项，不符合要求。"),
            format!("{n1} Class I and {n2} Class II items for the main product fall short."),
        ),
        Status::Unknown => (
            "知识产权条件无法判断：缺少知识产权数量或档次未定。".to_string(),
            "IP cannot be decided: counts are missing or the tier is undecided.".to_string(),
        ),
    };
    let one = class_one.unwrap_or(0);
    let two = class_two.unwrap_or(0);
    let gap = match tier {
        Some(Tier::Cultivating) => {
            let k = cultivating_items.saturating_sub(one + two);
            (
                format!("还需知识产权 {k} 项"),
                format!("{k} more IP item(s)"),
            )
        }
        _ => {
            let k1 = giant_class_one.saturating_sub(one);
            let k2 = giant_class_two.saturating_sub(two);
            (
                format!("还需Ⅰ类知识产权 {k1} 项，或Ⅱ类 {k2} 项"),
                format!("{k1} Class I IP item(s), or {k2} more Class II item(s)"),
            )
        }
    };
    Words::new(actual, explain, Some(gap))
}
