//! `peiyu demo`: seed a realistic Luohe into the configured database (idempotent).

use super::CliError;
use crate::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use crate::core::error::Text;
use crate::i18n::{render, Lang};

use anyhow::Context;
use clap::Args;
use std::time::Instant;

/// Arguments of `peiyu demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many firms to plan.
    #[arg(long, default_value_t = 500)]
    pub firms: usize,
    /// Seed of the generator (the same seed gives the same city).
    #[arg(long, default_value_t = 20_251_125)]
    pub seed: u64,
    /// Run the histories up to this date (YYYY-MM-DD); default today (China time).
    #[arg(long)]
    pub today: Option<String>,
}

/// Run `peiyu demo`.
pub fn run(database_url: &str, args: DemoArgs) -> Result<(), CliError> {
    let today = super::parse_date_arg("--today", args.today.as_deref())?;
    let mut conn = crate::store::connect_one(database_url).context("open the database")?;
    let started = Instant::now();
    let summary = seed_demo(&mut conn, args.seed, args.firms, today).map_err(super::app_error)?;
    let db = crate::store::redact_url(database_url);
    if summary.already_seeded {
        let t = Text::new("cli.demo.already_seeded")
            .plain("db", &db)
            .plain("firms", summary.firms)
            .plain("seed", summary.seed);
        println!("{}\n{}", render(Lang::ZhCn, &t), render(Lang::En, &t));
        return Ok(());
    }
    let t = Text::new("cli.demo.seeded")
        .plain("db", &db)
        .plain("secs", format!("{:.1}", started.elapsed().as_secs_f64()))
        .plain("firms", summary.firms)
        .plain("users", summary.users)
        .plain("events", summary.events);
    println!("{} / {}", render(Lang::ZhCn, &t), render(Lang::En, &t));

    for (stage, n) in &summary.by_stage {
        println!("  {stage:<10} {n:>4}");
    }
    println!(
        "Accounts (password {DEMO_PASSWORD}): admin, bureau, county-411102 … county-lh-dc, advisor01 … advisor50, firm1 … firm5"
    );
    Ok(())
}
