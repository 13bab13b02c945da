//! API bearer tokens: created by an administrator for one user, shown once, kept as a hash.
//!
//! A token is `py_` followed by 32 random bytes in hex. Only its SHA-256 is stored. A plain,
//! unsalted fast hash is enough here (unlike passwords): the token has 256 bits of entropy, so
//! nobody can guess it from the hash, and a fast hash lets every request look it up by value.

use crate::app::access::principal_of;
use crate::app::error::{AppError, StoreContext};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::tokens::{self, ApiToken, NewApiToken};
use crate::store::users::{self, User};
use crate::store::{self, DbConn};
use chrono::{NaiveDateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What every token starts with, so that leaked ones are easy to grep for.
pub const TOKEN_PREFIX: &str = "py_";

/// A use refreshes `last_used_at` only when the stored one is older than this (seconds), so
/// that busy integrations do not write on every request.
const TOUCH_AFTER_SECS: i64 = 60;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a token, lower-case hex: what is stored and looked up.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

/// A created token: the row and the token itself, which is never shown again.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    /// The stored row.
    pub row: ApiToken,
    /// `py_…`: give it to the integration now.
    pub token: String,
}

fn require_admin(p: &Principal) -> Result<(), AppError> {
    match p.role {
        Role::Admin | Role::System => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Create a token for user `username` labelled `name`. Admins (and the CLI, as the system)
/// only; the user must exist and be active. Writes the row and an audit row together.
pub fn create_token(
    conn: &mut DbConn,
    username: &str,
    name: &str,
    actor: &Principal,
) -> Result<CreatedToken, AppError> {
    require_admin(actor)?;
    let label = name.trim().to_string();
    crate::core::input::check("name", &label, false, 100)?;
    crate::core::input::check("user", username, false, 64)?;
    if label.is_empty() {
        return Err(AppError::bad_input(
            "name",
            "name_required",
            Text::new("app.accounts.token_name_required"),
        ));
    }
    store::write_tx(conn, |c| {
        let user = users::find_by_username(c, username.trim())
            .ctx("look up token user")?
            .ok_or_else(|| {
                AppError::bad_input(
                    "user",
                    "unknown_user",
                    Text::new("app.accounts.unknown_user").plain("username", username),
                )
            })?;
        if !user.active {
            return Err(AppError::bad_input(
                "user",
                "user_disabled",
                Text::new("app.accounts.user_disabled").plain("username", username),
            ));
        }
        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = format!("{TOKEN_PREFIX}{}", hex(&raw));
        let now = Utc::now().naive_utc();
        let id = tokens::insert(
            c,
            &NewApiToken {
                user_id: user.id,
                name: label.clone(),
                token_hash: token_hash(&token),
                created_at: now,
            },
        )
        .ctx("insert API token")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: actor.user_id,
                actor_role: actor.role.id(),
                action: "create_api_token",
                entity: "user",
                entity_id: Some(user.id),
                detail: serde_json::json!({"token_id": id, "name": label}).to_string(),
                at: now,
            },
        )
        .ctx("write audit row for create_api_token")?;
        let row = tokens::find_by_id(c, id).ctx("reload API token")?;
        Ok(CreatedToken { row, token })
    })
}

/// Revoke token `id` (admins and the system only); revoking twice is harmless.
pub fn revoke_token(conn: &mut DbConn, id: i64, actor: &Principal) -> Result<(), AppError> {
    require_admin(actor)?;
    store::write_tx(conn, |c| {
        let row = tokens::find_by_id(c, id).ctx("load API token")?;
        let now = Utc::now().naive_utc();
        tokens::revoke(c, id, now).ctx("revoke API token")?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: actor.user_id,
                actor_role: actor.role.id(),
                action: "revoke_api_token",
                entity: "user",
                entity_id: Some(row.user_id),
                detail: serde_json::json!({"token_id": id, "name": row.name}).to_string(),
                at: now,
            },
        )
        .ctx("write audit row for revoke_api_token")
    })
}

/// Every token with its user's name, newest first (admins only).
pub fn list_tokens(
    conn: &mut DbConn,
    actor: &Principal,
) -> Result<Vec<(ApiToken, String)>, AppError> {
    require_admin(actor)?;
    let rows = tokens::list(conn).ctx("list API tokens")?;
    let mut ids: Vec<i64> = rows.iter().map(|t| t.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = users::find_many(conn, &ids)
        .ctx("load token users")?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .map(|t| {
            let n = names.get(&t.user_id).cloned().unwrap_or_default();
            (t, n)
        })
        .collect())
}

/// The user a bearer token acts as, with their principal; `None` for an unknown or revoked
/// token, a disabled user, or a user nobody may act as. Refreshes `last_used_at`.
pub fn authenticate_token(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<(User, Principal)>, AppError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(row) = tokens::find_by_hash(conn, &token_hash(token)).ctx("look up API token")? else {
        return Ok(None);
    };
    if row.revoked_at.is_some() {
        return Ok(None);
    }
    let user = users::find_by_id(conn, row.user_id).ctx("load token user")?;
    if !user.active {
        return Ok(None);
    }
    let Some(principal) = principal_of(&user) else {
        return Ok(None);
    };
    if row
        .last_used_at
        .is_none_or(|t| (now - t).num_seconds() > TOUCH_AFTER_SECS)
    {
        tokens::touch(conn, row.id, now).ctx("record API token use")?;
    }
    Ok(Some((user, principal)))
}
