//! A user's own password: `/account/password` (change it, signed in; where a temporary
//! password sends its user), `/password/forgot` (ask for a reset link, signed out) and
//! `/password/set?token=…` (the page an invitation or reset link opens). Every form carries
//! the CSRF token. A new password ends every other session of the user; the session that set
//! it gets a fresh cookie at the new epoch and stays signed in.

use crate::app::accounts::links::{self, Purpose, Refused};
use crate::app::accounts::passwords::{self, NewPassword};
use crate::app::AppError;
use crate::core::password::{MAX_CHARS, MIN_CHARS};
use crate::i18n::{self, Lang};
use crate::web::auth::{lang_of, AccountUser, CurrentUser};
use crate::web::error::WebError;
use crate::web::pages::{render, see_other};
use crate::web::session::{self, CsrfForm, Session};
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The one problem of a password form, beside its field: `{field: message}`.
fn field_error(lang: Lang, e: &crate::core::error::InputError) -> Value {
    let mut m = Map::new();
    m.insert(e.field.clone(), json!(i18n::render(lang, &e.text)));
    Value::Object(m)
}

/// The rule shown under a new password field.
fn rule(lang: Lang) -> String {
    i18n::render(
        lang,
        &crate::core::error::Text::new("account.password.rule")
            .plain("min", MIN_CHARS)
            .plain("max", MAX_CHARS),
    )
}

/// Sign this browser in as `user` at its (new) session epoch.
fn sign_in_as(req: &HttpRequest, user: &crate::app::model::User) {
    session::set(
        req,
        Session::signed_in(user.id, user.session_epoch, session::now_secs()),
    );
}

/// `?done=` of the change page.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// `changed` after a change.
    #[serde(default)]
    pub done: String,
}

fn change_page(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    errors: Value,
    changed: bool,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    render(
        req,
        lang,
        Some(user),
        "password",
        "pages/accounts/password",
        status,
        json!({
            "forced": user.user.must_change_password,
            "changed": changed,
            "errors": errors,
            "rule": rule(lang),
            "username": user.user.username,
        }),
    )
}

/// `GET /account/password`: the change form.
pub async fn change_form(
    req: HttpRequest,
    user: AccountUser,
    q: web::Query<Done>,
) -> Result<HttpResponse, WebError> {
    let changed = q.done == "changed";
    change_page(&req, &user, StatusCode::OK, json!({}), changed)
}

/// The change form's fields.
#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    /// The password now.
    #[serde(default)]
    pub current_password: String,
    /// The new one.
    #[serde(default)]
    pub password: String,
    /// The new one again.
    #[serde(default)]
    pub password_again: String,
}

/// `POST /account/password`: change it. Every other session of the user ends; this one goes
/// on with a fresh cookie. After a forced change the user goes on to the dashboard.
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AccountUser,
    form: CsrfForm<ChangeForm>,
) -> Result<HttpResponse, WebError> {
    let f = form.0;
    let id = user.user.id;
    let forced = user.user.must_change_password;
    let now = chrono::Utc::now().naive_utc();
    let new = NewPassword {
        password: f.password,
        again: f.password_again,
    };
    let current = f.current_password;
    let result = db(&state, move |c| {
        passwords::change_password(c, id, &current, &new, now)
    })
    .await;
    match result {
        Ok(after) => {
            sign_in_as(&req, &after);
            tracing::info!(user = id, "password changed");
            Ok(see_other(if forced {
                "/"
            } else {
                "/account/password?done=changed"
            }))
        }
        Err(AppError::BadInput(e)) => {
            let errors = field_error(user.lang, &e);
            change_page(&req, &user, StatusCode::BAD_REQUEST, errors, false)
        }
        Err(e) => Err(e.into()),
    }
}

fn forgot_page(
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    who: &str,
    errors: Value,
    sent: Option<i64>,
) -> Result<HttpResponse, WebError> {
    render(
        req,
        lang,
        None,
        "login",
        "pages/accounts/forgot",
        status,
        json!({
            "who": who,
            "errors": errors,
            "sent": sent.map(|hours| i18n::render(
                lang,
                &crate::core::error::Text::new("forgot.sent").plain("hours", hours)
            )),
        }),
    )
}

/// `GET /password/forgot`: the form.
pub async fn forgot_form(req: HttpRequest) -> Result<HttpResponse, WebError> {
    forgot_page(&req, lang_of(&req), StatusCode::OK, "", json!({}), None)
}

/// The forgot form's field.
#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    /// A username or an email address.
    #[serde(default)]
    pub who: String,
}

/// `POST /password/forgot`: queue a reset link if the account exists. The answer is the same
/// page, byte for byte, whether it does or not.
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<ForgotForm>,
) -> Result<HttpResponse, WebError> {
    let lang = lang_of(&req);
    let who = form.0.who;
    let now = chrono::Utc::now().naive_utc();
    let typed = who.clone();
    let result = db(&state, move |c| {
        passwords::request_reset(c, &who, now)?;
        links::valid_hours(c, Purpose::Reset)
    })
    .await;
    match result {
        Ok(hours) => forgot_page(&req, lang, StatusCode::OK, "", json!({}), Some(hours)),
        Err(AppError::BadInput(e)) => {
            // A control character or a line break is not echoed back.
            let keep = match crate::core::input::forbidden_char(&typed, false) {
                Some(_) => "",
                None => typed.trim(),
            };
            let errors = field_error(lang, &e);
            forgot_page(&req, lang, StatusCode::BAD_REQUEST, keep, errors, None)
        }
        Err(e) => Err(e.into()),
    }
}

/// `?token=` of a link.
#[derive(Debug, Deserialize)]
pub struct TokenParam {
    /// The link's token.
    #[serde(default)]
    pub token: String,
}

/// The page of a link that does not work: 404 for an unknown one, 410 for one used, replaced
/// or expired; it offers to ask for a new link.
fn refused_page(req: &HttpRequest, lang: Lang, refused: Refused) -> Result<HttpResponse, WebError> {
    let (status, why) = match refused {
        Refused::Unknown => (StatusCode::NOT_FOUND, "unknown"),
        Refused::Used => (StatusCode::GONE, "used"),
        Refused::Expired => (StatusCode::GONE, "expired"),
    };
    render(
        req,
        lang,
        None,
        "login",
        "pages/accounts/set_password",
        status,
        json!({ "refused": why }),
    )
}

fn set_page(
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    token: &str,
    link: &links::OpenLink,
    errors: Value,
) -> Result<HttpResponse, WebError> {
    render(
        req,
        lang,
        None,
        "login",
        "pages/accounts/set_password",
        status,
        json!({
            "token": token,
            "invite": link.purpose == Purpose::Invite,
            "username": link.user.username,
            "name": link.user.display_name,
            "errors": errors,
            "rule": rule(lang),
        }),
    )
}

/// `GET /password/set?token=…`: the form of a link that works, else why it does not.
pub async fn set_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<TokenParam>,
) -> Result<HttpResponse, WebError> {
    let lang = lang_of(&req);
    let token = q.into_inner().token;
    let now = chrono::Utc::now().naive_utc();
    let t = token.clone();
    match db(&state, move |c| links::open(c, &t, now)).await? {
        Ok(link) => set_page(&req, lang, StatusCode::OK, &token, &link, json!({})),
        Err(refused) => refused_page(&req, lang, refused),
    }
}

/// The link form's fields.
#[derive(Debug, Deserialize)]
pub struct SetForm {
    /// The link's token.
    #[serde(default)]
    pub token: String,
    /// The new password.
    #[serde(default)]
    pub password: String,
    /// The same again.
    #[serde(default)]
    pub password_again: String,
}

/// `POST /password/set`: set the password from the link, spend the link, sign this browser
/// in as the account (every other session of it ends) and go on to the dashboard, which sends
/// a firm's user on to their firm.
pub async fn set(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: CsrfForm<SetForm>,
) -> Result<HttpResponse, WebError> {
    let lang = lang_of(&req);
    let f = form.0;
    let now = chrono::Utc::now().naive_utc();
    let token = f.token.clone();
    let new = NewPassword {
        password: f.password,
        again: f.password_again,
    };
    let t = token.clone();
    let result = db(&state, move |c| passwords::set_by_link(c, &t, &new, now)).await;
    match result {
        Ok(Ok(user)) => {
            sign_in_as(&req, &user);
            tracing::info!(user = user.id, "password set from a link");
            Ok(see_other("/"))
        }
        Ok(Err(refused)) => refused_page(&req, lang, refused),
        Err(AppError::BadInput(e)) => {
            let t = token.clone();
            match db(&state, move |c| links::open(c, &t, now)).await? {
                Ok(link) => {
                    let errors = field_error(lang, &e);
                    set_page(&req, lang, StatusCode::BAD_REQUEST, &token, &link, errors)
                }
                Err(refused) => refused_page(&req, lang, refused),
            }
        }
        Err(e) => Err(e.into()),
    }
}
