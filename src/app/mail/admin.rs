//! Mail use cases: a user's own mail preferences (any signed-in user), and the outbox for
//! administrators (list, retry a failed mail, send themselves a test mail). Each change runs in
//! one transaction with its audit row.

use super::{MailKind, MailMode, MailRequest, Queued};
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::outbox::{self, ListFilter, OutboxRow};
use crate::store::{self, mail_prefs, users, DbConn};
use chrono::NaiveDateTime;

fn require_admin(p: &Principal) -> Result<(), AppError> {
    match p.role {
        Role::Admin | Role::System => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The kind of mail named `name`, if it is one users choose for; else bad input on `field`.
fn choosable_kind(field: &str, name: &str) -> Result<MailKind, AppError> {
    MailKind::parse(name.trim())
        .filter(|k| k.digestible())
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                "unknown_mail_kind",
                Text::new("app.mail.unknown_kind").plain("name", name),
            )
        })
}

fn own_id(p: &Principal) -> Result<i64, AppError> {
    p.user_id.ok_or(AppError::Forbidden)
}

/// One line of the preferences page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSetting {
    /// The kind.
    pub kind: MailKind,
    /// What the user chose (immediate when they chose nothing).
    pub chosen: MailMode,
    /// What applies: a mandatory kind is never off.
    pub effective: MailMode,
    /// The bureau made this kind mandatory.
    pub mandatory: bool,
}

/// Whether `p` may decide which kinds of mail are mandatory (the bureau and administrators).
pub fn may_set_mandatory(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau)
}

/// The bureau marks which kinds of mail nobody may turn off (setting `mail_mandatory`); the
/// other kinds become optional again. Names of kinds users do not choose ([`MailKind::digestible`]) are bad input, and nothing
/// is saved then.
pub fn save_mandatory(
    conn: &mut DbConn,
    p: &Principal,
    kinds: &[String],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if !may_set_mandatory(p) {
        return Err(AppError::Forbidden);
    }
    let mut chosen = Vec::new();
    for k in kinds {
        let kind = choosable_kind("mandatory", k)?;
        if !chosen.contains(&kind) {
            chosen.push(kind);
        }
    }
    let names: Vec<&str> = MailKind::choosable()
        .filter(|k| chosen.contains(k))
        .map(|k| k.as_str())
        .collect();
    store::write_tx(conn, |c| {
        crate::store::settings::set(c, super::MAIL_MANDATORY_KEY, &serde_json::json!(names))
            .ctx("save mail_mandatory")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: p.user_id,
                actor_role: p.role.id(),
                action: "set_mandatory_mail",
                entity: "settings",
                entity_id: None,
                detail: serde_json::json!({ "mandatory": names }).to_string(),
                at: now,
            },
        )
        .ctx("audit mandatory mail")?;
        Ok(())
    })
}

/// The signed-in user's preferences page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// Where their mail goes; `None`: they get no mail until an address is set.
    pub email: Option<String>,
    /// One line per choosable kind.
    pub kinds: Vec<KindSetting>,
}

/// The principal's own mail settings.
pub fn mail_settings(conn: &mut DbConn, p: &Principal) -> Result<MailSettings, AppError> {
    let id = own_id(p)?;
    let user = users::find_by_id(conn, id).ctx("load the user for mail settings")?;
    let mandatory = super::mandatory_kinds(conn)?;
    let mut kinds = Vec::new();
    for kind in MailKind::choosable() {
        let chosen = super::chosen_mode(conn, id, kind)?;
        kinds.push(KindSetting {
            kind,
            chosen,
            effective: super::effective_mode(conn, id, kind)?,
            mandatory: mandatory.contains(&kind),
        });
    }
    Ok(MailSettings {
        email: user.email.filter(|e| !e.trim().is_empty()),
        kinds,
    })
}

/// Save the principal's choices, given as (kind name, mode name) pairs. An unknown kind or
/// mode, or turning off a mandatory kind, is bad input and nothing is saved.
pub fn save_mail_settings(
    conn: &mut DbConn,
    p: &Principal,
    choices: &[(String, String)],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let id = own_id(p)?;
    store::write_tx(conn, |c| {
        let mandatory = super::mandatory_kinds(c)?;
        let mut parsed = Vec::new();
        for (k, m) in choices {
            let kind = choosable_kind("kind", k)?;
            let mode = MailMode::parse(m.trim()).ok_or_else(|| {
                AppError::bad_input(
                    kind.as_str(),
                    "unknown_mail_mode",
                    Text::new("app.mail.unknown_mode").plain("mode", m),
                )
            })?;
            if mode == MailMode::Off && mandatory.contains(&kind) {
                return Err(AppError::bad_input(
                    kind.as_str(),
                    "mail_kind_mandatory",
                    Text::new("app.mail.kind_mandatory").plain("kind", kind.as_str()),
                ));
            }
            parsed.push((kind, mode));
        }
        for (kind, mode) in &parsed {
            mail_prefs::set(c, id, kind.as_str(), mode.as_str()).ctx("save a mail preference")?;
        }
        let detail = serde_json::json!(parsed
            .iter()
            .map(|(k, m)| (k.as_str(), m.as_str()))
            .collect::<std::collections::BTreeMap<_, _>>());
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: Some(id),
                actor_role: p.role.id(),
                action: "save_mail_settings",
                entity: "user",
                entity_id: Some(id),
                detail: detail.to_string(),
                at: now,
            },
        )
        .ctx("audit mail settings")?;
        Ok(())
    })
}

/// One page of the outbox for the admin page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxPage {
    /// The rows, newest first.
    pub rows: Vec<OutboxRow>,
    /// Rows matching the filter.
    pub total: i64,
    /// Rows per status, over the whole outbox.
    pub counts: Vec<(String, i64)>,
}

/// The outbox, filtered and paged (administrators).
pub fn outbox_page(
    conn: &mut DbConn,
    p: &Principal,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
) -> Result<OutboxPage, AppError> {
    require_admin(p)?;
    let (rows, total) =
        outbox::list_page(conn, filter, limit, offset.max(0)).ctx("list the outbox")?;
    let counts = outbox::count_by_status(conn).ctx("count the outbox")?;
    Ok(OutboxPage {
        rows,
        total,
        counts,
    })
}

/// Queue a failed mail again, attempts starting over (administrators). `NotFound` when there
/// is no failed mail with this id.
pub fn retry_mail(
    conn: &mut DbConn,
    id: i64,
    p: &Principal,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    require_admin(p)?;
    store::write_tx(conn, |c| {
        if !outbox::retry_failed(c, id, now).ctx("retry a mail")? {
            return Err(AppError::NotFound);
        }
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: p.user_id,
                actor_role: p.role.id(),
                action: "retry_mail",
                entity: "outbox",
                entity_id: Some(id),
                detail: "{}".to_string(),
                at: now,
            },
        )
        .ctx("audit retry_mail")?;
        Ok(())
    })
}

/// Queue a test mail to the administrator's own address, to check the mail setup; returns its
/// outbox id. Bad input when they have no address.
pub fn send_test_mail(
    conn: &mut DbConn,
    p: &Principal,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    require_admin(p)?;
    let id = own_id(p)?;
    store::write_tx(conn, |c| {
        let req = MailRequest {
            kind: MailKind::Test,
            to_user: id,
            dedup_key: format!("test:{id}:{}", now.and_utc().timestamp_micros()),
            template: "test",
            params: serde_json::json!({"firm": "—", "n": 0}),
            link: "/admin/mail".to_string(),
        };
        let out = match super::queue(c, &req, now)? {
            Queued::Queued(out) | Queued::Digest(out) => out,
            Queued::NoAddress | Queued::Off => {
                return Err(AppError::bad_input(
                    "email",
                    "no_email",
                    Text::new("app.mail.no_email"),
                ))
            }
            Queued::Duplicate => {
                return Err(AppError::Conflict(crate::app::Conflict::Duplicate {
                    field: "dedup_key",
                    value: req.dedup_key.clone(),
                }))
            }
        };
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: Some(id),
                actor_role: p.role.id(),
                action: "send_test_mail",
                entity: "outbox",
                entity_id: Some(out),
                detail: "{}".to_string(),
                at: now,
            },
        )
        .ctx("audit send_test_mail")?;
        Ok(out)
    })
}
