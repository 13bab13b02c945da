//! Fire a stage event at a firm: check, apply, and record it all in one transaction.
//!
//! What firing reads is read once: the thresholds ([`FireContext`]) and the firm's rows
//! ([`FirmRecord`]), for one firm or for a list's firms together. The firm row is then
//! written once (stage, version and derived columns, which follow from the rows in hand as
//! the event leaves them) and handed back by the same statement.

use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::derived::derive;
use crate::app::mail::{notices, Recipients};
use crate::app::principal::Principal;
use crate::core::rules::Thresholds;
use crate::core::stage::{self, hte_valid_until, Context, Event, Stage};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::credentials::{
    self, Credential, CredentialKind, CredentialStatus, NewCredential,
};
use crate::store::events::{self, NewStageEvent};
use crate::store::firms::{self, Firm};
use crate::store::ip::{self, IpCount};
use crate::store::years::{self, FirmYearRow};
use crate::store::{self, assignments, profile, settings, DbConn};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use std::collections::HashMap;

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
    let record = FirmRecord::load(conn, firm_id)?;
    let ctx = FireContext::load(conn)?;
    decide(&ctx, &record, expected_version, event, principal, as_of).map(|_| ())
}

/// What firing events reads that is the same for every firm: read once for one event, or
/// once for a whole list of them in one transaction (the thresholds; the stage-change mails'
/// recipients as they are first needed).
#[derive(Debug)]
pub struct FireContext {
    thresholds: Thresholds,
    /// The recipients of the stage-change mails, read as they are first needed.
    mail: Recipients,
}

impl FireContext {
    /// Read the local rule thresholds in force (no recipient is read yet).
    pub fn load(conn: &mut DbConn) -> Result<FireContext, AppError> {
        Ok(FireContext {
            thresholds: settings::thresholds(conn).ctx("load thresholds for fire_event")?,
            mail: Recipients::default(),
        })
    }
}

/// A firm as firing an event reads it: its row and the rows its state and profile are made
/// of, read for one firm ([`FirmRecord::load`]) or for a list's firms at once
/// ([`FirmRecord::load_many`]). Firing saves the firm only at the version read here (every
/// change of these rows bumps it), so a record someone else has changed since is refused as
/// stale, never applied.
#[derive(Debug, Clone)]
pub struct FirmRecord {
    firm: Firm,
    /// Every credential of the firm, of every kind and status.
    credentials: Vec<Credential>,
    years: Vec<FirmYearRow>,
    ip: Vec<IpCount>,
    /// The firm's last event number when read with the rest; else read when the event is
    /// recorded.
    last_seq: Option<i32>,
    /// The firm's active users when read with the rest; else read when a mail is queued.
    users: Option<Vec<i64>>,
}

impl FirmRecord {
    /// Read firm `firm_id`'s record (`NotFound` when there is none).
    pub fn load(conn: &mut DbConn, firm_id: i64) -> Result<FirmRecord, AppError> {
        let firm = firms::find_by_id(conn, firm_id).ctx("load firm for fire_event")?;
        Ok(FirmRecord {
            credentials: credentials::list_for_firm(conn, firm_id)
                .ctx("load credentials for fire_event")?,
            years: years::list_for_firm(conn, firm_id).ctx("load years for fire_event")?,
            ip: ip::counts(conn, Some(firm_id)).ctx("load IP counts for fire_event")?,
            firm,
            last_seq: None,
            users: None,
        })
    }

    /// The records of `firms` (rows already read), by firm id, with their last event numbers
    /// and users: a few queries per thousand firms, none per firm.
    pub fn load_many(
        conn: &mut DbConn,
        firms: Vec<Firm>,
    ) -> Result<HashMap<i64, FirmRecord>, AppError> {
        let ids: Vec<i64> = firms.iter().map(|f| f.id).collect();
        let mut out: HashMap<i64, FirmRecord> = firms
            .into_iter()
            .map(|firm| {
                (
                    firm.id,
                    FirmRecord {
                        firm,
                        credentials: Vec::new(),
                        years: Vec::new(),
                        ip: Vec::new(),
                        last_seq: Some(0),
                        users: Some(Vec::new()),
                    },
                )
            })
            .collect();
        for c in credentials::list_for_firms(conn, &ids).ctx("load the firms' credentials")? {
            if let Some(r) = out.get_mut(&c.firm_id) {
                r.credentials.push(c);
            }
        }
        for chunk in ids.chunks(1000) {
            for y in years::list_for_firms(conn, chunk).ctx("load the firms' years")? {
                if let Some(r) = out.get_mut(&y.firm_id) {
                    r.years.push(y);
                }
            }
            for c in ip::counts_for_firms(conn, chunk).ctx("load the firms' IP counts")? {
                if let Some(r) = out.get_mut(&c.firm_id) {
                    r.ip.push(c);
                }
            }
        }
        for (id, seq) in events::last_seqs(conn, &ids).ctx("load the firms' event numbers")? {
            if let Some(r) = out.get_mut(&id) {
                r.last_seq = Some(seq);
            }
        }
        for (id, user) in assignments::firm_users(conn, &ids).ctx("find the firms' users")? {
            if let Some(users) = out.get_mut(&id).and_then(|r| r.users.as_mut()) {
                users.push(user);
            }
        }
        Ok(out)
    }
}

/// What firing `event` would do, decided from what was read without writing: the version the
/// firm is at and the stage machine's transition (or the error [`fire_event`] answers).
fn decide(
    ctx: &FireContext,
    record: &FirmRecord,
    expected_version: Option<i64>,
    event: &Event,
    principal: &Principal,
    as_of: NaiveDate,
) -> Result<(i64, stage::Transition), AppError> {
    let firm = &record.firm;
    if !principal.can_act_on_firm(firm) {
        return Err(AppError::Forbidden);
    }
    // A caller who saw an older version is told so before anything else: its view of the
    // firm, on which it chose the event, is out of date.
    let version = expected_version.unwrap_or(firm.version);
    if version != firm.version {
        return Err(AppError::Conflict(Conflict::StaleVersion));
    }
    let state =
        profile::state_of(firm, &record.credentials).ctx("load firm state for fire_event")?;
    let prof = profile::profile_of(firm, &record.years, &record.ip, &record.credentials)
        .ctx("load profile for fire_event")?;
    let ctx = Context {
        profile: &prof,
        thresholds: &ctx.thresholds,
    };
    let actor = principal.to_actor();
    let transition = stage::apply(&state, event, &actor, as_of, &ctx)
        .map_err(|r| AppError::Conflict(Conflict::IllegalTransition(Box::new(r))))?;
    Ok((version, transition))
}

/// [`fire_event`] inside the caller's transaction: the firm and the thresholds read now.
pub(crate) fn fire_in_tx(
    conn: &mut DbConn,
    firm_id: i64,
    expected_version: Option<i64>,
    event: &Event,
    principal: &Principal,
    as_of: NaiveDate,
    opts: FireOptions,
) -> Result<FiredEvent, AppError> {
    let record = FirmRecord::load(conn, firm_id)?;
    let mut ctx = FireContext::load(conn)?;
    fire_loaded(
        conn,
        &mut ctx,
        &record,
        expected_version,
        event,
        principal,
        as_of,
        opts,
    )
}

/// [`fire_event`] inside the caller's transaction, from a context and a record already read
/// (a list's firms, read together). A record read before someone else changed the firm is a
/// `Conflict(StaleVersion)`, with nothing written.
#[allow(clippy::too_many_arguments)]
pub fn fire_loaded(
    conn: &mut DbConn,
    ctx: &mut FireContext,
    record: &FirmRecord,
    expected_version: Option<i64>,
    event: &Event,
    principal: &Principal,
    as_of: NaiveDate,
    opts: FireOptions,
) -> Result<FiredEvent, AppError> {
    let (version, transition) = decide(ctx, record, expected_version, event, principal, as_of)?;
    let firm_id = record.firm.id;

    let now = Utc::now().naive_utc();
    let changes = credential_changes(firm_id, event, as_of, now);
    // The derived columns follow from the rows in hand as the event leaves them, so the firm
    // row is written once.
    let after = changes.applied_to(&record.credentials);
    let profile_after = profile::profile_of(&record.firm, &record.years, &record.ip, &after)
        .ctx("load profile to recompute")?;
    let derived = derive(transition.to, &profile_after, &ctx.thresholds, as_of, now);
    let firm = firms::update_stage(conn, firm_id, version, transition.to, &derived, now)
        .ctx("save firm stage")?;

    changes.write(conn, firm_id, &record.credentials)?;

    let evaluation = transition.evaluation.as_ref().map(|e| e.to_json());
    let seq = match record.last_seq {
        Some(last) => last,
        None => events::last_seq(conn, firm_id).ctx("number the stage event")?,
    } + 1;
    let event_id = events::insert_numbered(
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
        seq,
    )
    .ctx("append stage event")?;

    let detail = serde_json::json!({
        "event": event,
        "from": transition.from.id(),
        "to": transition.to.id(),
        "seq": seq,
        "as_of": as_of.to_string(),
        "version": firm.version,
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

    // A same-stage event (a renewal) mails nobody: its recipients are not even read.
    let mails_queued = if opts.notify && transition.from != transition.to {
        let recipients = match &record.users {
            Some(users) => notices::recipients_of(&firm, users.clone()),
            None => notices::firm_recipients(conn, &firm)?,
        };
        notices::queue_stage_changed(
            conn,
            &mut ctx.mail,
            &firm,
            &recipients,
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

/// The credential rows an event changes, mirroring [`stage::effect`]'s credential changes so
/// that [`profile::load_state`] reads back exactly the replayed state: statuses moved (kind,
/// from any of these statuses, to this one), then at most one new credential.
struct CredentialChanges {
    moves: Vec<(
        CredentialKind,
        &'static [CredentialStatus],
        CredentialStatus,
    )>,
    new: Option<NewCredential>,
}

fn credential_changes(
    firm_id: i64,
    event: &Event,
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> CredentialChanges {
    use CredentialKind as K;
    use CredentialStatus as S;
    const ACTIVE: &[S] = &[S::Active];
    let mut moves = Vec::new();
    let mut new = None;
    match event {
        Event::RegisterTechSme { year, reg_no } => {
            moves.push((
                K::TechSme,
                &[S::Active, S::Lapsed, S::Expired, S::Revoked][..],
                S::Superseded,
            ));
            new = Some(NewCredential {
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
        Event::LapseTechSme => moves.push((K::TechSme, ACTIVE, S::Lapsed)),
        Event::CertifyHighTech { cert_no, issued_on }
        | Event::RenewHighTech { cert_no, issued_on } => {
            moves.push((K::Hte, ACTIVE, S::Superseded));
            new = Some(NewCredential {
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
            moves.push((K::Hte, ACTIVE, S::Expired));
            moves.push((K::Leader, ACTIVE, S::Expired));
        }
        Event::RevokeHighTech { .. } => {
            moves.push((K::Hte, ACTIVE, S::Revoked));
            moves.push((K::Leader, ACTIVE, S::Revoked));
        }
        Event::RecognizeLeader => {
            moves.push((K::Leader, ACTIVE, S::Superseded));
            new = Some(NewCredential {
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
        Event::DemoteLeader { .. } => moves.push((K::Leader, ACTIVE, S::Revoked)),
        Event::AdmitToReserve
        | Event::LeaveReserve { .. }
        | Event::Exit { .. }
        | Event::Reinstate => {}
    }
    CredentialChanges { moves, new }
}

/// Whether the move of `kind` from one of `from` applies to credential `c`.
fn moved_by(kind: CredentialKind, from: &[CredentialStatus], c: &Credential) -> bool {
    c.kind == kind.id() && from.iter().any(|s| c.status == s.id())
}

impl CredentialChanges {
    fn moves(&self, c: &Credential) -> Option<CredentialStatus> {
        self.moves
            .iter()
            .find(|(kind, from, _)| moved_by(*kind, from, c))
            .map(|(_, _, to)| *to)
    }

    /// The firm's credentials as the changes leave them. The new one's id is above every
    /// stored one, as the database will number it.
    fn applied_to(&self, before: &[Credential]) -> Vec<Credential> {
        let mut after: Vec<Credential> = before
            .iter()
            .map(|c| match self.moves(c) {
                Some(to) => Credential {
                    status: to.id().to_string(),
                    ..c.clone()
                },
                None => c.clone(),
            })
            .collect();
        if let Some(n) = &self.new {
            after.push(Credential {
                id: i64::MAX,
                firm_id: n.firm_id,
                kind: n.kind.clone(),
                number: n.number.clone(),
                issued_on: n.issued_on,
                valid_from: n.valid_from,
                valid_until: n.valid_until,
                status: n.status.clone(),
                created_at: n.created_at,
            });
        }
        after
    }

    /// Write the changes. A move that matches none of the credentials in hand (`before`, read
    /// at the version the firm was saved at) is not sent.
    fn write(
        &self,
        conn: &mut DbConn,
        firm_id: i64,
        before: &[Credential],
    ) -> Result<(), AppError> {
        for (kind, from, to) in &self.moves {
            if before.iter().any(|c| moved_by(*kind, from, c)) {
                credentials::set_status(conn, firm_id, *kind, from, *to)
                    .ctx("update credential status")?;
            }
        }
        if let Some(c) = &self.new {
            credentials::add(conn, c).ctx("insert credential")?;
        }
        Ok(())
    }
}
