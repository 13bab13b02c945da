//! Building the application (DESIGN §6), once for everyone who serves it: `peiyu serve`, the
//! tests' `TestApp` and `benches/web.rs` ([`server`], [`server_with`]). [`app`] is the one
//! place that stacks the middleware and registers the routes.

use crate::web::{self, middleware, templates, AppState};
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer};
use std::net::TcpListener;

/// Largest form body a page accepts.
const FORM_LIMIT: usize = 256 * 1024;

/// The application: the shared state, the form limit, the middleware stack (request log
/// outermost, then the security and caching headers, then the session cookie), the routes
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
        .app_data(actix_web::web::FormConfig::default().limit(FORM_LIMIT))
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
    let data = actix_web::web::Data::new(state);
    let mut server = HttpServer::new(move || app(data.clone(), extra.clone()))
        .shutdown_timeout(shutdown.as_secs());
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    Ok(server.listen(listener)?.run())
}
