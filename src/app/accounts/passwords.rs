//! A user's own password: change it (signed in), ask for a reset link (signed out), set one
//! from a link (invitation or reset), and the temporary password an administrator sets.
//!
//! Every new password meets `core::password`'s rules and moves the user's session epoch on, so
//! every other session of the user ends in every process (the web layer gives the session that
//! made the change a fresh cookie). It also voids the user's unused links. API tokens are left
//! alone: an administrator creates them for an integration, they never came from the
//! password, and they stop anyway when the account is disabled.

use super::links::{self, OpenLink, Purpose, Refused};
use super::password;
use super::users::audit_user;
use crate::app::access::principal_of;
use crate::app::error::{AppError, StoreContext};
use crate::app::mail::{self, MailKind, MailRequest};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::store::account_tokens;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::users::{self, User};
use crate::store::{self, firms, DbConn};
use chrono::{Duration, NaiveDateTime};
use serde_json::json;

/// Reset mails one account gets at most in an hour; further requests are answered the same
/// but queue nothing, so that nobody can flood a mailbox.
pub const RESETS_PER_HOUR: i64 = 5;

/// A new password as typed twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPassword {
    /// The new password (field `password`).
    pub password: String,
    /// The same again (field `password_again`).
    pub again: String,
}

/// The words of `user` a password may not be built on: the username, the name shown, and the
/// firm's name for a firm user.
fn own_words(conn: &mut DbConn, user: &User) -> Result<Vec<String>, AppError> {
    let mut words = vec![user.username.clone(), user.display_name.clone()];
    if let Some(id) = user.firm_id {
        words.push(
            firms::find_by_id(conn, id)
                .ctx("load the user's firm")?
                .name,
        );
    }
    Ok(words)
}

/// Check `new` for `user` (both fields, the rules) and hash it.
fn checked_hash(conn: &mut DbConn, user: &User, new: &NewPassword) -> Result<String, AppError> {
    let words = own_words(conn, user)?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    crate::core::password::check("password", &new.password, &words)?;
    if new.password != new.again {
        return Err(AppError::bad_input(
            "password_again",
            "passwords_differ",
            Text::new("app.accounts.passwords_differ"),
        ));
    }
    Ok(password::hash(&new.password)?)
}

/// Store `hash` as `user_id`'s password (clearing or setting the must-change flag), end every
/// session and void every unused link, inside the caller's transaction; the user as it is now.
fn store_password(
    conn: &mut DbConn,
    user_id: i64,
    hash: &str,
    must_change: bool,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    users::set_password(conn, user_id, hash, must_change).ctx("store the new password")?;
    account_tokens::void_open(conn, user_id, None, now).ctx("void the user's links")?;
    users::find_by_id(conn, user_id).ctx("reload the user")
}

fn own_principal(user: &User) -> Result<Principal, AppError> {
    principal_of(user).ok_or(AppError::Forbidden)
}

/// Change the signed-in user's password: the current one, then the new one twice. A wrong
/// current password is bad input on `current_password`; the new one must differ from it.
/// Clears the must-change flag of a temporary password. Returns the user with the new session
/// epoch.
pub fn change_password(
    conn: &mut DbConn,
    user_id: i64,
    current: &str,
    new: &NewPassword,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    let user = users::find_by_id(conn, user_id).ctx("load the user")?;
    let me = own_principal(&user)?;
    if !user.active {
        return Err(AppError::Forbidden);
    }
    if !password::verify(current, &user.password_hash) {
        return Err(AppError::bad_input(
            "current_password",
            "wrong_password",
            Text::new("app.accounts.wrong_password"),
        ));
    }
    if new.password == current {
        return Err(AppError::bad_input(
            "password",
            "password_unchanged",
            Text::new("app.accounts.password_unchanged"),
        ));
    }
    let hash = checked_hash(conn, &user, new)?;
    let forced = user.must_change_password;
    store::write_tx(conn, |c| {
        let after = store_password(c, user_id, &hash, false, now)?;
        let action = if forced {
            "forced_password_change"
        } else {
            "change_password"
        };
        audit_user(c, &me, action, user_id, json!({}))?;
        Ok(after)
    })
}

/// Set a password from a link (`token`): a first one from an invitation, a new one from a
/// reset. Checks the password before it spends the link, so a refused password leaves the
/// link usable; of two requests racing with one link only one wins. Returns the refusal of a
/// link that does not work, or the user with the new session epoch.
pub fn set_by_link(
    conn: &mut DbConn,
    token: &str,
    new: &NewPassword,
    now: NaiveDateTime,
) -> Result<Result<User, Refused>, AppError> {
    let OpenLink { row, purpose, user } = match links::open(conn, token, now)? {
        Ok(open) => open,
        Err(refused) => return Ok(Err(refused)),
    };
    let me = own_principal(&user)?;
    let hash = checked_hash(conn, &user, new)?;
    store::write_tx(conn, |c| {
        if !account_tokens::mark_used(c, row.id, now).ctx("spend the link")? {
            return Ok(Err(Refused::Used));
        }
        let after = store_password(c, user.id, &hash, false, now)?;
        let action = match purpose {
            Purpose::Invite => "set_password",
            Purpose::Reset => "reset_password",
        };
        audit_user(c, &me, action, user.id, json!({"link": row.id}))?;
        Ok(Ok(after))
    })
}

/// The one account (or accounts sharing an address) that `who` names: a username, else an
/// email address. Disabled accounts and the system are left out.
fn named_accounts(conn: &mut DbConn, who: &str) -> Result<Vec<User>, AppError> {
    let found = match users::find_by_username(conn, who).ctx("find the account")? {
        Some(u) => vec![u],
        None if who.contains('@') => users::find_by_email(conn, who).ctx("find the account")?,
        None => Vec::new(),
    };
    Ok(found
        .into_iter()
        .filter(|u| u.active && principal_of(u).is_some())
        .filter(|u| u.email.as_deref().is_some_and(|e| !e.trim().is_empty()))
        .collect())
}

/// "Forgot password": queue a reset link to the account `who` names (username or email), if
/// there is one, it is active and it has an address; otherwise nothing is queued. The caller
/// cannot tell which: the answer is the same, and so, nearly, is the work (one look-up, one
/// write with its audit row; a reset writes a link and a mail besides). Bad input only for what could never name an
/// account (blank, a control character, too long).
pub fn request_reset(conn: &mut DbConn, who: &str, now: NaiveDateTime) -> Result<(), AppError> {
    crate::core::input::check("who", who, false, 254)?;
    let who = who.trim();
    if who.is_empty() {
        return Err(AppError::bad_input(
            "who",
            "required",
            Text::new("app.accounts.who_required"),
        ));
    }
    let accounts = named_accounts(conn, who)?;
    store::write_tx(conn, |c| {
        let mut sent = 0;
        for user in &accounts {
            let recent = account_tokens::count_since(
                c,
                user.id,
                Purpose::Reset.as_str(),
                now - Duration::hours(1),
            )
            .ctx("count recent reset links")?;
            if recent >= RESETS_PER_HOUR {
                continue;
            }
            let issued = links::issue(c, user.id, Purpose::Reset, links::fresh_token(), now)?;
            mail::queue(
                c,
                &MailRequest {
                    kind: MailKind::PasswordReset,
                    to_user: user.id,
                    dedup_key: format!("password_reset:link{}", issued.id),
                    template: "password_reset",
                    params: json!({
                        "account_mail": true,
                        "name": user.display_name,
                        "username": user.username,
                        "hours": issued.hours,
                    }),
                    link: links::link_path(&issued.token),
                },
                now,
            )?;
            sent += 1;
        }
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: None,
                actor_role: "anonymous",
                action: "request_password_reset",
                entity: "user",
                entity_id: (accounts.len() == 1).then(|| accounts[0].id),
                detail: json!({"accounts": accounts.len(), "mailed": sent}).to_string(),
                at: now,
            },
        )
        .ctx("write audit row for a reset request")
    })
}

/// Give `user_id` a fresh temporary password (administrators only), returned to show once:
/// every session of the user ends, and the next sign-in must choose a new password.
pub fn set_temporary_password(
    conn: &mut DbConn,
    user_id: i64,
    actor: &Principal,
    now: NaiveDateTime,
) -> Result<(User, String), AppError> {
    if !matches!(actor.role, Role::Admin | Role::System) {
        return Err(AppError::Forbidden);
    }
    let temp = super::users::temporary_password();
    let hash = password::hash(&temp)?;
    store::write_tx(conn, |c| {
        let after = store_password(c, user_id, &hash, true, now)?;
        audit_user(c, actor, "set_temporary_password", user_id, json!({}))?;
        Ok((after, temp))
    })
}
