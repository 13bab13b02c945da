//! Move an issue along its ledger: open → in progress → resolved or closed (an open issue may
//! also be closed directly), with a resolution required to resolve or close; change its
//! owner. Under the issue's optimistic lock.

use crate::app::access::{self, AccessSettings, CoachAction};
use crate::app::coaching::raise_issue::{check_len, check_owner, MAX_DETAIL};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::principal::Principal;
use crate::core::clock::china_date;
use crate::core::error::{InputError, Text};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms;
use crate::store::issues::{self, Issue, IssueChanges, IssueStatus};
use crate::store::{self, DbConn};
use chrono::NaiveDateTime;

/// What to change; `None` leaves it as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueUpdate {
    /// The new status (must follow the current one).
    pub status: Option<IssueStatus>,
    /// The resolution (required when resolving or closing).
    pub resolution: Option<String>,
    /// The new owner; `Some(None)` clears it.
    pub owner_id: Option<Option<i64>>,
}

/// Whether moving an issue from `from` to `to` resolves or closes it.
fn is_closing(from: IssueStatus, to: IssueStatus) -> bool {
    to != from && matches!(to, IssueStatus::Resolved | IssueStatus::Closed)
}

/// The problems of a resolution when an issue moves from `from` to `to`, each naming the
/// field `resolution`: too long, or missing when the move resolves or closes the issue. A
/// form shows them beside the field with its own; [`update_issue`] refuses the first.
pub fn resolution_errors(from: IssueStatus, to: IssueStatus, resolution: &str) -> Vec<InputError> {
    let mut out = Vec::new();
    if let Err(AppError::BadInput(e)) = check_len("resolution", resolution, MAX_DETAIL) {
        out.push(e);
    }
    if is_closing(from, to) && resolution.trim().is_empty() {
        out.push(InputError::new(
            "resolution",
            "resolution_required",
            Text::new("app.coaching.resolution_required"),
        ));
    }
    out
}

/// Apply `update` to issue `issue_id` if it is still at `expected_version`, at the UTC
/// instant `now`, in one transaction: the bureau, the firm's county officer and its advisor
/// may (firm users only read; outside the territory `NotFound`). An illegal transition is a
/// 409 naming both statuses; a stale version a 409 too; nothing is written then.
pub fn update_issue(
    conn: &mut DbConn,
    issue_id: i64,
    expected_version: i64,
    update: IssueUpdate,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<Issue, AppError> {
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        let issue = issues::find_by_id(c, issue_id).ctx("load issue")?;
        let firm = firms::find_by_id(c, issue.firm_id).ctx("load firm for update_issue")?;
        access::require_coach(principal, &s, &firm, CoachAction::UpdateIssue)?;
        let from = issue.current_status().ctx("read issue status")?;
        let to = update.status.unwrap_or(from);
        if to != from && !from.successors().contains(&to) {
            return Err(AppError::Conflict(Conflict::Refused {
                code: "illegal_issue_transition",
                text: Text::new("conflict.issue_transition")
                    .term("from", format!("coach.status.{}", from.id()))
                    .term("to", format!("coach.status.{}", to.id()))
                    .plain("from_id", from.id().replace('_', " "))
                    .plain("to_id", to.id().replace('_', " ")),
            }));
        }
        let resolution = match &update.resolution {
            Some(r) if !r.trim().is_empty() => Some(r.trim().to_string()),
            Some(_) => None,
            None => issue.resolution.clone(),
        };
        let closing = is_closing(from, to);
        if let Some(e) = resolution_errors(from, to, resolution.as_deref().unwrap_or_default())
            .into_iter()
            .next()
        {
            return Err(e.into());
        }
        let owner_id = match update.owner_id {
            Some(Some(o)) if Some(o) != issue.owner_id => {
                check_owner(c, o)?;
                Some(o)
            }
            Some(o) => o,
            None => issue.owner_id,
        };
        let changes = IssueChanges {
            owner_id,
            status: to.id().to_string(),
            resolution,
            closed_on: if closing {
                Some(china_date(now))
            } else {
                issue.closed_on
            },
        };
        let version = issues::update_with_version(c, issue_id, expected_version, &changes, now)
            .ctx("save issue")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "update_issue",
                entity: "firm",
                entity_id: Some(issue.firm_id),
                detail: serde_json::json!({
                    "issue_id": issue_id, "from": from.id(), "to": to.id(),
                    "owner_id": changes.owner_id, "resolution": changes.resolution,
                    "version": version,
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for update_issue")?;
        issues::find_by_id(c, issue_id).ctx("reload issue")
    })
}
