//! The words of `hte-2016`: each criterion's label, requirement and sentences, Chinese and
//! English side by side. Every threshold in a sentence is the constant the check uses.

use super::{
    BandWhy, Id, ABOVE_200M_BP, BAND_200M, BAND_200M_BP, BAND_50M, BAND_50M_BP, CORE_IP_ITEMS,
    DOMESTIC_BP, HIGH_TECH_BP, REGISTERED_DAYS, SCORE_PASS, STAFF_BP,
};
use crate::core::error::Text;
use crate::core::eval::{Criterion, Evaluation, Status};
use crate::core::ratio::{format_bp, shortfall, shortfall_added, Ratio};
use crate::core::rules::detail::{Detail, Fact, Missing, RdBand};
use crate::core::rules::words::{
    self, count, dual_money, missing_words, off_shape, pct_vs, pct_words, points, score_range,
    score_range_zh, staff_gap, undecided, years, yen, yes_no, yes_no_zh, yuan_zh, FlagWords, Words,
};

/// Where a judged sub-score's band comes from, in the error for a judged value outside it.
pub(super) fn band_why(why: BandWhy) -> Text {
    match why {
        BandWhy::Profile => Text::both(
            "由企业档案中的数据确定",
            "the band the profile's figures allow",
        ),
        BandWhy::IpCounts(c1, c2) => Text::both(
            format!("Ⅰ类知识产权 {} 项、Ⅱ类 {} 项", count(c1), count(c2)),
            format!("{} Class I and {} Class II items", count(c1), count(c2)),
        ),
        BandWhy::TransferredOnly => Text::both(
            "仅通过受让、受赠、并购取得",
            "only transferred, gifted or merged",
        ),
        BandWhy::Conversions {
            first,
            last,
            avg_hundredths,
        } => {
            let avg = words::hundredths(avg_hundredths);
            Text::both(
                format!("{first}–{last} 年年均科技成果转化 {avg} 项"),
                format!("the band for an average of {avg} conversions a year in {first}–{last}"),
            )
        }
        BandWhy::RdOrganisation => Text::both(
            "由具备的研发组织管理项确定",
            "the band the R&D-organisation items present allow",
        ),
    }
}

/// The label of a criterion.
pub(crate) fn label(id: Id) -> (&'static str, &'static str) {
    match id {
        Id::RegisteredOneYear => ("注册成立满一年", "Registered for at least a year"),
        Id::CoreIp => ("拥有核心知识产权", "Owns core IP"),
        Id::KeyField => (
            "属于国家重点支持的高新技术领域",
            "Key-supported high-tech field",
        ),
        Id::TechStaffRatio => ("科技人员占比", "Share of technical staff"),
        Id::RdRatio => ("研发费用占比", "R&D ratio"),
        Id::RdDomesticShare => ("境内研发费用占比", "Share of R&D spent in China"),
        Id::HighTechRevenueShare => ("高新技术产品（服务）收入占比", "Share of high-tech revenue"),
        Id::InnovationScore => ("创新能力评价", "Innovation score"),
        Id::NoMajorIncident => (
            "无重大安全、质量事故或严重环境违法行为",
            "No major incident",
        ),
    }
}

/// The requirement of a criterion, short.
pub(crate) fn required(id: Id, c: &Criterion, _ev: &Evaluation) -> (String, String) {
    let at_least_pct = |bp: i64| {
        let s = format!("≥ {}", format_bp(bp));
        (s.clone(), s)
    };
    match id {
        Id::RegisteredOneYear => (
            format!("≥ {REGISTERED_DAYS} 天"),
            format!("≥ {REGISTERED_DAYS} days"),
        ),
        Id::CoreIp => (
            format!("拥有核心知识产权，Ⅰ类或Ⅱ类知识产权 ≥ {CORE_IP_ITEMS} 项"),
            format!("core IP, ≥ {CORE_IP_ITEMS} Class I/II item"),
        ),
        Id::KeyField => ("是".to_string(), "yes".to_string()),
        Id::TechStaffRatio => at_least_pct(STAFF_BP),
        Id::RdRatio => match c.detail {
            Detail::RdRatio { need_bp, .. } => at_least_pct(need_bp),
            _ => {
                let bands = [BAND_50M_BP, BAND_200M_BP, ABOVE_200M_BP]
                    .map(format_bp)
                    .join(" / ");
                (
                    format!("按最近一年营业收入分档 ≥ {bands}"),
                    format!("≥ {bands} by latest revenue"),
                )
            }
        },
        Id::RdDomesticShare => at_least_pct(DOMESTIC_BP),
        Id::HighTechRevenueShare => at_least_pct(HIGH_TECH_BP),
        Id::InnovationScore => (format!("≥ {SCORE_PASS} 分"), format!("≥ {SCORE_PASS}")),
        Id::NoMajorIncident => ("无".to_string(), "none".to_string()),
    }
}

/// The actual value, the explaining sentence and the gap of a criterion.
pub(crate) fn words(id: Id, c: &Criterion, ev: &Evaluation) -> Words {
    match id {
        Id::RegisteredOneYear => words::days(c, ev),
        Id::CoreIp => core_ip(c),
        Id::KeyField => words::flag(
            c,
            |v| yes_no_zh(Some(v)),
            FlagWords {
                pass: (
                    "核心技术属于《国家重点支持的高新技术领域》。",
                    "Core technology is in a key-supported high-tech field.",
                ),
                fail: (
                    "核心技术不属于《国家重点支持的高新技术领域》的八个领域。",
                    "Core technology is not in one of the eight key-supported fields.",
                ),
                gap: (
                    "主要产品（服务）的核心技术属于重点支持领域",
                    "core technology of the main products in a key-supported field",
                ),
            },
        ),
        Id::TechStaffRatio => staff_ratio(c),
        Id::RdRatio => {
            let band = match c.detail {
                Detail::RdRatio { band, .. } => band_words(band),
                _ => (String::new(), String::new()),
            };
            words::rd_ratio(c, (&band.0, &band.1))
        }
        Id::RdDomesticShare => domestic_share(c),
        Id::HighTechRevenueShare => high_tech_share(c),
        Id::InnovationScore => innovation_score(c),
        // An incident is had or not (有/无), like its requirement `无`.
        Id::NoMajorIncident => words::flag(
            c,
            |v| if v { "有" } else { "无" },
            FlagWords {
                pass: (
                    "申请前一年内未发生重大安全、重大质量事故或严重环境违法行为。",
                    "No major safety or quality accident or serious environmental violation in the past year.",
                ),
                fail: (
                    "申请前一年内发生过重大安全、重大质量事故或严重环境违法行为。",
                    "A major safety or quality accident or serious environmental violation occurred in the past year.",
                ),
                gap: (
                    "事故满一年后再申请",
                    "apply once a full year has passed since the incident",
                ),
            },
        ),
    }
}

/// Which revenue band set the R&D-ratio threshold.
fn band_words(band: RdBand) -> (String, String) {
    match band {
        RdBand::UpTo50m => (
            format!("（最近一年营业收入不超过{}）", BAND_50M.zh_plain()),
            format!(
                " for latest revenue up to {} million yuan",
                BAND_50M.en_millions()
            ),
        ),
        RdBand::UpTo200m => (
            format!(
                "（最近一年营业收入{}以上至{}）",
                BAND_50M.zh_plain(),
                BAND_200M.zh_plain()
            ),
            format!(
                " for latest revenue above {} and up to {} million yuan",
                BAND_50M.en_millions(),
                BAND_200M.en_millions()
            ),
        ),
        RdBand::Over200m => (
            format!("（最近一年营业收入超过{}）", BAND_200M.zh_plain()),
            format!(
                " for latest revenue above {} million yuan",
                BAND_200M.en_millions()
            ),
        ),
        RdBand::Fixed => (String::new(), String::new()),
    }
}

fn core_ip(c: &Criterion) -> Words {
    let Detail::CoreIp { core_ip, items } = c.detail else {
        return off_shape(c);
    };
    let n = count(items);
    let actual = (
        format!("核心知识产权：{}；{n} 项", yes_no_zh(core_ip)),
        format!("core IP: {}; {n} item(s)", yes_no(core_ip)),
    );
    match c.status {
        Status::Pass => Words::new(
            actual,
            (
                format!("拥有支撑主要产品的核心知识产权，Ⅰ类和Ⅱ类知识产权共 {n} 项。"),
                format!("Owns IP supporting its main products, with {n} Class I/II item(s)."),
            ),
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
                gz.push(format!(
                    "{CORE_IP_ITEMS} 项知识产权（Ⅰ类，或未用于以往认定的Ⅱ类）"
                ));
                ge.push(format!(
                    "{CORE_IP_ITEMS} IP item (Class I, or Class II not used in an earlier application)"
                ));
            }
            Words::new(
                actual,
                (
                    format!("核心知识产权条件不满足：{}。", z.join("；")),
                    format!("Core IP is not met: {}.", e.join("; ")),
                ),
                Some((gz.join("；"), ge.join("; "))),
            )
        }
        Status::Unknown => {
            let m = if core_ip.is_none() {
                Missing::of(Fact::CoreIpFlag)
            } else {
                Missing::of(Fact::IpCounts)
            };
            undecided(actual, ("核心知识产权", "Core IP"), m)
        }
    }
}

fn staff_ratio(c: &Criterion) -> Words {
    let Detail::StaffRatio {
        tech,
        employees,
        need_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let p = pct_vs(tech as i64, employees as i64, need_bp);
    let need = pct_words(need_bp);
    let (z, e) = if c.status == Status::Pass {
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
    Words::new(
        (p.clone(), p),
        (z, e),
        Some(staff_gap(tech, employees, need_bp)),
    )
}

fn domestic_share(c: &Criterion) -> Words {
    let Detail::DomesticShare {
        first,
        last,
        domestic,
        rd,
        need_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let ys = years(first, last);
    let need = pct_words(need_bp);
    if rd.0 == 0 {
        return Words::new(
            ("无研发费用".to_string(), "no R&D".to_string()),
            (
                format!("{ys} 年没有研发费用，无法满足境内研发费用占比 {need} 的要求。"),
                format!("No R&D expense in {ys}, so no {need} domestic share can be shown."),
            ),
            Some((
                "在境内发生研发费用".to_string(),
                "R&D spending in China".to_string(),
            )),
        );
    }
    let p = pct_vs(domestic.0, rd.0, need_bp);
    let (z, e) = if c.status == Status::Pass {
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
        (&format!("{ys} 年境内研发费用"), &format!("domestic R&D {ys}")),
        ("将现有研发移至境内", "if existing spending moves to China"),
    );
    Words::new((p.clone(), p), (z, e), Some(gap))
}

fn high_tech_share(c: &Criterion) -> Words {
    let Detail::HighTechShare {
        year,
        high_tech: num,
        revenue,
        total_income,
        need_bp,
    } = c.detail
    else {
        return off_shape(c);
    };
    let need = pct_words(need_bp);
    let need_r = Ratio::bp(need_bp);
    let Some(den) = total_income else {
        // Only the share of sales is known; 总收入 is at least sales.
        let p = pct_vs(num.0, revenue.0, need_bp);
        let actual = (format!("占营业收入 {p}"), format!("{p} of revenue"));
        if c.status == Status::Fail {
            let gap = dual_money(
                shortfall_added(num.0 as i128, revenue.0 as i128, need_r),
                shortfall(num.0 as i128, revenue.0 as i128, need_r),
                ("高新技术产品（服务）收入至少", "high-tech revenue at least"),
                (
                    "现有收入转为高新技术产品收入",
                    "if existing revenue becomes high-tech revenue",
                ),
            );
            return Words::new(
                actual,
                (
                    format!(
                        "{year} 年高新技术产品（服务）收入 {} 仅占营业收入 {} 的 {p}；总收入不低于营业收入，占总收入的比例更低，达不到 {need} 的要求。",
                        yuan_zh(num),
                        yuan_zh(revenue)
                    ),
                    format!(
                        "High-tech revenue {} is only {p} of {year} revenue {}; total income is never below revenue, so its share of total income is below the {need} required too.",
                        yen(num),
                        yen(revenue)
                    ),
                ),
                Some(gap),
            );
        }
        let (mz, me) = missing_words(Missing::in_year(Fact::TotalIncome, year));
        return Words::new(
            actual,
            (
                format!(
                    "{year} 年高新技术产品（服务）收入占营业收入的 {p}，但要求按总收入（收入总额减不征税收入，含投资收益、营业外收入）计算：{mz}。请填写 {year} 年总收入。"
                ),
                format!(
                    "High-tech revenue is {p} of {year} revenue, but the share is of total income (gross income less non-taxable income, including investment and non-operating income): {me}. Enter total income for {year}."
                ),
            ),
            None,
        );
    };
    let p = pct_vs(num.0, den.0, need_bp);
    let (z, e) = if c.status == Status::Pass {
        (
            format!(
                "{year} 年高新技术产品（服务）收入 {} 占总收入 {} 的 {p}，达到 {need} 的要求。",
                yuan_zh(num),
                yuan_zh(den)
            ),
            format!(
                "High-tech revenue {} is {p} of {year} total income {}, at least the {need} required.",
                yen(num),
                yen(den)
            ),
        )
    } else {
        (
            format!(
                "{year} 年高新技术产品（服务）收入 {} 占总收入 {} 的 {p}，低于 {need} 的要求。",
                yuan_zh(num),
                yuan_zh(den)
            ),
            format!(
                "High-tech revenue {} is {p} of {year} total income {}, below the {need} required.",
                yen(num),
                yen(den)
            ),
        )
    };
    let gap = dual_money(
        shortfall_added(num.0 as i128, den.0 as i128, need_r),
        shortfall(num.0 as i128, den.0 as i128, need_r),
        ("高新技术产品（服务）收入", "high-tech revenue"),
        (
            "现有收入转为高新技术产品收入",
            "if existing revenue becomes high-tech revenue",
        ),
    );
    Words::new((p.clone(), p), (z, e), Some(gap))
}

fn innovation_score(c: &Criterion) -> Words {
    let Detail::Score {
        low,
        high,
        need,
        data_missing,
    } = c.detail
    else {
        return off_shape(c);
    };
    let actual = (score_range_zh(low, high), score_range(low, high));
    match c.status {
        Status::Pass => Words::new(
            actual,
            (
                format!("创新能力评价得分 {low}–{high}，无论专家如何评分都不低于 {need} 分。"),
                format!(
                    "Innovation score {low}–{high} is at least {need} whatever the expert judgement."
                ),
            ),
            None,
        ),
        Status::Fail => Words::new(
            actual,
            (
                format!("创新能力评价得分最高 {high} 分，低于 {need} 分。"),
                format!("Innovation score is at most {high}, below the {need} required."),
            ),
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
            Words::new(
                actual,
                (
                    format!("取决于专家评分：{low}–{high}{sz}"),
                    format!("depends on expert judgement: {low}–{high}{se}"),
                ),
                None,
            )
        }
    }
}
