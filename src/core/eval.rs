//! The result of evaluating a profile against a rule set: DESIGN §3's evaluation JSON.
//!
//! (Skeleton: the rules helper fills in criterion details, explanations and readiness.)

use super::error::Reason;
use super::rules::RuleSet;
use chrono::NaiveDate;
use serde::Serialize;

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

/// An inclusive score range; `low == high` for an exact score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScoreRange {
    /// Lowest possible total.
    pub low: u32,
    /// Highest possible total.
    pub high: u32,
}

/// One criterion of a rule set.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// CRITERIA.md's id, e.g. `hte.rd_ratio`.
    pub id: &'static str,
    /// Outcome.
    pub status: Status,
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
}

impl Evaluation {
    /// DESIGN §3's evaluation JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ruleset": self.ruleset.id(),
            "as_of": self.as_of.to_string(),
            "eligible": self.eligible,
            "score": self.score,
            "criteria": [],
            "readiness": self.readiness,
        })
    }

    /// One reason per failing or unknown criterion, for a guard's rejection.
    pub fn reasons_not_passing(&self) -> Vec<Reason> {
        Vec::new()
    }
}
