//! The facts behind each criterion, kept as numbers and enums.
//!
//! `evaluate` only stores these; strings are rendered later by `explain` (for `to_json` and
//! the reasons of a rejection), so that a verdict costs no formatting and no allocation.

use super::tech_sme_2017::{MAX_AMOUNT, MAX_EMPLOYEES, PASS_SCORE, STAFF_FLOOR_BP};
use crate::core::eval::{Status, Tier};
use crate::core::money::Fen;
use crate::core::profile::PlatformLevel;
use crate::core::ratio::{ppm, Ratio};
use chrono::NaiveDate;

/// A fact the profile does not give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// `founded_on`.
    FoundedOn,
    /// `employees`.
    Employees,
    /// `tech_staff`.
    TechStaff,
    /// `flags.core_ip`.
    CoreIpFlag,
    /// `ip.class_one` / `ip.class_two`.
    IpCounts,
    /// `flags.key_field`.
    KeyField,
    /// `flags.major_incident`.
    MajorIncident,
    /// `flags.restricted_industry`.
    RestrictedIndustry,
    /// `flags.dishonest`.
    Dishonest,
    /// A year's `revenue`.
    Revenue,
    /// A year's `rd_expense`.
    RdExpense,
    /// A year's `rd_expense_domestic`.
    RdExpenseDomestic,
    /// A year's `high_tech_revenue`.
    HighTechRevenue,
    /// A year's `total_cost`.
    TotalCost,
    /// A year's `total_assets`.
    TotalAssets,
    /// No fiscal year before the evaluation year at all.
    FiscalYear,
    /// `uscc`.
    Uscc,
    /// `tech_sme` (registration).
    TechSmeRegistration,
    /// `hte_certificate` or `direct_routes.valid_hte`.
    HteCertificate,
    /// `rd_platform`.
    RdPlatform,
    /// A year's `total_income` (总收入).
    TotalIncome,
    /// `flags.deemed_taxation`.
    DeemedTaxation,
}

impl Fact {
    /// The profile field, as named in the profile JSON.
    pub fn field(self) -> &'static str {
        match self {
            Fact::FoundedOn => "founded_on",
            Fact::Employees => "employees",
            Fact::TechStaff => "tech_staff",
            Fact::CoreIpFlag => "flags.core_ip",
            Fact::IpCounts => "ip.class_one / ip.class_two",
            Fact::KeyField => "flags.key_field",
            Fact::MajorIncident => "flags.major_incident",
            Fact::RestrictedIndustry => "flags.restricted_industry",
            Fact::Dishonest => "flags.dishonest",
            Fact::Revenue => "revenue",
            Fact::RdExpense => "rd_expense",
            Fact::RdExpenseDomestic => "rd_expense_domestic",
            Fact::HighTechRevenue => "high_tech_revenue",
            Fact::TotalCost => "total_cost",
            Fact::TotalAssets => "total_assets",
            Fact::FiscalYear => "financials",
            Fact::Uscc => "uscc",
            Fact::TechSmeRegistration => "tech_sme",
            Fact::HteCertificate => "hte_certificate",
            Fact::RdPlatform => "rd_platform",
            Fact::TotalIncome => "total_income",
            Fact::DeemedTaxation => "flags.deemed_taxation",
        }
    }

    /// Chinese name of the fact.
    pub fn zh(self) -> &'static str {
        match self {
            Fact::FoundedOn => "成立日期",
            Fact::Employees => "职工总数",
            Fact::TechStaff => "科技人员数",
            Fact::CoreIpFlag => "是否拥有支撑主要产品的核心知识产权",
            Fact::IpCounts => "知识产权数量",
            Fact::KeyField => "是否属于重点支持领域",
            Fact::MajorIncident => "是否发生重大安全、质量事故或严重环境违法行为",
            Fact::RestrictedIndustry => "是否属于禁止、限制和淘汰类行业",
            Fact::Dishonest => "是否列入经营异常名录或严重失信名单",
            Fact::Revenue => "营业收入",
            Fact::RdExpense => "研发费用",
            Fact::RdExpenseDomestic => "境内研发费用",
            Fact::HighTechRevenue => "高新技术产品（服务）收入",
            Fact::TotalCost => "成本费用总额",
            Fact::TotalAssets => "资产总额",
            Fact::FiscalYear => "评价年度之前的财务数据",
            Fact::Uscc => "统一社会信用代码",
            Fact::TechSmeRegistration => "科技型中小企业入库登记",
            Fact::HteCertificate => "高新技术企业证书",
            Fact::RdPlatform => "研发平台级别",
            Fact::TotalIncome => "总收入",
            Fact::DeemedTaxation => "是否核定征收企业所得税",
        }
    }

    /// English name of the fact (a noun phrase without article).
    pub fn en(self) -> &'static str {
        match self {
            Fact::FoundedOn => "founding date",
            Fact::Employees => "head count",
            Fact::TechStaff => "technical staff count",
            Fact::CoreIpFlag => "core-IP flag",
            Fact::IpCounts => "IP counts",
            Fact::KeyField => "key-field flag",
            Fact::MajorIncident => "major-incident flag",
            Fact::RestrictedIndustry => "restricted-industry flag",
            Fact::Dishonest => "dishonest-list flag",
            Fact::Revenue => "revenue",
            Fact::RdExpense => "R&D expense",
            Fact::RdExpenseDomestic => "domestic R&D expense",
            Fact::HighTechRevenue => "high-tech revenue",
            Fact::TotalCost => "total cost",
            Fact::TotalAssets => "total assets",
            Fact::FiscalYear => "fiscal year before the evaluation year",
            Fact::Uscc => "unified social credit code",
            Fact::TechSmeRegistration => "tech-SME registration",
            Fact::HteCertificate => "HTE certificate",
            Fact::RdPlatform => "R&D platform level",
            Fact::TotalIncome => "total income",
            Fact::DeemedTaxation => "deemed-taxation flag",
        }
    }
}

/// A missing fact, with the fiscal year it belongs to when it is a yearly figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing {
    /// What is missing.
    pub fact: Fact,
    /// For yearly figures, which year.
    pub year: Option<i32>,
}

impl Missing {
    /// A missing non-yearly fact.
    pub const fn of(fact: Fact) -> Missing {
        Missing { fact, year: None }
    }

    /// A missing yearly figure.
    pub const fn in_year(fact: Fact, year: i32) -> Missing {
        Missing {
            fact,
            year: Some(year),
        }
    }
}

/// The HTE R&D-ratio band chosen by the latest year's revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdBand {
    /// Latest revenue ≤ 5000万: 5%.
    UpTo50m,
    /// Latest revenue ≤ 2亿: 4%.
    UpTo200m,
    /// Latest revenue > 2亿: 3%.
    Over200m,
    /// A single editable threshold (local rule sets).
    Fixed,
}

/// What the profile's USCC proves about residence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccState {
    /// Well-formed with a correct check character.
    Valid,
    /// Well-formed but the check character is wrong (early pilot codes; needs a person).
    BadCheck,
    /// Not a code at all.
    Malformed,
}

/// Where the HTE status comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HteSource {
    /// A recorded certificate with its issue date and the day it stops being valid.
    Certificate {
        /// Issue date.
        issued_on: NaiveDate,
        /// First day it is no longer valid.
        until: NaiveDate,
    },
    /// Only the profile's `direct_routes.valid_hte` flag.
    Declared(bool),
}

impl HteSource {
    /// Whether the firm holds a valid HTE on `as_of`.
    pub fn valid_on(self, as_of: NaiveDate) -> bool {
        match self {
            HteSource::Certificate { issued_on, until } => issued_on <= as_of && as_of < until,
            HteSource::Declared(v) => v,
        }
    }
}

/// The firm's industry division (GB/T 4754-2017) as the tech-SME rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Division {
    /// Section letter, e.g. `C`.
    pub section: char,
    /// Division number, e.g. 16.
    pub number: u8,
    /// Whether 财税〔2015〕119号 §4 excludes it from the R&D super deduction.
    pub excluded: bool,
}

impl Division {
    /// `C16`.
    pub fn code(self) -> String {
        format!("{}{:02}", self.section, self.number)
    }
}

/// One ratio condition of `reserve.near_hte`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NearPart {
    /// The figures are missing.
    Missing(Missing),
    /// `num / den` against `need_bp` (the HTE threshold; the margin is the rule's).
    Known {
        /// Numerator (fen or head count).
        num: i64,
        /// Denominator (fen or head count), positive.
        den: i64,
        /// The HTE threshold in basis points.
        need_bp: i64,
    },
}

impl NearPart {
    /// Status against the threshold lowered by `margin_bp`.
    pub fn status(self, margin_bp: i64) -> Status {
        match self {
            NearPart::Missing(_) => Status::Unknown,
            NearPart::Known { num, den, need_bp } => {
                if at_least(num, den, need_bp - margin_bp) {
                    Status::Pass
                } else {
                    Status::Fail
                }
            }
        }
    }

    /// Whether the HTE threshold itself is met (not only within the margin).
    pub fn meets_threshold(self) -> bool {
        match self {
            NearPart::Missing(_) => false,
            NearPart::Known { num, den, need_bp } => at_least(num, den, need_bp),
        }
    }

    fn progress(self, margin_bp: i64) -> u32 {
        match self {
            NearPart::Missing(_) => 500_000,
            NearPart::Known { num, den, need_bp } => {
                if at_least(num, den, need_bp - margin_bp) {
                    1_000_000
                } else {
                    ppm(
                        num as i128 * 10_000,
                        den as i128 * (need_bp - margin_bp) as i128,
                    ) * 9
                        / 10
                }
            }
        }
    }
}

/// `num / den >= bp / 10000`, exactly, for a positive `den`.
pub fn at_least(num: i64, den: i64, bp: i64) -> bool {
    let r = Ratio::new(num as i128, den as i128);
    matches!(r, Some(r) if r >= Ratio::bp(bp))
}

/// The facts behind one criterion. Every variant holds numbers, never text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The criterion cannot be computed: this fact is missing.
    Missing(Missing),
    /// Calendar days since founding against the days required.
    Days {
        /// Founding date.
        founded_on: NaiveDate,
        /// Days from founding to the evaluation date.
        days: i64,
        /// Days required.
        need: i64,
    },
    /// Core IP flag and IP item count (Class I + Class II).
    CoreIp {
        /// `flags.core_ip`.
        core_ip: Option<bool>,
        /// Class I + Class II items, if both counts are known.
        items: Option<u32>,
    },
    /// A recorded yes/no flag (its meaning follows the criterion id).
    Flag {
        /// The recorded value.
        value: bool,
    },
    /// Technical staff over head count.
    StaffRatio {
        /// Technical staff.
        tech: u32,
        /// Head count (positive).
        employees: u32,
        /// Threshold in basis points.
        need_bp: i64,
    },
    /// R&D expense over revenue, summed over fiscal years `first..=last`.
    RdRatio {
        /// First year of the window.
        first: i32,
        /// Last (latest) year of the window.
        last: i32,
        /// Sum of R&D expense.
        rd: Fen,
        /// Sum of revenue (positive).
        revenue: Fen,
        /// Latest year's revenue (chooses the band).
        latest: Fen,
        /// Threshold in basis points.
        need_bp: i64,
        /// Which band set the threshold.
        band: RdBand,
    },
    /// Domestic R&D over total R&D over `first..=last`.
    DomesticShare {
        /// First year.
        first: i32,
        /// Last year.
        last: i32,
        /// Sum of domestic R&D.
        domestic: Fen,
        /// Sum of R&D.
        rd: Fen,
        /// Threshold in basis points.
        need_bp: i64,
    },
    /// One year's share `num / den` (high-tech revenue share, gazelle R&D/revenue).
    YearShare {
        /// Fiscal year.
        year: i32,
        /// Numerator.
        num: Fen,
        /// Denominator (positive).
        den: Fen,
        /// Threshold in basis points.
        need_bp: i64,
    },
    /// The HTE high-tech revenue share of the latest year: over total income when known;
    /// otherwise the share of revenue, which can only show a fail (总收入 ≥ revenue).
    HighTechShare {
        /// Fiscal year.
        year: i32,
        /// High-tech revenue.
        high_tech: Fen,
        /// Revenue (sales).
        revenue: Fen,
        /// Total income (总收入), when given; positive when given.
        total_income: Option<Fen>,
        /// Threshold in basis points.
        need_bp: i64,
    },
    /// A ratio whose denominator is zero in the data: the criterion cannot be met (no sales in
    /// the window is data, not bad input).
    NoDenominator {
        /// The figure that is zero (summed over `first..=last`).
        fact: Fact,
        /// First year.
        first: i32,
        /// Last year.
        last: i32,
    },
    /// Not in a restricted industry: the flag and the industry division.
    NotRestricted {
        /// `flags.restricted_industry`.
        flag: Option<bool>,
        /// The firm's division, when its industry code is recorded.
        division: Option<Division>,
    },
    /// A score range against a floor.
    Score {
        /// Lowest possible total.
        low: u32,
        /// Highest possible total.
        high: u32,
        /// Points required.
        need: u32,
        /// Whether the range is wide because data is missing (not only expert judgement).
        data_missing: bool,
    },
    /// The USCC as evidence of registration in mainland China.
    Resident {
        /// What the code proves.
        state: UsccState,
    },
    /// Tech-SME size limits (500 staff, 2亿 revenue, 2亿 assets) in the latest year.
    TsmeSize {
        /// Latest fiscal year.
        year: i32,
        /// Head count.
        employees: Option<u32>,
        /// Latest revenue.
        revenue: Option<Fen>,
        /// Latest total assets.
        assets: Option<Fen>,
    },
    /// No major incident and not on the dishonest lists.
    CleanRecord {
        /// `flags.major_incident`.
        incident: Option<bool>,
        /// `flags.dishonest`.
        dishonest: Option<bool>,
    },
    /// The tech-SME score route, or a direct route.
    TsmeScore {
        /// Lowest possible score.
        low: u32,
        /// Highest possible score.
        high: u32,
        /// Staff part, when known.
        staff_points: Option<u32>,
        /// Technical staff.
        tech: Option<u32>,
        /// Head count.
        employees: Option<u32>,
        /// Whether a direct route holds (`None`: some route unknown and none holds).
        route: Option<bool>,
        /// The four direct routes (HTE, award, provincial institution, standard).
        routes: [Option<bool>; 4],
    },
    /// The four tech-SME direct routes.
    Routes {
        /// Valid HTE certificate.
        hte: Option<bool>,
        /// National S&T award in five years.
        award: Option<bool>,
        /// Provincial-level R&D institution.
        provincial: Option<bool>,
        /// Led a standard in five years.
        standard: Option<bool>,
    },
    /// The latest tech-SME registration year.
    TechSme {
        /// Registration year.
        year: i32,
        /// Whether it is current on the evaluation date.
        current: bool,
    },
    /// The four HTE conditions with the reserve margin.
    NearHte {
        /// Margin in basis points below each ratio threshold.
        margin_bp: i64,
        /// Technical staff share.
        staff: NearPart,
        /// Three-year R&D ratio.
        rd: NearPart,
        /// High-tech revenue share.
        high_tech: NearPart,
        /// `hte.core_ip` (no margin).
        core_ip: Status,
    },
    /// The HTE certificate or declaration.
    ValidHte {
        /// Where the status comes from.
        source: HteSource,
    },
    /// A latest-year amount against a floor.
    Amount {
        /// Fiscal year.
        year: i32,
        /// The amount.
        value: Fen,
        /// The floor.
        bound: Fen,
        /// `true`: strictly above the floor; `false`: at least the floor.
        strict: bool,
    },
    /// The R&D platform level against the level required.
    Platform {
        /// Best platform.
        level: PlatformLevel,
        /// Level required.
        need: PlatformLevel,
    },
    /// Not required for this tier (little giant: the cultivating tier needs no platform).
    NotRequired {
        /// The tier.
        tier: Tier,
    },
    /// Two-year compound growth `(v3/v1)^½ − 1` against `need_bp`.
    CompoundGrowth {
        /// Year of `v1`.
        first: i32,
        /// Year of `v3`.
        last: i32,
        /// Oldest revenue (positive).
        v1: Fen,
        /// Latest revenue.
        v3: Fen,
        /// Yearly growth required, basis points.
        need_bp: i64,
    },
    /// Average yearly growth `½(v2/v1 + v3/v2) − 1` against `need_bp`.
    AverageGrowth {
        /// Year of `v1`.
        first: i32,
        /// Year of `v3`.
        last: i32,
        /// Oldest revenue (positive).
        v1: Fen,
        /// Middle revenue (positive).
        v2: Fen,
        /// Latest revenue.
        v3: Fen,
        /// Growth required, basis points.
        need_bp: i64,
    },
    /// Gazelle base: HTE or registered tech-SME.
    Base {
        /// Valid HTE.
        hte: Option<bool>,
        /// Current tech-SME registration.
        tech_sme: Option<bool>,
    },
    /// Little-giant tier from the latest revenue.
    TierRevenue {
        /// Fiscal year.
        year: i32,
        /// Revenue.
        revenue: Fen,
        /// Floor of the cultivating tier.
        min: Fen,
        /// Floor of the giant tier.
        giant: Fen,
        /// Ceiling (exclusive).
        below: Fen,
    },
    /// R&D over revenue or over total cost (either passes).
    RdEither {
        /// Fiscal year.
        year: i32,
        /// R&D expense.
        rd: Fen,
        /// Revenue.
        revenue: Option<Fen>,
        /// Total cost.
        cost: Option<Fen>,
        /// Threshold over revenue, basis points.
        revenue_bp: i64,
        /// Threshold over total cost, basis points.
        cost_bp: i64,
    },
    /// Little-giant IP by tier.
    GiantIp {
        /// The tier (`None`: undecided; both tiers' rules were applied).
        tier: Option<Tier>,
        /// Class I items.
        class_one: Option<u32>,
        /// Class II items.
        class_two: Option<u32>,
        /// Items required for the cultivating tier.
        cultivating_items: u32,
        /// Class I items that qualify a giant.
        giant_class_one: u32,
        /// Class II items that qualify a giant.
        giant_class_two: u32,
    },
}

impl Detail {
    /// How far a failing criterion is towards its threshold, in parts per million before the
    /// readiness discount (see `eval::readiness`). Criteria without a measurable distance
    /// (a flag, a missing certificate) count 0.
    pub fn progress_ppm(&self) -> u32 {
        match *self {
            Detail::Missing(_)
            | Detail::Flag { .. }
            | Detail::CoreIp { .. }
            | Detail::Resident { .. }
            | Detail::CleanRecord { .. }
            | Detail::Routes { .. }
            | Detail::TechSme { .. }
            | Detail::ValidHte { .. }
            | Detail::Base { .. }
            | Detail::NotRestricted { .. }
            | Detail::NoDenominator { .. }
            | Detail::NotRequired { .. } => 0,
            Detail::HighTechShare {
                high_tech,
                revenue,
                total_income,
                need_bp,
                ..
            } => ratio_progress(
                high_tech.0 as i128,
                total_income.unwrap_or(revenue).0 as i128,
                need_bp,
            ),
            Detail::Days { days, need, .. } => ppm(days as i128, need as i128),
            Detail::StaffRatio {
                tech,
                employees,
                need_bp,
            } => ratio_progress(tech as i128, employees as i128, need_bp),
            Detail::RdRatio {
                rd,
                revenue,
                need_bp,
                ..
            } => ratio_progress(rd.0 as i128, revenue.0 as i128, need_bp),
            Detail::DomesticShare {
                domestic,
                rd,
                need_bp,
                ..
            } => ratio_progress(domestic.0 as i128, rd.0 as i128, need_bp),
            Detail::YearShare {
                num, den, need_bp, ..
            } => ratio_progress(num.0 as i128, den.0 as i128, need_bp),
            Detail::Score { high, need, .. } => ppm(high as i128, need as i128),
            Detail::TsmeSize {
                employees,
                revenue,
                assets,
                ..
            } => {
                let mut p = 1_000_000;
                if let Some(e) = employees {
                    p = p.min(ppm(MAX_EMPLOYEES as i128, e as i128));
                }
                for v in [revenue, assets].into_iter().flatten() {
                    p = p.min(ppm(MAX_AMOUNT.0 as i128, v.0 as i128));
                }
                p
            }
            Detail::TsmeScore {
                high,
                staff_points,
                tech,
                employees,
                ..
            } => {
                let score = ppm(high as i128, PASS_SCORE as i128);
                match (staff_points, tech, employees) {
                    (Some(0), Some(t), Some(e)) => {
                        score.min(ratio_progress(t as i128, e as i128, STAFF_FLOOR_BP))
                    }
                    _ => score,
                }
            }
            Detail::NearHte {
                margin_bp,
                staff,
                rd,
                high_tech,
                core_ip,
            } => {
                let ip = match core_ip {
                    Status::Pass => 1_000_000,
                    Status::Unknown => 500_000,
                    Status::Fail => 0,
                };
                (staff.progress(margin_bp)
                    + rd.progress(margin_bp)
                    + high_tech.progress(margin_bp)
                    + ip)
                    / 4
            }
            Detail::Amount { value, bound, .. } => ppm(value.0 as i128, bound.0 as i128),
            Detail::Platform { level, need } => {
                ppm(platform_rank(level) as i128, platform_rank(need) as i128)
            }
            Detail::CompoundGrowth {
                v1, v3, need_bp, ..
            } => {
                // Two-year growth achieved over two-year growth required: (v3 − v1)/v1 against
                // (1 + g)² − 1, exact up to the final floor.
                let g = 10_000 + need_bp as i128;
                ppm(
                    (v3.0 as i128 - v1.0 as i128) * 100_000_000,
                    v1.0 as i128 * (g * g - 100_000_000),
                )
            }
            Detail::AverageGrowth {
                v1,
                v2,
                v3,
                need_bp,
                ..
            } => {
                let (a, b, c) = (v1.0 as i128, v2.0 as i128, v3.0 as i128);
                ppm(
                    (b * b + a * c - 2 * a * b) * 10_000,
                    2 * a * b * need_bp as i128,
                )
            }
            Detail::TierRevenue {
                revenue,
                min,
                below,
                ..
            } => {
                if revenue < min {
                    ppm(revenue.0 as i128, min.0 as i128)
                } else {
                    ppm(below.0 as i128, revenue.0 as i128)
                }
            }
            Detail::RdEither {
                rd,
                revenue,
                cost,
                revenue_bp,
                cost_bp,
                ..
            } => {
                let a =
                    revenue.map_or(0, |r| ratio_progress(rd.0 as i128, r.0 as i128, revenue_bp));
                let b = cost.map_or(0, |c| ratio_progress(rd.0 as i128, c.0 as i128, cost_bp));
                a.max(b)
            }
            Detail::GiantIp {
                tier,
                class_one,
                class_two,
                cultivating_items,
                giant_class_one,
                giant_class_two,
            } => {
                let one = class_one.unwrap_or(0) as i128;
                let two = class_two.unwrap_or(0) as i128;
                match tier {
                    Some(Tier::Cultivating) => ppm(one + two, cultivating_items as i128),
                    _ => ppm(one, giant_class_one as i128).max(ppm(two, giant_class_two as i128)),
                }
            }
        }
    }
}

/// `(num/den) / (bp/10000)` in ppm.
fn ratio_progress(num: i128, den: i128, bp: i64) -> u32 {
    ppm(num * 10_000, den * bp as i128)
}

/// Ordinal of a platform level: none 0, city 1, provincial 2, national 3.
pub fn platform_rank(level: PlatformLevel) -> u8 {
    match level {
        PlatformLevel::None => 0,
        PlatformLevel::City => 1,
        PlatformLevel::Provincial => 2,
        PlatformLevel::National => 3,
    }
}
