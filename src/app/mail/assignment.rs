//! The "new assignment" mail (template `assignment`), queued inside the assignment's
//! transaction: to the advisor (one mail per assignment, listing every firm it covers) and to
//! each active user of each firm (one mail per firm).
//!
//! Dedup keys name the assignment rows: `assignment:{row}:user{uid}` for a firm's user,
//! `assignment:{row}:advisor{aid}` for the advisor of a single firm, and
//! `assignment:{first}-{last}:advisor{aid}` (the batch's lowest and highest row ids) for the
//! advisor of a bulk assignment, so re-running nothing ever queues the same mail twice.

use super::{MailKind, MailRequest};
use crate::app::error::{AppError, StoreContext};
use crate::store::assignments;
use crate::store::firms;
use crate::store::users;
use crate::store::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

/// Firms listed by name in the advisor's mail; the rest are counted.
pub const LISTED: usize = 50;

/// Queue the mails of new assignments of `advisor_id`: `opened` holds (firm id, assignment
/// id) pairs, sorted by firm id.
pub fn queue(
    conn: &mut DbConn,
    advisor_id: i64,
    opened: &[(i64, i64)],
    on: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if opened.is_empty() {
        return Ok(());
    }
    let advisor = users::find_by_id(conn, advisor_id).ctx("load the advisor for the mail")?;
    let ids: Vec<i64> = opened.iter().map(|(f, _)| *f).collect();
    let firms = firms::find_many(conn, &ids).ctx("load the firms for the mail")?;
    let listed: Vec<serde_json::Value> = firms
        .iter()
        .take(LISTED)
        .map(|f| json!({ "name": f.name, "uscc": f.uscc, "link": format!("/firms/{}", f.id) }))
        .collect();
    let params = |recipient: &str, firm_name: &str| {
        json!({
            "recipient": recipient,
            "advisor_name": advisor.display_name,
            "advisor_email": advisor.email.clone().unwrap_or_default(),
            "firm_name": firm_name,
            "firms": listed,
            "count": firms.len(),
            "more": firms.len().saturating_sub(LISTED),
            "started_on": on.to_string(),
        })
    };
    let first_row = opened.iter().map(|(_, a)| *a).min().unwrap_or(0);
    let last_row = opened.iter().map(|(_, a)| *a).max().unwrap_or(0);
    let (dedup_key, link, firm_name) = match firms.as_slice() {
        [one] => (
            format!("assignment:{first_row}:advisor{advisor_id}"),
            format!("/firms/{}", one.id),
            one.name.clone(),
        ),
        _ => (
            format!("assignment:{first_row}-{last_row}:advisor{advisor_id}"),
            format!("/firms?advisor={advisor_id}"),
            firms.first().map(|f| f.name.clone()).unwrap_or_default(),
        ),
    };
    super::queue(
        conn,
        &MailRequest {
            kind: MailKind::Assignment,
            to_user: advisor_id,
            dedup_key,
            template: "assignment",
            params: params("advisor", &firm_name),
            link,
        },
        now,
    )?;
    for (firm_id, user_id) in assignments::firm_users(conn, &ids).ctx("load the firms' users")? {
        let Some(row) = opened.iter().find(|(f, _)| *f == firm_id).map(|(_, a)| *a) else {
            continue;
        };
        let name = firms
            .iter()
            .find(|f| f.id == firm_id)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        super::queue(
            conn,
            &MailRequest {
                kind: MailKind::Assignment,
                to_user: user_id,
                dedup_key: format!("assignment:{row}:user{user_id}"),
                template: "assignment",
                params: params("firm", &name),
                link: format!("/firms/{firm_id}"),
            },
            now,
        )?;
    }
    Ok(())
}
