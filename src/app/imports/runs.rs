//! Registry imports as stored runs (issue 15, part 6): the page stores the uploaded file and a
//! queued run ([`queue`]), the process that took the upload runs it on a thread of its own
//! ([`execute`]), and any process shows where it is ([`view`]), because the file, the
//! progress and the report all live in the database (`import_runs`), never in one process's
//! memory.
//!
//! A running run renews its heartbeat every [`BEAT`] from a second connection, with the phase
//! and "done of total". A run whose heartbeat is older than [`STALE_AFTER`] (its process died)
//! reads as interrupted; an interrupted commit wrote nothing, since the commit is one
//! transaction. On SQLite the database has one writer, so while a commit writes, the
//! heartbeat waits for the commit's transaction: the progress holds still until it ends.
//!
//! A dry run's report offers to commit the same file ([`queue_commit`]): a new run from the
//! stored bytes, planned again against the database as it is then. The daily sweep
//! (`app::daily::sweep::sweep_import_runs`) marks stale runs as interrupted and removes files
//! older than [`KEEP_FILES`]; the rows and their reports stay.

use super::{field_text, import_firms, ImportOptions, ImportReport, Outcome, Phase};
use crate::app::daily::tick::holder_id;
use crate::app::error::{AppError, StoreContext};
use crate::app::model::person_labels;
use crate::app::principal::Principal;
use crate::app::Pool;
use crate::core::error::Text;
use crate::core::stage::Role;
use crate::i18n::{self, Lang};
use crate::store::import_runs::{self as runs, ImportRun, NewImportRun};
use crate::store::{users, DbConn};
use chrono::{Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Condvar, Mutex, MutexGuard};

/// How often a running run renews its heartbeat and progress.
pub const BEAT: std::time::Duration = std::time::Duration::from_secs(1);

/// How many runs one process executes at once; the others wait their turn, queued (their
/// heartbeat renewed). A run holds two connections of the pool, and on SQLite the runs would
/// take turns at the one writer's lock anyway, so more at once would only starve the pages.
pub const AT_ONCE: usize = 1;

/// How old a heartbeat may be before its run reads as interrupted: long enough for a
/// SQLite commit, during which the heartbeat waits (see the module's documentation).
pub const STALE_AFTER: Duration = Duration::minutes(3);

/// How long a run's file is kept for a commit from its report.
pub const KEEP_FILES: Duration = Duration::days(7);

/// How many changed firms a stored report lists (its counts cover them all).
pub const LISTED_CHANGES: usize = 200;

/// How many runs the import page lists.
pub const RECENT: i64 = 20;

/// Words already rendered in both languages: a stored report is read by whoever opens it,
/// in their language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Words {
    /// `text` in both languages.
    pub fn of(text: &Text) -> Words {
        Words {
            zh: i18n::render(Lang::ZhCn, text),
            en: i18n::render(Lang::En, text),
        }
    }

    /// The words in `lang`.
    pub fn pick(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// A column the header mapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredColumn {
    /// The header as written.
    pub header: String,
    /// Its field.
    pub field: Words,
    /// The year of a wide-form column.
    pub year: Option<i32>,
}

/// A problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredError {
    /// The row (1-based).
    pub row: usize,
    /// The column letter, empty for the whole row.
    pub column: String,
    /// The header as written.
    pub header: String,
    /// The value as found.
    pub value: String,
    /// Stable code.
    pub code: String,
    /// What is wrong.
    pub message: Words,
}

/// One field a firm's import changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredField {
    /// The field.
    pub field: Words,
    /// The fiscal year of a yearly figure.
    pub year: Option<i32>,
    /// Before, as shown.
    pub before: String,
    /// After, as shown.
    pub after: String,
}

/// A firm the import creates or changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChange {
    /// The first row it was read from.
    pub row: usize,
    /// Its code.
    pub uscc: String,
    /// Its name.
    pub name: String,
    /// Created (else updated).
    pub new: bool,
    /// The fields an update changes.
    pub fields: Vec<StoredField>,
}

/// An import's report as a run keeps it: the counts, every row error, the first
/// [`LISTED_CHANGES`] changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReport {
    /// A dry run.
    pub dry_run: bool,
    /// Whether anything was written.
    pub committed: bool,
    /// Rows were rejected and, because of them, nothing was written.
    pub refused: bool,
    /// Data rows read.
    pub data_rows: usize,
    /// New firms.
    pub new: usize,
    /// Stored firms changed.
    pub updated: usize,
    /// Stored firms left as they are.
    pub unchanged: usize,
    /// Rows rejected.
    pub rejected: usize,
    /// Totals rows skipped.
    pub totals: usize,
    /// The columns read.
    pub columns: Vec<StoredColumn>,
    /// Headers not recognised.
    pub ignored: Vec<String>,
    /// Every problem, by row.
    pub errors: Vec<StoredError>,
    /// The first changes, in file order.
    pub changes: Vec<StoredChange>,
    /// How many changes in all.
    pub changes_total: usize,
}

impl StoredReport {
    /// The report of an import, in both languages.
    pub fn of(r: &ImportReport) -> StoredReport {
        StoredReport {
            dry_run: r.dry_run,
            committed: r.committed,
            refused: r.refused(),
            data_rows: r.data_rows,
            new: r.new,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected_rows.len(),
            totals: r.totals_rows.len(),
            columns: r
                .columns
                .iter()
                .map(|c| StoredColumn {
                    header: c.header.clone(),
                    field: Words::of(&field_text(c.field)),
                    year: c.year,
                })
                .collect(),
            ignored: r.ignored_headers.clone(),
            errors: r
                .errors
                .iter()
                .map(|e| StoredError {
                    row: e.row,
                    column: e.column.clone(),
                    header: e.header.clone(),
                    value: e.value.clone(),
                    code: e.code.to_string(),
                    message: Words::of(&e.text),
                })
                .collect(),
            changes: r
                .changes
                .iter()
                .take(LISTED_CHANGES)
                .map(|c| StoredChange {
                    row: c.row,
                    uscc: c.uscc.clone(),
                    name: c.name.clone(),
                    new: matches!(c.outcome, Outcome::New),
                    fields: match &c.outcome {
                        Outcome::New => Vec::new(),
                        Outcome::Updated(fs) => fs
                            .iter()
                            .map(|f| StoredField {
                                field: Words::of(&f.label()),
                                year: f.year,
                                before: f.before.clone(),
                                after: f.after.clone(),
                            })
                            .collect(),
                    },
                })
                .collect(),
            changes_total: r.changes.len(),
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Stored, not started yet.
    Queued,
    /// Its process is working on it.
    Running,
    /// Finished, with a report.
    Done,
    /// Finished without a report (the file could not be read, or an error).
    Failed,
    /// Its process stopped renewing the heartbeat (it died): nothing was committed.
    Interrupted,
}

impl RunStatus {
    /// Stable id (`import.run.status.<id>` in the catalogs).
    pub fn id(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Its words.
    pub fn text(self) -> Text {
        Text::new(match self {
            RunStatus::Queued => "import.run.status.queued",
            RunStatus::Running => "import.run.status.running",
            RunStatus::Done => "import.run.status.done",
            RunStatus::Failed => "import.run.status.failed",
            RunStatus::Interrupted => "import.run.status.interrupted",
        })
    }

    /// Whether the run may still move on (the page refreshes itself).
    pub fn in_flight(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running)
    }

    /// The status of `run` at `now`: a queued or running run whose heartbeat is older than
    /// [`STALE_AFTER`] is interrupted.
    fn of(run: &ImportRun, now: NaiveDateTime) -> RunStatus {
        let stale = run.heartbeat_at < now - STALE_AFTER;
        match run.status.as_str() {
            "queued" if stale => RunStatus::Interrupted,
            "queued" => RunStatus::Queued,
            "running" if stale => RunStatus::Interrupted,
            "running" => RunStatus::Running,
            "done" => RunStatus::Done,
            "failed" => RunStatus::Failed,
            _ => RunStatus::Interrupted,
        }
    }
}

/// The words of a phase.
pub fn phase_text(phase: Phase) -> Text {
    Text::new(match phase {
        Phase::Checking => "import.run.phase.checking",
        Phase::Writing => "import.run.phase.writing",
    })
}

fn phase_id(phase: Phase) -> &'static str {
    match phase {
        Phase::Checking => "checking",
        Phase::Writing => "writing",
    }
}

fn parse_phase(s: &str) -> Option<Phase> {
    match s {
        "checking" => Some(Phase::Checking),
        "writing" => Some(Phase::Writing),
        _ => None,
    }
}

/// A run as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunView {
    /// Id.
    pub id: i64,
    /// Who asked for it.
    pub user_id: i64,
    /// Their name as lists show people (see `app::model::person_labels`).
    pub by: String,
    /// The file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub size: i64,
    /// A dry run (else a commit).
    pub dry_run: bool,
    /// Good rows written even when some are rejected.
    pub skip_bad_rows: bool,
    /// The dry run a commit came from.
    pub source_run_id: Option<i64>,
    /// Where it is.
    pub status: RunStatus,
    /// The phase, once started.
    pub phase: Option<Phase>,
    /// Firms handled in this phase.
    pub done: i64,
    /// Firms in this phase.
    pub total: i64,
    /// The report, once done (only from [`view`]).
    pub report: Option<StoredReport>,
    /// Why it failed.
    pub failure: Option<Words>,
    /// Whether its file is still kept, so a commit from it is possible (only from [`view`]).
    pub has_file: bool,
    /// When it was asked for (UTC).
    pub created_at: NaiveDateTime,
    /// When it last changed (UTC).
    pub updated_at: NaiveDateTime,
}

impl RunView {
    /// Whether its report offers "commit this file": a finished dry run whose file is kept.
    pub fn can_commit(&self) -> bool {
        self.dry_run && self.status == RunStatus::Done && self.has_file
    }

    fn of(run: ImportRun, now: NaiveDateTime, has_file: bool) -> Result<RunView, AppError> {
        let failure = run
            .failure
            .as_deref()
            .map(serde_json::from_str::<Words>)
            .transpose()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("read a run's failure: {e}")))?;
        Ok(RunView {
            id: run.id,
            user_id: run.user_id,
            by: String::new(),
            status: RunStatus::of(&run, now),
            phase: run.phase.as_deref().and_then(parse_phase),
            file_name: run.file_name,
            size: run.size,
            dry_run: run.dry_run,
            skip_bad_rows: run.skip_bad_rows,
            source_run_id: run.source_run_id,
            done: run.done,
            total: run.total,
            report: None,
            failure,
            has_file,
            created_at: run.created_at,
            updated_at: run.updated_at,
        })
    }
}

fn may_import(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Bureau | Role::County)
}

/// Whether `p` sees `run`: the bureau and admins every run, anyone else their own.
fn sees(p: &Principal, run: &ImportRun) -> bool {
    match p.role {
        Role::Admin | Role::Bureau => true,
        Role::County => p.user_id == Some(run.user_id),
        _ => false,
    }
}

/// The run `id` if `p` sees it; `NotFound` otherwise, as for a run that does not exist.
fn visible(conn: &mut DbConn, p: &Principal, id: i64) -> Result<ImportRun, AppError> {
    if !may_import(p) {
        return Err(AppError::Forbidden);
    }
    let run = runs::find_by_id(conn, id).ctx("load an import run")?;
    if !sees(p, &run) {
        return Err(AppError::NotFound);
    }
    Ok(run)
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Store `bytes` (uploaded as `file_name`, already cleaned) as a queued run of `p` with
/// `options`; its id. Start it with [`execute`].
pub fn queue(
    conn: &mut DbConn,
    p: &Principal,
    file_name: &str,
    bytes: Vec<u8>,
    options: ImportOptions,
) -> Result<i64, AppError> {
    insert(conn, p, file_name, bytes, options, None)
}

fn insert(
    conn: &mut DbConn,
    p: &Principal,
    file_name: &str,
    bytes: Vec<u8>,
    options: ImportOptions,
    source_run_id: Option<i64>,
) -> Result<i64, AppError> {
    if !may_import(p) {
        return Err(AppError::Forbidden);
    }
    let user_id = p.user_id.ok_or(AppError::Forbidden)?;
    let at = now();
    runs::insert(
        conn,
        &NewImportRun {
            user_id,
            role: p.role.id().to_string(),
            county_code: p.county_code.clone(),
            file_name: file_name.to_string(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            file: Some(bytes),
            dry_run: options.dry_run,
            skip_bad_rows: options.skip_bad_rows,
            source_run_id,
            status: "queued".to_string(),
            created_at: at,
            updated_at: at,
            heartbeat_at: at,
        },
    )
    .ctx("store an import run")
}

/// Queue a commit of the file of dry run `from` (seen by `p`), as `p`, without a new upload;
/// its id. The commit plans again against the database as it is then.
pub fn queue_commit(
    conn: &mut DbConn,
    p: &Principal,
    from: i64,
    skip_bad_rows: bool,
) -> Result<i64, AppError> {
    let source = visible(conn, p, from)?;
    let view = RunView::of(source, now(), true)?;
    if !view.dry_run || view.status != RunStatus::Done {
        return Err(AppError::bad_input(
            "run",
            "not_a_finished_dry_run",
            Text::new("import.run.not_a_finished_dry_run"),
        ));
    }
    let Some(bytes) = runs::file_of(conn, from).ctx("read an import run's file")? else {
        return Err(AppError::bad_input(
            "run",
            "file_removed",
            Text::new("import.run.file_removed").plain("days", KEEP_FILES.num_days()),
        ));
    };
    insert(
        conn,
        p,
        &view.file_name,
        bytes,
        ImportOptions {
            dry_run: false,
            skip_bad_rows,
        },
        Some(from),
    )
}

/// Run `id` if it is still queued, on the calling thread, once it is its turn (see
/// [`AT_ONCE`]), with connections from `pool`: one for the import, one for the heartbeat.
/// Ends with the run done (its report stored) or failed (an unexpected error is logged and
/// recorded as a server error); were even that impossible, the run reads as interrupted once
/// its heartbeat is stale.
pub fn execute(pool: &Pool, id: i64) {
    if let Err(e) = try_execute(pool, id) {
        tracing::error!(run = id, error = ?e, "an import run failed");
        let failure = Words::of(&Text::new("import.run.failed_internal"));
        let stored = serde_json::to_string(&failure).unwrap_or_default();
        match pool.get() {
            Ok(mut c) => {
                if let Err(e) = runs::finish(&mut c, id, "failed", None, Some(&stored), now()) {
                    tracing::error!(run = id, error = %e, "could not record an import run's failure");
                }
            }
            Err(e) => tracing::error!(run = id, error = %e, "no connection to record a failure"),
        }
    }
}

/// Runs executing in this process now.
static EXECUTING: Mutex<usize> = Mutex::new(0);
/// Signalled when one ends.
static TURN: Condvar = Condvar::new();

fn executing() -> MutexGuard<'static, usize> {
    EXECUTING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A run's turn to execute: given back when dropped.
struct Turn;

impl Turn {
    /// Wait until fewer than [`AT_ONCE`] runs execute in this process, renewing queued run
    /// `id`'s heartbeat every [`BEAT`] meanwhile.
    fn wait(pool: &Pool, id: i64) -> Turn {
        let mut n = executing();
        while *n >= AT_ONCE {
            let (guard, waited) = TURN
                .wait_timeout(n, BEAT)
                .unwrap_or_else(|e| e.into_inner());
            n = guard;
            if waited.timed_out() {
                drop(n);
                let touched = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                    runs::touch_queued(&mut c, id, now()).map_err(|e| e.to_string())
                });
                if let Err(e) = touched {
                    tracing::warn!(run = id, error = %e, "could not renew a queued run's heartbeat");
                }
                n = executing();
            }
        }
        *n += 1;
        Turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        *executing() -= 1;
        TURN.notify_one();
    }
}

fn try_execute(pool: &Pool, id: i64) -> Result<(), AppError> {
    let _turn = Turn::wait(pool, id);
    let unavailable =
        |e: r2d2::Error| AppError::Unavailable(format!("no database connection: {e}"));
    let mut conn = pool.get().map_err(unavailable)?;
    if !runs::claim(&mut conn, id, &holder_id(), now()).ctx("claim an import run")? {
        return Ok(());
    }
    let run = runs::find_by_id(&mut conn, id).ctx("load an import run")?;
    let principal = Principal {
        user_id: Some(run.user_id),
        role: Role::parse(&run.role).unwrap_or(Role::County),
        county_code: run.county_code.clone(),
        firm_id: None,
    };
    let Some(bytes) = runs::file_of(&mut conn, id).ctx("read an import run's file")? else {
        let failure =
            Words::of(&Text::new("import.run.file_removed").plain("days", KEEP_FILES.num_days()));
        return finish_failed(&mut conn, id, &failure);
    };
    let options = ImportOptions {
        dry_run: run.dry_run,
        skip_bad_rows: run.skip_bad_rows,
    };
    let progress: Mutex<Option<(Phase, usize, usize)>> = Mutex::new(None);
    let (stop, stopped) = mpsc::channel::<()>();
    let outcome = std::thread::scope(|s| {
        s.spawn(|| heartbeat(pool, id, &progress, stopped));
        let outcome = import_firms(
            &mut conn,
            &bytes,
            options,
            &principal,
            &mut |phase, done, total| {
                let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
                *p = Some((phase, done, total));
            },
        );
        drop(stop);
        outcome
    });
    match outcome {
        Ok(report) => {
            let json = serde_json::to_string(&StoredReport::of(&report))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("write a run's report: {e}")))?;
            runs::finish(&mut conn, id, "done", Some(&json), None, now())
                .ctx("store an import run's report")
        }
        Err(AppError::BadInput(e)) => finish_failed(&mut conn, id, &Words::of(&e.text)),
        Err(AppError::Forbidden) => finish_failed(
            &mut conn,
            id,
            &Words::of(&Text::new("import.run.failed_forbidden")),
        ),
        Err(e) => Err(e),
    }
}

fn finish_failed(conn: &mut DbConn, id: i64, failure: &Words) -> Result<(), AppError> {
    let json = serde_json::to_string(failure)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("write a run's failure: {e}")))?;
    runs::finish(conn, id, "failed", None, Some(&json), now()).ctx("record an import run's failure")
}

/// Every [`BEAT`] until `stopped` hangs up: write the progress and renew the heartbeat, on a
/// connection of its own (the import's may be inside its transaction).
fn heartbeat(
    pool: &Pool,
    id: i64,
    progress: &Mutex<Option<(Phase, usize, usize)>>,
    stopped: mpsc::Receiver<()>,
) {
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(BEAT) {
        let now_at = *progress.lock().unwrap_or_else(|e| e.into_inner());
        let (phase, done, total) = now_at.unwrap_or((Phase::Checking, 0, 0));
        let written = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
            runs::beat(
                &mut c,
                id,
                phase_id(phase),
                i64::try_from(done).unwrap_or(i64::MAX),
                i64::try_from(total).unwrap_or(i64::MAX),
                now(),
            )
            .map_err(|e| e.to_string())
        });
        if let Err(e) = written {
            tracing::warn!(run = id, error = %e, "could not renew an import run's heartbeat");
        }
    }
}

/// Run `id` as `p` sees it, with its report.
pub fn view(conn: &mut DbConn, p: &Principal, id: i64) -> Result<RunView, AppError> {
    let run = visible(conn, p, id)?;
    let has_file = runs::has_file(conn, id).ctx("check an import run's file")?;
    let mut v = RunView::of(run, now(), has_file)?;
    name_people(conn, std::slice::from_mut(&mut v))?;
    if v.status == RunStatus::Done {
        v.report = runs::report_of(conn, id)
            .ctx("read an import run's report")?
            .as_deref()
            .map(serde_json::from_str::<StoredReport>)
            .transpose()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("read a run's report: {e}")))?;
    }
    Ok(v)
}

/// The newest runs `p` sees (without their reports), newest first.
pub fn recent(conn: &mut DbConn, p: &Principal) -> Result<Vec<RunView>, AppError> {
    if !may_import(p) {
        return Err(AppError::Forbidden);
    }
    let mine = match p.role {
        Role::Admin | Role::Bureau => None,
        _ => Some(p.user_id.ok_or(AppError::Forbidden)?),
    };
    let at = now();
    let mut list = runs::recent(conn, mine, RECENT)
        .ctx("list import runs")?
        .into_iter()
        .map(|r| RunView::of(r, at, false))
        .collect::<Result<Vec<_>, _>>()?;
    name_people(conn, &mut list)?;
    Ok(list)
}

/// Fill in who asked for each run (an account since removed reads as its id).
fn name_people(conn: &mut DbConn, list: &mut [RunView]) -> Result<(), AppError> {
    let mut ids: Vec<i64> = list.iter().map(|r| r.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = users::find_many(conn, &ids).ctx("name the people of import runs")?;
    let labels = person_labels(
        people
            .iter()
            .map(|u| (u.id, u.display_name.as_str(), u.username.as_str())),
    );
    for r in list {
        r.by = labels
            .get(&r.user_id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", r.user_id));
    }
    Ok(())
}
