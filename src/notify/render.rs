//! Email rendering: handlebars templates `templates/email/<template>/<lang>/{subject.txt,
//! body.txt,body.html}.hbs`, embedded at build time, wrapped in the layout
//! `templates/email/_layout/<lang>/` that adds the link back and the footer (why this mail
//! came, where to change it; an account's mail, whose parameters say `account_mail`, says
//! instead that it cannot be turned off and that its link works once). The text parts are rendered without HTML escaping, the HTML part
//! with it. The message carries the row's stored Message-ID, so every attempt at one mail has
//! the same one.

use crate::i18n::{self, Lang};
use crate::store::outbox::OutboxRow;
use handlebars::Handlebars;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use serde_json::{Map, Value};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/email_templates.rs"));

/// The layout's template directory.
const LAYOUT: &str = "_layout";

/// The path of the user's mail preferences page.
pub const PREFS_PATH: &str = "/account/mail";

struct Registries {
    text: Handlebars<'static>,
    html: Handlebars<'static>,
}

fn key(template: &str, lang: &str, part: &str) -> String {
    format!("{template}/{lang}/{part}")
}

fn build() -> Result<Registries, String> {
    let mut text = Handlebars::new();
    text.set_strict_mode(true);
    text.register_escape_fn(handlebars::no_escape);
    let mut html = Handlebars::new();
    html.set_strict_mode(true);
    for (template, lang, part, source) in EMAIL_SOURCES {
        let reg = if part.ends_with(".html") {
            &mut html
        } else {
            &mut text
        };
        reg.register_template_string(&key(template, lang, part), source)
            .map_err(|e| format!("email template {template}/{lang}/{part}: {e}"))?;
    }
    for lang in Lang::ALL {
        for (reg, part) in [(&text, "body.txt"), (&html, "body.html")] {
            if !reg.has_template(&key(LAYOUT, lang.tag(), part)) {
                return Err(format!(
                    "email layout {LAYOUT}/{}/{part} is missing",
                    lang.tag()
                ));
            }
        }
    }
    Ok(Registries { text, html })
}

fn registries() -> Result<&'static Registries, String> {
    static R: OnceLock<Result<Registries, String>> = OnceLock::new();
    R.get_or_init(build).as_ref().map_err(Clone::clone)
}

/// Every template directory (the layout excluded), for tests and checks.
pub fn template_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = EMAIL_SOURCES
        .iter()
        .map(|(t, _, _, _)| *t)
        .filter(|t| *t != LAYOUT)
        .collect();
    names.dedup();
    names
}

/// Check that every template and layout parses and that each template has all three parts in
/// both languages.
pub fn check_templates() -> Result<(), String> {
    let r = registries()?;
    for name in template_names() {
        for lang in Lang::ALL {
            for (reg, part) in [
                (&r.text, "subject.txt"),
                (&r.text, "body.txt"),
                (&r.html, "body.html"),
            ] {
                if !reg.has_template(&key(name, lang.tag(), part)) {
                    return Err(format!(
                        "email template {name}/{}/{part} is missing",
                        lang.tag()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A mail rendered in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject, one line.
    pub subject: String,
    /// Plain-text body, footer included.
    pub text: String,
    /// HTML body, footer included.
    pub html: String,
}

/// What every mail is composed with: the sender and the base URL of links.
#[derive(Debug, Clone)]
pub struct Composer {
    /// The sender.
    pub from: Mailbox,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
}

impl Composer {
    /// A composer for this sender and base URL; a sender that is not an address is an error.
    pub fn new(from: &str, base_url: &str) -> Result<Composer, String> {
        let from = crate::config::parse_sender(from)?;
        Ok(Composer {
            from,
            base_url: base_url.trim().trim_end_matches('/').to_string(),
        })
    }

    /// The absolute URL of a link path (`/firms/42`); an absolute URL stays as it is; an empty
    /// link stays empty.
    pub fn url(&self, link: &str) -> String {
        let link = link.trim();
        if link.is_empty() {
            String::new()
        } else if link.starts_with("http://") || link.starts_with("https://") {
            link.to_string()
        } else if link.starts_with('/') {
            format!("{}{link}", self.base_url)
        } else {
            format!("{}/{link}", self.base_url)
        }
    }

    /// Render a row: its template in its language (Chinese when the template lacks it).
    pub fn render(&self, row: &OutboxRow) -> Result<Rendered, String> {
        let r = registries()?;
        let lang = Lang::parse(&row.lang).unwrap_or_default();
        let lang = if r
            .text
            .has_template(&key(&row.template, lang.tag(), "subject.txt"))
        {
            lang
        } else {
            Lang::ZhCn
        };
        let tag = lang.tag();
        let kind_label =
            i18n::lookup(lang, &format!("mail.kind.{}", row.kind)).unwrap_or(row.kind.as_str());
        let params = row.params_json().map_err(|e| e.to_string())?;
        let mut data = match &params {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        data.insert("params".into(), params);
        data.insert("lang".into(), Value::from(tag));
        data.insert("kind".into(), Value::from(row.kind.as_str()));
        data.insert("kind_label".into(), Value::from(kind_label));
        data.insert("link_url".into(), Value::from(self.url(&row.link)));
        data.insert("prefs_url".into(), Value::from(self.url(PREFS_PATH)));
        data.insert("base_url".into(), Value::from(self.base_url.as_str()));
        // An account's mail (an invitation, a reset link) says so in its footer instead of
        // offering the preferences, and carries its link in its own words.
        data.entry("account_mail").or_insert(Value::Bool(false));
        let render = |reg: &Handlebars<'static>, name: String, data: &Map<String, Value>| {
            reg.render(&name, data)
                .map_err(|e| format!("email template {name}: {e}"))
        };
        let subject = render(&r.text, key(&row.template, tag, "subject.txt"), &data)?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let text_body = render(&r.text, key(&row.template, tag, "body.txt"), &data)?;
        let html_body = render(&r.html, key(&row.template, tag, "body.html"), &data)?;
        let mut layout = data;
        layout.insert("subject".into(), Value::from(subject.as_str()));
        layout.insert("content".into(), Value::from(text_body.trim_end()));
        let text = render(&r.text, key(LAYOUT, tag, "body.txt"), &layout)?;
        layout.insert("content".into(), Value::from(html_body.trim_end()));
        let html = render(&r.html, key(LAYOUT, tag, "body.html"), &layout)?;
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }

    /// The whole message of a row: From, To, the encoded subject, the stored Message-ID, and a
    /// multipart/alternative body of text and HTML.
    pub fn compose(&self, row: &OutboxRow) -> Result<Message, String> {
        let rendered = self.render(row)?;
        let to = row
            .to_address
            .parse::<Mailbox>()
            .map_err(|e| format!("the address '{}' is not valid: {e}", row.to_address))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(row.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}
