//! How a failed API call answers: `{"error": {"code", "message", …}}` with the status of the
//! one table ([`Kind::status`]), the message in the caller's language. Never a redirect, never
//! an HTML page.

use crate::app::{AppError, Conflict};
use crate::core::error::{InputError, Reason};
use crate::i18n::{self, Lang};
use crate::web::error::Kind;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code: `unauthenticated`, `csrf`, `password_change_required`
    /// (the session's user must first replace a temporary password), `forbidden`, `not_found`,
    /// `stale_version`, `illegal_transition`, `application_refused` (an application step or
    /// opening its machine refuses), `nomination_refused` (a batch of nominations of which
    /// some cannot be), `already_decided`, `duplicate`, `rule_failed`, `internal`, or the
    /// input error's own code (`invalid_uscc`, `negative_amount`, …).
    pub code: String,
    /// One sentence in the caller's language (Accept-Language or the `lang` cookie; zh-CN
    /// by default).
    pub message: String,
    /// For bad input: the field, e.g. `uscc` or `financials[0].revenue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For bad input: the one line `peiyu eval` prints for the same error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// For an illegal transition, a refused application step and a refused batch of
    /// nominations: every reason, in both languages (`{"code", "zh", "en"}`, and for a
    /// nomination the `firm_id` it concerns).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub reasons: Option<Vec<ReasonOut>>,
    /// For a rule failure (422): the evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<serde_json::Value>,
}

/// One reason of a refusal, in both languages (`{"code", "zh", "en"}`; a nomination's also
/// names its `firm_id`).
#[derive(Debug, Clone, Serialize)]
pub struct ReasonOut {
    /// Stable snake_case code.
    pub code: String,
    /// The reason in Chinese.
    pub zh: String,
    /// The reason in English.
    pub en: String,
    /// The firm the reason concerns, in a batch of several firms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firm_id: Option<i64>,
}

impl From<&Reason> for ReasonOut {
    fn from(r: &Reason) -> ReasonOut {
        ReasonOut {
            code: r.code.clone(),
            zh: crate::i18n::render(Lang::ZhCn, &r.text),
            en: crate::i18n::render(Lang::En, &r.text),
            firm_id: None,
        }
    }
}

/// A failed API call. It carries what went wrong, not the words: the status comes from the
/// one table ([`Kind::status`]) and the body is written in the caller's language by
/// [`in_user_language`](crate::web::error::in_user_language).
#[derive(Debug)]
pub struct ApiError {
    /// What went wrong.
    pub kind: Kind,
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        ApiError { kind: Kind::App(e) }
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        AppError::BadInput(e).into()
    }
}

fn plain(lang: Lang, code: &str) -> ErrorDetail {
    let key = format!("api.error.{code}");
    let message = i18n::lookup(lang, &key)
        .map(str::to_string)
        .unwrap_or_else(|| i18n::text(lang, &format!("error.{code}")));
    ErrorDetail {
        code: code.to_string(),
        message,
        field: None,
        line: None,
        reasons: None,
        evaluation: None,
    }
}

impl ApiError {
    /// No session cookie or bearer token, or one that is not valid (401).
    pub fn unauthenticated() -> ApiError {
        ApiError {
            kind: Kind::SignIn {
                next: String::new(),
            },
        }
    }

    /// A write authenticated by the session cookie without the matching `X-CSRF-Token` (403).
    pub fn csrf() -> ApiError {
        ApiError { kind: Kind::Csrf }
    }

    /// The body is larger than the route takes (413).
    pub fn too_large() -> ApiError {
        ApiError {
            kind: Kind::TooLarge,
        }
    }

    /// The body is not JSON (415).
    pub fn unsupported_media_type() -> ApiError {
        ApiError {
            kind: Kind::UnsupportedMediaType,
        }
    }

    /// A malformed request, e.g. a query parameter given twice (400).
    pub fn bad_request(why: impl Into<String>) -> ApiError {
        ApiError {
            kind: Kind::BadRequest(why.into()),
        }
    }

    /// The role may not do this (403).
    pub fn forbidden() -> ApiError {
        ApiError {
            kind: Kind::Forbidden,
        }
    }

    /// No such route or resource (404).
    pub fn not_found() -> ApiError {
        AppError::NotFound.into()
    }

    /// The body of the answer, in `lang`.
    pub fn detail(&self, lang: Lang) -> ErrorDetail {
        let e = match &self.kind {
            Kind::SignIn { .. } => return plain(lang, "unauthenticated"),
            Kind::Csrf => return plain(lang, "csrf"),
            Kind::PasswordChange => return plain(lang, "password_change_required"),
            Kind::Forbidden => return plain(lang, "forbidden"),
            Kind::BadRequest(_) => return plain(lang, "bad_request"),
            Kind::TimedOut => return plain(lang, "timed_out"),
            Kind::TooLarge => return plain(lang, "too_large"),
            Kind::MethodNotAllowed(_) => return plain(lang, "method_not_allowed"),
            Kind::UnsupportedMediaType => return plain(lang, "unsupported_media_type"),
            Kind::App(e) => e,
        };
        match e {
            AppError::BadInput(i) => ErrorDetail {
                code: i.code.to_string(),
                message: crate::i18n::render(lang, &i.text),
                line: Some(format!(
                    "bad input: {}: {} ({})",
                    i.field,
                    crate::i18n::render(Lang::En, &i.text),
                    crate::i18n::render(Lang::ZhCn, &i.text)
                )),
                field: Some(i.field.clone()),
                reasons: None,
                evaluation: None,
            },
            AppError::Forbidden => plain(lang, "forbidden"),
            AppError::NotFound => plain(lang, "not_found"),
            AppError::Conflict(c) => {
                let mut d = plain(lang, c.code());
                d.message = crate::i18n::render(lang, &c.text());
                if let Conflict::IllegalTransition(r) = c {
                    d.reasons = Some(r.reasons.iter().map(ReasonOut::from).collect());
                }
                if let Conflict::Reasons { reasons, .. } = c {
                    d.reasons = Some(reasons.iter().map(ReasonOut::from).collect());
                }
                if let Conflict::Duplicate { field, .. } = c {
                    d.field = Some((*field).to_string());
                }
                d
            }
            AppError::RuleFailed(ev) => {
                let mut d = plain(lang, "rule_failed");
                d.evaluation = Some(ev.to_json());
                d
            }
            AppError::Internal(_) => plain(lang, "internal"),
            AppError::Unavailable(_) => plain(lang, "unavailable"),
        }
    }

    /// The JSON answer in `lang`, never cached.
    pub fn response(&self, lang: Lang) -> HttpResponse {
        let status = self.kind.status();
        let mut res = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"peiyu\""));
        }
        let mut res = res.json(ErrorBody {
            error: self.detail(lang),
        });
        self.kind.allow(&mut res);
        res
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.status().as_u16(), self.kind)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    /// In the default language; [`in_user_language`](crate::web::error::in_user_language)
    /// answers in the caller's.
    fn error_response(&self) -> HttpResponse {
        self.kind.log();
        self.response(Lang::default())
    }
}
