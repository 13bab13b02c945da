//! `peiyu serve`: the web application (DESIGN §5, §6).

use super::CliError;
use crate::app::seed_demo::{seed_demo, DEMO_PASSWORD};
use crate::jobs;
use crate::notify::mailer::Mailer;
use crate::notify::worker::BackgroundWorker;
use crate::store;
use crate::web::{session, AppState, WebConfig};
use anyhow::Context;
use clap::Args;
use std::net::TcpListener;
use std::time::Duration;

/// Arguments of `peiyu serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PEIYU_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Key that signs session cookies: 128+ hex digits (e.g. `openssl rand -hex 64`). Unset:
    /// a random key is generated once and kept in the database, shared by every process on it.
    #[arg(long, env = "PEIYU_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Mark cookies `Secure` (set it when users reach the server over HTTPS).
    #[arg(long, env = "PEIYU_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Count the client address from `X-Forwarded-For`/`Forwarded` for login throttling
    /// (only behind a reverse proxy that sets them).
    #[arg(long, env = "PEIYU_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Worker threads (default: one per core).
    #[arg(long, env = "PEIYU_WORKERS")]
    pub workers: Option<usize>,
    /// Seed the demo city first if the database has not been seeded (the README's one command).
    #[arg(long)]
    pub demo: bool,
    /// Do not run the daily job (`peiyu tick`) inside this process (e.g. when cron runs it).
    #[arg(long, env = "PEIYU_NO_TICK")]
    pub no_tick: bool,
    /// Seconds between the mail worker's delivery passes (0: no mail worker in this process).
    #[arg(long, env = "PEIYU_MAIL_INTERVAL", default_value_t = 10)]
    pub mail_interval: u64,
}

/// Run `peiyu serve` until SIGINT or SIGTERM.
pub fn run(database_url: &str, args: ServeArgs) -> Result<(), CliError> {
    let options = store::PoolOptions::for_server().context("size the connection pool")?;
    let pool = store::connect_with(database_url, &options).context("open the database")?;
    let mut conn = pool.get().context("get a database connection")?;
    if args.demo {
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
    let key =
        session::resolve_key(&mut conn, args.secret_key.as_deref()).map_err(super::app_error)?;
    drop(conn);
    let listener =
        TcpListener::bind(&args.bind).with_context(|| format!("listen on {}", args.bind))?;
    let addr = listener.local_addr().context("read the bound address")?;
    let daily = if args.no_tick {
        None
    } else {
        Some(
            jobs::DailyLoop::spawn(pool.clone(), jobs::LoopOptions::default())
                .context("start the daily job")?,
        )
    };
    let state = AppState {
        pool,
        keys: session::SessionKeys::new(key, args.secure_cookies),
        config: WebConfig {
            workers: args.workers,
            trust_proxy: args.trust_proxy,
            shutdown_timeout: Duration::from_secs(10),
        },
    };
    let mail_worker = if args.mail_interval > 0 {
        let mailer = Mailer::from_env().map_err(|e| anyhow::anyhow!(e))?;
        Some(
            BackgroundWorker::spawn(
                state.pool.clone(),
                mailer,
                Duration::from_secs(args.mail_interval),
            )
            .context("start the mail worker")?,
        )
    } else {
        None
    };
    tracing::info!(%addr, db = %store::redact_url(database_url), "serving");
    eprintln!("peiyu: serving http://{addr}/ (Ctrl-C to stop)");
    let served = actix_web::rt::System::new()
        .block_on(async move {
            let server = crate::startup::server(listener, state)?;
            server.await
        })
        .context("run the web server");
    if let Some(d) = daily {
        d.stop();
    }
    if let Some(w) = mail_worker {
        w.shutdown();
    }
    served?;
    eprintln!("peiyu: stopped");
    Ok(())
}
