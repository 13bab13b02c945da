//! Password verification off the async workers, and bounded: at most one argon2id hash per
//! core runs at a time (each takes ~20 MiB and tens of milliseconds of one core), the rest
//! wait their turn without holding a thread or a database connection. A burst of sign-ins
//! then queues instead of starving every other request of CPU and connections.

use crate::app::{password, AppError};
use actix_web::web;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

fn permits() -> &'static Semaphore {
    static P: OnceLock<Semaphore> = OnceLock::new();
    P.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Semaphore::new(cores)
    })
}

/// Whether `typed` matches the stored PHC string `hash`, computed on the blocking pool under
/// the hashing bound.
pub async fn verify(typed: String, hash: String) -> Result<bool, AppError> {
    let _turn = permits()
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing closed: {e}")))?;
    web::block(move || password::verify(&typed, &hash))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}
