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

/// How repeated sign-in failures are slowed. Nobody can lock another person out: a run of
/// failures backs off only the same account *from the same address* (the real user elsewhere
/// signs in as usual), and an address failing across many accounts is slowed, not refused (a
/// shared office address keeps working).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottlePolicy {
    /// Failures of one account from one address, within the window, after which each further
    /// attempt from that pair waits a back-off. (Older settings call it `account`.)
    #[serde(alias = "account")]
    pub pair: i64,
    /// Failures from one address across accounts, within the window, after which every answer
    /// to that address waits [`address_delay_seconds`](Self::address_delay_seconds).
    pub address: i64,
    /// The window failures are counted in, in minutes; also the longest back-off.
    pub window_minutes: i64,
    /// The first back-off in seconds, doubled with each further failure of the pair.
    pub backoff_seconds: i64,
    /// How long an answer to a slowed address waits, in seconds.
    pub address_delay_seconds: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            pair: 5,
            address: 20,
            window_minutes: 15,
            backoff_seconds: 30,
            address_delay_seconds: 3,
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

    fn window(&self) -> Duration {
        Duration::minutes(self.window_minutes.max(1))
    }

    /// The wait after the `failures`-th failure of a pair: none below [`pair`](Self::pair),
    /// then the first back-off, doubling, at most the window.
    pub fn backoff(&self, failures: i64) -> Duration {
        if failures < self.pair.max(1) {
            return Duration::zero();
        }
        let doublings = u32::try_from((failures - self.pair.max(1)).min(30)).unwrap_or(30);
        let seconds = self
            .backoff_seconds
            .max(1)
            .saturating_mul(1_i64 << doublings)
            .min(self.window().num_seconds());
        Duration::seconds(seconds)
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
    /// Too many recent failures of this account from this address: try again after this many
    /// seconds.
    Throttled {
        /// Seconds until the back-off has passed (at least 1).
        retry_after_seconds: i64,
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
    /// How long the answer waits: the address fails across many accounts and is slowed.
    pub slowed_by: std::time::Duration,
}

impl Candidate {
    /// The hash to verify: the account's, or one that matches nothing for an unknown user (or
    /// one without a password), so that a wrong username takes as long as a wrong password.
    pub fn hash(&self) -> &str {
        match &self.user {
            // An account without a password yet (invited) is checked like an unknown one, so
            // that it answers in the same time.
            Some(u) if u.password_hash.starts_with("$argon2") => &u.password_hash,
            _ => dummy_hash(),
        }
    }
}

/// First step of a sign-in: refuse the account from this address while its back-off runs,
/// before any password is checked; else load the account, and say how long the answer waits
/// when the address is slowed. Holds the connection only for these reads, so that the slow
/// password hash never keeps a pooled connection busy.
pub fn begin(
    conn: &mut DbConn,
    username: &str,
    address: &str,
    now: NaiveDateTime,
) -> Result<Result<Candidate, Refusal>, AppError> {
    // As typed: a control character or a line break anywhere is refused, not trimmed away.
    crate::core::input::check("username", username, false, 64)?;
    let username = username.trim();
    let policy = ThrottlePolicy::load(conn)?;
    let since = now - policy.window();
    let (failures, last) =
        login_attempts::failures_of_pair(conn, username, address, since).ctx("count failures")?;
    if let Some(last) = last {
        let lifts = last + policy.backoff(failures);
        if lifts > now {
            let seconds = ((lifts - now).num_milliseconds() + 999) / 1000;
            return Ok(Err(Refusal::Throttled {
                retry_after_seconds: seconds.max(1),
            }));
        }
    }
    let by_address =
        login_attempts::failures_for_address(conn, address, since).ctx("count failures")?;
    let slowed_by = if by_address >= policy.address.max(1) {
        std::time::Duration::from_secs(u64::try_from(policy.address_delay_seconds).unwrap_or(0))
    } else {
        std::time::Duration::ZERO
    };
    let user = users::find_by_username(conn, username).ctx("find user to sign in")?;
    Ok(Ok(Candidate { user, slowed_by }))
}

/// Last step of a sign-in: record the outcome of the password check (`password_ok`) and give
/// the signed-in user or the refusal. A success clears the failures of the account from this
/// address (those from other addresses stay: they may be someone else's).
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
            login_attempts::clear_failures_of_pair(c, username, address)?;
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

/// An account that failed to sign in recently, for the administrators' list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriedAccount {
    /// The username typed (an account may not exist by that name).
    pub username: String,
    /// Whether an account of that name exists.
    pub exists: bool,
    /// Failures in the period.
    pub failures: i64,
    /// From how many addresses.
    pub addresses: i64,
    /// The last failure (UTC).
    pub last_at: NaiveDateTime,
}

/// The accounts being tried: usernames with failed sign-ins in the last 24 hours, most failures
/// first (at most `limit`). Administrators only.
pub fn tried_accounts(
    conn: &mut DbConn,
    principal: &crate::app::Principal,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<TriedAccount>, AppError> {
    if principal.role != crate::core::stage::Role::Admin {
        return Err(AppError::Forbidden);
    }
    let rows = login_attempts::failures_by_username(conn, now - Duration::days(1), limit)
        .ctx("list failed sign-ins")?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let exists = users::find_by_username(conn, &r.username)
            .ctx("look up a tried account")?
            .is_some();
        out.push(TriedAccount {
            username: r.username,
            exists,
            failures: r.failures,
            addresses: r.addresses,
            last_at: r.last_at,
        });
    }
    Ok(out)
}

/// Sign `user_id` out everywhere: every session cookie issued to it so far, in this browser
/// or copied elsewhere, is refused from now on, by every process.
pub fn sign_out(conn: &mut DbConn, user_id: i64) -> Result<(), AppError> {
    users::end_sessions(conn, user_id).ctx("end the user's sessions")
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
