//! A firm's coaching: its advisor (`/firms/{id}/assign`), follow-ups
//! (`/firms/{id}/followups/…`: log, edit within 24 hours, correct afterwards) and issue ledger
//! (`/firms/{id}/issues/…`: raise, change status), plus the section of the firm page that
//! lists them. Every form ([`FollowupForm`], [`AssignForm`], [`IssueForm`],
//! [`IssueChangeForm`]) works without JavaScript; a refused form comes back with the message
//! beside its field (400) or at the top (409), and writes nothing.

pub mod workload;

use super::{path_id, render, see_other};
use crate::app::access::CoachAction;
use crate::app::coaching::log_followup::content_errors;
use crate::app::coaching::read::{self, FirmCoaching, IssueRow};
use crate::app::coaching::update_issue::resolution_errors;
use crate::app::model::Firm;
use crate::app::model::{AdvisorChoice, Followup, FollowupKind};
use crate::app::model::{IssueCategory, IssueStatus};
use crate::app::today;
use crate::app::{self, AppError, AssignTarget, FollowupInput, IssueInput, IssueUpdate};
use crate::i18n::{self, Lang};
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::{self as kit, values, Errors, FieldErrors, Refused, Values};
use crate::web::pages::firms::done_href;
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn options(ids: &[&str], prefix: &str, current: &str, lang: Lang) -> Vec<Value> {
    ids.iter()
        .map(|id| {
            json!({
                "value": id,
                "label": i18n::text(lang, &format!("{prefix}.{id}")),
                "selected": *id == current,
            })
        })
        .collect()
}

fn advisor_options(advisors: &[AdvisorChoice], current: &str, lang: Lang) -> Vec<Value> {
    let labels = kit::advisor_labels(advisors, lang);
    advisors
        .iter()
        .map(|u| {
            let id = u.id.to_string();
            json!({ "value": id, "label": labels[&u.id], "selected": id == current })
        })
        .collect()
}

/// A refusal's problems in the user's language, with the message for the top of the form
/// under `""`, where the advisor and issue pages show it.
fn with_top(r: &Refused, lang: Lang) -> Errors {
    let mut errors = r.errors.in_lang(lang);
    let top = r.top_in(lang);
    if !top.is_empty() {
        errors.insert(String::new(), top);
    }
    errors
}

/// The coaching section of the firm page.
pub fn firm_section(c: &FirmCoaching, lang: Lang, today: NaiveDate) -> Value {
    let id = c.firm.id;
    let followups: Vec<Value> = c
        .followups
        .iter()
        .map(|r| {
            let f = &r.followup;
            json!({
                "id": f.id,
                "happened_on": f.happened_on.to_string(),
                "kind": f.kind,
                "attendees": f.attendees,
                "summary": f.summary,
                "next_action": f.next_action,
                "due_on": date_text(f.due_on),
                "overdue": !r.superseded && f.due_on.is_some_and(|d| d < today),
                "author": r.author,
                "recorded": crate::core::clock::china_minute(f.created_at),
                "corrects": f.corrects_id,
                "superseded": r.superseded,
                "edit_href": r.editable.then(|| format!("/firms/{id}/followups/{}/edit", f.id)),
                "correct_href": (c.can_log && !r.superseded).then(|| format!("/firms/{id}/followups/{}/correct", f.id)),
            })
        })
        .collect();
    let issues: Vec<Value> = c.issues.iter().map(|r| issue_json(id, r)).collect();
    let history: Vec<Value> = c
        .history
        .iter()
        .map(|(a, advisor, by)| {
            json!({
                "advisor": advisor,
                "started_on": a.started_on.to_string(),
                "ended_on": date_text(a.ended_on),
                "by": by,
                "reason": a.reason,
                "current": a.ended_on.is_none(),
            })
        })
        .collect();
    let mut view = json!({
        "advisor": c.advisor.as_ref().map_or(String::new(), |u| u.display_name.clone()),
        "next_contact_on": date_text(c.firm.next_contact_on),
        "last_contact_on": date_text(c.firm.last_contact_on),
        "contact_overdue": c.firm.next_contact_on.is_some_and(|d| d < today),
        "can_assign": c.can_assign,
        "can_log": c.can_log,
        "can_raise": c.can_raise,
        "assign_href": format!("/firms/{id}/assign"),
        "followup_href": format!("/firms/{id}/followups/new"),
        "issue_href": format!("/firms/{id}/issues/new"),
        "kinds": options(&FollowupKind::ALL.map(FollowupKind::id), "coach.kind", "visit", lang),
        "categories": options(&IssueCategory::ALL.map(IssueCategory::id), "coach.category", "other", lang),
        "today": today.to_string(),
    });
    // Moved in, not through `json!`, which would copy each of them once more.
    view["history"] = Value::Array(history);
    view["followups"] = Value::Array(followups);
    view["issues"] = Value::Array(issues);
    view
}

fn issue_json(firm_id: i64, r: &IssueRow) -> Value {
    let i = &r.issue;
    json!({
        "id": i.id,
        "category": i.category,
        "title": i.title,
        "detail": i.detail,
        "status": i.status,
        "owner": r.owner,
        "raised_by": r.raised_by,
        "raised_on": i.raised_on.to_string(),
        "closed_on": date_text(i.closed_on),
        "resolution": i.resolution.clone().unwrap_or_default(),
        "age_days": r.age_days,
        "pending": IssueStatus::parse(&i.status).is_some_and(IssueStatus::is_pending),
        "href": format!("/firms/{firm_id}/issues/{}", i.id),
        "version": i.version,
    })
}

// ---- Follow-ups ----

/// Which follow-up form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    New,
    Edit,
    Correct,
}

impl Mode {
    fn id(self) -> &'static str {
        match self {
            Mode::New => "new",
            Mode::Edit => "edit",
            Mode::Correct => "correct",
        }
    }
}

struct FollowupPage<'a> {
    firm: &'a Firm,
    mode: Mode,
    action: String,
    values: &'a Values,
    errors: &'a Errors,
    form_error: String,
    original: Option<&'a Followup>,
    locked: bool,
}

/// A follow-up, as typed (log, edit or correct).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FollowupForm {
    /// When it happened.
    pub happened_on: String,
    /// Kind id.
    pub kind: String,
    /// Who took part.
    pub attendees: String,
    /// What was discussed.
    pub summary: String,
    /// The agreed next action.
    pub next_action: String,
    /// When the next action is due.
    pub due_on: String,
}

impl From<&Followup> for FollowupForm {
    fn from(f: &Followup) -> FollowupForm {
        FollowupForm {
            happened_on: f.happened_on.to_string(),
            kind: f.kind.clone(),
            attendees: f.attendees.clone(),
            summary: f.summary.clone(),
            next_action: f.next_action.clone(),
            due_on: date_text(f.due_on),
        }
    }
}

impl FollowupForm {
    /// The follow-up as of `today` (China), or every problem, each beside its field: the
    /// form's own (a date that does not parse, a kind not in the list) and the use case's
    /// ([`content_errors`]: a date in the future, a due date before the contact, a text too
    /// long).
    pub fn parse(&self, today: NaiveDate) -> Result<FollowupInput, FieldErrors> {
        let mut e = FieldErrors::checked(self, &["summary", "next_action"]);
        let happened_on = e.required_date("happened_on", &self.happened_on);
        let kind = FollowupKind::parse(self.kind.trim());
        if kind.is_none() {
            e.key("kind", "forms.error.choice");
        }
        let summary = e.required("summary", &self.summary);
        let due_on = e.date("due_on", &self.due_on);
        let texts = [
            ("summary", self.summary.as_str()),
            ("next_action", self.next_action.as_str()),
            ("attendees", self.attendees.as_str()),
        ];
        for problem in content_errors(happened_on, due_on, texts, today) {
            e.input(&problem);
        }
        match (happened_on, kind) {
            (Some(happened_on), Some(kind)) => e.or(FollowupInput {
                happened_on,
                kind,
                attendees: kit::text(&self.attendees).unwrap_or_default(),
                summary,
                next_action: kit::text(&self.next_action).unwrap_or_default(),
                due_on,
            }),
            _ => Err(e),
        }
    }
}

fn render_followup(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    page: FollowupPage<'_>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let v = |k: &str| page.values.get(k).cloned().unwrap_or_default();
    let e = |k: &str| page.errors.get(k).cloned().unwrap_or_default();
    let id = page.firm.id;
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/coaching/followup",
        status,
        json!({
            "firm": { "id": id, "name": page.firm.name, "uscc": page.firm.uscc },
            "mode": page.mode.id(),
            "action": page.action,
            "cancel": format!("/firms/{id}#followups"),
            "error": page.form_error,
            "locked": page.locked,
            "correct_href": page.original.map(|o| format!("/firms/{id}/followups/{}/correct", o.id)),
            "original": page.original.map(|o| json!({
                "id": o.id,
                "recorded": crate::core::clock::china_minute(o.created_at),
            })),
            "kinds": options(&FollowupKind::ALL.map(FollowupKind::id), "coach.kind", &v("kind"), lang),
            "f": {
                "happened_on": v("happened_on"), "attendees": v("attendees"),
                "summary": v("summary"), "next_action": v("next_action"), "due_on": v("due_on"),
            },
            "err": {
                "happened_on": e("happened_on"), "kind": e("kind"), "attendees": e("attendees"),
                "summary": e("summary"), "next_action": e("next_action"), "due_on": e("due_on"),
            },
        }),
    )
}

/// `GET /firms/{id}/followups/new`.
pub async fn new_followup(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let firm = db(&state, move |c| {
        read::firm_for(c, &p, id, CoachAction::LogFollowup)
    })
    .await?;
    let values = values(&FollowupForm {
        happened_on: today().to_string(),
        kind: "visit".into(),
        ..FollowupForm::default()
    });
    render_followup(
        &req,
        &user,
        StatusCode::OK,
        FollowupPage {
            firm: &firm,
            mode: Mode::New,
            action: format!("/firms/{id}/followups/new"),
            values: &values,
            errors: &Errors::new(),
            form_error: String::new(),
            original: None,
            locked: false,
        },
    )
}

/// `POST /firms/{id}/followups/new`: log it, back to the firm page.
pub async fn log_followup(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<FollowupForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let firm = db(&state, move |c| {
        read::firm_for(c, &p, id, CoachAction::LogFollowup)
    })
    .await?;
    let form = form.0;
    let now = Utc::now().naive_utc();
    let refused = match form.parse(crate::core::clock::china_date(now)) {
        Ok(input) => {
            let p = user.principal.clone();
            match db(&state, move |c| app::log_followup(c, id, input, &p, now)).await {
                Ok(_) => return Ok(see_other(&done_href(id, "followup_logged", "followups"))),
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    render_followup(
        &req,
        &user,
        refused.status,
        FollowupPage {
            firm: &firm,
            mode: Mode::New,
            action: format!("/firms/{id}/followups/new"),
            values: &values(&form),
            errors: &refused.errors.in_lang(user.lang),
            form_error: refused.top_in(user.lang),
            original: None,
            locked: false,
        },
    )
}

async fn load_followup(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    fid: i64,
) -> Result<(Firm, Followup), WebError> {
    let p = user.principal.clone();
    Ok(db(state, move |c| read::followup_for_form(c, &p, id, fid)).await?)
}

fn ids(path: &(String, String)) -> Result<(i64, i64), WebError> {
    Ok((path_id(&path.0)?, path_id(&path.1)?))
}

/// `GET /firms/{id}/followups/{fid}/edit`: the form while its author may still edit it;
/// afterwards the reason and the way to a correction.
pub async fn edit_followup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let (id, fid) = ids(&path)?;
    let (firm, f) = load_followup(&state, &user, id, fid).await?;
    let now = Utc::now().naive_utc();
    let locked = !app::coaching::edit_followup::editable_by(&f, &user.principal, now);
    let form_error = if locked {
        i18n::text(lang, "coach.followup.locked")
    } else {
        String::new()
    };
    render_followup(
        &req,
        &user,
        StatusCode::OK,
        FollowupPage {
            firm: &firm,
            mode: Mode::Edit,
            action: format!("/firms/{id}/followups/{fid}/edit"),
            values: &values(&FollowupForm::from(&f)),
            errors: &Errors::new(),
            form_error,
            original: Some(&f),
            locked,
        },
    )
}

/// `POST /firms/{id}/followups/{fid}/edit`.
pub async fn edit_followup(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<FollowupForm>,
) -> Result<HttpResponse, WebError> {
    followup_post(req, state, user, path, form, Mode::Edit).await
}

/// `GET /firms/{id}/followups/{fid}/correct`: the correction form, filled with the record in
/// force.
pub async fn correct_followup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, fid) = ids(&path)?;
    let (firm, f) = load_followup(&state, &user, id, fid).await?;
    render_followup(
        &req,
        &user,
        StatusCode::OK,
        FollowupPage {
            firm: &firm,
            mode: Mode::Correct,
            action: format!("/firms/{id}/followups/{fid}/correct"),
            values: &values(&FollowupForm::from(&f)),
            errors: &Errors::new(),
            form_error: String::new(),
            original: Some(&f),
            locked: false,
        },
    )
}

/// `POST /firms/{id}/followups/{fid}/correct`: append the correction.
pub async fn correct_followup(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<FollowupForm>,
) -> Result<HttpResponse, WebError> {
    followup_post(req, state, user, path, form, Mode::Correct).await
}

async fn followup_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<FollowupForm>,
    mode: Mode,
) -> Result<HttpResponse, WebError> {
    let (id, fid) = ids(&path)?;
    let (firm, f) = load_followup(&state, &user, id, fid).await?;
    let form = form.0;
    let now = Utc::now().naive_utc();
    let refused = match form.parse(crate::core::clock::china_date(now)) {
        Ok(input) => {
            let p = user.principal.clone();
            let outcome = db(&state, move |c| match mode {
                Mode::Correct => app::correct_followup(c, fid, input, &p, now).map(|_| ()),
                _ => app::edit_followup(c, fid, input, &p, now).map(|_| ()),
            })
            .await;
            match outcome {
                Ok(()) => return Ok(see_other(&done_href(id, "followup_changed", "followups"))),
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    let locked = mode == Mode::Edit && refused.status == StatusCode::CONFLICT;
    render_followup(
        &req,
        &user,
        refused.status,
        FollowupPage {
            firm: &firm,
            mode,
            action: format!("/firms/{id}/followups/{fid}/{}", mode.id()),
            values: &values(&form),
            errors: &refused.errors.in_lang(user.lang),
            form_error: refused.top_in(user.lang),
            original: Some(&f),
            locked,
        },
    )
}

// ---- Advisor of one firm ----

fn render_assign(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    c: &FirmCoaching,
    values: &Values,
    errors: &Errors,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let e = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let mut section = firm_section(c, lang, today());
    section["firm"] = json!({ "id": c.firm.id, "name": c.firm.name, "uscc": c.firm.uscc });
    section["advisors"] = json!(advisor_options(&c.advisors, &v("advisor_id"), lang));
    section["reason"] = json!(v("reason"));
    section["err"] = json!({ "advisor_id": e("advisor_id"), "reason": e("reason"), "form": e("") });
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/coaching/assign",
        status,
        section,
    )
}

async fn coaching_of(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    need: Option<CoachAction>,
) -> Result<FirmCoaching, WebError> {
    let p = user.principal.clone();
    let coaching = db(state, move |c| {
        if let Some(a) = need {
            read::firm_for(c, &p, id, a)?;
        }
        read::firm_coaching(c, &p, id, Utc::now().naive_utc())
    })
    .await?;
    Ok(coaching)
}

/// `GET /firms/{id}/assign`: the current advisor, the history and the form to change it.
pub async fn assign_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let c = coaching_of(&state, &user, id, Some(CoachAction::Assign)).await?;
    let form = AssignForm {
        advisor_id: c.firm.advisor_id.map(|a| a.to_string()).unwrap_or_default(),
        ..AssignForm::default()
    };
    render_assign(
        &req,
        &user,
        StatusCode::OK,
        &c,
        &values(&form),
        &Errors::new(),
    )
}

/// The advisor of one firm, as chosen.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AssignForm {
    /// The advisor's user id.
    pub advisor_id: String,
    /// Why.
    pub reason: String,
}

impl AssignForm {
    /// The advisor's id, or every problem (the reason's too).
    pub fn parse(&self) -> Result<i64, FieldErrors> {
        let mut e = FieldErrors::checked(self, &["reason"]);
        if let Err(AppError::BadInput(problem)) =
            crate::app::coaching::assign_advisor::check_reason(&self.reason)
        {
            e.input(&problem);
        }
        match self.advisor_id.trim().parse() {
            Ok(a) => e.or(a),
            Err(_) => {
                e.key("advisor_id", "forms.error.required");
                Err(e)
            }
        }
    }
}

/// `POST /firms/{id}/assign`.
pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<AssignForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let c = coaching_of(&state, &user, id, Some(CoachAction::Assign)).await?;
    let form = form.0;
    let refused = match form.parse() {
        Ok(a) => {
            let p = user.principal.clone();
            let reason = form.reason.clone();
            let outcome = db(&state, move |c| {
                app::assign_advisor(
                    c,
                    AssignTarget::Firms(vec![id]),
                    a,
                    &reason,
                    &p,
                    app::today(),
                )
            })
            .await;
            match outcome {
                Ok(_) => return Ok(see_other(&done_href(id, "advisor_assigned", "advisor"))),
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    render_assign(
        &req,
        &user,
        refused.status,
        &c,
        &values(&form),
        &with_top(&refused, user.lang),
    )
}

// ---- Issues ----

/// `GET /firms/{id}/issues/new`.
pub async fn new_issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let c = coaching_of(&state, &user, id, Some(CoachAction::RaiseIssue)).await?;
    let form = IssueForm {
        category: "other".into(),
        ..IssueForm::default()
    };
    render_new_issue(
        &req,
        &user,
        StatusCode::OK,
        &c,
        &values(&form),
        &Errors::new(),
    )
}

fn render_new_issue(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    c: &FirmCoaching,
    values: &Values,
    errors: &Errors,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let e = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let staff = user.principal.role != crate::core::stage::Role::Firm;
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/coaching/issue_new",
        status,
        json!({
            "firm": { "id": c.firm.id, "name": c.firm.name, "uscc": c.firm.uscc },
            "categories": options(&IssueCategory::ALL.map(IssueCategory::id), "coach.category", &v("category"), lang),
            "owners": if staff { advisor_options(&c.advisors, &v("owner_id"), lang) } else { Vec::new() },
            "choose_owner": staff,
            "f": { "title": v("title"), "detail": v("detail") },
            "err": { "title": e("title"), "detail": e("detail"), "category": e("category"), "owner_id": e("owner_id"), "form": e("") },
        }),
    )
}

/// A new issue, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct IssueForm {
    /// Category id.
    pub category: String,
    /// One line.
    pub title: String,
    /// Details.
    pub detail: String,
    /// Who owns it (staff only); empty: the firm's advisor.
    pub owner_id: String,
}

impl IssueForm {
    /// The issue, or every problem.
    pub fn parse(&self) -> Result<IssueInput, FieldErrors> {
        let mut e = FieldErrors::checked(self, &["detail"]);
        let category = IssueCategory::parse(self.category.trim());
        if category.is_none() {
            e.key("category", "forms.error.choice");
        }
        let title = e.required("title", &self.title);
        for problem in
            crate::app::coaching::raise_issue::issue_errors(self.title.trim(), &self.detail)
        {
            e.input(&problem);
        }
        let owner_id = e.id("owner_id", &self.owner_id);
        match category {
            Some(category) => e.or(IssueInput {
                category,
                title,
                detail: self.detail.clone(),
                owner_id,
            }),
            None => Err(e),
        }
    }
}

/// `POST /firms/{id}/issues/new`: raise it, back to the firm page.
pub async fn raise_issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    id: web::Path<String>,
    form: CsrfForm<IssueForm>,
) -> Result<HttpResponse, WebError> {
    let id = path_id(&id)?;
    let c = coaching_of(&state, &user, id, Some(CoachAction::RaiseIssue)).await?;
    let form = form.0;
    let refused = match form.parse() {
        Ok(input) => {
            let p = user.principal.clone();
            let now = Utc::now().naive_utc();
            match db(&state, move |c| app::raise_issue(c, id, input, &p, now)).await {
                Ok(_) => return Ok(see_other(&done_href(id, "issue_raised", "issues"))),
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    render_new_issue(
        &req,
        &user,
        refused.status,
        &c,
        &values(&form),
        &with_top(&refused, user.lang),
    )
}

fn render_issue(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    c: &FirmCoaching,
    row: &IssueRow,
    values: &Values,
    errors: &Errors,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let e = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let next: Vec<&str> = row.next.iter().map(|s| s.id()).collect();
    let owner_now = v("owner_id");
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/coaching/issue",
        status,
        json!({
            "firm": { "id": c.firm.id, "name": c.firm.name, "uscc": c.firm.uscc },
            "issue": issue_json(c.firm.id, row),
            "can_update": c.can_update_issue && (!next.is_empty()),
            "statuses": options(&next, "coach.status", &v("status"), lang),
            "owners": advisor_options(&c.advisors, &owner_now, lang),
            "f": { "resolution": v("resolution") },
            "err": { "status": e("status"), "resolution": e("resolution"), "owner_id": e("owner_id"), "form": e("") },
        }),
    )
}

/// `GET /firms/{id}/issues/{iid}`: the issue, and for those who keep the ledger the form to
/// move it on.
pub async fn show_issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, iid) = ids(&path)?;
    let p = user.principal.clone();
    let (c, row) = db(&state, move |c| {
        read::issue_for_form(c, &p, id, iid, Utc::now().naive_utc())
    })
    .await?;
    let form = IssueChangeForm {
        owner_id: row
            .issue
            .owner_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        resolution: row.issue.resolution.clone().unwrap_or_default(),
        ..IssueChangeForm::default()
    };
    render_issue(
        &req,
        &user,
        StatusCode::OK,
        &c,
        &row,
        &values(&form),
        &Errors::new(),
    )
}

/// A change to an issue, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct IssueChangeForm {
    /// The issue's version.
    pub version: String,
    /// The new status id; empty: unchanged.
    pub status: String,
    /// The new owner's id; empty or not a number: unchanged.
    pub owner_id: String,
    /// The resolution.
    pub resolution: String,
}

impl IssueChangeForm {
    /// The change of an issue now in status `current`, or every problem (the resolution's
    /// too, [`resolution_errors`]).
    pub fn parse(&self, current: Option<IssueStatus>) -> Result<IssueUpdate, FieldErrors> {
        let mut e = FieldErrors::checked(self, &["resolution"]);
        let status = match kit::text(&self.status) {
            None => None,
            Some(s) => {
                let parsed = IssueStatus::parse(&s);
                if parsed.is_none() {
                    e.key("status", "forms.error.choice");
                }
                parsed
            }
        };
        if let Some(from) = current {
            let to = status.unwrap_or(from);
            for problem in resolution_errors(from, to, &self.resolution) {
                e.input(&problem);
            }
        }
        let owner = e.id("owner_id", &self.owner_id);
        e.or(IssueUpdate {
            status,
            resolution: Some(self.resolution.clone()),
            owner_id: owner.map(Some),
        })
    }
}

/// `POST /firms/{id}/issues/{iid}`: change status, owner or resolution under the version.
pub async fn update_issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<IssueChangeForm>,
) -> Result<HttpResponse, WebError> {
    let (id, iid) = ids(&path)?;
    let p = user.principal.clone();
    let (c, row) = db(&state, move |c| {
        read::firm_for(c, &p, id, CoachAction::UpdateIssue)?;
        read::issue_for_form(c, &p, id, iid, Utc::now().naive_utc())
    })
    .await?;
    let form = form.0;
    let version = kit::version(&form.version)?;
    let current = row.issue.current_status().ok();
    let refused = match form.parse(current) {
        Ok(update) => {
            let p = user.principal.clone();
            let now = Utc::now().naive_utc();
            match db(&state, move |c| {
                app::update_issue(c, iid, version, update, &p, now)
            })
            .await
            {
                Ok(_) => return Ok(see_other(&done_href(id, "issue_updated", "issues"))),
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    render_issue(
        &req,
        &user,
        refused.status,
        &c,
        &row,
        &values(&form),
        &with_top(&refused, user.lang),
    )
}
