//! The result of evaluating a profile against a rule set: DESIGN §3's evaluation JSON.
//!
//! An [`Evaluation`] holds numbers and enums only (see [`Detail`]); the words — labels,
//! actual and required values, the explaining sentence and the gap — are rendered on demand
//! by [`Evaluation::to_json`] and [`Evaluation::reasons_not_passing`]. This keeps a verdict
//! free of formatting, so that evaluating a whole city's firms stays cheap.
//!
//! # Readiness
//!
//! Readiness (0–100) says how close a firm is to the rule set, for ordering lists such as the
//! reserve pool. Each criterion that counts towards eligibility contributes a progress value in
//! `[0, 1]`:
//!
//! - `pass` → 1;
//! - `unknown` → ½;
//! - `fail` → how far the actual value is towards its threshold (actual ÷ required, clamped to
//!   `[0, 1]`; for ceilings such as the tech-SME size limits, required ÷ actual), times 0.9 so
//!   that a failing criterion never counts as met. Yes/no criteria that fail count 0.
//!
//! Readiness is `floor(100 × mean progress)`. It is exactly 100 only when every criterion
//! passes, i.e. when `eligible == Some(true)`. Informational criteria (`tsme.direct_route`) do
//! not count. Progress is computed in integer parts per million, so readiness is
//! deterministic; it is a ranking aid, never a verdict.

use super::error::Reason;
pub use super::rules::detail::{Detail, Fact, Missing};
use super::rules::words;
use super::rules::{CriterionId, RuleSet, ThresholdsUsed};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A criterion's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Met.
    Pass,
    /// Not met.
    Fail,
    /// Data missing or depends on expert judgement.
    Unknown,
}

impl Status {
    /// Stable id: `pass`, `fail` or `unknown`.
    pub fn id(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }

    /// Combine conditions that must all hold: any fail fails, else any unknown is unknown.
    pub fn all(items: &[Status]) -> Status {
        if items.contains(&Status::Fail) {
            Status::Fail
        } else if items.contains(&Status::Unknown) {
            Status::Unknown
        } else {
            Status::Pass
        }
    }

    /// Combine alternatives of which one suffices: any pass passes, else any unknown is unknown.
    pub fn any(items: &[Status]) -> Status {
        if items.contains(&Status::Pass) {
            Status::Pass
        } else if items.contains(&Status::Unknown) {
            Status::Unknown
        } else {
            Status::Fail
        }
    }

    /// `Some(true)` → pass, `Some(false)` → fail, `None` → unknown.
    pub fn from_known(v: Option<bool>) -> Status {
        match v {
            Some(true) => Status::Pass,
            Some(false) => Status::Fail,
            None => Status::Unknown,
        }
    }
}

/// An inclusive score range; `low == high` for an exact score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScoreRange {
    /// Lowest possible total.
    pub low: u32,
    /// Highest possible total.
    pub high: u32,
}

/// One criterion of a rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Criterion {
    /// CRITERIA.md's id, e.g. `hte.rd_ratio`.
    pub id: CriterionId,
    /// Outcome.
    pub status: Status,
    /// The facts behind the outcome, rendered into words only on demand.
    pub detail: Detail,
    /// Informational only: shown, but not part of `eligible` or readiness.
    pub informational: bool,
}

impl Criterion {
    /// A criterion that counts towards eligibility.
    pub fn new(id: impl Into<CriterionId>, status: Status, detail: Detail) -> Criterion {
        Criterion {
            id: id.into(),
            status,
            detail,
            informational: false,
        }
    }

    /// An unknown criterion for want of `missing`.
    pub fn missing(id: impl Into<CriterionId>, missing: Missing) -> Criterion {
        Criterion::new(id, Status::Unknown, Detail::Missing(missing))
    }

    /// Readiness progress in parts per million (see the module documentation).
    pub fn progress_ppm(&self) -> u32 {
        match self.status {
            Status::Pass => 1_000_000,
            Status::Unknown => 500_000,
            Status::Fail => self.detail.progress_ppm().min(1_000_000) * 9 / 10,
        }
    }
}

/// The little-giant tier decided by revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 培育 (cultivating): 1000万 ≤ revenue < 1亿 by default.
    Cultivating,
    /// 小巨人 (giant): 1亿 ≤ revenue < 2亿 by default.
    Giant,
}

impl Tier {
    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            Tier::Cultivating => "cultivating",
            Tier::Giant => "giant",
        }
    }
}

/// One part of the HTE innovation score: a range, or an expert's judged value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Part {
    /// Lowest possible points.
    pub low: u32,
    /// Highest possible points.
    pub high: u32,
    /// Whether an expert's judged value fixed it.
    pub judged: bool,
}

impl Part {
    /// A range from a band.
    pub const fn range(low: u32, high: u32) -> Part {
        Part {
            low,
            high,
            judged: false,
        }
    }

    /// An exact judged value.
    pub const fn judged(v: u32) -> Part {
        Part {
            low: v,
            high: v,
            judged: true,
        }
    }
}

/// The parts of the HTE innovation score (CRITERIA §1), for showing how the range arises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct HteScoreParts {
    /// IP: technical advancement (0–8).
    pub ip_advancement: Part,
    /// IP: core-support role (0–8).
    pub ip_core_support: Part,
    /// IP: quantity band.
    pub ip_quantity: Part,
    /// IP: how obtained.
    pub ip_acquisition: Part,
    /// IP: standards bonus.
    pub ip_standards: Part,
    /// IP total, capped at 30.
    pub ip: Part,
    /// Conversion of results (≤ 30).
    pub conversion: Part,
    /// R&D organisation (≤ 20).
    pub rd_organisation: Part,
    /// Growth of net assets (≤ 10).
    pub growth_net_assets: Part,
    /// Growth of sales (≤ 10).
    pub growth_sales: Part,
}

/// Something the evaluation had to assume, listed with the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Assumption {
    /// IP advancement and core-support role await expert judgement.
    IpJudgement,
    /// IP counts unknown: quantity 0–8.
    IpCountsUnknown,
    /// How the IP was obtained is unknown: 1–6.
    OwnRdUnknown,
    /// Standards participation unknown: bonus 0–2.
    StandardsUnknown,
    /// No IP items: the IP parts except the standards bonus score 0.
    NoIpItems,
    /// No conversion figures: 0–30.
    ConversionsUnknown,
    /// Some R&D-organisation items unknown.
    RdOrganisationUnknown,
    /// Net-asset figures missing: growth 0–10.
    NetAssetsGrowthUnknown,
    /// Sales figures missing: growth 0–10.
    SalesGrowthUnknown,
    /// The firm is younger than three fiscal years: fewer years are used.
    YoungFirm,
    /// Founding date unknown: three full fiscal years are expected.
    FoundedOnUnknown,
    /// Latest revenue is zero: the R&D/revenue ladder scores 0 (tech-SME).
    ZeroRevenueLadder,
    /// The gazelle field list is not checked (the profile has no field).
    GazelleFieldNotChecked,
    /// A local rule set with no published criteria: the thresholds are the bureau's own.
    LocalDefaults,
    /// Growth from only two years of figures: g = v2/v1 − 1 (*interpretation*).
    GrowthTwoYears,
    /// Net assets ≤ 0 in a growth denominator: the item scores 0 (*interpretation*).
    NonPositiveNetAssets,
    /// A zero first year: growth from the last two years, or 0 when only two are given.
    ZeroFirstYear,
    /// A window year with no conversion entry: unknown, the range its averages allow.
    ConversionYearsMissing,
    /// No industry code: the R&D-super-deduction exclusion list was not checked.
    IndustryNotChecked,
    /// Latest total cost is zero: the R&D/total-cost ladder scores 0 (tech-SME).
    ZeroCostLadder,
}

impl Assumption {
    const ALL: [Assumption; 20] = [
        Assumption::IpJudgement,
        Assumption::IpCountsUnknown,
        Assumption::OwnRdUnknown,
        Assumption::StandardsUnknown,
        Assumption::NoIpItems,
        Assumption::ConversionsUnknown,
        Assumption::RdOrganisationUnknown,
        Assumption::NetAssetsGrowthUnknown,
        Assumption::SalesGrowthUnknown,
        Assumption::YoungFirm,
        Assumption::FoundedOnUnknown,
        Assumption::ZeroRevenueLadder,
        Assumption::GazelleFieldNotChecked,
        Assumption::LocalDefaults,
        Assumption::GrowthTwoYears,
        Assumption::NonPositiveNetAssets,
        Assumption::ZeroFirstYear,
        Assumption::ConversionYearsMissing,
        Assumption::IndustryNotChecked,
        Assumption::ZeroCostLadder,
    ];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Assumption::IpJudgement => "ip_judgement",
            Assumption::IpCountsUnknown => "ip_counts_unknown",
            Assumption::OwnRdUnknown => "own_rd_unknown",
            Assumption::StandardsUnknown => "standards_unknown",
            Assumption::NoIpItems => "no_ip_items",
            Assumption::ConversionsUnknown => "conversions_unknown",
            Assumption::RdOrganisationUnknown => "rd_organisation_unknown",
            Assumption::NetAssetsGrowthUnknown => "net_assets_growth_unknown",
            Assumption::SalesGrowthUnknown => "sales_growth_unknown",
            Assumption::YoungFirm => "young_firm",
            Assumption::FoundedOnUnknown => "founded_on_unknown",
            Assumption::ZeroRevenueLadder => "zero_revenue_ladder",
            Assumption::GazelleFieldNotChecked => "gazelle_field_not_checked",
            Assumption::LocalDefaults => "local_defaults",
            Assumption::GrowthTwoYears => "growth_two_years",
            Assumption::NonPositiveNetAssets => "non_positive_net_assets",
            Assumption::ZeroFirstYear => "zero_first_year",
            Assumption::ConversionYearsMissing => "conversion_years_missing",
            Assumption::IndustryNotChecked => "industry_not_checked",
            Assumption::ZeroCostLadder => "zero_cost_ladder",
        }
    }
}

/// A small set of [`Assumption`]s (a bit set, so recording one costs nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Assumptions(u32);

impl Assumptions {
    /// Record `a`.
    pub fn insert(&mut self, a: Assumption) {
        self.0 |= 1 << (a as u8);
    }

    /// Whether `a` is recorded.
    pub fn contains(self, a: Assumption) -> bool {
        self.0 & (1 << (a as u8)) != 0
    }

    /// Add every assumption of `other`.
    pub fn extend(&mut self, other: Assumptions) {
        self.0 |= other.0;
    }

    /// The recorded assumptions in a stable order.
    pub fn iter(self) -> impl Iterator<Item = Assumption> {
        Assumption::ALL
            .into_iter()
            .filter(move |a| self.contains(*a))
    }

    /// Whether none is recorded.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The evaluation of one profile under one rule set on one date.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Which rule set.
    pub ruleset: RuleSet,
    /// Evaluated as of.
    pub as_of: NaiveDate,
    /// All pass → true; any fail → false; otherwise null.
    pub eligible: Option<bool>,
    /// HTE innovation score range, or the exact tech-SME score.
    pub score: Option<ScoreRange>,
    /// Criteria in CRITERIA.md's order.
    pub criteria: Vec<Criterion>,
    /// Readiness 0–100.
    pub readiness: u8,
    /// The parts of the HTE innovation score (HTE and reserve rule sets).
    pub score_parts: Option<HteScoreParts>,
    /// The local thresholds used (local rule sets only).
    pub thresholds: Option<ThresholdsUsed>,
    /// The little-giant tier, when decided.
    pub tier: Option<Tier>,
    /// What had to be assumed.
    pub assumptions: Assumptions,
}

impl Evaluation {
    /// An empty evaluation with room for `n` criteria.
    pub fn new(ruleset: RuleSet, as_of: NaiveDate, n: usize) -> Evaluation {
        Evaluation {
            ruleset,
            as_of,
            eligible: None,
            score: None,
            criteria: Vec::with_capacity(n),
            readiness: 0,
            score_parts: None,
            thresholds: None,
            tier: None,
            assumptions: Assumptions::default(),
        }
    }

    /// Add a criterion (in CRITERIA.md's order).
    pub fn push(&mut self, c: Criterion) {
        self.criteria.push(c);
    }

    /// Decide `eligible` and `readiness` from the criteria.
    pub fn finish(&mut self) {
        let counted = || self.criteria.iter().filter(|c| !c.informational);
        let statuses = counted().map(|c| c.status);
        let mut any_fail = false;
        let mut any_unknown = false;
        for s in statuses {
            match s {
                Status::Fail => any_fail = true,
                Status::Unknown => any_unknown = true,
                Status::Pass => {}
            }
        }
        self.eligible = if any_fail {
            Some(false)
        } else if any_unknown {
            None
        } else {
            Some(true)
        };
        let (n, sum) = counted().fold((0u64, 0u64), |(n, s), c| {
            (n + 1, s + c.progress_ppm() as u64)
        });
        self.readiness = if n == 0 {
            0
        } else {
            (sum * 100 / (n * 1_000_000)).min(100) as u8
        };
        if self.eligible != Some(true) && self.readiness >= 100 {
            self.readiness = 99;
        }
    }

    /// The criterion with `id`, if this rule set has it.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id.as_str() == id)
    }

    /// DESIGN §3's evaluation JSON: `ruleset`, `as_of`, `eligible`, `score`, `criteria` (each
    /// with `id`, `status`, `actual`, `required` (English; `actual_zh`/`actual_en` and
    /// `required_zh`/`required_en` give both languages), labels, explanations and, when failing, the
    /// gap), `readiness`, and extras: `score_parts`, `thresholds`, `tier`, `assumptions`.
    pub fn to_json(&self) -> Value {
        let criteria: Vec<Value> = self
            .criteria
            .iter()
            .map(|c| {
                let t = words::texts(c, self);
                let (label_zh, label_en) = c.id.label();
                let mut v = json!({
                    "id": c.id.as_str(),
                    "status": c.status.id(),
                    "actual_zh": t.actual_zh,
                    "actual_en": t.actual,
                    "required_zh": t.required_zh,
                    "required_en": t.required,
                    "actual": t.actual,
                    "required": t.required,
                    "label_zh": label_zh,
                    "label_en": label_en,
                    "explain_zh": t.explain_zh,
                    "explain_en": t.explain_en,
                    "gap_zh": t.gap_zh,
                    "gap_en": t.gap_en,
                });
                if c.informational {
                    v["informational"] = Value::Bool(true);
                }
                v
            })
            .collect();
        let mut out = json!({
            "ruleset": self.ruleset.id(),
            "as_of": self.as_of.to_string(),
            "eligible": self.eligible,
            "score": self.score.map(|s| json!({"low": s.low, "high": s.high})),
            "criteria": criteria,
            "readiness": self.readiness,
        });
        if let Some(parts) = &self.score_parts {
            out["score_parts"] = serde_json::to_value(parts).unwrap_or(Value::Null);
        }
        if let Some(t) = &self.thresholds {
            out["thresholds"] = t.to_json();
        }
        if self.ruleset == RuleSet::LittleGiantHenan2017 {
            out["tier"] = self.tier.map_or(Value::Null, |t| Value::from(t.id()));
        }
        out["assumptions"] = Value::Array(
            self.assumptions
                .iter()
                .map(|a| {
                    let (zh, en) = words::assumption(a);
                    json!({"code": a.code(), "zh": zh, "en": en})
                })
                .collect(),
        );
        out
    }

    /// One reason per failing or unknown criterion (informational ones excluded), with the
    /// explaining sentence and, when failing, the smallest change that would make it pass.
    /// The code is the criterion id.
    pub fn reasons_not_passing(&self) -> Vec<Reason> {
        self.reasons_of(|s| s != Status::Pass)
    }

    /// What keeps the profile from this rule set, most certain first: the reasons of
    /// [`Evaluation::reasons_not_passing`], the failing criteria before the unknown ones,
    /// each group in CRITERIA.md's order. A list that has room for one or two shows the first.
    pub fn blocking(&self) -> Vec<Reason> {
        let mut out = self.reasons_of(|s| s == Status::Fail);
        out.extend(self.reasons_of(|s| s == Status::Unknown));
        out
    }

    fn reasons_of(&self, keep: impl Fn(Status) -> bool) -> Vec<Reason> {
        self.criteria
            .iter()
            .filter(|c| !c.informational && keep(c.status))
            .map(|c| {
                let (zh, en) = words::reason(words::texts(c, self));
                Reason::words(c.id.as_str(), zh, en)
            })
            .collect()
    }

    /// The score's margin over its pass mark in points, on the conservative (low) end of the
    /// range: `hte.innovation_score` over 71, `reserve.score_floor` over the bureau's floor,
    /// the tech-SME score over 60; negative below the mark, `None` for a rule set without a
    /// score. Among firms of equal readiness, the larger margin is the safer candidate.
    pub fn score_margin(&self) -> Option<i32> {
        self.criteria.iter().find_map(|c| {
            let (low, need) = match c.detail {
                Detail::Score { low, need, .. } => (low, need),
                Detail::TsmeScore { low, .. } => (low, super::rules::tech_sme_2017::PASS_SCORE),
                _ => return None,
            };
            Some(i32::try_from(low).unwrap_or(i32::MAX) - i32::try_from(need).unwrap_or(i32::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::detail::Detail;
    use crate::core::rules::hte_2016::Id::KeyField;

    fn c(status: Status, detail: Detail) -> Criterion {
        Criterion::new(KeyField, status, detail)
    }

    fn eval_of(criteria: &[Criterion]) -> Evaluation {
        let as_of = NaiveDate::from_ymd_opt(2025, 5, 31).unwrap_or_default();
        let mut e = Evaluation::new(RuleSet::Hte2016, as_of, criteria.len());
        for x in criteria {
            e.push(*x);
        }
        e.finish();
        e
    }

    #[test]
    fn all_pass_is_eligible_with_readiness_100() {
        let e = eval_of(&[c(Status::Pass, Detail::Flag { value: true }); 3]);
        assert_eq!(e.eligible, Some(true));
        assert_eq!(e.readiness, 100);
    }

    #[test]
    fn one_unknown_makes_eligible_null_and_readiness_below_100() {
        let e = eval_of(&[
            c(Status::Pass, Detail::Flag { value: true }),
            c(
                Status::Unknown,
                Detail::Missing(Missing::of(Fact::KeyField)),
            ),
        ]);
        assert_eq!(e.eligible, None);
        assert_eq!(e.readiness, 75);
    }

    #[test]
    fn any_fail_makes_eligible_false_even_with_unknowns() {
        let e = eval_of(&[
            c(
                Status::Unknown,
                Detail::Missing(Missing::of(Fact::KeyField)),
            ),
            c(Status::Fail, Detail::Flag { value: false }),
        ]);
        assert_eq!(e.eligible, Some(false));
        assert_eq!(e.readiness, 25);
    }

    #[test]
    fn a_fail_a_hair_below_its_threshold_never_reaches_100() {
        let staff = Detail::StaffRatio {
            tech: 9_999,
            employees: 100_000,
            need_bp: 1_000,
        };
        let e = eval_of(&[c(Status::Fail, staff)]);
        assert_eq!(e.readiness, 89);
        let many: Vec<Criterion> = std::iter::once(c(Status::Fail, staff))
            .chain(std::iter::repeat_n(
                c(Status::Pass, Detail::Flag { value: true }),
                500,
            ))
            .collect();
        let e = eval_of(&many);
        assert_eq!(e.eligible, Some(false));
        assert!(e.readiness < 100);
    }

    #[test]
    fn informational_criteria_do_not_count() {
        let mut info = c(
            Status::Fail,
            Detail::Routes {
                hte: Some(false),
                award: Some(false),
                provincial: Some(false),
                standard: Some(false),
            },
        );
        info.informational = true;
        let e = eval_of(&[c(Status::Pass, Detail::Flag { value: true }), info]);
        assert_eq!(e.eligible, Some(true));
        assert_eq!(e.readiness, 100);
        assert!(e.reasons_not_passing().is_empty());
    }

    #[test]
    fn blocking_lists_failing_criteria_before_unknown_ones_in_criteria_order() {
        use crate::core::rules::hte_2016::Id;
        let e = eval_of(&[
            Criterion::missing(Id::CoreIp, Missing::of(Fact::CoreIpFlag)),
            Criterion::new(Id::KeyField, Status::Fail, Detail::Flag { value: false }),
            Criterion::new(
                Id::TechStaffRatio,
                Status::Pass,
                Detail::Flag { value: true },
            ),
            Criterion::new(
                Id::TechStaffRatio,
                Status::Fail,
                Detail::StaffRatio {
                    tech: 5,
                    employees: 120,
                    need_bp: 1_000,
                },
            ),
        ]);
        let codes: Vec<String> = e.blocking().into_iter().map(|r| r.code).collect();
        assert_eq!(
            codes,
            ["hte.key_field", "hte.tech_staff_ratio", "hte.core_ip"]
        );
        assert_eq!(e.reasons_not_passing().len(), 3, "the same reasons");
    }

    #[test]
    fn the_score_margin_is_the_low_end_over_the_pass_mark() {
        use crate::core::rules::hte_2016::Id;
        let score = |low, high| {
            Criterion::new(
                Id::InnovationScore,
                Status::Unknown,
                Detail::Score {
                    low,
                    high,
                    need: 71,
                    data_missing: false,
                },
            )
        };
        assert_eq!(eval_of(&[score(64, 78)]).score_margin(), Some(-7));
        assert_eq!(eval_of(&[score(75, 80)]).score_margin(), Some(4));
        assert_eq!(
            eval_of(&[c(Status::Pass, Detail::Flag { value: true })]).score_margin(),
            None,
            "no score"
        );
    }

    #[test]
    fn assumptions_iterate_in_a_stable_order() {
        let mut a = Assumptions::default();
        a.insert(Assumption::LocalDefaults);
        a.insert(Assumption::IpJudgement);
        let codes: Vec<&str> = a.iter().map(Assumption::code).collect();
        assert_eq!(codes, vec!["ip_judgement", "local_defaults"]);
    }
}
