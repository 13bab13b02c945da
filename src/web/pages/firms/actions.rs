//! `GET|POST /firms/{id}/actions/{event}`: fire a stage event from a form.
//!
//! The form asks for the event's data and an "I confirm" checkbox, so confirming works without
//! JavaScript. The POST goes through [`app::fire_event`] with the version the form was opened
//! at; a refusal (the stage machine's reasons, a stale version) shows the form again and
//! changes nothing; success goes back to the firm page, whose timeline shows the event.

use crate::app::model::Firm;
use crate::app::{self, firms::forms, AppError, Conflict};
use crate::core::stage::{Event, EventKind};
use crate::i18n::Lang;
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::pages::firms::forms::{groups, path_id, Errors, Kind, Lists, Reader, Values};
use crate::web::pages::render;
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
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

/// The event the form describes, or `None` when a field did not parse (the reader has why).
/// Blank texts go through as typed: the stage machine names what is missing.
fn read_event(kind: EventKind, r: &mut Reader<'_>) -> Option<Event> {
    let reason = |r: &Reader<'_>| r.text("reason").unwrap_or_default();
    Some(match kind {
        EventKind::RegisterTechSme => {
            let year = r.int("year", true);
            if r.text("year").is_none() {
                r.fail("year", "forms.error.required");
            }
            Event::RegisterTechSme {
                year: year?,
                reg_no: r.text("reg_no").unwrap_or_default(),
            }
        }
        EventKind::CertifyHighTech | EventKind::RenewHighTech => {
            let issued_on = r.date("issued_on");
            if r.text("issued_on").is_none() {
                r.fail("issued_on", "forms.error.required");
            }
            let cert_no = r.text("cert_no").unwrap_or_default().to_uppercase();
            let issued_on = issued_on?;
            if kind == EventKind::CertifyHighTech {
                Event::CertifyHighTech { cert_no, issued_on }
            } else {
                Event::RenewHighTech { cert_no, issued_on }
            }
        }
        EventKind::LeaveReserve => Event::LeaveReserve { reason: reason(r) },
        EventKind::RevokeHighTech => Event::RevokeHighTech { reason: reason(r) },
        EventKind::DemoteLeader => Event::DemoteLeader { reason: reason(r) },
        EventKind::Exit => Event::Exit { reason: reason(r) },
        EventKind::LapseTechSme => Event::LapseTechSme,
        EventKind::AdmitToReserve => Event::AdmitToReserve,
        EventKind::ExpireHighTech => Event::ExpireHighTech,
        EventKind::RecognizeLeader => Event::RecognizeLeader,
        EventKind::Reinstate => Event::Reinstate,
    })
}

struct ActionPage<'a> {
    firm: &'a Firm,
    kind: EventKind,
    version: i64,
    values: &'a Values,
    errors: &'a Errors,
    form_error: String,
    reasons: Vec<String>,
}

fn render_action(
    req: &HttpRequest,
    user: &CurrentUser,
    status: StatusCode,
    page: ActionPage<'_>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let id = page.firm.id;
    let fields = groups(
        &[("event", fields_of(page.kind))],
        page.values,
        page.errors,
        lang,
        &Lists::default(),
    );
    render(
        req,
        lang,
        Some(user),
        "firms",
        "pages/firms/action",
        status,
        json!({
            "firm": { "id": id, "name": page.firm.name, "uscc": page.firm.uscc, "stage": page.firm.stage },
            "event": page.kind.id(),
            "action": format!("/firms/{id}/actions/{}", page.kind.id()),
            "cancel": format!("/firms/{id}"),
            "version": page.version.to_string(),
            "groups": fields,
            "has_fields": !fields_of(page.kind).is_empty(),
            "confirmed": page.values.get("confirm").is_some_and(|v| v == "yes"),
            "confirm_error": page.errors.get("confirm").cloned().unwrap_or_default(),
            "error": page.form_error,
            "reasons": page.reasons.into_iter().map(Value::String).collect::<Vec<_>>(),
        }),
    )
}

fn kind_of(s: &str) -> Result<EventKind, WebError> {
    EventKind::parse(s.trim()).ok_or_else(WebError::not_found)
}

async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Firm, WebError> {
    let p = user.principal.clone();
    db(state, move |c| forms::action_context(c, &p, id))
        .await
        .map_err(WebError::from)
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
    let mut values = Values::new();
    if kind == EventKind::RegisterTechSme {
        values.insert("year".to_string(), app::today().year().to_string());
    }
    render_action(
        &req,
        &user,
        StatusCode::OK,
        ActionPage {
            firm: &firm,
            kind,
            version: firm.version,
            values: &values,
            errors: &Errors::new(),
            form_error: String::new(),
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
    form: CsrfForm<Values>,
) -> Result<HttpResponse, WebError> {
    let lang = user.lang;
    let (id, event) = path.into_inner();
    let id = path_id(&id)?;
    let kind = kind_of(&event)?;
    let firm = load(&state, &user, id).await?;
    let values = form.0;
    let mut r = Reader::new(&values, lang);
    let version = r.version()?;
    let event = read_event(kind, &mut r);
    if values.get("confirm").map(String::as_str) != Some("yes") {
        r.fail("confirm", "actions.confirm_required");
    }
    let mut errors = r.errors;
    let mut form_error = String::new();
    let mut reasons = Vec::new();
    let status = match event {
        Some(event) if errors.is_empty() => {
            let p = user.principal.clone();
            let outcome = db(&state, move |c| {
                match app::fire_event(c, id, Some(version), event, &p, app::today()) {
                    Ok(_) => Ok(Ok(())),
                    Err(e @ (AppError::Conflict(_) | AppError::BadInput(_))) => Ok(Err(e)),
                    Err(e) => Err(e),
                }
            })
            .await?;
            match outcome {
                Ok(()) => {
                    return Ok(HttpResponse::SeeOther()
                        .insert_header((header::LOCATION, format!("/firms/{id}#timeline")))
                        .finish())
                }
                Err(AppError::Conflict(Conflict::IllegalTransition(r))) => {
                    form_error = crate::i18n::text(lang, "actions.refused");
                    reasons = r
                        .reasons
                        .iter()
                        .map(|x| lang.pick(&x.zh, &x.en).to_string())
                        .collect();
                    StatusCode::CONFLICT
                }
                Err(AppError::Conflict(c)) => {
                    form_error = match lang {
                        Lang::ZhCn => c.zh(),
                        Lang::En => c.en(),
                    };
                    StatusCode::CONFLICT
                }
                Err(AppError::BadInput(e)) => {
                    errors.insert(e.field.clone(), lang.pick(&e.zh, &e.en).to_string());
                    StatusCode::BAD_REQUEST
                }
                Err(e) => return Err(WebError::from(e)),
            }
        }
        _ => StatusCode::BAD_REQUEST,
    };
    render_action(
        &req,
        &user,
        status,
        ActionPage {
            firm: &firm,
            kind,
            version,
            values: &values,
            errors: &errors,
            form_error,
            reasons,
        },
    )
}
