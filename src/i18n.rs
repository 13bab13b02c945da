//! The interface languages and their catalogs (`templates/i18n/{zh-CN,en}.toml`), embedded in
//! the binary and shared by web, notify and cli. Keys are dotted paths (`[nav] dashboard = …` is
//! `nav.dashboard`); stage ids, event ids, error codes and criterion ids are keys too
//! (`stage.reserve`, `error.not_found`).

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
