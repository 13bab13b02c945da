//! `/nominations`: reserve-pool nominations. A county officer ticks tech-SMEs of the county,
//! writes a note for each and nominates them at once (`POST /nominations`); the bureau sees
//! every waiting nomination with the firm's evaluation and admits or declines each
//! (`POST /nominations/decide`), and the page says which were done and which failed, and why.

use crate::app::applications::nominations::{
    self, Decision, NominationRow, NominationsPage, Refusal,
};
use crate::app::error::AppError;
use crate::app::today;
use crate::core::clock::china_minute;
use crate::core::error::Text;
use crate::core::eval::Status as CriterionStatus;
use crate::i18n::{self, Lang};
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::Message;
use crate::web::pages::{render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What the page shows besides the lists: what was typed, per-firm problems, results.
#[derive(Default)]
struct Shown {
    notes: BTreeMap<i64, String>,
    picked: Vec<i64>,
    problems: BTreeMap<i64, String>,
    top: String,
    results: Vec<String>,
    notice: String,
}

fn row_json(r: &NominationRow, lang: Lang, shown: &Shown) -> Value {
    let n = &r.nomination;
    let failing: Vec<String> = r
        .evaluation
        .iter()
        .flat_map(|e| e.criteria.iter())
        .filter(|c| !c.informational && c.status == CriterionStatus::Fail)
        .map(|c| {
            let (zh, en) = c.id.label();
            lang.pick(zh, en).to_string()
        })
        .collect();
    json!({
        "id": n.id,
        "firm": r.firm_name,
        "firm_href": format!("/firms/{}", n.firm_id),
        "note": n.note,
        "nominated": china_minute(n.nominated_at),
        "status": i18n::text(lang, &format!("nomination.status.{}", n.status)),
        "decision_note": n.decision_note,
        "readiness": r.evaluation.as_ref().map(|e| e.readiness),
        "eligible": r.evaluation.as_ref().map(|e| match e.eligible {
            Some(true) => "pass",
            Some(false) => "fail",
            None => "unknown",
        }),
        "failing": failing,
        "typed_note": shown.notes.get(&n.id).cloned().unwrap_or_default(),
        "problem": shown.problems.get(&n.id).cloned().unwrap_or_default(),
    })
}

fn render_page(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    page: &NominationsPage,
    shown: &Shown,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let candidates: Vec<Value> = page
        .candidates
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({
                "rank": i + 1,
                "id": f.id,
                "name": f.name,
                "readiness": f.readiness,
                "eligible": match f.next_eligible { Some(true) => "pass", Some(false) => "fail", None => "unknown" },
                "picked": shown.picked.contains(&f.id),
                "note": shown.notes.get(&f.id).cloned().unwrap_or_default(),
                "problem": shown.problems.get(&f.id).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let rows = |v: &[NominationRow]| {
        v.iter()
            .map(|r| row_json(r, lang, shown))
            .collect::<Vec<_>>()
    };
    render(
        req,
        lang,
        Some(user),
        "nominations",
        "pages/applications/nominations",
        status,
        json!({
            "county": user.principal.role == crate::core::stage::Role::County,
            "candidates": candidates,
            "pending": rows(&page.pending),
            "decided": rows(&page.decided),
            "top": shown.top,
            "results": shown.results,
            "notice": shown.notice,
        }),
    )
}

async fn load(
    state: &web::Data<AppState>,
    user: &CurrentUser,
) -> Result<NominationsPage, WebError> {
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    Ok(db(state, move |c| {
        nominations::nominations_page(c, &p, today(), now)
    })
    .await?)
}

/// After nominating: how many.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// Firms nominated.
    #[serde(default)]
    pub nominated: String,
}

/// `GET /nominations`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    q: web::Query<Done>,
) -> Result<HttpResponse, WebError> {
    let page = load(&state, &user).await?;
    let mut shown = Shown::default();
    if let Ok(n) = q.nominated.trim().parse::<u32>() {
        shown.notice = i18n::render(
            user.lang,
            &Text::new("nomination.page.done_nominated").plain("n", n),
        );
    }
    render_page(&req, &user, StatusCode::OK, &page, &shown)
}

/// The ids in fields named `{prefix}{id}`, with their values.
fn by_id<'a>(pairs: &'a [(String, String)], prefix: &str) -> BTreeMap<i64, &'a str> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix(prefix)?.parse::<i64>().ok()?;
            Some((id, v.as_str()))
        })
        .collect()
}

/// `POST /nominations`: a county officer nominates the ticked firms (`pick_{id}`), each with
/// its note (`note_{id}`); all or none.
pub async fn nominate(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let pairs = form.0;
    let picked: Vec<i64> = by_id(&pairs, "pick_").into_keys().collect();
    let notes: BTreeMap<i64, String> = by_id(&pairs, "note_")
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let items: Vec<(i64, String)> = picked
        .iter()
        .map(|id| (*id, notes.get(id).cloned().unwrap_or_default()))
        .collect();
    let p = user.principal.clone();
    let result = db(&state, move |c| nominations::nominate(c, &p, &items)).await;
    let mut shown = Shown {
        notes,
        picked,
        ..Shown::default()
    };
    let status = match result {
        Ok(Ok(ids)) => return Ok(see_other(&format!("/nominations?nominated={}", ids.len()))),
        Ok(Err(refusals)) => {
            for Refusal { firm_id, text } in refusals {
                shown.problems.insert(firm_id, i18n::render(lang, &text));
            }
            StatusCode::CONFLICT
        }
        Err(AppError::BadInput(e)) => {
            shown.top = Message::from(&e).in_lang(lang);
            StatusCode::BAD_REQUEST
        }
        Err(e) => return Err(e.into()),
    };
    let page = load(&state, &user).await?;
    render_page(&req, &user, status, &page, &shown)
}

/// `POST /nominations/decide`: the bureau's decision per waiting nomination
/// (`decision_{id}` = `confirm` | `decline` | empty, `note_{id}`); each is done on its own and
/// the page lists what happened to each.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let pairs = form.0;
    let notes: BTreeMap<i64, String> = by_id(&pairs, "note_")
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let decisions: Vec<(i64, Decision, String)> = by_id(&pairs, "decision_")
        .into_iter()
        .filter_map(|(id, v)| {
            let d = match v.trim() {
                "confirm" => Decision::Confirm,
                "decline" => Decision::Decline,
                _ => return None,
            };
            Some((id, d, notes.get(&id).cloned().unwrap_or_default()))
        })
        .collect();
    let before = load(&state, &user).await?;
    let names: BTreeMap<i64, String> = before
        .pending
        .iter()
        .map(|r| (r.nomination.id, r.firm_name.clone()))
        .collect();
    let p = user.principal.clone();
    let results = db(&state, move |c| {
        nominations::decide(c, &p, &decisions, today())
    })
    .await?;
    let mut shown = Shown {
        notes,
        ..Shown::default()
    };
    let mut failed = false;
    for (id, r) in results {
        let firm = names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let line = match r {
            Ok(Decision::Confirm) => {
                Text::new("nomination.page.result_confirmed").plain("firm", firm)
            }
            Ok(Decision::Decline) => {
                Text::new("nomination.page.result_declined").plain("firm", firm)
            }
            Err(e) => {
                failed = true;
                let reason = match e {
                    AppError::BadInput(ie) => ie.text,
                    AppError::Conflict(c) => c.text(),
                    AppError::NotFound => Text::new("nomination.error.not_found"),
                    other => return Err(other.into()),
                };
                shown.problems.insert(id, i18n::render(lang, &reason));
                Text::new("nomination.page.result_failed")
                    .plain("firm", firm)
                    .text("reason", reason)
            }
        };
        shown.results.push(i18n::render(lang, &line));
    }
    let page = load(&state, &user).await?;
    let status = if failed {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    render_page(&req, &user, status, &page, &shown)
}
