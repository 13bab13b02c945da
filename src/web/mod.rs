//! The web layer (DESIGN §5): actix-web handlers that parse, call a use case, and render a
//! handlebars page. No business rule lives here; blocking database work runs in `web::block`.
//!
//! Routes: `/healthz`, `/readyz`, `/static/{name}`, `/login` (GET, POST), `/logout` (POST),
//! `/lang/{tag}`, `/` (dashboard), `/firms`, `/firms/{id}`; forms `/firms/new`,
//! `/firms/{id}/edit`, `/firms/{id}/years`, `/firms/{id}/ip/new`; stage actions
//! `/firms/{id}/actions/{event}`; `/firms/{id}/whatif`; the reserve pool `/pool`.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod middleware;
pub mod pages;
pub mod session;
pub mod templates;

use crate::app::AppError;
use crate::store::{DbConn, Pool};
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use session::SessionKeys;
use std::net::TcpListener;
use std::time::Duration;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Worker threads; `None`: one per core.
    pub workers: Option<usize>,
    /// Use the `Forwarded`/`X-Forwarded-For` address for login throttling (only behind a
    /// proxy that sets it); otherwise the peer address.
    pub trust_proxy: bool,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            workers: None,
            trust_proxy: false,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// What every handler shares. Nothing here is state another process would need: the pool
/// reaches the database, the keys are the ones stored there or configured.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: Pool,
    /// The session cookie keys.
    pub keys: SessionKeys,
    /// Server options.
    pub config: WebConfig,
}

/// Run `f` with a pooled connection on the blocking thread pool.
pub async fn db<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("get a database connection"))
        })?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// Register every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(pages::health::healthz))
        .route("/readyz", web::get().to(pages::health::readyz))
        .route("/static/{name}", web::get().to(assets::serve))
        .route("/login", web::get().to(pages::login::form))
        .route("/login", web::post().to(pages::login::submit))
        .route("/logout", web::post().to(pages::login::logout))
        .route("/lang/{tag}", web::get().to(pages::login::switch_lang))
        .route("/", web::get().to(pages::dashboard::show))
        .route("/firms", web::get().to(pages::firms::list))
        // Forms, stage actions, what-if and the reserve pool (before `/firms/{id}`).
        .route("/firms/new", web::get().to(pages::firm_forms::new_firm))
        .route("/firms/new", web::post().to(pages::firm_forms::create_firm))
        .route(
            "/firms/{id}/edit",
            web::get().to(pages::firm_forms::edit_form),
        )
        .route(
            "/firms/{id}/edit",
            web::post().to(pages::firm_forms::update_firm),
        )
        .route(
            "/firms/{id}/years",
            web::get().to(pages::firm_forms::year_form),
        )
        .route(
            "/firms/{id}/years",
            web::post().to(pages::firm_forms::save_year),
        )
        .route(
            "/firms/{id}/ip/new",
            web::get().to(pages::firm_forms::ip_form),
        )
        .route(
            "/firms/{id}/ip/new",
            web::post().to(pages::firm_forms::add_ip),
        )
        .route(
            "/firms/{id}/actions/{event}",
            web::get().to(pages::actions::form),
        )
        .route(
            "/firms/{id}/actions/{event}",
            web::post().to(pages::actions::fire),
        )
        .route("/firms/{id}/whatif", web::get().to(pages::whatif::show))
        .route("/pool", web::get().to(pages::pool::show))
        .route("/firms/{id}", web::get().to(pages::firms::show))
        // The JSON API and the admin pages (branch `api`).
        .configure(api::configure)
        .route("/admin/users", web::get().to(pages::admin::users))
        .route("/admin/users", web::post().to(pages::admin::invite))
        .route("/admin/users/{id}", web::post().to(pages::admin::change))
        .route("/admin/tokens", web::post().to(pages::admin::create_token))
        .route(
            "/admin/tokens/{id}/revoke",
            web::post().to(pages::admin::revoke_token),
        )
        .default_service(web::to(pages::not_found));
}

/// The HTTP server on `listener`, not yet awaited. It stops gracefully on SIGINT and SIGTERM
/// (actix-web's signal handling), finishing requests in flight within the shutdown timeout.
pub fn build_server(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    templates::registry().map_err(std::io::Error::other)?;
    let workers = state.config.workers;
    let shutdown = state.config.shutdown_timeout;
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::FormConfig::default().limit(256 * 1024))
            .wrap(actix_web::middleware::from_fn(middleware::session_layer))
            .wrap(middleware::security_headers())
            .wrap(actix_web::middleware::from_fn(middleware::request_log))
            .configure(routes)
    })
    .shutdown_timeout(shutdown.as_secs());
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    Ok(server.listen(listener)?.run())
}
