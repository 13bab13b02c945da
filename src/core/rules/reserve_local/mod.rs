//! `reserve-local` — 高新技术企业后备库 (CRITERIA §3).
//!
//! There are no published Henan or Luohe criteria: the defaults are the bureau's own and the
//! evaluation says so (assumption `local_defaults`) and records the thresholds it used.

use super::detail::{Detail, Fact, Missing, NearPart};
use super::hte_2016::{self, core_ip, high_tech_share, innovation_score, rd_band, registered};
use super::{Ctx, RuleSet, ThresholdsUsed};
use crate::core::error::InputError;
use crate::core::eval::{Assumption, Criterion, Evaluation, Status};

criterion_ids! {
    /// The criteria of `reserve-local`.
    TechSmeCurrent => "reserve.tech_sme_current",
    NearHte => "reserve.near_hte",
    Registered => "reserve.registered",
    ScoreFloor => "reserve.score_floor",
}

/// A local rule set: the bureau edits its thresholds ([`super::ReserveThresholds`]).
pub(super) const LOCAL: bool = true;

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let t = ctx.t.reserve;
    let mut ev = Evaluation::new(RuleSet::ReserveLocal, ctx.as_of, 4);
    ev.push(tech_sme_current(ctx));
    ev.push(near_hte(ctx, t.margin_bp)?);
    ev.push(registered(ctx, Id::Registered, t.registered_days));
    let score = innovation_score(ctx)?;
    let (low, high) = (score.range.low, score.range.high);
    // The floor is on the conservative (low) end. A low end below it fails, unless the range
    // is wide for missing figures (not only for expert judgement) and could still reach it.
    let status = if low >= t.score_floor {
        Status::Pass
    } else if score.data_missing && high >= t.score_floor {
        Status::Unknown
    } else {
        Status::Fail
    };
    ev.push(Criterion::new(
        Id::ScoreFloor,
        status,
        Detail::Score {
            low,
            high,
            need: t.score_floor,
            data_missing: score.data_missing,
        },
    ));
    ev.score_parts = Some(score.parts);
    ev.assumptions = score.assumptions;
    ev.assumptions.extend(ctx.window_assumptions());
    ev.assumptions.insert(Assumption::LocalDefaults);
    ev.thresholds = Some(ThresholdsUsed::Reserve(t));
    Ok(ev)
}

fn tech_sme_current(ctx: &Ctx<'_>) -> Criterion {
    match &ctx.p.tech_sme {
        None => Criterion::missing(Id::TechSmeCurrent, Missing::of(Fact::TechSmeRegistration)),
        Some(r) => {
            let current = crate::core::stage::tech_sme_current(r.year, ctx.as_of);
            Criterion::new(
                Id::TechSmeCurrent,
                hte_2016::pass_if(current),
                Detail::TechSme {
                    year: r.year,
                    current,
                },
            )
        }
    }
}

/// The four HTE conditions, each met or within `margin_bp` below its ratio threshold.
fn near_hte(ctx: &Ctx<'_>, margin_bp: i64) -> Result<Criterion, InputError> {
    let staff = match hte_2016::staff_facts(ctx, Id::NearHte.into())? {
        Ok((tech, employees)) => NearPart::Known {
            num: tech as i64,
            den: employees as i64,
            need_bp: hte_2016::STAFF_BP,
        },
        Err(m) => NearPart::Missing(m),
    };
    let rd = match hte_2016::rd_facts(ctx) {
        Ok(f) => NearPart::Known {
            num: f.rd.0,
            den: f.revenue.0,
            need_bp: rd_band(f.latest).1,
        },
        Err(m) => NearPart::Missing(m),
    };
    let need_bp = hte_2016::HIGH_TECH_BP;
    let high_tech = match high_tech_share(ctx, need_bp) {
        Ok(Detail::HighTechShare {
            high_tech,
            total_income: Some(ti),
            ..
        }) => NearPart::Known {
            num: high_tech.0,
            den: ti.0,
            need_bp,
        },
        // Without 总收入 only a share of revenue below the margin decides (总收入 ≥ revenue).
        Ok(Detail::HighTechShare {
            year,
            high_tech,
            revenue,
            ..
        }) => {
            let part = NearPart::Known {
                num: high_tech.0,
                den: revenue.0,
                need_bp,
            };
            if part.status(margin_bp) == Status::Fail {
                part
            } else {
                NearPart::Missing(Missing::in_year(Fact::TotalIncome, year))
            }
        }
        Ok(_) => NearPart::Known {
            num: 0,
            den: 0,
            need_bp,
        },
        Err(m) => NearPart::Missing(m),
    };
    let core_ip = core_ip(ctx).status;
    let status = Status::all(&[
        staff.status(margin_bp),
        rd.status(margin_bp),
        high_tech.status(margin_bp),
        core_ip,
    ]);
    Ok(Criterion::new(
        Id::NearHte,
        status,
        Detail::NearHte {
            margin_bp,
            staff,
            rd,
            high_tech,
            core_ip,
        },
    ))
}

pub(super) mod explain;
#[cfg(test)]
mod tests;
