//! Reserve-pool nominations (市县联动建设后备库): a county officer nominates several tech-SMEs of
//! the county at once, each with a note; the bureau confirms or declines each on one screen,
//! and each confirmation fires `admit_to_reserve` in its own transaction, so that one refusal
//! does not undo the others.

use crate::app::access::{self, AccessSettings};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::pool;
use crate::app::firms::stage::{fire_in_tx, FireOptions};
use crate::app::principal::Principal;
use crate::core::error::Text;
use crate::core::eval::Evaluation;
use crate::core::input;
use crate::core::rules::{self, RuleSet};
use crate::core::stage::{Event, Role, Stage};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::firms::{self, Firm};
use crate::store::nominations::{self, NewNomination, Nomination};
use crate::store::{self, events, profile, settings, DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde_json::json;

/// Why one firm of a batch cannot be nominated (the batch writes nothing then).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The firm.
    pub firm_id: i64,
    /// Why.
    pub text: Text,
}

impl Refusal {
    /// Stable snake_case code: `not_in_county`, `not_tech_sme` or `already_pending` (the last
    /// part of its catalog key).
    pub fn code(&self) -> &'static str {
        self.text.key.rsplit('.').next().unwrap_or(self.text.key)
    }
}

/// Nominate `items` (firm id, note) as county officer `p`, all or none: every firm must be a
/// tech-SME of the officer's county with no nomination waiting. Returns the new ids, or every
/// firm's refusal (nothing written). Only county officers nominate (`Forbidden`).
pub fn nominate(
    conn: &mut DbConn,
    p: &Principal,
    items: &[(i64, String)],
) -> Result<Result<Vec<i64>, Vec<Refusal>>, AppError> {
    if p.role != Role::County {
        return Err(AppError::Forbidden);
    }
    if items.is_empty() {
        return Err(AppError::bad_input(
            "firm",
            "nothing_selected",
            Text::new("nomination.error.nothing_selected"),
        ));
    }
    for (_, note) in items {
        input::block("note", note)?;
    }
    store::write_tx(conn, |c| {
        let settings = AccessSettings::load(c, p)?;
        let ids: Vec<i64> = items.iter().map(|(f, _)| *f).collect();
        let pending = nominations::pending_firms(c, &ids).ctx("find waiting nominations")?;
        let mut refusals = Vec::new();
        let mut firms_ok: Vec<(Firm, &str)> = Vec::new();
        for (firm_id, note) in items {
            let refuse = |key: &'static str| Refusal {
                firm_id: *firm_id,
                text: Text::new(key),
            };
            let firm = match firms::find_by_id(c, *firm_id) {
                Ok(f) if access::firm_access(p, &settings, &f) == access::FirmAccess::Edit => f,
                Ok(_) | Err(StoreError::NotFound) => {
                    refusals.push(refuse("nomination.error.not_in_county"));
                    continue;
                }
                Err(e) => return Err(AppError::store(e, "load a nominated firm")),
            };
            if firm.current_stage().ctx("read stage")? != Stage::TechSme {
                refusals.push(refuse("nomination.error.not_tech_sme"));
            } else if pending.contains(firm_id) {
                refusals.push(refuse("nomination.error.already_pending"));
            } else {
                firms_ok.push((firm, note.trim()));
            }
        }
        if !refusals.is_empty() {
            return Ok(Err(refusals));
        }
        let now = Utc::now().naive_utc();
        let mut out = Vec::new();
        for (firm, note) in firms_ok {
            let id = nominations::insert(
                c,
                &NewNomination {
                    firm_id: firm.id,
                    county_code: firm.county_code.clone(),
                    note: note.to_string(),
                    status: "pending".to_string(),
                    nominated_by: p.user_id,
                    nominated_at: now,
                },
            )
            .map_err(|e| match e {
                StoreError::Duplicate(_) => AppError::Conflict(Conflict::Refused {
                    code: "already_pending",
                    text: Text::new("nomination.error.already_pending"),
                }),
                e => AppError::store(e, "insert nomination"),
            })?;
            audit::record(
                c,
                &NewAuditEntry {
                    actor_id: p.user_id,
                    actor_role: p.role.id(),
                    action: "nominate_to_reserve",
                    entity: "firm",
                    entity_id: Some(firm.id),
                    detail: json!({"nomination": id, "note": note}).to_string(),
                    at: now,
                },
            )
            .ctx("write audit row for a nomination")?;
            out.push(id);
        }
        Ok(Ok(out))
    })
}

/// The bureau's decision on one nomination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Admit the firm to the reserve pool.
    Confirm,
    /// Decline, with a note the county reads.
    Decline,
}

/// One nomination's decision as it went: its id, and the decision or why it failed.
pub type Decided = (i64, Result<Decision, AppError>);

/// Decide each of `decisions` (nomination id, decision, note) on `today`, each in its own
/// transaction; returns each one's result in order. A confirmation fires `admit_to_reserve`
/// through the stage machine, whose refusal (the rules not met, the firm no longer a tech-SME)
/// leaves that nomination waiting and is returned with its reasons; a decline needs a note.
/// Only bureau staff and administrators decide (`Forbidden`).
pub fn decide(
    conn: &mut DbConn,
    p: &Principal,
    decisions: &[(i64, Decision, String)],
    today: NaiveDate,
) -> Result<Vec<Decided>, AppError> {
    if !matches!(p.role, Role::Bureau | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok(decisions
        .iter()
        .map(|(id, d, note)| (*id, decide_one(conn, p, *id, *d, note, today).map(|()| *d)))
        .collect())
}

fn decide_one(
    conn: &mut DbConn,
    p: &Principal,
    id: i64,
    decision: Decision,
    note: &str,
    today: NaiveDate,
) -> Result<(), AppError> {
    input::block("note", note)?;
    let note = note.trim();
    if decision == Decision::Decline && note.is_empty() {
        return Err(AppError::bad_input(
            "note",
            "note_required",
            Text::new("nomination.error.note_required"),
        ));
    }
    store::write_tx(conn, |c| {
        let n = nominations::find_by_id(c, id).ctx("load nomination")?;
        if n.status != "pending" {
            return Err(already_decided());
        }
        let now = Utc::now().naive_utc();
        let (status, event_id) = match decision {
            Decision::Confirm => {
                let fired = fire_in_tx(
                    c,
                    n.firm_id,
                    None,
                    &Event::AdmitToReserve,
                    p,
                    today,
                    FireOptions::default(),
                )?;
                let event_id =
                    events::id_of(c, n.firm_id, fired.seq).ctx("find the recorded event")?;
                ("confirmed", Some(event_id))
            }
            Decision::Decline => ("declined", None),
        };
        nominations::decide(c, id, status, p.user_id, note, event_id, now).map_err(
            |e| match e {
                StoreError::StaleVersion => already_decided(),
                e => AppError::store(e, "record the decision"),
            },
        )?;
        audit::record(
            c,
            &NewAuditEntry {
                actor_id: p.user_id,
                actor_role: p.role.id(),
                action: "decide_nomination",
                entity: "firm",
                entity_id: Some(n.firm_id),
                detail: json!({"nomination": id, "decision": status, "note": note}).to_string(),
                at: now,
            },
        )
        .ctx("write audit row for a nomination decision")?;
        Ok(())
    })
}

fn already_decided() -> AppError {
    AppError::Conflict(Conflict::Refused {
        code: "already_decided",
        text: Text::new("nomination.error.already_decided"),
    })
}

/// A nomination with its firm's name and, while it waits, the firm's evaluation for the
/// reserve pool now.
#[derive(Debug, Clone)]
pub struct NominationRow {
    /// The nomination.
    pub nomination: Nomination,
    /// Firm name.
    pub firm_name: String,
    /// The evaluation now (pending ones only).
    pub evaluation: Option<Evaluation>,
}

/// The nominations screen: a county officer's candidates (their county's tech-SMEs, most
/// ready first, without those already waiting) and nominations; the bureau's waiting
/// nominations with each firm's evaluation, and the latest decided ones.
#[derive(Debug, Clone)]
pub struct NominationsPage {
    /// Tech-SMEs a county officer may nominate (empty for the bureau).
    pub candidates: Vec<Firm>,
    /// Waiting nominations.
    pub pending: Vec<NominationRow>,
    /// The latest decided ones.
    pub decided: Vec<NominationRow>,
}

/// The most decided nominations the screen lists.
const DECIDED_SHOWN: i64 = 100;

/// [`NominationsPage`] for `p` (county officers, bureau, administrators; others `Forbidden`).
pub fn nominations_page(
    conn: &mut DbConn,
    p: &Principal,
    today: NaiveDate,
    _now: NaiveDateTime,
) -> Result<NominationsPage, AppError> {
    let counties: Option<Vec<String>> = match p.role {
        Role::Admin | Role::Bureau => None,
        Role::County => Some(p.county_code.clone().into_iter().collect()),
        _ => return Err(AppError::Forbidden),
    };
    let pending_rows = nominations::list(conn, &["pending"], counties.as_deref(), 10_000)
        .ctx("list waiting nominations")?;
    let decided_rows = nominations::list(
        conn,
        &["confirmed", "declined"],
        counties.as_deref(),
        DECIDED_SHOWN,
    )
    .ctx("list decided nominations")?;
    let thresholds = settings::thresholds(conn).ctx("load thresholds")?;
    let mut pending = Vec::with_capacity(pending_rows.len());
    for (nomination, firm_name) in pending_rows {
        let prof = profile::load_profile(conn, nomination.firm_id).ctx("load profile")?;
        let evaluation = rules::evaluate(&prof, RuleSet::ReserveLocal, today, &thresholds).ok();
        pending.push(NominationRow {
            nomination,
            firm_name,
            evaluation,
        });
    }
    let decided = decided_rows
        .into_iter()
        .map(|(nomination, firm_name)| NominationRow {
            nomination,
            firm_name,
            evaluation: None,
        })
        .collect();
    let candidates = if p.role == Role::County {
        let waiting: Vec<i64> = pending.iter().map(|r| r.nomination.firm_id).collect();
        pool::tech_sme_candidates(conn, p)?
            .into_iter()
            .filter(|f| !waiting.contains(&f.id))
            .collect()
    } else {
        Vec::new()
    };
    Ok(NominationsPage {
        candidates,
        pending,
        decided,
    })
}
