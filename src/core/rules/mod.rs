//! The rule sets of CRITERIA.md.
//!
//! (Skeleton: the rules helper fills in each rule set.)

use super::error::InputError;
use super::eval::Evaluation;
use super::profile::Profile;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A versioned rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RuleSet {
    /// 高新技术企业, 国科发火〔2016〕32号.
    #[serde(rename = "hte-2016")]
    Hte2016,
    /// 科技型中小企业, 国科发政〔2017〕115号.
    #[serde(rename = "tech-sme-2017")]
    TechSme2017,
    /// Local reserve-pool rules.
    #[serde(rename = "reserve-local")]
    ReserveLocal,
    /// Local innovation-leader rules.
    #[serde(rename = "leader-local")]
    LeaderLocal,
    /// Henan gazelle rules.
    #[serde(rename = "gazelle-henan-2023")]
    GazelleHenan2023,
    /// Henan tech little giant rules.
    #[serde(rename = "little-giant-henan-2017")]
    LittleGiantHenan2017,
}

impl RuleSet {
    /// Every rule set.
    pub const ALL: [RuleSet; 6] = [
        RuleSet::Hte2016,
        RuleSet::TechSme2017,
        RuleSet::ReserveLocal,
        RuleSet::LeaderLocal,
        RuleSet::GazelleHenan2023,
        RuleSet::LittleGiantHenan2017,
    ];

    /// Stable id, e.g. `hte-2016`.
    pub fn id(self) -> &'static str {
        match self {
            RuleSet::Hte2016 => "hte-2016",
            RuleSet::TechSme2017 => "tech-sme-2017",
            RuleSet::ReserveLocal => "reserve-local",
            RuleSet::LeaderLocal => "leader-local",
            RuleSet::GazelleHenan2023 => "gazelle-henan-2023",
            RuleSet::LittleGiantHenan2017 => "little-giant-henan-2017",
        }
    }

    /// Parse an id; an unknown one is bad input naming the known ones.
    pub fn parse(s: &str) -> Result<RuleSet, InputError> {
        RuleSet::ALL
            .into_iter()
            .find(|r| r.id() == s.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = RuleSet::ALL.iter().map(|r| r.id()).collect();
                InputError::new(
                    "ruleset",
                    "unknown_ruleset",
                    format!("未知的规则集“{s}”，可用：{}", known.join("、")),
                    format!("unknown rule set '{s}'; known: {}", known.join(", ")),
                )
            })
    }
}

/// Editable thresholds of the local rule sets; defaults are CRITERIA.md's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {}

/// Evaluate `profile` under `ruleset` as of `as_of`.
pub fn evaluate(
    _profile: &Profile,
    ruleset: RuleSet,
    as_of: NaiveDate,
    _thresholds: &Thresholds,
) -> Result<Evaluation, InputError> {
    Ok(Evaluation {
        ruleset,
        as_of,
        eligible: None,
        score: None,
        criteria: Vec::new(),
        readiness: 0,
    })
}
