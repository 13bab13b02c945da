//! The handlebars registry: every template under `templates/` embedded in the binary,
//! registered once, in strict mode, with the helpers `{{t "key"}}`, `{{verdict s}}`,
//! `{{options list}}`, `{{include "name"}}` and `{{asset "app.css"}}`.
//!
//! `{{t "a" b}}` joins its parameters with dots and looks the key up in the catalog of the
//! root context's `lang`; a missing key is a render error, never a silent blank.

use crate::i18n::{self, Lang};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason, Renderable,
};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/page_templates.rs"));

/// HTML-escape `s` exactly as handlebars' default escape does (`<`, `>`, `"`, `&`, `'`, `` ` ``
/// and `=`), but a byte at a time with one allocation: the default pushes every character
/// into a growing string, and every `{{value}}` of a page goes through it.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    escape_into(&mut out, s);
    out
}

/// [`escape`] `s` onto the end of `out`.
pub fn escape_into(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'`' => "&#x60;",
            b'=' => "&#x3D;",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// The catalog text of `key` in `lang`, HTML-escaped once for all renders.
fn escaped_text(lang: Lang, key: &str) -> Option<&'static str> {
    static ESCAPED: OnceLock<[HashMap<&'static str, String>; 2]> = OnceLock::new();
    let all = ESCAPED.get_or_init(|| {
        Lang::ALL.map(|l| {
            i18n::catalog(l)
                .map(|c| c.iter().map(|(k, v)| (k.as_str(), escape(v))).collect())
                .unwrap_or_default()
        })
    });
    let i = Lang::ALL.iter().position(|l| *l == lang)?;
    all[i].get(key).map(String::as_str)
}

/// A parameter's text as a helper reads it, borrowed when it is a string.
fn param_str<'a>(
    h: &'a Helper<'_>,
    i: usize,
    helper: &'static str,
) -> Result<Cow<'a, str>, RenderError> {
    let p = h
        .param(i)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, i))?;
    match p.value() {
        serde_json::Value::String(s) => Ok(Cow::Borrowed(s.as_str())),
        serde_json::Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        serde_json::Value::Bool(b) => Ok(Cow::Owned(b.to_string())),
        other => Err(RenderErrorReason::Other(format!(
            "{helper}: parameter {} is {other}, not text",
            p.relative_path().map_or("?", String::as_str)
        ))
        .into()),
    }
}

fn t_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    // One parameter (most calls) is the key as it is; more are joined with dots.
    let key = if h.params().len() <= 1 {
        param_str(h, 0, "t")?
    } else {
        let mut key = String::with_capacity(48);
        for i in 0..h.params().len() {
            if i > 0 {
                key.push('.');
            }
            key.push_str(&param_str(h, i, "t")?);
        }
        Cow::Owned(key)
    };
    out.write(catalog_words(lang_of(ctx), &key)?)?;
    Ok(())
}

/// The page's language, from the `lang` the layout data carries.
fn lang_of(ctx: &Context) -> Lang {
    ctx.data()
        .get("lang")
        .and_then(|v| v.as_str())
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// `{{verdict s}}` with `s` one of `pass`, `fail`, `unknown`: the verdict as a symbol and a
/// word (never by colour alone). A helper rather than a partial: a partial called with a
/// parameter (`{{> status status=x}}`) copies the whole page context on every call, which
/// made every table row cost a copy of the page.
fn verdict_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let status = param_str(h, 0, "verdict")?;
    for piece in verdict_pieces(&status, lang_of(ctx))? {
        out.write(piece)?;
    }
    Ok(())
}

/// The markup of `{{verdict status}}`, in pieces to write one after the other.
fn verdict_pieces(status: &str, lang: Lang) -> Result<[&str; 7], RenderError> {
    let (mark, key) = match status {
        "pass" => ("✓", "criterion_status.pass"),
        "fail" => ("✗", "criterion_status.fail"),
        "unknown" => ("?", "criterion_status.unknown"),
        other => {
            return Err(
                RenderErrorReason::Other(format!("verdict: unknown verdict '{other}'")).into(),
            )
        }
    };
    let word = catalog_words(lang, key)?;
    Ok([
        "<span class=\"status status-",
        status,
        "\"><span aria-hidden=\"true\">",
        mark,
        "</span> ",
        word,
        "</span>",
    ])
}

/// The catalog text of `key` in `lang`, escaped; a missing key is a render error.
fn catalog_words(lang: Lang, key: &str) -> Result<&'static str, RenderError> {
    escaped_text(lang, key).ok_or_else(|| {
        RenderErrorReason::Other(format!("missing i18n key '{key}' in {}", lang.tag())).into()
    })
}

/// HTML that Rust code writes for the hottest part of a page (the rows of the firm list), for
/// its template to place with `{{{…}}}`. Markup comes only from string literals; every value
/// is escaped as `{{value}}` escapes it; words come from the catalogs, as `{{t}}` and
/// `{{verdict}}` write them. Handlebars looks each `{{cell}}` of a row up from the page's root
/// again and builds every helper call's parameters anew: on the list page that was most of
/// the render, for fifty rows of nine cells.
pub struct Html {
    out: String,
    lang: Lang,
}

impl Html {
    /// An empty piece of HTML in `lang`, with room for `capacity` bytes.
    pub fn new(lang: Lang, capacity: usize) -> Html {
        Html {
            out: String::with_capacity(capacity),
            lang,
        }
    }

    /// Markup, as it is.
    pub fn markup(&mut self, m: &'static str) -> &mut Html {
        self.out.push_str(m);
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, s: &str) -> &mut Html {
        escape_into(&mut self.out, s);
        self
    }

    /// A whole number.
    pub fn number(&mut self, n: i64) -> &mut Html {
        use std::fmt::Write;
        let _ = write!(self.out, "{n}");
        self
    }

    /// The catalog's words for `key` (`{{t "key"}}`).
    pub fn words(&mut self, key: &str) -> Result<&mut Html, RenderError> {
        self.out.push_str(catalog_words(self.lang, key)?);
        Ok(self)
    }

    /// `{{verdict status}}`.
    pub fn verdict(&mut self, status: &str) -> Result<&mut Html, RenderError> {
        for piece in verdict_pieces(status, self.lang)? {
            self.out.push_str(piece);
        }
        Ok(self)
    }

    /// The HTML written.
    pub fn finish(self) -> String {
        self.out
    }
}

/// `{{include "name"}}`: render the inline partial (`{{#*inline "name"}}`) or registered
/// template `name` right here, with the current context. Used instead of `{{> name}}` and
/// `{{#> layout}}`: handlebars expands a partial by first deep-copying the whole current
/// context (the page's JSON) into a new block, once per partial — for a list page, most of
/// its render time. A page now defines its `title` and `content` inline and ends with
/// `{{include "layout"}}`, which includes them back.
/// `{{options list}}`: the `<option>`s of a `<select>`, one per item of `list`, each an
/// object with `value`, `name` and optionally `selected: true`; both escaped. One helper call
/// instead of three template expressions per option: the firm list's filters offer every
/// advisor, county and sector.
fn options_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let list = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("options", 0))?;
    let items = list.value().as_array().ok_or_else(|| {
        RenderErrorReason::Other(format!(
            "options: {} is not a list",
            list.relative_path().map_or("?", String::as_str)
        ))
    })?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Ok(escape(s)),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(RenderErrorReason::Other(format!(
            "options: {other} is not text"
        ))),
    };
    for item in items {
        out.write("<option value=\"")?;
        out.write(&text(&item["value"])?)?;
        out.write(if item["selected"].as_bool() == Some(true) {
            "\" selected>"
        } else {
            "\">"
        })?;
        out.write(&text(&item["name"])?)?;
        out.write("</option>")?;
    }
    Ok(())
}

/// `{{asset "app.css"}}`: the path the static asset is served under, with the hash of its
/// bytes in the name ([`super::assets`]); an unknown asset is a render error.
fn asset_helper(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let name = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("asset", 0))?;
    let path = super::assets::path(name)
        .ok_or_else(|| RenderErrorReason::Other(format!("asset: no static asset '{name}'")))?;
    out.write(&escape(path))?;
    Ok(())
}

struct Include;

impl HelperDef for Include {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("include", 0))?;
        if rc.is_current_template(name) {
            return Err(RenderErrorReason::CannotIncludeSelf.into());
        }
        let template = rc
            .get_partial(name)
            .or_else(|| r.get_template(name))
            .ok_or_else(|| RenderErrorReason::PartialNotFound(name.to_owned()))?;
        let before = rc.get_current_template_name();
        let result = template.render(r, ctx, rc, out);
        rc.set_current_template_name(before);
        result
    }
}

fn build() -> Result<Handlebars<'static>, String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.set_prevent_indent(true);
    hb.register_escape_fn(escape);
    hb.register_helper("t", Box::new(t_helper));
    hb.register_helper("verdict", Box::new(verdict_helper));
    hb.register_helper("include", Box::new(Include));
    hb.register_helper("options", Box::new(options_helper));
    hb.register_helper("asset", Box::new(asset_helper));
    for (name, source) in SOURCES {
        hb.register_template_string(name, source)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    for lang in Lang::ALL {
        i18n::catalog(lang)?;
    }
    Ok(hb)
}

/// The registry, built on first use; an error names the template or catalog that is broken.
pub fn registry() -> Result<&'static Handlebars<'static>, String> {
    static R: OnceLock<Result<Handlebars<'static>, String>> = OnceLock::new();
    R.get_or_init(build).as_ref().map_err(Clone::clone)
}

/// Render template `name` with `data`.
pub fn render<T: Serialize>(name: &str, data: &T) -> Result<String, RenderError> {
    let hb = registry().map_err(RenderErrorReason::Other)?;
    hb.render(name, data)
}

/// Render template `name` with `data`, which it takes as the context as it is (the
/// serializing [`render`] would copy it first).
pub fn render_value(name: &str, data: serde_json::Value) -> Result<String, RenderError> {
    let hb = registry().map_err(RenderErrorReason::Other)?;
    hb.render_with_context(name, &Context::from(data))
}

#[cfg(test)]
mod tests {
    use super::{escape, Html};
    use crate::i18n::Lang;

    #[test]
    fn escape_gives_the_same_bytes_as_handlebars() {
        for s in [
            "",
            "plain",
            "负载测试企业000001有限公司",
            "<b>\"a\" & 'b'</b> `x`=y",
            "&&&",
            "末尾<",
            "=start",
        ] {
            assert_eq!(escape(s), handlebars::html_escape(s), "{s}");
        }
    }

    #[test]
    fn html_writes_what_the_helpers_write_and_escapes_every_value() {
        let firm = "<script>alert('x')</script> & =HYPERLINK(\"a\")";
        let page = |words: &str| {
            crate::web::templates::registry()
                .unwrap()
                .render_template(
                    &format!("<td>{{{{name}}}}</td>{words}"),
                    &serde_json::json!({"name": firm, "lang": "en"}),
                )
                .unwrap()
        };
        let mut h = Html::new(Lang::En, 0);
        h.markup("<td>").text(firm).markup("</td>");
        h.words("stage.tech_sme").unwrap().verdict("fail").unwrap();
        assert_eq!(
            h.finish(),
            page(r#"{{t "stage.tech_sme"}}{{verdict "fail"}}"#)
        );
        let mut h = Html::new(Lang::ZhCn, 0);
        assert!(h.words("no.such.key").is_err());
        assert!(h.verdict("maybe").is_err());
    }
}
