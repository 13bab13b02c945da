//! `/api/v1/nominations…`: reserve-pool nominations (市县联动建设后备库). A county officer
//! nominates several tech-SMEs of the county at once, all or none; bureau staff confirm or
//! decline each waiting nomination, each on its own. The use cases are
//! `app::applications::nominations`.

use super::auth::ApiUser;
use super::error::{ApiError, ErrorBody, ErrorDetail, ReasonOut};
use super::firms::FirmOut;
use super::{json_ok, Body, JsonBody};
use crate::app::applications::nominations::{self, Decision, NominationRow};
use crate::app::error::AppError;
use crate::app::today;
use crate::core::error::{InputError, Text};
use crate::core::input;
use crate::i18n::{self, Lang};
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Most firms one nomination request, or nominations one decision request, may name.
pub const MAX_ITEMS: usize = 500;

/// A nomination.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NominationOut {
    /// Id.
    pub id: i64,
    /// The nominated firm.
    pub firm_id: i64,
    /// Its name.
    pub firm_name: String,
    /// Its county code.
    pub county_code: String,
    /// The county's note.
    pub note: String,
    /// `pending`, `confirmed` or `declined`.
    pub status: String,
    /// The nominating officer (user id).
    pub nominated_by: Option<i64>,
    /// Nominated: RFC 3339 in UTC (`Z`).
    pub nominated_at: DateTime<Utc>,
    /// Who decided (user id).
    pub decided_by: Option<i64>,
    /// Decided: RFC 3339 in UTC (`Z`).
    pub decided_at: Option<DateTime<Utc>>,
    /// The bureau's note.
    pub decision_note: String,
    /// The `admit_to_reserve` event a confirmation fired.
    pub stage_event_id: Option<i64>,
    /// While it waits: the firm's evaluation for the reserve pool now (DESIGN §3 JSON).
    #[schema(value_type = Option<Object>)]
    pub evaluation: Option<Value>,
}

impl From<&NominationRow> for NominationOut {
    fn from(r: &NominationRow) -> NominationOut {
        let n = &r.nomination;
        NominationOut {
            id: n.id,
            firm_id: n.firm_id,
            firm_name: r.firm_name.clone(),
            county_code: n.county_code.clone(),
            note: n.note.clone(),
            status: n.status.clone(),
            nominated_by: n.nominated_by,
            nominated_at: n.nominated_at.and_utc(),
            decided_by: n.decided_by,
            decided_at: n.decided_at.map(|t| t.and_utc()),
            decision_note: n.decision_note.clone(),
            stage_event_id: n.stage_event_id,
            evaluation: r.evaluation.as_ref().map(|e| e.to_json()),
        }
    }
}

/// The nominations the caller sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NominationsOut {
    /// For a county officer: the county's tech-SMEs without a waiting nomination, most ready
    /// first (empty for the bureau).
    pub candidates: Vec<FirmOut>,
    /// Waiting nominations (a county officer's county, every county for the bureau), newest
    /// first.
    pub pending: Vec<NominationOut>,
    /// The latest 100 decided ones, newest first.
    pub decided: Vec<NominationOut>,
}

/// `GET /api/v1/nominations`: for county officers, bureau staff and administrators; other
/// roles get a 403.
#[utoipa::path(get, path = "/api/v1/nominations", tag = "nominations",
    responses((status = 200, body = NominationsOut),
        (status = 403, description = "A role that neither nominates nor decides \
            (`forbidden`).", body = ErrorBody)))]
pub async fn list_nominations(
    state: web::Data<AppState>,
    user: ApiUser,
) -> Result<HttpResponse, ApiError> {
    let p = user.principal.clone();
    let now = Utc::now().naive_utc();
    let page = db(&state, move |c| {
        nominations::nominations_page(c, &p, today(), now)
    })
    .await?;
    json_ok(&NominationsOut {
        candidates: page.candidates.iter().map(FirmOut::from).collect(),
        pending: page.pending.iter().map(NominationOut::from).collect(),
        decided: page.decided.iter().map(NominationOut::from).collect(),
    })
}

/// The count of a batch: from one to [`MAX_ITEMS`], or a 400 naming `field`.
fn batch_size(field: &str, n: usize) -> Result<(), InputError> {
    if n == 0 {
        return Err(InputError::new(
            field,
            "nothing_selected",
            Text::new("nomination.error.nothing_selected"),
        ));
    }
    if n > MAX_ITEMS {
        return Err(InputError::new(
            field,
            "too_many_items",
            Text::new("api.input.too_many_items")
                .plain("field", field)
                .plain("max", MAX_ITEMS),
        ));
    }
    Ok(())
}

/// One firm to nominate.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominateItem {
    /// The firm: a tech-SME of the officer's county without a waiting nomination (else the
    /// batch is refused with a 409 naming it).
    pub firm_id: i64,
    /// Why the county nominates it (line breaks allowed).
    #[serde(default)]
    pub note: String,
}

/// Firms to nominate, all or none.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominateIn {
    /// The firms, each once.
    pub items: Vec<NominateItem>,
}

impl Body for NominateIn {
    const MULTILINE: &'static [&'static str] = &["items[].note"];

    fn check_sent(&self, _sent: &Value) -> Result<(), InputError> {
        batch_size("items", self.items.len())?;
        for (i, item) in self.items.iter().enumerate() {
            input::block(&format!("items[{i}].note"), &item.note)?;
        }
        Ok(())
    }
}

/// A nomination recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NominatedOut {
    /// The nomination's id.
    pub id: i64,
    /// The firm.
    pub firm_id: i64,
}

/// The batch recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NominateOut {
    /// One per item, in the order sent.
    pub nominated: Vec<NominatedOut>,
}

/// `POST /api/v1/nominations`: a county officer nominates firms of the county for the reserve
/// pool, all or none. When any firm cannot be nominated nothing is written and the 409
/// (`nomination_refused`) lists each such firm in `error.reasons` (`firm_id`, `code`:
/// `not_in_county`, `not_tech_sme`, `already_pending`, and the words). Other roles get a
/// 403.
#[utoipa::path(post, path = "/api/v1/nominations", tag = "nominations",
    request_body = NominateIn,
    responses((status = 201, body = NominateOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Some firms cannot be nominated (`nomination_refused`, \
            each in `error.reasons` with its `firm_id`), or a firm was sent twice \
            (`already_pending`); nothing was written.", body = ErrorBody)))]
pub async fn nominate(
    state: web::Data<AppState>,
    user: ApiUser,
    body: JsonBody<NominateIn>,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<(i64, String)> = body
        .0
        .items
        .into_iter()
        .map(|i| (i.firm_id, i.note))
        .collect();
    let firms: Vec<i64> = items.iter().map(|(f, _)| *f).collect();
    let p = user.principal.clone();
    match db(&state, move |c| nominations::nominate(c, &p, &items)).await? {
        Ok(ids) => Ok(HttpResponse::Created().json(NominateOut {
            nominated: ids
                .into_iter()
                .zip(firms)
                .map(|(id, firm_id)| NominatedOut { id, firm_id })
                .collect(),
        })),
        Err(refusals) => {
            let reasons = refusals
                .iter()
                .map(|r| ReasonOut {
                    code: r.code().to_string(),
                    zh: i18n::render(Lang::ZhCn, &r.text),
                    en: i18n::render(Lang::En, &r.text),
                    firm_id: Some(r.firm_id),
                })
                .collect();
            let text = Text::new("api.error.nomination_refused").plain("n", refusals.len());
            Ok(HttpResponse::build(StatusCode::CONFLICT).json(ErrorBody {
                error: ErrorDetail {
                    code: "nomination_refused".to_string(),
                    message: i18n::render(user.lang, &text),
                    field: None,
                    line: None,
                    reasons: Some(reasons),
                    evaluation: None,
                },
            }))
        }
    }
}

/// The bureau's decision on one nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Admit the firm to the reserve pool (fires `admit_to_reserve`).
    Confirm,
    /// Decline, with a note the county reads.
    Decline,
}

impl DecisionKind {
    fn id(self) -> &'static str {
        match self {
            DecisionKind::Confirm => "confirm",
            DecisionKind::Decline => "decline",
        }
    }
}

/// One decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// The nomination.
    pub id: i64,
    /// `confirm` or `decline`.
    #[schema(value_type = String)]
    pub decision: DecisionKind,
    /// The bureau's note (line breaks allowed); a decline without one fails (its result:
    /// `note_required`).
    #[serde(default)]
    pub note: String,
}

/// Decisions, each taken on its own.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideIn {
    /// The decisions, in the order to take them.
    pub decisions: Vec<DecisionIn>,
}

impl Body for DecideIn {
    const MULTILINE: &'static [&'static str] = &["decisions[].note"];

    fn check_sent(&self, _sent: &Value) -> Result<(), InputError> {
        batch_size("decisions", self.decisions.len())?;
        for (i, d) in self.decisions.iter().enumerate() {
            input::block(&format!("decisions[{i}].note"), &d.note)?;
        }
        Ok(())
    }
}

/// What became of one decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionResult {
    /// The nomination.
    pub id: i64,
    /// The decision sent.
    pub decision: String,
    /// Whether it was taken.
    pub ok: bool,
    /// The nomination's status after it (`confirmed`, `declined`); null when it failed.
    pub status: Option<String>,
    /// Why it failed, as an API error's `error` (`not_found`, `already_decided`,
    /// `note_required`, `illegal_transition` with the stage machine's reasons when the
    /// firm does not meet the reserve rules or is no longer a tech-SME, …); null when taken.
    pub error: Option<ErrorDetail>,
}

/// Each decision's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecideOut {
    /// One per decision, in the order sent.
    pub results: Vec<DecisionResult>,
}

/// `POST /api/v1/nominations/decisions`: bureau staff (and administrators) decide waiting
/// nominations, each in its own transaction: one that fails (the rules not met, decided by
/// someone else meanwhile, no such nomination) leaves that one as it was and does not undo
/// the others. The answer is a 200 with each one's result; other roles get a 403.
#[utoipa::path(post, path = "/api/v1/nominations/decisions", tag = "nominations",
    request_body = DecideIn,
    responses((status = 200, body = DecideOut), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn decide_nominations(
    state: web::Data<AppState>,
    user: ApiUser,
    body: JsonBody<DecideIn>,
) -> Result<HttpResponse, ApiError> {
    let sent: Vec<(i64, DecisionKind)> = body
        .0
        .decisions
        .iter()
        .map(|d| (d.id, d.decision))
        .collect();
    let decisions: Vec<(i64, Decision, String)> = body
        .0
        .decisions
        .into_iter()
        .map(|d| {
            let decision = match d.decision {
                DecisionKind::Confirm => Decision::Confirm,
                DecisionKind::Decline => Decision::Decline,
            };
            (d.id, decision, d.note)
        })
        .collect();
    let p = user.principal.clone();
    let results = db(&state, move |c| {
        nominations::decide(c, &p, &decisions, today())
    })
    .await?;
    let results = results
        .into_iter()
        .zip(sent)
        .map(|((id, r), (_, kind))| match r {
            Ok(d) => DecisionResult {
                id,
                decision: kind.id().to_string(),
                ok: true,
                status: Some(
                    match d {
                        Decision::Confirm => "confirmed",
                        Decision::Decline => "declined",
                    }
                    .to_string(),
                ),
                error: None,
            },
            Err(e) => {
                if matches!(e, AppError::Internal(_) | AppError::Unavailable(_)) {
                    tracing::error!(nomination = id, error = ?e, "a nomination decision failed");
                }
                DecisionResult {
                    id,
                    decision: kind.id().to_string(),
                    ok: false,
                    status: None,
                    error: Some(ApiError::from(e).detail(user.lang)),
                }
            }
        })
        .collect();
    json_ok(&DecideOut { results })
}
