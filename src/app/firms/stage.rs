//! Fire a stage event at a firm: check, apply, and record it all in one transaction.

use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::derived::recompute_in_tx;
use crate::app::mail::notices;
use crate::app::principal::Principal;
use crate::core::stage::{self, hte_valid_until, Context, Event, Stage};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::credentials::{self, CredentialKind, CredentialStatus, NewCredential};
use crate::store::events::{self, NewStageEvent};
use crate::store::firms::{self, Firm, FirmChanges};
use crate::store::{self, profile, settings, DbConn};
use chrono::{NaiveDate, NaiveDateTime, Utc};

/// What an accepted event did.
#[derive(Debug, Clone)]
pub struct FiredEvent {
    /// The firm after the event (new stage, version and derived columns).
    pub firm: Firm,
    /// The event's sequence number in the firm's history.
    pub seq: i32,
    /// Stage before.
    pub from: Stage,
    /// Stage after.
    pub to: Stage,
    /// The evaluation the guard ran, as recorded (DESIGN §3 JSON).
    pub evaluation: Option<serde_json::Value>,
    /// Stage-change mails queued with the event (to the firm's users and advisor).
    pub mails_queued: usize,
}

/// How to fire an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FireOptions {
    /// Queue the stage-change mail (off only for recorded history, such as the demo's).
    pub notify: bool,
}

impl Default for FireOptions {
    fn default() -> Self {
        FireOptions { notify: true }
    }
}

/// Fire `event` at firm `firm_id` on `as_of` as `principal`.
///
/// `expected_version` is the version the caller saw (`None`: the one loaded now). In one
/// transaction: load the firm, its profile, state and thresholds; check territory and version;
/// apply the stage machine; then save the stage with the version check, update credentials,
/// append the `stage_events` row with the evaluation snapshot, write the audit row and
/// recompute the derived columns; when the stage changed, queue the stage-change mail to the
/// firm's users and advisor (`app::mail::notices`). Errors: `NotFound`, `Forbidden`,
/// `Conflict(StaleVersion)`, `Conflict(IllegalTransition)` with every reason; nothing is
/// written (and no mail queued) on any error.
pub fn fire_event(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: Option<i64>,
    event: Event,
    principal: &Principal,
    as_of: NaiveDate,
) -> Result<FiredEvent, AppError> {
    fire_event_with(
        conn,
        firm_id,
        expected_version,
        event,
        principal,
        as_of,
        FireOptions::default(),
    )
}

/// [`fire_event`] with options.
pub fn fire_event_with(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: Option<i64>,
    event: Event,
    principal: &Principal,
    as_of: NaiveDate,
    opts: FireOptions,
) -> Result<FiredEvent, AppError> {
    store::write_tx(conn, |c| {
        fire_in_tx(c, firm_id, expected_version, &event, principal, as_of, opts)
    })
}

/// Check `event` at firm `firm_id` on `as_of` as `principal` exactly as [`fire_event`] would,
/// and write nothing: a form shows every reason before anything is fired (a dry run).
/// The same errors as [`fire_event`]; `Ok` when firing now would be accepted.
pub fn check_event(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: Option<i64>,
    event: &Event,
    principal: &Principal,
    as_of: NaiveDate,
) -> Result<(), AppError> {
    decide(conn, firm_id, expected_version, event, principal, as_of).map(|_| ())
}

/// What firing `event` would do, read and decided without writing: the firm, the version it
/// is at and the stage machine's transition (or the error [`fire_event`] answers).
fn decide(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: Option<i64>,
    event: &Event,
    principal: &Principal,
    as_of: NaiveDate,
) -> Result<(i64, stage::Transition), AppError> {
    let firm = firms::find_by_id(conn, firm_id).ctx("load firm for fire_event")?;
    if !principal.can_act_on_firm(&firm) {
        return Err(AppError::Forbidden);
    }
    // A caller who saw an older version is told so before anything else: its view of the
    // firm, on which it chose the event, is out of date.
    let version = expected_version.unwrap_or(firm.version);
    if version != firm.version {
        return Err(AppError::Conflict(Conflict::StaleVersion));
    }
    let state = profile::load_state(conn, &firm).ctx("load firm state for fire_event")?;
    let prof = profile::load_profile(conn, firm_id).ctx("load profile for fire_event")?;
    let thresholds = settings::thresholds(conn).ctx("load thresholds for fire_event")?;
    let ctx = Context {
        profile: &prof,
        thresholds: &thresholds,
    };
    let actor = principal.to_actor();
    let transition = stage::apply(&state, event, &actor, as_of, &ctx)
        .map_err(|r| AppError::Conflict(Conflict::IllegalTransition(Box::new(r))))?;
    Ok((version, transition))
}

pub(crate) fn fire_in_tx(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: Option<i64>,
    event: &Event,
    principal: &Principal,
    as_of: NaiveDate,
    opts: FireOptions,
) -> Result<FiredEvent, AppError> {
    let (version, transition) = decide(conn, firm_id, expected_version, event, principal, as_of)?;

    let now = Utc::now().naive_utc();
    let changes = FirmChanges {
        stage: Some(transition.to.id().to_string()),
        ..FirmChanges::default()
    };
    let new_version =
        firms::update_with_version(conn, firm_id, version, &changes, now).ctx("save firm stage")?;

    record_credentials(conn, firm_id, event, as_of, now)?;

    let evaluation = transition.evaluation.as_ref().map(|e| e.to_json());
    let seq = events::append(
        conn,
        &NewStageEvent {
            firm_id,
            from_stage: transition.from,
            to_stage: transition.to,
            event: event.clone(),
            ruleset: transition
                .evaluation
                .as_ref()
                .map(|e| e.ruleset.id().to_string()),
            evaluation: evaluation.as_ref().map(|v| v.to_string()),
            actor_id: principal.user_id,
            actor_role: principal.role.id().to_string(),
            reason: event.reason().map(str::to_string),
            as_of,
            occurred_at: now,
        },
    )
    .ctx("append stage event")?;

    let detail = serde_json::json!({
        "event": event,
        "from": transition.from.id(),
        "to": transition.to.id(),
        "seq": seq,
        "as_of": as_of.to_string(),
        "version": new_version,
    });
    audit::record(
        conn,
        &NewAuditEntry {
            actor_id: principal.user_id,
            actor_role: principal.role.id(),
            action: "fire_event",
            entity: "firm",
            entity_id: Some(firm_id),
            detail: detail.to_string(),
            at: now,
        },
    )
    .ctx("write audit row for fire_event")?;

    recompute_in_tx(conn, firm_id, as_of)?;
    let firm = firms::find_by_id(conn, firm_id).ctx("reload firm after fire_event")?;
    let mails_queued = if opts.notify {
        let event_id = events::id_of(conn, firm_id, seq).ctx("find the recorded event")?;
        notices::queue_stage_changed(
            conn,
            &firm,
            &notices::StageChange {
                event_id,
                event,
                from: transition.from,
                to: transition.to,
                as_of,
            },
            now,
        )?
    } else {
        0
    };
    Ok(FiredEvent {
        firm,
        seq,
        from: transition.from,
        to: transition.to,
        evaluation,
        mails_queued,
    })
}

/// The credential rows that mirror [`stage::effect`]'s credential changes, so that
/// [`profile::load_state`] reads back exactly the replayed state.
fn record_credentials(
    conn: &mut DbConn,
    firm_id: i64,
    event: &Event,
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    use CredentialKind as K;
    use CredentialStatus as S;
    let mut set = |kind: K, from: &[S], to: S| -> Result<(), AppError> {
        credentials::set_status(conn, firm_id, kind, from, to).ctx("update credential status")?;
        Ok(())
    };
    let mut new_cred: Option<NewCredential> = None;
    match event {
        Event::RegisterTechSme { year, reg_no } => {
            set(
                K::TechSme,
                &[S::Active, S::Lapsed, S::Expired, S::Revoked],
                S::Superseded,
            )?;
            new_cred = Some(NewCredential {
                firm_id,
                kind: K::TechSme.id().to_string(),
                number: Some(reg_no.trim().to_string()),
                issued_on: None,
                valid_from: NaiveDate::from_ymd_opt(*year, 1, 1).unwrap_or(as_of),
                // A registration holds for its year and until the end of March of the next.
                valid_until: NaiveDate::from_ymd_opt(*year + 1, 4, 1),
                status: S::Active.id().to_string(),
                created_at: now,
            });
        }
        Event::LapseTechSme => set(K::TechSme, &[S::Active], S::Lapsed)?,
        Event::CertifyHighTech { cert_no, issued_on }
        | Event::RenewHighTech { cert_no, issued_on } => {
            set(K::Hte, &[S::Active], S::Superseded)?;
            new_cred = Some(NewCredential {
                firm_id,
                kind: K::Hte.id().to_string(),
                number: Some(cert_no.clone()),
                issued_on: Some(*issued_on),
                valid_from: *issued_on,
                valid_until: Some(hte_valid_until(*issued_on)),
                status: S::Active.id().to_string(),
                created_at: now,
            });
        }
        Event::ExpireHighTech => {
            set(K::Hte, &[S::Active], S::Expired)?;
            set(K::Leader, &[S::Active], S::Expired)?;
        }
        Event::RevokeHighTech { .. } => {
            set(K::Hte, &[S::Active], S::Revoked)?;
            set(K::Leader, &[S::Active], S::Revoked)?;
        }
        Event::RecognizeLeader => {
            set(K::Leader, &[S::Active], S::Superseded)?;
            new_cred = Some(NewCredential {
                firm_id,
                kind: K::Leader.id().to_string(),
                number: None,
                issued_on: Some(as_of),
                valid_from: as_of,
                valid_until: None,
                status: S::Active.id().to_string(),
                created_at: now,
            });
        }
        Event::DemoteLeader { .. } => set(K::Leader, &[S::Active], S::Revoked)?,
        Event::AdmitToReserve
        | Event::LeaveReserve { .. }
        | Event::Exit { .. }
        | Event::Reinstate => {}
    }
    if let Some(c) = new_cred {
        credentials::insert(conn, &c).ctx("insert credential")?;
    }
    Ok(())
}
