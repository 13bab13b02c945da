//! How a failed API call answers: `{"error": {"code", "message", …}}` with the status of
//! DESIGN §5, the message in the caller's language. Never a redirect, never an HTML page.

use crate::app::{AppError, Conflict};
use crate::core::error::Reason;
use crate::i18n::{self, Lang};
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
    /// Stable snake_case code: `unauthenticated`, `csrf`, `forbidden`, `not_found`,
    /// `stale_version`, `illegal_transition`, `duplicate`, `rule_failed`, `internal`, or the
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
    /// For an illegal transition: every reason, in both languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub reasons: Option<Vec<Reason>>,
    /// For a rule failure (422): the evaluation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<serde_json::Value>,
}

/// A failed API call.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The body (boxed: results carrying it stay small).
    pub body: Box<ErrorDetail>,
}

impl ApiError {
    fn plain(status: StatusCode, lang: Lang, code: &str) -> ApiError {
        let key = format!("api.error.{code}");
        let message = i18n::lookup(lang, &key)
            .map(str::to_string)
            .unwrap_or_else(|| i18n::text(lang, &format!("error.{code}")));
        ApiError {
            status,
            body: Box::new(ErrorDetail {
                code: code.to_string(),
                message,
                field: None,
                line: None,
                reasons: None,
                evaluation: None,
            }),
        }
    }

    /// No session cookie or bearer token, or one that is not valid (401).
    pub fn unauthenticated(lang: Lang) -> ApiError {
        ApiError::plain(StatusCode::UNAUTHORIZED, lang, "unauthenticated")
    }

    /// A write authenticated by the session cookie without the matching `X-CSRF-Token` (403).
    pub fn csrf(lang: Lang) -> ApiError {
        ApiError::plain(StatusCode::FORBIDDEN, lang, "csrf")
    }

    /// The role may not do this (403).
    pub fn forbidden(lang: Lang) -> ApiError {
        ApiError::plain(StatusCode::FORBIDDEN, lang, "forbidden")
    }

    /// No such route or resource (404).
    pub fn not_found(lang: Lang) -> ApiError {
        ApiError::plain(StatusCode::NOT_FOUND, lang, "not_found")
    }

    /// A use case's error, with its status.
    pub fn app(lang: Lang, e: AppError) -> ApiError {
        match e {
            AppError::BadInput(i) => ApiError {
                status: StatusCode::BAD_REQUEST,
                body: Box::new(ErrorDetail {
                    code: i.code.to_string(),
                    message: lang.pick(&i.zh, &i.en).to_string(),
                    line: Some(format!("bad input: {}: {} ({})", i.field, i.en, i.zh)),
                    field: Some(i.field),
                    reasons: None,
                    evaluation: None,
                }),
            },
            AppError::Forbidden => ApiError::forbidden(lang),
            AppError::NotFound => ApiError::not_found(lang),
            AppError::Conflict(c) => {
                let mut err = ApiError::plain(StatusCode::CONFLICT, lang, c.code());
                err.body.message = match lang {
                    Lang::ZhCn => c.zh(),
                    Lang::En => c.en(),
                };
                if let Conflict::IllegalTransition(r) = &c {
                    err.body.reasons = Some(r.reasons.clone());
                }
                if let Conflict::Duplicate { field, .. } = &c {
                    err.body.field = Some((*field).to_string());
                }
                err
            }
            AppError::RuleFailed(ev) => {
                let mut err =
                    ApiError::plain(StatusCode::UNPROCESSABLE_ENTITY, lang, "rule_failed");
                err.body.evaluation = Some(ev.to_json());
                err
            }
            AppError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                ApiError::plain(StatusCode::INTERNAL_SERVER_ERROR, lang, "internal")
            }
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.body.code,
            self.body.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"peiyu\""));
        }
        res.json(ErrorBody {
            error: self.body.as_ref().clone(),
        })
    }
}
