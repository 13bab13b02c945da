//! Sessions in a signed cookie, and the CSRF token that travels inside them.
//!
//! The cookie `peiyu_session` holds `user.issued.seen.csrf`: the user id (0 before sign-in),
//! when the session was issued and last seen (Unix seconds), and a random CSRF secret. It is
//! signed with HMAC-SHA256 (the `cookie` crate's signed jar) under a key every process on the
//! database shares, so nothing about a session lives in one process. It is `HttpOnly`,
//! `SameSite=Lax`, `Path=/`, and `Secure` when configured.
//!
//! The idle timeout slides: a request more than [`TOUCH_AFTER_SECS`] after `seen` gets a fresh
//! cookie; one more than the timeout after it is signed out. A session also ends
//! [`MAX_AGE_HOURS`] after it was issued, however active.
//!
//! Every form carries the CSRF secret in a hidden `_csrf` field; [`CsrfForm`] refuses a post
//! whose field does not match the cookie's. A cross-site page can make the browser send the
//! cookie but cannot read it, so it cannot forge the field.

use super::error::WebError;
use crate::app::AppError;
use crate::app::{accounts::login, DbConn};
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use rand::RngCore;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "peiyu_session";
/// The settings key under which a generated signing key is kept.
pub const KEY_SETTING: &str = login::SESSION_KEY_SETTING;
/// A session seen less than this many seconds ago is not re-issued.
pub const TOUCH_AFTER_SECS: i64 = 60;
/// No session outlives this many hours.
pub const MAX_AGE_HOURS: i64 = 12;

/// What the session cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The signed-in user; `None` before sign-in.
    pub user_id: Option<i64>,
    /// The user's session epoch at sign-in; a different one in the database means the
    /// session was ended (signed out, disabled, new password).
    pub epoch: i32,
    /// Issued (Unix seconds).
    pub issued: i64,
    /// Last seen (Unix seconds).
    pub seen: i64,
    /// The CSRF secret (32 hex digits).
    pub csrf: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut buf);
    hex(&buf)
}

impl Session {
    /// A session for a visitor who has not signed in (it carries the login form's CSRF secret).
    pub fn anonymous(now: i64) -> Session {
        Session {
            user_id: None,
            epoch: 0,
            issued: now,
            seen: now,
            csrf: random_hex(16),
        }
    }

    /// A new session for `user_id` at its session `epoch`, with a new CSRF secret (never the
    /// pre-sign-in one).
    pub fn signed_in(user_id: i64, epoch: i32, now: i64) -> Session {
        Session {
            user_id: Some(user_id),
            epoch,
            ..Session::anonymous(now)
        }
    }

    /// Whether this session can no longer be honoured at `now` (Unix seconds), whatever the
    /// idle timeout: issued more than [`MAX_AGE_HOURS`] ago, or "seen" more than five minutes
    /// in the future (a clock that went backwards, or a forged time).
    pub fn outlived(&self, now: i64) -> bool {
        now - self.issued > MAX_AGE_HOURS * 3600 || now < self.seen - 300
    }

    fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.user_id.unwrap_or(0),
            self.epoch,
            self.issued,
            self.seen,
            self.csrf
        )
    }

    fn decode(s: &str) -> Option<Session> {
        let mut parts = s.split('.');
        let uid: i64 = parts.next()?.parse().ok()?;
        let epoch: i32 = parts.next()?.parse().ok()?;
        let issued = parts.next()?.parse().ok()?;
        let seen = parts.next()?.parse().ok()?;
        let csrf = parts.next()?.to_string();
        if parts.next().is_some() || csrf.len() != 32 || unhex(&csrf).is_none() {
            return None;
        }
        Some(Session {
            user_id: (uid > 0).then_some(uid),
            epoch,
            issued,
            seen,
            csrf,
        })
    }
}

/// Signs and reads session cookies.
#[derive(Clone)]
pub struct SessionKeys {
    key: Key,
    secure: bool,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKeys")
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

impl SessionKeys {
    /// Keys from a signing key; `secure` adds the `Secure` flag to cookies.
    pub fn new(key: Key, secure: bool) -> SessionKeys {
        SessionKeys { key, secure }
    }

    /// The verified session of a request, if its cookie is present and correctly signed.
    pub fn read(&self, req: &HttpRequest) -> Option<Session> {
        let raw = req.cookie(SESSION_COOKIE)?;
        let mut jar = CookieJar::new();
        jar.add_original(raw.into_owned());
        let verified = jar.signed(&self.key).get(SESSION_COOKIE)?;
        Session::decode(verified.value())
    }

    /// The signed cookie carrying `s`.
    pub fn cookie(&self, s: &Session) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key)
            .add(Cookie::new(SESSION_COOKIE, s.encode()));
        let mut c = jar
            .get(SESSION_COOKIE)
            .cloned()
            .unwrap_or_else(|| Cookie::new(SESSION_COOKIE, ""));
        self.flags(&mut c);
        c
    }

    /// A cookie that removes the session.
    pub fn removal(&self) -> Cookie<'static> {
        let mut c = Cookie::new(SESSION_COOKIE, "");
        self.flags(&mut c);
        c.make_removal();
        c
    }

    fn flags(&self, c: &mut Cookie<'static>) {
        c.set_path("/");
        c.set_http_only(true);
        c.set_same_site(SameSite::Lax);
        c.set_secure(self.secure);
    }

    /// Whether cookies carry the `Secure` flag.
    pub fn secure(&self) -> bool {
        self.secure
    }
}

/// The key a configured text (PEIYU_SECRET_KEY) names: 128 or more hex digits, or 64 or more
/// bytes of text; `None` for a blank text (no key configured).
pub fn key_from_text(text: &str) -> Result<Option<Key>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bytes = match unhex(text) {
        Some(b) if b.len() >= 64 => b,
        _ => text.as_bytes().to_vec(),
    };
    Key::try_from(bytes.as_slice()).map(Some).map_err(|_| {
        "PEIYU_SECRET_KEY is too short: give at least 64 random bytes \
         (128 hex digits, e.g. from `openssl rand -hex 64`)"
            .to_string()
    })
}

/// The signing key: `configured` (see [`key_from_text`]) when given; otherwise the one kept in
/// the settings table, generated on first use. Processes that start together agree on one: the
/// first insert wins and all read it back.
pub fn resolve_key(conn: &mut DbConn, configured: Option<&str>) -> Result<Key, AppError> {
    if let Some(key) = configured
        .map(key_from_text)
        .transpose()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        .flatten()
    {
        return Ok(key);
    }
    let mut fresh = vec![0u8; 64];
    rand::thread_rng().fill_bytes(&mut fresh);
    let stored = login::shared_session_key(conn, &hex(&fresh))?;
    let bytes = stored
        .as_str()
        .and_then(unhex)
        .filter(|b| b.len() >= 64)
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "setting {KEY_SETTING} is not 64 or more hex-encoded bytes"
            ))
        })?;
    Key::try_from(bytes.as_slice())
        .map_err(|_| AppError::Internal(anyhow::anyhow!("setting {KEY_SETTING} is unusable")))
}

/// What the response should do with the session cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieChange {
    /// Send this session.
    Set(Session),
    /// Remove the cookie.
    Clear,
}

/// The request's session as the middleware found it, and the change to send back.
#[derive(Debug, Clone, Default)]
pub struct SessionSlot {
    /// The verified session from the request's cookie.
    pub current: Option<Session>,
    /// The change to apply to the response.
    pub change: Option<CookieChange>,
}

/// Now, in Unix seconds.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The verified session of this request, if any.
pub fn current(req: &HttpRequest) -> Option<Session> {
    req.extensions()
        .get::<SessionSlot>()
        .and_then(|s| match &s.change {
            Some(CookieChange::Set(new)) => Some(new.clone()),
            Some(CookieChange::Clear) => None,
            None => s.current.clone(),
        })
}

/// Replace the session (sign-in, touch) in the response.
pub fn set(req: &HttpRequest, s: Session) {
    let mut ext = req.extensions_mut();
    let slot = ext.get_mut::<SessionSlot>();
    match slot {
        Some(slot) => slot.change = Some(CookieChange::Set(s)),
        None => {
            ext.insert(SessionSlot {
                current: None,
                change: Some(CookieChange::Set(s)),
            });
        }
    }
}

/// Remove the session (sign-out, timeout) in the response.
pub fn clear(req: &HttpRequest) {
    let mut ext = req.extensions_mut();
    match ext.get_mut::<SessionSlot>() {
        Some(slot) => slot.change = Some(CookieChange::Clear),
        None => {
            ext.insert(SessionSlot {
                current: None,
                change: Some(CookieChange::Clear),
            });
        }
    }
}

/// The CSRF token for this request's forms, starting an anonymous session if there is none.
pub fn csrf_token(req: &HttpRequest) -> String {
    if let Some(s) = current(req) {
        return s.csrf;
    }
    let s = Session::anonymous(now_secs());
    let token = s.csrf.clone();
    set(req, s);
    token
}

/// Compare in time independent of where the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `sent` is this request's session CSRF secret (no session: never).
pub fn csrf_matches(req: &HttpRequest, sent: &str) -> bool {
    current(req).is_some_and(|s| constant_time_eq(s.csrf.as_bytes(), sent.as_bytes()))
}

/// A urlencoded form whose `_csrf` field matched the session's secret; the rest of the fields
/// deserialise into `T` (which ignores `_csrf`). Any mismatch, a missing field or a missing
/// session is a 403 and the handler never runs.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = WebError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = web::Form::<Vec<(String, String)>>::from_request(&req, payload);
        Box::pin(async move {
            let pairs = form
                .await
                .map_err(|e| {
                    if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                        WebError::too_large()
                    } else {
                        WebError::bad_request(e.to_string())
                    }
                })?
                .into_inner();
            let sent = pairs
                .iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            if !csrf_matches(&req, sent) {
                return Err(WebError::csrf());
            }
            let encoded = serde_urlencoded::to_string(&pairs)
                .map_err(|e| WebError::bad_request(e.to_string()))?;
            let value = serde_urlencoded::from_str::<T>(&encoded)
                .map_err(|e| WebError::bad_request(e.to_string()))?;
            Ok(CsrfForm(value))
        })
    }
}
