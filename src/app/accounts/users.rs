//! Accounts: add a user (CLI or the admin page's invitation), disable and enable, change role
//! and county. Administrators only (the CLI acts as the system); every change writes an audit
//! row in the same transaction.

use crate::app::accounts::password;
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::user_changes::{self, UserChanges};
use crate::store::users::{self, NewUser, User};
use crate::store::{self, firms, refdata, DbConn, StoreError};
use chrono::Utc;
use rand::RngCore;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// A user to add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewUserInput {
    /// Sign-in name: letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Role id (`admin`, `bureau`, `county`, `advisor`, `firm`).
    pub role: String,
    /// County code: required for a county officer.
    pub county_code: Option<String>,
    /// The firm of a firm user, by USCC: required for that role.
    pub firm_uscc: Option<String>,
    /// Name shown; the username when absent.
    pub display_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// The password, at least [`MIN_PASSWORD_LEN`] characters.
    pub password: String,
}

fn require_admin(p: &Principal) -> Result<(), AppError> {
    match p.role {
        Role::Admin | Role::System => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::parse(s.trim())
        .filter(|r| *r != Role::System)
        .ok_or_else(|| {
            AppError::bad_input(
                "role",
                "unknown_role",
                Text::new("app.accounts.unknown_role").plain("role", s),
            )
        })
}

fn check_county(conn: &mut DbConn, role: Role, county: Option<&str>) -> Result<(), AppError> {
    match county {
        Some(code) => {
            if refdata::find_county(conn, code)
                .ctx("look up county")?
                .is_none()
            {
                return Err(AppError::bad_input(
                    "county",
                    "unknown_county",
                    Text::new("app.firms.unknown_county").plain("code", code),
                ));
            }
            Ok(())
        }
        None if role == Role::County => Err(AppError::bad_input(
            "county",
            "county_required",
            Text::new("app.accounts.county_required"),
        )),
        None => Ok(()),
    }
}

fn audit_user(
    conn: &mut DbConn,
    actor: &Principal,
    action: &str,
    user_id: i64,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &NewAuditEntry {
            actor_id: actor.user_id,
            actor_role: actor.role.id(),
            action,
            entity: "user",
            entity_id: Some(user_id),
            detail: detail.to_string(),
            at: Utc::now().naive_utc(),
        },
    )
    .ctx("write audit row for a user change")
}

/// Add a user with an argon2id hash of the password. A taken username is
/// `Conflict(Duplicate)`; bad fields are `BadInput` naming them.
pub fn add_user(
    conn: &mut DbConn,
    input: NewUserInput,
    actor: &Principal,
) -> Result<User, AppError> {
    require_admin(actor)?;
    let username = input.username.trim().to_string();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::bad_input(
            "username",
            "invalid_username",
            Text::new("app.accounts.invalid_username"),
        ));
    }
    if let Some(name) = input.display_name.as_deref() {
        crate::core::input::check("display_name", name, false, 100)?;
    }
    if let Some(mail) = input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        crate::core::input::email("email", mail)?;
    }
    let role = parse_role(&input.role)?;
    if input.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::bad_input(
            "password",
            "password_too_short",
            Text::new("app.accounts.password_too_short").plain("min", MIN_PASSWORD_LEN),
        ));
    }
    let hash = password::hash(&input.password)?;
    let county = input
        .county_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    store::write_tx(conn, |c| {
        check_county(c, role, county.as_deref())?;
        let firm_id = match (role, input.firm_uscc.as_deref().map(str::trim)) {
            (Role::Firm, Some(u)) if !u.is_empty() => Some(
                firms::find_by_uscc(c, u)
                    .ctx("look up the user's firm")?
                    .ok_or_else(|| {
                        AppError::bad_input(
                            "firm_uscc",
                            "unknown_firm",
                            Text::new("app.accounts.unknown_firm").plain("uscc", u),
                        )
                    })?
                    .id,
            ),
            (Role::Firm, _) => {
                return Err(AppError::bad_input(
                    "firm_uscc",
                    "firm_required",
                    Text::new("app.accounts.firm_required"),
                ))
            }
            _ => None,
        };
        let now = Utc::now().naive_utc();
        let new = NewUser {
            username: username.clone(),
            display_name: input
                .display_name
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(&username)
                .to_string(),
            email: input
                .email
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            role: role.id().to_string(),
            county_code: county.clone(),
            firm_id,
            password_hash: hash.clone(),
            lang: "zh-CN".to_string(),
            active: true,
            created_at: now,
        };
        let duplicate = || {
            AppError::Conflict(crate::app::Conflict::Duplicate {
                field: "username",
                value: username.clone(),
            })
        };
        if users::find_by_username(c, &username)
            .ctx("look up username")?
            .is_some()
        {
            return Err(duplicate());
        }
        let id = match users::insert(c, &new) {
            Err(StoreError::Duplicate(_)) => return Err(duplicate()),
            other => other.ctx("insert user")?,
        };
        audit_user(
            c,
            actor,
            "add_user",
            id,
            serde_json::json!({"username": username, "role": role.id(),
                "county_code": county, "firm_id": firm_id}),
        )?;
        users::find_by_id(c, id).ctx("reload user")
    })
}

/// A temporary password for an invitation: 16 characters from an alphabet without look-alikes.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut raw = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut raw);
    raw.iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Invite a user: add them with a fresh temporary password, returned to show once.
pub fn invite_user(
    conn: &mut DbConn,
    mut input: NewUserInput,
    actor: &Principal,
) -> Result<(User, String), AppError> {
    let temp = temporary_password();
    input.password = temp.clone();
    let user = add_user(conn, input, actor)?;
    Ok((user, temp))
}

/// Enable or disable a user. An administrator cannot disable themselves (nobody would be left
/// to undo it by mistake).
pub fn set_active(
    conn: &mut DbConn,
    user_id: i64,
    active: bool,
    actor: &Principal,
) -> Result<User, AppError> {
    require_admin(actor)?;
    if !active && actor.user_id == Some(user_id) {
        return Err(AppError::bad_input(
            "active",
            "cannot_disable_self",
            Text::new("app.accounts.cannot_disable_self"),
        ));
    }
    store::write_tx(conn, |c| {
        user_changes::update(
            c,
            user_id,
            &UserChanges {
                active: Some(active),
                ..UserChanges::default()
            },
        )
        .ctx("set user active")?;
        if !active {
            // Disabled: every session of the account ends now, in every process.
            users::end_sessions(c, user_id).ctx("end the disabled user's sessions")?;
        }
        audit_user(
            c,
            actor,
            if active {
                "enable_user"
            } else {
                "disable_user"
            },
            user_id,
            serde_json::json!({"active": active}),
        )?;
        users::find_by_id(c, user_id).ctx("reload user")
    })
}

/// Change a user's role and county (an empty county clears it). A county officer must keep a
/// county; the system role cannot be given.
pub fn change_role(
    conn: &mut DbConn,
    user_id: i64,
    role: &str,
    county_code: Option<&str>,
    actor: &Principal,
) -> Result<User, AppError> {
    require_admin(actor)?;
    let role = parse_role(role)?;
    let county = county_code
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    store::write_tx(conn, |c| {
        check_county(c, role, county.as_deref())?;
        let before = users::find_by_id(c, user_id).ctx("load user")?;
        user_changes::update(
            c,
            user_id,
            &UserChanges {
                role: Some(role.id().to_string()),
                county_code: Some(county.clone()),
                active: None,
            },
        )
        .ctx("change user role")?;
        audit_user(
            c,
            actor,
            "change_user_role",
            user_id,
            serde_json::json!({"from": {"role": before.role, "county_code": before.county_code},
                "to": {"role": role.id(), "county_code": county}}),
        )?;
        users::find_by_id(c, user_id).ctx("reload user")
    })
}

/// Every user, by username (admins only).
pub fn list_users(conn: &mut DbConn, actor: &Principal) -> Result<Vec<User>, AppError> {
    require_admin(actor)?;
    users::list(conn).ctx("list users")
}
