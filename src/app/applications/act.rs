//! Every step after the draft: submit, take up, forward, return, reject, approve, withdraw,
//! record the result of a national target, comment.

use super::{parsed, party_for, refused, review_days, stale};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::stage::{fire_in_tx, FireOptions};
use crate::app::mail::{self, notices, MailKind, MailRequest};
use crate::app::principal::Principal;
use crate::core::application::{self, Action, ActionKind, Party, State, Status, Target};
use crate::core::error::{InputError, Text};
use crate::core::input;
use crate::core::profile::Profile;
use crate::core::rules;
use crate::i18n::{self, Lang};
use crate::store::applications::{self, Application, ApplicationChanges, NewStep};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm};
use crate::store::{self, events, profile, settings, DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde_json::json;

/// What an accepted step did.
#[derive(Debug, Clone)]
pub struct Acted {
    /// The application after the step.
    pub application: Application,
    /// Status before.
    pub from: Status,
    /// Status after.
    pub to: Status,
    /// The stage the firm reached when the step fired a stage event.
    pub stage_event: Option<crate::core::stage::Stage>,
    /// Status mails queued.
    pub mails_queued: usize,
}

/// Take `action` on application `id` as `principal`, on `today` (China date), with `comment`
/// as typed. `expected_version` is the version the actor's page showed (`None`: current).
///
/// One transaction: load the application and its firm; check territory (`NotFound` outside
/// it) and the actor's party (`Forbidden` for a reader); check the version; ask
/// `core::application::decide`; refuse a submission while a document of the checklist is
/// missing (`documents::missing_reason`); on submission freeze the profile and its evaluation
/// (refused with the evaluation when the rules are definitely not met); at each review step
/// run the evaluation again and keep it on the step; fire the stage event the decision
/// carries through the stage machine; then save the status with its due date, the step row,
/// the audit row and the status mails to the firm's users and advisor. Nothing is written on
/// any error.
pub fn act(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
    expected_version: Option<i64>,
    action: &Action,
    comment: &str,
    today: NaiveDate,
) -> Result<Acted, AppError> {
    input::block("comment", comment)?;
    let comment = comment.trim();
    store::write_tx(conn, |c| {
        act_in_tx(c, principal, id, expected_version, action, comment, today)
    })
}

fn act_in_tx(
    conn: &mut DbConn,
    principal: &Principal,
    id: i64,
    expected_version: Option<i64>,
    action: &Action,
    comment: &str,
    today: NaiveDate,
) -> Result<Acted, AppError> {
    let app = applications::find_by_id(conn, id).ctx("load application")?;
    let firm = firms::find_by_id(conn, app.firm_id).ctx("load the applying firm")?;
    let Some(party) = party_for(conn, principal, &firm)? else {
        return Err(AppError::Forbidden);
    };
    let version = expected_version.unwrap_or(app.version);
    if version != app.version {
        return Err(stale());
    }
    let (target, status) = parsed(&app)?;
    let stage = firm.current_stage().ctx("read the firm's stage")?;
    let decision = application::decide(State { target, status }, stage, action, party, comment)
        .map_err(refused)?;
    let kind = action.kind();
    // No submission while a document the checklist asks for is missing.
    if kind == ActionKind::Submit {
        if let Some(reason) = super::documents::missing_reason(conn, id, target)? {
            return Err(refused(vec![reason]));
        }
    }
    let now = Utc::now().naive_utc();

    let mut changes = ApplicationChanges::default();
    // The evaluation now: frozen on submission, kept on every decision. A submission and the
    // decisions that move it on need it; sending an application back or refusing it does not
    // (figures the rules cannot evaluate are a reason to return it, not to be stuck).
    let evaluation = if matches!(
        kind,
        ActionKind::Submit | ActionKind::Forward | ActionKind::Approve | ActionKind::Certify
    ) {
        Some(evaluate_now(conn, firm.id, target, today)?)
    } else if kind.is_decision() {
        evaluate_profile(conn, firm.id, target, today)?
            .1
            .ok()
            .map(|ev| (Profile::default(), ev))
    } else {
        None
    };
    if kind == ActionKind::Submit {
        let (prof, ev) = evaluation.as_ref().expect("evaluated above");
        if ev.eligible == Some(false) {
            return Err(AppError::RuleFailed(Box::new(ev.clone())));
        }
        changes.submitted_at = Some(Some(now));
        changes.ruleset = Some(Some(target.ruleset().id().to_string()));
        let frozen = serde_json::to_string(prof).map_err(|e| AppError::Internal(e.into()))?;
        changes.frozen_profile = Some(Some(frozen));
        changes.frozen_evaluation = Some(Some(ev.to_json().to_string()));
    }
    if decision.to != decision.from {
        changes.status = Some(decision.to.id().to_string());
        changes.status_at = Some(now);
        changes.due_on = Some(match decision.to.step() {
            Some(step) => Some(application::add_working_days(
                today,
                review_days(conn, step)?,
            )),
            None => None,
        });
    }
    if let Action::Certify(outcome) = action {
        changes.outcome = Some(Some(json!(outcome).to_string()));
    }
    // The application row first: of two reviewers deciding at once, the second waits here for
    // the first to commit and then finds the version moved (the stale-version answer), before
    // it could fire the stage event a second time.
    let new_version = applications::update_with_version(conn, id, version, &changes, now).map_err(
        |e| match e {
            StoreError::StaleVersion => stale(),
            e => AppError::store(e, "save application"),
        },
    )?;
    let mut stage_event = None;
    if let Some(event) = &decision.event {
        let fired = fire_in_tx(
            conn,
            firm.id,
            None,
            event,
            principal,
            today,
            FireOptions::default(),
        )?;
        let event_id = events::id_of(conn, firm.id, fired.seq).ctx("find the recorded event")?;
        applications::set_stage_event(conn, id, event_id).ctx("link the stage event")?;
        stage_event = Some(fired.to);
    }
    applications::append_step(
        conn,
        &NewStep {
            application_id: id,
            action: kind.id().to_string(),
            from_status: decision.from.id().to_string(),
            to_status: decision.to.id().to_string(),
            actor_id: principal.user_id,
            actor_role: principal.role.id().to_string(),
            comment: comment.to_string(),
            evaluation: evaluation.map(|(_, ev)| ev.to_json().to_string()),
            at: now,
        },
    )
    .ctx("record the application step")?;
    audit::record(
        conn,
        &NewAuditEntry {
            actor_id: principal.user_id,
            actor_role: principal.role.id(),
            action: "application_step",
            entity: "application",
            entity_id: Some(id),
            detail: json!({
                "firm_id": firm.id,
                "action": action,
                "from": decision.from.id(),
                "to": decision.to.id(),
                "comment": comment,
                "version": new_version,
                "on_behalf": party == Party::Advisor,
            })
            .to_string(),
            at: now,
        },
    )
    .ctx("write audit row for the application step")?;
    let firm = firms::find_by_id(conn, firm.id).ctx("reload the firm")?;
    let application = applications::find_by_id(conn, id).ctx("reload the application")?;
    let mails_queued = if decision.to != decision.from {
        queue_status_mail(conn, &firm, &application, target, decision.to, comment, now)?
    } else {
        0
    };
    Ok(Acted {
        application,
        from: decision.from,
        to: decision.to,
        stage_event,
        mails_queued,
    })
}

/// The firm's profile (JSON) and its evaluation under `target`'s rule set on `today`. Stored
/// figures the rules cannot evaluate (no employees for a staff ratio) are no fault of the
/// actor's input: a 409 that says what is wrong with them.
pub(super) fn evaluate_now(
    conn: &mut DbConn,
    firm_id: i64,
    target: Target,
    today: NaiveDate,
) -> Result<(Profile, crate::core::eval::Evaluation), AppError> {
    let (prof, ev) = evaluate_profile(conn, firm_id, target, today)?;
    let ev = ev.map_err(|e| {
        AppError::Conflict(Conflict::Refused {
            code: "data_not_evaluable",
            text: Text::new("application.error.data_not_evaluable").text("reason", e.text),
        })
    })?;
    Ok((prof, ev))
}

/// The firm's profile and its evaluation under `target`'s rule set on `today`, or why the
/// stored figures cannot be evaluated.
pub(super) fn evaluate_profile(
    conn: &mut DbConn,
    firm_id: i64,
    target: Target,
    today: NaiveDate,
) -> Result<(Profile, Result<crate::core::eval::Evaluation, InputError>), AppError> {
    let prof = profile::load_profile(conn, firm_id).ctx("load profile to evaluate")?;
    let thresholds = settings::thresholds(conn).ctx("load thresholds")?;
    let ev = rules::evaluate(&prof, target.ruleset(), today, &thresholds);
    Ok((prof, ev))
}

/// The status words of an application in `lang` (a national approval reads "recommended").
pub fn status_words(lang: Lang, target: Target, status: Status) -> String {
    if target.is_national() && status == Status::Approved {
        i18n::text(lang, "application.status_national.approved")
    } else {
        i18n::text(lang, &format!("application.status.{}", status.id()))
    }
}

/// The path of an application's page, for links in mails.
pub fn application_link(id: i64) -> String {
    format!("/applications/{id}")
}

fn queue_status_mail(
    conn: &mut DbConn,
    firm: &Firm,
    app: &Application,
    target: Target,
    to: Status,
    comment: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let t = format!("application.target.{}", target.id());
    let params = json!({
        "firm": firm.name,
        "uscc": firm.uscc,
        "target_zh": i18n::text(Lang::ZhCn, &t),
        "target_en": i18n::text(Lang::En, &t),
        "status": to.id(),
        "status_zh": status_words(Lang::ZhCn, target, to),
        "status_en": status_words(Lang::En, target, to),
        "comment": comment,
    });
    let mut n = 0;
    for user in notices::firm_recipients(conn, firm)? {
        let req = MailRequest {
            kind: MailKind::Application,
            to_user: user,
            dedup_key: format!("application:{}:v{}:user{user}", app.id, app.version),
            template: "application_status",
            params: params.clone(),
            link: application_link(app.id),
        };
        if notices::stored(mail::queue(conn, &req, now)?) {
            n += 1;
        }
    }
    Ok(n)
}
