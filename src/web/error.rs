//! The only status table of the web layer: how a failure becomes a response, for pages and for
//! the API alike. Handlers return [`WebError`] (pages) or [`ApiError`](super::api::error::ApiError)
//! (the API) and use `?` on a use case's [`AppError`]; neither error knows the language.
//! [`in_user_language`], the one place that has the request, renders the failure in the
//! request's language: the error page for pages, `{"error": {"code", "message"}}` under
//! `/api`. An unauthenticated page request is sent to the login page with `next` set to where
//! it was going.

use super::api::auth::api_lang;
use super::api::error::ApiError;
use super::auth::lang_of;
use super::templates;
use crate::app::AppError;
use crate::i18n::{self, Lang};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};
use std::fmt;

/// The page where a user changes their password, and where one with a temporary password is
/// sent until they have.
pub const CHANGE_PASSWORD_PATH: &str = "/account/password";

/// What went wrong, whoever asked.
#[derive(Debug)]
pub enum Kind {
    /// Not signed in (or the session timed out): a page sends the visitor to
    /// `/login?next=…` (302), the API answers 401.
    SignIn {
        /// The path and query to come back to.
        next: String,
    },
    /// The session's user signed in with a temporary password and must choose their own
    /// first: a page sends them to the change form (303), the API answers 403.
    PasswordChange,
    /// The CSRF token is missing or wrong: 403.
    Csrf,
    /// The role may not use this page or route at all: 403.
    Forbidden,
    /// A malformed request: 400.
    BadRequest(String),
    /// The body did not arrive within the server's bound: 408.
    TimedOut,
    /// The body is larger than the route takes: 413.
    TooLarge,
    /// The path exists, with other methods (listed, for the `Allow` header): 405.
    MethodNotAllowed(String),
    /// The body is not of the type the route reads (the API takes `application/json`): 415.
    UnsupportedMediaType,
    /// A use case's error, mapped by its kind.
    App(AppError),
}

impl Kind {
    /// The one status table. Pages answer [`Kind::SignIn`] with a redirect instead.
    pub fn status(&self) -> StatusCode {
        match self {
            Kind::SignIn { .. } => StatusCode::UNAUTHORIZED,
            Kind::Csrf | Kind::Forbidden | Kind::PasswordChange => StatusCode::FORBIDDEN,
            Kind::BadRequest(_) => StatusCode::BAD_REQUEST,
            Kind::TimedOut => StatusCode::REQUEST_TIMEOUT,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::App(e) => match e {
                AppError::BadInput(_) => StatusCode::BAD_REQUEST,
                AppError::Forbidden => StatusCode::FORBIDDEN,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::RuleFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// A 405 says which methods the path takes (`Allow`).
    pub fn allow(&self, res: &mut HttpResponse) {
        if let Kind::MethodNotAllowed(allow) = self {
            if let Ok(v) = header::HeaderValue::from_str(allow) {
                res.headers_mut().insert(header::ALLOW, v);
            }
        }
    }

    /// Log what only the server should see: an internal error's cause chain.
    pub fn log(&self) {
        match self {
            Kind::App(AppError::Internal(e)) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
            }
            Kind::App(AppError::Unavailable(e)) => {
                tracing::warn!(error = %e, "database unavailable");
            }
            _ => {}
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::SignIn { .. } => f.write_str("unauthenticated"),
            Kind::Csrf => f.write_str("csrf"),
            Kind::PasswordChange => f.write_str("password change required"),
            Kind::Forbidden => f.write_str("forbidden"),
            Kind::BadRequest(m) => write!(f, "bad request: {m}"),
            Kind::TimedOut => f.write_str("request body timed out"),
            Kind::TooLarge => f.write_str("request body too large"),
            Kind::MethodNotAllowed(allow) => write!(f, "method not allowed (allow: {allow})"),
            Kind::UnsupportedMediaType => f.write_str("unsupported media type"),
            Kind::App(e) => write!(f, "{e}"),
        }
    }
}

/// A failed page request.
#[derive(Debug)]
pub struct WebError {
    /// What went wrong.
    pub kind: Kind,
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        WebError { kind: Kind::App(e) }
    }
}

impl WebError {
    /// Send the visitor to sign in, then back to `next`.
    pub fn sign_in(next: impl Into<String>) -> WebError {
        WebError {
            kind: Kind::SignIn { next: next.into() },
        }
    }

    /// The user must choose a new password before anything else.
    pub fn password_change() -> WebError {
        WebError {
            kind: Kind::PasswordChange,
        }
    }

    /// The CSRF check failed.
    pub fn csrf() -> WebError {
        WebError { kind: Kind::Csrf }
    }

    /// The role may not use this page.
    pub fn forbidden() -> WebError {
        WebError {
            kind: Kind::Forbidden,
        }
    }

    /// `path` exists with other methods only (405).
    pub fn method_not_allowed(allow: String) -> WebError {
        WebError {
            kind: Kind::MethodNotAllowed(allow),
        }
    }

    /// The body is larger than the form takes (413).
    pub fn too_large() -> WebError {
        WebError {
            kind: Kind::TooLarge,
        }
    }

    /// A malformed request.
    pub fn bad_request(msg: impl Into<String>) -> WebError {
        WebError {
            kind: Kind::BadRequest(msg.into()),
        }
    }

    /// No such page or record.
    pub fn not_found() -> WebError {
        AppError::NotFound.into()
    }

    /// The stable code, also the i18n key under `error.`.
    pub fn code(&self) -> &'static str {
        match &self.kind {
            Kind::SignIn { .. } => "unauthenticated",
            Kind::Csrf => "csrf",
            Kind::PasswordChange => "password_change_required",
            Kind::Forbidden => "forbidden",
            Kind::BadRequest(_) => "bad_request",
            Kind::TimedOut => "timed_out",
            Kind::TooLarge => "too_large",
            Kind::MethodNotAllowed(_) => "method_not_allowed",
            Kind::UnsupportedMediaType => "unsupported_media_type",
            Kind::App(AppError::BadInput(_)) => "bad_input",
            Kind::App(AppError::Conflict(_)) => "conflict",
            Kind::App(e) => e.code(),
        }
    }

    /// The message shown, in `lang`.
    fn message(&self, lang: Lang) -> String {
        match &self.kind {
            Kind::App(AppError::BadInput(e)) => crate::i18n::render(lang, &e.text),
            Kind::App(AppError::Conflict(c)) => crate::i18n::render(lang, &c.text()),
            Kind::BadRequest(m) => format!("{} ({m})", i18n::text(lang, "error.bad_request")),
            _ => i18n::text(lang, &format!("error.{}", self.code())),
        }
    }

    /// The response in `lang`: the redirect to sign in, or the error page, whose language
    /// switch comes back to `here` (a local path and query).
    pub fn response(&self, lang: Lang, here: &str) -> HttpResponse {
        if let Kind::SignIn { next } = &self.kind {
            let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            return HttpResponse::Found()
                .insert_header((header::LOCATION, format!("/login?{query}")))
                .finish();
        }
        if let Kind::PasswordChange = &self.kind {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, CHANGE_PASSWORD_PATH))
                .finish();
        }
        let mut page = error_page(
            lang,
            here,
            self.status_code(),
            self.code(),
            &self.message(lang),
        );
        self.kind.allow(&mut page);
        page
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

/// The error page, rendered without a signed-in user (the failure may be about the user).
fn error_page(
    lang: Lang,
    here: &str,
    status: StatusCode,
    code: &str,
    message: &str,
) -> HttpResponse {
    let next = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
    let data = serde_json::json!({
        "lang": lang.tag(),
        "other_lang": lang.other().tag(),
        "user": null,
        "csrf": "",
        "nav": "",
        "switch_href": format!("/lang/{}?{next}", lang.other().tag()),
        "here": here,
        "status": status.as_u16(),
        "code": code,
        "message": message,
    });
    match templates::render("pages/error", &data) {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the error page");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(format!("{} {}", status.as_u16(), message))
        }
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match &self.kind {
            Kind::SignIn { .. } => StatusCode::FOUND,
            Kind::PasswordChange => StatusCode::SEE_OTHER,
            k => k.status(),
        }
    }

    /// In the default language; [`in_user_language`] answers in the request's.
    fn error_response(&self) -> HttpResponse {
        self.kind.log();
        self.response(Lang::default(), "/")
    }
}

/// Answer a failed request in its language: a [`WebError`] as the error page in the page
/// language ([`lang_of`]), an [`ApiError`] as JSON in the API's ([`api_lang`]). Any other
/// response passes unchanged.
pub async fn in_user_language(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let res = next.call(req).await?;
    let again = res.response().error().and_then(|e| {
        if let Some(w) = e.as_error::<WebError>() {
            let here = res
                .request()
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str());
            Some(w.response(lang_of(res.request()), here))
        } else {
            e.as_error::<ApiError>()
                .map(|a| a.response(api_lang(res.request())))
        }
    });
    Ok(match again {
        Some(answer) => res.into_response(answer).map_into_right_body(),
        None => res.map_into_left_body(),
    })
}
