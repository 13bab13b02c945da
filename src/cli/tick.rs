//! `peiyu tick`: the daily job, once (it also runs daily inside `peiyu serve`).

use super::CliError;
use crate::app::applications::documents::open_storage;
use crate::app::daily::{run_tick, TickOptions, TickOutcome, TickSummary};
use crate::config::Settings;
use crate::core::error::Text;
use crate::i18n::{render, Lang};
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

/// Run `peiyu tick` (it sweeps the document storage the settings name, too).
pub fn run(settings: &Settings, args: TickArgs) -> Result<(), CliError> {
    let today = super::parse_date_arg("--today", args.today.as_deref())?;
    let mut conn =
        crate::store::connect_one(&settings.database_url).context("open the database")?;
    let storage = open_storage(settings).map_err(super::app_error)?;
    let opts = TickOptions {
        rerun: args.rerun,
        storage: Some(storage),
        ..TickOptions::new(today)
    };
    match run_tick(&mut conn, &opts).map_err(super::app_error)? {
        TickOutcome::Ran(s) => print_summary(&s),
        TickOutcome::AlreadyDone(day) => {
            zh_then_en(&Text::new("cli.tick.already_done").plain("day", day))
        }
        TickOutcome::Busy(holder) => {
            zh_then_en(&Text::new("cli.tick.busy").plain("holder", holder))
        }
        TickOutcome::Stopped => println!("stopped"),
    }
    Ok(())
}

/// `text` in Chinese, then on the next line in English.
fn zh_then_en(text: &Text) {
    println!("{}\n{}", render(Lang::ZhCn, text), render(Lang::En, text));
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
    zh_then_en(
        &Text::new("cli.tick.summary")
            .plain("span", span)
            .plain("events", s.events_fired())
            .plain("mails", s.mails_queued()),
    );
    if !s.events.is_empty() {
        println!("  events: {}", list(&s.events));
    }
    if !s.mails.is_empty() {
        println!("  mails:  {}", list(&s.mails));
    }
    if s.swept > 0 {
        println!("  swept:  {}", s.swept);
    }
    if s.refused > 0 {
        let t = Text::new("cli.tick.refused").plain("n", s.refused);
        println!("  {} / {}", render(Lang::ZhCn, &t), render(Lang::En, &t));
    }
}
