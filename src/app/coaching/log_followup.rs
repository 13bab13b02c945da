//! Log a follow-up with a firm (a visit, call, online meeting or training), and what every
//! follow-up write shares: the checks of its content and the date in China.

use crate::app::access::{self, AccessSettings, CoachAction};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::clock::china_date;
use crate::core::error::{InputError, Text};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms;
use crate::store::followups::{self, FollowupContent, FollowupKind, NewFollowup};
use crate::store::{self, DbConn};
use chrono::{NaiveDate, NaiveDateTime};

/// What a follow-up says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupInput {
    /// When the contact happened (not in the future).
    pub happened_on: NaiveDate,
    /// Kind.
    pub kind: FollowupKind,
    /// Who took part.
    pub attendees: String,
    /// What was discussed (required).
    pub summary: String,
    /// The agreed next action.
    pub next_action: String,
    /// When the next action is due: the firm's next planned contact (not before the contact).
    pub due_on: Option<NaiveDate>,
}

/// Longest summary or next action kept.
pub const MAX_TEXT: usize = 4000;
/// Longest attendee list kept.
pub const MAX_ATTENDEES: usize = 500;

/// Every problem of a follow-up's content as of `today` (China), each naming its field: no
/// summary, a date in the future, a due date before the contact, a text with control
/// characters or longer than it may be. `None` dates did not parse (the form says so) and are
/// not checked. A form shows them all beside their fields; [`check_content`] refuses the first.
pub fn content_errors(
    happened_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    texts: [(&str, &str); 3],
    today: NaiveDate,
) -> Vec<InputError> {
    let mut out = Vec::new();
    let [summary, next_action, attendees] = texts;
    if summary.1.trim().is_empty() {
        out.push(InputError::new(
            summary.0,
            "summary_required",
            Text::new("app.coaching.summary_required"),
        ));
    }
    if let Some(d) = happened_on.filter(|d| *d > today) {
        out.push(InputError::new(
            "happened_on",
            "followup_in_future",
            Text::new("app.coaching.followup_in_future")
                .plain("date", d)
                .plain("today", today),
        ));
    }
    if let (Some(due), Some(d)) = (due_on, happened_on) {
        if due < d {
            out.push(InputError::new(
                "due_on",
                "due_before_followup",
                Text::new("app.coaching.due_before_followup")
                    .plain("due", due)
                    .plain("date", d),
            ));
        }
    }
    for ((field, text), max) in [
        (summary, MAX_TEXT),
        (next_action, MAX_TEXT),
        (attendees, MAX_ATTENDEES),
    ] {
        // The characters here; the length below, with this form's own words.
        if let Err(e) = crate::core::input::check(field, text, field != "attendees", usize::MAX) {
            out.push(e);
        } else if text.trim().chars().count() > max {
            out.push(InputError::new(
                field,
                "text_too_long",
                Text::new("app.coaching.text_too_long").plain("max", max),
            ));
        }
    }
    out
}

/// Check a follow-up's content as of `today` (China) ([`content_errors`]; the first problem
/// is the refusal). Returns the trimmed content.
pub fn check_content(input: &FollowupInput, today: NaiveDate) -> Result<FollowupContent, AppError> {
    let texts = [
        ("summary", input.summary.as_str()),
        ("next_action", input.next_action.as_str()),
        ("attendees", input.attendees.as_str()),
    ];
    if let Some(e) = content_errors(Some(input.happened_on), input.due_on, texts, today)
        .into_iter()
        .next()
    {
        return Err(e.into());
    }
    Ok(FollowupContent {
        happened_on: input.happened_on,
        kind: input.kind.id().to_string(),
        attendees: input.attendees.trim().to_string(),
        summary: input.summary.trim().to_string(),
        next_action: input.next_action.trim().to_string(),
        due_on: input.due_on,
    })
}

/// Log a follow-up of firm `firm_id` at the UTC instant `now`, in one transaction: check the
/// principal may (the firm's advisor, its county officer, the bureau; outside the territory
/// `NotFound`), validate, write it under the firm's current advisor, set the firm's last and
/// next planned contact from it, and write the audit row. Returns the follow-up's id.
pub fn log_followup(
    conn: &mut DbConn,
    firm_id: i64,
    input: FollowupInput,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let author = principal.user_id.ok_or(AppError::Forbidden)?;
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for log_followup")?;
        access::require_coach(principal, &s, &firm, CoachAction::LogFollowup)?;
        let content = check_content(&input, china_date(now))?;
        let id = followups::insert(
            c,
            &NewFollowup {
                firm_id,
                advisor_id: firm.advisor_id,
                happened_on: content.happened_on,
                kind: content.kind.clone(),
                attendees: content.attendees.clone(),
                summary: content.summary.clone(),
                next_action: content.next_action.clone(),
                due_on: content.due_on,
                created_by: author,
                created_at: now,
                corrects_id: None,
                updated_at: now,
            },
        )
        .ctx("insert follow-up")?;
        followups::refresh_firm_contact(c, firm_id).ctx("set the firm's next contact")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "log_followup",
                entity: "firm",
                entity_id: Some(firm_id),
                detail: serde_json::json!({
                    "followup_id": id, "kind": content.kind,
                    "happened_on": content.happened_on, "due_on": content.due_on,
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for log_followup")?;
        Ok(id)
    })
}
