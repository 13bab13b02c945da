//! Building the application (DESIGN §6), once for everyone who serves it: `peiyu serve`
//! ([`Application`]), the tests' `TestApp` and `benches/web.rs` ([`server`], [`server_with`]).
//! [`app`] is the one place that stacks the middleware and registers the routes.

use crate::config::{ServeSettings, Settings};
use crate::jobs;
use crate::notify::mailer::Mailer;
use crate::notify::worker::BackgroundWorker;
use crate::store::{connect_with, redact_url, Pool, PoolOptions};
use crate::web::{self, middleware, session, templates, AppState, WebConfig};
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer};
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// Largest form body a page accepts.
const FORM_LIMIT: usize = 256 * 1024;

/// How long a shutdown of `peiyu serve` waits for requests in flight.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// The application: the shared state, the form and query error shapes, the middleware stack
/// (request log outermost, then the security and caching headers, then the session cookie,
/// then errors rendered in the request's language, then the body deadline and the query
/// check, whose failures that layer renders), the routes
/// `extra` registers (a benchmark's own; nothing for the app itself), then every route of
/// [`web::routes`] and its 404 page.
pub fn app<F>(
    data: actix_web::web::Data<AppState>,
    extra: F,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: FnOnce(&mut actix_web::web::ServiceConfig),
{
    App::new()
        .app_data(data)
        .app_data(
            actix_web::web::FormConfig::default()
                .limit(FORM_LIMIT)
                .error_handler(|e, _| match e {
                    actix_web::error::UrlencodedError::Overflow { .. } => {
                        web::error::WebError::too_large().into()
                    }
                    other => web::error::WebError::bad_request(other.to_string()).into(),
                }),
        )
        .app_data(
            actix_web::web::QueryConfig::default()
                .error_handler(|e, _| web::error::WebError::bad_request(e.to_string()).into()),
        )
        .wrap(from_fn(middleware::plain_query))
        .wrap(from_fn(middleware::body_deadline))
        .wrap(from_fn(web::error::in_user_language))
        .wrap(from_fn(middleware::session_layer))
        .wrap(middleware::security_headers())
        .wrap(from_fn(middleware::request_log))
        .configure(extra)
        .configure(web::routes)
}

/// The HTTP server of [`app`] on `listener`, not yet awaited (call it inside an actix
/// `System`). It stops gracefully on SIGINT and SIGTERM (actix-web's signal handling),
/// finishing requests in flight within the state's shutdown timeout.
pub fn server(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    server_with(listener, state, |_: &mut actix_web::web::ServiceConfig| {})
}

/// [`server`] with `extra` routes registered ahead of the app's own (see [`app`]).
pub fn server_with<F>(listener: TcpListener, state: AppState, extra: F) -> std::io::Result<Server>
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Clone + Send + 'static,
{
    templates::registry().map_err(std::io::Error::other)?;
    let workers = state.config.workers;
    let shutdown = state.config.shutdown_timeout;
    // Every blocking task (`web::db`) holds a pooled connection while it runs, so a worker
    // with more blocking threads than the pool has connections only parks them waiting, and
    // each parked thread keeps its stack and allocator caches. actix's default is 512 threads
    // split over the cores.
    let blocking = usize::try_from(state.pool.max_size()).unwrap_or(1).max(1);
    let data = actix_web::web::Data::new(state);
    let mut server = HttpServer::new(move || app(data.clone(), extra.clone()))
        .worker_max_blocking_threads(blocking)
        .shutdown_timeout(shutdown.as_secs());
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    Ok(server.listen(listener)?.run())
}

/// `peiyu serve`: the database pool, the session key and the bound address, ready to serve
/// with the daily job and the mail worker beside it.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    database_url: String,
    no_tick: bool,
    mail: Option<(Mailer, Duration)>,
}

impl Application {
    /// Open the pool (applying migrations), resolve the session key, open the document
    /// storage, make the mail transport and bind the address; nothing is served or run yet.
    pub fn build(settings: &Settings, serve: &ServeSettings) -> anyhow::Result<Application> {
        let options = PoolOptions::for_server(serve.db_pool);
        let pool = connect_with(&settings.database_url, &options).context("open the database")?;
        let key = {
            let mut conn = pool.get().context("get a database connection")?;
            session::resolve_key(&mut conn, serve.secret_key.as_deref())
                .context("resolve the session key")?
        };
        let mail = if serve.mail_interval > 0 {
            let mailer = crate::notify::mailer::Mailer::from_settings(&settings.mail)
                .map_err(|e| anyhow::anyhow!(e))?;
            Some((mailer, Duration::from_secs(serve.mail_interval)))
        } else {
            None
        };
        let storage = crate::app::applications::documents::open_storage(settings)
            .context("open the document storage (PEIYU_DATA_DIR, PEIYU_STORAGE_URL)")?;
        let listener = TcpListener::bind(&serve.bind)
            .with_context(|| format!("listen on {} (PEIYU_BIND)", serve.bind))?;
        let addr = listener.local_addr().context("read the bound address")?;
        let state = AppState {
            pool,
            keys: session::SessionKeys::new(key, serve.secure_cookies),
            storage,
            config: WebConfig {
                workers: serve.workers,
                trust_proxy: serve.trust_proxy,
                shutdown_timeout: SHUTDOWN_TIMEOUT,
                body_timeout: web::BODY_TIMEOUT,
            },
        };
        Ok(Application {
            listener,
            addr,
            state,
            database_url: settings.database_url.clone(),
            no_tick: serve.no_tick,
            mail,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The database pool.
    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }

    /// Start the daily job and the mail worker, serve until SIGINT or SIGTERM, then stop them.
    pub fn run_until_stopped(self) -> anyhow::Result<()> {
        let daily = if self.no_tick {
            None
        } else {
            Some(
                jobs::DailyLoop::spawn(
                    self.state.pool.clone(),
                    jobs::LoopOptions {
                        storage: Some(self.state.storage.clone()),
                        ..jobs::LoopOptions::default()
                    },
                )
                .context("start the daily job")?,
            )
        };
        let mail_worker = match self.mail {
            Some((mailer, every)) => Some(
                BackgroundWorker::spawn(self.state.pool.clone(), mailer, every)
                    .context("start the mail worker")?,
            ),
            None => None,
        };
        let addr = self.addr;
        tracing::info!(%addr, db = %redact_url(&self.database_url), documents = %self.state.storage.describe(), "serving");
        eprintln!("peiyu: serving http://{addr}/ (Ctrl-C to stop)");
        let (listener, state) = (self.listener, self.state);
        let served = actix_web::rt::System::new()
            .block_on(async move { server(listener, state)?.await })
            .context("run the web server");
        if let Some(d) = daily {
            d.stop();
        }
        if let Some(w) = mail_worker {
            w.shutdown();
        }
        served
    }
}
