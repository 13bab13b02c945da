//! `peiyu tick`: the daily job, once (it also runs daily inside `peiyu serve`).

use super::CliError;
use crate::app::daily::{run_tick, TickOptions, TickOutcome, TickSummary};
use anyhow::Context;
use clap::Args;

/// Arguments of `peiyu tick`.
#[derive(Debug, Args)]
pub struct TickArgs {
    /// Run for this day (YYYY-MM-DD) instead of today (China time): simulates a date.
    #[arg(long)]
    pub today: Option<String>,
    /// Run even if the day already completed (what was done is not done twice).
    #[arg(long)]
    pub rerun: bool,
}

/// Run `peiyu tick`.
pub fn run(database_url: &str, args: TickArgs) -> Result<(), CliError> {
    let today = super::parse_date_arg("--today", args.today.as_deref())?;
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    let opts = TickOptions {
        rerun: args.rerun,
        ..TickOptions::new(today)
    };
    match run_tick(&mut conn, &opts).map_err(super::app_error)? {
        TickOutcome::Ran(s) => print_summary(&s),
        TickOutcome::AlreadyDone(day) => println!(
            "{day} 的每日任务已完成，未做改动。\n\
             The daily job for {day} already ran; nothing changed."
        ),
        TickOutcome::Busy(holder) => println!(
            "另一个进程（{holder}）正在运行每日任务，未做改动。\n\
             Another process ({holder}) is running the daily job; nothing changed."
        ),
        TickOutcome::Stopped => println!("stopped"),
    }
    Ok(())
}

fn print_summary(s: &TickSummary) {
    let list = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let span = if s.since == s.day {
        s.day.to_string()
    } else {
        format!("{} … {}", s.since, s.day)
    };
    println!(
        "每日任务 {span}：触发 {} 个事件，排队 {} 封邮件。\n\
         Daily job {span}: {} events fired, {} mails queued.",
        s.events_fired(),
        s.mails_queued(),
        s.events_fired(),
        s.mails_queued()
    );
    if !s.events.is_empty() {
        println!("  events: {}", list(&s.events));
    }
    if !s.mails.is_empty() {
        println!("  mails:  {}", list(&s.mails));
    }
    if s.refused > 0 {
        println!(
            "  {} 个到期事件被阶段规则拒绝（见日志） / {} due events refused by the stage machine (see the log)",
            s.refused, s.refused
        );
    }
}
