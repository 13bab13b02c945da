//! `tech-sme-2017` — 科技型中小企业 (国科发政〔2017〕115号; guideline 国科火字〔2022〕67号).
//!
//! CRITERIA §2. The score is exact (no expert judgement) from the latest fiscal year; it is a
//! range only while figures are missing. The score route needs ≥ 60 points *and* a staff part
//! above 0; any of the four direct routes passes `tsme.score` without it.

use super::detail::{Detail, Division, Fact, Missing, UsccState};
use super::hte_2016::{flag, pass_if, staff_facts};
use super::{Ctx, RuleSet};
use crate::core::error::InputError;
use crate::core::eval::{Assumption, Assumptions, Criterion, Evaluation, ScoreRange, Status};
use crate::core::money::Fen;
use crate::core::profile::{IndustryCode, PlatformLevel};
use crate::core::ratio::Ratio;

criterion_ids! {
    /// The criteria of `tech-sme-2017`.
    Resident => "tsme.resident",
    TaxCollection => "tsme.tax_collection",
    Size => "tsme.size",
    NotRestricted => "tsme.not_restricted",
    CleanRecord => "tsme.clean_record",
    Score => "tsme.score",
    DirectRoute => "tsme.direct_route",
}

/// A national rule set: its thresholds are fixed.
pub(super) const LOCAL: bool = false;

/// Head-count ceiling (含).
pub const MAX_EMPLOYEES: u32 = 500;
/// Revenue and total-assets ceiling (含): 2亿.
pub const MAX_AMOUNT: Fen = Fen::wan(20_000);
/// Passing score (含).
pub const PASS_SCORE: u32 = 60;
/// Staff share below which the staff part is 0 (10%).
pub const STAFF_FLOOR_BP: i64 = 1_000;
/// The GB/T 4754-2017 divisions 财税〔2015〕119号 §4 excludes from the R&D super deduction,
/// which the 2022 guideline (国科火字〔2022〕67号) bars from tech-SME evaluation: tobacco
/// manufacturing, accommodation, catering, wholesale, retail, real estate, leasing, business
/// services, entertainment.
pub const EXCLUDED_DIVISIONS: [(char, u8); 9] = [
    ('C', 16),
    ('F', 51),
    ('F', 52),
    ('H', 61),
    ('H', 62),
    ('K', 70),
    ('L', 71),
    ('L', 72),
    ('R', 90),
];

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let mut ev = Evaluation::new(RuleSet::TechSme2017, ctx.as_of, 7);
    ev.push(resident(ctx));
    ev.push(flag(
        Id::TaxCollection,
        ctx.p.flags.deemed_taxation,
        false,
        Fact::DeemedTaxation,
    ));
    ev.push(size(ctx));
    let (not_restricted, industry_checked) = not_restricted(ctx);
    ev.push(not_restricted);
    ev.push(clean_record(ctx));
    let routes = routes(ctx);
    let route = Status::any(&routes.map(Status::from_known));
    let s = score(ctx)?;
    let score_route = if s.staff_points == Some(0) || s.range.high < PASS_SCORE
    {
        Status::Fail
    } else if s.range.low >= PASS_SCORE && s.staff_low > 0 {
        Status::Pass
    } else {
        Status::Unknown
    };
    ev.push(Criterion::new(
        Id::Score,
        Status::any(&[route, score_route]),
        Detail::TsmeScore {
            low: s.range.low,
            high: s.range.high,
            staff_points: s.staff_points,
            tech: ctx.p.tech_staff,
            employees: ctx.p.employees,
            route: match route {
                Status::Pass => Some(true),
                Status::Fail => Some(false),
                Status::Unknown => None,
            },
            routes,
        },
    ));
    let [hte, award, provincial, standard] = routes;
    ev.push(Criterion {
        id: Id::DirectRoute.into(),
        status: route,
        detail: Detail::Routes {
            hte,
            award,
            provincial,
            standard,
        },
        informational: true,
    });
    ev.score = Some(s.range);
    ev.assumptions = s.assumptions;
    if !industry_checked {
        ev.assumptions.insert(Assumption::IndustryNotChecked);
    }
    Ok(ev)
}

/// The firm's division and whether it is excluded, when its industry code is recorded.
pub(super) fn division(ctx: &Ctx<'_>) -> Option<Division> {
    let code = IndustryCode::parse(ctx.p.industry_code.as_deref()?).ok()?;
    let d = code.division();
    let section = d.chars().next()?;
    let number: u8 = d[1..].parse().ok()?;
    Some(Division {
        section,
        number,
        excluded: EXCLUDED_DIVISIONS.contains(&(section, number)),
    })
}

/// Not restricted: the flag, and (2022 guideline) not an excluded division. Also returns
/// whether the exclusion list could be checked (an industry code is recorded).
fn not_restricted(ctx: &Ctx<'_>) -> (Criterion, bool) {
    let flag = ctx.p.flags.restricted_industry;
    let division = division(ctx);
    let id = Id::NotRestricted;
    let c = match (flag, division) {
        (None, None) => Criterion::missing(id, Missing::of(Fact::RestrictedIndustry)),
        _ => Criterion::new(
            id,
            Status::all(&[
                Status::from_known(flag.map(|v| !v)),
                // Without a code the flag alone decides (the evaluation says so).
                pass_if(!division.is_some_and(|d| d.excluded)),
            ]),
            Detail::NotRestricted { flag, division },
        ),
    };
    (c, division.is_some())
}

/// What a USCC proves, without allocating: GB 32100-2015's alphabet and check character.
pub(super) fn uscc_state(raw: &str) -> UsccState {
    const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let s = raw.trim().as_bytes();
    if s.len() != 18 {
        return UsccState::Malformed;
    }
    let mut values = [0u32; 18];
    for (i, &c) in s.iter().enumerate() {
        let c = c.to_ascii_uppercase();
        match ALPHABET.iter().position(|&a| a == c) {
            Some(v) => values[i] = v as u32,
            None => return UsccState::Malformed,
        }
    }
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    if (31 - sum % 31) % 31 == values[17] {
        UsccState::Valid
    } else {
        UsccState::BadCheck
    }
}

fn resident(ctx: &Ctx<'_>) -> Criterion {
    match &ctx.p.uscc {
        None => Criterion::missing(Id::Resident, Missing::of(Fact::Uscc)),
        Some(code) => {
            let state = uscc_state(code);
            let status = if state == UsccState::Valid {
                Status::Pass
            } else {
                // Not proof either way: a person confirms the code (CRITERIA §4).
                Status::Unknown
            };
            Criterion::new(Id::Resident, status, Detail::Resident { state })
        }
    }
}

fn size(ctx: &Ctx<'_>) -> Criterion {
    let employees = ctx.p.employees;
    let revenue = ctx.latest_amount(Fact::Revenue).ok();
    let assets = ctx.latest_amount(Fact::TotalAssets).ok();
    let status = Status::all(&[
        Status::from_known(employees.map(|e| e <= MAX_EMPLOYEES)),
        Status::from_known(revenue.map(|r| r <= MAX_AMOUNT)),
        Status::from_known(assets.map(|a| a <= MAX_AMOUNT)),
    ]);
    Criterion::new(
        Id::Size,
        status,
        Detail::TsmeSize {
            year: ctx.latest(),
            employees,
            revenue,
            assets,
        },
    )
}

fn clean_record(ctx: &Ctx<'_>) -> Criterion {
    let incident = ctx.p.flags.major_incident;
    let dishonest = ctx.p.flags.dishonest;
    let status = Status::all(&[
        Status::from_known(incident.map(|v| !v)),
        Status::from_known(dishonest.map(|v| !v)),
    ]);
    Criterion::new(
        Id::CleanRecord,
        status,
        Detail::CleanRecord {
            incident,
            dishonest,
        },
    )
}

/// The four direct routes: valid HTE, national award, provincial R&D institution, standard.
fn routes(ctx: &Ctx<'_>) -> [Option<bool>; 4] {
    let r = &ctx.p.direct_routes;
    let platform = ctx.p.rd_platform.map(|l| l >= PlatformLevel::Provincial);
    let provincial = match (r.provincial_rd_center, platform) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        (None, None) => None,
    };
    [ctx.valid_hte(), r.award_5y, provincial, r.led_standard_5y]
}

/// The exact score (a range only while figures are missing).
struct Score {
    range: ScoreRange,
    staff_points: Option<u32>,
    staff_low: u32,
    assumptions: Assumptions,
}

/// Points by the highest step reached: `steps` are (basis points, points), highest first.
fn ladder(num: i64, den: i64, steps: &[(i64, u32); 5]) -> u32 {
    let Some(r) = Ratio::new(num as i128, den as i128) else {
        return 0;
    };
    steps
        .iter()
        .find(|(bp, _)| r >= Ratio::bp(*bp))
        .map_or(0, |&(_, pts)| pts)
}

const STAFF_STEPS: [(i64, u32); 5] = [
    (3_000, 20),
    (2_500, 16),
    (2_000, 12),
    (1_500, 8),
    (STAFF_FLOOR_BP, 4),
];
const RD_REVENUE_STEPS: [(i64, u32); 5] = [(600, 50), (500, 40), (400, 30), (300, 20), (200, 10)];
const RD_COST_STEPS: [(i64, u32); 5] = [
    (3_000, 50),
    (2_500, 40),
    (2_000, 30),
    (1_500, 20),
    (1_000, 10),
];

fn results_points(class_one: Option<u32>, class_two: Option<u32>) -> (u32, u32) {
    fn by_class_two(n: u32) -> u32 {
        match n {
            0 => 0,
            1 => 6,
            2 => 12,
            3 => 18,
            _ => 24,
        }
    }
    match (class_one, class_two) {
        (Some(n), _) if n >= 1 => (30, 30),
        (Some(_), Some(m)) => (by_class_two(m), by_class_two(m)),
        (Some(_), None) => (0, 24),
        (None, Some(m)) => (by_class_two(m), 30),
        (None, None) => (0, 30),
    }
}

fn score(ctx: &Ctx<'_>) -> Result<Score, InputError> {
    let mut a = Assumptions::default();

    let staff = match staff_facts(ctx, Id::Score.into())? {
        Ok((t, e)) => Some(ladder(t as i64, e as i64, &STAFF_STEPS)),
        Err(_) => None,
    };
    let staff_range = staff.map_or((0, 20), |p| (p, p));

    let rd = ctx.latest_amount(Fact::RdExpense).ok();
    let revenue = ctx.latest_amount(Fact::Revenue).ok();
    let cost = ctx.latest_amount(Fact::TotalCost).ok();
    let rd_range = match rd {
        None => (0, 50),
        Some(rd) => {
            let by_revenue = revenue.map(|r| {
                if r.0 == 0 {
                    a.insert(Assumption::ZeroRevenueLadder);
                }
                ladder(rd.0, r.0, &RD_REVENUE_STEPS)
            });
            let by_cost = cost.map(|c| {
                if c.0 == 0 {
                    a.insert(Assumption::ZeroCostLadder);
                }
                ladder(rd.0, c.0, &RD_COST_STEPS)
            });
            let low = by_revenue.unwrap_or(0).max(by_cost.unwrap_or(0));
            let high = if by_revenue.is_none() || by_cost.is_none() {
                50
            } else {
                low
            };
            (low, high)
        }
    };

    let results = results_points(ctx.p.ip.class_one, ctx.p.ip.class_two);

    Ok(Score {
        range: ScoreRange {
            low: staff_range.0 + rd_range.0 + results.0,
            high: staff_range.1 + rd_range.1 + results.1,
        },
        staff_points: staff,
        staff_low: staff_range.0,
        assumptions: a,
    })
}

pub(super) mod explain;
#[cfg(test)]
mod tests;
