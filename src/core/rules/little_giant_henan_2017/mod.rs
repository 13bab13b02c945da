//! `little-giant-henan-2017` — 科技小巨人 (豫科〔2017〕156号; CRITERIA §3).
//!
//! The tier follows from the latest revenue: `cultivating` from 1000万 to below 1亿, `giant`
//! from 1亿 to below 2亿. The IP and platform conditions depend on the tier; while the tier is
//! undecided they are decided only where both tiers' rules agree.

use super::detail::{platform_rank, Detail, Fact, Missing};
use super::hte_2016::pass_if;
use super::leader_local::platform;
use super::{Ctx, LittleGiantThresholds, RuleSet, ThresholdsUsed};
use crate::core::error::InputError;
use crate::core::eval::{Criterion, Evaluation, Status, Tier};
use crate::core::money::Fen;

criterion_ids! {
    /// The criteria of `little-giant-henan-2017`.
    Revenue => "giant.revenue",
    Growth => "giant.growth",
    Rd => "giant.rd",
    Ip => "giant.ip",
    Platform => "giant.platform",
}

/// A local rule set: the bureau edits its thresholds ([`super::LittleGiantThresholds`]).
pub(super) const LOCAL: bool = true;

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let t = ctx.t.little_giant;
    let mut ev = Evaluation::new(RuleSet::LittleGiantHenan2017, ctx.as_of, 5);
    let (revenue_c, tier) = revenue(ctx, &t);
    ev.push(revenue_c);
    ev.push(growth(ctx, t.growth_bp)?);
    ev.push(rd(ctx, &t)?);
    ev.push(ip(ctx, &t, tier));
    ev.push(platform_by_tier(ctx, &t, tier));
    ev.tier = tier;
    ev.thresholds = Some(ThresholdsUsed::LittleGiant(t));
    Ok(ev)
}

/// The tier for a revenue, if it falls in one.
pub(super) fn tier_of(revenue: Fen, t: &LittleGiantThresholds) -> Option<Tier> {
    if revenue >= Fen::from_yuan_saturating(t.giant_revenue_yuan) && revenue < Fen::from_yuan_saturating(t.revenue_below_yuan) {
        Some(Tier::Giant)
    } else if revenue >= Fen::from_yuan_saturating(t.cultivating_revenue_yuan) && revenue < Fen::from_yuan_saturating(t.giant_revenue_yuan) {
        Some(Tier::Cultivating)
    } else {
        None
    }
}

fn revenue(ctx: &Ctx<'_>, t: &LittleGiantThresholds) -> (Criterion, Option<Tier>) {
    match ctx.latest_amount(Fact::Revenue) {
        Err(m) => (Criterion::missing(Id::Revenue, m), None),
        Ok(revenue) => {
            let tier = tier_of(revenue, t);
            (
                Criterion::new(
                    Id::Revenue,
                    pass_if(tier.is_some()),
                    Detail::TierRevenue {
                        year: ctx.latest(),
                        revenue,
                        min: Fen::from_yuan_saturating(t.cultivating_revenue_yuan),
                        giant: Fen::from_yuan_saturating(t.giant_revenue_yuan),
                        below: Fen::from_yuan_saturating(t.revenue_below_yuan),
                    },
                ),
                tier,
            )
        }
    }
}

/// `½(v2/v1 + v3/v2) − 1 ≥ g` ⇔ `(v2² + v1·v3) · 10⁴ ≥ 2·v1·v2·(10⁴ + g_bp)` for positive
/// `v1`, `v2`.
pub(super) fn average_growth_met(v1: Fen, v2: Fen, v3: Fen, need_bp: i64) -> bool {
    let (a, b, c) = (v1.0 as i128, v2.0 as i128, v3.0 as i128);
    (b * b + a * c) * 10_000 >= 2 * a * b * (10_000 + need_bp as i128)
}

fn growth(ctx: &Ctx<'_>, need_bp: i64) -> Result<Criterion, InputError> {
    let last = ctx.latest();
    let mut v = [Fen(0); 3];
    for (i, year) in (last - 2..=last).enumerate() {
        match ctx.amount(year, Fact::Revenue) {
            Ok(x) => v[i] = x,
            Err(m) => return Ok(Criterion::missing(Id::Growth, m)),
        }
    }
    for (i, year) in [(0, last - 2), (1, last - 1)] {
        if v[i].0 == 0 {
            // No sales to grow from: the average growth cannot be computed, nor met.
            return Ok(Criterion::new(
                Id::Growth,
                Status::Fail,
                Detail::NoDenominator {
                    fact: Fact::Revenue,
                    first: year,
                    last: year,
                },
            ));
        }
    }
    Ok(Criterion::new(
        Id::Growth,
        pass_if(average_growth_met(v[0], v[1], v[2], need_bp)),
        Detail::AverageGrowth {
            first: last - 2,
            last,
            v1: v[0],
            v2: v[1],
            v3: v[2],
            need_bp,
        },
    ))
}

/// R&D over revenue or over total cost, latest year; either suffices.
fn rd(ctx: &Ctx<'_>, t: &LittleGiantThresholds) -> Result<Criterion, InputError> {
    let year = ctx.latest();
    let rd = match ctx.latest_amount(Fact::RdExpense) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(Id::Rd, m)),
    };
    let revenue = ctx.latest_amount(Fact::Revenue).ok();
    let cost = ctx.latest_amount(Fact::TotalCost).ok();
    if revenue.is_some_and(|r| r.0 == 0) && cost.is_some_and(|c| c.0 == 0) {
        return Ok(Criterion::new(
            Id::Rd,
            Status::Fail,
            Detail::NoDenominator {
                fact: Fact::TotalCost,
                first: year,
                last: year,
            },
        ));
    }
    // A zero denominator on one side cannot pass that side; the other side decides.
    let side = |den: Option<Fen>, bp: i64| {
        Status::from_known(den.map(|d| d.0 > 0 && super::detail::at_least(rd.0, d.0, bp)))
    };
    let status = Status::any(&[side(revenue, t.rd_revenue_bp), side(cost, t.rd_cost_bp)]);
    Ok(Criterion::new(
        Id::Rd,
        status,
        Detail::RdEither {
            year,
            rd,
            revenue,
            cost,
            revenue_bp: t.rd_revenue_bp,
            cost_bp: t.rd_cost_bp,
        },
    ))
}

fn ip_status(tier: Tier, one: Option<u32>, two: Option<u32>, t: &LittleGiantThresholds) -> Status {
    match tier {
        Tier::Cultivating => {
            let need = t.cultivating_ip_items;
            match (one, two) {
                (Some(a), Some(b)) => pass_if(a.saturating_add(b) >= need),
                (Some(a), None) | (None, Some(a)) if a >= need => Status::Pass,
                _ => Status::Unknown,
            }
        }
        Tier::Giant => Status::any(&[
            Status::from_known(one.map(|a| a >= t.giant_class_one)),
            Status::from_known(two.map(|b| b >= t.giant_class_two)),
        ]),
    }
}

/// Decided by the tier; undecided tier: only where both tiers agree.
fn agreed(tier: Option<Tier>, f: impl Fn(Tier) -> Status) -> Status {
    match tier {
        Some(t) => f(t),
        None => {
            let (a, b) = (f(Tier::Cultivating), f(Tier::Giant));
            if a == b {
                a
            } else {
                Status::Unknown
            }
        }
    }
}

fn ip(ctx: &Ctx<'_>, t: &LittleGiantThresholds, tier: Option<Tier>) -> Criterion {
    let (one, two) = (ctx.p.ip.class_one, ctx.p.ip.class_two);
    if one.is_none() && two.is_none() {
        return Criterion::missing(Id::Ip, Missing::of(Fact::IpCounts));
    }
    Criterion::new(
        Id::Ip,
        agreed(tier, |tr| ip_status(tr, one, two, t)),
        Detail::GiantIp {
            tier,
            class_one: one,
            class_two: two,
            cultivating_items: t.cultivating_ip_items,
            giant_class_one: t.giant_class_one,
            giant_class_two: t.giant_class_two,
        },
    )
}

fn platform_by_tier(ctx: &Ctx<'_>, t: &LittleGiantThresholds, tier: Option<Tier>) -> Criterion {
    if tier == Some(Tier::Cultivating) {
        return Criterion::new(
            Id::Platform,
            Status::Pass,
            Detail::NotRequired {
                tier: Tier::Cultivating,
            },
        );
    }
    let giant = platform(ctx, Id::Platform.into(), t.giant_platform);
    if tier == Some(Tier::Giant) {
        return giant;
    }
    // Undecided: the cultivating tier would pass, so only a passing platform is decided.
    match giant.detail {
        Detail::Platform { level, need } if platform_rank(level) >= platform_rank(need) => giant,
        _ => Criterion {
            status: Status::Unknown,
            ..giant
        },
    }
}

pub(super) mod explain;
#[cfg(test)]
mod tests;
