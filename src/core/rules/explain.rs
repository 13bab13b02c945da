//! Words for the facts: labels, actual and required values, one explaining sentence in Chinese
//! and English, and for a failing criterion the smallest change that would make it pass.
//!
//! Only called when rendering (`Evaluation::to_json`, `reasons_not_passing`); `evaluate`
//! itself formats nothing.

use super::detail::{
    Detail, Fact, HteSource, Missing, NearPart, RdBand, UsccState, TSME_MAX_AMOUNT,
    TSME_MAX_EMPLOYEES, TSME_PASS_SCORE, TSME_STAFF_FLOOR_BP,
};
use super::{
    GazelleThresholds, LeaderThresholds, LittleGiantThresholds, ReserveThresholds, ThresholdsUsed,
};
use crate::core::eval::{Criterion, Evaluation, Status, Tier};
use crate::core::money::{group_int, Fen};
use crate::core::profile::PlatformLevel;
use crate::core::ratio::{ceil_div, format_bp, shortfall, shortfall_added, Ratio};

/// The rendered words of one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Texts {
    /// The actual value in English: the `actual` field that outside tools read.
    pub actual: String,
    /// The requirement in English: the `required` field that outside tools read.
    pub required: String,
    pub actual_zh: String,
    pub required_zh: String,
    pub explain_zh: String,
    pub explain_en: String,
    pub gap_zh: Option<String>,
    pub gap_en: Option<String>,
}

/// The label of a criterion id, in Chinese and English.
pub(crate) fn label(id: &str) -> (&'static str, &'static str) {
    match id {
        "hte.registered_one_year" | "reserve.registered" => {
            ("注册成立满一年", "Registered for at least a year")
        }
        "hte.core_ip" => ("拥有核心知识产权", "Owns core IP"),
        "hte.key_field" => (
            "属于国家重点支持的高新技术领域",
            "Key-supported high-tech field",
        ),
        "hte.tech_staff_ratio" => ("科技人员占比", "Share of technical staff"),
        "hte.rd_ratio" | "leader.rd_ratio" => ("研发费用占比", "R&D ratio"),
        "hte.rd_domestic_share" => ("境内研发费用占比", "Share of R&D spent in China"),
        "hte.high_tech_revenue_share" => {
            ("高新技术产品（服务）收入占比", "Share of high-tech revenue")
        }
        "hte.innovation_score" => ("创新能力评价", "Innovation score"),
        "hte.no_major_incident" => (
            "无重大安全、质量事故或严重环境违法行为",
            "No major incident",
        ),
        "tsme.resident" => ("在中国境内注册", "Registered in mainland China"),
        "tsme.size" => ("企业规模", "Size"),
        "tsme.not_restricted" => (
            "不属于禁止、限制和淘汰类行业",
            "Not in a restricted industry",
        ),
        "tsme.clean_record" => ("无重大事故及失信记录", "Clean record"),
        "tsme.score" => ("科技型中小企业评价得分", "Tech-SME score"),
        "tsme.direct_route" => ("直通条件", "Direct route"),
        "reserve.tech_sme_current" => ("科技型中小企业入库有效", "Current tech-SME registration"),
        "reserve.near_hte" => ("接近高新技术企业认定条件", "Close to the HTE conditions"),
        "reserve.score_floor" => ("创新能力评价保守得分", "Conservative innovation score"),
        "leader.valid_hte" | "gazelle.base" => match id {
            "gazelle.base" => ("高新技术企业或科技型中小企业", "HTE or tech-SME"),
            _ => ("有效高新技术企业证书", "Valid HTE certificate"),
        },
        "leader.revenue" | "gazelle.revenue" => ("营业收入", "Revenue"),
        "leader.platform" | "giant.platform" => ("研发平台", "R&D platform"),
        "gazelle.rd_ratio" => ("研发费用占营业收入比例", "R&D to revenue"),
        "gazelle.growth" => ("营业收入两年复合增长率", "Two-year compound revenue growth"),
        "giant.revenue" => ("营业收入（档次）", "Revenue (tier)"),
        "giant.growth" => (
            "近两年销售收入年均增长率",
            "Average sales growth over two years",
        ),
        "giant.rd" => ("研发投入", "R&D intensity"),
        "giant.ip" => ("主导产品相关知识产权", "IP for the main product"),
        _ => ("", ""),
    }
}

/// `5%`, `10.5%`, `32.25%`: a threshold in basis points, in words.
fn pct_words(bp: i64) -> String {
    let s = format_bp(bp);
    let s = s.trim_end_matches('%');
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// Hundredths as a plain two-decimal number: 300 → `3.00`.
pub(crate) fn hundredths(n: i64) -> String {
    format_bp(n).trim_end_matches('%').to_string()
}

fn pct(num: i64, den: i64) -> String {
    Ratio::new(num as i128, den as i128).map_or_else(|| "—".to_string(), |r| r.pct())
}

fn years(first: i32, last: i32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

fn yen(f: Fen) -> String {
    f.en()
}

fn yuan_zh(f: Fen) -> String {
    f.zh_compact()
}

fn fen_of(x: i128) -> Fen {
    Fen(x.clamp(0, i64::MAX as i128) as i64).ceil_yuan()
}

fn platform_zh(l: PlatformLevel) -> &'static str {
    match l {
        PlatformLevel::None => "无",
        PlatformLevel::City => "市级",
        PlatformLevel::Provincial => "省级",
        PlatformLevel::National => "国家级",
    }
}

fn platform_en(l: PlatformLevel) -> &'static str {
    match l {
        PlatformLevel::None => "none",
        PlatformLevel::City => "city",
        PlatformLevel::Provincial => "provincial",
        PlatformLevel::National => "national",
    }
}

fn reserve_t(ev: &Evaluation) -> ReserveThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::Reserve(t)) => t,
        _ => ReserveThresholds::default(),
    }
}

fn leader_t(ev: &Evaluation) -> LeaderThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::Leader(t)) => t,
        _ => LeaderThresholds::default(),
    }
}

fn gazelle_t(ev: &Evaluation) -> GazelleThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::Gazelle(t)) => t,
        _ => GazelleThresholds::default(),
    }
}

fn giant_t(ev: &Evaluation) -> LittleGiantThresholds {
    match ev.thresholds {
        Some(ThresholdsUsed::LittleGiant(t)) => t,
        _ => LittleGiantThresholds::default(),
    }
}

fn yuan(n: i64) -> Fen {
    Fen(n.saturating_mul(100))
}

/// The requirement of a criterion, short, from its id (and the thresholds in force).
fn required(c: &Criterion, ev: &Evaluation) -> String {
    match c.id {
        "hte.registered_one_year" => "≥ 365 days".to_string(),
        "reserve.registered" => format!("≥ {} days", reserve_t(ev).registered_days),
        "hte.core_ip" => "core IP, ≥ 1 Class I/II item".to_string(),
        "hte.key_field" => "yes".to_string(),
        "hte.tech_staff_ratio" => "≥ 10.00%".to_string(),
        "hte.rd_ratio" => match c.detail {
            Detail::RdRatio { need_bp, .. } => format!("≥ {}", format_bp(need_bp)),
            _ => "≥ 5.00% / 4.00% / 3.00% by latest revenue".to_string(),
        },
        "hte.rd_domestic_share" | "hte.high_tech_revenue_share" => "≥ 60.00%".to_string(),
        "hte.innovation_score" => "≥ 71".to_string(),
        "hte.no_major_incident" => "none".to_string(),
        "tsme.resident" => "valid USCC".to_string(),
        "tsme.size" => format!(
            "≤ {TSME_MAX_EMPLOYEES} staff; revenue and assets ≤ {}",
            yen(TSME_MAX_AMOUNT)
        ),
        "tsme.not_restricted" => "no".to_string(),
        "tsme.clean_record" => "no incident, not listed".to_string(),
        "tsme.score" => format!("≥ {TSME_PASS_SCORE} with staff points > 0, or a direct route"),
        "tsme.direct_route" => "any one of four routes".to_string(),
        "reserve.tech_sme_current" => format!("registered for {}", year_of(ev)),
        "reserve.near_hte" => {
            let m = reserve_t(ev).margin_bp;
            format!(
                "staff ≥ {}, R&D ≥ band − {}, high-tech ≥ {}, core IP",
                format_bp(1_000 - m),
                format_bp(m),
                format_bp(6_000 - m)
            )
        }
        "reserve.score_floor" => format!("low end ≥ {}", reserve_t(ev).score_floor),
        "leader.valid_hte" => "valid HTE certificate".to_string(),
        "leader.revenue" => format!("≥ {}", yen(yuan(leader_t(ev).revenue_yuan))),
        "leader.rd_ratio" => format!("≥ {}", format_bp(leader_t(ev).rd_ratio_bp)),
        "leader.platform" => format!("≥ {}", platform_en(leader_t(ev).platform)),
        "gazelle.revenue" => format!("> {}", yen(yuan(gazelle_t(ev).revenue_above_yuan))),
        "gazelle.rd_ratio" => format!("≥ {}", format_bp(gazelle_t(ev).rd_ratio_bp)),
        "gazelle.growth" => format!("≥ {} a year", format_bp(gazelle_t(ev).growth_bp)),
        "gazelle.base" => "valid HTE or current tech-SME".to_string(),
        "giant.revenue" => {
            let t = giant_t(ev);
            format!(
                "{} ≤ revenue < {}",
                yen(yuan(t.cultivating_revenue_yuan)),
                yen(yuan(t.revenue_below_yuan))
            )
        }
        "giant.growth" => format!("≥ {} a year", format_bp(giant_t(ev).growth_bp)),
        "giant.rd" => {
            let t = giant_t(ev);
            format!(
                "≥ {} of revenue or ≥ {} of total cost",
                format_bp(t.rd_revenue_bp),
                format_bp(t.rd_cost_bp)
            )
        }
        "giant.ip" => {
            let t = giant_t(ev);
            let cult = format!("≥ {} item(s)", t.cultivating_ip_items);
            let giant = format!(
                "≥ {} Class I or ≥ {} Class II",
                t.giant_class_one, t.giant_class_two
            );
            match ev.tier {
                Some(Tier::Cultivating) => cult,
                Some(Tier::Giant) => giant,
                None => format!("cultivating {cult}; giant {giant}"),
            }
        }
        "giant.platform" => match ev.tier {
            Some(Tier::Cultivating) => "not required".to_string(),
            _ => format!("≥ {}", platform_en(giant_t(ev).giant_platform)),
        },
        _ => String::new(),
    }
}

/// Display only: floor(√(v3/v1 · 10^8)) − 10^4 basis points, which agrees with the exact
/// verdict at the bound (1.3225 → 15.00%).
fn compound_yearly_bp(v1: Fen, v3: Fen) -> i64 {
    let q = (v3.0 as i128 * 100_000_000) / v1.0 as i128;
    q.isqrt() as i64 - 10_000
}

/// The average of the two yearly growth rates v2/v1 − 1 and v3/v2 − 1, as one fraction.
fn average_growth(v1: Fen, v2: Fen, v3: Fen) -> Ratio {
    let (a, b, cc) = (v1.0 as i128, v2.0 as i128, v3.0 as i128);
    Ratio::new(b * b + a * cc - 2 * a * b, 2 * a * b).unwrap_or(Ratio::ZERO)
}

/// R&D as a share of revenue and of total cost (`—` when the base is missing or zero).
fn rd_either_pcts(rd: Fen, revenue: Option<Fen>, cost: Option<Fen>) -> (String, String) {
    let of = |base: Option<Fen>| {
        base.filter(|b| b.0 > 0)
            .map_or("—".to_string(), |b| pct(rd.0, b.0))
    };
    (of(revenue), of(cost))
}

fn yes_no_zh(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "未知",
    }
}

/// `省级及以上`; no platform needed reads `不要求`.
fn at_least_platform_zh(l: PlatformLevel) -> String {
    match l {
        PlatformLevel::None => "不要求".to_string(),
        _ => format!("{}及以上", platform_zh(l)),
    }
}

/// The requirement of a criterion in Chinese (the counterpart of [`required`]).
fn required_zh(c: &Criterion, ev: &Evaluation) -> String {
    match c.id {
        "hte.registered_one_year" => "≥ 365 天".to_string(),
        "reserve.registered" => format!("≥ {} 天", reserve_t(ev).registered_days),
        "hte.core_ip" => "拥有核心知识产权，Ⅰ类或Ⅱ类知识产权 ≥ 1 项".to_string(),
        "hte.key_field" => "是".to_string(),
        "hte.tech_staff_ratio" => "≥ 10.00%".to_string(),
        "hte.rd_ratio" => match c.detail {
            Detail::RdRatio { need_bp, .. } => format!("≥ {}", format_bp(need_bp)),
            _ => "按最近一年营业收入分档 ≥ 5.00% / 4.00% / 3.00%".to_string(),
        },
        "hte.rd_domestic_share" | "hte.high_tech_revenue_share" => "≥ 60.00%".to_string(),
        "hte.innovation_score" => "≥ 71 分".to_string(),
        "hte.no_major_incident" => "无".to_string(),
        "tsme.resident" => "统一社会信用代码有效".to_string(),
        "tsme.size" => format!(
            "职工 ≤ {TSME_MAX_EMPLOYEES} 人；营业收入、资产总额均 ≤ {}",
            yuan_zh(TSME_MAX_AMOUNT)
        ),
        "tsme.not_restricted" => "否".to_string(),
        "tsme.clean_record" => "无重大事故，未列入异常名录或失信名单".to_string(),
        "tsme.score" => {
            format!("≥ {TSME_PASS_SCORE} 分且科技人员指标得分 > 0，或符合直通条件")
        }
        "tsme.direct_route" => "符合四项直通条件之一".to_string(),
        "reserve.tech_sme_current" => format!("{} 年度已登记", year_of(ev)),
        "reserve.near_hte" => {
            let m = reserve_t(ev).margin_bp;
            format!(
                "科技人员占比 ≥ {}，研发费用占比 ≥ 分档要求 − {}，高新技术收入占比 ≥ {}，拥有核心知识产权",
                format_bp(1_000 - m),
                format_bp(m),
                format_bp(6_000 - m)
            )
        }
        "reserve.score_floor" => format!("保守得分 ≥ {} 分", reserve_t(ev).score_floor),
        "leader.valid_hte" => "有效高新技术企业证书".to_string(),
        "leader.revenue" => format!("≥ {}", yuan_zh(yuan(leader_t(ev).revenue_yuan))),
        "leader.rd_ratio" => format!("≥ {}", format_bp(leader_t(ev).rd_ratio_bp)),
        "leader.platform" => at_least_platform_zh(leader_t(ev).platform),
        "gazelle.revenue" => format!("> {}", yuan_zh(yuan(gazelle_t(ev).revenue_above_yuan))),
        "gazelle.rd_ratio" => format!("≥ {}", format_bp(gazelle_t(ev).rd_ratio_bp)),
        "gazelle.growth" => format!("年均 ≥ {}", format_bp(gazelle_t(ev).growth_bp)),
        "gazelle.base" => "有效高新技术企业或科技型中小企业入库有效".to_string(),
        "giant.revenue" => {
            let t = giant_t(ev);
            format!(
                "{} ≤ 营业收入 < {}",
                yuan_zh(yuan(t.cultivating_revenue_yuan)),
                yuan_zh(yuan(t.revenue_below_yuan))
            )
        }
        "giant.growth" => format!("年均 ≥ {}", format_bp(giant_t(ev).growth_bp)),
        "giant.rd" => {
            let t = giant_t(ev);
            format!(
                "占营业收入 ≥ {} 或占成本费用总额 ≥ {}",
                format_bp(t.rd_revenue_bp),
                format_bp(t.rd_cost_bp)
            )
        }
        "giant.ip" => {
            let t = giant_t(ev);
            let cult = format!("≥ {} 项", t.cultivating_ip_items);
            let giant = format!(
                "Ⅰ类 ≥ {} 项或Ⅱ类 ≥ {} 项",
                t.giant_class_one, t.giant_class_two
            );
            match ev.tier {
                Some(Tier::Cultivating) => cult,
                Some(Tier::Giant) => giant,
                None => format!("培育企业 {cult}；小巨人企业 {giant}"),
            }
        }
        "giant.platform" => match ev.tier {
            Some(Tier::Cultivating) => "不要求".to_string(),
            _ => at_least_platform_zh(giant_t(ev).giant_platform),
        },
        _ => String::new(),
    }
}

/// The actual value of a criterion in Chinese (the counterpart of the English `actual`;
/// percentages and scores read the same, units and words are Chinese).
fn actual_zh(c: &Criterion) -> String {
    let score = |low: u32, high: u32| {
        if low == high {
            format!("{low} 分")
        } else {
            format!("{low}–{high} 分")
        }
    };
    let count = |v: Option<u32>| v.map_or("?".to_string(), |n| n.to_string());
    match c.detail {
        Detail::Missing(_) => "未知".to_string(),
        Detail::Days { days, .. } => format!("{} 天", group_int(days)),
        Detail::CoreIp { core_ip, items } => {
            format!("核心知识产权：{}；{} 项", yes_no_zh(core_ip), count(items))
        }
        // An incident is had or not (有/无), like its requirement `无`.
        Detail::Flag { value } if c.id == "hte.no_major_incident" => {
            if value { "有" } else { "无" }.to_string()
        }
        Detail::Flag { value } => yes_no_zh(Some(value)).to_string(),
        Detail::StaffRatio {
            tech, employees, ..
        } => pct(tech as i64, employees as i64),
        Detail::RdRatio { rd, revenue, .. } => pct(rd.0, revenue.0),
        Detail::DomesticShare { domestic, rd, .. } => {
            if rd.0 == 0 {
                "无研发费用".to_string()
            } else {
                pct(domestic.0, rd.0)
            }
        }
        Detail::YearShare { num, den, .. } => pct(num.0, den.0),
        Detail::Score { low, high, .. } | Detail::TsmeScore { low, high, .. } => score(low, high),
        Detail::Resident { state } => match state {
            UsccState::Valid => "统一社会信用代码有效",
            UsccState::BadCheck => "统一社会信用代码校验位不符",
            UsccState::Malformed => "统一社会信用代码格式不正确",
        }
        .to_string(),
        Detail::TsmeSize {
            employees,
            revenue,
            assets,
            ..
        } => format!(
            "职工 {} 人；营业收入 {}；资产总额 {}",
            count(employees),
            revenue.map_or("?".to_string(), yuan_zh),
            assets.map_or("?".to_string(), yuan_zh)
        ),
        Detail::CleanRecord {
            incident,
            dishonest,
        } => format!(
            "重大事故：{}；列入名单：{}",
            yes_no_zh(incident),
            yes_no_zh(dishonest)
        ),
        Detail::Routes {
            hte,
            award,
            provincial,
            standard,
        } => {
            let held: Vec<&str> = [
                (hte, "有效高新技术企业资格"),
                (award, "国家级科技奖励"),
                (provincial, "省部级以上研发机构"),
                (standard, "主导制定标准"),
            ]
            .iter()
            .filter(|n| n.0 == Some(true))
            .map(|n| n.1)
            .collect();
            if held.is_empty() {
                "无".to_string()
            } else {
                held.join("、")
            }
        }
        Detail::TechSme { year, .. } => format!("{year} 年度已登记"),
        Detail::NearHte {
            staff,
            rd,
            high_tech,
            core_ip,
            ..
        } => {
            let pct_of = |p: NearPart| match p {
                NearPart::Known { num, den, .. } => pct(num, den),
                NearPart::Missing(_) => "?".to_string(),
            };
            format!(
                "科技人员 {}，研发费用 {}，高新技术收入 {}，核心知识产权{}",
                pct_of(staff),
                pct_of(rd),
                pct_of(high_tech),
                match core_ip {
                    Status::Pass => "满足",
                    Status::Fail => "不满足",
                    Status::Unknown => "未知",
                }
            )
        }
        Detail::ValidHte { source } => match source {
            HteSource::Certificate { issued_on, .. } => format!("{issued_on} 颁发"),
            HteSource::Declared(true) => "企业申报有效".to_string(),
            HteSource::Declared(false) => "无".to_string(),
        },
        Detail::Amount { value, .. } | Detail::TierRevenue { revenue: value, .. } => yuan_zh(value),
        Detail::Platform { level, .. } => platform_zh(level).to_string(),
        Detail::NotRequired { .. } => "不要求".to_string(),
        Detail::CompoundGrowth { v1, v3, .. } => {
            format!("年均 {}", format_bp(compound_yearly_bp(v1, v3)))
        }
        Detail::AverageGrowth { v1, v2, v3, .. } => {
            format!("年均 {}", average_growth(v1, v2, v3).pct())
        }
        Detail::Base { hte, tech_sme } => format!(
            "高新技术企业：{}；科技型中小企业：{}",
            yes_no_zh(hte),
            yes_no_zh(tech_sme)
        ),
        Detail::RdEither {
            rd, revenue, cost, ..
        } => {
            let (of_rev, of_cost) = rd_either_pcts(rd, revenue, cost);
            format!("占营业收入 {of_rev}；占成本费用总额 {of_cost}")
        }
        Detail::GiantIp {
            class_one,
            class_two,
            ..
        } => format!("Ⅰ类 {} 项，Ⅱ类 {} 项", count(class_one), count(class_two)),
    }
}

fn missing_words(m: Missing) -> (String, String) {
    match m.year {
        Some(y) => (
            format!("缺少 {y} 年{}（{}）", m.fact.zh(), m.fact.field()),
            format!("no {} for {y} ({})", m.fact.en(), m.fact.field()),
        ),
        None if m.fact == Fact::FiscalYear => (
            "评价年度之前没有会计年度数据".to_string(),
            "no fiscal year before the evaluation year".to_string(),
        ),
        None => (
            format!("缺少{}（{}）", m.fact.zh(), m.fact.field()),
            format!("no {} ({})", m.fact.en(), m.fact.field()),
        ),
    }
}

/// A margin in basis points as percentage points: 100 → `1 percentage point`.
fn pp_words(bp: i64) -> (String, String) {
    let n = pct_words(bp);
    let n = n.trim_end_matches('%');
    let unit = if bp == 100 { "point" } else { "points" };
    (format!("{n} 个百分点"), format!("{n} percentage {unit}"))
}

fn dual_money(
    added: Option<i128>,
    moved: i128,
    what_en: &str,
    what_zh: &str,
    how_en: &str,
    how_zh: &str,
) -> (String, String) {
    let m = fen_of(moved);
    match added.map(fen_of) {
        Some(a) if a != m => (
            format!(
                "{what_zh}还差 {}（{how_zh}则差 {}）",
                yuan_zh(a),
                yuan_zh(m)
            ),
            format!("{what_en} short by {} ({how_en}: {})", yen(a), yen(m)),
        ),
        _ => (
            format!("{what_zh}还差 {}", yuan_zh(m)),
            format!("{what_en} short by {}", yen(m)),
        ),
    }
}

fn staff_gap(tech: u32, employees: u32, need_bp: i64) -> (String, String) {
    let need = Ratio::bp(need_bp);
    let moved = shortfall(tech as i128, employees as i128, need);
    let added = shortfall_added(tech as i128, employees as i128, need);
    match added {
        Some(a) if a != moved => (
            format!("新招科技人员 {a} 名（或将现有 {moved} 名职工转为科技人员）"),
            format!(
                "{a} more technical staff if hired ({moved} if existing employees become technical staff)"
            ),
        ),
        _ => (
            format!("还需科技人员 {moved} 名"),
            format!("{moved} more technical staff"),
        ),
    }
}

fn band_words(band: RdBand) -> (&'static str, &'static str) {
    match band {
        RdBand::UpTo50m => (
            "（最近一年营业收入不超过5000万元）",
            " for latest revenue up to 50 million yuan",
        ),
        RdBand::UpTo200m => (
            "（最近一年营业收入5000万元以上至2亿元）",
            " for latest revenue above 50 and up to 200 million yuan",
        ),
        RdBand::Over200m => (
            "（最近一年营业收入超过2亿元）",
            " for latest revenue above 200 million yuan",
        ),
        RdBand::Fixed => ("", ""),
    }
}

fn year_of(ev: &Evaluation) -> i32 {
    chrono::Datelike::year(&ev.as_of)
}

/// Render one criterion.
pub(crate) fn texts(c: &Criterion, ev: &Evaluation) -> Texts {
    let required = required(c, ev);
    let required_zh = required_zh(c, ev);
    let (actual, zh, en, gap) = words(c, ev);
    let actual_zh = actual_zh(c);
    let gap = if c.status == Status::Fail { gap } else { None };
    let (gap_zh, gap_en) = match gap {
        Some((z, e)) => (Some(z), Some(e)),
        None => (None, None),
    };
    Texts {
        actual,
        required,
        actual_zh,
        required_zh,
        explain_zh: zh,
        explain_en: en,
        gap_zh,
        gap_en,
    }
}

type Words = (String, String, String, Option<(String, String)>);

fn words(c: &Criterion, ev: &Evaluation) -> Words {
    let pass = c.status == Status::Pass;
    let as_of = ev.as_of;
    match c.detail {
        Detail::Missing(m) => {
            let (mz, me) = missing_words(m);
            let (lz, le) = label(c.id);
            (
                "unknown".to_string(),
                format!("{lz}无法判断：{mz}。"),
                format!("{le} cannot be decided: {me}."),
                None,
            )
        }
        Detail::Days {
            founded_on,
            days,
            need,
        } => {
            let actual = format!("{} days", group_int(days));
            if pass {
                (
                    actual,
                    format!(
                        "{founded_on} 成立，至 {as_of} 已满 {} 天，不少于 {need} 天。",
                        group_int(days)
                    ),
                    format!(
                        "Founded on {founded_on}: {} days before {as_of}, at least the {need} required.",
                        group_int(days)
                    ),
                    None,
                )
            } else {
                let more = need - days;
                let on = founded_on
                    .checked_add_days(chrono::Days::new(need.max(0) as u64))
                    .map_or_else(|| "—".to_string(), |d| d.to_string());
                (
                    actual,
                    format!("{founded_on} 成立，至 {as_of} 仅 {days} 天，须满 {need} 天。"),
                    format!(
                        "Founded on {founded_on}: only {days} days before {as_of}; {need} are required."
                    ),
                    Some((
                        format!("还需 {more} 天（{on} 起满足）"),
                        format!(
                            "{more} more day{} (met from {on})",
                            if more == 1 { "" } else { "s" }
                        ),
                    )),
                )
            }
        }
        Detail::CoreIp { core_ip, items } => {
            let n = items.map_or("?".to_string(), |n| n.to_string());
            let actual = format!(
                "core IP: {}; {n} item(s)",
                match core_ip {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "unknown",
                }
            );
            match c.status {
                Status::Pass => (
                    actual,
                    format!("拥有支撑主要产品的核心知识产权，Ⅰ类和Ⅱ类知识产权共 {n} 项。"),
                    format!("Owns IP supporting its main products, with {n} Class I/II item(s)."),
                    None,
                ),
                Status::Fail => {
                    let mut z = Vec::new();
                    let mut e = Vec::new();
                    let mut gz = Vec::new();
                    let mut ge = Vec::new();
                    if core_ip == Some(false) {
                        z.push("没有支撑主要产品的核心知识产权".to_string());
                        e.push("no IP supports its main products".to_string());
                        gz.push("取得对主要产品在技术上发挥核心支持作用的知识产权".to_string());
                        ge.push("IP that supports the main products".to_string());
                    }
                    if items == Some(0) {
                        z.push("没有Ⅰ类或Ⅱ类知识产权".to_string());
                        e.push("it has no Class I or Class II IP item".to_string());
                        gz.push("1 项知识产权（Ⅰ类，或未用于以往认定的Ⅱ类）".to_string());
                        ge.push(
                            "1 IP item (Class I, or Class II not used in an earlier application)"
                                .to_string(),
                        );
                    }
                    (
                        actual,
                        format!("核心知识产权条件不满足：{}。", z.join("；")),
                        format!("Core IP is not met: {}.", e.join("; ")),
                        Some((gz.join("；"), ge.join("; "))),
                    )
                }
                Status::Unknown => {
                    let m = if core_ip.is_none() {
                        Missing::of(Fact::CoreIpFlag)
                    } else {
                        Missing::of(Fact::IpCounts)
                    };
                    let (mz, me) = missing_words(m);
                    (
                        actual,
                        format!("核心知识产权无法判断：{mz}。"),
                        format!("Core IP cannot be decided: {me}."),
                        None,
                    )
                }
            }
        }
        Detail::Flag { value } => flag_words(c.id, value, pass),
        Detail::StaffRatio {
            tech,
            employees,
            need_bp,
        } => {
            let p = pct(tech as i64, employees as i64);
            let need = pct_words(need_bp);
            let (z, e) = if pass {
                (
                    format!("科技人员 {tech} 人，占职工总数 {employees} 人的 {p}，达到 {need} 的要求。"),
                    format!("Technical staff {tech} of {employees} ({p}) meets the {need} required."),
                )
            } else {
                (
                    format!("科技人员 {tech} 人，占职工总数 {employees} 人的 {p}，低于 {need} 的要求。"),
                    format!("Technical staff {tech} of {employees} ({p}) is below the {need} required."),
                )
            };
            (p, z, e, Some(staff_gap(tech, employees, need_bp)))
        }
        Detail::RdRatio {
            first,
            last,
            rd,
            revenue,
            need_bp,
            band,
            ..
        } => {
            let p = pct(rd.0, revenue.0);
            let ys = years(first, last);
            let need = pct_words(need_bp);
            let (bz, be) = band_words(band);
            let (z, e) = if pass {
                (
                    format!(
                        "{ys} 年研发费用 {} 占营业收入 {} 的 {p}，达到 {need} 的要求{bz}。",
                        yuan_zh(rd),
                        yuan_zh(revenue)
                    ),
                    format!("R&D ratio {p} ({ys}) meets the {need} required{be}."),
                )
            } else {
                (
                    format!(
                        "{ys} 年研发费用 {} 占营业收入 {} 的 {p}，低于 {need} 的要求{bz}。",
                        yuan_zh(rd),
                        yuan_zh(revenue)
                    ),
                    format!("R&D ratio {p} ({ys}) is below the {need} required{be}."),
                )
            };
            let short = fen_of(shortfall(rd.0 as i128, revenue.0 as i128, Ratio::bp(need_bp)));
            let gap = (
                format!("{ys} 年研发费用还差 {}", yuan_zh(short)),
                format!("R&D spending {ys} short by {}", yen(short)),
            );
            (p, z, e, Some(gap))
        }
        Detail::DomesticShare {
            first,
            last,
            domestic,
            rd,
            need_bp,
        } => {
            let ys = years(first, last);
            let need = pct_words(need_bp);
            if rd.0 == 0 {
                return (
                    "no R&D".to_string(),
                    format!("{ys} 年没有研发费用，无法满足境内研发费用占比 {need} 的要求。"),
                    format!("No R&D expense in {ys}, so no {need} domestic share can be shown."),
                    Some((
                        "在境内发生研发费用".to_string(),
                        "R&D spending in China".to_string(),
                    )),
                );
            }
            let p = pct(domestic.0, rd.0);
            let (z, e) = if pass {
                (
                    format!("{ys} 年境内研发费用占研发费用总额的 {p}，达到 {need} 的要求。"),
                    format!("Domestic R&D is {p} of R&D in {ys}, at least the {need} required."),
                )
            } else {
                (
                    format!("{ys} 年境内研发费用占研发费用总额的 {p}，低于 {need} 的要求。"),
                    format!("Domestic R&D is {p} of R&D in {ys}, below the {need} required."),
                )
            };
            let need_r = Ratio::bp(need_bp);
            let gap = dual_money(
                shortfall_added(domestic.0 as i128, rd.0 as i128, need_r),
                shortfall(domestic.0 as i128, rd.0 as i128, need_r),
                &format!("domestic R&D {ys}"),
                &format!("{ys} 年境内研发费用"),
                "if existing spending moves to China",
                "将现有研发移至境内",
            );
            (p, z, e, Some(gap))
        }
        Detail::YearShare {
            year,
            num,
            den,
            need_bp,
        } => {
            let p = pct(num.0, den.0);
            let need = pct_words(need_bp);
            let need_r = Ratio::bp(need_bp);
            if c.id == "gazelle.rd_ratio" {
                let (z, e) = if pass {
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
                let short = fen_of(shortfall(num.0 as i128, den.0 as i128, need_r));
                let gap = (
                    format!("{year} 年研发费用还差 {}", yuan_zh(short)),
                    format!("R&D spending {year} short by {}", yen(short)),
                );
                return (p, z, e, Some(gap));
            }
            let (z, e) = if pass {
                (
                    format!(
                        "{year} 年高新技术产品（服务）收入 {} 占营业收入 {} 的 {p}，达到 {need} 的要求。",
                        yuan_zh(num),
                        yuan_zh(den)
                    ),
                    format!(
                        "High-tech revenue {} is {p} of {year} revenue {}, at least the {need} required.",
                        yen(num),
                        yen(den)
                    ),
                )
            } else {
                (
                    format!(
                        "{year} 年高新技术产品（服务）收入 {} 占营业收入 {} 的 {p}，低于 {need} 的要求。",
                        yuan_zh(num),
                        yuan_zh(den)
                    ),
                    format!(
                        "High-tech revenue {} is {p} of {year} revenue {}, below the {need} required.",
                        yen(num),
                        yen(den)
                    ),
                )
            };
            let gap = dual_money(
                shortfall_added(num.0 as i128, den.0 as i128, need_r),
                shortfall(num.0 as i128, den.0 as i128, need_r),
                "high-tech revenue",
                "高新技术产品（服务）收入",
                "if existing revenue becomes high-tech revenue",
                "现有收入转为高新技术产品收入",
            );
            (p, z, e, Some(gap))
        }
        Detail::Score {
            low,
            high,
            need,
            data_missing,
        } => score_words(c.id, c.status, low, high, need, data_missing),
        Detail::Resident { state } => match state {
            UsccState::Valid => (
                "valid USCC".to_string(),
                "统一社会信用代码有效，可证明在中国境内注册。".to_string(),
                "The unified social credit code is valid: registered in mainland China.".to_string(),
                None,
            ),
            UsccState::BadCheck => (
                "USCC check character wrong".to_string(),
                "统一社会信用代码校验位不符（早期试点地区的代码可能如此），须人工核实。".to_string(),
                "The code's check character is wrong (possible for early pilot codes); a person must confirm it.".to_string(),
                None,
            ),
            UsccState::Malformed => (
                "malformed USCC".to_string(),
                "统一社会信用代码格式不正确，不能作为境内注册的证明。".to_string(),
                "The unified social credit code is malformed and proves nothing.".to_string(),
                None,
            ),
        },
        Detail::TsmeSize {
            year,
            employees,
            revenue,
            assets,
        } => size_words(c.status, year, employees, revenue, assets),
        Detail::CleanRecord {
            incident,
            dishonest,
        } => {
            let actual = format!(
                "incident: {}; listed: {}",
                yes_no(incident),
                yes_no(dishonest)
            );
            match c.status {
                Status::Pass => (
                    actual,
                    "近一年无重大安全、质量事故和严重环境违法、科研严重失信行为，未列入经营异常名录和严重违法失信企业名单。".to_string(),
                    "No major incident or serious breach, and not on the abnormal-operation or dishonest lists.".to_string(),
                    None,
                ),
                Status::Fail => {
                    let mut z = Vec::new();
                    let mut e = Vec::new();
                    if incident == Some(true) {
                        z.push("有重大安全、质量事故或严重违法行为");
                        e.push("a major incident or serious breach is recorded");
                    }
                    if dishonest == Some(true) {
                        z.push("列入经营异常名录或严重违法失信企业名单");
                        e.push("the firm is on the abnormal-operation or dishonest lists");
                    }
                    (
                        actual,
                        format!("信用记录不符合要求：{}。", z.join("；")),
                        format!("The record is not clean: {}.", e.join("; ")),
                        Some((
                            "待事故满一年并移出异常名录、失信名单".to_string(),
                            "a year without incident and removal from the lists".to_string(),
                        )),
                    )
                }
                Status::Unknown => {
                    let f = if incident.is_none() {
                        Fact::MajorIncident
                    } else {
                        Fact::Dishonest
                    };
                    let (mz, me) = missing_words(Missing::of(f));
                    (
                        actual,
                        format!("信用记录无法判断：{mz}。"),
                        format!("The record cannot be decided: {me}."),
                        None,
                    )
                }
            }
        }
        Detail::TsmeScore {
            low,
            high,
            staff_points,
            tech,
            employees,
            route,
        } => tsme_score_words(c.status, low, high, staff_points, tech, employees, route),
        Detail::Routes {
            hte,
            award,
            provincial,
            standard,
        } => {
            let names = [
                (hte, "有效高新技术企业资格", "a valid HTE certificate"),
                (award, "近五年获国家级科技奖励（前三名单位）", "a national S&T award in five years"),
                (provincial, "省部级以上研发机构", "a provincial-level R&D institution"),
                (standard, "近五年主导制定国际、国家或行业标准", "led a standard in five years"),
            ];
            let held: Vec<_> = names.iter().filter(|n| n.0 == Some(true)).collect();
            let actual = if held.is_empty() {
                "none".to_string()
            } else {
                held.iter().map(|n| n.2).collect::<Vec<_>>().join(", ")
            };
            match c.status {
                Status::Pass => (
                    actual,
                    format!(
                        "符合直通条件：{}。",
                        held.iter().map(|n| n.1).collect::<Vec<_>>().join("、")
                    ),
                    format!(
                        "A direct route holds: {}.",
                        held.iter().map(|n| n.2).collect::<Vec<_>>().join(", ")
                    ),
                    None,
                ),
                Status::Fail => (
                    actual,
                    "四项直通条件均不符合（仅供参考，可按评分入库）。".to_string(),
                    "None of the four direct routes holds (informational: the score route remains).".to_string(),
                    Some((
                        "满足任一直通条件：有效高企资格、国家级科技奖励、省部级研发机构或主导制定标准".to_string(),
                        "any one route: a valid HTE certificate, a national S&T award, a provincial R&D institution or leading a standard".to_string(),
                    )),
                ),
                Status::Unknown => (
                    actual,
                    "部分直通条件情况未知（仅供参考）。".to_string(),
                    "Some direct routes are unknown (informational).".to_string(),
                    None,
                ),
            }
        }
        Detail::TechSme { year, current } => {
            let now = year_of(ev);
            if current {
                (
                    format!("registered {year}"),
                    format!("{year} 年度科技型中小企业入库登记在 {as_of} 有效。"),
                    format!("The {year} tech-SME registration is current on {as_of}."),
                    None,
                )
            } else {
                (
                    format!("registered {year}"),
                    format!("{year} 年度科技型中小企业入库登记在 {as_of} 已失效。"),
                    format!("The {year} tech-SME registration is no longer current on {as_of}."),
                    Some((
                        format!("办理 {now} 年度科技型中小企业入库登记"),
                        format!("register as a tech-SME for {now}"),
                    )),
                )
            }
        }
        Detail::NearHte {
            margin_bp,
            staff,
            rd,
            high_tech,
            core_ip,
        } => near_words(c.status, margin_bp, staff, rd, high_tech, core_ip),
        Detail::ValidHte { source } => match source {
            HteSource::Certificate { issued_on, until } => {
                if pass {
                    (
                        format!("issued {issued_on}"),
                        format!("高新技术企业证书 {issued_on} 颁发，有效期至 {until}。"),
                        format!("HTE certificate issued on {issued_on}, valid until {until}."),
                        None,
                    )
                } else {
                    let (z, e) = if issued_on > as_of {
                        (
                            format!("高新技术企业证书颁发日期 {issued_on} 晚于评价日 {as_of}。"),
                            format!("The HTE certificate's issue date {issued_on} is after {as_of}."),
                        )
                    } else {
                        (
                            format!("高新技术企业证书 {issued_on} 颁发，已于 {until} 到期。"),
                            format!("The HTE certificate issued on {issued_on} expired on {until}."),
                        )
                    };
                    (
                        format!("issued {issued_on}"),
                        z,
                        e,
                        Some((
                            "重新认定取得有效的高新技术企业证书".to_string(),
                            "a valid HTE certificate (re-certification)".to_string(),
                        )),
                    )
                }
            }
            HteSource::Declared(v) => {
                if v {
                    (
                        "declared valid".to_string(),
                        "企业档案表明持有有效的高新技术企业证书。".to_string(),
                        "The profile declares a valid HTE certificate.".to_string(),
                        None,
                    )
                } else {
                    (
                        "none".to_string(),
                        "没有有效的高新技术企业证书。".to_string(),
                        "No valid HTE certificate.".to_string(),
                        Some((
                            "取得有效的高新技术企业证书".to_string(),
                            "a valid HTE certificate".to_string(),
                        )),
                    )
                }
            }
        },
        Detail::Amount {
            year,
            value,
            bound,
            strict,
        } => {
            let actual = yen(value);
            let (cmp_zh, cmp_en, fail_zh) = if strict {
                ("超过", "above", "未超过")
            } else {
                ("不低于", "at least", "低于")
            };
            if pass {
                (
                    actual,
                    format!(
                        "{year} 年营业收入 {}，{cmp_zh} {} 的要求。",
                        yuan_zh(value),
                        yuan_zh(bound)
                    ),
                    format!(
                        "{year} revenue {} is {cmp_en} the {} required.",
                        yen(value),
                        yen(bound)
                    ),
                    None,
                )
            } else {
                let short = Fen(bound.0 - value.0 + if strict { 100 } else { 0 });
                (
                    actual,
                    format!(
                        "{year} 年营业收入 {}，{fail_zh} {} 的要求。",
                        yuan_zh(value),
                        yuan_zh(bound)
                    ),
                    format!(
                        "{year} revenue {} is not {cmp_en} the {} required.",
                        yen(value),
                        yen(bound)
                    ),
                    Some((
                        format!("{year} 年营业收入还差 {}", yuan_zh(short)),
                        format!("{year} revenue short by {}", yen(short)),
                    )),
                )
            }
        }
        Detail::Platform { level, need } => {
            let actual = platform_en(level).to_string();
            if c.status == Status::Unknown {
                (
                    actual,
                    format!(
                        "研发平台为{}：培育企业不要求，小巨人企业须{}及以上；档次未定。",
                        platform_zh(level),
                        platform_zh(need)
                    ),
                    format!(
                        "Best R&D platform is {}: the cultivating tier needs none, the giant tier needs {} or higher; the tier is undecided.",
                        platform_en(level),
                        platform_en(need)
                    ),
                    None,
                )
            } else if pass {
                (
                    actual,
                    format!(
                        "拥有{}研发平台，达到{}及以上的要求。",
                        platform_zh(level),
                        platform_zh(need)
                    ),
                    format!(
                        "Best R&D platform is {}, meeting the {} level or higher required.",
                        platform_en(level),
                        platform_en(need)
                    ),
                    None,
                )
            } else {
                (
                    actual,
                    format!(
                        "研发平台为{}，须达到{}及以上。",
                        platform_zh(level),
                        platform_zh(need)
                    ),
                    format!(
                        "Best R&D platform is {}; {} or higher is required.",
                        platform_en(level),
                        platform_en(need)
                    ),
                    Some((
                        format!("建成{}及以上研发平台", platform_zh(need)),
                        format!("a {}-level or higher R&D platform", platform_en(need)),
                    )),
                )
            }
        }
        Detail::NotRequired { tier } => (
            "not required".to_string(),
            format!("{}不要求研发平台。", tier.zh()),
            format!("Not required for the {}.", tier.en()),
            None,
        ),
        Detail::CompoundGrowth {
            first,
            last,
            v1,
            v3,
            need_bp,
        } => {
            let yearly_bp = compound_yearly_bp(v1, v3);
            let actual = format!("{} a year", format_bp(yearly_bp));
            let need = pct_words(need_bp);
            let g = 10_000 + need_bp as i128;
            let two_year_bp = (g * g / 10_000 - 10_000) as i64;
            let (z, e) = if pass {
                (
                    format!(
                        "营业收入由 {first} 年 {} 增至 {last} 年 {}，年均复合增长 {}，达到 {need} 的要求。",
                        yuan_zh(v1),
                        yuan_zh(v3),
                        format_bp(yearly_bp)
                    ),
                    format!(
                        "Revenue grew from {} ({first}) to {} ({last}): {} a year compounded, at least the {need} required.",
                        yen(v1),
                        yen(v3),
                        format_bp(yearly_bp)
                    ),
                )
            } else {
                (
                    format!(
                        "营业收入由 {first} 年 {} 增至 {last} 年 {}，年均复合增长 {}，低于 {need} 的要求（两年须增长 {}）。",
                        yuan_zh(v1),
                        yuan_zh(v3),
                        format_bp(yearly_bp),
                        pct_words(two_year_bp)
                    ),
                    format!(
                        "Revenue went from {} ({first}) to {} ({last}): {} a year compounded, below the {need} required ({} over two years).",
                        yen(v1),
                        yen(v3),
                        format_bp(yearly_bp),
                        pct_words(two_year_bp)
                    ),
                )
            };
            let min_v3 = ceil_div(v1.0 as i128 * g * g, 100_000_000);
            let short = fen_of(min_v3 - v3.0 as i128);
            let gap = (
                format!("{last} 年营业收入还差 {}", yuan_zh(short)),
                format!("{last} revenue short by {}", yen(short)),
            );
            (actual, z, e, Some(gap))
        }
        Detail::AverageGrowth {
            first,
            last,
            v1,
            v2,
            v3,
            need_bp,
        } => {
            let (a, b, cc) = (v1.0 as i128, v2.0 as i128, v3.0 as i128);
            let g = average_growth(v1, v2, v3);
            let actual = format!("{} a year", g.pct());
            let need = pct_words(need_bp);
            let mid = first + 1;
            let (z, e) = if pass {
                (
                    format!(
                        "近两年销售收入（{first}–{last}）年均增长 {}，达到 {need} 的要求。",
                        g.pct()
                    ),
                    format!(
                        "Sales grew {} a year on average over {first}–{last}, at least the {need} required.",
                        g.pct()
                    ),
                )
            } else {
                (
                    format!(
                        "近两年销售收入（{first}–{last}）年均增长 {}，低于 {need} 的要求。",
                        g.pct()
                    ),
                    format!(
                        "Sales grew {} a year on average over {first}–{last} ({}, {}, {}), below the {need} required.",
                        g.pct(),
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
                format!("{last} 年销售收入还差 {}（{first}、{mid} 年不变）", yuan_zh(short)),
                format!("{last} sales short by {} (with {first} and {mid} unchanged)", yen(short)),
            );
            (actual, z, e, Some(gap))
        }
        Detail::Base { hte, tech_sme } => {
            let actual = format!("HTE: {}; tech-SME: {}", yes_no(hte), yes_no(tech_sme));
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
                    (actual, z.to_string(), e.to_string(), None)
                }
                Status::Fail => (
                    actual,
                    "既不是有效的高新技术企业，也没有有效的科技型中小企业入库登记。".to_string(),
                    "Neither a valid HTE nor a current tech-SME registration.".to_string(),
                    Some((
                        format!("办理 {} 年度科技型中小企业入库登记（或取得高企证书）", year_of(ev)),
                        format!(
                            "register as a tech-SME for {} (or hold a valid HTE certificate)",
                            year_of(ev)
                        ),
                    )),
                ),
                Status::Unknown => (
                    actual,
                    "无法判断是否为高新技术企业或科技型中小企业：缺少证书或入库登记信息。".to_string(),
                    "Cannot tell whether the firm is an HTE or a tech-SME: the certificate or registration is missing.".to_string(),
                    None,
                ),
            }
        }
        Detail::TierRevenue {
            year,
            revenue,
            min,
            giant,
            below,
        } => {
            let actual = yen(revenue);
            match ev.tier {
                Some(t) => {
                    let (lo, hi) = match t {
                        Tier::Cultivating => (min, giant),
                        Tier::Giant => (giant, below),
                    };
                    (
                        actual,
                        format!(
                            "{year} 年营业收入 {}，属{}档（{} 至 {} 以下）。",
                            yuan_zh(revenue),
                            t.zh(),
                            yuan_zh(lo),
                            yuan_zh(hi)
                        ),
                        format!(
                            "{year} revenue {} puts the firm in the {} ({} to below {}).",
                            yen(revenue),
                            t.en(),
                            yen(lo),
                            yen(hi)
                        ),
                        None,
                    )
                }
                None if revenue < min => {
                    let short = Fen(min.0 - revenue.0);
                    (
                        actual,
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
                        Some((
                            format!("{year} 年营业收入还差 {}", yuan_zh(short)),
                            format!("{year} revenue short by {}", yen(short)),
                        )),
                    )
                }
                None => {
                    let over = Fen(revenue.0 - below.0 + 100);
                    (
                        actual,
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
                        Some((
                            format!("营业收入须低于上限（超出 {}）", yuan_zh(over)),
                            format!("revenue must be below the ceiling ({} too much)", yen(over)),
                        )),
                    )
                }
            }
        }
        Detail::RdEither {
            year,
            rd,
            revenue,
            cost,
            revenue_bp,
            cost_bp,
        } => {
            let (of_rev, of_cost) = rd_either_pcts(rd, revenue, cost);
            let actual = format!("{of_rev} of revenue; {of_cost} of total cost");
            let (nr, nc) = (pct_words(revenue_bp), pct_words(cost_bp));
            let (z, e) = match c.status {
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
            (actual, z, e, gap)
        }
        Detail::GiantIp {
            tier,
            class_one,
            class_two,
            cultivating_items,
            giant_class_one,
            giant_class_two,
        } => {
            let n = |v: Option<u32>| v.map_or("?".to_string(), |n| n.to_string());
            let actual = format!("Class I {}, Class II {}", n(class_one), n(class_two));
            let (z, e) = match c.status {
                Status::Pass => (
                    format!(
                        "与主导产品相关的Ⅰ类知识产权 {} 项、Ⅱ类 {} 项，符合要求。",
                        n(class_one),
                        n(class_two)
                    ),
                    format!(
                        "{} Class I and {} Class II items for the main product meet the requirement.",
                        n(class_one),
                        n(class_two)
                    ),
                ),
                Status::Fail => (
                    format!(
                        "与主导产品相关的Ⅰ类知识产权 {} 项、Ⅱ类 {} 项，不符合要求。",
                        n(class_one),
                        n(class_two)
                    ),
                    format!(
                        "{} Class I and {} Class II items for the main product fall short.",
                        n(class_one),
                        n(class_two)
                    ),
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
            (actual, z, e, Some(gap))
        }
    }
}

fn points(n: u32) -> String {
    if n == 1 {
        "1 point".to_string()
    } else {
        format!("{n} points")
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn flag_words(id: &str, value: bool, pass: bool) -> Words {
    let actual = if value { "yes" } else { "no" }.to_string();
    let (z, e, gz, ge) = match (id, pass) {
        ("hte.key_field", true) => (
            "核心技术属于《国家重点支持的高新技术领域》。",
            "Core technology is in a key-supported high-tech field.",
            "",
            "",
        ),
        ("hte.key_field", false) => (
            "核心技术不属于《国家重点支持的高新技术领域》的八个领域。",
            "Core technology is not in one of the eight key-supported fields.",
            "主要产品（服务）的核心技术属于重点支持领域",
            "core technology of the main products in a key-supported field",
        ),
        ("hte.no_major_incident", true) => (
            "申请前一年内未发生重大安全、重大质量事故或严重环境违法行为。",
            "No major safety or quality accident or serious environmental violation in the past year.",
            "",
            "",
        ),
        ("hte.no_major_incident", false) => (
            "申请前一年内发生过重大安全、重大质量事故或严重环境违法行为。",
            "A major safety or quality accident or serious environmental violation occurred in the past year.",
            "事故满一年后再申请",
            "apply once a full year has passed since the incident",
        ),
        ("tsme.not_restricted", true) => (
            "不属于国家禁止、限制和淘汰类行业。",
            "Not in a prohibited, restricted or phased-out industry.",
            "",
            "",
        ),
        (_, _) => (
            "属于国家禁止、限制或淘汰类行业。",
            "In a prohibited, restricted or phased-out industry.",
            "须转入非限制类行业，财务数据无法弥补",
            "no figure can fix this: the business must leave the restricted industry",
        ),
    };
    let gap = (!pass).then(|| (gz.to_string(), ge.to_string()));
    (actual, z.to_string(), e.to_string(), gap)
}

fn score_words(
    id: &str,
    status: Status,
    low: u32,
    high: u32,
    need: u32,
    data_missing: bool,
) -> Words {
    let actual = if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    };
    if id == "reserve.score_floor" {
        return match status {
            Status::Pass => (
                actual,
                format!("创新能力评价保守得分（下限）{low} 分，不低于 {need} 分。"),
                format!("Conservative innovation score (low end) {low} is at least {need}."),
                None,
            ),
            Status::Unknown => (
                actual,
                format!("创新能力评价保守得分 {low} 分低于 {need} 分，但因缺少数据，得分区间为 {low}–{high}。"),
                format!("Conservative score {low} is below {need}, but data is missing: the range is {low}–{high}."),
                None,
            ),
            Status::Fail => (
                actual,
                format!("创新能力评价保守得分（下限）{low} 分，低于 {need} 分（区间 {low}–{high}）。"),
                format!("Conservative innovation score (low end) {low} is below the {need} floor (range {low}–{high})."),
                Some((
                    format!("保守得分还差 {} 分（可由专家评定子项或补充数据提高）", need - low),
                    format!("low end short by {} (judged sub-scores or more figures raise it)", points(need - low)),
                )),
            ),
        };
    }
    match status {
        Status::Pass => (
            actual,
            format!("创新能力评价得分 {low}–{high}，无论专家如何评分都不低于 {need} 分。"),
            format!(
                "Innovation score {low}–{high} is at least {need} whatever the expert judgement."
            ),
            None,
        ),
        Status::Fail => (
            actual,
            format!("创新能力评价得分最高 {high} 分，低于 {need} 分。"),
            format!("Innovation score is at most {high}, below the {need} required."),
            Some((
                format!("得分还差 {} 分", need - high),
                format!("score short by {}", points(need - high)),
            )),
        ),
        Status::Unknown => {
            let (sz, se) = if data_missing {
                ("（并取决于缺少的数据）", " (and on missing data)")
            } else {
                ("", "")
            };
            (
                actual,
                format!("取决于专家评分：{low}–{high}{sz}"),
                format!("depends on expert judgement: {low}–{high}{se}"),
                None,
            )
        }
    }
}

fn size_words(
    status: Status,
    year: i32,
    employees: Option<u32>,
    revenue: Option<Fen>,
    assets: Option<Fen>,
) -> Words {
    let n = employees.map_or("?".to_string(), |e| e.to_string());
    let r = revenue.map_or("?".to_string(), yen);
    let a = assets.map_or("?".to_string(), yen);
    let actual = format!("{n} staff; revenue {r}; assets {a}");
    let limit_zh = yuan_zh(TSME_MAX_AMOUNT);
    match status {
        Status::Pass => (
            actual,
            format!(
                "职工 {n} 人，{year} 年营业收入 {}、资产总额 {}，均未超过 {TSME_MAX_EMPLOYEES} 人和 {limit_zh} 的上限。",
                revenue.map_or("?".to_string(), yuan_zh),
                assets.map_or("?".to_string(), yuan_zh)
            ),
            format!(
                "{n} staff, {year} revenue {r} and total assets {a} are within the limits of {TSME_MAX_EMPLOYEES} staff and {} each.",
                yen(TSME_MAX_AMOUNT)
            ),
            None,
        ),
        Status::Fail => {
            let mut z = Vec::new();
            let mut e = Vec::new();
            let mut gz = Vec::new();
            let mut ge = Vec::new();
            if let Some(x) = employees.filter(|&x| x > TSME_MAX_EMPLOYEES) {
                let over = x - TSME_MAX_EMPLOYEES;
                z.push(format!("职工 {x} 人超过 {TSME_MAX_EMPLOYEES} 人"));
                e.push(format!("{x} staff exceed {TSME_MAX_EMPLOYEES}"));
                gz.push(format!("职工人数多出 {over} 人"));
                ge.push(format!("{over} staff over the limit"));
            }
            for (v, wz, we) in [
                (revenue, "营业收入", "revenue"),
                (assets, "资产总额", "total assets"),
            ] {
                if let Some(x) = v.filter(|&x| x > TSME_MAX_AMOUNT) {
                    let over = Fen(x.0 - TSME_MAX_AMOUNT.0);
                    z.push(format!("{year} 年{wz} {} 超过 {limit_zh}", yuan_zh(x)));
                    e.push(format!("{year} {we} {} exceeds {}", yen(x), yen(TSME_MAX_AMOUNT)));
                    gz.push(format!("{wz}超出 {}", yuan_zh(over)));
                    ge.push(format!("{we} {} over the limit", yen(over)));
                }
            }
            (
                actual,
                format!("超出科技型中小企业规模上限：{}。", z.join("；")),
                format!("Over the tech-SME size limits: {}.", e.join("; ")),
                Some((gz.join("；"), ge.join("; "))),
            )
        }
        Status::Unknown => {
            let m = if employees.is_none() {
                Missing::of(Fact::Employees)
            } else if revenue.is_none() {
                Missing::in_year(Fact::Revenue, year)
            } else {
                Missing::in_year(Fact::TotalAssets, year)
            };
            let (mz, me) = missing_words(m);
            (
                actual,
                format!("企业规模无法判断：{mz}。"),
                format!("Size cannot be decided: {me}."),
                None,
            )
        }
    }
}

fn tsme_score_words(
    status: Status,
    low: u32,
    high: u32,
    staff_points: Option<u32>,
    tech: Option<u32>,
    employees: Option<u32>,
    route: Option<bool>,
) -> Words {
    let actual = if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    };
    let staff_zero = staff_points == Some(0);
    match status {
        Status::Pass if route == Some(true) => (
            actual,
            format!("符合直通条件，无需评分（评分 {low}–{high}）。"),
            format!("A direct route holds, so the score is not needed (score {low}–{high})."),
            None,
        ),
        Status::Pass => (
            actual,
            format!(
                "评价得分 {low} 分，不低于 {TSME_PASS_SCORE} 分，科技人员指标得分 {} 分。",
                staff_points.unwrap_or(0)
            ),
            format!(
                "Score {low} is at least {TSME_PASS_SCORE}, with {} points for technical staff.",
                staff_points.unwrap_or(0)
            ),
            None,
        ),
        Status::Fail => {
            let (z, e) = if staff_zero {
                (
                    format!("科技人员占比低于 10%，科技人员指标得 0 分，评分途径不成立（得分 {high}），且不符合直通条件。"),
                    format!("Technical staff below 10% score 0, so the score route fails (score {high}), and no direct route holds."),
                )
            } else {
                (
                    format!("评价得分 {high} 分，低于 {TSME_PASS_SCORE} 分，且不符合直通条件。"),
                    format!("Score {high} is below {TSME_PASS_SCORE} and no direct route holds."),
                )
            };
            let mut gz = Vec::new();
            let mut ge = Vec::new();
            if staff_zero {
                if let (Some(t), Some(e)) = (tech, employees) {
                    let (a, b) = staff_gap(t, e, TSME_STAFF_FLOOR_BP);
                    gz.push(format!("达到 10%：{a}"));
                    ge.push(format!("to reach 10%: {b}"));
                }
            }
            if high < TSME_PASS_SCORE {
                gz.push(format!("得分还差 {} 分", TSME_PASS_SCORE - high));
                ge.push(format!("score short by {}", points(TSME_PASS_SCORE - high)));
            }
            gz.push("或满足任一直通条件".to_string());
            ge.push("or any direct route".to_string());
            (actual, z, e, Some((gz.join("；"), ge.join("; "))))
        }
        Status::Unknown => (
            actual,
            format!("评价得分 {low}–{high} 分，是否达到 {TSME_PASS_SCORE} 分取决于缺少的数据或直通条件。"),
            format!("Score {low}–{high}: whether it reaches {TSME_PASS_SCORE} depends on missing data or a direct route."),
            None,
        ),
    }
}

fn near_part_words(
    part: NearPart,
    margin_bp: i64,
    (name_zh, name_en): (&str, &str),
    (what_zh, what_en): (&str, &str),
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
            let p = pct(num, den);
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
                let (gz, ge) = match what_en {
                    "technical staff" => staff_gap(num as u32, den as u32, floor),
                    _ => {
                        let s = fen_of(shortfall(num as i128, den as i128, Ratio::bp(floor)));
                        (
                            format!("{what_zh}还差 {}", yuan_zh(s)),
                            format!("{what_en} short by {}", yen(s)),
                        )
                    }
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

fn near_words(
    status: Status,
    margin_bp: i64,
    staff: NearPart,
    rd: NearPart,
    high_tech: NearPart,
    core_ip: Status,
) -> Words {
    let parts = [
        near_part_words(
            staff,
            margin_bp,
            ("科技人员占比", "technical staff share"),
            ("科技人员", "technical staff"),
        ),
        near_part_words(
            rd,
            margin_bp,
            ("研发费用占比", "R&D ratio"),
            ("研发费用", "R&D spending"),
        ),
        near_part_words(
            high_tech,
            margin_bp,
            ("高新技术产品收入占比", "high-tech revenue share"),
            ("高新技术产品收入", "high-tech revenue"),
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
        NearPart::Known { num, den, .. } => pct(num, den),
        NearPart::Missing(_) => "?".to_string(),
    };
    let actual = format!(
        "staff {}, R&D {}, high-tech {}, core IP {}",
        pct_of(staff),
        pct_of(rd),
        pct_of(high_tech),
        match core_ip {
            Status::Pass => "met",
            Status::Fail => "not met",
            Status::Unknown => "unknown",
        }
    );
    let (mz, me) = pp_words(margin_bp);
    let (lead_zh, lead_en) = match status {
        Status::Pass => ("接近高新技术企业认定条件", "Close to the HTE conditions"),
        Status::Fail => (
            "距高新技术企业认定条件尚远",
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
        gz.push("核心知识产权（含至少 1 项知识产权）".to_string());
        ge.push("core IP with at least 1 item".to_string());
    }
    let gap = (!gz.is_empty()).then(|| (gz.join("；"), ge.join("; ")));
    (
        actual,
        format!("{lead_zh}（余量 {mz}）：{}。", z.join("；")),
        format!("{lead_en} (margin {me}): {}.", e.join("; ")),
        gap,
    )
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{d, eval, ProfileBuilder};
    use super::super::RuleSet;
    use crate::core::profile::{PlatformLevel, Profile};
    use serde_json::Value;

    const WORKED: &str = include_str!("../../../tests/fixtures/worked_example.json");

    fn profiles() -> Vec<Profile> {
        vec![
            Profile::from_json(WORKED).expect("worked example parses"),
            ProfileBuilder::worked_example().build(),
            ProfileBuilder::new().build(),
            ProfileBuilder::hte_ready()
                .uscc("914403001922038216")
                .tech_sme(2025)
                .hte_certificate(2023, 11, 1)
                .platform(PlatformLevel::Provincial)
                .build(),
            ProfileBuilder::hte_ready()
                .uscc("9144")
                .tech_sme(2022)
                .hte_certificate(2019, 1, 1)
                .platform(PlatformLevel::City)
                .no_routes()
                .build(),
            ProfileBuilder::new()
                .founded(2025, 1, 1)
                .staff(10, 1)
                .revenue(2024, 1_000_000)
                .rd(2024, 10_000)
                .ip(0, 0)
                .clean_flags()
                .build(),
        ]
    }

    fn criteria(ev: &Value) -> Vec<Value> {
        ev["criteria"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn every_criterion_has_actual_and_required_in_chinese_and_english() {
        let mut seen = [0usize; RuleSet::ALL.len()];
        for p in profiles() {
            for (i, rs) in RuleSet::ALL.into_iter().enumerate() {
                for as_of in [d(2025, 5, 31), d(2026, 6, 30)] {
                    let Ok(ev) = super::super::evaluate(&p, rs, as_of, &Default::default()) else {
                        continue;
                    };
                    for c in criteria(&ev.to_json()) {
                        let id = &c["id"];
                        for key in ["actual_zh", "required_zh", "actual_en", "required_en"] {
                            let s = c[key].as_str().unwrap_or_default();
                            assert!(!s.is_empty(), "{} {id} {key} empty", rs.id());
                            if key.ends_with("_zh") {
                                assert!(
                                    !s.chars().any(|ch| ch.is_ascii_alphabetic()),
                                    "{} {id} {key} has English: {s:?}",
                                    rs.id()
                                );
                            }
                        }
                        assert_eq!(c["actual_en"], c["actual"], "{id}");
                        assert_eq!(c["required_en"], c["required"], "{id}");
                        seen[i] += 1;
                    }
                }
            }
        }
        // Every rule set was rendered for several profiles.
        for (rs, n) in RuleSet::ALL.iter().zip(seen) {
            assert!(n >= 20, "{}: only {n} criteria checked", rs.id());
        }
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

    #[test]
    fn tech_sme_registration_reads_as_a_registered_year() {
        let p = ProfileBuilder::hte_ready().tech_sme(2025).build();
        let ev = eval(&p, RuleSet::ReserveLocal, d(2025, 5, 31)).to_json();
        let c = criteria(&ev)
            .into_iter()
            .find(|c| c["id"] == "reserve.tech_sme_current")
            .expect("criterion");
        assert_eq!(c["actual"], "registered 2025");
        assert_eq!(c["actual_zh"], "2025 年度已登记");
        assert_eq!(c["required_zh"], "2025 年度已登记");
    }
}
