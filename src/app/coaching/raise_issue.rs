//! Raise an issue in a firm's ledger (诉求台账): a difficulty the firm needs help with.

use crate::app::access::{self, AccessSettings, CoachAction};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::clock::china_date;
use crate::core::error::{InputError, Text};
use crate::core::stage::Role;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms;
use crate::store::issues::{self, IssueCategory, IssueStatus, NewIssue};
use crate::store::{self, users, DbConn};
use chrono::NaiveDateTime;

/// A new issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueInput {
    /// Category.
    pub category: IssueCategory,
    /// One line (required).
    pub title: String,
    /// Details.
    pub detail: String,
    /// Who owns it; `None`: the firm's advisor. Firm users cannot choose (it is ignored).
    pub owner_id: Option<i64>,
}

/// Longest title kept.
pub const MAX_TITLE: usize = 200;
/// Longest detail or resolution kept.
pub const MAX_DETAIL: usize = 4000;

/// An owner must be an active staff account (admin, bureau, county officer or advisor).
pub fn check_owner(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    let found = users::find_many(conn, &[id]).ctx("look up owner")?;
    let ok = found.iter().any(|u| {
        u.active
            && matches!(
                Role::parse(&u.role),
                Some(Role::Admin | Role::Bureau | Role::County | Role::Advisor)
            )
    });
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_input(
            "owner_id",
            "unknown_owner",
            Text::new("app.coaching.unknown_owner"),
        ))
    }
}

/// Check a text's length; `field` names it.
pub fn check_len(field: &str, text: &str, max: usize) -> Result<(), AppError> {
    // The characters (a title is one line); the length with the ledger's own words.
    crate::core::input::check(field, text, field != "title", usize::MAX)?;
    if text.trim().chars().count() > max {
        return Err(AppError::bad_input(
            field,
            "text_too_long",
            Text::new("app.coaching.text_too_long").plain("max", max),
        ));
    }
    Ok(())
}

/// Every problem of a new issue's texts, each naming its field: no title, a title or details
/// too long or with characters that do not belong. A form shows them all beside their fields;
/// [`raise_issue`] refuses the first.
pub fn issue_errors(title: &str, detail: &str) -> Vec<InputError> {
    let mut out = Vec::new();
    if title.trim().is_empty() {
        out.push(InputError::new(
            "title",
            "title_required",
            Text::new("app.coaching.title_required"),
        ));
    }
    for (field, text, max) in [("title", title, MAX_TITLE), ("detail", detail, MAX_DETAIL)] {
        if let Err(AppError::BadInput(e)) = check_len(field, text, max) {
            out.push(e);
        }
    }
    out
}

/// Raise an issue for firm `firm_id` at the UTC instant `now`, in one transaction: the
/// bureau, the firm's county officer and advisor, and the firm's own users may (outside the
/// territory: `NotFound`). The owner defaults to the firm's advisor. Returns the issue's id.
pub fn raise_issue(
    conn: &mut DbConn,
    firm_id: i64,
    input: IssueInput,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let title = input.title.trim().to_string();
    if let Some(e) = issue_errors(&title, &input.detail).into_iter().next() {
        return Err(e.into());
    }
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        let firm = firms::find_by_id(c, firm_id).ctx("load firm for raise_issue")?;
        access::require_coach(principal, &s, &firm, CoachAction::RaiseIssue)?;
        let owner = match input.owner_id {
            Some(o) if principal.role != Role::Firm => {
                check_owner(c, o)?;
                Some(o)
            }
            _ => firm.advisor_id,
        };
        let new = NewIssue {
            firm_id,
            category: input.category.id().to_string(),
            title: title.clone(),
            detail: input.detail.trim().to_string(),
            owner_id: owner,
            status: IssueStatus::Open.id().to_string(),
            resolution: None,
            raised_by: principal.user_id,
            raised_on: china_date(now),
            closed_on: None,
            created_at: now,
            updated_at: now,
        };
        let id = issues::insert(c, &new).ctx("insert issue")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "raise_issue",
                entity: "firm",
                entity_id: Some(firm_id),
                detail: serde_json::json!({
                    "issue_id": id, "category": new.category, "title": new.title,
                    "owner_id": owner,
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for raise_issue")?;
        Ok(id)
    })
}
