//! Applications and their steps (`applications`, `application_steps`). The status machine is
//! `core::application`; this file only stores what it decided.

use super::dialect::{any_of, table_fns};
use super::schema::{application_steps, applications, counties, firms};
use super::{DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = applications, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Application {
    /// Id.
    pub id: i64,
    /// The applying firm.
    pub firm_id: i64,
    /// `core::application::Target` id.
    pub target: String,
    /// `core::application::Status` id.
    pub status: String,
    /// Started by the firm's advisor on its behalf.
    pub on_behalf: bool,
    /// The firm's note to the reviewers.
    pub note: String,
    /// Who started it.
    pub created_by: Option<i64>,
    /// When (UTC).
    pub created_at: NaiveDateTime,
    /// When it entered its current status (UTC).
    pub status_at: NaiveDateTime,
    /// When the current review step is due.
    pub due_on: Option<NaiveDate>,
    /// The last submission (UTC).
    pub submitted_at: Option<NaiveDateTime>,
    /// The rule set of the frozen evaluation.
    pub ruleset: Option<String>,
    /// The profile as submitted (DESIGN §3 JSON).
    pub frozen_profile: Option<String>,
    /// Its evaluation as submitted (DESIGN §3 JSON).
    pub frozen_evaluation: Option<String>,
    /// National targets: the recorded result (`core::application::Outcome` JSON).
    pub outcome: Option<String>,
    /// The stage event the approval or result fired.
    pub stage_event_id: Option<i64>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

/// A new application (a draft).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = applications)]
pub struct NewApplication {
    /// Firm.
    pub firm_id: i64,
    /// Target id.
    pub target: String,
    /// Status id (`draft`).
    pub status: String,
    /// Started by the advisor.
    pub on_behalf: bool,
    /// The firm's note.
    pub note: String,
    /// Who.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: NaiveDateTime,
    /// Same as `created_at`.
    pub status_at: NaiveDateTime,
    /// Same as `created_at`.
    pub updated_at: NaiveDateTime,
}

/// What a step changes on the application row.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = applications)]
pub struct ApplicationChanges {
    /// New status.
    pub status: Option<String>,
    /// When it entered it.
    pub status_at: Option<NaiveDateTime>,
    /// The new due date (`Some(None)` clears it).
    pub due_on: Option<Option<NaiveDate>>,
    /// The firm's note.
    pub note: Option<String>,
    /// A submission.
    pub submitted_at: Option<Option<NaiveDateTime>>,
    /// Its rule set.
    pub ruleset: Option<Option<String>>,
    /// Its frozen profile.
    pub frozen_profile: Option<Option<String>>,
    /// Its frozen evaluation.
    pub frozen_evaluation: Option<Option<String>>,
    /// A recorded result.
    pub outcome: Option<Option<String>>,
}

/// One step as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = application_steps, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StepRow {
    /// Id.
    pub id: i64,
    /// Application.
    pub application_id: i64,
    /// `core::application::ActionKind` id.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Who.
    pub actor_id: Option<i64>,
    /// Their role id.
    pub actor_role: String,
    /// Their comment.
    pub comment: String,
    /// The evaluation at that step (JSON), for submissions and decisions.
    pub evaluation: Option<String>,
    /// When (UTC).
    pub at: NaiveDateTime,
}

/// A new step.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = application_steps)]
pub struct NewStep {
    /// Application.
    pub application_id: i64,
    /// Action id.
    pub action: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Who.
    pub actor_id: Option<i64>,
    /// Their role id.
    pub actor_role: String,
    /// Comment.
    pub comment: String,
    /// Evaluation then.
    pub evaluation: Option<String>,
    /// When.
    pub at: NaiveDateTime,
}

table_fns! {
    /// Insert a draft and return its id. A second open application of the firm for the same
    /// target is `Duplicate("open_application")`.
    insert applications, NewApplication
}

table_fns! {
    /// The application with this id.
    find_by_id applications, Application
}

/// Append a step; returns its id.
pub fn append_step(conn: &mut DbConn, step: &NewStep) -> Result<i64, StoreError> {
    diesel::insert_into(application_steps::table)
        .values(step)
        .execute(conn)?;
    super::dialect::last_insert_id(conn)
}

/// Save `changes` if the row is still at `expected_version`; returns the new version.
/// `StaleVersion` when someone else changed it first.
pub fn update_with_version(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    changes: &ApplicationChanges,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let n = diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::version.eq(expected_version)),
    )
    .set((
        changes,
        applications::version.eq(applications::version + 1),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        return Ok(expected_version + 1);
    }
    let exists =
        diesel::select(diesel::dsl::exists(applications::table.find(id))).get_result(conn)?;
    if exists {
        Err(StoreError::StaleVersion)
    } else {
        Err(StoreError::NotFound)
    }
}

/// A firm's applications, newest first.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<Application>, StoreError> {
    Ok(applications::table
        .filter(applications::firm_id.eq(firm_id))
        .order((applications::created_at.desc(), applications::id.desc()))
        .select(Application::as_select())
        .load(conn)?)
}

/// An application's steps, oldest first.
pub fn steps(conn: &mut DbConn, application_id: i64) -> Result<Vec<StepRow>, StoreError> {
    Ok(application_steps::table
        .filter(application_steps::application_id.eq(application_id))
        .order(application_steps::id.asc())
        .select(StepRow::as_select())
        .load(conn)?)
}

/// A row of a review queue: the application and its firm's name and county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    /// The application.
    pub application: Application,
    /// Firm name.
    pub firm_name: String,
    /// Firm county code.
    pub county_code: String,
    /// The county's name, zh and en.
    pub county: (String, String),
}

/// Which firms' applications a queue holds (`None` fields: no limit).
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueFilter<'a> {
    /// Firms of these counties.
    pub counties: Option<&'a [String]>,
    /// Firms this advisor is assigned to.
    pub advisor_id: Option<i64>,
    /// This firm.
    pub firm_id: Option<i64>,
}

/// Applications in any of `statuses` of the firms `filter` admits, oldest in their status
/// first.
pub fn queue(
    conn: &mut DbConn,
    statuses: &[&str],
    filter: QueueFilter<'_>,
) -> Result<Vec<QueueRow>, StoreError> {
    let mut q = applications::table
        .inner_join(firms::table.inner_join(counties::table))
        .filter(any_of(applications::status, statuses.iter().copied()))
        .into_boxed();
    if let Some(c) = filter.counties {
        q = q.filter(any_of(firms::county_code, c.iter().map(String::as_str)));
    }
    if let Some(a) = filter.advisor_id {
        q = q.filter(firms::advisor_id.eq(a));
    }
    if let Some(f) = filter.firm_id {
        q = q.filter(applications::firm_id.eq(f));
    }
    let rows: Vec<(Application, String, String, String, String)> = q
        .order((applications::status_at.asc(), applications::id.asc()))
        .select((
            Application::as_select(),
            firms::name,
            firms::county_code,
            counties::name_zh,
            counties::name_en,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(application, firm_name, county_code, zh, en)| QueueRow {
            application,
            firm_name,
            county_code,
            county: (zh, en),
        })
        .collect())
}

/// The targets of a firm's applications still in progress.
pub fn open_targets(conn: &mut DbConn, firm_id: i64) -> Result<Vec<String>, StoreError> {
    Ok(applications::table
        .filter(applications::firm_id.eq(firm_id))
        .filter(any_of(applications::status, OPEN))
        .select(applications::target)
        .load(conn)?)
}

/// The open statuses (`core::application::Status::is_open`), for queries.
pub const OPEN: [&str; 5] = [
    "draft",
    "submitted",
    "county_review",
    "city_review",
    "returned",
];

/// Link the stage event an approval or a recorded result fired (no version change: it is part
/// of the same step).
pub fn set_stage_event(conn: &mut DbConn, id: i64, event_id: i64) -> Result<(), StoreError> {
    diesel::update(applications::table.find(id))
        .set(applications::stage_event_id.eq(Some(event_id)))
        .execute(conn)?;
    Ok(())
}
