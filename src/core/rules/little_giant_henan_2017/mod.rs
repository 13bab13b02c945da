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

pub(super) const REVENUE: &str = "giant.revenue";
pub(super) const GROWTH: &str = "giant.growth";
pub(super) const RD: &str = "giant.rd";
pub(super) const IP: &str = "giant.ip";
pub(super) const PLATFORM: &str = "giant.platform";

fn yuan(n: i64) -> Fen {
    Fen(n.saturating_mul(100))
}

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
    if revenue >= yuan(t.giant_revenue_yuan) && revenue < yuan(t.revenue_below_yuan) {
        Some(Tier::Giant)
    } else if revenue >= yuan(t.cultivating_revenue_yuan) && revenue < yuan(t.giant_revenue_yuan) {
        Some(Tier::Cultivating)
    } else {
        None
    }
}

fn revenue(ctx: &Ctx<'_>, t: &LittleGiantThresholds) -> (Criterion, Option<Tier>) {
    match ctx.latest_amount(Fact::Revenue) {
        Err(m) => (Criterion::missing(REVENUE, m), None),
        Ok(revenue) => {
            let tier = tier_of(revenue, t);
            (
                Criterion::new(
                    REVENUE,
                    pass_if(tier.is_some()),
                    Detail::TierRevenue {
                        year: ctx.latest(),
                        revenue,
                        min: yuan(t.cultivating_revenue_yuan),
                        giant: yuan(t.giant_revenue_yuan),
                        below: yuan(t.revenue_below_yuan),
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
            Err(m) => return Ok(Criterion::missing(GROWTH, m)),
        }
    }
    for (i, year) in [(0, last - 2), (1, last - 1)] {
        if v[i].0 == 0 {
            return Err(ctx.zero_in_year(year, Fact::Revenue, GROWTH));
        }
    }
    Ok(Criterion::new(
        GROWTH,
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
        Err(m) => return Ok(Criterion::missing(RD, m)),
    };
    let revenue = ctx.latest_amount(Fact::Revenue).ok();
    let cost = ctx.latest_amount(Fact::TotalCost).ok();
    if revenue.is_some_and(|r| r.0 == 0) && cost.is_some_and(|c| c.0 == 0) {
        return Err(ctx.zero_in_year(year, Fact::TotalCost, RD));
    }
    // A zero denominator on one side cannot pass that side; the other side decides.
    let side = |den: Option<Fen>, bp: i64| {
        Status::from_known(den.map(|d| d.0 > 0 && super::detail::at_least(rd.0, d.0, bp)))
    };
    let status = Status::any(&[side(revenue, t.rd_revenue_bp), side(cost, t.rd_cost_bp)]);
    Ok(Criterion::new(
        RD,
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
        return Criterion::missing(IP, Missing::of(Fact::IpCounts));
    }
    Criterion::new(
        IP,
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
            PLATFORM,
            Status::Pass,
            Detail::NotRequired {
                tier: Tier::Cultivating,
            },
        );
    }
    let giant = platform(ctx, PLATFORM, t.giant_platform);
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

#[cfg(test)]
mod tests {
    use super::super::testkit::{crit, crit_json, d, eval, eval_err, status, ProfileBuilder};
    use super::super::RuleSet;
    use super::*;
    use crate::core::profile::PlatformLevel;

    const GIANT: RuleSet = RuleSet::LittleGiantHenan2017;

    fn as_of() -> chrono::NaiveDate {
        d(2025, 5, 31)
    }

    /// Cultivating tier: 25 → 30 → 36 million (20% each year), R&D 5%, one IP item.
    fn ready() -> ProfileBuilder {
        ProfileBuilder::new()
            .founded(2015, 1, 1)
            .revenue(2022, 25_000_000)
            .revenue(2023, 30_000_000)
            .revenue(2024, 36_000_000)
            .rd(2024, 1_800_000)
            .total_cost(2024, 30_000_000)
            .ip(0, 1)
    }

    /// Giant tier: 125 → 150 → 180 million, R&D 5%, one Class I item, city platform.
    fn giant() -> ProfileBuilder {
        ProfileBuilder::new()
            .revenue(2022, 125_000_000)
            .revenue(2023, 150_000_000)
            .revenue(2024, 180_000_000)
            .rd(2024, 9_000_000)
            .total_cost(2024, 150_000_000)
            .ip(1, 0)
            .platform(PlatformLevel::City)
    }

    fn st(b: ProfileBuilder, id: &str) -> Status {
        status(&b.build(), GIANT, as_of(), id)
    }

    fn tier(revenue: i64) -> Option<Tier> {
        tier_of(yuan(revenue), &LittleGiantThresholds::default())
    }

    #[test]
    fn both_tiers_can_be_eligible_and_the_tier_is_reported() {
        let ev = eval(&ready().build(), GIANT, as_of());
        assert_eq!(ev.eligible, Some(true));
        assert_eq!(ev.to_json()["tier"], "cultivating");
        let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![REVENUE, GROWTH, RD, IP, PLATFORM]);
        let ev = eval(&giant().build(), GIANT, as_of());
        assert_eq!(ev.eligible, Some(true));
        assert_eq!(ev.to_json()["tier"], "giant");
        assert_eq!(ev.to_json()["thresholds"]["giant_platform"], "city");
    }

    #[test]
    fn tier_bounds_are_inclusive_below_and_exclusive_above() {
        assert_eq!(tier(9_999_999), None);
        assert_eq!(tier(10_000_000), Some(Tier::Cultivating));
        assert_eq!(tier(99_999_999), Some(Tier::Cultivating));
        assert_eq!(tier(100_000_000), Some(Tier::Giant));
        assert_eq!(tier(199_999_999), Some(Tier::Giant));
        assert_eq!(tier(200_000_000), None);
    }

    #[test]
    fn revenue_below_10_million_fails_with_the_gap_and_a_null_tier() {
        let ev = eval(&ready().revenue(2024, 9_999_999).build(), GIANT, as_of());
        assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, REVENUE)["gap_en"],
            "2024 revenue short by ¥1"
        );
        assert!(ev.to_json()["tier"].is_null());
    }

    #[test]
    fn revenue_at_200_million_is_too_large() {
        let ev = eval(&giant().revenue(2024, 200_000_000).build(), GIANT, as_of());
        assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
    }

    #[test]
    fn average_growth_exactly_20_percent_passes_and_one_yuan_less_fails() {
        assert_eq!(st(ready(), GROWTH), Status::Pass);
        let ev = eval(&ready().revenue(2024, 35_999_999).build(), GIANT, as_of());
        assert_eq!(crit(&ev, GROWTH).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, GROWTH)["gap_en"],
            "2024 sales short by ¥1 (with 2022 and 2023 unchanged)"
        );
        assert!(average_growth_met(yuan(100), yuan(100), yuan(140), 2_000));
        assert!(!average_growth_met(yuan(100), yuan(100), yuan(139), 2_000));
    }

    #[test]
    fn zero_sales_in_a_growth_denominator_is_bad_input() {
        let e = eval_err(&ready().revenue(2023, 0).build(), GIANT, as_of());
        assert_eq!(e.field, "financials[1].revenue");
        assert_eq!(e.code, "zero_denominator");
    }

    #[test]
    fn rd_passes_at_5_percent_of_revenue_or_25_percent_of_cost() {
        assert_eq!(st(ready(), RD), Status::Pass, "5% of revenue");
        let by_cost = ready().rd(2024, 1_000_000).total_cost(2024, 4_000_000);
        assert_eq!(st(by_cost, RD), Status::Pass, "25% of cost");
        let neither = ready().rd(2024, 1_799_999).total_cost(2024, 7_200_000);
        let ev = eval(&neither.build(), GIANT, as_of());
        assert_eq!(crit(&ev, RD).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, RD)["gap_en"],
            "R&D spending 2024 short by ¥1"
        );
    }

    #[test]
    fn rd_with_a_missing_side_that_could_pass_is_unknown() {
        let mut p = ready().rd(2024, 1_000_000).build();
        p.financials[2].total_cost = None;
        assert_eq!(status(&p, GIANT, as_of(), RD), Status::Unknown);
    }

    #[test]
    fn ip_by_tier() {
        assert_eq!(st(ready().ip(0, 1), IP), Status::Pass);
        assert_eq!(st(ready().ip(0, 0), IP), Status::Fail);
        assert_eq!(st(giant().ip(1, 0), IP), Status::Pass);
        assert_eq!(st(giant().ip(0, 3), IP), Status::Pass);
        let ev = eval(&giant().ip(0, 2).build(), GIANT, as_of());
        assert_eq!(crit(&ev, IP).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, IP)["gap_en"],
            "1 Class I IP item(s), or 1 more Class II item(s)"
        );
    }

    #[test]
    fn ip_with_an_undecided_tier_is_decided_only_where_both_tiers_agree() {
        let mut p = ready().ip(0, 2).build();
        p.financials[2].revenue = None;
        assert_eq!(status(&p, GIANT, as_of(), IP), Status::Unknown);
        p.ip.class_one = Some(1);
        assert_eq!(status(&p, GIANT, as_of(), IP), Status::Pass);
        p.ip.class_one = Some(0);
        p.ip.class_two = Some(0);
        assert_eq!(status(&p, GIANT, as_of(), IP), Status::Fail);
    }

    #[test]
    fn platform_is_needed_by_the_giant_tier_only() {
        assert_eq!(st(ready(), PLATFORM), Status::Pass);
        assert_eq!(st(giant(), PLATFORM), Status::Pass);
        let ev = eval(
            &giant().platform(PlatformLevel::None).build(),
            GIANT,
            as_of(),
        );
        assert_eq!(crit(&ev, PLATFORM).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, PLATFORM)["gap_en"],
            "a city-level or higher R&D platform"
        );
        let mut p = giant().platform(PlatformLevel::None).build();
        p.financials[2].revenue = None;
        assert_eq!(status(&p, GIANT, as_of(), PLATFORM), Status::Unknown);
    }
}
