//! The words of `gazelle-henan-2023`: each criterion's label, requirement and sentences,
//! Chinese and English side by side, with the thresholds the evaluation recorded.

use super::Id;
use crate::core::eval::{Criterion, Evaluation, Status};
use crate::core::money::Fen;
use crate::core::ratio::{ceil_div, format_bp, shortfall, Ratio};
use crate::core::rules::detail::Detail;
use crate::core::rules::words::{
    self, fen_of, off_shape, pct_vs, pct_words, year_of, yen, yes_no, yes_no_zh, yuan_zh, Words,
};
use crate::core::rules::{GazelleThresholds, ThresholdsUsed};

/// The thresholds the evaluation used.
fn thresholds(ev: &Evaluation) -> GazelleThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::Gazelle(t)) => t,
        _ => GazelleThresholds::default(),
    }
}

/// The label of a criterion.
pub(crate) fn label(id: Id) -> (&'static str, &'static str) {
    match id {
        Id::Revenue => ("营业收入", "Revenue"),
        Id::RdRatio => ("研发费用占营业收入比例", "R&D to revenue"),
        Id::Growth => ("营业收入两年复合增长率", "Two-year compound revenue growth"),
        Id::Base => ("高新技术企业或科技型中小企业", "HTE or tech-SME"),
    }
}

/// The requirement of a criterion, short, with the thresholds in force.
pub(crate) fn required(id: Id, _c: &Criterion, ev: &Evaluation) -> (String, String) {
    let t = thresholds(ev);
    match id {
        Id::Revenue => {
            let bound = Fen::from_yuan_saturating(t.revenue_above_yuan);
            (format!("> {}", yuan_zh(bound)), format!("> {}", yen(bound)))
        }
        Id::RdRatio => {
            let s = format!("≥ {}", format_bp(t.rd_ratio_bp));
            (s.clone(), s)
        }
        Id::Growth => (
            format!("年均 ≥ {}", format_bp(t.growth_bp)),
            format!("≥ {} a year", format_bp(t.growth_bp)),
        ),
        Id::Base => (
            "有效高新技术企业或科技型中小企业入库有效".to_string(),
            "valid HTE or current tech-SME".to_string(),
        ),
    }
}

/// The actual value, the explaining sentence and the gap of a criterion.
pub(crate) fn words(id: Id, c: &Criterion, ev: &Evaluation) -> Words {
    match id {
        Id::Revenue => words::amount(c),
        Id::RdRatio => rd_ratio(c),
        Id::Growth => growth(c),
        Id::Base => base(c, ev),
    }
}

fn rd_ratio(c: &Criterion) -> Words {
    let Detail::YearShare {
        year,
        num,
        den,
        need_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let p = pct_vs(num.0, den.0, need_bp);
    let need = pct_words(need_bp);
    let (z, e) = if c.status == Status::Pass {
        (
            format!("{year} 年研发费用占营业收入的 {p}，达到 {need} 的要求。"),
            format!("R&D is {p} of revenue in {year}, at least the {need} required."),
        )
    } else {
        (
            format!("{year} 年研发费用占营业收入的 {p}，低于 {need} 的要求。"),
            format!("R&D is {p} of revenue in {year}, below the {need} required."),
        )
    };
    let short = fen_of(shortfall(num.0 as i128, den.0 as i128, Ratio::bp(need_bp)));
    let gap = (
        format!("{year} 年研发费用还差 {}", yuan_zh(short)),
        format!("R&D spending {year} short by {}", yen(short)),
    );
    Words::new((p.clone(), p), (z, e), Some(gap))
}

/// Display only: floor(√(v3/v1 · 10^8)) − 10^4 basis points, which agrees with the exact
/// verdict at the bound (1.3225 → 15.00%).
fn compound_yearly_bp(v1: Fen, v3: Fen) -> i64 {
    let q = (v3.0 as i128 * 100_000_000) / v1.0 as i128;
    q.isqrt() as i64 - 10_000
}

fn growth(c: &Criterion) -> Words {
    let Detail::CompoundGrowth {
        first,
        last,
        v1,
        v3,
        need_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let yearly = format_bp(compound_yearly_bp(v1, v3));
    let actual = (format!("年均 {yearly}"), format!("{yearly} a year"));
    let need = pct_words(need_bp);
    let g = 10_000 + need_bp as i128;
    let two_years = pct_words((g * g / 10_000 - 10_000) as i64);
    let explain = if c.status == Status::Pass {
        (
            format!(
                "营业收入由 {first} 年 {} 增至 {last} 年 {}，年均复合增长 {yearly}，达到 {need} 的要求。",
                yuan_zh(v1),
                yuan_zh(v3)
            ),
            format!(
                "Revenue grew from {} ({first}) to {} ({last}): {yearly} a year compounded, at least the {need} required.",
                yen(v1),
                yen(v3)
            ),
        )
    } else {
        (
            format!(
                "营业收入由 {first} 年 {} 增至 {last} 年 {}，年均复合增长 {yearly}，低于 {need} 的要求（两年须增长 {two_years}）。",
                yuan_zh(v1),
                yuan_zh(v3)
            ),
            format!(
                "Revenue went from {} ({first}) to {} ({last}): {yearly} a year compounded, below the {need} required ({two_years} over two years).",
                yen(v1),
                yen(v3)
            ),
        )
    };
    let min_v3 = ceil_div(v1.0 as i128 * g * g, 100_000_000);
    let short = fen_of(min_v3 - v3.0 as i128);
    let gap = (
        format!("{last} 年营业收入还差 {}", yuan_zh(short)),
        format!("{last} revenue short by {}", yen(short)),
    );
    Words::new(actual, explain, Some(gap))
}

fn base(c: &Criterion, ev: &Evaluation) -> Words {
    let Detail::Base { hte, tech_sme } = c.detail else {
        return off_shape(c);
    };
    let actual = (
        format!(
            "高新技术企业：{}；科技型中小企业：{}",
            yes_no_zh(hte),
            yes_no_zh(tech_sme)
        ),
        format!("HTE: {}; tech-SME: {}", yes_no(hte), yes_no(tech_sme)),
    );
    match c.status {
        Status::Pass => {
            let (z, e) = if hte == Some(true) {
                ("持有有效的高新技术企业证书。", "Holds a valid HTE certificate.")
            } else {
                (
                    "科技型中小企业入库登记有效。",
                    "Holds a current tech-SME registration.",
                )
            };
            Words::new(actual, (z.to_string(), e.to_string()), None)
        }
        Status::Fail => Words::new(
            actual,
            (
                "既不是有效的高新技术企业，也没有有效的科技型中小企业入库登记。".to_string(),
                "Neither a valid HTE nor a current tech-SME registration.".to_string(),
            ),
            Some((
                format!(
                    "办理 {} 年度科技型中小企业入库登记（或取得高企证书）",
                    year_of(ev)
                ),
                format!(
                    "register as a tech-SME for {} (or hold a valid HTE certificate)",
                    year_of(ev)
                ),
            )),
        ),
        Status::Unknown => Words::new(
            actual,
            (
                "无法判断是否为高新技术企业或科技型中小企业：缺少证书或入库登记信息。".to_string(),
                "Cannot tell whether the firm is an HTE or a tech-SME: the certificate or registration is missing.".to_string(),
            ),
            None,
        ),
    }
}
