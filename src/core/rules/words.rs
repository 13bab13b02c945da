//! Sentence pieces shared by the rule sets' words (`<set>/explain.rs`): numbers and amounts in
//! words, what is missing, the gap of a share or a head count, and the sentences of the facts
//! several sets read (days registered, a three-year R&D ratio, a revenue floor, a platform).
//!
//! Only called when rendering (`Evaluation::to_json`, `reasons_not_passing`); `evaluate`
//! itself formats nothing. Every pair is `(Chinese, English)`.

use super::detail::{Detail, Fact, Missing};
use crate::core::eval::{Assumption, Criterion, Evaluation, Status};
use crate::core::money::{group_int, Fen};
use crate::core::profile::PlatformLevel;
use crate::core::ratio::{format_bp, shortfall, shortfall_added, Ratio};

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

/// What a rule set's `explain::words` says about one criterion, each in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Words {
    /// The actual value.
    pub actual: (String, String),
    /// The explaining sentence.
    pub explain: (String, String),
    /// The smallest change that would make it pass (shown only when it fails).
    pub gap: Option<(String, String)>,
}

impl Words {
    /// Words from their parts.
    pub fn new(
        actual: (String, String),
        explain: (String, String),
        gap: Option<(String, String)>,
    ) -> Words {
        Words {
            actual,
            explain,
            gap,
        }
    }
}

/// Render one criterion: a missing fact reads the same for every criterion; everything else
/// is its rule set's words.
pub(crate) fn texts(c: &Criterion, ev: &Evaluation) -> Texts {
    let (required_zh, required) = c.id.required(c, ev);
    let w = match c.detail {
        Detail::Missing(m) => missing_criterion(c.id.label(), m),
        Detail::NoDenominator { fact, first, last } => {
            no_denominator(c.id.label(), fact, first, last)
        }
        _ => c.id.words(c, ev),
    };
    let gap = if c.status == Status::Fail {
        w.gap
    } else {
        None
    };
    let (gap_zh, gap_en) = match gap {
        Some((z, e)) => (Some(z), Some(e)),
        None => (None, None),
    };
    Texts {
        actual: w.actual.1,
        required,
        actual_zh: w.actual.0,
        required_zh,
        explain_zh: w.explain.0,
        explain_en: w.explain.1,
        gap_zh,
        gap_en,
    }
}

/// Words for a ratio whose denominator is zero in the data (no sales): it cannot be met.
fn no_denominator((lz, le): (&str, &str), fact: Fact, first: i32, last: i32) -> Words {
    let ys = years(first, last);
    Words::new(
        (format!("无{}", fact.zh()), format!("no {}", fact.en())),
        (
            format!("{lz}不满足：{ys} 年{}为 0，无法计算比例。", fact.zh()),
            format!(
                "{le} is not met: {} is zero in {ys}, so the ratio cannot be computed.",
                fact.en()
            ),
        ),
        Some((
            format!("{ys} 年取得{}", fact.zh()),
            format!("{} in {ys}", fact.en()),
        )),
    )
}

fn missing_criterion(label: (&str, &str), m: Missing) -> Words {
    undecided(("未知".to_string(), "unknown".to_string()), label, m)
}

/// Words for a criterion that cannot be decided because `m` is missing: "<what> cannot be
/// decided: <what is missing>.", beside the `actual` it shows.
pub(crate) fn undecided(actual: (String, String), (lz, le): (&str, &str), m: Missing) -> Words {
    let (mz, me) = missing_words(m);
    Words::new(
        actual,
        (
            format!("{lz}无法判断：{mz}。"),
            format!("{le} cannot be decided: {me}."),
        ),
        None,
    )
}

/// Words for a fact that is not the one the criterion records. The checks never build such a
/// criterion (the proptest over every rule set would fail in debug builds); should one slip
/// through, the page says the criterion cannot be decided rather than show nothing.
pub(crate) fn off_shape(c: &Criterion) -> Words {
    debug_assert!(
        matches!(c.detail, Detail::Missing(_)),
        "{} has an unexpected detail {:?}",
        c.id,
        c.detail
    );
    let (lz, le) = c.id.label();
    Words::new(
        ("未知".to_string(), "unknown".to_string()),
        (
            format!("{lz}无法判断。"),
            format!("{le} cannot be decided."),
        ),
        None,
    )
}

/// What is missing: `缺少 2024 年营业收入（revenue）` / `no revenue for 2024 (revenue)`.
pub(crate) fn missing_words(m: Missing) -> (String, String) {
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

/// Several names in a row: `a、b、c` / `a, b, c`.
pub(crate) fn enumeration(items: &[&str]) -> (String, String) {
    (items.join("、"), items.join(", "))
}

/// A failing or unknown criterion as a reason: its explaining sentence and, when failing,
/// its gap: `…（差距：…）` / `… (gap: …)`.
pub(crate) fn reason(t: Texts) -> (String, String) {
    match (t.gap_zh, t.gap_en) {
        (Some(gz), Some(ge)) => (
            format!("{}（差距：{}）", t.explain_zh, gz),
            format!("{} (gap: {})", t.explain_en, ge),
        ),
        _ => (t.explain_zh, t.explain_en),
    }
}

/// The sentence of an assumption in the evaluation JSON: `(Chinese, English)`.
pub(crate) fn assumption(a: Assumption) -> (&'static str, &'static str) {
    match a {
        Assumption::IpJudgement => (
            "知识产权的技术先进程度和核心支持作用须由专家评判：各按 0–8 分计",
            "IP technical advancement and core-support role need expert judgement: 0–8 each",
        ),
        Assumption::IpCountsUnknown => (
            "知识产权数量未知：数量一项按 0–8 分计",
            "IP counts unknown: quantity counted as 0–8",
        ),
        Assumption::OwnRdUnknown => (
            "知识产权获得方式未知：按 1–6 分计",
            "how the IP was obtained is unknown: counted as 1–6",
        ),
        Assumption::StandardsUnknown => (
            "是否参与编制标准未知：加分按 0–2 分计",
            "standards participation unknown: bonus counted as 0–2",
        ),
        Assumption::NoIpItems => (
            "企业没有知识产权：除标准加分外，知识产权各项得 0 分",
            "no IP items: every IP part except the standards bonus scores 0",
        ),
        Assumption::ConversionsUnknown => (
            "缺少科技成果转化数据：按 0–30 分计",
            "no conversion figures: counted as 0–30",
        ),
        Assumption::RdOrganisationUnknown => (
            "部分研发组织管理项情况未知：按 0 至该项满分计",
            "some R&D-organisation items unknown: each counted from 0 to its maximum",
        ),
        Assumption::NetAssetsGrowthUnknown => (
            "缺少净资产数据：净资产增长率一项按 0–10 分计",
            "net-asset figures missing: net-asset growth counted as 0–10",
        ),
        Assumption::SalesGrowthUnknown => (
            "缺少营业收入数据：销售收入增长率一项按 0–10 分计",
            "revenue figures missing: sales growth counted as 0–10",
        ),
        Assumption::YoungFirm => (
            "企业成立不足三个会计年度：按实际经营年度计算",
            "the firm is younger than three fiscal years: the years it has are used",
        ),
        Assumption::FoundedOnUnknown => (
            "成立日期未知：要求近三个完整会计年度的数据",
            "founding date unknown: three full fiscal years of figures are expected",
        ),
        Assumption::ZeroRevenueLadder => (
            "最近一年营业收入为 0：研发费用占营业收入比例一档按 0 分计，以占成本费用比例为准",
            "latest revenue is zero: the R&D/revenue ladder scores 0 and the R&D/total-cost ladder decides",
        ),
        Assumption::GazelleFieldNotChecked => (
            "未核对所属领域（电子信息、生物与新医药、新材料、新能源与节能、资源与环境、先进制造与自动化）：企业档案中没有领域信息",
            "the field (electronics and IT, biomedicine, new materials, new energy, resources and environment, advanced manufacturing) is not checked: the profile has no field",
        ),
        Assumption::LocalDefaults => (
            "本规则无公开发布的省市标准，阈值为本局默认设置，可调整",
            "no published provincial or city criteria: the thresholds are the bureau's editable defaults",
        ),
        Assumption::GrowthTwoYears => (
            "只有两年数据：增长率按 g = 第二年 ÷ 第一年 − 1 计算（解释性口径，官方文件未规定）",
            "only two years of figures: growth is g = v2/v1 − 1 (an interpretation; the official text is silent)",
        ),
        Assumption::NonPositiveNetAssets => (
            "作为分母的净资产小于或等于 0：净资产增长率一项按 0 分计（解释性口径，官方文件未规定）",
            "net assets ≤ 0 in a denominator: net-asset growth scores 0 (an interpretation; the official text is silent)",
        ),
        Assumption::ZeroFirstYear => (
            "第一年数据为 0：按后两年计算增长率（只有两年数据时该项按 0 分计）",
            "a zero first year: growth from the last two years (with only two years, the item scores 0)",
        ),
        Assumption::ConversionYearsMissing => (
            "部分年度没有科技成果转化数据：该年按未知计，转化一项取年均数可能对应的分数范围",
            "some years have no conversion entry: they count as unknown, and the conversion part is the range their possible averages allow",
        ),
        Assumption::IndustryNotChecked => (
            "未记录国民经济行业代码：未核对不适用研发费用加计扣除的行业（财税〔2015〕119号），仅按限制类行业标记判断",
            "no industry code recorded: the industries excluded from the R&D super deduction (Caishui [2015] No. 119) were not checked; the restricted-industry flag alone decides",
        ),
        Assumption::ZeroCostLadder => (
            "最近一年成本费用总额为 0：研发费用占成本费用比例一档按 0 分计",
            "latest total cost is zero: the R&D/total-cost ladder scores 0",
        ),
    }
}

/// `5%`, `10.5%`, `32.25%`: a threshold in basis points, in words.
pub(crate) fn pct_words(bp: i64) -> String {
    let s = format_bp(bp);
    let s = s.trim_end_matches('%');
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// Hundredths as a plain two-decimal number: 300 → `3.00`.
pub(crate) fn hundredths(n: i64) -> String {
    format_bp(n).trim_end_matches('%').to_string()
}

/// `num / den` as a percentage with two decimals, shown against a bound of `need_bp` that
/// the value must reach: rounded as usual, except that a value below the bound is never shown
/// at or above it (4.996% against 5% reads `4.99%`, not `5.00%`). `—` for a zero denominator.
pub(crate) fn pct_vs(num: i64, den: i64, need_bp: i64) -> String {
    let Some(r) = Ratio::new(num as i128, den as i128) else {
        return "—".to_string();
    };
    format_bp(bp_vs(r, need_bp))
}

/// `r` in basis points, rounded, but kept on its side of `need_bp` (see [`pct_vs`]).
pub(crate) fn bp_vs(r: Ratio, need_bp: i64) -> i64 {
    let rounded = r.to_bp();
    if r < Ratio::bp(need_bp) && rounded >= need_bp {
        need_bp - 1
    } else {
        rounded
    }
}

/// `2024` or `2022–2024`.
pub(crate) fn years(first: i32, last: i32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// An amount in English: `¥45,000`.
pub(crate) fn yen(f: Fen) -> String {
    f.en()
}

/// An amount in Chinese: `3亿元`, `5,000万元`, `45,000元`.
pub(crate) fn yuan_zh(f: Fen) -> String {
    f.zh_compact()
}

/// A shortfall in fen (exact, possibly fractional) as whole yuan a firm can act on.
pub(crate) fn fen_of(x: i128) -> Fen {
    Fen(x.clamp(0, i64::MAX as i128) as i64).ceil_yuan()
}

/// A count that may be unknown: `3` or `?`.
pub(crate) fn count(v: Option<u32>) -> String {
    v.map_or("?".to_string(), |n| n.to_string())
}

/// A score or a score range: `64` or `64–78`.
pub(crate) fn score_range(low: u32, high: u32) -> String {
    if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    }
}

/// A score or a score range with its unit in Chinese: `64 分` or `64–78 分`.
pub(crate) fn score_range_zh(low: u32, high: u32) -> String {
    format!("{} 分", score_range(low, high))
}

/// `1 point`, `3 points`.
pub(crate) fn points(n: u32) -> String {
    if n == 1 {
        "1 point".to_string()
    } else {
        format!("{n} points")
    }
}

/// `yes` / `no` / `unknown`.
pub(crate) fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// `是` / `否` / `未知`.
pub(crate) fn yes_no_zh(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "是",
        Some(false) => "否",
        None => "未知",
    }
}

/// A platform level's name, in Chinese and English.
pub(crate) fn platform_words(l: PlatformLevel) -> (&'static str, &'static str) {
    match l {
        PlatformLevel::None => ("无", "none"),
        PlatformLevel::City => ("市级", "city"),
        PlatformLevel::Provincial => ("省级", "provincial"),
        PlatformLevel::National => ("国家级", "national"),
    }
}

/// A platform requirement: `省级及以上` / `≥ provincial`; no platform needed reads `不要求`.
pub(crate) fn at_least_platform(l: PlatformLevel) -> (String, String) {
    let (z, e) = platform_words(l);
    let zh = match l {
        PlatformLevel::None => "不要求".to_string(),
        _ => format!("{z}及以上"),
    };
    (zh, format!("≥ {e}"))
}

/// A margin in basis points as percentage points: 100 → `1 percentage point`.
pub(crate) fn pp_words(bp: i64) -> (String, String) {
    let n = pct_words(bp);
    let n = n.trim_end_matches('%');
    let unit = if bp == 100 { "point" } else { "points" };
    (format!("{n} 个百分点"), format!("{n} percentage {unit}"))
}

/// The year of the evaluation date.
pub(crate) fn year_of(ev: &Evaluation) -> i32 {
    chrono::Datelike::year(&ev.as_of)
}

/// The gap of a share of money: what must be added, and, when different, what must move
/// from the rest into the numerator.
pub(crate) fn dual_money(
    added: Option<i128>,
    moved: i128,
    (what_zh, what_en): (&str, &str),
    (how_zh, how_en): (&str, &str),
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

/// The gap of a technical-staff share: staff to hire, or employees to move when fewer.
pub(crate) fn staff_gap(tech: u32, employees: u32, need_bp: i64) -> (String, String) {
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

/// The sentences of a recorded yes/no flag, given what each outcome says.
pub(crate) struct FlagWords {
    /// When it passes.
    pub pass: (&'static str, &'static str),
    /// When it fails.
    pub fail: (&'static str, &'static str),
    /// What would make it pass.
    pub gap: (&'static str, &'static str),
}

/// A recorded yes/no flag: actual `是`/`否` (or `actual_zh` when the flag reads otherwise).
pub(crate) fn flag(c: &Criterion, actual_zh: fn(bool) -> &'static str, w: FlagWords) -> Words {
    let Detail::Flag { value } = c.detail else {
        return off_shape(c);
    };
    let pass = c.status == Status::Pass;
    let actual = (
        actual_zh(value).to_string(),
        if value { "yes" } else { "no" }.to_string(),
    );
    let (z, e) = if pass { w.pass } else { w.fail };
    let gap = (!pass).then(|| (w.gap.0.to_string(), w.gap.1.to_string()));
    Words::new(actual, (z.to_string(), e.to_string()), gap)
}

/// At least `need` calendar days from founding to the evaluation date.
pub(crate) fn days(c: &Criterion, ev: &Evaluation) -> Words {
    let Detail::Days {
        founded_on,
        days,
        need,
    } = c.detail
    else {
        return off_shape(c);
    };
    let as_of = ev.as_of;
    let actual = (
        format!("{} 天", group_int(days)),
        format!("{} days", group_int(days)),
    );
    if c.status == Status::Pass {
        return Words::new(
            actual,
            (
                format!(
                    "{founded_on} 成立，至 {as_of} 已满 {} 天，不少于 {need} 天。",
                    group_int(days)
                ),
                format!(
                    "Founded on {founded_on}: {} days before {as_of}, at least the {need} required.",
                    group_int(days)
                ),
            ),
            None,
        );
    }
    let more = need - days;
    let on = founded_on
        .checked_add_days(chrono::Days::new(need.max(0) as u64))
        .map_or_else(|| "—".to_string(), |d| d.to_string());
    Words::new(
        actual,
        (
            format!("{founded_on} 成立，至 {as_of} 仅 {days} 天，须满 {need} 天。"),
            format!(
                "Founded on {founded_on}: only {days} days before {as_of}; {need} are required."
            ),
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

/// R&D over revenue summed over the window; `band` says which revenue band set the
/// threshold (empty for a fixed threshold).
pub(crate) fn rd_ratio(c: &Criterion, (bz, be): (&str, &str)) -> Words {
    let Detail::RdRatio {
        first,
        last,
        rd,
        revenue,
        need_bp,
        ..
    } = c.detail
    else {
        return off_shape(c);
    };
    let p = pct_vs(rd.0, revenue.0, need_bp);
    let ys = years(first, last);
    let need = pct_words(need_bp);
    let (z, e) = if c.status == Status::Pass {
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
    let short = fen_of(shortfall(
        rd.0 as i128,
        revenue.0 as i128,
        Ratio::bp(need_bp),
    ));
    let gap = (
        format!("{ys} 年研发费用还差 {}", yuan_zh(short)),
        format!("R&D spending {ys} short by {}", yen(short)),
    );
    Words::new((p.clone(), p), (z, e), Some(gap))
}

/// The latest revenue against a floor (at least it, or strictly above it).
pub(crate) fn amount(c: &Criterion) -> Words {
    let Detail::Amount {
        year,
        value,
        bound,
        strict,
    } = c.detail
    else {
        return off_shape(c);
    };
    let actual = (yuan_zh(value), yen(value));
    let (cmp_zh, cmp_en, fail_zh) = if strict {
        ("超过", "above", "未超过")
    } else {
        ("不低于", "at least", "低于")
    };
    if c.status == Status::Pass {
        return Words::new(
            actual,
            (
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
            ),
            None,
        );
    }
    let short = Fen(bound.0 - value.0 + if strict { 100 } else { 0 });
    Words::new(
        actual,
        (
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
        ),
        Some((
            format!("{year} 年营业收入还差 {}", yuan_zh(short)),
            format!("{year} revenue short by {}", yen(short)),
        )),
    )
}

/// The best R&D platform against the level required (unknown: the tier is undecided).
pub(crate) fn platform(c: &Criterion) -> Words {
    let Detail::Platform { level, need } = c.detail else {
        return off_shape(c);
    };
    let (lz, le) = platform_words(level);
    let (nz, ne) = platform_words(need);
    let actual = (lz.to_string(), le.to_string());
    match c.status {
        Status::Unknown => Words::new(
            actual,
            (
                format!("研发平台为{lz}：培育企业不要求，小巨人企业须{nz}及以上；档次未定。"),
                format!(
                    "Best R&D platform is {le}: the cultivating tier needs none, the giant tier needs {ne} or higher; the tier is undecided."
                ),
            ),
            None,
        ),
        Status::Pass => Words::new(
            actual,
            (
                format!("拥有{lz}研发平台，达到{nz}及以上的要求。"),
                format!("Best R&D platform is {le}, meeting the {ne} level or higher required."),
            ),
            None,
        ),
        Status::Fail => Words::new(
            actual,
            (
                format!("研发平台为{lz}，须达到{nz}及以上。"),
                format!("Best R&D platform is {le}; {ne} or higher is required."),
            ),
            Some((
                format!("建成{nz}及以上研发平台"),
                format!("a {ne}-level or higher R&D platform"),
            )),
        ),
    }
}
