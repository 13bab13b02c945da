use super::TestApp;
use crate::common::backends;

#[test]
fn healthz_and_readyz_answer_with_security_headers_and_a_request_id() {
    for db in backends() {
        let app = TestApp::spawn(&db);
        let h = app.get("/healthz");
        assert_eq!((h.status, h.body.as_str()), (200, "ok"), "{}", db.name());
        let r = app.get("/readyz");
        assert_eq!((r.status, r.body.as_str()), (200, "ready"), "{}", db.name());

        let csp = h.header("content-security-policy").unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(h.header("referrer-policy"), Some("same-origin"));
        assert_eq!(h.header("x-request-id").map(str::len), Some(16));

        let echoed = app.get_with("/healthz", &[("X-Request-Id", "trace-123")]);
        assert_eq!(echoed.header("x-request-id"), Some("trace-123"));
        let refused = app.get_with("/healthz", &[("X-Request-Id", "bad id <script>")]);
        assert_ne!(refused.header("x-request-id"), Some("bad id <script>"));
    }
}

#[test]
fn static_assets_are_embedded_and_the_stylesheet_has_a_print_section() {
    let db = crate::common::TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let css = app.get(peiyu::web::assets::path("app.css").unwrap());
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains("@media print"));
    let js = app.get(peiyu::web::assets::path("app.js").unwrap());
    assert_eq!(js.status, 200);
    assert_eq!(app.get("/static/nope.css").status, 404);
}

#[test]
fn unknown_paths_get_the_404_page() {
    let db = crate::common::TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let r = app.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("未找到"), "{}", r.body);
}
