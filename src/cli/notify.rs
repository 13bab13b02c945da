//! `peiyu notify`: one delivery pass over the outbox, then exit, with a summary line.

use super::CliError;
use crate::config::Settings;
use crate::core::error::{InputError, Text};
use crate::notify::worker::{self, WorkerOptions};
use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime, Utc};
use clap::Args;
use std::time::{Duration, Instant};

/// Arguments of `peiyu notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Act as if it were this time (UTC, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD`), for tests
    /// and demos: what is due then is sent. Default: now.
    #[arg(long)]
    pub now: Option<String>,
    /// Mails claimed at once.
    #[arg(long, default_value_t = 100)]
    pub batch: i64,
    /// How long a claim holds, in seconds, before another worker may take the mail over.
    #[arg(long, default_value_t = 120)]
    pub lease_secs: u64,
    /// Mails sent at once, each over its own reused SMTP connection (1 to 16).
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
}

fn parse_now(s: &str) -> Result<NaiveDateTime, CliError> {
    let t = s.trim();
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .map_err(|_| {
            CliError::BadInput(InputError::new(
                "now",
                "invalid_time",
                Text::new("cli.error.invalid_time").plain("s", s),
            ))
        })
}

/// Run `peiyu notify`.
pub fn run(settings: &Settings, args: NotifyArgs) -> Result<(), CliError> {
    let now = match args.now.as_deref() {
        Some(s) => parse_now(s)?,
        None => Utc::now().naive_utc(),
    };
    if args.batch < 1 {
        return Err(CliError::BadInput(InputError::new(
            "batch",
            "invalid_batch",
            Text::new("cli.error.invalid_batch"),
        )));
    }
    let mailer = crate::notify::mailer::Mailer::from_settings(&settings.mail)
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut conn =
        crate::store::connect_one(&settings.database_url).context("open the database")?;
    let opts = WorkerOptions {
        batch: args.batch,
        lease: Duration::from_secs(args.lease_secs.max(1)),
        connections: args.connections,
        ..WorkerOptions::default()
    };
    let id = worker::worker_id();
    let started = Instant::now();
    let s = worker::run_pass(&mut conn, &mailer, &id, now, &opts, None)
        .map_err(|e| CliError::Failed(anyhow::Error::new(e)))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "peiyu notify: {} sent, {} to retry later, {} failed, {} handed back (claimed {}) in {:.2} s via {}{}",
        s.sent,
        s.retried,
        s.failed,
        s.released,
        s.claimed,
        secs,
        mailer.describe(),
        if s.unreachable {
            "; the mail server was unreachable, mail waits in the outbox"
        } else {
            ""
        }
    );
    Ok(())
}
