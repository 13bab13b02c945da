//! Configuration (DESIGN §6): every `PEIYU_*` setting, each a flag whose environment
//! variable is its fallback, read once when the command line is parsed, validated there (an
//! error names the variable), and documented on its field below. `peiyu serve --help` lists
//! exactly these, and so does the README's Configuration section (a test keeps the two
//! equal). No other module reads a `PEIYU_*` variable (a test checks that too).
//!
//! - [`Settings`]: what every command may use (the database, the log filter, mail, where
//!   documents are kept), global flags of `peiyu`.
//! - [`ServeSettings`]: what only `peiyu serve` uses (address, session key, workers, pool,
//!   background work).
//!
//! Two inputs of single commands are not settings and are not listed by `serve`: the output
//! language of `peiyu firm` (`PEIYU_LANG`, on its own flag) and the password of `peiyu user
//! add` ([`password_from_env`], never a flag).

use clap::{Args, Parser};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

/// The sender when `PEIYU_MAIL_FROM` is unset.
pub const DEFAULT_MAIL_FROM: &str = "Peiyu <noreply@peiyu.localhost>";
/// Where `.eml` files go when no SMTP server is set.
pub const DEFAULT_MAIL_DIR: &str = "./mail";
/// Where the application keeps its files (uploaded documents) by default.
pub const DEFAULT_DATA_DIR: &str = "./data";

/// The sender of this process's mail, set once at startup from [`MailSettings::mail_from`].
static MAIL_FROM: OnceLock<String> = OnceLock::new();

/// Make `from` the sender of every mail this process queues or sends (the command line does,
/// from PEIYU_MAIL_FROM, before any command runs). Only the first call counts: the sender is
/// one per process, and Message-IDs already made carry its domain.
pub fn set_mail_from(from: &str) {
    let _ = MAIL_FROM.set(from.trim().to_string());
}

/// The sender: the one set by [`set_mail_from`], or [`DEFAULT_MAIL_FROM`].
pub fn mail_from() -> String {
    MAIL_FROM
        .get()
        .filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_string())
}

/// Settings every command reads: global flags of `peiyu`, each with its `PEIYU_*` variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: a SQLite path or sqlite://path (default ./peiyu.db), or postgres://…
    #[arg(
        long,
        global = true,
        env = "PEIYU_DATABASE_URL",
        default_value = "peiyu.db",
        value_parser = database_url
    )]
    pub database_url: String,

    /// Log filter (tracing's EnvFilter syntax, e.g. `info` or `peiyu=debug,warn`); default
    /// `info` for `serve`, `warn` for the other commands.
    #[arg(long = "log", global = true, env = "PEIYU_LOG", value_parser = log_filter)]
    pub log: Option<String>,

    /// Where mail goes and who sends it.
    #[command(flatten)]
    pub mail: MailSettings,

    /// Directory for the files the application keeps: uploaded documents under `documents/`
    /// (unless PEIYU_STORAGE_URL names a bucket).
    #[arg(long, global = true, env = "PEIYU_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// Where uploaded documents are kept: unset for PEIYU_DATA_DIR/documents,
    /// s3://bucket[/prefix] for an S3-compatible bucket shared by several servers (credentials,
    /// region and endpoint from the usual AWS_* variables), or file:///path for another directory.
    #[arg(long, global = true, env = "PEIYU_STORAGE_URL", value_parser = storage_url)]
    pub storage_url: Option<String>,
}

/// Mail: the transport (`serve`'s worker, `peiyu notify`) and the sender (also the domain of
/// the Message-ID every command gives a mail it queues).
#[derive(Debug, Clone, Args)]
pub struct MailSettings {
    /// SMTP server: smtp://user:pass@host:587 (STARTTLS, required), ?tls=opportunistic,
    /// smtp://host:25?tls=none (plain), or smtps://user:pass@host:465 (TLS). Unset: mail is
    /// written as .eml files under --mail-dir.
    #[arg(long, global = true, env = "PEIYU_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Directory for .eml files when no SMTP server is set.
    #[arg(long, global = true, env = "PEIYU_MAIL_DIR", default_value = DEFAULT_MAIL_DIR)]
    pub mail_dir: PathBuf,

    /// Sender of every mail, e.g. `Peiyu <noreply@example.org>`.
    #[arg(
        long,
        global = true,
        env = "PEIYU_MAIL_FROM",
        default_value = DEFAULT_MAIL_FROM,
        value_parser = sender
    )]
    pub mail_from: String,
}

/// Settings of `peiyu serve` alone, each with its `PEIYU_*` variable.
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address to listen on.
    #[arg(long, env = "PEIYU_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Key that signs session cookies: 128+ hex digits (e.g. `openssl rand -hex 64`). Unset:
    /// a random key is generated once and kept in the database, shared by every process on it.
    #[arg(
        long,
        env = "PEIYU_SECRET_KEY",
        hide_env_values = true,
        value_parser = secret_key
    )]
    pub secret_key: Option<String>,

    /// Mark cookies `Secure` (set it when users reach the server over HTTPS).
    #[arg(long, env = "PEIYU_SECURE_COOKIES", value_parser = switch("PEIYU_SECURE_COOKIES"))]
    pub secure_cookies: bool,

    /// Count the client address from `X-Forwarded-For`/`Forwarded` for login throttling
    /// (only behind a reverse proxy that sets them).
    #[arg(long, env = "PEIYU_TRUST_PROXY", value_parser = switch("PEIYU_TRUST_PROXY"))]
    pub trust_proxy: bool,

    /// Worker threads (default: one per core).
    #[arg(long, env = "PEIYU_WORKERS", value_parser = above_zero::<usize>("PEIYU_WORKERS"))]
    pub workers: Option<usize>,

    /// Database connections kept open (default: twice the cores, at least 4). A database on
    /// another machine may want more.
    #[arg(long, env = "PEIYU_DB_POOL", value_parser = above_zero::<u32>("PEIYU_DB_POOL"))]
    pub db_pool: Option<u32>,

    /// Do not run the daily job (`peiyu tick`) inside this process (e.g. when cron runs it).
    #[arg(long, env = "PEIYU_NO_TICK", value_parser = switch("PEIYU_NO_TICK"))]
    pub no_tick: bool,

    /// Seconds between the mail worker's delivery passes (0: no mail worker in this process).
    #[arg(
        long,
        env = "PEIYU_MAIL_INTERVAL",
        default_value_t = 10,
        value_parser = number::<u64>("PEIYU_MAIL_INTERVAL")
    )]
    pub mail_interval: u64,
}

/// The settings `peiyu serve` would run with when given no flags: for benchmarks and tools
/// that serve the app as `serve` does.
#[derive(Debug, Parser)]
#[command(name = "peiyu")]
struct FromEnv {
    #[command(flatten)]
    settings: Settings,
    #[command(flatten)]
    serve: ServeSettings,
}

/// [`Settings`] and [`ServeSettings`] from the environment alone, validated as on the command
/// line.
pub fn from_env() -> Result<(Settings, ServeSettings), clap::Error> {
    FromEnv::try_parse_from(["peiyu"]).map(|e| (e.settings, e.serve))
}

/// The password of `peiyu user add`, from `PEIYU_PASSWORD` (never a flag: a flag would show
/// in the process list and the shell's history); `None` when unset.
pub fn password_from_env() -> Option<String> {
    std::env::var("PEIYU_PASSWORD").ok()
}

fn database_url(s: &str) -> Result<String, String> {
    crate::store::Backend::from_url(s)
        .map(|_| s.to_string())
        .map_err(|e| format!("PEIYU_DATABASE_URL: {e}"))
}

fn storage_url(s: &str) -> Result<String, String> {
    crate::store::storage::Location::parse(Some(s), std::path::Path::new("."))
        .map(|_| s.trim().to_string())
}

fn log_filter(s: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(s)
        .map(|_| s.to_string())
        .map_err(|e| format!("PEIYU_LOG is not a log filter: {e}"))
}

fn sender(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(DEFAULT_MAIL_FROM.to_string());
    }
    parse_sender(s).map(|_| s.to_string())
}

/// The sender (PEIYU_MAIL_FROM) as a mailbox, e.g. `Peiyu <noreply@example.org>`; text that
/// is not an address is an error naming the setting.
pub fn parse_sender(from: &str) -> Result<lettre::message::Mailbox, String> {
    from.parse::<lettre::message::Mailbox>()
        .map_err(|e| format!("the sender '{from}' (PEIYU_MAIL_FROM) is not an address: {e}"))
}

fn secret_key(s: &str) -> Result<String, String> {
    crate::web::session::key_from_text(s).map(|_| s.trim().to_string())
}

/// A number of things, more than none; the message names `var`.
fn above_zero<T>(
    var: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: FromStr + PartialOrd + From<u8> + 'static,
{
    move |s| {
        s.trim()
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::from(0))
            .ok_or_else(|| format!("{var} must be a whole number above 0, not '{s}'"))
    }
}

/// A whole number, 0 or more; the message names `var`.
fn number<T: FromStr + 'static>(
    var: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |s| {
        s.trim()
            .parse::<T>()
            .map_err(|_| format!("{var} must be a whole number, not '{s}'"))
    }
}

/// `true` or `false` (as the bare flag sets it); the message names `var`.
fn switch(
    var: &'static str,
) -> impl Fn(&str) -> Result<bool, String> + Clone + Send + Sync + 'static {
    move |s| match s.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("{var} must be true or false, not '{other}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_refused_naming_the_variable() {
        assert!(above_zero::<u32>("PEIYU_DB_POOL")("0")
            .unwrap_err()
            .contains("PEIYU_DB_POOL"));
        assert_eq!(above_zero::<u32>("PEIYU_DB_POOL")(" 6 "), Ok(6));
        assert!(number::<u64>("PEIYU_MAIL_INTERVAL")("soon")
            .unwrap_err()
            .contains("PEIYU_MAIL_INTERVAL"));
        assert!(switch("PEIYU_NO_TICK")("maybe")
            .unwrap_err()
            .contains("PEIYU_NO_TICK"));
        assert!(database_url("mysql://x/y")
            .unwrap_err()
            .contains("PEIYU_DATABASE_URL"));
        assert!(sender("not an address")
            .unwrap_err()
            .contains("PEIYU_MAIL_FROM"));
        assert!(secret_key("short")
            .unwrap_err()
            .contains("PEIYU_SECRET_KEY"));
        assert!(log_filter("peiyu=loud").unwrap_err().contains("PEIYU_LOG"));
        assert!(storage_url("ftp://files")
            .unwrap_err()
            .contains("PEIYU_STORAGE_URL"));
    }

    #[test]
    fn a_blank_sender_is_the_default_one() {
        assert_eq!(sender("  ").unwrap(), DEFAULT_MAIL_FROM);
    }
}
