//! Follow-ups: visits, calls, online meetings and trainings with a firm. A row is evidence:
//! its author may edit it within 24 hours; afterwards a correction is appended as a new row
//! whose `corrects_id` names the original (never another correction). The *effective* row of
//! such a chain is its newest row; [`effective`] selects those, and every count, agenda and
//! digest reads only them.
//!
//! The firm's `last_contact_on` and `next_contact_on` follow from its effective follow-ups
//! ([`refresh_firm_contact`], called in the same transaction as every write here): the date of
//! the latest one, and that one's due date (`NULL`: no contact planned).

use super::dialect::table_fns;
use super::schema::{firms, followups};
use super::{DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::Connection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

type Db = <DbConn as Connection>::Backend;

/// The kinds of follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FollowupKind {
    /// 走访: a visit.
    Visit,
    /// 电话: a call.
    Call,
    /// 线上: an online meeting.
    Online,
    /// 培训: a training.
    Training,
}

impl FollowupKind {
    /// Every kind, in form order.
    pub const ALL: [FollowupKind; 4] = [
        FollowupKind::Visit,
        FollowupKind::Call,
        FollowupKind::Online,
        FollowupKind::Training,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            FollowupKind::Visit => "visit",
            FollowupKind::Call => "call",
            FollowupKind::Online => "online",
            FollowupKind::Training => "training",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<FollowupKind> {
        FollowupKind::ALL.into_iter().find(|k| k.id() == s.trim())
    }
}

/// A follow-up as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = followups, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Followup {
    /// Id.
    pub id: i64,
    /// The firm.
    pub firm_id: i64,
    /// The firm's advisor when it was logged (`None` for a firm without one).
    pub advisor_id: Option<i64>,
    /// When the contact happened.
    pub happened_on: NaiveDate,
    /// Kind id, see [`FollowupKind`].
    pub kind: String,
    /// Who took part (free text).
    pub attendees: String,
    /// What was discussed.
    pub summary: String,
    /// The agreed next action.
    pub next_action: String,
    /// When the next action is due (the next planned contact).
    pub due_on: Option<NaiveDate>,
    /// The author (a user id).
    pub created_by: i64,
    /// Recorded (UTC); the 24-hour edit window counts from here.
    pub created_at: NaiveDateTime,
    /// For a correction: the original it corrects.
    pub corrects_id: Option<i64>,
    /// Last edited (UTC).
    pub updated_at: NaiveDateTime,
}

impl Followup {
    /// The original of this row's chain: itself, or the row it corrects.
    pub fn root_id(&self) -> i64 {
        self.corrects_id.unwrap_or(self.id)
    }
}

/// A follow-up to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = followups)]
pub struct NewFollowup {
    /// The firm.
    pub firm_id: i64,
    /// The firm's advisor.
    pub advisor_id: Option<i64>,
    /// When.
    pub happened_on: NaiveDate,
    /// Kind id.
    pub kind: String,
    /// Who took part.
    pub attendees: String,
    /// Summary.
    pub summary: String,
    /// Next action.
    pub next_action: String,
    /// Due date of the next action.
    pub due_on: Option<NaiveDate>,
    /// Author.
    pub created_by: i64,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
    /// The original this corrects.
    pub corrects_id: Option<i64>,
    /// Last edited (UTC).
    pub updated_at: NaiveDateTime,
}

/// The content an edit replaces.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = followups, treat_none_as_null = true)]
pub struct FollowupContent {
    /// When.
    pub happened_on: NaiveDate,
    /// Kind id.
    pub kind: String,
    /// Who took part.
    pub attendees: String,
    /// Summary.
    pub summary: String,
    /// Next action.
    pub next_action: String,
    /// Due date.
    pub due_on: Option<NaiveDate>,
}

/// The `WHERE` that keeps only effective rows: no newer row corrects the same original.
pub fn effective() -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(
        "NOT EXISTS (SELECT 1 FROM followups c \
         WHERE c.corrects_id = COALESCE(followups.corrects_id, followups.id) \
         AND c.id > followups.id)",
    )
}

table_fns! {
    /// Insert a follow-up; returns its id.
    insert followups, NewFollowup
}

table_fns! {
    /// Insert many follow-ups (the demo); returns how many.
    insert_many followups, NewFollowup, chunk 400
}

table_fns! {
    /// The follow-up with this id.
    find_by_id followups, Followup
}

/// Replace a follow-up's content (the edit within the window).
pub fn update_content(
    conn: &mut DbConn,
    id: i64,
    content: &FollowupContent,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let n = diesel::update(followups::table.find(id))
        .set((content, followups::updated_at.eq(now)))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Every row of a firm (originals and corrections), newest contact first.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<Followup>, StoreError> {
    Ok(followups::table
        .filter(followups::firm_id.eq(firm_id))
        .order((followups::happened_on.desc(), followups::id.desc()))
        .select(Followup::as_select())
        .load(conn)?)
}

/// Recompute the firm's `last_contact_on` and `next_contact_on` from its effective
/// follow-ups: the latest one (by date, then by id) gives both. Does not bump the firm's
/// version: the columns follow from the follow-ups, they are not an edit of the firm.
pub fn refresh_firm_contact(conn: &mut DbConn, firm_id: i64) -> Result<(), StoreError> {
    let latest: Option<(NaiveDate, Option<NaiveDate>)> = followups::table
        .filter(followups::firm_id.eq(firm_id))
        .filter(effective())
        .order((followups::happened_on.desc(), followups::id.desc()))
        .select((followups::happened_on, followups::due_on))
        .first(conn)
        .optional()?;
    let (last, next) = match latest {
        Some((h, d)) => (Some(h), d),
        None => (None, None),
    };
    diesel::update(firms::table.find(firm_id))
        .set((
            firms::last_contact_on.eq(last),
            firms::next_contact_on.eq(next),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which follow-ups an export or list covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowupFilter {
    /// Only those logged for this advisor.
    pub advisor_id: Option<i64>,
    /// Only firms of this county.
    pub county_code: Option<String>,
    /// Happened on or after.
    pub from: Option<NaiveDate>,
    /// Happened on or before.
    pub to: Option<NaiveDate>,
}

/// A follow-up with its firm's name and code, for exports and lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupWithFirm {
    /// The row.
    pub followup: Followup,
    /// Firm name.
    pub firm_name: String,
    /// Firm USCC.
    pub firm_uscc: String,
    /// Firm county code.
    pub county_code: String,
}

fn filtered<'a>(f: &FollowupFilter) -> followups::BoxedQuery<'a, Db> {
    let mut q = followups::table.into_boxed();
    if let Some(a) = f.advisor_id {
        q = q.filter(followups::advisor_id.eq(a));
    }
    if let Some(d) = f.from {
        q = q.filter(followups::happened_on.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(followups::happened_on.le(d));
    }
    if let Some(c) = &f.county_code {
        q = q.filter(
            followups::firm_id.eq_any(
                firms::table
                    .filter(firms::county_code.eq(c.clone()))
                    .select(firms::id),
            ),
        );
    }
    q
}

/// Every row matching `f` (corrections included, so an export is the full record), oldest
/// first, with its firm; at most `limit`.
pub fn list_with_firms(
    conn: &mut DbConn,
    f: &FollowupFilter,
    limit: i64,
) -> Result<Vec<FollowupWithFirm>, StoreError> {
    let rows: Vec<Followup> = filtered(f)
        .order((followups::happened_on.asc(), followups::id.asc()))
        .limit(limit)
        .select(Followup::as_select())
        .load(conn)?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.firm_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for (id, name, uscc, county) in firms::table
            .filter(firms::id.eq_any(chunk))
            .select((firms::id, firms::name, firms::uscc, firms::county_code))
            .load::<(i64, String, String, String)>(conn)?
        {
            names.insert(id, (name, uscc, county));
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (firm_name, firm_uscc, county_code) =
                names.get(&r.firm_id).cloned().unwrap_or_default();
            FollowupWithFirm {
                followup: r,
                firm_name,
                firm_uscc,
                county_code,
            }
        })
        .collect())
}

/// A firm whose planned contact is due, for the agenda and the daily digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueContact {
    /// The firm's advisor.
    pub advisor_id: i64,
    /// The firm.
    pub firm_id: i64,
    /// Firm name.
    pub firm_name: String,
    /// The planned contact (`firms.next_contact_on`).
    pub due_on: NaiveDate,
    /// The effective follow-up that planned it, and its agreed next action.
    pub followup_id: Option<i64>,
    /// The agreed next action.
    pub next_action: String,
}

/// Firms with an advisor whose next planned contact is on or before `up_to` (overdue ones
/// included), by advisor, then due date: what the daily digest lists. Only active firms
/// (not exited).
pub fn due_contacts(conn: &mut DbConn, up_to: NaiveDate) -> Result<Vec<DueContact>, StoreError> {
    let firms_due: Vec<(i64, i64, String, NaiveDate)> = firms::table
        .filter(firms::next_contact_on.le(up_to))
        .filter(firms::advisor_id.is_not_null())
        .filter(firms::stage.ne("exited"))
        .order((
            firms::advisor_id.asc(),
            firms::next_contact_on.asc(),
            firms::id.asc(),
        ))
        .select((
            firms::advisor_id.assume_not_null(),
            firms::id,
            firms::name,
            firms::next_contact_on.assume_not_null(),
        ))
        .load(conn)?;
    let ids: Vec<i64> = firms_due.iter().map(|r| r.1).collect();
    let mut latest: std::collections::HashMap<i64, (i64, String)> =
        std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64, String)> = followups::table
            .filter(followups::firm_id.eq_any(chunk))
            .filter(effective())
            .order((
                followups::firm_id.asc(),
                followups::happened_on.desc(),
                followups::id.desc(),
            ))
            .select((followups::firm_id, followups::id, followups::next_action))
            .load(conn)?;
        for (firm, id, action) in rows {
            latest.entry(firm).or_insert((id, action));
        }
    }
    Ok(firms_due
        .into_iter()
        .map(|(advisor_id, firm_id, firm_name, due_on)| {
            let (followup_id, next_action) = match latest.get(&firm_id) {
                Some((id, a)) => (Some(*id), a.clone()),
                None => (None, String::new()),
            };
            DueContact {
                advisor_id,
                firm_id,
                firm_name,
                due_on,
                followup_id,
                next_action,
            }
        })
        .collect())
}

/// The agreed next action of each firm's latest effective follow-up (firms without one are
/// left out).
pub fn latest_actions(
    conn: &mut DbConn,
    firm_ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for chunk in firm_ids.chunks(500) {
        let rows: Vec<(i64, String)> = followups::table
            .filter(followups::firm_id.eq_any(chunk))
            .filter(effective())
            .order((
                followups::firm_id.asc(),
                followups::happened_on.desc(),
                followups::id.desc(),
            ))
            .select((followups::firm_id, followups::next_action))
            .load(conn)?;
        for (firm, action) in rows {
            out.entry(firm).or_insert(action);
        }
    }
    Ok(out)
}
