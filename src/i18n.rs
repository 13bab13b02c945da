//! The interface languages and their catalogs (`templates/i18n/{zh-CN,en}.toml`), embedded in
//! the binary and shared by web, notify and cli. Keys are dotted paths (`[nav] dashboard = …` is
//! `nav.dashboard`); stage ids, event ids, error codes and criterion ids are keys too
//! (`stage.reserve`, `error.not_found`).

use crate::core::error::{Arg, Text};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The name of the cookie that remembers the language.
pub const LANG_COOKIE: &str = "lang";

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// Every language.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, as in the cookie and `<html lang>`: `zh-CN` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The short code `zh` or `en`, as in the evaluation JSON's `explain_zh` / `explain_en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh",
            Lang::En => "en",
        }
    }

    /// Parse a tag (`zh-CN`, `zh`, `en`); anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "zh-CN" | "zh" | "zh-cn" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Pick the text of this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::ZhCn => zh,
            Lang::En => en,
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    /// The catalog source as embedded.
    pub fn source(self) -> &'static str {
        match self {
            Lang::ZhCn => include_str!("../templates/i18n/zh-CN.toml"),
            Lang::En => include_str!("../templates/i18n/en.toml"),
        }
    }
}

/// One language's strings by dotted key.
pub type Catalog = BTreeMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) -> Result<(), String> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            other => return Err(format!("{key}: expected text, found {}", other.type_str())),
        }
    }
    Ok(())
}

/// Parse a catalog source into dotted keys.
pub fn parse_catalog(source: &str) -> Result<Catalog, String> {
    let table: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = Catalog::new();
    flatten("", &table, &mut out)?;
    Ok(out)
}

struct Catalogs {
    zh: Catalog,
    en: Catalog,
}

fn catalogs() -> Result<&'static Catalogs, String> {
    static C: OnceLock<Result<Catalogs, String>> = OnceLock::new();
    C.get_or_init(|| {
        Ok(Catalogs {
            zh: parse_catalog(Lang::ZhCn.source()).map_err(|e| format!("zh-CN.toml: {e}"))?,
            en: parse_catalog(Lang::En.source()).map_err(|e| format!("en.toml: {e}"))?,
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The catalog of `lang`; an error names a catalog that does not parse.
pub fn catalog(lang: Lang) -> Result<&'static Catalog, String> {
    let c = catalogs()?;
    Ok(match lang {
        Lang::ZhCn => &c.zh,
        Lang::En => &c.en,
    })
}

/// The text of `key` in `lang`, if the catalog has it.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    catalog(lang).ok()?.get(key).map(String::as_str)
}

/// The text of `key` in `lang`, or the key itself when missing (for text outside templates,
/// where the template test cannot see the key).
pub fn text(lang: Lang, key: &str) -> String {
    lookup(lang, key).map_or_else(|| key.to_string(), str::to_string)
}

/// `text` in `lang`: its catalog entry with every `{name}` replaced by the value of that name
/// (a term or a nested text in the same language). A missing entry renders as its key, so a
/// gap shows instead of vanishing; `tests/it/texts.rs` checks that every key used exists.
pub fn render(lang: Lang, text: &Text) -> String {
    fill(lang, lookup(lang, text.key).unwrap_or(text.key), &text.args)
}

fn fill(lang: Lang, pattern: &str, args: &[(&'static str, Arg)]) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, arg)) => out.push_str(&render_arg(lang, arg)),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn render_arg(lang: Lang, arg: &Arg) -> String {
    match arg {
        Arg::Plain(s) => s.clone(),
        Arg::Term(key) => text(lang, key),
        Arg::Words { zh, en } => lang.pick(zh, en).to_string(),
        Arg::Text(t) => render(lang, t),
        Arg::List(ts) => {
            let items: Vec<String> = ts.iter().map(|t| render(lang, t)).collect();
            items.join(&text(lang, "punct.list"))
        }
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;

    #[test]
    fn values_terms_and_nested_texts_fill_their_places() {
        let t = Text::new("stage.reserve");
        assert_eq!(render(Lang::ZhCn, &t), "高新技术后备企业");
        let unknown = Text::new("no.such.key").plain("x", 1);
        assert_eq!(render(Lang::En, &unknown), "no.such.key");
    }

    #[test]
    fn every_kind_of_value_is_rendered_in_the_readers_language() {
        let inner = Text::new("stage.high_tech");
        let args = vec![
            ("n", Arg::Plain("2024".into())),
            ("stage", Arg::Term("stage.reserve".into())),
            (
                "amount",
                Arg::Words {
                    zh: "4,800万元".into(),
                    en: "¥48.00m".into(),
                },
            ),
            ("then", Arg::Text(Box::new(inner))),
        ];
        let p = "{n}: {stage} / {amount} → {then} {missing} {";
        assert_eq!(
            fill(Lang::ZhCn, p, &args),
            "2024: 高新技术后备企业 / 4,800万元 → 高新技术企业 {missing} {"
        );
        assert_eq!(
            fill(Lang::En, p, &args),
            "2024: high-tech reserve / ¥48.00m → high-tech enterprise {missing} {"
        );
    }
}
