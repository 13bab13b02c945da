//! Correct a follow-up after its edit window: a new row with the corrected content, pointing
//! at the original (a correction of a correction points at the same original). The original
//! stays as it was recorded; lists show the newest row of each chain as the one in force.

use crate::app::access::{self, AccessSettings, CoachAction};
use crate::app::coaching::log_followup::{check_content, FollowupInput};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::clock::china_date;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms;
use crate::store::followups::{self, NewFollowup};
use crate::store::{self, DbConn};
use chrono::NaiveDateTime;

/// Append a correction of follow-up `followup_id` at the UTC instant `now`, in one
/// transaction: whoever may log follow-ups for the firm may correct (the author need not be
/// the same). Refreshes the firm's contact dates and writes the audit row. Returns the id of
/// the correction.
pub fn correct_followup(
    conn: &mut DbConn,
    followup_id: i64,
    input: FollowupInput,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let author = principal.user_id.ok_or(AppError::Forbidden)?;
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        let original = followups::find_by_id(c, followup_id).ctx("load follow-up")?;
        let firm = firms::find_by_id(c, original.firm_id).ctx("load firm for correct_followup")?;
        access::require_coach(principal, &s, &firm, CoachAction::LogFollowup)?;
        let content = check_content(&input, china_date(now))?;
        let root = original.root_id();
        let id = followups::insert(
            c,
            &NewFollowup {
                firm_id: original.firm_id,
                advisor_id: original.advisor_id,
                happened_on: content.happened_on,
                kind: content.kind.clone(),
                attendees: content.attendees.clone(),
                summary: content.summary.clone(),
                next_action: content.next_action.clone(),
                due_on: content.due_on,
                created_by: author,
                created_at: now,
                corrects_id: Some(root),
                updated_at: now,
            },
        )
        .ctx("insert correction")?;
        followups::refresh_firm_contact(c, original.firm_id).ctx("set the firm's next contact")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "correct_followup",
                entity: "firm",
                entity_id: Some(original.firm_id),
                detail: serde_json::json!({ "followup_id": id, "corrects_id": root }).to_string(),
                at: now,
            },
        )
        .ctx("write audit row for correct_followup")?;
        Ok(id)
    })
}
