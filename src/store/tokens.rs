//! API bearer tokens: the rows, by hash. The table is declared here rather than in
//! `schema.rs` so that it lands as one new file; it joins nothing.

use super::dialect::table_fns;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[allow(missing_docs)]
mod schema {
    diesel::table! {
        /// Bearer tokens for integrations; only the SHA-256 of each token is kept.
        api_tokens (id) {
            id -> BigInt,
            user_id -> BigInt,
            name -> Text,
            token_hash -> Text,
            created_at -> Timestamp,
            last_used_at -> Nullable<Timestamp>,
            revoked_at -> Nullable<Timestamp>,
        }
    }
}

pub use schema::api_tokens;

/// A token as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// The user the token acts as.
    pub user_id: i64,
    /// A label saying what it is for.
    pub name: String,
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last used (UTC), at most a minute stale.
    pub last_used_at: Option<NaiveDateTime>,
    /// Revoked (UTC); a revoked token authenticates nobody.
    pub revoked_at: Option<NaiveDateTime>,
}

/// A token to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken {
    /// The user.
    pub user_id: i64,
    /// Label.
    pub name: String,
    /// SHA-256 hex of the token.
    pub token_hash: String,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
}

table_fns! {
    /// Insert a token; returns its id.
    insert api_tokens, NewApiToken
}

/// The token with this hash, revoked or not.
pub fn find_by_hash(conn: &mut DbConn, hash: &str) -> Result<Option<ApiToken>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(hash))
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?)
}

table_fns! {
    /// The token with this id.
    find_by_id api_tokens, ApiToken
}

/// Every token, newest first.
pub fn list(conn: &mut DbConn) -> Result<Vec<ApiToken>, StoreError> {
    Ok(api_tokens::table
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// Mark a token revoked at `now` (a second revoke keeps the first time); `NotFound` if absent.
pub fn revoke(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    find_by_id(conn, id)?;
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// Record a use at `now`.
pub fn touch(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}
