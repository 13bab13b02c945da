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

/// Words for a person to read, as a catalog key and its named values: rendered in the
/// reader's language at the edge (`i18n::render`), so the core and the use cases hold no
/// interface text. The catalog entry `key` names its values in braces: `"{year} 年度的登记仍然有效"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// The catalog key, e.g. `error.stage.tsme_still_valid`.
    pub key: &'static str,
    /// The values the entry names, in the order given.
    pub args: Vec<(&'static str, Arg)>,
}

/// One named value in a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Arg {
    /// The same in every language: a number, a date, a code, something a user typed.
    Plain(String),
    /// Another catalog key, rendered in the same language (`stage.reserve`).
    Term(String),
    /// Written in both languages already (an amount: `4,800万元` / `¥48,000,000.00`).
    Words {
        /// Chinese.
        zh: String,
        /// English.
        en: String,
    },
    /// Another text, rendered in the same language.
    Text(Box<Text>),
}

impl Text {
    /// The text of catalog entry `key`, without values yet.
    pub fn new(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
        }
    }

    /// With `name` set to `value`, the same in every language.
    pub fn plain(mut self, name: &'static str, value: impl ToString) -> Text {
        self.args.push((name, Arg::Plain(value.to_string())));
        self
    }

    /// With `name` set to the catalog entry `key`.
    pub fn term(mut self, name: &'static str, key: impl Into<String>) -> Text {
        self.args.push((name, Arg::Term(key.into())));
        self
    }

    /// With `name` set to words written in both languages.
    pub fn words(
        mut self,
        name: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Text {
        self.args.push((
            name,
            Arg::Words {
                zh: zh.into(),
                en: en.into(),
            },
        ));
        self
    }

    /// With `name` set to another text.
    pub fn text(mut self, name: &'static str, text: Text) -> Text {
        self.args.push((name, Arg::Text(Box::new(text))));
        self
    }
}
