//! `hte-2016` — 高新技术企业 (国科发火〔2016〕32号; guideline 国科发火〔2016〕195号).
//!
//! CRITERIA §1. The R&D ratio sums the last three fiscal years before the evaluation year
//! (fewer for a younger firm) and takes its band from the latest year's revenue. The
//! innovation score is a range [low, high] from the grade bands; an expert's judged
//! sub-scores replace their part's range and must lie inside it.

use super::detail::{Detail, Fact, Missing, RdBand};
use super::{CriterionId, Ctx, RuleSet};
use crate::core::error::{InputError, Text};
use crate::core::eval::{
    Assumption, Assumptions, Criterion, Evaluation, HteScoreParts, Part, ScoreRange, Status,
};
use crate::core::money::Fen;
use crate::core::profile::FirmYear;
use crate::core::ratio::Ratio;

criterion_ids! {
    /// The criteria of `hte-2016`.
    RegisteredOneYear => "hte.registered_one_year",
    CoreIp => "hte.core_ip",
    KeyField => "hte.key_field",
    TechStaffRatio => "hte.tech_staff_ratio",
    RdRatio => "hte.rd_ratio",
    RdDomesticShare => "hte.rd_domestic_share",
    HighTechRevenueShare => "hte.high_tech_revenue_share",
    InnovationScore => "hte.innovation_score",
    NoMajorIncident => "hte.no_major_incident",
}

/// A national rule set: its thresholds are fixed.
pub(super) const LOCAL: bool = false;

/// Days registered (含).
pub(super) const REGISTERED_DAYS: i64 = 365;
/// Technical staff share (含): 10%.
pub(super) const STAFF_BP: i64 = 1_000;
/// Domestic share of R&D (含): 60%.
pub(super) const DOMESTIC_BP: i64 = 6_000;
/// High-tech revenue share (含): 60%.
pub(super) const HIGH_TECH_BP: i64 = 6_000;
/// Innovation score (含).
pub(super) const SCORE_PASS: u32 = 71;
/// R&D-ratio bands: latest revenue up to 5000万 (含) → 5%, up to 2亿 (含) → 4%, above → 3%.
pub(super) const BAND_50M: Fen = Fen::wan(5_000);
/// Upper end (含) of the middle R&D-ratio band: 2亿.
pub(super) const BAND_200M: Fen = Fen::wan(20_000);
/// R&D ratio required up to [`BAND_50M`] (含): 5%.
pub(super) const BAND_50M_BP: i64 = 500;
/// R&D ratio required above [`BAND_50M`] up to [`BAND_200M`] (含): 4%.
pub(super) const BAND_200M_BP: i64 = 400;
/// R&D ratio required above [`BAND_200M`]: 3%.
pub(super) const ABOVE_200M_BP: i64 = 300;
/// IP items (Class I + Class II) the core-IP condition needs.
pub(super) const CORE_IP_ITEMS: u32 = 1;

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let mut ev = Evaluation::new(RuleSet::Hte2016, ctx.as_of, 9);
    ev.push(registered(ctx, Id::RegisteredOneYear, REGISTERED_DAYS));
    ev.push(core_ip(ctx));
    ev.push(flag(Id::KeyField, ctx.p.flags.key_field, true, Fact::KeyField));
    ev.push(tech_staff_ratio(ctx)?);
    ev.push(rd_ratio(ctx));
    ev.push(rd_domestic_share(ctx)?);
    ev.push(high_tech_revenue_share(ctx));
    let score = innovation_score(ctx)?;
    ev.push(score.criterion(Id::InnovationScore, SCORE_PASS));
    ev.push(flag(
        Id::NoMajorIncident,
        ctx.p.flags.major_incident,
        false,
        Fact::MajorIncident,
    ));
    ev.score = Some(score.range);
    ev.score_parts = Some(score.parts);
    ev.assumptions = score.assumptions;
    ev.assumptions.extend(ctx.window_assumptions());
    Ok(ev)
}

/// A yes/no criterion that passes when the flag equals `want`.
pub(super) fn flag(id: impl Into<CriterionId>, v: Option<bool>, want: bool, fact: Fact) -> Criterion {
    let id = id.into();
    match v {
        None => Criterion::missing(id, Missing::of(fact)),
        Some(value) => Criterion::new(
            id,
            if value == want {
                Status::Pass
            } else {
                Status::Fail
            },
            Detail::Flag { value },
        ),
    }
}

/// At least `need` calendar days from `founded_on` to the evaluation date.
pub(super) fn registered(ctx: &Ctx<'_>, id: impl Into<CriterionId>, need: i64) -> Criterion {
    let id = id.into();
    let Some(founded_on) = ctx.p.founded_on else {
        return Criterion::missing(id, Missing::of(Fact::FoundedOn));
    };
    let days = (ctx.as_of - founded_on).num_days();
    let status = if days >= need {
        Status::Pass
    } else {
        Status::Fail
    };
    Criterion::new(
        id,
        status,
        Detail::Days {
            founded_on,
            days,
            need,
        },
    )
}

/// Core IP: the flag, and at least one Class I or II item.
pub(super) fn core_ip(ctx: &Ctx<'_>) -> Criterion {
    let core = ctx.p.flags.core_ip;
    let items = ip_items(ctx);
    let flag = Status::from_known(core);
    let count = Status::from_known(items.map(|n| n >= CORE_IP_ITEMS));
    Criterion::new(
        Id::CoreIp,
        Status::all(&[flag, count]),
        Detail::CoreIp {
            core_ip: core,
            items,
        },
    )
}

/// Class I + Class II items, when both counts are known (or Class I alone already counts).
fn ip_items(ctx: &Ctx<'_>) -> Option<u32> {
    match (ctx.p.ip.class_one, ctx.p.ip.class_two) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (Some(a), None) if a >= 1 => Some(a),
        (None, Some(b)) if b >= 1 => Some(b),
        _ => None,
    }
}

/// Technical staff and head count, or what is missing; zero head count is bad input.
pub(super) fn staff_facts(
    ctx: &Ctx<'_>,
    id: CriterionId,
) -> Result<Result<(u32, u32), Missing>, InputError> {
    match (ctx.p.tech_staff, ctx.p.employees) {
        (_, Some(0)) => Err(ctx.zero_employees(id)),
        (Some(t), Some(e)) => Ok(Ok((t, e))),
        (_, None) => Ok(Err(Missing::of(Fact::Employees))),
        (None, _) => Ok(Err(Missing::of(Fact::TechStaff))),
    }
}

fn tech_staff_ratio(ctx: &Ctx<'_>) -> Result<Criterion, InputError> {
    Ok(match staff_facts(ctx, Id::TechStaffRatio.into())? {
        Err(m) => Criterion::missing(Id::TechStaffRatio, m),
        Ok((tech, employees)) => {
            let detail = Detail::StaffRatio {
                tech,
                employees,
                need_bp: STAFF_BP,
            };
            Criterion::new(
                Id::TechStaffRatio,
                pass_if(super::detail::at_least(
                    tech as i64,
                    employees as i64,
                    STAFF_BP,
                )),
                detail,
            )
        }
    })
}

/// The three-year R&D figures.
#[derive(Debug, Clone, Copy)]
pub(super) struct RdFacts {
    pub rd: Fen,
    pub revenue: Fen,
    pub latest: Fen,
}

/// The HTE band for a latest-year revenue.
pub(super) fn rd_band(latest: Fen) -> (RdBand, i64) {
    if latest <= BAND_50M {
        (RdBand::UpTo50m, BAND_50M_BP)
    } else if latest <= BAND_200M {
        (RdBand::UpTo200m, BAND_200M_BP)
    } else {
        (RdBand::Over200m, ABOVE_200M_BP)
    }
}

/// R&D and revenue summed over the window (a zero revenue sum is data: the ratio then
/// cannot be met).
pub(super) fn rd_facts(ctx: &Ctx<'_>) -> Result<RdFacts, Missing> {
    let revenue = ctx.window_sum(Fact::Revenue)?;
    let rd = ctx.window_sum(Fact::RdExpense)?;
    let latest = ctx.latest_amount(Fact::Revenue)?;
    Ok(RdFacts {
        rd,
        revenue,
        latest,
    })
}

/// The R&D-ratio criterion: HTE bands, or a fixed threshold (`band = Some(bp)`).
pub(super) fn rd_ratio_with(ctx: &Ctx<'_>, id: CriterionId, fixed_bp: Option<i64>) -> Criterion {
    match rd_facts(ctx) {
        Err(m) => Criterion::missing(id, m),
        Ok(f) if f.revenue.0 == 0 => Criterion::new(
            id,
            Status::Fail,
            Detail::NoDenominator {
                fact: Fact::Revenue,
                first: ctx.window.first,
                last: ctx.window.last,
            },
        ),
        Ok(f) => {
            let (band, need_bp) = match fixed_bp {
                Some(bp) => (RdBand::Fixed, bp),
                None => rd_band(f.latest),
            };
            Criterion::new(
                id,
                pass_if(super::detail::at_least(f.rd.0, f.revenue.0, need_bp)),
                Detail::RdRatio {
                    first: ctx.window.first,
                    last: ctx.window.last,
                    rd: f.rd,
                    revenue: f.revenue,
                    latest: f.latest,
                    need_bp,
                    band,
                },
            )
        }
    }
}

fn rd_ratio(ctx: &Ctx<'_>) -> Criterion {
    rd_ratio_with(ctx, Id::RdRatio.into(), None)
}

fn rd_domestic_share(ctx: &Ctx<'_>) -> Result<Criterion, InputError> {
    let id = Id::RdDomesticShare;
    let rd = match ctx.window_sum(Fact::RdExpense) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(id, m)),
    };
    let domestic = match ctx.window_sum(Fact::RdExpenseDomestic) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(id, m)),
    };
    // No R&D at all cannot show that 60% of it was spent in China: a fail (with the R&D
    // ratio failing too), not bad input, so the firm still gets its full explanation.
    let ok = rd.0 > 0 && super::detail::at_least(domestic.0, rd.0, DOMESTIC_BP);
    Ok(Criterion::new(
        id,
        pass_if(ok),
        Detail::DomesticShare {
            first: ctx.window.first,
            last: ctx.window.last,
            domestic,
            rd,
            need_bp: DOMESTIC_BP,
        },
    ))
}

/// The latest year's high-tech revenue share (CRITERIA §1): over 总收入 `total_income` when
/// given. Without it only a fail can be shown, since 总收入 is never below sales: a share of
/// revenue below the bound fails, one at or above it is unknown. No income at all fails.
pub(super) fn high_tech_share(ctx: &Ctx<'_>, need_bp: i64) -> Result<Detail, Missing> {
    let year = ctx.latest();
    let revenue = ctx.latest_amount(Fact::Revenue)?;
    let high_tech = ctx.latest_amount(Fact::HighTechRevenue)?;
    let total_income = ctx.latest_amount(Fact::TotalIncome).ok();
    if total_income.unwrap_or(revenue).0 == 0 {
        let fact = if total_income.is_some() {
            Fact::TotalIncome
        } else {
            Fact::Revenue
        };
        return Ok(Detail::NoDenominator {
            fact,
            first: year,
            last: year,
        });
    }
    Ok(Detail::HighTechShare {
        year,
        high_tech,
        revenue,
        total_income,
        need_bp,
    })
}

/// The status of a [`high_tech_share`] detail against `bp` (its own bound, or a lower one).
pub(super) fn high_tech_status(detail: &Detail, bp: i64) -> Status {
    match *detail {
        Detail::HighTechShare {
            high_tech,
            total_income: Some(ti),
            ..
        } => pass_if(super::detail::at_least(high_tech.0, ti.0, bp)),
        Detail::HighTechShare {
            high_tech, revenue, ..
        } => {
            if super::detail::at_least(high_tech.0, revenue.0, bp) {
                Status::Unknown
            } else {
                Status::Fail
            }
        }
        Detail::NoDenominator { .. } => Status::Fail,
        _ => Status::Unknown,
    }
}

fn high_tech_revenue_share(ctx: &Ctx<'_>) -> Criterion {
    let id = Id::HighTechRevenueShare;
    match high_tech_share(ctx, HIGH_TECH_BP) {
        Err(m) => Criterion::missing(id, m),
        Ok(detail) => Criterion::new(id, high_tech_status(&detail, HIGH_TECH_BP), detail),
    }
}

pub(super) fn pass_if(ok: bool) -> Status {
    if ok {
        Status::Pass
    } else {
        Status::Fail
    }
}

/// The innovation score: its range, parts and assumptions.
#[derive(Debug, Clone, Copy)]
pub(super) struct HteScore {
    pub range: ScoreRange,
    pub parts: HteScoreParts,
    pub assumptions: Assumptions,
    /// Some part's range is wide for missing data, not only for expert judgement.
    pub data_missing: bool,
}

impl HteScore {
    /// Pass when even the low end reaches `need`, fail when even the high end falls short.
    pub fn criterion(&self, id: impl Into<CriterionId>, need: u32) -> Criterion {
        let ScoreRange { low, high } = self.range;
        let status = if low >= need {
            Status::Pass
        } else if high < need {
            Status::Fail
        } else {
            Status::Unknown
        };
        Criterion::new(
            id,
            status,
            Detail::Score {
                low,
                high,
                need,
                data_missing: self.data_missing,
            },
        )
    }
}

/// A part's band, or the judged value inside it; outside it is bad input.
/// `why` says where the band comes from (the rule set's words, [`explain::band_why`]).
fn part(
    judged: Option<u8>,
    band: (u32, u32),
    key: &str,
    why: &dyn Fn() -> BandWhy,
) -> Result<Part, InputError> {
    match judged {
        None => Ok(Part::range(band.0, band.1)),
        Some(v) if (band.0..=band.1).contains(&(v as u32)) => Ok(Part::judged(v as u32)),
        Some(v) => {
            let (lo, hi) = band;
            let field = format!("judged.{key}");
            let text = Text::new("input.judged_out_of_band")
                .plain("field", &field)
                .plain("band", format!("{lo}–{hi}"))
                .text("why", explain::band_why(why()))
                .plain("value", v);
            Err(InputError::new(field, "judged_out_of_band", text))
        }
    }
}

/// Where a judged sub-score's band comes from, for the error when a judged value lies outside.
#[derive(Debug, Clone, Copy)]
pub(super) enum BandWhy {
    /// The profile's figures.
    Profile,
    /// The Class I and Class II counts.
    IpCounts(Option<u32>, Option<u32>),
    /// IP only transferred, gifted or merged.
    TransferredOnly,
    /// The yearly average of conversions over `first..=last`, in hundredths.
    Conversions {
        first: i32,
        last: i32,
        avg_hundredths: i64,
    },
    /// The R&D-organisation items present.
    RdOrganisation,
}

fn no_why() -> BandWhy {
    BandWhy::Profile
}

fn quantity_band(class_one: Option<u32>, class_two: Option<u32>) -> (u32, u32) {
    fn by_class_two(n: u32) -> (u32, u32) {
        match n {
            0 => (0, 0),
            1..=2 => (1, 2),
            3..=4 => (3, 4),
            _ => (5, 6),
        }
    }
    match (class_one, class_two) {
        (Some(n), _) if n >= 1 => (7, 8),
        (Some(_), Some(m)) => by_class_two(m),
        (Some(_), None) => (0, 6),
        (None, Some(m)) => (by_class_two(m).0, 8),
        (None, None) => (0, 8),
    }
}

/// Conversion band by the yearly average `sum / years` (compared as `sum ≥ k · years`).
fn conversion_band(sum: u64, years: u64) -> (u32, u32) {
    if sum >= 5 * years {
        (25, 30)
    } else if sum >= 4 * years {
        (19, 24)
    } else if sum >= 3 * years {
        (13, 18)
    } else if sum >= 2 * years {
        (7, 12)
    } else if sum >= years {
        (1, 6)
    } else {
        (0, 0)
    }
}

/// Growth band from `g + 1` as an exact ratio.
fn growth_band(g1: Ratio) -> (u32, u32) {
    if g1 >= Ratio::percent(135) {
        (9, 10)
    } else if g1 >= Ratio::percent(125) {
        (7, 8)
    } else if g1 >= Ratio::percent(115) {
        (5, 6)
    } else if g1 >= Ratio::percent(105) {
        (3, 4)
    } else if g1 > Ratio::ONE {
        (1, 2)
    } else {
        (0, 0)
    }
}

/// The growth part for one figure over the window (CRITERIA §1 "Growth"); `None` when a
/// figure is missing. Only net assets can be negative; a non-positive denominator scores 0.
/// The readings the official text leaves open are recorded in `a` when used.
fn growth(
    ctx: &Ctx<'_>,
    get: fn(&FirmYear) -> Option<Fen>,
    a: &mut Assumptions,
) -> Option<(u32, u32)> {
    let w = ctx.window;
    let n = w.len();
    if n <= 1 {
        return Some((0, 0));
    }
    let mut v = [0i128; 3];
    for (i, year) in (w.first..=w.last).enumerate() {
        let y = ctx.p.financials.iter().find(|y| y.year == year)?;
        v[i] = get(y)?.0 as i128;
    }
    let zero = (0, 0);
    let g1 = if n == 2 {
        a.insert(Assumption::GrowthTwoYears);
        let (v1, v2) = (v[0], v[1]);
        if v1 < 0 {
            a.insert(Assumption::NonPositiveNetAssets);
            return Some(zero);
        }
        if v1 == 0 {
            a.insert(Assumption::ZeroFirstYear);
            return Some(zero);
        }
        Ratio::new(v2, v1)
    } else {
        let (v1, v2, v3) = (v[0], v[1], v[2]);
        if v1 < 0 || v2 < 0 {
            a.insert(Assumption::NonPositiveNetAssets);
            return Some(zero);
        }
        if v2 == 0 {
            // The official text: a zero middle year scores 0.
            return Some(zero);
        }
        if v1 == 0 {
            a.insert(Assumption::ZeroFirstYear);
            Ratio::new(v3, v2)
        } else {
            // ½(v2/v1 + v3/v2) = (v2² + v1·v3) / (2·v1·v2), exact.
            Ratio::new(v2 * v2 + v1 * v3, 2 * v1 * v2)
        }
    };
    Some(g1.map_or(zero, growth_band))
}

/// The innovation score of CRITERIA §1 as a range, with judged sub-scores in place.
pub(super) fn innovation_score(ctx: &Ctx<'_>) -> Result<HteScore, InputError> {
    let p = ctx.p;
    let j = &p.judged;
    let mut a = Assumptions::default();
    let mut data_missing = false;

    // IP (≤ 30 after the bonus).
    let no_ip = matches!((p.ip.class_one, p.ip.class_two), (Some(0), Some(0)));
    if no_ip {
        a.insert(Assumption::NoIpItems);
    }
    let expert = if no_ip { (0, 0) } else { (0, 8) };
    if !no_ip && (j.ip_advancement.is_none() || j.ip_core_support.is_none()) {
        a.insert(Assumption::IpJudgement);
    }
    let ip_advancement = part(j.ip_advancement, expert, "ip_advancement", &no_why)?;
    let ip_core_support = part(j.ip_core_support, expert, "ip_core_support", &no_why)?;
    let class_one_counts = matches!(p.ip.class_one, Some(n) if n >= 1);
    if !class_one_counts && (p.ip.class_one.is_none() || p.ip.class_two.is_none()) {
        a.insert(Assumption::IpCountsUnknown);
        data_missing = true;
    }
    let (c1, c2) = (p.ip.class_one, p.ip.class_two);
    let ip_quantity = part(j.ip_quantity, quantity_band(c1, c2), "ip_quantity", &|| {
        BandWhy::IpCounts(c1, c2)
    })?;
    let acquisition = if no_ip {
        (0, 0)
    } else {
        match p.ip.own_rd {
            Some(true) => (1, 6),
            Some(false) => (1, 3),
            None => {
                a.insert(Assumption::OwnRdUnknown);
                (1, 6)
            }
        }
    };
    let ip_acquisition = part(
        j.ip_acquisition,
        acquisition,
        "ip_acquisition",
        &|| match p.ip.own_rd {
            Some(false) => BandWhy::TransferredOnly,
            _ => no_why(),
        },
    )?;
    let standards = match (p.ip.standards, p.direct_routes.led_standard_5y) {
        (Some(true), _) | (_, Some(true)) => (1, 2),
        (Some(false), _) => (0, 0),
        (None, _) => {
            a.insert(Assumption::StandardsUnknown);
            data_missing = true;
            (0, 2)
        }
    };
    let ip_standards = part(j.ip_standards, standards, "ip_standards", &no_why)?;
    let ip_parts = [
        ip_advancement,
        ip_core_support,
        ip_quantity,
        ip_acquisition,
        ip_standards,
    ];
    let ip = Part {
        low: ip_parts.iter().map(|x| x.low).sum::<u32>().min(30),
        high: ip_parts.iter().map(|x| x.high).sum::<u32>().min(30),
        judged: ip_parts.iter().all(|x| x.judged),
    };

    // Conversion of results (≤ 30), by the yearly average over the window.
    let w = ctx.window;
    let (conv_band, conv_sum, conv_years) = if p.conversions.is_empty() || w.len() == 0 {
        a.insert(Assumption::ConversionsUnknown);
        data_missing = true;
        ((0, 30), 0, 0)
    } else {
        // A year with no entry is unknown, not zero: any count is possible, so the average is
        // at least the known years' sum over the window and may be as high as any band.
        let sum: u64 = (w.first..=w.last)
            .map(|y| p.conversions.get(&y).copied().unwrap_or(0) as u64)
            .sum();
        let years = w.len() as u64;
        let band = conversion_band(sum, years);
        if (w.first..=w.last).any(|y| !p.conversions.contains_key(&y)) {
            a.insert(Assumption::ConversionYearsMissing);
            data_missing = true;
            ((band.0, 30), sum, years)
        } else {
            (band, sum, years)
        }
    };
    let conversion = part(j.conversion, conv_band, "conversion", &|| {
        if conv_years == 0 {
            return no_why();
        }
        BandWhy::Conversions {
            first: w.first,
            last: w.last,
            avg_hundredths: (conv_sum * 100 / conv_years) as i64,
        }
    })?;

    // R&D organisation (≤ 20).
    let m = &p.rd_management;
    let mut org = (0, 0);
    for (present, max) in [
        (m.system, 6),
        (m.institution, 6),
        (m.conversion_platform, 4),
        (m.talent, 4),
    ] {
        match present {
            Some(true) => {
                org.0 += 1;
                org.1 += max;
            }
            Some(false) => {}
            None => {
                org.1 += max;
                a.insert(Assumption::RdOrganisationUnknown);
                data_missing = true;
            }
        }
    }
    let rd_organisation = part(j.rd_organisation, org, "rd_organisation", &|| {
        BandWhy::RdOrganisation
    })?;

    // Growth (≤ 20).
    let na = growth(ctx, |y| y.net_assets, &mut a).unwrap_or_else(|| {
        a.insert(Assumption::NetAssetsGrowthUnknown);
        data_missing = true;
        (0, 10)
    });
    let sales = growth(ctx, |y| y.revenue, &mut a).unwrap_or_else(|| {
        a.insert(Assumption::SalesGrowthUnknown);
        data_missing = true;
        (0, 10)
    });
    let growth_net_assets = part(j.growth_net_assets, na, "growth_net_assets", &no_why)?;
    let growth_sales = part(j.growth_sales, sales, "growth_sales", &no_why)?;

    let parts = HteScoreParts {
        ip_advancement,
        ip_core_support,
        ip_quantity,
        ip_acquisition,
        ip_standards,
        ip,
        conversion,
        rd_organisation,
        growth_net_assets,
        growth_sales,
    };
    let total = [
        ip,
        conversion,
        rd_organisation,
        growth_net_assets,
        growth_sales,
    ];
    Ok(HteScore {
        range: ScoreRange {
            low: total.iter().map(|x| x.low).sum(),
            high: total.iter().map(|x| x.high).sum(),
        },
        parts,
        assumptions: a,
        data_missing,
    })
}

pub(super) mod explain;
#[cfg(test)]
mod tests;
