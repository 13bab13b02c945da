//! `/api/v1/firms…`: the firm list (the `/firms` page's filters), one firm, create, patch,
//! yearly figures, IP, stage events and the next stage's evaluation.

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::{json_ok, path_id, Body, JsonBody};
use crate::app::firms::list::{ListParams, PER_PAGE};
use crate::app::firms::read::NextEvaluation;
use crate::app::firms::record::RecordPatch;
use crate::app::model::FirmYearRow;
use crate::app::model::{Acquisition, IpItem, IpKind};
use crate::app::model::{Firm, FirmFacts};
use crate::app::{self, firms::api, FirmUpdate, FirmYearInput, NewFirmInput, NewIpInput};
use crate::core::error::{InputError, Text};
use crate::core::money::Fen;
use crate::core::profile::FirmYear;
use crate::core::stage::Event;
use crate::web::export::{negotiate, respond, Answer};
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Most rows a page of the API's firm list may ask for.
pub const MAX_PER_PAGE: i64 = 500;

/// A firm as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirmOut {
    /// Id.
    pub id: i64,
    /// 统一社会信用代码.
    pub uscc: String,
    /// Name, exactly as entered (no HTML escaping: this is JSON).
    pub name: String,
    /// County code.
    pub county_code: String,
    /// Sector code.
    pub sector_code: Option<String>,
    /// GB/T 4754-2017 industry code, normalised (e.g. `C1351`).
    pub industry_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Stage id: prospect, tech_sme, reserve, high_tech, leader, exited.
    pub stage: String,
    /// Optimistic-lock version: send it back to change the firm.
    pub version: i64,
    /// Assigned advisor's user id.
    pub advisor_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// 职工总数: staff of the latest fiscal year, as the average of its monthly head counts
    /// (everyone on the payroll, part-time and seconded staff working 183 days or more
    /// included).
    pub employees: Option<i32>,
    /// 科技人员: of those, the staff in R&D and related technical work who worked 183 days or
    /// more in the year; at most `employees`.
    pub tech_staff: Option<i32>,
    /// The next stage, if any.
    pub next_stage: Option<String>,
    /// Whether the firm meets the next stage's rules (null: unknown).
    pub next_eligible: Option<bool>,
    /// Readiness 0–100 for the next stage.
    pub readiness: i32,
    /// Created: RFC 3339 in UTC (`Z`), e.g. `2025-03-01T08:30:00.123456Z`.
    pub created_at: DateTime<Utc>,
    /// Last changed: RFC 3339 in UTC (`Z`).
    pub updated_at: DateTime<Utc>,
}

impl From<&Firm> for FirmOut {
    fn from(f: &Firm) -> FirmOut {
        FirmOut {
            id: f.id,
            uscc: f.uscc.clone(),
            name: f.name.clone(),
            county_code: f.county_code.clone(),
            sector_code: f.sector_code.clone(),
            industry_code: f.industry_code.clone(),
            founded_on: f.founded_on,
            stage: f.stage.clone(),
            version: f.version,
            advisor_id: f.advisor_id,
            contact_name: f.contact_name.clone(),
            contact_phone: f.contact_phone.clone(),
            contact_email: f.contact_email.clone(),
            employees: f.employees,
            tech_staff: f.tech_staff,
            next_stage: f.next_stage.clone(),
            next_eligible: f.next_eligible,
            readiness: f.readiness,
            created_at: f.created_at.and_utc(),
            updated_at: f.updated_at.and_utc(),
        }
    }
}

/// A page of firms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FirmPage {
    /// The firms of this page.
    pub items: Vec<FirmOut>,
    /// How many match in all, counted up to 1,000: past that, `total` is 1,000 and
    /// `total_capped` is true (page on until a page comes back short).
    pub total: i64,
    /// More match than `total` says (the count stopped at its cap).
    pub total_capped: bool,
    /// This page, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
}

/// The API's page size, besides the page's own parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Paging {
    /// Rows per page (1–500; default 50).
    pub per_page: Option<String>,
    /// The page, as sent (the list's parameters read an empty one as the first).
    pub page: Option<String>,
    /// `json`, `csv` or `xlsx` (`crate::web::export::negotiate`).
    pub format: Option<String>,
}

/// A parameter that is not one of `known`: a 400 naming it and listing them.
pub(crate) fn not_one_of(field: &str, value: &str, known: &[&str]) -> InputError {
    InputError::new(
        field,
        "unknown_value",
        Text::new("api.input.not_one_of")
            .plain("field", field)
            .plain("value", value)
            .plain("known", known.join(", ")),
    )
}

/// A whole number from `min` to `max`, or a 400 naming `field`.
pub(crate) fn whole(field: &str, value: &str, min: i64, max: i64) -> Result<i64, InputError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            InputError::new(
                field,
                "out_of_range",
                Text::new("api.input.out_of_range")
                    .plain("field", field)
                    .plain("value", value)
                    .plain("min", min)
                    .plain("max", max),
            )
        })
}

/// The list's parameters as the API reads them: strictly. The `/firms` page reads what it
/// can of its filter form (an empty field does not filter); a program that sends a stage,
/// sort, direction, readiness, advisor or page size that does not read is told so (400).
/// Returns the page size.
fn strict_list_query(p: &ListParams, paging: &Paging) -> Result<i64, InputError> {
    use crate::app::model::SortKey;
    use crate::core::stage::Stage;
    p.check()?;
    if let Some(v) = paging.page.as_deref() {
        whole("page", v, 1, crate::app::firms::list::MAX_PAGE)?;
    }
    if Stage::parse(&p.stage).is_none() && !p.stage.is_empty() {
        let known: Vec<&str> = Stage::ALL.iter().map(|s| s.id()).collect();
        return Err(not_one_of("stage", &p.stage, &known));
    }
    if SortKey::parse(&p.sort).is_none() && !p.sort.is_empty() {
        let known: Vec<&str> = SortKey::ALL.iter().map(|k| k.id()).collect();
        return Err(not_one_of("sort", &p.sort, &known));
    }
    if !matches!(p.dir.as_str(), "" | "asc" | "desc") {
        return Err(not_one_of("dir", &p.dir, &["asc", "desc"]));
    }
    for (field, v) in [("rmin", &p.rmin), ("rmax", &p.rmax)] {
        if !v.is_empty() {
            whole(field, v, 0, 100)?;
        }
    }
    if !p.advisor.is_empty() {
        whole("advisor", &p.advisor, 1, i64::MAX)?;
    }
    match paging.per_page.as_deref() {
        None => Ok(PER_PAGE),
        Some(n) => whole("per_page", n, 1, MAX_PER_PAGE),
    }
}

/// `GET /api/v1/firms`: the `/firms` page's filters, search, sort and paging, in the caller's
/// territory. Unlike the page, a parameter that does not read is a 400 naming it.
#[utoipa::path(get, path = "/api/v1/firms", tag = "firms",
    params(
        ("stage" = Option<String>, Query, description = "Only firms in this stage"),
        ("county" = Option<String>, Query, description = "Only firms of this county code (an unknown code matches nothing)"),
        ("sector" = Option<String>, Query, description = "Only firms of this sector code (an unknown code matches nothing)"),
        ("industry" = Option<String>, Query, description = "GB/T 4754-2017 industry code prefix: a section letter (C), a division (C13 or 13), a group or a class; one that does not parse does not filter"),
        ("advisor" = Option<i64>, Query, minimum = 1, description = "Only firms assigned to this advisor (user id)"),
        ("rmin" = Option<i32>, Query, minimum = 0, maximum = 100, description = "Readiness at least"),
        ("rmax" = Option<i32>, Query, minimum = 0, maximum = 100, description = "Readiness at most"),
        ("q" = Option<String>, Query, description = "Name contains or USCC starts with"),
        ("sort" = Option<String>, Query, description = "Sort key (default readiness)"),
        ("dir" = Option<String>, Query, description = "Direction (default: desc for readiness, asc otherwise)"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000000, description = "Page from 1"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 500, description = "Rows per page (default 50)"),
        ("format" = Option<String>, Query, description = "json (the default), or the whole list (every page, the `/firms` page's columns and words in the caller's language) as csv (UTF-8 with a byte-order mark) or xlsx; without it, `Accept: text/csv` or the XLSX media type asks for the file"),
    ),
    responses((status = 200, description = "A page of the list, or the whole list as a file", content(
        (FirmPage = "application/json"),
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ))))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<ListParams>,
    paging: web::Query<Paging>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let per_page = strict_list_query(&params, &paging).map_err(crate::app::AppError::from)?;
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    if let Answer::File(format) = negotiate(paging.format.as_deref(), accept)? {
        let (p, lang) = (user.principal.clone(), user.lang);
        let now = Utc::now().naive_utc();
        return Ok(respond(&state, format, move |c, sink| {
            app::firms::export::firm_list(c, &p, &params, lang, now, sink)
        })
        .await?);
    }
    let mut query = params.to_query();
    let page = query.offset / PER_PAGE + 1;
    query.limit = per_page;
    query.offset = (page - 1).saturating_mul(per_page);
    let p = user.principal.clone();
    let (firms, total) = db(&state, move |c| {
        app::firms::read::firm_page_rows(c, &p, &query)
    })
    .await?;
    json_ok(&FirmPage {
        items: firms.iter().map(FirmOut::from).collect(),
        total: total.count,
        total_capped: total.capped,
        page,
        per_page,
    })
}

/// `GET /api/v1/firms/{id}`: 404 outside the caller's territory.
#[utoipa::path(get, path = "/api/v1/firms/{id}", tag = "firms",
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 200, body = FirmOut), (status = 404, body = ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let firm = db(&state, move |c| api::visible_firm(c, &p, id)).await?;
    json_ok(&FirmOut::from(&firm))
}

/// A firm to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmIn {
    /// 统一社会信用代码: its check character must be right (400 `invalid_uscc`).
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code: one of the configured counties (400 `unknown_county`).
    pub county_code: String,
    /// Sector code: one of the configured sectors (400 `unknown_sector`).
    pub sector_code: Option<String>,
    /// GB/T 4754-2017 industry code, e.g. `C1351` (the letter may be left out, and must be
    /// the division's section); a bad one is a 400 `invalid_industry_code`. An empty string
    /// clears it.
    pub industry_code: Option<String>,
    /// Date of registration: not after today (China) nor before 1900-01-01 (400
    /// `date_in_future`, `date_implausible`).
    pub founded_on: Option<NaiveDate>,
    /// Assigned advisor: an active advisor's user id (400 `unknown_advisor`).
    pub advisor_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email: a local part of at most 64 bytes (400 `invalid_email`); blank clears.
    pub contact_email: Option<String>,
    /// 职工总数: staff of the latest fiscal year, as the average of its monthly head counts
    /// (everyone on the payroll, part-time and seconded staff working 183 days or more
    /// included).
    pub employees: Option<i32>,
    /// 科技人员: of those, the staff in R&D and related technical work who worked 183 days or
    /// more in the year; at most `employees` (400 `tech_staff_exceeds_employees`).
    pub tech_staff: Option<i32>,
}

impl Body for FirmIn {}

/// `POST /api/v1/firms`: register a prospect. 400 names a bad field, 409 a taken USCC.
#[utoipa::path(post, path = "/api/v1/firms", tag = "firms", request_body = FirmIn,
    responses((status = 201, body = FirmOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: ApiUser,
    body: JsonBody<FirmIn>,
) -> Result<HttpResponse, ApiError> {
    let f = body.0;
    let input = NewFirmInput {
        uscc: f.uscc,
        name: f.name,
        county_code: f.county_code,
        sector_code: f.sector_code,
        founded_on: f.founded_on,
        advisor_id: f.advisor_id,
        contact_name: f.contact_name,
        contact_phone: f.contact_phone,
        contact_email: f.contact_email,
        employees: f.employees,
        tech_staff: f.tech_staff,
        facts: FirmFacts::default(),
        industry_code: f.industry_code,
    };
    let p = user.principal.clone();
    let firm = db(&state, move |c| app::create_firm(c, input, &p)).await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/firms/{}", firm.id),
        ))
        .json(FirmOut::from(&firm)))
}

/// Changes to a firm; absent fields stay, an empty string clears an optional text field.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirmPatch {
    /// The version the change was made on (required): a stale one is a 409.
    pub version: i64,
    /// Name.
    pub name: Option<String>,
    /// County code: one of the configured counties (400 `unknown_county`).
    pub county_code: Option<String>,
    /// Sector code: one of the configured sectors (400 `unknown_sector`).
    pub sector_code: Option<String>,
    /// GB/T 4754-2017 industry code, e.g. `C1351` (the letter may be left out, and must be
    /// the division's section); a bad one is a 400 `invalid_industry_code`. An empty string
    /// clears it.
    pub industry_code: Option<String>,
    /// Date of registration: not after today (China) nor before 1900-01-01 (400
    /// `date_in_future`, `date_implausible`).
    pub founded_on: Option<NaiveDate>,
    /// Assigned advisor: an active advisor's user id (400 `unknown_advisor`).
    pub advisor_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email: a local part of at most 64 bytes (400 `invalid_email`); blank clears.
    pub contact_email: Option<String>,
    /// 职工总数: staff of the latest fiscal year, as the average of its monthly head counts
    /// (everyone on the payroll, part-time and seconded staff working 183 days or more
    /// included).
    pub employees: Option<i32>,
    /// 科技人员: of those, the staff in R&D and related technical work who worked 183 days or
    /// more in the year; at most `employees`, the stored one if not sent (400
    /// `tech_staff_exceeds_employees`).
    pub tech_staff: Option<i32>,
    /// Record flags and direct routes to set: bureau and county staff (and the
    /// administrator) only; changing one as a firm user or advisor is a 403 and writes
    /// nothing. The valid-HTE route is not among them: it follows from a recorded HTE
    /// certificate.
    pub record: Option<RecordIn>,
}

/// Record flags and direct routes; an absent key stays, `null` clears to unknown.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordIn {
    /// A major safety, quality or environmental incident in the last year.
    #[serde(default, deserialize_with = "present")]
    pub major_incident: Option<Option<bool>>,
    /// In a prohibited, restricted or phased-out industry.
    #[serde(default, deserialize_with = "present")]
    pub restricted_industry: Option<Option<bool>>,
    /// On the dishonest or abnormal-operation lists.
    #[serde(default, deserialize_with = "present")]
    pub dishonest: Option<Option<bool>>,
    /// Income tax assessed on a deemed basis (核定征收).
    #[serde(default, deserialize_with = "present")]
    pub deemed_taxation: Option<Option<bool>>,
    /// Direct route: a provincial-level R&D institution.
    #[serde(default, deserialize_with = "present")]
    pub provincial_rd_center: Option<Option<bool>>,
    /// Direct route: a national S&T award in five years.
    #[serde(default, deserialize_with = "present")]
    pub award_5y: Option<Option<bool>>,
    /// Direct route: led a standard in five years.
    #[serde(default, deserialize_with = "present")]
    pub led_standard_5y: Option<Option<bool>>,
}

/// A key that is present: `Some(value)`, `null` included.
impl Body for FirmPatch {}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<bool>>, D::Error> {
    Option::<bool>::deserialize(d).map(Some)
}

impl RecordIn {
    fn patch(&self) -> RecordPatch {
        let all = [
            ("major_incident", self.major_incident),
            ("restricted_industry", self.restricted_industry),
            ("dishonest", self.dishonest),
            ("deemed_taxation", self.deemed_taxation),
            ("provincial_rd_center", self.provincial_rd_center),
            ("award_5y", self.award_5y),
            ("led_standard_5y", self.led_standard_5y),
        ];
        RecordPatch(
            all.into_iter()
                .filter_map(|(f, v)| v.map(|v| (f, v)))
                .collect(),
        )
    }
}

/// `PATCH /api/v1/firms/{id}`: 409 `stale_version` (nothing written) when `version` is old.
#[utoipa::path(patch, path = "/api/v1/firms/{id}", tag = "firms", request_body = FirmPatch,
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 200, body = FirmOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn patch(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
    body: JsonBody<FirmPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let f = body.0;
    let update = FirmUpdate {
        name: f.name,
        county_code: f.county_code,
        sector_code: f.sector_code,
        founded_on: f.founded_on.map(Some),
        advisor_id: f.advisor_id.map(Some),
        contact_name: f.contact_name,
        contact_phone: f.contact_phone,
        contact_email: f.contact_email,
        employees: f.employees.map(Some),
        tech_staff: f.tech_staff.map(Some),
        facts: None,
        record: f.record.as_ref().map(RecordIn::patch),
        industry_code: f.industry_code,
    };
    let p = user.principal.clone();
    let firm = db(&state, move |c| {
        app::update_firm(c, id, f.version, update, &p)
    })
    .await?;
    json_ok(&FirmOut::from(&firm))
}

fn yuan(fen: Option<i64>) -> Value {
    fen.map_or(Value::Null, |f| Fen(f).yuan_json())
}

/// One fiscal year of figures; amounts in yuan (元).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearOut {
    /// Fiscal year.
    pub year: i32,
    /// Revenue.
    #[schema(value_type = Option<f64>)]
    pub revenue: Value,
    /// R&D expense.
    #[schema(value_type = Option<f64>)]
    pub rd_expense: Value,
    /// R&D expense in China.
    #[schema(value_type = Option<f64>)]
    pub rd_expense_domestic: Value,
    /// High-tech revenue.
    #[schema(value_type = Option<f64>)]
    pub high_tech_revenue: Value,
    /// Total cost.
    #[schema(value_type = Option<f64>)]
    pub total_cost: Value,
    /// Total assets.
    #[schema(value_type = Option<f64>)]
    pub total_assets: Value,
    /// Net assets (may be negative).
    #[schema(value_type = Option<f64>)]
    pub net_assets: Value,
    /// Total income (总收入).
    #[schema(value_type = Option<f64>)]
    pub total_income: Value,
    /// Conversions of results that year.
    pub conversions: Option<i32>,
}

impl From<&FirmYearRow> for YearOut {
    fn from(y: &FirmYearRow) -> YearOut {
        YearOut {
            year: y.year,
            revenue: yuan(y.revenue),
            rd_expense: yuan(y.rd_expense),
            rd_expense_domestic: yuan(y.rd_expense_domestic),
            high_tech_revenue: yuan(y.high_tech_revenue),
            total_cost: yuan(y.total_cost),
            total_assets: yuan(y.total_assets),
            net_assets: yuan(y.net_assets),
            total_income: yuan(y.total_income),
            conversions: y.conversions,
        }
    }
}

/// `GET /api/v1/firms/{id}/years`: figures by year, oldest first, in yuan.
#[utoipa::path(get, path = "/api/v1/firms/{id}/years", tag = "firms",
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 200, body = Vec<YearOut>), (status = 404, body = ErrorBody)))]
pub async fn years(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let rows = db(&state, move |c| api::firm_years(c, &p, id)).await?;
    json_ok(&rows.iter().map(YearOut::from).collect::<Vec<_>>())
}

/// A year's figures to save; whole yuan (元), stored as fen.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearIn {
    /// Revenue.
    pub revenue: Option<i64>,
    /// R&D expense.
    pub rd_expense: Option<i64>,
    /// R&D expense in China: at most `rd_expense` (400 `domestic_exceeds_total`).
    pub rd_expense_domestic: Option<i64>,
    /// High-tech revenue: at most `revenue` (400 `high_tech_exceeds_revenue`).
    pub high_tech_revenue: Option<i64>,
    /// Total cost.
    pub total_cost: Option<i64>,
    /// Total assets.
    pub total_assets: Option<i64>,
    /// Net assets.
    pub net_assets: Option<i64>,
    /// Total income (总收入 = 收入总额 − 不征税收入): never below `revenue` (400
    /// `total_income_below_revenue`).
    pub total_income: Option<i64>,
    /// Conversions of results.
    pub conversions: Option<u32>,
}

impl Body for YearIn {}

fn fen(field: &str, v: Option<i64>) -> Result<Option<Fen>, InputError> {
    match v {
        None => Ok(None),
        Some(y) => Fen::from_yuan(y).map(Some).ok_or_else(|| {
            InputError::new(
                field,
                "amount_too_large",
                Text::new("api.input.amount_too_large").plain("field", field),
            )
        }),
    }
}

/// Build the use case's input (amounts to fen) from the JSON body.
fn year_input(year: i32, y: YearIn) -> Result<FirmYearInput, InputError> {
    Ok(FirmYearInput {
        figures: FirmYear {
            year,
            revenue: fen("revenue", y.revenue)?,
            rd_expense: fen("rd_expense", y.rd_expense)?,
            rd_expense_domestic: fen("rd_expense_domestic", y.rd_expense_domestic)?,
            high_tech_revenue: fen("high_tech_revenue", y.high_tech_revenue)?,
            total_cost: fen("total_cost", y.total_cost)?,
            total_assets: fen("total_assets", y.total_assets)?,
            net_assets: fen("net_assets", y.net_assets)?,
            total_income: fen("total_income", y.total_income)?,
        },
        conversions: y.conversions,
    })
}

/// `PUT /api/v1/firms/{id}/years/{year}`: insert or replace one year; 400 names a bad field.
#[utoipa::path(put, path = "/api/v1/firms/{id}/years/{year}", tag = "firms", request_body = YearIn,
    params(("id" = i64, Path, description = "Firm id"), ("year" = i32, Path, description = "Fiscal year")),
    responses((status = 200, body = YearOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_year(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(String, String)>,
    body: JsonBody<YearIn>,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = path.into_inner();
    let id = path_id(&id)?;
    let year: i32 = year.trim().parse().map_err(|_| {
        ApiError::from(InputError::new(
            "year",
            "invalid_year",
            Text::new("api.input.invalid_year").plain("year", &year),
        ))
    })?;
    let y = body.0;
    let input = year_input(year, y)?;
    let p = user.principal.clone();
    let rows = db(&state, move |c| {
        api::on_visible_firm(c, &p, id, |c| app::save_firm_year(c, id, input, &p))?;
        api::firm_years(c, &p, id)
    })
    .await?;
    let saved = rows
        .iter()
        .find(|r| r.year == year)
        .ok_or_else(ApiError::not_found)?;
    json_ok(&YearOut::from(saved))
}

/// An IP item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IpOut {
    /// Id.
    pub id: i64,
    /// Kind id (invention_patent, utility_model, software_copyright, …).
    pub kind: String,
    /// Registration number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Grant date.
    pub granted_on: Option<NaiveDate>,
    /// own or transferred.
    pub acquisition: String,
    /// Already used in an HTE application.
    pub used_in_hte: bool,
}

impl From<&IpItem> for IpOut {
    fn from(i: &IpItem) -> IpOut {
        IpOut {
            id: i.id,
            kind: i.kind.clone(),
            number: i.number.clone(),
            title: i.title.clone(),
            granted_on: i.granted_on,
            acquisition: i.acquisition.clone(),
            used_in_hte: i.used_in_hte,
        }
    }
}

/// `GET /api/v1/firms/{id}/ip`: the firm's IP items.
#[utoipa::path(get, path = "/api/v1/firms/{id}/ip", tag = "firms",
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 200, body = Vec<IpOut>), (status = 404, body = ErrorBody)))]
pub async fn ip_list(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let rows = db(&state, move |c| api::firm_ip(c, &p, id)).await?;
    json_ok(&rows.iter().map(IpOut::from).collect::<Vec<_>>())
}

/// An IP item to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IpIn {
    /// Kind id.
    pub kind: String,
    /// Registration number.
    pub number: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Grant date: not after today (400 `date_in_future`).
    pub granted_on: Option<NaiveDate>,
    /// own (default) or transferred.
    pub acquisition: Option<String>,
    /// Already used in an HTE application.
    #[serde(default)]
    pub used_in_hte: bool,
}

impl Body for IpIn {}

/// The use case's input: the kind and the acquisition exactly as their ids (the API does not
/// guess).
fn ip_input(i: IpIn) -> Result<NewIpInput, InputError> {
    let kind = IpKind::parse(&i.kind).ok_or_else(|| {
        InputError::new(
            "kind",
            "unknown_ip_kind",
            Text::new("api.input.unknown_ip_kind").plain("kind", &i.kind),
        )
    })?;
    let acquisition = match i.acquisition.as_deref() {
        None => Acquisition::Own,
        Some(a) => Acquisition::parse(a).ok_or_else(|| {
            InputError::new(
                "acquisition",
                "unknown_acquisition",
                Text::new("api.input.unknown_acquisition").plain("acquisition", a),
            )
        })?,
    };
    Ok(NewIpInput {
        kind,
        number: i.number,
        title: i.title,
        granted_on: i.granted_on,
        acquisition,
        used_in_hte: i.used_in_hte,
    })
}

/// `POST /api/v1/firms/{id}/ip`: record an IP item; 409 for the same kind and number twice.
#[utoipa::path(post, path = "/api/v1/firms/{id}/ip", tag = "firms", request_body = IpIn,
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 201, body = IpOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn ip_add(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
    body: JsonBody<IpIn>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let i = body.0;
    let input = ip_input(i)?;
    let p = user.principal.clone();
    let (ip_id, rows) = db(&state, move |c| {
        let ip_id = api::on_visible_firm(c, &p, id, |c| app::add_ip(c, id, input, &p))?;
        Ok((ip_id, api::firm_ip(c, &p, id)?))
    })
    .await?;
    let item = rows
        .iter()
        .find(|r| r.id == ip_id)
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(IpOut::from(item)))
}

/// A stage event: the core's Event JSON (tag `event`) plus the version the caller saw.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EventIn {
    /// The firm version the event was chosen on: a stale one is a 409.
    pub expected_version: i64,
    /// `{"event": "certify_high_tech", "cert_no": "GR…", "issued_on": "2025-10-20"}`, etc.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub event: Event,
}

impl Body for EventIn {
    const MULTILINE: &'static [&'static str] = &["reason"];

    /// The event's own fields and `expected_version`, nothing else (the core's event would
    /// ignore the rest); a reason within [`crate::core::input::BLOCK_MAX`] characters, the
    /// numbers within [`crate::core::input::LINE_MAX`].
    fn check_sent(&self, sent: &Value) -> Result<(), InputError> {
        let own = serde_json::to_value(&self.event).unwrap_or(Value::Null);
        if let Some(map) = sent.as_object() {
            for key in map.keys() {
                if key != "expected_version" && own.get(key).is_none() {
                    return Err(InputError::new(
                        key.as_str(),
                        "unknown_field",
                        Text::new("api.input.unknown_field").plain("field", key),
                    ));
                }
            }
        }
        match &self.event {
            Event::LeaveReserve { reason }
            | Event::RevokeHighTech { reason }
            | Event::DemoteLeader { reason }
            | Event::Exit { reason } => crate::core::input::block("reason", reason),
            Event::RegisterTechSme { reg_no, .. } => crate::core::input::line("reg_no", reg_no),
            Event::CertifyHighTech { cert_no, .. } | Event::RenewHighTech { cert_no, .. } => {
                crate::core::input::line("cert_no", cert_no)
            }
            Event::LapseTechSme
            | Event::AdmitToReserve
            | Event::ExpireHighTech
            | Event::RecognizeLeader
            | Event::Reinstate => Ok(()),
        }
    }
}

/// What an accepted event did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    /// Firm id.
    pub firm_id: i64,
    /// Stage before.
    pub from: String,
    /// Stage after.
    pub stage: String,
    /// The firm's new version.
    pub version: i64,
    /// The event's sequence number in the firm's history.
    pub seq: i32,
    /// The evaluation the guard ran, as recorded.
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<Value>,
}

/// `POST /api/v1/firms/{id}/events`: fire a stage event. 409 with the core's reasons for an
/// illegal transition or a stale version; 403 for a role that may not fire it.
#[utoipa::path(post, path = "/api/v1/firms/{id}/events", tag = "firms", request_body = EventIn,
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 200, body = EventOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn fire(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
    body: JsonBody<EventIn>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let e = body.0;
    let p = user.principal.clone();
    let fired = db(&state, move |c| {
        api::fire_visible(c, &p, id, e.expected_version, e.event)
    })
    .await?;
    json_ok(&EventOut {
        firm_id: id,
        from: fired.from.id().to_string(),
        stage: fired.to.id().to_string(),
        version: fired.firm.version,
        seq: fired.seq,
        evaluation: fired.evaluation,
    })
}

/// The next stage's evaluation of a firm.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationOut {
    /// Firm id.
    pub firm_id: i64,
    /// The firm's stage.
    pub stage: String,
    /// The stage evaluated for (null at the top of the ladder or after exit).
    pub next_stage: Option<String>,
    /// The evaluation JSON of DESIGN §3 (null when there is none).
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<Value>,
    /// Why the stored data cannot be evaluated, if so.
    #[schema(value_type = Option<Object>)]
    pub data_error: Option<Value>,
}

/// `GET /api/v1/firms/{id}/evaluation`: the next stage's evaluation as of today.
#[utoipa::path(get, path = "/api/v1/firms/{id}/evaluation", tag = "firms",
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 200, body = EvaluationOut), (status = 404, body = ErrorBody)))]
pub async fn evaluation(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let (firm, next) = db(&state, move |c| api::next_evaluation(c, &p, id)).await?;
    let (next_stage, evaluation, data_error) = match next {
        NextEvaluation::None => (None, None, None),
        NextEvaluation::Evaluated { stage, json } => {
            (Some(stage.id().to_string()), Some(json), None)
        }
        NextEvaluation::BadData { stage, error } => (
            Some(stage.id().to_string()),
            None,
            Some(serde_json::json!({"field": error.field, "code": error.code,
                "message": crate::i18n::render(user.lang, &error.text)})),
        ),
    };
    json_ok(&EvaluationOut {
        firm_id: firm.id,
        stage: firm.stage,
        next_stage,
        evaluation,
        data_error,
    })
}
