//! Who calls the API: a bearer token (`Authorization: Bearer py_…`) or the session cookie.
//!
//! A bearer token acts as its user, with that user's role and territory; an unknown or revoked
//! token, or a disabled user, is a 401. Without an `Authorization` header the session cookie
//! is checked exactly as for pages ([`CurrentUser`]), but a failure is a 401 JSON error, not a
//! redirect. A write (any method but GET, HEAD and OPTIONS) authenticated by the cookie must
//! carry the session's CSRF token in `X-CSRF-Token` (see `GET /api/v1/me`): a cross-site page
//! can make the browser send the cookie but cannot read the token. Bearer-authenticated writes
//! need no CSRF token, since a browser never adds the header by itself.

use super::error::ApiError;
use crate::app::model::User;
use crate::app::{accounts::tokens, Principal};
use crate::i18n::{Lang, LANG_COOKIE};
use crate::web::auth::CurrentUser;
use crate::web::error::{Kind, WebError};
use crate::web::session::constant_time_eq;
use crate::web::{db, session, AppState};
use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// The header that carries the CSRF token on cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The language of an API answer: the `lang` cookie, else the first of Accept-Language's
/// tags that is Chinese or English, else Simplified Chinese.
pub fn api_lang(req: &HttpRequest) -> Lang {
    if let Some(l) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return l;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for part in accept.split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("zh") {
            return Lang::ZhCn;
        }
        if tag == "en" || tag.starts_with("en-") {
            return Lang::En;
        }
    }
    Lang::ZhCn
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer …`.
    Bearer,
    /// The session cookie.
    Cookie,
}

impl Via {
    /// `bearer` or `cookie`.
    pub fn id(self) -> &'static str {
        match self {
            Via::Bearer => "bearer",
            Via::Cookie => "cookie",
        }
    }
}

/// The authenticated caller of an API route.
#[derive(Debug, Clone)]
pub struct ApiUser {
    /// The account.
    pub user: User,
    /// As the use cases see them.
    pub principal: Principal,
    /// The language of messages.
    pub lang: Lang,
    /// How they authenticated.
    pub via: Via,
}

fn is_write(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn authenticate(req: HttpRequest) -> Result<ApiUser, ApiError> {
    let lang = api_lang(&req);
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?
            .to_string();
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(ApiError::unauthenticated)?;
        let now = chrono::Utc::now().naive_utc();
        let found = db(&state, move |c| tokens::authenticate_token(c, &token, now)).await?;
        let (user, principal) = found.ok_or_else(ApiError::unauthenticated)?;
        return Ok(ApiUser {
            user,
            principal,
            lang,
            via: Via::Bearer,
        });
    }
    let current = CurrentUser::extract(&req)
        .await
        .map_err(|e: WebError| match e.kind {
            Kind::BadRequest(_) => ApiError::unauthenticated(),
            kind => ApiError { kind },
        })?;
    if is_write(req.method()) {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let ok = session::current(&req)
            .is_some_and(|s| constant_time_eq(s.csrf.as_bytes(), sent.as_bytes()));
        if !ok {
            return Err(ApiError::csrf());
        }
    }
    Ok(ApiUser {
        user: current.user,
        principal: current.principal,
        lang,
        via: Via::Cookie,
    })
}

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}
