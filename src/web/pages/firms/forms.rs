//! Forms that create and change firms: the profile (`/firms/new`, `/firms/{id}/edit`), one
//! year of figures (`/firms/{id}/years`) and an IP item (`/firms/{id}/ip/new`).
//!
//! Each form is a struct of the text typed ([`FirmForm`], [`YearForm`], [`IpForm`]) whose
//! `parse` gives the use case's input or every problem beside its field (the form kit,
//! [`crate::web::forms`]); only a form without problems reaches the use case, which checks
//! again and writes in one transaction. Forms about an existing firm carry its `version`: a
//! form opened before someone else's change is refused with the conflict message and writes
//! nothing.
//!
//! Amounts are typed in 万元 (10,000 yuan) with at most six decimals, which is exactly one fen;
//! [`Fen::parse_wan`] converts the text to fen on integers, never through a float.

use crate::app::firms::forms::{self, EditContext, EditFirmInput};
use crate::app::firms::read::FirmPage;
use crate::app::firms::record::{may_set_record, RecordPatch};
use crate::app::model::{Acquisition, IpKind};
use crate::app::model::{Firm, FirmFacts, FirmYearRow, IpFacts};
use crate::app::{self, AppError, DbConn, FirmYearInput, NewFirmInput, NewIpInput, Principal};
use crate::core::money::Fen;
use crate::core::profile::{FirmYear, IndustryCode, RdManagement};
use crate::core::uscc::Uscc;
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::{self as kit, groups, values, FieldErrors, Kind, Lists, Refused, Shown};
use crate::web::pages::firms::done_href;
use crate::web::pages::{path_id, render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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

/// A form shown again: its text, its problems in the user's language, the top message and
/// the status; a form opened afresh has no problems and is a 200.
struct Again {
    values: kit::Values,
    errors: kit::Errors,
    top: Option<String>,
    status: StatusCode,
}

impl Again {
    fn fresh<T: Serialize>(form: &T) -> Again {
        Again {
            values: values(form),
            errors: kit::Errors::new(),
            top: None,
            status: StatusCode::OK,
        }
    }

    fn refused<T: Serialize>(form: &T, r: &Refused, user: &CurrentUser) -> Again {
        Again {
            values: values(form),
            errors: r.errors.in_lang(user.lang),
            top: r.top.as_ref().map(|m| m.in_lang(user.lang)),
            status: r.status,
        }
    }

    fn groups(&self, spec: &[(&str, &[(&str, Kind)])], user: &CurrentUser, lists: &Lists) -> Value {
        groups(
            spec,
            Shown {
                values: &self.values,
                errors: &self.errors,
                lang: user.lang,
                lists,
            },
        )
    }
}

// ---- The profile ----

/// The profile's first group; the advisor only where the form offers it
/// ([`forms::ReferenceLists::choose_advisor`]).
const FIRM_BASIC: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("county_code", Kind::County),
    ("sector_code", Kind::Sector),
    ("industry_code", Kind::Text),
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
    ("rd_system", Kind::Tri),
    ("rd_institution", Kind::Tri),
    ("rd_conversion_platform", Kind::Tri),
    ("rd_talent", Kind::Tri),
    ("ip_own_rd", Kind::Tri),
    ("ip_standards", Kind::Tri),
];
/// The record flags and direct routes: offered to bureau and county staff only. The valid-HTE
/// route is not here: it follows from a recorded HTE certificate.
const FIRM_RECORD: &[(&str, Kind)] = &[
    ("major_incident", Kind::Tri),
    ("restricted_industry", Kind::Tri),
    ("deemed_taxation", Kind::Tri),
    ("dishonest", Kind::Tri),
    ("dr_provincial_rd_center", Kind::Tri),
    ("dr_award_5y", Kind::Tri),
    ("dr_led_standard_5y", Kind::Tri),
];

/// The form field of each record fact.
const RECORD_FIELDS: [(&str, &str); 7] = [
    ("major_incident", "major_incident"),
    ("restricted_industry", "restricted_industry"),
    ("dishonest", "dishonest"),
    ("deemed_taxation", "deemed_taxation"),
    ("provincial_rd_center", "dr_provincial_rd_center"),
    ("award_5y", "dr_award_5y"),
    ("led_standard_5y", "dr_led_standard_5y"),
];

fn firm_groups(
    creating: bool,
    again: &Again,
    user: &CurrentUser,
    lists: &Lists,
    choose_advisor: bool,
) -> Value {
    let uscc: &[(&str, Kind)] = if creating {
        &[("uscc", Kind::Text)]
    } else {
        &[("uscc", Kind::Readonly)]
    };
    let basic: Vec<(&str, Kind)> = uscc
        .iter()
        .chain(FIRM_BASIC)
        .filter(|(name, _)| choose_advisor || *name != "advisor_id")
        .copied()
        .collect();
    let mut spec: Vec<(&str, &[(&str, Kind)])> = vec![
        ("basic", &basic),
        ("contact", FIRM_CONTACT),
        ("facts", FIRM_FACTS),
    ];
    if may_set_record(user.principal.role) {
        spec.push(("record", FIRM_RECORD));
    }
    again.groups(&spec, user, lists)
}

/// The profile form (`/firms/new`, `/firms/{id}/edit`), as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FirmForm {
    /// The firm's version (editing only).
    pub version: String,
    /// 统一社会信用代码 (read-only when editing).
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code.
    pub county_code: String,
    /// Sector code.
    pub sector_code: String,
    /// GB/T 4754-2017 industry code, e.g. `C1351`.
    pub industry_code: String,
    /// Date of registration.
    pub founded_on: String,
    /// Assigned advisor's id; absent (a form that does not offer it) leaves it as it is.
    pub advisor_id: Option<String>,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Contact email.
    pub contact_email: String,
    /// Head count.
    pub employees: String,
    /// Technical staff.
    pub tech_staff: String,
    /// Key field: yes, no or empty.
    pub key_field: String,
    /// Core IP.
    pub core_ip: String,
    /// A major incident.
    pub major_incident: Option<String>,
    /// A restricted industry.
    pub restricted_industry: Option<String>,
    /// Income tax assessed on a deemed basis (核定征收).
    pub deemed_taxation: Option<String>,
    /// On a dishonesty list.
    pub dishonest: Option<String>,
    /// R&D management system.
    pub rd_system: String,
    /// R&D institution.
    pub rd_institution: String,
    /// Conversion platform.
    pub rd_conversion_platform: String,
    /// Talent policy.
    pub rd_talent: String,
    /// Direct route: a provincial R&D centre.
    pub dr_provincial_rd_center: Option<String>,
    /// Direct route: an award in five years.
    pub dr_award_5y: Option<String>,
    /// Direct route: led a standard in five years.
    pub dr_led_standard_5y: Option<String>,
    /// IP from own R&D.
    pub ip_own_rd: String,
    /// Took part in standards.
    pub ip_standards: String,
}

impl From<&Firm> for FirmForm {
    fn from(f: &Firm) -> FirmForm {
        let facts = f.parsed_facts().unwrap_or_default();
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: Option<i32>| v.map(|x| x.to_string()).unwrap_or_default();
        let t = kit::tri_text;
        let (fl, rd, dr) = (&facts.flags, &facts.rd_management, &facts.direct_routes);
        FirmForm {
            version: f.version.to_string(),
            uscc: f.uscc.clone(),
            name: f.name.clone(),
            county_code: f.county_code.clone(),
            sector_code: o(&f.sector_code),
            industry_code: o(&f.industry_code),
            founded_on: f.founded_on.map(|d| d.to_string()).unwrap_or_default(),
            advisor_id: Some(f.advisor_id.map(|a| a.to_string()).unwrap_or_default()),
            contact_name: o(&f.contact_name),
            contact_phone: o(&f.contact_phone),
            contact_email: o(&f.contact_email),
            employees: n(f.employees),
            tech_staff: n(f.tech_staff),
            key_field: t(fl.key_field),
            core_ip: t(fl.core_ip),
            major_incident: Some(t(fl.major_incident)),
            restricted_industry: Some(t(fl.restricted_industry)),
            deemed_taxation: Some(t(fl.deemed_taxation)),
            dishonest: Some(t(fl.dishonest)),
            rd_system: t(rd.system),
            rd_institution: t(rd.institution),
            rd_conversion_platform: t(rd.conversion_platform),
            rd_talent: t(rd.talent),
            dr_provincial_rd_center: Some(t(dr.provincial_rd_center)),
            dr_award_5y: Some(t(dr.award_5y)),
            dr_led_standard_5y: Some(t(dr.led_standard_5y)),
            ip_own_rd: t(facts.ip.own_rd),
            ip_standards: t(facts.ip.standards),
        }
    }
}

impl FirmForm {
    /// The profile (every field but the USCC), or every problem.
    pub fn parse(&self) -> Result<EditFirmInput, FieldErrors> {
        let mut e = FieldErrors::checked(self, &[]);
        let input = self.read_profile(&mut e);
        e.or(input)
    }

    /// A new firm: the USCC (its check character included) and the profile, or every problem.
    pub fn parse_new(&self) -> Result<NewFirmInput, FieldErrors> {
        let mut e = FieldErrors::checked(self, &[]);
        let uscc = e.required("uscc", &self.uscc);
        if !uscc.is_empty() {
            if let Err(u) = Uscc::parse(&uscc) {
                e.add("uscc", kit::Message::Text(u.text()));
            }
        }
        let p = self.read_profile(&mut e);
        e.or(NewFirmInput {
            uscc,
            name: p.name,
            county_code: p.county_code,
            sector_code: p.sector_code,
            founded_on: p.founded_on,
            advisor_id: p.advisor_id.flatten(),
            contact_name: p.contact_name,
            contact_phone: p.contact_phone,
            contact_email: p.contact_email,
            employees: p.employees,
            tech_staff: p.tech_staff,
            facts: {
                let mut facts = FirmFacts {
                    rd_management: p.rd_management,
                    ip: p.ip,
                    ..FirmFacts::default()
                };
                facts.flags.key_field = p.key_field;
                facts.flags.core_ip = p.core_ip;
                if let Some(r) = &p.record {
                    r.set_all(&mut facts);
                }
                facts
            },
            industry_code: p.industry_code,
        })
    }

    fn read_profile(&self, e: &mut FieldErrors) -> EditFirmInput {
        let name = e.required("name", &self.name);
        let county_code = e.required("county_code", &self.county_code);
        let advisor_id = self
            .advisor_id
            .as_deref()
            .map(|raw| e.id("advisor_id", raw));
        let employees = e.int("employees", &self.employees, true);
        let tech_staff = e.int("tech_staff", &self.tech_staff, true);
        for problem in forms::count_errors(employees, tech_staff) {
            e.input(&problem);
        }
        let contact_email = kit::text(&self.contact_email);
        let contact_name = kit::text(&self.contact_name);
        let contact_phone = kit::text(&self.contact_phone);
        let founded_on = e.date("founded_on", &self.founded_on);
        let industry_code = kit::text(&self.industry_code);
        if let Some(code) = &industry_code {
            if let Err(t) = IndustryCode::parse(code) {
                e.add("industry_code", kit::Message::Text(t));
            }
        }
        for problem in forms::profile_errors(
            Some(&name),
            contact_name.as_deref(),
            contact_phone.as_deref(),
            contact_email.as_deref(),
            founded_on,
            crate::app::firms::derived::today(),
        ) {
            e.input(&problem);
        }
        let t = |raw: &str| kit::tri(raw);
        EditFirmInput {
            name,
            county_code,
            sector_code: kit::text(&self.sector_code),
            founded_on,
            advisor_id,
            contact_name,
            contact_phone,
            contact_email,
            employees,
            tech_staff,
            industry_code,
            key_field: t(&self.key_field),
            core_ip: t(&self.core_ip),
            rd_management: RdManagement {
                system: t(&self.rd_system),
                institution: t(&self.rd_institution),
                conversion_platform: t(&self.rd_conversion_platform),
                talent: t(&self.rd_talent),
            },
            ip: IpFacts {
                own_rd: t(&self.ip_own_rd),
                standards: t(&self.ip_standards),
            },
            record: self.record_patch(),
        }
    }

    fn record_field(&self, field: &str) -> Option<&String> {
        match field {
            "major_incident" => self.major_incident.as_ref(),
            "restricted_industry" => self.restricted_industry.as_ref(),
            "dishonest" => self.dishonest.as_ref(),
            "deemed_taxation" => self.deemed_taxation.as_ref(),
            "dr_provincial_rd_center" => self.dr_provincial_rd_center.as_ref(),
            "dr_award_5y" => self.dr_award_5y.as_ref(),
            "dr_led_standard_5y" => self.dr_led_standard_5y.as_ref(),
            _ => None,
        }
    }

    /// The record facts the post carried (a staff form carries all of them, a firm user's or
    /// advisor's form none); the use case refuses a change from anyone else.
    fn record_patch(&self) -> Option<RecordPatch> {
        let set: Vec<(&'static str, Option<bool>)> = RECORD_FIELDS
            .iter()
            .filter_map(|(fact, field)| self.record_field(field).map(|v| (*fact, kit::tri(v))))
            .collect();
        (!set.is_empty()).then_some(RecordPatch(set))
    }
}

fn lists_of(ctx: &forms::ReferenceLists) -> Lists {
    Lists {
        counties: ctx.counties.clone(),
        sectors: ctx.sectors.clone(),
        advisors: ctx.advisors.clone(),
    }
}

fn new_firm_page(
    req: &HttpRequest,
    user: &CurrentUser,
    again: &Again,
    lists: &forms::ReferenceLists,
) -> Result<HttpResponse, WebError> {
    render_form(
        req,
        user,
        again.status,
        FormPage {
            kind: "new_firm",
            action: "/firms/new".to_string(),
            cancel: "/firms".to_string(),
            version: None,
            firm: None,
            groups: firm_groups(true, again, user, &lists_of(lists), lists.choose_advisor),
            form_error: again.top.clone(),
        },
    )
}

/// `GET /firms/new`: the new-firm form (admin, bureau, county officers).
pub async fn new_firm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
) -> Result<HttpResponse, WebError> {
    let p = user.principal.clone();
    let lists = db(&state, move |c| forms::create_context(c, &p)).await?;
    let form = FirmForm {
        county_code: user
            .principal
            .county_code
            .clone()
            .or_else(|| lists.counties.first().map(|c| c.code.clone()))
            .unwrap_or_default(),
        ..FirmForm::default()
    };
    new_firm_page(&req, &user, &Again::fresh(&form), &lists)
}

/// `POST /firms/new`: register the firm as a prospect and go to its page; on any problem the
/// form again, with the problems beside the fields and nothing written.
pub async fn create_firm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    form: CsrfForm<FirmForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.0;
    let p = user.principal.clone();
    let refused = match form.parse_new() {
        Ok(new) => {
            let p = p.clone();
            match db(&state, move |c| app::create_firm(c, new, &p)).await {
                Ok(firm) => return Ok(see_other(&done_href(firm.id, "firm_created", ""))),
                Err(e) => Refused::place(e)?.duplicate_beside("uscc", "uscc"),
            }
        }
        Err(errors) => errors.into(),
    };
    let lists = db(&state, move |c| forms::create_context(c, &p)).await?;
    new_firm_page(&req, &user, &Again::refused(&form, &refused, &user), &lists)
}

async fn load_edit(state: &AppState, p: &Principal, id: i64) -> Result<EditContext, WebError> {
    let p = p.clone();
    Ok(db(state, move |c| forms::edit_context(c, &p, id)).await?)
}

fn edit_page(
    req: &HttpRequest,
    user: &CurrentUser,
    ctx: &EditContext,
    version: i64,
    again: &Again,
) -> Result<HttpResponse, WebError> {
    let id = ctx.firm.id;
    render_form(
        req,
        user,
        again.status,
        FormPage {
            kind: "edit_firm",
            action: format!("/firms/{id}/edit"),
            cancel: format!("/firms/{id}"),
            version: Some(version),
            firm: Some(&ctx.firm),
            groups: firm_groups(
                false,
                again,
                user,
                &lists_of(&ctx.lists),
                ctx.lists.choose_advisor,
            ),
            form_error: again.top.clone(),
        },
    )
}

/// `GET /firms/{id}/edit`: the profile form, at the firm's current version.
pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let form = FirmForm::from(&ctx.firm);
    edit_page(&req, &user, &ctx, ctx.firm.version, &Again::fresh(&form))
}

/// `POST /firms/{id}/edit`: save the profile if the firm is still at the form's version.
pub async fn update_firm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<FirmForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let mut form = form.0;
    form.uscc.clone_from(&ctx.firm.uscc);
    let version = kit::version(&form.version)?;
    let refused = match form.parse() {
        Ok(input) => {
            let p = user.principal.clone();
            match db(&state, move |c| {
                forms::replace_profile(c, id, version, input, &p)
            })
            .await
            {
                Ok(_) => return Ok(see_other(&done_href(id, "firm_saved", ""))),
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    edit_page(
        &req,
        &user,
        &ctx,
        version,
        &Again::refused(&form, &refused, &user),
    )
}

// ---- One year of figures ----

const YEAR_FIELDS: &[(&str, Kind)] = &[
    ("year", Kind::Int),
    ("revenue", Kind::Money),
    ("rd_expense", Kind::Money),
    ("rd_expense_domestic", Kind::Money),
    ("high_tech_revenue", Kind::Money),
    ("total_cost", Kind::Money),
    ("total_assets", Kind::Money),
    ("net_assets", Kind::Money),
    ("total_income", Kind::Money),
    ("conversions", Kind::Int),
];

/// `?year=` of the year form.
#[derive(Debug, serde::Deserialize)]
pub struct YearParam {
    /// The fiscal year to open; default: last year.
    pub year: Option<String>,
}

/// One year of figures, amounts typed in 万元.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct YearForm {
    /// The firm's version.
    pub version: String,
    /// Fiscal year.
    pub year: String,
    /// Revenue.
    pub revenue: String,
    /// R&D expense.
    pub rd_expense: String,
    /// R&D expense in China.
    pub rd_expense_domestic: String,
    /// High-tech revenue.
    pub high_tech_revenue: String,
    /// Total cost.
    pub total_cost: String,
    /// Total assets.
    pub total_assets: String,
    /// Net assets (may be negative).
    pub net_assets: String,
    /// Total income (总收入).
    pub total_income: String,
    /// Conversions of results.
    pub conversions: String,
}

impl YearForm {
    /// The form for `year`, filled from its stored row if there is one.
    fn of(year: i32, row: Option<&FirmYearRow>) -> YearForm {
        let wan = |v: Option<i64>| v.map(|f| Fen(f).wan_text()).unwrap_or_default();
        let mut form = YearForm {
            year: year.to_string(),
            ..YearForm::default()
        };
        if let Some(r) = row {
            form.revenue = wan(r.revenue);
            form.rd_expense = wan(r.rd_expense);
            form.rd_expense_domestic = wan(r.rd_expense_domestic);
            form.high_tech_revenue = wan(r.high_tech_revenue);
            form.total_cost = wan(r.total_cost);
            form.total_assets = wan(r.total_assets);
            form.net_assets = wan(r.net_assets);
            form.total_income = wan(r.total_income);
            form.conversions = r.conversions.map(|c| c.to_string()).unwrap_or_default();
        }
        form
    }

    /// The figures in fen, or every problem (the use case's checks included, beside their
    /// fields).
    pub fn parse(&self) -> Result<FirmYearInput, FieldErrors> {
        let mut e = FieldErrors::checked(self, &[]);
        let year = e.required_int("year", &self.year, true);
        let figures = FirmYear {
            year: year.unwrap_or(0),
            revenue: e.money("revenue", &self.revenue, false),
            rd_expense: e.money("rd_expense", &self.rd_expense, false),
            rd_expense_domestic: e.money("rd_expense_domestic", &self.rd_expense_domestic, false),
            high_tech_revenue: e.money("high_tech_revenue", &self.high_tech_revenue, false),
            total_cost: e.money("total_cost", &self.total_cost, false),
            total_assets: e.money("total_assets", &self.total_assets, false),
            net_assets: e.money("net_assets", &self.net_assets, true),
            total_income: e.money("total_income", &self.total_income, false),
        };
        let conversions = e.count("conversions", &self.conversions);
        let input = FirmYearInput {
            figures,
            conversions,
        };
        // The use case's checks too (sums that do not add up, a year to come), all at once.
        let this_year = app::today().year();
        for problem in crate::app::firms::years::year_errors(&input, this_year) {
            e.input(&problem);
        }
        e.or(input)
    }
}

/// A form on one firm (a year of figures, an IP item): `kind` names the form and its words,
/// it posts to `/firms/{id}/{path}` and shows `fields` as the one group `group`.
fn firm_form_page(
    req: &HttpRequest,
    user: &CurrentUser,
    ctx: &EditContext,
    version: i64,
    again: &Again,
    shape: FirmFormShape,
) -> Result<HttpResponse, WebError> {
    firm_form_page_to(req, user, ctx, version, again, shape, None)
}

/// [`firm_form_page`] posting to `action` instead of the shape's path when given.
fn firm_form_page_to(
    req: &HttpRequest,
    user: &CurrentUser,
    ctx: &EditContext,
    version: i64,
    again: &Again,
    (kind, path, group, fields): FirmFormShape,
    action: Option<String>,
) -> Result<HttpResponse, WebError> {
    let id = ctx.firm.id;
    render_form(
        req,
        user,
        again.status,
        FormPage {
            kind,
            action: action.unwrap_or_else(|| format!("/firms/{id}/{path}")),
            cancel: format!("/firms/{id}"),
            version: Some(version),
            firm: Some(&ctx.firm),
            groups: again.groups(&[(group, fields)], user, &Lists::default()),
            form_error: again.top.clone(),
        },
    )
}

/// What [`firm_form_page`] shows: kind, path, group and its fields.
type FirmFormShape = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, Kind)],
);

/// The year form: [`firm_form_page`] with the figures.
const YEAR_FORM: FirmFormShape = ("year", "years", "figures", YEAR_FIELDS);

/// `GET /firms/{id}/years?year=Y`: the figures of one year (empty for a year not recorded).
pub async fn year_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    q: web::Query<YearParam>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .unwrap_or_else(|| app::today().year() - 1);
    let form = YearForm::of(year, ctx.years.iter().find(|y| y.year == year));
    firm_form_page(
        &req,
        &user,
        &ctx,
        ctx.firm.version,
        &Again::fresh(&form),
        YEAR_FORM,
    )
}

/// `POST /firms/{id}/years`: save one year of figures (amounts typed in 万元, stored in fen).
pub async fn save_year(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<YearForm>,
) -> Result<HttpResponse, WebError> {
    let save = SubForm {
        shape: YEAR_FORM,
        anchor: "figures",
        done: "year_saved",
        duplicate: ("year", "year"),
    };
    save.submit(&req, &state, &user, &id, form.0, forms::save_year_at)
        .await
}

// ---- An IP item ----

const IP_FIELDS: &[(&str, Kind)] = &[
    ("kind", Kind::IpKind),
    ("number", Kind::Text),
    ("title", Kind::Text),
    ("granted_on", Kind::Date),
    ("acquisition", Kind::Acquisition),
    ("used_in_hte", Kind::YesNo),
];

/// One IP item, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct IpForm {
    /// The firm's version.
    pub version: String,
    /// Kind id.
    pub kind: String,
    /// Registration number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Grant date.
    pub granted_on: String,
    /// `own` or `transferred`.
    pub acquisition: String,
    /// `yes` when already used in an HTE application.
    pub used_in_hte: String,
}

impl IpForm {
    /// The item, or every problem (the use case's checks included, beside their fields).
    pub fn parse(&self) -> Result<NewIpInput, FieldErrors> {
        let mut e = FieldErrors::checked(self, &[]);
        let kind = e.choice("kind", &self.kind, IpKind::parse);
        let acquisition = e.choice("acquisition", &self.acquisition, Acquisition::parse);
        let number = e.required("number", &self.number);
        let title = kit::text(&self.title).unwrap_or_default();
        let granted_on = e.date("granted_on", &self.granted_on);
        for problem in
            crate::app::firms::ip::item_errors(&self.number, &self.title, granted_on, app::today())
        {
            e.input(&problem);
        }
        let used_in_hte = kit::tri(&self.used_in_hte).unwrap_or(false);
        match (kind, acquisition) {
            (Some(kind), Some(acquisition)) => e.or(NewIpInput {
                kind,
                number,
                title,
                granted_on,
                acquisition,
                used_in_hte,
            }),
            _ => Err(e),
        }
    }
}

/// The IP form: [`firm_form_page`] with one item.
const IP_FORM: FirmFormShape = ("ip", "ip/new", "ip", IP_FIELDS);

/// `GET /firms/{id}/ip/new`: the form for one IP item.
pub async fn ip_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    q: web::Query<ItemParam>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let ctx = load_edit(&state, &user.principal, id).await?;
    let form = match q.item()? {
        // Changing a recorded item: its values, and the form posts back with its id.
        Some(item) => {
            let i = ctx
                .ip_items
                .iter()
                .find(|i| i.id == item)
                .ok_or_else(WebError::not_found)?;
            IpForm {
                kind: i.kind.clone(),
                number: i.number.clone(),
                title: i.title.clone(),
                granted_on: i.granted_on.map(|d| d.to_string()).unwrap_or_default(),
                acquisition: i.acquisition.clone(),
                used_in_hte: if i.used_in_hte { "yes" } else { "no" }.to_string(),
                ..IpForm::default()
            }
        }
        None => IpForm {
            acquisition: "own".to_string(),
            used_in_hte: "no".to_string(),
            ..IpForm::default()
        },
    };
    firm_form_page_to(
        &req,
        &user,
        &ctx,
        ctx.firm.version,
        &Again::fresh(&form),
        IP_FORM,
        q.item()?
            .map(|item| format!("/firms/{id}/ip/new?item={item}")),
    )
}

/// `?item=ID`: the IP item a form changes (none: a new item).
#[derive(Debug, Default, Deserialize)]
pub struct ItemParam {
    /// The item's id, as typed.
    #[serde(default)]
    pub item: String,
}

impl ItemParam {
    /// The id; a value that is not one is a 404 (no such item).
    fn item(&self) -> Result<Option<i64>, WebError> {
        match self.item.trim() {
            "" => Ok(None),
            t => t.parse().map(Some).map_err(|_| WebError::not_found()),
        }
    }
}

/// `POST /firms/{id}/ip/new`: record the item if the firm is still at the form's version.
pub async fn add_ip(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    q: web::Query<ItemParam>,
    form: CsrfForm<IpForm>,
) -> Result<HttpResponse, WebError> {
    match q.item()? {
        None => {
            let save = SubForm {
                shape: IP_FORM,
                anchor: "ip",
                done: "ip_added",
                duplicate: ("ip_number", "number"),
            };
            save.submit(&req, &state, &user, &id, form.0, forms::add_ip_at)
                .await
        }
        Some(item) => {
            let save = SubForm {
                shape: IP_FORM,
                anchor: "ip",
                done: "ip_updated",
                duplicate: ("ip_number", "number"),
            };
            let form = ItemForm { item, form: form.0 };
            save.submit(&req, &state, &user, &id, form, forms::update_ip_at)
                .await
        }
    }
}

/// An IP item's form changing recorded item `item`.
#[derive(Serialize)]
struct ItemForm {
    #[serde(skip)]
    item: i64,
    #[serde(flatten)]
    form: IpForm,
}

impl FirmSubForm for ItemForm {
    type Input = (i64, NewIpInput);
    fn version_text(&self) -> &str {
        &self.form.version
    }
    fn parse_input(&self) -> Result<(i64, NewIpInput), FieldErrors> {
        Ok((self.item, self.form.parse()?))
    }
    fn action(&self, firm_id: i64) -> Option<String> {
        Some(format!("/firms/{firm_id}/ip/new?item={}", self.item))
    }
}

/// What removing an IP item posts: the firm's version the page showed and the item.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RemoveIpForm {
    /// The firm's version.
    pub version: String,
    /// The item's id.
    pub item: String,
}

/// `POST /firms/{id}/ip/remove`: remove one IP item (the audit log keeps what it was) if the
/// firm is still at the page's version; back to the firm page.
pub async fn remove_ip(
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<RemoveIpForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    // Territory first: outside it the firm does not exist, whatever was posted.
    load_edit(&state, &user.principal, id).await?;
    let version = kit::version(&form.0.version)?;
    let item = path_id(&form.0.item)?;
    let p = user.principal.clone();
    db(&state, move |c| {
        forms::remove_ip_at(c, id, version, item, &p)
    })
    .await?;
    Ok(see_other(&done_href(id, "ip_removed", "ip")))
}

/// A form on one firm that a use case saves at the version it was opened at (a year of
/// figures, an IP item).
trait FirmSubForm: Serialize {
    /// What the use case takes.
    type Input: Send + 'static;
    /// The version the form carried, as typed.
    fn version_text(&self) -> &str;
    /// The use case's input, or every problem beside its field.
    fn parse_input(&self) -> Result<Self::Input, FieldErrors>;
    /// Where the form posts when not to its shape's path (an item being changed).
    fn action(&self, _firm_id: i64) -> Option<String> {
        None
    }
}

impl FirmSubForm for YearForm {
    type Input = FirmYearInput;
    fn version_text(&self) -> &str {
        &self.version
    }
    fn parse_input(&self) -> Result<FirmYearInput, FieldErrors> {
        self.parse()
    }
}

impl FirmSubForm for IpForm {
    type Input = NewIpInput;
    fn version_text(&self) -> &str {
        &self.version
    }
    fn parse_input(&self) -> Result<NewIpInput, FieldErrors> {
        self.parse()
    }
}

/// A use case that saves a form's input on a firm at the version the form was opened at
/// (`forms::save_year_at`, `forms::add_ip_at`).
type SaveAt<I, O> = fn(&mut DbConn, i64, i64, I, &Principal) -> Result<O, AppError>;

/// How one firm sub-form is saved: the page it shows again, the firm page's section to go
/// back to, and which refused duplicate (`duplicate.0`) goes beside which field (`.1`).
struct SubForm {
    shape: FirmFormShape,
    anchor: &'static str,
    /// What the firm page says afterwards (`done.<key>`).
    done: &'static str,
    duplicate: (&'static str, &'static str),
}

impl SubForm {
    /// Parse `form`, save it with `save` at the form's version, and go back to the firm page;
    /// a refusal shows the form again with every problem beside its field.
    async fn submit<F: FirmSubForm, O: Send + 'static>(
        &self,
        req: &HttpRequest,
        state: &web::Data<AppState>,
        user: &CurrentUser,
        id: &str,
        form: F,
        save: SaveAt<F::Input, O>,
    ) -> Result<HttpResponse, WebError> {
        let id = path_id(id)?;
        let ctx = load_edit(state, &user.principal, id).await?;
        let version = kit::version(form.version_text())?;
        let refused = match form.parse_input() {
            Ok(input) => {
                let p = user.principal.clone();
                match db(state, move |c| save(c, id, version, input, &p)).await {
                    Ok(_) => return Ok(see_other(&done_href(id, self.done, self.anchor))),
                    Err(e) => {
                        let (field, beside) = self.duplicate;
                        Refused::place(e)?.duplicate_beside(field, beside)
                    }
                }
            }
            Err(errors) => errors.into(),
        };
        firm_form_page_to(
            req,
            user,
            &ctx,
            version,
            &Again::refused(&form, &refused, user),
            self.shape,
            form.action(id),
        )
    }
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
