//! `leader-local` — 创新龙头企业 (CRITERIA §3): chosen by the province from HTEs every three
//! years with no published floor; the defaults follow the 2024 cohort's profile.

use super::detail::{platform_rank, Detail, Fact, Missing};
use super::hte_2016::{pass_if, rd_ratio_with};
use super::{Ctx, RuleSet, ThresholdsUsed};
use crate::core::error::InputError;
use crate::core::eval::{Assumption, Criterion, Evaluation};
use crate::core::money::Fen;
use crate::core::profile::PlatformLevel;

pub(super) const VALID_HTE: &str = "leader.valid_hte";
pub(super) const REVENUE: &str = "leader.revenue";
pub(super) const RD_RATIO: &str = "leader.rd_ratio";
pub(super) const PLATFORM: &str = "leader.platform";

pub(super) fn evaluate(ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
    let t = ctx.t.leader;
    let mut ev = Evaluation::new(RuleSet::LeaderLocal, ctx.as_of, 4);
    ev.push(valid_hte(ctx, VALID_HTE));
    ev.push(amount_at_least(
        ctx,
        REVENUE,
        Fen(t.revenue_yuan.saturating_mul(100)),
        false,
    ));
    ev.push(rd_ratio_with(ctx, RD_RATIO, Some(t.rd_ratio_bp))?);
    ev.push(platform(ctx, PLATFORM, t.platform));
    ev.assumptions.insert(Assumption::LocalDefaults);
    ev.thresholds = Some(ThresholdsUsed::Leader(t));
    Ok(ev)
}

/// A valid HTE certificate on the evaluation date (recorded certificate, else the flag).
pub(super) fn valid_hte(ctx: &Ctx<'_>, id: &'static str) -> Criterion {
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
    id: &'static str,
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
pub(super) fn platform(ctx: &Ctx<'_>, id: &'static str, need: PlatformLevel) -> Criterion {
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

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{evaluate, RuleSet, Thresholds};
    use super::*;
    use crate::core::eval::Status;

    const LEADER: RuleSet = RuleSet::LeaderLocal;

    fn as_of() -> chrono::NaiveDate {
        d(2025, 5, 31)
    }

    /// Revenue 3亿 a year, R&D exactly 3%, provincial platform, certificate from 2023.
    fn ready() -> ProfileBuilder {
        let mut b = ProfileBuilder::new()
            .founded(2010, 1, 1)
            .hte_certificate(2023, 11, 1)
            .platform(PlatformLevel::Provincial);
        for y in 2022..=2024 {
            b = b.revenue(y, 300_000_000).rd(y, 9_000_000);
        }
        b
    }

    fn st(b: ProfileBuilder, id: &str) -> Status {
        status(&b.build(), LEADER, as_of(), id)
    }

    #[test]
    fn a_firm_meeting_everything_is_eligible_and_records_its_thresholds() {
        let ev = eval(&ready().build(), LEADER, as_of());
        assert_eq!(ev.eligible, Some(true));
        let ids: Vec<&str> = ev.criteria.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![VALID_HTE, REVENUE, RD_RATIO, PLATFORM]);
        let t = &ev.to_json()["thresholds"];
        assert_eq!(t["revenue_yuan"], 300_000_000);
        assert_eq!(t["rd_ratio_bp"], 300);
        assert_eq!(t["platform"], "provincial");
    }

    #[test]
    fn a_certificate_is_valid_for_three_years_exclusive() {
        assert_eq!(
            st(ready().hte_certificate(2022, 6, 1), VALID_HTE),
            Status::Pass
        );
        let ev = eval(
            &ready().hte_certificate(2022, 5, 31).build(),
            LEADER,
            as_of(),
        );
        assert_eq!(crit(&ev, VALID_HTE).status, Status::Fail);
        assert!(crit_json(&ev, VALID_HTE)["explain_en"]
            .to_string()
            .contains("expired on 2025-05-31"));
    }

    #[test]
    fn without_a_certificate_the_declared_flag_decides_or_it_is_unknown() {
        let mut p = ready().build();
        p.hte_certificate = None;
        assert_eq!(status(&p, LEADER, as_of(), VALID_HTE), Status::Unknown);
        p.direct_routes.valid_hte = Some(true);
        assert_eq!(status(&p, LEADER, as_of(), VALID_HTE), Status::Pass);
        p.direct_routes.valid_hte = Some(false);
        assert_eq!(status(&p, LEADER, as_of(), VALID_HTE), Status::Fail);
    }

    #[test]
    fn revenue_exactly_300_million_passes_and_one_yuan_less_fails() {
        assert_eq!(st(ready(), REVENUE), Status::Pass);
        let ev = eval(&ready().revenue(2024, 299_999_999).build(), LEADER, as_of());
        assert_eq!(crit(&ev, REVENUE).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, REVENUE)["gap_en"],
            "2024 revenue short by ¥1"
        );
    }

    #[test]
    fn rd_ratio_exactly_3_percent_passes_and_one_yuan_less_fails() {
        assert_eq!(st(ready(), RD_RATIO), Status::Pass);
        assert_eq!(st(ready().rd(2024, 8_999_999), RD_RATIO), Status::Fail);
    }

    #[test]
    fn the_rd_threshold_is_editable() {
        let p = ready().build();
        let mut t = Thresholds::default();
        t.leader.rd_ratio_bp = 301;
        let ev = evaluate(&p, LEADER, as_of(), &t).expect("evaluates");
        assert_eq!(crit(&ev, RD_RATIO).status, Status::Fail);
        assert_eq!(crit_json(&ev, RD_RATIO)["required"], "≥ 3.01%");
    }

    #[test]
    fn platform_must_be_provincial_or_higher() {
        assert_eq!(
            st(ready().platform(PlatformLevel::National), PLATFORM),
            Status::Pass
        );
        let ev = eval(
            &ready().platform(PlatformLevel::City).build(),
            LEADER,
            as_of(),
        );
        assert_eq!(crit(&ev, PLATFORM).status, Status::Fail);
        assert_eq!(
            crit_json(&ev, PLATFORM)["gap_en"],
            "a provincial-level or higher R&D platform"
        );
        let mut p = ready().build();
        p.rd_platform = None;
        assert_eq!(status(&p, LEADER, as_of(), PLATFORM), Status::Unknown);
        p.direct_routes.provincial_rd_center = Some(true);
        assert_eq!(status(&p, LEADER, as_of(), PLATFORM), Status::Pass);
    }
}
