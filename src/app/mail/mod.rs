//! Queueing mail through the transactional outbox (DESIGN §1). A change that causes a mail
//! calls [`queue`] inside its own `write_tx`: the mail is stored with the change or not at all;
//! `notify` later renders and sends it, off the request path. Each user picks per [`MailKind`]
//! a [`MailMode`]; kinds listed in the setting [`MAIL_MANDATORY_KEY`] cannot be turned off.
//!
//! `admin` holds the mail pages' use cases (preferences, the outbox for administrators);
//! `notices` and `assignment` the mails about a firm.

pub mod admin;
pub mod assignment;
pub mod notices;

pub use admin::*;

use super::error::{AppError, StoreContext};
use crate::store::outbox::{self, NewOutboxRow, Status};
use crate::store::{mail_prefs, settings, users, DbConn};
use chrono::NaiveDateTime;
use rand::RngCore;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Setting: the kinds of mail a user cannot turn off, a JSON list of [`MailKind::as_str`] names.
pub const MAIL_MANDATORY_KEY: &str = "mail_mandatory";

/// Kinds of mail; each user picks per kind: immediate, daily digest, or off (unless the
/// bureau marks the kind mandatory in settings). `as_str()` gives a stable snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MailKind {
    /// An advisor was assigned to a firm (to the advisor and the firm).
    Assignment,
    /// Follow-ups due or overdue.
    FollowupDue,
    /// A firm's stage changed.
    StageChanged,
    /// A credential expires in 180, 90 or 30 days.
    CredentialExpiring,
    /// The HTE annual report is due.
    AnnualReportDue,
    /// The weekly summary for bureau staff.
    WeeklySummary,
    /// An application changed status (to the firm's users and advisor).
    Application,
    /// Applications waiting for a reviewer, daily (to county officers and bureau staff).
    ReviewsWaiting,
    /// The daily digest itself.
    Digest,
    /// A test mail.
    Test,
    /// An invitation to set a first password (a one-time link).
    Invitation,
    /// A password reset link (a one-time link).
    PasswordReset,
}

impl MailKind {
    /// Every kind, in the order the preferences page lists them.
    pub const ALL: [MailKind; 12] = [
        MailKind::Assignment,
        MailKind::FollowupDue,
        MailKind::StageChanged,
        MailKind::CredentialExpiring,
        MailKind::AnnualReportDue,
        MailKind::WeeklySummary,
        MailKind::Application,
        MailKind::ReviewsWaiting,
        MailKind::Digest,
        MailKind::Test,
        MailKind::Invitation,
        MailKind::PasswordReset,
    ];

    /// Stable snake_case name (stored in the outbox and the preferences).
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Assignment => "assignment",
            MailKind::FollowupDue => "followup_due",
            MailKind::StageChanged => "stage_changed",
            MailKind::CredentialExpiring => "credential_expiring",
            MailKind::AnnualReportDue => "annual_report_due",
            MailKind::WeeklySummary => "weekly_summary",
            MailKind::Application => "application",
            MailKind::ReviewsWaiting => "reviews_waiting",
            MailKind::Digest => "digest",
            MailKind::Test => "test",
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
        }
    }

    /// The kind with this name.
    pub fn parse(s: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kinds a user sets on the preferences page: every kind the digest can collect.
    pub fn choosable() -> impl Iterator<Item = MailKind> {
        MailKind::ALL.into_iter().filter(|k| k.digestible())
    }

    /// Whether the daily digest can collect this kind (not the digest itself, a test, nor
    /// an account's one-time link, which nobody can put off or turn off); these are also the
    /// kinds users choose a mode for.
    pub fn digestible(self) -> bool {
        !matches!(
            self,
            MailKind::Digest | MailKind::Test | MailKind::Invitation | MailKind::PasswordReset
        )
    }
}

/// How a user wants one kind of mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailMode {
    /// One mail per event, sent at once.
    Immediate,
    /// Collected into the daily digest.
    Digest,
    /// Not sent.
    Off,
}

impl MailMode {
    /// Every mode.
    pub const ALL: [MailMode; 3] = [MailMode::Immediate, MailMode::Digest, MailMode::Off];

    /// Stored id.
    pub fn as_str(self) -> &'static str {
        match self {
            MailMode::Immediate => "immediate",
            MailMode::Digest => "digest",
            MailMode::Off => "off",
        }
    }

    /// The mode with this id.
    pub fn parse(s: &str) -> Option<MailMode> {
        MailMode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One mail to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct MailRequest {
    /// Kind of mail.
    pub kind: MailKind,
    /// Recipient: a user id (address and language come from `users.email` / `users.lang`).
    pub to_user: i64,
    /// Unique key: the same key is never queued twice (e.g. "expiry:firm42:hte:2027-03-01:90").
    pub dedup_key: String,
    /// Template directory under templates/email/.
    pub template: &'static str,
    /// Template parameters (firm name, dates, lists ...).
    pub params: serde_json::Value,
    /// Path of the page concerned, e.g. "/firms/42" (the base URL comes from settings).
    pub link: String,
}

/// What [`queue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// Stored for immediate delivery, with the outbox id.
    Queued(i64),
    /// A mail with this dedup key was queued before; nothing stored.
    Duplicate,
    /// The recipient turned this kind off (or is deactivated); nothing stored.
    Off,
    /// The recipient has no email address; nothing stored.
    NoAddress,
    /// Stored for the recipient's daily digest, with the outbox id.
    Digest(i64),
}

/// Insert into the outbox inside the caller's open transaction (call it within the same
/// `write_tx` as the change that causes the mail). Honors the recipient's preference.
pub fn queue(conn: &mut DbConn, req: &MailRequest, now: NaiveDateTime) -> Result<Queued, AppError> {
    queue_with(conn, &mut Recipients::default(), req, now)
}

/// What [`queue`] reads about a recipient (the user's row and the mode that applies to a
/// kind), kept for the many mails one transaction queues (a list's stage changes, often to
/// the same advisors): each is read once. Only for one transaction that changes neither.
#[derive(Debug, Default)]
pub struct Recipients {
    users: HashMap<i64, users::User>,
    modes: HashMap<(i64, MailKind), MailMode>,
}

/// [`queue`], reading recipients through `recipients`.
pub fn queue_with(
    conn: &mut DbConn,
    recipients: &mut Recipients,
    req: &MailRequest,
    now: NaiveDateTime,
) -> Result<Queued, AppError> {
    let user = match recipients.users.entry(req.to_user) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => {
            e.insert(users::find_by_id(conn, req.to_user).ctx("load the mail recipient")?)
        }
    };
    if !user.active {
        return Ok(Queued::Off);
    }
    let Some(address) = user
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    else {
        return Ok(Queued::NoAddress);
    };
    let (address, lang) = (address.to_string(), user.lang.clone());
    let mode = match recipients.modes.entry((req.to_user, req.kind)) {
        Entry::Occupied(e) => *e.get(),
        Entry::Vacant(e) => *e.insert(effective_mode(conn, req.to_user, req.kind)?),
    };
    let status = match mode {
        MailMode::Off => return Ok(Queued::Off),
        MailMode::Immediate => Status::Queued,
        MailMode::Digest => Status::Digest,
    };
    let row = NewOutboxRow {
        kind: req.kind.as_str().to_string(),
        to_user: req.to_user,
        to_address: address,
        lang,
        dedup_key: req.dedup_key.clone(),
        template: req.template.to_string(),
        params: req.params.to_string(),
        link: req.link.clone(),
        message_id: new_message_id(now),
        status: status.as_str().to_string(),
        next_attempt_at: now,
        created_at: now,
    };
    match outbox::insert_unless_duplicate(conn, &row).ctx("queue a mail")? {
        None => Ok(Queued::Duplicate),
        Some(id) if status == Status::Digest => Ok(Queued::Digest(id)),
        Some(id) => Ok(Queued::Queued(id)),
    }
}

/// The kinds the bureau made mandatory (setting [`MAIL_MANDATORY_KEY`]); unknown names in the
/// setting are ignored, a value that is not a list of strings is an error.
pub fn mandatory_kinds(conn: &mut DbConn) -> Result<Vec<MailKind>, AppError> {
    let Some(value) = settings::get(conn, MAIL_MANDATORY_KEY).ctx("read mail_mandatory")? else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = serde_json::from_value(value).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "setting '{MAIL_MANDATORY_KEY}' is not a list of kind names: {e}"
        ))
    })?;
    Ok(names.iter().filter_map(|n| MailKind::parse(n)).collect())
}

/// The mode the user chose for `kind` (immediate when they chose none), before the mandatory
/// rule is applied.
pub fn chosen_mode(conn: &mut DbConn, user_id: i64, kind: MailKind) -> Result<MailMode, AppError> {
    let stored = mail_prefs::get(conn, user_id, kind.as_str()).ctx("read a mail preference")?;
    match stored {
        None => Ok(MailMode::Immediate),
        Some(s) => MailMode::parse(&s).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "mail preference of user {user_id} for {} is '{s}'",
                kind.as_str()
            ))
        }),
    }
}

/// The mode that applies to the next mail of `kind` for this user: their choice, except that
/// a mandatory kind is never off, and the digest and test mails are always immediate.
pub fn effective_mode(
    conn: &mut DbConn,
    user_id: i64,
    kind: MailKind,
) -> Result<MailMode, AppError> {
    if !kind.digestible() {
        return Ok(MailMode::Immediate);
    }
    let mode = chosen_mode(conn, user_id, kind)?;
    if mode == MailMode::Off && mandatory_kinds(conn)?.contains(&kind) {
        return Ok(MailMode::Immediate);
    }
    Ok(mode)
}

/// The domain of the sender's address, for Message-IDs.
fn message_id_domain() -> String {
    let from = crate::config::mail_from();
    let addr = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from.as_str(),
    };
    addr.rsplit_once('@')
        .map(|(_, d)| d.trim())
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        })
        .unwrap_or("peiyu.localhost")
        .to_string()
}

/// A fresh Message-ID (`<time.random@domain>`), made once at queue time and stored, so every
/// attempt at the same mail carries the same one.
fn new_message_id(now: NaiveDateTime) -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "<{}.{}@{}>",
        now.and_utc().timestamp_millis(),
        hex,
        message_id_domain()
    )
}
