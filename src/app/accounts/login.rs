//! Signing in: the password check with throttling of repeated failures, per account and per
//! address, counted in the database (table `login_attempts`) so that it holds across processes.

use crate::app::accounts::password;
use crate::app::error::{AppError, StoreContext};
use crate::store::login_attempts::{self, NewAttempt};
use crate::store::users::{self, User};
use crate::store::{self, settings, DbConn};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The settings key of the [`ThrottlePolicy`].
pub const THROTTLE_KEY: &str = "login_throttle";
/// The settings key of the session idle timeout in minutes.
pub const SESSION_IDLE_KEY: &str = "session_idle_minutes";
/// The idle timeout when the setting is absent.
pub const DEFAULT_IDLE_MINUTES: i64 = 30;

/// How many failures lock sign-in, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottlePolicy {
    /// Failures for one username within the window that lock it.
    pub account: i64,
    /// Failures from one address within the window that lock it.
    pub address: i64,
    /// The window, in minutes.
    pub window_minutes: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            account: 5,
            address: 20,
            window_minutes: 15,
        }
    }
}

impl ThrottlePolicy {
    /// The policy in force: the `login_throttle` setting or the defaults.
    pub fn load(conn: &mut DbConn) -> Result<ThrottlePolicy, AppError> {
        match settings::get(conn, THROTTLE_KEY).ctx("read login_throttle")? {
            None => Ok(ThrottlePolicy::default()),
            Some(v) => serde_json::from_value(v).map_err(|e| {
                AppError::Internal(anyhow::anyhow!("setting login_throttle is invalid: {e}"))
            }),
        }
    }
}

/// The session idle timeout in force (setting `session_idle_minutes`, default 30).
pub fn idle_timeout(conn: &mut DbConn) -> Result<Duration, AppError> {
    let v = settings::get(conn, SESSION_IDLE_KEY).ctx("read session_idle_minutes")?;
    Ok(idle_of(v))
}

fn idle_of(v: Option<serde_json::Value>) -> Duration {
    let minutes = v
        .and_then(|v| v.as_i64())
        .filter(|m| *m > 0)
        .unwrap_or(DEFAULT_IDLE_MINUTES);
    Duration::minutes(minutes)
}

/// Why a sign-in was refused. Deliberately does not say whether the username exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown user, wrong password or disabled account.
    BadCredentials,
    /// Too many recent failures for this account or address; try again after this many minutes.
    Throttled {
        /// Whole minutes until the window has passed.
        retry_after_minutes: i64,
    },
}

/// A password hash that matches nothing, verified for unknown users so that a wrong username
/// takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| password::hash("peiyu-no-such-user").unwrap_or_default())
}

/// What a sign-in checks the typed password against, once throttling let it through.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The account, when the username exists.
    pub user: Option<User>,
}

impl Candidate {
    /// The hash to verify: the account's, or one that matches nothing for an unknown user, so
    /// that a wrong username takes as long as a wrong password.
    pub fn hash(&self) -> &str {
        match &self.user {
            Some(u) => &u.password_hash,
            None => dummy_hash(),
        }
    }
}

/// First step of a sign-in: refuse a throttled account or address before any password is
/// checked, else load the account. Holds the connection only for these reads, so that the
/// slow password hash never keeps a pooled connection busy.
pub fn begin(
    conn: &mut DbConn,
    username: &str,
    address: &str,
    now: NaiveDateTime,
) -> Result<Result<Candidate, Refusal>, AppError> {
    let username = username.trim();
    let policy = ThrottlePolicy::load(conn)?;
    let since = now - Duration::minutes(policy.window_minutes.max(1));
    let by_account =
        login_attempts::failures_for_username(conn, username, since).ctx("count failures")?;
    let by_address =
        login_attempts::failures_for_address(conn, address, since).ctx("count failures")?;
    if by_account >= policy.account || by_address >= policy.address {
        let earliest = login_attempts::earliest_failure(conn, username, address, since)
            .ctx("find earliest failure")?
            .unwrap_or(now);
        let lifts = earliest + Duration::minutes(policy.window_minutes.max(1));
        let minutes = ((lifts - now).num_seconds() + 59) / 60;
        return Ok(Err(Refusal::Throttled {
            retry_after_minutes: minutes.max(1),
        }));
    }
    let user = users::find_by_username(conn, username).ctx("find user to sign in")?;
    Ok(Ok(Candidate { user }))
}

/// Last step of a sign-in: record the outcome of the password check (`password_ok`) and give
/// the signed-in user or the refusal. A success clears the account's failures.
pub fn finish(
    conn: &mut DbConn,
    candidate: Candidate,
    password_ok: bool,
    username: &str,
    address: &str,
    now: NaiveDateTime,
) -> Result<Result<User, Refusal>, AppError> {
    let username = username.trim();
    let ok = password_ok && candidate.user.as_ref().is_some_and(|u| u.active);
    store::write_tx(conn, |c| {
        // Throttling records: a sign-in need not wait for a disk flush to keep them.
        store::dialect::relaxed_commit(c)?;
        login_attempts::record(
            c,
            &NewAttempt {
                username,
                address,
                succeeded: ok,
                at: now,
            },
        )?;
        if ok {
            login_attempts::clear_failures_for_username(c, username)?;
            login_attempts::prune(c, now - Duration::days(1))?;
        }
        Ok::<(), crate::store::StoreError>(())
    })
    .ctx("record sign-in attempt")?;
    match candidate.user {
        Some(u) if ok => Ok(Ok(u)),
        _ => Ok(Err(Refusal::BadCredentials)),
    }
}

/// The signed-in user with this id, or `None` when the account no longer exists (the session
/// is then signed out).
pub fn signed_in_user(conn: &mut DbConn, user_id: i64) -> Result<Option<User>, AppError> {
    match users::find_by_id(conn, user_id) {
        Ok(u) => Ok(Some(u)),
        Err(store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(AppError::store(e, "load the signed-in user")),
    }
}

/// The signed-in user `user_id` (`None` when the account no longer exists) and the session
/// idle timeout in force ([`idle_timeout`]), read together in one statement: every page and
/// API call made with a session cookie asks for both.
pub fn signed_in_user_and_idle(
    conn: &mut DbConn,
    user_id: i64,
) -> Result<(Option<User>, Duration), AppError> {
    match users::find_with_setting(conn, user_id, SESSION_IDLE_KEY)
        .ctx("load the signed-in user")?
    {
        None => Ok((None, idle_of(None))),
        Some((user, idle)) => {
            let idle = idle
                .map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(|e| {
                    AppError::store(
                        store::StoreError::corrupt(format!(
                            "setting '{SESSION_IDLE_KEY}' is not valid JSON: {e}"
                        )),
                        "read session_idle_minutes",
                    )
                })?;
            Ok((Some(user), idle_of(idle)))
        }
    }
}

/// The settings key of the session cookies' signing key, kept for every process to share.
pub const SESSION_KEY_SETTING: &str = "session_key";

/// The shared session signing key as stored (hex), storing `fresh_hex` first when there is none
/// yet: processes that start together agree on one, since the first insert wins and all read
/// it back.
pub fn shared_session_key(
    conn: &mut DbConn,
    fresh_hex: &str,
) -> Result<serde_json::Value, AppError> {
    settings::get_or_insert(conn, SESSION_KEY_SETTING, &serde_json::json!(fresh_hex))
        .ctx("store the session key")
}
