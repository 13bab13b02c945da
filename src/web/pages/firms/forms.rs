//! Forms that create and change firms: the profile (`/firms/new`, `/firms/{id}/edit`), one
//! year of figures (`/firms/{id}/years`) and an IP item (`/firms/{id}/ip/new`).
//!
//! A form is a list of named fields. A POST is parsed field by field, every problem is put
//! beside its field in the user's language, and the typed values come back on the page; only a
//! form without problems reaches the use case, which checks again and writes in one
//! transaction. Forms about an existing firm carry its `version`: a form opened before someone
//! else's change is refused with the conflict message and writes nothing.
//!
//! Amounts are typed in 万元 (10,000 yuan) with at most six decimals, which is exactly one fen;
//! [`Fen::parse_wan`] converts the text to fen on integers, never through a float.

use crate::app::firms::forms::{self, EditContext, EditFirmInput};
use crate::app::firms::read::FirmPage;
use crate::app::model::User;
use crate::app::model::{Acquisition, IpKind};
use crate::app::model::{County, Sector};
use crate::app::model::{Firm, FirmFacts, IpFacts};
use crate::app::{self, AppError, Conflict, FirmYearInput, NewFirmInput, NewIpInput, Principal};
use crate::core::money::Fen;
use crate::core::profile::{DirectRoutes, FirmYear, Flags, RdManagement};
use crate::core::uscc::Uscc;
use crate::i18n::{self, Lang};
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::pages::render;
use crate::web::pages::see_other;
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A submitted form: field name → text as typed.
pub type Values = BTreeMap<String, String>;

/// How a field is shown and read.
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
    pub advisors: Vec<User>,
}

/// Messages by field name, already in the user's language.
pub type Errors = BTreeMap<String, String>;

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
                    format!("{} {}", s.code, lang.pick(&s.name_zh, &s.name_en)),
                    current,
                )
            }))
            .collect(),
        Kind::Advisor => std::iter::once(none())
            .chain(
                lists
                    .advisors
                    .iter()
                    .map(|u| opt(&u.id.to_string(), u.display_name.clone(), current)),
            )
            .collect(),
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

/// One field as the `partials/fields` template shows it.
pub fn field(
    name: &str,
    kind: Kind,
    values: &Values,
    errors: &Errors,
    lang: Lang,
    lists: &Lists,
) -> Value {
    let value = values.get(name).map_or("", String::as_str);
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
        "error": errors.get(name).map_or("", String::as_str),
        "options": options(kind, lang, lists, value),
        "readonly": kind == Kind::Readonly,
        "hint": "",
    })
}

/// Named groups of fields, each a `<fieldset>`.
pub fn groups(
    spec: &[(&str, &[(&str, Kind)])],
    values: &Values,
    errors: &Errors,
    lang: Lang,
    lists: &Lists,
) -> Value {
    Value::Array(
        spec.iter()
            .map(|(g, fields)| {
                json!({
                    "key": g,
                    "fields": fields.iter().map(|(n, k)| field(n, *k, values, errors, lang, lists)).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Reads a submitted form field by field, collecting every problem.
pub struct Reader<'a> {
    values: &'a Values,
    lang: Lang,
    /// Problems so far.
    pub errors: Errors,
}

impl<'a> Reader<'a> {
    /// A reader of `values` that explains problems in `lang`.
    pub fn new(values: &'a Values, lang: Lang) -> Reader<'a> {
        Reader {
            values,
            lang,
            errors: Errors::new(),
        }
    }

    fn raw(&self, name: &str) -> &'a str {
        self.values.get(name).map_or("", |v| v.trim())
    }

    /// Record a problem with `name` (the first one per field is kept).
    pub fn fail(&mut self, name: &str, key: &str) {
        let msg = i18n::text(self.lang, key);
        self.errors.entry(name.to_string()).or_insert(msg);
    }

    /// Record a message already in the user's language.
    pub fn fail_with(&mut self, name: &str, msg: String) {
        self.errors.entry(name.to_string()).or_insert(msg);
    }

    /// Trimmed text; empty is `None`.
    pub fn text(&self, name: &str) -> Option<String> {
        let v = self.raw(name);
        (!v.is_empty()).then(|| v.to_string())
    }

    /// Trimmed text that must be present.
    pub fn required(&mut self, name: &str) -> String {
        let v = self.raw(name).to_string();
        if v.is_empty() {
            self.fail(name, "forms.error.required");
        }
        v
    }

    /// A whole number, at least zero when `non_negative`.
    pub fn int(&mut self, name: &str, non_negative: bool) -> Option<i32> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        match v.parse::<i32>() {
            Ok(n) if non_negative && n < 0 => {
                self.fail(name, "forms.error.negative");
                None
            }
            Ok(n) => Some(n),
            Err(_) => {
                self.fail(name, "forms.error.integer");
                None
            }
        }
    }

    /// A count (a non-negative whole number).
    pub fn count(&mut self, name: &str) -> Option<u32> {
        self.int(name, true).and_then(|n| u32::try_from(n).ok())
    }

    /// A date `YYYY-MM-DD`.
    pub fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let v = self.raw(name);
        if v.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(name, "forms.error.date");
                None
            }
        }
    }

    /// An amount in 万元 as fen; negative only when `allow_negative`.
    pub fn money(&mut self, name: &str, allow_negative: bool) -> Option<Fen> {
        match Fen::parse_wan(self.raw(name)) {
            Ok(Some(f)) if f.0 < 0 && !allow_negative => {
                self.fail(name, "forms.error.negative");
                None
            }
            Ok(v) => v,
            Err(e) => {
                self.fail(name, &format!("forms.error.{}", e.code()));
                None
            }
        }
    }

    /// Yes / no / unknown.
    pub fn tri(&self, name: &str) -> Option<bool> {
        match self.raw(name) {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        }
    }

    /// The hidden `version`; a form without one is malformed.
    pub fn version(&self) -> Result<i64, WebError> {
        self.raw("version")
            .parse()
            .map_err(|_| WebError::bad_request("version"))
    }
}

fn tri_text(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
    .to_string()
}

/// The id in a path; anything but a number is a 404.
pub fn path_id(s: &str) -> Result<i64, WebError> {
    s.trim().parse().map_err(|_| WebError::not_found())
}

/// Where a use case's refusal goes: beside a field, at the top of the form (with its status),
/// or — for not found, forbidden and internal errors — to the error page.
fn place_error(
    e: AppError,
    lang: Lang,
    errors: &mut Errors,
) -> Result<(Option<String>, StatusCode), WebError> {
    match e {
        AppError::BadInput(ie) => {
            let msg = lang.pick(&ie.zh, &ie.en).to_string();
            if ie.field.is_empty() {
                Ok((Some(msg), StatusCode::BAD_REQUEST))
            } else {
                errors.insert(ie.field.clone(), msg);
                Ok((None, StatusCode::BAD_REQUEST))
            }
        }
        AppError::Conflict(c) => {
            let msg = match lang {
                Lang::ZhCn => c.zh(),
                Lang::En => c.en(),
            };
            if let Conflict::Duplicate { field, .. } = &c {
                let f = if *field == "ip_number" {
                    "number"
                } else {
                    field
                };
                errors.insert(f.to_string(), msg);
                return Ok((None, StatusCode::CONFLICT));
            }
            Ok((Some(msg), StatusCode::CONFLICT))
        }
        other => Err(WebError::from(other)),
    }
}

/// What every form page shows.
struct FormPage<'a> {
    kind: &'a str,
    action: String,
    cancel: String,
    version: Option<i64>,
    firm: Option<&'a Firm>,
    groups: Value,
    form_error: Option<String>,
}

fn render_form(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    page: FormPage<'_>,
) -> Result<HttpResponse, WebError> {
    render(
        req,
        user.lang,
        Some(user),
        "firms",
        "pages/firms/form",
        status,
        json!({
            "form": {
                "kind": page.kind,
                "action": page.action,
                "cancel": page.cancel,
                "version": page.version.map(|v| v.to_string()).unwrap_or_default(),
                "has_version": page.version.is_some(),
                "groups": page.groups,
                "error": page.form_error.unwrap_or_default(),
            },
            "firm": page.firm.map_or(Value::Null, |f| json!({ "id": f.id, "name": f.name, "uscc": f.uscc })),
        }),
    )
}

const FIRM_BASIC: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("county_code", Kind::County),
    ("sector_code", Kind::Sector),
    ("founded_on", Kind::Date),
    ("advisor_id", Kind::Advisor),
];
const FIRM_CONTACT: &[(&str, Kind)] = &[
    ("contact_name", Kind::Text),
    ("contact_phone", Kind::Tel),
    ("contact_email", Kind::Email),
    ("employees", Kind::Int),
    ("tech_staff", Kind::Int),
];
const FIRM_FACTS: &[(&str, Kind)] = &[
    ("key_field", Kind::Tri),
    ("core_ip", Kind::Tri),
    ("major_incident", Kind::Tri),
    ("restricted_industry", Kind::Tri),
    ("dishonest", Kind::Tri),
    ("rd_system", Kind::Tri),
    ("rd_institution", Kind::Tri),
    ("rd_conversion_platform", Kind::Tri),
    ("rd_talent", Kind::Tri),
    ("dr_valid_hte", Kind::Tri),
    ("dr_provincial_rd_center", Kind::Tri),
    ("dr_award_5y", Kind::Tri),
    ("dr_led_standard_5y", Kind::Tri),
    ("ip_own_rd", Kind::Tri),
    ("ip_standards", Kind::Tri),
];

fn firm_groups(
    creating: bool,
    values: &Values,
    errors: &Errors,
    lang: Lang,
    lists: &Lists,
) -> Value {
    let uscc: &[(&str, Kind)] = if creating {
        &[("uscc", Kind::Text)]
    } else {
        &[("uscc", Kind::Readonly)]
    };
    let basic: Vec<(&str, Kind)> = uscc.iter().chain(FIRM_BASIC).copied().collect();
    groups(
        &[
            ("basic", &basic),
            ("contact", FIRM_CONTACT),
            ("facts", FIRM_FACTS),
        ],
        values,
        errors,
        lang,
        lists,
    )
}

/// The profile form's values from a stored firm.
fn firm_values(f: &Firm) -> Values {
    let facts = f.parsed_facts().unwrap_or_default();
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i32>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut m: Values = [
        ("uscc", f.uscc.clone()),
        ("name", f.name.clone()),
        ("county_code", f.county_code.clone()),
        ("sector_code", o(&f.sector_code)),
        (
            "founded_on",
            f.founded_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (
            "advisor_id",
            f.advisor_id.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("contact_name", o(&f.contact_name)),
        ("contact_phone", o(&f.contact_phone)),
        ("contact_email", o(&f.contact_email)),
        ("employees", n(f.employees)),
        ("tech_staff", n(f.tech_staff)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let fl = &facts.flags;
    let rd = &facts.rd_management;
    let dr = &facts.direct_routes;
    for (k, v) in [
        ("key_field", fl.key_field),
        ("core_ip", fl.core_ip),
        ("major_incident", fl.major_incident),
        ("restricted_industry", fl.restricted_industry),
        ("dishonest", fl.dishonest),
        ("rd_system", rd.system),
        ("rd_institution", rd.institution),
        ("rd_conversion_platform", rd.conversion_platform),
        ("rd_talent", rd.talent),
        ("dr_valid_hte", dr.valid_hte),
        ("dr_provincial_rd_center", dr.provincial_rd_center),
        ("dr_award_5y", dr.award_5y),
        ("dr_led_standard_5y", dr.led_standard_5y),
        ("ip_own_rd", facts.ip.own_rd),
        ("ip_standards", facts.ip.standards),
    ] {
        m.insert(k.to_string(), tri_text(v));
    }
    m
}

/// The profile fields of a submitted form, read and checked; `None` where they do not parse.
fn read_firm(r: &mut Reader<'_>) -> EditFirmInput {
    let name = r.required("name");
    let county_code = r.required("county_code");
    let advisor_id = match r.text("advisor_id") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                r.fail("advisor_id", "forms.error.choice");
                None
            }
        },
    };
    let employees = r.int("employees", true);
    let tech_staff = r.int("tech_staff", true);
    for e in forms::count_errors(employees, tech_staff) {
        let msg = r.lang.pick(&e.zh, &e.en).to_string();
        r.fail_with(&e.field, msg);
    }
    let contact_email = r.text("contact_email");
    if contact_email.as_deref().is_some_and(|e| !e.contains('@')) {
        r.fail("contact_email", "forms.error.email");
    }
    EditFirmInput {
        name,
        county_code,
        sector_code: r.text("sector_code"),
        founded_on: r.date("founded_on"),
        advisor_id,
        contact_name: r.text("contact_name"),
        contact_phone: r.text("contact_phone"),
        contact_email,
        employees,
        tech_staff,
        flags: Flags {
            key_field: r.tri("key_field"),
            core_ip: r.tri("core_ip"),
            major_incident: r.tri("major_incident"),
            restricted_industry: r.tri("restricted_industry"),
            dishonest: r.tri("dishonest"),
        },
        rd_management: RdManagement {
            system: r.tri("rd_system"),
            institution: r.tri("rd_institution"),
            conversion_platform: r.tri("rd_conversion_platform"),
            talent: r.tri("rd_talent"),
        },
        direct_routes: DirectRoutes {
            valid_hte: r.tri("dr_valid_hte"),
            provincial_rd_center: r.tri("dr_provincial_rd_center"),
            award_5y: r.tri("dr_award_5y"),
            led_standard_5y: r.tri("dr_led_standard_5y"),
        },
        ip: IpFacts {
            own_rd: r.tri("ip_own_rd"),
            standards: r.tri("ip_standards"),
        },
    }
}

fn lists_of(ctx: forms::ReferenceLists) -> Lists {
    Lists {
        counties: ctx.0,
        sectors: ctx.1,
        advisors: ctx.2,
    }
}

fn lists_from(ctx: &EditContext) -> Lists {
    Lists {
        counties: ctx.counties.clone(),
        sectors: ctx.sectors.clone(),
        advisors: ctx.advisors.clone(),
    }
}

/// `GET /firms/new`: the new-firm form (admin, bureau, county officers).
pub async fn new_firm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let lists = lists_of(db(&state, move |c| forms::create_context(c, &p)).await?);
    let mut values = Values::new();
    let county = user
        .principal
        .county_code
        .clone()
        .or_else(|| lists.counties.first().map(|c| c.code.clone()))
        .unwrap_or_default();
    values.insert("county_code".to_string(), county);
    let groups = firm_groups(true, &values, &Errors::new(), lang, &lists);
    render_form(
        &req,
        &user,
        StatusCode::OK,
        FormPage {
            kind: "new_firm",
            action: "/firms/new".to_string(),
            cancel: "/firms".to_string(),
            version: None,
            firm: None,
            groups,
            form_error: None,
        },
    )
}

/// `POST /firms/new`: register the firm as a prospect and go to its page; on any problem the
/// form again, with the problems beside the fields and nothing written.
pub async fn create_firm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    form: CsrfForm<Values>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let values = form.0;
    let mut r = Reader::new(&values, lang);
    let uscc = r.required("uscc");
    if !uscc.is_empty() {
        if let Err(e) = Uscc::parse(&uscc) {
            r.fail_with("uscc", lang.pick(&e.zh(), &e.en()).to_string());
        }
    }
    let input = read_firm(&mut r);
    let mut errors = r.errors;
    let p = user.principal.clone();
    let outcome = if errors.is_empty() {
        let new = NewFirmInput {
            uscc,
            name: input.name,
            county_code: input.county_code,
            sector_code: input.sector_code,
            founded_on: input.founded_on,
            advisor_id: input.advisor_id,
            contact_name: input.contact_name,
            contact_phone: input.contact_phone,
            contact_email: input.contact_email,
            employees: input.employees,
            tech_staff: input.tech_staff,
            facts: FirmFacts {
                flags: input.flags,
                rd_management: input.rd_management,
                direct_routes: input.direct_routes,
                ip: input.ip,
                ..FirmFacts::default()
            },
        };
        let p2 = p.clone();
        Some(
            db(&state, move |c| match app::create_firm(c, new, &p2) {
                Ok(f) => Ok(Ok(f)),
                Err(e @ (AppError::BadInput(_) | AppError::Conflict(_))) => Ok(Err(e)),
                Err(e) => Err(e),
            })
            .await?,
        )
    } else {
        None
    };
    let (form_error, status) = match outcome {
        Some(Ok(firm)) => return Ok(see_other(&format!("/firms/{}", firm.id))),
        Some(Err(e)) => place_error(e, lang, &mut errors)?,
        None => (None, StatusCode::BAD_REQUEST),
    };
    let lists = lists_of(db(&state, move |c| forms::create_context(c, &p)).await?);
    let groups = firm_groups(true, &values, &errors, lang, &lists);
    render_form(
        &req,
        &user,
        status,
        FormPage {
            kind: "new_firm",
            action: "/firms/new".to_string(),
            cancel: "/firms".to_string(),
            version: None,
            firm: None,
            groups,
            form_error,
        },
    )
}

async fn load_edit(state: &AppState, p: &Principal, id: i64) -> Result<EditContext, WebError> {
    let p = p.clone();
    db(state, move |c| forms::edit_context(c, &p, id))
        .await
        .map_err(WebError::from)
}

/// Run a versioned change; `Ok(Err(e))` for refusals the form shows, `Err` for the rest.
async fn try_change<T, F>(state: &AppState, f: F) -> Result<Result<T, AppError>, WebError>
where
    F: FnOnce(&mut crate::app::DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    db(state, move |c| match f(c) {
        Ok(v) => Ok(Ok(v)),
        Err(e @ (AppError::BadInput(_) | AppError::Conflict(_))) => Ok(Err(e)),
        Err(e) => Err(e),
    })
    .await
    .map_err(WebError::from)
}

/// `GET /firms/{id}/edit`: the profile form, at the firm's current version.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let values = firm_values(&ctx.firm);
    let groups = firm_groups(false, &values, &Errors::new(), lang, &lists_from(&ctx));
    render_form(
        &req,
        &user,
        StatusCode::OK,
        FormPage {
            kind: "edit_firm",
            action: format!("/firms/{id}/edit"),
            cancel: format!("/firms/{id}"),
            version: Some(ctx.firm.version),
            firm: Some(&ctx.firm),
            groups,
            form_error: None,
        },
    )
}

/// `POST /firms/{id}/edit`: save the profile if the firm is still at the form's version.
pub async fn update_firm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<Values>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let mut values = form.0;
    values.insert("uscc".to_string(), ctx.firm.uscc.clone());
    let mut r = Reader::new(&values, lang);
    let version = r.version()?;
    let input = read_firm(&mut r);
    let mut errors = r.errors;
    let (form_error, status) = if errors.is_empty() {
        let p = user.principal.clone();
        match try_change(&state, move |c| {
            forms::replace_profile(c, id, version, input, &p)
        })
        .await?
        {
            Ok(_) => return Ok(see_other(&format!("/firms/{id}"))),
            Err(e) => place_error(e, lang, &mut errors)?,
        }
    } else {
        (None, StatusCode::BAD_REQUEST)
    };
    let groups = firm_groups(false, &values, &errors, lang, &lists_from(&ctx));
    render_form(
        &req,
        &user,
        status,
        FormPage {
            kind: "edit_firm",
            action: format!("/firms/{id}/edit"),
            cancel: format!("/firms/{id}"),
            version: Some(version),
            firm: Some(&ctx.firm),
            groups,
            form_error,
        },
    )
}

const YEAR_FIELDS: &[(&str, Kind)] = &[
    ("year", Kind::Int),
    ("revenue", Kind::Money),
    ("rd_expense", Kind::Money),
    ("rd_expense_domestic", Kind::Money),
    ("high_tech_revenue", Kind::Money),
    ("total_cost", Kind::Money),
    ("total_assets", Kind::Money),
    ("net_assets", Kind::Money),
    ("conversions", Kind::Int),
];

/// `?year=` of the year form.
#[derive(Debug, serde::Deserialize)]
pub struct YearParam {
    /// The fiscal year to open; default: last year.
    pub year: Option<String>,
}

/// `GET /firms/{id}/years?year=Y`: the figures of one year (empty for a year not recorded).
pub async fn year_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    q: web::Query<YearParam>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .unwrap_or_else(|| app::today().year() - 1);
    let mut values = Values::new();
    values.insert("year".to_string(), year.to_string());
    if let Some(row) = ctx.years.iter().find(|y| y.year == year) {
        for (k, v) in [
            ("revenue", row.revenue),
            ("rd_expense", row.rd_expense),
            ("rd_expense_domestic", row.rd_expense_domestic),
            ("high_tech_revenue", row.high_tech_revenue),
            ("total_cost", row.total_cost),
            ("total_assets", row.total_assets),
            ("net_assets", row.net_assets),
        ] {
            values.insert(
                k.to_string(),
                v.map(|f| Fen(f).wan_text()).unwrap_or_default(),
            );
        }
        values.insert(
            "conversions".to_string(),
            row.conversions.map(|c| c.to_string()).unwrap_or_default(),
        );
    }
    let groups = groups(
        &[("figures", YEAR_FIELDS)],
        &values,
        &Errors::new(),
        lang,
        &Lists::default(),
    );
    render_form(
        &req,
        &user,
        StatusCode::OK,
        FormPage {
            kind: "year",
            action: format!("/firms/{id}/years"),
            cancel: format!("/firms/{id}"),
            version: Some(ctx.firm.version),
            firm: Some(&ctx.firm),
            groups,
            form_error: None,
        },
    )
}

/// `POST /firms/{id}/years`: save one year of figures (amounts typed in 万元, stored in fen).
pub async fn save_year(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<Values>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let values = form.0;
    let mut r = Reader::new(&values, lang);
    let version = r.version()?;
    let year = r.int("year", true);
    if r.text("year").is_none() {
        r.fail("year", "forms.error.required");
    }
    let figures = FirmYear {
        year: year.unwrap_or(0),
        revenue: r.money("revenue", false),
        rd_expense: r.money("rd_expense", false),
        rd_expense_domestic: r.money("rd_expense_domestic", false),
        high_tech_revenue: r.money("high_tech_revenue", false),
        total_cost: r.money("total_cost", false),
        total_assets: r.money("total_assets", false),
        net_assets: r.money("net_assets", true),
    };
    let conversions = r.count("conversions");
    let mut errors = r.errors;
    let (form_error, status) = if errors.is_empty() {
        let p = user.principal.clone();
        let input = FirmYearInput {
            figures,
            conversions,
        };
        match try_change(&state, move |c| {
            forms::save_year_at(c, id, version, input, &p)
        })
        .await?
        {
            Ok(_) => return Ok(see_other(&format!("/firms/{id}#figures"))),
            Err(e) => place_error(e, lang, &mut errors)?,
        }
    } else {
        (None, StatusCode::BAD_REQUEST)
    };
    let groups = groups(
        &[("figures", YEAR_FIELDS)],
        &values,
        &errors,
        lang,
        &Lists::default(),
    );
    render_form(
        &req,
        &user,
        status,
        FormPage {
            kind: "year",
            action: format!("/firms/{id}/years"),
            cancel: format!("/firms/{id}"),
            version: Some(version),
            firm: Some(&ctx.firm),
            groups,
            form_error,
        },
    )
}

const IP_FIELDS: &[(&str, Kind)] = &[
    ("kind", Kind::IpKind),
    ("number", Kind::Text),
    ("title", Kind::Text),
    ("granted_on", Kind::Date),
    ("acquisition", Kind::Acquisition),
    ("used_in_hte", Kind::YesNo),
];

/// `GET /firms/{id}/ip/new`: the form for one IP item.
pub async fn ip_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let values: Values = [("acquisition", "own"), ("used_in_hte", "no")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let groups = groups(
        &[("ip", IP_FIELDS)],
        &values,
        &Errors::new(),
        lang,
        &Lists::default(),
    );
    render_form(
        &req,
        &user,
        StatusCode::OK,
        FormPage {
            kind: "ip",
            action: format!("/firms/{id}/ip/new"),
            cancel: format!("/firms/{id}"),
            version: Some(ctx.firm.version),
            firm: Some(&ctx.firm),
            groups,
            form_error: None,
        },
    )
}

/// `POST /firms/{id}/ip/new`: record the item if the firm is still at the form's version.
pub async fn add_ip(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<Values>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let values = form.0;
    let mut r = Reader::new(&values, lang);
    let version = r.version()?;
    let kind = IpKind::parse(&r.required("kind"));
    if kind.is_none() {
        r.fail("kind", "forms.error.choice");
    }
    let acquisition = Acquisition::parse(&r.required("acquisition"));
    if acquisition.is_none() {
        r.fail("acquisition", "forms.error.choice");
    }
    let number = r.required("number");
    let title = r.text("title").unwrap_or_default();
    let granted_on = r.date("granted_on");
    let used_in_hte = r.tri("used_in_hte").unwrap_or(false);
    let mut errors = r.errors;
    let (form_error, status) = match (kind, acquisition) {
        (Some(kind), Some(acquisition)) if errors.is_empty() => {
            let p = user.principal.clone();
            let input = NewIpInput {
                kind,
                number,
                title,
                granted_on,
                acquisition,
                used_in_hte,
            };
            match try_change(&state, move |c| forms::add_ip_at(c, id, version, input, &p)).await? {
                Ok(_) => return Ok(see_other(&format!("/firms/{id}#ip"))),
                Err(e) => place_error(e, lang, &mut errors)?,
            }
        }
        _ => (None, StatusCode::BAD_REQUEST),
    };
    let groups = groups(
        &[("ip", IP_FIELDS)],
        &values,
        &errors,
        lang,
        &Lists::default(),
    );
    render_form(
        &req,
        &user,
        status,
        FormPage {
            kind: "ip",
            action: format!("/firms/{id}/ip/new"),
            cancel: format!("/firms/{id}"),
            version: Some(version),
            firm: Some(&ctx.firm),
            groups,
            form_error,
        },
    )
}

/// The firm page's tools for `p`: edit links where it may edit, the stage actions it may
/// fire, and the what-if link.
pub fn tools(page: &FirmPage, p: &Principal) -> Value {
    let id = page.firm.id;
    let can_edit = page.access == crate::app::access::FirmAccess::Edit;
    let actions: Vec<Value> = forms::available_events(p, &page.firm)
        .into_iter()
        .map(|k| json!({ "id": k.id(), "href": format!("/firms/{id}/actions/{}", k.id()) }))
        .collect();
    let years: Vec<Value> = page
        .years
        .iter()
        .map(|y| json!({ "year": y.year, "href": format!("/firms/{id}/years?year={}", y.year) }))
        .collect();
    json!({
        "can_edit": can_edit,
        "edit_href": format!("/firms/{id}/edit"),
        "year_href": format!("/firms/{id}/years"),
        "ip_href": format!("/firms/{id}/ip/new"),
        "whatif_href": format!("/firms/{id}/whatif"),
        "years": years,
        "actions": actions,
    })
}
