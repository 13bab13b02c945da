//! The daily loop inside `peiyu serve`: run [`run_tick`] at startup if today's run is missing,
//! then again after local midnight (China time). It also wakes every `check_every` and runs the
//! tick if the day is still not completed, so when several `serve` processes share a database
//! and the one holding the lease dies, another takes over once the lease expires.

use crate::app::applications::documents::Storage;
use crate::app::daily::tick::{holder_id, run_tick, TickOptions, TickOutcome};
use crate::app::{self, Pool};
use crate::core::clock::next_china_midnight;
use chrono::Utc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How the loop runs.
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// How often to look whether today's run is missing (default 10 minutes).
    pub check_every: Duration,
    /// The document storage each run sweeps (`None`: no sweep).
    pub storage: Option<Storage>,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            check_every: Duration::from_secs(600),
            storage: None,
        }
    }
}

/// The running loop; [`DailyLoop::stop`] ends it.
#[derive(Debug)]
pub struct DailyLoop {
    wake: mpsc::Sender<()>,
    stop: Arc<AtomicBool>,
    handle: JoinHandle<()>,
}

impl DailyLoop {
    /// Start the loop on its own thread, with connections from `pool`.
    pub fn spawn(pool: Pool, opts: LoopOptions) -> std::io::Result<DailyLoop> {
        let (wake, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("peiyu-tick".into())
            .spawn(move || body(&pool, &opts, &rx, &flag))?;
        Ok(DailyLoop { wake, stop, handle })
    }

    /// Stop the loop: a tick in progress stops after its current batch (its day is left
    /// uncompleted, for the next run); then wait for the thread.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        // The receiver may be gone already if the thread ended; nothing to wake then.
        let _ = self.wake.send(());
        if self.handle.join().is_err() {
            tracing::error!("the daily tick thread panicked");
        }
    }
}

fn body(pool: &Pool, opts: &LoopOptions, rx: &mpsc::Receiver<()>, stop: &Arc<AtomicBool>) {
    let holder = holder_id();
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let today = app::today();
        let tick = TickOptions {
            holder: holder.clone(),
            stop: Some(Arc::clone(stop)),
            storage: opts.storage.clone(),
            ..TickOptions::new(today)
        };
        match pool.get() {
            Ok(mut conn) => match run_tick(&mut conn, &tick) {
                Ok(TickOutcome::Ran(s)) => tracing::info!(
                    day = %s.day,
                    since = %s.since,
                    events = s.events_fired(),
                    refused = s.refused,
                    mails = s.mails_queued(),
                    "daily tick completed"
                ),
                Ok(TickOutcome::AlreadyDone(_)) => {}
                Ok(TickOutcome::Busy(other)) => {
                    tracing::debug!(holder = %other, "daily tick: another process holds the lease");
                }
                Ok(TickOutcome::Stopped) => return,
                Err(e) => tracing::warn!(error = %e, "daily tick failed; will retry"),
            },
            Err(e) => tracing::warn!(error = %e, "daily tick: no database connection; will retry"),
        }
        let wait = until_next_midnight().min(opts.check_every);
        match rx.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Time until a few seconds after the next midnight in China (UTC+8).
fn until_next_midnight() -> Duration {
    let now = Utc::now().naive_utc();
    (next_china_midnight(now, chrono::Duration::seconds(5)) - now)
        .to_std()
        .unwrap_or(Duration::from_secs(3600))
}
