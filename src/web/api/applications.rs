//! `/api/v1/applications…` and `/api/v1/firms/{id}/applications` (issue 14): the caller's
//! applications, one application with its history and its evaluation then and now, opening
//! one, and every later step. The status machine is `core::application`; the use cases are
//! `app::applications`.
//!
//! A step's body is flat: `{"action", "version", "comment"}`, and for `certify` the recorded
//! result as `outcome`, in the core's `Outcome` shape (`{"outcome": "certificate", "cert_no",
//! "issued_on"}` or `{"outcome": "registered", "year", "reg_no"}`).

use super::auth::ApiUser;
use super::documents::DocumentsOut;
use super::error::{ApiError, ErrorBody};
use super::firms::{not_one_of, whole};
use super::{json_ok, path_id, Body, JsonBody};
use crate::app::applications::read::{self, ApplicationPage, ApplicationRow, ListFilter};
use crate::app::applications::{act, open};
use crate::app::model::{Application, StepRow};
use crate::app::today;
use crate::core::application::{Action, ActionKind, Outcome, Party, Status, Target};
use crate::core::error::{InputError, Text};
use crate::core::input;
use crate::i18n::{self, Lang};
use crate::web::export::{negotiate, respond, Answer};
use crate::web::{db, AppState};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// An application as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationOut {
    /// Id.
    pub id: i64,
    /// The applying firm.
    pub firm_id: i64,
    /// Its name.
    pub firm_name: String,
    /// Its county code.
    pub county_code: String,
    /// What the firm applies for: `tech_sme`, `reserve`, `high_tech`, `leader`.
    pub target: String,
    /// Whether the target is national (tech_sme, high_tech): the city's approval is then a
    /// recommendation, and the result is recorded later (`certify`, `not_certify`).
    pub national: bool,
    /// Status: `draft`, `submitted`, `county_review`, `city_review`, `approved` (for a
    /// national target: recommended), `rejected`, `returned`, `withdrawn`, `certified`,
    /// `not_certified`.
    pub status: String,
    /// The review step that holds it (`county` for submitted and county_review, `city` for
    /// city_review), null outside review.
    pub step: Option<String>,
    /// Optimistic-lock version: send it with a step.
    pub version: i64,
    /// Opened by the firm's advisor on its behalf.
    pub on_behalf: bool,
    /// The firm's note to the reviewers.
    pub note: String,
    /// Who opened it (user id).
    pub created_by: Option<i64>,
    /// Opened: RFC 3339 in UTC (`Z`).
    pub created_at: DateTime<Utc>,
    /// In its current status since: RFC 3339 in UTC (`Z`).
    pub status_at: DateTime<Utc>,
    /// Last changed: RFC 3339 in UTC (`Z`).
    pub updated_at: DateTime<Utc>,
    /// Last submitted: RFC 3339 in UTC (`Z`); null before the first submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The date the current review step is due (China), null outside review.
    pub due_on: Option<NaiveDate>,
    /// Past its due date.
    pub overdue: bool,
    /// Whole days in the current status.
    pub waited_days: i64,
    /// The rule set of the evaluation frozen at submission.
    pub ruleset: Option<String>,
    /// The recorded result of a national target (the core's `Outcome`: `{"outcome":
    /// "registered", "year", "reg_no"}` or `{"outcome": "certificate", "cert_no",
    /// "issued_on"}`).
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<Value>,
    /// The stage event its approval or recorded result fired.
    pub stage_event_id: Option<i64>,
}

fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[allow(clippy::too_many_arguments)]
fn application_out(
    a: &Application,
    target: Target,
    status: Status,
    firm_name: &str,
    county_code: &str,
    waited_days: i64,
    overdue: bool,
) -> ApplicationOut {
    ApplicationOut {
        id: a.id,
        firm_id: a.firm_id,
        firm_name: firm_name.to_string(),
        county_code: county_code.to_string(),
        target: target.id().to_string(),
        national: target.is_national(),
        status: status.id().to_string(),
        step: status.step().map(|s| s.id().to_string()),
        version: a.version,
        on_behalf: a.on_behalf,
        note: a.note.clone(),
        created_by: a.created_by,
        created_at: utc(a.created_at),
        status_at: utc(a.status_at),
        updated_at: utc(a.updated_at),
        submitted_at: a.submitted_at.map(utc),
        due_on: a.due_on,
        overdue,
        waited_days,
        ruleset: a.ruleset.clone(),
        outcome: a
            .outcome
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok()),
        stage_event_id: a.stage_event_id,
    }
}

impl From<&ApplicationRow> for ApplicationOut {
    fn from(r: &ApplicationRow) -> ApplicationOut {
        application_out(
            &r.application,
            r.target,
            r.status,
            &r.firm_name,
            &r.county_code,
            r.waited_days,
            r.overdue,
        )
    }
}

/// The caller's applications.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationList {
    /// Oldest in its status first.
    pub items: Vec<ApplicationOut>,
    /// How many.
    pub total: usize,
}

/// `?status=…&target=…&firm_id=…` of the list, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    /// Status id.
    pub status: Option<String>,
    /// Target id.
    pub target: Option<String>,
    /// Firm id.
    pub firm_id: Option<String>,
    /// `json`, `csv` or `xlsx` (`crate::web::export::negotiate`).
    pub format: Option<String>,
}

fn ids<T: Copy>(all: &[T], id: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|x| id(*x)).collect()
}

impl ListQuery {
    /// The filter, strictly: an unknown status or target, or a firm id that is not a whole
    /// number from 1, is a 400 naming the parameter.
    fn filter(&self) -> Result<ListFilter, InputError> {
        let status = match self.status.as_deref() {
            None => None,
            Some(s) => Some(
                Status::parse(s)
                    .ok_or_else(|| not_one_of("status", s, &ids(&Status::ALL, Status::id)))?,
            ),
        };
        let target = match self.target.as_deref() {
            None => None,
            Some(t) => Some(
                Target::parse(t)
                    .ok_or_else(|| not_one_of("target", t, &ids(&Target::ALL, Target::id)))?,
            ),
        };
        let firm_id = match self.firm_id.as_deref() {
            None => None,
            Some(f) => Some(whole("firm_id", f, 1, i64::MAX)?),
        };
        Ok(ListFilter {
            status,
            target,
            firm_id,
        })
    }
}

/// `GET /api/v1/applications`: the caller's applications of every status (a county officer's
/// county, every county for bureau staff and administrators, a firm user's firm, an advisor's
/// assigned firms), oldest in its status first; or the same list as a file.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    params(
        ("status" = Option<String>, Query, description = "Only applications in this status"),
        ("target" = Option<String>, Query, description = "Only applications for this target"),
        ("firm_id" = Option<i64>, Query, minimum = 1, description = "Only this firm's (one outside the caller's territory lists nothing)"),
        ("format" = Option<String>, Query, description = "json (the default), or the same list (the `/applications` page's export columns but its queue, with this filter, words in the caller's language) as csv (UTF-8 with a byte-order mark) or xlsx; without it, `Accept: text/csv` or the XLSX media type asks for the file"),
    ),
    responses((status = 200, description = "The list, or the list as a file", content(
        (ApplicationList = "application/json"),
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ))))]
pub async fn list_applications(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = q.filter()?;
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    if let Answer::File(format) = negotiate(q.format.as_deref(), accept)? {
        let (p, lang) = (user.principal.clone(), user.lang);
        let now = Utc::now().naive_utc();
        return Ok(respond(&state, format, move |c, sink| {
            crate::app::applications::export::list(c, &p, filter, today(), lang, now, sink)
        })
        .await?);
    }
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let rows = db(&state, move |c| {
        read::list_applications(c, &p, filter, today(), now)
    })
    .await?;
    json_ok(&ApplicationList {
        total: rows.len(),
        items: rows.iter().map(ApplicationOut::from).collect(),
    })
}

/// One step of an application's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepOut {
    /// Id.
    pub id: i64,
    /// `open`, or the action taken (`submit`, `start_review`, `forward`, `return`, `reject`,
    /// `approve`, `withdraw`, `certify`, `not_certify`, `comment`).
    pub action: String,
    /// Status before.
    pub from: String,
    /// Status after (the same for a comment).
    pub to: String,
    /// Who (user id; null for the system).
    pub actor_id: Option<i64>,
    /// Their name, told apart from namesakes (empty for the system).
    pub actor: String,
    /// Their role then.
    pub actor_role: String,
    /// The comment (or the note of the opening).
    pub comment: String,
    /// When: RFC 3339 in UTC (`Z`).
    pub at: DateTime<Utc>,
    /// The evaluation the step ran (DESIGN §3 JSON): frozen on submission, kept on every
    /// decision; null otherwise.
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<Value>,
}

fn step_out(s: &StepRow, actor: &str) -> StepOut {
    StepOut {
        id: s.id,
        action: s.action.clone(),
        from: s.from_status.clone(),
        to: s.to_status.clone(),
        actor_id: s.actor_id,
        actor: actor.to_string(),
        actor_role: s.actor_role.clone(),
        comment: s.comment.clone(),
        at: utc(s.at),
        evaluation: s
            .evaluation
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok()),
    }
}

/// A criterion's cell at one time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionCell {
    /// `pass`, `fail` or `unknown`.
    pub status: String,
    /// The actual value, in Chinese.
    pub actual_zh: String,
    /// The actual value, in English.
    pub actual_en: String,
}

/// One criterion at submission and now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionOut {
    /// Criterion id.
    pub id: String,
    /// Label in Chinese.
    pub label_zh: String,
    /// Label in English.
    pub label_en: String,
    /// At the last submission; null when it was not evaluated then (or not yet submitted).
    pub then: Option<CriterionCell>,
    /// Now; null when the current evaluation no longer has it.
    pub now: Option<CriterionCell>,
    /// Whether the status or the value moved since submission.
    pub changed: bool,
}

/// One figure changed since submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FigureChangeOut {
    /// The fiscal year; null for head counts and IP counts.
    pub year: Option<i32>,
    /// Which figure: `employees`, `tech_staff`, `ip_class_one`, `ip_class_two`, `revenue`,
    /// `total_income`, `rd_expense`, `rd_expense_domestic`, `high_tech_revenue`,
    /// `total_cost`, `total_assets`, `net_assets`, `conversions`.
    pub field: String,
    /// Its label in Chinese.
    pub label_zh: String,
    /// Its label in English.
    pub label_en: String,
    /// An amount (in 万元, as the page shows it) rather than a count.
    pub amount: bool,
    /// At submission, as the page shows it (empty: not entered).
    pub before: String,
    /// Now, likewise.
    pub after: String,
}

/// One application with everything its page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationDetail {
    /// The application.
    pub application: ApplicationOut,
    /// The firm's stage now.
    pub firm_stage: String,
    /// The part the caller plays: `firm`, `advisor` (on the firm's behalf), `county`, `city`;
    /// null when they may only read it.
    pub party: Option<String>,
    /// The actions the caller may take now (whether one succeeds still depends on the data:
    /// a refusal is a 409 with its reasons).
    pub actions: Vec<String>,
    /// The history, oldest first.
    pub steps: Vec<StepOut>,
    /// The evaluation frozen at the last submission (DESIGN §3 JSON); null before.
    #[schema(value_type = Option<Object>)]
    pub frozen_evaluation: Option<Value>,
    /// The evaluation under the target's rule set now (DESIGN §3 JSON); null when the
    /// stored figures cannot be evaluated (`data_error` says why).
    #[schema(value_type = Option<Object>)]
    pub current_evaluation: Option<Value>,
    /// Why the stored figures cannot be evaluated now (`{"field", "code", "message"}`), if
    /// so: a step that evaluates (submit, every decision) is then refused with a 409
    /// `data_not_evaluable`.
    #[schema(value_type = Option<Object>)]
    pub data_error: Option<Value>,
    /// Criterion by criterion, at submission and now.
    pub criteria: Vec<CriterionOut>,
    /// The figures changed since the last submission.
    pub figure_changes: Vec<FigureChangeOut>,
    /// Its evidence documents, as `GET /api/v1/applications/{id}/documents` answers them.
    pub documents: DocumentsOut,
}

fn party_id(p: Party) -> &'static str {
    match p {
        Party::Firm => "firm",
        Party::Advisor => "advisor",
        Party::County => "county",
        Party::City => "city",
    }
}

fn cell(c: &(String, String, String)) -> CriterionCell {
    CriterionCell {
        status: c.0.clone(),
        actual_zh: c.1.clone(),
        actual_en: c.2.clone(),
    }
}

impl ApplicationDetail {
    /// The page as the API shows it, a data error's words in `lang`.
    fn of(p: &ApplicationPage, lang: Lang) -> ApplicationDetail {
        ApplicationDetail {
            application: application_out(
                &p.application,
                p.target,
                p.status,
                &p.firm.name,
                &p.firm.county_code,
                p.waited_days,
                p.overdue,
            ),
            firm_stage: p.stage.id().to_string(),
            party: p.party.map(|x| party_id(x).to_string()),
            actions: p.actions.iter().map(|k| k.id().to_string()).collect(),
            steps: p
                .steps
                .iter()
                .map(|s| step_out(&s.step, &s.actor))
                .collect(),
            frozen_evaluation: p.frozen.clone(),
            current_evaluation: (!p.current.is_null()).then(|| p.current.clone()),
            data_error: p.data_error.as_ref().map(|e| {
                serde_json::json!({"field": e.field, "code": e.code,
                    "message": i18n::render(lang, &e.text)})
            }),
            criteria: p
                .pairs
                .iter()
                .map(|c| CriterionOut {
                    id: c.id.clone(),
                    label_zh: c.label.0.clone(),
                    label_en: c.label.1.clone(),
                    then: c.then.as_ref().map(cell),
                    now: c.now.as_ref().map(cell),
                    changed: c.changed(),
                })
                .collect(),
            figure_changes: p
                .changes
                .iter()
                .map(|f| FigureChangeOut {
                    year: f.year,
                    field: f.label.rsplit('.').next().unwrap_or(f.label).to_string(),
                    label_zh: i18n::text(Lang::ZhCn, f.label),
                    label_en: i18n::text(Lang::En, f.label),
                    amount: f.amount,
                    before: f.before.clone(),
                    after: f.after.clone(),
                })
                .collect(),
            documents: DocumentsOut::of(&p.documents, p.application.version),
        }
    }
}

/// `GET /api/v1/applications/{id}`: the application, its history with the actors' names, the
/// evaluation frozen at submission beside the one now, the figures changed since, and what
/// the caller may do. 404 outside the caller's territory.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationDetail), (status = 404, body = ErrorBody)))]
pub async fn show_application(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let page = db(&state, move |c| {
        read::application_page(c, &p, id, today(), now)
    })
    .await?;
    json_ok(&ApplicationDetail::of(&page, user.lang))
}

/// An application to open.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationIn {
    /// What the firm applies for. The firm's stage must allow it (tech_sme and high_tech from
    /// any stage but exited, reserve from tech_sme, leader from high_tech) and no other
    /// application for it may be in progress: else a 409 `application_refused` with the
    /// reasons.
    #[schema(value_type = String)]
    pub target: Target,
    /// The firm's note to the reviewers (line breaks allowed).
    #[serde(default)]
    pub note: String,
}

impl Body for ApplicationIn {
    const MULTILINE: &'static [&'static str] = &["note"];

    fn check_sent(&self, _sent: &Value) -> Result<(), InputError> {
        input::block("note", &self.note)
    }
}

/// `POST /api/v1/firms/{id}/applications`: open a draft. Only the firm's users and its
/// assigned advisor (on its behalf) may: another role that sees the firm gets a 403, a firm
/// outside the caller's territory is a 404. Answers the new application, as `GET
/// /api/v1/applications/{id}` does.
#[utoipa::path(post, path = "/api/v1/firms/{id}/applications", tag = "applications",
    request_body = ApplicationIn,
    params(("id" = i64, Path, description = "Firm id")),
    responses((status = 201, body = ApplicationDetail), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The firm's stage does not allow the target, or an \
            application for it is in progress (`application_refused`, every reason in \
            `error.reasons`).", body = ErrorBody)))]
pub async fn open_application(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
    body: JsonBody<ApplicationIn>,
) -> Result<HttpResponse, ApiError> {
    let firm_id = path_id(&id)?;
    let a = body.0;
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let page = db(&state, move |c| {
        let id = open::open_application(c, &p, firm_id, a.target, &a.note)?;
        read::application_page(c, &p, id, today(), now)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/applications/{}", page.application.id),
        ))
        .json(ApplicationDetail::of(&page, user.lang)))
}

/// A step on an application: `{"action", "version", "comment"}`, and `outcome` for
/// `certify` only (the core's `Outcome`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// The action.
    #[schema(value_type = String)]
    pub action: ActionKind,
    /// The application version the step was chosen on: a stale one is a 409.
    pub version: i64,
    /// A comment (line breaks allowed); required, not blank, for return, reject,
    /// not_certify and comment.
    #[serde(default)]
    pub comment: String,
    /// The result of a national target, for `certify` only.
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<Outcome>,
}

impl StepIn {
    /// The core's action.
    fn action(&self) -> Action {
        match self.action {
            ActionKind::Submit => Action::Submit,
            ActionKind::StartReview => Action::StartReview,
            ActionKind::Forward => Action::Forward,
            ActionKind::Return => Action::Return,
            ActionKind::Reject => Action::Reject,
            ActionKind::Approve => Action::Approve,
            ActionKind::Withdraw => Action::Withdraw,
            ActionKind::Certify => match &self.outcome {
                Some(o) => Action::Certify(o.clone()),
                // `check_sent` refused a certification without its result.
                None => Action::Comment,
            },
            ActionKind::NotCertify => Action::NotCertify,
            ActionKind::Comment => Action::Comment,
        }
    }
}

impl Body for StepIn {
    const MULTILINE: &'static [&'static str] = &["comment"];

    /// `outcome` with `certify` and only then, holding its own fields only; a comment within
    /// [`input::BLOCK_MAX`] characters, the numbers within [`input::LINE_MAX`].
    fn check_sent(&self, sent: &Value) -> Result<(), InputError> {
        input::block("comment", &self.comment)?;
        let sent_outcome = sent.get("outcome").is_some();
        match (&self.outcome, self.action) {
            (None, ActionKind::Certify) => {
                return Err(InputError::new(
                    "outcome",
                    "outcome_required",
                    Text::new("api.input.outcome_required"),
                ))
            }
            (_, kind) if sent_outcome && kind != ActionKind::Certify => {
                return Err(InputError::new(
                    "outcome",
                    "unknown_field",
                    Text::new("api.input.unknown_field").plain("field", "outcome"),
                ))
            }
            _ => {}
        }
        let Some(outcome) = &self.outcome else {
            return Ok(());
        };
        let own = serde_json::to_value(outcome).unwrap_or(Value::Null);
        for key in sent["outcome"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
        {
            if own.get(key).is_none() {
                let field = format!("outcome.{key}");
                return Err(InputError::new(
                    field.clone(),
                    "unknown_field",
                    Text::new("api.input.unknown_field").plain("field", field),
                ));
            }
        }
        match outcome {
            Outcome::Registered { reg_no, .. } => input::line("outcome.reg_no", reg_no),
            Outcome::Certificate { cert_no, .. } => input::line("outcome.cert_no", cert_no),
        }
    }
}

/// `POST /api/v1/applications/{id}/steps`: take one step. Answers the application after it,
/// as `GET /api/v1/applications/{id}` does. A step the status machine refuses (not the
/// caller's step, a comment missing, the firm's stage moved, …) is a 409
/// `application_refused` with every reason; a stale `version` a 409 `stale_version`;
/// submitting when the rules are definitely not met a 422 with the evaluation; a reader
/// (an advisor who only reads the county) a 403; outside the territory a 404. Nothing is
/// written on any error.
#[utoipa::path(post, path = "/api/v1/applications/{id}/steps", tag = "applications",
    request_body = StepIn,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationDetail), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The step is refused (`application_refused`, every \
            reason in `error.reasons`), the stage event it fires is refused \
            (`illegal_transition`, with its reasons), `version` is stale \
            (`stale_version`), or the firm's stored figures cannot be evaluated \
            (`data_not_evaluable`).", body = ErrorBody),
        (status = 422, description = "Submitting while the target's rules are definitely \
            not met (`rule_failed`): `error.evaluation` is the evaluation.", body = ErrorBody)))]
pub async fn step_application(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<String>,
    body: JsonBody<StepIn>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&id)?;
    let s = body.0;
    let action = s.action();
    let p = user.principal.clone();
    let page = db(&state, move |c| {
        let t = today();
        act::act(c, &p, id, Some(s.version), &action, &s.comment, t)?;
        read::application_page(c, &p, id, t, Utc::now().naive_utc())
    })
    .await?;
    json_ok(&ApplicationDetail::of(&page, user.lang))
}
