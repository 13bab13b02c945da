//! Start an application: a draft for one target, by the firm or its advisor.

use super::{party_for, refused};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::application::{self, Party, Status, Target};
use crate::core::input;
use crate::store::applications::{self, NewApplication, NewStep};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms;
use crate::store::{self, DbConn, StoreError};
use chrono::Utc;

/// Open a draft application of firm `firm_id` for `target`, with the firm's `note` to the
/// reviewers. Only the firm's users and its assigned advisor (marked as on its behalf) may;
/// the firm's stage must allow the target and no other application for it may be open.
/// Returns the new application's id.
pub fn open_application(
    conn: &mut DbConn,
    principal: &Principal,
    firm_id: i64,
    target: Target,
    note: &str,
) -> Result<i64, AppError> {
    input::block("note", note)?;
    let note = note.trim().to_string();
    store::write_tx(conn, |c| {
        let firm = firms::find_by_id(c, firm_id).ctx("load firm to apply")?;
        let party = party_for(c, principal, &firm)?;
        if !matches!(party, Some(Party::Firm | Party::Advisor)) {
            return Err(AppError::Forbidden);
        }
        let stage = firm.current_stage().ctx("read the firm's stage")?;
        let open: Vec<Target> = applications::open_targets(c, firm_id)
            .ctx("load open applications")?
            .iter()
            .filter_map(|t| Target::parse(t))
            .collect();
        application::may_open(target, stage, &open).map_err(refused)?;
        let now = Utc::now().naive_utc();
        let id = applications::insert(
            c,
            &NewApplication {
                firm_id,
                target: target.id().to_string(),
                status: Status::Draft.id().to_string(),
                on_behalf: party == Some(Party::Advisor),
                note: note.clone(),
                created_by: principal.user_id,
                created_at: now,
                status_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            // Another request opened the same target a moment ago.
            StoreError::Duplicate(_) => refused(
                application::may_open(target, stage, &[target])
                    .err()
                    .unwrap_or_default(),
            ),
            e => AppError::store(e, "insert application"),
        })?;
        applications::append_step(
            c,
            &NewStep {
                application_id: id,
                action: "open".to_string(),
                from_status: Status::Draft.id().to_string(),
                to_status: Status::Draft.id().to_string(),
                actor_id: principal.user_id,
                actor_role: principal.role.id().to_string(),
                comment: note.clone(),
                evaluation: None,
                at: now,
            },
        )
        .ctx("record the opening step")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: principal.user_id,
                actor_role: principal.role.id(),
                action: "open_application",
                entity: "application",
                entity_id: Some(id),
                detail: serde_json::json!({
                    "firm_id": firm_id,
                    "target": target.id(),
                    "on_behalf": party == Some(Party::Advisor),
                })
                .to_string(),
                at: now,
            },
        )
        .ctx("write audit row for open_application")?;
        Ok(id)
    })
}
