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
//!
//! The idle thread woken for a job is the one that went idle last. Sign-ins one after another
//! then all run on the same warm thread; handed round the threads in turn (a shared channel
//! does that), each verification ran on a thread idle since the one before last, and one
//! verification's p99 rose by a sixth to a quarter (measured outside the app: 14.9–15.1 ms on
//! one thread, 16.7–18.2 ms alternating between two, 500 verifications 1.5 ms apart).

use crate::app::{accounts::password, AppError};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::Thread;
use tokio::sync::oneshot;

struct Job {
    typed: String,
    hash: String,
    reply: oneshot::Sender<bool>,
}

/// The waiting jobs, oldest first, and the idle hashing threads, the last to go idle on top.
struct Queue {
    jobs: VecDeque<Job>,
    idle: Vec<Thread>,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    jobs: VecDeque::new(),
    idle: Vec::new(),
});

fn queue() -> MutexGuard<'static, Queue> {
    // A panic while holding the lock leaves only plain data behind; go on with it.
    QUEUE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Start the hashing threads, once.
fn started() -> Result<(), AppError> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
            for i in 0..cores {
                std::thread::Builder::new()
                    .name(format!("peiyu-hash-{i}"))
                    .spawn(|| loop {
                        let job = next();
                        // A panic drops the reply (the sign-in fails with an internal error)
                        // and keeps the thread for the next job.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            // The asker may have gone (client disconnected): nothing to do then.
                            let _ = job.reply.send(password::verify(&job.typed, &job.hash));
                        }));
                    })
                    .map_err(|e| format!("start a password hashing thread: {e}"))?;
            }
            Ok(())
        })
        .clone()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

/// A hashing thread's next job, waiting idle (and woken last-idle-first) while there is none.
fn next() -> Job {
    let me = std::thread::current();
    let mut q = queue();
    loop {
        if let Some(job) = q.jobs.pop_front() {
            return job;
        }
        q.idle.push(me.clone());
        drop(q);
        std::thread::park();
        q = queue();
        // Woken by `verify` (which took this thread off the idle list) or spuriously.
        q.idle.retain(|t| t.id() != me.id());
    }
}

/// Whether `typed` matches the stored PHC string `hash`, computed on a hashing thread.
pub async fn verify(typed: String, hash: String) -> Result<bool, AppError> {
    started()?;
    let (reply, answer) = oneshot::channel();
    {
        let mut q = queue();
        q.jobs.push_back(Job { typed, hash, reply });
        if let Some(t) = q.idle.pop() {
            t.unpark();
        }
    }
    answer
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn verifies_many_at_once_and_one_after_another() {
        let hash = password::hash("right").expect("hash");
        // More at once than there are threads: the rest queue and are all answered.
        let at_once: Vec<_> = (0..6)
            .map(|i| {
                let typed = if i % 2 == 0 { "right" } else { "wrong" };
                actix_web::rt::spawn(verify(typed.into(), hash.clone()))
            })
            .collect();
        let mut answers = Vec::new();
        for a in at_once {
            answers.push(a.await.expect("joined").expect("answered"));
        }
        assert_eq!(answers, [true, false, true, false, true, false]);
        // Then one at a time, each waking an idle thread.
        for _ in 0..3 {
            assert!(verify("right".into(), hash.clone())
                .await
                .expect("answered"));
        }
        assert!(!verify("right".into(), "not a hash".into())
            .await
            .expect("answered"));
    }
}
