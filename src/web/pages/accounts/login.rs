//! Signing in and out, and the language switch.

use crate::app::accounts::login::{self, Refusal};
use crate::app::AppError;
use crate::core::error::Text;
use crate::i18n::{self, Lang, LANG_COOKIE};
use crate::web::auth::{lang_of, CurrentUser};
use crate::web::error::WebError;
use crate::web::hashing;
use crate::web::pages::see_other;
use crate::web::pages::{render, safe_next};
use crate::web::session::{self, CsrfForm, Session};
use crate::web::{db, AppState};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// `?next=` of the login page and the language switch.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    /// Where to go afterwards (a local path).
    pub next: Option<String>,
}

fn login_page(
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    render(
        req,
        lang,
        None,
        "login",
        "pages/accounts/login",
        status,
        json!({ "next": next, "username": username, "error": error }),
    )
}

/// `GET /login`: the form (or straight on, when already signed in).
pub async fn form(req: HttpRequest, q: web::Query<NextParam>) -> Result<HttpResponse, WebError> {
    let next = safe_next(q.next.as_deref());
    if session::current(&req).is_some_and(|s| s.user_id.is_some()) {
        return Ok(see_other(&next));
    }
    login_page(&req, lang_of(&req), StatusCode::OK, &next, "", None)
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// Where to go afterwards.
    pub next: Option<String>,
}

/// The address login throttling counts: the peer, or the proxy-reported client when the
/// server is configured to trust its proxy.
fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(a) = req.connection_info().realip_remote_addr() {
            return a.to_string();
        }
    }
    req.peer_addr()
        .map_or_else(|| "unknown".to_string(), |a| a.ip().to_string())
}

/// `POST /login`: check the password (throttled), start a session, go on to `next`.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let lang = lang_of(&req);
    let f = form.0;
    let next = safe_next(f.next.as_deref());
    let address = client_address(&req, state.config.trust_proxy);
    let username = f.username.clone();
    let now = chrono::Utc::now().naive_utc();
    // Three steps, so that the slow hash holds neither a worker nor a connection.
    let (name, addr) = (username.clone(), address.clone());
    let begun = match db(&state, move |c| login::begin(c, &name, &addr, now)).await {
        // A username that cannot be one (a control character, too long) is said on the
        // login page, without echoing it back.
        Err(AppError::BadInput(e)) => {
            let msg = format!(
                "{}: {}",
                i18n::text(lang, "login.username"),
                i18n::render(lang, &e.text)
            );
            return login_page(&req, lang, StatusCode::BAD_REQUEST, &next, "", Some(msg));
        }
        other => other?,
    };
    let outcome = match begun {
        Err(refusal) => Err(refusal),
        Ok(candidate) => {
            let slowed_by = candidate.slowed_by;
            let ok = hashing::verify(f.password.clone(), candidate.hash().to_string()).await?;
            let outcome = db(&state, move |c| {
                login::finish(c, candidate, ok, &username, &address, now)
            })
            .await?;
            // An address failing across many accounts waits for every answer; the wait holds
            // neither a thread nor a connection.
            if !slowed_by.is_zero() {
                actix_web::rt::time::sleep(slowed_by).await;
            }
            outcome
        }
    };
    match outcome {
        Ok(user) => {
            session::set(
                &req,
                Session::signed_in(user.id, user.session_epoch, session::now_secs()),
            );
            tracing::info!(user = user.id, "signed in");
            Ok(see_other(&next))
        }
        Err(Refusal::BadCredentials) => login_page(
            &req,
            lang,
            StatusCode::UNAUTHORIZED,
            &next,
            &f.username,
            Some(i18n::text(lang, "login.error.bad_credentials")),
        ),
        Err(Refusal::Throttled {
            retry_after_seconds,
        }) => {
            let wait = if retry_after_seconds < 60 {
                Text::new("login.wait.seconds").plain("n", retry_after_seconds)
            } else {
                Text::new("login.wait.minutes").plain("n", (retry_after_seconds + 59) / 60)
            };
            let msg = i18n::render(lang, &Text::new("login.error.throttled").text("wait", wait));
            let mut res = login_page(
                &req,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &f.username,
                Some(msg),
            )?;
            if let Ok(v) = header::HeaderValue::from_str(&retry_after_seconds.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
    }
}

/// The logout form carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /logout`: end the session, in every process: the user's session epoch moves on, so
/// the cookie (and any copy of it) is refused from now on. This signs the user out of every
/// browser at once.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, WebError> {
    let id = user.user.id;
    db(&state, move |c| login::sign_out(c, id)).await?;
    session::clear(&req);
    tracing::info!(user = user.user.id, "signed out");
    Ok(see_other("/login"))
}

/// `GET /lang/{tag}?next=…`: remember the language in a cookie for a year and go back.
pub async fn switch_lang(
    req: HttpRequest,
    tag: web::Path<String>,
    q: web::Query<NextParam>,
) -> Result<HttpResponse, WebError> {
    let Some(lang) = Lang::parse(&tag) else {
        return Err(WebError::bad_request("unknown language"));
    };
    let mut c = Cookie::new(LANG_COOKIE, lang.tag());
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_max_age(CookieDuration::days(365));
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        c.set_secure(state.keys.secure());
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, safe_next(q.next.as_deref())))
        .cookie(c)
        .finish())
}
