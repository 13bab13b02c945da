//! `/api/v1/eligibility`, `/api/v1/reserve-pool`, `/api/v1/me` and the OpenAPI document.

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody};
use super::firms::FirmOut;
use super::{json_ok, JsonText};
use crate::app::firms::{api, pool};
use crate::core::error::{InputError, Text};
use crate::web::export::{negotiate, respond, Answer};
use crate::web::{db, session, AppState};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `?ruleset=…&as_of=…` of the eligibility check.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EligibilityParams {
    /// Rule set id: hte-2016, tech-sme-2017, reserve-local, …
    #[serde(default)]
    pub ruleset: String,
    /// Evaluate as of (YYYY-MM-DD); today in China when absent.
    pub as_of: Option<String>,
}

/// `POST /api/v1/eligibility?ruleset=…`: evaluate the posted profile (DESIGN §3), as
/// `peiyu eval` does, with the bureau's local thresholds. Needs a signed-in user or a token:
/// it reads no firm, but the service is not an open calculator for the internet. Bad input is
/// a 400 whose `line` is the exact line `peiyu eval` prints.
#[utoipa::path(post, path = "/api/v1/eligibility", tag = "eligibility",
    params(
        ("ruleset" = String, Query, description = "The rule set to evaluate against; another is a 400 (`unknown_ruleset`) listing the known ones"),
        ("as_of" = Option<NaiveDate>, Query, description = "Evaluate as of this date (YYYY-MM-DD); default today (China)"),
    ),
    request_body(content = Object, description = "The profile JSON of DESIGN §3. Keys it does not \
        name are ignored; a known key of the wrong type, a negative amount, a judged sub-score \
        outside its band, `tech_staff` above `employees` and the like are a 400 naming the field."),
    responses((status = 200, description = "The evaluation JSON of DESIGN §3", body = Object),
        (status = 400, body = ErrorBody)))]
pub async fn eligibility(
    state: web::Data<AppState>,
    _caller: ApiUser,
    params: web::Query<EligibilityParams>,
    body: JsonText,
) -> Result<HttpResponse, ApiError> {
    let text = body.0;
    let params = params.into_inner();
    if let Some(s) = params.as_of.as_deref() {
        strict_date("as_of", s)?;
    }
    let ev = db(&state, move |c| {
        api::evaluate_profile(c, &params.ruleset, params.as_of.as_deref(), &text)
    })
    .await?;
    json_ok(&ev.to_json())
}

/// A date exactly as `YYYY-MM-DD` (RFC 3339's full-date), or a 400 naming `field`.
fn strict_date(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            ApiError::from(InputError::new(
                field,
                "invalid_date",
                Text::new("app.firms.invalid_date").plain("s", s),
            ))
        })
}

/// `?county=…` of the reserve pool.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PoolParams {
    /// Only this county (within the caller's territory).
    #[serde(default)]
    pub county: String,
    /// `json`, `csv` or `xlsx` (`crate::web::export::negotiate`).
    pub format: Option<String>,
}

/// A firm of the reserve pool: the firm, and the working list's columns as the `/pool` page
/// and its exports show them (names and sentences in the caller's language).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolItemOut {
    /// The firm.
    #[serde(flatten)]
    pub firm: FirmOut,
    /// Rank within its part of the pool (`stage`: the reserve, or tech-SMEs), from 1.
    pub rank: usize,
    /// The firm's county, named.
    pub county: String,
    /// Its sector, named.
    pub sector: Option<String>,
    /// Its advisor, named (with their county when it is another).
    pub advisor: Option<String>,
    /// Points of the lower end of the score range over the next stage's pass mark (HTE: the
    /// innovation score over 71; reserve: over the bureau's floor); negative below it. Equal
    /// readiness is ranked by it.
    pub readiness_margin: i32,
    /// What keeps the firm from the next stage, the first one or two criteria with the
    /// smallest change that would pass each, then how many more; one line when none does.
    pub blocking: Vec<String>,
    /// When the firm entered its current stage (null: before its history was recorded).
    pub in_stage_since: Option<NaiveDate>,
    /// Days in its current stage.
    pub days_in_stage: Option<i64>,
    /// The latest contact with the firm.
    pub last_contact_on: Option<NaiveDate>,
}

/// The reserve pool.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolOut {
    /// Firms in `reserve` and tech-SMEs, most ready first (equal readiness: the larger
    /// score margin first, then by id).
    pub items: Vec<PoolItemOut>,
    /// How many.
    pub total: usize,
}

/// `GET /api/v1/reserve-pool?county=…`: reserve firms and tech-SMEs in the caller's
/// territory ranked by readiness.
#[utoipa::path(get, path = "/api/v1/reserve-pool", tag = "firms",
    params(
        ("county" = Option<String>, Query, description = "Only this county code (an unknown one, or one outside the caller's territory, lists nothing)"),
        ("format" = Option<String>, Query, description = "json (the default), or the pool as the `/pool` page exports it (the reserve, then tech-SMEs, each ranked; in the caller's language) as csv (UTF-8 with a byte-order mark) or xlsx; without it, `Accept: text/csv` or the XLSX media type asks for the file"),
    ),
    responses((status = 200, description = "The pool, or the pool as a file", content(
        (PoolOut = "application/json"),
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ))))]
pub async fn reserve_pool(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ApiUser,
    params: web::Query<PoolParams>,
) -> Result<HttpResponse, ApiError> {
    let county = Some(params.county.trim().to_string()).filter(|c| !c.is_empty());
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    if let Answer::File(format) = negotiate(params.format.as_deref(), accept)? {
        let (p, lang) = (user.principal.clone(), user.lang);
        let now = chrono::Utc::now().naive_utc();
        return Ok(respond(&state, format, move |c, sink| {
            crate::app::firms::export::reserve_pool(c, &p, county.as_deref(), lang, now, sink)
        })
        .await?);
    }
    let p = user.principal.clone();
    let (pool, firms) = db(&state, move |c| {
        let pool = pool::reserve_pool(c, &p, county.as_deref())?;
        let firms = pool::firm_rows(c, &pool)?;
        Ok((pool, firms))
    })
    .await?;
    let items: Vec<PoolItemOut> = pool
        .ranked_rows(user.lang)
        .into_iter()
        .filter_map(|r| {
            Some(PoolItemOut {
                firm: FirmOut::from(firms.get(&r.id)?),
                rank: r.rank,
                county: r.county,
                sector: r.sector,
                advisor: r.advisor,
                readiness_margin: r.margin,
                blocking: r.blocking,
                in_stage_since: r.in_stage_since,
                days_in_stage: r.days_in_stage,
                last_contact_on: r.last_contact_on,
            })
        })
        .collect();
    json_ok(&PoolOut {
        total: items.len(),
        items,
    })
}

/// The caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeOut {
    /// User id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role id.
    pub role: String,
    /// County.
    pub county_code: Option<String>,
    /// Firm of a firm user.
    pub firm_id: Option<i64>,
    /// `bearer` or `cookie`.
    pub via: String,
    /// With the cookie: the token to send in `X-CSRF-Token` on writes. Null with a bearer token.
    pub csrf: Option<String>,
}

/// `GET /api/v1/me`: who the caller is, and (with the session cookie) the CSRF token that
/// cookie-authenticated writes must send in `X-CSRF-Token`.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeOut)))]
pub async fn me(req: HttpRequest, user: ApiUser) -> Result<HttpResponse, ApiError> {
    let csrf = match user.via {
        super::auth::Via::Cookie => session::current(&req).map(|s| s.csrf),
        super::auth::Via::Bearer => None,
    };
    json_ok(&MeOut {
        id: user.user.id,
        username: user.user.username.clone(),
        display_name: user.user.display_name.clone(),
        role: user.principal.role.id().to_string(),
        county_code: user.user.county_code.clone(),
        firm_id: user.user.firm_id,
        via: user.via.id().to_string(),
        csrf,
    })
}

/// `GET /api/v1/openapi.json`: this API's OpenAPI 3 document, generated from the code. Open
/// to anyone: it describes routes, not data. The last fiscal year a figure may be entered
/// for is this year (China time), so the document says so on the day it is asked for.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "session", security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object)))]
pub async fn openapi() -> Result<HttpResponse, ApiError> {
    let this_year = chrono::Datelike::year(&crate::app::today());
    json_ok(&super::schema::document(this_year))
}
