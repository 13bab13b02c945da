//! The form kit: typed forms, every field error at once, beside its field.
//!
//! A form is a `#[derive(Deserialize, Serialize)]` struct of `String` fields, read by
//! [`CsrfForm`](super::session::CsrfForm), so whatever was typed can be shown again. Its
//! `parse(&self)` turns it into the use case's input, or into [`FieldErrors`] naming every
//! field that did not parse (the first problem of a field is the one shown). A use case's own
//! refusal becomes a [`Refused`]: bad input beside its field, a conflict at the top (a
//! duplicate beside its field, where the form has it). Nothing
//! here knows the user's language until the page is rendered ([`FieldErrors::in_lang`]).
//!
//! The view half shows a form as groups of fields ([`groups`], the `partials/fields`
//! template): each field has a [`Kind`], its text from [`values`] and its message.

use super::error::WebError;
use crate::app::model::{AdvisorChoice, County, IpKind, Sector};
use crate::app::{AppError, Conflict};
use crate::core::error::{InputError, Text};
use crate::core::input;
use crate::core::money::Fen;
use crate::i18n::{self, Lang};
use actix_web::http::StatusCode;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// A form's text by field name, as typed (or as stored, for a form opened on a record).
pub type Values = BTreeMap<String, String>;

/// Messages by field name, in the user's language.
pub type Errors = BTreeMap<String, String>;

/// The text of every field of `form`, for showing it again.
pub fn values<T: Serialize>(form: &T) -> Values {
    match serde_json::to_value(form) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => Values::new(),
    }
}

/// A message about a field or a form, in both languages until it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A catalog key (`forms.error.required`).
    Key(String),
    /// A use case's or the core's words.
    Text(Text),
}

impl Message {
    /// The message in `lang`.
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            Message::Key(k) => i18n::text(lang, k),
            Message::Text(t) => i18n::render(lang, t),
        }
    }
}

impl From<&InputError> for Message {
    fn from(e: &InputError) -> Message {
        Message::Text(e.text.clone())
    }
}

impl From<&Conflict> for Message {
    fn from(c: &Conflict) -> Message {
        Message::Text(c.text())
    }
}

/// Trimmed text; empty is `None`.
pub fn text(raw: &str) -> Option<String> {
    let v = raw.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Yes / no / not known (`yes`, `no`, anything else).
pub fn tri(raw: &str) -> Option<bool> {
    match raw.trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The text of a yes / no / not known choice.
pub fn tri_text(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
    .to_string()
}

/// The hidden `version` of a form about a record; a form without one is malformed (400).
pub fn version(raw: &str) -> Result<i64, WebError> {
    raw.trim()
        .parse()
        .map_err(|_| WebError::bad_request("version"))
}

/// Every problem of a posted form, by field; the first problem of a field is the one kept.
/// The field parsers read trimmed text and record what is wrong under the field's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Message>);

impl FieldErrors {
    /// No problems yet.
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// The problems every field of `form` has as typed: a control character anywhere, a line
    /// break outside the `multiline` fields, more than [`input::LINE_MAX`] characters in a
    /// one-line field or [`input::BLOCK_MAX`] in a multi-line one. A form's `parse` starts
    /// from these, so they stand beside their fields with whatever else is wrong.
    pub fn checked<T: Serialize>(form: &T, multiline: &[&str]) -> FieldErrors {
        let mut e = FieldErrors::new();
        for (name, value) in values(form) {
            let block = multiline.contains(&name.as_str());
            let max = if block {
                input::BLOCK_MAX
            } else {
                input::LINE_MAX
            };
            if let Err(problem) = input::check(&name, &value, block, max) {
                e.input(&problem);
            }
        }
        e
    }

    /// Record `message` for `field`, unless the field already has one.
    pub fn add(&mut self, field: &str, message: Message) {
        self.0.entry(field.to_string()).or_insert(message);
    }

    /// Record the catalog message `key` for `field`.
    pub fn key(&mut self, field: &str, key: &str) {
        self.add(field, Message::Key(key.to_string()));
    }

    /// Record an input error beside the field it names.
    pub fn input(&mut self, e: &InputError) {
        self.add(&e.field, Message::from(e));
    }

    /// Add `other`'s problems for the fields that have none yet.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, message) in other.0 {
            self.add(&field, message);
        }
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` has a problem.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// `value` when there were no problems, else the problems.
    pub fn or<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Every message in `lang`.
    pub fn in_lang(&self, lang: Lang) -> Errors {
        self.0
            .iter()
            .map(|(k, m)| (k.clone(), m.in_lang(lang)))
            .collect()
    }

    /// Text that must be present (trimmed).
    pub fn required(&mut self, field: &str, raw: &str) -> String {
        let v = raw.trim().to_string();
        if v.is_empty() {
            self.key(field, "forms.error.required");
        }
        v
    }

    /// A whole number, at least zero when `non_negative`; empty is `None`.
    pub fn int(&mut self, field: &str, raw: &str, non_negative: bool) -> Option<i32> {
        let v = input::ascii_forms(raw);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<i32>() {
            Ok(n) if non_negative && n < 0 => {
                self.key(field, "forms.error.negative");
                None
            }
            Ok(n) => Some(n),
            Err(_) => {
                self.key(field, "forms.error.integer");
                None
            }
        }
    }

    /// A whole number that must be present, at least zero when `non_negative`.
    pub fn required_int(&mut self, field: &str, raw: &str, non_negative: bool) -> Option<i32> {
        let n = self.int(field, raw, non_negative);
        if raw.trim().is_empty() {
            self.key(field, "forms.error.required");
        }
        n
    }

    /// A count (a whole number, not negative).
    pub fn count(&mut self, field: &str, raw: &str) -> Option<u32> {
        self.int(field, raw, true)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// A date `YYYY-MM-DD`; empty is `None`.
    pub fn date(&mut self, field: &str, raw: &str) -> Option<NaiveDate> {
        let v = input::ascii_forms(raw);
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.key(field, "forms.error.date");
                None
            }
        }
    }

    /// A date that must be present.
    pub fn required_date(&mut self, field: &str, raw: &str) -> Option<NaiveDate> {
        let d = self.date(field, raw);
        if raw.trim().is_empty() {
            self.key(field, "forms.error.required");
        }
        d
    }

    /// An amount typed in 万元, as fen ([`Fen::parse_wan`]); negative only when
    /// `allow_negative`; empty is `None`.
    pub fn money(&mut self, field: &str, raw: &str, allow_negative: bool) -> Option<Fen> {
        match Fen::parse_wan(input::ascii_forms(raw).trim()) {
            Ok(Some(f)) if f.0 < 0 && !allow_negative => {
                self.key(field, "forms.error.negative");
                None
            }
            Ok(v) => v,
            Err(e) => {
                self.key(field, &format!("forms.error.{}", e.code()));
                None
            }
        }
    }

    /// One of a list: empty is "required", anything `parse` does not know is "choose one".
    pub fn choice<T>(
        &mut self,
        field: &str,
        raw: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let v = self.required(field, raw);
        let parsed = parse(&v);
        if parsed.is_none() {
            self.key(field, "forms.error.choice");
        }
        parsed
    }

    /// An optional id from a list: empty is `None`, anything else must be a number.
    pub fn id(&mut self, field: &str, raw: &str) -> Option<i64> {
        let v = text(raw)?;
        match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                self.key(field, "forms.error.choice");
                None
            }
        }
    }
}

/// Why a posted form is shown again: the problems beside its fields, a message for the top of
/// the form, and the status of the page.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Problems beside fields.
    pub errors: FieldErrors,
    /// The message at the top of the form, if any.
    pub top: Option<Message>,
    /// 400 for bad input, 409 for a conflict.
    pub status: StatusCode,
    /// The use case's field of a duplicate shown at the top.
    duplicate: Option<&'static str>,
}

impl From<FieldErrors> for Refused {
    fn from(errors: FieldErrors) -> Refused {
        Refused {
            errors,
            top: None,
            status: StatusCode::BAD_REQUEST,
            duplicate: None,
        }
    }
}

impl Refused {
    /// The form's own message at the top, with a status.
    pub fn top(message: Message, status: StatusCode) -> Refused {
        Refused {
            errors: FieldErrors::new(),
            top: Some(message),
            status,
            duplicate: None,
        }
    }

    /// Where a use case's refusal goes: bad input beside its field (or at the top when it
    /// names none), 400; a conflict at the top, 409 (see [`Refused::duplicate_beside`]).
    /// Not found, forbidden, a failed rule and internal errors are not the form's business:
    /// they stay errors, for the error page.
    pub fn place(e: AppError) -> Result<Refused, WebError> {
        match e {
            AppError::BadInput(ie) if ie.field.is_empty() => {
                Ok(Refused::top(Message::from(&ie), StatusCode::BAD_REQUEST))
            }
            AppError::BadInput(ie) => {
                let mut errors = FieldErrors::new();
                errors.input(&ie);
                Ok(errors.into())
            }
            AppError::Conflict(c) => {
                let mut r = Refused::top(Message::from(&c), StatusCode::CONFLICT);
                if let Conflict::Duplicate { field, .. } = c {
                    r.duplicate = Some(field);
                }
                Ok(r)
            }
            other => Err(other.into()),
        }
    }

    /// A duplicate of the use case's `field` shown beside the form's `beside` instead of at
    /// the top: for the forms that have the field.
    pub fn duplicate_beside(mut self, field: &str, beside: &str) -> Refused {
        if self.duplicate == Some(field) {
            if let Some(m) = self.top.take() {
                self.errors.add(beside, m);
            }
        }
        self
    }

    /// The message at the top, in `lang` (empty when there is none).
    pub fn top_in(&self, lang: Lang) -> String {
        self.top
            .as_ref()
            .map(|m| m.in_lang(lang))
            .unwrap_or_default()
    }
}

/// How a field is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// An e-mail address.
    Email,
    /// A phone number.
    Tel,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number.
    Int,
    /// An amount in 万元.
    Money,
    /// Yes / no / not known.
    Tri,
    /// Yes / no.
    YesNo,
    /// A county.
    County,
    /// A sector (optional).
    Sector,
    /// An advisor (optional).
    Advisor,
    /// An IP kind.
    IpKind,
    /// How IP was obtained.
    Acquisition,
    /// Shown, not editable.
    Readonly,
}

/// What select fields offer.
#[derive(Debug, Clone, Default)]
pub struct Lists {
    /// Counties.
    pub counties: Vec<County>,
    /// Sectors.
    pub sectors: Vec<Sector>,
    /// Advisors.
    pub advisors: Vec<AdvisorChoice>,
}

/// What menus show for each advisor, by id: the name (with the sign-in name where names are
/// shared, [`crate::app::model::person_labels`]) and, for an advisor of another county than
/// the viewer's, that county (`coach.advisor.elsewhere`).
pub fn advisor_labels(advisors: &[AdvisorChoice], lang: Lang) -> HashMap<i64, String> {
    crate::app::model::advisor_labels(advisors, lang)
}

fn opt(value: &str, label: String, current: &str) -> Value {
    json!({ "value": value, "label": label, "selected": value == current })
}

fn options(kind: Kind, lang: Lang, lists: &Lists, current: &str) -> Vec<Value> {
    let t = |k: &str| i18n::text(lang, k);
    let none = || opt("", t("forms.none"), current);
    match kind {
        Kind::Tri => vec![
            opt("", t("forms.tri.unknown"), current),
            opt("yes", t("forms.tri.yes"), current),
            opt("no", t("forms.tri.no"), current),
        ],
        Kind::YesNo => vec![
            opt("no", t("forms.tri.no"), current),
            opt("yes", t("forms.tri.yes"), current),
        ],
        Kind::County => lists
            .counties
            .iter()
            .map(|c| {
                opt(
                    &c.code,
                    lang.pick(&c.name_zh, &c.name_en).to_string(),
                    current,
                )
            })
            .collect(),
        Kind::Sector => std::iter::once(none())
            .chain(lists.sectors.iter().map(|s| {
                opt(
                    &s.code,
                    lang.pick(&s.name_zh, &s.name_en).to_string(),
                    current,
                )
            }))
            .collect(),
        Kind::Advisor => {
            let labels = advisor_labels(&lists.advisors, lang);
            std::iter::once(none())
                .chain(
                    lists
                        .advisors
                        .iter()
                        .map(|u| opt(&u.id.to_string(), labels[&u.id].clone(), current)),
                )
                .collect()
        }
        Kind::IpKind => IpKind::ALL
            .iter()
            .map(|k| opt(k.id(), t(&format!("ip_kind.{}", k.id())), current))
            .collect(),
        Kind::Acquisition => ["own", "transferred"]
            .iter()
            .map(|a| opt(a, t(&format!("forms.acquisition.{a}")), current))
            .collect(),
        _ => Vec::new(),
    }
}

/// What a form page shows of its fields: the text, the problems (in the user's language) and
/// the lists select fields offer.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    /// Text by field.
    pub values: &'a Values,
    /// Problems by field.
    pub errors: &'a Errors,
    /// The user's language.
    pub lang: Lang,
    /// Options of select fields.
    pub lists: &'a Lists,
}

/// One field as the `partials/fields` template shows it.
pub fn field(name: &str, kind: Kind, shown: Shown<'_>) -> Value {
    let value = shown.values.get(name).map_or("", String::as_str);
    let input = match kind {
        Kind::Email => "email",
        Kind::Tel => "tel",
        Kind::Date => "date",
        _ => "text",
    };
    let mode = match kind {
        Kind::Int => "numeric",
        Kind::Money => "decimal",
        _ => "text",
    };
    json!({
        "name": name,
        "input": input,
        "mode": mode,
        "money": kind == Kind::Money,
        "value": value,
        "error": shown.errors.get(name).map_or("", String::as_str),
        "options": options(kind, shown.lang, shown.lists, value),
        "readonly": kind == Kind::Readonly,
        "hint": "",
        "help": i18n::lookup(shown.lang, &format!("forms.help.{name}")).unwrap_or(""),
    })
}

/// Named groups of fields, each a `<fieldset>`.
pub fn groups(spec: &[(&str, &[(&str, Kind)])], shown: Shown<'_>) -> Value {
    Value::Array(
        spec.iter()
            .map(|(g, fields)| {
                json!({
                    "key": g,
                    "fields": fields.iter().map(|(n, k)| field(n, *k, shown)).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_kept_and_the_first_of_a_field_wins() {
        let mut e = FieldErrors::new();
        assert_eq!(e.required_int("year", "", true), None);
        assert_eq!(e.int("employees", "-3", true), None);
        e.key("employees", "forms.error.integer");
        assert_eq!(e.money("revenue", "1.2345678", false), None);
        assert_eq!(e.money("net_assets", "-2", true), Some(Fen(-2_000_000)));
        let shown = e.in_lang(Lang::En);
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert_eq!(
            shown.get("employees"),
            Some(&i18n::text(Lang::En, "forms.error.negative"))
        );
        assert!(e.or(()).is_err());
    }

    #[test]
    fn a_choice_must_be_given_and_known() {
        let mut e = FieldErrors::new();
        assert_eq!(e.choice("kind", " ", IpKind::parse), None);
        assert_eq!(e.choice("acquisition", "bought", |_| None::<()>), None);
        let shown = e.in_lang(Lang::En);
        assert_eq!(
            shown.get("kind"),
            Some(&i18n::text(Lang::En, "forms.error.required"))
        );
        assert_eq!(
            shown.get("acquisition"),
            Some(&i18n::text(Lang::En, "forms.error.choice"))
        );
    }

    #[test]
    fn a_duplicate_goes_beside_its_field_and_a_stale_version_to_the_top() {
        let dup = Refused::place(AppError::Conflict(Conflict::Duplicate {
            field: "ip_number",
            value: String::new(),
        }))
        .unwrap();
        assert!(
            dup.top.is_some() && dup.errors.is_empty(),
            "at the top by default"
        );
        let dup = dup.duplicate_beside("ip_number", "number");
        assert_eq!(dup.status, StatusCode::CONFLICT);
        assert!(dup.errors.has("number") && dup.top.is_none());
        let stale = Refused::place(AppError::Conflict(Conflict::StaleVersion)).unwrap();
        assert!(stale.errors.is_empty() && stale.top.is_some());
        assert!(Refused::place(AppError::NotFound).is_err());
    }

    #[derive(Serialize)]
    struct Two {
        a: String,
        b: String,
    }

    #[test]
    fn a_form_shows_its_text_again() {
        let v = values(&Two {
            a: " x ".into(),
            b: String::new(),
        });
        assert_eq!(v.get("a").map(String::as_str), Some(" x "));
        assert_eq!(v.get("b").map(String::as_str), Some(""));
    }
}
