//! Page handlers, one folder per area mirroring `app` (firms, coaching, accounts, mail), and
//! the one function that renders a page in the layout.

pub mod accounts;
pub mod announcements;
pub mod applications;
pub mod coaching;
pub mod dashboard;
pub mod firms;
pub mod health;
pub mod imports;
pub mod mail;
pub mod reports;

use super::auth::CurrentUser;
use super::error::WebError;
use super::session;
use super::templates;
use crate::app::AppError;
use crate::i18n::Lang;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};

/// A local path to go to after a form: must start with one `/` (no `//host`, no scheme), else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The id in a path; anything but a number is a 404.
pub fn path_id(s: &str) -> Result<i64, WebError> {
    s.trim().parse().map_err(|_| WebError::not_found())
}

/// The language switch link: to the other language, coming back here.
fn switch_href(req: &HttpRequest, lang: Lang) -> String {
    let here = req
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_string();
    let q = serde_urlencoded::to_string([("next", here.as_str())]).unwrap_or_default();
    format!("/lang/{}?{q}", lang.other().tag())
}

/// [`render`] with the page's data as a `Serialize` value (typically borrowing from the read
/// model), turned into the template's context in one pass: building a `json!` tree of the
/// page first and then merging it would copy every string twice.
pub fn render_page<T: Serialize>(
    req: &HttpRequest,
    lang: Lang,
    user: Option<&CurrentUser>,
    nav: &str,
    template: &str,
    status: actix_web::http::StatusCode,
    data: &T,
) -> Result<HttpResponse, WebError> {
    let data = serde_json::to_value(data).map_err(|e| {
        WebError::from(AppError::Internal(anyhow::anyhow!(
            "render {template}: {e}"
        )))
    })?;
    render(req, lang, user, nav, template, status, data)
}

/// Which areas the menu links for `p`: only those whose pages then open for them (the same
/// gates and access rules as the handlers), so that no menu item ends in a 403.
fn menu(p: &crate::app::Principal) -> Value {
    use super::auth::Area;
    use crate::app::access;
    json!({
        "agenda": Area::Agenda.allows(p.role) && access::may_follow_up(p),
        "advisors": Area::Advisors.allows(p.role) && access::may_manage_advisors(p),
        "admin": Area::Admin.allows(p.role),
        "firm_users": Area::FirmAccounts.allows(p.role),
        "targets": Area::Targets.allows(p.role),
        "scorecard": crate::app::reports::board::may_see(p),
        "imports": Area::Imports.allows(p.role),
    })
}

/// Render `template` in the layout with `data` merged over the common fields: `lang`,
/// `other_lang`, `csrf`, `switch_href`, `user` and `nav` (the active menu item).
pub fn render(
    req: &HttpRequest,
    lang: Lang,
    user: Option<&CurrentUser>,
    nav: &str,
    template: &str,
    status: actix_web::http::StatusCode,
    data: Value,
) -> Result<HttpResponse, WebError> {
    let mut root = json!({
        "lang": lang.tag(),
        "other_lang": lang.other().tag(),
        "csrf": session::csrf_token(req),
        "switch_href": switch_href(req, lang),
        "nav": nav,
        "user": user.map(|u| json!({
            "name": u.user.display_name,
            "username": u.user.username,
            "role": u.principal.role.id(),
            "may": menu(&u.principal),
        })),
        // Seconds after which the page reloads itself (a page of work in progress sets it).
        "refresh": Value::Null,
    });
    if let (Some(r), Value::Object(d)) = (root.as_object_mut(), data) {
        r.extend(d);
    }
    let html = templates::render_value(template, root).map_err(|e| {
        WebError::from(AppError::Internal(anyhow::anyhow!(
            "render {template}: {e}"
        )))
    })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Any unknown path: the 404 page.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, WebError> {
    let allow = crate::web::allowed_methods(req.path());
    if allow.is_empty() {
        Err(WebError::not_found())
    } else {
        Err(WebError::method_not_allowed(allow))
    }
}

/// `303 See Other` to `to`: where a form's success (or a redirect) sends the browser.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}
