//! `gazelle-henan-2023` — 瞪羚企业 (CRITERIA §3).
//!
//! Growth is the two-year compound rate `(v3/v1)^½ − 1`; comparing it with `g` exactly is
//! `v3/v1 ≥ (1 + g)²`, i.e. `v3 · 10⁸ ≥ v1 · (10⁴ + g_bp)²` (15% → 1.3225), with no root taken.
//! The field list is not checked (the profile has no field), and the evaluation says so.

use super::detail::{at_least, Detail, Fact};
use super::hte_2016::pass_if;
use super::leader_local::amount_at_least;
use super::{Ctx, RuleSet, ThresholdsUsed};
use crate::core::error::InputError;
use crate::core::eval::{Assumption, Criterion, Evaluation, Status};
use crate::core::money::Fen;

criterion_ids! {
    /// The criteria of `gazelle-henan-2023`.
    Revenue => "gazelle.revenue",
    RdRatio => "gazelle.rd_ratio",
    Growth => "gazelle.growth",
    Base => "gazelle.base",
}

/// A local rule set: the bureau edits its thresholds ([`super::GazelleThresholds`]).
pub(super) const LOCAL: bool = true;

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let t = ctx.t.gazelle;
    let mut ev = Evaluation::new(RuleSet::GazelleHenan2023, ctx.as_of, 4);
    ev.push(amount_at_least(
        ctx,
        Id::Revenue.into(),
        Fen::from_yuan_saturating(t.revenue_above_yuan),
        true,
    ));
    ev.push(rd_ratio(ctx, t.rd_ratio_bp)?);
    ev.push(growth(ctx, t.growth_bp)?);
    ev.push(base(ctx));
    ev.assumptions.insert(Assumption::GazelleFieldNotChecked);
    ev.thresholds = Some(ThresholdsUsed::Gazelle(t));
    Ok(ev)
}

/// Latest-year R&D over latest-year revenue.
fn rd_ratio(ctx: &Ctx<'_>, need_bp: i64) -> Result<Criterion, InputError> {
    let revenue = match ctx.latest_amount(Fact::Revenue) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(Id::RdRatio, m)),
    };
    let rd = match ctx.latest_amount(Fact::RdExpense) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(Id::RdRatio, m)),
    };
    if revenue.0 == 0 {
        return Ok(no_sales(Id::RdRatio, ctx.latest()));
    }
    Ok(Criterion::new(
        Id::RdRatio,
        pass_if(at_least(rd.0, revenue.0, need_bp)),
        Detail::YearShare {
            year: ctx.latest(),
            num: rd,
            den: revenue,
            need_bp,
        },
    ))
}

/// No sales in `year`, where the criterion divides by them: it cannot be met.
fn no_sales(id: Id, year: i32) -> Criterion {
    Criterion::new(
        id,
        Status::Fail,
        Detail::NoDenominator {
            fact: Fact::Revenue,
            first: year,
            last: year,
        },
    )
}

/// `v3 · 10⁸ ≥ v1 · (10⁴ + need_bp)²`: two-year compound growth of at least `need_bp` a year.
pub(super) fn compound_growth_met(v1: Fen, v3: Fen, need_bp: i64) -> bool {
    let g = 10_000 + need_bp as i128;
    v3.0 as i128 * 100_000_000 >= v1.0 as i128 * g * g
}

fn growth(ctx: &Ctx<'_>, need_bp: i64) -> Result<Criterion, InputError> {
    let (first, last) = (ctx.latest() - 2, ctx.latest());
    let v1 = match ctx.amount(first, Fact::Revenue) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(Id::Growth, m)),
    };
    let v3 = match ctx.amount(last, Fact::Revenue) {
        Ok(v) => v,
        Err(m) => return Ok(Criterion::missing(Id::Growth, m)),
    };
    if v1.0 == 0 {
        return Ok(no_sales(Id::Growth, first));
    }
    Ok(Criterion::new(
        Id::Growth,
        pass_if(compound_growth_met(v1, v3, need_bp)),
        Detail::CompoundGrowth {
            first,
            last,
            v1,
            v3,
            need_bp,
        },
    ))
}

/// A valid HTE or a current tech-SME registration.
fn base(ctx: &Ctx<'_>) -> Criterion {
    let hte = ctx.valid_hte();
    let tech_sme = ctx.tech_sme_current();
    Criterion::new(
        Id::Base,
        Status::any(&[Status::from_known(hte), Status::from_known(tech_sme)]),
        Detail::Base { hte, tech_sme },
    )
}

pub(super) mod explain;
#[cfg(test)]
mod tests;
