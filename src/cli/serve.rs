//! `peiyu serve`: the web application (DESIGN §5, §6), built by [`crate::startup`].

use super::CliError;
use crate::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use crate::config::{ServeSettings, Settings};
use crate::startup::Application;
use anyhow::Context;
use clap::Args;

/// Arguments of `peiyu serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The server's settings (`config`).
    #[command(flatten)]
    pub settings: ServeSettings,
    /// Seed the demo city first if the database has not been seeded (the README's one command).
    #[arg(long)]
    pub demo: bool,
}

/// Run `peiyu serve` until SIGINT or SIGTERM.
pub fn run(settings: &Settings, args: ServeArgs) -> Result<(), CliError> {
    let app = Application::build(settings, &args.settings)?;
    if args.demo {
        let mut conn = app.pool().get().context("get a database connection")?;
        let s =
            seed_demo(&mut conn, 20_251_125, 500, crate::app::today()).map_err(super::app_error)?;
        if !s.already_seeded {
            eprintln!(
                "peiyu: seeded the demo ({} firms); accounts admin, bureau, county-411102, \
                 advisor01 … with password {DEMO_PASSWORD}",
                s.firms
            );
        }
    }
    app.run_until_stopped()?;
    eprintln!("peiyu: stopped");
    Ok(())
}
