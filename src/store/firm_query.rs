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
            Scope::All => Box::new(firms::id.is_not_null()),
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

    /// Restrict a firms query to this scope.
    fn apply<'a>(&self, q: Boxed<'a>) -> Boxed<'a> {
        q.filter(self.predicate())
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
/// CSV/Excel export serve whoever needs more.
pub const COUNT_CAP: i64 = 10_000;

/// How many firms match a list's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// The count; [`COUNT_CAP`] when `capped`.
    pub count: i64,
    /// More than [`COUNT_CAP`] match (the count stops there).
    pub capped: bool,
}

/// One page of the firms in `scope` matching `f`, and how many match in all (up to
/// [`COUNT_CAP`]).
pub fn page(
    conn: &mut DbConn,
    scope: &Scope,
    f: &FirmQuery,
) -> Result<(Vec<Firm>, Total), StoreError> {
    let rows = rows(conn, scope, f)?;
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
    let beyond: Vec<i64> = filtered(scope, f)
        .select(firms::id)
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
    let q = filtered(scope, f).select(Firm::as_select());
    let q = match (f.sort, f.descending) {
        (SortKey::Readiness, true) => q.order((firms::readiness.desc(), firms::id.asc())),
        (SortKey::Readiness, false) => q.order((firms::readiness.asc(), firms::id.asc())),
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
    };
    Ok(q.limit(f.limit.max(1)).offset(f.offset.max(0)).load(conn)?)
}

/// How many firms in `scope` are in each stage (stage id, count).
pub fn count_by_stage(conn: &mut DbConn, scope: &Scope) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(firms::table
        .filter(scope.predicate())
        .group_by(firms::stage)
        .select((firms::stage, diesel::dsl::count_star()))
        .load(conn)?)
}
