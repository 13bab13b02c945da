//! The facts of a firm's record: the record flags (a major incident, a restricted industry, the
//! dishonest lists, deemed taxation) and the tech-SME direct routes other than the HTE
//! certificate. Bureau and county staff set them (and the administrator); a firm user or an
//! advisor may not, and every change is marked with who made it and when
//! (`firm_fact_marks`). The valid-HTE route is no fact anyone sets: it follows from a
//! recorded, current HTE certificate (`store::profile`).

use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::stage::Role;
use crate::store::fact_marks::{self, FactMark};
use crate::store::firms::FirmFacts;
use crate::store::DbConn;
use chrono::NaiveDateTime;

/// The record facts, in the order the forms and the firm page show them.
pub const RECORD_FACTS: [&str; 7] = [
    "major_incident",
    "restricted_industry",
    "dishonest",
    "deemed_taxation",
    "provincial_rd_center",
    "award_5y",
    "led_standard_5y",
];

/// Whether `role` may set the record facts: bureau staff, county officers (in their
/// territory, which the edit right already checks) and the administrator.
pub fn may_set_record(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Bureau | Role::County)
}

/// The value of record fact `fact` in `facts` (`None` for an unknown id).
pub fn value_of(facts: &FirmFacts, fact: &str) -> Option<bool> {
    let (f, d) = (&facts.flags, &facts.direct_routes);
    match fact {
        "major_incident" => f.major_incident,
        "restricted_industry" => f.restricted_industry,
        "dishonest" => f.dishonest,
        "deemed_taxation" => f.deemed_taxation,
        "provincial_rd_center" => d.provincial_rd_center,
        "award_5y" => d.award_5y,
        "led_standard_5y" => d.led_standard_5y,
        _ => None,
    }
}

fn set(facts: &mut FirmFacts, fact: &str, v: Option<bool>) {
    let (f, d) = (&mut facts.flags, &mut facts.direct_routes);
    let slot = match fact {
        "major_incident" => &mut f.major_incident,
        "restricted_industry" => &mut f.restricted_industry,
        "dishonest" => &mut f.dishonest,
        "deemed_taxation" => &mut f.deemed_taxation,
        "provincial_rd_center" => &mut d.provincial_rd_center,
        "award_5y" => &mut d.award_5y,
        "led_standard_5y" => &mut d.led_standard_5y,
        _ => return,
    };
    *slot = v;
}

/// Changes to the record facts: `(fact id, new value)`, a fact left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordPatch(pub Vec<(&'static str, Option<bool>)>);

impl RecordPatch {
    /// Every record fact set to its value in `facts` (a whole form's worth).
    pub fn whole(facts: &FirmFacts) -> RecordPatch {
        RecordPatch(
            RECORD_FACTS
                .iter()
                .map(|f| (*f, value_of(facts, f)))
                .collect(),
        )
    }

    /// Write every value of this patch into `facts`, unchecked (a new firm's facts, before
    /// [`apply`]'s check at creation).
    pub fn set_all(&self, facts: &mut FirmFacts) {
        for (f, v) in &self.0 {
            set(facts, f, *v);
        }
    }

    /// The facts whose value this patch changes in `facts`.
    pub fn changes(&self, facts: &FirmFacts) -> Vec<(&'static str, Option<bool>)> {
        self.0
            .iter()
            .filter(|(f, v)| value_of(facts, f) != *v)
            .copied()
            .collect()
    }
}

/// Apply `patch` to `facts` as `p`: `Forbidden` (and `facts` untouched) when it changes a
/// value and `p` may not set the record; otherwise the facts it changed, to mark with
/// [`mark`]. Sending the values as they stand changes nothing and is allowed to anyone.
pub fn apply(
    facts: &mut FirmFacts,
    patch: &RecordPatch,
    p: &Principal,
) -> Result<Vec<(&'static str, Option<bool>)>, AppError> {
    let changed = patch.changes(facts);
    if !changed.is_empty() && !may_set_record(p.role) {
        return Err(AppError::Forbidden);
    }
    for (f, v) in &changed {
        set(facts, f, *v);
    }
    Ok(changed)
}

/// Mark the facts in `changed` as set by `p` at `now` on firm `firm_id`.
pub fn mark(
    conn: &mut DbConn,
    firm_id: i64,
    changed: &[(&'static str, Option<bool>)],
    p: &Principal,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for (fact, value) in changed {
        fact_marks::put(
            conn,
            &FactMark {
                firm_id,
                fact: (*fact).to_string(),
                value: *value,
                set_by: p.user_id,
                set_role: p.role.id().to_string(),
                set_at: now,
            },
        )
        .ctx("mark a record fact")?;
    }
    Ok(())
}
