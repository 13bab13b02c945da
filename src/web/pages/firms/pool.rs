//! `GET /pool?county=…`: the reserve pool as a working list for meetings, ranked by readiness
//! (ties by the score margin) and printable. Firms in the reserve (ranked for HTE) and
//! tech-SMEs (ranked for the reserve), within the viewer's territory, each with its sector,
//! advisor, what keeps it from the next stage, days in its stage and last contact.

use crate::app::firms::{pool, read};
use crate::core::clock::china_minute;
use crate::core::error::Text;
use crate::core::stage::Stage;
use crate::i18n;
use crate::web::auth::ListsUser;
use crate::web::error::WebError;
use crate::web::pages::render;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The pool's query string.
#[derive(Debug, Default, Deserialize)]
pub struct PoolParams {
    /// County code; empty: every county in scope.
    #[serde(default)]
    pub county: String,
    /// `1`: the print view (the printed heading shown on screen too).
    #[serde(default)]
    pub print: String,
}

/// `GET /pool`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ListsUser,
    q: web::Query<PoolParams>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let county = q.county.trim().to_string();
    let p = user.principal.clone();
    let filter = (!county.is_empty()).then(|| county.clone());
    let (pool, county_list) = db(&state, move |c| {
        Ok((
            pool::reserve_pool(c, &p, filter.as_deref())?,
            read::territory_counties(c, &p)?,
        ))
    })
    .await?;
    let names: HashMap<&str, &str> = county_list
        .iter()
        .map(|c| (c.code.as_str(), lang.pick(&c.name_zh, &c.name_en)))
        .collect();
    let rows = |stage: Stage| -> Vec<Value> {
        pool.rows(stage, lang)
            .into_iter()
            .map(|r| {
                json!({
                    "rank": r.rank,
                    "id": r.id,
                    "name": r.name,
                    "uscc": r.uscc,
                    "county": r.county,
                    "sector": r.sector,
                    "advisor": r.advisor,
                    "readiness": r.readiness,
                    "margin": r.margin,
                    "eligible": r.eligible,
                    "blocking": r.blocking,
                    "days_in_stage": r.days_in_stage,
                    "since": r.in_stage_since.map(|d| i18n::render(lang, &Text::new("pool.col.since").plain("date", d))),
                    "last_contact_on": r.last_contact_on.map(|d| d.to_string()),
                })
            })
            .collect()
    };
    let counties: Vec<Value> = county_list
        .iter()
        .map(|c| json!({ "value": c.code, "name": lang.pick(&c.name_zh, &c.name_en), "selected": c.code == county }))
        .collect();
    let print_href = if county.is_empty() {
        "/pool?print=1".to_string()
    } else {
        format!(
            "/pool?{}",
            serde_urlencoded::to_string([("county", county.as_str()), ("print", "1")])
                .unwrap_or_default()
        )
    };
    let exports: HashMap<&str, String> = ["csv", "xlsx"]
        .into_iter()
        .map(|f| {
            let mut pairs = vec![("format", f)];
            if !county.is_empty() {
                pairs.push(("county", county.as_str()));
            }
            let q = serde_urlencoded::to_string(pairs).unwrap_or_default();
            (f, format!("/pool/export?{q}"))
        })
        .collect();
    render(
        &req,
        lang,
        Some(&user),
        "pool",
        "pages/firms/pool",
        StatusCode::OK,
        json!({
            "counties": counties,
            "reserve": rows(Stage::Reserve),
            "tech_sme": rows(Stage::TechSme),
            "limit": pool::POOL_LIMIT,
            "print_href": print_href,
            "printing": q.print == "1",
            // What a printed page says of itself: the list, its filter, when it was taken.
            "printed": i18n::render(lang, &Text::new("pool.printed")
                .plain("filter", if county.is_empty() {
                    i18n::text(lang, "export.unfiltered")
                } else {
                    names.get(county.as_str()).map_or(county.clone(), |n| (*n).to_string())
                })
                .plain("at", china_minute(Utc::now().naive_utc()))),
            "exports": exports,
        }),
    )
}

/// `GET /pool/export?format=csv|xlsx&county=…`: the whole reserve pool the page ranks (both
/// parts, without the page's limit), as a file in the user's language.
pub async fn export(
    state: web::Data<AppState>,
    user: ListsUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<PoolParams>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let county = q.county.trim().to_string();
    let (p, lang) = (user.principal.clone(), user.lang);
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        let county = (!county.is_empty()).then_some(county.as_str());
        crate::app::firms::export::reserve_pool(c, &p, county, lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}
