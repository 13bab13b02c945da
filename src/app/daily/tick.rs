//! `peiyu tick`: the daily job. First, whatever the day, it re-scores every firm if a
//! migration asked for it ([`crate::app::firms::derived::rescore_if_pending`]). For the day it
//! runs for it
//! 1. takes the `tick` lease (one process at a time) and skips a day already completed;
//! 2. fires the time-based events that are due (`lapse_tech_sme`, `expire_high_tech`) through
//!    [`app::fire_event`] as the system, each with its due day as `as_of`, in batches of firms,
//!    so a missed day is caught up on the next run;
//! 3. queues the reminders (`super::reminders`): credentials running out, the HTE annual
//!    report, the weekly summary, the advisors' follow-up digest, the daily digest;
//! 4. sweeps the document storage of objects without a row (`super::sweep`), when given one,
//!    and the registry import runs (`super::sweep::sweep_import_runs`: stale runs recorded as
//!    interrupted, files older than a week removed);
//! 5. records the day as completed, with a summary.
//!
//! A second run on the same day does nothing; were it forced (`rerun`), it would still change
//! nothing, since an event fired moves its firm out of the state that made it due.

use super::{reminders, sweep};
use crate::app::error::{AppError, Conflict, StoreContext};
use crate::app::firms::derived::recompute_in_tx;
use crate::app::{self, Principal};
use crate::core::schedule;
use crate::store::storage::Storage;
use crate::store::{self, events, firms, jobs, profile, DbConn};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The job's name in `leases` and `job_runs`.
pub const JOB: &str = "tick";

/// How to run the job.
#[derive(Debug, Clone)]
pub struct TickOptions {
    /// The day to run for (`--today`; otherwise today in China).
    pub today: NaiveDate,
    /// Who runs it, as recorded in the lease: host, process and a random part.
    pub holder: String,
    /// How long the lease holds without renewal; it is renewed before every batch.
    pub lease_ttl: chrono::Duration,
    /// Firms per batch.
    pub batch: i64,
    /// Run even if the day is recorded as completed.
    pub rerun: bool,
    /// Set to stop between batches (the day is then not recorded as completed).
    pub stop: Option<Arc<AtomicBool>>,
    /// The document storage to sweep (`None`: no sweep).
    pub storage: Option<Storage>,
}

impl TickOptions {
    /// Whether the run was asked to stop.
    pub fn stopped(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Defaults for `today`: a fresh holder id, a 10-minute lease, batches of 500 firms.
    pub fn new(today: NaiveDate) -> TickOptions {
        TickOptions {
            today,
            holder: holder_id(),
            lease_ttl: chrono::Duration::minutes(10),
            batch: 500,
            rerun: false,
            stop: None,
            storage: None,
        }
    }
}

/// An id for this process as a lease holder: host name, process id and a random part (two
/// loops in one process are two holders).
pub fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_string());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickSummary {
    /// The day it ran for.
    pub day: NaiveDate,
    /// The first day it covered: the day after the last completed run (catching up), or `day`.
    pub since: NaiveDate,
    /// Events fired, by kind id.
    pub events: BTreeMap<String, usize>,
    /// Due events the stage machine refused (logged with their reasons; left for a person).
    pub refused: usize,
    /// Mails queued, by template.
    pub mails: BTreeMap<String, usize>,
    /// Stored objects without a document row deleted by the sweep.
    #[serde(default)]
    pub swept: usize,
    /// Import runs whose process died, recorded as interrupted.
    #[serde(default)]
    pub import_runs_interrupted: usize,
    /// Files of old import runs removed.
    #[serde(default)]
    pub import_files_removed: usize,
}

impl TickSummary {
    /// Events fired in all.
    pub fn events_fired(&self) -> usize {
        self.events.values().sum()
    }

    /// Mails queued in all.
    pub fn mails_queued(&self) -> usize {
        self.mails.values().sum()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickOutcome {
    /// It ran and completed the day.
    Ran(TickSummary),
    /// The day was already completed; nothing was done.
    AlreadyDone(NaiveDate),
    /// Another process holds the lease; nothing was done.
    Busy(String),
    /// Stopped between batches on request; the day is not completed.
    Stopped,
}

/// At most this many days are caught up after a long stop; what fell due earlier is still
/// handled (every due event fires), only day-bound work such as weekly summaries is not.
const MAX_CATCH_UP_DAYS: u64 = 366;

/// Run the daily job for `opts.today` on `conn` (see the module documentation).
pub fn run_tick(conn: &mut DbConn, opts: &TickOptions) -> Result<TickOutcome, AppError> {
    let today = opts.today;
    // A database upgraded by `serve` itself (its pool migrates) gets the derived columns a
    // migration added here, on the loop's first pass, whether or not today's run is done.
    if let Some(n) = crate::app::firms::derived::rescore_if_pending(conn)? {
        tracing::info!(firms = n, "re-scored every firm for a new derived column");
    }
    if !opts.rerun && jobs::is_done(conn, JOB, today).ctx("read the tick's last run")? {
        return Ok(TickOutcome::AlreadyDone(today));
    }
    let mut lease = Lease::new(JOB, &opts.holder, opts.lease_ttl);
    if !lease.acquire(conn)? {
        let holder = jobs::find_lease(conn, JOB)
            .ctx("read the tick lease")?
            .map(|l| l.holder)
            .unwrap_or_default();
        return Ok(TickOutcome::Busy(holder));
    }
    let result = run_leased(conn, opts, &mut lease);
    if let Err(e) = lease.release(conn) {
        tracing::warn!(error = %e, "could not release the tick lease; it will expire");
    }
    result
}

fn run_leased(
    conn: &mut DbConn,
    opts: &TickOptions,
    lease: &mut Lease,
) -> Result<TickOutcome, AppError> {
    let today = opts.today;
    // Under the lease, look again: another process may have completed the day meanwhile.
    if !opts.rerun && jobs::is_done(conn, JOB, today).ctx("read the tick's last run")? {
        return Ok(TickOutcome::AlreadyDone(today));
    }
    let earliest = today - chrono::Days::new(MAX_CATCH_UP_DAYS);
    let since = jobs::last_done_before(conn, JOB, today)
        .ctx("read the tick's last completed day")?
        .and_then(|d| d.succ_opt())
        .map_or(today, |d| d.max(earliest));
    jobs::start_run(conn, JOB, today, &opts.holder, now()).ctx("record the tick's start")?;
    let mut summary = TickSummary {
        day: today,
        since,
        ..TickSummary::default()
    };

    if !fire_due_events(conn, opts, lease, &mut summary)? {
        return Ok(TickOutcome::Stopped);
    }
    let settings = reminders::reminder_settings(conn)?;
    let mut run = reminders::Run {
        conn,
        opts,
        lease,
        summary: &mut summary,
        settings,
    };
    if !reminders::credentials_expiring(&mut run)? || !reminders::annual_report_due(&mut run)? {
        return Ok(TickOutcome::Stopped);
    }
    reminders::weekly_summary(&mut run)?;
    reminders::followup_digest(&mut run)?;
    reminders::reviews_waiting(&mut run)?;
    if opts.stopped() {
        return Ok(TickOutcome::Stopped);
    }
    // Last: today's digest-mode reminders go into today's digest.
    reminders::daily_digest(&mut run)?;
    if let Some(storage) = &opts.storage {
        // A storage that cannot be reached now does not hold up the day: the objects wait
        // for tomorrow's sweep.
        match sweep::sweep_orphans(conn, storage, Utc::now()) {
            Ok(n) => summary.swept = n,
            Err(e) => tracing::warn!(error = %e, "tick: the document sweep failed"),
        }
    }
    match sweep::sweep_import_runs(conn, now()) {
        Ok(swept) => {
            summary.import_runs_interrupted = swept.interrupted;
            summary.import_files_removed = swept.files_removed;
        }
        Err(e) => tracing::warn!(error = %e, "tick: the import runs' sweep failed"),
    }

    lease.renew(conn)?;
    let json = serde_json::to_string(&summary)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("serialise the tick summary: {e}")))?;
    jobs::finish_run(conn, JOB, today, &json, now()).ctx("record the tick's completion")?;
    Ok(TickOutcome::Ran(summary))
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Fire every due time-based event, batch by batch. Returns false if asked to stop.
fn fire_due_events(
    conn: &mut DbConn,
    opts: &TickOptions,
    lease: &mut Lease,
    summary: &mut TickSummary,
) -> Result<bool, AppError> {
    let mut after = 0;
    loop {
        if opts.stopped() {
            return Ok(false);
        }
        lease.renew(conn)?;
        let ids = jobs::firms_maybe_due(conn, opts.today, after, opts.batch.max(1))
            .ctx("find firms with due events")?;
        let Some(&last) = ids.last() else {
            return Ok(true);
        };
        after = last;
        for id in ids {
            fire_for_firm(conn, id, opts.today, summary)?;
        }
    }
}

/// Fire what is due for one firm, each event in its own transaction. An expiry can make a
/// lapse due (the firm lands in the reserve), so ask again after each; a firm changed by
/// someone else meanwhile is reloaded and asked again.
fn fire_for_firm(
    conn: &mut DbConn,
    firm_id: i64,
    today: NaiveDate,
    summary: &mut TickSummary,
) -> Result<(), AppError> {
    let system = Principal::system();
    for _ in 0..6 {
        let firm = firms::find_by_id(conn, firm_id).ctx("load firm for tick")?;
        let state = profile::load_state(conn, &firm).ctx("load firm state for tick")?;
        let Some(due) = schedule::due_event(&state, today) else {
            return Ok(());
        };
        let last = events::last_as_of(conn, firm_id).ctx("read the firm's last event")?;
        let as_of = schedule::effective_date(due.due_on, last, today);
        let kind = due.event.kind();
        let fired = store::write_tx(conn, |c| {
            let fired = app::fire_event(
                c,
                firm_id,
                Some(firm.version),
                due.event.clone(),
                &system,
                as_of,
            )?;
            // fire_event evaluates the next stage as of the event's date; the firm's
            // readiness shown from now on is as of today.
            if as_of != today {
                recompute_in_tx(c, firm_id, today)?;
            }
            Ok::<_, AppError>(fired)
        });
        match fired {
            Ok(f) => {
                *summary.events.entry(kind.id().to_string()).or_insert(0) += 1;
                if f.mails_queued > 0 {
                    *summary.mails.entry("stage_changed".into()).or_insert(0) += f.mails_queued;
                }
                tracing::info!(firm_id, event = kind.id(), %as_of, "tick fired an event");
            }
            Err(AppError::Conflict(Conflict::StaleVersion)) => continue,
            Err(AppError::Conflict(Conflict::IllegalTransition(r))) => {
                summary.refused += 1;
                tracing::warn!(firm_id, event = kind.id(), %as_of, reasons = %r, "tick: the stage machine refused a due event");
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
    // Changed under us six times in a row: leave it to the next run.
    tracing::warn!(
        firm_id,
        "tick: the firm kept changing; its due event waits for the next run"
    );
    Ok(())
}

/// The lease a run holds.
pub(super) struct Lease {
    name: &'static str,
    holder: String,
    ttl: chrono::Duration,
}

impl Lease {
    fn new(name: &'static str, holder: &str, ttl: chrono::Duration) -> Lease {
        Lease {
            name,
            holder: holder.to_string(),
            ttl,
        }
    }

    fn acquire(&mut self, conn: &mut DbConn) -> Result<bool, AppError> {
        let now = now();
        store::write_tx(conn, |c| {
            jobs::try_acquire(c, self.name, &self.holder, now, now + self.ttl)
        })
        .ctx("take the tick lease")
    }

    /// Extend the lease; an error if it was lost (it expired and another process took it),
    /// so this run stops before doing work twice.
    pub(super) fn renew(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        let until = now() + self.ttl;
        if jobs::renew(conn, self.name, &self.holder, until).ctx("renew the tick lease")? {
            Ok(())
        } else {
            Err(AppError::Internal(anyhow::anyhow!(
                "lost the {} lease to another process; stopping",
                self.name
            )))
        }
    }

    fn release(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        jobs::release(conn, self.name, &self.holder, now()).ctx("release the tick lease")
    }
}
