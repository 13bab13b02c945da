//! The command line: one file per command, `main` maps errors to exit codes.

pub mod demo;
pub mod eval;
pub mod export;
pub mod firm;
pub mod import;
pub mod migrate;
pub mod serve;
pub mod token;
pub mod user;
// The daily job.
pub mod tick;
// notify
pub mod notify;

use clap::{Parser, Subcommand};
use std::fmt;

/// Peiyu (培育): cultivating innovative firms up the ladder of recognitions.
#[derive(Debug, Parser)]
#[command(name = "peiyu", version, about, long_about = None)]
pub struct Cli {
    /// The settings every command reads (`config`).
    #[command(flatten)]
    pub settings: crate::config::Settings,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply the embedded database migrations.
    Migrate,
    /// Seed a realistic demo city (Luohe) into an empty database; a second run changes nothing.
    Demo(demo::DemoArgs),
    /// Evaluate a firm profile (JSON on stdin) against a rule set; prints the evaluation JSON.
    Eval(eval::EvalArgs),
    /// Look at firms: `firm list`, `firm show USCC`.
    Firm(firm::FirmArgs),
    /// Bulk imports: `import firms FILE` (a registry of firms, CSV or XLSX).
    Import(import::ImportArgs),
    /// A list as a file: the firm list with its filters or the reserve pool, as CSV (UTF-8
    /// with a byte-order mark) or XLSX, over the whole city, headers in --lang.
    Export(export::ExportArgs),
    /// Serve the web application (pages and, later, the API) until SIGINT or SIGTERM.
    Serve(serve::ServeArgs),
    /// Accounts: `user add`.
    User(user::UserArgs),
    /// API tokens: `token create`, `token revoke`, `token list`.
    Token(token::TokenArgs),
    /// The daily job once: fire due expiry and lapse events, queue reminders (`--today` simulates a date).
    Tick(tick::TickArgs),
    /// Make one delivery pass over the mail outbox (what is due now), then exit.
    Notify(notify::NotifyArgs),
}

/// Parse `--lang` for terminal commands: `zh` (or `zh-CN`) or `en`.
pub fn parse_lang(s: &str) -> Result<crate::i18n::Lang, String> {
    crate::i18n::Lang::parse(s).ok_or_else(|| format!("unknown language '{s}': use zh or en"))
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
            CliError::BadInput(e) => write!(
                f,
                "bad input: {}: {} ({})",
                e.field,
                crate::i18n::render(crate::i18n::Lang::En, &e.text),
                crate::i18n::render(crate::i18n::Lang::ZhCn, &e.text)
            ),
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
    let settings = &cli.settings;
    crate::config::set_mail_from(&settings.mail.mail_from);
    let db = settings.database_url.as_str();
    match cli.command {
        Command::Migrate => migrate::run(db),
        Command::Demo(args) => demo::run(db, args),
        Command::Eval(args) => eval::run(args),
        Command::Firm(args) => firm::run(db, args),
        Command::Import(args) => import::run(db, args),
        Command::Export(args) => export::run(db, args),
        Command::Serve(args) => serve::run(settings, args),
        Command::User(args) => user::run(db, args),
        Command::Token(args) => token::run(db, args),
        Command::Tick(args) => tick::run(settings, args),
        Command::Notify(args) => notify::run(settings, args),
    }
}

impl Cli {
    /// The log filter: `PEIYU_LOG` (`--log`) when set, else request logs for `serve` and
    /// warnings otherwise.
    pub fn log_filter(&self) -> &str {
        match (&self.settings.log, &self.command) {
            (Some(filter), _) => filter,
            (None, Command::Serve(_)) => "info",
            (None, _) => "warn",
        }
    }
}

/// A `YYYY-MM-DD` argument, or today in China when absent.
pub fn parse_date_arg(flag: &str, value: Option<&str>) -> Result<chrono::NaiveDate, CliError> {
    match value {
        None => Ok(crate::app::today()),
        Some(s) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            CliError::BadInput(crate::core::error::InputError::new(
                flag,
                "invalid_date",
                crate::core::error::Text::new("cli.error.invalid_date").plain("s", s),
            ))
        }),
    }
}

/// A use case's error as the CLI reports it: bad input keeps exit 2, the rest exit 1 with
/// the message in both languages where there is one.
pub fn app_error(e: crate::app::AppError) -> CliError {
    use crate::app::AppError;
    match e {
        AppError::BadInput(i) => CliError::BadInput(i),
        AppError::Conflict(c) => CliError::Failed(anyhow::anyhow!(
            "{} ({})",
            crate::i18n::render(crate::i18n::Lang::En, &c.text()),
            crate::i18n::render(crate::i18n::Lang::ZhCn, &c.text())
        )),
        other => CliError::Failed(anyhow::Error::new(other)),
    }
}
