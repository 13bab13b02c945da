//! Password verification off the async workers, and bounded: one hashing thread per core,
//! started on first use, takes the verifications in turn (each takes ~20 MiB and tens of
//! milliseconds of one core); the rest wait in the queue without holding a thread or a
//! database connection. A burst of sign-ins then queues instead of starving every other
//! request of CPU and connections.
//!
//! Dedicated threads rather than the blocking pool: after a burst of page requests the
//! blocking pool holds dozens of threads, and a verification landing on a cold one paid for a
//! fresh 19 MiB working area (sign-in p99 ×3 of one verification right after load, ×1.3 once
//! the pool had shrunk; `scripts/bench web`). The same few threads reuse theirs.

use crate::app::{password, AppError};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use tokio::sync::oneshot;

struct Job {
    typed: String,
    hash: String,
    reply: oneshot::Sender<bool>,
}

fn hashers() -> Result<&'static mpsc::Sender<Job>, AppError> {
    static Q: OnceLock<Result<mpsc::Sender<Job>, String>> = OnceLock::new();
    Q.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..cores {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("peiyu-hash-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next job.
                    let next = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = next else { return };
                    // The asker may have gone (client disconnected): nothing to do then.
                    let _ = job.reply.send(password::verify(&job.typed, &job.hash));
                })
                .map_err(|e| format!("start a password hashing thread: {e}"))?;
        }
        Ok(tx)
    })
    .as_ref()
    .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

/// Whether `typed` matches the stored PHC string `hash`, computed on a hashing thread.
pub async fn verify(typed: String, hash: String) -> Result<bool, AppError> {
    let (reply, answer) = oneshot::channel();
    hashers()?
        .send(Job { typed, hash, reply })
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing closed: {e}")))?;
    answer
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}
