//! `leader-local` — 创新龙头企业 (CRITERIA §3): chosen by the province from HTEs every three
//! years with no published floor; the defaults follow the 2024 cohort's profile.

use super::detail::{platform_rank, Detail, Fact, Missing};
use super::hte_2016::{pass_if, rd_ratio_with};
use super::{CriterionId, Ctx, RuleSet, ThresholdsUsed};
use crate::core::error::InputError;
use crate::core::eval::{Assumption, Criterion, Evaluation};
use crate::core::money::Fen;
use crate::core::profile::PlatformLevel;

criterion_ids! {
    /// The criteria of `leader-local`.
    ValidHte => "leader.valid_hte",
    Revenue => "leader.revenue",
    RdRatio => "leader.rd_ratio",
    Platform => "leader.platform",
}

/// A local rule set: the bureau edits its thresholds ([`super::LeaderThresholds`]).
pub(super) const LOCAL: bool = true;

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let t = ctx.t.leader;
    let mut ev = Evaluation::new(RuleSet::LeaderLocal, ctx.as_of, 4);
    ev.push(valid_hte(ctx, Id::ValidHte.into()));
    ev.push(amount_at_least(
        ctx,
        Id::Revenue.into(),
        Fen::from_yuan_saturating(t.revenue_yuan),
        false,
    ));
    ev.push(rd_ratio_with(ctx, Id::RdRatio.into(), Some(t.rd_ratio_bp)));
    ev.push(platform(ctx, Id::Platform.into(), t.platform));
    ev.assumptions.insert(Assumption::LocalDefaults);
    ev.thresholds = Some(ThresholdsUsed::Leader(t));
    Ok(ev)
}

/// A valid HTE certificate on the evaluation date (recorded certificate, else the flag).
pub(super) fn valid_hte(ctx: &Ctx<'_>, id: CriterionId) -> Criterion {
    match ctx.hte_source() {
        None => Criterion::missing(id, Missing::of(Fact::HteCertificate)),
        Some(source) => Criterion::new(
            id,
            pass_if(source.valid_on(ctx.as_of)),
            Detail::ValidHte { source },
        ),
    }
}

/// Latest revenue at least `bound` (or strictly above it).
pub(super) fn amount_at_least(
    ctx: &Ctx<'_>,
    id: CriterionId,
    bound: Fen,
    strict: bool,
) -> Criterion {
    match ctx.latest_amount(Fact::Revenue) {
        Err(m) => Criterion::missing(id, m),
        Ok(value) => Criterion::new(
            id,
            pass_if(if strict {
                value > bound
            } else {
                value >= bound
            }),
            Detail::Amount {
                year: ctx.latest(),
                value,
                bound,
                strict,
            },
        ),
    }
}

/// The best R&D platform at least `need`. Without `rd_platform`, a declared provincial R&D
/// centre counts as a provincial platform.
pub(super) fn platform(ctx: &Ctx<'_>, id: CriterionId, need: PlatformLevel) -> Criterion {
    let level = match ctx.p.rd_platform {
        Some(l) => Some(l),
        None if ctx.p.direct_routes.provincial_rd_center == Some(true) => {
            Some(PlatformLevel::Provincial)
        }
        None => None,
    };
    match level {
        None => Criterion::missing(id, Missing::of(Fact::RdPlatform)),
        // A declared provincial centre says nothing against a national platform.
        Some(l) if ctx.p.rd_platform.is_none() && platform_rank(l) < platform_rank(need) => {
            Criterion::missing(id, Missing::of(Fact::RdPlatform))
        }
        Some(l) => Criterion::new(
            id,
            pass_if(platform_rank(l) >= platform_rank(need)),
            Detail::Platform { level: l, need },
        ),
    }
}

pub(super) mod explain;
#[cfg(test)]
mod tests;
