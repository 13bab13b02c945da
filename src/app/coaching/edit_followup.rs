//! Edit a follow-up: only its author, only within 24 hours of recording it. Afterwards the
//! record is evidence and changes only by an appended correction (`correct_followup`).

use crate::app::access::{self, AccessSettings, CoachAction};
use crate::app::coaching::log_followup::{check_content, FollowupInput};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::principal::Principal;
use crate::core::clock::china_date;
use crate::core::error::Text;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms;
use crate::store::followups::{self, Followup};
use crate::store::{self, DbConn};
use chrono::{Duration, NaiveDateTime};

/// How long after recording its author may edit a follow-up.
pub const EDIT_WINDOW_HOURS: i64 = 24;

/// Whether `p` may still edit `f` at `now`: its author, within [`EDIT_WINDOW_HOURS`].
pub fn editable_by(f: &Followup, p: &Principal, now: NaiveDateTime) -> bool {
    p.user_id == Some(f.created_by) && now < f.created_at + Duration::hours(EDIT_WINDOW_HOURS)
}

/// Replace the content of follow-up `followup_id` at the UTC instant `now`, in one
/// transaction. Refused with a clear message (409) when the principal is not its author or
/// the 24 hours have passed: then a correction is the way. Refreshes the firm's contact dates
/// and writes the audit row (with the content it replaced).
pub fn edit_followup(
    conn: &mut DbConn,
    followup_id: i64,
    input: FollowupInput,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<Followup, AppError> {
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        let before = followups::find_by_id(c, followup_id).ctx("load follow-up")?;
        let firm = firms::find_by_id(c, before.firm_id).ctx("load firm for edit_followup")?;
        access::require_coach(principal, &s, &firm, CoachAction::LogFollowup)?;
        if principal.user_id != Some(before.created_by) {
            return Err(AppError::Conflict(Conflict::Refused {
                code: "followup_not_author",
                text: Text::new("conflict.followup_not_author"),
            }));
        }
        if !editable_by(&before, principal, now) {
            return Err(AppError::Conflict(Conflict::Refused {
                code: "followup_edit_window_closed",
                text: Text::new("conflict.followup_edit_window_closed")
                    .plain("hours", EDIT_WINDOW_HOURS)
                    .plain("at", crate::core::clock::china_minute(before.created_at)),
            }));
        }
        let content = check_content(&input, china_date(now))?;
        followups::update_content(c, followup_id, &content, now).ctx("save follow-up")?;
        followups::refresh_firm_contact(c, before.firm_id).ctx("set the firm's next contact")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "edit_followup",
                entity: "firm",
                entity_id: Some(before.firm_id),
                detail: serde_json::json!({
                    "followup_id": followup_id,
                    "before": {
                        "happened_on": before.happened_on, "kind": before.kind,
                        "attendees": before.attendees, "summary": before.summary,
                        "next_action": before.next_action, "due_on": before.due_on,
                    },
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for edit_followup")?;
        followups::find_by_id(c, followup_id).ctx("reload follow-up")
    })
}
