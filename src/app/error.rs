//! The one error type web, CLI and jobs see from a use case.

use crate::core::error::{InputError, Reason, Text};
use crate::core::eval::Evaluation;
use crate::core::stage::Rejection;
use crate::store::StoreError;
use std::fmt;

/// Why a use case did not happen. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is wrong; names the field (400).
    #[error("bad input: {0}")]
    BadInput(InputError),
    /// The principal may not do this (403).
    #[error("forbidden")]
    Forbidden,
    /// No such firm or row (404).
    #[error("not found")]
    NotFound,
    /// Stale version, illegal transition or duplicate (409).
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// The rules were evaluated and not met (422), with the evaluation.
    #[error("rule failed")]
    RuleFailed(Box<Evaluation>),
    /// The database cannot be reached now (no connection within the pool's wait): 503, and
    /// the request can be tried again later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a database or pool error, with context (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// Bad input on `field`, with a stable `code` and its words.
    pub fn bad_input(field: &str, code: &'static str, text: Text) -> AppError {
        AppError::BadInput(InputError::new(field, code, text))
    }

    /// Stable snake_case code for the API and the i18n catalogs.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadInput(e) => e.code,
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(c) => c.code(),
            AppError::RuleFailed(_) => "rule_failed",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// A store error in a use case: the meaningful ones keep their meaning, the rest become
    /// `Internal` with `context` saying what was being done.
    pub fn store(e: StoreError, context: &'static str) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::StaleVersion => AppError::Conflict(Conflict::StaleVersion),
            StoreError::Duplicate(field) => AppError::Conflict(Conflict::Duplicate {
                field,
                value: String::new(),
            }),
            other => AppError::Internal(anyhow::Error::new(other).context(context)),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::store(StoreError::from(e), "database transaction")
    }
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        AppError::BadInput(e)
    }
}

/// Adds use-case context to store results.
pub trait StoreContext<T> {
    /// Map the error with [`AppError::store`].
    fn ctx(self, context: &'static str) -> Result<T, AppError>;
}

impl<T> StoreContext<T> for Result<T, StoreError> {
    fn ctx(self, context: &'static str) -> Result<T, AppError> {
        self.map_err(|e| AppError::store(e, context))
    }
}

/// A 409: the change collides with the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Someone else changed the firm since it was loaded.
    StaleVersion,
    /// The stage machine refused the event; carries every reason.
    IllegalTransition(Box<Rejection>),
    /// A unique value is taken.
    Duplicate {
        /// Which field (`uscc`, `ip_number`, `username`, …).
        field: &'static str,
        /// The value, when known.
        value: String,
    },
    /// The record's state does not allow this change now (a follow-up past its edit window,
    /// an issue status that cannot follow the current one), and why.
    Refused {
        /// Stable snake_case code.
        code: &'static str,
        /// Why.
        text: Text,
    },
    /// The record's state does not allow this change, for every one of `reasons` (an
    /// application step its machine refuses); the API lists each with its own code.
    Reasons {
        /// Stable snake_case code of the refusal as a whole.
        code: &'static str,
        /// Why, all reasons in one sentence.
        text: Text,
        /// Each reason.
        reasons: Vec<Reason>,
    },
}

impl Conflict {
    /// Stable code: `stale_version`, `illegal_transition`, `duplicate`, or a refusal's own.
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::StaleVersion => "stale_version",
            Conflict::IllegalTransition(_) => "illegal_transition",
            Conflict::Duplicate { .. } => "duplicate",
            Conflict::Refused { code, .. } | Conflict::Reasons { code, .. } => code,
        }
    }

    /// What collided, in words rendered at the edge.
    pub fn text(&self) -> Text {
        match self {
            Conflict::StaleVersion => Text::new("conflict.stale_version"),
            Conflict::IllegalTransition(r) => Text::new("conflict.illegal_transition")
                .term("event", format!("event.{}", r.event.id()))
                .plain("event_id", r.event.id())
                .list(
                    "reasons",
                    r.reasons.iter().map(|x| x.text.clone()).collect(),
                ),
            Conflict::Duplicate { field, value } => {
                let what = match *field {
                    "uscc" | "ip_number" | "username" | "open_assignment" | "year" => {
                        format!("conflict.what.{field}")
                    }
                    _ => "conflict.what.other".to_string(),
                };
                if value.is_empty() {
                    Text::new("conflict.duplicate").term("what", what)
                } else {
                    Text::new("conflict.duplicate_value")
                        .term("what", what)
                        .plain("value", value)
                }
            }
            Conflict::Refused { text, .. } | Conflict::Reasons { text, .. } => text.clone(),
        }
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::IllegalTransition(r) => write!(f, "{}: {r}", self.code()),
            Conflict::Duplicate { field, value } => write!(f, "duplicate {field} {value}"),
            _ => f.write_str(self.code()),
        }
    }
}
