//! Sign-in attempts: the rows login throttling counts. They live in the database so that every
//! `peiyu serve` process on it sees the same failures.

use super::schema::login_attempts;
use super::{DbConn, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An attempt to record.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = login_attempts)]
pub struct NewAttempt<'a> {
    /// The username typed (trimmed), whether or not such a user exists.
    pub username: &'a str,
    /// The client address.
    pub address: &'a str,
    /// Whether the password matched.
    pub succeeded: bool,
    /// When (UTC).
    pub at: NaiveDateTime,
}

/// Record an attempt.
pub fn record(conn: &mut DbConn, attempt: &NewAttempt<'_>) -> Result<(), StoreError> {
    diesel::insert_into(login_attempts::table)
        .values(attempt)
        .execute(conn)?;
    Ok(())
}

/// Failed attempts for `username` since `since`.
pub fn failures_for_username(
    conn: &mut DbConn,
    username: &str,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since))
        .count()
        .get_result(conn)?)
}

/// Failed attempts from `address` since `since`.
pub fn failures_for_address(
    conn: &mut DbConn,
    address: &str,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(login_attempts::table
        .filter(login_attempts::address.eq(address))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since))
        .count()
        .get_result(conn)?)
}

/// The earliest failure for `username` or from `address` since `since`: the throttle lifts a
/// window after it.
pub fn earliest_failure(
    conn: &mut DbConn,
    username: &str,
    address: &str,
    since: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(login_attempts::table
        .filter(
            login_attempts::username
                .eq(username)
                .or(login_attempts::address.eq(address)),
        )
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since))
        .select(diesel::dsl::min(login_attempts::at))
        .first(conn)?)
}

/// Forget the failures of `username` (after a successful sign-in: the account's count starts
/// again; the address's count is kept).
pub fn clear_failures_for_username(conn: &mut DbConn, username: &str) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        login_attempts::table
            .filter(login_attempts::username.eq(username))
            .filter(login_attempts::succeeded.eq(false)),
    )
    .execute(conn)?)
}

/// Delete attempts older than `before`; returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(login_attempts::table.filter(login_attempts::at.lt(before)))
            .execute(conn)?,
    )
}
