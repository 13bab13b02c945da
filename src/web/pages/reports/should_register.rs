//! `GET /should-register?county=&advisor=`: the "should register" list (应评尽评、应入尽入),
//! most ready first, for everyone who sees lists of firms.

use crate::app::model::County;
use crate::app::reports::should_register::{self, Entry, Filter};
use crate::app::today;
use crate::i18n::{self, Lang};
use crate::web::auth::ListsUser;
use crate::web::error::WebError;
use crate::web::pages::render;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// The list's query string.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    /// County code; empty: every county in scope.
    pub county: String,
    /// Advisor id; empty: everyone's.
    pub advisor: String,
}

/// One firm of the list as pages show it.
pub fn entry_json(lang: Lang, counties: &[County], rank: usize, e: &Entry) -> Value {
    let f = &e.firm;
    let county = counties
        .iter()
        .find(|c| c.code == f.county_code)
        .map_or(f.county_code.clone(), |c| {
            lang.pick(&c.name_zh, &c.name_en).to_string()
        });
    json!({
        "rank": rank,
        "id": f.id,
        "name": f.name,
        "uscc": f.uscc,
        "county": county,
        "advisor": e.advisor.clone().unwrap_or_default(),
        "stage": f.stage,
        "why": e.why.id(),
        "why_text": i18n::text(lang, e.why.key()),
        "readiness": f.readiness,
        "last_contact": f.last_contact_on.map(|d| d.to_string()).unwrap_or_default(),
    })
}

fn filter_of(q: &Params) -> Filter {
    let county = q.county.trim();
    Filter {
        county: (!county.is_empty()).then(|| county.to_string()),
        advisor_id: q.advisor.trim().parse().ok(),
    }
}

/// `GET /should-register/export?format=csv|xlsx&county=&advisor=`: the list as a file.
pub async fn export(
    state: web::Data<AppState>,
    user: ListsUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<Params>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let filter = filter_of(&q);
    let lang = user.lang;
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        crate::app::reports::export::should_register(c, &p, &filter, today(), lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}

/// `GET /should-register`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ListsUser,
    q: web::Query<Params>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let county = q.county.trim().to_string();
    let filter = filter_of(&q);
    let advisor = filter.advisor_id;
    let query =
        serde_urlencoded::to_string([("county", q.county.trim()), ("advisor", q.advisor.trim())])
            .unwrap_or_default();
    let p = user.principal.clone();
    let page = db(&state, move |c| {
        should_register::should_register_page(c, &p, &filter, today())
    })
    .await?;
    let counties = &page.menus.counties;
    render(
        &req,
        lang,
        Some(&user),
        "should_register",
        "pages/reports/should_register",
        StatusCode::OK,
        json!({
            "rows": page.entries.iter().enumerate()
                .map(|(i, e)| entry_json(lang, counties, i + 1, e)).collect::<Vec<_>>(),
            "total": page.entries.len(),
            "exports": {
                "csv": format!("/should-register/export?format=csv&{query}"),
                "xlsx": format!("/should-register/export?format=xlsx&{query}"),
            },
            "counties": counties.iter().map(|c| json!({
                "value": c.code, "name": lang.pick(&c.name_zh, &c.name_en), "selected": c.code == county,
            })).collect::<Vec<_>>(),
            "advisors": page.menus.advisors.iter().map(|a| json!({
                "value": a.id,
                "name": match &a.away {
                    Some(k) => format!("{} ({})", a.display_name, lang.pick(&k.name_zh, &k.name_en)),
                    None => a.display_name.clone(),
                },
                "selected": Some(a.id) == advisor,
            })).collect::<Vec<_>>(),
        }),
    )
}
