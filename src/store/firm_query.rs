//! Firm lists as the web pages ask for them: limited to what the viewer may see (a [`Scope`]),
//! filtered, searched, sorted and paged in SQL, with the total for the pager.

use super::firms::Firm;
use super::schema::firms;
use super::{DbConn, StoreError};
use crate::core::stage::Stage;
use diesel::connection::Connection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

type Db = <DbConn as Connection>::Backend;
type Boxed<'a> = firms::BoxedQuery<'a, Db>;

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on both backends.
    fn lower(x: Text) -> Text;
}

/// Which firms a viewer may see. Decided once, by `app::access`; applied here as a `WHERE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every firm (admin, bureau).
    All,
    /// The firms of one county or zone (a county officer).
    County(String),
    /// An advisor's assigned firms, plus every firm of `county` when the bureau lets advisors
    /// read their county.
    Advisor {
        /// The advisor's user id.
        user_id: i64,
        /// The county readable besides the assigned firms.
        county: Option<String>,
    },
    /// One firm (a firm's own user).
    Firm(i64),
    /// Nothing.
    Nothing,
}

impl Scope {
    /// Whether a firm in `county_code`, assigned to `advisor_id`, with id `firm_id`, is in scope.
    /// Must agree with the `WHERE` of [`Scope::apply`]; a test checks both on the same firms.
    pub fn admits(&self, firm_id: i64, county_code: &str, advisor_id: Option<i64>) -> bool {
        match self {
            Scope::All => true,
            Scope::County(c) => c == county_code,
            Scope::Advisor { user_id, county } => {
                advisor_id == Some(*user_id) || county.as_deref() == Some(county_code)
            }
            Scope::Firm(id) => *id == firm_id,
            Scope::Nothing => false,
        }
    }

    /// The `WHERE` condition of this scope.
    fn predicate(&self) -> Box<dyn BoxableExpression<firms::table, Db, SqlType = Bool>> {
        // NULL advisors never match an advisor scope: `assume_not_null` keeps the comparison
        // plain, and NULL = x is never true in a WHERE.
        let advisor = firms::advisor_id.assume_not_null();
        match self {
            // A constant the planners fold away: `id IS NOT NULL` would name a column outside
            // the list's indexes and cost PostgreSQL a heap visit per matching row.
            Scope::All => Box::new(sql::<Bool>("1 = 1")),
            Scope::County(c) => Box::new(firms::county_code.eq(c.clone())),
            Scope::Advisor {
                user_id,
                county: None,
            } => Box::new(advisor.eq(*user_id)),
            Scope::Advisor {
                user_id,
                county: Some(c),
            } => Box::new(advisor.eq(*user_id).or(firms::county_code.eq(c.clone()))),
            Scope::Firm(id) => Box::new(firms::id.eq(*id)),
            // Ids start at 1 on both backends.
            Scope::Nothing => Box::new(firms::id.lt(0)),
        }
    }

    /// Restrict a firms query to this scope. All firms add no condition at all: a SQL
    /// literal (the `1 = 1` of [`Scope::predicate`]) would keep diesel from caching the
    /// prepared statement.
    fn apply<'a>(&self, q: Boxed<'a>) -> Boxed<'a> {
        match self {
            Scope::All => q,
            _ => q.filter(self.predicate()),
        }
    }
}

/// The column a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Readiness for the next stage (the default, most ready first).
    #[default]
    Readiness,
    /// Name.
    Name,
    /// Stage, in ladder order.
    Stage,
    /// USCC.
    Uscc,
    /// The reserve pool's order: readiness, ties broken by the score margin (the firm with
    /// more points over the pass mark first), then id; descending only. Not offered as a
    /// list's `?sort=` (not in [`SortKey::ALL`]).
    ReadinessMargin,
}

impl SortKey {
    /// Every key.
    pub const ALL: [SortKey; 4] = [
        SortKey::Readiness,
        SortKey::Name,
        SortKey::Stage,
        SortKey::Uscc,
    ];

    /// Stable id, as in `?sort=`.
    pub fn id(self) -> &'static str {
        match self {
            SortKey::Readiness => "readiness",
            SortKey::Name => "name",
            SortKey::Stage => "stage",
            SortKey::Uscc => "uscc",
            SortKey::ReadinessMargin => "readiness_margin",
        }
    }

    /// Parse a stable id.
    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// Filters, search, sort and page of a firm list; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirmQuery {
    /// Only this stage.
    pub stage: Option<Stage>,
    /// Only this county.
    pub county_code: Option<String>,
    /// Only this sector.
    pub sector_code: Option<String>,
    /// Only firms whose GB/T 4754-2017 industry code starts with this (e.g. `C13`).
    pub industry_prefix: Option<String>,
    /// Only this advisor's firms.
    pub advisor_id: Option<i64>,
    /// Readiness at least.
    pub readiness_min: Option<i32>,
    /// Readiness at most.
    pub readiness_max: Option<i32>,
    /// Name contains (case-insensitive) or USCC starts with.
    pub q: Option<String>,
    /// Sort column.
    pub sort: SortKey,
    /// Sort descending.
    pub descending: bool,
    /// Page size.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// `LIKE` pattern text with its wildcards escaped by `\`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn filtered<'a>(scope: &Scope, f: &FirmQuery) -> Boxed<'a> {
    let mut q = scope.apply(firms::table.into_boxed());
    if let Some(s) = f.stage {
        q = q.filter(firms::stage.eq(s.id()));
    }
    if let Some(c) = &f.county_code {
        q = q.filter(firms::county_code.eq(c.clone()));
    }
    if let Some(s) = &f.sector_code {
        q = q.filter(firms::sector_code.eq(s.clone()));
    }
    if let Some(p) = &f.industry_prefix {
        q = q.filter(
            firms::industry_code
                .like(format!("{}%", like_escape(p)))
                .escape('\\'),
        );
    }
    if let Some(a) = f.advisor_id {
        q = q.filter(firms::advisor_id.eq(a));
    }
    if let Some(m) = f.readiness_min {
        q = q.filter(firms::readiness.ge(m));
    }
    if let Some(m) = f.readiness_max {
        q = q.filter(firms::readiness.le(m));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let name_pat = format!("%{}%", like_escape(&text.to_lowercase()));
        let uscc_pat = format!("{}%", like_escape(&text.to_uppercase()));
        q = q.filter(
            lower(firms::name)
                .like(name_pat)
                .escape('\\')
                .or(firms::uscc.like(uscc_pat).escape('\\')),
        );
    }
    q
}

/// Ladder order of the stage column, for sorting.
fn stage_rank() -> diesel::expression::SqlLiteral<Integer> {
    sql::<Integer>(
        "CASE stage WHEN 'prospect' THEN 0 WHEN 'tech_sme' THEN 1 WHEN 'reserve' THEN 2 \
         WHEN 'high_tech' THEN 3 WHEN 'leader' THEN 4 ELSE 5 END",
    )
}

/// Beyond this many matches a list says "more than N" instead of counting them all: an exact
/// count of 100,000 rows would cost every page view a scan, while paging, filters and the
/// CSV/Excel export serve whoever needs more. 1,000 is 50 pages of the web list: the probe
/// past it walks 1,000 index entries (about 0.03 ms on SQLite); at 10,000 it was a quarter of
/// the list page's CPU time.
pub const COUNT_CAP: i64 = 1_000;

/// How many firms match a list's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// The count; [`COUNT_CAP`] when `capped`.
    pub count: i64,
    /// More than [`COUNT_CAP`] match (the count stops there).
    pub capped: bool,
}

/// A firm as the lists show it: the columns of a list row and nothing else (no facts, no
/// dates to parse), so a page of them costs little to read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = firms, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ListedFirm {
    /// Id.
    pub id: i64,
    /// 统一社会信用代码.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code.
    pub county_code: String,
    /// Sector code.
    pub sector_code: Option<String>,
    /// Stage id.
    pub stage: String,
    /// Assigned advisor.
    pub advisor_id: Option<i64>,
    /// The next stage, if any.
    pub next_stage: Option<String>,
    /// Whether the firm meets the next stage's rules (NULL: unknown).
    pub next_eligible: Option<bool>,
    /// Readiness 0–100 for the next stage.
    pub readiness: i32,
    /// The score margin for the next stage (points over its pass mark): readiness's tie-break.
    pub readiness_margin: i32,
    /// The latest contact (from the follow-ups).
    pub last_contact_on: Option<chrono::NaiveDate>,
}

/// One page of the firms in `scope` matching `f`, and how many match in all (up to
/// [`COUNT_CAP`]).
pub fn page(
    conn: &mut DbConn,
    scope: &Scope,
    f: &FirmQuery,
) -> Result<(Vec<Firm>, Total), StoreError> {
    let rows = rows(conn, scope, f)?;
    with_total(conn, scope, f, rows)
}

/// [`page`] with the list columns only.
pub fn listed_page(
    conn: &mut DbConn,
    scope: &Scope,
    f: &FirmQuery,
) -> Result<(Vec<ListedFirm>, Total), StoreError> {
    let rows: Vec<ListedFirm> = ordered(scope, f)
        .select(ListedFirm::as_select())
        .load(conn)?;
    with_total(conn, scope, f, rows)
}

/// A page's rows with the count of all matches.
fn with_total<T>(
    conn: &mut DbConn,
    scope: &Scope,
    f: &FirmQuery,
    rows: Vec<T>,
) -> Result<(Vec<T>, Total), StoreError> {
    // A short first page already is the whole count.
    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if f.offset <= 0 && n < f.limit.max(1) {
        return Ok((
            rows,
            Total {
                count: n,
                capped: false,
            },
        ));
    }
    Ok((rows, total(conn, scope, f, COUNT_CAP)?))
}

/// How many firms in `scope` match `f`, counting no further than `cap`: first whether a
/// match lies beyond the cap (one index walk that reads no rows), and only when none does,
/// the exact count (then at most `cap` rows).
pub fn total(
    conn: &mut DbConn,
    scope: &Scope,
    f: &FirmQuery,
    cap: i64,
) -> Result<Total, StoreError> {
    // Selecting a constant keeps the probe inside the filter's index (no row is read); a
    // bound one, unlike a SQL literal, lets diesel cache the prepared statement.
    let beyond: Vec<i32> = filtered(scope, f)
        .select(1.into_sql::<Integer>())
        .limit(1)
        .offset(cap)
        .load(conn)?;
    if !beyond.is_empty() {
        return Ok(Total {
            count: cap,
            capped: true,
        });
    }
    let count: i64 = filtered(scope, f).count().get_result(conn)?;
    Ok(Total {
        count,
        capped: false,
    })
}

/// One page of the firms in `scope` matching `f`, without counting them.
pub fn rows(conn: &mut DbConn, scope: &Scope, f: &FirmQuery) -> Result<Vec<Firm>, StoreError> {
    Ok(ordered(scope, f).select(Firm::as_select()).load(conn)?)
}

/// The firms in `scope` matching `f`, sorted, one page of them.
fn ordered<'a>(scope: &Scope, f: &FirmQuery) -> Boxed<'a> {
    sorted(filtered(scope, f), f)
        .limit(f.limit.max(1))
        .offset(f.offset.max(0))
}

/// The next `limit` firms in `scope` matching `f`, in `f`'s order, after `after` (the last row
/// of the previous batch; `None`: from the first): how an export walks a list of any length,
/// each batch one query that starts where the last ended (no `OFFSET` to walk again). `f`'s
/// own limit and offset are ignored.
pub fn listed_after(
    conn: &mut DbConn,
    scope: &Scope,
    f: &FirmQuery,
    after: Option<&ListedFirm>,
    limit: i64,
) -> Result<Vec<ListedFirm>, StoreError> {
    let mut q = filtered(scope, f);
    if let Some(last) = after {
        q = q.filter(beyond(f, last));
    }
    Ok(sorted(q, f)
        .limit(limit.max(1))
        .select(ListedFirm::as_select())
        .load(conn)?)
}

/// The ladder rank [`stage_rank`] gives a stage id.
fn stage_rank_of(stage: &str) -> i32 {
    match stage {
        "prospect" => 0,
        "tech_sme" => 1,
        "reserve" => 2,
        "high_tech" => 3,
        "leader" => 4,
        _ => 5,
    }
}

/// The rows after `last` in the order [`sorted`] gives for `f` (every order ends in a unique
/// column, so "after" is exact).
fn beyond(
    f: &FirmQuery,
    last: &ListedFirm,
) -> Box<dyn BoxableExpression<firms::table, Db, SqlType = Bool>> {
    let (r, m, id) = (last.readiness, last.readiness_margin, last.id);
    // Each condition leads with a plain bound on the sort column (`readiness <= r`), so the
    // list's index starts the batch where the last one ended instead of walking past every
    // row already written (an `a < r OR (a = r AND …)` alone is not a range to an index).
    let readiness_desc_then_id = move || {
        firms::readiness
            .le(r)
            .and(firms::readiness.lt(r).or(firms::id.gt(id)))
    };
    match (f.sort, f.descending) {
        (SortKey::Readiness, true) => Box::new(readiness_desc_then_id()),
        (SortKey::ReadinessMargin, _) => Box::new(
            firms::readiness.le(r).and(
                firms::readiness.lt(r).or(firms::readiness_margin
                    .le(m)
                    .and(firms::readiness_margin.lt(m).or(firms::id.gt(id)))),
            ),
        ),
        (SortKey::Readiness, false) => Box::new(
            firms::readiness
                .ge(r)
                .and(firms::readiness.gt(r).or(firms::id.gt(id))),
        ),
        (SortKey::Name, false) => Box::new(
            firms::name
                .ge(last.name.clone())
                .and(firms::name.gt(last.name.clone()).or(firms::id.gt(id))),
        ),
        (SortKey::Name, true) => Box::new(
            firms::name
                .le(last.name.clone())
                .and(firms::name.lt(last.name.clone()).or(firms::id.gt(id))),
        ),
        (SortKey::Stage, desc) => {
            let rank = stage_rank_of(&last.stage);
            let same_rank = stage_rank().eq(rank).and(readiness_desc_then_id());
            if desc {
                Box::new(stage_rank().lt(rank).or(same_rank))
            } else {
                Box::new(stage_rank().gt(rank).or(same_rank))
            }
        }
        (SortKey::Uscc, false) => Box::new(firms::uscc.gt(last.uscc.clone())),
        (SortKey::Uscc, true) => Box::new(firms::uscc.lt(last.uscc.clone())),
    }
}

/// `q` in `f`'s order.
fn sorted<'a>(q: Boxed<'a>, f: &FirmQuery) -> Boxed<'a> {
    match (f.sort, f.descending) {
        (SortKey::Readiness, true) => q.order((firms::readiness.desc(), firms::id.asc())),
        (SortKey::Readiness, false) => q.order((firms::readiness.asc(), firms::id.asc())),
        (SortKey::ReadinessMargin, _) => q.order((
            firms::readiness.desc(),
            firms::readiness_margin.desc(),
            firms::id.asc(),
        )),
        (SortKey::Name, false) => q.order((firms::name.asc(), firms::id.asc())),
        (SortKey::Name, true) => q.order((firms::name.desc(), firms::id.asc())),
        (SortKey::Stage, false) => {
            q.order((stage_rank().asc(), firms::readiness.desc(), firms::id.asc()))
        }
        (SortKey::Stage, true) => q.order((
            stage_rank().desc(),
            firms::readiness.desc(),
            firms::id.asc(),
        )),
        (SortKey::Uscc, false) => q.order(firms::uscc.asc()),
        (SortKey::Uscc, true) => q.order(firms::uscc.desc()),
    }
}

/// How many firms in `scope` are in each stage (stage id, count).
pub fn count_by_stage(conn: &mut DbConn, scope: &Scope) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(firms::table
        .filter(scope.predicate())
        .group_by(firms::stage)
        .select((firms::stage, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Firms in `scope` by county and stage: (county code, stage id, count).
pub fn count_by_county_and_stage(
    conn: &mut DbConn,
    scope: &Scope,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(firms::table
        .filter(scope.predicate())
        .group_by((firms::county_code, firms::stage))
        .select((firms::county_code, firms::stage, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The ids of every firm in `scope` matching `f`'s filters (sort and page ignored), ascending:
/// what "all firms matching the filter" means for a bulk action.
pub fn ids(conn: &mut DbConn, scope: &Scope, f: &FirmQuery) -> Result<Vec<i64>, StoreError> {
    Ok(filtered(scope, f)
        .select(firms::id)
        .order(firms::id.asc())
        .load(conn)?)
}

/// The advisors assigned to a firm in `scope`, by id, each once: whom a territory's menus
/// offer besides the advisors of its county.
pub fn advisor_ids(conn: &mut DbConn, scope: &Scope) -> Result<Vec<i64>, StoreError> {
    let ids: Vec<Option<i64>> = firms::table
        .filter(scope.predicate())
        .filter(firms::advisor_id.is_not_null())
        .select(firms::advisor_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

/// The counties of the firms in `scope`, each once.
pub fn county_codes(conn: &mut DbConn, scope: &Scope) -> Result<Vec<String>, StoreError> {
    Ok(firms::table
        .filter(scope.predicate())
        .select(firms::county_code)
        .distinct()
        .load(conn)?)
}

// Coaching (issue 5): advisors' loads and the agenda's contact buckets, over a scope.

/// One advisor's firms in a scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdvisorStat {
    /// The advisor.
    pub advisor_id: i64,
    /// Firms per stage id.
    pub by_stage: Vec<(String, i64)>,
    /// Firms in all.
    pub firms: i64,
    /// The latest contact with any of them.
    pub last_contact_on: Option<chrono::NaiveDate>,
    /// Firms whose planned contact is past (overdue follow-ups).
    pub overdue: i64,
    /// Firms not contacted since `stale_before` (or never).
    pub stale: i64,
}

/// Per advisor with firms in `scope`: firms by stage, the latest contact, how many planned
/// contacts are overdue on `today`, and how many firms had no contact since `stale_before`.
/// Exited firms are not counted. Four grouped queries, whatever the number of firms.
pub fn advisor_stats(
    conn: &mut DbConn,
    scope: &Scope,
    today: chrono::NaiveDate,
    stale_before: chrono::NaiveDate,
) -> Result<Vec<AdvisorStat>, StoreError> {
    use std::collections::BTreeMap;
    let base = || {
        firms::table
            .filter(scope.predicate())
            .filter(firms::advisor_id.is_not_null())
            .filter(firms::stage.ne(Stage::Exited.id()))
    };
    let mut out: BTreeMap<i64, AdvisorStat> = BTreeMap::new();
    let by_stage: Vec<(Option<i64>, String, i64)> = base()
        .group_by((firms::advisor_id, firms::stage))
        .select((firms::advisor_id, firms::stage, diesel::dsl::count_star()))
        .load(conn)?;
    for (a, stage, n) in by_stage {
        let Some(a) = a else { continue };
        let e = out.entry(a).or_insert_with(|| AdvisorStat {
            advisor_id: a,
            ..AdvisorStat::default()
        });
        e.firms += n;
        e.by_stage.push((stage, n));
    }
    let last: Vec<(Option<i64>, Option<chrono::NaiveDate>)> = base()
        .group_by(firms::advisor_id)
        .select((firms::advisor_id, diesel::dsl::max(firms::last_contact_on)))
        .load(conn)?;
    for (a, d) in last {
        if let Some(e) = a.and_then(|a| out.get_mut(&a)) {
            e.last_contact_on = d;
        }
    }
    let overdue: Vec<(Option<i64>, i64)> = base()
        .filter(firms::next_contact_on.lt(today))
        .group_by(firms::advisor_id)
        .select((firms::advisor_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (a, n) in overdue {
        if let Some(e) = a.and_then(|a| out.get_mut(&a)) {
            e.overdue = n;
        }
    }
    let stale: Vec<(Option<i64>, i64)> = base()
        .filter(
            firms::last_contact_on
                .is_null()
                .or(firms::last_contact_on.lt(stale_before)),
        )
        .group_by(firms::advisor_id)
        .select((firms::advisor_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (a, n) in stale {
        if let Some(e) = a.and_then(|a| out.get_mut(&a)) {
            e.stale = n;
        }
    }
    Ok(out.into_values().collect())
}

/// A bucket of the agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactBucket {
    /// The planned contact is before `today`.
    Overdue,
    /// The planned contact is from `today` to before `until`.
    DueBefore(chrono::NaiveDate),
    /// No contact planned.
    NonePlanned,
    /// No contact since this date (or never).
    NoContactSince(chrono::NaiveDate),
}

/// Firms in `scope` (and of `advisor`, when given) in `bucket` as of `today`, not exited:
/// the most urgent first, at most `limit`, and how many there are in all.
pub fn contact_bucket(
    conn: &mut DbConn,
    scope: &Scope,
    advisor: Option<i64>,
    bucket: ContactBucket,
    today: chrono::NaiveDate,
    limit: i64,
) -> Result<(Vec<Firm>, i64), StoreError> {
    let q = || {
        let mut q = scope
            .apply(firms::table.into_boxed())
            .filter(firms::stage.ne(Stage::Exited.id()));
        if let Some(a) = advisor {
            q = q.filter(firms::advisor_id.eq(a));
        }
        match bucket {
            ContactBucket::Overdue => q.filter(firms::next_contact_on.lt(today)),
            ContactBucket::DueBefore(until) => q
                .filter(firms::next_contact_on.ge(today))
                .filter(firms::next_contact_on.lt(until)),
            ContactBucket::NonePlanned => q.filter(firms::next_contact_on.is_null()),
            ContactBucket::NoContactSince(d) => q.filter(
                firms::last_contact_on
                    .is_null()
                    .or(firms::last_contact_on.lt(d)),
            ),
        }
    };
    let total: i64 = q().count().get_result(conn)?;
    let rows = q().select(Firm::as_select());
    let rows = match bucket {
        ContactBucket::Overdue | ContactBucket::DueBefore(_) => {
            rows.order((firms::next_contact_on.asc(), firms::id.asc()))
        }
        ContactBucket::NonePlanned | ContactBucket::NoContactSince(_) => {
            rows.order((firms::last_contact_on.asc(), firms::id.asc()))
        }
    }
    .limit(limit)
    .load(conn)?;
    Ok((rows, total))
}
