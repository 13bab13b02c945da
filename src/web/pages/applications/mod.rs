//! Applications (issue 14): the review queues (`/applications`), one application with its
//! history and its evaluation then and now (`/applications/{id}`, where every step is one form
//! posted to the same address), and starting one from the firm page
//! (`/firms/{id}/applications/new`). Its evidence documents: [`documents`].

pub mod documents;

pub mod nominations;

use super::{path_id, render, see_other};
use crate::app::applications::act::{self, status_words};
use crate::app::applications::open::open_application;
use crate::app::applications::read::{self, ApplicationPage, ApplicationRow, Queue};
use crate::app::error::AppError;
use crate::app::today;
use crate::core::application::{Action, ActionKind, Outcome, Target};
use crate::core::clock::china_minute;
use crate::core::error::Text;
use crate::core::eval::Evaluation;
use crate::i18n::{self, Lang};
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::{values, Errors, FieldErrors, Message, Refused, Values};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn target_words(lang: Lang, t: Target) -> String {
    i18n::text(lang, &format!("application.target.{}", t.id()))
}

fn action_words(lang: Lang, t: Target, k: ActionKind) -> String {
    let national = format!("application.action_national.{}", k.id());
    if t.is_national() {
        if let Some(w) = i18n::lookup(lang, &national) {
            return w.to_string();
        }
    }
    i18n::text(lang, &format!("application.action.{}", k.id()))
}

fn row_json(r: &ApplicationRow, lang: Lang) -> Value {
    json!({
        "href": format!("/applications/{}", r.application.id),
        "firm": r.firm_name,
        "firm_href": format!("/firms/{}", r.application.firm_id),
        "county": if lang == Lang::ZhCn { &r.county.0 } else { &r.county.1 },
        "target": target_words(lang, r.target),
        "status": status_words(lang, r.target, r.status),
        "on_behalf": r.application.on_behalf,
        "waited_days": r.waited_days,
        "due_on": r.application.due_on.map(|d| d.to_string()).unwrap_or_default(),
        "overdue": r.overdue,
        "updated": china_minute(r.application.updated_at),
        "created": china_minute(r.application.created_at),
    })
}

/// What the firm page's applications section needs: the firm's applications and whether the
/// viewer may start one now.
pub struct FirmSection {
    firm_id: i64,
    rows: Vec<ApplicationRow>,
    can_open: bool,
}

/// Load [`FirmSection`] inside the firm page's database call.
pub fn firm_section_data(
    conn: &mut crate::app::DbConn,
    principal: &crate::app::Principal,
    firm: &crate::app::model::Firm,
    now: chrono::NaiveDateTime,
) -> Result<FirmSection, AppError> {
    Ok(FirmSection {
        firm_id: firm.id,
        rows: read::firm_applications(conn, principal, firm, today(), now)?,
        can_open: !read::targets_to_open(conn, principal, firm)?.is_empty(),
    })
}

/// The firm page's applications section.
pub fn firm_section(s: &FirmSection, lang: Lang) -> Value {
    json!({
        "firm_id": s.firm_id,
        "rows": s.rows.iter().map(|r| row_json(r, lang)).collect::<Vec<_>>(),
        "can_open": s.can_open,
    })
}

/// `GET /applications`: the review queues, oldest first, with how long each has waited and
/// its due date (county officers: their county; bureau: every county). Firm users and
/// advisors find their applications on the firm page.
pub async fn queues(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let queues: Vec<Queue> = db(&state, move |c| read::review_queues(c, &p, today(), now)).await?;
    let queues: Vec<Value> = queues
        .iter()
        .map(|q| {
            json!({
                "id": q.id,
                "title": i18n::text(lang, &format!("application.queue.{}", q.id)),
                "mine": q.mine,
                "count": q.rows.len(),
                "rows": q.rows.iter().map(|r| row_json(r, lang)).collect::<Vec<_>>(),
            })
        })
        .collect();
    render(
        &req,
        lang,
        Some(&user),
        "applications",
        "pages/applications/queues",
        StatusCode::OK,
        json!({ "queues": queues }),
    )
}

/// `GET /applications/export?format=csv|xlsx`: the page's queues as one file.
pub async fn export(
    state: web::Data<AppState>,
    user: FirmsUser,
    format: web::Query<crate::web::export::FormatParam>,
) -> Result<HttpResponse, WebError> {
    let format = format.parse()?;
    let (p, lang) = (user.principal.clone(), user.lang);
    let now = Utc::now().naive_utc();
    crate::web::export::respond(&state, format, move |c, sink| {
        crate::app::applications::export::queues(c, &p, today(), lang, now, sink)
    })
    .await
    .map_err(WebError::from)
}

/// The start of an application, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NewForm {
    /// Target id.
    pub target: String,
    /// The firm's note to the reviewers.
    pub note: String,
}

/// `GET /firms/{id}/applications/new`: choose a target the firm may apply for now.
pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    q: web::Query<NewForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    render_new(
        &req,
        &state,
        &user,
        id,
        StatusCode::OK,
        &values(&q.0),
        &Errors::new(),
    )
    .await
}

async fn render_new(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    firm_id: i64,
    status: StatusCode,
    values: &Values,
    errors: &Errors,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let p = user.principal.clone();
    let (firm, targets) = db(state, move |c| {
        let firm = read::firm_for_read(c, &p, firm_id)?;
        let targets = read::targets_to_open(c, &p, &firm)?;
        Ok((firm, targets))
    })
    .await?;
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let e = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let chosen = v("target");
    let options: Vec<Value> = targets
        .iter()
        .map(|t| {
            json!({
                "value": t.id(),
                "label": target_words(lang, *t),
                "selected": chosen == t.id() || targets.len() == 1,
            })
        })
        .collect();
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/applications/new",
        status,
        json!({
            "firm": { "id": firm.id, "name": firm.name, "uscc": firm.uscc },
            "targets": options,
            "f": { "note": v("note") },
            "err": { "target": e("target"), "note": e("note"), "form": e("") },
        }),
    )
}

/// `POST /firms/{id}/applications/new`: open the draft, then its page.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<NewForm>,
) -> Result<HttpResponse, WebError> {
    let firm_id = path_id(&id)?;
    let form = form.0;
    let mut errors = FieldErrors::checked(&form, &["note"]);
    let target = Target::parse(form.target.trim());
    if target.is_none() {
        errors.key("target", "forms.error.choice");
    }
    let refused = match (target, errors.is_empty()) {
        (Some(target), true) => {
            let p = user.principal.clone();
            let note = form.note.clone();
            match db(&state, move |c| {
                open_application(c, &p, firm_id, target, &note)
            })
            .await
            {
                Ok(app_id) => return Ok(see_other(&format!("/applications/{app_id}"))),
                Err(e) => Refused::place(e)?,
            }
        }
        _ => errors.into(),
    };
    let mut shown = refused.errors.in_lang(user.lang);
    if let Some(top) = &refused.top {
        shown.insert(String::new(), top.in_lang(user.lang));
    }
    render_new(
        &req,
        &state,
        &user,
        firm_id,
        refused.status,
        &values(&form),
        &shown,
    )
    .await
}

/// A step on an application, as typed: the action and its version, a comment, and for a
/// recorded result its number and date or year.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StepForm {
    /// Action id.
    pub action: String,
    /// The application's version the page showed.
    pub version: String,
    /// Comment.
    pub comment: String,
    /// Tech-SME registration number (result of a tech-SME application).
    pub reg_no: String,
    /// Registration year.
    pub year: String,
    /// HTE certificate number (result of an HTE application).
    pub cert_no: String,
    /// Its issue date.
    pub issued_on: String,
}

impl StepForm {
    /// The action, or every problem beside its field.
    pub fn parse(&self, target: Target) -> Result<(Action, i64), FieldErrors> {
        let mut e = FieldErrors::checked(self, &["comment"]);
        let version = self.version.trim().parse::<i64>().ok();
        let kind = ActionKind::parse(self.action.trim());
        if kind.is_none() || version.is_none() {
            e.key("action", "forms.error.choice");
        }
        let action = match kind {
            Some(ActionKind::Submit) => Action::Submit,
            Some(ActionKind::StartReview) => Action::StartReview,
            Some(ActionKind::Forward) => Action::Forward,
            Some(ActionKind::Return) => Action::Return,
            Some(ActionKind::Reject) => Action::Reject,
            Some(ActionKind::Approve) => Action::Approve,
            Some(ActionKind::Withdraw) => Action::Withdraw,
            Some(ActionKind::NotCertify) => Action::NotCertify,
            Some(ActionKind::Certify) => match target {
                Target::HighTech => {
                    let cert_no = e.required("cert_no", &self.cert_no);
                    let issued_on = e.required_date("issued_on", &self.issued_on);
                    Action::Certify(Outcome::Certificate {
                        cert_no: cert_no.to_ascii_uppercase(),
                        issued_on: issued_on.unwrap_or_default(),
                    })
                }
                _ => {
                    let reg_no = e.required("reg_no", &self.reg_no);
                    let year = e.required_int("year", &self.year, true);
                    Action::Certify(Outcome::Registered {
                        year: year.unwrap_or_default(),
                        reg_no,
                    })
                }
            },
            Some(ActionKind::Comment) | None => Action::Comment,
        };
        if kind.is_some_and(ActionKind::needs_comment) && self.comment.trim().is_empty() {
            e.key("comment", "application.error.comment_required");
        }
        e.or((action, version.unwrap_or_default()))
    }
}

/// `GET /applications/{id}`: the application, its history, the evaluation at submission
/// beside the one now, and the steps the viewer may take.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let page = load(&state, &user, id).await?;
    render_show(
        &req,
        &user,
        StatusCode::OK,
        &page,
        &Values::new(),
        &Errors::new(),
        None,
    )
}

async fn load(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: i64,
) -> Result<ApplicationPage, WebError> {
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    Ok(db(state, move |c| {
        read::application_page(c, &p, id, today(), now)
    })
    .await?)
}

/// `POST /applications/{id}`: take one step; back to the page with what happened, or the
/// form again with every problem beside its field (nothing written).
pub async fn step(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<StepForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let page = load(&state, &user, id).await?;
    let form = form.0;
    let mut failed: Option<Box<Evaluation>> = None;
    let refused = match form.parse(page.target) {
        Ok((action, version)) => {
            let p = user.principal.clone();
            let comment = form.comment.clone();
            let done = action.kind();
            match db(&state, move |c| {
                act::act(c, &p, id, Some(version), &action, &comment, today())
            })
            .await
            {
                Ok(_) => return Ok(see_other(&format!("/applications/{id}?done={}", done.id()))),
                Err(AppError::RuleFailed(ev)) => {
                    failed = Some(ev);
                    Refused::top(
                        Message::Key("application.error.rules_not_met".into()),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                }
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    let mut shown = refused.errors.in_lang(user.lang);
    if let Some(top) = &refused.top {
        shown.insert(String::new(), top.in_lang(user.lang));
    }
    // The page as it is now: another reviewer may have moved it meanwhile.
    let page = load(&state, &user, id).await?;
    render_show(
        &req,
        &user,
        refused.status,
        &page,
        &values(&form),
        &shown,
        failed.as_deref(),
    )
}

/// After a step: which words say what happened (a known action id, `uploaded` or `removed`;
/// anything else is ignored).
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// The action just taken.
    #[serde(default)]
    pub done: String,
}

fn cell(lang: Lang, c: &Option<(String, String, String)>) -> Value {
    match c {
        None => Value::Null,
        Some((status, zh, en)) => json!({
            "status": status,
            "status_words": i18n::text(lang, &format!("criterion_status.{status}")),
            "actual": if lang == Lang::ZhCn { zh } else { en },
        }),
    }
}

fn render_show(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    page: &ApplicationPage,
    values: &Values,
    errors: &Errors,
    failed: Option<&Evaluation>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let app = &page.application;
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let e = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let done = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Done>(q).ok())
        .and_then(|d| match d.done.trim() {
            "uploaded" => Some(i18n::text(lang, "document.done.uploaded")),
            "removed" => Some(i18n::text(lang, "document.done.removed")),
            other => ActionKind::parse(other).map(|k| {
                i18n::render(
                    lang,
                    &Text::new("application.page.done")
                        .plain("action", action_words(lang, page.target, k)),
                )
            }),
        });
    let steps: Vec<Value> = page
        .steps
        .iter()
        .map(|s| {
            let kind = ActionKind::parse(&s.step.action);
            json!({
                "at": china_minute(s.step.at),
                "actor": s.actor,
                "role": i18n::text(lang, &format!("role.{}", s.step.actor_role)),
                "action": kind.map_or_else(
                    || i18n::text(lang, "application.page.opened"),
                    |k| action_words(lang, page.target, k),
                ),
                "status": crate::core::application::Status::parse(&s.step.to_status)
                    .map(|st| status_words(lang, page.target, st))
                    .unwrap_or_default(),
                "comment": s.step.comment,
            })
        })
        .collect();
    let pairs: Vec<Value> = page
        .pairs
        .iter()
        .map(|p| {
            json!({
                "label": if lang == Lang::ZhCn { &p.label.0 } else { &p.label.1 },
                "then": cell(lang, &p.then),
                "now": cell(lang, &p.now),
                "changed": p.changed(),
            })
        })
        .collect();
    let actions: Vec<Value> = page
        .actions
        .iter()
        .map(|k| {
            json!({
                "id": k.id(),
                "label": action_words(lang, page.target, *k),
                "selected": v("action") == k.id(),
                "needs_comment": k.needs_comment(),
            })
        })
        .collect();
    let failing: Vec<Value> = failed
        .map(|ev| {
            ev.reasons_not_passing()
                .iter()
                .map(|r| json!(i18n::render(lang, &r.text)))
                .collect()
        })
        .unwrap_or_default();
    let changes: Vec<Value> = page
        .changes
        .iter()
        .map(|c| {
            json!({
                "year": c.year,
                "label": i18n::text(lang, c.label),
                "amount": c.amount,
                "before": c.before,
                "after": c.after,
            })
        })
        .collect();
    let certify = page.actions.contains(&ActionKind::Certify);
    render(
        req,
        lang,
        Some(user),
        "applications",
        "pages/applications/show",
        status,
        json!({
            "app": {
                "id": app.id,
                "version": app.version,
                "target": target_words(lang, page.target),
                "status": status_words(lang, page.target, page.status),
                "on_behalf": app.on_behalf,
                "note": app.note,
                "created": china_minute(app.created_at),
                "submitted": app.submitted_at.map(china_minute).unwrap_or_default(),
                "due_on": app.due_on.map(|d| d.to_string()).unwrap_or_default(),
                "waited_days": page.waited_days,
                "overdue": page.overdue,
            },
            "firm": {
                "id": page.firm.id, "name": page.firm.name, "uscc": page.firm.uscc,
                "stage": i18n::text(lang, &format!("stage.{}", page.stage.id())),
            },
            "notice": done,
            "steps": steps,
            "has_frozen": page.frozen.is_some(),
            "pairs": pairs,
            "changes": changes,
            "eligible_now": page.current.get("eligible").cloned().unwrap_or(Value::Null),
            "actions": actions,
            "documents": documents::section(page, lang, errors),
            "certify": certify,
            "certify_hte": certify && page.target == Target::HighTech,
            "failing": failing,
            "f": {
                "comment": v("comment"), "reg_no": v("reg_no"), "year": v("year"),
                "cert_no": v("cert_no"), "issued_on": v("issued_on"),
            },
            "err": {
                "action": e("action"), "comment": e("comment"), "reg_no": e("reg_no"),
                "year": e("year"), "cert_no": e("cert_no"), "issued_on": e("issued_on"),
                "form": e(""),
            },
        }),
    )
}
