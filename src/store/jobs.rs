//! Daily jobs: leases (one process runs a job at a time) and the record of the days a job ran.
//!
//! A lease is a row per job name with its holder and expiry. It is taken by one `UPDATE … WHERE
//! expires_at <= now OR holder = me`: on PostgreSQL the row lock makes a second taker re-check
//! the condition against the winner's row, on SQLite there is one writer at a time, so of any
//! number of processes exactly one gets it. A holder that dies leaves a lease that expires.
//!
//! The tables are declared here rather than in `schema.rs` so that they land as one new file;
//! they join nothing.

use super::dialect::each_backend;
use super::{DbConn, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[allow(missing_docs)]
mod schema {
    diesel::table! {
        /// Who holds a job's lease, and until when.
        leases (name) {
            name -> Text,
            holder -> Text,
            expires_at -> Timestamp,
        }
    }

    diesel::table! {
        /// Each day a daily job ran (`finished_at` set once it completed).
        job_runs (job, day) {
            job -> Text,
            day -> Date,
            holder -> Text,
            started_at -> Timestamp,
            finished_at -> Nullable<Timestamp>,
            summary -> Nullable<Text>,
        }
    }
}

pub use schema::{job_runs, leases};

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = leases, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Lease {
    /// Job name.
    pub name: String,
    /// Who holds (or last held) it.
    pub holder: String,
    /// Free to take from this moment (UTC).
    pub expires_at: NaiveDateTime,
}

/// Take the lease `name` for `holder` until `until` if it is free at `now` (expired, or
/// already held by `holder`, which then extends it). Returns whether `holder` holds it now.
pub fn try_acquire(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool, StoreError> {
    // The row exists once; a lease nobody held is free from the start of time.
    each_backend!(conn, c => diesel::insert_into(leases::table)
        .values((
            leases::name.eq(name),
            leases::holder.eq(""),
            leases::expires_at.eq(chrono::DateTime::UNIX_EPOCH.naive_utc()),
        ))
        .on_conflict(leases::name)
        .do_nothing()
        .execute(c))?;
    let n = diesel::update(
        leases::table
            .filter(leases::name.eq(name))
            .filter(leases::expires_at.le(now).or(leases::holder.eq(holder))),
    )
    .set((leases::holder.eq(holder), leases::expires_at.eq(until)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Extend a lease `holder` holds to `until`. Returns false when it is no longer theirs (it
/// expired and someone else took it): the holder must stop.
pub fn renew(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    until: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        leases::table
            .filter(leases::name.eq(name))
            .filter(leases::holder.eq(holder)),
    )
    .set(leases::expires_at.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

/// Give the lease up at `now`, if `holder` still holds it.
pub fn release(
    conn: &mut DbConn,
    name: &str,
    holder: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        leases::table
            .filter(leases::name.eq(name))
            .filter(leases::holder.eq(holder)),
    )
    .set(leases::expires_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// The lease `name`, if it was ever taken.
pub fn find_lease(conn: &mut DbConn, name: &str) -> Result<Option<Lease>, StoreError> {
    Ok(leases::table
        .find(name)
        .select(Lease::as_select())
        .first(conn)
        .optional()?)
}

/// One day's run of a job.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = job_runs, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct JobRun {
    /// Job name.
    pub job: String,
    /// The day it ran for.
    pub day: NaiveDate,
    /// Who ran it.
    pub holder: String,
    /// Started (UTC).
    pub started_at: NaiveDateTime,
    /// Completed (UTC); `None` while running or after a crash.
    pub finished_at: Option<NaiveDateTime>,
    /// What it did, as JSON.
    pub summary: Option<String>,
}

/// Record that `holder` started `job` for `day` (again, if an earlier attempt did not finish).
pub fn start_run(
    conn: &mut DbConn,
    job: &str,
    day: NaiveDate,
    holder: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    use diesel::upsert::excluded;
    each_backend!(conn, c => diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job),
            job_runs::day.eq(day),
            job_runs::holder.eq(holder),
            job_runs::started_at.eq(now),
            job_runs::finished_at.eq(None::<NaiveDateTime>),
            job_runs::summary.eq(None::<String>),
        ))
        .on_conflict((job_runs::job, job_runs::day))
        .do_update()
        .set((
            job_runs::holder.eq(excluded(job_runs::holder)),
            job_runs::started_at.eq(excluded(job_runs::started_at)),
            job_runs::finished_at.eq(None::<NaiveDateTime>),
        ))
        .execute(c))?;
    Ok(())
}

/// Record that `job` completed for `day`, with its summary.
pub fn finish_run(
    conn: &mut DbConn,
    job: &str,
    day: NaiveDate,
    summary: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(job_runs::table.find((job, day)))
        .set((
            job_runs::finished_at.eq(Some(now)),
            job_runs::summary.eq(Some(summary)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether `job` completed for `day`.
pub fn is_done(conn: &mut DbConn, job: &str, day: NaiveDate) -> Result<bool, StoreError> {
    Ok(job_runs::table
        .find((job, day))
        .select(job_runs::finished_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten()
        .is_some())
}

/// The latest day before `day` for which `job` completed.
pub fn last_done_before(
    conn: &mut DbConn,
    job: &str,
    day: NaiveDate,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::day.lt(day))
        .filter(job_runs::finished_at.is_not_null())
        .select(diesel::dsl::max(job_runs::day))
        .first(conn)?)
}

/// The runs of `job`, latest day first.
pub fn list_runs(conn: &mut DbConn, job: &str, limit: i64) -> Result<Vec<JobRun>, StoreError> {
    Ok(job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::day.desc())
        .limit(limit)
        .select(JobRun::as_select())
        .load(conn)?)
}

/// Firms that may have a time-based stage event due on `today` (see
/// `core::schedule::due_event`), with ids above `after_id`, ascending, at most `limit`: tech-SME
/// and reserve firms that held a registration but none in force on `today`, and HTEs and
/// leaders whose certificate has run out. The query narrows; the core decides, on each firm's
/// state.
pub fn firms_maybe_due(
    conn: &mut DbConn,
    today: NaiveDate,
    after_id: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    use super::credentials::{CredentialKind, CredentialStatus};
    use super::schema::{credentials as c, firms as f};
    use crate::core::stage::Stage;
    use diesel::dsl::{exists, not};
    let ever_registered = exists(
        c::table
            .filter(c::firm_id.eq(f::id))
            .filter(c::kind.eq(CredentialKind::TechSme.id()))
            .filter(c::status.ne(CredentialStatus::Superseded.id())),
    );
    let registered = exists(
        c::table
            .filter(c::firm_id.eq(f::id))
            .filter(c::kind.eq(CredentialKind::TechSme.id()))
            .filter(c::status.eq(CredentialStatus::Active.id()))
            .filter(c::valid_until.gt(today)),
    );
    let certificate_ran_out = exists(
        c::table
            .filter(c::firm_id.eq(f::id))
            .filter(c::kind.eq(CredentialKind::Hte.id()))
            .filter(c::status.eq(CredentialStatus::Active.id()))
            .filter(c::valid_until.le(today)),
    );
    Ok(f::table
        .filter(f::id.gt(after_id))
        .filter(
            f::stage
                .eq_any(vec![Stage::TechSme.id(), Stage::Reserve.id()])
                .and(ever_registered)
                .and(not(registered))
                .or(f::stage
                    .eq_any(vec![Stage::HighTech.id(), Stage::Leader.id()])
                    .and(certificate_ran_out)),
        )
        .order(f::id.asc())
        .limit(limit)
        .select(f::id)
        .load(conn)?)
}

/// Active credentials of `kind` held by firms in one of `stages`, with their firm, ids above
/// `after_id`, ascending, at most `limit`; only those with `valid_until` in `until` (inclusive)
/// and `valid_from` in `from` (inclusive) where given. The reminders' candidates.
#[allow(clippy::too_many_arguments)]
pub fn active_credentials(
    conn: &mut DbConn,
    kind: super::credentials::CredentialKind,
    stages: &[crate::core::stage::Stage],
    until: Option<(NaiveDate, NaiveDate)>,
    from: Option<(NaiveDate, NaiveDate)>,
    issued_before: Option<NaiveDate>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(super::credentials::Credential, super::firms::Firm)>, StoreError> {
    use super::credentials::{Credential, CredentialStatus};
    use super::firms::Firm;
    use super::schema::{credentials as c, firms as f};
    let stage_ids: Vec<&str> = stages.iter().map(|s| s.id()).collect();
    let mut q = c::table
        .inner_join(f::table)
        .filter(c::kind.eq(kind.id()))
        .filter(c::status.eq(CredentialStatus::Active.id()))
        .filter(f::stage.eq_any(stage_ids))
        .filter(c::id.gt(after_id))
        .into_boxed();
    if let Some((lo, hi)) = until {
        q = q
            .filter(c::valid_until.ge(lo))
            .filter(c::valid_until.le(hi));
    }
    if let Some((lo, hi)) = from {
        q = q.filter(c::valid_from.ge(lo)).filter(c::valid_from.le(hi));
    }
    if let Some(before) = issued_before {
        q = q.filter(c::issued_on.lt(before));
    }
    Ok(q.order(c::id.asc())
        .limit(limit)
        .select((Credential::as_select(), Firm::as_select()))
        .load(conn)?)
}

/// Which of `keys` are already in the outbox (a mail with that dedup key was queued).
pub fn outbox_keys_present(
    conn: &mut DbConn,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    use super::schema::outbox;
    let mut present = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let found: Vec<String> = outbox::table
            .filter(outbox::dedup_key.eq_any(chunk))
            .select(outbox::dedup_key)
            .load(conn)?;
        present.extend(found);
    }
    Ok(present)
}

/// Users with mail waiting for their daily digest, ascending.
pub fn users_with_digest(conn: &mut DbConn) -> Result<Vec<i64>, StoreError> {
    use super::schema::outbox;
    Ok(outbox::table
        .filter(outbox::status.eq("digest"))
        .select(outbox::to_user)
        .distinct()
        .order(outbox::to_user.asc())
        .load(conn)?)
}

/// Stage changes that took effect from `from` to `to` (inclusive), with the firm's name, in
/// date order; at most `limit`, and how many there are in all.
pub fn stage_changes_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> Result<(Vec<(super::events::StageEventRow, String)>, i64), StoreError> {
    use super::events::StageEventRow;
    use super::schema::{firms as f, stage_events as e};
    let changed = e::from_stage.ne(e::to_stage);
    let total = e::table
        .filter(e::as_of.ge(from))
        .filter(e::as_of.le(to))
        .filter(changed)
        .count()
        .get_result(conn)?;
    let rows = e::table
        .inner_join(f::table)
        .filter(e::as_of.ge(from))
        .filter(e::as_of.le(to))
        .filter(e::from_stage.ne(e::to_stage))
        .order((e::as_of.asc(), e::id.asc()))
        .limit(limit)
        .select((StageEventRow::as_select(), f::name))
        .load(conn)?;
    Ok((rows, total))
}

/// How many issues (诉求) were raised from `from` to `to` (inclusive), and how many are still
/// open or in progress now.
pub fn issue_counts(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    use super::schema::firm_issues as i;
    let raised = i::table
        .filter(i::raised_on.ge(from))
        .filter(i::raised_on.le(to))
        .count()
        .get_result(conn)?;
    let pending = i::table
        .filter(i::status.eq_any([
            super::issues::IssueStatus::Open.id(),
            super::issues::IssueStatus::InProgress.id(),
        ]))
        .count()
        .get_result(conn)?;
    Ok((raised, pending))
}
