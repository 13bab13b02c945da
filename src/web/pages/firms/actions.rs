//! `GET|POST /firms/{id}/actions/{event}`: fire a stage event from a form.
//!
//! The form ([`ActionForm`]) asks for the event's data and an "I confirm" checkbox, so confirming works without
//! JavaScript. The POST goes through [`app::fire_event`] with the version the form was opened
//! at; a refusal (the stage machine's reasons, a stale version) shows the form again and
//! changes nothing; success goes back to the firm page, whose timeline shows the event.

use crate::app::model::Firm;
use crate::app::{self, firms::forms, AppError, Conflict};
use crate::core::error::{Reason, Text};
use crate::core::stage::{self, Event, EventKind};
use crate::i18n;
use crate::web::auth::{CurrentUser, FirmsUser};
use crate::web::error::WebError;
use crate::web::forms::{self as kit, groups, values, FieldErrors, Kind, Lists, Message, Refused};
use crate::web::pages::firms::done_href;
use crate::web::pages::{path_id, render, see_other};
use crate::web::session::CsrfForm;
use crate::web::{db, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
    /// The event of `kind` the form describes and the form's own problems (a value that does
    /// not parse, the confirmation). An unparsable year or date is replaced by `today`'s, so
    /// that the stage machine can still be asked about everything else ([`refusals`] drops
    /// its reasons about the replaced value). Blank texts go through as typed: the stage
    /// machine names what is missing.
    pub fn read(&self, kind: EventKind, today: NaiveDate) -> (Event, FieldErrors) {
        let mut e = FieldErrors::checked(self, &["reason"]);
        let reason = || kit::text(&self.reason).unwrap_or_default();
        let event = match kind {
            EventKind::RegisterTechSme => Event::RegisterTechSme {
                year: e
                    .required_int("year", &self.year, true)
                    .unwrap_or(today.year()),
                reg_no: kit::text(&self.reg_no).unwrap_or_default(),
            },
            EventKind::CertifyHighTech | EventKind::RenewHighTech => {
                let issued_on = e
                    .required_date("issued_on", &self.issued_on)
                    .unwrap_or(today);
                let cert_no = kit::text(&self.cert_no).unwrap_or_default().to_uppercase();
                if kind == EventKind::CertifyHighTech {
                    Event::CertifyHighTech { cert_no, issued_on }
                } else {
                    Event::RenewHighTech { cert_no, issued_on }
                }
            }
            EventKind::LeaveReserve => Event::LeaveReserve { reason: reason() },
            EventKind::RevokeHighTech => Event::RevokeHighTech { reason: reason() },
            EventKind::DemoteLeader => Event::DemoteLeader { reason: reason() },
            EventKind::Exit => Event::Exit { reason: reason() },
            EventKind::LapseTechSme => Event::LapseTechSme,
            EventKind::AdmitToReserve => Event::AdmitToReserve,
            EventKind::ExpireHighTech => Event::ExpireHighTech,
            EventKind::RecognizeLeader => Event::RecognizeLeader,
            EventKind::Reinstate => Event::Reinstate,
        };
        if self.confirm != "yes" {
            e.key("confirm", "actions.confirm_required");
        }
        (event, e)
    }
}

/// The stage machine's reasons against an event of `kind`, placed: beside the field of the
/// form each is about ([`stage::reason_fields`]; several about one field in one message), and
/// the others (the firm's stage, its rules, the role) as the list at the top. A reason about a
/// field that already has a problem is left out: the form's own problem comes first, and the
/// stage machine saw a stand-in for it.
fn refusals(kind: EventKind, reasons: &[Reason], errors: &mut FieldErrors) -> Vec<Text> {
    let asked: Vec<&str> = fields_of(kind).iter().map(|(n, _)| *n).collect();
    let mut beside: BTreeMap<&'static str, Vec<Text>> = BTreeMap::new();
    let mut top = Vec::new();
    for r in reasons {
        match stage::reason_fields(&r.code) {
            [first, ..] if asked.contains(first) => {
                let fields = stage::reason_fields(&r.code);
                if !fields.iter().any(|f| errors.has(f)) {
                    beside.entry(first).or_default().push(r.text.clone());
                }
            }
            _ => top.push(r.text.clone()),
        }
    }
    for (field, mut texts) in beside {
        let text = if texts.len() == 1 {
            texts.remove(0)
        } else {
            Text::new("forms.error.several").list("problems", texts)
        };
        errors.add(field, Message::Text(text));
    }
    top
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

/// `POST /firms/{id}/actions/{event}`: fire the event if confirmed, as of today. Every
/// problem shows at once: the form's own (the confirmation, a value that does not parse)
/// beside their fields, and the stage machine's reasons from a dry run of the same checks
/// (`app::check_event`), beside the field each is about or listed at the top. Only a form
/// without any problem fires, and the use case checks everything again.
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
    let today = app::today();
    let (event, errors) = form.read(kind, today);
    let own_problems = !errors.is_empty();
    let mut outcome = Outcome {
        errors,
        ..Outcome::default()
    };
    let p = user.principal.clone();
    let checked = {
        let event = event.clone();
        db(&state, move |c| {
            app::check_event(c, id, Some(version), &event, &p, today)
        })
        .await
    };
    outcome.take(kind, checked)?;
    if outcome.is_clear() {
        let p = user.principal.clone();
        let fired = db(&state, move |c| {
            app::fire_event(c, id, Some(version), event, &p, today)
        })
        .await;
        match fired {
            Ok(_) => return Ok(see_other(&done_href(id, "event_done", "timeline"))),
            // Changed between the check and the firing: the same answers as the check's.
            Err(e) => outcome.take(kind, Err(e))?,
        }
    }
    let lang = user.lang;
    let reasons = outcome
        .reasons
        .iter()
        .map(|t| i18n::render(lang, t))
        .collect();
    let refused = outcome.refused(own_problems);
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

/// What a submitted action form has against it so far.
#[derive(Debug, Default)]
struct Outcome {
    /// Problems beside fields: the form's own, then the stage machine's.
    errors: FieldErrors,
    /// The stage machine's reasons about no one field, for the list at the top.
    reasons: Vec<Text>,
    /// The stage machine refused.
    machine: bool,
    /// Another refusal (a stale version) for the top, with its status.
    other: Option<(Message, StatusCode)>,
}

impl Outcome {
    /// Add what the check (or the firing) of an event of `kind` answered; not found,
    /// forbidden and internal errors are the error page's.
    fn take(&mut self, kind: EventKind, answer: Result<(), AppError>) -> Result<(), WebError> {
        match answer {
            Ok(()) => {}
            Err(AppError::Conflict(Conflict::IllegalTransition(r))) => {
                self.machine = true;
                self.reasons = refusals(kind, &r.reasons, &mut self.errors);
            }
            Err(e) => {
                let placed = Refused::place(e)?;
                let status = placed.status;
                if let Some(top) = placed.top.clone() {
                    self.other = Some((top, status));
                }
                self.errors.merge(placed.errors);
            }
        }
        Ok(())
    }

    /// Nothing against the event: it may be fired.
    fn is_clear(&self) -> bool {
        self.errors.is_empty() && !self.machine && self.other.is_none()
    }

    /// The form's refusal: the form's own problems (`own`) are bad input (400); a refusal of
    /// a well-formed form by the stage machine, or a stale version, is a conflict (409).
    fn refused(self, own: bool) -> Refused {
        let status = match &self.other {
            _ if own => StatusCode::BAD_REQUEST,
            Some((_, status)) => *status,
            None if self.machine => StatusCode::CONFLICT,
            None => StatusCode::BAD_REQUEST,
        };
        let top = match self.other {
            Some((m, _)) => Some(m),
            None if !self.reasons.is_empty() => Some(Message::Key("actions.refused".to_string())),
            None if self.machine => Some(Message::Key("actions.refused_beside".to_string())),
            None => None,
        };
        let mut r = Refused::from(self.errors);
        r.status = status;
        r.top = top;
        r
    }
}
