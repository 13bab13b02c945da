//! What the policy layer says is wrong, without HTTP or exit codes.

use serde::Serialize;
use std::fmt;

/// Bad input: names the field, with one sentence in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// Path of the offending field, e.g. `financials[2].revenue`.
    pub field: String,
    /// Stable snake_case code, e.g. `negative_amount`.
    pub code: &'static str,
    /// The message in Simplified Chinese.
    pub zh: String,
    /// The message in English.
    pub en: String,
}

impl InputError {
    /// A new input error.
    pub fn new(
        field: impl Into<String>,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> InputError {
        InputError {
            field: field.into(),
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.en)
    }
}

impl std::error::Error for InputError {}

/// One reason, in both languages, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable snake_case code (also an i18n key).
    pub code: String,
    /// Chinese sentence.
    pub zh: String,
    /// English sentence.
    pub en: String,
}

impl Reason {
    /// A new reason.
    pub fn new(code: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            code: code.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}
