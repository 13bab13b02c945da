//! The web layer (DESIGN §5): actix-web handlers that parse, call a use case, and render a
//! handlebars page. No business rule lives here; blocking database work runs in `web::block`.
//!
//! Routes: [`ROUTES`], the one list that [`routes`] registers (see `route_table!`), plus the
//! JSON API under `/api/v1` from its own table (`api::ROUTES`).

pub mod api;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod error;
pub mod export;
pub mod files;
pub mod forms;
pub mod hashing;
pub mod middleware;
pub mod pages;
pub mod session;
pub mod templates;

use crate::app::applications::documents::Storage;
use crate::app::AppError;
use crate::app::{DbConn, Pool};
use actix_web::web;
use session::SessionKeys;
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
    /// How long a request body may take to arrive once the head is in (then 408).
    pub body_timeout: Duration,
}

/// The default of [`WebConfig::body_timeout`]: a form or a JSON body arrives in well under a
/// second; 30 s leaves room for a slow mobile link.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            workers: None,
            trust_proxy: false,
            shutdown_timeout: Duration::from_secs(10),
            body_timeout: BODY_TIMEOUT,
        }
    }
}

/// What every handler shares. Nothing here is state another process would need: the pool
/// reaches the database, the keys are the ones stored there or configured, the storage is a
/// directory or a bucket (a bucket when several processes serve).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub pool: Pool,
    /// The session cookie keys.
    pub keys: SessionKeys,
    /// Where uploaded documents are kept (a directory or a bucket every process shares).
    pub storage: Storage,
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
        // r2d2 gives up only after its connection wait: the database refused or is gone.
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("no database connection: {e}")))?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// The methods the app serves `path` with (pages and API), for a 405's `Allow`; empty when
/// no route has that path.
pub fn allowed_methods(path: &str) -> String {
    fn matches(pattern: &str, path: &str) -> bool {
        let (p, q): (Vec<&str>, Vec<&str>) =
            (pattern.split('/').collect(), path.split('/').collect());
        p.len() == q.len()
            && p.iter()
                .zip(&q)
                .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}') && !b.is_empty()))
    }
    let mut allow: Vec<String> = ROUTES
        .iter()
        .filter(|(_, p)| matches(p, path))
        .map(|(m, _)| (*m).to_string())
        .chain(
            api::ROUTES
                .iter()
                .filter(|r| matches(&r.full_path(), path))
                .map(|r| r.verb.id().to_ascii_uppercase()),
        )
        .collect();
    allow.sort();
    allow.dedup();
    allow.join(", ")
}

/// Declares the route list once and generates both [`ROUTES`] (what the access-matrix test
/// checks against its table) and [`routes`] (what the server registers), so a route cannot be
/// served without being listed. Add a route as one `METHOD "/path/{param}" => handler;` line;
/// register nothing with `cfg.route`/`service` elsewhere (a test scans `src/web` for that).
macro_rules! route_table {
    (@method GET) => { web::get() };
    (@method POST) => { web::post() };
    (@method PUT) => { web::put() };
    (@method PATCH) => { web::patch() };
    (@method DELETE) => { web::delete() };
    ($($method:ident $path:literal => $handler:path;)*) => {
        /// Every route the app serves, as (method, path pattern), in registration order.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        /// Register every route of [`ROUTES`], then the 404 page for anything else.
        pub fn routes(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, route_table!(@method $method).to($handler));)*
            // The JSON API registers from its own one table (`api::ROUTES`), which its
            // OpenAPI test checks; everything else is 404.
            cfg.configure(api::configure);
            cfg.default_service(web::to(pages::not_found));
        }
    };
}

route_table! {
    GET "/healthz" => pages::health::healthz;
    GET "/readyz" => pages::health::readyz;
    GET "/static/{name}" => assets::serve;
    GET "/login" => pages::accounts::login::form;
    POST "/login" => pages::accounts::login::submit;
    POST "/logout" => pages::accounts::login::logout;
    GET "/lang/{tag}" => pages::accounts::login::switch_lang;
    // A user's own password: change it (where a temporary password sends its user), ask for a
    // reset link, and the page an invitation or reset link opens.
    GET "/account/password" => pages::accounts::password::change_form;
    POST "/account/password" => pages::accounts::password::change;
    GET "/password/forgot" => pages::accounts::password::forgot_form;
    POST "/password/forgot" => pages::accounts::password::forgot;
    GET "/password/set" => pages::accounts::password::set_form;
    POST "/password/set" => pages::accounts::password::set;
    GET "/" => pages::dashboard::show;
    // The yearly targets (admin, bureau); the dashboard above shows progress toward them.
    GET "/targets" => pages::reports::form;
    POST "/targets" => pages::reports::save;
    GET "/scorecard" => pages::reports::scorecard::show;
    GET "/scorecard/export" => pages::reports::scorecard::export;
    GET "/should-register" => pages::reports::should_register::show;
    GET "/should-register/export" => pages::reports::should_register::export;
    GET "/firms" => pages::firms::list;
    // Lists as files (issue 15): `/<list>/export?format=csv|xlsx&<the list's own query>`.
    GET "/firms/export" => pages::firms::export;
    // Forms, stage actions, what-if and the reserve pool (before `/firms/{id}`).
    GET "/firms/new" => pages::firms::forms::new_firm;
    POST "/firms/new" => pages::firms::forms::create_firm;
    GET "/firms/{id}/edit" => pages::firms::forms::edit_form;
    POST "/firms/{id}/edit" => pages::firms::forms::update_firm;
    GET "/firms/{id}/years" => pages::firms::forms::year_form;
    POST "/firms/{id}/years" => pages::firms::forms::save_year;
    GET "/firms/{id}/ip/new" => pages::firms::forms::ip_form;
    POST "/firms/{id}/ip/new" => pages::firms::forms::add_ip;
    POST "/firms/{id}/ip/remove" => pages::firms::forms::remove_ip;
    GET "/firms/{id}/actions/{event}" => pages::firms::actions::form;
    POST "/firms/{id}/actions/{event}" => pages::firms::actions::fire;
    GET "/firms/{id}/whatif" => pages::firms::whatif::show;
    GET "/pool" => pages::firms::pool::show;
    GET "/imports" => pages::imports::show;
    POST "/imports" => pages::imports::upload;
    GET "/imports/template.csv" => pages::imports::template_csv;
    GET "/imports/template.xlsx" => pages::imports::template_xlsx;
    GET "/imports/announcements" => pages::announcements::show;
    POST "/imports/announcements" => pages::announcements::upload;
    // A stored run (issue 15, part 6): its progress and report, the commit of a dry run's
    // file, the error report as files.
    GET "/imports/runs/{rid}" => pages::imports::run;
    POST "/imports/runs/{rid}/commit" => pages::imports::commit;
    GET "/imports/runs/{rid}/report.csv" => pages::imports::report_csv;
    GET "/imports/runs/{rid}/report.xlsx" => pages::imports::report_xlsx;
    GET "/pool/export" => pages::firms::pool::export;
    GET "/firms/{id}/applications/new" => pages::applications::new_form;
    POST "/firms/{id}/applications/new" => pages::applications::create;
    GET "/applications" => pages::applications::queues;
    GET "/applications/export" => pages::applications::export;
    GET "/nominations" => pages::applications::nominations::show;
    POST "/nominations" => pages::applications::nominations::nominate;
    POST "/nominations/decide" => pages::applications::nominations::decide;
    GET "/applications/{aid}" => pages::applications::show;
    POST "/applications/{aid}" => pages::applications::step;
    // Its evidence documents: upload (multipart), download, removal.
    POST "/applications/{aid}/documents" => pages::applications::documents::upload;
    GET "/applications/{aid}/documents/{did}" => pages::applications::documents::download;
    POST "/applications/{aid}/documents/{did}/delete" => pages::applications::documents::remove;
    GET "/firms/{id}" => pages::firms::show;
    // Accounts and API tokens (admin only).
    GET "/admin/users" => pages::accounts::admin::users;
    POST "/admin/users" => pages::accounts::admin::invite;
    POST "/admin/users/{id}" => pages::accounts::admin::change;
    POST "/admin/tokens" => pages::accounts::admin::create_token;
    POST "/admin/tokens/{id}/revoke" => pages::accounts::admin::revoke_token;
    // Firm users' accounts and invitations: admins, the bureau, county officers (their county).
    GET "/firm-users" => pages::accounts::firm_users::list;
    POST "/firm-users" => pages::accounts::firm_users::invite;
    POST "/firm-users/{uid}/reinvite" => pages::accounts::firm_users::reinvite;
    // Coaching (issue 5): a firm's advisor, follow-ups and issues; advisors' workloads, the
    // agenda, the issue ledger, the follow-ups export and bulk assignment.
    GET "/firms/{id}/assign" => pages::coaching::assign_form;
    POST "/firms/{id}/assign" => pages::coaching::assign;
    GET "/firms/{id}/followups/new" => pages::coaching::new_followup;
    POST "/firms/{id}/followups/new" => pages::coaching::log_followup;
    GET "/firms/{id}/followups/{fid}/edit" => pages::coaching::edit_followup_form;
    POST "/firms/{id}/followups/{fid}/edit" => pages::coaching::edit_followup;
    GET "/firms/{id}/followups/{fid}/correct" => pages::coaching::correct_followup_form;
    POST "/firms/{id}/followups/{fid}/correct" => pages::coaching::correct_followup;
    GET "/firms/{id}/issues/new" => pages::coaching::new_issue;
    POST "/firms/{id}/issues/new" => pages::coaching::raise_issue;
    GET "/firms/{id}/issues/{iid}" => pages::coaching::show_issue;
    POST "/firms/{id}/issues/{iid}" => pages::coaching::update_issue;
    POST "/firms/assign" => pages::coaching::workload::bulk_assign;
    GET "/advisors" => pages::coaching::workload::advisors;
    GET "/advisors/export" => pages::coaching::workload::advisors_export;
    POST "/advisors/reassign" => pages::coaching::workload::reassign;
    GET "/agenda" => pages::coaching::workload::agenda;
    GET "/agenda/export" => pages::coaching::workload::agenda_export;
    GET "/issues" => pages::coaching::workload::issues;
    GET "/issues/export" => pages::coaching::workload::issues_export;
    GET "/followups.csv" => pages::coaching::workload::followups_csv;
    GET "/followups/export" => pages::coaching::workload::followups_export;
    // Mail: each user's preferences; the outbox for administrators.
    GET "/account/mail" => pages::mail::prefs;
    POST "/account/mail" => pages::mail::save_prefs;
    POST "/account/mail/mandatory" => pages::mail::save_mandatory;
    GET "/admin/mail" => pages::mail::outbox;
    POST "/admin/mail/test" => pages::mail::send_test;
    POST "/admin/mail/{id}/retry" => pages::mail::retry;
}
