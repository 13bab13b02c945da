//! One-time links of accounts: an invitation to set a first password, and a password reset.
//!
//! A link carries a token of 32 random bytes (hex). Only its SHA-256 is stored (like an API
//! token's: 256 bits of entropy need no salt or slow hash), with the purpose, the user, when it
//! expires (settings [`INVITE_HOURS_KEY`], default 72 h, and [`RESET_HOURS_KEY`], default 1 h)
//! and when it was used. A link works once; a newer link of the same purpose, or any new
//! password, makes the older ones void. Links are paths ([`link_path`]); the mail worker puts
//! the configured public base URL (setting `base_url`) in front, as for every mail, and
//! forgets the link once the mail is out, so that the token is then stored nowhere.

use super::tokens::token_hash;
use crate::app::error::{AppError, StoreContext};
use crate::store::account_tokens::{self, AccountToken, NewAccountToken};
use crate::store::users::{self, User};
use crate::store::{settings, DbConn};
use chrono::{Duration, NaiveDateTime};
use rand::RngCore;

/// Setting: how many hours an invitation link works (JSON integer).
pub const INVITE_HOURS_KEY: &str = "invite_link_hours";
/// Setting: how many hours a password reset link works (JSON integer).
pub const RESET_HOURS_KEY: &str = "reset_link_hours";
/// The page a link opens.
pub const SET_PASSWORD_PATH: &str = "/password/set";

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Set a first password: the account was created by an invitation.
    Invite,
    /// Choose a new password: the user forgot theirs.
    Reset,
}

impl Purpose {
    /// The stored id.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }

    /// The purpose with this stored id.
    pub fn parse(s: &str) -> Option<Purpose> {
        [Purpose::Invite, Purpose::Reset]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    fn setting(self) -> (&'static str, i64) {
        match self {
            Purpose::Invite => (INVITE_HOURS_KEY, 72),
            Purpose::Reset => (RESET_HOURS_KEY, 1),
        }
    }
}

/// How many hours a link of `purpose` works: its setting, or 72 h for an invitation and 1 h
/// for a reset. A setting that is not a whole number of at least 1 is an error.
pub fn valid_hours(conn: &mut DbConn, purpose: Purpose) -> Result<i64, AppError> {
    let (key, default) = purpose.setting();
    match settings::get(conn, key).ctx("read a link's validity")? {
        None => Ok(default),
        Some(v) => v.as_i64().filter(|h| *h >= 1).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "setting '{key}' must be a whole number of hours, at least 1, not {v}"
            ))
        }),
    }
}

/// The path of the page a link with `token` opens.
pub fn link_path(token: &str) -> String {
    format!("{SET_PASSWORD_PATH}?token={token}")
}

/// A fresh token: 32 random bytes in hex.
pub fn fresh_token() -> String {
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// A link just made.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The stored row's id (the mail's dedup key names it).
    pub id: i64,
    /// The token, which travels in the mail and is never stored.
    pub token: String,
    /// How many hours it works.
    pub hours: i64,
}

/// Make a link of `purpose` for `user_id` inside the caller's transaction, voiding the user's
/// older unused links of the same purpose. `token` is the link's token (see [`fresh_token`]).
pub fn issue(
    conn: &mut DbConn,
    user_id: i64,
    purpose: Purpose,
    token: String,
    now: NaiveDateTime,
) -> Result<Issued, AppError> {
    let hours = valid_hours(conn, purpose)?;
    account_tokens::void_open(conn, user_id, Some(purpose.as_str()), now)
        .ctx("void the older links")?;
    let id = account_tokens::insert(
        conn,
        &NewAccountToken {
            user_id,
            purpose: purpose.as_str().to_string(),
            token_hash: token_hash(&token),
            created_at: now,
            expires_at: now + Duration::hours(hours),
        },
    )
    .ctx("store a one-time link")?;
    Ok(Issued { id, token, hours })
}

/// Why a link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No such link (mistyped, or never made), or its account is disabled.
    Unknown,
    /// Used already, or replaced by a newer link or a new password.
    Used,
    /// Older than its validity.
    Expired,
}

/// A link that works: its row and its account.
#[derive(Debug, Clone)]
pub struct OpenLink {
    /// The stored link.
    pub row: AccountToken,
    /// What it is for.
    pub purpose: Purpose,
    /// The account.
    pub user: User,
}

/// The link with `token`, if it works at `now`.
pub fn open(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Result<OpenLink, Refused>, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 128 {
        return Ok(Err(Refused::Unknown));
    }
    let Some(row) = account_tokens::find_by_hash(conn, &token_hash(token)).ctx("find a link")?
    else {
        return Ok(Err(Refused::Unknown));
    };
    let Some(purpose) = Purpose::parse(&row.purpose) else {
        return Ok(Err(Refused::Unknown));
    };
    if row.used_at.is_some() {
        return Ok(Err(Refused::Used));
    }
    if row.expires_at <= now {
        return Ok(Err(Refused::Expired));
    }
    let user = users::find_by_id(conn, row.user_id).ctx("load a link's account")?;
    if !user.active {
        return Ok(Err(Refused::Unknown));
    }
    Ok(Ok(OpenLink { row, purpose, user }))
}
