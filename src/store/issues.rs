//! The issue ledger (诉求台账): a firm's difficulties, who owns each, its status and
//! resolution, under an optimistic lock (`version`).

use super::dialect::{any_of, table_fns};
use super::schema::{firm_issues, firms};
use super::{DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::Connection;
use diesel::prelude::*;

type Db = <DbConn as Connection>::Backend;

/// What an issue is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueCategory {
    /// 融资: finance.
    Finance,
    /// 人才: talent.
    Talent,
    /// 知识产权: IP.
    Ip,
    /// 用地: land.
    Land,
    /// 资质认定: certification.
    Certification,
    /// 其他: other.
    Other,
}

impl IssueCategory {
    /// Every category, in form order.
    pub const ALL: [IssueCategory; 6] = [
        IssueCategory::Finance,
        IssueCategory::Talent,
        IssueCategory::Ip,
        IssueCategory::Land,
        IssueCategory::Certification,
        IssueCategory::Other,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            IssueCategory::Finance => "finance",
            IssueCategory::Talent => "talent",
            IssueCategory::Ip => "ip",
            IssueCategory::Land => "land",
            IssueCategory::Certification => "certification",
            IssueCategory::Other => "other",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<IssueCategory> {
        IssueCategory::ALL.into_iter().find(|k| k.id() == s.trim())
    }
}

/// Where an issue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueStatus {
    /// Raised, nobody working on it yet.
    Open,
    /// Being worked on.
    InProgress,
    /// Solved, with a resolution.
    Resolved,
    /// Closed without being solved (withdrawn, out of scope), with a resolution saying why.
    Closed,
}

impl IssueStatus {
    /// Every status, in order.
    pub const ALL: [IssueStatus; 4] = [
        IssueStatus::Open,
        IssueStatus::InProgress,
        IssueStatus::Resolved,
        IssueStatus::Closed,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            IssueStatus::Open => "open",
            IssueStatus::InProgress => "in_progress",
            IssueStatus::Resolved => "resolved",
            IssueStatus::Closed => "closed",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<IssueStatus> {
        IssueStatus::ALL.into_iter().find(|k| k.id() == s.trim())
    }

    /// Whether the issue is still to be worked on.
    pub fn is_pending(self) -> bool {
        matches!(self, IssueStatus::Open | IssueStatus::InProgress)
    }

    /// The statuses this one may move to: open → in progress or closed; in progress →
    /// resolved or closed; resolved and closed are final.
    pub fn successors(self) -> &'static [IssueStatus] {
        match self {
            IssueStatus::Open => &[IssueStatus::InProgress, IssueStatus::Closed],
            IssueStatus::InProgress => &[IssueStatus::Resolved, IssueStatus::Closed],
            IssueStatus::Resolved | IssueStatus::Closed => &[],
        }
    }
}

/// An issue as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = firm_issues, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Issue {
    /// Id.
    pub id: i64,
    /// The firm.
    pub firm_id: i64,
    /// Category id.
    pub category: String,
    /// One line.
    pub title: String,
    /// Details.
    pub detail: String,
    /// Who owns it (a user id).
    pub owner_id: Option<i64>,
    /// Status id.
    pub status: String,
    /// How it was resolved or why closed.
    pub resolution: Option<String>,
    /// Who raised it.
    pub raised_by: Option<i64>,
    /// When raised.
    pub raised_on: NaiveDate,
    /// When resolved or closed.
    pub closed_on: Option<NaiveDate>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

impl Issue {
    /// The status, parsed.
    pub fn current_status(&self) -> Result<IssueStatus, StoreError> {
        IssueStatus::parse(&self.status)
            .ok_or_else(|| StoreError::corrupt(format!("unknown issue status '{}'", self.status)))
    }

    /// Days from raised to `as_of` (or to when it was closed).
    pub fn age_days(&self, as_of: NaiveDate) -> i64 {
        (self.closed_on.unwrap_or(as_of) - self.raised_on)
            .num_days()
            .max(0)
    }
}

/// An issue to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = firm_issues)]
pub struct NewIssue {
    /// The firm.
    pub firm_id: i64,
    /// Category id.
    pub category: String,
    /// Title.
    pub title: String,
    /// Details.
    pub detail: String,
    /// Owner.
    pub owner_id: Option<i64>,
    /// Status id (normally `open`).
    pub status: String,
    /// Resolution.
    pub resolution: Option<String>,
    /// Who raised it.
    pub raised_by: Option<i64>,
    /// When raised.
    pub raised_on: NaiveDate,
    /// When closed.
    pub closed_on: Option<NaiveDate>,
    /// Recorded (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// Changes saved by [`update_with_version`].
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = firm_issues, treat_none_as_null = true)]
pub struct IssueChanges {
    /// Owner.
    pub owner_id: Option<i64>,
    /// Status id.
    pub status: String,
    /// Resolution.
    pub resolution: Option<String>,
    /// When closed.
    pub closed_on: Option<NaiveDate>,
}

table_fns! {
    /// Insert an issue; returns its id.
    insert firm_issues, NewIssue
}

table_fns! {
    /// Insert many issues (the demo); returns how many.
    insert_many firm_issues, NewIssue, chunk 400
}

table_fns! {
    /// The issue with this id.
    find_by_id firm_issues, Issue
}

/// Save `changes` if the issue is still at `expected_version`; returns the new version.
/// `StaleVersion` when someone else changed it first, `NotFound` when it does not exist.
pub fn update_with_version(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    changes: &IssueChanges,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let n = diesel::update(
        firm_issues::table
            .filter(firm_issues::id.eq(id))
            .filter(firm_issues::version.eq(expected_version)),
    )
    .set((
        changes,
        firm_issues::version.eq(firm_issues::version + 1),
        firm_issues::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        return Ok(expected_version + 1);
    }
    let exists =
        diesel::select(diesel::dsl::exists(firm_issues::table.find(id))).get_result(conn)?;
    if exists {
        Err(StoreError::StaleVersion)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Every issue of a firm, pending ones first, newest first.
pub fn list_for_firm(conn: &mut DbConn, firm_id: i64) -> Result<Vec<Issue>, StoreError> {
    let mut rows: Vec<Issue> = firm_issues::table
        .filter(firm_issues::firm_id.eq(firm_id))
        .order((firm_issues::raised_on.desc(), firm_issues::id.desc()))
        .select(Issue::as_select())
        .load(conn)?;
    rows.sort_by_key(|i| !IssueStatus::parse(&i.status).is_some_and(IssueStatus::is_pending));
    Ok(rows)
}

/// Filters of the ledger; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueFilter {
    /// Only these statuses (empty: every status).
    pub statuses: Vec<IssueStatus>,
    /// Only this category.
    pub category: Option<IssueCategory>,
    /// Only firms of this county.
    pub county_code: Option<String>,
    /// Only this owner.
    pub owner_id: Option<i64>,
    /// Only raised on or before (for "older than N days").
    pub raised_before: Option<NaiveDate>,
}

/// An issue with its firm, for the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueWithFirm {
    /// The issue.
    pub issue: Issue,
    /// Firm name.
    pub firm_name: String,
    /// Firm county code.
    pub county_code: String,
    /// The firm's advisor.
    pub advisor_id: Option<i64>,
}

fn filtered<'a>(f: &IssueFilter, firm_ids: Option<&'a [i64]>) -> firm_issues::BoxedQuery<'a, Db> {
    let mut q = firm_issues::table.into_boxed();
    if !f.statuses.is_empty() {
        let ids: Vec<&'static str> = f.statuses.iter().map(|s| s.id()).collect();
        q = q.filter(any_of(firm_issues::status, ids));
    }
    if let Some(c) = f.category {
        q = q.filter(firm_issues::category.eq(c.id()));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(firm_issues::owner_id.eq(o));
    }
    if let Some(d) = f.raised_before {
        q = q.filter(firm_issues::raised_on.le(d));
    }
    if let Some(c) = &f.county_code {
        q = q.filter(
            firm_issues::firm_id.eq_any(
                firms::table
                    .filter(firms::county_code.eq(c.clone()))
                    .select(firms::id),
            ),
        );
    }
    if let Some(ids) = firm_ids {
        q = q.filter(any_of(firm_issues::firm_id, ids.iter().copied()));
    }
    q
}

/// Issues matching `f`, oldest first, with their firms; at most `limit`. `firm_ids` limits
/// them to those firms (a viewer's territory when it is not a county or everything).
pub fn list_with_firms(
    conn: &mut DbConn,
    f: &IssueFilter,
    firm_ids: Option<&[i64]>,
    limit: i64,
) -> Result<Vec<IssueWithFirm>, StoreError> {
    let rows: Vec<Issue> = filtered(f, firm_ids)
        .order((firm_issues::raised_on.asc(), firm_issues::id.asc()))
        .limit(limit)
        .select(Issue::as_select())
        .load(conn)?;
    let mut ids: Vec<i64> = rows.iter().map(|r| r.firm_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for (id, name, county, advisor) in firms::table
            .filter(firms::id.eq_any(chunk))
            .select((
                firms::id,
                firms::name,
                firms::county_code,
                firms::advisor_id,
            ))
            .load::<(i64, String, String, Option<i64>)>(conn)?
        {
            names.insert(id, (name, county, advisor));
        }
    }
    Ok(rows
        .into_iter()
        .map(|issue| {
            let (firm_name, county_code, advisor_id) =
                names.get(&issue.firm_id).cloned().unwrap_or_default();
            IssueWithFirm {
                issue,
                firm_name,
                county_code,
                advisor_id,
            }
        })
        .collect())
}

/// How many issues match `f` in all.
pub fn count(
    conn: &mut DbConn,
    f: &IssueFilter,
    firm_ids: Option<&[i64]>,
) -> Result<i64, StoreError> {
    Ok(filtered(f, firm_ids).count().get_result(conn)?)
}
