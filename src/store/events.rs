//! The stage history: one row per accepted event, numbered per firm.

use super::dialect::any_of;
use super::firms::parse_stage;
use super::schema::stage_events;
use super::{DbConn, StoreError};
use crate::core::stage::{self, Event, FirmState, Stage};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::max;
use diesel::prelude::*;

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = stage_events, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StageEventRow {
    /// Id.
    pub id: i64,
    /// Firm.
    pub firm_id: i64,
    /// 1, 2, 3… per firm.
    pub seq: i32,
    /// Stage before.
    pub from_stage: String,
    /// Stage after.
    pub to_stage: String,
    /// Event kind id.
    pub event: String,
    /// The event with its data, as JSON.
    pub data: String,
    /// Rule set of the evaluation snapshot, if any.
    pub ruleset: Option<String>,
    /// Evaluation snapshot JSON, if the guard ran one.
    pub evaluation: Option<String>,
    /// Acting user; `None` for the system.
    pub actor_id: Option<i64>,
    /// Acting role id.
    pub actor_role: String,
    /// Reason given with the event.
    pub reason: Option<String>,
    /// The date the event took effect.
    pub as_of: NaiveDate,
    /// When it was recorded (UTC).
    pub occurred_at: NaiveDateTime,
}

impl StageEventRow {
    /// The event, read back from `data`.
    pub fn parsed_event(&self) -> Result<Event, StoreError> {
        serde_json::from_str(&self.data).map_err(|e| {
            StoreError::corrupt(format!(
                "stage_events #{} data is not a valid event: {e}",
                self.id
            ))
        })
    }

    /// The stage after the event, parsed.
    pub fn parsed_to_stage(&self) -> Result<Stage, StoreError> {
        parse_stage(&self.to_stage)
    }
}

/// An event to record; `seq` is assigned by [`append`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStageEvent {
    /// Firm.
    pub firm_id: i64,
    /// Stage before.
    pub from_stage: Stage,
    /// Stage after.
    pub to_stage: Stage,
    /// The event.
    pub event: Event,
    /// Rule set of the evaluation snapshot.
    pub ruleset: Option<String>,
    /// Evaluation snapshot JSON.
    pub evaluation: Option<String>,
    /// Acting user.
    pub actor_id: Option<i64>,
    /// Acting role id.
    pub actor_role: String,
    /// Reason given.
    pub reason: Option<String>,
    /// Date the event took effect.
    pub as_of: NaiveDate,
    /// When recorded (UTC).
    pub occurred_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = stage_events)]
struct EventInsert<'a> {
    firm_id: i64,
    seq: i32,
    from_stage: &'a str,
    to_stage: &'a str,
    event: &'a str,
    data: String,
    ruleset: Option<&'a str>,
    evaluation: Option<&'a str>,
    actor_id: Option<i64>,
    actor_role: &'a str,
    reason: Option<&'a str>,
    as_of: NaiveDate,
    occurred_at: NaiveDateTime,
}

/// Record an event with the firm's next sequence number and return that number. Call it after
/// the firm's version-checked UPDATE in the same transaction: the row lock that UPDATE takes
/// keeps two writers from picking the same number.
pub fn append(conn: &mut DbConn, new: &NewStageEvent) -> Result<i32, StoreError> {
    let seq = last_seq(conn, new.firm_id)? + 1;
    insert_numbered(conn, new, seq)?;
    Ok(seq)
}

/// The highest sequence number of a firm's events (0 when it has none).
pub fn last_seq(conn: &mut DbConn, firm_id: i64) -> Result<i32, StoreError> {
    // An aggregate is one row: `get_result`, without `first`'s `LIMIT ?` (see the `store`
    // module).
    let last: Option<i32> = stage_events::table
        .filter(stage_events::firm_id.eq(firm_id))
        .select(max(stage_events::seq))
        .get_result(conn)?;
    Ok(last.unwrap_or(0))
}

/// [`last_seq`] of each of the firms `ids`, in one grouped query per 1,000 firms; a firm
/// without events is left out (its last number is 0).
pub fn last_seqs(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, i32>, StoreError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows: Vec<(i64, Option<i32>)> = stage_events::table
            .filter(stage_events::firm_id.eq_any(chunk))
            .group_by(stage_events::firm_id)
            .select((stage_events::firm_id, max(stage_events::seq)))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(id, s)| s.map(|s| (id, s))));
    }
    Ok(out)
}

/// Record an event as the firm's number `seq` (the one after [`last_seq`], read under the
/// firm's row lock as [`append`] says) and return the row's id, in one statement.
pub fn insert_numbered(
    conn: &mut DbConn,
    new: &NewStageEvent,
    seq: i32,
) -> Result<i64, StoreError> {
    let data = serde_json::to_string(&new.event)
        .map_err(|e| StoreError::corrupt(format!("cannot serialise the event: {e}")))?;
    let row = EventInsert {
        firm_id: new.firm_id,
        seq,
        from_stage: new.from_stage.id(),
        to_stage: new.to_stage.id(),
        event: new.event.kind().id(),
        data,
        ruleset: new.ruleset.as_deref(),
        evaluation: new.evaluation.as_deref(),
        actor_id: new.actor_id,
        actor_role: &new.actor_role,
        reason: new.reason.as_deref(),
        as_of: new.as_of,
        occurred_at: new.occurred_at,
    };
    let id = super::dialect::each_backend!(conn, c => diesel::insert_into(stage_events::table)
        .values(&row)
        .returning(stage_events::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

/// A firm's events in order.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<StageEventRow>, StoreError> {
    Ok(stage_events::table
        .filter(stage_events::firm_id.eq(firm_id))
        .order(stage_events::seq.asc())
        .select(StageEventRow::as_select())
        .load(conn)?)
}

/// How many events a firm has.
pub fn count_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<i64, StoreError> {
    Ok(stage_events::table
        .filter(stage_events::firm_id.eq(firm_id))
        .count()
        .get_result(conn)?)
}

/// The state the firm's recorded events replay to (DESIGN §2: it must equal the stored one).
pub fn replay_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<FirmState, StoreError> {
    let rows = list_for_firm(conn, firm_id)?;
    let mut parsed = Vec::with_capacity(rows.len());
    for r in &rows {
        parsed.push((r.parsed_event()?, r.as_of));
    }
    Ok(stage::replay(parsed.iter().map(|(e, d)| (e, *d))))
}

/// The date of a firm's latest recorded event, if it has any.
pub fn last_as_of(conn: &mut DbConn, firm_id: i64) -> Result<Option<NaiveDate>, StoreError> {
    Ok(stage_events::table
        .filter(stage_events::firm_id.eq(firm_id))
        .select(max(stage_events::as_of))
        .first(conn)?)
}

/// When each of `firms` (id, current stage id) last entered its current stage: the date
/// (`as_of`) of its latest event that moved it into that stage from another (a renewal
/// within the stage does not count). A firm with no such event (entered before its history
/// was recorded) is left out. One grouped query.
pub fn entered_stage_on(
    conn: &mut DbConn,
    firms: &[(i64, &str)],
) -> Result<std::collections::HashMap<i64, NaiveDate>, StoreError> {
    if firms.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let ids: Vec<i64> = firms.iter().map(|(id, _)| *id).collect();
    let rows: Vec<(i64, String, Option<NaiveDate>)> = stage_events::table
        .filter(any_of(stage_events::firm_id, ids))
        .filter(stage_events::from_stage.ne(stage_events::to_stage))
        .group_by((stage_events::firm_id, stage_events::to_stage))
        .select((
            stage_events::firm_id,
            stage_events::to_stage,
            max(stage_events::as_of),
        ))
        .load(conn)?;
    let current: std::collections::HashMap<i64, &str> = firms.iter().copied().collect();
    Ok(rows
        .into_iter()
        .filter(|(id, to, _)| current.get(id) == Some(&to.as_str()))
        .filter_map(|(id, _, on)| on.map(|d| (id, d)))
        .collect())
}

/// The id of a firm's event number `seq`.
pub fn id_of(conn: &mut DbConn, firm_id: i64, seq: i32) -> Result<i64, StoreError> {
    Ok(stage_events::table
        .filter(stage_events::firm_id.eq(firm_id))
        .filter(stage_events::seq.eq(seq))
        .select(stage_events::id)
        .first(conn)?)
}
