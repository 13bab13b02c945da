//! Users who sign in. Passwords arrive here already hashed (argon2id, in the app layer).

use super::dialect::{any_of, table_fns};
use super::schema::users;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    /// Id.
    pub id: i64,
    /// Sign-in name (unique).
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Email.
    pub email: Option<String>,
    /// Role id: `admin`, `bureau`, `county`, `advisor` or `firm`.
    pub role: String,
    /// County of a county officer.
    pub county_code: Option<String>,
    /// Firm of a firm user.
    pub firm_id: Option<i64>,
    /// argon2id hash (PHC string).
    pub password_hash: String,
    /// Interface language, `zh-CN` or `en`.
    pub lang: String,
    /// May sign in.
    pub active: bool,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// The epoch every session cookie of this user must carry: moved on by signing out,
    /// disabling the account and a new password, which ends every session in every process.
    pub session_epoch: i32,
    /// Signed in with a temporary password an administrator set: every page but the change
    /// form sends the user there until they choose their own.
    pub must_change_password: bool,
}

/// Move `user_id`'s session epoch on: every session cookie issued so far is refused from now
/// on, by every process.
pub fn end_sessions(conn: &mut DbConn, user_id: i64) -> Result<(), StoreError> {
    diesel::update(users::table.find(user_id))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .execute(conn)?;
    Ok(())
}

/// A user to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    /// Sign-in name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Email.
    pub email: Option<String>,
    /// Role id.
    pub role: String,
    /// County of a county officer.
    pub county_code: Option<String>,
    /// Firm of a firm user.
    pub firm_id: Option<i64>,
    /// argon2id hash.
    pub password_hash: String,
    /// Interface language.
    pub lang: String,
    /// May sign in.
    pub active: bool,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
}

table_fns! {
    /// Insert a user and return the id; a taken username is `Duplicate("username")`.
    insert users, NewUser
}

table_fns! {
    /// The user with this id.
    find_by_id users, User
}

/// The user with this username, if any.
pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Every user, by username.
pub fn list(conn: &mut DbConn) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .order(users::username.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Replace a user's password hash; `NotFound` if there is no such user.
pub fn set_password_hash(conn: &mut DbConn, id: i64, hash: &str) -> Result<(), StoreError> {
    let n = diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Replace a user's password hash, set or clear the must-change flag, and move the session
/// epoch on (every session issued so far ends), in one statement; returns the new epoch.
/// `NotFound` if there is no such user.
pub fn set_password(
    conn: &mut DbConn,
    id: i64,
    hash: &str,
    must_change: bool,
) -> Result<i32, StoreError> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::session_epoch.eq(users::session_epoch + 1),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(users::table
        .find(id)
        .select(users::session_epoch)
        .get_result(conn)?)
}

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on SQLite and PostgreSQL (ASCII letters on SQLite).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The users whose email address is `email`, ignoring the case of ASCII letters, by id.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(lower(users::email.assume_not_null()).eq(email.to_ascii_lowercase()))
        .order(users::id.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// The users of these firms (firm users), by firm and username.
pub fn list_of_firms(conn: &mut DbConn, firm_ids: &[i64]) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(users::firm_id.eq_any(firm_ids))
        .order((users::firm_id.asc(), users::username.asc()))
        .select(User::as_select())
        .load(conn)?)
}

/// Every firm user, by firm and username.
pub fn list_firm_users(conn: &mut DbConn) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(users::firm_id.is_not_null())
        .order((users::firm_id.asc(), users::username.asc()))
        .select(User::as_select())
        .load(conn)?)
}

/// Users by id (for showing names beside ids), in no particular order.
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .filter(any_of(users::id, ids.iter().copied()))
        .select(User::as_select())
        .load(conn)?)
}

/// The user `id`, if any, with the stored text of setting `key` (`None` when unset), in one
/// statement: what every signed-in request reads (the user and the session idle timeout).
pub fn find_with_setting(
    conn: &mut DbConn,
    id: i64,
    key: &str,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    use super::schema::settings;
    Ok(users::table
        .left_join(settings::table.on(settings::key.eq(key)))
        .filter(users::id.eq(id))
        .select((User::as_select(), settings::value.nullable()))
        .get_result(conn)
        .optional()?)
}

/// A user's id and the name shown, for menus and name lookups.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Named {
    /// Id.
    pub id: i64,
    /// Name shown.
    pub display_name: String,
    /// Sign-in name (unique): tells people with the same name apart.
    pub username: String,
    /// Their county (county officers, advisors), if any.
    pub county_code: Option<String>,
}

impl From<&User> for Named {
    fn from(u: &User) -> Named {
        Named {
            id: u.id,
            display_name: u.display_name.clone(),
            username: u.username.clone(),
            county_code: u.county_code.clone(),
        }
    }
}

/// The active users of `role`, by display name.
fn active_of_role(role: &str) -> users::BoxedQuery<'_, <DbConn as diesel::Connection>::Backend> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::active.eq(true))
        .order((users::display_name.asc(), users::id.asc()))
        .into_boxed()
}

/// The active users of `role` as [`Named`], ordered like [`list_by_role`].
pub fn names_by_role(conn: &mut DbConn, role: &str) -> Result<Vec<Named>, StoreError> {
    Ok(active_of_role(role).select(Named::as_select()).load(conn)?)
}

/// The active users of `role` who are of county `county` or whose id is in `ids`, as
/// [`Named`], ordered like [`list_by_role`].
pub fn names_of_role_in(
    conn: &mut DbConn,
    role: &str,
    county: Option<&str>,
    ids: &[i64],
) -> Result<Vec<Named>, StoreError> {
    let q = active_of_role(role);
    let q = match county {
        Some(c) => q.filter(
            users::county_code
                .eq(c.to_string())
                .or(any_of(users::id, ids.iter().copied())),
        ),
        None => q.filter(any_of(users::id, ids.iter().copied())),
    };
    Ok(q.select(Named::as_select()).load(conn)?)
}

/// Active users of one role, by display name.
pub fn list_by_role(conn: &mut DbConn, role: &str) -> Result<Vec<User>, StoreError> {
    Ok(active_of_role(role).select(User::as_select()).load(conn)?)
}
