//! Accounts: add a user (the CLI), invite one (administrators anyone, the bureau and county
//! officers firm users), send an invitation again, disable and enable, change role and
//! county, list firm users. Every change writes an audit row in the same transaction.

use super::links::{self, Purpose};
use crate::app::accounts::password;
use crate::app::error::{AppError, StoreContext};
use crate::app::mail::{self, MailKind, MailRequest};
use crate::app::principal::Principal;
use crate::core::error::{InputError, Text};
use crate::core::stage::Role;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::user_changes::{self, UserChanges};
use crate::store::users::{self, NewUser, User};
use crate::store::{self, firms, refdata, DbConn, StoreError};
use chrono::{NaiveDateTime, Utc};
use rand::RngCore;

/// The stored "hash" of an account that has no password yet (invited, link not used): not a
/// PHC string, so no password ever matches it.
pub const NO_PASSWORD: &str = "!no-password";

/// Whether the account has a password of its own (or a temporary one), i.e. is no longer
/// waiting for its invitation to be taken up.
pub fn has_password(user: &User) -> bool {
    user.password_hash != NO_PASSWORD
}

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
    /// The password (for [`add_user`]; an invitation ignores it), meeting
    /// `core::password`'s rules.
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

/// Every problem with a new user's fields, each naming its field, so that a form can show
/// them all at once: the ones a person typed (username, display name, address) and the ones
/// only the database can tell (an unknown county, a firm unknown or outside a county
/// officer's county, a taken username). The use case checks them again when it saves.
pub fn invite_problems(
    conn: &mut DbConn,
    input: &NewUserInput,
    actor: &Principal,
) -> Result<Vec<InputError>, AppError> {
    let mut out = Vec::new();
    let mut keep = |r: Result<(), AppError>| -> Result<(), AppError> {
        match r {
            Ok(()) => Ok(()),
            Err(AppError::BadInput(e)) => {
                out.push(e);
                Ok(())
            }
            Err(e) => Err(e),
        }
    };
    let username = input.username.trim();
    let bad_username = username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if bad_username {
        keep(Err(AppError::bad_input(
            "username",
            "invalid_username",
            Text::new("app.accounts.invalid_username"),
        )))?;
    } else if users::find_by_username(conn, username)
        .ctx("look up username")?
        .is_some()
    {
        keep(Err(AppError::bad_input(
            "username",
            "duplicate",
            crate::app::Conflict::Duplicate {
                field: "username",
                value: username.to_string(),
            }
            .text(),
        )))?;
    }
    if let Some(name) = input.display_name.as_deref() {
        keep(crate::core::input::check("display_name", name, false, 100).map_err(Into::into))?;
    }
    if let Some(mail) = some_text(input.email.as_deref()) {
        keep(crate::core::input::email("email", &mail).map_err(Into::into))?;
    }
    let role = match parse_role(&input.role) {
        Ok(r) => r,
        Err(e) => {
            keep(Err(e))?;
            return Ok(out);
        }
    };
    keep(check_county(
        conn,
        role,
        some_text(input.county_code.as_deref()).as_deref(),
    ))?;
    if role == Role::Firm {
        match some_text(input.firm_uscc.as_deref()) {
            None => keep(Err(AppError::bad_input(
                "firm_uscc",
                "firm_required",
                Text::new("app.accounts.firm_required"),
            )))?,
            Some(u) => {
                let firm = firms::find_by_uscc(conn, &u).ctx("look up the user's firm")?;
                let visible = firm.is_some_and(|f| {
                    actor.role != Role::County
                        || actor.county_code.as_deref() == Some(&f.county_code)
                });
                if !visible {
                    keep(Err(AppError::bad_input(
                        "firm_uscc",
                        "unknown_firm",
                        Text::new("app.accounts.unknown_firm").plain("uscc", &u),
                    )))?;
                }
            }
        }
    }
    Ok(out)
}

/// Write the audit row of a change to user `user_id` by `actor`.
pub(crate) fn audit_user(
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

/// A new user's fields, checked.
struct Checked {
    username: String,
    display_name: String,
    email: Option<String>,
    role: Role,
    county: Option<String>,
    firm_uscc: Option<String>,
}

fn some_text(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Check a new user's fields that need no database: every one a person typed.
fn check_fields(input: &NewUserInput) -> Result<Checked, AppError> {
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
    let email = some_text(input.email.as_deref());
    if let Some(mail) = email.as_deref() {
        crate::core::input::email("email", mail)?;
    }
    let role = parse_role(&input.role)?;
    Ok(Checked {
        display_name: some_text(input.display_name.as_deref()).unwrap_or_else(|| username.clone()),
        username,
        email,
        role,
        county: some_text(input.county_code.as_deref()),
        firm_uscc: some_text(input.firm_uscc.as_deref()),
    })
}

/// Insert a checked user with `hash` inside the caller's transaction, with its audit row
/// (`action`, and `detail` added to the user's fields). A firm user's firm must be one the
/// actor may invite for: any for an administrator or the bureau, their county's for a county
/// officer (another county's firm is as unknown as a missing one).
fn insert_user(
    c: &mut DbConn,
    new: &Checked,
    actor: &Principal,
    hash: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<User, AppError> {
    check_county(c, new.role, new.county.as_deref())?;
    let firm_id = match (new.role, new.firm_uscc.as_deref()) {
        (Role::Firm, Some(u)) => {
            let unknown = || {
                AppError::bad_input(
                    "firm_uscc",
                    "unknown_firm",
                    Text::new("app.accounts.unknown_firm").plain("uscc", u),
                )
            };
            let firm = firms::find_by_uscc(c, u)
                .ctx("look up the user's firm")?
                .ok_or_else(unknown)?;
            if actor.role == Role::County && actor.county_code.as_deref() != Some(&firm.county_code)
            {
                return Err(unknown());
            }
            Some(firm.id)
        }
        (Role::Firm, None) => {
            return Err(AppError::bad_input(
                "firm_uscc",
                "firm_required",
                Text::new("app.accounts.firm_required"),
            ))
        }
        _ => None,
    };
    let row = NewUser {
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        email: new.email.clone(),
        role: new.role.id().to_string(),
        county_code: new.county.clone(),
        firm_id,
        password_hash: hash.to_string(),
        lang: "zh-CN".to_string(),
        active: true,
        created_at: Utc::now().naive_utc(),
    };
    let duplicate = || {
        AppError::Conflict(crate::app::Conflict::Duplicate {
            field: "username",
            value: new.username.clone(),
        })
    };
    if users::find_by_username(c, &new.username)
        .ctx("look up username")?
        .is_some()
    {
        return Err(duplicate());
    }
    let id = match users::insert(c, &row) {
        Err(StoreError::Duplicate(_)) => return Err(duplicate()),
        other => other.ctx("insert user")?,
    };
    let mut fields = serde_json::json!({"username": new.username, "role": new.role.id(),
        "county_code": new.county, "firm_id": firm_id});
    if let (Some(f), serde_json::Value::Object(extra)) = (fields.as_object_mut(), detail) {
        f.extend(extra);
    }
    audit_user(c, actor, action, id, fields)?;
    users::find_by_id(c, id).ctx("reload user")
}

/// Add a user with an argon2id hash of the password (administrators and the CLI). A taken
/// username is `Conflict(Duplicate)`; bad fields are `BadInput` naming them.
pub fn add_user(
    conn: &mut DbConn,
    input: NewUserInput,
    actor: &Principal,
) -> Result<User, AppError> {
    require_admin(actor)?;
    let new = check_fields(&input)?;
    crate::core::password::check(
        "password",
        &input.password,
        &[&new.username, &new.display_name],
    )?;
    let hash = password::hash(&input.password)?;
    store::write_tx(conn, |c| {
        insert_user(c, &new, actor, &hash, "add_user", serde_json::json!({}))
    })
}

/// A temporary password: 16 characters from an alphabet without look-alikes.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut raw = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut raw);
    raw.iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// What an invitation did.
#[derive(Debug, Clone)]
pub enum Invited {
    /// The account waits for its password; the invitation mail with the link is queued.
    Mailed(User),
    /// No email address (administrators only): the account has this temporary password, to
    /// show once and to be changed at the first sign-in.
    Temporary(User, String),
}

/// Who may invite whom: administrators anyone; the bureau and county officers firm users only
/// (a county officer for their county's firms, checked with the firm).
fn may_invite(actor: &Principal, role: Role) -> Result<(), AppError> {
    match actor.role {
        Role::Admin | Role::System => Ok(()),
        Role::Bureau | Role::County if role == Role::Firm => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Queue the invitation mail with a new link to `user`, voiding older invitation links,
/// inside the caller's transaction.
fn queue_invitation(
    c: &mut DbConn,
    user: &User,
    actor: &Principal,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let issued = links::issue(c, user.id, Purpose::Invite, links::fresh_token(), now)?;
    let inviter = match actor.user_id {
        Some(id) => {
            users::find_by_id(c, id)
                .ctx("load the inviter")?
                .display_name
        }
        None => String::new(),
    };
    let firm = match user.firm_id {
        Some(id) => {
            firms::find_by_id(c, id)
                .ctx("load the invited user's firm")?
                .name
        }
        None => String::new(),
    };
    let queued = mail::queue(
        c,
        &MailRequest {
            kind: MailKind::Invitation,
            to_user: user.id,
            dedup_key: format!("invitation:link{}", issued.id),
            template: "invitation",
            params: serde_json::json!({
                "account_mail": true,
                "name": user.display_name,
                "username": user.username,
                "role": user.role,
                "firm": firm,
                "inviter": inviter,
                "hours": issued.hours,
            }),
            link: links::link_path(&issued.token),
        },
        now,
    )?;
    if !crate::app::mail::notices::stored(queued) {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the invitation to user {} was not queued: {queued:?}",
            user.id
        )));
    }
    Ok(())
}

/// Invite a user. With an email address the account is created without a usable password and
/// the invitation mail, whose one-time link sets it, is queued in the same transaction. Only
/// an administrator may leave the address out: the account then gets a temporary password
/// (returned, to show once) that must be changed at the first sign-in. Administrators invite
/// anyone; the bureau and county officers firm users (of their county's firms).
pub fn invite_user(
    conn: &mut DbConn,
    input: NewUserInput,
    actor: &Principal,
    now: NaiveDateTime,
) -> Result<Invited, AppError> {
    let new = check_fields(&input)?;
    may_invite(actor, new.role)?;
    if new.email.is_none() {
        require_admin(actor).map_err(|_| {
            AppError::bad_input(
                "email",
                "email_required",
                Text::new("app.accounts.email_required"),
            )
        })?;
        let temp = temporary_password();
        let hash = password::hash(&temp)?;
        return store::write_tx(conn, |c| {
            let user = insert_user(
                c,
                &new,
                actor,
                &hash,
                "add_user",
                serde_json::json!({"temporary_password": true}),
            )?;
            users::set_password(c, user.id, &hash, true).ctx("flag the temporary password")?;
            let user = users::find_by_id(c, user.id).ctx("reload user")?;
            Ok(Invited::Temporary(user, temp))
        });
    }
    store::write_tx(conn, |c| {
        let user = insert_user(
            c,
            &new,
            actor,
            NO_PASSWORD,
            "invite_user",
            serde_json::json!({"email": new.email}),
        )?;
        queue_invitation(c, &user, actor, now)?;
        Ok(Invited::Mailed(user))
    })
}

/// The firm user `user_id` if `actor` may manage their account: administrators and the
/// bureau any, a county officer those of their county's firms (others are not found).
fn managed_firm_user(c: &mut DbConn, user_id: i64, actor: &Principal) -> Result<User, AppError> {
    let user = match users::find_by_id(c, user_id) {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other.ctx("load the user")?,
    };
    match actor.role {
        Role::Admin | Role::System => Ok(user),
        Role::Bureau if user.role == Role::Firm.id() => Ok(user),
        Role::County if user.role == Role::Firm.id() => {
            let firm = match user.firm_id {
                Some(id) => Some(firms::find_by_id(c, id).ctx("load the user's firm")?),
                None => None,
            };
            if firm.is_some_and(|f| actor.county_code.as_deref() == Some(&f.county_code)) {
                Ok(user)
            } else {
                Err(AppError::NotFound)
            }
        }
        Role::Bureau | Role::County => Err(AppError::NotFound),
        _ => Err(AppError::Forbidden),
    }
}

/// Send the invitation again with a new link; the old link stops working. Only for an
/// active account that has not set a password yet and has an address; by whoever may invite
/// the user.
pub fn reinvite(
    conn: &mut DbConn,
    user_id: i64,
    actor: &Principal,
    now: NaiveDateTime,
) -> Result<User, AppError> {
    store::write_tx(conn, |c| {
        let user = managed_firm_user(c, user_id, actor)?;
        if has_password(&user) {
            return Err(AppError::bad_input(
                "user",
                "already_joined",
                Text::new("app.accounts.already_joined").plain("username", &user.username),
            ));
        }
        if !user.active {
            return Err(AppError::bad_input(
                "user",
                "user_disabled",
                Text::new("app.accounts.user_disabled").plain("username", &user.username),
            ));
        }
        if user.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            return Err(AppError::bad_input(
                "email",
                "email_required",
                Text::new("app.accounts.email_required"),
            ));
        }
        queue_invitation(c, &user, actor, now)?;
        audit_user(c, actor, "reinvite_user", user.id, serde_json::json!({}))?;
        Ok(user)
    })
}

/// A firm user's account, for the lists of accounts.
#[derive(Debug, Clone)]
pub struct FirmAccount {
    /// The account.
    pub user: User,
    /// Its firm's id and name.
    pub firm: Option<(i64, String)>,
    /// Still waiting for the invitation to be taken up (no password yet).
    pub pending: bool,
}

/// The firm users `actor` may manage: every one for administrators and the bureau, those of
/// their county's firms for a county officer; by firm name, then username.
pub fn firm_accounts(conn: &mut DbConn, actor: &Principal) -> Result<Vec<FirmAccount>, AppError> {
    if !matches!(actor.role, Role::Admin | Role::Bureau | Role::County) {
        return Err(AppError::Forbidden);
    }
    let all = users::list_firm_users(conn).ctx("list firm users")?;
    let mut ids: Vec<i64> = all.iter().filter_map(|u| u.firm_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let firms: std::collections::HashMap<i64, crate::store::firms::Firm> =
        firms::find_many(conn, &ids)
            .ctx("load the users' firms")?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
    let mut out: Vec<FirmAccount> = all
        .into_iter()
        .filter_map(|user| {
            let firm = user.firm_id.and_then(|id| firms.get(&id));
            if actor.role == Role::County
                && firm.is_none_or(|f| actor.county_code.as_deref() != Some(&f.county_code))
            {
                return None;
            }
            Some(FirmAccount {
                pending: !has_password(&user),
                firm: firm.map(|f| (f.id, f.name.clone())),
                user,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        let name = |x: &FirmAccount| x.firm.as_ref().map(|f| f.1.clone()).unwrap_or_default();
        name(a)
            .cmp(&name(b))
            .then_with(|| a.user.username.cmp(&b.user.username))
    });
    Ok(out)
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
