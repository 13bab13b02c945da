//! Pair firms with an advisor (挂钩帮扶): one firm, a selection, or every firm matching a
//! filter of the firms list. The previous assignment of each firm ends on the day the new one
//! starts; `firms.advisor_id` follows in the same transaction, and the advisor and the firm's
//! users are told by mail (queued in the same transaction).

use crate::app::access::{self, AccessSettings, CoachAction};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::store::assignments::{self, NewAssignment};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firm_query::{self, FirmQuery};
use crate::store::firms::{self, Firm};
use crate::store::users::{self, User};
use crate::store::{self, DbConn};
use chrono::{NaiveDate, NaiveDateTime, Utc};

/// Which firms to assign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTarget {
    /// These firms (each must be in the principal's territory, else `NotFound`).
    Firms(Vec<i64>),
    /// Every firm of the principal's territory that matches the firms list's filter (its
    /// sort and page are ignored).
    Filter(FirmQuery),
}

/// What an assignment did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignOutcome {
    /// The firms newly assigned, with the id of their new assignment row.
    pub assigned: Vec<(i64, i64)>,
    /// Firms that already had this advisor (left as they were).
    pub unchanged: usize,
}

/// Longest reason kept.
const MAX_REASON: usize = 500;

/// The advisor with this id, active; bad input naming `field` otherwise.
pub fn check_advisor(conn: &mut DbConn, field: &str, id: i64) -> Result<User, AppError> {
    let found = users::find_many(conn, &[id]).ctx("look up advisor")?;
    match found.into_iter().next() {
        Some(u) if u.role == Role::Advisor.id() && u.active => Ok(u),
        _ => Err(AppError::bad_input(
            field,
            "unknown_advisor",
            Text::new("app.coaching.unknown_advisor"),
        )),
    }
}

/// A trimmed reason of at most 500 characters.
pub fn check_reason(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.chars().count() > MAX_REASON {
        return Err(AppError::bad_input(
            "reason",
            "reason_too_long",
            Text::new("app.coaching.reason_too_long").plain("max", MAX_REASON),
        ));
    }
    Ok(r.to_string())
}

/// Pair every firm of `target` with `advisor_id` from `on`, in one transaction: check the
/// principal may assign each firm (outside the territory: `NotFound`), end each firm's open
/// assignment on `on`, open the new one, set `firms.advisor_id` (bumping the version), write
/// an audit row per firm and queue the mails. Firms that already have this advisor are left
/// as they are. Nothing is written when anything is refused.
pub fn assign_advisor(
    conn: &mut DbConn,
    target: AssignTarget,
    advisor_id: i64,
    reason: &str,
    principal: &Principal,
    on: NaiveDate,
) -> Result<AssignOutcome, AppError> {
    if !access::may_manage_advisors(principal) && principal.role != Role::System {
        return Err(AppError::Forbidden);
    }
    let reason = check_reason(reason)?;
    store::write_tx(conn, |c| {
        let s = AccessSettings::load(c, principal)?;
        check_advisor(c, "advisor_id", advisor_id)?;
        let firms = match &target {
            AssignTarget::Firms(ids) => {
                let mut ids = ids.clone();
                ids.sort_unstable();
                ids.dedup();
                let found = firms::find_many(c, &ids).ctx("load firms to assign")?;
                if found.len() != ids.len() {
                    return Err(AppError::NotFound);
                }
                found
            }
            AssignTarget::Filter(q) => {
                let scope = access::scope(principal, &s);
                let ids = firm_query::ids(c, &scope, q).ctx("list firms matching the filter")?;
                firms::find_many(c, &ids).ctx("load firms to assign")?
            }
        };
        if firms.is_empty() {
            return Err(AppError::bad_input(
                "ids",
                "no_firms_selected",
                Text::new("app.coaching.no_firms_selected"),
            ));
        }
        for f in &firms {
            access::require_coach(principal, &s, f, CoachAction::Assign)?;
        }
        let (same, to_move): (Vec<&Firm>, Vec<&Firm>) =
            firms.iter().partition(|f| f.advisor_id == Some(advisor_id));
        let ids: Vec<i64> = to_move.iter().map(|f| f.id).collect();
        let now = Utc::now().naive_utc();
        let assigned = record_assignment(c, &ids, Some(advisor_id), on, principal, &reason, now)?;
        assignments::set_firm_advisor(c, &ids, Some(advisor_id), now)
            .ctx("set the firms' advisor")?;
        for f in &to_move {
            let row = assigned.iter().find(|(id, _)| *id == f.id).map(|(_, a)| *a);
            audit::record(
                c,
                &NewAuditEntry {
                    actor_id: principal.user_id,
                    actor_role: principal.role.id(),
                    action: "assign_advisor",
                    entity: "firm",
                    entity_id: Some(f.id),
                    detail: serde_json::json!({
                        "from": f.advisor_id, "to": advisor_id, "on": on,
                        "assignment_id": row, "reason": reason,
                    })
                    .to_string(),
                    at: now,
                },
            )
            .ctx("write audit row for assign_advisor")?;
        }
        Ok(AssignOutcome {
            assigned,
            unchanged: same.len(),
        })
    })
}

/// The assignment rows of a change of advisor, inside the caller's transaction: end the open
/// rows of `firm_ids` on `on`, open one for `advisor` (none when `None`), and queue the
/// mails. Does not touch `firms.advisor_id`: the caller sets it (with its own version
/// check). Returns (firm id, new assignment id). Every use case that changes a firm's
/// advisor calls this, so the history and the firm row never disagree.
pub fn record_assignment(
    conn: &mut DbConn,
    firm_ids: &[i64],
    advisor: Option<i64>,
    on: NaiveDate,
    principal: &Principal,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Vec<(i64, i64)>, AppError> {
    if firm_ids.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(start) =
        assignments::latest_open_start(conn, firm_ids).ctx("read current assignments")?
    {
        if start > on {
            // No field of its own on the forms: shown at the top.
            return Err(AppError::bad_input(
                "",
                "assignment_before_current",
                Text::new("app.coaching.assignment_before_current")
                    .plain("on", on)
                    .plain("start", start),
            ));
        }
    }
    assignments::end_open(conn, firm_ids, on).ctx("end the current assignments")?;
    let Some(advisor_id) = advisor else {
        return Ok(Vec::new());
    };
    let rows: Vec<NewAssignment> = firm_ids
        .iter()
        .map(|id| NewAssignment {
            firm_id: *id,
            advisor_id,
            started_on: on,
            assigned_by: principal.user_id,
            reason: reason.to_string(),
            created_at: now,
        })
        .collect();
    assignments::insert_many(conn, &rows).ctx("open the new assignments")?;
    let mut opened = assignments::open_ids(conn, firm_ids).ctx("read the new assignments")?;
    opened.sort_unstable();
    crate::app::mail::assignment::queue(conn, advisor_id, &opened, on, now)?;
    Ok(opened)
}
