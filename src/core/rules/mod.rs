//! The rule sets of CRITERIA.md, one folder each, with exact bounds.
//!
//! [`evaluate`] checks the profile once for impossible figures, then runs the rule set. A
//! criterion whose data is missing is `unknown`; a ratio the rule needs whose denominator is
//! zero is bad input ([`InputError`] with code `zero_denominator`, naming the field). No f64 is
//! used in a verdict: every bound is an integer comparison ([`crate::core::ratio::Ratio`]).
//!
//! # Adding a rule set
//!
//! A rule set is one folder, `rules/<set>/`: `mod.rs` holds its checks (`evaluate`), its
//! criterion ids (`Id`, declared with `criterion_ids!`) and `LOCAL` (whether the bureau may
//! edit its thresholds); `explain.rs` its words (`label`, `required`, `words`, each an
//! exhaustive `match` on `Id`); `tests.rs` its tests. Then add one line to the `registry!`
//! below. Facts shared by several sets live in [`detail`], shared sentence pieces in
//! [`words`].

pub mod detail;
#[cfg(test)]
mod testkit;
pub(crate) mod words;

use super::error::{InputError, Text};
use super::eval::{Assumption, Assumptions, Criterion, Evaluation};
use super::money::Fen;
use super::profile::{FirmYear, PlatformLevel, Profile};
use chrono::{Datelike, NaiveDate};
use detail::{Fact, HteSource, Missing};
use serde::{Deserialize, Serialize};
use words::Words;

/// Declares a rule set's criterion ids: the `Id` enum, its stable strings (CRITERIA.md's ids,
/// read by outside checks, never to change) and the order of `Id::ALL`.
macro_rules! criterion_ids {
    ($(#[$doc:meta])* $($variant:ident => $id:literal,)+) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Id {
            $(#[doc = concat!("`", $id, "`.")] $variant,)+
        }

        impl Id {
            /// Every criterion of this rule set, in CRITERIA.md's order.
            pub const ALL: &'static [Id] = &[$(Id::$variant),+];

            /// The stable id, e.g. `hte.rd_ratio`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Id::$variant => $id,)+
                }
            }
        }

        impl AsRef<str> for Id {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}

/// The registry of rule sets: one line each (variant, folder, stable id). It declares the
/// folders and yields [`RuleSet`], [`CriterionId`] and the dispatch from either to the
/// folder's checks and words.
macro_rules! registry {
    ($($(#[$doc:meta])* $variant:ident => $module:ident, $id:literal;)+) => {
        $(pub mod $module;)+

        /// A versioned rule set.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum RuleSet {
            $($(#[$doc])* #[serde(rename = $id)] $variant,)+
        }

        impl RuleSet {
            /// Every rule set.
            pub const ALL: [RuleSet; [$($id),+].len()] = [$(RuleSet::$variant),+];

            /// Stable id, e.g. `hte-2016`.
            pub fn id(self) -> &'static str {
                match self {
                    $(RuleSet::$variant => $id,)+
                }
            }

            /// Whether the bureau may edit this rule set's thresholds.
            pub fn is_local(self) -> bool {
                match self {
                    $(RuleSet::$variant => $module::LOCAL,)+
                }
            }

            fn run(self, ctx: &Ctx<'_>) -> Result<Evaluation, InputError> {
                match self {
                    $(RuleSet::$variant => $module::evaluate(ctx),)+
                }
            }
        }

        /// A criterion of some rule set. It reads and writes as CRITERIA.md's stable string
        /// id (`hte.rd_ratio`), which is the evaluation JSON's `id`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CriterionId {
            $(#[doc = concat!("A criterion of `", $id, "`.")] $variant($module::Id),)+
        }

        impl CriterionId {
            /// The stable id, e.g. `hte.rd_ratio`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CriterionId::$variant(id) => id.as_str(),)+
                }
            }

            /// The rule set the criterion belongs to.
            pub fn ruleset(self) -> RuleSet {
                match self {
                    $(CriterionId::$variant(_) => RuleSet::$variant,)+
                }
            }

            /// Every criterion of every rule set.
            pub fn all() -> impl Iterator<Item = CriterionId> {
                std::iter::empty()
                    $(.chain($module::Id::ALL.iter().map(|&id| CriterionId::$variant(id))))+
            }

            /// The label, in Chinese and English.
            pub fn label(self) -> (&'static str, &'static str) {
                match self {
                    $(CriterionId::$variant(id) => $module::explain::label(id),)+
                }
            }

            /// The requirement in force, in Chinese and English.
            pub(crate) fn required(self, c: &Criterion, ev: &Evaluation) -> (String, String) {
                match self {
                    $(CriterionId::$variant(id) => $module::explain::required(id, c, ev),)+
                }
            }

            /// The actual value, the explaining sentence and the gap (never for a missing fact,
            /// which [`words::texts`] words the same way for every criterion).
            pub(crate) fn words(self, c: &Criterion, ev: &Evaluation) -> Words {
                match self {
                    $(CriterionId::$variant(id) => $module::explain::words(id, c, ev),)+
                }
            }
        }

        $(impl From<$module::Id> for CriterionId {
            fn from(id: $module::Id) -> CriterionId {
                CriterionId::$variant(id)
            }
        })+
    };
}

registry! {
    /// 高新技术企业, 国科发火〔2016〕32号.
    Hte2016 => hte_2016, "hte-2016";
    /// 科技型中小企业, 国科发政〔2017〕115号.
    TechSme2017 => tech_sme_2017, "tech-sme-2017";
    /// Local reserve-pool rules.
    ReserveLocal => reserve_local, "reserve-local";
    /// Local innovation-leader rules.
    LeaderLocal => leader_local, "leader-local";
    /// Henan gazelle rules.
    GazelleHenan2023 => gazelle_henan_2023, "gazelle-henan-2023";
    /// Henan tech little giant rules.
    LittleGiantHenan2017 => little_giant_henan_2017, "little-giant-henan-2017";
}

impl RuleSet {
    /// Parse an id; an unknown one is bad input naming the known ones.
    pub fn parse(s: &str) -> Result<RuleSet, InputError> {
        RuleSet::ALL
            .into_iter()
            .find(|r| r.id() == s.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = RuleSet::ALL.iter().map(|r| r.id()).collect();
                let (known_zh, known_en) = words::enumeration(&known);
                InputError::new(
                    "ruleset",
                    "unknown_ruleset",
                    Text::new("input.unknown_ruleset")
                        .plain("ruleset", s)
                        .words("known", known_zh, known_en),
                )
            })
    }
}

impl CriterionId {
    /// The criterion with this stable id, if any rule set has it.
    pub fn parse(s: &str) -> Option<CriterionId> {
        CriterionId::all().find(|c| c.as_str() == s)
    }
}

impl AsRef<str> for CriterionId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for CriterionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CriterionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CriterionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CriterionId, D::Error> {
        let s = String::deserialize(d)?;
        CriterionId::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown criterion id '{s}'")))
    }
}

/// `reserve-local` thresholds (the bureau's own; no published criteria).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReserveThresholds {
    /// How far below each HTE ratio threshold still counts as near, in basis points
    /// (100 = 1 percentage point).
    pub margin_bp: i64,
    /// Floor for the low end of the HTE innovation score.
    pub score_floor: u32,
    /// Calendar days registered.
    pub registered_days: i64,
}

impl Default for ReserveThresholds {
    fn default() -> Self {
        ReserveThresholds {
            margin_bp: 100,
            score_floor: 50,
            registered_days: 365,
        }
    }
}

/// `leader-local` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeaderThresholds {
    /// Latest revenue at least this many yuan (含).
    pub revenue_yuan: i64,
    /// Three-year R&D ratio at least this, basis points (含).
    pub rd_ratio_bp: i64,
    /// R&D platform at least this level.
    pub platform: PlatformLevel,
}

impl Default for LeaderThresholds {
    fn default() -> Self {
        LeaderThresholds {
            revenue_yuan: 300_000_000,
            rd_ratio_bp: 300,
            platform: PlatformLevel::Provincial,
        }
    }
}

/// `gazelle-henan-2023` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GazelleThresholds {
    /// Latest revenue strictly above this many yuan.
    pub revenue_above_yuan: i64,
    /// Latest-year R&D/revenue at least this, basis points (含).
    pub rd_ratio_bp: i64,
    /// Two-year compound yearly revenue growth at least this, basis points (含).
    pub growth_bp: i64,
}

impl Default for GazelleThresholds {
    fn default() -> Self {
        GazelleThresholds {
            revenue_above_yuan: 50_000_000,
            rd_ratio_bp: 300,
            growth_bp: 1_500,
        }
    }
}

/// `little-giant-henan-2017` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LittleGiantThresholds {
    /// Cultivating tier from this revenue (含), yuan.
    pub cultivating_revenue_yuan: i64,
    /// Giant tier from this revenue (含), yuan; the cultivating tier ends below it.
    pub giant_revenue_yuan: i64,
    /// Both tiers end below this revenue, yuan.
    pub revenue_below_yuan: i64,
    /// Average yearly sales growth over the last two years at least this, basis points (含).
    pub growth_bp: i64,
    /// R&D at least this share of revenue, basis points (含) …
    pub rd_revenue_bp: i64,
    /// … or at least this share of total cost, basis points (含).
    pub rd_cost_bp: i64,
    /// IP items (Class I + II) related to the main product, cultivating tier.
    pub cultivating_ip_items: u32,
    /// Class I items that qualify a giant …
    pub giant_class_one: u32,
    /// … or Class II items that qualify a giant.
    pub giant_class_two: u32,
    /// Platform level a giant needs.
    pub giant_platform: PlatformLevel,
}

impl Default for LittleGiantThresholds {
    fn default() -> Self {
        LittleGiantThresholds {
            cultivating_revenue_yuan: 10_000_000,
            giant_revenue_yuan: 100_000_000,
            revenue_below_yuan: 200_000_000,
            growth_bp: 2_000,
            rd_revenue_bp: 500,
            rd_cost_bp: 2_500,
            cultivating_ip_items: 1,
            giant_class_one: 1,
            giant_class_two: 3,
            giant_platform: PlatformLevel::City,
        }
    }
}

/// Editable thresholds of the local rule sets; defaults are CRITERIA.md's. Ratios are basis
/// points and amounts whole yuan, so they stay exact and editable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// `reserve-local`.
    pub reserve: ReserveThresholds,
    /// `leader-local`.
    pub leader: LeaderThresholds,
    /// `gazelle-henan-2023`.
    pub gazelle: GazelleThresholds,
    /// `little-giant-henan-2017`.
    pub little_giant: LittleGiantThresholds,
}

/// The thresholds one local evaluation used, recorded in it so a list printed in March can be
/// explained in June.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdsUsed {
    /// `reserve-local`.
    Reserve(ReserveThresholds),
    /// `leader-local`.
    Leader(LeaderThresholds),
    /// `gazelle-henan-2023`.
    Gazelle(GazelleThresholds),
    /// `little-giant-henan-2017`.
    LittleGiant(LittleGiantThresholds),
}

impl ThresholdsUsed {
    /// The thresholds as JSON (same field names as [`Thresholds`]).
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            ThresholdsUsed::Reserve(t) => serde_json::to_value(t),
            ThresholdsUsed::Leader(t) => serde_json::to_value(t),
            ThresholdsUsed::Gazelle(t) => serde_json::to_value(t),
            ThresholdsUsed::LittleGiant(t) => serde_json::to_value(t),
        };
        v.unwrap_or(serde_json::Value::Null)
    }
}

/// Largest amount the core accepts: 10^14 yuan (far beyond any firm), so that exact products
/// of two amounts and a threshold stay inside `i128`.
use crate::core::profile::MAX_AMOUNT;
/// Largest growth threshold accepted, basis points (1,000% a year): with amounts up to
/// [`MAX_AMOUNT`], `2·v1·v2·(10⁴ + g)` stays well inside `i128`.
const MAX_GROWTH_BP: i64 = 100_000;

impl Thresholds {
    /// Check that every threshold is usable: ratios within 0–100%, amounts non-negative and
    /// ordered, growth within −100%…10,000%. The error names the field.
    pub fn validate(&self) -> Result<(), InputError> {
        let r = &self.reserve;
        share_bp("thresholds.reserve.margin_bp", r.margin_bp)?;
        non_negative("thresholds.reserve.registered_days", r.registered_days)?;
        if r.score_floor > 100 {
            return Err(bad_threshold(
                "thresholds.reserve.score_floor",
                "0–100",
                r.score_floor as i64,
            ));
        }
        let l = &self.leader;
        amount_yuan("thresholds.leader.revenue_yuan", l.revenue_yuan)?;
        share_bp("thresholds.leader.rd_ratio_bp", l.rd_ratio_bp)?;
        let g = &self.gazelle;
        amount_yuan(
            "thresholds.gazelle.revenue_above_yuan",
            g.revenue_above_yuan,
        )?;
        share_bp("thresholds.gazelle.rd_ratio_bp", g.rd_ratio_bp)?;
        growth_bp("thresholds.gazelle.growth_bp", g.growth_bp)?;
        let t = &self.little_giant;
        amount_yuan(
            "thresholds.little_giant.cultivating_revenue_yuan",
            t.cultivating_revenue_yuan,
        )?;
        amount_yuan(
            "thresholds.little_giant.giant_revenue_yuan",
            t.giant_revenue_yuan,
        )?;
        amount_yuan(
            "thresholds.little_giant.revenue_below_yuan",
            t.revenue_below_yuan,
        )?;
        if !(t.cultivating_revenue_yuan <= t.giant_revenue_yuan
            && t.giant_revenue_yuan <= t.revenue_below_yuan)
        {
            return Err(InputError::new(
                "thresholds.little_giant",
                "invalid_threshold",
                Text::new("input.little_giant_bounds_unordered"),
            ));
        }
        growth_bp("thresholds.little_giant.growth_bp", t.growth_bp)?;
        share_bp("thresholds.little_giant.rd_revenue_bp", t.rd_revenue_bp)?;
        share_bp("thresholds.little_giant.rd_cost_bp", t.rd_cost_bp)?;
        Ok(())
    }
}

fn bad_threshold(field: &str, allowed: &str, got: i64) -> InputError {
    InputError::new(
        field,
        "invalid_threshold",
        Text::new("input.threshold_out_of_range")
            .plain("field", field)
            .plain("allowed", allowed)
            .plain("value", got),
    )
}

fn share_bp(field: &str, v: i64) -> Result<(), InputError> {
    if (0..=10_000).contains(&v) {
        Ok(())
    } else {
        Err(bad_threshold(field, "0–10000", v))
    }
}

fn non_negative(field: &str, v: i64) -> Result<(), InputError> {
    if (0..=100_000).contains(&v) {
        Ok(())
    } else {
        Err(bad_threshold(field, "0–100000", v))
    }
}

fn amount_yuan(field: &str, v: i64) -> Result<(), InputError> {
    if v >= 0 && v <= MAX_AMOUNT.yuan() {
        Ok(())
    } else {
        Err(bad_threshold(field, "0–10^14", v))
    }
}

fn growth_bp(field: &str, v: i64) -> Result<(), InputError> {
    if (-9_999..=MAX_GROWTH_BP).contains(&v) {
        Ok(())
    } else {
        Err(bad_threshold(field, "-9999–100000", v))
    }
}

/// The fiscal years a rule reads: `first..=last`, where `last` is the year before the
/// evaluation year and `first` is two years earlier, or the founding year if later (a younger
/// firm uses the years it has). Empty when `first > last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub first: i32,
    pub last: i32,
}

impl Window {
    fn of(p: &Profile, as_of: NaiveDate) -> Window {
        let last = as_of.year() - 1;
        let first = match p.founded_on {
            Some(f) => (last - 2).max(f.year()),
            None => last - 2,
        };
        Window { first, last }
    }

    /// Number of years (0 when empty).
    pub fn len(self) -> i32 {
        (self.last - self.first + 1).max(0)
    }
}

/// What every rule reads: the profile, the date, the window and the local thresholds.
pub(crate) struct Ctx<'a> {
    pub p: &'a Profile,
    pub as_of: NaiveDate,
    pub window: Window,
    pub t: &'a Thresholds,
}

impl<'a> Ctx<'a> {
    pub fn new(p: &'a Profile, as_of: NaiveDate, t: &'a Thresholds) -> Ctx<'a> {
        Ctx {
            p,
            as_of,
            window: Window::of(p, as_of),
            t,
        }
    }

    /// The latest fiscal year a rule reads (the year before the evaluation year).
    pub fn latest(&self) -> i32 {
        self.window.last
    }

    /// Assumptions about the window.
    pub fn window_assumptions(&self) -> Assumptions {
        let mut a = Assumptions::default();
        if self.p.founded_on.is_none() {
            a.insert(Assumption::FoundedOnUnknown);
        } else if self.window.len() < 3 {
            a.insert(Assumption::YoungFirm);
        }
        a
    }

    fn year(&self, year: i32) -> Option<&'a FirmYear> {
        self.p.financials.iter().find(|y| y.year == year)
    }

    /// A yearly figure, or what is missing.
    pub fn amount(&self, year: i32, fact: Fact) -> Result<Fen, Missing> {
        self.year(year)
            .and_then(|y| figure(y, fact))
            .ok_or(Missing::in_year(fact, year))
    }

    /// A yearly figure of the latest year; a firm founded in the evaluation year has none.
    pub fn latest_amount(&self, fact: Fact) -> Result<Fen, Missing> {
        if self.window.len() == 0 {
            return Err(Missing::of(Fact::FiscalYear));
        }
        self.amount(self.latest(), fact)
    }

    /// The sum of a yearly figure over the window, or what is missing first.
    pub fn window_sum(&self, fact: Fact) -> Result<Fen, Missing> {
        if self.window.len() == 0 {
            return Err(Missing::of(Fact::FiscalYear));
        }
        let mut sum = 0i64;
        for year in self.window.first..=self.window.last {
            sum += self.amount(year, fact)?.0;
        }
        Ok(Fen(sum))
    }

    /// The firm's HTE status: a recorded certificate decides; otherwise the declared flag.
    pub fn hte_source(&self) -> Option<HteSource> {
        match &self.p.hte_certificate {
            Some(c) => Some(HteSource::Certificate {
                issued_on: c.issued_on,
                until: crate::core::stage::hte_valid_until(c.issued_on),
            }),
            None => self.p.direct_routes.valid_hte.map(HteSource::Declared),
        }
    }

    /// Whether the firm holds a valid HTE on the evaluation date.
    pub fn valid_hte(&self) -> Option<bool> {
        self.hte_source().map(|s| s.valid_on(self.as_of))
    }

    /// Whether the firm's tech-SME registration is current on the evaluation date.
    pub fn tech_sme_current(&self) -> Option<bool> {
        self.p
            .tech_sme
            .as_ref()
            .map(|r| crate::core::stage::tech_sme_current(r.year, self.as_of))
    }

    /// Bad input: the zero head count a staff ratio needs.
    pub fn zero_employees(&self, criterion: CriterionId) -> InputError {
        InputError::new(
            "employees",
            "zero_denominator",
            Text::new("input.zero_employees").plain("criterion", criterion),
        )
    }
}

fn figure(y: &FirmYear, fact: Fact) -> Option<Fen> {
    match fact {
        Fact::Revenue => y.revenue,
        Fact::RdExpense => y.rd_expense,
        Fact::RdExpenseDomestic => y.rd_expense_domestic,
        Fact::HighTechRevenue => y.high_tech_revenue,
        Fact::TotalCost => y.total_cost,
        Fact::TotalAssets => y.total_assets,
        Fact::TotalIncome => y.total_income,
        _ => None,
    }
}

/// Evaluate `profile` under `ruleset` as of `as_of`. `thresholds` are read by the local rule
/// sets and recorded in their evaluation. Bad input (impossible figures, a zero denominator a
/// rule needs, a judged sub-score outside its band, an unusable threshold) is an
/// [`InputError`] naming the field; there is never a partial result.
pub fn evaluate(
    profile: &Profile,
    ruleset: RuleSet,
    as_of: NaiveDate,
    thresholds: &Thresholds,
) -> Result<Evaluation, InputError> {
    profile.validate()?;
    if ruleset.is_local() {
        thresholds.validate()?;
    }
    let ctx = Ctx::new(profile, as_of, thresholds);
    let mut ev = ruleset.run(&ctx)?;
    ev.finish();
    Ok(ev)
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;

    #[test]
    fn every_rule_set_evaluates_an_empty_profile_to_unknown_not_a_panic() {
        let p = Profile::default();
        for rs in RuleSet::ALL {
            let ev = evaluate(&p, rs, d(2025, 5, 31), &Thresholds::default()).unwrap();
            assert_ne!(ev.eligible, Some(true), "{}", rs.id());
            let json = ev.to_json();
            assert_eq!(json["ruleset"], rs.id());
            assert!(json["criteria"].as_array().is_some_and(|a| !a.is_empty()));
        }
    }

    #[test]
    fn criterion_ids_round_trip_through_their_stable_strings() {
        let all: Vec<CriterionId> = CriterionId::all().collect();
        assert_eq!(all.len(), 33);
        for id in all {
            assert_eq!(CriterionId::parse(id.as_str()), Some(id));
            let json = serde_json::to_value(id).unwrap();
            assert_eq!(json, id.as_str());
            assert_eq!(serde_json::from_value::<CriterionId>(json).unwrap(), id);
            let (zh, en) = id.label();
            assert!(!zh.is_empty() && !en.is_empty(), "{id}");
        }
        assert_eq!(CriterionId::parse("hte.nope"), None);
        let hte: CriterionId = hte_2016::Id::RdRatio.into();
        assert_eq!(hte.as_str(), "hte.rd_ratio");
        assert_eq!(hte.ruleset(), RuleSet::Hte2016);
    }

    #[test]
    fn thresholds_default_to_criteria_numbers_and_fill_missing_fields() {
        let t: Thresholds = serde_json::from_str(r#"{"gazelle": {"growth_bp": 2000}}"#).unwrap();
        assert_eq!(t.gazelle.growth_bp, 2_000);
        assert_eq!(t.gazelle.rd_ratio_bp, 300);
        assert_eq!(t.gazelle.revenue_above_yuan, 50_000_000);
        assert_eq!(t.reserve.margin_bp, 100);
        assert_eq!(t.reserve.score_floor, 50);
        assert_eq!(t.leader.revenue_yuan, 300_000_000);
        assert_eq!(t.leader.platform, PlatformLevel::Provincial);
        assert_eq!(t.little_giant.giant_platform, PlatformLevel::City);
        assert_eq!(t.little_giant.revenue_below_yuan, 200_000_000);
    }

    #[test]
    fn an_unusable_threshold_is_bad_input_naming_it() {
        let mut t = Thresholds::default();
        t.reserve.margin_bp = -5;
        let e = evaluate(
            &Profile::default(),
            RuleSet::ReserveLocal,
            d(2025, 1, 1),
            &t,
        )
        .unwrap_err();
        assert_eq!(e.field, "thresholds.reserve.margin_bp");
        assert_eq!(e.code, "invalid_threshold");
        // National rule sets do not read local thresholds.
        assert!(evaluate(&Profile::default(), RuleSet::Hte2016, d(2025, 1, 1), &t).is_ok());
    }

    #[test]
    fn growth_thresholds_beyond_1000_percent_are_refused() {
        let mut t = Thresholds::default();
        t.little_giant.growth_bp = 100_001;
        let e = evaluate(
            &Profile::default(),
            RuleSet::LittleGiantHenan2017,
            d(2025, 1, 1),
            &t,
        )
        .unwrap_err();
        assert_eq!(e.field, "thresholds.little_giant.growth_bp");
    }

    #[test]
    fn negative_amounts_in_a_profile_built_in_code_are_bad_input() {
        let p = ProfileBuilder::new()
            .year(2024, |y| y.revenue = Some(Fen(-100)))
            .build();
        let e = evaluate(&p, RuleSet::Hte2016, d(2025, 1, 1), &Thresholds::default()).unwrap_err();
        assert_eq!(e.field, "financials[0].revenue");
        assert_eq!(e.code, "negative_amount");
    }

    #[test]
    fn implausibly_large_amounts_are_bad_input_not_an_overflow() {
        let p = ProfileBuilder::new()
            .year(2024, |y| y.revenue = Some(Fen(i64::MAX)))
            .build();
        let e = evaluate(
            &p,
            RuleSet::GazelleHenan2023,
            d(2025, 1, 1),
            &Thresholds::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, "implausible_amount");
    }

    #[test]
    fn the_window_is_the_three_years_before_the_evaluation_year() {
        let p = ProfileBuilder::new().founded(2016, 4, 1).build();
        let w = Window::of(&p, d(2025, 5, 31));
        assert_eq!((w.first, w.last), (2022, 2024));
        let young = ProfileBuilder::new().founded(2023, 7, 1).build();
        let w = Window::of(&young, d(2025, 5, 31));
        assert_eq!((w.first, w.last, w.len()), (2023, 2024, 2));
        let unknown = Profile::default();
        assert_eq!(Window::of(&unknown, d(2025, 1, 1)).first, 2022);
    }

    fn profiles() -> Vec<Profile> {
        vec![
            Profile::from_json(WORKED).expect("worked example parses"),
            ProfileBuilder::worked_example().build(),
            ProfileBuilder::new().build(),
            ProfileBuilder::hte_ready()
                .uscc("914403001922038216")
                .tech_sme(2025)
                .hte_certificate(2023, 11, 1)
                .platform(PlatformLevel::Provincial)
                .build(),
            ProfileBuilder::hte_ready()
                .uscc("9144")
                .tech_sme(2022)
                .hte_certificate(2019, 1, 1)
                .platform(PlatformLevel::City)
                .no_routes()
                .build(),
            ProfileBuilder::new()
                .founded(2025, 1, 1)
                .staff(10, 1)
                .revenue(2024, 1_000_000)
                .rd(2024, 10_000)
                .ip(0, 0)
                .clean_flags()
                .build(),
        ]
    }

    #[test]
    fn every_criterion_has_actual_and_required_in_chinese_and_english() {
        let mut seen = [0usize; RuleSet::ALL.len()];
        for p in profiles() {
            for (i, rs) in RuleSet::ALL.into_iter().enumerate() {
                for as_of in [d(2025, 5, 31), d(2026, 6, 30)] {
                    let Ok(ev) = evaluate(&p, rs, as_of, &Default::default()) else {
                        continue;
                    };
                    for c in criteria(&ev.to_json()) {
                        let id = &c["id"];
                        for key in ["actual_zh", "required_zh", "actual_en", "required_en"] {
                            let s = c[key].as_str().unwrap_or_default();
                            assert!(!s.is_empty(), "{} {id} {key} empty", rs.id());
                            if key.ends_with("_zh") {
                                assert!(
                                    !s.chars().any(|ch| ch.is_ascii_alphabetic()),
                                    "{} {id} {key} has English: {s:?}",
                                    rs.id()
                                );
                            }
                        }
                        assert_eq!(c["actual_en"], c["actual"], "{id}");
                        assert_eq!(c["required_en"], c["required"], "{id}");
                        seen[i] += 1;
                    }
                }
            }
        }
        // Every rule set was rendered for several profiles.
        for (rs, n) in RuleSet::ALL.iter().zip(seen) {
            assert!(n >= 20, "{}: only {n} criteria checked", rs.id());
        }
    }

    mod properties {
        use super::super::testkit::d;
        use super::super::*;
        use crate::core::eval::Status;
        use crate::core::profile::{FirmYear, Profile};
        use proptest::prelude::*;

        fn amount(max: i64) -> impl Strategy<Value = Option<Fen>> {
            prop_oneof![
                1 => Just(None),
                1 => Just(Some(Fen(0))),
                6 => (0..=max).prop_map(|y| Some(Fen(y * 100))),
            ]
        }

        prop_compose! {
            fn firm_year(year: i32)(
                revenue in amount(500_000_000),
                rd in amount(50_000_000),
                share in 0u32..=100,
                high in 0u32..=100,
                total_cost in amount(500_000_000),
                total_assets in amount(900_000_000),
                net in proptest::option::of(-100_000_000i64..900_000_000),
            ) -> FirmYear {
                let part = |v: Option<Fen>, pct: u32| v.map(|f| Fen(f.0 / 100 * pct as i64));
                FirmYear {
                    year,
                    revenue,
                    rd_expense: rd,
                    rd_expense_domestic: part(rd, share),
                    high_tech_revenue: part(revenue, high),
                    total_cost,
                    total_assets,
                    net_assets: net.map(|y| Fen(y * 100)),
                    total_income: None,
                }
            }
        }

        prop_compose! {
            fn profile()(
                employees in proptest::option::of(0u32..800),
                tech_pct in 0u32..=100,
                founded in proptest::option::of(2005i32..=2025),
                years in (firm_year(2021), firm_year(2022), firm_year(2023), firm_year(2024)),
                keep in proptest::collection::vec(any::<bool>(), 4),
                ip in (proptest::option::of(0u32..3), proptest::option::of(0u32..8)),
                flags in proptest::collection::vec(proptest::option::of(any::<bool>()), 8),
                conv in proptest::collection::vec(0u32..7, 3),
                registered in proptest::option::of(2022i32..=2025),
            ) -> Profile {
                let mut p = Profile {
                    employees,
                    tech_staff: employees.map(|e| e * tech_pct / 100),
                    founded_on: founded.map(|y| d(y, 6, 1)),
                    ..Profile::default()
                };
                let all = [years.0, years.1, years.2, years.3];
                p.financials = all.into_iter().zip(keep).filter(|(_, k)| *k).map(|(y, _)| y).collect();
                p.ip.class_one = ip.0;
                p.ip.class_two = ip.1;
                p.ip.own_rd = flags[0];
                p.flags.key_field = flags[1];
                p.flags.core_ip = flags[2];
                p.flags.major_incident = flags[3];
                p.flags.dishonest = flags[4];
                p.flags.restricted_industry = flags[5];
                p.direct_routes.valid_hte = flags[6];
                p.rd_management.system = flags[7];
                for (i, n) in conv.into_iter().enumerate() {
                    p.conversions.insert(2022 + i as i32, n);
                }
                p.tech_sme = registered.map(|year| crate::core::profile::TechSmeRegistration {
                    year,
                    reg_no: None,
                });
                p
            }
        }

        /// A percentage as displayed (`4.99%`), or `None` for anything else.
        fn shown_pct(s: &str) -> Option<f64> {
            let s = s.trim().trim_start_matches('≥').trim();
            let n = s.strip_suffix('%')?;
            n.parse().ok()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// For ratios near any bound, a failing criterion's displayed actual never equals or
            /// passes its displayed requirement.
            #[test]
            fn a_failing_ratio_is_never_displayed_at_or_past_its_bound(
                den in 1i64..2_000_000_000,
                bp in prop::sample::select(vec![200i64, 300, 400, 500, 600, 1_000, 1_500, 2_000, 2_500, 3_000, 6_000]),
                delta in -3i64..=3,
                staff_den in 1u32..100_000,
                staff_delta in -2i64..=2,
            ) {
                let num = ((den as i128 * bp as i128 / 10_000) as i64 + delta).clamp(0, den);
                let tech = ((staff_den as i64 * bp / 10_000) + staff_delta).clamp(0, staff_den as i64) as u32;
                let mut p = Profile {
                    founded_on: Some(d(2023, 6, 1)),
                    employees: Some(staff_den),
                    tech_staff: Some(tech),
                    ..Profile::default()
                };
                p.financials.push(FirmYear {
                    year: 2024,
                    revenue: Some(Fen(den)),
                    rd_expense: Some(Fen(num)),
                    rd_expense_domestic: Some(Fen(num * 6 / 10)),
                    high_tech_revenue: Some(Fen(num)),
                    total_cost: Some(Fen(den)),
                    total_assets: Some(Fen(den)),
                    net_assets: Some(Fen(den)),
                    total_income: Some(Fen(den)),
                });
                let mut t = Thresholds::default();
                t.gazelle.rd_ratio_bp = bp;
                t.little_giant.rd_revenue_bp = bp;
                t.little_giant.rd_cost_bp = bp;
                t.leader.rd_ratio_bp = bp;
                for rs in RuleSet::ALL {
                    let Ok(ev) = evaluate(&p, rs, d(2025, 5, 31), &t) else { continue };
                    let json = ev.to_json();
                    for c in json["criteria"].as_array().into_iter().flatten() {
                        if c["status"] != "fail" {
                            continue;
                        }
                        let (Some(a), Some(r)) = (
                            c["actual"].as_str().and_then(shown_pct),
                            c["required"].as_str().and_then(shown_pct),
                        ) else {
                            continue;
                        };
                        prop_assert!(a < r, "{} shows {} against {}", c["id"], c["actual"], c["required"]);
                    }
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn any_profile_gives_a_consistent_evaluation_or_a_named_input_error(p in profile()) {
                for rs in RuleSet::ALL {
                    match evaluate(&p, rs, d(2025, 5, 31), &Thresholds::default()) {
                        Err(e) => {
                            prop_assert!(!e.field.is_empty());
                            prop_assert!(!e.text.sketch(true).is_empty() && !e.text.sketch(false).is_empty());
                        }
                        Ok(ev) => {
                            let counted: Vec<Status> = ev
                                .criteria
                                .iter()
                                .filter(|c| !c.informational)
                                .map(|c| c.status)
                                .collect();
                            let expect = if counted.contains(&Status::Fail) {
                                Some(false)
                            } else if counted.contains(&Status::Unknown) {
                                None
                            } else {
                                Some(true)
                            };
                            prop_assert_eq!(ev.eligible, expect);
                            prop_assert!(ev.readiness <= 100);
                            prop_assert_eq!(ev.readiness == 100, ev.eligible == Some(true));
                            if let Some(s) = ev.score {
                                prop_assert!(s.low <= s.high && s.high <= 100);
                            }
                            let json = ev.to_json();
                            for c in json["criteria"].as_array().into_iter().flatten() {
                                let failing = c["status"] == "fail";
                                prop_assert_eq!(c["gap_en"].is_string(), failing, "{}", c["id"]);
                                prop_assert!(c["explain_en"].as_str().is_some_and(|t| !t.is_empty()));
                            }
                            prop_assert_eq!(
                                ev.reasons_not_passing().len(),
                                counted.iter().filter(|s| **s != Status::Pass).count()
                            );
                        }
                    }
                }
            }
        }
    }
}
