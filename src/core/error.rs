//! What the policy layer says is wrong, without HTTP or exit codes.

use serde::Serialize;
use std::fmt;

/// Bad input: names the field, with a stable code and the words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// Path of the offending field, e.g. `financials[2].revenue`.
    pub field: String,
    /// Stable snake_case code, e.g. `negative_amount`.
    pub code: &'static str,
    /// What is wrong, rendered in the reader's language at the edge.
    pub text: Text,
}

impl InputError {
    /// A new input error.
    pub fn new(field: impl Into<String>, code: &'static str, text: Text) -> InputError {
        InputError {
            field: field.into(),
            code,
            text,
        }
    }

    /// A new input error whose words are written in both languages here: only for sentences
    /// that carry numbers, in the rule sets' sentence code (a scan in `tests/it/texts.rs`
    /// keeps Chinese literals elsewhere out).
    pub fn words(
        field: impl Into<String>,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> InputError {
        InputError::new(field, code, Text::both(zh, en))
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

impl std::error::Error for InputError {}

/// One reason, with a stable code and its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable snake_case code.
    pub code: String,
    /// Why, rendered in the reader's language at the edge.
    pub text: Text,
}

impl Reason {
    /// A new reason.
    pub fn new(code: impl Into<String>, text: Text) -> Reason {
        Reason {
            code: code.into(),
            text,
        }
    }

    /// A new reason whose words are written in both languages here: only for the rule sets'
    /// sentences (a criterion's explanation).
    pub fn words(code: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason::new(code, Text::both(zh, en))
    }
}

/// Words for a person to read, as a catalog key and its named values: rendered in the
/// reader's language at the edge (`i18n::render`), so the core and the use cases hold no
/// interface text. The catalog entry `key` names its values in braces: `"the {year} tech-SME
/// registration is still current"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// The catalog key, e.g. `reason.registration_still_current`.
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
    /// Several texts, joined by the catalog's `punct.list` (`；` / `; `).
    List(Vec<Text>),
}

impl Text {
    /// The text of catalog entry `key`, without values yet.
    pub fn new(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
        }
    }

    /// Words already written in both languages, by the rule sets' sentence code (a sentence
    /// that carries numbers). It has no catalog entry: its key is the pattern `{w}` itself.
    pub fn both(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text::new("{w}").words("w", zh, en)
    }

    /// For the core's own tests, which cannot read the catalogs: the words in Chinese
    /// (`zh`) or English, with a catalog entry shown as its key followed by its values.
    #[cfg(test)]
    pub fn sketch(&self, zh: bool) -> String {
        let arg = |a: &Arg| match a {
            Arg::Plain(s) | Arg::Term(s) => s.clone(),
            Arg::Words { zh: z, en: e } => {
                if zh {
                    z.clone()
                } else {
                    e.clone()
                }
            }
            Arg::Text(t) => t.sketch(zh),
            Arg::List(ts) => ts
                .iter()
                .map(|t| t.sketch(zh))
                .collect::<Vec<_>>()
                .join("; "),
        };
        if self.key == "{w}" {
            return self.args.iter().map(|(_, a)| arg(a)).collect();
        }
        let values: Vec<String> = self
            .args
            .iter()
            .map(|(n, a)| format!("{n}={}", arg(a)))
            .collect();
        format!("{}({})", self.key, values.join(", "))
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

    /// With `name` set to several texts, joined as a list.
    pub fn list(mut self, name: &'static str, texts: Vec<Text>) -> Text {
        self.args.push((name, Arg::List(texts)));
        self
    }

    /// With `name` set to another text.
    pub fn text(mut self, name: &'static str, text: Text) -> Text {
        self.args.push((name, Arg::Text(Box::new(text))));
        self
    }
}
