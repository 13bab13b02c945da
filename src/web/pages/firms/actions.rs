//! `GET|POST /firms/{id}/actions/{event}`: fire a stage event from a form.
//!
//! The form ([`ActionForm`]) asks for the event's data and an "I confirm" checkbox, so confirming works without
//! JavaScript. The POST goes through [`app::fire_event`] with the version the form was opened
//! at; a refusal (the stage machine's reasons, a stale version) shows the form again and
//! changes nothing; success goes back to the firm page, whose timeline shows the event.

use crate::app::model::Firm;
use crate::app::{self, firms::forms, AppError, Conflict};
use crate::core::stage::{Event, EventKind};
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::{self as kit, groups, values, FieldErrors, Kind, Lists, Message, Refused};
use crate::web::pages::firms::done_href;
use crate::web::pages::{path_id, render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The fields an event's form asks for.
fn fields_of(kind: EventKind) -> &'static [(&'static str, Kind)] {
    match kind {
        EventKind::RegisterTechSme => &[("year", Kind::Int), ("reg_no", Kind::Text)],
        EventKind::CertifyHighTech | EventKind::RenewHighTech => {
            &[("cert_no", Kind::Text), ("issued_on", Kind::Date)]
        }
        EventKind::LeaveReserve
        | EventKind::RevokeHighTech
        | EventKind::DemoteLeader
        | EventKind::Exit => &[("reason", Kind::Text)],
        EventKind::LapseTechSme
        | EventKind::AdmitToReserve
        | EventKind::ExpireHighTech
        | EventKind::RecognizeLeader
        | EventKind::Reinstate => &[],
    }
}

/// A stage action's form, as typed: the fields of every event (each event reads its own) and
/// the "I confirm" box.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ActionForm {
    /// The firm's version the form was opened at.
    pub version: String,
    /// `yes` when confirmed.
    pub confirm: String,
    /// Tech-SME registration year.
    pub year: String,
    /// Tech-SME registration number.
    pub reg_no: String,
    /// HTE certificate number.
    pub cert_no: String,
    /// HTE certificate date.
    pub issued_on: String,
    /// Why (leaving, revoking, demoting, exiting).
    pub reason: String,
}

impl ActionForm {
    /// The event of `kind` the form describes, if confirmed, or every problem. Blank texts go
    /// through as typed: the stage machine names what is missing.
    pub fn parse(&self, kind: EventKind) -> Result<Event, FieldErrors> {
        let mut e = FieldErrors::checked(self, &["reason"]);
        let reason = || kit::text(&self.reason).unwrap_or_default();
        let event = match kind {
            EventKind::RegisterTechSme => {
                e.required_int("year", &self.year, true)
                    .map(|year| Event::RegisterTechSme {
                        year,
                        reg_no: kit::text(&self.reg_no).unwrap_or_default(),
                    })
            }
            EventKind::CertifyHighTech | EventKind::RenewHighTech => {
                let issued_on = e.required_date("issued_on", &self.issued_on);
                let cert_no = kit::text(&self.cert_no).unwrap_or_default().to_uppercase();
                issued_on.map(|issued_on| {
                    if kind == EventKind::CertifyHighTech {
                        Event::CertifyHighTech { cert_no, issued_on }
                    } else {
                        Event::RenewHighTech { cert_no, issued_on }
                    }
                })
            }
            EventKind::LeaveReserve => Some(Event::LeaveReserve { reason: reason() }),
            EventKind::RevokeHighTech => Some(Event::RevokeHighTech { reason: reason() }),
            EventKind::DemoteLeader => Some(Event::DemoteLeader { reason: reason() }),
            EventKind::Exit => Some(Event::Exit { reason: reason() }),
            EventKind::LapseTechSme => Some(Event::LapseTechSme),
            EventKind::AdmitToReserve => Some(Event::AdmitToReserve),
            EventKind::ExpireHighTech => Some(Event::ExpireHighTech),
            EventKind::RecognizeLeader => Some(Event::RecognizeLeader),
            EventKind::Reinstate => Some(Event::Reinstate),
        };
        if self.confirm != "yes" {
            e.key("confirm", "actions.confirm_required");
        }
        match event {
            Some(event) => e.or(event),
            None => Err(e),
        }
    }
}

struct ActionPage<'a> {
    firm: &'a Firm,
    kind: EventKind,
    version: i64,
    form: &'a ActionForm,
    refused: Option<&'a Refused>,
    reasons: Vec<String>,
}

fn render_action(
    req: &HttpRequest,
    user: &CurrentUser,
    page: ActionPage<'_>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = page.firm.id;
    let values = values(page.form);
    let errors = page
        .refused
        .map(|r| r.errors.in_lang(lang))
        .unwrap_or_default();
    let fields = groups(
        &[("event", fields_of(page.kind))],
        kit::Shown {
            values: &values,
            errors: &errors,
            lang,
            lists: &Lists::default(),
        },
    );
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/firms/action",
        page.refused.map_or(StatusCode::OK, |r| r.status),
        json!({
            "firm": { "id": id, "name": page.firm.name, "uscc": page.firm.uscc, "stage": page.firm.stage },
            "event": page.kind.id(),
            "action": format!("/firms/{id}/actions/{}", page.kind.id()),
            "cancel": format!("/firms/{id}"),
            "version": page.version.to_string(),
            "groups": fields,
            "has_fields": !fields_of(page.kind).is_empty(),
            "confirmed": page.form.confirm == "yes",
            "confirm_error": errors.get("confirm").cloned().unwrap_or_default(),
            "error": page.refused.map(|r| r.top_in(lang)).unwrap_or_default(),
            "reasons": page.reasons.into_iter().map(Value::String).collect::<Vec<_>>(),
        }),
    )
}

fn kind_of(s: &str) -> Result<EventKind, WebError> {
    EventKind::parse(s.trim()).ok_or_else(WebError::not_found)
}

async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Firm, WebError> {
    let p = user.principal.clone();
    Ok(db(state, move |c| forms::action_context(c, &p, id)).await?)
}

/// `GET /firms/{id}/actions/{event}`: the event's form at the firm's current version.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, event) = path.into_inner();
    let id = path_id(&id)?;
    let kind = kind_of(&event)?;
    let firm = load(&state, &user, id).await?;
    let mut form = ActionForm::default();
    if kind == EventKind::RegisterTechSme {
        form.year = app::today().year().to_string();
    }
    render_action(
        &req,
        &user,
        ActionPage {
            firm: &firm,
            kind,
            version: firm.version,
            form: &form,
            refused: None,
            reasons: Vec::new(),
        },
    )
}

/// `POST /firms/{id}/actions/{event}`: fire the event if confirmed, as of today.
pub async fn fire(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: FirmsUser,
    path: web::Path<(String, String)>,
    form: CsrfForm<ActionForm>,
) -> Result<HttpResponse, WebError> {
    let (id, event) = path.into_inner();
    let id = path_id(&id)?;
    let kind = kind_of(&event)?;
    let firm = load(&state, &user, id).await?;
    let form = form.0;
    let version = kit::version(&form.version)?;
    let mut reasons = Vec::new();
    let refused = match form.parse(kind) {
        Ok(event) => {
            let p = user.principal.clone();
            let fired = db(&state, move |c| {
                app::fire_event(c, id, Some(version), event, &p, app::today())
            })
            .await;
            match fired {
                Ok(_) => return Ok(see_other(&done_href(id, "event_done", "timeline"))),
                Err(AppError::Conflict(Conflict::IllegalTransition(r))) => {
                    reasons = r
                        .reasons
                        .iter()
                        .map(|x| crate::i18n::render(user.lang, &x.text))
                        .collect();
                    Refused::top(
                        Message::Key("actions.refused".to_string()),
                        StatusCode::CONFLICT,
                    )
                }
                Err(e) => Refused::place(e)?,
            }
        }
        Err(errors) => errors.into(),
    };
    render_action(
        &req,
        &user,
        ActionPage {
            firm: &firm,
            kind,
            version,
            form: &form,
            refused: Some(&refused),
            reasons,
        },
    )
}
