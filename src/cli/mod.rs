//! The command line: one file per command, `main` maps errors to exit codes.

pub mod eval;

use clap::{Parser, Subcommand};
use std::fmt;

/// Peiyu (培育): cultivating innovative firms up the ladder of recognitions.
#[derive(Debug, Parser)]
#[command(name = "peiyu", version, about, long_about = None)]
pub struct Cli {
    /// Database: a SQLite path or sqlite://path (default ./peiyu.db), or postgres://…
    #[arg(
        long,
        global = true,
        env = "PEIYU_DATABASE_URL",
        default_value = "peiyu.db"
    )]
    pub database_url: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a firm profile (JSON on stdin) against a rule set; prints the evaluation JSON.
    Eval(eval::EvalArgs),
}

/// How a command failed, mapped to an exit status by `main`.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: exit 2, one line on stderr naming the field.
    BadInput(crate::core::error::InputError),
    /// Anything else: exit 1.
    Failed(anyhow::Error),
}

impl CliError {
    /// The process exit status.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::BadInput(_) => 2,
            CliError::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(e) => write!(f, "bad input: {}: {} ({})", e.field, e.en, e.zh),
            CliError::Failed(e) => {
                write!(f, "{e}")?;
                let mut src = e.source();
                while let Some(s) = src {
                    write!(f, ": {s}")?;
                    src = s.source();
                }
                Ok(())
            }
        }
    }
}

impl From<crate::core::error::InputError> for CliError {
    fn from(e: crate::core::error::InputError) -> CliError {
        CliError::BadInput(e)
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        CliError::Failed(e)
    }
}

/// Run the parsed command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Eval(args) => eval::run(args),
    }
}

/// Today in China (UTC+8): policy dates are local dates, whatever the server's zone.
pub fn today_cn() -> chrono::NaiveDate {
    let offset = chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
    chrono::Utc::now().with_timezone(&offset).date_naive()
}
