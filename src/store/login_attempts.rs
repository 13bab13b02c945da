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

/// Failed attempts of `username` from `address` since `since`, and the last of them.
pub fn failures_of_pair(
    conn: &mut DbConn,
    username: &str,
    address: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>), StoreError> {
    Ok(login_attempts::table
        .filter(login_attempts::username.eq(username))
        .filter(login_attempts::address.eq(address))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_attempts::at),
        ))
        .first(conn)?)
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

/// Forget the failures of `username` from `address` (after a successful sign-in from there;
/// failures from elsewhere are kept).
pub fn clear_failures_of_pair(
    conn: &mut DbConn,
    username: &str,
    address: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        login_attempts::table
            .filter(login_attempts::username.eq(username))
            .filter(login_attempts::address.eq(address))
            .filter(login_attempts::succeeded.eq(false)),
    )
    .execute(conn)?)
}

/// Failures of one username since a time, across addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameFailures {
    /// The username typed.
    pub username: String,
    /// How many failures.
    pub failures: i64,
    /// From how many distinct addresses.
    pub addresses: i64,
    /// The last failure.
    pub last_at: NaiveDateTime,
}

/// Usernames with failures since `since`, most failures first, at most `limit`.
pub fn failures_by_username(
    conn: &mut DbConn,
    since: NaiveDateTime,
    limit: i64,
) -> Result<Vec<UsernameFailures>, StoreError> {
    use diesel::dsl::{count, count_star, max};
    use diesel::expression_methods::AggregateExpressionMethods;
    let rows: Vec<(String, i64, i64, Option<NaiveDateTime>)> = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::at.ge(since))
        .group_by(login_attempts::username)
        .select((
            login_attempts::username,
            count_star(),
            count(login_attempts::address).aggregate_distinct(),
            max(login_attempts::at),
        ))
        .order((count_star().desc(), login_attempts::username.asc()))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(username, failures, addresses, last)| {
            Some(UsernameFailures {
                username,
                failures,
                addresses,
                last_at: last?,
            })
        })
        .collect())
}

/// Delete attempts older than `before`; returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(login_attempts::table.filter(login_attempts::at.lt(before)))
            .execute(conn)?,
    )
}
