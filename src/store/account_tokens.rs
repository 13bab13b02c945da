//! One-time links of accounts (invitations and password resets): the rows, by hash. The table
//! is declared here rather than in `schema.rs` so that it lands as one new file; it joins
//! nothing.

use super::dialect::table_fns;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[allow(missing_docs)]
mod schema {
    diesel::table! {
        /// One-time links: only the SHA-256 of each link's token is kept.
        account_tokens (id) {
            id -> BigInt,
            user_id -> BigInt,
            purpose -> Text,
            token_hash -> Text,
            created_at -> Timestamp,
            expires_at -> Timestamp,
            used_at -> Nullable<Timestamp>,
        }
    }
}

pub use schema::account_tokens;

/// A link as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = account_tokens, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AccountToken {
    /// Id.
    pub id: i64,
    /// The account the link is for.
    pub user_id: i64,
    /// `invite` or `reset`.
    pub purpose: String,
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Not usable from this time on (UTC).
    pub expires_at: NaiveDateTime,
    /// Used, or made void by a newer link or a new password (UTC).
    pub used_at: Option<NaiveDateTime>,
}

/// A link to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = account_tokens)]
pub struct NewAccountToken {
    /// The account.
    pub user_id: i64,
    /// `invite` or `reset`.
    pub purpose: String,
    /// SHA-256 hex of the token.
    pub token_hash: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Expires (UTC).
    pub expires_at: NaiveDateTime,
}

table_fns! {
    /// Insert a link; returns its id.
    insert account_tokens, NewAccountToken
}

/// The link with this hash, used or not.
pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> Result<Option<AccountToken>, StoreError> {
    Ok(account_tokens::table
        .filter(account_tokens::token_hash.eq(hash))
        .select(AccountToken::as_select())
        .get_result(conn)
        .optional()?)
}

/// Mark the link used at `now`, unless it already was: whether this call did it. One
/// statement, so that of two requests racing with the same link only one wins.
pub fn mark_used(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        account_tokens::table
            .find(id)
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Make every unused link of `user_id` void at `now`: only those of `purpose`, or all of them
/// when it is `None`. Returns how many.
pub fn void_open(
    conn: &mut DbConn,
    user_id: i64,
    purpose: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let open = account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::used_at.is_null());
    let n = match purpose {
        Some(p) => diesel::update(open.filter(account_tokens::purpose.eq(p)))
            .set(account_tokens::used_at.eq(Some(now)))
            .execute(conn)?,
        None => diesel::update(open)
            .set(account_tokens::used_at.eq(Some(now)))
            .execute(conn)?,
    };
    Ok(n)
}

/// How many links of `purpose` were made for `user_id` since `since`.
pub fn count_since(
    conn: &mut DbConn,
    user_id: i64,
    purpose: &str,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::purpose.eq(purpose))
        .filter(account_tokens::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// The links of `user_id`, newest first (for the tests and the administrators).
pub fn list_for_user(conn: &mut DbConn, user_id: i64) -> Result<Vec<AccountToken>, StoreError> {
    Ok(account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .order(account_tokens::id.desc())
        .select(AccountToken::as_select())
        .load(conn)?)
}
