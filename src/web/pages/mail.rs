//! Mail pages: `/account/mail`, where every signed-in user chooses per kind of mail
//! immediate, daily digest or off (mandatory kinds shown locked); and `/admin/mail`, where
//! administrators see queued, sent and failed mail, retry a failed one, and send themselves a
//! test mail. Every form carries the CSRF token; changes go through `app::mail`.

use super::render;
use super::see_other;
use crate::app::mail::MailMode;
use crate::app::model::{OutboxFilter as ListFilter, OutboxStatus as Status};
use crate::app::{mail, AppError};
use crate::web::auth::{AccountUser, AdminUser, CurrentUser};
use crate::web::error::WebError;
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Rows per page of the admin list.
const PER_PAGE: i64 = 50;

/// The preferences page's query string.
#[derive(Debug, Default, Deserialize)]
pub struct PrefsParams {
    /// Set after a save.
    #[serde(default)]
    pub saved: String,
}

async fn prefs_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    saved: bool,
    error: Option<String>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let settings = db(state, move |c| mail::mail_settings(c, &p)).await?;
    let kinds: Vec<Value> = settings
        .kinds
        .iter()
        .map(|k| {
            let shown = if k.mandatory { k.effective } else { k.chosen };
            json!({
                "kind": k.kind.as_str(),
                "mandatory": k.mandatory,
                "mandatory_box": json!({ "checked": k.mandatory }),
                "modes": MailMode::ALL.iter().map(|m| json!({
                    "id": m.as_str(),
                    "checked": *m == shown,
                    "disabled": k.mandatory,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    render(
        req,
        lang,
        Some(user),
        "account",
        "pages/mail/prefs",
        status,
        json!({
            "email": settings.email,
            "kinds": kinds,
            "may_set_mandatory": mail::may_set_mandatory(&user.principal),
            "saved": saved,
            "error": error,
        }),
    )
}

/// `GET /account/mail`.
pub async fn prefs(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AccountUser,
    q: web::Query<PrefsParams>,
) -> Result<HttpResponse, WebError> {
    let saved = !q.saved.is_empty();
    prefs_page(&req, &state, &user, StatusCode::OK, saved, None).await
}

/// `POST /account/mail`: fields `mode_<kind>` = `immediate` | `digest` | `off`.
pub async fn save_prefs(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AccountUser,
    form: CsrfForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    let choices: Vec<(String, String)> = form
        .0
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("mode_").map(|kind| (kind.to_string(), v)))
        .collect();
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let saved = db(&state, move |c| {
        mail::save_mail_settings(c, &p, &choices, now)
    })
    .await;
    after_save(&req, &state, &user, saved).await
}

/// Where a save on the preferences page leads: back to the page saying so, or the page again
/// with the bad input named (400); other errors as usual.
async fn after_save(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    saved: Result<(), AppError>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    match saved {
        Ok(()) => Ok(see_other("/account/mail?saved=1")),
        Err(AppError::BadInput(e)) => {
            let msg = format!("{}: {}", e.field, crate::i18n::render(lang, &e.text));
            prefs_page(req, state, user, StatusCode::BAD_REQUEST, false, Some(msg)).await
        }
        Err(e) => Err(WebError::from(e)),
    }
}

/// `POST /account/mail/mandatory` (bureau, admin): fields `mandatory` = kind, repeated for
/// each kind nobody may turn off.
pub async fn save_mandatory(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AccountUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    if !mail::may_set_mandatory(&user.principal) {
        return Err(WebError::forbidden());
    }
    let kinds: Vec<String> = form
        .0
        .into_iter()
        .filter(|(k, _)| k == "mandatory")
        .map(|(_, v)| v)
        .collect();
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let saved = db(&state, move |c| mail::save_mandatory(c, &p, &kinds, now)).await;
    after_save(&req, &state, &user, saved).await
}

/// The admin list's query string.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OutboxParams {
    /// A status id; empty: all.
    #[serde(default)]
    pub status: String,
    /// A kind name; empty: all.
    #[serde(default)]
    pub kind: String,
    /// Text the recipient's address contains.
    #[serde(default)]
    pub q: String,
    /// Page number from 1.
    #[serde(default)]
    pub page: String,
    /// Set after a test mail was queued.
    #[serde(default)]
    pub queued: String,
}

impl OutboxParams {
    fn page_no(&self) -> Result<i64, crate::core::error::InputError> {
        crate::app::firms::list::page_number(&self.page)
    }

    fn href(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("status", self.status.trim()),
            ("kind", self.kind.trim()),
            ("q", self.q.trim()),
            ("page", self.page.trim()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if pairs.is_empty() {
            "/admin/mail".to_string()
        } else {
            format!(
                "/admin/mail?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        }
    }
}

fn time(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(crate::core::clock::china_second).unwrap_or_default()
}

/// `GET /admin/mail`.
pub async fn outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: AdminUser,
    q: web::Query<OutboxParams>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let params = q.into_inner();
    let filter = ListFilter {
        status: Status::parse(params.status.trim()),
        kind: crate::app::mail::MailKind::parse(params.kind.trim()).map(|k| k.as_str().to_string()),
        address: Some(params.q.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let page_no = params.page_no().map_err(crate::app::AppError::from)?;
    let p = user.principal.clone();
    let data = db(&state, move |c| {
        mail::outbox_page(
            c,
            &p,
            &filter,
            PER_PAGE,
            (page_no - 1).saturating_mul(PER_PAGE),
        )
    })
    .await?;
    let pages = ((data.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page_href = |n: i64| {
        let mut p = params.clone();
        p.page = if n == 1 { String::new() } else { n.to_string() };
        p.href()
    };
    let rows: Vec<Value> = data
        .rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "status": r.status,
                "failed": r.status == Status::Failed.as_str(),
                "kind": r.kind,
                "known_kind": crate::app::mail::MailKind::parse(&r.kind).is_some(),
                "to": r.to_address,
                "template": r.template,
                "attempts": r.attempts,
                "created": time(Some(r.created_at)),
                "next_attempt": if r.status == Status::Queued.as_str() { time(Some(r.next_attempt_at)) } else { String::new() },
                "sent": time(r.sent_at),
                "error": r.last_error,
            })
        })
        .collect();
    let counts: BTreeMap<String, i64> = data.counts.into_iter().collect();
    let statuses: Vec<Value> = Status::ALL
        .iter()
        .map(|s| {
            json!({
                "id": s.as_str(),
                "count": counts.get(s.as_str()).copied().unwrap_or(0),
                "selected": params.status.trim() == s.as_str(),
            })
        })
        .collect();
    let kinds: Vec<Value> = crate::app::mail::MailKind::ALL
        .iter()
        .map(|k| json!({"id": k.as_str(), "selected": params.kind.trim() == k.as_str()}))
        .collect();
    render(
        &req,
        lang,
        Some(&user),
        "admin",
        "pages/mail/outbox",
        StatusCode::OK,
        json!({
            "rows": rows,
            "statuses": statuses,
            "kinds": kinds,
            "q": params.q.trim(),
            "total": data.total,
            "pager": {
                "page": page_no,
                "pages": pages,
                "prev": (page_no > 1).then(|| page_href(page_no - 1)),
                "next": (page_no < pages).then(|| page_href(page_no + 1)),
            },
            "queued": !params.queued.is_empty(),
        }),
    )
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /admin/mail/{id}/retry`: queue a failed mail again.
pub async fn retry(
    state: web::Data<AppState>,
    user: AdminUser,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, WebError> {
    let id = super::path_id(&id)?;
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    db(&state, move |c| mail::retry_mail(c, id, &p, now)).await?;
    Ok(see_other("/admin/mail?status=queued"))
}

/// `POST /admin/mail/test`: queue a test mail to the administrator's own address.
pub async fn send_test(
    state: web::Data<AppState>,
    user: AdminUser,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, WebError> {
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    db(&state, move |c| mail::send_test_mail(c, &p, now)).await?;
    Ok(see_other("/admin/mail?queued=1"))
}
