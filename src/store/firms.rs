//! Firms: the row, the form to insert one, the changes to save, and the optimistic lock.

use super::dialect::table_fns;
use super::schema::firms;
use super::{DbConn, StoreError};
use crate::core::profile::{DirectRoutes, Flags, Judged, PlatformLevel, RdManagement};
use crate::core::stage::Stage;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A firm as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = firms, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Firm {
    /// Id.
    pub id: i64,
    /// 统一社会信用代码, normalised (upper case).
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code.
    pub county_code: String,
    /// Sector code.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Stage id; see [`Firm::current_stage`].
    pub stage: String,
    /// Optimistic-lock version, bumped by every change.
    pub version: i64,
    /// Assigned advisor (a user id).
    pub advisor_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Head count.
    pub employees: Option<i32>,
    /// Technical staff head count.
    pub tech_staff: Option<i32>,
    /// JSON of [`FirmFacts`].
    pub facts: String,
    /// Derived: the next stage, if any.
    pub next_stage: Option<String>,
    /// Derived: the rule set that decides the next stage.
    pub next_ruleset: Option<String>,
    /// Derived: whether the firm meets it (NULL: unknown).
    pub next_eligible: Option<bool>,
    /// Derived: readiness 0–100 for the next stage.
    pub readiness: i32,
    /// Derived: when the columns above were computed.
    pub evaluated_at: Option<NaiveDateTime>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
    /// Derived from the follow-ups: the next planned contact (NULL: none planned).
    pub next_contact_on: Option<NaiveDate>,
    /// Derived from the follow-ups: the latest contact.
    pub last_contact_on: Option<NaiveDate>,
    /// GB/T 4754-2017 industry code, normalised (e.g. `C1351`).
    pub industry_code: Option<String>,
    /// Derived: points of the conservative score over the next stage's pass mark, the
    /// tie-break of equal readiness.
    pub readiness_margin: i32,
}

impl Firm {
    /// The stage, parsed.
    pub fn current_stage(&self) -> Result<Stage, StoreError> {
        parse_stage(&self.stage)
    }

    /// The facts, parsed.
    pub fn parsed_facts(&self) -> Result<FirmFacts, StoreError> {
        FirmFacts::from_json(&self.facts)
    }
}

/// The firm `id` with its county and sector (each `None` when the code names none), in one
/// statement; `NotFound` when there is no such firm.
pub fn find_with_places(
    conn: &mut DbConn,
    id: i64,
) -> Result<
    (
        Firm,
        Option<super::refdata::County>,
        Option<super::refdata::Sector>,
    ),
    StoreError,
> {
    use super::refdata::{County, Sector};
    use super::schema::{counties, sectors};
    Ok(firms::table
        .left_join(counties::table.on(counties::code.eq(firms::county_code)))
        .left_join(sectors::table.on(sectors::code.nullable().eq(firms::sector_code)))
        .filter(firms::id.eq(id))
        .select((
            Firm::as_select(),
            Option::<County>::as_select(),
            Option::<Sector>::as_select(),
        ))
        .get_result(conn)?)
}

/// Parse a stored stage id.
pub fn parse_stage(s: &str) -> Result<Stage, StoreError> {
    Stage::parse(s).ok_or_else(|| StoreError::corrupt(format!("unknown stage '{s}'")))
}

/// IP facts not derived from `firm_ip` rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpFacts {
    /// Whether the IP came from own R&D; used only when the firm has no IP rows.
    pub own_rd: Option<bool>,
    /// Whether the firm led or joined standards.
    pub standards: Option<bool>,
}

/// The yes/no and judged facts of a firm, kept as JSON in `firms.facts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FirmFacts {
    /// Yes/no facts.
    pub flags: Flags,
    /// R&D organisation items.
    pub rd_management: RdManagement,
    /// Tech-SME direct routes.
    pub direct_routes: DirectRoutes,
    /// Expert sub-scores.
    pub judged: Judged,
    /// Best R&D platform.
    pub rd_platform: Option<PlatformLevel>,
    /// IP facts.
    pub ip: IpFacts,
    /// IP counts declared in an imported registry; the profile counts them while the IP
    /// register holds no items of the firm (the register, once kept, is the record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_ip: Option<DeclaredIp>,
}

/// IP counts as a registry declares them (`app::imports`), by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeclaredIp {
    /// 发明专利 (class I).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invention_patents: Option<u32>,
    /// 实用新型专利 (class II).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utility_models: Option<u32>,
    /// 外观设计专利 (class II).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub designs: Option<u32>,
    /// 软件著作权 (class II).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_copyrights: Option<u32>,
}

impl FirmFacts {
    /// Parse the stored JSON; an empty string counts as no facts.
    pub fn from_json(text: &str) -> Result<FirmFacts, StoreError> {
        if text.trim().is_empty() {
            return Ok(FirmFacts::default());
        }
        serde_json::from_str(text)
            .map_err(|e| StoreError::corrupt(format!("firms.facts is not valid JSON: {e}")))
    }

    /// The JSON to store.
    pub fn to_json(&self) -> String {
        // Plain structs of options and integers: serialising them cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// A firm to insert.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = firms)]
pub struct NewFirm {
    /// 统一社会信用代码 (already validated and normalised).
    pub uscc: String,
    /// Name.
    pub name: String,
    /// County code.
    pub county_code: String,
    /// Sector code.
    pub sector_code: Option<String>,
    /// Date of registration.
    pub founded_on: Option<NaiveDate>,
    /// Initial stage id (normally `prospect`).
    pub stage: String,
    /// Advisor.
    pub advisor_id: Option<i64>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Contact email.
    pub contact_email: Option<String>,
    /// Head count.
    pub employees: Option<i32>,
    /// Technical staff.
    pub tech_staff: Option<i32>,
    /// JSON of [`FirmFacts`].
    pub facts: String,
    /// GB/T 4754-2017 industry code, normalised.
    pub industry_code: Option<String>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Last changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// Changes to save with [`update_with_version`]; `None` leaves a column as it is, and for
/// nullable columns `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = firms)]
pub struct FirmChanges {
    /// Name.
    pub name: Option<String>,
    /// County code.
    pub county_code: Option<String>,
    /// Sector code.
    pub sector_code: Option<Option<String>>,
    /// Date of registration.
    pub founded_on: Option<Option<NaiveDate>>,
    /// Stage id.
    pub stage: Option<String>,
    /// Advisor.
    pub advisor_id: Option<Option<i64>>,
    /// Contact person.
    pub contact_name: Option<Option<String>>,
    /// Contact phone.
    pub contact_phone: Option<Option<String>>,
    /// Contact email.
    pub contact_email: Option<Option<String>>,
    /// Head count.
    pub employees: Option<Option<i32>>,
    /// Technical staff.
    pub tech_staff: Option<Option<i32>>,
    /// JSON of [`FirmFacts`].
    pub facts: Option<String>,
    /// GB/T 4754-2017 industry code.
    pub industry_code: Option<Option<String>>,
}

/// The derived next-stage columns, written by the recompute and re-score paths. They do not
/// bump the version: they follow from the data, they are not an edit.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = firms, treat_none_as_null = true)]
pub struct Derived {
    /// Next stage id.
    pub next_stage: Option<String>,
    /// Rule set id.
    pub next_ruleset: Option<String>,
    /// Eligibility, NULL when unknown.
    pub next_eligible: Option<bool>,
    /// Readiness 0–100.
    pub readiness: i32,
    /// Points of the conservative score over the next stage's pass mark (negative below
    /// it; 0 without a score): the tie-break of equal readiness.
    pub readiness_margin: i32,
    /// When computed (UTC).
    pub evaluated_at: Option<NaiveDateTime>,
}

table_fns! {
    /// The firm with this id.
    find_by_id firms, Firm
}

/// The firm with this USCC (compared upper-cased), if any.
pub fn find_by_uscc(conn: &mut DbConn, uscc: &str) -> Result<Option<Firm>, StoreError> {
    Ok(firms::table
        .filter(firms::uscc.eq(uscc.trim().to_uppercase()))
        .select(Firm::as_select())
        .first(conn)
        .optional()?)
}

table_fns! {
    /// Insert a firm and return its id. A taken USCC is `Duplicate("uscc")`.
    insert firms, NewFirm
}

table_fns! {
    /// Insert many firms in multi-row statements (for imports and benchmarks).
    insert_many firms, NewFirm, chunk 500
}

/// Save `changes` if the firm is still at `expected_version`, bumping the version in the same
/// statement. Returns the new version; `StaleVersion` if someone else changed the firm first,
/// `NotFound` if it does not exist.
pub fn update_with_version(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    changes: &FirmChanges,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    let n = diesel::update(
        firms::table
            .filter(firms::id.eq(id))
            .filter(firms::version.eq(expected_version)),
    )
    .set((
        changes,
        firms::version.eq(firms::version + 1),
        firms::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        return Ok(expected_version + 1);
    }
    let exists = diesel::select(diesel::dsl::exists(firms::table.find(id))).get_result(conn)?;
    if exists {
        Err(StoreError::StaleVersion)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Move the firm to `stage` if it is still at `expected_version`, bumping the version and
/// writing its derived columns in the same statement, and return the firm as saved (a stage
/// event's one write of the firm row). `StaleVersion` if someone else changed the firm
/// first, `NotFound` if it does not exist.
pub fn update_stage(
    conn: &mut DbConn,
    id: i64,
    expected_version: i64,
    stage: Stage,
    derived: &Derived,
    now: NaiveDateTime,
) -> Result<Firm, StoreError> {
    let target = firms::table
        .filter(firms::id.eq(id))
        .filter(firms::version.eq(expected_version));
    let saved = super::dialect::each_backend!(conn, c => diesel::update(target)
        .set((
            firms::stage.eq(stage.id()),
            firms::version.eq(firms::version + 1),
            firms::updated_at.eq(now),
            derived,
        ))
        .returning(Firm::as_returning())
        .get_result(c)
        .optional())?;
    if let Some(firm) = saved {
        return Ok(firm);
    }
    let exists = diesel::select(diesel::dsl::exists(firms::table.find(id))).get_result(conn)?;
    if exists {
        Err(StoreError::StaleVersion)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Write the derived columns of one firm.
pub fn set_derived(conn: &mut DbConn, id: i64, derived: &Derived) -> Result<(), StoreError> {
    let n = diesel::update(firms::table.find(id))
        .set(derived)
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Write the derived columns of many firms, in as few round trips as the dialect allows:
/// on PostgreSQL one `UPDATE … FROM unnest(arrays)` per 10,000 firms; on SQLite (in-process,
/// so no round trips) one cached prepared `UPDATE` per firm. Call it inside a transaction.
pub fn set_derived_many(conn: &mut DbConn, rows: &[(i64, Derived)]) -> Result<usize, StoreError> {
    let mut n = 0;
    match conn {
        DbConn::Sqlite(c) => {
            for (id, d) in rows {
                n += diesel::update(firms::table.find(*id)).set(d).execute(c)?;
            }
        }
        DbConn::Pg(c) => {
            use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};
            // One statement per 10,000 firms, seven array parameters: the batched
            // UPDATE ... FROM a derived table, without planning thousands of VALUES rows.
            for chunk in rows.chunks(10_000) {
                let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
                let ns: Vec<Option<String>> =
                    chunk.iter().map(|(_, d)| d.next_stage.clone()).collect();
                let nr: Vec<Option<String>> =
                    chunk.iter().map(|(_, d)| d.next_ruleset.clone()).collect();
                let ne: Vec<Option<bool>> = chunk.iter().map(|(_, d)| d.next_eligible).collect();
                let rd: Vec<i32> = chunk.iter().map(|(_, d)| d.readiness).collect();
                let rm: Vec<i32> = chunk.iter().map(|(_, d)| d.readiness_margin).collect();
                let ea: Vec<Option<NaiveDateTime>> =
                    chunk.iter().map(|(_, d)| d.evaluated_at).collect();
                n += diesel::sql_query(
                    "UPDATE firms SET next_stage = v.ns, next_ruleset = v.nr, next_eligible = v.ne, \
                     readiness = v.rd, readiness_margin = v.rm, evaluated_at = v.ea \
                     FROM unnest($1, $2, $3, $4, $5, $6, $7) AS v(id, ns, nr, ne, rd, rm, ea) \
                     WHERE firms.id = v.id",
                )
                .bind::<Array<BigInt>, _>(ids)
                .bind::<Array<Nullable<Text>>, _>(ns)
                .bind::<Array<Nullable<Text>>, _>(nr)
                .bind::<Array<Nullable<Bool>>, _>(ne)
                .bind::<Array<Integer>, _>(rd)
                .bind::<Array<Integer>, _>(rm)
                .bind::<Array<Nullable<Timestamp>>, _>(ea)
                .execute(c)?;
            }
        }
    }
    Ok(n)
}

/// Filters for [`list`]; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct FirmFilter {
    /// Only this stage.
    pub stage: Option<Stage>,
    /// Only this county.
    pub county_code: Option<String>,
    /// Only this advisor's firms.
    pub advisor_id: Option<i64>,
    /// Only this sector.
    pub sector_code: Option<String>,
    /// At most this many (default 100).
    pub limit: Option<i64>,
    /// Skip this many.
    pub offset: Option<i64>,
}

/// Firms matching `filter`, most ready first, then by id.
pub fn list(conn: &mut DbConn, filter: &FirmFilter) -> Result<Vec<Firm>, StoreError> {
    let mut q = firms::table.select(Firm::as_select()).into_boxed();
    if let Some(s) = filter.stage {
        q = q.filter(firms::stage.eq(s.id()));
    }
    if let Some(c) = &filter.county_code {
        q = q.filter(firms::county_code.eq(c.clone()));
    }
    if let Some(a) = filter.advisor_id {
        q = q.filter(firms::advisor_id.eq(a));
    }
    if let Some(s) = &filter.sector_code {
        q = q.filter(firms::sector_code.eq(s.clone()));
    }
    Ok(q.order((firms::readiness.desc(), firms::id.asc()))
        .limit(filter.limit.unwrap_or(100))
        .offset(filter.offset.unwrap_or(0))
        .load(conn)?)
}

/// How many firms there are.
pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(firms::table.count().get_result(conn)?)
}

/// Every firm id, ascending.
pub fn all_ids(conn: &mut DbConn) -> Result<Vec<i64>, StoreError> {
    Ok(firms::table
        .select(firms::id)
        .order(firms::id.asc())
        .load(conn)?)
}

/// How many firms are in each stage (stage id, count).
pub fn count_by_stage(conn: &mut DbConn) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(firms::table
        .group_by(firms::stage)
        .select((firms::stage, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The firms with these ids, ascending (missing ids are left out).
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<Firm>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            firms::table
                .filter(firms::id.eq_any(chunk))
                .select(Firm::as_select())
                .load(conn)?,
        );
    }
    out.sort_by_key(|f| f.id);
    Ok(out)
}
