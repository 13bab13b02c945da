//! The outbox worker: claims due rows in batches with a lease, sends them, and records the
//! outcome. A row is marked sent only after the server accepted it (250); a failure is
//! retried with exponential backoff up to the attempts limit (setting
//! [`MAX_ATTEMPTS_KEY`], default [`DEFAULT_MAX_ATTEMPTS`]), then marked failed with the error.
//! A worker that dies leaves its lease to expire; the row is then claimed again and sent with
//! the same Message-ID.
//!
//! Rendering and sending happen here, off the request path: a use case only inserts a row.

use super::error::{NotifyError, StoreContext};
use super::mailer::{FailureClass, Mailer, SendFailure};
use super::render::Composer;
use crate::store::outbox::{self, AfterFailure, OutboxRow};
use crate::store::{settings, DbConn, Pool};
use chrono::{NaiveDateTime, Utc};
use rand::RngCore;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Setting: attempts before a mail is marked failed (JSON integer).
pub const MAX_ATTEMPTS_KEY: &str = "mail_max_attempts";
/// Setting: the base URL that links in mails start with (JSON string).
pub const BASE_URL_KEY: &str = "base_url";
/// The base URL when the setting is unset.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";
/// Attempts before a mail is marked failed when the setting is unset.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// How a pass works.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Rows claimed at once.
    pub batch: i64,
    /// How long a claim holds. A batch still unsent after half of it is handed back, so a
    /// lease never runs out under a live worker.
    pub lease: Duration,
    /// Attempts before giving up; `None` reads the setting.
    pub max_attempts: Option<i32>,
    /// The sender; `None`: the process's ([`super::mail_from`]).
    pub from: Option<String>,
    /// Mails sent at once, each over its own (pooled, reused) connection: while one waits for
    /// the server's reply, another is on the wire.
    pub connections: usize,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            batch: 100,
            lease: Duration::from_secs(120),
            max_attempts: None,
            from: None,
            connections: 4,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassStats {
    /// Rows claimed.
    pub claimed: usize,
    /// Accepted by the server and marked sent.
    pub sent: usize,
    /// Failed this time, queued again for later.
    pub retried: usize,
    /// Given up on: marked failed.
    pub failed: usize,
    /// Claimed but handed back untried (the server was unreachable, or the pass stopped).
    pub released: usize,
    /// The server could not be reached; the pass stopped early.
    pub unreachable: bool,
}

impl PassStats {
    fn add(&mut self, o: &PassStats) {
        self.claimed += o.claimed;
        self.sent += o.sent;
        self.retried += o.retried;
        self.failed += o.failed;
        self.released += o.released;
        self.unreachable |= o.unreachable;
    }
}

/// A worker id unique to this process and call: `host:pid:random`.
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string());
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::thread_rng().next_u32()
    )
}

/// The attempts limit in force: the setting, or the default.
pub fn max_attempts(conn: &mut DbConn) -> Result<i32, NotifyError> {
    match settings::get(conn, MAX_ATTEMPTS_KEY).ctx("read mail_max_attempts")? {
        None => Ok(DEFAULT_MAX_ATTEMPTS),
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                NotifyError::Config(format!(
                    "setting '{MAX_ATTEMPTS_KEY}' must be a whole number of at least 1, not {v}"
                ))
            }),
    }
}

/// The base URL of links in mails: the setting, or [`DEFAULT_BASE_URL`].
pub fn base_url(conn: &mut DbConn) -> Result<String, NotifyError> {
    match settings::get(conn, BASE_URL_KEY).ctx("read base_url")? {
        None => Ok(DEFAULT_BASE_URL.to_string()),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(v) => Err(NotifyError::Config(format!(
            "setting '{BASE_URL_KEY}' must be a URL string, not {v}"
        ))),
    }
}

/// One delivery pass with the default options: see [`run_pass`].
pub fn run_once(
    conn: &mut DbConn,
    mailer: &Mailer,
    worker: &str,
    now: NaiveDateTime,
) -> Result<PassStats, NotifyError> {
    run_pass(conn, mailer, worker, now, &WorkerOptions::default(), None)
}

/// One delivery pass over everything due at `now`: claim a batch, send each mail, record each
/// outcome, and claim again until nothing is due. The pass's clock is `now` plus the time
/// the pass has taken, so a simulated `now` works and leases stay honest. Stops early, handing
/// the unsent rest back, when the server is unreachable or `stop` is set.
pub fn run_pass(
    conn: &mut DbConn,
    mailer: &Mailer,
    worker: &str,
    now: NaiveDateTime,
    opts: &WorkerOptions,
    stop: Option<&AtomicBool>,
) -> Result<PassStats, NotifyError> {
    let max = match opts.max_attempts {
        Some(n) => n,
        None => max_attempts(conn)?,
    };
    let from = opts.from.clone().unwrap_or_else(crate::config::mail_from);
    let composer = Composer::new(&from, &base_url(conn)?).map_err(NotifyError::Config)?;
    let started = Instant::now();
    let clock = || now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    let lease = chrono::Duration::from_std(opts.lease).unwrap_or(chrono::Duration::minutes(2));
    let mut stats = PassStats::default();
    loop {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            break;
        }
        let t = clock();
        let rows = outbox::claim_due(conn, worker, t, t + lease, opts.batch.max(1))
            .ctx("claim due mail")?;
        if rows.is_empty() {
            break;
        }
        let batch = send_batch(
            conn, mailer, &composer, worker, &rows, max, opts, stop, &clock,
        )?;
        stats.add(&batch);
        if batch.unreachable || batch.released > 0 {
            break;
        }
    }
    Ok(stats)
}

/// What a sender thread reports about one row.
enum Outcome {
    /// The server said 250 (or the file was written).
    Sent,
    /// The mail could not be rendered or addressed.
    Unsendable(String),
    /// The send failed.
    Failed(SendFailure),
}

#[allow(clippy::too_many_arguments)]
fn send_batch(
    conn: &mut DbConn,
    mailer: &Mailer,
    composer: &Composer,
    worker: &str,
    rows: &[OutboxRow],
    max_attempts: i32,
    opts: &WorkerOptions,
    stop: Option<&AtomicBool>,
    clock: &(dyn Fn() -> NaiveDateTime + Sync),
) -> Result<PassStats, NotifyError> {
    let claimed_at = Instant::now();
    let mut stats = PassStats {
        claimed: rows.len(),
        ..PassStats::default()
    };
    let next = AtomicUsize::new(0);
    let halt = AtomicBool::new(false);
    let mut tried = vec![false; rows.len()];
    let mut first_error: Option<NotifyError> = None;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
        for _ in 0..opts.connections.clamp(1, super::mailer::MAX_CONNECTIONS) {
            let tx = tx.clone();
            let (next, halt) = (&next, &halt);
            scope.spawn(move || loop {
                if halt.load(Ordering::Relaxed)
                    || stop.is_some_and(|s| s.load(Ordering::Relaxed))
                    || claimed_at.elapsed() > opts.lease / 2
                {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(row) = rows.get(i) else { break };
                let outcome = match composer.compose(row) {
                    Err(e) => Outcome::Unsendable(e),
                    Ok(message) => match mailer.send(&message) {
                        Ok(()) => Outcome::Sent,
                        Err(f) => {
                            if f.class == FailureClass::Unreachable {
                                halt.store(true, Ordering::Relaxed);
                            }
                            Outcome::Failed(f)
                        }
                    },
                };
                if tx.send((i, outcome)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Record outcomes as they come; the 250s that arrived together are marked in one
        // transaction. After a database error the senders are halted and nothing more is
        // recorded: what was sent keeps its lease and goes out again, same Message-ID.
        while let Ok(first) = rx.recv() {
            let mut arrived = vec![first];
            arrived.extend(rx.try_iter());
            if first_error.is_some() {
                continue;
            }
            if let Err(e) = record(
                conn,
                worker,
                rows,
                &arrived,
                max_attempts,
                clock,
                &mut stats,
                &mut tried,
            ) {
                halt.store(true, Ordering::Relaxed);
                first_error = Some(e);
            }
        }
    });
    if let Some(e) = first_error {
        return Err(e);
    }
    let rest: Vec<i64> = rows
        .iter()
        .zip(&tried)
        .filter(|(_, t)| !**t)
        .map(|(r, _)| r.id)
        .collect();
    if !rest.is_empty() {
        stats.released += outbox::release(conn, &rest, worker).ctx("hand back claimed mail")?;
    }
    Ok(stats)
}

/// Record what the senders reported.
#[allow(clippy::too_many_arguments)]
fn record(
    conn: &mut DbConn,
    worker: &str,
    rows: &[OutboxRow],
    arrived: &[(usize, Outcome)],
    max_attempts: i32,
    clock: &(dyn Fn() -> NaiveDateTime + Sync),
    stats: &mut PassStats,
    tried: &mut [bool],
) -> Result<(), NotifyError> {
    let sent: Vec<i64> = arrived
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Sent))
        .map(|(i, _)| rows[*i].id)
        .collect();
    // An account's mail carries a one-time link whose token is kept nowhere else: once the
    // mail is out, the outbox forgets it too.
    let secret: Vec<i64> = arrived
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Sent))
        .map(|(i, _)| &rows[*i])
        .filter(|r| {
            r.params_json()
                .ok()
                .and_then(|p| p.get("account_mail").and_then(serde_json::Value::as_bool))
                .unwrap_or(false)
        })
        .map(|r| r.id)
        .collect();
    if !sent.is_empty() {
        let now = clock();
        crate::store::write_tx(conn, |c| {
            for id in &sent {
                outbox::mark_sent(c, *id, now)?;
            }
            for id in &secret {
                outbox::forget_link(c, *id)?;
            }
            Ok::<_, crate::store::StoreError>(())
        })
        .ctx("record sent mail")?;
        stats.sent += sent.len();
    }
    for (i, outcome) in arrived {
        tried[*i] = true;
        let row = &rows[*i];
        match outcome {
            Outcome::Sent => {}
            Outcome::Unsendable(e) => {
                // A template or address error does not heal by waiting: give up at once; an
                // admin can retry after fixing it.
                outbox::mark_failure(conn, row.id, worker, e, &AfterFailure::GiveUp)
                    .ctx("record a failed mail")?;
                stats.failed += 1;
            }
            Outcome::Failed(f) => {
                let give_up = f.class == FailureClass::Permanent || row.attempts >= max_attempts;
                let after = if give_up {
                    AfterFailure::GiveUp
                } else {
                    AfterFailure::RetryAt(clock() + outbox::backoff(row.attempts))
                };
                outbox::mark_failure(conn, row.id, worker, &f.message, &after)
                    .ctx("record a failed attempt")?;
                if give_up {
                    stats.failed += 1;
                } else {
                    stats.retried += 1;
                }
                if f.class == FailureClass::Unreachable {
                    stats.unreachable = true;
                }
            }
        }
    }
    Ok(())
}

/// The worker inside `peiyu serve`: a thread that makes a pass every `interval` (and at
/// start) until stopped.
pub struct BackgroundWorker {
    stop: Arc<AtomicBool>,
    wake: mpsc::Sender<()>,
    handle: Option<JoinHandle<()>>,
}

impl BackgroundWorker {
    /// Start the thread.
    pub fn spawn(pool: Pool, mailer: Mailer, interval: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let (wake, woken) = mpsc::channel::<()>();
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("peiyu-notify".into())
            .spawn(move || background_loop(&pool, &mailer, interval, &flag, &woken))?;
        Ok(BackgroundWorker {
            stop,
            wake,
            handle: Some(handle),
        })
    }

    /// Stop: the current pass hands back what it has not sent; waits for the thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread may have gone already; then there is nobody to wake.
        let _ = self.wake.send(());
        if let Some(h) = self.handle.take() {
            if h.join().is_err() {
                tracing::error!("the mail worker thread panicked");
            }
        }
    }
}

impl Drop for BackgroundWorker {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

fn background_loop(
    pool: &Pool,
    mailer: &Mailer,
    interval: Duration,
    stop: &AtomicBool,
    woken: &mpsc::Receiver<()>,
) {
    let worker = worker_id();
    tracing::info!(%worker, to = %mailer.describe(), "mail worker started");
    let opts = WorkerOptions::default();
    while !stop.load(Ordering::Relaxed) {
        match pool.get() {
            Ok(mut conn) => {
                match run_pass(
                    &mut conn,
                    mailer,
                    &worker,
                    Utc::now().naive_utc(),
                    &opts,
                    Some(stop),
                ) {
                    Ok(s) if s.claimed > 0 => tracing::info!(
                        sent = s.sent,
                        retried = s.retried,
                        failed = s.failed,
                        released = s.released,
                        unreachable = s.unreachable,
                        "mail pass"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "mail pass failed"),
                }
            }
            Err(e) => tracing::error!(error = %e, "mail worker: no database connection"),
        }
        match woken.recv_timeout(interval) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    tracing::info!(%worker, "mail worker stopped");
}
