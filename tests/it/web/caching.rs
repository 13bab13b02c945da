//! What browsers and proxies may keep: nothing that depends on who asks (every page, API
//! answer and error page is `no-store`), and the static assets under content-hashed names for
//! a year. The access matrix checks the header on every route for every visitor; these tests
//! follow the stylesheet from a rendered page and look at bearer calls and stale names.

use super::api::token_for;
use super::{seed_with_passwords, Resp, TestApp};
use crate::common::{backends, TestDb};
use peiyu::web::assets::IMMUTABLE;

fn assert_no_store(what: &str, r: &Resp) {
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}: {r:?}");
    assert_eq!(r.header("x-peiyu-cache"), None, "{what}");
}

/// The `href` of the page's stylesheet link.
fn stylesheet_href(body: &str) -> String {
    let marker = "<link rel=\"stylesheet\" href=\"";
    let start = body.find(marker).expect("a stylesheet link") + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_string()
}

#[test]
fn pages_api_answers_and_error_pages_are_no_store() {
    for db in backends() {
        seed_with_passwords(&db);
        let app = TestApp::spawn(&db);
        assert_no_store("the sign-in page", &app.get("/login"));
        assert_no_store("a redirect to sign in", &app.get("/firms"));
        app.login_ok("bureau");
        let dashboard = app.get("/");
        assert_eq!(dashboard.status, 200, "{}", db.name());
        assert_no_store("the dashboard", &dashboard);
        assert_no_store("the firm list", &app.get("/firms"));
        let missing = app.get("/no/such/page");
        assert_eq!(missing.status, 404);
        assert_no_store("the 404 page", &missing);
        assert_no_store("the API by session", &app.get("/api/v1/me"));

        let token = token_for(&db, "bureau");
        let api = app.api_get("/api/v1/firms", &token);
        assert_eq!(api.status, 200, "{}: {}", db.name(), api.body);
        assert_no_store("the API by bearer token", &api);
        let refused = app.api_get("/api/v1/firms", "py_not-a-token");
        assert_eq!(refused.status, 401);
        assert_no_store("an API error", &refused);
    }
}

#[test]
fn the_stylesheet_a_page_links_is_hashed_and_kept_for_a_year() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let page = app.get("/login");
    let href = stylesheet_href(&page.body);
    let name = href.strip_prefix("/static/").expect("under /static/");
    let parts: Vec<&str> = name.split('.').collect();
    assert_eq!(parts.len(), 3, "app.<hash>.css: {href}");
    assert_eq!((parts[0], parts[2]), ("app", "css"), "{href}");
    assert!(
        parts[1].len() >= 8 && parts[1].bytes().all(|b| b.is_ascii_hexdigit()),
        "{href}"
    );

    let css = app.get(&href);
    assert_eq!(css.status, 200, "{href}");
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(css.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(IMMUTABLE, "public, max-age=31536000, immutable");
    assert_eq!(css.header("x-peiyu-cache"), None);
}

#[test]
fn an_unhashed_or_stale_asset_name_is_a_404_that_is_not_kept() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let href = stylesheet_href(&app.get("/login").body);
    let hash = href.split('.').nth(1).unwrap();
    let stale: String = hash
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    for path in [
        "/static/app.css".to_string(),
        format!("/static/app.{stale}.css"),
        format!("/static/app.{hash}.js"),
        format!("/static/other.{hash}.css"),
    ] {
        let r = app.get(&path);
        assert_eq!(r.status, 404, "{path}");
        assert_no_store(&path, &r);
    }
}
