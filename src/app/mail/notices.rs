//! Mails about a firm: who receives them (the firm's own users and its current advisor) and
//! the stage-change notice that [`super::fire_event`] queues in the event's transaction.

use super::{MailKind, MailRequest, Queued};
use crate::app::error::{AppError, StoreContext};
use crate::core::stage::{Event, Stage};
use crate::i18n::{self, Lang};
use crate::store::firms::Firm;
use crate::store::{assignments, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

/// The users a mail about `firm` goes to: its active firm users and its current advisor, each
/// once, by id.
pub fn firm_recipients(conn: &mut DbConn, firm: &Firm) -> Result<Vec<i64>, AppError> {
    let users: Vec<i64> = assignments::firm_users(conn, &[firm.id])
        .ctx("find the firm's users")?
        .into_iter()
        .map(|(_, user)| user)
        .collect();
    Ok(recipients_of(firm, users))
}

/// [`firm_recipients`] from the firm's active firm users already read
/// ([`assignments::firm_users`]).
pub fn recipients_of(firm: &Firm, firm_users: Vec<i64>) -> Vec<i64> {
    let mut ids = firm_users;
    ids.extend(firm.advisor_id);
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The path of a firm's page, for links in mails.
pub fn firm_link(firm_id: i64) -> String {
    format!("/firms/{firm_id}")
}

/// Whether [`queue`](super::queue)'s answer means a mail was stored (now or for the digest).
pub fn stored(q: Queued) -> bool {
    matches!(q, Queued::Queued(_) | Queued::Digest(_))
}

/// The recorded stage change that a notice is about.
#[derive(Debug, Clone)]
pub struct StageChange<'a> {
    /// The `stage_events` row id (the dedup key is made from it).
    pub event_id: i64,
    /// The event.
    pub event: &'a Event,
    /// Stage before.
    pub from: Stage,
    /// Stage after.
    pub to: Stage,
    /// The day it took effect.
    pub as_of: NaiveDate,
}

/// The name of a stage or an event (`section` `stage` or `event`) in `lang`, from the catalogs.
fn name(lang: Lang, section: &str, id: &str) -> String {
    i18n::text(lang, &format!("{section}.{id}"))
}

/// Queue the stage-change notice to `recipients` (the firm's users and advisor:
/// [`firm_recipients`], or [`recipients_of`] the users already read) inside the caller's
/// transaction, their rows read through `read` ([`super::queue_with`]); returns how many mails
/// were stored. Nothing is queued for an event that left the stage as it was (a renewal).
pub fn queue_stage_changed(
    conn: &mut DbConn,
    read: &mut super::Recipients,
    firm: &Firm,
    recipients: &[i64],
    change: &StageChange<'_>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    if change.from == change.to {
        return Ok(0);
    }
    let kind = change.event.kind();
    let params = json!({
        "firm": firm.name,
        "uscc": firm.uscc,
        "event": kind.id(),
        "event_zh": name(Lang::ZhCn, "event", kind.id()),
        "event_en": name(Lang::En, "event", kind.id()),
        "from": change.from.id(),
        "from_zh": name(Lang::ZhCn, "stage", change.from.id()),
        "from_en": name(Lang::En, "stage", change.from.id()),
        "to": change.to.id(),
        "to_zh": name(Lang::ZhCn, "stage", change.to.id()),
        "to_en": name(Lang::En, "stage", change.to.id()),
        "as_of": change.as_of.to_string(),
        "reason": change.event.reason().unwrap_or(""),
    });
    let mut n = 0;
    for &user in recipients {
        let req = MailRequest {
            kind: MailKind::StageChanged,
            to_user: user,
            dedup_key: format!("stage_changed:event{}:user{user}", change.event_id),
            template: "stage_changed",
            params: params.clone(),
            link: firm_link(firm.id),
        };
        if stored(super::queue_with(conn, read, &req, now)?) {
            n += 1;
        }
    }
    Ok(n)
}
