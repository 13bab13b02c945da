//! The only status table of the web layer: how a failure becomes a response. Pages get the
//! error page in the user's language; an unauthenticated page request is sent to the login
//! page with `next` set to where it was going.

use super::templates;
use crate::app::AppError;
use crate::i18n::{self, Lang};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

/// What went wrong.
#[derive(Debug)]
pub enum Kind {
    /// Not signed in (or the session timed out): 302 to `/login?next=…`.
    SignIn {
        /// The path and query to come back to.
        next: String,
    },
    /// The form's CSRF token is missing or wrong: 403.
    Csrf,
    /// The role may not use this page at all: 403.
    Forbidden,
    /// A malformed request: 400.
    BadRequest(String),
    /// A use case's error, mapped by its kind.
    App(AppError),
}

/// A failed page request, with the language to explain it in.
#[derive(Debug)]
pub struct WebError {
    /// The language of the error page.
    pub lang: Lang,
    /// What went wrong.
    pub kind: Kind,
}

impl WebError {
    /// Send the visitor to sign in, then back to `next`.
    pub fn sign_in(lang: Lang, next: impl Into<String>) -> WebError {
        WebError {
            lang,
            kind: Kind::SignIn { next: next.into() },
        }
    }

    /// The CSRF check failed.
    pub fn csrf(lang: Lang) -> WebError {
        WebError {
            lang,
            kind: Kind::Csrf,
        }
    }

    /// The role may not use this page.
    pub fn forbidden(lang: Lang) -> WebError {
        WebError {
            lang,
            kind: Kind::Forbidden,
        }
    }

    /// A malformed request.
    pub fn bad_request(lang: Lang, msg: impl Into<String>) -> WebError {
        WebError {
            lang,
            kind: Kind::BadRequest(msg.into()),
        }
    }

    /// A use case's error.
    pub fn app(lang: Lang, e: AppError) -> WebError {
        WebError {
            lang,
            kind: Kind::App(e),
        }
    }

    /// The stable code, also the i18n key under `error.`.
    pub fn code(&self) -> &'static str {
        match &self.kind {
            Kind::SignIn { .. } => "unauthenticated",
            Kind::Csrf => "csrf",
            Kind::Forbidden => "forbidden",
            Kind::BadRequest(_) => "bad_request",
            Kind::App(AppError::BadInput(_)) => "bad_input",
            Kind::App(AppError::Conflict(_)) => "conflict",
            Kind::App(e) => e.code(),
        }
    }

    /// The message shown, in the user's language.
    fn message(&self) -> String {
        let lang = self.lang;
        match &self.kind {
            Kind::App(AppError::BadInput(e)) => lang.pick(&e.zh, &e.en).to_string(),
            Kind::App(AppError::Conflict(c)) => match lang {
                Lang::ZhCn => c.zh(),
                Lang::En => c.en(),
            },
            Kind::BadRequest(m) => format!("{} ({m})", i18n::text(lang, "error.bad_request")),
            _ => i18n::text(lang, &format!("error.{}", self.code())),
        }
    }
}

impl fmt::Display for WebError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::App(e) => write!(f, "{e}"),
            Kind::BadRequest(m) => write!(f, "bad request: {m}"),
            _ => f.write_str(self.code()),
        }
    }
}

/// The error page, rendered without a signed-in user (the failure may be about the user).
fn error_page(lang: Lang, status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let data = serde_json::json!({
        "lang": lang.tag(),
        "other_lang": lang.other().tag(),
        "user": null,
        "csrf": "",
        "here": "/",
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
            Kind::Csrf | Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::BadRequest(_) => StatusCode::BAD_REQUEST,
            Kind::App(e) => match e {
                AppError::BadInput(_) => StatusCode::BAD_REQUEST,
                AppError::Forbidden => StatusCode::FORBIDDEN,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::RuleFailed(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Kind::SignIn { next } = &self.kind {
            let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            return HttpResponse::Found()
                .insert_header((header::LOCATION, format!("/login?{query}")))
                .finish();
        }
        if let Kind::App(AppError::Internal(e)) = &self.kind {
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        error_page(self.lang, self.status_code(), self.code(), &self.message())
    }
}
