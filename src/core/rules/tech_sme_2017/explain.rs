//! The words of `tech-sme-2017`: each criterion's label, requirement and sentences, Chinese
//! and English side by side. Every threshold in a sentence is the constant the check uses.

use super::{Id, MAX_AMOUNT, MAX_EMPLOYEES, PASS_SCORE, STAFF_FLOOR_BP};
use crate::core::eval::{Criterion, Evaluation, Status};
use crate::core::money::Fen;
use crate::core::rules::detail::{Detail, Fact, Missing, UsccState};
use crate::core::rules::words::{
    self, count, off_shape, pct_words, points, score_range, score_range_zh,
    staff_gap, undecided, yen, yes_no, yes_no_zh, yuan_zh, FlagWords, Words,
};

/// The label of a criterion.
pub(crate) fn label(id: Id) -> (&'static str, &'static str) {
    match id {
        Id::Resident => ("在中国境内注册", "Registered in mainland China"),
        Id::TaxCollection => ("查账征收企业所得税", "Taxed on audited accounts"),
        Id::Size => ("企业规模", "Size"),
        Id::NotRestricted => (
            "不属于禁止、限制和淘汰类行业",
            "Not in a restricted industry",
        ),
        Id::CleanRecord => ("无重大事故及失信记录", "Clean record"),
        Id::Score => ("科技型中小企业评价得分", "Tech-SME score"),
        Id::DirectRoute => ("直通条件", "Direct route"),
    }
}

/// The requirement of a criterion, short.
pub(crate) fn required(id: Id, _c: &Criterion, _ev: &Evaluation) -> (String, String) {
    match id {
        Id::Resident => ("统一社会信用代码有效".to_string(), "valid USCC".to_string()),
        Id::TaxCollection => (
            "查账征收（非核定征收）".to_string(),
            "audited accounts, not deemed taxation".to_string(),
        ),
        Id::Size => (
            format!(
                "职工 ≤ {MAX_EMPLOYEES} 人；营业收入、资产总额均 ≤ {}",
                yuan_zh(MAX_AMOUNT)
            ),
            format!(
                "≤ {MAX_EMPLOYEES} staff; revenue and assets ≤ {}",
                yen(MAX_AMOUNT)
            ),
        ),
        Id::NotRestricted => match _c.detail {
            Detail::NotRestricted {
                division: Some(_), ..
            } => (
                "否，且不属于不适用研发费用加计扣除的行业".to_string(),
                "no, nor an industry excluded from the R&D super deduction".to_string(),
            ),
            _ => ("否".to_string(), "no".to_string()),
        },
        Id::CleanRecord => (
            "无重大事故，未列入异常名录或失信名单".to_string(),
            "no incident, not listed".to_string(),
        ),
        Id::Score => (
            format!("≥ {PASS_SCORE} 分且科技人员指标得分 > 0，或符合直通条件"),
            format!("≥ {PASS_SCORE} with staff points > 0, or a direct route"),
        ),
        Id::DirectRoute => (
            "符合四项直通条件之一".to_string(),
            "any one of four routes".to_string(),
        ),
    }
}

/// The actual value, the explaining sentence and the gap of a criterion.
pub(crate) fn words(id: Id, c: &Criterion, _ev: &Evaluation) -> Words {
    match id {
        Id::Resident => resident(c),
        Id::Size => size(c),
        Id::TaxCollection => words::flag(
            c,
            |deemed| if deemed { "核定征收" } else { "查账征收" },
            FlagWords {
                pass: (
                    "企业所得税实行查账征收，能够准确归集研发费用。",
                    "Income tax is assessed on audited accounts, so R&D expenses can be accounted.",
                ),
                fail: (
                    "企业所得税实行核定征收，不能参加科技型中小企业评价（国科火字〔2022〕67号）。",
                    "Income tax is assessed on a deemed basis, which bars tech-SME evaluation (2022 guideline).",
                ),
                gap: (
                    "改为查账征收并准确归集研发费用",
                    "switch to taxation on audited accounts and account R&D expenses",
                ),
            },
        ),
        Id::NotRestricted => not_restricted(c),
        Id::CleanRecord => clean_record(c),
        Id::Score => score(c),
        Id::DirectRoute => routes(c),
    }
}

/// The flag and, when an industry code is recorded, the R&D-super-deduction exclusion list.
fn not_restricted(c: &Criterion) -> Words {
    let Detail::NotRestricted { flag, division } = c.detail else {
        return off_shape(c);
    };
    let restricted_gap = (
        "须转入非限制类行业，财务数据无法弥补",
        "no figure can fix this: the business must leave the restricted industry",
    );
    if let Some(d) = division.filter(|d| d.excluded) {
        let code = d.code();
        let flagged = flag == Some(true);
        return Words::new(
            (
                format!("行业 {code}（不适用加计扣除）"),
                format!("industry {code} (excluded from the super deduction)"),
            ),
            (
                format!(
                    "行业代码 {code} 属于不适用研发费用税前加计扣除政策的行业（财税〔2015〕119号），不能参加科技型中小企业评价{}。",
                    if flagged { "，且属于限制类行业" } else { "" }
                ),
                format!(
                    "Industry division {code} is excluded from the R&D super deduction (Caishui [2015] No. 119), which bars tech-SME evaluation{}.",
                    if flagged { "; the firm is also in a restricted industry" } else { "" }
                ),
            ),
            Some((
                "主营业务须转入可享受加计扣除的行业，财务数据无法弥补".to_string(),
                "no figure can fix this: the main business must be in an industry that may take the super deduction".to_string(),
            )),
        );
    }
    let checked = division.map(|d| d.code());
    let (cz, ce) = match &checked {
        Some(code) => (
            format!("；行业 {code} 不在不适用加计扣除的行业之列"),
            format!("; industry {code} is not excluded from the R&D super deduction"),
        ),
        None => (String::new(), String::new()),
    };
    match flag {
        Some(false) => Words::new(
            ("否".to_string(), "no".to_string()),
            (
                format!("不属于国家禁止、限制和淘汰类行业{cz}。"),
                format!("Not in a prohibited, restricted or phased-out industry{ce}."),
            ),
            None,
        ),
        Some(true) => Words::new(
            ("是".to_string(), "yes".to_string()),
            (
                "属于国家禁止、限制或淘汰类行业。".to_string(),
                "In a prohibited, restricted or phased-out industry.".to_string(),
            ),
            Some((restricted_gap.0.to_string(), restricted_gap.1.to_string())),
        ),
        None => {
            let mut w = undecided(
                ("未知".to_string(), "unknown".to_string()),
                label(Id::NotRestricted),
                Missing::of(Fact::RestrictedIndustry),
            );
            if let Some(code) = &checked {
                w.explain.0.push_str(&format!("行业 {code} 不在不适用加计扣除的行业之列。"));
                w.explain.1.push_str(&format!(
                    " Industry {code} is not excluded from the R&D super deduction."
                ));
            }
            w
        }
    }
}

fn resident(c: &Criterion) -> Words {
    let Detail::Resident { state } = c.detail else {
        return off_shape(c);
    };
    let (actual, explain) = match state {
        UsccState::Valid => (
            ("统一社会信用代码有效", "valid USCC"),
            (
                "统一社会信用代码有效，可证明在中国境内注册。",
                "The unified social credit code is valid: registered in mainland China.",
            ),
        ),
        UsccState::BadCheck => (
            ("统一社会信用代码校验位不符", "USCC check character wrong"),
            (
                "统一社会信用代码校验位不符（早期试点地区的代码可能如此），须人工核实。",
                "The code's check character is wrong (possible for early pilot codes); a person must confirm it.",
            ),
        ),
        UsccState::Malformed => (
            ("统一社会信用代码格式不正确", "malformed USCC"),
            (
                "统一社会信用代码格式不正确，不能作为境内注册的证明。",
                "The unified social credit code is malformed and proves nothing.",
            ),
        ),
    };
    Words::new(
        (actual.0.to_string(), actual.1.to_string()),
        (explain.0.to_string(), explain.1.to_string()),
        None,
    )
}

fn size(c: &Criterion) -> Words {
    let Detail::TsmeSize {
        year,
        employees,
        revenue,
        assets,
    } = c.detail
    else {
        return off_shape(c);
    };
    let n = count(employees);
    let r = revenue.map_or("?".to_string(), yen);
    let a = assets.map_or("?".to_string(), yen);
    let rz = revenue.map_or("?".to_string(), yuan_zh);
    let az = assets.map_or("?".to_string(), yuan_zh);
    let actual = (
        format!("职工 {n} 人；营业收入 {rz}；资产总额 {az}"),
        format!("{n} staff; revenue {r}; assets {a}"),
    );
    let limit_zh = yuan_zh(MAX_AMOUNT);
    match c.status {
        Status::Pass => Words::new(
            actual,
            (
                format!(
                    "职工 {n} 人，{year} 年营业收入 {rz}、资产总额 {az}，均未超过 {MAX_EMPLOYEES} 人和 {limit_zh} 的上限。"
                ),
                format!(
                    "{n} staff, {year} revenue {r} and total assets {a} are within the limits of {MAX_EMPLOYEES} staff and {} each.",
                    yen(MAX_AMOUNT)
                ),
            ),
            None,
        ),
        Status::Fail => {
            let mut z = Vec::new();
            let mut e = Vec::new();
            let mut gz = Vec::new();
            let mut ge = Vec::new();
            if let Some(x) = employees.filter(|&x| x > MAX_EMPLOYEES) {
                let over = x - MAX_EMPLOYEES;
                z.push(format!("职工 {x} 人超过 {MAX_EMPLOYEES} 人"));
                e.push(format!("{x} staff exceed {MAX_EMPLOYEES}"));
                gz.push(format!("职工人数多出 {over} 人"));
                ge.push(format!("{over} staff over the limit"));
            }
            for (v, wz, we) in [
                (revenue, "营业收入", "revenue"),
                (assets, "资产总额", "total assets"),
            ] {
                if let Some(x) = v.filter(|&x| x > MAX_AMOUNT) {
                    let over = Fen(x.0 - MAX_AMOUNT.0);
                    z.push(format!("{year} 年{wz} {} 超过 {limit_zh}", yuan_zh(x)));
                    e.push(format!(
                        "{year} {we} {} exceeds {}",
                        yen(x),
                        yen(MAX_AMOUNT)
                    ));
                    gz.push(format!("{wz}超出 {}", yuan_zh(over)));
                    ge.push(format!("{we} {} over the limit", yen(over)));
                }
            }
            Words::new(
                actual,
                (
                    format!("超出科技型中小企业规模上限：{}。", z.join("；")),
                    format!("Over the tech-SME size limits: {}.", e.join("; ")),
                ),
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
            undecided(actual, ("企业规模", "Size"), m)
        }
    }
}

fn clean_record(c: &Criterion) -> Words {
    let Detail::CleanRecord {
        incident,
        dishonest,
    } = c.detail
    else {
        return off_shape(c);
    };
    let actual = (
        format!(
            "重大事故：{}；列入名单：{}",
            yes_no_zh(incident),
            yes_no_zh(dishonest)
        ),
        format!(
            "incident: {}; listed: {}",
            yes_no(incident),
            yes_no(dishonest)
        ),
    );
    match c.status {
        Status::Pass => Words::new(
            actual,
            (
                "近一年无重大安全、质量事故和严重环境违法、科研严重失信行为，未列入经营异常名录和严重违法失信企业名单。".to_string(),
                "No major incident or serious breach, and not on the abnormal-operation or dishonest lists.".to_string(),
            ),
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
            Words::new(
                actual,
                (
                    format!("信用记录不符合要求：{}。", z.join("；")),
                    format!("The record is not clean: {}.", e.join("; ")),
                ),
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
            undecided(actual, ("信用记录", "The record"), Missing::of(f))
        }
    }
}

fn score(c: &Criterion) -> Words {
    let Detail::TsmeScore {
        low,
        high,
        staff_points,
        tech,
        employees,
        route,
        routes,
    } = c.detail
    else {
        return off_shape(c);
    };
    let actual = (score_range_zh(low, high), score_range(low, high));
    let staff_zero = staff_points == Some(0);
    match c.status {
        Status::Pass if route == Some(true) => {
            let held: Vec<_> = ROUTES
                .iter()
                .zip(routes)
                .filter(|(_, v)| *v == Some(true))
                .map(|(n, _)| n)
                .collect();
            let short_zh = held.iter().map(|n| n.0).collect::<Vec<_>>().join("、");
            let long_zh = held.iter().map(|n| n.1).collect::<Vec<_>>().join("、");
            let en = held.iter().map(|n| n.2).collect::<Vec<_>>().join(", ");
            Words::new(
                (format!("直通：{short_zh}"), format!("direct route: {en}")),
                (
                    format!("符合直通条件（{long_zh}），直接认定，无需评分。"),
                    format!("A direct route holds ({en}): the firm qualifies without the score."),
                ),
                None,
            )
        }
        Status::Pass => Words::new(
            actual,
            (
                format!(
                    "评价得分 {low} 分，不低于 {PASS_SCORE} 分，科技人员指标得分 {} 分。",
                    staff_points.unwrap_or(0)
                ),
                format!(
                    "Score {low} is at least {PASS_SCORE}, with {} points for technical staff.",
                    staff_points.unwrap_or(0)
                ),
            ),
            None,
        ),
        Status::Fail => {
            let floor = pct_words(STAFF_FLOOR_BP);
            let (z, e) = if staff_zero {
                (
                    format!("科技人员占比低于 {floor}，科技人员指标得 0 分，评分途径不成立（得分 {high}），且不符合直通条件。"),
                    format!("Technical staff below {floor} score 0, so the score route fails (score {high}), and no direct route holds."),
                )
            } else {
                (
                    format!("评价得分 {high} 分，低于 {PASS_SCORE} 分，且不符合直通条件。"),
                    format!("Score {high} is below {PASS_SCORE} and no direct route holds."),
                )
            };
            let mut gz = Vec::new();
            let mut ge = Vec::new();
            if staff_zero {
                if let (Some(t), Some(e)) = (tech, employees) {
                    let (a, b) = staff_gap(t, e, STAFF_FLOOR_BP);
                    gz.push(format!("达到 {floor}：{a}"));
                    ge.push(format!("to reach {floor}: {b}"));
                }
            }
            if high < PASS_SCORE {
                gz.push(format!("得分还差 {} 分", PASS_SCORE - high));
                ge.push(format!("score short by {}", points(PASS_SCORE - high)));
            }
            gz.push("或满足任一直通条件".to_string());
            ge.push("or any direct route".to_string());
            Words::new(actual, (z, e), Some((gz.join("；"), ge.join("; "))))
        }
        Status::Unknown => Words::new(
            actual,
            (
                format!("评价得分 {low}–{high} 分，是否达到 {PASS_SCORE} 分取决于缺少的数据或直通条件。"),
                format!("Score {low}–{high}: whether it reaches {PASS_SCORE} depends on missing data or a direct route."),
            ),
            None,
        ),
    }
}

/// The four direct routes in [`super::routes`]' order: short name, sentence name, English.
const ROUTES: [(&str, &str, &str); 4] = [
    (
        "有效高新技术企业资格",
        "有效高新技术企业资格",
        "a valid HTE certificate",
    ),
    (
        "国家级科技奖励",
        "近五年获国家级科技奖励（前三名单位）",
        "a national S&T award in five years",
    ),
    (
        "省部级以上研发机构",
        "省部级以上研发机构",
        "a provincial-level R&D institution",
    ),
    (
        "主导制定标准",
        "近五年主导制定国际、国家或行业标准",
        "led a standard in five years",
    ),
];

fn routes(c: &Criterion) -> Words {
    let Detail::Routes {
        hte,
        award,
        provincial,
        standard,
    } = c.detail
    else {
        return off_shape(c);
    };
    // (held, short name, sentence name, English name)
    let names = [hte, award, provincial, standard]
        .into_iter()
        .zip(ROUTES)
        .map(|(v, (a, b, c))| (v, a, b, c))
        .collect::<Vec<_>>();
    let held: Vec<_> = names.iter().filter(|n| n.0 == Some(true)).collect();
    let actual = if held.is_empty() {
        ("无".to_string(), "none".to_string())
    } else {
        (
            held.iter().map(|n| n.1).collect::<Vec<_>>().join("、"),
            held.iter().map(|n| n.3).collect::<Vec<_>>().join(", "),
        )
    };
    match c.status {
        Status::Pass => Words::new(
            actual,
            (
                format!(
                    "符合直通条件：{}。",
                    held.iter().map(|n| n.2).collect::<Vec<_>>().join("、")
                ),
                format!(
                    "A direct route holds: {}.",
                    held.iter().map(|n| n.3).collect::<Vec<_>>().join(", ")
                ),
            ),
            None,
        ),
        Status::Fail => Words::new(
            actual,
            (
                "四项直通条件均不符合（仅供参考，可按评分入库）。".to_string(),
                "None of the four direct routes holds (informational: the score route remains).".to_string(),
            ),
            Some((
                "满足任一直通条件：有效高企资格、国家级科技奖励、省部级研发机构或主导制定标准".to_string(),
                "any one route: a valid HTE certificate, a national S&T award, a provincial R&D institution or leading a standard".to_string(),
            )),
        ),
        Status::Unknown => Words::new(
            actual,
            (
                "部分直通条件情况未知（仅供参考）。".to_string(),
                "Some direct routes are unknown (informational).".to_string(),
            ),
            None,
        ),
    }
}
