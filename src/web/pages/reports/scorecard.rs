//! `GET /scorecard`: the county scorecard (督导考核), sortable by its columns, with a chart of
//! each county's HTEs against its target and a table of the same numbers.

use crate::app::model::County;
use crate::app::reports::scorecard::{self, Row, Sort, CONTACT_DAYS};
use crate::app::today;
use crate::core::targets::Metric;
use crate::i18n::{self, Lang};
use crate::web::auth::DashboardUser;
use crate::web::charts::{columns, Columns, Series};
use crate::web::error::WebError;
use crate::web::pages::render;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// `?sort=&dir=` of the scorecard.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SortQuery {
    /// A [`Sort`] id.
    pub sort: String,
    /// `desc` or `asc`.
    pub dir: String,
}

fn county_name(lang: Lang, c: &County) -> String {
    lang.pick(&c.name_zh, &c.name_en).to_string()
}

fn row_json(lang: Lang, r: &Row) -> Value {
    json!({
        "name": county_name(lang, &r.county),
        "code": r.county.code,
        "counts": r.counts.iter().map(|c| json!({
            "target": c.target, "now": c.now, "net": c.net,
            "net_text": if c.net > 0 { format!("+{}", c.net) } else { c.net.to_string() },
        })).collect::<Vec<_>>(),
        "assigned": r.assigned,
        "contacted": r.contacted,
        "contacted_percent": r.contacted_percent(),
        "overdue": r.overdue,
        "issues": r.issues,
        "ready": r.ready_not_applied,
    })
}

/// The order asked for: a known column (the county by default), most first unless `asc`
/// (the county: A to Z unless `desc`).
fn order(q: &SortQuery) -> (Sort, bool) {
    let sort = Sort::parse(q.sort.trim()).unwrap_or_default();
    let desc = q.dir.trim() == "desc" || (q.dir.trim().is_empty() && sort != Sort::County);
    (sort, desc)
}

/// `GET /scorecard?sort=&dir=`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: DashboardUser,
    q: web::Query<SortQuery>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let (sort, desc) = order(&q);
    let p = user.principal.clone();
    let rows = db(&state, move |c| {
        scorecard::scorecard(c, &p, today(), sort, desc)
    })
    .await?;
    let t = |k: &str| i18n::text(lang, k);
    let hte = t(Metric::HighTech.key());
    let chart = columns(&Columns {
        title: &t("scorecard.chart"),
        x_label: &t("board.axis.county"),
        y_label: &t("board.axis.firms"),
        categories: rows.iter().map(|r| county_name(lang, &r.county)).collect(),
        series: vec![
            Series {
                name: format!("{hte} · {}", t("board.now")),
                values: rows.iter().map(|r| r.counts[0].now).collect(),
            },
            Series {
                name: format!("{hte} · {}", t("board.target")),
                values: rows
                    .iter()
                    .map(|r| r.counts[0].target.unwrap_or(0))
                    .collect(),
            },
        ],
        line: None,
    });
    let heads: serde_json::Map<String, Value> = Sort::ALL
        .iter()
        .map(|s| {
            let next_desc = if *s == sort { !desc } else { *s != Sort::County };
            (
                s.id().to_string(),
                json!({
                    "href": format!("/scorecard?sort={}&dir={}", s.id(), if next_desc { "desc" } else { "asc" }),
                    "aria": if *s == sort { if desc { "descending" } else { "ascending" } } else { "none" },
                }),
            )
        })
        .collect();
    let dir = if desc { "desc" } else { "asc" };
    let exports = json!({
        "csv": format!("/scorecard/export?format=csv&sort={}&dir={dir}", sort.id()),
        "xlsx": format!("/scorecard/export?format=xlsx&sort={}&dir={dir}", sort.id()),
    });
    render(
        &req,
        lang,
        Some(&user),
        "scorecard",
        "pages/reports/scorecard",
        StatusCode::OK,
        json!({
            "rows": rows.iter().map(|r| row_json(lang, r)).collect::<Vec<_>>(),
            "metrics": Metric::ALL.iter().map(|m| t(m.key())).collect::<Vec<_>>(),
            "sorts": heads,
            "chart": chart,
            "contacted_label": i18n::render(
                lang,
                &crate::core::error::Text::new("scorecard.contacted").plain("days", CONTACT_DAYS),
            ),
            "sort": sort.id(),
            "exports": exports,
            "dir": if desc { "desc" } else { "asc" },
            "today": today().to_string(),
        }),
    )
}

/// `GET /scorecard/export?format=csv|xlsx&sort=&dir=`: the scorecard as a file, in the page's
/// order.
pub async fn export(
    state: web::Data<AppState>,
    user: DashboardUser,
    format: web::Query<crate::web::export::FormatParam>,
    q: web::Query<SortQuery>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let (sort, desc) = order(&q);
    let (lang, day) = (user.lang, today());
    let p = user.principal.clone();
    let now = chrono::Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        crate::app::reports::export::scorecard(c, &p, day, sort, desc, lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}
